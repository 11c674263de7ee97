//! VIP labels (issue 14 item 2), live, next to keepalived 2.2.7: the
//! label OpenWrt's generator writes on an IPv6 VIP is dropped with
//! keepalived's warning and the address installed on the master; an IPv4
//! label reaches the kernel.

mod common;

use std::time::Duration;

use common::*;

const GENEROUS: Duration = Duration::from_secs(10);
const STEP: Duration = Duration::from_millis(50);

fn conf() -> String {
    "vrrp_instance V6 {\n  interface eth0\n  virtual_router_id 61\n  priority 200\n  \
     advert_int 0.1\n  virtual_ipaddress {\n    2001:db8::61/64 dev eth0 label eth0:v6\n  }\n}\n\
     vrrp_instance V4 {\n  interface eth0\n  virtual_router_id 62\n  priority 200\n  \
     advert_int 0.1\n  version 3\n  virtual_ipaddress {\n    192.0.2.62/24 dev eth0 label eth0:vip\n  }\n}\n"
        .to_string()
}

fn check(keepalived: bool) {
    let lan = Lan::new(1);
    let d = if keepalived {
        lan.spawn_keepalived(1, &conf())
    } else {
        lan.spawn(1, &conf())
    };
    let who = if keepalived {
        "keepalived"
    } else {
        "tinyvrrpd"
    };
    let both = || has_vip(lan.r(1), "2001:db8::61") && has_vip(lan.r(1), "192.0.2.62");
    assert!(
        wait_until(GENEROUS, STEP, both).is_some(),
        "{who}: VIPs not installed:\n{}\n{}",
        show(lan.r(1)),
        d.log()
    );
    let text = must(&["ip", "-n", lan.r(1), "-o", "addr", "show", "dev", "eth0"]);
    assert!(
        text.lines()
            .any(|l| l.contains("192.0.2.62/24") && l.contains(" eth0:vip")),
        "{who}: the IPv4 label is missing:\n{text}"
    );
    let warning = "Cannot specify label for IPv6 addresses (2001:db8::61/64) - ignoring label";
    assert!(d.log().contains(warning), "{who}: no warning:\n{}", d.log());
}

#[test]
fn ipv6_vip_with_label_is_installed_like_keepalived() {
    if !root_or_skip() {
        return;
    }
    check(false);
    check(true);
}
