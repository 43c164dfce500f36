//! Command-line interface.

use clap::Parser;

/// See how container networking on this Linux host fits together: bridges, veth pairs,
/// network namespaces and Docker networks, read live through netlink and the Docker API.
#[derive(Parser, Debug, Clone)]
#[command(name = "netview", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Language of the concept notes (en, ko); by default from LC_ALL, LC_MESSAGES or LANG.
    #[arg(long, global = true, value_enum)]
    pub lang: Option<crate::explain::Lang>,

    /// Open the dashboard with a lesson beside the topology (an id or number; `netview lesson list`).
    #[arg(long, value_name = "LESSON")]
    pub lesson: Option<String>,

    /// Show a saved snapshot (`netview --snapshot --json > file`) instead of this host: no root,
    /// no Docker needed. Works with --snapshot and in the dashboard.
    #[arg(long, value_name = "SNAPSHOT.json", conflicts_with = "demo")]
    pub replay: Option<std::path::PathBuf>,

    /// Show a realistic demo host (a real snapshot shipped with netview) with moving counters.
    #[arg(long)]
    pub demo: bool,

    /// Print one snapshot of the host's topology and exit.
    #[arg(long)]
    pub snapshot: bool,

    /// With --snapshot: print JSON ("schema": 1) instead of text; short for --format json.
    #[arg(long, requires = "snapshot", conflicts_with = "format")]
    pub json: bool,

    /// With --snapshot: text (default), json, or a graph for slides: dot (Graphviz) or mermaid.
    #[arg(long, value_enum, requires = "snapshot")]
    pub format: Option<Format>,

    /// Do not contact the Docker engine (netlink view only).
    #[arg(long)]
    pub no_docker: bool,

    /// Do not look for namespaces held only by processes (/proc/<pid>/ns/net).
    #[arg(long)]
    pub no_proc_scan: bool,

    /// Do not read firewall rules (iptables-save, nft) or look for docker-proxy processes.
    #[arg(long)]
    pub no_firewall: bool,

    /// Do not read the listening sockets of each namespace (sock_diag) or their processes.
    #[arg(long)]
    pub no_sockets: bool,

    /// Colours of the interactive view: `projector` is bold and high-contrast for classrooms.
    /// NO_COLOR turns colour off whatever the theme.
    #[arg(long, value_enum)]
    pub theme: Option<Theme>,

    /// Seconds between counter samples in the interactive view.
    #[arg(long, value_name = "SECONDS", value_parser = interval_seconds)]
    pub interval: Option<f64>,

    /// The config file (default: $XDG_CONFIG_HOME/netview/config.toml): theme, lang, interval and
    /// [keys]; flags given here win over it.
    #[arg(long, value_name = "PATH", global = true)]
    pub config: Option<std::path::PathBuf>,

    /// Seconds to wait for the Docker engine before showing the rest without it.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS", value_parser = positive_seconds)]
    pub docker_timeout: f64,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum Command {
    /// List the concepts netview explains, or print one as a card, with this host's live values
    /// where a matching object exists.
    Explain {
        /// A concept id (`netview explain` lists them).
        id: Option<String>,
        /// Do not read the host: print the card without live values.
        #[arg(long)]
        no_live: bool,
    },
    /// Can <FROM> reach <TO>, and if not, why? Follows a first packet through routes, veth pairs,
    /// bridges and the firewall. Exit status: 0 reachable (or leaves this host), 1 blocked,
    /// 3 unknown, 2 bad arguments.
    Path {
        /// A container (name or id prefix), a namespace (name, path or inode), `host`, or an address.
        from: String,
        /// The same kinds as FROM.
        to: String,
        /// Destination port: the walk then uses TCP (or --proto udp).
        #[arg(long)]
        port: Option<u16>,
        /// Protocol of the packet (default: icmp, or tcp when --port is given).
        #[arg(long, value_enum)]
        proto: Option<Protocol>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Teaching topologies made of plain namespaces, bridges, veths and VXLAN (needs root). The
    /// only part of netview that changes the system; everything it makes is named nvlab-*.
    Lab {
        #[command(subcommand)]
        action: LabCommand,
    },
    /// The cluster: merge snapshots taken on several nodes (`netview --snapshot --json > node.json`).
    Merge {
        /// Snapshot files, one per node.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Print the merged cluster as JSON.
        #[arg(long, conflicts_with = "tui")]
        json: bool,
        /// Show the merged cluster in the terminal (scroll with ↑↓, q quits).
        #[arg(long)]
        tui: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff): `netview man | man -l -`.
    Man,
    /// Classroom lessons: list them, check a lesson's steps on this host, or print a handout.
    Lesson {
        #[command(subcommand)]
        action: LessonCommand,
    },
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum LabCommand {
    /// Build a lab (docker-like, k8s-node, two-hosts); doing it twice changes nothing.
    Up { name: String },
    /// Remove a lab, or every lab.
    Down { name: Option<String> },
    /// Which labs exist and which are up.
    List,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum LessonCommand {
    /// The lessons.
    List,
    /// Every step's status on this host; exit 0 when all steps but the cleanup are done.
    Check {
        lesson: String,
        #[command(flatten)]
        vars: LessonVars,
    },
    /// The lesson as a Markdown handout.
    Show {
        lesson: String,
        #[command(flatten)]
        vars: LessonVars,
    },
}

/// What a lesson's placeholders stand for.
#[derive(clap::Args, Debug, Clone)]
pub struct LessonVars {
    /// `{p}`: prefix of the objects the lesson makes.
    #[arg(long, default_value = "nvl-")]
    pub prefix: String,
    /// `{image}`: an image with busybox applets.
    #[arg(long, default_value = "busybox")]
    pub image: String,
    /// `{port}`: the host port to publish.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Dot,
    Mermaid,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Icmp,
    Tcp,
    Udp,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Default,
    Projector,
}

fn interval_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.25..=10.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a number of seconds between 0.25 and 10, got {s:?}")),
    }
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 600.0 => Ok(v),
        _ => Err(format!("expected a number of seconds between 0 and 600, got {s:?}")),
    }
}
