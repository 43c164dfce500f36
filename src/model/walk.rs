//! Walk a packet through the base chains of one netfilter hook, the way the kernel would:
//! base chains in priority order, jumps and gotos into user chains, RETURN, policies, and NAT
//! only for the first packet of a connection. Conditions netview cannot evaluate are assumed not
//! to match, and every such assumption is reported.

use super::firewall::*;
use super::net::cidr_contains;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The packet being walked: addresses after any NAT already applied at earlier hooks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub in_iface: Option<String>,
    pub out_iface: Option<String>,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// "tcp", "udp" or "icmp".
    pub protocol: String,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    /// Whether `dst` is one of this host's own addresses (addrtype LOCAL).
    pub dst_local: bool,
    pub src_local: bool,
}

/// One rule that matched on the way (or a chain's policy, with `at.index == None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub at: RuleRef,
    pub text: String,
    pub target: Target,
    pub counters: Option<Counters>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accept,
    Drop,
}

/// What happened to the packet at one hook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookWalk {
    pub hook: Hook,
    pub steps: Vec<Step>,
    pub verdict: Verdict,
    /// The step that dropped it.
    pub dropped_by: Option<Step>,
    /// Destination rewrite (`addr` or `addr:port`), from DNAT or REDIRECT.
    pub dnat: Option<String>,
    /// Source rewrite: "MASQUERADE" or the SNAT address.
    pub snat: Option<String>,
    /// Rules with conditions netview does not evaluate, assumed not to match.
    pub assumed: Vec<String>,
}

/// Nested user chains deeper than this are treated as a loop.
const MAX_DEPTH: usize = 32;

enum Tri {
    Yes,
    No,
    Unknown,
}

/// Walk `packet` through every base chain of `hook` for its address family.
/// `new_connection`: NAT chains only see the first packet of a connection.
/// A DNAT in nat rewrites the destination for the base chains that follow it in the same hook;
/// the chains before it (raw, mangle) ran once, with the original destination, as in the kernel.
pub fn walk(ruleset: &Ruleset, hook: Hook, packet: &Packet, new_connection: bool) -> HookWalk {
    let family = if packet.dst.is_ipv4() { Family::Ipv4 } else { Family::Ipv6 };
    let mut bases: Vec<(&Table, &Chain)> = ruleset
        .tables
        .iter()
        .filter(|t| t.family == family || t.family == Family::Inet)
        .flat_map(|t| t.chains.iter().filter(|c| c.hook == Some(hook)).map(move |c| (t, c)))
        .collect();
    bases.sort_by_key(|(_, c)| c.priority);
    let mut packet = packet.clone();
    let mut out = HookWalk {
        hook,
        steps: Vec::new(),
        verdict: Verdict::Accept,
        dropped_by: None,
        dnat: None,
        snat: None,
        assumed: Vec::new(),
    };
    let mut nat_done = false;
    for (table, chain) in bases {
        let is_nat = chain.kind.as_deref() == Some("nat") || table.name == "nat";
        if is_nat && (nat_done || !new_connection) {
            continue;
        }
        let end = run_chain(table, chain, &packet, &mut out, 0);
        match end {
            End::Drop(step) => {
                out.verdict = Verdict::Drop;
                out.dropped_by = Some(step);
                return out;
            }
            End::Nat => {
                nat_done = true;
                // The base chains after nat in this hook see the rewritten destination.
                if let Some((ip, port)) = out.dnat.as_deref().and_then(nat_target) {
                    packet.dst_local &= ip == packet.dst;
                    packet.dst = ip;
                    packet.dport = port.or(packet.dport);
                }
            }
            End::Accept if is_nat => nat_done = true,
            End::Accept | End::Return => {}
        }
        if matches!(end, End::Return) {
            // Fell off the end of a base chain: its policy decides.
            if let Some(policy) = &chain.policy {
                let step = Step {
                    at: RuleRef::at(table, chain, None),
                    text: format!("policy {}", policy.label()),
                    target: policy.clone(),
                    counters: chain.policy_counters,
                };
                if matches!(policy, Target::Drop | Target::Reject) {
                    out.steps.push(step.clone());
                    out.verdict = Verdict::Drop;
                    out.dropped_by = Some(step);
                    return out;
                }
            }
        }
    }
    out
}

enum End {
    Accept,
    Drop(Step),
    /// A NAT target decided (DNAT/SNAT/MASQUERADE/REDIRECT).
    Nat,
    /// Reached the end of the chain (or RETURN).
    Return,
}

