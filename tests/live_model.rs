//! Live tests (issue 2): build a small world of namespaces, bridges, veths, Docker networks and
//! containers, all named `nvt-<tag>-*`, run the real `netview --snapshot --json`, and check every
//! fact it reports about that world against `ip -j` (inside each namespace) and `docker inspect`.
//!
//! They run only with NETVIEW_LIVE_TESTS=1, as root, with a Docker engine and the image from
//! `scripts/test-image.sh`:  NETVIEW_LIVE_TESTS=1 cargo test --test live_model -- --nocapture

mod support;

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::*;

// ---------------------------------------------------------------------------------------------
// The world

struct World {
    p: String,
    /// ip-netns names: n1 and n2 hang off the plain bridge, n3 and n4 are joined by a direct veth.
    ns: [String; 4],
    /// The plain bridge and the host ends of n1's and n2's veths.
    br: String,
    host_ends: [String; 2],
    /// Docker networks: custom subnet + gateway + bridge name; subnet only; --internal.
    net_a: String,
    net_b: String,
    net_i: String,
    bridge_a: String,
    gateway_a: String,
    /// Containers.
    one: String,
    two: String,
    host: String,
    none: String,
    shr: String,
    created: String,
    exited: String,
    publ: String,
    port: u16,
}

impl World {
    fn new(p: &str) -> World {
        let n = |s: &str| format!("{p}{s}");
        World {
            p: p.to_string(),
            ns: [n("n1"), n("n2"), n("n3"), n("n4")],
            br: n("br"),
            host_ends: [n("h1"), n("h2")],
            net_a: n("na"),
            net_b: n("nb"),
            net_i: n("ni"),
            bridge_a: n("bra"),
            gateway_a: String::new(),
            one: n("one"),
            two: n("two"),
            host: n("host"),
            none: n("none"),
            shr: n("shr"),
            created: n("new"),
            exited: n("exit"),
            publ: n("pub"),
            port: 0,
        }
    }

    fn containers(&self) -> Vec<&str> {
        [&self.one, &self.two, &self.host, &self.none, &self.shr, &self.created, &self.exited, &self.publ]
            .map(String::as_str)
            .to_vec()
    }

    fn networks(&self) -> Vec<&str> {
        [&self.net_a, &self.net_b, &self.net_i].map(String::as_str).to_vec()
    }

    /// The namespace the test put the other end of a veth in, by (namespace, link name);
    /// None for Docker's own veths (found through the container side instead).
    fn declared_peer(&self, ns: &NsLoc, link: &str) -> Option<NsLoc> {
        let named = |i: usize| NsLoc::Named(self.ns[i].clone());
        match ns {
            NsLoc::Named(n) if *n == self.ns[0] || *n == self.ns[1] => Some(NsLoc::Host),
            NsLoc::Named(n) if *n == self.ns[2] => Some(named(3)),
            NsLoc::Named(n) if *n == self.ns[3] => Some(named(2)),
            NsLoc::Host if link == self.host_ends[0] => Some(named(0)),
            NsLoc::Host if link == self.host_ends[1] => Some(named(1)),
            NsLoc::File(_) => Some(NsLoc::Host),
            _ => None,
        }
    }

    fn build(&mut self) {
        // (a) two namespaces on a plain bridge.
        for n in &self.ns {
            must("ip", &["netns", "add", n]);
        }
        must("ip", &["link", "add", &self.br, "type", "bridge"]);
        must("ip", &["link", "set", &self.br, "up"]);
        for i in 0..2 {
            let (ns, host_end) = (&self.ns[i], &self.host_ends[i]);
            must("ip", &["link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", ns]);
            must("ip", &["link", "set", host_end, "master", &self.br, "up"]);
            must("ip", &["-n", ns, "addr", "add", &format!("192.168.77.{}/24", i + 1), "dev", "eth0"]);
            must("ip", &["-n", ns, "link", "set", "eth0", "up"]);
            must("ip", &["-n", ns, "link", "set", "lo", "up"]);
        }
        must("ip", &["-n", &self.ns[0], "addr", "add", "fd42:77::1/64", "dev", "eth0", "nodad"]);
        // (b) a veth straight from n3 to n4, the same name at both ends, neither end in the host.
        must(
            "ip",
            &[
                "-n",
                &self.ns[2],
                "link",
                "add",
                "eth1",
                "mtu",
                "1400",
                "type",
                "veth",
                "peer",
                "name",
                "eth1",
                "netns",
                &self.ns[3],
            ],
        );
        must("ip", &["-n", &self.ns[2], "addr", "add", "192.168.78.1/30", "dev", "eth1"]);
        must("ip", &["-n", &self.ns[3], "addr", "add", "192.168.78.2/30", "dev", "eth1"]);
        must("ip", &["-n", &self.ns[2], "link", "set", "eth1", "up"]);
        must("ip", &["-n", &self.ns[3], "link", "set", "eth1", "up"]);

        // (c) Docker networks.
        let seed = std::process::id() as usize;
        let subnet_a = create_network(
            &self.net_a,
            seed,
            true,
            &["-o", &format!("com.docker.network.bridge.name={}", self.bridge_a)],
        );
        self.gateway_a = gateway_254(&subnet_a);
        create_network(&self.net_b, seed + 1, false, &[]);
        create_network(&self.net_i, seed + 2, false, &["--internal"]);

        // (d) containers; the independent ones at once, since `docker run` is mostly waiting.
        let port = std::thread::scope(|s| {
            s.spawn(|| run_d(&["--name", &self.one, "--network", &self.net_a, IMAGE]));
            s.spawn(|| {
                run_d(&["--name", &self.two, "--network", &self.net_b, IMAGE]);
                must("docker", &["network", "connect", &self.net_i, &self.two]);
            });
            s.spawn(|| run_d(&["--name", &self.host, "--network", "host", IMAGE]));
            s.spawn(|| run_d(&["--name", &self.none, "--network", "none", IMAGE]));
            s.spawn(|| must("docker", &["create", "--name", &self.created, "--network", &self.net_b, IMAGE]));
            s.spawn(|| must("docker", &["run", "--name", &self.exited, IMAGE, "true"]));
            s.spawn(|| run_published(&self.publ)).join().expect("starting the published-port container")
        });
        self.port = port;
        must("docker", &["run", "-d", "--name", &self.shr, "--network", &format!("container:{}", self.one), IMAGE]);
    }
}

