//! Parsing of single values. Pure functions on strings; the parser turns
//! their failures into messages.

use core::net::{IpAddr, Ipv4Addr};

#[derive(Debug, PartialEq, Eq)]
pub enum NumError {
    NotNumber,
    /// Syntactically a number, but too large to hold.
    TooLarge,
}

/// `[+-]digits`, nothing else: keepalived's strtol would accept `12abc` or
/// `0x10`, which hide typos.
///
/// The digits are summed in 32 bits (64-bit maths is libcall-sized code on
/// 32-bit MIPS; size: issue 17): TooLarge past u32::MAX either way. Every
/// caller wants at most a u32 or a range within +/-u32::MAX, where a
/// larger number was out of range all the same.
pub fn parse_int(s: &str) -> Result<i64, NumError> {
    // One slice past the sign for both signs (size: issue 17).
    let (neg, digits) = match s.as_bytes().first() {
        Some(&b @ (b'-' | b'+')) => (b == b'-', s.get(1..).unwrap_or("")),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumError::NotNumber);
    }
    let mut v: u32 = 0;
    for b in digits.bytes() {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u32::from(b - b'0')))
            .ok_or(NumError::TooLarge)?;
    }
    let v = i64::from(v);
    Ok(if neg { -v } else { v })
}

/// A non-negative decimal (`1`, `0.5`, `.25`, `2.`) in units of
/// 10^-`decimals`, computed from the digits so `0.1` is exactly 10 cs and
/// never 9.999... Returns the value and whether it was exact, i.e. had no
/// non-zero digits beyond `decimals`.
pub fn parse_fixed(s: &str, decimals: u32) -> Result<(u64, bool), NumError> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return Err(NumError::NotNumber);
    }
    // One loop over the digits of the result: the integer part's, then
    // `decimals` of the fraction's (padded with zeros), so the 64-bit
    // multiply is one copy, not one per part (size: issue 17).
    let (int, frac) = (int.as_bytes(), frac.as_bytes());
    let decimals = decimals as usize;
    let mut v: u64 = 0;
    for k in 0..int.len() + decimals {
        let b = match int.get(k) {
            Some(&b) => b,
            None => frac.get(k - int.len()).copied().unwrap_or(b'0'),
        };
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(NumError::TooLarge)?;
    }
    // A slice past the kept digits, not a Skip adapter (size: issue 17).
    let exact = frac
        .get(decimals..)
        .unwrap_or_default()
        .iter()
        .all(|&b| b == b'0');
    Ok((v, exact))
}

/// IPv4 or IPv6 in the strict forms of std (no leading zeros, no
/// shorthands like `10.1`), so an address is never silently different from
/// what the user meant.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    crate::wire::addr::parse_ip(s)
}

pub fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    crate::wire::addr::parse_v4(s)
}

/// An address with an optional prefix length: the address, and the length
/// given, or the whole address's (32 or 128) as every caller wants it.
/// Err(()) for a malformed address or length.
pub fn parse_prefix(s: &str) -> Result<(IpAddr, u8), ()> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let addr = parse_ip(addr).ok_or(())?;
    let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        // Through the decimal u32 reader routes and rules call: no i64
        // comparisons of its own (size: issue 17).
        Some(l) => super::routes::u32_of(l)
            .and_then(|n| u8::try_from(n).ok())
            .filter(|&n| n <= max)
            .ok_or(())?,
    };
    Ok((addr, len))
}

/// rtnetlink scope by name (iproute2's names) or number.
pub fn parse_scope(s: &str) -> Option<u8> {
    named_or_u8(s, SCOPES)
}

const SCOPES: &[(&str, u8)] = &[
    ("global", 0),
    ("site", 200),
    ("link", 253),
    ("host", 254),
    ("nowhere", 255),
];

/// A name of `table` or a number 0-255 (scopes, route protocols).
pub fn named_or_u8(w: &str, table: &[(&str, u8)]) -> Option<u8> {
    // The number through the decimal u32 reader routes and rules call
    // (size: issue 17).
    named(w, table).or_else(|| super::routes::u32_of(w).and_then(|n| u8::try_from(n).ok()))
}

/// The number `w` names in `table`: one loop for every table of names,
/// not a chain of comparisons in code per table (size: issue 17).
#[inline(never)]
pub fn named(w: &str, table: &[(&str, u8)]) -> Option<u8> {
    for &(name, n) in table {
        if name == w {
            return Some(n);
        }
    }
    None
}

