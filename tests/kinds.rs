//! Classification of device and namespace kinds from hand-built observations: a Kubernetes node
//! (cni0, flannel.1, pod namespaces, a routed Calico veth), a macvlan child on its parent NIC,
//! and what the tree makes of them.

use netview::app::tree::{Group, NodeId, rows};
use netview::model::*;
use std::collections::{BTreeMap, HashSet};

const HOST: u64 = 4026531840;
const POD: u64 = 4026532001;
const MACVLAN_CTR: u64 = 4026532002;

fn id(inode: u64) -> NsIdentity {
    NsIdentity { dev: 4, inode }
}

fn link(ifindex: u32, name: &str, kind: Option<&str>, addrs: &[&str]) -> LinkObs {
    LinkObs {
        ifindex,
        name: name.into(),
        kind: kind.map(str::to_string),
        state: "UP".into(),
        addresses: addrs.iter().map(|a| a.to_string()).collect(),
        ..Default::default()
    }
}

fn route(dst: &str, gw: Option<&str>, oif: u32) -> RouteObs {
    RouteObs { destination: dst.into(), gateway: gw.map(str::to_string), oif: Some(oif) }
}

fn k8s_node() -> Observation {
    let mut flannel = link(4, "flannel.1", Some("vxlan"), &["10.244.1.0/32"]);
    flannel.vxlan =
        Some(Vxlan { vni: Some(1), port: Some(8472), local: Some("192.168.56.11".into()), group: None, fdb: vec![] });
    let mut pod_veth = link(6, "veth1a2b3c4d", Some("veth"), &[]);
    pod_veth.master = Some(5);
    pod_veth.link = Some(2);
    pod_veth.link_netnsid = Some(0);
    let mut cali = link(7, "cali12345678901", Some("veth"), &[]);
    cali.link = Some(3);
    let mut macvlan = link(2, "eth0", Some("macvlan"), &["192.168.56.200/24"]);
    macvlan.link = Some(2);
    macvlan.link_netnsid = Some(0);
    let mut pod_eth0 = link(2, "eth0", Some("veth"), &["10.244.1.5/24"]);
    pod_eth0.link = Some(6);
    pod_eth0.link_netnsid = Some(0);
    let host = NamespaceObs {
        id: id(HOST),
        paths: vec!["/proc/self/ns/net".into()],
        sources: vec![NsSource::Host],
        links: vec![
            link(1, "lo", None, &["127.0.0.1/8"]),
            link(2, "eth0", None, &["192.168.56.11/24"]),
            flannel,
            link(5, "cni0", Some("bridge"), &["10.244.1.1/24"]),
            pod_veth,
            cali,
        ],
        routes: vec![
            route("default", Some("192.168.56.1"), 2),
            route("10.244.0.0/24", Some("10.244.0.0"), 4),
            route("10.244.2.0/24", Some("10.244.2.0"), 4),
            route("10.244.1.0/24", None, 5),
        ],
        nsids: BTreeMap::from([(0, id(POD)), (1, id(MACVLAN_CTR))]),
        listening: Vec::new(),
    };
    let pod = NamespaceObs {
        id: id(POD),
        paths: vec!["/run/netns/cni-6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b".into()],
        sources: vec![NsSource::Named { name: "cni-6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b".into() }],
        links: vec![link(1, "lo", None, &["127.0.0.1/8"]), pod_eth0],
        routes: vec![route("default", Some("10.244.1.1"), 2)],
        nsids: BTreeMap::from([(0, id(HOST))]),
        listening: Vec::new(),
    };
    let ctr = NamespaceObs {
        id: id(MACVLAN_CTR),
        paths: vec!["/run/netns/macv".into()],
        sources: vec![NsSource::Named { name: "macv".into() }],
        links: vec![link(1, "lo", None, &["127.0.0.1/8"]), macvlan],
        routes: vec![],
        nsids: BTreeMap::from([(0, id(HOST))]),
        listening: Vec::new(),
    };
    Observation { namespaces: vec![host, pod, ctr], ..Default::default() }
}

#[test]
fn a_kubernetes_node_is_recognised_from_its_own_interfaces_and_routes() {
    let t = build(&k8s_node());
    let k = t.kubernetes.as_ref().expect("Kubernetes facts");
    assert_eq!(k.bridge.as_deref(), Some("cni0"));
    assert_eq!(k.pod_cidr.as_deref(), Some("10.244.1.0/24"), "cni0's subnet is this node's slice");
    assert_eq!(k.overlay_devices, vec![("flannel.1".to_string(), Some(1), Some(8472))]);
    assert_eq!(
        k.peer_slices,
        vec![
            ("10.244.0.0/24".to_string(), "flannel.1".to_string()),
            ("10.244.2.0/24".to_string(), "flannel.1".to_string())
        ]
    );
    assert_eq!(k.pod_namespaces, vec![POD]);
    assert_eq!(k.routed_pod_veths, vec!["cali12345678901".to_string()]);
    let pod = t.namespace(POD).unwrap();
    assert_eq!(pod.kind, NsKind::Cni);
    // The tree: a Kubernetes group with flannel.1, the routed veth and the pod namespace.
    let open: HashSet<NodeId> = [NodeId::Group(Group::Kubernetes)].into();
    let r = rows(&t, &open, "");
    let at = r.iter().position(|r| r.id == NodeId::Group(Group::Kubernetes)).expect("the Kubernetes group");
    assert_eq!(r[at].detail, "pod CIDR 10.244.1.0/24");
    let kids: Vec<&str> = r[at + 1..].iter().take_while(|x| x.depth > r[at].depth).map(|x| x.text.as_str()).collect();
    assert_eq!(kids, vec!["flannel.1", "cali12345678901", &pod.label[..]]);
}

