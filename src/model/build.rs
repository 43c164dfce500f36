//! The join: turns one `Observation` into a `Topology`. Pure and deterministic.

use super::net::{cidr_contains, strip_prefix_len};
use super::observation::*;
use super::topology::*;
use std::collections::{BTreeMap, BTreeSet};

/// Correlate everything the collectors saw.
pub fn build(obs: &Observation) -> Topology {
    let index: BTreeMap<NsIdentity, &NamespaceObs> = obs.namespaces.iter().map(|n| (n.id, n)).collect();
    let host = obs.namespaces.iter().find(|n| n.is_host());

    let mut containers = join_containers(&obs.docker, Engine::Docker, &index, host);
    containers.extend(join_containers(&obs.podman.engine, Engine::Podman, &index, host));
    containers.sort_by(|a, b| (&a.0.name, a.0.engine).cmp(&(&b.0.name, b.0.engine)));
    super::podman::assign_pods(&mut containers, &obs.podman);
    let mut ns_containers: BTreeMap<NsIdentity, Vec<String>> = BTreeMap::new();
    for (c, id) in &containers {
        // Only running containers have a namespace id here.
        if let Some(id) = id
            && Some(*id) != host.map(|h| h.id)
        {
            ns_containers.entry(*id).or_default().push(c.name.clone());
        }
    }
    ns_containers.values_mut().for_each(|v| v.sort());

    let mut namespaces: Vec<Namespace> = obs
        .namespaces
        .iter()
        .map(|n| {
            let mut v = namespace_view(n, &index, ns_containers.get(&n.id).cloned().unwrap_or_default(), &obs.docker);
            super::podman::classify(&mut v, n, &obs.podman);
            v
        })
        .collect();
    namespaces.sort_by(|a, b| (!a.host, a.kind, &a.label, a.inode).cmp(&(!b.host, b.kind, &b.label, b.inode)));

    let mut networks = join_networks(&obs.docker, host, Engine::Docker, &BTreeMap::new());
    networks.extend(join_networks(&obs.podman.engine, host, Engine::Podman, &obs.podman.bridges));
    networks.sort_by(|a, b| (&a.name, a.engine, &a.id).cmp(&(&b.name, b.engine, &b.id)));
    for n in &mut networks {
        n.overlay = super::kinds::overlay(n, &namespaces);
        n.parent = super::kinds::parent(n);
    }
    let bridges = bridges(&namespaces, host.map(|h| h.id.inode), &networks);

    let mut notes = obs.notes.clone();
    for n in &networks {
        if n.driver == "bridge" && n.bridge.is_none() && n.engine == Engine::Podman {
            notes.push(super::podman::missing_bridge_note(n, &obs.podman));
        } else if n.driver == "bridge" && n.bridge.is_none() {
            notes.push(format!(
                "Docker network {} has no Linux bridge in this namespace (expected {}): the engine may run in another namespace or VM (rootless Docker, Docker Desktop).",
                n.name,
                expected_bridge_name(&obs.docker.networks.iter().find(|o| o.id == n.id).cloned().unwrap_or_default())
            ));
        }
    }

    let mut t = Topology {
        schema: SCHEMA,
        host: host_view(&obs.host, host),
        namespaces,
        bridges,
        docker: Docker {
            available: obs.docker.available,
            error: obs.docker.error.clone(),
            engine_version: obs.docker.engine_version.clone(),
            api_version: obs.docker.api_version.clone(),
            pods: super::podman::pods(&containers, &obs.podman),
            networks,
            containers: containers.into_iter().map(|(c, _)| c).collect(),
            podman: super::podman::engine_view(&obs.podman),
        },
        firewall: FirewallView::default(),
        kubernetes: None,
        notes,
        skipped_namespaces: obs.skipped_namespaces,
    };
    t.firewall = firewall_view(&t, &obs.firewall);
    t.kubernetes = super::kinds::kube_node(&t.namespaces);
    t
}

