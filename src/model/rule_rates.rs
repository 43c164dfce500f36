//! Packets per second through each firewall rule, from two reads of its counters.

use super::firewall::{Counters, RuleRef, Ruleset};
use std::collections::HashMap;
use std::time::Instant;

#[derive(Debug, Default)]
pub struct RuleRates {
    last: HashMap<RuleRef, (Counters, Instant)>,
    /// Packets and bytes per second over the last interval.
    rates: HashMap<RuleRef, (f64, f64)>,
}

impl RuleRates {
    /// Take a new read. A rule whose counters went down (rules replaced, counters zeroed) starts
    /// over rather than showing a negative rate.
    pub fn ingest(&mut self, rules: &Ruleset, at: Instant) {
        let mut next = HashMap::new();
        self.rates.clear();
        for (r, rule) in rules.rules() {
            let Some(c) = rule.counters else { continue };
            if let Some((before, then)) = self.last.get(&r) {
                let secs = at.saturating_duration_since(*then).as_secs_f64();
                if secs > 0.0 && c.packets >= before.packets && c.bytes >= before.bytes {
                    let rate = ((c.packets - before.packets) as f64 / secs, (c.bytes - before.bytes) as f64 / secs);
                    self.rates.insert(r.clone(), rate);
                }
            }
            next.insert(r, (c, at));
        }
        self.last = next;
    }

    /// (packets/s, bytes/s) of a rule, once two reads have been seen.
    pub fn get(&self, r: &RuleRef) -> Option<(f64, f64)> {
        self.rates.get(r).copied()
    }
}
