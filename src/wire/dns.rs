//! The SMTP server's name lookup, the pure parts (the socket is
//! `sys::tcp`): a line of /etc/hosts, the first `nameserver` of
//! /etc/resolv.conf, and one DNS question (A or AAAA, recursion desired)
//! and its answer. What is kept of getaddrinfo: /etc/hosts, then one
//! query per family to one server; no search domains, no retries over
//! TCP, no sorting of several addresses (the first one is taken).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{EmitError, put};

/// The record types asked for.
pub const TYPE_A: u16 = 1;
pub const TYPE_AAAA: u16 = 28;
const CLASS_IN: u16 = 1;
/// Header flags: QR (a response), RD (recursion desired), RCODE.
const FLAG_QR: u16 = 0x8000;
const FLAG_RD: u16 = 0x0100;
const RCODE_MASK: u16 = 0x000f;
const HEADER_LEN: usize = 12;
/// Longest name on the wire (RFC 1035 2.3.4) and longest label.
const NAME_MAX: usize = 255;
const LABEL_MAX: usize = 63;
/// A query for the longest name: header, name, type and class.
pub const QUERY_MAX: usize = HEADER_LEN + NAME_MAX + 4;

/// Whether `name` is a host name we may look up: letters, digits, `-`,
/// `_` and dots, no empty label (one trailing dot is allowed), not empty.
pub fn valid_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() < NAME_MAX - 1
        && name.split('.').all(|l| {
            (1..=LABEL_MAX).contains(&l.len())
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The address of one /etc/hosts line when `name` is one of its names
/// (compared as written, as musl does); None for a comment, another name
/// or an address that does not parse.
pub fn hosts_line(line: &str, name: &str) -> Option<IpAddr> {
    let line = line.split('#').next().unwrap_or("");
    let mut words = line.split_ascii_whitespace();
    let addr = words.next()?;
    if !words.any(|w| w == name) {
        return None;
    }
    super::addr::parse_ip(addr)
}

/// The server of a `nameserver ADDR` line of /etc/resolv.conf; None for
/// another line (an address with a `%scope` does not parse: skipped).
pub fn nameserver_line(line: &str) -> Option<IpAddr> {
    let mut words = line.split_ascii_whitespace();
    (words.next()? == "nameserver").then_some(())?;
    super::addr::parse_ip(words.next()?)
}

/// Writes a query for `name` (valid, see [`valid_name`]) and record type
/// `qtype` into `buf`: its length.
pub fn query(buf: &mut [u8], id: u16, name: &str, qtype: u16) -> Result<usize, EmitError> {
    if !valid_name(name) {
        return Err(EmitError::TooLong);
    }
    let mut at = 0;
    put(buf, &mut at, &id.to_be_bytes())?;
    put(buf, &mut at, &FLAG_RD.to_be_bytes())?;
    // One question; no answer, authority or additional records.
    put(buf, &mut at, &[0, 1, 0, 0, 0, 0, 0, 0])?;
    for label in name.strip_suffix('.').unwrap_or(name).split('.') {
        // valid_name: 1..=63 bytes.
        put(buf, &mut at, &[label.len() as u8])?;
        put(buf, &mut at, label.as_bytes())?;
    }
    put(buf, &mut at, &[0])?;
    put(buf, &mut at, &qtype.to_be_bytes())?;
    put(buf, &mut at, &CLASS_IN.to_be_bytes())?;
    Ok(at)
}

/// The first address of type `qtype` in the answer section of `reply` to
/// our query `id`; None for another id, an error code, no such record or
/// a malformed message. (A recursive server puts a CNAME chain's records
/// in the same answer: the first A or AAAA is the name's.)
pub fn answer(reply: &[u8], id: u16, qtype: u16) -> Option<IpAddr> {
    let be16 = |at: usize| Some(u16::from_be_bytes([*reply.get(at)?, *reply.get(at + 1)?]));
    let flags = be16(2)?;
    if be16(0)? != id || flags & FLAG_QR == 0 || flags & RCODE_MASK != 0 {
        return None;
    }
    let mut at = HEADER_LEN;
    for _ in 0..be16(4)? {
        at = skip_name(reply, at)?.checked_add(4)?;
    }
    for _ in 0..be16(6)? {
        at = skip_name(reply, at)?;
        let (ty, class, len) = (be16(at)?, be16(at + 2)?, usize::from(be16(at + 8)?));
        let data = reply.get(at + 10..at + 10 + len)?;
        at += 10 + len;
        if class != CLASS_IN || ty != qtype {
            continue;
        }
        if let Ok(v4) = <[u8; 4]>::try_from(data) {
            return (ty == TYPE_A).then_some(IpAddr::V4(Ipv4Addr::from(v4)));
        }
        if let Ok(v6) = <[u8; 16]>::try_from(data) {
            return (ty == TYPE_AAAA).then_some(IpAddr::V6(Ipv6Addr::from(v6)));
        }
        return None;
    }
    None
}

/// Where the name at `at` ends: after its zero label or its compression
/// pointer (which is not followed: the name itself is not needed).
fn skip_name(msg: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = *msg.get(at)?;
        match len {
            0 => return Some(at + 1),
            l if l & 0xc0 == 0xc0 => return msg.get(at + 1).map(|_| at + 2),
            l if l & 0xc0 == 0 => at += 1 + usize::from(l),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_we_look_up() {
        assert!(valid_name("mail.example.com"));
        assert!(valid_name("mail.example.com."));
        assert!(valid_name("smtp_1-a"));
        for bad in ["", ".", "a..b", ".a", "a b", "bad\0name", "a.b..", "é.com"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
        assert!(valid_name(&"a".repeat(63)));
        assert!(!valid_name(&"a".repeat(64)));
        let long = vec!["a".repeat(63); 4].join(".");
        assert!(!valid_name(&long), "{} bytes", long.len());
    }

    #[test]
    fn hosts_lines() {
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(hosts_line("192.0.2.7 mail", "mail"), Some(v4));
        assert_eq!(
            hosts_line("192.0.2.7\tmx  mail # the relay", "mail"),
            Some(v4)
        );
        assert_eq!(
            hosts_line("2001:db8::7 mail6 mail", "mail"),
            Some("2001:db8::7".parse().unwrap())
        );
        assert_eq!(hosts_line("192.0.2.7 mailer", "mail"), None);
        assert_eq!(hosts_line("192.0.2.7 Mail", "mail"), None);
        assert_eq!(hosts_line("# 192.0.2.7 mail", "mail"), None);
        assert_eq!(hosts_line("192.0.2.7 x # mail", "mail"), None);
        assert_eq!(hosts_line("mail 192.0.2.7", "mail"), None);
        assert_eq!(hosts_line("bad-address mail", "mail"), None);
        assert_eq!(hosts_line("", "mail"), None);
    }

    #[test]
    fn resolv_conf_lines() {
        assert_eq!(
            nameserver_line("nameserver 192.0.2.53"),
            Some("192.0.2.53".parse().unwrap())
        );
        assert_eq!(
            nameserver_line("  nameserver\t2001:db8::53  "),
            Some("2001:db8::53".parse().unwrap())
        );
        assert_eq!(nameserver_line("nameserver fe80::1%eth0"), None);
        assert_eq!(nameserver_line("search example.com"), None);
        assert_eq!(nameserver_line("# nameserver 192.0.2.53"), None);
        assert_eq!(nameserver_line("nameserver"), None);
    }

    #[test]
    fn a_query_on_the_wire() {
        let mut buf = [0u8; QUERY_MAX];
        let n = query(&mut buf, 0x1234, "mx.example.", TYPE_A).unwrap();
        let want: &[u8] = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\
            \x02mx\x07example\x00\x00\x01\x00\x01";
        assert_eq!(&buf[..n], want);
        let n = query(&mut buf, 1, "mx", TYPE_AAAA).unwrap();
        assert_eq!(&buf[12..n], b"\x02mx\x00\x00\x1c\x00\x01");
        assert_eq!(query(&mut buf, 1, "a..b", TYPE_A), Err(EmitError::TooLong));
        let long = vec!["a".repeat(63); 3].join(".") + ".bbb";
        assert_eq!(query(&mut buf, 1, &long, TYPE_A).map(|_| ()), Ok(()));
        assert_eq!(
            query(&mut buf[..20], 1, "mx.example", TYPE_A),
            Err(EmitError::BufferTooSmall)
        );
    }

    /// A reply to query 0x1234 for mx.example: a CNAME to relay.example
    /// (pointer to the question's name), then `records`.
    fn reply(flags: u16, records: &[(u16, &[u8])]) -> Vec<u8> {
        let mut m = vec![0x12, 0x34];
        m.extend_from_slice(&flags.to_be_bytes());
        m.extend_from_slice(&[0, 1, 0, 1 + records.len() as u8, 0, 0, 0, 0]);
        m.extend_from_slice(b"\x02mx\x07example\x00\x00\x01\x00\x01");
        m.extend_from_slice(b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x0e\x10\x00\x08\x05relay\xc0\x0f");
        for (ty, data) in records {
            m.extend_from_slice(b"\x05relay\xc0\x0f");
            m.extend_from_slice(&ty.to_be_bytes());
            m.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10, 0, data.len() as u8]);
            m.extend_from_slice(data);
        }
        m
    }

    #[test]
    fn answers() {
        let v4: &[u8] = &[192, 0, 2, 25];
        let v6: &[u8] = &Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x25).octets();
        let both = reply(0x8180, &[(TYPE_AAAA, v6), (TYPE_A, v4)]);
        assert_eq!(
            answer(&both, 0x1234, TYPE_A),
            Some("192.0.2.25".parse().unwrap())
        );
        assert_eq!(
            answer(&both, 0x1234, TYPE_AAAA),
            Some("2001:db8::25".parse().unwrap())
        );
        // Another id, not a response, an error code (NXDOMAIN), no record.
        assert_eq!(answer(&both, 0x1235, TYPE_A), None);
        assert_eq!(
            answer(&reply(0x0180, &[(TYPE_A, v4)]), 0x1234, TYPE_A),
            None
        );
        assert_eq!(
            answer(&reply(0x8183, &[(TYPE_A, v4)]), 0x1234, TYPE_A),
            None
        );
        assert_eq!(answer(&reply(0x8180, &[]), 0x1234, TYPE_A), None);
        // A record of the wrong length.
        assert_eq!(
            answer(&reply(0x8180, &[(TYPE_A, v6)]), 0x1234, TYPE_A),
            None
        );
        // Every truncation of a good reply is refused, never a panic.
        for n in 0..both.len() {
            assert_eq!(answer(&both[..n], 0x1234, TYPE_A), None, "{n} bytes");
        }
        // A label with the reserved top bits 01 or 10.
        let mut bad = both.clone();
        bad[12] = 0x42;
        assert_eq!(answer(&bad, 0x1234, TYPE_A), None);
    }
}
