//! The view: a pure function of `App` that draws one frame.

pub mod counters;
pub mod details;
mod details_names;
mod details_ports;
pub mod explain;
pub mod help;
pub mod layout;
pub mod lesson;
pub mod pager;
pub mod path;
pub mod status;
pub mod theme;
pub mod tree;

use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};
use theme::Theme;

pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let t = theme::theme(app.theme);
    if layout::too_small(area) {
        let msg = format!(
            "netview needs at least {}×{} characters (this terminal is {}×{}): please enlarge it. q quits.",
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT,
            area.width,
            area.height
        );
        frame.render_widget(Paragraph::new(msg).style(t.warn).wrap(Wrap { trim: true }), area);
        return;
    }
    let areas = layout::layout(area);
    tree::render(app, &t, frame, areas.tree);
    details::render(app, &t, frame, areas.details);
    if app.lesson.is_some() {
        // A lesson needs room for its text, commands and check: it takes the counters' place too.
        lesson::render(app, &t, frame, areas.counters.union(areas.explain));
    } else {
        counters::render(app, &t, frame, areas.counters);
        explain::render(app, &t, frame, areas.explain);
    }
    status::render(app, &t, frame, areas.status);
    if app.card {
        explain::render_card(app, &t, frame, area);
    }
    if app.path_open {
        path::render(app, &t, frame, area);
    }
    if app.lesson_picker.is_some() {
        lesson::render_picker(app, &t, frame, area);
    }
    if app.help {
        help::render(&t, frame, area);
    }
}

pub use crate::explain::bind::plural;

/// A bordered block whose border shows whether the pane has the focus.
pub fn pane_block<'a>(app: &App, t: &Theme, pane: Pane, title: &'a str) -> Block<'a> {
    let focused = app.focus == pane;
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(if focused { t.border_focus } else { t.border })
        .title(Line::styled(format!(" {title} "), t.title))
        .title_alignment(Alignment::Left)
}
