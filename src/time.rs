//! Time in the core's own units. The core never reads a clock: the shell
//! converts CLOCK_MONOTONIC readings into [`Instant`]s and passes them in,
//! and a simulation passes virtual ones.

use core::num::NonZeroU64;
use core::ops::{Add, Sub};

/// A point on a monotonic clock, in microseconds since an arbitrary epoch.
/// Kept as microseconds + 1, never zero, so that `Option<Instant>` (every
/// timer and deadline of the router) is 8 bytes with no separate tag: a
/// tag and its compares at each use were about N KB of code on mipsel
/// (issue 17: size). Order, equality and arithmetic are those of the
/// microseconds; the largest two values (584,000 years) are one.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(NonZeroU64);

impl Default for Instant {
    fn default() -> Instant {
        Instant::ZERO
    }
}

impl core::fmt::Debug for Instant {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Instant({})", self.as_micros())
    }
}

/// A span of time in microseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Instant {
    pub const ZERO: Instant = Instant(NonZeroU64::MIN);

    pub const fn from_micros(us: u64) -> Self {
        Instant(NonZeroU64::MIN.saturating_add(us))
    }
    pub const fn as_micros(self) -> u64 {
        self.0.get() - 1
    }
    /// [`Instant::from_micros_or_none`] back: the microseconds, u64::MAX
    /// for None (0 - 1 wraps there: one subtract; size: issue 17). No
    /// instant is u64::MAX microseconds in (`from_micros` saturates one
    /// below).
    pub const fn micros_or_max(t: Option<Instant>) -> u64 {
        let raw = match t {
            Some(i) => i.0.get(),
            None => 0,
        };
        raw.wrapping_sub(1)
    }
    /// The instant `us` microseconds in, or None for u64::MAX (a timer
    /// table's stopped timer): `us + 1` wraps to 0 there, which is
    /// `None` of an `Option<Instant>`. One add, no compare and no
    /// saturation at each timer read (issue 17: size).
    pub const fn from_micros_or_none(us: u64) -> Option<Instant> {
        match NonZeroU64::new(us.wrapping_add(1)) {
            Some(n) => Some(Instant(n)),
            None => None,
        }
    }
    /// Time from `earlier` to `self`, zero if `earlier` is later. Out of
    /// line, as `add`: a u64 compare and subtract at each use.
    #[inline(never)]
    pub const fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.get().saturating_sub(earlier.0.get()))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_micros(us: u64) -> Self {
        Duration(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms * 1_000)
    }
    /// Milliseconds of a setting (a u32). Out of line: MIPS writes a
    /// 64-bit multiply by 1,000 out as a dozen shifts and adds at each
    /// use (issue 17: size); `from_millis` stays for constants.
    #[inline(never)]
    pub fn from_ms(ms: u32) -> Self {
        Duration(u64::from(ms) * 1_000)
    }
    /// Centiseconds: the unit of the VRRPv3 advertisement interval.
    pub const fn from_cs(cs: u64) -> Self {
        Duration(cs * 10_000)
    }
    pub const fn from_secs(s: u64) -> Self {
        Duration(s * 1_000_000)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    pub const fn mul(self, n: u64) -> Duration {
        Duration(self.0 * n)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    // Out of line: a saturating u64 add inlined at each of its many uses
    // costs more than the call on 32-bit targets.
    #[inline(never)]
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        Instant::from_micros(self.as_micros().saturating_sub(d.0))
    }
}

impl Sub for Duration {
    type Output = Duration;
    fn sub(self, d: Duration) -> Duration {
        Duration(self.0.saturating_sub(d.0))
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration(self.0.saturating_add(d.0))
    }
}

