//! Collectors: everything that reads the live system. No UI types here.

pub mod cgroup;
pub mod discovery;
pub mod docker;
pub mod firewall;
pub mod host;
pub mod netlink;
pub mod nsids;
pub mod podman;

use crate::model::firewall::SourceStatus;
use crate::model::{NamespaceObs, NsSource, Observation};
use netlink::{Job, NsTarget, Output, ReadError};
use std::time::Duration;

/// Upper bound for each firewall tool; a ruleset of a busy kube-proxy node takes a while.
const FIREWALL_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct Options {
    /// Read Docker at all.
    pub docker: bool,
    /// Upper bound for the whole Docker read.
    pub docker_timeout: Duration,
    /// Look for namespaces held only by processes (`/proc/<pid>/ns/net`).
    pub scan_proc: bool,
    /// Threads that enter namespaces.
    pub threads: usize,
    /// Read firewall rules (iptables-save, nft) and docker-proxy processes.
    pub firewall: bool,
    /// Read each namespace's listening sockets (sock_diag) and their processes.
    pub sockets: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            docker: true,
            docker_timeout: Duration::from_secs(5),
            scan_proc: true,
            threads: 4,
            firewall: true,
            sockets: true,
        }
    }
}

/// One full read of the host: netlink in every namespace, Docker and host facts, concurrently.
pub async fn collect(opts: &Options) -> Observation {
    // DOCKER_HOST may name Podman's socket (or podman-docker's link to it): read it once, as Podman.
    let podman_socket = podman::socket_path();
    let docker_socket = if opts.docker {
        let (socket, budget) = (podman_socket.clone(), opts.docker_timeout);
        tokio::task::spawn_blocking(move || podman::check_docker_socket(&socket, budget))
            .await
            .unwrap_or(podman::DockerSocket::Docker)
    } else {
        podman::DockerSocket::Docker
    };
    let docker_is_podman = match &docker_socket {
        podman::DockerSocket::Podman(path) => Some(path.clone()),
        podman::DockerSocket::Docker => None,
    };
    let docker = async {
        if let Some(path) = &docker_is_podman {
            let named = std::env::var("DOCKER_HOST").unwrap_or_else(|_| path.clone());
            let other = std::path::Path::new(&podman_socket).exists() && !podman::same_socket(path, &podman_socket);
            let error = if other {
                format!(
                    "{named} is another Podman's API, not Docker's: not read (netview reads Podman at {podman_socket})"
                )
            } else {
                format!("{named} is Podman's API, not Docker's: read once, as Podman")
            };
            crate::model::DockerObs { error: Some(error), ..Default::default() }
        } else if opts.docker {
            docker::collect(opts.docker_timeout).await
        } else {
            crate::model::DockerObs {
                error: Some("Docker reading turned off (--no-docker)".into()),
                ..Default::default()
            }
        }
    };
    let (scan_proc, threads, sockets) = (opts.scan_proc, opts.threads, opts.sockets);
    let net = tokio::task::spawn_blocking(move || read_namespaces(scan_proc, threads, sockets));
    let firewall = async { if opts.firewall { firewall::collect(FIREWALL_TIMEOUT).await } else { Default::default() } };
    // Podman: its namespaces in any case, its API only when engines are read at all.
    let podman = async {
        if opts.docker {
            // Podman's own socket when it has one; else the one Docker's points at.
            let socket = match &docker_is_podman {
                Some(path) if !std::path::Path::new(&podman_socket).exists() => path.clone(),
                _ => podman_socket.clone(),
            };
            let budget = opts.docker_timeout;
            let mut p = tokio::task::spawn_blocking(move || podman::read(&socket, budget)).await.unwrap_or_default();
            if let Some(path) = &docker_is_podman
                && p.socket.as_deref().is_some_and(|s| podman::same_socket(s, path))
            {
                p.as_docker = Some(path.clone());
            }
            p
        } else {
            tokio::task::spawn_blocking(|| crate::model::PodmanObs {
                sandboxes: podman::sandboxes(),
                ..Default::default()
            })
            .await
            .unwrap_or_default()
        }
    };
    let (docker, net, firewall, podman) = tokio::join!(docker, net, firewall, podman);
    let (namespaces, mut notes, skipped) =
        net.unwrap_or_else(|e| (Vec::new(), vec![format!("namespace reader failed: {e}")], 0));
    if let Some(e) = docker.error.as_ref().filter(|_| !docker.available) {
        notes.push(format!("Docker: {e}"));
    }
    if let Some(e) = podman.engine.error.as_ref().filter(|_| !podman.engine.available) {
        notes.push(format!("Podman: {e}"));
    }
    if opts.firewall {
        for source in &firewall.ruleset.sources {
            if let SourceStatus::Denied(why) | SourceStatus::Failed(why) = &source.status {
                notes.push(format!("firewall ({}): {why}", source.backend.as_str()));
            }
        }
    }
    Observation { host: host::facts(), namespaces, docker, firewall, notes, skipped_namespaces: skipped, podman }
}

