//! VRRP advert parse/emit against keepalived 2.2.7 captures, round trips,
//! and one crafted packet per rejection reason.

include!("data/wire/golden.rs");

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arrayvec::ArrayVec;
use golden::*;
use tinyvrrpd::limits::MAX_VIPS;
use tinyvrrpd::wire::checksum;
use tinyvrrpd::wire::vrrp::{Advert, AuthType, ChecksumForm, RxError, TxError, Version};

const R1_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const GROUP_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
const R1_LL: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1));
const GROUP_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12));

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn addrs(list: &[IpAddr]) -> ArrayVec<IpAddr, MAX_VIPS> {
    list.iter().copied().collect()
}

/// The VRRP message of a captured IPv4 frame.
fn vrrp4(frame: &str) -> Vec<u8> {
    hex(frame)[ETH_LEN + IPV4_LEN..].to_vec()
}

/// The VRRP message of a captured IPv6 frame.
fn vrrp6(frame: &str) -> Vec<u8> {
    hex(frame)[ETH_LEN + IPV6_LEN..].to_vec()
}

fn pass_1066() -> [u8; 8] {
    *b"1066\0\0\0\0"
}

/// Parses `msg`, checks it equals `want`, and re-emits it byte for byte.
fn golden_round_trip(msg: &[u8], src: IpAddr, dst: IpAddr, want: &Advert, form: ChecksumForm) {
    let (got, got_form) = Advert::parse(msg, src, dst).unwrap();
    assert_eq!(&got, want);
    assert_eq!(got_form, form);
    assert_eq!(got.buffer_len(), msg.len());
    let mut buf = [0u8; 200];
    let n = got.emit(&mut buf, src, dst, form).unwrap();
    assert_eq!(&buf[..n], msg);
}

fn v2_pass_advert(priority: u8) -> Advert {
    Advert {
        version: Version::V2,
        vrid: 41,
        priority,
        max_adver_int_cs: 100,
        auth_type: AuthType::Pass,
        auth_data: pass_1066(),
        addrs: addrs(&[v4(192, 0, 2, 100)]),
    }
}

fn v3_ipv4_advert(priority: u8) -> Advert {
    Advert {
        version: Version::V3,
        vrid: 42,
        priority,
        max_adver_int_cs: 100,
        auth_type: AuthType::None,
        auth_data: [0; 8],
        addrs: addrs(&[v4(192, 0, 2, 101), v4(192, 0, 2, 102)]),
    }
}

fn v3_ipv6_advert(priority: u8) -> Advert {
    Advert {
        version: Version::V3,
        vrid: 44,
        priority,
        max_adver_int_cs: 100,
        auth_type: AuthType::None,
        auth_data: [0; 8],
        addrs: addrs(&["2001:db8::100".parse().unwrap()]),
    }
}

#[test]
fn golden_v2_pass() {
    let msg = vrrp4(V2_PASS);
    golden_round_trip(
        &msg,
        R1_V4,
        GROUP_V4,
        &v2_pass_advert(200),
        ChecksumForm::Plain,
    );
}

#[test]
fn golden_v2_priority_zero() {
    let msg = vrrp4(V2_PASS_PRIO0);
    golden_round_trip(
        &msg,
        R1_V4,
        GROUP_V4,
        &v2_pass_advert(0),
        ChecksumForm::Plain,
    );
}

#[test]
fn golden_v3_ipv4_pseudo_header() {
    let msg = vrrp4(V3_IPV4);
    golden_round_trip(
        &msg,
        R1_V4,
        GROUP_V4,
        &v3_ipv4_advert(150),
        ChecksumForm::PseudoHeader,
    );
}

#[test]
fn golden_v3_ipv4_priority_zero() {
    let msg = vrrp4(V3_IPV4_PRIO0);
    golden_round_trip(
        &msg,
        R1_V4,
        GROUP_V4,
        &v3_ipv4_advert(0),
        ChecksumForm::PseudoHeader,
    );
}

#[test]
fn v3_ipv4_plain_form_hand_computed() {
    let msg = hex(V3_IPV4_PLAIN_VRRP);
    golden_round_trip(
        &msg,
        R1_V4,
        GROUP_V4,
        &v3_ipv4_advert(150),
        ChecksumForm::Plain,
    );
}

