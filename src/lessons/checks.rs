//! A step's check, evaluated on the model: pure, read-only, the same in the TUI, in
//! `netview lesson check` and in the tests.

use super::{Check, Vars};
use crate::model::reach::{self, Reach};
use crate::model::{Container, Network, Topology};

/// Whether a highlight selector names a kind of object netview knows.
pub fn valid_selector(s: &str) -> bool {
    let Some((kind, name)) = s.split_once(':') else { return false };
    !name.is_empty()
        && match kind {
            "container" | "network" | "bridge" | "namespace" => true,
            "nic" => name == "default",
            "group" => matches!(name, "ports" | "kubernetes" | "networks"),
            _ => false,
        }
}

fn running<'a>(t: &'a Topology, name: &str) -> Option<&'a Container> {
    t.docker.containers.iter().find(|c| c.name == name && c.state == "running")
}

/// "bridge" names Docker's default network, whatever its bridge is called.
pub fn network<'a>(t: &'a Topology, name: &str) -> Option<&'a Network> {
    t.network(name)
}

pub fn default_network(t: &Topology) -> Option<&Network> {
    t.docker
        .networks
        .iter()
        .find(|n| n.options.get("com.docker.network.bridge.default_bridge").map(String::as_str) == Some("true"))
        .or_else(|| t.network("bridge"))
}

/// Which netview lab is up, from the objects only it makes (names fixed in `crate::lab`).
pub fn lab_up(t: &Topology, name: &str) -> bool {
    let host_link = |l: &str| t.host_namespace().is_some_and(|h| h.interface_named(l).is_some());
    let named = |n: &str| t.namespaces.iter().any(|ns| ns.paths.iter().any(|p| p == &format!("/run/netns/{n}")));
    match name {
        "docker-like" => host_link("nvlab-docker0"),
        "k8s-node" => host_link("nvlab-cni0"),
        "two-hosts" => named("nvlab-hostA"),
        _ => false,
    }
}

/// Evaluate one check; names in it are filled with `vars` first.
pub fn holds(t: &Topology, check: &Check, vars: &Vars) -> bool {
    let f = |s: &str| vars.fill(s);
    match check {
        Check::Docker {} => t.docker.available,
        Check::DefaultRoute {} => t.host.default_route.as_ref().is_some_and(|r| r.interface.is_some()),
        Check::DefaultBridge {} => default_network(t)
            .and_then(|n| n.bridge.as_deref())
            .and_then(|b| t.bridge(b))
            .is_some_and(|b| !b.addresses.is_empty()),
        Check::Networks { names } => names.iter().all(|n| t.network(&f(n)).is_some()),
        Check::Container { name, network, mode, min_networks } => {
            let Some(c) = running(t, &f(name)) else { return false };
            let on = |net: &str| {
                let want = if net == "bridge" { default_network(t).map(|n| n.name.clone()) } else { Some(f(net)) };
                want.is_some_and(|w| c.endpoints.iter().any(|e| e.network == w))
            };
            network.as_deref().is_none_or(on)
                && mode.as_deref().is_none_or(|m| match m {
                    "container" => c.shares_namespace_with.is_some(),
                    m => c.network_mode == m,
                })
                && min_networks.is_none_or(|n| c.endpoints.len() >= n)
        }
        Check::VethOnBridge { container } => {
            let Some(c) = running(t, &f(container)) else { return false };
            let bridged: Vec<_> =
                c.endpoints.iter().filter(|e| t.network(&e.network).is_some_and(|n| n.driver == "bridge")).collect();
            !bridged.is_empty()
                && bridged.iter().all(|e| {
                    let want = t.network(&e.network).and_then(|n| n.bridge.clone());
                    e.host_interface.is_some() && want.is_some() && e.bridge == want
                })
        }
        Check::UserNetwork { name } => t.network(&f(name)).is_some_and(|n| {
            n.driver == "bridge"
                && Some(n.name.as_str()) != default_network(t).map(|d| d.name.as_str())
                && n.bridge.as_deref().is_some_and(|b| t.bridge(b).is_some())
        }),
        Check::SameNetwork { a, b } => match (running(t, &f(a)), running(t, &f(b))) {
            (Some(a), Some(b)) => a.endpoints.iter().any(|e| b.endpoints.iter().any(|o| o.network == e.network)),
            _ => false,
        },
        Check::Published { container } => {
            let name = f(container);
            t.firewall.ports.iter().any(|m| m.container == name && !m.dnat.is_empty())
        }
        Check::DnatCounted { container } => {
            let name = f(container);
            t.firewall
                .ports
                .iter()
                .filter(|m| m.container == name)
                .flat_map(|m| &m.dnat)
                .any(|h| h.counters.is_some_and(|c| c.packets > 0))
        }
        Check::Tracked { container } => {
            let name = f(container);
            t.firewall
                .ports
                .iter()
                .filter(|m| m.container == name)
                .any(|m| m.connections.as_ref().is_some_and(|c| c.total > 0))
        }
        Check::Proxy { container } => {
            let name = f(container);
            t.firewall.ports.iter().any(|m| m.container == name && m.proxy_pid.is_some())
        }
        Check::Path { from, to, verdict, via } => {
            let (Ok(a), Ok(b)) = (reach::resolve(t, &f(from)), reach::resolve(t, &f(to))) else { return false };
            let r = reach::path(t, (&t.firewall).into(), a, b, "icmp", None);
            let want = match verdict.as_str() {
                "reachable" => Reach::Reachable,
                "blocked" => Reach::Blocked,
                _ => return false,
            };
            let bridge = via.as_deref().map(|v| match v {
                "default" => default_network(t).and_then(|n| n.bridge.clone()),
                v => t.network(&f(v)).and_then(|n| n.bridge.clone()).or_else(|| Some(f(v))),
            });
            r.verdict == want
                && bridge.is_none_or(|b| b.is_some_and(|b| r.hops.iter().any(|h| h.interface.as_deref() == Some(&b))))
        }
        Check::Internal { network } => t.network(&f(network)).is_some_and(|n| n.internal),
        Check::IccOff { network } => t.network(&f(network)).is_some_and(|n| n.icc == Some(false)),
        Check::ComposeNetwork { project } => {
            let p = f(project);
            t.docker
                .networks
                .iter()
                .any(|n| n.compose_project.as_deref() == Some(&p) && n.name == format!("{p}_default"))
        }
        Check::Lab { name } => lab_up(t, name),
        Check::Kubernetes { pod_cidr } => {
            t.kubernetes.as_ref().is_some_and(|k| pod_cidr.as_deref().is_none_or(|c| k.pod_cidr.as_deref() == Some(c)))
        }
        Check::Absent { containers, networks, labs } => {
            containers.iter().all(|c| t.docker.containers.iter().all(|x| x.name != f(c)))
                && networks.iter().all(|n| t.network(&f(n)).is_none())
                && labs.iter().all(|l| !lab_up(t, l))
        }
    }
}
