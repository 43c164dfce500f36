//! `netview merge`: nodes' snapshots merged into the cluster view. Fixtures only, no root needed;
//! see tests/fixtures/cluster/README.md for where each snapshot comes from.

use netview::model::cluster::{Cluster, Node, PlacementKind, Tunnel, TunnelSource, merge};
use netview::output::cluster::{command, parse_node, read_node, text, write};
use std::path::PathBuf;
use std::process::ExitCode;

const NVM_OV: &str = "e1hwmokulea73zhd2aph8edtg";
const INGRESS: &str = "dks1oe51g8ygz7panvf1fssjw";

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cluster").join(name)
}

fn node(name: &str) -> Node {
    read_node(&path(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn vxlan_pair() -> Cluster {
    merge(vec![node("vxlan-hostA.json"), node("vxlan-hostB.json")])
}

fn swarm_pair() -> Cluster {
    merge(vec![node("swarm-a.json"), node("swarm-b.json")])
}

fn names(c: &Cluster) -> Vec<&str> {
    c.nodes.iter().map(|n| n.name.as_str()).collect()
}

fn tunnels_from<'c>(c: &'c Cluster, node: &str, device: &str) -> Vec<&'c Tunnel> {
    c.tunnels.iter().filter(|t| t.node == node && t.device == device).collect()
}

fn placed(c: &Cluster, name: &str) -> Vec<String> {
    c.containers.iter().filter(|p| p.name == name).map(|p| p.node.clone()).collect()
}

#[test]
fn nodes_are_named_by_hostname_and_ordered() {
    let c = merge(vec![node("vxlan-hostB.json"), node("vxlan-hostA.json")]);
    assert_eq!(names(&c), ["nvc-hostA", "nvc-hostB"]);
    let a = &c.nodes[0];
    assert!(a.source.ends_with("vxlan-hostA.json"), "{}", a.source);
    assert_eq!(a.addresses, ["10.233.0.1"]);
    assert_eq!(c.nodes[1].addresses, ["10.233.0.2"]);
    assert_eq!(a.vxlan_devices, 2);
    assert_eq!(c.nodes[1].vxlan_devices, 1);

    let s = merge(vec![node("swarm-b.json"), node("swarm-a.json")]);
    assert_eq!(names(&s), ["vm", "vm-b"]);
    assert_eq!(s.nodes[0].docker_engine.as_deref(), Some("20.10.24+dfsg1"));
    assert!(s.nodes[1].addresses.contains(&"192.0.2.3".to_string()), "{:?}", s.nodes[1].addresses);
}

#[test]
fn a_snapshot_taken_inside_a_namespace_keeps_only_its_own_node() {
    // Each vxlan-host snapshot lists all five nvc-* namespaces; each node keeps its own.
    let c = vxlan_pair();
    let (a, b) = (&c.nodes[0], &c.nodes[1]);
    assert_eq!((a.namespaces, a.left_out_namespaces), (3, 2)); // host, podA1, podA2
    assert_eq!((b.namespaces, b.left_out_namespaces), (2, 3)); // host, podB1
    assert_eq!(a.bridges, 2);
    assert_eq!(b.bridges, 1);
    let note = c.notes.iter().find(|n| n.starts_with("nvc-hostA:") && n.contains("left out")).expect("left-out note");
    assert!(note.contains("nvc-hostB (the host namespace of node nvc-hostB)"), "{note}");
    assert!(note.contains("nvc-podB1"), "{note}");
    // B's VNI 42 device is counted once, on B, though A's snapshot lists it too.
    let vni42 = c.overlays.iter().find(|o| o.vnis == [42]).unwrap();
    for n in &vni42.nodes {
        assert_eq!(n.devices.len(), 1, "{n:?}");
    }
}

#[test]
fn the_overlay_is_matched_across_nodes_by_vni() {
    let c = vxlan_pair();
    let o = c.overlays.iter().find(|o| o.key == "vni 42").expect("vni 42");
    assert_eq!(o.vnis, [42]);
    assert!(o.docker_ids.is_empty());
    assert_eq!(o.names, ["nvc-vx42"]);
    assert_eq!(o.subnets, ["10.234.0.0/24"]);
    let nodes: Vec<&str> = o.nodes.iter().map(|n| n.node.as_str()).collect();
    assert_eq!(nodes, ["nvc-hostA", "nvc-hostB"]);
    let (a, b) = (&o.nodes[0], &o.nodes[1]);
    assert_eq!(a.devices[0].name, "nvc-vx42");
    assert_eq!(a.devices[0].namespace, "host");
    assert_eq!((a.devices[0].vni, a.devices[0].port), (Some(42), Some(4789)));
    assert_eq!(a.devices[0].local.as_deref(), Some("10.233.0.1"));
    assert_eq!(b.devices[0].local.as_deref(), Some("10.233.0.2"));
    assert_eq!(a.bridges, ["host: nvc-br42"]);
    assert_eq!(a.members, ["nvc-podA1", "nvc-podA2"]);
    assert_eq!(b.members, ["nvc-podB1"]);
}

#[test]
fn docker_overlays_are_matched_by_network_id_and_vni() {
    let c = swarm_pair();
    let ov = c.overlays.iter().find(|o| o.docker_ids == [NVM_OV]).expect("nvm-ov");
    assert_eq!(ov.vnis, [4097]);
    assert_eq!(ov.names, ["nvm-ov"]);
    assert_eq!(ov.subnets, ["10.235.0.0/24"]);
    let on: Vec<(&str, Option<&str>)> =
        ov.nodes.iter().map(|n| (n.node.as_str(), n.docker_network.as_deref())).collect();
    assert_eq!(on, [("vm", Some("nvm-ov")), ("vm-b", Some("nvm-ov"))]);
    for n in &ov.nodes {
        assert_eq!(n.devices.len(), 1);
        assert_eq!(n.devices[0].name, "vxlan0");
        assert_eq!(n.devices[0].namespace, "overlay nvm-ov");
        assert_eq!(n.devices[0].bridge.as_deref(), Some("br0"));
        assert_eq!(n.devices[0].local, None); // Docker's device has no local or remote: FDB-driven
    }
    assert_eq!(ov.nodes[0].members, ["lb nvm-ov", "nvm-ovc", "nvm-side"]);
    assert_eq!(ov.nodes[1].members, ["lb nvm-ov", "nvm-ovb"]);

    let ingress = c.overlays.iter().find(|o| o.docker_ids == [INGRESS]).expect("ingress");
    assert_eq!(ingress.vnis, [4096]);
    assert_eq!(ingress.nodes.len(), 2);
    // Local networks (bridge, docker_gwbridge, the macvlan nvm-mv) are not cluster overlays.
    assert_eq!(c.overlays.len(), 2);
    assert_eq!(c.nodes[0].overlays, 2);
}

#[test]
fn containers_are_placed_on_their_node() {
    let c = swarm_pair();
    assert_eq!(placed(&c, "nvm-ovc"), ["vm"]);
    assert_eq!(placed(&c, "nvm-ovb"), ["vm-b"]);
    assert_eq!(placed(&c, "nvm-mvc"), ["vm"]);
    let ovb = c.containers.iter().find(|p| p.name == "nvm-ovb").unwrap();
    assert_eq!(ovb.networks, ["nvm-ov"]);
    assert_eq!(ovb.addresses, ["10.235.0.4/24"]);
    assert_eq!(ovb.kind, PlacementKind::Container);
    let side = c.containers.iter().find(|p| p.name == "nvm-side").unwrap();
    assert_eq!(side.shares_namespace_with.as_deref(), Some("nvm-ovc"));

    // Without Docker, the pod namespaces are placed, each once, on the node they hang off.
    let v = vxlan_pair();
    assert_eq!(placed(&v, "nvc-podA1"), ["nvc-hostA"]);
    assert_eq!(placed(&v, "nvc-podA2"), ["nvc-hostA"]);
    assert_eq!(placed(&v, "nvc-podB1"), ["nvc-hostB"]);
    assert!(placed(&v, "nvc-hostB").is_empty(), "another host is not a container of A");
    let a2 = v.containers.iter().find(|p| p.name == "nvc-podA2").unwrap();
    assert_eq!(a2.kind, PlacementKind::Namespace);
    assert_eq!(a2.networks, ["vni 42", "vni 99"]);
    assert_eq!(a2.addresses, ["10.234.0.12/24", "10.235.0.12/24"]);
}

#[test]
fn the_tunnel_from_a_reaches_node_b_by_its_underlay_address() {
    let c = vxlan_pair();
    let t = tunnels_from(&c, "nvc-hostA", "nvc-vx42");
    assert_eq!(t.len(), 1);
    let t = t[0];
    assert_eq!(t.remote.as_deref(), Some("10.233.0.2"));
    assert_eq!(t.remote_node.as_deref(), Some("nvc-hostB"));
    assert_eq!(t.source, TunnelSource::Remote);
    assert_eq!((t.vni, t.port, t.local.as_deref()), (Some(42), Some(4789), Some("10.233.0.1")));
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    let back = tunnels_from(&c, "nvc-hostB", "nvc-vx42");
    assert_eq!(back[0].remote_node.as_deref(), Some("nvc-hostA"));
    assert!(!c.notes.iter().any(|n| n.contains("inferred")), "nothing inferred here: {:?}", c.notes);
}

/// Without a remote on the device (as Docker and flannel make them), the remotes of its own
/// forwarding table are the tunnels, each given the node that holds the address.
#[test]
fn a_tunnel_without_a_remote_follows_the_forwarding_table() {
    let strip = |name: &str, dst: &str| {
        let mut n = node(name);
        for ns in &mut n.topology.namespaces {
            for i in ns.interfaces.iter_mut().filter(|i| i.name == "nvc-vx42") {
                let v = i.vxlan.as_mut().unwrap();
                v.group = None;
                v.fdb = vec![
                    netview::model::VxlanFdb {
                        mac: "00:00:00:00:00:00".into(),
                        dst: Some(dst.into()),
                        vni: None,
                        permanent: true,
                    },
                    netview::model::VxlanFdb {
                        mac: "02:42:0a:00:00:05".into(),
                        dst: Some(dst.into()),
                        vni: None,
                        permanent: true,
                    },
                ];
            }
        }
        n
    };
    let c = merge(vec![strip("vxlan-hostA.json", "10.233.0.2"), strip("vxlan-hostB.json", "10.233.0.1")]);
    let t = tunnels_from(&c, "nvc-hostA", "nvc-vx42");
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].source, TunnelSource::Fdb);
    assert_eq!((t[0].remote.as_deref(), t[0].remote_node.as_deref()), (Some("10.233.0.2"), Some("nvc-hostB")));
    assert!(t[0].problems.is_empty(), "{:?}", t[0].problems);
    let back = tunnels_from(&c, "nvc-hostB", "nvc-vx42");
    assert_eq!(back[0].remote_node.as_deref(), Some("nvc-hostA"));
    let page = text(&c).join("\n");
    assert!(page.contains("forwarding table"), "{page}");
}

