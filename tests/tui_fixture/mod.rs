//! A realistic host for the TUI tests, built by hand as an `Observation` (what the collectors
//! would have read), plus helpers to drive `App` deterministically: one base `Instant`, fixed
//! clock strings, counter samples that grow at known rates.
//!
//! The host `lab-host`:
//! - `eth0` (192.168.122.15/24) holding the default route via 192.168.122.1;
//! - `docker0` with one port: container `web` (nginx, publishes 8080→80), whose namespace the
//!   sidecar `web-logs` joined (`--network container:web`);
//! - the user network `shop` (bridge `br-3f1c9a7d2e11`) with `shop-web` and `shop-api`;
//! - the user network `backend` (bridge `br-9b2e6f0a4c7d`) with `shop-api` (its second network,
//!   `eth1`) and `shop-db`;
//! - `node-exporter` in host mode, `batch-job` in none mode, `old-redis` stopped;
//! - the plain bridge `lab-br0` with the named namespaces `red` and `blue` behind it;
//! - the named namespaces `left` and `right` joined directly by the veth pair `l0` ⇄ `r0`.
#![allow(dead_code)]

use netview::app::update::on_update;
use netview::app::{App, NodeId, ThemeName};
use netview::live::Update;
use netview::model::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const DEV: u64 = 4;
pub const HOST: u64 = 4026531840;
pub const WEB: u64 = 4026532301;
pub const SHOP_WEB: u64 = 4026532388;
pub const SHOP_API: u64 = 4026532412;
pub const SHOP_DB: u64 = 4026532467;
pub const BATCH: u64 = 4026532503;
pub const RED: u64 = 4026532601;
pub const BLUE: u64 = 4026532662;
pub const LEFT: u64 = 4026532710;
pub const RIGHT: u64 = 4026532774;
/// Added by `with_additions`.
pub const ADMIN: u64 = 4026532820;
pub const ETL: u64 = 4026532871;

pub const BRIDGE_NET: &str = "e548a7c85ea2cada965200205d6086c9afbe763e7d00d6d7c4ff33d45f582009";
pub const HOST_NET: &str = "8f2d1c0b6a4e93f5d7c2b1a0e9f8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0";
pub const NONE_NET: &str = "51c0e7a9d3b2f4e6a8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4";
pub const SHOP_NET: &str = "3f1c9a7d2e11b5c8a4f60e2d9b7c13a5e8f04d6b2c9a71e3f5d80b4a6c2e9f17";
pub const BACKEND_NET: &str = "9b2e6f0a4c7d18e3b5a9f2c6d0e47b1a3c8f5e2d9b6a0c4e7f1d3b8a5c2e6f90";
pub const ANALYTICS_NET: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9011223344556677889900aabbccddeeff";

pub const WEB_ID: &str = "1b6e0d3c9f2a84e57c1d0b9a3f6e2d8c4b7a0f1e5d9c3b8a2f7e6d1c0b4a9e3f";
pub const WEB_LOGS_ID: &str = "7c4d2e9f1a0b3c5d8e6f2a1b9c0d4e7f3a5b8c2d6e0f1a9b4c7d3e5f2a8b0c6d";
pub const SHOP_WEB_ID: &str = "5c2a7f9e1d04b3a8c6e2f0d9b7a51c3e8f4d2b6a0c9e7f1d3b5a8c2e4f6d0b1a";
pub const SHOP_API_ID: &str = "a9e4b71c03d8f2e6a5b0c9d1e3f7a2b4c8d6e0f5a1b3c7d9e2f4a6b8c0d5e1f3";
pub const SHOP_DB_ID: &str = "e07d5b2f8a61c4e9b3d0a7f2c5e8b1d4a6f9c2e0b3d5a8f1c4e7b0d2a9f6c3e5";
pub const NODE_EXPORTER_ID: &str = "2f8b6d4a0c9e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a5c7e9b2d";
pub const BATCH_ID: &str = "0f3b9c6e2a7d5b1f8c4e0a9d3b6f2c8e1a5d7b0f4c9e2a6d8b3f1c5e7a0d9b4f";
pub const OLD_REDIS_ID: &str = "c3a1e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1";
pub const ADMIN_ID: &str = "0aa1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1";
pub const ETL_ID: &str = "4e7b1d9c3a5f8e2b6d0c4a7f1e3b9d5c8a2f6e0b4d7c1a3f9e5b2d8c6a0f4e1b";

pub const CLOCK: &str = "14:03:21 UTC";
pub const CLOCKS: [&str; 4] = ["14:03:21 UTC", "14:03:22 UTC", "14:03:23 UTC", "14:03:24 UTC"];

