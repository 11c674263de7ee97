//! rtnetlink builders and parsers against hand-computed bytes (host byte
//! order, so these hold on big-endian targets too).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use tinyvrrpd::wire::EmitError;
use tinyvrrpd::wire::netlink::{
    self, AF_INET, AF_INET6, AF_UNSPEC, Ack, AddrRequest, IFA_FLAGS, NlError, NlMsg,
};

/// Builds netlink bytes field by field, the way the expected values are
/// written down below.
#[derive(Default)]
struct Bytes(Vec<u8>);

impl Bytes {
    fn u8s(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }
    fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_ne_bytes());
        self
    }
    fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_ne_bytes());
        self
    }
    fn i32(mut self, v: i32) -> Self {
        self.0.extend_from_slice(&v.to_ne_bytes());
        self
    }
    fn nlmsghdr(self, len: u32, ty: u16, flags: u16, seq: u32, pid: u32) -> Self {
        self.u32(len).u16(ty).u16(flags).u32(seq).u32(pid)
    }
    fn attr(self, len: u16, ty: u16, payload: &[u8]) -> Self {
        let pad = (4 - payload.len() % 4) % 4;
        self.u16(len).u16(ty).u8s(payload).u8s(&[0, 0, 0][..pad])
    }
}

const VIP4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
const VIP6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100);

fn req4<'a>() -> AddrRequest<'a> {
    AddrRequest {
        index: 7,
        addr: IpAddr::V4(VIP4),
        prefix_len: 24,
        scope: 0,
        broadcast: None,
        label: None,
    }
}

fn req6<'a>() -> AddrRequest<'a> {
    AddrRequest {
        index: 7,
        addr: IpAddr::V6(VIP6),
        prefix_len: 64,
        scope: 0,
        broadcast: None,
        label: None,
    }
}

// NLM_F_REQUEST 1 | NLM_F_ACK 4 | NLM_F_EXCL 0x200 | NLM_F_CREATE 0x400
const NEWADDR_FLAGS: u16 = 0x605;
const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;

#[test]
fn new_addr_ipv4_plain() {
    let mut buf = [0u8; 128];
    let n = netlink::new_addr(&mut buf, 0x1234_5678, &req4()).unwrap();
    let want = Bytes::default()
        .nlmsghdr(40, RTM_NEWADDR, NEWADDR_FLAGS, 0x1234_5678, 0)
        .u8s(&[2, 24, 0, 0])
        .u32(7)
        .attr(8, 2, &[192, 0, 2, 100]) // IFA_LOCAL
        .attr(8, 1, &[192, 0, 2, 100]); // IFA_ADDRESS
    assert_eq!(&buf[..n], &want.0[..]);
}

#[test]
fn new_addr_ipv4_with_brd_and_label() {
    let mut req = req4();
    req.broadcast = Some(Ipv4Addr::new(192, 0, 2, 255));
    req.label = Some("v-r1:vip"); // 8 bytes + NUL = 9, padded to 12
    let mut buf = [0u8; 128];
    let n = netlink::new_addr(&mut buf, 1, &req).unwrap();
    let want = Bytes::default()
        .nlmsghdr(64, RTM_NEWADDR, NEWADDR_FLAGS, 1, 0)
        .u8s(&[2, 24, 0, 0])
        .u32(7)
        .attr(8, 2, &[192, 0, 2, 100])
        .attr(8, 1, &[192, 0, 2, 100])
        .attr(8, 4, &[192, 0, 2, 255]) // IFA_BROADCAST
        .attr(13, 3, b"v-r1:vip\0"); // IFA_LABEL
    assert_eq!(&buf[..n], &want.0[..]);
    assert_eq!(n % 4, 0);
}

#[test]
fn new_addr_ipv6_nodad() {
    let mut buf = [0u8; 128];
    let n = netlink::new_addr(&mut buf, 2, &req6()).unwrap();
    let want = Bytes::default()
        .nlmsghdr(72, RTM_NEWADDR, NEWADDR_FLAGS, 2, 0)
        .u8s(&[10, 64, 0, 0])
        .u32(7)
        .attr(20, 2, &VIP6.octets())
        .attr(20, 1, &VIP6.octets())
        .attr(8, IFA_FLAGS, &2u32.to_ne_bytes()); // IFA_F_NODAD
    assert_eq!(&buf[..n], &want.0[..]);
}