#[test]
fn golden_v3_ipv6() {
    let msg = vrrp6(V3_IPV6);
    golden_round_trip(
        &msg,
        R1_LL,
        GROUP_V6,
        &v3_ipv6_advert(120),
        ChecksumForm::PseudoHeader,
    );
}

#[test]
fn golden_v3_ipv6_priority_zero() {
    let msg = vrrp6(V3_IPV6_PRIO0);
    golden_round_trip(
        &msg,
        R1_LL,
        GROUP_V6,
        &v3_ipv6_advert(0),
        ChecksumForm::PseudoHeader,
    );
}

#[test]
fn v3_ipv6_ignores_plain_form_on_emit() {
    let mut buf = [0u8; 64];
    let n = v3_ipv6_advert(120)
        .emit(&mut buf, R1_LL, GROUP_V6, ChecksumForm::Plain)
        .unwrap();
    assert_eq!(&buf[..n], &vrrp6(V3_IPV6)[..]);
}

#[test]
fn v3_pseudo_header_depends_on_addresses() {
    // The pseudo-header checksum verified for 192.0.2.1 > 224.0.0.18 does
    // not verify from another source, and it is not the plain form.
    let msg = vrrp4(V3_IPV4);
    assert_eq!(
        Advert::parse(&msg, v4(192, 0, 2, 9), GROUP_V4),
        Err(RxError::BadChecksum)
    );
}

#[test]
fn round_trips() {
    let many_v4: Vec<IpAddr> = (1..=MAX_VIPS as u8).map(|i| v4(192, 0, 2, i)).collect();
    let many_v6: Vec<IpAddr> = (1..=MAX_VIPS as u16)
        .map(|i| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i)))
        .collect();
    let cases = [
        (
            Advert {
                version: Version::V2,
                vrid: 1,
                priority: 255,
                max_adver_int_cs: 25500,
                auth_type: AuthType::None,
                auth_data: [0; 8],
                addrs: addrs(&many_v4),
            },
            R1_V4,
            GROUP_V4,
            ChecksumForm::Plain,
        ),
        (
            Advert {
                version: Version::V3,
                vrid: 255,
                priority: 1,
                max_adver_int_cs: 4095,
                auth_type: AuthType::None,
                auth_data: [0; 8],
                addrs: addrs(&many_v4),
            },
            R1_V4,
            v4(192, 0, 2, 2),
            ChecksumForm::PseudoHeader,
        ),
        (
            Advert {
                version: Version::V3,
                vrid: 7,
                priority: 100,
                max_adver_int_cs: 1,
                auth_type: AuthType::None,
                auth_data: [0; 8],
                addrs: addrs(&many_v4[..1]),
            },
            R1_V4,
            GROUP_V4,
            ChecksumForm::Plain,
        ),
        (
            Advert {
                version: Version::V3,
                vrid: 9,
                priority: 254,
                max_adver_int_cs: 10,
                auth_type: AuthType::None,
                auth_data: [0; 8],
                addrs: addrs(&many_v6),
            },
            R1_LL,
            GROUP_V6,
            ChecksumForm::PseudoHeader,
        ),
    ];
    for (advert, src, dst, form) in cases {
        let mut buf = [0u8; 1500];
        let n = advert.emit(&mut buf, src, dst, form).unwrap();
        assert_eq!(n, advert.buffer_len());
        let (back, back_form) = Advert::parse(&buf[..n], src, dst).unwrap();
        assert_eq!(back, advert);
        assert_eq!(back_form, form);
    }
}

/// Recomputes the checksum of a crafted message so that only the intended
/// defect remains.
fn fix_plain_checksum(msg: &mut [u8]) {
    msg[6] = 0;
    msg[7] = 0;
    let c = checksum::checksum(msg);
    msg[6..8].copy_from_slice(&c.to_be_bytes());
}

fn parse4(msg: &[u8]) -> Result<(Advert, ChecksumForm), RxError> {
    Advert::parse(msg, R1_V4, GROUP_V4)
}

#[test]
fn rejects_too_short_header() {
    let msg = vrrp4(V2_PASS);
    for n in 0..8 {
        assert_eq!(parse4(&msg[..n]), Err(RxError::TooShort), "len {n}");
    }
}

#[test]
fn rejects_truncated_body_as_too_short() {
    let msg = vrrp4(V2_PASS);
    for n in 8..msg.len() {
        assert_eq!(parse4(&msg[..n]), Err(RxError::TooShort), "len {n}");
    }
}

