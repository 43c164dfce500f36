//! Classroom lessons: data in `assets/lessons/{en,ko}.toml`, steps whose checks are evaluated on
//! the live model. netview never runs a lesson's commands: it shows them and watches the host.

pub mod checks;
pub mod handout;

use crate::explain::Lang;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub const EN: &str = include_str!("../../assets/lessons/en.toml");
pub const KO: &str = include_str!("../../assets/lessons/ko.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    lesson: Vec<Lesson>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub id: String,
    pub number: u32,
    pub title: String,
    pub goal: String,
    pub needs: String,
    #[serde(default)]
    pub concepts: Vec<String>,
    /// Files a step's commands refer to as `{file:NAME}` (a compose file), written out on demand.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    pub step: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub text: String,
    pub look: String,
    #[serde(default)]
    pub commands: Vec<String>,
    #[serde(default)]
    pub highlight: Vec<String>,
    pub check: Check,
    pub hint: String,
}

/// What makes a step done, evaluated on the live model (see `checks`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "predicate", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    Docker {},
    DefaultRoute {},
    DefaultBridge {},
    Networks {
        names: Vec<String>,
    },
    Container {
        name: String,
        network: Option<String>,
        mode: Option<String>,
        min_networks: Option<usize>,
    },
    VethOnBridge {
        container: String,
    },
    UserNetwork {
        name: String,
    },
    SameNetwork {
        a: String,
        b: String,
    },
    Published {
        container: String,
    },
    DnatCounted {
        container: String,
    },
    /// The kernel tracks a connection through a published port of the container.
    Tracked {
        container: String,
    },
    Proxy {
        container: String,
    },
    Path {
        from: String,
        to: String,
        verdict: String,
        via: Option<String>,
    },
    Internal {
        network: String,
    },
    IccOff {
        network: String,
    },
    ComposeNetwork {
        project: String,
    },
    Lab {
        name: String,
    },
    Kubernetes {
        pod_cidr: Option<String>,
    },
    Absent {
        #[serde(default)]
        containers: Vec<String>,
        #[serde(default)]
        networks: Vec<String>,
        #[serde(default)]
        labs: Vec<String>,
    },
}

impl Step {
    /// A step with no commands only asks the student to look.
    pub fn is_observation(&self) -> bool {
        self.commands.is_empty()
    }
    /// The last step removes what the lesson made; graders do not count it.
    pub fn is_cleanup(&self) -> bool {
        matches!(self.check, Check::Absent { .. })
    }
}

/// What the placeholders in commands and names stand for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vars {
    /// `{p}`: the prefix of every object a lesson makes.
    pub prefix: String,
    /// `{image}`: an image with busybox applets.
    pub image: String,
    /// `{port}`: a free host port.
    pub port: u16,
    /// `{host_ip}`: the host's address on its default route (filled from the live model).
    pub host_ip: Option<String>,
    /// `{file:NAME}`: where a lesson file was written.
    pub files_dir: Option<String>,
}

impl Default for Vars {
    fn default() -> Self {
        Vars { prefix: "nvl-".into(), image: "busybox".into(), port: 8080, host_ip: None, files_dir: None }
    }
}

impl Vars {
    pub fn fill(&self, s: &str) -> String {
        let mut out = s
            .replace("{p}", &self.prefix)
            .replace("{image}", &self.image)
            .replace("{port}", &self.port.to_string())
            .replace("{host_ip}", self.host_ip.as_deref().unwrap_or("<host address>"));
        while let Some(start) = out.find("{file:") {
            let Some(len) = out[start..].find('}') else { break };
            let name = out[start + 6..start + len].to_string();
            let path = match &self.files_dir {
                Some(d) => format!("{d}/{name}"),
                None => name.clone(),
            };
            out.replace_range(start..=start + len, &path);
        }
        out
    }
}

pub fn parse(text: &str) -> Result<Vec<Lesson>, String> {
    let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(f.lesson)
}

pub fn catalog(lang: Lang) -> &'static [Lesson] {
    static EN_LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();
    static KO_LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();
    let (cell, text) = match lang {
        Lang::En => (&EN_LESSONS, EN),
        Lang::Ko => (&KO_LESSONS, KO),
    };
    // The files are part of the binary and checked by the tests: an error here is a build bug.
    cell.get_or_init(|| parse(text).unwrap_or_else(|e| panic!("assets/lessons ({lang:?}) does not parse: {e}")))
}

pub fn lesson(lang: Lang, id: &str) -> Option<&'static Lesson> {
    catalog(lang).iter().find(|l| l.id == id || l.number.to_string() == id)
}

/// What is wrong with a pair of lesson files: parity between languages, ids, selectors, concepts,
/// and commands that would need a shell. Empty when all is well.
pub fn problems(en: &[Lesson], ko: &[Lesson], concept_ids: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    if en.len() != ko.len() {
        out.push(format!("{} English lessons, {} Korean", en.len(), ko.len()));
    }
    for (e, k) in en.iter().zip(ko) {
        if (&e.id, e.number, &e.concepts, &e.files) != (&k.id, k.number, &k.concepts, &k.files) {
            out.push(format!("lesson {} / {}: id, number, concepts or files differ", e.id, k.id));
        }
        if e.step.len() != k.step.len() {
            out.push(format!("lesson {}: {} steps in English, {} in Korean", e.id, e.step.len(), k.step.len()));
        }
        for c in &e.concepts {
            if !concept_ids.contains(&c.as_str()) {
                out.push(format!("lesson {}: unknown concept {c}", e.id));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for (s, t) in e.step.iter().zip(&k.step) {
            if !seen.insert(&s.id) {
                out.push(format!("lesson {}: step id {} twice", e.id, s.id));
            }
            if (&s.id, &s.commands, &s.highlight, &s.check) != (&t.id, &t.commands, &t.highlight, &t.check) {
                out.push(format!(
                    "lesson {} step {}: ids, commands, highlights or check differ between languages",
                    e.id, s.id
                ));
            }
            for text in [&s.title, &s.text, &s.look, &s.hint, &t.title, &t.text, &t.look, &t.hint] {
                if text.trim().is_empty() {
                    out.push(format!("lesson {} step {}: an empty text", e.id, s.id));
                }
            }
            for c in &s.commands {
                if let Some(bad) =
                    ["|", ">", "<", "&&", ";", "$(", "`", "\"", "'", "sudo "].iter().find(|b| c.contains(*b))
                {
                    out.push(format!("lesson {} step {}: command {c:?} needs a shell ({bad})", e.id, s.id));
                }
                for name in placeholders(c) {
                    let known = matches!(name.as_str(), "p" | "image" | "port" | "host_ip")
                        || name.strip_prefix("file:").is_some_and(|f| e.files.contains_key(f));
                    if !known {
                        out.push(format!("lesson {} step {}: unknown placeholder {{{name}}}", e.id, s.id));
                    }
                }
            }
            for h in &s.highlight {
                if !checks::valid_selector(h) {
                    out.push(format!("lesson {} step {}: unknown highlight {h:?}", e.id, s.id));
                }
            }
        }
        if !e.step.last().is_some_and(Step::is_cleanup) {
            out.push(format!("lesson {}: the last step must clean up (check `absent`)", e.id));
        }
    }
    out
}

fn placeholders(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}
