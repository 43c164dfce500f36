//! Packet and byte rates from successive counter samples. Pure: time comes in with the samples.
//!
//! The live source sends the counters of many interfaces at one instant; `RateTracker` keeps the
//! previous sample of each interface and turns the difference into per-second rates, plus a short
//! history for a sparkline. A counter that went down (the interface was re-created, or its driver
//! reset it) starts a new baseline instead of giving a negative or enormous rate.

use super::observation::Stats;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Which interface a sample belongs to: (namespace inode, ifindex). The same shape as the live
/// source's key, defined here so the model needs nothing from the collectors.
pub type IfKey = (u64, u32);

/// Samples kept for the sparkline.
pub const HISTORY: usize = 60;
/// An interface not sampled for this long is forgotten.
pub const STALE_AFTER: Duration = Duration::from_secs(120);

/// What is known of one interface (or the sum of several).
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    /// The latest counters.
    pub totals: Stats,
    /// Bytes and packets per second over the last interval. These four are `None` together: on
    /// the first sample of an interface and on the sample after a counter reset, when there is
    /// nothing to subtract from yet.
    pub rx_bps: Option<f64>,
    pub tx_bps: Option<f64>,
    pub rx_pps: Option<f64>,
    pub tx_pps: Option<f64>,
    /// How much every counter grew over the last interval (errors and drops included); `None`
    /// exactly when the rates are.
    pub delta: Option<Stats>,
    /// The interval the rates are measured over.
    pub interval: Option<Duration>,
    /// Received and sent bytes per second, oldest first, at most `HISTORY` values: one per
    /// sample that had a rate.
    pub history_rx: VecDeque<u64>,
    pub history_tx: VecDeque<u64>,
    /// When the latest counters were read.
    pub sampled_at: Instant,
}

impl Rate {
    fn first(totals: Stats, at: Instant) -> Rate {
        Rate {
            totals,
            rx_bps: None,
            tx_bps: None,
            rx_pps: None,
            tx_pps: None,
            delta: None,
            interval: None,
            history_rx: VecDeque::new(),
            history_tx: VecDeque::new(),
            sampled_at: at,
        }
    }

    /// Whether the rates are known (a second sample came after the first or after a reset).
    pub fn has_rates(&self) -> bool {
        self.rx_bps.is_some()
    }

    /// Clear the rates and keep the history: a new baseline.
    fn rebaseline(&mut self, totals: Stats, at: Instant) {
        self.totals = totals;
        self.sampled_at = at;
        self.rx_bps = None;
        self.tx_bps = None;
        self.rx_pps = None;
        self.tx_pps = None;
        self.delta = None;
        self.interval = None;
    }
}

/// Every counter of `new` is at least the one of `old`; otherwise the interface was reset.
fn grew(old: &Stats, new: &Stats) -> Option<Stats> {
    Some(Stats {
        rx_bytes: new.rx_bytes.checked_sub(old.rx_bytes)?,
        tx_bytes: new.tx_bytes.checked_sub(old.tx_bytes)?,
        rx_packets: new.rx_packets.checked_sub(old.rx_packets)?,
        tx_packets: new.tx_packets.checked_sub(old.tx_packets)?,
        rx_errors: new.rx_errors.checked_sub(old.rx_errors)?,
        tx_errors: new.tx_errors.checked_sub(old.tx_errors)?,
        rx_dropped: new.rx_dropped.checked_sub(old.rx_dropped)?,
        tx_dropped: new.tx_dropped.checked_sub(old.tx_dropped)?,
    })
}

impl Rate {
    /// Add another interface's numbers into this one (totals, known rates, histories).
    pub fn add(&mut self, r: &Rate) {
        self.totals = add(&self.totals, &r.totals);
        self.rx_bps = add_opt(self.rx_bps, r.rx_bps);
        self.tx_bps = add_opt(self.tx_bps, r.tx_bps);
        self.rx_pps = add_opt(self.rx_pps, r.rx_pps);
        self.tx_pps = add_opt(self.tx_pps, r.tx_pps);
        self.delta = match (self.delta, r.delta) {
            (Some(a), Some(b)) => Some(add(&a, &b)),
            (a, b) => a.or(b),
        };
        self.interval = self.interval.max(r.interval);
        self.sampled_at = self.sampled_at.max(r.sampled_at);
        add_history(&mut self.history_rx, &r.history_rx);
        add_history(&mut self.history_tx, &r.history_tx);
    }