/// Discover namespaces, dump each one, then resolve the nsids their links refer to.
/// With `sockets`, each namespace's listening sockets too, and the processes that hold them.
pub fn read_namespaces(scan_proc: bool, threads: usize, sockets: bool) -> (Vec<NamespaceObs>, Vec<String>, usize) {
    let found = discovery::discover(scan_proc);
    let mut notes = found.notes;
    let mut skipped = found.skipped;
    let pids = found.pids;
    let Some(host) = found.namespaces.first().map(|n| n.id) else {
        return (Vec::new(), notes, skipped);
    };
    let jobs: Vec<(NsTarget, Job)> = found
        .namespaces
        .iter()
        .map(|f| {
            let holders = pids.get(&f.id).cloned().unwrap_or_default();
            let ask = if !sockets {
                netlink::sockets::Ask::No
            } else if !scan_proc
                || !holders.is_empty()
                || f.sources.iter().any(|s| !matches!(s, NsSource::Named { .. }))
            {
                netlink::sockets::Ask::Yes
            } else {
                netlink::sockets::Ask::IfTunnel
            };
            (NsTarget { id: f.id, path: f.open_path.clone() }, Job::Dump { sockets: ask, holders })
        })
        .collect();
    // The namespaces with the most processes go first: finding socket owners reads every
    // descriptor of their processes, the longest jobs, which should not be left for the end.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| {
        std::cmp::Reverse(if let Job::Dump { holders, .. } = &jobs[i].1 { holders.len() } else { 0 })
    });
    let mut slots: Vec<Option<(NsTarget, Job)>> = jobs.into_iter().map(Some).collect();
    let ordered = order.iter().filter_map(|&i| slots[i].take()).collect();
    let mut results: Vec<Option<Result<Output, ReadError>>> = (0..order.len()).map(|_| None).collect();
    for (&i, r) in order.iter().zip(netlink::run_jobs(host, ordered, threads)) {
        results[i] = Some(r);
    }
    let results = results.into_iter().map(|r| r.unwrap_or(Err(ReadError::Failed("not run".into()))));
    let mut namespaces = Vec::new();
    let mut sockets_found = Vec::new();
    let mut denied = Vec::new();
    for (f, r) in found.namespaces.into_iter().zip(results) {
        match r {
            Ok(Output::Dump(mut d)) => {
                if let Some(e) = d.sockets_error.take() {
                    notes.push(format!("namespace {}: {e}", f.paths.join(" ")));
                }
                sockets_found.push(std::mem::take(&mut d.listening));
                namespaces.push(NamespaceObs {
                    id: f.id,
                    paths: f.paths,
                    sources: f.sources,
                    links: d.links,
                    routes: d.routes,
                    nsids: Default::default(),
                    listening: Vec::new(),
                })
            }
            Ok(Output::Nsids(_)) => {}
            Err(ReadError::Gone) => skipped += 1,
            Err(ReadError::Denied(_)) => denied.push(f.paths.join(" ")),
            Err(ReadError::Failed(e)) => {
                skipped += 1;
                notes.push(format!("could not read namespace {}: {e}", f.paths.join(" ")));
            }
        }
    }
    if !denied.is_empty() {
        skipped += denied.len();
        notes.push(format!(
            "{} namespaces could not be entered (entering another namespace needs root, CAP_SYS_ADMIN); showing the host's own view of them",
            denied.len()
        ));
    }
    let host_index = namespaces.iter().position(NamespaceObs::is_host);
    let host_pids = pids.get(&host).map_or(&[][..], Vec::as_slice);
    for (n, l) in namespaces.iter_mut().zip(netlink::sockets::finish(sockets_found, host_index, host_pids)) {
        n.listening = l;
    }
    resolve_nsids(host, &mut namespaces, threads);
    (namespaces, notes, skipped)
}

/// Ask the host first (it references most namespaces), let veth symmetry answer the way back,
/// then ask the remaining namespaces themselves.
fn resolve_nsids(host: crate::model::NsIdentity, namespaces: &mut [NamespaceObs], threads: usize) {
    for host_round in [true, false] {
        let pending = nsids::pending(namespaces);
        let mut jobs = Vec::new();
        let mut askers = Vec::new();
        for (a, wanted) in pending {
            if (namespaces[a].id == host) != host_round {
                continue;
            }
            let mut candidates: Vec<usize> = wanted.into_values().flatten().collect();
            candidates.sort_unstable();
            candidates.dedup();
            let targets = candidates.iter().map(|&b| target(&namespaces[b])).collect();
            jobs.push((target(&namespaces[a]), Job::Nsids(targets)));
            askers.push(a);
        }
        if jobs.is_empty() {
            continue;
        }
        for (a, r) in askers.into_iter().zip(netlink::run_jobs(host, jobs, threads)) {
            if let Ok(Output::Nsids(found)) = r {
                nsids::apply(&mut namespaces[a], &found);
            }
        }
        nsids::propagate(namespaces);
    }
}

fn target(ns: &NamespaceObs) -> NsTarget {
    let path = if ns.is_host() { discovery::HOST_NS_PATH } else { ns.paths.first().map_or("", |p| p.as_str()) };
    NsTarget { id: ns.id, path: path.into() }
}
