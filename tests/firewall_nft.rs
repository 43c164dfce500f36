//! `nft -j list ruleset` parsing, on fixtures captured with real nft (see
//! tests/fixtures/firewall/nft/README.md for where each one comes from). No root needed.

use std::mem::discriminant;

use netview::collect::firewall::{iptables, nft};
use netview::model::firewall::*;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/firewall/nft/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parsed(name: &str) -> Vec<Table> {
    let (tables, problems) = nft::parse(&fixture(name)).expect("fixture parses");
    assert!(problems.is_empty(), "{name}: {problems:#?}");
    tables
}

fn table<'a>(tables: &'a [Table], family: Family, name: &str) -> &'a Table {
    tables.iter().find(|t| t.family == family && t.name == name).unwrap_or_else(|| panic!("no table {family:?} {name}"))
}

fn chain<'a>(t: &'a Table, name: &str) -> &'a Chain {
    t.chain(name).unwrap_or_else(|| panic!("no chain {name} in {}", t.name))
}

fn has(r: &Rule, m: Match) -> bool {
    r.matches.contains(&m)
}

fn iface_in(name: &str, negated: bool) -> Match {
    Match::InIface { name: name.into(), negated }
}

fn iface_out(name: &str, negated: bool) -> Match {
    Match::OutIface { name: name.into(), negated }
}

fn tcp() -> Match {
    Match::Protocol { name: "tcp".into(), negated: false }
}

fn dport(p: u16) -> Match {
    Match::DestPort { ports: vec![(p, p)], negated: false }
}

// --- Docker 20.10 with iptables-nft, captured on this project's host ---------------------------

