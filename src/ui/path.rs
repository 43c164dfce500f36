//! The path overlay: the verdict, the hops and what blocked it, over the screen.

use super::theme::Theme;
use crate::app::App;
use crate::model::reach::Reach;
use crate::output::style::Style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let Some(report) = &app.path else { return };
    let width = 96.min(area.width.saturating_sub(4));
    let height = 24.min(area.height.saturating_sub(2));
    let popup = Rect::new(area.x + (area.width - width) / 2, area.y + (area.height - height) / 2, width, height);
    let verdict_style = match report.verdict {
        Reach::Reachable | Reach::LeavesHost => t.ok,
        Reach::Blocked | Reach::Unknown => t.warn,
    };
    let lines: Vec<Line> = crate::output::path::text(report, Style::plain())
        .into_iter()
        .enumerate()
        .map(|(i, l)| match i {
            0 => Line::styled(l, verdict_style),
            _ if matches!(l.as_str(), "hops" | "firewall" | "not evaluated") => Line::styled(l, t.title),
            _ => Line::raw(l),
        })
        .collect();
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .title(" Path (Esc closes; hops stay marked ◆) ");
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((app.path_scroll, 0)),
        popup,
    );
}
