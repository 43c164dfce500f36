//! The three teaching labs as plans: the `ip` commands that build each one, in order, with a
//! note on what each piece stands for in the real thing (Docker, a Kubernetes node with flannel,
//! two hosts joined by a VXLAN overlay), and the objects the lab owns when it is up.
//!
//! Everything a lab makes on the host or as a namespace is named `nvlab-*`. Inside a namespace
//! the names are the ones a real system would show there (`eth0`, `br0`, `lo`).

/// Whether a step makes an object (done once, only while building) or sets something on an
/// object that exists (an address, a route, a master, up): re-running those is harmless, so
/// `up` on a lab that is already up runs them again to put back anything a student removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Create,
    Configure,
}

/// One `ip` command of a plan.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub kind: Kind,
    /// What this piece stands for; printed as a comment above the command (empty: none).
    pub why: &'static str,
    pub args: Vec<String>,
    /// Said when the step fails, after iproute2's own message.
    pub hint: Option<&'static str>,
}

impl Step {
    /// The command as a person would type it.
    pub fn command_line(&self) -> String {
        format!("ip {}", self.args.join(" "))
    }
}

/// A lab: its plan and what it owns.
#[derive(Debug, Clone)]
pub(crate) struct Lab {
    pub name: &'static str,
    /// One line: what it models.
    pub about: &'static str,
    /// `ip netns` names it creates.
    pub namespaces: Vec<String>,
    /// Links it leaves on the host when up.
    pub host_links: Vec<String>,
    /// Host link names that exist only for a moment while building (a veth end before it moves
    /// into its namespace): removed too if a build stops half-way.
    pub transient: Vec<String>,
    /// Links (other than `lo`) inside each of its namespaces when up.
    pub inner: Vec<(String, Vec<String>)>,
    /// Prefixes it routes on the host: it refuses to build over a route someone else owns.
    pub host_prefixes: Vec<&'static str>,
    /// Two of its namespaces joined only by a bridge on the host (pinged in the hints, and the
    /// traffic that br_netfilter hands to the host's iptables).
    pub bridged_pair: Option<(String, String)>,
    /// Commands to try once it is up.
    pub try_these: Vec<String>,
    pub steps: Vec<Step>,
}

impl Lab {
    /// Every link name it may ever leave on the host.
    pub fn owned_host_links(&self) -> impl Iterator<Item = &String> {
        self.host_links.iter().chain(&self.transient)
    }
}

/// The lab names, in the order `list` shows them.
pub(crate) const NAMES: [&str; 3] = ["docker-like", "k8s-node", "two-hosts"];

pub(crate) fn lab(name: &str) -> Option<Lab> {
    match name {
        "docker-like" => Some(docker_like()),
        "k8s-node" => Some(k8s_node()),
        "two-hosts" => Some(two_hosts()),
        _ => None,
    }
}

/// Collects steps; `ns` prefixes `-n <namespace>` the way `ip -n` runs a command inside one.
struct Plan {
    steps: Vec<Step>,
}

impl Plan {
    fn new() -> Plan {
        Plan { steps: Vec::new() }
    }

    fn push(&mut self, kind: Kind, why: &'static str, ns: Option<&str>, args: &str) {
        let mut v = Vec::new();
        if let Some(ns) = ns {
            v.extend(["-n".to_string(), ns.to_string()]);
        }
        v.extend(args.split_whitespace().map(str::to_string));
        self.steps.push(Step { kind, why, args: v, hint: None });
    }

    /// A step that makes an object (host side, or inside `ns`).
    fn create(&mut self, why: &'static str, ns: Option<&str>, args: &str) -> &mut Step {
        self.push(Kind::Create, why, ns, args);
        self.steps.last_mut().expect("just pushed")
    }

    /// A step that sets something on an existing object; safe to repeat.
    fn set(&mut self, why: &'static str, ns: Option<&str>, args: &str) {
        self.push(Kind::Configure, why, ns, args);
    }

    /// `ip netns add` and `lo` up inside it.
    fn namespace(&mut self, why: &'static str, ns: &str) {
        self.create(why, None, &format!("netns add {ns}"));
        self.set("", Some(ns), "link set lo up");
    }
}

// ---------------------------------------------------------------------------------------------
// docker-like

