//! Input and live updates → state changes and commands.

use super::{App, Cmd, MAX_INTERVAL, MIN_INTERVAL, NodeId, Pane};
use crate::live::Update;
use crate::ui::layout::{Areas, layout};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::time::{Duration, Instant};

/// Apply one update from the live source.
pub fn on_update(app: &mut App, update: Update, clock: &str) -> Vec<Cmd> {
    match update {
        Update::Full { observation, sampled_at, .. } => {
            let samples: Vec<_> = observation
                .namespaces
                .iter()
                .flat_map(|n| n.links.iter().filter_map(move |l| Some(((n.id.inode, l.ifindex), l.stats?))))
                .collect();
            app.rule_rates.ingest(&observation.firewall.ruleset, sampled_at);
            app.set_observation(&observation, sampled_at);
            app.rates.ingest(samples, sampled_at);
            app.last_update = Some(clock.to_string());
            vec![watch(app), Cmd::WatchFirewall(watch_firewall(app))]
        }
        Update::Firewall { ruleset, conntrack, sampled_at } => {
            app.rule_rates.ingest(&ruleset, sampled_at);
            let fw = &app.topology.firewall;
            let obs = crate::model::FirewallObs {
                ruleset: *ruleset,
                proxies: fw.proxies.clone(),
                ip_forward: fw.ip_forward,
                bridge_nf_call_iptables: fw.bridge_nf_call_iptables,
                conntrack,
            };
            app.topology.firewall = crate::model::build::firewall_view(&app.topology, &obs);
            app.refresh_rows();
            super::lesson::evaluate(app);
            vec![]
        }
        Update::Topology { topology, sampled_at } => {
            let samples: Vec<_> = topology
                .namespaces
                .iter()
                .flat_map(|n| n.interfaces.iter().map(move |i| ((n.inode, i.ifindex), i.stats)))
                .collect();
            app.set_topology(*topology, sampled_at);
            app.rates.ingest(samples, sampled_at);
            app.last_update = Some(clock.to_string());
            vec![]
        }
        Update::Counters { samples, sampled_at } => {
            app.rates.ingest(samples, sampled_at);
            app.last_update = Some(clock.to_string());
            vec![]
        }
        Update::Docker { available, error } => {
            app.docker_status = Some((available, error));
            vec![]
        }
    }
}

/// The namespaces whose counters the selection needs beyond the host's.
pub fn watch(app: &App) -> Cmd {
    let t = &app.topology;
    let mut ns: Vec<u64> = match &app.selected {
        Some(NodeId::Namespace(i)) => vec![*i],
        Some(NodeId::Container(id)) => {
            t.docker.containers.iter().filter(|c| &c.id == id).filter_map(|c| c.namespace).collect()
        }
        Some(NodeId::Interface { ns, .. }) => vec![*ns],
        _ => vec![],
    };
    ns.retain(|i| t.host_namespace().is_none_or(|h| h.inode != *i));
    Cmd::Watch(ns)
}

/// Rule counters are re-read every tick only while something on screen shows them.
pub fn watch_firewall(app: &App) -> bool {
    use crate::lessons::Check;
    let t = &app.topology;
    // A lesson step waiting on rule counters (or tracked connections) needs them fresh too.
    let step = app.lesson_data().zip(app.lesson.as_ref()).and_then(|(l, s)| l.step.get(s.step));
    if step.is_some_and(|st| {
        matches!(
            st.check,
            Check::DnatCounted { .. } | Check::Tracked { .. } | Check::Published { .. } | Check::Proxy { .. }
        )
    }) {
        return true;
    }
    match &app.selected {
        Some(NodeId::PortMapping { .. }) | Some(NodeId::Group(super::Group::Ports)) => true,
        Some(NodeId::Container(id)) => {
            t.docker.containers.iter().any(|c| &c.id == id && t.firewall.ports.iter().any(|m| m.container == c.name))
        }
        _ => false,
    }
}

pub fn on_event(app: &mut App, event: Event, now: Instant) -> Vec<Cmd> {
    app.now = now;
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => on_key(app, k),
        Event::Mouse(m) => on_mouse(app, m),
        Event::Resize(w, h) => {
            app.size = (w, h);
            vec![]
        }
        _ => vec![],
    }
}

