//! The only place with `unsafe`, libc and nix: sockets, timers, signals,
//! child processes, the clock and the log. Each resource is an `OwnedFd` wrapper that closes
//! itself; each error names the operation and the errno.

pub mod alloc;
pub mod child;
pub mod clock;
pub mod fifo;
pub mod file;
pub mod inotify;
pub mod log;
mod msg;
pub mod netlink;
pub mod once;
pub mod packet;
pub mod poll;
pub mod procscan;
pub mod raw4;
pub mod raw6;
pub mod signals;
pub mod sysctl;
pub mod tcp;
pub mod timer;
pub mod tz;

use core::fmt;

pub use msg::{BATCH as RX_BATCH_MSGS, RxBatch, TX_BATCH, TxBatch};
pub use nix::errno::Errno;

/// Types for which all-zero bytes are a valid value (byte buffers, structs
/// of plain C data), which [`zeroed_box`] may make.
///
/// # Safety
/// The implementer promises that all-zero bytes are a valid value of the
/// type and that it is not zero-sized.
pub unsafe trait Zeroed {}

// SAFETY: any bytes are a valid byte array; the buffers are never empty.
unsafe impl<const N: usize> Zeroed for [u8; N] {}

/// A zero-filled `T` made directly on the heap. `Box::new` of a large
/// buffer builds it on the stack first, and every page of stack the
/// daemon ever touches stays resident while it runs: the 32 KiB netlink
/// buffer and the 27 KiB receive batch made that way cost as much RAM.
pub fn zeroed_box<T: Zeroed>() -> Box<T> {
    let layout = std::alloc::Layout::new::<T>();
    // SAFETY: T is not zero-sized and all-zero is a valid T (`Zeroed`'s
    // contract); the block comes from the global allocator with T's
    // layout, which is what Box::from_raw needs.
    unsafe {
        let p = std::alloc::alloc_zeroed(layout);
        if p.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        Box::from_raw(p.cast())
    }
}

/// dup2(2) of `fd` onto `target`, for two different descriptors: the
/// dup3 system call (dup2's, where there is one, but for `fd == target`),
/// async-signal-safe; -1 with errno when refused. Not musl's dup2, which
/// retries on EBUSY, an error of another thread's open racing it (size:
/// issue 17).
///
/// # Safety
/// `target` is replaced: the caller must own it (or mean to).
pub unsafe fn dup_to(fd: libc::c_int, target: libc::c_int) -> libc::c_long {
    let (fd, target) = (libc::c_long::from(fd), libc::c_long::from(target));
    // SAFETY: as the caller promises; dup3 takes numbers.
    unsafe { libc::syscall(libc::SYS_dup3, fd, target, 0 as libc::c_long) }
}

/// A failed system call: which operation, and why.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SysError {
    pub op: &'static str,
    pub errno: Errno,
}

impl SysError {
    pub fn new(op: &'static str, errno: Errno) -> SysError {
        SysError { op, errno }
    }
    /// The error of the last failed libc call.
    pub fn last(op: &'static str) -> SysError {
        SysError::new(op, Errno::last())
    }
}

impl fmt::Display for SysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.op, ErrText(self.errno))
    }
}

/// An errno as the C library words it (strerror), as keepalived prints
/// it. nix's own table of texts (`Errno::desc`) would be a second copy of
/// libc's: about 5 KB on mipsel (issue 17). Formats from a stack buffer:
/// no allocation.
#[derive(Copy, Clone)]
pub struct ErrText(pub Errno);

impl fmt::Display for ErrText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // musl: its strerror, a text of its static table (read only, so
        // safe from any thread), the same strerror_r copied out; each is
        // shorter than 128 bytes (size: issue 17: strerror_r's copy).
        #[cfg(target_env = "musl")]
        // SAFETY: strerror returns a NUL-terminated string that lives as
        // long as the process.
        let text = unsafe { std::ffi::CStr::from_ptr(libc::strerror(self.0 as libc::c_int)) }
            .to_str()
            .ok()
            .filter(|t| !t.is_empty());
        #[cfg(not(target_env = "musl"))]
        let mut buf = [0u8; 128];
        // SAFETY: strerror_r (the XSI one, which the libc crate binds on
        // glibc and musl) writes at most buf.len() bytes, NUL included.
        #[cfg(not(target_env = "musl"))]
        let ret =
            unsafe { libc::strerror_r(self.0 as libc::c_int, buf.as_mut_ptr().cast(), buf.len()) };
        // The text is the bytes before the NUL.
        #[cfg(not(target_env = "musl"))]
        let len = buf.iter().position(|&b| b == 0).unwrap_or(0);
        #[cfg(not(target_env = "musl"))]
        let text = core::str::from_utf8(buf.get(..len).unwrap_or_default())
            .ok()
            .filter(|t| ret == 0 && !t.is_empty());
        match text {
            Some(t) => f.write_str(t),
            None => write!(f, "errno {}", self.0 as libc::c_int),
        }
    }
}

