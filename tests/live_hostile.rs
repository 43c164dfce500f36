//! Hostile and odd input, live (NETVIEW_LIVE_TESTS=1, root): interface names at the 15-byte
//! limit, in Hangul and emoji, with a terminal escape sequence and with bytes that are not UTF-8,
//! in the snapshot (text and JSON) and on a real terminal; and netview run as an unprivileged
//! user. Every link is the test's own (`nvt-<pid>-h…`) and removed by a guard.

mod support;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::process::Command;
use std::time::Duration;
use support::*;

/// Deletes the links by their exact bytes (a name that is not UTF-8 cannot go through `ip -j`).
struct Links(Vec<OsString>);

impl Drop for Links {
    fn drop(&mut self) {
        for n in &self.0 {
            let _ = Command::new("ip").arg("link").arg("del").arg(n).output();
        }
    }
}

fn add_bridge(name: &OsString) {
    let out = Command::new("ip").args(["link", "add"]).arg(name).args(["type", "bridge"]).output().unwrap();
    assert!(out.status.success(), "ip link add {:?}: {}", name, String::from_utf8_lossy(&out.stderr));
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn odd_interface_names_are_shown_safely() {
    if !live("odd_interface_names_are_shown_safely") {
        return;
    }
    let p = prefix('h'); // nvt-xxxx-h: 10 bytes
    let _guard = Guard::new(&p);
    let names: Vec<OsString> = vec![
        format!("{p}\x1b[2J").into(),                               // clears a terminal if sent raw
        format!("{p}한").into(),                                    // Hangul: 3 bytes, 2 cells
        format!("{p}🦀").into(),                                    // emoji: 4 bytes
        format!("{p}12345").into(),                                 // exactly 15 bytes
        OsString::from_vec([p.as_bytes(), &[0xff, 0xfe]].concat()), // not UTF-8
    ];
    assert_eq!(names[3].len(), 15);
    let links = Links(names.clone());
    for n in &links.0 {
        add_bridge(n);
    }
    // Text: everything listed, the escape shown as text, no raw control byte on stdout.
    let text = netview(&["--snapshot", "--no-docker", "--no-firewall"], &[]);
    assert_clean_exit(&text, "netview --snapshot");
    assert!(!text.stdout.contains('\x1b'), "a raw ESC reached stdout");
    for shown in [format!("{p}\\u{{1b}}[2J"), format!("{p}한"), format!("{p}🦀"), format!("{p}12345"), format!("{p}??")]
    {
        assert!(text.stdout.contains(&shown), "{shown:?} missing from the snapshot");
    }
    // JSON: valid, with the names as the kernel gave them (bytes that are not UTF-8 shown as '?').
    let snap = snapshot_json(&[]);
    let host = snap["namespaces"].as_array().unwrap().iter().find(|n| n["host"] == true).unwrap();
    let got: Vec<&str> = host["interfaces"].as_array().unwrap().iter().filter_map(|i| i["name"].as_str()).collect();
    for n in &names[..4] {
        let n = n.to_str().unwrap();
        assert!(got.contains(&n), "{n:?} not in the JSON: {got:?}");
    }
    // A real terminal: the dashboard keeps its frame; the escape is shown, not obeyed.
    let sock = format!("{p}t");
    let tmux = |args: &[&str]| Command::new("tmux").arg("-L").arg(&sock).args(args).output().unwrap();
    tmux(&["new-session", "-d", "-x", "120", "-y", "40", NETVIEW, "--no-docker", "--no-firewall"]);
    let mut screen = String::new();
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        screen = String::from_utf8_lossy(&tmux(&["capture-pane", "-p"]).stdout).into_owned();
        if screen.contains(&format!("{p}12345")) {
            break;
        }
    }
    tmux(&["kill-server"]);
    assert!(screen.contains(&format!("{p}\\u{{1b}}[2J")), "the escape is shown as text:\n{screen}");
    assert!(screen.contains(&format!("{p}한")), "Hangul shown:\n{screen}");
    let rows: Vec<&str> = screen.lines().filter(|l| l.starts_with('┃')).collect();
    assert!(rows.len() > 10, "the frame is drawn:\n{screen}");
    for r in rows {
        let right = r.char_indices().filter(|(_, c)| *c == '┃').map(|(i, _)| r[..i].chars().count()).nth(1);
        let width: usize = r[..r.char_indices().filter(|(_, c)| *c == '┃').nth(1).map_or(r.len(), |(i, _)| i)]
            .chars()
            .map(unicode_width)
            .sum();
        assert!(right.is_some() && width == 53, "the tree's right border moved ({width} cells): {r:?}");
    }
    drop(links);
    let left = Command::new("ip").args(["-o", "link"]).output().unwrap().stdout;
    assert!(!left.windows(p.len()).any(|w| w == p.as_bytes()), "links left behind");
}

