//! RTM_NEWROUTE / RTM_DELROUTE / RTM_NEWRULE / RTM_DELRULE builders against hand-computed bytes (host
//! byte order, so these hold on big-endian targets too). That the kernel
//! takes them as keepalived's are taken is tests/routes_live.rs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use tinyvrrpd::wire::EmitError;
use tinyvrrpd::wire::route::{
    AddMode, RouteRequest, RuleRequest, del_route, del_rule, new_route, new_rule,
};

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
    fn nlmsghdr(self, len: u32, ty: u16, flags: u16, seq: u32) -> Self {
        self.u32(len).u16(ty).u16(flags).u32(seq).u32(0)
    }
    /// rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type,
    /// flags.
    fn rtmsg(self, head: [u8; 8], flags: u32) -> Self {
        self.u8s(&head).u32(flags)
    }
    fn attr(self, ty: u16, payload: &[u8]) -> Self {
        let pad = (4 - payload.len() % 4) % 4;
        let len = u16::try_from(4 + payload.len()).unwrap();
        self.u16(len).u16(ty).u8s(payload).u8s(&[0, 0, 0][..pad])
    }
}

const RTM_NEWROUTE: u16 = 24;
const RTM_DELROUTE: u16 = 25;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_PRIORITY: u16 = 6;
const RTA_PREFSRC: u16 = 7;
const RTA_TABLE: u16 = 15;
/// REQUEST | ACK | CREATE.
const NEW_FLAGS: u16 = 0x1 | 0x4 | 0x400;

fn v4(a: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(a))
}

/// `203.0.113.0/25 via 192.0.2.9 dev (3) src 192.0.2.71 table 100 metric 7`.
fn unicast() -> RouteRequest {
    RouteRequest {
        dst: v4([203, 0, 113, 0]),
        dst_len: 25,
        kind: 1,
        via: Some(v4([192, 0, 2, 9])),
        oif: Some(3),
        src: Some(v4([192, 0, 2, 71])),
        table: 100,
        metric: Some(7),
        scope: None,
        protocol: 18,
        onlink: false,
        mode: AddMode::Prepend,
    }
}

fn built(
    f: fn(&mut [u8], u32, &RouteRequest) -> Result<usize, EmitError>,
    r: &RouteRequest,
) -> Vec<u8> {
    let mut buf = [0u8; 256];
    let n = f(&mut buf, 77, r).unwrap();
    buf[..n].to_vec()
}

#[test]
fn new_unicast_route() {
    let body = Bytes::default()
        .rtmsg([2, 25, 0, 0, 100, 18, 0, 1], 0)
        .attr(RTA_DST, &[203, 0, 113, 0])
        .attr(RTA_PREFSRC, &[192, 0, 2, 71])
        .attr(RTA_GATEWAY, &[192, 0, 2, 9])
        .attr(RTA_OIF, &3u32.to_ne_bytes())
        .attr(RTA_PRIORITY, &7u32.to_ne_bytes())
        .0;
    let want = Bytes::default()
        .nlmsghdr(16 + body.len() as u32, RTM_NEWROUTE, NEW_FLAGS, 77)
        .u8s(&body)
        .0;
    assert_eq!(built(new_route, &unicast()), want);
}

#[test]
fn delete_matches_any_scope() {
    let body = Bytes::default()
        .rtmsg([2, 25, 0, 0, 100, 18, 255, 1], 0)
        .attr(RTA_DST, &[203, 0, 113, 0])
        .attr(RTA_PREFSRC, &[192, 0, 2, 71])
        .attr(RTA_GATEWAY, &[192, 0, 2, 9])
        .attr(RTA_OIF, &3u32.to_ne_bytes())
        .attr(RTA_PRIORITY, &7u32.to_ne_bytes())
        .0;
    let want = Bytes::default()
        .nlmsghdr(16 + body.len() as u32, RTM_DELROUTE, 0x1 | 0x4, 77)
        .u8s(&body)
        .0;
    assert_eq!(built(del_route, &unicast()), want);
}

