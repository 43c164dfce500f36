//! The config file: `$XDG_CONFIG_HOME/netview/config.toml` (else `~/.config/netview/config.toml`),
//! or `--config PATH`. Theme, language, refresh interval and key bindings; flags on the command
//! line win over it. A bad file is an error naming the line, never silently ignored.

use crate::explain::Lang;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub theme: Option<ThemeSetting>,
    pub lang: Option<Lang>,
    /// Seconds between counter samples (0.25 to 10).
    pub interval: Option<f64>,
    /// Action name → the key that does it instead of the default one.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeSetting {
    Default,
    Projector,
}

/// Actions that can be given another key, with their default keys.
pub const ACTIONS: &[(&str, char)] = &[
    ("quit", 'q'),
    ("help", '?'),
    ("filter", '/'),
    ("refresh", 'r'),
    ("pause", 'p'),
    ("card", 'e'),
    ("path", 'm'),
    ("lessons", 'L'),
    ("next_step", 'n'),
    ("slower", '+'),
    ("faster", '-'),
];

pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("netview").join("config.toml"))
}

/// Read the config: `explicit` must exist; the default path may be missing (then all defaults).
pub fn load(explicit: Option<&Path>) -> Result<Config, String> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match default_path() {
            Some(p) if p.exists() => p,
            _ => return Ok(Config::default()),
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read it: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse(text: &str) -> Result<Config, String> {
    let c: Config = toml::from_str(text).map_err(|e| {
        let line =
            e.span().map(|s| text.as_bytes()[..s.start.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1);
        let msg = e.message().to_string();
        match line {
            Some(l) => format!("line {l}: {msg}"),
            None => msg,
        }
    })?;
    let line_of = |needle: &str| text.lines().position(|l| l.trim_start().starts_with(needle)).map_or(0, |i| i + 1);
    if let Some(i) = c.interval.filter(|i| !(0.25..=10.0).contains(i)) {
        return Err(format!("line {}: interval must be between 0.25 and 10 seconds, not {i}", line_of("interval")));
    }
    let mut taken: HashMap<char, &str> = HashMap::new();
    for (action, key) in &c.keys {
        let line = line_of(action);
        if !ACTIONS.iter().any(|(a, _)| a == action) {
            let known: Vec<&str> = ACTIONS.iter().map(|(a, _)| *a).collect();
            return Err(format!("line {line}: no action called {action:?} (actions: {})", known.join(", ")));
        }
        let mut chars = key.chars();
        let (Some(k), None) = (chars.next(), chars.next()) else {
            return Err(format!("line {line}: the key for {action} must be one character, not {key:?}"));
        };
        if let Some(other) = taken.insert(k, action) {
            return Err(format!("line {line}: {key:?} is given to both {other} and {action}"));
        }
    }
    Ok(c)
}

impl Config {
    /// Typed key → the default key of the action it stands for. A default key given away to
    /// another action no longer does its old job.
    pub fn keymap(&self) -> HashMap<char, char> {
        let mut map = HashMap::new();
        for (action, key) in &self.keys {
            let (Some(&(_, default)), Some(k)) = (ACTIONS.iter().find(|(a, _)| a == action), key.chars().next()) else {
                continue;
            };
            map.insert(k, default);
            map.entry(default).or_insert('\0');
        }
        map
    }
}
