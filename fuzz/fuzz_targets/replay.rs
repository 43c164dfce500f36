//! A saved snapshot (`netview --snapshot --json`, read by `--replay`) → topology, then everything
//! that shows it: the dashboard at 80×24 (each of the first rows selected in turn), the text
//! snapshot and the DOT graph.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netview::app::{App, ThemeName, update::on_update};
use netview::live::Update;
use netview::output::{graph, style::Style, text};
use ratatui::{Terminal, backend::TestBackend};
use std::time::{Duration, Instant};

/// Rows drawn selected, beyond the first frame: enough for the kinds of object, bounded in time.
const ROWS: usize = 24;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let Ok(t) = netview::replay::parse("fuzz.json", input) else { return };

    let _ = text::write(&t, Style::plain(), &mut Vec::new());
    let _ = graph::dot(&t);

    let now = Instant::now();
    let mut app = App::new(now, Duration::from_secs(1), ThemeName::Default);
    on_update(&mut app, Update::Topology { topology: Box::new(t), sampled_at: now }, "00:00:00 UTC");
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
    terminal.draw(|f| netview::ui::view(&app, f)).expect("draw");
    for i in 1..app.rows.len().min(ROWS) {
        app.select_row(i);
        app.ensure_selection_visible();
        terminal.draw(|f| netview::ui::view(&app, f)).expect("draw");
    }
});
