//! Child processes for scripts: start one without blocking the loop, reap
//! every child that ended, kill one with its process group, look up the user
//! a script runs as, and keepalived's `enable_script_security` checks.
//!
//! `spawn` forks and execs: everything the child needs that takes memory
//! (C strings, the pointer array) is made before `fork`, so the child
//! only makes async-signal-safe calls and never allocates. Exits arrive as
//! SIGCHLD on the daemon's signalfd (`Sig::Child`), then `reap` collects
//! them all; `waitpid(-1)` takes any child of ours, so the daemon must not
//! start children any other way.

use super::file::{self, OsError};
use super::{Errno, Result, SysError};
use core::fmt;
use std::ffi::CStr;

/// Who a script runs as.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
}

/// How a child ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

/// The exit code of a child that could not run its program (as a shell's
/// "command not found"): exec failed, or dropping privileges did.
pub const EXIT_NOT_RUN: i32 = 127;

// ---- users and groups -----------------------------------------------------

/// keepalived's user lookup: `user` (name or number) and optional `group`
/// (name or number); the group defaults to the user's primary group. None
/// when unknown. keepalived 2.2.7 takes names only; a number is accepted
/// here too, and a uid with no passwd entry needs an explicit group.
pub fn lookup_ids(user: &str, group: Option<&str>) -> Option<Ids> {
    let number = user.parse::<u32>().ok();
    let passwd = passwd_by_name(user).or_else(|| number.and_then(passwd_by_uid));
    let (uid, primary) = match (passwd, number) {
        (Some(p), _) => (p.0, Some(p.1)),
        (None, Some(uid)) => (uid, None),
        (None, None) => return None,
    };
    let gid = match group {
        Some(g) => group_by_name(g).or_else(|| g.parse::<u32>().ok())?,
        None => primary?,
    };
    Some(Ids { uid, gid })
}

/// Which /etc/passwd entry: the one with this name, or with this uid.
#[derive(Copy, Clone)]
enum Who<'a> {
    Name(&'a str),
    Uid(u32),
}

/// (uid, primary gid) of the first /etc/passwd entry that is `who`.
/// Read as musl's getpwnam does, without its nscd query (a service
/// OpenWrt does not have). One function for both keys: one copy of the
/// line search.
fn passwd(who: Who<'_>) -> Option<(u32, u32)> {
    super::file::find_line(c"/etc/passwd", |l| {
        passwd_entry(l)
            .filter(|e| match who {
                Who::Name(n) => e.0 == n,
                Who::Uid(u) => e.1 == u,
            })
            .map(|e| (e.1, e.2))
    })
}

fn passwd_by_name(name: &str) -> Option<(u32, u32)> {
    passwd(Who::Name(name))
}

fn passwd_by_uid(uid: u32) -> Option<(u32, u32)> {
    passwd(Who::Uid(uid))
}

/// The gid of the first /etc/group entry called `name`.
fn group_by_name(name: &str) -> Option<u32> {
    super::file::find_line(c"/etc/group", |l| {
        group_entry(l).filter(|e| e.0 == name).map(|e| e.1)
    })
}

/// `name:password:uid:gid:gecos:home:shell`: (name, uid, gid); None for a
/// line without the seven fields or with a uid or gid not a number.
fn passwd_entry(line: &str) -> Option<(&str, u32, u32)> {
    let mut f = [""; 7];
    let (name, uid) = entry(line, &mut f)?;
    Some((name, uid, f[3].parse().ok()?))
}

/// `name:password:gid:members`: (name, gid).
fn group_entry(line: &str) -> Option<(&str, u32)> {
    entry(line, &mut [""; 4])
}

/// `line`'s fields into `out` (see [`fields`]): its first (the name) and
/// its third as a number (a passwd line's uid, a group line's gid); one
/// copy of the split and the parse for both files (size: issue 17).
fn entry<'a>(line: &'a str, out: &mut [&'a str]) -> Option<(&'a str, u32)> {
    fields(line, out)?;
    Some((out.first()?, out.get(2)?.parse().ok()?))
}

