//! "Can A reach B, and why not": follow a first packet from one namespace to an address, through
//! routes, veth pairs, bridges, the host's routing and its firewall walks, and stop at the first
//! thing that blocks it. What is not evaluated is listed, never silently assumed.

use super::firewall::{Hook, Ruleset};
use super::net::strip_prefix_len;
use super::observation::FirewallObs;
use super::route;
use super::topology::{Namespace, Topology};
use super::walk::{self, HookWalk, Packet, Verdict};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Where a path starts or ends, as the user named it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub label: String,
    /// Inode of its namespace; None for an address no namespace here holds.
    pub namespace: Option<u64>,
    pub address: Option<IpAddr>,
    pub container: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    Reachable,
    Blocked,
    /// The packet leaves this host; what happens next is not visible from here.
    LeavesHost,
    /// netview cannot follow the path (a device kind it does not model, a hidden namespace).
    Unknown,
}

impl Reach {
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Reachable => "reachable",
            Reach::Blocked => "blocked",
            Reach::LeavesHost => "leaves this host",
            Reach::Unknown => "unknown",
        }
    }
}

/// One hop, pointing at the objects the TUI highlights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub namespace: Option<u64>,
    pub interface: Option<String>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathReport {
    pub from: Place,
    pub to: Place,
    pub protocol: String,
    pub port: Option<u16>,
    pub verdict: Reach,
    pub hops: Vec<Hop>,
    /// Why it is blocked (or unknown), in a sentence.
    pub reason: Option<String>,
    /// The firewall walks on the way, in order.
    pub walks: Vec<HookWalk>,
    /// What this verdict did not evaluate.
    pub limits: Vec<String>,
}

/// Resolve a container (name or id prefix), a namespace (label, path or inode), `host`, or an address.
pub fn resolve(t: &Topology, spec: &str) -> Result<Place, String> {
    let host = t.host_namespace().map(|h| h.inode);
    if spec == "host" {
        return Ok(Place { label: "host".into(), namespace: host, address: None, container: None });
    }
    if let Ok(ip) = spec.parse::<IpAddr>() {
        let owner = t.namespaces.iter().find(|n| route::owner(n, ip).is_some() && !ip.is_loopback());
        let label = owner.map_or_else(|| ip.to_string(), |n| format!("{ip} ({})", n.label));
        let container = owner.and_then(|n| n.containers.first().cloned());
        return Ok(Place { label, namespace: owner.map(|n| n.inode), address: Some(ip), container });
    }
    let by_name = t.docker.containers.iter().find(|c| c.name == spec || c.name.trim_start_matches('/') == spec);
    let by_id = || {
        let hits: Vec<_> = t.docker.containers.iter().filter(|c| spec.len() >= 4 && c.id.starts_with(spec)).collect();
        (hits.len() == 1).then(|| hits[0])
    };
    if let Some(c) = by_name.or_else(by_id) {
        return match c.namespace {
            Some(ns) => {
                Ok(Place { label: c.name.clone(), namespace: Some(ns), address: None, container: Some(c.name.clone()) })
            }
            None => Err(format!("container {} is {}: it has no network namespace to start from", c.name, c.state)),
        };
    }
    let ns = t
        .namespaces
        .iter()
        .find(|n| n.label == spec || n.paths.iter().any(|p| p == spec) || n.inode.to_string() == spec);
    if let Some(n) = ns {
        return Ok(Place {
            label: n.label.clone(),
            namespace: Some(n.inode),
            address: None,
            container: n.containers.first().cloned(),
        });
    }
    let mut names: Vec<&str> = t.docker.containers.iter().map(|c| c.name.as_str()).collect();
    names.extend(t.namespaces.iter().filter(|n| !n.host && n.containers.is_empty()).map(|n| n.label.as_str()));
    names.sort_unstable();
    let known = if names.is_empty() { String::from("none here") } else { names.join(", ") };
    Err(format!(
        "no container, namespace or address called {spec:?} (containers and namespaces: {known}; or `host`, or an IP address)"
    ))
}

/// What the firewall side of a path needs.
pub struct Firewall<'a> {
    pub rules: &'a Ruleset,
    pub ip_forward: Option<bool>,
    pub bridge_nf_call_iptables: Option<bool>,
}

impl<'a> From<&'a FirewallObs> for Firewall<'a> {
    fn from(f: &'a FirewallObs) -> Self {
        Firewall { rules: &f.ruleset, ip_forward: f.ip_forward, bridge_nf_call_iptables: f.bridge_nf_call_iptables }
    }
}

impl<'a> From<&'a super::topology::FirewallView> for Firewall<'a> {
    fn from(f: &'a super::topology::FirewallView) -> Self {
        Firewall { rules: &f.ruleset, ip_forward: f.ip_forward, bridge_nf_call_iptables: f.bridge_nf_call_iptables }
    }
}

