//! Published ports joined with the kernel rules that implement them: the DNAT that rewrites the
//! destination, the FORWARD accept that lets it through, the hairpin and outbound MASQUERADE,
//! and whether docker-proxy serves it; plus the walk of a first packet through the hooks.

use super::firewall::*;
use super::net::strip_prefix_len;
use super::observation::ProxyObs;
use super::route;
use super::topology::{Container, Namespace, Topology};
use super::walk::{self, HookWalk, Packet, Verdict};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// A client somewhere else, for the walk "from another host" (TEST-NET-3, never contacted).
pub const REMOTE_CLIENT: &str = "203.0.113.10";
/// The same for IPv6 (documentation prefix, never contacted).
pub const REMOTE_CLIENT6: &str = "2001:db8::10";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleHit {
    pub at: RuleRef,
    pub text: String,
    pub counters: Option<Counters>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    pub container: String,
    pub protocol: String,
    /// The host address it is published on; None or 0.0.0.0/:: means every address.
    pub host_ip: Option<String>,
    pub host_port: u16,
    pub container_port: u16,
    /// The container address the DNAT points at.
    pub container_ip: Option<String>,
    pub network: Option<String>,
    pub bridge: Option<String>,
    pub dnat: Vec<RuleHit>,
    pub forward: Vec<RuleHit>,
    /// MASQUERADE of the container reaching its own published port through the host.
    pub hairpin: Vec<RuleHit>,
    /// MASQUERADE of the container's subnet on its way out.
    pub masquerade: Vec<RuleHit>,
    /// Engine 28+'s raw-table DROPs that guard it: packets straight to the container's address
    /// from outside its bridge, or to a loopback-bound port from outside `lo`.
    #[serde(default)]
    pub raw: Vec<RuleHit>,
    /// The gateway mode of the network that carries it, when not Docker's default `nat`
    /// (`nat-unprotected`, `routed`, `isolated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_mode: Option<String>,
    /// Published on a `routed` network: no NAT, no host port (the Engine API gives none);
    /// `host_port` is then the container's port, open at the container's own address.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub routed: bool,
    pub proxy_pid: Option<u32>,
    pub walks: Vec<PortWalk>,
    pub notes: Vec<String>,
    /// The connections the kernel tracks through this port's DNAT; None when the table was not
    /// read.
    #[serde(default)]
    pub connections: Option<Connections>,
}

impl PortMapping {
    /// The rules that carry the port, by what they do, in the order the snapshot and the
    /// dashboard list them.
    pub fn rule_groups(&self) -> [(&'static str, &[RuleHit]); 5] {
        [
            ("DNAT", &self.dnat),
            ("forward", &self.forward),
            ("hairpin", &self.hairpin),
            ("masquerade", &self.masquerade),
            ("raw", &self.raw),
        ]
    }
}

/// Tracked connections through one published port (conntrack's NATed entries).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connections {
    pub total: usize,
    /// By TCP state ("ESTABLISHED", "TIME_WAIT"...); UDP and others count as "-".
    pub states: std::collections::BTreeMap<String, usize>,
    /// The clients' addresses, each once, the first few.
    pub clients: Vec<String>,
}

/// One of Docker's raw-table DROPs (Engine 28+), with whom it guards and what it does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawGuard {
    pub rule: RuleHit,
    /// The container whose address or loopback-bound port it guards.
    pub container: Option<String>,
    pub meaning: String,
}

