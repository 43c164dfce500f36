//! Live test (NETVIEW_LIVE_TESTS=1, root, podman + catatonit installed) of rootful Podman beside
//! Docker: `scripts/test-podman.sh` starts an isolated Podman (own network and mount namespace,
//! own storage and API socket); the test makes a network, containers, a pod and a host-mode
//! container, all `nvt-*`, and checks netview's snapshot (run where Podman runs) against
//! `podman inspect`, the published ports against netavark's rules, `netview path` against real
//! pings between Podman containers (into and out of an `--internal` network too), `DOCKER_HOST`
//! at Podman's socket (read once), and what reading Podman costs.

mod support;

use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-podman.sh");
const IMG: &str = "localhost/nvt-podman/busybox:latest";
/// The API socket of the isolated Podman, as the host sees it.
const HOST_SOCKET: &str = "/run/nvt-podman/api/podman.sock";

/// Takes the isolated Podman down (and every object in it) when the test ends, passed or not.
struct Harness;

impl Harness {
    fn up() -> Harness {
        // A Podman left by a run that crashed holds only the suite's objects: start afresh.
        let _ = exec(Command::new("bash").args([SCRIPT, "down"]), Duration::from_secs(120));
        let out = exec(Command::new("bash").args([SCRIPT, "up"]), Duration::from_secs(120)).expect("test-podman.sh up");
        assert!(out.status.success(), "test-podman.sh up failed:\n{}\n{}", out.stdout, out.stderr);
        Harness
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = exec(Command::new("bash").args([SCRIPT, "down"]), Duration::from_secs(120));
    }
}

/// Run a command where Podman runs; its stdout, or the test fails.
#[track_caller]
fn inside(args: &[&str]) -> String {
    let out = exec(Command::new("bash").arg(SCRIPT).arg("exec").args(args), Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(out.status.success(), "{args:?} failed: {}{}", out.stdout, out.stderr);
    out.stdout
}

/// `netview ARGS` where Podman runs, with Docker's socket pointed nowhere: the host's engine
/// lives in another network namespace and would only add noise here.
fn netview(args: &[&str]) -> support::Out {
    netview_with("DOCKER_HOST=unix:///nonexistent/docker.sock", args)
}

/// `netview ARGS` where Podman runs, with `env` ("DOCKER_HOST=...") set.
fn netview_with(env: &str, args: &[&str]) -> support::Out {
    let mut all = vec!["exec", "env", env, NETVIEW];
    all.extend_from_slice(args);
    exec(Command::new("bash").arg(SCRIPT).args(&all), Duration::from_secs(60)).expect("run netview")
}

fn podman_inspect(name: &str) -> Value {
    json(&inside(&["podman", "inspect", name]), "podman inspect")[0].clone()
}

/// Inode of a process's network namespace (as the host sees it: the pid namespace is shared).
fn ns_inode(pid: i64) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/ns/net")).map(|m| m.ino()).unwrap_or(0)
}

fn find<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array().and_then(|a| a.iter().find(|c| c["name"] == name)).unwrap_or_else(|| panic!("{name} not in {list}"))
}

/// Collects every mismatch, so one run reports them all.
#[derive(Default)]
struct Checker {
    failures: Vec<String>,
    checks: usize,
}

impl Checker {
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, ours: &T, want: &T) {
        self.checks += 1;
        if ours != want {
            self.failures.push(format!("{what}: netview {ours:?}, expected {want:?}"));
        }
    }
    fn check(&mut self, what: &str, ok: bool, detail: &dyn std::fmt::Debug) {
        self.checks += 1;
        if !ok {
            self.failures.push(format!("{what}: {detail:?}"));
        }
    }
    fn fail(&mut self, what: String) {
        self.checks += 1;
        self.failures.push(what);
    }
    fn finish(self) {
        eprintln!("{} checks, {} failed", self.checks, self.failures.len());
        assert!(
            self.failures.is_empty(),
            "{} of {} checks failed:\n{}",
            self.failures.len(),
            self.checks,
            self.failures.join("\n")
        );
    }
}

