//! `netview lesson list|check|show`.

use crate::cli::{LessonCommand, LessonVars};
use crate::collect::{self, Options};
use crate::explain::Lang;
use crate::lessons::{self, Vars, checks, handout};
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;

fn vars(v: &LessonVars) -> Vars {
    Vars { prefix: v.prefix.clone(), image: v.image.clone(), port: v.port, ..Vars::default() }
}

pub fn command(
    action: &LessonCommand,
    lang: Lang,
    opts: &Options,
    runtime: tokio::runtime::Runtime,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let find = |id: &str| {
        lessons::lesson(lang, id).ok_or_else(|| {
            let ids: Vec<&str> = lessons::catalog(lang).iter().map(|l| l.id.as_str()).collect();
            format!("no lesson called {id:?}; the lessons are: {}", ids.join(", "))
        })
    };
    let code = match action {
        LessonCommand::List => {
            for l in lessons::catalog(lang) {
                writeln!(out, "{:>2}  {:<22} {}", l.number, l.id, l.title)?;
            }
            ExitCode::SUCCESS
        }
        LessonCommand::Show { lesson, vars: v } => match find(lesson) {
            Ok(l) => {
                write!(out, "{}", handout::markdown(l, &vars(v), lang))?;
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("netview: {e}");
                ExitCode::from(2)
            }
        },
        LessonCommand::Check { lesson, vars: v } => match find(lesson) {
            Ok(l) => {
                let obs = runtime.block_on(collect::collect(opts));
                let t = crate::model::build(&obs);
                let mut vars = vars(v);
                vars.host_ip = crate::app::lesson::host_ip(&t);
                let mut all = true;
                writeln!(out, "{}. {}", l.number, l.title)?;
                for (i, s) in l.step.iter().enumerate() {
                    let done = checks::holds(&t, &s.check, &vars);
                    let cleanup = s.is_cleanup();
                    all &= done || cleanup;
                    let mark = if done { "✓ done   " } else { "○ waiting" };
                    let note = if cleanup { "  (cleanup: not counted)" } else { "" };
                    writeln!(
                        out,
                        "  {mark} {}. {}: {}{note}",
                        i + 1,
                        s.title,
                        handout::describe(&s.check, &vars, lang)
                    )?;
                }
                if all { ExitCode::SUCCESS } else { ExitCode::from(1) }
            }
            Err(e) => {
                eprintln!("netview: {e}");
                ExitCode::from(2)
            }
        },
    };
    out.flush().context("writing the lesson")?;
    Ok(code)
}