/// `line`'s `:`-separated fields into `out`, the last one taking the rest
/// (`splitn(out.len(), ':')`); None when there are fewer. One loop for
/// both files, through the split_once the binary has anyway (two
/// collects of SplitN into ArrayVecs were their own copies; size: issue
/// 17).
fn fields<'a>(line: &'a str, out: &mut [&'a str]) -> Option<()> {
    let (last, head) = out.split_last_mut()?;
    let mut rest = line;
    for f in head {
        (*f, rest) = rest.split_once(':')?;
    }
    *last = rest;
    Some(())
}

// ---- spawn ----------------------------------------------------------------

/// Everything the forked child uses that is allocated, made before the
/// fork (the rest it makes on its stack or asks the kernel for).
pub struct Prepared {
    /// Owns the NUL-terminated strings `argv` points into.
    _args: Vec<String>,
    /// The program (argv[0]), and the NUL-terminated array for execve.
    program: *const libc::c_char,
    argv: Vec<*const libc::c_char>,
    ids: Option<Ids>,
}

const DEV_NULL: &CStr = c"/dev/null";

impl Prepared {
    pub fn new(argv: &[&str], ids: Option<Ids>) -> Result<Prepared> {
        Prepared::from_words(argv.iter().map(|a| a.to_string()).collect(), ids)
    }

    /// [`Prepared::new`] of words the caller owns: each becomes its C
    /// string in place (a NUL pushed after it), not a copy.
    pub fn from_words(mut args: Vec<String>, ids: Option<Ids>) -> Result<Prepared> {
        let mut ptrs: Vec<*const libc::c_char> = Vec::with_capacity(args.len() + 1);
        for a in &mut args {
            if a.as_bytes().contains(&0) {
                return Err(SysError::new("spawn: NUL in argument", Errno::EINVAL));
            }
            a.push('\0');
            ptrs.push(a.as_ptr().cast());
        }
        let Some(&program) = ptrs.first() else {
            return Err(SysError::new("spawn: empty argv", Errno::EINVAL));
        };
        ptrs.push(core::ptr::null());
        Ok(Prepared {
            _args: args,
            program,
            argv: ptrs,
            ids,
        })
    }
}

/// The open-files limit, bounded so the fallback close loop stays short
/// (asked in the forked child: a plain syscall, async-signal-safe).
/// Asked with prlimit64 (what musl's getrlimit asks first; its fallback
/// for kernels before 2.6.36 and its conversions were 400 bytes of mipsel).
fn fd_limit() -> libc::c_int {
    // rlim_cur and rlim_max, 64 bits each on every target.
    let mut lim = [0u64; 2];
    // SAFETY: pid 0 is this process; no new limit; `lim` is the kernel's
    // struct rlimit64, valid for the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_prlimit64,
            0 as libc::c_long,
            libc::RLIMIT_NOFILE as libc::c_long,
            core::ptr::null::<u64>(),
            lim.as_mut_ptr(),
        )
    };
    let cur = if ret == 0 { lim[0] } else { 1024 };
    libc::c_int::try_from(cur.min(65_536)).unwrap_or(1024)
}

/// Start `argv` (argv[0] is the program path; no shell, no PATH search)
/// without blocking the caller: stdin/stdout/stderr on /dev/null, every
/// other fd closed, default signal dispositions and an empty signal mask
/// (the daemon blocks signals for its signalfd), its own session, and when
/// `ids` is given, the groups, gid and uid of that user. The environment
/// is the daemon's own. Returns the pid; the child exits 127 when it cannot
/// run the program.
pub fn spawn(argv: &[&str], ids: Option<Ids>) -> Result<i32> {
    spawn_prepared(&Prepared::new(argv, ids)?)
}

