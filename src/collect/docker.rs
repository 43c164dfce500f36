//! Docker networks and containers through the Engine API (bollard). Read-only: list and inspect.
//!
//! One container list carries names, states, network modes, endpoints and ports. What it lacks, the
//! namespace, comes from the container's processes (found by cgroup); inspect is the fallback.
//! Inspect also gives what the list leaves empty: endpoints' aliases and DNS names, and the ports
//! a container asked to publish (`wants_names` says which containers need it).

use crate::collect::cgroup;
use crate::collect::discovery::namespace_identity;
use crate::model::{ContainerObs, DockerNetworkObs, DockerObs, EndpointObs, IpamPoolObs, PortObs};
use bollard::Docker;
use bollard::models::{ContainerInspectResponse, ContainerSummary, EndpointSettings, Network};
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptionsBuilder, ListNetworksOptions};
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

/// Oldest API this code is written against (Docker 20.10, as in Debian 12).
pub const MIN_API: (u32, u32) = (1, 41);
const INSPECT_CONCURRENCY: usize = 16;

fn non_empty(s: Option<&String>) -> Option<String> {
    s.filter(|s| !s.is_empty()).cloned()
}

fn sorted_map(m: Option<&std::collections::HashMap<String, String>>) -> BTreeMap<String, String> {
    m.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
}

