//! Where each pane goes. Shared by the view and the mouse handler so clicks land where drawn.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

/// Below this the layout cannot show its panes legibly.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub tree: Rect,
    pub details: Rect,
    pub counters: Rect,
    pub explain: Rect,
    pub status: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

pub fn layout(area: Rect) -> Areas {
    if too_small(area) {
        return Areas { status: area, ..Default::default() };
    }
    let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let [tree, right] = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(45), Constraint::Min(30)])
        .areas(main);
    let counters_height = if right.height >= 30 { 10 } else { 7 };
    let [details, counters, explain] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Length(counters_height), Constraint::Min(4)])
            .areas(right);
    Areas { tree, details, counters, explain, status }
}
