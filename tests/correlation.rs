//! `netview::model::build` on hand-built observations: every join is by identity (MAC within a
//! namespace, ifindex + the observer's own nsid), never by interface names.

use netview::model::build::expected_bridge_name;
use netview::model::*;
use serde_json::Value;
use std::collections::BTreeMap;

// ---------------------------------------------------------------- builders

const DEV: u64 = 4;
const HOST: u64 = 4026531840;

const BRIDGE_NET_ID: &str = "e548a7c85ea2cada965200205d6086c9afbe763e7d00d6d7c4ff33d45f582009";
const USER_NET_ID: &str = "cbaa9a605b2d09609f72337bf935f23cc63c8b64540b509a1840943a3273a650";
const INTERNAL_NET_ID: &str = "1677cdc3907e2f9f5399211567838bc09dcb2bdad3f702a50a76ff2493ab7325";
const OV_NET_ID: &str = "tu1rb8tcud3aky796lyzqu0eu";

fn nsid(inode: u64) -> NsIdentity {
    NsIdentity { dev: DEV, inode }
}

fn link(ifindex: u32, name: &str) -> LinkObs {
    LinkObs {
        ifindex,
        name: name.into(),
        mtu: Some(1500),
        state: "up".into(),
        mac: Some(format!("02:00:00:00:{:02x}:{:02x}", ifindex >> 8, ifindex & 0xff)),
        stats: Some(Stats { rx_bytes: 100, tx_bytes: 200, rx_packets: 1, tx_packets: 2, ..Default::default() }),
        ..Default::default()
    }
}

fn lo() -> LinkObs {
    LinkObs { mac: None, kind: None, addresses: vec!["127.0.0.1/8".into()], state: "unknown".into(), ..link(1, "lo") }
}

fn bridge(ifindex: u32, name: &str) -> LinkObs {
    link(ifindex, name).kind("bridge")
}

fn veth(ifindex: u32, name: &str) -> LinkObs {
    link(ifindex, name).kind("veth")
}

/// Chaining setters for `LinkObs`.
trait LinkB: Sized {
    fn kind(self, kind: &str) -> Self;
    fn mac(self, mac: &str) -> Self;
    fn addr(self, cidr: &str) -> Self;
    fn master(self, ifindex: u32) -> Self;
    /// IFLA_LINK + IFLA_LINK_NETNSID (None: same namespace).
    fn to(self, ifindex: u32, nsid: Option<i32>) -> Self;
}

impl LinkB for LinkObs {
    fn kind(mut self, kind: &str) -> Self {
        self.kind = Some(kind.into());
        self
    }
    fn mac(mut self, mac: &str) -> Self {
        self.mac = Some(mac.into());
        self
    }
    fn addr(mut self, cidr: &str) -> Self {
        self.addresses.push(cidr.into());
        self
    }
    fn master(mut self, ifindex: u32) -> Self {
        self.master = Some(ifindex);
        self
    }
    fn to(mut self, ifindex: u32, nsid: Option<i32>) -> Self {
        self.link = Some(ifindex);
        self.link_netnsid = nsid;
        self
    }
}

fn ns(inode: u64, sources: Vec<NsSource>) -> NamespaceObs {
    NamespaceObs {
        id: nsid(inode),
        paths: vec![],
        sources,
        links: vec![lo()],
        routes: vec![],
        nsids: BTreeMap::new(),
        listening: vec![],
    }
}

/// The host namespace with lo and eth0 and a default route through eth0.
fn host() -> NamespaceObs {
    let mut h = ns(HOST, vec![NsSource::Host]);
    h.paths = vec!["/proc/self/ns/net".into()];
    h.links.push(link(2, "eth0").mac("02:fc:00:00:00:01").addr("192.0.2.2/24"));
    h.routes.push(RouteObs { destination: "default".into(), gateway: Some("192.0.2.1".into()), oif: Some(2) });
    h
}

fn named(inode: u64, name: &str) -> NamespaceObs {
    let mut n = ns(inode, vec![NsSource::Named { name: name.into() }]);
    n.paths = vec![format!("/run/netns/{name}")];
    n
}

fn docker_ns(inode: u64, name: &str) -> NamespaceObs {
    let mut n = ns(inode, vec![NsSource::Docker { name: name.into() }]);
    n.paths = vec![format!("/run/docker/netns/{name}")];
    n
}

/// Chaining setters for `NamespaceObs`.
trait NsB: Sized {
    fn with(self, l: LinkObs) -> Self;
    /// This namespace calls namespace `inode` by `id`.
    fn nsid(self, id: i32, inode: u64) -> Self;
}

impl NsB for NamespaceObs {
    fn with(mut self, l: LinkObs) -> Self {
        self.links.push(l);
        self
    }
    fn nsid(mut self, id: i32, inode: u64) -> Self {
        self.nsids.insert(id, nsid(inode));
        self
    }
}

/// A 64-hex container id made from the name.
fn cid(name: &str) -> String {
    let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{hex:0<64}")[..64].to_string()
}

fn container(name: &str, network_mode: &str, namespace: Option<u64>) -> ContainerObs {
    ContainerObs {
        id: cid(name),
        name: name.into(),
        image: Some("netview-test/busybox:latest".into()),
        state: "running".into(),
        network_mode: network_mode.into(),
        sandbox_key: namespace.map(|i| format!("/var/run/docker/netns/{i:x}")),
        pid: Some(1000),
        namespace: namespace.map(nsid),
        ..Default::default()
    }
}

fn ep(network: &str, ipv4: Option<&str>, mac: Option<&str>) -> EndpointObs {
    EndpointObs {
        network: network.into(),
        network_id: None,
        endpoint_id: None,
        ipv4: ipv4.map(Into::into),
        ipv6: None,
        mac: mac.map(Into::into),
        gateway: None,
        ipv6_gateway: None,
        aliases: vec![],
        dns_names: vec![],
    }
}

