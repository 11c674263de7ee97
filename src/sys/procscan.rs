//! A scan of /proc for `vrrp_track_process`: every process's stat line
//! and, when asked, its command line, each with one bounded read. /proc is
//! opened once and re-read from the start with getdents64 into a fixed
//! buffer, so a scan allocates nothing. A process that vanishes while it
//! is read is skipped quietly.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::{Result, SysError, check};

/// Bytes of /proc/PID/stat read: keepalived reads 127, which always hold
/// the pid, the comm (at most 15 bytes, in parentheses) and the state.
pub const STAT_READ: usize = 127;
/// Bytes of /proc/PID/cmdline read: argv[0] and the words a
/// `vrrp_track_process` can name (keepalived reads as many as the longest
/// configured name and parameters, plus one).
pub const CMDLINE_READ: usize = 4096;
const DENTS_BUF: usize = 8192;

pub struct ProcScan {
    dir: OwnedFd,
    dents: Box<[u8; DENTS_BUF]>,
    stat: [u8; STAT_READ],
    cmdline: Box<[u8; CMDLINE_READ]>,
    own_pid: u32,
}

impl ProcScan {
    pub fn open() -> Result<ProcScan> {
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
        // SAFETY: a NUL-terminated literal path.
        let fd = unsafe { super::open_at(libc::AT_FDCWD, c"/proc".as_ptr(), flags, 0) };
        let fd = check("opening /proc", fd)?;
        Ok(ProcScan {
            // SAFETY: a fresh descriptor nothing else owns.
            dir: unsafe { OwnedFd::from_raw_fd(fd) },
            dents: super::zeroed_box(),
            stat: [0; STAT_READ],
            cmdline: super::zeroed_box(),
            own_pid: std::process::id(),
        })
    }

    /// Call `f(pid, stat, cmdline)` for every process but this one
    /// (`cmdline` is empty unless `want_cmdline`); the number of processes
    /// seen.
    pub fn scan(
        &mut self,
        want_cmdline: bool,
        mut f: impl FnMut(u32, &[u8], &[u8]),
    ) -> Result<usize> {
        if !super::seek_zero(self.dir.as_raw_fd(), libc::SEEK_SET) {
            return Err(SysError::last("rewinding /proc"));
        }
        let mut seen = 0;
        loop {
            let n = self.read_dents()?;
            if n == 0 {
                return Ok(seen);
            }
            let mut off = 0;
            while let Some((pid, reclen)) = dirent_pid(self.dents.get(off..n).unwrap_or_default()) {
                off += reclen;
                let Some(pid) = pid.filter(|&p| p != self.own_pid) else {
                    continue;
                };
                let Some(stat_len) = read_at(&self.dir, pid, c"stat", &mut self.stat) else {
                    continue;
                };
                let mut cmd_len = 0;
                if want_cmdline {
                    match read_at(&self.dir, pid, c"cmdline", &mut self.cmdline[..]) {
                        Some(len) => cmd_len = len,
                        None => continue,
                    }
                }
                seen += 1;
                let stat = self.stat.get(..stat_len).unwrap_or_default();
                f(pid, stat, self.cmdline.get(..cmd_len).unwrap_or_default());
            }
        }
    }

    fn read_dents(&mut self) -> Result<usize> {
        let (fd, buf) = (self.dir.as_raw_fd(), &mut self.dents[..]);
        // SAFETY: getdents64 writes at most `buf.len()` bytes into `buf`.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), buf.len()) };
        usize::try_from(n).map_err(|_| SysError::last("reading /proc"))
    }
}

