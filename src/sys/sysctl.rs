//! Per-interface kernel settings under /proc/sys/net (those of the daemon's
//! network namespace): read and written as keepalived does for its VMACs.

use super::Errno;
use super::file::{self, OsError};

/// `/proc/sys/net/{proto}/conf/{ifname}/{key}`; None for a name that could
/// leave the directory.
fn path(proto: &str, ifname: &str, key: &str) -> Option<String> {
    if ifname.is_empty() || ifname.contains('/') || ifname.starts_with('.') {
        return None;
    }
    Some(format!("/proc/sys/net/{proto}/conf/{ifname}/{key}"))
}

/// The setting's value, when it can be read as a number.
pub fn read(proto: &str, ifname: &str, key: &str) -> Option<u32> {
    let fd = file::open(&path(proto, ifname, key)?, libc::O_RDONLY, 0).ok()?;
    let text = file::read_up_to(&fd, 64).ok()?;
    core::str::from_utf8(&text).ok()?.trim().parse().ok()
}

/// Set it; the error says why not.
/// (sys::file's reads and writes: std::fs's File and its io::Error
/// machinery cost about 1.3 KB on mipsel for these two callers.)
pub fn write(proto: &str, ifname: &str, key: &str, value: u32) -> Result<(), OsError> {
    let p = path(proto, ifname, key).ok_or(OsError(Errno::EINVAL))?;
    let fd = file::open(&p, libc::O_WRONLY, 0)?;
    file::write_all(&fd, format!("{value}\n").as_bytes())
}