// ---------------------------------------------------------------------------------------------
// Time

/// The one base instant every test instant is derived from.
pub fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// `base() + secs`.
pub fn at(secs: u64) -> Instant {
    base() + Duration::from_secs(secs)
}

// ---------------------------------------------------------------------------------------------
// Traffic: every link's counters at second `t` since the base instant

/// (namespace inode, ifindex) → (counters at t = 0, growth per second). Veth ends mirror each
/// other: what one end sends, the other receives.
fn traffic(ns: u64, ifindex: u32) -> (Stats, Stats) {
    let s = |rx_bytes, tx_bytes, rx_packets, tx_packets| Stats {
        rx_bytes,
        tx_bytes,
        rx_packets,
        tx_packets,
        ..Default::default()
    };
    match (ns, ifindex) {
        (HOST, 2) => (
            Stats { rx_errors: 0, rx_dropped: 12, ..s(9_876_543_210, 1_234_567_890, 7_654_321, 2_345_678) },
            s(524_288, 65_536, 410, 160),
        ),
        (HOST, 3) => (s(1_048_576, 52_428_800, 9_800, 38_000), s(0, 0, 0, 0)),
        (HOST, 8) | (WEB, 7) => {
            // The host end of web's pair receives what web sends.
            let (host_rx, host_tx) = (s(3_145_728, 88_080_384, 24_576, 61_440), s(2_048, 40_960, 16, 30));
            if ns == HOST { (host_rx, host_tx) } else { (swap(host_rx), swap(host_tx)) }
        }
        (HOST, 12) | (SHOP_API, 11) => {
            let (h, d) = (s(73_400_320, 12_582_912, 51_200, 30_720), s(153_600, 20_480, 110, 50));
            if ns == HOST { (h, d) } else { (swap(h), swap(d)) }
        }
        (HOST, 14) | (SHOP_API, 13) => {
            let (h, d) = (s(4_194_304, 157_286_400, 20_480, 110_592), s(8_192, 409_600, 20, 300));
            if ns == HOST { (h, d) } else { (swap(h), swap(d)) }
        }
        (HOST, 16) | (SHOP_DB, 15) => {
            let (h, d) = (s(157_286_400, 4_194_304, 110_592, 20_480), s(409_600, 8_192, 300, 20));
            if ns == HOST { (h, d) } else { (swap(h), swap(d)) }
        }
        (_, 1) => (s(4_096, 4_096, 48, 48), s(0, 0, 0, 0)),
        (_, i) => {
            (s(65_536 * u64::from(i), 32_768 * u64::from(i), 400 * u64::from(i), 200 * u64::from(i)), s(0, 0, 0, 0))
        }
    }
}

fn swap(s: Stats) -> Stats {
    Stats {
        rx_bytes: s.tx_bytes,
        tx_bytes: s.rx_bytes,
        rx_packets: s.tx_packets,
        tx_packets: s.rx_packets,
        rx_errors: s.tx_errors,
        tx_errors: s.rx_errors,
        rx_dropped: s.tx_dropped,
        tx_dropped: s.rx_dropped,
    }
}

/// A link's counters `t` seconds after the base instant.
pub fn stats_at(ns: u64, ifindex: u32, t: u64) -> Stats {
    let (b, g) = traffic(ns, ifindex);
    Stats {
        rx_bytes: b.rx_bytes + g.rx_bytes * t,
        tx_bytes: b.tx_bytes + g.tx_bytes * t,
        rx_packets: b.rx_packets + g.rx_packets * t,
        tx_packets: b.tx_packets + g.tx_packets * t,
        rx_errors: b.rx_errors + g.rx_errors * t,
        tx_errors: b.tx_errors + g.tx_errors * t,
        rx_dropped: b.rx_dropped + g.rx_dropped * t,
        tx_dropped: b.tx_dropped + g.tx_dropped * t,
    }
}

// ---------------------------------------------------------------------------------------------
// Builders

fn id(inode: u64) -> NsIdentity {
    NsIdentity { dev: DEV, inode }
}

fn link(ns: u64, ifindex: u32, name: &str, kind: Option<&str>, mac: Option<&str>, addrs: &[&str]) -> LinkObs {
    LinkObs {
        ifindex,
        name: name.into(),
        kind: kind.map(Into::into),
        mac: mac.map(Into::into),
        mtu: Some(1500),
        state: "up".into(),
        master: None,
        link: None,
        link_netnsid: None,
        vxlan: None,
        stats: Some(stats_at(ns, ifindex, 0)),
        addresses: addrs.iter().map(|a| a.to_string()).collect(),
        ipv4_forwarding: None,
        ipv6_forwarding: None,
    }
}

