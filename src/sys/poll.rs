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
    let n = libc::nfds_t::try_from(fds.len()).unwrap_or(0);
    // SAFETY: fds is a valid slice of pollfd for the call.
    let ret = unsafe { libc::poll(fds.as_mut_ptr(), n, timeout_ms) };
    if ret < 0 {
        let e = SysError::last("poll");
        if e.errno == nix::errno::Errno::EINTR {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(usize::try_from(ret).unwrap_or(0))
}

/// [`poll`] with a timeout to the microsecond (ppoll(2), no signal mask
/// change).
pub fn ppoll(fds: &mut [PollFd], timeout: crate::time::Duration) -> Result<usize> {
    let us = timeout.as_micros();
    let ts = libc::timespec {
        tv_sec: libc::time_t::try_from(us / 1_000_000).unwrap_or(libc::time_t::MAX),
        tv_nsec: ((us % 1_000_000) * 1_000) as _,
    };
    let n = libc::nfds_t::try_from(fds.len()).unwrap_or(0);
    // SAFETY: fds is a valid slice of pollfd and ts a valid timespec for
    // the call; a null sigmask leaves the mask alone.
    let ret = unsafe { libc::ppoll(fds.as_mut_ptr(), n, &ts, core::ptr::null()) };
    if ret < 0 {
        let e = SysError::last("ppoll");
        if e.errno == nix::errno::Errno::EINTR {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(usize::try_from(ret).unwrap_or(0))
}
