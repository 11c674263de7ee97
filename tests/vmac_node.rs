//! `use_vmac` in the router, without a kernel: which VMAC it asks for and
//! when (before the instances start, when the base interface appears,
//! when someone deletes it; deleted on stop and when a reload removes its
//! instance), and that a master holds its VIPs on the VMAC, sends adverts
//! and gratuitous ARPs from it (from the base with `vmac_xmit_base`), and
//! sits in FAULT while the VMAC is missing or has another MAC. The same
//! live, next to keepalived 2.2.7: tests/vmac_live.rs.

mod common;

use std::net::Ipv4Addr;

use tinyvrrpd::config::Config;
use tinyvrrpd::node::Node;
use tinyvrrpd::node::iface::{Iface, Ifaces};
use tinyvrrpd::node::out::{Note, Out, Outbox};
use tinyvrrpd::time::Instant;
use tinyvrrpd::vrrp::State;
use tinyvrrpd::wire::netlink::Link;

use common::ifaces::link;

const ETH0: u32 = 2;
const VMAC: u32 = 7;
const VRRP_MAC: [u8; 6] = [0, 0, 0x5e, 0, 1, 51];

/// The outputs this test is about, as short lines.
#[derive(Default)]
struct Rec(Vec<String>, Vec<u32>);

impl Outbox for Rec {
    fn push(&mut self, out: Out<'_>) {
        let line = match out {
            Out::Vmac(r) => {
                let op = if r.add { "create" } else { "delete" };
                format!(
                    "{op} {} on {}#{} idx{} {:02x?} v6off={}",
                    r.name, r.base, r.base_index, r.index, r.mac, r.ipv6_off
                )
            }
            Out::Addr { req, .. } if req.add => {
                self.1.push(req.seq);
                format!("addr {} on {}", req.addr, req.ifindex)
            }
            Out::Advert { ifindex, .. } => format!("advert on {ifindex}"),
            Out::Group { join, ifindex, .. } => format!("join {join} on {ifindex}"),
            Out::Garp { ifindex, mac, .. } => format!("garp on {ifindex} {mac:02x?}"),
            Out::Log(Note::VmacConflict { name, ifname }) => format!("conflict {name} {ifname}"),
            _ => return,
        };
        if self.0.last() != Some(&line) {
            self.0.push(line);
        }
    }
}

fn ifaces(vmac: Option<[u8; 6]>) -> Ifaces {
    let mut t = common::ifaces::eth0(ETH0, Ipv4Addr::new(192, 0, 2, 1));
    let vm = match vmac {
        Some(mac) => Iface::new(&link(VMAC, "vrrp.51", mac, true)),
        None => Iface::gone("vrrp.51"),
    };
    t.push(vm.expect("vrrp.51")).expect("room");
    t
}

fn config(extra: &str) -> Config {
    let text = format!(
        "vrrp_instance VI_1 {{
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    use_vmac
    {extra}
    virtual_ipaddress {{
        192.0.2.100/24
    }}
}}
"
    );
    let (c, warnings) = common::load_text(&text).expect("loads");
    assert!(warnings.is_empty(), "{warnings:?}");
    c
}

/// `text` loaded: the config, or the error lines.
fn load(text: &str) -> Result<(Config, Vec<String>), Vec<String>> {
    let r = common::load_text(text);
    let lines = |d: Vec<tinyvrrpd::config::Diag>| d.iter().map(|d| d.to_string()).collect();
    match r {
        Ok((c, w)) => Ok((c, lines(w))),
        Err(e) => Err(lines(e)),
    }
}

fn instance(name: &str, vrid: u8, lines: &str) -> String {
    format!(
        "vrrp_instance {name} {{
    interface eth0
    virtual_router_id {vrid}
    {lines}
    virtual_ipaddress {{
        192.0.2.{vrid}/24
    }}
}}
"
    )
}