trait ContainerB: Sized {
    fn endpoint(self, e: EndpointObs) -> Self;
    fn state(self, s: &str) -> Self;
}

impl ContainerB for ContainerObs {
    fn endpoint(mut self, e: EndpointObs) -> Self {
        self.endpoints.push(e);
        self
    }
    fn state(mut self, s: &str) -> Self {
        self.state = s.into();
        self
    }
}

fn network(id: &str, name: &str, driver: &str) -> DockerNetworkObs {
    DockerNetworkObs {
        id: id.into(),
        name: name.into(),
        driver: driver.into(),
        scope: if driver == "overlay" { "swarm" } else { "local" }.into(),
        ipam_driver: Some("default".into()),
        ..Default::default()
    }
}

trait NetB: Sized {
    fn pool(self, subnet: &str, gateway: Option<&str>) -> Self;
    fn opt(self, k: &str, v: &str) -> Self;
}

impl NetB for DockerNetworkObs {
    fn pool(mut self, subnet: &str, gateway: Option<&str>) -> Self {
        self.pools.push(IpamPoolObs { subnet: Some(subnet.into()), gateway: gateway.map(Into::into), ip_range: None });
        self
    }
    fn opt(mut self, k: &str, v: &str) -> Self {
        self.options.insert(k.into(), v.into());
        self
    }
}

fn default_bridge() -> DockerNetworkObs {
    network(BRIDGE_NET_ID, "bridge", "bridge")
        .pool("172.17.0.0/16", None)
        .opt("com.docker.network.bridge.name", "docker0")
        .opt("com.docker.network.bridge.enable_icc", "true")
}

fn obs(namespaces: Vec<NamespaceObs>, networks: Vec<DockerNetworkObs>, containers: Vec<ContainerObs>) -> Observation {
    Observation {
        host: HostFacts {
            hostname: Some("testhost".into()),
            kernel: Some("6.1.0".into()),
            os: Some("Debian GNU/Linux 12".into()),
            uid: 0,
        },
        namespaces,
        docker: DockerObs {
            available: true,
            error: None,
            engine_version: Some("20.10.24+dfsg1".into()),
            api_version: Some("1.41".into()),
            networks,
            containers,
        },
        firewall: FirewallObs::default(),
        notes: vec![],
        skipped_namespaces: 0,
        podman: Default::default(),
    }
}

fn peer(namespace: Option<u64>, ifindex: u32, name: Option<&str>) -> Option<LinkRef> {
    Some(LinkRef { namespace, ifindex, name: name.map(Into::into) })
}

fn ns_of(t: &Topology, inode: u64) -> &Namespace {
    t.namespace(inode).unwrap_or_else(|| panic!("no namespace {inode}"))
}

fn iface<'a>(t: &'a Topology, inode: u64, name: &str) -> &'a Interface {
    ns_of(t, inode).interface_named(name).unwrap_or_else(|| panic!("no {name} in namespace {inode}"))
}

fn endpoint<'a>(t: &'a Topology, container: &str, network: &str) -> &'a Endpoint {
    let c = t.container(container).unwrap_or_else(|| panic!("no container {container}"));
    c.endpoints.iter().find(|e| e.network == network).unwrap_or_else(|| panic!("{container} has no {network}"))
}

fn host_bridge<'a>(t: &'a Topology, name: &str) -> &'a Bridge {
    t.bridge(name).unwrap_or_else(|| panic!("no host bridge {name}"))
}

// ---------------------------------------------------------------- scenarios

const WEB: u64 = 4026532200;
const DECOY: u64 = 4026532300;

/// One container on the default bridge. The host calls the container's namespace nsid 5 and the
/// decoy nsid 0; the container calls the host nsid 0. The decoy has an ifindex 7 too, so reading
/// the container's nsid 0 in the host's table would land on the decoy.
fn single_web() -> Observation {
    let h = host()
        .with(bridge(3, "docker0").mac("02:42:1f:d5:f6:aa").addr("172.17.0.1/16"))
        .with(veth(7, "veth1a2b3c4").master(3).to(2, Some(5)))
        .nsid(5, WEB)
        .nsid(0, DECOY);
    let web = docker_ns(WEB, "c0138a49543f")
        .with(veth(2, "eth0").mac("02:42:ac:11:00:02").addr("172.17.0.2/16").to(7, Some(0)))
        .nsid(0, HOST);
    let decoy = named(DECOY, "decoy").with(veth(7, "decoy7").to(9, None)).with(veth(9, "decoy9").to(7, None));
    let c =
        container("web", "default", Some(WEB)).endpoint(ep("bridge", Some("172.17.0.2/16"), Some("02:42:ac:11:00:02")));
    obs(vec![h, web, decoy], vec![default_bridge()], vec![c])
}

