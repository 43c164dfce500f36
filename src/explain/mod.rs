//! Concept notes, kept as data in `assets/` and filled with live values.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Concept {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub body: String,
}

#[derive(Debug, Deserialize)]
struct Catalog {
    concept: Vec<Concept>,
}

const EN: &str = include_str!("../../assets/concepts/en.toml");

fn parse(text: &str) -> Result<Vec<Concept>, String> {
    toml::from_str::<Catalog>(text).map(|c| c.concept).map_err(|e| e.to_string())
}

/// The English catalog, parsed once. A broken file is a build-time mistake the tests catch;
/// at run time it yields an empty catalog rather than a crash.
pub fn catalog() -> &'static [Concept] {
    static CATALOG: OnceLock<Vec<Concept>> = OnceLock::new();
    CATALOG.get_or_init(|| parse(EN).unwrap_or_default())
}

pub fn concept(id: &str) -> Option<&'static Concept> {
    catalog().iter().find(|c| c.id == id)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_with_unique_ids_and_every_field() {
        let c = parse(EN).expect("assets/concepts/en.toml parses");
        assert!(c.len() >= 8);
        let mut ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), c.len(), "duplicate concept ids");
        for k in &c {
            assert!(!k.title.is_empty() && !k.summary.is_empty() && !k.body.trim().is_empty(), "{} incomplete", k.id);
        }
        for id in [
            "host",
            "host-nic",
            "docker0",
            "linux-bridge",
            "veth-pair",
            "network-namespace",
            "container",
            "docker-network",
        ] {
            assert!(concept(id).is_some(), "missing concept {id}");
        }
    }

    #[test]
    fn fill_replaces_known_keys_only() {
        let v = BTreeMap::from([("name", "docker0".to_string())]);
        assert_eq!(fill("{name} has {ports} ports {", &v), "docker0 has {ports} ports {");
        assert_eq!(fill("json {\"a\": 1}", &v), "json {\"a\": 1}");
    }
}
