//! The two sources of "something changed": the Docker engine's event stream and the host
//! namespace's rtnetlink notifications. Each runs as a task and only signals; the coordinator
//! decides when to read.

use crate::collect::docker::explain;
use bollard::Docker;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;
use rtnetlink::MulticastGroup;
use rtnetlink::sys::{AsyncSocket, AsyncSocketExt, SocketAddr, TokioSocket, protocols::NETLINK_ROUTE};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What the watchers tell the coordinator.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// A Docker event that may change the picture.
    DockerEvent,
    /// The engine answers again after being unreachable.
    DockerUp,
    /// The engine cannot be reached (sent once per outage), with why.
    DockerDown(String),
    /// A link, address or nsid changed in the host namespace (or notifications were lost).
    Netlink,
}

/// Reconnect delays while the engine is away. Kept short so its return is noticed at most 1 s
/// late, which leaves the full read room within the 2 s promise: a failed attempt on a unix
/// socket costs one `connect` call.
pub const DOCKER_RETRY_MIN: Duration = Duration::from_millis(250);
pub const DOCKER_RETRY_MAX: Duration = Duration::from_millis(1000);

/// Docker actions that can change networks, endpoints or namespaces. Exec, health, attach, top,
/// resize and the like change nothing netview shows.
const CONTAINER_ACTIONS: &[&str] = &["create", "start", "restart", "die", "destroy", "rename", "pause", "unpause"];
const NETWORK_ACTIONS: &[&str] = &["create", "connect", "disconnect", "destroy", "remove", "update"];

/// Whether a Docker event can change what netview shows.
pub fn relevant(e: &EventMessage) -> bool {
    let action = e.action.as_deref().unwrap_or("");
    match e.typ {
        Some(EventMessageTypeEnum::CONTAINER) => CONTAINER_ACTIONS.contains(&action),
        Some(EventMessageTypeEnum::NETWORK) => true,
        _ => false,
    }
}

fn events_options() -> EventsOptions {
    let mut actions: Vec<String> = CONTAINER_ACTIONS.iter().chain(NETWORK_ACTIONS).map(|s| s.to_string()).collect();
    actions.sort();
    actions.dedup();
    let filters =
        HashMap::from([("type".to_string(), vec!["container".into(), "network".into()]), ("event".into(), actions)]);
    EventsOptions { filters: Some(filters), ..Default::default() }
}

async fn connect(timeout: Duration) -> Result<Docker, String> {
    let docker = Docker::connect_with_defaults().map_err(|e| explain(&e.to_string()))?.with_timeout(timeout);
    match tokio::time::timeout(timeout, docker.ping()).await {
        Ok(Ok(_)) => Ok(docker),
        Ok(Err(e)) => Err(explain(&e.to_string())),
        Err(_) => Err(format!("the Docker engine did not answer within {} s", timeout.as_secs_f32())),
    }
}