pub type Result<T> = core::result::Result<T, SysError>;

/// Turn a libc return value into a `Result`.
fn check(op: &'static str, ret: libc::c_int) -> Result<libc::c_int> {
    if ret < 0 {
        Err(SysError::last(op))
    } else {
        Ok(ret)
    }
}

fn check_size(op: &'static str, ret: libc::ssize_t) -> Result<usize> {
    usize::try_from(ret).map_err(|_| SysError::last(op))
}

/// setsockopt with a plain value, through the raw syscall: musl's
/// setsockopt() converts time64 options (SO_RCVTIMEO, SO_TIMESTAMP...)
/// that the daemon never sets (its conversions were 450 bytes of mipsel).
fn setsockopt<T>(
    fd: &impl std::os::fd::AsRawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
    op: &'static str,
) -> Result<()> {
    let len = libc::socklen_t::try_from(core::mem::size_of::<T>()).unwrap_or(0);
    // SAFETY: `value` points to a live T of `len` bytes for the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_setsockopt,
            libc::c_long::from(fd.as_raw_fd()),
            libc::c_long::from(level),
            libc::c_long::from(name),
            (value as *const T).cast::<libc::c_void>(),
            len as libc::c_long,
        )
    };
    check(op, ret as libc::c_int).map(|_| ())
}

/// Open a socket as an `OwnedFd`. The raw syscall: musl's socket() adds a
/// fallback for kernels without SOCK_CLOEXEC (before 2.6.27).
fn socket(
    domain: libc::c_int,
    ty: libc::c_int,
    proto: libc::c_int,
    op: &'static str,
) -> Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: plain syscall; the fd is owned by the OwnedFd on success.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_socket,
            libc::c_long::from(domain),
            libc::c_long::from(ty | libc::SOCK_CLOEXEC),
            libc::c_long::from(proto),
        )
    };
    let fd = check(op, fd as libc::c_int)?;
    // SAFETY: fd is a fresh, valid descriptor that nothing else owns.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// openat(2) of `path`, relative to `dir` (`libc::AT_FDCWD`: the working
/// directory): the syscall musl's open and openat make, O_LARGEFILE added
/// as they add it, without their wrappers (272 bytes of mipsel). The new
/// descriptor, or -1 with errno set.
///
/// # Safety
/// `path` is NUL-terminated.
pub unsafe fn open_at(
    dir: libc::c_int,
    path: *const libc::c_char,
    flags: libc::c_int,
    mode: libc::mode_t,
) -> libc::c_int {
    // SAFETY: the caller's NUL-terminated path; plain syscall.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat,
            libc::c_long::from(dir),
            path,
            libc::c_long::from(flags | libc::O_LARGEFILE),
            mode as libc::c_long,
        )
    };
    fd as libc::c_int
}

// The socket calls below are their syscalls, not musl's wrappers (send
// and recv are sendto and recvfrom there; each wrapper a function of its
// own, for a call or two each).

/// sendto(2) of `buf` on `fd` (`to`: null, or a sockaddr of `to_len`
/// bytes); the bytes sent, or -1 with errno set.
fn send_to(
    fd: libc::c_int,
    buf: &[u8],
    flags: libc::c_int,
    to: *const libc::c_void,
    to_len: usize,
) -> libc::ssize_t {
    // SAFETY: `buf` is valid for its length, `to` null or valid for
    // `to_len` bytes (the callers' sockaddrs).
    let n = unsafe {
        libc::syscall(
            libc::SYS_sendto,
            libc::c_long::from(fd),
            buf.as_ptr(),
            buf.len(),
            libc::c_long::from(flags),
            to,
            to_len,
        )
    };
    n as libc::ssize_t
}

