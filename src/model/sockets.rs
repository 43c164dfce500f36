//! Sockets waiting for traffic inside a namespace: TCP listeners and bound, unconnected UDP
//! sockets (what `ss -ltun` lists), and which one answers a packet for an address and port.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The transport protocol of a listening socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SockProto {
    Tcp,
    Udp,
}

impl SockProto {
    pub fn as_str(self) -> &'static str {
        match self {
            SockProto::Tcp => "tcp",
            SockProto::Udp => "udp",
        }
    }

    /// "tcp" / "udp" (any case); None for anything else (icmp has no listeners).
    pub fn parse(s: &str) -> Option<SockProto> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Some(SockProto::Tcp),
            "udp" => Some(SockProto::Udp),
            _ => None,
        }
    }
}

/// One socket waiting for traffic: a TCP socket in LISTEN, or a UDP socket bound and not connected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    pub proto: SockProto,
    /// The bound address: `0.0.0.0` or `::` for any address of the namespace.
    pub address: IpAddr,
    pub port: u16,
    /// An IPv6 socket on `::` that refuses IPv4 (IPV6_V6ONLY). A `::` socket without it takes
    /// IPv4 too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub v6only: bool,
    /// The interface the socket is bound to (SO_BINDTODEVICE, or an IPv6 link-local scope), by
    /// ifindex; it hears only packets arriving there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ifindex: Option<u32>,
    /// A process holding the socket (the lowest pid when several share it), when one was found.
    #[serde(default)]
    pub pid: Option<u32>,
    /// That process's command name (`/proc/<pid>/comm`).
    #[serde(default)]
    pub command: Option<String>,
}

impl Listener {
    /// `tcp 0.0.0.0:80`, `udp [::]:53`.
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.proto.as_str(), super::net::host_port(Some(&self.address.to_string()), self.port))
    }

    /// `pid 123 (nc)`, `pid 123`, or `-` when no process was found.
    pub fn owner(&self) -> String {
        match (self.pid, self.command.as_deref()) {
            (Some(p), Some(c)) => format!("pid {p} ({c})"),
            (Some(p), None) => format!("pid {p}"),
            _ => "-".into(),
        }
    }

    /// Whether this socket takes a packet for `dst:port` (arriving on `ifindex`, when known).
    /// Exact addresses and wildcards both match; `answering` picks the one the kernel would.
    pub fn accepts(&self, proto: SockProto, dst: IpAddr, port: u16, ifindex: Option<u32>) -> bool {
        if self.proto != proto || self.port != port {
            return false;
        }
        if let (Some(bound), Some(arrives)) = (self.ifindex, ifindex)
            && bound != arrives
        {
            return false;
        }
        let dst = unmap(dst);
        if unmap(self.address) == dst {
            return true; // also a v6 socket bound to a v4-mapped address
        }
        match (self.address, dst) {
            (IpAddr::V4(a), IpAddr::V4(_)) => a == Ipv4Addr::UNSPECIFIED,
            (IpAddr::V6(a), IpAddr::V6(_)) => a == Ipv6Addr::UNSPECIFIED,
            (IpAddr::V6(a), IpAddr::V4(_)) => a == Ipv6Addr::UNSPECIFIED && !self.v6only,
            (IpAddr::V4(_), IpAddr::V6(_)) => false,
        }
    }

    /// Bound to one address rather than to all of them.
    pub fn is_specific(&self) -> bool {
        !self.address.is_unspecified()
    }
}

/// `::ffff:a.b.c.d` is the IPv4 address it carries.
fn unmap(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    }
}

/// The socket that answers a packet for `proto` `dst:port` among a namespace's listeners, the
/// way the kernel's lookup scores them: one bound to that exact address beats a wildcard, one
/// bound to the arriving interface beats an unbound one, and for IPv4 an IPv4 socket beats a
/// dual-stack `::` one. None: nothing listens, so TCP is refused (a RST) and UDP gets an ICMP
/// port unreachable.
pub fn answering(
    listening: &[Listener],
    proto: SockProto,
    dst: IpAddr,
    port: u16,
    ifindex: Option<u32>,
) -> Option<&Listener> {
    let v4 = unmap(dst).is_ipv4();
    listening.iter().filter(|l| l.accepts(proto, dst, port, ifindex)).max_by_key(|l| {
        let family = u8::from(v4 == l.address.is_ipv4());
        (u8::from(l.is_specific()), u8::from(l.ifindex.is_some()), family)
    })
}

