//! Live tests (NETVIEW_LIVE_TESTS=1, root, Docker) of networks beyond the plain bridge: a
//! single-node swarm with an attachable overlay network and a container on it, a macvlan network
//! whose parent is a bridge the test made, and a `container:` sidecar. Each is checked against
//! `docker inspect` and `ip -d link` inside the namespaces.

mod support;

use serde_json::Value;
use support::*;

fn default_address() -> String {
    let routes: Value = json(&must("ip", &["-j", "route", "show", "default"]), "ip route");
    let dev = routes[0]["dev"].as_str().expect("a default route").to_string();
    let addrs: Value = json(&must("ip", &["-j", "-4", "addr", "show", "dev", &dev]), "ip addr");
    addrs[0]["addr_info"][0]["local"].as_str().expect("an IPv4 address on the default NIC").to_string()
}

/// Leaves the swarm and removes docker_gwbridge again when this test made them.
struct Swarm {
    made_swarm: bool,
    made_gwbridge: bool,
}

impl Drop for Swarm {
    fn drop(&mut self) {
        if self.made_swarm {
            let _ = run("docker", &["swarm", "leave", "--force"]);
        }
        if self.made_gwbridge {
            let _ = run("docker", &["network", "rm", "docker_gwbridge"]);
        }
    }
}

fn network<'a>(snap: &'a Value, name: &str) -> &'a Value {
    snap["docker"]["networks"].as_array().and_then(|a| a.iter().find(|n| n["name"] == name)).unwrap_or(&Value::Null)
}

