//! Route lookups inside one namespace, from the routes and addresses netlink reported.

use super::net::cidr_contains;
use super::topology::Namespace;
use std::net::IpAddr;

/// The route a packet to some address takes out of a namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteHit {
    /// The route's destination as reported ("default", "172.17.0.0/16").
    pub destination: String,
    pub gateway: Option<IpAddr>,
    pub iface: Option<String>,
}

/// Longest-prefix match over the namespace's main table.
pub fn lookup(ns: &Namespace, dst: IpAddr) -> Option<RouteHit> {
    let prefix_len = |d: &str| -> Option<u8> {
        if d == "default" {
            return Some(0);
        }
        let (_, len) = d.split_once('/')?;
        len.parse().ok()
    };
    ns.routes
        .iter()
        .filter(|r| {
            let family_ok = match r.destination.as_str() {
                "default" => r.gateway.as_deref().is_none_or(|g| g.contains(':') == dst.is_ipv6()),
                d => cidr_contains(d, &dst.to_string()),
            };
            family_ok && (r.destination != "default" || !dst.is_ipv6() || r.gateway.is_some())
        })
        .filter_map(|r| Some((prefix_len(&r.destination)?, r)))
        .max_by_key(|(len, _)| *len)
        .map(|(_, r)| RouteHit {
            destination: r.destination.clone(),
            gateway: r.gateway.as_deref().and_then(|g| g.parse().ok()),
            iface: r.oif.and_then(|i| ns.interface(i)).map(|i| i.name.clone()),
        })
}

/// Whether `ip` is one of the namespace's own addresses (or loopback).
pub fn is_local(ns: &Namespace, ip: IpAddr) -> bool {
    ip.is_loopback() || ns.interfaces.iter().flat_map(|i| &i.addresses).any(|a| same_addr(a, ip))
}

/// The interface holding `ip`, if the namespace has it.
pub fn owner(ns: &Namespace, ip: IpAddr) -> Option<&str> {
    ns.interfaces.iter().find(|i| i.addresses.iter().any(|a| same_addr(a, ip))).map(|i| i.name.as_str())
}

/// Whether interface `i` holds address `ip`.
pub fn owner_is(i: &super::topology::Interface, ip: IpAddr) -> bool {
    i.addresses.iter().any(|a| same_addr(a, ip))
}

/// "172.17.0.2/16" names the address 172.17.0.2.
pub fn same_addr(cidr: &str, ip: IpAddr) -> bool {
    super::net::strip_prefix_len(cidr).parse::<IpAddr>().is_ok_and(|a| a == ip)
}
