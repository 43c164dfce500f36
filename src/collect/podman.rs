//! Rootful Podman (netavark), read beside Docker. Read-only: every request is a GET.
//!
//! Without its API, Podman's containers are `/run/netns/netns-<uuid>` namespaces whose processes
//! sit in a `libpod-<id>` cgroup; conmon's command line names them. With the API
//! (`/run/podman/podman.sock`), one ping (which carries the versions in its headers) and four
//! lists in parallel: libpod's networks (the only place that names their bridge), containers
//! (pods, infra containers, pids, ports) and pods, and the compatible container list (addresses
//! and MACs per network). No inspect, no `/version` (which takes Podman half a second). A host
//! without the socket costs one failed `stat`.

use crate::collect::discovery::{NETNS_DIRS, identity, namespace_identity};
use crate::model::{
    ContainerObs, DockerNetworkObs, DockerObs, EndpointObs, IpamPoolObs, NsIdentity, PodObs, PodmanObs,
    PodmanSandboxObs, PortObs,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// Where rootful Podman's API listens (`podman system service`, `podman.socket`).
pub const SOCKET: &str = "/run/podman/podman.sock";
/// The libpod API prefix: v4.0.0 is served by every Podman since 4.0.
const LIBPOD: &str = "/v4.0.0/libpod";
/// The compatible API version asked for (Docker 20.10's, which Podman 4 and 5 serve).
const COMPAT: &str = "/v1.41";
/// The most a response may be (a host with thousands of containers stays well below).
const MAX_BODY: usize = 64 << 20;

/// The socket to read: `CONTAINER_HOST` when it names a unix socket (as for `podman --remote`),
/// else the rootful default.
pub fn socket_path() -> String {
    std::env::var("CONTAINER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
        .unwrap_or_else(|| SOCKET.to_string())
}

/// Where Docker's reader would connect: DOCKER_HOST's unix socket, else Docker's default; None
/// for a TCP or SSH DOCKER_HOST (never Podman's unix socket).
pub fn docker_socket_path() -> Option<String> {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.is_empty() => h.strip_prefix("unix://").map(str::to_string),
        _ => Some("/var/run/docker.sock".into()),
    }
}

/// Whether two paths name the same socket (symlinks followed: podman-docker's
/// `/run/docker.sock` is a link to `/run/podman/podman.sock`).
pub fn same_socket(a: &str, b: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => (x.dev(), x.ino()) == (y.dev(), y.ino()),
        _ => false,
    }
}

/// Whether an API's `/_ping` answer is Podman's (libpod's headers), not Docker's.
pub fn is_libpod(ping: &Response) -> bool {
    ping.header("libpod-api-version").is_some()
        || ping.header("server").is_some_and(|s| s.to_ascii_lowercase().starts_with("libpod"))
}

/// What answers at Docker's socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DockerSocket {
    /// Docker (or nothing, or not a unix socket): Docker's reader takes it.
    Docker,
    /// Podman's API, at this path: the same socket as Podman's, or one whose `/_ping` says libpod.
    Podman(String),
}

/// Look at Docker's socket before anything reads it: one `stat` each, and one `/_ping` when it
/// is a different file from Podman's (bounded by `budget`, at most a second).
pub fn check_docker_socket(podman_socket: &str, budget: Duration) -> DockerSocket {
    match docker_socket_path() {
        Some(path) => check_socket(&path, podman_socket, budget),
        None => DockerSocket::Docker,
    }
}

/// `check_docker_socket` for Docker's socket at `path`.
pub fn check_socket(path: &str, podman_socket: &str, budget: Duration) -> DockerSocket {
    let path = path.to_string();
    if !Path::new(&path).exists() {
        return DockerSocket::Docker;
    }
    if same_socket(&path, podman_socket) {
        return DockerSocket::Podman(path);
    }
    let deadline = Instant::now() + budget.min(Duration::from_secs(1));
    match get(&path, "/_ping", deadline) {
        Ok(ping) if is_libpod(&ping) => DockerSocket::Podman(path),
        _ => DockerSocket::Docker,
    }
}