fn lo(ns: u64) -> LinkObs {
    LinkObs { state: "unknown".into(), mtu: Some(65536), ..link(ns, 1, "lo", None, None, &["127.0.0.1/8", "::1/128"]) }
}

fn bridge(ifindex: u32, name: &str, mac: &str, addrs: &[&str]) -> LinkObs {
    link(HOST, ifindex, name, Some("bridge"), Some(mac), addrs)
}

/// A veth end in `ns`: IFLA_MASTER `master`, IFLA_LINK `peer` in the namespace this one calls `nsid`.
#[allow(clippy::too_many_arguments)]
fn veth(
    ns: u64,
    ifindex: u32,
    name: &str,
    mac: &str,
    addrs: &[&str],
    master: Option<u32>,
    peer: u32,
    nsid: i32,
) -> LinkObs {
    LinkObs {
        master,
        link: Some(peer),
        link_netnsid: Some(nsid),
        ..link(ns, ifindex, name, Some("veth"), Some(mac), addrs)
    }
}

fn route(destination: &str, gateway: Option<&str>, oif: u32) -> RouteObs {
    RouteObs { destination: destination.into(), gateway: gateway.map(Into::into), oif: Some(oif) }
}

fn namespace(inode: u64, path: &str, source: NsSource, links: Vec<LinkObs>) -> NamespaceObs {
    NamespaceObs {
        id: id(inode),
        paths: vec![path.into()],
        sources: vec![source],
        links,
        routes: vec![],
        nsids: BTreeMap::new(),
        listening: Vec::new(),
    }
}

fn docker_ns(inode: u64, sandbox: &str, mut links: Vec<LinkObs>, routes: Vec<RouteObs>) -> NamespaceObs {
    links.insert(0, lo(inode));
    let mut n =
        namespace(inode, &format!("/run/docker/netns/{sandbox}"), NsSource::Docker { name: sandbox.into() }, links);
    n.routes = routes;
    n.nsids.insert(0, id(HOST));
    n
}

fn named(inode: u64, name: &str, mut links: Vec<LinkObs>, routes: Vec<RouteObs>) -> NamespaceObs {
    links.insert(0, lo(inode));
    let mut n = namespace(inode, &format!("/run/netns/{name}"), NsSource::Named { name: name.into() }, links);
    n.routes = routes;
    n
}

fn endpoint(
    network: &str,
    network_id: &str,
    ipv4: Option<&str>,
    mac: Option<&str>,
    gateway: Option<&str>,
) -> EndpointObs {
    EndpointObs {
        network: network.into(),
        network_id: Some(network_id.into()),
        endpoint_id: ipv4.map(|_| format!("{}{}", &network_id[..8], "d41c7e02b9f35a6e8c10")),
        ipv4: ipv4.map(Into::into),
        ipv6: None,
        mac: mac.map(Into::into),
        gateway: gateway.map(Into::into),
        ipv6_gateway: None,
        aliases: vec![],
        dns_names: vec![],
    }
}

#[allow(clippy::too_many_arguments)]
fn container(
    id_: &str,
    name: &str,
    image: &str,
    state: &str,
    mode: &str,
    ns: Option<u64>,
    pid: Option<u32>,
    endpoints: Vec<EndpointObs>,
) -> ContainerObs {
    let running = state == "running";
    ContainerObs {
        id: id_.into(),
        name: name.into(),
        image: Some(image.into()),
        state: state.into(),
        network_mode: mode.into(),
        sandbox_key: (running && mode != "host" && !mode.starts_with("container:"))
            .then(|| format!("/var/run/docker/netns/{}", &id_[..12])),
        pid: if running { pid } else { None },
        namespace: if running { ns.map(id) } else { None },
        endpoints,
        ports: vec![],
        labels: BTreeMap::new(),
        port_bindings: None,
    }
}

