//! The Docker engine stopped and started again (NETVIEW_LIVE_TESTS=1, root, Docker) while the
//! live source and a `--snapshot` loop run: nothing crashes, the source says Docker is gone and
//! keeps the netlink view, and the Docker view returns within 2 s of the engine answering again,
//! with a full read that matches `docker ps`. The real TUI runs through it in tmux: its status
//! line says Docker went and came back, the container stopped with the engine is shown as not
//! running, and a network made after the restart appears (events followed again). A guard starts
//! the engine again whatever happens. The engine it stops is one of the suite's own, isolated in
//! its own namespaces (scripts/test-engine.sh), never the host's.

mod support;

use netview::live::{self, Update};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::*;

/// The suite's own engine (scripts/test-engine.sh) that this test runs beside, never the host's:
/// the pid its harness names, in this very network namespace, with its command line to start it
/// again exactly so. None when it is not running.
fn dockerd() -> Option<(u32, Vec<String>)> {
    let engine = std::env::var("NETVIEW_TEST_ENGINE").ok()?;
    let pid: u32 =
        std::fs::read_to_string(format!("/var/lib/nvt-eng{engine}/dockerd.pid")).ok()?.trim().parse().ok()?;
    let netns = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/net")).ok();
    if netns(&pid.to_string())? != netns("self")? {
        return None;
    }
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let args: Vec<String> =
        raw.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    args.first().is_some_and(|a| a.ends_with("dockerd")).then_some((pid, args))
}

/// The engine this test may stop: one of the suite's own, or none (the test refuses to run).
fn own_engine() -> (u32, Vec<String>) {
    let Ok(engine) = std::env::var("NETVIEW_TEST_ENGINE") else {
        panic!(
            "this test stops and starts a Docker engine, so it runs only on one of the suite's own, \
             never the host's: run the suite with scripts/test.sh (or scripts/test-engine.sh exec 20 cargo test)"
        );
    };
    dockerd().unwrap_or_else(|| panic!("the suite's engine {engine} is not running in this test's namespaces"))
}

fn engine_answers() -> bool {
    exec(Command::new("docker").args(["info", "--format", "{{.ServerVersion}}"]), Duration::from_secs(5))
        .is_ok_and(|o| o.status.success())
}

// The engine must outlive the test: it is started in its own process group and never waited for.
#[allow(clippy::zombie_processes)]
fn start_engine(args: &[String]) {
    use std::os::unix::process::CommandExt;
    let log = std::fs::File::create("/tmp/nvt-dockerd.log").unwrap();
    Command::new(&args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0)
        .spawn()
        .expect("start dockerd");
}

/// Whatever happens, the engine runs again when the test ends.
struct Engine(Vec<String>);

