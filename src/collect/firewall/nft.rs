//! Native nftables rules from `nft -j list ruleset`, parsed into the shared rule model.
//!
//! The JSON is libnftables' schema (`man libnftables-json`): a top-level `{"nftables": [...]}`
//! list of objects, each with one key (`metainfo`, `table`, `chain`, `rule`, `set`, `map`...).
//! Tables and chains come before the rules that reference them by (family, table, chain).
//! Conditions netview can evaluate become typed `Match`es; anything else is kept as
//! `Match::Other` with a rendering in nft syntax, so a walk can say which rules it had to assume
//! about. Tables made by iptables-nft are read too: their `xt` expressions (matches and targets
//! nft cannot translate) carry only a name, so they come back lossy (`Target::Dnat("")`).

use serde_json::Value;

use crate::model::firewall::*;

/// Parse `nft -j list ruleset`. Every table comes back with backend Nftables; the caller decides which to skip.
/// Rules or expressions that cannot be read are listed in the second vector (with table/chain/handle), never a panic.
pub fn parse(json: &str) -> Result<(Vec<Table>, Vec<String>), String> {
    let root: Value = serde_json::from_str(json).map_err(|e| format!("nft -j output is not JSON: {e}"))?;
    let items = root
        .get("nftables")
        .ok_or("nft -j output has no \"nftables\" list at the top")?
        .as_array()
        .ok_or("nft -j output: \"nftables\" is not a list")?;
    let mut p = Parser::default();
    for (i, item) in items.iter().enumerate() {
        p.item(i, item);
    }
    Ok((p.tables, p.problems))
}

#[derive(Default)]
struct Parser {
    tables: Vec<Table>,
    /// nft's own family word for each table, in step with `tables` (bridge, arp and netdev all
    /// map to `Family::Other`, so the model's family alone does not tell them apart).
    families: Vec<String>,
    problems: Vec<String>,
}

impl Parser {
    fn item(&mut self, i: usize, item: &Value) {
        let Some(obj) = item.as_object() else {
            self.problems.push(format!("item {i}: not an object: {}", compact(item)));
            return;
        };
        for (key, v) in obj {
            match key.as_str() {
                "table" => self.table(i, v),
                "chain" => self.chain(i, v),
                "rule" => self.rule(i, v),
                // metainfo, set, map, element, flowtable, counter, quota, ct helper...: not rules.
                _ => {}
            }
        }
    }

    fn table(&mut self, i: usize, v: &Value) {
        match (str_field(v, "family"), str_field(v, "name")) {
            (Some(family), Some(name)) => {
                self.table_index(family, name);
            }
            _ => self.problems.push(format!("item {i}: a table without a family or name: {}", compact(v))),
        }
    }

    /// The table's position, adding it when a chain or rule names a table not listed before.
    fn table_index(&mut self, family: &str, name: &str) -> usize {
        if let Some(at) = self.tables.iter().zip(&self.families).position(|(t, f)| t.name == name && f == family) {
            return at;
        }
        self.tables.push(Table {
            backend: Backend::Nftables,
            family: family_of(family),
            name: name.to_string(),
            chains: Vec::new(),
        });
        self.families.push(family.to_string());
        self.tables.len() - 1
    }

    /// The chain, adding it (as a regular chain) when a rule names a chain not listed before.
    fn chain_mut(&mut self, family: &str, table: &str, name: &str) -> &mut Chain {
        let t = self.table_index(family, table);
        let chains = &mut self.tables[t].chains;
        let at = match chains.iter().position(|c| c.name == name) {
            Some(at) => at,
            None => {
                chains.push(Chain {
                    name: name.to_string(),
                    hook: None,
                    priority: 0,
                    kind: None,
                    policy: None,
                    policy_counters: None,
                    rules: Vec::new(),
                });
                chains.len() - 1
            }
        };
        &mut chains[at]
    }