#[test]
fn docker_tunnels_are_inferred_from_the_other_nodes_with_the_overlay() {
    let c = swarm_pair();
    let t = c.tunnels.iter().find(|t| t.node == "vm" && t.namespace == "overlay nvm-ov").expect("tunnel");
    assert_eq!(t.source, TunnelSource::Inferred);
    assert_eq!(t.remote_node.as_deref(), Some("vm-b"));
    assert_eq!(t.remote.as_deref(), Some("192.0.2.3")); // vm-b's default-route address
    assert_eq!(c.tunnels.len(), 4); // ingress and nvm-ov, both ways
}

#[test]
fn a_network_on_one_node_only_is_listed_as_such() {
    let c = vxlan_pair();
    let o = c.overlays.iter().find(|o| o.vnis == [99]).expect("vni 99");
    let nodes: Vec<&str> = o.nodes.iter().map(|n| n.node.as_str()).collect();
    assert_eq!(nodes, ["nvc-hostA"]);
    let lines = text(&c);
    assert!(lines.iter().any(|l| l.contains("vni 99") && l.contains("only on nvc-hostA")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("vni 42") && l.contains("on 2 nodes")), "{lines:#?}");
    let t = tunnels_from(&c, "nvc-hostA", "nvc-vx99");
    assert_eq!(t[0].remote.as_deref(), Some("10.233.0.99"));
    assert_eq!(t[0].remote_node, None);
    assert!(t[0].problems.iter().any(|p| p.contains("10.233.0.99")), "{:?}", t[0].problems);
}

