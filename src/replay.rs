//! Replay: the dashboard and the snapshot on a saved `netview --snapshot --json` file, with no
//! root and no Docker; `--demo` does the same on a snapshot shipped in `assets/demo/` with
//! counters that move. Same `Update`/`Control` channels as the live source, so the app cannot
//! tell the difference except by the status line.

use crate::live::{Control, IfKey, Update};
use crate::model::{SCHEMA, Stats, Topology};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A real snapshot (see assets/demo/README.md for how it was taken).
pub const DEMO: &str = include_str!("../assets/demo/snapshot.json");

/// Parse a snapshot; errors name the line and column, and a schema netview does not know.
pub fn parse(source: &str, text: &str) -> Result<Topology, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        // serde_json ends its message with the position, which the prefix already gives.
        let msg = e.to_string();
        let msg = msg.strip_suffix(&format!(" at line {} column {}", e.line(), e.column())).unwrap_or(&msg).to_string();
        format!("{source}:{}:{}: not valid JSON: {msg}", e.line(), e.column())
    })?;
    match value.get("schema").and_then(|s| s.as_u64()) {
        Some(s) if s == u64::from(SCHEMA) => {}
        Some(s) => return Err(format!("{source}: snapshot schema {s}; this netview reads schema {SCHEMA}")),
        None => {
            return Err(format!(
                "{source}: not a netview snapshot (no \"schema\"; make one with netview --snapshot --json)"
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| format!("{source}: not a netview snapshot: {e}"))
}

pub fn load(path: &Path) -> Result<Topology, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read it: {e}", path.display()))?;
    parse(&path.display().to_string(), &text)
}

pub fn demo() -> Topology {
    // Part of the binary and checked by the tests: an error here is a build bug.
    parse("assets/demo/snapshot.json", DEMO).unwrap_or_else(|e| panic!("{e}"))
}

/// Feed the app one topology, then (for the demo) counters that move every `interval`.
pub fn spawn(
    topology: Topology,
    moving: bool,
    interval: Duration,
) -> (mpsc::Receiver<Update>, mpsc::UnboundedSender<Control>) {
    let (tx, rx) = mpsc::channel(8);
    let (ctl_tx, mut ctl) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let start = Instant::now();
        let base: Vec<(IfKey, Stats)> = topology
            .namespaces
            .iter()
            .flat_map(|n| n.interfaces.iter().map(move |i| ((n.inode, i.ifindex), i.stats)))
            .collect();
        if tx.send(Update::Topology { topology: Box::new(topology), sampled_at: start }).await.is_err() {
            return;
        }
        let mut interval = interval.max(crate::live::MIN_INTERVAL);
        let mut paused = false;
        let mut tick = 0u64;
        loop {
            tokio::select! {
                c = ctl.recv() => match c {
                    None | Some(Control::Quit) => return,
                    Some(Control::Pause(p)) => paused = p,
                    Some(Control::SetInterval(d)) => interval = crate::live::clamp_interval(d),
                    Some(_) => {}
                },
                _ = tokio::time::sleep(interval), if moving && !paused => {
                    tick += 1;
                    let samples = base.iter().map(|(k, s)| (*k, advance(*k, s, tick, interval))).collect();
                    let update = Update::Counters { samples, sampled_at: Instant::now() };
                    if tx.send(update).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    (rx, ctl_tx)
}

/// Plausible traffic: each interface gets its own steady rate with a slow wave on top, so the
/// sparklines move without looking random. Deterministic for a given tick.
fn advance(key: IfKey, s: &Stats, tick: u64, interval: Duration) -> Stats {
    let seed = (key.0 ^ u64::from(key.1).wrapping_mul(0x9e37_79b9)).wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
    let rate = 2_000 + seed % 60_000; // bytes per second
    let secs = interval.as_secs_f64() * tick as f64;
    let wave = |t: f64| t + 0.6 * (t / 7.0).sin() * 7.0;
    let rx = (rate as f64 * wave(secs)) as u64;
    let tx = (rate as f64 * 0.4 * wave(secs + 3.0)) as u64;
    Stats {
        rx_bytes: s.rx_bytes + rx,
        tx_bytes: s.tx_bytes + tx,
        rx_packets: s.rx_packets + rx / 600,
        tx_packets: s.tx_packets + tx / 300,
        ..*s
    }
}
