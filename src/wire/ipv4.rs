//! The IPv4 header (RFC 791 §3.1): a checked view for raw-socket receive
//! and a 20-byte emit for `IP_HDRINCL` send.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-------+-------+---------------+-------------------------------+
//! |Version|  IHL  |      TOS      |         Total Length          |
//! +-------+-------+---------------+-----+-------------------------+
//! |        Identification         |Flags|     Fragment Offset     |
//! +---------------+---------------+-----+-------------------------+
//! |      TTL      |   Protocol    |        Header Checksum        |
//! +---------------+---------------+-------------------------------+
//! |                        Source Address                         |
//! +---------------------------------------------------------------+
//! |                     Destination Address                       |
//! +---------------------------------------------------------------+
//! |            Options (IHL > 5), up to 40 bytes                  |
//! +---------------------------------------------------------------+
//! ```
//!
//! keepalived 2.2.7 sends VRRP with TOS 0xc0, TTL 255, DF clear and an
//! identification counting up from 1 (see tests/data/wire/golden.rs);
//! [`Repr::vrrp`] builds that header.

use core::net::Ipv4Addr;

use crate::wire::vrrp::{IPPROTO_VRRP, RxError};
use crate::wire::{EmitError, checksum, put};

/// Length of a header without options.
pub const HEADER_LEN: usize = 20;
/// TTL of VRRP adverts, checked on multicast receive (RFC 3768 §7.1,
/// RFC 5798 §7.1).
pub const TTL_VRRP: u8 = 255;
/// DSCP CS6 "network control", what keepalived puts in the TOS byte.
pub const TOS_VRRP: u8 = 0xc0;

const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const FRAG_OFFSET_MASK: u16 = 0x1fff;

/// Why a received IPv4 packet was not accepted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ipv4Error {
    /// Shorter than 20 bytes, than its IHL, or than its total length
    /// (truncated).
    TooShort,
    /// The version nibble is not 4.
    BadVersion,
    /// IHL below 5.
    BadHeaderLen,
    /// Total length below the header length, or bytes received beyond it.
    BadTotalLen,
    /// The header checksum does not verify.
    BadChecksum,
    /// TTL not 255 on a multicast advert.
    BadTtl,
    /// Not IP protocol 112.
    BadProtocol,
}

impl From<Ipv4Error> for RxError {
    /// Folds IP-layer reasons into the VRRP counters (RFC 6527 has no
    /// IP-header counters beyond TTL and length).
    fn from(e: Ipv4Error) -> RxError {
        match e {
            Ipv4Error::TooShort => RxError::TooShort,
            Ipv4Error::BadTtl => RxError::BadTtl,
            Ipv4Error::BadChecksum => RxError::BadChecksum,
            // A raw socket bound to protocol 112 never delivers these; if
            // it did, the packet is malformed as far as VRRP can tell.
            Ipv4Error::BadVersion
            | Ipv4Error::BadHeaderLen
            | Ipv4Error::BadTotalLen
            | Ipv4Error::BadProtocol => RxError::BadLength,
        }
    }
}

