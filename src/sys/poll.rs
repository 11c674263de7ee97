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

/// ppoll(2) with no signal mask change; None waits with no limit. The
/// syscall musl itself makes for a timeout that fits in 32 bits (a
/// timespec of two longs), without its time64 wrapper.
fn wait(fds: &mut [PollFd], timeout: Option<crate::time::Duration>) -> Result<usize> {
    let ts = timeout.map(|t| {
        let us = t.as_micros();
        // A wait is far shorter than i32::MAX seconds anyway.
        let secs = i32::try_from(us / 1_000_000).unwrap_or(i32::MAX);
        [secs.into(), ((us % 1_000_000) * 1_000) as libc::c_long]
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(core::ptr::null(), |t: &[libc::c_long; 2]| t.as_ptr());
    let n = libc::c_long::try_from(fds.len()).unwrap_or(0);
    // SAFETY: fds is a valid slice of pollfd and ts_ptr null or a valid
    // kernel timespec for the call; a null sigmask leaves the mask alone
    // (and its size, 0, is then not looked at).
    let ret = unsafe {
        libc::syscall(
            libc::SYS_ppoll,
            fds.as_mut_ptr(),
            n,
            ts_ptr,
            core::ptr::null::<libc::c_void>(),
            0 as libc::c_long,
        )
    } as libc::c_int;
    if ret < 0 {
        let e = SysError::last("ppoll");
        if e.errno == nix::errno::Errno::EINTR {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(usize::try_from(ret).unwrap_or(0))
}