fn network(
    id_: &str,
    name: &str,
    driver: &str,
    pools: &[(&str, Option<&str>)],
    bridge: Option<&str>,
) -> DockerNetworkObs {
    let mut options = BTreeMap::new();
    if let Some(b) = bridge {
        options.insert("com.docker.network.bridge.name".to_string(), b.to_string());
        options.insert("com.docker.network.bridge.enable_icc".to_string(), "true".to_string());
        options.insert("com.docker.network.bridge.enable_ip_masquerade".to_string(), "true".to_string());
    }
    if name == "bridge" {
        // As a real engine marks its default network (tests/fixtures/docker/networks.json).
        options.insert("com.docker.network.bridge.default_bridge".to_string(), "true".to_string());
    }
    DockerNetworkObs {
        id: id_.into(),
        name: name.into(),
        driver: driver.into(),
        scope: "local".into(),
        internal: false,
        attachable: false,
        ipv6: false,
        ipam_driver: Some("default".into()),
        pools: pools
            .iter()
            .map(|(s, g)| IpamPoolObs { subnet: Some(s.to_string()), gateway: g.map(Into::into), ip_range: None })
            .collect(),
        options,
        labels: BTreeMap::new(),
    }
}

fn compose(mut n: DockerNetworkObs, project: &str) -> DockerNetworkObs {
    n.labels.insert("com.docker.compose.project".into(), project.into());
    n.labels.insert("com.docker.compose.network".into(), n.name.trim_start_matches("shop_").into());
    n
}

// ---------------------------------------------------------------------------------------------
// The host

pub fn host_facts(uid: u32) -> HostFacts {
    HostFacts {
        hostname: Some("lab-host".into()),
        kernel: Some("6.1.0-18-amd64".into()),
        os: Some("Debian GNU/Linux 12 (bookworm)".into()),
        uid,
    }
}

fn host_ns() -> NamespaceObs {
    let links = vec![
        lo(HOST),
        link(HOST, 2, "eth0", None, Some("52:54:00:6b:3c:1e"), &["192.168.122.15/24", "fe80::5054:ff:fe6b:3c1e/64"]),
        bridge(3, "docker0", "02:42:5f:1e:9a:c3", &["172.17.0.1/16", "fe80::42:5fff:fe1e:9ac3/64"]),
        bridge(4, "br-3f1c9a7d2e11", "02:42:8d:44:07:b2", &["172.18.0.1/16", "fe80::42:8dff:fe44:7b2/64"]),
        bridge(5, "br-9b2e6f0a4c7d", "02:42:c1:0e:73:5a", &["172.19.0.1/16", "fe80::42:c1ff:fe0e:735a/64"]),
        bridge(6, "lab-br0", "6e:1f:2a:9b:04:c7", &["10.250.0.254/24"]),
        veth(HOST, 8, "vethd329e53", "9a:3c:11:e0:4f:28", &["fe80::983c:11ff:fee0:4f28/64"], Some(3), 7, 0),
        veth(HOST, 10, "veth6a1f0b2", "be:71:05:2c:d8:93", &[], Some(4), 9, 1),
        veth(HOST, 12, "veth0c95e7d", "0e:b4:6a:91:3f:d2", &[], Some(4), 11, 2),
        veth(HOST, 14, "veth7e4b2a9", "f6:28:9d:e1:70:4b", &[], Some(5), 13, 2),
        veth(HOST, 16, "vethf18c3d0", "3e:c9:57:0a:b6:1f", &[], Some(5), 15, 3),
        veth(HOST, 18, "veth-red", "72:0d:e4:19:a8:36", &[], Some(6), 2, 5),
        veth(HOST, 19, "veth-blue", "c2:5b:90:7f:13:e8", &[], Some(6), 2, 6),
    ];
    let mut h = NamespaceObs {
        id: id(HOST),
        paths: vec!["/proc/1/ns/net".into()],
        sources: vec![NsSource::Host],
        links,
        routes: vec![
            route("default", Some("192.168.122.1"), 2),
            route("10.250.0.0/24", None, 6),
            route("172.17.0.0/16", None, 3),
            route("172.18.0.0/16", None, 4),
            route("172.19.0.0/16", None, 5),
            route("192.168.122.0/24", None, 2),
        ],
        nsids: BTreeMap::new(),
        listening: Vec::new(),
    };
    for (nsid, inode) in [(0, WEB), (1, SHOP_WEB), (2, SHOP_API), (3, SHOP_DB), (4, BATCH), (5, RED), (6, BLUE)] {
        h.nsids.insert(nsid, id(inode));
    }
    h
}

