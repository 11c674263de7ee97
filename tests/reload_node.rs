//! What a reload does with the global_defs the instances share, without a
//! kernel: keepalived 2.2.7 reads global_defs again on a reload, so a
//! changed `vrrp_mcast_group4` moves the group memberships and the adverts
//! to the new group, and a changed `script_user` / `enable_script_security`
//! applies to the next script run.

mod common;

use std::net::Ipv4Addr;

use tinyvrrpd::config::Config;
use tinyvrrpd::node::Node;
use tinyvrrpd::node::iface::Ifaces;
use tinyvrrpd::node::out::{Out, Outbox, ScriptEnd};
use tinyvrrpd::time::Instant;

const IFINDEX: u32 = 2;

/// The outputs this test is about, as short lines.
#[derive(Default)]
struct Rec(Vec<String>, Vec<u32>);

impl Outbox for Rec {
    fn push(&mut self, out: Out<'_>) {
        let line = match out {
            Out::Group {
                join,
                ifindex,
                group,
            } => format!(
                "{} {group} on {ifindex}",
                if join { "join" } else { "leave" }
            ),
            Out::Advert { dst, .. } => format!("advert to {dst}"),
            Out::Spawn {
                id,
                name,
                user,
                secure,
                ..
            } => {
                self.1.push(id);
                format!("run {name} as {user:?} secure {secure}")
            }
            _ => return,
        };
        self.0.push(line);
    }
}

fn ifaces() -> Ifaces {
    common::ifaces::eth0(IFINDEX, Ipv4Addr::new(192, 0, 2, 71))
}

/// An instance alone on its LAN (MASTER after the master-down interval,
/// about 3 s) that tracks a check script run every second, under
/// `globals`.
fn config(globals: &str) -> Config {
    let text = format!(
        "global_defs {{
    {globals}
}}
vrrp_script chk {{
    script \"/bin/true\"
    interval 1
}}
vrrp_instance VI_1 {{
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    track_script {{
        chk
    }}
    virtual_ipaddress {{
        192.0.2.71/24
    }}
}}
"
    );
    common::load_text(&text).expect("loads").0
}

/// Runs the router from `from` to `to` (seconds) in 100 ms steps: every
/// slot timer and the router's timer fired at each step (early or
/// spurious firings are harmless), each script started ending at once
/// with 0; outputs into `rec`.
fn run(n: &mut Node, from: u64, to: u64, rec: &mut Rec) {
    for step in from * 10..=to * 10 {
        let now = Instant::from_micros(step * 100_000);
        for i in 0..n.slots().len() {
            n.on_timer(i, now, rec);
        }
        n.on_router_timer(now, rec);
        while let Some(id) = rec.1.pop() {
            n.on_script_end(id, ScriptEnd::Code(0), now, rec);
        }
    }
}

fn reload(n: &mut Node, globals: &str, at_s: u64) -> Rec {
    let mut config = config(globals);
    let plan = n.plan_reload(&mut config, &ifaces()).expect("a plan");
    let mut rec = Rec::default();
    n.apply_reload(
        plan,
        ifaces(),
        Instant::from_micros(at_s * 1_000_000),
        &mut rec,
    );
    rec
}

#[test]
fn a_reload_moves_the_vrrp_group() {
    let mut n = Node::new(&mut config(""), ifaces(), false).expect("a plan");
    let mut rec = Rec::default();
    n.start(Instant::from_micros(0), &mut rec);
    run(&mut n, 0, 5, &mut rec);
    assert!(
        rec.0.contains(&"join 224.0.0.18 on 2".to_string()),
        "{:?}",
        rec.0
    );
    assert!(
        rec.0.contains(&"advert to 224.0.0.18".to_string()),
        "{:?}",
        rec.0
    );
    // An unchanged group: joined again (harmless), never left.
    let same = reload(&mut n, "", 6);
    assert!(
        !same.0.iter().any(|l| l.starts_with("leave")),
        "{:?}",
        same.0
    );
    let mut rec = reload(&mut n, "vrrp_mcast_group4 224.0.0.19", 7);
    let (leave, join) = (
        rec.0.iter().position(|l| l == "leave 224.0.0.18 on 2"),
        rec.0.iter().position(|l| l == "join 224.0.0.19 on 2"),
    );
    assert!(
        matches!((leave, join), (Some(l), Some(j)) if l < j),
        "{:?}",
        rec.0
    );
    run(&mut n, 7, 10, &mut rec);
    let adverts: Vec<&String> = rec.0.iter().filter(|l| l.starts_with("advert")).collect();
    assert!(!adverts.is_empty(), "{:?}", rec.0);
    assert!(
        adverts.iter().all(|l| *l == "advert to 224.0.0.19"),
        "{:?}",
        rec.0
    );
}

#[test]
fn a_reload_changes_who_runs_the_scripts() {
    let mut n = Node::new(&mut config("script_user nobody"), ifaces(), false).expect("a plan");
    let mut rec = Rec::default();
    n.start(Instant::from_micros(0), &mut rec);
    run(&mut n, 0, 3, &mut rec);
    let before = "run chk as Some(\"nobody\") secure false".to_string();
    assert!(rec.0.contains(&before), "{:?}", rec.0);
    let mut rec = reload(&mut n, "script_user daemon\n    enable_script_security", 4);
    run(&mut n, 4, 8, &mut rec);
    let runs: Vec<&String> = rec.0.iter().filter(|l| l.starts_with("run")).collect();
    assert!(!runs.is_empty(), "{:?}", rec.0);
    assert!(
        runs.iter()
            .all(|l| *l == "run chk as Some(\"daemon\") secure true"),
        "{:?}",
        rec.0
    );
}
