//! The Docker mapping (`netview::collect::docker`) run on JSON captured from a real engine
//! (Docker 20.10.24, API 1.41; see tests/fixtures/docker/README.md).

use bollard::models::{ContainerInspectResponse, ContainerSummary, Network, NetworkInspect};
use netview::collect::docker::{apply_inspect, container_obs, network_obs};
use netview::model::build::expected_bridge_name;
use netview::model::{ContainerObs, DockerNetworkObs, DockerObs, EndpointObs, IpamPoolObs, Observation, PortObs};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

const DEFAULT_ID: &str = "1479f1e0e43ea750c6c0376c71b68bc3428025621fd5d82e867b952241dd1a0a";
const MULTI_ID: &str = "0178ff7249d994c213597980c73d4c54bcb70c8ca2c5c5b457e610238dc0fe90";
const SHARED_ID: &str = "80eff252c452284c5aaab29078da206c863938f6a8e740ce041864e889328720";
const NONE_ID: &str = "5e5f2c10cce4abffae8ace93c23a552e39a8502fa2f4b2986938d2cfb511ea04";
const HOST_ID: &str = "f7a72b2e08d767b682a07ac2c3d56dfd33c4b4151659f2b8d4ada2218dd89fcd";
const STOPPED_ID: &str = "d6b234e78143679567efdb44ed64ed0d3faab1008523a69bc9f6c3476fe67d67";
const OVC_ID: &str = "44d6a6e49698571de10332d04d0ee5a4cf425eb5e95e8b5a0e5b89161c0ce0e7";

const BRIDGE_NET_ID: &str = "e548a7c85ea2cada965200205d6086c9afbe763e7d00d6d7c4ff33d45f582009";
const USER_NET_ID: &str = "cbaa9a605b2d09609f72337bf935f23cc63c8b64540b509a1840943a3273a650";
const INTERNAL_NET_ID: &str = "1677cdc3907e2f9f5399211567838bc09dcb2bdad3f702a50a76ff2493ab7325";
const OV_NET_ID: &str = "tu1rb8tcud3aky796lyzqu0eu";
const INGRESS_NET_ID: &str = "hxwuc5joiw5mrawnwwxh5pjno";
const HOST_NET_ID: &str = "6d54551972ddb4072598a1c1ed1787a18306cac795be73dd98a015df08c317c7";
const NONE_NET_ID: &str = "c56a4fd4bbfcad25adf65f715bf47d5bd91bbc685ce773f921aab153d8c5d722";

const IMAGE: &str = "netview-test/busybox:latest";

fn fixture<T: DeserializeOwned>(file: &str) -> T {
    let path = format!("{}/tests/fixtures/docker/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} does not deserialize into the bollard model: {e}"))
}

fn network_list() -> Vec<Network> {
    fixture("networks.json")
}

fn container_list() -> Vec<ContainerSummary> {
    fixture("containers.json")
}

fn inspect(name: &str) -> ContainerInspectResponse {
    fixture(&format!("container-inspect-{name}.json"))
}

fn networks() -> BTreeMap<String, DockerNetworkObs> {
    network_list().iter().map(network_obs).map(|n| (n.name.clone(), n)).collect()
}

fn containers() -> BTreeMap<String, ContainerObs> {
    container_list().iter().map(container_obs).map(|c| (c.name.clone(), c)).collect()
}

fn container(name: &str) -> ContainerObs {
    containers().remove(name).unwrap_or_else(|| panic!("no container {name} in containers.json"))
}

fn opts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn pool(subnet: &str, gateway: Option<&str>) -> IpamPoolObs {
    IpamPoolObs { subnet: Some(subnet.into()), gateway: gateway.map(Into::into), ip_range: None }
}

fn port(container_port: u16, protocol: &str, host: Option<(&str, u16)>) -> PortObs {
    PortObs {
        container_port,
        protocol: protocol.into(),
        host_ip: host.map(|(ip, _)| ip.into()),
        host_port: host.map(|(_, p)| p),
    }
}

// ---------------------------------------------------------------- networks