#[test]
fn docker20_capture_has_the_published_port_dnat() {
    let tables = parsed("docker20-iptables-nft.json");
    assert!(tables.iter().all(|t| t.backend == Backend::Nftables && t.family == Family::Ipv4));
    let nat = table(&tables, Family::Ipv4, "nat");
    let docker = chain(nat, "DOCKER");
    // -A DOCKER -d 127.0.0.1/32 ! -i nvf-br0 -p tcp -m tcp --dport 18080 -j DNAT --to-destination 172.30.231.10:80
    let dnat: Vec<&Rule> = docker.rules.iter().filter(|r| has(r, dport(18080))).collect();
    assert_eq!(dnat.len(), 1, "{docker:#?}");
    let dnat = dnat[0];
    assert!(has(dnat, iface_in("nvf-br0", true)));
    assert!(has(dnat, Match::Destination { cidr: "127.0.0.1".into(), negated: false }));
    assert!(has(dnat, tcp()));
    // nft's JSON names the xt DNAT target but not its address: lossy, and said so.
    assert_eq!(dnat.target, Target::Dnat(String::new()));
    assert_eq!(dnat.text, r#"iifname != "nvf-br0" ip daddr 127.0.0.1 tcp dport 18080 counter xt target DNAT"#);
    // The UDP one on the icc=false network.
    let udp = docker.rules.iter().find(|r| has(r, dport(18081))).expect("udp 18081 dnat");
    assert!(has(udp, Match::Protocol { name: "udp".into(), negated: false }));
    assert!(has(udp, iface_in("nvf-br2", true)));
    assert_eq!(udp.target, Target::Dnat(String::new()));
    // Return for traffic from the bridges themselves.
    assert!(docker.rules.iter().any(|r| r.matches == vec![iface_in("nvf-br0", false)] && r.target == Target::Return));
    // PREROUTING: `-m addrtype --dst-type LOCAL -j DOCKER` stays an xt match.
    let pre = chain(nat, "PREROUTING");
    assert_eq!((pre.hook, pre.priority, pre.kind.as_deref()), (Some(Hook::Prerouting), -100, Some("nat")));
    assert_eq!(pre.rules[0].matches, vec![Match::Other { text: "xt match addrtype".into() }]);
    assert_eq!(pre.rules[0].target, Target::Jump("DOCKER".into()));
}

#[test]
fn docker20_capture_has_masquerade_for_each_nat_subnet() {
    let tables = parsed("docker20-iptables-nft.json");
    let post = chain(table(&tables, Family::Ipv4, "nat"), "POSTROUTING");
    assert_eq!((post.hook, post.priority, post.policy.clone()), (Some(Hook::Postrouting), 100, Some(Target::Accept)));
    for (subnet, bridge) in
        [("172.30.231.0/24", "nvf-br0"), ("172.30.233.0/24", "nvf-br2"), ("172.17.0.0/16", "docker0")]
    {
        let masq = post
            .rules
            .iter()
            .find(|r| has(r, Match::Source { cidr: subnet.into(), negated: false }))
            .unwrap_or_else(|| panic!("no MASQUERADE for {subnet}"));
        assert_eq!(masq.target, Target::Masquerade);
        assert!(has(masq, iface_out(bridge, true)), "{masq:?}");
    }
    // The --internal network (nvf-br1, 172.30.232.0/24) gets no MASQUERADE.
    assert!(!post.rules.iter().any(|r| r.text.contains("172.30.232.")));
    // Hairpin masquerade for the published container port.
    let hairpin = post
        .rules
        .iter()
        .find(|r| has(r, Match::Source { cidr: "172.30.231.10".into(), negated: false }))
        .expect("hairpin masquerade");
    assert!(has(hairpin, Match::Destination { cidr: "172.30.231.10".into(), negated: false }));
    assert!(has(hairpin, dport(80)));
    assert_eq!(hairpin.target, Target::Masquerade);
}

#[test]
fn docker20_capture_filter_chains_and_counters() {
    let tables = parsed("docker20-iptables-nft.json");
    let filter = table(&tables, Family::Ipv4, "filter");
    let fwd = chain(filter, "FORWARD");
    assert_eq!(fwd.hook, Some(Hook::Forward));
    assert_eq!(fwd.priority, 0);
    assert_eq!(fwd.kind.as_deref(), Some("filter"));
    assert_eq!(fwd.policy, Some(Target::Drop));
    assert_eq!(fwd.policy_counters, None);
    assert_eq!(fwd.rules[0].target, Target::Jump("DOCKER-USER".into()));
    assert_eq!(fwd.rules[1].target, Target::Jump("DOCKER-ISOLATION-STAGE-1".into()));
    // Regular chains: no hook, no policy.
    for name in ["DOCKER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2", "DOCKER-USER"] {
        let c = chain(filter, name);
        assert_eq!((c.hook, c.policy.clone(), c.kind.clone()), (None, None, None), "{name}");
    }
    // Chains keep nft's order (by handle), not iptables-save's.
    let names: Vec<&str> = filter.chains.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["DOCKER", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2", "FORWARD", "DOCKER-USER"]);
    // icc=false: traffic between the bridge's own ports is dropped.
    assert!(fwd.rules.iter().any(|r| {
        r.matches == vec![iface_in("nvf-br2", false), iface_out("nvf-br2", false)] && r.target == Target::Drop
    }));
    // --internal: stage 1 drops what crosses nvf-br1's subnet boundary.
    let stage1 = chain(filter, "DOCKER-ISOLATION-STAGE-1");
    assert!(stage1.rules.iter().any(|r| r.matches
        == vec![iface_out("nvf-br1", false), Match::Source { cidr: "172.30.232.0/24".into(), negated: true }]
        && r.target == Target::Drop));
    let stage2 = chain(filter, "DOCKER-ISOLATION-STAGE-2");
    assert_eq!(stage2.rules.last().map(|r| r.target.clone()), Some(Target::Return));
    // `-m conntrack --ctstate RELATED,ESTABLISHED` is an xt match: kept as Other.
    let ct = fwd.rules.iter().find(|r| r.text.contains("conntrack")).expect("conntrack rule");
    assert!(has(ct, Match::Other { text: "xt match conntrack".into() }));
    assert_eq!(ct.target, Target::Accept);
    // Every iptables-nft rule has a counter; the capture sent a little traffic through FORWARD.
    let all: Vec<&Rule> = tables.iter().flat_map(|t| &t.chains).flat_map(|c| &c.rules).collect();
    assert!(all.iter().all(|r| r.counters.is_some()));
    let jump_user = fwd.rules[0].counters.expect("counter");
    assert!(jump_user.packets > 0 && jump_user.bytes > jump_user.packets, "{jump_user:?}");
    let dropped = stage2.rules.iter().find(|r| r.matches == vec![iface_out("nvf-br0", false)]).expect("stage 2 drop");
    assert!(dropped.counters.is_some_and(|c| c.packets > 0), "{dropped:?}");
}

/// The typed conditions both parsers read, in a comparable form (`-s 10.0.0.1/32` is nft's
/// `ip saddr 10.0.0.1`; module matches such as conntrack are read by iptables' parser only).
fn comparable(r: &Rule) -> Vec<String> {
    let mut out: Vec<String> = r
        .matches
        .iter()
        .filter_map(|m| match m {
            Match::Source { cidr, negated } | Match::Destination { cidr, negated } => {
                let cidr = cidr.strip_suffix("/32").unwrap_or(cidr);
                let side = if matches!(m, Match::Source { .. }) { "src" } else { "dst" };
                Some(format!("{side} {cidr} {negated}"))
            }
            Match::InIface { .. }
            | Match::OutIface { .. }
            | Match::Protocol { .. }
            | Match::DestPort { .. }
            | Match::SourcePort { .. } => Some(format!("{m:?}")),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

#[test]
fn docker20_capture_agrees_with_iptables_nft_save() {
    let from_nft = parsed("docker20-iptables-nft.json");
    let (from_save, problems) =
        iptables::parse(&fixture("docker20-iptables-nft.save"), Backend::IptablesNft, Family::Ipv4);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(from_save.len(), 2);
    let mut compared = 0;
    for saved in &from_save {
        let t = table(&from_nft, Family::Ipv4, &saved.name);
        for sc in &saved.chains {
            let Some(nc) = t.chain(&sc.name) else {
                // iptables-nft-save prints built-in chains nft does not have yet, empty.
                assert!(sc.hook.is_some() && sc.rules.is_empty(), "{} {} only in the save", saved.name, sc.name);
                continue;
            };
            assert_eq!(nc.rules.len(), sc.rules.len(), "rules in {} {}", saved.name, sc.name);
            assert_eq!(nc.hook, sc.hook, "{} {}", saved.name, sc.name);
            assert_eq!(nc.priority, sc.priority, "{} {}", saved.name, sc.name);
            if sc.hook.is_some() {
                assert_eq!(nc.policy, sc.policy, "{} {}", saved.name, sc.name);
            }
            for (n, s) in nc.rules.iter().zip(&sc.rules) {
                assert_eq!(discriminant(&n.target), discriminant(&s.target), "{} / {}", n.text, s.text);
                if matches!(s.target, Target::Jump(_) | Target::Goto(_)) {
                    assert_eq!(n.target, s.target);
                }
                assert_eq!(comparable(n), comparable(s), "{} / {}", n.text, s.text);
                // Read in one quiet moment (see capture-docker20.sh), so the counters agree too.
                assert_eq!(n.counters, s.counters, "{} / {}", n.text, s.text);
                compared += 1;
            }
        }
        for nc in &t.chains {
            assert!(saved.chain(&nc.name).is_some(), "{} {} only in nft", saved.name, nc.name);
        }
    }
    assert!(compared >= 30, "compared {compared} rules");
    // Where nft's JSON is lossy the save has the address.
    let save_dnat =
        &from_save.iter().find(|t| t.name == "nat").and_then(|t| t.chain("DOCKER")).expect("nat DOCKER").rules;
    assert!(save_dnat.iter().any(|r| r.target == Target::Dnat("172.30.231.10:80".into())));
}

// --- Docker Engine 29 nftables backend (reconstructed ruleset, real nft output) ----------------

#[test]
fn docker29_tables_and_base_chains() {
    let tables = parsed("docker29-nftables.json");
    let names: Vec<(Family, &str)> = tables.iter().map(|t| (t.family, t.name.as_str())).collect();
    assert_eq!(names, [(Family::Ipv4, "docker-bridges"), (Family::Ipv6, "docker-bridges")]);
    assert!(tables.iter().all(|t| t.backend == Backend::Nftables));
    let t = table(&tables, Family::Ipv4, "docker-bridges");
    let base: Vec<(&str, Option<Hook>, i32, Option<&str>)> = t
        .chains
        .iter()
        .filter(|c| c.hook.is_some())
        .map(|c| (c.name.as_str(), c.hook, c.priority, c.kind.as_deref()))
        .collect();
    assert_eq!(
        base,
        [
            ("filter-FORWARD", Some(Hook::Forward), 0, Some("filter")),
            ("nat-OUTPUT", Some(Hook::Output), -100, Some("nat")),
            ("nat-POSTROUTING", Some(Hook::Postrouting), 100, Some("nat")),
            ("nat-PREROUTING", Some(Hook::Prerouting), -100, Some("nat")),
            ("raw-PREROUTING", Some(Hook::Prerouting), -300, Some("filter")),
        ]
    );
    assert!(t.chains.iter().filter(|c| c.hook.is_some()).all(|c| c.policy == Some(Target::Accept)));
    // Per-bridge chains come in the listed order, after the base chains.
    let order: Vec<&str> = t.chains.iter().map(|c| c.name.as_str()).skip(6).take(4).collect();
    assert_eq!(
        order,
        [
            "filter-forward-in__docker0",
            "filter-forward-out__docker0",
            "nat-postrouting-in__docker0",
            "nat-postrouting-out__docker0"
        ]
    );
    assert!(chain(t, "nat-postrouting-in__docker0").rules.is_empty());
    // The filter-FORWARD dispatch is a verdict map: kept, not evaluated.
    let fwd = chain(t, "filter-FORWARD");
    assert_eq!(fwd.rules.len(), 2);
    assert_eq!(fwd.rules[0].matches, vec![Match::Other { text: "oifname vmap @filter-forward-in-jumps".into() }]);
    assert_eq!(fwd.rules[0].target, Target::Other("vmap".into()));
    assert_eq!(fwd.rules[0].counters, None);
}

#[test]
fn docker29_dnat_and_fib_local() {
    let tables = parsed("docker29-nftables.json");
    let t = table(&tables, Family::Ipv4, "docker-bridges");
    let pre = chain(t, "nat-PREROUTING");
    assert_eq!(pre.rules.len(), 1);
    assert_eq!(pre.rules[0].matches, vec![Match::DestType { kind: "LOCAL".into(), negated: false }]);
    assert_eq!(pre.rules[0].target, Target::Jump("nat-prerouting-and-output".into()));
    assert_eq!(pre.rules[0].counters, Some(Counters { packets: 17, bytes: 1020 }));
    assert_eq!(pre.rules[0].text, "fib daddr type local counter jump nat-prerouting-and-output");
    let out = chain(t, "nat-OUTPUT");
    assert_eq!(
        out.rules[0].matches,
        vec![
            Match::Destination { cidr: "127.0.0.0/8".into(), negated: true },
            Match::DestType { kind: "LOCAL".into(), negated: false },
        ]
    );
    let dnat = &chain(t, "nat-prerouting-and-output").rules;
    assert_eq!(dnat.len(), 3);
    assert_eq!(dnat[0].target, Target::Dnat("172.17.0.2:80".into()));
    assert_eq!(dnat[0].matches, vec![iface_in("docker0", true), tcp(), dport(8080)]);
    assert_eq!(dnat[0].comment.as_deref(), Some("DNAT"));
    assert_eq!(dnat[0].counters, Some(Counters { packets: 7, bytes: 420 }));
    assert_eq!(dnat[0].text, r#"iifname != "docker0" tcp dport 8080 counter dnat to 172.17.0.2:80 comment "DNAT""#);
    assert_eq!(dnat[1].target, Target::Dnat("172.18.0.2:80".into()));
    assert!(has(&dnat[1], Match::Destination { cidr: "127.0.0.1".into(), negated: false }));
    assert_eq!(dnat[2].target, Target::Dnat("172.18.0.3:53".into()));
    assert!(has(&dnat[2], Match::Protocol { name: "udp".into(), negated: false }));
    assert!(has(&dnat[2], dport(18081)));
    // ip6: `ip6 daddr != ::1`.
    let out6 = chain(table(&tables, Family::Ipv6, "docker-bridges"), "nat-OUTPUT");
    assert!(has(&out6.rules[0], Match::Destination { cidr: "::1".into(), negated: true }));
}

#[test]
fn docker29_per_bridge_filter_and_nat() {
    let tables = parsed("docker29-nftables.json");
    let t = table(&tables, Family::Ipv4, "docker-bridges");
    let established = Match::CtState { states: vec!["ESTABLISHED".into(), "RELATED".into()], negated: false };
    for bridge in ["docker0", "br-5e3c0d7a9f21", "br-0a1b2c3d4e5f"] {
        for dir in ["in", "out"] {
            let c = chain(t, &format!("filter-forward-{dir}__{bridge}"));
            assert_eq!(c.rules[0].matches, vec![established.clone()], "{}", c.name);
            assert_eq!(c.rules[0].target, Target::Accept);
        }
    }
    let in0 = chain(t, "filter-forward-in__docker0");
    assert_eq!(in0.rules[0].counters, Some(Counters { packets: 52, bytes: 31200 }));
    assert_eq!(
        (in0.rules[1].matches.clone(), in0.rules[1].target.clone()),
        (vec![iface_in("docker0", false)], Target::Accept)
    );
    assert_eq!(in0.rules[1].comment.as_deref(), Some("ICC"));
    let last = in0.rules.last().expect("rules");
    assert_eq!((last.matches.is_empty(), &last.target), (true, &Target::Drop));
    assert_eq!(last.comment.as_deref(), Some("UNPUBLISHED PORT DROP"));
    // icc=false network: ICC drops.
    let icc = &chain(t, "filter-forward-in__br-5e3c0d7a9f21").rules[1];
    assert_eq!((icc.matches.clone(), icc.target.clone()), (vec![iface_in("br-5e3c0d7a9f21", false)], Target::Drop));
    // Internal network: drop what comes from elsewhere, no masquerade.
    let internal = &chain(t, "filter-forward-in__br-0a1b2c3d4e5f").rules[1];
    assert_eq!(internal.matches, vec![iface_in("br-0a1b2c3d4e5f", true)]);
    assert_eq!(internal.target, Target::Drop);
    assert!(chain(t, "nat-postrouting-out__br-0a1b2c3d4e5f").rules.is_empty());
    let masq = &chain(t, "nat-postrouting-out__docker0").rules[0];
    assert_eq!(masq.target, Target::Masquerade);
    assert_eq!(
        masq.matches,
        vec![iface_out("docker0", true), Match::Source { cidr: "172.17.0.0/16".into(), negated: false }]
    );
    // raw-PREROUTING: direct access and remote loopback drops.
    let raw = chain(t, "raw-PREROUTING");
    assert_eq!(raw.rules.len(), 5);
    assert!(raw.rules.iter().all(|r| r.target == Target::Drop));
    assert!(has(&raw.rules[3], iface_in("lo", true)));
}

// --- a distro-style inet ruleset ---------------------------------------------------------------

#[test]
fn inet_ruleset_matches_and_targets() {
    let tables = parsed("inet-filter.json");
    let filter = table(&tables, Family::Inet, "filter");
    let input = chain(filter, "input");
    assert_eq!((input.hook, input.priority, input.policy.clone()), (Some(Hook::Input), 0, Some(Target::Drop)));
    let forward = chain(filter, "forward");
    assert_eq!((forward.priority, forward.policy.clone()), (10, Some(Target::Drop)));
    let r = |c: &Chain, needle: &str| -> Rule {
        c.rules.iter().find(|r| r.text.contains(needle)).unwrap_or_else(|| panic!("no rule with {needle}")).clone()
    };
    // `ct state vmap {...}`: kept as Other.
    assert_eq!(input.rules[0].target, Target::Other("vmap".into()));
    assert_eq!(r(input, "iif \"lo\"").matches, vec![iface_in("lo", false)]);
    // A named set: the implied protocol is read, the set is not.
    let set_ref = r(input, "@allowed_tcp");
    assert_eq!(
        set_ref.matches,
        vec![
            Match::Source { cidr: "10.0.0.0/8".into(), negated: false },
            tcp(),
            Match::Other { text: "tcp dport @allowed_tcp".into() },
        ]
    );
    assert_eq!(set_ref.counters, Some(Counters { packets: 12, bytes: 720 }));
    let web = r(input, "8000-8080");
    assert!(has(&web, Match::DestPort { ports: vec![(80, 80), (8000, 8080)], negated: false }));
    assert!(has(&web, Match::CtState { states: vec!["NEW".into()], negated: false }));
    assert!(has(&web, Match::Other { text: "limit rate 10/second".into() }));
    assert_eq!(web.comment.as_deref(), Some("web"));
    let veth = r(input, "veth");
    assert_eq!(veth.matches, vec![iface_in("veth+", false), dport(53)]);
    let reset = r(input, "tcp reset");
    assert_eq!(reset.target, Target::Reject);
    assert_eq!(reset.text, "tcp dport 25 reject with tcp reset");
    let logged = r(input, "log prefix");
    assert_eq!(logged.target, Target::Drop);
    assert!(has(&logged, Match::Source { cidr: "192.168.0.0/16".into(), negated: true }));
    assert!(has(&r(input, "nfproto"), Match::Other { text: "meta nfproto ipv6".into() }));
    assert_eq!(r(input, "meta mark 16").target, Target::Jump("marked".into()));
    assert_eq!(chain(filter, "marked").rules[0].target, Target::Continue("mark".into()));
    // `iifname != { "lo", "docker0" }` is two negated conditions.
    let not_in = r(forward, "docker0\" }");
    assert_eq!(&not_in.matches[..2], &[iface_in("lo", true), iface_in("docker0", true)]);
    assert_eq!(r(forward, "maxseg").target, Target::Continue("tcp option maxseg size".into()));
    assert_eq!(r(forward, "goto").target, Target::Goto("docker-in".into()));
    assert!(matches!(&r(forward, " . ").matches[..], [Match::Other { .. }]));

    let nat = table(&tables, Family::Ipv4, "nat");
    assert_eq!(r(chain(nat, "prerouting"), "redirect").target, Target::Redirect("8080".into()));
    assert_eq!(r(chain(nat, "prerouting"), "dnat").target, Target::Dnat("192.168.1.10:22".into()));
    assert_eq!(r(chain(nat, "postrouting"), "snat").target, Target::Snat("192.0.2.2".into()));
    assert_eq!(r(chain(nat, "postrouting"), "masquerade").target, Target::Masquerade);

    // netdev: family Other, an ingress hook netview does not model.
    let edge = table(&tables, Family::Other, "edge");
    let ingress = chain(edge, "ingress-lo");
    assert_eq!((ingress.hook, ingress.priority), (None, -500));
}

#[test]
fn parsing_is_deterministic() {
    for f in ["docker20-iptables-nft.json", "docker29-nftables.json", "inet-filter.json"] {
        assert_eq!(nft::parse(&fixture(f)), nft::parse(&fixture(f)), "{f}");
    }
}

// --- robustness --------------------------------------------------------------------------------

#[test]
fn invalid_json_is_an_error() {
    let err = nft::parse("{\"nftables\": [").unwrap_err();
    assert!(err.contains("not JSON"), "{err}");
    assert!(nft::parse("").is_err());
    assert!(nft::parse("[]").unwrap_err().contains("nftables"));
    assert!(nft::parse(r#"{"nftables": 5}"#).is_err());
    assert!(nft::parse(&"[".repeat(100_000)).is_err(), "deep nesting is refused, not a stack overflow");
    assert_eq!(nft::parse(r#"{"nftables": []}"#), Ok((Vec::new(), Vec::new())));
    let (tables, problems) = nft::parse(r#"{"nftables": [{"metainfo": {"version": "1.0.6"}}]}"#).unwrap();
    assert!(tables.is_empty() && problems.is_empty());
}

fn ruleset(rule_exprs: Value) -> String {
    json!({"nftables": [
        {"table": {"family": "ip", "name": "t", "handle": 1}},
        {"chain": {"family": "ip", "table": "t", "name": "c", "handle": 1,
                   "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
        {"rule": {"family": "ip", "table": "t", "chain": "c", "handle": 7, "expr": rule_exprs}},
    ]})
    .to_string()
}

#[test]
fn unknown_expressions_are_other() {
    let (tables, problems) = nft::parse(&ruleset(json!([
        {"frobnicate": {"level": 3}},
        {"match": {"op": "==", "left": {"quux": {"key": "x"}}, "right": 1}},
        {"match": {"op": ">", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 1024}},
        {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": {"map": {"key": 1, "data": "@m"}}}},
        {"accept": null}
    ])))
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let rule = &tables[0].chains[0].rules[0];
    assert_eq!(rule.target, Target::Accept);
    assert_eq!(rule.matches.len(), 4);
    assert!(rule.matches.iter().all(|m| matches!(m, Match::Other { .. })), "{:?}", rule.matches);
    assert_eq!(rule.matches[0], Match::Other { text: r#"frobnicate {"level":3}"#.into() });
    assert_eq!(rule.matches[2], Match::Other { text: "tcp dport > 1024".into() });
}

#[test]
fn no_verdict_is_continue() {
    let (tables, _) = nft::parse(&ruleset(json!([{"counter": {"packets": 1, "bytes": 2}}]))).unwrap();
    assert_eq!(tables[0].chains[0].rules[0].target, Target::Continue("counter".into()));
    let (tables, _) = nft::parse(&ruleset(json!([{"log": {"prefix": "x"}}, {"counter": null}]))).unwrap();
    assert_eq!(tables[0].chains[0].rules[0].target, Target::Continue("log".into()));
    let (tables, _) = nft::parse(&ruleset(json!([{"xt": {"type": "target", "name": "MARK"}}]))).unwrap();
    assert_eq!(tables[0].chains[0].rules[0].target, Target::Continue("MARK".into()));
    let (tables, _) = nft::parse(&ruleset(json!([{"xt": {"type": "target", "name": "KUBE-MARK-X"}}]))).unwrap();
    assert_eq!(tables[0].chains[0].rules[0].target, Target::Other("KUBE-MARK-X".into()));
}

#[test]
fn wrong_types_are_problems_not_panics() {
    let (tables, problems) = nft::parse(&ruleset(json!([
        {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": 5}},
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 70000}},
        {"match": {"op": "==", "left": {"ct": {"key": "state"}}, "right": [1, 2]}},
        {"match": {"op": 3, "left": {"meta": {"key": "oifname"}}, "right": "x"}},
        {"match": {"left": {"meta": {"key": "oifname"}}}},
        {"counter": {"packets": "many", "bytes": 1}},
        "accept",
        {"accept": null, "drop": null},
        {"jump": {"target": 5}},
    ])))
    .unwrap();
    let rule = &tables[0].chains[0].rules[0];
    assert_eq!(problems.len(), 9, "{problems:#?}");
    assert!(problems.iter().all(|p| p.starts_with("ip t c handle 7: ")), "{problems:#?}");
    assert_eq!(rule.counters, None);
    assert_eq!(rule.target, Target::Other("jump".into()));
    assert!(rule.matches.iter().all(|m| matches!(m, Match::Other { .. })), "{:?}", rule.matches);

    // Tables, chains and rules with fields of the wrong type.
    let text = json!({"nftables": [
        5,
        {"table": {"family": "ip", "name": 5}},
        {"chain": {"family": "ip", "table": "t", "name": "c", "hook": 5, "prio": "high", "type": [], "policy": "drop"}},
        {"chain": {"family": "ip", "table": "t", "name": "b", "hook": "input", "prio": 1e12, "policy": "maybe"}},
        {"chain": {"family": "ip", "table": "t"}},
        {"rule": {"family": "ip", "table": "t", "expr": []}},
        {"rule": {"family": "ip", "table": "t", "chain": "c", "handle": 9, "expr": "accept", "comment": 4}},
        {"rule": {"family": "ip", "table": "t", "chain": "c", "handle": 10}},
    ]})
    .to_string();
    let (tables, problems) = nft::parse(&text).unwrap();
    assert_eq!(problems.len(), 12, "{problems:#?}");
    assert!(problems.iter().any(|p| p.starts_with("ip t c handle 9: ")), "{problems:#?}");
    let t = &tables[0];
    let c = chain(t, "c");
    assert_eq!((c.hook, c.priority, c.kind.clone(), c.policy.clone()), (None, 0, None, None));
    let b = chain(t, "b");
    assert_eq!((b.hook, b.priority, b.policy.clone()), (Some(Hook::Input), 0, None));
    assert_eq!(c.rules.len(), 2);
    assert_eq!(c.rules[0].target, Target::Other("unreadable".into()));
    assert_eq!(c.rules[0].comment, None);
}

#[test]
fn rules_may_come_before_their_chain() {
    let text = json!({"nftables": [
        {"rule": {"family": "inet", "table": "x", "chain": "in", "handle": 3, "expr": [{"drop": null}]}},
        {"chain": {"family": "inet", "table": "x", "name": "in", "type": "filter", "hook": "input", "prio": "filter + 5"}},
        {"chain": {"family": "inet", "table": "x", "name": "nat", "type": "nat", "hook": "prerouting", "prio": "dstnat - 5"}},
        {"chain": {"family": "bridge", "table": "x", "name": "br", "type": "filter", "hook": "forward", "prio": "filter"}},
        {"chain": {"family": "ip", "table": "x", "name": "plain", "policy": "drop"}},
    ]})
    .to_string();
    let (tables, problems) = nft::parse(&text).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(tables.len(), 3, "inet x, bridge x and ip x are three tables");
    let inet = table(&tables, Family::Inet, "x");
    assert_eq!((inet.chains[0].hook, inet.chains[0].priority), (Some(Hook::Input), 5));
    assert_eq!(inet.chains[0].rules[0].target, Target::Drop);
    assert_eq!(inet.chains[1].priority, -105);
    assert_eq!(table(&tables, Family::Other, "x").chains[0].priority, -200);
    // A policy on a chain without a hook means nothing.
    assert_eq!(table(&tables, Family::Ipv4, "x").chains[0].policy, None);
}

/// Every way of cutting the real capture short, and every leaf of every fixture replaced by a
/// value of another type: an error or problems, never a panic.
#[test]
fn truncated_and_mangled_fixtures_never_panic() {
    let real = fixture("docker20-iptables-nft.json");
    let mut cut = 0;
    while cut < real.len() {
        if real.is_char_boundary(cut) {
            let _ = nft::parse(&real[..cut]);
        }
        cut += 61;
    }
    for f in ["docker29-nftables.json", "inet-filter.json"] {
        let root: Value = serde_json::from_str(&fixture(f)).unwrap();
        let mut paths = Vec::new();
        leaves(&root, &mut Vec::new(), &mut paths);
        assert!(paths.len() > 100, "{f}: {} leaves", paths.len());
        for path in &paths {
            for odd in [json!(null), json!(-1), json!("@x"), json!({"set": [1, {"range": [9]}]})] {
                let mut v = root.clone();
                if let Some(slot) = v.pointer_mut(path) {
                    *slot = odd;
                }
                let _ = nft::parse(&v.to_string());
            }
        }
    }
}

fn leaves(v: &Value, at: &mut Vec<String>, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.push(i.to_string());
                leaves(item, at, out);
                at.pop();
            }
        }
        Value::Object(o) => {
            for (k, item) in o {
                at.push(k.replace('~', "~0").replace('/', "~1"));
                leaves(item, at, out);
                at.pop();
            }
        }
        _ => out.push(at.iter().map(|p| format!("/{p}")).collect()),
    }
}

#[test]
fn collector_keeps_only_native_tables_beside_iptables_nft() {
    use netview::collect::firewall::native_tables;
    let read = |name: &str| {
        let text =
            std::fs::read_to_string(format!("{}/tests/fixtures/firewall/nft/{name}", env!("CARGO_MANIFEST_DIR")))
                .expect("fixture");
        nft::parse(&text).expect("parses").0
    };
    // Docker 20.10 on iptables-nft: every table is iptables-nft's, read already by its save tool.
    let docker20 = read("docker20-iptables-nft.json");
    assert!(!docker20.is_empty());
    assert!(native_tables(docker20.clone(), true).is_empty());
    // Without iptables-nft-save they are all that shows the rules: keep them.
    assert_eq!(native_tables(docker20.clone(), false).len(), docker20.len());
    // Engine 29's own tables are native whatever else was read.
    let docker29 = read("docker29-nftables.json");
    let kept: Vec<String> = native_tables(docker29, true).iter().map(|t| t.name.clone()).collect();
    assert!(kept.iter().any(|n| n == "docker-bridges"), "{kept:?}");
}