/// A time zone: what local time is at a UTC second. Built from a POSIX TZ
/// string (POSIX.1-2017 XBD 8.3) or a TZif file (RFC 8536) by sys::tz.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Zone {
    /// A TZif file's bytes, read where they are (empty: none).
    tzif: Vec<u8>,
    /// Where its transition times, their type indices and its local time
    /// types begin; how many transitions; bytes a time (4 or 8).
    times: usize,
    idx: usize,
    types: usize,
    count: usize,
    width: usize,
    /// The offset before the first transition (seconds east of UTC).
    first: i32,
    /// The rule after the last transition (a TZif footer, or the TZ string).
    rule: Option<Rule>,
}

/// A POSIX TZ rule: standard offset, and optionally DST with its dates.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    /// Seconds east of UTC (POSIX writes them west: negated).
    pub std: i32,
    pub dst: Option<Dst>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Dst {
    pub off: i32,
    /// Starts at this local (standard) time...
    pub start: (Day, i32),
    /// ...and ends at this local (daylight) time; seconds after midnight.
    pub end: (Day, i32),
}

/// A date in a POSIX rule.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Day {
    /// Jn: day 1..=365, February 29 never counted.
    Julian(u16),
    /// n: day 0..=365 of the year, February 29 counted.
    Zero(u16),
    /// Mm.w.d: month 1..=12, week 1..=5 (5 is the last), weekday 0..=6.
    Month(u8, u8, u8),
}

fn is_leap(y: i32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Leap years among years 1..=y (floor division, so right below 1 too).
fn leaps_through(y: i32) -> i32 {
    y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)
}

/// Days from 1970-01-01 to January 1 of year `y`.
fn year_start(y: i32) -> i32 {
    365 * (y - 1970) + leaps_through(y - 1) - leaps_through(1969)
}