/// Docker's raw-table DROPs: each names a container's address with `! -i <its bridge>`, or a
/// port published on one host address with `! -i lo`. Other raw rules are not Docker's.
pub fn raw_guards(t: &Topology, rules: &Ruleset) -> Vec<RawGuard> {
    let bridges: Vec<&str> = t.docker.networks.iter().filter_map(|n| n.bridge.as_deref()).collect();
    let mut out = Vec::new();
    for (table, chain, i, r) in rules.placed_rules() {
        if !is_raw(table) || r.target != Target::Drop || !raw_chain(table, chain) {
            continue;
        }
        let dst = r.matches.iter().find_map(|m| match m {
            Match::Destination { cidr, negated: false } => host_addr(cidr),
            _ => None,
        });
        let not_from = r.matches.iter().find_map(|m| match m {
            Match::InIface { name, negated: true } => Some(name.as_str()),
            _ => None,
        });
        let (Some(dst), Some(not_from)) = (dst, not_from) else { continue };
        let dport = r.matches.iter().find_map(|m| match m {
            Match::DestPort { ports, negated: false } => ports.first().map(|p| p.0),
            _ => None,
        });
        let holder = t.docker.containers.iter().find(|c| {
            c.endpoints.iter().any(|e| {
                [e.ipv4.as_deref(), e.ipv6.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(|a| strip_prefix_len(a).parse() == Ok(dst))
            })
        });
        let publisher = dport.and_then(|port| {
            t.docker.containers.iter().find(|c| {
                c.ports.iter().any(|p| {
                    p.host_port == Some(port) && p.host_ip.as_deref().and_then(|h| h.parse().ok()) == Some(dst)
                })
            })
        });
        let meaning = match (holder, publisher) {
            (Some(c), _) => format!(
                "drops packets to {}'s address {dst} that do not come in through {not_from}: from outside its network only its published ports reach it (through DNAT, which comes later, in nat)",
                c.name
            ),
            (None, Some(c)) => format!(
                "drops packets to {} ({}'s port published on {dst}) that do not come from {not_from}: other hosts cannot reach it by routing to that address",
                super::net::host_port(Some(&dst.to_string()), dport.unwrap_or(0)),
                c.name
            ),
            (None, None) if bridges.contains(&not_from) || not_from == "lo" => {
                format!("drops packets to {dst} that do not come in through {not_from}")
            }
            (None, None) => continue,
        };
        out.push(RawGuard {
            rule: hit_of(RuleRef::at(table, chain, Some(i)), r),
            container: holder.or(publisher).map(|c| c.name.clone()),
            meaning,
        });
    }
    out
}

/// How many client addresses a port's connections list.
pub const CLIENTS_SHOWN: usize = 5;

/// The tracked connections that went through `m`'s DNAT: to its port (on its address, unless it
/// listens on all), delivered to its container's address and port.
pub fn connections(m: &PortMapping, flows: &[super::observation::NatFlow]) -> Connections {
    let mut c = Connections::default();
    let Some(ip) = m.container_ip.as_deref() else { return c };
    for f in flows.iter().filter(|f| {
        f.protocol == m.protocol
            && f.dport == m.host_port
            && f.to == ip
            && f.to_port == m.container_port
            && (m.host_ip.is_none() || v6(m.host_ip.as_deref()) == f.dst.contains(':'))
            && (is_any(m.host_ip.as_deref()) || m.host_ip.as_deref() == Some(f.dst.as_str()))
    }) {
        c.total += 1;
        *c.states.entry(f.state.clone().unwrap_or_else(|| "-".into())).or_default() += 1;
        if c.clients.len() < CLIENTS_SHOWN && !c.clients.contains(&f.client) {
            c.clients.push(f.client.clone());
        }
    }
    c
}

/// The first packet of a connection to the port, hook by hook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortWalk {
    /// "another host" or "this host".
    pub from: String,
    pub destination: String,
    pub hooks: Vec<HookWalk>,
    pub outcome: String,
    pub reaches_container: bool,
}

pub fn mappings(t: &Topology, rules: &Ruleset, proxies: &[ProxyObs]) -> Vec<PortMapping> {
    let mut out = Vec::new();
    // Only NAT and accept rules can carry a port: sift them once, not once per port.
    let candidates: Vec<PlacedRule> = rules
        .placed_rules()
        .filter(|(table, chain, _, r)| {
            matches!(r.target, Target::Dnat(_) | Target::Masquerade | Target::Accept)
                || r.target == Target::Drop && is_raw(table) && raw_chain(table, chain)
        })
        .collect();
    let ctx = Context { t, rules, candidates: &candidates, proxies };
    for c in t.docker.containers.iter().filter(|c| c.state == "running") {
        for p in c.ports.iter() {
            let host_port = match p.host_port {
                Some(hp) => hp,
                // `-p 80` on a routed network: the Engine API gives the address but no host port.
                None if p.host_ip.is_some() && routed(t, c, v6(p.host_ip.as_deref())) => p.container_port,
                None => continue,
            };
            out.push(mapping(&ctx, c, p.container_port, &p.protocol, p.host_ip.as_deref(), host_port));
        }
    }
    out.sort_by(|a, b| (a.host_port, &a.protocol, &a.host_ip).cmp(&(b.host_port, &b.protocol, &b.host_ip)));
    out
}

/// The raw table (iptables), or Docker's nftables tables (Engine 29's `docker-bridges`), whose
/// raw-priority chain `raw-PREROUTING` holds the same DROPs.
pub fn is_raw(table: &Table) -> bool {
    table.name == "raw" || table.backend == Backend::Nftables && table.name.starts_with("docker")
}

