//! Everything known about the selected object, with the commands a student would type to see it.

use super::pane_block;
use super::theme::Theme;
use crate::app::{App, Group, NodeId, Pane};
use crate::model::{Container, Interface, Namespace, Network, Topology};
use crate::output::style::safe;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let block = pane_block(app, t, Pane::Details, "Details");
    let lines = match &app.selected {
        Some(id) => lines_with_rates(&app.topology, id, t, Some(&app.rule_rates)),
        None => vec![Line::styled("select an object in the tree", t.dim)],
    };
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((app.details_scroll, 0)),
        area,
    );
}

pub(super) struct Out<'t> {
    pub(super) lines: Vec<Line<'static>>,
    pub(super) t: &'t Theme,
    pub(super) rule_rates: Option<&'t crate::model::rule_rates::RuleRates>,
}

impl Out<'_> {
    pub(super) fn head(&mut self, s: impl Into<String>) {
        self.lines.push(Line::styled(safe(&s.into()), self.t.title));
    }
    pub(super) fn kv(&mut self, k: &str, v: impl Into<String>) {
        self.lines.push(Line::from(vec![Span::styled(format!("{k:<11}"), self.t.dim), Span::raw(safe(&v.into()))]));
    }
    pub(super) fn text(&mut self, s: impl Into<String>) {
        self.lines.push(Line::raw(safe(&s.into())));
    }
    pub(super) fn cmd(&mut self, c: impl Into<String>) {
        self.lines
            .push(Line::from(vec![Span::styled("$ ", self.t.dim), Span::styled(safe(&c.into()), self.t.command)]));
    }
    pub(super) fn blank(&mut self) {
        self.lines.push(Line::raw(""));
    }
}

fn or_dash(v: Option<&str>) -> String {
    v.unwrap_or("-").to_string()
}

/// How many forwarding entries of a VXLAN device the details list before "… N more".
const FDB_SHOWN: usize = 12;

/// A VXLAN device's own forwarding table: which MAC is behind which remote endpoint.
fn vxlan_fdb(t: &Topology, v: &crate::model::Vxlan, o: &mut Out) {
    if v.fdb.is_empty() {
        return;
    }
    o.blank();
    let n = v.fdb.len();
    o.head(format!("forwarding table ({n} {})", if n == 1 { "entry" } else { "entries" }));
    for e in v.fdb.iter().take(FDB_SHOWN) {
        let flood = e.mac == "00:00:00:00:00:00";
        let who = if flood { "unknown/broadcast" } else { e.mac.as_str() };
        let how = if e.permanent { "static" } else { "learned" };
        // A MAC of an interface this host also holds (a lab's other "host"): say whose it is.
        // The all-zero entry is no one's (loopback devices carry that MAC too).
        let owner = t
            .namespaces
            .iter()
            .filter(|_| !flood)
            .find_map(|n| n.interfaces.iter().find(|i| i.mac.as_deref() == Some(e.mac.as_str())).map(|i| (n, i)))
            .map_or(String::new(), |(n, i)| format!("  ({} @ {})", i.name, n.label));
        o.text(format!("  {who} → {}  {how}{owner}", e.dst.as_deref().unwrap_or("-")));
    }
    if v.fdb.len() > FDB_SHOWN {
        o.text(format!("  … {} more", v.fdb.len() - FDB_SHOWN));
    }
}

/// How to run a command inside a namespace: `ip -n` for named ones, `nsenter` for the rest.
pub fn in_ns(ns: &Namespace, command: &str) -> String {
    if ns.host {
        return command.to_string();
    }
    if let Some(name) = ns.paths.iter().find_map(|p| p.strip_prefix("/run/netns/")) {
        // iproute2's `ip` and `bridge` both take the namespace's name.
        for tool in ["ip", "bridge"] {
            if let Some(rest) = command.strip_prefix(tool).and_then(|r| r.strip_prefix(' ')) {
                return format!("{tool} -n {name} {rest}");
            }
        }
    }
    let path = ns.paths.first().map_or("<path>", |p| p.as_str());
    format!("nsenter --net={path} {command}")
}

