//! The real binary's interactive view in a real terminal (a detached tmux session on a private
//! socket), against the real kernel and Docker engine: it follows a Docker network and a
//! container coming and going, survives a resize to too small and back, and leaves the terminal
//! as it found it on `q` and on SIGTERM.
//!
//! Gated on NETVIEW_LIVE_TESTS=1 (root, Docker, tmux); without it the tests are reported as
//! ignored. Everything it makes is named `nvt-<4 hex of the pid>-t*` and removed by
//! guards, also when the test fails.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::tmux::*;
use support::{Guard, IMAGE, NETVIEW, live, prefix, run};

/// Create `name` with a /24 of 10.170.0.0/16 not used yet; its number.
fn create_network(name: &str) -> (u8, String) {
    let first = (std::process::id() % 256) as u16;
    let mut last_error = String::new();
    for i in 0..32u16 {
        let n = ((first + i * 7) % 256) as u8;
        let subnet = format!("10.170.{n}.0/24");
        match run("docker", &["network", "create", "--driver", "bridge", "--subnet", &subnet, name]) {
            Ok(id) => return (n, id.trim().to_string()),
            Err(e) if e.to_lowercase().contains("overlap") => last_error = e,
            Err(e) => panic!("cannot create the Docker network {name}: {e}"),
        }
    }
    panic!("no free /24 in 10.170.0.0/16 for {name} after 32 tries: {last_error}");
}

/// A running netview in tmux with a fresh Docker network's bridge on screen, filtered on its
/// subnet (so the rows that matter stay on screen whatever else this host has, and the filter
/// opens the tree down to every match).
struct Live {
    tmux: Tmux,
    session: String,
    pid4: String,
    net: String,
    ctr: String,
    bridge: String,
    subnet_prefix: String,
    // Last: removes the container and the network after tmux is gone.
    _cleanup: Guard,
}

const WAIT: Duration = Duration::from_secs(15);

/// `None` (after the skip line) without NETVIEW_LIVE_TESTS=1; with it, everything missing fails.
fn start(test: &str, letter: char) -> Option<Live> {
    if !live(test) {
        return None;
    }
    if let Err(e) = run("tmux", &["-V"]) {
        panic!("{test}: NETVIEW_LIVE_TESTS=1 is set but tmux is missing ({e}): install tmux");
    }
    assert!(Path::new(NETVIEW).is_file(), "{NETVIEW} was not built");
    let p = prefix(letter); // nvt-<pid4>-<letter>
    let cleanup = Guard::new(&p);
    let pid4 = p["nvt-".len()..p.len() - 2].to_string();
    let tmux = Tmux::start(&format!("nvt-{pid4}-{letter}"));
    let session = format!("nvt-{pid4}-{letter}ui");

    // netview starts and draws its panes.
    tmux.new_session(&session);
    tmux.must_wait(&session, "the TUI", WAIT, is_tui);
    assert_eq!(tmux.display(&session, "#{alternate_on}"), "1", "the TUI runs on the alternate screen");

    // A new Docker network: its bridge appears.
    let net = format!("{p}n");
    let (n, id) = create_network(&net);
    let bridge = format!("br-{}", &id[..12]);
    let subnet_prefix = format!("10.170.{n}.");
    tmux.literal(&session, &format!("/{subnet_prefix}"));
    tmux.keys(&session, &["Enter"]);
    tmux.must_wait(&session, "the filter typed and kept (keys lost?)", WAIT, |s| {
        s.contains(&format!("Topology: /{subnet_prefix} "))
    });
    tmux.must_wait(&session, &format!("the bridge {bridge} of {net}"), WAIT, |s| {
        tree_lines(s).iter().any(|l| l.contains(&bridge) && l.contains(&format!("{subnet_prefix}1/24")))
    });
    Some(Live { tmux, session, pid4, net, ctr: format!("{p}c"), bridge, subnet_prefix, _cleanup: cleanup })
}

