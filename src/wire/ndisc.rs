//! Unsolicited IPv6 neighbour advertisement (RFC 4861 §4.4, §7.2.6) as a
//! whole Ethernet frame for a PF_PACKET socket: the IPv6 counterpart of a
//! gratuitous ARP.
//!
//! ```text
//! Ethernet (14): | 33:33:00:00:00:01 | src MAC | 0x86dd |
//! IPv6 (40):     | 6 | tc 0 | flow 0 | payload len | nh 58 | hop limit 255 |
//!                | source address (16)  | ff02::1 (16) |
//! ICMPv6 NA (24):
//! +---------------+---------------+-------------------------------+
//! |  type = 136   |   code = 0    |           checksum            |
//! +-+-+-+---------+---------------+-------------------------------+
//! |R|S|O|                      reserved                           |
//! +-+-+-+---------------------------------------------------------+
//! |                      target address (16)                      |
//! +---------------+---------------+-------------------------------+
//! option (8):     | type 2 | len 1 (x8 bytes) | link-layer address (6) |
//! ```
//!
//! keepalived 2.2.7 (see tests/data/wire/golden.rs) sends from the VIP
//! itself, not the link-local address, with only the Override flag set,
//! traffic class and flow label 0; [`Repr::unsolicited`] takes the source
//! as a parameter so the daemon can choose.

use core::net::Ipv6Addr;

use crate::wire::{EmitError, Mac, checksum, put};

pub const ETH_HEADER_LEN: usize = 14;
pub const IPV6_HEADER_LEN: usize = 40;
/// ICMPv6 header, flags and target.
pub const NA_LEN: usize = 24;
/// The target link-layer address option for Ethernet.
pub const TLLA_OPTION_LEN: usize = 8;
/// A frame with the target link-layer address option.
pub const FRAME_LEN: usize = ETH_HEADER_LEN + IPV6_HEADER_LEN + NA_LEN + TLLA_OPTION_LEN;

pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// Not in libc 0.2.191 for every target: IPPROTO_ICMPV6.
pub const NEXT_HEADER_ICMPV6: u8 = 58;
/// Not in libc: ND_NEIGHBOR_ADVERT from <netinet/icmp6.h>.
pub const ICMPV6_NEIGHBOR_ADVERT: u8 = 136;
/// ND_OPT_TARGET_LINKADDR.
pub const OPT_TARGET_LINKADDR: u8 = 2;
/// RFC 4861 §7.1.2: neighbour discovery is only valid at hop limit 255.
pub const HOP_LIMIT_ND: u8 = 255;
/// ff02::1, all nodes.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// The Ethernet multicast address of ff02::1 (RFC 2464 §7).
pub const ALL_NODES_MAC: Mac = [0x33, 0x33, 0, 0, 0, 1];

const FLAG_ROUTER: u8 = 0x80;
const FLAG_SOLICITED: u8 = 0x40;
const FLAG_OVERRIDE: u8 = 0x20;

/// Why a received frame is not a valid neighbour advertisement.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NdiscError {
    TooShort,
    /// Ethertype not 0x86dd or IP version not 6.
    NotIpv6,
    /// Next header not ICMPv6 (extension headers are not followed).
    NotIcmpv6,
    /// ICMPv6 type not 136 or code not 0.
    NotNa,
    /// Hop limit not 255 (RFC 4861 §7.1.2).
    BadHopLimit,
    /// Payload length beyond the frame.
    BadLength,
    BadChecksum,
    /// An option of length zero or running past the message.
    BadOption,
}

/// A neighbour advertisement in an Ethernet frame.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Repr {
    pub eth_dst: Mac,
    pub eth_src: Mac,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub hop_limit: u8,
    pub router_flag: bool,
    pub solicited_flag: bool,
    pub override_flag: bool,
    pub target: Ipv6Addr,
    /// The target link-layer address option.
    pub target_mac: Option<Mac>,
}

