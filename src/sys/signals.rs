//! The signals the daemon acts on, read from a signalfd in the poll loop.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::{Result, SysError};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Sig {
    /// TERM or INT: release and exit.
    Stop,
    /// HUP: reload the configuration.
    Reload,
    /// USR1: state dump.
    DumpData,
    /// USR2: counters dump.
    DumpStats,
    /// SIGRTMIN+2: JSON dump.
    DumpJson,
    /// CHLD: one or more children ended; `child::reap` collects them all
    /// (signals of one kind merge, so one Child may stand for many exits).
    Child,
}

/// keepalived's JSON dump signal: SIGRTMIN+2 (36 on glibc, 37 on musl).
#[cfg(not(target_env = "musl"))]
pub fn sig_json() -> libc::c_int {
    libc::SIGRTMIN() + 2
}

/// [`sig_json`] on musl, whose SIGRTMIN is 35 always (what its
/// `__libc_current_sigrtmin` returns): a constant, not a call (size:
/// issue 17).
#[cfg(target_env = "musl")]
pub const fn sig_json() -> libc::c_int {
    35 + 2
}

/// The highest signal number: musl's SIGRTMAX, _NSIG - 1 (127 on MIPS,
/// 64 elsewhere; what its `__libc_current_sigrtmax` returns), a constant
/// (size: issue 17); glibc's asked.
pub fn sig_max() -> libc::c_int {
    if cfg!(not(target_env = "musl")) {
        libc::SIGRTMAX()
    } else if cfg!(target_arch = "mips") {
        127
    } else {
        64
    }
}

/// Set `sig`'s disposition to `handler`, SIG_DFL or SIG_IGN only (no
/// flags, no mask): rt_sigaction(2) itself, async-signal-safe. musl's
/// sigaction() (with signal()) was 800 bytes of mipsel for what is, with
/// no handler to run, a struct all zero but its handler: first in the
/// kernel's struct sigaction, but after a 32-bit flags word on MIPS. The
/// buffer is larger than any target's struct; the signal set is 64
/// signals (128 on MIPS). The answer is rt_sigaction's (-1: refused).
///
/// # Safety
/// `handler` must be SIG_DFL or SIG_IGN.
pub unsafe fn set_disposition(sig: libc::c_int, handler: libc::sighandler_t) -> libc::c_long {
    let mut act = [0usize; 8];
    act[usize::from(cfg!(target_arch = "mips"))] = handler;
    let set_bytes: libc::c_long = if cfg!(target_arch = "mips") { 16 } else { 8 };
    // SAFETY: `act` is a valid kernel sigaction for the call (see above);
    // no old action is asked for.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            libc::c_long::from(sig),
            act.as_ptr(),
            core::ptr::null_mut::<libc::c_void>(),
            set_bytes,
        )
    }
}

/// rt_sigprocmask(2) itself (`how`: SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK),
/// async-signal-safe; -1 with errno when refused. musl's sigprocmask and
/// pthread_sigmask around it were 230 bytes of mipsel.
///
/// # Safety
/// `set` must point to a valid sigset_t, or to the kernel's set (its
/// first KERNEL_SIGSET_BYTES bytes, all that is read).
pub unsafe fn set_mask(how: libc::c_int, set: *const libc::sigset_t) -> libc::c_long {
    // SAFETY: as the caller promises; the first bytes of a sigset_t are
    // the kernel's set; no old mask is asked for.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::c_long::from(how),
            set,
            core::ptr::null_mut::<libc::sigset_t>(),
            KERNEL_SIGSET_BYTES,
        )
    }
}

pub struct Signals {
    fd: OwnedFd,
}

/// The kernel's signal set: 64 signals, 128 on MIPS.
const KERNEL_SIGSET_BYTES: libc::c_long = if cfg!(target_arch = "mips") { 16 } else { 8 };

/// The daemon's signals as the kernel's set: bit `sig - 1`, in words of
/// a C long as sigset_t's first words hold them (64 signals, 128 on MIPS).
/// Made here, not with libc's sigemptyset and sigaddset on a whole
/// 128-byte sigset_t (those refuse only signals 32-34 and past the last,
/// none of these; size: issue 17).
fn mask() -> KernelSet {
    // All but SIGRTMIN+2 (a libc call) at compile time.
    const FIXED: KernelSet = {
        let mut set = [0; KERNEL_SET_WORDS];
        let signals = [
            libc::SIGTERM,
            libc::SIGINT,
            libc::SIGHUP,
            libc::SIGUSR1,
            libc::SIGUSR2,
            libc::SIGCHLD,
        ];
        let mut i = 0;
        while i < signals.len() {
            add(&mut set, signals[i]);
            i += 1;
        }
        set
    };
    let mut set = FIXED;
    add(&mut set, sig_json());
    set
}

