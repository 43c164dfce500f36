//! Parse `iptables-save -c` / `ip6tables-save -c` output into tables, chains and rules.
//! Unknown matches and targets are kept (as `Other`) rather than rejected: a walk can then say
//! which rules it could not evaluate.

use crate::model::firewall::*;

/// Parse one save dump. Lines that cannot be read are reported in the error list and skipped.
pub fn parse(text: &str, backend: Backend, family: Family) -> (Vec<Table>, Vec<String>) {
    let mut tables: Vec<Table> = Vec::new();
    let mut problems = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line == "COMMIT" {
            continue;
        }
        if let Some(name) = line.strip_prefix('*') {
            tables.push(Table { backend, family, name: name.trim().into(), chains: Vec::new() });
            continue;
        }
        let Some(table) = tables.last_mut() else {
            problems.push(format!("line {}: a rule before any table", n + 1));
            continue;
        };
        let result =
            if let Some(decl) = line.strip_prefix(':') { declare_chain(table, decl) } else { add_rule(table, line) };
        if let Err(e) = result {
            problems.push(format!("line {}: {e}", n + 1));
        }
    }
    (tables, problems)
}

/// `:DOCKER - [0:0]` or `:FORWARD DROP [12:3456]`.
fn declare_chain(table: &mut Table, decl: &str) -> Result<(), String> {
    let mut parts = decl.split_whitespace();
    let name = parts.next().ok_or("a chain without a name")?.to_string();
    let policy = parts.next().unwrap_or("-");
    let counters = parts.next().and_then(parse_counters);
    let hook = builtin_hook(&name);
    let policy = match policy {
        "-" => None,
        p => Some(target_from_name(p)),
    };
    let priority = hook.map_or(0, |h| table_priority(&table.name, h));
    let kind = hook.map(|_| if table.name == "nat" { "nat" } else { "filter" }.to_string());
    table.chains.push(Chain {
        name,
        hook,
        priority,
        kind,
        policy_counters: if policy.is_some() { counters } else { None },
        policy,
        rules: Vec::new(),
    });
    Ok(())
}

fn builtin_hook(chain: &str) -> Option<Hook> {
    Some(match chain {
        "PREROUTING" => Hook::Prerouting,
        "INPUT" => Hook::Input,
        "FORWARD" => Hook::Forward,
        "OUTPUT" => Hook::Output,
        "POSTROUTING" => Hook::Postrouting,
        _ => return None,
    })
}

/// The fixed priorities of the x_tables tables (include/uapi/linux/netfilter_ipv4.h).
fn table_priority(table: &str, hook: Hook) -> i32 {
    match table {
        "raw" => -300,
        "mangle" => -150,
        "nat" if matches!(hook, Hook::Prerouting | Hook::Output) => -100,
        "nat" => 100,
        "security" => 50,
        _ => 0,
    }
}

/// `[12:3456]`.
fn parse_counters(s: &str) -> Option<Counters> {
    let (p, b) = s.strip_prefix('[')?.strip_suffix(']')?.split_once(':')?;
    Some(Counters { packets: p.parse().ok()?, bytes: b.parse().ok()? })
}

