//! Live tests of `netview lab`: build each teaching lab for real, check with `ip -j` that exactly
//! the expected `nvlab-*` objects exist (names, addresses, masters, VXLAN id and port), ping
//! between the lab's own namespaces, build it again (nothing changes), list it, remove it, and
//! check that nothing named `nvlab-*` is left.
//!
//! They run only with NETVIEW_LIVE_TESTS=1, as root:  NETVIEW_LIVE_TESTS=1 cargo test --test lab
//! They create and remove only `nvlab-*` objects, one test at a time (the labs' names are fixed).

use netview::lab::{self, LabAction};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

const NETVIEW: &str = env!("CARGO_BIN_EXE_netview");

// ---------------------------------------------------------------------------------------------
// Gate, serialization, cleanup

static SERIAL: Mutex<()> = Mutex::new(());

/// The test's hold on the lab names: one test at a time, and every `nvlab-*` object removed when
/// it ends, passed or failed (Drop runs while a panic unwinds).
struct Session {
    _serial: MutexGuard<'static, ()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let _ = lab::run_with(LabAction::Down(None), &mut out, &mut err);
        // Whatever the lab's own `down` missed, removed directly.
        sweep();
    }
}

/// The lab tests are compiled as ignored without NETVIEW_LIVE_TESTS=1 (build.rs); one forced to
/// run without it fails here instead of passing unrun. With it, root is required.
fn live(test: &str) -> Option<Session> {
    if std::env::var("NETVIEW_LIVE_TESTS").as_deref() != Ok("1") {
        panic!("{test} is a live test: run it with NETVIEW_LIVE_TESTS=1 (root), see scripts/test.sh");
    }
    assert!(
        nix::unistd::Uid::effective().is_root(),
        "{test}: NETVIEW_LIVE_TESTS=1 is set but the lab tests need root (namespaces, links)"
    );
    let serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    sweep();
    Some(Session { _serial: serial })
}

/// Remove every `nvlab-*` namespace and host link, without the lab's help.
fn sweep() {
    for ns in nvlab_namespaces() {
        let _ = exec("ip", &["netns", "delete", &ns]);
    }
    for link in nvlab_host_links() {
        let _ = exec("ip", &["link", "del", &link]);
    }
}