/// Read Podman within `budget`. Never fails: no socket is `socket: None` and nothing else
/// tried; a socket that does not answer is `engine.available: false` with the reason.
pub async fn collect(budget: Duration) -> PodmanObs {
    let socket = socket_path();
    tokio::task::spawn_blocking(move || read(&socket, budget)).await.unwrap_or_default()
}

/// The blocking read behind `collect`.
pub fn read(socket: &str, budget: Duration) -> PodmanObs {
    let mut obs = PodmanObs { sandboxes: sandboxes(), ..Default::default() };
    if !Path::new(socket).exists() {
        return obs;
    }
    obs.socket = Some(socket.to_string());
    match read_api(socket, budget) {
        Ok((engine, bridges, pods)) => {
            obs.engine = engine;
            obs.bridges = bridges;
            obs.pods = pods;
        }
        Err(e) => obs.engine = DockerObs { available: false, error: Some(e), ..Default::default() },
    }
    obs
}

type ApiRead = (DockerObs, BTreeMap<String, String>, Vec<PodObs>);

fn read_api(socket: &str, budget: Duration) -> Result<ApiRead, String> {
    let deadline = Instant::now() + budget;
    let ping = get(socket, "/_ping", deadline).map_err(|e| explain(socket, &e))?;
    let mut obs = DockerObs {
        available: true,
        engine_version: ping.header("libpod-api-version").or_else(|| ping.header("server")),
        api_version: ping.header("api-version"),
        ..Default::default()
    };
    let paths = [
        format!("{LIBPOD}/networks/json"),
        format!("{LIBPOD}/containers/json?all=true"),
        format!("{LIBPOD}/pods/json"),
        format!("{COMPAT}/containers/json?all=1"),
    ];
    let bodies: Vec<Result<Vec<u8>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .iter()
            .map(|p| s.spawn(move || get(socket, p, deadline).map(|r| r.body).map_err(|e| e.to_string())))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("reader panicked".into()))).collect()
    });
    let mut bodies = bodies.into_iter().zip(&paths).map(|(b, p)| b.map_err(|e| format!("GET {p}: {e}")));
    let (nets, ctrs, pods, compat) = (
        bodies.next().unwrap_or(Err("no answer".into()))?,
        bodies.next().unwrap_or(Err("no answer".into()))?,
        bodies.next().unwrap_or(Err("no answer".into()))?,
        bodies.next().unwrap_or(Err("no answer".into()))?,
    );
    let parse = |what: &str, b: &[u8]| -> Result<Value, String> {
        serde_json::from_slice(b).map_err(|e| format!("Podman's {what} list is not JSON: {e}"))
    };
    let networks: Vec<LibpodNetwork> = serde_json::from_value(parse("network", &nets)?).map_err(|e| e.to_string())?;
    let containers: Vec<LibpodContainer> =
        serde_json::from_value(parse("container", &ctrs)?).map_err(|e| e.to_string())?;
    let pods: Vec<LibpodPod> = serde_json::from_value(parse("pod", &pods)?).map_err(|e| e.to_string())?;
    let compat = parse("compatible container", &compat)?;
    let (engine, bridges, pods) = from_api(&networks, &containers, &pods, &compat, &live_namespaces(&containers));
    obs.networks = engine.networks;
    obs.containers = engine.containers;
    Ok((obs, bridges, pods))
}

/// The namespace of each running container's first process, by container id.
fn live_namespaces(containers: &[LibpodContainer]) -> BTreeMap<String, (u32, NsIdentity)> {
    containers
        .iter()
        .filter(|c| c.pid > 0 && is_running(&c.state))
        .filter_map(|c| {
            let pid = u32::try_from(c.pid).ok()?;
            Some((c.id.clone(), (pid, namespace_identity(Path::new(&format!("/proc/{pid}/ns/net")))?)))
        })
        .collect()
}

fn is_running(state: &str) -> bool {
    matches!(state, "running" | "paused" | "stopping")
}

