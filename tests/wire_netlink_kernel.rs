//! The netlink parsers on real kernel replies to our own requests (see the
//! header of tests/data/wire/netlink-kernel-replies.txt). Captured on a
//! little-endian host; netlink is host order, so these bytes only mean the
//! same thing there.
#![cfg(target_endian = "little")]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use tinyvrrpd::wire::netlink::{self, AF_INET, AF_INET6, Ack, NlMsg};

const REPLIES: &str = include_str!("data/wire/netlink-kernel-replies.txt");

fn reply(name: &str) -> Vec<u8> {
    let hex = REPLIES
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn parsed(buf: &[u8]) -> Vec<NlMsg<'_>> {
    netlink::messages(buf)
        .map(|m| m.unwrap().parse().unwrap())
        .collect()
}

#[test]
fn acks_and_errors() {
    for (name, seq, errno) in [
        ("NEW4", 1, 0),
        // The errnos are the capturing host's (x86_64) numbers, not this
        // target's: EADDRNOTAVAIL is 99 there and 126 on MIPS.
        ("NEW4AGAIN", 2, 17),
        ("NEW6", 3, 0),
        ("DEL4", 6, 0),
        ("DEL6", 7, 0),
        ("DEL6AGAIN", 8, 99),
    ] {
        let buf = reply(name);
        assert_eq!(parsed(&buf), [NlMsg::Ack(Ack { seq, errno })], "{name}");
    }
}

#[test]
fn link_dump() {
    let buf = reply("LINKS");
    let msgs = parsed(&buf);
    assert_eq!(msgs.len(), 4);
    assert_eq!(msgs[3], NlMsg::Done { seq: 4, errno: 0 });
    let links: Vec<_> = msgs
        .iter()
        .filter_map(|m| match m {
            NlMsg::Link(l) => Some(*l),
            _ => None,
        })
        .collect();
    assert_eq!(
        links.iter().map(|l| (l.index, l.name)).collect::<Vec<_>>(),
        [(1, Some("lo")), (2, Some("v-obs")), (3, Some("v-r1"))]
    );
    let lo = links[0];
    assert!(!lo.is_up());
    let v = links[2];
    assert_eq!(v.mac, Some([2, 0, 0, 0, 0, 1]));
    assert!(v.is_up() && v.is_running() && v.is_lower_up());
    assert_eq!(v.operstate, Some(6)); // IF_OPER_UP
}

#[test]
fn addr_dump() {
    let buf = reply("ADDRS");
    let msgs = parsed(&buf);
    assert_eq!(msgs.last(), Some(&NlMsg::Done { seq: 5, errno: 0 }));
    let addrs: Vec<_> = msgs
        .iter()
        .filter_map(|m| match m {
            NlMsg::Addr(a) => Some(*a),
            _ => None,
        })
        .collect();
    assert_eq!(addrs.len(), 5);

    let primary = addrs[0];
    assert_eq!(
        (primary.family, primary.index, primary.prefix_len),
        (AF_INET, 3, 24)
    );
    assert_eq!(
        primary.addr(),
        Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))
    );
    assert!(!primary.is_secondary());

    let vip = addrs[1];
    assert_eq!(vip.addr(), Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))));
    assert!(vip.is_secondary());
    assert_eq!(vip.label, Some("v-r1:vip"));
    assert_eq!(vip.broadcast, Some(Ipv4Addr::new(192, 0, 2, 255)));

    // v-obs' link-local, still in DAD.
    let obs_ll = addrs[2];
    assert_eq!(
        (obs_ll.family, obs_ll.index, obs_ll.scope),
        (AF_INET6, 2, 253)
    );
    assert!(obs_ll.is_tentative());

    let vip6 = addrs[3];
    assert_eq!(
        vip6.addr(),
        Some(IpAddr::V6(Ipv6Addr::new(
            0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100
        )))
    );
    assert_eq!(vip6.flags & libc::IFA_F_NODAD, libc::IFA_F_NODAD);
    assert!(!vip6.is_tentative());

    let ll = addrs[4];
    assert_eq!(ll.addr(), Some("fe80::ff:fe00:1".parse().unwrap()));
    assert_eq!((ll.index, ll.scope), (3, 253));
}