#[test]
fn big_table_default_blackhole_and_modes() {
    // A table above 255 travels as RTA_TABLE with rtm_table RT_TABLE_UNSPEC;
    // a default route has no RTA_DST.
    let r = RouteRequest {
        dst: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        dst_len: 0,
        kind: 6,
        via: None,
        oif: None,
        src: None,
        table: 1000,
        metric: None,
        scope: Some(253),
        protocol: 18,
        onlink: true,
        mode: AddMode::Excl,
    };
    let body = Bytes::default()
        .rtmsg([10, 0, 0, 0, 0, 18, 253, 6], 4)
        .attr(RTA_TABLE, &1000u32.to_ne_bytes())
        .0;
    let want = Bytes::default()
        .nlmsghdr(16 + body.len() as u32, RTM_NEWROUTE, NEW_FLAGS | 0x200, 77)
        .u8s(&body)
        .0;
    assert_eq!(built(new_route, &r), want);
    let append = RouteRequest {
        mode: AddMode::Append,
        ..r
    };
    let got = built(new_route, &append);
    assert_eq!(u16::from_ne_bytes([got[6], got[7]]), NEW_FLAGS | 0x800);
}

#[test]
fn refusals() {
    let mixed = RouteRequest {
        via: Some("2001:db8::1".parse().unwrap()),
        ..unicast()
    };
    let mut buf = [0u8; 256];
    assert_eq!(new_route(&mut buf, 1, &mixed), Err(EmitError::BadFamily));
    let mut small = [0u8; 30];
    assert!(new_route(&mut small, 1, &unicast()).is_err());
}

const RTM_NEWRULE: u16 = 32;
const RTM_DELRULE: u16 = 33;
const FRA_DST: u16 = 1;
const FRA_SRC: u16 = 2;
const FRA_IIFNAME: u16 = 3;
const FRA_PRIORITY: u16 = 6;
const FRA_FWMARK: u16 = 10;
const FRA_TABLE: u16 = 15;
const FRA_FWMASK: u16 = 16;
const FRA_PROTOCOL: u16 = 21;

fn from_to_table() -> RuleRequest<'static> {
    RuleRequest {
        v6: false,
        from: Some((v4([192, 0, 2, 100]), 32)),
        to: Some((v4([198, 51, 100, 0]), 24)),
        action: 1,
        table: 100,
        goto: 0,
        invert: false,
        priority: 100,
        tos: 0,
        fwmark: None,
        iif: None,
        oif: None,
        protocol: Some(18),
    }
}

#[test]
fn new_and_del_rule() {
    // fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2,
    // action, flags.
    let body = Bytes::default()
        .rtmsg([2, 24, 32, 0, 100, 0, 0, 1], 0)
        .attr(FRA_SRC, &[192, 0, 2, 100])
        .attr(FRA_DST, &[198, 51, 100, 0])
        .attr(FRA_PRIORITY, &100u32.to_ne_bytes())
        .attr(FRA_PROTOCOL, &[18])
        .0;
    let len = 16 + body.len() as u32;
    let want = Bytes::default()
        .nlmsghdr(len, RTM_NEWRULE, NEW_FLAGS | 0x200, 77)
        .u8s(&body)
        .0;
    let mut buf = [0u8; 256];
    let n = new_rule(&mut buf, 77, &from_to_table()).unwrap();
    assert_eq!(buf[..n], want[..]);
    let want = Bytes::default()
        .nlmsghdr(len, RTM_DELRULE, 0x1 | 0x4, 77)
        .u8s(&body)
        .0;
    let n = del_rule(&mut buf, 77, &from_to_table()).unwrap();
    assert_eq!(buf[..n], want[..]);
}

#[test]
fn rule_big_table_not_fwmark_iif() {
    let r = RuleRequest {
        from: None,
        to: None,
        table: 1000,
        invert: true,
        fwmark: Some((16, Some(255))),
        iif: Some("eth0"),
        protocol: None,
        ..from_to_table()
    };
    let body = Bytes::default()
        .rtmsg([2, 0, 0, 0, 0, 0, 0, 1], 2)
        .attr(FRA_TABLE, &1000u32.to_ne_bytes())
        .attr(FRA_PRIORITY, &100u32.to_ne_bytes())
        .attr(FRA_FWMARK, &16u32.to_ne_bytes())
        .attr(FRA_FWMASK, &255u32.to_ne_bytes())
        .attr(FRA_IIFNAME, b"eth0\0")
        .0;
    let want = Bytes::default()
        .nlmsghdr(16 + body.len() as u32, RTM_NEWRULE, NEW_FLAGS | 0x200, 77)
        .u8s(&body)
        .0;
    let mut buf = [0u8; 256];
    let n = new_rule(&mut buf, 77, &r).unwrap();
    assert_eq!(buf[..n], want[..]);
    let long = RuleRequest {
        iif: Some("a-name-too-long-x"),
        ..r
    };
    assert_eq!(new_rule(&mut buf, 1, &long), Err(EmitError::TooLong));
}
