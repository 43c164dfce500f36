//! Helpers for the live tests: the NETVIEW_LIVE_TESTS gate, running commands with argument
//! vectors and a time limit, a guard that removes every `nvt-<tag>-*` object it may have made,
//! ground truth read from `ip -j` / `docker inspect`, and a checker that collects mismatches.
#![allow(dead_code)]

pub mod tmux;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::{Debug, Display};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const IMAGE: &str = "netview-test/busybox:latest";
pub const NETVIEW: &str = env!("CARGO_BIN_EXE_netview");
const CMD_TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// The gate

/// Checks what a live test needs. Live tests are compiled as ignored without NETVIEW_LIVE_TESTS=1
/// (build.rs), so the runner reports them as ignored; one forced with `--include-ignored`
/// fails here rather than passing without having run. With it, missing root, tools, Docker or
/// the test image fail the test: CI must not skip silently. Always true when it returns.
pub fn live(test: &str) -> bool {
    if std::env::var("NETVIEW_LIVE_TESTS").as_deref() != Ok("1") {
        panic!("{test} is a live test: run it with NETVIEW_LIVE_TESTS=1 (root + Docker), see scripts/test.sh");
    }
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(e) = READY.get_or_init(prerequisites) {
        panic!("{test}: NETVIEW_LIVE_TESTS=1 is set but the live tests cannot run: {e}");
    }
    true
}

fn prerequisites() -> Result<(), String> {
    if !nix::unistd::Uid::effective().is_root() {
        return Err("they need root (entering namespaces, creating links): run them as root".into());
    }
    for (tool, arg) in [("ip", "-V"), ("nsenter", "--version")] {
        run(tool, &[arg]).map_err(|e| format!("the `{tool}` tool is needed (iproute2, util-linux): {e}"))?;
    }
    let version =
        exec(Command::new("docker").args(["version", "--format", "{{.Server.Version}}"]), Duration::from_secs(20))
            .map_err(|e| format!("the `docker` client is needed: {e}"))?;
    if !version.status.success() || version.stdout.trim().is_empty() {
        return Err(format!(
            "the Docker engine does not answer (`docker version`: {}): start dockerd",
            one_line(&format!("{} {}", version.stdout, version.stderr))
        ));
    }
    if run("docker", &["image", "inspect", "--format", "{{.Id}}", IMAGE]).is_err() {
        // No registry is reachable: the project builds its own tiny image from busybox-static.
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-image.sh");
        run("bash", &[script]).map_err(|e| format!("the image {IMAGE} is missing and {script} failed: {e}"))?;
    }
    Ok(())
}

/// `nvt-<4 hex of the pid>-<letter>`: unique per test process and per test, short enough that
/// interface names made from it stay within 15 bytes.
pub fn prefix(test_letter: char) -> String {
    format!("nvt-{:04x}-{test_letter}", std::process::id() & 0xffff)
}

// ---------------------------------------------------------------------------------------------
// Commands

#[derive(Debug)]
pub struct Out {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Run a command to its end (stdin closed), killing it after `timeout`.
pub fn exec(cmd: &mut Command, timeout: Duration) -> Result<Out, String> {
    let desc = describe(cmd);
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {desc}: {e}"))?;
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("piped stdout")));
    let err = reader(Box::new(child.stderr.take().expect("piped stderr")));
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{desc} did not finish within {} s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("waiting for {desc}: {e}")),
        }
    };
    Ok(Out {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        elapsed: start.elapsed(),
    })
}

pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Run `prog args`: its stdout when it exits 0, else an error with its stderr.
pub fn run(prog: &str, args: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new(prog);
    cmd.args(args);
    let out = exec(&mut cmd, CMD_TIMEOUT)?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!("`{}` failed ({}): {}", describe(&cmd), out.status, one_line(&out.stderr)))
    }
}

/// Like `run`, but a failure fails the test.
#[track_caller]
pub fn must(prog: &str, args: &[&str]) -> String {
    run(prog, args).unwrap_or_else(|e| panic!("{e}"))
}

/// Run `ip` inside a namespace given by location.
pub fn ip_in(ns: &NsLoc, args: &[&str]) -> Result<String, String> {
    match ns {
        NsLoc::Host => run("ip", args),
        NsLoc::Named(n) => {
            let mut a = vec!["-n", n.as_str()];
            a.extend_from_slice(args);
            run("ip", &a)
        }
        NsLoc::File(p) => {
            let net = format!("--net={p}");
            let mut a = vec![net.as_str(), "ip"];
            a.extend_from_slice(args);
            run("nsenter", &a)
        }
    }
}

