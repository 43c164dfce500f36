//! kube-proxy's Services read back from `iptables-save -c` dumps (`netview::model::kube`), on the
//! fixtures in tests/fixtures/firewall/kube (see its README.md for where each layout comes from).

use netview::collect::firewall::iptables;
use netview::model::firewall::{Backend, Counters, Family, RuleRef, Ruleset, RulesetSource, SourceStatus, Table};
use netview::model::kube::{KubeService, has_kube_proxy, services};

const OLD: &str = "kube-proxy-1.21-legacy.save";
const NEW: &str = "kube-proxy-1.30-nft.save";
const NEW6: &str = "kube-proxy-1.30-nft-ipv6.save";
const DOCKER_ONLY: &str = "docker-only-host.save";
const DOCKER_KUBE: &str = "docker-and-kube-proxy-1.30-nft.save";

fn fixture(file: &str) -> String {
    let path = format!("{}/tests/fixtures/firewall/kube/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn tables(text: &str, backend: Backend, family: Family) -> Vec<Table> {
    let (tables, problems) = iptables::parse(text, backend, family);
    assert!(problems.is_empty(), "the parser could not read every line: {problems:?}");
    tables
}

fn ruleset(parts: &[(&str, Backend, Family)]) -> Ruleset {
    let mut rs = Ruleset::default();
    for (file, backend, family) in parts {
        let t = tables(&fixture(file), *backend, *family);
        rs.sources.push(RulesetSource {
            backend: *backend,
            command: vec![file.to_string()],
            status: SourceStatus::Read(t.iter().flat_map(|t| &t.chains).map(|c| c.rules.len()).sum()),
        });
        rs.tables.extend(t);
    }
    rs
}

fn one(file: &str, backend: Backend, family: Family) -> (Ruleset, Vec<KubeService>) {
    let rs = ruleset(&[(file, backend, family)]);
    let found = services(&rs);
    (rs, found)
}

fn text_ruleset(text: &str) -> Ruleset {
    Ruleset { sources: Vec::new(), tables: tables(text, Backend::IptablesNft, Family::Ipv4) }
}

/// The one service port called ns/name:port.
fn svc<'a>(all: &'a [KubeService], ns: &str, name: &str, port: &str) -> &'a KubeService {
    let found: Vec<&KubeService> =
        all.iter().filter(|s| s.namespace == ns && s.name == name && s.port_name.as_deref() == Some(port)).collect();
    assert_eq!(found.len(), 1, "{ns}/{name}:{port} in {:#?}", names(all));
    found[0]
}

fn names(all: &[KubeService]) -> Vec<String> {
    all.iter()
        .map(|s| format!("{}/{}:{}/{}", s.namespace, s.name, s.port_name.as_deref().unwrap_or(""), s.protocol))
        .collect()
}

/// (address:port, probability) of each endpoint, in the rules' order.
fn endpoints(s: &KubeService) -> Vec<(String, Option<&str>)> {
    s.endpoints.iter().map(|e| (ep(&e.address, e.port), e.probability.as_deref())).collect()
}

fn ep(address: &str, port: u16) -> String {
    if address.contains(':') { format!("[{address}]:{port}") } else { format!("{address}:{port}") }
}

fn counters(packets: u64, bytes: u64) -> Option<Counters> {
    Some(Counters { packets, bytes })
}

