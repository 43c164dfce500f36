//! The real app loop (`netview::tui::run`) driven by a script: crossterm events, live updates
//! interleaved in a known order, resizes, and captures of the screen at chosen points. The test
//! backend is ratatui's `TestBackend` behind a shared handle, so the script can resize it and read
//! what was drawn while the loop runs; the loop's commands are read from its control channel.

mod tui_fixture;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use futures_util::Stream;
use netview::app::{App, Change, Group, NodeId, Pane, ThemeName};
use netview::live::{Control, Update};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Size};
use ratatui::style::Color;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tui_fixture::*;

// ---------------------------------------------------------------------------------------------
// A TestBackend the script can reach while the loop owns the terminal

/// `TestBackend` behind a shared handle, with `io::Error` as its error type: `tui::run` requires
/// `B::Error: Into<io::Error>`, which `TestBackend` (error type `Infallible`) does not satisfy.
#[derive(Clone)]
struct Shared(Arc<Mutex<TestBackend>>, Arc<AtomicUsize>);

impl Shared {
    fn new(w: u16, h: u16) -> Shared {
        Shared(Arc::new(Mutex::new(TestBackend::new(w, h))), Arc::default())
    }
    /// Frames drawn so far (ratatui flushes once per frame).
    fn frames(&self) -> usize {
        self.1.load(Ordering::SeqCst)
    }
    fn buffer(&self) -> Buffer {
        self.0.lock().unwrap().buffer().clone()
    }
    fn resize(&self, w: u16, h: u16) {
        self.0.lock().unwrap().resize(w, h);
    }
}

fn never<T>(e: std::convert::Infallible) -> T {
    match e {}
}

impl Backend for Shared {
    type Error = io::Error;
    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.0.lock().unwrap().draw(content).map_err(never)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.0.lock().unwrap().hide_cursor().map_err(never)
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.0.lock().unwrap().show_cursor().map_err(never)
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.0.lock().unwrap().get_cursor_position().map_err(never)
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.0.lock().unwrap().set_cursor_position(position).map_err(never)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.0.lock().unwrap().clear().map_err(never)
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.0.lock().unwrap().clear_region(clear_type).map_err(never)
    }
    fn size(&self) -> io::Result<Size> {
        self.0.lock().unwrap().size().map_err(never)
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.0.lock().unwrap().window_size().map_err(never)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.lock().unwrap().flush().map_err(never)
    }
}

// ---------------------------------------------------------------------------------------------
// The script

enum Step {
    /// A terminal event, handed to the loop as its event stream's next item.
    Ev(Event),
    /// A live update; the script goes on only once the loop has taken (and drawn) it.
    Up(Update),
    /// Resize the terminal, then send the matching resize event.
    Resize(u16, u16),
    /// Keep the screen as drawn after everything before (the loop draws before it reads on).
    Capture(&'static str),
    /// Let real time pass (the loop's 250 ms tick expires highlights).
    Sleep(Duration),
}

use Step::*;

fn key(code: KeyCode) -> Step {
    Ev(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(c: char) -> Step {
    key(KeyCode::Char(c))
}

fn text(s: &str) -> Vec<Step> {
    s.chars().map(ch).collect()
}

fn ctrl(c: char) -> Step {
    Ev(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)))
}

fn click(column: u16, row: u16) -> Step {
    Ev(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }))
}

fn wheel_down(column: u16, row: u16) -> Step {
    Ev(Event::Mouse(MouseEvent { kind: MouseEventKind::ScrollDown, column, row, modifiers: KeyModifiers::NONE }))
}