#[test]
fn duplicate_hostnames_fall_back_to_file_names() {
    let mut a = node("vxlan-hostA.json");
    let mut b = node("vxlan-hostB.json");
    for n in [&mut a, &mut b] {
        n.topology.host.hostname = Some("same".into());
        *n = Node::new(n.source.clone(), n.topology.clone());
        assert_eq!(n.name, "same");
    }
    let c = merge(vec![b, a]);
    assert_eq!(names(&c), ["vxlan-hostA", "vxlan-hostB"]);
    assert!(c.notes.iter().any(|n| n.contains("The name same is shared by")), "{:#?}", c.notes);
    // The tunnel still finds its node under the new name.
    assert_eq!(tunnels_from(&c, "vxlan-hostA", "nvc-vx42")[0].remote_node.as_deref(), Some("vxlan-hostB"));

    // No hostname at all: the file stem.
    let mut t = node("vxlan-hostA.json").topology;
    t.host.hostname = None;
    assert_eq!(Node::new("/some/dir/node-7.json", t.clone()).name, "node-7");
    // The same file twice: still two distinct names.
    let src = path("vxlan-hostA.json").display().to_string();
    let twice = merge(vec![Node::new(src.clone(), t.clone()), Node::new(src.clone(), t)]);
    assert_eq!(names(&twice), [format!("{src}#1"), format!("{src}#2")]);
}

