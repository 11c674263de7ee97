//! Netlink dumps over the request socket (subscribed to nothing, so no
//! notification is ever read past or lost): the interfaces as they are now,
//! at start, on reload and after lost notifications.

use crate::config::Config;
use crate::limits::MAX_INTERFACES;
use crate::node::iface::{Iface, Ifaces};
use crate::sys::clock;
use crate::sys::netlink::Netlink;
use crate::sys::{Errno, SysError};
use crate::time::Duration;
use crate::wire::netlink::{self as nl, NlMsg};

use super::options::StartError;

/// Netlink replies: a dump of many interfaces comes in large datagrams.
pub const NL_BUF: usize = 32 * 1024;

/// The names of the interfaces `config` uses: what MAX_INTERFACES bounds
/// (the instances' own, their VIPs' and the tracked ones).
pub fn wanted(config: &Config) -> Vec<&str> {
    // Sorted and without repeats, kept so as they come (a few names).
    let mut names: Vec<&str> = Vec::new();
    for n in crate::node::named_ifaces(config) {
        if let Err(at) = names.binary_search(&n) {
            names.insert(at, n);
        }
    }
    names
}

/// Dump links and addresses (blocking, bounded): the interfaces named
/// `wanted`, as they are now.
pub fn interfaces(
    nl_sock: &mut Netlink,
    buf: &mut [u8],
    wanted: &[&str],
) -> Result<Ifaces, StartError> {
    let mut table = Ifaces::new();
    let mut full = false;
    dump(nl_sock, buf, true, &mut |m| {
        let NlMsg::Link(l) = m else {
            return;
        };
        if l.name.is_some_and(|n| wanted.contains(&n)) {
            if let Some(f) = Iface::new(&l) {
                full |= table.push(f).is_err();
            }
        }
    })?;
    // Those not there yet are followed by name from the start.
    for name in wanted {
        if table.by_name(name).is_none() {
            if let Some(f) = Iface::gone(name) {
                full |= table.push(f).is_err();
            }
        }
    }
    if full {
        // The limit written out (checked below): no format! for it (size:
        // issue 17).
        const _: () = assert!(MAX_INTERFACES == 32);
        let e = "too many interfaces: limit MAX_INTERFACES is 32";
        return Err(StartError::Interface(e));
    }
    dump(nl_sock, buf, false, &mut |m| {
        if let NlMsg::Addr(a) = m {
            table.apply_addr(&a);
        }
    })?;
    for k in 0..table.len() {
        let on = ipv6_forwarding(&table[k].name);
        table.set_router6(k, on);
    }
    Ok(table)
}

/// Ask for a dump of the links (`links`) or of the addresses, and read
/// its replies into `f`: one sending for both dumps.
fn dump(
    nl_sock: &mut Netlink,
    buf: &mut [u8],
    links: bool,
    f: &mut dyn FnMut(NlMsg<'_>),
) -> Result<(), StartError> {
    let mut req = [0u8; 64];
    let seq = nl_sock.next_seq();
    let n = match links {
        true => nl::dump_links(&mut req, seq),
        false => nl::dump_addrs(&mut req, seq, nl::AF_UNSPEC),
    };
    let n = n.map_err(|_| StartError::Interface("netlink request too large"))?;
    nl_sock.send(&req[..n])?;
    read(nl_sock, buf, seq, f)
}

/// Wait for the ack of request `seq` on the request socket.
pub fn wait_ack(nl_sock: &mut Netlink, buf: &mut [u8], seq: u32) -> Result<(), SysError> {
    read(nl_sock, buf, seq, &mut |_| {}).map_err(|e| match e {
        StartError::Sys(s) => s,
        _ => SysError::new("netlink request", Errno::ETIMEDOUT),
    })
}

/// Read the replies to `seq` until the dump's NLMSG_DONE or the request's
/// ack, for at most 2 s.
fn read(
    nl_sock: &mut Netlink,
    buf: &mut [u8],
    seq: u32,
    f: &mut dyn FnMut(NlMsg<'_>),
) -> Result<(), StartError> {
    let deadline = clock::now() + Duration::from_secs(2);
    loop {
        if clock::now() > deadline {
            return Err(StartError::Interface(
                "netlink dump did not finish within 2 s",
            ));
        }
        if !nl_sock.wait(100)? {
            continue;
        }
        let Some(n) = nl_sock.recv(buf)? else {
            continue;
        };
        for m in nl::messages(buf.get(..n).unwrap_or_default()).ok() {
            if m.seq != seq {
                continue;
            }
            match m.parse() {
                Ok(NlMsg::Done { .. }) | Ok(NlMsg::Ack(nl::Ack { errno: 0, .. })) => {
                    return Ok(());
                }
                Ok(NlMsg::Ack(a)) => {
                    return Err(StartError::Sys(SysError::new(
                        "netlink request",
                        Errno::from_raw(a.errno),
                    )));
                }
                Ok(msg) => f(msg),
                Err(_) => {}
            }
        }
    }
}

/// Whether IPv6 forwarding is on for `ifname` (the NA Router flag).
pub fn ipv6_forwarding(ifname: &str) -> bool {
    crate::sys::sysctl::read("ipv6", ifname, "forwarding") == Some(1)
}