    /// The same numbers seen from the other end of a veth: what one end sends, the other receives.
    pub fn swapped(&self) -> Rate {
        let mut r = self.clone();
        std::mem::swap(&mut r.rx_bps, &mut r.tx_bps);
        std::mem::swap(&mut r.rx_pps, &mut r.tx_pps);
        std::mem::swap(&mut r.history_rx, &mut r.history_tx);
        r.totals = flipped(r.totals);
        r.delta = r.delta.map(flipped);
        r
    }
}

/// Counters with receive and transmit exchanged.
fn flipped(s: Stats) -> Stats {
    Stats {
        rx_bytes: s.tx_bytes,
        tx_bytes: s.rx_bytes,
        rx_packets: s.tx_packets,
        tx_packets: s.rx_packets,
        rx_errors: s.tx_errors,
        tx_errors: s.rx_errors,
        rx_dropped: s.tx_dropped,
        tx_dropped: s.rx_dropped,
    }
}

fn add(a: &Stats, b: &Stats) -> Stats {
    Stats {
        rx_bytes: a.rx_bytes.saturating_add(b.rx_bytes),
        tx_bytes: a.tx_bytes.saturating_add(b.tx_bytes),
        rx_packets: a.rx_packets.saturating_add(b.rx_packets),
        tx_packets: a.tx_packets.saturating_add(b.tx_packets),
        rx_errors: a.rx_errors.saturating_add(b.rx_errors),
        tx_errors: a.tx_errors.saturating_add(b.tx_errors),
        rx_dropped: a.rx_dropped.saturating_add(b.rx_dropped),
        tx_dropped: a.tx_dropped.saturating_add(b.tx_dropped),
    }
}

fn push_bounded(h: &mut VecDeque<u64>, v: u64, cap: usize) {
    while h.len() >= cap {
        h.pop_front();
    }
    h.push_back(v);
}

/// Per-interface rates from successive samples.
#[derive(Clone, Debug)]
pub struct RateTracker {
    rates: HashMap<IfKey, Rate>,
    history: usize,
    stale_after: Duration,
}

impl Default for RateTracker {
    fn default() -> Self {
        RateTracker::new()
    }
}

impl RateTracker {
    /// `HISTORY` samples of history; interfaces unseen for `STALE_AFTER` are dropped.
    pub fn new() -> RateTracker {
        RateTracker::with_limits(HISTORY, STALE_AFTER)
    }

    pub fn with_limits(history: usize, stale_after: Duration) -> RateTracker {
        RateTracker { rates: HashMap::new(), history: history.max(1), stale_after }
    }

    /// Take the counters of several interfaces, all read at `at`. Interfaces not sampled for
    /// longer than the stale limit are forgotten afterwards, so memory follows what is watched.
    pub fn ingest(&mut self, samples: impl IntoIterator<Item = (IfKey, Stats)>, at: Instant) {
        for (key, stats) in samples {
            match self.rates.get_mut(&key) {
                None => {
                    self.rates.insert(key, Rate::first(stats, at));
                }
                Some(rate) => update(rate, stats, at, self.history),
            }
        }
        let stale_after = self.stale_after;
        self.rates.retain(|_, r| at.checked_duration_since(r.sampled_at).is_none_or(|age| age <= stale_after));
    }

    pub fn get(&self, key: &IfKey) -> Option<&Rate> {
        self.rates.get(key)
    }

