//! Podman beside Docker: its pods, its namespaces found without its API, and what the join says
//! about its networks. Podman's networks and containers themselves go through the same join as
//! Docker's (`build`), labelled with their engine.

use super::observation::{NamespaceObs, NsIdentity, PodmanObs};
use super::topology::{Container, Engine, EngineView, Namespace, Network, NsKind, Pod, Topology};

/// How Podman was read, for the topology; None when there is no Podman socket at all.
pub fn engine_view(p: &PodmanObs) -> Option<EngineView> {
    let socket = p.socket.clone()?;
    Some(EngineView {
        engine: Engine::Podman,
        socket: Some(socket),
        available: p.engine.available,
        error: p.engine.error.clone(),
        engine_version: p.engine.engine_version.clone(),
        api_version: p.engine.api_version.clone(),
        as_docker: p.as_docker.clone(),
    })
}

/// Mark each Podman container with the pod it belongs to.
pub fn assign_pods(containers: &mut [(Container, Option<NsIdentity>)], p: &PodmanObs) {
    for (c, _) in containers.iter_mut().filter(|(c, _)| c.engine == Engine::Podman) {
        c.pod = p.pods.iter().find(|pod| pod.containers.contains(&c.id)).map(|pod| pod.name.clone());
    }
}

/// Pods with their containers by name (the infra container first) and their shared namespace.
pub fn pods(containers: &[(Container, Option<NsIdentity>)], p: &PodmanObs) -> Vec<Pod> {
    let podman = |id: &str| containers.iter().find(|(c, _)| c.engine == Engine::Podman && c.id == id);
    let mut out: Vec<Pod> = p
        .pods
        .iter()
        .map(|pod| {
            let infra = pod.infra_id.as_deref().and_then(podman);
            let mut names: Vec<String> = pod
                .containers
                .iter()
                .filter(|id| Some(id.as_str()) != pod.infra_id.as_deref())
                .map(|id| podman(id).map_or_else(|| id.chars().take(12).collect(), |(c, _)| c.name.clone()))
                .collect();
            names.sort();
            if let Some((c, _)) = infra {
                names.insert(0, c.name.clone());
            }
            // The infra container holds the namespace; without one, any running member shows it.
            let namespace = infra
                .and_then(|(c, _)| c.namespace)
                .or_else(|| pod.containers.iter().filter_map(|id| podman(id)?.0.namespace).next());
            Pod {
                id: pod.id.clone(),
                name: pod.name.clone(),
                state: pod.state.clone(),
                infra: infra.map(|(c, _)| c.name.clone()),
                containers: names,
                namespace,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A `netns-<uuid>` namespace whose processes are Podman's, when no container of the API claims
/// it: kind `podman`, labelled with the containers' names (from conmon) or short ids.
pub fn classify(v: &mut Namespace, n: &NamespaceObs, p: &PodmanObs) {
    if v.host || v.kind == NsKind::Container {
        return;
    }
    let Some(s) = p.sandboxes.iter().find(|s| s.namespace == n.id) else { return };
    v.kind = NsKind::Podman;
    v.label = if s.names.is_empty() {
        s.container_ids.iter().map(|id| format!("libpod-{}", &id[..id.len().min(12)])).collect::<Vec<_>>().join(",")
    } else {
        s.names.join(",")
    };
}

/// Why a Podman bridge network has no bridge here.
pub fn missing_bridge_note(n: &Network, p: &PodmanObs) -> String {
    match p.bridges.get(&n.id) {
        // netavark makes a network's bridge when its first container starts, not with the network.
        Some(b) if n.containers.is_empty() => format!(
            "Podman network {} has no Linux bridge yet (expected {b}): netavark makes it when the network's first container starts.",
            n.name
        ),
        Some(b) => format!(
            "Podman network {} has no Linux bridge in this namespace (expected {b}): rootless Podman keeps its bridges in its rootless-netns.",
            n.name
        ),
        None => format!("Podman network {} names no bridge (libpod's network_interface is empty).", n.name),
    }
}

/// The engine whose network owns a bridge of the host (Docker when none does).
pub fn bridge_engine(t: &Topology, bridge: &str) -> Engine {
    t.docker.networks.iter().find(|n| n.bridge.as_deref() == Some(bridge)).map_or(Engine::Docker, |n| n.engine)
}
