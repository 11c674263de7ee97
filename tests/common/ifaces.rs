//! Interface tables for the tests that drive the router alone (no kernel):
//! what a dump would give it.

use std::net::{IpAddr, Ipv4Addr};

use tinyvrrpd::node::iface::{Iface, Ifaces};
use tinyvrrpd::wire::netlink::{Addr, Link};

/// eth0's MAC in these tables.
pub const ETH0_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];

/// An RTM_NEWLINK of `name` at `index`, up and running or down.
pub fn link(index: u32, name: &str, mac: [u8; 6], up: bool) -> Link<'_> {
    let flags = if up {
        libc::IFF_UP | libc::IFF_RUNNING
    } else {
        0
    };
    Link {
        msg_type: libc::RTM_NEWLINK,
        index,
        flags: flags as u32,
        name: Some(name),
        mac: Some(mac),
        operstate: Some(if up { 6 } else { 2 }),
    }
}

/// A table of eth0 at `index`, up, with `ip`/24.
pub fn eth0(index: u32, ip: Ipv4Addr) -> Ifaces {
    let mut t = Ifaces::new();
    let eth0 = Iface::new(&link(index, "eth0", ETH0_MAC, true)).expect("eth0");
    t.push(eth0).expect("room");
    let me = IpAddr::V4(ip);
    t.apply_addr(&Addr {
        msg_type: libc::RTM_NEWADDR,
        family: libc::AF_INET as u8,
        prefix_len: 24,
        flags: 0,
        scope: 0,
        index,
        address: Some(me),
        local: Some(me),
        broadcast: None,
        label: None,
    });
    t
}