/// Docker's default bridge network, without Docker: the bridge `docker0` holds the gateway
/// address, and every container is a network namespace whose `eth0` is one end of a veth pair;
/// the other end (Docker calls it veth1a2b3c4) stays on the host, plugged into the bridge.
/// Docker would also add iptables rules (MASQUERADE out, FORWARD accepts, DNAT for published
/// ports); this lab adds none, so its containers talk only to each other and to the host.
fn docker_like() -> Lab {
    let bridge = "nvlab-docker0";
    let gateway = "10.230.0.1";
    let mut plan = Plan::new();
    plan.create(
        "the bridge Docker creates at start as docker0: a virtual switch on the host",
        None,
        &format!("link add {bridge} type bridge"),
    );
    plan.set(
        "its address is the containers' gateway (Docker: 172.17.0.1/16; here a /24 nobody else uses)",
        None,
        &format!("addr replace {gateway}/24 dev {bridge}"),
    );
    plan.set("", None, &format!("link set {bridge} up"));

    let mut namespaces = Vec::new();
    let mut host_links = vec![bridge.to_string()];
    let mut transient = Vec::new();
    let mut inner = Vec::new();
    for i in 1..=3 {
        let ns = format!("nvlab-c{i}");
        let host_end = format!("nvlab-c{i}h");
        let temp = format!("nvlab-c{i}e");
        let addr = format!("10.230.0.{}", i + 1);
        let n = Some(ns.as_str());
        plan.namespace("container: the network namespace Docker makes for each container (docker run)", &ns);
        plan.create(
            "a veth pair, a virtual cable: one end stays on the host, the other goes into the container",
            None,
            &format!("link add {host_end} type veth peer name {temp}"),
        );
        plan.create("", None, &format!("link set {temp} netns {ns}"));
        plan.create("inside, Docker renames its end eth0", n, &format!("link set {temp} name eth0"));
        plan.set(
            "the host end is plugged into the bridge (`bridge link` lists it)",
            None,
            &format!("link set {host_end} master {bridge} up"),
        );
        plan.set("the container's address on the bridge's subnet", n, &format!("addr replace {addr}/24 dev eth0"));
        plan.set("", n, "link set eth0 up");
        plan.set(
            "everything off-subnet goes to the gateway, the bridge's address on the host",
            n,
            &format!("route replace default via {gateway} dev eth0"),
        );
        namespaces.push(ns.clone());
        host_links.push(host_end);
        transient.push(temp);
        inner.push((ns, vec!["eth0".to_string()]));
    }
    Lab {
        name: "docker-like",
        about: "Docker's default bridge: bridge nvlab-docker0 (10.230.0.1/24), containers nvlab-c1..c3 on veth pairs",
        namespaces,
        host_links,
        transient,
        inner,
        host_prefixes: vec!["10.230.0.0/24"],
        bridged_pair: Some(("nvlab-c1".to_string(), "10.230.0.3".to_string())),
        try_these: vec![
            "ip netns exec nvlab-c1 ping -c1 10.230.0.3     # c1 -> c2 across the bridge".to_string(),
            "ip netns exec nvlab-c1 ping -c1 10.230.0.1     # c1 -> the gateway on the host".to_string(),
            "bridge link show master nvlab-docker0".to_string(),
            "netview path nvlab-c1 nvlab-c2".to_string(),
        ],
        steps: plan.steps,
    }
}

// ---------------------------------------------------------------------------------------------
// k8s-node

/// The pods of the k8s-node lab: (namespace suffix, host-side veth, address). Real CNI names a
/// pod's namespace /run/netns/cni-<uuid> and its host-side veth veth<8 hex>; the lab keeps the
/// uuid's first group, so the names stay short enough to type in class.
const PODS: [(&str, &str, &str); 2] =
    [("3f0c6a52", "nvlab-v5e2a9c14", "10.244.1.2"), ("b81d07e9", "nvlab-v0d7f3b86", "10.244.1.3")];

