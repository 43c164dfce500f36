//! sock_diag (inet_diag) reply bytes → listeners, then "who answers" on them. The first byte
//! picks the protocol the reply is read as.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netview::collect::netlink::sockets::parse_reply;
use netview::model::sockets::{SockProto, answering, sort};

fuzz_target!(|data: &[u8]| {
    let Some((first, bytes)) = data.split_first() else { return };
    let proto = if first & 1 == 0 { SockProto::Tcp } else { SockProto::Udp };
    let mut found = Vec::new();
    parse_reply(bytes, proto, None, &mut found);
    let mut listening: Vec<_> = found.into_iter().map(|f| f.listener).collect();
    sort(&mut listening);
    for l in &listening {
        assert!(l.port != 0);
        let who = answering(&listening, proto, l.address, l.port, l.ifindex);
        assert!(who.is_some(), "a listener answers for its own address");
        let _ = l.endpoint();
    }
});
