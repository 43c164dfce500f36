//! Runs the live source (`netview::live`) with no UI and drains its updates, to measure what it
//! costs (`bench/live_cpu.sh` reads this process's CPU time) and to see what it sends.
//!
//!     cargo run --release --example live_probe -- [SECONDS [INTERVAL_MS [WATCH]]]
//!
//! WATCH is how many non-host namespaces to watch (their counters are read every tick too),
//! taken from the first full read. Prints one line per full read and a summary at the end.

use netview::collect::Options;
use netview::live::{self, Control, Update};
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(i: usize, default: T) -> T {
    std::env::args().nth(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn main() {
    let seconds: f64 = arg(1, 60.0);
    let interval = Duration::from_millis(arg(2, 1000));
    let watch: usize = arg(3, 0);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(probe(Duration::from_secs_f64(seconds), interval, watch));
}

#[derive(Default)]
struct Counts {
    fulls: usize,
    counters: usize,
    samples: usize,
    docker: usize,
    /// CPU spent between two counter samples with no full read near them, and how many such.
    quiet_cpu: Duration,
    quiet_ticks: u32,
}

/// This process's CPU time (all threads, user + system), from /proc/self/stat.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(") ").map_or("", |(_, r)| r);
    let f: Vec<u64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
    // After the command name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100) as u64;
    Duration::from_millis(ticks * 1000 / hz)
}

async fn probe(duration: Duration, interval: Duration, watch: usize) {
    let start = Instant::now();
    let at = |start: Instant| start.elapsed().as_secs_f64();
    let (mut updates, control) = live::spawn(Options::default(), interval);
    let deadline = tokio::time::Instant::from_std(start + duration);
    let mut n = Counts::default();
    let mut watched = false;
    // CPU at the previous counter sample, and whether a full read came since the one before.
    let mut last: Option<Duration> = None;
    let mut full_since = [true, true];
    while let Ok(Some(update)) = tokio::time::timeout_at(deadline, updates.recv()).await {
        match update {
            Update::Full { observation: o, sampled_at, reason } => {
                n.fulls += 1;
                full_since[1] = true;
                let took = sampled_at.elapsed().as_secs_f64() * 1000.0;
                let (namespaces, containers) = (o.namespaces.len(), o.docker.containers.len());
                println!(
                    "{:8.3}s full ({reason}): {namespaces} namespaces, {containers} containers, {took:.0} ms",
                    at(start)
                );
                if !watched && watch > 0 {
                    watched = true;
                    let inodes: Vec<u64> =
                        o.namespaces.iter().filter(|n| !n.is_host()).take(watch).map(|n| n.id.inode).collect();
                    println!("watching {} namespaces", inodes.len());
                    let _ = control.send(Control::Watch(inodes));
                }
            }
            Update::Topology { .. } => {}
            Update::Firewall { ruleset, .. } => {
                println!("{:8.3}s firewall: {} rules", at(start), ruleset.rule_count());
            }
            Update::Counters { samples, .. } => {
                n.counters += 1;
                n.samples += samples.len();
                let now = cpu();
                if let Some(before) = last
                    && !full_since[0]
                    && !full_since[1]
                {
                    n.quiet_cpu += now.saturating_sub(before);
                    n.quiet_ticks += 1;
                }
                last = Some(now);
                full_since = [full_since[1], false];
            }
            Update::Docker { available, error } => {
                n.docker += 1;
                println!("{:8.3}s docker available={available} {}", at(start), error.unwrap_or_default());
            }
        }
    }
    let _ = control.send(Control::Quit);
    if n.quiet_ticks > 0 {
        let per = n.quiet_cpu / n.quiet_ticks;
        let pct = 100.0 * per.as_secs_f64() / interval.as_secs_f64();
        println!(
            "between full reads: {:.2} ms CPU per tick over {} ticks = {pct:.2} % of one core",
            per.as_secs_f64() * 1000.0,
            n.quiet_ticks
        );
    }
    println!("CPU time of this process: {:.2} s", cpu().as_secs_f64());
    let secs = at(start);
    println!(
        "summary: {secs:.1} s, {} full reads, {} counter samples ({:.1}/s, {} interfaces each), {} docker updates",
        n.fulls,
        n.counters,
        n.counters as f64 / secs,
        n.samples.checked_div(n.counters).unwrap_or(0),
        n.docker,
    );
}
