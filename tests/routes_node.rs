//! The router's route and rule outputs, in order, without a kernel:
//! `virtual_routes`/`virtual_rules` after the VIPs on the way in and before
//! them on the way out, nothing for them at the start-up clean-up; the
//! static entries first at start and last at stop, with `-V` too
//! (keepalived 2.2.7's vrrp.c and vrrp_daemon.c; the same sequence seen
//! in the kernel next to keepalived is tests/routes_live.rs).

mod common;

use std::net::Ipv4Addr;
use std::path::Path;

use tinyvrrpd::node::Node;
use tinyvrrpd::node::iface::Ifaces;
use tinyvrrpd::node::out::{Note, Out, Outbox};
use tinyvrrpd::time::Instant;

const IFINDEX: u32 = 2;

/// The outputs this test is about, as short lines.
#[derive(Default)]
struct Rec(Vec<String>, Vec<u32>);

impl Outbox for Rec {
    fn push(&mut self, out: Out<'_>) {
        let line = match out {
            Out::Addr { name, req } => {
                self.1.push(req.seq);
                let op = if req.add { "add" } else { "del" };
                format!("{name} addr {op} {} {:?}", req.addr, req.why)
            }
            Out::Route { name, req } => {
                self.1.push(req.seq);
                let op = if req.add { "add" } else { "del" };
                let r = req.route;
                let oif = req.oif.map_or(0, |i| i);
                format!(
                    "{name} route {op} {}/{} k{} t{} oif{oif} {:?}",
                    r.dst, r.dst_len, r.kind, r.table, req.why
                )
            }
            Out::Rule { name, req } => {
                self.1.push(req.seq);
                let op = if req.add { "add" } else { "del" };
                format!("{name} rule {op} p{} {:?}", req.rule.priority, req.why)
            }
            Out::Log(Note::StaticFailed { .. }) => "static failed".to_string(),
            Out::Log(Note::AddrFailed { .. }) => "addr failed".to_string(),
            Out::Log(Note::RouteFailed { name, .. }) => format!("{name} route failed"),
            _ => return,
        };
        self.0.push(line);
    }
}

fn ifaces() -> Ifaces {
    common::ifaces::eth0(IFINDEX, Ipv4Addr::new(192, 0, 2, 71))
}

fn node(keep_vips: bool) -> Node {
    let (mut config, _) =
        tinyvrrpd::config::load(Path::new("tests/configs/valid/15-routes-node.conf"))
            .expect("loads");
    Node::new(&mut config, ifaces(), keep_vips).expect("a plan")
}

const START: &[&str] = &[
    "static addr add 192.0.2.201 Master",
    "static route add 198.51.100.0/24 k1 t254 oif2 Master",
    "static rule del p200 Leftover",
    "static rule add p200 Master",
    "VI_1 addr del 192.0.2.100 Leftover",
    "VI_1 addr add 192.0.2.100 Master",
    "VI_1 route add 203.0.113.0/25 k1 t100 oif2 Master",
    "VI_1 route add 203.0.113.192/26 k6 t100 oif0 Master",
    "VI_1 rule add p100 Master",
];

const STATIC_STOP: &[&str] = &[
    "static rule del p200 Shutdown",
    "static route del 198.51.100.0/24 k1 t254 oif2 Shutdown",
    "static addr del 192.0.2.201 Shutdown",
];

#[test]
fn start_master_and_stop_in_keepalived_order() {
    let mut n = node(false);
    let mut rec = Rec::default();
    n.start(Instant::from_micros(0), &mut rec);
    assert_eq!(rec.0, START);
    let mut rec = Rec::default();
    n.stop(Instant::from_micros(1_000_000), &mut rec);
    let mut want = vec![
        "VI_1 rule del p100 Shutdown",
        "VI_1 route del 203.0.113.0/25 k1 t100 oif2 Shutdown",
        "VI_1 route del 203.0.113.192/26 k6 t100 oif0 Shutdown",
        "VI_1 addr del 192.0.2.100 Shutdown",
    ];
    want.extend_from_slice(STATIC_STOP);
    assert_eq!(rec.0, want);
}

#[test]
fn keep_vips_keeps_virtual_routes_not_static_ones() {
    let mut n = node(true);
    let mut rec = Rec::default();
    n.start(Instant::from_micros(0), &mut rec);
    let mut rec = Rec::default();
    n.stop(Instant::from_micros(1_000_000), &mut rec);
    assert_eq!(rec.0, STATIC_STOP);
}

#[test]
fn missing_entries_are_no_error_and_failures_are_named() {
    let mut n = node(false);
    let mut rec = Rec::default();
    let t = Instant::from_micros(0);
    n.start(t, &mut rec);
    let seqs = rec.1.clone();
    let mut rec = Rec::default();
    // The start-up delete of a static rule that is not there (ENOENT), a
    // route already there (EEXIST): nothing to say.
    n.on_ack(seqs[2], libc::ENOENT, t, &mut rec);
    n.on_ack(seqs[6], libc::EEXIST, t, &mut rec);
    n.on_ack(seqs[6], libc::ESRCH, t, &mut rec);
    assert!(rec.0.is_empty(), "{:?}", rec.0);
    n.on_ack(seqs[1], libc::ENETUNREACH, t, &mut rec);
    n.on_ack(seqs[6], libc::ENETUNREACH, t, &mut rec);
    n.on_ack(seqs[5], libc::ENETUNREACH, t, &mut rec);
    // A VIP failure is retried; a route failure is logged once, as
    // keepalived logs it.
    assert_eq!(rec.0, ["static failed", "VI_1 route failed", "addr failed"]);
}

#[test]
fn reload_swaps_changed_routes_and_statics_only() {
    let mut n = node(false);
    let t = Instant::from_micros(0);
    n.start(t, &mut Rec::default());
    let text = std::fs::read_to_string("tests/configs/valid/15-routes-node.conf").unwrap();
    let text = text
        .replace("198.51.100.0/24 via", "198.51.100.128/25 via")
        .replace("blackhole 203.0.113.192/26", "unreachable 203.0.113.192/26");
    let (mut config, _) = common::load_text(&text).expect("loads");
    let plan = n.plan_reload(&mut config, &ifaces()).expect("a plan");
    let mut rec = Rec::default();
    n.apply_reload(plan, ifaces(), Instant::from_micros(1_000_000), &mut rec);
    // The master's route set changed: the route no longer configured
    // goes, the new one comes, the VIP and the rest stay; of the statics
    // only the changed route.
    assert_eq!(
        rec.0,
        [
            "VI_1 route del 203.0.113.192/26 k6 t100 oif0 Reload",
            "VI_1 route add 203.0.113.192/26 k7 t100 oif0 Reload",
            "static route del 198.51.100.0/24 k1 t254 oif2 Shutdown",
            "static route add 198.51.100.128/25 k1 t254 oif2 Master",
        ]
    );
}