pub fn lines(t: &Topology, id: &NodeId, theme: &Theme) -> Vec<Line<'static>> {
    lines_with_rates(t, id, theme, None)
}

/// The details, with packets per second next to rule counters once two reads were seen.
pub fn lines_with_rates(
    t: &Topology,
    id: &NodeId,
    theme: &Theme,
    rule_rates: Option<&crate::model::rule_rates::RuleRates>,
) -> Vec<Line<'static>> {
    let mut o = Out { lines: Vec::new(), t: theme, rule_rates };
    match id {
        NodeId::Host => host(t, &mut o),
        NodeId::Group(g) => group(t, *g, &mut o),
        NodeId::Interface { ns, ifindex } => {
            if let Some(n) = t.namespace(*ns)
                && let Some(i) = n.interface(*ifindex)
            {
                interface(t, n, i, &mut o);
            } else {
                o.text("this interface is gone");
            }
        }
        NodeId::Namespace(inode) => match t.namespace(*inode) {
            Some(n) => namespace(t, n, &mut o),
            None => o.text("this namespace is gone"),
        },
        NodeId::Container(cid) => match t.docker.containers.iter().find(|c| &c.id == cid) {
            Some(c) => container(t, c, &mut o),
            None => o.text("this container is gone"),
        },
        NodeId::Network(nid) => match t.docker.networks.iter().find(|n| &n.id == nid) {
            Some(n) => network(t, n, &mut o),
            None => o.text("this network is gone"),
        },
        NodeId::PortMapping { .. } => match t.firewall.ports.iter().find(|m| &crate::app::tree::mapping_id(m) == id) {
            Some(m) => super::details_ports::mapping(t, m, &mut o),
            None => o.text("this published port is gone"),
        },
    }
    o.lines
}

fn host(t: &Topology, o: &mut Out) {
    o.head(format!("Host {}", or_dash(t.host.hostname.as_deref())));
    o.kv("kernel", or_dash(t.host.kernel.as_deref()));
    o.kv("os", or_dash(t.host.os.as_deref()));
    if let Some(r) = &t.host.default_route {
        o.kv("default", format!("via {} dev {}", or_dash(r.gateway.as_deref()), or_dash(r.interface.as_deref())));
    }
    o.kv("namespaces", format!("{} read, {} skipped", t.namespaces.len(), t.skipped_namespaces));
    o.kv("bridges", t.bridges.len().to_string());
    o.kv("containers", t.docker.containers.len().to_string());
    for n in &t.notes {
        o.text(format!("note: {n}"));
    }
    if let Some(h) = t.namespaces.iter().find(|n| n.host) {
        listening(h, o);
    }
    o.blank();
    o.cmd("ip -br link");
    o.cmd("ip route");
    o.cmd("docker network ls");
}

fn group(t: &Topology, g: Group, o: &mut Out) {
    if g == Group::Ports {
        return super::details_ports::firewall(t, o);
    }
    if g == Group::Kubernetes {
        return kubernetes(t, o);
    }
    o.head(g.title());
    let (text, cmd) = match g {
        Group::LoosePairs => (
            "veths on the host that are not ports of any bridge: usually a direct link to one namespace.",
            "ip -d link show type veth",
        ),
        Group::OtherInterfaces => {
            ("interfaces of other kinds on the host: tunnels, dummies, vxlan, macvlan…", "ip -d link")
        }
        Group::Networks => ("the Docker engine's networks, with their members.", "docker network ls"),
        Group::HostMode => (
            "these containers use the host's own namespace: no veth, no bridge, no address of their own.",
            "docker ps --filter network=host",
        ),
        Group::NoneMode => {
            ("these containers have a namespace with only the loopback interface.", "docker ps --filter network=none")
        }
        Group::Shared => (
            "these containers joined another container's namespace (--network container:<name>), as pods do.",
            "docker inspect -f '{{.HostConfig.NetworkMode}}' <container>",
        ),
        Group::Stopped => (
            "containers that are not running have no namespace and no interfaces.",
            "docker ps -a --filter status=exited",
        ),
        Group::Ports | Group::Kubernetes => ("", ""),
        Group::Namespaces => (
            "every network namespace netview found: named (ip netns), Docker's, and those held only by a process.",
            "ip netns list; ls /run/docker/netns",
        ),
    };
    o.text(text);
    o.blank();
    o.cmd(cmd);
}

