//! Live test of Engine 28's ways in (NETVIEW_LIVE_TESTS=1, root, Docker): published ports and
//! container addresses reached from "another host" (a client namespace of the test's own behind a
//! veth), across networks in every gateway mode the engine supports (nat, nat-unprotected, routed,
//! isolated), from containers to each other and to the host's published ports. Every case compares
//! `netview path --json` (and, where a port has one, the port walk of `--snapshot --json`) with a
//! real connection made with busybox nc or ping, bounded by short timeouts. On an engine without
//! gateway modes (before 28) only the nat part runs, and the test says what it left out.
//! Traffic goes only between this test's own namespace and containers.

mod support;

use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

const MODE_V4: &str = "com.docker.network.bridge.gateway_mode_ipv4";

/// The engine's major version, from `docker version`.
fn engine_major() -> (u32, String) {
    let v = must("docker", &["version", "--format", "{{.Server.Version}}"]).trim().to_string();
    (v.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0), v)
}

fn address_on(container: &str, net: &str) -> String {
    let f = format!("{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}");
    let ip = must("docker", &["inspect", "-f", &f, container]).trim().to_string();
    assert!(!ip.is_empty() && ip != "<no value>", "{container} has no address on {net}");
    ip
}

/// The IPv4 host port Docker chose for the container's 80/tcp.
fn host_port(container: &str) -> u16 {
    let out = must("docker", &["port", container, "80/tcp"]);
    out.lines()
        .find_map(|l| l.strip_prefix("0.0.0.0:")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no 0.0.0.0 mapping for {container} in `docker port`: {out}"))
}

/// Where a probe starts.
#[derive(Clone)]
enum From {
    /// The client namespace (`ip netns` name).
    Client(String),
    Container(String),
    /// The engine's own namespace, where this test runs: "the host".
    Host,
}

impl From {
    fn name(&self) -> &str {
        match self {
            From::Client(n) | From::Container(n) => n,
            From::Host => "host",
        }
    }
}

/// A real connection to `addr:port` (None: a ping): whether the packet got there (an answer,
/// or a refusal, which comes from the target too). Each try is bounded by nc's `-w 2`, ping's
/// `-W 2` and an outer limit.
fn probe(from: &From, addr: &str, port: Option<u16>) -> bool {
    let tool: Vec<String> = match port {
        Some(p) => ["nc", "-w", "2", addr, &p.to_string()].map(String::from).to_vec(),
        None => ["ping", "-c", "2", "-W", "2", addr].map(String::from).to_vec(),
    };
    let mut cmd = match from {
        From::Client(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, "busybox"]);
            c
        }
        From::Container(name) => {
            let mut c = Command::new("docker");
            c.args(["exec", name]);
            c
        }
        From::Host => Command::new("busybox"),
    };
    cmd.args(&tool);
    let Ok(out) = exec(&mut cmd, Duration::from_secs(10)) else { return false };
    match port {
        Some(_) => !out.stdout.trim().is_empty() || out.stderr.contains("refused"),
        None => out.status.success(),
    }
}

/// One comparison: what netview said would happen vs what the packet did.
struct Tally {
    lines: Vec<String>,
    agree: usize,
    total: usize,
}

impl Tally {
    fn record(&mut self, what: String, netview: &str, said_reaches: Option<bool>, real: bool) {
        self.total += 1;
        let ok = said_reaches == Some(real);
        if ok {
            self.agree += 1;
        }
        let real = if real { "got there" } else { "no answer" };
        self.lines
            .push(format!("{:<9} {what:<64} netview {netview:<12} real {real}", if ok { "agree" } else { "DISAGREE" }));
    }
}

/// `netview path --json` verdict as "gets there" (None: unknown, which never agrees).
fn path_verdict(from: &str, to: &str, port: Option<u16>) -> (Value, Option<bool>) {
    let mut args = vec!["path", from, to, "--json"];
    let p = port.map(|p| p.to_string());
    match &p {
        Some(p) => args.extend(["--port", p.as_str()]),
        None => args.extend(["--proto", "icmp"]),
    }
    let out = netview(&args, &[]);
    assert!(!out.stderr.contains("panicked"), "netview {} panicked: {}", args.join(" "), out.stderr);
    let report = json(&out.stdout, "netview path --json");
    let said = match report["verdict"].as_str() {
        Some("reachable") => Some(true),
        // Leaving this host: the packet is not delivered here and no answer comes back.
        Some("blocked" | "leaves_host") => Some(false),
        _ => None,
    };
    (report, said)
}

