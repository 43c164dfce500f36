//! The topology tree as rows: host → NICs and bridges → ports → who is behind each port, then
//! explained groups. Pure: built from the topology, the expanded set and the filter.

use crate::model::ports::PortMapping;
use crate::model::{Bridge, Container, Engine, Interface, Namespace, NsKind, Topology};
use std::collections::HashSet;

/// A stable identity for what a row shows, so the selection follows the object across refreshes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    Host,
    Group(Group),
    Interface {
        ns: u64,
        ifindex: u32,
    },
    Namespace(u64),
    Container(String),
    Network(String),
    /// A published port: (protocol, host address as Docker lists it, host port).
    PortMapping {
        protocol: String,
        host_ip: String,
        host_port: u16,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    LoosePairs,
    OtherInterfaces,
    Networks,
    Ports,
    Kubernetes,
    HostMode,
    NoneMode,
    Shared,
    Stopped,
    Namespaces,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::LoosePairs => "veth pairs not on a bridge",
            Group::OtherInterfaces => "other interfaces",
            Group::Networks => "Docker networks",
            Group::Ports => "published ports & NAT",
            Group::Kubernetes => "Kubernetes node (this node's view)",
            Group::HostMode => "host network (no namespace of their own)",
            Group::NoneMode => "no network (only lo)",
            Group::Shared => "shared namespaces (container: mode)",
            Group::Stopped => "not running (no namespace)",
            Group::Namespaces => "all network namespaces",
        }
    }
}

/// What kind of thing a row is, for styling and explanations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Host,
    Group,
    Nic,
    Bridge,
    Port,
    OtherInterface,
    Container,
    Namespace,
    Network,
    Mapping,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: NodeId,
    pub kind: RowKind,
    pub depth: u16,
    pub text: String,
    /// Secondary text: addresses, the far end of a veth.
    pub detail: String,
    pub has_children: bool,
    pub expanded: bool,
}

/// A node before flattening: rows are produced from these according to expansion and filter.
struct Node {
    id: NodeId,
    kind: RowKind,
    text: String,
    detail: String,
    /// Extra words the filter matches (IPs, MACs, ids).
    search: String,
    children: Vec<Node>,
}

fn node(id: NodeId, kind: RowKind, text: String, detail: String, search: String, children: Vec<Node>) -> Node {
    Node { id, kind, text, detail, search, children }
}

fn iface_search(i: &Interface) -> String {
    let mut s = i.addresses.join(" ");
    if let Some(m) = &i.mac {
        s.push(' ');
        s.push_str(m);
    }
    s
}

/// Addresses worth a place in a tree row: not link-local IPv6, not loopback.
fn telling(a: &str) -> bool {
    !a.starts_with("fe80:") && !a.starts_with("127.") && !a.starts_with("::1/")
}

fn short_addrs(addrs: &[String]) -> String {
    addrs.iter().filter(|a| telling(a)).cloned().collect::<Vec<_>>().join(" ")
}

fn container_node(c: &Container) -> Node {
    let ips: Vec<String> = c.endpoints.iter().filter_map(|e| e.ipv4.clone()).collect();
    let macs: Vec<String> = c.endpoints.iter().filter_map(|e| e.mac.clone()).collect();
    node(
        NodeId::Container(c.id.clone()),
        RowKind::Container,
        c.name.clone(),
        format!("{}{}", ips.join(" "), engine_tag(c.engine)).trim_start().to_string(),
        format!("{} {} {}{}", c.id, ips.join(" "), macs.join(" "), engine_tag(c.engine)),
        vec![],
    )
}

/// Docker is the engine a row names by default; another engine's objects say whose they are.
fn engine_tag(e: Engine) -> String {
    if e == Engine::Docker { String::new() } else { format!("  [{}]", e.as_str()) }
}

