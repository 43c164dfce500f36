//! A lesson in the TUI: which step, which steps are done on the live model, what glows in the
//! tree, and what changed since the step began.

use super::{App, Group, NodeId};
use crate::lessons::{self, Lesson, Vars, checks};
use crate::model::Topology;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, Default)]
pub struct LessonState {
    pub id: String,
    pub step: usize,
    pub vars: Vars,
    /// Per step: whether its check holds on the current model.
    pub done: Vec<bool>,
    /// Objects (and their labels) when the current step began, to show what changed since.
    pub baseline: HashMap<NodeId, String>,
    /// Rows that glow for the current step.
    pub highlight: HashSet<NodeId>,
    /// Labels of objects added and removed since the step began, as of the last update.
    pub changed: (Vec<String>, Vec<String>),
}

impl App {
    pub fn lesson_data(&self) -> Option<&'static Lesson> {
        lessons::lesson(self.lang, &self.lesson.as_ref()?.id)
    }
}

/// Open a lesson by id or number; false when there is none.
pub fn open(app: &mut App, id: &str) -> bool {
    let Some(l) = lessons::lesson(app.lang, id) else { return false };
    app.lesson = Some(LessonState { id: l.id.clone(), ..Default::default() });
    begin_step(app, 0);
    true
}

pub fn close(app: &mut App) {
    app.lesson = None;
}

/// Move to step `i`: the baseline for "what changed" starts now.
pub fn begin_step(app: &mut App, i: usize) {
    let labels = super::all_labels(&app.topology);
    let Some(s) = app.lesson.as_mut() else { return };
    s.step = i;
    s.baseline = labels;
    evaluate(app);
}

pub fn next(app: &mut App) {
    let (Some(l), Some(s)) = (app.lesson_data(), app.lesson.as_ref()) else { return };
    if s.step + 1 < l.step.len() {
        let i = s.step + 1;
        begin_step(app, i);
    }
}

pub fn prev(app: &mut App) {
    if let Some(i) = app.lesson.as_ref().map(|s| s.step).filter(|i| *i > 0) {
        begin_step(app, i - 1);
    }
}

/// Re-check every step on the current model (after each update).
pub fn evaluate(app: &mut App) {
    let Some(l) = app.lesson_data() else { return };
    let host_ip = host_ip(&app.topology);
    let loaded = app.loaded;
    let labels = super::all_labels(&app.topology);
    let t = &app.topology;
    let Some(s) = app.lesson.as_mut() else { return };
    // Opened before the first read (`--lesson`): the step begins with the first picture.
    if loaded && s.baseline.is_empty() {
        s.baseline = labels.clone();
    }
    s.changed = diff(&s.baseline, &labels);
    s.vars.host_ip = host_ip;
    s.done = l.step.iter().map(|st| checks::holds(t, &st.check, &s.vars)).collect();
    let selectors = l.step.get(s.step).map_or(&[][..], |st| &st.highlight[..]);
    s.highlight = selectors.iter().filter_map(|sel| resolve(t, &s.vars.fill(sel))).collect();
}

/// The host's address on its default route, for `{host_ip}`.
pub fn host_ip(t: &Topology) -> Option<String> {
    let r = t.host.default_route.as_ref()?;
    r.addresses.iter().find(|a| a.contains('.')).map(|a| crate::model::net::strip_prefix_len(a).to_string())
}

/// Objects added and removed since the step began, by label (worked out on each update, not per frame).
pub fn changes(app: &App) -> (Vec<String>, Vec<String>) {
    app.lesson.as_ref().map(|s| s.changed.clone()).unwrap_or_default()
}

fn diff(baseline: &HashMap<NodeId, String>, now: &HashMap<NodeId, String>) -> (Vec<String>, Vec<String>) {
    let mut added: Vec<String> =
        now.iter().filter(|(id, _)| !baseline.contains_key(id)).map(|(_, l)| l.clone()).collect();
    let mut removed: Vec<String> =
        baseline.iter().filter(|(id, _)| !now.contains_key(id)).map(|(_, l)| l.clone()).collect();
    added.sort();
    added.dedup();
    removed.sort();
    removed.dedup();
    (added, removed)
}

/// A highlight selector to the tree row it names.
pub fn resolve(t: &Topology, selector: &str) -> Option<NodeId> {
    let (kind, name) = selector.split_once(':')?;
    let host = t.host_namespace()?;
    let iface = |n: &str| host.interface_named(n).map(|i| NodeId::Interface { ns: host.inode, ifindex: i.ifindex });
    match kind {
        "container" => t.docker.containers.iter().find(|c| c.name == name).map(|c| NodeId::Container(c.id.clone())),
        "network" => t.network(name).map(|n| NodeId::Network(n.id.clone())),
        "bridge" if name == "default" => iface(checks::default_network(t)?.bridge.as_deref()?),
        "bridge" => t.network(name).and_then(|n| n.bridge.as_deref()).and_then(iface).or_else(|| iface(name)),
        "nic" => iface(t.host.default_route.as_ref()?.interface.as_deref()?),
        "group" => Some(NodeId::Group(match name {
            "ports" => Group::Ports,
            "kubernetes" => Group::Kubernetes,
            _ => Group::Networks,
        })),
        "namespace" => t
            .namespaces
            .iter()
            .find(|n| n.paths.iter().any(|p| p == &format!("/run/netns/{name}")))
            .map(|n| NodeId::Namespace(n.inode)),
        _ => None,
    }
}
