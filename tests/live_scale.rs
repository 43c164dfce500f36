//! Thousands of objects (NETVIEW_LIVE_TESTS=1, root): a namespace holding two bridges with 1000
//! veth ports each (the kernel allows 1023 per bridge), 500 of the peers each in a namespace of
//! its own and 1500 beside the bridges (about 4500 interfaces in 501 namespaces). The snapshot reports every port, peer and address
//! exactly as `ip -j` does, the text dump lists them all, and the real TUI in tmux draws, answers
//! keys and finds the last port. Everything is named `nvt-<pid4>-k*`; removing the namespaces
//! removes the rest, also when the test fails.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use support::tmux::{self, Tmux};
use support::*;

const PORTS: usize = 2000;
const PORTS_PER_BRIDGE: usize = 1000;
const LEAVES: usize = 500;
const WAIT: Duration = Duration::from_secs(20);

/// `ip [-n ns] -batch <file>`: one process for many commands.
fn ip_batch(ns: Option<&str>, lines: &[String], tag: &str) {
    let file = std::env::temp_dir().join(format!("{tag}.batch"));
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let path = file.to_string_lossy().into_owned();
    let mut args = Vec::new();
    if let Some(ns) = ns {
        args.extend(["-n", ns]);
    }
    args.extend(["-batch", path.as_str()]);
    must("ip", &args);
    let _ = std::fs::remove_file(&file);
}

fn leaf(p: &str, i: usize) -> String {
    format!("{p}{i:03}")
}

/// 10.254.0.0/16 inside the test's own namespaces only; never routed anywhere.
fn address(i: usize) -> String {
    format!("10.254.{}.{}", (i + 2) / 250, (i + 2) % 250 + 1)
}

/// Builds the lab; how long it took.
fn build(p: &str, hub: &str) -> Duration {
    let t = Instant::now();
    let mut netns: Vec<String> = (0..LEAVES).map(|i| format!("netns add {}", leaf(p, i))).collect();
    netns.push(format!("netns add {hub}"));
    ip_batch(None, &netns, &format!("{p}-netns"));
    // Without this every port coming up sends IPv6 link-local chatter that the bridge floods to
    // every other port: quadratic, minutes for 2000 ports. (Docker hosts pay it too, at smaller n.)
    must(
        "ip",
        &[
            "netns",
            "exec",
            hub,
            "busybox",
            "sysctl",
            "-w",
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        ],
    );

    let mut lines = vec!["link set lo up".to_string()];
    for b in 0..PORTS / PORTS_PER_BRIDGE {
        lines.push(format!("link add br{b} type bridge"));
        lines.push(format!("link set br{b} up"));
    }
    lines.push("addr add 10.254.0.1/16 dev br0".into());
    for i in 0..PORTS {
        lines.push(format!("link add va{i} type veth peer name vb{i}"));
        lines.push(format!("link set va{i} master br{} up", i / PORTS_PER_BRIDGE));
        if i < LEAVES {
            lines.push(format!("link set vb{i} netns {}", leaf(p, i)));
        } else {
            lines.push(format!("addr add {}/16 dev vb{i}", address(i)));
            lines.push(format!("link set vb{i} up"));
        }
    }
    ip_batch(Some(hub), &lines, &format!("{p}-hub"));
    for i in 0..LEAVES {
        let lines =
            [format!("addr add {}/16 dev vb{i}", address(i)), format!("link set vb{i} up"), "link set lo up".into()];
        ip_batch(Some(&leaf(p, i)), &lines, &format!("{p}-leaf"));
    }
    t.elapsed()
}