    fn chain(&mut self, i: usize, v: &Value) {
        let (Some(family), Some(table), Some(name)) =
            (str_field(v, "family"), str_field(v, "table"), str_field(v, "name"))
        else {
            self.problems.push(format!("item {i}: a chain without a family, table or name: {}", compact(v)));
            return;
        };
        let at = format!("{family} {table} chain {name}");
        let mut problems = Vec::new();
        // A base chain is one with a hook, whether or not netview models that hook (ingress...).
        let (base, hook) = match v.get("hook") {
            None => (false, None),
            Some(Value::String(h)) => (true, hook_of(h)),
            Some(other) => {
                problems.push(format!("{at}: hook is not a string: {}", compact(other)));
                (false, None)
            }
        };
        let priority = match v.get("prio") {
            None => 0,
            Some(p) => priority_of(p, family).unwrap_or_else(|| {
                problems.push(format!("{at}: unreadable priority {}", compact(p)));
                0
            }),
        };
        let kind = match v.get("type") {
            None => None,
            Some(Value::String(k)) => Some(k.clone()),
            Some(other) => {
                problems.push(format!("{at}: type is not a string: {}", compact(other)));
                None
            }
        };
        let policy = match v.get("policy") {
            _ if !base => None,
            None => None,
            Some(Value::String(p)) if p == "accept" => Some(Target::Accept),
            Some(Value::String(p)) if p == "drop" => Some(Target::Drop),
            Some(other) => {
                problems.push(format!("{at}: unknown policy {}", compact(other)));
                None
            }
        };
        self.problems.append(&mut problems);
        let chain = self.chain_mut(family, table, name);
        chain.hook = hook;
        chain.priority = priority;
        chain.kind = kind;
        chain.policy = policy;
    }

    fn rule(&mut self, i: usize, v: &Value) {
        let (Some(family), Some(table), Some(chain)) =
            (str_field(v, "family"), str_field(v, "table"), str_field(v, "chain"))
        else {
            self.problems.push(format!("item {i}: a rule without a family, table or chain: {}", compact(v)));
            return;
        };
        let handle = match v.get("handle") {
            Some(h) => compact(h),
            None => "?".into(),
        };
        let at = format!("{family} {table} {chain} handle {handle}");
        let mut b = RuleBuilder::new(&at);
        let comment = match v.get("comment") {
            None => None,
            Some(Value::String(c)) => Some(c.clone()),
            Some(other) => {
                b.problem(format!("comment is not a string: {}", compact(other)));
                None
            }
        };
        match v.get("expr") {
            Some(Value::Array(exprs)) => {
                for (n, e) in exprs.iter().enumerate() {
                    b.statement(n, e);
                }
            }
            None => b.problem("no \"expr\" list".into()),
            Some(other) => {
                b.problem(format!("\"expr\" is not a list: {}", compact(other)));
                b.words.push(compact(other));
                b.matches.push(Match::Other { text: "unreadable rule".into() });
                b.set_verdict(Target::Other("unreadable".into()));
            }
        }
        let (rule, mut problems) = b.finish(comment);
        self.problems.append(&mut problems);
        self.chain_mut(family, table, chain).rules.push(rule);
    }
}

/// Collects one rule's statements in order.
struct RuleBuilder<'a> {
    at: &'a str,
    words: Vec<String>,
    matches: Vec<Match>,
    counters: Option<Counters>,
    verdict: Option<Target>,
    /// The first non-terminal statement (log, mark...), named for `Target::Continue`.
    effect: Option<String>,
    problems: Vec<String>,
}

impl<'a> RuleBuilder<'a> {
    fn new(at: &'a str) -> Self {
        RuleBuilder {
            at,
            words: Vec::new(),
            matches: Vec::new(),
            counters: None,
            verdict: None,
            effect: None,
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, what: String) {
        self.problems.push(format!("{}: {what}", self.at));
    }

    fn set_verdict(&mut self, t: Target) {
        match &self.verdict {
            None => self.verdict = Some(t),
            Some(first) => {
                let msg = format!("a second verdict {} after {}", t.label(), first.label());
                self.problem(msg);
            }
        }
    }

    fn set_effect(&mut self, name: &str) {
        if self.effect.is_none() {
            self.effect = Some(name.to_string());
        }
    }

    fn other(&mut self, text: String) {
        self.matches.push(Match::Other { text: text.clone() });
        self.words.push(text);
    }

    fn finish(self, comment: Option<String>) -> (Rule, Vec<String>) {
        let mut text = self.words.join(" ");
        if let Some(c) = &comment {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!("comment {}", quoted(c)));
        }
        let target = self
            .verdict
            .or_else(|| self.effect.map(Target::Continue))
            .unwrap_or_else(|| Target::Continue("counter".into()));
        let rule = Rule { text, counters: self.counters, matches: self.matches, target, comment };
        (rule, self.problems)
    }