/// Follow the engine's events until the coordinator goes away. Read-only: ping and events.
pub async fn docker(tx: mpsc::Sender<Signal>, timeout: Duration) {
    let mut retry = DOCKER_RETRY_MIN;
    // Whether the engine answered last time we looked; None before the first look (the first
    // full read already says whether Docker is there).
    let mut was_up: Option<bool> = None;
    loop {
        let docker = match connect(timeout).await {
            Ok(d) => d,
            Err(e) => {
                if was_up != Some(false) && tx.send(Signal::DockerDown(e)).await.is_err() {
                    return;
                }
                was_up = Some(false);
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(DOCKER_RETRY_MAX);
                continue;
            }
        };
        retry = DOCKER_RETRY_MIN;
        let signal = match was_up {
            Some(false) => Some(Signal::DockerUp),
            // The stream ended but the engine still answers: events may have been missed.
            Some(true) => Some(Signal::DockerEvent),
            None => None,
        };
        if let Some(s) = signal
            && tx.send(s).await.is_err()
        {
            return;
        }
        was_up = Some(true);
        let since = Instant::now();
        let mut events = docker.events(Some(events_options()));
        loop {
            match events.next().await {
                Some(Ok(e)) if relevant(&e) => {
                    // A full queue already holds a signal that will cause a read.
                    if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(Signal::DockerEvent) {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            }
        }
        // Look again at once (a restart is usually quick), but never spin on a stream that
        // keeps ending as soon as it starts.
        if since.elapsed() < Duration::from_secs(1) {
            tokio::time::sleep(retry).await;
            retry = (retry * 2).min(DOCKER_RETRY_MAX);
        }
    }
}

/// The rtnetlink groups whose notifications mean the host's picture changed.
pub const GROUPS: &[MulticastGroup] =
    &[MulticastGroup::Link, MulticastGroup::Ipv4Ifaddr, MulticastGroup::Ipv6Ifaddr, MulticastGroup::Nsid];

/// A socket subscribed to `GROUPS` in the namespace of the calling thread.
fn monitor_socket() -> std::io::Result<TokioSocket> {
    let mut socket = TokioSocket::new(NETLINK_ROUTE)?;
    let mut mask = 0u32;
    for g in GROUPS.iter().filter(|g| !g.need_via_add_membership()) {
        mask |= 1 << (*g as u32 - 1);
    }
    socket.socket_mut().bind(&SocketAddr::new(0, mask))?;
    for g in GROUPS.iter().filter(|g| g.need_via_add_membership()) {
        socket.socket_mut().add_membership(*g as u32)?;
    }
    Ok(socket)
}

/// Signal every notification of the host namespace.
///
/// Why an async raw socket on the runtime (rather than rtnetlink's multicast connection, or a
/// blocking socket on a thread of its own):
/// - the host namespace: the socket is made on a tokio worker, and no worker ever `setns`es
///   (namespace reads run on dedicated threads), so it listens to the namespace netview runs in;
/// - every datagram counts, even one this rtnetlink version cannot parse: netlink-proto's
///   connection silently drops undecodable messages, and parsing is work we do not need;
/// - a lost burst (ENOBUFS, the kernel's queue overflowed) is a signal too, never an end;
/// - no thread to wake up or stop: the task ends when it is aborted or the coordinator is gone.
pub async fn netlink(tx: mpsc::Sender<Signal>) {
    let mut buffer: Vec<u8> = Vec::with_capacity(16 * 1024);
    loop {
        if let Ok(socket) = monitor_socket() {
            loop {
                buffer.clear();
                let r = socket.recv(&mut buffer).await;
                match r {
                    Ok(()) => {}
                    Err(e) if e.raw_os_error() == Some(nix::libc::ENOBUFS) => {}
                    Err(_) => break,
                }
                if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(Signal::Netlink) {
                    return;
                }
            }
        }
        if tx.is_closed() {
            return;
        }
        // Cannot listen (or the socket broke): the periodic resync still keeps the picture fresh.
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(typ: EventMessageTypeEnum, action: &str) -> EventMessage {
        EventMessage { typ: Some(typ), action: Some(action.into()), ..Default::default() }
    }

    #[test]
    fn only_events_that_change_the_picture() {
        assert!(relevant(&event(EventMessageTypeEnum::CONTAINER, "start")));
        assert!(relevant(&event(EventMessageTypeEnum::CONTAINER, "die")));
        assert!(relevant(&event(EventMessageTypeEnum::NETWORK, "connect")));
        assert!(!relevant(&event(EventMessageTypeEnum::CONTAINER, "exec_start: sh")));
        assert!(!relevant(&event(EventMessageTypeEnum::CONTAINER, "health_status: healthy")));
        assert!(!relevant(&event(EventMessageTypeEnum::IMAGE, "pull")));
    }

    #[test]
    fn groups_are_the_ones_asked_for() {
        let o = events_options();
        let f = o.filters.unwrap();
        assert_eq!(f["type"], vec!["container".to_string(), "network".to_string()]);
        assert!(f["event"].contains(&"connect".to_string()) && f["event"].contains(&"start".to_string()));
    }
}