/// Join the firewall read with a built topology; also used when only the rules were re-read.
pub fn firewall_view(t: &Topology, fw: &FirewallObs) -> FirewallView {
    let rules = &fw.ruleset;
    let mut docker_chains: Vec<String> = rules
        .tables
        .iter()
        .flat_map(|table| {
            let docker_table = table.name.starts_with("docker");
            table
                .chains
                .iter()
                .filter(move |c| docker_table || c.name.starts_with("DOCKER"))
                .map(move |c| format!("{} {}", table.name, c.name))
        })
        .collect();
    let docker_raw = super::ports::raw_guards(t, rules);
    // Docker's rules in a built-in chain of the raw table (Engine 28+) count too.
    docker_chains.extend(docker_raw.iter().map(|g| format!("{} {}", g.rule.at.table, g.rule.at.chain)));
    docker_chains.sort();
    docker_chains.dedup();
    FirewallView {
        ruleset: rules.clone(),
        proxies: fw.proxies.clone(),
        ip_forward: fw.ip_forward,
        bridge_nf_call_iptables: fw.bridge_nf_call_iptables,
        docker_chains,
        podman_chains: super::netavark::chains(rules),
        ports: super::ports::mappings(t, rules, &fw.proxies)
            .into_iter()
            .map(|mut m| {
                // Only a read firewall (not --no-firewall) says anything about connections.
                super::netavark::augment(&mut m, t, rules);
                if fw.conntrack.error.is_none() && !rules.sources.is_empty() {
                    m.connections = Some(super::ports::connections(&m, &fw.conntrack.flows));
                }
                m
            })
            .collect(),
        kube_services: super::kube::services(rules),
        conntrack_error: fw.conntrack.error.clone(),
        docker_raw,
        unpublished: t.docker.containers.iter().flat_map(|c| c.unpublished.iter().cloned()).collect(),
    }
}

fn host_view(facts: &HostFacts, host: Option<&NamespaceObs>) -> HostView {
    let default_route = host.and_then(|h| {
        let r = h.routes.iter().find(|r| r.destination == "default")?;
        let nic = r.oif.and_then(|i| h.link(i));
        Some(DefaultRoute {
            interface: nic.map(|l| l.name.clone()),
            gateway: r.gateway.clone(),
            addresses: nic.map(|l| l.addresses.clone()).unwrap_or_default(),
        })
    });
    HostView {
        hostname: facts.hostname.clone(),
        kernel: facts.kernel.clone(),
        os: facts.os.clone(),
        root: facts.uid == 0,
        default_route,
    }
}

/// Where `link`'s IFLA_LINK points: (namespace as seen from `ns`, ifindex).
/// The nsid is looked up in `ns`'s own table, because nsids differ per observer.
fn link_target(ns: &NamespaceObs, link: &LinkObs) -> Option<(Option<NsIdentity>, u32)> {
    let target = link.link.filter(|&i| i != 0)?;
    let target_ns = match link.link_netnsid {
        None => Some(ns.id),
        Some(nsid) => ns.nsids.get(&nsid).copied(),
    };
    Some((target_ns, target))
}

fn link_ref(ns: &NamespaceObs, link: &LinkObs, index: &BTreeMap<NsIdentity, &NamespaceObs>) -> Option<LinkRef> {
    let (target_ns, ifindex) = link_target(ns, link)?;
    let name = target_ns.and_then(|id| index.get(&id)).and_then(|n| n.link(ifindex)).map(|l| l.name.clone());
    Some(LinkRef { namespace: target_ns.map(|id| id.inode), ifindex, name })
}

