//! `netview lab`: build small teaching topologies out of plain namespaces, bridges, veth pairs
//! and VXLAN devices, so a class can explore what Docker or Kubernetes would have built without
//! running either. This is the one part of netview that changes the system.
//!
//! Rules it keeps:
//! - everything it makes is named `nvlab-*` (namespaces, host links), and `down` removes only
//!   such objects; nothing else on the host is touched (no iptables, no sysctls);
//! - `up` is idempotent (a lab that is up is left as it is, its addresses and routes put back
//!   if someone removed them), `down` of a lab that is not up succeeds;
//! - a failed step stops the build, names the step, and removes whatever was half-built;
//! - only private ranges nobody else here uses: 10.230.0.0/24, 10.231-10.232.0.0/24, and
//!   10.244.0.0/16 for the Kubernetes node (flannel's default pod network, on purpose);
//! - every change is one `ip` command run as an argument vector with a time limit, printed as
//!   it runs so the class sees the commands.

mod exec;
mod labs;

use labs::{Kind, Lab};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

/// What `netview lab` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabAction {
    /// Build the named lab (or leave it as it is when it is already up).
    Up(String),
    /// Remove the named lab, or every lab (and any other `nvlab-*` object) with None.
    Down(Option<String>),
    /// One line per lab: up or down, what it has, what it models.
    List,
}

/// The labs, in the order `list` shows them.
pub fn names() -> &'static [&'static str] {
    &labs::NAMES
}

/// Runs the action, prints what it did to stdout (plain text), returns the exit code:
/// 0 done, 1 failed (not root, a step failed, an address range already in use), 2 unknown lab.
/// Problems go to stderr. Err only when stdout or stderr cannot be written.
pub fn run(action: LabAction) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    run_with(action, &mut stdout.lock(), &mut stderr.lock())
}

/// [`run`], writing to `out` what it did and to `err` what went wrong.
pub fn run_with(action: LabAction, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let name = match &action {
        LabAction::Up(name) | LabAction::Down(Some(name)) => Some(name.as_str()),
        LabAction::Down(None) | LabAction::List => None,
    };
    let lab = match name.map(|n| (n, labs::lab(n))) {
        Some((n, None)) => {
            writeln!(err, "netview lab: there is no lab called {n:?}. The labs are:")?;
            list_names(err)?;
            return Ok(ExitCode::from(2));
        }
        Some((_, Some(lab))) => Some(lab),
        None => None,
    };
    if !matches!(action, LabAction::List) && !nix::unistd::Uid::effective().is_root() {
        writeln!(
            err,
            "netview lab: building and removing labs creates namespaces and links, which needs root: \
             run it with sudo (netview lab list works without)"
        )?;
        return Ok(ExitCode::from(1));
    }
    match (&action, lab) {
        (LabAction::List, _) => list(out, err),
        (LabAction::Down(None), _) => down_all(out, err),
        (LabAction::Up(_), Some(lab)) => up(&lab, out, err),
        (LabAction::Down(Some(_)), Some(lab)) => down_one(&lab, out, err),
        (LabAction::Up(_) | LabAction::Down(Some(_)), None) => unreachable!("an unknown name returned above"),
    }
}