    /// The sum of several interfaces (a container with several endpoints): totals, deltas and
    /// rates added up, histories added from their newest values backwards. Rates are those of
    /// the interfaces that have one; `None` only when none has. `None` when no key is known.
    pub fn sum<'a>(&self, keys: impl IntoIterator<Item = &'a IfKey>) -> Option<Rate> {
        let mut total: Option<Rate> = None;
        for r in keys.into_iter().filter_map(|k| self.rates.get(k)) {
            match total.as_mut() {
                Some(t) => t.add(r),
                None => total = Some(r.clone()),
            }
        }
        total
    }

    pub fn len(&self) -> usize {
        self.rates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    pub fn clear(&mut self) {
        self.rates.clear();
    }
}

fn update(rate: &mut Rate, stats: Stats, at: Instant, history: usize) {
    // A second sample at the same instant (or an older one) says nothing about a rate: it is
    // ignored, unless a counter went down, which starts a new baseline as always.
    let Some(dt) = at.checked_duration_since(rate.sampled_at).filter(|d| !d.is_zero()) else {
        if grew(&rate.totals, &stats).is_none() {
            rate.rebaseline(stats, rate.sampled_at);
        }
        return;
    };
    let Some(delta) = grew(&rate.totals, &stats) else {
        rate.rebaseline(stats, at);
        return;
    };
    let secs = dt.as_secs_f64();
    let per_sec = |n: u64| n as f64 / secs;
    rate.rx_bps = Some(per_sec(delta.rx_bytes));
    rate.tx_bps = Some(per_sec(delta.tx_bytes));
    rate.rx_pps = Some(per_sec(delta.rx_packets));
    rate.tx_pps = Some(per_sec(delta.tx_packets));
    rate.delta = Some(delta);
    rate.interval = Some(dt);
    rate.totals = stats;
    rate.sampled_at = at;
    push_bounded(&mut rate.history_rx, per_sec(delta.rx_bytes).round() as u64, history);
    push_bounded(&mut rate.history_tx, per_sec(delta.tx_bytes).round() as u64, history);
}

fn add_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