#[test]
fn bad_json_names_the_file_and_the_line() {
    let p = path("bad/missing-comma.json");
    let e = read_node(&p).unwrap_err();
    assert!(e.starts_with(&format!("{}:5:", p.display())), "{e}");
    assert!(e.contains("not valid JSON"), "{e}");
    assert!(e.contains("expected `,` or `}`"), "{e}");

    let p = path("bad/truncated.json");
    let e = read_node(&p).unwrap_err();
    // 40 lines and a newline: the end of the file is line 41, column 0.
    assert!(e.starts_with(&format!("{}:41:0:", p.display())), "{e}");
    assert!(e.contains("EOF while parsing") && e.ends_with("(the file is cut short)"), "{e}");

    let e = read_node(&path("bad/not-a-snapshot.json")).unwrap_err();
    assert!(e.contains("not-a-snapshot.json: not a netview snapshot"), "{e}");

    // Valid JSON with the right schema but the wrong shape: the line of the offending value.
    let e = parse_node("odd.json", "{\n  \"schema\": 1,\n  \"host\": 3\n}").unwrap_err();
    assert!(e.starts_with("odd.json:3:"), "{e}");
    assert!(e.contains("not a schema 1 netview snapshot"), "{e}");

    let missing = path("bad/no-such-file.json");
    let e = read_node(&missing).unwrap_err();
    assert!(e.starts_with(&format!("{}: cannot read it", missing.display())), "{e}");
}

#[test]
fn another_schema_is_refused_clearly() {
    let p = path("bad/schema-2.json");
    let e = read_node(&p).unwrap_err();
    assert!(e.starts_with(&format!("{}: snapshot schema 2 is not supported", p.display())), "{e}");
    assert!(e.contains("reads schema 1"), "{e}");
    let e = parse_node("x.json", "{\"host\": {}}").unwrap_err();
    assert!(e.contains("no \"schema\" field"), "{e}");
    let e = parse_node("x.json", "{\"schema\": \"1\"}").unwrap_err();
    assert!(e.contains("schema \"1\" is not supported"), "{e}");
}

#[test]
fn the_command_exits_2_on_a_file_it_cannot_use() {
    let code = command(&[path("vxlan-hostA.json"), path("bad/schema-2.json")], false).unwrap();
    assert_eq!(code, ExitCode::from(2));
    assert_eq!(command(&[path("bad/no-such-file.json")], true).unwrap(), ExitCode::from(2));
    assert_eq!(command(&[], false).unwrap(), ExitCode::from(2));
}

