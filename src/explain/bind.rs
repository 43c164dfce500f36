//! Which concept explains each object of the model, and the live values its note needs.

use super::{Concept, Lang, concept, fill, placeholders};
use crate::app::tree::{Group, NodeId, all_rows};
use crate::model::{NsKind, Topology};
use std::collections::BTreeMap;

/// "1 port", "2 ports".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// A count with its noun, in the card's language: "2 ports" / "포트 2개".
fn count(lang: Lang, n: usize, en: &str, ko: &str) -> String {
    match lang {
        Lang::En => plural(n, en),
        Lang::Ko => format!("{ko} {n}개"),
    }
}

/// A fixed phrase in the card's language.
fn say(lang: Lang, en: &str, ko: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::Ko => ko.to_string(),
    }
}

fn first_v4(lang: Lang, addrs: &[String]) -> String {
    addrs.iter().find(|a| a.contains('.')).cloned().unwrap_or_else(|| say(lang, "no IPv4 address", "IPv4 주소 없음"))
}

/// Which concept explains an object, and the live values its note needs, worded in `lang`
/// (names and addresses stay as the system gives them).
pub fn binding(t: &Topology, id: &NodeId, lang: Lang) -> Option<(&'static str, BTreeMap<&'static str, String>)> {
    let ko = lang == Lang::Ko;
    let mut v = BTreeMap::new();
    match id {
        NodeId::Host => {
            let host = t.host_namespace()?;
            let nics = host.interfaces.iter().filter(|i| i.kind.is_none() && i.name != "lo").count();
            v.insert("nics", count(lang, nics, "NIC", "NIC"));
            let bridges = t.bridges.iter().filter(|b| b.namespace == host.inode).count();
            v.insert("bridges", count(lang, bridges, "bridge", "브리지"));
            let others = t.namespaces.len().saturating_sub(1);
            v.insert("namespaces", count(lang, others, "other network namespace", "다른 네트워크 네임스페이스"));
            v.insert(
                "default_route",
                match (t.host.default_route.as_ref().and_then(|r| r.interface.clone()), ko) {
                    (None, false) => "This host has no default route, so nothing leaves it for the outside.".into(),
                    (None, true) => "이 호스트에는 기본 경로가 없어 밖으로 나가는 트래픽이 없습니다.".into(),
                    (Some(nic), false) => format!("Traffic to the outside leaves through {nic}."),
                    (Some(nic), true) => format!("밖으로 가는 트래픽은 {nic}(으)로 나갑니다."),
                },
            );
            Some(("host", v))
        }
        NodeId::Interface { ns, ifindex } => {
            let n = t.namespace(*ns)?;
            let i = n.interface(*ifindex)?;
            v.insert("name", i.name.clone());
            v.insert(
                "addresses",
                if i.addresses.is_empty() { say(lang, "no address", "주소 없음") } else { i.addresses.join(", ") },
            );
            match i.kind.as_deref() {
                Some("bridge") => {
                    let b = t.bridges.iter().find(|b| b.namespace == *ns && b.ifindex == *ifindex)?;
                    v.insert("address", first_v4(lang, &b.addresses));
                    v.insert("ports", count(lang, b.ports.len(), "port", "포트"));
                    let mut members: Vec<String> = b.ports.iter().flat_map(|p| p.containers.iter().cloned()).collect();
                    members.sort();
                    members.dedup();
                    v.insert(
                        "members",
                        if members.is_empty() {
                            say(lang, "no container", "컨테이너 없음")
                        } else {
                            members.join(", ")
                        },
                    );
                    // The engine whose network this bridge carries (Docker's and Podman's can share a host).
                    let engine = b
                        .docker_network
                        .as_deref()
                        .and_then(|d| {
                            t.docker.networks.iter().find(|n| n.name == d && n.bridge.as_deref() == Some(&b.name))
                        })
                        .map_or("Docker", |n| n.engine.name());
                    v.insert(
                        "network_note",
                        match (&b.docker_network, ko) {
                            (None, false) => ", not made by Docker or Podman".into(),
                            (None, true) => ", Docker나 Podman이 만든 것이 아님".into(),
                            (Some(d), false) => format!(", made by {engine} for its network {d}"),
                            // The subject particle follows the name's last sound: Docker가, Podman이.
                            (Some(d), true) => {
                                format!(
                                    ", {engine}{} 네트워크 {d}용으로 만듦",
                                    if engine == "Podman" { "이" } else { "가" }
                                )
                            }
                        },
                    );
                    Some((
                        // The default network's bridge, whatever the daemon named it (docker0 unless configured).
                        if is_default_bridge(t, b.docker_network.as_deref()) { "docker0" } else { "linux-bridge" },
                        v,
                    ))
                }
                Some("veth") => {
                    let p = i.peer.as_ref();
                    let place = p.and_then(|p| p.namespace).and_then(|n| t.namespace(n));
                    v.insert(
                        "peer",
                        p.and_then(|p| p.name.clone()).unwrap_or_else(|| say(lang, "an interface", "인터페이스")),
                    );
                    v.insert(
                        "peer_place",
                        place.map_or(
                            say(lang, "a namespace netview cannot see", "netview가 볼 수 없는 네임스페이스"),
                            |n| match n.kind {
                                NsKind::Container => format!("{} {}", say(lang, "container", "컨테이너"), n.label),
                                NsKind::Host => say(lang, "the host", "호스트"),
                                _ => format!("{} {}", say(lang, "namespace", "네임스페이스"), n.label),
                            },
                        ),
                    );
                    v.insert(
                        "bridge_note",
                        i.master.as_ref().map_or(String::new(), |m| match lang {
                            Lang::En => format!(" This end is a port of the bridge {m}."),
                            Lang::Ko => format!(" 이쪽 끝은 브리지 {m}의 포트입니다."),
                        }),
                    );
                    Some(("veth-pair", v))
                }
                Some("macvlan") => Some(("macvlan-driver", v)),
                Some("ipvlan") => Some(("ipvlan-driver", v)),
                Some("vxlan") => Some(("overlay-vxlan", v)),
                None if n.host => {
                    let default =
                        t.host.default_route.as_ref().and_then(|r| r.interface.as_deref()) == Some(i.name.as_str());
                    v.insert(
                        "default_note",
                        match (default, lang) {
                            (true, _) => String::new(),
                            (false, Lang::En) => format!(" ({} does not hold it)", i.name),
                            (false, Lang::Ko) => format!(" ({}에는 기본 경로가 없음)", i.name),
                        },
                    );
                    Some(("host-nic", v))
                }
                _ => None,
            }
        }
        NodeId::Namespace(inode) => {
            let n = t.namespace(*inode)?;
            let id = if n.containers.len() > 1 { "shared-namespace" } else { "network-namespace" };
            Some((id, namespace_values(n, v, lang)))
        }
        NodeId::Container(cid) => {
            let c = t.docker.containers.iter().find(|c| &c.id == cid)?;
            v.insert("name", c.name.clone());
            v.insert("mode", c.network_mode.clone());
            let note = match (&c.shares_namespace_with, c.network_mode.as_str(), c.namespace) {
                (Some(o), _, _) if ko => format!("{o}의 네임스페이스를 함께 씁니다: 인터페이스도 주소도 같습니다."),
                (Some(o), _, _) => format!("It shares the namespace of {o}: same interfaces, same addresses."),
                (None, "host", _) => say(
                    lang,
                    "It uses the host's own namespace: no veth and no address of its own.",
                    "호스트의 네임스페이스를 그대로 씁니다: 자기 veth도 주소도 없습니다.",
                ),
                (None, _, Some(i)) if ko => format!("네임스페이스의 inode는 {i}입니다."),
                (None, _, Some(i)) => format!("Its namespace has inode {i}."),
                (None, _, None) => say(
                    lang,
                    "It is not running, so it has no namespace now.",
                    "실행 중이 아니라서 지금은 네임스페이스가 없습니다.",
                ),
            };
            v.insert("namespace_note", note);
            v.insert("endpoints", count(lang, c.endpoints.len(), "endpoint", "엔드포인트"));
            let wires: Vec<String> = c
                .endpoints
                .iter()
                .filter_map(|e| {
                    let (inside, host_end, bridge) =
                        (e.interface.as_ref()?, e.host_interface.as_ref()?, e.bridge.as_ref()?);
                    Some(match lang {
                        Lang::En => format!("{inside} ⇄ {host_end} on {bridge}"),
                        Lang::Ko => format!("{inside} ⇄ {host_end} ({bridge})"),
                    })
                })
                .collect();
            v.insert("endpoint_note", if wires.is_empty() { String::new() } else { format!(": {}", wires.join("; ")) });
            Some(("container", v))
        }
        NodeId::Network(nid) => {
            let n = t.docker.networks.iter().find(|n| &n.id == nid)?;
            v.insert("name", n.name.clone());
            v.insert("driver", n.driver.clone());
            v.insert("scope", n.scope.clone());
            let subnets: Vec<String> = n.subnets.iter().filter_map(|s| s.subnet.clone()).collect();
            v.insert(
                "subnet_note",
                match (subnets.is_empty(), lang) {
                    (true, _) => String::new(),
                    (false, Lang::En) => format!(" and subnet {}", subnets.join(", ")),
                    (false, Lang::Ko) => format!(", 서브넷 {}", subnets.join(", ")),
                },
            );
            let driver_note = match n.driver.as_str() {
                "bridge" if ko => match n.bridge.as_deref() {
                    Some(b) => format!("리눅스 브리지는 {b}입니다."),
                    None => "리눅스 브리지가 여기서 보이지 않습니다.".into(),
                },
                "bridge" => format!("Its Linux bridge is {}.", n.bridge.as_deref().unwrap_or("not visible from here")),
                "host" => say(
                    lang,
                    "Containers on it use the host's namespace directly.",
                    "여기 연결된 컨테이너는 호스트의 네임스페이스를 그대로 씁니다.",
                ),
                "null" => say(
                    lang,
                    "Containers on it get only a loopback interface.",
                    "여기 연결된 컨테이너에는 루프백 인터페이스만 있습니다.",
                ),
                "overlay" => say(
                    lang,
                    "It spans the swarm's nodes with VXLAN; its bridge lives in a namespace of its own.",
                    "VXLAN으로 스웜(swarm)의 노드들을 잇고, 브리지는 자기 네임스페이스 안에 있습니다.",
                ),
                "macvlan" | "ipvlan" => say(
                    lang,
                    "Containers get interfaces on a parent NIC directly, without a bridge.",
                    "컨테이너가 브리지 없이 부모 NIC 위에 바로 인터페이스를 받습니다.",
                ),
                _ => String::new(),
            };
            // Engine 28's gateway modes, when the network sets one (absent means nat).
            let modes: Vec<String> = [(false, "IPv4"), (true, "IPv6")]
                .into_iter()
                .filter(|(v6, _)| {
                    n.options.contains_key(if *v6 {
                        crate::model::topology::GATEWAY_MODE_V6
                    } else {
                        crate::model::topology::GATEWAY_MODE_V4
                    })
                })
                .filter_map(|(v6, fam)| Some(format!("{fam} {}", n.gateway_mode(v6)?)))
                .collect();
            let driver_note = match (modes.is_empty(), ko) {
                (true, _) => driver_note,
                (false, false) => {
                    format!("{driver_note} Gateway mode: {} (see the gateway-mode card).", modes.join(", "))
                }
                (false, true) => {
                    format!("{driver_note} 게이트웨이 모드: {} (gateway-mode 카드 참고).", modes.join(", "))
                }
            };
            v.insert("driver_note", driver_note);
            v.insert("dns_note", dns_note(t, n, lang));
            v.insert("members", count(lang, n.containers.len(), "container", "컨테이너"));
            Some(("docker-network", v))
        }
        NodeId::PortMapping { .. } => {
            let m = t.firewall.ports.iter().find(|m| &crate::app::tree::mapping_id(m) == id)?;
            v.insert("mapping", crate::output::firewall::headline(m));
            let how = match (m.dnat.first(), m.proxy_pid, ko) {
                (None, _, false) if m.routed => "its network's gateway mode is routed: no DNAT, the port is opened at the container's own address by an ACCEPT rule (see the gateway-mode card)".into(),
                (None, _, true) if m.routed => "네트워크의 게이트웨이 모드가 routed라 DNAT 없이 ACCEPT 규칙이 컨테이너 자신의 주소에서 포트를 엽니다(gateway-mode 카드 참고)".into(),
                (Some(d), _, false) => format!(
                    "the {} chain of the {} table rewrites its destination (DNAT), which has matched {} packets so far{}",
                    d.at.chain,
                    d.at.table,
                    d.counters.map_or(0, |c| c.packets),
                    if m.proxy_pid.is_some() {
                        "; docker-proxy serves what NAT does not see, like the host's own 127.0.0.1"
                    } else {
                        ""
                    }
                ),
                (Some(d), _, true) => format!(
                    "{} 테이블의 {} 체인이 목적지를 바꾸며(DNAT), 지금까지 패킷 {}개가 맞았습니다{}",
                    d.at.table,
                    d.at.chain,
                    d.counters.map_or(0, |c| c.packets),
                    if m.proxy_pid.is_some() {
                        ". NAT가 못 보는 호스트 자신의 127.0.0.1 같은 연결은 docker-proxy가 맡습니다"
                    } else {
                        ""
                    }
                ),
                (None, Some(pid), false) => format!(
                    "no DNAT rule carries it: docker-proxy (pid {pid}) accepts the connections and forwards them"
                ),
                (None, Some(pid), true) => {
                    format!("DNAT 규칙이 없어 docker-proxy(pid {pid})가 연결을 받아 넘겨 줍니다")
                }
                (None, None, false) => "neither a DNAT rule nor docker-proxy was found for it".into(),
                (None, None, true) => "DNAT 규칙도 docker-proxy도 찾지 못했습니다".into(),
            };
            v.insert("how", how);
            Some(("port-publishing", v))
        }
        NodeId::Group(g) => Some((
            match g {
                Group::Ports => "docker-firewall",
                Group::Kubernetes => "cni",
                Group::LoosePairs => "veth-pair",
                Group::OtherInterfaces => "host-nic",
                Group::Networks => "docker-network",
                Group::HostMode => "host-driver",
                Group::NoneMode => "none-driver",
                Group::Shared => "shared-namespace",
                Group::Stopped => "container",
                Group::Namespaces => "network-namespace",
            },
            v,
        )),
    }
}

