//! The cluster view: several nodes' snapshots side by side. Overlays are matched across nodes by
//! VXLAN VNI and Docker network id, containers are placed on the node that runs them, and each
//! VXLAN device's tunnel is followed to the node that owns the address at its other end.
//! Pure: the snapshots are read elsewhere (`output::cluster`).
//!
//! A snapshot may list namespaces that are not part of its node: one taken inside a namespace
//! (`ip netns exec`) sees every namespace of the machine. A node is therefore its host namespace,
//! its Docker namespaces, and what is linked to those by veth pairs and parent links, never entering
//! a namespace that is another host (another merged node's host namespace, or one holding a VXLAN
//! endpoint on its own address).

use super::net::strip_prefix_len;
use super::topology::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::IpAddr;

/// One node's snapshot, as read from `source`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The hostname, or the file stem of `source` when there is none (or when `merge` finds it taken).
    pub name: String,
    pub source: String,
    pub topology: Topology,
}

impl Node {
    /// A node named by its snapshot's hostname, else by the file stem of `source`.
    pub fn new(source: impl Into<String>, topology: Topology) -> Node {
        let source = source.into();
        let name = topology
            .host
            .hostname
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map_or_else(|| file_stem(&source), str::to_string);
        Node { name, source, topology }
    }
}

/// "dir/node-a.json" -> "node-a" (the whole source when it has no usable stem).
pub fn file_stem(source: &str) -> String {
    std::path::Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| source.to_string())
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    pub nodes: Vec<NodeSummary>,
    pub overlays: Vec<Overlay>,
    pub containers: Vec<Placement>,
    pub tunnels: Vec<Tunnel>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeSummary {
    pub name: String,
    /// The file the snapshot was read from.
    pub source: String,
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    pub os: Option<String>,
    pub docker_available: bool,
    pub docker_engine: Option<String>,
    /// Addresses of the host namespace, without prefix length, loopback and link-local left out:
    /// what other nodes' tunnels are matched against.
    pub addresses: Vec<String>,
    /// Namespaces counted as this node's (its host namespace included).
    pub namespaces: usize,
    /// Namespaces listed in the snapshot but not part of this node (see `Cluster::notes`).
    pub left_out_namespaces: usize,
    pub containers: usize,
    pub running_containers: usize,
    pub bridges: usize,
    pub vxlan_devices: usize,
    pub docker_networks: usize,
    /// Overlays of the cluster present on this node.
    pub overlays: usize,
}

/// One overlay network of the cluster: everything sharing a VNI or a Docker network id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overlay {
    /// "vni 42", "vni 4097 / docker e1hwmokulea73zhd2aph8edtg", "docker <id>".
    pub key: String,
    pub vnis: Vec<u32>,
    pub docker_ids: Vec<String>,
    /// The Docker network names; the VXLAN device names when Docker does not know the overlay.
    pub names: Vec<String>,
    pub subnets: Vec<String>,
    pub nodes: Vec<OverlayNode>,
}

impl Overlay {
    /// What a reader calls it: the Docker names, else the key.
    pub fn label(&self) -> String {
        if self.docker_ids.is_empty() { self.key.clone() } else { self.names.join(", ") }
    }
}

/// An overlay as one node has it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverlayNode {
    pub node: String,
    /// The Docker network's name on this node, when Docker lists it here.
    pub docker_network: Option<String>,
    pub devices: Vec<VxlanDevice>,
    /// Bridges the VXLAN devices are ports of, as "namespace label: bridge".
    pub bridges: Vec<String>,
    /// What hangs off those bridges (containers, or namespace labels) and the Docker network's containers.
    pub members: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VxlanDevice {
    pub name: String,
    /// Label of the namespace it is in ("host", "overlay my-net"...).
    pub namespace: String,
    pub vni: Option<u32>,
    pub port: Option<u16>,
    pub local: Option<String>,
    /// IFLA_VXLAN_GROUP: a multicast group, or the unicast `remote`.
    pub group: Option<String>,
    pub bridge: Option<String>,
}

/// A container (or, without Docker, a namespace) and the node it runs on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub name: String,
    /// The Docker container id; none for a plain namespace.
    pub id: Option<String>,
    pub kind: PlacementKind,
    pub node: String,
    pub state: Option<String>,
    pub networks: Vec<String>,
    pub addresses: Vec<String>,
    pub shares_namespace_with: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementKind {
    #[default]
    Container,
    /// A namespace of the node that Docker does not account for (ip netns, CNI, a process).
    Namespace,
}

