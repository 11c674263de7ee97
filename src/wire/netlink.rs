//! rtnetlink messages (RFC 3549, rtnetlink(7)), hand-coded: address add and
//! delete requests, link and address dump requests, and iterators over the
//! kernel's replies (acks, dumps, notifications).
//!
//! ```text
//! nlmsghdr (16):  | len u32 | type u16 | flags u16 | seq u32 | pid u32 |
//! ifaddrmsg (8):  | family u8 | prefixlen u8 | flags u8 | scope u8 | index u32 |
//! ifinfomsg (16): | family u8 | pad u8 | type u16 | index i32 | flags u32 | change u32 |
//! rtattr (4+):    | len u16 | type u16 | payload, padded to 4 |
//! nlmsgerr:       | error i32 (0 = ack, else -errno) | the request's nlmsghdr ... |
//! ```
//!
//! Netlink is host byte order (`to_ne_bytes`), unlike everything else in
//! `wire`; addresses inside attributes are network order, as `octets()`.
//!
//! What keepalived 2.2.7 sends (strace, tests/wire-capture.sh): NEWADDR with
//! NLM_F_REQUEST|NLM_F_ACK only and IFA_LOCAL (+ IFA_FLAGS NODAD for IPv6);
//! DELADDR with IFA_LOCAL and, for IPv4, IFA_ADDRESS. We add
//! NLM_F_CREATE|NLM_F_EXCL (see [`new_addr`]) and IFA_ADDRESS, as iproute2
//! does, so the request says everything it means.

use core::net::{IpAddr, Ipv4Addr};

use crate::wire::{EmitError, Mac, put};

pub const NLMSG_HDRLEN: usize = 16;
pub const IFADDRMSG_LEN: usize = 8;
pub const IFINFOMSG_LEN: usize = 16;
const RTA_HDRLEN: usize = 4;
/// Not in libc 0.2.191: `IFA_FLAGS` from <linux/if_addr.h> (a u32 that
/// extends the 8-bit `ifa_flags`).
pub const IFA_FLAGS: u16 = 8;
/// Not in libc 0.2.191 for all Linux targets: <net/if.h>, NUL included.
pub const IFNAMSIZ: usize = 16;

pub const AF_UNSPEC: u8 = libc::AF_UNSPEC as u8;
pub const AF_INET: u8 = libc::AF_INET as u8;
pub const AF_INET6: u8 = libc::AF_INET6 as u8;

const NLMSG_ERROR: u16 = libc::NLMSG_ERROR as u16;
const NLMSG_DONE: u16 = libc::NLMSG_DONE as u16;
pub(super) const NLM_F_REQUEST: u16 = libc::NLM_F_REQUEST as u16;
pub(super) const NLM_F_ACK: u16 = libc::NLM_F_ACK as u16;
pub(super) const NLM_F_CREATE: u16 = libc::NLM_F_CREATE as u16;
pub(super) const NLM_F_EXCL: u16 = libc::NLM_F_EXCL as u16;
const NLM_F_DUMP: u16 = libc::NLM_F_DUMP as u16;
const NLA_TYPE_MASK: u16 = libc::NLA_TYPE_MASK as u16;

/// Rounds up to the 4-byte netlink alignment.
const fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// One address to add or delete.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AddrRequest<'a> {
    /// Interface index.
    pub index: u32,
    pub addr: IpAddr,
    pub prefix_len: u8,
    /// `RT_SCOPE_*`; keepalived's default is `RT_SCOPE_UNIVERSE` (0).
    pub scope: u8,
    /// IPv4 only (`brd` in keepalived.conf).
    pub broadcast: Option<Ipv4Addr>,
    /// IPv4 only (`label`); at most 15 bytes (IFNAMSIZ with its NUL), no
    /// NUL inside.
    pub label: Option<&'a str>,
}

/// Writes one message: header first, `finish` fills in the length. A
/// failed write is remembered, not returned: `finish` returns the first
/// (one check per message instead of one per field).
pub(super) struct Writer<'b> {
    buf: &'b mut [u8],
    at: usize,
    err: Option<EmitError>,
}

