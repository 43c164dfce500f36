//! One counter sample: the host namespace's links plus those of the watched namespaces.
//!
//! The host is read through one socket kept open across ticks (the host namespace never goes
//! away), with one RTM_GETSTATS dump. A watched namespace is entered on a short-lived thread of
//! its own each tick: keeping a socket open inside it would keep the namespace (and its veths)
//! alive after `ip netns del`, which a read-only tool must not do.

use super::IfKey;
use crate::collect::netlink::{self, NsTarget, socket::NlSocket};
use crate::model::{NsIdentity, Stats};
use std::time::Instant;

pub struct Sample {
    pub samples: Vec<(IfKey, Stats)>,
    pub sampled_at: Instant,
}

/// Keeps the host socket between ticks.
#[derive(Default)]
pub struct Sampler {
    socket: Option<NlSocket>,
}

impl Sampler {
    /// Read now. Blocking (a few system calls); call it off the async workers, from a thread in
    /// the host namespace.
    pub fn sample(&mut self, host: NsIdentity, watched: &[NsTarget], threads: usize) -> Sample {
        let mut samples = Vec::new();
        match self.host_counters() {
            Ok(c) => samples.extend(c.into_iter().map(|(ifindex, s)| ((host.inode, ifindex), s))),
            // No host counters this tick (the sample may still hold watched ones); a fresh
            // socket next time.
            Err(_) => self.socket = None,
        }
        let sampled_at = Instant::now();
        if !watched.is_empty() {
            for (target, r) in watched.iter().zip(netlink::run_counters(host, watched, threads)) {
                // A namespace that vanished or cannot be entered just has no counters.
                if let Ok(c) = r {
                    samples.extend(c.into_iter().map(|(ifindex, s)| ((target.id.inode, ifindex), s)));
                }
            }
        }
        Sample { samples, sampled_at }
    }

    fn host_counters(&mut self) -> Result<Vec<(u32, Stats)>, String> {
        if self.socket.is_none() {
            self.socket = Some(NlSocket::open(Vec::new()).map_err(|e| format!("netlink socket: {e}"))?);
        }
        let socket = self.socket.as_mut().ok_or("no socket")?;
        netlink::counters(socket).map_err(|e| e.to_string())
    }
}
