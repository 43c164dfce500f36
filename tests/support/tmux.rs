//! A real terminal for the TUI tests: a tmux server on a private socket, sessions running the
//! real binary, captures of the pane, and the checks that the terminal was left as found.

use super::{NETVIEW, exec};
use std::process::Command;
use std::time::{Duration, Instant};

const CMD_TIMEOUT: Duration = Duration::from_secs(30);
/// What the shell in the tmux pane runs: netview, then a marker with its exit status and the
/// terminal's line settings (raw mode must be off again), then it waits to be looked at.
/// netview's path arrives as `$0`, its arguments as `$@`: nothing is interpolated into the script.
const SCRIPT: &str = r#""$0" "$@"; echo "NETVIEW-EXITED $?"; stty -a; sleep 60"#;

/// A tmux server on a private socket; killed (with every session on it) when dropped.
pub struct Tmux {
    socket: String,
    /// The socket file, known once the server runs; tmux leaves it behind when killed.
    socket_path: std::cell::RefCell<Option<String>>,
}

impl Tmux {
    pub fn start(socket: &str) -> Tmux {
        let t = Tmux { socket: socket.to_string(), socket_path: Default::default() };
        // Leftovers of an earlier run with the same pid.
        let _ = t.run(&["kill-server"]);
        t
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-L").arg(&self.socket).args(args);
        // The server (started by the first command) passes its environment to the panes.
        cmd.env_remove("NO_COLOR").env_remove("DOCKER_HOST").env_remove("TMUX").env("LANG", "C.UTF-8");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = self.command(args);
        let out = exec(&mut cmd, CMD_TIMEOUT)?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(format!("`tmux -L {} {}` failed ({}): {}", self.socket, args.join(" "), out.status, out.stderr.trim()))
        }
    }

    #[track_caller]
    pub fn must(&self, args: &[&str]) -> String {
        self.run(args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A detached 120×40 session running netview under `SCRIPT`.
    pub fn new_session(&self, session: &str) {
        self.new_session_with(session, &[], &[]);
    }

    /// A detached 120×40 session running `netview <args>` under `SCRIPT`, with `env` set for it.
    pub fn new_session_with(&self, session: &str, args: &[&str], env: &[(&str, &str)]) {
        let vars: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut a = vec!["new-session", "-d", "-x", "120", "-y", "40", "-s", session];
        for v in &vars {
            a.extend(["-e", v.as_str()]);
        }
        a.extend(["sh", "-c", SCRIPT, NETVIEW]);
        a.extend_from_slice(args);
        self.must(&a);
        let size = self.display(session, "#{window_width}x#{window_height}");
        assert_eq!(size, "120x40", "the session's size");
        let path = self.display(session, "#{socket_path}");
        if path.ends_with(&format!("/{}", self.socket)) {
            *self.socket_path.borrow_mut() = Some(path);
        }
    }

    pub fn capture(&self, session: &str) -> String {
        self.run(&["capture-pane", "-p", "-t", session]).unwrap_or_else(|e| format!("(capture failed: {e})"))
    }

    pub fn display(&self, session: &str, format: &str) -> String {
        self.must(&["display-message", "-p", "-t", session, format]).trim().to_string()
    }

    /// Send keys. An Escape goes by itself and is given time to be read alone: a terminal
    /// program that reads Escape and the next key together sees Alt+key (seen on a busy host:
    /// Escape then `/` became Alt+/ and the old filter stayed).
    pub fn keys(&self, session: &str, keys: &[&str]) {
        for chunk in keys.split_inclusive(|k| *k == "Escape") {
            let mut a = vec!["send-keys", "-t", session];
            a.extend_from_slice(chunk);
            self.must(&a);
            if chunk.last() == Some(&"Escape") {
                std::thread::sleep(Duration::from_millis(150));
            }
        }
    }

    pub fn literal(&self, session: &str, text: &str) {
        self.must(&["send-keys", "-t", session, "-l", text]);
    }

    /// Poll the pane until `ok` holds; the capture that satisfied it and when.
    pub fn wait(
        &self,
        session: &str,
        timeout: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> Result<(String, Instant), String> {
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

    /// netview has ended (after `q` or a signal): the shell is back, netview exited 0 and the
    /// terminal is as a shell expects it. The pane, for more checks.
    #[track_caller]
    pub fn expect_clean_exit(&self, session: &str, how: &str) -> String {
        let screen = self.must_wait(session, &format!("the shell {how}"), Duration::from_secs(15), |s| {
            s.contains("NETVIEW-EXITED") && s.contains("icanon")
        });
        assert!(screen.contains("NETVIEW-EXITED 0"), "exit status 0 {how}:\n{screen}");
        assert_restored(self, session, &screen, how);
        screen
    }

    #[track_caller]
    pub fn must_wait(&self, session: &str, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
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
pub fn tree_lines(screen: &str) -> Vec<String> {
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

pub fn status(screen: &str) -> &str {
    screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

pub fn is_tui(screen: &str) -> bool {
    screen.contains("Topology") && screen.contains("Details") && screen.contains("host ")
}

/// The pid of the `netview` process whose parent is `parent`.
pub fn child_netview(parent: u32) -> Option<u32> {
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
pub fn assert_restored(tmux: &Tmux, session: &str, screen: &str, how: &str) {
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
