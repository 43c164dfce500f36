//! Reads links, addresses and routes inside every namespace, and resolves each namespace's nsids.
//!
//! A netlink socket belongs to the namespace of the thread that creates it, so each read runs on a
//! dedicated OS thread that `setns`es first (never a tokio worker, which would carry the namespace
//! into unrelated tasks). Each such thread drives rtnetlink on its own current-thread runtime.

pub mod parse;

use crate::model::{LinkObs, NsIdentity, RouteObs};
use futures_util::{StreamExt, TryStreamExt};
use nix::sched::{CloneFlags, setns};
use rtnetlink::Handle;
use rtnetlink::packet_core::{NLM_F_REQUEST, NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::nsid::{NsidAttribute, NsidMessage};
use rtnetlink::packet_route::route::{RouteHeader, RouteMessage};
use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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
    Dump,
    /// Ask this namespace which nsid it gives each candidate namespace (by opening its file).
    Nsids(Vec<NsTarget>),
}

pub enum Output {
    Dump(NsDump),
    Nsids(Vec<(NsIdentity, i32)>),
}

const PER_NAMESPACE_TIMEOUT: Duration = Duration::from_secs(5);

/// Run `jobs` on `threads` dedicated threads, each job inside its namespace. Results keep the jobs' order.
/// `host` is the namespace the process runs in: threads start there and need no `setns` for it.
pub fn run_jobs(host: NsIdentity, jobs: Vec<(NsTarget, Job)>, threads: usize) -> Vec<Result<Output, ReadError>> {
    let n = jobs.len();
    let results: Vec<Mutex<Option<Result<Output, ReadError>>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, n.max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        while let Some(i) = claim(&next, n) {
                            store(&results[i], Err(ReadError::Failed(format!("cannot start a runtime: {e}"))));
                        }
                        return;
                    }
                };
                let mut current = host;
                while let Some(i) = claim(&next, n) {
                    let (target, job) = &jobs[i];
                    let r = enter(target, &mut current).and_then(|()| rt.block_on(run_job(job)));
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

async fn run_job(job: &Job) -> Result<Output, ReadError> {
    let (conn, handle, _) =
        rtnetlink::new_connection().map_err(|e| ReadError::Failed(format!("netlink socket: {e}")))?;
    let work = async {
        match job {
            Job::Dump => dump(&handle).await.map(Output::Dump),
            Job::Nsids(candidates) => {
                let mut found = Vec::new();
                for c in candidates {
                    if let Some(id) = nsid_of(&handle, c).await? {
                        found.push((c.id, id));
                    }
                }
                Ok(Output::Nsids(found))
            }
        }
    };
    // The connection future owns the socket: dropping it at the end of this select closes the socket.
    tokio::select! {
        r = tokio::time::timeout(PER_NAMESPACE_TIMEOUT, work) => r.unwrap_or_else(|_| Err(ReadError::Failed("netlink read timed out".into()))),
        () = conn => Err(ReadError::Failed("netlink connection closed".into())),
    }
}

fn nl_err(what: &str) -> impl Fn(rtnetlink::Error) -> ReadError + '_ {
    move |e| ReadError::Failed(format!("{what}: {e}"))
}

/// Links (with counters), addresses and main-table routes of the namespace the handle lives in.
pub async fn dump(handle: &Handle) -> Result<NsDump, ReadError> {
    // One dump at a time: `execute()` sends at once, and a socket refuses a second dump while one runs (EBUSY).
    let mut links: Vec<LinkObs> = handle
        .link()
        .get()
        .execute()
        .map_ok(|m| parse::link_from_msg(&m))
        .try_collect()
        .await
        .map_err(nl_err("link dump"))?;
    let addresses: Vec<_> = handle
        .address()
        .get()
        .execute()
        .try_filter_map(|m| futures_util::future::ready(Ok(parse::address_from_msg(&m))))
        .try_collect()
        .await
        .map_err(nl_err("address dump"))?;
    // An AF_UNSPEC dump returns every family's routes in one request; strict checking makes the
    // kernel keep to the main table.
    let mut main_table = RouteMessage::default();
    main_table.header.table = RouteHeader::RT_TABLE_MAIN;
    let routes: Vec<RouteObs> = handle
        .route()
        .get(main_table)
        .execute()
        .try_filter_map(|m| futures_util::future::ready(Ok(parse::route_from_msg(&m))))
        .try_collect()
        .await
        .map_err(nl_err("route dump"))?;
    let mut by_index: BTreeMap<u32, Vec<(bool, String)>> = BTreeMap::new();
    for (ifindex, ip, cidr) in addresses {
        by_index.entry(ifindex).or_default().push((ip.is_ipv6(), cidr));
    }
    for l in &mut links {
        if let Some(mut a) = by_index.remove(&l.ifindex) {
            a.sort_by_key(|(v6, _)| *v6); // IPv4 first, kernel order within a family
            l.addresses = a.into_iter().map(|(_, c)| c).collect();
        }
    }
    Ok(NsDump { links, routes })
}

/// The nsid the handle's namespace gives `other`, if any. RTM_GETNSID only reads: it never assigns one.
pub async fn nsid_of(handle: &Handle, other: &NsTarget) -> Result<Option<i32>, ReadError> {
    let Ok(file) = File::open(&other.path) else { return Ok(None) };
    match file.metadata() {
        Ok(m) if (m.dev(), m.ino()) == (other.id.dev, other.id.inode) => {}
        _ => return Ok(None),
    }
    let mut msg = NsidMessage::default();
    msg.attributes.push(NsidAttribute::Fd(file.as_raw_fd() as u32));
    let mut req = NetlinkMessage::from(RouteNetlinkMessage::GetNsId(msg));
    req.header.flags = NLM_F_REQUEST;
    let mut handle = handle.clone();
    let mut resp = handle.request(req).map_err(nl_err("nsid request"))?;
    let mut out = None;
    while let Some(m) = resp.next().await {
        match m.payload {
            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewNsId(m)) => {
                for a in m.attributes {
                    if let NsidAttribute::Id(id) = a {
                        out = (id >= 0).then_some(id);
                    }
                }
            }
            NetlinkPayload::Error(_) => return Ok(None),
            _ => {}
        }
    }
    Ok(out)
}