fn namespaces() -> Vec<NamespaceObs> {
    let web = docker_ns(
        WEB,
        "1b6e0d3c9f2a",
        vec![veth(WEB, 7, "eth0", "02:42:ac:11:00:02", &["172.17.0.2/16"], None, 8, 0)],
        vec![route("default", Some("172.17.0.1"), 7), route("172.17.0.0/16", None, 7)],
    );
    let shop_web = docker_ns(
        SHOP_WEB,
        "5c2a7f9e1d04",
        vec![veth(SHOP_WEB, 9, "eth0", "02:42:ac:12:00:02", &["172.18.0.2/16"], None, 10, 0)],
        vec![route("default", Some("172.18.0.1"), 9), route("172.18.0.0/16", None, 9)],
    );
    let shop_api = docker_ns(
        SHOP_API,
        "a9e4b71c03d8",
        vec![
            veth(SHOP_API, 11, "eth0", "02:42:ac:12:00:03", &["172.18.0.3/16"], None, 12, 0),
            veth(SHOP_API, 13, "eth1", "02:42:ac:13:00:02", &["172.19.0.2/16"], None, 14, 0),
        ],
        vec![
            route("default", Some("172.18.0.1"), 11),
            route("172.18.0.0/16", None, 11),
            route("172.19.0.0/16", None, 13),
        ],
    );
    let shop_db = docker_ns(
        SHOP_DB,
        "e07d5b2f8a61",
        vec![veth(SHOP_DB, 15, "eth0", "02:42:ac:13:00:03", &["172.19.0.3/16"], None, 16, 0)],
        vec![route("default", Some("172.19.0.1"), 15), route("172.19.0.0/16", None, 15)],
    );
    let mut batch = docker_ns(BATCH, "0f3b9c6e2a7d", vec![], vec![]);
    batch.nsids.clear();
    let mut red = named(
        RED,
        "red",
        vec![veth(
            RED,
            2,
            "eth0",
            "5a:1b:c6:b8:8c:51",
            &["10.250.0.1/24", "fe80::581b:c6ff:feb8:8c51/64"],
            None,
            18,
            0,
        )],
        vec![route("default", Some("10.250.0.254"), 2), route("10.250.0.0/24", None, 2)],
    );
    red.nsids.insert(0, id(HOST));
    let mut blue = named(
        BLUE,
        "blue",
        vec![veth(BLUE, 2, "eth0", "a6:44:0e:3d:92:7b", &["10.250.0.2/24"], None, 19, 0)],
        vec![route("default", Some("10.250.0.254"), 2), route("10.250.0.0/24", None, 2)],
    );
    blue.nsids.insert(0, id(HOST));
    let mut left = named(
        LEFT,
        "left",
        vec![veth(LEFT, 2, "l0", "8e:21:f4:6c:0b:95", &["10.99.0.1/30"], None, 2, 0)],
        vec![route("10.99.0.0/30", None, 2)],
    );
    left.nsids.insert(0, id(RIGHT));
    let mut right = named(
        RIGHT,
        "right",
        vec![veth(RIGHT, 2, "r0", "2a:d7:5e:83:c1:60", &["10.99.0.2/30"], None, 2, 0)],
        vec![route("10.99.0.0/30", None, 2)],
    );
    right.nsids.insert(0, id(LEFT));
    vec![host_ns(), web, shop_web, shop_api, shop_db, batch, red, blue, left, right]
}

