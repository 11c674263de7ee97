//! Gratuitous ARP against keepalived 2.2.7's capture.

include!("data/wire/golden.rs");

use std::net::Ipv4Addr;

use golden::*;
use tinyvrrpd::wire::EmitError;
use tinyvrrpd::wire::arp::{ArpError, FRAME_LEN, OPER_REQUEST, Repr};

const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);

#[test]
fn emit_matches_keepalived() {
    let want = hex(GARP);
    let mut buf = [0u8; 64];
    let n = Repr::gratuitous(R1_MAC, VIP).emit(&mut buf).unwrap();
    assert_eq!(n, FRAME_LEN);
    assert_eq!(&buf[..n], &want[..]);
}

#[test]
fn parse_keepalived() {
    let r = Repr::parse(&hex(GARP)).unwrap();
    assert_eq!(r, Repr::gratuitous(R1_MAC, VIP));
    assert_eq!(r.oper, OPER_REQUEST);
    assert_eq!(r.target_mac, [0xff; 6]);
    assert!(r.is_gratuitous());
}

#[test]
fn parse_ignores_ethernet_padding() {
    let mut frame = hex(GARP);
    frame.resize(60, 0);
    assert_eq!(Repr::parse(&frame).unwrap(), Repr::gratuitous(R1_MAC, VIP));
}

#[test]
fn parse_errors() {
    let frame = hex(GARP);
    for n in 0..FRAME_LEN {
        assert_eq!(Repr::parse(&frame[..n]), Err(ArpError::TooShort));
    }
    let mut f = frame.clone();
    f[13] = 0x00;
    assert_eq!(Repr::parse(&f), Err(ArpError::NotArp));
    for i in [15, 16, 18, 19] {
        let mut f = frame.clone();
        f[i] ^= 0x10;
        assert_eq!(Repr::parse(&f), Err(ArpError::Unsupported), "byte {i}");
    }
}

#[test]
fn emit_needs_room() {
    let mut buf = [0u8; FRAME_LEN - 1];
    assert_eq!(
        Repr::gratuitous(R1_MAC, VIP).emit(&mut buf),
        Err(EmitError::BufferTooSmall)
    );
}
