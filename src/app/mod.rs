//! The TUI's state and how it changes (TEA style): `App` is the state, `update` turns input and
//! live updates into state changes and commands, and `ui::view` draws a frame from it.

pub mod lesson;
pub mod path;
pub mod tree;
pub mod update;

use crate::model::rates::RateTracker;
use crate::model::{Topology, build};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
pub use tree::{Group, NodeId, Row, RowKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Tree,
    Details,
    Counters,
    Explain,
}

impl Pane {
    pub fn next(self) -> Pane {
        match self {
            Pane::Tree => Pane::Details,
            Pane::Details => Pane::Counters,
            Pane::Counters => Pane::Explain,
            Pane::Explain => Pane::Tree,
        }
    }
    pub fn prev(self) -> Pane {
        match self {
            Pane::Tree => Pane::Explain,
            Pane::Details => Pane::Tree,
            Pane::Counters => Pane::Details,
            Pane::Explain => Pane::Counters,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeName {
    Default,
    Projector,
    Mono,
}

/// What the app asks of the outside world.
#[derive(Clone, Debug, PartialEq)]
pub enum Cmd {
    Quit,
    RefreshNow,
    Pause(bool),
    SetInterval(Duration),
    /// Namespaces whose counters the selected object needs.
    Watch(Vec<u64>),
    /// Whether the selected object shows rule counters that should move every tick.
    WatchFirewall(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
}

/// How long "what changed" stays highlighted.
pub const CHANGE_HIGHLIGHT: Duration = Duration::from_secs(5);
pub use crate::live::{MAX_INTERVAL, MIN_INTERVAL};

pub struct App {
    pub topology: Topology,
    pub rates: RateTracker,
    /// Whether anything has been read yet.
    pub loaded: bool,
    pub rows: Vec<Row>,
    /// Nodes whose expansion differs from the default.
    pub toggled: HashSet<NodeId>,
    pub selected: Option<NodeId>,
    /// Which row the selection is on when its object has several (a container on two bridges).
    pub selected_at: Option<usize>,
    /// First tree row on screen.
    pub tree_offset: usize,
    pub focus: Pane,
    pub filter: String,
    /// Typing into the filter.
    pub filtering: bool,
    pub help: bool,
    pub paused: bool,
    pub interval: Duration,
    /// Wall-clock time of the last update, as shown ("14:03:21").
    pub last_update: Option<String>,
    /// Recently added or removed objects, with their label, for the highlight.
    pub changes: HashMap<NodeId, (Change, String, Instant)>,
    pub theme: ThemeName,
    /// Terminal size, for mouse hit-testing with the same layout the view uses.
    pub size: (u16, u16),
    /// The time the view renders at (so rendering is a pure function of state).
    pub now: Instant,
    pub details_scroll: u16,
    pub explain_scroll: u16,
    pub quit: bool,
    /// What the live source said about Docker, newer than the last full read.
    pub docker_status: Option<(bool, Option<String>)>,
    /// Language of the concept notes.
    pub lang: crate::explain::Lang,
    /// The whole concept card is open over the screen.
    pub card: bool,
    pub card_scroll: u16,
    /// Packets per second through each firewall rule.
    pub rule_rates: crate::model::rule_rates::RuleRates,
    /// The object marked with `m` as the start of a path.
    pub path_from: Option<NodeId>,
    /// The last path asked for, shown over the screen while `path_open`, its hops highlighted.
    pub path: Option<crate::model::reach::PathReport>,
    pub path_open: bool,
    /// Tree rows on the path, highlighted.
    pub path_nodes: HashSet<NodeId>,
    /// A one-line hint about the path, for the status line.
    pub path_note: Option<String>,
    pub path_scroll: u16,
    /// The lesson being followed, if any.
    pub lesson: Option<lesson::LessonState>,
    /// The lesson picker (`L`) is open, with this row selected.
    pub lesson_picker: Option<usize>,
    /// Showing a saved snapshot ("replay of …", "demo") instead of this host.
    pub replay: Option<String>,
    /// Keys from the config file: typed key → the default key of its action ('\0': none).
    pub keymap: HashMap<char, char>,
}

impl App {
    pub fn new(now: Instant, interval: Duration, theme: ThemeName) -> App {
        App {
            topology: Topology::default(),
            rates: RateTracker::new(),
            loaded: false,
            rows: Vec::new(),
            toggled: HashSet::new(),
            selected: None,
            selected_at: None,
            tree_offset: 0,
            focus: Pane::Tree,
            filter: String::new(),
            filtering: false,
            help: false,
            paused: false,
            interval,
            last_update: None,
            changes: HashMap::new(),
            theme,
            size: (80, 24),
            now,
            details_scroll: 0,
            explain_scroll: 0,
            quit: false,
            docker_status: None,
            lang: crate::explain::Lang::En,
            card: false,
            card_scroll: 0,
            rule_rates: Default::default(),
            path_from: None,
            path: None,
            path_open: false,
            path_nodes: HashSet::new(),
            path_note: None,
            path_scroll: 0,
            lesson: None,
            lesson_picker: None,
            replay: None,
            keymap: HashMap::new(),
        }
    }

    /// Install a new topology: keep the selection on the same object, note what changed.
    pub fn set_topology(&mut self, topology: Topology, now: Instant) {
        if self.loaded {
            let before = all_labels(&self.topology);
            let after = all_labels(&topology);
            for (id, label) in &after {
                if !before.contains_key(id) {
                    self.changes.insert(id.clone(), (Change::Added, label.clone(), now));
                }
            }
            for (id, label) in before {
                if !after.contains_key(&id) {
                    self.changes.insert(id, (Change::Removed, label, now));
                }
            }
        }
        self.topology = topology;
        self.loaded = true;
        self.docker_status = None;
        self.refresh_rows();
        lesson::evaluate(self);
    }

    pub fn set_observation(&mut self, obs: &crate::model::Observation, now: Instant) {
        self.set_topology(build(obs), now);
    }

    /// Rebuild the rows after the topology, expansion or filter changed.
    pub fn refresh_rows(&mut self) {
        let previous = self.selected_index();
        let old = std::mem::replace(&mut self.rows, tree::rows(&self.topology, &self.toggled, &self.filter));
        let still_there = self.selected.as_ref().is_some_and(|id| self.rows.iter().any(|r| &r.id == id));
        if !still_there {
            // The object is gone (or filtered out): go to its closest ancestor that is still shown.
            let ancestor = previous.and_then(|i| {
                let mut depth = old[i].depth;
                old[..i].iter().rev().find_map(|r| {
                    if r.depth >= depth {
                        return None;
                    }
                    depth = r.depth;
                    self.rows.iter().any(|n| n.id == r.id).then(|| r.id.clone())
                })
            });
            self.selected = ancestor.or_else(|| {
                let i = previous.unwrap_or(0).min(self.rows.len().saturating_sub(1));
                self.rows.get(i).map(|r| r.id.clone())
            });
        }
    }

    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected.as_ref()?;
        match self.selected_at {
            Some(i) if self.rows.get(i).is_some_and(|r| &r.id == id) => Some(i),
            _ => self.rows.iter().position(|r| &r.id == id),
        }
    }

    /// Select the object on row `i`, on that very row.
    pub fn select_row(&mut self, i: usize) {
        if let Some(r) = self.rows.get(i) {
            self.selected = Some(r.id.clone());
            self.selected_at = Some(i);
        }
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.selected_index().map(|i| &self.rows[i])
    }

    /// Forget highlights older than CHANGE_HIGHLIGHT.
    pub fn expire_changes(&mut self, now: Instant) {
        self.changes.retain(|_, (_, _, at)| now.duration_since(*at) < CHANGE_HIGHLIGHT);
    }

    /// Docker as the status bar should show it.
    pub fn docker(&self) -> (bool, Option<&str>) {
        match &self.docker_status {
            Some((up, err)) => (*up, err.as_deref()),
            None => (self.topology.docker.available, self.topology.docker.error.as_deref()),
        }
    }
}

/// Every node of the tree with its label, expanded or not.
pub(crate) fn all_labels(t: &Topology) -> HashMap<NodeId, String> {
    tree::all_rows(t).into_iter().filter(|r| r.kind != RowKind::Group).map(|r| (r.id, r.text)).collect()
}

impl App {
    /// Scroll the tree so the selected row is on screen, using the layout the view will draw.
    pub fn ensure_selection_visible(&mut self) {
        let area = ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1);
        if crate::ui::layout::too_small(area) {
            return; // nothing of the tree is drawn: keep the scroll for when it is again
        }
        let height = usize::from(crate::ui::layout::layout(area).tree.height.saturating_sub(2)).max(1);
        // Never leave empty lines below the last row while rows are hidden above.
        self.tree_offset = self.tree_offset.min(self.rows.len().saturating_sub(height));
        if let Some(i) = self.selected_index() {
            if i < self.tree_offset {
                self.tree_offset = i;
            } else if i >= self.tree_offset + height {
                self.tree_offset = i + 1 - height;
            }
        }
    }
}
