//! Listening sockets of one namespace through sock_diag (NETLINK_SOCK_DIAG, inet_diag): TCP
//! sockets in LISTEN and UDP sockets bound but not connected, IPv4 and IPv6, what `ss -ltun`
//! lists. Like the rtnetlink socket, a sock_diag socket belongs to the namespace of the thread
//! that opens it, so it is opened on the namespace thread, right after the link dump.
//!
//! Read-only: the only message this module can build is an inet_diag dump request
//! (`SOCK_DIAG_BY_FAMILY` with `NLM_F_DUMP`); the message types are netlink-packet-sock-diag's.
//!
//! The owners (pid and command) come from `/proc/<pid>/fd` of the processes already found in that
//! namespace by discovery's `/proc` pass, read only for namespaces that have listeners.

use crate::model::sockets::{Listener, SockProto};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP, TCP_CLOSE, TCP_LISTEN};
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, InetResponse, SocketId, StateFlags, nlas::Nla};
use rtnetlink::packet_core::{NLM_F_DUMP, NLM_F_REQUEST, NetlinkBuffer, NetlinkMessage, NetlinkPayload};
use rtnetlink::sys::{Socket, protocols::NETLINK_SOCK_DIAG};
use std::collections::{BTreeMap, BTreeSet};
use std::io;

const RECV_BUFFER: usize = 64 * 1024;
const RECV_TIMEOUT_SECS: i64 = 5;

/// The four dumps a namespace's listeners take, in the order they are read.
pub const QUERIES: [(SockProto, u8); 4] =
    [(SockProto::Tcp, AF_INET), (SockProto::Tcp, AF_INET6), (SockProto::Udp, AF_INET), (SockProto::Udp, AF_INET6)];

/// A listener as read, with the socket inode that finds its owner in `/proc/<pid>/fd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub inode: u32,
    pub listener: Listener,
}

/// How a reply datagram ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// More datagrams follow.
    More,
    Done,
    /// The kernel refused the request (a negative errno, e.g. -ENOENT when IPv6 or the UDP diag
    /// module is missing).
    Refused(i32),
}

/// Parse one reply datagram (or several concatenated: netlink messages delimit themselves) to
/// a `proto` request with `sequence` (None: any). Messages of other sequences, of other types, or
/// that do not parse are skipped; sockets not waiting for traffic (a connected UDP socket, a TCP
/// one in another state) are left out.
pub fn parse_reply(bytes: &[u8], proto: SockProto, sequence: Option<u32>, out: &mut Vec<Found>) -> Progress {
    let mut offset = 0;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        let Ok(buffer) = NetlinkBuffer::new_checked(rest) else { break };
        let length = buffer.length() as usize;
        if length < 16 || length > rest.len() {
            break;
        }
        offset += (length + 3) & !3; // messages are 4-byte aligned
        let Ok(message) = NetlinkMessage::<SockDiagMessage>::deserialize(&rest[..length]) else { continue };
        if sequence.is_some_and(|s| s != message.header.sequence_number) {
            continue; // a late answer to an earlier request
        }
        match message.payload {
            NetlinkPayload::Done(_) => return Progress::Done,
            NetlinkPayload::Error(e) => return e.code.map_or(Progress::Done, |c| Progress::Refused(c.get())),
            NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(r)) => {
                if let Some(f) = listener(&r, proto) {
                    out.push(f);
                }
            }
            _ => {}
        }
    }
    Progress::More
}

/// A response as a listener, when it is one: TCP in LISTEN, UDP unconnected (CLOSE) with a port.
pub fn listener(r: &InetResponse, proto: SockProto) -> Option<Found> {
    let h = &r.header;
    let waiting = match proto {
        SockProto::Tcp => h.state == TCP_LISTEN,
        SockProto::Udp => h.state == TCP_CLOSE,
    };
    let id = &h.socket_id;
    if !waiting || id.source_port == 0 {
        return None;
    }
    let v6only = r.nlas.iter().any(|n| matches!(n, Nla::SkV6Only(true)));
    Some(Found {
        inode: h.inode,
        listener: Listener {
            proto,
            address: id.source_address,
            port: id.source_port,
            v6only: v6only && id.source_address.is_ipv6(),
            ifindex: (id.interface_id != 0).then_some(id.interface_id),
            pid: None,
            command: None,
        },
    })
}

/// A sock_diag socket in the calling thread's current network namespace.
pub struct DiagSocket {
    socket: Socket,
    sequence: u32,
    buffer: Vec<u8>,
}

