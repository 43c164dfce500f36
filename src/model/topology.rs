//! The correlated picture of the host: namespaces, interfaces, bridges and Docker objects,
//! joined by identity (ifindex + nsid, MAC within a namespace), never by name guesses.

use super::observation::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The JSON schema version of `Topology`; bump it when a field changes meaning.
pub const SCHEMA: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topology {
    pub schema: u32,
    pub host: HostView,
    pub namespaces: Vec<Namespace>,
    pub bridges: Vec<Bridge>,
    pub docker: Docker,
    #[serde(default)]
    pub firewall: FirewallView,
    /// What this host shows of a Kubernetes node (node-local facts only).
    #[serde(default)]
    pub kubernetes: Option<super::kinds::KubeNode>,
    pub notes: Vec<String>,
    pub skipped_namespaces: usize,
}

/// The firewall as it bears on containers: the rules, and what they do to published ports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallView {
    pub ruleset: super::firewall::Ruleset,
    pub proxies: Vec<ProxyObs>,
    pub ip_forward: Option<bool>,
    pub bridge_nf_call_iptables: Option<bool>,
    /// Docker's chains as found ("filter DOCKER-USER", "nat DOCKER", "docker-bridges filter-FORWARD"):
    /// their names differ across Engine versions, so they are discovered, not assumed.
    pub docker_chains: Vec<String>,
    /// netavark's chains (Podman), found the same way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub podman_chains: Vec<String>,
    pub ports: Vec<super::ports::PortMapping>,
    /// Kubernetes Services as kube-proxy's rules (iptables mode) implement them on this node.
    #[serde(default)]
    pub kube_services: Vec<super::kube::KubeService>,
    /// Why the connection tracking table could not be read, if it could not.
    #[serde(default)]
    pub conntrack_error: Option<String>,
    /// Docker's raw-table DROPs (Engine 28+): direct access to containers' addresses and to
    /// loopback-bound ports, with whom each guards.
    #[serde(default)]
    pub docker_raw: Vec<super::ports::RawGuard>,
    /// Ports containers asked to publish (`-p`) that Docker never published, with why.
    #[serde(default)]
    pub unpublished: Vec<super::names::Unpublished>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostView {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    pub os: Option<String>,
    pub root: bool,
    /// The host namespace's default route: the NIC traffic leaves by.
    pub default_route: Option<DefaultRoute>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultRoute {
    pub interface: Option<String>,
    pub gateway: Option<String>,
    pub addresses: Vec<String>,
}

/// What kind of thing made a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NsKind {
    Host,
    Container,
    Named,
    Cni,
    Overlay,
    SwarmLb,
    Ingress,
    DockerSandbox,
    /// `/run/netns/netns-<uuid>` whose processes are Podman's (cgroup `libpod-<id>`), when
    /// Podman's API did not say which container it is.
    Podman,
    Process,
}

impl NsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NsKind::Host => "host",
            NsKind::Container => "container",
            NsKind::Named => "named",
            NsKind::Cni => "cni",
            NsKind::Overlay => "overlay",
            NsKind::SwarmLb => "swarm-lb",
            NsKind::Ingress => "ingress",
            NsKind::DockerSandbox => "docker-sandbox",
            NsKind::Podman => "podman",
            NsKind::Process => "process",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    pub inode: u64,
    pub dev: u64,
    pub host: bool,
    pub label: String,
    pub kind: NsKind,
    pub paths: Vec<String>,
    /// Containers whose network namespace this is (several when they share it).
    pub containers: Vec<String>,
    pub interfaces: Vec<Interface>,
    pub routes: Vec<RouteObs>,
    /// Sockets waiting for traffic here (TCP LISTEN, bound UDP); omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listening: Vec<super::sockets::Listener>,
}