impl Live {
    /// `docker run` a container on the network; how long after `docker run` returned netview
    /// showed it on the row under the bridge (its port) and the row under that (the container).
    fn run_container(&self) -> Duration {
        must("docker", &["run", "-d", "--name", &self.ctr, "--network", &self.net, IMAGE]);
        let started = Instant::now();
        let port_text = format!("⇄ eth0 @ {}", self.ctr);
        let under_bridge = |s: &str| {
            let lines = tree_lines(s);
            lines.iter().position(|l| l.contains(&self.bridge)).is_some_and(|b| {
                let port = lines.get(b + 1).map_or("", String::as_str);
                let behind = lines.get(b + 2).map_or("", String::as_str);
                port.contains(&port_text) && behind.contains(&self.ctr) && behind.contains(&self.subnet_prefix)
            })
        };
        match self.tmux.wait(&self.session, Duration::from_secs(10), under_bridge) {
            Ok((_, seen)) => seen.duration_since(started),
            Err(screen) => panic!("{} never showed under {}'s port; the pane:\n{screen}", self.ctr, self.bridge),
        }
    }
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn tui_follows_docker_resizes_and_restores_the_terminal() {
    let Some(l) = start("tui_follows_docker_resizes_and_restores_the_terminal", 't') else { return };
    let (tmux, session) = (&l.tmux, l.session.as_str());

    // A container on the network shows under the bridge's port. (How fast is checked by
    // `a_new_container_shows_within_a_second`.)
    let after = l.run_container();
    eprintln!("{} showed under {} {} ms after `docker run` returned", l.ctr, l.bridge, after.as_millis());

    // Removed: it leaves the tree (the status line names it as gone for a while).
    must("docker", &["rm", "-f", &l.ctr]);
    let screen = tmux.must_wait(session, &format!("{} leaving the tree", l.ctr), WAIT, |s| {
        !tree_lines(s).iter().any(|line| line.contains(&l.ctr))
    });
    assert!(tree_lines(&screen).iter().any(|line| line.contains(&l.bridge)), "the bridge stays:\n{screen}");
    assert!(status(&screen).contains("gone: "), "the status line says what went:\n{screen}");

    // Too small, then back.
    tmux.must(&["resize-window", "-t", session, "-x", "40", "-y", "10"]);
    tmux.must_wait(session, "the enlarge message at 40×10", WAIT, |s| {
        s.contains("enlarge") && !s.contains("Topology")
    });
    tmux.must(&["resize-window", "-t", session, "-x", "120", "-y", "40"]);
    // The whole frame, down to the last pane: a capture can land while the redraw is under way.
    tmux.must_wait(session, "the panes back at 120×40", WAIT, |s| {
        is_tui(s)
            && !s.contains("enlarge")
            && s.lines().any(|line| line.chars().count() >= 119 && line.contains("Explanation"))
    });

    // q: the shell is back, the terminal restored.
    tmux.keys(session, &["q"]);
    tmux.expect_clean_exit(session, "after q");

    // SIGTERM: the same, from a second session.
    let session2 = format!("nvt-{}-tus", l.pid4);
    tmux.new_session(&session2);
    tmux.must_wait(&session2, "the second TUI", WAIT, is_tui);
    let shell: u32 = tmux.display(&session2, "#{pane_pid}").parse().expect("pane pid");
    let pid = child_netview(shell).unwrap_or_else(|| panic!("no netview process under the pane's shell {shell}"));
    must("kill", &["-TERM", &pid.to_string()]);
    tmux.expect_clean_exit(&session2, "after SIGTERM");
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn a_new_container_shows_within_a_second() {
    let Some(l) = start("a_new_container_shows_within_a_second", 's') else { return };
    let after = l.run_container();
    assert!(
        after <= Duration::from_secs(1),
        "{} showed under {} {} ms after `docker run`",
        l.ctr,
        l.bridge,
        after.as_millis()
    );
}

#[track_caller]
fn must(prog: &str, args: &[&str]) -> String {
    support::must(prog, args)
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn published_port_counters_move_on_screen() {
    let Some(l) = start("published_port_counters_move_on_screen", 'p') else { return };
    let (tmux, session) = (&l.tmux, l.session.as_str());
    let p = format!("nvt-{}-p", l.pid4);
    // A client namespace on a /30 of our own, and the container's port published on our end.
    let k = std::process::id() % 250;
    let (host_addr, client_addr) = (format!("10.214.{k}.1"), format!("10.214.{k}.2"));
    let (ns, hv, cv) = (format!("{p}cl"), format!("{p}h"), format!("{p}c"));
    must("ip", &["netns", "add", &ns]);
    must("ip", &["link", "add", &hv, "type", "veth", "peer", "name", &cv, "netns", &ns]);
    must("ip", &["addr", "add", &format!("{host_addr}/30"), "dev", &hv]);
    must("ip", &["link", "set", &hv, "up"]);
    must("ip", &["-n", &ns, "addr", "add", &format!("{client_addr}/30"), "dev", &cv]);
    must("ip", &["-n", &ns, "link", "set", &cv, "up"]);
    let publish = format!("{host_addr}::80");
    let args = ["run", "-d", "--name", &l.ctr, "--network", &l.net, "-p", &publish, IMAGE, "httpd", "-f", "-p", "80"];
    must("docker", &args);
    let port = must("docker", &["port", &l.ctr, "80/tcp"]).trim().rsplit(':').next().unwrap_or_default().to_string();
    let row = format!("{host_addr}:{port}/tcp");
    tmux.must_wait(session, &format!("the mapping {row}"), WAIT, |s| tree_lines(s).iter().any(|x| x.contains(&row)));
    // Filter on "<address>:" (only the mapping's row says that) and select the last row.
    tmux.keys(session, &["/", "Escape"]);
    tmux.literal(session, &format!("/{host_addr}:"));
    tmux.keys(session, &["Enter"]);
    tmux.must_wait(session, "the new filter", WAIT, |s| s.contains(&format!("Topology: /{host_addr}: ")));
    tmux.keys(session, &["G"]);
    tmux.must_wait(session, "the mapping's details", WAIT, |s| s.contains("rules that carry it"));
    for _ in 0..5 {
        assert!(
            support::http_from_namespace(&ns, &host_addr, port.parse().unwrap()).starts_with("HTTP/"),
            "busybox httpd behind {host_addr}:{port} did not answer"
        );
    }
    let screen = tmux.must_wait(session, "the DNAT counter and its rate", WAIT, |s| {
        s.lines().any(|line| line.contains("DNAT") && line.contains("[5 pkts") && line.contains("pkt/s"))
    });
    assert!(screen.contains("▲"), "a moving rate is marked:\n{screen}");
    tmux.keys(session, &["q"]);
}

/// A terminal resized every 10 ms for 5 s, down to 20×5 and 1×1 and up to 250×80, with keys
/// between: netview follows, draws the whole frame again at 120×40 and restores the terminal.
#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn a_terminal_resized_every_10_ms() {
    if !live("a_terminal_resized_every_10_ms") {
        return;
    }
    let p = prefix('z');
    let tmux = Tmux::start(&p);
    let session = format!("{p}ui");
    tmux.new_session(&session);
    tmux.must_wait(&session, "the TUI", WAIT, is_tui);
    tmux.must(&["resize-window", "-t", &session, "-x", "20", "-y", "5"]);
    tmux.must_wait(&session, "the enlarge message at 20×5", WAIT, |s| s.contains("enlarge"));

    let sizes = [(20, 5), (1, 1), (59, 15), (60, 16), (250, 80), (80, 24), (61, 17), (120, 40)];
    let keys = ["j", "k", "Tab", "Down", "?", "Escape"];
    let start = Instant::now();
    let mut resizes = 0;
    while start.elapsed() < Duration::from_secs(5) {
        let (w, h) = sizes[resizes % sizes.len()];
        tmux.must(&["resize-window", "-t", &session, "-x", &w.to_string(), "-y", &h.to_string()]);
        if resizes % 7 == 0 {
            tmux.keys(&session, &[keys[resizes / 7 % keys.len()]]);
        }
        resizes += 1;
        // Paced on a 10 ms beat: a slow tmux command does not stretch the next gap.
        let next = start + Duration::from_millis(10) * resizes as u32;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    let storm = start.elapsed();
    tmux.must(&["resize-window", "-t", &session, "-x", "120", "-y", "40"]);
    let settled = Instant::now();
    let whole_frame = |s: &str| {
        is_tui(s)
            && !s.contains("enlarge")
            && !s.contains("Keys")
            && s.lines().any(|line| line.chars().count() >= 119 && line.contains("Explanation"))
    };
    let (screen, at) = match tmux.wait(&session, WAIT, |s| {
        // Esc closes the help overlay if the storm left it open.
        if s.contains(" Keys ") {
            tmux.keys(&session, &["Escape"]);
        }
        whole_frame(s)
    }) {
        Ok(seen) => seen,
        Err(screen) => panic!("no whole frame at 120×40 after {resizes} resizes; the pane:\n{screen}"),
    };
    assert!(!screen.contains("panicked"), "{screen}");
    eprintln!(
        "{resizes} resizes in {} ms ({:.1} ms apart); the whole 120×40 frame {} ms after the last",
        storm.as_millis(),
        storm.as_secs_f64() * 1000.0 / resizes as f64,
        at.duration_since(settled).as_millis()
    );
    assert!(resizes >= 150, "only {resizes} resizes in {storm:?}: tmux too slow to test this");

    tmux.keys(&session, &["q"]);
    tmux.expect_clean_exit(&session, "after q, after the resize storm");
}

/// A Docker API that accepts connections and never answers: the host view shows (a first look
/// without Docker) and the keys work at once, the status line names the Docker problem once the
/// timeout passes, q quits.
#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn a_silent_docker_never_freezes_the_tui() {
    if !live("a_silent_docker_never_freezes_the_tui") {
        return;
    }
    let p = prefix('q');
    let dir = std::env::temp_dir().join(format!("{p}-docker"));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("silent.sock");
    let _ = std::fs::remove_file(&socket);
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    // Accepts and holds every connection without a byte in reply.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming().flatten() {
            held.push(c);
        }
    });
    let tmux = Tmux::start(&p);
    let session = format!("{p}ui");
    let host = format!("unix://{}", socket.display());
    let started = Instant::now();
    tmux.new_session_with(&session, &["--docker-timeout", "3"], &[("DOCKER_HOST", &host)]);
    let (_, drawn) = tmux.wait(&session, WAIT, is_tui).unwrap_or_else(|s| panic!("no TUI; the pane:\n{s}"));
    let first_frame = drawn.duration_since(started);

    // Keys answer while Docker hangs: the help opens and closes.
    let asked = Instant::now();
    tmux.keys(&session, &["?"]);
    let (_, opened) =
        tmux.wait(&session, WAIT, |s| s.contains(" Keys ")).unwrap_or_else(|s| panic!("no help; the pane:\n{s}"));
    let answer = opened.duration_since(asked);
    tmux.keys(&session, &["Escape"]);
    tmux.must_wait(&session, "the help closed", WAIT, |s| !s.contains(" Keys ") && is_tui(s));

    // First "no answer yet", then, once --docker-timeout passed, what went wrong.
    let screen = tmux.must_wait(&session, "the Docker problem on the status line", WAIT, |s| {
        status(s).contains("docker ✗") && !status(s).contains("yet")
    });
    eprintln!(
        "silent Docker: first frame after {} ms, help after {} ms, status: {}",
        first_frame.as_millis(),
        answer.as_millis(),
        status(&screen).trim()
    );
    assert!(first_frame <= Duration::from_secs(2), "the first frame waited {first_frame:?} for Docker");
    assert!(answer <= Duration::from_secs(1), "a key took {answer:?} while Docker hangs");

    let asked = Instant::now();
    tmux.keys(&session, &["q"]);
    tmux.expect_clean_exit(&session, "after q with a silent Docker");
    eprintln!("q quit in {} ms with Docker still silent", asked.elapsed().as_millis());
    let _ = std::fs::remove_dir_all(&dir);
}
