//! Live test of the live source (`netview::live`, issue 3): the first full read, a new veth pair
//! on screen within 1 s, counter ticks with the host's `lo`, a watched namespace's counters,
//! pause, the Docker engine going away and coming back (through a proxy socket this test stops
//! and restarts, so the real engine is never touched), and the tasks ending.
//!
//! Runs only with NETVIEW_LIVE_TESTS=1, as root:
//!     NETVIEW_LIVE_TESTS=1 cargo test --test live_source -- --nocapture
//! One test function on purpose: it points DOCKER_HOST at its proxy for the whole process.

mod support;

use netview::collect::Options;
use netview::live::{self, Control, IfKey, Update};
use netview::model::{NamespaceObs, Observation, Stats};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::Receiver;

const INTERVAL: Duration = Duration::from_millis(250);

// ---------------------------------------------------------------------------------------------
// A Docker engine that can be stopped: a unix-socket proxy to the real one.

struct Proxy {
    path: PathBuf,
    upstream: PathBuf,
    running: Option<Running>,
}

/// The stop flag, the open connections (both ends) and the accept loop.
type Running = (Arc<AtomicBool>, Arc<Mutex<Vec<UnixStream>>>, std::thread::JoinHandle<()>);

impl Proxy {
    fn new(path: PathBuf, upstream: PathBuf) -> Proxy {
        let mut p = Proxy { path, upstream, running: None };
        p.start();
        p
    }

    fn start(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let listener = UnixListener::bind(&self.path).expect("bind the proxy socket");
        let stop = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<UnixStream>>> = Arc::default();
        let (stop2, conns2, upstream) = (stop.clone(), conns.clone(), self.upstream.clone());
        let accept = std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = UnixStream::connect(&upstream) else { continue };
                let pipe = |mut from: UnixStream, mut to: UnixStream| {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                };
                if let (Ok(c2), Ok(s2), Ok(c3), Ok(s3)) =
                    (client.try_clone(), server.try_clone(), client.try_clone(), server.try_clone())
                {
                    conns2.lock().unwrap().extend([c3, s3]);
                    pipe(c2, server);
                    pipe(s2, client);
                }
            }
        });
        self.running = Some((stop, conns, accept));
    }

    /// Like an engine that stopped: the socket file goes and open connections are cut.
    fn stop(&mut self) {
        let Some((stop, conns, accept)) = self.running.take() else { return };
        stop.store(true, Ordering::SeqCst);
        let _ = UnixStream::connect(&self.path); // wake the accept loop
        let _ = accept.join();
        let _ = std::fs::remove_file(&self.path);
        for c in conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// The first update within `within` that `f` maps to Some; the others are passed over.
async fn wait_for<T>(rx: &mut Receiver<Update>, within: Duration, mut f: impl FnMut(Update) -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let u = tokio::time::timeout_at(deadline, rx.recv()).await.ok()??;
        if let Some(t) = f(u) {
            return Some(t);
        }
    }
}

fn host(o: &Observation) -> &NamespaceObs {
    o.namespaces.iter().find(|n| n.is_host()).expect("a host namespace")
}

fn has_link(ns: &NamespaceObs, name: &str) -> bool {
    ns.links.iter().any(|l| l.name == name)
}

fn full(u: Update) -> Option<(Box<Observation>, String)> {
    match u {
        Update::Full { observation, reason, .. } => Some((observation, reason)),
        _ => None,
    }
}

fn counters(u: Update) -> Option<(Vec<(IfKey, Stats)>, Instant)> {
    match u {
        Update::Counters { samples, sampled_at } => Some((samples, sampled_at)),
        _ => None,
    }
}

fn has_key(samples: &[(IfKey, Stats)], key: IfKey) -> bool {
    samples.iter().any(|(k, _)| *k == key)
}

