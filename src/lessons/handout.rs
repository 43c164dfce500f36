//! A lesson as a Markdown handout (`netview lesson show`), and checks described in words.

use super::{Check, Lesson, Vars};
use crate::explain::Lang;

/// What a check waits for, in a sentence.
pub fn describe(check: &Check, vars: &Vars, lang: Lang) -> String {
    let f = |s: &str| vars.fill(s);
    let ko = lang == Lang::Ko;
    let pick = |en: String, k: String| if ko { k } else { en };
    match check {
        Check::Docker {} => pick("the Docker engine answers".into(), "Docker 엔진이 응답함".into()),
        Check::DefaultRoute {} => pick("the host has a default route".into(), "호스트에 기본 경로가 있음".into()),
        Check::DefaultBridge {} => {
            pick("Docker's default bridge has an address".into(), "Docker 기본 브리지에 주소가 있음".into())
        }
        Check::Networks { names } => {
            let n = names.iter().map(|n| f(n)).collect::<Vec<_>>().join(", ");
            pick(format!("Docker networks {n} exist"), format!("Docker 네트워크 {n}이(가) 있음"))
        }
        Check::Container { name, network, mode, min_networks } => {
            let mut en = format!("container {} runs", f(name));
            let mut k = format!("컨테이너 {}이(가) 실행 중", f(name));
            if let Some(n) = network {
                en.push_str(&format!(" on network {}", f(n)));
                k.push_str(&format!(", 네트워크 {}에 연결", f(n)));
            }
            if let Some(m) = mode {
                en.push_str(&format!(" in {m} mode"));
                k.push_str(&format!(", {m} 모드"));
            }
            if let Some(n) = min_networks {
                en.push_str(&format!(" with at least {n} networks"));
                k.push_str(&format!(", 네트워크 {n}개 이상"));
            }
            pick(en, k)
        }
        Check::VethOnBridge { container } => pick(
            format!("{}'s host-side veth is a port of its network's bridge", f(container)),
            format!("{}의 호스트 쪽 veth가 네트워크 브리지의 포트임", f(container)),
        ),
        Check::UserNetwork { name } => pick(
            format!("user-defined network {} has its own bridge", f(name)),
            format!("사용자 정의 네트워크 {}에 자기 브리지가 있음", f(name)),
        ),
        Check::SameNetwork { a, b } => pick(
            format!("{} and {} share a network", f(a), f(b)),
            format!("{}와(과) {}이(가) 네트워크를 함께 씀", f(a), f(b)),
        ),
        Check::Published { container } => pick(
            format!("a port of {} is published and has its DNAT rule", f(container)),
            format!("{}의 포트가 공개되어 DNAT 규칙이 있음", f(container)),
        ),
        Check::DnatCounted { container } => pick(
            format!("the DNAT rule of {} has counted packets", f(container)),
            format!("{}의 DNAT 규칙이 패킷을 셌음", f(container)),
        ),
        Check::Tracked { container } => pick(
            format!("the kernel tracks a connection through a published port of {}", f(container)),
            format!("커널이 {}의 공개 포트를 거친 연결을 추적하고 있음", f(container)),
        ),
        Check::Proxy { container } => pick(
            format!("docker-proxy serves a port of {}", f(container)),
            format!("docker-proxy가 {}의 포트를 맡고 있음", f(container)),
        ),
        Check::Path { from, to, verdict, via } => {
            let via_en = via.as_deref().map_or(String::new(), |v| format!(" through {}", f(v)));
            let via_ko = via.as_deref().map_or(String::new(), |v| format!(" ({} 경유)", f(v)));
            pick(
                format!("netview path {} → {} says {verdict}{via_en}", f(from), f(to)),
                format!("netview path {} → {}의 판정이 {verdict}{via_ko}", f(from), f(to)),
            )
        }
        Check::Internal { network } => pick(
            format!("{} is an --internal network", f(network)),
            format!("{}이(가) --internal 네트워크임", f(network)),
        ),
        Check::IccOff { network } => {
            pick(format!("{} has ICC turned off", f(network)), format!("{}의 ICC가 꺼져 있음", f(network)))
        }
        Check::ComposeNetwork { project } => {
            pick(format!("compose made {}_default", f(project)), format!("compose가 {}_default를 만듦", f(project)))
        }
        Check::Lab { name } => pick(format!("the lab {name} is up"), format!("랩 {name}이(가) 올라와 있음")),
        Check::Kubernetes { pod_cidr } => {
            let c = pod_cidr.as_deref().unwrap_or("?");
            pick(
                format!("netview sees a Kubernetes node with pod CIDR {c}"),
                format!("netview가 파드 CIDR {c}인 Kubernetes 노드를 봄"),
            )
        }
        Check::Absent { containers, networks, labs } => {
            let all: Vec<String> =
                containers.iter().chain(networks).map(|n| f(n)).chain(labs.iter().cloned()).collect();
            pick(format!("gone: {}", all.join(", ")), format!("사라짐: {}", all.join(", ")))
        }
    }
}

pub fn markdown(l: &Lesson, vars: &Vars, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    let mut out = format!("# {}. {}\n\n{}\n\n", l.number, l.title, l.goal);
    out.push_str(&format!("**{}** {}\n\n", if ko { "필요한 것:" } else { "You need:" }, l.needs));
    if !l.concepts.is_empty() {
        let list = l.concepts.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
        out.push_str(&format!("**{}** {list} (`netview explain <id>`)\n\n", if ko { "개념:" } else { "Concepts:" }));
    }
    for (i, s) in l.step.iter().enumerate() {
        out.push_str(&format!("## {}. {}\n\n{}\n\n", i + 1, s.title, s.text));
        out.push_str(&format!("*{}* {}\n\n", if ko { "볼 곳:" } else { "Look at:" }, s.look));
        if !s.commands.is_empty() {
            out.push_str("```sh\n");
            for c in &s.commands {
                out.push_str(&vars.fill(c));
                out.push('\n');
            }
            out.push_str("```\n\n");
        }
        out.push_str(&format!(
            "- [ ] {}: {}\n\n",
            if ko { "확인" } else { "Done when" },
            describe(&s.check, vars, lang)
        ));
        out.push_str(&format!("> {} {}\n\n", if ko { "막히면:" } else { "Hint:" }, s.hint));
    }
    for (name, content) in &l.files {
        out.push_str(&format!("### {name}\n\n```yaml\n{}\n```\n\n", vars.fill(content).trim_end()));
    }
    out
}