#[test]
fn every_fixture_deserializes() {
    assert_eq!(network_list().len(), 8);
    assert_eq!(container_list().len(), 7);
    for name in
        ["nvfix-default", "nvfix-multi", "nvfix-shared", "nvfix-none", "nvfix-host", "nvfix-stopped", "nvfix-ovc"]
    {
        let i = inspect(name);
        assert_eq!(i.name.as_deref(), Some(format!("/{name}").as_str()));
    }
    for file in ["network-inspect-nvfix-ov.json", "network-inspect-ingress.json"] {
        let _: Network = fixture(file);
        let _: NetworkInspect = fixture(file);
    }
}

#[test]
fn network_list_maps_every_network() {
    let nets = networks();
    let names: Vec<&str> = nets.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["bridge", "docker_gwbridge", "host", "ingress", "none", "nvfix-internal", "nvfix-ov", "nvfix-user"]
    );
    let ids: BTreeMap<&str, &str> = nets.values().map(|n| (n.name.as_str(), n.id.as_str())).collect();
    assert_eq!(ids["bridge"], BRIDGE_NET_ID);
    assert_eq!(ids["nvfix-user"], USER_NET_ID);
    assert_eq!(ids["nvfix-internal"], INTERNAL_NET_ID);
    assert_eq!(ids["nvfix-ov"], OV_NET_ID);
    assert_eq!(ids["ingress"], INGRESS_NET_ID);
    assert_eq!(ids["host"], HOST_NET_ID);
    assert_eq!(ids["none"], NONE_NET_ID);
    let drivers: BTreeMap<&str, (&str, &str)> =
        nets.values().map(|n| (n.name.as_str(), (n.driver.as_str(), n.scope.as_str()))).collect();
    assert_eq!(drivers["bridge"], ("bridge", "local"));
    assert_eq!(drivers["docker_gwbridge"], ("bridge", "local"));
    assert_eq!(drivers["host"], ("host", "local"));
    assert_eq!(drivers["none"], ("null", "local"));
    assert_eq!(drivers["nvfix-user"], ("bridge", "local"));
    assert_eq!(drivers["nvfix-internal"], ("bridge", "local"));
    assert_eq!(drivers["nvfix-ov"], ("overlay", "swarm"));
    assert_eq!(drivers["ingress"], ("overlay", "swarm"));
    // Only the --internal network is internal.
    let internal: Vec<&str> = nets.values().filter(|n| n.internal).map(|n| n.name.as_str()).collect();
    assert_eq!(internal, ["nvfix-internal"]);
    // host and none have no IPAM pool at all.
    assert!(nets["host"].pools.is_empty());
    assert!(nets["none"].pools.is_empty());
}

#[test]
fn default_bridge_has_no_ipam_gateway_on_20_10() {
    let n = &networks()["bridge"];
    assert_eq!(n.id, BRIDGE_NET_ID);
    assert!(!n.internal && !n.attachable && !n.ipv6);
    assert_eq!(n.ipam_driver.as_deref(), Some("default"));
    assert_eq!(n.pools, [pool("172.17.0.0/16", None)]);
    assert_eq!(n.options["com.docker.network.bridge.name"], "docker0");
    assert_eq!(n.options["com.docker.network.bridge.default_bridge"], "true");
    assert_eq!(n.options["com.docker.network.bridge.enable_icc"], "true");
    assert_eq!(n.options["com.docker.network.driver.mtu"], "1400");
    assert!(n.labels.is_empty());
    assert_eq!(expected_bridge_name(n), "docker0");
}

#[test]
fn user_network_with_subnet_gateway_and_bridge_name() {
    let n = &networks()["nvfix-user"];
    assert_eq!(n.id, USER_NET_ID);
    assert_eq!((n.driver.as_str(), n.scope.as_str(), n.internal), ("bridge", "local", false));
    assert_eq!(n.pools, [pool("10.123.0.0/24", Some("10.123.0.254"))]);
    assert_eq!(n.options, opts(&[("com.docker.network.bridge.name", "nvfix-br0")]));
    assert_eq!(n.labels, opts(&[("nvfix", "user")]));
    assert_eq!(expected_bridge_name(n), "nvfix-br0");
}

