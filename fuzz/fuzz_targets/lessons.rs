//! Lesson TOML → lessons, then the consistency check between an English and a Korean file.
//! Input: the English file, a NUL byte, the Korean file; without a NUL the text is both.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netview::lessons;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (en, ko) = text.split_once('\0').unwrap_or((text, text));
    let (Ok(en), Ok(ko)) = (lessons::parse(en), lessons::parse(ko)) else { return };
    let _ = lessons::problems(&en, &ko, &[]);
});
