//! Keeps the picture current while the TUI runs: full reads when something changed (Docker
//! events, netlink notifications, a periodic resync) and cheap counter samples every tick.
//! Collector-side code: it knows nothing of the UI, and the UI knows only `Update` and `Control`.
//!
//! Read-only like the rest of netview: netlink dumps and GET requests, Docker ping, list,
//! inspect and events.

mod counters;
pub mod schedule;
mod source;
pub mod watch;

pub use source::{MAX_INTERVAL, MIN_INTERVAL, clamp_interval, spawn};

use crate::model::{Observation, Stats};
use std::time::{Duration, Instant};

/// Where a counter sample comes from: (namespace inode, ifindex).
pub type IfKey = (u64, u32);

/// What the live source sends to the app.
#[derive(Debug)]
pub enum Update {
    /// A full read of the host; `reason` says what triggered it ("start", "docker event", ...).
    Full { observation: Box<Observation>, sampled_at: Instant, reason: String },
    /// Counters of the host namespace and the watched namespaces, sampled at one instant.
    Counters { samples: Vec<(IfKey, Stats)>, sampled_at: Instant },
    /// A whole topology at once (replay and demo: a saved snapshot, not a live read).
    Topology { topology: Box<crate::model::Topology>, sampled_at: Instant },
    /// Firewall rules and tracked connections re-read on a tick, for rule counters and
    /// connections that move (only while watched).
    Firewall {
        ruleset: Box<crate::model::firewall::Ruleset>,
        conntrack: crate::model::ConntrackObs,
        sampled_at: Instant,
    },
    /// Docker came or went, with the reason when it went.
    Docker { available: bool, error: Option<String> },
}

/// What the app asks of the live source.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// Read everything now.
    RefreshNow,
    /// Change the counter tick.
    SetInterval(Duration),
    /// Stop (true) or resume (false) sampling and refreshing.
    Pause(bool),
    /// Namespaces (by inode) whose counters are wanted each tick besides the host's.
    Watch(Vec<u64>),
    /// Re-read the firewall rules every tick (true) or only with full reads (false).
    WatchFirewall(bool),
    Quit,
}
