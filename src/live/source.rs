//! The coordinator: one task that owns the schedule, starts full reads and counter samples, and
//! forwards their results. Full reads and counter samples both run on the blocking pool, off the
//! async workers (see `full_read`). Neither ever runs twice at once.

use super::counters::{Sample, Sampler};
use super::schedule::{Debouncer, Trigger};
use super::watch::{self, Signal};
use super::{Control, Update};
use crate::collect::{self, Options, discovery, netlink::NsTarget};
use crate::model::{NsIdentity, Observation};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinHandle};

/// Bounds of the counter tick.
pub const MIN_INTERVAL: Duration = Duration::from_millis(200);
pub const MAX_INTERVAL: Duration = Duration::from_secs(10);
/// Updates waiting for the app. Counter samples are dropped, never queued, when it is full.
const UPDATE_QUEUE: usize = 32;
const SIGNAL_QUEUE: usize = 64;

/// A firewall read on a tick that takes longer than this is abandoned; the next tick tries again.
const FIREWALL_TICK_TIMEOUT: Duration = Duration::from_secs(2);
/// When the first full read (which waits for Docker and the firewall tools, up to their
/// timeouts) takes longer than this, a netlink-only first look is shown meanwhile: a hung
/// engine must not leave the screen empty.
const FIRST_LOOK_AFTER: Duration = Duration::from_millis(600);

pub fn clamp_interval(d: Duration) -> Duration {
    d.clamp(MIN_INTERVAL, MAX_INTERVAL)
}

/// Start the live source; call inside a tokio multi-thread runtime with I/O and time enabled.
///
/// Sends `Update::Full` at once and whenever something changed, `Update::Counters` every
/// `interval` (clamped to 0.2–10 s) and `Update::Docker` when the engine goes or comes back.
/// Everything stops on `Control::Quit`, or when either channel's other end is dropped.
pub fn spawn(opts: Options, interval: Duration) -> (mpsc::Receiver<Update>, mpsc::UnboundedSender<Control>) {
    let (update_tx, update_rx) = mpsc::channel(UPDATE_QUEUE);
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    tokio::spawn(run(opts, clamp_interval(interval), update_tx, control_rx));
    (update_rx, control_tx)
}

/// Aborts its tasks when dropped, so the watchers end with the coordinator however it ends.
struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

/// What the counters need from the last full read.
struct Known {
    host: NsIdentity,
    /// The firewall sources of the last full read: ticks re-read only those that held rules.
    firewall: Vec<crate::model::firewall::RulesetSource>,
    /// Non-host namespaces by inode, with a path to enter them by.
    targets: HashMap<u64, NsTarget>,
}

impl Known {
    fn from_observation(o: &Observation, fallback_host: NsIdentity) -> Known {
        let host = o.namespaces.iter().find(|n| n.is_host()).map_or(fallback_host, |n| n.id);
        let targets = o
            .namespaces
            .iter()
            .filter(|n| !n.is_host())
            .filter_map(|n| Some((n.id.inode, NsTarget { id: n.id, path: n.paths.first()?.into() })))
            .collect();
        Known { host, targets, firewall: o.firewall.ruleset.sources.clone() }
    }
}

struct State {
    opts: Options,
    interval: Duration,
    paused: bool,
    watched: Vec<u64>,
    known: Known,
    debouncer: Debouncer,
    next_tick: Instant,
    last_tick: Option<Instant>,
    full: Option<(JoinHandle<Observation>, String, Instant)>,
    sampling: Option<JoinHandle<(Sampler, Sample)>>,
    sampler: Option<Sampler>,
    watch_firewall: bool,
    firewall: Option<JoinHandle<(crate::model::firewall::Ruleset, crate::model::ConntrackObs, Instant)>>,
    /// Until the first full read is sent: when to start the first look, and the look itself.
    first_look_at: Option<Instant>,
    first_look: Option<JoinHandle<Observation>>,
}

async fn join<T>(h: &mut Option<JoinHandle<T>>) -> Result<T, JoinError> {
    match h {
        Some(h) => h.await,
        None => std::future::pending().await,
    }
}