    fn statement(&mut self, n: usize, e: &Value) {
        let Some((key, v)) = single_key(e) else {
            self.problem(format!("expression {n} is not an object with one key: {}", compact(e)));
            self.other(compact(e));
            return;
        };
        match key {
            "match" => self.match_stmt(n, v),
            "counter" => {
                match v {
                    Value::Object(c) => {
                        match (c.get("packets").and_then(Value::as_u64), c.get("bytes").and_then(Value::as_u64)) {
                            (Some(packets), Some(bytes)) => self.counters = Some(Counters { packets, bytes }),
                            _ => self.problem(format!("a counter without packets and bytes: {}", compact(v))),
                        }
                    }
                    // A named counter object (`counter name "x"`) or a bare one: no numbers here.
                    Value::Null | Value::String(_) => {}
                    _ => self.problem(format!("an unreadable counter: {}", compact(v))),
                }
                self.words.push(stmt_text(key, v));
            }
            "accept" => self.verdict_word(key, Target::Accept),
            "drop" => self.verdict_word(key, Target::Drop),
            "return" => self.verdict_word(key, Target::Return),
            "continue" => self.verdict_word(key, Target::Continue("continue".into())),
            "reject" => {
                self.words.push(stmt_text(key, v));
                self.set_verdict(Target::Reject);
            }
            "jump" | "goto" => {
                match v.get("target").and_then(Value::as_str) {
                    Some(chain) => {
                        let t = if key == "jump" { Target::Jump(chain.into()) } else { Target::Goto(chain.into()) };
                        self.set_verdict(t);
                    }
                    None => {
                        self.problem(format!("{key} without a target chain: {}", compact(v)));
                        self.set_verdict(Target::Other(key.into()));
                    }
                }
                self.words.push(stmt_text(key, v));
            }
            "dnat" | "snat" => {
                if !(v.is_object() || v.is_null()) {
                    self.problem(format!("an unreadable {key}: {}", compact(v)));
                }
                let to = nat_to(v);
                self.set_verdict(if key == "dnat" { Target::Dnat(to) } else { Target::Snat(to) });
                self.words.push(stmt_text(key, v));
            }
            "masquerade" => {
                self.set_verdict(Target::Masquerade);
                self.words.push(stmt_text(key, v));
            }
            "redirect" => {
                let port = v.get("port").map(expr).unwrap_or_default();
                self.set_verdict(Target::Redirect(port));
                self.words.push(stmt_text(key, v));
            }
            "xt" => self.xt(v),
            "vmap" => {
                // The verdict depends on the map's contents: not evaluated.
                let text = stmt_text(key, v);
                self.other(text);
                self.set_verdict(Target::Other("vmap".into()));
            }
            "queue" | "fwd" | "tproxy" | "synproxy" => {
                self.words.push(stmt_text(key, v));
                self.set_verdict(Target::Other(key.into()));
            }
            "limit" | "quota" | "meter" | "last" | "connlimit" => {
                let text = stmt_text(key, v);
                self.other(text);
            }
            "mangle" => {
                let name = match v.get("key").and_then(single_key) {
                    Some(("meta", m)) => m.get("key").and_then(Value::as_str).unwrap_or("meta").to_string(),
                    Some(("ct", c)) => format!("ct {}", c.get("key").and_then(Value::as_str).unwrap_or("?")),
                    _ => v.get("key").map(expr).unwrap_or_else(|| "mangle".to_string()),
                };
                self.set_effect(&name);
                self.words.push(stmt_text(key, v));
            }
            "log" | "notrack" | "set" | "map" | "ct helper" | "ct timeout" | "ct expectation" | "flow" | "dup"
            | "secmark" | "ct count" => {
                self.set_effect(key);
                self.words.push(stmt_text(key, v));
            }
            _ => {
                let text = stmt_text(key, v);
                self.other(text);
            }
        }
    }