/// The stable order of a namespace's listeners: protocol, port, address, then owner.
pub fn sort(listening: &mut [Listener]) {
    listening.sort_by(|a, b| {
        (a.proto, a.port, a.address, a.ifindex, a.pid, &a.command)
            .cmp(&(b.proto, b.port, b.address, b.ifindex, b.pid, &b.command))
    });
}

impl super::Namespace {
    /// Who listens on `proto` `dst:port` in this namespace (see [`answering`]).
    pub fn listener(&self, proto: SockProto, dst: IpAddr, port: u16) -> Option<&Listener> {
        answering(&self.listening, proto, dst, port, None)
    }
}

impl super::Topology {
    /// Who listens on `proto` `dst:port` in the namespace with inode `ns`; None when the
    /// namespace is unknown or nothing listens there.
    pub fn listener(&self, ns: u64, proto: SockProto, dst: IpAddr, port: u16) -> Option<&Listener> {
        self.namespace(ns)?.listener(proto, dst, port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(proto: SockProto, address: &str, port: u16) -> Listener {
        Listener {
            proto,
            address: address.parse().unwrap(),
            port,
            v6only: false,
            ifindex: None,
            pid: None,
            command: None,
        }
    }

    #[test]
    fn exact_beats_wildcard_and_families_match() {
        let set = vec![
            l(SockProto::Tcp, "0.0.0.0", 80),
            l(SockProto::Tcp, "127.0.0.1", 80),
            l(SockProto::Tcp, "::", 8080),
            l(SockProto::Udp, "::", 53),
        ];
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(answering(&set, SockProto::Tcp, lo, 80, None).unwrap().address, lo);
        assert!(answering(&set, SockProto::Tcp, other, 80, None).unwrap().address.is_unspecified());
        // A dual-stack :: socket takes IPv4, a v6only one does not.
        assert_eq!(answering(&set, SockProto::Tcp, other, 8080, None).unwrap().port, 8080);
        let mut v6only = set.clone();
        v6only[2].v6only = true;
        assert!(answering(&v6only, SockProto::Tcp, other, 8080, None).is_none());
        assert!(answering(&set, SockProto::Tcp, "fd00::1".parse().unwrap(), 80, None).is_none());
        assert!(answering(&set, SockProto::Tcp, other, 53, None).is_none(), "udp is not tcp");
        assert!(answering(&set, SockProto::Udp, "::ffff:10.0.0.2".parse().unwrap(), 53, None).is_some());
        let mapped = vec![l(SockProto::Tcp, "::ffff:10.0.0.2", 80)];
        assert!(answering(&mapped, SockProto::Tcp, other, 80, None).is_some(), "bound to a v4-mapped address");
    }

    #[test]
    fn bound_interface_and_order() {
        let mut bound = l(SockProto::Udp, "0.0.0.0", 67);
        bound.ifindex = Some(4);
        let set = vec![l(SockProto::Udp, "0.0.0.0", 67), bound];
        assert_eq!(answering(&set, SockProto::Udp, "10.0.0.1".parse().unwrap(), 67, Some(4)).unwrap().ifindex, Some(4));
        assert_eq!(answering(&set, SockProto::Udp, "10.0.0.1".parse().unwrap(), 67, Some(5)).unwrap().ifindex, None);
        let mut v = vec![l(SockProto::Udp, "::", 53), l(SockProto::Tcp, "::", 80), l(SockProto::Tcp, "0.0.0.0", 80)];
        sort(&mut v);
        let shown: Vec<String> = v.iter().map(Listener::endpoint).collect();
        assert_eq!(shown, ["tcp 0.0.0.0:80", "tcp [::]:80", "udp [::]:53"]);
    }
}
