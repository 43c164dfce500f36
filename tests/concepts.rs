//! The concept catalog: complete in both languages, the corrected facts pinned, every object of
//! the model explained, and the cards as a reader sees them (pane, overlay, `netview explain`).

mod tui_fixture;

use netview::app::tree::all_rows;
use netview::app::{App, ThemeName};
use netview::explain::bind::{binding, live_sentence};
use netview::explain::{Lang, catalog, concept, placeholders, problems};
use netview::model::build;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::process::Command;
use tui_fixture::*;

const REQUIRED: &[&str] = &[
    "host-nic",
    "docker0",
    "linux-bridge",
    "veth-pair",
    "network-namespace",
    "shared-namespace",
    "bridge-driver",
    "host-driver",
    "none-driver",
    "overlay-driver",
    "macvlan-driver",
    "ipvlan-driver",
    "ipam",
    "user-defined-bridge-dns",
    "legacy-link",
    "port-publishing",
    "docker-firewall",
    "network-isolation",
    "icc",
    "compose-default-network",
    "overlay-vxlan",
    "cni",
    "pod-cidr",
    "clusterip",
    "nodeport",
    "east-west-north-south",
    "mtu",
    "arp-fdb",
    "routing-forwarding",
];

fn card_text(lang: Lang, id: &str) -> String {
    let c = concept(lang, id).unwrap_or_else(|| panic!("{id} missing in {lang:?}"));
    let mut s = format!("{} {} {} {}", c.title, c.summary, c.body, c.see);
    for m in &c.myths {
        s.push_str(&format!(" {} {}", m.claim, m.correction));
    }
    s
}

#[test]
fn both_catalogs_are_complete_and_agree() {
    let p = problems();
    assert!(p.is_empty(), "catalog problems:\n{}", p.join("\n"));
    for lang in [Lang::En, Lang::Ko] {
        for id in REQUIRED {
            assert!(concept(lang, id).is_some(), "{id} missing in {lang:?}");
        }
    }
    assert!(catalog(Lang::En).len() >= 29);
}

#[test]
fn corrected_facts_are_pinned_in_both_languages() {
    for lang in [Lang::En, Lang::Ko] {
        assert!(card_text(lang, "pod-cidr").contains("10.244.0.0/16"), "{lang:?} pod-cidr");
        // 10.224 may appear only in the misconception the card corrects, never as the fact.
        let pod = concept(lang, "pod-cidr").unwrap();
        assert!(!format!("{} {} {}", pod.title, pod.summary, pod.body).contains("10.224"), "{lang:?} pod-cidr");
        assert!(card_text(lang, "nodeport").contains("30000-32767"), "{lang:?} nodeport");
        assert!(card_text(lang, "user-defined-bridge-dns").contains("127.0.0.11"), "{lang:?} dns");
        // brctl is shown only as legacy, with its replacement.
        let bridge = concept(lang, "linux-bridge").unwrap();
        assert!(bridge.legacy.iter().any(|l| l.command.contains("brctl")), "{lang:?} brctl as legacy");
        assert!(!bridge.commands.iter().any(|c| c.contains("brctl")), "{lang:?} brctl as a modern command");
    }
}

#[test]
fn the_posts_misconceptions_are_busted() {
    for id in [
        "legacy-link",
        "compose-default-network",
        "pod-cidr",
        "linux-bridge",
        "veth-pair",
        "ipam",
        "clusterip",
        "nodeport",
        "overlay-driver",
    ] {
        for lang in [Lang::En, Lang::Ko] {
            assert!(!concept(lang, id).unwrap().myths.is_empty(), "{id} has no misconception note in {lang:?}");
        }
    }
}

#[test]
fn every_object_of_the_model_has_a_concept_with_live_values_filled() {
    for o in [observation(), docker_down(), not_root(), empty_host(), with_additions(observation())] {
        let t = build(&o);
        for row in all_rows(&t) {
            let (id, _) =
                binding(&t, &row.id, Lang::En).unwrap_or_else(|| panic!("no concept for {:?} ({})", row.id, row.text));
            for lang in [Lang::En, Lang::Ko] {
                let (c, live) = live_sentence(&t, &row.id, lang).unwrap_or_else(|| panic!("{id} missing in {lang:?}"));
                // A group row names a kind of object, not one object: it has no live values.
                if c.live.is_some() && !matches!(row.id, netview::app::NodeId::Group(_)) {
                    let live = live.unwrap_or_else(|| panic!("{id}: live sentence not filled for {:?}", row.id));
                    assert!(placeholders(&live).is_empty(), "{id}: {live}");
                }
            }
        }
    }
}

#[test]
fn docker0_card_reads_the_live_gateway_and_members() {
    let t = build(&observation());
    let docker0 = t.host_namespace().unwrap().interface_named("docker0").unwrap();
    let id = netview::app::NodeId::Interface { ns: HOST, ifindex: docker0.ifindex };
    let (c, live) = live_sentence(&t, &id, Lang::En).unwrap();
    assert_eq!(c.id, "docker0");
    let live = live.expect("docker0 has a live sentence");
    assert!(live.contains("172.17.0.1/16") && live.contains("web"), "{live}");
}