    fn verdict_word(&mut self, key: &str, t: Target) {
        self.words.push(key.to_string());
        self.set_verdict(t);
    }

    /// `{"xt": {"type": "match"|"target"|"watcher", "name": ...}}`, what nft prints for an
    /// iptables-nft extension it cannot translate. Only the name survives.
    fn xt(&mut self, v: &Value) {
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("?");
        let Some(name) = v.get("name").and_then(Value::as_str) else {
            self.problem(format!("an xt expression without a name: {}", compact(v)));
            self.other(format!("xt {kind}"));
            return;
        };
        let text = format!("xt {kind} {name}");
        if kind != "target" {
            self.other(text);
            return;
        }
        self.words.push(text);
        match xt_target(name) {
            Target::Continue(n) => self.set_effect(&n),
            t => self.set_verdict(t),
        }
    }

    fn match_stmt(&mut self, n: usize, v: &Value) {
        let (Some(left), Some(right)) = (v.get("left"), v.get("right")) else {
            self.problem(format!("match {n} without left and right: {}", compact(v)));
            self.other(compact(v));
            return;
        };
        let op = match v.get("op") {
            None => "==",
            Some(Value::String(op)) => op.as_str(),
            Some(other) => {
                self.problem(format!("match {n}: op is not a string: {}", compact(other)));
                "?"
            }
        };
        let quote = quotes_strings(left);
        let shown_op = match op {
            "==" | "in" => String::new(),
            op => format!("{op} "),
        };
        let text = format!("{} {shown_op}{}", expr(left), value(right, quote));
        let negated = match op {
            "==" | "in" => false,
            "!=" => true,
            _ => {
                self.other(text);
                return;
            }
        };
        match convert_match(left, right, negated, &text) {
            Ok(Some(found)) => {
                for m in found {
                    // `tcp dport` after an explicit `meta l4proto tcp`: one Protocol is enough.
                    if matches!(m, Match::Protocol { .. }) && self.matches.contains(&m) {
                        continue;
                    }
                    self.matches.push(m);
                }
                self.words.push(text);
            }
            Ok(None) => self.other(text),
            Err(e) => {
                self.problem(format!("match {n} ({text}): {e}"));
                self.other(text);
            }
        }
    }
}