fn list_names(w: &mut dyn Write) -> std::io::Result<()> {
    for name in labs::NAMES {
        let lab = labs::lab(name).expect("every listed lab exists");
        writeln!(w, "  {name:<12} {}", lab.about)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// What exists

/// The `nvlab-*` namespaces and host links found, and the links inside those namespaces.
struct Found {
    namespaces: BTreeSet<String>,
    host_links: BTreeSet<String>,
    /// Links (without `lo`) inside each `nvlab-*` namespace; None when they could not be read.
    inner: Vec<(String, Option<BTreeSet<String>>)>,
}

impl Found {
    fn read() -> Result<Found, String> {
        let namespaces: BTreeSet<String> =
            exec::netns_names()?.into_iter().filter(|n| n.starts_with("nvlab-")).collect();
        let host_links = exec::link_names(None)?.into_iter().filter(|n| n.starts_with("nvlab-")).collect();
        let inner = namespaces
            .iter()
            .map(|ns| {
                let links = exec::link_names(Some(ns)).ok().map(|l| l.into_iter().filter(|n| n != "lo").collect());
                (ns.clone(), links)
            })
            .collect();
        Ok(Found { namespaces, host_links, inner })
    }

    fn inner_of(&self, ns: &str) -> Option<&BTreeSet<String>> {
        self.inner.iter().find(|(n, _)| n == ns).and_then(|(_, l)| l.as_ref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Every namespace and link it should have is there.
    Up,
    /// Some of its objects are there, not all.
    Partial,
    Down,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Up => "up",
            State::Partial => "partial",
            State::Down => "down",
        }
    }
}

/// What of `lab` exists: its state, and how many of its namespaces and links were found.
struct Presence {
    state: State,
    namespaces: usize,
    links: usize,
    /// Whether the links inside its namespaces could all be read (not as an ordinary user).
    complete_read: bool,
}

fn presence(lab: &Lab, found: &Found) -> Presence {
    let namespaces = lab.namespaces.iter().filter(|n| found.namespaces.contains(*n)).count();
    let host = lab.host_links.iter().filter(|l| found.host_links.contains(*l)).count();
    let transient = lab.transient.iter().filter(|l| found.host_links.contains(*l)).count();
    let mut inner = 0;
    let mut inner_expected = 0;
    let mut complete_read = true;
    for (ns, links) in &lab.inner {
        inner_expected += links.len();
        if !found.namespaces.contains(ns) {
            continue;
        }
        match found.inner_of(ns) {
            Some(have) => inner += links.iter().filter(|l| have.contains(*l)).count(),
            None => complete_read = false,
        }
    }
    let all = namespaces == lab.namespaces.len() && host == lab.host_links.len() && transient == 0;
    let state = if all && (!complete_read || inner == inner_expected) {
        State::Up
    } else if namespaces + host + transient > 0 {
        State::Partial
    } else {
        State::Down
    };
    Presence { state, namespaces, links: host + inner, complete_read }
}

/// Which lab owns a namespace or host link of this name, if any.
fn owner(name: &str) -> Option<&'static str> {
    labs::NAMES.into_iter().find(|n| {
        let lab = labs::lab(n).expect("every listed lab exists");
        lab.namespaces.iter().chain(lab.owned_host_links()).any(|o| o == name)
    })
}

// ---------------------------------------------------------------------------------------------
// list

fn list(out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let found = match Found::read() {
        Ok(f) => f,
        Err(e) => {
            writeln!(err, "netview lab list: cannot read namespaces and links: {e}")?;
            return Ok(ExitCode::from(1));
        }
    };
    let mut unreadable = false;
    for name in labs::NAMES {
        let lab = labs::lab(name).expect("every listed lab exists");
        let p = presence(&lab, &found);
        unreadable |= !p.complete_read;
        writeln!(
            out,
            "{name:<12} {:<8} {:>2} namespaces, {:>2} links   {}",
            p.state.word(),
            p.namespaces,
            p.links,
            lab.about
        )?;
    }
    let strays: Vec<&String> =
        found.namespaces.iter().chain(&found.host_links).filter(|n| owner(n).is_none()).collect();
    if !strays.is_empty() {
        let names: Vec<&str> = strays.iter().map(|s| s.as_str()).collect();
        writeln!(out, "other nvlab-* objects (no lab's; `netview lab down` removes them): {}", names.join(", "))?;
    }
    if unreadable {
        writeln!(out, "(links inside the namespaces could not be read: that needs root)")?;
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// up

fn up(lab: &Lab, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let found = match Found::read() {
        Ok(f) => f,
        Err(e) => {
            writeln!(err, "netview lab up {}: cannot read namespaces and links: {e}", lab.name)?;
            return Ok(ExitCode::from(1));
        }
    };
    let p = presence(lab, &found);
    match p.state {
        State::Up => {
            // Put back addresses, routes and up flags a student may have changed; create nothing.
            for step in lab.steps.iter().filter(|s| s.kind == Kind::Configure) {
                if let Err(reason) = run_step(step) {
                    return failed(lab, step, &reason, out, err);
                }
            }
            writeln!(
                out,
                "{} is already up ({} namespaces, {} links): left as it is, its addresses and routes checked.",
                lab.name, p.namespaces, p.links
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        State::Partial => {
            writeln!(out, "{}: part of it is here from an earlier run; removing that first.", lab.name)?;
            if let Err(e) = teardown(lab, out)? {
                writeln!(err, "netview lab up {}: cannot remove what an earlier run left: {e}", lab.name)?;
                return Ok(ExitCode::from(1));
            }
        }
        State::Down => {}
    }
    if let Err(e) = clash(lab) {
        writeln!(err, "netview lab up {}: {e}", lab.name)?;
        return Ok(ExitCode::from(1));
    }

    writeln!(out, "building {}: {}", lab.name, lab.about)?;
    let mut said = BTreeSet::new();
    for step in &lab.steps {
        // Each note once: the second container's veth is explained by the first's.
        if !step.why.is_empty() && said.insert(step.why) {
            for line in wrap(step.why, 96) {
                writeln!(out, "  # {line}")?;
            }
        }
        writeln!(out, "  {}", step.command_line())?;
        if let Err(reason) = run_step(step) {
            return failed(lab, step, &reason, out, err);
        }
    }
    // The build said yes to every step; check that the result is what `list` will call up.
    let after = Found::read().map(|f| presence(lab, &f));
    match after {
        Ok(p) if p.state == State::Up => {
            writeln!(out, "{} is up: {} namespaces, {} links.", lab.name, p.namespaces, p.links)?;
        }
        Ok(p) => {
            writeln!(err, "netview lab up {}: every step succeeded but the lab is {}", lab.name, p.state.word())?;
            cleanup(lab, out, err)?;
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            writeln!(err, "netview lab up {}: cannot read back what was built: {e}", lab.name)?;
            cleanup(lab, out, err)?;
            return Ok(ExitCode::from(1));
        }
    }
    if let Some((from, to)) = &lab.bridged_pair
        && std::fs::read_to_string("/proc/sys/net/bridge/bridge-nf-call-iptables").is_ok_and(|v| v.trim() == "1")
    {
        writeln!(
            out,
            "note: br_netfilter is on here (net.bridge.bridge-nf-call-iptables = 1), so traffic between two \
             ports of a bridge also passes the host's iptables FORWARD chain. Where its policy is DROP (Docker \
             sets that), {from} cannot ping {to} until a rule accepts it: that is why Docker adds \
             `-A FORWARD -i docker0 -o docker0 -j ACCEPT` and flannel its FLANNEL-FWD chain. This lab adds no \
             rules; `netview path` shows the verdict."
        )?;
    }
    writeln!(out, "try:")?;
    for t in &lab.try_these {
        writeln!(out, "  {t}")?;
    }
    writeln!(out, "remove it with: netview lab down {}", lab.name)?;
    Ok(ExitCode::SUCCESS)
}

fn run_step(step: &labs::Step) -> Result<(), String> {
    let args: Vec<&str> = step.args.iter().map(String::as_str).collect();
    match exec::ip(&args) {
        Ok(o) if o.success => Ok(()),
        Ok(o) => Err(o.reason()),
        Err(e) => Err(e),
    }
}

/// A step failed: say which and why, then remove everything of the lab.
fn failed(
    lab: &Lab,
    step: &labs::Step,
    reason: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    writeln!(err, "netview lab up {}: the step `{}` failed: {reason}", lab.name, step.command_line())?;
    if let Some(hint) = step.hint {
        writeln!(err, "  {hint}")?;
    }
    cleanup(lab, out, err)?;
    Ok(ExitCode::from(1))
}

/// After a failed build: remove everything of the lab, and say so if even that fails.
fn cleanup(lab: &Lab, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}: removing what was built before the failure.", lab.name)?;
    if let Err(e) = teardown(lab, out)? {
        writeln!(err, "netview lab up {}: removing it failed too: {e}; `netview lab down` retries", lab.name)?;
    }
    Ok(())
}

/// The lab would route a prefix on the host that a route of someone else's already covers.
fn clash(lab: &Lab) -> Result<(), String> {
    if lab.host_prefixes.is_empty() {
        return Ok(());
    }
    let routes = exec::host_routes()?;
    for mine in &lab.host_prefixes {
        let m = exec::parse_prefix(mine).expect("the labs' prefixes are valid");
        for (dst, dev) in &routes {
            if dev.starts_with("nvlab-") {
                continue;
            }
            if exec::parse_prefix(dst).is_some_and(|d| exec::overlaps(m, d)) {
                return Err(format!(
                    "{mine} is already routed on this host ({dst} dev {dev}); the lab would clash with it, so it \
                     builds nothing"
                ));
            }
        }
    }
    Ok(())
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// down

fn down_one(lab: &Lab, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match teardown(lab, out)? {
        Ok(0) => writeln!(out, "{} is not up: nothing to remove.", lab.name)?,
        Ok(n) => writeln!(out, "{} is down ({n} objects removed).", lab.name)?,
        Err(e) => {
            writeln!(err, "netview lab down {}: {e}", lab.name)?;
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn down_all(out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let mut failures = Vec::new();
    for name in labs::NAMES {
        let lab = labs::lab(name).expect("every listed lab exists");
        match teardown(&lab, out)? {
            Ok(0) => {}
            Ok(n) => writeln!(out, "{name} is down ({n} objects removed).")?,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    // Anything else named nvlab-* (an older version's lab, a half-made object): removed too.
    match Found::read() {
        Ok(found) => {
            for ns in &found.namespaces {
                if let Err(e) = remove_namespace(ns, out)? {
                    failures.push(e);
                }
            }
            let links = exec::link_names(None).unwrap_or_default();
            for link in links.iter().filter(|l| l.starts_with("nvlab-")) {
                if let Err(e) = remove_host_link(link, out)? {
                    failures.push(e);
                }
            }
        }
        Err(e) => failures.push(format!("cannot read namespaces and links: {e}")),
    }
    if !failures.is_empty() {
        for f in &failures {
            writeln!(err, "netview lab down: {f}")?;
        }
        return Ok(ExitCode::from(1));
    }
    writeln!(out, "no lab is up.")?;
    Ok(ExitCode::SUCCESS)
}

/// Remove every namespace and host link of `lab` that exists: Ok(how many were removed), or
/// Err(why something could not be). The inner Result is the teardown's; the outer one is output.
fn teardown(lab: &Lab, out: &mut dyn Write) -> std::io::Result<Result<usize, String>> {
    let namespaces = match exec::netns_names() {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    let mut removed = 0;
    let mut problems = Vec::new();
    for ns in lab.namespaces.iter().filter(|n| namespaces.contains(n)) {
        match remove_namespace(ns, out)? {
            Ok(()) => removed += 1,
            Err(e) => problems.push(e),
        }
    }
    // Host ends of veth pairs went with their namespaces; bridges and VXLAN devices remain.
    let links = match exec::link_names(None) {
        Ok(l) => l,
        Err(e) => return Ok(Err(e)),
    };
    for link in lab.owned_host_links().filter(|l| links.contains(l)) {
        match remove_host_link(link, out)? {
            Ok(()) => removed += 1,
            Err(e) => problems.push(e),
        }
    }
    Ok(if problems.is_empty() { Ok(removed) } else { Err(problems.join("; ")) })
}

/// Delete the links inside a namespace, then the namespace. Deleting the links first matters
/// when a process (a student's shell from `ip netns exec`) still holds the namespace: the name
/// goes, but the namespace lives on with that process, and so would its veth pairs.
fn remove_namespace(ns: &str, out: &mut dyn Write) -> std::io::Result<Result<(), String>> {
    if let Ok(links) = exec::link_names(Some(ns)) {
        for link in links.iter().filter(|l| *l != "lo") {
            // A veth whose peer was deleted a moment ago is gone already: not an error.
            let _ = exec::ip(&["-n", ns, "link", "del", link]);
        }
    }
    let pids = exec::netns_pids(ns);
    writeln!(out, "  ip netns delete {ns}")?;
    if !pids.is_empty() {
        writeln!(
            out,
            "  note: processes {} still run in {ns}; its links were removed, the processes were left alone",
            pids.join(" ")
        )?;
    }
    Ok(exec::ip_ok(&["netns", "delete", ns]).map(|_| ()))
}

fn remove_host_link(link: &str, out: &mut dyn Write) -> std::io::Result<Result<(), String>> {
    writeln!(out, "  ip link del {link}")?;
    Ok(match exec::ip(&["link", "del", link]) {
        Ok(o) if o.success => Ok(()),
        // Gone with its veth peer in the meantime.
        Ok(o) if o.stderr.contains("Cannot find device") => Ok(()),
        Ok(o) => Err(format!("`ip link del {link}` failed: {}", o.reason())),
        Err(e) => Err(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_exit_2_and_list_the_labs() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run_with(LabAction::Up("nope".into()), &mut out, &mut err).unwrap();
        assert_eq!(code, ExitCode::from(2));
        let err = String::from_utf8(err).unwrap();
        for name in names() {
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn owners_are_found_by_exact_name() {
        assert_eq!(owner("nvlab-docker0"), Some("docker-like"));
        assert_eq!(owner("nvlab-c2e"), Some("docker-like"));
        assert_eq!(owner("nvlab-flannel"), Some("k8s-node"));
        assert_eq!(owner("nvlab-hostB"), Some("two-hosts"));
        assert_eq!(owner("nvlab-other"), None);
    }

    #[test]
    fn wrap_keeps_lines_short() {
        let lines = wrap("one two three four five six", 9);
        assert_eq!(lines, ["one two", "three", "four five", "six"]);
    }
}