#[test]
fn del_addr_both_families() {
    let mut buf = [0u8; 128];
    let n = netlink::del_addr(&mut buf, 3, &req4()).unwrap();
    let want = Bytes::default()
        .nlmsghdr(40, RTM_DELADDR, 0x5, 3, 0)
        .u8s(&[2, 24, 0, 0])
        .u32(7)
        .attr(8, 2, &[192, 0, 2, 100])
        .attr(8, 1, &[192, 0, 2, 100]);
    assert_eq!(&buf[..n], &want.0[..]);
    let n = netlink::del_addr(&mut buf, 4, &req6()).unwrap();
    let want = Bytes::default()
        .nlmsghdr(64, RTM_DELADDR, 0x5, 4, 0)
        .u8s(&[10, 64, 0, 0])
        .u32(7)
        .attr(20, 2, &VIP6.octets())
        .attr(20, 1, &VIP6.octets());
    assert_eq!(&buf[..n], &want.0[..]);
}

#[test]
fn dump_requests() {
    let mut buf = [0u8; 64];
    let n = netlink::dump_links(&mut buf, 5).unwrap();
    // NLM_F_REQUEST | NLM_F_DUMP (0x300); IFLA_EXT_MASK (29) =
    // RTEXT_FILTER_SKIP_STATS (8).
    let want = Bytes::default()
        .nlmsghdr(40, 18, 0x301, 5, 0)
        .u8s(&[0, 0])
        .u16(0)
        .i32(0)
        .u32(0)
        .u32(0)
        .attr(8, 29, &8u32.to_ne_bytes());
    assert_eq!(&buf[..n], &want.0[..]);
    for family in [AF_UNSPEC, AF_INET, AF_INET6] {
        let n = netlink::dump_addrs(&mut buf, 6, family).unwrap();
        let want = Bytes::default()
            .nlmsghdr(24, 22, 0x301, 6, 0)
            .u8s(&[family, 0, 0, 0])
            .u32(0);
        assert_eq!(&buf[..n], &want.0[..]);
    }
}

#[test]
fn builder_errors() {
    let mut small = [0u8; 39];
    assert_eq!(
        netlink::new_addr(&mut small, 1, &req4()),
        Err(EmitError::BufferTooSmall)
    );
    let mut buf = [0u8; 128];
    let mut long = req4();
    long.label = Some("sixteen-chars-xx");
    assert_eq!(
        netlink::new_addr(&mut buf, 1, &long),
        Err(EmitError::TooLong)
    );
    let mut v6_brd = req6();
    v6_brd.broadcast = Some(Ipv4Addr::new(192, 0, 2, 255));
    assert_eq!(
        netlink::new_addr(&mut buf, 1, &v6_brd),
        Err(EmitError::BadFamily)
    );
    let mut v6_label = req6();
    v6_label.label = Some("v-r1:1");
    assert_eq!(
        netlink::new_addr(&mut buf, 1, &v6_label),
        Err(EmitError::BadFamily)
    );
}

/// An NLMSG_ERROR as the kernel sends it: error, then the request header.
fn nlmsgerr(seq: u32, error: i32) -> Vec<u8> {
    Bytes::default()
        .nlmsghdr(36, 2, 0x100, seq, 4242)
        .i32(error)
        .nlmsghdr(40, RTM_NEWADDR, NEWADDR_FLAGS, seq, 0)
        .0
}

#[test]
fn acks_in_one_buffer() {
    let mut buf = nlmsgerr(10, 0);
    buf.extend(nlmsgerr(11, -libc::EEXIST));
    buf.extend(nlmsgerr(12, -libc::EADDRNOTAVAIL));
    let acks: Vec<NlMsg> = netlink::messages(&buf)
        .map(|m| m.unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        acks,
        [
            NlMsg::Ack(Ack { seq: 10, errno: 0 }),
            NlMsg::Ack(Ack {
                seq: 11,
                errno: libc::EEXIST
            }),
            NlMsg::Ack(Ack {
                seq: 12,
                errno: libc::EADDRNOTAVAIL
            }),
        ]
    );
}

fn ifinfomsg(index: i32, flags: u32) -> Bytes {
    Bytes::default()
        .u8s(&[0, 0])
        .u16(1)
        .i32(index)
        .u32(flags)
        .u32(0)
}

