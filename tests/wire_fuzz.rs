//! Deterministic fuzz-ish test: every parser in `wire` gets random,
//! truncated and mutated inputs and must return (Ok or Err), never panic.
//! Seeded xorshift, so a failure reproduces; the seed and case are printed.

include!("data/wire/golden.rs");

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use golden::*;
use tinyvrrpd::wire::vrrp::{Advert, ChecksumForm};
use tinyvrrpd::wire::{arp, ipv4, ndisc, netlink};

/// xorshift64* (Vigna): tiny, good enough to spread bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

const SEED: u64 = 0x7e57_f00d_1066_0041;
const ROUNDS: usize = 20_000;

fn seeds() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        V2_PASS,
        V2_PASS_PRIO0,
        GARP,
        V3_IPV4,
        V3_IPV4_PRIO0,
        V3_IPV6,
        V3_IPV6_PRIO0,
        UNSOLICITED_NA,
    ]
    .iter()
    .map(|s| hex(s))
    .collect();
    v.push(hex(V3_IPV4_PLAIN_VRRP));
    // A netlink dump-shaped buffer: two address messages and DONE.
    let mut nl = Vec::new();
    for (ty, family, addr) in [
        (20u16, 2u8, &[192u8, 0, 2, 1][..]),
        (20, 10, &[0xfe; 16][..]),
    ] {
        let alen = 4 + addr.len();
        let len = 16 + 8 + alen;
        nl.extend_from_slice(&(len as u32).to_ne_bytes());
        nl.extend_from_slice(&ty.to_ne_bytes());
        nl.extend_from_slice(&2u16.to_ne_bytes());
        nl.extend_from_slice(&[0; 8]);
        nl.extend_from_slice(&[family, 24, 0, 0, 7, 0, 0, 0]);
        nl.extend_from_slice(&(alen as u16).to_ne_bytes());
        nl.extend_from_slice(&1u16.to_ne_bytes());
        nl.extend_from_slice(addr);
    }
    nl.extend_from_slice(&20u32.to_ne_bytes());
    nl.extend_from_slice(&3u16.to_ne_bytes());
    nl.extend_from_slice(&[0; 14]);
    v.push(nl);
    v
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    match rng.below(4) {
        // Pure noise, sometimes with a plausible first byte.
        0 => {
            let n = rng.below(100);
            let mut b: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
            if let Some(first) = b.first_mut() {
                *first = [0x21, 0x31, 0x45, 0x46, 0x60][rng.below(5)];
            }
            b
        }
        // A truncated seed.
        1 => {
            let s = &seeds[rng.below(seeds.len())];
            s[..rng.below(s.len() + 1)].to_vec()
        }
        // A seed with a few bytes flipped, maybe extended.
        _ => {
            let mut b = seeds[rng.below(seeds.len())].clone();
            for _ in 0..1 + rng.below(4) {
                if !b.is_empty() {
                    let i = rng.below(b.len());
                    b[i] = rng.byte();
                }
            }
            if rng.below(4) == 0 {
                for _ in 0..rng.below(8) {
                    b.push(rng.byte());
                }
            }
            b
        }
    }
}

/// Runs every parser on `input`; counts the inputs some parser accepted,
/// so the test can tell it reached past the first checks.
fn exercise(input: &[u8], oks: &mut usize) {
    let v4 = (
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
    );
    let v6 = (
        IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1)),
        IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
    );
    // Frames (Ethernet first) and bare payloads at several offsets.
    for off in [0, ETH_LEN, ETH_LEN + IPV4_LEN, ETH_LEN + IPV6_LEN] {
        let Some(b) = input.get(off..) else { continue };
        for (src, dst) in [v4, v6, (v4.0, v6.1)] {
            if let Ok((advert, _)) = Advert::parse(b, src, dst) {
                *oks += 1;
                // Whatever parses must re-emit to something that parses
                // the same way.
                let mut buf = [0u8; 1500];
                for form in [ChecksumForm::Plain, ChecksumForm::PseudoHeader] {
                    if let Ok(n) = advert.emit(&mut buf, src, dst, form) {
                        assert_eq!(Advert::parse(&buf[..n], src, dst).unwrap().0, advert);
                    }
                }
            }
        }
        if let Ok(p) = ipv4::Packet::new_checked(b) {
            let _ = (
                p.check_vrrp(),
                p.payload(),
                p.options(),
                ipv4::Repr::parse(&p),
            );
        }
        let _ = arp::Repr::parse(b);
        if let Ok(r) = ndisc::Repr::parse(b) {
            let mut buf = [0u8; 128];
            let n = r.emit(&mut buf).unwrap();
            assert_eq!(ndisc::Repr::parse(&buf[..n]).unwrap(), r);
        }
        for m in netlink::messages(b).take(64).flatten() {
            if m.parse().is_ok() {
                *oks += 1;
            }
        }
    }
}

#[test]
fn parsers_never_panic() {
    let seeds = seeds();
    let mut rng = Rng(SEED);
    let mut oks = 0;
    for case in 0..ROUNDS {
        let input = mutate(&mut rng, &seeds);
        let r = std::panic::catch_unwind(|| {
            let mut n = 0;
            exercise(&input, &mut n);
            n
        });
        match r {
            Ok(n) => oks += n,
            Err(_) => panic!("seed {SEED:#x} case {case}: input {input:02x?}"),
        }
    }
    // Mutants of valid packets must sometimes survive, or the rounds only
    // ever test the first length check.
    assert!(oks > ROUNDS / 100, "only {oks} accepted");
}

#[test]
fn every_prefix_of_every_seed() {
    for s in seeds() {
        for n in 0..=s.len() {
            exercise(&s[..n], &mut 0);
        }
    }
}
