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
                let message = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&bytes[..length]);
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

    #[test]
    fn only_reads_pass() {
        assert!(is_read_request(&RouteNetlinkMessage::GetLink(LinkMessage::default())));
        assert!(!is_read_request(&RouteNetlinkMessage::NewLink(LinkMessage::default())));
        assert!(!is_read_request(&RouteNetlinkMessage::DelLink(LinkMessage::default())));
        assert!(!is_read_request(&RouteNetlinkMessage::SetLink(LinkMessage::default())));
    }
}
