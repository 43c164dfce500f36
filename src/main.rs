use anyhow::Context;
use clap::Parser;
use netview::app::{App, ThemeName};
use netview::cli::{Cli, Command, Format, LabCommand, Theme};
use netview::collect::{self, Options};
use netview::explain::{self, Lang};
use netview::model;
use netview::output::{json, style::Style, text};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed stdout (`netview --snapshot | head -1`) is the reader's choice, not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("netview: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let opts = Options {
        docker: !cli.no_docker,
        docker_timeout: Duration::from_secs_f64(cli.docker_timeout),
        scan_proc: !cli.no_proc_scan,
        firewall: !cli.no_firewall,
        sockets: !cli.no_sockets,
        ..Options::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let config = match netview::config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("netview: config: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let lang = cli.lang.or(config.lang).unwrap_or_else(Lang::from_env);
    if let Some(Command::Explain { id, no_live }) = &cli.command {
        return explain(id.as_deref(), *no_live, lang, opts, runtime);
    }
    if let Some(Command::Path { from, to, port, proto, json }) = &cli.command {
        let observation = runtime.block_on(collect::collect(&opts));
        drop(runtime);
        return netview::output::path::command(&observation, from, to, *port, *proto, *json);
    }
    match &cli.command {
        Some(Command::Lab { action }) => {
            drop(runtime);
            let action = match action {
                LabCommand::Up { name } => netview::lab::LabAction::Up(name.clone()),
                LabCommand::Down { name } => netview::lab::LabAction::Down(name.clone()),
                LabCommand::List => netview::lab::LabAction::List,
            };
            return netview::lab::run(action);
        }
        Some(Command::Merge { files, json, tui }) => {
            drop(runtime);
            if *tui {
                return netview::output::cluster::tui(files);
            }
            return netview::output::cluster::command(files, *json);
        }
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_complete::generate(*shell, &mut Cli::command(), "netview", &mut out);
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(Cli::command()).render(&mut out).context("writing the manual page")?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Lesson { action }) => return netview::output::lesson::command(action, lang, &opts, runtime),
        _ => {}
    }
    if !cli.snapshot {
        return interactive(&cli, &config, opts, runtime, lang);
    }
    let topology = match saved_topology(&cli) {
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("netview: {e}");
            return Ok(ExitCode::from(2));
        }
        None => model::build(&runtime.block_on(collect::collect(&opts))),
    };
    drop(runtime);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let format = if cli.json { Format::Json } else { cli.format.unwrap_or(Format::Text) };
    match format {
        Format::Json => json::write(&topology, &mut out).context("writing the snapshot")?,
        Format::Text => text::write(&topology, Style::for_stdout(), &mut out).context("writing the snapshot")?,
        Format::Dot => {
            out.write_all(netview::output::graph::dot(&topology).as_bytes()).context("writing the snapshot")?
        }
        Format::Mermaid => {
            out.write_all(netview::output::graph::mermaid(&topology).as_bytes()).context("writing the snapshot")?
        }
    }
    out.flush().context("writing the snapshot")?;

    if topology.namespaces.is_empty() && !topology.docker.available {
        eprintln!("netview: nothing could be read: no network namespace and no Docker engine");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The snapshot to show instead of this host (`--replay`, `--demo`), if any.
fn saved_topology(cli: &Cli) -> Option<Result<model::Topology, String>> {
    if cli.demo {
        return Some(Ok(netview::replay::demo()));
    }
    cli.replay.as_deref().map(netview::replay::load)
}

/// The terminal dashboard. The terminal is restored on every way out: quit, error, signal, panic.
fn interactive(
    cli: &Cli,
    config: &netview::config::Config,
    opts: Options,
    runtime: tokio::runtime::Runtime,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if let Some(id) = &cli.lesson
        && netview::lessons::lesson(lang, id).is_none()
    {
        eprintln!("netview: no lesson called {id:?}; `netview lesson list` lists them.");
        return Ok(ExitCode::from(2));
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "netview: the interactive view needs a terminal; use `netview --snapshot` (or `--json`) in pipes and scripts."
        );
        return Ok(ExitCode::from(2));
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    use netview::config::ThemeSetting;
    let projector = match cli.theme {
        Some(t) => t == Theme::Projector,
        None => config.theme == Some(ThemeSetting::Projector),
    };
    let theme = match (no_color, projector) {
        (true, _) => ThemeName::Mono,
        (false, true) => ThemeName::Projector,
        (false, false) => ThemeName::Default,
    };
    let interval = Duration::from_secs_f64(cli.interval.or(config.interval).unwrap_or(1.0));
    let saved = match saved_topology(cli) {
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            eprintln!("netview: {e}");
            return Ok(ExitCode::from(2));
        }
        None => None,
    };
    let replaying = saved.as_ref().map(|_| {
        if cli.demo {
            "demo".to_string()
        } else {
            format!("replay of {}", cli.replay.as_deref().unwrap_or_else(|| std::path::Path::new("?")).display())
        }
    });
    let result = runtime.block_on(async {
        let (updates, control) = match saved {
            Some(t) => netview::replay::spawn(t, cli.demo, interval),
            None => netview::live::spawn(opts, interval),
        };
        let mut terminal = ratatui::init();
        install_panic_exit();
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
        let mut app = App::new(std::time::Instant::now(), interval, theme);
        app.lang = lang;
        app.replay = replaying;
        app.keymap = config.keymap();
        if let Some(id) = &cli.lesson {
            netview::app::lesson::open(&mut app, id);
        }
        let events = crossterm::event::EventStream::new();
        let result = netview::tui::run(&mut terminal, &mut app, events, updates, control.clone(), signalled()).await;
        let _ = control.send(netview::live::Control::Quit);
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        ratatui::restore();
        result
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    result.context("terminal")?;
    Ok(ExitCode::SUCCESS)
}

/// ratatui's hook restores the terminal; a panic in a background task must also end the process
/// instead of leaving a live UI drawing into a restored terminal.
fn install_panic_exit() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        ratatui::restore();
        previous(info);
        std::process::exit(101);
    }));
}

