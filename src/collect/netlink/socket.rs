//! A blocking rtnetlink socket for a thread that lives inside one namespace.
//!
//! Reading a namespace is three short dumps on a thread we own, so plain blocking calls do it
//! with no runtime, channel or epoll registration per namespace; the message types and their
//! (de)serialization are rtnetlink's own (`rtnetlink::packet_*`, `rtnetlink::sys`).

use rtnetlink::packet_core::{ErrorMessage, NLM_F_DUMP, NLM_F_REQUEST, NetlinkBuffer, NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::{Socket, protocols::NETLINK_ROUTE};
use std::io;

/// Enough for any dump chunk the kernel sends (it sizes them to at most 32 KiB).
const RECV_BUFFER: usize = 64 * 1024;
const RECV_TIMEOUT_SECS: i64 = 5;

pub struct NlSocket {
    socket: Socket,
    sequence: u32,
    buffer: Vec<u8>,
}

impl NlSocket {
    /// A socket in the calling thread's current network namespace.
    pub fn open(buffer: Vec<u8>) -> io::Result<Self> {
        let mut socket = Socket::new(NETLINK_ROUTE)?;
        socket.bind_auto()?;
        // Strict checking lets the kernel filter dumps (e.g. one routing table) instead of us.
        socket.set_netlink_get_strict_chk(true)?;
        // The kernel answers at once; a bound keeps a stuck read from freezing netview.
        let timeout = nix::sys::time::TimeVal::new(RECV_TIMEOUT_SECS, 0);
        nix::sys::socket::setsockopt(&socket, nix::sys::socket::sockopt::ReceiveTimeout, &timeout)
            .map_err(io::Error::from)?;
        Ok(NlSocket { socket, sequence: 0, buffer })
    }

    /// Give the receive buffer back for the next socket on this thread.
    pub fn into_buffer(self) -> Vec<u8> {
        self.buffer
    }

    /// The one place netview's netlink requests are built: only reads leave it.
    fn send(&mut self, message: RouteNetlinkMessage, flags: u16) -> io::Result<u32> {
        if !is_read_request(&message) {
            return Err(io::Error::other(format!(
                "refusing to send a netlink request that would change the system (message type {})",
                message.message_type()
            )));
        }
        self.sequence = self.sequence.wrapping_add(1);
        let mut request = NetlinkMessage::from(message);
        request.header.flags = flags;
        request.header.sequence_number = self.sequence;
        request.finalize();
        let mut bytes = vec![0; request.buffer_len()];
        request.serialize(&mut bytes);
        self.socket.send(&bytes, 0)?;
        Ok(self.sequence)
    }

    /// Send a dump request and hand each answer to `each` until the kernel says it is done.
    pub fn dump(&mut self, message: RouteNetlinkMessage, each: impl FnMut(RouteNetlinkMessage)) -> io::Result<()> {
        let sequence = self.send(message, NLM_F_REQUEST | NLM_F_DUMP)?;
        self.receive(sequence, each, true)?.map_err(|nack| nack.to_io())
    }

    /// Send a single request and return its answer (None when the kernel answers with an error).
    pub fn request(&mut self, message: RouteNetlinkMessage) -> io::Result<Option<RouteNetlinkMessage>> {
        let sequence = self.send(message, NLM_F_REQUEST)?;
        let mut answer = None;
        Ok(self.receive(sequence, |m| answer = Some(m), false)?.ok().and(answer))
    }

    /// Read answers to `sequence`. The outer error is the socket's; the inner one is the kernel refusing.
    fn receive(
        &mut self,
        sequence: u32,
        mut each: impl FnMut(RouteNetlinkMessage),
        multipart: bool,
    ) -> io::Result<Result<(), ErrorMessage>> {
        loop {
            self.buffer.clear();
            self.buffer.reserve(RECV_BUFFER);
            let n = self.socket.recv(&mut self.buffer, 0)?;
            if n > self.buffer.len() {
                return Err(io::Error::other("netlink message larger than the receive buffer"));
            }
            let mut offset = 0;
            while offset < n {
                let bytes = &self.buffer[offset..n];
                let length = NetlinkBuffer::new_checked(bytes).map_err(invalid)?.length() as usize;
                if length == 0 || length > bytes.len() {
                    return Err(io::Error::other("malformed netlink message"));
                }
                let message = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&bytes[..length]).or_else(|e| {
                    // Interface names are bytes to the kernel but strings to the parser: a name
                    // that is not UTF-8 fails the whole link. Read it with those bytes as '?'.
                    let mut copy = bytes[..length].to_vec();
                    if printable_link_names(&mut copy) {
                        NetlinkMessage::<RouteNetlinkMessage>::deserialize(&copy)
                    } else {
                        Err(e)
                    }
                });
                offset += (length + 3) & !3; // messages are 4-byte aligned
                let message = match message {
                    Ok(m) => m,
                    // A message this version cannot parse: skip it rather than lose the namespace.
                    Err(_) => continue,
                };
                if message.header.sequence_number != sequence {
                    continue; // a late answer to an earlier request
                }
                match message.payload {
                    NetlinkPayload::Done(_) => return Ok(Ok(())),
                    NetlinkPayload::Error(e) if e.code.is_none() => return Ok(Ok(())), // an ACK
                    NetlinkPayload::Error(e) => return Ok(Err(e)),
                    NetlinkPayload::InnerMessage(m) => {
                        each(m);
                        if !multipart {
                            return Ok(Ok(()));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// In an RTM_NEWLINK message, replace the non-ASCII bytes of an IFLA_IFNAME (or IFLA_IFALIAS)
/// that is not UTF-8 with '?', keeping every length. True when something was replaced.
pub fn printable_link_names(msg: &mut [u8]) -> bool {
    const RTM_NEWLINK: u16 = 16;
    const HEADERS: usize = 16 + 16; // nlmsghdr + ifinfomsg
    const IFLA_IFNAME: u16 = 3;
    const IFLA_IFALIAS: u16 = 20;
    if msg.len() < HEADERS || u16::from_ne_bytes([msg[4], msg[5]]) != RTM_NEWLINK {
        return false;
    }
    let mut changed = false;
    let mut at = HEADERS;
    while at + 4 <= msg.len() {
        let len = usize::from(u16::from_ne_bytes([msg[at], msg[at + 1]]));
        let kind = u16::from_ne_bytes([msg[at + 2], msg[at + 3]]) & 0x3fff;
        if len < 4 || at + len > msg.len() {
            break;
        }
        if matches!(kind, IFLA_IFNAME | IFLA_IFALIAS) {
            let value = &mut msg[at + 4..at + len];
            if std::str::from_utf8(value.split(|b| *b == 0).next().unwrap_or_default()).is_err() {
                value.iter_mut().filter(|b| **b >= 0x80).for_each(|b| *b = b'?');
                changed = true;
            }
        }
        at += (len + 3) & !3;
    }
    changed
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

/// netview only reads: Get* requests, nothing that creates, changes or deletes.
pub fn is_read_request(m: &RouteNetlinkMessage) -> bool {
    use RouteNetlinkMessage as M;
    matches!(
        m,
        M::GetLink(_)
            | M::GetAddress(_)
            | M::GetRoute(_)
            | M::GetNeighbour(_)
            | M::GetNsId(_)
            | M::GetStats(_)
            | M::GetRule(_)
            | M::GetNeighbourTable(_)
            | M::GetTrafficClass(_)
            | M::GetQueueDiscipline(_)
            | M::GetTrafficFilter(_)
            | M::GetTrafficChain(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_route::link::LinkMessage;

    /// An RTM_NEWLINK with one IFLA_IFNAME attribute holding `name` (NUL-terminated).
    fn newlink(name: &[u8]) -> Vec<u8> {
        let attr_len = 4 + name.len() + 1;
        let total = 32 + ((attr_len + 3) & !3);
        let mut m = vec![0u8; total];
        m[0..4].copy_from_slice(&(total as u32).to_ne_bytes());
        m[4..6].copy_from_slice(&16u16.to_ne_bytes());
        m[32..34].copy_from_slice(&(attr_len as u16).to_ne_bytes());
        m[34..36].copy_from_slice(&3u16.to_ne_bytes());
        m[36..36 + name.len()].copy_from_slice(name);
        m
    }

    #[test]
    fn names_that_are_not_utf8_become_printable() {
        let mut m = newlink(b"nv-\xff\xfe");
        assert!(printable_link_names(&mut m));
        assert_eq!(&m[36..41], b"nv-??");
        let mut ok = newlink("nv-한".as_bytes());
        assert!(!printable_link_names(&mut ok), "valid UTF-8 stays as it is");
        let mut short = vec![0u8; 10];
        assert!(!printable_link_names(&mut short));
        let mut bad_len = newlink(b"x");
        bad_len[32..34].copy_from_slice(&900u16.to_ne_bytes());
        assert!(!printable_link_names(&mut bad_len), "a broken attribute stops the walk");
    }

    #[test]
    fn only_reads_pass() {
        assert!(is_read_request(&RouteNetlinkMessage::GetLink(LinkMessage::default())));
        assert!(!is_read_request(&RouteNetlinkMessage::NewLink(LinkMessage::default())));
        assert!(!is_read_request(&RouteNetlinkMessage::DelLink(LinkMessage::default())));
        assert!(!is_read_request(&RouteNetlinkMessage::SetLink(LinkMessage::default())));
    }
}