pub fn json(s: &str, what: &str) -> Value {
    serde_json::from_str(s)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", s.chars().take(400).collect::<String>()))
}

// ---------------------------------------------------------------------------------------------
// Docker objects of a test

pub fn run_d(args: &[&str]) {
    let mut a = vec!["run", "-d"];
    a.extend_from_slice(args);
    must("docker", &a);
}

/// A /24 in 10.160.0.0/11 chosen from `seed`; the next one when Docker says it overlaps another
/// network (ours, or anybody's on this host).
pub fn create_network(name: &str, seed: usize, gateway: bool, extra: &[&str]) -> String {
    for attempt in 0..64 {
        let k = (seed.wrapping_mul(7) + attempt * 131) % 8192;
        let subnet = format!("10.{}.{}.0/24", 160 + k / 256, k % 256);
        let gw = gateway_254(&subnet);
        let mut args = vec!["network", "create", "--subnet", &subnet];
        if gateway {
            args.extend(["--gateway", gw.as_str()]);
        }
        args.extend_from_slice(extra);
        args.push(name);
        match run("docker", &args) {
            Ok(_) => return subnet,
            Err(e) if e.contains("overlap") => continue,
            Err(e) => panic!("{e}"),
        }
    }
    panic!("no free /24 in 10.160.0.0/11 for {name}");
}

pub fn gateway_254(subnet: &str) -> String {
    let net = subnet.split('/').next().unwrap_or("");
    format!("{}.254", net.rsplit_once('.').map_or(net, |(a, _)| a))
}

/// One HTTP exchange from inside a namespace, with busybox nc (bounded by its own -w): what came back.
pub fn http_from_namespace(ns: &str, addr: &str, port: u16) -> String {
    use std::io::Write;
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "busybox", "nc", "-w", "3", addr, &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return String::new() };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"GET / HTTP/1.0\r\n\r\n");
    }
    child.wait_with_output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// netview itself

