//! The config file (`~/.config/netview/config.toml`) → settings and the key map.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(c) = netview::config::parse(text) {
        let _ = c.keymap();
    }
});