fn add_rule(table: &mut Table, line: &str) -> Result<(), String> {
    let (counters, rest) = match line.strip_prefix('[') {
        Some(_) => {
            let end = line.find(']').ok_or("unclosed counters")?;
            (parse_counters(&line[..=end]), line[end + 1..].trim_start())
        }
        None => (None, line),
    };
    let words = split_words(rest)?;
    let mut it = words.iter().map(String::as_str).peekable();
    if it.next() != Some("-A") {
        return Err(format!("not a rule: {rest}"));
    }
    let chain_name = it.next().ok_or("-A without a chain")?;
    let mut matches = Vec::new();
    let mut target = Target::Continue("counter".into());
    let mut comment = None;
    let mut negate = false;
    let mut target_name: Option<String> = None;
    let mut target_args: Vec<(String, String)> = Vec::new();
    let mut module: Option<String> = None;
    let mut other: Vec<String> = Vec::new();
    while let Some(w) = it.next() {
        if w == "!" {
            negate = true;
            continue;
        }
        let neg = std::mem::take(&mut negate);
        let mut value = || it.next().map(str::to_string).ok_or_else(|| format!("{w} without a value"));
        match w {
            "-i" | "--in-interface" => {
                flush_other(&mut module, &mut other, &mut matches);
                matches.push(Match::InIface { name: value()?, negated: neg })
            }
            "-o" | "--out-interface" => {
                flush_other(&mut module, &mut other, &mut matches);
                matches.push(Match::OutIface { name: value()?, negated: neg })
            }
            "-s" | "--source" => {
                flush_other(&mut module, &mut other, &mut matches);
                matches.push(Match::Source { cidr: value()?, negated: neg })
            }
            "-d" | "--destination" => {
                flush_other(&mut module, &mut other, &mut matches);
                matches.push(Match::Destination { cidr: value()?, negated: neg })
            }
            "-p" | "--protocol" => {
                flush_other(&mut module, &mut other, &mut matches);
                matches.push(Match::Protocol { name: value()?, negated: neg })
            }
            "-m" | "--match" => {
                flush_other(&mut module, &mut other, &mut matches);
                let m = value()?;
                if !matches!(m.as_str(), "tcp" | "udp" | "addrtype" | "conntrack" | "state" | "comment" | "multiport") {
                    module = Some(m);
                }
            }
            "--dport" | "--destination-port" | "--dports" | "--destination-ports" if module.is_none() => {
                matches.push(Match::DestPort { ports: parse_ports(&value()?)?, negated: neg })
            }
            "--sport" | "--source-port" | "--sports" | "--source-ports" if module.is_none() => {
                matches.push(Match::SourcePort { ports: parse_ports(&value()?)?, negated: neg })
            }
            "--dst-type" if module.is_none() => matches.push(Match::DestType { kind: value()?, negated: neg }),
            "--src-type" if module.is_none() => matches.push(Match::SourceType { kind: value()?, negated: neg }),
            "--ctstate" | "--state" if module.is_none() => {
                let states = value()?.split(',').map(str::to_string).collect();
                matches.push(Match::CtState { states, negated: neg })
            }
            "--comment" if module.is_none() => comment = Some(value()?),
            "-j" | "--jump" | "-g" | "--goto" => {
                flush_other(&mut module, &mut other, &mut matches);
                let name = value()?;
                if w == "-g" || w == "--goto" {
                    target = Target::Goto(name);
                } else {
                    target_name = Some(name);
                }
            }
            _ if target_name.is_some() && w.starts_with("--") => {
                let v = match it.peek() {
                    Some(next) if !next.starts_with("--") => it.next().unwrap_or_default().to_string(),
                    _ => String::new(),
                };
                target_args.push((w.to_string(), v));
            }
            _ => {
                // An option of a module netview does not evaluate: keep it for the rule's `Other`.
                if module.is_none() {
                    module = Some(String::new());
                }
                if neg {
                    other.push("!".into());
                }
                other.push(w.to_string());
            }
        }
    }
    flush_other(&mut module, &mut other, &mut matches);
    if let Some(name) = target_name {
        let is_chain = table.chains.iter().any(|c| c.name == name);
        target = target_from(&name, &target_args, is_chain);
    }
    let chain = match table.chains.iter_mut().position(|c| c.name == chain_name) {
        Some(i) => &mut table.chains[i],
        None => {
            // iptables-save always declares chains first; tolerate dumps that do not.
            table.chains.push(Chain {
                name: chain_name.into(),
                hook: builtin_hook(chain_name),
                priority: builtin_hook(chain_name).map_or(0, |h| table_priority(&table.name, h)),
                kind: None,
                policy: None,
                policy_counters: None,
                rules: Vec::new(),
            });
            table.chains.last_mut().expect("just pushed")
        }
    };
    chain.rules.push(Rule { text: rest.to_string(), counters, matches, target, comment });
    Ok(())
}

fn flush_other(module: &mut Option<String>, other: &mut Vec<String>, matches: &mut Vec<Match>) {
    if let Some(m) = module.take() {
        let mut text = if m.is_empty() { String::new() } else { format!("-m {m}") };
        for w in other.drain(..) {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&w);
        }
        matches.push(Match::Other { text });
    }
}

fn target_from_name(name: &str) -> Target {
    target_from(name, &[], false)
}

/// A target by name; user chains are told from extension targets (DNAT, MARK...) by whether the
/// table declares a chain of that name.
fn target_from(name: &str, args: &[(String, String)], is_chain: bool) -> Target {
    let arg = |k: &str| args.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    match name {
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "REJECT" => Target::Reject,
        "RETURN" => Target::Return,
        "DNAT" => Target::Dnat(arg("--to-destination")),
        "SNAT" => Target::Snat(arg("--to-source")),
        "MASQUERADE" => Target::Masquerade,
        "REDIRECT" => Target::Redirect(arg("--to-ports")),
        "MARK" | "LOG" | "CONNMARK" | "NFLOG" | "TRACE" | "CT" | "TCPMSS" | "CHECKSUM" | "NOTRACK" => {
            Target::Continue(name.into())
        }
        chain if is_chain => Target::Jump(chain.into()),
        other => Target::Other(other.into()),
    }
}

