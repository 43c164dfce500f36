//! `netview merge a.json b.json …`: several nodes' snapshots as one cluster, in text or JSON.

use super::style::safe;
use super::table::Table;
use crate::model::SCHEMA;
use crate::model::Topology;
use crate::model::cluster::{Cluster, Node, Overlay, PlacementKind, merge};
use std::path::{Path, PathBuf};

/// The cluster as deterministic plain text.
pub fn text(c: &Cluster) -> Vec<String> {
    let mut lines = Vec::new();
    let (containers, namespaces) = c
        .containers
        .iter()
        .fold((0, 0), |(c, n), p| if p.kind == PlacementKind::Container { (c + 1, n) } else { (c, n + 1) });
    let mut counts =
        vec![plural(c.nodes.len(), "node"), plural(c.overlays.len(), "overlay"), plural(containers, "container")];
    if namespaces > 0 {
        counts.push(plural(namespaces, "other namespace"));
    }
    counts.push(plural(c.tunnels.len(), "tunnel"));
    lines.push(format!("CLUSTER  {}", counts.join(", ")));

    lines.push(String::new());
    lines.push("NODES".into());
    let mut tb =
        Table::new(&["NAME", "HOSTNAME", "ADDRESSES", "KERNEL", "DOCKER", "NS", "CONTAINERS", "VXLAN", "SOURCE"]);
    for n in &c.nodes {
        let docker = match (&n.docker_engine, n.docker_available) {
            (Some(v), true) => safe(v),
            (_, true) => "yes".into(),
            (_, false) => "-".into(),
        };
        let ns = if n.left_out_namespaces > 0 {
            format!("{} (+{} left out)", n.namespaces, n.left_out_namespaces)
        } else {
            n.namespaces.to_string()
        };
        tb.row(vec![
            safe(&n.name),
            or_dash(n.hostname.as_deref()),
            list(&n.addresses),
            or_dash(n.kernel.as_deref()),
            docker,
            ns,
            format!("{}/{}", n.running_containers, n.containers),
            n.vxlan_devices.to_string(),
            safe(&n.source),
        ]);
    }
    lines.extend(tb.render("  "));

    lines.push(String::new());
    lines.push("OVERLAYS".into());
    if c.overlays.is_empty() {
        lines.push("  none: no VXLAN device and no Docker overlay network on any node".into());
    }
    for o in &c.overlays {
        overlay(o, c.nodes.len(), &mut lines);
    }

    lines.push(String::new());
    lines.push("CONTAINERS".into());
    if c.containers.is_empty() {
        lines.push("  none".into());
    } else {
        let mut tb = Table::new(&["NAME", "NODE", "KIND", "STATE", "NETWORKS", "ADDRESSES", "ID"]);
        for p in &c.containers {
            let networks = match &p.shares_namespace_with {
                Some(s) if p.networks.is_empty() => format!("(namespace of {})", safe(s)),
                _ => list(&p.networks),
            };
            tb.row(vec![
                safe(&p.name),
                safe(&p.node),
                match p.kind {
                    PlacementKind::Container => "container".into(),
                    PlacementKind::Namespace => "namespace".into(),
                },
                or_dash(p.state.as_deref()),
                networks,
                list(&p.addresses),
                p.id.as_deref().map_or_else(|| "-".into(), |id| safe(id.get(..12).unwrap_or(id))),
            ]);
        }
        lines.extend(tb.render("  "));
    }

    lines.push(String::new());
    lines.push("TUNNELS".into());
    if c.tunnels.is_empty() {
        lines.push("  none".into());
    } else {
        let mut tb = Table::new(&["FROM", "DEVICE", "VNI", "PORT", "LOCAL", "REMOTE", "TO NODE", "FOUND BY"]);
        let mut problems = Vec::new();
        for t in &c.tunnels {
            let from = format!("{} {}", safe(&t.node), safe(&t.device));
            tb.row(vec![
                safe(&t.node),
                format!("{} ({})", safe(&t.device), safe(&t.namespace)),
                t.vni.map_or_else(|| "-".into(), |v| v.to_string()),
                t.port.map_or_else(|| "-".into(), |p| p.to_string()),
                or_dash(t.local.as_deref()),
                or_dash(t.remote.as_deref()),
                t.remote_node.as_deref().map_or_else(|| "?".into(), safe),
                t.source.as_str().into(),
            ]);
            problems.extend(t.problems.iter().map(|p| format!("  ! {from}: {}", safe(p))));
        }
        lines.extend(tb.render("  "));
        problems.dedup();
        lines.extend(problems);
    }

    if !c.notes.is_empty() {
        lines.push(String::new());
        lines.push("NOTES".into());
        lines.extend(c.notes.iter().map(|n| format!("  - {}", safe(n))));
    }
    lines
}