fn interface(t: &Topology, ns: &Namespace, i: &Interface, o: &mut Out) {
    let kind = i.kind.as_deref().unwrap_or("device");
    o.head(format!("{} ({kind}) in {}", i.name, ns.label));
    o.kv("ifindex", i.ifindex.to_string());
    o.kv("state", i.state.clone());
    o.kv("mac", or_dash(i.mac.as_deref()));
    o.kv("mtu", i.mtu.map_or("-".into(), |m| m.to_string()));
    o.kv("addresses", if i.addresses.is_empty() { "-".into() } else { i.addresses.join(" ") });
    if i.ipv4_forwarding == Some(false) && ns.interfaces.iter().any(|x| x.ipv4_forwarding == Some(true)) {
        // Only worth a line where the namespace forwards on its other interfaces.
        o.kv(
            "forwarding",
            format!("IPv4 off (net.ipv4.conf.{}.forwarding = 0): what arrives here is not routed on", i.name),
        );
    }
    if let Some(m) = &i.master {
        o.kv("bridge", m.clone());
    }
    if let Some(p) = &i.peer {
        let place = p.namespace.and_then(|n| t.namespace(n)).map_or("a namespace netview cannot see".into(), |n| {
            format!("{} ({}, inode {})", n.label, n.kind.as_str(), n.inode)
        });
        o.kv("peer", format!("{} (ifindex {}) in {place}", or_dash(p.name.as_deref()), p.ifindex));
    }
    if let Some(p) = &i.parent {
        o.kv("parent", format!("{} (ifindex {})", or_dash(p.name.as_deref()), p.ifindex));
    }
    if let Some(v) = &i.vxlan {
        o.kv(
            "vxlan",
            format!(
                "VNI {} port {}",
                v.vni.map_or("-".into(), |x| x.to_string()),
                v.port.map_or("-".into(), |x| x.to_string())
            ),
        );
        if let Some(g) = &v.group {
            o.kv(if v.multicast_group().is_some() { "group" } else { "remote" }, g.clone());
        }
        if let Some(l) = &v.local {
            o.kv("local", l.clone());
        }
        vxlan_fdb(t, v, o);
    }
    if i.kind.as_deref() == Some("bridge")
        && let Some(b) = t.bridges.iter().find(|b| b.namespace == ns.inode && b.ifindex == i.ifindex)
    {
        if let Some(n) = &b.docker_network {
            o.kv("network", n.clone());
        }
        o.blank();
        o.head(crate::ui::plural(b.ports.len(), "port"));
        for p in &b.ports {
            if p.peer.is_none() {
                o.text(format!("  {} ({})", p.name, p.kind.as_deref().unwrap_or("no peer")));
                continue;
            }
            let behind = p.behind.clone().unwrap_or_else(|| "-".into());
            o.text(format!(
                "  {} ⇄ {} @ {behind}  {}",
                p.name,
                p.peer.as_ref().and_then(|r| r.name.clone()).unwrap_or_else(|| "?".into()),
                p.peer_addresses.iter().filter(|a| !a.starts_with("fe80:")).cloned().collect::<Vec<_>>().join(" ")
            ));
        }
        o.blank();
        o.cmd(in_ns(ns, &format!("bridge link show master {}", i.name)));
        o.cmd(in_ns(ns, &format!("ip addr show dev {}", i.name)));
        if let Some(n) = &b.docker_network {
            o.cmd(format!("{} network inspect {n}", crate::model::podman::bridge_engine(t, &b.name).cli()));
        }
        return;
    }
    o.blank();
    o.cmd(in_ns(ns, &format!("ip -d -s link show dev {}", i.name)));
    if i.vxlan.is_some() {
        o.cmd(in_ns(ns, &format!("bridge fdb show dev {}", i.name)));
    }
    if let Some(p) = &i.peer
        && let (Some(name), Some(pns)) = (&p.name, p.namespace.and_then(|n| t.namespace(n)))
    {
        o.cmd(in_ns(pns, &format!("ip addr show dev {name}")));
    }
}

