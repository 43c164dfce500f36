//! Docker's names in the details: an endpoint's aliases and DNS names, the names a network's
//! embedded DNS answers, and the ports a container asked for that Docker never published.

use super::details::Out;
use crate::model::names::{NetworkDns, network_dns};
use crate::model::{Container, Endpoint, Network, Topology};

/// How many names a network's details list before "… N more".
const NAMES_SHOWN: usize = 40;

pub(super) fn endpoint(e: &Endpoint, o: &mut Out) {
    if !e.aliases.is_empty() {
        o.kv("aliases", e.aliases.join(", "));
    }
    if !e.dns_names.is_empty() {
        o.kv("dns names", e.dns_names.join(", "));
    }
}

pub(super) fn unpublished(c: &Container, o: &mut Out) {
    if c.unpublished.is_empty() {
        return;
    }
    o.blank();
    o.head("asked to publish, not published");
    for u in &c.unpublished {
        o.text(format!("  {}: {}", u.flag(), u.reason));
    }
    o.text("  Docker kept the request (HostConfig.PortBindings) but published nothing: no DNAT, no docker-proxy, nothing listens on the host port.");
}

pub(super) fn network(t: &Topology, n: &Network, o: &mut Out) {
    match network_dns(t, n) {
        None => {}
        Some(NetworkDns::DefaultBridge) => {
            o.blank();
            o.head("names (embedded DNS)");
            o.text("  none: the default bridge has no embedded DNS at 127.0.0.11. Its containers get a copy of the host's resolv.conf and reach each other by address only; that is what --link was for (it writes the other container's name into /etc/hosts). On a user-defined network names resolve.");
        }
        Some(NetworkDns::Names(names)) => {
            o.blank();
            o.head(format!("names its embedded DNS (127.0.0.11) answers ({})", names.len()));
            for d in names.iter().take(NAMES_SHOWN) {
                let who = if d.name == d.container { String::new() } else { format!("  ({})", d.container) };
                o.text(format!("  {} → {}{who}", d.name, d.address.as_deref().unwrap_or("-")));
            }
            if names.len() > NAMES_SHOWN {
                o.text(format!("  … {} more", names.len() - NAMES_SHOWN));
            }
        }
    }
}
