//! Docker's names and the ports it was asked for: the names a user-defined network's embedded DNS
//! (127.0.0.11) answers, from the endpoints' DNS names and aliases; and the ports a container
//! asked to publish (`-p`, HostConfig.PortBindings) that Docker never published, with why.

use super::observation::{ContainerObs, DockerNetworkObs, PortObs};
use super::topology::{Container, Engine, Network, Topology};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Why a requested port was not published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnpublishedCause {
    /// Every network of the container is `--internal`: Docker publishes nothing for it.
    InternalOnly,
    /// `--network host`: there is nothing to translate; Docker drops `-p` with a warning.
    HostMode,
    /// `--network none`: no interface to forward to.
    NoneMode,
    Other,
}

/// A port a container asked to publish that Docker did not publish.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpublished {
    pub container: String,
    /// The container's port.
    pub port: u16,
    pub protocol: String,
    /// The host address and port asked for (None: any address, any free port).
    pub host_ip: Option<String>,
    pub host_port: Option<u16>,
    pub cause: UnpublishedCause,
    pub reason: String,
}

impl Unpublished {
    /// As it was asked for: `-p 127.0.0.1:8080:80/tcp`, `-p 8080:80/tcp`, `-p 80/tcp`.
    pub fn flag(&self) -> String {
        let host = match (self.host_ip.as_deref(), self.host_port) {
            (Some(ip), hp) => format!(
                "{}:{}:",
                if ip.contains(':') { format!("[{ip}]") } else { ip.into() },
                hp.map_or(String::new(), |p| p.to_string())
            ),
            (None, Some(hp)) => format!("{hp}:"),
            (None, None) => String::new(),
        };
        format!("-p {host}{}/{}", self.port, self.protocol)
    }
}

fn reason(cause: UnpublishedCause) -> &'static str {
    match cause {
        UnpublishedCause::InternalOnly => "internal network only",
        UnpublishedCause::HostMode => "host network mode: -p is ignored",
        UnpublishedCause::NoneMode => "no network (mode none): -p is ignored",
        UnpublishedCause::Other => {
            "Docker published nothing for it (see docker inspect: HostConfig.PortBindings vs NetworkSettings.Ports)"
        }
    }
}

/// The ports `c` asked for (when it was inspected) that Docker did not publish: a request counts
/// as published when the container has a port with the same number and protocol that is bound
/// on the host (or, on a `routed` network, open at an address without a host port).
pub fn unpublished(c: &ContainerObs, networks: &[DockerNetworkObs]) -> Vec<Unpublished> {
    let Some(wanted) = &c.port_bindings else { return Vec::new() };
    if !c.is_running() {
        return Vec::new();
    }
    let published = |w: &PortObs| {
        c.ports.iter().any(|p| {
            p.container_port == w.container_port
                && p.protocol == w.protocol
                && (p.host_port.is_some() || p.host_ip.is_some())
        })
    };
    let internal = |e: &super::observation::EndpointObs| {
        networks
            .iter()
            .find(|n| e.network_id.as_ref().map_or(n.name == e.network, |id| *id == n.id))
            .is_some_and(|n| n.internal)
    };
    let cause = match c.network_mode.as_str() {
        "host" => UnpublishedCause::HostMode,
        "none" => UnpublishedCause::NoneMode,
        _ if !c.endpoints.is_empty() && c.endpoints.iter().all(internal) => UnpublishedCause::InternalOnly,
        _ => UnpublishedCause::Other,
    };
    wanted
        .iter()
        .filter(|w| !published(w))
        .map(|w| Unpublished {
            container: c.name.clone(),
            port: w.container_port,
            protocol: w.protocol.clone(),
            host_ip: w.host_ip.clone(),
            host_port: w.host_port,
            cause,
            reason: reason(cause).into(),
        })
        .collect()
}

/// One name a network's embedded DNS answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsName {
    pub name: String,
    pub container: String,
    /// The container's IPv4 address on the network (what an A query returns).
    pub address: Option<String>,
}

/// What a Docker network's embedded DNS answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetworkDns {
    /// A user-defined network: these names, each with its container.
    Names(Vec<DnsName>),
    /// The default bridge: no embedded DNS for its containers.
    DefaultBridge,
}

/// The names Docker's embedded DNS (127.0.0.11) answers on `n`, from its running members'
/// endpoints: Docker's own list (`DNSNames`, API 1.45+) where there is one, else the container
/// name and the aliases (which older engines fill with the short id, and Compose with the service
/// name). None for networks where the question does not arise (host, none, Podman's).
pub fn network_dns(t: &Topology, n: &Network) -> Option<NetworkDns> {
    if n.engine != Engine::Docker || matches!(n.driver.as_str(), "host" | "null") {
        return None;
    }
    if n.name == "bridge" && n.driver == "bridge" {
        return Some(NetworkDns::DefaultBridge);
    }
    let mut out: Vec<DnsName> = Vec::new();
    for c in n.containers.iter().filter_map(|name| t.container(name)) {
        out.extend(names_on(c, n));
    }
    out.sort_by(|a, b| (&a.name, &a.container).cmp(&(&b.name, &b.container)));
    out.dedup();
    Some(NetworkDns::Names(out))
}

fn names_on(c: &Container, n: &Network) -> Vec<DnsName> {
    let Some(e) = c.endpoints.iter().find(|e| e.network == n.name) else { return Vec::new() };
    let names: Vec<String> = if e.dns_names.is_empty() {
        std::iter::once(c.name.clone()).chain(e.aliases.iter().cloned()).collect()
    } else {
        e.dns_names.clone()
    };
    let address = e.ipv4.as_deref().map(|a| super::net::strip_prefix_len(a).to_string());
    names.into_iter().map(|name| DnsName { name, container: c.name.clone(), address: address.clone() }).collect()
}

/// A packet reached this host's own address `dst` on `port`/`protocol` and no DNAT took it: when
/// a running container asked for exactly that host port and Docker never published it, say so.
/// In host mode the container's own port is the host's: when it asked for the same number,
/// whether something answers depends on what listens, which netview does not know (Unknown).
pub fn unpublished_at(t: &Topology, dst: IpAddr, port: Option<u16>, protocol: &str) -> Option<(bool, String)> {
    let port = port?;
    let served = t
        .docker
        .containers
        .iter()
        .filter(|c| c.state == "running")
        .any(|c| c.ports.iter().any(|p| p.host_port == Some(port) && p.protocol == protocol));
    if served {
        return None;
    }
    let u = t.docker.containers.iter().filter(|c| c.state == "running").flat_map(|c| &c.unpublished).find(|u| {
        u.host_port == Some(port)
            && u.protocol == protocol
            && u.host_ip
                .as_deref()
                .and_then(|h| h.parse::<IpAddr>().ok())
                .is_none_or(|h| h.is_unspecified() || h == dst)
    })?;
    let at = format!("{}/{protocol}", super::net::host_port(Some(&dst.to_string()), port));
    let asked = format!("{} asked for {}, but Docker never published it: {}", u.container, u.flag(), u.reason);
    if u.cause == UnpublishedCause::HostMode && u.port == port {
        return Some((
            false,
            format!(
                "nothing is published at {at}: {asked}; in host mode {} uses the host's own port {port}, so the port answers only if it listens there",
                u.container
            ),
        ));
    }
    Some((true, format!("nothing is published at {at}: {asked}")))
}