/// fork(2) on musl as the system call clone(SIGCHLD) (what musl's _Fork
/// makes where there is no fork call): the process, copied. Not fork(3), whose
/// thread inhibition (rwlock, timed wait) was 1.9 KB of mipsel, nor
/// _Fork, whose extras are for threads and signal handlers: signals
/// blocked around the call, its abort lock, the child's thread id in
/// libc's thread record made anew (the child's is the parent's here,
/// which nothing the daemon calls asks for: no raise, abort or pthread
/// call of libc), which with musl's lock were about 600 bytes of mipsel
/// (size: issue 17). -1 with errno, 0 in the child, the child's pid in
/// the parent.
///
/// # Safety
/// The process must be single-threaded, or the child must make only
/// async-signal-safe calls.
#[cfg(target_env = "musl")]
pub unsafe fn fork() -> libc::pid_t {
    // SAFETY: as the caller promises. With only the exit signal in its
    // flags and no new stack, clone copies the process as fork does (on
    // every architecture: the other arguments are for flags not given).
    unsafe {
        libc::syscall(
            libc::SYS_clone,
            libc::c_long::from(libc::SIGCHLD),
            0 as libc::c_long,
        ) as libc::pid_t
    }
}

/// [`fork`] on glibc (the host's tests): its _Fork, which keeps the
/// thread id glibc's raise and abort use.
///
/// # Safety
/// As [`fork`]'s.
#[cfg(not(target_env = "musl"))]
pub unsafe fn fork() -> libc::pid_t {
    unsafe extern "C" {
        /// POSIX's _Fork (glibc 2.34).
        fn _Fork() -> libc::pid_t;
    }
    // SAFETY: as the caller promises.
    unsafe { _Fork() }
}

/// [`spawn`] from a command prepared once ([`Prepared::new`]): nothing is
/// allocated, so a check script run every second costs no allocation.
pub fn spawn_prepared(prep: &Prepared) -> Result<i32> {
    // SAFETY: the child only makes async-signal-safe calls on data made
    // before the fork (`in_child`), and never returns.
    match unsafe { fork() } {
        -1 => Err(SysError::last("fork")),
        0 => in_child(prep),
        pid => Ok(pid),
    }
}

/// The child's side of `spawn`: async-signal-safe calls only, no
/// allocation, no panics, no return.
fn in_child(p: &Prepared) -> ! {
    // SAFETY: every call is async-signal-safe and gets pointers into `p`,
    // which the fork copied and nothing frees, or into this stack.
    unsafe {
        // SIG_IGN survives exec (Rust ignores SIGPIPE), handlers do not
        // matter; set every one back to the default, up to the highest
        // signal (64 on most Linux, 127 on MIPS). Errors are the signals
        // that cannot be changed.
        for sig in 1..super::signals::sig_max() + 1 {
            super::signals::set_disposition(sig, libc::SIG_DFL);
        }
        // The empty mask, made here: all-zero, as sigemptyset makes it.
        let empty_mask: libc::sigset_t = core::mem::zeroed();
        super::signals::set_mask(libc::SIG_SETMASK, &empty_mask);
        // Its own session and process group: `kill` reaches its children,
        // and a TERM to the group never reaches the daemon.
        libc::syscall(libc::SYS_setsid);
        if !stdio_to_dev_null() {
            libc::_exit(EXIT_NOT_RUN);
        }
        close_from_3();
        if let Some(ids) = p.ids {
            if !drop_to(ids) {
                libc::_exit(EXIT_NOT_RUN);
            }
        }
        super::exec(p.program, p.argv.as_ptr());
        libc::_exit(EXIT_NOT_RUN)
    }
}

/// In the child: fds 0, 1 and 2 on /dev/null. Opened here, not before the
/// fork, so the new fd has no CLOEXEC even when it lands on 0-2 itself.
///
/// # Safety
/// Only for the forked child: it replaces the standard descriptors.
unsafe fn stdio_to_dev_null() -> bool {
    // SAFETY: open and dup3 are async-signal-safe; DEV_NULL is a C string.
    unsafe {
        let fd = super::open_at(libc::AT_FDCWD, DEV_NULL.as_ptr(), libc::O_RDWR, 0);
        if fd < 0 {
            return false;
        }
        for target in 0..3 {
            if fd != target && super::dup_to(fd, target) < 0 {
                return false;
            }
        }
        true
    }
}