/// A bridge with its ports, each port with what is behind it: the container, or the namespace
/// (as a leaf, so namespaces holding bridges of their own never nest without end).
fn bridge_node(t: &Topology, b: &Bridge, containers_in: &dyn Fn(&Namespace) -> Vec<Node>) -> Node {
    let ports = b
        .ports
        .iter()
        .map(|p| {
            let far_ns = p.peer.as_ref().and_then(|r| r.namespace).and_then(|i| t.namespace(i));
            let far = match (&p.peer, far_ns) {
                (Some(r), Some(ns)) => format!("⇄ {} @ {}", r.name.as_deref().unwrap_or("?"), ns.label),
                (Some(r), None) => format!("⇄ ifindex {} in an unseen namespace", r.ifindex),
                (None, _) => vxlan_summary(t, b.namespace, p.ifindex).unwrap_or_default(),
            };
            let behind: Vec<Node> = match far_ns {
                Some(ns) if ns.kind == NsKind::Container => {
                    let mut behind = containers_in(ns);
                    for c in &mut behind {
                        c.detail = this_port_first(&c.detail, &p.peer_addresses);
                    }
                    behind
                }
                // A peer in the bridge's own namespace would repeat the row that holds the
                // bridge, once per port: quadratic in a namespace with thousands of them.
                Some(ns) if !ns.host && ns.inode != b.namespace => vec![namespace_node(ns)],
                _ => vec![],
            };
            let search = format!("{} {}", far, p.peer_addresses.join(" "));
            node(
                NodeId::Interface { ns: b.namespace, ifindex: p.ifindex },
                RowKind::Port,
                p.name.clone(),
                format!("{far}  {}", short_addrs(&p.peer_addresses)).trim_end().to_string(),
                search,
                behind,
            )
        })
        .chain(children_of_parent(t, b.namespace, b.ifindex, containers_in))
        .collect();
    let mut detail = short_addrs(&b.addresses);
    if let Some(n) = &b.docker_network {
        detail.push_str(&format!("  [network {n}]"));
    }
    node(
        NodeId::Interface { ns: b.namespace, ifindex: b.ifindex },
        RowKind::Bridge,
        b.name.clone(),
        detail,
        b.addresses.join(" "),
        ports,
    )
}

/// A container's addresses with the one on this port first: under a bridge, the address on that
/// network is the one that matters.
fn this_port_first(ips: &str, port_addresses: &[String]) -> String {
    let on_port = |ip: &&str| port_addresses.iter().any(|a| a.split('/').next() == ip.split('/').next());
    let (mut first, rest): (Vec<&str>, Vec<&str>) = ips.split(' ').filter(|s| !s.is_empty()).partition(on_port);
    first.extend(rest);
    first.join(" ")
}

/// "VXLAN 42 udp/4789 → 10.231.0.2" for a VXLAN device (a bridge port with no peer): where its
/// frames go (the remote or group, and the remotes of its forwarding table).
fn vxlan_summary(t: &Topology, ns: u64, ifindex: u32) -> Option<String> {
    let v = t.namespace(ns)?.interfaces.iter().find(|i| i.ifindex == ifindex)?.vxlan.as_ref()?;
    let vni = v.vni.map_or("?".into(), |v| v.to_string());
    let port = v.port.map_or("?".into(), |p| p.to_string());
    let mut ends = v.remotes();
    // A multicast group is not a remote, but it is where the frames go.
    if let Some(g) = v.multicast_group() {
        ends.insert(0, g.clone());
    }
    let ends = if ends.is_empty() { String::new() } else { format!(" → {}", some_of(&ends)) };
    Some(format!("VXLAN {vni} udp/{port}{ends}"))
}

/// "a, b, c" or "a, b, c +2".
fn some_of(items: &[String]) -> String {
    let shown = items.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 3 { format!("{shown} +{}", items.len() - 3) } else { shown }
}

