//! keepalived's notify FIFOs: opened read-write and non-blocking, as
//! keepalived opens them, so that opening never waits for a reader and a
//! write never blocks (a full FIFO drops the line with EAGAIN).

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;

use super::{Errno, Result, SysError};

/// Open `path` as a FIFO, creating it (mode 0600) when it does not exist.
/// Something else at that path is refused.
pub fn open(path: &str) -> Result<File> {
    let cpath =
        std::ffi::CString::new(path).map_err(|_| SysError::new("fifo path", Errno::EINVAL))?;
    // SAFETY: mkfifo on a NUL-terminated path; EEXIST is checked below.
    if unsafe { libc::mkfifo(cpath.as_ptr(), 0o600) } != 0 {
        let e = Errno::last();
        if e != Errno::EEXIST {
            return Err(SysError::new("mkfifo", e));
        }
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| {
            SysError::new(
                "opening fifo",
                Errno::from_raw(e.raw_os_error().unwrap_or(0)),
            )
        })?;
    let is_fifo = file
        .metadata()
        .map(|m| std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type()))
        .unwrap_or(false);
    if !is_fifo {
        return Err(SysError::new("opening fifo: not a FIFO", Errno::EINVAL));
    }
    Ok(file)
}

/// Write one whole line without blocking; false when it was dropped.
pub fn write_line(file: &mut File, line: &[u8]) -> bool {
    matches!(file.write(line), Ok(n) if n == line.len())
}