fn overlay(o: &Overlay, node_count: usize, lines: &mut Vec<String>) {
    let mut head = format!("  {}", safe(&o.key));
    if !o.names.is_empty() {
        head.push_str(&format!("  {}", list(&o.names)));
    }
    if !o.subnets.is_empty() {
        head.push_str(&format!("  subnets {}", list(&o.subnets)));
    }
    match o.nodes.as_slice() {
        [only] if node_count > 1 => head.push_str(&format!("  only on {}", safe(&only.node))),
        _ => head.push_str(&format!("  on {}", plural(o.nodes.len(), "node"))),
    }
    lines.push(head);
    let mut tb = Table::new(&["NODE", "DEVICE", "VNI", "PORT", "LOCAL", "REMOTE/GROUP", "BRIDGE", "MEMBERS"]);
    for n in &o.nodes {
        if n.devices.is_empty() {
            let why = if n.docker_network.is_some() { "listed by Docker, no overlay sandbox here" } else { "-" };
            tb.row(vec![
                safe(&n.node),
                why.into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                list(&n.members),
            ]);
        }
        for d in &n.devices {
            tb.row(vec![
                safe(&n.node),
                format!("{} ({})", safe(&d.name), safe(&d.namespace)),
                d.vni.map_or_else(|| "-".into(), |v| v.to_string()),
                d.port.map_or_else(|| "-".into(), |p| p.to_string()),
                or_dash(d.local.as_deref()),
                or_dash(d.group.as_deref()),
                or_dash(d.bridge.as_deref()),
                list(&n.members),
            ]);
        }
    }
    lines.extend(tb.render("    "));
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

fn or_dash(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).map_or_else(|| "-".to_string(), safe)
}

fn list(v: &[String]) -> String {
    if v.is_empty() { "-".into() } else { v.iter().map(|s| safe(s)).collect::<Vec<_>>().join(", ") }
}

/// Read one node's snapshot (`netview --snapshot --json`). The error names the file, and for bad
/// JSON the line and column.
pub fn read_node(path: &Path) -> Result<Node, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read it: {e}"))?;
    parse_node(&shown, &text)
}

/// Parse one node's snapshot read from `source`.
pub fn parse_node(source: &str, text: &str) -> Result<Node, String> {
    let hint = "make one with `netview --snapshot --json > node.json`";
    let probe: serde_json::Value = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => {
            format!("{source}:{}:{}: not valid JSON: {} (the file is cut short)", e.line(), e.column(), message(&e))
        }
        _ => format!("{source}:{}:{}: not valid JSON: {}", e.line(), e.column(), message(&e)),
    })?;
    let Some(object) = probe.as_object() else {
        return Err(format!(
            "{source}: not a netview snapshot (expected a JSON object with \"schema\": {SCHEMA}); {hint}"
        ));
    };
    match object.get("schema") {
        None => return Err(format!("{source}: not a netview snapshot: it has no \"schema\" field; {hint}")),
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(SCHEMA)) => {}
        Some(other) => {
            return Err(format!(
                "{source}: snapshot schema {other} is not supported: this netview reads schema {SCHEMA}; {hint}"
            ));
        }
    }
    drop(probe);
    let topology: Topology = serde_json::from_str(text).map_err(|e| {
        format!("{source}:{}:{}: not a schema {SCHEMA} netview snapshot: {}", e.line(), e.column(), message(&e))
    })?;
    Ok(Node::new(source, topology))
}

/// serde_json's message without its " at line L column C" tail (given separately).
fn message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    s.strip_suffix(&tail).map_or(s.clone(), str::to_string)
}

/// `netview merge FILE…`: read every snapshot, merge, print. Exit 2 when a file cannot be used.
pub fn command(paths: &[PathBuf], json: bool) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    if paths.is_empty() {
        eprintln!("netview: merge needs one or more snapshots (netview --snapshot --json > node.json on each node)");
        return Ok(ExitCode::from(2));
    }
    let mut nodes = Vec::new();
    let mut failed = false;
    for p in paths {
        match read_node(p) {
            Ok(n) => nodes.push(n),
            Err(e) => {
                eprintln!("netview: {}", safe(&e));
                failed = true;
            }
        }
    }
    if failed {
        return Ok(ExitCode::from(2));
    }
    let cluster = merge(nodes);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&cluster, json, &mut out) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A closed stdout (`netview merge … | head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(anyhow::Error::new(e).context("writing the cluster")),
    }
}

/// `netview merge --tui FILE…`: the merged cluster in a scrollable terminal page.
pub fn tui(paths: &[PathBuf]) -> anyhow::Result<std::process::ExitCode> {
    use std::io::IsTerminal;
    use std::process::ExitCode;
    if !std::io::stdout().is_terminal() {
        eprintln!("netview: --tui needs a terminal; without it `netview merge` prints the cluster");
        return Ok(ExitCode::from(2));
    }
    let mut nodes = Vec::new();
    for p in paths {
        match read_node(p) {
            Ok(n) => nodes.push(n),
            Err(e) => {
                eprintln!("netview: {}", safe(&e));
                return Ok(ExitCode::from(2));
            }
        }
    }
    let cluster = merge(nodes);
    let title = format!("cluster of {} nodes", cluster.nodes.len());
    crate::ui::pager::run(crate::ui::pager::Pager { title, lines: text(&cluster), offset: 0 })?;
    Ok(ExitCode::SUCCESS)
}

/// The cluster as `netview merge` prints it: text, or pretty JSON with a final newline.
pub fn write(cluster: &Cluster, json: bool, out: &mut impl std::io::Write) -> std::io::Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, cluster)?;
        writeln!(out)?;
    } else {
        for l in text(cluster) {
            writeln!(out, "{l}")?;
        }
    }
    out.flush()
}