/// The conditions a match stands for, `Ok(None)` when netview does not model it. `text` is the
/// match in nft syntax, for the part that stays `Other` next to a protocol it implies.
fn convert_match(left: &Value, right: &Value, negated: bool, text: &str) -> Result<Option<Vec<Match>>, String> {
    let with_dependency = || {
        let other = Match::Other { text: text.to_string() };
        Ok(Some(protocol_dependency(left).into_iter().chain([other]).collect()))
    };
    // A named set or map (`@name`): its contents are elsewhere.
    if right.as_str().is_some_and(|s| s.starts_with('@')) {
        return with_dependency();
    }
    let Some((kind, l)) = single_key(left) else { return Ok(None) };
    let key = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    match kind {
        "meta" => match key("key").as_str() {
            k @ ("iifname" | "oifname" | "iif" | "oif") => {
                let wildcard = k.ends_with("name");
                let make = |name: String, negated| {
                    let name = if wildcard { iptables_wildcard(&name) } else { name };
                    if k.starts_with('i') {
                        Match::InIface { name, negated }
                    } else {
                        Match::OutIface { name, negated }
                    }
                };
                one_each(right, negated, |v| match v {
                    Value::String(s) => Ok(Some(s.clone())),
                    Value::Object(_) => Ok(None),
                    other => Err(format!("interface name is not a string: {}", compact(other))),
                })
                .map(|o| o.map(|names| names.into_iter().map(|n| make(n, negated)).collect()))
            }
            "l4proto" => protocol_matches(right, negated),
            _ => Ok(None),
        },
        "payload" => {
            let (proto, field) = (key("protocol"), key("field"));
            match (proto.as_str(), field.as_str()) {
                ("ip" | "ip6", "saddr" | "daddr") => {
                    let src = field == "saddr";
                    one_each(right, negated, cidr)
                        .map(|o| o.map(|cidrs| cidrs.into_iter().map(|c| addr_match(src, c, negated)).collect()))
                }
                ("ip", "protocol") | ("ip6", "nexthdr") => protocol_matches(right, negated),
                (_, "dport" | "sport") => {
                    let dep = protocol_dependency(left);
                    let Some(ports) = port_list(right)? else { return with_dependency() };
                    let m = if field == "dport" {
                        Match::DestPort { ports, negated }
                    } else {
                        Match::SourcePort { ports, negated }
                    };
                    Ok(Some(dep.into_iter().chain([m]).collect()))
                }
                _ => with_dependency(),
            }
        }
        "ct" if key("key") == "state" && l.get("dir").is_none() => {
            let mut states = Vec::new();
            for v in elements(right) {
                match v {
                    Value::String(s) => states.push(s.to_uppercase()),
                    Value::Object(_) => return Ok(None),
                    other => return Err(format!("conntrack state is not a string: {}", compact(other))),
                }
            }
            Ok(Some(vec![Match::CtState { states, negated }]))
        }
        "fib" if key("result") == "type" => {
            let flags: Vec<&str> = match l.get("flags") {
                Some(Value::String(f)) => vec![f.as_str()],
                Some(Value::Array(fs)) => fs.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let dst = match flags.as_slice() {
                ["daddr"] => true,
                ["saddr"] => false,
                _ => return Ok(None),
            };
            one_each(right, negated, |v| match v {
                Value::String(s) => Ok(Some(s.to_uppercase())),
                Value::Object(_) => Ok(None),
                other => Err(format!("address type is not a string: {}", compact(other))),
            })
            .map(|o| {
                o.map(|kinds| {
                    kinds
                        .into_iter()
                        .map(
                            |kind| {
                                if dst {
                                    Match::DestType { kind, negated }
                                } else {
                                    Match::SourceType { kind, negated }
                                }
                            },
                        )
                        .collect()
                })
            })
        }
        _ => Ok(None),
    }
}

/// Values for single-valued conditions. `x != { a, b }` is "not a and not b": one negated match
/// each. `x == { a, b }` is "a or b", which a list of conditions (all must hold) cannot say
/// unless there is a single element.
fn one_each<T>(
    right: &Value,
    negated: bool,
    mut read: impl FnMut(&Value) -> Result<Option<T>, String>,
) -> Result<Option<Vec<T>>, String> {
    let all = elements(right);
    if all.is_empty() || (!negated && all.len() > 1) {
        return Ok(None);
    }
    let mut out = Vec::new();
    for v in all {
        match read(v)? {
            Some(x) => out.push(x),
            None => return Ok(None),
        }
    }
    Ok(Some(out))
}

/// A right-hand side as a list of values: an anonymous set's elements, a list (`ct state
/// established,related`), or the value itself.
fn elements(right: &Value) -> Vec<&Value> {
    match right {
        Value::Array(items) => items.iter().collect(),
        Value::Object(o) => match o.get("set") {
            Some(Value::Array(items)) if o.len() == 1 => items.iter().collect(),
            _ => vec![right],
        },
        v => vec![v],
    }
}

fn protocol_matches(right: &Value, negated: bool) -> Result<Option<Vec<Match>>, String> {
    one_each(right, negated, |v| match v {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .map(|n| Some(protocol_name(n)))
            .ok_or_else(|| format!("protocol number out of range: {n}")),
        Value::Object(_) => Ok(None),
        other => Err(format!("protocol is not a name or number: {}", compact(other))),
    })
    .map(|o| o.map(|names| names.into_iter().map(|name| Match::Protocol { name, negated }).collect()))
}

fn protocol_name(n: u8) -> String {
    match n {
        1 => "icmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        58 => "ipv6-icmp".into(),
        132 => "sctp".into(),
        n => n.to_string(),
    }
}

/// `tcp dport 80` carries an implicit `meta l4proto tcp`, as iptables' `-p tcp --dport 80` does.
fn protocol_dependency(left: &Value) -> Option<Match> {
    let (kind, l) = single_key(left)?;
    if kind != "payload" {
        return None;
    }
    let proto = l.get("protocol")?.as_str()?;
    matches!(proto, "tcp" | "udp" | "sctp" | "dccp" | "udplite")
        .then(|| Match::Protocol { name: proto.to_string(), negated: false })
}

/// Ports and ranges: `80`, `{"range": [8000, 8080]}`, `{"set": [80, {"range": ...}]}`.
fn port_list(right: &Value) -> Result<Option<Vec<(u16, u16)>>, String> {
    let mut out = Vec::new();
    for v in elements(right) {
        let range = match v {
            Value::Object(o) => match o.get("range") {
                Some(Value::Array(r)) if r.len() == 2 => (port(&r[0])?, port(&r[1])?),
                Some(other) => return Err(format!("unreadable port range {}", compact(other))),
                None => return Ok(None),
            },
            v => {
                let p = port(v)?;
                (p, p)
            }
        };
        out.push(range);
    }
    Ok(Some(out))
}

fn port(v: &Value) -> Result<u16, String> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    n.and_then(|n| u16::try_from(n).ok()).ok_or_else(|| format!("not a port: {}", compact(v)))
}