struct Walker<'a> {
    t: &'a Topology,
    fw: Firewall<'a>,
    report: PathReport,
    /// The destination port the packet carries now: the asked one until a DNAT rewrites it
    /// (the report keeps the one asked for).
    port: Option<u16>,
    /// PREROUTING already ran for this packet (it was DNATed there): the kernel does not run
    /// its raw, mangle and nat chains again for the new destination.
    prerouted: bool,
    /// Each time a namespace routed the request onwards: the reply comes back the same way.
    forwarded: Vec<Forwarded>,
    /// The request's source after a SNAT or MASQUERADE: where the reply is addressed.
    reply_to: Option<IpAddr>,
    /// The namespace the request was delivered in.
    delivered: Option<u64>,
}

/// A namespace routing the request from one interface to another.
struct Forwarded {
    ns: u64,
    label: String,
    host: bool,
    in_iface: String,
    out_iface: Option<String>,
}

/// Follow a first packet from `from` to `to` (`protocol` "icmp", "tcp" or "udp").
pub fn path(t: &Topology, fw: Firewall, from: Place, to: Place, protocol: &str, port: Option<u16>) -> PathReport {
    let report = PathReport {
        from: from.clone(),
        to: to.clone(),
        protocol: protocol.into(),
        port,
        verdict: Reach::Unknown,
        hops: Vec::new(),
        reason: None,
        walks: Vec::new(),
        limits: vec!["rules inside the containers' own namespaces are not evaluated".into()],
    };
    let mut w =
        Walker { t, fw, report, port, prerouted: false, forwarded: Vec::new(), reply_to: None, delivered: None };
    w.run();
    if w.report.verdict == Reach::Reachable {
        w.reply();
    }
    let replies = w.replies_note();
    w.report.limits.insert(1, replies);
    if !w.fw.rules.readable() {
        w.report.limits.push("the firewall could not be read: no rules were evaluated".into());
    }
    w.report
}

