//! `--snapshot`: the topology as deterministic text, for handouts, diffs and scripts.

use super::style::{Style, safe};
use super::table::Table;
use crate::model::topology::{GATEWAY_MODE_V4, GATEWAY_MODE_V6};
use crate::model::{Engine, Interface, Namespace, NsKind, Topology};
use std::collections::BTreeMap;
use std::io::Write;

pub fn write(t: &Topology, style: Style, out: &mut impl Write) -> std::io::Result<()> {
    let mut lines = Vec::new();
    host(t, style, &mut lines);
    if t.docker.available {
        networks(t, Engine::Docker, style, &mut lines);
        containers(t, Engine::Docker, style, &mut lines);
    }
    if t.docker.podman.as_ref().is_some_and(|p| p.available) {
        networks(t, Engine::Podman, style, &mut lines);
        containers(t, Engine::Podman, style, &mut lines);
        pods(t, style, &mut lines);
    }
    bridges(t, style, &mut lines);
    namespaces(t, style, &mut lines);
    super::sockets::section(t, style, &mut lines);
    super::firewall::sections(t, style, &mut lines);
    tree(t, style, &mut lines);
    if !t.notes.is_empty() {
        lines.push(String::new());
        lines.push(style.heading("NOTES"));
        lines.extend(t.notes.iter().map(|n| format!("  - {}", style.warn(&safe(n)))));
    }
    for l in lines {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

fn or_dash(v: Option<&str>) -> String {
    v.map_or_else(|| "-".to_string(), safe)
}

fn host(t: &Topology, style: Style, lines: &mut Vec<String>) {
    lines.push(style.heading("HOST"));
    let h = &t.host;
    let mut kv = Table::new(&["", ""]);
    kv.row(vec!["name".into(), or_dash(h.hostname.as_deref())]);
    kv.row(vec!["kernel".into(), or_dash(h.kernel.as_deref())]);
    kv.row(vec!["os".into(), or_dash(h.os.as_deref())]);
    kv.row(vec![
        "user".into(),
        if h.root { "root".into() } else { "not root: other namespaces and some processes cannot be read".into() },
    ]);
    let route = match &h.default_route {
        Some(r) => format!(
            "via {} dev {}{}",
            or_dash(r.gateway.as_deref()),
            or_dash(r.interface.as_deref()),
            if r.addresses.is_empty() { String::new() } else { format!(" ({})", r.addresses.join(", ")) }
        ),
        None => "none (this host has no default route)".into(),
    };
    kv.row(vec!["default route".into(), route]);
    let d = &t.docker;
    let docker = if d.available {
        format!("Engine {}, API {}", or_dash(d.engine_version.as_deref()), or_dash(d.api_version.as_deref()))
    } else {
        format!("unavailable: {}", or_dash(d.error.as_deref()))
    };
    kv.row(vec!["docker".into(), docker]);
    if let Some(p) = &t.docker.podman {
        let podman = if p.available {
            format!(
                "Podman {}, API {} at {}",
                or_dash(p.engine_version.as_deref()),
                or_dash(p.api_version.as_deref()),
                or_dash(p.socket.as_deref())
            )
        } else {
            format!("unavailable: {}", or_dash(p.error.as_deref()))
        };
        kv.row(vec!["podman".into(), podman]);
    }
    let mut kinds: BTreeMap<NsKind, usize> = BTreeMap::new();
    for n in &t.namespaces {
        *kinds.entry(n.kind).or_default() += 1;
    }
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
    kv.row(vec![
        "namespaces".into(),
        format!("{} ({}), {} skipped", t.namespaces.len(), kinds.join(", "), t.skipped_namespaces),
    ]);
    lines.extend(kv.render("  ").into_iter().skip(1));
}

fn networks(t: &Topology, engine: Engine, style: Style, lines: &mut Vec<String>) {
    lines.push(String::new());
    lines.push(style.heading(&format!("{} NETWORKS", engine.as_str().to_uppercase())));
    let mut tb = Table::new(&["NAME", "DRIVER", "SCOPE", "SUBNET", "GATEWAY", "BRIDGE", "FLAGS", "CONTAINERS"]);
    for n in t.docker.networks.iter().filter(|n| n.engine == engine) {
        let subnet = n.subnets.iter().filter_map(|s| s.subnet.clone()).collect::<Vec<_>>().join(" ");
        let gateway = n
            .subnets
            .iter()
            .filter_map(|s| {
                s.gateway.as_ref().map(|g| if s.gateway_derived { format!("{g}(derived)") } else { g.clone() })
            })
            .collect::<Vec<_>>()
            .join(" ");
        let mut flags = Vec::new();
        if n.internal {
            flags.push("internal");
        }
        if n.icc == Some(false) {
            flags.push("no-icc");
        }
        if n.attachable {
            flags.push("attachable");
        }
        if n.ipv6 {
            flags.push("ipv6");
        }
        // Engine 28's gateway modes, when a network sets one (absent means nat).
        let modes: Vec<String> = [(GATEWAY_MODE_V4, "gw4"), (GATEWAY_MODE_V6, "gw6")]
            .iter()
            .filter_map(|(k, tag)| n.options.get(*k).map(|m| format!("{tag}={}", safe(m))))
            .collect();
        flags.extend(modes.iter().map(String::as_str));
        tb.row(vec![
            safe(&n.name),
            safe(&n.driver),
            safe(&n.scope),
            if subnet.is_empty() { "-".into() } else { subnet },
            if gateway.is_empty() { "-".into() } else { gateway },
            or_dash(n.bridge.as_deref()),
            if flags.is_empty() { "-".into() } else { flags.join(",") },
            if n.containers.is_empty() {
                "-".into()
            } else {
                n.containers.iter().map(|c| safe(c)).collect::<Vec<_>>().join(",")
            },
        ]);
    }
    lines.extend(tb.render("  "));
}

fn containers(t: &Topology, engine: Engine, style: Style, lines: &mut Vec<String>) {
    lines.push(String::new());
    lines.push(style.heading(&format!("{} CONTAINERS", engine.as_str().to_uppercase())));
    let mine = || t.docker.containers.iter().filter(|c| c.engine == engine);
    // An IPv6 column (address and gateway) only where some endpoint has IPv6.
    let v6 = mine().flat_map(|c| &c.endpoints).any(|e| e.ipv6.is_some() || e.ipv6_gateway.is_some());
    let mut headers = vec!["NAME", "STATE", "MODE", "NETWORK", "IP", "MAC", "IFACE", "HOST END", "BRIDGE", "PORTS"];
    if v6 {
        headers.insert(5, "IPV6");
    }
    let mut tb = Table::new(&headers);
    for c in mine() {
        let ports = c
            .ports
            .iter()
            .map(|p| match p.host_port {
                Some(hp) => {
                    format!(
                        "{}->{}/{}",
                        crate::model::net::host_port(p.host_ip.as_deref(), hp),
                        p.container_port,
                        p.protocol
                    )
                }
                None if t.firewall.ports.iter().any(|m| {
                    m.routed
                        && m.container == c.name
                        && m.container_port == p.container_port
                        && m.protocol == p.protocol
                }) =>
                {
                    format!("routed:{}/{}", p.container_port, p.protocol)
                }
                None => format!("{}/{}", p.container_port, p.protocol),
            })
            .collect::<Vec<_>>()
            .join(",");
        let ports = if ports.is_empty() { "-".to_string() } else { ports };
        // `container:<64 hex>` says little to a reader: name the container instead.
        let mut mode = match &c.shares_namespace_with {
            Some(other) => format!("container:{}", safe(other)),
            None => safe(&c.network_mode),
        };
        if let Some(pod) = &c.pod {
            mode.push_str(&format!(" pod:{}", safe(pod)));
        }
        if c.endpoints.is_empty() {
            let mut row = vec![safe(&c.name), safe(&c.state), mode, "-".into(), "-".into()];
            row.extend(std::iter::repeat_n(String::from("-"), if v6 { 5 } else { 4 }));
            row.push(ports);
            tb.row(row);
            continue;
        }
        for (i, e) in c.endpoints.iter().enumerate() {
            let first = i == 0;
            let mut row = vec![
                if first { safe(&c.name) } else { String::new() },
                if first { safe(&c.state) } else { String::new() },
                if first { mode.clone() } else { String::new() },
                safe(&e.network),
                or_dash(e.ipv4.as_deref()),
            ];
            if v6 {
                row.push(match (&e.ipv6, &e.ipv6_gateway) {
                    (Some(a), Some(g)) => format!("{} via {}", safe(a), safe(g)),
                    (Some(a), None) => safe(a),
                    (None, Some(g)) => format!("- via {}", safe(g)),
                    (None, None) => "-".into(),
                });
            }
            row.extend([
                or_dash(e.mac.as_deref()),
                or_dash(e.interface.as_deref()),
                or_dash(e.host_interface.as_deref()),
                or_dash(e.bridge.as_deref()),
                if first { ports.clone() } else { String::new() },
            ]);
            tb.row(row);
        }
    }
    lines.extend(tb.render("  "));
}

fn bridges(t: &Topology, style: Style, lines: &mut Vec<String>) {
    lines.push(String::new());
    lines.push(style.heading("BRIDGES"));
    if t.bridges.is_empty() {
        lines.push("  (none)".into());
        return;
    }
    let label = |inode: u64| t.namespace(inode).map_or_else(|| format!("netns {inode}"), |n| safe(&n.label));
    for b in &t.bridges {
        let mut head = format!("  {}  in {}  {}", safe(&b.name), label(b.namespace), b.state);
        if !b.addresses.is_empty() {
            head.push_str(&format!("  {}", b.addresses.join(" ")));
        }
        if let Some(n) = &b.docker_network {
            head.push_str(&format!(
                "  ({} network {})",
                crate::model::podman::bridge_engine(t, &b.name).as_str(),
                safe(n)
            ));
        }
        lines.push(head);
        if b.ports.is_empty() {
            lines.push(style.dim("    no ports"));
            continue;
        }
        let mut tb = Table::new(&["PORT", "KIND", "STATE", "OTHER END", "BEHIND IT", "ADDRESSES"]);
        for p in &b.ports {
            let other = p
                .peer
                .as_ref()
                .map_or("-".to_string(), |r| format!("{}#{}", r.name.as_deref().map_or("?".into(), safe), r.ifindex));
            tb.row(vec![
                safe(&p.name),
                or_dash(p.kind.as_deref()),
                p.state.clone(),
                other,
                or_dash(p.behind.as_deref()),
                if p.peer_addresses.is_empty() { "-".into() } else { p.peer_addresses.join(" ") },
            ]);
        }
        lines.extend(tb.render("    "));
    }
}

fn namespaces(t: &Topology, style: Style, lines: &mut Vec<String>) {
    lines.push(String::new());
    lines.push(style.heading("NAMESPACES"));
    // Interfaces go last: the host may have thousands, and a wide column would pad every row.
    let mut tb = Table::new(&["KIND", "LABEL", "INODE", "PATHS", "INTERFACES"]);
    for n in &t.namespaces {
        const SHOWN: usize = 6;
        let mut ifs = n.interfaces.iter().take(SHOWN).map(|i| safe(&i.name)).collect::<Vec<_>>().join(",");
        if n.interfaces.len() > SHOWN {
            ifs.push_str(&format!(",… ({} in all)", n.interfaces.len()));
        }
        tb.row(vec![n.kind.as_str().into(), safe(&n.label), n.inode.to_string(), n.paths.join(" "), ifs]);
    }
    lines.extend(tb.render("  "));
}

/// "eth0 @ nvt-web 172.18.0.2/16 02:42:..": the far end of a link, as a student would name it.
fn far_end(t: &Topology, r: &crate::model::LinkRef) -> String {
    let ns = r.namespace.and_then(|i| t.namespace(i));
    let iface = ns.and_then(|n| n.interface(r.ifindex));
    let name = r.name.as_deref().map_or_else(|| format!("ifindex {}", r.ifindex), safe);
    let place = match ns {
        Some(n) if n.kind == NsKind::Container => format!("container {}", safe(&n.label)),
        Some(n) if n.host => "host".into(),
        Some(n) => format!("{} {}", n.kind.as_str(), safe(&n.label)),
        None => "an unseen namespace".into(),
    };
    let mut s = format!("{name} @ {place}");
    if let Some(i) = iface {
        if !i.addresses.is_empty() {
            s.push_str(&format!("  {}", i.addresses.join(" ")));
        }
        if let Some(m) = &i.mac {
            s.push_str(&format!("  {m}"));
        }
    }
    s
}

fn iface_line(i: &Interface) -> String {
    let mut s = safe(&i.name);
    if let Some(k) = &i.kind {
        s.push_str(&format!("  {k}"));
    }
    s.push_str(&format!("  {}", i.state));
    if !i.addresses.is_empty() {
        s.push_str(&format!("  {}", i.addresses.join(" ")));
    }
    if let Some(v) = &i.vxlan {
        let vni = v.vni.map_or("?".into(), |n| n.to_string());
        s.push_str(&format!("  VNI {vni} udp/{}", v.port.map_or("?".into(), |p| p.to_string())));
        let remotes = v.remotes();
        if !remotes.is_empty() {
            s.push_str(&format!(" → {}", remotes.join(", ")));
        }
        if !v.fdb.is_empty() {
            s.push_str(&format!("  (forwarding table: {})", v.fdb.len()));
        }
    }
    s
}

struct Node {
    text: String,
    children: Vec<Node>,
}

fn node(text: String, children: Vec<Node>) -> Node {
    Node { text, children }
}

fn render(n: &Node, prefix: &str, last: bool, root: bool, out: &mut Vec<String>) {
    if root {
        out.push(format!("  {}", n.text));
    } else {
        out.push(format!("  {prefix}{}{}", if last { "└── " } else { "├── " }, n.text));
    }
    let child_prefix = if root { String::new() } else { format!("{prefix}{}", if last { "    " } else { "│   " }) };
    for (i, c) in n.children.iter().enumerate() {
        render(c, &child_prefix, i + 1 == n.children.len(), false, out);
    }
}

/// host NIC -> bridge -> veth -> container, then what hangs off the host otherwise.
fn tree(t: &Topology, style: Style, lines: &mut Vec<String>) {
    lines.push(String::new());
    lines.push(style.heading("TOPOLOGY"));
    let Some(h) = t.host_namespace() else {
        lines.push("  (the host namespace could not be read)".into());
        return;
    };
    let default_nic = t.host.default_route.as_ref().and_then(|r| r.interface.clone());
    let mut children = Vec::new();
    for i in h.interfaces.iter().filter(|i| i.kind.is_none() && i.name != "lo") {
        let mut text = format!("{}  NIC", iface_line(i));
        if default_nic.as_deref() == Some(i.name.as_str()) {
            text.push_str("  [default route]");
        }
        children.push(node(text, on_parent(t, h.inode, i.ifindex)));
    }
    for b in t.bridges.iter().filter(|b| b.namespace == h.inode) {
        let ports = b
            .ports
            .iter()
            .map(|p| {
                let far = p.peer.as_ref().map_or_else(|| "(no peer)".to_string(), |r| far_end(t, r));
                node(format!("{} ⇄ {far}", safe(&p.name)), vec![])
            })
            .chain(on_parent(t, h.inode, b.ifindex))
            .collect();
        let mut text = format!("{}  bridge  {}", safe(&b.name), b.addresses.join(" "));
        if let Some(n) = &b.docker_network {
            text.push_str(&format!(
                "  [{} network {}]",
                crate::model::podman::bridge_engine(t, &b.name).as_str(),
                safe(n)
            ));
        }
        children.push(node(text.replace("    ", "  "), ports));
    }
    let loose: Vec<Node> = h
        .interfaces
        .iter()
        .filter(|i| i.kind.as_deref() == Some("veth") && i.master.is_none())
        .map(|i| {
            node(
                format!("{} ⇄ {}", safe(&i.name), i.peer.as_ref().map_or("(no peer)".into(), |r| far_end(t, r))),
                vec![],
            )
        })
        .collect();
    if !loose.is_empty() {
        children.push(node("veth pairs not on a bridge".into(), loose));
    }
    let others: Vec<Node> = h
        .interfaces
        .iter()
        .filter(|i| i.kind.is_some() && !matches!(i.kind.as_deref(), Some("veth" | "bridge")) && i.master.is_none())
        .map(|i| node(iface_line(i), vec![]))
        .collect();
    if !others.is_empty() {
        children.push(node("other interfaces".into(), others));
    }
    let by_mode = |pred: &dyn Fn(&crate::model::Container) -> bool| -> Vec<String> {
        t.docker.containers.iter().filter(|c| pred(c)).map(|c| safe(&c.name)).collect()
    };
    let running = |c: &crate::model::Container| c.state == "running";
    let host_mode = by_mode(&|c| running(c) && c.network_mode == "host");
    if !host_mode.is_empty() {
        children.push(node(format!("host network (no namespace of their own): {}", host_mode.join(", ")), vec![]));
    }
    let none_mode = by_mode(&|c| running(c) && c.network_mode == "none");
    if !none_mode.is_empty() {
        children.push(node(format!("no network (only lo): {}", none_mode.join(", ")), vec![]));
    }
    let shared: Vec<String> = t
        .docker
        .containers
        .iter()
        .filter(|c| running(c))
        .filter_map(|c| c.shares_namespace_with.as_ref().map(|o| format!("{} joins {}", safe(&c.name), safe(o))))
        .collect();
    if !shared.is_empty() {
        children.push(node(format!("shared namespaces (container: mode): {}", shared.join(", ")), vec![]));
    }
    let stopped = by_mode(&|c| !running(c));
    if !stopped.is_empty() {
        children.push(node(format!("not running (no namespace): {}", stopped.join(", ")), vec![]));
    }
    let overlays: Vec<Node> = t
        .docker
        .networks
        .iter()
        .filter_map(|n| {
            let o = n.overlay.as_ref()?;
            let ns =
                o.namespace.and_then(|i| t.namespace(i)).map_or("namespace not visible".into(), |ns| safe(&ns.label));
            let text = format!(
                "{}  VXLAN {} udp/{} on {} in {ns}; members here: {}",
                safe(&n.name),
                o.vni.map_or("?".into(), |v| v.to_string()),
                o.udp_port.map_or("?".into(), |p| p.to_string()),
                o.bridge.as_deref().map_or("-".into(), safe),
                if n.containers.is_empty() {
                    "none".into()
                } else {
                    n.containers.iter().map(|c| safe(c)).collect::<Vec<_>>().join(", ")
                }
            );
            Some(node(text, vec![]))
        })
        .collect();
    if !overlays.is_empty() {
        children.push(node(
            "overlay networks (other nodes' ends are not visible from here: `netview merge` their snapshots)".into(),
            overlays,
        ));
    }
    if let Some(k) = &t.kubernetes {
        let mut facts = Vec::new();
        if let Some(b) = &k.bridge {
            facts.push(node(
                format!("CNI bridge {} {}", safe(b), k.bridge_address.as_deref().unwrap_or("")).trim_end().to_string(),
                vec![],
            ));
        }
        for (name, vni, port) in &k.overlay_devices {
            let (vni, port) = (vni.map_or("?".into(), |v| v.to_string()), port.map_or("?".into(), |p| p.to_string()));
            facts.push(node(format!("overlay device {}  VXLAN {vni} udp/{port}", safe(name)), vec![]));
        }
        for (cidr, dev) in &k.peer_slices {
            facts.push(node(format!("another node's pods {cidr} via {}", safe(dev)), vec![]));
        }
        facts.push(node(
            format!("{} pod namespaces, {} routed pod veths", k.pod_namespaces.len(), k.routed_pod_veths.len()),
            vec![],
        ));
        let cidr = k.pod_cidr.as_deref().map_or(String::new(), |c| format!(": pod CIDR {c}"));
        children.push(node(format!("Kubernetes node{cidr}"), facts));
    }
    let mut out = Vec::new();
    let root_text = format!("host {}", t.host.hostname.as_deref().map_or(String::new(), safe));
    render(&node(root_text.trim_end().to_string(), children), "", true, true, &mut out);
    lines.extend(out);

    let detached: Vec<&Namespace> = t.namespaces.iter().filter(|n| !n.host && !reachable_from_host(t, n)).collect();
    if !detached.is_empty() {
        lines.push(String::new());
        lines.push(style.heading("NAMESPACES NOT LINKED TO THE HOST BY A VETH"));
        for n in detached {
            let ifs: Vec<Node> = n
                .interfaces
                .iter()
                .filter(|i| i.name != "lo")
                .map(|i| {
                    let mut text = iface_line(i);
                    if let Some(r) = &i.peer {
                        text.push_str(&format!(" ⇄ {}", far_end(t, r)));
                    }
                    if let Some(m) = &i.master {
                        text.push_str(&format!("  [port of {}]", safe(m)));
                    }
                    node(text, vec![])
                })
                .collect();
            let mut out = Vec::new();
            render(&node(format!("{} {}", n.kind.as_str(), safe(&n.label)), ifs), "", true, true, &mut out);
            lines.extend(out);
        }
    }
}

/// macvlan/ipvlan/vlan devices on a parent device: they skip any bridge and hang straight off it.
fn on_parent(t: &Topology, ns: u64, ifindex: u32) -> Vec<Node> {
    t.namespaces
        .iter()
        .flat_map(|n| n.interfaces.iter().map(move |c| (n, c)))
        .filter(|(_, c)| c.parent.as_ref().is_some_and(|p| p.namespace == Some(ns) && p.ifindex == ifindex))
        .filter(|(_, c)| matches!(c.kind.as_deref(), Some("macvlan" | "ipvlan" | "vlan" | "macvtap")))
        .map(|(n, c)| node(format!("{} @ {} {}", iface_line(c), n.kind.as_str(), safe(&n.label)), vec![]))
        .collect()
}

fn reachable_from_host(t: &Topology, n: &Namespace) -> bool {
    let host = t.host_namespace().map(|h| h.inode);
    n.interfaces.iter().any(|i| i.peer.as_ref().is_some_and(|r| r.namespace.is_some() && r.namespace == host))
}

fn pods(t: &Topology, style: Style, lines: &mut Vec<String>) {
    if t.docker.pods.is_empty() {
        return;
    }
    lines.push(String::new());
    lines.push(style.heading("PODMAN PODS"));
    let mut tb =
        Table::new(&["NAME", "STATE", "INFRA", "NAMESPACE", "CONTAINERS (sharing the infra container's namespace)"]);
    for p in &t.docker.pods {
        tb.row(vec![
            safe(&p.name),
            safe(&p.state),
            or_dash(p.infra.as_deref()),
            p.namespace.map_or_else(|| "-".into(), |n| n.to_string()),
            p.containers.iter().map(|c| safe(c)).collect::<Vec<_>>().join(","),
        ]);
    }
    lines.extend(tb.render("  "));
}