impl<'b> Writer<'b> {
    pub(super) fn new(buf: &'b mut [u8], msg_type: u16, flags: u16, seq: u32) -> Self {
        let mut w = Writer {
            buf,
            at: 0,
            err: None,
        };
        // nlmsg_len is set by finish; nlmsg_pid 0: the kernel is the
        // destination and fills in ours.
        let [t0, t1] = msg_type.to_ne_bytes();
        let [f0, f1] = flags.to_ne_bytes();
        let [s0, s1, s2, s3] = seq.to_ne_bytes();
        w.put(&[0, 0, 0, 0, t0, t1, f0, f1, s0, s1, s2, s3, 0, 0, 0, 0]);
        w
    }

    /// Remember `e` unless an earlier error is.
    pub(super) fn fail(&mut self, e: EmitError) {
        self.err.get_or_insert(e);
    }

    pub(super) fn put(&mut self, bytes: &[u8]) {
        if let Err(e) = put(self.buf, &mut self.at, bytes) {
            self.fail(e);
        }
    }

    pub(super) fn put_u32(&mut self, n: u32) {
        self.put(&n.to_ne_bytes());
    }

    fn pad(&mut self) {
        let n = align4(self.at) - self.at;
        self.put(&[0; 3][..n]);
    }

    /// An attribute's header (its length: `len` bytes of payload follow).
    fn attr_head(&mut self, kind: u16, len: usize) {
        match u16::try_from(RTA_HDRLEN + len) {
            Ok(len) => {
                let ([l0, l1], [k0, k1]) = (len.to_ne_bytes(), kind.to_ne_bytes());
                self.put(&[l0, l1, k0, k1]);
            }
            Err(_) => self.fail(EmitError::TooLong),
        }
    }

    pub(super) fn attr(&mut self, kind: u16, payload: &[u8]) {
        self.attr_head(kind, payload.len());
        self.put(payload);
        self.pad();
    }

    pub(super) fn attr_u32(&mut self, kind: u16, n: u32) {
        self.attr(kind, &n.to_ne_bytes());
    }

    /// Open a nested attribute: its length is written by [`Writer::end_nest`].
    pub(super) fn begin_nest(&mut self, kind: u16) -> usize {
        let start = self.at;
        self.attr_head(kind, 0);
        start
    }

    /// Close the nested attribute opened at `start`.
    pub(super) fn end_nest(&mut self, start: usize) {
        match u16::try_from(self.at - start) {
            Ok(len) => {
                let mut at = start;
                if let Err(e) = put(self.buf, &mut at, &len.to_ne_bytes()) {
                    self.fail(e);
                }
            }
            Err(_) => self.fail(EmitError::TooLong),
        }
    }

    pub(super) fn finish(self) -> Result<usize, EmitError> {
        if let Some(e) = self.err {
            return Err(e);
        }
        let len = u32::try_from(self.at).map_err(|_| EmitError::TooLong)?;
        let mut at = 0;
        put(self.buf, &mut at, &len.to_ne_bytes())?;
        Ok(self.at)
    }
}

pub(super) fn addr_family(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => AF_INET,
        IpAddr::V6(_) => AF_INET6,
    }
}

fn put_ifaddrmsg(w: &mut Writer<'_>, family: u8, prefix_len: u8, scope: u8, index: u32) {
    // ifa_flags stays 0: the full flags travel in IFA_FLAGS.
    w.put(&[family, prefix_len, 0, scope]);
    w.put_u32(index);
}

/// An interface name (or label) attribute with its NUL: at most IFNAMSIZ
/// bytes in all, no NUL inside.
pub(super) fn put_name(w: &mut Writer<'_>, kind: u16, name: &str) {
    let bytes = name.as_bytes();
    let mut z = [0u8; IFNAMSIZ];
    match z.get_mut(..bytes.len()) {
        Some(to) if bytes.len() < IFNAMSIZ && !bytes.contains(&0) => {
            to.copy_from_slice(bytes);
            w.attr(kind, z.get(..=bytes.len()).unwrap_or_default());
        }
        _ => w.fail(EmitError::TooLong),
    }
}

