//! When to do a full read: a pure state machine, driven with the instants the caller passes in.
//!
//! - A debounced event (Docker event, netlink notification) makes a read due `window` after the
//!   FIRST event of a burst, so a burst gives one read and a new container shows up quickly
//!   (events arriving later do not push the read back).
//! - An urgent request (the start, the user asking, Docker coming back) is due at once.
//! - Never two reads at once: while one runs nothing is due; events that arrive meanwhile make
//!   a follow-up read due after it, since the running read may have missed what they announce.
//! - After a read that events caused, further events wait a cooldown of a few times that read's
//!   duration (at most `MAX_COOLDOWN`), so a stream of events on a big host cannot keep a core
//!   busy. The first event after a quiet spell (or after the start, a resync, a request) only
//!   waits the window.
//! - With nothing pending, a resync is due `resync` after the last read ended (catches what sends
//!   no event at all, such as a plain `ip netns add`).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How long a burst of events is gathered into one read.
pub const WINDOW: Duration = Duration::from_millis(100);
/// The periodic full resync.
pub const RESYNC: Duration = Duration::from_secs(30);
/// A container starting or stopping is what a user waits to see: its events gather for less time
/// and, after an event-driven read, wait only half that read's duration (a churn of containers
/// still leaves the core idle at least a third of the time).
pub const DOCKER_WINDOW: Duration = Duration::from_millis(30);
/// Cooldown after a read = this many times its duration ...
pub const COOLDOWN_FACTOR: u32 = 3;
/// ... but never more than this.
pub const MAX_COOLDOWN: Duration = Duration::from_secs(2);

/// What asked for a full read; a read names every trigger it serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    Start,
    Asked,
    DockerBack,
    DockerEvent,
    Netlink,
    Resumed,
    Resync,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Start => "start",
            Trigger::Asked => "refresh asked",
            Trigger::DockerBack => "docker back",
            Trigger::DockerEvent => "docker event",
            Trigger::Netlink => "netlink event",
            Trigger::Resumed => "resumed",
            Trigger::Resync => "periodic resync",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Debouncer {
    window: Duration,
    resync: Duration,
    /// The first debounced event not served yet.
    first_event: Option<Instant>,
    /// The first urgent request not served yet.
    urgent_at: Option<Instant>,
    reasons: BTreeSet<Trigger>,
    running_since: Option<Instant>,
    last_end: Option<Instant>,
    /// Whether the running (or last) read was caused by debounced events alone.
    by_events: bool,
    cooldown: Duration,
    /// How long the last read took.
    last_took: Duration,
}

impl Default for Debouncer {
    fn default() -> Self {
        Debouncer::new(WINDOW, RESYNC)
    }
}

impl Debouncer {
    pub fn new(window: Duration, resync: Duration) -> Debouncer {
        Debouncer {
            window,
            resync,
            first_event: None,
            urgent_at: None,
            reasons: BTreeSet::new(),
            running_since: None,
            last_end: None,
            by_events: false,
            cooldown: Duration::ZERO,
            last_took: Duration::ZERO,
        }
    }

    /// Something changed: read within `window` of the first such event.
    pub fn event(&mut self, now: Instant, why: Trigger) {
        self.first_event.get_or_insert(now);
        self.reasons.insert(why);
    }

    /// Window and cooldown for what is pending: shorter when Docker says a container changed.
    fn timing(&self) -> (Duration, Duration) {
        if self.reasons.contains(&Trigger::DockerEvent) {
            (self.window.min(DOCKER_WINDOW), self.last_took / 2)
        } else {
            (self.window, self.cooldown)
        }
    }

    /// Read as soon as no read is running.
    pub fn urgent(&mut self, now: Instant, why: Trigger) {
        self.urgent_at.get_or_insert(now);
        self.reasons.insert(why);
    }

    /// Whether a read runs now.
    pub fn running(&self) -> bool {
        self.running_since.is_some()
    }

