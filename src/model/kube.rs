//! Kubernetes Services as kube-proxy (iptables mode) programs them, read back from the rules.
//!
//! kube-proxy leaves each Service port as a small graph of nat chains. `KUBE-SERVICES` matches the
//! cluster IP, external IPs and load-balancer IPs, `KUBE-NODEPORTS` the node ports; both jump to
//! the service's own chains: `KUBE-SVC-*` (all endpoints), `KUBE-SVL-*` (this node's endpoints,
//! for a Local traffic policy), `KUBE-EXT-*` (external traffic, 1.24+), `KUBE-FW-*`
//! (loadBalancerSourceRanges) and, before 1.24, `KUBE-XLB-*`. The endpoint-picking chains choose
//! one `KUBE-SEP-*` chain with `-m statistic`, and that chain DNATs to the endpoint. A Service
//! without endpoints has no nat chains at all, only REJECT rules in the filter table.
//!
//! The chain-name prefixes say what role a chain plays; which chains belong to one Service is
//! read from the jumps, never from the names' hashes. The rules' comments name the Service.
//! Nothing here talks to an API server, and nothing does I/O.

use crate::model::firewall::{Backend, Counters, Family, Match, Rule, RuleRef, Ruleset, Table, Target};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One port of a Service, as this node's kube-proxy rules implement it (one per address family:
/// a dual-stack Service appears once from the iptables tables and once from the ip6tables ones).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeService {
    pub namespace: String,
    pub name: String,
    /// The Service port's name; None for an unnamed port.
    pub port_name: Option<String>,
    /// "TCP", "UDP" or "SCTP", as Kubernetes spells it.
    pub protocol: String,
    pub cluster_ip: Option<String>,
    pub port: Option<u16>,
    pub node_ports: Vec<u16>,
    pub external_ips: Vec<String>,
    pub load_balancer_ips: Vec<String>,
    pub endpoints: Vec<KubeEndpoint>,
    /// The rules that implement it.
    pub rules: Vec<RuleRef>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeEndpoint {
    pub address: String,
    pub port: u16,
    /// The share of new connections from the statistic match, when present, as the rule prints it
    /// ("0.50000000000"); the last endpoint of a chain takes what is left and has none.
    pub probability: Option<String>,
    /// Whether the endpoint is on this node, where the rules say (a Local traffic policy makes
    /// kube-proxy list this node's endpoints in a chain of their own); None where they do not.
    pub local: Option<bool>,
    /// The counters of the endpoint chain's DNAT rule: connections sent to this endpoint.
    pub counters: Option<Counters>,
    /// The endpoint chain (`KUBE-SEP-*`).
    pub chain: String,
}

const SERVICES: &str = "KUBE-SERVICES";
const NODEPORTS: &str = "KUBE-NODEPORTS";
const EXTERNAL_SERVICES: &str = "KUBE-EXTERNAL-SERVICES";
const PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";

/// The chains kube-proxy makes per Service port (all but the endpoint chains).
const SERVICE_CHAIN_PREFIXES: [&str; 5] = ["KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-", "KUBE-XLB-"];

/// Whether kube-proxy's iptables chains are there (in iptables-legacy or iptables-nft tables).
/// True in IPVS mode too, where `services` finds nothing to follow.
pub fn has_kube_proxy(ruleset: &Ruleset) -> bool {
    ruleset.tables.iter().any(has_kube_chains)
}

/// Every Service port found in kube-proxy's rules, sorted by (namespace, name, port_name,
/// protocol); a dual-stack Service's two entries keep the ruleset's table order.
pub fn services(ruleset: &Ruleset) -> Vec<KubeService> {
    let mut families: Vec<(Backend, Family)> = Vec::new();
    for t in &ruleset.tables {
        if t.backend != Backend::Nftables && !families.contains(&(t.backend, t.family)) {
            families.push((t.backend, t.family));
        }
    }
    let mut out = Vec::new();
    for (backend, family) in families {
        let nat = ruleset.table(backend, family, "nat").filter(|t| has_kube_chains(t));
        let filter = ruleset.table(backend, family, "filter").filter(|t| has_kube_chains(t));
        if nat.is_none() && filter.is_none() {
            continue;
        }
        let mut found = nat.map(from_nat).unwrap_or_default();
        if let Some(filter) = filter {
            add_filter(filter, &mut found);
        }
        out.extend(found);
    }
    out.sort_by(|a, b| {
        (&a.namespace, &a.name, &a.port_name, &a.protocol).cmp(&(&b.namespace, &b.name, &b.port_name, &b.protocol))
    });
    out
}

