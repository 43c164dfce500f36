//! Live test of Docker's names and of ports Docker never published (NETVIEW_LIVE_TESTS=1, root,
//! Docker, docker-compose): a user-defined network with `--network-alias`es, a Compose project
//! whose service names must appear, a container on an `--internal` network only with `-p`, and a
//! host-mode container with `-p`. The snapshot's aliases, DNS names and unpublished ports are
//! compared with `docker inspect`; every name netview says the embedded DNS answers is looked up
//! for real (`busybox nslookup <name> 127.0.0.11` from a member); `netview path` from "another
//! host" (a client namespace of the test's own) to the ports never published is compared with a
//! real connection (busybox nc). Everything is named `nvt-<pid>-n*` and removed, even on failure.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

fn inspect(container: &str) -> Value {
    json(&must("docker", &["inspect", container]), "docker inspect")[0].clone()
}

/// A name looked up through the embedded DNS from inside `from`: the address it resolved to.
fn lookup(from: &str, name: &str) -> Option<String> {
    let out = exec(
        Command::new("docker").args(["exec", from, "busybox", "nslookup", name, "127.0.0.11"]),
        Duration::from_secs(20),
    )
    .ok()?;
    let after = out.stdout.split_once(&format!("Name:\t{name}"))?.1.to_string();
    after.lines().find_map(|l| l.strip_prefix("Address: ")).map(|a| a.trim().to_string())
}

