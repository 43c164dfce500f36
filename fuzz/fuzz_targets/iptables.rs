//! `iptables-save -c` / `ip6tables-save -c` text → tables. The backend and family are only
//! stored in each table, so one combination covers the parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netview::collect::firewall::iptables;
use netview::model::firewall::{Backend, Family};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = iptables::parse(text, Backend::IptablesNft, Family::Ipv4);
});
