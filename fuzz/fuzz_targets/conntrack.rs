//! /proc/net/nf_conntrack text → NATed flows, then joined with a published port.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netview::collect::firewall::conntrack;
use netview::model::ports::{PortMapping, connections};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let flows = conntrack::parse(text);
    let m = PortMapping {
        protocol: "tcp".into(),
        host_port: 8080,
        container_port: 80,
        container_ip: Some("172.18.0.2".into()),
        ..Default::default()
    };
    let c = connections(&m, &flows);
    assert!(c.total <= flows.len());
});