#[test]
fn link_dump_reply() {
    // lo and v-r1 as a dump (NLM_F_MULTI), then NLMSG_DONE.
    let lo = ifinfomsg(1, 0x10049) // UP|LOOPBACK|RUNNING|LOWER_UP
        .attr(7, 3, b"lo\0")
        .attr(10, 1, &[0; 6])
        .attr(5, 16, &[0]) // IF_OPER_UNKNOWN
        .attr(8, 4, &65536u32.to_ne_bytes()); // IFLA_MTU, ignored
    let v = ifinfomsg(7, 0x11043) // UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP
        .attr(9, 3, b"v-r1\0")
        .attr(10, 1, &[2, 0, 0, 0, 0, 1])
        .attr(5, 16, &[6]); // IF_OPER_UP
    let mut buf = Vec::new();
    for body in [lo, v] {
        let len = 16 + body.0.len() as u32;
        buf.extend(
            Bytes::default()
                .nlmsghdr(len, 16, 2, 99, 4242)
                .u8s(&body.0)
                .0,
        );
    }
    buf.extend(Bytes::default().nlmsghdr(20, 3, 2, 99, 4242).i32(0).0);

    let msgs: Vec<NlMsg> = netlink::messages(&buf)
        .map(|m| m.unwrap().parse().unwrap())
        .collect();
    assert_eq!(msgs.len(), 3);
    let NlMsg::Link(lo) = msgs[0] else {
        panic!("{:?}", msgs[0])
    };
    assert_eq!(
        (lo.index, lo.name, lo.mac, lo.operstate),
        (1, Some("lo"), Some([0; 6]), Some(0))
    );
    let NlMsg::Link(v) = msgs[1] else {
        panic!("{:?}", msgs[1])
    };
    assert_eq!(v.msg_type, 16);
    assert_eq!(v.index, 7);
    assert_eq!(v.name, Some("v-r1"));
    assert_eq!(v.mac, Some([2, 0, 0, 0, 0, 1]));
    assert_eq!(v.operstate, Some(6));
    assert!(v.is_up() && v.is_running() && v.is_lower_up());
    assert_eq!(msgs[2], NlMsg::Done { seq: 99, errno: 0 });

    // The same link going down, as an RTM_NEWLINK notification.
    let down = ifinfomsg(7, 0x1002).attr(9, 3, b"v-r1\0").attr(5, 16, &[2]);
    let note = Bytes::default()
        .nlmsghdr(16 + down.0.len() as u32, 16, 0, 0, 0)
        .u8s(&down.0)
        .0;
    let m = netlink::messages(&note).next().unwrap().unwrap();
    let NlMsg::Link(l) = m.parse().unwrap() else {
        panic!()
    };
    assert!(!l.is_up() && !l.is_running() && !l.is_lower_up());
    assert_eq!(l.operstate, Some(2));
}

#[test]
fn addr_dump_reply() {
    let primary = Bytes::default()
        .u8s(&[2, 24, 0x80, 0]) // IFA_F_PERMANENT
        .u32(7)
        .attr(8, 1, &[192, 0, 2, 1])
        .attr(8, 2, &[192, 0, 2, 1])
        .attr(8, 4, &[192, 0, 2, 255])
        .attr(9, 3, b"v-r1\0")
        .attr(8, IFA_FLAGS, &0x80u32.to_ne_bytes());
    let secondary = Bytes::default()
        .u8s(&[2, 24, 0x01, 0]) // IFA_F_SECONDARY
        .u32(7)
        .attr(8, 1, &[192, 0, 2, 100])
        .attr(8, 2, &[192, 0, 2, 100])
        .attr(13, 3, b"v-r1:vip\0")
        .attr(8, IFA_FLAGS, &0x01u32.to_ne_bytes());
    let ll = Bytes::default()
        .u8s(&[10, 64, 0x80, 253]) // RT_SCOPE_LINK
        .u32(7)
        .attr(
            20,
            1,
            &"fe80::ff:fe00:1".parse::<Ipv6Addr>().unwrap().octets(),
        )
        // IFA_F_PERMANENT | IFA_F_TENTATIVE
        .attr(8, IFA_FLAGS, &0xc0u32.to_ne_bytes());
    let mut buf = Vec::new();
    for body in [primary, secondary, ll] {
        let len = 16 + body.0.len() as u32;
        buf.extend(Bytes::default().nlmsghdr(len, 20, 2, 7, 0).u8s(&body.0).0);
    }
    buf.extend(Bytes::default().nlmsghdr(20, 3, 2, 7, 0).i32(0).0);

    let msgs: Vec<NlMsg> = netlink::messages(&buf)
        .map(|m| m.unwrap().parse().unwrap())
        .collect();
    let NlMsg::Addr(p) = msgs[0] else { panic!() };
    assert_eq!(p.addr(), Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))));
    assert_eq!(p.broadcast, Some(Ipv4Addr::new(192, 0, 2, 255)));
    assert_eq!(
        (p.family, p.prefix_len, p.scope, p.index),
        (AF_INET, 24, 0, 7)
    );
    assert_eq!(p.label, Some("v-r1"));
    assert!(!p.is_secondary());
    let NlMsg::Addr(s) = msgs[1] else { panic!() };
    assert!(s.is_secondary());
    assert_eq!(s.label, Some("v-r1:vip"));
    assert_eq!(s.local, Some(IpAddr::V4(VIP4)));
    let NlMsg::Addr(l) = msgs[2] else { panic!() };
    assert_eq!(l.family, AF_INET6);
    assert_eq!(l.local, None);
    assert_eq!(l.addr(), Some("fe80::ff:fe00:1".parse().unwrap()));
    assert_eq!(l.scope, 253);
    assert!(l.is_tentative());
    assert_eq!(msgs[3], NlMsg::Done { seq: 7, errno: 0 });
}

