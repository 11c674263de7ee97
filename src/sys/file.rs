//! A system file read line by line through a fixed buffer (/etc/hosts,
//! /etc/resolv.conf), with open(2) and read(2): no stdio, no allocation.

use core::ffi::CStr;
use core::fmt;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::{ErrText, Errno, c_string};

/// An errno worded as std's `io::Error` words an OS error:
/// `TEXT (os error N)` (the daemon's messages kept that wording when they
/// left std::fs).
#[derive(Copy, Clone, Debug)]
pub struct OsError(pub Errno);

impl fmt::Display for OsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (os error {})", ErrText(self.0), self.0 as i32)
    }
}

/// open(2) of `path` with `flags` (O_CLOEXEC added) and, for O_CREAT,
/// `mode`.
pub fn open(path: &str, flags: libc::c_int, mode: libc::mode_t) -> Result<OwnedFd, OsError> {
    open_bytes(path.as_bytes(), flags, mode)
}

/// [`open`] of a path that need not be UTF-8.
pub fn open_bytes(path: &[u8], flags: libc::c_int, mode: libc::mode_t) -> Result<OwnedFd, OsError> {
    let c = c_string(path).map_err(OsError)?;
    // SAFETY: `c` is NUL-terminated for the call.
    let fd = unsafe {
        super::open_at(
            libc::AT_FDCWD,
            c.as_ptr().cast(),
            flags | libc::O_CLOEXEC,
            mode,
        )
    };
    if fd < 0 {
        return Err(OsError(Errno::last()));
    }
    // SAFETY: a fresh descriptor nothing else owns; closed on drop.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// What the daemon reads of a file's status: its type and permission
/// bits, owner, group and size.
#[derive(Copy, Clone, Debug)]
pub struct Stat {
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub st_size: i64,
}

/// stat(2) of `path` (`follow`: through a last symbolic link, else lstat).
pub fn stat(path: &str, follow: bool) -> Result<Stat, OsError> {
    stat_bytes(path.as_bytes(), follow)
}

/// [`stat`] of a path that need not be UTF-8.
pub fn stat_bytes(path: &[u8], follow: bool) -> Result<Stat, OsError> {
    let c = c_string(path).map_err(OsError)?;
    let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
    statx(libc::AT_FDCWD, c.as_ptr().cast(), flags)
}

/// fstat(2) of an open file.
pub fn fstat(fd: &OwnedFd) -> Result<Stat, OsError> {
    statx(fd.as_raw_fd(), c"".as_ptr(), libc::AT_EMPTY_PATH)
}

/// struct statx (256 bytes) as the kernel writes it, with names for the
/// fields read: before stx_uid, stx_mask, stx_blksize, stx_attributes and
/// stx_nlink; after stx_size, the rest.
#[repr(C)]
struct StatxBuf {
    _head: [u32; 5],
    uid: u32,
    gid: u32,
    mode: u16,
    _spare: u16,
    _ino: u64,
    size: u64,
    _rest: [u64; 26],
}

/// statx(2) itself (Linux 4.11): musl's stat, lstat and fstat, all through
/// its fstatat, were two 1.2 KB copies in a mipsel binary (time32 and
/// time64), for the four fields the daemon reads.
fn statx(dir: libc::c_int, path: *const libc::c_char, flags: libc::c_int) -> Result<Stat, OsError> {
    // SAFETY: all-zero bytes are a valid StatxBuf (integers only).
    let mut buf: StatxBuf = unsafe { core::mem::zeroed() };
    // STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_SIZE.
    let mask: libc::c_uint = 0x1 | 0x2 | 0x8 | 0x10 | 0x200;
    // SAFETY: a NUL-terminated path and a 256-byte struct for the kernel.
    let ret = unsafe { libc::syscall(libc::SYS_statx, dir, path, flags, mask, &mut buf) };
    if ret != 0 {
        return Err(OsError(Errno::last()));
    }
    Ok(Stat {
        st_mode: u32::from(buf.mode),
        st_uid: buf.uid,
        st_gid: buf.gid,
        st_size: i64::try_from(buf.size).unwrap_or(i64::MAX),
    })
}

/// Calls `f` with each name in directory `path` but `.` and `..`, in the
/// order the kernel gives them (readdir(3)'s order). False when it cannot
/// be opened. getdents64 itself: musl's opendir, readdir and closedir
/// were 400 bytes of mipsel for the same loop.
pub fn list_dir(path: &[u8], mut f: impl FnMut(&[u8])) -> bool {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY;
    let Ok(fd) = open_bytes(path, flags, 0) else {
        return false;
    };
    let mut buf = [0u8; 2048];
    loop {
        // SAFETY: getdents64 writes at most `buf.len()` bytes into `buf`.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                libc::c_long::from(fd.as_raw_fd()),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        // The end, or an error (where readdir's loop ends too).
        let Some(got) = usize::try_from(n).ok().filter(|&n| n > 0) else {
            return true;
        };
        let mut at = 0;
        while let Some((name, len)) = buf.get(at..got).and_then(dirent_name) {
            if name != b"." && name != b".." {
                f(name);
            }
            at += len;
        }
    }
}

/// The name of the first linux_dirent64 in `buf` (d_ino and d_off, 8
/// bytes each, d_reclen, 2, d_type, 1, then the NUL-terminated name) and
/// the record's length; None at the end.
fn dirent_name(buf: &[u8]) -> Option<(&[u8], usize)> {
    let len = usize::from(u16::from_ne_bytes([*buf.get(16)?, *buf.get(17)?]));
    let name = buf.get(19..len)?;
    Some((name.split(|&b| b == 0).next()?, len))
}

/// The file type bits of a stat's mode are `ty` (libc::S_IFREG, ...).
pub fn is_type(st: &Stat, ty: libc::mode_t) -> bool {
    st.st_mode & libc::S_IFMT == ty
}

// The path calls below are their *at syscalls, relative to the working
// directory, not musl's wrappers of them (each a function of its own for
// one call): renameat2 with no flags is rename(2).

/// rename(2).
pub fn rename(from: &str, to: &str) -> Result<(), OsError> {
    let f = c_string(from.as_bytes()).map_err(OsError)?;
    let t = c_string(to.as_bytes()).map_err(OsError)?;
    let here = libc::c_long::from(libc::AT_FDCWD);
    // SAFETY: two NUL-terminated paths.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            here,
            f.as_ptr(),
            here,
            t.as_ptr(),
            0 as libc::c_long,
        )
    };
    if ret != 0 {
        return Err(OsError(Errno::last()));
    }
    Ok(())
}

