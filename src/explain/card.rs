//! A concept as a card: the parts in reading order, for the terminal overlay and the CLI alike.

use super::{Concept, Lang};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Title,
    Summary,
    Heading,
    Text,
    Command,
    Bullet,
    /// Text under a bullet.
    Detail,
}

fn heading(lang: Lang, what: &str) -> &'static str {
    match (lang, what) {
        (Lang::En, "live") => "On this host",
        (Lang::Ko, "live") => "이 호스트에서",
        (Lang::En, "see") => "Where to see it in netview",
        (Lang::Ko, "see") => "netview에서 보는 곳",
        (Lang::En, "commands") => "Commands",
        (Lang::Ko, "commands") => "명령",
        (Lang::En, "legacy") => "Older commands and what to use instead",
        (Lang::Ko, "legacy") => "예전 명령과 대신 쓸 명령",
        (Lang::En, "myths") => "Common misconceptions",
        (Lang::Ko, "myths") => "흔한 오해",
        (Lang::En, "related") => "Related",
        (Lang::Ko, "related") => "관련 개념",
        (Lang::En, "sources") => "Sources",
        (Lang::Ko, "sources") => "출처",
        (Lang::En, "claim") => "Claim: ",
        (Lang::Ko, "claim") => "주장: ",
        (Lang::En, "fact") => "In fact: ",
        (Lang::Ko, "fact") => "사실: ",
        _ => "",
    }
}

/// The card: title, summary, the live sentence (when an object is bound), the body, then, when
/// `full`, where to look, commands, legacy commands, misconceptions, related ids and sources.
pub fn parts(c: &Concept, live: Option<&str>, lang: Lang, full: bool) -> Vec<(Part, String)> {
    let live = live.filter(|l| !l.is_empty());
    if !full {
        // The short form (the pane) leads with what is true of the selected object.
        let mut out = vec![(Part::Title, c.title.clone())];
        out.extend(live.map(|l| (Part::Text, l.to_string())));
        out.push((Part::Summary, c.summary.clone()));
        out.push((Part::Text, c.body.trim().to_string()));
        return out;
    }
    let mut out = vec![(Part::Title, c.title.clone()), (Part::Summary, c.summary.clone())];
    out.push((Part::Text, c.body.trim().to_string()));
    if let Some(l) = live {
        out.push((Part::Heading, heading(lang, "live").into()));
        out.push((Part::Text, l.to_string()));
    }
    out.push((Part::Heading, heading(lang, "see").into()));
    out.push((Part::Text, c.see.clone()));
    out.push((Part::Heading, heading(lang, "commands").into()));
    out.extend(c.commands.iter().map(|cmd| (Part::Command, cmd.clone())));
    if !c.legacy.is_empty() {
        out.push((Part::Heading, heading(lang, "legacy").into()));
        out.extend(c.legacy.iter().map(|l| (Part::Bullet, format!("{} → {}", l.command, l.instead))));
    }
    if !c.myths.is_empty() {
        out.push((Part::Heading, heading(lang, "myths").into()));
        for m in &c.myths {
            out.push((Part::Bullet, format!("{}{}", heading(lang, "claim"), m.claim.trim())));
            out.push((Part::Detail, format!("{}{}", heading(lang, "fact"), m.correction.trim())));
        }
    }
    out.push((Part::Heading, heading(lang, "related").into()));
    out.push((Part::Text, c.related.join(", ")));
    out.push((Part::Heading, heading(lang, "sources").into()));
    out.extend(c.sources.iter().map(|s| (Part::Bullet, s.clone())));
    out
}

/// Wrap `text` to `width` terminal cells at spaces (Hangul is two cells wide).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if candidate.width() > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line = word.to_string();
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    lines
}

/// The card as plain text at `width` columns (for `netview explain <id>`).
pub fn text(c: &Concept, live: Option<&str>, lang: Lang, width: usize) -> String {
    let mut out = String::new();
    for (part, s) in parts(c, live, lang, true) {
        let (first, rest, blank_before) = match part {
            Part::Title => ("", "", false),
            Part::Summary => ("", "", false),
            Part::Heading => ("", "", true),
            Part::Text => ("  ", "  ", false),
            Part::Command => ("  $ ", "    ", false),
            Part::Bullet => ("  - ", "    ", false),
            Part::Detail => ("    ", "    ", false),
        };
        if blank_before {
            out.push('\n');
        }
        let body = if part == Part::Title { format!("{s} [{}]", c.id) } else { s };
        for (i, l) in wrap(&body, width.saturating_sub(first.len()).max(20)).into_iter().enumerate() {
            out.push_str(if i == 0 { first } else { rest });
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}