/// A chain of a raw table; in Docker's nftables tables, the one hooked at raw priority (-300).
fn raw_chain(table: &Table, chain: &Chain) -> bool {
    table.name == "raw" || chain.hook == Some(Hook::Prerouting) && chain.priority <= -300
}

/// The gateway mode of the first network of `c` that has one for this family.
fn gateway_mode<'a>(t: &'a Topology, c: &Container, want_v6: bool) -> Option<&'a str> {
    c.endpoints.iter().filter_map(|e| t.network(&e.network)?.gateway_mode(want_v6)).next()
}

fn routed(t: &Topology, c: &Container, want_v6: bool) -> bool {
    gateway_mode(t, c, want_v6) == Some("routed")
}

fn is_any(ip: Option<&str>) -> bool {
    matches!(ip, None | Some("") | Some("0.0.0.0") | Some("::"))
}

fn v6(ip: Option<&str>) -> bool {
    ip.is_some_and(|i| i.contains(':'))
}

struct Context<'a> {
    t: &'a Topology,
    rules: &'a Ruleset,
    candidates: &'a [PlacedRule<'a>],
    proxies: &'a [ProxyObs],
}

fn mapping(
    ctx: &Context,
    c: &Container,
    container_port: u16,
    protocol: &str,
    host_ip: Option<&str>,
    host_port: u16,
) -> PortMapping {
    let (t, rules, proxies) = (ctx.t, ctx.rules, ctx.proxies);
    let want_v6 = v6(host_ip);
    let addrs: Vec<(&str, &super::topology::Endpoint)> = c
        .endpoints
        .iter()
        .filter_map(|e| Some((strip_prefix_len(if want_v6 { e.ipv6.as_deref()? } else { e.ipv4.as_deref()? }), e)))
        .collect();
    let dnat: Vec<(RuleHit, &str)> = ctx
        .candidates
        .iter()
        .filter(|(_, _, _, r)| r.matches.iter().any(|m| port_matches(m, host_port)) && proto_ok(r, protocol))
        .filter_map(|&(table, chain, i, r)| {
            let Target::Dnat(to) = &r.target else { return None };
            let (ip, port) = walk::nat_target(to)?;
            let ip_s = ip.to_string();
            let hit = addrs.iter().find(|(a, _)| *a == ip_s && port.is_none_or(|p| p == container_port))?;
            let dst_ok = r.matches.iter().all(|m| match m {
                Match::Destination { cidr, negated: false } => {
                    is_any(host_ip) || strip_prefix_len(cidr) == host_ip.unwrap_or_default()
                }
                _ => true,
            });
            dst_ok.then(|| (hit_of(RuleRef::at(table, chain, Some(i)), r), hit.0))
        })
        .collect();
    // An IPv6 port on a container without IPv6 is served by docker-proxy, which connects over IPv4.
    let v4_fallback: Vec<(&str, &super::topology::Endpoint)> =
        c.endpoints.iter().filter_map(|e| Some((strip_prefix_len(e.ipv4.as_deref()?), e))).collect();
    let v6_via_proxy = addrs.is_empty() && want_v6;
    let addrs = if v6_via_proxy { v4_fallback } else { addrs };
    let container_ip = dnat.first().map(|(_, ip)| ip.to_string()).or_else(|| addrs.first().map(|(a, _)| a.to_string()));
    let endpoint = addrs.iter().find(|(a, _)| Some(a.to_string()) == container_ip).map(|(_, e)| *e);
    // Rules for the container's address only concern packets of its own family.
    let ip: Option<IpAddr> = container_ip.as_deref().and_then(|i| i.parse().ok()).filter(|_| !v6_via_proxy);
    let forward = ip.map_or_else(Vec::new, |ip| {
        find(ctx.candidates, |r| {
            r.target == Target::Accept
                && proto_ok(r, protocol)
                && r.matches
                    .iter()
                    .any(|m| matches!(m, Match::Destination { cidr, negated: false } if host_addr(cidr) == Some(ip)))
                && r.matches.iter().any(|m| port_matches(m, container_port))
        })
    });
    // nat-unprotected (Engine 28) opens the whole bridge to anything routed to it:
    // `! -i <bridge> -o <bridge> -j ACCEPT`, nothing else.
    let bridge = endpoint.and_then(|e| e.bridge.as_deref());
    let mut forward = forward;
    forward.extend(bridge.filter(|_| ip.is_some()).map_or_else(Vec::new, |b| {
        find(ctx.candidates, |r| {
            r.target == Target::Accept
                && r.matches.len() == 2
                && r.matches.iter().any(|m| matches!(m, Match::InIface { name, negated: true } if name == b))
                && r.matches.iter().any(|m| matches!(m, Match::OutIface { name, negated: false } if name == b))
        })
    }));
    let hairpin = ip.map_or_else(Vec::new, |ip| {
        find(ctx.candidates, |r| {
            r.target == Target::Masquerade
                && proto_ok(r, protocol)
                && r.matches.iter().all(|m| !matches!(m, Match::DestPort { .. }) || port_matches(m, container_port))
                && r.matches
                    .iter()
                    .any(|m| matches!(m, Match::Source { cidr, negated: false } if host_addr(cidr) == Some(ip)))
                && r.matches
                    .iter()
                    .any(|m| matches!(m, Match::Destination { cidr, negated: false } if host_addr(cidr) == Some(ip)))
        })
    });
    let subnet = endpoint
        .and_then(|e| t.network(&e.network))
        .and_then(|n| n.subnets.iter().filter_map(|s| s.subnet.clone()).find(|s| s.contains(':') == want_v6));
    let masquerade = subnet.filter(|_| !v6_via_proxy).map_or_else(Vec::new, |subnet| {
        find(ctx.candidates, |r| {
            r.target == Target::Masquerade
                && r.matches.iter().any(|m| matches!(m, Match::Source { cidr, negated: false } if *cidr == subnet))
        })
    });
    let raw = find(ctx.candidates, |r| {
        r.target == Target::Drop
            && proto_ok(r, protocol)
            && r.matches.iter().any(|m| match m {
                Match::Destination { cidr, negated: false } => match host_addr(cidr) {
                    // The container's address (for every port, or this one).
                    Some(a) if Some(a) == ip => r
                        .matches
                        .iter()
                        .all(|m| !matches!(m, Match::DestPort { .. }) || port_matches(m, container_port)),
                    // A port bound to one host address (loopback), for this host port.
                    Some(a) => {
                        host_ip.and_then(|h| h.parse::<IpAddr>().ok()) == Some(a)
                            && r.matches.iter().any(|m| port_matches(m, host_port))
                    }
                    None => false,
                },
                _ => false,
            })
    });
    let mode = gateway_mode(t, c, want_v6);
    let routed = mode == Some("routed") && dnat.is_empty() && !v6_via_proxy;
    let proxy_pid = proxies
        .iter()
        .find(|p| {
            p.host_port == host_port
                && p.protocol == protocol
                && (is_any(host_ip) && is_any(Some(&p.host_ip)) && v6(Some(&p.host_ip)) == want_v6
                    || host_ip == Some(p.host_ip.as_str()))
        })
        .map(|p| p.pid);
    let mut m = PortMapping {
        container: c.name.clone(),
        protocol: protocol.to_string(),
        host_ip: host_ip.filter(|i| !i.is_empty()).map(str::to_string),
        host_port,
        container_port,
        container_ip,
        network: endpoint.map(|e| e.network.clone()),
        bridge: endpoint.and_then(|e| e.bridge.clone()),
        dnat: dnat.into_iter().map(|(h, _)| h).collect(),
        forward,
        hairpin,
        masquerade,
        raw,
        gateway_mode: mode.filter(|m| *m != "nat").map(str::to_string),
        routed,
        proxy_pid,
        walks: Vec::new(),
        notes: Vec::new(),
        connections: None,
    };
    if v6_via_proxy {
        m.notes.push(
            "the container has no IPv6 address: IPv6 clients are served by docker-proxy, which connects to it over IPv4"
                .into(),
        );
    }
    if let Some(host) = t.host_namespace() {
        m.walks = walks(t, host, rules, &m, want_v6);
    }
    m
}