impl Walker<'_> {
    fn finish(&mut self, verdict: Reach, reason: Option<String>) {
        self.report.verdict = verdict;
        self.report.reason = reason;
    }

    fn hop(&mut self, ns: Option<u64>, iface: Option<&str>, text: String) {
        self.report.hops.push(Hop { namespace: ns, interface: iface.map(str::to_string), text });
    }

    fn run(&mut self) {
        let t = self.t;
        let Some(src_ns) = self.report.from.namespace.and_then(|i| t.namespace(i)) else {
            return self
                .finish(Reach::Unknown, Some("netview follows paths that start in a namespace on this host".into()));
        };
        let Some(dst) = self.destination(src_ns) else {
            return self
                .finish(Reach::Unknown, Some(format!("{} has no address netview could aim at", self.report.to.label)));
        };
        self.report.to.address = Some(dst);
        if route::is_local(src_ns, dst) {
            // From the host to one of its own addresses (not loopback, which Docker's OUTPUT rule
            // leaves to docker-proxy): nat OUTPUT may point the packet at a container.
            if src_ns.host && !dst.is_loopback() && self.output_dnat(src_ns, dst) {
                return;
            }
            self.hop(
                Some(src_ns.inode),
                Some("lo"),
                format!("{dst} is {}'s own address: delivered over loopback", src_ns.label),
            );
            return self.finish(Reach::Reachable, None);
        }
        if src_ns.interfaces.iter().all(|i| i.name == "lo") {
            return self.finish(
                Reach::Blocked,
                Some(format!("{} has only loopback (network mode none): nothing leaves it", src_ns.label)),
            );
        }
        self.leave(src_ns, dst, 0);
    }

    /// A packet the host sends to its own address meets nat OUTPUT; a DNAT there sends it on
    /// to the new destination (the route is looked up again), and the walk goes on from there.
    /// True when the path was followed (or ended) here.
    fn output_dnat(&mut self, ns: &Namespace, dst: IpAddr) -> bool {
        let p = self.packet(ns, None, Some("lo"), dst);
        let out = walk::walk(self.fw.rules, Hook::Output, &p, true);
        let Some((ip, port)) = out.dnat.as_deref().and_then(walk::nat_target) else { return false };
        let from = self.port.map_or(dst.to_string(), |p| super::net::host_port(Some(&dst.to_string()), p));
        let port = port.or(self.port);
        let to = port.map_or(ip.to_string(), |p| super::net::host_port(Some(&ip.to_string()), p));
        for a in &out.assumed {
            self.report.limits.push(format!("assumed not to match: {a}"));
        }
        let dropped = out.dropped_by.as_ref().map(|s| format!("{} {}: {}", s.at.table, s.at.chain, s.text));
        self.report.walks.push(out);
        self.hop(
            Some(ns.inode),
            Some("lo"),
            format!("OUTPUT: DNAT {from} → {to} (the host's own address, not loopback)"),
        );
        if let Some(by) = dropped {
            self.hop(None, None, format!("OUTPUT: dropped by {by}"));
            self.finish(Reach::Blocked, Some(format!("dropped in OUTPUT by {by}")));
            return true;
        }
        self.port = port;
        self.leave(ns, ip, 1);
        true
    }

    /// Out of a macvlan or ipvlan child: a sibling on the same parent that holds `next_hop` takes
    /// the frame (bridge mode, Docker's default; the kernel switches between siblings); the
    /// parent's own addresses are out of reach; anything else leaves through the parent.
    fn across_parent(
        &mut self,
        ns: &Namespace,
        child: &super::topology::Interface,
        kind: &str,
        next_hop: IpAddr,
        dst: IpAddr,
        depth: usize,
    ) {
        let t = self.t;
        let Some(parent) = child.parent.clone() else {
            return self.finish(Reach::Unknown, Some(format!("{}'s parent device is not visible", child.name)));
        };
        let same_parent = |i: &super::topology::Interface, n: &Namespace| {
            i.kind.as_deref() == Some(kind)
                && i.parent.as_ref().is_some_and(|p| {
                    p.ifindex == parent.ifindex && p.namespace.or(Some(n.inode)) == parent.namespace.or(Some(ns.inode))
                })
        };
        let sibling = t.namespaces.iter().find_map(|n| {
            let i = n.interfaces.iter().find(|i| {
                same_parent(i, n)
                    && !(n.inode == ns.inode && i.ifindex == child.ifindex)
                    && route::owner_is(i, next_hop)
            })?;
            Some((n, i))
        });
        if let Some((n, i)) = sibling {
            self.hop(
                Some(n.inode),
                Some(&i.name),
                format!("{kind}: {} → {} ({}), same parent", child.name, i.name, n.label),
            );
            return self.arrive(n, &i.name, next_hop, dst, depth + 1);
        }
        let parent_ns = parent.namespace.and_then(|i| t.namespace(i));
        let parent_name = parent.name.clone().unwrap_or_else(|| format!("ifindex {}", parent.ifindex));
        if let Some(pns) = parent_ns
            && pns.interface(parent.ifindex).is_some_and(|p| route::owner_is(p, next_hop))
        {
            return self.finish(
                Reach::Blocked,
                Some(format!(
                    "{next_hop} is the address of {parent_name}, the parent of {}'s {kind} device: the kernel passes \
                     no traffic between a {kind} child and its parent",
                    ns.label
                )),
            );
        }
        self.hop(
            parent_ns.map(|n| n.inode),
            Some(&parent_name),
            format!("leaves through {parent_name}, the {kind} parent"),
        );
        self.finish(
            Reach::LeavesHost,
            Some(format!("{dst} is not on this host; beyond {parent_name} is not visible from here")),
        )
    }

    /// `dst` belongs to a macvlan or ipvlan child of `out` (ifindex `out_index` in `ns`), in a
    /// namespace on this host: the kernel passes no frames between such a parent and its
    /// children, so a packet sent out of the parent never comes back to it. Why, if so.
    fn child_of_parent(&self, ns: &Namespace, out_index: u32, out: &str, dst: IpAddr) -> Option<String> {
        let (owner, child) = self.t.namespaces.iter().find_map(|n| {
            let i = n.interfaces.iter().find(|i| i.addresses.iter().any(|a| route::same_addr(a, dst)))?;
            Some((n, i))
        })?;
        let kind = child.kind.as_deref().filter(|k| matches!(*k, "macvlan" | "ipvlan"))?;
        let parent = child.parent.as_ref()?;
        let on_out = parent.ifindex == out_index && parent.namespace.is_none_or(|p| p == ns.inode);
        on_out.then(|| {
            format!(
                "{dst} is {}'s {kind} address on this host, a child of {out}: the kernel passes no traffic between \
                 a {kind} parent and its children, so from {} it is out of reach through {out} \
                 (a {kind} interface of the host's own on {out} would reach it)",
                owner.label, ns.label
            )
        })
    }

    /// Which address of the target to aim at: one on a network shared with the source if any.
    fn destination(&self, src: &Namespace) -> Option<IpAddr> {
        if let Some(a) = self.report.to.address {
            return Some(a);
        }
        let dst_ns = self.t.namespace(self.report.to.namespace?)?;
        let v4 = |n: &Namespace| -> Vec<(String, IpAddr)> {
            n.interfaces
                .iter()
                .filter(|i| i.name != "lo")
                .flat_map(|i| i.addresses.iter().map(move |a| (i.name.clone(), a)))
                .filter_map(|(i, a)| Some((i, strip_prefix_len(a).parse::<IpAddr>().ok().filter(IpAddr::is_ipv4)?)))
                .collect()
        };
        let candidates = v4(dst_ns);
        if dst_ns.host {
            // To "host" from a container: its gateway, the host's leg on the container's bridge.
            if let Some(gw) = route::lookup(src, "0.0.0.0".parse().ok()?).and_then(|r| r.gateway) {
                return Some(gw);
            }
            return candidates.first().map(|(_, a)| *a).or(Some(IpAddr::from([127, 0, 0, 1])));
        }
        let shared = candidates
            .iter()
            .find(|(_, a)| route::lookup(src, *a).is_some_and(|r| r.gateway.is_none() && r.destination != "default"));
        shared.or(candidates.first()).map(|(_, a)| *a)
    }

    /// Leave namespace `ns` toward `dst`: route, then hand the packet to whoever holds the next hop.
    fn leave(&mut self, ns: &Namespace, dst: IpAddr, depth: usize) {
        if depth > 8 {
            return self
                .finish(Reach::Unknown, Some("the path is longer than netview follows (a routing loop?)".into()));
        }
        let Some(r) = route::lookup(ns, dst) else {
            let why = if ns.routes.iter().all(|r| r.destination != "default") {
                " and it has no default route (an --internal network gives none)"
            } else {
                ""
            };
            return self.finish(Reach::Blocked, Some(format!("{} has no route to {dst}{why}", ns.label)));
        };
        let Some(out) = r.iface.clone() else {
            return self.finish(Reach::Unknown, Some(format!("{}'s route to {dst} names no interface", ns.label)));
        };
        let next_hop = r.gateway.unwrap_or(dst);
        let via = r.gateway.map_or(String::new(), |g| format!(" via {g}"));
        self.hop(Some(ns.inode), Some(&out), format!("{}: route {}{via} dev {out}", ns.label, r.destination));
        if ns.host {
            let p = self.packet(ns, None, Some(&out), dst);
            if !self.walk_ok(Hook::Output, &p, "the host's OUTPUT rules")
                || !self.walk_ok(Hook::Postrouting, &p, "POSTROUTING")
            {
                return;
            }
        }
        self.emit(ns, &out, next_hop, dst, depth);
    }

    /// Send the packet out of `ns` through `out` toward `next_hop`.
    fn emit(&mut self, ns: &Namespace, out: &str, next_hop: IpAddr, dst: IpAddr, depth: usize) {
        // The host can route a packet back into itself (a veth pair with both ends here): the
        // same bound as `leave`, or the walk would recurse until the stack runs out.
        if depth > 8 {
            return self
                .finish(Reach::Unknown, Some("the path is longer than netview follows (a routing loop?)".into()));
        }
        let t = self.t;
        let out = out.to_string();
        let Some(iface) = ns.interface_named(&out) else { return self.finish(Reach::Unknown, None) };
        if let Some(why) = self.child_of_parent(ns, iface.ifindex, &out, dst) {
            self.hop(Some(ns.inode), Some(&out), format!("out through {out}, the parent of {dst}'s device"));
            return self.finish(Reach::Blocked, Some(why));
        }
        match iface.kind.as_deref() {
            Some("bridge") => {
                let bridge = out.clone();
                self.across_bridge(ns, &bridge, None, next_hop, dst, depth)
            }
            Some("veth") => {
                let Some(peer) = iface.peer.clone() else {
                    return self.finish(Reach::Unknown, Some(format!("the other end of {out} is not visible")));
                };
                let Some(peer_ns) = peer.namespace.and_then(|i| t.namespace(i)) else {
                    return self.finish(
                        Reach::Unknown,
                        Some(format!("the other end of {out} is in a namespace netview cannot read")),
                    );
                };
                let Some(peer_if) = peer_ns.interface(peer.ifindex) else { return self.finish(Reach::Unknown, None) };
                self.hop(
                    Some(peer_ns.inode),
                    Some(&peer_if.name),
                    format!("veth pair: {out} → {} ({})", peer_if.name, peer_ns.label),
                );
                match peer_if.master.clone() {
                    Some(bridge) => self.across_bridge(peer_ns, &bridge, Some(&peer_if.name), next_hop, dst, depth),
                    None => self.arrive(peer_ns, &peer_if.name, next_hop, dst, depth),
                }
            }
            Some(kind @ ("macvlan" | "ipvlan")) => self.across_parent(ns, iface, kind, next_hop, dst, depth),
            Some(kind) => self.finish(
                Reach::Unknown,
                Some(format!(
                    "the path leaves {} through {out}, a {kind} device; netview follows veth pairs and bridges",
                    ns.label
                )),
            ),
            None => {
                self.hop(Some(ns.inode), Some(&out), format!("leaves the host through {out}"));
                self.finish(
                    Reach::LeavesHost,
                    Some(format!("{dst} is not on this host; beyond {out} is not visible from here")),
                )
            }
        }
    }

    /// On bridge `bridge` (in namespace `ns`), entered from port `port` (None: from the host's own
    /// stack): find who holds `next_hop`.
    fn across_bridge(
        &mut self,
        ns: &Namespace,
        bridge: &str,
        port: Option<&str>,
        next_hop: IpAddr,
        dst: IpAddr,
        depth: usize,
    ) {
        let t = self.t;
        if port.is_some() {
            self.hop(Some(ns.inode), Some(bridge), format!("bridge {bridge}"));
        }
        if ns.interface_named(bridge).is_some_and(|b| b.addresses.iter().any(|a| route::same_addr(a, next_hop))) {
            // The bridge's own address: the packet goes up into this namespace's stack.
            return self.arrive(ns, bridge, next_hop, dst, depth);
        }
        let ports =
            ns.interfaces.iter().filter(|i| i.master.as_deref() == Some(bridge) && Some(i.name.as_str()) != port);
        for p in ports {
            let Some(peer) = &p.peer else { continue };
            let Some(peer_ns) = peer.namespace.and_then(|i| t.namespace(i)) else { continue };
            let Some(peer_if) = peer_ns.interface(peer.ifindex) else { continue };
            if !peer_if.addresses.iter().any(|a| route::same_addr(a, next_hop)) {
                continue;
            }
            if port.is_some() && !ns.host {
                self.report.limits.push(format!(
                    "the firewall of {} (where {bridge} lives) is not read: netview reads the host's rules only",
                    ns.label
                ));
            } else if port.is_some() {
                // Bridged between two ports: iptables sees it only through br_netfilter.
                match self.fw.bridge_nf_call_iptables {
                    Some(true) => {
                        let src = self.source_addr();
                        let pk = Packet {
                            in_iface: Some(bridge.into()),
                            out_iface: Some(bridge.into()),
                            src,
                            dst,
                            protocol: self.report.protocol.clone(),
                            sport: self.port.map(|_| 40000),
                            dport: self.port,
                            dst_local: false,
                            src_local: false,
                        };
                        if !self.walk_ok(Hook::Forward, &pk, "FORWARD (bridged traffic, br_netfilter is on)") {
                            return;
                        }
                    }
                    _ => self.report.limits.push(format!(
                        "traffic inside {bridge} does not meet iptables (bridge-nf-call-iptables is off or br_netfilter not loaded), so ICC rules cannot apply"
                    )),
                }
            }
            self.hop(
                Some(ns.inode),
                Some(&p.name),
                format!("{bridge} port {} → veth pair → {} ({})", p.name, peer_if.name, peer_ns.label),
            );
            return self.arrive(peer_ns, &peer_if.name, next_hop, dst, depth);
        }
        if let Some(done) = self.across_vxlan(ns, bridge, port, next_hop, dst, depth) {
            return done;
        }
        let why = format!("nothing on {bridge} holds {next_hop}: ARP gets no answer");
        self.finish(Reach::Blocked, Some(why))
    }

    /// A VXLAN device on the bridge carries the frame to another host: follow it when that host
    /// is a namespace netview sees (its underlay address holds the tunnel's remote), else say
    /// where it goes. None when the bridge has no VXLAN port.
    fn across_vxlan(
        &mut self,
        ns: &Namespace,
        bridge: &str,
        port: Option<&str>,
        next_hop: IpAddr,
        dst: IpAddr,
        depth: usize,
    ) -> Option<()> {
        let t = self.t;
        let vx = ns.interfaces.iter().find(|i| {
            i.master.as_deref() == Some(bridge) && i.kind.as_deref() == Some("vxlan") && Some(i.name.as_str()) != port
        })?;
        let v = vx.vxlan.as_ref()?;
        let vni = v.vni.map_or("?".into(), |n| n.to_string());
        // The device's remote or group; without one, the remotes its forwarding table names,
        // preferring one that is a namespace on this host (a lab's other "host").
        let remotes: Vec<IpAddr> = match v.group.as_deref().and_then(|g| g.parse::<IpAddr>().ok()) {
            Some(g) => vec![g],
            None => v.remotes().iter().filter_map(|r| r.parse().ok()).collect(),
        };
        let here = |r: &IpAddr| t.namespaces.iter().any(|n| n.inode != ns.inode && route::owner(n, *r).is_some());
        let Some(remote) = remotes.iter().find(|r| here(r)).or(remotes.first()).copied() else {
            self.hop(Some(ns.inode), Some(&vx.name), format!("{bridge} floods to {}: VXLAN {vni}", vx.name));
            self.finish(
                Reach::LeavesHost,
                Some(format!("{next_hop} is not on {bridge} here: the frame goes into VXLAN {vni}, whose other ends (learned or in the FDB) are not followed")),
            );
            return Some(());
        };
        let far = t
            .namespaces
            .iter()
            .find(|n| n.inode != ns.inode && route::owner(n, remote).is_some() && !remote.is_loopback());
        let far_vx = far.and_then(|n| {
            n.interfaces
                .iter()
                .find(|i| i.kind.as_deref() == Some("vxlan") && i.vxlan.as_ref().is_some_and(|o| o.vni == v.vni))
        });
        match (far, far_vx.and_then(|i| i.master.clone().map(|m| (i, m)))) {
            (Some(far), Some((far_dev, far_bridge))) => {
                self.hop(
                    Some(ns.inode),
                    Some(&vx.name),
                    format!("VXLAN {vni}: {} → {remote} ({}), into {}", vx.name, far.label, far_dev.name),
                );
                self.across_bridge(far, &far_bridge, Some(&far_dev.name.clone()), next_hop, dst, depth + 1);
            }
            _ => {
                self.hop(Some(ns.inode), Some(&vx.name), format!("VXLAN {vni}: {} → {remote}", vx.name));
                self.finish(
                    Reach::LeavesHost,
                    Some(format!(
                        "{next_hop} is behind the VXLAN tunnel to {remote}, another node: not visible from here"
                    )),
                );
            }
        }
        Some(())
    }

    /// The packet reached namespace `ns` on interface `iface`.
    fn arrive(&mut self, ns: &Namespace, iface: &str, next_hop: IpAddr, dst: IpAddr, depth: usize) {
        if ns.host && route::is_local(ns, dst) {
            // A published port on the host: PREROUTING may point the packet at a container.
            let p = self.packet(ns, Some(iface), None, dst);
            if self.prerouted {
                // Redirected to the host itself: PREROUTING is done, INPUT is next.
                self.prerouted = false;
                if !self.walk_ok(Hook::Input, &p, "the host's INPUT rules") {
                    return;
                }
                self.hop(Some(ns.inode), Some(iface), format!("delivered to {dst}, the host itself"));
                self.delivered = Some(ns.inode);
                return self.finish(Reach::Reachable, None);
            }
            let pre = walk::walk(self.fw.rules, Hook::Prerouting, &p, true);
            if let Some((ip, port)) = pre.dnat.as_deref().and_then(walk::nat_target) {
                let from = match self.port {
                    Some(p) => super::net::host_port(Some(&dst.to_string()), p),
                    None => dst.to_string(),
                };
                let port = port.or(self.port);
                let to = match port {
                    Some(p) => super::net::host_port(Some(&ip.to_string()), p),
                    None => ip.to_string(),
                };
                for a in &pre.assumed {
                    self.report.limits.push(format!("assumed not to match: {a}"));
                }
                let dropped = pre.dropped_by.as_ref().map(|s| format!("{} {}: {}", s.at.table, s.at.chain, s.text));
                self.report.walks.push(pre);
                self.hop(Some(ns.inode), Some(iface), format!("DNAT: {from} → {to}"));
                if let Some(by) = dropped {
                    self.hop(None, None, format!("PREROUTING: dropped by {by}"));
                    return self.finish(Reach::Blocked, Some(format!("dropped in PREROUTING by {by}")));
                }
                self.port = port;
                // The whole hook ran (the chains after nat with the new destination): the rest
                // of the way starts at the routing decision.
                self.prerouted = true;
                return self.arrive(ns, iface, ip, ip, depth + 1);
            }
            if !self.walk_ok(Hook::Prerouting, &p, "PREROUTING")
                || !self.walk_ok(Hook::Input, &p, "the host's INPUT rules")
            {
                return;
            }
            // A port a container asked for (-p) that Docker never published: nothing takes it.
            if let Some((blocked, why)) = super::names::unpublished_at(self.t, dst, self.port, &self.report.protocol) {
                self.hop(Some(ns.inode), Some(iface), why.clone());
                return self.finish(if blocked { Reach::Blocked } else { Reach::Unknown }, Some(why));
            }
            self.hop(Some(ns.inode), Some(iface), format!("delivered to {dst}, the host itself"));
            self.delivered = Some(ns.inode);
            return self.finish(Reach::Reachable, None);
        }
        if route::is_local(ns, dst) {
            self.hop(Some(ns.inode), Some(iface), format!("delivered to {dst} in {}", ns.label));
            self.delivered = Some(ns.inode);
            return self.finish(Reach::Reachable, None);
        }
        if !route::is_local(ns, next_hop) && next_hop != dst {
            return self.finish(Reach::Unknown, None);
        }
        // Routed onwards by this namespace.
        if !ns.host {
            if !self.may_forward(ns, iface, dst) {
                return;
            }
            self.report.limits.push(format!("{} forwards the packet; its own rules are not evaluated", ns.label));
            let out = route::lookup(ns, dst).and_then(|r| r.iface);
            self.forwarded.push(Forwarded {
                ns: ns.inode,
                label: ns.label.clone(),
                host: false,
                in_iface: iface.into(),
                out_iface: out,
            });
            return self.leave(ns, dst, depth + 1);
        }
        if self.fw.ip_forward == Some(false) {
            return self
                .finish(Reach::Blocked, Some("the host does not forward packets (net.ipv4.ip_forward = 0)".into()));
        }
        if !self.may_forward(ns, iface, dst) {
            return;
        }
        let Some(r) = route::lookup(ns, dst) else {
            return self.finish(Reach::Blocked, Some(format!("the host has no route to {dst}")));
        };
        let out = r.iface.clone();
        self.forwarded.push(Forwarded {
            ns: ns.inode,
            label: ns.label.clone(),
            host: true,
            in_iface: iface.into(),
            out_iface: out.clone(),
        });
        // An address of a Docker network whose bridge the host does not route to: an isolated
        // network's bridge has no address, so no route; the packet would go somewhere else.
        if let Some(n) = self.t.network_holding(dst).filter(|n| n.bridge.is_some() && n.bridge != out) {
            let bridge = n.bridge.clone().unwrap_or_default();
            let mode = n.gateway_mode(dst.is_ipv6()).unwrap_or("nat");
            let why = if mode == "isolated" {
                format!(
                    "network {} is isolated (gateway mode isolated): its bridge {bridge} has no address, so the host has no route into it",
                    n.name
                )
            } else {
                format!("the host has no route to {bridge}, the bridge of network {} that holds {dst}", n.name)
            };
            let elsewhere = format!(" (its route {} leads out of {})", r.destination, out.as_deref().unwrap_or("?"));
            self.hop(Some(ns.inode), out.as_deref(), format!("{why}{elsewhere}"));
            return self.finish(Reach::Blocked, Some(why));
        }
        if let Some(n) = self.t.network_holding(dst)
            && let Some(mode) = n.gateway_mode(dst.is_ipv6()).filter(|m| *m != "nat")
        {
            let meaning = super::topology::gateway_mode_meaning(mode);
            self.hop(Some(ns.inode), out.as_deref(), format!("network {} has gateway mode {mode}: {meaning}", n.name));
        }
        let mut p = self.packet(ns, Some(iface), out.as_deref(), dst);
        if !std::mem::take(&mut self.prerouted) && !self.walk_ok(Hook::Prerouting, &p, "PREROUTING") {
            return;
        }
        p.dst_local = false;
        if !self.walk_ok(Hook::Forward, &p, "FORWARD") || !self.walk_ok(Hook::Postrouting, &p, "POSTROUTING") {
            return;
        }
        self.note_snat(ns, out.as_deref(), dst);
        self.hop(
            Some(ns.inode),
            out.as_deref(),
            format!("host routes {dst} {} dev {}", r.destination, out.as_deref().unwrap_or("?")),
        );
        let Some(out) = out else { return self.finish(Reach::Unknown, None) };
        let next = r.gateway.unwrap_or(dst);
        self.emit(ns, &out, next, dst, depth + 1)
    }

    /// The kernel routes a packet onwards only if the interface it came in on forwards IPv4
    /// (`net.ipv4.conf.<in>.forwarding`; IPv6 forwarding follows `all` alone). False: finished.
    fn may_forward(&mut self, ns: &Namespace, in_iface: &str, dst: IpAddr) -> bool {
        if !dst.is_ipv4() || ns.interface_named(in_iface).and_then(|i| i.ipv4_forwarding) != Some(false) {
            return true;
        }
        let why = format!(
            "{} does not forward IPv4 packets that arrive on {in_iface} (net.ipv4.conf.{in_iface}.forwarding = 0{})",
            ns.label,
            self.internal_note(ns, in_iface)
        );
        self.hop(Some(ns.inode), Some(in_iface), why.clone());
        self.finish(Reach::Blocked, Some(why));
        false
    }

    /// Why an interface does not forward, when its owner is known to turn it off.
    fn internal_note(&self, ns: &Namespace, iface: &str) -> String {
        let net = self.t.docker.networks.iter().find(|n| {
            ns.host && n.engine == super::topology::Engine::Podman && n.bridge.as_deref() == Some(iface) && n.internal
        });
        net.map_or(String::new(), |n| {
            format!(": netavark turns forwarding off on the bridge of an --internal network, here {}", n.name)
        })
    }

    /// A SNAT or MASQUERADE in the last POSTROUTING walk: the reply is addressed to the new source.
    fn note_snat(&mut self, ns: &Namespace, out: Option<&str>, dst: IpAddr) {
        let Some(snat) = self.report.walks.last().filter(|w| w.hook == Hook::Postrouting).and_then(|w| w.snat.clone())
        else {
            return;
        };
        self.reply_to = if snat == "MASQUERADE" {
            out.and_then(|o| ns.interface_named(o))
                .and_then(|i| {
                    i.addresses
                        .iter()
                        .filter_map(|a| strip_prefix_len(a).parse::<IpAddr>().ok())
                        .find(|a| a.is_ipv4() == dst.is_ipv4())
                })
                .or(self.reply_to)
        } else {
            walk::nat_target(&snat).map(|(ip, _)| ip).or(self.reply_to)
        };
    }

    /// The reply's way back: the delivering namespace needs a route to the request's (translated)
    /// source, and each namespace that routed the request must route the reply, which arrives on
    /// the interface the request left by. Its firewall is not walked (conntrack's
    /// RELATED,ESTABLISHED rules let replies through; see the limits).
    fn reply(&mut self) {
        let t = self.t;
        let src = self.source_addr();
        if src.is_unspecified() {
            return;
        }
        let back_to = self.reply_to.unwrap_or(src);
        let Some(dst_ns) = self.delivered.and_then(|i| t.namespace(i)) else { return };
        if Some(dst_ns.inode) == self.report.from.namespace {
            return;
        }
        if route::lookup(dst_ns, back_to).is_none() {
            let why =
                format!("the request arrives, but the reply cannot leave: {} has no route to {back_to}", dst_ns.label);
            self.hop(Some(dst_ns.inode), None, why.clone());
            return self.finish(Reach::Blocked, Some(why));
        }
        if !src.is_ipv4() {
            return;
        }
        let forwarded = std::mem::take(&mut self.forwarded);
        for f in forwarded.iter().rev() {
            let Some(out) = f.out_iface.as_deref() else { continue };
            let Some(ns) = t.namespace(f.ns) else { continue };
            if ns.interface_named(out).and_then(|i| i.ipv4_forwarding) != Some(false) {
                continue;
            }
            let why = format!(
                "the request arrives, but the reply is dropped: it comes back into {} on {out}, which does not forward IPv4 (net.ipv4.conf.{out}.forwarding = 0{})",
                f.label,
                self.internal_note(ns, out)
            );
            self.hop(Some(f.ns), Some(out), why.clone());
            self.forwarded = forwarded;
            return self.finish(Reach::Blocked, Some(why));
        }
        self.forwarded = forwarded;
    }

    /// What the report assumes about replies, naming the engine whose rule lets them back in
    /// when the host forwarded the request.
    fn replies_note(&self) -> String {
        let Some(f) = self.forwarded.iter().find(|f| f.host) else {
            return "replies are assumed allowed".into();
        };
        let src = self.source_addr();
        let owner = self.fw.rules.tables.iter().find_map(|table| {
            table.chains.iter().find_map(|chain| {
                chain.rules.iter().find_map(|rule| {
                    established_for(rule, &f.in_iface, src)
                        .then(|| rule_owner(self.t, &table.name, &chain.name, &f.in_iface))
                })
            })
        });
        match owner {
            Some(owner) => format!("replies are assumed allowed ({owner} accepts RELATED,ESTABLISHED traffic)"),
            None => "replies are assumed allowed (conntrack: RELATED,ESTABLISHED)".into(),
        }
    }

    fn source_addr(&self) -> IpAddr {
        let t = self.t;
        let ns = self.report.from.namespace.and_then(|i| t.namespace(i));
        let dst = self.report.to.address.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        ns.and_then(|ns| {
            let out = route::lookup(ns, dst)?.iface?;
            let i = ns.interface_named(&out)?;
            i.addresses
                .iter()
                .filter_map(|a| strip_prefix_len(a).parse::<IpAddr>().ok())
                .find(|a| a.is_ipv4() == dst.is_ipv4())
        })
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn packet(&self, ns: &Namespace, in_iface: Option<&str>, out_iface: Option<&str>, dst: IpAddr) -> Packet {
        let src = self.source_addr();
        Packet {
            in_iface: in_iface.map(str::to_string),
            out_iface: out_iface.map(str::to_string),
            src,
            dst,
            protocol: self.report.protocol.clone(),
            sport: self.port.map(|_| 40000),
            dport: self.port,
            dst_local: route::is_local(ns, dst),
            src_local: route::is_local(ns, src),
        }
    }

    /// Walk one hook; on a drop, finish the report as blocked by that rule.
    fn walk_ok(&mut self, hook: Hook, p: &Packet, what: &str) -> bool {
        let w = walk::walk(self.fw.rules, hook, p, true);
        let dropped = w.verdict == Verdict::Drop;
        let by = w.dropped_by.as_ref().map(|s| format!("{} {}: {}", s.at.table, s.at.chain, s.text));
        for a in &w.assumed {
            self.report.limits.push(format!("assumed not to match: {a}"));
        }
        let in_raw = w.dropped_by.as_ref().is_some_and(|s| s.at.table == "raw");
        if !w.steps.is_empty() || dropped {
            self.report.walks.push(w);
        }
        if dropped {
            let by = by.unwrap_or_default();
            self.hop(None, None, format!("{what}: dropped by {by}"));
            // Engine 28's guard of a container's address (it runs before any DNAT).
            let raw = in_raw
                && self.t.docker.containers.iter().any(|c| {
                    c.endpoints.iter().any(|e| {
                        [e.ipv4.as_deref(), e.ipv6.as_deref()]
                            .into_iter()
                            .flatten()
                            .any(|a| strip_prefix_len(a).parse::<IpAddr>() == Ok(p.dst))
                    })
                });
            let hint = if raw {
                " (Docker drops packets sent straight to a container's address from outside its network, gateway mode nat: use a published port)"
            } else {
                ""
            };
            self.finish(Reach::Blocked, Some(format!("dropped in {what} by {by}{hint}")));
        }
        !dropped
    }
}