fn on_key(app: &mut App, mut k: KeyEvent) -> Vec<Cmd> {
    // Keys given other jobs in the config file (never while typing a filter).
    if !app.filtering
        && let KeyCode::Char(c) = k.code
        && let Some(&d) = app.keymap.get(&c)
    {
        k.code = KeyCode::Char(d);
    }
    if k.modifiers.contains(KeyModifiers::CONTROL) && matches!(k.code, KeyCode::Char('c')) {
        app.quit = true;
        return vec![Cmd::Quit];
    }
    if app.filtering {
        match k.code {
            KeyCode::Enter => app.filtering = false,
            KeyCode::Esc => {
                app.filtering = false;
                app.filter.clear();
                app.refresh_rows();
            }
            KeyCode::Backspace => {
                app.filter.pop();
                app.refresh_rows();
            }
            KeyCode::Char(c) => {
                app.filter.push(c);
                app.refresh_rows();
            }
            _ => {}
        }
        return vec![];
    }
    if app.card {
        match k.code {
            KeyCode::Char('e') | KeyCode::Esc | KeyCode::Enter => app.card = false,
            KeyCode::Up | KeyCode::Char('k') => app.card_scroll = add(app.card_scroll, -1),
            KeyCode::Down | KeyCode::Char('j') => app.card_scroll = add(app.card_scroll, 1),
            KeyCode::PageUp => app.card_scroll = add(app.card_scroll, -10),
            KeyCode::PageDown => app.card_scroll = add(app.card_scroll, 10),
            KeyCode::Char('q') => {
                app.quit = true;
                return vec![Cmd::Quit];
            }
            _ => {}
        }
        return vec![];
    }
    if let Some(i) = app.lesson_picker {
        let n = crate::lessons::catalog(app.lang).len();
        match k.code {
            KeyCode::Esc | KeyCode::Char('L') => app.lesson_picker = None,
            KeyCode::Up | KeyCode::Char('k') => app.lesson_picker = Some(i.saturating_sub(1)),
            KeyCode::Down | KeyCode::Char('j') => app.lesson_picker = Some((i + 1).min(n.saturating_sub(1))),
            KeyCode::Enter => {
                app.lesson_picker = None;
                if let Some(l) = crate::lessons::catalog(app.lang).get(i) {
                    super::lesson::open(app, &l.id.clone());
                }
            }
            KeyCode::Char('q') => {
                app.quit = true;
                return vec![Cmd::Quit];
            }
            _ => {}
        }
        return vec![];
    }
    if app.path_open {
        match k.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('m') => app.path_open = false,
            KeyCode::Up | KeyCode::Char('k') => app.path_scroll = add(app.path_scroll, -1),
            KeyCode::Down | KeyCode::Char('j') => app.path_scroll = add(app.path_scroll, 1),
            KeyCode::Char('q') => {
                app.quit = true;
                return vec![Cmd::Quit];
            }
            _ => {}
        }
        return vec![];
    }
    if app.help {
        // Any key closes the help; q still quits.
        app.help = false;
        if !matches!(k.code, KeyCode::Char('q')) {
            return vec![];
        }
    }
    let before = app.selected.clone();
    let mut cmds = match k.code {
        KeyCode::Char('q') => {
            app.quit = true;
            vec![Cmd::Quit]
        }
        KeyCode::Esc if !app.filter.is_empty() => {
            app.filter.clear();
            app.refresh_rows();
            vec![]
        }
        KeyCode::Esc if app.path.is_some() || app.path_from.is_some() => {
            super::path::clear(app);
            vec![]
        }
        KeyCode::Esc if app.lesson.is_some() => {
            super::lesson::close(app);
            vec![]
        }
        KeyCode::Char('L') => {
            let current =
                app.lesson.as_ref().and_then(|s| crate::lessons::catalog(app.lang).iter().position(|l| l.id == s.id));
            app.lesson_picker = Some(current.unwrap_or(0));
            vec![]
        }
        KeyCode::Char('n') if app.lesson.is_some() => {
            super::lesson::next(app);
            vec![Cmd::WatchFirewall(watch_firewall(app))]
        }
        KeyCode::Char('p') if app.lesson.is_some() => {
            super::lesson::prev(app);
            vec![Cmd::WatchFirewall(watch_firewall(app))]
        }
        KeyCode::Char('P') => {
            app.paused = !app.paused;
            vec![Cmd::Pause(app.paused)]
        }
        KeyCode::Char('m') => {
            super::path::mark(app);
            app.path_scroll = 0;
            vec![]
        }
        KeyCode::Esc => {
            app.quit = true;
            vec![Cmd::Quit]
        }
        KeyCode::Char('?') => {
            app.help = true;
            vec![]
        }
        KeyCode::Char('e') => {
            app.card = true;
            app.card_scroll = 0;
            vec![]
        }
        KeyCode::Char('/') => {
            app.filtering = true;
            app.focus = Pane::Tree;
            vec![]
        }
        KeyCode::Tab => {
            app.focus = app.focus.next();
            vec![]
        }
        KeyCode::BackTab => {
            app.focus = app.focus.prev();
            vec![]
        }
        KeyCode::Char('r') => vec![Cmd::RefreshNow],
        KeyCode::Char('p') => {
            app.paused = !app.paused;
            vec![Cmd::Pause(app.paused)]
        }
        KeyCode::Char('+') | KeyCode::Char('=') => set_interval(app, app.interval * 2),
        KeyCode::Char('-') => set_interval(app, app.interval / 2),
        KeyCode::Up | KeyCode::Char('k') => scroll(app, -1),
        KeyCode::Down | KeyCode::Char('j') => scroll(app, 1),
        KeyCode::PageUp => scroll(app, -10),
        KeyCode::PageDown => scroll(app, 10),
        KeyCode::Home | KeyCode::Char('g') => scroll(app, i32::MIN / 2),
        KeyCode::End | KeyCode::Char('G') => scroll(app, i32::MAX / 2),
        KeyCode::Left | KeyCode::Char('h') => {
            collapse_or_parent(app);
            vec![]
        }
        KeyCode::Right | KeyCode::Char('l') => {
            expand_or_child(app);
            vec![]
        }
        KeyCode::Enter | KeyCode::Char(' ') => {
            toggle(app);
            vec![]
        }
        _ => vec![],
    };
    if app.selected != before {
        app.details_scroll = 0;
        app.explain_scroll = 0;
        cmds.push(watch(app));
        cmds.push(Cmd::WatchFirewall(watch_firewall(app)));
    }
    cmds
}