/// The tree's nodes, in display order.
fn nodes(t: &Topology) -> Vec<Node> {
    let mut roots = Vec::new();
    let containers_in = |ns: &Namespace| -> Vec<Node> {
        t.docker.containers.iter().filter(|c| c.namespace == Some(ns.inode)).map(container_node).collect()
    };
    if let Some(h) = t.host_namespace() {
        let mut children = Vec::new();
        let default_nic = t.host.default_route.as_ref().and_then(|r| r.interface.clone());
        for i in h.interfaces.iter().filter(|i| i.kind.is_none() && i.name != "lo") {
            let mut detail = short_addrs(&i.addresses);
            if default_nic.as_deref() == Some(i.name.as_str()) {
                detail.push_str("  ★ default route");
            }
            children.push(node(
                NodeId::Interface { ns: h.inode, ifindex: i.ifindex },
                RowKind::Nic,
                i.name.clone(),
                detail,
                iface_search(i),
                children_of_parent(t, h.inode, i.ifindex, &containers_in),
            ));
        }
        for b in t.bridges.iter().filter(|b| b.namespace == h.inode) {
            children.push(bridge_node(t, b, &containers_in));
        }
        let loose: Vec<Node> = h
            .interfaces
            .iter()
            .filter(|i| i.kind.as_deref() == Some("veth") && i.master.is_none())
            .map(|i| {
                let far = i.peer.as_ref().map_or(String::new(), |r| {
                    let place = r.namespace.and_then(|n| t.namespace(n)).map_or("an unseen namespace", |n| &n.label);
                    format!("⇄ {} @ {place}", r.name.as_deref().unwrap_or("?"))
                });
                node(
                    NodeId::Interface { ns: h.inode, ifindex: i.ifindex },
                    RowKind::Port,
                    i.name.clone(),
                    far,
                    iface_search(i),
                    vec![],
                )
            })
            .collect();
        if !loose.is_empty() {
            children.push(group(Group::LoosePairs, loose));
        }
        let others: Vec<Node> = h
            .interfaces
            .iter()
            .filter(|i| !matches!(i.kind.as_deref(), None | Some("veth") | Some("bridge")) && i.master.is_none())
            .map(|i| {
                node(
                    NodeId::Interface { ns: h.inode, ifindex: i.ifindex },
                    RowKind::OtherInterface,
                    i.name.clone(),
                    format!("{}  {}", i.kind.as_deref().unwrap_or(""), short_addrs(&i.addresses))
                        .trim_end()
                        .to_string(),
                    iface_search(i),
                    vec![],
                )
            })
            .collect();
        if !others.is_empty() {
            children.push(group(Group::OtherInterfaces, others));
        }
        let label = format!("host {}", t.host.hostname.as_deref().unwrap_or("")).trim_end().to_string();
        roots.push(node(NodeId::Host, RowKind::Host, label, String::new(), String::new(), children));
    }
    let podman = t.docker.networks.iter().any(|n| n.engine == Engine::Podman);
    if t.docker.available || podman {
        let nets = t
            .docker
            .networks
            .iter()
            .map(|n| {
                // Docker's and Podman's containers may share a name: members come from the network's own engine.
                let mine = |c: &&Container| c.engine == n.engine && n.containers.contains(&c.name);
                let members: Vec<Node> = overlay_device(t, n)
                    .into_iter()
                    .chain(t.docker.containers.iter().filter(mine).map(container_node))
                    .collect();
                let subnets: Vec<String> = n.subnets.iter().filter_map(|s| s.subnet.clone()).collect();
                node(
                    NodeId::Network(n.id.clone()),
                    RowKind::Network,
                    n.name.clone(),
                    format!("{}  {}{}", n.driver, subnets.join(" "), engine_tag(n.engine)).trim_end().to_string(),
                    format!("{} {}{}", n.id, subnets.join(" "), engine_tag(n.engine)),
                    members,
                )
            })
            .collect();
        let mut networks = group(Group::Networks, nets);
        if podman {
            networks.text = if t.docker.available { "Docker and Podman networks" } else { "Podman networks" }.into();
        }
        roots.push(networks);
    }
    if !t.firewall.ports.is_empty() {
        let ports = t.firewall.ports.iter().map(mapping_node).collect();
        roots.push(group(Group::Ports, ports));
    }
    if let Some(k) = &t.kubernetes {
        roots.push(kubernetes_node(t, k));
    }
    let running = |c: &&Container| c.state == "running";
    let by = |pred: &dyn Fn(&Container) -> bool| -> Vec<Node> {
        t.docker.containers.iter().filter(running).filter(|c| pred(c)).map(container_node).collect()
    };
    for (g, members) in [
        (Group::HostMode, by(&|c| c.network_mode == "host")),
        (Group::NoneMode, by(&|c| c.network_mode == "none")),
        (Group::Shared, by(&|c| c.shares_namespace_with.is_some())),
        (Group::Stopped, t.docker.containers.iter().filter(|c| c.state != "running").map(container_node).collect()),
    ] {
        if !members.is_empty() {
            roots.push(group(g, members));
        }
    }
    // A namespace holding bridges (a lab's "host", an overlay's namespace) opens onto them.
    let namespaces: Vec<Node> = t
        .namespaces
        .iter()
        .filter(|n| !n.host)
        .map(|n| {
            let mut row = namespace_node(n);
            row.children = t
                .bridges
                .iter()
                .filter(|b| b.namespace == n.inode)
                .map(|b| bridge_node(t, b, &containers_in))
                .collect();
            row
        })
        .collect();
    if !namespaces.is_empty() {
        roots.push(group(Group::Namespaces, namespaces));
    }
    roots
}