/// libpod's `GET /libpod/networks/json` entry.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LibpodNetwork {
    pub name: String,
    pub id: String,
    pub driver: String,
    pub network_interface: String,
    pub subnets: Vec<LibpodSubnet>,
    pub ipv6_enabled: bool,
    pub internal: bool,
    pub dns_enabled: bool,
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub ipam_options: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LibpodSubnet {
    pub subnet: String,
    pub gateway: String,
}

/// libpod's `GET /libpod/containers/json` entry.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct LibpodContainer {
    pub id: String,
    pub names: Vec<String>,
    pub image: String,
    pub state: String,
    pub is_infra: bool,
    pub pid: i64,
    pub pod: String,
    pub pod_name: String,
    pub networks: Vec<String>,
    pub ports: Option<Vec<LibpodPort>>,
    pub labels: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LibpodPort {
    pub host_ip: String,
    pub container_port: u16,
    pub host_port: u16,
    pub range: u16,
    pub protocol: String,
}

/// libpod's `GET /libpod/pods/json` entry.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct LibpodPod {
    pub id: String,
    pub name: String,
    pub status: String,
    pub infra_id: String,
    pub containers: Vec<LibpodPodMember>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct LibpodPodMember {
    pub id: String,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Join Podman's lists into Docker's shape. `live`: each running container's pid and namespace.
/// Pure, for the fixture tests.
pub fn from_api(
    networks: &[LibpodNetwork],
    containers: &[LibpodContainer],
    pods: &[LibpodPod],
    compat: &Value,
    live: &BTreeMap<String, (u32, NsIdentity)>,
) -> ApiRead {
    let mut obs = DockerObs { available: true, ..Default::default() };
    let mut bridges = BTreeMap::new();
    for n in networks {
        if !n.network_interface.is_empty() {
            bridges.insert(n.id.clone(), n.network_interface.clone());
        }
        obs.networks.push(DockerNetworkObs {
            id: n.id.clone(),
            name: n.name.clone(),
            driver: n.driver.clone(),
            scope: "local".into(),
            internal: n.internal,
            attachable: false,
            ipv6: n.ipv6_enabled,
            ipam_driver: n.ipam_options.get("driver").cloned(),
            pools: n
                .subnets
                .iter()
                .map(|s| IpamPoolObs { subnet: non_empty(&s.subnet), gateway: non_empty(&s.gateway), ip_range: None })
                .collect(),
            options: n.options.clone(),
            labels: n.labels.clone(),
        });
    }
    obs.networks.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let net_id = |name: &str| networks.iter().find(|n| n.name == name).map(|n| n.id.clone());
    // The compatible list calls the default network `bridge` in some versions, `podman` in others.
    let net_name = |name: &str| {
        if net_id(name).is_none() && name == "bridge" { "podman".to_string() } else { name.to_string() }
    };
    let compat_by_id: BTreeMap<&str, &Value> =
        compat.as_array().into_iter().flatten().filter_map(|c| Some((c.get("Id")?.as_str()?, c))).collect();
    let host_ns = identity(Path::new(crate::collect::discovery::HOST_NS_PATH)).ok();
    let infra_of = |pod: &str| pods.iter().find(|p| p.id == pod).map(|p| p.infra_id.clone()).filter(|i| !i.is_empty());
    for c in containers {
        let running = is_running(&c.state);
        let (pid, namespace) = live.get(&c.id).map_or((None, None), |&(p, ns)| (Some(p), Some(ns)));
        let infra = (!c.pod.is_empty() && !c.is_infra).then(|| infra_of(&c.pod)).flatten();
        // The container whose namespace this one joined: its pod's infra container, or another
        // container of this engine holding the same namespace with networks of its own.
        let joined = infra.clone().or_else(|| {
            let ns = namespace?;
            containers
                .iter()
                .find(|o| o.id != c.id && !o.networks.is_empty() && live.get(&o.id).map(|x| x.1) == Some(ns))
                .filter(|_| c.networks.is_empty())
                .map(|o| o.id.clone())
        });
        let network_mode = if let Some(j) = &joined {
            format!("container:{j}")
        } else if running && namespace.is_some() && namespace == host_ns {
            "host".into()
        } else if !c.networks.is_empty() {
            "bridge".into()
        } else if running && namespace.is_some() {
            "none".into()
        } else {
            String::new()
        };
        let mut endpoints: Vec<EndpointObs> = if joined.is_some() || network_mode == "host" {
            Vec::new()
        } else {
            compat_by_id
                .get(c.id.as_str())
                .and_then(|v| v.pointer("/NetworkSettings/Networks"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, e)| endpoint(&net_name(name), net_id(&net_name(name)), e))
                .collect()
        };
        endpoints.sort_by(|a, b| a.network.cmp(&b.network));
        // A pod's ports are its infra container's: each is listed once, there.
        let mut ports: Vec<PortObs> = if joined.is_some() && infra.is_some() {
            Vec::new()
        } else {
            c.ports.iter().flatten().flat_map(port_obs).collect()
        };
        ports.sort();
        ports.dedup();
        obs.containers.push(ContainerObs {
            id: c.id.clone(),
            name: c.names.first().cloned().unwrap_or_else(|| c.id.chars().take(12).collect()),
            image: non_empty(&c.image),
            state: c.state.clone(),
            network_mode,
            sandbox_key: None,
            pid: pid.filter(|_| running),
            namespace: namespace.filter(|_| running),
            endpoints,
            ports,
            labels: c.labels.clone().unwrap_or_default(),
            port_bindings: None,
        });
    }
    obs.containers.sort_by(|a, b| a.name.cmp(&b.name));
    let mut pods: Vec<PodObs> = pods
        .iter()
        .map(|p| {
            let mut members: Vec<String> = p.containers.iter().map(|m| m.id.clone()).collect();
            members.sort();
            PodObs {
                id: p.id.clone(),
                name: p.name.clone(),
                state: p.status.to_ascii_lowercase(),
                infra_id: non_empty(&p.infra_id),
                containers: members,
            }
        })
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    (obs, bridges, pods)
}

fn endpoint(network: &str, network_id: Option<String>, e: &Value) -> EndpointObs {
    let s = |k: &str| e.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let with_len = |ip: Option<String>, k: &str| {
        ip.map(|ip| match e.get(k).and_then(Value::as_i64) {
            Some(l) if l > 0 => format!("{ip}/{l}"),
            _ => ip,
        })
    };
    EndpointObs {
        network: network.to_string(),
        network_id,
        endpoint_id: s("EndpointID"),
        ipv4: with_len(s("IPAddress"), "IPPrefixLen"),
        ipv6: with_len(s("GlobalIPv6Address"), "GlobalIPv6PrefixLen"),
        mac: s("MacAddress").map(|m| m.to_ascii_lowercase()),
        gateway: s("Gateway"),
        ipv6_gateway: s("IPv6Gateway"),
        aliases: e
            .get("Aliases")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default(),
        dns_names: Vec::new(),
    }
}

/// One libpod port entry, a range expanded to its ports.
fn port_obs(p: &LibpodPort) -> Vec<PortObs> {
    (0..p.range.max(1))
        .map(|i| PortObs {
            container_port: p.container_port.saturating_add(i),
            protocol: if p.protocol.is_empty() { "tcp".into() } else { p.protocol.clone() },
            host_ip: non_empty(&p.host_ip),
            host_port: (p.host_port > 0).then(|| p.host_port.saturating_add(i)),
        })
        .collect()
}

/// Podman's namespaces found without its API: each `netns-<uuid>` under /run/netns, with the
/// containers whose processes live in it (cgroup `libpod-<id>`) and their names (conmon's
/// `-n`). Nothing is read when there is no such file.
pub fn sandboxes() -> Vec<PodmanSandboxObs> {
    let mut wanted: BTreeMap<NsIdentity, BTreeSet<String>> = BTreeMap::new();
    let mut scanned = Vec::new();
    for dir in NETNS_DIRS {
        let Ok(real) = std::fs::canonicalize(dir) else { continue };
        if scanned.contains(&real) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&real) else { continue };
        scanned.push(real);
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("netns-")
                && let Some(id) = namespace_identity(&e.path())
            {
                wanted.entry(id).or_default();
            }
        }
    }
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    for pid in entries.flatten().filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok()) {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "conmon" {
            if let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline"))
                && let Some((id, name)) = conmon_names(&cmd)
            {
                names.insert(id, name);
            }
            continue;
        }
        let Ok(ns) = identity(Path::new(&format!("/proc/{pid}/ns/net"))) else { continue };
        let Some(ids) = wanted.get_mut(&ns) else { continue };
        if let Ok(cg) = std::fs::read_to_string(format!("/proc/{pid}/cgroup")) {
            ids.extend(libpod_ids(&cg));
        }
    }
    wanted
        .into_iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(namespace, ids)| {
            let mut n: Vec<String> = ids.iter().filter_map(|i| names.get(i).cloned()).collect();
            n.sort();
            PodmanSandboxObs { namespace, container_ids: ids.into_iter().collect(), names: n }
        })
        .collect()
}

