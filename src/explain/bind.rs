//! Which concept explains each object of the model, and the live values its note needs.

use super::{Concept, Lang, concept, fill, placeholders};
use crate::app::tree::{Group, NodeId, all_rows};
use crate::model::{NsKind, Topology};
use std::collections::BTreeMap;

/// "1 port", "2 ports" (values are English in both languages: they come from the system).
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

fn first_v4(addrs: &[String]) -> String {
    addrs.iter().find(|a| a.contains('.')).cloned().unwrap_or_else(|| "no IPv4 address".into())
}

/// Which concept explains an object, and the live values its note needs.
pub fn binding(t: &Topology, id: &NodeId) -> Option<(&'static str, BTreeMap<&'static str, String>)> {
    let mut v = BTreeMap::new();
    match id {
        NodeId::Host => {
            let host = t.host_namespace()?;
            let nics = host.interfaces.iter().filter(|i| i.kind.is_none() && i.name != "lo").count();
            v.insert("nics", plural(nics, "NIC"));
            v.insert("bridges", plural(t.bridges.iter().filter(|b| b.namespace == host.inode).count(), "bridge"));
            v.insert("namespaces", plural(t.namespaces.len().saturating_sub(1), "other network namespace"));
            v.insert(
                "default_route",
                t.host.default_route.as_ref().and_then(|r| r.interface.clone()).map_or_else(
                    || "This host has no default route, so nothing leaves it for the outside.".into(),
                    |nic| format!("Traffic to the outside leaves through {nic}."),
                ),
            );
            Some(("host", v))
        }
        NodeId::Interface { ns, ifindex } => {
            let n = t.namespace(*ns)?;
            let i = n.interface(*ifindex)?;
            v.insert("name", i.name.clone());
            v.insert("addresses", if i.addresses.is_empty() { "no address".into() } else { i.addresses.join(", ") });
            match i.kind.as_deref() {
                Some("bridge") => {
                    let b = t.bridges.iter().find(|b| b.namespace == *ns && b.ifindex == *ifindex)?;
                    v.insert("address", first_v4(&b.addresses));
                    v.insert("ports", plural(b.ports.len(), "port"));
                    let mut members: Vec<String> = b.ports.iter().flat_map(|p| p.containers.iter().cloned()).collect();
                    members.sort();
                    members.dedup();
                    v.insert("members", if members.is_empty() { "no container".into() } else { members.join(", ") });
                    v.insert(
                        "network_note",
                        b.docker_network
                            .as_ref()
                            .map_or(", not made by Docker".into(), |d| format!(", made by Docker for its network {d}")),
                    );
                    Some((
                        // The default network's bridge, whatever the daemon named it (docker0 unless configured).
                        if is_default_bridge(t, b.docker_network.as_deref()) { "docker0" } else { "linux-bridge" },
                        v,
                    ))
                }
                Some("veth") => {
                    let p = i.peer.as_ref();
                    let place = p.and_then(|p| p.namespace).and_then(|n| t.namespace(n));
                    v.insert("peer", p.and_then(|p| p.name.clone()).unwrap_or_else(|| "an interface".into()));
                    v.insert(
                        "peer_place",
                        place.map_or("a namespace netview cannot see".into(), |n| match n.kind {
                            NsKind::Container => format!("container {}", n.label),
                            NsKind::Host => "the host".into(),
                            _ => format!("namespace {}", n.label),
                        }),
                    );
                    v.insert(
                        "bridge_note",
                        i.master.as_ref().map_or(String::new(), |m| format!(" This end is a port of the bridge {m}.")),
                    );
                    Some(("veth-pair", v))
                }
                None if n.host => {
                    let default =
                        t.host.default_route.as_ref().and_then(|r| r.interface.as_deref()) == Some(i.name.as_str());
                    v.insert(
                        "default_note",
                        if default { String::new() } else { format!(" ({} does not hold it)", i.name) },
                    );
                    Some(("host-nic", v))
                }
                _ => None,
            }
        }
        NodeId::Namespace(inode) => {
            let n = t.namespace(*inode)?;
            let id = if n.containers.len() > 1 { "shared-namespace" } else { "network-namespace" };
            Some((id, namespace_values(n, v)))
        }
        NodeId::Container(cid) => {
            let c = t.docker.containers.iter().find(|c| &c.id == cid)?;
            v.insert("name", c.name.clone());
            v.insert("mode", c.network_mode.clone());
            let note = match (&c.shares_namespace_with, c.network_mode.as_str(), c.namespace) {
                (Some(o), _, _) => format!("It shares the namespace of {o}: same interfaces, same addresses."),
                (None, "host", _) => "It uses the host's own namespace: no veth and no address of its own.".into(),
                (None, _, Some(i)) => format!("Its namespace has inode {i}."),
                (None, _, None) => "It is not running, so it has no namespace now.".into(),
            };
            v.insert("namespace_note", note);
            v.insert("endpoints", plural(c.endpoints.len(), "endpoint"));
            let wires: Vec<String> = c
                .endpoints
                .iter()
                .filter_map(|e| {
                    Some(format!(
                        "{} ⇄ {} on {}",
                        e.interface.as_ref()?,
                        e.host_interface.as_ref()?,
                        e.bridge.as_ref()?
                    ))
                })
                .collect();
            v.insert("endpoint_note", if wires.is_empty() { String::new() } else { format!(": {}", wires.join("; ")) });
            Some(("container", v))
        }
        NodeId::Network(nid) => {
            let n = t.docker.networks.iter().find(|n| &n.id == nid)?;
            v.insert("name", n.name.clone());
            v.insert("driver", n.driver.clone());
            v.insert("scope", n.scope.clone());
            let subnets: Vec<String> = n.subnets.iter().filter_map(|s| s.subnet.clone()).collect();
            v.insert(
                "subnet_note",
                if subnets.is_empty() { String::new() } else { format!(" and subnet {}", subnets.join(", ")) },
            );
            let driver_note = match n.driver.as_str() {
                "bridge" => format!("Its Linux bridge is {}.", n.bridge.as_deref().unwrap_or("not visible from here")),
                "host" => "Containers on it use the host's namespace directly.".into(),
                "null" => "Containers on it get only a loopback interface.".into(),
                "overlay" => {
                    "It spans the swarm's nodes with VXLAN; its bridge lives in a namespace of its own.".into()
                }
                "macvlan" | "ipvlan" => "Containers get interfaces on a parent NIC directly, without a bridge.".into(),
                _ => String::new(),
            };
            v.insert("driver_note", driver_note);
            v.insert("members", plural(n.containers.len(), "container"));
            Some(("docker-network", v))
        }
        NodeId::Group(g) => Some((
            match g {
                Group::LoosePairs => "veth-pair",
                Group::OtherInterfaces => "host-nic",
                Group::Networks => "docker-network",
                Group::HostMode => "host-driver",
                Group::NoneMode => "none-driver",
                Group::Shared => "shared-namespace",
                Group::Stopped => "container",
                Group::Namespaces => "network-namespace",
            },
            v,
        )),
    }
}