#[test]
fn internal_network_without_gateway_or_bridge_name() {
    let n = &networks()["nvfix-internal"];
    assert_eq!(n.id, INTERNAL_NET_ID);
    assert!(n.internal);
    assert_eq!(n.pools, [pool("10.124.0.0/24", None)]);
    assert!(n.options.is_empty());
    assert_eq!(expected_bridge_name(n), "br-1677cdc3907e");
}

#[test]
fn overlay_network_from_list_and_inspect() {
    let n = &networks()["nvfix-ov"];
    assert_eq!(n.id, OV_NET_ID);
    assert_eq!(n.id.len(), 25, "swarm-scoped ids are 25 characters, not 64 hex");
    assert_eq!((n.driver.as_str(), n.scope.as_str()), ("overlay", "swarm"));
    assert!(n.attachable && !n.internal);
    assert_eq!(n.pools, [pool("10.0.1.0/24", Some("10.0.1.1"))]);
    assert_eq!(n.options, opts(&[("com.docker.network.driver.overlay.vxlanid_list", "4097")]));
    // The inspect maps to exactly the same observation: its `Containers` map is not carried over.
    let inspected: Network = fixture("network-inspect-nvfix-ov.json");
    assert_eq!(&network_obs(&inspected), n);
    let ingress: Network = fixture("network-inspect-ingress.json");
    assert_eq!(network_obs(&ingress), networks()["ingress"]);
}

// ---------------------------------------------------------------- pseudo-endpoints

#[test]
fn overlay_inspect_lists_pseudo_endpoints_that_are_not_containers() {
    // bollard 0.21 keeps `Containers` only in `NetworkInspect`; `Network` (what list_networks returns
    // and `network_obs` takes) has no such field.
    let ov: NetworkInspect = fixture("network-inspect-nvfix-ov.json");
    let ov_keys: Vec<String> = ov.containers.as_ref().expect("inspect has Containers").keys().cloned().collect();
    let mut sorted = ov_keys.clone();
    sorted.sort();
    assert_eq!(sorted, [OVC_ID, "lb-nvfix-ov"]);
    let lb = &ov.containers.as_ref().unwrap()["lb-nvfix-ov"];
    assert_eq!(lb.name.as_deref(), Some("nvfix-ov-endpoint"));
    assert_eq!(lb.ipv4_address.as_deref(), Some("10.0.1.3/24"));

    let ingress: NetworkInspect = fixture("network-inspect-ingress.json");
    let ingress_keys: Vec<String> = ingress.containers.as_ref().unwrap().keys().cloned().collect();
    assert_eq!(ingress_keys, ["ingress-sbox"]);
    assert_eq!(ingress.containers.as_ref().unwrap()["ingress-sbox"].name.as_deref(), Some("ingress-endpoint"));

    // netview builds containers from the container list only, and the list has none of them.
    let list = containers();
    for key in ["lb-nvfix-ov", "ingress-sbox"] {
        assert!(list.values().all(|c| c.id != key && c.name != key), "{key} is not a container");
    }
    for name in ["nvfix-ov-endpoint", "ingress-endpoint"] {
        assert!(!list.contains_key(name), "{name} is not a container");
    }
    assert!(list.values().all(|c| c.id.len() == 64 && c.id.chars().all(|ch| ch.is_ascii_hexdigit())));
    // What the collector reads (`Network`) cannot carry endpoints at all, even from an inspect.
    let as_network: Network = fixture("network-inspect-nvfix-ov.json");
    let reserialized = serde_json::to_value(&as_network).unwrap();
    assert!(reserialized.get("Containers").is_none(), "{reserialized}");
    let listed = network_list();

    // And the correlated topology knows only the real container on the overlay network.
    let obs = Observation {
        docker: DockerObs {
            available: true,
            networks: listed.iter().map(network_obs).collect(),
            containers: list.into_values().collect(),
            ..Default::default()
        },
        ..Default::default()
    };
    let topo = netview::model::build(&obs);
    assert_eq!(topo.network("nvfix-ov").unwrap().containers, ["nvfix-ovc"]);
    assert!(topo.network("ingress").unwrap().containers.is_empty());
    let names: Vec<&str> = topo.docker.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["nvfix-default", "nvfix-host", "nvfix-multi", "nvfix-none", "nvfix-ovc", "nvfix-shared", "nvfix-stopped"]
    );
}

