//! poll(2) over a caller-owned, preallocated array.

use super::{Result, SysError};

pub use libc::pollfd as PollFd;

pub fn pollfd(fd: std::os::fd::RawFd) -> PollFd {
    PollFd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

pub fn readable(p: &PollFd) -> bool {
    p.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0
}

/// Wait until one of `fds` is readable or `timeout_ms` passes (-1: no
/// limit). EINTR is not an error: it returns 0.
pub fn poll(fds: &mut [PollFd], timeout_ms: i32) -> Result<usize> {
    let timeout = u64::try_from(timeout_ms).ok();
    wait(fds, timeout.map(crate::time::Duration::from_millis))
}

/// [`poll`] with a timeout to the microsecond.
pub fn ppoll(fds: &mut [PollFd], timeout: crate::time::Duration) -> Result<usize> {
    wait(fds, Some(timeout))
}

/// ppoll(2) with no signal mask change; None waits with no limit.
fn wait(fds: &mut [PollFd], timeout: Option<crate::time::Duration>) -> Result<usize> {
    let ts = timeout.map(|t| {
        let us = t.as_micros();
        // time_t is 32 bits on 32-bit musl: a wait is far shorter anyway.
        let secs = i32::try_from(us / 1_000_000).unwrap_or(i32::MAX);
        libc::timespec {
            tv_sec: secs.into(),
            tv_nsec: ((us % 1_000_000) * 1_000) as _,
        }
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(core::ptr::null(), |t| t as *const libc::timespec);
    let n = libc::nfds_t::try_from(fds.len()).unwrap_or(0);
    // SAFETY: fds is a valid slice of pollfd and ts_ptr null or a valid
    // timespec for the call; a null sigmask leaves the mask alone.
    let ret = unsafe { libc::ppoll(fds.as_mut_ptr(), n, ts_ptr, core::ptr::null()) };
    if ret < 0 {
        let e = SysError::last("ppoll");
        if e.errno == nix::errno::Errno::EINTR {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(usize::try_from(ret).unwrap_or(0))
}