fn run_chain(table: &Table, chain: &Chain, packet: &Packet, out: &mut HookWalk, depth: usize) -> End {
    if depth > MAX_DEPTH {
        out.assumed.push(format!("{}: chains nested deeper than {MAX_DEPTH}, stopped following", chain.name));
        return End::Return;
    }
    for (i, rule) in chain.rules.iter().enumerate() {
        match rule_matches(rule, packet) {
            Tri::No => continue,
            Tri::Unknown => {
                if !matches!(rule.target, Target::Continue(_)) {
                    out.assumed.push(format!("{} {}: {}", table.name, chain.name, rule.text));
                }
                continue;
            }
            Tri::Yes => {}
        }
        let step = Step {
            at: RuleRef::at(table, chain, Some(i)),
            text: rule.text.clone(),
            target: rule.target.clone(),
            counters: rule.counters,
        };
        out.steps.push(step.clone());
        match &rule.target {
            Target::Accept => return End::Accept,
            Target::Drop | Target::Reject => return End::Drop(step),
            Target::Return => return End::Return,
            Target::Dnat(to) | Target::Redirect(to) => {
                out.dnat = Some(to.clone());
                return End::Nat;
            }
            Target::Snat(to) => {
                out.snat = Some(to.clone());
                return End::Nat;
            }
            Target::Masquerade => {
                out.snat = Some("MASQUERADE".into());
                return End::Nat;
            }
            Target::Jump(name) | Target::Goto(name) => {
                let Some(next) = table.chain(name) else {
                    out.assumed
                        .push(format!("{} {}: jumps to a chain that does not exist: {name}", table.name, chain.name));
                    continue;
                };
                match run_chain(table, next, packet, out, depth + 1) {
                    End::Return if matches!(rule.target, Target::Jump(_)) => continue,
                    end => return end,
                }
            }
            Target::Continue(_) | Target::Other(_) => continue,
        }
    }
    End::Return
}

fn rule_matches(rule: &Rule, p: &Packet) -> Tri {
    let mut unknown = false;
    for m in &rule.matches {
        match condition(m, p) {
            Tri::No => return Tri::No,
            Tri::Unknown => unknown = true,
            Tri::Yes => {}
        }
    }
    if unknown { Tri::Unknown } else { Tri::Yes }
}

fn condition(m: &Match, p: &Packet) -> Tri {
    let (hit, negated) = match m {
        Match::InIface { name, negated } => (iface_matches(name, p.in_iface.as_deref()), *negated),
        Match::OutIface { name, negated } => (iface_matches(name, p.out_iface.as_deref()), *negated),
        Match::Source { cidr, negated } => (addr_in(cidr, p.src), *negated),
        Match::Destination { cidr, negated } => (addr_in(cidr, p.dst), *negated),
        Match::Protocol { name, negated } => (protocol_is(name, &p.protocol), *negated),
        Match::DestPort { ports, negated } => (port_in(ports, p.dport), *negated),
        Match::SourcePort { ports, negated } => (port_in(ports, p.sport), *negated),
        Match::DestType { kind, negated } if kind.eq_ignore_ascii_case("LOCAL") => (p.dst_local, *negated),
        Match::SourceType { kind, negated } if kind.eq_ignore_ascii_case("LOCAL") => (p.src_local, *negated),
        // Every walk is of a connection's first packet.
        Match::CtState { states, negated } => (states.iter().any(|s| s.eq_ignore_ascii_case("NEW")), *negated),
        _ => return Tri::Unknown,
    };
    if hit != negated { Tri::Yes } else { Tri::No }
}

/// iptables interface names: a trailing `+` matches any suffix.
fn iface_matches(pattern: &str, iface: Option<&str>) -> bool {
    let Some(iface) = iface else { return false };
    match pattern.strip_suffix('+') {
        Some(prefix) => iface.starts_with(prefix),
        None => pattern == iface,
    }
}

fn addr_in(cidr: &str, ip: IpAddr) -> bool {
    if cidr.contains('/') {
        cidr_contains(cidr, &ip.to_string())
    } else {
        cidr.parse::<IpAddr>().is_ok_and(|a| a == ip)
    }
}

fn protocol_is(name: &str, protocol: &str) -> bool {
    let name = match name {
        "6" => "tcp",
        "17" => "udp",
        "1" | "ipv6-icmp" | "icmpv6" | "58" => "icmp",
        n => n,
    };
    name == "all" || name.eq_ignore_ascii_case(protocol)
}

fn port_in(ports: &[(u16, u16)], port: Option<u16>) -> bool {
    port.is_some_and(|p| ports.iter().any(|&(a, b)| a <= p && p <= b))
}

/// Split a NAT destination ("172.17.0.2:80", "172.17.0.2", "[fd00::2]:80") into address and port.
pub fn nat_target(to: &str) -> Option<(IpAddr, Option<u16>)> {
    if let Ok(ip) = to.parse() {
        return Some((ip, None));
    }
    if let Some(rest) = to.strip_prefix('[') {
        let (ip, port) = rest.split_once("]:")?;
        return Some((ip.parse().ok()?, port.split('-').next()?.parse().ok()));
    }
    let (ip, port) = to.rsplit_once(':')?;
    Some((ip.parse().ok()?, port.split('-').next()?.parse().ok()))
}
