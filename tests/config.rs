//! The config file: values read, every error names its line, keys rebound in the app.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use netview::app::update::on_event;
use netview::app::{App, ThemeName};
use netview::config::{Config, ThemeSetting, parse};
use netview::explain::Lang;
use std::time::{Duration, Instant};

#[test]
fn a_good_file_is_read() {
    let c = parse("theme = \"projector\"\nlang = \"ko\"\ninterval = 2.5\n\n[keys]\nquit = \"x\"\nlessons = \"l\"\n")
        .unwrap();
    assert_eq!(c.theme, Some(ThemeSetting::Projector));
    assert_eq!(c.lang, Some(Lang::Ko));
    assert_eq!(c.interval, Some(2.5));
    assert_eq!(parse("").unwrap(), Config::default());
}

#[test]
fn errors_name_the_line() {
    for (text, want) in [
        ("theme = \"projector\"\nlang = \"fr\"\n", "line 2:"),
        ("theme = \"projector\"\n\ncolour = 1\n", "line 3:"),
        ("interval = 0.1\n", "line 1: interval must be between 0.25 and 10"),
        ("[keys]\nquit = \"x\"\nlaunch = \"z\"\n", "line 3: no action called \"launch\""),
        ("[keys]\nquit = \"xy\"\n", "line 2: the key for quit must be one character"),
        ("[keys]\nquit = \"x\"\nhelp = \"x\"\n", "is given to both"),
        ("theme = projector\n", "line 1:"),
    ] {
        let e = parse(text).expect_err(text);
        assert!(e.contains(want), "{text:?}: {e}");
    }
}

#[test]
fn the_binary_refuses_a_bad_config_with_exit_2() {
    let path = std::env::temp_dir().join(format!("nvt-config-{}.toml", std::process::id()));
    std::fs::write(&path, "theme = \"loud\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netview"))
        .arg("--config")
        .arg(&path)
        .args(["lesson", "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("netview: config: {}: line 1:", path.display())), "{err}");
    std::fs::remove_file(&path).unwrap();
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[test]
fn rebound_keys_do_their_new_job_and_the_old_key_stops() {
    let c = parse("[keys]\nquit = \"x\"\nhelp = \"h\"\n").unwrap();
    let mut app = App::new(Instant::now(), Duration::from_secs(1), ThemeName::Default);
    app.keymap = c.keymap();
    on_event(&mut app, key('q'), Instant::now());
    assert!(!app.quit, "q no longer quits");
    on_event(&mut app, key('h'), Instant::now());
    assert!(app.help, "h opens the help");
    on_event(&mut app, key('h'), Instant::now()); // any key closes the help
    on_event(&mut app, key('x'), Instant::now());
    assert!(app.quit, "x quits");
}
