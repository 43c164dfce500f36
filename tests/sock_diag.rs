//! The sock_diag parser on real replies captured from a namespace (tests/fixtures/sock_diag/,
//! `examples/sock_diag_capture.rs`), and the "who answers" query on what it read.
//!
//! python/: one Python process in a namespace of its own listening on
//!   tcp 0.0.0.0:8080, 127.0.0.1:8081, 10.77.0.1:8082 bound to nvt-sfx0 (SO_BINDTODEVICE),
//!   [::]:8083 dual-stack, [::]:8084 v6only, [fd77::1]:8085;
//!   udp 0.0.0.0:5353, 127.0.0.1:5354, [::]:5355 v6only, [::1]:5356;
//!   plus a connected UDP socket and an established TCP pair, which are not listeners.
//! many/: 400 TCP listeners on [::1]:9000-9399, a reply the kernel splits into several datagrams.

use netview::collect::netlink::sockets::{Found, Progress, parse_reply};
use netview::model::sockets::{Listener, SockProto, answering, sort};
use std::net::IpAddr;
use std::path::Path;

fn fixture(path: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sock_diag").join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn parse(path: &str, proto: SockProto) -> (Vec<Found>, Progress) {
    let mut out = Vec::new();
    let progress = parse_reply(&fixture(path), proto, None, &mut out);
    (out, progress)
}

fn python() -> Vec<Listener> {
    let mut all = Vec::new();
    for (file, proto) in [
        ("tcp4.bin", SockProto::Tcp),
        ("tcp6.bin", SockProto::Tcp),
        ("udp4.bin", SockProto::Udp),
        ("udp6.bin", SockProto::Udp),
    ] {
        let (found, progress) = parse(&format!("python/{file}"), proto);
        assert_eq!(progress, Progress::Done, "{file} ends with NLMSG_DONE");
        assert!(found.iter().all(|f| f.inode != 0), "{file}: every socket has an inode");
        all.extend(found.into_iter().map(|f| f.listener));
    }
    sort(&mut all);
    all
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn python_namespace_listeners() {
    let got: Vec<(String, bool, bool)> =
        python().iter().map(|l| (l.endpoint(), l.v6only, l.ifindex.is_some())).collect();
    let want = [
        ("tcp 0.0.0.0:8080", false, false),
        ("tcp 127.0.0.1:8081", false, false),
        ("tcp 10.77.0.1:8082", false, true),
        ("tcp [::]:8083", false, false),
        ("tcp [::]:8084", true, false),
        // Binding to one IPv6 address makes the kernel mark the socket v6-only.
        ("tcp [fd77::1]:8085", true, false),
        ("udp 0.0.0.0:5353", false, false),
        ("udp 127.0.0.1:5354", false, false),
        ("udp [::]:5355", true, false),
        ("udp [::1]:5356", true, false),
    ];
    let want: Vec<(String, bool, bool)> = want.iter().map(|(e, v, i)| (e.to_string(), *v, *i)).collect();
    assert_eq!(got, want, "the connected UDP socket (5357) and the established TCP pair are not listeners");
}

#[test]
fn who_answers_in_the_python_namespace() {
    let l = python();
    let who = |proto, addr: &str, port| answering(&l, proto, ip(addr), port, None).map(Listener::endpoint);
    assert_eq!(who(SockProto::Tcp, "10.77.0.1", 8080).as_deref(), Some("tcp 0.0.0.0:8080"));
    assert_eq!(who(SockProto::Tcp, "127.0.0.1", 8081).as_deref(), Some("tcp 127.0.0.1:8081"));
    assert_eq!(who(SockProto::Tcp, "10.77.0.1", 8081), None, "bound to loopback only");
    assert_eq!(who(SockProto::Tcp, "10.77.0.1", 8083).as_deref(), Some("tcp [::]:8083"), "dual-stack takes IPv4");
    assert_eq!(who(SockProto::Tcp, "10.77.0.1", 8084), None, "v6only refuses IPv4");
    assert_eq!(who(SockProto::Tcp, "fd77::1", 8084).as_deref(), Some("tcp [::]:8084"));
    assert_eq!(who(SockProto::Tcp, "fd77::2", 8085), None);
    assert_eq!(who(SockProto::Udp, "10.77.0.1", 5353).as_deref(), Some("udp 0.0.0.0:5353"));
    assert_eq!(who(SockProto::Udp, "10.77.0.1", 5355), None);
    assert_eq!(who(SockProto::Tcp, "10.77.0.1", 5353), None, "a UDP socket does not answer TCP");
    assert_eq!(who(SockProto::Udp, "10.77.0.1", 5357), None, "a connected UDP socket is not listening");
}

#[test]
fn a_reply_in_several_datagrams() {
    let (found, progress) = parse("many/tcp6.bin", SockProto::Tcp);
    assert_eq!(progress, Progress::Done);
    let mut ports: Vec<u16> = found.iter().map(|f| f.listener.port).collect();
    ports.sort_unstable();
    assert_eq!(ports, (9000..9400).collect::<Vec<_>>());
    assert!(found.iter().all(|f| f.listener.address == ip("::1")));
    // Only the answer to our request counts.
    let mut out = Vec::new();
    assert_eq!(parse_reply(&fixture("many/tcp6.bin"), SockProto::Tcp, Some(999), &mut out), Progress::More);
    assert!(out.is_empty());
}

#[test]
fn sockets_in_other_states_and_broken_replies() {
    // inet_diag_msg follows the 16-byte netlink header: family, then state.
    let mut bytes = fixture("python/tcp4.bin");
    bytes[17] = 1; // TCP_ESTABLISHED
    let mut out = Vec::new();
    parse_reply(&bytes, SockProto::Tcp, None, &mut out);
    assert_eq!(out.len(), 2, "the first socket is no longer a listener");
    // Read as UDP, LISTEN sockets are not bound-unconnected UDP sockets.
    out.clear();
    parse_reply(&fixture("python/tcp4.bin"), SockProto::Udp, None, &mut out);
    assert!(out.is_empty());
    // Every truncation and every single corrupted byte reads without a panic.
    let whole = fixture("python/tcp6.bin");
    for n in 0..whole.len() {
        let mut out = Vec::new();
        parse_reply(&whole[..n], SockProto::Tcp, None, &mut out);
        assert!(out.len() <= 3);
        let mut bad = whole.clone();
        bad[n] ^= 0xff;
        parse_reply(&bad, SockProto::Tcp, None, &mut out);
    }
}