#[test]
fn a_plain_docker_host_is_not_a_kubernetes_node() {
    let mut o = k8s_node();
    o.namespaces[0].links.retain(|l| !matches!(l.name.as_str(), "cni0" | "flannel.1") && !l.name.starts_with("cali"));
    o.namespaces.retain(|n| n.id.inode != POD);
    assert_eq!(build(&o).kubernetes, None);
}

#[test]
fn a_macvlan_child_hangs_off_its_parent_nic() {
    let t = build(&k8s_node());
    let eth0 = t.namespace(MACVLAN_CTR).unwrap().interface_named("eth0").unwrap();
    let parent = eth0.parent.as_ref().expect("the parent");
    assert_eq!((parent.namespace, parent.ifindex, parent.name.as_deref()), (Some(HOST), 2, Some("eth0")));
    let r = rows(&t, &HashSet::new(), "");
    let nic = r.iter().position(|x| x.id == NodeId::Interface { ns: HOST, ifindex: 2 }).expect("eth0 on the host");
    assert!(r[nic].has_children, "the NIC has the macvlan child");
    let open: HashSet<NodeId> = [NodeId::Interface { ns: HOST, ifindex: 2 }].into();
    let r = rows(&t, &open, "");
    let child = &r[nic + 1];
    assert_eq!(child.id, NodeId::Interface { ns: MACVLAN_CTR, ifindex: 2 });
    assert!(child.detail.starts_with("macvlan @ macv"), "{:?}", child.detail);
}

#[test]
fn docker_networks_say_their_parent_mode_and_overlay() {
    let mut o = k8s_node();
    let net = |name: &str, driver: &str, opts: &[(&str, &str)]| DockerNetworkObs {
        id: format!("{name}0123456789abcdef"),
        name: name.into(),
        driver: driver.into(),
        scope: "local".into(),
        options: opts.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    };
    o.docker.available = true;
    o.docker.networks = vec![
        net("mv", "macvlan", &[("parent", "eth0")]),
        net("iv", "ipvlan", &[("parent", "eth0"), ("ipvlan_mode", "l3")]),
        net("ov", "overlay", &[("com.docker.network.driver.overlay.vxlanid_list", "4097")]),
    ];
    let t = build(&o);
    let p = |n: &str| t.network(n).and_then(|n| n.parent.clone()).map(|p| (p.parent, p.mode));
    assert_eq!(p("mv"), Some((Some("eth0".into()), "bridge".into())));
    assert_eq!(p("iv"), Some((Some("eth0".into()), "l3".into())));
    let ov = t.network("ov").and_then(|n| n.overlay.clone()).expect("overlay facts");
    assert_eq!((ov.vni, ov.namespace), (Some(4097), None), "no 1-<id> namespace on this node");
}

/// `netview path` across a VXLAN on the real two-host snapshot: through the device's remote, or,
/// where the device has none (as Docker and flannel make them), through the remote its
/// forwarding table names; with neither, the frame leaves this host.
#[test]
fn a_path_crosses_a_vxlan_by_its_remote_or_its_forwarding_table() {
    use netview::model::reach::{self, Reach};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cluster/vxlan-hostA.json");
    let original = netview::replay::load(std::path::Path::new(path)).expect("the fixture reads");
    let verdict = |t: &Topology| {
        let from = reach::resolve(t, "nvc-podA1").unwrap();
        let to = reach::resolve(t, "10.234.0.21").unwrap();
        reach::path(t, (&t.firewall).into(), from, to, "icmp", None)
    };
    let set_vx42 = |fdb: Vec<VxlanFdb>| {
        let mut t = original.clone();
        for i in t.namespaces.iter_mut().filter(|n| n.host).flat_map(|n| n.interfaces.iter_mut()) {
            if i.name == "nvc-vx42" {
                let v = i.vxlan.as_mut().unwrap();
                v.group = None;
                v.fdb = fdb.clone();
            }
        }
        t
    };
    let crossed = |r: &reach::PathReport| r.hops.iter().any(|h| h.text.contains("→ 10.233.0.2 (nvc-hostB)"));

    let by_remote = verdict(&original);
    assert!(crossed(&by_remote), "{by_remote:#?}");
    let entry =
        VxlanFdb { mac: "00:00:00:00:00:00".into(), dst: Some("10.233.0.2".into()), vni: None, permanent: true };
    let by_fdb = verdict(&set_vx42(vec![entry]));
    assert!(crossed(&by_fdb), "{by_fdb:#?}");
    assert_eq!(by_fdb.verdict, by_remote.verdict);
    let neither = verdict(&set_vx42(vec![]));
    assert_eq!(neither.verdict, Reach::LeavesHost, "{neither:#?}");
}