/// An accept of RELATED,ESTABLISHED traffic that a reply going out of `out` toward `to` meets.
fn established_for(rule: &super::firewall::Rule, out: &str, to: IpAddr) -> bool {
    use super::firewall::{Match, Target};
    if rule.target != Target::Accept {
        return false;
    }
    let mut established = false;
    for m in &rule.matches {
        match m {
            Match::CtState { states, negated: false } => {
                established = states.iter().any(|s| s.eq_ignore_ascii_case("ESTABLISHED"));
            }
            Match::OutIface { name, negated: false } => {
                let hit = name.strip_suffix('+').map_or(name == out, |p| out.starts_with(p));
                if !hit {
                    return false;
                }
            }
            Match::Destination { cidr, negated: false } => {
                if !super::net::cidr_contains(cidr, &to.to_string()) {
                    return false;
                }
            }
            Match::Source { .. } | Match::InIface { .. } | Match::Protocol { .. } => {}
            _ => return false,
        }
    }
    established
}

/// Whose rule it is, from its table and chain names; in a chain of no engine's (Docker before 28
/// put its accept straight into FORWARD), the engine whose bridge the reply goes out of.
fn rule_owner(t: &Topology, table: &str, chain: &str, out: &str) -> String {
    let upper = chain.to_ascii_uppercase();
    if table.eq_ignore_ascii_case("netavark") || upper.starts_with("NETAVARK") {
        "netavark".into()
    } else if upper.starts_with("DOCKER") || table.eq_ignore_ascii_case("docker-bridges") {
        "Docker".into()
    } else if t.docker.networks.iter().any(|n| n.bridge.as_deref() == Some(out)) {
        match super::podman::bridge_engine(t, out) {
            super::topology::Engine::Podman => "netavark".into(),
            super::topology::Engine::Docker => "Docker".into(),
        }
    } else {
        format!("chain {chain}")
    }
}