pub fn mapping_id(m: &PortMapping) -> NodeId {
    // A routed port has no host address of its own: its container's address tells it apart.
    let host_ip = if m.routed { m.container_ip.clone() } else { m.host_ip.clone() };
    NodeId::PortMapping { protocol: m.protocol.clone(), host_ip: host_ip.unwrap_or_default(), host_port: m.host_port }
}

fn mapping_node(m: &PortMapping) -> Node {
    let host = crate::model::net::host_port(m.host_ip.as_deref(), m.host_port);
    let target = crate::model::net::host_port(m.container_ip.as_deref(), m.container_port);
    let dnat: u64 = m.dnat.iter().filter_map(|h| h.counters).map(|c| c.packets).sum();
    let how = match (m.dnat.is_empty(), m.proxy_pid) {
        (false, _) => format!("DNAT {dnat} pkts"),
        (true, Some(_)) => "docker-proxy".to_string(),
        (true, None) => "no rule".to_string(),
    };
    node(
        mapping_id(m),
        RowKind::Mapping,
        format!("{host}/{}", m.protocol),
        format!("→ {} {target}  {how}", m.container),
        format!("{} {target} {}", m.container, m.network.as_deref().unwrap_or("")),
        vec![],
    )
}

/// macvlan/ipvlan/vlan devices sitting on a parent device, wherever they live, with who is behind.
fn children_of_parent(
    t: &Topology,
    ns: u64,
    ifindex: u32,
    containers_in: &dyn Fn(&Namespace) -> Vec<Node>,
) -> Vec<Node> {
    let mut out = Vec::new();
    for n in &t.namespaces {
        for i in &n.interfaces {
            let on_parent = i.parent.as_ref().is_some_and(|p| p.namespace == Some(ns) && p.ifindex == ifindex);
            if !on_parent || !matches!(i.kind.as_deref(), Some("macvlan" | "ipvlan" | "vlan" | "macvtap")) {
                continue;
            }
            let kind = i.kind.as_deref().unwrap_or("");
            let behind = if n.kind == NsKind::Container {
                containers_in(n)
            } else if n.host {
                vec![]
            } else {
                vec![namespace_node(n)]
            };
            let place = if n.host { String::new() } else { format!(" @ {}", n.label) };
            out.push(node(
                NodeId::Interface { ns: n.inode, ifindex: i.ifindex },
                RowKind::OtherInterface,
                i.name.clone(),
                format!("{kind}{place}  {}", short_addrs(&i.addresses)).trim_end().to_string(),
                iface_search(i),
                behind,
            ));
        }
    }
    out
}

/// An overlay network's VXLAN device on this node, first under the network in the tree.
fn overlay_device(t: &Topology, n: &crate::model::Network) -> Option<Node> {
    let o = n.overlay.as_ref()?;
    let ns = t.namespace(o.namespace?)?;
    let dev = ns.interface_named(o.vxlan_device.as_deref()?)?;
    let vni = o.vni.map_or("?".into(), |v| v.to_string());
    let port = o.udp_port.map_or("?".into(), |p| p.to_string());
    let place = ns.paths.first().map_or(ns.label.as_str(), |p| p.rsplit('/').next().unwrap_or(p));
    let remotes = dev.vxlan.as_ref().map(|v| v.remotes()).unwrap_or_default();
    let ends = if remotes.is_empty() {
        "; no other node in its forwarding table yet".to_string()
    } else {
        format!(" → {}", some_of(&remotes))
    };
    Some(node(
        NodeId::Interface { ns: ns.inode, ifindex: dev.ifindex },
        RowKind::OtherInterface,
        dev.name.clone(),
        format!("VXLAN {vni} udp/{port} in {place}{ends}"),
        format!("vxlan {vni}"),
        vec![],
    ))
}