fn has_rule(s: &KubeService, table: &str, chain: &str) -> bool {
    s.rules.iter().any(|r: &RuleRef| r.table == table && r.chain == chain)
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Before 1.24: NodePorts jump straight to KUBE-SVC, KUBE-XLB for Local, masquerade rules in
// KUBE-SERVICES/KUBE-NODEPORTS (iptables-legacy).

#[test]
fn old_layout_lists_every_service_port_sorted() {
    let (rs, all) = one(OLD, Backend::IptablesLegacy, Family::Ipv4);
    assert!(has_kube_proxy(&rs));
    assert_eq!(
        names(&all),
        [
            "default/kubernetes:https/TCP",
            "default/web:http/TCP",
            "ingress-nginx/ingress-nginx-controller:http/TCP",
            "kube-system/kube-dns:dns/UDP",
            "kube-system/kube-dns:dns-tcp/TCP",
            "kube-system/kube-dns:metrics/TCP",
            "shop/cart:http/TCP",
            "shop/payments:grpc/TCP",
        ]
    );
    let api = svc(&all, "default", "kubernetes", "https");
    assert_eq!(api.cluster_ip.as_deref(), Some("10.96.0.1"));
    assert_eq!(api.port, Some(443));
    assert_eq!(endpoints(api), [("192.168.56.10:6443".to_string(), None)]);
    assert_eq!(api.endpoints[0].counters, counters(1523, 91380));
    assert_eq!(api.endpoints[0].chain, "KUBE-SEP-7J3FZHL6MJULGV6U");
    assert!(api.node_ports.is_empty() && api.external_ips.is_empty() && api.load_balancer_ips.is_empty());
    assert!(api.notes.is_empty(), "{:?}", api.notes);
}

#[test]
fn old_layout_cluster_ip_with_two_endpoints() {
    let (_, all) = one(OLD, Backend::IptablesLegacy, Family::Ipv4);
    let dns = svc(&all, "kube-system", "kube-dns", "dns");
    assert_eq!(dns.protocol, "UDP");
    assert_eq!(dns.cluster_ip.as_deref(), Some("10.96.0.10"));
    assert_eq!(dns.port, Some(53));
    assert!(dns.node_ports.is_empty());
    assert_eq!(
        endpoints(dns),
        [("10.244.0.2:53".to_string(), Some("0.50000000000")), ("10.244.0.3:53".to_string(), None)]
    );
    assert_eq!(dns.endpoints[0].counters, counters(20411, 1650113));
    assert_eq!(dns.endpoints[1].counters, counters(20297, 1641987));
    // No Local traffic policy: the rules do not say where the endpoints run.
    assert!(dns.endpoints.iter().all(|e| e.local.is_none()));
    // The cluster-IP masquerade rule beside the entry, the entry, the SVC chain, both SEP chains.
    assert!(has_rule(dns, "nat", "KUBE-SERVICES") && has_rule(dns, "nat", "KUBE-SVC-TCOU7JCQXEZGVUNU"));
    assert_eq!(dns.rules.iter().filter(|r| r.chain == "KUBE-SERVICES").count(), 2);
    assert_eq!(dns.rules.len(), 2 + 2 + 2 * 2);
    // Same cluster IP, other protocol and port: separate service ports.
    let dns_tcp = svc(&all, "kube-system", "kube-dns", "dns-tcp");
    assert_eq!((dns_tcp.protocol.as_str(), dns_tcp.port), ("TCP", Some(53)));
    assert_eq!(svc(&all, "kube-system", "kube-dns", "metrics").port, Some(9153));
}

#[test]
fn old_layout_node_port_jumps_straight_to_the_service_chain() {
    let (_, all) = one(OLD, Backend::IptablesLegacy, Family::Ipv4);
    let web = svc(&all, "default", "web", "http");
    assert_eq!(web.cluster_ip.as_deref(), Some("10.101.52.7"));
    assert_eq!(web.port, Some(80));
    assert_eq!(web.node_ports, [30080]);
    assert_eq!(
        endpoints(web),
        [
            ("10.244.1.5:8080".to_string(), Some("0.33333333349")),
            ("10.244.2.7:8080".to_string(), Some("0.50000000000")),
            ("10.244.1.6:8080".to_string(), None),
        ]
    );
    assert_eq!(web.endpoints[1].counters, counters(298, 17880));
    // Both KUBE-NODEPORTS rules (KUBE-MARK-MASQ, then KUBE-SVC) belong to it.
    let np: Vec<_> = web.rules.iter().filter(|r| r.chain == "KUBE-NODEPORTS").map(|r| r.index).collect();
    assert_eq!(np, [Some(1), Some(0)]);
    assert!(web.notes.is_empty(), "{:?}", web.notes);
}

#[test]
fn old_layout_session_affinity_rules_do_not_take_the_share() {
    let (_, all) = one(OLD, Backend::IptablesLegacy, Family::Ipv4);
    let cart = svc(&all, "shop", "cart", "http");
    // The `-m recent --rcheck` rules come first in KUBE-SVC and lead to the same SEP chains.
    assert_eq!(
        endpoints(cart),
        [("10.244.1.7:3000".to_string(), Some("0.50000000000")), ("10.244.2.8:3000".to_string(), None)]
    );
    // The DNAT rule carries `-m recent --set` and is still the endpoint's rule.
    assert_eq!(cart.endpoints[0].counters, counters(57, 3420));
    assert_eq!(cart.endpoints[1].counters, counters(61, 3660));
}

#[test]
fn old_layout_service_without_endpoints() {
    let (_, all) = one(OLD, Backend::IptablesLegacy, Family::Ipv4);
    let pay = svc(&all, "shop", "payments", "grpc");
    assert!(pay.endpoints.is_empty());
    assert_eq!(pay.protocol, "TCP");
    assert_eq!(pay.cluster_ip.as_deref(), Some("10.98.200.7"));
    assert_eq!(pay.port, Some(9090));
    assert_eq!(pay.node_ports, [31090]);
    assert!(pay.notes.iter().any(|n| n.contains("no endpoints")), "{:?}", pay.notes);
    // Only filter-table REJECTs implement it.
    assert_eq!(pay.rules.len(), 2);
    assert!(pay.rules.iter().all(|r| r.table == "filter"));
    assert!(has_rule(pay, "filter", "KUBE-SERVICES") && has_rule(pay, "filter", "KUBE-EXTERNAL-SERVICES"));
}

#[test]
fn old_layout_xlb_chain_marks_local_endpoints() {
    let (_, all) = one(OLD, Backend::IptablesLegacy, Family::Ipv4);
    let ing = svc(&all, "ingress-nginx", "ingress-nginx-controller", "http");
    assert_eq!(ing.cluster_ip.as_deref(), Some("10.109.4.20"));
    assert_eq!(ing.node_ports, [31080]);
    // Shares come from KUBE-SVC, not from KUBE-XLB's "Balancing rule 0".
    assert_eq!(
        endpoints(ing),
        [("10.244.1.9:80".to_string(), Some("0.50000000000")), ("10.244.2.4:80".to_string(), None)]
    );
    assert_eq!(ing.endpoints[0].local, Some(true));
    assert_eq!(ing.endpoints[1].local, Some(false));
    assert_eq!(ing.endpoints[0].counters, counters(2210, 132600));
    assert!(has_rule(ing, "nat", "KUBE-XLB-CG5I4G2RS3ZVWGLK"));
    // The `-s 127.0.0.0/8 -j KUBE-MARK-MASQ` NodePort rule is part of it too.
    assert_eq!(ing.rules.iter().filter(|r| r.chain == "KUBE-NODEPORTS").count(), 2);
}

// ---------------------------------------------------------------------------------------------
// 1.26+: KUBE-EXT, KUBE-SVL, KUBE-FW with KUBE-PROXY-FIREWALL, masquerading in the SVC chain
// (iptables-nft).

#[test]
fn new_layout_lists_every_service_port() {
    let (rs, all) = one(NEW, Backend::IptablesNft, Family::Ipv4);
    assert!(has_kube_proxy(&rs));
    assert_eq!(
        names(&all),
        [
            "default/kubernetes:https/TCP",
            "default/web:http/TCP",
            "ingress-nginx/ingress-nginx-controller:http/TCP",
            "ingress-nginx/ingress-nginx-controller:https/TCP",
            "kube-system/kube-dns:dns/UDP",
            "kube-system/kube-dns:dns-tcp/TCP",
            "kube-system/kube-dns:metrics/TCP",
            "monitoring/node-exporter:metrics/TCP",
            "shop/admin:https/TCP",
            "shop/legacy-api:http/TCP",
            "shop/payments:grpc/TCP",
        ]
    );
}

#[test]
fn new_layout_default_kubernetes_service() {
    let (_, all) = one(NEW, Backend::IptablesNft, Family::Ipv4);
    let api = svc(&all, "default", "kubernetes", "https");
    assert_eq!((api.cluster_ip.as_deref(), api.port, api.protocol.as_str()), (Some("10.96.0.1"), Some(443), "TCP"));
    assert_eq!(
        endpoints(api),
        [
            ("192.168.56.10:6443".to_string(), Some("0.33333333349")),
            ("192.168.56.11:6443".to_string(), Some("0.50000000000")),
            ("192.168.56.12:6443".to_string(), None),
        ]
    );
    assert_eq!(api.endpoints[2].counters, counters(4502, 270120));
    assert_eq!(api.endpoints[2].chain, "KUBE-SEP-5GXWV5X2LNQXJ7XJ");
    // Entry, SVC chain (masquerade + 3 balancing rules), 3 SEP chains of 2 rules.
    assert_eq!(api.rules.len(), 1 + 4 + 3 * 2);
    assert!(api.notes.is_empty(), "{:?}", api.notes);
}

#[test]
fn new_layout_node_port_goes_through_the_ext_chain() {
    let (_, all) = one(NEW, Backend::IptablesNft, Family::Ipv4);
    let web = svc(&all, "default", "web", "http");
    assert_eq!(web.cluster_ip.as_deref(), Some("10.101.52.7"));
    assert_eq!(web.node_ports, [30080]);
    assert_eq!(
        endpoints(web),
        [
            ("10.244.1.5:8080".to_string(), Some("0.33333333349")),
            ("10.244.2.7:8080".to_string(), Some("0.50000000000")),
            ("10.244.1.6:8080".to_string(), None),
        ]
    );
    assert_eq!(web.endpoints[0].counters, counters(812, 48720));
    assert!(web.endpoints.iter().all(|e| e.local.is_none()));
    assert!(has_rule(web, "nat", "KUBE-NODEPORTS") && has_rule(web, "nat", "KUBE-EXT-CDGGSHYLG3RE2FKL"));
}

#[test]
fn new_layout_external_traffic_policy_local_load_balancer() {
    let (_, all) = one(NEW, Backend::IptablesNft, Family::Ipv4);
    for (port, node_port, local_ep, remote_ep, local_counters) in [
        ("http", 31080, "10.244.1.9:80", "10.244.2.4:80", counters(9230, 553800)),
        ("https", 31443, "10.244.1.9:443", "10.244.2.4:443", counters(18811, 1128660)),
    ] {
        let ing = svc(&all, "ingress-nginx", "ingress-nginx-controller", port);
        assert_eq!(ing.cluster_ip.as_deref(), Some("10.109.4.20"));
        assert_eq!(ing.load_balancer_ips, strs(&["203.0.113.10"]));
        assert!(ing.external_ips.is_empty());
        assert_eq!(ing.node_ports, [node_port]);
        // Both endpoints from KUBE-SVC (its share), the local one also through KUBE-SVL.
        assert_eq!(endpoints(ing), [(local_ep.to_string(), Some("0.50000000000")), (remote_ep.to_string(), None)]);
        assert_eq!(ing.endpoints[0].local, Some(true));
        assert_eq!(ing.endpoints[1].local, Some(false));
        assert_eq!(ing.endpoints[0].counters, local_counters);
        assert!(ing.rules.iter().any(|r| r.chain.starts_with("KUBE-SVL-")));
        assert!(ing.notes.iter().any(|n| n.contains("health check node port 32000")), "{:?}", ing.notes);
        assert!(has_rule(ing, "filter", "KUBE-NODEPORTS"));
    }
}

#[test]
fn new_layout_external_ip() {
    let (_, all) = one(NEW, Backend::IptablesNft, Family::Ipv4);
    let api = svc(&all, "shop", "legacy-api", "http");
    assert_eq!(api.cluster_ip.as_deref(), Some("10.102.8.9"));
    assert_eq!(api.port, Some(80));
    assert_eq!(api.external_ips, strs(&["192.168.56.200"]));
    assert!(api.load_balancer_ips.is_empty() && api.node_ports.is_empty());
    assert_eq!(endpoints(api), [("10.244.2.11:8080".to_string(), None)]);
    assert_eq!(api.endpoints[0].counters, counters(64, 3840));
    assert!(has_rule(api, "nat", "KUBE-EXT-QZXVB4262RMI2WPB"));
}

#[test]
fn new_layout_load_balancer_source_ranges() {
    let (_, all) = one(NEW, Backend::IptablesNft, Family::Ipv4);
    let admin = svc(&all, "shop", "admin", "https");
    assert_eq!(admin.cluster_ip.as_deref(), Some("10.107.77.3"));
    assert_eq!(admin.load_balancer_ips, strs(&["203.0.113.20"]));
    assert_eq!(admin.node_ports, [32443]);
    assert_eq!(endpoints(admin), [("10.244.1.12:8443".to_string(), None)]);
    assert_eq!(admin.endpoints[0].counters, counters(133, 7980));
    assert!(admin.notes.iter().any(|n| n.contains("198.51.100.0/24")), "{:?}", admin.notes);
    assert!(has_rule(admin, "nat", "KUBE-FW-BSIRI4CEMEWXIOFC"));
    assert!(has_rule(admin, "filter", "KUBE-PROXY-FIREWALL"));
}

#[test]
fn new_layout_internal_traffic_policy_local() {
    let (_, all) = one(NEW, Backend::IptablesNft, Family::Ipv4);
    let ne = svc(&all, "monitoring", "node-exporter", "metrics");
    // The cluster IP goes to KUBE-SVL only: the rules hold this node's endpoint and no other.
    assert_eq!(ne.cluster_ip.as_deref(), Some("10.96.180.44"));
    assert_eq!(ne.port, Some(9100));
    assert_eq!(endpoints(ne), [("192.168.56.21:9100".to_string(), None)]);
    assert_eq!(ne.endpoints[0].local, Some(true));
    assert_eq!(ne.endpoints[0].counters, counters(2880, 172800));
    assert!(!ne.rules.iter().any(|r| r.chain.starts_with("KUBE-SVC-")));
}

#[test]
fn new_layout_service_without_endpoints() {
    let (_, all) = one(NEW, Backend::IptablesNft, Family::Ipv4);
    let pay = svc(&all, "shop", "payments", "grpc");
    assert!(pay.endpoints.is_empty());
    assert_eq!((pay.cluster_ip.as_deref(), pay.port), (Some("10.98.200.7"), Some(9090)));
    assert_eq!(pay.node_ports, [31090]);
    assert!(pay.notes.iter().any(|n| n.contains("no endpoints")), "{:?}", pay.notes);
    assert!(pay.rules.iter().all(|r| r.table == "filter"));
}

// ---------------------------------------------------------------------------------------------
// IPv6 (ip6tables) and dual stack

#[test]
fn ipv6_tables_are_read_the_same_way() {
    let (rs, all) = one(NEW6, Backend::IptablesNft, Family::Ipv6);
    assert!(has_kube_proxy(&rs));
    assert_eq!(names(&all), ["default/web:http/TCP", "kube-system/kube-dns:dns-tcp/TCP", "shop/payments:grpc/TCP"]);
    let web = svc(&all, "default", "web", "http");
    assert_eq!(web.cluster_ip.as_deref(), Some("fd00:10:96::5a1c"));
    assert_eq!(web.node_ports, [30080]);
    assert_eq!(
        endpoints(web),
        [("[fd00:10:244:1::5]:8080".to_string(), Some("0.50000000000")), ("[fd00:10:244:2::7]:8080".to_string(), None),]
    );
    assert_eq!(web.endpoints[0].address, "fd00:10:244:1::5");
    assert_eq!(web.endpoints[1].counters, counters(88, 7040));
    assert!(web.rules.iter().all(|r| r.family == Family::Ipv6));
    let pay = svc(&all, "shop", "payments", "grpc");
    assert_eq!(pay.cluster_ip.as_deref(), Some("fd00:10:96::1f4e"));
    assert!(pay.notes.iter().any(|n| n.contains("no endpoints")));
}

#[test]
fn dual_stack_gives_one_entry_per_family() {
    let rs = ruleset(&[(NEW, Backend::IptablesNft, Family::Ipv4), (NEW6, Backend::IptablesNft, Family::Ipv6)]);
    let all = services(&rs);
    assert_eq!(all.len(), 11 + 3);
    let webs: Vec<&KubeService> = all.iter().filter(|s| s.name == "web").collect();
    assert_eq!(webs.len(), 2);
    // Same sort key: the ruleset's table order (IPv4 first here).
    assert_eq!(webs[0].cluster_ip.as_deref(), Some("10.101.52.7"));
    assert_eq!(webs[1].cluster_ip.as_deref(), Some("fd00:10:96::5a1c"));
    assert_eq!(webs[0].rules[0].family, Family::Ipv4);
    assert_eq!(webs[1].rules[0].family, Family::Ipv6);
}

// ---------------------------------------------------------------------------------------------
// Docker's chains beside kube-proxy's

#[test]
fn docker_only_host_has_no_kube_proxy() {
    let (rs, all) = one(DOCKER_ONLY, Backend::IptablesNft, Family::Ipv4);
    assert!(rs.table(Backend::IptablesNft, Family::Ipv4, "nat").unwrap().chain("DOCKER").is_some());
    assert!(!has_kube_proxy(&rs));
    assert!(all.is_empty(), "{all:#?}");
}

#[test]
fn docker_and_kube_proxy_do_not_confuse_each_other() {
    let (rs, all) = one(DOCKER_KUBE, Backend::IptablesNft, Family::Ipv4);
    assert!(has_kube_proxy(&rs));
    assert_eq!(names(&all), ["default/kubernetes:https/TCP", "default/web:http/TCP", "kube-system/kube-dns:dns/UDP"]);
    // Docker's published port (DNAT to 172.17.0.2) is not a Service or an endpoint.
    assert!(all.iter().flat_map(|s| &s.endpoints).all(|e| !e.address.starts_with("172.17.")));
    assert!(all.iter().flat_map(|s| &s.rules).all(|r| !r.chain.starts_with("DOCKER")));
    let web = svc(&all, "default", "web", "http");
    assert_eq!(web.node_ports, [30080]);
    assert_eq!(
        endpoints(web),
        [("10.244.0.5:8080".to_string(), Some("0.50000000000")), ("10.244.0.6:8080".to_string(), None)]
    );
    assert_eq!(web.endpoints[0].counters, counters(41, 2460));
    assert!(all.iter().all(|s| s.notes.is_empty()), "{all:#?}");
}

// ---------------------------------------------------------------------------------------------
// Robustness

const HEAD: &str =
    "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n";

#[test]
fn missing_endpoint_chain_is_a_note_not_a_panic() {
    let text = format!(
        "{HEAD}:KUBE-SVC-AAAA - [0:0]\n:KUBE-SEP-GOOD - [0:0]\n\
         [0:0] -A KUBE-SERVICES -d 10.96.5.5/32 -p tcp -m comment --comment \"ns/svc:web cluster IP\" -m tcp --dport 80 -j KUBE-SVC-AAAA\n\
         [0:0] -A KUBE-SVC-AAAA -m comment --comment \"ns/svc:web -> 10.244.9.1:80\" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-GOOD\n\
         [0:0] -A KUBE-SVC-AAAA -m comment --comment \"ns/svc:web -> 10.244.9.2:80\" -j KUBE-SEP-GONE\n\
         [7:420] -A KUBE-SEP-GOOD -p tcp -m comment --comment \"ns/svc:web\" -m tcp -j DNAT --to-destination 10.244.9.1:80\n\
         COMMIT\n"
    );
    let all = services(&text_ruleset(&text));
    assert_eq!(all.len(), 1);
    let s = &all[0];
    assert_eq!((s.namespace.as_str(), s.name.as_str(), s.port_name.as_deref()), ("ns", "svc", Some("web")));
    assert_eq!(endpoints(s), [("10.244.9.1:80".to_string(), Some("0.50000000000"))]);
    assert_eq!(s.endpoints[0].counters, counters(7, 420));
    assert!(s.notes.iter().any(|n| n.contains("KUBE-SEP-GONE")), "{:?}", s.notes);
}

#[test]
fn jump_cycles_end() {
    let text = format!(
        "{HEAD}:KUBE-SVC-CYC - [0:0]\n:KUBE-EXT-CYC - [0:0]\n:KUBE-FW-CYC - [0:0]\n:KUBE-SEP-ONE - [0:0]\n\
         [0:0] -A KUBE-SERVICES -d 10.96.7.7/32 -p tcp -m comment --comment \"ns/loop:p cluster IP\" -m tcp --dport 80 -j KUBE-SVC-CYC\n\
         [0:0] -A KUBE-SERVICES -d 203.0.113.7/32 -p tcp -m comment --comment \"ns/loop:p loadbalancer IP\" -m tcp --dport 80 -j KUBE-FW-CYC\n\
         [0:0] -A KUBE-NODEPORTS -p tcp -m comment --comment \"ns/loop:p\" -m tcp --dport 30007 -j KUBE-EXT-CYC\n\
         [0:0] -A KUBE-FW-CYC -j KUBE-FW-CYC\n\
         [0:0] -A KUBE-FW-CYC -j KUBE-EXT-CYC\n\
         [0:0] -A KUBE-EXT-CYC -j KUBE-SVC-CYC\n\
         [0:0] -A KUBE-EXT-CYC -j KUBE-FW-CYC\n\
         [0:0] -A KUBE-SVC-CYC -j KUBE-EXT-CYC\n\
         [0:0] -A KUBE-SVC-CYC -j KUBE-SVC-CYC\n\
         [0:0] -A KUBE-SVC-CYC -j KUBE-SEP-ONE\n\
         [0:0] -A KUBE-SEP-ONE -j KUBE-SEP-ONE\n\
         [3:180] -A KUBE-SEP-ONE -p tcp -m tcp -j DNAT --to-destination 10.244.3.3:8080\n\
         COMMIT\n"
    );
    let all = services(&text_ruleset(&text));
    assert_eq!(all.len(), 1, "{all:#?}");
    let s = &all[0];
    assert_eq!(s.cluster_ip.as_deref(), Some("10.96.7.7"));
    assert_eq!(s.load_balancer_ips, strs(&["203.0.113.7"]));
    assert_eq!(s.node_ports, [30007]);
    assert_eq!(endpoints(s), [("10.244.3.3:8080".to_string(), None)]);
    assert_eq!(s.endpoints[0].counters, counters(3, 180));
}

#[test]
fn uncommented_rules_are_still_followed() {
    let text = format!(
        "{HEAD}:KUBE-SVC-NONAME - [0:0]\n:KUBE-SEP-N1 - [0:0]\n\
         [0:0] -A KUBE-SERVICES -d 10.96.8.8/32 -p udp -m udp --dport 5353 -j KUBE-SVC-NONAME\n\
         [0:0] -A KUBE-SVC-NONAME -j KUBE-SEP-N1\n\
         [0:0] -A KUBE-SEP-N1 -p udp -m udp -j DNAT --to-destination 10.244.4.4:5353\n\
         COMMIT\n"
    );
    let all = services(&text_ruleset(&text));
    assert_eq!(all.len(), 1);
    let s = &all[0];
    assert_eq!((s.name.as_str(), s.protocol.as_str()), ("KUBE-SVC-NONAME", "UDP"));
    assert_eq!((s.cluster_ip.as_deref(), s.port), (Some("10.96.8.8"), Some(5353)));
    assert_eq!(endpoints(s), [("10.244.4.4:5353".to_string(), None)]);
    assert!(s.notes.iter().any(|n| n.contains("no rule comment")), "{:?}", s.notes);
}

#[test]
fn entry_to_an_undeclared_service_chain_is_noted() {
    let text = format!(
        "{HEAD}[0:0] -A KUBE-SERVICES -d 10.96.9.9/32 -p tcp -m comment --comment \"ns/half:p cluster IP\" -m tcp --dport 80 -j KUBE-SVC-NOTHERE\n\
         COMMIT\n"
    );
    let all = services(&text_ruleset(&text));
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].cluster_ip.as_deref(), Some("10.96.9.9"));
    assert!(all[0].endpoints.is_empty());
    assert!(all[0].notes.iter().any(|n| n.contains("KUBE-SVC-NOTHERE")), "{:?}", all[0].notes);
}

