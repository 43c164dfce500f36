//! The help overlay: every key.

use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub const KEYS: &[(&str, &str)] = &[
    ("↑ ↓  k j", "move in the tree (or scroll the focused pane)"),
    ("← →  h l", "collapse / expand, or go to parent / child"),
    ("Enter Space", "expand or collapse"),
    ("PgUp PgDn g G", "page up / down, first / last"),
    ("Tab  Shift-Tab", "next / previous pane"),
    ("/", "filter by name, IP or MAC (Enter keeps, Esc clears)"),
    ("r", "read everything again now"),
    ("p  P", "pause / resume live updates (in a lesson: p is the previous step)"),
    ("L", "lessons: pick one (n / p: next / previous step, Esc closes it)"),
    ("+  -", "slower / faster refresh"),
    ("e", "the whole concept card of the selection (e or Esc closes)"),
    ("m", "path: mark where from, then m on where to (Esc clears)"),
    ("?", "this help (any key closes it)"),
    ("q  Esc  Ctrl-C", "quit"),
    ("mouse", "click selects, wheel scrolls"),
];

pub fn render(t: &Theme, frame: &mut Frame, area: Rect) {
    let width = 70.min(area.width.saturating_sub(4));
    let height = (KEYS.len() as u16 + 4).min(area.height.saturating_sub(2));
    let popup = Rect::new(area.x + (area.width - width) / 2, area.y + (area.height - height) / 2, width, height);
    let mut lines = vec![Line::styled("netview only reads the system: nothing here changes it.", t.dim), Line::raw("")];
    lines.extend(
        KEYS.iter().map(|(k, what)| Line::from(vec![Span::styled(format!("{k:<16}"), t.key), Span::raw(*what)])),
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::default().borders(Borders::ALL).border_style(t.border_focus).title(" Keys ")),
        popup,
    );
}
