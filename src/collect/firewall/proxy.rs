//! docker-proxy processes: the userland proxy that serves a published port where NAT cannot
//! (from the host itself to 127.0.0.1, for one). Found by name in /proc, read from their arguments.

use crate::model::observation::ProxyObs;
use std::fs;

pub fn scan() -> Vec<ProxyObs> {
    let Ok(dir) = fs::read_dir("/proc") else { return Vec::new() };
    let mut found: Vec<ProxyObs> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "docker-proxy"))
        .filter_map(|pid| {
            let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args: Vec<String> =
                cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            parse_args(pid, &args)
        })
        .collect();
    found.sort();
    found
}

/// `docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80`
/// (flags take one or two dashes, and `-flag=value` too).
pub fn parse_args(pid: u32, args: &[String]) -> Option<ProxyObs> {
    let mut p = ProxyObs { pid, ..Default::default() };
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let flag = a.trim_start_matches('-');
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n, v.to_string()),
            None => (flag, it.next().cloned().unwrap_or_default()),
        };
        match name {
            "proto" => p.protocol = value,
            "host-ip" => p.host_ip = value,
            "host-port" => p.host_port = value.parse().ok()?,
            "container-ip" => p.container_ip = value,
            "container-port" => p.container_port = value.parse().ok()?,
            _ => {}
        }
    }
    (p.host_port != 0).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_flag_styles() {
        let args: Vec<String> =
            "/usr/bin/docker-proxy -proto tcp -host-ip 127.0.0.1 -host-port 18080 -container-ip 172.17.0.2 -container-port 80"
                .split(' ')
                .map(String::from)
                .collect();
        let p = parse_args(7, &args).unwrap();
        assert_eq!((p.protocol.as_str(), p.host_ip.as_str(), p.host_port), ("tcp", "127.0.0.1", 18080));
        assert_eq!((p.container_ip.as_str(), p.container_port), ("172.17.0.2", 80));
        let eq: Vec<String> = ["docker-proxy", "--proto=udp", "--host-port=53"].map(String::from).to_vec();
        assert_eq!(parse_args(1, &eq).unwrap().protocol, "udp");
        assert_eq!(parse_args(1, &["docker-proxy".to_string(), "-host-port".into(), "x".into()]), None);
    }
}