fn namespace(t: &Topology, ns: &Namespace, o: &mut Out) {
    o.head(format!("Namespace {} ({})", ns.label, ns.kind.as_str()));
    o.kv("inode", ns.inode.to_string());
    o.kv("paths", ns.paths.join(" "));
    if !ns.containers.is_empty() {
        o.kv("containers", ns.containers.join(", "));
    }
    o.blank();
    o.head("interfaces");
    for i in &ns.interfaces {
        let mut s = format!("  {} {} {}", i.name, i.kind.as_deref().unwrap_or(""), i.state);
        let addrs: Vec<&String> = i.addresses.iter().filter(|a| !a.starts_with("fe80:")).collect();
        if !addrs.is_empty() {
            s.push_str(&format!("  {}", addrs.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" ")));
        }
        if let Some(p) = &i.peer {
            let place = p.namespace.and_then(|n| t.namespace(n)).map_or("?".to_string(), |n| n.label.clone());
            s.push_str(&format!("  ⇄ {} @ {place}", or_dash(p.name.as_deref())));
        }
        o.text(s);
    }
    if !ns.routes.is_empty() {
        o.blank();
        o.head("routes");
        for r in &ns.routes {
            let dev = r.oif.and_then(|i| ns.interface(i)).map_or("?".to_string(), |i| i.name.clone());
            match &r.gateway {
                Some(g) => o.text(format!("  {} via {g} dev {dev}", r.destination)),
                None => o.text(format!("  {} dev {dev}", r.destination)),
            }
        }
    }
    listening(ns, o);
    o.blank();
    o.cmd(in_ns(ns, "ip addr"));
    o.cmd(in_ns(ns, "ip route"));
    if !ns.listening.is_empty() {
        o.cmd(in_ns(ns, "ss -ltnup"));
    }
}

/// The sockets waiting for traffic in `ns`, with the process holding each.
fn listening(ns: &Namespace, o: &mut Out) {
    if ns.listening.is_empty() {
        return;
    }
    const SHOWN: usize = 12;
    o.blank();
    o.head(format!("listening ({})", ns.listening.len()));
    for l in ns.listening.iter().take(SHOWN) {
        let v6only = if l.v6only { " v6only" } else { "" };
        o.text(format!("  {:<22} {}{v6only}", l.endpoint(), l.owner()));
    }
    if ns.listening.len() > SHOWN {
        o.text(format!("  … {} more", ns.listening.len() - SHOWN));
    }
}

