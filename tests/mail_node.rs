//! Which transitions the router mails (`smtp_alert`), without a kernel or
//! a server: keepalived 2.2.7's rules as measured next to it (its
//! smtp_alert resolution, each state once, nothing delivered on stop); the
//! same live, against a real SMTP server, in tests/mail_live.rs.

mod common;

use std::net::Ipv4Addr;

use tinyvrrpd::config::Config;
use tinyvrrpd::node::Node;
use tinyvrrpd::node::iface::Ifaces;
use tinyvrrpd::node::out::{Out, Outbox};
use tinyvrrpd::time::Instant;
use tinyvrrpd::wire::netlink::Link;

const ETH0: u32 = 2;

#[derive(Default)]
struct Rec(Vec<String>, Vec<u32>);

impl Outbox for Rec {
    fn push(&mut self, out: Out<'_>) {
        match out {
            Out::Mail { kind, name, state } => {
                self.0.push(format!("{kind} {name} {}", state.as_str()))
            }
            Out::Addr { req, .. } => self.1.push(req.seq),
            _ => {}
        }
    }
}

fn link(up: bool) -> Link<'static> {
    common::ifaces::link(ETH0, "eth0", common::ifaces::ETH0_MAC, up)
}

fn ifaces() -> Ifaces {
    common::ifaces::eth0(ETH0, Ipv4Addr::new(192, 0, 2, 1))
}

fn load(text: &str) -> Config {
    let (c, warnings) = common::load_text(text).expect("loads");
    assert!(warnings.is_empty(), "{warnings:?}");
    c
}

const MAIL: &str = "notification_email {\n a@example.com\n}\nsmtp_server 192.0.2.50\n";

fn instance(name: &str, vrid: u8, lines: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n priority 150\n \
         advert_int 1\n {lines}\n virtual_ipaddress {{\n  192.0.2.{vrid}/24\n }}\n}}\n"
    )
}

fn at(ms: u64) -> Instant {
    Instant::from_micros(ms * 1000)
}

/// Cold start to MASTER, eth0 down (FAULT), up again (BACKUP, MASTER),
/// stop: the mails, in order.
fn story(text: &str) -> Vec<String> {
    let mut c = load(text);
    let mut n = Box::new(Node::new(&mut c, ifaces(), false).expect("a plan"));
    let mut rec = Rec::default();
    n.start(at(0), &mut rec);
    let run = |n: &mut Node, rec: &mut Rec, from: u64, to: u64| {
        for ms in (from..to).step_by(10) {
            for i in 0..n.slots().len() {
                n.on_timer(i, at(ms), rec);
            }
            for seq in core::mem::take(&mut rec.1) {
                n.on_ack(seq, 0, at(ms), rec);
            }
            n.on_router_timer(at(ms), rec);
        }
    };
    run(&mut n, &mut rec, 0, 5000);
    n.on_link(&link(false), at(5000), &mut rec);
    run(&mut n, &mut rec, 5000, 6000);
    n.on_link(&link(true), at(6000), &mut rec);
    run(&mut n, &mut rec, 6000, 11000);
    n.stop(at(11000), &mut rec);
    rec.0
}

const ONE: [&str; 4] = [
    "INSTANCE V BACKUP",
    "INSTANCE V MASTER",
    "INSTANCE V FAULT",
    "INSTANCE V BACKUP",
];

fn one() -> Vec<&'static str> {
    let mut v = ONE.to_vec();
    v.push("INSTANCE V MASTER");
    v
}

#[test]
fn each_state_once_and_nothing_on_stop() {
    let text = format!(
        "global_defs {{\n{MAIL}}}\n{}",
        instance("V", 51, "smtp_alert")
    );
    assert_eq!(story(&text), one());
}

#[test]
fn the_instance_flag_wins_then_smtp_alert_vrrp_then_smtp_alert() {
    // keepalived 2.2.7's matrix (measured): own flag, else
    // smtp_alert_vrrp, else smtp_alert, else none.
    let cases: [(&str, &str, bool); 6] = [
        ("", "", false),
        ("smtp_alert", "", true),
        ("smtp_alert", "smtp_alert no", false),
        ("smtp_alert_vrrp", "", true),
        ("smtp_alert\nsmtp_alert_vrrp no", "", false),
        ("smtp_alert no\nsmtp_alert_vrrp", "", true),
    ];
    for (global, own, mails) in cases {
        let text = format!(
            "global_defs {{\n{MAIL}{global}\n}}\n{}",
            instance("V", 51, own)
        );
        let got = story(&text);
        assert_eq!(!got.is_empty(), mails, "{global:?} {own:?}: {got:?}");
    }
}

#[test]
fn no_email_faults_drops_fault_and_keeps_the_memory() {
    let text = format!(
        "global_defs {{\n{MAIL}no_email_faults\n}}\n{}",
        instance("V", 51, "smtp_alert")
    );
    // MASTER -> FAULT (not mailed) -> BACKUP (mailed: the last mailed
    // was MASTER) -> MASTER.
    let want = [
        "INSTANCE V BACKUP",
        "INSTANCE V MASTER",
        "INSTANCE V BACKUP",
        "INSTANCE V MASTER",
    ];
    assert_eq!(story(&text), want);
}

#[test]
fn without_a_server_or_recipients_nothing_is_mailed() {
    for global in [
        "smtp_server 192.0.2.50",
        "notification_email {\n a@example.com\n}",
    ] {
        let text = format!(
            "global_defs {{\n{global}\nsmtp_alert\n}}\n{}",
            instance("V", 51, "")
        );
        assert_eq!(story(&text), Vec::<String>::new(), "{global}");
    }
}

#[test]
fn a_group_with_smtp_alert_mails_as_a_group_only() {
    let text = format!(
        "global_defs {{\n{MAIL}}}\n{}{}vrrp_sync_group G {{\n group {{\n  V\n  W\n }}\n \
         smtp_alert\n}}\n",
        instance("V", 51, ""),
        instance("W", 52, "")
    );
    let got = story(&text);
    assert!(!got.is_empty());
    assert!(got.iter().all(|m| m.starts_with("GROUP G ")), "{got:?}");
    assert!(got.contains(&"GROUP G MASTER".to_string()), "{got:?}");
    assert!(got.contains(&"GROUP G FAULT".to_string()), "{got:?}");
}
