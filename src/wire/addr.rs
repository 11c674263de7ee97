//! IP addresses as text without core::net's parser and formatter (some
//! 4 KB of a MIPS binary): the strict forms std's `parse` accepts (no
//! leading zeros in IPv4, no shorthands like `10.1`) and the text std's
//! `Display` writes (the longest run of two or more zero groups as `::`,
//! the first of equal ones; IPv4-mapped as `::ffff:a.b.c.d`). The unit
//! tests hold both to std.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `{}` of an address, as std writes it (width and alignment too).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Ip(pub IpAddr);

impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = Text::default();
        match self.0 {
            IpAddr::V4(a) => t.v4(a.octets()),
            IpAddr::V6(a) => t.v6(&a),
        }
        f.pad(t.as_str())
    }
}

impl<T: Into<IpAddr>> From<T> for Ip {
    fn from(a: T) -> Ip {
        Ip(a.into())
    }
}

/// The longest text: eight groups of four hex digits and seven colons.
const MAX: usize = 39;

/// An address's text, built in place.
struct Text {
    buf: [u8; MAX],
    len: usize,
}

impl Default for Text {
    fn default() -> Text {
        Text {
            buf: [0; MAX],
            len: 0,
        }
    }
}

impl Text {
    fn push(&mut self, c: u8) {
        if let Some(d) = self.buf.get_mut(self.len) {
            *d = c;
            self.len += 1;
        }
    }

    fn as_str(&self) -> &str {
        let b = self.buf.get(..self.len).unwrap_or_default();
        core::str::from_utf8(b).unwrap_or_default()
    }

    /// `v` in `base` (10 or 16, lowercase), without leading zeros.
    fn num(&mut self, v: u16, base: u16) {
        let mut d = 1;
        while v / d >= base {
            d *= base;
        }
        while d > 0 {
            self.push(b"0123456789abcdef"[usize::from(v / d % base)]);
            d /= base;
        }
    }

    /// `a.b.c.d`.
    fn v4(&mut self, o: [u8; 4]) {
        for (i, x) in o.iter().enumerate() {
            if i > 0 {
                self.push(b'.');
            }
            self.num(u16::from(*x), 10);
        }
    }

    fn v6(&mut self, a: &Ipv6Addr) {
        let o = a.octets();
        // IPv4-mapped: ten zero octets and two 0xff (on the octets: no
        // u128 maths on a 32-bit router, issue 17: size).
        if o[..12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] {
            for c in b"::ffff:" {
                self.push(*c);
            }
            return self.v4([o[12], o[13], o[14], o[15]]);
        }
        // The longest run of zero groups (the first of equal ones), as
        // `::`; a lone zero group is written.
        let group = |i: usize| u16::from(o[2 * i]) << 8 | u16::from(o[2 * i + 1]);
        let (mut start, mut len, mut run) = (8, 0, 0);
        for i in 0..8 {
            run = if group(i) == 0 { run + 1 } else { 0 };
            if run > len.max(1) {
                (start, len) = (i + 1 - run, run);
            }
        }
        for i in 0..8 {
            if i == start {
                self.push(b':');
                if start + len == 8 {
                    self.push(b':');
                }
            }
            if i >= start && i < start + len {
                continue;
            }
            if i > 0 {
                self.push(b':');
            }
            self.num(group(i), 16);
        }
    }
}

/// IPv4 or IPv6, as `s.parse::<IpAddr>()` reads it.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    match parse_v4(s) {
        Some(a) => Some(IpAddr::V4(a)),
        None => parse_v6(s).map(IpAddr::V6),
    }
}

/// `a.b.c.d`: four decimal numbers to 255, none with a leading zero.
pub fn parse_v4(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    let mut o = [0u8; 4];
    let (mut k, mut v, mut len) = (0, 0u32, 0);
    for i in 0..=b.len() {
        match b.get(i) {
            Some(&c) if c.is_ascii_digit() => {
                if len == 1 && v == 0 {
                    return None;
                }
                v = v * 10 + u32::from(c - b'0');
                len += 1;
            }
            Some(b'.') | None if len > 0 => {
                *o.get_mut(k)? = u8::try_from(v).ok()?;
                (k, v, len) = (k + 1, 0, 0);
            }
            _ => return None,
        }
    }
    (k == 4).then_some(Ipv4Addr::from(o))
}

/// IPv6 as std reads it: eight groups of one to four hex digits, the last
/// two of which may be an IPv4 address, or fewer around one `::` that
/// stands for at least one zero group.
pub fn parse_v6(s: &str) -> Option<Ipv6Addr> {
    let b = s.as_bytes();
    // The octets, two per group: no u16 groups to swap into network order
    // after (issue 17: size).
    let mut o = [0u8; 16];
    let (mut n, mut gap, mut i) = (0, None, 0);
    if b.starts_with(b"::") {
        (gap, i) = (Some(0), 2);
    }
    while i < b.len() {
        let start = i;
        let mut v = 0u32;
        while let Some(d) = b.get(i).and_then(|&c| hex_digit(c)) {
            if i - start == 4 {
                return None;
            }
            (v, i) = (v << 4 | d, i + 1);
        }
        if b.get(i) == Some(&b'.') {
            // An IPv4 address: the last four octets.
            let v4 = parse_v4(s.get(start..)?)?.octets();
            o.get_mut(n..n + 4)?.copy_from_slice(&v4);
            n += 4;
            break;
        }
        if i == start {
            return None;
        }
        *o.get_mut(n)? = (v >> 8) as u8;
        *o.get_mut(n + 1)? = v as u8;
        n += 2;
        match (b.get(i), b.get(i + 1)) {
            (None, _) => break,
            (Some(b':'), Some(b':')) if gap.is_none() => (gap, i) = (Some(n), i + 2),
            (Some(b':'), Some(_)) => i += 1,
            _ => return None,
        }
    }
    match gap {
        None => (n == 16).then_some(())?,
        Some(at) if n < 16 => {
            // Move the octets after the `::` to the end, zeros before.
            for k in (at..n).rev() {
                let x = core::mem::take(o.get_mut(k)?);
                *o.get_mut(k + 16 - n)? = x;
            }
        }
        Some(_) => return None,
    }
    Some(Ipv6Addr::from(o))
}

