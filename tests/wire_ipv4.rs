//! IPv4 header view and emit against keepalived 2.2.7 captures.

include!("data/wire/golden.rs");

use std::net::{IpAddr, Ipv4Addr};

use golden::*;
use tinyvrrpd::wire::EmitError;
use tinyvrrpd::wire::ipv4::{Ipv4Error, Packet, Repr};
use tinyvrrpd::wire::vrrp::{Advert, ChecksumForm, RxError};

const R1: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

fn ip(frame: &str) -> Vec<u8> {
    hex(frame)[ETH_LEN..].to_vec()
}

fn fix_header_checksum(p: &mut [u8]) {
    let ihl = usize::from(p[0] & 0x0f) * 4;
    p[10] = 0;
    p[11] = 0;
    let c = tinyvrrpd::wire::checksum::checksum(&p[..ihl]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
}

#[test]
fn keepalived_header_fields() {
    // What keepalived 2.2.7 sends: TOS 0xc0, TTL 255, DF clear, ids from 1.
    for (frame, ident, len) in [
        (V2_PASS, 1, 40),
        (V2_PASS_PRIO0, 5, 40),
        (V3_IPV4, 1, 36),
        (V3_IPV4_PRIO0, 5, 36),
    ] {
        let bytes = ip(frame);
        let p = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.tos(), 0xc0);
        assert_eq!(p.total_len(), len);
        assert_eq!(p.ident(), ident);
        assert!(!p.dont_frag());
        assert!(!p.more_frags());
        assert_eq!(p.frag_offset(), 0);
        assert_eq!(p.ttl(), 255);
        assert_eq!(p.protocol(), 112);
        assert_eq!(p.src_addr(), R1);
        assert_eq!(p.dst_addr(), GROUP);
        assert!(p.options().is_empty());
        assert!(p.verify_checksum());
        assert_eq!(p.check_vrrp(), Ok(()));
        assert_eq!(p.payload(), &bytes[20..]);
        // The payload parses as the advert.
        Advert::parse(p.payload(), IpAddr::V4(R1), IpAddr::V4(GROUP)).unwrap();
    }
}

#[test]
fn emit_matches_keepalived_byte_for_byte() {
    for (frame, ident) in [(V2_PASS, 1), (V2_PASS_PRIO0, 5), (V3_IPV4, 1)] {
        let bytes = ip(frame);
        let repr = Repr::vrrp(R1, GROUP, bytes.len() - 20, ident);
        let mut buf = [0u8; 20];
        assert_eq!(repr.emit(&mut buf), Ok(20));
        assert_eq!(&buf[..], &bytes[..20]);
        assert_eq!(Repr::parse(&Packet::new_checked(&bytes[..]).unwrap()), repr);
    }
}

#[test]
fn full_advert_emit_matches_capture() {
    let bytes = ip(V3_IPV4);
    let (advert, form) = Advert::parse(&bytes[20..], IpAddr::V4(R1), IpAddr::V4(GROUP)).unwrap();
    assert_eq!(form, ChecksumForm::PseudoHeader);
    let mut buf = [0u8; 100];
    let n = advert
        .emit(&mut buf[20..], IpAddr::V4(R1), IpAddr::V4(GROUP), form)
        .unwrap();
    Repr::vrrp(R1, GROUP, n, 1).emit(&mut buf).unwrap();
    assert_eq!(&buf[..20 + n], &bytes[..]);
}

#[test]
fn options_are_skipped() {
    let mut bytes = ip(V2_PASS);
    // IHL 6 with a 4-byte Router Alert option.
    bytes.splice(20..20, [0x94, 0x04, 0x00, 0x00]);
    bytes[0] = 0x46;
    bytes[2..4].copy_from_slice(&44u16.to_be_bytes());
    fix_header_checksum(&mut bytes);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.header_len(), 24);
    assert_eq!(p.options(), &[0x94, 0x04, 0x00, 0x00]);
    assert_eq!(p.payload(), &ip(V2_PASS)[20..]);
    assert_eq!(p.check_vrrp(), Ok(()));
}

