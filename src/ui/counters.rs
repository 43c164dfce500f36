//! Counters and rates of the selected object's interfaces, with a sparkline of the last minute.

use super::pane_block;
use super::theme::Theme;
use crate::app::{App, NodeId, Pane};
use crate::model::rates::{IfKey, Rate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

/// One interface to show: its label, its counters key, and whether the numbers are read from the
/// other end of its veth (then RX and TX swap: what one end sends, the other receives).
struct Source {
    label: String,
    key: IfKey,
    mirrored_from: Option<IfKey>,
}

fn sources(app: &App) -> (Vec<Source>, Option<String>) {
    let t = &app.topology;
    let mut out = Vec::new();
    let mut note = None;
    match &app.selected {
        Some(NodeId::Interface { ns, ifindex }) => {
            if let Some(i) = t.namespace(*ns).and_then(|n| n.interface(*ifindex)) {
                out.push(Source { label: i.name.clone(), key: (*ns, *ifindex), mirrored_from: None });
                if i.kind.as_deref() == Some("veth") {
                    note = Some(format!(
                        "{}'s TX is its peer {}'s RX, and its RX the peer's TX.",
                        i.name,
                        i.peer.as_ref().and_then(|p| p.name.clone()).unwrap_or_else(|| "end".into())
                    ));
                }
            }
        }
        Some(NodeId::Container(id)) => {
            let c = t.docker.containers.iter().find(|c| &c.id == id);
            // A container in another's namespace (container: mode) has that one's interfaces.
            let c = c.and_then(|c| match &c.shares_namespace_with {
                Some(owner) => t.container(owner),
                None => Some(c),
            });
            if let Some(c) = c {
                for e in &c.endpoints {
                    let (Some(name), Some(idx), Some(ns)) = (&e.interface, e.interface_ifindex, c.namespace) else {
                        continue;
                    };
                    let key = (ns, idx);
                    let host_key = e.host_namespace.zip(e.host_ifindex);
                    // Until the container's own namespace has been sampled, its host-side veth tells the same story.
                    let mirrored_from = host_key.filter(|_| app.rates.get(&key).is_none());
                    out.push(Source { label: format!("{name} ({})", e.network), key, mirrored_from });
                }
                if out.iter().any(|s| s.mirrored_from.is_some()) {
                    note = Some("read from the host end of each veth (RX/TX swapped)".into());
                }
            }
        }
        Some(NodeId::Namespace(inode)) => {
            if let Some(n) = t.namespace(*inode) {
                for i in n.interfaces.iter().filter(|i| i.name != "lo") {
                    out.push(Source { label: i.name.clone(), key: (*inode, i.ifindex), mirrored_from: None });
                }
            }
        }
        Some(NodeId::Network(id)) => {
            if let Some(b) = t.docker.networks.iter().find(|n| &n.id == id).and_then(|n| n.bridge.as_deref())
                && let Some(h) = t.host_namespace()
                && let Some(i) = h.interface_named(b)
            {
                out.push(Source { label: b.to_string(), key: (h.inode, i.ifindex), mirrored_from: None });
            }
        }
        Some(NodeId::Host) => {
            if let Some(h) = t.host_namespace()
                && let Some(nic) = t.host.default_route.as_ref().and_then(|r| r.interface.as_deref())
                && let Some(i) = h.interface_named(nic)
            {
                out.push(Source { label: nic.to_string(), key: (h.inode, i.ifindex), mirrored_from: None });
            }
        }
        _ => {}
    }
    (out, note)
}

/// The rate for a source, with RX and TX swapped when read from the other end of the veth.
fn rate_of(app: &App, s: &Source) -> Option<Rate> {
    match s.mirrored_from {
        None => app.rates.get(&s.key).cloned(),
        Some(k) => app.rates.get(&k).map(Rate::swapped),
    }
}

pub fn human_bytes(v: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = v;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{v:.0} {}", UNITS[u]) } else { format!("{v:.1} {}", UNITS[u]) }
}

fn per_sec(v: Option<f64>, bytes: bool) -> String {
    match v {
        None => "…".into(),
        Some(v) if bytes => human_bytes(v),
        Some(v) => format!("{v:.0}"),
    }
}

/// How much of the table fits: rates only, then packets and errors, then totals.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Width {
    Compact,
    Narrow,
    Wide,
}