/// Docker marks its default network with the option `com.docker.network.bridge.default_bridge`.
fn is_default_bridge(t: &Topology, network: Option<&str>) -> bool {
    network
        .and_then(|n| t.network(n))
        .is_some_and(|n| n.options.get("com.docker.network.bridge.default_bridge").map(String::as_str) == Some("true"))
}

fn namespace_values(
    n: &crate::model::Namespace,
    mut v: BTreeMap<&'static str, String>,
) -> BTreeMap<&'static str, String> {
    v.insert("label", n.label.clone());
    v.insert("kind", n.kind.as_str().to_string());
    v.insert("interfaces", plural(n.interfaces.len(), "interface"));
    v
}

/// The live sentence of `concept` for the object `id`, when the concept has one and the object binds to it.
pub fn live_sentence(t: &Topology, id: &NodeId, lang: Lang) -> Option<(&'static Concept, Option<String>)> {
    let (concept_id, values) = binding(t, id)?;
    let c = concept(lang, concept_id)?;
    let live = c.live.as_deref().map(|l| fill(l, &values)).filter(|l| placeholders(l).is_empty());
    Some((c, live))
}

/// The first object of the host that a concept explains (for `netview explain <id>`).
pub fn first_object(t: &Topology, concept_id: &str) -> Option<NodeId> {
    all_rows(t).into_iter().map(|r| r.id).find(|id| binding(t, id).is_some_and(|(c, _)| c == concept_id))
}
