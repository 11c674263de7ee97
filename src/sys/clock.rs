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
    let [secs, nanos] = read(clock);
    let secs = u64::try_from(secs).unwrap_or(0);
    let nanos = u64::try_from(nanos).unwrap_or(0);
    secs * 1_000_000 + nanos / 1_000
}

/// clock_gettime(2) of `clock`: seconds and nanoseconds.
#[cfg(not(all(target_env = "musl", target_pointer_width = "32")))]
// The fields are i64 already, but on a 32-bit glibc.
#[allow(clippy::useless_conversion)]
fn read(clock: libc::clockid_t) -> [i64; 2] {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec; these clocks cannot fail on Linux.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    [ts.tv_sec.into(), ts.tv_nsec.into()]
}

/// [`read`] on 32-bit musl: its 64-bit clock_gettime itself (vDSO, then
/// the clock_gettime64 system call), not the 32-bit time_t one the libc
/// crate binds, a wrapper that converts its answer (size: issue 17).
#[cfg(all(target_env = "musl", target_pointer_width = "32"))]
fn read(clock: libc::clockid_t) -> [i64; 2] {
    unsafe extern "C" {
        /// musl's clock_gettime for a timespec of a 64-bit time_t.
        fn __clock_gettime64(clock: libc::clockid_t, ts: *mut [i64; 2]) -> libc::c_int;
    }
    // musl's 64-bit timespec: the seconds, then a 32-bit tv_nsec with
    // 32 bits of padding on the side that makes the pair, read as one
    // 64-bit word, the nanoseconds in either byte order (the padding
    // stays 0 when musl writes tv_nsec alone).
    let mut ts = [0i64; 2];
    // SAFETY: `ts` has the size and alignment of that timespec; these
    // clocks cannot fail on Linux.
    unsafe { __clock_gettime64(clock, &mut ts) };
    ts
}

#[cfg(test)]
mod tests {
    /// The wall clock as std reads it (the nanoseconds in their place in
    /// either byte order: cross-test runs this on 32-bit big-endian musl).
    #[test]
    fn wall_clock_is_std_s() {
        let std_us = |t: std::time::SystemTime| {
            let d = t.duration_since(std::time::UNIX_EPOCH).expect("after 1970");
            u64::try_from(d.as_micros()).expect("fits")
        };
        let before = std_us(std::time::SystemTime::now());
        let ours = super::wall_us();
        let after = std_us(std::time::SystemTime::now());
        assert!(before <= ours && ours <= after, "{before} {ours} {after}");
        let [_, nanos] = super::read(libc::CLOCK_MONOTONIC);
        assert!((0..1_000_000_000).contains(&nanos), "{nanos}");
    }
}