#[test]
fn one_node_merges_alone() {
    let c = merge(vec![node("vxlan-hostA.json")]);
    assert_eq!(names(&c), ["nvc-hostA"]);
    // Alone, B's namespace is still recognised as another host: it holds its own VTEP address.
    assert_eq!(c.nodes[0].namespaces, 3);
    let note = c.notes.iter().find(|n| n.contains("left out")).unwrap();
    assert!(
        note.contains("nvc-hostB (another host: it holds a VXLAN endpoint on its own address 10.233.0.2)"),
        "{note}"
    );
    assert_eq!(c.overlays.len(), 2);
    assert!(placed(&c, "nvc-podB1").is_empty());
    let t = tunnels_from(&c, "nvc-hostA", "nvc-vx42");
    assert_eq!((t[0].remote.as_deref(), t[0].remote_node.as_deref()), (Some("10.233.0.2"), None));
    let lines = text(&c);
    assert!(lines[0].starts_with("CLUSTER  1 node,"), "{}", lines[0]);
    assert!(!lines.iter().any(|l| l.contains("only on")), "one node: nothing is 'only' on it");

    let s = merge(vec![node("swarm-b.json")]);
    let t = s.tunnels.iter().find(|t| t.namespace == "overlay nvm-ov").unwrap();
    assert_eq!((t.source, t.remote_node.as_deref()), (TunnelSource::Inferred, None));
    assert_eq!(t.problems, ["no other node has this overlay"]);
}

#[test]
fn output_does_not_depend_on_the_order_of_the_files() {
    let ab = vxlan_pair();
    let ba = merge(vec![node("vxlan-hostB.json"), node("vxlan-hostA.json")]);
    assert_eq!(text(&ab), text(&ba));
    assert_eq!(ab, ba);
    let all = ["swarm-b.json", "vxlan-hostA.json", "swarm-a.json", "vxlan-hostB.json"];
    let forward = merge(all.iter().map(|f| node(f)).collect());
    let backward = merge(all.iter().rev().map(|f| node(f)).collect());
    assert_eq!(text(&forward), text(&backward));
    assert_eq!(serde_json::to_string(&forward).unwrap(), serde_json::to_string(&backward).unwrap());
    assert_eq!(names(&forward), ["nvc-hostA", "nvc-hostB", "vm", "vm-b"]);
    // And the JSON reads back.
    let json = serde_json::to_string_pretty(&forward).unwrap();
    assert_eq!(serde_json::from_str::<Cluster>(&json).unwrap(), forward);
}

#[test]
fn a_multicast_group_joins_the_nodes_in_it() {
    let mut a = node("vxlan-hostA.json");
    let mut b = node("vxlan-hostB.json");
    for n in [&mut a, &mut b] {
        let host = n.topology.namespaces.iter_mut().find(|ns| ns.host).unwrap();
        let vx = host.interfaces.iter_mut().find(|i| i.name == "nvc-vx42").unwrap();
        vx.vxlan.as_mut().unwrap().group = Some("239.1.1.42".into());
    }
    let c = merge(vec![a, b]);
    let t = tunnels_from(&c, "nvc-hostA", "nvc-vx42");
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].source, TunnelSource::Group);
    assert_eq!((t[0].remote.as_deref(), t[0].remote_node.as_deref()), (Some("239.1.1.42"), Some("nvc-hostB")));
}

#[test]
fn mismatched_ends_are_reported() {
    let a = node("vxlan-hostA.json");
    let mut b = node("vxlan-hostB.json");
    let host = b.topology.namespaces.iter_mut().find(|ns| ns.host).unwrap();
    let vx = host.interfaces.iter_mut().find(|i| i.name == "nvc-vx42").unwrap();
    let x = vx.vxlan.as_mut().unwrap();
    x.port = Some(8472);
    x.group = Some("10.233.0.7".into());
    let c = merge(vec![a, b]);
    let p = &tunnels_from(&c, "nvc-hostA", "nvc-vx42")[0].problems;
    assert!(p.iter().any(|p| p.contains("UDP port 8472")), "{p:?}");
    assert!(p.iter().any(|p| p.contains("does not point back")), "{p:?}");
}