/// In the child: setgroups, setgid and setuid as system calls. The child
/// is the only thread, so they change the whole process; libc's wrappers
/// make every thread of a process change together, machinery (about 3 KB
/// on mipsel) a forked child does not need. ARM's and i386's plain calls
/// take 16-bit ids: there, the 32-bit ones.
///
/// # Safety
/// Only for the forked child.
unsafe fn drop_to(ids: Ids) -> bool {
    #[cfg(not(any(target_arch = "arm", target_arch = "x86")))]
    use libc::{SYS_setgid as SETGID, SYS_setgroups as SETGROUPS, SYS_setuid as SETUID};
    #[cfg(any(target_arch = "arm", target_arch = "x86"))]
    use libc::{SYS_setgid32 as SETGID, SYS_setgroups32 as SETGROUPS, SYS_setuid32 as SETUID};
    let groups: [libc::gid_t; 1] = [ids.gid];
    // SAFETY: `groups` is live for the call; the others take numbers.
    unsafe {
        libc::syscall(SETGROUPS, 1 as libc::c_long, groups.as_ptr()) == 0
            && libc::syscall(SETGID, ids.gid as libc::c_long) == 0
            && libc::syscall(SETUID, ids.uid as libc::c_long) == 0
    }
}

/// In the child: close every fd from 3 up (ours are CLOEXEC, but a fd from
/// a library or a leak must not reach a script).
///
/// # Safety
/// Only for the forked child: it closes descriptors it does not own.
unsafe fn close_from_3() {
    // SAFETY: close_range and close are async-signal-safe syscalls.
    unsafe {
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) == 0 {
            return;
        }
        // close_range is missing (kernel < 5.9): each fd up to the limit.
        for fd in 3..fd_limit() {
            libc::close(fd);
        }
    }
}

// ---- reap and kill --------------------------------------------------------

/// Reap every child that has ended (`waitpid(-1, WNOHANG)` until none is
/// left), calling `f(pid, exit)` for each.
pub fn reap(mut f: impl FnMut(i32, Exit)) {
    loop {
        let mut status: libc::c_int = 0;
        let (any, nohang) = (-1 as libc::c_long, libc::c_long::from(libc::WNOHANG));
        let no_usage = core::ptr::null_mut::<libc::rusage>();
        // SAFETY: status is valid for the call. wait4, the syscall musl's
        // waitpid makes, without its wrapper.
        let pid = unsafe { libc::syscall(libc::SYS_wait4, any, &raw mut status, nohang, no_usage) };
        let pid = pid as i32;
        if pid > 0 {
            if let Some(exit) = decode(status) {
                f(pid, exit);
            }
        } else if pid == 0 || Errno::last() != Errno::EINTR {
            // 0: children left, none ended; ECHILD: no children at all.
            return;
        }
    }
}

fn decode(status: libc::c_int) -> Option<Exit> {
    if libc::WIFEXITED(status) {
        Some(Exit::Code(libc::WEXITSTATUS(status)))
    } else if libc::WIFSIGNALED(status) {
        Some(Exit::Signal(libc::WTERMSIG(status)))
    } else {
        None
    }
}

/// Send SIGTERM (`hard == false`) or SIGKILL to `pid`'s process group and to
/// `pid`. Only for a child not yet reaped (its pid is not reused until
/// then). Pids 0 and 1 and negative ones are refused: they would name our
/// own group, init, or every process.
pub fn kill(pid: i32, hard: bool) {
    if pid <= 1 {
        return;
    }
    let sig = if hard { libc::SIGKILL } else { libc::SIGTERM };
    let (sig, pid) = (libc::c_long::from(sig), libc::c_long::from(pid));
    // SAFETY: plain syscalls (not musl's wrapper); failures (ESRCH:
    // already gone) are harmless.
    unsafe {
        libc::syscall(libc::SYS_kill, -pid, sig);
        libc::syscall(libc::SYS_kill, pid, sig);
    }
}

