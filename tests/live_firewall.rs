//! Live tests of the firewall side (NETVIEW_LIVE_TESTS=1, root, Docker): published ports joined
//! with the kernel's rules and their counters, and `netview path` verdicts against real pings.
//! Traffic goes only to loopback and between this test's own namespaces and containers.

mod support;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use support::*;

/// The mapping netview reports for `container` on `host_ip:host_port`.
fn mapping<'a>(snap: &'a Value, container: &str, host_ip: &str, host_port: u64) -> Option<&'a Value> {
    snap["firewall"]["ports"]
        .as_array()?
        .iter()
        .find(|m| m["container"] == container && m["host_ip"] == host_ip && m["host_port"].as_u64() == Some(host_port))
}

fn dnat_packets(m: &Value) -> Option<u64> {
    m["dnat"].get(0)?["counters"]["packets"].as_u64()
}

/// The kernel's own count for a rule line, from `iptables-save -c` (the line without counters).
fn kernel_packets(rule_text: &str) -> Option<u64> {
    let save = must("iptables-save", &["-c"]);
    save.lines().find_map(|l| {
        let (counters, rest) = l.strip_prefix('[')?.split_once("] ")?;
        (rest == rule_text).then(|| counters.split(':').next()?.parse().ok())?
    })
}

fn docker_ip(container: &str) -> String {
    must("docker", &["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", container])
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// One HTTP exchange with busybox httpd; true when it answered at all.
fn http_get(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(3)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
    let _ = s.write_all(b"GET / HTTP/1.0\r\n\r\n");
    let mut buf = [0u8; 64];
    matches!(s.read(&mut buf), Ok(n) if n > 0 && buf.starts_with(b"HTTP/"))
}

fn docker_proxy_serves(host_ip: &str, port: u16) -> bool {
    let ps = must("ps", &["-eo", "args"]);
    let port = format!("-host-port {port}");
    let ip = format!("-host-ip {host_ip}");
    ps.lines().any(|l| l.contains("docker-proxy") && l.contains(&port) && l.contains(&ip))
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn published_ports_show_their_rules_and_counters_move() {
    if !live("published_ports_show_their_rules_and_counters_move") {
        return;
    }
    let p = prefix('p');
    let _guard = Guard::new(&p);
    let mut c = Checks::default();

    // A client namespace joined to the host by a veth pair on a /30 of our own.
    let k = std::process::id() % 250;
    let (host_addr, client_addr) = (format!("10.213.{k}.1"), format!("10.213.{k}.2"));
    let (ns, hv, cv) = (format!("{p}-cl"), format!("{p}-h"), format!("{p}-c"));
    must("ip", &["netns", "add", &ns]);
    must("ip", &["link", "add", &hv, "type", "veth", "peer", "name", &cv, "netns", &ns]);
    must("ip", &["addr", "add", &format!("{host_addr}/30"), "dev", &hv]);
    must("ip", &["link", "set", &hv, "up"]);
    must("ip", &["-n", &ns, "addr", "add", &format!("{client_addr}/30"), "dev", &cv]);
    must("ip", &["-n", &ns, "link", "set", &cv, "up"]);
    must("ip", &["-n", &ns, "link", "set", "lo", "up"]);

    let net = format!("{p}-net");
    create_network(&net, std::process::id() as usize, false, &[]);
    let web = format!("{p}-web");
    let loopback = "127.0.0.1::80";
    let on_veth = format!("{host_addr}::80");
    run_d(&[
        "--name",
        &web,
        "--network",
        &net,
        "-p",
        loopback,
        "-p",
        &on_veth,
        IMAGE,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/",
    ]);
    let port_of = |ip: &str| -> u16 {
        let out = must("docker", &["port", &web, "80/tcp"]);
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{ip}:"))?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {ip} mapping in `docker port`: {out}"))
    };
    let (lo_port, veth_port) = (port_of("127.0.0.1"), port_of(&host_addr));
    let ip = docker_ip(&web);

    let before = snapshot_json(&[]);
    for (host_ip, port) in [("127.0.0.1", lo_port), (host_addr.as_str(), veth_port)] {
        let Some(m) = mapping(&before, &web, host_ip, u64::from(port)) else {
            c.ok(format!("mapping {host_ip}:{port}"), false, "missing from firewall.ports");
            continue;
        };
        c.eq(format!("{host_ip}:{port} container_ip"), m["container_ip"].as_str(), Some(ip.as_str()));
        c.eq(format!("{host_ip}:{port} container_port"), m["container_port"].as_u64(), Some(80));
        c.eq(format!("{host_ip}:{port} network"), m["network"].as_str(), Some(net.as_str()));
        let dnat = m["dnat"][0]["text"].as_str().unwrap_or("");
        c.ok(
            format!("{host_ip}:{port} DNAT rule"),
            dnat.contains(&format!("--dport {port}")) && dnat.contains(&format!("--to-destination {ip}:80")),
            format!("netview shows {dnat:?}"),
        );
        c.eq(format!("{host_ip}:{port} DNAT counter = iptables-save"), dnat_packets(m), kernel_packets(dnat));
        let forward = m["forward"][0]["text"].as_str().unwrap_or("");
        c.ok(format!("{host_ip}:{port} forward rule"), forward.contains(&format!("-d {ip}/32")), forward);
        c.eq(format!("{host_ip}:{port} docker-proxy"), m["proxy_pid"].is_u64(), docker_proxy_serves(host_ip, port));
    }

    // From the host to 127.0.0.1: the nat OUTPUT rule skips 127.0.0.0/8, so docker-proxy (when
    // it runs) carries these connections and the DNAT counter must not move; netview must say so.
    let lo_before = mapping(&before, &web, "127.0.0.1", u64::from(lo_port)).and_then(dnat_packets);
    for _ in 0..3 {
        c.ok("GET 127.0.0.1", http_get(SocketAddr::from(([127, 0, 0, 1], lo_port))), "busybox httpd did not answer");
    }
    // From the client namespace to the veth address: PREROUTING DNAT, once per connection.
    const CONNECTIONS: u64 = 5;
    let target = format!("{host_addr}:{veth_port}");
    for _ in 0..CONNECTIONS {
        let answer = http_from_namespace(&ns, &host_addr, veth_port);
        c.ok(format!("HTTP from {ns} to {target}"), answer.starts_with("HTTP/"), format!("got {answer:?}"));
    }
    let after = snapshot_json(&[]);
    let lo = mapping(&after, &web, "127.0.0.1", u64::from(lo_port));
    let lo_after = lo.and_then(dnat_packets);
    let proxied = lo.is_some_and(|m| m["proxy_pid"].is_u64());
    let this_host = lo
        .and_then(|m| m["walks"].as_array()?.iter().find(|w| w["from"] == "this host"))
        .and_then(|w| w["outcome"].as_str())
        .unwrap_or("");
    if proxied {
        c.eq("127.0.0.1 DNAT counter while docker-proxy serves", lo_after, lo_before);
        c.ok("walk from this host names docker-proxy", this_host.contains("docker-proxy"), this_host);
    }
    let veth_before = mapping(&before, &web, &host_addr, u64::from(veth_port)).and_then(dnat_packets).unwrap_or(0);
    let veth_m = mapping(&after, &web, &host_addr, u64::from(veth_port));
    let veth_after = veth_m.and_then(dnat_packets).unwrap_or(0);
    c.ok(
        "DNAT counter grew by the connections",
        veth_after >= veth_before + CONNECTIONS,
        format!("{veth_before} -> {veth_after} after {CONNECTIONS} connections"),
    );
    if let Some(m) = veth_m {
        let text = m["dnat"][0]["text"].as_str().unwrap_or("");
        let kernel = kernel_packets(text);
        c.ok(
            "DNAT counter = iptables-save",
            kernel.is_some_and(|k| k >= veth_after && k - veth_after <= 1),
            format!("{kernel:?} vs {veth_after}"),
        );
        let another = m["walks"].as_array().into_iter().flatten().find(|w| w["from"] == "another host");
        let outcome = another.and_then(|w| w["outcome"].as_str()).unwrap_or("");
        c.ok(
            "walk from another host reaches the container by DNAT",
            outcome.starts_with(&format!("DNAT to {ip}:80")),
            outcome,
        );
        check_tracked_connections(&mut c, m, &after, &client_addr, veth_port, &ip);
    }

    // The text snapshot shows the same mapping under PUBLISHED PORTS.
    let text = netview(&["--snapshot"], &[]);
    assert_clean_exit(&text, "netview --snapshot");
    let line = format!("{host_addr}:{veth_port}/tcp → {web} {ip}:80");
    c.ok("text snapshot lists the mapping", text.stdout.contains(&line), format!("no line {line:?}"));
    c.finish("published_ports_show_their_rules_and_counters_move");
}

