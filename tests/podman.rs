//! Rootful Podman (netavark) from fixtures captured on Debian 12's podman 4.3.1 + netavark 1.4
//! (tests/fixtures/podman/README.md): the API lists joined into netview's model, pods, the
//! namespaces found without the API, and netavark's rules in the published-ports join.

use netview::collect::firewall::{iptables, nft};
use netview::collect::podman::{self, LibpodContainer, LibpodNetwork, LibpodPod};
use netview::model::firewall::{Backend, Family, Ruleset, RulesetSource, SourceStatus};
use netview::model::*;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/podman/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const WEB: &str = "5347789bd3b2d57e64c3d4795b6a702a263b0f9dd697bedd68cc6f7d0a2c2ef0";
const INFRA: &str = "455a4505ed438f58a9f06185524b58b38f4cb3a6bed11f97f54a5a2ff3aa9d7b";

fn host_ns() -> NsIdentity {
    let m = std::fs::metadata("/proc/self/ns/net").expect("own namespace");
    NsIdentity { dev: m.dev(), inode: m.ino() }
}

/// The namespaces the containers had when the fixtures were captured: nvt-host in the host's,
/// the pod's members in the infra container's.
fn live(containers: &[LibpodContainer]) -> BTreeMap<String, (u32, NsIdentity)> {
    let host = host_ns();
    containers
        .iter()
        .map(|c| {
            let name = c.names[0].as_str();
            let inode = match name {
                "nvt-host" => host.inode,
                "nvt-web" => 101,
                "nvt-c2" => 102,
                _ => 103, // the pod
            };
            (c.id.clone(), (c.pid as u32, NsIdentity { dev: host.dev, inode }))
        })
        .collect()
}

fn podman_obs() -> PodmanObs {
    let networks: Vec<LibpodNetwork> = json("libpod-networks.json");
    let containers: Vec<LibpodContainer> = json("libpod-containers.json");
    let pods: Vec<LibpodPod> = json("libpod-pods.json");
    let compat: serde_json::Value = json("compat-containers.json");
    let (mut engine, bridges, pods) = podman::from_api(&networks, &containers, &pods, &compat, &live(&containers));
    engine.engine_version = Some("4.3.1".into());
    engine.api_version = Some("1.41".into());
    PodmanObs { socket: Some(podman::SOCKET.into()), engine, bridges, pods, sandboxes: vec![], as_docker: None }
}

fn container<'a>(o: &'a DockerObs, name: &str) -> &'a ContainerObs {
    o.containers.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no container {name}"))
}

#[test]
fn networks_carry_their_bridges_from_libpod() {
    let p = podman_obs();
    let names: Vec<&str> = p.engine.networks.iter().map(|n| n.name.as_str()).collect();
    // The default network is `podman` everywhere, never the compatible list's `bridge`.
    assert_eq!(names, ["nvt-pnet1", "podman"]);
    let bridge_of = |name: &str| {
        let n = p.engine.networks.iter().find(|n| n.name == name).unwrap();
        p.bridges.get(&n.id).cloned()
    };
    assert_eq!(bridge_of("podman").as_deref(), Some("podman0"));
    assert_eq!(bridge_of("nvt-pnet1").as_deref(), Some("podman1"));
    let pnet = p.engine.networks.iter().find(|n| n.name == "nvt-pnet1").unwrap();
    assert_eq!(pnet.pools[0].subnet.as_deref(), Some("10.89.0.0/24"));
    assert_eq!(pnet.pools[0].gateway.as_deref(), Some("10.89.0.1"));
}