// ---------------------------------------------------------------- containers

#[test]
fn container_on_the_default_bridge_with_ports() {
    let c = container("nvfix-default");
    assert_eq!(c.id, DEFAULT_ID);
    assert_eq!(c.name, "nvfix-default", "the leading / is trimmed");
    assert_eq!(c.image.as_deref(), Some(IMAGE));
    assert_eq!(c.state, "running");
    // Docker 20.10 reports the default bridge as "default", not "bridge".
    assert_eq!(c.network_mode, "default");
    assert_eq!(
        c.endpoints,
        [EndpointObs {
            network: "bridge".into(),
            network_id: Some(BRIDGE_NET_ID.into()),
            endpoint_id: Some("c7bc6a69bc1c530e22f67a6e3d28ccefa9d9fe81e57311e2494e089c8d4ccd1f".into()),
            ipv4: Some("172.17.0.2/16".into()),
            ipv6: None,
            mac: Some("02:42:ac:11:00:02".into()),
            gateway: Some("172.17.0.1".into()),
            ipv6_gateway: None,
            aliases: vec![],
            dns_names: vec![],
        }]
    );
    // Sorted by container port; the exposed-only port has neither host address nor host port.
    assert_eq!(
        c.ports,
        [
            port(53, "udp", Some(("127.0.0.1", 38053))),
            port(80, "tcp", Some(("127.0.0.1", 38080))),
            port(9000, "tcp", None),
        ]
    );
    // The list has neither the namespace file nor the pid: those come from the inspect.
    assert_eq!((c.sandbox_key.as_deref(), c.pid, c.namespace), (None, None, None));
    assert!(c.labels.is_empty());
}

#[test]
fn container_on_two_networks() {
    let c = container("nvfix-multi");
    assert_eq!(c.id, MULTI_ID);
    assert_eq!(c.network_mode, "nvfix-user");
    assert!(c.ports.is_empty());
    let nets: Vec<&str> = c.endpoints.iter().map(|e| e.network.as_str()).collect();
    assert_eq!(nets, ["nvfix-internal", "nvfix-user"], "endpoints sorted by network name");
    let internal = &c.endpoints[0];
    assert_eq!(internal.network_id.as_deref(), Some(INTERNAL_NET_ID));
    assert_eq!(internal.ipv4.as_deref(), Some("10.124.0.2/24"));
    assert_eq!(internal.mac.as_deref(), Some("02:42:0a:7c:00:02"));
    assert_eq!(internal.gateway.as_deref(), Some("10.124.0.1"));
    let user = &c.endpoints[1];
    assert_eq!(user.network_id.as_deref(), Some(USER_NET_ID));
    assert_eq!(user.endpoint_id.as_deref(), Some("1a8ff484fa593a07c63e8ab028e2b710bab3e45c38da2f6b249a5f1e8ba5afa9"));
    assert_eq!(user.ipv4.as_deref(), Some("10.123.0.10/24"));
    // Created with MAC 02:42:0A:7B:00:0A; the engine already reports it lower-cased.
    assert_eq!(user.mac.as_deref(), Some("02:42:0a:7b:00:0a"));
    assert_eq!(user.gateway.as_deref(), Some("10.123.0.254"));
    assert_eq!(user.ipv6, None);
}

#[test]
fn every_ipv4_is_cidr_and_every_mac_lowercase() {
    for c in containers().values() {
        for e in &c.endpoints {
            if let Some(ip) = &e.ipv4 {
                let (addr, len) = ip.split_once('/').unwrap_or_else(|| panic!("{}: {ip} is not ip/prefix", c.name));
                assert!(addr.parse::<std::net::Ipv4Addr>().is_ok(), "{ip}");
                assert!(len.parse::<u8>().is_ok_and(|l| (1..=32).contains(&l)), "{ip}");
            }
            if let Some(mac) = &e.mac {
                assert_eq!(mac, &mac.to_ascii_lowercase());
                assert_eq!(mac.len(), 17);
            }
        }
    }
}