/// Interfaces per named namespace, with their addresses, as `ip -j addr` lists them.
fn truth(names: &[String]) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    names
        .iter()
        .map(|ns| {
            let links = json(&must("ip", &["-n", ns, "-j", "addr", "show"]), ns);
            let interfaces = links
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|l| {
                    let addrs = l["addr_info"].as_array().into_iter().flatten();
                    let addrs = addrs.map(|a| format!("{}/{}", a["local"].as_str().unwrap_or("?"), a["prefixlen"]));
                    Some((l["ifname"].as_str()?.to_string(), addrs.collect()))
                })
                .collect();
            (ns.clone(), interfaces)
        })
        .collect()
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn thousands_of_interfaces_and_namespaces() {
    if !live("thousands_of_interfaces_and_namespaces") {
        return;
    }
    let p = prefix('k');
    let _cleanup = Guard::new(&p);
    let hub = format!("{p}hub");
    let built = build(&p, &hub);
    let mut named: Vec<String> = (0..LEAVES).map(|i| leaf(&p, i)).collect();
    named.push(hub.clone());
    let expected = truth(&named);
    let interfaces: usize = expected.values().map(BTreeMap::len).sum();
    eprintln!("built {interfaces} interfaces in {} namespaces in {} ms", named.len(), built.as_millis());

    // The JSON snapshot: every namespace with exactly its interfaces.
    let out = netview(&["--snapshot", "--json", "--no-firewall", "--no-docker"], &[]);
    assert_clean_exit(&out, "snapshot of thousands");
    eprintln!("snapshot: {} ms, {} KiB of JSON", out.elapsed.as_millis(), out.stdout.len() / 1024);
    let snap = json(&out.stdout, "snapshot");
    let mut c = Checks::default();
    let mut inode_of = BTreeMap::new();
    for ns in snap["namespaces"].as_array().unwrap() {
        for path in ns["paths"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            let Some(name) = path.strip_prefix("/run/netns/") else { continue };
            if let Some(want) = expected.get(name) {
                let seen: BTreeSet<String> = ns["interfaces"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|i| i["name"].as_str())
                    .map(String::from)
                    .collect();
                c.eq(format!("interfaces of {name}"), seen, want.keys().cloned().collect());
                inode_of.insert(name.to_string(), ns["inode"].as_u64().unwrap());
            }
        }
    }
    c.eq("namespaces found", inode_of.len(), named.len());

    // The bridges: 1000 ports each, each with its peer, the peer's namespace and address.
    let hub_inode = inode_of.get(&hub).copied();
    let mut ports: Vec<&Value> = Vec::new();
    for b in 0..PORTS / PORTS_PER_BRIDGE {
        let name = format!("br{b}");
        let bridge = snap["bridges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name.as_str() && x["namespace"].as_u64() == hub_inode)
            .unwrap_or_else(|| panic!("no {name} in {hub}"));
        let these = bridge["ports"].as_array().unwrap();
        c.eq(format!("ports on {name}"), these.len(), PORTS_PER_BRIDGE);
        ports.extend(these);
    }
    let by_name: BTreeMap<&str, &Value> = ports.iter().filter_map(|&p| Some((p["name"].as_str()?, p))).collect();
    for i in 0..PORTS {
        let Some(port) = by_name.get(format!("va{i}").as_str()) else {
            c.ok(format!("va{i}"), false, "missing from the bridges' ports");
            continue;
        };
        c.eq(format!("va{i}'s peer"), port["peer"]["name"].as_str(), Some(format!("vb{i}").as_str()));
        let peer_ns = if i < LEAVES { inode_of.get(&leaf(&p, i)) } else { hub_inode.as_ref() };
        c.eq(format!("va{i}'s peer namespace"), port["peer"]["namespace"].as_u64(), peer_ns.copied());
        let peer_ns_name = if i < LEAVES { leaf(&p, i) } else { hub.clone() };
        let want = &expected[&peer_ns_name][&format!("vb{i}")];
        let addrs: Vec<String> =
            port["peer_addresses"].as_array().unwrap().iter().filter_map(Value::as_str).map(String::from).collect();
        c.eq(format!("va{i}'s peer addresses"), &addrs, want);
        c.ok(format!("va{i}'s peer address"), want.contains(&format!("{}/16", address(i))), "not as the test made it");
    }

    // The text dump names every port.
    let text = netview(&["--snapshot", "--no-firewall", "--no-docker"], &[]);
    assert_clean_exit(&text, "text snapshot of thousands");
    let words: BTreeSet<&str> =
        text.stdout.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')').collect();
    let missing: Vec<String> =
        (0..PORTS).map(|i| format!("va{i}")).filter(|n| !words.contains(n.as_str())).take(5).collect();
    c.eq("ports missing from the text dump", missing, Vec::<String>::new());
    c.finish("thousands_of_interfaces_and_namespaces");

    tui_stays_quick(&p);
}

/// The real TUI on the same host: the first frame, a key's answer, the end of the tree and a
/// filter that finds the namespace holding the last port.
fn tui_stays_quick(p: &str) {
    let tmux = Tmux::start(p);
    let session = format!("{p}ui");
    let started = Instant::now();
    tmux.new_session_with(&session, &["--no-docker"], &[]);
    let (_, drawn) = tmux.wait(&session, WAIT, tmux::is_tui).unwrap_or_else(|s| panic!("no TUI; the pane:\n{s}"));
    let first = drawn.duration_since(started);

    let asked = Instant::now();
    tmux.keys(&session, &["?"]);
    let (_, opened) =
        tmux.wait(&session, WAIT, |s| s.contains(" Keys ")).unwrap_or_else(|s| panic!("no help; the pane:\n{s}"));
    let answer = opened.duration_since(asked);
    tmux.keys(&session, &["Escape"]);
    tmux.must_wait(&session, "the help closed", WAIT, |s| !s.contains(" Keys ") && tmux::is_tui(s));

    // The namespaces open, the cursor at the end of 500 rows and back.
    tmux.keys(&session, &["G", "Enter", "G"]);
    // The last rows may be anybody's namespaces (a user's containers seen as processes), so the
    // sign is the selection: a namespace, with the host's row scrolled away.
    tmux.must_wait(&session, "the end of the open namespace list", WAIT, |s| {
        let rows = tmux::tree_lines(s);
        s.contains("│Namespace ") && !rows.iter().any(|l| l.contains("▾ host"))
    });
    tmux.keys(&session, &["g"]);
    tmux.must_wait(&session, "back at the top", WAIT, |s| tmux::tree_lines(s).iter().any(|l| l.contains("▾ host")));
    // A namespace's interfaces are listed in its details, not as rows: the filter finds the
    // namespace that holds the last port, and its details list the ports.
    let last = format!("va{}", PORTS - 1);
    let hub = format!("{p}hub");
    let asked = Instant::now();
    tmux.literal(&session, &format!("/{last}"));
    tmux.keys(&session, &["Enter"]);
    let (screen, found) = tmux
        .wait(&session, WAIT, |s| {
            let rows = tmux::tree_lines(s);
            rows.iter().any(|l| l.contains(&hub)) && !rows.iter().any(|l| l.contains(&format!("{p}000")))
        })
        .unwrap_or_else(|s| panic!("the filter never came down to {hub}; the pane:\n{s}"));
    let filtered = found.duration_since(asked);
    eprintln!(
        "TUI: first frame {} ms, help {} ms, filter to {last} {} ms",
        first.as_millis(),
        answer.as_millis(),
        filtered.as_millis()
    );
    assert!(!screen.contains("panicked"), "{screen}");
    assert!(answer <= Duration::from_secs(1), "a key took {answer:?} with thousands of rows");

    tmux.keys(&session, &["Escape", "q"]);
    tmux.expect_clean_exit(&session, "after q, after thousands of rows");
}