pub(super) fn put_addr_attr(w: &mut Writer<'_>, kind: u16, addr: &IpAddr) {
    match addr {
        IpAddr::V4(a) => w.attr(kind, &a.octets()),
        IpAddr::V6(a) => w.attr(kind, &a.octets()),
    }
}

/// RTM_NEWADDR with NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE|NLM_F_EXCL.
///
/// EXCL rather than REPLACE: an address that is already there comes back
/// as EEXIST (which the daemon counts as success, as keepalived's flags get
/// too), and an address someone else configured with another label or
/// broadcast is never rewritten behind their back. CREATE is implied by
/// the kernel for addresses but stated so the request is well-formed for
/// strict netlink checking.
///
/// Attributes: IFA_LOCAL and IFA_ADDRESS (the same: no peer), IFA_BROADCAST
/// and IFA_LABEL when given (IPv4 only), IFA_FLAGS = IFA_F_NODAD for IPv6
/// (a VIP must be usable at once, and a backup router may legitimately
/// hold the same address off-link).
pub fn new_addr(buf: &mut [u8], seq: u32, req: &AddrRequest<'_>) -> Result<usize, EmitError> {
    addr_msg(buf, seq, req, true)
}

/// RTM_DELADDR with NLM_F_REQUEST|NLM_F_ACK: IFA_LOCAL and IFA_ADDRESS.
/// Broadcast and label are not sent: the kernel would only use them to
/// refuse a delete whose label differs. A missing address comes back as
/// EADDRNOTAVAIL.
pub fn del_addr(buf: &mut [u8], seq: u32, req: &AddrRequest<'_>) -> Result<usize, EmitError> {
    addr_msg(buf, seq, req, false)
}

/// [`new_addr`] (`add`) or [`del_addr`]: one body for their common part
/// (issue 17: size).
fn addr_msg(
    buf: &mut [u8],
    seq: u32,
    req: &AddrRequest<'_>,
    add: bool,
) -> Result<usize, EmitError> {
    let is_v6 = req.addr.is_ipv6();
    if add && is_v6 && (req.broadcast.is_some() || req.label.is_some()) {
        return Err(EmitError::BadFamily);
    }
    let (msg_type, flags) = match add {
        true => (
            libc::RTM_NEWADDR,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        ),
        false => (libc::RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK),
    };
    let mut w = Writer::new(buf, msg_type, flags, seq);
    put_ifaddrmsg(
        &mut w,
        addr_family(req.addr),
        req.prefix_len,
        req.scope,
        req.index,
    );
    put_addr_attr(&mut w, libc::IFA_LOCAL, &req.addr);
    put_addr_attr(&mut w, libc::IFA_ADDRESS, &req.addr);
    if add {
        if let Some(brd) = req.broadcast {
            w.attr(libc::IFA_BROADCAST, &brd.octets());
        }
        if let Some(label) = req.label {
            put_name(&mut w, libc::IFA_LABEL, label);
        }
        if is_v6 {
            w.attr_u32(IFA_FLAGS, libc::IFA_F_NODAD);
        }
    }
    w.finish()
}

/// RTM_GETLINK dump of every interface. IFLA_EXT_MASK with
/// RTEXT_FILTER_SKIP_STATS, as keepalived asks, keeps each reply small
/// (no per-interface statistics blocks).
pub fn dump_links(buf: &mut [u8], seq: u32) -> Result<usize, EmitError> {
    let mut w = Writer::new(buf, libc::RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
    // ifinfomsg: AF_UNSPEC, every other field 0.
    w.put(&[0; IFINFOMSG_LEN]);
    let mask = libc::RTEXT_FILTER_SKIP_STATS as u32;
    w.attr_u32(libc::IFLA_EXT_MASK, mask);
    w.finish()
}

/// RTM_GETADDR dump of the addresses of `family` (`AF_INET`, `AF_INET6`,
/// or `AF_UNSPEC` for both).
pub fn dump_addrs(buf: &mut [u8], seq: u32, family: u8) -> Result<usize, EmitError> {
    let mut w = Writer::new(buf, libc::RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq);
    put_ifaddrmsg(&mut w, family, 0, 0, 0);
    w.finish()
}

/// Why a received netlink buffer could not be read.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NlError {
    /// A header or fixed part runs past the end of the buffer.
    Truncated,
    /// A length field smaller than its own header.
    BadLength,
    /// An attribute of the wrong size or an unreadable string.
    BadAttr,
}

