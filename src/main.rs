use anyhow::Context;
use clap::Parser;
use netview::cli::Cli;
use netview::collect::{self, Options};
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
    if !cli.snapshot {
        eprintln!("netview: the interactive view is not built yet; run `netview --snapshot` (or `--snapshot --json`).");
        return Ok(ExitCode::from(2));
    }
    let opts = Options {
        docker: !cli.no_docker,
        docker_timeout: Duration::from_secs_f64(cli.docker_timeout),
        scan_proc: !cli.no_proc_scan,
        ..Options::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let observation = runtime.block_on(collect::collect(&opts));
    drop(runtime);
    let topology = model::build(&observation);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if cli.json {
        json::write(&topology, &mut out).context("writing the snapshot")?;
    } else {
        text::write(&topology, Style::for_stdout(), &mut out).context("writing the snapshot")?;
    }
    out.flush().context("writing the snapshot")?;

    if topology.namespaces.is_empty() && !topology.docker.available {
        eprintln!("netview: nothing could be read: no network namespace and no Docker engine");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