#[test]
fn containers_get_endpoints_modes_and_pods() {
    let p = podman_obs();
    let web = container(&p.engine, "nvt-web");
    assert_eq!(web.id, WEB);
    assert_eq!(web.network_mode, "bridge");
    assert_eq!(web.endpoints.len(), 1);
    let e = &web.endpoints[0];
    assert_eq!(
        (e.network.as_str(), e.ipv4.as_deref(), e.mac.as_deref()),
        ("podman", Some("10.88.0.4/16"), Some("12:9a:89:fe:0a:f2"))
    );
    // The endpoint names its network by id (the compatible list gives the name as NetworkID).
    let podman_net = p.engine.networks.iter().find(|n| n.name == "podman").unwrap();
    assert_eq!(e.network_id.as_deref(), Some(podman_net.id.as_str()));
    assert_eq!(
        web.ports,
        [PortObs { container_port: 80, protocol: "tcp".into(), host_ip: None, host_port: Some(8080) }]
    );

    // host mode, with no HostConfig in 4.3's list: told by the namespace.
    let host = container(&p.engine, "nvt-host");
    assert_eq!(host.network_mode, "host");
    assert!(host.endpoints.is_empty());

    // Pod members join the infra container's namespace; the pod's port is listed once, on it.
    let infra = container(&p.engine, "6879b9fbf98a-infra");
    assert_eq!(infra.network_mode, "bridge");
    assert_eq!(infra.ports.len(), 1);
    assert_eq!(infra.ports[0].host_port, Some(9090));
    for m in ["nvt-pm1", "nvt-pm2"] {
        let c = container(&p.engine, m);
        assert_eq!(c.network_mode, format!("container:{INFRA}"), "{m}");
        assert!(c.ports.is_empty() && c.endpoints.is_empty(), "{m}");
    }
    assert_eq!(p.pods.len(), 1);
    assert_eq!(p.pods[0].name, "nvt-pod1");
    assert_eq!(p.pods[0].infra_id.as_deref(), Some(INFRA));
    assert_eq!(p.pods[0].containers.len(), 3);
}

fn ruleset(parts: Vec<(Vec<netview::model::firewall::Table>, Backend)>) -> Ruleset {
    let mut rs = Ruleset::default();
    for (tables, backend) in parts {
        rs.sources.push(RulesetSource {
            backend,
            command: vec!["fixture".into()],
            status: SourceStatus::Read(tables.iter().flat_map(|t| &t.chains).map(|c| c.rules.len()).sum()),
        });
        rs.tables.extend(tables);
    }
    rs
}

fn iptables_rules() -> Ruleset {
    let (tables, _) = iptables::parse(&fixture("iptables-nft-4.3.save"), Backend::IptablesNft, Family::Ipv4);
    ruleset(vec![(tables, Backend::IptablesNft)])
}

fn topology(rules: Ruleset) -> Topology {
    let obs = Observation {
        podman: podman_obs(),
        firewall: FirewallObs { ruleset: rules, ..Default::default() },
        ..Default::default()
    };
    build(&obs)
}

fn texts(hits: &[netview::model::ports::RuleHit]) -> Vec<String> {
    hits.iter().map(|h| h.text.clone()).collect()
}