fn hit_of(at: RuleRef, r: &Rule) -> RuleHit {
    RuleHit { at, text: r.text.clone(), counters: r.counters }
}

fn find(candidates: &[PlacedRule], keep: impl Fn(&Rule) -> bool) -> Vec<RuleHit> {
    candidates
        .iter()
        .filter(|(_, _, _, r)| keep(r))
        .map(|&(t, c, i, r)| hit_of(RuleRef::at(t, c, Some(i)), r))
        .collect()
}

/// A `-d`/`-s` naming exactly one address ("172.17.0.2/32", "172.17.0.2").
fn host_addr(cidr: &str) -> Option<IpAddr> {
    match cidr.split_once('/') {
        Some((ip, "32" | "128")) => ip.parse().ok(),
        Some(_) => None,
        None => cidr.parse().ok(),
    }
}

fn port_matches(m: &Match, port: u16) -> bool {
    matches!(m, Match::DestPort { ports, negated: false } if ports.iter().any(|&(a, b)| a <= port && port <= b))
}

/// A rule with no protocol condition, or the right one.
fn proto_ok(r: &Rule, protocol: &str) -> bool {
    r.matches
        .iter()
        .all(|m| !matches!(m, Match::Protocol { name, negated: false } if !name.eq_ignore_ascii_case(protocol)))
}

