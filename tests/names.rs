//! Docker's names and the ports it never published, on Engine API JSON captured from the suite's
//! isolated engines (Docker 28.5, API 1.51, and 20.10, API 1.41; tests/fixtures/names, made by
//! its capture.sh): the list leaves aliases empty and inspect fills them; API 1.45+ adds
//! DNSNames; HostConfig.PortBindings keeps what `-p` asked for when NetworkSettings.Ports stays
//! empty (an `--internal` network, host mode). The names asserted were checked with a real
//! `nslookup <name> 127.0.0.11` from a member (nslookup.txt).

use bollard::models::{ContainerInspectResponse, ContainerSummary, Network};
use netview::collect::docker::{apply_names, container_obs, network_obs, wants_names};
use netview::model::names::{NetworkDns, UnpublishedCause, network_dns};
use netview::model::reach::{self, Reach};
use netview::model::{ContainerObs, DockerObs, Observation, Topology};
use serde::de::DeserializeOwned;

fn file(engine: u32, name: &str) -> String {
    let path = format!("{}/tests/fixtures/names/engine{engine}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse<T: DeserializeOwned>(engine: u32, name: &str) -> T {
    serde_json::from_str(&file(engine, name)).unwrap_or_else(|e| panic!("engine{engine}/{name}: {e}"))
}

/// The engine's networks and the scenario's containers as the collector reads them: the list,
/// then an inspect for those `wants_names` picks (the fixtures hold an inspect of every one).
fn docker(engine: u32) -> DockerObs {
    let networks: Vec<Network> = parse(engine, "networks.json");
    let list: Vec<ContainerSummary> = parse(engine, "containers.json");
    let mut containers: Vec<ContainerObs> =
        list.iter().map(container_obs).filter(|c| c.name.starts_with("nvt-nmf-")).collect();
    for c in &mut containers {
        if wants_names(c) {
            let ins: ContainerInspectResponse = parse(engine, &format!("container-inspect-{}.json", c.name));
            apply_names(c, &ins);
        }
    }
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    DockerObs {
        available: true,
        networks: networks.iter().map(network_obs).collect(),
        containers,
        ..Default::default()
    }
}

fn topology(engine: u32) -> Topology {
    netview::model::build(&Observation { docker: docker(engine), ..Default::default() })
}

fn container<'a>(d: &'a DockerObs, name: &str) -> &'a ContainerObs {
    d.containers.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name}"))
}

fn short_id(d: &DockerObs, name: &str) -> String {
    container(d, name).id[..12].to_string()
}

#[test]
fn the_list_has_no_aliases_and_inspect_is_made_only_where_names_or_ports_can_matter() {
    for engine in [28, 20] {
        let list: Vec<ContainerSummary> = parse(engine, "containers.json");
        let listed: Vec<ContainerObs> = list.iter().map(container_obs).collect();
        let ours: Vec<&ContainerObs> = listed.iter().filter(|c| c.name.starts_with("nvt-nmf-")).collect();
        assert_eq!(ours.len(), 6, "engine {engine}");
        assert!(ours.iter().flat_map(|c| &c.endpoints).all(|e| e.aliases.is_empty() && e.dns_names.is_empty()));
        let mut wanted: Vec<&str> = ours.iter().filter(|c| wants_names(c)).map(|c| c.name.as_str()).collect();
        wanted.sort();
        // Not the one on the default bridge only (no DNS there, and what it publishes is listed).
        assert_eq!(
            wanted,
            ["nvt-nmf-app", "nvt-nmf-db", "nvt-nmf-host", "nvt-nmf-int", "nvt-nmf-proj-web-1"],
            "engine {engine}"
        );
    }
}

#[test]
fn aliases_and_dns_names_come_from_inspect_as_each_engine_gives_them() {
    // Engine 28 (API 1.51): Aliases are the user's only, DNSNames has every name.
    let d = docker(28);
    let db = &container(&d, "nvt-nmf-db").endpoints[0];
    assert_eq!(db.aliases, ["database", "pg"]);
    assert_eq!(db.dns_names, ["nvt-nmf-db", "database", "pg", &short_id(&d, "nvt-nmf-db")]);
    let app = &container(&d, "nvt-nmf-app").endpoints[0];
    assert!(app.aliases.is_empty());
    assert_eq!(app.dns_names, ["nvt-nmf-app", &short_id(&d, "nvt-nmf-app"), "apphost"]);
    let web = &container(&d, "nvt-nmf-proj-web-1").endpoints[0];
    assert_eq!(web.aliases, ["web"]);
    // Engine 20.10 (API 1.41): no DNSNames; Aliases carry the short id (and the hostname).
    let d = docker(20);
    let db = &container(&d, "nvt-nmf-db").endpoints[0];
    assert_eq!(db.aliases, ["database", "pg", &short_id(&d, "nvt-nmf-db")]);
    assert!(db.dns_names.is_empty());
    let app = &container(&d, "nvt-nmf-app").endpoints[0];
    assert_eq!(app.aliases, [short_id(&d, "nvt-nmf-app").as_str(), "apphost"]);
}