#[test]
fn endpoint_to_interface_by_mac_to_host_veth_by_ifindex_and_the_containers_nsid_to_bridge() {
    let t = build(&single_web());
    let e = endpoint(&t, "web", "bridge");
    assert_eq!((e.interface.as_deref(), e.interface_ifindex), (Some("eth0"), Some(2)));
    assert_eq!(
        (e.host_interface.as_deref(), e.host_ifindex, e.host_namespace),
        (Some("veth1a2b3c4"), Some(7), Some(HOST))
    );
    assert_eq!(e.bridge.as_deref(), Some("docker0"));
    assert_eq!(e.ipv4.as_deref(), Some("172.17.0.2/16"));

    // Both ends of the veth, each resolved with its own namespace's nsid table.
    assert_eq!(iface(&t, WEB, "eth0").peer, peer(Some(HOST), 7, Some("veth1a2b3c4")));
    assert_eq!(iface(&t, HOST, "veth1a2b3c4").peer, peer(Some(WEB), 2, Some("eth0")));
    assert_eq!(iface(&t, HOST, "veth1a2b3c4").master.as_deref(), Some("docker0"));
    assert_eq!(iface(&t, HOST, "veth1a2b3c4").parent, None);
    assert_eq!(iface(&t, DECOY, "decoy7").peer, peer(Some(DECOY), 9, Some("decoy9")));

    let c = t.container("web").unwrap();
    assert_eq!(c.namespace, Some(WEB));
    assert_eq!(c.shares_namespace_with, None);
    assert_eq!(ns_of(&t, WEB).containers, ["web"]);
    assert_eq!((ns_of(&t, WEB).kind, ns_of(&t, WEB).label.as_str()), (NsKind::Container, "web"));

    let br = host_bridge(&t, "docker0");
    assert_eq!(br.docker_network.as_deref(), Some("bridge"));
    assert_eq!(br.namespace, HOST);
    assert_eq!(br.addresses, ["172.17.0.1/16"]);
    assert_eq!(br.ports.len(), 1);
    let p = &br.ports[0];
    assert_eq!((p.name.as_str(), p.ifindex, p.kind.as_deref()), ("veth1a2b3c4", 7, Some("veth")));
    assert_eq!(p.behind.as_deref(), Some("web"));
    assert_eq!(p.containers, ["web"]);
    assert_eq!(p.peer_addresses, ["172.17.0.2/16"]);
    assert_eq!(p.peer, peer(Some(WEB), 2, Some("eth0")));

    let n = t.network("bridge").unwrap();
    assert_eq!(n.bridge.as_deref(), Some("docker0"));
    assert_eq!(n.containers, ["web"]);
    assert_eq!(n.icc, Some(true));
    assert_eq!(t.host.default_route.as_ref().unwrap().interface.as_deref(), Some("eth0"));
    assert!(t.notes.is_empty(), "{:?}", t.notes);
}

#[test]
fn mac_match_ignores_case_and_ip_is_the_fallback() {
    let mut o = single_web();
    o.docker.containers[0].endpoints[0].mac = Some("02:42:AC:11:00:02".into());
    let t = build(&o);
    assert_eq!(endpoint(&t, "web", "bridge").interface.as_deref(), Some("eth0"));

    let mut o = single_web();
    o.docker.containers[0].endpoints[0].mac = None;
    let t = build(&o);
    let e = endpoint(&t, "web", "bridge");
    assert_eq!((e.interface.as_deref(), e.host_interface.as_deref()), (Some("eth0"), Some("veth1a2b3c4")));
}

#[test]
fn two_containers_with_the_same_ifindex_and_name_are_told_apart() {
    const ALPHA: u64 = 4026532401;
    const BETA: u64 = 4026532402;
    // The host veth names sort the other way round from the containers, and the nsids differ per observer.
    let h = host()
        .with(bridge(3, "docker0").addr("172.17.0.1/16"))
        .with(veth(10, "vethaaa").master(3).to(2, Some(1)))
        .with(veth(11, "vethbbb").master(3).to(2, Some(2)))
        .nsid(1, BETA)
        .nsid(2, ALPHA);
    let alpha = docker_ns(ALPHA, "aaaaaaaaaaaa")
        .with(veth(2, "eth0").mac("02:42:ac:11:00:03").addr("172.17.0.3/16").to(11, Some(0)))
        .nsid(0, HOST);
    let beta = docker_ns(BETA, "bbbbbbbbbbbb")
        .with(veth(2, "eth0").mac("02:42:ac:11:00:04").addr("172.17.0.4/16").to(10, Some(7)))
        .nsid(7, HOST);
    let a = container("alpha", "default", Some(ALPHA)).endpoint(ep(
        "bridge",
        Some("172.17.0.3/16"),
        Some("02:42:ac:11:00:03"),
    ));
    let b = container("beta", "default", Some(BETA)).endpoint(ep(
        "bridge",
        Some("172.17.0.4/16"),
        Some("02:42:ac:11:00:04"),
    ));
    // A third container whose endpoint matches no interface in its namespace: it has an eth0,
    // but nothing may be guessed from that name.
    const GAMMA: u64 = 4026532403;
    let gamma_ns = docker_ns(GAMMA, "cccccccccccc")
        .with(veth(2, "eth0").mac("02:42:ac:11:00:99").addr("172.17.0.99/16").to(12, Some(0)))
        .nsid(0, HOST);
    let g = container("gamma", "default", Some(GAMMA)).endpoint(ep(
        "bridge",
        Some("172.17.0.5/16"),
        Some("02:42:ac:11:00:05"),
    ));
    let t = build(&obs(vec![h, alpha, beta, gamma_ns], vec![default_bridge()], vec![a, b, g]));

    let ea = endpoint(&t, "alpha", "bridge");
    assert_eq!((ea.interface.as_deref(), ea.interface_ifindex), (Some("eth0"), Some(2)));
    assert_eq!((ea.host_interface.as_deref(), ea.host_ifindex), (Some("vethbbb"), Some(11)));
    let eb = endpoint(&t, "beta", "bridge");
    assert_eq!((eb.interface.as_deref(), eb.interface_ifindex), (Some("eth0"), Some(2)));
    assert_eq!((eb.host_interface.as_deref(), eb.host_ifindex), (Some("vethaaa"), Some(10)));
    let eg = endpoint(&t, "gamma", "bridge");
    assert_eq!((eg.interface.as_deref(), eg.host_interface.as_deref(), eg.bridge.as_deref()), (None, None, None));

    assert_eq!(iface(&t, HOST, "vethaaa").peer, peer(Some(BETA), 2, Some("eth0")));
    assert_eq!(iface(&t, HOST, "vethbbb").peer, peer(Some(ALPHA), 2, Some("eth0")));
    let ports: Vec<(&str, Option<&str>, &str)> = host_bridge(&t, "docker0")
        .ports
        .iter()
        .map(|p| (p.name.as_str(), p.behind.as_deref(), p.peer_addresses[0].as_str()))
        .collect();
    assert_eq!(ports, [("vethaaa", Some("beta"), "172.17.0.4/16"), ("vethbbb", Some("alpha"), "172.17.0.3/16")]);
}

