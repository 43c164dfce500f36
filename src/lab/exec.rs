//! Running `ip` as an argument vector with a time limit, and reading back what exists:
//! `ip netns list`, `ip -j link` (on the host or inside one namespace), `ip -j -4 route`.

use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// No `ip` call the labs make should take more than a moment; a hung one is killed after this.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(15);

/// What a finished command said.
#[derive(Debug)]
pub(crate) struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The first line of stderr, trimmed: the part of an iproute2 error worth showing.
    pub fn reason(&self) -> String {
        let line = self.stderr.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
        if line.is_empty() { "no error message".to_string() } else { line.to_string() }
    }
}

/// Run `program args...` to its end (stdin closed, LC_ALL=C), killing it after `timeout`.
/// Err only when it could not start or did not finish in time; a non-zero exit is an Output.
pub(crate) fn exec(program: &str, args: &[&str], timeout: Duration) -> Result<Output, String> {
    let path = find_program(program).ok_or_else(|| format!("`{program}` was not found (install iproute2)"))?;
    let mut child = Command::new(path)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("`{program}` could not run: {e}"))?;
    // Read both pipes on their own threads so a chatty command cannot block on a full pipe.
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let mut bytes = Vec::new();
                let _ = p.read_to_end(&mut bytes);
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            text
        })
    };
    let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`{program} {}` took longer than {timeout:?} and was stopped", args.join(" ")));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("waiting for `{program}` failed: {e}")),
        }
    };
    Ok(Output {
        success: status.success(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// `ip args...` with the standard time limit.
pub(crate) fn ip(args: &[&str]) -> Result<Output, String> {
    exec("ip", args, TIMEOUT)
}

/// `ip args...` that must succeed; its stdout, or why not.
pub(crate) fn ip_ok(args: &[&str]) -> Result<String, String> {
    let out = ip(args)?;
    if out.success { Ok(out.stdout) } else { Err(format!("`ip {}` failed: {}", args.join(" "), out.reason())) }
}

/// Look the tool up on PATH and in the sbin directories a non-login shell's PATH may lack.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Names from `ip netns list` ("nvlab-c1 (id: 3)" -> "nvlab-c1").
pub(crate) fn netns_names() -> Result<Vec<String>, String> {
    let text = ip_ok(&["netns", "list"])?;
    Ok(text.lines().filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect())
}

/// Link names from `ip -j link`, on the host (`ns` None) or inside a named namespace.
pub(crate) fn link_names(ns: Option<&str>) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    if let Some(ns) = ns {
        args.extend(["-n", ns]);
    }
    args.extend(["-j", "link", "show"]);
    let text = ip_ok(&args)?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("`ip {}` printed no JSON: {e}", args.join(" ")))?;
    Ok(json
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["ifname"].as_str())
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .collect())
}

/// IPv4 routes of the host's main table as (destination prefix, device); `default` is left out.
pub(crate) fn host_routes() -> Result<Vec<(String, String)>, String> {
    let text = ip_ok(&["-j", "-4", "route", "show"])?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("`ip -j -4 route show` printed no JSON: {e}"))?;
    Ok(json
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let dst = r["dst"].as_str()?;
            (dst != "default").then(|| (dst.to_string(), r["dev"].as_str().unwrap_or("").to_string()))
        })
        .collect())
}

/// Process ids still inside a named namespace (`ip netns pids`), best effort.
pub(crate) fn netns_pids(ns: &str) -> Vec<String> {
    ip_ok(&["netns", "pids", ns]).map(|t| t.split_whitespace().map(str::to_string).collect()).unwrap_or_default()
}

/// "10.230.0.0/24" (or a bare address, taken as /32) as (network, prefix length).
pub(crate) fn parse_prefix(text: &str) -> Option<(u32, u8)> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, l.parse::<u8>().ok()?),
        None => (text, 32),
    };
    if len > 32 {
        return None;
    }
    let addr: std::net::Ipv4Addr = addr.parse().ok()?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some((u32::from(addr) & mask, len))
}

/// Whether two prefixes share any address (one contains the other).
pub(crate) fn overlaps(a: (u32, u8), b: (u32, u8)) -> bool {
    let len = a.1.min(b.1);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    a.0 & mask == b.0 & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_overlap_when_one_holds_the_other() {
        let p = |t| parse_prefix(t).unwrap();
        assert!(overlaps(p("10.244.0.0/16"), p("10.244.1.0/24")));
        assert!(overlaps(p("10.244.1.0/24"), p("10.244.1.7")));
        assert!(!overlaps(p("10.244.1.0/24"), p("10.244.2.0/24")));
        assert!(!overlaps(p("172.17.0.0/16"), p("10.230.0.0/24")));
        assert!(overlaps(p("0.0.0.0/0"), p("10.230.0.0/24")));
        assert_eq!(parse_prefix("10.230.0.9/24"), Some((u32::from(std::net::Ipv4Addr::new(10, 230, 0, 0)), 24)));
        assert_eq!(parse_prefix("10.0.0.1/33"), None);
    }

    #[test]
    fn a_hung_command_is_stopped() {
        let started = Instant::now();
        let err = exec("sleep", &["5"], Duration::from_millis(100)).unwrap_err();
        assert!(err.contains("longer than"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