/// "80", "8000:8080", "80,443,8000:8080".
fn parse_ports(s: &str) -> Result<Vec<(u16, u16)>, String> {
    s.split(',')
        .map(|p| {
            let (a, b) = p.split_once(':').unwrap_or((p, p));
            match (a.parse(), b.parse()) {
                (Ok(a), Ok(b)) => Ok((a, b)),
                _ => Err(format!("bad port {p:?}")),
            }
        })
        .collect()
}

/// Split a rule into words the way iptables-save quotes them: double quotes around words with
/// spaces, backslash escapes inside.
fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => cur.push(chars.next().ok_or("a dangling backslash")?),
                        Some(c) => cur.push(c),
                        None => return Err("an unclosed quote".into()),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCKER_20: &str = "\
# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 28 05:52:32 2026
*nat
:PREROUTING ACCEPT [3:180]
:DOCKER - [0:0]
[5:300] -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
[0:0] -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
[0:0] -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
[7:420] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
COMMIT
*filter
:FORWARD DROP [0:0]
:KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]
:KUBE-SEP-Y - [0:0]
[0:0] -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
[0:0] -A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment \"default/kubernetes:https cluster IP\" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
[0:0] -A KUBE-SVC-X -m comment --comment \"a/b\" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-Y
COMMIT
";

    #[test]
    fn reads_docker_nat_and_filter() {
        let (tables, problems) = parse(DOCKER_20, Backend::IptablesNft, Family::Ipv4);
        assert!(problems.is_empty(), "{problems:?}");
        let nat = &tables[0];
        assert_eq!(nat.name, "nat");
        let pre = nat.chain("PREROUTING").unwrap();
        assert_eq!(pre.hook, Some(Hook::Prerouting));
        assert_eq!(pre.priority, -100);
        assert_eq!(pre.policy, Some(Target::Accept));
        assert_eq!(pre.policy_counters, Some(Counters { packets: 3, bytes: 180 }));
        assert_eq!(pre.rules[0].matches, vec![Match::DestType { kind: "LOCAL".into(), negated: false }]);
        assert_eq!(pre.rules[0].target, Target::Jump("DOCKER".into()));
        assert_eq!(pre.rules[0].counters, Some(Counters { packets: 5, bytes: 300 }));
        // POSTROUTING was never declared here: created on first use, still a base chain.
        let post = nat.chain("POSTROUTING").unwrap();
        assert_eq!(post.priority, 100);
        assert_eq!(
            post.rules[0].matches,
            vec![
                Match::Source { cidr: "172.17.0.0/16".into(), negated: false },
                Match::OutIface { name: "docker0".into(), negated: true },
            ]
        );
        let dnat = &nat.chain("DOCKER").unwrap().rules[0];
        assert_eq!(dnat.target, Target::Dnat("172.17.0.2:80".into()));
        assert_eq!(
            dnat.text,
            "-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80"
        );
        assert!(dnat.matches.contains(&Match::DestPort { ports: vec![(8080, 8080)], negated: false }));
        let filter = &tables[1];
        let fwd = filter.chain("FORWARD").unwrap();
        assert_eq!(fwd.policy, Some(Target::Drop));
        assert_eq!(
            fwd.rules[0].matches[1],
            Match::CtState { states: vec!["RELATED".into(), "ESTABLISHED".into()], negated: false }
        );
        let svc = &filter.chain("KUBE-SERVICES").unwrap().rules[0];
        assert_eq!(svc.comment.as_deref(), Some("default/kubernetes:https cluster IP"));
        assert_eq!(svc.target, Target::Jump("KUBE-SVC-NPX46M4PTMTKRN6Y".into()));
        let sep = &filter.chain("KUBE-SVC-X").unwrap().rules[0];
        assert_eq!(
            sep.matches,
            vec![Match::Other { text: "-m statistic --mode random --probability 0.50000000000".into() }]
        );
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let (tables, problems) = parse(
            "-A X -j ACCEPT\n*filter\n-A FORWARD -p\n-A FORWARD -j ACCEPT\n-A Y \"open\n",
            Backend::IptablesLegacy,
            Family::Ipv4,
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(tables[0].chain("FORWARD").unwrap().rules.len(), 1);
    }

    #[test]
    fn multiport_and_ranges() {
        let (t, p) = parse(
            "*filter\n-A INPUT -p tcp -m multiport --dports 80,8000:8080 -j ACCEPT\n",
            Backend::IptablesLegacy,
            Family::Ipv4,
        );
        assert!(p.is_empty());
        assert_eq!(
            t[0].chains[0].rules[0].matches[1],
            Match::DestPort { ports: vec![(80, 80), (8000, 8080)], negated: false }
        );
    }
}