fn has_kube_chains(t: &Table) -> bool {
    t.backend != Backend::Nftables
        && matches!(t.name.as_str(), "nat" | "filter")
        && [SERVICES, NODEPORTS, EXTERNAL_SERVICES].iter().any(|c| t.chain(c).is_some())
}

fn is_service_chain(name: &str) -> bool {
    SERVICE_CHAIN_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Where a rule sends packets by chain name. A jump to an undeclared chain is read by the parser
/// as an unknown target (`Other`), so that counts too.
fn named_target(t: &Target) -> Option<&str> {
    match t {
        Target::Jump(c) | Target::Goto(c) | Target::Other(c) => Some(c),
        _ => None,
    }
}

fn rule_ref(t: &Table, chain: &str, index: usize) -> RuleRef {
    RuleRef { backend: t.backend, family: t.family, table: t.name.clone(), chain: chain.into(), index: Some(index) }
}

// ---------------------------------------------------------------------------------------------
// Reading single rules

/// `ns/name:port` as kube-proxy writes it at the start of its comments.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Ident {
    namespace: String,
    name: String,
    port: Option<String>,
}

/// Splits "ns/name:port cluster IP" into the Service port and what follows ("cluster IP").
fn parse_comment(comment: &str) -> Option<(Ident, &str)> {
    let comment = comment.trim();
    let (first, rest) = comment.split_once(char::is_whitespace).unwrap_or((comment, ""));
    let (namespace, rest_of_first) = first.split_once('/')?;
    let (name, port) = match rest_of_first.split_once(':') {
        Some((n, p)) => (n, (!p.is_empty()).then(|| p.to_string())),
        None => (rest_of_first, None),
    };
    let label = |s: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    };
    if !label(namespace) || !label(name) || port.as_deref().is_some_and(|p| !label(p)) {
        return None;
    }
    Some((Ident { namespace: namespace.into(), name: name.into(), port }, rest.trim()))
}

fn rule_ident(r: &Rule) -> Option<(Ident, &str)> {
    parse_comment(r.comment.as_deref()?)
}

/// The destination without the host prefix length iptables-save adds (`/32`, `/128`).
fn destination(r: &Rule) -> Option<String> {
    r.matches.iter().find_map(|m| match m {
        Match::Destination { cidr, negated: false } => Some(
            cidr.strip_suffix("/32")
                .filter(|a| !a.contains(':'))
                .or_else(|| cidr.strip_suffix("/128"))
                .unwrap_or(cidr)
                .into(),
        ),
        _ => None,
    })
}

fn source(r: &Rule) -> Option<&str> {
    r.matches.iter().find_map(|m| match m {
        Match::Source { cidr, negated: false } => Some(cidr.as_str()),
        _ => None,
    })
}

fn dest_port(r: &Rule) -> Option<u16> {
    r.matches.iter().find_map(|m| match m {
        Match::DestPort { ports, negated: false } => ports.first().map(|p| p.0),
        _ => None,
    })
}

fn protocol(r: &Rule) -> Option<String> {
    r.matches.iter().find_map(|m| match m {
        Match::Protocol { name, negated: false } => Some(name.to_ascii_uppercase()),
        _ => None,
    })
}

fn dst_local(r: &Rule) -> bool {
    r.matches.iter().any(|m| matches!(m, Match::DestType { kind, negated: false } if kind == "LOCAL"))
}

/// `--probability P` of a `-m statistic` match.
fn probability(r: &Rule) -> Option<String> {
    r.matches.iter().find_map(|m| match m {
        Match::Other { text } if text.starts_with("-m statistic") => {
            let mut words = text.split_whitespace();
            words.find(|w| *w == "--probability")?;
            words.next().map(str::to_string)
        }
        _ => None,
    })
}

/// A session-affinity rule (`-m recent --rcheck`): it leads to an endpoint chain the balancing
/// rules lead to as well, and says nothing of the share.
fn is_affinity_check(r: &Rule) -> bool {
    r.matches
        .iter()
        .any(|m| matches!(m, Match::Other { text } if text.starts_with("-m recent") && text.contains("--rcheck")))
}