/// The first linux_dirent64 in `buf`: the pid its name is (None for a
/// name that is not all digits, or a non-directory) and its length; None
/// at the end.
fn dirent_pid(buf: &[u8]) -> Option<(Option<u32>, usize)> {
    // d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
    let reclen = usize::from(u16::from_ne_bytes(buf.get(16..18)?.try_into().ok()?));
    let rec = buf.get(..reclen).filter(|_| reclen > 19)?;
    let d_type = *rec.get(18)?;
    let name = rec.get(19..).unwrap_or_default();
    let name = name.get(..name.iter().position(|&b| b == 0)?)?;
    let dir = d_type == libc::DT_DIR || d_type == libc::DT_UNKNOWN;
    let digits = !name.is_empty() && name.iter().all(u8::is_ascii_digit);
    let pid = (dir && digits)
        .then(|| core::str::from_utf8(name).ok()?.parse().ok())
        .flatten();
    Some((pid, reclen))
}

/// Read /proc/PID/WHAT (relative to the open /proc) into `buf` with one
/// read; None when the process is gone or the file unreadable.
fn read_at(dir: &OwnedFd, pid: u32, what: &core::ffi::CStr, buf: &mut [u8]) -> Option<usize> {
    // "PID/WHAT\0" in one array: the digits written back from the `/`
    // (a u32 has at most 10), then `what` (size: issue 17: two ArrayVecs,
    // a reverse and their extends).
    let mut path = [0u8; 24];
    let mut start = 10;
    let mut p = pid;
    for d in path.get_mut(..10).unwrap_or_default().iter_mut().rev() {
        *d = b'0' + (p % 10) as u8;
        start -= 1;
        p /= 10;
        if p == 0 {
            break;
        }
    }
    let tail = what.to_bytes_with_nul();
    let (slash, rest) = path.get_mut(10..)?.split_first_mut()?;
    *slash = b'/';
    rest.get_mut(..tail.len())?.copy_from_slice(tail);
    let path = path.get(start..)?;
    let flags = libc::O_RDONLY | libc::O_CLOEXEC;
    // SAFETY: `path` is NUL-terminated (from `what`); `dir` is open.
    let fd = unsafe { super::open_at(dir.as_raw_fd(), path.as_ptr().cast(), flags, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: a fresh descriptor nothing else owns; closed on drop.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    super::read_once(&fd, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirent(name: &[u8], d_type: u8) -> Vec<u8> {
        let reclen = (19 + name.len() + 1).div_ceil(8) * 8;
        let mut v = vec![0u8; reclen];
        v[16..18].copy_from_slice(&(reclen as u16).to_ne_bytes());
        v[18] = d_type;
        v[19..19 + name.len()].copy_from_slice(name);
        v
    }

    #[test]
    fn only_numeric_directories_are_pids() {
        let d = dirent(b"1234", libc::DT_DIR);
        assert_eq!(dirent_pid(&d), Some((Some(1234), d.len())));
        assert_eq!(dirent_pid(&dirent(b"self", libc::DT_LNK)).unwrap().0, None);
        assert_eq!(dirent_pid(&dirent(b"12a", libc::DT_DIR)).unwrap().0, None);
        assert_eq!(dirent_pid(&dirent(b"99", libc::DT_REG)).unwrap().0, None);
        assert_eq!(dirent_pid(&d[..10]), None);
    }

    #[test]
    fn scan_sees_init_and_not_itself() {
        let mut s = ProcScan::open().expect("open /proc");
        let me = std::process::id();
        let (mut one, mut self_seen) = (false, false);
        let n = s
            .scan(true, |pid, stat, _| {
                one |= pid == 1 && stat.starts_with(b"1 (");
                self_seen |= pid == me;
            })
            .expect("scan");
        assert!(n > 0 && one && !self_seen);
        // Each pid's own path: this process's stat starts with its pid.
        for pid in [1, me, u32::MAX] {
            let mut buf = [0u8; STAT_READ];
            let got = read_at(&s.dir, pid, c"stat", &mut buf);
            let want = format!("{pid} (");
            assert_eq!(got.is_some(), pid != u32::MAX, "{pid}");
            if let Some(n) = got {
                assert!(buf[..n].starts_with(want.as_bytes()), "{pid}");
            }
        }
    }
}
