//! CLOCK_MONOTONIC as the core's `Instant`; timerfds use the same clock, so
//! a deadline converts back exactly.

use crate::time::Instant;

pub fn now() -> Instant {
    Instant::from_micros(micros(libc::CLOCK_MONOTONIC))
}

/// The wall clock (CLOCK_REALTIME), microseconds since the epoch: what
/// std's SystemTime would say, without its Timespec arithmetic.
pub fn wall_us() -> u64 {
    micros(libc::CLOCK_REALTIME)
}

/// `clock` read, in microseconds (0 before 1970).
fn micros(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec; these clocks cannot fail on Linux.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(ts.tv_nsec).unwrap_or(0);
    secs * 1_000_000 + nanos / 1_000
}
