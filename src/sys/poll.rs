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
