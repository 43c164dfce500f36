//! The explanation pane: the card of the concept behind the selected object, filled with its
//! live values; `e` opens the whole card (commands, misconceptions, sources) over the screen.

use super::pane_block;
use super::theme::Theme;
use crate::app::{App, Pane};
use crate::explain::bind::live_sentence;
use crate::explain::card::{Part, parts};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

fn card_lines(app: &App, t: &Theme, full: bool) -> Vec<Line<'static>> {
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
        match part {
            Part::Title => lines.push(Line::styled(s, t.title)),
            Part::Summary => lines.push(Line::styled(s, t.dim)),
            Part::Heading => {
                lines.push(Line::raw(""));
                lines.push(Line::styled(s, t.title));
            }
            Part::Text => lines.push(Line::raw(s)),
            Part::Command => lines.push(Line::styled(format!("$ {s}"), t.command)),
            Part::Bullet => lines.push(Line::raw(format!("• {s}"))),
            Part::Detail => lines.push(Line::raw(format!("  {s}"))),
        }
    }
    if !full {
        lines.push(Line::styled(
            match app.lang {
                crate::explain::Lang::En => "e: the whole card (commands, misconceptions, sources)",
                crate::explain::Lang::Ko => "e: 카드 전체 (명령, 흔한 오해, 출처)",
            },
            t.dim,
        ));
    }
    lines
}

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let block = pane_block(app, t, Pane::Explain, "Explanation");
    frame.render_widget(
        Paragraph::new(card_lines(app, t, false))
            .block(block)
            .wrap(Wrap { trim: true })
            .scroll((app.explain_scroll, 0)),
        area,
    );
}

/// The whole card over the screen.
pub fn render_card(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let popup = Rect::new(area.x + 2, area.y + 1, area.width.saturating_sub(4), area.height.saturating_sub(2));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(card_lines(app, t, true))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.border_focus)
                    .title(" Concept (e or Esc closes) "),
            )
            .wrap(Wrap { trim: true })
            .scroll((app.card_scroll, 0)),
        popup,
    );
}