fn namespace_view(
    ns: &NamespaceObs,
    index: &BTreeMap<NsIdentity, &NamespaceObs>,
    containers: Vec<String>,
    docker: &DockerObs,
) -> Namespace {
    let (kind, label) = classify(ns, &containers, docker);
    let mut interfaces: Vec<Interface> = ns
        .links
        .iter()
        .map(|l| {
            let target = link_ref(ns, l, index);
            let is_veth = l.kind.as_deref() == Some("veth");
            Interface {
                name: l.name.clone(),
                ifindex: l.ifindex,
                kind: l.kind.clone(),
                mac: l.mac.clone(),
                mtu: l.mtu,
                state: l.state.clone(),
                master: l.master.and_then(|m| ns.link(m)).map(|m| m.name.clone()),
                peer: if is_veth { target.clone() } else { None },
                parent: if is_veth { None } else { target },
                vxlan: l.vxlan.clone(),
                addresses: l.addresses.clone(),
                stats: l.stats.unwrap_or_default(),
                ipv4_forwarding: l.ipv4_forwarding,
                ipv6_forwarding: l.ipv6_forwarding,
            }
        })
        .collect();
    interfaces.sort_by_key(|i| i.ifindex);
    let mut paths = ns.paths.clone();
    paths.sort();
    Namespace {
        inode: ns.id.inode,
        dev: ns.id.dev,
        host: ns.is_host(),
        label,
        kind,
        paths,
        containers,
        interfaces,
        routes: ns.routes.clone(),
        listening: ns.listening.clone(),
    }
}

/// The best name for a namespace: container names, then the ip-netns name, then Docker's file name, then the process.
fn classify(ns: &NamespaceObs, containers: &[String], docker: &DockerObs) -> (NsKind, String) {
    if ns.is_host() {
        return (NsKind::Host, "host".into());
    }
    if !containers.is_empty() {
        return (NsKind::Container, containers.join(","));
    }
    let network_named = |prefix: &str| {
        docker.networks.iter().find(|n| !prefix.is_empty() && n.id.starts_with(prefix)).map(|n| n.name.clone())
    };
    let mut best: Option<(u8, NsKind, String)> = None;
    for src in &ns.sources {
        let candidate = match src {
            NsSource::Host => continue,
            NsSource::Named { name } if name.starts_with("cni-") || name.contains("-cni-") => {
                (0, NsKind::Cni, name.clone())
            }
            NsSource::Named { name } => (0, NsKind::Named, name.clone()),
            NsSource::Docker { name } => {
                if let Some(rest) = name.strip_prefix("1-") {
                    (1, NsKind::Overlay, network_named(rest).map_or(name.clone(), |n| format!("overlay {n}")))
                } else if let Some(rest) = name.strip_prefix("lb_") {
                    (1, NsKind::SwarmLb, network_named(rest).map_or(name.clone(), |n| format!("lb {n}")))
                } else if name == "ingress_sbox" {
                    (1, NsKind::Ingress, name.clone())
                } else {
                    (1, NsKind::DockerSandbox, format!("sandbox {name}"))
                }
            }
            NsSource::Process { pid, comm } => (2, NsKind::Process, format!("{comm}[{pid}]")),
        };
        // Lowest rank wins; among equals the smallest name, so the label never depends on scan order.
        if best.as_ref().is_none_or(|b| (candidate.0, &candidate.2) < (b.0, &b.2)) {
            best = Some(candidate);
        }
    }
    best.map_or((NsKind::Process, format!("netns {}", ns.id.inode)), |(_, k, l)| (k, l))
}

/// Containers with their endpoints resolved to interfaces; paired with the namespace they live in.
fn join_containers(
    docker: &DockerObs,
    engine: Engine,
    index: &BTreeMap<NsIdentity, &NamespaceObs>,
    host: Option<&NamespaceObs>,
) -> Vec<(Container, Option<NsIdentity>)> {
    let find = |key: &str| {
        docker.containers.iter().find(|c| c.id == key || c.name == key || (key.len() >= 12 && c.id.starts_with(key)))
    };
    let mut out: Vec<(Container, Option<NsIdentity>)> = docker
        .containers
        .iter()
        .map(|c| {
            let shared = c
                .network_mode
                .strip_prefix("container:")
                .map(|target| find(target).map_or(target.to_string(), |t| t.name.clone()));
            let ns_id = if !c.is_running() {
                None
            } else if c.network_mode == "host" {
                host.map(|h| h.id)
            } else if let Some(target) = c.network_mode.strip_prefix("container:").and_then(find) {
                target.namespace.or(c.namespace)
            } else {
                c.namespace
            };
            let ns = ns_id.and_then(|id| index.get(&id).copied());
            let mut endpoints: Vec<Endpoint> = c.endpoints.iter().map(|e| endpoint(e, ns, index)).collect();
            endpoints.sort_by(|a, b| a.network.cmp(&b.network));
            let container = Container {
                id: c.id.clone(),
                name: c.name.clone(),
                image: c.image.clone(),
                state: c.state.clone(),
                network_mode: c.network_mode.clone(),
                namespace: ns_id.map(|id| id.inode),
                shares_namespace_with: shared,
                endpoints,
                ports: {
                    let mut p = c.ports.clone();
                    p.sort();
                    p.dedup();
                    p
                },
                compose_project: c.labels.get("com.docker.compose.project").cloned(),
                engine,
                pod: None,
                unpublished: super::names::unpublished(c, &docker.networks),
            };
            (container, ns_id)
        })
        .collect();
    out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    out
}