/// Days before month `m` (0 is January) in a common year.
const MONTH_START: [u16; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

fn month_start(y: i32, m: usize) -> i32 {
    let d = i32::from(MONTH_START.get(m).copied().unwrap_or(365));
    d + i32::from(m >= 2 && is_leap(y))
}

/// The year holding day `days` since the epoch, and January 1 of it.
fn year_of(days: i32) -> (i32, i32) {
    // No year is longer than 366 days: the guess is near.
    let mut y = 1970 + days.div_euclid(366);
    while year_start(y) > days {
        y -= 1;
    }
    while year_start(y + 1) <= days {
        y += 1;
    }
    (y, year_start(y))
}

/// UTC second `t` as (days since the epoch, second of that day); the
/// days kept within +-2^28 (about 700,000 years) so that none overflows.
fn split(t: i64) -> (i32, i32) {
    let days = t.div_euclid(86_400).clamp(-1 << 28, 1 << 28);
    (days as i32, (t - days * 86_400).clamp(0, 86_399) as i32)
}

/// The day of year `y` (0-based) that `day` names.
fn rule_day(y: i32, day: Day) -> i32 {
    match day {
        Day::Julian(n) => i32::from(n) - 1 + i32::from(n >= 60 && is_leap(y)),
        Day::Zero(n) => i32::from(n),
        Day::Month(m, w, d) => {
            let m = usize::from(m.clamp(1, 12) - 1);
            let first = month_start(y, m);
            // Weekday of the month's first day: 1970-01-01 was a Thursday.
            let wd = (year_start(y) + first + 4).rem_euclid(7);
            let mut day = (i32::from(d) - wd).rem_euclid(7) + 7 * (i32::from(w) - 1);
            let len = month_start(y, m + 1) - first;
            while day >= len {
                day -= 7;
            }
            first + day
        }
    }
}

impl Rule {
    /// The offset at UTC second `t`.
    pub fn offset_at(&self, t: i64) -> i32 {
        let Some(dst) = self.dst else {
            return self.std;
        };
        // All in seconds of the year in local standard time.
        let (days, secs) = split(t + i64::from(self.std));
        let (y, jan1) = year_of(days);
        let now = (days - jan1) * 86_400 + secs;
        let when = |(day, secs): (Day, i32)| rule_day(y, day) * 86_400 + secs;
        let start = when(dst.start);
        // The end is written in daylight time.
        let end = when(dst.end) - (dst.off - self.std);
        let inside = if start < end {
            start <= now && now < end
        } else {
            !(end <= now && now < start)
        };
        if inside { dst.off } else { self.std }
    }
}

impl Zone {
    /// A zone with one rule for all times.
    pub fn from_rule(rule: Rule) -> Zone {
        Zone {
            first: rule.std,
            rule: Some(rule),
            ..Zone::default()
        }
    }

    /// The offset (seconds east of UTC) at UTC second `t`.
    pub fn offset_at(&self, t: i64) -> i32 {
        let time = |i: usize| be(&self.tzif, self.times + i * self.width, self.width);
        // Transitions at or before t: a binary search.
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if time(mid).is_some_and(|at| at <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if let (true, Some(r)) = (lo == self.count, &self.rule) {
            return r.offset_at(t);
        }
        let Some(last) = lo.checked_sub(1) else {
            return self.first;
        };
        let ty = self.tzif.get(self.idx + last).copied().unwrap_or(0);
        self.utoff(usize::from(ty)).unwrap_or(self.first)
    }

    /// The offset of local time type `i`.
    fn utoff(&self, i: usize) -> Option<i32> {
        // Four bytes sign-extended always fit: a plain cast (issue 17:
        // size).
        be(&self.tzif, self.types + 6 * i, 4).map(|v| v as i32)
    }

    /// UTC second `t` broken down in this zone.
    pub fn local(&self, t: i64) -> crate::wire::smtp::LocalTime {
        let off = self.offset_at(t);
        let (days, secs) = split(t + i64::from(off));
        let (y, jan1) = year_of(days);
        let yday = days - jan1;
        let mut mon = 0;
        while mon < 11 && month_start(y, mon + 1) <= yday {
            mon += 1;
        }
        // All in range by construction: plain casts.
        crate::wire::smtp::LocalTime {
            wday: (days + 4).rem_euclid(7) as u8,
            mday: (yday - month_start(y, mon) + 1) as u8,
            mon: mon as u8,
            year: y,
            hour: (secs / 3600) as u8,
            min: (secs / 60 % 60) as u8,
            sec: (secs % 60) as u8,
            gmtoff_s: off,
        }
    }
}

/// A POSIX TZ string read left to right.
struct TzText<'a>(&'a [u8]);

impl TzText<'_> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.0 = self.0.get(1..).unwrap_or_default();
        }
        hit
    }
    /// A zone name: three or more letters, or `<...>` of letters, digits,
    /// `+` and `-`.
    fn name(&mut self) -> Option<()> {
        let quoted = self.eat(b'<');
        let ok = |b: u8| {
            b.is_ascii_alphabetic() || quoted && (b.is_ascii_digit() || b == b'+' || b == b'-')
        };
        let n = self.0.iter().take_while(|&&b| ok(b)).count();
        self.0 = self.0.get(n..).unwrap_or_default();
        (n >= 3 && (!quoted || self.eat(b'>'))).then_some(())
    }
    /// One to three decimal digits, at most `max`. One loop over the
    /// digits, not a count, a slice and a fold (issue 17: size).
    fn number(&mut self, max: u32) -> Option<u32> {
        let (mut v, mut n) = (0, 0);
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            // Capped, so a long run cannot overflow: past three digits
            // the number is refused anyway.
            v = (v * 10 + u32::from(d - b'0')).min(1000);
            n += 1;
            self.0 = self.0.get(1..).unwrap_or_default();
        }
        ((1..=3).contains(&n) && v <= max).then_some(v)
    }
    /// `[+-]hh[:mm[:ss]]` in seconds; hours up to `max_h`.
    fn hms(&mut self, max_h: u32) -> Option<i32> {
        let neg = self.eat(b'-');
        if !neg {
            self.eat(b'+');
        }
        let mut s = self.number(max_h)? * 3600;
        if self.eat(b':') {
            s += self.number(59)? * 60;
            if self.eat(b':') {
                s += self.number(59)?;
            }
        }
        // At most 999:59:59 (number() reads three digits): a plain cast
        // (issue 17: size).
        let s = s as i32;
        Some(if neg { -s } else { s })
    }
    /// `,date[/time]`, the time 02:00:00 when left out.
    fn change(&mut self) -> Option<(Day, i32)> {
        if !self.eat(b',') {
            return None;
        }
        // number() bounds each value: plain casts (issue 17: size).
        let day = if self.eat(b'J') {
            Day::Julian(self.number(365).filter(|&n| n >= 1)? as u16)
        } else if self.eat(b'M') {
            let m = self.number(12).filter(|&m| m >= 1)?;
            let w = self.eat(b'.').then(|| self.number(5)).flatten();
            let w = w.filter(|&w| w >= 1)?;
            let d = self.eat(b'.').then(|| self.number(6))??;
            Day::Month(m as u8, w as u8, d as u8)
        } else {
            Day::Zero(self.number(365)? as u16)
        };
        // RFC 8536 section 3.3.1 allows -167..=167 hours here.
        let time = if self.eat(b'/') { self.hms(167)? } else { 7200 };
        Some((day, time))
    }
}