#[test]
fn an_address_every_docker_host_has_is_not_a_node() {
    // docker0's 172.17.0.1 is on both swarm nodes: a tunnel to it cannot name one.
    let mut a = node("swarm-a.json");
    let ns = a.topology.namespaces.iter_mut().find(|n| n.label == "overlay nvm-ov").unwrap();
    let vx = ns.interfaces.iter_mut().find(|i| i.name == "vxlan0").unwrap();
    vx.vxlan.as_mut().unwrap().group = Some("172.17.0.1".into());
    let c = merge(vec![a, node("swarm-b.json")]);
    let t = c.tunnels.iter().find(|t| t.node == "vm" && t.namespace == "overlay nvm-ov").unwrap();
    assert_eq!((t.source, t.remote_node.as_deref()), (TunnelSource::Remote, None));
    assert!(c.notes.iter().any(|n| n.contains("172.17.0.1 is on several nodes (vm, vm-b)")), "{:#?}", c.notes);
}

#[test]
fn two_snapshots_of_one_host_are_flagged() {
    let a = node("swarm-a.json");
    let mut again = a.clone();
    again.name = "vm-again".into();
    let c = merge(vec![a, again]);
    assert!(
        c.notes.iter().any(|n| n.contains("Container nvm-ovc (5129f53bfcb3) is listed by several nodes")),
        "{:#?}",
        c.notes
    );
}

#[test]
fn text_has_every_section() {
    let lines = text(&swarm_pair());
    for heading in ["NODES", "OVERLAYS", "CONTAINERS", "TUNNELS", "NOTES"] {
        assert!(lines.iter().any(|l| l == heading), "no {heading}: {lines:#?}");
    }
    assert!(lines[0].starts_with("CLUSTER  2 nodes, 2 overlays, 4 containers, 4 tunnels"), "{}", lines[0]);
    assert!(lines.iter().all(|l| l == l.trim_end()), "trailing blanks");
}

#[test]
fn write_prints_text_or_json() {
    let c = vxlan_pair();
    let mut out = Vec::new();
    write(&c, true, &mut out).unwrap();
    let s = String::from_utf8(out).unwrap();
    assert!(s.ends_with("}\n"));
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["nodes"][0]["name"], "nvc-hostA");
    assert_eq!(v["tunnels"][0]["remote_node"], "nvc-hostB");
    assert_eq!(v["tunnels"][0]["source"], "remote");
    assert_eq!(v["containers"][0]["kind"], "namespace");

    let mut out = Vec::new();
    write(&c, false, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), text(&c).join("\n") + "\n");
}

#[test]
fn the_cluster_page_scrolls_within_its_lines_in_a_terminal() {
    use netview::ui::pager::Pager;
    use ratatui::{Terminal, backend::TestBackend};
    let nodes = ["vxlan-hostA.json", "vxlan-hostB.json"].map(|f| {
        let path = format!("{}/tests/fixtures/cluster/{f}", env!("CARGO_MANIFEST_DIR"));
        netview::output::cluster::read_node(std::path::Path::new(&path)).expect("fixture")
    });
    let cluster = netview::model::cluster::merge(nodes.into_iter().collect());
    let lines = netview::output::cluster::text(&cluster);
    let n = lines.len();
    let mut pager = Pager { title: "cluster".into(), lines, offset: 0 };
    pager.scroll(i64::MAX / 2, 20);
    assert_eq!(pager.offset, n - 17, "the last page stays full");
    pager.scroll(-1000, 20);
    assert_eq!(pager.offset, 0);
    let mut t = Terminal::new(TestBackend::new(100, 20)).unwrap();
    t.draw(|f| pager.view(f)).unwrap();
    let screen: String = t.backend().buffer().content.iter().map(|c| c.symbol()).collect();
    assert!(screen.contains("NODES") && screen.contains("nvc-hostA"), "{screen}");
    assert!(screen.contains(&format!("lines 1-17 of {n}")), "{screen}");
    let mut tiny = Terminal::new(TestBackend::new(10, 3)).unwrap();
    tiny.draw(|f| pager.view(f)).unwrap();
}