/// The names nslookup.txt shows resolving, by the member they resolve to.
fn resolved(engine: u32) -> Vec<(String, String)> {
    let text = file(engine, "nslookup.txt");
    let mut out = Vec::new();
    for block in text.split("== ").skip(1) {
        let name = block.lines().next().unwrap_or("").trim().to_string();
        if let Some(addr) = block.lines().find_map(|l| l.strip_prefix("Address: ")) {
            out.push((name, addr.trim().to_string()));
        }
    }
    out
}

#[test]
fn a_user_defined_network_lists_what_its_embedded_dns_answers_and_the_default_bridge_none() {
    for engine in [28, 20] {
        let t = topology(engine);
        let user = t.network("nvt-nmf-user").unwrap();
        let Some(NetworkDns::Names(names)) = network_dns(&t, user) else { panic!("engine {engine}: no names") };
        let real = resolved(engine);
        assert_eq!(real.len(), 5, "engine {engine}: {real:?}");
        for (name, addr) in &real {
            assert!(
                names.iter().any(|n| &n.name == name && n.address.as_deref() == Some(addr.as_str())),
                "engine {engine}: {name} → {addr} resolves for real but is not listed: {names:?}"
            );
        }
        let proj = t.network("nvt-nmf-proj_default").unwrap();
        let Some(NetworkDns::Names(names)) = network_dns(&t, proj) else { panic!() };
        assert!(names.iter().any(|n| n.name == "web" && n.container == "nvt-nmf-proj-web-1"), "{names:?}");
        assert_eq!(network_dns(&t, t.network("bridge").unwrap()), Some(NetworkDns::DefaultBridge));
        assert_eq!(network_dns(&t, t.network("host").unwrap()), None);
        // And nslookup on the default bridge gets no answer from 127.0.0.11.
        assert!(file(engine, "nslookup.txt").contains("no servers could be reached"));
    }
}