/// "10.244.1.5:8080" or "[fd00:10:244:1::5]:8080".
fn split_host_port(to: &str) -> Option<(String, u16)> {
    let (host, port) = match to.strip_prefix('[') {
        Some(rest) => rest.split_once("]:")?,
        None => to.rsplit_once(':').filter(|(h, _)| !h.contains(':'))?,
    };
    Some((host.to_string(), port.parse().ok()?))
}

// ---------------------------------------------------------------------------------------------
// The nat table: entries, the chains they lead to, endpoints

#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    ClusterIp,
    ExternalIp,
    LoadBalancer,
    NodePort,
}

/// A rule of KUBE-SERVICES or KUBE-NODEPORTS that sends a Service's traffic to its chains.
struct Entry {
    via: Via,
    target: String,
    at: RuleRef,
    dest: Option<String>,
    dport: Option<u16>,
    protocol: Option<String>,
    ident: Option<Ident>,
}

/// One Service port's chains in a nat table, as reached from its entries.
struct Group {
    anchor: String,
    chains: Vec<String>,
    entries: Vec<Entry>,
}

impl Group {
    fn ident(&self) -> Option<&Ident> {
        self.entries.iter().find_map(|e| e.ident.as_ref())
    }
    fn protocol(&self) -> Option<&String> {
        self.entries.iter().find_map(|e| e.protocol.as_ref())
    }
}

fn entries(nat: &Table) -> Vec<Entry> {
    let mut out = Vec::new();
    for chain_name in [SERVICES, NODEPORTS] {
        let Some(chain) = nat.chain(chain_name) else { continue };
        for (i, r) in chain.rules.iter().enumerate() {
            let Some(target) = named_target(&r.target).filter(|t| is_service_chain(t)) else { continue };
            let parsed = rule_ident(r);
            let via = if chain_name == NODEPORTS {
                Via::NodePort
            } else {
                match parsed.as_ref().map(|(_, rest)| *rest) {
                    Some("cluster IP") => Via::ClusterIp,
                    Some("external IP") => Via::ExternalIp,
                    Some("loadbalancer IP") => Via::LoadBalancer,
                    // No telling comment: the chain's role decides.
                    _ if target.starts_with("KUBE-FW-") => Via::LoadBalancer,
                    _ if target.starts_with("KUBE-EXT-") || target.starts_with("KUBE-XLB-") => Via::ExternalIp,
                    _ => Via::ClusterIp,
                }
            };
            out.push(Entry {
                via,
                target: target.to_string(),
                at: rule_ref(nat, chain_name, i),
                dest: destination(r),
                dport: dest_port(r),
                protocol: protocol(r),
                ident: parsed.map(|(id, _)| id),
            });
        }
    }
    out
}

/// The service chains reachable from `start` (itself first), breadth first; each once, so
/// jump cycles end.
fn service_chains_from(nat: &Table, start: &str) -> Vec<String> {
    let mut seen = vec![start.to_string()];
    let mut i = 0;
    while i < seen.len() {
        if let Some(chain) = nat.chain(&seen[i]) {
            for r in &chain.rules {
                if let Some(t) = named_target(&r.target)
                    && is_service_chain(t)
                    && !seen.iter().any(|s| s == t)
                {
                    seen.push(t.to_string());
                }
            }
        }
        i += 1;
    }
    seen
}