/// One netlink message of a received buffer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    pub msg_type: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
    /// The bytes after the nlmsghdr, up to nlmsg_len.
    pub payload: &'a [u8],
}

/// Iterates over the messages of a buffer from one `recv`. After a
/// malformed header it yields the error once and stops: lengths can no
/// longer be trusted to find the next message.
#[derive(Clone, Debug)]
pub struct Messages<'a> {
    rest: &'a [u8],
}

/// The messages of `buf`.
pub fn messages(buf: &[u8]) -> Messages<'_> {
    Messages { rest: buf }
}

fn ne_u16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..)?
        .first_chunk::<2>()
        .map(|a| u16::from_ne_bytes(*a))
}

fn ne_u32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..)?
        .first_chunk::<4>()
        .map(|a| u32::from_ne_bytes(*a))
}

fn ne_i32(b: &[u8], at: usize) -> Option<i32> {
    b.get(at..)?
        .first_chunk::<4>()
        .map(|a| i32::from_ne_bytes(*a))
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, NlError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let buf = self.rest;
        let parsed = (|| {
            let h = buf
                .first_chunk::<NLMSG_HDRLEN>()
                .ok_or(NlError::Truncated)?;
            let len = usize::try_from(u32::from_ne_bytes([h[0], h[1], h[2], h[3]]))
                .map_err(|_| NlError::BadLength)?;
            if len < NLMSG_HDRLEN {
                return Err(NlError::BadLength);
            }
            let payload = buf.get(NLMSG_HDRLEN..len).ok_or(NlError::Truncated)?;
            let msg = Message {
                msg_type: u16::from_ne_bytes([h[4], h[5]]),
                flags: u16::from_ne_bytes([h[6], h[7]]),
                seq: u32::from_ne_bytes([h[8], h[9], h[10], h[11]]),
                pid: u32::from_ne_bytes([h[12], h[13], h[14], h[15]]),
                payload,
            };
            // The last message need not be padded.
            let next = buf.get(align4(len)..).unwrap_or(&[]);
            Ok((msg, next))
        })();
        match parsed {
            Ok((msg, next)) => {
                self.rest = next;
                Some(Ok(msg))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

impl<'a> Messages<'a> {
    /// The well-formed messages: as `.flatten()` (after a malformed
    /// header nothing follows), without Flatten's front and back slots
    /// (issue 17: size).
    pub fn ok(self) -> OkMessages<'a> {
        OkMessages(self)
    }
}

/// See [`Messages::ok`].
pub struct OkMessages<'a>(Messages<'a>);

impl<'a> Iterator for OkMessages<'a> {
    type Item = Message<'a>;

    fn next(&mut self) -> Option<Message<'a>> {
        self.0.next()?.ok()
    }
}

/// The outcome of a request: an NLMSG_ERROR message.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Ack {
    /// The sequence number of the request answered.
    pub seq: u32,
    /// 0 for success, else a positive errno (`libc::EEXIST`, ...): the
    /// kernel sends it negated.
    pub errno: i32,
}

/// A link (ifinfomsg) from a dump reply or an RTM_NEWLINK/RTM_DELLINK
/// notification.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Link<'a> {
    /// `RTM_NEWLINK` or `RTM_DELLINK`.
    pub msg_type: u16,
    pub index: u32,
    /// `IFF_*`.
    pub flags: u32,
    /// IFLA_IFNAME without its NUL.
    pub name: Option<&'a str>,
    /// IFLA_ADDRESS when it is an Ethernet-sized (6-byte) address.
    pub mac: Option<Mac>,
    /// IFLA_OPERSTATE (RFC 2863: 6 = up).
    pub operstate: Option<u8>,
}

