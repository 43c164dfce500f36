//! Every lesson, played for real (NETVIEW_LIVE_TESTS=1, root, Docker): the test types each step's
//! commands as a student would (argument vectors, placeholders filled with this test's prefix,
//! image and a free port) and checks that the step is waiting before them and done after them,
//! while observation steps hold from the start. Everything is named nvt-<pid>-l<n>- and removed
//! by guards, labs by `netview lab down`.

mod support;

use netview::explain::Lang;
use netview::lessons::{self, Lesson, Vars, checks};
use netview::model::Topology;
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

fn topology() -> Topology {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    netview::model::build(&rt.block_on(netview::collect::collect(&Default::default())))
}

/// Removes labs the lesson may have brought up, even when the test fails.
struct Labs;

impl Drop for Labs {
    fn drop(&mut self) {
        let _ = Command::new(NETVIEW).args(["lab", "down"]).output();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("0.0.0.0:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// One command as the student types it; `netview` is this build's binary.
fn type_command(line: &str) -> String {
    let mut argv = line.split(' ').filter(|w| !w.is_empty());
    let prog = argv.next().unwrap_or_default();
    let prog = if prog == "netview" { NETVIEW } else { prog };
    let mut cmd = Command::new(prog);
    cmd.args(argv).env_remove("DOCKER_HOST");
    match exec(&mut cmd, Duration::from_secs(120)) {
        Ok(o) => format!("{line} → {} {}", o.status, o.stderr.lines().next().unwrap_or("")),
        Err(e) => format!("{line} → could not run: {e}"),
    }
}

fn play(l: &Lesson, n: usize) {
    let p = format!("{}{}-", prefix('l'), n);
    let _guard = Guard::new(&p[..p.len() - 1]);
    let _labs = Labs;
    let dir = std::env::temp_dir().join(format!("{p}files"));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, content) in &l.files {
        std::fs::write(dir.join(name), content.replace("{image}", IMAGE).replace("{p}", &p)).unwrap();
    }
    let mut vars = Vars {
        prefix: p.clone(),
        image: IMAGE.into(),
        port: free_port(),
        host_ip: None,
        files_dir: Some(dir.display().to_string()),
    };
    let mut failures = Vec::new();
    for (i, step) in l.step.iter().enumerate() {
        let t = topology();
        vars.host_ip = netview::app::lesson::host_ip(&t);
        let before = checks::holds(&t, &step.check, &vars);
        let what = format!("{} step {} ({})", l.id, i + 1, step.id);
        if step.is_observation() {
            if !before {
                failures.push(format!("{what}: an observation step that does not hold"));
            }
            continue;
        }
        if before {
            failures.push(format!("{what}: done before its commands ran"));
        }
        let typed: Vec<String> = step.commands.iter().map(|c| type_command(&vars.fill(c))).collect();
        let start = Instant::now();
        let mut done = false;
        while start.elapsed() < Duration::from_secs(15) {
            if checks::holds(&topology(), &step.check, &vars) {
                done = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        if !done {
            failures.push(format!("{what}: not done after its commands:\n      {}", typed.join("\n      ")));
        }
        eprintln!("{what}: {}", if done { "done" } else { "NOT done" });
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}:\n  - {}", l.id, failures.join("\n  - "));
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn every_lesson_played_step_by_step() {
    if !live("every_lesson_played_step_by_step") {
        return;
    }
    // One after the other: lessons share the default bridge and the labs.
    for (n, l) in lessons::catalog(Lang::En).iter().enumerate() {
        play(l, n + 1);
    }
}