/// A real TCP connection from the client namespace: whether something accepted it.
fn connects(ns: &str, addr: &str, port: u16) -> bool {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns, "busybox", "nc", "-w", "2", addr, &port.to_string()]);
    exec(&mut cmd, Duration::from_secs(10)).is_ok_and(|o| o.status.success() && !o.stderr.contains("refused"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(String::from)).collect()
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn names_and_unpublished_ports_agree_with_docker_and_real_lookups() {
    const TEST: &str = "names_and_unpublished_ports_agree_with_docker_and_real_lookups";
    if !live(TEST) {
        return;
    }
    let started = Instant::now();
    let p = prefix('n');
    let _guard = Guard::new(&p);
    let n = |s: &str| format!("{p}-{s}");
    let mut c = Checks::default();
    let version = must("docker", &["version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"]);
    let version = version.trim();

    let seed = std::process::id() as usize + 29;
    create_network(&n("net"), seed, false, &[]);
    create_network(&n("int"), seed + 5, false, &["--internal"]);
    let base = 20000 + (std::process::id() % 2000) as u16 * 4;
    let (int_port, host_port, pub_port) = (base, base + 1, base + 2);
    run_d(&[
        "--name",
        &n("db"),
        "--network",
        &n("net"),
        "--network-alias",
        "database",
        "--network-alias",
        "pg",
        IMAGE,
        "sleep",
        "600",
    ]);
    run_d(&["--name", &n("app"), "--network", &n("net"), "--hostname", "apphost", IMAGE, "sleep", "600"]);
    run_d(&["--name", &n("int"), "--network", &n("int"), "-p", &format!("{int_port}:80"), IMAGE, "sleep", "600"]);
    run_d(&["--name", &n("host"), "--network", "host", "-p", &format!("{host_port}:80"), IMAGE, "sleep", "600"]);
    let serve = "exec nc -ll -p 80 -e hostname";
    run_d(&["--name", &n("pub"), "-p", &format!("{pub_port}:80"), IMAGE, "sh", "-c", serve]);

    // A Compose project (its containers and network are named after the project, so the guard
    // removes them too): two services, one with an extra alias.
    let dir = std::env::temp_dir().join(format!("{p}-compose"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("docker-compose.yml");
    std::fs::write(
        &file,
        format!(
            "version: \"2.4\"\nservices:\n  web:\n    image: {IMAGE}\n    command: sleep 600\n  cache:\n    image: {IMAGE}\n    command: sleep 600\n    networks:\n      default:\n        aliases: [redis]\n"
        ),
    )
    .unwrap();
    let compose = exec(
        Command::new("docker-compose").args(["-p", &p, "-f", &file.to_string_lossy(), "up", "-d"]),
        Duration::from_secs(120),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(compose.status.success(), "docker-compose up: {}", compose.stderr);

    let snap = snapshot_json(&[]);
    let containers: BTreeMap<String, &Value> = snap["docker"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["name"].as_str()?.to_string(), c)))
        .filter(|(name, _)| name.starts_with(&p))
        .collect();
    let compose_containers: Vec<String> =
        containers.keys().filter(|k| k.contains("_web_") || k.contains("_cache_")).cloned().collect();
    c.eq("compose containers", compose_containers.len(), 2);

    // Aliases and DNS names against docker inspect, endpoint by endpoint.
    let mut endpoints = 0;
    for (name, cv) in &containers {
        let ins = inspect(name);
        for e in cv["endpoints"].as_array().into_iter().flatten() {
            let net = e["network"].as_str().unwrap_or("");
            let want = &ins["NetworkSettings"]["Networks"][net];
            if net == "host" {
                continue;
            }
            endpoints += 1;
            c.eq(format!("{name} on {net}: aliases"), strings(&e["aliases"]), strings(&want["Aliases"]));
            c.eq(format!("{name} on {net}: dns_names"), strings(&e["dns_names"]), strings(&want["DNSNames"]));
        }
    }
    let aliases_seen: usize = containers
        .values()
        .flat_map(|c| c["endpoints"].as_array().into_iter().flatten())
        .map(|e| strings(&e["aliases"]).len())
        .sum();
    c.ok("some aliases are read", aliases_seen >= 3, aliases_seen);

    // The names each user-defined network's embedded DNS answers (as the network's details list
    // them: DNSNames, else the container name and the aliases), each looked up for real from a
    // member of that network.
    let mut names: Vec<(String, String, String, String)> = Vec::new(); // (network, name, address, asker)
    for (name, cv) in &containers {
        for e in cv["endpoints"].as_array().into_iter().flatten() {
            let net = e["network"].as_str().unwrap_or("").to_string();
            if net == "bridge" || net == "host" {
                continue;
            }
            let mut list = strings(&e["dns_names"]);
            if list.is_empty() {
                list = std::iter::once(name.clone()).chain(strings(&e["aliases"])).collect();
            }
            let addr = e["ipv4"].as_str().unwrap_or("").split('/').next().unwrap_or("").to_string();
            let asker = containers
                .iter()
                .find(|(other, ov)| {
                    *other != name
                        && ov["endpoints"].as_array().into_iter().flatten().any(|o| o["network"] == net.as_str())
                })
                .map_or(name.clone(), |(o, _)| o.clone());
            for dns in list {
                names.push((net.clone(), dns, addr.clone(), asker.clone()));
            }
        }
    }
    for service in ["web", "cache", "redis"] {
        c.ok(
            format!("compose service name {service} is among the names"),
            names.iter().any(|(net, name, _, _)| net.ends_with("_default") && name == service),
            format!("{names:?}"),
        );
    }
    for wanted in ["database", "pg", "apphost", &n("db"), &n("app")] {
        c.ok(format!("{wanted} is among the names"), names.iter().any(|(_, nm, _, _)| nm == wanted), "");
    }
    let mut resolved = 0;
    for (net, name, addr, asker) in &names {
        let got = lookup(asker, name);
        if got.as_deref() == Some(addr.as_str()) {
            resolved += 1;
        } else {
            c.ok(format!("{name} on {net} resolves to {addr} from {asker}"), false, format!("{got:?}"));
        }
    }
    // The default bridge has no embedded DNS: the name of a container there does not resolve.
    let on_bridge = lookup(&n("pub"), &n("pub"));
    c.ok("no name resolves on the default bridge", on_bridge.is_none(), format!("{on_bridge:?}"));

    // Ports asked for and never published, against docker inspect.
    let unpublished = snap["firewall"]["unpublished"].as_array().cloned().unwrap_or_default();
    let ours: Vec<(String, u64, Option<u64>, String)> = unpublished
        .iter()
        .filter(|u| u["container"].as_str().is_some_and(|c| c.starts_with(&p)))
        .map(|u| {
            (
                u["container"].as_str().unwrap_or("").to_string(),
                u["port"].as_u64().unwrap_or(0),
                u["host_port"].as_u64(),
                u["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    c.eq(
        "unpublished ports",
        ours.clone(),
        vec![
            (n("host"), 80, Some(host_port as u64), "host network mode: -p is ignored".to_string()),
            (n("int"), 80, Some(int_port as u64), "internal network only".to_string()),
        ],
    );
    for (name, _, hp, _) in &ours {
        let ins = inspect(name);
        let asked = ins["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"].as_str().map(String::from);
        c.eq(format!("{name}: PortBindings"), asked, hp.map(|p| p.to_string()));
        let published =
            ins["NetworkSettings"]["Ports"].as_object().map_or(0, |m| m.values().filter(|v| !v.is_null()).count());
        c.eq(format!("{name}: NetworkSettings.Ports published"), published, 0);
    }
    c.ok(
        "the published one is not listed as unpublished",
        !unpublished.iter().any(|u| u["container"] == n("pub").as_str()),
        "",
    );

    // `netview path` from another host (a client namespace of ours behind a veth) against real
    // connections.
    let cli = n("cli");
    let engine = another_host(&cli, &n("h"), &n("c"));
    let mut agree = 0;
    let cases = [(int_port, "internal network only"), (host_port, "host network mode: -p is ignored"), (pub_port, "")];
    for (port, why) in cases {
        let real = connects(&cli, &engine, port);
        let out = netview(&["path", &cli, &engine, "--port", &port.to_string(), "--json"], &[]);
        let report = json(&out.stdout, "netview path --json");
        let verdict = report["verdict"].as_str().unwrap_or("?").to_string();
        let reason = report["reason"].as_str().unwrap_or("").to_string();
        let said = verdict == "reachable";
        if said == real {
            agree += 1;
        }
        c.ok(format!("path {cli} → {engine}:{port}: netview {verdict}, real {real}"), said == real, &reason);
        if !why.is_empty() {
            c.ok(format!("path to {port} says why"), verdict == "blocked" && reason.contains(why), &reason);
        }
    }

    eprintln!(
        "{TEST} on Docker {version}: {endpoints} endpoints match docker inspect; {resolved}/{} names resolve for real as listed; {} unpublished ports; {agree}/{} path verdicts agree with real connections ({} s)",
        names.len(),
        ours.len(),
        cases.len(),
        started.elapsed().as_secs()
    );
    c.finish(TEST);
}
