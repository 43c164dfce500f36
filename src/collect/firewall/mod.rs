//! Firewall rules: run the save tools (argument vectors, never a shell) and parse what they print.
//! iptables-legacy, iptables-nft and native nftables tables may all be present at once; each is
//! read by its own tool, and a missing tool or permission is reported, never fatal.

pub mod conntrack;
pub mod iptables;
pub mod nft;
pub mod proxy;

use crate::model::firewall::*;
use crate::model::observation::FirewallObs;
use std::path::PathBuf;
use std::time::Duration;
use tokio::process::Command;

/// Tables iptables-nft keeps in nf_tables; `nft` lists them too, lossily, so they are read once.
const XTABLES: [&str; 5] = ["filter", "nat", "mangle", "raw", "security"];

/// Read rules, docker-proxy processes and the sysctls that decide whether rules apply at all.
pub async fn collect(timeout: Duration) -> FirewallObs {
    let proxies = tokio::task::spawn_blocking(proxy::scan);
    let conntrack = tokio::task::spawn_blocking(conntrack::read);
    let ruleset = read_rules(timeout).await;
    FirewallObs {
        ruleset,
        proxies: proxies.await.unwrap_or_default(),
        ip_forward: sysctl_flag("/proc/sys/net/ipv4/ip_forward"),
        bridge_nf_call_iptables: sysctl_flag("/proc/sys/net/bridge/bridge-nf-call-iptables"),
        conntrack: conntrack.await.unwrap_or_default(),
    }
}

fn sysctl_flag(path: &str) -> Option<bool> {
    std::fs::read_to_string(path).ok().map(|s| s.trim() == "1")
}

/// One tool to run and how to read what it prints.
struct Reader {
    backend: Backend,
    family: Family,
    program: &'static str,
    args: &'static [&'static str],
}

const IPTABLES: [Reader; 4] = [
    Reader { backend: Backend::IptablesNft, family: Family::Ipv4, program: "iptables-nft-save", args: &["-c"] },
    Reader { backend: Backend::IptablesNft, family: Family::Ipv6, program: "ip6tables-nft-save", args: &["-c"] },
    Reader { backend: Backend::IptablesLegacy, family: Family::Ipv4, program: "iptables-legacy-save", args: &["-c"] },
    Reader { backend: Backend::IptablesLegacy, family: Family::Ipv6, program: "ip6tables-legacy-save", args: &["-c"] },
];

/// Older distributions ship only `iptables-save`; its header says which backend it is.
const PLAIN: [Reader; 2] = [
    Reader { backend: Backend::IptablesLegacy, family: Family::Ipv4, program: "iptables-save", args: &["-c"] },
    Reader { backend: Backend::IptablesLegacy, family: Family::Ipv6, program: "ip6tables-save", args: &["-c"] },
];

const NFT: Reader =
    Reader { backend: Backend::Nftables, family: Family::Other, program: "nft", args: &["-j", "list", "ruleset"] };

pub async fn read_rules(timeout: Duration) -> Ruleset {
    let split = IPTABLES.iter().any(|r| find_program(r.program).is_some());
    let iptables: &[Reader] = if split { &IPTABLES } else { &PLAIN };
    let readers: Vec<&Reader> = iptables.iter().chain([&NFT]).collect();
    read_with(&readers, split, None, timeout).await
}

/// Re-read only the sources that held rules last time (for counters that move every tick: one
/// or two tools instead of five); the other sources keep their last status.
pub async fn reread(previous: &[RulesetSource], timeout: Duration) -> Ruleset {
    let had_rules = |program: &str| {
        previous.iter().any(|s| {
            s.command.first().is_some_and(|c| c == program) && matches!(s.status, SourceStatus::Read(n) if n > 0)
        })
    };
    let split = previous.iter().any(|s| s.command.first().is_some_and(|c| IPTABLES.iter().any(|r| r.program == c)));
    let all: Vec<&Reader> = IPTABLES.iter().chain(PLAIN.iter()).chain([&NFT]).collect();
    let readers: Vec<&Reader> = all.into_iter().filter(|r| had_rules(r.program)).collect();
    let iptables_nft_read =
        previous.iter().any(|s| s.backend == Backend::IptablesNft && matches!(s.status, SourceStatus::Read(_)));
    let mut set = read_with(&readers, split, Some(iptables_nft_read), timeout).await;
    for s in previous {
        if !s.command.first().is_some_and(|c| had_rules(c)) {
            set.sources.push(s.clone());
        }
    }
    set
}