/// One Kubernetes node running flannel in VXLAN mode, as the CNI bridge plugin and flanneld
/// leave it. The cluster's pod network is 10.244.0.0/16 (flannel's default); this node was
/// given the slice 10.244.1.0/24 (its podCIDR), another node 10.244.2.0/24.
fn k8s_node() -> Lab {
    let bridge = "nvlab-cni0";
    let vtep = "nvlab-flannel";
    let mut plan = Plan::new();
    plan.create(
        "cni0: the bridge the CNI bridge plugin makes when the first pod starts on this node",
        None,
        &format!("link add {bridge} type bridge"),
    );
    plan.set(
        "the first address of the node's podCIDR 10.244.1.0/24 is every pod's gateway",
        None,
        &format!("addr replace 10.244.1.1/24 dev {bridge}"),
    );
    plan.set("", None, &format!("link set {bridge} up"));

    let mut namespaces = Vec::new();
    let mut host_links = vec![bridge.to_string()];
    let mut transient = Vec::new();
    let mut inner = Vec::new();
    for (i, (uuid, host_end, addr)) in PODS.iter().enumerate() {
        let ns = format!("nvlab-cni-{uuid}");
        let temp = format!("nvlab-pod{}", i + 1);
        let n = Some(ns.as_str());
        plan.namespace(
            "a pod: the kubelet's runtime makes its sandbox namespace (/run/netns/cni-<uuid>) and calls CNI",
            &ns,
        );
        plan.create(
            "CNI's bridge plugin: a veth pair, veth<hex> on the host, eth0 in the pod",
            None,
            &format!("link add {host_end} type veth peer name {temp}"),
        );
        plan.create("", None, &format!("link set {temp} netns {ns}"));
        plan.create("", n, &format!("link set {temp} name eth0"));
        plan.set(
            "flannel's MTU (1450): 50 bytes less than the wire, room for the VXLAN header",
            None,
            &format!("link set {host_end} mtu 1450 master {bridge} up"),
        );
        plan.set("", n, "link set eth0 mtu 1450 up");
        plan.set(
            "host-local IPAM hands out the next free address of the node's podCIDR",
            n,
            &format!("addr replace {addr}/24 dev eth0"),
        );
        plan.set("", n, "route replace default via 10.244.1.1 dev eth0");
        namespaces.push(ns.clone());
        host_links.push(host_end.to_string());
        transient.push(temp);
        inner.push((ns, vec!["eth0".to_string()]));
    }

    plan.create(
        "flannel.1: flanneld's VXLAN tunnel end (VTEP), VNI 1 on UDP 8472 (Linux's old VXLAN port); \
         nolearning because flanneld writes every peer itself. Real flannel also binds it to the node's \
         address (local <node IP> dev eth0); this lab leaves it unbound",
        None,
        &format!("link add {vtep} type vxlan id 1 dstport 8472 nolearning"),
    )
    .hint = Some(
        "another VXLAN device with VNI 1 on UDP port 8472 already exists on this host (a real flannel.1?); \
         this lab cannot run beside it",
    );
    plan.set(
        "the VTEP holds the node's subnet address as a /32 (10.244.1.0): the source of encapsulated traffic",
        None,
        &format!("addr replace 10.244.1.0/32 dev {vtep}"),
    );
    plan.set("flannel.1's MTU, like the pods'", None, &format!("link set {vtep} mtu 1450 up"));
    plan.set(
        "one route per other node: its podCIDR via its VTEP address, onlink through flannel.1",
        None,
        &format!("route replace 10.244.2.0/24 via 10.244.2.0 dev {vtep} onlink"),
    );
    plan.set(
        "flanneld also writes the other VTEP's MAC as a permanent ARP entry. It would add the forwarding \
         entry too (bridge fdb append <MAC> dev flannel.1 dst <node IP>); left out here, so packets for \
         10.244.2.x stop at nvlab-flannel and never leave this host",
        None,
        &format!("neigh replace 10.244.2.0 lladdr 02:6e:76:6c:61:62 dev {vtep} nud permanent"),
    );
    host_links.push(vtep.to_string());

    let pod1 = format!("nvlab-cni-{}", PODS[0].0);
    Lab {
        name: "k8s-node",
        about: "a Kubernetes node with flannel: bridge nvlab-cni0 (10.244.1.1/24), 2 pods, VXLAN nvlab-flannel to 10.244.2.0/24",
        namespaces,
        host_links,
        transient,
        inner,
        host_prefixes: vec!["10.244.1.0/24", "10.244.2.0/24"],
        bridged_pair: Some((pod1.clone(), PODS[1].2.to_string())),
        try_these: vec![
            format!("ip netns exec {pod1} ping -c1 {}     # pod -> pod on this node", PODS[1].2),
            "ip route show 10.244.2.0/24                  # the other node's pods, via the tunnel".to_string(),
            "ip -d link show nvlab-flannel".to_string(),
            "ip neigh show dev nvlab-flannel".to_string(),
        ],
        steps: plan.steps,
    }
}

// ---------------------------------------------------------------------------------------------
// two-hosts

