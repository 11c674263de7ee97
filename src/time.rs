//! Time in the core's own units. The core never reads a clock: the shell
//! converts CLOCK_MONOTONIC readings into [`Instant`]s and passes them in,
//! and a simulation passes virtual ones.

use core::ops::{Add, Sub};

/// A point on a monotonic clock, in microseconds since an arbitrary epoch.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

/// A span of time in microseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Instant {
    pub const ZERO: Instant = Instant(0);

    pub const fn from_micros(us: u64) -> Self {
        Instant(us)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub const fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
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
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        Instant(self.0.saturating_sub(d.0))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert() {
        assert_eq!(Duration::from_cs(1).as_micros(), 10_000);
        assert_eq!(Duration::from_secs(3).as_millis(), 3_000);
        let t = Instant::from_micros(5) + Duration::from_micros(7);
        assert_eq!(t.as_micros(), 12);
        assert_eq!(Instant::from_micros(3).saturating_since(t), Duration::ZERO);
    }
}