impl Repr {
    /// An unsolicited advertisement of `target` at `mac` to all nodes,
    /// Override set (RFC 4861 §7.2.6), sent from `src` (keepalived: the
    /// VIP itself). `router` sets the R flag, which a router should send
    /// so that hosts keep it in their default router list.
    pub const fn unsolicited(mac: Mac, src: Ipv6Addr, target: Ipv6Addr, router: bool) -> Repr {
        Repr {
            eth_dst: ALL_NODES_MAC,
            eth_src: mac,
            src,
            dst: ALL_NODES,
            hop_limit: HOP_LIMIT_ND,
            router_flag: router,
            solicited_flag: false,
            override_flag: true,
            target,
            target_mac: Some(mac),
        }
    }

    /// ICMPv6 bytes (the IPv6 payload).
    const fn icmp_len(&self) -> usize {
        NA_LEN
            + match self.target_mac {
                Some(_) => TLLA_OPTION_LEN,
                None => 0,
            }
    }

    pub const fn buffer_len(&self) -> usize {
        ETH_HEADER_LEN + IPV6_HEADER_LEN + self.icmp_len()
    }

    /// Writes the whole frame, checksum included, and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if buf.len() < self.buffer_len() {
            return Err(EmitError::BufferTooSmall);
        }
        let icmp_len = self.icmp_len();
        // At most 32: always fits.
        let payload_len = icmp_len as u16;
        let mut at = 0;
        put(buf, &mut at, &self.eth_dst)?;
        put(buf, &mut at, &self.eth_src)?;
        put(buf, &mut at, &ETHERTYPE_IPV6.to_be_bytes())?;
        // Version 6, traffic class 0, flow label 0, as keepalived.
        put(buf, &mut at, &[0x60, 0, 0, 0])?;
        put(buf, &mut at, &payload_len.to_be_bytes())?;
        put(buf, &mut at, &[NEXT_HEADER_ICMPV6, self.hop_limit])?;
        put(buf, &mut at, &self.src.octets())?;
        put(buf, &mut at, &self.dst.octets())?;
        let icmp_start = at;
        let mut flags = 0;
        if self.router_flag {
            flags |= FLAG_ROUTER;
        }
        if self.solicited_flag {
            flags |= FLAG_SOLICITED;
        }
        if self.override_flag {
            flags |= FLAG_OVERRIDE;
        }
        put(
            buf,
            &mut at,
            &[ICMPV6_NEIGHBOR_ADVERT, 0, 0, 0, flags, 0, 0, 0],
        )?;
        put(buf, &mut at, &self.target.octets())?;
        if let Some(mac) = self.target_mac {
            put(buf, &mut at, &[OPT_TARGET_LINKADDR, 1])?;
            put(buf, &mut at, &mac)?;
        }
        let icmp = buf
            .get_mut(icmp_start..at)
            .ok_or(EmitError::BufferTooSmall)?;
        let pseudo = checksum::ipv6_pseudo_header(
            &self.src,
            &self.dst,
            NEXT_HEADER_ICMPV6,
            u32::from(payload_len),
        );
        let sum = checksum::finish(checksum::combine(&[pseudo, checksum::sum(icmp)]));
        if let Some(field) = icmp.get_mut(2..4) {
            field.copy_from_slice(&sum.to_be_bytes());
        }
        Ok(at)
    }

    /// Parses and validates (RFC 4861 §7.1.2: hop limit, checksum, code,
    /// length, options) an Ethernet frame; bytes past the IPv6 payload
    /// length (padding) are ignored.
    pub fn parse(frame: &[u8]) -> Result<Repr, NdiscError> {
        let Layers { eth, ip, icmp } = split_headers(frame)?;
        let payload_len = icmp.len();
        let na = icmp.first_chunk::<NA_LEN>().ok_or(NdiscError::TooShort)?;
        if na[0] != ICMPV6_NEIGHBOR_ADVERT || na[1] != 0 {
            return Err(NdiscError::NotNa);
        }
        let hop_limit = ip[7];
        if hop_limit != HOP_LIMIT_ND {
            return Err(NdiscError::BadHopLimit);
        }
        let addr = |b: &[u8]| b.first_chunk::<16>().map(|a| Ipv6Addr::from(*a));
        let src = ip.get(8..24).and_then(addr).ok_or(NdiscError::TooShort)?;
        let dst = ip.get(24..40).and_then(addr).ok_or(NdiscError::TooShort)?;
        // The 16-bit payload length field sized icmp: fits a u32.
        let pseudo =
            checksum::ipv6_pseudo_header(&src, &dst, NEXT_HEADER_ICMPV6, payload_len as u32);
        if !checksum::verify(pseudo, icmp) {
            return Err(NdiscError::BadChecksum);
        }
        let target = na.get(8..24).and_then(addr).ok_or(NdiscError::TooShort)?;

        let target_mac = target_link_addr(icmp.get(NA_LEN..).unwrap_or(&[]))?;

        Ok(Repr {
            eth_dst: mac_at(eth, 0),
            eth_src: mac_at(eth, 6),
            src,
            dst,
            hop_limit,
            router_flag: na[4] & FLAG_ROUTER != 0,
            solicited_flag: na[4] & FLAG_SOLICITED != 0,
            override_flag: na[4] & FLAG_OVERRIDE != 0,
            target,
            target_mac,
        })
    }
}

