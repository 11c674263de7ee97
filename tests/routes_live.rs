//! `virtual_routes`, `static_ipaddress` and `static_routes`, live, side by
//! side with keepalived 2.2.7 (issue 14, "Done when", routes part). Needs
//! root and /usr/sbin/keepalived (`tests/deps.sh`); see tests/common/mod.rs.
//!
//! The same config runs first with keepalived on both routers (the
//! reference), then with tinyvrrpd on both. After each step the test waits
//! (bounded) for the VIP layout the step aims at, lets things settle, and
//! takes a snapshot per router: table 100 (the instance's routes), the
//! routes of the main table with keepalived's protocol (the static route),
//! the rules (virtual and static), and whether the static address is on
//! eth0. The tinyvrrpd snapshots must
//! equal keepalived's.
//!
//! Steps: both started (r1, priority 200, master); r1 crashes (SIGKILL of
//! everything in its namespace: no clean-up) and r2 takes over; r1 starts
//! again over what the crash left and preempts (r2 releases); r2 (backup)
//! stops; r1 (master) stops (SIGTERM).

mod common;

use std::thread::sleep;
use std::time::Duration;

use common::*;

const STEP: Duration = Duration::from_millis(50);
const GENEROUS: Duration = Duration::from_secs(15);
const SETTLE: Duration = Duration::from_millis(1500);
const VIP: &str = "192.0.2.100";
const STATIC_ADDR: &str = "192.0.2.201";

fn config(priority: u8) -> String {
    format!(
        "static_ipaddress {{
    {STATIC_ADDR}/32 dev eth0
}}
static_routes {{
    198.51.100.0/24 via 192.0.2.9 dev eth0
}}
static_rules {{
    from {STATIC_ADDR} table 200 priority 200
}}
vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 1
    virtual_ipaddress {{
        {VIP}/24
    }}
    virtual_routes {{
        203.0.113.0/25 via 192.0.2.9 dev eth0 table 100
        203.0.113.128/26 dev eth0 scope link table 100 metric 7
        blackhole 203.0.113.192/26 table 100
        default via 192.0.2.9 table 100
        blackhole 2001:db8:2::/48 table 100
    }}
    virtual_rules {{
        from {VIP} table 100 priority 100
        to 203.0.113.0/24 table 100
    }}
}}
"
    )
}

/// What one router shows: table 100, keepalived-protocol routes of the
/// main table, the static address.
fn snapshot(ns: &str) -> String {
    // An error: table 100 never had a route in this namespace.
    let t100 = run(&["ip", "-n", ns, "route", "show", "table", "100"])
        .unwrap_or_else(|_| "(no table 100)\n".to_string());
    let t100_6 = run(&["ip", "-n", ns, "-6", "route", "show", "table", "100"])
        .unwrap_or_else(|_| "(no table 100)\n".to_string());
    let main = run(&["ip", "-n", ns, "route", "show", "proto", "18"]).unwrap_or_else(|e| e);
    let rules = run(&["ip", "-n", ns, "rule", "show"]).unwrap_or_else(|e| e);
    format!(
        "table 100:\n{t100}{t100_6}main proto 18:\n{main}rules:\n{rules}static address: {}\n",
        has_vip(ns, STATIC_ADDR)
    )
}

fn spawn(lan: &Lan, which: &str, i: usize, conf: &str) -> Daemon {
    if which == "keepalived" {
        lan.spawn_keepalived(i, conf)
    } else {
        lan.spawn(i, conf)
    }
}

fn wait_for(what: &str, which: &str, mut cond: impl FnMut() -> bool) {
    assert!(
        wait_until(GENEROUS, STEP, &mut cond).is_some(),
        "{which}: {what} not reached"
    );
    sleep(SETTLE);
}

/// The snapshots of r1 and r2 after each step.
fn scenario(which: &str) -> Vec<(String, String, String)> {
    let lan = Lan::new(2);
    let mut snaps = Vec::new();
    let mut take = |step: &str, lan: &Lan| {
        snaps.push((step.to_string(), snapshot(lan.r(1)), snapshot(lan.r(2))));
    };
    let mut r1 = spawn(&lan, which, 1, &config(200));
    let mut r2 = spawn(&lan, which, 2, &config(100));
    wait_for("r1 master", which, || {
        has_vip(lan.r(1), VIP) && has_vip(lan.r(2), STATIC_ADDR)
    });
    take("started", &lan);
    r1.crash();
    let first_r1_log = r1.log();
    wait_for("r2 master", which, || has_vip(lan.r(2), VIP));
    take("r1 crashed", &lan);
    // r1 comes back over its leftovers and preempts: r2 releases.
    let mut r1 = spawn(&lan, which, 1, &config(200));
    wait_for("r1 master again", which, || {
        has_vip(lan.r(1), VIP) && !has_vip(lan.r(2), VIP)
    });
    take("r1 restarted", &lan);
    r2.signal("TERM");
    assert!(r2.wait_exit(GENEROUS).is_some(), "{which}: r2 did not stop");
    take("backup stopped", &lan);
    r1.signal("TERM");
    assert!(r1.wait_exit(GENEROUS).is_some(), "{which}: r1 did not stop");
    take("master stopped", &lan);
    if which == "tinyvrrpd" {
        // Every request was taken (a route or rule already there, or not
        // there to delete, is no failure).
        for log in [first_r1_log, r1.log(), r2.log()] {
            assert!(!log.contains("failed"), "{log}");
        }
    }
    snaps
}

#[test]
fn routes_follow_keepalived() {
    if !root_or_skip() {
        return;
    }
    let reference = scenario("keepalived");
    let ours = scenario("tinyvrrpd");
    for (k, t) in reference.iter().zip(&ours) {
        assert_eq!(
            k, t,
            "step '{}': keepalived (left) and tinyvrrpd (right) differ",
            k.0
        );
    }
    // The reference itself shows what the test is about: the routes move.
    let started = &reference[0];
    assert!(
        started.1.contains("203.0.113.0/25 via 192.0.2.9"),
        "{started:?}"
    );
    assert!(!started.2.contains("203.0.113.0/25"), "{started:?}");
    assert!(
        started.1.contains("from 192.0.2.100 lookup 100"),
        "{started:?}"
    );
    assert!(!started.2.contains("from 192.0.2.100"), "{started:?}");
    assert!(
        started.2.contains("from 192.0.2.201 lookup 200"),
        "{started:?}"
    );
    assert!(
        reference[1].2.contains("blackhole 203.0.113.192/26"),
        "{reference:?}"
    );
}