#[test]
fn ports_asked_for_but_never_published_are_named_with_why() {
    for engine in [28, 20] {
        let t = topology(engine);
        let c = |name: &str| t.container(name).unwrap();
        let int: Vec<(u16, &str, Option<u16>, UnpublishedCause, &str)> = c("nvt-nmf-int")
            .unpublished
            .iter()
            .map(|u| (u.port, u.protocol.as_str(), u.host_port, u.cause, u.reason.as_str()))
            .collect();
        assert_eq!(
            int,
            [
                (80, "tcp", Some(18080), UnpublishedCause::InternalOnly, "internal network only"),
                (443, "udp", Some(18443), UnpublishedCause::InternalOnly, "internal network only"),
            ],
            "engine {engine}"
        );
        let host = &c("nvt-nmf-host").unpublished;
        assert_eq!(host.len(), 1);
        assert_eq!((host[0].port, host[0].host_port, host[0].cause), (80, Some(18081), UnpublishedCause::HostMode));
        assert_eq!(host[0].reason, "host network mode: -p is ignored");
        assert_eq!(host[0].flag(), "-p 18081:80/tcp");
        // What Docker did publish is not listed; nor is anything for containers without -p.
        assert!(c("nvt-nmf-def").unpublished.is_empty() && c("nvt-nmf-db").unpublished.is_empty());
        assert_eq!(t.firewall.unpublished.len(), 3);
        let json = serde_json::to_value(&t).unwrap();
        let u = &json["firewall"]["unpublished"][0];
        assert_eq!((u["container"].as_str(), u["port"].as_u64()), (Some("nvt-nmf-host"), Some(80)));
        assert_eq!(u["reason"], "host network mode: -p is ignored");
        let int = json["docker"]["containers"].as_array().unwrap().iter().find(|c| c["name"] == "nvt-nmf-int").unwrap();
        assert_eq!(int["unpublished"][0]["reason"], "internal network only");
        assert_eq!(int["endpoints"][0]["dns_names"].as_array().map(Vec::len), Some(if engine == 28 { 2 } else { 0 }));
        let mut out = Vec::new();
        netview::output::text::write(&t, netview::output::style::Style::plain(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("-p 18080:80/tcp → nvt-nmf-int: NOT PUBLISHED (internal network only)"), "{text}");
    }
}

/// Engine 28's recorded host (tests/fixtures/engine28: its namespaces, the client e28-cli on
/// 10.99.0.0/24, its rules), with this scenario's containers added as its engine would list them.
fn engine28_host() -> Topology {
    let dir = format!("{}/tests/fixtures/engine28", env!("CARGO_MANIFEST_DIR"));
    let read = |n: &str| std::fs::read_to_string(format!("{dir}/{n}")).unwrap();
    let mut obs: Observation = serde_json::from_str(&read("observation.json")).unwrap();
    let (tables, problems) = netview::collect::firewall::iptables::parse(
        &read("iptables.save"),
        netview::model::firewall::Backend::IptablesNft,
        netview::model::firewall::Family::Ipv4,
    );
    assert!(problems.is_empty());
    obs.firewall.ruleset.tables = tables;
    let names = docker(28);
    obs.docker.networks.extend(names.networks.into_iter().filter(|n| n.name.starts_with("nvt-nmf-")));
    obs.docker.containers.extend(names.containers);
    netview::model::build(&obs)
}

fn path(t: &Topology, port: u16, proto: &str) -> reach::PathReport {
    let from = reach::resolve(t, "e28-cli").unwrap();
    let to = reach::resolve(t, "10.99.0.2").unwrap();
    reach::path(t, reach::Firewall::from(&t.firewall), from, to, proto, Some(port))
}

#[test]
fn path_from_another_host_to_a_port_never_published_is_blocked_with_why() {
    let t = engine28_host();
    for (port, proto, why) in [
        (18080, "tcp", "nvt-nmf-int asked for -p 18080:80/tcp, but Docker never published it: internal network only"),
        (18443, "udp", "internal network only"),
        (
            18081,
            "tcp",
            "nvt-nmf-host asked for -p 18081:80/tcp, but Docker never published it: host network mode: -p is ignored",
        ),
    ] {
        let r = path(&t, port, proto);
        assert_eq!(r.verdict, Reach::Blocked, "{port}: {r:?}");
        let reason = r.reason.clone().unwrap();
        assert!(reason.starts_with(&format!("nothing is published at 10.99.0.2:{port}/{proto}")), "{reason}");
        assert!(reason.contains(why), "{reason}");
    }
    // A published port still goes through; a port nobody asked for is the host's own.
    assert_eq!(path(&t, 8080, "tcp").verdict, Reach::Reachable);
    assert_eq!(path(&t, 18099, "tcp").verdict, Reach::Reachable);
    // Host mode with the same number: the container's own port is the host's; whether it
    // answers depends on what listens, which netview does not say.
    let mut t = t;
    for c in t.docker.containers.iter_mut().filter(|c| c.name == "nvt-nmf-host") {
        c.unpublished[0].host_port = Some(80);
    }
    let r = path(&t, 80, "tcp");
    assert_eq!(r.verdict, Reach::Unknown, "{r:?}");
    assert!(r.reason.unwrap().contains("uses the host's own port 80"));
}

fn details(t: &Topology, id: &netview::app::NodeId) -> String {
    let theme = netview::ui::theme::theme(netview::app::ThemeName::Default);
    netview::ui::details::lines(t, id, &theme)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn details_and_explanations_name_them_in_both_languages() {
    use netview::app::NodeId;
    use netview::explain::{Lang, bind::live_sentence};
    let t = topology(28);
    let net = |name: &str| NodeId::Network(t.network(name).unwrap().id.clone());
    let live = |id: &NodeId, lang| live_sentence(&t, id, lang).and_then(|(_, l)| l).unwrap();
    let user = net("nvt-nmf-user");
    let d = details(&t, &user);
    assert!(d.contains("names its embedded DNS (127.0.0.11) answers (7)"), "{d}");
    assert!(d.contains("  database → 10.97.28.2  (nvt-nmf-db)"), "{d}");
    assert!(
        live(&user, Lang::En).contains("Its embedded DNS (127.0.0.11) answers 7 names: "),
        "{}",
        live(&user, Lang::En)
    );
    assert!(
        live(&user, Lang::Ko).contains("내장 DNS(127.0.0.11)가 이름 7개에 응답합니다"),
        "{}",
        live(&user, Lang::Ko)
    );
    let bridge = net("bridge");
    assert!(details(&t, &bridge).contains("none: the default bridge has no embedded DNS at 127.0.0.11"));
    assert!(details(&t, &bridge).contains("--link"));
    assert!(live(&bridge, Lang::En).contains("The default bridge has no embedded DNS"));
    assert!(live(&bridge, Lang::Ko).contains("기본 브리지에는 내장 DNS가 없어"));
    assert!(!live(&net("host"), Lang::En).contains("DNS"));
    let c = |name: &str| NodeId::Container(t.container(name).unwrap().id.clone());
    let db = details(&t, &c("nvt-nmf-db"));
    assert!(db.contains("aliases    database, pg") && db.contains("dns names  nvt-nmf-db, database, pg, "), "{db}");
    let int = details(&t, &c("nvt-nmf-int"));
    assert!(int.contains("asked to publish, not published"), "{int}");
    assert!(int.contains("  -p 18080:80/tcp: internal network only"), "{int}");
    assert!(details(&t, &c("nvt-nmf-host")).contains("  -p 18081:80/tcp: host network mode: -p is ignored"));
}