impl DiagSocket {
    pub fn open(buffer: Vec<u8>) -> io::Result<Self> {
        let mut socket = Socket::new(NETLINK_SOCK_DIAG)?;
        socket.bind_auto()?;
        let timeout = nix::sys::time::TimeVal::new(RECV_TIMEOUT_SECS, 0);
        nix::sys::socket::setsockopt(&socket, nix::sys::socket::sockopt::ReceiveTimeout, &timeout)
            .map_err(io::Error::from)?;
        Ok(DiagSocket { socket, sequence: 0, buffer })
    }

    pub fn into_buffer(self) -> Vec<u8> {
        self.buffer
    }

    /// Send the inet_diag dump request for `proto` in `family`: the only request this socket
    /// builds. TCP asks for LISTEN only, UDP for CLOSE (bound, unconnected); the TCLASS extension
    /// makes the kernel say whether an IPv6 socket is v6-only.
    fn request(&mut self, proto: SockProto, family: u8) -> io::Result<u32> {
        let (protocol, states) = match proto {
            SockProto::Tcp => (IPPROTO_TCP, StateFlags::LISTEN),
            SockProto::Udp => (IPPROTO_UDP, StateFlags::CLOSE),
        };
        let socket_id = if family == AF_INET6 { SocketId::new_v6() } else { SocketId::new_v4() };
        let extensions = if family == AF_INET6 { ExtensionFlags::TCLASS } else { ExtensionFlags::empty() };
        let request = InetRequest { family, protocol, extensions, states, socket_id };
        self.sequence = self.sequence.wrapping_add(1);
        let mut message = NetlinkMessage::from(SockDiagMessage::InetRequest(request));
        message.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        message.header.sequence_number = self.sequence;
        message.finalize();
        let mut bytes = vec![0; message.buffer_len()];
        message.serialize(&mut bytes);
        self.socket.send(&bytes, 0)?;
        Ok(self.sequence)
    }

    /// Dump `proto` sockets of `family`, handing each reply datagram to `raw` as it comes
    /// (fixtures capture them) and the listeners to `out`. A family or protocol the kernel does
    /// not have (no IPv6, no udp_diag) reads as none.
    pub fn dump(
        &mut self,
        proto: SockProto,
        family: u8,
        out: &mut Vec<Found>,
        mut raw: impl FnMut(&[u8]),
    ) -> io::Result<()> {
        let sequence = self.request(proto, family)?;
        loop {
            self.buffer.clear();
            self.buffer.reserve(RECV_BUFFER);
            let n = self.socket.recv(&mut self.buffer, 0)?;
            if n > self.buffer.len() {
                return Err(io::Error::other("sock_diag message larger than the receive buffer"));
            }
            raw(&self.buffer[..n]);
            match parse_reply(&self.buffer[..n], proto, Some(sequence), out) {
                Progress::More => {}
                Progress::Done => return Ok(()),
                Progress::Refused(code) if code == -(nix::errno::Errno::ENOENT as i32) => return Ok(()),
                Progress::Refused(code) => {
                    return Err(io::Error::from_raw_os_error(code.unsigned_abs() as i32));
                }
            }
        }
    }

    /// The listeners of this namespace for each of `QUERIES` whose `wanted` is true (without
    /// owners).
    pub fn listeners(&mut self, wanted: [bool; 4]) -> io::Result<Vec<Found>> {
        let mut out = Vec::new();
        for ((proto, family), wanted) in QUERIES.into_iter().zip(wanted) {
            if wanted {
                self.dump(proto, family, &mut out, |_| {})?;
            }
        }
        Ok(out)
    }
}

/// Whether to ask a namespace for its listeners.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Not at all (`--no-sockets`).
    No,
    /// Yes: the host, a namespace some process is in, a container's sandbox.
    Yes,
    /// A namespace no process is in (an `ip netns` one nobody entered): only when it holds a
    /// device that listens with a kernel socket (a VXLAN or WireGuard port). Any other socket
    /// there would have to be held by a process outside it that entered it and left.
    IfTunnel,
}

/// Link kinds whose device listens on a UDP port of its namespace with a kernel socket.
pub const TUNNEL_KINDS: &[&str] = &["vxlan", "geneve", "wireguard", "bareudp", "gtp"];

