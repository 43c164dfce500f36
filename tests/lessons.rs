//! The lesson files: both languages complete and in parity, every check and highlight known to
//! the engine, commands runnable without a shell; the lesson pane and picker as they render.

mod tui_fixture;

use netview::app::{App, ThemeName};
use netview::explain::Lang;
use netview::lessons::{self, Check, Vars, checks, handout};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_fixture::*;

const IDS: [&str; 7] = [
    "meet-the-host",
    "container-born",
    "user-defined-bridge",
    "link-myth",
    "publishing",
    "isolation",
    "beyond-one-host",
];

#[test]
fn both_languages_parse_with_parity_and_known_parts() {
    let en = lessons::parse(lessons::EN).expect("en.toml");
    let ko = lessons::parse(lessons::KO).expect("ko.toml");
    let concept_ids: Vec<&str> = netview::explain::catalog(Lang::En).iter().map(|c| c.id.as_str()).collect();
    let problems = lessons::problems(&en, &ko, &concept_ids);
    assert!(problems.is_empty(), "{problems:#?}");
    let ids: Vec<&str> = en.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, IDS);
    for (i, l) in en.iter().enumerate() {
        assert_eq!(l.number as usize, i + 1, "{}", l.id);
        assert!((4..=9).contains(&l.step.len()), "{}: {} steps", l.id, l.step.len());
        for s in &l.step {
            for h in &s.highlight {
                assert!(checks::valid_selector(h), "{} {}: {h}", l.id, s.id);
            }
        }
    }
}

#[test]
fn the_lessons_teach_the_corrected_facts() {
    let all = |lang| {
        lessons::catalog(lang)
            .iter()
            .flat_map(|l| l.step.iter().map(|s| format!("{} {} {}", s.text, s.look, s.hint)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let en = all(Lang::En);
    assert!(en.contains("127.0.0.11"), "name resolution through Docker's DNS");
    assert!(en.contains("10.244."), "flannel's pod network");
    assert!(!en.contains("10.224."), "the post's typo must not return");
    assert!(en.contains("docker-proxy"));
    let link = lessons::lesson(Lang::En, "link-myth").unwrap();
    assert!(
        link.step.iter().any(|s| matches!(&s.check, Check::Path { via: Some(v), verdict, .. } if v == "default" && verdict == "reachable")),
        "the --link lesson proves the path runs through docker0"
    );
    let pubs = lessons::lesson(Lang::En, "publishing").unwrap();
    assert!(pubs.step.iter().any(|s| matches!(s.check, Check::DnatCounted { .. })));
    assert!(pubs.step.iter().any(|s| matches!(s.check, Check::Proxy { .. })));
}

#[test]
fn placeholders_fill_and_handouts_print() {
    let v = Vars {
        prefix: "nvt-1-".into(),
        image: "img".into(),
        port: 18080,
        host_ip: Some("192.0.2.2".into()),
        files_dir: Some("/tmp/x".into()),
    };
    assert_eq!(
        v.fill("docker run --name {p}web -p {port}:80 {image} http://{host_ip}:{port}/"),
        "docker run --name nvt-1-web -p 18080:80 img http://192.0.2.2:18080/"
    );
    assert_eq!(v.fill("-f {file:compose.yaml}"), "-f /tmp/x/compose.yaml");
    for lang in [Lang::En, Lang::Ko] {
        for l in lessons::catalog(lang) {
            let md = handout::markdown(l, &Vars::default(), lang);
            assert!(md.starts_with(&format!("# {}. ", l.number)), "{md}");
            assert!(
                !md.contains("{p}") && !md.contains("{image}") && !md.contains("{port}"),
                "{}: unfilled placeholder",
                l.id
            );
        }
    }
    let md = handout::markdown(lessons::lesson(Lang::En, "container-born").unwrap(), &Vars::default(), Lang::En);
    insta::assert_snapshot!("handout_container_born_en", md);
    let md = handout::markdown(lessons::lesson(Lang::Ko, "container-born").unwrap(), &Vars::default(), Lang::Ko);
    insta::assert_snapshot!("handout_container_born_ko", md);
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| netview::ui::view(app, f)).unwrap();
    buffer_lines(t.backend().buffer()).join("\n")
}

#[test]
fn lesson_pane_and_picker_in_both_languages() {
    for lang in [Lang::En, Lang::Ko] {
        let mut a = app(observation(), ThemeName::Default);
        a.lang = lang;
        assert!(netview::app::lesson::open(&mut a, "meet-the-host"));
        let tag = if lang == Lang::En { "en" } else { "ko" };
        insta::assert_snapshot!(format!("lesson_pane_{tag}_120x40"), screen(&mut a, 120, 40));
        insta::assert_snapshot!(format!("lesson_pane_{tag}_80x24"), screen(&mut a, 80, 24));
        a.lesson_picker = Some(1);
        insta::assert_snapshot!(format!("lesson_picker_{tag}_120x40"), screen(&mut a, 120, 40));
    }
}

#[test]
fn the_first_lesson_is_done_on_the_fixture_host_and_steps_move() {
    let mut a = app(observation(), ThemeName::Default);
    assert!(netview::app::lesson::open(&mut a, "1"));
    let s = a.lesson.as_ref().unwrap();
    let l = lessons::lesson(Lang::En, "meet-the-host").unwrap();
    // The fixture host has a default route, docker0 and the three default networks.
    for (i, st) in l.step.iter().enumerate() {
        if st.is_observation() {
            assert!(s.done[i], "step {} ({}) should hold on the fixture host", i + 1, st.id);
        }
    }
    assert!(!s.highlight.is_empty(), "the first step lights something up");
    netview::app::lesson::next(&mut a);
    assert_eq!(a.lesson.as_ref().unwrap().step, 1);
    netview::app::lesson::prev(&mut a);
    netview::app::lesson::prev(&mut a);
    assert_eq!(a.lesson.as_ref().unwrap().step, 0);
}

#[test]
fn a_lesson_opened_before_the_first_read_starts_from_that_read() {
    use netview::app::update::on_update;
    use netview::live::Update;
    let mut a = App::new(base(), std::time::Duration::from_secs(1), ThemeName::Default);
    assert!(netview::app::lesson::open(&mut a, "container-born"));
    let topology = netview::model::build(&observation());
    on_update(&mut a, Update::Topology { topology: Box::new(topology), sampled_at: base() }, "14:03:21 UTC");
    assert_eq!(netview::app::lesson::changes(&a), (vec![], vec![]), "nothing changed yet: the host just appeared");
}

#[test]
fn tracked_holds_where_the_kernel_tracks_a_connection_through_the_port() {
    let a = app(observation(), ThemeName::Default);
    let vars = Vars::default();
    let tracked = |c: &str| checks::holds(&a.topology, &Check::Tracked { container: c.into() }, &vars);
    assert!(tracked("web"), "the fixture tracks two connections through web's 8080");
    assert!(!tracked("shop-db"), "shop-db publishes nothing");
    let mut t = a.topology.clone();
    for m in &mut t.firewall.ports {
        m.connections = None; // the table could not be read
    }
    assert!(!checks::holds(&t, &Check::Tracked { container: "web".into() }, &vars));
}