impl Drop for Engine {
    fn drop(&mut self) {
        if !engine_answers() {
            if dockerd().is_none() {
                start_engine(&self.0);
            }
            let until = Instant::now() + Duration::from_secs(60);
            while !engine_answers() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(250));
            }
        }
    }
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn docker_stopped_and_started_again() {
    if !live("docker_stopped_and_started_again") {
        return;
    }
    let (pid, args) = own_engine();
    let p = prefix('r');
    // Declared in this order, the engine is started again before the cleanup needs it.
    let _cleanup = Guard::new(&p);
    let _engine = Engine(args.clone());
    let ui = Ui::start(&p);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (mut rx, ctl) = rt.block_on(async { live::spawn(Default::default(), Duration::from_millis(500)) });
    let recv = |rx: &mut tokio::sync::mpsc::Receiver<Update>, limit: Duration| {
        rt.block_on(async { tokio::time::timeout(limit, rx.recv()).await.ok().flatten() })
    };
    // A first full read with Docker.
    loop {
        match recv(&mut rx, Duration::from_secs(30)).expect("updates") {
            Update::Full { observation, .. } if observation.docker.available => break,
            _ => {}
        }
    }
    // Snapshots keep being taken the whole time.
    let stop = Arc::new(AtomicBool::new(false));
    let loop_stop = stop.clone();
    let snapshots = std::thread::spawn(move || {
        let mut results = Vec::new();
        while !loop_stop.load(Ordering::Relaxed) {
            let out = netview(&["--snapshot", "--json", "--docker-timeout", "2", "--no-firewall"], &[]);
            let docker =
                serde_json::from_str::<serde_json::Value>(&out.stdout).ok().map(|v| v["docker"]["available"] == true);
            results.push((out.status.success() && !out.stderr.contains("panicked"), docker));
        }
        results
    });

    must("kill", &["-TERM", &pid.to_string()]);
    let until = Instant::now() + Duration::from_secs(60);
    while dockerd().is_some_and(|(p, _)| p == pid) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(dockerd().is_none(), "dockerd did not stop");
    // The source says Docker went, and goes on with netlink.
    let mut said_gone = false;
    let mut netlink_while_gone = false;
    let gone_until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < gone_until && !(said_gone && netlink_while_gone) {
        match recv(&mut rx, Duration::from_secs(2)) {
            Some(Update::Docker { available: false, .. }) => said_gone = true,
            Some(Update::Counters { samples, .. }) if said_gone && !samples.is_empty() => netlink_while_gone = true,
            Some(Update::Full { observation, .. }) if said_gone && !observation.namespaces.is_empty() => {
                netlink_while_gone = true
            }
            _ => {}
        }
    }
    assert!(said_gone, "the source never said Docker went away");
    assert!(netlink_while_gone, "the netlink view stopped with Docker");
    eprintln!("while Docker was away the TUI's status line said: {}", ui.sees_docker_gone());

    start_engine(&args);
    let until = Instant::now() + Duration::from_secs(60);
    while !engine_answers() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    let back = Instant::now();
    assert!(engine_answers(), "dockerd did not come back: see /tmp/nvt-dockerd.log");
    // The Docker view returns, with a full read of the engine.
    let mut seen_back = None;
    let mut full_after = None;
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until && full_after.is_none() {
        match recv(&mut rx, Duration::from_secs(2)) {
            Some(Update::Docker { available: true, .. }) if seen_back.is_none() => seen_back = Some(back.elapsed()),
            Some(Update::Full { observation, .. }) if observation.docker.available => {
                seen_back.get_or_insert(back.elapsed());
                full_after = Some(observation);
            }
            _ => {}
        }
    }
    let seen_back = seen_back.expect("the Docker view never came back");
    eprintln!("Docker view back {} ms after the engine answered again", seen_back.as_millis());
    assert!(seen_back <= Duration::from_secs(2), "back after {seen_back:?}");
    let obs = full_after.expect("a full read after Docker returned");
    let mut truth: Vec<String> =
        must("docker", &["ps", "-a", "--format", "{{.Names}}"]).lines().map(str::to_string).collect();
    let mut seen: Vec<String> = obs.docker.containers.iter().map(|c| c.name.clone()).collect();
    truth.sort();
    seen.sort();
    assert_eq!(seen, truth, "nothing stale after the resync");
    let on_screen = ui.sees_docker_back().saturating_duration_since(back);
    eprintln!("the TUI showed Docker back {} ms after the engine answered again", on_screen.as_millis());
    assert!(on_screen <= Duration::from_secs(2), "the TUI showed Docker back after {on_screen:?}");
    ui.sees_the_stopped_container_and_a_new_network();
    ui.quits();

    stop.store(true, Ordering::Relaxed);
    let results = snapshots.join().unwrap();
    assert!(results.iter().all(|(ok, _)| *ok), "a snapshot failed or panicked: {results:?}");
    assert!(results.iter().any(|(_, d)| *d == Some(false)), "some snapshot ran while Docker was away: {results:?}");
    eprintln!("{} snapshots during the restart, all exit 0", results.len());
    let _ = ctl.send(live::Control::Quit);
    drop(rx);
    rt.shutdown_timeout(Duration::from_secs(2));
}

/// The real TUI in tmux, filtered on the test network's subnet: its bridge and a container.
struct Ui {
    tmux: tmux::Tmux,
    session: String,
    prefix: String,
    subnet_prefix: String,
    net: String,
    ctr: String,
    later_net: String,
}