pub fn network_obs(n: &Network) -> DockerNetworkObs {
    let ipam = n.ipam.as_ref();
    DockerNetworkObs {
        id: n.id.clone().unwrap_or_default(),
        name: n.name.clone().unwrap_or_default(),
        driver: n.driver.clone().unwrap_or_default(),
        scope: n.scope.clone().unwrap_or_default(),
        internal: n.internal.unwrap_or(false),
        attachable: n.attachable.unwrap_or(false),
        ipv6: n.enable_ipv6.unwrap_or(false),
        ipam_driver: ipam.and_then(|i| non_empty(i.driver.as_ref())),
        pools: ipam
            .and_then(|i| i.config.as_ref())
            .map(|pools| {
                pools
                    .iter()
                    .map(|p| IpamPoolObs {
                        subnet: non_empty(p.subnet.as_ref()),
                        gateway: non_empty(p.gateway.as_ref()),
                        ip_range: non_empty(p.ip_range.as_ref()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        options: sorted_map(n.options.as_ref()),
        labels: sorted_map(n.labels.as_ref()),
    }
}

fn with_prefix(ip: Option<&String>, len: Option<i64>) -> Option<String> {
    let ip = non_empty(ip)?;
    Some(match len {
        Some(l) if l > 0 => format!("{ip}/{l}"),
        _ => ip,
    })
}

pub fn endpoint_obs(network: &str, e: &EndpointSettings) -> EndpointObs {
    EndpointObs {
        network: network.to_string(),
        network_id: non_empty(e.network_id.as_ref()),
        endpoint_id: non_empty(e.endpoint_id.as_ref()),
        ipv4: with_prefix(e.ip_address.as_ref(), e.ip_prefix_len),
        ipv6: with_prefix(e.global_ipv6_address.as_ref(), e.global_ipv6_prefix_len),
        mac: non_empty(e.mac_address.as_ref()).map(|m| m.to_ascii_lowercase()),
        gateway: non_empty(e.gateway.as_ref()),
        ipv6_gateway: non_empty(e.ipv6_gateway.as_ref()),
        aliases: e.aliases.clone().unwrap_or_default(),
        dns_names: e.dns_names.clone().unwrap_or_default(),
    }
}

pub fn container_obs(c: &ContainerSummary) -> ContainerObs {
    // A linked container is also listed under its links' names ("/app/db"): its own name is the
    // one without a further slash.
    let names = c.names.as_deref().unwrap_or_default();
    let own = names.iter().map(|n| n.trim_start_matches('/')).find(|n| !n.contains('/'));
    let name = own
        .or_else(|| names.first().map(|n| n.trim_start_matches('/')))
        .map(str::to_string)
        .unwrap_or_else(|| c.id.clone().unwrap_or_default().chars().take(12).collect());
    let mut endpoints: Vec<EndpointObs> = c
        .network_settings
        .as_ref()
        .and_then(|s| s.networks.as_ref())
        .map(|nets| nets.iter().map(|(name, e)| endpoint_obs(name, e)).collect())
        .unwrap_or_default();
    endpoints.sort_by(|a, b| a.network.cmp(&b.network));
    let mut ports: Vec<PortObs> = c
        .ports
        .iter()
        .flatten()
        .map(|p| PortObs {
            container_port: p.private_port,
            protocol: p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into()),
            host_ip: non_empty(p.ip.as_ref()),
            host_port: p.public_port,
        })
        .collect();
    ports.sort();
    ports.dedup();
    ContainerObs {
        id: c.id.clone().unwrap_or_default(),
        name,
        image: c.image.clone(),
        state: c.state.map(|s| s.to_string()).unwrap_or_default(),
        network_mode: c.host_config.as_ref().and_then(|h| h.network_mode.clone()).unwrap_or_default(),
        sandbox_key: None,
        pid: None,
        namespace: None,
        endpoints,
        ports,
        labels: sorted_map(c.labels.as_ref()),
        port_bindings: None,
    }
}

/// Whether a container needs an inspect for what the list leaves out: its endpoints' aliases and
/// DNS names, and the ports it asked for (to tell which Docker never published). Running
/// containers only, and only where those can matter: on a network other than the default bridge
/// (where Docker's DNS answers and an `--internal` network swallows `-p`), or in `host` or
/// `none` mode (where `-p` is ignored). `container:` mode cannot publish at all.
pub fn wants_names(c: &ContainerObs) -> bool {
    c.is_running()
        && match c.network_mode.as_str() {
            "host" | "none" => true,
            m if m.starts_with("container:") => false,
            _ => c.endpoints.iter().any(|e| e.network != "bridge"),
        }
}

/// Take from an inspect the names the list leaves empty (aliases, DNS names; per endpoint, by
/// network name) and the ports the container asked to publish (HostConfig.PortBindings).
pub fn apply_names(c: &mut ContainerObs, i: &ContainerInspectResponse) {
    let nets = i.network_settings.as_ref().and_then(|s| s.networks.as_ref());
    for e in &mut c.endpoints {
        let Some(ins) = nets.and_then(|n| n.get(&e.network)) else { continue };
        if e.aliases.is_empty() {
            e.aliases = ins.aliases.clone().unwrap_or_default();
        }
        if e.dns_names.is_empty() {
            e.dns_names = ins.dns_names.clone().unwrap_or_default();
        }
    }
    let mut wanted: Vec<PortObs> = i
        .host_config
        .as_ref()
        .and_then(|h| h.port_bindings.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|(key, bindings)| {
            let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            let port: u16 = port.parse().ok()?;
            let one = |ip: Option<&String>, hp: Option<&String>| PortObs {
                container_port: port,
                protocol: proto.to_string(),
                host_ip: non_empty(ip),
                host_port: hp.and_then(|h| h.parse().ok()),
            };
            Some(match bindings.as_deref() {
                Some(list) if !list.is_empty() => {
                    list.iter().map(|b| one(b.host_ip.as_ref(), b.host_port.as_ref())).collect::<Vec<_>>()
                }
                _ => vec![one(None, None)],
            })
        })
        .flatten()
        .collect();
    wanted.sort();
    wanted.dedup();
    c.port_bindings = Some(wanted);
}

/// Take from an inspect what the list lacks: the namespace file and the pid.
pub fn apply_inspect(c: &mut ContainerObs, i: &ContainerInspectResponse) {
    // A stopped container keeps its last SandboxKey, naming a file whose namespace is gone.
    if !i.state.as_ref().and_then(|s| s.running).unwrap_or(false) {
        c.sandbox_key = None;
        c.pid = None;
        return;
    }
    c.sandbox_key = i.network_settings.as_ref().and_then(|s| non_empty(s.sandbox_key.as_ref()));
    c.pid = i.state.as_ref().and_then(|s| s.pid).filter(|&p| p > 0).and_then(|p| u32::try_from(p).ok());
}

/// Read Docker within `budget`. Never fails: a missing engine becomes `available: false` and a reason.
pub async fn collect(budget: Duration) -> DockerObs {
    match tokio::time::timeout(budget, collect_inner(budget)).await {
        Ok(Ok(obs)) => obs,
        Ok(Err(e)) => unavailable(e),
        Err(_) => unavailable(format!("the Docker engine did not answer within {} s", budget.as_secs_f32())),
    }
}

fn unavailable(error: String) -> DockerObs {
    DockerObs { available: false, error: Some(error), ..Default::default() }
}

async fn collect_inner(budget: Duration) -> Result<DockerObs, String> {
    let docker = Docker::connect_with_defaults().map_err(|e| explain(&e.to_string()))?.with_timeout(budget);
    let version = docker.version().await.map_err(|e| explain(&e.to_string()))?;
    let mut obs = DockerObs {
        available: true,
        engine_version: version.version.clone(),
        api_version: version.api_version.clone(),
        ..Default::default()
    };
    if let Some(api) = version.api_version.as_deref().and_then(parse_api)
        && api < MIN_API
    {
        obs.error = Some(format!(
            "Docker API {}.{} is older than {}.{}, the oldest netview is tested with: some fields may be missing",
            api.0, api.1, MIN_API.0, MIN_API.1
        ));
    }
    let list = ListContainersOptionsBuilder::default().all(true).build();
    let (networks, containers) =
        tokio::join!(docker.list_networks(None::<ListNetworksOptions>), docker.list_containers(Some(list)));
    let networks = networks.map_err(|e| format!("listing Docker networks failed: {e}"))?;
    let containers = containers.map_err(|e| format!("listing Docker containers failed: {e}"))?;
    obs.networks = networks.iter().map(network_obs).collect();
    obs.networks.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));

    let mut all: Vec<ContainerObs> = containers.iter().map(container_obs).collect();
    // Namespaces of running containers: through their processes' cgroups first, inspect for the rest.
    let wanted: BTreeSet<String> = all.iter().filter(|c| c.is_running()).map(|c| c.id.clone()).collect();
    let pids = tokio::task::spawn_blocking(move || cgroup::pids_of(&wanted)).await.unwrap_or_default();
    for c in &mut all {
        c.pid = pids.get(&c.id).copied();
        c.namespace = c.pid.and_then(|p| namespace_identity(Path::new(&format!("/proc/{p}/ns/net"))));
    }
    // One inspect per container that needs one: for its namespace (not found through cgroups),
    // for its names and requested ports (`wants_names`), or both; at most INSPECT_CONCURRENCY
    // at once.
    let todo: Vec<(usize, bool)> = all
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let for_ns = c.is_running() && c.namespace.is_none();
            (for_ns || wants_names(c)).then_some((i, for_ns))
        })
        .collect();
    let inspected: Vec<(usize, bool, Option<ContainerInspectResponse>)> = futures_util::stream::iter(todo)
        .map(|(i, for_ns)| {
            let docker = docker.clone();
            let id = all[i].id.clone();
            async move { (i, for_ns, docker.inspect_container(&id, None::<InspectContainerOptions>).await.ok()) }
        })
        .buffer_unordered(INSPECT_CONCURRENCY)
        .collect()
        .await;
    for (i, for_ns, ins) in inspected {
        let c = &mut all[i];
        if let Some(ins) = &ins {
            apply_names(c, ins);
        }
        if !for_ns {
            continue;
        }
        match ins {
            Some(ins) => apply_inspect(c, &ins),
            None => c.state = "removed".into(), // gone between the list and the inspect
        }
        c.namespace = c
            .sandbox_key
            .as_deref()
            .and_then(|k| namespace_identity(Path::new(k)))
            .or_else(|| c.pid.and_then(|p| namespace_identity(Path::new(&format!("/proc/{p}/ns/net")))));
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    obs.containers = all;
    Ok(obs)
}

fn parse_api(v: &str) -> Option<(u32, u32)> {
    let (a, b) = v.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Turn a connection error into one line that says what is wrong and how to fix it. The HTTP
/// client's errors hide the cause, so for a unix socket we ask the socket ourselves.
pub fn explain(err: &str) -> String {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let socket_error = host
        .strip_prefix("unix://")
        .and_then(|path| std::os::unix::net::UnixStream::connect(path).err())
        .map(|e| e.kind());
    use std::io::ErrorKind::*;
    match socket_error {
        Some(PermissionDenied) => {
            format!("permission denied on {host}: run netview as root or as a member of the docker group")
        }
        Some(NotFound) => format!(
            "no Docker engine at {host} (socket missing): start one with `systemctl start docker` (or `dockerd`), or set DOCKER_HOST"
        ),
        Some(ConnectionRefused) => {
            format!(
                "nothing answers at {host} (connection refused): is dockerd running? Start it with `systemctl start docker`"
            )
        }
        _ if err.contains("Connect") && !host.starts_with("unix://") => {
            format!("cannot connect to the Docker engine at {host}: is it running, and is DOCKER_HOST right?")
        }
        _ if ["unsupported", "not supported", "invalid"].iter().any(|w| err.to_lowercase().contains(w)) => {
            format!(
                "DOCKER_HOST={host} is not a usable address ({err}); use unix:///path/to/docker.sock or tcp://host:port"
            )
        }
        _ => format!("cannot read Docker at {host}: {err}"),
    }
}