/// A container on the default bridge publishing 127.0.0.1:<free port> -> 80; another port if
/// that one was taken meanwhile.
fn run_published(name: &str) -> u16 {
    let mut last = String::new();
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let publish = format!("127.0.0.1:{port}:80");
        match run("docker", &["run", "-d", "--name", name, "-p", &publish, IMAGE]) {
            Ok(_) => return port,
            Err(e) => {
                last = e;
                let _ = run("docker", &["rm", "-f", name]);
            }
        }
    }
    panic!("cannot start {name} with a published port: {last}");
}

// ---------------------------------------------------------------------------------------------
// What the system says, independently of netview

#[derive(Clone, Debug, PartialEq)]
struct NsTruth {
    loc: NsLoc,
    dev: u64,
    inode: u64,
    label: String,
    kind: &'static str,
    /// Exactly these paths; for the host: at least these.
    paths: Vec<String>,
    containers: Vec<String>,
    /// For the host only the links of this world (other people's come and go meanwhile).
    links: Vec<Link>,
    nsids: BTreeMap<i64, String>,
}

#[derive(Clone, Debug, PartialEq)]
struct NetTruth {
    id: String,
    driver: String,
    scope: String,
    internal: bool,
    /// (subnet, gateway as Docker's IPAM config gives it).
    pools: Vec<(String, Option<String>)>,
    /// The host bridge carrying the network's subnet.
    bridge: Option<String>,
    /// `docker network inspect` .Containers names; for the shared networks only ours.
    members: Vec<String>,
    options: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Truth {
    host: NsTruth,
    named: Vec<NsTruth>,
    /// One per container namespace, keyed by the container that owns it.
    container_ns: BTreeMap<String, NsTruth>,
    containers: BTreeMap<String, Value>,
    networks: BTreeMap<String, NetTruth>,
    /// Bridge -> its ports (`ip -j link show master <bridge>`); for docker0 only ours.
    ports: BTreeMap<String, Vec<String>>,
}

fn str_of(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(String::from)
}

fn read_truth(w: &World) -> Result<Truth, String> {
    let mut inspect_args = vec!["inspect"];
    inspect_args.extend(w.containers());
    let containers: BTreeMap<String, Value> = serde_json::from_str::<Vec<Value>>(&run("docker", &inspect_args)?)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|c| (c["Name"].as_str().unwrap_or("").trim_start_matches('/').to_string(), c))
        .collect();
    let mine: BTreeSet<&str> = w.containers().into_iter().collect();

    let (host_dev, host_inode) = ns_identity("/proc/self/ns/net")?;
    let all_host_links = links(&NsLoc::Host)?;

    // Container namespaces: each running container with its own SandboxKey; container: mode joins.
    let id_to_name: BTreeMap<String, String> =
        containers.iter().map(|(n, c)| (c["Id"].as_str().unwrap_or("").to_string(), n.clone())).collect();
    let mut container_ns = BTreeMap::new();
    for (name, c) in &containers {
        let mode = c["HostConfig"]["NetworkMode"].as_str().unwrap_or("");
        if c["State"]["Status"] != "running" || mode == "host" || mode.starts_with("container:") {
            continue;
        }
        let key = str_of(&c["NetworkSettings"]["SandboxKey"]).ok_or(format!("{name}: no SandboxKey"))?;
        let (dev, inode) = ns_identity(&key)?;
        let canonical = std::fs::canonicalize(&key).map_err(|e| e.to_string())?.display().to_string();
        let mut members: Vec<String> = containers
            .iter()
            .filter(|(_, o)| {
                o["State"]["Status"] == "running"
                    && o["HostConfig"]["NetworkMode"]
                        .as_str()
                        .and_then(|m| m.strip_prefix("container:"))
                        .and_then(|id| id_to_name.get(id))
                        == Some(name)
            })
            .map(|(n, _)| n.clone())
            .collect();
        members.push(name.clone());
        members.sort();
        let loc = NsLoc::File(key.clone());
        container_ns.insert(
            name.clone(),
            NsTruth {
                links: links(&loc)?,
                loc,
                dev,
                inode,
                label: members.join(","),
                kind: "container",
                paths: vec![canonical],
                containers: members,
                nsids: BTreeMap::new(),
            },
        );
    }

    let mut named = Vec::new();
    for n in &w.ns {
        let path = format!("/run/netns/{n}");
        let (dev, inode) = ns_identity(&path)?;
        let loc = NsLoc::Named(n.clone());
        named.push(NsTruth {
            links: links(&loc)?,
            nsids: nsid_names(&loc)?,
            loc,
            dev,
            inode,
            label: n.clone(),
            kind: "named",
            paths: vec![path],
            containers: vec![],
        });
    }

    // Networks, and the host bridge holding each one's subnet.
    let mut net_args = vec!["network", "inspect"];
    net_args.extend(w.networks());
    net_args.extend(["bridge", "host", "none"]);
    let mut networks = BTreeMap::new();
    for n in serde_json::from_str::<Vec<Value>>(&run("docker", &net_args)?).map_err(|e| e.to_string())? {
        let name = n["Name"].as_str().unwrap_or("").to_string();
        let pools: Vec<(String, Option<String>)> = n["IPAM"]["Config"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| (p["Subnet"].as_str().unwrap_or("").to_string(), str_of(&p["Gateway"])))
            .collect();
        let bridge = pools.first().and_then(|(subnet, _)| {
            all_host_links
                .iter()
                .find(|l| l.kind.as_deref() == Some("bridge") && l.addresses.iter().any(|a| in_subnet(subnet, a)))
                .map(|l| l.name.clone())
        });
        let shared = !w.networks().contains(&name.as_str());
        let mut members: Vec<String> = n["Containers"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, c)| c["Name"].as_str().map(String::from))
            .filter(|c| !shared || mine.contains(c.as_str()))
            .collect();
        members.sort();
        let options = n["Options"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
            .collect();
        networks.insert(
            name,
            NetTruth {
                id: n["Id"].as_str().unwrap_or("").to_string(),
                driver: n["Driver"].as_str().unwrap_or("").to_string(),
                scope: n["Scope"].as_str().unwrap_or("").to_string(),
                internal: n["Internal"].as_bool().unwrap_or(false),
                pools,
                bridge,
                members,
                options,
            },
        );
    }