/// Run `readers` concurrently and merge what they print. `iptables_nft_read`: whether
/// iptables-nft's tables are known to be read (by this run when None).
async fn read_with(readers: &[&Reader], split: bool, iptables_nft_read: Option<bool>, timeout: Duration) -> Ruleset {
    let runs = readers.iter().map(|r| run(r, timeout));
    let outputs = futures_util::future::join_all(runs).await;
    let mut set = Ruleset::default();
    let mut nft_output = None;
    for (reader, output) in readers.iter().zip(outputs) {
        let command = std::iter::once(reader.program.to_string()).chain(reader.args.iter().map(|a| a.to_string()));
        let command: Vec<String> = command.collect();
        let text = match output {
            Ok(text) => text,
            Err(status) => {
                // A split install lacks one of the variants for a family now and then: say so once.
                set.sources.push(RulesetSource { backend: reader.backend, command, status });
                continue;
            }
        };
        if reader.backend == Backend::Nftables {
            nft_output = Some((command, text));
            continue;
        }
        let backend = if split { reader.backend } else { plain_backend(&text) };
        let (tables, problems) = iptables::parse(&text, backend, reader.family);
        let rules = tables.iter().flat_map(|t| &t.chains).map(|c| c.rules.len()).sum();
        let status = match problems.first() {
            Some(p) if rules == 0 => SourceStatus::Failed(format!("unreadable output: {p}")),
            _ => SourceStatus::Read(rules),
        };
        set.sources.push(RulesetSource { backend, command, status });
        set.tables.extend(tables);
    }
    if let Some((command, text)) = nft_output {
        let iptables_nft_read = iptables_nft_read.unwrap_or_else(|| {
            set.sources.iter().any(|s| s.backend == Backend::IptablesNft && matches!(s.status, SourceStatus::Read(_)))
        });
        let status = match nft::parse(&text) {
            Ok((tables, _problems)) => {
                let native = native_tables(tables, iptables_nft_read);
                let rules = native.iter().flat_map(|t| &t.chains).map(|c| c.rules.len()).sum();
                set.tables.extend(native);
                SourceStatus::Read(rules)
            }
            Err(e) => SourceStatus::Failed(e),
        };
        set.sources.push(RulesetSource { backend: Backend::Nftables, command, status });
    }
    set
}

/// The tables `nft` lists that iptables-nft does not already show (when its save tool was read):
/// Docker's and kube-proxy's nftables tables, the distribution's own, never the same rules twice.
pub fn native_tables(tables: Vec<Table>, iptables_nft_read: bool) -> Vec<Table> {
    tables
        .into_iter()
        .filter(|t| {
            !(iptables_nft_read
                && matches!(t.family, Family::Ipv4 | Family::Ipv6)
                && XTABLES.contains(&t.name.as_str()))
        })
        .collect()
}

/// `# Generated by iptables-save v1.8.9 (nf_tables) on ...`; versions before 1.8 are legacy.
fn plain_backend(text: &str) -> Backend {
    let header = text.lines().find(|l| l.starts_with("# Generated by")).unwrap_or("");
    if header.contains("(nf_tables)") { Backend::IptablesNft } else { Backend::IptablesLegacy }
}

async fn run(reader: &Reader, timeout: Duration) -> Result<String, SourceStatus> {
    let Some(path) = find_program(reader.program) else {
        return Err(SourceStatus::Missing);
    };
    let mut command = Command::new(path);
    command.args(reader.args).kill_on_drop(true).stdin(std::process::Stdio::null());
    // Tools print numbers and names the same way in every locale, but say so explicitly.
    command.env("LC_ALL", "C");
    let output = match tokio::time::timeout(timeout, command.output()).await {
        Err(_) => return Err(SourceStatus::Failed(format!("{} took longer than {timeout:?}", reader.program))),
        Ok(Err(e)) => return Err(SourceStatus::Failed(format!("{} could not run: {e}", reader.program))),
        Ok(Ok(o)) => o,
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let first = stderr.lines().next().unwrap_or("").trim().to_string();
        let denied = ["Permission denied", "must be root", "Operation not permitted"];
        return Err(if denied.iter().any(|d| stderr.contains(d)) {
            SourceStatus::Denied(format!("reading firewall rules needs root (CAP_NET_ADMIN): {first}"))
        } else {
            SourceStatus::Failed(format!("{} failed ({}): {first}", reader.program, output.status))
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Look the tool up on PATH and in the sbin directories a non-login shell's PATH may lack.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