/// An address or `{"prefix": {"addr": ..., "len": ...}}` as CIDR text; ranges are not modelled.
fn cidr(v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Object(o) => match o.get("prefix") {
            Some(p) => match (p.get("addr").and_then(Value::as_str), p.get("len").and_then(Value::as_u64)) {
                (Some(addr), Some(len)) => Ok(Some(format!("{addr}/{len}"))),
                _ => Err(format!("unreadable prefix {}", compact(p))),
            },
            None => Ok(None),
        },
        other => Err(format!("address is not a string: {}", compact(other))),
    }
}

fn addr_match(src: bool, cidr: String, negated: bool) -> Match {
    if src { Match::Source { cidr, negated } } else { Match::Destination { cidr, negated } }
}

/// nft's interface wildcard `eth*` is iptables' `eth+`; `\*` is a literal star.
fn iptables_wildcard(name: &str) -> String {
    match name.strip_suffix('*') {
        Some(stem) if !stem.ends_with('\\') => format!("{stem}+"),
        _ => name.replace("\\*", "*"),
    }
}

fn xt_target(name: &str) -> Target {
    match name {
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "REJECT" => Target::Reject,
        "RETURN" => Target::Return,
        // The address and ports of xt targets are not in nft's JSON.
        "DNAT" => Target::Dnat(String::new()),
        "SNAT" => Target::Snat(String::new()),
        "MASQUERADE" => Target::Masquerade,
        "REDIRECT" => Target::Redirect(String::new()),
        "MARK" | "LOG" | "CONNMARK" | "NFLOG" | "TRACE" | "CT" | "TCPMSS" | "CHECKSUM" | "NOTRACK" => {
            Target::Continue(name.into())
        }
        other => Target::Other(other.into()),
    }
}

/// `addr:port`, `[v6addr]:port`, `addr`, or `:port`, as iptables writes `--to-destination`.
fn nat_to(v: &Value) -> String {
    let addr = v.get("addr").map(expr);
    let port = v.get("port").map(expr);
    match (addr, port) {
        (Some(a), Some(p)) if a.contains(':') && !a.contains(' ') => format!("[{a}]:{p}"),
        (Some(a), Some(p)) => format!("{a}:{p}"),
        (Some(a), None) => a,
        (None, Some(p)) => format!(":{p}"),
        (None, None) => String::new(),
    }
}

fn family_of(family: &str) -> Family {
    match family {
        "ip" => Family::Ipv4,
        "ip6" => Family::Ipv6,
        "inet" => Family::Inet,
        _ => Family::Other,
    }
}

fn hook_of(hook: &str) -> Option<Hook> {
    Some(match hook {
        "prerouting" => Hook::Prerouting,
        "input" => Hook::Input,
        "forward" => Hook::Forward,
        "output" => Hook::Output,
        "postrouting" => Hook::Postrouting,
        _ => return None,
    })
}