/// Resolves on SIGTERM, SIGHUP or SIGINT (Ctrl-C itself arrives as a key in raw mode).
async fn signalled() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup), Ok(mut int)) =
        (signal(SignalKind::terminate()), signal(SignalKind::hangup()), signal(SignalKind::interrupt()))
    else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = hup.recv() => {}
        _ = int.recv() => {}
    }
}

/// `netview explain [ID]`: the list of concepts, or one card with this host's live values.
fn explain(
    id: Option<&str>,
    no_live: bool,
    lang: Lang,
    opts: Options,
    runtime: tokio::runtime::Runtime,
) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let width = if std::io::stdout().is_terminal() {
        crossterm::terminal::size().map_or(80, |(w, _)| usize::from(w).clamp(40, 100))
    } else {
        80
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let Some(id) = id else {
        for c in explain::catalog(lang) {
            writeln!(out, "{:<26} {}", c.id, c.title).context("writing the list")?;
        }
        out.flush().context("writing the list")?;
        return Ok(ExitCode::SUCCESS);
    };
    let wanted = id.to_lowercase();
    let Some(concept) = explain::concept(lang, &wanted) else {
        let close = explain::closest(&wanted, 3);
        let hint = if close.is_empty() { String::new() } else { format!(" Closest: {}.", close.join(", ")) };
        eprintln!("netview: no concept called {id:?}.{hint} `netview explain` lists them all.");
        return Ok(ExitCode::from(2));
    };
    let live = if no_live {
        None
    } else {
        let observation =
            runtime.block_on(collect::collect(&Options { docker_timeout: Duration::from_secs(2), ..opts }));
        let topology = model::build(&observation);
        explain::bind::first_object(&topology, &concept.id)
            .and_then(|node| explain::bind::live_sentence(&topology, &node, lang))
            .and_then(|(_, live)| live)
    };
    write!(out, "{}", explain::card::text(concept, live.as_deref(), lang, width)).context("writing the card")?;
    out.flush().context("writing the card")?;
    Ok(ExitCode::SUCCESS)
}