    // The host links of this world: ours by name, the Docker bridges of our networks and docker0,
    // and the host ends of the containers' veths.
    let mut bridges: Vec<String> = vec![w.br.clone(), "docker0".into()];
    for n in w.networks() {
        if let Some(b) = networks.get(n).and_then(|t| t.bridge.clone()) {
            bridges.push(b);
        }
    }
    let container_peers: BTreeSet<u32> = container_ns
        .values()
        .flat_map(|n| &n.links)
        .filter(|l| l.link_netnsid.is_some())
        .filter_map(|l| l.link_index)
        .collect();
    let host_links: Vec<Link> = all_host_links
        .iter()
        .filter(|l| l.name.starts_with(&w.p) || bridges.contains(&l.name) || container_peers.contains(&l.ifindex))
        .cloned()
        .collect();
    let mut ports = BTreeMap::new();
    for b in &bridges {
        let list: Value =
            serde_json::from_str(&run("ip", &["-j", "link", "show", "master", b])?).map_err(|e| e.to_string())?;
        let mut names: Vec<String> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|l| b != "docker0" || l["ifindex"].as_u64().is_some_and(|i| container_peers.contains(&(i as u32))))
            .filter_map(|l| l["ifname"].as_str().map(String::from))
            .collect();
        names.sort();
        ports.insert(b.clone(), names);
    }

    Ok(Truth {
        host: NsTruth {
            loc: NsLoc::Host,
            dev: host_dev,
            inode: host_inode,
            label: "host".into(),
            kind: "host",
            paths: vec!["/proc/self/ns/net".into()],
            containers: vec![],
            links: host_links,
            nsids: nsid_names(&NsLoc::Host)?,
        },
        named,
        container_ns,
        containers,
        networks,
        ports,
    })
}

impl Truth {
    fn all_ns(&self) -> Vec<&NsTruth> {
        let mut v = vec![&self.host];
        v.extend(&self.named);
        v.extend(self.container_ns.values());
        v
    }

    fn ns_at(&self, loc: &NsLoc) -> Option<&NsTruth> {
        self.all_ns().into_iter().find(|n| n.loc == *loc)
    }

    /// The other end of veth `link` in `ns`: (its namespace, its link), resolved from ip's
    /// link_index/link_netnsid plus where the test put it, and checked to point back.
    fn peer<'a>(&'a self, w: &World, ns: &'a NsTruth, link: &Link) -> Result<(&'a NsTruth, &'a Link), String> {
        let what = format!("{} in {}", link.name, ns.label);
        let idx = link.link_index.ok_or(format!("{what}: ip shows no link_index"))?;
        let target = match link.link_netnsid {
            None => ns,
            Some(_) => match w.declared_peer(&ns.loc, &link.name) {
                Some(loc) => self.ns_at(&loc).ok_or(format!("{what}: namespace {loc:?} not read"))?,
                None => {
                    // A Docker veth on the host: the container namespace whose veth points back here.
                    let found: Vec<&NsTruth> = self
                        .container_ns
                        .values()
                        .filter(|c| c.links.iter().any(|l| l.ifindex == idx && l.link_index == Some(link.ifindex)))
                        .collect();
                    match found.as_slice() {
                        [one] => *one,
                        _ => return Err(format!("{what}: {} container namespaces hold its peer", found.len())),
                    }
                }
            },
        };
        let peer = target
            .links
            .iter()
            .find(|l| l.ifindex == idx)
            .ok_or(format!("{what}: no ifindex {idx} in {}", target.label))?;
        if peer.link_index != Some(link.ifindex) || peer.kind.as_deref() != Some("veth") {
            return Err(format!("{what}: ifindex {idx} in {} does not point back ({peer:?})", target.label));
        }
        // Where ip can name the namespace behind the nsid (ip-netns ones), it must agree.
        if let (Some(nsid), NsLoc::Named(name)) = (link.link_netnsid, &target.loc)
            && ns.nsids.get(&nsid) != Some(name)
            && !ns.nsids.is_empty()
        {
            return Err(format!(
                "{what}: `ip netns list` names nsid {nsid} {:?}, expected {name}",
                ns.nsids.get(&nsid)
            ));
        }
        Ok((target, peer))
    }
}

/// Read the truth, run netview, read the truth again; repeat until nothing moved in between.
fn stable_snapshot(w: &World) -> (Value, Truth, usize) {
    let mut last = String::new();
    for attempt in 1..=6 {
        let before = read_truth(w).unwrap_or_else(|e| panic!("reading the world: {e}"));
        let snap = snapshot_json(&[]);
        let after = read_truth(w).unwrap_or_else(|e| panic!("reading the world: {e}"));
        if before == after {
            return (snap, after, attempt);
        }
        last = format!("{before:?}\n  vs\n{after:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("the world kept changing while netview read it:\n{last}");
}

// ---------------------------------------------------------------------------------------------
// The checks

fn items<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v[key].as_array().map(|a| a.iter().collect()).unwrap_or_default()
}

fn names(v: &[&Value]) -> Vec<String> {
    v.iter().filter_map(|x| x["name"].as_str().map(String::from)).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(String::from)).collect()
}

fn check_interface(c: &mut Checks, w: &World, t: &Truth, ns: &NsTruth, got: &Value, link: &Link) {
    let at = format!("{} / {}#{}", ns.label, link.name, link.ifindex);
    c.eq(format!("{at} name"), &got["name"], &json!(link.name));
    c.eq(format!("{at} ifindex"), &got["ifindex"], &json!(link.ifindex));
    c.eq(format!("{at} kind"), &got["kind"], &json!(link.kind));
    c.eq(format!("{at} mac"), &got["mac"], &json!(link.mac));
    c.eq(format!("{at} mtu"), &got["mtu"], &json!(link.mtu));
    c.eq(format!("{at} state"), &got["state"], &json!(link.state));
    c.eq(format!("{at} master"), &got["master"], &json!(link.master));
    c.eq(format!("{at} addresses"), strings(&got["addresses"]), link.addresses.clone());
    c.eq(format!("{at} parent"), &got["parent"], &Value::Null);
    if link.kind.as_deref() == Some("veth") {
        match t.peer(w, ns, link) {
            Ok((pns, peer)) => c.eq(
                format!("{at} peer"),
                &got["peer"],
                &json!({"namespace": pns.inode, "ifindex": peer.ifindex, "name": peer.name}),
            ),
            Err(e) => c.ok(format!("{at} peer"), false, format!("ground truth: {e}")),
        }
    } else {
        c.eq(format!("{at} peer"), &got["peer"], &Value::Null);
    }
}