/// One VXLAN device's tunnel to one remote end.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tunnel {
    pub node: String,
    pub namespace: String,
    pub device: String,
    /// Key of the overlay the device belongs to.
    pub overlay: String,
    pub vni: Option<u32>,
    pub port: Option<u16>,
    pub local: Option<String>,
    pub remote: Option<String>,
    /// The node owning `remote` (or, for a multicast group or an inferred tunnel, the peer node).
    pub remote_node: Option<String>,
    pub source: TunnelSource,
    /// What does not fit: a remote node without the VNI, a port mismatch, a one-way tunnel...
    pub problems: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TunnelSource {
    /// The device's unicast remote (IFLA_VXLAN_GROUP holding a unicast address).
    #[default]
    Remote,
    /// A multicast group: the peers are the nodes with a device in the same group.
    Group,
    /// No remote on the device, but its own forwarding table names remote endpoints (what Docker
    /// and flannel program): one tunnel per remote address.
    Fdb,
    /// No remote on the device and nothing in its forwarding table (or a snapshot from before
    /// netview read it): the peers are the other nodes with the same overlay.
    Inferred,
}

impl TunnelSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TunnelSource::Remote => "remote",
            TunnelSource::Group => "multicast group",
            TunnelSource::Fdb => "forwarding table",
            TunnelSource::Inferred => "inferred",
        }
    }
}

/// The Docker option listing an overlay network's VNIs, one per subnet.
pub const VXLANID_LIST: &str = "com.docker.network.driver.overlay.vxlanid_list";

