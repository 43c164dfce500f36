//! The same scenario as Docker Engine 17.06 to 29.x lays out its rules (tests/fixtures/firewall/
//! docker, one captured, the rest rebuilt from moby's source): whatever the chain names, the
//! walk must find the DNAT of the published port, let it through FORWARD, and drop what Docker
//! isolates (another network, an --internal network's way out, ICC=false inside a bridge).

use netview::collect::firewall::iptables;
use netview::model::firewall::*;
use netview::model::walk::{Packet, Verdict, walk};

const VERSIONS: [&str; 6] = [
    "docker-17.06-reconstructed",
    "docker-20.10-captured",
    "docker-24.0-reconstructed",
    "docker-27.x-reconstructed",
    "docker-28.x-reconstructed",
    "docker-29.x-reconstructed",
];

fn rules(version: &str) -> Ruleset {
    let path = format!("{}/tests/fixtures/firewall/docker/{version}.save", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (tables, problems) = iptables::parse(&text, Backend::IptablesNft, Family::Ipv4);
    assert!(problems.is_empty(), "{version}: {problems:?}");
    Ruleset { sources: vec![], tables }
}

fn packet(i: Option<&str>, o: Option<&str>, src: &str, dst: &str, proto: &str, dport: Option<u16>) -> Packet {
    Packet {
        in_iface: i.map(str::to_string),
        out_iface: o.map(str::to_string),
        src: src.parse().unwrap(),
        dst: dst.parse().unwrap(),
        protocol: proto.into(),
        sport: dport.map(|_| 40000),
        dport,
        dst_local: false,
        src_local: false,
    }
}

fn chains(r: &Ruleset) -> Vec<String> {
    let mut v: Vec<String> =
        r.tables.iter().flat_map(|t| t.chains.iter().map(move |c| format!("{} {}", t.name, c.name))).collect();
    v.sort();
    v
}

#[test]
fn every_version_dnats_the_published_port_and_forwards_it() {
    for v in VERSIONS {
        let r = rules(v);
        let mut p = packet(Some("eth0"), None, "203.0.113.10", "192.0.2.2", "tcp", Some(8080));
        p.dst_local = true;
        let pre = walk(&r, Hook::Prerouting, &p, true);
        assert_eq!(pre.dnat.as_deref(), Some("172.17.0.2:80"), "{v}: {pre:#?}");
        let fwd = Packet {
            dst: "172.17.0.2".parse().unwrap(),
            dport: Some(80),
            out_iface: Some("docker0".into()),
            dst_local: false,
            ..p.clone()
        };
        let f = walk(&r, Hook::Forward, &fwd, true);
        assert_eq!(f.verdict, Verdict::Accept, "{v}: {f:#?}");
        assert!(f.assumed.is_empty(), "{v}: every condition on this path is understood: {:?}", f.assumed);
        // An unpublished port of the same container is not let in.
        let closed = walk(&r, Hook::Forward, &Packet { dport: Some(22), ..fwd }, true);
        assert_eq!(closed.verdict, Verdict::Drop, "{v}: {closed:#?}");
    }
}

#[test]
fn every_version_serves_the_hosts_own_loopback_through_docker_proxy() {
    for v in VERSIONS {
        let r = rules(v);
        let mut p = packet(None, Some("lo"), "127.0.0.1", "127.0.0.1", "udp", Some(5353));
        p.dst_local = true;
        p.src_local = true;
        let out = walk(&r, Hook::Output, &p, true);
        assert_eq!(out.dnat, None, "{v}: nat OUTPUT skips 127.0.0.0/8 while the userland proxy is on: {out:#?}");
    }
}

#[test]
fn every_version_isolates_networks_internal_and_icc() {
    for v in VERSIONS {
        let r = rules(v);
        let cross = packet(Some("docker0"), Some("br-aaaaaaaaaaaa"), "172.17.0.2", "172.18.0.2", "icmp", None);
        assert_eq!(walk(&r, Hook::Forward, &cross, true).verdict, Verdict::Drop, "{v}: docker0 → user network");
        let back = packet(Some("br-aaaaaaaaaaaa"), Some("docker0"), "172.18.0.2", "172.17.0.2", "icmp", None);
        assert_eq!(walk(&r, Hook::Forward, &back, true).verdict, Verdict::Drop, "{v}: user network → docker0");
        let out = packet(Some("br-bbbbbbbbbbbb"), Some("eth0"), "172.19.0.2", "198.51.100.7", "icmp", None);
        assert_eq!(walk(&r, Hook::Forward, &out, true).verdict, Verdict::Drop, "{v}: --internal has no way out");
        let icc = packet(Some("br-cccccccccccc"), Some("br-cccccccccccc"), "172.20.0.2", "172.20.0.3", "icmp", None);
        assert_eq!(walk(&r, Hook::Forward, &icc, true).verdict, Verdict::Drop, "{v}: ICC=false");
        let same = packet(Some("br-aaaaaaaaaaaa"), Some("br-aaaaaaaaaaaa"), "172.18.0.2", "172.18.0.3", "icmp", None);
        assert_eq!(walk(&r, Hook::Forward, &same, true).verdict, Verdict::Accept, "{v}: one user network");
        let world = packet(Some("docker0"), Some("eth0"), "172.17.0.2", "198.51.100.7", "icmp", None);
        assert_eq!(walk(&r, Hook::Forward, &world, true).verdict, Verdict::Accept, "{v}: outbound");
        let post = walk(&r, Hook::Postrouting, &world, true);
        assert_eq!(post.snat.as_deref(), Some("MASQUERADE"), "{v}: outbound is masqueraded");
    }
}

#[test]
fn docker_chains_differ_by_version_and_are_discovered() {
    let has = |v: &str, c: &str| chains(&rules(v)).iter().any(|x| x == c);
    assert!(has("docker-17.06-reconstructed", "filter DOCKER-ISOLATION"));
    assert!(!has("docker-17.06-reconstructed", "filter DOCKER-ISOLATION-STAGE-1"));
    for v in ["docker-20.10-captured", "docker-24.0-reconstructed", "docker-27.x-reconstructed"] {
        assert!(has(v, "filter DOCKER-ISOLATION-STAGE-1") && has(v, "filter DOCKER-ISOLATION-STAGE-2"), "{v}");
        assert!(!has(v, "filter DOCKER-FORWARD"), "{v}");
    }
    for c in ["filter DOCKER-FORWARD", "filter DOCKER-BRIDGE", "filter DOCKER-CT", "filter DOCKER-ISOLATION-STAGE-1"] {
        assert!(has("docker-28.x-reconstructed", c), "28.x: {c}");
    }
    assert!(has("docker-29.x-reconstructed", "filter DOCKER-INTERNAL"));
    assert!(!has("docker-29.x-reconstructed", "filter DOCKER-ISOLATION-STAGE-1"));
}
