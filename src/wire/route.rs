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
use super::netlink::{Writer, addr_family, put_addr_attr};

const NLM_F_REQUEST: u16 = libc::NLM_F_REQUEST as u16;
const NLM_F_ACK: u16 = libc::NLM_F_ACK as u16;
const NLM_F_CREATE: u16 = libc::NLM_F_CREATE as u16;
const NLM_F_EXCL: u16 = libc::NLM_F_EXCL as u16;
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
    let w = Writer::new(buf, libc::RTM_NEWROUTE, flags, seq)?;
    route_body(w, r, r.scope.unwrap_or(0))
}

/// RTM_DELROUTE with NLM_F_REQUEST|NLM_F_ACK. The same fields as the add,
/// scope RT_SCOPE_NOWHERE unless the config gave one: the kernel deletes
/// the route whose given fields match (the protocol among them, so a route
/// someone else put there with another protocol stays). A missing route
/// comes back as ESRCH.
pub fn del_route(buf: &mut [u8], seq: u32, r: &RouteRequest) -> Result<usize, EmitError> {
    let w = Writer::new(buf, libc::RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, seq)?;
    route_body(w, r, r.scope.unwrap_or(RT_SCOPE_NOWHERE))
}

fn route_body(mut w: Writer<'_>, r: &RouteRequest, scope: u8) -> Result<usize, EmitError> {
    let family = addr_family(r.dst);
    if r.via.is_some_and(|v| addr_family(v) != family)
        || r.src.is_some_and(|s| addr_family(s) != family)
    {
        return Err(EmitError::BadFamily);
    }
    let table = u8::try_from(r.table).unwrap_or(libc::RT_TABLE_UNSPEC);
    w.put(&[family, r.dst_len, 0, 0, table, r.protocol, scope, r.kind])?;
    let flags = if r.onlink { RTNH_F_ONLINK } else { 0 };
    w.put(&flags.to_ne_bytes())?;
    if r.table > 255 {
        w.attr(libc::RTA_TABLE, &r.table.to_ne_bytes())?;
    }
    if r.dst_len > 0 {
        put_addr_attr(&mut w, libc::RTA_DST, r.dst)?;
    }
    if let Some(src) = r.src {
        put_addr_attr(&mut w, libc::RTA_PREFSRC, src)?;
    }
    if let Some(via) = r.via {
        put_addr_attr(&mut w, libc::RTA_GATEWAY, via)?;
    }
    if let Some(oif) = r.oif {
        w.attr(libc::RTA_OIF, &oif.to_ne_bytes())?;
    }
    if let Some(m) = r.metric {
        w.attr(libc::RTA_PRIORITY, &m.to_ne_bytes())?;
    }
    w.finish()
}

/// The request for a configured route through interface `oif`.
pub fn request(r: &crate::config::Route, oif: Option<u32>) -> RouteRequest {
    use crate::config::RouteMode;
    RouteRequest {
        dst: r.dst,
        dst_len: r.dst_len,
        kind: r.kind,
        via: r.via,
        oif,
        src: r.src,
        table: r.table,
        metric: r.metric,
        scope: r.scope,
        protocol: r.protocol,
        onlink: r.onlink,
        mode: match r.mode {
            RouteMode::Prepend => AddMode::Prepend,
            RouteMode::Add => AddMode::Excl,
            RouteMode::Append => AddMode::Append,
        },
    }
}
