//! rtnetlink route requests, hand-coded: RTM_NEWROUTE and RTM_DELROUTE
//! for `virtual_routes` and `static_routes`, with the fields keepalived
//! 2.2.7 fills in (vrrp_iproute.c `netlink_route`).
//!
//! ```text
//! rtmsg (12): | family u8 | dst_len u8 | src_len u8 | tos u8 | table u8 |
//!             | protocol u8 | scope u8 | type u8 | flags u32 |
//! ```
//!
//! Attributes, in keepalived's order: RTA_TABLE (only for a table above
//! 255; rtm_table is then RT_TABLE_UNSPEC), RTA_DST (not for a default
//! route, as `ip route`), RTA_PREFSRC, RTA_GATEWAY, RTA_OIF, RTA_PRIORITY.

use core::net::IpAddr;

use super::EmitError;
use super::netlink::{
    AF_INET, AF_INET6, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, Writer, addr_family,
    put_addr_attr, put_name,
};

const NLM_F_APPEND: u16 = libc::NLM_F_APPEND as u16;
/// `RT_SCOPE_NOWHERE`: a delete matches a route of any scope.
const RT_SCOPE_NOWHERE: u8 = 255;
/// `RTNH_F_ONLINK`.
const RTNH_F_ONLINK: u32 = 4;
pub const RTMSG_LEN: usize = 12;

/// How a new route goes in: NLM_F_CREATE, with EXCL (`add`) or APPEND
/// (`append`) when the config says so.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AddMode {
    Prepend,
    Excl,
    Append,
}

/// One route to add or delete.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RouteRequest {
    pub dst: IpAddr,
    pub dst_len: u8,
    /// `RTN_*`.
    pub kind: u8,
    pub via: Option<IpAddr>,
    /// Interface index of `dev`.
    pub oif: Option<u32>,
    /// RTA_PREFSRC.
    pub src: Option<IpAddr>,
    pub table: u32,
    pub metric: Option<u32>,
    /// None: RT_SCOPE_UNIVERSE on add, RT_SCOPE_NOWHERE on delete.
    pub scope: Option<u8>,
    pub protocol: u8,
    pub onlink: bool,
    pub mode: AddMode,
}

/// RTM_NEWROUTE with NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE (and EXCL or
/// APPEND by `mode`).
pub fn new_route(buf: &mut [u8], seq: u32, r: &RouteRequest) -> Result<usize, EmitError> {
    let extra = match r.mode {
        AddMode::Prepend => 0,
        AddMode::Excl => NLM_F_EXCL,
        AddMode::Append => NLM_F_APPEND,
    };
    let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | extra;
    let w = Writer::new(buf, libc::RTM_NEWROUTE, flags, seq);
    route_body(w, r, r.scope.unwrap_or(0))
}

/// RTM_DELROUTE with NLM_F_REQUEST|NLM_F_ACK. The same fields as the add,
/// scope RT_SCOPE_NOWHERE unless the config gave one: the kernel deletes
/// the route whose given fields match (the protocol among them, so a route
/// someone else put there with another protocol stays). A missing route
/// comes back as ESRCH.
pub fn del_route(buf: &mut [u8], seq: u32, r: &RouteRequest) -> Result<usize, EmitError> {
    let w = Writer::new(buf, libc::RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, seq);
    route_body(w, r, r.scope.unwrap_or(RT_SCOPE_NOWHERE))
}

fn route_body(mut w: Writer<'_>, r: &RouteRequest, scope: u8) -> Result<usize, EmitError> {
    let family = addr_family(r.dst);
    if r.via.is_some_and(|v| addr_family(v) != family)
        || r.src.is_some_and(|s| addr_family(s) != family)
    {
        w.fail(EmitError::BadFamily);
        return w.finish();
    }
    let table = u8::try_from(r.table).unwrap_or(libc::RT_TABLE_UNSPEC);
    w.put(&[family, r.dst_len, 0, 0, table, r.protocol, scope, r.kind]);
    w.put_u32(if r.onlink { RTNH_F_ONLINK } else { 0 });
    if r.table > 255 {
        w.attr_u32(libc::RTA_TABLE, r.table);
    }
    if r.dst_len > 0 {
        put_addr_attr(&mut w, libc::RTA_DST, &r.dst);
    }
    if let Some(src) = &r.src {
        put_addr_attr(&mut w, libc::RTA_PREFSRC, src);
    }
    if let Some(via) = &r.via {
        put_addr_attr(&mut w, libc::RTA_GATEWAY, via);
    }
    if let Some(oif) = r.oif {
        w.attr_u32(libc::RTA_OIF, oif);
    }
    if let Some(m) = r.metric {
        w.attr_u32(libc::RTA_PRIORITY, m);
    }
    w.finish()
}

