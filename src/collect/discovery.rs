//! Finds every network namespace on the host: ours, `ip netns` ones, Docker's sandboxes and those
//! only reachable through a process. Deduplicated by the nsfs (device, inode) identity.

use crate::model::{NsIdentity, NsSource};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub const HOST_NS_PATH: &str = "/proc/self/ns/net";
pub const NETNS_DIRS: &[&str] = &["/run/netns", "/var/run/netns"];
pub const DOCKER_NETNS_DIRS: &[&str] = &["/run/docker/netns", "/var/run/docker/netns"];

#[derive(Clone, Debug)]
pub struct FoundNs {
    pub id: NsIdentity,
    pub paths: Vec<String>,
    pub sources: Vec<NsSource>,
    /// The path to open when entering it.
    pub open_path: PathBuf,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub namespaces: Vec<FoundNs>,
    pub notes: Vec<String>,
    /// Entries that vanished or could not be read.
    pub skipped: usize,
    /// The processes in each namespace, ascending (from the `/proc` pass; empty without it).
    pub pids: BTreeMap<NsIdentity, Vec<u32>>,
}

pub fn identity(path: &Path) -> std::io::Result<NsIdentity> {
    let m = std::fs::metadata(path)?;
    Ok(NsIdentity { dev: m.dev(), inode: m.ino() })
}

/// The identity of `path` if it is a mounted network namespace (an nsfs file, like our own).
pub fn namespace_identity(path: &Path) -> Option<NsIdentity> {
    let own = identity(Path::new(HOST_NS_PATH)).ok()?;
    identity(path).ok().filter(|id| id.dev == own.dev)
}

/// Scan the well-known places. `scan_proc` adds namespaces only reachable through `/proc/<pid>`.
pub fn discover(scan_proc: bool) -> Discovery {
    let mut d = Discovery::default();
    let mut by_id: BTreeMap<NsIdentity, usize> = BTreeMap::new();
    let host = match identity(Path::new(HOST_NS_PATH)) {
        Ok(id) => id,
        Err(e) => {
            d.notes.push(format!("cannot read this process's own network namespace ({HOST_NS_PATH}): {e}"));
            return d;
        }
    };
    let mut add = |d: &mut Discovery, id: NsIdentity, path: String, source: NsSource| match by_id.get(&id) {
        Some(&i) => {
            let ns = &mut d.namespaces[i];
            if !ns.paths.contains(&path) {
                ns.paths.push(path);
            }
            if !ns.sources.contains(&source) {
                ns.sources.push(source);
            }
        }
        None => {
            by_id.insert(id, d.namespaces.len());
            d.namespaces.push(FoundNs {
                id,
                open_path: PathBuf::from(&path),
                paths: vec![path],
                sources: vec![source],
            });
        }
    };
    add(&mut d, host, HOST_NS_PATH.to_string(), NsSource::Host);

    let mut leftovers = 0usize;
    let mut scanned = Vec::new();
    for (dirs, docker) in [(NETNS_DIRS, false), (DOCKER_NETNS_DIRS, true)] {
        for dir in dirs {
            // `/var/run` is usually a link to `/run`: read each real directory once.
            let Ok(real) = std::fs::canonicalize(dir) else { continue };
            if scanned.contains(&real) {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(&real) else { continue };
            scanned.push(real);
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                match identity(&path) {
                    // Every nsfs file shares one device: anything else is a leftover file, not a namespace.
                    Ok(id) if id.dev == host.dev => {
                        let source = if docker { NsSource::Docker { name } } else { NsSource::Named { name } };
                        add(&mut d, id, path.display().to_string(), source);
                    }
                    Ok(_) => leftovers += 1,
                    Err(_) => d.skipped += 1,
                }
            }
        }
    }
    if leftovers > 0 {
        d.notes.push(format!(
            "{leftovers} files under /run/netns or /run/docker/netns are not mounted namespaces (left over after their namespace was removed): skipped"
        ));
    }
    if scan_proc {
        scan_processes(&mut d, host, &mut add);
    }
    d
}

fn scan_processes(
    d: &mut Discovery,
    host: NsIdentity,
    add: &mut impl FnMut(&mut Discovery, NsIdentity, String, NsSource),
) {
    let Ok(entries) = std::fs::read_dir("/proc") else { return };
    let mut denied = 0usize;
    let mut seen: BTreeMap<NsIdentity, ()> = d.namespaces.iter().map(|n| (n.id, ())).collect();
    let mut pids: Vec<u32> = entries.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect();
    pids.sort_unstable();
    for pid in pids {
        let path = PathBuf::from(format!("/proc/{pid}/ns/net"));
        let found = identity(&path);
        if let Ok(id) = &found
            && id.dev == host.dev
        {
            d.pids.entry(*id).or_default().push(pid);
        }
        match found {
            Ok(id) if id.dev == host.dev && !seen.contains_key(&id) => {
                seen.insert(id, ());
                let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string();
                add(d, id, path.display().to_string(), NsSource::Process { pid, comm });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => denied += 1,
            Err(_) => {} // the process exited meanwhile
        }
    }
    if denied > 0 {
        let why = if nix::unistd::Uid::effective().is_root() {
            "permission denied even to root: a sandbox or security module hides them"
        } else {
            "permission denied: run as root to see them"
        };
        let whose =
            if denied == 1 { "1 process's namespace".to_string() } else { format!("{denied} processes' namespaces") };
        d.notes.push(format!("{whose} could not be looked at ({why})"));
    }
}