fn two_networks() -> Observation {
    const M: u64 = 4026532500;
    let h = host()
        .with(bridge(20, "nvfix-br0").addr("10.123.0.254/24"))
        .with(bridge(21, "br-1677cdc3907e").addr("10.124.0.1/24"))
        .with(veth(22, "vethu").master(20).to(2, Some(3)))
        .with(veth(23, "vethi").master(21).to(3, Some(3)))
        .nsid(3, M);
    let m = docker_ns(M, "b149707ce43e")
        .with(veth(2, "eth0").mac("02:42:0a:7b:00:0a").addr("10.123.0.10/24").to(22, Some(0)))
        .with(veth(3, "eth1").mac("02:42:0a:7c:00:02").addr("10.124.0.2/24").to(23, Some(0)))
        .nsid(0, HOST);
    let user = network(USER_NET_ID, "nvfix-user", "bridge")
        .pool("10.123.0.0/24", Some("10.123.0.254"))
        .opt("com.docker.network.bridge.name", "nvfix-br0");
    let mut internal = network(INTERNAL_NET_ID, "nvfix-internal", "bridge").pool("10.124.0.0/24", None);
    internal.internal = true;
    // Endpoints deliberately not in name order.
    let c = container("multi", "nvfix-user", Some(M))
        .endpoint(ep("nvfix-user", Some("10.123.0.10/24"), Some("02:42:0a:7b:00:0a")))
        .endpoint(ep("nvfix-internal", Some("10.124.0.2/24"), Some("02:42:0a:7c:00:02")));
    obs(vec![h, m], vec![user, internal], vec![c])
}

#[test]
fn container_on_two_networks_reaches_two_bridges() {
    let t = build(&two_networks());
    let c = t.container("multi").unwrap();
    let nets: Vec<&str> = c.endpoints.iter().map(|e| e.network.as_str()).collect();
    assert_eq!(nets, ["nvfix-internal", "nvfix-user"]);
    let i = endpoint(&t, "multi", "nvfix-internal");
    assert_eq!(
        (i.interface.as_deref(), i.host_interface.as_deref(), i.bridge.as_deref()),
        (Some("eth1"), Some("vethi"), Some("br-1677cdc3907e"))
    );
    let u = endpoint(&t, "multi", "nvfix-user");
    assert_eq!(
        (u.interface.as_deref(), u.host_interface.as_deref(), u.bridge.as_deref()),
        (Some("eth0"), Some("vethu"), Some("nvfix-br0"))
    );

    let user = t.network("nvfix-user").unwrap();
    assert_eq!(user.bridge.as_deref(), Some("nvfix-br0"), "from com.docker.network.bridge.name");
    assert_eq!(user.containers, ["multi"]);
    let internal = t.network("nvfix-internal").unwrap();
    assert!(internal.internal);
    assert_eq!(internal.bridge.as_deref(), Some("br-1677cdc3907e"), "br- + 12 hex of the id");
    assert_eq!(internal.containers, ["multi"]);
    assert_eq!(host_bridge(&t, "nvfix-br0").docker_network.as_deref(), Some("nvfix-user"));
    assert_eq!(host_bridge(&t, "br-1677cdc3907e").docker_network.as_deref(), Some("nvfix-internal"));
    assert_eq!(host_bridge(&t, "nvfix-br0").ports[0].behind.as_deref(), Some("multi"));
}

#[test]
fn container_mode_shares_the_targets_namespace() {
    let mut o = single_web();
    let web_id = cid("web");
    // The collector gives the sidecar no namespace of its own (empty SandboxKey): the target's is used.
    let side = container("side", &format!("container:{web_id}"), None);
    let short = container("short", &format!("container:{}", &web_id[..12]), None);
    let orphan = container("orphan", &format!("container:{}", cid("nothere")), None);
    o.docker.containers.extend([side, short, orphan]);
    let t = build(&o);

    let web = t.container("web").unwrap();
    let side = t.container("side").unwrap();
    assert_eq!(side.namespace, Some(WEB));
    assert_eq!(side.namespace, web.namespace);
    assert_eq!(side.shares_namespace_with.as_deref(), Some("web"));
    assert_eq!(side.network_mode, format!("container:{web_id}"));
    assert!(side.endpoints.is_empty());
    assert_eq!(web.shares_namespace_with, None);
    let short = t.container("short").unwrap();
    assert_eq!((short.namespace, short.shares_namespace_with.as_deref()), (Some(WEB), Some("web")));
    // An unknown target: the raw reference stays, and there is no namespace to share.
    let orphan = t.container("orphan").unwrap();
    assert_eq!(orphan.shares_namespace_with.as_deref(), Some(cid("nothere").as_str()));
    assert_eq!(orphan.namespace, None);

    let n = ns_of(&t, WEB);
    assert_eq!(n.containers, ["short", "side", "web"]);
    assert_eq!((n.kind, n.label.as_str()), (NsKind::Container, "short,side,web"));
    let p = &host_bridge(&t, "docker0").ports[0];
    assert_eq!(p.behind.as_deref(), Some("short,side,web"));
    assert_eq!(p.containers, ["short", "side", "web"]);
}

#[test]
fn host_mode_lives_in_the_host_namespace_without_an_interface() {
    let mut o = single_web();
    let mut h = container("hostnet", "host", None).endpoint(ep("host", None, None));
    h.sandbox_key = Some("/var/run/docker/netns/default".into());
    o.docker.containers.push(h);
    o.docker.networks.push(network("6d54551972dd", "host", "host"));
    let t = build(&o);
    let c = t.container("hostnet").unwrap();
    assert_eq!(c.namespace, Some(HOST));
    let e = endpoint(&t, "hostnet", "host");
    assert_eq!((e.interface.as_deref(), e.interface_ifindex), (None, None));
    assert_eq!((e.host_interface.as_deref(), e.host_namespace, e.bridge.as_deref()), (None, None, None));
    let h = t.host_namespace().unwrap();
    assert_eq!((h.kind, h.label.as_str(), h.host), (NsKind::Host, "host", true));
    assert!(h.containers.is_empty(), "the host namespace is not labelled by host-mode containers");
    assert_eq!(t.network("host").unwrap().bridge, None);
    assert!(t.notes.is_empty(), "{:?}", t.notes);
}

