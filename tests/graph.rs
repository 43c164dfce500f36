//! `--snapshot --format dot|mermaid` on the fixture host: Graphviz itself parses the DOT (it is
//! installed by .ci/run), every edge joins declared nodes, and the picture has what it must.

mod tui_fixture;

use std::io::Write;
use std::process::{Command, Stdio};
use tui_fixture::*;

fn topology() -> netview::model::Topology {
    netview::model::build(&observation())
}

#[test]
fn dot_parses_with_graphviz() {
    let dot = netview::output::graph::dot(&topology());
    assert!(dot.starts_with("digraph netview {"), "{dot}");
    assert!(dot.contains("label=\"docker0 172.17.0.1/16\\nnetwork bridge\""), "{dot}");
    assert!(dot.contains("vethd329e53 ⇄ eth0 172.17.0.2/16"), "the bridge port edge names both ends: {dot}");
    let Ok(mut child) =
        Command::new("dot").arg("-Tsvg").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()
    else {
        assert!(
            std::env::var("NETVIEW_LIVE_TESTS").as_deref() != Ok("1"),
            "Graphviz (dot) is missing: .ci/run installs it"
        );
        eprintln!("skipped: Graphviz parsing needs the `dot` tool (apt-get install graphviz)");
        return;
    };
    child.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "dot rejected the graph: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"), "an SVG came out");
}

#[test]
fn mermaid_edges_join_declared_nodes() {
    let m = netview::output::graph::mermaid(&topology());
    assert!(m.starts_with("graph LR\n"), "{m}");
    let mut nodes = std::collections::BTreeSet::new();
    for line in m.lines().skip(1) {
        let line = line.trim();
        if let Some((a, rest)) = line.split_once(" --> ").or_else(|| line.split_once(" -->|")) {
            let b = rest.rsplit(' ').next().unwrap_or(rest);
            assert!(nodes.contains(a) && nodes.contains(b), "edge {line:?} before its nodes");
        } else {
            let id: String = line.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            assert!(!id.is_empty() && nodes.insert(id.clone()), "node {line:?} declared twice or without an id");
        }
    }
    assert!(m.contains("[[\"docker0 172.17.0.1/16<br/>network bridge\"]]"), "{m}");
}

#[test]
fn the_cli_prints_graphs_and_json_stays_the_short_form() {
    let bin = env!("CARGO_BIN_EXE_netview");
    let out = Command::new(bin).args(["--snapshot", "--json", "--format", "dot"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "--json and --format conflict");
    let out = Command::new(bin).args(["--format", "dot"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "--format needs --snapshot");
}

#[test]
fn completions_and_the_manual_page() {
    let bin = env!("CARGO_BIN_EXE_netview");
    for (shell, marker) in [("bash", "_netview()"), ("zsh", "#compdef netview"), ("fish", "complete -c netview")] {
        let out = Command::new(bin).args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker) && text.contains("lesson") && text.contains("--snapshot"), "{shell}: {text}");
    }
    let out = Command::new(bin).arg("man").output().unwrap();
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && man.contains(".TH netview 1") && man.contains("\\-\\-replay"), "{man}");
    let out = Command::new(bin).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("netview {}", env!("CARGO_PKG_VERSION")));
}