fn container(t: &Topology, c: &Container, o: &mut Out) {
    o.head(format!("Container {}", c.name));
    o.kv("id", c.id.get(..12).unwrap_or(&c.id).to_string());
    o.kv("image", or_dash(c.image.as_deref()));
    o.kv("state", c.state.clone());
    o.kv("mode", c.network_mode.clone());
    if c.engine != crate::model::Engine::Docker {
        o.kv("engine", c.engine.as_str().to_string());
    }
    if let Some(pod) = &c.pod {
        o.kv("pod", pod.clone());
    }
    if let Some(s) = &c.shares_namespace_with {
        o.kv("joins", format!("the namespace of {s}"));
    }
    let ns = c.namespace.and_then(|i| t.namespace(i));
    match ns {
        Some(n) => o.kv("namespace", format!("{} (inode {})", n.paths.first().map_or("-", |p| p.as_str()), n.inode)),
        None => o.kv("namespace", "none (not running)"),
    }
    for e in &c.endpoints {
        o.blank();
        o.head(format!("endpoint on {}", e.network));
        o.kv("ipv4", or_dash(e.ipv4.as_deref()));
        if e.ipv6.is_some() {
            o.kv("ipv6", or_dash(e.ipv6.as_deref()));
        }
        o.kv("mac", or_dash(e.mac.as_deref()));
        o.kv("gateway", or_dash(e.gateway.as_deref()));
        if e.ipv6_gateway.is_some() {
            o.kv("gateway6", or_dash(e.ipv6_gateway.as_deref()));
        }
        o.kv(
            "wire",
            format!(
                "{} (inside) ⇄ {} (host) on {}",
                or_dash(e.interface.as_deref()),
                or_dash(e.host_interface.as_deref()),
                or_dash(e.bridge.as_deref())
            ),
        );
        super::details_names::endpoint(e, o);
    }
    if !c.ports.is_empty() {
        o.blank();
        o.head("published ports");
        for p in &c.ports {
            match p.host_port {
                Some(hp) => {
                    let mapping = t.firewall.ports.iter().find(|m| {
                        m.container == c.name
                            && m.host_port == hp
                            && m.protocol == p.protocol
                            && m.host_ip.as_deref() == p.host_ip.as_deref().filter(|i| !i.is_empty())
                    });
                    let how = mapping.map_or(String::new(), |m| super::details_ports::summary(m, o));
                    o.text(format!(
                        "  {} → {}/{}{how}",
                        crate::model::net::host_port(p.host_ip.as_deref(), hp),
                        p.container_port,
                        p.protocol
                    ));
                }
                None => match t.firewall.ports.iter().find(|m| {
                    m.routed
                        && m.container == c.name
                        && m.container_port == p.container_port
                        && m.protocol == p.protocol
                        && m.host_ip.as_deref() == p.host_ip.as_deref().filter(|i| !i.is_empty())
                }) {
                    Some(m) => o.text(format!(
                        "  {} (routed: no NAT, no host port){}",
                        crate::model::net::host_port(m.container_ip.as_deref(), m.container_port),
                        super::details_ports::summary(m, o)
                    )),
                    None => o.text(format!("  {}/{} (exposed, not published)", p.container_port, p.protocol)),
                },
            }
        }
    }
    super::details_names::unpublished(c, o);
    if let Some(n) = ns {
        listening(n, o);
    }
    o.blank();
    o.cmd(format!("{} inspect {}", c.engine.cli(), c.name));
    if let Some(n) = ns {
        o.cmd(in_ns(n, "ip addr"));
        if !n.listening.is_empty() {
            o.cmd(in_ns(n, "ss -ltnup"));
        }
    }
}

fn kubernetes(t: &Topology, o: &mut Out) {
    o.head("Kubernetes node, as this node shows it");
    let Some(k) = &t.kubernetes else { return o.text("no Kubernetes networking on this host") };
    o.kv(
        "CNI bridge",
        match (&k.bridge, &k.bridge_address) {
            (Some(b), Some(a)) => format!("{b} {a} (the pods' gateway)"),
            (Some(b), None) => b.clone(),
            _ => "none (pods are routed, not bridged)".into(),
        },
    );
    o.kv("pod CIDR", k.pod_cidr.clone().unwrap_or_else(|| "-".into()));
    for (name, vni, port) in &k.overlay_devices {
        o.kv(
            "overlay",
            format!(
                "{name}: VXLAN {} udp/{}",
                vni.map_or("?".into(), |v| v.to_string()),
                port.map_or("?".into(), |p| p.to_string())
            ),
        );
    }
    for (cidr, dev) in &k.peer_slices {
        o.kv("other node", format!("{cidr} via {dev}"));
    }
    o.kv("pods", format!("{} pod namespaces, {} routed pod veths", k.pod_namespaces.len(), k.routed_pod_veths.len()));
    o.blank();
    o.text("Only this node's side is visible: other nodes' pods, Services and the API server are not. Take a snapshot on each node and `netview merge` them for the cluster.");
    o.blank();
    o.cmd("ip -d link show type vxlan");
    o.cmd("ip route | grep -e cni0 -e flannel");
    o.cmd("ip netns list");
}

