//! The status line: Docker, privileges, refresh, last update, key hints.

use super::theme::Theme;
use crate::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let (docker_up, docker_err) = app.docker();
    let mut spans = vec![if docker_up {
        Span::styled("docker ✓", t.ok)
    } else {
        Span::styled(format!("docker ✗ {}", docker_err.unwrap_or("unavailable")), t.warn)
    }];
    spans.push(Span::raw(" │ "));
    spans.push(if app.topology.host.root || !app.loaded {
        Span::styled("root", t.ok)
    } else {
        Span::styled("not root: own namespace only", t.warn)
    });
    spans.push(Span::raw(" │ "));
    let every = app.interval.as_secs_f32();
    spans.push(if app.paused { Span::styled("paused", t.warn) } else { Span::raw(format!("every {every:.2}s")) });
    if let Some(at) = &app.last_update {
        spans.push(Span::raw(format!(" │ {at}")));
    }
    // A container is both a container and a namespace in the tree: name it once.
    let removed: std::collections::BTreeSet<&str> = app
        .changes
        .values()
        .filter(|(c, _, _)| *c == crate::app::Change::Removed)
        .map(|(_, label, _)| label.as_str())
        .collect();
    if !removed.is_empty() {
        spans.push(Span::raw(" │ "));
        spans.push(Span::styled(format!("gone: {}", removed.into_iter().collect::<Vec<_>>().join(", ")), t.removed));
    }
    spans.push(Span::raw(" │ "));
    spans.push(Span::styled("?", t.key));
    spans.push(Span::raw(" help "));
    spans.push(Span::styled("/", t.key));
    spans.push(Span::raw(" filter "));
    spans.push(Span::styled("q", t.key));
    spans.push(Span::raw(" quit"));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