    /// Whether an event or request waits for a read.
    pub fn pending(&self) -> bool {
        self.first_event.is_some() || self.urgent_at.is_some()
    }

    /// When the next read is due; `None` while one runs (or before anything was ever asked).
    pub fn deadline(&self) -> Option<Instant> {
        if self.running() {
            return None;
        }
        let (window, cooldown) = self.timing();
        let debounced = self.first_event.map(|first| {
            let after_cooldown = self.last_end.filter(|_| self.by_events).map(|end| end + cooldown);
            (first + window).max(after_cooldown.unwrap_or(first))
        });
        let resync = self.last_end.map(|end| end + self.resync);
        [self.urgent_at, debounced, resync].into_iter().flatten().min()
    }

    pub fn due(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|d| d <= now)
    }

    /// A read starts now: everything pending is served by it. Returns what it is for.
    pub fn start(&mut self, now: Instant) -> String {
        if self.reasons.is_empty() {
            self.reasons.insert(Trigger::Resync);
        }
        let why = self.reasons.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ");
        self.by_events = self.urgent_at.is_none() && self.first_event.is_some();
        self.reasons.clear();
        self.first_event = None;
        self.urgent_at = None;
        self.running_since = Some(now);
        why
    }

    /// The read that started last is over (done, failed or dropped).
    pub fn finish(&mut self, now: Instant) {
        if let Some(start) = self.running_since.take() {
            let took = now.saturating_duration_since(start);
            self.last_took = took.min(MAX_COOLDOWN);
            self.cooldown = took.saturating_mul(COOLDOWN_FACTOR).min(MAX_COOLDOWN);
        }
        self.last_end = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(t0: Instant, n: u64) -> Instant {
        t0 + Duration::from_millis(n)
    }

    /// A debouncer whose start read (10 ms) is over at t0.
    fn idle(t0: Instant) -> Debouncer {
        let mut d = Debouncer::default();
        d.urgent(t0 - Duration::from_millis(10), Trigger::Start);
        assert_eq!(d.start(t0 - Duration::from_millis(10)), "start");
        d.finish(t0);
        d
    }

    #[test]
    fn nothing_before_anything_is_asked() {
        let d = Debouncer::default();
        assert_eq!(d.deadline(), None);
        assert!(!d.due(Instant::now()));
    }

    #[test]
    fn one_event_is_due_after_the_window() {
        let t0 = Instant::now();
        let mut d = idle(t0);
        d.event(ms(t0, 1000), Trigger::Netlink);
        assert!(!d.due(ms(t0, 1099)));
        assert!(d.due(ms(t0, 1100)));
        assert_eq!(d.deadline(), Some(ms(t0, 1100)));
    }

    #[test]
    fn a_burst_gives_one_read_started_by_the_first_event() {
        let t0 = Instant::now();
        let mut d = idle(t0);
        for i in 0..50 {
            d.event(ms(t0, 1000 + i * 2), Trigger::Netlink);
        }
        // Later events do not push the read back.
        assert_eq!(d.deadline(), Some(ms(t0, 1100)));
        assert!(d.due(ms(t0, 1100)));
        assert_eq!(d.start(ms(t0, 1100)), "netlink event");
        assert!(!d.pending());
        d.finish(ms(t0, 1110));
        // Nothing left but the resync.
        assert_eq!(d.deadline(), Some(ms(t0, 1110) + RESYNC));
    }

    #[test]
    fn a_container_event_is_read_sooner_than_link_noise() {
        let t0 = Instant::now();
        let mut d = idle(t0);
        // A new container: its veth's netlink events start a read that takes 100 ms ...
        d.event(ms(t0, 1000), Trigger::Netlink);
        d.start(ms(t0, 1100));
        // ... Docker's start event arrives meanwhile ...
        d.event(ms(t0, 1150), Trigger::DockerEvent);
        d.finish(ms(t0, 1200));
        // ... and is read half a read later, not after the 3x cooldown links get.
        assert_eq!(d.deadline(), Some(ms(t0, 1250)));
        // Alone, after a quiet spell, it waits only the short window.
        d.start(ms(t0, 1250));
        d.finish(ms(t0, 1260));
        d.event(ms(t0, 5000), Trigger::DockerEvent);
        assert_eq!(d.deadline(), Some(ms(t0, 5000) + DOCKER_WINDOW));
    }

    #[test]
    fn never_two_reads_at_once_and_events_during_a_read_get_a_follow_up() {
        let t0 = Instant::now();
        let mut d = idle(t0);
        d.event(ms(t0, 1000), Trigger::Netlink);
        d.start(ms(t0, 1100));
        d.event(ms(t0, 1120), Trigger::DockerEvent);
        d.urgent(ms(t0, 1130), Trigger::Asked);
        assert!(d.running());
        assert_eq!(d.deadline(), None);
        assert!(!d.due(ms(t0, 5000)));
        d.finish(ms(t0, 1150));
        // The urgent request is due at once; it takes the event along.
        assert!(d.due(ms(t0, 1150)));
        assert_eq!(d.start(ms(t0, 1150)), "refresh asked, docker event");
        d.finish(ms(t0, 1160));
        assert!(!d.due(ms(t0, 1300)));
    }

    #[test]
    fn urgent_is_due_at_once() {
        let t0 = Instant::now();
        let mut d = idle(t0);
        d.urgent(ms(t0, 500), Trigger::DockerBack);
        assert!(d.due(ms(t0, 500)));
        assert_eq!(d.start(ms(t0, 500)), "docker back");
    }

    #[test]
    fn no_cooldown_after_a_read_events_did_not_cause() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        d.urgent(t0, Trigger::Start);
        d.start(t0);
        d.finish(ms(t0, 1000)); // a slow start read
        d.event(ms(t0, 1010), Trigger::Netlink);
        assert_eq!(d.deadline(), Some(ms(t0, 1110)));
    }

    #[test]
    fn cooldown_after_a_slow_read_caused_by_events() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        d.event(t0, Trigger::Netlink);
        d.start(ms(t0, 100));
        d.finish(ms(t0, 300)); // 200 ms read: 600 ms cooldown
        d.event(ms(t0, 310), Trigger::Netlink);
        assert!(!d.due(ms(t0, 410)));
        assert_eq!(d.deadline(), Some(ms(t0, 900)));
        // An event long after the cooldown waits only the window.
        let mut d2 = d.clone();
        d2.start(ms(t0, 900));
        d2.finish(ms(t0, 1000)); // 100 ms read: 300 ms cooldown
        d2.event(ms(t0, 5000), Trigger::Netlink);
        assert_eq!(d2.deadline(), Some(ms(t0, 5100)));
        // The cooldown is bounded.
        let mut d3 = Debouncer::default();
        d3.event(t0, Trigger::DockerEvent);
        d3.start(t0);
        d3.finish(ms(t0, 10_000));
        d3.event(ms(t0, 10_000), Trigger::Netlink);
        assert_eq!(d3.deadline(), Some(ms(t0, 10_000) + MAX_COOLDOWN));
        // Urgent requests skip the cooldown.
        d3.urgent(ms(t0, 10_001), Trigger::Asked);
        assert!(d3.due(ms(t0, 10_001)));
    }

    #[test]
    fn periodic_resync() {
        let t0 = Instant::now();
        let mut d = idle(t0);
        assert!(!d.due(t0 + RESYNC - Duration::from_millis(1)));
        assert!(d.due(t0 + RESYNC));
        assert_eq!(d.start(t0 + RESYNC), "periodic resync");
        d.finish(t0 + RESYNC + Duration::from_millis(5));
        assert_eq!(d.deadline(), Some(t0 + RESYNC * 2 + Duration::from_millis(5)));
    }
}