/// recv(2) into `buf`: the bytes read, or -1 with errno set.
fn recv(fd: libc::c_int, buf: &mut [u8], flags: libc::c_int) -> libc::ssize_t {
    let no_addr = core::ptr::null_mut::<libc::c_void>();
    // SAFETY: `buf` is valid for its length; no address is asked for.
    let n = unsafe {
        libc::syscall(
            libc::SYS_recvfrom,
            libc::c_long::from(fd),
            buf.as_mut_ptr(),
            buf.len(),
            libc::c_long::from(flags),
            no_addr,
            no_addr,
        )
    };
    n as libc::ssize_t
}

/// connect(2) or bind(2) (`call`: SYS_connect or SYS_bind) of `fd` to the
/// sockaddr `sa`: 0, or -1 with errno set.
fn sock_addr_call<T>(call: libc::c_long, fd: libc::c_int, sa: &T) -> libc::c_int {
    let len = core::mem::size_of::<T>();
    // SAFETY: `sa` is a live sockaddr of `len` bytes for the call.
    let ret = unsafe { libc::syscall(call, libc::c_long::from(fd), sa as *const T, len) };
    ret as libc::c_int
}

/// lseek(2) of `fd` to offset 0 from `whence` (SEEK_SET or SEEK_CUR);
/// false with errno set when it fails. The syscall itself: musl's lseek
/// goes through _llseek on 32-bit targets, for offsets past 2 GiB that
/// the daemon never seeks to.
pub fn seek_zero(fd: libc::c_int, whence: libc::c_int) -> bool {
    let (fd, whence) = (libc::c_long::from(fd), libc::c_long::from(whence));
    // SAFETY: plain syscall; no pointer involved.
    unsafe { libc::syscall(libc::SYS_lseek, fd, 0 as libc::c_long, whence) >= 0 }
}

unsafe extern "C" {
    /// The environment: "NAME=value" strings, a null pointer after them.
    static environ: *const *const libc::c_char;
}

/// execv(3): `program` run with `argv` and the daemon's environment,
/// through the execve system call (musl's execv and execve wrappers
/// around it; size: issue 17). Async-signal-safe; returns only on
/// failure.
///
/// # Safety
/// `program` is a NUL-terminated path, `argv` a null-ended array of
/// NUL-terminated strings.
pub unsafe fn exec(program: *const libc::c_char, argv: *const *const libc::c_char) {
    // SAFETY: as the caller promises; environ is the process's (see
    // above), read once.
    unsafe { libc::syscall(libc::SYS_execve, program, argv, environ) };
}

/// The value of the environment variable `name`, None when it is not
/// set: the environment read as getenv(3) reads it (musl's getenv, with
/// strncmp and strchrnul, was 560 bytes of mipsel). Nothing in the daemon
/// changes its environment.
pub fn env_var(name: &[u8]) -> Option<&'static [u8]> {
    // SAFETY: environ is null or a null-ended array of NUL-terminated
    // strings that live as long as the process; an entry is read up to
    // its first byte that differs from `name` (at the latest its NUL).
    unsafe {
        let mut p = environ;
        while !p.is_null() && !(*p).is_null() {
            let e = (*p).cast::<u8>();
            let same = name.iter().enumerate().all(|(i, &b)| *e.add(i) == b);
            if same && *e.add(name.len()) == b'=' {
                let value = e.add(name.len() + 1).cast();
                return Some(core::ffi::CStr::from_ptr(value).to_bytes());
            }
            p = p.add(1);
        }
    }
    None
}

/// `bytes` and a NUL after them, for a C call; EINVAL when `bytes` holds
/// a NUL. What `CString::new` does, in one function for every path and
/// argument (CString's generic constructors and its Result's glue were
/// about 1 KB of a mipsel binary).
pub fn c_string(bytes: &[u8]) -> core::result::Result<Vec<u8>, Errno> {
    if bytes.contains(&0) {
        return Err(Errno::EINVAL);
    }
    let mut c = Vec::with_capacity(bytes.len() + 1);
    c.extend_from_slice(bytes);
    c.push(0);
    Ok(c)
}

/// [`c_string`] as a CString (for the callers that keep one): std's
/// `CString::new` is a second copy of the same work per argument type.
pub fn c_string_owned(bytes: &[u8]) -> core::result::Result<std::ffi::CString, Errno> {
    let c = c_string(bytes)?;
    // SAFETY: c_string checked there is no NUL inside and put one last.
    Ok(unsafe { std::ffi::CString::from_vec_with_nul_unchecked(c) })
}

