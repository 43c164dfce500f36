//! Networks beyond the plain bridge, as facts of the model: an overlay network's namespace and
//! VXLAN device, a macvlan/ipvlan network's parent NIC and mode, and the Kubernetes node this
//! host may be (cni0, flannel's VXLAN device, pod namespaces, the node's pod CIDR slice).

use super::net::{cidr_contains, strip_prefix_len};
use super::topology::{Namespace, Network, NsKind};
use serde::{Deserialize, Serialize};

/// Where an overlay network lives on this node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverlayView {
    /// The network's own namespace (`/run/docker/netns/1-<id>`), when visible.
    pub namespace: Option<u64>,
    /// VXLAN network identifier, from Docker's options or the device.
    pub vni: Option<u32>,
    pub udp_port: Option<u16>,
    pub vxlan_device: Option<String>,
    pub bridge: Option<String>,
}

/// A macvlan or ipvlan network: children of a parent NIC, no bridge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentView {
    /// The parent device as Docker names it (`-o parent=eth0`); None: a dummy device Docker made.
    pub parent: Option<String>,
    /// macvlan: bridge (default), private, vepa, passthru; ipvlan: l2 (default), l3, l3s.
    pub mode: String,
}

/// What this host shows of a Kubernetes node, read from its own interfaces and routes only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeNode {
    /// The CNI bridge (cni0) and its address.
    pub bridge: Option<String>,
    pub bridge_address: Option<String>,
    /// This node's slice of the pod network: the CNI bridge's subnet.
    pub pod_cidr: Option<String>,
    /// VXLAN devices of the pod network (flannel.1): name, VNI, UDP port.
    pub overlay_devices: Vec<(String, Option<u32>, Option<u16>)>,
    /// Other nodes' slices this node routes to, and through which device.
    pub peer_slices: Vec<(String, String)>,
    /// Pod namespaces (`/run/netns/cni-*`), by inode.
    pub pod_namespaces: Vec<u64>,
    /// Pod veths on the host with no bridge (Calico `cali*`, Cilium `lxc*`): routed, not bridged.
    pub routed_pod_veths: Vec<String>,
}

pub fn overlay(n: &Network, namespaces: &[Namespace]) -> Option<OverlayView> {
    if n.driver != "overlay" {
        return None;
    }
    let short = n.id.get(..10).unwrap_or(&n.id);
    let ns = namespaces.iter().find(|ns| {
        ns.kind == NsKind::Overlay
            && ns.paths.iter().any(|p| {
                p.rsplit('/').next().is_some_and(|f| {
                    f.strip_prefix("1-").is_some_and(|rest| short.starts_with(rest) || rest.starts_with(short))
                })
            })
    });
    let vxlan = ns.and_then(|ns| ns.interfaces.iter().find(|i| i.kind.as_deref() == Some("vxlan")));
    let vni = n
        .options
        .get("com.docker.network.driver.overlay.vxlanid_list")
        .and_then(|l| l.split(',').next()?.trim().parse().ok())
        .or_else(|| vxlan.and_then(|v| v.vxlan.as_ref()?.vni));
    Some(OverlayView {
        namespace: ns.map(|n| n.inode),
        vni,
        udp_port: vxlan.and_then(|v| v.vxlan.as_ref()?.port),
        vxlan_device: vxlan.map(|v| v.name.clone()),
        bridge: vxlan.and_then(|v| v.master.clone()),
    })
}

pub fn parent(n: &Network) -> Option<ParentView> {
    let default_mode = match n.driver.as_str() {
        "macvlan" => "bridge",
        "ipvlan" => "l2",
        _ => return None,
    };
    let mode_key = format!("{}_mode", n.driver);
    Some(ParentView {
        parent: n.options.get("parent").filter(|p| !p.is_empty()).cloned(),
        mode: n.options.get(&mode_key).cloned().unwrap_or_else(|| default_mode.to_string()),
    })
}

/// Kubernetes facts, when this host shows any: a cni0 bridge, pod namespaces, flannel's device
/// or bridgeless pod veths.
pub fn kube_node(namespaces: &[Namespace]) -> Option<KubeNode> {
    let host = namespaces.iter().find(|n| n.host)?;
    // cni0 is the CNI bridge plugin's default name (netview's k8s-node lab calls it nvlab-cni0).
    let bridge = host
        .interfaces
        .iter()
        .find(|i| (i.name == "cni0" || i.name.ends_with("-cni0")) && i.kind.as_deref() == Some("bridge"));
    let overlay_devices: Vec<(String, Option<u32>, Option<u16>)> = host
        .interfaces
        .iter()
        .filter(|i| {
            i.kind.as_deref() == Some("vxlan") && (i.name.contains("flannel") || i.name.contains("vxlan.calico"))
        })
        .map(|i| (i.name.clone(), i.vxlan.as_ref().and_then(|v| v.vni), i.vxlan.as_ref().and_then(|v| v.port)))
        .collect();
    let pod_namespaces: Vec<u64> = namespaces.iter().filter(|n| n.kind == NsKind::Cni).map(|n| n.inode).collect();
    let routed_pod_veths: Vec<String> = host
        .interfaces
        .iter()
        .filter(|i| i.kind.as_deref() == Some("veth") && i.master.is_none())
        .filter(|i| i.name.starts_with("cali") || i.name.starts_with("lxc"))
        .map(|i| i.name.clone())
        .collect();
    if bridge.is_none() && overlay_devices.is_empty() && pod_namespaces.is_empty() && routed_pod_veths.is_empty() {
        return None;
    }
    let bridge_address = bridge.and_then(|b| b.addresses.iter().find(|a| a.contains('.')).cloned());
    let pod_cidr = bridge_address.as_deref().and_then(network_of);
    let via: Vec<(u32, String)> = overlay_devices
        .iter()
        .filter_map(|(name, _, _)| Some((host.interface_named(name)?.ifindex, name.clone())))
        .collect();
    let peer_slices = host
        .routes
        .iter()
        .filter_map(|r| {
            let dev = via.iter().find(|(i, _)| Some(*i) == r.oif)?;
            let mine = pod_cidr.as_deref().is_some_and(|c| cidr_contains(c, strip_prefix_len(&r.destination)));
            (!mine && r.destination != "default").then(|| (r.destination.clone(), dev.1.clone()))
        })
        .collect();
    Some(KubeNode {
        bridge: bridge.map(|b| b.name.clone()),
        bridge_address,
        pod_cidr,
        overlay_devices,
        peer_slices,
        pod_namespaces,
        routed_pod_veths,
    })
}

/// "10.244.1.1/24" -> "10.244.1.0/24".
fn network_of(cidr: &str) -> Option<String> {
    let (ip, len) = cidr.split_once('/')?;
    let ip: std::net::Ipv4Addr = ip.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some(format!("{}/{len}", std::net::Ipv4Addr::from(u32::from(ip) & mask)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_of_masks() {
        assert_eq!(network_of("10.244.1.1/24").as_deref(), Some("10.244.1.0/24"));
        assert_eq!(network_of("10.244.1.1/33"), None);
    }
}
