//! Docker Engine 28.5 as it really is: rules, Engine API JSON and namespaces captured on a live
//! 28.5.2 engine (tests/fixtures/engine28, see its README), with networks in every gateway mode
//! (nat, nat-unprotected, routed, isolated), a dual-stack and an IPv6-only network. The verdicts
//! asserted here were checked against real connections (tests/fixtures/engine28/probe.sh).

use bollard::models::{ContainerSummary, Network};
use netview::collect::docker::{container_obs, network_obs};
use netview::collect::firewall::iptables;
use netview::model::firewall::{Backend, Family, Ruleset};
use netview::model::reach::{self, Reach};
use netview::model::{Observation, Topology};

fn file(name: &str) -> String {
    let path = format!("{}/tests/fixtures/engine28/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The recorded observation, with its Docker part and its rules read again from the raw captures
/// (the Engine API's JSON and `iptables-save -c`), so the code under test reads real engine output.
fn observation() -> Observation {
    let mut obs: Observation = serde_json::from_str(&file("observation.json")).expect("observation.json");
    let networks: Vec<Network> = serde_json::from_str(&file("networks.json")).expect("networks.json");
    let list: Vec<ContainerSummary> = serde_json::from_str(&file("containers.json")).expect("containers.json");
    obs.docker.networks = networks.iter().map(network_obs).collect();
    obs.docker.networks.sort_by(|a, b| a.name.cmp(&b.name));
    for c in list.iter().map(container_obs) {
        let recorded = obs.docker.containers.iter_mut().find(|r| r.id == c.id).expect("recorded container");
        recorded.endpoints = c.endpoints;
        recorded.ports = c.ports;
    }
    let mut tables = Vec::new();
    for (name, family) in [("iptables.save", Family::Ipv4), ("ip6tables.save", Family::Ipv6)] {
        let (t, problems) = iptables::parse(&file(name), Backend::IptablesNft, family);
        assert!(problems.is_empty(), "{name}: {problems:?}");
        tables.extend(t);
    }
    obs.firewall.ruleset = Ruleset { sources: obs.firewall.ruleset.sources.clone(), tables };
    obs
}

fn topology() -> Topology {
    netview::model::build(&observation())
}

fn path(t: &Topology, from: &str, to: &str, port: u16) -> reach::PathReport {
    let fw = reach::Firewall::from(&t.firewall);
    let from = reach::resolve(t, from).unwrap();
    let to = reach::resolve(t, to).unwrap();
    reach::path(t, fw, from, to, "tcp", Some(port))
}

fn text(r: &reach::PathReport) -> String {
    netview::output::path::text(r, netview::output::style::Style::plain()).join("\n")
}

#[test]
fn a_published_port_is_reachable_from_another_host_although_raw_drops_its_container_address() {
    let t = topology();
    for (port, ip, container) in [(8080, "172.17.0.2", "e28-web"), (8082, "10.28.1.2", "e28-natc")] {
        let r = path(&t, "e28-cli", "10.99.0.2", port);
        let out = text(&r);
        assert_eq!(r.verdict, Reach::Reachable, "{out}");
        assert!(r.hops.iter().any(|h| h.text.contains(&format!("delivered to {ip} in {container}"))), "{out}");
        // The header names the port that was asked for, the DNAT hop both.
        assert!(out.lines().next().unwrap().ends_with(&format!("tcp/{port}: REACHABLE")), "{out}");
        assert!(out.contains(&format!("DNAT: 10.99.0.2:{port} → {ip}:80")), "{out}");
        assert_eq!(r.port, Some(port));
        // raw PREROUTING ran once, before the DNAT: its DROP for the container is not met.
        assert!(!out.contains("raw PREROUTING"), "{out}");
    }
}

#[test]
fn the_raw_rule_still_drops_direct_access_to_the_container_address() {
    let t = topology();
    for (ip, bridge) in [("172.17.0.2", "docker0"), ("10.28.1.2", "br-81d9764f60c7"), ("10.28.5.2", "br-13b1c1d9fec6")]
    {
        let r = path(&t, "e28-cli", ip, 80);
        assert_eq!(r.verdict, Reach::Blocked, "{}", text(&r));
        let why = r.reason.clone().unwrap();
        assert!(why.contains(&format!("raw PREROUTING: -A PREROUTING -d {ip}/32 ! -i {bridge} -j DROP")), "{why}");
    }
}

/// The same cases as probe.sh, with what the real packets did on Engine 28.5.2.
#[test]
fn verdicts_agree_with_the_probes_on_the_live_engine() {
    let t = topology();
    let cases = [
        ("e28-cli", "10.99.0.2", 8080, Reach::Reachable),
        ("e28-cli", "172.17.0.2", 80, Reach::Blocked),
        ("e28-cli", "10.99.0.2", 8082, Reach::Reachable),
        ("e28-cli", "10.28.1.2", 80, Reach::Blocked),
        ("e28-cli", "10.28.2.2", 80, Reach::Reachable),
        ("e28-cli", "10.28.2.2", 81, Reach::Blocked),
        ("e28-cli", "10.99.0.2", 8083, Reach::Reachable),
        ("e28-cli", "10.28.3.2", 80, Reach::Reachable),
        ("e28-cli", "10.28.3.2", 81, Reach::Reachable),
        ("e28-cli", "10.28.4.1", 80, Reach::Blocked),
        ("e28-cli", "10.99.0.2", 8084, Reach::Reachable),
        ("e28-cli", "10.28.5.2", 80, Reach::Blocked),
        ("e28-natc", "e28-routedc", 80, Reach::Reachable),
        ("e28-natc", "e28-routedc", 81, Reach::Blocked),
        ("e28-natc", "e28-web", 80, Reach::Blocked),
        ("e28-natc", "e28-unprotc", 80, Reach::Blocked),
        ("e28-natc", "10.99.0.2", 8080, Reach::Reachable),
        ("e28-natc", "10.99.0.2", 8082, Reach::Reachable),
    ];
    for (from, to, port, want) in cases {
        let r = path(&t, from, to, port);
        assert_eq!(r.verdict, want, "{from} → {to}:{port}\n{}", text(&r));
    }
    for (to, want) in [("10.28.2.2", Reach::Reachable), ("10.28.1.2", Reach::Blocked), ("10.28.3.2", Reach::Reachable)]
    {
        let fw = reach::Firewall::from(&t.firewall);
        let r =
            reach::path(&t, fw, reach::resolve(&t, "e28-cli").unwrap(), reach::resolve(&t, to).unwrap(), "icmp", None);
        assert_eq!(r.verdict, want, "ping {to}\n{}", text(&r));
    }
}

#[test]
fn an_isolated_network_is_out_of_reach_and_the_path_says_why() {
    let t = topology();
    let r = path(&t, "e28-cli", "e28-isoc", 80);
    assert_eq!(r.verdict, Reach::Blocked, "{}", text(&r));
    let why = r.reason.unwrap();
    assert!(why.contains("network e28-isolated is isolated (gateway mode isolated)"), "{why}");
    assert!(why.contains("has no address, so the host has no route into it"), "{why}");
}

fn snapshot_text(t: &Topology) -> String {
    let mut out = Vec::new();
    netview::output::text::write(t, netview::output::style::Style::plain(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn raw_rules_are_shown_with_their_counters_and_whom_they_guard() {
    let t = topology();
    assert!(t.firewall.docker_chains.contains(&"raw PREROUTING".to_string()), "{:?}", t.firewall.docker_chains);
    let guards: Vec<(&str, Option<&str>)> =
        t.firewall.docker_raw.iter().map(|g| (g.rule.text.as_str(), g.container.as_deref())).collect();
    assert_eq!(
        guards,
        [
            ("-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP", Some("e28-web")),
            ("-A PREROUTING -d 10.28.1.2/32 ! -i br-81d9764f60c7 -j DROP", Some("e28-natc")),
            ("-A PREROUTING -d 10.28.5.2/32 ! -i br-13b1c1d9fec6 -j DROP", Some("e28-dualc")),
            ("-A PREROUTING -d fd28:5::2/128 ! -i br-13b1c1d9fec6 -j DROP", Some("e28-dualc")),
            ("-A PREROUTING -d fd28:6::2/128 ! -i br-2320a3d77dc6 -j DROP", Some("e28-v6c")),
        ]
    );
    let web = t.firewall.ports.iter().find(|m| m.host_port == 8080 && m.host_ip.as_deref() == Some("0.0.0.0")).unwrap();
    assert_eq!(web.raw.len(), 1);
    assert_eq!(web.raw[0].counters.map(|c| (c.packets, c.bytes)), Some((2, 120)));
    // The published-port walks: through the port it gets in, straight to the address it does not.
    let straight = web.walks.iter().find(|w| w.from == "another host, straight to the container").unwrap();
    assert_eq!(straight.destination, "172.17.0.2:80");
    assert!(!straight.reaches_container);
    assert!(straight.outcome.contains("raw PREROUTING: -A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP"));
    assert!(web.walks.iter().any(|w| w.from == "another host" && w.reaches_container));
    let text = snapshot_text(&t);
    assert!(
        text.contains(
            "docker raw       raw PREROUTING: -A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP  [2 pkts, 120 B]"
        ),
        "{text}"
    );
    assert!(text.contains("    raw         raw PREROUTING: -A PREROUTING -d 10.28.1.2/32 ! -i br-81d9764f60c7 -j DROP  [2 pkts, 120 B]"), "{text}");
}

#[test]
fn a_routed_port_is_published_at_the_container_address_with_the_accept_that_opens_it() {
    let t = topology();
    let m = t.firewall.ports.iter().find(|m| m.container == "e28-routedc" && m.routed).expect("routed mapping");
    assert_eq!((m.host_port, m.container_port, m.container_ip.as_deref()), (80, 80, Some("10.28.2.2")));
    assert_eq!(m.gateway_mode.as_deref(), Some("routed"));
    assert!(m.dnat.is_empty());
    assert_eq!(
        m.forward.iter().map(|h| h.text.as_str()).collect::<Vec<_>>(),
        ["-A DOCKER -d 10.28.2.2/32 ! -i br-8d9d186a87c8 -o br-8d9d186a87c8 -p tcp -m tcp --dport 80 -j ACCEPT"]
    );
    let from_outside = m.walks.iter().find(|w| w.from == "another host").unwrap();
    assert!(from_outside.reaches_container, "{from_outside:?}");
    assert_eq!(from_outside.destination, "10.28.2.2:80");
    let text = snapshot_text(&t);
    assert!(
        text.contains("10.28.2.2:80/tcp → e28-routedc (routed: no NAT, no host port, network e28-routed"),
        "{text}"
    );
    assert!(text.contains("routed:80/tcp"), "the container table: {text}");
    assert!(
        !text.contains(
            "e28-routedc (routed: no NAT, no host port, network e28-routed, bridge br-8d9d186a87c8)\n    DNAT"
        )
    );
    // Its IPv6 side is docker-proxy's ([::]:32768, gateway mode ipv6 = nat, no IPv6 on the network).
    assert!(t.firewall.ports.iter().any(|m| m.container == "e28-routedc" && m.host_port == 32768 && !m.routed));
}

#[test]
fn gateway_modes_are_named_with_their_meaning() {
    let t = topology();
    let mode = |name: &str| t.network(name).unwrap().gateway_mode(false).unwrap().to_string();
    assert_eq!(
        ["e28-nat", "e28-unprot", "e28-routed", "e28-isolated"].map(mode),
        ["nat", "nat-unprotected", "routed", "isolated"]
    );
    let snap = snapshot_text(&t);
    assert!(
        snap.contains("gw4=routed") && snap.contains("gw4=nat-unprotected") && snap.contains("gw4=isolated"),
        "{snap}"
    );
    let unprot =
        t.firewall.ports.iter().find(|m| m.host_port == 8083 && m.host_ip.as_deref() == Some("0.0.0.0")).unwrap();
    assert!(unprot.forward.iter().any(|h| h.text == "-A DOCKER ! -i br-4956692f53ee -o br-4956692f53ee -j ACCEPT"));
    assert!(unprot.walks.iter().any(|w| w.from == "another host, straight to the container" && w.reaches_container));
    let r = path(&t, "e28-cli", "e28-routedc", 81);
    assert!(
        r.hops.iter().any(|h| h.text.starts_with("network e28-routed has gateway mode routed: no NAT")),
        "{}",
        text(&r)
    );
    let r = path(&t, "e28-cli", "e28-natc", 80);
    assert!(r.reason.unwrap().contains("use a published port"));
    for lang in [netview::explain::Lang::En, netview::explain::Lang::Ko] {
        let card = netview::explain::concept(lang, "gateway-mode").expect("gateway-mode card");
        for m in ["nat-unprotected", "routed", "isolated", "--internal"] {
            assert!(card.body.contains(m), "{lang:?}: {m}");
        }
    }
}

#[test]
fn ipv6_addresses_and_the_ipv6_gateway_are_shown() {
    let t = topology();
    let ep = |c: &str| t.container(c).unwrap().endpoints[0].clone();
    let v6only = ep("e28-v6c");
    assert_eq!(v6only.ipv4, None);
    assert_eq!(v6only.ipv6.as_deref(), Some("fd28:6::2/64"));
    assert_eq!(v6only.ipv6_gateway.as_deref(), Some("fd28:6::1"));
    assert_eq!(v6only.interface.as_deref(), Some("eth0"), "joined with its interface");
    let dual = ep("e28-dualc");
    assert_eq!((dual.ipv4.as_deref(), dual.gateway.as_deref()), (Some("10.28.5.2/24"), Some("10.28.5.1")));
    assert_eq!((dual.ipv6.as_deref(), dual.ipv6_gateway.as_deref()), (Some("fd28:5::2/64"), Some("fd28:5::1")));
    assert_eq!(ep("e28-web").ipv6_gateway, None);
    // JSON
    let json = serde_json::to_value(&t).unwrap();
    let c = json["docker"]["containers"].as_array().unwrap().iter().find(|c| c["name"] == "e28-v6c").unwrap();
    assert_eq!(c["endpoints"][0]["ipv6"], "fd28:6::2/64");
    assert_eq!(c["endpoints"][0]["ipv6_gateway"], "fd28:6::1");
    // The text snapshot: an IPV6 column, with the gateway.
    let text = snapshot_text(&t);
    let header = text.lines().find(|l| l.trim_start().starts_with("NAME") && l.contains("HOST END")).unwrap();
    assert!(header.contains(" IP ") && header.contains(" IPV6 "), "{header}");
    let row = text.lines().find(|l| l.trim_start().starts_with("e28-v6c ")).unwrap();
    assert!(row.contains("fd28:6::2/64 via fd28:6::1"), "{row}");
    let row = text.lines().find(|l| l.trim_start().starts_with("e28-dualc ")).unwrap();
    assert!(row.contains("10.28.5.2/24") && row.contains("fd28:5::2/64 via fd28:5::1"), "{row}");
}

fn details(t: &Topology, id: netview::app::NodeId) -> String {
    let theme = netview::ui::theme::theme(netview::app::ThemeName::Default);
    netview::ui::details::lines(t, &id, &theme)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_dashboard_details_show_raw_guards_gateway_modes_and_ipv6() {
    use netview::app::{Group, NodeId};
    let t = topology();
    let ports = details(&t, NodeId::Group(Group::Ports));
    assert!(ports.contains("Docker's raw-table guards (Engine 28+)"), "{ports}");
    assert!(ports.contains("-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP"), "{ports}");
    let web = t.firewall.ports.iter().find(|m| m.host_port == 8080 && m.host_ip.as_deref() == Some("0.0.0.0")).unwrap();
    let port = details(&t, netview::app::tree::mapping_id(web));
    assert!(port.contains("raw") && port.contains("[2 pkts 120 B]"), "{port}");
    assert!(port.contains("first packet from another host, straight to the container to 172.17.0.2:80"), "{port}");
    let routed = t.firewall.ports.iter().find(|m| m.routed).unwrap();
    assert_ne!(netview::app::tree::mapping_id(routed), netview::app::tree::mapping_id(web));
    let routed = details(&t, netview::app::tree::mapping_id(routed));
    assert!(routed.contains("gateway    routed: no NAT"), "{routed}");
    let net_id = |name: &str| NodeId::Network(t.network(name).unwrap().id.clone());
    let net = details(&t, net_id("e28-routed"));
    assert!(net.contains("gw mode v4 routed: no NAT"), "{net}");
    let net = details(&t, net_id("e28-nat"));
    assert!(net.contains("gw mode v4 nat (the default: no gateway_mode option)"), "{net}");
    let c = details(&t, NodeId::Container(t.container("e28-dualc").unwrap().id.clone()));
    assert!(c.contains("ipv6       fd28:5::2/64") && c.contains("gateway6   fd28:5::1"), "{c}");
    let c = details(&t, NodeId::Container(t.container("e28-routedc").unwrap().id.clone()));
    assert!(c.contains("10.28.2.2:80 (routed: no NAT, no host port)  routed, no NAT: ACCEPT"), "{c}");
}

/// Engine 29's nftables backend cannot run here: its raw-priority chain, from the reconstructed
/// fixture (tests/fixtures/firewall/nft), is read like Engine 28's raw table.
#[test]
fn engine_29_nftables_raw_prerouting_drops_are_docker_raw_guards_too() {
    let path = format!("{}/tests/fixtures/firewall/nft/docker29-nftables.json", env!("CARGO_MANIFEST_DIR"));
    let (tables, problems) = netview::collect::firewall::nft::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let mut obs = observation();
    obs.firewall.ruleset = Ruleset { sources: vec![], tables };
    let t = netview::model::build(&obs);
    let raw: Vec<&str> = t.firewall.docker_raw.iter().map(|g| g.rule.at.chain.as_str()).collect();
    assert!(!raw.is_empty() && raw.iter().all(|c| *c == "raw-PREROUTING"), "{raw:?}");
    // docker0 is a bridge of this host's networks too: its guard is named.
    let docker0 = t.firewall.docker_raw.iter().find(|g| g.rule.text.contains("docker0")).expect("docker0's guard");
    assert_eq!(docker0.container.as_deref(), Some("e28-web"), "172.17.0.2 is e28-web here");
    assert!(t.firewall.docker_chains.iter().any(|c| c == "docker-bridges raw-PREROUTING"));
    // The filter chains' drops are not raw guards.
    assert!(t.firewall.docker_raw.iter().all(|g| g.rule.at.chain.starts_with("raw-")));
}

/// From the host to its own external address: nat OUTPUT's DNAT applies (Docker's OUTPUT jump
/// leaves out only 127.0.0.0/8, which docker-proxy serves), so the packet goes to the container.
#[test]
fn the_host_reaching_its_own_address_meets_the_output_dnat() {
    let t = topology();
    let r = path(&t, "host", "10.99.0.2", 8080);
    let out = text(&r);
    assert_eq!(r.verdict, Reach::Reachable, "{out}");
    assert!(out.contains("OUTPUT: DNAT 10.99.0.2:8080 → 172.17.0.2:80"), "{out}");
    assert!(r.hops.iter().any(|h| h.text.contains("delivered to 172.17.0.2 in e28-web")), "{out}");
    assert!(!out.contains("delivered over loopback"), "{out}");
    // Loopback stays docker-proxy's: no DNAT in OUTPUT for 127.0.0.1.
    let r = path(&t, "host", "127.0.0.1", 8080);
    assert!(text(&r).contains("delivered over loopback"), "{}", text(&r));
}
