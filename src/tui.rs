//! The terminal side of the TUI: the main loop over any ratatui backend and any event stream
//! (so tests drive the real app), and the terminal's setup and guaranteed restore.

use crate::app::update::{on_event, on_update};
use crate::app::{App, Cmd};
use crate::live::{Control, Update};
use crate::ui;
use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::future::Future;
use std::io;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc::{Receiver, UnboundedSender};

/// How often the screen is refreshed without input (highlights fade, the clock moves).
const TICK: Duration = Duration::from_millis(250);

/// Wall-clock time as shown in the status bar.
pub fn clock(now: SystemTime) -> String {
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!("{:02}:{:02}:{:02} UTC", (secs / 3600) % 24, (secs / 60) % 60, secs % 60)
}

/// Run until the user quits, the event stream ends or `shutdown` resolves.
pub async fn run<B, E, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut events: E,
    mut updates: Receiver<Update>,
    control: UnboundedSender<Control>,
    shutdown: S,
) -> io::Result<()>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
    E: Stream<Item = io::Result<Event>> + Unpin,
    S: Future<Output = ()>,
{
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(shutdown);
    if let Ok(size) = terminal.size().map_err(io::Error::other) {
        app.size = (size.width, size.height);
    }
    let mut dirty = true;
    // Once the live source has ended, stop polling its channel (it would answer None forever).
    let mut source_open = true;
    loop {
        if dirty {
            app.ensure_selection_visible();
            terminal.draw(|f| ui::view(app, f)).map_err(io::Error::other)?;
            dirty = false;
        }
        let cmds = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => on_event(app, event, Instant::now()),
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            update = updates.recv(), if source_open => match update {
                Some(update) => on_update(app, update, &clock(SystemTime::now())),
                None => {
                    source_open = false; // keep showing the last picture
                    continue;
                }
            },
            _ = tick.tick() => {
                app.now = Instant::now();
                let had = app.changes.len();
                app.expire_changes(app.now);
                if had == app.changes.len() { continue }
                Vec::new()
            },
            () = &mut shutdown => return Ok(()),
        };
        dirty = true;
        for cmd in cmds {
            let msg = match cmd {
                Cmd::Quit => return Ok(()),
                Cmd::RefreshNow => Control::RefreshNow,
                Cmd::Pause(p) => Control::Pause(p),
                Cmd::SetInterval(d) => Control::SetInterval(d),
                Cmd::Watch(ns) => Control::Watch(ns),
                Cmd::WatchFirewall(on) => Control::WatchFirewall(on),
            };
            let _ = control.send(msg); // a stopped source only means no more updates
        }
        if app.quit {
            return Ok(());
        }
    }
}
