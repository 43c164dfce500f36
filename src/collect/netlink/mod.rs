//! Reads links, addresses and routes inside every namespace, and resolves each namespace's nsids.
//!
//! A netlink socket belongs to the namespace of the thread that creates it, so each read runs on a
//! dedicated OS thread that `setns`es first (never a tokio worker, which would carry the namespace
//! into unrelated tasks), then opens a blocking socket there.

pub mod parse;
pub mod socket;
pub mod sockets;

use crate::model::{LinkObs, NsIdentity, RouteObs, Stats};
use nix::sched::{CloneFlags, setns};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::address::AddressMessage;
use rtnetlink::packet_route::link::LinkMessage;
use rtnetlink::packet_route::neighbour::NeighbourMessage;
use rtnetlink::packet_route::nsid::{NsidAttribute, NsidMessage};
use rtnetlink::packet_route::route::{RouteHeader, RouteMessage};
use rtnetlink::packet_route::stats::{StatsAttribute, StatsFilterMask, StatsMessage};
use socket::NlSocket;
use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A namespace to read, and how to get into it.
#[derive(Clone, Debug)]
pub struct NsTarget {
    pub id: NsIdentity,
    pub path: PathBuf,
}

/// What one namespace holds.
#[derive(Clone, Debug, Default)]
pub struct NsDump {
    pub links: Vec<LinkObs>,
    pub routes: Vec<RouteObs>,
    /// Listening sockets (sock_diag), when asked for, with the owners found in the namespace.
    pub listening: Vec<sockets::Found>,
    /// Why the listening sockets could not be read, if they could not.
    pub sockets_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The namespace disappeared (its file is gone or now names another namespace).
    Gone,
    /// Entering it needs privileges we lack.
    Denied(String),
    Failed(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Gone => write!(f, "namespace vanished"),
            ReadError::Denied(e) => write!(f, "permission denied: {e}"),
            ReadError::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// Work to do inside one namespace.
pub enum Job {
    /// Links, addresses and routes; the listening sockets as `sockets` says, with their owners
    /// among `holders` (the processes in the namespace).
    Dump { sockets: sockets::Ask, holders: Vec<u32> },
    /// Ask this namespace which nsid it gives each candidate namespace (by opening its file).
    Nsids(Vec<NsTarget>),
}

pub enum Output {
    Dump(NsDump),
    Nsids(Vec<(NsIdentity, i32)>),
}

/// Run `jobs` on `threads` dedicated threads, each job inside its namespace. Results keep the jobs' order.
/// `host` is the namespace the process runs in: threads start there and need no `setns` for it.
pub fn run_jobs(host: NsIdentity, jobs: Vec<(NsTarget, Job)>, threads: usize) -> Vec<Result<Output, ReadError>> {
    let targets: Vec<&NsTarget> = jobs.iter().map(|(t, _)| t).collect();
    in_namespaces(host, &targets, threads, |i, socket| match &jobs[i].1 {
        Job::Dump { sockets: ask, holders } => dump(socket).map(|mut d| {
            let kinds: Vec<Option<&str>> = d.links.iter().map(|l| l.kind.as_deref()).collect();
            match sockets::read_for(*ask, &kinds, holders) {
                Ok(found) => d.listening = found,
                Err(e) => d.sockets_error = Some(format!("listening sockets (sock_diag): {e}")),
            }
            Output::Dump(d)
        }),
        Job::Nsids(candidates) => {
            let mut found = Vec::new();
            for c in candidates {
                if let Some(id) = nsid_of(socket, c)? {
                    found.push((c.id, id));
                }
            }
            Ok(Output::Nsids(found))
        }
    })
}

/// Do `work(i, socket)` for each target on `threads` dedicated threads, with a socket opened
/// inside target `i` (closed right after). Results keep the targets' order.
fn in_namespaces<T: Send>(
    host: NsIdentity,
    targets: &[&NsTarget],
    threads: usize,
    work: impl Fn(usize, &mut NlSocket) -> Result<T, ReadError> + Sync,
) -> Vec<Result<T, ReadError>> {
    let n = targets.len();
    let results: Vec<Mutex<Option<Result<T, ReadError>>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, n.max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut current = host;
                let mut buffer = Vec::new();
                while let Some(i) = claim(&next, n) {
                    let r = enter(targets[i], &mut current).and_then(|()| {
                        let mut socket = NlSocket::open(std::mem::take(&mut buffer))
                            .map_err(|e| ReadError::Failed(format!("netlink socket: {e}")))?;
                        let r = work(i, &mut socket);
                        buffer = socket.into_buffer();
                        r
                    });
                    store(&results[i], r);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().ok().flatten().unwrap_or(Err(ReadError::Failed("not run".into()))))
        .collect()
}

fn claim(next: &AtomicUsize, n: usize) -> Option<usize> {
    let i = next.fetch_add(1, Ordering::Relaxed);
    (i < n).then_some(i)
}

fn store<T>(slot: &Mutex<Option<T>>, value: T) {
    if let Ok(mut s) = slot.lock() {
        *s = Some(value);
    }
}

/// Move this (dedicated) thread into `target`, checking the file still names the same namespace.
fn enter(target: &NsTarget, current: &mut NsIdentity) -> Result<(), ReadError> {
    if target.id == *current {
        return Ok(());
    }
    let file = File::open(&target.path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Gone,
        std::io::ErrorKind::PermissionDenied => ReadError::Denied(format!("{}: {e}", target.path.display())),
        _ => ReadError::Failed(format!("{}: {e}", target.path.display())),
    })?;
    let meta = file.metadata().map_err(|e| ReadError::Failed(e.to_string()))?;
    if (meta.dev(), meta.ino()) != (target.id.dev, target.id.inode) {
        return Err(ReadError::Gone);
    }
    setns(&file, CloneFlags::CLONE_NEWNET).map_err(|e| match e {
        nix::errno::Errno::EPERM | nix::errno::Errno::EACCES => {
            ReadError::Denied(format!("setns into {}: {e}", target.path.display()))
        }
        _ => ReadError::Failed(format!("setns into {}: {e}", target.path.display())),
    })?;
    *current = target.id;
    Ok(())
}

fn nl_err(what: &'static str) -> impl Fn(std::io::Error) -> ReadError {
    move |e| ReadError::Failed(format!("{what}: {e}"))
}

/// Links (with counters), addresses and main-table routes of the socket's namespace.
pub fn dump(socket: &mut NlSocket) -> Result<NsDump, ReadError> {
    let mut links: Vec<LinkObs> = Vec::new();
    socket
        .dump(RouteNetlinkMessage::GetLink(LinkMessage::default()), |m| {
            if let RouteNetlinkMessage::NewLink(l) = m {
                links.push(parse::link_from_msg(&l));
            }
        })
        .map_err(nl_err("link dump"))?;
    let mut by_index: BTreeMap<u32, Vec<(bool, String)>> = BTreeMap::new();
    socket
        .dump(RouteNetlinkMessage::GetAddress(AddressMessage::default()), |m| {
            if let RouteNetlinkMessage::NewAddress(a) = m
                && let Some((ifindex, ip, cidr)) = parse::address_from_msg(&a)
            {
                by_index.entry(ifindex).or_default().push((ip.is_ipv6(), cidr));
            }
        })
        .map_err(nl_err("address dump"))?;
    // An AF_UNSPEC dump returns every family's routes in one request; strict checking makes the
    // kernel keep to the main table.
    let mut main_table = RouteMessage::default();
    main_table.header.table = RouteHeader::RT_TABLE_MAIN;
    let mut routes = Vec::new();
    socket
        .dump(RouteNetlinkMessage::GetRoute(main_table), |m| {
            if let RouteNetlinkMessage::NewRoute(r) = m
                && let Some(r) = parse::route_from_msg(&r)
            {
                routes.push(r);
            }
        })
        .map_err(nl_err("route dump"))?;
    for l in links.iter_mut().filter(|l| l.vxlan.is_some()) {
        let fdb = vxlan_fdb(socket, l.ifindex);
        if let Some(v) = l.vxlan.as_mut() {
            v.fdb = fdb;
        }
    }
    for l in &mut links {
        if let Some(mut a) = by_index.remove(&l.ifindex) {
            a.sort_by_key(|(v6, _)| *v6); // IPv4 first, kernel order within a family
            l.addresses = a.into_iter().map(|(_, c)| c).collect();
        }
    }
    Ok(NsDump { links, routes, ..Default::default() })
}

/// A VXLAN device's own forwarding entries (`bridge fdb show dev <it>`, the self ones): an
/// AF_BRIDGE neighbour dump that strict checking limits to this device. Best effort: a kernel
/// that refuses the filter leaves the table empty rather than the namespace unread.
fn vxlan_fdb(socket: &mut NlSocket, ifindex: u32) -> Vec<crate::model::VxlanFdb> {
    let mut request = NeighbourMessage::default();
    request.header.family = AddressFamily::Bridge;
    request.header.ifindex = ifindex;
    let mut entries = Vec::new();
    let read = socket.dump(RouteNetlinkMessage::GetNeighbour(request), |m| {
        if let RouteNetlinkMessage::NewNeighbour(n) = m
            && n.header.ifindex == ifindex
            && let Some(e) = parse::vxlan_fdb_from_msg(&n)
        {
            entries.push(e);
        }
    });
    if read.is_err() {
        entries.clear();
    }
    entries
}

/// The nsid the socket's namespace gives `other`, if any. RTM_GETNSID only reads: it never assigns one.
pub fn nsid_of(socket: &mut NlSocket, other: &NsTarget) -> Result<Option<i32>, ReadError> {
    let Ok(file) = File::open(&other.path) else { return Ok(None) };
    match file.metadata() {
        Ok(m) if (m.dev(), m.ino()) == (other.id.dev, other.id.inode) => {}
        _ => return Ok(None),
    }
    let mut msg = NsidMessage::default();
    msg.attributes.push(NsidAttribute::Fd(file.as_raw_fd() as u32));
    let answer = socket.request(RouteNetlinkMessage::GetNsId(msg)).map_err(nl_err("nsid request"))?;
    let Some(RouteNetlinkMessage::NewNsId(m)) = answer else { return Ok(None) };
    Ok(m.attributes.iter().find_map(|a| match a {
        NsidAttribute::Id(id) if *id >= 0 => Some(*id),
        _ => None,
    }))
}

/// Counters of every link in the socket's namespace, by ifindex: one RTM_GETSTATS dump that asks
/// only for IFLA_STATS_LINK_64 (some 200 bytes a link, against a few kilobytes for a full link
/// message), or a link dump on kernels without RTM_GETSTATS (before 4.7). Read-only.
pub fn counters(socket: &mut NlSocket) -> Result<Vec<(u32, Stats)>, ReadError> {
    let mut request = StatsMessage::default();
    request.header.filter_mask = StatsFilterMask::Link64;
    let mut found = Vec::new();
    let stats = socket.dump(RouteNetlinkMessage::GetStats(request), |m| {
        if let RouteNetlinkMessage::NewStats(s) = m
            && let Some(StatsAttribute::Link64(c)) =
                s.attributes.iter().find(|a| matches!(a, StatsAttribute::Link64(_)))
        {
            found.push((s.header.ifindex, parse::stats_from(c)));
        }
    });
    if stats.is_ok() {
        return Ok(found);
    }
    found.clear();
    socket
        .dump(RouteNetlinkMessage::GetLink(LinkMessage::default()), |m| {
            if let RouteNetlinkMessage::NewLink(l) = m
                && let Some(s) = parse::link_from_msg(&l).stats
            {
                found.push((l.header.index, s));
            }
        })
        .map_err(nl_err("link dump"))?;
    Ok(found)
}

/// What `run_counters` gives for one namespace: (ifindex, counters) of each link.
pub type CountersResult = Result<Vec<(u32, Stats)>, ReadError>;

/// `counters` inside each target namespace, on dedicated threads as `run_jobs` does (entering a
/// namespace only on a thread of our own). Results keep the targets' order.
pub fn run_counters(host: NsIdentity, targets: &[NsTarget], threads: usize) -> Vec<CountersResult> {
    let targets: Vec<&NsTarget> = targets.iter().collect();
    in_namespaces(host, &targets, threads, |_, socket| counters(socket))
}