/// Docker marks its default network with the option `com.docker.network.bridge.default_bridge`.
fn is_default_bridge(t: &Topology, network: Option<&str>) -> bool {
    network
        .and_then(|n| t.network(n))
        .is_some_and(|n| n.options.get("com.docker.network.bridge.default_bridge").map(String::as_str) == Some("true"))
}

fn namespace_values(
    n: &crate::model::Namespace,
    mut v: BTreeMap<&'static str, String>,
    lang: Lang,
) -> BTreeMap<&'static str, String> {
    v.insert("label", n.label.clone());
    v.insert("kind", n.kind.as_str().to_string());
    v.insert("interfaces", count(lang, n.interfaces.len(), "interface", "인터페이스"));
    v
}

/// The live sentence of `concept` for the object `id`, when the concept has one and the object binds to it.
pub fn live_sentence(t: &Topology, id: &NodeId, lang: Lang) -> Option<(&'static Concept, Option<String>)> {
    let (concept_id, values) = binding(t, id, lang)?;
    let c = concept(lang, concept_id)?;
    let live = c.live.as_deref().map(|l| fill(l, &values)).filter(|l| placeholders(l).is_empty());
    Some((c, live))
}

/// The first object of the host that a concept explains (for `netview explain <id>`).
pub fn first_object(t: &Topology, concept_id: &str) -> Option<NodeId> {
    all_rows(t).into_iter().map(|r| r.id).find(|id| binding(t, id, Lang::En).is_some_and(|(c, _)| c == concept_id))
}