/// The connections the kernel tracks through the port's DNAT, as netview joins them, against the
/// table itself: entries to `port` delivered to `ip`:80 (each of the test's connections sits in
/// TIME_WAIT for two minutes after it closed).
fn check_tracked_connections(c: &mut Checks, m: &Value, snap: &Value, client: &str, port: u16, ip: &str) {
    let table = match std::fs::read_to_string("/proc/net/nf_conntrack") {
        Ok(t) => t,
        Err(e) => {
            let said = snap["firewall"]["conntrack_error"].as_str().unwrap_or("");
            c.ok("no conntrack table: netview says why", !said.is_empty() && m["connections"].is_null(), e);
            return;
        }
    };
    let ours = |l: &&str| {
        let words: Vec<&str> = l.split_whitespace().collect();
        let first = |key: &str| words.iter().find_map(|w| w.strip_prefix(key));
        let second = |key: &str| words.iter().filter_map(|w| w.strip_prefix(key)).nth(1);
        l.contains(" tcp ")
            && first("dport=") == Some(&port.to_string())
            && second("src=") == Some(ip)
            && second("sport=") == Some("80")
    };
    let kernel: Vec<&str> = table.lines().filter(ours).collect();
    let total = m["connections"]["total"].as_u64();
    c.eq("tracked connections through the port = /proc/net/nf_conntrack", total, Some(kernel.len() as u64));
    c.ok("the test's connections are tracked", kernel.len() >= 5, format!("{kernel:#?}"));
    let clients: Vec<&str> =
        m["connections"]["clients"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    c.eq("the client of the tracked connections", clients, vec![client]);
}

/// Real reachability, by ping from inside the source (or from the host), retried once.
fn pings(from: &str, ip: &str) -> bool {
    let ping = |_| {
        let mut cmd = if from == "host" {
            let mut c = std::process::Command::new("busybox");
            c.args(["ping", "-c", "1", "-W", "1", ip]);
            c
        } else {
            let mut c = std::process::Command::new("docker");
            c.args(["exec", from, "ping", "-c", "1", "-W", "1", ip]);
            c
        };
        exec(&mut cmd, Duration::from_secs(10)).is_ok_and(|o| o.status.success())
    };
    (0..2).any(ping)
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn path_verdicts_match_real_traffic() {
    if !live("path_verdicts_match_real_traffic") {
        return;
    }
    let p = prefix('r');
    let _guard = Guard::new(&p);
    let seed = std::process::id() as usize + 17;
    let n = |s: &str| format!("{p}-{s}");
    create_network(&n("shared"), seed, false, &[]);
    create_network(&n("other"), seed + 1, false, &[]);
    create_network(&n("int"), seed + 2, false, &["--internal"]);
    create_network(&n("noicc"), seed + 3, false, &["-o", "com.docker.network.bridge.enable_icc=false"]);
    for (c, net) in [
        ("a1", "shared"),
        ("a2", "shared"),
        ("t1", "other"),
        ("m", "shared"),
        ("i1", "int"),
        ("i2", "int"),
        ("n1", "noicc"),
        ("n2", "noicc"),
    ] {
        run_d(&["--name", &n(c), "--network", &n(net), IMAGE, "sleep", "3600"]);
    }
    must("docker", &["network", "connect", &n("other"), &n("m")]);
    let addr_on = |c: &str, net: &str| {
        must(
            "docker",
            &["inspect", "-f", &format!("{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}", n(net)), &n(c)],
        )
        .trim()
        .to_string()
    };
    let m_other = addr_on("m", "other");

    // (from, to as netview takes it, the address the real ping uses)
    let mut cases: Vec<(String, String, String)> = Vec::new();
    let mut both = |a: &str, an: &str, b: &str, bn: &str| {
        cases.push((n(a), n(b), addr_on(b, bn)));
        cases.push((n(b), n(a), addr_on(a, an)));
    };
    both("a1", "shared", "a2", "shared");
    both("a1", "shared", "t1", "other");
    both("m", "other", "t1", "other");
    both("i1", "int", "i2", "int");
    both("i1", "int", "a1", "shared");
    both("n1", "noicc", "n2", "noicc");
    both("a1", "shared", "n1", "noicc");
    cases.push((n("a1"), m_other.clone(), m_other.clone()));
    cases.push((n("t1"), n("m"), m_other));
    for (c, net) in [("a1", "shared"), ("i1", "int"), ("n1", "noicc")] {
        cases.push(("host".into(), n(c), addr_on(c, net)));
    }

    let mut checks = Checks::default();
    let mut seen = (0, 0);
    for (from, to, ip) in &cases {
        let real = pings(from, ip);
        if real {
            seen.0 += 1
        } else {
            seen.1 += 1
        }
        let out = netview(&["path", from, to, "--json"], &[]);
        assert!(!out.stderr.contains("panicked"), "netview path panicked: {}", out.stderr);
        let report = json(&out.stdout, "netview path --json");
        let verdict = report["verdict"].as_str().unwrap_or("?");
        let said_ip = report["to"]["address"].as_str().unwrap_or("?");
        checks.eq(format!("{from} → {to}: address netview aimed at"), said_ip, ip.as_str());
        checks.eq(
            format!("{from} → {to} ({ip}): netview's verdict vs a real ping (reason: {})", report["reason"]),
            verdict,
            if real { "reachable" } else { "blocked" },
        );
        let code = out.status.code();
        checks.eq(format!("{from} → {to}: exit status"), code, Some(if real { 0 } else { 1 }));
    }
    // The world must exercise both outcomes, or the comparison proves little.
    checks.ok("some pairs reach each other", seen.0 >= 5, format!("{seen:?}"));
    checks.ok("some pairs are blocked", seen.1 >= 5, format!("{seen:?}"));
    checks.finish("path_verdicts_match_real_traffic");
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn a_tick_rereads_only_the_sources_that_hold_rules() {
    if !live("a_tick_rereads_only_the_sources_that_hold_rules") {
        return;
    }
    use netview::collect::firewall::{read_rules, reread};
    use netview::model::firewall::SourceStatus;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let full = rt.block_on(read_rules(Duration::from_secs(5)));
    let holding: Vec<&str> = full
        .sources
        .iter()
        .filter(|s| matches!(s.status, SourceStatus::Read(n) if n > 0))
        .map(|s| s.command[0].as_str())
        .collect();
    assert!(!holding.is_empty(), "Docker's rules are somewhere: {:?}", full.sources);
    let again = rt.block_on(reread(&full.sources, Duration::from_secs(5)));
    // Every source is still reported, in the same number; the tables are the same ones.
    assert_eq!(again.sources.len(), full.sources.len(), "{:?}", again.sources);
    let names = |r: &netview::model::firewall::Ruleset| {
        let mut v: Vec<String> =
            r.tables.iter().map(|t| format!("{:?} {:?} {}", t.backend, t.family, t.name)).collect();
        v.sort();
        v
    };
    let with_rules = |r: &netview::model::firewall::Ruleset| {
        let mut v: Vec<String> = r
            .tables
            .iter()
            .filter(|t| t.chains.iter().any(|c| !c.rules.is_empty()))
            .map(|t| format!("{:?} {:?} {}", t.backend, t.family, t.name))
            .collect();
        v.sort();
        v
    };
    assert_eq!(with_rules(&again), with_rules(&full), "tables with rules: {:?} vs {:?}", names(&again), names(&full));
    // The re-read ones come first, in the order they were run.
    let first: Vec<&str> = again.sources.iter().take(holding.len()).map(|s| s.command[0].as_str()).collect();
    assert_eq!(first, holding);
}
