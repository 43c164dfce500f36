//! The concept catalog: fact-checked teaching notes kept as data in `assets/concepts/`, in
//! English and Korean with the same ids, filled with live values where an object is selected.

pub mod bind;
pub mod card;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    /// Korean when the locale says so (LC_ALL, then LC_MESSAGES, then LANG), else English.
    pub fn from_env() -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        if locale.to_lowercase().starts_with("ko") { Lang::Ko } else { Lang::En }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Legacy {
    pub command: String,
    pub instead: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Myth {
    pub claim: String,
    pub correction: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    /// A sentence with `{placeholders}` filled from the selected object's live values.
    #[serde(default)]
    pub live: Option<String>,
    /// Where netview shows it.
    pub see: String,
    pub commands: Vec<String>,
    #[serde(default)]
    pub legacy: Vec<Legacy>,
    pub related: Vec<String>,
    pub sources: Vec<String>,
    #[serde(default)]
    pub myths: Vec<Myth>,
}

#[derive(Debug, Deserialize)]
struct Catalog {
    concept: Vec<Concept>,
}

pub const EN: &str = include_str!("../../assets/concepts/en.toml");
pub const KO: &str = include_str!("../../assets/concepts/ko.toml");

pub fn parse(text: &str) -> Result<Vec<Concept>, String> {
    toml::from_str::<Catalog>(text).map(|c| c.concept).map_err(|e| e.to_string())
}

/// A catalog, parsed once. A broken file is a mistake the tests catch; at run time it yields an
/// empty catalog rather than a crash.
pub fn catalog(lang: Lang) -> &'static [Concept] {
    static EN_CATALOG: OnceLock<Vec<Concept>> = OnceLock::new();
    static KO_CATALOG: OnceLock<Vec<Concept>> = OnceLock::new();
    match lang {
        Lang::En => EN_CATALOG.get_or_init(|| parse(EN).unwrap_or_default()),
        Lang::Ko => KO_CATALOG.get_or_init(|| parse(KO).unwrap_or_default()),
    }
}

pub fn concept(lang: Lang, id: &str) -> Option<&'static Concept> {
    catalog(lang).iter().find(|c| c.id == id)
}

/// Ids close to `wanted`, best first: for "unknown concept, did you mean …".
pub fn closest(wanted: &str, limit: usize) -> Vec<&'static str> {
    let wanted = wanted.to_lowercase();
    let mut scored: Vec<(usize, &'static str)> = catalog(Lang::En)
        .iter()
        .map(|c| {
            let id = c.id.as_str();
            let d = if id.contains(&wanted) || wanted.contains(id) { 0 } else { distance(&wanted, id) };
            (d, id)
        })
        .collect();
    scored.sort();
    scored.into_iter().filter(|(d, _)| *d <= wanted.len().max(3)).take(limit).map(|(_, id)| id).collect()
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Replace `{key}` by its value; a key without a value is left visible, never invented.
pub fn fill(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let key = &after[..end];
                match values.get(key) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// The `{keys}` a template uses.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if end > 0 && after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// Everything wrong with the two catalogs, as sentences (empty when they are sound).
pub fn problems() -> Vec<String> {
    let mut out = Vec::new();
    let (en, ko) = match (parse(EN), parse(KO)) {
        (Ok(en), Ok(ko)) => (en, ko),
        (Err(e), _) => return vec![format!("en.toml: {e}")],
        (_, Err(e)) => return vec![format!("ko.toml: {e}")],
    };
    let ids = |c: &[Concept]| c.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    if ids(&en) != ids(&ko) {
        out.push(format!("the ids differ between en and ko:\n en {:?}\n ko {:?}", ids(&en), ids(&ko)));
    }
    for (lang, cat) in [("en", &en), ("ko", &ko)] {
        let known: Vec<&str> = cat.iter().map(|c| c.id.as_str()).collect();
        let mut seen = std::collections::BTreeSet::new();
        for c in cat.iter() {
            let at = format!("{lang}:{}", c.id);
            if !seen.insert(c.id.as_str()) {
                out.push(format!("{at}: duplicate id"));
            }
            for (field, v) in [("title", &c.title), ("summary", &c.summary), ("body", &c.body), ("see", &c.see)] {
                if v.trim().is_empty() {
                    out.push(format!("{at}: empty {field}"));
                }
            }
            for (field, v) in [("commands", &c.commands), ("related", &c.related), ("sources", &c.sources)] {
                if v.is_empty() || v.iter().any(|s| s.trim().is_empty()) {
                    out.push(format!("{at}: {field} missing or empty"));
                }
            }
            for r in &c.related {
                if !known.contains(&r.as_str()) {
                    out.push(format!("{at}: related id {r} is not in the catalog"));
                }
            }
            for m in &c.myths {
                if m.claim.trim().is_empty() || m.correction.trim().is_empty() {
                    out.push(format!("{at}: a myth without claim or correction"));
                }
            }
            for l in &c.legacy {
                if l.command.trim().is_empty() || l.instead.trim().is_empty() {
                    out.push(format!("{at}: a legacy command without its replacement"));
                }
            }
        }
    }
    for (e, k) in en.iter().zip(ko.iter()) {
        let at = &e.id;
        if e.live.is_some() != k.live.is_some() {
            out.push(format!("{at}: `live` in one language only"));
        }
        if let (Some(a), Some(b)) = (&e.live, &k.live) {
            let (mut pa, mut pb) = (placeholders(a), placeholders(b));
            pa.sort();
            pa.dedup();
            pb.sort();
            pb.dedup();
            if pa != pb {
                out.push(format!("{at}: live placeholders differ: en {pa:?}, ko {pb:?}"));
            }
        }
        if e.commands != k.commands {
            out.push(format!("{at}: commands differ between en and ko (commands are not translated)"));
        }
        if (e.myths.len(), e.legacy.len(), e.related.len()) != (k.myths.len(), k.legacy.len(), k.related.len()) {
            out.push(format!("{at}: myths, legacy or related differ in number between en and ko"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_keys_only() {
        let v = BTreeMap::from([("name", "docker0".to_string())]);
        assert_eq!(fill("{name} has {ports} ports {", &v), "docker0 has {ports} ports {");
        assert_eq!(fill("json {\"a\": 1}", &v), "json {\"a\": 1}");
        assert_eq!(placeholders("{a} and {b_c} but not {x y} or {}"), vec!["a", "b_c"]);
    }

    #[test]
    fn closest_ids_for_typos() {
        assert_eq!(closest("dokcer0", 3).first(), Some(&"docker0"));
        assert!(closest("veth", 3).contains(&"veth-pair"));
    }
}
