//! Snapshot sections for the firewall: which rule sets were read, Docker's chains, and each
//! published port with the rules that implement it and the walk of its first packet.

use super::style::{Style, safe};
use crate::model::firewall::{Counters, RuleRef, SourceStatus};
use crate::model::ports::{PortMapping, PortWalk, RuleHit};
use crate::model::walk::HookWalk;
use crate::model::{FirewallView, Topology};

pub fn sections(t: &Topology, style: Style, lines: &mut Vec<String>) {
    let fw = &t.firewall;
    lines.push(String::new());
    lines.push(style.heading("FIREWALL"));
    if fw.ruleset.sources.is_empty() {
        lines.push("  not read (--no-firewall)".into());
        if !fw.unpublished.is_empty() {
            lines.push(String::new());
            lines.push(style.heading("PUBLISHED PORTS"));
            unpublished(fw, style, lines);
        }
        return;
    }
    for s in &fw.ruleset.sources {
        let status = match &s.status {
            SourceStatus::Read(n) if s.backend == crate::model::firewall::Backend::Nftables => {
                format!("{n} rules in native nftables tables")
            }
            SourceStatus::Read(n) => format!("{n} rules"),
            SourceStatus::Missing => "not installed".into(),
            SourceStatus::Denied(why) | SourceStatus::Failed(why) => style.warn(&safe(why)),
        };
        lines.push(format!("  {:<16} {:<28} {status}", s.backend.as_str(), s.command.join(" ")));
    }
    lines.push(format!("  {:<16} {}", "forwarding", switches(fw)));
    if !fw.docker_chains.is_empty() {
        lines.push(format!("  {:<16} {}", "docker chains", fw.docker_chains.join(", ")));
    }
    if !fw.podman_chains.is_empty() {
        lines.push(format!("  {:<16} {}", "netavark chains", fw.podman_chains.join(", ")));
    }
    for g in &fw.docker_raw {
        lines.push(format!("  {:<16} {}", "docker raw", rule_line(&g.rule)));
        lines.push(format!("  {:<16}   {}", "", safe(&g.meaning)));
    }
    ports(fw, style, lines);
    kube(fw, style, lines);
}

/// Services read back from kube-proxy's chains; nothing at all on a host without them.
fn kube(fw: &FirewallView, style: Style, lines: &mut Vec<String>) {
    if fw.kube_services.is_empty() {
        return;
    }
    lines.push(String::new());
    lines.push(style.heading("KUBERNETES SERVICES (from kube-proxy's rules)"));
    for s in &fw.kube_services {
        let port = s.port_name.as_deref().map_or(String::new(), |p| format!(":{p}"));
        let mut front = Vec::new();
        if let (Some(ip), Some(p)) = (&s.cluster_ip, s.port) {
            front.push(format!("ClusterIP {}", crate::model::net::host_port(Some(ip), p)));
        }
        for n in &s.node_ports {
            front.push(format!("NodePort {n}"));
        }
        for ip in s.external_ips.iter().chain(&s.load_balancer_ips) {
            front.push(format!("external {ip}"));
        }
        lines.push(format!("  {}/{}{port} {} {}", safe(&s.namespace), safe(&s.name), s.protocol, front.join(", ")));
        if s.endpoints.is_empty() {
            lines.push("    no endpoints".into());
        }
        for e in &s.endpoints {
            let share = e.probability.as_deref().map_or(String::new(), |p| format!("  p={p}"));
            let local = if e.local == Some(true) { "  (local)" } else { "" };
            lines.push(format!(
                "    → {}{share}{local}{}",
                crate::model::net::host_port(Some(&e.address), e.port),
                counters(e.counters)
            ));
        }
        for n in &s.notes {
            lines.push(format!("    note: {}", safe(n)));
        }
    }
}

fn switches(fw: &FirewallView) -> String {
    let flag = |v: Option<bool>| match v {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    };
    let bridged = match fw.bridge_nf_call_iptables {
        Some(true) => "on: traffic inside a bridge meets iptables, so ICC=false works",
        Some(false) => "off: traffic inside a bridge skips iptables",
        None => "br_netfilter not loaded: traffic inside a bridge skips iptables",
    };
    format!("ip_forward {}; bridge-nf-call-iptables {bridged}", flag(fw.ip_forward))
}

