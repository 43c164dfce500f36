//! Firewall rules as the host has them, in one shape whatever the backend: iptables-legacy,
//! iptables-nft and native nftables all parse into `Ruleset`. Pure data, no I/O.

use serde::{Deserialize, Serialize};

/// Which kernel subsystem holds a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// x_tables, read with `iptables-legacy-save`.
    IptablesLegacy,
    /// nf_tables tables made by iptables-nft, read with `iptables-nft-save`.
    IptablesNft,
    /// Native nftables tables (Docker's nftables backend, kube-proxy's nftables mode, nftables.conf).
    Nftables,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::IptablesLegacy => "iptables-legacy",
            Backend::IptablesNft => "iptables-nft",
            Backend::Nftables => "nftables",
        }
    }
}

/// The address family of a table. nftables' `inet` tables carry both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Ipv4,
    Ipv6,
    Inet,
    /// bridge, arp, netdev: kept for completeness, never walked.
    Other,
}

/// Netfilter hooks a base chain can sit on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hook {
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
}

impl Hook {
    pub fn as_str(self) -> &'static str {
        match self {
            Hook::Prerouting => "prerouting",
            Hook::Input => "input",
            Hook::Forward => "forward",
            Hook::Output => "output",
            Hook::Postrouting => "postrouting",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
}

/// Where one read of the rules came from and how it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesetSource {
    pub backend: Backend,
    /// The tool and arguments that were run (an argument vector, never a shell string).
    pub command: Vec<String>,
    pub status: SourceStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum SourceStatus {
    /// Read; the number of rules found.
    Read(usize),
    /// The tool is not installed.
    Missing,
    /// Not allowed (reading rules needs CAP_NET_ADMIN).
    Denied(String),
    /// Ran but failed or printed something unreadable.
    Failed(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ruleset {
    pub sources: Vec<RulesetSource>,
    pub tables: Vec<Table>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub backend: Backend,
    pub family: Family,
    pub name: String,
    pub chains: Vec<Chain>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    pub name: String,
    /// Set for base chains (iptables' built-in chains, nftables chains with a hook).
    pub hook: Option<Hook>,
    /// nftables priority; iptables tables get their fixed priorities (raw -300, mangle -150,
    /// nat -100 before routing / 100 after, filter 0).
    pub priority: i32,
    /// "filter", "nat", "route" for base chains.
    pub kind: Option<String>,
    /// The verdict of a base chain when no rule decides.
    pub policy: Option<Target>,
    pub policy_counters: Option<Counters>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule as its tool prints it (`-A DOCKER ... -j DNAT ...`, or nft syntax).
    pub text: String,
    pub counters: Option<Counters>,
    pub matches: Vec<Match>,
    pub target: Target,
    pub comment: Option<String>,
}

/// A condition of a rule. Conditions netview cannot evaluate are kept as `Other` with their text,
/// so a walk can say which rules it had to assume about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "match", rename_all = "snake_case")]
pub enum Match {
    /// `-i`; a trailing `+` is a prefix wildcard, as in iptables.
    InIface {
        name: String,
        negated: bool,
    },
    OutIface {
        name: String,
        negated: bool,
    },
    /// `-s`, CIDR (a bare address means /32 or /128).
    Source {
        cidr: String,
        negated: bool,
    },
    Destination {
        cidr: String,
        negated: bool,
    },
    /// `-p tcp|udp|icmp|...`.
    Protocol {
        name: String,
        negated: bool,
    },
    /// `--dport`/`--dports`, each a port or an inclusive range.
    DestPort {
        ports: Vec<(u16, u16)>,
        negated: bool,
    },
    SourcePort {
        ports: Vec<(u16, u16)>,
        negated: bool,
    },
    /// `-m addrtype --dst-type LOCAL`, nft `fib daddr type local`.
    DestType {
        kind: String,
        negated: bool,
    },
    SourceType {
        kind: String,
        negated: bool,
    },
    /// `-m conntrack --ctstate RELATED,ESTABLISHED`, nft `ct state`.
    CtState {
        states: Vec<String>,
        negated: bool,
    },
    /// Anything else (`-m mark`, `-m statistic`, sets, physdev...): not evaluated.
    Other {
        text: String,
    },
}

/// What a rule does when it matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "target", content = "arg", rename_all = "snake_case")]
pub enum Target {
    Accept,
    Drop,
    Reject,
    Return,
    Jump(String),
    Goto(String),
    /// `--to-destination addr[:port]`.
    Dnat(String),
    Snat(String),
    Masquerade,
    /// `REDIRECT --to-ports`.
    Redirect(String),
    /// Non-terminal targets (MARK, LOG, CONNMARK, counter-only rules...), by name.
    Continue(String),
    /// Terminal or unknown targets netview does not model, by name.
    Other(String),
}

impl Target {
    /// Short name for display: "ACCEPT", "DNAT → 172.17.0.2:80", "jump DOCKER".
    pub fn label(&self) -> String {
        match self {
            Target::Accept => "ACCEPT".into(),
            Target::Drop => "DROP".into(),
            Target::Reject => "REJECT".into(),
            Target::Return => "RETURN".into(),
            Target::Jump(c) => format!("→ {c}"),
            Target::Goto(c) => format!("goto {c}"),
            Target::Dnat(to) => format!("DNAT → {to}"),
            Target::Snat(to) => format!("SNAT → {to}"),
            Target::Masquerade => "MASQUERADE".into(),
            Target::Redirect(to) => format!("REDIRECT → {to}"),
            Target::Continue(n) | Target::Other(n) => n.clone(),
        }
    }
}

/// A rule with its table, chain and position.
pub type PlacedRule<'a> = (&'a Table, &'a Chain, usize, &'a Rule);

/// Points at one rule of a ruleset (stable while the ruleset is).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RuleRef {
    pub backend: Backend,
    pub family: Family,
    pub table: String,
    pub chain: String,
    /// Position in the chain, from 0; None for the chain's policy.
    pub index: Option<usize>,
}

impl RuleRef {
    pub fn at(table: &Table, chain: &Chain, index: Option<usize>) -> RuleRef {
        RuleRef {
            backend: table.backend,
            family: table.family,
            table: table.name.clone(),
            chain: chain.name.clone(),
            index,
        }
    }
}

impl Ruleset {
    pub fn rule_count(&self) -> usize {
        self.tables.iter().flat_map(|t| &t.chains).map(|c| c.rules.len()).sum()
    }
    pub fn table(&self, backend: Backend, family: Family, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.backend == backend && t.family == family && t.name == name)
    }
    pub fn rule(&self, r: &RuleRef) -> Option<&Rule> {
        let chain = self.table(r.backend, r.family, &r.table)?.chain(&r.chain)?;
        chain.rules.get(r.index?)
    }
    /// Every rule with where it sits, without building a `RuleRef` for each (see `RuleRef::at`).
    pub fn placed_rules(&self) -> impl Iterator<Item = PlacedRule<'_>> {
        self.tables
            .iter()
            .flat_map(|t| t.chains.iter().flat_map(move |c| c.rules.iter().enumerate().map(move |(i, r)| (t, c, i, r))))
    }
    /// Every rule with its reference, in table and chain order.
    pub fn rules(&self) -> impl Iterator<Item = (RuleRef, &Rule)> {
        self.placed_rules().map(|(t, c, i, r)| (RuleRef::at(t, c, Some(i)), r))
    }
    /// Whether any table could be read at all.
    pub fn readable(&self) -> bool {
        self.sources.iter().any(|s| matches!(s.status, SourceStatus::Read(_)))
    }
}

impl Table {
    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.chains.iter().find(|c| c.name == name)
    }
}

impl Rule {
    /// A rule that matches what it is given and has these conditions; for fixtures and tests.
    pub fn new(text: impl Into<String>, matches: Vec<Match>, target: Target) -> Rule {
        Rule { text: text.into(), counters: None, matches, target, comment: None }
    }
}
