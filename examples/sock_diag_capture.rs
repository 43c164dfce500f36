//! Capture the raw sock_diag replies of this namespace's listeners, for the parser's fixtures:
//!   ip netns exec NS cargo run --example sock_diag_capture -- tests/fixtures/sock_diag/NAME
//! writes tcp4.bin, tcp6.bin, udp4.bin and udp6.bin there (each reply datagram as received).
//! Reads only: the requests are inet_diag dumps.

use netview::collect::netlink::sockets::{DiagSocket, QUERIES};

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: sock_diag_capture DIR"));
    std::fs::create_dir_all(&dir)?;
    let mut socket = DiagSocket::open(Vec::new())?;
    for (proto, family) in QUERIES {
        let mut bytes = Vec::new();
        let mut found = Vec::new();
        socket.dump(proto, family, &mut found, |datagram| bytes.extend_from_slice(datagram))?;
        let v = if family == 2 { 4 } else { 6 };
        let name = format!("{}{v}.bin", proto.as_str());
        std::fs::write(dir.join(&name), &bytes)?;
        println!("{name}: {} bytes, {} listeners", bytes.len(), found.len());
        for f in &found {
            println!("  {} inode {}", f.listener.endpoint(), f.inode);
        }
    }
    Ok(())
}
