//! The host's connection tracking table, read from /proc/net/nf_conntrack (the reading thread's
//! namespace: netview's own, the host's). Only entries whose destination was translated are
//! kept: those are the connections through published ports.

use crate::model::{ConntrackObs, NatFlow};

const PROC_CONNTRACK: &str = "/proc/net/nf_conntrack";
/// A busy host can track hundreds of thousands of connections: read no more than this.
const MAX_BYTES: u64 = 64 << 20;

pub fn read() -> ConntrackObs {
    use std::io::Read;
    let mut text = String::new();
    let read = std::fs::File::open(PROC_CONNTRACK).and_then(|f| f.take(MAX_BYTES).read_to_string(&mut text));
    let why = match read {
        Ok(_) => return ConntrackObs { flows: parse(&text), error: None },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!(
            "no {PROC_CONNTRACK}: connection tracking is not loaded, or the kernel has no /proc interface for it (`conntrack -L` shows the table)"
        ),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => format!("{PROC_CONNTRACK} needs root"),
        Err(e) => format!("{PROC_CONNTRACK}: {e}"),
    };
    ConntrackObs { flows: Vec::new(), error: Some(why) }
}

/// The NATed entries of /proc/net/nf_conntrack's text, e.g.
/// `ipv4 2 tcp 6 117 TIME_WAIT src=10.1.0.2 dst=10.1.0.1 sport=40000 dport=8080 src=172.18.0.2
/// dst=10.1.0.2 sport=80 dport=40000 [ASSURED] mark=0 zone=0 use=2`: the first src/dst/sport/dport
/// are the original direction, the second the reply. Lines it cannot read are skipped.
pub fn parse(text: &str) -> Vec<NatFlow> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<NatFlow> {
    let mut words = line.split_whitespace();
    let _l3 = words.next()?;
    let _l3_number = words.next()?;
    let protocol = words.next()?.to_string();
    let mut state = None;
    // [original, reply] × [src, dst, sport, dport]
    let mut tuple: [[Option<&str>; 4]; 2] = [[None; 4]; 2];
    for w in words {
        let Some((key, value)) = w.split_once('=') else {
            if state.is_none() && !w.starts_with('[') && w.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                state = Some(w.to_string());
            }
            continue;
        };
        let slot = match key {
            "src" => 0,
            "dst" => 1,
            "sport" => 2,
            "dport" => 3,
            _ => continue,
        };
        if let Some(t) = tuple.iter_mut().find(|t| t[slot].is_none()) {
            t[slot] = Some(value);
        }
    }
    let [[Some(client), Some(dst), Some(sport), Some(dport)], [Some(to), Some(_), Some(to_port), Some(_)]] = tuple
    else {
        return None;
    };
    let (client_port, dport, to_port) = (sport.parse().ok()?, dport.parse().ok()?, to_port.parse().ok()?);
    let translated = to != dst || to_port != dport;
    translated.then(|| NatFlow {
        protocol,
        state,
        client: client.to_string(),
        client_port,
        dst: dst.to_string(),
        dport,
        to: to.to_string(),
        to_port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nated_tcp_udp_and_ipv6_entries_are_kept_others_skipped() {
        let text = "\
ipv4     2 tcp      6 117 TIME_WAIT src=10.1.0.2 dst=10.1.0.1 sport=40000 dport=8080 src=172.18.0.2 dst=10.1.0.2 sport=80 dport=40000 [ASSURED] mark=0 zone=0 use=2
ipv4     2 udp      17 29 src=10.1.0.2 dst=10.1.0.1 sport=5353 dport=5300 [UNREPLIED] src=172.18.0.3 dst=10.1.0.2 sport=53 dport=5353 mark=0 zone=0 use=2
ipv6     10 tcp      6 431999 ESTABLISHED src=fd00::2 dst=fd00::1 sport=50000 dport=8443 src=fd00:ac12::2 dst=fd00::2 sport=443 dport=50000 [ASSURED] mark=0 zone=0 use=2
ipv4     2 tcp      6 86399 ESTABLISHED src=192.0.2.2 dst=192.0.2.1 sport=22 dport=50000 src=192.0.2.1 dst=192.0.2.2 sport=50000 dport=22 [ASSURED] mark=0 zone=0 use=2
ipv4     2 icmp     1 29 src=10.1.0.2 dst=10.1.0.1 type=8 code=0 id=7 src=10.1.0.1 dst=10.1.0.2 type=0 code=0 id=7 mark=0 use=1
garbage line
";
        let flows = parse(text);
        assert_eq!(flows.len(), 3, "{flows:#?}");
        let web = &flows[0];
        assert_eq!((web.protocol.as_str(), web.state.as_deref()), ("tcp", Some("TIME_WAIT")));
        assert_eq!(
            (web.client.as_str(), web.client_port, web.dst.as_str(), web.dport),
            ("10.1.0.2", 40000, "10.1.0.1", 8080)
        );
        assert_eq!((web.to.as_str(), web.to_port), ("172.18.0.2", 80));
        assert_eq!((flows[1].protocol.as_str(), flows[1].state.as_deref(), flows[1].to_port), ("udp", None, 53));
        assert_eq!((flows[2].to.as_str(), flows[2].dport), ("fd00:ac12::2", 8443));
    }
}
