//! netlink messages -> model observations. Pure functions, so they can be tested on built messages.

use crate::model::{LinkObs, RouteObs, Stats, Vxlan, VxlanFdb};
use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
use rtnetlink::packet_route::link::{
    AfSpecInet, AfSpecInet6, AfSpecUnspec, InfoData, InfoKind, InfoVxlan, LinkAttribute, LinkInfo, LinkMessage, Stats64,
};
use rtnetlink::packet_route::neighbour::{NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage};
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteType};
use std::net::IpAddr;

pub fn mac_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Names come from the kernel as bytes; keep them printable and valid UTF-8 without losing what they say.
fn kind_name(kind: &InfoKind) -> String {
    match kind {
        InfoKind::Other(s) => s.clone(),
        k => k.to_string(),
    }
}

/// The counters netview shows, from the kernel's 64-bit link statistics.
pub fn stats_from(s: &Stats64) -> Stats {
    Stats {
        rx_bytes: s.rx_bytes,
        tx_bytes: s.tx_bytes,
        rx_packets: s.rx_packets,
        tx_packets: s.tx_packets,
        rx_errors: s.rx_errors,
        tx_errors: s.tx_errors,
        rx_dropped: s.rx_dropped,
        tx_dropped: s.tx_dropped,
    }
}