fn docker() -> DockerObs {
    let networks = vec![
        network(BRIDGE_NET, "bridge", "bridge", &[("172.17.0.0/16", Some("172.17.0.1"))], Some("docker0")),
        network(HOST_NET, "host", "host", &[], None),
        network(NONE_NET, "none", "null", &[], None),
        compose(network(SHOP_NET, "shop", "bridge", &[("172.18.0.0/16", Some("172.18.0.1"))], None), "shop"),
        // Docker left the gateway empty: netview derives it from the bridge's address.
        compose(network(BACKEND_NET, "backend", "bridge", &[("172.19.0.0/16", None)], None), "shop"),
    ];
    let mut web = container(
        WEB_ID,
        "web",
        "nginx:1.25-alpine",
        "running",
        "bridge",
        Some(WEB),
        Some(2817),
        vec![endpoint("bridge", BRIDGE_NET, Some("172.17.0.2/16"), Some("02:42:ac:11:00:02"), Some("172.17.0.1"))],
    );
    web.ports = vec![
        PortObs { container_port: 80, protocol: "tcp".into(), host_ip: Some("0.0.0.0".into()), host_port: Some(8080) },
        PortObs { container_port: 80, protocol: "tcp".into(), host_ip: Some("::".into()), host_port: Some(8080) },
        PortObs { container_port: 443, protocol: "tcp".into(), host_ip: None, host_port: None },
    ];
    let web_logs = container(
        WEB_LOGS_ID,
        "web-logs",
        "busybox:1.36",
        "running",
        &format!("container:{WEB_ID}"),
        Some(WEB),
        Some(2990),
        vec![],
    );
    let shop_web = container(
        SHOP_WEB_ID,
        "shop-web",
        "shop/frontend:2.3.1",
        "running",
        "shop",
        Some(SHOP_WEB),
        Some(3120),
        vec![endpoint("shop", SHOP_NET, Some("172.18.0.2/16"), Some("02:42:ac:12:00:02"), Some("172.18.0.1"))],
    );
    let shop_api = container(
        SHOP_API_ID,
        "shop-api",
        "shop/api:2.3.1",
        "running",
        "shop",
        Some(SHOP_API),
        Some(3188),
        vec![
            endpoint("shop", SHOP_NET, Some("172.18.0.3/16"), Some("02:42:ac:12:00:03"), Some("172.18.0.1")),
            endpoint("backend", BACKEND_NET, Some("172.19.0.2/16"), Some("02:42:ac:13:00:02"), Some("172.19.0.1")),
        ],
    );
    let shop_db = container(
        SHOP_DB_ID,
        "shop-db",
        "postgres:16.2",
        "running",
        "backend",
        Some(SHOP_DB),
        Some(3302),
        vec![endpoint("backend", BACKEND_NET, Some("172.19.0.3/16"), Some("02:42:ac:13:00:03"), Some("172.19.0.1"))],
    );
    let node_exporter = container(
        NODE_EXPORTER_ID,
        "node-exporter",
        "prom/node-exporter:v1.7.0",
        "running",
        "host",
        Some(HOST),
        Some(1544),
        vec![endpoint("host", HOST_NET, None, None, None)],
    );
    let batch = container(
        BATCH_ID,
        "batch-job",
        "netview-test/busybox:latest",
        "running",
        "none",
        Some(BATCH),
        Some(3411),
        vec![endpoint("none", NONE_NET, None, None, None)],
    );
    let old_redis = container(
        OLD_REDIS_ID,
        "old-redis",
        "redis:7.2",
        "exited",
        "shop",
        None,
        None,
        vec![endpoint("shop", SHOP_NET, None, None, None)],
    );
    DockerObs {
        available: true,
        error: None,
        engine_version: Some("20.10.24+dfsg1".into()),
        api_version: Some("1.41".into()),
        networks,
        containers: vec![web, web_logs, shop_web, shop_api, shop_db, node_exporter, batch, old_redis],
    }
}

/// The full realistic host, as root with Docker up.
pub fn observation() -> Observation {
    Observation {
        host: host_facts(0),
        namespaces: namespaces(),
        docker: docker(),
        firewall: firewall(),
        notes: vec![],
        skipped_namespaces: 0,
        podman: Default::default(),
    }
}

/// The same host with the Docker engine unreachable: its sandboxes are still read from netlink.
pub fn docker_down() -> Observation {
    let mut o = observation();
    o.docker = DockerObs {
        available: false,
        error: Some(
            "cannot connect to the Docker engine at unix:///var/run/docker.sock: connection refused (is dockerd running? `systemctl start docker`)"
                .into(),
        ),
        ..Default::default()
    };
    o
}

/// The same host read by uid 1000: only the host's own namespace, with notes saying why.
pub fn not_root() -> Observation {
    let mut o = observation();
    o.host = host_facts(1000);
    o.namespaces.retain(|n| n.is_host());
    o.namespaces[0].nsids.clear();
    o.namespaces[0].paths = vec!["/proc/self/ns/net".into()];
    for c in &mut o.docker.containers {
        c.pid = None;
    }
    o.skipped_namespaces = 9;
    o.firewall = FirewallObs {
        ruleset: netview::model::firewall::Ruleset {
            sources: vec![netview::model::firewall::RulesetSource {
                backend: netview::model::firewall::Backend::IptablesNft,
                command: vec!["iptables-nft-save".into(), "-c".into()],
                status: netview::model::firewall::SourceStatus::Denied(
                    "reading firewall rules needs root (CAP_NET_ADMIN): iptables-nft-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)".into(),
                ),
            }],
            tables: vec![],
        },
        ..Default::default()
    };
    o.notes = vec![
        "9 network namespaces could not be entered: Operation not permitted (EPERM): run netview as root (entering a namespace needs CAP_SYS_ADMIN)".into(),
        "/run/docker/netns is not readable: Permission denied".into(),
    ];
    o
}

