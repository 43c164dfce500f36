//! netview only reads the system: outside `src/lab`, the source may build no netlink request that
//! creates, changes or deletes, call no mutating Docker endpoint, and run no external tool but the
//! firewall's save/list tools, always as an argument vector. The socket refuses non-Get requests
//! at run time as well (`collect::netlink::socket::is_read_request`).

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `docker.<method>(` of the Docker client, with its file.
fn docker_calls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("docker.") {
        let after = &rest[i + "docker.".len()..];
        let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if after[name.len()..].starts_with('(') {
            out.push(name);
        }
        rest = after;
    }
    out
}

#[test]
fn nothing_outside_the_lab_can_change_the_system() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let lab = root.join("lab");
    let mut problems = Vec::new();
    let mut calls_seen = 0;
    const DOCKER_READS: [&str; 8] = [
        "version",
        "ping",
        "events",
        "list_networks",
        "list_containers",
        "inspect_container",
        "inspect_network",
        "info",
    ];
    for f in files.iter().filter(|f| !f.starts_with(&lab)) {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.strip_prefix(&root).unwrap().display().to_string();
        for bad in [
            "NLM_F_CREATE",
            "NLM_F_EXCL",
            "NLM_F_REPLACE",
            "NLM_F_APPEND",
            "new_connection(",
            "sh\", \"-c",
            "\"bash\"",
            "SockDiagDestroy", // sock_diag's SOCK_DESTROY closes other processes' sockets
        ] {
            if text.contains(bad) {
                problems.push(format!("{name}: {bad}"));
            }
        }
        for verb in ["New", "Del", "Set"] {
            for call in [".request(RouteNetlinkMessage::", ".dump(RouteNetlinkMessage::", ".send(RouteNetlinkMessage::"]
            {
                if text.contains(&format!("{call}{verb}")) {
                    problems.push(format!("{name}: a {verb}* netlink request"));
                }
            }
        }
        // Only files that talk to the engine (through bollard) hold a Docker client.
        let client_calls = if text.contains("bollard") { docker_calls(&text) } else { Vec::new() };
        for call in client_calls.into_iter().filter(|c| c != "clone") {
            calls_seen += 1;
            if !DOCKER_READS.contains(&call.as_str()) {
                problems.push(format!("{name}: Docker call {call}()"));
            }
        }
        if text.contains("Command::new(") && name != "collect/firewall/mod.rs" {
            problems.push(format!("{name}: runs an external command"));
        }
    }
    assert!(calls_seen >= 5, "the scan finds the Docker calls it checks ({calls_seen})");
    assert!(problems.is_empty(), "{problems:#?}");
    // The firewall tools run with fixed argument lists that only read.
    let fw = std::fs::read_to_string(root.join("collect/firewall/mod.rs")).unwrap();
    for args in ["args: &[\"-c\"]", "args: &[\"-j\", \"list\", \"ruleset\"]"] {
        assert!(fw.contains(args), "{args}");
    }
    assert!(!fw.contains("args: &[\"-F") && !fw.contains("\"flush\"") && !fw.contains("\"add\""));
}
