//! macvlan children on this host (NETVIEW_LIVE_TESTS=1, root): `netview path` against real
//! pings. The kernel switches between sibling children of one parent (bridge mode, Docker's
//! default) but passes nothing between a parent and its children, so the host cannot reach its
//! own macvlan containers through the parent: netview must say blocked, not "leaves this host".
//! A veth pair with both ends on the host, routed into, once overflowed the walk's stack.

mod support;

use support::*;

/// A real ping from `ns` (None: this namespace, the host) to `addr`: answered or not.
fn ping(ns: Option<&str>, addr: &str) -> bool {
    let mut args = vec!["netns", "exec"];
    let argv = ["busybox", "ping", "-c", "1", "-W", "1", addr];
    match ns {
        Some(n) => {
            args.push(n);
            args.extend(argv);
            run("ip", &args).is_ok()
        }
        None => run("busybox", &argv[1..]).is_ok(),
    }
}

fn verdict(from: &str, to: &str) -> (String, String) {
    let out = netview(&["path", from, to, "--proto", "icmp", "--json"], &[]);
    assert!(!out.stderr.contains("panicked") && !out.stderr.contains("overflow"), "{}", out.stderr);
    let v = json(&out.stdout, "netview path --json");
    (v["verdict"].as_str().unwrap_or("?").to_string(), out.stdout)
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn macvlan_children_and_their_parent_agree_with_pings() {
    if !live("macvlan_children_and_their_parent_agree_with_pings") {
        return;
    }
    let p = prefix('v');
    let _guard = Guard::new(&p);
    let k = std::process::id() % 200 + 20;
    let net = |h: u8| format!("10.233.{k}.{h}");
    let (p0, p1, c, d) = (format!("{p}p0"), format!("{p}p1"), format!("{p}c"), format!("{p}d"));
    must("ip", &["link", "add", &p0, "type", "veth", "peer", "name", &p1]);
    must("ip", &["link", "set", &p0, "up"]);
    must("ip", &["link", "set", &p1, "up"]);
    must("ip", &["addr", "add", &format!("{}/24", net(1)), "dev", &p0]);
    for (ns, child, host) in [(&c, "mvc", 2), (&d, "mvd", 3)] {
        must("ip", &["netns", "add", ns]);
        must("ip", &["link", "add", child, "link", &p0, "type", "macvlan", "mode", "bridge"]);
        must("ip", &["link", "set", child, "netns", ns]);
        must("ip", &["-n", ns, "addr", "add", &format!("{}/24", net(host)), "dev", child]);
        must("ip", &["-n", ns, "link", "set", child, "up"]);
        must("ip", &["-n", ns, "link", "set", "lo", "up"]);
    }
    let mut c_ = Checks::default();
    // (from, its namespace for the ping, target, target address, the verdict that is right)
    let cases = [
        ("host", None, c.clone(), net(2), "blocked"),
        (d.as_str(), Some(d.as_str()), c.clone(), net(2), "reachable"),
        (c.as_str(), Some(c.as_str()), net(1), net(1), "blocked"),
    ];
    let mut agree = 0;
    for (from, ns, to, addr, right) in &cases {
        let real = ping(*ns, addr);
        let (said, out) = verdict(from, to);
        // "blocked", not "leaves this host": the target is here, and the packet never gets to it.
        let ok = (said == "reachable") == real && said == *right;
        agree += usize::from(ok);
        c_.eq(format!("path {from} → {to}: netview {said}, real ping answered {real}\n{out}"), ok, true);
    }
    // Beyond the parent: the frame leaves; a routing loop through the host's own veth pair ends.
    let (said, out) = verdict(&c, &net(99));
    c_.eq(format!("path {c} → {}: {out}", net(99)), said.as_str(), "leaves_host");
    let (said, _) = verdict("host", &net(99));
    c_.eq("path host → an unused address routed into the host's own veth pair", said.as_str(), "unknown");
    eprintln!("macvlan: {agree}/{} verdicts agree with real pings", cases.len());
    c_.finish("macvlan_children_and_their_parent_agree_with_pings");
}