fn check_namespaces(c: &mut Checks, w: &World, t: &Truth, snap: &Value) {
    let all = items(snap, "namespaces");
    for ns in t.all_ns() {
        let found: Vec<&Value> = all.iter().copied().filter(|n| n["inode"] == json!(ns.inode)).collect();
        let paths = ns.paths.iter().chain(match &ns.loc {
            NsLoc::File(key) => Some(key),
            _ => None,
        });
        let why: Vec<String> = strings(&snap["notes"])
            .into_iter()
            .filter(|note| paths.clone().any(|p| note.contains(p.as_str())))
            .collect();
        c.eq(format!("namespace {}: entries with inode {} (notes: {why:?})", ns.label, ns.inode), found.len(), 1);
        let Some(got) = found.first() else { continue };
        let at = format!("namespace {}", ns.label);
        c.eq(format!("{at} dev"), &got["dev"], &json!(ns.dev));
        c.eq(format!("{at} host"), &got["host"], &json!(ns.loc == NsLoc::Host));
        c.eq(format!("{at} label"), &got["label"], &json!(ns.label));
        c.eq(format!("{at} kind"), &got["kind"], &json!(ns.kind));
        c.eq(format!("{at} containers"), strings(&got["containers"]), ns.containers.clone());
        let paths = strings(&got["paths"]);
        let ifaces = items(got, "interfaces");
        if ns.loc == NsLoc::Host {
            for p in &ns.paths {
                c.ok(format!("{at} paths"), paths.contains(p), format!("{paths:?} lacks {p}"));
            }
            for link in &ns.links {
                let same: Vec<&&Value> = ifaces.iter().filter(|i| i["ifindex"] == json!(link.ifindex)).collect();
                c.eq(format!("{at}: interfaces with ifindex {} ({})", link.ifindex, link.name), same.len(), 1);
                if let Some(i) = same.first() {
                    check_interface(c, w, t, ns, i, link);
                }
            }
        } else {
            c.eq(format!("{at} paths"), paths, ns.paths.clone());
            let got_idx: Vec<u64> = ifaces.iter().filter_map(|i| i["ifindex"].as_u64()).collect();
            let want_idx: Vec<u64> = ns.links.iter().map(|l| u64::from(l.ifindex)).collect();
            c.eq(format!("{at} interface ifindexes"), got_idx, want_idx);
            for link in &ns.links {
                if let Some(i) = ifaces.iter().find(|i| i["ifindex"] == json!(link.ifindex)) {
                    check_interface(c, w, t, ns, i, link);
                }
            }
        }
    }
    // The host-mode container's SandboxKey is the host namespace.
    if let Some(key) = t.containers.get(&w.host).and_then(|c| str_of(&c["NetworkSettings"]["SandboxKey"])) {
        let canonical = std::fs::canonicalize(&key).map(|p| p.display().to_string()).unwrap_or(key.clone());
        let host = all.iter().find(|n| n["host"] == true);
        let paths = host.map(|h| strings(&h["paths"])).unwrap_or_default();
        c.ok(
            "host namespace paths",
            paths.contains(&canonical),
            format!("{paths:?} lacks {canonical} ({}'s SandboxKey)", w.host),
        );
        c.eq(format!("{key} is the host namespace"), ns_identity(&key).ok(), Some((t.host.dev, t.host.inode)));
    }
}

fn check_bridges(c: &mut Checks, w: &World, t: &Truth, snap: &Value) {
    let all = items(snap, "bridges");
    let mut list: Vec<(String, Option<String>, bool)> = vec![(w.br.clone(), None, true)];
    for n in w.networks() {
        let b = t.networks.get(n).and_then(|n| n.bridge.clone());
        c.ok(format!("ground truth: network {n} has a bridge"), b.is_some(), "no host bridge carries its subnet");
        list.extend(b.map(|b| (b, Some(n.to_string()), true)));
    }
    list.push(("docker0".into(), Some("bridge".into()), false));
    for (name, network, complete) in list {
        let at = format!("bridge {name}");
        let found: Vec<&Value> =
            all.iter().copied().filter(|b| b["name"] == json!(name) && b["namespace"] == json!(t.host.inode)).collect();
        c.eq(format!("{at}: entries in the host namespace"), found.len(), 1);
        let Some(got) = found.first() else { continue };
        let Some(link) = t.host.links.iter().find(|l| l.name == name) else {
            c.ok(&at, false, "ground truth: not on the host");
            continue;
        };
        c.eq(format!("{at} ifindex"), &got["ifindex"], &json!(link.ifindex));
        c.eq(format!("{at} state"), &got["state"], &json!(link.state));
        c.eq(format!("{at} addresses"), strings(&got["addresses"]), link.addresses.clone());
        c.eq(format!("{at} docker_network"), &got["docker_network"], &json!(network));
        let ports = items(got, "ports");
        let want = t.ports.get(&name).cloned().unwrap_or_default();
        let mut got_names = names(&ports);
        got_names.sort();
        if complete {
            c.eq(format!("{at} ports"), got_names.clone(), want.clone());
        } else {
            for p in &want {
                c.ok(format!("{at} ports"), got_names.contains(p), format!("{got_names:?} lacks {p}"));
            }
        }
        for pname in &want {
            let Some(port) = ports.iter().find(|p| p["name"] == json!(pname)) else { continue };
            let Some(plink) = t.host.links.iter().find(|l| &l.name == pname) else { continue };
            let pat = format!("{at} port {pname}");
            c.eq(format!("{pat} ifindex"), &port["ifindex"], &json!(plink.ifindex));
            c.eq(format!("{pat} kind"), &port["kind"], &json!(plink.kind));
            c.eq(format!("{pat} state"), &port["state"], &json!(plink.state));
            match t.peer(w, &t.host, plink) {
                Ok((pns, peer)) => {
                    c.eq(
                        format!("{pat} peer"),
                        &port["peer"],
                        &json!({"namespace": pns.inode, "ifindex": peer.ifindex, "name": peer.name}),
                    );
                    c.eq(format!("{pat} behind"), &port["behind"], &json!(pns.label));
                    c.eq(format!("{pat} containers"), strings(&port["containers"]), pns.containers.clone());
                    c.eq(format!("{pat} peer_addresses"), strings(&port["peer_addresses"]), peer.addresses.clone());
                }
                Err(e) => c.ok(format!("{pat} peer"), false, format!("ground truth: {e}")),
            }
        }
    }
    // The plain bridge's ports are behind n1 and n2 by name.
    if let Some(b) = all.iter().find(|b| b["name"] == json!(w.br)) {
        let mut behind: Vec<String> =
            items(b, "ports").iter().filter_map(|p| p["behind"].as_str().map(String::from)).collect();
        behind.sort();
        c.eq(format!("bridge {} ports behind", w.br), behind, vec![w.ns[0].clone(), w.ns[1].clone()]);
    }
}