/// What the network's embedded DNS answers (user-defined networks), or that the default bridge
/// has none; empty where the question does not arise.
fn dns_note(t: &Topology, n: &crate::model::Network, lang: Lang) -> String {
    use crate::model::names::{NetworkDns, network_dns};
    const SHOWN: usize = 6;
    match (network_dns(t, n), lang) {
        (None, _) => String::new(),
        (Some(NetworkDns::DefaultBridge), Lang::En) => " The default bridge has no embedded DNS: names do not resolve on it, containers reach each other by address (--link once wrote names into /etc/hosts for that).".into(),
        (Some(NetworkDns::DefaultBridge), Lang::Ko) => " 기본 브리지에는 내장 DNS가 없어 이름이 풀리지 않고, 컨테이너끼리는 주소로만 닿습니다(그래서 예전에는 --link가 /etc/hosts에 이름을 적어 주었습니다).".into(),
        (Some(NetworkDns::Names(names)), lang) => {
            let mut list: Vec<&str> = names.iter().map(|d| d.name.as_str()).collect();
            list.dedup();
            let more = list.len().saturating_sub(SHOWN);
            let shown = list.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
            match lang {
                Lang::En if list.is_empty() => " Its embedded DNS (127.0.0.11) has no member's name to answer yet.".into(),
                Lang::Ko if list.is_empty() => " 내장 DNS(127.0.0.11)가 응답할 구성원 이름이 아직 없습니다.".into(),
                Lang::En => format!(
                    " Its embedded DNS (127.0.0.11) answers {}: {shown}{}.",
                    count(lang, list.len(), "name", "이름"),
                    if more > 0 { format!(" and {more} more") } else { String::new() }
                ),
                Lang::Ko => format!(
                    " 내장 DNS(127.0.0.11)가 이름 {}개에 응답합니다: {shown}{}.",
                    list.len(),
                    if more > 0 { format!(" 외 {more}개") } else { String::new() }
                ),
            }
        }
    }
}