/// Where `w` is in `names`: one loop for the option words of routes,
/// rules and VIPs, not one per table (size: issue 17).
#[inline(never)]
pub fn word_index(w: &str, names: &[&str]) -> Option<usize> {
    names.iter().position(|n| *n == w)
}

/// Two tables from one list of `"word" => value` pairs: the words, for
/// [`word_index`], and their values at the same places.
macro_rules! word_table {
    ($(#[$doc:meta])* $words:ident, $values:ident: $t:ty = [$($w:literal => $v:expr,)*]) => {
        $(#[$doc])*
        const $words: &[&str] = &[$($w),*];
        const $values: &[$t] = &[$($v),*];
    };
}
pub(super) use word_table;

/// The optional argument of keepalived's on/off keywords.
pub fn parse_bool(s: &str) -> Option<bool> {
    // Compared ignoring case in place: no lowercased copy to build.
    for &(word, v) in &BOOL_WORDS {
        if s.eq_ignore_ascii_case(word) {
            return Some(v);
        }
    }
    None
}

const BOOL_WORDS: [(&str, bool); 6] = [
    ("on", true),
    ("true", true),
    ("yes", true),
    ("off", false),
    ("false", false),
    ("no", false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int("42"), Ok(42));
        assert_eq!(parse_int("-20"), Ok(-20));
        assert_eq!(parse_int("+5"), Ok(5));
        assert_eq!(parse_int(""), Err(NumError::NotNumber));
        assert_eq!(parse_int("-"), Err(NumError::NotNumber));
        assert_eq!(parse_int("12abc"), Err(NumError::NotNumber));
        assert_eq!(parse_int("0x10"), Err(NumError::NotNumber));
        assert_eq!(parse_int("1.5"), Err(NumError::NotNumber));
        assert_eq!(
            parse_int("99999999999999999999999"),
            Err(NumError::TooLarge)
        );
        assert_eq!(parse_int("4294967295"), Ok(4_294_967_295));
        assert_eq!(parse_int("-4294967295"), Ok(-4_294_967_295));
        assert_eq!(parse_int("4294967296"), Err(NumError::TooLarge));
    }

    #[test]
    fn fixed() {
        assert_eq!(parse_fixed("1", 2), Ok((100, true)));
        assert_eq!(parse_fixed("0.1", 2), Ok((10, true)));
        assert_eq!(parse_fixed("0.01", 2), Ok((1, true)));
        assert_eq!(parse_fixed("40.95", 2), Ok((4095, true)));
        assert_eq!(parse_fixed(".5", 2), Ok((50, true)));
        assert_eq!(parse_fixed("2.", 2), Ok((200, true)));
        assert_eq!(parse_fixed("0.015", 2), Ok((1, false)));
        assert_eq!(parse_fixed("0.0100", 2), Ok((1, true)));
        assert_eq!(parse_fixed("0.001", 6), Ok((1000, true)));
        assert_eq!(parse_fixed(".", 2), Err(NumError::NotNumber));
        assert_eq!(parse_fixed("1.2.3", 2), Err(NumError::NotNumber));
        assert_eq!(parse_fixed("-1", 2), Err(NumError::NotNumber));
        assert_eq!(parse_fixed("1e3", 2), Err(NumError::NotNumber));
        assert_eq!(
            parse_fixed("999999999999999999999", 2),
            Err(NumError::TooLarge)
        );
    }

    #[test]
    fn prefixes() {
        let v4: IpAddr = "10.0.0.100".parse().unwrap();
        assert_eq!(parse_prefix("10.0.0.100/24"), Ok((v4, 24)));
        assert_eq!(parse_prefix("10.0.0.100"), Ok((v4, 32)));
        assert_eq!(parse_prefix("10.0.0.100/33"), Err(()));
        assert_eq!(parse_prefix("10.0.0.100/"), Err(()));
        assert_eq!(parse_prefix("10.0.0.256/24"), Err(()));
        assert!(parse_prefix("2001:db8::1/64").is_ok());
        assert_eq!(parse_prefix("2001:db8::1/129"), Err(()));
    }

    #[test]
    fn scopes_and_bools() {
        assert_eq!(parse_scope("link"), Some(253));
        assert_eq!(parse_scope("200"), Some(200));
        assert_eq!(parse_scope("256"), None);
        assert_eq!(parse_scope("galaxy"), None);
        assert_eq!(parse_bool("On"), Some(true));
        assert_eq!(parse_bool("no"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