// ---- script security ------------------------------------------------------

/// keepalived's `enable_script_security` rules (lib/notify.c,
/// check_script_secure and check_security) for a script run as `ids`
/// (None: root). A bare name is searched in PATH. The file must exist, be a
/// regular file and be executable by that user; when it runs as root (uid or
/// gid 0, or a setuid/setgid-root file), neither the file nor any directory
/// on its real path may be owned by anyone but root, nor group-writable by a
/// group other than root, nor world-writable (a directory with the sticky
/// bit, like /tmp, is exempt from the write rules). Err says which file or
/// directory fails and why, starting with keepalived's own log text.
pub fn check_secure(path: &str, ids: Option<Ids>) -> core::result::Result<(), String> {
    let mut why = None;
    match check_secure_to(path, ids, &mut |a| why = Some(a.to_string())) {
        Some(()) => Ok(()),
        None => Err(why.unwrap_or_default()),
    }
}

/// [`check_secure`] for the daemon: None when it fails, after `fail` was
/// told why (the caller's log line formats it in place: no String of it;
/// size: issue 17).
pub fn check_secure_to(path: &str, ids: Option<Ids>, fail: Fail<'_>) -> Option<()> {
    let ids = ids.unwrap_or(Ids { uid: 0, gid: 0 });
    let given = if path.contains('/') {
        path.to_string()
    } else {
        let Some(found) = find_script(path, Some(ids)) else {
            return refuse(fail, format_args!("Cannot find script {path} in path"));
        };
        found
    };
    let real = match real_path(&given) {
        Ok(r) => r,
        Err(e) => return refuse(fail, format_args!("Script {path} cannot be accessed - {e}")),
    };
    let meta = match file::stat(&real, true) {
        Ok(m) => m,
        Err(e) => return refuse(fail, format_args!("Unable to access script `{path}` - {e}")),
    };
    if !file::is_type(&meta, libc::S_IFREG) {
        return refuse(
            fail,
            format_args!("Wrong file type found in script path '{path}': not a regular file"),
        );
    }
    if !is_executable(&meta, ids) {
        return refuse(
            fail,
            format_args!(
                "WARNING - script '{path}' is not executable for uid:gid {}:{}",
                ids.uid, ids.gid
            ),
        );
    }
    if !needs_protection(&meta, ids) {
        return Some(());
    }
    check_path(path, &real, fail)?;
    // keepalived also checks the name the script was given by, in its real
    // directory, when it is a symbolic link with another name. (`given`
    // resolved to a regular file: its last component is a name.)
    // A byte search: str's rsplit_once with a char was 500 bytes of mipsel.
    let (dir, name) = match given.bytes().rposition(|b| b == b'/') {
        Some(0) => ("/", &given[1..]),
        Some(i) => (&given[..i], &given[i + 1..]),
        None => (".", given.as_str()),
    };
    if let Ok(dir) = real_path(dir) {
        let link = join(&dir, name);
        if link != real {
            check_path(path, &link, fail)?;
        }
    }
    Some(())
}

