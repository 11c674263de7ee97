//! GARP spacing (issue 14 item 4), live, with keepalived 2.2.7 as the
//! reference: one router takes over alone with `vrrp_garp_interval 0.3`
//! and two VIPs; the observer's capture must show its gratuitous ARPs at
//! least 0.8 x 0.3 s apart, and keepalived with the same configuration
//! sends the same sequence of addresses, spaced alike.

mod common;

use std::net::Ipv4Addr;
use std::thread::sleep;
use std::time::{Duration, SystemTime};

use common::*;

const INTERVAL: Duration = Duration::from_millis(300);
/// From the start until the second burst (garp_master_delay 1) is done.
const RUN: Duration = Duration::from_secs(4);

/// The spacing as the global setting.
const GLOBAL: &str = "global_defs {\n    vrrp_garp_interval 0.3\n}\n";
/// The spacing as a garp_group for eth0, which overrides a global 0.05.
const GROUP: &str = "global_defs {\n    vrrp_garp_interval 0.05\n}\n\
     garp_group {\n    garp_interval 0.3\n    interface eth0\n}\n";

fn conf(head: &str) -> String {
    head.to_string()
        + "vrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    \
     priority 100\n    version 3\n    advert_int 0.1\n    garp_master_delay 1\n    \
     garp_master_repeat 3\n    virtual_ipaddress {\n        192.0.2.100/24\n        \
     192.0.2.101/24\n    }\n}\n"
}

/// The GARPs for the VIPs one daemon sends after a takeover, as (seconds
/// after the first, address).
fn run_one(head: &str, keepalived: bool) -> Vec<(f64, Ipv4Addr)> {
    let lan = Lan::new(1);
    let cap = lan.capture();
    let mut d = if keepalived {
        lan.spawn_keepalived(1, &conf(head))
    } else {
        lan.spawn(1, &conf(head))
    };
    sleep(RUN);
    let vips = [Ipv4Addr::new(192, 0, 2, 100), Ipv4Addr::new(192, 0, 2, 101)];
    let garps: Vec<_> = cap
        .garps()
        .into_iter()
        .filter(|g| vips.contains(&g.arp.sender_ip))
        .collect();
    assert!(d.running(), "the daemon died:\n{}", d.log());
    let t0 = garps.first().map_or(SystemTime::UNIX_EPOCH, |g| g.ts);
    garps
        .iter()
        .map(|g| {
            (
                secs(g.ts.duration_since(t0).unwrap_or_default()),
                g.arp.sender_ip,
            )
        })
        .collect()
}

fn check_spacing(who: &str, seen: &[(f64, Ipv4Addr)]) {
    assert!(seen.len() >= 2, "{who}: {seen:?}");
    let min = secs(INTERVAL) * 0.8;
    for w in seen.windows(2) {
        assert!(
            w[1].0 - w[0].0 >= min,
            "{who}: GARPs closer than {min} s: {seen:?}"
        );
    }
}

/// Both daemons with the configuration `head` starts: spaced, and alike.
fn side_by_side(head: &str) {
    let ours = run_one(head, false);
    let theirs = run_one(head, true);
    println!("tinyvrrpd: {ours:?}\nkeepalived: {theirs:?}");
    check_spacing("tinyvrrpd", &ours);
    check_spacing("keepalived", &theirs);
    let addrs = |v: &[(f64, Ipv4Addr)]| v.iter().map(|g| g.1).collect::<Vec<_>>();
    assert_eq!(addrs(&ours), addrs(&theirs), "the same GARPs, in order");
    for (a, b) in ours.iter().zip(&theirs) {
        assert!(
            (a.0 - b.0).abs() < 0.15,
            "timed alike: {ours:?} vs {theirs:?}"
        );
    }
}

#[test]
fn takeover_garps_are_spaced_like_keepalived() {
    if !root_or_skip() {
        return;
    }
    side_by_side(GLOBAL);
}

/// keepalived has no per-instance garp_interval: a garp_group sets it per
/// interface, over the global one.
#[test]
fn garp_group_interval_overrides_the_global_one() {
    if !root_or_skip() {
        return;
    }
    side_by_side(GROUP);
}