// ---------------------------------------------------------------------------------------------
// Commands

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Run a command to its end (stdin closed), killing it after 20 s.
fn exec(program: &str, args: &[&str]) -> Out {
    let mut child = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let mut pipes = [child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>), None];
    pipes[1] = child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>);
    let readers = pipes.map(|pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{program} {}` took longer than 20 s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let [stdout, stderr] = readers.map(|r| r.join().unwrap_or_default());
    Out { ok: status.success(), stdout, stderr }
}

fn ip_json(args: &[&str]) -> Value {
    let mut full = vec!["-j"];
    full.extend(args);
    let out = exec("ip", &full);
    assert!(out.ok, "ip {} failed: {}", full.join(" "), out.stderr);
    if out.stdout.trim().is_empty() {
        return Value::Array(Vec::new());
    }
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("ip {}: {e}: {}", full.join(" "), out.stdout))
}

fn nvlab_namespaces() -> BTreeSet<String> {
    let out = exec("ip", &["netns", "list"]);
    out.stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with("nvlab-"))
        .map(Into::into)
        .collect()
}

fn nvlab_host_links() -> BTreeSet<String> {
    links(None).into_keys().filter(|n| n.starts_with("nvlab-")).collect()
}

/// `ip [-n ns] -j -d addr show`, by link name (`eth0@if12` is `eth0`).
fn links(ns: Option<&str>) -> BTreeMap<String, Value> {
    let mut args = Vec::new();
    if let Some(ns) = ns {
        args.extend(["-n", ns]);
    }
    args.extend(["-d", "addr", "show"]);
    let json = ip_json(&args);
    json.as_array()
        .expect("an array of links")
        .iter()
        .map(|l| {
            let name = l["ifname"].as_str().expect("ifname");
            (name.split('@').next().unwrap_or(name).to_string(), l.clone())
        })
        .collect()
}

/// The IPv4 addresses of a link as "a.b.c.d/len".
fn v4(link: &Value) -> Vec<String> {
    link["addr_info"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["family"] == "inet")
        .map(|a| format!("{}/{}", a["local"].as_str().unwrap_or("?"), a["prefixlen"]))
        .collect()
}

fn kind(link: &Value) -> &str {
    link["linkinfo"]["info_kind"].as_str().unwrap_or("")
}

fn is_up(link: &Value) -> bool {
    link["flags"].as_array().is_some_and(|f| f.iter().any(|x| x == "UP"))
}

fn run_lab(action: LabAction) -> (ExitCode, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = lab::run_with(action.clone(), &mut out, &mut err).expect("writing to a Vec cannot fail");
    let (out, err) = (String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap());
    eprintln!("--- netview lab {action:?}: {code:?}\n{out}{err}");
    (code, out, err)
}

fn up(name: &str) -> String {
    let (code, out, err) = run_lab(LabAction::Up(name.into()));
    assert_eq!(code, ExitCode::SUCCESS, "lab up {name}: {out}{err}");
    out
}

/// `ping -c1 -W1` from inside a namespace (busybox's ping where there is no ping), three tries.
fn ping(ns: &str, addr: &str) -> bool {
    let have_ping =
        ["/usr/bin/ping", "/bin/ping", "/usr/sbin/ping", "/sbin/ping"].iter().any(|p| std::path::Path::new(p).exists());
    let mut args = vec!["netns", "exec", ns];
    if !have_ping {
        args.push("busybox");
    }
    args.extend(["ping", "-c1", "-W1", addr]);
    (0..3).any(|_| exec("ip", &args).ok)
}

fn assert_ping(ns: &str, addr: &str) {
    assert!(ping(ns, addr), "{ns} cannot ping {addr}");
}

/// Ping between two namespaces on one bridge of the host. Where br_netfilter hands bridged
/// traffic to the host's iptables and the FORWARD chain drops it (Docker's policy on a host that
/// runs Docker), the ping fails for a reason outside the lab, which adds no rules. Then the test
/// insists that the path works at layer 2 (the ARP reply came back: `from` holds the MAC of
/// `to_ns`'s eth0) and that `netview path` also calls it blocked.
fn ping_across_host_bridge(from: &str, to_ns: &str, to_addr: &str) {
    if ping(from, to_addr) {
        return;
    }
    let nf = std::fs::read_to_string("/proc/sys/net/bridge/bridge-nf-call-iptables").unwrap_or_default();
    assert_eq!(nf.trim(), "1", "{from} cannot ping {to_addr} across the bridge, and br_netfilter is not the reason");
    let mac = links(Some(to_ns))["eth0"]["address"].as_str().unwrap().to_string();
    let neigh = ip_json(&["-n", from, "neigh", "show", to_addr]);
    let entry = &neigh[0];
    let state = entry["state"].to_string();
    assert!(
        entry["lladdr"] == mac.as_str() && !state.contains("FAILED") && !state.contains("INCOMPLETE"),
        "{from} -> {to_addr}: not even ARP crosses the bridge: {neigh}"
    );
    let path = exec(NETVIEW, &["--no-docker", "path", from, to_ns]);
    assert!(!path.ok, "the ping {from} -> {to_addr} fails but `netview path` calls it reachable:\n{}", path.stdout);
    eprintln!(
        "note: {from} -> {to_addr} is dropped by the host's iptables FORWARD chain (br_netfilter); ARP crosses the \
         bridge, and netview path agrees:\n{}",
        path.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Shared checks

/// Everything that must not change when `up` runs on a lab that is up: per namespace (host:
/// ""), each link's name, index, master, MTU, IPv4 addresses, and the routes.
fn fingerprint() -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    let mut places: Vec<Option<String>> = vec![None];
    places.extend(nvlab_namespaces().into_iter().map(Some));
    for ns in places {
        let ns = ns.as_deref();
        let key = ns.unwrap_or("").to_string();
        let mut text = String::new();
        for (name, l) in links(ns) {
            if ns.is_none() && !name.starts_with("nvlab-") {
                continue;
            }
            text += &format!("{name} #{} master={} mtu={} {:?}\n", l["ifindex"], l["master"], l["mtu"], v4(&l));
        }
        let mut args = Vec::new();
        if let Some(ns) = ns {
            args.extend(["-n", ns]);
        }
        args.extend(["route", "show"]);
        for r in ip_json(&args).as_array().unwrap() {
            let dev = r["dev"].as_str().unwrap_or("");
            if ns.is_some() || dev.starts_with("nvlab-") {
                text += &format!("route {r}\n");
            }
        }
        all.insert(key, text);
    }
    all
}

/// The `list` line of one lab.
fn list_line(name: &str) -> String {
    let (code, out, _) = run_lab(LabAction::List);
    assert_eq!(code, ExitCode::SUCCESS);
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no line for {name}: {out}"))
        .to_string()
}

fn assert_nothing_left() {
    assert_eq!(nvlab_namespaces(), BTreeSet::new(), "namespaces left behind");
    assert_eq!(nvlab_host_links(), BTreeSet::new(), "host links left behind");
}

/// The part every lab test shares after its own checks: up again changes nothing, list says up
/// with the counts, down removes it all, down again succeeds.
fn again_list_down(name: &str, namespaces: usize, links: usize) {
    let before = fingerprint();
    let out = up(name);
    assert!(out.contains("already up"), "{out}");
    assert_eq!(fingerprint(), before, "up on a lab that is up changed it");

    let line = list_line(name);
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[1], "up", "{line}");
    assert!(line.contains(&format!("{namespaces} namespaces")) && line.contains(&format!("{links} links")), "{line}");

    let (code, out, err) = run_lab(LabAction::Down(Some(name.into())));
    assert_eq!(code, ExitCode::SUCCESS, "{out}{err}");
    assert_nothing_left();
    assert_eq!(list_line(name).split_whitespace().nth(1), Some("down"));

    let (code, out, err) = run_lab(LabAction::Down(Some(name.into())));
    assert_eq!(code, ExitCode::SUCCESS, "{out}{err}");
    assert!(out.contains("not up"), "{out}");
}

/// A veth end inside `ns` named eth0 whose peer is `host_end` (in `host_ns`, or on the host).
fn assert_veth_pair(host_ns: Option<&str>, host_end: &str, ns: &str) {
    let host = &links(host_ns)[host_end];
    let inner = &links(Some(ns))["eth0"];
    assert_eq!(kind(host), "veth");
    assert_eq!(kind(inner), "veth");
    assert_eq!(host["link_index"], inner["ifindex"], "{host_end} is not the peer of eth0 in {ns}");
    assert_eq!(inner["link_index"], host["ifindex"], "eth0 in {ns} is not the peer of {host_end}");
}

/// The namespace's links are exactly `lo` and `expected`, `lo` and all of them up.
fn assert_inner_links(ns: &str, expected: &[&str]) -> BTreeMap<String, Value> {
    let l = links(Some(ns));
    let mut want: BTreeSet<&str> = expected.iter().copied().collect();
    want.insert("lo");
    assert_eq!(l.keys().map(String::as_str).collect::<BTreeSet<_>>(), want, "links in {ns}");
    for (name, link) in &l {
        assert!(is_up(link), "{name} in {ns} is down");
    }
    l
}

fn default_route(ns: &str) -> Option<String> {
    ip_json(&["-n", ns, "route", "show", "default"])[0]["gateway"].as_str().map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// The labs

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn docker_like_up_check_ping_list_down() {
    let Some(_session) = live("docker_like_up_check_ping_list_down") else { return };
    let out = up("docker-like");
    assert!(out.contains("ip link add nvlab-docker0 type bridge"), "the commands are shown: {out}");

    let containers = ["nvlab-c1", "nvlab-c2", "nvlab-c3"];
    assert_eq!(nvlab_namespaces(), containers.iter().map(|s| s.to_string()).collect());
    let host_ends = ["nvlab-c1h", "nvlab-c2h", "nvlab-c3h"];
    let mut want: BTreeSet<String> = host_ends.iter().map(|s| s.to_string()).collect();
    want.insert("nvlab-docker0".into());
    assert_eq!(nvlab_host_links(), want);

    let host = links(None);
    let bridge = &host["nvlab-docker0"];
    assert_eq!(kind(bridge), "bridge");
    assert!(is_up(bridge));
    assert_eq!(v4(bridge), ["10.230.0.1/24"]);
    for (i, (ns, end)) in containers.iter().zip(host_ends).enumerate() {
        assert_eq!(host[end]["master"], "nvlab-docker0", "{end}");
        assert!(is_up(&host[end]), "{end}");
        assert_veth_pair(None, end, ns);
        let inner = assert_inner_links(ns, &["eth0"]);
        assert_eq!(v4(&inner["eth0"]), [format!("10.230.0.{}/24", i + 2)], "{ns}");
        assert_eq!(default_route(ns).as_deref(), Some("10.230.0.1"), "{ns}");
    }

    assert_ping("nvlab-c1", "10.230.0.1");
    ping_across_host_bridge("nvlab-c1", "nvlab-c2", "10.230.0.3");
    again_list_down("docker-like", 3, 7);
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn k8s_node_up_check_ping_list_down() {
    let Some(_session) = live("k8s_node_up_check_ping_list_down") else { return };
    up("k8s-node");

    let pods = ["nvlab-cni-3f0c6a52", "nvlab-cni-b81d07e9"];
    let host_ends = ["nvlab-v5e2a9c14", "nvlab-v0d7f3b86"];
    assert_eq!(nvlab_namespaces(), pods.iter().map(|s| s.to_string()).collect());
    let mut want: BTreeSet<String> = host_ends.iter().map(|s| s.to_string()).collect();
    want.extend(["nvlab-cni0".to_string(), "nvlab-flannel".to_string()]);
    assert_eq!(nvlab_host_links(), want);

    let host = links(None);
    let bridge = &host["nvlab-cni0"];
    assert_eq!(kind(bridge), "bridge");
    assert_eq!(v4(bridge), ["10.244.1.1/24"]);
    let vtep = &host["nvlab-flannel"];
    assert_eq!(kind(vtep), "vxlan");
    assert!(is_up(vtep));
    let vx = &vtep["linkinfo"]["info_data"];
    assert_eq!((vx["id"].as_u64(), vx["port"].as_u64(), vx["learning"].as_bool()), (Some(1), Some(8472), Some(false)));
    assert_eq!(v4(vtep), ["10.244.1.0/32"]);
    assert_eq!(vtep["mtu"], 1450);
    assert!(vtep["master"].is_null(), "flannel.1 hangs on no bridge");

    // The other node's pods: 10.244.2.0/24 via 10.244.2.0 onlink through the VTEP.
    let route = &ip_json(&["route", "show", "10.244.2.0/24"])[0];
    assert_eq!(route["dev"], "nvlab-flannel", "{route}");
    assert_eq!(route["gateway"], "10.244.2.0", "{route}");
    assert!(route["flags"].as_array().unwrap().iter().any(|f| f == "onlink"), "{route}");
    let neigh = &ip_json(&["neigh", "show", "10.244.2.0", "dev", "nvlab-flannel"])[0];
    assert!(neigh["state"].to_string().contains("PERMANENT"), "{neigh}");
    // No forwarding entry: nothing the lab sends can leave this host.
    let fdb = exec("bridge", &["fdb", "show", "dev", "nvlab-flannel"]);
    assert!(!fdb.stdout.contains(" dst "), "nvlab-flannel forwards somewhere: {}", fdb.stdout);

    for (i, (ns, end)) in pods.iter().zip(host_ends).enumerate() {
        assert_eq!(host[end]["master"], "nvlab-cni0", "{end}");
        assert_eq!(host[end]["mtu"], 1450, "{end}");
        assert_veth_pair(None, end, ns);
        let inner = assert_inner_links(ns, &["eth0"]);
        assert_eq!(v4(&inner["eth0"]), [format!("10.244.1.{}/24", i + 2)], "{ns}");
        assert_eq!(inner["eth0"]["mtu"], 1450);
        assert_eq!(default_route(ns).as_deref(), Some("10.244.1.1"), "{ns}");
    }

    assert_ping(pods[0], "10.244.1.1");
    ping_across_host_bridge(pods[0], pods[1], "10.244.1.3");
    again_list_down("k8s-node", 2, 6);
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn two_hosts_up_check_ping_list_down() {
    let Some(_session) = live("two_hosts_up_check_ping_list_down") else { return };
    up("two-hosts");

    let all = ["nvlab-hostA", "nvlab-hostB", "nvlab-a1", "nvlab-a2", "nvlab-b1", "nvlab-b2"];
    assert_eq!(nvlab_namespaces(), all.iter().map(|s| s.to_string()).collect());
    assert_eq!(nvlab_host_links(), BTreeSet::new(), "two-hosts leaves nothing on the real host");

    let hosts = [
        ("nvlab-hostA", "10.231.0.1", "10.231.0.2", [("nvlab-a1", "10.232.0.11"), ("nvlab-a2", "10.232.0.12")]),
        ("nvlab-hostB", "10.231.0.2", "10.231.0.1", [("nvlab-b1", "10.232.0.21"), ("nvlab-b2", "10.232.0.22")]),
    ];
    let mut underlay_ends = Vec::new();
    for (host, local, remote, pods) in hosts {
        let pod_ends: Vec<String> = pods.iter().map(|(p, _)| format!("{p}h")).collect();
        let mut expected = vec!["eth0", "br0", "nvlab-vx42"];
        expected.extend(pod_ends.iter().map(String::as_str));
        let l = assert_inner_links(host, &expected);
        assert_eq!(kind(&l["eth0"]), "veth");
        assert_eq!(v4(&l["eth0"]), [format!("{local}/24")], "{host}");
        assert!(l["eth0"]["master"].is_null());
        underlay_ends.push(l["eth0"].clone());
        assert_eq!(kind(&l["br0"]), "bridge");
        let vx = &l["nvlab-vx42"];
        assert_eq!(kind(vx), "vxlan");
        assert_eq!(vx["master"], "br0");
        let d = &vx["linkinfo"]["info_data"];
        assert_eq!(d["id"], 42, "{host}: {d}");
        assert_eq!(d["port"], 4789, "{host}: {d}");
        assert_eq!(d["local"], local, "{host}: {d}");
        assert_eq!(d["remote"], remote, "{host}: {d}");
        for ((pod, addr), end) in pods.iter().zip(&pod_ends) {
            assert_eq!(l[end.as_str()]["master"], "br0", "{end}");
            assert_veth_pair(Some(host), end, pod);
            let inner = assert_inner_links(pod, &["eth0"]);
            assert_eq!(v4(&inner["eth0"]), [format!("{addr}/24")], "{pod}");
        }
    }
    // The underlay: hostA's eth0 and hostB's eth0 are the two ends of one veth pair.
    assert_eq!(underlay_ends[0]["link_index"], underlay_ends[1]["ifindex"]);
    assert_eq!(underlay_ends[1]["link_index"], underlay_ends[0]["ifindex"]);

    assert_ping("nvlab-hostA", "10.231.0.2");
    assert_ping("nvlab-a1", "10.232.0.21"); // across the tunnel
    assert_ping("nvlab-a1", "10.232.0.12"); // on hostA's bridge
    assert_ping("nvlab-b2", "10.232.0.11"); // and back the other way
    // hostA's VXLAN learned b1's MAC behind hostB's underlay address.
    let b1_mac = links(Some("nvlab-b1"))["eth0"]["address"].as_str().unwrap().to_string();
    let fdb = exec("bridge", &["-n", "nvlab-hostA", "fdb", "show", "dev", "nvlab-vx42"]);
    assert!(
        fdb.stdout.lines().any(|l| l.starts_with(&b1_mac) && l.contains("dst 10.231.0.2")),
        "b1's MAC {b1_mac} is not learned behind 10.231.0.2:\n{}",
        fdb.stdout
    );
    assert_netview_reads_the_fdb(&b1_mac);
    again_list_down("two-hosts", 6, 14);
}

// ---------------------------------------------------------------------------------------------
// Across labs, failures, repairs

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn down_without_a_name_removes_every_lab() {
    let Some(_session) = live("down_without_a_name_removes_every_lab") else { return };
    for name in lab::names() {
        up(name);
    }
    let (code, out, _) = run_lab(LabAction::List);
    assert_eq!(code, ExitCode::SUCCESS);
    for name in lab::names() {
        assert_eq!(list_line(name).split_whitespace().nth(1), Some("up"), "{out}");
    }
    // The labs share nothing: taking one down leaves the others up.
    let (code, ..) = run_lab(LabAction::Down(Some("k8s-node".into())));
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(list_line("docker-like").split_whitespace().nth(1), Some("up"));
    assert_eq!(list_line("two-hosts").split_whitespace().nth(1), Some("up"));

    let (code, out, err) = run_lab(LabAction::Down(None));
    assert_eq!(code, ExitCode::SUCCESS, "{out}{err}");
    assert_nothing_left();
    let (code, out, err) = run_lab(LabAction::Down(None));
    assert_eq!(code, ExitCode::SUCCESS, "{out}{err}");
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn a_failed_step_removes_what_was_built() {
    let Some(_session) = live("a_failed_step_removes_what_was_built") else { return };
    // A VXLAN device with flannel's VNI and port (as a real flannel.1 would be) makes the
    // k8s-node lab's last device fail, after the bridge and the pods were built.
    let clash =
        exec("ip", &["link", "add", "nvlab-clash", "type", "vxlan", "id", "1", "dstport", "8472", "nolearning"]);
    assert!(clash.ok, "{}", clash.stderr);
    let (code, out, err) = run_lab(LabAction::Up("k8s-node".into()));
    assert_eq!(code, ExitCode::from(1), "{out}{err}");
    assert!(err.contains("ip link add nvlab-flannel type vxlan"), "the failed step is named: {err}");
    assert!(err.contains("flannel.1"), "with a hint: {err}");
    assert!(out.contains("ip link add nvlab-cni0"), "the bridge was built first: {out}");
    assert_eq!(nvlab_namespaces(), BTreeSet::new(), "the pods were removed again");
    assert_eq!(nvlab_host_links(), BTreeSet::from(["nvlab-clash".to_string()]), "only the test's own device is left");
    // `list` names the stray; `down` removes it too.
    let (_, out, _) = run_lab(LabAction::List);
    assert!(out.contains("nvlab-clash"), "{out}");
    let (code, ..) = run_lab(LabAction::Down(None));
    assert_eq!(code, ExitCode::SUCCESS);
    assert_nothing_left();
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn up_repairs_a_changed_lab_and_rebuilds_a_partial_one() {
    let Some(_session) = live("up_repairs_a_changed_lab_and_rebuilds_a_partial_one") else { return };
    up("docker-like");
    let built = fingerprint();
    // A student removes c1's address and its default route: `up` puts them back, rebuilding nothing.
    assert!(exec("ip", &["-n", "nvlab-c1", "addr", "flush", "dev", "eth0"]).ok);
    let _ = exec("ip", &["-n", "nvlab-c1", "route", "del", "default"]); // if the flush left it
    assert_eq!(default_route("nvlab-c1"), None);
    let out = up("docker-like");
    assert!(out.contains("already up"), "{out}");
    assert_eq!(fingerprint(), built, "up put back exactly what was there");
    assert_ping("nvlab-c1", "10.230.0.1");

    // A namespace deleted by hand: the lab is partial, and `up` rebuilds all of it.
    assert!(exec("ip", &["netns", "delete", "nvlab-c2"]).ok);
    assert_eq!(list_line("docker-like").split_whitespace().nth(1), Some("partial"));
    let out = up("docker-like");
    assert!(out.contains("removing that first") && out.contains("is up"), "{out}");
    assert_eq!(list_line("docker-like").split_whitespace().nth(1), Some("up"));
    assert_eq!(nvlab_namespaces().len(), 3);
    assert_ping("nvlab-c2", "10.230.0.1");
}

#[test]
fn unknown_lab_name_exits_2_and_lists_the_labs() {
    // Touches nothing: the name is checked first, so this one runs without root or the gate.
    assert_eq!(lab::names(), ["docker-like", "k8s-node", "two-hosts"]);
    for action in [LabAction::Up("kubernetes".into()), LabAction::Down(Some("nope".into()))] {
        let (code, out, err) = run_lab(action);
        assert_eq!(code, ExitCode::from(2));
        assert!(out.is_empty(), "{out}");
        assert!(err.contains("no lab called"), "{err}");
        for name in lab::names() {
            assert!(err.contains(name), "{name} is not listed: {err}");
        }
    }
}

/// netview's own picture of each lab: the Kubernetes facts of k8s-node, and `netview path`
/// across the two-hosts overlay (which a real ping also crosses).
#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn netview_reads_the_labs() {
    let Some(_s) = live("netview_reads_the_labs") else { return };
    up("k8s-node");
    let snap = exec(NETVIEW, &["--snapshot", "--json", "--no-docker", "--no-firewall"]);
    let snap: Value = serde_json::from_str(&snap.stdout).expect("snapshot JSON");
    let k = &snap["kubernetes"];
    assert_eq!(k["pod_cidr"], "10.244.1.0/24", "{k:#}");
    assert_eq!(k["bridge"], "nvlab-cni0", "{k:#}");
    assert_eq!(k["overlay_devices"][0], serde_json::json!(["nvlab-flannel", 1, 8472]), "{k:#}");
    assert!(k["peer_slices"].as_array().is_some_and(|a| a.iter().any(|s| s[0] == "10.244.2.0/24")), "{k:#}");
    assert_eq!(k["pod_namespaces"].as_array().map(Vec::len), Some(2), "{k:#}");
    run_lab(LabAction::Down(None));

    up("two-hosts");
    assert!(ping("nvlab-a1", "10.232.0.21"), "a1 reaches b1 across the tunnel");
    let out = exec(NETVIEW, &["--no-docker", "path", "nvlab-a1", "nvlab-b1", "--json"]);
    let report: Value = serde_json::from_str(&out.stdout).expect("path JSON");
    assert_eq!(report["verdict"], "reachable", "{report:#}");
    let hops: Vec<&str> = report["hops"].as_array().unwrap().iter().filter_map(|h| h["text"].as_str()).collect();
    assert!(hops.iter().any(|h| h.starts_with("VXLAN 42: ") && h.contains("10.231.0.2 (nvlab-hostB)")), "{hops:#?}");
    assert!(hops.last().is_some_and(|h| h.contains("delivered to 10.232.0.21 in nvlab-b1")), "{hops:#?}");
    run_lab(LabAction::Down(None));
    assert_nothing_left();
}

/// The self entries of hostA's VXLAN device as `bridge -j fdb show` lists them: (MAC, remote).
fn vxlan_self_fdb() -> BTreeSet<(String, String)> {
    let out = exec("bridge", &["-n", "nvlab-hostA", "-j", "fdb", "show", "dev", "nvlab-vx42"]);
    let entries: Value = serde_json::from_str(&out.stdout).expect("bridge -j fdb");
    entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["flags"].as_array().is_some_and(|f| f.iter().any(|x| x == "self")))
        .filter_map(|e| Some((e["mac"].as_str()?.to_string(), e["dst"].as_str()?.to_string())))
        .collect()
}

/// netview's snapshot holds hostA's VXLAN forwarding table as `bridge fdb` shows it (read just
/// before and just after, since traffic may teach the device a MAC in between).
fn assert_netview_reads_the_fdb(b1_mac: &str) {
    let before = vxlan_self_fdb();
    let snap = exec(NETVIEW, &["--snapshot", "--json", "--no-docker", "--no-firewall"]);
    let after = vxlan_self_fdb();
    let snap: Value = serde_json::from_str(&snap.stdout).expect("snapshot JSON");
    let host_a = snap["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["label"] == "nvlab-hostA")
        .expect("nvlab-hostA in the snapshot");
    let vx = host_a["interfaces"].as_array().unwrap().iter().find(|i| i["name"] == "nvlab-vx42").expect("the VXLAN");
    let fdb = vx["vxlan"]["fdb"].as_array().cloned().unwrap_or_default();
    let seen: BTreeSet<(String, String)> =
        fdb.iter().filter_map(|e| Some((e["mac"].as_str()?.to_string(), e["dst"].as_str()?.to_string()))).collect();
    let both: BTreeSet<_> = before.intersection(&after).cloned().collect();
    let either: BTreeSet<_> = before.union(&after).cloned().collect();
    assert!(both.is_subset(&seen) && seen.is_subset(&either), "netview {seen:?}\nbridge fdb {before:?} / {after:?}");
    assert!(seen.contains(&(b1_mac.to_string(), "10.231.0.2".to_string())), "{seen:?}");
    let flood = fdb.iter().find(|e| e["mac"] == "00:00:00:00:00:00").expect("the default remote");
    assert_eq!((flood["dst"].as_str(), flood["permanent"].as_bool()), (Some("10.231.0.2"), Some(true)));
}