pub fn link_from_msg(msg: &LinkMessage) -> LinkObs {
    let mut link = LinkObs { ifindex: msg.header.index, ..Default::default() };
    for attr in &msg.attributes {
        match attr {
            LinkAttribute::IfName(n) => link.name = n.clone(),
            LinkAttribute::Mtu(m) => link.mtu = Some(*m),
            LinkAttribute::Address(a) if !a.is_empty() => link.mac = Some(mac_string(a)),
            LinkAttribute::Controller(i) => link.master = Some(*i),
            LinkAttribute::Link(i) => link.link = Some(*i),
            LinkAttribute::LinkNetNsId(id) => link.link_netnsid = Some(*id),
            LinkAttribute::OperState(s) => link.state = s.to_string(),
            LinkAttribute::Stats64(s) => link.stats = Some(stats_from(s)),
            LinkAttribute::AfSpecUnspec(families) => forwarding(families, &mut link),
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    match info {
                        LinkInfo::Kind(k) => link.kind = Some(kind_name(k)),
                        LinkInfo::Data(InfoData::Vxlan(v)) => link.vxlan = Some(vxlan(v)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    link
}

/// The per-interface `forwarding` sysctls of IPv4 and IPv6, which the kernel puts in every link
/// message (IFLA_AF_SPEC → AF_INET/IFLA_INET_CONF, AF_INET6/IFLA_INET6_CONF): no /proc read, and
/// they are the link's own namespace's values.
fn forwarding(families: &[AfSpecUnspec], link: &mut LinkObs) {
    for family in families {
        match family {
            AfSpecUnspec::Inet(confs) => {
                for c in confs {
                    if let AfSpecInet::DevConf(c) = c {
                        link.ipv4_forwarding = Some(c.forwarding != 0);
                    }
                }
            }
            AfSpecUnspec::Inet6(confs) => {
                for c in confs {
                    if let AfSpecInet6::DevConf(c) = c {
                        link.ipv6_forwarding = Some(c.forwarding != 0);
                    }
                }
            }
            _ => {}
        }
    }
}

fn vxlan(attrs: &[InfoVxlan]) -> Vxlan {
    let mut v = Vxlan::default();
    for a in attrs {
        match a {
            InfoVxlan::Id(id) => v.vni = Some(*id),
            InfoVxlan::Port(p) => v.port = Some(*p),
            InfoVxlan::Local(ip) => v.local = Some(ip.to_string()),
            InfoVxlan::Local6(ip) => v.local = Some(ip.to_string()),
            InfoVxlan::Group(ip) => v.group = Some(ip.to_string()),
            InfoVxlan::Group6(ip) => v.group = Some(ip.to_string()),
            _ => {}
        }
    }
    v
}

const NUD_NOARP: u16 = 0x40;
const NUD_PERMANENT: u16 = 0x80;

/// A VXLAN device's own FDB entry (NTF_SELF) from an AF_BRIDGE neighbour dump; `None` for the
/// bridge's entries about the same port (NTF_MASTER), which carry no remote.
pub fn vxlan_fdb_from_msg(msg: &NeighbourMessage) -> Option<VxlanFdb> {
    if !msg.header.flags.contains(NeighbourFlags::Own) {
        return None;
    }
    // A state is a bit set (the all-zero remote is REACHABLE|PERMANENT), which the parser only
    // names when one bit is set.
    let state = u16::from(msg.header.state);
    let mut entry = VxlanFdb { permanent: state & (NUD_PERMANENT | NUD_NOARP) != 0, ..Default::default() };
    for attr in &msg.attributes {
        match attr {
            NeighbourAttribute::LinkLayerAddress(mac) => entry.mac = mac_string(mac),
            NeighbourAttribute::Destination(NeighbourAddress::Inet(ip)) => entry.dst = Some(ip.to_string()),
            NeighbourAttribute::Destination(NeighbourAddress::Inet6(ip)) => entry.dst = Some(ip.to_string()),
            // An AF_BRIDGE message leaves the remote's family to its length.
            NeighbourAttribute::Destination(NeighbourAddress::Other(bytes)) => {
                entry.dst = match bytes.len() {
                    4 => <[u8; 4]>::try_from(bytes.as_slice()).ok().map(|b| std::net::Ipv4Addr::from(b).to_string()),
                    16 => <[u8; 16]>::try_from(bytes.as_slice()).ok().map(|b| std::net::Ipv6Addr::from(b).to_string()),
                    _ => None,
                }
            }
            NeighbourAttribute::Vni(vni) => entry.vni = Some(*vni),
            _ => {}
        }
    }
    (!entry.mac.is_empty()).then_some(entry)
}

/// (ifindex, "addr/len"); IFA_LOCAL is the interface's own address on point-to-point links.
pub fn address_from_msg(msg: &AddressMessage) -> Option<(u32, IpAddr, String)> {
    let mut address = None;
    let mut local = None;
    for attr in &msg.attributes {
        match attr {
            AddressAttribute::Address(a) => address = Some(*a),
            AddressAttribute::Local(a) => local = Some(*a),
            _ => {}
        }
    }
    let ip = local.or(address)?;
    Some((msg.header.index, ip, format!("{ip}/{}", msg.header.prefix_len)))
}

fn route_ip(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(ip) => Some(IpAddr::V4(*ip)),
        RouteAddress::Inet6(ip) => Some(IpAddr::V6(*ip)),
        _ => None,
    }
}

/// Unicast routes of the main table; others (local, broadcast, other tables) are not what a student asks
/// about, nor the fe80::/64 route the kernel puts on every IPv6-enabled interface.
pub fn route_from_msg(msg: &RouteMessage) -> Option<RouteObs> {
    let mut table = u32::from(msg.header.table);
    let mut destination = None;
    let mut gateway = None;
    let mut oif = None;
    for attr in &msg.attributes {
        match attr {
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Destination(d) => destination = route_ip(d),
            RouteAttribute::Gateway(g) => gateway = route_ip(g),
            RouteAttribute::Oif(i) => oif = Some(*i),
            _ => {}
        }
    }
    if table != u32::from(RouteHeader::RT_TABLE_MAIN) || msg.header.kind != RouteType::Unicast {
        return None;
    }
    let len = msg.header.destination_prefix_length;
    let destination = match destination {
        None if len == 0 => "default".to_string(),
        None => return None,
        Some(IpAddr::V6(ip)) if len == 64 && ip.segments()[..4] == [0xfe80, 0, 0, 0] => return None,
        Some(ip) => format!("{ip}/{len}"),
    };
    Some(RouteObs { destination, gateway: gateway.map(|g| g.to_string()), oif })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_route::AddressFamily;
    use rtnetlink::packet_route::link::{InfoPortKind, State, Stats64};
    use std::net::Ipv4Addr;

    #[test]
    fn veth_port_of_a_bridge_with_peer_in_other_namespace() {
        let mut msg = LinkMessage::default();
        msg.header.index = 42;
        let mut stats = Stats64::default();
        stats.rx_bytes = 1000;
        stats.tx_packets = 7;
        stats.rx_dropped = 2;
        msg.attributes = vec![
            LinkAttribute::IfName("veth1a2b3c4".into()),
            LinkAttribute::Mtu(1500),
            LinkAttribute::Address(vec![0x02, 0x42, 0xac, 0x11, 0x00, 0x02]),
            LinkAttribute::Controller(5),
            LinkAttribute::Link(17),
            LinkAttribute::LinkNetNsId(3),
            LinkAttribute::OperState(State::Up),
            LinkAttribute::Stats64(stats),
            LinkAttribute::LinkInfo(vec![LinkInfo::Kind(InfoKind::Veth), LinkInfo::PortKind(InfoPortKind::Bridge)]),
        ];
        let l = link_from_msg(&msg);
        assert_eq!(l.ifindex, 42);
        assert_eq!(l.name, "veth1a2b3c4");
        assert_eq!(l.kind.as_deref(), Some("veth"));
        assert_eq!(l.mac.as_deref(), Some("02:42:ac:11:00:02"));
        assert_eq!((l.master, l.link, l.link_netnsid), (Some(5), Some(17), Some(3)));
        assert_eq!(l.state, "UP");
        let s = l.stats.expect("stats");
        assert_eq!((s.rx_bytes, s.tx_packets, s.rx_dropped), (1000, 7, 2));
    }

    #[test]
    fn forwarding_of_each_family_from_af_spec() {
        use rtnetlink::packet_route::link::{Inet6DevConf, InetDevConf};
        let mut v4 = InetDevConf::default();
        v4.forwarding = 0;
        let mut v6 = Inet6DevConf::default();
        v6.forwarding = 1;
        let mut msg = LinkMessage::default();
        msg.attributes = vec![LinkAttribute::AfSpecUnspec(vec![
            AfSpecUnspec::Inet(vec![AfSpecInet::DevConf(v4)]),
            AfSpecUnspec::Inet6(vec![AfSpecInet6::DevConf(v6)]),
        ])];
        let l = link_from_msg(&msg);
        assert_eq!((l.ipv4_forwarding, l.ipv6_forwarding), (Some(false), Some(true)));
        assert_eq!(link_from_msg(&LinkMessage::default()).ipv4_forwarding, None);
    }

    #[test]
    fn physical_nic_has_no_kind_and_vxlan_has_vni() {
        let mut msg = LinkMessage::default();
        msg.header.index = 2;
        msg.attributes = vec![LinkAttribute::IfName("enp1s0".into())];
        let l = link_from_msg(&msg);
        assert_eq!(l.kind, None);
        assert_eq!(l.mac, None);

        let mut msg = LinkMessage::default();
        msg.attributes = vec![LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Vxlan),
            LinkInfo::Data(InfoData::Vxlan(vec![
                InfoVxlan::Id(4096),
                InfoVxlan::Port(4789),
                InfoVxlan::Local(Ipv4Addr::new(10, 0, 0, 1)),
            ])),
        ])];
        let l = link_from_msg(&msg);
        assert_eq!(l.kind.as_deref(), Some("vxlan"));
        let v = l.vxlan.expect("vxlan");
        assert_eq!((v.vni, v.port, v.local.as_deref()), (Some(4096), Some(4789), Some("10.0.0.1")));
    }

    #[test]
    fn address_prefers_local() {
        let mut msg = AddressMessage::default();
        msg.header.family = AddressFamily::Inet;
        msg.header.index = 3;
        msg.header.prefix_len = 16;
        msg.attributes = vec![
            AddressAttribute::Address(IpAddr::V4(Ipv4Addr::new(172, 17, 0, 1))),
            AddressAttribute::Local(IpAddr::V4(Ipv4Addr::new(172, 17, 0, 1))),
        ];
        assert_eq!(address_from_msg(&msg).map(|a| a.2), Some("172.17.0.1/16".to_string()));
        assert_eq!(address_from_msg(&AddressMessage::default()), None);
    }

    #[test]
    fn default_and_subnet_routes_of_main_table_only() {
        let mut msg = RouteMessage::default();
        msg.header.table = RouteHeader::RT_TABLE_MAIN;
        msg.header.kind = RouteType::Unicast;
        msg.attributes =
            vec![RouteAttribute::Gateway(RouteAddress::Inet(Ipv4Addr::new(10, 0, 2, 2))), RouteAttribute::Oif(2)];
        let r = route_from_msg(&msg).expect("default route");
        assert_eq!((r.destination.as_str(), r.gateway.as_deref(), r.oif), ("default", Some("10.0.2.2"), Some(2)));

        msg.header.destination_prefix_length = 16;
        msg.attributes =
            vec![RouteAttribute::Destination(RouteAddress::Inet(Ipv4Addr::new(172, 17, 0, 0))), RouteAttribute::Oif(5)];
        assert_eq!(route_from_msg(&msg).map(|r| r.destination), Some("172.17.0.0/16".into()));

        msg.header.table = 255;
        assert_eq!(route_from_msg(&msg), None);
        msg.header.table = 0;
        msg.attributes.push(RouteAttribute::Table(254));
        assert!(route_from_msg(&msg).is_some());
        msg.header.kind = RouteType::Local;
        assert_eq!(route_from_msg(&msg), None);
    }

    /// As the kernel answers an AF_BRIDGE dump of a VXLAN device (`bridge fdb show dev vx`): the
    /// parser leaves the remote as bytes and the state as a bit set it does not name.
    fn fdb_entry(flags: NeighbourFlags, state: u16, mac: [u8; 6], dst: Option<[u8; 4]>) -> NeighbourMessage {
        let mut m = NeighbourMessage::default();
        m.header.family = AddressFamily::Bridge;
        m.header.ifindex = 7;
        m.header.flags = flags;
        m.header.state = state.into();
        m.attributes.push(NeighbourAttribute::LinkLayerAddress(mac.to_vec()));
        if let Some(d) = dst {
            m.attributes.push(NeighbourAttribute::Destination(NeighbourAddress::Other(d.to_vec())));
        }
        m
    }

    #[test]
    fn vxlan_fdb_self_entries_with_their_remote() {
        let default_remote = fdb_entry(NeighbourFlags::Own, 0x82, [0; 6], Some([10, 231, 0, 2]));
        let e = vxlan_fdb_from_msg(&default_remote).expect("a self entry");
        assert_eq!((e.mac.as_str(), e.dst.as_deref(), e.permanent), ("00:00:00:00:00:00", Some("10.231.0.2"), true));
        let learned = fdb_entry(NeighbourFlags::Own, 0x02, [0x12, 2, 0xdf, 0xec, 0x39, 0x0d], Some([10, 231, 0, 2]));
        let e = vxlan_fdb_from_msg(&learned).expect("a learned entry");
        assert_eq!((e.mac.as_str(), e.permanent), ("12:02:df:ec:39:0d", false));
        // The bridge's entry about the same port carries no remote and is not the device's own.
        let master = fdb_entry(NeighbourFlags::Controller, 0x02, [0x12, 2, 0xdf, 0xec, 0x39, 0x0d], None);
        assert_eq!(vxlan_fdb_from_msg(&master), None);
    }
}
