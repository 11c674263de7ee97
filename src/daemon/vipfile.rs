//! The record of the virtual addresses the daemon installed, one per line:
//!
//! ```text
//! # tinyvrrpd: virtual addresses installed, removed at the next start
//! eth0 192.0.2.100/24 VRRP1
//! ```
//!
//! interface, address/prefix (what a delete must name), then the instance
//! for a reader. A daemon killed without its clean-up (SIGKILL, a crash,
//! power) leaves the file behind; the next start deletes what it lists,
//! whatever the configuration has become since. Formatting and parsing
//! only: the daemon reads and writes the file.

use core::fmt::Write as _;
use core::net::IpAddr;

/// One installed address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    pub ifname: &'a str,
    pub addr: IpAddr,
    pub prefix_len: u8,
    pub instance: &'a str,
}

/// Most lines read back: every instance with all its addresses.
pub const MAX_ENTRIES: usize =
    crate::limits::MAX_INSTANCES * (crate::limits::MAX_VIPS + crate::limits::MAX_VIPS_EXCLUDED);

const HEADER: &str = "# tinyvrrpd: virtual addresses installed, removed at the next start\n";

pub fn format<'a>(entries: impl Iterator<Item = Entry<'a>>) -> String {
    let mut s = String::from(HEADER);
    for e in entries {
        let _ = writeln!(
            s,
            "{} {}/{} {}",
            e.ifname,
            crate::wire::addr::Ip(e.addr),
            e.prefix_len,
            e.instance
        );
    }
    s
}

/// The entries of a record; lines that do not read as one (a damaged
/// file) are skipped. The instance is not needed to delete an address.
///
/// Lines are split at `\n` alone, not with `lines()` (whose `\r\n`
/// handling is code of its own): a `\r` left at a line's end is ASCII
/// whitespace, which the fields are split at anyway.
pub fn parse(text: &str) -> impl Iterator<Item = Entry<'_>> {
    text.split('\n')
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut w = l.split_ascii_whitespace();
            let ifname = w.next()?;
            let (addr, len) = w.next()?.split_once('/')?;
            let addr: IpAddr = crate::wire::addr::parse_ip(addr)?;
            let prefix_len = parse_u8(len)?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            (prefix_len <= max).then_some(Entry {
                ifname,
                addr,
                prefix_len,
                instance: w.next().unwrap_or(""),
            })
        })
        .take(MAX_ENTRIES)
}

/// `s` as `u8::from_str` reads it (an optional `+`, then decimal digits),
/// without core's generic integer parser inlined here.
fn parse_u8(s: &str) -> Option<u8> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u8, |n, b| {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_u8_reads_as_from_str() {
        for s in [
            "0", "24", "+7", "255", "256", "", "+", "-1", "1a", " 1", "007", "1000",
        ] {
            assert_eq!(parse_u8(s), s.parse::<u8>().ok(), "{s:?}");
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        let e = [
            Entry {
                ifname: "eth0",
                addr: "192.0.2.100".parse().unwrap(),
                prefix_len: 24,
                instance: "VRRP1",
            },
            Entry {
                ifname: "br-lan",
                addr: "2001:db8::1".parse().unwrap(),
                prefix_len: 64,
                instance: "V6",
            },
        ];
        let text = format(e.iter().copied());
        assert_eq!(
            text,
            format!("{HEADER}eth0 192.0.2.100/24 VRRP1\nbr-lan 2001:db8::1/64 V6\n")
        );
        assert_eq!(parse(&text).collect::<Vec<_>>(), e);
    }

    /// Fields are split at ASCII whitespace, the only kind written: an
    /// interface name may hold other whitespace (the kernel refuses only
    /// ASCII's), and reads back whole.
    #[test]
    fn fields_split_at_ascii_whitespace_only() {
        let e = Entry {
            ifname: "lan\u{2003}1",
            addr: "192.0.2.7".parse().unwrap(),
            prefix_len: 32,
            instance: "A",
        };
        let text = format([e].into_iter());
        assert_eq!(parse(&text).collect::<Vec<_>>(), [e]);
    }

    /// A record whose lines end in `\r\n` reads as `lines()` read it.
    #[test]
    fn crlf_lines_read_as_lines_read_them() {
        let text = "# x\r\neth0 192.0.2.1/24 A\r\n\r\neth1 192.0.2.2/32\r\n";
        let got: Vec<(&str, &str)> = parse(text).map(|e| (e.ifname, e.instance)).collect();
        assert_eq!(got, [("eth0", "A"), ("eth1", "")]);
    }

    #[test]
    fn damaged_lines_are_skipped() {
        let text = "eth0 192.0.2.100/24 A\n\
                    eth0\n\
                    eth0 192.0.2.300/24 B\n\
                    eth0 192.0.2.101/33 C\n\
                    eth0 192.0.2.102 D\n\
                    \u{fffd}\u{0}garbage\n\
                    eth1 192.0.2.103/32\n";
        let got: Vec<(&str, String)> = parse(text)
            .map(|e| (e.ifname, format!("{}/{}", e.addr, e.prefix_len)))
            .collect();
        assert_eq!(
            got,
            [
                ("eth0", "192.0.2.100/24".to_string()),
                ("eth1", "192.0.2.103/32".to_string())
            ]
        );
    }
}
