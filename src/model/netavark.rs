//! netavark's rules (Podman's network backend) in the published-ports join.
//!
//! netavark spreads a port over more chains than Docker does, and none of its rules names the
//! container the way Docker's FORWARD accept does:
//! - DNAT: `NETAVARK-HOSTPORT-DNAT` jumps (per host port) to `NETAVARK-DN-<hash>`, which holds
//!   `--dport P -j DNAT --to-destination ip:port` (nftables: `nv_<id>_<subnet>_dnat`). The
//!   generic join finds that rule already.
//! - forward: `NETAVARK_FORWARD` accepts the network's subnet out (`-s subnet`) and the replies
//!   back (`-d subnet ... RELATED,ESTABLISHED`); a connection's first packet in is left to the
//!   FORWARD chain's policy, which the walk shows.
//! - hairpin: `-s subnet --dport P -j NETAVARK-HOSTPORT-SETMARK` marks the packet (0x2000) and
//!   `NETAVARK-HOSTPORT-MASQ` masquerades marked packets.
//! - outbound: `POSTROUTING -s subnet -j NETAVARK-<hash>` (nftables `nv_<id>_<subnet>`), whose
//!   `! -d 224.0.0.0/4 -j MASQUERADE` does it.
//!
//! Podman 5's nftables driver puts the same chains in `table inet netavark`.

use super::firewall::{Chain, Match, PlacedRule, Rule, RuleRef, Ruleset, Table, Target};
use super::net::strip_prefix_len;
use super::ports::{PortMapping, RuleHit};
use super::topology::Topology;

/// A chain netavark made: its iptables chains, and every chain of its nftables table.
pub fn is_netavark(table: &Table, chain: &Chain) -> bool {
    table.name == "netavark" || chain.name.starts_with("NETAVARK")
}

/// netavark's chains as found ("nat NETAVARK-HOSTPORT-DNAT", "netavark nv_2f259bab_10_88_0_0_nm16").
pub fn chains(rules: &Ruleset) -> Vec<String> {
    let mut out: Vec<String> = rules
        .tables
        .iter()
        .flat_map(|t| t.chains.iter().filter(move |c| is_netavark(t, c)).map(move |c| format!("{} {}", t.name, c.name)))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn hit(p: &PlacedRule) -> RuleHit {
    let &(t, c, i, r) = p;
    RuleHit { at: RuleRef::at(t, c, Some(i)), text: r.text.clone(), counters: r.counters }
}

fn cidr_is(m: &Match, source: bool, subnet: &str) -> bool {
    match m {
        Match::Source { cidr, negated: false } if source => cidr == subnet,
        Match::Destination { cidr, negated: false } if !source => cidr == subnet,
        _ => false,
    }
}

fn port_is(r: &Rule, port: u16, protocol: &str) -> bool {
    let proto_ok = r
        .matches
        .iter()
        .all(|m| !matches!(m, Match::Protocol { name, negated: false } if !name.eq_ignore_ascii_case(protocol)));
    proto_ok
        && r.matches.iter().any(
            |m| matches!(m, Match::DestPort { ports, negated: false } if ports.iter().any(|&(a, b)| a <= port && port <= b)),
        )
}

fn push(into: &mut Vec<RuleHit>, h: RuleHit) {
    if !into.iter().any(|x| x.at == h.at) {
        into.push(h);
    }
}

/// Add netavark's forward, hairpin and masquerade rules to a port whose container sits on a
/// netavark network. Docker's ports and rules are left as the generic join found them.
pub fn augment(m: &mut PortMapping, t: &Topology, rules: &Ruleset) {
    let netavark: Vec<PlacedRule> = rules.placed_rules().filter(|(t, c, _, _)| is_netavark(t, c)).collect();
    if netavark.is_empty() {
        return;
    }
    let Some(subnet) = m.network.as_deref().and_then(|n| t.network(n)).and_then(|n| {
        let ip = m.container_ip.as_deref()?;
        let ip = strip_prefix_len(ip);
        n.subnets.iter().filter_map(|s| s.subnet.clone()).find(|s| super::net::cidr_contains(s, ip))
    }) else {
        return;
    };
    // From POSTROUTING itself (iptables) or netavark's own hooked chain (nftables).
    let postrouting_jumps: Vec<PlacedRule> = rules
        .placed_rules()
        .filter(|(_, _, _, r)| {
            matches!(r.target, Target::Jump(_)) && r.matches.iter().any(|x| cidr_is(x, true, &subnet))
        })
        .collect();
    for p in &netavark {
        let r = p.3;
        match &r.target {
            // NETAVARK_FORWARD: the subnet out, the replies in.
            Target::Accept
                if is_forward_chain(p.0, p.1)
                    && r.matches.iter().any(|x| cidr_is(x, true, &subnet) || cidr_is(x, false, &subnet)) =>
            {
                push(&mut m.forward, hit(p))
            }
            // The hairpin: the container (its subnet) to its own published port is marked...
            Target::Jump(to) | Target::Goto(to)
                if to == "NETAVARK-HOSTPORT-SETMARK"
                    && port_is(r, m.host_port, &m.protocol)
                    && r.matches.iter().any(|x| cidr_is(x, true, &subnet)) =>
            {
                push(&mut m.hairpin, hit(p))
            }
            _ => {}
        }
    }
    // ... and the marked packets masqueraded.
    if !m.hairpin.is_empty() {
        for p in netavark.iter().filter(|p| {
            p.3.target == Target::Masquerade
                && p.3.matches.iter().any(|x| matches!(x, Match::Other { text } if text.contains("mark")))
        }) {
            push(&mut m.hairpin, hit(p));
        }
    }
    // Outbound: POSTROUTING -s subnet jumps to the network's chain, which masquerades.
    for j in postrouting_jumps {
        let Target::Jump(to) = &j.3.target else { continue };
        let masq: Vec<&PlacedRule> = netavark
            .iter()
            .filter(|p| &p.1.name == to && p.0.name == j.0.name && p.3.target == Target::Masquerade)
            .collect();
        if !masq.is_empty() {
            push(&mut m.masquerade, hit(&j));
            masq.into_iter().for_each(|p| push(&mut m.masquerade, hit(p)));
        }
    }
}

/// A chain reached from the forward hook: the filter table's netavark chains, or nftables'
/// chains hooked on forward.
fn is_forward_chain(table: &Table, chain: &Chain) -> bool {
    chain.name == "NETAVARK_FORWARD"
        || chain.hook == Some(super::firewall::Hook::Forward)
        || (table.name == "netavark" && chain.name.to_ascii_lowercase().contains("forward"))
}