/// A POSIX TZ string (`CET-1CEST,M3.5.0,M10.5.0/3`); None when it is not
/// one. Offsets are written west of UTC; a DST zone without dates follows
/// the United States' rules (M3.2.0,M11.1.0), as the C libraries do.
pub fn parse_tz(s: &str) -> Option<Rule> {
    let mut p = TzText(s.as_bytes());
    p.name()?;
    let std = -p.hms(24)?;
    if p.peek().is_none() {
        return Some(Rule { std, dst: None });
    }
    p.name()?;
    let off = match p.peek() {
        Some(b) if b == b'+' || b == b'-' || b.is_ascii_digit() => -p.hms(24)?,
        _ => std + 3600,
    };
    let (start, end) = if p.peek().is_none() {
        ((Day::Month(3, 2, 0), 7200), (Day::Month(11, 1, 0), 7200))
    } else {
        (p.change()?, p.change()?)
    };
    let dst = Some(Dst { off, start, end });
    p.peek().is_none().then_some(Rule { std, dst })
}

/// The big-endian number of `n` bytes at `at` (sign-extended), if there.
/// Started from all ones when the first byte's top bit is set: no 64-bit
/// shifts by a variable count after (issue 17: size).
fn be(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let bytes = b.get(at..at.checked_add(n)?)?;
    let neg = bytes.first().is_some_and(|&x| x >= 0x80);
    let v = bytes
        .iter()
        .fold(-i64::from(neg), |v, &x| (v << 8) | i64::from(x));
    Some(v)
}

/// A TZif file's header at `at`: its six counts (RFC 8536 section 3.1).
fn tzif_counts(b: &[u8], at: usize) -> Option<[usize; 6]> {
    if b.get(at..at + 4)? != b"TZif" {
        return None;
    }
    let mut c = [0; 6];
    for (i, c) in c.iter_mut().enumerate() {
        // Far more than any real file has: no sum of them overflows.
        *c = usize::try_from(be(b, at + 20 + 4 * i, 4)?)
            .ok()
            .filter(|&c| c < 1 << 20)?;
    }
    Some(c)
}

/// The length of a data block with `counts` and `t`-byte times.
fn tzif_block_len(counts: [usize; 6], t: usize) -> usize {
    let [isut, isstd, leap, time, types, chars] = counts;
    time * (t + 1) + types * 6 + chars + leap * (t + 4) + isstd + isut
}