/// Display width of one character as a terminal counts it (enough for these names).
fn unicode_width(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115f | 0x2e80..=0xa4cf | 0xac00..=0xd7a3 | 0xf900..=0xfaff | 0xfe30..=0xfe4f | 0xff00..=0xff60 => 2,
        0x1f300..=0x1faff => 2,
        _ => 1,
    }
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn an_unprivileged_user_gets_the_host_view_and_notes() {
    if !live("an_unprivileged_user_gets_the_host_view_and_notes") {
        return;
    }
    let out =
        exec(Command::new("runuser").args(["-u", "nobody", "--", NETVIEW, "--snapshot"]), Duration::from_secs(60))
            .expect("runuser");
    assert!(out.status.success(), "exit {}: {}", out.status, out.stderr);
    assert!(!out.stderr.contains("panicked"));
    let text = out.stdout;
    assert!(text.contains("not root"), "says it is not root:\n{text}");
    assert!(text.contains("needs root"), "says what needs root:\n{text}");
    assert!(text.contains("TOPOLOGY") && text.contains("host"), "still shows the host:\n{text}");
    let out = exec(
        Command::new("runuser").args(["-u", "nobody", "--", NETVIEW, "--snapshot", "--json"]),
        Duration::from_secs(60),
    )
    .expect("runuser");
    let v = json(&out.stdout, "unprivileged JSON");
    assert_eq!(v["host"]["root"], false);
    assert!(v["namespaces"].as_array().is_some_and(|a| a.iter().any(|n| n["host"] == true)));
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn docker_that_is_a_file_garbage_or_silent_is_bounded_and_named() {
    if !live("docker_that_is_a_file_garbage_or_silent_is_bounded_and_named") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("{}-docker", prefix('h')));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("not-a-socket");
    std::fs::write(&file, "hello").unwrap();
    // A Docker API that accepts connections and never answers.
    let silent = dir.join("silent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&silent).unwrap();
    let keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming().take(8).flatten() {
            held.push(c);
        }
    });
    for host in [format!("unix://{}", file.display()), "garbage".to_string(), format!("unix://{}", silent.display())] {
        let at = format!("DOCKER_HOST={host}");
        let out =
            netview(&["--snapshot", "--json", "--docker-timeout", "1", "--no-firewall"], &[("DOCKER_HOST", &host)]);
        assert_clean_exit(&out, &at);
        assert!(out.elapsed < Duration::from_secs(8), "{at}: the UI-less read took {:?}", out.elapsed);
        let v = json(&out.stdout, &at);
        assert_eq!(v["docker"]["available"], false, "{at}");
        let error = v["docker"]["error"].as_str().unwrap_or_default();
        assert!(!error.is_empty() && !error.contains('\n'), "{at}: {error:?}");
        eprintln!("{at}: {error}");
    }
    drop(keep);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn a_file_in_run_netns_a_full_stdout_and_a_closed_one() {
    if !live("a_file_in_run_netns_a_full_stdout_and_a_closed_one") {
        return;
    }
    let p = prefix('f'); // its own letter: a Guard removes every object of its prefix
    let _guard = Guard::new(&p);
    // Not a namespace: a plain file where `ip netns add` would put one.
    let bogus = format!("/run/netns/{p}bogus");
    std::fs::create_dir_all("/run/netns").unwrap();
    std::fs::write(&bogus, "not a namespace").unwrap();
    let out = netview(&["--snapshot", "--json", "--no-docker", "--no-firewall"], &[]);
    let _ = std::fs::remove_file(&bogus);
    assert_clean_exit(&out, "a file in /run/netns");
    let v = json(&out.stdout, "snapshot");
    let listed = v["namespaces"].as_array().unwrap().iter().any(|n| n["paths"].to_string().contains("bogus"));
    assert!(!listed, "a plain file is not listed as a namespace");
    // A full stdout: a clear error and a failure status, no panic.
    let full = Command::new(NETVIEW)
        .args(["--snapshot", "--no-docker", "--no-firewall"])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&full.stderr);
    assert_eq!(full.status.code(), Some(1), "{err}");
    assert!(err.contains("writing the snapshot") && err.contains("No space left"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
#[cfg_attr(not(live_tests), ignore = "live: needs NETVIEW_LIVE_TESTS=1, root and Docker (scripts/test.sh)")]
fn very_long_container_and_network_names() {
    if !live("very_long_container_and_network_names") {
        return;
    }
    let p = prefix('l'); // its own letter: the other tests' Guards would remove its network
    let _guard = Guard::new(&p);
    let net = format!("{p}{}", "n".repeat(150));
    let ctr = format!("{p}{}", "c".repeat(200));
    create_network(&net, std::process::id() as usize + 31, false, &[]);
    run_d(&["--name", &ctr, "--network", &net, IMAGE, "sleep", "120"]);
    let text = netview(&["--snapshot", "--no-firewall"], &[]);
    assert_clean_exit(&text, "netview --snapshot");
    assert!(text.stdout.contains(&ctr) && text.stdout.contains(&net), "both names in full");
    // The dashboard draws them clipped to its panes, at a small and a large size.
    let v = snapshot_json(&[]);
    let t: netview::model::Topology = serde_json::from_value(v).unwrap();
    for (w, h) in [(60u16, 16u16), (120, 40)] {
        let mut app =
            netview::app::App::new(std::time::Instant::now(), Duration::from_secs(1), netview::app::ThemeName::Default);
        app.set_topology(t.clone(), std::time::Instant::now());
        app.filter = ctr[..20].to_string();
        app.refresh_rows();
        app.size = (w, h);
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        term.draw(|f| netview::ui::view(&app, f)).unwrap();
    }
}
