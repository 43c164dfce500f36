//! The explanation pane: the card of the concept behind the selected object, filled with its
//! live values; `e` opens the whole card (commands, misconceptions, sources) over the screen.

use super::pane_block;
use super::theme::Theme;
use crate::app::{App, Pane};
use crate::explain::bind::live_sentence;
use crate::explain::card::{Part, parts, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// The card's lines, wrapped here at `width` cells: ratatui's own wrapping can push a wide
/// (Hangul) character over the border at a line's end.
fn card_lines(app: &App, t: &Theme, full: bool, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width).max(10);
    let wrapped = |s: &str, indent: &str| -> Vec<String> {
        wrap(s, width.saturating_sub(indent.len())).into_iter().map(|l| format!("{indent}{l}")).collect()
    };
    let Some((concept, live)) = app.selected.as_ref().and_then(|id| live_sentence(&app.topology, id, app.lang)) else {
        return vec![Line::styled(
            match app.lang {
                crate::explain::Lang::En => "select an object to see what it is",
                crate::explain::Lang::Ko => "무엇인지 보려면 객체를 고르세요",
            },
            t.dim,
        )];
    };
    let mut lines = Vec::new();
    for (part, s) in parts(concept, live.as_deref(), app.lang, full) {
        let (style, text) = match part {
            Part::Title => (t.title, s),
            Part::Summary => (t.dim, s),
            Part::Heading => {
                lines.push(Line::raw(""));
                (t.title, s)
            }
            Part::Text => (t.text, s),
            Part::Command => (t.command, format!("$ {s}")),
            Part::Bullet => (t.text, format!("• {s}")),
            Part::Detail => (t.text, s),
        };
        let indent = if part == Part::Detail { "  " } else { "" };
        lines.extend(wrapped(&text, indent).into_iter().map(|l| Line::styled(l, style)));
    }
    if !full {
        let hint = match app.lang {
            crate::explain::Lang::En => "e: the whole card (commands, misconceptions, sources)",
            crate::explain::Lang::Ko => "e: 카드 전체 (명령, 흔한 오해, 출처)",
        };
        lines.extend(wrapped(hint, "").into_iter().map(|l| Line::styled(l, t.dim)));
    }
    lines
}

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let block = pane_block(app, t, Pane::Explain, "Explanation");
    let width = block.inner(area).width;
    frame.render_widget(
        Paragraph::new(card_lines(app, t, false, width)).block(block).scroll((app.explain_scroll, 0)),
        area,
    );
}

/// The whole card over the screen.
pub fn render_card(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let popup = Rect::new(area.x + 2, area.y + 1, area.width.saturating_sub(4), area.height.saturating_sub(2));
    frame.render_widget(Clear, popup);
    let block =
        Block::default().borders(Borders::ALL).border_style(t.border_focus).title(" Concept (e or Esc closes) ");
    let width = block.inner(popup).width;
    frame.render_widget(
        Paragraph::new(card_lines(app, t, true, width)).block(block).scroll((app.card_scroll, 0)),
        popup,
    );
}
