//! inotify for the track files, and the bounded read of a watched file.
//! The daemon watches a file's directory, not the file: a file replaced by
//! rename, or deleted and made again, is still followed.

use std::ffi::CStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::{Errno, Result, SysError, check};

/// What a track file's directory is watched for: written and closed, moved
/// in or out, created, deleted.
pub const DIR_EVENTS: u32 = libc::IN_CLOSE_WRITE
    | libc::IN_MOVED_TO
    | libc::IN_MOVED_FROM
    | libc::IN_CREATE
    | libc::IN_DELETE;

/// The kernel's queue overflowed: events were lost.
pub const Q_OVERFLOW: u32 = libc::IN_Q_OVERFLOW;

/// Size of the fixed header of an inotify event (wd, mask, cookie, len).
const HEADER: usize = 16;

pub struct Inotify {
    fd: OwnedFd,
}

impl Inotify {
    pub fn new() -> Result<Inotify> {
        // The syscall, not musl's wrapper (its fallback for kernels before
        // 2.6.27 is code for nothing).
        let flags = libc::c_long::from(libc::IN_NONBLOCK | libc::IN_CLOEXEC);
        // SAFETY: plain syscall; the fd is owned below.
        let fd = unsafe { libc::syscall(libc::SYS_inotify_init1, flags) };
        let fd = check("inotify_init1", fd as libc::c_int)?;
        // SAFETY: a fresh descriptor nothing else owns.
        Ok(Inotify {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// Watch `dir` for `mask`; the watch descriptor. Watching a directory
    /// twice gives the same descriptor (the mask is replaced).
    pub fn add_watch(&self, dir: &CStr, mask: u32) -> Result<i32> {
        let fd = libc::c_long::from(self.fd.as_raw_fd());
        let mask = mask as libc::c_long;
        // SAFETY: `dir` is NUL-terminated for the call (the syscall, not
        // musl's wrapper).
        let wd = unsafe { libc::syscall(libc::SYS_inotify_add_watch, fd, dir.as_ptr(), mask) };
        check("inotify_add_watch", wd as libc::c_int)
    }

    /// Read queued events into `buf` (at least 4 KiB, so one event with the
    /// longest name fits): Ok(None) when there are none.
    pub fn read(&self, buf: &mut [u8]) -> Result<Option<usize>> {
        loop {
            // SAFETY: reading into `buf`, valid for its length.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n >= 0 {
                return Ok(Some(n.unsigned_abs()));
            }
            match Errno::last() {
                Errno::EINTR => continue,
                Errno::EAGAIN => return Ok(None),
                e => return Err(SysError::new("reading inotify", e)),
            }
        }
    }

    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// One event: the watch, what happened, and the name in the directory
/// (without its NUL padding; empty for an event on the directory itself).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Event<'a> {
    pub wd: i32,
    pub mask: u32,
    pub name: &'a [u8],
}

/// The events in `buf` (what one read returned), in order; a truncated one
/// at the end is left out.
pub fn events(buf: &[u8]) -> impl Iterator<Item = Event<'_>> {
    let mut rest = buf;
    core::iter::from_fn(move || {
        let head = rest.get(..HEADER)?;
        let word = |i: usize| {
            let b = head.get(i..i + 4).and_then(|s| <[u8; 4]>::try_from(s).ok());
            b.map(u32::from_ne_bytes).unwrap_or(0)
        };
        let len = usize::try_from(word(12)).ok()?;
        let name = rest.get(HEADER..HEADER + len)?;
        rest = rest.get(HEADER + len..).unwrap_or_default();
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        Some(Event {
            wd: word(0) as i32,
            mask: word(4),
            name: name.get(..end).unwrap_or_default(),
        })
    })
}

/// Read at most `buf.len()` bytes of `path` with one read, never waiting:
/// opened O_NONBLOCK (a FIFO with no writer opens at once and reads
/// empty; one with a writer that wrote nothing reads EAGAIN), so a FIFO or
/// a huge file cannot stall the loop. None when it cannot be opened or
/// read.
pub fn read_bounded(path: &CStr, buf: &mut [u8]) -> Option<usize> {
    let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY;
    // SAFETY: `path` is NUL-terminated for the call.
    let fd = unsafe { super::open_at(libc::AT_FDCWD, path.as_ptr(), flags, 0) };
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

    fn raw(wd: i32, mask: u32, name: &[u8], pad: usize) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(wd.to_ne_bytes());
        v.extend(mask.to_ne_bytes());
        v.extend(0u32.to_ne_bytes());
        v.extend(((name.len() + pad) as u32).to_ne_bytes());
        v.extend(name);
        v.extend(std::iter::repeat_n(0, pad));
        v
    }

    #[test]
    fn events_are_split_and_names_unpadded() {
        let mut buf = raw(1, libc::IN_CLOSE_WRITE, b"a", 3);
        buf.extend(raw(2, libc::IN_DELETE, b"", 0));
        buf.extend(raw(3, libc::IN_CREATE, b"long-name", 7));
        let got: Vec<_> = events(&buf).collect();
        assert_eq!(got.len(), 3);
        assert_eq!((got[0].wd, got[0].name), (1, &b"a"[..]));
        assert_eq!((got[1].wd, got[1].mask), (2, libc::IN_DELETE));
        assert_eq!(got[2].name, b"long-name");
        // A truncated last event is left out.
        let cut = &buf[..buf.len() - 2];
        assert_eq!(events(cut).count(), 2);
    }
}