#[test]
fn empty_and_native_nftables_rulesets() {
    assert!(!has_kube_proxy(&Ruleset::default()));
    assert!(services(&Ruleset::default()).is_empty());
    // kube-proxy's chains are looked for in iptables tables only.
    let mut rs = text_ruleset(&format!("{HEAD}COMMIT\n"));
    assert!(has_kube_proxy(&rs));
    for t in &mut rs.tables {
        t.backend = Backend::Nftables;
    }
    assert!(!has_kube_proxy(&rs));
}

#[test]
fn services_serialize_and_come_back() {
    let (_, all) = one(NEW, Backend::IptablesNft, Family::Ipv4);
    let json = serde_json::to_string(&all).unwrap();
    let back: Vec<KubeService> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, all);
}

#[test]
fn local_policy_without_local_endpoints_is_noted() {
    // 1.26+: no KUBE-SVL chain; the filter table drops external traffic.
    let new = format!(
        "*filter\n:KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-SERVICES - [0:0]\n\
         [5:300] -A KUBE-EXTERNAL-SERVICES -d 192.168.99.22/32 -p tcp -m comment --comment \"ns2/svc2:p80 has no local endpoints\" -m tcp --dport 80 -j DROP\n\
         [2:120] -A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment \"ns2/svc2:p80 has no local endpoints\" -m addrtype --dst-type LOCAL -m tcp --dport 3001 -j DROP\n\
         COMMIT\n\
         {HEAD}:KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]\n:KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]\n:KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]\n\
         [0:0] -A KUBE-SERVICES -d 172.30.0.42/32 -p tcp -m comment --comment \"ns2/svc2:p80 cluster IP\" -m tcp --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n\
         [0:0] -A KUBE-SERVICES -d 192.168.99.22/32 -p tcp -m comment --comment \"ns2/svc2:p80 external IP\" -m tcp --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT\n\
         [0:0] -A KUBE-NODEPORTS -p tcp -m comment --comment \"ns2/svc2:p80\" -m tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT\n\
         [0:0] -A KUBE-EXT-GNZBNJ2PO5MGZ6GT -s 10.0.0.0/8 -m comment --comment \"pod traffic for ns2/svc2:p80 external destinations\" -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n\
         [0:0] -A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment \"masquerade LOCAL traffic for ns2/svc2:p80 external destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ\n\
         [0:0] -A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment \"route LOCAL traffic for ns2/svc2:p80 external destinations\" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n\
         [0:0] -A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment \"ns2/svc2:p80 -> 10.180.0.2:80\" -j KUBE-SEP-RS4RBKLTHTF2IUXJ\n\
         [4:240] -A KUBE-SEP-RS4RBKLTHTF2IUXJ -p tcp -m comment --comment \"ns2/svc2:p80\" -m tcp -j DNAT --to-destination 10.180.0.2:80\n\
         COMMIT\n"
    );
    // Before 1.24: the KUBE-XLB chain ends in KUBE-MARK-DROP.
    let old = format!(
        "{HEAD}:KUBE-MARK-DROP - [0:0]\n:KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]\n:KUBE-XLB-GNZBNJ2PO5MGZ6GT - [0:0]\n:KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]\n\
         [0:0] -A KUBE-SERVICES -d 172.30.0.42/32 -p tcp -m comment --comment \"ns2/svc2:p80 cluster IP\" -m tcp --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n\
         [0:0] -A KUBE-NODEPORTS -p tcp -m comment --comment \"ns2/svc2:p80\" -m tcp --dport 3001 -j KUBE-XLB-GNZBNJ2PO5MGZ6GT\n\
         [0:0] -A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment \"ns2/svc2:p80\" -j KUBE-SEP-RS4RBKLTHTF2IUXJ\n\
         [0:0] -A KUBE-XLB-GNZBNJ2PO5MGZ6GT -s 10.0.0.0/8 -m comment --comment \"Redirect pods trying to reach external loadbalancer VIP to clusterIP\" -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n\
         [0:0] -A KUBE-XLB-GNZBNJ2PO5MGZ6GT -m comment --comment \"ns2/svc2:p80 has no local endpoints\" -j KUBE-MARK-DROP\n\
         [4:240] -A KUBE-SEP-RS4RBKLTHTF2IUXJ -p tcp -m comment --comment \"ns2/svc2:p80\" -m tcp -j DNAT --to-destination 10.180.0.2:80\n\
         COMMIT\n"
    );
    for (layout, text, external_ips) in [("1.26+", new, strs(&["192.168.99.22"])), ("before 1.24", old, Vec::new())] {
        let all = services(&text_ruleset(&text));
        assert_eq!(all.len(), 1, "{layout}: {all:#?}");
        let s = &all[0];
        assert_eq!(s.cluster_ip.as_deref(), Some("172.30.0.42"), "{layout}");
        assert_eq!(s.node_ports, [3001], "{layout}");
        assert_eq!(s.external_ips, external_ips, "{layout}");
        assert_eq!(endpoints(s), [("10.180.0.2:80".to_string(), None)], "{layout}");
        assert_eq!(s.endpoints[0].local, Some(false), "{layout}");
        assert!(s.notes.iter().any(|n| n.contains("no endpoint on this node")), "{layout}: {:?}", s.notes);
    }
}