async fn join_full(h: &mut Option<(JoinHandle<Observation>, String, Instant)>) -> Result<Observation, JoinError> {
    match h {
        Some((h, _, _)) => h.await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

async fn run(
    opts: Options,
    interval: Duration,
    updates: mpsc::Sender<Update>,
    mut controls: mpsc::UnboundedReceiver<Control>,
) {
    let (signal_tx, mut signals) = mpsc::channel(SIGNAL_QUEUE);
    let mut watching = true;
    let mut tasks = vec![tokio::spawn(watch::netlink(signal_tx.clone()))];
    if opts.docker {
        tasks.push(tokio::spawn(watch::docker(signal_tx.clone(), opts.docker_timeout)));
    }
    let _tasks = Tasks(tasks);
    drop(signal_tx);

    let host = discovery::identity(Path::new(discovery::HOST_NS_PATH)).unwrap_or(NsIdentity { dev: 0, inode: 0 });
    let now = Instant::now();
    let mut s = State {
        opts,
        interval,
        paused: false,
        watched: Vec::new(),
        known: Known { host, targets: HashMap::new(), firewall: Vec::new() },
        debouncer: Debouncer::default(),
        next_tick: now,
        last_tick: None,
        full: None,
        sampling: None,
        sampler: Some(Sampler::default()),
        watch_firewall: false,
        firewall: None,
        first_look_at: Some(now + FIRST_LOOK_AFTER),
        first_look: None,
    };
    s.debouncer.urgent(now, Trigger::Start);

    loop {
        let now = Instant::now();
        if !s.paused && s.full.is_none() && s.debouncer.due(now) {
            let why = s.debouncer.start(now);
            s.full = Some((full_read(s.opts.clone()), why, now));
        }
        if !s.paused && s.sampling.is_none() && s.next_tick <= now {
            start_sample(&mut s, now);
        }
        let refresh_at = if s.paused || s.full.is_some() { None } else { s.debouncer.deadline() };
        let tick_at = if s.paused || s.sampling.is_some() { None } else { Some(s.next_tick) };
        let first_look_at = if s.first_look.is_some() { None } else { s.first_look_at };

        tokio::select! {
            control = controls.recv() => match control {
                None | Some(Control::Quit) => break,
                Some(c) => handle_control(&mut s, c),
            },
            // `None` only if every watcher died (a panic): carry on without them, on the resync.
            signal = signals.recv(), if watching => match signal {
                Some(signal) => {
                    if !handle_signal(&mut s, signal, &updates).await {
                        break;
                    }
                }
                None => watching = false,
            },
            r = join_full(&mut s.full) => {
                let Some((_, why, started)) = s.full.take() else { continue };
                s.debouncer.finish(Instant::now());
                match r {
                    Ok(observation) if !s.paused => {
                        s.first_look_at = None;
                        if let Some(h) = s.first_look.take() {
                            h.abort();
                        }
                        s.known = Known::from_observation(&observation, s.known.host);
                        let observation = Box::new(observation);
                        let update = Update::Full { observation, sampled_at: started, reason: why };
                        if updates.send(update).await.is_err() {
                            break;
                        }
                    }
                    // Paused meanwhile: read again on resume rather than show what came in.
                    Ok(_) => s.debouncer.urgent(Instant::now(), Trigger::Resumed),
                    // The read panicked: try again after the window instead of never.
                    Err(_) => s.debouncer.event(Instant::now(), Trigger::Resync),
                }
            }
            r = join(&mut s.firewall) => {
                s.firewall = None;
                if let Ok((ruleset, conntrack, sampled_at)) = r
                    && !s.paused
                {
                    let update = Update::Firewall { ruleset: Box::new(ruleset), conntrack, sampled_at };
                    if let Err(mpsc::error::TrySendError::Closed(_)) = updates.try_send(update) {
                        break;
                    }
                }
            }
            r = join(&mut s.sampling) => {
                s.sampling = None;
                match r {
                    Ok((sampler, sample)) => {
                        s.sampler = Some(sampler);
                        if !s.paused && !sample.samples.is_empty() {
                            let (samples, sampled_at) = (sample.samples, sample.sampled_at);
                            let update = Update::Counters { samples, sampled_at };
                            // The app is behind: this sample is dropped, the next one will do.
                            if let Err(mpsc::error::TrySendError::Closed(_)) = updates.try_send(update) {
                                break;
                            }
                        }
                    }
                    Err(_) => s.sampler = Some(Sampler::default()),
                }
            }
            _ = sleep_until(first_look_at) => {
                let opts = Options { docker: false, firewall: false, ..s.opts.clone() };
                s.first_look = Some(full_read(opts));
            }
            r = join(&mut s.first_look) => {
                s.first_look = None;
                s.first_look_at = None;
                if let Ok(observation) = r
                    && s.full.is_some()
                    && !s.paused
                {
                    let observation = Box::new(first_look(observation, &s.opts));
                    let update = Update::Full { observation, sampled_at: Instant::now(), reason: "first look".into() };
                    if updates.send(update).await.is_err() {
                        break;
                    }
                }
            }
            _ = sleep_until(refresh_at) => {}
            _ = sleep_until(tick_at) => {}
            _ = updates.closed() => break,
        }
    }
    if let Some((h, _, _)) = s.full.take() {
        h.abort();
    }
    if let Some(h) = s.firewall.take() {
        h.abort();
    }
    if let Some(h) = s.first_look.take() {
        h.abort();
    }
}

/// A netlink-only read shown while the first full read still waits: it says what it lacks.
fn first_look(mut o: Observation, opts: &Options) -> Observation {
    if opts.docker {
        o.docker.error = Some("no answer from the Docker engine yet".into());
        o.notes.retain(|n| !n.starts_with("Docker:"));
        o.notes.push("Docker: no answer yet; the view fills in when the engine answers or times out".into());
    }
    if opts.firewall {
        o.notes.push("firewall: still being read".into());
    }
    o
}

/// One full read off the async workers. `collect()`'s future is not `Send` as the compiler sees
/// it (a higher-ranked lifetime in the Docker reader's stream closures), so it cannot be
/// `tokio::spawn`ed; a blocking-pool thread drives it with `block_on` instead, which also keeps
/// the read's own CPU work (JSON decoding, the join) off the workers.
fn full_read(opts: Options) -> JoinHandle<Observation> {
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || runtime.block_on(collect::collect(&opts)))
}

fn start_sample(s: &mut State, now: Instant) {
    let host = s.known.host;
    let watched: Vec<NsTarget> = s.watched.iter().filter_map(|i| s.known.targets.get(i).cloned()).collect();
    let threads = s.opts.threads;
    let mut sampler = s.sampler.take().unwrap_or_default();
    s.sampling = Some(tokio::task::spawn_blocking(move || {
        let sample = sampler.sample(host, &watched, threads);
        (sampler, sample)
    }));
    if s.watch_firewall && s.opts.firewall && s.firewall.is_none() && !s.known.firewall.is_empty() {
        let previous = s.known.firewall.clone();
        s.firewall = Some(tokio::spawn(async move {
            let conntrack = tokio::task::spawn_blocking(collect::firewall::conntrack::read);
            let rules = collect::firewall::reread(&previous, FIREWALL_TICK_TIMEOUT).await;
            (rules, conntrack.await.unwrap_or_default(), now)
        }));
    }
    s.last_tick = Some(now);
    // Keep the beat; after a long stall (a slow sample, a pause) start again from now.
    s.next_tick = (s.next_tick + s.interval).max(now);
}

fn handle_control(s: &mut State, c: Control) {
    let now = Instant::now();
    match c {
        Control::RefreshNow => s.debouncer.urgent(now, Trigger::Asked),
        Control::SetInterval(d) => {
            s.interval = clamp_interval(d);
            s.next_tick = s.last_tick.map_or(now, |t| (t + s.interval).max(now));
        }
        Control::Pause(p) => {
            if s.paused && !p {
                s.next_tick = now;
            }
            s.paused = p;
        }
        Control::Watch(mut inodes) => {
            inodes.sort_unstable();
            inodes.dedup();
            inodes.retain(|&i| i != s.known.host.inode);
            s.watched = inodes;
        }
        Control::WatchFirewall(on) => s.watch_firewall = on,
        Control::Quit => {}
    }
}

/// False when the app is gone.
async fn handle_signal(s: &mut State, signal: Signal, updates: &mpsc::Sender<Update>) -> bool {
    let now = Instant::now();
    match signal {
        Signal::DockerEvent => s.debouncer.event(now, Trigger::DockerEvent),
        Signal::Netlink => s.debouncer.event(now, Trigger::Netlink),
        Signal::DockerUp => {
            s.debouncer.urgent(now, Trigger::DockerBack);
            return updates.send(Update::Docker { available: true, error: None }).await.is_ok();
        }
        Signal::DockerDown(error) => {
            return updates.send(Update::Docker { available: false, error: Some(error) }).await.is_ok();
        }
    }
    true
}
