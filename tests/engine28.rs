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