impl Link<'_> {
    pub fn is_up(&self) -> bool {
        self.flags & libc::IFF_UP as u32 != 0
    }
    pub fn is_running(&self) -> bool {
        self.flags & libc::IFF_RUNNING as u32 != 0
    }
    /// Carrier present (IFF_LOWER_UP).
    pub fn is_lower_up(&self) -> bool {
        self.flags & libc::IFF_LOWER_UP as u32 != 0
    }
}

/// An address (ifaddrmsg) from a dump reply or an RTM_NEWADDR/RTM_DELADDR
/// notification.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Addr<'a> {
    /// `RTM_NEWADDR` or `RTM_DELADDR`.
    pub msg_type: u16,
    pub family: u8,
    pub prefix_len: u8,
    /// `IFA_F_*`: IFA_FLAGS when present, else the 8-bit ifa_flags.
    pub flags: u32,
    pub scope: u8,
    pub index: u32,
    /// IFA_ADDRESS: the peer on point-to-point links, else the same as
    /// `local`; the only one IPv6 sends.
    pub address: Option<IpAddr>,
    /// IFA_LOCAL: the interface's own address (IPv4).
    pub local: Option<IpAddr>,
    pub broadcast: Option<Ipv4Addr>,
    pub label: Option<&'a str>,
}

impl Addr<'_> {
    /// The interface's own address: IFA_LOCAL, else IFA_ADDRESS.
    pub fn addr(&self) -> Option<IpAddr> {
        self.local.or(self.address)
    }
    pub fn is_secondary(&self) -> bool {
        self.flags & libc::IFA_F_SECONDARY != 0
    }
    /// Still in (or failed) duplicate address detection: not usable as a
    /// source address.
    pub fn is_tentative(&self) -> bool {
        self.flags & (libc::IFA_F_TENTATIVE | libc::IFA_F_DADFAILED) != 0
    }
}

/// What a message is, for the messages the daemon reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NlMsg<'a> {
    Ack(Ack),
    /// NLMSG_DONE ends a dump; `errno` as in [`Ack`] (0 when the dump was
    /// complete).
    Done {
        seq: u32,
        errno: i32,
    },
    Link(Link<'a>),
    Addr(Addr<'a>),
    /// Any other type (NLMSG_NOOP, routes, neighbours, ...): skip.
    Other(u16),
}

/// rtattrs of a payload, as (type without flag bits, payload).
struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<(u16, &'a [u8]), NlError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let buf = self.rest;
        let (Some(len), Some(kind)) = (ne_u16(buf, 0), ne_u16(buf, 2)) else {
            self.rest = &[];
            return Some(Err(NlError::Truncated));
        };
        let len = usize::from(len);
        let Some(payload) = buf.get(RTA_HDRLEN..len).filter(|_| len >= RTA_HDRLEN) else {
            self.rest = &[];
            return Some(Err(if len < RTA_HDRLEN {
                NlError::BadLength
            } else {
                NlError::Truncated
            }));
        };
        self.rest = buf.get(align4(len)..).unwrap_or(&[]);
        Some(Ok((kind & NLA_TYPE_MASK, payload)))
    }
}

/// An address attribute of `family` into `to` (written in place).
fn ip_attr(family: u8, payload: &[u8], to: &mut Option<IpAddr>) -> Result<(), NlError> {
    *to = Some(match family {
        AF_INET => IpAddr::from(<[u8; 4]>::try_from(payload).map_err(|_| NlError::BadAttr)?),
        AF_INET6 => IpAddr::from(<[u8; 16]>::try_from(payload).map_err(|_| NlError::BadAttr)?),
        _ => return Err(NlError::BadAttr),
    });
    Ok(())
}