fn groups(nat: &Table) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for e in entries(nat) {
        let chains = service_chains_from(nat, &e.target);
        // The service's own chain is the all-endpoints one it reaches first; failing that the
        // local-endpoints one (both policies Local), failing that where the entry points.
        let anchor = chains
            .iter()
            .find(|c| c.starts_with("KUBE-SVC-"))
            .or_else(|| chains.iter().find(|c| c.starts_with("KUBE-SVL-")))
            .unwrap_or(&chains[0])
            .clone();
        match groups.iter_mut().find(|g| g.anchor == anchor) {
            Some(g) => {
                for c in chains {
                    if !g.chains.contains(&c) {
                        g.chains.push(c);
                    }
                }
                g.entries.push(e);
            }
            None => groups.push(Group { anchor, chains, entries: vec![e] }),
        }
    }
    // Entries whose chains do not meet (internalTrafficPolicy: Local sends the cluster IP to the
    // local chain only) are still one Service port when kube-proxy's comments say so.
    let mut i = 0;
    while i < groups.len() {
        let mut j = i + 1;
        while j < groups.len() {
            let same = groups[i].ident().is_some()
                && groups[i].ident() == groups[j].ident()
                && groups[i].protocol() == groups[j].protocol();
            if same {
                let g = groups.remove(j);
                for c in g.chains {
                    if !groups[i].chains.contains(&c) {
                        groups[i].chains.push(c);
                    }
                }
                groups[i].entries.extend(g.entries);
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    groups
}

/// Collects rule references once each, in the order first met.
#[derive(Default)]
struct Refs {
    list: Vec<RuleRef>,
    seen: HashSet<RuleRef>,
}

impl Refs {
    fn push(&mut self, r: RuleRef) {
        if self.seen.insert(r.clone()) {
            self.list.push(r);
        }
    }
    fn chain(&mut self, t: &Table, chain: &str) {
        if let Some(c) = t.chain(chain) {
            for i in 0..c.rules.len() {
                self.push(rule_ref(t, chain, i));
            }
        }
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

fn note(notes: &mut Vec<String>, n: String) {
    push_unique(notes, n);
}

const NO_LOCAL_EXTERNAL: &str =
    "no endpoint on this node: external traffic (externalTrafficPolicy: Local) is dropped here";
const NO_LOCAL_INTERNAL: &str =
    "no endpoint on this node: cluster IP traffic (internalTrafficPolicy: Local) is dropped here";

fn from_nat(nat: &Table) -> Vec<KubeService> {
    groups(nat).into_iter().map(|g| service_from_group(nat, g)).collect()
}

fn service_from_group(nat: &Table, g: Group) -> KubeService {
    let mut refs = Refs::default();
    let mut notes = Vec::new();
    let mut svc = KubeService {
        namespace: String::new(),
        name: String::new(),
        port_name: None,
        protocol: g.protocol().cloned().unwrap_or_default(),
        cluster_ip: None,
        port: None,
        node_ports: Vec::new(),
        external_ips: Vec::new(),
        load_balancer_ips: Vec::new(),
        endpoints: Vec::new(),
        rules: Vec::new(),
        notes: Vec::new(),
    };

    for e in &g.entries {
        refs.push(e.at.clone());
        match e.via {
            Via::ClusterIp => match (&svc.cluster_ip, &e.dest) {
                (None, Some(d)) => {
                    svc.cluster_ip = Some(d.clone());
                    svc.port = e.dport;
                }
                (Some(ip), Some(d)) if ip != d => push_unique(&mut svc.external_ips, d.clone()),
                _ => {}
            },
            Via::ExternalIp => {
                if let Some(d) = &e.dest {
                    push_unique(&mut svc.external_ips, d.clone());
                }
            }
            Via::LoadBalancer => {
                if let Some(d) = &e.dest {
                    push_unique(&mut svc.load_balancer_ips, d.clone());
                }
            }
            Via::NodePort => {
                if let Some(p) = e.dport {
                    push_unique(&mut svc.node_ports, p);
                }
            }
        }
        if svc.port.is_none() && e.via != Via::NodePort {
            svc.port = e.dport;
        }
        // The masquerade rule next to an entry (older layouts: same addresses and port, jumping
        // to KUBE-MARK-MASQ) is part of the service too.
        if e.dport.is_some()
            && let Some(chain) = nat.chain(&e.at.chain)
        {
            for (i, r) in chain.rules.iter().enumerate() {
                let companion = matches!(&r.target, Target::Jump(t) if !is_service_chain(t) && t != NODEPORTS)
                    && destination(r) == e.dest
                    && dest_port(r) == e.dport
                    && protocol(r) == e.protocol;
                if companion {
                    refs.push(rule_ref(nat, &e.at.chain, i));
                }
            }
        }
    }

    for c in &g.chains {
        if nat.chain(c).is_none() {
            note(&mut notes, format!("{c} is not a chain of the {} nat table", family_label(nat)));
        }
        refs.chain(nat, c);
    }

    // Endpoints: from the all-endpoints chains first (their shares are the service's), then the
    // local ones, which also say which endpoints are on this node.
    let policy: Vec<&String> = ["KUBE-SVC-", "KUBE-SVL-", "KUBE-XLB-"]
        .iter()
        .flat_map(|p| g.chains.iter().filter(move |c| c.starts_with(p)))
        .collect();
    let has_local_chain = policy.iter().any(|c| !c.starts_with("KUBE-SVC-"));
    let mut local_chains: HashSet<String> = HashSet::new();
    let mut no_local = false;
    for p in policy {
        let Some(chain) = nat.chain(p) else { continue };
        let is_local_chain = !p.starts_with("KUBE-SVC-");
        // Balancing rules first, so an endpoint's share comes from its statistic match rather
        // than from a session-affinity rule leading to the same chain.
        for affinity_pass in [false, true] {
            for r in chain.rules.iter().filter(|r| is_affinity_check(r) == affinity_pass) {
                if is_local_chain
                    && r.comment
                        .as_deref()
                        .and_then(parse_comment)
                        .is_some_and(|(_, rest)| rest == "has no local endpoints")
                {
                    no_local = true;
                }
                let (ep_chain, dnat) = match &r.target {
                    Target::Dnat(_) => (p.as_str(), r),
                    Target::Jump(t) | Target::Goto(t) if is_service_chain(t) => continue,
                    Target::Jump(t) | Target::Goto(t) => match nat.chain(t) {
                        Some(ep) => match ep.rules.iter().find(|x| matches!(x.target, Target::Dnat(_))) {
                            Some(d) => {
                                refs.chain(nat, t);
                                (t.as_str(), d)
                            }
                            None => {
                                if t.starts_with("KUBE-SEP-") {
                                    refs.chain(nat, t);
                                    note(&mut notes, format!("{t} has no DNAT rule: its endpoint is unknown"));
                                }
                                continue;
                            }
                        },
                        None => {
                            note(&mut notes, missing_chain(nat, p, t));
                            continue;
                        }
                    },
                    Target::Other(t) if t.starts_with("KUBE-") => {
                        note(&mut notes, missing_chain(nat, p, t));
                        continue;
                    }
                    _ => continue,
                };
                if is_local_chain {
                    local_chains.insert(ep_chain.to_string());
                }
                if svc.endpoints.iter().any(|x| x.chain == ep_chain) {
                    continue;
                }
                let Target::Dnat(to) = &dnat.target else { continue };
                let Some((address, port)) = split_host_port(to) else {
                    note(&mut notes, format!("{ep_chain}: cannot read the DNAT destination {to:?}"));
                    continue;
                };
                if svc.protocol.is_empty()
                    && let Some(proto) = protocol(dnat)
                {
                    svc.protocol = proto;
                }
                svc.endpoints.push(KubeEndpoint {
                    address,
                    port,
                    probability: if affinity_pass { None } else { probability(r) },
                    local: None,
                    counters: dnat.counters,
                    chain: ep_chain.to_string(),
                });
            }
        }
    }
    if no_local {
        note(&mut notes, NO_LOCAL_EXTERNAL.into());
    }
    if has_local_chain || no_local {
        for ep in &mut svc.endpoints {
            ep.local = Some(local_chains.contains(&ep.chain));
        }
    }

    // Which sources a KUBE-FW chain lets through (loadBalancerSourceRanges).
    for c in g.chains.iter().filter(|c| c.starts_with("KUBE-FW-")) {
        let Some(chain) = nat.chain(c) else { continue };
        let allowed: Vec<&str> = chain
            .rules
            .iter()
            .filter(|r| named_target(&r.target).is_some_and(is_service_chain))
            .filter_map(source)
            .collect();
        if !allowed.is_empty() {
            note(&mut notes, format!("load-balancer IPs accept only {} ({c})", allowed.join(", ")));
        }
    }

    // The Service's name, from kube-proxy's comments: on the entries, else on its chains' rules.
    let ident = g.ident().cloned().or_else(|| {
        let sep_chains = svc.endpoints.iter().map(|e| &e.chain);
        g.chains
            .iter()
            .chain(sep_chains)
            .find_map(|c| nat.chain(c)?.rules.iter().find_map(|r| rule_ident(r).map(|(id, _)| id)))
    });
    match ident {
        Some(id) => {
            svc.namespace = id.namespace;
            svc.name = id.name;
            svc.port_name = id.port;
        }
        None => {
            svc.name = g.anchor.clone();
            note(&mut notes, format!("no rule comment names this service: shown by its chain {}", g.anchor));
        }
    }
    if svc.protocol.is_empty() {
        note(&mut notes, "the rules do not say the protocol".into());
    }
    if svc.endpoints.is_empty() && !notes.iter().any(|n| n.contains("endpoint")) {
        note(&mut notes, "no endpoints found behind its chains".into());
    }
    svc.rules = refs.list;
    svc.notes = notes;
    svc
}

fn family_label(t: &Table) -> &'static str {
    match t.family {
        Family::Ipv6 => "IPv6",
        _ => "IPv4",
    }
}

fn missing_chain(nat: &Table, from: &str, to: &str) -> String {
    format!("{from} jumps to {to}, which is not a chain of the {} nat table: endpoint unknown", family_label(nat))
}

// ---------------------------------------------------------------------------------------------
// The filter table: services without (local) endpoints, health checks, source-range drops

fn add_filter(filter: &Table, services: &mut Vec<KubeService>) {
    for chain_name in [SERVICES, EXTERNAL_SERVICES, NODEPORTS, PROXY_FIREWALL] {
        let Some(chain) = filter.chain(chain_name) else { continue };
        for (i, r) in chain.rules.iter().enumerate() {
            let Some((ident, rest)) = rule_ident(r) else { continue };
            let at = rule_ref(filter, chain_name, i);
            let proto = protocol(r).unwrap_or_default();
            let verdict = matches!(r.target, Target::Reject | Target::Drop);
            let no_endpoints = verdict && rest == "has no endpoints";
            let no_local = verdict && rest == "has no local endpoints";
            let find = |s: &KubeService| {
                s.namespace == ident.namespace
                    && s.name == ident.name
                    && s.port_name == ident.port
                    && (s.protocol == proto || chain_name == NODEPORTS)
            };
            let idx = match services.iter().position(find) {
                Some(idx) => idx,
                None if no_endpoints || no_local => {
                    services.push(KubeService {
                        namespace: ident.namespace.clone(),
                        name: ident.name.clone(),
                        port_name: ident.port.clone(),
                        protocol: proto.clone(),
                        cluster_ip: None,
                        port: None,
                        node_ports: Vec::new(),
                        external_ips: Vec::new(),
                        load_balancer_ips: Vec::new(),
                        endpoints: Vec::new(),
                        rules: Vec::new(),
                        notes: Vec::new(),
                    });
                    services.len() - 1
                }
                None => continue,
            };
            let svc = &mut services[idx];
            push_unique(&mut svc.rules, at);
            if no_endpoints {
                note(
                    &mut svc.notes,
                    "no endpoints: kube-proxy rejects connections to it (\"has no endpoints\" in the filter table)"
                        .into(),
                );
            }
            if no_endpoints || no_local {
                let dest = destination(r);
                match (chain_name, dest) {
                    (SERVICES, Some(d)) => {
                        if svc.cluster_ip.is_none() {
                            svc.cluster_ip = Some(d);
                            svc.port = dest_port(r);
                        } else if svc.cluster_ip.as_ref() != Some(&d) {
                            // Before 1.24, load-balancer IPs without endpoints were rejected here too.
                            push_unique(&mut svc.load_balancer_ips, d);
                        }
                        if no_local {
                            note(&mut svc.notes, NO_LOCAL_INTERNAL.into());
                        }
                    }
                    (EXTERNAL_SERVICES, None) if dst_local(r) => {
                        if let Some(p) = dest_port(r) {
                            push_unique(&mut svc.node_ports, p);
                        }
                    }
                    (EXTERNAL_SERVICES, Some(d)) => {
                        if !svc.external_ips.contains(&d) && !svc.load_balancer_ips.contains(&d) {
                            if svc.endpoints.is_empty() {
                                note(
                                    &mut svc.notes,
                                    "without endpoints the rules do not tell external IPs from load-balancer IPs: \
                                     both are listed as external IPs"
                                        .into(),
                                );
                            }
                            svc.external_ips.push(d);
                        }
                        if svc.port.is_none() {
                            svc.port = dest_port(r);
                        }
                    }
                    _ => {}
                }
                if no_local && chain_name == EXTERNAL_SERVICES {
                    note(&mut svc.notes, NO_LOCAL_EXTERNAL.into());
                    for ep in &mut svc.endpoints {
                        ep.local.get_or_insert(false);
                    }
                }
            }
            if chain_name == NODEPORTS
                && rest == "health check node port"
                && let Some(p) = dest_port(r)
            {
                note(&mut svc.notes, format!("health check node port {p} (externalTrafficPolicy: Local)"));
            }
        }
    }
}
