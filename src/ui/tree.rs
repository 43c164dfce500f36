//! The topology tree pane.

use super::pane_block;
use super::theme::Theme;
use crate::app::{App, Change, Pane, RowKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn kind_style(t: &Theme, kind: RowKind) -> Style {
    match kind {
        RowKind::Bridge => t.bridge,
        RowKind::Container => t.container,
        RowKind::Namespace => t.namespace,
        RowKind::Group | RowKind::Host => t.group,
        RowKind::Network => t.bridge,
        _ => t.text,
    }
}

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let title = if app.filter.is_empty() && !app.filtering {
        format!("Topology ({})", crate::ui::plural(app.rows.len(), "row"))
    } else {
        format!("Topology: /{}{}", app.filter, if app.filtering { "▏" } else { "" })
    };
    let block = pane_block(app, t, Pane::Tree, &title);
    let inner = block.inner(area);
    let height = usize::from(inner.height);
    let selected = app.selected_index();
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    if !app.loaded {
        lines.push(Line::styled("reading the host…", t.dim));
    } else if app.rows.is_empty() {
        lines.push(Line::styled(
            if app.filter.is_empty() { "nothing to show" } else { "no match (Esc clears the filter)" },
            t.dim,
        ));
    }
    for (i, row) in app.rows.iter().enumerate().skip(app.tree_offset).take(height) {
        let marker = match (row.has_children, row.expanded) {
            (true, true) => "▾ ",
            (true, false) => "▸ ",
            _ => "  ",
        };
        let change = app.changes.get(&row.id).map(|(c, _, _)| *c);
        let name_style = match change {
            Some(Change::Added) => t.added,
            _ => kind_style(t, row.kind),
        };
        let on_path = app.path_nodes.contains(&row.id);
        let name_style = if on_path { t.key } else { name_style };
        let mut spans = vec![
            Span::raw("  ".repeat(usize::from(row.depth))),
            Span::styled(marker, t.dim),
            // Names come from the system: control characters are shown escaped, never sent raw.
            Span::styled(crate::output::style::safe(&row.text), name_style),
        ];
        if on_path {
            spans.push(Span::styled(" ◆path", t.key));
        }
        if app.lesson.as_ref().is_some_and(|l| l.highlight.contains(&row.id)) {
            spans.push(Span::styled(" ◀ look", t.added));
        }
        if app.path_from.as_ref() == Some(&row.id) {
            spans.push(Span::styled(" ◆from", t.key));
        }
        if change == Some(Change::Added) {
            spans.push(Span::styled(" +new", t.added));
        }
        if !row.detail.is_empty() {
            spans.push(Span::styled(format!("  {}", crate::output::style::safe(&row.detail)), t.dim));
        }
        let line = if Some(i) == selected {
            // One style for the whole selected row, so no kind colour sits on the highlight.
            let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
            let width = usize::from(inner.width);
            let pad = width.saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_str()));
            Line::styled(format!("{text}{}", " ".repeat(pad)), t.selected)
        } else {
            Line::from(spans)
        };
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