/// The container ids in a `/proc/<pid>/cgroup` text that Podman put there: `libpod-<64 hex>`
/// (cgroupfs `/libpod_parent/libpod-<id>`, systemd `machine.slice/libpod-<id>.scope`).
/// conmon's own cgroup (`libpod-conmon-<id>`) is not the container's.
pub fn libpod_ids(cgroup: &str) -> BTreeSet<String> {
    cgroup
        .split(['/', '\n', ':'])
        .filter_map(|seg| seg.strip_prefix("libpod-"))
        .map(|rest| rest.strip_suffix(".scope").unwrap_or(rest))
        .filter(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .collect()
}

/// (container id, name) from conmon's NUL-separated command line (`-c <id>`, `-n <name>`).
pub fn conmon_names(cmdline: &[u8]) -> Option<(String, String)> {
    let args: Vec<String> = cmdline.split(|&b| b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    let value = |flags: &[&str]| {
        args.windows(2).find(|w| flags.contains(&w[0].as_str())).map(|w| w[1].clone()).filter(|v| !v.is_empty())
    };
    Some((value(&["-c", "--cid"])?, value(&["-n", "--name"])?))
}

/// A response: its headers (lower-case names) and body.
pub struct Response {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
    }
}

/// One GET over the unix socket, bounded by `deadline`. The only request this module sends.
fn get(socket: &str, path: &str, deadline: Instant) -> Result<Response, std::io::Error> {
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::TimedOut, "Podman did not answer in time"))
    };
    let mut s = UnixStream::connect(socket)?;
    s.set_write_timeout(Some(left()?))?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: podman\r\nConnection: close\r\n\r\n").as_bytes())?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        s.set_read_timeout(Some(left()?))?;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "Podman did not answer in time"));
            }
            Err(e) => return Err(e),
        }
        if raw.len() > MAX_BODY {
            return Err(std::io::Error::other("Podman's answer is too large"));
        }
    }
    parse_response(&raw).map_err(std::io::Error::other)
}

/// Split an HTTP/1.1 response; undo chunked transfer encoding. A status other than 200 is an error.
pub fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("an incomplete HTTP answer")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body)?;
    }
    if code != "200" {
        let text = String::from_utf8_lossy(&body);
        return Err(format!("HTTP {}: {}", status.split_once(' ').map_or(status, |x| x.1), text.trim()));
    }
    Ok(Response { headers, body })
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").ok_or("a truncated chunk")?;
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("a bad chunk size {size_text:?}"))?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if b.len() < size {
            return Err("a truncated chunk".into());
        }
        out.extend_from_slice(&b[..size]);
        b = b.get(size + 2..).unwrap_or_default();
    }
}

/// One line saying what is wrong with the socket, and what to do.
fn explain(socket: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        PermissionDenied => format!("permission denied on {socket}: run netview as root to read rootful Podman"),
        ConnectionRefused => format!(
            "nothing answers at {socket} (connection refused): start Podman's API with `systemctl start podman.socket` (or `podman system service`)"
        ),
        TimedOut => format!("Podman did not answer at {socket} in time"),
        _ => format!("cannot read Podman at {socket}: {e}"),
    }
}