#[test]
fn names_and_macs_as_keepalived_chooses_them() {
    let text = instance("A", 51, "use_vmac")
        + &instance("B", 52, "use_vmac vrrp.51")
        + &instance("C", 53, "use_vmac 02:00:00:00:00:07 vx53")
        + &instance("D", 54, "use_vmac 02:00:00:00:00")
        + &instance("E", 55, "vmac_xmit_base");
    let (c, warnings) = load(&text).expect("loads");
    let v: Vec<_> = c.instances.iter().map(|i| i.vmac.clone()).collect();
    let v = |k: usize| v[k].clone();
    // B took vrrp.51 by name: A, unnamed, gets the next free one.
    assert_eq!(v(0).map(|v| v.name), Some("vrrp1.51".to_string()));
    assert_eq!(v(0).map(|v| v.mac), Some(VRRP_MAC));
    assert_eq!(v(1).map(|v| v.name), Some("vrrp.51".to_string()));
    assert_eq!(v(1).map(|v| v.mac), Some([0, 0, 0x5e, 0, 1, 52]));
    let c2 = v(2).expect("C's vmac");
    assert_eq!((c2.name.as_str(), c2.mac), ("vx53", [2, 0, 0, 0, 0, 7]));
    assert_eq!(v(3).map(|v| v.mac), Some([2, 0, 0, 0, 0, 54]));
    assert_eq!(v(4), None);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("(E) vmac_xmit_base is only valid with a vmac")),
        "{warnings:?}"
    );
}

#[test]
fn bad_names_and_macs_are_refused_with_their_line() {
    for (lines, why) in [
        (
            "use_vmac 01:00:00:00:00:07",
            "VMAC MAC address is multicast",
        ),
        (
            "use_vmac 00:00:5e:00:01:07",
            "not allowed to be RFC5798 address",
        ),
        ("use_vmac 02:00:00:zz:00:07", "VMAC invalid MAC address"),
        ("use_vmac averyveryverylongname", "invalid interface name"),
        ("use_vmac eth0", "VMAC interface eth0 is already in use"),
    ] {
        let errs = load(&instance("A", 51, lines)).err().unwrap_or_default();
        assert!(
            errs.iter().any(|e| e.contains(why) && e.contains("Line 4")),
            "{lines}: {errs:?}"
        );
    }
}

#[test]
fn unicast_with_a_vmac_sends_from_the_base() {
    let lines = "use_vmac\n    unicast_peer {\n        192.0.2.2\n    }";
    let (c, warnings) = load(&instance("A", 51, lines)).expect("loads");
    assert_eq!(
        c.instances[0].vmac.as_ref().map(|v| v.xmit_base),
        Some(true)
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("unicast with use_vmac requires vmac_xmit_base")),
        "{warnings:?}"
    );
}

fn at(ms: u64) -> Instant {
    Instant::from_micros(ms * 1000)
}

/// Started on `ifaces` and run for 5 s (master: VIPs, acked, adverts,
/// GARPs). Boxed: a router is large for a test thread's stack.
fn run(c: &Config, t: Ifaces) -> (Box<Node>, Rec) {
    let mut n = Box::new(Node::new(&mut c.clone(), t, false).expect("a plan"));
    let mut rec = Rec::default();
    n.start(at(0), &mut rec);
    for ms in (0..5000).step_by(10) {
        for i in 0..n.slots().len() {
            n.on_timer(i, at(ms), &mut rec);
        }
        for seq in core::mem::take(&mut rec.1) {
            n.on_ack(seq, 0, at(ms), &mut rec);
        }
    }
    (n, rec)
}

#[test]
fn the_vmac_is_asked_for_before_start_and_only_when_missing() {
    let c = config("");
    let n = Box::new(Node::new(&mut c.clone(), ifaces(None), false).expect("a plan"));
    let mut rec = Rec::default();
    assert!(n.make_vmacs(&mut rec));
    let want = "create vrrp.51 on eth0#2 idx0 [00, 00, 5e, 00, 01, 33] v6off=true";
    assert_eq!(rec.0, [want]);
    let n = Box::new(Node::new(&mut c.clone(), ifaces(Some(VRRP_MAC)), false).expect("a plan"));
    let mut rec = Rec::default();
    assert!(!n.make_vmacs(&mut rec));
    assert!(rec.0.is_empty(), "{:?}", rec.0);
}

