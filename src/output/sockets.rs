//! The LISTENING section of `--snapshot`: every socket waiting for traffic, namespace by namespace.

use super::style::{Style, safe};
use super::table::Table;
use crate::model::Topology;

/// One row per listener of every namespace that has some, in the namespaces' order; nothing
/// when no namespace listens (or sockets were not read).
pub fn section(t: &Topology, style: Style, lines: &mut Vec<String>) {
    if t.namespaces.iter().all(|n| n.listening.is_empty()) {
        return;
    }
    lines.push(String::new());
    lines.push(style.heading("LISTENING"));
    let mut tb = Table::new(&["NAMESPACE", "PROTO", "ADDRESS", "PROCESS"]);
    for n in t.namespaces.iter().filter(|n| !n.listening.is_empty()) {
        for l in &n.listening {
            let mut owner = safe(&l.owner());
            if l.v6only {
                owner.push_str("  v6only");
            }
            if let Some(i) = l.ifindex {
                let dev = n.interface(i).map_or_else(|| format!("ifindex {i}"), |d| safe(&d.name));
                owner.push_str(&format!("  on {dev}"));
            }
            let address = crate::model::net::host_port(Some(&l.address.to_string()), l.port);
            tb.row(vec![safe(&n.label), l.proto.as_str().into(), address, owner]);
        }
    }
    lines.extend(tb.render("  "));
}
