//! Live test (NETVIEW_LIVE_TESTS=1, root, Docker) of the listening sockets netview reads with
//! sock_diag in every namespace, against `ss -Hltnup` run inside each namespace (`nsenter`):
//! a namespace of the test's own with busybox `nc -l` (dual-stack `*`), `httpd` on 0.0.0.0,
//! 127.0.0.1 and [::], Python UDP sockets on 0.0.0.0 and a v6only [::], busybox `udhcpd`
//! bound to an interface; and a container on a user-defined network (so Docker's embedded DNS
//! listens on 127.0.0.11, held by dockerd in another namespace) running httpd, nc and udhcpd.
//! Every other namespace netview read is compared too; the ones this test made must agree
//! exactly, address, port, v6-only and process.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

/// One listener as both sides can say it: proto, address, port, dual-stack/v6only, ifindex bound.
type Key = (String, String, u16, bool, bool);

/// Kills the processes the test started in its namespace.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn_in(ns: &str, args: &[&str]) -> Child {
    Command::new("ip")
        .args(["netns", "exec", ns])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("ip netns exec {ns} {args:?}: {e}"))
}

/// `ss -Hltnup` inside the namespace at `path`: each listener with the pids ss names for it.
fn ss(path: &str) -> Result<Vec<(Key, Vec<u32>)>, String> {
    let out = run("nsenter", &[&format!("--net={path}"), "ss", "-Hltnup"])?;
    Ok(out.lines().filter_map(parse_ss).collect())
}

/// `tcp LISTEN 0 4096 127.0.0.1:8080 0.0.0.0:* users:(("nc",pid=12,fd=3))`. ss writes a
/// dual-stack [::] socket as `*`, a v6only one as `[::]`, and a bound device as `addr%dev`.
fn parse_ss(line: &str) -> Option<(Key, Vec<u32>)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let (proto, local) = (f.first()?, f.get(4)?);
    if !matches!(*proto, "tcp" | "udp") {
        return None;
    }
    let (addr, port) = local.rsplit_once(':')?;
    let (addr, dev) = match addr.split_once('%') {
        Some((a, _)) => (a, true),
        None => (addr, false),
    };
    let (addr, v6only) = match addr {
        "*" => ("::".to_string(), false),
        "[::]" => ("::".to_string(), true),
        a => (a.trim_start_matches('[').trim_end_matches(']').to_string(), false),
    };
    let rest = f[5..].join(" ");
    let pids = rest.split("pid=").skip(1).filter_map(|p| p.split(',').next()?.parse().ok()).collect();
    Some(((proto.to_string(), addr, port.parse().ok()?, v6only, dev), pids))
}

/// netview's listeners of a namespace (JSON), keyed the way `parse_ss` keys them.
fn netview_keys(ns: &Value) -> Vec<(Key, Option<u32>, Option<String>)> {
    ns["listening"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let key = (
                l["proto"].as_str().unwrap_or("?").to_string(),
                l["address"].as_str().unwrap_or("?").to_string(),
                l["port"].as_u64().unwrap_or(0) as u16,
                // ss tells v6-only apart only on [::] (the kernel marks every socket bound to one
                // IPv6 address v6-only).
                l["v6only"].as_bool().unwrap_or(false) && l["address"] == "::",
                l["ifindex"].is_u64(),
            );
            (key, l["pid"].as_u64().map(|p| p as u32), l["command"].as_str().map(String::from))
        })
        .collect()
}

fn path_of(ns: &Value) -> Option<String> {
    ns["paths"].as_array()?.iter().filter_map(Value::as_str).map(String::from).next()
}

/// Compare one namespace; `strict`: every listener and its process must agree.
fn compare(c: &mut Checks, label: &str, ns: &Value, ss: &[(Key, Vec<u32>)], strict: bool) -> bool {
    let ours = netview_keys(ns);
    let got: BTreeSet<&Key> = ours.iter().map(|(k, _, _)| k).collect();
    let want: BTreeSet<&Key> = ss.iter().map(|(k, _)| k).collect();
    let same = got == want;
    if strict {
        c.eq(format!("{label}: listeners"), got, want);
        for (key, pid, command) in &ours {
            let holders: Vec<u32> = ss.iter().filter(|(k, _)| k == key).flat_map(|(_, p)| p.clone()).collect();
            if holders.is_empty() {
                continue; // ss names no process either
            }
            c.ok(
                format!("{label}: process of {key:?}"),
                pid.is_some_and(|p| holders.contains(&p)) && command.is_some(),
                format!("netview says {pid:?} {command:?}, ss says {holders:?}"),
            );
        }
    }
    same
}