type Captures = Arc<Mutex<Vec<(&'static str, Buffer)>>>;

/// The event stream: events from the script, with updates, resizes and captures done in order.
fn script(
    steps: Vec<Step>,
    updates: mpsc::Sender<Update>,
    backend: Shared,
    captures: Captures,
) -> impl Stream<Item = io::Result<Event>> + Unpin {
    let state = (steps.into_iter(), updates, backend, captures);
    Box::pin(futures_util::stream::unfold(state, |(mut steps, updates, backend, captures)| async move {
        loop {
            match steps.next()? {
                Ev(e) => return Some((Ok(e), (steps, updates, backend, captures))),
                Resize(w, h) => {
                    backend.resize(w, h);
                    return Some((Ok(Event::Resize(w, h)), (steps, updates, backend, captures)));
                }
                Up(u) => {
                    updates.send(u).await.expect("the loop dropped its update receiver");
                    // The loop handles an update as soon as it receives it, and draws before it
                    // polls this stream again: so once the channel is empty again, it is done.
                    while updates.capacity() < updates.max_capacity() {
                        tokio::task::yield_now().await;
                    }
                    // One more turn so the loop draws what the update changed.
                    tokio::task::yield_now().await;
                }
                Capture(label) => captures.lock().unwrap().push((label, backend.buffer())),
                Sleep(d) => tokio::time::sleep(d).await,
            }
        }
    }))
}

struct Outcome {
    result: io::Result<()>,
    controls: Vec<Control>,
    captures: Vec<(&'static str, Buffer)>,
}

impl Outcome {
    #[track_caller]
    fn ok(&self) {
        if let Err(e) = &self.result {
            panic!("the loop failed: {e}");
        }
    }
    #[track_caller]
    fn capture(&self, label: &str) -> &Buffer {
        &self.captures.iter().find(|(l, _)| *l == label).unwrap_or_else(|| panic!("no capture {label}")).1
    }
}

/// One run of the real loop over `steps`; it ends when the script does (or the app quits).
async fn drive(terminal: &mut Terminal<Shared>, app: &mut App, steps: Vec<Step>) -> Outcome {
    let (utx, urx) = mpsc::channel(8);
    let (ctx, mut crx) = mpsc::unbounded_channel();
    let captures: Captures = Arc::default();
    let events = script(steps, utx, terminal.backend().clone(), captures.clone());
    let result = tokio::time::timeout(
        Duration::from_secs(20),
        netview::tui::run(terminal, app, events, urx, ctx, std::future::pending::<()>()),
    )
    .await
    .expect("the loop did not end within 20 s");
    let mut controls = Vec::new();
    while let Ok(c) = crx.try_recv() {
        controls.push(c);
    }
    let captures = std::mem::take(&mut *captures.lock().unwrap());
    Outcome { result, controls, captures }
}

fn terminal(w: u16, h: u16) -> Terminal<Shared> {
    Terminal::new(Shared::new(w, h)).expect("terminal")
}

fn new_app() -> App {
    App::new(base(), Duration::from_secs(1), ThemeName::Default)
}

/// A 120×40 terminal and an app that has drawn the fixture's first full read.
async fn started() -> (Terminal<Shared>, App) {
    let mut t = terminal(120, 40);
    let mut app = new_app();
    let out = drive(&mut t, &mut app, vec![Up(full(observation(), 0))]).await;
    out.result.expect("first run");
    assert!(app.loaded);
    assert_eq!(app.selected, Some(NodeId::Host));
    (t, app)
}

fn lines(buf: &Buffer) -> Vec<String> {
    buffer_lines(buf)
}

fn screen(buf: &Buffer) -> String {
    lines(buf).join("\n")
}

/// The tree pane's text on the row drawn with the selection's background (default theme).
fn selected_line(buf: &Buffer) -> Option<String> {
    let lines = lines(buf);
    (0..buf.area.height).find(|&y| buf[(1, y)].bg == Color::Blue).map(|y| lines[usize::from(y)].clone())
}

/// The start of a counters row as the counters pane lays it out.
/// A counters row; the label column is as wide as the pane's longest label, at least 12.
fn counter_row(label: &str, rx: &str, tx: &str, width: usize) -> String {
    let (rx, tx) = (rx.trim_end_matches("/s"), tx.trim_end_matches("/s"));
    format!("{label:<width$} {rx:>10} {tx:>10}")
}

/// The loop stamps updates with the wall clock ("14:03:21 UTC"): only its shape can be checked.
fn has_clock(status: &str) -> bool {
    status.split(" │ ").any(|part| {
        let b = part.as_bytes();
        part.len() == 12
            && part.ends_with(" UTC")
            && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit())
            && b[2] == b':'
            && b[5] == b':'
    })
}

fn status_line(buf: &Buffer) -> String {
    lines(buf).last().cloned().unwrap_or_default()
}

fn selected_text(app: &App) -> String {
    app.selected_row().map(|r| r.text.clone()).unwrap_or_default()
}

fn watches(controls: &[Control]) -> Vec<Vec<u64>> {
    controls
        .iter()
        .filter_map(|c| match c {
            Control::Watch(ns) => Some(ns.clone()),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Navigation

#[tokio::test]
async fn keys_move_collapse_expand_and_toggle() {
    let (mut t, mut app) = started().await;

    let out =
        drive(&mut t, &mut app, vec![ch('j'), Capture("eth0"), ch('j'), key(KeyCode::Down), key(KeyCode::Up)]).await;
    out.ok();
    assert_eq!(app.selected, Some(host_if(3)), "j, j, ↓, ↑ from host: docker0");
    assert!(selected_line(out.capture("eth0")).unwrap().contains("eth0  192.168.122.15/24"), "the highlight moved");
    assert!(selected_line(&t.backend().buffer()).unwrap().contains("▾ docker0"));

    // ← on an expanded bridge collapses it; ← again goes to the parent; → on the host goes to its
    // first child; → on a collapsed node expands it, → again enters it.
    let rows_before = app.rows.len();
    drive(&mut t, &mut app, vec![key(KeyCode::Left)]).await.result.unwrap();
    assert_eq!(app.selected, Some(host_if(3)));
    assert_eq!(app.rows.len(), rows_before - 1, "docker0's port is hidden");
    assert!(screen(&t.backend().buffer()).contains("▸ docker0"));
    drive(&mut t, &mut app, vec![ch('h')]).await.result.unwrap();
    assert_eq!(app.selected, Some(NodeId::Host));
    drive(&mut t, &mut app, vec![ch('l')]).await.result.unwrap();
    assert_eq!(app.selected, Some(host_if(2)), "→ on the expanded host enters it");
    drive(&mut t, &mut app, vec![ch('j'), ch('l')]).await.result.unwrap();
    assert_eq!(app.selected, Some(host_if(3)));
    assert_eq!(app.rows.len(), rows_before, "docker0 expanded again");
    let out = drive(&mut t, &mut app, vec![key(KeyCode::Right), ch('l'), Capture("port open")]).await;
    out.ok();
    assert_eq!(app.selected, Some(host_if(8)), "→ on expanded docker0 enters its port");
    let s = screen(out.capture("port open"));
    assert!(s.contains("▾ vethd329e53"), "{s}");
    assert!(s.contains("      web  172.17.0.2/16") && s.contains("      web-logs "), "{s}");

    // Enter toggles the selected node; Space too.
    drive(&mut t, &mut app, vec![key(KeyCode::Enter)]).await.result.unwrap();
    assert!(screen(&t.backend().buffer()).contains("▸ vethd329e53"));
    assert!(!screen(&t.backend().buffer()).contains("      web-logs "));
    drive(&mut t, &mut app, vec![ch(' ')]).await.result.unwrap();
    assert!(screen(&t.backend().buffer()).contains("      web-logs "));

    // The first and last rows: g / G, Home / End; k at the top stays.
    drive(&mut t, &mut app, vec![ch('G')]).await.result.unwrap();
    assert_eq!(app.selected, Some(NodeId::Group(Group::Namespaces)));
    drive(&mut t, &mut app, vec![key(KeyCode::Home), ch('k')]).await.result.unwrap();
    assert_eq!(app.selected, Some(NodeId::Host));
    drive(&mut t, &mut app, vec![key(KeyCode::End), key(KeyCode::PageUp)]).await.result.unwrap();
    assert_eq!(app.selected_index(), Some(app.rows.len() - 11));
}

#[tokio::test]
async fn selecting_a_container_asks_for_its_namespace_counters() {
    let (mut t, mut app) = started().await;
    // host → eth0 → docker0 → br-3f1c… → veth0c95e7d, open it, enter shop-api.
    let steps = vec![ch('j'), ch('j'), ch('j'), ch('j'), ch('j'), ch('l'), ch('l')];
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    assert_eq!(app.selected, Some(container_id("shop-api")));
    let w = watches(&out.controls);
    assert_eq!(w.last(), Some(&vec![SHOP_API]), "{:?}", out.controls);
    // The host's own interfaces are always sampled: a host object needs no extra namespace.
    assert!(w.contains(&vec![]), "{:?}", out.controls);
    // Counters for the two endpoints arrive: their rates show, summed.
    let o = observation();
    let out = drive(&mut t, &mut app, vec![Up(counters(&o, 1)), Up(counters(&o, 2)), Capture("rates")]).await;
    out.ok();
    let s = screen(out.capture("rates"));
    assert!(s.contains(&counter_row("eth1 (backend)", "400.0 KiB/s", "8.0 KiB/s", 14)), "{s}");
    assert!(s.contains(&counter_row("eth0 (shop)", "20.0 KiB/s", "150.0 KiB/s", 14)), "{s}");
    assert!(s.contains(&counter_row("all together", "420.0 KiB/s", "158.0 KiB/s", 14)), "{s}");
    assert!(has_clock(&status_line(out.capture("rates"))), "the time of the last update");
}

#[tokio::test]
async fn mouse_click_selects_the_clicked_row_and_focuses_panes() {
    let (mut t, mut app) = started().await;
    // Row y is tree row y-1 (below the border): y=5 is br-3f1c9a7d2e11.
    let out = drive(&mut t, &mut app, vec![click(10, 5), Capture("clicked")]).await;
    out.ok();
    assert_eq!(app.selected, Some(host_if(4)), "{:?}", selected_text(&app));
    assert!(selected_line(out.capture("clicked")).unwrap().contains("br-3f1c9a7d2e11"));
    assert_eq!(watches(&out.controls), vec![Vec::<u64>::new()]);
    // A click below the last row selects nothing new.
    drive(&mut t, &mut app, vec![click(10, 35)]).await.result.unwrap();
    assert_eq!(app.selected, Some(host_if(4)));
    // A click in the details pane focuses it without changing the selection; the wheel there scrolls it.
    let out = drive(&mut t, &mut app, vec![click(80, 3), wheel_down(80, 3), Capture("details")]).await;
    out.ok();
    assert_eq!(app.focus, Pane::Details);
    assert_eq!(app.selected, Some(host_if(4)));
    assert_eq!(app.details_scroll, 3);
    let details = &lines(out.capture("details"))[1];
    assert!(details.contains("mac        02:42:8d:44:07:b2"), "scrolled by 3: {details}");
    // The wheel over the tree focuses it and moves the selection by 3.
    drive(&mut t, &mut app, vec![wheel_down(10, 10)]).await.result.unwrap();
    assert_eq!(app.focus, Pane::Tree);
    assert_eq!(app.selected, Some(host_if(5)), "3 rows down from br-3f1c…: {:?}", selected_text(&app));
    // With the tree scrolled, a click maps to the row drawn there.
    let mut small = terminal(80, 24);
    let mut app2 = new_app();
    let steps =
        vec![Up(full(observation(), 0)), ch('G'), key(KeyCode::Enter), ch('G'), Capture("scrolled"), click(5, 3)];
    let out = drive(&mut small, &mut app2, steps).await;
    out.ok();
    assert!(app2.tree_offset > 0);
    let drawn = &lines(out.capture("scrolled"))[3];
    let name = selected_text(&app2);
    assert!(!name.is_empty() && drawn.contains(&name), "clicked line {drawn:?}, selected {name:?}");
}

// ---------------------------------------------------------------------------------------------
// Filter, help, focus

#[tokio::test]
async fn filter_by_ip_then_by_mac() {
    let (mut t, mut app) = started().await;
    let mut steps = vec![ch('/')];
    steps.extend(text("172.19.0.3"));
    steps.push(Capture("typing"));
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    assert!(app.filtering);
    assert_eq!(app.filter, "172.19.0.3");
    let texts = row_texts(&app);
    assert!(texts.iter().any(|r| r.trim() == "shop-db"), "{texts:#?}");
    assert!(!texts.iter().any(|r| r.contains("shop-web") || r.contains("lab-br0")), "{texts:#?}");
    let s = screen(out.capture("typing"));
    assert!(s.contains("Topology: /172.19.0.3▏"), "{s}");

    // Enter keeps the filter and leaves typing; keys navigate again.
    let out = drive(&mut t, &mut app, vec![key(KeyCode::Enter), ch('G'), Capture("kept")]).await;
    out.ok();
    assert!(!app.filtering);
    assert_eq!(app.filter, "172.19.0.3");
    assert!(screen(out.capture("kept")).contains("Topology: /172.19.0.3 "));
    assert_eq!(app.selected, Some(NodeId::Namespace(SHOP_DB)), "{:#?}", row_texts(&app));

    // Esc clears a kept filter (and does not quit).
    drive(&mut t, &mut app, vec![key(KeyCode::Esc)]).await.result.unwrap();
    assert!(!app.quit);
    assert!(app.filter.is_empty());
    assert!(screen(&t.backend().buffer()).contains("Topology (20 rows)"));

    // By MAC, in capitals, with a typo fixed by Backspace.
    let mut steps = vec![ch('/')];
    steps.extend(text("02:42:AC:13:00:03"));
    steps.push(key(KeyCode::Backspace));
    steps.extend(text("2"));
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    assert_eq!(app.filter, "02:42:AC:13:00:02");
    let texts = row_texts(&app);
    assert!(texts.iter().any(|r| r.trim() == "shop-api"), "{texts:#?}");
    assert!(!texts.iter().any(|r| r.trim() == "shop-db"), "{texts:#?}");
    // Esc while typing clears and leaves typing at once.
    drive(&mut t, &mut app, vec![key(KeyCode::Esc)]).await.result.unwrap();
    assert!(!app.filtering && app.filter.is_empty() && !app.quit);

    // A host MAC and a namespace's address.
    for (needle, expect) in [("52:54:00:6b:3c:1e", "eth0"), ("10.99.0.2", "right")] {
        let mut steps = vec![ch('/')];
        steps.extend(text(needle));
        steps.push(key(KeyCode::Enter));
        drive(&mut t, &mut app, steps).await.result.unwrap();
        let texts = row_texts(&app);
        assert!(texts.iter().any(|r| r.trim() == expect), "{needle}: {texts:#?}");
        drive(&mut t, &mut app, vec![key(KeyCode::Esc)]).await.result.unwrap();
    }
}

#[tokio::test]
async fn typing_q_into_the_filter_does_not_quit() {
    let (mut t, mut app) = started().await;
    let mut steps = vec![ch('/')];
    steps.extend(text("q?r"));
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    assert!(!app.quit && !app.help);
    assert_eq!(app.filter, "q?r");
    assert!(out.controls.is_empty(), "{:?}", out.controls);
}

#[tokio::test]
async fn help_opens_and_any_key_closes_it() {
    let (mut t, mut app) = started().await;
    let out = drive(&mut t, &mut app, vec![ch('?'), Capture("help"), ch('j'), Capture("closed")]).await;
    out.ok();
    assert!(screen(out.capture("help")).contains("┌ Keys "));
    assert!(screen(out.capture("help")).contains("read everything again now"));
    assert!(!screen(out.capture("closed")).contains("┌ Keys "));
    assert!(!app.help);
    assert_eq!(app.selected, Some(NodeId::Host), "the key that closes the help does nothing else");
    // q still quits from the help.
    let out = drive(&mut t, &mut app, vec![ch('?'), ch('q'), ch('j')]).await;
    out.ok();
    assert!(app.quit);
    assert_eq!(app.selected, Some(NodeId::Host), "nothing after q is read");
}

#[tokio::test]
async fn tab_cycles_the_focus_through_the_panes() {
    let (mut t, mut app) = started().await;
    let steps = vec![
        key(KeyCode::Tab),
        Capture("details"),
        key(KeyCode::Tab),
        Capture("counters"),
        key(KeyCode::Tab),
        Capture("explain"),
        key(KeyCode::Tab),
        Capture("tree"),
    ];
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    assert_eq!(app.focus, Pane::Tree);
    // The focused pane has the thick border: find which pane title carries it.
    for (label, title) in
        [("details", "┏ Details"), ("counters", "┏ Counters"), ("explain", "┏ Explanation"), ("tree", "┏ Topology")]
    {
        let s = screen(out.capture(label));
        assert!(s.contains(title), "{label}: {s}");
        assert_eq!(s.matches('┏').count(), 1, "one focused pane at a time ({label})");
    }
    drive(&mut t, &mut app, vec![key(KeyCode::BackTab)]).await.result.unwrap();
    assert_eq!(app.focus, Pane::Explain);
    // j in a non-tree pane scrolls it instead of moving the selection.
    drive(&mut t, &mut app, vec![ch('j'), ch('j')]).await.result.unwrap();
    assert_eq!(app.explain_scroll, 2);
    assert_eq!(app.selected, Some(NodeId::Host));
    // `/` takes the focus back to the tree.
    drive(&mut t, &mut app, vec![ch('/')]).await.result.unwrap();
    assert_eq!(app.focus, Pane::Tree);
}

// ---------------------------------------------------------------------------------------------
// Commands to the live source

#[tokio::test]
async fn refresh_pause_and_interval_commands() {
    let (mut t, mut app) = started().await;
    let out = drive(&mut t, &mut app, vec![ch('r'), ch('p'), Capture("paused"), ch('p')]).await;
    out.ok();
    assert_eq!(out.controls, vec![Control::RefreshNow, Control::Pause(true), Control::Pause(false)]);
    assert!(status_line(out.capture("paused")).contains("│ paused │"), "{}", status_line(out.capture("paused")));
    assert!(!app.paused);

    let steps = vec![ch('+'), ch('+'), ch('='), ch('+'), ch('+'), Capture("slowest")];
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    let secs = |v: &[Control]| -> Vec<f64> {
        v.iter()
            .map(|c| match c {
                Control::SetInterval(d) => d.as_secs_f64(),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    };
    assert_eq!(secs(&out.controls), [2.0, 4.0, 8.0, 10.0, 10.0], "doubled, clamped at 10 s");
    assert!(status_line(out.capture("slowest")).contains("every 10.00s"));

    let steps = (0..8).map(|_| ch('-')).chain([Capture("fastest")]).collect();
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    assert_eq!(secs(&out.controls), [5.0, 2.5, 1.25, 0.625, 0.3125, 0.2, 0.2, 0.2], "halved, clamped at 0.2 s");
    assert_eq!(app.interval, Duration::from_millis(200));
    assert!(status_line(out.capture("fastest")).contains("every 0.20s"));
}

#[tokio::test]
async fn q_esc_and_ctrl_c_quit() {
    for (name, quit) in [("q", ch('q')), ("Esc", key(KeyCode::Esc)), ("Ctrl-C", ctrl('c'))] {
        let (mut t, mut app) = started().await;
        let out = drive(&mut t, &mut app, vec![quit, ch('j'), ch('r')]).await;
        out.result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(app.quit, "{name}");
        assert_eq!(app.selected, Some(NodeId::Host), "{name}: nothing after the quit key is handled");
        assert!(!out.controls.contains(&Control::RefreshNow), "{name}: {:?}", out.controls);
    }
    // Ctrl-C quits even while typing a filter; a key release does nothing.
    let (mut t, mut app) = started().await;
    let release =
        Ev(Event::Key(KeyEvent::new_with_kind(KeyCode::Char('q'), KeyModifiers::NONE, KeyEventKind::Release)));
    drive(&mut t, &mut app, vec![release]).await.result.unwrap();
    assert!(!app.quit, "a key release is not a press");
    drive(&mut t, &mut app, vec![ch('/'), ch('x'), ctrl('c'), ch('y')]).await.result.unwrap();
    assert!(app.quit);
    assert_eq!(app.filter, "x");
}

#[tokio::test]
async fn the_loop_ends_on_shutdown_and_keeps_the_picture_when_the_source_ends() {
    let mut t = terminal(120, 40);
    let mut app = new_app();
    let (utx, urx) = mpsc::channel(8);
    let (ctx, _crx) = mpsc::unbounded_channel();
    utx.send(full(observation(), 0)).await.unwrap();
    drop(utx); // the live source ended
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let events = futures_util::stream::pending::<io::Result<Event>>();
    let loop_ = netview::tui::run(&mut t, &mut app, events, urx, ctx, async {
        let _ = stop_rx.await;
    });
    let stopper = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop_tx.send(()).unwrap();
    };
    let (result, ()) = tokio::time::timeout(Duration::from_secs(10), async { tokio::join!(loop_, stopper) })
        .await
        .expect("shutdown ends the loop");
    result.unwrap();
    assert!(app.loaded, "the update before the source ended was shown");
    assert!(screen(&t.backend().buffer()).contains("br-3f1c9a7d2e11"));
}

#[tokio::test]
async fn an_ended_source_does_not_make_the_loop_spin() {
    let mut t = terminal(80, 24);
    let mut app = new_app();
    let (utx, urx) = mpsc::channel::<Update>(1);
    drop(utx);
    let (ctx, _crx) = mpsc::unbounded_channel();
    let events = futures_util::stream::pending::<io::Result<Event>>();
    let ran = tokio::time::timeout(
        Duration::from_millis(500),
        netview::tui::run(&mut t, &mut app, events, urx, ctx, std::future::pending::<()>()),
    )
    .await;
    assert!(ran.is_err(), "the loop keeps running without a source");
    let frames = t.backend().frames();
    // Nothing happened: the first frame, and at most one per 250 ms tick.
    assert!(frames <= 4, "{frames} frames drawn in 0.5 s with nothing to show");
}

#[tokio::test]
async fn an_event_stream_error_ends_the_loop_with_it() {
    let mut t = terminal(80, 24);
    let mut app = new_app();
    let (_utx, urx) = mpsc::channel::<Update>(1);
    let (ctx, _crx) = mpsc::unbounded_channel();
    let events = futures_util::stream::iter(vec![Err(io::Error::other("tty gone"))]);
    let r = netview::tui::run(&mut t, &mut app, events, urx, ctx, std::future::pending::<()>()).await;
    assert_eq!(r.unwrap_err().to_string(), "tty gone");
}

// ---------------------------------------------------------------------------------------------
// Live updates

#[tokio::test]
async fn selection_follows_its_object_when_the_tree_is_reordered() {
    let (mut t, mut app) = started().await;
    // Open shop-web's port and select the container behind it.
    drive(&mut t, &mut app, vec![ch('j'), ch('j'), ch('j'), ch('j'), ch('j'), ch('j'), ch('l'), ch('l')])
        .await
        .result
        .unwrap();
    assert_eq!(app.selected, Some(container_id("shop-web")), "{:#?}", row_texts(&app));
    let index_before = app.selected_index().unwrap();

    // A new container on docker0 (its port sorts first) and a new network with its own bridge.
    let out = drive(&mut t, &mut app, vec![Up(full(with_additions(observation()), 1)), Capture("after")]).await;
    out.ok();
    assert_eq!(app.selected, Some(container_id("shop-web")), "the selection stays on the object");
    assert_eq!(app.selected_index(), Some(index_before + 1), "…which moved down one row");
    let buf = out.capture("after");
    assert!(selected_line(buf).unwrap().contains("shop-web"), "{}", screen(buf));
    let s = screen(buf);
    assert!(s.contains("veth0a1b2c3 +new"), "the new port is marked: {s}");
    assert!(s.contains("br-0a1b2c3d4e5f +new"), "the new bridge is marked: {s}");
    for id in [
        container_id("admin"),
        container_id("etl"),
        NodeId::Network(ANALYTICS_NET.into()),
        host_if(20),
        NodeId::Namespace(ADMIN),
    ] {
        assert!(matches!(app.changes.get(&id), Some((Change::Added, _, _))), "{id:?} not marked added");
    }
    assert!(!app.changes.values().any(|(c, _, _)| *c == Change::Removed));
    // The new port is drawn in the "added" style.
    let y = lines(buf).iter().position(|l| l.contains("veth0a1b2c3")).unwrap() as u16;
    let x = lines(buf)[usize::from(y)].chars().position(|c| c == 'v').unwrap() as u16;
    assert_eq!(buf[(x, y)].fg, Color::Green);

    // Expanding into the new objects works like for any other.
    drive(&mut t, &mut app, vec![ch('g'), ch('j'), ch('j'), ch('j'), ch('l'), ch('l')]).await.result.unwrap();
    assert_eq!(app.selected, Some(container_id("admin")), "{:#?}", row_texts(&app));
}

#[tokio::test]
async fn a_removed_object_shows_as_gone_in_the_status_bar() {
    let (mut t, mut app) = started().await;
    // Select eth0, then shop-web goes away.
    drive(&mut t, &mut app, vec![ch('j')]).await.result.unwrap();
    let out = drive(&mut t, &mut app, vec![Up(full(without_shop_web(observation()), 1)), Capture("gone")]).await;
    out.ok();
    let status = status_line(out.capture("gone"));
    assert!(status.contains("gone: ") && status.contains("shop-web") && status.contains("veth6a1f0b2"), "{status}");
    let s = screen(out.capture("gone"));
    assert!(!s.contains("veth6a1f0b2  ⇄"), "the port left the tree: {s}");
    assert!(!row_texts(&app).iter().any(|r| r.contains("shop-web")));
    assert_eq!(app.selected, Some(host_if(2)), "an unrelated selection is kept");
}

#[tokio::test]
async fn the_selected_object_removed_moves_the_selection_to_its_parent() {
    let (mut t, mut app) = started().await;
    drive(&mut t, &mut app, vec![ch('j'), ch('j'), ch('j'), ch('j'), ch('j'), ch('j')]).await.result.unwrap();
    assert_eq!(app.selected, Some(host_if(10)), "veth6a1f0b2");
    let i = app.selected_index().unwrap();
    let depth = app.rows[i].depth;
    let parent = app.rows[..i].iter().rev().find(|r| r.depth < depth).map(|r| r.id.clone());
    let out = drive(&mut t, &mut app, vec![Up(full(without_shop_web(observation()), 1)), Capture("after")]).await;
    out.ok();
    assert_eq!(app.selected, parent, "the removed port's bridge");
    assert!(selected_line(out.capture("after")).is_some(), "something is still highlighted");
    // The details pane no longer describes the removed port.
    assert!(!screen(out.capture("after")).contains("veth6a1f0b2 (veth)"));
}

#[tokio::test]
async fn gone_highlight_expires_after_five_seconds() {
    let (mut t, mut app) = started().await;
    // A removal that happened 4.6 s ago: the loop's 250 ms tick must clear it within a second.
    let Update::Full { observation, reason, .. } = full(without_shop_web(observation()), 1) else { unreachable!() };
    let sampled_at = Instant::now().checked_sub(Duration::from_millis(4600)).expect("uptime over 5 s");
    let steps = vec![
        Up(Update::Full { observation, sampled_at, reason }),
        Capture("fresh"),
        Sleep(Duration::from_millis(1200)),
        Capture("expired"),
    ];
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    assert!(status_line(out.capture("fresh")).contains("gone: "), "{}", status_line(out.capture("fresh")));
    assert!(!status_line(out.capture("expired")).contains("gone: "), "{}", status_line(out.capture("expired")));
    assert!(app.changes.is_empty());
}

#[tokio::test]
async fn docker_status_updates_and_recovers_with_the_next_full_read() {
    let (mut t, mut app) = started().await;
    let down = Update::Docker { available: false, error: Some("the engine stopped answering".into()) };
    let steps = vec![Up(down), Capture("down"), Up(full(observation(), 1)), Capture("up")];
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    assert!(status_line(out.capture("down")).starts_with("docker ✗ the engine stopped answering"));
    assert!(status_line(out.capture("up")).starts_with("docker ✓"));
}

#[tokio::test]
async fn counters_update_the_rates_and_the_clock() {
    let (mut t, mut app) = started().await;
    let o = observation();
    let out = drive(&mut t, &mut app, vec![Capture("first"), Up(counters(&o, 1)), Capture("second")]).await;
    out.ok();
    let first = screen(out.capture("first"));
    assert!(first.contains(&counter_row("eth0", "…", "…", 12)), "no rate from one sample: {first}");
    let second = screen(out.capture("second"));
    assert!(second.contains(&counter_row("eth0", "512.0 KiB/s", "64.0 KiB/s", 12)), "{second}");
    assert!(has_clock(&status_line(out.capture("second"))), "{}", status_line(out.capture("second")));
}

// ---------------------------------------------------------------------------------------------
// Terminal size

#[tokio::test]
async fn resize_to_tiny_and_back() {
    let (mut t, mut app) = started().await;
    let steps = vec![Resize(40, 10), Capture("tiny"), Resize(120, 40), Capture("big")];
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    let tiny = screen(out.capture("tiny"));
    assert!(tiny.contains("please enlarge"), "{tiny}");
    assert_eq!(out.capture("tiny").area.width, 40);
    let big = screen(out.capture("big"));
    assert!(big.contains("┏ Topology") && big.contains("Explanation") && !big.contains("enlarge"), "{big}");
    assert!(big.contains("▾ host lab-host"), "{big}");
    assert_eq!(app.size, (120, 40));
    // A click after a resize lands where the new layout drew the row.
    drive(&mut t, &mut app, vec![Resize(80, 24), click(5, 5)]).await.result.unwrap();
    assert_eq!(app.selected, Some(host_if(4)), "{:?}", selected_text(&app));
}

#[tokio::test]
async fn a_taller_terminal_shows_the_first_rows_again() {
    let mut t = terminal(80, 24);
    let mut app = new_app();
    // 29 rows (the namespaces group open) in a 21-line tree: the last row selected scrolls it.
    let steps = vec![Up(full(observation(), 0)), ch('G'), key(KeyCode::Enter), ch('G'), Capture("scrolled")];
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    assert!(!screen(out.capture("scrolled")).contains("host lab-host"));
    assert_eq!(app.rows.len(), 29);
    // 120×40 has 38 tree lines: all 29 rows fit.
    let out = drive(&mut t, &mut app, vec![Resize(120, 40), Capture("tall")]).await;
    out.ok();
    let tall = screen(out.capture("tall"));
    assert!(tall.contains("▾ host lab-host"), "tree_offset {} hides the first rows:\n{tall}", app.tree_offset);
    // The same through a tiny terminal: one key there used to leave the tree scrolled by a row.
    let (mut t, mut app) = started().await;
    let out = drive(&mut t, &mut app, vec![Resize(40, 10), ch('j'), Resize(120, 40), Capture("back")]).await;
    out.ok();
    let back = screen(out.capture("back"));
    assert!(back.contains("▾ host lab-host"), "tree_offset {}:\n{back}", app.tree_offset);
}

#[tokio::test]
async fn keys_work_while_the_terminal_is_too_small() {
    let mut t = terminal(40, 10);
    let mut app = new_app();
    let out =
        drive(&mut t, &mut app, vec![Up(full(observation(), 0)), ch('j'), ch('j'), Capture("tiny"), ch('q')]).await;
    out.ok();
    assert!(screen(out.capture("tiny")).contains("enlarge"));
    assert!(app.quit, "q quits, as the message says");
}

#[tokio::test]
async fn clicks_on_the_tree_borders_select_nothing() {
    let mut t = terminal(80, 24);
    let mut app = new_app();
    // 29 rows (the namespaces group open) in the 21 lines of an 80×24 tree; eth0 selected.
    let steps = vec![Up(full(observation(), 0)), ch('G'), key(KeyCode::Enter), ch('g'), ch('j')];
    drive(&mut t, &mut app, steps).await.ok();
    assert_eq!((app.rows.len(), app.tree_offset), (29, 0));
    drive(&mut t, &mut app, vec![click(10, 0)]).await.ok();
    let top = selected_text(&app);
    app.selected = Some(host_if(2));
    drive(&mut t, &mut app, vec![click(10, 22)]).await.ok();
    let bottom = selected_text(&app);
    assert_eq!((top.as_str(), bottom.as_str()), ("eth0", "eth0"), "what clicks on the top and bottom borders selected");
}

#[tokio::test]
async fn a_terminal_resized_hundreds_of_times_never_breaks() {
    // 20×5, 1×1 and the sizes around the minimum, over and over with keys in between, as a window
    // being dragged sends them: the loop draws every one and ends on a full, correct screen.
    let mut t = terminal(80, 24);
    let mut app = new_app();
    let sizes = [(20, 5), (1, 1), (59, 15), (60, 16), (200, 60), (61, 17), (120, 40), (20, 5)];
    let mut steps = vec![Up(full(observation(), 0))];
    for i in 0..400 {
        let (w, h) = sizes[i % sizes.len()];
        steps.push(Resize(w, h));
        if i % 7 == 0 {
            steps.push(ch('j'));
        }
    }
    steps.push(Resize(120, 40));
    steps.push(Capture("end"));
    let out = drive(&mut t, &mut app, steps).await;
    out.ok();
    let s = screen(out.capture("end"));
    assert!(s.contains("Topology") && s.contains("Details") && !s.contains("enlarge"), "{s}");
}