/// Merge the nodes' snapshots. The result does not depend on the order of `nodes`.
pub fn merge(nodes: Vec<Node>) -> Cluster {
    let mut notes = Vec::new();
    let nodes = unique_names(nodes, &mut notes);
    let hosts: Vec<HostPrint> = nodes.iter().map(HostPrint::of).collect();

    let mut views: Vec<NodeView> = nodes.iter().map(|n| NodeView::of(n, &hosts)).collect();
    for v in &views {
        if let Some(note) = left_out_note(v) {
            notes.push(note);
        }
    }

    // Who owns each address, for matching tunnel ends.
    let mut owners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for v in &views {
        for a in &v.addresses {
            owners.entry(a.clone()).or_default().insert(v.node.name.clone());
        }
    }

    let mut overlays = overlays(&views);
    for o in &overlays {
        for n in &o.nodes {
            if let Some(v) = views.iter_mut().find(|v| v.node.name == n.node) {
                v.overlays += 1;
            }
        }
    }
    for o in overlays.iter().filter(|o| o.docker_ids.len() > 1) {
        notes.push(format!(
            "{} joins several Docker networks ({}): the snapshots may come from different swarms.",
            o.key,
            o.docker_ids.join(", ")
        ));
    }

    let tunnels = tunnels(&views, &overlays, &owners, &mut notes);
    let containers = placements(&views, &overlays, &mut notes);

    if tunnels.iter().any(|t| t.source == TunnelSource::Inferred) {
        notes.push(
            "Some VXLAN devices have neither a remote nor remotes in their forwarding table (a single-node overlay, or a snapshot from a netview that did not read the FDB yet): they are matched to the other nodes with the same VNI or Docker network, marked \"inferred\"."
                .into(),
        );
    }
    for kind in ["kernel", "Docker Engine"] {
        let versions: BTreeSet<&str> = views
            .iter()
            .filter_map(|v| match kind {
                "kernel" => v.node.topology.host.kernel.as_deref(),
                _ => v.node.topology.docker.engine_version.as_deref(),
            })
            .collect();
        if versions.len() > 1 {
            notes.push(format!(
                "The nodes run different {kind} versions ({}).",
                versions.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    for v in &views {
        for n in &v.node.topology.notes {
            notes.push(format!("{}: {n}", v.node.name));
        }
    }

    overlays.iter_mut().for_each(|o| o.nodes.sort_by(|a, b| a.node.cmp(&b.node)));
    let nodes = views.iter().map(NodeView::summary).collect();
    Cluster { nodes, overlays, containers, tunnels, notes }
}

/// Names made unique: a taken name falls back to the file stem, then to the source path, then to
/// the source with "#n". Sorted by name.
fn unique_names(mut nodes: Vec<Node>, notes: &mut Vec<String>) -> Vec<Node> {
    nodes.sort_by(|a, b| (&a.name, &a.source).cmp(&(&b.name, &b.source)));
    let mut level = vec![0u8; nodes.len()];
    let candidate = |nodes: &[Node], i: usize, level: u8| -> String {
        let n = &nodes[i];
        match level {
            0 => n.name.clone(),
            1 => file_stem(&n.source),
            2 => n.source.clone(),
            _ => {
                let rank = nodes[..i].iter().filter(|o| o.source == n.source).count();
                format!("{}#{}", n.source, rank + 1)
            }
        }
    };
    loop {
        let names: Vec<String> = (0..nodes.len()).map(|i| candidate(&nodes, i, level[i])).collect();
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        names.iter().for_each(|n| *count.entry(n).or_default() += 1);
        let mut changed = false;
        for i in 0..nodes.len() {
            if count[names[i].as_str()] > 1 && level[i] < 3 {
                level[i] += 1;
                changed = true;
            }
        }
        if !changed {
            let mut taken: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (i, n) in nodes.iter().enumerate() {
                if level[i] > 0 {
                    taken.entry(n.name.clone()).or_default().push(n.source.clone());
                }
            }
            for (name, sources) in taken {
                notes.push(format!(
                    "The name {name} is shared by {}: those nodes are named by their files.",
                    sources.join(", ")
                ));
            }
            for (n, name) in nodes.iter_mut().zip(names) {
                n.name = name;
            }
            break;
        }
    }
    nodes.sort_by(|a, b| (&a.name, &a.source).cmp(&(&b.name, &b.source)));
    nodes
}

/// What identifies a node's host namespace when another snapshot lists it.
struct HostPrint {
    node: String,
    id: Option<(u64, u64)>,
    links: BTreeSet<(String, u32, Option<String>)>,
}

impl HostPrint {
    fn of(n: &Node) -> HostPrint {
        let host = n.topology.host_namespace();
        HostPrint {
            node: n.name.clone(),
            id: host.map(|h| (h.dev, h.inode)),
            links: host.map(links).unwrap_or_default(),
        }
    }
}

fn links(ns: &Namespace) -> BTreeSet<(String, u32, Option<String>)> {
    ns.interfaces.iter().filter(|i| i.name != "lo").map(|i| (i.name.clone(), i.ifindex, i.mac.clone())).collect()
}

/// One node with the namespaces that are its own.
struct NodeView<'a> {
    node: &'a Node,
    own: BTreeSet<u64>,
    /// Namespaces of the snapshot left out, with why.
    left_out: Vec<(String, String)>,
    addresses: BTreeSet<String>,
    vxlan_count: usize,
    overlays: usize,
}

impl<'a> NodeView<'a> {
    fn of(node: &'a Node, hosts: &[HostPrint]) -> NodeView<'a> {
        let t = &node.topology;
        // Namespaces that are other hosts: never entered.
        let mut other_host: BTreeMap<u64, String> = BTreeMap::new();
        for ns in t.namespaces.iter().filter(|n| !n.host) {
            let mine = links(ns);
            if let Some(h) = hosts
                .iter()
                .find(|h| h.node != node.name && h.id == Some((ns.dev, ns.inode)) && !h.links.is_disjoint(&mine))
            {
                other_host.insert(ns.inode, format!("the host namespace of node {}", h.node));
            } else if let Some(local) = own_vtep(ns) {
                other_host
                    .insert(ns.inode, format!("another host: it holds a VXLAN endpoint on its own address {local}"));
            }
        }
        // Links between namespaces, both ways.
        let mut edges: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
        for ns in &t.namespaces {
            for i in &ns.interfaces {
                for r in [&i.peer, &i.parent].into_iter().flatten() {
                    if let Some(other) = r.namespace.filter(|&o| o != ns.inode) {
                        edges.entry(ns.inode).or_default().insert(other);
                        edges.entry(other).or_default().insert(ns.inode);
                    }
                }
            }
        }
        let docker_kinds =
            [NsKind::Container, NsKind::Overlay, NsKind::SwarmLb, NsKind::Ingress, NsKind::DockerSandbox];
        let mut queue: VecDeque<u64> = t
            .namespaces
            .iter()
            .filter(|n| n.host || (t.docker.available && docker_kinds.contains(&n.kind)))
            .filter(|n| !other_host.contains_key(&n.inode))
            .map(|n| n.inode)
            .collect();
        let mut own: BTreeSet<u64> = queue.iter().copied().collect();
        while let Some(at) = queue.pop_front() {
            for &next in edges.get(&at).into_iter().flatten() {
                let known = t.namespace(next).is_some();
                if known && !other_host.contains_key(&next) && own.insert(next) {
                    queue.push_back(next);
                }
            }
        }
        let mut left_out: Vec<(String, String)> = t
            .namespaces
            .iter()
            .filter(|n| !own.contains(&n.inode))
            .map(|n| {
                let why = other_host
                    .get(&n.inode)
                    .cloned()
                    .unwrap_or_else(|| "not linked to this node's host or Docker namespaces".to_string());
                (n.label.clone(), why)
            })
            .collect();
        left_out.sort();
        let addresses = t.host_namespace().map(host_addresses).unwrap_or_default();
        let vxlan_count = t
            .namespaces
            .iter()
            .filter(|n| own.contains(&n.inode))
            .flat_map(|n| &n.interfaces)
            .filter(|i| i.kind.as_deref() == Some("vxlan"))
            .count();
        NodeView { node, own, left_out, addresses, vxlan_count, overlays: 0 }
    }

    fn namespaces(&self) -> impl Iterator<Item = &'a Namespace> + '_ {
        self.node.topology.namespaces.iter().filter(|n| self.own.contains(&n.inode))
    }

    fn summary(&self) -> NodeSummary {
        let t = &self.node.topology;
        NodeSummary {
            name: self.node.name.clone(),
            source: self.node.source.clone(),
            hostname: t.host.hostname.clone(),
            kernel: t.host.kernel.clone(),
            os: t.host.os.clone(),
            docker_available: t.docker.available,
            docker_engine: t.docker.engine_version.clone(),
            addresses: sorted_addresses(&self.addresses),
            namespaces: self.own.len(),
            left_out_namespaces: self.left_out.len(),
            containers: t.docker.containers.len(),
            running_containers: t.docker.containers.iter().filter(|c| c.state == "running").count(),
            bridges: t.bridges.iter().filter(|b| self.own.contains(&b.namespace)).count(),
            vxlan_devices: self.vxlan_count,
            docker_networks: t.docker.networks.len(),
            overlays: self.overlays,
        }
    }

    /// An address this node would be reached at: a VXLAN device's local, else the default route's.
    fn underlay_address(&self) -> Option<String> {
        let t = &self.node.topology;
        let route = t.host.default_route.iter().flat_map(|r| &r.addresses);
        route.filter_map(|a| canonical(a)).find(|a| self.addresses.contains(a)).or_else(|| {
            let mut all: Vec<&String> = self.addresses.iter().collect();
            all.sort_by_key(|a| a.contains(':'));
            all.first().map(|a| a.to_string())
        })
    }
}

fn left_out_note(v: &NodeView) -> Option<String> {
    if v.left_out.is_empty() {
        return None;
    }
    const SHOWN: usize = 6;
    let mut listed: Vec<String> = v.left_out.iter().take(SHOWN).map(|(l, why)| format!("{l} ({why})")).collect();
    if v.left_out.len() > SHOWN {
        listed.push(format!("and {} more", v.left_out.len() - SHOWN));
    }
    Some(format!(
        "{}: {} of the {} namespaces in its snapshot are not part of this node and were left out: {}.",
        v.node.name,
        v.left_out.len(),
        v.node.topology.namespaces.len(),
        listed.join(", ")
    ))
}

/// The `local` address of a VXLAN device in `ns` when `ns` itself holds that address.
fn own_vtep(ns: &Namespace) -> Option<String> {
    let mine: BTreeSet<String> =
        ns.interfaces.iter().flat_map(|i| &i.addresses).filter_map(|a| canonical(strip_prefix_len(a))).collect();
    ns.interfaces
        .iter()
        .filter(|i| i.kind.as_deref() == Some("vxlan"))
        .filter_map(|i| i.vxlan.as_ref()?.local.as_deref().and_then(canonical))
        .find(|l| mine.contains(l))
}

/// The textual form of an address, so that "fd00::02" and "fd00::2" compare equal.
fn canonical(addr: &str) -> Option<String> {
    strip_prefix_len(addr).parse::<IpAddr>().ok().map(|ip| ip.to_string())
}

fn is_local_only(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

fn host_addresses(ns: &Namespace) -> BTreeSet<String> {
    ns.interfaces
        .iter()
        .flat_map(|i| &i.addresses)
        .filter_map(|a| strip_prefix_len(a).parse::<IpAddr>().ok())
        .filter(|ip| !is_local_only(ip))
        .map(|ip| ip.to_string())
        .collect()
}

/// IPv4 before IPv6, each in numeric order.
fn sorted_addresses(set: &BTreeSet<String>) -> Vec<String> {
    let mut ips: Vec<IpAddr> = set.iter().filter_map(|a| a.parse().ok()).collect();
    ips.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    ips.iter().map(IpAddr::to_string).collect()
}

/// "10.234.0.11/24" -> "10.234.0.0/24"; None for loopback, link-local or a bare address.
fn network_of(cidr: &str) -> Option<String> {
    let (ip, len) = cidr.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    if is_local_only(&ip) {
        return None;
    }
    match ip {
        IpAddr::V4(v4) if len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            Some(format!("{}/{len}", std::net::Ipv4Addr::from(u32::from(v4) & mask)))
        }
        IpAddr::V6(v6) if len <= 128 => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            Some(format!("{}/{len}", std::net::Ipv6Addr::from(u128::from(v6) & mask)))
        }
        _ => None,
    }
}

/// The VNIs of a Docker overlay network: every one of its `vxlanid_list` (one per subnet), else
/// the one the snapshot found on its device.
fn vnis_of(n: &Network) -> Vec<u32> {
    let listed: Vec<u32> = n
        .options
        .get(VXLANID_LIST)
        .map(|l| l.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_default();
    if listed.is_empty() { n.overlay.as_ref().and_then(|o| o.vni).into_iter().collect() } else { listed }
}

fn is_cluster_network(n: &Network) -> bool {
    n.driver == "overlay" || n.scope == "swarm"
}

/// The Docker overlay network whose sandbox `ns` is: as the snapshot joined them (`overlay.namespace`),
/// else by the sandbox's file name (`/run/docker/netns/1-<id prefix>`) for snapshots without that join.
fn overlay_network_of<'t>(t: &'t Topology, ns: &Namespace) -> Option<&'t Network> {
    let cluster = || t.docker.networks.iter().filter(|n| is_cluster_network(n));
    cluster().find(|n| n.overlay.as_ref().and_then(|o| o.namespace) == Some(ns.inode)).or_else(|| {
        ns.paths.iter().find_map(|p| {
            let file = p.rsplit('/').next()?;
            let prefix = file.strip_prefix("1-").filter(|p| !p.is_empty())?;
            cluster().find(|n| n.overlay.is_none() && n.id.starts_with(prefix))
        })
    })
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Vni(u32),
    Docker(String),
}

/// A tiny union-find over overlay keys.
#[derive(Default)]
struct Groups {
    parent: BTreeMap<Key, Key>,
}

impl Groups {
    fn find(&mut self, k: &Key) -> Key {
        let p = self.parent.entry(k.clone()).or_insert_with(|| k.clone()).clone();
        if &p == k {
            return p;
        }
        let root = self.find(&p);
        self.parent.insert(k.clone(), root.clone());
        root
    }
    fn union(&mut self, a: &Key, b: &Key) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller key is the root, so the grouping does not depend on the order of unions.
        match ra.cmp(&rb) {
            std::cmp::Ordering::Less => self.parent.insert(rb, ra),
            std::cmp::Ordering::Greater => self.parent.insert(ra, rb),
            std::cmp::Ordering::Equal => None,
        };
    }
}

/// A VXLAN device of one node, with the overlay keys it belongs to.
struct Device<'a> {
    node: usize,
    ns: &'a Namespace,
    iface: &'a Interface,
    docker: Option<&'a Network>,
}