#[test]
fn our_requests_parse_as_addresses() {
    // The notification the kernel sends back for our own NEWADDR has the
    // same shape; the parser reads our builder's output.
    let mut req = req4();
    req.label = Some("v-r1:vip");
    req.broadcast = Some(Ipv4Addr::new(192, 0, 2, 255));
    let mut buf = [0u8; 128];
    let n = netlink::new_addr(&mut buf, 1, &req).unwrap();
    let m = netlink::messages(&buf[..n]).next().unwrap().unwrap();
    let NlMsg::Addr(a) = m.parse().unwrap() else {
        panic!()
    };
    assert_eq!(a.addr(), Some(IpAddr::V4(VIP4)));
    assert_eq!(a.label, Some("v-r1:vip"));
    assert_eq!(a.broadcast, req.broadcast);
    let n = netlink::new_addr(&mut buf, 1, &req6()).unwrap();
    let m = netlink::messages(&buf[..n]).next().unwrap().unwrap();
    let NlMsg::Addr(a) = m.parse().unwrap() else {
        panic!()
    };
    assert_eq!(a.flags, 2);
}

#[test]
fn other_types_are_skipped() {
    let buf = Bytes::default().nlmsghdr(16, 1, 0, 0, 0).0; // NLMSG_NOOP
    let m = netlink::messages(&buf).next().unwrap().unwrap();
    assert_eq!(m.parse(), Ok(NlMsg::Other(1)));
}

#[test]
fn malformed_buffers() {
    // Header cut short.
    let full = nlmsgerr(1, 0);
    let mut it = netlink::messages(&full[..10]);
    assert_eq!(it.next(), Some(Err(NlError::Truncated)));
    assert_eq!(it.next(), None);
    // nlmsg_len beyond the buffer.
    let mut it = netlink::messages(&full[..30]);
    assert_eq!(it.next(), Some(Err(NlError::Truncated)));
    // nlmsg_len below the header size.
    let bad = Bytes::default().nlmsghdr(8, 2, 0, 0, 0).0;
    assert_eq!(
        netlink::messages(&bad).next(),
        Some(Err(NlError::BadLength))
    );
    // An error message without its error code.
    let short = Bytes::default().nlmsghdr(18, 2, 0, 0, 0).u16(0).0;
    let m = netlink::messages(&short).next().unwrap().unwrap();
    assert_eq!(m.parse(), Err(NlError::Truncated));
    // An attribute whose length overruns the message.
    let body = Bytes::default()
        .u8s(&[2, 24, 0, 0])
        .u32(7)
        .u16(40)
        .u16(1)
        .u8s(&[192, 0, 2, 1]);
    let buf = Bytes::default().nlmsghdr(32, 20, 0, 0, 0).u8s(&body.0).0;
    let m = netlink::messages(&buf).next().unwrap().unwrap();
    assert_eq!(m.parse(), Err(NlError::Truncated));
    // An IPv4 address attribute of the wrong size.
    let body = Bytes::default()
        .u8s(&[2, 24, 0, 0])
        .u32(7)
        .attr(7, 1, &[192, 0, 2]);
    let buf = Bytes::default().nlmsghdr(32, 20, 0, 0, 0).u8s(&body.0).0;
    let m = netlink::messages(&buf).next().unwrap().unwrap();
    assert_eq!(m.parse(), Err(NlError::BadAttr));
    // An attribute length below its header.
    let body = Bytes::default().u8s(&[2, 24, 0, 0]).u32(7).u16(2).u16(1);
    let buf = Bytes::default().nlmsghdr(28, 20, 0, 0, 0).u8s(&body.0).0;
    let m = netlink::messages(&buf).next().unwrap().unwrap();
    assert_eq!(m.parse(), Err(NlError::BadLength));
}