#[test]
fn none_mode_has_only_loopback() {
    const N: u64 = 4026532600;
    let mut o = single_web();
    o.namespaces.push(docker_ns(N, "65c6e006d35e"));
    o.docker.containers.push(container("isolated", "none", Some(N)).endpoint(ep("none", None, None)));
    o.docker.networks.push(network("c56a4fd4bbfc", "none", "null"));
    let t = build(&o);
    let c = t.container("isolated").unwrap();
    assert_eq!(c.namespace, Some(N));
    let e = endpoint(&t, "isolated", "none");
    assert_eq!((e.interface.as_deref(), e.host_interface.as_deref(), e.bridge.as_deref()), (None, None, None));
    let n = ns_of(&t, N);
    assert_eq!((n.kind, n.label.as_str()), (NsKind::Container, "isolated"));
    let names: Vec<&str> = n.interfaces.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["lo"]);
}

#[test]
fn stopped_container_has_no_namespace() {
    const OLD: u64 = 4026532700;
    let mut o = single_web();
    // Its old namespace is still around (say, kept by something else) and even carries its MAC.
    o.namespaces.push(docker_ns(OLD, "fdb6bfe20ed2").with(veth(2, "eth0").mac("02:42:0a:7b:00:0b")));
    let stopped = container("stopped", "bridge", Some(OLD)).state("exited").endpoint(ep(
        "bridge",
        None,
        Some("02:42:0a:7b:00:0b"),
    ));
    let paused = container("paused", "bridge", Some(WEB)).state("paused");
    o.docker.containers.extend([stopped, paused]);
    let t = build(&o);
    let c = t.container("stopped").unwrap();
    assert_eq!(c.state, "exited");
    assert_eq!(c.namespace, None);
    assert_eq!(endpoint(&t, "stopped", "bridge").interface, None);
    let old = ns_of(&t, OLD);
    assert!(old.containers.is_empty());
    assert_eq!((old.kind, old.label.as_str()), (NsKind::DockerSandbox, "sandbox fdb6bfe20ed2"));
    // Paused (and restarting) containers keep their namespace.
    assert_eq!(t.container("paused").unwrap().namespace, Some(WEB));
    assert_eq!(ns_of(&t, WEB).containers, ["paused", "web"]);
}

#[test]
fn empty_ipam_gateway_is_derived_from_the_bridge_address_in_the_subnet() {
    let nomatch_id = "9999999999990000000000000000000000000000000000000000000000000000";
    let absent_id = "8888888888880000000000000000000000000000000000000000000000000000";
    let mut o = single_web();
    // docker0 also has an IPv6 address outside the subnet: the one inside is picked.
    o.namespaces[0].links.iter_mut().find(|l| l.name == "docker0").unwrap().addresses =
        vec!["fd00:dead::1/64".into(), "172.17.0.1/16".into()];
    o.namespaces[0] = o.namespaces[0].clone().with(bridge(30, "br-999999999999").addr("10.99.0.1/24"));
    o.docker.networks.push(network(nomatch_id, "nomatch", "bridge").pool("10.200.0.0/24", None));
    o.docker.networks.push(network(absent_id, "absent", "bridge").pool("10.201.0.0/24", None));
    let t = build(&o);

    let s = &t.network("bridge").unwrap().subnets[0];
    assert_eq!(s.subnet.as_deref(), Some("172.17.0.0/16"));
    assert_eq!(s.gateway.as_deref(), Some("172.17.0.1"), "without the prefix length");
    assert!(s.gateway_derived);

    let n = t.network("nomatch").unwrap();
    assert_eq!(n.bridge.as_deref(), Some("br-999999999999"));
    assert_eq!((n.subnets[0].gateway.as_deref(), n.subnets[0].gateway_derived), (None, false));

    let a = t.network("absent").unwrap();
    assert_eq!(a.bridge, None);
    assert_eq!((a.subnets[0].gateway.as_deref(), a.subnets[0].gateway_derived), (None, false));
    assert_eq!(t.notes.len(), 1, "{:?}", t.notes);
    assert!(t.notes[0].contains("absent") && t.notes[0].contains("br-888888888888"), "{}", t.notes[0]);

    // A gateway Docker gave is kept as given, not derived.
    let t = build(&two_networks());
    let u = &t.network("nvfix-user").unwrap().subnets[0];
    assert_eq!((u.gateway.as_deref(), u.gateway_derived), (Some("10.123.0.254"), false));
    let i = &t.network("nvfix-internal").unwrap().subnets[0];
    assert_eq!((i.gateway.as_deref(), i.gateway_derived), (Some("10.124.0.1"), true));
}

