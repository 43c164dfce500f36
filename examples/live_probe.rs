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
    runtime.block_on(async {
        let start = Instant::now();
        let (mut updates, control) = live::spawn(Options::default(), interval);
        let deadline = tokio::time::Instant::from_std(start + Duration::from_secs_f64(seconds));
        let (mut fulls, mut counters, mut samples, mut docker) = (0usize, 0usize, 0usize, 0usize);
        let mut watched = false;
        loop {
            let update = tokio::select! {
                u = updates.recv() => match u { Some(u) => u, None => break },
                _ = tokio::time::sleep_until(deadline) => break,
            };
            match update {
                Update::Full { observation, sampled_at, reason } => {
                    fulls += 1;
                    println!(
                        "{:8.3}s full ({reason}): {} namespaces, {} containers, read in {:.0} ms",
                        start.elapsed().as_secs_f64(),
                        observation.namespaces.len(),
                        observation.docker.containers.len(),
                        sampled_at.elapsed().as_secs_f64() * 1000.0,
                    );
                    if !watched && watch > 0 {
                        watched = true;
                        let inodes: Vec<u64> =
                            observation.namespaces.iter().filter(|n| !n.is_host()).take(watch).map(|n| n.id.inode).collect();
                        println!("watching {} namespaces", inodes.len());
                        let _ = control.send(Control::Watch(inodes));
                    }
                }
                Update::Counters { samples: s, .. } => {
                    counters += 1;
                    samples += s.len();
                }
                Update::Docker { available, error } => {
                    docker += 1;
                    println!("{:8.3}s docker available={available} {}", start.elapsed().as_secs_f64(), error.unwrap_or_default());
                }
            }
        }
        let _ = control.send(Control::Quit);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "summary: {secs:.1} s, {fulls} full reads, {counters} counter samples ({:.1}/s, {} interfaces each on average), {docker} docker updates",
            counters as f64 / secs,
            samples.checked_div(counters).unwrap_or(0),
        );
    });
}