fn devices<'a>(views: &'a [NodeView]) -> Vec<Device<'a>> {
    let mut out = Vec::new();
    for (i, v) in views.iter().enumerate() {
        for ns in v.namespaces() {
            let docker = overlay_network_of(&v.node.topology, ns);
            for iface in ns.interfaces.iter().filter(|i| i.kind.as_deref() == Some("vxlan")) {
                out.push(Device { node: i, ns, iface, docker });
            }
        }
    }
    out
}

fn device_keys(d: &Device) -> Vec<Key> {
    let mut keys = Vec::new();
    if let Some(vni) = d.iface.vxlan.as_ref().and_then(|x| x.vni) {
        keys.push(Key::Vni(vni));
    }
    if let Some(n) = d.docker {
        keys.push(Key::Docker(n.id.clone()));
    }
    keys
}

fn overlays(views: &[NodeView]) -> Vec<Overlay> {
    let mut groups = Groups::default();
    for v in views {
        for n in v.node.topology.docker.networks.iter().filter(|n| is_cluster_network(n)) {
            let id = Key::Docker(n.id.clone());
            groups.find(&id);
            for vni in vnis_of(n) {
                groups.union(&id, &Key::Vni(vni));
            }
        }
    }
    let devices = devices(views);
    for d in &devices {
        let keys = device_keys(d);
        for k in &keys {
            groups.find(k);
        }
        if let [a, b] = keys.as_slice() {
            groups.union(a, b);
        }
    }
    let all: Vec<Key> = groups.parent.keys().cloned().collect();
    let mut members: BTreeMap<Key, Vec<Key>> = BTreeMap::new();
    for k in all {
        let root = groups.find(&k);
        members.entry(root).or_default().push(k);
    }

    let mut out = Vec::new();
    for keys in members.into_values() {
        let vnis: Vec<u32> = keys.iter().filter_map(|k| if let Key::Vni(v) = k { Some(*v) } else { None }).collect();
        let ids: Vec<String> =
            keys.iter().filter_map(|k| if let Key::Docker(d) = k { Some(d.clone()) } else { None }).collect();
        let in_group = |k: &Key| keys.contains(k);
        let mut names = BTreeSet::new();
        let mut subnets = BTreeSet::new();
        let mut nodes = Vec::new();
        for (i, v) in views.iter().enumerate() {
            let t = &v.node.topology;
            let nets: Vec<&Network> = t.docker.networks.iter().filter(|n| ids.contains(&n.id)).collect();
            let devs: Vec<&Device> =
                devices.iter().filter(|d| d.node == i && device_keys(d).iter().any(in_group)).collect();
            if nets.is_empty() && devs.is_empty() {
                continue;
            }
            let mut on = OverlayNode {
                node: v.node.name.clone(),
                docker_network: nets.first().map(|n| n.name.clone()),
                ..OverlayNode::default()
            };
            let mut members = BTreeSet::new();
            let mut bridges = BTreeSet::new();
            for n in &nets {
                names.insert(n.name.clone());
                subnets.extend(n.subnets.iter().filter_map(|s| s.subnet.clone()));
                members.extend(n.containers.iter().cloned());
            }
            for d in &devs {
                if ids.is_empty() {
                    names.insert(d.iface.name.clone());
                }
                let x = d.iface.vxlan.clone().unwrap_or_default();
                on.devices.push(VxlanDevice {
                    name: d.iface.name.clone(),
                    namespace: d.ns.label.clone(),
                    vni: x.vni,
                    port: x.port,
                    local: x.local,
                    group: x.group,
                    bridge: d.iface.master.clone(),
                });
                let Some(br) = d.iface.master.as_deref() else { continue };
                bridges.insert(format!("{}: {br}", d.ns.label));
                if let Some(b) = t.bridges.iter().find(|b| b.namespace == d.ns.inode && b.name == br) {
                    subnets.extend(b.addresses.iter().filter_map(|a| network_of(a)));
                    for p in b.ports.iter().filter(|p| p.name != d.iface.name && p.kind.as_deref() != Some("vxlan")) {
                        subnets.extend(p.peer_addresses.iter().filter_map(|a| network_of(a)));
                        if !p.containers.is_empty() {
                            members.extend(p.containers.iter().cloned());
                        } else {
                            members.insert(p.behind.clone().unwrap_or_else(|| p.name.clone()));
                        }
                    }
                }
            }
            on.devices.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
            on.bridges = bridges.into_iter().collect();
            on.members = members.into_iter().collect();
            nodes.push(on);
        }
        let key = {
            let mut parts = Vec::new();
            if !vnis.is_empty() {
                parts.push(format!("vni {}", vnis.iter().map(u32::to_string).collect::<Vec<_>>().join("+")));
            }
            if !ids.is_empty() {
                parts.push(format!("docker {}", ids.join("+")));
            }
            parts.join(" / ")
        };
        out.push(Overlay {
            key,
            vnis,
            docker_ids: ids,
            names: names.into_iter().collect(),
            subnets: subnets.into_iter().collect(),
            nodes,
        });
    }
    out.sort_by(|a, b| (a.vnis.is_empty(), &a.vnis, &a.docker_ids).cmp(&(b.vnis.is_empty(), &b.vnis, &b.docker_ids)));
    out
}

