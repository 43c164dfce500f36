//! Node snapshots for `netview merge` → one cluster, then its text. Input: up to four snapshots
//! separated by NUL bytes (one snapshot alone is a one-node merge).
#![no_main]

use libfuzzer_sys::fuzz_target;
use netview::model::cluster;
use netview::output::cluster as out;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let nodes: Vec<_> = text
        .split('\0')
        .take(4)
        .enumerate()
        .filter_map(|(i, part)| out::parse_node(&format!("node-{i}.json"), part).ok())
        .collect();
    if nodes.is_empty() {
        return;
    }
    let c = cluster::merge(nodes);
    let _ = out::text(&c);
});