pub fn netview(args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(NETVIEW);
    cmd.args(args).env_remove("DOCKER_HOST").env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    exec(&mut cmd, CMD_TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
}

/// `netview --snapshot --json`, which must exit 0 without a panic and print JSON.
#[track_caller]
pub fn snapshot_json(env: &[(&str, &str)]) -> Value {
    let out = netview(&["--snapshot", "--json"], env);
    assert_clean_exit(&out, "netview --snapshot --json");
    json(&out.stdout, "netview --snapshot --json")
}

#[track_caller]
pub fn assert_clean_exit(out: &Out, what: &str) {
    assert!(
        out.status.success(),
        "{what} exited with {} (stderr: {})",
        out.status,
        out.stderr.chars().take(2000).collect::<String>()
    );
    assert!(!out.stderr.contains("panicked"), "{what} panicked: {}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Cleanup

/// Removes every container, Docker network, named namespace and host link whose name starts
/// with its prefix: once when made (leftovers of a crashed run with the same tag) and again when
/// dropped, which also happens when the test panics.
pub struct Guard {
    prefix: String,
}

impl Guard {
    pub fn new(prefix: &str) -> Guard {
        assert!(prefix.starts_with("nvt-") && prefix.len() >= 9, "refusing to clean up {prefix:?}*");
        sweep(prefix);
        Guard { prefix: prefix.to_string() }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        sweep(&self.prefix);
        let left = leftovers(&self.prefix);
        if !left.is_empty() {
            eprintln!("warning: could not remove {}: {}", self.prefix, left.join(" "));
        }
    }
}

fn names_with(prefix: &str, list: Result<String, String>) -> Vec<String> {
    list.unwrap_or_default()
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").trim_start_matches('/').to_string())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

fn host_links_with(prefix: &str) -> Vec<String> {
    let links: Value =
        run("ip", &["-j", "link", "show"]).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
    links
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["ifname"].as_str())
        .filter(|n| n.starts_with(prefix))
        .map(String::from)
        .collect()
}

/// Everything still named `prefix*`.
pub fn leftovers(prefix: &str) -> Vec<String> {
    let mut left = Vec::new();
    for c in names_with(prefix, run("docker", &["ps", "-a", "--format", "{{.Names}}"])) {
        left.push(format!("container {c}"));
    }
    for n in names_with(prefix, run("docker", &["network", "ls", "--format", "{{.Name}}"])) {
        left.push(format!("docker network {n}"));
    }
    for n in names_with(prefix, run("ip", &["netns", "list"])) {
        left.push(format!("netns {n}"));
    }
    for l in host_links_with(prefix) {
        left.push(format!("link {l}"));
    }
    left
}

pub fn sweep(prefix: &str) {
    let containers = names_with(prefix, run("docker", &["ps", "-a", "--format", "{{.Names}}"]));
    if !containers.is_empty() {
        let mut a = vec!["rm", "-f", "-v"];
        a.extend(containers.iter().map(String::as_str));
        let _ = run("docker", &a);
    }
    for n in names_with(prefix, run("docker", &["network", "ls", "--format", "{{.Name}}"])) {
        let _ = run("docker", &["network", "rm", &n]);
    }
    for n in names_with(prefix, run("ip", &["netns", "list"])) {
        let _ = run("ip", &["netns", "del", &n]);
    }
    // Deleting one end of a veth removes the other, so some of these may be gone already.
    for l in host_links_with(prefix) {
        let _ = run("ip", &["link", "del", &l]);
    }
}

// ---------------------------------------------------------------------------------------------
// Ground truth from iproute2

/// Where a namespace can be entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NsLoc {
    /// The namespace the tests run in.
    Host,
    /// An `ip netns` name.
    Named(String),
    /// A namespace file (a container's SandboxKey).
    File(String),
}

/// One link as `ip -j -d link show` + `ip -j addr show` report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub ifindex: u32,
    pub name: String,
    /// `linkinfo.info_kind`.
    pub kind: Option<String>,
    pub mac: Option<String>,
    pub mtu: Option<u32>,
    /// `operstate`.
    pub state: String,
    pub master: Option<String>,
    /// Where IFLA_LINK points (the veth peer's ifindex).
    pub link_index: Option<u32>,
    /// The nsid of `link_index`'s namespace as this namespace numbers it; None: same namespace.
    pub link_netnsid: Option<i64>,
    /// `local/prefixlen`, in `ip addr` order.
    pub addresses: Vec<String>,
}

fn as_u32(v: &Value) -> Option<u32> {
    v.as_u64().and_then(|n| u32::try_from(n).ok())
}

/// All links of a namespace, sorted by ifindex.
pub fn links(ns: &NsLoc) -> Result<Vec<Link>, String> {
    let raw: Value = serde_json::from_str(&ip_in(ns, &["-j", "-d", "link", "show"])?).map_err(|e| e.to_string())?;
    let addrs: Value = serde_json::from_str(&ip_in(ns, &["-j", "addr", "show"])?).map_err(|e| e.to_string())?;
    let mut by_index: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for l in addrs.as_array().into_iter().flatten() {
        let Some(i) = as_u32(&l["ifindex"]) else { continue };
        let list = by_index.entry(i).or_default();
        for a in l["addr_info"].as_array().into_iter().flatten() {
            if let (Some(local), Some(len)) = (a["local"].as_str(), a["prefixlen"].as_u64()) {
                list.push(format!("{local}/{len}"));
            }
        }
    }
    let arr = raw.as_array().ok_or("ip -j link show: not an array")?;
    let names: BTreeMap<String, u32> =
        arr.iter().filter_map(|l| Some((l["ifname"].as_str()?.to_string(), as_u32(&l["ifindex"])?))).collect();
    let mut out: Vec<Link> = arr
        .iter()
        .map(|l| {
            let ifindex = as_u32(&l["ifindex"]).unwrap_or(0);
            // With a netnsid ip prints `link_index`; within the namespace, `link` is the peer's name
            // (or "ifN" when it has none).
            let link_index = as_u32(&l["link_index"]).or_else(|| {
                let s = l["link"].as_str()?;
                names.get(s).copied().or_else(|| s.strip_prefix("if")?.parse().ok())
            });
            Link {
                ifindex,
                name: l["ifname"].as_str().unwrap_or("").to_string(),
                kind: l["linkinfo"]["info_kind"].as_str().map(String::from),
                mac: l["address"].as_str().map(String::from),
                mtu: as_u32(&l["mtu"]),
                state: l["operstate"].as_str().unwrap_or("").to_string(),
                master: l["master"].as_str().map(String::from),
                link_index,
                link_netnsid: l["link_netnsid"].as_i64(),
                addresses: by_index.get(&ifindex).cloned().unwrap_or_default(),
            }
        })
        .collect();
    out.sort_by_key(|l| l.ifindex);
    Ok(out)
}

/// nsid -> ip-netns name as `ns` numbers them: `ip -j netns list` inside `ns` (one RTM_GETNSID per
/// name; `ip netns list-id` is not used because its dump stops early when there are many nsids).
pub fn nsid_names(ns: &NsLoc) -> Result<BTreeMap<i64, String>, String> {
    let s = ip_in(ns, &["-j", "netns", "list"])?;
    let v: Value =
        if s.trim().is_empty() { Value::Array(vec![]) } else { serde_json::from_str(&s).map_err(|e| e.to_string())? };
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["id"].as_i64()?, e["name"].as_str()?.to_string())))
        .collect())
}