/// A NUL-terminated string attribute (the NUL is optional).
fn str_attr(payload: &[u8]) -> Result<&str, NlError> {
    let end = payload
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(payload.len());
    let bytes = payload.get(..end).ok_or(NlError::BadAttr)?;
    core::str::from_utf8(bytes).map_err(|_| NlError::BadAttr)
}

fn errno_of(error: i32) -> i32 {
    error.saturating_neg()
}

impl<'a> Message<'a> {
    /// Classifies and parses the message.
    pub fn parse(&self) -> Result<NlMsg<'a>, NlError> {
        match self.msg_type {
            NLMSG_ERROR => {
                let error = ne_i32(self.payload, 0).ok_or(NlError::Truncated)?;
                Ok(NlMsg::Ack(Ack {
                    seq: self.seq,
                    errno: errno_of(error),
                }))
            }
            NLMSG_DONE => {
                // Kernels before 2.6.x sent no error code; treat as done.
                let error = ne_i32(self.payload, 0).unwrap_or(0);
                Ok(NlMsg::Done {
                    seq: self.seq,
                    errno: errno_of(error),
                })
            }
            libc::RTM_NEWLINK | libc::RTM_DELLINK => self.parse_link(),
            libc::RTM_NEWADDR | libc::RTM_DELADDR => self.parse_addr(),
            other => Ok(NlMsg::Other(other)),
        }
    }

    fn parse_link(&self) -> Result<NlMsg<'a>, NlError> {
        let p = self.payload;
        let fixed = p.first_chunk::<IFINFOMSG_LEN>().ok_or(NlError::Truncated)?;
        let mut link = Link {
            msg_type: self.msg_type,
            index: u32::from_ne_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
            flags: u32::from_ne_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]),
            name: None,
            mac: None,
            operstate: None,
        };
        let attrs = Attrs {
            rest: p.get(IFINFOMSG_LEN..).unwrap_or(&[]),
        };
        for attr in attrs {
            let (kind, payload) = attr?;
            match kind {
                libc::IFLA_IFNAME => link.name = Some(str_attr(payload)?),
                libc::IFLA_ADDRESS => {
                    link.mac = payload
                        .first_chunk::<6>()
                        .filter(|_| payload.len() == 6)
                        .copied();
                }
                libc::IFLA_OPERSTATE => {
                    link.operstate = Some(*payload.first().ok_or(NlError::BadAttr)?);
                }
                _ => {}
            }
        }
        Ok(NlMsg::Link(link))
    }

    fn parse_addr(&self) -> Result<NlMsg<'a>, NlError> {
        let p = self.payload;
        let fixed = p.first_chunk::<IFADDRMSG_LEN>().ok_or(NlError::Truncated)?;
        let family = fixed[0];
        let mut addr = Addr {
            msg_type: self.msg_type,
            family,
            prefix_len: fixed[1],
            flags: u32::from(fixed[2]),
            scope: fixed[3],
            index: u32::from_ne_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
            address: None,
            local: None,
            broadcast: None,
            label: None,
        };
        let attrs = Attrs {
            rest: p.get(IFADDRMSG_LEN..).unwrap_or(&[]),
        };
        for attr in attrs {
            let (kind, payload) = attr?;
            match kind {
                libc::IFA_ADDRESS => ip_attr(family, payload, &mut addr.address)?,
                libc::IFA_LOCAL => ip_attr(family, payload, &mut addr.local)?,
                // IPv4 only: anything else is what ip_attr refuses or a V6.
                libc::IFA_BROADCAST => match <[u8; 4]>::try_from(payload) {
                    Ok(b) if family == AF_INET => addr.broadcast = Some(Ipv4Addr::from(b)),
                    _ => return Err(NlError::BadAttr),
                },
                libc::IFA_LABEL => addr.label = Some(str_attr(payload)?),
                IFA_FLAGS => addr.flags = ne_u32(payload, 0).ok_or(NlError::BadAttr)?,
                _ => {}
            }
        }
        Ok(NlMsg::Addr(addr))
    }
}