fn check_networks(c: &mut Checks, w: &World, t: &Truth, snap: &Value) {
    let all = items(&snap["docker"], "networks");
    let mine = w.containers();
    for (name, nt) in &t.networks {
        let at = format!("network {name}");
        let found: Vec<&Value> = all.iter().copied().filter(|n| n["name"] == json!(name)).collect();
        c.eq(format!("{at}: entries"), found.len(), 1);
        let Some(got) = found.first() else { continue };
        let members = strings(&got["containers"]);
        if w.networks().contains(&name.as_str()) {
            c.eq(format!("{at} containers"), members, nt.members.clone());
        } else {
            for m in &mine {
                let want = nt.members.iter().any(|x| x == m);
                c.eq(format!("{at}: has container {m}"), members.iter().any(|x| x == m), want);
            }
        }
        c.eq(format!("{at} id"), &got["id"], &json!(nt.id));
        c.eq(format!("{at} driver"), &got["driver"], &json!(nt.driver));
        c.eq(format!("{at} scope"), &got["scope"], &json!(nt.scope));
        c.eq(format!("{at} internal"), &got["internal"], &json!(nt.internal));
        c.eq(format!("{at} bridge"), &got["bridge"], &json!(nt.bridge));
        let subnets = items(got, "subnets");
        c.eq(format!("{at} subnet count"), subnets.len(), nt.pools.len());
        for (s, (subnet, given)) in subnets.iter().zip(&nt.pools) {
            c.eq(format!("{at} subnet"), &s["subnet"], &json!(subnet));
            let derived = given.is_none().then(|| {
                let bridge = nt.bridge.as_ref().and_then(|b| t.host.links.iter().find(|l| &l.name == b));
                bridge
                    .and_then(|b| b.addresses.iter().find(|a| in_subnet(subnet, a)))
                    .map(|a| a.split('/').next().unwrap_or("").to_string())
            });
            let want_gw = given.clone().or(derived.clone().flatten());
            c.eq(format!("{at} {subnet} gateway"), &s["gateway"], &json!(want_gw));
            c.eq(
                format!("{at} {subnet} gateway_derived"),
                &s["gateway_derived"],
                &json!(given.is_none() && want_gw.is_some()),
            );
        }
    }
    // What the test asked Docker for.
    let net = |n: &str| t.networks.get(n);
    c.eq("ground truth: custom bridge name", net(&w.net_a).and_then(|n| n.bridge.clone()), Some(w.bridge_a.clone()));
    c.eq(
        "ground truth: custom gateway",
        net(&w.net_a).and_then(|n| n.pools.first().and_then(|p| p.1.clone())),
        Some(w.gateway_a.clone()),
    );
    c.eq(
        "ground truth: network without gateway",
        net(&w.net_b).map(|n| n.pools.iter().all(|p| p.1.is_none())),
        Some(true),
    );
    c.eq("ground truth: internal network", net(&w.net_i).map(|n| n.internal), Some(true));
    if let Some(got) = all.iter().find(|n| n["name"] == json!(w.net_a)) {
        c.eq(
            format!("network {} bridge name option", w.net_a),
            &got["options"]["com.docker.network.bridge.name"],
            &json!(w.bridge_a),
        );
    }
}