#[test]
fn bridge_name_from_option_else_br_and_12_hex() {
    let with_opt = network("abcdef0123456789", "withopt", "bridge").opt("com.docker.network.bridge.name", "custom0");
    let empty_opt = network("0123456789abcdef", "emptyopt", "bridge").opt("com.docker.network.bridge.name", "");
    let plain = network(INTERNAL_NET_ID, "plain", "bridge");
    assert_eq!(expected_bridge_name(&with_opt), "custom0");
    assert_eq!(expected_bridge_name(&empty_opt), "br-0123456789ab");
    assert_eq!(expected_bridge_name(&plain), "br-1677cdc3907e");

    const OTHER: u64 = 4026532800;
    let h = host()
        .with(bridge(3, "custom0"))
        .with(bridge(4, "br-abcdef012345")) // the br- name of `withopt`: not its bridge, the option wins
        .with(bridge(5, "br-0123456789ab"))
        .with(veth(6, "br-1677cdc3907e")); // right name, not a bridge
    let other = named(OTHER, "other").with(bridge(3, "br-1677cdc3907e")); // a bridge, not in the host namespace
    let t = build(&obs(vec![h, other], vec![with_opt, empty_opt, plain], vec![]));
    assert_eq!(t.network("withopt").unwrap().bridge.as_deref(), Some("custom0"));
    assert_eq!(t.network("emptyopt").unwrap().bridge.as_deref(), Some("br-0123456789ab"));
    assert_eq!(t.network("plain").unwrap().bridge, None);
    assert_eq!(host_bridge(&t, "br-abcdef012345").docker_network, None);
    let foreign = t.bridges.iter().find(|b| b.namespace == OTHER).unwrap();
    assert_eq!(foreign.docker_network, None);
    // Non-bridge drivers never get a bridge.
    let ov = network(OV_NET_ID, "nvfix-ov", "overlay");
    let t = build(&obs(vec![host().with(bridge(3, "br-tu1rb8tcud3a"))], vec![ov], vec![]));
    assert_eq!(t.network("nvfix-ov").unwrap().bridge, None);
    assert!(t.notes.is_empty());
}

#[test]
fn plain_bridge_not_made_by_docker() {
    const RED: u64 = 4026532900;
    let h = host()
        .with(bridge(30, "br-lab").addr("10.9.0.1/24"))
        .with(veth(31, "lab-red").master(30).to(2, Some(4)))
        .with(link(32, "dummy0").kind("dummy").master(30))
        .nsid(4, RED);
    let red = named(RED, "red").with(veth(2, "eth0").addr("10.9.0.2/24").to(31, Some(0))).nsid(0, HOST);
    let t = build(&obs(vec![h, red], vec![default_bridge()], vec![]));
    let br = host_bridge(&t, "br-lab");
    assert_eq!(br.docker_network, None);
    assert_eq!(br.addresses, ["10.9.0.1/24"]);
    let names: Vec<&str> = br.ports.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["dummy0", "lab-red"]);
    let p = &br.ports[1];
    assert_eq!(p.behind.as_deref(), Some("red"), "the ip-netns name");
    assert!(p.containers.is_empty());
    assert_eq!(p.peer, peer(Some(RED), 2, Some("eth0")));
    assert_eq!(p.peer_addresses, ["10.9.0.2/24"]);
    let d = &br.ports[0];
    assert_eq!((d.kind.as_deref(), d.peer.as_ref(), d.behind.as_deref()), (Some("dummy"), None, None));
    assert!(t.docker.networks.iter().all(|n| n.bridge.as_deref() != Some("br-lab")));
    assert_eq!(iface(&t, HOST, "dummy0").master.as_deref(), Some("br-lab"));
}

#[test]
fn veth_pair_between_two_non_host_namespaces() {
    const LEFT: u64 = 4026533001;
    const RIGHT: u64 = 4026533002;
    let h = host().nsid(0, LEFT).nsid(1, RIGHT);
    let left = named(LEFT, "left").with(veth(5, "to-right").to(6, Some(2))).nsid(2, RIGHT).nsid(3, HOST);
    let right = named(RIGHT, "right").with(veth(6, "to-left").to(5, Some(9))).nsid(9, LEFT).nsid(2, HOST);
    let t = build(&obs(vec![h, left, right], vec![], vec![]));
    assert_eq!(iface(&t, LEFT, "to-right").peer, peer(Some(RIGHT), 6, Some("to-left")));
    assert_eq!(iface(&t, RIGHT, "to-left").peer, peer(Some(LEFT), 5, Some("to-right")));
    assert!(t.bridges.is_empty());
}

#[test]
fn orphan_veth_with_unknown_nsid_has_no_peer_namespace() {
    const UNSEEN: u64 = 4026533100;
    let h = host()
        .with(bridge(3, "docker0").addr("172.17.0.1/16"))
        .with(veth(40, "vethdead").master(3).to(4, Some(42))) // nsid 42 is in no table
        .with(veth(41, "vethunseen").master(3).to(4, Some(8))) // known nsid, namespace not read
        .nsid(8, UNSEEN);
    let t = build(&obs(vec![h], vec![default_bridge()], vec![]));
    assert_eq!(iface(&t, HOST, "vethdead").peer, peer(None, 4, None));
    assert_eq!(iface(&t, HOST, "vethunseen").peer, peer(Some(UNSEEN), 4, None));
    for p in &host_bridge(&t, "docker0").ports {
        assert_eq!(p.behind, None, "{}", p.name);
        assert!(p.containers.is_empty() && p.peer_addresses.is_empty());
    }
    let json = serde_json::to_value(&t).unwrap();
    let host = json["namespaces"].as_array().unwrap().iter().find(|n| n["host"] == true).unwrap();
    let dead = host["interfaces"].as_array().unwrap().iter().find(|i| i["name"] == "vethdead").unwrap();
    assert_eq!(dead["peer"]["namespace"], Value::Null);
    assert_eq!(dead["peer"]["ifindex"], 4);
}

#[test]
fn macvlan_and_vxlan_report_parent_not_peer() {
    const BLUE: u64 = 4026533200;
    let vx = Vxlan { vni: Some(42), port: Some(4789), local: Some("192.0.2.2".into()), group: None, fdb: vec![] };
    let h = host().with(LinkObs { vxlan: Some(vx.clone()), ..link(50, "vx0").kind("vxlan").to(2, None) }).nsid(6, BLUE);
    let blue = named(BLUE, "blue")
        .with(link(3, "mv0").kind("macvlan").addr("192.0.2.50/24").to(2, Some(0)))
        .with(LinkObs {
            vxlan: Some(Vxlan { vni: Some(4097), ..Default::default() }),
            ..link(4, "vxlan0").kind("vxlan")
        })
        .nsid(0, HOST);
    let t = build(&obs(vec![h, blue], vec![], vec![]));
    let mv = iface(&t, BLUE, "mv0");
    assert_eq!(mv.parent, peer(Some(HOST), 2, Some("eth0")));
    assert_eq!(mv.peer, None);
    let v = iface(&t, HOST, "vx0");
    assert_eq!(v.parent, peer(Some(HOST), 2, Some("eth0")));
    assert_eq!(v.peer, None);
    assert_eq!(v.vxlan.as_ref(), Some(&vx));
    let overlay_vx = iface(&t, BLUE, "vxlan0");
    assert_eq!((overlay_vx.parent.as_ref(), overlay_vx.vxlan.as_ref().and_then(|x| x.vni)), (None, Some(4097)));
}