#[test]
fn rejects_too_short() {
    let bytes = ip(V2_PASS);
    for n in 0..bytes.len() {
        assert_eq!(
            Packet::new_checked(&bytes[..n]).err(),
            Some(Ipv4Error::TooShort),
            "len {n}"
        );
    }
    // IHL beyond the buffer.
    let mut short = bytes[..20].to_vec();
    short[0] = 0x4f;
    assert_eq!(
        Packet::new_checked(&short[..]).err(),
        Some(Ipv4Error::TooShort)
    );
}

#[test]
fn rejects_bad_version() {
    let mut bytes = ip(V2_PASS);
    bytes[0] = 0x65;
    assert_eq!(
        Packet::new_checked(&bytes[..]).err(),
        Some(Ipv4Error::BadVersion)
    );
}

#[test]
fn rejects_bad_header_len() {
    let mut bytes = ip(V2_PASS);
    bytes[0] = 0x44;
    assert_eq!(
        Packet::new_checked(&bytes[..]).err(),
        Some(Ipv4Error::BadHeaderLen)
    );
}

#[test]
fn rejects_bad_total_len() {
    let mut bytes = ip(V2_PASS);
    bytes[2..4].copy_from_slice(&19u16.to_be_bytes());
    assert_eq!(
        Packet::new_checked(&bytes[..]).err(),
        Some(Ipv4Error::BadTotalLen)
    );
    let mut bytes = ip(V2_PASS);
    bytes.push(0);
    assert_eq!(
        Packet::new_checked(&bytes[..]).err(),
        Some(Ipv4Error::BadTotalLen)
    );
}

#[test]
fn rejects_bad_checksum() {
    let mut bytes = ip(V2_PASS);
    bytes[11] ^= 1;
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.check_vrrp(), Err(Ipv4Error::BadChecksum));
}

#[test]
fn rejects_bad_ttl_on_multicast_only() {
    let mut bytes = ip(V2_PASS);
    bytes[8] = 254;
    fix_header_checksum(&mut bytes);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.check_vrrp(), Err(Ipv4Error::BadTtl));
    // Unicast to 192.0.2.2: TTL is not checked.
    bytes[16..20].copy_from_slice(&[192, 0, 2, 2]);
    fix_header_checksum(&mut bytes);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.check_vrrp(), Ok(()));
}

#[test]
fn rejects_bad_protocol() {
    let mut bytes = ip(V2_PASS);
    bytes[9] = 17;
    fix_header_checksum(&mut bytes);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.check_vrrp(), Err(Ipv4Error::BadProtocol));
}

#[test]
fn maps_into_rx_error() {
    assert_eq!(RxError::from(Ipv4Error::TooShort), RxError::TooShort);
    assert_eq!(RxError::from(Ipv4Error::BadTotalLen), RxError::BadLength);
    assert_eq!(RxError::from(Ipv4Error::BadHeaderLen), RxError::BadLength);
    assert_eq!(RxError::from(Ipv4Error::BadTtl), RxError::BadTtl);
    assert_eq!(RxError::from(Ipv4Error::BadChecksum), RxError::BadChecksum);
}

#[test]
fn emit_errors() {
    let mut buf = [0u8; 19];
    assert_eq!(
        Repr::vrrp(R1, GROUP, 20, 1).emit(&mut buf),
        Err(EmitError::BufferTooSmall)
    );
    let mut buf = [0u8; 20];
    assert_eq!(
        Repr::vrrp(R1, GROUP, 65516, 1).emit(&mut buf),
        Err(EmitError::TooLong)
    );
    let mut r = Repr::vrrp(R1, GROUP, 0, 7);
    r.dont_frag = true;
    r.emit(&mut buf).unwrap();
    let p = Packet::new_checked(&buf[..]).unwrap();
    assert!(p.dont_frag());
    assert!(p.verify_checksum());
}