/// An endpoint's interface is the one in the container's namespace carrying its MAC (unique within a
/// namespace), else its IPv4 address; the host side is that interface's veth peer, found by ifindex + nsid.
fn endpoint(e: &EndpointObs, ns: Option<&NamespaceObs>, index: &BTreeMap<NsIdentity, &NamespaceObs>) -> Endpoint {
    let mut out = Endpoint {
        network: e.network.clone(),
        ipv4: e.ipv4.clone(),
        ipv6: e.ipv6.clone(),
        mac: e.mac.clone(),
        gateway: e.gateway.clone(),
        ipv6_gateway: e.ipv6_gateway.clone(),
        aliases: e.aliases.clone(),
        dns_names: e.dns_names.clone(),
        interface: None,
        interface_ifindex: None,
        host_interface: None,
        host_ifindex: None,
        host_namespace: None,
        bridge: None,
    };
    let Some(ns) = ns else { return out };
    if ns.is_host() {
        return out; // host mode: the container has no interface of its own
    }
    let by_mac = e
        .mac
        .as_deref()
        .filter(|m| !m.is_empty())
        .and_then(|mac| ns.links.iter().find(|l| l.mac.as_deref().is_some_and(|lm| lm.eq_ignore_ascii_case(mac))));
    let by_ip = || {
        let ip = strip_prefix_len(e.ipv4.as_deref().or(e.ipv6.as_deref())?);
        ns.links.iter().find(|l| l.addresses.iter().any(|a| strip_prefix_len(a) == ip))
    };
    let Some(link) = by_mac.or_else(by_ip) else { return out };
    out.interface = Some(link.name.clone());
    out.interface_ifindex = Some(link.ifindex);
    if link.kind.as_deref() != Some("veth") {
        return out;
    }
    if let Some((Some(peer_ns), peer_idx)) = link_target(ns, link)
        && let Some(peer_ns) = index.get(&peer_ns)
        && let Some(peer) = peer_ns.link(peer_idx)
    {
        out.host_interface = Some(peer.name.clone());
        out.host_ifindex = Some(peer.ifindex);
        out.host_namespace = Some(peer_ns.id.inode);
        out.bridge = peer.master.and_then(|m| peer_ns.link(m)).map(|b| b.name.clone());
    }
    out
}

/// The Linux bridge Docker makes for a bridge network: the name in its options, else `br-` + 12 hex of the id.
pub fn expected_bridge_name(n: &DockerNetworkObs) -> String {
    n.options
        .get("com.docker.network.bridge.name")
        .filter(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| format!("br-{}", n.id.get(..12).unwrap_or(&n.id)))
}

fn parse_bool(v: Option<&String>) -> Option<bool> {
    v.and_then(|s| s.parse().ok())
}