#[test]
fn mac_is_lowercased_whatever_the_engine_sends() {
    // The engine sends lower case; the mapping must lower-case whatever it gets anyway.
    let mut list = container_list();
    let summary = list.iter_mut().find(|c| c.id.as_deref() == Some(MULTI_ID)).unwrap();
    let nets = summary.network_settings.as_mut().unwrap().networks.as_mut().unwrap();
    nets.get_mut("nvfix-user").unwrap().mac_address = Some("02:42:0A:7B:00:0A".into());
    let c = container_obs(summary);
    let user = c.endpoints.iter().find(|e| e.network == "nvfix-user").unwrap();
    assert_eq!(user.mac.as_deref(), Some("02:42:0a:7b:00:0a"));
}

#[test]
fn container_sharing_another_containers_namespace() {
    let c = container("nvfix-shared");
    assert_eq!(c.id, SHARED_ID);
    assert_eq!(c.network_mode, format!("container:{DEFAULT_ID}"), "the full id of the target");
    assert!(c.endpoints.is_empty());
    assert!(c.ports.is_empty());

    let mut c = c;
    apply_inspect(&mut c, &inspect("nvfix-shared"));
    assert_eq!(c.sandbox_key, None, "SandboxKey is \"\" for container: mode");
    assert_eq!(c.pid, Some(18650));
}

#[test]
fn host_and_none_containers() {
    let h = container("nvfix-host");
    assert_eq!(h.id, HOST_ID);
    assert_eq!(h.network_mode, "host");
    assert_eq!(h.endpoints.len(), 1);
    let e = &h.endpoints[0];
    assert_eq!(e.network, "host");
    assert_eq!(e.network_id.as_deref(), Some(HOST_NET_ID));
    assert_eq!(
        (e.ipv4.as_deref(), e.ipv6.as_deref(), e.mac.as_deref(), e.gateway.as_deref()),
        (None, None, None, None)
    );

    let n = container("nvfix-none");
    assert_eq!(n.id, NONE_ID);
    assert_eq!(n.network_mode, "none");
    assert_eq!(n.endpoints.len(), 1);
    let e = &n.endpoints[0];
    assert_eq!(e.network, "none");
    assert_eq!(e.network_id.as_deref(), Some(NONE_NET_ID));
    assert_eq!((e.ipv4.as_deref(), e.mac.as_deref(), e.gateway.as_deref()), (None, None, None));
}

#[test]
fn stopped_container() {
    let c = container("nvfix-stopped");
    assert_eq!(c.id, STOPPED_ID);
    assert_eq!(c.state, "exited");
    assert_eq!(c.network_mode, "nvfix-user");
    // It still lists its network, with every address field empty.
    assert_eq!(
        c.endpoints,
        [EndpointObs {
            network: "nvfix-user".into(),
            network_id: Some(USER_NET_ID.into()),
            endpoint_id: None,
            ipv4: None,
            ipv6: None,
            mac: None,
            gateway: None,
            ipv6_gateway: None,
            aliases: vec![],
            dns_names: vec![],
        }]
    );
    let i = inspect("nvfix-stopped");
    let state = i.state.as_ref().unwrap();
    assert_eq!(state.running, Some(false));
    assert_eq!(state.pid, Some(0));
    let mut c = c;
    apply_inspect(&mut c, &i);
    assert_eq!(c.pid, None, "pid 0 is no process");
    assert_eq!(c.state, "exited", "state comes from the list");
}

/// A stopped container's inspect still carries its old SandboxKey (on this engine a left-over plain
/// file, no longer a namespace): a container that stops between the list and the inspect gets none.
#[test]
fn stopped_container_inspect_gives_no_sandbox_key() {
    let mut c = container("nvfix-stopped");
    apply_inspect(&mut c, &inspect("nvfix-stopped"));
    assert_eq!(c.sandbox_key, None, "got the stale {:?}", c.sandbox_key);
}

