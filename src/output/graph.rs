//! `--snapshot --format dot|mermaid`: the topology as a graph for slides and handouts. Host NICs
//! and bridges hang off the host; each bridge port is an edge to the namespace behind it (labelled
//! with the veth ends and the address); macvlan/ipvlan children off their parent; overlay networks
//! as their VXLAN device. Deterministic, like the text snapshot.

use crate::model::{Namespace, NsKind, Topology};
use std::fmt::Write;

/// One graph, independent of the syntax it is printed in.
struct Graph {
    nodes: Vec<(String, String, &'static str)>, // id, label, shape/kind
    edges: Vec<(String, String, String)>,       // from, to, label
}

fn ns_id(n: &Namespace) -> String {
    format!("ns{}", n.inode)
}

fn ns_label(n: &Namespace) -> String {
    match n.kind {
        NsKind::Container => format!("container {}", n.label),
        _ => format!("{} {}", n.kind.as_str(), n.label),
    }
}

fn graph(t: &Topology) -> Graph {
    let mut g = Graph { nodes: Vec::new(), edges: Vec::new() };
    let Some(h) = t.host_namespace() else { return g };
    let host = "host".to_string();
    g.nodes.push((host.clone(), format!("host {}", t.host.hostname.as_deref().unwrap_or("")).trim().into(), "host"));
    let iface_id = |ns: u64, ifindex: u32| format!("if{ns}_{ifindex}");
    let mut seen_ns = std::collections::BTreeSet::new();
    for i in h.interfaces.iter().filter(|i| i.kind.is_none() && i.name != "lo") {
        let id = iface_id(h.inode, i.ifindex);
        let addrs: Vec<&str> = i.addresses.iter().filter(|a| a.contains('.')).map(String::as_str).collect();
        g.nodes.push((id.clone(), format!("{}\n{}", i.name, addrs.join(" ")).trim().into(), "nic"));
        g.edges.push((host.clone(), id, String::new()));
    }
    for b in t.bridges.iter().filter(|b| b.namespace == h.inode) {
        let id = iface_id(h.inode, b.ifindex);
        let net = b.docker_network.as_deref().map_or(String::new(), |n| format!("\nnetwork {n}"));
        let addr = b.addresses.iter().find(|a| a.contains('.')).map_or("", String::as_str);
        g.nodes.push((id.clone(), format!("{} {addr}{net}", b.name).trim().into(), "bridge"));
        g.edges.push((host.clone(), id.clone(), String::new()));
        for p in &b.ports {
            let Some(far) = p.peer.as_ref().and_then(|r| r.namespace).and_then(|i| t.namespace(i)) else { continue };
            if seen_ns.insert(far.inode) {
                g.nodes.push((ns_id(far), ns_label(far), "namespace"));
            }
            let inner = p.peer.as_ref().and_then(|r| r.name.clone()).unwrap_or_default();
            let addr = p.peer_addresses.iter().find(|a| a.contains('.')).cloned().unwrap_or_default();
            g.edges.push((id.clone(), ns_id(far), format!("{} ⇄ {inner} {addr}", p.name).trim().into()));
        }
    }
    // macvlan/ipvlan children: an edge from the parent device to the namespace.
    for n in &t.namespaces {
        for i in &n.interfaces {
            let Some(p) = i.parent.as_ref() else { continue };
            if !matches!(i.kind.as_deref(), Some("macvlan" | "ipvlan")) || p.namespace != Some(h.inode) {
                continue;
            }
            if seen_ns.insert(n.inode) {
                g.nodes.push((ns_id(n), ns_label(n), "namespace"));
            }
            let addr = i.addresses.iter().find(|a| a.contains('.')).cloned().unwrap_or_default();
            let label = format!("{} {} {addr}", i.kind.as_deref().unwrap_or(""), i.name).trim().to_string();
            g.edges.push((iface_id(h.inode, p.ifindex), ns_id(n), label));
        }
    }
    for n in &t.docker.networks {
        let Some(o) = &n.overlay else { continue };
        let id = format!("overlay_{}", n.id.get(..12).unwrap_or(&n.id));
        let vni = o.vni.map_or("?".into(), |v| v.to_string());
        g.nodes.push((id.clone(), format!("overlay {}\nVXLAN {vni}", n.name), "overlay"));
        g.edges.push((host.clone(), id.clone(), String::new()));
        for c in t.docker.containers.iter().filter(|c| n.containers.contains(&c.name)) {
            if let Some(ns) = c.namespace.and_then(|i| t.namespace(i)) {
                if seen_ns.insert(ns.inode) {
                    g.nodes.push((ns_id(ns), ns_label(ns), "namespace"));
                }
                g.edges.push((id.clone(), ns_id(ns), String::new()));
            }
        }
    }
    g
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

pub fn dot(t: &Topology) -> String {
    let g = graph(t);
    let mut out = String::from(
        "digraph netview {\n  rankdir=LR;\n  node [fontname=\"monospace\", fontsize=10];\n  edge [fontname=\"monospace\", fontsize=9];\n",
    );
    for (id, label, kind) in &g.nodes {
        let shape = match *kind {
            "host" => "shape=house",
            "nic" => "shape=box, style=rounded",
            "bridge" => "shape=box, style=filled, fillcolor=\"#dbeafe\"",
            "overlay" => "shape=box, style=\"filled,dashed\", fillcolor=\"#ede9fe\"",
            _ => "shape=component",
        };
        let _ = writeln!(out, "  {id} [label=\"{}\", {shape}];", dot_escape(label));
    }
    for (a, b, label) in &g.edges {
        let attrs = if label.is_empty() { String::new() } else { format!(" [label=\"{}\"]", dot_escape(label)) };
        let _ = writeln!(out, "  {a} -> {b}{attrs};");
    }
    out.push_str("}\n");
    out
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;").replace('\n', "<br/>")
}

pub fn mermaid(t: &Topology) -> String {
    let g = graph(t);
    let mut out = String::from("graph LR\n");
    for (id, label, kind) in &g.nodes {
        let l = mermaid_escape(label);
        let shape = match *kind {
            "host" => format!("{id}{{{{\"{l}\"}}}}"),
            "bridge" | "overlay" => format!("{id}[[\"{l}\"]]"),
            "nic" => format!("{id}([\"{l}\"])"),
            _ => format!("{id}[\"{l}\"]"),
        };
        let _ = writeln!(out, "  {shape}");
    }
    for (a, b, label) in &g.edges {
        if label.is_empty() {
            let _ = writeln!(out, "  {a} --> {b}");
        } else {
            let _ = writeln!(out, "  {a} -->|\"{}\"| {b}", mermaid_escape(label));
        }
    }
    out
}
