//! What the collectors saw, before any correlation: plain data, no I/O.
//! Collectors fill these types; `topology::build` joins them into a `Topology`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A network namespace's identity: the (device, inode) of its nsfs file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NsIdentity {
    pub dev: u64,
    pub inode: u64,
}

/// Where a namespace was found; one namespace may be found in several places.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NsSource {
    /// The namespace netview itself runs in.
    Host,
    /// `/run/netns/<name>`, made by `ip netns add` (CNI uses `cni-*` names).
    Named { name: String },
    /// `/run/docker/netns/<name>`: a container sandbox, an overlay network (`1-*`),
    /// a swarm load balancer (`lb_*`) or the ingress sandbox.
    Docker { name: String },
    /// `/proc/<pid>/ns/net` of a process whose namespace was not found elsewhere.
    Process { pid: u32, comm: String },
}

/// Packet counters of one interface (IFLA_STATS64).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
}

/// VXLAN parameters of a vxlan device.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vxlan {
    pub vni: Option<u32>,
    pub port: Option<u16>,
    pub local: Option<String>,
    /// IFLA_VXLAN_GROUP: a multicast group, or the one unicast remote given at creation.
    pub group: Option<String>,
    /// The device's own forwarding table (`bridge fdb show dev <vxlan>`, the self entries): which
    /// MAC lives behind which remote endpoint. An all-zero MAC is where unknown frames go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fdb: Vec<VxlanFdb>,
}

/// One self entry of a VXLAN device's forwarding table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VxlanFdb {
    pub mac: String,
    /// The remote VTEP's address.
    pub dst: Option<String>,
    /// Set per entry when it differs from the device's VNI.
    pub vni: Option<u32>,
    /// Added by hand or by a control plane (Docker, flannel), not learned from traffic.
    pub permanent: bool,
}

impl Vxlan {
    /// `group` when it is a multicast group (the kernel names a unicast remote with the same
    /// attribute).
    pub fn multicast_group(&self) -> Option<&String> {
        self.group.as_ref().filter(|g| g.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_multicast()))
    }

    /// The remote endpoints this device knows: the unicast remote, then the FDB's, each once.
    pub fn remotes(&self) -> Vec<String> {
        let unicast = self.group.as_ref().filter(|_| self.multicast_group().is_none());
        let mut out: Vec<String> = unicast.into_iter().cloned().collect();
        for d in self.fdb.iter().filter_map(|e| e.dst.as_ref()) {
            if !out.contains(d) {
                out.push(d.clone());
            }
        }
        out
    }
}

/// One link as netlink reported it, inside one namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkObs {
    pub ifindex: u32,
    pub name: String,
    /// IFLA_INFO_KIND: "bridge", "veth", "vxlan", "macvlan"...; None for physical NICs and lo.
    pub kind: Option<String>,
    pub mac: Option<String>,
    pub mtu: Option<u32>,
    pub state: String,
    /// IFLA_MASTER: ifindex of the bridge (or bond) this link is a port of.
    pub master: Option<u32>,
    /// IFLA_LINK: the veth peer's ifindex, or the parent of a macvlan/ipvlan/vxlan.
    pub link: Option<u32>,
    /// IFLA_LINK_NETNSID: the namespace of `link`, as an nsid meaningful only to this namespace.
    pub link_netnsid: Option<i32>,
    pub vxlan: Option<Vxlan>,
    pub stats: Option<Stats>,
    /// Addresses in CIDR form, IPv4 first, in kernel order.
    pub addresses: Vec<String>,
    /// `net.ipv4.conf.<link>.forwarding`, from the link's IFLA_AF_SPEC (None: not reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_forwarding: Option<bool>,
    /// `net.ipv6.conf.<link>.forwarding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_forwarding: Option<bool>,
}

/// A route of the main table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteObs {
    /// Destination in CIDR form; "default" for the default route.
    pub destination: String,
    pub gateway: Option<String>,
    pub oif: Option<u32>,
}