/// A host with nothing but lo, and no Docker engine installed.
pub fn empty_host() -> Observation {
    Observation {
        host: HostFacts { hostname: Some("bare".into()), ..host_facts(0) },
        namespaces: vec![NamespaceObs {
            id: id(HOST),
            paths: vec!["/proc/1/ns/net".into()],
            sources: vec![NsSource::Host],
            links: vec![lo(HOST)],
            routes: vec![],
            nsids: BTreeMap::new(),
            listening: Vec::new(),
        }],
        docker: DockerObs {
            available: false,
            error: Some(
                "no Docker engine at unix:///var/run/docker.sock (the socket does not exist): start dockerd, or pass --no-docker"
                    .into(),
            ),
            ..Default::default()
        },
        firewall: FirewallObs::default(),
        notes: vec![],
        skipped_namespaces: 0,
        podman: Default::default(),
    }
}

/// The fixture plus objects that sort *before* existing ones: the container `admin` on docker0
/// (its port `veth0a1b2c3` sorts before `vethd329e53`), and the network `analytics` (before
/// `backend`) with its bridge `br-0a1b2c3d4e5f` and container `etl`.
pub fn with_additions(mut o: Observation) -> Observation {
    let h = o.namespaces.iter_mut().find(|n| n.is_host()).expect("host namespace");
    h.links.push(bridge(20, "br-0a1b2c3d4e5f", "02:42:77:0b:51:e4", &["172.20.0.1/16"]));
    h.links.push(veth(HOST, 22, "veth0a1b2c3", "d2:0f:8b:45:e6:19", &[], Some(3), 21, 7));
    h.links.push(veth(HOST, 24, "veth5d8e1f7", "46:93:ac:2e:07:bd", &[], Some(20), 23, 8));
    h.nsids.insert(7, id(ADMIN));
    h.nsids.insert(8, id(ETL));
    o.namespaces.push(docker_ns(
        ADMIN,
        "0aa1d2e3f4a5",
        vec![veth(ADMIN, 21, "eth0", "02:42:ac:11:00:03", &["172.17.0.3/16"], None, 22, 0)],
        vec![route("default", Some("172.17.0.1"), 21)],
    ));
    o.namespaces.push(docker_ns(
        ETL,
        "4e7b1d9c3a5f",
        vec![veth(ETL, 23, "eth0", "02:42:ac:14:00:02", &["172.20.0.2/16"], None, 24, 0)],
        vec![route("default", Some("172.20.0.1"), 23)],
    ));
    o.docker.networks.push(network(
        ANALYTICS_NET,
        "analytics",
        "bridge",
        &[("172.20.0.0/16", Some("172.20.0.1"))],
        None,
    ));
    o.docker.containers.push(container(
        ADMIN_ID,
        "admin",
        "adminer:4.8.1",
        "running",
        "bridge",
        Some(ADMIN),
        Some(4001),
        vec![endpoint("bridge", BRIDGE_NET, Some("172.17.0.3/16"), Some("02:42:ac:11:00:03"), Some("172.17.0.1"))],
    ));
    o.docker.containers.push(container(
        ETL_ID,
        "etl",
        "shop/etl:0.9",
        "running",
        "analytics",
        Some(ETL),
        Some(4090),
        vec![endpoint(
            "analytics",
            ANALYTICS_NET,
            Some("172.20.0.2/16"),
            Some("02:42:ac:14:00:02"),
            Some("172.20.0.1"),
        )],
    ));
    o
}

/// The fixture without the container `shop-web`: its namespace, its veth pair and its record.
pub fn without_shop_web(mut o: Observation) -> Observation {
    o.namespaces.retain(|n| n.id.inode != SHOP_WEB);
    let h = o.namespaces.iter_mut().find(|n| n.is_host()).expect("host namespace");
    h.links.retain(|l| l.ifindex != 10);
    h.nsids.remove(&1);
    o.docker.containers.retain(|c| c.name != "shop-web");
    o
}

// ---------------------------------------------------------------------------------------------
// Updates and App

/// A full read of `observation` at second `secs`, every counter as it is at that second.
pub fn full(mut observation: Observation, secs: u64) -> Update {
    for n in &mut observation.namespaces {
        for l in &mut n.links {
            l.stats = Some(stats_at(n.id.inode, l.ifindex, secs));
        }
    }
    let reason = if secs == 0 { "start" } else { "docker event" };
    Update::Full { observation: Box::new(observation), sampled_at: at(secs), reason: reason.into() }
}

/// Counters of every interface of `o` at second `t`.
pub fn counters(o: &Observation, t: u64) -> Update {
    let samples = o
        .namespaces
        .iter()
        .flat_map(|n| n.links.iter().map(move |l| ((n.id.inode, l.ifindex), stats_at(n.id.inode, l.ifindex, t))))
        .collect();
    Update::Counters { samples, sampled_at: at(t) }
}