fn namespace(snap: &Value, inode: u64) -> &Value {
    snap["namespaces"].as_array().and_then(|a| a.iter().find(|n| n["inode"] == inode)).unwrap_or(&Value::Null)
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn overlay_macvlan_and_shared_namespaces() {
    if !live("overlay_macvlan_and_shared_namespaces") {
        return;
    }
    let p = prefix('k');
    let info = must("docker", &["info", "--format", "{{.Swarm.LocalNodeState}}"]);
    let had_gwbridge = run("docker", &["network", "inspect", "docker_gwbridge"]).is_ok();
    let made_swarm = info.trim() != "active";
    if made_swarm {
        must("docker", &["swarm", "init", "--advertise-addr", &default_address()]);
    }
    let _swarm = Swarm { made_swarm, made_gwbridge: !had_gwbridge };
    // After the swarm guard: dropped first, so the test's objects go before the swarm does.
    let _guard = Guard::new(&p);
    let mut c = Checks::default();

    // An attachable overlay network and a standalone container on it, with a sidecar.
    let (ov, ovc, side) = (format!("{p}-ov"), format!("{p}-ovc"), format!("{p}-side"));
    create_network(&ov, std::process::id() as usize + 5, false, &["--driver", "overlay", "--attachable"]);
    run_d(&["--name", &ovc, "--network", &ov, IMAGE, "sleep", "600"]);
    run_d(&["--name", &side, "--network", &format!("container:{ovc}"), IMAGE, "sleep", "600"]);
    // A macvlan network whose parent is a bridge of our own.
    let (par, mv, mvc) = (format!("{p}-par"), format!("{p}-mv"), format!("{p}-mvc"));
    must("ip", &["link", "add", &par, "type", "bridge"]);
    must("ip", &["link", "set", &par, "up"]);
    create_network(
        &mv,
        std::process::id() as usize + 9,
        false,
        &["--driver", "macvlan", "-o", &format!("parent={par}")],
    );
    run_d(&["--name", &mvc, "--network", &mv, IMAGE, "sleep", "600"]);

    let snap = snapshot_json(&[]);
    // Overlay: the VNI Docker chose, the network's own namespace and its VXLAN device.
    let inspect = json(&must("docker", &["network", "inspect", &ov]), "docker network inspect");
    let id = inspect[0]["Id"].as_str().unwrap_or_default().to_string();
    let vni: Option<u64> = inspect[0]["Options"]["com.docker.network.driver.overlay.vxlanid_list"]
        .as_str()
        .and_then(|v| v.split(',').next()?.parse().ok());
    let n = network(&snap, &ov);
    c.eq("overlay driver", n["driver"].as_str(), Some("overlay"));
    c.eq("overlay scope", n["scope"].as_str(), Some("swarm"));
    c.eq("overlay VNI", n["overlay"]["vni"].as_u64(), vni);
    let ns_path = format!("/run/docker/netns/1-{}", &id[..10]);
    let ns_inode = n["overlay"]["namespace"].as_u64();
    let truth = ns_identity(&ns_path).map(|(_, inode)| inode).ok();
    c.eq(format!("overlay namespace is {ns_path}"), ns_inode, truth);
    let links = links(&NsLoc::File(ns_path.clone())).unwrap_or_default();
    let vxlan = links.iter().find(|l| l.kind.as_deref() == Some("vxlan"));
    c.eq("overlay VXLAN device", n["overlay"]["vxlan_device"].as_str(), vxlan.map(|l| l.name.as_str()));
    c.eq("overlay bridge", n["overlay"]["bridge"].as_str(), vxlan.and_then(|l| l.master.as_deref()));
    let ip_d = ip_in(&NsLoc::File(ns_path.clone()), &["-j", "-d", "link", "show", "type", "vxlan"]).unwrap_or_default();
    let ip_d: Value = serde_json::from_str(&ip_d).unwrap_or_default();
    c.eq("VNI on the device (ip -d link)", ip_d[0]["linkinfo"]["info_data"]["id"].as_u64(), vni);
    c.eq("VXLAN port", n["overlay"]["udp_port"].as_u64(), ip_d[0]["linkinfo"]["info_data"]["port"].as_u64());
    // The container's eth0 is a veth whose other end is a port of the overlay's br0.
    let ctr = snap["docker"]["containers"].as_array().and_then(|a| a.iter().find(|x| x["name"] == ovc.as_str()));
    let ep = ctr.and_then(|x| x["endpoints"].as_array()?.iter().find(|e| e["network"] == ov.as_str()).cloned());
    let host_end = ep.as_ref().and_then(|e| e["host_interface"].as_str().map(str::to_string));
    let br_ports: Vec<String> =
        links.iter().filter(|l| l.master.as_deref() == Some("br0")).map(|l| l.name.clone()).collect();
    c.ok(
        "container's veth ends in the overlay's bridge",
        host_end.as_ref().is_some_and(|h| br_ports.contains(h)),
        format!("{host_end:?} vs ports {br_ports:?}"),
    );
    c.eq("its other end lives in the overlay namespace", ep.as_ref().and_then(|e| e["host_namespace"].as_u64()), truth);
    // The sidecar shares the container's namespace.
    let side_c = snap["docker"]["containers"].as_array().and_then(|a| a.iter().find(|x| x["name"] == side.as_str()));
    c.eq("sidecar joins", side_c.and_then(|x| x["shares_namespace_with"].as_str()), Some(ovc.as_str()));
    c.eq(
        "sidecar's namespace",
        side_c.and_then(|x| x["namespace"].as_u64()),
        ctr.and_then(|x| x["namespace"].as_u64()),
    );
    let ns_of = ctr.and_then(|x| x["namespace"].as_u64()).map(|i| namespace(&snap, i)["containers"].clone());
    c.eq("both listed on the namespace", ns_of, Some(serde_json::json!([ovc, side])));

    // macvlan: parent and mode from Docker, the container's eth0 a macvlan on our bridge.
    let m = network(&snap, &mv);
    c.eq("macvlan parent", m["parent"]["parent"].as_str(), Some(par.as_str()));
    c.eq("macvlan mode", m["parent"]["mode"].as_str(), Some("bridge"));
    c.eq("macvlan has no bridge", m["bridge"].as_str(), None);
    let host: Value =
        snap["namespaces"].as_array().and_then(|a| a.iter().find(|n| n["host"] == true).cloned()).unwrap_or_default();
    let par_index = host["interfaces"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["name"] == par.as_str()))
        .and_then(|i| i["ifindex"].as_u64());
    let mvc_ns = snap["docker"]["containers"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == mvc.as_str()))
        .and_then(|x| x["namespace"].as_u64());
    let eth0 = mvc_ns
        .and_then(|i| namespace(&snap, i)["interfaces"].as_array()?.iter().find(|i| i["name"] == "eth0").cloned());
    c.eq(
        "macvlan child kind",
        eth0.as_ref().and_then(|e| e["kind"].as_str().map(str::to_string)),
        Some("macvlan".into()),
    );
    c.eq("macvlan child's parent ifindex", eth0.as_ref().and_then(|e| e["parent"]["ifindex"].as_u64()), par_index);
    c.eq(
        "macvlan child's parent namespace",
        eth0.as_ref().and_then(|e| e["parent"]["namespace"].as_u64()),
        host["inode"].as_u64(),
    );

    // The text snapshot hangs the macvlan child under its parent and lists the overlay.
    let text = netview(&["--snapshot", "--no-firewall"], &[]);
    assert_clean_exit(&text, "netview --snapshot");
    let lines: Vec<&str> = text.stdout.lines().collect();
    let at = lines.iter().position(|l| l.contains(&format!("── {par}  bridge")));
    let next = at.and_then(|i| lines.get(i + 1)).copied().unwrap_or("");
    c.ok(
        "macvlan child under its parent",
        next.contains("macvlan") && next.contains(&mvc),
        format!("{at:?}: {next:?}"),
    );
    c.ok(
        "overlay listed with its VNI",
        lines.iter().any(|l| l.contains(&ov) && l.contains(&format!("VXLAN {}", vni.unwrap_or(0)))),
        "no overlay line",
    );
    c.finish("overlay_macvlan_and_shared_namespaces");
}