#[test]
fn rejects_trailing_bytes_as_bad_length() {
    let mut msg = vrrp4(V2_PASS);
    msg.extend_from_slice(&[0, 0]);
    fix_plain_checksum(&mut msg);
    assert_eq!(parse4(&msg), Err(RxError::BadLength));
}

#[test]
fn rejects_bad_version() {
    for v in [0u8, 1, 4, 15] {
        let mut msg = vrrp4(V2_PASS);
        msg[0] = (v << 4) | 1;
        fix_plain_checksum(&mut msg);
        assert_eq!(parse4(&msg), Err(RxError::BadVersion), "version {v}");
    }
}

#[test]
fn rejects_bad_type() {
    for t in [0u8, 2, 15] {
        let mut msg = vrrp4(V2_PASS);
        msg[0] = 0x20 | t;
        fix_plain_checksum(&mut msg);
        assert_eq!(parse4(&msg), Err(RxError::BadType), "type {t}");
    }
}

#[test]
fn rejects_bad_checksum() {
    let mut msg = vrrp4(V2_PASS);
    msg[2] = 199;
    assert_eq!(parse4(&msg), Err(RxError::BadChecksum));
    let mut msg = vrrp4(V3_IPV4);
    msg[7] ^= 0x01;
    assert_eq!(parse4(&msg), Err(RxError::BadChecksum));
    // IPv6 accepts only the pseudo-header form.
    let mut msg = vrrp6(V3_IPV6);
    fix_plain_checksum(&mut msg);
    assert_eq!(
        Advert::parse(&msg, R1_LL, GROUP_V6),
        Err(RxError::BadChecksum)
    );
}

/// An OpenBSD-style CARP advert: version 2, type 1, vhid 41, advskew 0,
/// authlen 7, advbase 1, a counter and an HMAC, with a valid checksum.
fn carp_advert() -> Vec<u8> {
    let mut msg = vec![0x21, 41, 0, 7, 0, 1, 0, 0];
    msg.extend_from_slice(&[0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]);
    msg.extend((0..20).map(|i| 0xa0 + i as u8));
    fix_plain_checksum(&mut msg);
    assert_eq!(msg.len(), 36);
    msg
}

#[test]
fn rejects_carp() {
    let msg = carp_advert();
    assert_eq!(parse4(&msg), Err(RxError::Carp));
    assert_eq!(Advert::parse(&msg, R1_LL, GROUP_V6), Err(RxError::Carp));
}

#[test]
fn a_36_byte_v2_advert_is_not_carp() {
    // Five IPv4 addresses make a v2 advert 36 bytes long, CARP's size.
    let advert = Advert {
        version: Version::V2,
        vrid: 41,
        priority: 100,
        max_adver_int_cs: 100,
        auth_type: AuthType::None,
        auth_data: [0; 8],
        addrs: (1..=5).map(|i| v4(192, 0, 2, i)).collect(),
    };
    let mut buf = [0u8; 64];
    let n = advert
        .emit(&mut buf, R1_V4, GROUP_V4, ChecksumForm::Plain)
        .unwrap();
    assert_eq!(n, 36);
    assert_eq!(parse4(&buf[..n]).unwrap().0, advert);
}

#[test]
fn rejects_bad_family() {
    // v2 over IPv6.
    let mut msg = vec![0x21, 41, 100, 1, 0, 1, 0, 0];
    msg.extend_from_slice(&Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100).octets());
    msg.extend_from_slice(&[0; 8]);
    fix_plain_checksum(&mut msg);
    assert_eq!(
        Advert::parse(&msg, R1_LL, GROUP_V6),
        Err(RxError::BadFamily)
    );
    // Source and destination of different families.
    let msg = vrrp4(V3_IPV4);
    assert_eq!(
        Advert::parse(&msg, R1_LL, GROUP_V4),
        Err(RxError::BadFamily)
    );
}

#[test]
fn rejects_too_many_addrs() {
    let count = MAX_VIPS as u8 + 1;
    let mut msg = vec![0x21, 41, 100, count, 0, 1, 0, 0];
    for i in 0..count {
        msg.extend_from_slice(&[192, 0, 2, i]);
    }
    msg.extend_from_slice(&[0; 8]);
    fix_plain_checksum(&mut msg);
    assert_eq!(parse4(&msg), Err(RxError::TooManyAddrs));
}

