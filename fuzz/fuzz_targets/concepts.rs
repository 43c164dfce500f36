//! Concept card TOML (`assets/concepts/*.toml`) → cards, then each card as text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netview::explain::{self, Lang, card};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(concepts) = explain::parse(text) else { return };
    for c in &concepts {
        let live = c.live.as_deref().map(|l| explain::fill(l, &Default::default()));
        let _ = explain::placeholders(c.live.as_deref().unwrap_or(""));
        let _ = card::text(c, live.as_deref(), Lang::En, 40);
        let _ = card::parts(c, live.as_deref(), Lang::Ko, true);
    }
});
