//! The lesson pane (in place of the explanation) and the lesson picker.

use super::theme::Theme;
use super::{Pane, pane_block};
use crate::app::App;
use crate::explain::Lang;
use crate::lessons::handout::describe;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let (Some(l), Some(s)) = (app.lesson_data(), app.lesson.as_ref()) else { return };
    let ko = app.lang == Lang::Ko;
    let title = format!("Lesson {}: {}", l.number, l.title);
    let block = pane_block(app, t, Pane::Explain, &title);
    let Some(step) = l.step.get(s.step) else { return };
    let done = s.done.get(s.step).copied().unwrap_or(false);
    let total_done = s.done.iter().filter(|d| **d).count();
    let status = if done {
        Span::styled(if ko { " ✓ 완료" } else { " ✓ done" }, t.ok)
    } else {
        Span::styled(if ko { " ○ 기다리는 중" } else { " ○ waiting" }, t.warn)
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} {}/{}  ", if ko { "단계" } else { "Step" }, s.step + 1, l.step.len()), t.dim),
            Span::styled(step.title.clone(), t.title),
            status,
            Span::styled(
                if ko {
                    format!("  (단계 {}개 중 {total_done}개 완료)", l.step.len())
                } else {
                    format!("  ({total_done} of {} steps done)", l.step.len())
                },
                t.dim,
            ),
        ]),
        Line::raw(step.text.clone()),
        Line::from(vec![Span::styled(if ko { "볼 곳: " } else { "Look: " }, t.dim), Span::raw(step.look.clone())]),
    ];
    for c in &step.commands {
        lines.push(Line::from(vec![Span::styled("$ ", t.dim), Span::styled(s.vars.fill(c), t.command)]));
    }
    lines.push(Line::from(vec![
        Span::styled(if ko { "확인: " } else { "Check: " }, t.dim),
        Span::raw(describe(&step.check, &s.vars, app.lang)),
    ]));
    if !done {
        lines.push(Line::from(vec![
            Span::styled(if ko { "힌트: " } else { "Hint: " }, t.dim),
            Span::raw(step.hint.clone()),
        ]));
    }
    let (added, removed) = crate::app::lesson::changes(app);
    if !added.is_empty() || !removed.is_empty() {
        let mut text = String::new();
        if !added.is_empty() {
            text.push_str(&format!("+ {}", added.join(", ")));
        }
        if !removed.is_empty() {
            text.push_str(&format!("{}− {}", if text.is_empty() { "" } else { "  " }, removed.join(", ")));
        }
        lines.push(Line::from(vec![
            Span::styled(if ko { "이 단계에서 바뀐 것: " } else { "Changed in this step: " }, t.dim),
            Span::styled(text, t.added),
        ]));
    }
    lines.push(Line::styled(
        if ko {
            "n 다음 · p 이전 · L 수업 목록 · Esc 닫기"
        } else {
            "n next · p previous · L lessons · Esc closes"
        },
        t.dim,
    ));
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((app.explain_scroll, 0)),
        area,
    );
}

pub fn render_picker(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let lessons = crate::lessons::catalog(app.lang);
    let width = 84.min(area.width.saturating_sub(4));
    let height = (lessons.len() as u16 + 4).min(area.height.saturating_sub(2));
    let popup = Rect::new(area.x + (area.width - width) / 2, area.y + (area.height - height) / 2, width, height);
    let selected = app.lesson_picker.unwrap_or(0);
    let mut lines = vec![Line::styled(
        if app.lang == Lang::Ko { "Enter 시작 · Esc 닫기" } else { "Enter starts · Esc closes" },
        t.dim,
    )];
    for (i, l) in lessons.iter().enumerate() {
        let text = format!("{}. {}", l.number, l.title);
        lines.push(if i == selected { Line::styled(text, t.selected) } else { Line::raw(text) });
    }
    frame.render_widget(Clear, popup);
    let title = if app.lang == Lang::Ko { " 수업 " } else { " Lessons " };
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).border_style(t.border_focus).title(title)),
        popup,
    );
}