/// A view of an IPv4 packet whose header and total length have been
/// checked against the buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks version, IHL and total length against the received length:
    /// on a raw socket the kernel hands over exactly one datagram, so the
    /// lengths must agree.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, Ipv4Error> {
        let buf = buffer.as_ref();
        let h = buf.first_chunk::<HEADER_LEN>().ok_or(Ipv4Error::TooShort)?;
        if h[0] >> 4 != 4 {
            return Err(Ipv4Error::BadVersion);
        }
        let header_len = usize::from(h[0] & 0x0f) * 4;
        if header_len < HEADER_LEN {
            return Err(Ipv4Error::BadHeaderLen);
        }
        if buf.len() < header_len {
            return Err(Ipv4Error::TooShort);
        }
        let total_len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        if total_len < header_len {
            return Err(Ipv4Error::BadTotalLen);
        }
        if total_len > buf.len() {
            return Err(Ipv4Error::TooShort);
        }
        if total_len < buf.len() {
            return Err(Ipv4Error::BadTotalLen);
        }
        Ok(Packet { buffer })
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The fixed part of the header; present by `new_checked`, the zero
    /// fallback only keeps this free of panics.
    fn fixed(&self) -> [u8; HEADER_LEN] {
        self.buffer
            .as_ref()
            .first_chunk::<HEADER_LEN>()
            .copied()
            .unwrap_or([0; HEADER_LEN])
    }

    pub fn version(&self) -> u8 {
        self.fixed()[0] >> 4
    }
    /// IHL in bytes.
    pub fn header_len(&self) -> usize {
        usize::from(self.fixed()[0] & 0x0f) * 4
    }
    pub fn tos(&self) -> u8 {
        self.fixed()[1]
    }
    pub fn total_len(&self) -> u16 {
        let h = self.fixed();
        u16::from_be_bytes([h[2], h[3]])
    }
    pub fn ident(&self) -> u16 {
        let h = self.fixed();
        u16::from_be_bytes([h[4], h[5]])
    }
    fn flags_frag(&self) -> u16 {
        let h = self.fixed();
        u16::from_be_bytes([h[6], h[7]])
    }
    pub fn dont_frag(&self) -> bool {
        self.flags_frag() & FLAG_DF != 0
    }
    pub fn more_frags(&self) -> bool {
        self.flags_frag() & FLAG_MF != 0
    }
    /// In 8-byte units.
    pub fn frag_offset(&self) -> u16 {
        self.flags_frag() & FRAG_OFFSET_MASK
    }
    pub fn ttl(&self) -> u8 {
        self.fixed()[8]
    }
    pub fn protocol(&self) -> u8 {
        self.fixed()[9]
    }
    pub fn header_checksum(&self) -> u16 {
        let h = self.fixed();
        u16::from_be_bytes([h[10], h[11]])
    }
    pub fn src_addr(&self) -> Ipv4Addr {
        let h = self.fixed();
        Ipv4Addr::new(h[12], h[13], h[14], h[15])
    }
    pub fn dst_addr(&self) -> Ipv4Addr {
        let h = self.fixed();
        Ipv4Addr::new(h[16], h[17], h[18], h[19])
    }
    /// Header options (empty when IHL is 5).
    pub fn options(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(HEADER_LEN..self.header_len())
            .unwrap_or(&[])
    }
    /// The payload: from the end of the header (with options) to the total
    /// length.
    pub fn payload(&self) -> &[u8] {
        let end = usize::from(self.total_len());
        self.buffer
            .as_ref()
            .get(self.header_len()..end)
            .unwrap_or(&[])
    }
    pub fn verify_checksum(&self) -> bool {
        self.buffer
            .as_ref()
            .get(..self.header_len())
            .is_some_and(|h| checksum::verify(0, h))
    }

    /// The IP-layer receive checks for a VRRP advert: protocol 112, a valid
    /// header checksum (Linux checks it already; cheap, and keeps the codec
    /// honest outside Linux tests), and TTL 255 when sent to a multicast
    /// group (unicast adverts may cross routers).
    pub fn check_vrrp(&self) -> Result<(), Ipv4Error> {
        if self.protocol() != IPPROTO_VRRP {
            return Err(Ipv4Error::BadProtocol);
        }
        if !self.verify_checksum() {
            return Err(Ipv4Error::BadChecksum);
        }
        if self.dst_addr().is_multicast() && self.ttl() != TTL_VRRP {
            return Err(Ipv4Error::BadTtl);
        }
        Ok(())
    }
}

/// The fields of an option-less IPv4 header.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Repr {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub protocol: u8,
    pub payload_len: usize,
    pub ttl: u8,
    pub tos: u8,
    pub ident: u16,
    pub dont_frag: bool,
}

impl Repr {
    /// The header keepalived 2.2.7 puts on a VRRP advert: TOS 0xc0, TTL
    /// 255, DF clear, `ident` from the caller's counter.
    pub const fn vrrp(src: Ipv4Addr, dst: Ipv4Addr, payload_len: usize, ident: u16) -> Repr {
        Repr {
            src,
            dst,
            protocol: IPPROTO_VRRP,
            payload_len,
            ttl: TTL_VRRP,
            tos: TOS_VRRP,
            ident,
            dont_frag: false,
        }
    }

    /// The fields of a checked packet (options and fragment offset are
    /// dropped: VRRP does not use them).
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Repr {
        Repr {
            src: packet.src_addr(),
            dst: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: packet.payload().len(),
            ttl: packet.ttl(),
            tos: packet.tos(),
            ident: packet.ident(),
            dont_frag: packet.dont_frag(),
        }
    }

    /// Bytes of header this emits (no options).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the 20-byte header, checksum included, and returns its
    /// length. Linux would fill in a zero ident and checksum under
    /// `IP_HDRINCL`; filling them here keeps captures and tests exact.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let total = HEADER_LEN
            .checked_add(self.payload_len)
            .and_then(|t| u16::try_from(t).ok())
            .ok_or(EmitError::TooLong)?
            .to_be_bytes();
        let ident = self.ident.to_be_bytes();
        let flags = if self.dont_frag { FLAG_DF } else { 0 }.to_be_bytes();
        let s = self.src.octets();
        let d = self.dst.octets();
        let mut h: [u8; HEADER_LEN] = [
            0x45,
            self.tos,
            total[0],
            total[1],
            ident[0],
            ident[1],
            flags[0],
            flags[1],
            self.ttl,
            self.protocol,
            0,
            0,
            s[0],
            s[1],
            s[2],
            s[3],
            d[0],
            d[1],
            d[2],
            d[3],
        ];
        let c = checksum::checksum(&h).to_be_bytes();
        h[10] = c[0];
        h[11] = c[1];
        let mut at = 0;
        put(buf, &mut at, &h)?;
        Ok(at)
    }
}