#[test]
fn namespace_labels() {
    let ov = network(OV_NET_ID, "nvfix-ov", "overlay").pool("10.0.1.0/24", Some("10.0.1.1"));
    let mut both = named(11, "blue");
    both.sources.insert(0, NsSource::Process { pid: 77, comm: "bash".into() });
    let spaces = vec![
        host(),
        named(10, "red"),
        both,
        named(12, "cni-5f2c-91ab"),
        docker_ns(13, "1-tu1rb8tcud"),
        docker_ns(14, "lb_tu1rb8tcu"),
        docker_ns(15, "ingress_sbox"),
        docker_ns(16, "1-zzzzzzzzzz"),
        docker_ns(17, "c0138a49543f"),
        ns(18, vec![NsSource::Process { pid: 4242, comm: "sleep".into() }]),
        ns(19, vec![]),
        docker_ns(20, "a0e82931e389"),
    ];
    let c = container("ovc", "nvfix-ov", Some(20));
    let t = build(&obs(spaces, vec![ov], vec![c]));
    let label = |inode: u64| {
        let n = ns_of(&t, inode);
        (n.kind, n.label.as_str())
    };
    assert_eq!(label(HOST), (NsKind::Host, "host"));
    assert_eq!(label(10), (NsKind::Named, "red"));
    assert_eq!(label(11), (NsKind::Named, "blue"), "an ip-netns name beats the process");
    assert_eq!(label(12), (NsKind::Cni, "cni-5f2c-91ab"));
    assert_eq!(label(13), (NsKind::Overlay, "overlay nvfix-ov"));
    assert_eq!(label(14), (NsKind::SwarmLb, "lb nvfix-ov"));
    assert_eq!(label(15), (NsKind::Ingress, "ingress_sbox"));
    assert_eq!(label(16), (NsKind::Overlay, "1-zzzzzzzzzz"), "unknown network: the file name");
    assert_eq!(label(17), (NsKind::DockerSandbox, "sandbox c0138a49543f"));
    assert_eq!(label(18), (NsKind::Process, "sleep[4242]"));
    assert_eq!(label(19), (NsKind::Process, "netns 19"));
    assert_eq!(label(20), (NsKind::Container, "ovc"));
    assert!(t.namespaces[0].host, "the host comes first");
    assert_eq!(t.namespaces.len(), 12);
}

// ---------------------------------------------------------------- JSON and determinism

/// Everything above in one observation.
fn everything() -> Observation {
    let mut o = single_web();
    let two = two_networks();
    o.namespaces[0].links.extend(two.namespaces[0].links.iter().filter(|l| l.ifindex >= 20).cloned());
    o.namespaces[0].nsids.extend(two.namespaces[0].nsids.clone());
    o.namespaces.extend(two.namespaces[1..].iter().cloned());
    o.docker.networks.extend(two.docker.networks);
    o.docker.containers.extend(two.docker.containers);
    o.namespaces[0] = o.namespaces[0].clone().with(veth(40, "vethdead").master(3).to(4, Some(42)));
    o.namespaces.push(named(4026533300, "red").with(link(3, "mv0").kind("macvlan").to(2, Some(0))).nsid(0, HOST));
    o.namespaces.push(docker_ns(4026533301, "1-tu1rb8tcud"));
    o.namespaces.push(ns(4026533302, vec![NsSource::Process { pid: 4242, comm: "sleep".into() }]));
    o.docker.networks.push(network(OV_NET_ID, "nvfix-ov", "overlay").pool("10.0.1.0/24", Some("10.0.1.1")));
    o.docker.networks.push(network("6d54551972dd", "host", "host"));
    let mut web = o.docker.containers[0].clone();
    web.ports = vec![
        PortObs {
            container_port: 80,
            protocol: "tcp".into(),
            host_ip: Some("127.0.0.1".into()),
            host_port: Some(38080),
        },
        PortObs {
            container_port: 53,
            protocol: "udp".into(),
            host_ip: Some("127.0.0.1".into()),
            host_port: Some(38053),
        },
        PortObs { container_port: 9000, protocol: "tcp".into(), host_ip: None, host_port: None },
    ];
    web.labels.insert("com.docker.compose.project".into(), "demo".into());
    o.docker.containers[0] = web;
    o.docker.containers.push(container("side", &format!("container:{}", cid("web")), None));
    o.docker.containers.push(container("hostnet", "host", None).endpoint(ep("host", None, None)));
    o.docker.containers.push(container("stopped", "bridge", None).state("exited").endpoint(ep("bridge", None, None)));
    o.notes.push("a note from a collector".into());
    o
}

fn object<'a>(v: &'a Value, what: &str, keys: &[&str]) -> &'a serde_json::Map<String, Value> {
    let o = v.as_object().unwrap_or_else(|| panic!("{what} is not an object: {v}"));
    for k in keys {
        assert!(o.contains_key(*k), "{what} lacks \"{k}\": {v}");
    }
    o
}

fn array<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    let a = v.as_array().unwrap_or_else(|| panic!("{what} is not an array: {v}"));
    assert!(!a.is_empty(), "{what} is empty, so its elements' keys go unchecked");
    a
}

