//! Gratuitous ARP (RFC 5227 §3, RFC 826) as a whole Ethernet frame for a
//! PF_PACKET socket.
//!
//! ```text
//! Ethernet: | dst MAC (6) | src MAC (6) | ethertype 0x0806 (2) |
//! ARP:
//! +---------------+---------------+---------------+---------------+
//! |     htype = 1 (Ethernet)      |    ptype = 0x0800 (IPv4)      |
//! +---------------+---------------+---------------+---------------+
//! |   hlen = 6    |   plen = 4    |       oper (1 request)        |
//! +---------------+---------------+---------------+---------------+
//! |  sender hardware address (6)  |  sender protocol address (4)  |
//! |  target hardware address (6)  |  target protocol address (4)  |
//! +---------------------------------------------------------------+
//! ```
//!
//! keepalived 2.2.7 sends a broadcast request with sender = target = VIP,
//! sender MAC = interface MAC and target MAC ff:ff:ff:ff:ff:ff (not the
//! zeros RFC 5227 suggests); [`Repr::gratuitous`] builds exactly that.

use core::net::Ipv4Addr;

use crate::wire::{EmitError, Mac, put};

/// Length of the Ethernet header.
pub const ETH_HEADER_LEN: usize = 14;
/// Length of an Ethernet/IPv4 ARP packet.
pub const ARP_LEN: usize = 28;
/// The frame without Ethernet padding; the NIC pads to 60 on the wire.
pub const FRAME_LEN: usize = ETH_HEADER_LEN + ARP_LEN;

pub const BROADCAST: Mac = [0xff; 6];
pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// `ARPHRD_ETHER`.
pub const HTYPE_ETHERNET: u16 = 1;
/// Not in libc: `ARPOP_REQUEST` / `ARPOP_REPLY` from <net/if_arp.h>.
pub const OPER_REQUEST: u16 = 1;
pub const OPER_REPLY: u16 = 2;

/// Why a received frame is not an Ethernet/IPv4 ARP packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArpError {
    TooShort,
    /// Ethertype is not 0x0806.
    NotArp,
    /// Hardware/protocol type or length other than Ethernet/IPv4.
    Unsupported,
}

/// An ARP packet in an Ethernet frame.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Repr {
    pub eth_dst: Mac,
    pub eth_src: Mac,
    pub oper: u16,
    pub sender_mac: Mac,
    pub sender_ip: Ipv4Addr,
    pub target_mac: Mac,
    pub target_ip: Ipv4Addr,
}

impl Repr {
    /// keepalived 2.2.7's gratuitous ARP for `vip` from interface `mac`.
    pub const fn gratuitous(mac: Mac, vip: Ipv4Addr) -> Repr {
        Repr {
            eth_dst: BROADCAST,
            eth_src: mac,
            oper: OPER_REQUEST,
            sender_mac: mac,
            sender_ip: vip,
            target_mac: BROADCAST,
            target_ip: vip,
        }
    }

    /// True for a request or reply announcing its own sender address.
    pub fn is_gratuitous(&self) -> bool {
        self.sender_ip == self.target_ip
    }

    pub const fn buffer_len(&self) -> usize {
        FRAME_LEN
    }

    /// Parses an Ethernet frame; trailing bytes (Ethernet padding) are
    /// ignored.
    pub fn parse(frame: &[u8]) -> Result<Repr, ArpError> {
        let f = frame.first_chunk::<FRAME_LEN>().ok_or(ArpError::TooShort)?;
        let be16 = |i: usize| u16::from_be_bytes([f[i], f[i + 1]]);
        let mac = |i: usize| -> Mac { [f[i], f[i + 1], f[i + 2], f[i + 3], f[i + 4], f[i + 5]] };
        let ip = |i: usize| Ipv4Addr::new(f[i], f[i + 1], f[i + 2], f[i + 3]);
        if be16(12) != ETHERTYPE_ARP {
            return Err(ArpError::NotArp);
        }
        if be16(14) != HTYPE_ETHERNET || be16(16) != ETHERTYPE_IPV4 || f[18] != 6 || f[19] != 4 {
            return Err(ArpError::Unsupported);
        }
        Ok(Repr {
            eth_dst: mac(0),
            eth_src: mac(6),
            oper: be16(20),
            sender_mac: mac(22),
            sender_ip: ip(28),
            target_mac: mac(32),
            target_ip: ip(38),
        })
    }

    /// Writes the 42-byte frame and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if buf.len() < FRAME_LEN {
            return Err(EmitError::BufferTooSmall);
        }
        let mut at = 0;
        put(buf, &mut at, &self.eth_dst)?;
        put(buf, &mut at, &self.eth_src)?;
        put(buf, &mut at, &ETHERTYPE_ARP.to_be_bytes())?;
        put(buf, &mut at, &HTYPE_ETHERNET.to_be_bytes())?;
        put(buf, &mut at, &ETHERTYPE_IPV4.to_be_bytes())?;
        put(buf, &mut at, &[6, 4])?;
        put(buf, &mut at, &self.oper.to_be_bytes())?;
        put(buf, &mut at, &self.sender_mac)?;
        put(buf, &mut at, &self.sender_ip.octets())?;
        put(buf, &mut at, &self.target_mac)?;
        put(buf, &mut at, &self.target_ip.octets())?;
        Ok(at)
    }
}
