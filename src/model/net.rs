//! Small address helpers over std::net: enough CIDR arithmetic for the join.

use std::net::IpAddr;

/// "10.0.0.2/24" -> "10.0.0.2"; an address without a prefix is returned as is.
pub fn strip_prefix_len(cidr: &str) -> &str {
    cidr.split_once('/').map_or(cidr, |(ip, _)| ip)
}

fn parse_cidr(cidr: &str) -> Option<(IpAddr, u8)> {
    let (ip, len) = cidr.split_once('/')?;
    Some((ip.parse().ok()?, len.parse().ok()?))
}

/// Whether `addr` (with or without a prefix length) lies inside `subnet` ("172.17.0.0/16").
pub fn cidr_contains(subnet: &str, addr: &str) -> bool {
    let (Some((net, len)), Ok(ip)) = (parse_cidr(subnet), strip_prefix_len(addr).parse::<IpAddr>()) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) if len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) if len <= 128 => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// A host and port as a reader expects them: IPv6 in brackets, `*` for any address.
pub fn host_port(ip: Option<&str>, port: u16) -> String {
    match ip {
        Some(ip) if ip.contains(':') => format!("[{ip}]:{port}"),
        Some(ip) => format!("{ip}:{port}"),
        None => format!("*:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_v4_and_v6() {
        assert!(cidr_contains("172.17.0.0/16", "172.17.0.1/16"));
        assert!(cidr_contains("172.17.0.0/16", "172.17.255.254"));
        assert!(!cidr_contains("172.17.0.0/16", "172.18.0.1"));
        assert!(cidr_contains("0.0.0.0/0", "8.8.8.8"));
        assert!(cidr_contains("fd00:1::/64", "fd00:1::1/64"));
        assert!(!cidr_contains("fd00:1::/64", "fd00:2::1"));
        assert!(!cidr_contains("172.17.0.0/16", "fd00::1"));
        assert!(!cidr_contains("garbage", "172.17.0.1"));
        assert!(!cidr_contains("172.17.0.0/40", "172.17.0.1"));
    }

    #[test]
    fn host_port_brackets_ipv6() {
        assert_eq!(host_port(Some("::"), 8080), "[::]:8080");
        assert_eq!(host_port(Some("127.0.0.1"), 80), "127.0.0.1:80");
        assert_eq!(host_port(None, 80), "*:80");
    }

    #[test]
    fn strips_prefix() {
        assert_eq!(strip_prefix_len("10.0.0.2/24"), "10.0.0.2");
        assert_eq!(strip_prefix_len("10.0.0.2"), "10.0.0.2");
    }
}