#[test]
fn json_has_schema_1_and_every_documented_field() {
    let t = build(&everything());
    let v = serde_json::to_value(&t).unwrap();
    assert_eq!(v["schema"], 1);
    object(&v, "topology", &["schema", "host", "namespaces", "bridges", "docker", "notes"]);

    let mut peers = 0;
    for n in array(&v["namespaces"], "namespaces") {
        object(n, "namespace", &["inode", "paths", "label", "host", "interfaces"]);
        assert!(n["inode"].is_u64() && n["host"].is_boolean() && n["label"].is_string() && n["paths"].is_array());
        for i in n["interfaces"].as_array().unwrap() {
            object(
                i,
                "interface",
                &["name", "ifindex", "kind", "mac", "mtu", "state", "master", "peer", "addresses", "stats"],
            );
            let stats = &[
                "rx_bytes",
                "tx_bytes",
                "rx_packets",
                "tx_packets",
                "rx_errors",
                "tx_errors",
                "rx_dropped",
                "tx_dropped",
            ];
            for k in object(&i["stats"], "stats", stats).values() {
                assert!(k.is_u64());
            }
            if !i["peer"].is_null() {
                object(&i["peer"], "peer", &["namespace", "ifindex", "name"]);
                peers += 1;
            }
        }
    }
    assert!(peers >= 4, "only {peers} peers checked");

    let d = object(&v["docker"], "docker", &["available", "error", "networks", "containers"]);
    assert_eq!(d["available"], true);
    assert_eq!(d["error"], Value::Null);
    for n in array(&v["docker"]["networks"], "networks") {
        object(n, "network", &["id", "name", "driver", "scope", "internal", "subnets", "bridge", "containers"]);
        for s in n["subnets"].as_array().unwrap() {
            object(s, "subnet", &["subnet", "gateway"]);
        }
    }
    assert!(v["docker"]["networks"].as_array().unwrap().iter().any(|n| !n["subnets"].as_array().unwrap().is_empty()));
    let mut endpoints = 0;
    for c in array(&v["docker"]["containers"], "containers") {
        object(c, "container", &["id", "name", "state", "network_mode", "namespace", "endpoints", "ports"]);
        for e in c["endpoints"].as_array().unwrap() {
            object(e, "endpoint", &["network", "ipv4", "ipv6", "mac", "interface", "host_interface", "bridge"]);
            endpoints += 1;
        }
    }
    assert!(endpoints >= 4);
    let web = v["docker"]["containers"].as_array().unwrap().iter().find(|c| c["name"] == "web").unwrap();
    assert_eq!(
        web["ports"][0],
        serde_json::json!({"container_port": 53, "protocol": "udp", "host_ip": "127.0.0.1", "host_port": 38053})
    );
    assert_eq!(web["ports"].as_array().unwrap().len(), 3);
    assert_eq!(web["compose_project"], "demo");
    let ep = &web["endpoints"][0];
    assert_eq!(ep["interface"], "eth0");
    assert_eq!(ep["host_interface"], "veth1a2b3c4");
    assert_eq!(ep["bridge"], "docker0");
    assert_eq!(ep["ipv6"], Value::Null);
    let stopped = v["docker"]["containers"].as_array().unwrap().iter().find(|c| c["name"] == "stopped").unwrap();
    assert_eq!(stopped["namespace"], Value::Null);
}

fn json(o: &Observation) -> String {
    serde_json::to_string(&build(o)).unwrap()
}

/// Deterministic shuffle (no rand dependency): a fixed permutation by stride.
fn shuffle<T>(v: &mut Vec<T>, stride: usize) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let mut taken: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    let mut i = 0;
    while v.len() < n {
        while taken[i % n].is_none() {
            i += 1;
        }
        v.push(taken[i % n].take().unwrap());
        i += stride;
    }
}

#[test]
fn building_is_deterministic() {
    let o = everything();
    let first = json(&o);
    assert_eq!(first, json(&o), "two builds of one observation differ");

    for stride in [1, 2, 3, 5] {
        let mut s = o.clone();
        s.namespaces.reverse();
        shuffle(&mut s.namespaces, stride);
        s.docker.containers.reverse();
        shuffle(&mut s.docker.containers, stride);
        s.docker.networks.reverse();
        shuffle(&mut s.docker.networks, stride);
        for n in &mut s.namespaces {
            n.links.reverse();
            n.paths.reverse();
        }
        for c in &mut s.docker.containers {
            c.endpoints.reverse();
            c.ports.reverse();
        }
        assert_ne!(s, o, "stride {stride}: the shuffle changed nothing");
        assert_eq!(json(&s), first, "stride {stride}: a shuffled observation builds differently");
    }
}

/// A namespace found under two ip-netns names gets the same label whatever order discovery found them in.
#[test]
fn label_does_not_depend_on_source_order() {
    let mut a = named(10, "red");
    a.sources.push(NsSource::Named { name: "blue".into() });
    let mut b = a.clone();
    b.sources.reverse();
    let la = build(&obs(vec![host(), a], vec![], vec![])).namespace(10).unwrap().label.clone();
    let lb = build(&obs(vec![host(), b], vec![], vec![])).namespace(10).unwrap().label.clone();
    assert_eq!(la, lb);
}

/// Network membership follows the endpoint's network id: API 1.41 still lets two networks share a name
/// (CheckDuplicate defaults to false; only API 1.44 refuses), and a name match would list the container in both.
#[test]
fn network_membership_follows_the_network_id() {
    let id1 = "1111111111110000000000000000000000000000000000000000000000000000";
    let id2 = "2222222222220000000000000000000000000000000000000000000000000000";
    let mut e = ep("dup", Some("10.50.0.2/24"), None);
    e.network_id = Some(id1.into());
    let c = container("member", "dup", None).endpoint(e);
    let nets = vec![network(id1, "dup", "bridge"), network(id2, "dup", "bridge")];
    let t = build(&obs(vec![host()], nets, vec![c]));
    let members: Vec<(&str, &[String])> =
        t.docker.networks.iter().map(|n| (n.id.as_str(), n.containers.as_slice())).collect();
    assert_eq!(members, [(id1, &["member".to_string()][..]), (id2, &[][..])]);
}