/// The index of the interface called `name`; None when there is none.
/// SIOCGIFINDEX on a datagram socket, as if_nametoindex(3) asks it, but
/// through the raw syscall: musl's ioctl() carries a table converting
/// time64 structures (about 1.2 KB of a mipsel binary, with strncpy) that
/// an ifreq does not need. The name is copied as strncpy copied it: up to
/// IFNAMSIZ bytes (the kernel ends it with a NUL at the last byte).
pub fn if_index(name: &str) -> Option<u32> {
    use std::os::fd::AsRawFd;
    if name.as_bytes().contains(&0) {
        return None;
    }
    let fd = socket(libc::AF_UNIX, libc::SOCK_DGRAM, 0, "socket").ok()?;
    // SAFETY: ifreq is plain C data; all-zero is valid.
    let mut ifr: libc::ifreq = unsafe { core::mem::zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(name.bytes()) {
        *d = s as libc::c_char;
    }
    // SAFETY: SIOCGIFINDEX reads the name from and writes the index into
    // our live ifreq.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_ioctl,
            fd.as_raw_fd(),
            libc::SIOCGIFINDEX as libc::c_ulong,
            &raw mut ifr,
        )
    };
    // SAFETY: on success the kernel wrote ifru_ifindex.
    let index = unsafe { ifr.ifr_ifru.ifru_ifindex };
    (ret == 0 && index > 0).then_some(index as u32)
}

/// Attach a classic BPF program that accepts nothing, so a send-only
/// socket's receive queue never fills.
fn attach_drop_all(fd: &impl std::os::fd::AsRawFd) -> Result<()> {
    let mut insn = [libc::sock_filter {
        code: 0x06, // BPF_RET | BPF_K
        jt: 0,
        jf: 0,
        k: 0,
    }];
    let prog = libc::sock_fprog {
        len: 1,
        filter: insn.as_mut_ptr(),
    };
    setsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_ATTACH_FILTER,
        &prog,
        "setsockopt(SO_ATTACH_FILTER)",
    )
}

/// Read once from `fd` into `buf`, again after EINTR: the bytes read, or
/// None on an error (a bounded read of a small file: a track file, a
/// /proc entry).
pub fn read_once(fd: &std::os::fd::OwnedFd, buf: &mut [u8]) -> Option<usize> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: reading into `buf`, valid for its length.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Some(n.unsigned_abs());
        }
        if Errno::last() != Errno::EINTR {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// c_string_owned is CString::new, the refusal's errno aside.
    #[test]
    fn c_string_owned_is_cstring_new() {
        for b in [&b""[..], b"/tmp/x", b"a\0b", b"\0", b"x\0"] {
            let ours = c_string_owned(b).ok();
            assert_eq!(ours, std::ffi::CString::new(b).ok(), "{b:?}");
        }
    }

    /// env_var answers what getenv(3) answers.
    #[test]
    fn env_var_is_getenv() {
        for name in ["PATH", "HOME", "PAT", "PATH=", "NO_SUCH_VARIABLE_TV", ""] {
            let c = std::ffi::CString::new(name).unwrap();
            // SAFETY: a NUL-terminated name; the value is copied at once.
            let want = unsafe {
                let p = libc::getenv(c.as_ptr());
                (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_bytes().to_vec())
            };
            assert_eq!(env_var(name.as_bytes()).map(<[u8]>::to_vec), want, "{name}");
        }
    }

    /// if_index answers what if_nametoindex(3) answers: for this host's
    /// interfaces, a missing one, a name too long, an empty one, a NUL.
    #[test]
    fn if_index_is_if_nametoindex() {
        let mut names = vec![
            String::from("lo"),
            "no-such-if".into(),
            "lo0123456789abcdefgh".into(),
            String::new(),
        ];
        assert!(file::list_dir(b"/sys/class/net", |n| {
            names.push(String::from_utf8_lossy(n).into_owned())
        }));
        for name in &names {
            let c = std::ffi::CString::new(name.as_str()).unwrap();
            // SAFETY: a NUL-terminated name.
            let want = unsafe { libc::if_nametoindex(c.as_ptr()) };
            assert_eq!(if_index(name), (want != 0).then_some(want), "{name}");
        }
        assert_eq!(if_index("lo\0"), None);
    }

    #[test]
    fn errno_texts_are_the_c_librarys() {
        let text = SysError::new("open", Errno::ENOENT).to_string();
        assert_eq!(text, "open: No such file or directory");
        assert_eq!(ErrText(Errno::EPERM).to_string(), "Operation not permitted");
        // An errno no C library names still prints as something.
        assert!(!ErrText(Errno::UnknownErrno).to_string().is_empty());
    }
}