/// An app that has received one full read of `o` at the base instant.
pub fn app(o: Observation, theme: ThemeName) -> App {
    let mut app = App::new(base(), Duration::from_secs(1), theme);
    on_update(&mut app, full(o, 0), CLOCK);
    app
}

/// Two more counter samples, one and two seconds after the full read, so rates are known.
pub fn two_samples(app: &mut App, o: &Observation) {
    on_update(app, counters(o, 1), CLOCKS[1]);
    on_update(app, counters(o, 2), CLOCKS[2]);
}

/// Select a node by identity, failing when it has no row.
#[track_caller]
pub fn select(app: &mut App, id: NodeId) {
    assert!(app.rows.iter().any(|r| r.id == id), "no row for {id:?}; rows: {:#?}", row_texts(app));
    app.selected = Some(id);
}

pub fn row_texts(app: &App) -> Vec<String> {
    app.rows.iter().map(|r| format!("{}{}", "  ".repeat(usize::from(r.depth)), r.text)).collect()
}

pub fn host_if(ifindex: u32) -> NodeId {
    NodeId::Interface { ns: HOST, ifindex }
}

pub fn container_id(name: &str) -> NodeId {
    let id = match name {
        "web" => WEB_ID,
        "web-logs" => WEB_LOGS_ID,
        "shop-web" => SHOP_WEB_ID,
        "shop-api" => SHOP_API_ID,
        "shop-db" => SHOP_DB_ID,
        "node-exporter" => NODE_EXPORTER_ID,
        "batch-job" => BATCH_ID,
        "old-redis" => OLD_REDIS_ID,
        "admin" => ADMIN_ID,
        "etl" => ETL_ID,
        other => panic!("no container {other} in the fixture"),
    };
    NodeId::Container(id.into())
}

/// The text of a buffer, one string per line (wide characters' continuation cells skipped).
pub fn buffer_lines(buf: &ratatui::buffer::Buffer) -> Vec<String> {
    let w = usize::from(buf.area.width);
    buf.content
        .chunks(w)
        .map(|cells| {
            let mut s = String::new();
            let mut skip = 0usize;
            for c in cells {
                if skip == 0 {
                    s.push_str(c.symbol());
                }
                skip = skip.max(unicode_width::UnicodeWidthStr::width(c.symbol())).saturating_sub(1);
            }
            s
        })
        .collect()
}

/// Docker 20.10's rules for this host, and the docker-proxy processes serving web's port.
pub fn firewall() -> FirewallObs {
    use netview::model::firewall::*;
    let text = include_str!("../fixtures/firewall/tui-host.save");
    let (tables, problems) = netview::collect::firewall::iptables::parse(text, Backend::IptablesNft, Family::Ipv4);
    assert!(problems.is_empty(), "{problems:?}");
    let rules = tables.iter().flat_map(|t| &t.chains).map(|c| c.rules.len()).sum();
    let source = |program: &str, status| RulesetSource {
        backend: Backend::IptablesNft,
        command: vec![program.into(), "-c".into()],
        status,
    };
    let proxy = |pid, host_ip: &str| ProxyObs {
        pid,
        protocol: "tcp".into(),
        host_ip: host_ip.into(),
        host_port: 8080,
        container_ip: "172.17.0.2".into(),
        container_port: 80,
    };
    FirewallObs {
        ruleset: Ruleset {
            sources: vec![
                source("iptables-nft-save", SourceStatus::Read(rules)),
                source("ip6tables-nft-save", SourceStatus::Read(0)),
            ],
            tables,
        },
        proxies: vec![proxy(1873, "0.0.0.0"), proxy(1880, "::")],
        ip_forward: Some(true),
        bridge_nf_call_iptables: Some(true),
        // Two clients of web's published port, one done (TIME_WAIT), one still talking.
        conntrack: ConntrackObs {
            flows: [("192.168.122.1", 51514, "TIME_WAIT"), ("192.168.122.77", 40022, "ESTABLISHED")]
                .into_iter()
                .map(|(client, port, state)| NatFlow {
                    protocol: "tcp".into(),
                    state: Some(state.into()),
                    client: client.into(),
                    client_port: port,
                    dst: "192.168.122.10".into(),
                    dport: 8080,
                    to: "172.17.0.2".into(),
                    to_port: 80,
                })
                .collect(),
            error: None,
        },
    }
}