/// A TZif file (RFC 8536): version 1 data, or version 2+ 64-bit data and
/// its footer TZ string for the times after the last transition.
pub fn parse_tzif(tzif: Vec<u8>) -> Option<Zone> {
    let b = &tzif[..];
    let v1 = tzif_counts(b, 0)?;
    let v2_at = 44 + tzif_block_len(v1, 4);
    let (counts, data, width) = match b.get(4) {
        Some(v) if *v >= b'2' => (tzif_counts(b, v2_at)?, v2_at + 44, 8),
        _ => (v1, 44, 4),
    };
    let [_, _, _, count, types, _] = counts;
    let end = data + tzif_block_len(counts, width);
    let idx = data + count * width;
    // All there, and every transition of a type that is.
    if b.len() < end
        || b.get(idx..idx + count)?
            .iter()
            .any(|&t| usize::from(t) >= types)
    {
        return None;
    }
    let mut rule = None;
    if width == 8 {
        let foot = b.get(end..)?.strip_prefix(b"\n")?;
        let text = foot.split(|&c| c == b'\n').next()?;
        // An empty or unreadable footer: the last transition stays.
        rule = core::str::from_utf8(text).ok().and_then(parse_tz);
    }
    let mut zone = Zone {
        times: data,
        idx,
        types: idx + count,
        count,
        width,
        rule,
        ..Zone::default()
    };
    zone.tzif = tzif;
    zone.first = if types > 0 { zone.utoff(0)? } else { 0 };
    Some(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The +1 inside an Instant shows nowhere: same values, order and
    /// arithmetic as the microseconds, zero and the ends included; and
    /// Option<Instant> has no tag.
    #[test]
    fn instants_are_their_microseconds() {
        assert_eq!(core::mem::size_of::<Option<Instant>>(), 8);
        let ends = [0, 1, 2, 999_999, u64::MAX / 2, u64::MAX - 2, u64::MAX - 1];
        for &a in &ends {
            assert_eq!(Instant::from_micros(a).as_micros(), a);
            for &b in &ends {
                let (x, y) = (Instant::from_micros(a), Instant::from_micros(b));
                assert_eq!(x.cmp(&y), a.cmp(&b), "{a} {b}");
                assert_eq!(x.saturating_since(y).as_micros(), a.saturating_sub(b));
                let d = Duration::from_micros(b);
                assert_eq!((x + d).as_micros(), a.saturating_add(b).min(u64::MAX - 1));
                assert_eq!((x - d).as_micros(), a.saturating_sub(b));
            }
        }
        assert_eq!(Instant::default(), Instant::ZERO);
        assert_eq!(Instant::ZERO.as_micros(), 0);
        assert_eq!(format!("{:?}", Instant::from_micros(7)), "Instant(7)");
    }

    /// u64::MAX microseconds is None both ways; every instant (the
    /// saturated last one too) comes back as it went.
    #[test]
    fn optional_instants_as_microseconds() {
        assert_eq!(Instant::from_micros_or_none(u64::MAX), None);
        assert_eq!(Instant::micros_or_max(None), u64::MAX);
        for us in [0, 1, 999_999, u64::MAX - 2, u64::MAX - 1] {
            let t = Instant::from_micros(us);
            assert_eq!(Instant::from_micros_or_none(us), Some(t));
            assert_eq!(Instant::micros_or_max(Some(t)), us);
        }
        let last = Instant::from_micros(u64::MAX);
        assert_eq!(Instant::micros_or_max(Some(last)), u64::MAX - 1);
    }

    #[test]
    fn units_convert() {
        assert_eq!(Duration::from_cs(1).as_micros(), 10_000);
        assert_eq!(Duration::from_secs(3).as_millis(), 3_000);
        let t = Instant::from_micros(5) + Duration::from_micros(7);
        assert_eq!(t.as_micros(), 12);
        assert_eq!(Instant::from_micros(3).saturating_since(t), Duration::ZERO);
    }

    use crate::time::{Day, Dst, Rule, Zone, parse_tz, parse_tzif};

    #[test]
    fn tz_strings_parse_or_are_refused() {
        let cet = parse_tz("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        let dst = Dst {
            off: 7200,
            start: (Day::Month(3, 5, 0), 7200),
            end: (Day::Month(10, 5, 0), 10800),
        };
        assert_eq!(
            cet,
            Rule {
                std: 3600,
                dst: Some(dst)
            }
        );
        let ind = Rule {
            std: 19800,
            dst: None,
        };
        assert_eq!(parse_tz("<+0530>-5:30"), Some(ind));
        let days = parse_tz("CET-1CEST,J1/0,365/-1:30").and_then(|r| r.dst);
        let (start, end) = days.map(|d| (d.start, d.end)).unwrap();
        assert_eq!((start, end), ((Day::Julian(1), 0), (Day::Zero(365), -5400)));
        let m = parse_tz("CET-1CEST,M12.1.6,M1.5.0").and_then(|r| r.dst);
        let (start, end) = m.map(|d| (d.start, d.end)).unwrap();
        assert_eq!(
            (start.0, end.0),
            (Day::Month(12, 1, 6), Day::Month(1, 5, 0))
        );
        for bad in [
            "",
            "C-1",
            "CET",
            "CET-1CEST,M3.5.0",
            "CET-1CEST,M13.1.0,M1.1.0",
            "CET-1CEST,J0,J5",
            "CET-1CEST,J1,J366",
            "CET-1234",
            "CET-12345678901234567890123",
            "CET-1CEST,M3.5.0/99999999999999999999,M10.5.0",
            "CET-1CEST,0,366",
            "CET-1CEST,M3.0.0,M10.5.0",
            "CET-1CEST,M0.5.0,M10.5.0",
            "CET-1CEST,M3.6.0,M10.5.0",
            "CET-1CEST,M3.5.7,M10.5.0",
            "CET-1CEST,M3.5,M10.5.0",
            "CET-1CEST,M3,M10.5.0",
            "CET-1CEST,M3.5.0,M10.5.0/3x",
            "<+05-5",
            "Europe/Berlin",
        ] {
            assert_eq!(parse_tz(bad), None, "{bad}");
        }
    }

    #[test]
    fn all_year_dst_and_the_calendar() {
        // DST from January 1 00:00 to after December 31 24:00: all year.
        let z = Zone::from_rule(parse_tz("EST5EDT,0/0,J365/25").unwrap());
        for t in [0, 220_938_141, 951_782_400, 1_167_619_433, 4_102_444_799] {
            assert_eq!(z.offset_at(t), -4 * 3600, "{t}");
        }
        let utc = Zone::default();
        let lt = utc.local(951_782_400); // 2000-02-29 00:00:00, a Tuesday
        assert_eq!((lt.year, lt.mon, lt.mday, lt.wday), (2000, 1, 29, 2));
        let lt = utc.local(-1); // 1969-12-31 23:59:59, a Wednesday
        assert_eq!(
            (lt.year, lt.mon, lt.mday, lt.wday, lt.sec),
            (1969, 11, 31, 3, 59)
        );
        let lt = utc.local(4_107_542_399); // 2100-02-28 23:59:59 (no Feb 29)
        assert_eq!((lt.year, lt.mon, lt.mday, lt.hour), (2100, 1, 28, 23));
        assert_eq!(utc.local(4_107_542_400).mon, 2);
    }

    /// Big-endian numbers of 4 and 8 bytes, sign-extended; out of range
    /// is None.
    #[test]
    fn big_endian_numbers_are_sign_extended() {
        let b = [0xff, 0xff, 0xff, 0xfe, 0x7f, 0, 0, 1, 0x80, 0, 0, 0];
        assert_eq!(be(&b, 0, 4), Some(-2));
        assert_eq!(be(&b, 4, 4), Some(0x7f00_0001));
        assert_eq!(be(&b, 8, 4), Some(-(1 << 31)));
        assert_eq!(be(&b, 0, 8), Some(-0x1_8100_0000 + 1));
        assert_eq!(be(&b, 4, 8), Some(0x7f00_0001_8000_0000));
        assert_eq!(be(&b, 9, 4), None);
        assert_eq!(be(&b, usize::MAX, 4), None);
    }

    #[test]
    fn tzif_files_that_are_not_refused() {
        assert_eq!(parse_tzif(b"".to_vec()), None);
        assert_eq!(parse_tzif(b"TZif2 short".to_vec()), None);
    }
}