#[test]
fn rejects_undefined_auth_type() {
    let mut msg = vrrp4(V2_PASS);
    msg[4] = 3;
    fix_plain_checksum(&mut msg);
    assert_eq!(parse4(&msg), Err(RxError::AuthTypeMismatch));
}

#[test]
fn v3_reserved_bits_are_ignored() {
    let mut msg = hex(V3_IPV4_PLAIN_VRRP);
    msg[4] |= 0xf0;
    fix_plain_checksum(&mut msg);
    let (advert, form) = parse4(&msg).unwrap();
    assert_eq!(advert.max_adver_int_cs, 100);
    assert_eq!(form, ChecksumForm::Plain);
}

#[test]
fn emit_errors() {
    let mut buf = [0u8; 64];
    let advert = v2_pass_advert(200);
    assert_eq!(
        advert.emit(&mut buf[..19], R1_V4, GROUP_V4, ChecksumForm::Plain),
        Err(TxError::BufferTooSmall)
    );
    assert_eq!(
        advert.emit(&mut buf, R1_LL, GROUP_V6, ChecksumForm::Plain),
        Err(TxError::BadFamily)
    );
    assert_eq!(
        advert.emit(&mut buf, R1_V4, GROUP_V6, ChecksumForm::Plain),
        Err(TxError::BadFamily)
    );
    let mut v6_in_v4 = v3_ipv4_advert(100);
    v6_in_v4.addrs.push("2001:db8::1".parse().unwrap());
    assert_eq!(
        v6_in_v4.emit(&mut buf, R1_V4, GROUP_V4, ChecksumForm::Plain),
        Err(TxError::BadFamily)
    );
    for cs in [0u16, 50, 150, 25600] {
        let mut a = v2_pass_advert(200);
        a.max_adver_int_cs = cs;
        assert_eq!(
            a.emit(&mut buf, R1_V4, GROUP_V4, ChecksumForm::Plain),
            Err(TxError::BadInterval),
            "{cs} cs"
        );
    }
    for cs in [0u16, 4096] {
        let mut a = v3_ipv4_advert(100);
        a.max_adver_int_cs = cs;
        assert_eq!(
            a.emit(&mut buf, R1_V4, GROUP_V4, ChecksumForm::Plain),
            Err(TxError::BadInterval),
            "{cs} cs"
        );
    }
}

/// Issue 10 item 5: Max Adver Int 0 (below VRRPv3's 10 ms minimum) is
/// dropped in every checksum form and family, whatever the reserved bits;
/// 1 cs, the minimum, is accepted. v2's whole-second interval 0 likewise.
#[test]
fn rejects_interval_zero() {
    let mut plain = hex(V3_IPV4_PLAIN_VRRP);
    plain[4] = 0xf0;
    plain[5] = 0;
    fix_plain_checksum(&mut plain);
    assert_eq!(parse4(&plain), Err(RxError::IntervalTooShort));
    plain[5] = 1;
    fix_plain_checksum(&mut plain);
    assert_eq!(parse4(&plain).map(|(a, _)| a.max_adver_int_cs), Ok(1));

    let mut buf = [0u8; 64];
    let cases = [
        (v3_ipv4_advert(100), R1_V4, GROUP_V4),
        (v3_ipv6_advert(100), R1_LL, GROUP_V6),
    ];
    for (mut advert, src, dst) in cases {
        advert.max_adver_int_cs = 1;
        let n = advert
            .emit(&mut buf, src, dst, ChecksumForm::PseudoHeader)
            .unwrap();
        // Interval 1 -> 0 in place, and the checksum with it (RFC 1624:
        // the sum drops by one).
        assert_eq!(&buf[4..6], &[0, 1]);
        buf[5] = 0;
        let c = u16::from_be_bytes([buf[6], buf[7]]);
        let fixed = checksum::finish(checksum::combine(&[!c, 0xfffe]));
        buf[6..8].copy_from_slice(&fixed.to_be_bytes());
        assert_eq!(
            Advert::parse(&buf[..n], src, dst),
            Err(RxError::IntervalTooShort),
            "{src}"
        );
    }

    let mut v2 = vrrp4(V2_PASS);
    v2[5] = 0;
    fix_plain_checksum(&mut v2);
    assert_eq!(parse4(&v2), Err(RxError::IntervalTooShort));
}