fn set_interval(app: &mut App, wanted: Duration) -> Vec<Cmd> {
    app.interval = wanted.clamp(MIN_INTERVAL, MAX_INTERVAL);
    vec![Cmd::SetInterval(app.interval)]
}

/// Move the selection in the tree, or scroll the focused pane.
fn scroll(app: &mut App, delta: i32) -> Vec<Cmd> {
    match app.focus {
        Pane::Tree => move_selection(app, delta),
        Pane::Details => app.details_scroll = add(app.details_scroll, delta),
        Pane::Explain => app.explain_scroll = add(app.explain_scroll, delta),
        Pane::Counters => {}
    }
    vec![]
}

fn add(v: u16, delta: i32) -> u16 {
    (i32::from(v) + delta).clamp(0, 10_000) as u16
}

pub fn move_selection(app: &mut App, delta: i32) {
    if app.rows.is_empty() {
        return;
    }
    let current = app.selected_index().unwrap_or(0) as i64;
    let last = app.rows.len() as i64 - 1;
    let i = (current + i64::from(delta)).clamp(0, last) as usize;
    app.select_row(i);
}

fn toggle(app: &mut App) {
    let Some(row) = app.selected_row() else { return };
    if !row.has_children {
        return;
    }
    let id = row.id.clone();
    if !app.toggled.remove(&id) {
        app.toggled.insert(id);
    }
    app.refresh_rows();
}

fn collapse_or_parent(app: &mut App) {
    let Some(i) = app.selected_index() else { return };
    let row = &app.rows[i];
    if row.expanded {
        toggle(app);
        return;
    }
    let depth = row.depth;
    if let Some(p) = app.rows[..i].iter().rposition(|r| r.depth < depth) {
        app.select_row(p);
    }
}

fn expand_or_child(app: &mut App) {
    let Some(i) = app.selected_index() else { return };
    let row = &app.rows[i];
    if !row.has_children {
        return;
    }
    if !row.expanded {
        toggle(app);
    } else if i + 1 < app.rows.len() {
        app.select_row(i + 1);
    }
}

fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Cmd> {
    let areas: Areas = layout(Rect::new(0, 0, app.size.0, app.size.1));
    let inside = |r: Rect| m.column >= r.x && m.column < r.x + r.width && m.row >= r.y && m.row < r.y + r.height;
    let pane = if inside(areas.tree) {
        Some(Pane::Tree)
    } else if inside(areas.details) {
        Some(Pane::Details)
    } else if inside(areas.counters) {
        Some(Pane::Counters)
    } else if inside(areas.explain) {
        Some(Pane::Explain)
    } else {
        None
    };
    let before = app.selected.clone();
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(p) = pane {
                app.focus = p;
            }
            let tree = areas.tree;
            // Rows sit inside the border: a click on the border selects nothing.
            let on_row = m.row > tree.y
                && m.row + 1 < tree.y + tree.height
                && m.column > tree.x
                && m.column + 1 < tree.x + tree.width;
            if pane == Some(Pane::Tree) && on_row {
                let line = usize::from(m.row - tree.y - 1);
                if app.tree_offset + line < app.rows.len() {
                    app.select_row(app.tree_offset + line);
                }
            }
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let delta = if m.kind == MouseEventKind::ScrollDown { 3 } else { -3 };
            if let Some(p) = pane {
                app.focus = p;
                scroll(app, delta);
            }
        }
        _ => {}
    }
    if app.selected != before { vec![watch(app)] } else { vec![] }
}
