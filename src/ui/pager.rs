//! A read-only page of lines in the terminal (the merged cluster): scroll, resize, quit. The
//! view is a function of (lines, offset, size).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

pub struct Pager {
    pub title: String,
    pub lines: Vec<String>,
    pub offset: usize,
}

impl Pager {
    /// Scroll by `delta` lines, keeping the last page full.
    pub fn scroll(&mut self, delta: i64, height: u16) {
        let max = self.lines.len().saturating_sub(usize::from(height.saturating_sub(3)).max(1));
        self.offset = (self.offset as i64 + delta).clamp(0, max as i64) as usize;
    }

    pub fn view(&self, frame: &mut Frame) {
        let area = frame.area();
        if area.width < 20 || area.height < 5 {
            frame.render_widget(Paragraph::new("enlarge the terminal (q quits)"), area);
            return;
        }
        let body = Rect::new(area.x, area.y, area.width, area.height - 1);
        let lines: Vec<Line> = self.lines.iter().skip(self.offset).map(|l| Line::raw(l.clone())).collect();
        let block = Block::default().borders(Borders::ALL).title(format!(" {} ", self.title));
        frame.render_widget(Paragraph::new(lines).block(block), body);
        let status = format!(
            " lines {}-{} of {} │ ↑↓ PgUp PgDn g G scroll │ q quit",
            self.offset + 1,
            (self.offset + usize::from(body.height.saturating_sub(2))).min(self.lines.len()),
            self.lines.len()
        );
        frame.render_widget(Paragraph::new(status), Rect::new(area.x, area.y + area.height - 1, area.width, 1));
    }
}

/// Show the page until q, Esc or Ctrl-C; the terminal is restored however it ends.
pub fn run(mut pager: Pager) -> anyhow::Result<()> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    let mut terminal = ratatui::init();
    let result = (|| -> anyhow::Result<()> {
        loop {
            let height = terminal.size()?.height;
            terminal.draw(|f| pager.view(f))?;
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => match k.code {
                    KeyCode::Char('q') | KeyCode::Esc => return Ok(()),
                    KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => return Ok(()),
                    KeyCode::Down | KeyCode::Char('j') => pager.scroll(1, height),
                    KeyCode::Up | KeyCode::Char('k') => pager.scroll(-1, height),
                    KeyCode::PageDown | KeyCode::Char(' ') => pager.scroll(i64::from(height) - 3, height),
                    KeyCode::PageUp => pager.scroll(-(i64::from(height) - 3), height),
                    KeyCode::Home | KeyCode::Char('g') => pager.scroll(i64::MIN / 2, height),
                    KeyCode::End | KeyCode::Char('G') => pager.scroll(i64::MAX / 2, height),
                    _ => {}
                },
                _ => {}
            }
        }
    })();
    ratatui::restore();
    result
}