/// Two "hosts" (namespaces) joined by a veth pair that plays the physical network between them
/// (the underlay). Each host has a bridge br0 with a VXLAN device on it, and two pods on the
/// bridge. All four pods share one overlay subnet 10.232.0.0/24: pods on different hosts reach
/// each other as if on one switch, their Ethernet frames carried inside UDP between the hosts.
fn two_hosts() -> Lab {
    let mut plan = Plan::new();
    // (host namespace, underlay address, the peer's underlay address, pods: (name, address))
    let hosts = [
        ("nvlab-hostA", "10.231.0.1", "10.231.0.2", [("nvlab-a1", "10.232.0.11"), ("nvlab-a2", "10.232.0.12")]),
        ("nvlab-hostB", "10.231.0.2", "10.231.0.1", [("nvlab-b1", "10.232.0.21"), ("nvlab-b2", "10.232.0.22")]),
    ];
    for (host, ..) in &hosts {
        plan.namespace("a host: its own namespace stands for a whole machine", host);
    }
    plan.create(
        "the underlay: a veth pair plays the network cable between the two machines",
        None,
        "link add nvlab-uA type veth peer name nvlab-uB",
    );
    let mut namespaces: Vec<String> = hosts.iter().map(|h| h.0.to_string()).collect();
    let mut inner = Vec::new();
    for ((host, local, remote, pods), end) in hosts.iter().zip(["nvlab-uA", "nvlab-uB"]) {
        let h = Some(*host);
        plan.create("", None, &format!("link set {end} netns {host}"));
        plan.create("", h, &format!("link set {end} name eth0"));
        plan.set("the machine's own address on the underlay", h, &format!("addr replace {local}/24 dev eth0"));
        plan.set("", h, "link set eth0 up");
        plan.create("the host's bridge for its pods, like docker0 or cni0", h, "link add br0 type bridge");
        plan.set("", h, "link set br0 up");
        plan.create(
            "the VXLAN tunnel end: VNI 42 on UDP 4789 (the IANA port), from this host's underlay \
             address to the other's; frames the bridge sends into it come out of the other host's br0",
            h,
            &format!("link add nvlab-vx42 type vxlan id 42 local {local} remote {remote} dstport 4789 dev eth0"),
        );
        plan.set("the tunnel is a bridge port like any veth", h, "link set nvlab-vx42 master br0 up");
        let mut host_inner = vec!["eth0".to_string(), "br0".to_string(), "nvlab-vx42".to_string()];
        for (pod, addr) in pods {
            let p = Some(*pod);
            let host_end = format!("{pod}h");
            let temp = format!("{pod}e");
            plan.namespace("a pod on this host", pod);
            plan.create(
                "its veth pair, made inside the host",
                h,
                &format!("link add {host_end} type veth peer name {temp}"),
            );
            plan.create("", h, &format!("link set {temp} netns {pod}"));
            plan.create("", p, &format!("link set {temp} name eth0"));
            plan.set(
                "MTU 1450 on both ends: the VXLAN header takes 50 bytes of the underlay's 1500",
                h,
                &format!("link set {host_end} mtu 1450 master br0 up"),
            );
            plan.set("", p, "link set eth0 mtu 1450 up");
            plan.set("one overlay subnet for the pods of both hosts", p, &format!("addr replace {addr}/24 dev eth0"));
            namespaces.push(pod.to_string());
            inner.push((pod.to_string(), vec!["eth0".to_string()]));
            host_inner.push(host_end);
        }
        inner.push((host.to_string(), host_inner));
    }
    Lab {
        name: "two-hosts",
        about: "two hosts nvlab-hostA/B on a veth underlay (10.231.0.0/24), pods a1,a2 | b1,b2 on a VXLAN overlay 10.232.0.0/24",
        namespaces,
        host_links: Vec::new(),
        transient: vec!["nvlab-uA".to_string(), "nvlab-uB".to_string()],
        inner,
        host_prefixes: Vec::new(),
        bridged_pair: None,
        try_these: vec![
            "ip netns exec nvlab-a1 ping -c1 10.232.0.21    # a1 on hostA -> b1 on hostB, through the tunnel"
                .to_string(),
            "ip netns exec nvlab-hostA tcpdump -ni eth0 udp port 4789   # the same ping, encapsulated".to_string(),
            "ip -n nvlab-hostA -d link show nvlab-vx42".to_string(),
            "bridge -n nvlab-hostA fdb show dev nvlab-vx42   # MACs learned from the other host".to_string(),
        ],
        steps: plan.steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_fits_and_carries_the_prefix() {
        for name in NAMES {
            let lab = lab(name).unwrap();
            assert_eq!(lab.name, name);
            for link in lab.owned_host_links() {
                assert!(link.starts_with("nvlab-") && link.len() <= 15, "{link}");
            }
            for ns in &lab.namespaces {
                assert!(ns.starts_with("nvlab-"), "{ns}");
            }
            for (ns, links) in &lab.inner {
                assert!(lab.namespaces.contains(ns), "{ns}");
                assert!(links.iter().all(|l| l.len() <= 15), "{links:?}");
            }
            // Every `-n` names one of the lab's own namespaces; every step is plain iproute2.
            for step in &lab.steps {
                if step.args[0] == "-n" {
                    assert!(lab.namespaces.contains(&step.args[1]), "{}", step.command_line());
                }
            }
        }
    }

    #[test]
    fn no_two_labs_share_a_name() {
        let mut seen = std::collections::BTreeSet::new();
        for name in NAMES {
            let lab = lab(name).unwrap();
            for n in lab.namespaces.iter().chain(lab.owned_host_links()) {
                assert!(seen.insert(n.clone()), "{n} is in two labs");
            }
        }
    }
}
