//! The packet walk through netfilter hooks, on rules parsed from iptables-save text.

use netview::collect::firewall::iptables;
use netview::model::firewall::*;
use netview::model::walk::*;

const RULES: &str = "\
*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
[4:240] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
COMMIT
*filter
:FORWARD DROP [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A FORWARD -o br-1 -j DOCKER
-A FORWARD -i br-1 ! -o br-1 -j ACCEPT
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -i br-1 ! -o br-1 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -o br-1 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
COMMIT
";

fn ruleset() -> Ruleset {
    let (tables, problems) = iptables::parse(RULES, Backend::IptablesNft, Family::Ipv4);
    assert!(problems.is_empty(), "{problems:?}");
    Ruleset { sources: vec![], tables }
}

fn packet(i: Option<&str>, o: Option<&str>, src: &str, dst: &str, dport: Option<u16>, local: bool) -> Packet {
    Packet {
        in_iface: i.map(str::to_string),
        out_iface: o.map(str::to_string),
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        protocol: if dport.is_some() { "tcp" } else { "icmp" }.into(),
        sport: dport.map(|_| 40000),
        dport,
        dst_local: local,
        src_local: false,
    }
}

#[test]
fn published_port_is_dnatted_then_forwarded() {
    let r = ruleset();
    let p = packet(Some("eth0"), None, "198.51.100.7", "192.0.2.10", Some(8080), true);
    let pre = walk(&r, Hook::Prerouting, &p, true);
    assert_eq!(pre.dnat.as_deref(), Some("172.17.0.2:80"));
    assert_eq!(pre.steps.len(), 2);
    assert_eq!(pre.steps[1].counters, Some(Counters { packets: 4, bytes: 240 }));
    let (ip, port) = nat_target(pre.dnat.as_deref().unwrap()).unwrap();
    let fwd = Packet { dst: ip, dport: port, out_iface: Some("docker0".into()), dst_local: false, ..p };
    let f = walk(&r, Hook::Forward, &fwd, true);
    assert_eq!(f.verdict, Verdict::Accept);
    assert_eq!(
        f.steps.last().unwrap().text,
        "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT"
    );
    // An unpublished port meets the FORWARD policy.
    let other = Packet { dport: Some(22), ..fwd };
    let f = walk(&r, Hook::Forward, &other, true);
    assert_eq!(f.verdict, Verdict::Drop);
    assert_eq!(f.dropped_by.unwrap().text, "policy DROP");
}

#[test]
fn loopback_from_the_host_skips_dnat() {
    let r = ruleset();
    let p = packet(None, Some("lo"), "127.0.0.1", "127.0.0.1", Some(8080), true);
    let out = walk(&r, Hook::Output, &p, true);
    assert_eq!(out.dnat, None);
    assert!(out.steps.is_empty());
}

#[test]
fn separate_networks_are_isolated_and_nat_skips_later_packets() {
    let r = ruleset();
    let p = packet(Some("docker0"), Some("br-1"), "172.17.0.2", "172.18.0.2", None, false);
    let f = walk(&r, Hook::Forward, &p, true);
    assert_eq!(f.verdict, Verdict::Drop);
    assert_eq!(f.dropped_by.unwrap().text, "-A DOCKER-ISOLATION-STAGE-2 -o br-1 -j DROP");
    let same = packet(Some("docker0"), Some("docker0"), "172.17.0.2", "172.17.0.3", None, false);
    assert_eq!(walk(&r, Hook::Forward, &same, true).verdict, Verdict::Accept);
    let out = packet(Some("docker0"), Some("eth0"), "172.17.0.2", "198.51.100.7", None, false);
    assert_eq!(walk(&r, Hook::Postrouting, &out, true).snat.as_deref(), Some("MASQUERADE"));
    assert_eq!(walk(&r, Hook::Postrouting, &out, false).snat, None);
}

#[test]
fn unknown_conditions_are_reported_and_loops_end() {
    let text = "*filter\n:FORWARD ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n-A FORWARD -m mark --mark 0x1 -j DROP\n-A FORWARD -j A\n-A A -j B\n-A B -j A\nCOMMIT\n";
    let (tables, _) = iptables::parse(text, Backend::IptablesLegacy, Family::Ipv4);
    let r = Ruleset { sources: vec![], tables };
    let p = packet(Some("a"), Some("b"), "10.0.0.1", "10.0.0.2", None, false);
    let w = walk(&r, Hook::Forward, &p, true);
    assert_eq!(w.verdict, Verdict::Accept);
    assert!(w.assumed.iter().any(|a| a.contains("-m mark")), "{:?}", w.assumed);
    assert!(w.assumed.iter().any(|a| a.contains("deeper")), "{:?}", w.assumed);
}

#[test]
fn nat_targets() {
    assert_eq!(nat_target("172.17.0.2:80"), Some(("172.17.0.2".parse().unwrap(), Some(80))));
    assert_eq!(nat_target("172.17.0.2"), Some(("172.17.0.2".parse().unwrap(), None)));
    assert_eq!(nat_target("[fd00::2]:80"), Some(("fd00::2".parse().unwrap(), Some(80))));
    assert_eq!(nat_target("fd00::2"), Some(("fd00::2".parse().unwrap(), None)));
    assert_eq!(nat_target(""), None);
}
