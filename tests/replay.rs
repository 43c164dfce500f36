//! Replay and demo: a saved snapshot renders exactly as the model it was taken from, the demo
//! runs without privileges and its counters move, and bad files get a clear message.

mod tui_fixture;

use netview::app::update::on_update;
use netview::app::{App, ThemeName};
use netview::live::Update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::process::Command;
use std::time::Duration;
use tui_fixture::*;

const BIN: &str = env!("CARGO_BIN_EXE_netview");

fn screen(app: &mut App) -> String {
    app.size = (120, 40);
    app.ensure_selection_visible();
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| netview::ui::view(app, f)).unwrap();
    buffer_lines(t.backend().buffer()).join("\n")
}

#[test]
fn a_replayed_snapshot_renders_like_the_model_it_was_taken_from() {
    let live = app(observation(), ThemeName::Default);
    let json = serde_json::to_string(&live.topology).unwrap();
    let topology = netview::replay::parse("fixture.json", &json).expect("our own snapshot reads back");
    assert_eq!(topology, live.topology, "nothing is lost on the way through JSON");
    let mut replayed = App::new(base(), Duration::from_secs(1), ThemeName::Default);
    on_update(&mut replayed, Update::Topology { topology: Box::new(topology), sampled_at: base() }, "14:03:21 UTC");
    let mut live = live;
    assert_eq!(screen(&mut replayed), screen(&mut live));
    // Lessons work on a replay too: the first one is checked on the saved model.
    assert!(netview::app::lesson::open(&mut replayed, "meet-the-host"));
    assert!(replayed.lesson.as_ref().unwrap().done[0], "the saved host has a default route");
}

#[test]
fn the_demo_is_a_real_snapshot_with_what_it_promises() {
    let t = netview::replay::demo();
    assert!(t.docker.available && t.docker.containers.len() >= 5, "{} containers", t.docker.containers.len());
    assert!(t.docker.networks.iter().any(|n| n.overlay.is_some()), "an overlay network");
    assert!(
        !t.firewall.ports.is_empty() && !t.firewall.ports[0].dnat.is_empty(),
        "a published port with its DNAT rule"
    );
    assert!(t.docker.containers.iter().all(|c| c.name.starts_with("nvdemo-")), "only the demo world");
}

#[tokio::test]
async fn demo_counters_move() {
    let (mut rx, ctl) = netview::replay::spawn(netview::replay::demo(), true, Duration::from_millis(200));
    let Some(Update::Topology { .. }) = rx.recv().await else { panic!("the topology comes first") };
    let Some(Update::Counters { samples: a, .. }) = rx.recv().await else { panic!("then counters") };
    let Some(Update::Counters { samples: b, .. }) = rx.recv().await else { panic!("and more") };
    assert!(a.iter().zip(&b).any(|((_, x), (_, y))| y.rx_bytes > x.rx_bytes), "the counters grow");
    let _ = ctl.send(netview::live::Control::Quit);
}

#[test]
fn bad_snapshots_get_a_clear_message_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("nvt-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("cut.json", "{\"schema\": 1,\n  \"host\": ", "cut.json:2:10: not valid JSON: EOF while parsing a value"),
        ("v2.json", "{\"schema\": 2}", "v2.json: snapshot schema 2; this netview reads schema 1"),
        ("other.json", "[1, 2]", "other.json: not a netview snapshot (no \"schema\""),
    ];
    for (name, content, want) in cases {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let out = Command::new(BIN).arg("--replay").arg(&path).arg("--snapshot").output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
    }
    let out = Command::new(BIN).args(["--replay", "/nonexistent/netview.json", "--snapshot"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/netview.json: cannot read it"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_demo_runs_as_an_unprivileged_user() {
    if !nix::unistd::Uid::effective().is_root() {
        // Already unprivileged: run it as we are.
        let out = Command::new(BIN).args(["--demo", "--snapshot"]).output().unwrap();
        assert!(out.status.success());
        return;
    }
    let out =
        Command::new("runuser").args(["-u", "nobody", "--", BIN, "--demo", "--snapshot", "--format", "json"]).output();
    let out = out.expect("runuser (util-linux)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown: netview::model::Topology = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown, netview::replay::demo(), "the demo as nobody is the shipped snapshot");
}