/// Signal `sig` added to `set` (nothing for one past its end).
const fn add(set: &mut KernelSet, sig: libc::c_int) {
    let bit = sig.wrapping_sub(1) as u32;
    let word = (bit / libc::c_ulong::BITS) as usize;
    if word < set.len() {
        set[word] |= 1 << (bit % libc::c_ulong::BITS);
    }
}

/// The kernel's signal set, in C longs (see [`mask`]).
type KernelSet = [libc::c_ulong; KERNEL_SET_WORDS];
const KERNEL_SET_WORDS: usize = 128 / libc::c_ulong::BITS as usize;

impl Signals {
    /// Block the signals and open a signalfd for them. Blocked signals are
    /// inherited across fork, so call this after daemonizing or before; it
    /// works either way.
    pub fn new() -> Result<Signals> {
        let set = mask();
        // SAFETY: `set` holds the kernel's set, all set_mask reads.
        if unsafe { set_mask(libc::SIG_BLOCK, set.as_ptr().cast()) } < 0 {
            return Err(SysError::last("sigprocmask"));
        }
        // signalfd4 itself (musl's signalfd adds a fallback for kernels
        // before 2.6.27): a new fd (-1) for the set, non-blocking.
        let flags = libc::SFD_NONBLOCK | libc::SFD_CLOEXEC;
        // SAFETY: `set` is the kernel's set, KERNEL_SIGSET_BYTES long or
        // more.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_signalfd4,
                -1 as libc::c_long,
                set.as_ptr(),
                KERNEL_SIGSET_BYTES,
                libc::c_long::from(flags),
            )
        };
        let fd = super::check("signalfd", fd as libc::c_int)?;
        // SAFETY: a fresh descriptor nothing else owns.
        Ok(Signals {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// The next pending signal, if any.
    pub fn read(&mut self) -> Option<Sig> {
        loop {
            // One signalfd_siginfo (128 bytes), ssi_signo first; none
            // pending (EAGAIN) or a failed read: None.
            let mut info = [0u8; 128];
            // SAFETY: reading at most 128 bytes into our 128-byte buffer.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), info.as_mut_ptr().cast(), 128) };
            if n != 128 {
                return None;
            }
            let signo = i32::from_ne_bytes([info[0], info[1], info[2], info[3]]);
            let sig = match signo {
                libc::SIGTERM | libc::SIGINT => Sig::Stop,
                libc::SIGHUP => Sig::Reload,
                libc::SIGUSR1 => Sig::DumpData,
                libc::SIGUSR2 => Sig::DumpStats,
                s if s == sig_json() => Sig::DumpJson,
                libc::SIGCHLD => Sig::Child,
                _ => continue,
            };
            return Some(sig);
        }
    }

    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    /// The constants are the C library's (musl's, under cross-test).
    #[test]
    fn signal_numbers_are_libc_s() {
        assert_eq!(super::sig_json(), libc::SIGRTMIN() + 2);
        assert_eq!(super::sig_max(), libc::SIGRTMAX());
    }

    /// The set made by hand is the C library's, as far as the kernel
    /// reads it.
    #[test]
    fn mask_is_libc_s_set() {
        // SAFETY: a zeroed sigset_t is a valid one to fill.
        let mut raw: libc::sigset_t = unsafe { core::mem::zeroed() };
        // SAFETY: raw is a valid sigset_t; the numbers are valid signals.
        unsafe {
            libc::sigemptyset(&mut raw);
            for s in [
                libc::SIGTERM,
                libc::SIGINT,
                libc::SIGHUP,
                libc::SIGUSR1,
                libc::SIGUSR2,
                libc::SIGCHLD,
                super::sig_json(),
            ] {
                libc::sigaddset(&mut raw, s);
            }
        }
        let n = super::KERNEL_SIGSET_BYTES as usize;
        // SAFETY: sigset_t is at least n bytes.
        let want = unsafe { core::slice::from_raw_parts((&raw const raw).cast::<u8>(), n) };
        let set = super::mask();
        // SAFETY: the set is 16 bytes, at least n.
        let got = unsafe { core::slice::from_raw_parts(set.as_ptr().cast::<u8>(), n) };
        assert_eq!(got, want);
    }
}