fn check_containers(c: &mut Checks, w: &World, t: &Truth, snap: &Value) {
    let all = items(&snap["docker"], "containers");
    let namespaces = items(snap, "namespaces");
    for name in w.containers() {
        let at = format!("container {name}");
        let Some(ins) = t.containers.get(name) else {
            c.ok(&at, false, "ground truth: docker inspect does not know it");
            continue;
        };
        let found: Vec<&Value> = all.iter().copied().filter(|x| x["name"] == json!(name)).collect();
        c.eq(format!("{at}: entries"), found.len(), 1);
        let Some(got) = found.first() else { continue };
        let mode = ins["HostConfig"]["NetworkMode"].as_str().unwrap_or("").to_string();
        let running = ins["State"]["Status"] == "running";
        c.eq(format!("{at} id"), &got["id"], &ins["Id"]);
        c.eq(format!("{at} image"), &got["image"], &ins["Config"]["Image"]);
        c.eq(format!("{at} state"), &got["state"], &ins["State"]["Status"]);
        c.eq(format!("{at} network_mode"), &got["network_mode"], &json!(mode));

        // The namespace it lives in, and whose it is.
        let target = mode
            .strip_prefix("container:")
            .and_then(|id| t.containers.iter().find(|(_, o)| o["Id"] == id))
            .map(|(n, _)| n.clone());
        let own_ns = if !running {
            None
        } else if mode == "host" {
            Some(&t.host)
        } else {
            t.container_ns.get(target.as_deref().unwrap_or(name))
        };
        c.eq(format!("{at} namespace"), &got["namespace"], &json!(own_ns.map(|n| n.inode)));
        c.eq(format!("{at} shares_namespace_with"), &got["shares_namespace_with"], &json!(target));
        if let (Some(ns), Some(key)) = (own_ns, str_of(&ins["NetworkSettings"]["SandboxKey"])) {
            c.eq(format!("{at}: stat SandboxKey"), ns_identity(&key).ok().map(|x| x.1), Some(ns.inode));
        }

        // Ports, from NetworkSettings.Ports.
        let mut want_ports: Vec<Value> = Vec::new();
        for (spec, binds) in ins["NetworkSettings"]["Ports"].as_object().into_iter().flatten() {
            let (port, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
            let port: u64 = port.parse().unwrap_or(0);
            match binds.as_array() {
                Some(b) if !b.is_empty() => want_ports.extend(b.iter().map(|b| {
                    json!({"container_port": port, "protocol": proto, "host_ip": str_of(&b["HostIp"]),
                           "host_port": b["HostPort"].as_str().and_then(|p| p.parse::<u64>().ok())})
                })),
                _ => want_ports
                    .push(json!({"container_port": port, "protocol": proto, "host_ip": null, "host_port": null})),
            }
        }
        let key = |v: &Value| v.to_string();
        let mut got_ports: Vec<Value> = items(got, "ports").into_iter().cloned().collect();
        got_ports.sort_by_key(key);
        want_ports.sort_by_key(key);
        c.eq(format!("{at} ports"), got_ports, want_ports);

        // Endpoints, from NetworkSettings.Networks and the links inside its namespace.
        let nets = ins["NetworkSettings"]["Networks"].as_object().cloned().unwrap_or_default();
        let eps = items(got, "endpoints");
        let mut got_nets: Vec<String> = eps.iter().filter_map(|e| e["network"].as_str().map(String::from)).collect();
        got_nets.sort();
        c.eq(format!("{at} endpoint networks"), got_nets, nets.keys().cloned().collect::<Vec<_>>());
        for (net, e) in &nets {
            let Some(ep) = eps.iter().find(|x| x["network"] == json!(net)) else { continue };
            let eat = format!("{at} endpoint {net}");
            let ip = str_of(&e["IPAddress"]).map(|ip| format!("{ip}/{}", e["IPPrefixLen"]));
            let mac = str_of(&e["MacAddress"]).map(|m| m.to_lowercase());
            c.eq(format!("{eat} ipv4"), &ep["ipv4"], &json!(ip));
            c.eq(format!("{eat} mac"), &ep["mac"], &json!(mac));
            c.eq(format!("{eat} gateway"), &ep["gateway"], &json!(str_of(&e["Gateway"])));
            let mut want = json!({"interface": null, "interface_ifindex": null, "host_interface": null,
                                  "host_ifindex": null, "host_namespace": null, "bridge": null});
            if let (Some(ns), Some(mac)) = (own_ns.filter(|n| n.loc != NsLoc::Host), &mac) {
                let inside: Vec<&Link> = ns.links.iter().filter(|l| l.mac.as_deref() == Some(mac.as_str())).collect();
                c.eq(format!("ground truth: {eat}: links with MAC {mac} in {}", ns.label), inside.len(), 1);
                if let Some(link) = inside.first() {
                    want["interface"] = json!(link.name);
                    want["interface_ifindex"] = json!(link.ifindex);
                    match t.peer(w, ns, link) {
                        Ok((pns, peer)) => {
                            want["host_interface"] = json!(peer.name);
                            want["host_ifindex"] = json!(peer.ifindex);
                            want["host_namespace"] = json!(pns.inode);
                            want["bridge"] = json!(peer.master);
                            let net_bridge = t.networks.get(net).and_then(|n| n.bridge.clone());
                            c.eq(
                                format!("ground truth: {eat}: host end's master is the network's bridge"),
                                peer.master.clone(),
                                net_bridge,
                            );
                        }
                        Err(e) => c.ok(format!("{eat} host side"), false, format!("ground truth: {e}")),
                    }
                }
            }
            for k in ["interface", "interface_ifindex", "host_interface", "host_ifindex", "host_namespace", "bridge"] {
                c.eq(format!("{eat} {k}"), &ep[k], &want[k]);
            }
        }

        if !running {
            c.ok(
                format!("{at}: stopped, so no interface"),
                eps.iter().all(|e| e["interface"].is_null()),
                "an endpoint has an interface",
            );
            let holders: Vec<String> = namespaces
                .iter()
                .filter(|n| {
                    strings(&n["containers"]).iter().any(|x| x == name)
                        || n["label"].as_str().is_some_and(|l| l.split(',').any(|x| x == name))
                })
                .filter_map(|n| n["label"].as_str().map(String::from))
                .collect();
            c.eq(format!("{at}: stopped, so in no namespace"), holders, vec![]);
        }
    }

    // Specific expectations of the world.
    let cont = |n: &str| all.iter().find(|x| x["name"] == json!(n));
    c.eq(
        "world: stopped containers' states",
        [&w.created, &w.exited].map(|n| cont(n).map(|x| x["state"].clone())),
        [Some(json!("created")), Some(json!("exited"))],
    );
    let published = json!({"container_port": 80, "protocol": "tcp", "host_ip": "127.0.0.1", "host_port": w.port});
    c.ok(
        format!("container {} publishes 127.0.0.1:{} -> 80/tcp", w.publ, w.port),
        cont(&w.publ).is_some_and(|x| items(x, "ports").contains(&&published)),
        format!("ports are {:?}", cont(&w.publ).map(|x| x["ports"].to_string())),
    );
    c.eq(
        format!("container {} shares_namespace_with", w.shr),
        cont(&w.shr).map(|x| x["shares_namespace_with"].clone()),
        Some(json!(w.one)),
    );
    c.eq(
        format!("container {} namespace", w.host),
        cont(&w.host).map(|x| x["namespace"].clone()),
        Some(json!(t.host.inode)),
    );
    let none_ns = t.container_ns.get(&w.none);
    c.eq(
        format!("ground truth: {}'s namespace has only lo", w.none),
        none_ns.map(|n| n.links.iter().map(|l| l.name.clone()).collect::<Vec<_>>()),
        Some(vec!["lo".to_string()]),
    );
    let got_none = none_ns.and_then(|n| namespaces.iter().find(|x| x["inode"] == json!(n.inode)));
    c.eq(
        format!("namespace of {}: interfaces", w.none),
        got_none.map(|n| names(&items(n, "interfaces"))),
        Some(vec!["lo".to_string()]),
    );
}

fn check_text(c: &mut Checks, w: &World, t: &Truth) {
    for env in [vec![], vec![("NO_COLOR", "1")]] {
        let at = format!("text snapshot {env:?}");
        let out = netview(&["--snapshot"], &env);
        c.ok(format!("{at}: exit"), out.status.success(), format!("{} {}", out.status, out.stderr));
        c.ok(format!("{at}: no panic"), !out.stderr.contains("panicked"), &out.stderr);
        c.ok(format!("{at}: no ANSI escape"), !out.stdout.contains('\x1b'), "found ESC in piped output");
        let mut must_mention: Vec<String> = w.containers().iter().map(|s| s.to_string()).collect();
        must_mention.extend(w.networks().iter().map(|s| s.to_string()));
        must_mention.extend(t.ports.keys().cloned());
        must_mention.extend(w.ns.iter().cloned());
        must_mention.push(format!("127.0.0.1:{}->80/tcp", w.port));
        for m in must_mention {
            c.ok(format!("{at}: mentions {m}"), out.stdout.contains(&m), "missing");
        }
    }
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn live_world_matches_ip_and_docker() {
    let test = "live_world_matches_ip_and_docker";
    if !live(test) {
        return;
    }
    let start = Instant::now();
    let p = prefix('w');
    let _guard = Guard::new(&p);
    let mut w = World::new(&p);
    w.build();
    let built = start.elapsed();
    let (snap, truth, attempts) = stable_snapshot(&w);
    let mut c = Checks::default();
    c.eq("schema", &snap["schema"], &json!(1));
    c.eq("docker.available", &snap["docker"]["available"], &json!(true));
    c.eq("docker.error", &snap["docker"]["error"], &Value::Null);
    check_namespaces(&mut c, &w, &truth, &snap);
    check_bridges(&mut c, &w, &truth, &snap);
    check_networks(&mut c, &w, &truth, &snap);
    check_containers(&mut c, &w, &truth, &snap);
    check_text(&mut c, &w, &truth);
    eprintln!(
        "{test}: world built in {:.1} s, snapshot stable after {attempts} read(s), {:.1} s in all",
        built.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    c.finish(test);
}

// ---------------------------------------------------------------------------------------------
// Docker unreachable, and a reader that goes away

/// A bridge with `n` namespaces on it, their names long: enough output, even in text and on an
/// otherwise empty host, that a 4 KiB pipe fills up several times over.
fn namespaces_on_a_bridge(p: &str, n: usize) -> Vec<String> {
    let br = format!("{p}br");
    must("ip", &["link", "add", &br, "type", "bridge"]);
    must("ip", &["link", "set", &br, "up"]);
    (0..n)
        .map(|i| {
            let (ns, host_end) =
                (format!("{p}n{i:02}-with-a-long-name-that-makes-the-snapshot-longer"), format!("{p}h{i}"));
            must("ip", &["netns", "add", &ns]);
            must("ip", &["link", "add", &host_end, "type", "veth", "peer", "name", "eth0", "netns", &ns]);
            must("ip", &["link", "set", &host_end, "master", &br, "up"]);
            must("ip", &["-n", &ns, "addr", "add", &format!("192.168.79.{}/24", i + 1), "dev", "eth0"]);
            must("ip", &["-n", &ns, "link", "set", "eth0", "up"]);
            ns
        })
        .collect()
}

/// Run netview with its stdout on a 4 KiB pipe, read one line and close the pipe, like
/// `netview --snapshot | head -1`. Returns the exit status and stderr.
fn read_one_line_and_close(args: &[&str], env: &[(&str, &str)]) -> (std::process::ExitStatus, String, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    nix::fcntl::fcntl(&reader, nix::fcntl::FcntlArg::F_SETPIPE_SZ(4096)).expect("F_SETPIPE_SZ");
    let mut cmd = std::process::Command::new(NETVIEW);
    cmd.args(args).env_remove("DOCKER_HOST").envs(env.iter().copied());
    cmd.stdin(std::process::Stdio::null()).stdout(writer).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawning netview");
    drop(cmd); // our copy of the write end
    let mut err = child.stderr.take().expect("piped stderr");
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let mut first = String::new();
    let mut r = std::io::BufReader::new(reader);
    r.read_line(&mut first).expect("reading the first line");
    drop(r);
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting for netview") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("netview {args:?} did not end within 60 s after its reader went away");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (status, err.join().unwrap_or_default(), first)
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn live_degraded_docker_and_closed_stdout() {
    let test = "live_degraded_docker_and_closed_stdout";
    if !live(test) {
        return;
    }
    let start = Instant::now();
    let p = prefix('d');
    let _guard = Guard::new(&p);
    let names = namespaces_on_a_bridge(&p, 32);
    let host_inode = ns_identity("/proc/self/ns/net").expect("own namespace").1;
    let inodes: Vec<u64> = names.iter().map(|n| ns_identity(&format!("/run/netns/{n}")).expect("stat").1).collect();

    for docker_host in ["unix:///nonexistent.sock", "tcp://127.0.0.1:1"] {
        let env = [("DOCKER_HOST", docker_host)];
        let at = format!("DOCKER_HOST={docker_host}");
        let out = netview(&["--snapshot", "--json"], &env);
        assert_clean_exit(&out, &at);
        assert!(out.elapsed < Duration::from_secs(15), "{at}: took {:?}", out.elapsed);
        let v = json(&out.stdout, &at);
        assert_eq!(v["docker"]["available"], json!(false), "{at}: docker.available");
        let error =
            v["docker"]["error"].as_str().unwrap_or_else(|| panic!("{at}: docker.error is {}", v["docker"]["error"]));
        assert!(
            !error.trim().is_empty() && !error.contains('\n') && !error.contains('\r'),
            "{at}: docker.error is not one line: {error:?}"
        );
        eprintln!("{at}: docker.error = {error}");
        assert_eq!(
            items(&v["docker"], "networks").len() + items(&v["docker"], "containers").len(),
            0,
            "{at}: Docker objects without Docker"
        );
        let nss = items(&v, "namespaces");
        let host: Vec<&&Value> = nss.iter().filter(|n| n["host"] == true).collect();
        assert_eq!(host.len(), 1, "{at}: host namespaces");
        assert_eq!(host[0]["inode"], json!(host_inode), "{at}: host inode");
        for (name, inode) in names.iter().zip(&inodes) {
            let found: Vec<&&Value> = nss.iter().filter(|n| n["inode"] == json!(inode)).collect();
            assert_eq!(found.len(), 1, "{at}: namespace {name}");
            assert_eq!(found[0]["label"], json!(name), "{at}: label of {name}");
            assert_eq!(found[0]["paths"], json!([format!("/run/netns/{name}")]), "{at}: paths of {name}");
        }
        let br = items(&v, "bridges").into_iter().find(|b| b["name"] == json!(format!("{p}br"))).cloned();
        let mut behind: Vec<String> = br
            .map(|b| items(&b, "ports").iter().filter_map(|x| x["behind"].as_str().map(String::from)).collect())
            .unwrap_or_default();
        behind.sort();
        let mut want = names.clone();
        want.sort();
        assert_eq!(behind, want, "{at}: ports of {p}br");

        let text = netview(&["--snapshot"], &env);
        assert_clean_exit(&text, &format!("{at} (text)"));
        assert!(text.stdout.contains("unavailable"), "{at}: the text does not say Docker is unavailable");
        assert!(text.stdout.contains(error), "{at}: the text does not show the reason {error:?}");
        assert!(names.iter().all(|n| text.stdout.contains(n.as_str())), "{at}: the text lacks a namespace");
        assert!(!text.stdout.contains('\x1b'), "{at}: ANSI escape in piped text");
    }

    // `netview --snapshot | head -1`: the output must not fit the pipe, so netview meets EPIPE.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let cases: [Case; 3] = [
        (&["--snapshot"], &[]),
        (&["--snapshot", "--json"], &[]),
        (&["--snapshot"], &[("DOCKER_HOST", "unix:///nonexistent.sock")]),
    ];
    for (args, env) in cases {
        let at = format!("netview {} {env:?} | head -1", args.join(" "));
        let full = netview(args, env);
        assert_clean_exit(&full, &at);
        assert!(
            full.stdout.len() > 12 * 1024,
            "{at}: only {} bytes of output: too few to fill the pipe",
            full.stdout.len()
        );
        eprintln!("{at}: {} bytes in all", full.stdout.len());
        let (status, stderr, first) = read_one_line_and_close(args, env);
        assert!(!first.is_empty(), "{at}: no first line");
        assert!(!stderr.contains("panicked"), "{at}: panicked: {stderr}");
        assert_eq!(status.code(), Some(0), "{at}: exit status {status}, stderr: {stderr}");
        assert!(
            !stderr.contains("netview:") && !stderr.to_lowercase().contains("broken pipe"),
            "{at}: complained: {stderr}"
        );
    }
    eprintln!("{test}: {:.1} s", start.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------------------------
// Namespaces that vanish while netview reads them

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn live_vanishing_namespaces() {
    let test = "live_vanishing_namespaces";
    if !live(test) {
        return;
    }
    let start = Instant::now();
    let p = prefix('v');
    let _guard = Guard::new(&p);
    // A namespace that stays: its neighbours vanishing must not take it (or the host) away.
    let (keep, keep_end) = (format!("{p}keep"), format!("{p}k"));
    must("ip", &["netns", "add", &keep]);
    must("ip", &["link", "add", &keep_end, "type", "veth", "peer", "name", "eth0", "netns", &keep]);
    must("ip", &["-n", &keep, "link", "set", "eth0", "up"]);
    let keep_inode = ns_identity(&format!("/run/netns/{keep}")).expect("stat").1;
    let host_inode = ns_identity("/proc/self/ns/net").expect("own namespace").1;
    let stop = AtomicBool::new(false);
    let cycles = AtomicUsize::new(0);
    let churned = std::thread::scope(|s| {
        let churn = s.spawn(|| -> Result<usize, String> {
            let mut alive = VecDeque::new();
            let mut i = 0;
            while i < 900 && (i < 50 || !stop.load(Ordering::Relaxed)) {
                let ns = format!("{p}{i}");
                run("ip", &["netns", "add", &ns])?;
                alive.push_back(ns.clone());
                if i % 2 == 0 {
                    // A veth to the host, so the nsid lookups meet vanishing namespaces too.
                    let host_end = format!("{p}h{i}");
                    run("ip", &["link", "add", &host_end, "type", "veth", "peer", "name", "eth0", "netns", &ns])?;
                    run("ip", &["-n", &ns, "link", "set", "eth0", "up"])?;
                }
                if alive.len() > 4 {
                    run("ip", &["netns", "del", &alive.pop_front().unwrap_or_default()])?;
                }
                i += 1;
                cycles.store(i, Ordering::Relaxed);
            }
            for ns in alive {
                run("ip", &["netns", "del", &ns])?;
            }
            Ok(i)
        });
        let wait = Instant::now();
        while cycles.load(Ordering::Relaxed) < 5 && !churn.is_finished() && wait.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut runs = Vec::new();
        for k in 0..5 {
            let out = netview(&["--snapshot", "--json"], &[]);
            runs.push((k, out));
        }
        stop.store(true, Ordering::Relaxed);
        let churned = churn.join().expect("the churn thread panicked");
        for (k, out) in runs {
            let at = format!("snapshot {} of 5 during the churn", k + 1);
            assert_clean_exit(&out, &at);
            let v: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{at}: not JSON: {e}"));
            assert_eq!(v["schema"], json!(1), "{at}");
            assert!(v["skipped_namespaces"].is_u64(), "{at}: skipped_namespaces");
            let nss = items(&v, "namespaces");
            let notes = v["notes"].to_string();
            let host = nss.iter().find(|n| n["host"] == true);
            assert_eq!(
                host.map(|h| h["inode"].clone()),
                Some(json!(host_inode)),
                "{at}: the host namespace; notes: {notes}"
            );
            let kept = nss.iter().find(|n| n["inode"] == json!(keep_inode));
            assert_eq!(kept.map(|n| n["label"].clone()), Some(json!(keep)), "{at}: namespace {keep}; notes: {notes}");
            let end = host.and_then(|h| items(h, "interfaces").into_iter().find(|i| i["name"] == json!(keep_end)));
            assert_eq!(
                end.map(|e| (e["peer"]["namespace"].clone(), e["peer"]["name"].clone())),
                Some((json!(keep_inode), json!("eth0"))),
                "{at}: the peer of {keep_end}"
            );
        }
        churned
    });
    let churned = churned.unwrap_or_else(|e| panic!("creating and deleting namespaces: {e}"));
    assert!(churned >= 50, "only {churned} namespaces made and removed");
    eprintln!(
        "{test}: {churned} namespaces made and removed during 5 snapshots, {:.1} s",
        start.elapsed().as_secs_f64()
    );
}