fn pane(lang: Lang, select: netview::app::NodeId, w: u16, h: u16, card: bool) -> String {
    let mut app = App::new(base(), std::time::Duration::from_secs(1), ThemeName::Default);
    app.set_observation(&observation(), base());
    app.lang = lang;
    app.selected = Some(select);
    app.card = card;
    app.size = (w, h);
    app.ensure_selection_visible();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| netview::ui::view(&app, f)).unwrap();
    format!("{}", term.backend())
}

#[test]
fn explanation_pane_and_card_in_both_languages() {
    let t = build(&observation());
    let veth = t.bridges.iter().find(|b| b.name == "docker0").unwrap().ports[0].ifindex;
    let id = netview::app::NodeId::Interface { ns: HOST, ifindex: veth };
    insta::assert_snapshot!("pane_veth_en_80x24", pane(Lang::En, id.clone(), 80, 24, false));
    insta::assert_snapshot!("pane_veth_ko_80x24", pane(Lang::Ko, id.clone(), 80, 24, false));
    insta::assert_snapshot!("pane_veth_ko_120x40", pane(Lang::Ko, id.clone(), 120, 40, false));
    insta::assert_snapshot!("card_veth_en_120x40", pane(Lang::En, id.clone(), 120, 40, true));
    insta::assert_snapshot!("card_veth_ko_120x40", pane(Lang::Ko, id, 120, 40, true));
}

fn netview(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netview")).args(args).output().expect("run netview");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn netview_explain_lists_and_prints_cards_at_80_columns() {
    let (code, list, _) = netview(&["explain", "--lang", "en"]);
    assert_eq!(code, 0);
    for id in REQUIRED {
        assert!(list.lines().any(|l| l.starts_with(id)), "{id} not listed");
    }
    for (lang, name) in [("en", "explain_docker0_en"), ("ko", "explain_docker0_ko")] {
        let (code, card, err) = netview(&["explain", "docker0", "--no-live", "--lang", lang]);
        assert_eq!(code, 0, "{err}");
        for line in card.lines() {
            assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "wider than 80 columns: {line:?}");
        }
        insta::assert_snapshot!(name, card);
    }
    let (code, list_ko, _) = netview(&["explain", "--lang", "ko"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("explain_list_ko", list_ko);
}

#[test]
fn unknown_concept_gets_the_closest_ids_and_exit_2() {
    let (code, out, err) = netview(&["explain", "dokcer0", "--no-live"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("docker0") && err.contains("netview explain"), "{err}");
}

#[test]
fn korean_card_keeps_its_border_on_every_line() {
    let t = build(&observation());
    let docker0 = t.host_namespace().unwrap().interface_named("docker0").unwrap().ifindex;
    for (w, h) in [(80u16, 24u16), (120, 40), (97, 31)] {
        let mut app = App::new(base(), std::time::Duration::from_secs(1), ThemeName::Default);
        app.set_observation(&observation(), base());
        app.lang = Lang::Ko;
        app.selected = Some(netview::app::NodeId::Interface { ns: HOST, ifindex: docker0 });
        app.card = true;
        app.size = (w, h);
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| netview::ui::view(&app, f)).unwrap();
        let buf = term.backend().buffer();
        // The card spans x = 2 .. w - 2: its right border is at x = w - 3 on every inner row.
        for y in 2..h - 2 {
            assert_eq!(buf[(w - 3, y)].symbol(), "│", "{w}×{h}: row {y} lost the card's right border");
        }
    }
}

#[test]
fn korean_live_sentences_are_korean_around_the_names() {
    let t = build(&observation());
    for row in all_rows(&t) {
        if let Some((c, Some(live))) = live_sentence(&t, &row.id, Lang::Ko) {
            for english in
                ["This end", "made by Docker", "no container", "Traffic to", " ports", " endpoints", "It shares"]
            {
                assert!(!live.contains(english), "{}: English filler {english:?} in {live:?}", c.id);
            }
        }
    }
}

#[test]
fn a_bridge_says_which_engine_made_it() {
    let mut t = build(&observation());
    let b =
        t.bridges.iter().find(|b| b.docker_network.is_some() && b.name != "docker0").expect("a user-defined bridge");
    let (id, net) = (netview::app::NodeId::Interface { ns: b.namespace, ifindex: b.ifindex }, b.docker_network.clone());
    let sentence = |t: &netview::model::Topology, lang| live_sentence(t, &id, lang).and_then(|(_, l)| l).unwrap();
    assert!(sentence(&t, Lang::En).contains("made by Docker for its network"), "{}", sentence(&t, Lang::En));
    for n in t.docker.networks.iter_mut().filter(|n| Some(&n.name) == net.as_ref()) {
        n.engine = netview::model::Engine::Podman;
    }
    assert!(sentence(&t, Lang::En).contains("made by Podman for its network"), "{}", sentence(&t, Lang::En));
    assert!(sentence(&t, Lang::Ko).contains("Podman이 네트워크"), "{}", sentence(&t, Lang::Ko));
}