/// Add `other` into `into`, aligned at the newest value; the result is as long as the longer one.
fn add_history(into: &mut VecDeque<u64>, other: &VecDeque<u64>) {
    while into.len() < other.len() {
        into.push_front(0);
    }
    let offset = into.len() - other.len();
    for (i, v) in other.iter().enumerate() {
        into[offset + i] = into[offset + i].saturating_add(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: IfKey = (4026531840, 2);

    fn stats(rx_bytes: u64, tx_bytes: u64, rx_packets: u64, tx_packets: u64) -> Stats {
        Stats { rx_bytes, tx_bytes, rx_packets, tx_packets, ..Default::default() }
    }

    fn secs(t0: Instant, s: f64) -> Instant {
        t0 + Duration::from_secs_f64(s)
    }

    #[test]
    fn swapped_is_the_view_from_the_other_end() {
        let t0 = Instant::now();
        let mut t = RateTracker::new();
        t.ingest([(K, stats(0, 0, 0, 0))], t0);
        t.ingest([(K, stats(1000, 10, 5, 1))], secs(t0, 1.0));
        let r = t.get(&K).expect("rate").swapped();
        assert_eq!((r.rx_bps, r.tx_bps, r.rx_pps, r.tx_pps), (Some(10.0), Some(1000.0), Some(1.0), Some(5.0)));
        assert_eq!((r.totals.rx_bytes, r.totals.tx_bytes), (10, 1000));
        assert_eq!((r.history_rx.back(), r.history_tx.back()), (Some(&10), Some(&1000)));
    }

    #[test]
    fn first_sample_has_totals_and_no_rates() {
        let t0 = Instant::now();
        let mut t = RateTracker::new();
        t.ingest([(K, stats(1000, 2000, 10, 20))], t0);
        let r = t.get(&K).unwrap();
        assert_eq!(r.totals, stats(1000, 2000, 10, 20));
        assert!(!r.has_rates());
        assert_eq!((r.rx_bps, r.tx_bps, r.rx_pps, r.tx_pps, r.delta, r.interval), (None, None, None, None, None, None));
        assert!(r.history_rx.is_empty() && r.history_tx.is_empty());
        assert!(t.get(&(K.0, 3)).is_none());
    }

    #[test]
    fn steady_rate() {
        let t0 = Instant::now();
        let mut t = RateTracker::new();
        for i in 0..5u64 {
            // 1500 B/s in, 500 B/s out, 10 and 5 packets/s, sampled every 0.5 s.
            t.ingest([(K, stats(750 * i, 250 * i, 5 * i, 5 * i / 2))], secs(t0, 0.5 * i as f64));
        }
        let r = t.get(&K).unwrap();
        assert_eq!(r.rx_bps, Some(1500.0));
        assert_eq!(r.tx_bps, Some(500.0));
        assert_eq!(r.rx_pps, Some(10.0));
        assert_eq!(r.interval, Some(Duration::from_millis(500)));
        assert_eq!(r.delta.unwrap().rx_bytes, 750);
        assert_eq!(r.totals.rx_bytes, 3000);
        assert_eq!(r.history_rx, VecDeque::from(vec![1500; 4]));
        assert_eq!(r.history_tx, VecDeque::from(vec![500; 4]));
    }

    #[test]
    fn errors_and_drops_are_deltas() {
        let t0 = Instant::now();
        let mut t = RateTracker::new();
        let a = Stats { rx_errors: 3, tx_dropped: 7, ..Default::default() };
        let b = Stats { rx_errors: 5, tx_dropped: 7, ..Default::default() };
        t.ingest([(K, a)], t0);
        t.ingest([(K, b)], secs(t0, 1.0));
        let d = t.get(&K).unwrap().delta.unwrap();
        assert_eq!((d.rx_errors, d.tx_dropped), (2, 0));
    }

    #[test]
    fn counter_reset_rebaselines() {
        let t0 = Instant::now();
        let mut t = RateTracker::new();
        t.ingest([(K, stats(1_000_000, 1_000_000, 1000, 1000))], t0);
        t.ingest([(K, stats(1_001_000, 1_002_000, 1010, 1020))], secs(t0, 1.0));
        assert_eq!(t.get(&K).unwrap().rx_bps, Some(1000.0));
        // Re-created: counters start again from (almost) zero. No negative, no wrapped-around rate.
        t.ingest([(K, stats(100, 100, 1, 1))], secs(t0, 2.0));
        let r = t.get(&K).unwrap();
        assert!(!r.has_rates());
        assert_eq!(r.delta, None);
        assert_eq!(r.totals, stats(100, 100, 1, 1));
        assert_eq!(r.history_rx.len(), 1, "a reset adds nothing to the history");
        // Only one counter going down is enough.
        t.ingest([(K, stats(300, 200, 3, 2))], secs(t0, 3.0));
        assert_eq!(t.get(&K).unwrap().rx_bps, Some(200.0));
        t.ingest([(K, stats(400, 300, 2, 3))], secs(t0, 4.0));
        assert!(!t.get(&K).unwrap().has_rates());
        t.ingest([(K, stats(500, 300, 3, 3))], secs(t0, 5.0));
        assert_eq!(t.get(&K).unwrap().rx_bps, Some(100.0));
        assert_eq!(t.get(&K).unwrap().history_rx, VecDeque::from(vec![1000, 200, 100]));
    }

    #[test]
    fn history_is_bounded() {
        let t0 = Instant::now();
        let mut t = RateTracker::new();
        for i in 0..200u64 {
            t.ingest([(K, stats(i * i, 0, i, 0))], secs(t0, i as f64));
        }
        let r = t.get(&K).unwrap();
        assert_eq!(r.history_rx.len(), HISTORY);
        assert_eq!(r.history_tx.len(), HISTORY);
        // The newest are kept: rate between i-1 and i is 2i-1.
        assert_eq!(*r.history_rx.back().unwrap(), 2 * 199 - 1);
        assert_eq!(*r.history_rx.front().unwrap(), 2 * 140 - 1);
    }

    #[test]
    fn stale_keys_are_pruned() {
        let t0 = Instant::now();
        let mut t = RateTracker::with_limits(HISTORY, Duration::from_secs(120));
        let other = (K.0, 9);
        t.ingest([(K, stats(0, 0, 0, 0)), (other, stats(0, 0, 0, 0))], t0);
        for s in 1..=120 {
            t.ingest([(K, stats(s, s, s, s))], secs(t0, s as f64));
        }
        assert!(t.get(&other).is_some(), "kept up to the limit");
        t.ingest([(K, stats(200, 200, 200, 200))], secs(t0, 121.0));
        assert!(t.get(&other).is_none(), "dropped after the limit");
        assert_eq!(t.len(), 1);
        // Coming back after being dropped is a first sample again.
        t.ingest([(other, stats(5, 5, 5, 5))], secs(t0, 122.0));
        assert!(!t.get(&other).unwrap().has_rates());
    }

    #[test]
    fn sum_of_two_interfaces() {
        let t0 = Instant::now();
        let mut t = RateTracker::new();
        let (a, b) = ((K.0, 10), (K.0, 11));
        t.ingest([(a, stats(0, 0, 0, 0))], t0);
        t.ingest([(a, stats(100, 10, 1, 1))], secs(t0, 1.0));
        t.ingest([(a, stats(300, 30, 2, 2)), (b, stats(5000, 5000, 50, 50))], secs(t0, 2.0));
        // b is new: its totals count, its (unknown) rates do not.
        let s = t.sum(&[a, b]).unwrap();
        assert_eq!(s.totals, stats(5300, 5030, 52, 52));
        assert_eq!(s.rx_bps, Some(200.0));
        t.ingest([(a, stats(400, 40, 3, 3)), (b, stats(6000, 5500, 60, 55))], secs(t0, 3.0));
        let s = t.sum(&[a, b, (K.0, 99)]).unwrap();
        assert_eq!(s.rx_bps, Some(1100.0));
        assert_eq!(s.tx_bps, Some(510.0));
        assert_eq!(s.rx_pps, Some(11.0));
        assert_eq!(s.tx_pps, Some(6.0));
        assert_eq!(s.delta.unwrap().rx_bytes, 1100);
        assert_eq!(s.totals, stats(6400, 5540, 63, 58));
        // Histories add up from the newest value backwards: a has 3 values, b has 1.
        assert_eq!(s.history_rx, VecDeque::from(vec![100, 200, 1100]));
        assert_eq!(s.history_tx, VecDeque::from(vec![10, 20, 510]));
        assert!(t.sum(&[(K.0, 99)]).is_none());
        assert!(t.sum(&[]).is_none());
    }

    #[test]
    fn same_instant_gives_no_division_by_zero() {
        let t0 = Instant::now();
        let mut t = RateTracker::new();
        t.ingest([(K, stats(100, 100, 1, 1))], t0);
        t.ingest([(K, stats(200, 100, 2, 1))], t0);
        let r = t.get(&K).unwrap();
        assert!(!r.has_rates());
        assert_eq!(r.totals.rx_bytes, 100, "ignored");
        // The next interval is measured from the first reading.
        t.ingest([(K, stats(1100, 100, 11, 1))], secs(t0, 1.0));
        let r = t.get(&K).unwrap();
        assert_eq!(r.rx_bps, Some(1000.0));
        assert!(r.rx_bps.unwrap().is_finite());
        // The same again once rates exist: they stay as they were.
        t.ingest([(K, stats(1200, 100, 12, 1))], secs(t0, 1.0));
        assert_eq!(t.get(&K).unwrap().rx_bps, Some(1000.0));
        assert_eq!(t.get(&K).unwrap().history_rx.len(), 1);
        // A reset at the same instant is still a reset.
        t.ingest([(K, stats(5, 5, 1, 1))], secs(t0, 1.0));
        assert!(!t.get(&K).unwrap().has_rates());
        assert_eq!(t.get(&K).unwrap().totals.rx_bytes, 5);
    }
}
