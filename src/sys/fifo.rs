//! keepalived's notify FIFOs: opened read-write and non-blocking, as
//! keepalived opens them, so that opening never waits for a reader and a
//! write never blocks (a full FIFO drops the line with EAGAIN).

use std::os::fd::{AsRawFd, OwnedFd};

use super::file;
use super::{Errno, Result, SysError};

/// Open `path` as a FIFO, creating it (mode 0600) when nothing is there:
/// the FIFO, and whether this call created it. Something else at that
/// path is refused.
pub fn open(path: &str) -> Result<(OwnedFd, bool)> {
    let cpath = super::c_string(path.as_bytes()).map_err(|e| SysError::new("fifo path", e))?;
    // mknodat(2) of a FIFO, as musl's mkfifo makes it (without its two
    // wrappers).
    let (here, mode) = (libc::AT_FDCWD, libc::S_IFIFO | 0o600);
    // SAFETY: mknodat on a NUL-terminated path; EEXIST is checked below.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_mknodat,
            libc::c_long::from(here),
            cpath.as_ptr(),
            mode as libc::c_long,
            0 as libc::c_long,
        )
    };
    if ret != 0 {
        let e = Errno::last();
        if e != Errno::EEXIST {
            return Err(SysError::new("mkfifo", e));
        }
    }
    let created = ret == 0;
    let flags = libc::O_RDWR | libc::O_NONBLOCK | libc::O_NOFOLLOW;
    let fd = file::open(path, flags, 0).map_err(|e| SysError::new("opening fifo", e.0))?;
    let is_fifo = file::fstat(&fd).is_ok_and(|st| file::is_type(&st, libc::S_IFIFO));
    if !is_fifo {
        return Err(SysError::new("opening fifo: not a FIFO", Errno::EINVAL));
    }
    Ok((fd, created))
}

/// Write one whole line without blocking; false when it was dropped.
pub fn write_line(fd: &OwnedFd, line: &[u8]) -> bool {
    // SAFETY: `line` is valid for its length.
    let n = unsafe { libc::write(fd.as_raw_fd(), line.as_ptr().cast(), line.len()) };
    usize::try_from(n) == Ok(line.len())
}