fn ports(fw: &FirewallView, style: Style, lines: &mut Vec<String>) {
    lines.push(String::new());
    lines.push(style.heading("PUBLISHED PORTS"));
    if fw.ports.is_empty() {
        lines.push("  none (no running container publishes a port)".into());
        return unpublished(fw, style, lines);
    }
    if let Some(e) = &fw.conntrack_error {
        lines.push(format!("  (tracked connections not read: {})", safe(e)));
    }
    for m in &fw.ports {
        lines.push(format!("  {}", headline(m)));
        if let Some(mode) = &m.gateway_mode {
            lines.push(format!(
                "    {:<11} {}: {}",
                "gateway",
                safe(mode),
                crate::model::topology::gateway_mode_meaning(mode)
            ));
        }
        for (what, hits) in m.rule_groups() {
            if hits.is_empty() && what == "DNAT" && m.notes.is_empty() && !m.routed {
                lines.push(format!("    {what:<11} {}", style.warn("no DNAT rule found for this port")));
            }
            for h in hits {
                lines.push(format!("    {what:<11} {}", rule_line(h)));
            }
        }
        for n in &m.notes {
            lines.push(format!("    {:<11} {}", "note", safe(n)));
        }
        let proxy = m.proxy_pid.map_or("no docker-proxy listens".to_string(), |p| format!("docker-proxy pid {p}"));
        lines.push(format!("    {:<11} {proxy}", "proxy"));
        if let Some(c) = connections_line(m) {
            lines.push(format!("    {:<11} {c}", "conntrack"));
        }
        for w in &m.walks {
            lines.push(format!("    {}", walk_line(w)));
        }
    }
    unpublished(fw, style, lines);
}

/// Ports a container asked for (`-p`) that Docker never published, with why.
fn unpublished(fw: &FirewallView, style: Style, lines: &mut Vec<String>) {
    for u in &fw.unpublished {
        lines.push(format!(
            "  {} → {}: {} ({})",
            u.flag(),
            safe(&u.container),
            style.warn("NOT PUBLISHED"),
            safe(&u.reason)
        ));
    }
}

/// "2 connections tracked (ESTABLISHED 1, TIME_WAIT 1) from 192.0.2.7, 192.0.2.9": the kernel's
/// connection tracking entries through this port's DNAT; None when the table was not read.
pub fn connections_line(m: &PortMapping) -> Option<String> {
    let c = m.connections.as_ref()?;
    if c.total == 0 {
        return Some("no connection tracked through its DNAT now".into());
    }
    let states: Vec<String> = c.states.iter().map(|(s, n)| format!("{s} {n}")).collect();
    // The list stops at CLIENTS_SHOWN addresses: there may be more.
    let more =
        if c.clients.len() < c.total && c.clients.len() == crate::model::ports::CLIENTS_SHOWN { ", …" } else { "" };
    Some(format!(
        "{} tracked ({}) from {}{more}",
        if c.total == 1 { "1 connection".to_string() } else { format!("{} connections", c.total) },
        states.join(", "),
        c.clients.iter().map(|a| safe(a)).collect::<Vec<_>>().join(", ")
    ))
}

pub fn headline(m: &PortMapping) -> String {
    let target = crate::model::net::host_port(m.container_ip.as_deref(), m.container_port);
    if m.routed {
        let via = match (&m.network, &m.bridge) {
            (Some(n), Some(b)) => format!(", network {}, bridge {}", safe(n), safe(b)),
            (Some(n), None) => format!(", network {}", safe(n)),
            _ => String::new(),
        };
        return format!("{target}/{} → {} (routed: no NAT, no host port{via})", m.protocol, safe(&m.container));
    }
    let host = crate::model::net::host_port(m.host_ip.as_deref(), m.host_port);
    let via = match (&m.network, &m.bridge) {
        (Some(n), Some(b)) => format!(" (network {}, bridge {})", safe(n), safe(b)),
        (Some(n), None) => format!(" (network {})", safe(n)),
        _ => String::new(),
    };
    format!("{host}/{} → {} {target}{via}", m.protocol, safe(&m.container))
}

pub fn counters(c: Option<Counters>) -> String {
    c.map_or(String::new(), |c| format!("  [{} pkts, {} B]", c.packets, c.bytes))
}

pub fn place(at: &RuleRef) -> String {
    format!("{} {}", at.table, at.chain)
}

pub fn rule_line(h: &RuleHit) -> String {
    format!("{}: {}{}", place(&h.at), safe(&h.text), counters(h.counters))
}

/// "from another host (→ 10.0.0.5:8080): PREROUTING DOCKER → DNAT; FORWARD DOCKER ACCEPT → reaches web"
pub fn walk_line(w: &PortWalk) -> String {
    let hooks: Vec<String> = w.hooks.iter().filter(|h| !h.steps.is_empty()).map(hook_summary).collect();
    let path = if hooks.is_empty() { String::from("no rule matches") } else { hooks.join("; ") };
    format!("from {} → {}: {path} ⇒ {}", w.from, w.destination, safe(&w.outcome))
}

pub fn hook_summary(h: &HookWalk) -> String {
    let steps: Vec<String> = h.steps.iter().map(|s| format!("{} {}", s.at.chain, s.target.label())).collect();
    format!("{} [{}]", h.hook.as_str(), steps.join(", "))
}