#[test]
fn a_master_holds_sends_and_announces_from_the_vmac_and_deletes_it_on_stop() {
    let (mut n, rec) = run(&config(""), ifaces(Some(VRRP_MAC)));
    assert_eq!(n.slots()[0].inst.state(), State::Master);
    assert!(
        rec.0.contains(&"addr 192.0.2.100 on 7".to_string()),
        "{:?}",
        rec.0
    );
    assert!(rec.0.contains(&"advert on 7".to_string()), "{:?}", rec.0);
    assert!(!rec.0.contains(&"advert on 2".to_string()), "{:?}", rec.0);
    // It listens where the kernel hands a peer's advert from the VRRP MAC
    // (its own VMAC has it too): on the VMAC.
    assert_eq!(rec.0.first().map(String::as_str), Some("join true on 7"));
    let garp = format!("garp on 7 {VRRP_MAC:02x?}");
    assert!(rec.0.contains(&garp), "{:?}", rec.0);
    let mut rec = Rec::default();
    n.stop(at(6000), &mut rec);
    let del = "delete vrrp.51 on eth0#2 idx7 [00, 00, 5e, 00, 01, 33] v6off=false";
    assert_eq!(rec.0.last().map(String::as_str), Some(del), "{:?}", rec.0);
}

#[test]
fn xmit_base_sends_adverts_from_the_base_and_keeps_the_vips_on_the_vmac() {
    let (n, rec) = run(&config("vmac_xmit_base"), ifaces(Some(VRRP_MAC)));
    assert_eq!(n.slots()[0].inst.state(), State::Master);
    assert!(rec.0.contains(&"advert on 2".to_string()), "{:?}", rec.0);
    assert!(!rec.0.contains(&"advert on 7".to_string()), "{:?}", rec.0);
    assert_eq!(rec.0.first().map(String::as_str), Some("join true on 2"));
    assert!(
        rec.0.contains(&"addr 192.0.2.100 on 7".to_string()),
        "{:?}",
        rec.0
    );
}

#[test]
fn a_missing_or_foreign_vmac_holds_the_instance_in_fault() {
    let (n, rec) = run(&config(""), ifaces(None));
    assert_eq!(n.slots()[0].inst.state(), State::Fault);
    assert!(!rec.0.iter().any(|l| l.starts_with("addr")), "{:?}", rec.0);
    let c = config("");
    let n = Box::new(
        Node::new(&mut c.clone(), ifaces(Some([2, 0, 0, 0, 0, 9])), false).expect("a plan"),
    );
    let mut rec = Rec::default();
    n.make_vmacs(&mut rec);
    assert_eq!(rec.0, ["conflict VI_1 vrrp.51"]);
    let (n, _) = run(&c, ifaces(Some([2, 0, 0, 0, 0, 9])));
    assert_eq!(n.slots()[0].inst.state(), State::Fault);
}

#[test]
fn a_deleted_vmac_is_made_again_and_the_instance_comes_back() {
    let (mut n, _) = run(&config(""), ifaces(Some(VRRP_MAC)));
    let mut rec = Rec::default();
    let gone = Link {
        msg_type: libc::RTM_DELLINK,
        ..link(VMAC, "vrrp.51", VRRP_MAC, false)
    };
    n.on_link(&gone, at(5000), &mut rec);
    assert_eq!(n.slots()[0].inst.state(), State::Fault);
    let want = "create vrrp.51 on eth0#2 idx0 [00, 00, 5e, 00, 01, 33] v6off=true";
    assert!(rec.0.contains(&want.to_string()), "{:?}", rec.0);
    n.on_link(
        &link(VMAC + 1, "vrrp.51", VRRP_MAC, true),
        at(5100),
        &mut rec,
    );
    assert_ne!(n.slots()[0].inst.state(), State::Fault);
}

/// Interfaces the instances name but the dump lacks are in the router's
/// table as gone (followed by name), though the router took the instances
/// out of the configuration it was given.
#[test]
fn named_interfaces_missing_from_the_dump_are_followed() {
    let c = config("track_interface {\n        eth9\n    }");
    let n = Box::new(Node::new(&mut c.clone(), ifaces(None), false).expect("a plan"));
    let eth9 = n.ifaces().by_name("eth9");
    assert!(eth9.is_some_and(|f| !f.exists()), "eth9 not followed");
}
