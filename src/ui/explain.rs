//! The explanation pane: the concept behind the selected object, filled with its live values.

use super::pane_block;
use super::theme::Theme;
use crate::app::{App, NodeId, Pane};
use crate::explain::{concept, fill};
use crate::model::{NsKind, Topology};
use crate::ui::plural;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use std::collections::BTreeMap;

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let block = pane_block(app, t, Pane::Explain, "Explanation");
    let lines = match app.selected.as_ref().and_then(|id| binding(&app.topology, id)) {
        Some((id, values)) => match concept(id) {
            Some(c) => vec![
                Line::styled(c.title.clone(), t.title),
                Line::styled(c.summary.clone(), t.dim),
                Line::raw(""),
                Line::raw(fill(&c.body, &values)),
            ],
            None => vec![Line::styled(format!("(no note for {id} yet)"), t.dim)],
        },
        None => vec![Line::styled("select an object to see what it is", t.dim)],
    };
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }).scroll((app.explain_scroll, 0)),
        area,
    );
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
            v.insert("nics", host.interfaces.iter().filter(|i| i.kind.is_none() && i.name != "lo").count().to_string());
            v.insert("bridges", t.bridges.iter().filter(|b| b.namespace == host.inode).count().to_string());
            v.insert("namespaces", (t.namespaces.len().saturating_sub(1)).to_string());
            v.insert(
                "default_nic",
                t.host
                    .default_route
                    .as_ref()
                    .and_then(|r| r.interface.clone())
                    .unwrap_or_else(|| "no default route".into()),
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
                    v.insert(
                        "network_note",
                        b.docker_network
                            .as_ref()
                            .map_or(", not made by Docker".into(), |d| format!(", made by Docker for its network {d}")),
                    );
                    Some((
                        if i.name == "docker0" && b.docker_network.as_deref() == Some("bridge") {
                            "docker0"
                        } else {
                            "linux-bridge"
                        },
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
            v.insert("label", n.label.clone());
            v.insert("kind", n.kind.as_str().to_string());
            v.insert("interfaces", plural(n.interfaces.len(), "interface"));
            Some(("network-namespace", v))
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
        NodeId::Group(_) => None,
    }
}