const WAIT: Duration = Duration::from_secs(15);

fn docker_status(screen: &str) -> Option<bool> {
    let status = tmux::status(screen);
    if status.contains("docker ✓") {
        Some(true)
    } else if status.contains("docker ✗") {
        Some(false)
    } else {
        None
    }
}

impl Ui {
    fn start(p: &str) -> Ui {
        let (net, ctr) = (format!("{p}n"), format!("{p}c"));
        let subnet = create_network(&net, std::process::id() as usize, false, &[]);
        run_d(&["--name", &ctr, "--network", &net, IMAGE]);
        let tmux = tmux::Tmux::start(p);
        let session = format!("{p}ui");
        tmux.new_session(&session);
        tmux.must_wait(&session, "the TUI", WAIT, tmux::is_tui);
        // Filtered on the subnet: the bridge (its address, known to netlink) and the container.
        let subnet_prefix = subnet.rsplit_once(".0/").map_or(subnet.as_str(), |(net, _)| net).to_string() + ".";
        tmux.literal(&session, &format!("/{subnet_prefix}"));
        tmux.keys(&session, &["Enter"]);
        let port = format!("⇄ eth0 @ {ctr}");
        tmux.must_wait(&session, "the container on its bridge, Docker up", WAIT, |s| {
            tmux::tree_lines(s).iter().any(|l| l.contains(&port)) && docker_status(s) == Some(true)
        });
        Ui { tmux, session, prefix: p.to_string(), subnet_prefix, net, ctr, later_net: format!("{p}m") }
    }

    /// The status line says Docker went (what it says is returned); the bridge stays on screen
    /// (the netlink view).
    fn sees_docker_gone(&self) -> String {
        let bridge = format!("{}1/24", self.subnet_prefix);
        let screen = self.tmux.must_wait(&self.session, "Docker gone, the bridge still shown", WAIT, |s| {
            docker_status(s) == Some(false) && tmux::tree_lines(s).iter().any(|l| l.contains(&bridge))
        });
        assert!(!screen.contains("panicked"), "{screen}");
        let status = tmux::status(&screen);
        status.split(" │").next().unwrap_or(status).trim().to_string()
    }

    fn sees_docker_back(&self) -> Instant {
        match self.tmux.wait(&self.session, WAIT, |s| docker_status(s) == Some(true)) {
            Ok((_, at)) => at,
            Err(screen) => panic!("the TUI never showed Docker back; the pane:\n{screen}"),
        }
    }

    /// Nothing stale: the container the engine stopped is no longer behind a bridge port but in
    /// the not-running group, and a network made now shows (the event stream was joined again).
    fn sees_the_stopped_container_and_a_new_network(&self) {
        let port = format!("⇄ eth0 @ {}", self.ctr);
        // A stopped container has no address: filter on the test's names instead.
        self.tmux.keys(&self.session, &["Escape"]);
        self.tmux.must_wait(&self.session, "the filter cleared", WAIT, |s| !s.contains("Topology: /"));
        self.tmux.literal(&self.session, &format!("/{}", self.prefix));
        self.tmux.keys(&self.session, &["Enter"]);
        self.tmux.must_wait(&self.session, "the stopped container as not running", WAIT, |s| {
            let lines = tmux::tree_lines(s);
            let group = lines.iter().position(|l| l.contains("not running"));
            !lines.iter().any(|l| l.contains(&port))
                && group.is_some_and(|g| lines[g..].iter().any(|l| l.contains(&self.ctr)))
        });
        create_network(&self.later_net, std::process::id() as usize + 1, false, &[]);
        let screen = self.tmux.must_wait(&self.session, "the network made after the restart", WAIT, |s| {
            tmux::tree_lines(s).iter().any(|l| l.contains(&self.later_net))
        });
        assert!(tmux::tree_lines(&screen).iter().any(|l| l.contains(&self.net)), "{screen}");
    }

    fn quits(&self) {
        self.tmux.keys(&self.session, &["q"]);
        self.tmux.expect_clean_exit(&self.session, "after q");
    }
}
