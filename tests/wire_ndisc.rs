//! Unsolicited neighbour advertisement against keepalived 2.2.7's capture.

include!("data/wire/golden.rs");

use std::net::Ipv6Addr;

use golden::*;
use tinyvrrpd::wire::EmitError;
use tinyvrrpd::wire::ndisc::{FRAME_LEN, NdiscError, Repr};

const VIP: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100);

/// keepalived's NA: from the VIP, Override only.
fn keepalived_na() -> Repr {
    Repr::unsolicited(R1_MAC, VIP, VIP, false)
}

#[test]
fn emit_matches_keepalived() {
    let want = hex(UNSOLICITED_NA);
    let mut buf = [0u8; 128];
    let n = keepalived_na().emit(&mut buf).unwrap();
    assert_eq!(n, FRAME_LEN);
    assert_eq!(&buf[..n], &want[..]);
}

#[test]
fn parse_keepalived() {
    let r = Repr::parse(&hex(UNSOLICITED_NA)).unwrap();
    assert_eq!(r, keepalived_na());
    assert!(r.override_flag && !r.router_flag && !r.solicited_flag);
    assert_eq!(r.target_mac, Some(R1_MAC));
}

#[test]
fn round_trip_router_flag_and_link_local_source() {
    let ll: Ipv6Addr = "fe80::ff:fe00:1".parse().unwrap();
    let mut buf = [0u8; 128];
    for repr in [
        Repr::unsolicited(R1_MAC, ll, VIP, true),
        Repr {
            target_mac: None,
            ..Repr::unsolicited(R1_MAC, VIP, VIP, false)
        },
    ] {
        let n = repr.emit(&mut buf).unwrap();
        assert_eq!(n, repr.buffer_len());
        assert_eq!(Repr::parse(&buf[..n]).unwrap(), repr);
    }
}

#[test]
fn parse_ignores_padding() {
    let mut frame = hex(UNSOLICITED_NA);
    frame.extend_from_slice(&[0; 4]);
    assert_eq!(Repr::parse(&frame).unwrap(), keepalived_na());
}

/// Re-checksums the ICMPv6 part of a frame after a deliberate change.
fn fix_icmp_checksum(f: &mut [u8]) {
    use tinyvrrpd::wire::checksum;
    f[56] = 0;
    f[57] = 0;
    let src = Ipv6Addr::from(<[u8; 16]>::try_from(&f[22..38]).unwrap());
    let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&f[38..54]).unwrap());
    let len = u16::from_be_bytes([f[18], f[19]]);
    let icmp = &f[54..54 + usize::from(len)];
    let ph = checksum::ipv6_pseudo_header(&src, &dst, 58, u32::from(len));
    let c = checksum::finish(checksum::combine(&[ph, checksum::sum(icmp)]));
    f[56..58].copy_from_slice(&c.to_be_bytes());
}

#[test]
fn parse_errors() {
    let frame = hex(UNSOLICITED_NA);
    for n in 0..54 {
        assert_eq!(
            Repr::parse(&frame[..n]),
            Err(NdiscError::TooShort),
            "len {n}"
        );
    }
    for n in 54..frame.len() {
        assert_eq!(
            Repr::parse(&frame[..n]),
            Err(NdiscError::BadLength),
            "len {n}"
        );
    }
    let mut f = frame.clone();
    f[12] = 0x08;
    assert_eq!(Repr::parse(&f), Err(NdiscError::NotIpv6));
    let mut f = frame.clone();
    f[14] = 0x40;
    assert_eq!(Repr::parse(&f), Err(NdiscError::NotIpv6));
    let mut f = frame.clone();
    f[20] = 17;
    assert_eq!(Repr::parse(&f), Err(NdiscError::NotIcmpv6));
    let mut f = frame.clone();
    f[54] = 135;
    fix_icmp_checksum(&mut f);
    assert_eq!(Repr::parse(&f), Err(NdiscError::NotNa));
    let mut f = frame.clone();
    f[55] = 1;
    fix_icmp_checksum(&mut f);
    assert_eq!(Repr::parse(&f), Err(NdiscError::NotNa));
    let mut f = frame.clone();
    f[21] = 64;
    assert_eq!(Repr::parse(&f), Err(NdiscError::BadHopLimit));
    let mut f = frame.clone();
    f[60] ^= 1;
    assert_eq!(Repr::parse(&f), Err(NdiscError::BadChecksum));
    let mut f = frame.clone();
    f[79] = 0; // option length 0
    fix_icmp_checksum(&mut f);
    assert_eq!(Repr::parse(&f), Err(NdiscError::BadOption));
    let mut f = frame.clone();
    f[79] = 2; // option runs past the message
    fix_icmp_checksum(&mut f);
    assert_eq!(Repr::parse(&f), Err(NdiscError::BadOption));
    // ICMPv6 shorter than an NA.
    let mut f = frame[..70].to_vec();
    f[18..20].copy_from_slice(&16u16.to_be_bytes());
    fix_icmp_checksum(&mut f);
    assert_eq!(Repr::parse(&f), Err(NdiscError::TooShort));
}

#[test]
fn emit_needs_room() {
    let mut buf = [0u8; FRAME_LEN - 1];
    assert_eq!(
        keepalived_na().emit(&mut buf),
        Err(EmitError::BufferTooSmall)
    );
}