/// Everything read inside one namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceObs {
    pub id: NsIdentity,
    pub paths: Vec<String>,
    pub sources: Vec<NsSource>,
    pub links: Vec<LinkObs>,
    pub routes: Vec<RouteObs>,
    /// This namespace's own view of nsids: nsid -> the namespace it names here.
    pub nsids: BTreeMap<i32, NsIdentity>,
    /// TCP listeners and bound UDP sockets (sock_diag), in `sockets::sort` order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listening: Vec<super::sockets::Listener>,
}

impl NamespaceObs {
    pub fn is_host(&self) -> bool {
        self.sources.contains(&NsSource::Host)
    }
    pub fn link(&self, ifindex: u32) -> Option<&LinkObs> {
        self.links.iter().find(|l| l.ifindex == ifindex)
    }
}

/// Facts about the host itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFacts {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    pub os: Option<String>,
    pub uid: u32,
}

/// One IPAM pool of a Docker network.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpamPoolObs {
    pub subnet: Option<String>,
    pub gateway: Option<String>,
    pub ip_range: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DockerNetworkObs {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub scope: String,
    pub internal: bool,
    pub attachable: bool,
    pub ipv6: bool,
    pub ipam_driver: Option<String>,
    pub pools: Vec<IpamPoolObs>,
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointObs {
    /// Network name as the container lists it.
    pub network: String,
    pub network_id: Option<String>,
    pub endpoint_id: Option<String>,
    /// Address in CIDR form.
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub mac: Option<String>,
    pub gateway: Option<String>,
    /// The IPv6 gateway (Docker's `IPv6Gateway`).
    #[serde(default)]
    pub ipv6_gateway: Option<String>,
    /// The network aliases given with `--network-alias` (Compose adds the service name). The
    /// container list leaves them empty; they come from `docker inspect`. Before API 1.45 Docker
    /// also lists the short container id here.
    pub aliases: Vec<String>,
    /// Every name the network's embedded DNS (127.0.0.11) answers for this endpoint: container
    /// name, aliases, short id, hostname (Docker's `DNSNames`, API 1.45+; empty on older engines
    /// and where no inspect was made).
    #[serde(default)]
    pub dns_names: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortObs {
    pub container_port: u16,
    pub protocol: String,
    pub host_ip: Option<String>,
    pub host_port: Option<u16>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerObs {
    pub id: String,
    pub name: String,
    pub image: Option<String>,
    pub state: String,
    /// HostConfig.NetworkMode: "default" (the default bridge on older engines), "bridge", "host",
    /// "none", "container:<id>", or a network name.
    pub network_mode: String,
    /// The sandbox's namespace file (NetworkSettings.SandboxKey); empty when not running.
    pub sandbox_key: Option<String>,
    pub pid: Option<u32>,
    /// The namespace behind `sandbox_key` (or the process), found by the collector.
    pub namespace: Option<NsIdentity>,
    pub endpoints: Vec<EndpointObs>,
    pub ports: Vec<PortObs>,
    pub labels: BTreeMap<String, String>,
    /// The ports it asked to publish (HostConfig.PortBindings, from `docker inspect`), whether
    /// Docker published them or not; None where it was not inspected. A host port of None asks
    /// for any free port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_bindings: Option<Vec<PortObs>>,
}

impl ContainerObs {
    /// Whether the container has a live namespace (states in which its processes exist).
    pub fn is_running(&self) -> bool {
        matches!(self.state.as_str(), "running" | "paused" | "restarting")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DockerObs {
    pub available: bool,
    /// Why Docker could not be read, with how to fix it.
    pub error: Option<String>,
    pub engine_version: Option<String>,
    pub api_version: Option<String>,
    pub networks: Vec<DockerNetworkObs>,
    pub containers: Vec<ContainerObs>,
}

/// A docker-proxy process: the userland proxy serving one published port.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProxyObs {
    pub pid: u32,
    pub protocol: String,
    pub host_ip: String,
    pub host_port: u16,
    pub container_ip: String,
    pub container_port: u16,
}

/// The firewall as read: rules from every backend, docker-proxy processes, and the switches
/// that decide whether the rules see a packet at all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallObs {
    pub ruleset: super::firewall::Ruleset,
    pub proxies: Vec<ProxyObs>,
    /// net.ipv4.ip_forward: without it the host routes nothing between bridges or out.
    pub ip_forward: Option<bool>,
    /// net.bridge.bridge-nf-call-iptables: whether traffic inside one bridge meets iptables
    /// (needed for ICC=false to work); None when br_netfilter is not loaded.
    pub bridge_nf_call_iptables: Option<bool>,
    /// Connections the kernel tracks with their address translated (the DNAT of published ports).
    #[serde(default)]
    pub conntrack: ConntrackObs,
}

/// The host's connection tracking table, as far as netview uses it: the NATed entries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConntrackObs {
    pub flows: Vec<NatFlow>,
    /// Why the table could not be read (no /proc interface, no permission), if it could not.
    pub error: Option<String>,
}

/// One tracked connection whose destination was translated: where the client sent it, and
/// where the kernel delivered it (the reply's source).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NatFlow {
    pub protocol: String,
    /// TCP's state ("ESTABLISHED", "TIME_WAIT"...); None for UDP and others.
    pub state: Option<String>,
    pub client: String,
    pub client_port: u16,
    /// The address and port the client asked for (the published port).
    pub dst: String,
    pub dport: u16,
    /// Where it went instead (the container).
    pub to: String,
    pub to_port: u16,
}

/// One pass of every collector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub host: HostFacts,
    pub namespaces: Vec<NamespaceObs>,
    pub docker: DockerObs,
    pub firewall: FirewallObs,
    /// Things that could not be read, each a sentence saying what and why.
    pub notes: Vec<String>,
    /// Namespaces found but gone (or unreadable) before they could be read.
    pub skipped_namespaces: usize,
    /// Rootful Podman (netavark): its API when it answers, its namespaces in any case.
    #[serde(default)]
    pub podman: PodmanObs,
}

