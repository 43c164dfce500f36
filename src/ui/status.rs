//! The status line: Docker (and Podman beside it), privileges, refresh, last update, key hints. When space is short,
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
    // Podman beside Docker: its state after Docker's; alone when Docker's socket is Podman's.
    let podman = app.topology.docker.podman.as_ref().filter(|_| app.loaded);
    let podman_span = podman.map(|p| {
        if p.available {
            Span::styled("podman ✓", t.ok)
        } else {
            Span::styled(format!("podman ✗ {}", shorten(p.error.as_deref().unwrap_or("unavailable"), 24)), t.warn)
        }
    });
    let docker_is_podman = podman.is_some_and(|p| p.as_docker.is_some());
    let (docker_up, docker_err) = app.docker();
    let first = if !app.loaded {
        Some(Span::styled("reading…", t.dim))
    } else if docker_is_podman {
        None
    } else if docker_up {
        Some(Span::styled("docker ✓", t.ok))
    } else {
        // Before "gone:" (last) everything else keeps its place; the reason takes what is left.
        let fixed: usize = rest.iter().take_while(|s| !s.content.starts_with("gone:")).map(|s| s.content.width()).sum();
        let podman_width = podman_span.as_ref().map_or(0, |s| s.content.width() + " │ ".width());
        let room = usize::from(area.width).saturating_sub(fixed + podman_width + "docker ✗ ".width()).max(8);
        Some(Span::styled(format!("docker ✗ {}", shorten(docker_err.unwrap_or("unavailable"), room)), t.warn))
    };
    let mut engines: Vec<Span> = first.into_iter().collect();
    if let Some(p) = podman_span {
        if !engines.is_empty() {
            engines.push(sep());
        }
        engines.push(p);
    }
    // A saved snapshot says so first: nothing here is this host, now.
    let spans_first = match &app.replay {
        Some(what) => vec![Span::styled(what.clone(), t.warn)],
        None => engines,
    };
    let mut spans = spans_first;
    spans.extend(rest);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