/// A number, or a named priority as nft writes it (`filter`, `dstnat - 5`); the bridge family
/// has its own table of names.
fn priority_of(p: &Value, family: &str) -> Option<i32> {
    match p {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(s) => {
            let mut words = s.split_whitespace();
            let base = words.next()?;
            let base = match base.parse::<i32>() {
                Ok(n) => n,
                Err(_) => named_priority(base, family)?,
            };
            match (words.next(), words.next(), words.next()) {
                (None, _, _) => Some(base),
                (Some(op), Some(n), None) => {
                    let n: i32 = n.parse().ok()?;
                    match op {
                        "+" => base.checked_add(n),
                        "-" => base.checked_sub(n),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn named_priority(name: &str, family: &str) -> Option<i32> {
    if family == "bridge" {
        return match name {
            "dstnat" => Some(-300),
            "filter" => Some(-200),
            "out" => Some(100),
            "srcnat" => Some(300),
            _ => None,
        };
    }
    match name {
        "raw" => Some(-300),
        "mangle" => Some(-150),
        "dstnat" => Some(-100),
        "filter" => Some(0),
        "security" => Some(50),
        "srcnat" => Some(100),
        _ => None,
    }
}

fn str_field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// `{"key": value}` with exactly one key.
fn single_key(v: &Value) -> Option<(&str, &Value)> {
    let o = v.as_object()?;
    let mut it = o.iter();
    match (it.next(), it.next()) {
        (Some((k, v)), None) => Some((k.as_str(), v)),
        _ => None,
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\\\""))
}

/// Whether nft prints this left-hand side's string values in quotes (interface names).
fn quotes_strings(left: &Value) -> bool {
    match single_key(left) {
        Some(("meta", m)) => {
            matches!(m.get("key").and_then(Value::as_str), Some("iifname" | "oifname" | "iif" | "oif"))
        }
        _ => false,
    }
}

/// A right-hand side, with its strings quoted when they are interface names.
fn value(v: &Value, quote: bool) -> String {
    match v {
        Value::String(s) if quote && !s.starts_with('@') => quoted(s),
        Value::Array(items) => items.iter().map(|i| value(i, quote)).collect::<Vec<_>>().join(","),
        Value::Object(o) if quote && o.len() == 1 => match o.get("set") {
            Some(Value::Array(items)) => set_text(items, |i| value(i, quote)),
            _ => expr(v),
        },
        v => expr(v),
    }
}

fn set_text(items: &[Value], mut each: impl FnMut(&Value) -> String) -> String {
    if items.is_empty() {
        return "{ }".into();
    }
    let parts: Vec<String> = items
        .iter()
        .map(|i| match i {
            // A map element: [key, value].
            Value::Array(kv) if kv.len() == 2 => format!("{} : {}", each(&kv[0]), expr(&kv[1])),
            i => each(i),
        })
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

/// An expression in nft syntax, as far as netview knows the schema; compact JSON otherwise.
fn expr(v: &Value) -> String {
    let Some((kind, e)) = single_key(v) else {
        return match v {
            Value::Array(items) => items.iter().map(expr).collect::<Vec<_>>().join(","),
            v => compact(v),
        };
    };
    let s = |k: &str| e.get(k).map(expr).unwrap_or_default();
    let binary = |op: &str| match e.as_array() {
        Some(xs) if !xs.is_empty() => xs.iter().map(expr).collect::<Vec<_>>().join(&format!(" {op} ")),
        _ => compact(v),
    };
    match kind {
        "prefix" => format!("{}/{}", s("addr"), s("len")),
        "range" => match e.as_array().map(Vec::as_slice) {
            Some([a, b]) => format!("{}-{}", expr(a), expr(b)),
            _ => compact(v),
        },
        "set" => match e {
            Value::Array(items) => set_text(items, expr),
            e => compact(e),
        },
        "concat" => binary("."),
        "&" | "|" | "^" | "<<" | ">>" => binary(kind),
        "meta" => {
            let key = s("key");
            match key.as_str() {
                "iif" | "oif" | "iifname" | "oifname" | "iiftype" | "oiftype" | "iifgroup" | "oifgroup" | "skuid"
                | "skgid" | "rtclassid" | "cpu" | "cgroup" | "ibrname" | "obrname" => key,
                _ => format!("meta {key}"),
            }
        }
        "payload" => match e.get("protocol") {
            Some(_) => format!("{} {}", s("protocol"), s("field")),
            None => format!("@{},{},{}", s("base"), s("offset"), s("len")),
        },
        "ct" => {
            let mut words = vec!["ct".to_string()];
            for k in ["dir", "family", "key"] {
                if e.get(k).is_some() {
                    words.push(s(k));
                }
            }
            words.join(" ")
        }
        "fib" => {
            let flags = match e.get("flags") {
                Some(Value::Array(fs)) => fs.iter().map(expr).collect::<Vec<_>>().join(" . "),
                Some(f) => expr(f),
                None => String::new(),
            };
            format!("fib {flags} {}", s("result"))
        }
        "rt" | "socket" | "osf" | "ipsec" => {
            let mut words = vec![kind.to_string()];
            for k in ["family", "dir", "spnum", "key", "level"] {
                if e.get(k).is_some() {
                    words.push(s(k));
                }
            }
            words.join(" ")
        }
        "exthdr" | "tcp option" | "ip option" | "sctp chunk" | "dccp option" => {
            let mut words = vec![kind.to_string(), s("name")];
            if e.get("field").is_some() {
                words.push(s("field"));
            }
            words.join(" ")
        }
        "numgen" => format!("numgen {} mod {}", s("mode"), s("mod")),
        "jhash" => format!("jhash {} mod {}", s("expr"), s("mod")),
        "symhash" => format!("symhash mod {}", s("mod")),
        "map" => format!("{} map {}", s("key"), s("data")),
        "elem" => s("val"),
        "accept" | "drop" | "continue" | "return" => kind.to_string(),
        "jump" | "goto" => format!("{kind} {}", s("target")),
        _ => compact(v),
    }
}

/// A statement in nft syntax. Counter values are left out so the text stays put as they grow.
fn stmt_text(key: &str, v: &Value) -> String {
    let s = |k: &str| v.get(k).map(expr).unwrap_or_default();
    let has = |k: &str| v.get(k).is_some();
    match key {
        "counter" => match v {
            Value::String(name) => format!("counter name {}", quoted(name)),
            _ => "counter".into(),
        },
        "jump" | "goto" => format!("{key} {}", s("target")),
        "reject" => match (has("type"), has("expr")) {
            (true, true) => format!("reject with {} {}", s("type"), s("expr")),
            (true, false) => format!("reject with {}", s("type")),
            _ => "reject".into(),
        },
        "dnat" | "snat" => {
            let mut out = key.to_string();
            if has("family") {
                out.push_str(&format!(" {}", s("family")));
            }
            let to = nat_to(v);
            if !to.is_empty() {
                out.push_str(&format!(" to {to}"));
            }
            out
        }
        "masquerade" | "redirect" => match v.get("port") {
            Some(p) => format!("{key} to :{}", expr(p)),
            None => key.into(),
        },
        "log" => {
            let mut out = "log".to_string();
            if let Some(p) = v.get("prefix").and_then(Value::as_str) {
                out.push_str(&format!(" prefix {}", quoted(p)));
            }
            for k in ["level", "group"] {
                if has(k) {
                    out.push_str(&format!(" {k} {}", s(k)));
                }
            }
            out
        }
        "limit" => {
            let over = if v.get("inv").and_then(Value::as_bool) == Some(true) { "over " } else { "" };
            let unit = if has("rate_unit") { format!(" {}", s("rate_unit")) } else { String::new() };
            format!("limit rate {over}{}{unit}/{}", s("rate"), s("per"))
        }
        "mangle" => format!("{} set {}", s("key"), s("value")),
        "vmap" => format!("{} vmap {}", s("key"), s("data")),
        "set" | "map" => format!("{} {} {}", s("op"), s("set"), s("elem")).trim().to_string(),
        _ => match v {
            Value::Null => key.to_string(),
            Value::String(x) => format!("{key} {}", quoted(x)),
            v => format!("{key} {}", compact(v)),
        },
    }
}