#[test]
fn the_join_labels_every_object_with_its_engine() {
    let t = topology(Ruleset::default());
    assert!(t.docker.containers.iter().all(|c| c.engine == Engine::Podman));
    assert!(t.docker.networks.iter().all(|n| n.engine == Engine::Podman));
    let pm1 = t.container("nvt-pm1").unwrap();
    assert_eq!(pm1.shares_namespace_with.as_deref(), Some("6879b9fbf98a-infra"));
    assert_eq!(pm1.pod.as_deref(), Some("nvt-pod1"));
    assert_eq!(t.docker.pods.len(), 1);
    assert_eq!(t.docker.pods[0].infra.as_deref(), Some("6879b9fbf98a-infra"));
    assert_eq!(t.docker.pods[0].containers, ["6879b9fbf98a-infra", "nvt-pm1", "nvt-pm2"]);
    assert_eq!(t.docker.pods[0].namespace, Some(103));
    let members = &t.network("podman").unwrap().containers;
    assert_eq!(members, &["6879b9fbf98a-infra", "nvt-web"]);
    let view = t.docker.podman.as_ref().expect("podman engine view");
    assert!(view.available);
    assert_eq!(view.engine_version.as_deref(), Some("4.3.1"));

    let json = serde_json::to_value(&t).unwrap();
    let c = json["docker"]["containers"].as_array().unwrap();
    assert!(c.iter().all(|c| c["engine"] == "podman"), "{c:?}");
    assert_eq!(json["docker"]["podman"]["engine_version"], "4.3.1");
    assert_eq!(json["docker"]["pods"][0]["name"], "nvt-pod1");

    let mut out = Vec::new();
    netview::output::text::write(&t, netview::output::style::Style::plain(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    for want in ["PODMAN NETWORKS", "PODMAN CONTAINERS", "PODMAN PODS", "podman         Podman 4.3.1, API 1.41"] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert!(!text.contains("DOCKER CONTAINERS"), "{text}");
    assert!(text.contains("container:6879b9fbf98a-infra pod:nvt-pod1"), "{text}");
}

#[test]
fn netavark_iptables_rules_carry_the_published_ports() {
    let t = topology(iptables_rules());
    let ports = &t.firewall.ports;
    // Each port once: the pod's on its infra container.
    let listed: Vec<(u16, &str)> = ports.iter().map(|m| (m.host_port, m.container.as_str())).collect();
    assert_eq!(listed, [(8080, "nvt-web"), (9090, "6879b9fbf98a-infra")]);
    let web = &ports[0];
    assert_eq!(
        texts(&web.dnat),
        ["-A NETAVARK-DN-1D8721804F16F -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.4:80"]
    );
    assert_eq!(web.dnat[0].counters.map(|c| c.packets), Some(2));
    assert_eq!(
        texts(&web.forward),
        [
            "-A NETAVARK_FORWARD -d 10.88.0.0/16 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-A NETAVARK_FORWARD -s 10.88.0.0/16 -j ACCEPT"
        ]
    );
    assert_eq!(
        texts(&web.hairpin),
        [
            "-A NETAVARK-DN-1D8721804F16F -s 10.88.0.0/16 -p tcp -m tcp --dport 8080 -j NETAVARK-HOSTPORT-SETMARK",
            "-A NETAVARK-HOSTPORT-MASQ -m comment --comment \"netavark portfw masq mark\" -m mark --mark 0x2000/0x2000 -j MASQUERADE"
        ]
    );
    assert_eq!(
        texts(&web.masquerade),
        [
            "-A POSTROUTING -s 10.88.0.0/16 -j NETAVARK-1D8721804F16F",
            "-A NETAVARK-1D8721804F16F ! -d 224.0.0.0/4 -j MASQUERADE"
        ]
    );
    assert!(web.masquerade.iter().all(|h| h.counters.is_some()));
    assert!(t.firewall.podman_chains.contains(&"nat NETAVARK-HOSTPORT-DNAT".to_string()));
    assert!(t.firewall.docker_chains.is_empty());
}

#[test]
fn netavark_nftables_table_carries_the_published_ports() {
    let (tables, _) = nft::parse(&fixture("nft-netavark-5.json")).expect("nft JSON");
    let t = topology(ruleset(vec![(tables, Backend::Nftables)]));
    let web = t.firewall.ports.iter().find(|m| m.host_port == 8080).expect("port 8080");
    assert_eq!(web.dnat.len(), 1, "{:?}", web.dnat);
    assert_eq!(web.dnat[0].at.table, "netavark");
    assert_eq!(web.dnat[0].counters.map(|c| c.packets), Some(2));
    assert_eq!(web.forward.len(), 2, "{:?}", web.forward);
    assert!(web.forward.iter().all(|h| h.at.chain == "FORWARD"));
    assert_eq!(web.hairpin.len(), 2, "{:?}", web.hairpin);
    assert_eq!(web.masquerade.len(), 2, "{:?}", web.masquerade);
    assert_eq!(web.masquerade[1].at.chain, "nv_2f259bab_10_88_0_0_nm16");
    assert_eq!(web.masquerade[1].counters.map(|c| c.packets), Some(3));
    assert!(t.firewall.podman_chains.iter().any(|c| c == "netavark nv_2f259bab_10_88_0_0_nm16_dnat"));
}

#[test]
fn podman_namespaces_are_named_without_the_api() {
    let host = host_ns();
    let sandbox = NsIdentity { dev: host.dev, inode: 4242 };
    let ns = |id: NsIdentity, sources: Vec<NsSource>| NamespaceObs {
        id,
        paths: vec![],
        sources,
        links: vec![],
        routes: vec![],
        nsids: Default::default(),
        listening: Vec::new(),
    };
    let obs = Observation {
        namespaces: vec![
            ns(host, vec![NsSource::Host]),
            ns(sandbox, vec![NsSource::Named { name: "netns-cee0f437-3924-3f85-a38f-64b964ad0d0e".into() }]),
        ],
        podman: PodmanObs {
            sandboxes: vec![PodmanSandboxObs {
                namespace: sandbox,
                container_ids: vec![WEB.into()],
                names: vec!["nvt-web".into()],
            }],
            ..Default::default()
        },
        ..Default::default()
    };
    let t = build(&obs);
    let n = t.namespace(4242).unwrap();
    assert_eq!((n.kind, n.label.as_str()), (NsKind::Podman, "nvt-web"));
    // No socket: no Podman line, no Podman section.
    assert!(t.docker.podman.is_none());

    let mut obs = obs;
    obs.podman.sandboxes[0].names.clear();
    let t = build(&obs);
    assert_eq!(t.namespace(4242).unwrap().label, "libpod-5347789bd3b2");
}

#[test]
fn cgroups_and_conmon_name_podman_containers() {
    let cg = format!(
        "9:name=systemd:/libpod_parent/libpod-{WEB}\n0::/machine.slice/libpod-{INFRA}.scope\n1:pids:/libpod_parent/conmon\n2:cpu:/machine.slice/libpod-conmon-{WEB}.scope\n"
    );
    let ids: Vec<String> = podman::libpod_ids(&cg).into_iter().collect();
    assert_eq!(ids, [INFRA.to_string(), WEB.to_string()]);
    assert!(podman::libpod_ids("0::/system.slice/docker-abc.scope\n").is_empty());
    let cmd = format!("/usr/bin/conmon\0--api-version\x001\0-c\0{WEB}\0-u\0{WEB}\0-n\0nvt-web\0--exit-dir\0/x\0");
    assert_eq!(podman::conmon_names(cmd.as_bytes()), Some((WEB.to_string(), "nvt-web".to_string())));
}

#[test]
fn http_answers_are_read_chunked_or_not() {
    let plain = b"HTTP/1.1 200 OK\r\nLibpod-Api-Version: 4.3.1\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK";
    let r = podman::parse_response(plain).unwrap();
    assert_eq!(r.header("libpod-api-version").as_deref(), Some("4.3.1"));
    assert_eq!(r.body, b"OK");
    let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[{}]\r\n3\r\n,{}\r\n0\r\n\r\n";
    assert_eq!(podman::parse_response(chunked).unwrap().body, b"[{}],{}");
    let err = podman::parse_response(b"HTTP/1.1 404 Not Found\r\n\r\nno such thing").err().unwrap();
    assert!(err.contains("404"), "{err}");
    assert!(podman::parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err());
}

#[test]
fn no_socket_costs_nothing_and_says_nothing() {
    let start = std::time::Instant::now();
    let p = podman::read("/nonexistent/podman.sock", std::time::Duration::from_secs(1));
    assert!(p.socket.is_none() && !p.engine.available && p.engine.error.is_none());
    assert!(start.elapsed() < std::time::Duration::from_millis(500));
}

#[test]
fn the_podman_collector_only_reads() {
    let src = std::fs::read_to_string(format!("{}/src/collect/podman.rs", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let requests: Vec<&str> = src.lines().filter(|l| l.contains("HTTP/1.1\\r\\n")).collect();
    assert_eq!(requests.len(), 1, "one place builds a request: {requests:?}");
    assert!(requests[0].contains("\"GET {path} HTTP/1.1"), "{requests:?}");
    for verb in ["\"POST ", "\"DELETE ", "\"PUT "] {
        assert!(!src.contains(verb), "{verb}");
    }
}

/// Recorded inside the harness (tests/fixtures/podman/README.md): nvt-pa on `podman`, nvt-pc on
/// nvt-pnet-a, nvt-pi and nvt-pr (given a default route by hand) on the --internal nvt-pnet-i,
/// whose bridge podman2 netavark left with IPv4 forwarding off.
fn internal_topology() -> Topology {
    let obs: Observation = json("internal-observation.json");
    build(&obs)
}

fn path(t: &Topology, from: &str, to: &str) -> netview::model::reach::PathReport {
    use netview::model::reach;
    let from = reach::resolve(t, from).unwrap();
    let to = reach::resolve(t, to).unwrap();
    reach::path(t, reach::Firewall::from(&t.firewall), from, to, "icmp", None)
}

#[test]
fn interface_forwarding_is_read_from_the_link_dump() {
    let t = internal_topology();
    let host = t.host_namespace().unwrap();
    let fwd = |name: &str| host.interface_named(name).and_then(|i| i.ipv4_forwarding);
    assert_eq!(fwd("podman2"), Some(false), "the --internal network's bridge");
    assert_eq!((fwd("podman0"), fwd("podman1")), (Some(true), Some(true)));
}

/// What the pings said when this was recorded (`ping -c 1` from each container): nvt-pa → nvt-pc
/// answered; nvt-pa → nvt-pi, nvt-pr → nvt-pa and nvt-pi → nvt-pa did not, and the first two
/// did once podman2's forwarding was set to 1 by hand.
#[test]
fn an_internal_networks_bridge_does_not_forward_either_way() {
    use netview::model::reach::Reach;
    let t = internal_topology();
    // The request gets in (podman0 forwards), the reply does not get out of podman2.
    let r = path(&t, "nvt-pa", "nvt-pi");
    assert_eq!(r.verdict, Reach::Blocked, "{r:?}");
    let why = r.reason.clone().unwrap_or_default();
    assert!(why.contains("the reply is dropped") && why.contains("net.ipv4.conf.podman2.forwarding = 0"), "{why}");
    assert!(why.contains("--internal network, here nvt-pnet-i"), "{why}");
    assert!(r.hops.iter().any(|h| h.text.contains("delivered to 10.89.1.2 in nvt-pi")), "{:?}", r.hops);
    // A route out of the internal network (added by hand) meets the same bridge on the way in.
    let r = path(&t, "nvt-pr", "nvt-pa");
    assert_eq!(r.verdict, Reach::Blocked, "{r:?}");
    let why = r.reason.clone().unwrap_or_default();
    assert!(why.contains("does not forward IPv4 packets that arrive on podman2"), "{why}");
    // Without a route there is nothing to forward.
    let r = path(&t, "nvt-pi", "nvt-pa");
    assert!(r.reason.as_deref().is_some_and(|w| w.contains("no route")), "{r:?}");
    // Between two networks that forward, and from the host itself (nothing forwarded).
    assert_eq!(path(&t, "nvt-pa", "nvt-pc").verdict, Reach::Reachable);
    assert_eq!(path(&t, "host", "nvt-pi").verdict, Reach::Reachable);
    assert_eq!(path(&t, "nvt-pr", "nvt-pi").verdict, Reach::Reachable);
}

#[test]
fn the_reply_note_names_netavark_for_podmans_rules() {
    let t = internal_topology();
    let r = path(&t, "nvt-pa", "nvt-pc");
    assert!(
        r.limits.iter().any(|l| l == "replies are assumed allowed (netavark accepts RELATED,ESTABLISHED traffic)"),
        "{:?}",
        r.limits
    );
    assert!(!r.limits.iter().any(|l| l.contains("Docker")), "{:?}", r.limits);
}

/// A one-request API on a unix socket that answers `/_ping` with `headers`.
fn fake_api(dir: &std::path::Path, name: &str, headers: &'static str) -> String {
    use std::io::{Read, Write};
    let path = dir.join(name);
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = write!(s, "HTTP/1.1 200 OK\r\n{headers}Content-Length: 2\r\n\r\nOK");
        }
    });
    path.to_string_lossy().into_owned()
}

#[test]
fn docker_host_at_podmans_socket_is_read_once_as_podman() {
    use podman::DockerSocket;
    use std::time::Duration;
    let dir = std::env::temp_dir().join(format!("nvt-podb-sock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let budget = Duration::from_secs(2);
    // The same socket, by its path or through a link (podman-docker's /run/docker.sock): no request.
    let podman_sock = dir.join("podman.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&podman_sock).unwrap();
    let podman_sock = podman_sock.to_string_lossy().into_owned();
    let link = dir.join("docker.sock");
    std::os::unix::fs::symlink(&podman_sock, &link).unwrap();
    let link = link.to_string_lossy().into_owned();
    assert_eq!(podman::check_socket(&podman_sock, &podman_sock, budget), DockerSocket::Podman(podman_sock.clone()));
    assert_eq!(podman::check_socket(&link, &podman_sock, budget), DockerSocket::Podman(link.clone()));
    // Another path: its /_ping says who answers (Podman 4.3's headers, Docker 28's).
    let libpod = fake_api(
        &dir,
        "libpod.sock",
        "Api-Version: 1.41\r\nLibpod-Api-Version: 4.3.1\r\nServer: Libpod/4.3.1 (linux)\r\n",
    );
    assert_eq!(podman::check_socket(&libpod, &podman_sock, budget), DockerSocket::Podman(libpod.clone()));
    let docker = fake_api(
        &dir,
        "dockerd.sock",
        "Api-Version: 1.51\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/28.5.1 (linux)\r\n",
    );
    assert_eq!(podman::check_socket(&docker, &podman_sock, budget), DockerSocket::Docker);
    // Nothing there: Docker's reader says so, as before.
    assert_eq!(podman::check_socket("/nonexistent/docker.sock", &podman_sock, budget), DockerSocket::Docker);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_podman_read_at_dockers_socket_is_labelled_so() {
    let mut p = podman_obs();
    p.as_docker = Some("/var/run/docker.sock".into());
    let obs = Observation { podman: p, ..Default::default() };
    let t = build(&obs);
    let view = t.docker.podman.as_ref().expect("podman");
    assert_eq!(view.as_docker.as_deref(), Some("/var/run/docker.sock"));
    // Each container once, as Podman's.
    let mut names: Vec<&str> = t.docker.containers.iter().map(|c| c.name.as_str()).collect();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n);
    assert!(t.docker.containers.iter().all(|c| c.engine == Engine::Podman));
}

#[test]
fn a_bridge_that_does_not_forward_says_so_in_its_details() {
    let t = internal_topology();
    let host = t.host_namespace().unwrap();
    let theme = netview::ui::theme::theme(netview::app::ThemeName::Default);
    let text = |name: &str| {
        let i = host.interface_named(name).unwrap();
        let id = netview::app::NodeId::Interface { ns: host.inode, ifindex: i.ifindex };
        netview::ui::details::lines(&t, &id, &theme)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(text("podman2").contains("IPv4 off (net.ipv4.conf.podman2.forwarding = 0)"), "{}", text("podman2"));
    assert!(!text("podman0").contains("forwarding"), "{}", text("podman0"));
}

#[test]
fn the_tree_says_which_engine_a_network_or_container_is() {
    use netview::app::{Group, NodeId, tree::all_rows};
    let t = topology(Ruleset::default());
    let rows = all_rows(&t);
    let group = rows.iter().find(|r| r.id == NodeId::Group(Group::Networks)).expect("a networks group without Docker");
    assert_eq!(group.text, "Podman networks");
    let net = rows.iter().find(|r| r.text == "podman").expect("the podman network row");
    assert!(net.detail.ends_with("[podman]"), "{net:?}");
    let web = rows.iter().find(|r| r.text == "nvt-web").expect("nvt-web's row");
    assert!(web.detail.ends_with("[podman]"), "{web:?}");
    // Beside Docker, the group names both engines and Docker's rows stay as they were.
    let mut both = t.clone();
    both.docker.available = true;
    let rows = all_rows(&both);
    let group = rows.iter().find(|r| r.id == NodeId::Group(Group::Networks)).unwrap();
    assert_eq!(group.text, "Docker and Podman networks");
}