fn wait_for(path: &str, want: usize) -> Vec<(Key, Vec<u32>)> {
    let start = Instant::now();
    loop {
        let now = ss(path).unwrap_or_default();
        if now.len() >= want || start.elapsed() > Duration::from_secs(10) {
            return now;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn listening_sockets_match_ss_in_every_namespace() {
    if !live("listening_sockets_match_ss_in_every_namespace") {
        return;
    }
    let p = prefix('s');
    let _guard = Guard::new(&p);
    let mut c = Checks::default();

    // A namespace of our own: lo, and a veth pair inside it for udhcpd to bind to.
    let (ns, dev) = (format!("{p}-ns"), format!("{p}-d0"));
    must("ip", &["netns", "add", &ns]);
    must("ip", &["-n", &ns, "link", "set", "lo", "up"]);
    must("ip", &["-n", &ns, "link", "add", &dev, "type", "veth", "peer", "name", &format!("{p}-d1")]);
    must("ip", &["-n", &ns, "link", "set", &dev, "up"]);
    must("ip", &["-n", &ns, "addr", "add", "10.78.0.1/24", "dev", &dev]);
    let conf = std::env::temp_dir().join(format!("{p}-udhcpd.conf"));
    std::fs::write(&conf, format!("interface {dev}\nlease_file /dev/null\nstart 10.78.0.10\nend 10.78.0.20\n"))
        .unwrap();
    let conf = conf.display().to_string();
    let py = "import socket,time\n\
              a=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);a.bind(('0.0.0.0',5301))\n\
              b=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM);b.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,1);b.bind(('::',5302))\n\
              time.sleep(600)\n";
    let _procs = Procs(vec![
        spawn_in(&ns, &["busybox", "nc", "-l", "-p", "7001"]),
        spawn_in(&ns, &["busybox", "httpd", "-f", "-p", "0.0.0.0:7002"]),
        spawn_in(&ns, &["busybox", "httpd", "-f", "-p", "127.0.0.1:7003"]),
        spawn_in(&ns, &["busybox", "httpd", "-f", "-p", "[::]:7004"]),
        spawn_in(&ns, &["busybox", "udhcpd", "-f", &conf]),
        spawn_in(&ns, &["python3", "-c", py]),
    ]);
    let ns_path = format!("/run/netns/{ns}");
    let ns_ss = wait_for(&ns_path, 7);

    // A container on a user-defined network: its own listeners and Docker's embedded DNS.
    let (net, ctr) = (format!("{p}-net"), format!("{p}-c"));
    create_network(&net, std::process::id() as usize + 21, false, &[]);
    let script = "httpd -p 8080; httpd -p 127.0.0.1:8081; \
                  printf 'interface eth0\\nlease_file /dev/null\\n' >/tmp/u.conf; busybox udhcpd /tmp/u.conf; \
                  exec nc -l -p 9000";
    run_d(&["--name", &ctr, "--network", &net, IMAGE, "sh", "-c", script]);
    let pid = must("docker", &["inspect", "--format", "{{.State.Pid}}", &ctr]).trim().to_string();
    let ctr_path = format!("/proc/{pid}/ns/net");
    let ctr_ss = wait_for(&ctr_path, 6);

    let snap = snapshot_json(&[]);
    let namespaces = snap["namespaces"].as_array().expect("namespaces");
    let ours = namespaces.iter().find(|n| n["paths"].as_array().is_some_and(|a| a.iter().any(|x| x == &ns_path)));
    let ours = ours.expect("netview reads the test's namespace");
    compare(&mut c, "test namespace", ours, &ns_ss, true);
    c.eq("test namespace: listeners ss lists", ns_ss.len(), 7);

    let ino = support::ns_identity(&ctr_path).expect("container namespace").1;
    let theirs = namespaces.iter().find(|n| n["inode"] == ino).expect("netview reads the container's namespace");
    compare(&mut c, "container", theirs, &ctr_ss, true);
    c.eq("container: listeners ss lists", ctr_ss.len(), 6);
    c.ok("container: embedded DNS", ctr_ss.iter().any(|(k, _)| k.1 == "127.0.0.11"), "ss shows 127.0.0.11");
    let dns_owner = netview_keys(theirs).into_iter().find(|(k, _, _)| k.1 == "127.0.0.11").and_then(|(_, _, c)| c);
    c.eq("container: embedded DNS held by", dns_owner.as_deref(), Some("dockerd"));

    // Every namespace netview read (others may change meanwhile: counted, not required).
    let (mut agree, mut compared, mut listeners) = (0, 0, 0);
    for n in namespaces {
        let path = if n["host"] == true { Some("/proc/self/ns/net".to_string()) } else { path_of(n) };
        let Some(path) = path else { continue };
        let Ok(now) = ss(&path) else { continue };
        compared += 1;
        listeners += now.len();
        if compare(&mut c, "", n, &now, false) {
            agree += 1;
        } else {
            eprintln!("differs (changed meanwhile?): {} {:?}", n["label"], n["paths"]);
        }
    }
    eprintln!("listening sockets: {agree}/{compared} namespaces agree with ss ({listeners} listeners)");
    c.ok("every namespace", agree * 10 >= compared * 9, format!("only {agree}/{compared} agree"));
    c.finish("listening_sockets_match_ss_in_every_namespace");
}
