//! Colours per theme. The projector theme uses only strong colours and bold text; the monochrome
//! one (NO_COLOR) uses none at all, only bold, underline and reverse.

use crate::app::ThemeName;
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub text: Style,
    pub dim: Style,
    pub border: Style,
    pub border_focus: Style,
    pub title: Style,
    pub selected: Style,
    pub added: Style,
    pub removed: Style,
    pub bridge: Style,
    pub container: Style,
    pub namespace: Style,
    pub group: Style,
    pub ok: Style,
    pub warn: Style,
    pub command: Style,
    pub key: Style,
}

pub fn theme(name: ThemeName) -> Theme {
    let s = Style::default();
    match name {
        ThemeName::Default => Theme {
            text: s,
            dim: s.fg(Color::DarkGray),
            border: s.fg(Color::DarkGray),
            border_focus: s.fg(Color::Cyan),
            title: s.add_modifier(Modifier::BOLD),
            selected: s.bg(Color::Blue).fg(Color::White).add_modifier(Modifier::BOLD),
            added: s.fg(Color::Green).add_modifier(Modifier::BOLD),
            removed: s.fg(Color::Red).add_modifier(Modifier::CROSSED_OUT),
            bridge: s.fg(Color::Yellow),
            container: s.fg(Color::Cyan),
            namespace: s.fg(Color::Magenta),
            group: s.fg(Color::Blue).add_modifier(Modifier::BOLD),
            ok: s.fg(Color::Green),
            warn: s.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            command: s.fg(Color::Green),
            key: s.fg(Color::Cyan).add_modifier(Modifier::BOLD),
        },
        ThemeName::Projector => {
            let bold = s.add_modifier(Modifier::BOLD);
            Theme {
                text: bold.fg(Color::White),
                dim: bold.fg(Color::White),
                border: bold.fg(Color::White),
                border_focus: bold.fg(Color::LightYellow),
                title: bold.fg(Color::LightYellow),
                selected: bold.bg(Color::LightYellow).fg(Color::Black),
                added: bold.fg(Color::LightGreen),
                removed: bold.fg(Color::LightRed),
                bridge: bold.fg(Color::LightYellow),
                container: bold.fg(Color::LightCyan),
                namespace: bold.fg(Color::LightMagenta),
                group: bold.fg(Color::White).add_modifier(Modifier::UNDERLINED),
                ok: bold.fg(Color::LightGreen),
                warn: bold.fg(Color::LightRed),
                command: bold.fg(Color::LightGreen),
                key: bold.fg(Color::LightYellow),
            }
        }
        ThemeName::Mono => {
            let bold = s.add_modifier(Modifier::BOLD);
            Theme {
                text: s,
                dim: s,
                border: s,
                border_focus: bold,
                title: bold,
                selected: s.add_modifier(Modifier::REVERSED),
                added: bold.add_modifier(Modifier::UNDERLINED),
                removed: s.add_modifier(Modifier::CROSSED_OUT),
                bridge: bold,
                container: s,
                namespace: s,
                group: bold,
                ok: s,
                warn: bold,
                command: s,
                key: bold,
            }
        }
    }
}