/// The layers of a received frame, split by [`split_headers`].
struct Layers<'a> {
    eth: &'a [u8; ETH_HEADER_LEN],
    ip: &'a [u8; IPV6_HEADER_LEN],
    /// The ICMPv6 message: the IPv6 payload, without any padding.
    icmp: &'a [u8],
}

/// The Ethernet header, the IPv6 header and the ICMPv6 message of a frame,
/// after checking the ethertype, the IP version, the next header and the
/// payload length.
fn split_headers(frame: &[u8]) -> Result<Layers<'_>, NdiscError> {
    let eth = frame
        .first_chunk::<ETH_HEADER_LEN>()
        .ok_or(NdiscError::TooShort)?;
    if u16::from_be_bytes([eth[12], eth[13]]) != ETHERTYPE_IPV6 {
        return Err(NdiscError::NotIpv6);
    }
    let ip = frame
        .get(ETH_HEADER_LEN..)
        .and_then(|b| b.first_chunk::<IPV6_HEADER_LEN>())
        .ok_or(NdiscError::TooShort)?;
    if ip[0] >> 4 != 6 {
        return Err(NdiscError::NotIpv6);
    }
    if ip[6] != NEXT_HEADER_ICMPV6 {
        return Err(NdiscError::NotIcmpv6);
    }
    let payload_len = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
    let icmp_start = ETH_HEADER_LEN + IPV6_HEADER_LEN;
    let icmp = frame
        .get(icmp_start..icmp_start + payload_len)
        .ok_or(NdiscError::BadLength)?;
    Ok(Layers { eth, ip, icmp })
}

/// Walks the options after the fixed NA and returns the target link-layer
/// address, if an Ethernet-sized one is present (the last one wins). An
/// option of length zero or one running past the message is an error.
fn target_link_addr(mut opts: &[u8]) -> Result<Option<Mac>, NdiscError> {
    let mut target_mac = None;
    while let [kind, len_units, ..] = *opts {
        let len = usize::from(len_units) * 8;
        if len == 0 {
            return Err(NdiscError::BadOption);
        }
        let opt = opts.get(..len).ok_or(NdiscError::BadOption)?;
        if kind == OPT_TARGET_LINKADDR && len == TLLA_OPTION_LEN {
            target_mac = opt.get(2..8).and_then(|m| m.first_chunk::<6>()).copied();
        }
        opts = opts.get(len..).unwrap_or(&[]);
    }
    if !opts.is_empty() {
        return Err(NdiscError::BadOption);
    }
    Ok(target_mac)
}

/// The six bytes of `eth` from `i`: 0 for the destination, 6 for the source.
fn mac_at(eth: &[u8; ETH_HEADER_LEN], i: usize) -> Mac {
    [
        eth[i],
        eth[i + 1],
        eth[i + 2],
        eth[i + 3],
        eth[i + 4],
        eth[i + 5],
    ]
}