/// Walk the first packet from another host (unless the port is bound to loopback) and from this host.
fn walks(t: &Topology, host: &Namespace, rules: &Ruleset, m: &PortMapping, want_v6: bool) -> Vec<PortWalk> {
    let mut out = Vec::new();
    let loopback = m.host_ip.as_deref().and_then(|i| i.parse::<IpAddr>().ok()).is_some_and(|i| i.is_loopback());
    let specific = m.host_ip.as_deref().filter(|i| !is_any(Some(i))).and_then(|i| i.parse::<IpAddr>().ok());
    let nic = t.host.default_route.as_ref();
    let container: Option<IpAddr> =
        m.container_ip.as_deref().and_then(|i| i.parse().ok()).filter(|i: &IpAddr| i.is_ipv6() == want_v6);
    if m.routed {
        // No NAT: the port is open at the container's own address, for other hosts (with a route
        // to the subnet) and for this one.
        let Some(ip) = container else { return out };
        if let Ok(src) =
            REMOTE_CLIENT.parse::<IpAddr>().map(|a| if want_v6 { REMOTE_CLIENT6.parse().unwrap_or(a) } else { a })
        {
            let iface = nic.and_then(|n| n.interface.clone());
            out.push(walk_direct("another host", host, rules, packet(iface, None, src, ip, m, host), m));
        }
        let src = route::lookup(host, ip)
            .and_then(|r| r.iface)
            .and_then(|i| host.interface_named(&i))
            .and_then(|i| {
                i.addresses
                    .iter()
                    .filter_map(|a| strip_prefix_len(a).parse::<IpAddr>().ok())
                    .find(|a| a.is_ipv6() == want_v6)
            })
            .unwrap_or(ip);
        out.push(walk_direct("this host", host, rules, packet(None, None, src, ip, m, host), m));
        return out;
    }
    if !loopback {
        let dst = specific.or_else(|| {
            nic.into_iter()
                .flat_map(|n| &n.addresses)
                .filter_map(|a| strip_prefix_len(a).parse().ok())
                .find(|a: &IpAddr| a.is_ipv6() == want_v6)
        });
        if let (Some(dst), Ok(src), false) = (dst, REMOTE_CLIENT.parse::<IpAddr>(), want_v6) {
            let iface = nic.and_then(|n| n.interface.clone()).or_else(|| route::owner(host, dst).map(str::to_string));
            let p = packet(iface, None, src, dst, m, host);
            out.push(walk_from("another host", host, rules, p, m, false));
        }
    }
    // Engine 28+ guards the container's address in the raw table (nat-unprotected leaves it
    // open): what a packet sent straight to it, not to the published port, meets.
    if let (Some(ip), Ok(src), false) = (container, REMOTE_CLIENT.parse::<IpAddr>(), want_v6)
        && (!m.raw.is_empty() || m.gateway_mode.as_deref() == Some("nat-unprotected"))
    {
        let iface = nic.and_then(|n| n.interface.clone());
        let mut p = packet(iface, None, src, ip, m, host);
        p.dport = Some(m.container_port);
        out.push(walk_direct("another host, straight to the container", host, rules, p, m));
    }
    let local_dst = specific.unwrap_or(if want_v6 {
        "::1".parse().unwrap_or(IpAddr::from([0u8; 16]))
    } else {
        IpAddr::from([127, 0, 0, 1])
    });
    let p = packet(None, Some("lo".into()), local_dst, local_dst, m, host);
    out.push(walk_from("this host", host, rules, p, m, true));
    out
}

