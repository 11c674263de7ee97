//! The internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-header sums.
//!
//! ```text
//! IPv4 pseudo-header (RFC 768)          IPv6 pseudo-header (RFC 8200 §8.1)
//! +--------+--------+--------+--------+ +-----------------------------------+
//! |          source address           | |     source address (16 bytes)     |
//! +--------+--------+--------+--------+ +-----------------------------------+
//! |        destination address        | |  destination address (16 bytes)   |
//! +--------+--------+--------+--------+ +-----------------------------------+
//! |  zero  |protocol| upper-layer len | |   upper-layer length (32 bits)    |
//! +--------+--------+--------+--------+ +--------------------------+--------+
//!                                       |       zero (24 bits)     |next hdr|
//!                                       +--------------------------+--------+
//! ```
//!
//! Sums are kept folded to 16 bits and not yet complemented, so that partial
//! sums (pseudo-header, then message) combine with [`combine`]; [`finish`]
//! complements. Every part but the last must have an even length, since the
//! odd trailing byte is padded with zero.

use core::net::{Ipv4Addr, Ipv6Addr};

/// Folds a wide accumulator into 16 bits with end-around carry.
const fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The one's-complement sum of `data` as big-endian 16-bit words (not
/// complemented).
pub fn sum(data: &[u8]) -> u16 {
    // A u64 cannot overflow on any slice that fits in memory of a router:
    // each step adds at most 0xffff.
    let mut acc: u64 = 0;
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(u16::from_be_bytes([*last, 0]));
    }
    fold(acc)
}

/// One's-complement addition of partial sums.
pub fn combine(parts: &[u16]) -> u16 {
    fold(parts.iter().map(|&p| u64::from(p)).sum())
}

/// The checksum field value for a finished sum.
pub const fn finish(sum: u16) -> u16 {
    !sum
}

/// The checksum of `data` alone (the field must be zero in `data`).
pub fn checksum(data: &[u8]) -> u16 {
    finish(sum(data))
}

/// True when `data`, including its checksum field, sums to all ones on top
/// of the pseudo-header sum `pseudo` (0 for none).
pub fn verify(pseudo: u16, data: &[u8]) -> bool {
    combine(&[pseudo, sum(data)]) == 0xffff
}

/// The partial sum of the IPv4 pseudo-header.
pub fn ipv4_pseudo_header(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: u16) -> u16 {
    let s = src.octets();
    let d = dst.octets();
    let l = length.to_be_bytes();
    sum(&[
        s[0], s[1], s[2], s[3], d[0], d[1], d[2], d[3], 0, protocol, l[0], l[1],
    ])
}

/// The partial sum of the IPv6 pseudo-header.
pub fn ipv6_pseudo_header(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, length: u32) -> u16 {
    let l = length.to_be_bytes();
    combine(&[
        sum(&src.octets()),
        sum(&dst.octets()),
        sum(&[l[0], l[1], l[2], l[3], 0, 0, 0, next_header]),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: the sum of these bytes is 0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(sum(&data), 0xddf2);
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
        assert_eq!(sum(&[]), 0);
    }

    #[test]
    fn parts_combine_like_the_whole() {
        let data: [u8; 10] = [0xff, 0xff, 0x80, 0x01, 0xfe, 0x00, 0x12, 0x34, 0xab, 0xcd];
        let whole = sum(&data);
        let (a, b) = data.split_at(4);
        assert_eq!(combine(&[sum(a), sum(b)]), whole);
    }

    #[test]
    fn verify_accepts_own_checksum() {
        let mut data = [0x45u8, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00];
        let c = checksum(&data);
        data[8..10].copy_from_slice(&c.to_be_bytes());
        assert!(verify(0, &data));
        data[0] ^= 1;
        assert!(!verify(0, &data));
    }

    #[test]
    fn ipv4_pseudo_header_by_hand() {
        let ph = ipv4_pseudo_header(
            Ipv4Addr::new(192, 0, 2, 1),
            Ipv4Addr::new(224, 0, 0, 18),
            112,
            16,
        );
        // c000 + 0201 + e000 + 0012 + 0070 + 0010 = 0x1a293 -> 0xa294
        assert_eq!(ph, 0xa294);
    }

    #[test]
    fn ipv6_pseudo_header_by_hand() {
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let dst: Ipv6Addr = "ff02::12".parse().unwrap();
        // fe80 + 0001 + ff02 + 0012 + 0018 + 0070 = 0x1fe1d -> 0xfe1e
        assert_eq!(ipv6_pseudo_header(&src, &dst, 112, 24), 0xfe1e);
    }
}