/// The listeners of the calling thread's namespace, TCP and UDP, IPv4 and IPv6, with the owners
/// found among `holders` (the processes in this namespace). Each inet_diag dump walks a table
/// the kernel shares between all namespaces (some 25 µs each, also for an empty namespace), so
/// a namespace no process is in is asked only when a tunnel device is there (see `Ask`).
pub fn read_for(ask: Ask, kinds: &[Option<&str>], holders: &[u32]) -> io::Result<Vec<Found>> {
    let wanted = match ask {
        Ask::No => return Ok(Vec::new()),
        Ask::Yes => [true; 4],
        Ask::IfTunnel if kinds.iter().flatten().any(|k| TUNNEL_KINDS.contains(k)) => [true; 4],
        Ask::IfTunnel => return Ok(Vec::new()),
    };
    let mut found = DiagSocket::open(Vec::new())?.listeners(wanted)?;
    if !found.is_empty() {
        owners(&mut found.iter_mut().collect::<Vec<_>>(), holders);
    }
    Ok(found)
}

/// Fill in each listener's owner from the `/proc/<pid>/fd` links of `pids` (ascending),
/// stopping as soon as every socket has one. Sockets no process holds (kernel sockets) keep none.
pub fn owners(found: &mut [&mut Found], pids: &[u32]) {
    let mut wanted: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, f) in found.iter().enumerate() {
        if f.listener.pid.is_none() && f.inode != 0 {
            wanted.entry(u64::from(f.inode)).or_default().push(i);
        }
    }
    let mut left: BTreeSet<u64> = wanted.keys().copied().collect();
    for &pid in pids {
        if left.is_empty() {
            break;
        }
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { continue };
        let mut command = None;
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else { continue };
            let Some(inode) = socket_inode(target.as_os_str().as_encoded_bytes()) else { continue };
            if !left.remove(&inode) {
                continue;
            }
            let command = command.get_or_insert_with(|| {
                std::fs::read_to_string(format!("/proc/{pid}/comm")).ok().map(|c| c.trim_end_matches('\n').to_string())
            });
            for &i in &wanted[&inode] {
                found[i].listener.pid = Some(pid);
                found[i].listener.command = command.clone();
            }
        }
    }
}

/// Each namespace's listeners in the model's stable order, after one more search for the
/// sockets still without an owner outside the host: among the host's processes named like a
/// container engine that opens sockets inside its containers (dockerd's embedded DNS listens
/// on 127.0.0.11 in each container on a user-defined network). Only those processes are read
/// (`/proc/<pid>/comm` of each host process, then their descriptors), never all of them again.
pub fn finish(mut found: Vec<Vec<Found>>, host: Option<usize>, host_pids: &[u32]) -> Vec<Vec<Listener>> {
    let mut rest: Vec<&mut Found> = found
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| Some(*i) != host)
        .flat_map(|(_, f)| f.iter_mut())
        .filter(|f| f.listener.pid.is_none())
        .collect();
    if !rest.is_empty() {
        let engines: Vec<u32> = host_pids
            .iter()
            .copied()
            .filter(|p| {
                std::fs::read(format!("/proc/{p}/comm"))
                    .is_ok_and(|c| ENGINE_DAEMONS.contains(&String::from_utf8_lossy(&c).trim_end()))
            })
            .collect();
        owners(&mut rest, &engines);
    }
    found
        .into_iter()
        .map(|f| {
            let mut listening: Vec<Listener> = f.into_iter().map(|f| f.listener).collect();
            crate::model::sockets::sort(&mut listening);
            listening
        })
        .collect()
}

/// Daemons that open sockets inside other namespaces.
const ENGINE_DAEMONS: &[&str] = &["dockerd"];

/// `socket:[12345]` → 12345.
pub fn socket_inode(link: &[u8]) -> Option<u64> {
    std::str::from_utf8(link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_links() {
        assert_eq!(socket_inode(b"socket:[4026532]"), Some(4026532));
        assert_eq!(socket_inode(b"pipe:[12]"), None);
        assert_eq!(socket_inode(b"socket:[x]"), None);
        assert_eq!(socket_inode(b"/dev/null"), None);
    }

    #[test]
    fn garbage_is_no_listener() {
        let mut out = Vec::new();
        assert_eq!(parse_reply(&[], SockProto::Tcp, None, &mut out), Progress::More);
        assert_eq!(parse_reply(&[0xff; 40], SockProto::Udp, None, &mut out), Progress::More);
        assert!(out.is_empty());
    }
}