fn kubernetes_node(t: &Topology, k: &crate::model::kinds::KubeNode) -> Node {
    let mut children = Vec::new();
    if let Some(h) = t.host_namespace() {
        for (name, vni, port) in &k.overlay_devices {
            if let Some(i) = h.interface_named(name) {
                let vni = vni.map_or("?".into(), |v| v.to_string());
                let port = port.map_or("?".into(), |p| p.to_string());
                children.push(node(
                    NodeId::Interface { ns: h.inode, ifindex: i.ifindex },
                    RowKind::OtherInterface,
                    name.clone(),
                    format!("VXLAN {vni} udp/{port}  {}", short_addrs(&i.addresses)).trim_end().to_string(),
                    iface_search(i),
                    vec![],
                ));
            }
        }
        for v in &k.routed_pod_veths {
            if let Some(i) = h.interface_named(v) {
                children.push(node(
                    NodeId::Interface { ns: h.inode, ifindex: i.ifindex },
                    RowKind::Port,
                    v.clone(),
                    "routed pod veth (no bridge)".into(),
                    iface_search(i),
                    vec![],
                ));
            }
        }
    }
    for inode in &k.pod_namespaces {
        if let Some(ns) = t.namespace(*inode) {
            children.push(namespace_node(ns));
        }
    }
    let cidr = k.pod_cidr.as_deref().map_or(String::new(), |c| format!("pod CIDR {c}"));
    node(
        NodeId::Group(Group::Kubernetes),
        RowKind::Group,
        Group::Kubernetes.title().into(),
        cidr,
        String::new(),
        children,
    )
}

fn namespace_node(ns: &Namespace) -> Node {
    let addrs: Vec<String> =
        ns.interfaces.iter().flat_map(|i| i.addresses.iter()).filter(|a| telling(a)).cloned().collect();
    // Its interfaces are not rows of their own: their names must find the namespace.
    let search: Vec<String> = ns.interfaces.iter().map(|i| format!("{} {}", i.name, iface_search(i))).collect();
    node(
        NodeId::Namespace(ns.inode),
        RowKind::Namespace,
        ns.label.clone(),
        format!("{}  {}", ns.kind.as_str(), addrs.join(" ")).trim_end().to_string(),
        format!("{} {} {}", ns.inode, ns.paths.join(" "), search.join(" ")),
        vec![],
    )
}

fn group(g: Group, children: Vec<Node>) -> Node {
    let n = children.len();
    node(NodeId::Group(g), RowKind::Group, g.title().to_string(), format!("({n})"), String::new(), children)
}

/// Which nodes start expanded: the host and its bridges; groups stay closed until asked.
pub fn default_expanded(id: &NodeId, kind: RowKind) -> bool {
    matches!(id, NodeId::Host) || kind == RowKind::Bridge
}

/// Flatten the tree. `toggled` holds the nodes whose expansion differs from the default.
/// With a filter, only matching rows and their ancestors are kept, all expanded.
pub fn rows(t: &Topology, toggled: &HashSet<NodeId>, filter: &str) -> Vec<Row> {
    let filter = filter.trim().to_lowercase();
    let mut out = Vec::new();
    for n in nodes(t) {
        flatten(&n, 0, toggled, &filter, &mut out);
    }
    out
}

fn row(n: &Node, depth: u16, expanded: bool) -> Row {
    Row {
        id: n.id.clone(),
        kind: n.kind,
        depth,
        text: n.text.clone(),
        detail: n.detail.clone(),
        has_children: !n.children.is_empty(),
        expanded: expanded && !n.children.is_empty(),
    }
}

fn matches(n: &Node, filter: &str) -> bool {
    n.text.to_lowercase().contains(filter) || n.search.to_lowercase().contains(filter)
}

fn subtree_matches(n: &Node, filter: &str) -> bool {
    matches(n, filter) || n.children.iter().any(|c| subtree_matches(c, filter))
}

fn flatten(n: &Node, depth: u16, toggled: &HashSet<NodeId>, filter: &str, out: &mut Vec<Row>) {
    let filtering = !filter.is_empty();
    if filtering && !subtree_matches(n, filter) {
        return;
    }
    let expanded = if filtering {
        n.children.iter().any(|c| subtree_matches(c, filter))
    } else {
        default_expanded(&n.id, n.kind) != toggled.contains(&n.id)
    };
    out.push(row(n, depth, expanded));
    if expanded {
        for c in &n.children {
            flatten(c, depth + 1, toggled, filter, out);
        }
    }
}

/// Every row with everything expanded (for change detection).
pub fn all_rows(t: &Topology) -> Vec<Row> {
    let mut out = Vec::new();
    for n in nodes(t) {
        flatten_all(&n, 0, &mut out);
    }
    out
}

fn flatten_all(n: &Node, depth: u16, out: &mut Vec<Row>) {
    out.push(row(n, depth, true));
    for c in &n.children {
        flatten_all(c, depth + 1, out);
    }
}