impl Width {
    fn for_columns(columns: u16) -> Width {
        match columns {
            0..60 => Width::Compact,
            60..82 => Width::Narrow,
            _ => Width::Wide,
        }
    }
}

/// Columns after the label, for each width.
fn fixed_columns(width: Width) -> usize {
    match width {
        Width::Compact => 22,
        Width::Narrow => 48,
        Width::Wide => 70,
    }
}

/// As wide as the longest label (at least 12), as far as the pane allows.
fn label_width(labels: &[&str], pane: u16, width: Width) -> usize {
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let room = usize::from(pane).saturating_sub(fixed_columns(width)).max(12);
    longest.clamp(12, room)
}

fn columns(label: &str, cells: [String; 8], width: Width, lw: usize) -> String {
    let [rx, tx, rxp, txp, rxt, txt, err, drop] = cells;
    let mut line = format!("{label:<lw$.lw$} {rx:>10} {tx:>10}");
    if width >= Width::Narrow {
        line.push_str(&format!(" {rxp:>7} {txp:>7} {err:>4} {drop:>4}"));
    }
    if width == Width::Wide {
        line.push_str(&format!(" {rxt:>10} {txt:>10}"));
    }
    line
}

fn row(label: &str, r: &Rate, width: Width, lw: usize) -> String {
    let s = &r.totals;
    columns(
        label,
        [
            per_sec(r.rx_bps, true),
            per_sec(r.tx_bps, true),
            per_sec(r.rx_pps, false),
            per_sec(r.tx_pps, false),
            human_bytes(s.rx_bytes as f64),
            human_bytes(s.tx_bytes as f64),
            (s.rx_errors + s.tx_errors).to_string(),
            (s.rx_dropped + s.tx_dropped).to_string(),
        ],
        width,
        lw,
    )
}

fn header(width: Width, lw: usize) -> String {
    let cells = ["rx/s", "tx/s", "rx pkt", "tx pkt", "rx total", "tx total", "err", "drop"].map(String::from);
    columns("interface", cells, width, lw)
}

pub fn render(app: &App, t: &Theme, frame: &mut Frame, area: Rect) {
    let block = pane_block(app, t, Pane::Counters, "Counters");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (sources, note) = sources(app);
    if sources.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled("no interface selected", t.dim)), inner);
        return;
    }
    let rates: Vec<(String, Option<Rate>)> = sources.iter().map(|s| (s.label.clone(), rate_of(app, s))).collect();
    let wide = Width::for_columns(inner.width);
    let labels: Vec<&str> = rates.iter().map(|(l, _)| l.as_str()).collect();
    let lw = label_width(&labels, inner.width, wide);
    let mut lines = vec![Line::styled(header(wide, lw), t.dim)];
    for (label, r) in &rates {
        match r {
            Some(r) => lines.push(Line::raw(row(label, r, wide, lw))),
            None => lines.push(Line::styled(format!("{label:<16} waiting for a sample"), t.dim)),
        }
    }
    let present: Vec<Rate> = rates.iter().filter_map(|(_, r)| r.clone()).collect();
    let total = present.split_first().map(|(first, rest)| {
        let mut total = first.clone();
        rest.iter().for_each(|r| total.add(r));
        total
    });
    if present.len() > 1
        && let Some(s) = &total
    {
        lines.push(Line::styled(row("all together", s, wide, lw), t.title));
    }
    if let Some(n) = note {
        lines.push(Line::from(Span::styled(n, t.dim)));
    }
    let text_height = (lines.len() as u16).min(inner.height);
    let [text_area, spark_area] = Layout::vertical([Constraint::Length(text_height), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), text_area);
    if spark_area.height > 0
        && let Some(s) = total
    {
        // Received plus sent bytes per second over the last minute, newest on the right.
        let data: Vec<u64> = s.history_rx.iter().zip(s.history_tx.iter()).map(|(a, b)| a + b).collect();
        let start = data.len().saturating_sub(usize::from(spark_area.width));
        let shown = &data[start..];
        // A quiet interface draws an empty line, not full bars: the scale never drops below 1 B/s.
        let max = shown.iter().copied().max().unwrap_or(0).max(1);
        frame.render_widget(Sparkline::default().data(shown).max(max).style(t.ok), spark_area);
    }
}
