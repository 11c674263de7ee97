//! One timerfd per instance: CLOCK_MONOTONIC, armed at an absolute time.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::{Result, SysError};
use crate::time::Instant;

pub struct Timer {
    fd: OwnedFd,
    armed: Option<Instant>,
    /// Fired and not yet read or re-armed (see [`Timer::expiring`]).
    expired: bool,
}

impl Timer {
    pub fn new() -> Result<Timer> {
        let clock = libc::c_long::from(libc::CLOCK_MONOTONIC);
        let flags = libc::c_long::from(libc::TFD_NONBLOCK | libc::TFD_CLOEXEC);
        // SAFETY: plain syscall (not musl's wrapper); the fd is owned below.
        let fd = unsafe { libc::syscall(libc::SYS_timerfd_create, clock, flags) };
        let fd = super::check("timerfd_create", fd as libc::c_int)?;
        // SAFETY: a fresh descriptor nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Timer {
            fd,
            armed: None,
            expired: false,
        })
    }

    /// Arm at `at` (a time in the past fires at once), or disarm. Does no
    /// system call when the deadline has not changed.
    pub fn set(&mut self, at: Option<Instant>) -> Result<()> {
        if at == self.armed && !self.expired {
            return Ok(());
        }
        // One shot (no interval) at an absolute time, or all zero:
        // disarmed. The kernel's itimerspec of two timespecs of two longs
        // (interval, then value): the timerfd_settime syscall musl itself
        // makes for times that fit in 32 bits, without its time64 wrapper
        // (600 bytes of mipsel). Seconds on the monotonic clock (since
        // boot) fit in any long.
        let mut its: [libc::c_long; 4] = [0; 4];
        let mut flags = 0;
        if let Some(t) = at {
            let us = t.as_micros().max(1);
            its[2] = (us / 1_000_000) as libc::c_long;
            its[3] = ((us % 1_000_000) * 1_000) as libc::c_long;
            flags = libc::TFD_TIMER_ABSTIME;
        }
        // SAFETY: `its` is a valid kernel itimerspec; no old value is
        // asked for.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_timerfd_settime,
                libc::c_long::from(self.as_raw_fd()),
                libc::c_long::from(flags),
                its.as_ptr(),
                core::ptr::null_mut::<libc::c_long>(),
            )
        };
        if ret != 0 {
            return Err(SysError::last("timerfd_settime"));
        }
        self.armed = at;
        // Setting the timer cleared any expiry it had.
        self.expired = false;
        Ok(())
    }

    /// The timer fired and its owner is told: until [`Timer::expired`],
    /// a [`Timer::set`] re-arms it even for the same time (so a re-arm
    /// always clears the expiry).
    pub fn expiring(&mut self) {
        self.expired = true;
    }

    /// After the owner was told: an expiry it did not re-arm is read (so
    /// that poll does not report it again).
    pub fn expired(&mut self) {
        if core::mem::take(&mut self.expired) {
            self.clear();
        }
    }

    /// Consume an expiry after poll reported the fd readable; false when
    /// there was none (re-armed since it fired).
    pub fn clear(&mut self) -> bool {
        let mut buf = [0u8; 8];
        // SAFETY: reading 8 bytes into an 8-byte buffer from our own fd.
        let n = unsafe { libc::read(self.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n == 8 {
            // A one-shot timer that fired is disarmed.
            self.armed = None;
        }
        n == 8
    }

    /// The time it is armed for (None: disarmed, or fired and read).
    pub fn armed(&self) -> Option<Instant> {
        self.armed
    }

    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_fd().as_raw_fd()
    }
}

impl AsFd for Timer {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{clock, poll};
    use crate::time::Duration;

    /// Armed 20 ms ahead, the timer fires within a ppoll that would wait
    /// a second, and not before; disarmed, it stays quiet.
    #[test]
    fn fires_at_its_time_and_not_when_disarmed() {
        let mut t = Timer::new().expect("timerfd");
        let start = clock::now();
        t.set(Some(start + Duration::from_millis(20))).expect("arm");
        assert_eq!(t.armed(), Some(start + Duration::from_millis(20)));
        let mut fds = [poll::pollfd(t.as_raw_fd())];
        let n = poll::ppoll(&mut fds, Duration::from_secs(1)).expect("ppoll");
        assert_eq!(n, 1);
        assert!(poll::readable(&fds[0]));
        let waited = clock::now().saturating_since(start);
        assert!(waited >= Duration::from_millis(20), "{waited:?}");
        assert!(waited < Duration::from_millis(900), "{waited:?}");
        assert!(t.clear());
        t.set(Some(clock::now() + Duration::from_millis(10)))
            .expect("arm");
        t.set(None).expect("disarm");
        let mut fds = [poll::pollfd(t.as_raw_fd())];
        assert_eq!(poll::poll(&mut fds, 50).expect("poll"), 0);
        assert!(!t.clear());
    }
}