#[test]
fn comments_of_unnamed_ports() {
    // Single-port Services have an empty port name: kube-proxy writes "ns/name:" (as in 1.2-era
    // dumps: `--comment "default/kubernetes-bootcamp-v1: cluster IP"`).
    let text = format!(
        "{HEAD}:KUBE-SVC-BOOT - [0:0]\n:KUBE-SEP-B1 - [0:0]\n\
         [0:0] -A KUBE-SERVICES -d 10.106.224.41/32 -p tcp -m comment --comment \"default/bootcamp: cluster IP\" -m tcp --dport 8080 -j KUBE-SVC-BOOT\n\
         [0:0] -A KUBE-SVC-BOOT -m comment --comment \"default/bootcamp:\" -j KUBE-SEP-B1\n\
         [9:540] -A KUBE-SEP-B1 -p tcp -m comment --comment \"default/bootcamp:\" -m tcp -j DNAT --to-destination 10.244.1.2:8080\n\
         COMMIT\n"
    );
    let all = services(&text_ruleset(&text));
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].namespace.as_str(), all[0].name.as_str(), all[0].port_name.as_deref()),
        ("default", "bootcamp", None)
    );
    assert_eq!(endpoints(&all[0]), [("10.244.1.2:8080".to_string(), None)]);
}

#[test]
fn snapshot_text_lists_the_services_of_a_kube_node() {
    let rules = ruleset(&[("docker-and-kube-proxy-1.30-nft.save", Backend::IptablesNft, Family::Ipv4)]);
    let obs = netview::model::Observation {
        firewall: netview::model::FirewallObs { ruleset: rules, ..Default::default() },
        ..Default::default()
    };
    let t = netview::model::build(&obs);
    assert!(!t.firewall.kube_services.is_empty());
    let mut out = Vec::new();
    netview::output::text::write(&t, netview::output::style::Style::plain(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("KUBERNETES SERVICES (from kube-proxy's rules)"), "{text}");
    assert!(text.contains("default/kubernetes:https TCP ClusterIP 10.96.0.1:443"), "{text}");
    // Docker's chains on the same node are still listed as Docker's.
    assert!(text.contains("nat DOCKER"), "{text}");
}
