//! When to do a full read: a pure state machine, driven with the instants the caller passes in.
//!
//! - A debounced event (Docker event, netlink notification) makes a read due `window` after the
//!   FIRST event of a burst, so a burst gives one read and a new container shows up quickly
//!   (events arriving later do not push the read back).
//! - An urgent request (the start, the user asking, Docker coming back) is due at once.
//! - Never two reads at once: while one runs nothing is due; events that arrive meanwhile make
//!   a follow-up read due after it, since the running read may have missed what they announce.
//! - After a read, debounced events wait a cooldown of a few times that read's duration (at most
//!   `MAX_COOLDOWN`), so a stream of events on a big host cannot keep a core busy.
//! - With nothing pending, a resync is due `resync` after the last read ended (catches what sends
//!   no event at all, such as a plain `ip netns add`).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How long a burst of events is gathered into one read.
pub const WINDOW: Duration = Duration::from_millis(100);
/// The periodic full resync.
pub const RESYNC: Duration = Duration::from_secs(30);
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
    cooldown: Duration,
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
            cooldown: Duration::ZERO,
        }
    }

    /// Something changed: read within `window` of the first such event.
    pub fn event(&mut self, now: Instant, why: Trigger) {
        self.first_event.get_or_insert(now);
        self.reasons.insert(why);
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
        let debounced = self.first_event.map(|first| {
            let after_cooldown = self.last_end.map(|end| end + self.cooldown);
            (first + self.window).max(after_cooldown.unwrap_or(first))
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
            d.event(ms(t0, 1000 + i * 2), if i % 2 == 0 { Trigger::Netlink } else { Trigger::DockerEvent });
        }
        // Later events do not push the read back.
        assert_eq!(d.deadline(), Some(ms(t0, 1100)));
        assert!(d.due(ms(t0, 1100)));
        assert_eq!(d.start(ms(t0, 1100)), "docker event, netlink event");
        assert!(!d.pending());
        d.finish(ms(t0, 1110));
        // Nothing left but the resync.
        assert_eq!(d.deadline(), Some(ms(t0, 1110) + RESYNC));
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
    fn cooldown_after_a_slow_read() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        d.urgent(t0, Trigger::Start);
        d.start(t0);
        d.finish(ms(t0, 200)); // 200 ms read: 600 ms cooldown
        d.event(ms(t0, 210), Trigger::Netlink);
        assert!(!d.due(ms(t0, 310)));
        assert_eq!(d.deadline(), Some(ms(t0, 800)));
        // An event long after the cooldown waits only the window.
        let mut d2 = d.clone();
        d2.start(ms(t0, 800));
        d2.finish(ms(t0, 900)); // 100 ms read: 300 ms cooldown
        d2.event(ms(t0, 5000), Trigger::Netlink);
        assert_eq!(d2.deadline(), Some(ms(t0, 5100)));
        // The cooldown is bounded.
        let mut d3 = Debouncer::default();
        d3.urgent(t0, Trigger::Start);
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
