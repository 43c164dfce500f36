//! Frame rendering benchmark: one frame of the full UI with a tree of more than 2000 rows.
//! Target (issue 3): at most 5 ms per frame. Run with `cargo bench --bench render`.

use netview::app::{App, ThemeName};
use netview::model::*;
use netview::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A host with 1000 namespaces, each joined by a veth to one of 10 bridges: 2000+ tree rows.
fn big_observation() -> Observation {
    let dev = 4;
    let host_id = NsIdentity { dev, inode: 1 };
    let mut host_links = vec![
        LinkObs { ifindex: 1, name: "lo".into(), state: "UNKNOWN".into(), ..Default::default() },
        LinkObs {
            ifindex: 2,
            name: "eth0".into(),
            state: "UP".into(),
            addresses: vec!["192.0.2.2/24".into()],
            ..Default::default()
        },
    ];
    let mut namespaces = Vec::new();
    let mut host_nsids = BTreeMap::new();
    for b in 0..10u32 {
        host_links.push(LinkObs {
            ifindex: 10 + b,
            name: format!("nvbench-br{b}"),
            kind: Some("bridge".into()),
            state: "UP".into(),
            ..Default::default()
        });
    }
    for k in 0..1000u32 {
        let inode = 1000 + u64::from(k);
        let host_if = 100 + 2 * k;
        host_links.push(LinkObs {
            ifindex: host_if,
            name: format!("nvbench-v{k}"),
            kind: Some("veth".into()),
            state: "UP".into(),
            master: Some(10 + k / 100),
            link: Some(2),
            link_netnsid: Some(k as i32),
            stats: Some(Stats { rx_bytes: u64::from(k) * 100, ..Default::default() }),
            ..Default::default()
        });
        let id = NsIdentity { dev, inode };
        host_nsids.insert(k as i32, id);
        namespaces.push(NamespaceObs {
            id,
            paths: vec![format!("/run/netns/nvbench-ns{k}")],
            sources: vec![NsSource::Named { name: format!("nvbench-ns{k}") }],
            links: vec![
                LinkObs { ifindex: 1, name: "lo".into(), state: "UNKNOWN".into(), ..Default::default() },
                LinkObs {
                    ifindex: 2,
                    name: "eth0".into(),
                    kind: Some("veth".into()),
                    state: "UP".into(),
                    link: Some(host_if),
                    link_netnsid: Some(0),
                    addresses: vec![format!("10.251.{}.{}/16", k / 250, k % 250 + 2)],
                    ..Default::default()
                },
            ],
            routes: vec![],
            nsids: BTreeMap::from([(0, host_id)]),
            listening: Vec::new(),
        });
    }
    namespaces.insert(
        0,
        NamespaceObs {
            id: host_id,
            paths: vec!["/proc/self/ns/net".into()],
            sources: vec![NsSource::Host],
            links: host_links,
            routes: vec![RouteObs { destination: "default".into(), gateway: Some("192.0.2.1".into()), oif: Some(2) }],
            nsids: host_nsids,
            listening: Vec::new(),
        },
    );
    Observation { namespaces, host: HostFacts { uid: 0, ..Default::default() }, ..Default::default() }
}

fn main() {
    let obs = big_observation();
    let now = Instant::now();
    let mut app = App::new(now, Duration::from_secs(1), ThemeName::Default);
    app.set_observation(&obs, now);
    // Open the namespace group too, so the tree really has its 2000+ rows.
    app.toggled.insert(netview::app::NodeId::Group(netview::app::Group::Namespaces));
    app.refresh_rows();
    app.size = (120, 40);
    let rows = app.rows.len();
    assert!(rows >= 2000, "the benchmark needs 2000 rows, has {rows}");
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let mut times = Vec::new();
    for i in 0..200 {
        // Move the selection so every frame differs, as when a user scrolls.
        netview::app::update::move_selection(&mut app, if i % 2 == 0 { 7 } else { -3 });
        app.ensure_selection_visible();
        let start = Instant::now();
        terminal.draw(|f| ui::view(&app, f)).expect("draw");
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let p95 = times[times.len() * 95 / 100];
    println!(
        "render: {rows} tree rows, 120x40, {} frames: median {:.3} ms, p95 {:.3} ms (target <= 5 ms)",
        times.len(),
        median.as_secs_f64() * 1000.0,
        p95.as_secs_f64() * 1000.0
    );
}