/// The other end of a link: a veth's peer or a macvlan/vxlan's parent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRef {
    /// Inode of the namespace it lives in; null when that namespace is not visible.
    pub namespace: Option<u64>,
    pub ifindex: u32,
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    pub name: String,
    pub ifindex: u32,
    pub kind: Option<String>,
    pub mac: Option<String>,
    pub mtu: Option<u32>,
    pub state: String,
    /// The bridge this interface is a port of.
    pub master: Option<String>,
    /// For a veth: its other end.
    pub peer: Option<LinkRef>,
    /// For macvlan, ipvlan, vlan, vxlan: the device it sits on.
    pub parent: Option<LinkRef>,
    pub vxlan: Option<Vxlan>,
    pub addresses: Vec<String>,
    pub stats: Stats,
    /// `net.ipv4.conf.<it>.forwarding`: whether IPv4 packets arriving on it may be routed onwards
    /// (netavark turns it off on an --internal network's bridge). None: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_forwarding: Option<bool>,
    /// `net.ipv6.conf.<it>.forwarding` (IPv6 forwarding itself follows `all` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_forwarding: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bridge {
    pub namespace: u64,
    pub name: String,
    pub ifindex: u32,
    pub state: String,
    pub addresses: Vec<String>,
    /// The Docker network that owns this bridge, if any.
    pub docker_network: Option<String>,
    pub ports: Vec<BridgePort>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgePort {
    pub name: String,
    pub ifindex: u32,
    pub kind: Option<String>,
    pub state: String,
    pub peer: Option<LinkRef>,
    /// Label of the namespace behind the port (the peer's namespace).
    pub behind: Option<String>,
    pub containers: Vec<String>,
    /// Addresses on the peer interface (what the container calls its IP).
    pub peer_addresses: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Docker {
    pub available: bool,
    pub error: Option<String>,
    pub engine_version: Option<String>,
    pub api_version: Option<String>,
    pub networks: Vec<Network>,
    pub containers: Vec<Container>,
    /// Rootful Podman beside Docker: None when there is no Podman socket. Its networks and
    /// containers are in `networks` and `containers`, with `engine: "podman"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub podman: Option<EngineView>,
    /// Podman's pods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pods: Vec<Pod>,
}

/// Which container engine an object belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    #[default]
    Docker,
    Podman,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }
    /// The engine's name in a sentence.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker => "Docker",
            Engine::Podman => "Podman",
        }
    }
    /// The engine's command line tool, for the commands the details suggest.
    pub fn cli(self) -> &'static str {
        self.as_str()
    }
}

/// An engine other than Docker, and how reading it went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineView {
    pub engine: Engine,
    pub socket: Option<String>,
    pub available: bool,
    pub error: Option<String>,
    pub engine_version: Option<String>,
    pub api_version: Option<String>,
    /// Docker's socket (DOCKER_HOST), when this engine answers there: it was read once, as this
    /// engine, and Docker is not shown as missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_docker: Option<String>,
}

/// A Podman pod: containers sharing the infra container's network namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pod {
    pub id: String,
    pub name: String,
    pub state: String,
    /// The infra container, which holds the namespace (and the published ports).
    pub infra: Option<String>,
    /// Container names, the infra container first.
    pub containers: Vec<String>,
    /// Inode of the shared network namespace.
    pub namespace: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    pub subnet: Option<String>,
    pub gateway: Option<String>,
    /// True when Docker left the gateway empty and it was taken from the bridge's own address.
    pub gateway_derived: bool,
    pub ip_range: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub scope: String,
    pub internal: bool,
    pub attachable: bool,
    pub ipv6: bool,
    pub subnets: Vec<Subnet>,
    /// The Linux bridge behind a bridge-driver network, when it exists on this host.
    pub bridge: Option<String>,
    /// Inter-container communication on this network (com.docker.network.bridge.enable_icc).
    pub icc: Option<bool>,
    pub masquerade: Option<bool>,
    pub compose_project: Option<String>,
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub containers: Vec<String>,
    #[serde(default)]
    pub engine: Engine,
    /// Overlay networks: their namespace and VXLAN device on this node.
    #[serde(default)]
    pub overlay: Option<super::kinds::OverlayView>,
    /// macvlan/ipvlan networks: the parent NIC and mode.
    #[serde(default)]
    pub parent: Option<super::kinds::ParentView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub network: String,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub mac: Option<String>,
    pub gateway: Option<String>,
    /// The IPv6 gateway (Docker's `IPv6Gateway`).
    #[serde(default)]
    pub ipv6_gateway: Option<String>,
    /// `--network-alias` names (and Compose's service name; the short id too before API 1.45).
    pub aliases: Vec<String>,
    /// Every name the network's embedded DNS answers for this endpoint (Docker's `DNSNames`, API
    /// 1.45+; empty on older engines).
    #[serde(default)]
    pub dns_names: Vec<String>,
    /// The interface inside the container (eth0, eth1...).
    pub interface: Option<String>,
    pub interface_ifindex: Option<u32>,
    /// The other end of that interface's veth pair (on the host for bridge networks).
    pub host_interface: Option<String>,
    pub host_ifindex: Option<u32>,
    pub host_namespace: Option<u64>,
    /// The bridge that other end is a port of.
    pub bridge: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub image: Option<String>,
    pub state: String,
    pub network_mode: String,
    /// Inode of the container's network namespace (the host's for `host` mode).
    pub namespace: Option<u64>,
    /// For `container:<id>` mode: the container whose namespace this one joined.
    pub shares_namespace_with: Option<String>,
    pub endpoints: Vec<Endpoint>,
    pub ports: Vec<PortObs>,
    pub compose_project: Option<String>,
    #[serde(default)]
    pub engine: Engine,
    /// The Podman pod it belongs to, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Ports it asked to publish that Docker never published (an `--internal` network, host
    /// mode), with why.
    #[serde(default)]
    pub unpublished: Vec<super::names::Unpublished>,
}