/// What was read of rootful Podman: through its API socket (`/run/podman/podman.sock`) when it
/// answers, and from its namespaces (`/run/netns/netns-<uuid>`) and processes in any case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodmanObs {
    /// The socket that was asked; None when there is none (nothing was tried).
    pub socket: Option<String>,
    /// Networks and containers in Docker's shape: `available`, `error` and the versions say how
    /// the API read went. Endpoints name their network by name, as Podman does.
    pub engine: DockerObs,
    /// Network id -> the Linux bridge Podman made for it (libpod's `network_interface`): the
    /// compatible API never says.
    pub bridges: BTreeMap<String, String>,
    pub pods: Vec<PodObs>,
    /// Podman's namespaces as found without its API: `netns-<uuid>` files whose processes sit
    /// in a `libpod-<id>` cgroup.
    pub sandboxes: Vec<PodmanSandboxObs>,
    /// Docker's socket (DOCKER_HOST) when Podman answers there: read once, here, not as Docker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_docker: Option<String>,
}

/// A Podman pod: its members share the infra container's namespaces.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodObs {
    pub id: String,
    pub name: String,
    pub state: String,
    pub infra_id: Option<String>,
    /// Every container of the pod, the infra container included, by id.
    pub containers: Vec<String>,
}

/// A namespace of Podman's, recognised by the cgroup of the processes in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodmanSandboxObs {
    pub namespace: NsIdentity,
    /// Container ids from the `libpod-<id>` cgroups, sorted.
    pub container_ids: Vec<String>,
    /// Their names, from conmon's command line (`-c <id> ... -n <name>`), where found.
    pub names: Vec<String>,
}