fn overlay_of<'o>(overlays: &'o [Overlay], vni: Option<u32>, docker: Option<&str>) -> Option<&'o Overlay> {
    overlays.iter().find(|o| {
        vni.is_some_and(|v| o.vnis.contains(&v)) || docker.is_some_and(|d| o.docker_ids.iter().any(|i| i == d))
    })
}

fn tunnels(
    views: &[NodeView],
    overlays: &[Overlay],
    owners: &BTreeMap<String, BTreeSet<String>>,
    notes: &mut Vec<String>,
) -> Vec<Tunnel> {
    let devices = devices(views);
    let mut ambiguous: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for d in &devices {
        let v = &views[d.node];
        let x = d.iface.vxlan.clone().unwrap_or_default();
        let Some(overlay) = overlay_of(overlays, x.vni, d.docker.map(|n| n.id.as_str())) else { continue };
        let base = Tunnel {
            node: v.node.name.clone(),
            namespace: d.ns.label.clone(),
            device: d.iface.name.clone(),
            overlay: overlay.key.clone(),
            vni: x.vni,
            port: x.port,
            local: x.local.clone(),
            ..Tunnel::default()
        };
        let mut problems = Vec::new();
        if let Some(local) = x.local.as_deref().and_then(canonical)
            && !v.addresses.contains(&local)
        {
            problems.push(format!("local {local} is not an address of {}'s host namespace", v.node.name));
        }
        // The same overlay's devices on the other nodes.
        let peers: Vec<&OverlayNode> =
            overlay.nodes.iter().filter(|n| n.node != v.node.name && !n.devices.is_empty()).collect();
        let group = x.group.as_deref().and_then(|g| g.parse::<IpAddr>().ok());
        match group {
            Some(g) if !g.is_multicast() => {
                let remote = g.to_string();
                let remote_node = owner_of(owners, &remote, &mut ambiguous);
                match &remote_node {
                    None if !owners.contains_key(&remote) => {
                        problems.push(format!("no node of this merge has the address {remote}"));
                    }
                    Some(r) if *r != v.node.name => {
                        problems.extend(check_peer(overlay, r, &x, &v.addresses));
                    }
                    _ => {}
                }
                out.push(Tunnel { remote: Some(remote), remote_node, source: TunnelSource::Remote, problems, ..base });
            }
            Some(g) => {
                let same_group: Vec<&&OverlayNode> = peers
                    .iter()
                    .filter(|p| {
                        p.devices.iter().any(|pd| pd.group.as_deref().and_then(canonical) == Some(g.to_string()))
                    })
                    .collect();
                if same_group.is_empty() {
                    problems.push(format!("no other node has a device in the group {g}"));
                    out.push(Tunnel { remote: Some(g.to_string()), source: TunnelSource::Group, problems, ..base });
                } else {
                    for p in same_group {
                        out.push(Tunnel {
                            remote: Some(g.to_string()),
                            remote_node: Some(p.node.clone()),
                            source: TunnelSource::Group,
                            problems: problems.clone(),
                            ..base.clone()
                        });
                    }
                }
            }
            None if x.fdb.iter().any(|e| e.dst.is_some()) => {
                for remote in x.remotes().iter().filter_map(|r| canonical(r)) {
                    let mut problems = problems.clone();
                    let remote_node = owner_of(owners, &remote, &mut ambiguous);
                    if !owners.contains_key(&remote) {
                        problems.push(format!("no node of this merge has the address {remote}"));
                    }
                    let source = TunnelSource::Fdb;
                    out.push(Tunnel { remote: Some(remote), remote_node, source, problems, ..base.clone() });
                }
            }
            None => {
                if peers.is_empty() {
                    problems.push("no other node has this overlay".into());
                    out.push(Tunnel { source: TunnelSource::Inferred, problems, ..base });
                    continue;
                }
                for p in peers {
                    let local = p.devices.iter().find_map(|pd| pd.local.as_deref().and_then(canonical));
                    let remote = local
                        .or_else(|| views.iter().find(|w| w.node.name == p.node).and_then(|w| w.underlay_address()));
                    out.push(Tunnel {
                        remote,
                        remote_node: Some(p.node.clone()),
                        source: TunnelSource::Inferred,
                        problems: problems.clone(),
                        ..base.clone()
                    });
                }
            }
        }
    }
    for (addr, nodes) in ambiguous {
        notes.push(format!(
            "The address {addr} is on several nodes ({}): tunnels to it are not given a node.",
            nodes.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    out.sort_by(|a, b| {
        (&a.node, &a.namespace, &a.device, &a.remote_node, &a.remote).cmp(&(
            &b.node,
            &b.namespace,
            &b.device,
            &b.remote_node,
            &b.remote,
        ))
    });
    out
}

/// The node that holds `remote`, when exactly one does; several are noted in `ambiguous`.
fn owner_of(
    owners: &BTreeMap<String, BTreeSet<String>>,
    remote: &str,
    ambiguous: &mut BTreeMap<String, BTreeSet<String>>,
) -> Option<String> {
    match owners.get(remote) {
        Some(o) if o.len() == 1 => o.iter().next().cloned(),
        Some(o) => {
            ambiguous.insert(remote.to_string(), o.clone());
            None
        }
        None => None,
    }
}

/// Whether `remote`'s end of the tunnel matches: same VNI, same port, pointing back.
fn check_peer(overlay: &Overlay, remote: &str, x: &super::observation::Vxlan, own: &BTreeSet<String>) -> Vec<String> {
    let devs: Vec<&VxlanDevice> =
        overlay.nodes.iter().filter(|n| n.node == remote).flat_map(|n| &n.devices).filter(|d| d.vni == x.vni).collect();
    let vni = x.vni.map_or_else(|| "?".to_string(), |v| v.to_string());
    if devs.is_empty() {
        return vec![format!("{remote} has no VXLAN device with VNI {vni}")];
    }
    let mut problems = Vec::new();
    if x.port.is_some() && devs.iter().all(|d| d.port != x.port) {
        let theirs: BTreeSet<String> = devs.iter().filter_map(|d| d.port.map(|p| p.to_string())).collect();
        problems.push(format!(
            "{remote}'s VNI {vni} device uses UDP port {}, this one {}",
            theirs.into_iter().collect::<Vec<_>>().join(", "),
            x.port.unwrap_or_default()
        ));
    }
    let back = devs.iter().any(|d| match d.group.as_deref().and_then(|g| g.parse::<IpAddr>().ok()) {
        Some(g) if !g.is_multicast() => own.contains(&g.to_string()),
        _ => true, // multicast or FDB-driven: may well reach back
    });
    if !back {
        problems.push(format!("{remote}'s VNI {vni} device does not point back at this node"));
    }
    problems
}

fn placements(views: &[NodeView], overlays: &[Overlay], notes: &mut Vec<String>) -> Vec<Placement> {
    let mut out = Vec::new();
    for v in views {
        let t = &v.node.topology;
        for c in &t.docker.containers {
            let mut addresses = Vec::new();
            for e in &c.endpoints {
                addresses.extend(e.ipv4.iter().chain(&e.ipv6).filter(|a| !a.is_empty()).cloned());
            }
            out.push(Placement {
                name: c.name.clone(),
                id: Some(c.id.clone()),
                kind: PlacementKind::Container,
                node: v.node.name.clone(),
                state: Some(c.state.clone()),
                networks: c.endpoints.iter().map(|e| e.network.clone()).collect(),
                addresses,
                shares_namespace_with: c.shares_namespace_with.clone(),
            });
        }
        // Namespaces Docker does not account for: pods of ip netns or CNI, processes.
        for ns in v.namespaces().filter(|n| matches!(n.kind, NsKind::Named | NsKind::Cni | NsKind::Process)) {
            let mut networks = BTreeSet::new();
            let mut addresses = Vec::new();
            for i in ns.interfaces.iter().filter(|i| i.name != "lo") {
                addresses.extend(i.addresses.iter().filter(|a| network_of(a).is_some()).cloned());
                let Some(peer) = &i.peer else { continue };
                let Some(peer_ns) = peer.namespace.and_then(|n| t.namespace(n)) else { continue };
                let Some(br) = peer_ns.interface(peer.ifindex).and_then(|p| p.master.as_deref()) else { continue };
                networks.insert(bridge_network(v, overlays, peer_ns, br));
            }
            out.push(Placement {
                name: ns.label.clone(),
                id: None,
                kind: PlacementKind::Namespace,
                node: v.node.name.clone(),
                state: None,
                networks: networks.into_iter().collect(),
                addresses,
                shares_namespace_with: None,
            });
        }
    }
    out.sort_by(|a, b| (&a.name, &a.node, &a.id).cmp(&(&b.name, &b.node, &b.id)));
    let mut by_id: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &out {
        if let Some(id) = &p.id {
            by_id.entry(id).or_default().insert(&p.node);
        }
    }
    for (id, nodes) in by_id.into_iter().filter(|(_, n)| n.len() > 1) {
        let name = out.iter().find(|p| p.id.as_deref() == Some(id)).map_or("", |p| p.name.as_str());
        notes.push(format!(
            "Container {name} ({}) is listed by several nodes ({}): are two snapshots of the same host?",
            id.get(..12).unwrap_or(id),
            nodes.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    out
}

/// What a namespace plugged into bridge `br` (in `ns`) is on: the overlay whose VXLAN device is a
/// port of that bridge, else the bridge itself.
fn bridge_network(v: &NodeView, overlays: &[Overlay], ns: &Namespace, br: &str) -> String {
    let port = format!("{}: {br}", ns.label);
    overlays
        .iter()
        .find(|o| o.nodes.iter().any(|n| n.node == v.node.name && n.bridges.contains(&port)))
        .map_or_else(|| format!("bridge {br}"), Overlay::label)
}