fn packet(
    in_iface: Option<String>,
    out_iface: Option<String>,
    src: IpAddr,
    dst: IpAddr,
    m: &PortMapping,
    host: &Namespace,
) -> Packet {
    Packet {
        in_iface,
        out_iface,
        src,
        dst,
        protocol: m.protocol.clone(),
        sport: Some(40000),
        dport: Some(m.host_port),
        dst_local: route::is_local(host, dst),
        src_local: route::is_local(host, src),
    }
}

/// A packet addressed to the container itself (no NAT on the way): PREROUTING (or OUTPUT when
/// it comes from this host), FORWARD, POSTROUTING.
fn walk_direct(from: &str, host: &Namespace, rules: &Ruleset, mut p: Packet, m: &PortMapping) -> PortWalk {
    let port = p.dport.unwrap_or(m.container_port);
    p.dport = Some(port);
    let destination = super::net::host_port(Some(&p.dst.to_string()), port);
    p.dst_local = route::is_local(host, p.dst);
    p.out_iface = route::lookup(host, p.dst).and_then(|r| r.iface);
    let local = p.in_iface.is_none();
    let mut hooks = Vec::new();
    let result = |hooks, outcome: String, reaches| port_walk(from, &destination, hooks, outcome, reaches);
    let plan: &[Hook] =
        if local { &[Hook::Output, Hook::Postrouting] } else { &[Hook::Prerouting, Hook::Forward, Hook::Postrouting] };
    for &hook in plan {
        let w = walk::walk(rules, hook, &p, true);
        let by = w.dropped_by.as_ref().map(|s| format!("{} {}: {}", s.at.table, s.at.chain, s.text));
        hooks.push(w);
        if let Some(by) = by {
            return result(hooks, format!("dropped in {} by {by}", hook.as_str().to_uppercase()), false);
        }
    }
    let via = p.out_iface.as_deref().unwrap_or("?");
    let outcome = format!("no NAT: out through {via} to {} at {destination}", m.container);
    result(hooks, outcome, true)
}

fn port_walk(from: &str, destination: &str, hooks: Vec<HookWalk>, outcome: String, reaches: bool) -> PortWalk {
    PortWalk { from: from.into(), destination: destination.into(), hooks, outcome, reaches_container: reaches }
}

/// PREROUTING (or OUTPUT for the host's own traffic), then, once DNAT has pointed the packet at
/// the container, FORWARD (or nothing more for local traffic) and POSTROUTING.
fn walk_from(from: &str, host: &Namespace, rules: &Ruleset, mut p: Packet, m: &PortMapping, local: bool) -> PortWalk {
    let destination = super::net::host_port(Some(&p.dst.to_string()), m.host_port);
    let mut hooks = Vec::new();
    let first = walk::walk(rules, if local { Hook::Output } else { Hook::Prerouting }, &p, true);
    let dnat = first.dnat.clone();
    let dropped = first.verdict == Verdict::Drop;
    hooks.push(first);
    let result = |hooks, outcome: String, reaches| port_walk(from, &destination, hooks, outcome, reaches);
    if dropped {
        return result(hooks, "dropped before NAT".into(), false);
    }
    let Some((ip, port)) = dnat.as_deref().and_then(walk::nat_target) else {
        let outcome = match m.proxy_pid {
            Some(pid) => format!(
                "no DNAT rule matches: docker-proxy (pid {pid}) accepts the connection and opens its own to {}",
                super::net::host_port(m.container_ip.as_deref(), m.container_port)
            ),
            None => "no DNAT rule matches and no docker-proxy listens: the connection is refused".into(),
        };
        return result(hooks, outcome, m.proxy_pid.is_some());
    };
    p.dst = ip;
    p.dport = port.or(p.dport);
    p.dst_local = route::is_local(host, ip);
    p.out_iface = route::lookup(host, ip).and_then(|r| r.iface);
    if !local {
        let fwd = walk::walk(rules, Hook::Forward, &p, true);
        let verdict = fwd.verdict;
        let by = fwd.dropped_by.as_ref().map(|s| s.text.clone());
        hooks.push(fwd);
        if verdict == Verdict::Drop {
            return result(hooks, format!("dropped in FORWARD by {}", by.unwrap_or_default()), false);
        }
    }
    hooks.push(walk::walk(rules, Hook::Postrouting, &p, true));
    let via = p.out_iface.as_deref().unwrap_or("?");
    let outcome = format!(
        "DNAT to {} and out through {via} to {}",
        super::net::host_port(Some(&ip.to_string()), p.dport.unwrap_or(0)),
        m.container
    );
    result(hooks, outcome, true)
}