/// unlink(2), its failure ignored (a file that may already be gone).
pub fn remove(path: &str) {
    if let Ok(c) = c_string(path.as_bytes()) {
        let here = libc::c_long::from(libc::AT_FDCWD);
        // SAFETY: a NUL-terminated path.
        unsafe { libc::syscall(libc::SYS_unlinkat, here, c.as_ptr(), 0 as libc::c_long) };
    }
}

/// Up to `limit` bytes of what is left to read on `fd`.
pub fn read_up_to(fd: &OwnedFd, limit: usize) -> Result<Vec<u8>, OsError> {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 512];
    while bytes.len() < limit {
        let room = buf.len().min(limit - bytes.len());
        match super::read_once(fd, &mut buf[..room]) {
            Some(0) => break,
            Some(n) => bytes.extend_from_slice(buf.get(..n).unwrap_or_default()),
            None => return Err(OsError(Errno::last())),
        }
    }
    Ok(bytes)
}

/// Write all of `bytes` to `fd`.
pub fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> Result<(), OsError> {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is valid for its length.
        let n = unsafe { libc::write(fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        match usize::try_from(n) {
            Ok(0) => return Err(OsError(Errno::EIO)),
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(_) if Errno::last() == Errno::EINTR => {}
            Err(_) => return Err(OsError(Errno::last())),
        }
    }
    Ok(())
}

/// realpath(3) of `path`: absolute, without links, `.` or `..`
/// (`std::fs::canonicalize` without the PathBuf); the error says why not.
/// The kernel resolves it: `path` opened with O_PATH (no read permission
/// needed, as for realpath), and its name read back from /proc/self/fd
/// (musl's realpath walking the path itself, with getcwd, was 1.7 KB of a
/// mipsel binary; the daemon needs /proc anyway).
pub fn real_path(path: &[u8]) -> Result<Vec<u8>, OsError> {
    let fd = open_bytes(path, libc::O_PATH, 0)?;
    // "/proc/self/fd/" and the descriptor's decimal digits, NUL-ended.
    let mut link = *b"/proc/self/fd/\0\0\0\0\0\0\0\0\0\0\0";
    let mut n = fd.as_raw_fd().unsigned_abs();
    // Counted by dividing (checked_ilog10 was 112 bytes of mipsel for
    // this one use; size: issue 17).
    let mut digits = 1;
    let mut rest = n / 10;
    while rest > 0 {
        digits += 1;
        rest /= 10;
    }
    for slot in link[14..14 + digits].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: a NUL-terminated link name; readlink writes at most
    // buf.len() bytes into buf.
    let len = unsafe {
        libc::syscall(
            libc::SYS_readlinkat,
            libc::c_long::from(libc::AT_FDCWD),
            link.as_ptr(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    match usize::try_from(len) {
        Ok(len) if len < buf.len() => {
            buf.truncate(len);
            Ok(buf)
        }
        Ok(_) => Err(OsError(Errno::ENAMETOOLONG)),
        Err(_) => Err(OsError(Errno::last())),
    }
}

/// `path` without trailing `/` and `/.` (what std::path's components
/// ignore at the end); a leading `.` stays.
fn trim_back(mut path: &[u8]) -> &[u8] {
    loop {
        if let Some(r) = path.strip_suffix(b"/") {
            path = r;
        } else if let Some(r) = path.strip_suffix(b"/.") {
            path = r;
        } else {
            return path;
        }
    }
}

/// A path's last component (a name, `.` or `..`) and the path before it,
/// as std::path's `parent` sees them: None for `""` and `/` (nothing
/// before); `"a"` -> (`""`, `"a"`), `"/a/"` -> (`"/"`, `"a"`),
/// `"./a"` -> (`"."`, `"a"`), `"a/./b"` -> (`"a"`, `"b"`).
pub fn split_path(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = trim_back(path);
    if body.is_empty() {
        return None;
    }
    let start = body.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let (before, last) = body.split_at(start);
    let parent = trim_back(before);
    if parent.is_empty() && path.first() == Some(&b'/') {
        return Some((b"/", last));
    }
    Some((parent, last))
}

/// std::path's `Path::file_name`: the last component when it is a name.
pub fn file_name(path: &[u8]) -> Option<&[u8]> {
    split_path(path)
        .map(|(_, last)| last)
        .filter(|last| !matches!(last, [b'.'] | [b'.', b'.']))
}

/// `bytes` copied into a Vec: pushed into an empty one, as `to_vec`
/// brought a 120-byte copy of its own besides the one String's clone uses
/// (size: issue 17).
pub fn owned(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(bytes);
    out
}

/// `dir` and `name` (a name without `/`) as one path, as `Path::join`
/// makes it.
pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut out = owned(dir);
    if !dir.is_empty() && !dir.ends_with(b"/") {
        out.push(b'/');
    }
    out.extend_from_slice(name);
    out
}

/// The longest line looked at; a longer one is skipped whole (musl's
/// resolver reads /etc/hosts through a 512-byte line buffer).
const LINE_MAX: usize = 1024;

/// Calls `f` with each line of the file at `path` (without its newline;
/// a line that is not UTF-8 is skipped) until `f` answers: that answer.
/// None when the file cannot be read or no line answered.
pub fn find_line<T>(path: &CStr, mut f: impl FnMut(&str) -> Option<T>) -> Option<T> {
    let mut answer = None;
    each_line(path, &mut |line| {
        answer = f(line);
        answer.is_some()
    });
    answer
}

/// `f` of `line` if it is UTF-8; false (go on) if not.
fn utf8_line(f: &mut dyn FnMut(&str) -> bool, line: &[u8]) -> bool {
    core::str::from_utf8(line).is_ok_and(f)
}

/// The loop of [`find_line`], once for every caller: `f` sees each line
/// (UTF-8 ones) and says whether to stop.
fn each_line(path: &CStr, f: &mut dyn FnMut(&str) -> bool) {
    let flags = libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY;
    // SAFETY: `path` is NUL-terminated for the call.
    let fd = unsafe { super::open_at(libc::AT_FDCWD, path.as_ptr(), flags, 0) };
    if fd < 0 {
        return;
    }
    // SAFETY: a fresh descriptor nothing else owns; closed on drop.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut buf = [0u8; LINE_MAX];
    let mut len = 0;
    // In the middle of a line longer than the buffer.
    let mut skipping = false;
    loop {
        let Some(n) = buf.get_mut(len..).and_then(|b| super::read_once(&fd, b)) else {
            return;
        };
        len += n;
        let mut start = 0;
        while let Some(nl) = buf[start..len].iter().position(|&b| b == b'\n') {
            if !skipping && utf8_line(f, &buf[start..start + nl]) {
                return;
            }
            skipping = false;
            start += nl + 1;
        }
        if n == 0 {
            // The last line, without a newline.
            if !skipping && start < len {
                utf8_line(f, &buf[start..len]);
            }
            return;
        }
        buf.copy_within(start..len, 0);
        len -= start;
        if len == buf.len() {
            skipping = true;
            len = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    /// split_path, file_name and join give std::path's answers, for every
    /// path of up to 6 characters from `a`, `.` and `/` (trailing slashes,
    /// roots, `.` and `..` in every place).
    #[test]
    fn path_parts_as_std_sees_them() {
        use std::path::Path;
        let mut paths = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..6 {
            let next: Vec<String> = last
                .iter()
                .flat_map(|p| ["a", ".", "/"].map(|c| format!("{p}{c}")))
                .collect();
            paths.extend(next.iter().cloned());
            last = next;
        }
        paths.extend(["/etc/keepalived/", "conf.d/x.conf", "../x", "b/../c"].map(String::from));
        for p in &paths {
            let std = Path::new(p);
            let ours = split_path(p.as_bytes()).map(|(d, _)| d);
            assert_eq!(
                ours,
                std.parent().map(|d| d.as_os_str().as_bytes()),
                "parent of {p:?}"
            );
            let name = std.file_name().map(|n| n.as_bytes());
            assert_eq!(file_name(p.as_bytes()), name, "file name of {p:?}");
            let joined = join(p.as_bytes(), b"n");
            assert_eq!(joined, std.join("n").as_os_str().as_bytes(), "{p:?} joined");
        }
    }

    #[test]
    fn list_dir_names() {
        let mut names = Vec::new();
        assert!(list_dir(b"/proc/self", |n| names.push(n.to_vec())));
        assert!(names.iter().any(|n| n == b"status"));
        assert!(!names.iter().any(|n| n == b"." || n == b".."));
        assert!(!list_dir(b"/nonexistent-tinyvrrpd", |_| {}));
    }

    #[test]
    fn real_path_resolves() {
        assert_eq!(
            real_path(b"/proc/self/../self/.")
                .ok()
                .map(|p| p.starts_with(b"/proc/")),
            Some(true)
        );
        assert_eq!(real_path(b"/").ok(), Some(b"/".to_vec()));
        assert_eq!(real_path(b"/nonexistent-tinyvrrpd/x").ok(), None);
        assert_eq!(real_path(b"a\0b").ok(), None);
        // What realpath(3) answers, for a relative path, a link, `..`.
        let here = std::env::current_dir().unwrap();
        for p in [".", "src/../Cargo.toml", "/proc/self/exe", "/etc/../tmp/."] {
            let std = std::fs::canonicalize(here.join(p)).unwrap();
            let ours = real_path(p.as_bytes()).unwrap();
            assert_eq!(ours, std.as_os_str().as_encoded_bytes(), "{p}");
        }
        assert_eq!(
            real_path(b"Cargo.toml/x").err().map(|e| e.0),
            Some(Errno::ENOTDIR)
        );
    }

    #[test]
    fn os_error_words_it_as_std_does() {
        for e in [Errno::ENOENT, Errno::EACCES, Errno::EINVAL, Errno::EROFS] {
            let std = std::io::Error::from_raw_os_error(e as i32).to_string();
            assert_eq!(OsError(e).to_string(), std);
        }
    }

    #[test]
    fn open_read_write() {
        let path = std::env::temp_dir().join(format!("tinyvrrpd-open-{}", std::process::id()));
        let p = path.to_str().unwrap();
        let _ = std::fs::remove_file(p);
        let e = open(p, libc::O_RDONLY, 0).err().map(|e| e.0);
        assert_eq!(e, Some(Errno::ENOENT));
        let fd = open(p, libc::O_RDWR | libc::O_CREAT, 0o600).unwrap();
        write_all(&fd, b"1234\n").unwrap();
        let fd = open(p, libc::O_RDONLY, 0).unwrap();
        assert_eq!(read_up_to(&fd, usize::MAX).unwrap(), b"1234\n");
        std::fs::remove_file(p).unwrap();
    }

    #[test]
    fn rename_and_remove() {
        let dir = std::env::temp_dir();
        let a = dir.join(format!("tinyvrrpd-ren-a-{}", std::process::id()));
        let b = dir.join(format!("tinyvrrpd-ren-b-{}", std::process::id()));
        let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
        std::fs::write(a, "x").unwrap();
        rename(a, b).unwrap();
        assert!(std::fs::metadata(a).is_err());
        assert_eq!(std::fs::read_to_string(b).unwrap(), "x");
        assert_eq!(rename(a, b).err().map(|e| e.0), Some(Errno::ENOENT));
        remove(b);
        assert!(std::fs::metadata(b).is_err());
    }

    fn lines_of(text: &[u8]) -> Vec<String> {
        let path = std::env::temp_dir().join(format!("tinyvrrpd-lines-{}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        let mut seen = Vec::new();
        let none: Option<()> = find_line(&c, |l| {
            seen.push(l.to_string());
            None
        });
        assert_eq!(none, None);
        std::fs::remove_file(&path).unwrap();
        seen
    }

    #[test]
    fn every_line_once_and_long_ones_skipped() {
        assert_eq!(lines_of(b"a\nbb\n\nc"), ["a", "bb", "", "c"]);
        assert_eq!(lines_of(b"a\n"), ["a"]);
        assert_eq!(lines_of(b"a\n\xff\nb"), ["a", "b"]);
        assert!(lines_of(b"").is_empty());
        // Lines around the buffer's size, and over it.
        let fits = "x".repeat(LINE_MAX - 1);
        let long = "y".repeat(3 * LINE_MAX);
        let mut text = ["1", &fits, &long, "2", &long].join("\n");
        assert_eq!(lines_of(text.as_bytes()), ["1", &fits, "2"]);
        text += "\n3\n";
        assert_eq!(lines_of(text.as_bytes()), ["1", &fits, "2", "3"]);
        // Many short lines: each across the buffer's refills.
        let many: Vec<u8> = (0..1000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let seen = lines_of(&many);
        assert_eq!(seen.len(), 1000);
        assert_eq!(seen[999], "line 999");
    }

    #[test]
    fn the_first_answer_and_a_missing_file() {
        assert_eq!(
            find_line(c"/proc/self/status", |l| l.starts_with("Pid:").then_some(1)),
            Some(1)
        );
        assert_eq!(find_line(c"/nonexistent/file", |_| Some(1)), None);
    }
}