fn network(t: &Topology, n: &Network, o: &mut Out) {
    o.head(format!(
        "{} network {}",
        if n.engine == crate::model::Engine::Podman { "Podman" } else { "Docker" },
        n.name
    ));
    o.kv("id", n.id.get(..12).unwrap_or(&n.id).to_string());
    o.kv("driver", n.driver.clone());
    o.kv("scope", n.scope.clone());
    for s in &n.subnets {
        o.kv("subnet", or_dash(s.subnet.as_deref()));
        let gw = or_dash(s.gateway.as_deref());
        o.kv(
            "gateway",
            if s.gateway_derived { format!("{gw} (Docker left it empty: taken from the bridge)") } else { gw },
        );
        if let Some(r) = &s.ip_range {
            o.kv("ip range", r.clone());
        }
    }
    if n.bridge.is_some() || n.driver == "bridge" {
        o.kv("bridge", or_dash(n.bridge.as_deref()));
    }
    // Engine 28's gateway modes: how the host routes and NATs for this network (absent: nat).
    let v4 = n.subnets.iter().any(|s| s.subnet.as_deref().is_some_and(|s| !s.contains(':')));
    for (v6, key) in [(false, crate::model::topology::GATEWAY_MODE_V4), (true, crate::model::topology::GATEWAY_MODE_V6)]
    {
        let Some(mode) = n.gateway_mode(v6).filter(|_| if v6 { n.ipv6 } else { v4 || !n.ipv6 }) else { continue };
        let label = if v6 { "gw mode v6" } else { "gw mode v4" };
        if n.options.contains_key(key) {
            o.kv(label, format!("{mode}: {}", crate::model::topology::gateway_mode_meaning(mode)));
        } else {
            o.kv(label, format!("{mode} (the default: no gateway_mode option)"));
        }
    }
    if let Some(ov) = &n.overlay {
        let ns = ov.namespace.and_then(|i| t.namespace(i));
        o.kv("namespace", ns.map_or("not visible on this node".into(), |ns| ns.paths.join(" ")));
        o.kv(
            "vxlan",
            format!(
                "{} VNI {} udp/{} on {}",
                or_dash(ov.vxlan_device.as_deref()),
                ov.vni.map_or("-".into(), |v| v.to_string()),
                ov.udp_port.map_or("-".into(), |p| p.to_string()),
                or_dash(ov.bridge.as_deref())
            ),
        );
        o.text("Peers on other nodes are not visible from this one: run `netview --snapshot --json` on each node and `netview merge` the files.");
    }
    if let Some(p) = &n.parent {
        o.kv("parent", p.parent.clone().unwrap_or_else(|| "a dummy device Docker made (internal)".into()));
        o.kv("mode", p.mode.clone());
        o.text("Containers get their own interface on the parent NIC: no bridge, no veth, no NAT; by design the host cannot reach its own macvlan children.");
    }
    let mut flags = Vec::new();
    if n.internal {
        flags.push("internal (no route out)");
    }
    if n.icc == Some(false) {
        flags.push("inter-container traffic off");
    }
    if n.attachable {
        flags.push("attachable");
    }
    if !flags.is_empty() {
        o.kv("flags", flags.join(", "));
    }
    if let Some(p) = &n.compose_project {
        o.kv("compose", p.clone());
    }
    for (k, v) in &n.options {
        o.kv("option", format!("{k}={v}"));
    }
    o.blank();
    o.head(crate::ui::plural(n.containers.len(), "member"));
    for name in &n.containers {
        let ep = t.container(name).and_then(|c| c.endpoints.iter().find(|e| e.network == n.name));
        o.text(format!(
            "  {name}  {}  {}",
            ep.and_then(|e| e.ipv4.clone()).unwrap_or_default(),
            ep.and_then(|e| e.mac.clone()).unwrap_or_default()
        ));
    }
    super::details_names::network(t, n, o);
    o.blank();
    o.cmd(format!("{} network inspect {}", n.engine.cli(), n.name));
    if let Some(b) = &n.bridge {
        o.cmd(format!("bridge link show master {b}"));
    }
}