fn mapping<'a>(snap: &'a Value, container: &str) -> Option<&'a Value> {
    let ports = snap["firewall"]["ports"].as_array()?;
    ports.iter().find(|m| {
        m["container"] == container
            && m["protocol"] == "tcp"
            && m["container_port"] == 80
            && (m["host_ip"] == "0.0.0.0" || m["routed"] == true && !m["host_ip"].as_str().unwrap_or("").contains(':'))
    })
}

fn walk<'a>(m: &'a Value, from: &str) -> Option<&'a Value> {
    m["walks"].as_array()?.iter().find(|w| w["from"] == from)
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn published_ports_and_gateway_modes_agree_with_real_traffic() {
    const TEST: &str = "published_ports_and_gateway_modes_agree_with_real_traffic";
    if !live(TEST) {
        return;
    }
    let started = Instant::now();
    let (major, version) = engine_major();
    let modes = major >= 28;
    let p = prefix('g');
    let _guard = Guard::new(&p);
    let n = |s: &str| format!("{p}-{s}");
    let mut c = Checks::default();

    // "Another host": a namespace of ours on a /30 in 10.250.x behind a veth, routing everything
    // through this host.
    let cli = n("cli");
    let engine = another_host(&cli, &n("h"), &n("c"));

    // Networks: nat (the default) twice, and on 28+ one in each other gateway mode.
    let seed = std::process::id() as usize + 71;
    let mut nets = vec![("nat", vec![]), ("nat2", vec![])];
    if modes {
        nets.push(("unprot", vec!["-o", "com.docker.network.bridge.gateway_mode_ipv4=nat-unprotected"]));
        nets.push(("routed", vec!["-o", "com.docker.network.bridge.gateway_mode_ipv4=routed"]));
        nets.push(("iso", vec!["--internal", "-o", "com.docker.network.bridge.gateway_mode_ipv4=isolated"]));
    }
    for (i, (net, extra)) in nets.iter().enumerate() {
        create_network(&n(net), seed + i * 3, false, extra);
    }
    // Each container answers with its hostname on 80 (published) and 81 (not published).
    let serve = "nc -ll -p 81 -e hostname & exec nc -ll -p 80 -e hostname";
    for (net, _) in &nets {
        let mut args = vec!["--name".to_string(), n(&format!("{net}c")), "--network".into(), n(net)];
        if *net != "iso" {
            args.extend(["-p".into(), "80".into()]);
        }
        args.extend([IMAGE.into(), "sh".into(), "-c".into(), serve.into()]);
        run_d(&args.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let ctr = |net: &str| n(&format!("{net}c"));
    let ip = |net: &str| address_on(&ctr(net), &n(net));
    let (natc, nat2c) = (ctr("nat"), ctr("nat2"));
    let (nat_ip, nat2_ip) = (ip("nat"), ip("nat2"));
    let (nat_port, nat2_port) = (host_port(&natc), host_port(&nat2c));
    let client = From::Client(cli.clone());
    let inside = |net: &str| From::Container(ctr(net));

    // (from, netview's target, the real target address, port; None = ping)
    let mut cases: Vec<(From, String, String, Option<u16>)> = vec![
        (client.clone(), engine.clone(), engine.clone(), Some(nat_port)),
        (client.clone(), nat_ip.clone(), nat_ip.clone(), Some(80)),
        (client.clone(), nat_ip.clone(), nat_ip.clone(), Some(81)),
        (client.clone(), nat_ip.clone(), nat_ip.clone(), None),
        (client.clone(), engine.clone(), engine.clone(), Some(nat2_port)),
        (inside("nat"), nat2c.clone(), nat2_ip.clone(), Some(80)),
        (inside("nat2"), natc.clone(), nat_ip.clone(), Some(80)),
        (inside("nat"), engine.clone(), engine.clone(), Some(nat_port)),
        (inside("nat"), engine.clone(), engine.clone(), Some(nat2_port)),
        // The host to its own address: nat OUTPUT's DNAT, not loopback.
        (From::Host, engine.clone(), engine.clone(), Some(nat_port)),
        (From::Host, engine.clone(), engine.clone(), Some(nat2_port)),
    ];
    let mut extra = None;
    if modes {
        let (unprotc, routedc, isoc) = (ctr("unprot"), ctr("routed"), ctr("iso"));
        let (unprot_ip, routed_ip, iso_ip) = (ip("unprot"), ip("routed"), ip("iso"));
        let unprot_port = host_port(&unprotc);
        for (to, port) in [
            (&engine, Some(unprot_port)),
            (&unprot_ip, Some(80)),
            (&unprot_ip, Some(81)),
            (&unprot_ip, None),
            (&routed_ip, Some(80)),
            (&routed_ip, Some(81)),
            (&routed_ip, None),
            (&iso_ip, Some(80)),
        ] {
            cases.push((client.clone(), to.clone(), to.clone(), port));
        }
        for (from, to, to_ip, port) in [
            ("nat", &routedc, &routed_ip, 80),
            ("nat", &routedc, &routed_ip, 81),
            ("nat", &unprotc, &unprot_ip, 80),
            ("routed", &natc, &nat_ip, 80),
            ("unprot", &routedc, &routed_ip, 80),
            ("iso", &natc, &nat_ip, 80),
            ("routed", &engine, &engine, nat_port),
            ("unprot", &engine, &engine, unprot_port),
            ("iso", &engine, &engine, nat_port),
        ] {
            cases.push((inside(from), to.clone(), to_ip.clone(), Some(port)));
        }
        extra = Some((unprotc, routedc, isoc, unprot_ip, routed_ip, iso_ip, unprot_port));
    } else {
        eprintln!(
            "{TEST}: Docker {version} has no gateway modes (Engine 28+): only the nat part ran; left out: \
             nat-unprotected, routed and isolated networks and their probes, raw-table guards \
             (firewall.docker_raw), the straight-to-the-container port walks and the gateway-mode checks"
        );
    }

    // The probes first (so the rule counters move), then what netview says about each.
    let mut tally = Tally { lines: Vec::new(), agree: 0, total: 0 };
    let mut reals = Vec::new();
    for (from, _, addr, port) in &cases {
        reals.push(probe(from, addr, *port));
    }
    let proto = |port: Option<u16>| port.map_or("icmp".to_string(), |p| format!("tcp/{p}"));
    for ((from, to, addr, port), real) in cases.iter().zip(&reals) {
        let (report, said) = path_verdict(from.name(), to, *port);
        let verdict = report["verdict"].as_str().unwrap_or("?").to_string();
        c.eq(
            format!("{} → {to}: address netview aimed at", from.name()),
            report["to"]["address"].as_str(),
            Some(addr.as_str()),
        );
        tally.record(format!("path {} → {to} {}", from.name(), proto(*port)), &verdict, said, *real);
        if said != Some(*real) {
            c.ok(
                format!("path {} → {to} {} ({addr})", from.name(), proto(*port)),
                false,
                format!(
                    "netview says {verdict} ({}), the real probe {}",
                    report["reason"],
                    if *real { "got there" } else { "got no answer" }
                ),
            );
        }
    }

    // The port walks of the snapshot against the same probes.
    let snap = snapshot_json(&[]);
    let real_of = |from: &From, addr: &str, port: Option<u16>| {
        cases
            .iter()
            .zip(&reals)
            .find(|((f, _, a, p), _)| f.name() == from.name() && a == addr && *p == port)
            .map(|(_, r)| *r)
            .expect("a probe of this case")
    };
    let mut walks: Vec<(String, &str, bool)> = vec![
        (natc.clone(), "another host", real_of(&client, &engine, Some(nat_port))),
        (nat2c.clone(), "another host", real_of(&client, &engine, Some(nat2_port))),
    ];
    if modes {
        walks.push((natc.clone(), "another host, straight to the container", real_of(&client, &nat_ip, Some(80))));
    }
    if let Some((unprotc, routedc, _, unprot_ip, routed_ip, _, unprot_port)) = &extra {
        walks.push((unprotc.clone(), "another host", real_of(&client, &engine, Some(*unprot_port))));
        walks.push((unprotc.clone(), "another host, straight to the container", real_of(&client, unprot_ip, Some(80))));
        walks.push((routedc.clone(), "another host", real_of(&client, routed_ip, Some(80))));
    }
    for (container, from, real) in walks {
        let w = mapping(&snap, &container).and_then(|m| walk(m, from));
        let said = w.and_then(|w| w["reaches_container"].as_bool());
        let outcome = w.and_then(|w| w["outcome"].as_str()).unwrap_or("no such walk");
        tally.record(format!("port walk {container}:80 from {from}"), &format!("{said:?}"), said, real);
        if said != Some(real) {
            c.ok(format!("port walk of {container} from {from}"), false, format!("netview: {outcome}; real: {real}"));
        }
    }

    eprintln!("{TEST} on Docker {version}:\n  {}", tally.lines.join("\n  "));
    eprintln!("{TEST}: {}/{} agree with real traffic on Docker {version}", tally.agree, tally.total);
    c.ok(
        "netview agrees with every real probe",
        tally.agree == tally.total,
        format!("{}/{}", tally.agree, tally.total),
    );
    c.ok("some probes got there", reals.iter().filter(|r| **r).count() >= 3, format!("{reals:?}"));
    c.ok("some probes got no answer", reals.iter().filter(|r| !**r).count() >= 2, format!("{reals:?}"));

    // The header of `netview path` names the published port asked for, and its DNAT.
    let out = netview(&["path", &cli, &engine, "--port", &nat_port.to_string()], &[]);
    let first = out.stdout.lines().next().unwrap_or("");
    c.ok("path header names the published port", first.ends_with(&format!("tcp/{nat_port}: REACHABLE")), first);
    let dnat = format!("DNAT: {engine}:{nat_port} → {nat_ip}:80");
    c.ok("path shows the DNAT of the published port", out.stdout.contains(&dnat), &out.stdout);
    let text = netview(&["--snapshot"], &[]);
    assert_clean_exit(&text, "netview --snapshot");
    for (container, port, ip) in [(&natc, nat_port, &nat_ip), (&nat2c, nat2_port, &nat2_ip)] {
        let headline = format!(":{port}/tcp → {container} {ip}:80");
        c.ok("the PUBLISHED PORTS headline names the port", text.stdout.contains(&headline), &headline);
    }

    let bridge_of = |net: &str| {
        let id = must("docker", &["network", "inspect", "-f", "{{.Id}}", &n(net)]);
        format!("br-{}", &id.trim()[..12])
    };
    let raw = snap["firewall"]["docker_raw"].as_array().cloned().unwrap_or_default();
    if let Some((unprotc, routedc, isoc, _, routed_ip, iso_ip, _)) = &extra {
        // Engine 28's raw guard of the nat container, with its counter (the direct probe met it).
        let rule = format!("-A PREROUTING -d {nat_ip}/32 ! -i {} -j DROP", bridge_of("nat"));
        let guard = raw.iter().find(|g| g["rule"]["text"] == rule.as_str());
        c.ok("docker raw lists the nat container's guard", guard.is_some(), format!("no {rule:?} in {raw:?}"));
        if let Some(g) = guard {
            c.eq("the guard's container", g["container"].as_str(), Some(natc.as_str()));
            let packets = g["rule"]["counters"]["packets"].as_u64();
            c.ok(
                "the guard's counter counted the direct probes",
                packets.is_some_and(|p| p >= 1),
                format!("{packets:?}"),
            );
        }
        c.ok(
            "no raw guard for nat-unprotected or routed containers",
            !raw.iter().any(|g| g["container"] == unprotc.as_str() || g["container"] == routedc.as_str()),
            format!("{raw:?}"),
        );
        let m = mapping(&snap, &natc);
        c.ok(
            "the nat port lists its raw guard",
            m.is_some_and(|m| m["raw"][0]["text"] == rule.as_str()),
            format!("{m:?}"),
        );
        c.ok("the text snapshot shows the raw guard", text.stdout.contains(&rule), "no docker raw line");
        // Gateway modes: in the networks' JSON, in the text snapshot, in the path.
        let networks = snap["docker"]["networks"].as_array().cloned().unwrap_or_default();
        for (net, mode) in [("unprot", "nat-unprotected"), ("routed", "routed"), ("iso", "isolated")] {
            let got =
                networks.iter().find(|x| x["name"] == n(net).as_str()).and_then(|x| x["options"][MODE_V4].as_str());
            c.eq(format!("{} gateway mode in the JSON", n(net)), got, Some(mode));
            c.ok(
                format!("{} gw4={mode} in the snapshot", n(net)),
                text.stdout.contains(&format!("gw4={mode}")),
                "missing",
            );
        }
        // A routed port keeps the API's HostIp in the JSON; the snapshot shows it at the
        // container's own address, no host port.
        let routed = mapping(&snap, routedc);
        c.ok(
            "the routed port is a routed mapping at the container's address",
            routed.is_some_and(|m| {
                m["routed"] == true && m["container_ip"] == routed_ip.as_str() && m["dnat"] == Value::Array(vec![])
            }),
            format!("{routed:?}"),
        );
        let headline = format!("{routed_ip}:80/tcp → {routedc} (routed: no NAT, no host port");
        c.ok(
            "the snapshot shows the routed port at the container's address",
            text.stdout.contains(&headline),
            &headline,
        );
        let (r, _) = path_verdict(&cli, routed_ip, Some(80));
        let hops = r["hops"].to_string();
        c.ok("path names the routed gateway mode", hops.contains("has gateway mode routed"), hops);
        let (r, _) = path_verdict(&cli, iso_ip, Some(80));
        let why = r["reason"].as_str().unwrap_or("");
        c.ok(
            "path says why the isolated network is out of reach",
            why.contains("is isolated (gateway mode isolated)"),
            format!("{isoc}: {why}"),
        );
    } else {
        c.ok("no raw guards before Engine 28", raw.is_empty(), format!("{raw:?}"));
    }
    let elapsed = started.elapsed();
    eprintln!("{TEST}: {} s on Docker {version}", elapsed.as_secs());
    c.finish(TEST);
}
