//! The real binary's interactive view in a real terminal (a detached tmux session on a private
//! socket), against the real kernel and Docker engine: it follows a Docker network and a
//! container coming and going, survives a resize to too small and back, and leaves the terminal
//! as it found it on `q` and on SIGTERM.
//!
//! Gated on NETVIEW_LIVE_TESTS=1 (root, Docker, tmux); without it the test prints a `skipped:`
//! line and passes. Everything it makes is named `nvt-<4 hex of the pid>-t*` and removed by
//! guards, also when the test fails.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Guard, IMAGE, NETVIEW, exec, live, prefix, run};

const CMD_TIMEOUT: Duration = Duration::from_secs(30);
/// What the shell in the tmux pane runs: netview, then a marker with its exit status and the
/// terminal's line settings (raw mode must be off again), then it waits to be looked at.
/// netview's path arrives as `$0`: nothing is interpolated into the script.
const SCRIPT: &str = r#""$0"; echo "NETVIEW-EXITED $?"; stty -a; sleep 60"#;

/// A tmux server on a private socket; killed (with every session on it) when dropped.
struct Tmux {
    socket: String,
    /// The socket file, known once the server runs; tmux leaves it behind when killed.
    socket_path: std::cell::RefCell<Option<String>>,
}

impl Tmux {
    fn start(socket: &str) -> Tmux {
        let t = Tmux { socket: socket.to_string(), socket_path: Default::default() };
        // Leftovers of an earlier run with the same pid.
        let _ = t.run(&["kill-server"]);
        t
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-L").arg(&self.socket).args(args);
        // The server (started by the first command) passes its environment to the panes.
        cmd.env_remove("NO_COLOR").env_remove("DOCKER_HOST").env_remove("TMUX").env("LANG", "C.UTF-8");
        cmd
    }

    fn run(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = self.command(args);
        let out = exec(&mut cmd, CMD_TIMEOUT)?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(format!("`tmux -L {} {}` failed ({}): {}", self.socket, args.join(" "), out.status, out.stderr.trim()))
        }
    }

    #[track_caller]
    fn must(&self, args: &[&str]) -> String {
        self.run(args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A detached 120×40 session running netview under `SCRIPT`.
    fn new_session(&self, session: &str) {
        self.must(&["new-session", "-d", "-x", "120", "-y", "40", "-s", session, "sh", "-c", SCRIPT, NETVIEW]);
        let size = self.display(session, "#{window_width}x#{window_height}");
        assert_eq!(size, "120x40", "the session's size");
        let path = self.display(session, "#{socket_path}");
        if path.ends_with(&format!("/{}", self.socket)) {
            *self.socket_path.borrow_mut() = Some(path);
        }
    }

    fn capture(&self, session: &str) -> String {
        self.run(&["capture-pane", "-p", "-t", session]).unwrap_or_else(|e| format!("(capture failed: {e})"))
    }

    fn display(&self, session: &str, format: &str) -> String {
        self.must(&["display-message", "-p", "-t", session, format]).trim().to_string()
    }

    fn keys(&self, session: &str, keys: &[&str]) {
        let mut a = vec!["send-keys", "-t", session];
        a.extend_from_slice(keys);
        self.must(&a);
    }

    fn literal(&self, session: &str, text: &str) {
        self.must(&["send-keys", "-t", session, "-l", text]);
    }

    /// Poll the pane until `ok` holds; the capture that satisfied it and when.
    fn wait(&self, session: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> Result<(String, Instant), String> {
        let start = Instant::now();
        loop {
            let screen = self.capture(session);
            if ok(&screen) {
                return Ok((screen, Instant::now()));
            }
            if start.elapsed() > timeout {
                return Err(screen);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[track_caller]
    fn must_wait(&self, session: &str, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        match self.wait(session, timeout, ok) {
            Ok((screen, _)) => screen,
            Err(screen) => panic!("{what}: not seen within {} s; the pane shows:\n{screen}", timeout.as_secs_f32()),
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        if let Some(path) = self.socket_path.borrow().as_deref() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The tree pane's part of each line above the status line: up to its right border (the tree
/// has the focus, so its borders are the thick `┃`), so text in the other panes never counts.
fn tree_lines(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let n = lines.iter().rposition(|l| !l.trim().is_empty()).unwrap_or(0);
    lines[..n]
        .iter()
        .map(|l| {
            let mut borders = 0;
            l.chars()
                .take_while(|&c| {
                    borders += usize::from(c == '┃' || c == '┓' || c == '┛');
                    borders < 2
                })
                .collect()
        })
        .collect()
}

fn status(screen: &str) -> &str {
    screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

fn is_tui(screen: &str) -> bool {
    screen.contains("Topology") && screen.contains("Details") && screen.contains("host ")
}

/// The pid of the `netview` process whose parent is `parent`.
fn child_netview(parent: u32) -> Option<u32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let comm = &stat[open + 1..close];
        let ppid = stat[close + 1..].split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(parent) && comm == "netview" {
            return Some(pid);
        }
    }
    None
}

/// The terminal is as a shell expects it: main screen, cursor shown, no mouse reporting, and
/// (from `stty -a` after netview) canonical mode and echo on.
#[track_caller]
fn assert_restored(tmux: &Tmux, session: &str, screen: &str, how: &str) {
    let flags = tmux
        .display(session, "#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_button_flag} #{mouse_sgr_flag}");
    assert_eq!(
        flags, "0 1 0 0 0",
        "{how}: alternate screen, cursor, mouse modes after netview exited; the pane:\n{screen}"
    );
    let words: Vec<&str> = screen.split_whitespace().collect();
    for mode in ["icanon", "echo", "isig", "opost"] {
        assert!(words.contains(&mode), "{how}: `stty -a` shows {mode} off (raw mode left on?):\n{screen}");
    }
    assert!(!screen.contains("panicked"), "{how}: netview panicked:\n{screen}");
}

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
    let screen =
        tmux.must_wait(session, "the shell after q", WAIT, |s| s.contains("NETVIEW-EXITED") && s.contains("icanon"));
    assert!(screen.contains("NETVIEW-EXITED 0"), "exit status 0 after q:\n{screen}");
    assert_restored(tmux, session, &screen, "after q");

    // SIGTERM: the same, from a second session.
    let session2 = format!("nvt-{}-tus", l.pid4);
    tmux.new_session(&session2);
    tmux.must_wait(&session2, "the second TUI", WAIT, is_tui);
    let shell: u32 = tmux.display(&session2, "#{pane_pid}").parse().expect("pane pid");
    let pid = child_netview(shell).unwrap_or_else(|| panic!("no netview process under the pane's shell {shell}"));
    must("kill", &["-TERM", &pid.to_string()]);
    let screen = tmux.must_wait(&session2, "the shell after SIGTERM", WAIT, |s| {
        s.contains("NETVIEW-EXITED") && s.contains("icanon")
    });
    assert!(screen.contains("NETVIEW-EXITED 0"), "exit status 0 after SIGTERM:\n{screen}");
    assert_restored(tmux, &session2, &screen, "after SIGTERM");
}

#[test]
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