impl Topology {
    pub fn host_namespace(&self) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.host)
    }
    pub fn namespace(&self, inode: u64) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.inode == inode)
    }
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.docker.containers.iter().find(|c| c.name == name)
    }
    pub fn network(&self, name: &str) -> Option<&Network> {
        self.docker.networks.iter().find(|n| n.name == name)
    }
    pub fn bridge(&self, name: &str) -> Option<&Bridge> {
        self.bridges.iter().find(|b| b.name == name && Some(b.namespace) == self.host_namespace().map(|h| h.inode))
    }
    /// The bridge network on this host whose subnet holds `ip`.
    pub fn network_holding(&self, ip: std::net::IpAddr) -> Option<&Network> {
        let ip = ip.to_string();
        self.docker.networks.iter().find(|n| {
            n.bridge.is_some()
                && n.subnets.iter().filter_map(|s| s.subnet.as_deref()).any(|s| super::net::cidr_contains(s, &ip))
        })
    }
}

/// Docker's option for a bridge network's gateway mode, per address family (Engine 28+).
pub const GATEWAY_MODE_V4: &str = "com.docker.network.bridge.gateway_mode_ipv4";
pub const GATEWAY_MODE_V6: &str = "com.docker.network.bridge.gateway_mode_ipv6";

impl Network {
    /// The gateway mode of a bridge network for IPv4 or IPv6: `nat` when the option is absent
    /// (as Docker reads it); None for other drivers.
    pub fn gateway_mode(&self, v6: bool) -> Option<&str> {
        (self.driver == "bridge")
            .then(|| self.options.get(if v6 { GATEWAY_MODE_V6 } else { GATEWAY_MODE_V4 }).map_or("nat", |m| m.as_str()))
    }
}

/// What a gateway mode does, in one sentence (Engine 28's four modes; others as unknown).
pub fn gateway_mode_meaning(mode: &str) -> &'static str {
    match mode {
        "nat" => {
            "containers go out masqueraded; only published ports come in (through DNAT), and since Engine 28 a raw-table rule drops packets sent straight to a container's address from outside its bridge"
        }
        "nat-unprotected" => {
            "like nat, but every port of every container can be reached straight at its address by anyone with a route to it, published or not"
        }
        "routed" => {
            "no NAT: containers keep their own addresses on the way out and in; published ports are opened at the container's address (the host port is ignored), ICMP is let in, other ports are dropped; other hosts need a route to the subnet"
        }
        "isolated" => {
            "only with --internal: the bridge gets no address, so neither the host nor anything outside can reach the containers, and they cannot reach out"
        }
        _ => "a gateway mode this netview does not know",
    }
}

impl Namespace {
    pub fn interface(&self, ifindex: u32) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.ifindex == ifindex)
    }
    pub fn interface_named(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }
}