// ---------------------------------------------------------------------------------------------

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn live_source_follows_the_host() {
    if !support::live("live_source_follows_the_host") {
        return;
    }
    let p = support::prefix('l');
    let _guard = support::Guard::new(&p);
    let upstream = std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"));
    let docker_host = std::env::var("DOCKER_HOST").ok();
    let mut proxy = Proxy::new(std::env::temp_dir().join(format!("{p}-docker.sock")), upstream);
    // SAFETY: set before the runtime and the source start, while no other thread reads the
    // environment (this binary has this one test).
    unsafe { std::env::set_var("DOCKER_HOST", format!("unix://{}", proxy.path.display())) };

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let (mut rx, ctl) = live::spawn(Options::default(), INTERVAL);

        // 1. The first full read.
        let (first, reason) = wait_for(&mut rx, Duration::from_secs(15), full).await.expect("a first full read");
        assert_eq!(reason, "start");
        assert!(first.docker.available, "Docker through the proxy: {:?}", first.docker.error);
        let host_inode = host(&first).id.inode;
        let lo = host(&first).links.iter().find(|l| l.name == "lo").expect("host lo").ifindex;

        // 2. A new veth pair in the host namespace is in a full read within 1 s.
        let (l0, l1, ns) = (format!("{p}0"), format!("{p}1"), format!("{p}n"));
        let made = Instant::now();
        support::must("ip", &["link", "add", &l0, "type", "veth", "peer", "name", &l1]);
        let (seen, reason) = wait_for(&mut rx, Duration::from_secs(3), |u| {
            full(u).filter(|(o, _)| has_link(host(o), &l0) && has_link(host(o), &l1))
        })
        .await
        .expect("a full read with the new veth pair");
        let latency = made.elapsed();
        eprintln!("veth pair seen after {latency:?} ({reason})");
        assert!(latency < Duration::from_secs(1), "the veth pair took {latency:?} to show (reason {reason})");
        assert!(reason.contains("netlink"), "{reason}");
        drop(seen);

        // 3. Counters about once per interval, each with the host's lo.
        let start = Instant::now();
        let mut ticks = Vec::new();
        while start.elapsed() < INTERVAL * 6 {
            if let Some((samples, at)) = wait_for(&mut rx, INTERVAL * 3, counters).await {
                assert!(has_key(&samples, (host_inode, lo)), "no host lo in {} samples", samples.len());
                ticks.push(at);
            }
        }
        eprintln!("{} counter samples in {:?}", ticks.len(), start.elapsed());
        assert!((4..=8).contains(&ticks.len()), "{} samples in {:?}", ticks.len(), start.elapsed());
        for w in ticks.windows(2) {
            let gap = w[1] - w[0];
            assert!(gap > INTERVAL / 2 && gap < INTERVAL * 2, "a gap of {gap:?} between samples");
        }

        // 4. A watched namespace's counters come with the host's.
        support::must("ip", &["netns", "add", &ns]);
        support::must("ip", &["link", "set", &l1, "netns", &ns]);
        let (o, _) = wait_for(&mut rx, Duration::from_secs(3), |u| {
            full(u).filter(|(o, _)| {
                !has_link(host(o), &l1)
                    && o.namespaces.iter().any(|n| n.paths.iter().any(|x| x.ends_with(&ns)) && has_link(n, &l1))
            })
        })
        .await
        .expect("a full read with the veth end moved to the namespace");
        let moved = o.namespaces.iter().find(|n| n.paths.iter().any(|x| x.ends_with(&ns))).unwrap();
        let key = (moved.id.inode, moved.links.iter().find(|l| l.name == l1).unwrap().ifindex);
        ctl.send(Control::Watch(vec![key.0])).unwrap();
        wait_for(&mut rx, Duration::from_secs(2), |u| counters(u).filter(|(s, _)| has_key(s, key)))
            .await
            .expect("counters of the watched namespace");

        // 5. Pause stops the ticks, resume brings them back.
        ctl.send(Control::Pause(true)).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        while rx.try_recv().is_ok() {}
        assert!(wait_for(&mut rx, INTERVAL * 3, counters).await.is_none(), "counters while paused");
        ctl.send(Control::Pause(false)).unwrap();
        wait_for(&mut rx, INTERVAL * 2, counters).await.expect("counters after resuming");

        // 6. The engine goes away: one Docker update saying so; it comes back: noticed within 2 s,
        //    then a full read.
        proxy.stop();
        let error = wait_for(&mut rx, Duration::from_secs(2), |u| match u {
            Update::Docker { available: false, error } => Some(error),
            _ => None,
        })
        .await
        .expect("Docker reported gone");
        eprintln!("docker gone: {error:?}");
        assert!(error.is_some_and(|e| !e.is_empty()));
        let again = wait_for(&mut rx, Duration::from_millis(1500), |u| match u {
            Update::Docker { available: false, .. } => Some(()),
            _ => None,
        })
        .await;
        assert!(again.is_none(), "Docker reported gone twice");
        proxy.start();
        let back = Instant::now();
        wait_for(&mut rx, Duration::from_secs(2), |u| match u {
            Update::Docker { available: true, .. } => Some(()),
            _ => None,
        })
        .await
        .expect("Docker noticed back within 2 s");
        eprintln!("docker back noticed after {:?}", back.elapsed());
        let (o, reason) = wait_for(&mut rx, Duration::from_secs(5), |u| full(u).filter(|(o, _)| o.docker.available))
            .await
            .expect("a full read once Docker is back");
        assert!(reason.contains("docker back"), "{reason}");
        drop(o);

        // 7. Quit ends everything; so does dropping the receiver.
        ctl.send(Control::Quit).unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(2), async { while rx.recv().await.is_some() {} }).await;
        assert!(ended.is_ok(), "the source did not end after Quit");
        assert!(ctl.is_closed());
        let (rx2, ctl2) = live::spawn(Options { docker: false, ..Options::default() }, INTERVAL);
        drop(rx2);
        let ended = tokio::time::timeout(Duration::from_secs(2), async {
            while !ctl2.is_closed() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert!(ended.is_ok(), "the source did not end when its receiver was dropped");
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
    // SAFETY: the runtime is gone; no other thread reads the environment.
    match docker_host {
        Some(h) => unsafe { std::env::set_var("DOCKER_HOST", h) },
        None => unsafe { std::env::remove_var("DOCKER_HOST") },
    }
}