/// `bridges`: network id -> the bridge the engine names (Podman); Docker's is derived.
fn join_networks(
    docker: &DockerObs,
    host: Option<&NamespaceObs>,
    engine: Engine,
    bridges: &BTreeMap<String, String>,
) -> Vec<Network> {
    let mut out: Vec<Network> = docker
        .networks
        .iter()
        .map(|n| {
            let bridge_link = (n.driver == "bridge")
                .then(|| match engine {
                    Engine::Docker => Some(expected_bridge_name(n)),
                    Engine::Podman => bridges.get(&n.id).cloned(),
                })
                .flatten()
                .and_then(|name| host?.links.iter().find(|l| l.name == name && l.kind.as_deref() == Some("bridge")));
            let subnets = n
                .pools
                .iter()
                .map(|p| {
                    let given = p.gateway.clone().filter(|g| !g.is_empty());
                    let derived = if given.is_none() {
                        bridge_link.and_then(|b| {
                            let subnet = p.subnet.as_deref()?;
                            b.addresses
                                .iter()
                                .find(|a| cidr_contains(subnet, a))
                                .map(|a| strip_prefix_len(a).to_string())
                        })
                    } else {
                        None
                    };
                    Subnet {
                        subnet: p.subnet.clone(),
                        gateway_derived: derived.is_some(),
                        gateway: given.or(derived),
                        ip_range: p.ip_range.clone().filter(|r| !r.is_empty()),
                    }
                })
                .collect();
            // As `docker network inspect` lists them: running containers, matched by network id
            // (names may repeat on old engines), by name only when the id is missing.
            let members: BTreeSet<String> = docker
                .containers
                .iter()
                .filter(|c| c.is_running())
                .filter(|c| {
                    c.endpoints.iter().any(|e| match &e.network_id {
                        Some(id) => *id == n.id,
                        None => e.network == n.name,
                    })
                })
                .map(|c| c.name.clone())
                .collect();
            Network {
                id: n.id.clone(),
                name: n.name.clone(),
                driver: n.driver.clone(),
                scope: n.scope.clone(),
                internal: n.internal,
                attachable: n.attachable,
                ipv6: n.ipv6,
                subnets,
                bridge: bridge_link.map(|b| b.name.clone()),
                icc: parse_bool(n.options.get("com.docker.network.bridge.enable_icc")),
                masquerade: parse_bool(n.options.get("com.docker.network.bridge.enable_ip_masquerade")),
                compose_project: n.labels.get("com.docker.compose.project").cloned(),
                options: n.options.clone(),
                labels: n.labels.clone(),
                containers: members.into_iter().collect(),
                engine,
                overlay: None,
                parent: None,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    out
}

fn bridges(namespaces: &[Namespace], host_inode: Option<u64>, networks: &[Network]) -> Vec<Bridge> {
    let by_inode: BTreeMap<u64, &Namespace> = namespaces.iter().map(|n| (n.inode, n)).collect();
    let mut out = Vec::new();
    for ns in namespaces {
        for br in ns.interfaces.iter().filter(|i| i.kind.as_deref() == Some("bridge")) {
            let mut ports: Vec<BridgePort> = ns
                .interfaces
                .iter()
                .filter(|p| p.master.as_deref() == Some(br.name.as_str()))
                .map(|p| {
                    let peer_ns = p.peer.as_ref().and_then(|r| r.namespace).and_then(|i| by_inode.get(&i));
                    let peer_if = p.peer.as_ref().and_then(|r| peer_ns.and_then(|n| n.interface(r.ifindex)));
                    BridgePort {
                        name: p.name.clone(),
                        ifindex: p.ifindex,
                        kind: p.kind.clone(),
                        state: p.state.clone(),
                        peer: p.peer.clone(),
                        behind: peer_ns.map(|n| n.label.clone()),
                        containers: peer_ns.map(|n| n.containers.clone()).unwrap_or_default(),
                        peer_addresses: peer_if.map(|i| i.addresses.clone()).unwrap_or_default(),
                    }
                })
                .collect();
            ports.sort_by(|a, b| (&a.name, a.ifindex).cmp(&(&b.name, b.ifindex)));
            let docker_network = (Some(ns.inode) == host_inode)
                .then(|| networks.iter().find(|n| n.bridge.as_deref() == Some(br.name.as_str())))
                .flatten()
                .map(|n| n.name.clone());
            out.push(Bridge {
                namespace: ns.inode,
                name: br.name.clone(),
                ifindex: br.ifindex,
                state: br.state.clone(),
                addresses: br.addresses.clone(),
                docker_network,
                ports,
            });
        }
    }
    out
}
