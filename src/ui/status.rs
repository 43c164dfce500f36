//! The status line: Docker, privileges, refresh, last update, key hints. When space is short,
//! the Docker reason is shortened first (the whole reason is in the host's details).

use super::theme::Theme;
use crate::app::{App, Change};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

fn shorten(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + 2 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let sep = || Span::raw(" │ ");
    let mut rest = vec![sep()];
    rest.push(if app.topology.host.root || !app.loaded {
        Span::styled("root", t.ok)
    } else {
        Span::styled("not root: own namespace only", t.warn)
    });
    rest.push(sep());
    let every = app.interval.as_secs_f32();
    rest.push(if app.paused { Span::styled("paused", t.warn) } else { Span::raw(format!("every {every:.2}s")) });
    if let Some(at) = &app.last_update {
        rest.push(sep());
        rest.push(Span::raw(at.clone()));
    }
    rest.push(sep());
    rest.extend([
        Span::styled("?", t.key),
        Span::raw(" help "),
        Span::styled("/", t.key),
        Span::raw(" filter "),
        Span::styled("q", t.key),
        Span::raw(" quit"),
    ]);
    if let Some(note) = &app.path_note {
        rest.push(sep());
        rest.push(Span::styled(note.clone(), t.key));
    }
    // A container is both a container and a namespace in the tree: name it once.
    let removed: std::collections::BTreeSet<&str> =
        app.changes.values().filter(|(c, _, _)| *c == Change::Removed).map(|(_, label, _)| label.as_str()).collect();
    if !removed.is_empty() {
        rest.push(sep());
        rest.push(Span::styled(format!("gone: {}", removed.into_iter().collect::<Vec<_>>().join(", ")), t.removed));
    }
    let (docker_up, docker_err) = app.docker();
    let first = if !app.loaded {
        Span::styled("reading…", t.dim)
    } else if docker_up {
        Span::styled("docker ✓", t.ok)
    } else {
        // Before "gone:" (last) everything else keeps its place; the reason takes what is left.
        let fixed: usize = rest.iter().take_while(|s| !s.content.starts_with("gone:")).map(|s| s.content.width()).sum();
        let room = usize::from(area.width).saturating_sub(fixed + "docker ✗ ".width()).max(8);
        Span::styled(format!("docker ✗ {}", shorten(docker_err.unwrap_or("unavailable"), room)), t.warn)
    };
    // A saved snapshot says so first: nothing here is this host, now.
    let first = match &app.replay {
        Some(what) => Span::styled(what.clone(), t.warn),
        None => first,
    };
    let mut spans = vec![first];
    spans.extend(rest);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