fn ping(from: &str, ip: &str) -> bool {
    exec(
        Command::new("bash").args([SCRIPT, "exec", "podman", "exec", from, "ping", "-c", "1", "-W", "2", ip]),
        Duration::from_secs(30),
    )
    .is_ok_and(|o| o.status.success())
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and podman (scripts/test.sh)")]
fn podman_beside_docker_matches_podman_inspect_and_real_pings() {
    if !live("podman_beside_docker_matches_podman_inspect_and_real_pings") {
        return;
    }
    let _h = Harness::up();
    inside(&["podman", "network", "create", "nvt-pnet-a"]);
    let run = |args: &[&str]| {
        let mut all = vec!["podman", "run", "-d", "--cap-add", "NET_RAW"];
        all.extend_from_slice(args);
        inside(&all);
    };
    run(&["--name", "nvt-pa", "-p", "18080:80", IMG, "httpd", "-f", "-p", "80"]);
    run(&["--name", "nvt-pb", IMG]);
    run(&["--name", "nvt-pc", "--network", "nvt-pnet-a", IMG]);
    run(&["--name", "nvt-phost", "--network", "host", IMG]);
    // An --internal network gives its containers no default route: a blocked case.
    inside(&["podman", "network", "create", "--internal", "nvt-pnet-i"]);
    run(&["--name", "nvt-pi", "--network", "nvt-pnet-i", IMG]);
    // One given a route out by hand: netavark leaves the bridge's IPv4 forwarding off, so the
    // host refuses to route what it sends.
    run(&["--name", "nvt-pr", "--network", "nvt-pnet-i", "--cap-add", "NET_ADMIN", IMG]);
    let gw =
        json(&inside(&["podman", "network", "inspect", "nvt-pnet-i"]), "network inspect")[0]["subnets"][0]["gateway"]
            .as_str()
            .unwrap_or_default()
            .to_string();
    inside(&["podman", "exec", "nvt-pr", "ip", "route", "add", "default", "via", &gw]);
    inside(&["podman", "pod", "create", "--name", "nvt-ppod", "-p", "19090:90"]);
    run(&["--pod", "nvt-ppod", "--name", "nvt-ppm1", IMG, "httpd", "-f", "-p", "90"]);
    run(&["--pod", "nvt-ppod", "--name", "nvt-ppm2", IMG]);
    // One connection through the published port from the host's side of the uplink.
    let _ = exec(
        Command::new("wget").args(["-q", "-O", "/dev/null", "-T", "3", "http://10.98.0.2:18080/"]),
        Duration::from_secs(10),
    );

    let out = netview(&["--snapshot", "--json"]);
    assert!(out.status.success(), "netview failed: {}", out.stderr);
    let t: Value = json(&out.stdout, "netview --snapshot --json");
    let mut c = Checker::default();
    c.eq("podman engine available", &t["docker"]["podman"]["available"], &Value::Bool(true));
    let containers = &t["docker"]["containers"];
    let networks = &t["docker"]["networks"];

    // Every container, against `podman inspect`: engine, namespace, endpoints.
    for name in ["nvt-pa", "nvt-pb", "nvt-pc", "nvt-phost", "nvt-ppm1", "nvt-ppm2"] {
        let ins = podman_inspect(name);
        let ours = find(containers, name);
        c.eq(&format!("{name} engine"), &ours["engine"], &Value::from("podman"));
        c.eq(&format!("{name} state"), &ours["state"], &Value::from("running"));
        let want_ns = ns_inode(ins["State"]["Pid"].as_i64().unwrap_or(0));
        c.eq(&format!("{name} namespace"), &ours["namespace"].as_u64().unwrap_or(0), &want_ns);
        let mode = ins["HostConfig"]["NetworkMode"].as_str().unwrap_or_default().to_string();
        if mode.starts_with("container:") {
            let infra = podman_inspect(mode.trim_start_matches("container:"));
            c.eq(&format!("{name} joins"), &ours["shares_namespace_with"], &infra["Name"]);
            c.eq(&format!("{name} pod"), &ours["pod"], &Value::from("nvt-ppod"));
            c.eq(&format!("{name} ports (on the infra container)"), &ours["ports"], &Value::Array(vec![]));
            continue;
        }
        c.eq(&format!("{name} mode"), &ours["network_mode"], &Value::from(mode.as_str()));
        let nets = ins["NetworkSettings"]["Networks"].as_object().cloned().unwrap_or_default();
        let eps = ours["endpoints"].as_array().cloned().unwrap_or_default();
        c.eq(&format!("{name} endpoint count"), &eps.len(), &nets.len());
        for (net, e) in &nets {
            let Some(ep) = eps.iter().find(|x| x["network"] == net.as_str()) else {
                c.fail(format!("{name}: no endpoint on {net}"));
                continue;
            };
            let ip = format!("{}/{}", e["IPAddress"].as_str().unwrap_or(""), e["IPPrefixLen"]);
            c.eq(&format!("{name} {net} ip"), &ep["ipv4"], &Value::from(ip));
            c.eq(&format!("{name} {net} mac"), &ep["mac"], &e["MacAddress"]);
            let bridge =
                json(&inside(&["podman", "network", "inspect", net]), "network inspect")[0]["network_interface"]
                    .clone();
            c.eq(&format!("{name} {net} bridge"), &ep["bridge"], &bridge);
            c.eq(&format!("{name} {net} interface"), &ep["interface"], &Value::from("eth0"));
        }
    }
    // Networks with their bridges and members; no note about rootless Docker.
    let pnet = find(networks, "nvt-pnet-a");
    c.eq("nvt-pnet-a engine", &pnet["engine"], &Value::from("podman"));
    c.eq("nvt-pnet-a members", &pnet["containers"], &serde_json::json!(["nvt-pc"]));
    let default = find(networks, "podman");
    c.eq("podman bridge", &default["bridge"], &Value::from("podman0"));
    let notes = t["notes"].to_string();
    c.check("no rootless note", !notes.contains("rootless"), &notes);
    // The pod: its infra container first, its namespace the members'.
    let pod = &t["docker"]["pods"][0];
    c.eq("pod name", &pod["name"], &Value::from("nvt-ppod"));
    c.eq("pod members", &pod["containers"].as_array().map_or(0, Vec::len), &3);
    c.eq("pod namespace", &pod["namespace"], &find(containers, "nvt-ppm1")["namespace"]);
    // Published ports: each once, with netavark's DNAT (counted), forward and masquerade rules.
    let ports = t["firewall"]["ports"].as_array().cloned().unwrap_or_default();
    let p18080: Vec<&Value> = ports.iter().filter(|p| p["host_port"] == 18080).collect();
    let p19090: Vec<&Value> = ports.iter().filter(|p| p["host_port"] == 19090).collect();
    c.eq("port 18080 listed once", &p18080.len(), &1);
    c.eq("port 19090 listed once", &p19090.len(), &1);
    if let Some(p) = p18080.first() {
        c.eq("18080 container", &p["container"], &Value::from("nvt-pa"));
        let dnat = &p["dnat"][0];
        c.check("18080 DNAT is netavark's", dnat["text"].as_str().is_some_and(|s| s.contains("NETAVARK-DN-")), dnat);
        c.check("18080 DNAT counted the wget", dnat["counters"]["packets"].as_u64().unwrap_or(0) >= 1, dnat);
        c.check("18080 forward", !p["forward"].as_array().is_none_or(Vec::is_empty), &p["forward"]);
        c.check("18080 masquerade", !p["masquerade"].as_array().is_none_or(Vec::is_empty), &p["masquerade"]);
        c.check("18080 hairpin", !p["hairpin"].as_array().is_none_or(Vec::is_empty), &p["hairpin"]);
    }

    // `netview path` between Podman containers by name, against real pings.
    let ip_of = |name: &str| {
        find(containers, name)["endpoints"][0]["ipv4"]
            .as_str()
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    // The internal network's bridge: IPv4 forwarding as the kernel has it, and as netview read it.
    let ibridge = find(networks, "nvt-pnet-i")["bridge"].as_str().unwrap_or_default().to_string();
    let sysctl = inside(&["cat", &format!("/proc/sys/net/ipv4/conf/{ibridge}/forwarding")]);
    let host_ns = t["namespaces"].as_array().and_then(|a| a.iter().find(|n| n["host"] == true)).cloned();
    let read = host_ns
        .and_then(|n| n["interfaces"].as_array()?.iter().find(|i| i["name"] == ibridge.as_str()).cloned())
        .map(|i| i["ipv4_forwarding"].clone());
    c.eq(&format!("{ibridge} forwarding (sysctl {})", sysctl.trim()), &read, &Some(Value::Bool(sysctl.trim() == "1")));
    c.eq("netavark turned the internal bridge's forwarding off", &sysctl.trim(), &"0");

    // nvt-pa → nvt-pi: the request arrives, the reply is not forwarded out of the internal
    // network's bridge; nvt-pr → nvt-pa: the request is not; nvt-pi → nvt-pa: no route.
    let pairs = [
        ("nvt-pa", "nvt-pb"),
        ("nvt-pb", "nvt-pa"),
        ("nvt-pa", "nvt-pc"),
        ("nvt-pc", "nvt-pa"),
        ("nvt-pi", "nvt-pa"),
        ("nvt-pa", "nvt-pi"),
        ("nvt-pr", "nvt-pa"),
        ("nvt-pr", "nvt-pi"),
        ("nvt-pc", "nvt-pr"),
    ];
    let (mut blocked, mut agree) = (0, 0);
    for (from, to) in pairs {
        let verdict = netview(&["path", from, to, "--proto", "icmp"]);
        let ours = verdict.status.code();
        let real = ping(from, &ip_of(to));
        blocked += usize::from(!real);
        let ok = (ours == Some(0)) == real && ours != Some(3) && ours != Some(2);
        agree += usize::from(ok);
        c.check(
            &format!("path {from} → {to}: netview exit {ours:?}, ping {}", if real { "answered" } else { "failed" }),
            ok,
            &verdict.stdout,
        );
        if from == "nvt-pr" && to == "nvt-pa" || from == "nvt-pa" && to == "nvt-pi" {
            let why = format!("net.ipv4.conf.{ibridge}.forwarding = 0");
            c.check(&format!("path {from} → {to} names the sysctl"), verdict.stdout.contains(&why), &verdict.stdout);
        }
    }
    eprintln!("path verdicts agreeing with pings: {agree}/{}", pairs.len());
    c.eq("pings that failed (into and out of the internal network)", &blocked, &4);
    let note = netview(&["path", "nvt-pa", "nvt-pc", "--proto", "icmp"]).stdout;
    c.check("the reply note names netavark", note.contains("netavark accepts RELATED,ESTABLISHED"), &note);

    // DOCKER_HOST at Podman's socket: read once, as Podman, and Docker said to be Podman.
    let out = netview_with("DOCKER_HOST=unix:///run/podman/podman.sock", &["--snapshot", "--json"]);
    assert!(out.status.success(), "netview failed: {}", out.stderr);
    let twice: Value = json(&out.stdout, "netview --snapshot --json (DOCKER_HOST at Podman)");
    let all = twice["docker"]["containers"].as_array().cloned().unwrap_or_default();
    for name in ["nvt-pa", "nvt-pb", "nvt-pc", "nvt-phost", "nvt-ppm1", "nvt-ppm2"] {
        let same: Vec<&Value> = all.iter().filter(|c| c["name"] == name).collect();
        c.eq(&format!("DOCKER_HOST=podman: {name} listed once"), &same.len(), &1);
        c.check(
            &format!("DOCKER_HOST=podman: {name} is Podman's"),
            same.iter().all(|c| c["engine"] == "podman"),
            &same,
        );
    }
    c.eq(
        "DOCKER_HOST=podman: networks once",
        &twice["docker"]["networks"].as_array().map_or(0, Vec::len),
        &networks.as_array().map_or(0, Vec::len),
    );
    c.eq(
        "DOCKER_HOST=podman: read as Podman",
        &twice["docker"]["podman"]["as_docker"],
        &Value::from("/run/podman/podman.sock"),
    );
    let why = twice["docker"]["error"].as_str().unwrap_or_default();
    c.check("DOCKER_HOST=podman: Docker is said to be Podman", why.contains("is Podman's API"), &why);

    // What reading Podman costs: the ping and four lists, from the host (same pid namespace).
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let p = netview::collect::podman::read(HOST_SOCKET, Duration::from_secs(5));
            assert!(p.engine.available, "{:?}", p.engine.error);
            start.elapsed()
        })
        .collect();
    times.sort();
    eprintln!("reading Podman: median {:?} (min {:?}, max {:?})", times[2], times[0], times[4]);
    c.check(
        "reading Podman takes ≤ 0.1 s (median of 5)",
        times[2] <= Duration::from_millis(100),
        &times[2].as_millis(),
    );
    let start = Instant::now();
    let none = netview::collect::podman::read("/nonexistent/podman.sock", Duration::from_secs(5));
    c.check(
        "no socket: nothing read",
        none.socket.is_none() && start.elapsed() < Duration::from_millis(50),
        &none.socket,
    );
    c.finish();
}
