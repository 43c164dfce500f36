//! `netview path`: a reachability verdict, its hops, why, and what was not evaluated.

use super::firewall::hook_summary;
use super::style::{Style, safe};
use crate::model::reach::{PathReport, Reach};

pub fn text(r: &PathReport, style: Style) -> Vec<String> {
    let what = match r.port {
        Some(p) => format!("{}/{p}", r.protocol),
        None => r.protocol.clone(),
    };
    let to = match r.to.address {
        Some(a) if !r.to.label.contains(&a.to_string()) => format!("{} ({a})", safe(&r.to.label)),
        _ => safe(&r.to.label),
    };
    let verdict = match r.verdict {
        Reach::Reachable => style.heading("REACHABLE"),
        Reach::Blocked => style.warn("BLOCKED"),
        Reach::LeavesHost => style.heading("LEAVES THIS HOST"),
        Reach::Unknown => style.warn("UNKNOWN"),
    };
    let mut lines = vec![format!("{} → {to}, {what}: {verdict}", safe(&r.from.label))];
    if let Some(why) = &r.reason {
        lines.push(format!("  why: {}", safe(why)));
    }
    lines.push(style.heading("hops"));
    for (i, h) in r.hops.iter().enumerate() {
        lines.push(format!("  {:>2}. {}", i + 1, safe(&h.text)));
    }
    if !r.walks.is_empty() {
        lines.push(style.heading("firewall"));
        for w in &r.walks {
            lines.push(format!("  {}", hook_summary(w)));
        }
    }
    lines.push(style.heading("not evaluated"));
    for l in &r.limits {
        lines.push(format!("  - {}", safe(l)));
    }
    lines
}

/// Run `netview path` on one observation and print the verdict.
pub fn command(
    obs: &crate::model::Observation,
    from: &str,
    to: &str,
    port: Option<u16>,
    proto: Option<crate::cli::Protocol>,
    json: bool,
) -> anyhow::Result<std::process::ExitCode> {
    use crate::cli::Protocol;
    use anyhow::Context;
    use std::io::Write;
    use std::process::ExitCode;
    let t = crate::model::build(obs);
    let places = crate::model::reach::resolve(&t, from).and_then(|f| Ok((f, crate::model::reach::resolve(&t, to)?)));
    let (from, to) = match places {
        Ok(p) => p,
        Err(e) => {
            eprintln!("netview: {}", safe(&e));
            return Ok(ExitCode::from(2));
        }
    };
    let protocol = match (proto, port) {
        (Some(Protocol::Udp), _) => "udp",
        (Some(Protocol::Tcp), _) | (None, Some(_)) => "tcp",
        (Some(Protocol::Icmp), _) | (None, None) => "icmp",
    };
    let port = if protocol == "icmp" { None } else { port };
    let report = crate::model::reach::path(&t, (&obs.firewall).into(), from, to, protocol, port);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &report).context("writing the report")?;
        writeln!(out).context("writing the report")?;
    } else {
        for l in text(&report, Style::for_stdout()) {
            writeln!(out, "{l}").context("writing the report")?;
        }
    }
    out.flush().context("writing the report")?;
    Ok(ExitCode::from(match report.verdict {
        Reach::Reachable | Reach::LeavesHost => 0,
        Reach::Blocked => 1,
        Reach::Unknown => 3,
    }))
}