#[test]
fn overlay_container() {
    let c = container("nvfix-ovc");
    assert_eq!(c.id, OVC_ID);
    assert_eq!(c.network_mode, "nvfix-ov");
    assert_eq!(c.endpoints.len(), 1);
    let e = &c.endpoints[0];
    assert_eq!(e.network, "nvfix-ov");
    assert_eq!(e.network_id.as_deref(), Some(OV_NET_ID));
    assert_eq!(e.ipv4.as_deref(), Some("10.0.1.2/24"));
    assert_eq!(e.mac.as_deref(), Some("02:42:0a:00:01:02"));
    assert_eq!(e.gateway, None, "overlay endpoints have an empty Gateway");
}

#[test]
fn inspect_gives_sandbox_key_and_pid() {
    let expected = [
        ("nvfix-default", Some("/var/run/docker/netns/c0138a49543f"), Some(18554)),
        ("nvfix-multi", Some("/var/run/docker/netns/b149707ce43e"), Some(18994)),
        ("nvfix-none", Some("/var/run/docker/netns/65c6e006d35e"), Some(18705)),
        ("nvfix-host", Some("/var/run/docker/netns/default"), Some(18785)),
        ("nvfix-ovc", Some("/var/run/docker/netns/a0e82931e389"), Some(19673)),
        ("nvfix-shared", None, Some(18650)),
    ];
    let all = containers();
    for (name, key, pid) in expected {
        let mut c = all[name].clone();
        let before = c.clone();
        apply_inspect(&mut c, &inspect(name));
        assert_eq!((c.sandbox_key.as_deref(), c.pid), (key, pid), "{name}");
        // Nothing else changes: the list stays the source of names, states, endpoints and ports.
        assert_eq!(ContainerObs { sandbox_key: None, pid: None, ..c }, before, "{name}");
    }
}

#[test]
fn fixtures_feed_the_join() {
    // With no namespaces, the join still resolves what the Docker data alone says.
    let mut list: Vec<ContainerObs> = containers().into_values().collect();
    for c in &mut list {
        apply_inspect(c, &inspect(&c.name));
    }
    let obs = Observation {
        docker: DockerObs {
            available: true,
            networks: network_list().iter().map(network_obs).collect(),
            containers: list,
            ..Default::default()
        },
        ..Default::default()
    };
    let topo = netview::model::build(&obs);
    let shared = topo.container("nvfix-shared").unwrap();
    assert_eq!(shared.shares_namespace_with.as_deref(), Some("nvfix-default"));
    assert_eq!(topo.container("nvfix-stopped").unwrap().namespace, None);
    let user = topo.network("nvfix-user").unwrap();
    assert_eq!(user.containers, ["nvfix-multi"], "like `docker network inspect`: running members only");
    assert_eq!(user.subnets[0].gateway.as_deref(), Some("10.123.0.254"));
    assert!(!user.subnets[0].gateway_derived);
    let bridge = topo.network("bridge").unwrap();
    assert_eq!(bridge.containers, ["nvfix-default"]);
    assert_eq!(bridge.subnets[0].gateway, None, "no bridge seen, nothing to derive the gateway from");
    assert_eq!(bridge.icc, Some(true));
    assert_eq!(topo.network("docker_gwbridge").unwrap().icc, Some(false));
    assert_eq!(topo.network("docker_gwbridge").unwrap().masquerade, Some(true));
}

#[test]
fn a_linked_container_keeps_its_own_name() {
    // Docker lists a container that another one links to under the link's name too
    // ("/app/db"), and not always second.
    let mut list = container_list();
    let summary = list.iter_mut().find(|c| c.id.as_deref() == Some(DEFAULT_ID)).unwrap();
    let own = summary.names.as_ref().unwrap()[0].clone();
    summary.names = Some(vec!["/nvfix-app/db".into(), own.clone()]);
    assert_eq!(container_obs(summary).name, own.trim_start_matches('/'));
}
