//! Which nsids each namespace still needs resolved, and which namespaces could be behind each.
//!
//! nsids are per observer, so "nsid 3" must be asked of the namespace that reported it. To keep
//! the questions few, only namespaces that actually hold the link's other end are candidates, and
//! a resolved veth pair also settles its peer's nsid for the way back (a veth's peer's peer is itself).

use crate::model::{LinkObs, NamespaceObs, NsIdentity};
use std::collections::{BTreeMap, BTreeSet};

fn is_veth(l: &LinkObs) -> bool {
    l.kind.as_deref() == Some("veth")
}

/// Could namespace `b` hold the other end of `l` (which lives in namespace `a`)?
fn holds_other_end(a: &NamespaceObs, l: &LinkObs, b: &NamespaceObs) -> bool {
    let Some(p) = l.link else { return false };
    if a.id == b.id {
        return false;
    }
    match b.link(p) {
        Some(other) if is_veth(l) => is_veth(other) && other.link == Some(l.ifindex),
        Some(_) => true,
        None => false,
    }
}

/// For each namespace (by position), each unresolved nsid it reports, and the candidate namespaces.
pub fn pending(namespaces: &[NamespaceObs]) -> BTreeMap<usize, BTreeMap<i32, BTreeSet<usize>>> {
    // Index links by (ifindex, where they point): a veth's other end points back at it, so the
    // lookup stays exact even when a thousand namespaces all have an eth0 with ifindex 2.
    let mut by_ifindex: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    let mut by_pair: BTreeMap<(u32, u32), Vec<usize>> = BTreeMap::new();
    for (i, ns) in namespaces.iter().enumerate() {
        for l in &ns.links {
            by_ifindex.entry(l.ifindex).or_default().push(i);
            if let (true, Some(back)) = (is_veth(l), l.link) {
                by_pair.entry((l.ifindex, back)).or_default().push(i);
            }
        }
    }
    let mut out: BTreeMap<usize, BTreeMap<i32, BTreeSet<usize>>> = BTreeMap::new();
    for (a, ns) in namespaces.iter().enumerate() {
        for l in &ns.links {
            let (Some(nsid), Some(p)) = (l.link_netnsid, l.link) else { continue };
            if ns.nsids.contains_key(&nsid) {
                continue;
            }
            let pool = if is_veth(l) { by_pair.get(&(p, l.ifindex)) } else { by_ifindex.get(&p) };
            let candidates = pool.into_iter().flatten().copied().filter(|&b| holds_other_end(ns, l, &namespaces[b]));
            out.entry(a).or_default().entry(nsid).or_default().extend(candidates);
        }
    }
    out.retain(|_, m| {
        m.retain(|_, c| !c.is_empty());
        !m.is_empty()
    });
    out
}

/// Record what namespace `a` answered: `found` pairs each asked namespace with its nsid in `a`.
pub fn apply(ns: &mut NamespaceObs, found: &[(NsIdentity, i32)]) {
    for (id, nsid) in found {
        ns.nsids.insert(*nsid, *id);
    }
}

/// For every veth whose peer's namespace is known, teach the peer's namespace the way back.
pub fn propagate(namespaces: &mut [NamespaceObs]) {
    let index: BTreeMap<NsIdentity, usize> = namespaces.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut learned: Vec<(usize, i32, NsIdentity)> = Vec::new();
    for a in namespaces.iter() {
        for l in a.links.iter().filter(|l| is_veth(l)) {
            let (Some(nsid), Some(p)) = (l.link_netnsid, l.link) else { continue };
            let Some(&b) = a.nsids.get(&nsid).and_then(|id| index.get(id)) else { continue };
            let peer_ns = &namespaces[b];
            if let Some(peer) = peer_ns.link(p)
                && let Some(back) = peer.link_netnsid
                && holds_other_end(a, l, peer_ns)
                && !peer_ns.nsids.contains_key(&back)
            {
                learned.push((b, back, a.id));
            }
        }
    }
    for (b, nsid, id) in learned {
        namespaces[b].nsids.insert(nsid, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NsSource;

    fn ns(inode: u64, links: Vec<LinkObs>) -> NamespaceObs {
        NamespaceObs {
            id: NsIdentity { dev: 4, inode },
            paths: vec![],
            sources: if inode == 1 { vec![NsSource::Host] } else { vec![] },
            links,
            routes: vec![],
            nsids: BTreeMap::new(),
            listening: Vec::new(),
        }
    }

    fn veth(ifindex: u32, peer: u32, nsid: i32) -> LinkObs {
        LinkObs {
            ifindex,
            name: format!("v{ifindex}"),
            kind: Some("veth".into()),
            link: Some(peer),
            link_netnsid: Some(nsid),
            ..Default::default()
        }
    }

    #[test]
    fn candidates_need_a_veth_pointing_back() {
        // host veth 10 <-> container A eth0 (ifindex 2); container B also has an ifindex 2, pointing elsewhere.
        let host = ns(1, vec![veth(10, 2, 0), veth(11, 2, 1)]);
        let a = ns(2, vec![veth(2, 10, 0)]);
        let b = ns(3, vec![veth(2, 11, 0)]);
        let p = pending(&[host, a, b]);
        assert_eq!(p[&0][&0], BTreeSet::from([1]));
        assert_eq!(p[&0][&1], BTreeSet::from([2]));
        // A and B both report nsid 0; each has exactly the host as candidate.
        assert_eq!(p[&1][&0], BTreeSet::from([0]));
        assert_eq!(p[&2][&0], BTreeSet::from([0]));
    }

    #[test]
    fn resolving_the_host_side_teaches_the_container_the_way_back() {
        let mut all = vec![ns(1, vec![veth(10, 2, 5)]), ns(2, vec![veth(2, 10, 0)])];
        let container = all[1].id;
        apply(&mut all[0], &[(container, 5)]);
        propagate(&mut all);
        assert_eq!(all[1].nsids.get(&0), Some(&all[0].id));
        assert!(pending(&all).is_empty());
    }

    #[test]
    fn same_namespace_pair_needs_no_nsid() {
        let mut l1 = veth(5, 6, 0);
        l1.link_netnsid = None;
        let mut l2 = veth(6, 5, 0);
        l2.link_netnsid = None;
        assert!(pending(&[ns(1, vec![l1, l2])]).is_empty());
    }
}