/// `FRA_*` from <linux/fib_rules.h>.
const FRA_DST: u16 = 1;
const FRA_SRC: u16 = 2;
const FRA_IIFNAME: u16 = 3;
const FRA_GOTO: u16 = 4;
const FRA_PRIORITY: u16 = 6;
const FRA_FWMARK: u16 = 10;
const FRA_TABLE: u16 = 15;
const FRA_FWMASK: u16 = 16;
const FRA_OIFNAME: u16 = 17;
const FRA_PROTOCOL: u16 = 21;
/// `FIB_RULE_INVERT` (`not`).
const FIB_RULE_INVERT: u32 = 2;
/// `FR_ACT_TO_TBL`.
const FR_ACT_TO_TBL: u8 = 1;
/// `FR_ACT_GOTO`.
const FR_ACT_GOTO: u8 = 2;
pub const FIB_RULE_HDR_LEN: usize = 12;

/// One policy-routing rule to add or delete.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RuleRequest<'a> {
    pub v6: bool,
    pub from: Option<(IpAddr, u8)>,
    pub to: Option<(IpAddr, u8)>,
    /// `FR_ACT_*`.
    pub action: u8,
    pub table: u32,
    pub goto: u32,
    pub invert: bool,
    pub priority: u32,
    pub tos: u8,
    pub fwmark: Option<(u32, Option<u32>)>,
    pub iif: Option<&'a str>,
    pub oif: Option<&'a str>,
    pub protocol: Option<u8>,
}

/// RTM_NEWRULE with NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE|NLM_F_EXCL, as
/// keepalived (vrrp_iprule.c `netlink_rule`): a rule already there comes
/// back as EEXIST.
pub fn new_rule(buf: &mut [u8], seq: u32, r: &RuleRequest<'_>) -> Result<usize, EmitError> {
    let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    let w = Writer::new(buf, libc::RTM_NEWRULE, flags, seq);
    rule_body(w, r)
}

/// RTM_DELRULE with NLM_F_REQUEST|NLM_F_ACK and the same fields: the kernel
/// deletes the rule they match (ENOENT when there is none).
pub fn del_rule(buf: &mut [u8], seq: u32, r: &RuleRequest<'_>) -> Result<usize, EmitError> {
    let w = Writer::new(buf, libc::RTM_DELRULE, NLM_F_REQUEST | NLM_F_ACK, seq);
    rule_body(w, r)
}

/// fib_rule_hdr (12): | family | dst_len | src_len | tos | table | res1 |
/// res2 | action | flags u32 |, then the attributes in keepalived's order.
fn rule_body(mut w: Writer<'_>, r: &RuleRequest<'_>) -> Result<usize, EmitError> {
    let family = if r.v6 { AF_INET6 } else { AF_INET };
    let other = |e: &Option<(IpAddr, u8)>| e.is_some_and(|(a, _)| addr_family(a) != family);
    if other(&r.from) || other(&r.to) {
        w.fail(EmitError::BadFamily);
        return w.finish();
    }
    let len_of = |e: Option<(IpAddr, u8)>| e.map_or(0, |(_, l)| l);
    let table = match (r.action, u8::try_from(r.table)) {
        (FR_ACT_TO_TBL, Ok(t)) => t,
        _ => libc::RT_TABLE_UNSPEC,
    };
    w.put(&[
        family,
        len_of(r.to),
        len_of(r.from),
        r.tos,
        table,
        0,
        0,
        r.action,
    ]);
    w.put_u32(if r.invert { FIB_RULE_INVERT } else { 0 });
    if r.action == FR_ACT_TO_TBL && r.table > 255 {
        w.attr_u32(FRA_TABLE, r.table);
    }
    if let Some((a, _)) = &r.from {
        put_addr_attr(&mut w, FRA_SRC, a);
    }
    if let Some((a, _)) = &r.to {
        put_addr_attr(&mut w, FRA_DST, a);
    }
    w.attr_u32(FRA_PRIORITY, r.priority);
    if let Some((mark, mask)) = r.fwmark {
        w.attr_u32(FRA_FWMARK, mark);
        if let Some(m) = mask {
            w.attr_u32(FRA_FWMASK, m);
        }
    }
    if let Some(n) = r.iif {
        put_name(&mut w, FRA_IIFNAME, n);
    }
    if let Some(n) = r.oif {
        put_name(&mut w, FRA_OIFNAME, n);
    }
    if let Some(p) = r.protocol {
        w.attr(FRA_PROTOCOL, &[p]);
    }
    if r.action == FR_ACT_GOTO {
        w.attr_u32(FRA_GOTO, r.goto);
    }
    w.finish()
}
