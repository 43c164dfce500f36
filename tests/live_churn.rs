//! Churn (NETVIEW_LIVE_TESTS=1, root, Docker): while the live source runs, the test creates and
//! destroys 200 namespaces (with veths), Docker networks and containers in quick succession. The
//! source must keep delivering, its final picture must match the host exactly, and it must not
//! leak file descriptors or namespace handles (an open handle keeps a dead namespace alive).

mod support;

use netview::live::{self, Update};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use support::*;

/// Open descriptors of this process, and how many of them hold a network namespace.
fn fds() -> (usize, usize) {
    let mut all = 0;
    let mut ns = 0;
    for e in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        all += 1;
        if std::fs::read_link(e.path()).is_ok_and(|t| t.to_string_lossy().starts_with("net:[")) {
            ns += 1;
        }
    }
    (all, ns)
}

fn names_with(prefix: &str, out: &str) -> BTreeSet<String> {
    out.lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn churn_leaves_no_leak_and_an_exact_picture() {
    if !live("churn_leaves_no_leak_and_an_exact_picture") {
        return;
    }
    let p = prefix('c');
    let _guard = Guard::new(&p);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (mut rx, ctl) = rt.block_on(async { live::spawn(Default::default(), Duration::from_millis(500)) });
    let next_full = |rx: &mut tokio::sync::mpsc::Receiver<Update>, after: Instant, limit: Duration| {
        rt.block_on(async {
            let deadline = tokio::time::Instant::now() + limit;
            loop {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(Update::Full { observation, sampled_at, .. })) if sampled_at >= after => {
                        return Some(observation);
                    }
                    Ok(Some(_)) => continue,
                    Ok(None) | Err(_) => return None,
                }
            }
        })
    };
    next_full(&mut rx, Instant::now() - Duration::from_secs(60), Duration::from_secs(30)).expect("a first read");
    let before = fds();

    // 200 objects made and removed: 120 namespaces with a veth each, 40 networks, 40 containers.
    let mut made = 0;
    for i in 0..40 {
        for j in 0..3 {
            let ns = format!("{p}{i}n{j}");
            must("ip", &["netns", "add", &ns]);
            let (a, b) = (format!("{p}{i}a{j}"), format!("{p}{i}b{j}"));
            must("ip", &["link", "add", &a, "type", "veth", "peer", "name", &b, "netns", &ns]);
            made += 1;
        }
        let net = format!("{p}{i}net");
        let _ = run("docker", &["network", "create", &net]);
        let _ = run("docker", &["run", "-d", "--name", &format!("{p}{i}ctr"), "--network", &net, IMAGE, "sleep", "60"]);
        made += 2;
        if i % 2 == 1 {
            // Tear down the previous round while this one still stands.
            let k = i - 1;
            let _ = run("docker", &["rm", "-f", &format!("{p}{k}ctr")]);
            let _ = run("docker", &["network", "rm", &format!("{p}{k}net")]);
            for j in 0..3 {
                let _ = run("ip", &["netns", "del", &format!("{p}{k}n{j}")]);
            }
        }
    }
    assert_eq!(made, 200);
    // What stays: the odd rounds' objects. Remove all but the last round, leave that one standing.
    for i in (1..39).step_by(2) {
        let _ = run("docker", &["rm", "-f", &format!("{p}{i}ctr")]);
        let _ = run("docker", &["network", "rm", &format!("{p}{i}net")]);
        for j in 0..3 {
            let _ = run("ip", &["netns", "del", &format!("{p}{i}n{j}")]);
        }
    }
    let settled = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    let after_churn = Instant::now();
    let obs =
        next_full(&mut rx, after_churn, Duration::from_secs(40)).expect("the source still delivers after the churn");
    let t = netview::model::build(&obs);

    // The picture is exact: our namespaces, networks and containers, no more, no less.
    let truth_ns = names_with(&p, &must("ip", &["netns", "list"]));
    let seen_ns: BTreeSet<String> = t
        .namespaces
        .iter()
        .flat_map(|n| n.paths.iter())
        .filter_map(|p| p.strip_prefix("/run/netns/"))
        .filter(|n| n.starts_with(&p))
        .map(str::to_string)
        .collect();
    assert_eq!(seen_ns, truth_ns, "named namespaces");
    assert_eq!(truth_ns.len(), 3, "the last round stands: {truth_ns:?}");
    let truth_nets = names_with(&p, &must("docker", &["network", "ls", "--format", "{{.Name}}"]));
    let seen_nets: BTreeSet<String> =
        t.docker.networks.iter().map(|n| n.name.clone()).filter(|n| n.starts_with(&p)).collect();
    assert_eq!(seen_nets, truth_nets, "Docker networks");
    let truth_ctrs = names_with(&p, &must("docker", &["ps", "-a", "--format", "{{.Names}}"]));
    let seen_ctrs: BTreeSet<String> =
        t.docker.containers.iter().map(|c| c.name.clone()).filter(|n| n.starts_with(&p)).collect();
    assert_eq!(seen_ctrs, truth_ctrs, "containers");
    let host_links: BTreeSet<String> =
        t.host_namespace().unwrap().interfaces.iter().map(|i| i.name.clone()).filter(|n| n.starts_with(&p)).collect();
    let truth_links: BTreeSet<String> = must("ip", &["-br", "link"])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .filter(|n| n.starts_with(&p))
        .collect();
    assert_eq!(host_links, truth_links, "host links");

    // No descriptor or namespace handle outlives the churn. A read in flight holds a namespace
    // for a moment (longer on a busy host, with more namespaces to read): a leak is a handle that
    // stays, so look for a moment within 3 s where none is held beyond the start.
    let until = Instant::now() + Duration::from_secs(3);
    let mut after = fds();
    while (after.1 > before.1 || after.0 > before.0 + 2) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
        after = fds();
    }
    eprintln!("fds before {before:?}, after {after:?}; picture {:?} after the churn settled", after_churn - settled);
    assert_eq!(after.1, before.1, "namespace handles still open");
    assert!(after.0 <= before.0 + 2, "descriptors leaked: {before:?} -> {after:?}");
    let _ = ctl.send(live::Control::Quit);
    drop(rx);
    rt.shutdown_timeout(Duration::from_secs(2));
}
