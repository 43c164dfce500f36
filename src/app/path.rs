//! "Can A reach B" in the TUI: `m` marks where a path starts, `m` on another object asks for
//! the path; its hops are then highlighted in the tree.

use super::{App, NodeId};
use crate::model::Topology;
use crate::model::reach::{self, Place};
use std::collections::HashSet;

/// Where a path can start or end: containers, namespaces, the host and interfaces (their namespace).
pub fn place_of(t: &Topology, id: &NodeId) -> Option<Place> {
    let spec = match id {
        NodeId::Host => "host".to_string(),
        NodeId::Container(cid) => t.docker.containers.iter().find(|c| &c.id == cid)?.name.clone(),
        NodeId::Namespace(inode) | NodeId::Interface { ns: inode, .. } => inode.to_string(),
        _ => return None,
    };
    let mut place = reach::resolve(t, &spec).ok()?;
    if let NodeId::Interface { ns, ifindex } = id
        && !t.namespace(*ns).is_some_and(|n| n.host)
    {
        // Aim at this interface's own address when it has one.
        let iface = t.namespace(*ns).and_then(|n| n.interface(*ifindex));
        place.address = iface
            .and_then(|i| i.addresses.iter().find(|a| a.contains('.')))
            .and_then(|a| crate::model::net::strip_prefix_len(a).parse().ok());
    }
    Some(place)
}

/// `m`: mark the start, or (with a start marked) work out the path to the selection.
pub fn mark(app: &mut App) {
    let Some(selected) = app.selected.clone() else { return };
    match app.path_from.take() {
        Some(from) if from != selected => {
            let t = &app.topology;
            let (Some(a), Some(b)) = (place_of(t, &from), place_of(t, &selected)) else {
                app.path_note = Some("a path runs between containers, namespaces, interfaces and the host".into());
                return;
            };
            let report = reach::path(t, (&t.firewall).into(), a, b, "icmp", None);
            app.path_nodes = hop_nodes(t, &report);
            app.path = Some(report);
            app.path_open = true;
            app.path_note = None;
        }
        _ => {
            if place_of(&app.topology, &selected).is_some() {
                app.path_from = Some(selected);
                app.path_note = Some("path: select where to, then press m".into());
            } else {
                app.path_note = Some("a path starts at a container, a namespace, an interface or the host".into());
            }
        }
    }
}

pub fn clear(app: &mut App) {
    app.path = None;
    app.path_open = false;
    app.path_from = None;
    app.path_nodes.clear();
    app.path_note = None;
}

/// The tree rows a path passes: each hop's interface, and the containers of the namespaces it enters.
fn hop_nodes(t: &Topology, r: &reach::PathReport) -> HashSet<NodeId> {
    let mut out = HashSet::new();
    for h in &r.hops {
        let Some(ns) = h.namespace.and_then(|i| t.namespace(i)) else { continue };
        if let Some(i) = h.interface.as_deref().and_then(|name| ns.interface_named(name)) {
            out.insert(NodeId::Interface { ns: ns.inode, ifindex: i.ifindex });
        }
        if ns.host {
            continue;
        }
        out.insert(NodeId::Namespace(ns.inode));
        for c in t.docker.containers.iter().filter(|c| c.namespace == Some(ns.inode)) {
            out.insert(NodeId::Container(c.id.clone()));
        }
    }
    out
}