/// The value of a hex digit.
fn hex_digit(c: u8) -> Option<u32> {
    let d = match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => return None,
    };
    Some(u32::from(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    /// A small deterministic generator.
    fn next(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    fn same_text(a: IpAddr) {
        assert_eq!(Ip(a).to_string(), a.to_string(), "{a:?}");
        assert_eq!(format!("{:>42}|", Ip(a)), format!("{a:>42}|"));
        assert_eq!(parse_ip(&a.to_string()), Some(a));
    }

    #[test]
    fn every_zero_run_is_written_as_std_writes_it() {
        let mut seed = 1;
        for mask in 0u32..256 {
            for _ in 0..4 {
                let mut g = [0u16; 8];
                for (i, x) in g.iter_mut().enumerate() {
                    if mask & (1 << i) != 0 {
                        *x = match next(&mut seed) % 4 {
                            0 => 1,
                            1 => 0xffff,
                            2 => 0xabc,
                            _ => next(&mut seed) as u16 | 1,
                        };
                    }
                }
                same_text(Ipv6Addr::from(g).into());
            }
        }
        for g5 in [0, 1, 0xfffe, 0xffff] {
            for v4 in [0u32, 1, 0x0102_0304, 0xffff_ffff, 0x0a00_0001] {
                let [a, b, c, d] = v4.to_be_bytes();
                let g = [
                    0,
                    0,
                    0,
                    0,
                    0,
                    g5,
                    u16::from_be_bytes([a, b]),
                    u16::from_be_bytes([c, d]),
                ];
                same_text(Ipv6Addr::from(g).into());
            }
        }
    }

    #[test]
    fn ipv4_as_std() {
        let mut seed = 7;
        for _ in 0..2000 {
            let v = next(&mut seed) as u32;
            let v = match v % 3 {
                0 => v & 0x0f0f_0f0f,
                1 => v & 0x6363_6363,
                _ => v,
            };
            same_text(Ipv4Addr::from(v).into());
        }
        same_text(Ipv4Addr::UNSPECIFIED.into());
        same_text(Ipv4Addr::BROADCAST.into());
    }

    fn same_parse(s: &str) -> bool {
        assert_eq!(parse_ip(s), IpAddr::from_str(s).ok(), "{s:?}");
        assert_eq!(parse_v4(s), Ipv4Addr::from_str(s).ok(), "{s:?}");
        assert_eq!(parse_v6(s), Ipv6Addr::from_str(s).ok(), "{s:?}");
        parse_ip(s).is_some()
    }

    #[test]
    fn parses_what_std_parses_and_refuses_what_it_refuses() {
        for s in [
            "",
            ".",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.04",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3.-4",
            "+1.2.3.4",
            "1..2.3",
            " 1.2.3.4",
            "1.2.3.4 ",
            "1.2.3.000",
            "00.1.2.3",
            "1.2.3.4/24",
            "::",
            ":",
            ":::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::",
            "1:2:3:4:5:6:7::8",
            "::1:2:3:4:5:6:7",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
            "1::2::3",
            "1:::2",
            ":1::2",
            "1::2:",
            "12345::",
            "01234::",
            "0000::",
            "ABCD::ef",
            "g::",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1:2:3:4:5:1.2.3.4",
            "1.2.3.4::",
            "1.2.3.4::1",
            "::1.2.3.4:1",
            "::1.2.3",
            "::01.2.3.4",
            "::1.2.3.4.5",
            "1:2:3:4:5::1.2.3.4",
            "1:2:3:4:5:6::1.2.3.4",
            "fe80::1%eth0",
            "[::1]",
            "::ffff:1.2.3.256",
            "1::2:3:4:5:6:7",
            "1::2:3:4:5:6:7:8",
            "::0:0:0:0:0:0:0",
            "::0:0:0:0:0:0:0:0",
            "+1::",
            "1:+2::",
            "::1:ffff:1.2.3.4",
            "::12.34.56.78",
            "::a.b.c.d",
            "a:b",
            "1.2.3.4:5",
        ] {
            let _ = same_parse(s);
        }
    }

    #[test]
    fn mutated_addresses_parse_as_std() {
        let seeds = [
            "2001:db8::1",
            "::ffff:192.0.2.1",
            "1:2:3:4:5:6:7:8",
            "192.0.2.10",
            "fe80::",
        ];
        let alphabet = b"0123456789abcdefABCDEFg:.:.::";
        let (mut seed, mut good) = (3, 0);
        for base in seeds {
            for _ in 0..3000 {
                let mut b = base.as_bytes().to_vec();
                for _ in 0..1 + next(&mut seed) % 3 {
                    let at = (next(&mut seed) as usize) % (b.len() + 1);
                    let c = alphabet[(next(&mut seed) as usize) % alphabet.len()];
                    match next(&mut seed) % 3 {
                        0 if at < b.len() => b[at] = c,
                        1 if at < b.len() => {
                            b.remove(at);
                        }
                        _ => b.insert(at, c),
                    }
                }
                good += usize::from(same_parse(core::str::from_utf8(&b).unwrap()));
            }
        }
        // Enough of them still addresses for the accepted forms to count.
        assert!(good > 1000, "{good}");
    }
}