/// (device, inode) of a namespace file.
pub fn ns_identity(path: &str) -> Result<(u64, u64), String> {
    let m = std::fs::metadata(Path::new(path)).map_err(|e| format!("stat {path}: {e}"))?;
    Ok((m.dev(), m.ino()))
}

/// `a.b.c.d` as a number, for subnet arithmetic.
pub fn ipv4(s: &str) -> Option<u32> {
    let addr: std::net::Ipv4Addr = s.split('/').next()?.parse().ok()?;
    Some(u32::from(addr))
}

/// Whether the IPv4 address (with or without a prefix) lies in the IPv4 CIDR.
pub fn in_subnet(cidr: &str, addr: &str) -> bool {
    let Some((net, len)) = cidr.split_once('/') else { return false };
    let (Some(net), Some(a), Ok(len)) = (ipv4(net), ipv4(addr), len.parse::<u32>()) else { return false };
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len.min(32)) };
    net & mask == a & mask
}

// ---------------------------------------------------------------------------------------------
// Checks

/// Collects every mismatch instead of stopping at the first, so one run shows them all.
#[derive(Default)]
pub struct Checks {
    pub failures: Vec<String>,
    pub passed: usize,
}

impl Checks {
    pub fn eq<T: PartialEq + Debug>(&mut self, what: impl Display, got: T, want: T) {
        if got == want {
            self.passed += 1;
        } else {
            self.failures.push(format!("{what}: netview says {got:?}, expected {want:?}"));
        }
    }

    pub fn ok(&mut self, what: impl Display, cond: bool, detail: impl Display) {
        if cond {
            self.passed += 1;
        } else {
            self.failures.push(format!("{what}: {detail}"));
        }
    }

    /// Fail the test with every mismatch.
    #[track_caller]
    pub fn finish(self, test: &str) {
        eprintln!("{test}: {} checks passed, {} failed", self.passed, self.failures.len());
        if !self.failures.is_empty() {
            panic!("{test}: {} mismatches:\n  - {}", self.failures.len(), self.failures.join("\n  - "));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Another host

/// A namespace `cli` of the test's own playing another host: a veth (`hv` here, `cv` there) on a
/// /30 in 10.250.x chosen from the pid, its default route through this host. The address it
/// reaches this host at (the source of this host's default route, else the veth's).
pub fn another_host(cli: &str, hv: &str, cv: &str) -> String {
    let id = std::process::id();
    let (sub, k) = (format!("10.250.{}", id / 64 % 250), id % 64 * 4);
    let (host_side, client_addr) = (format!("{sub}.{}", k + 1), format!("{sub}.{}", k + 2));
    must("ip", &["netns", "add", cli]);
    must("ip", &["link", "add", hv, "type", "veth", "peer", "name", cv, "netns", cli]);
    must("ip", &["addr", "add", &format!("{host_side}/30"), "dev", hv]);
    must("ip", &["link", "set", hv, "up"]);
    must("ip", &["-n", cli, "addr", "add", &format!("{client_addr}/30"), "dev", cv]);
    must("ip", &["-n", cli, "link", "set", cv, "up"]);
    must("ip", &["-n", cli, "link", "set", "lo", "up"]);
    must("ip", &["-n", cli, "route", "add", "default", "via", &host_side]);
    engine_address().unwrap_or(host_side)
}

/// The address other hosts reach this one at: the source of its default route.
pub fn engine_address() -> Option<String> {
    let v: Value = serde_json::from_str(&run("ip", &["-j", "route", "get", "192.0.2.1"]).ok()?).ok()?;
    v.get(0)?["prefsrc"].as_str().map(String::from)
}