/// Who hears why a script is refused (see [`check_secure`]).
pub type Fail<'a> = &'a mut dyn FnMut(fmt::Arguments<'_>);

/// `why` told to `fail`; None: the script is refused.
fn refuse(fail: Fail<'_>, why: fmt::Arguments<'_>) -> Option<()> {
    fail(why);
    None
}

/// sys::file's realpath(3) as text (EILSEQ for a result that is not UTF-8).
fn real_path(path: &str) -> core::result::Result<String, OsError> {
    let bytes = super::file::real_path(path.as_bytes())?;
    String::from_utf8(bytes).map_err(|_| OsError(Errno::EILSEQ))
}

/// sys::file's `join` of two strings (`Path::join` for a name without `/`).
fn join(dir: &str, name: &str) -> String {
    let joined = super::file::join(dir.as_bytes(), name.as_bytes());
    // SAFETY: file::join's bytes are `dir`'s, maybe a `/`, then `name`'s:
    // two strs and an ASCII byte, UTF-8. (A lossy conversion, checking
    // and copying it again, was 112 bytes of mipsel; size: issue 17.)
    unsafe { String::from_utf8_unchecked(joined) }
}

/// keepalived's is_executable: root may run any file with an x bit; anyone
/// else needs the bit of the class they are in.
fn is_executable(meta: &file::Stat, ids: Ids) -> bool {
    let mode = meta.st_mode;
    if ids.uid == 0 {
        mode & 0o111 != 0
    } else if ids.uid == meta.st_uid {
        mode & 0o100 != 0
    } else if ids.gid == meta.st_gid {
        mode & 0o010 != 0
    } else {
        mode & 0o001 != 0
    }
}

/// Root runs it: as root, or through a setuid/setgid-root bit.
fn needs_protection(meta: &file::Stat, ids: Ids) -> bool {
    let mode = meta.st_mode;
    ids.uid == 0
        || ids.gid == 0
        || (meta.st_uid == 0 && mode & 0o4100 == 0o4100)
        || (meta.st_gid == 0 && mode & 0o2010 == 0o2010)
}

/// The first regular file called `name` in PATH that `ids` (None: root) may
/// execute, as keepalived resolves a script given without a `/` (`spawn`
/// itself does no PATH search).
pub fn find_in_path(name: &str, ids: Option<Ids>) -> Option<std::path::PathBuf> {
    find_script(name, ids).map(Into::into)
}

/// [`find_in_path`] as a string; a PATH entry that is not UTF-8 is skipped.
pub fn find_script(name: &str, ids: Option<Ids>) -> Option<String> {
    let ids = ids.unwrap_or(Ids { uid: 0, gid: 0 });
    let path = super::env_var(b"PATH").unwrap_or(b"/usr/bin:/bin");
    for dir in path.split(|&b| b == b':') {
        let Ok(dir) = core::str::from_utf8(dir) else {
            continue;
        };
        let p = join(dir, name);
        let meta = file::stat(&p, true);
        if meta.is_ok_and(|m| file::is_type(&m, libc::S_IFREG) && is_executable(&m, ids)) {
            return Some(p);
        }
    }
    None
}

/// Every prefix of `full` ("/", "/a", "/a/b", ...) without following links:
/// directories but the last, which is a file or a link; each one root's and
/// not writable by others (keepalived's check_security). `full` is absolute
/// and without `.` or `..` (a real path, or one name in a real directory).
fn check_path(script: &str, full: &str, fail: Fail<'_>) -> Option<()> {
    let names = || full.split('/').filter(|n| !n.is_empty());
    let count = names().count();
    let mut prefix = String::from("/");
    check_part(script, &prefix, count == 0, fail)?;
    for (i, name) in names().enumerate() {
        if prefix.len() > 1 {
            prefix.push('/');
        }
        prefix.push_str(name);
        check_part(script, &prefix, i + 1 == count, fail)?;
    }
    Some(())
}

/// One prefix of check_path: `last`, the script itself.
fn check_part(script: &str, shown: &str, last: bool, fail: Fail<'_>) -> Option<()> {
    let meta = match file::stat(shown, false) {
        Ok(m) => m,
        Err(e) => {
            return refuse(
                fail,
                format_args!("check_script_secure could not find script '{script}': {shown}: {e}"),
            );
        }
    };
    let fits = if last {
        file::is_type(&meta, libc::S_IFREG) || file::is_type(&meta, libc::S_IFLNK)
    } else {
        file::is_type(&meta, libc::S_IFDIR)
    };
    if !fits {
        let want = if last { "a file" } else { "a directory" };
        return refuse(
            fail,
            format_args!("Wrong file type found in script path '{script}': {shown} is not {want}"),
        );
    }
    unsafe_because(&meta, |why| {
        refuse(
            fail,
            format_args!("Unsafe permissions found for script '{script}': {shown} {why}"),
        )
    })
}

/// Why keepalived calls this path component unsafe, if it does: `unsafe_`
/// of the reason, or Some. The reason goes into the one message as it is
/// (not a String of its own, formatted again; size: issue 17).
fn unsafe_because(
    meta: &file::Stat,
    mut unsafe_: impl FnMut(fmt::Arguments<'_>) -> Option<()>,
) -> Option<()> {
    let mode = meta.st_mode;
    if meta.st_uid != 0 {
        return unsafe_(format_args!("is owned by uid {}, not root", meta.st_uid));
    }
    let write_rules = file::is_type(meta, libc::S_IFREG)
        || (file::is_type(meta, libc::S_IFDIR) && mode & 0o1000 == 0);
    if write_rules && meta.st_gid != 0 && mode & 0o020 != 0 {
        return unsafe_(format_args!("is writable by group {}", meta.st_gid));
    }
    if write_rules && mode & 0o002 != 0 {
        return unsafe_(format_args!("is writable by everyone"));
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    #[test]
    fn passwd_and_group_lines() {
        let root = "root:x:0:0:root:/root:/bin/ash";
        assert_eq!(passwd_entry(root), Some(("root", 0, 0)));
        assert_eq!(
            passwd_entry("nobody:*:65534:65534:nobody:/var:/bin/false"),
            Some(("nobody", 65534, 65534))
        );
        // Empty fields but all seven, and a gecos with spaces.
        assert_eq!(passwd_entry("a::1:2:A B::"), Some(("a", 1, 2)));
        for bad in [
            "root:x:0:0:root:/root",
            "root:x:zero:0:r:/:/sh",
            "root:x:0::r:/:/sh",
            "",
        ] {
            assert_eq!(passwd_entry(bad), None, "{bad:?}");
        }
        assert_eq!(group_entry("dialout:x:20:alice,bob"), Some(("dialout", 20)));
        assert_eq!(group_entry("nogroup:x:65534:"), Some(("nogroup", 65534)));
        assert_eq!(group_entry("nogroup:x:65534"), None);
        assert_eq!(group_entry("nogroup:x::"), None);
    }

    /// Every user and group of this system is looked up as the C library
    /// does (/etc/passwd and /etc/group, no other database here).
    #[test]
    fn lookups_agree_with_the_c_library() {
        let users = std::fs::read_to_string("/etc/passwd").expect("/etc/passwd");
        let mut n = 0;
        for (name, _, _) in users.lines().filter_map(passwd_entry) {
            let c = CString::new(name).expect("a name");
            // SAFETY: getpwnam with a valid name; the entry is read at once.
            let pw = unsafe { libc::getpwnam(c.as_ptr()).as_ref() }.expect("libc knows it");
            let want = Some((pw.pw_uid, pw.pw_gid));
            assert_eq!(passwd_by_name(name), want, "{name}");
            n += 1;
        }
        assert!(n >= 2, "{n} users");
        assert_eq!(passwd_by_uid(0), Some((0, 0)));
        assert_eq!(passwd_by_name("no-such-user-tv"), None);
        let groups = std::fs::read_to_string("/etc/group").expect("/etc/group");
        for (name, _) in groups.lines().filter_map(group_entry) {
            let c = CString::new(name).expect("a name");
            // SAFETY: as above.
            let gr = unsafe { libc::getgrnam(c.as_ptr()).as_ref() }.expect("libc knows it");
            assert_eq!(group_by_name(name), Some(gr.gr_gid), "{name}");
        }
        assert_eq!(group_by_name("no-such-group-tv"), None);
    }
}
