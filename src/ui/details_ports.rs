//! Details of a published port: the rules that carry it, with counters and rates, and the walk
//! of a first packet hook by hook; and the firewall summary behind the "published ports" group.

use super::details::Out;
use crate::model::Topology;
use crate::model::firewall::{Counters, RuleRef, SourceStatus};
use crate::model::ports::{PortMapping, RuleHit};
use crate::output::firewall::{headline, place};
use ratatui::text::{Line, Span};

fn count(c: Option<Counters>) -> String {
    c.map_or("-".into(), |c| format!("{} pkts {}", c.packets, human_bytes(c.bytes)))
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// " 3.0 pkt/s" once two reads were seen.
fn rate(o: &Out, at: &RuleRef) -> String {
    match o.rule_rates.and_then(|r| r.get(at)) {
        Some((p, _)) if p > 0.0 => format!("  ▲ {p:.1} pkt/s"),
        Some(_) => "  0 pkt/s".into(),
        None => String::new(),
    }
}

fn rule(o: &mut Out, what: &str, h: &RuleHit) {
    let line = Line::from(vec![
        Span::styled(format!("  {what:<10} "), o.t.dim),
        Span::raw(format!("{}  ", place(&h.at))),
        Span::styled(format!("[{}]", count(h.counters)), o.t.title),
        Span::styled(rate(o, &h.at), o.t.command),
    ]);
    o.lines.push(line);
    o.lines.push(Line::styled(format!("    {}", h.text), o.t.dim));
}

/// What carries a container's published port, to follow it on the same line: its DNAT rule's
/// counters, or docker-proxy.
pub fn summary(m: &PortMapping, o: &Out) -> String {
    match m.dnat.first() {
        None if m.routed => match m.forward.first() {
            Some(h) => format!("  routed, no NAT: ACCEPT [{}]{}", count(h.counters), rate(o, &h.at)),
            None => "  routed, no NAT".into(),
        },
        Some(h) => format!("  DNAT [{}]{}", count(h.counters), rate(o, &h.at)),
        None if m.proxy_pid.is_some() => "  via docker-proxy".into(),
        None => "  no DNAT rule, no docker-proxy".into(),
    }
}

pub fn mapping(t: &Topology, m: &PortMapping, o: &mut Out) {
    o.head(headline(m));
    for n in &m.notes {
        o.text(format!("note: {n}"));
    }
    // What moves most, first: the connections the kernel tracks through the DNAT right now.
    match crate::output::firewall::connections_line(m) {
        Some(c) => o.kv("conntrack", c),
        None => o.kv("conntrack", t.firewall.conntrack_error.clone().unwrap_or_else(|| "not read".into())),
    }
    if let Some(mode) = &m.gateway_mode {
        o.kv("gateway", format!("{mode}: {}", crate::model::topology::gateway_mode_meaning(mode)));
    }
    o.blank();
    o.head("rules that carry it");
    if m.dnat.is_empty() && m.forward.is_empty() {
        o.text("  no rule for this port was found in the rules netview could read");
    }
    for (what, hits) in m.rule_groups() {
        for h in hits {
            rule(o, what, h);
        }
    }
    o.kv("proxy", m.proxy_pid.map_or("no docker-proxy listens on it".into(), |p| format!("docker-proxy, pid {p}")));
    for w in &m.walks {
        o.blank();
        o.head(format!("first packet from {} to {}", w.from, w.destination));
        for hook in &w.hooks {
            if hook.steps.is_empty() {
                continue;
            }
            o.text(format!("  {}", hook.hook.as_str()));
            for s in &hook.steps {
                let r = rate(o, &s.at);
                o.text(format!("    {} {} → {}  [{}]{r}", s.at.table, s.at.chain, s.target.label(), count(s.counters)));
            }
        }
        o.text(format!("  ⇒ {}", w.outcome));
    }
    o.blank();
    o.cmd(format!("docker port {}", m.container));
    o.cmd("sudo iptables -t nat -L DOCKER -n -v --line-numbers");
    o.cmd(format!("sudo iptables -t filter -S DOCKER | grep -- '--dport {}'", m.container_port));
    o.cmd(format!("ss -ltnp 'sport = :{}'", m.host_port));
}

pub fn firewall(t: &Topology, o: &mut Out) {
    let fw = &t.firewall;
    o.head("published ports & NAT");
    o.text("Each published port is a DNAT rule in the nat table (and a docker-proxy process for what NAT cannot see), a FORWARD accept for the container, and MASQUERADE for the way back out.");
    o.blank();
    o.head("rules read");
    for s in &fw.ruleset.sources {
        let status = match &s.status {
            SourceStatus::Read(n) => format!("{n} rules"),
            SourceStatus::Missing => "not installed".into(),
            SourceStatus::Denied(w) | SourceStatus::Failed(w) => w.clone(),
        };
        o.text(format!("  {:<16} {}: {status}", s.backend.as_str(), s.command.join(" ")));
    }
    o.blank();
    o.kv("forwarding", fw.ip_forward.map_or("unknown", |f| if f { "on" } else { "off" }).to_string());
    o.kv(
        "bridged",
        match fw.bridge_nf_call_iptables {
            Some(true) => "on: traffic inside one bridge meets iptables (ICC=false works)",
            Some(false) => "off: traffic inside one bridge skips iptables",
            None => "not loaded: traffic inside one bridge skips iptables",
        }
        .to_string(),
    );
    if !fw.docker_chains.is_empty() {
        o.blank();
        o.head("Docker's chains on this host");
        for c in &fw.docker_chains {
            o.text(format!("  {c}"));
        }
    }
    if !fw.docker_raw.is_empty() {
        o.blank();
        o.head("Docker's raw-table guards (Engine 28+)");
        for g in &fw.docker_raw {
            rule(o, "raw", &g.rule);
            o.lines.push(Line::styled(format!("    {}", g.meaning), o.t.dim));
        }
    }
    if !fw.kube_services.is_empty() {
        o.blank();
        o.head(format!("Kubernetes Services from kube-proxy's rules ({})", fw.kube_services.len()));
        for k in &fw.kube_services {
            let front = match (&k.cluster_ip, k.port) {
                (Some(ip), Some(p)) => crate::model::net::host_port(Some(ip), p),
                _ => "-".into(),
            };
            let node_ports: Vec<String> = k.node_ports.iter().map(|p| format!("NodePort {p}")).collect();
            o.text(format!(
                "  {}/{} {} {front} {}  → {} endpoints",
                k.namespace,
                k.name,
                k.protocol,
                node_ports.join(" "),
                k.endpoints.len()
            ));
        }
    }
    o.blank();
    o.cmd("iptables -V");
    o.cmd("sudo iptables-save -c");
    o.cmd("sudo nft list ruleset");
}
