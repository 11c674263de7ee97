//! Child processes for scripts: start one without blocking the loop, reap
//! every child that ended, kill one with its process group, look up the user
//! a script runs as, and keepalived's `enable_script_security` checks.
//!
//! `spawn` forks and execs: everything the child needs (C strings, the
//! pointer array, the signal action) is made before `fork`, so the child
//! only makes async-signal-safe calls and never allocates. Exits arrive as
//! SIGCHLD on the daemon's signalfd (`Sig::Child`), then `reap` collects
//! them all; `waitpid(-1)` takes any child of ours, so the daemon must not
//! start children any other way.

use std::ffi::{CStr, CString};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{Errno, Result, SysError};

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

/// (uid, primary gid) of the first /etc/passwd entry `matches` takes.
/// Read as musl's getpwnam does, without its nscd query (a service
/// OpenWrt does not have).
fn passwd(matches: impl Fn(&str, u32) -> bool) -> Option<(u32, u32)> {
    super::file::find_line(c"/etc/passwd", |l| {
        passwd_entry(l)
            .filter(|e| matches(e.0, e.1))
            .map(|e| (e.1, e.2))
    })
}

fn passwd_by_name(name: &str) -> Option<(u32, u32)> {
    passwd(|n, _| n == name)
}

fn passwd_by_uid(uid: u32) -> Option<(u32, u32)> {
    passwd(|_, u| u == uid)
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
    let f: arrayvec::ArrayVec<&str, 7> = line.splitn(7, ':').collect();
    let [name, _, uid, gid, _, _, _] = f.into_inner().ok()?;
    Some((name, uid.parse().ok()?, gid.parse().ok()?))
}

/// `name:password:gid:members`: (name, gid).
fn group_entry(line: &str) -> Option<(&str, u32)> {
    let f: arrayvec::ArrayVec<&str, 4> = line.splitn(4, ':').collect();
    let [name, _, gid, _] = f.into_inner().ok()?;
    Some((name, gid.parse().ok()?))
}

// ---- spawn ----------------------------------------------------------------

/// Everything the forked child uses, made before the fork.
pub struct Prepared {
    /// Owns the strings `argv` points into.
    _args: Vec<CString>,
    /// The program (argv[0]), and the NUL-terminated array for execv.
    program: *const libc::c_char,
    argv: Vec<*const libc::c_char>,
    default_action: libc::sigaction,
    empty_mask: libc::sigset_t,
    /// Highest fd + 1 to close when close_range is missing (kernel < 5.9).
    fd_limit: libc::c_int,
    /// Highest signal number + 1 (65 on most Linux, 128 on MIPS).
    nsig: libc::c_int,
    ids: Option<Ids>,
}

const DEV_NULL: &CStr = c"/dev/null";

impl Prepared {
    pub fn new(argv: &[&str], ids: Option<Ids>) -> Result<Prepared> {
        let args = argv
            .iter()
            .map(|a| CString::new(*a))
            .collect::<core::result::Result<Vec<_>, _>>()
            .map_err(|_| SysError::new("spawn: NUL in argument", Errno::EINVAL))?;
        if args.is_empty() {
            return Err(SysError::new("spawn: empty argv", Errno::EINVAL));
        }
        let mut ptrs: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
        let program = ptrs[0];
        ptrs.push(core::ptr::null());
        // SAFETY: plain data; all-zero is SIG_DFL with no flags.
        let mut default_action: libc::sigaction = unsafe { core::mem::zeroed() };
        default_action.sa_sigaction = libc::SIG_DFL;
        // SAFETY: plain data, then initialised by sigemptyset.
        let mut empty_mask: libc::sigset_t = unsafe { core::mem::zeroed() };
        // SAFETY: empty_mask is a valid sigset_t to write.
        unsafe { libc::sigemptyset(&mut empty_mask) };
        Ok(Prepared {
            _args: args,
            program,
            argv: ptrs,
            default_action,
            empty_mask,
            fd_limit: fd_limit(),
            nsig: libc::SIGRTMAX() + 1,
            ids,
        })
    }
}

/// The open-files limit, bounded so the fallback close loop stays short.
fn fd_limit() -> libc::c_int {
    // SAFETY: plain data, filled by getrlimit.
    let mut lim: libc::rlimit = unsafe { core::mem::zeroed() };
    // SAFETY: lim is valid for the call.
    let ret = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    let cur = if ret == 0 { lim.rlim_cur } else { 1024 };
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

/// [`spawn`] from a command prepared once ([`Prepared::new`]): nothing is
/// allocated, so a check script run every second costs no allocation.
pub fn spawn_prepared(prep: &Prepared) -> Result<i32> {
    // SAFETY: the child only makes async-signal-safe calls on data made
    // before the fork (`in_child`), and never returns.
    match unsafe { libc::fork() } {
        -1 => Err(SysError::last("fork")),
        0 => in_child(prep),
        pid => Ok(pid),
    }
}

/// The child's side of `spawn`: async-signal-safe calls only, no
/// allocation, no panics, no return.
fn in_child(p: &Prepared) -> ! {
    // SAFETY: every call is async-signal-safe and gets pointers into `p`,
    // which the fork copied and nothing frees.
    unsafe {
        // SIG_IGN survives exec (Rust ignores SIGPIPE), handlers do not
        // matter; set every one back to the default. Errors are the
        // signals that cannot be changed.
        for sig in 1..p.nsig {
            libc::sigaction(sig, &p.default_action, core::ptr::null_mut());
        }
        libc::sigprocmask(libc::SIG_SETMASK, &p.empty_mask, core::ptr::null_mut());
        // Its own session and process group: `kill` reaches its children,
        // and a TERM to the group never reaches the daemon.
        libc::setsid();
        if !stdio_to_dev_null() {
            libc::_exit(EXIT_NOT_RUN);
        }
        close_from_3(p.fd_limit);
        if let Some(ids) = p.ids {
            if !drop_to(ids) {
                libc::_exit(EXIT_NOT_RUN);
            }
        }
        libc::execv(p.program, p.argv.as_ptr());
        libc::_exit(EXIT_NOT_RUN)
    }
}

/// In the child: fds 0, 1 and 2 on /dev/null. Opened here, not before the
/// fork, so the new fd has no CLOEXEC even when it lands on 0-2 itself.
///
/// # Safety
/// Only for the forked child: it replaces the standard descriptors.
unsafe fn stdio_to_dev_null() -> bool {
    // SAFETY: open and dup2 are async-signal-safe; DEV_NULL is a C string.
    unsafe {
        let fd = libc::open(DEV_NULL.as_ptr(), libc::O_RDWR);
        if fd < 0 {
            return false;
        }
        for target in 0..3 {
            if fd != target && libc::dup2(fd, target) < 0 {
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
unsafe fn close_from_3(limit: libc::c_int) {
    // SAFETY: close_range and close are async-signal-safe syscalls.
    unsafe {
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) == 0 {
            return;
        }
        for fd in 3..limit {
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
        // SAFETY: status is valid for the call.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
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
    // SAFETY: plain syscalls; failures (ESRCH: already gone) are harmless.
    unsafe {
        libc::kill(-pid, sig);
        libc::kill(pid, sig);
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
    let ids = ids.unwrap_or(Ids { uid: 0, gid: 0 });
    let given = if path.contains('/') {
        PathBuf::from(path)
    } else {
        find_in_path(path, Some(ids)).ok_or_else(|| format!("Cannot find script {path} in path"))?
    };
    let real =
        fs::canonicalize(&given).map_err(|e| format!("Script {path} cannot be accessed - {e}"))?;
    let meta =
        fs::metadata(&real).map_err(|e| format!("Unable to access script `{path}` - {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "Wrong file type found in script path '{path}': not a regular file"
        ));
    }
    if !is_executable(&meta, ids) {
        return Err(format!(
            "WARNING - script '{path}' is not executable for uid:gid {}:{}",
            ids.uid, ids.gid
        ));
    }
    if !needs_protection(&meta, ids) {
        return Ok(());
    }
    check_path(path, &real)?;
    // keepalived also checks the name the script was given by, in its real
    // directory, when it is a symbolic link with another name.
    if let (Some(dir), Some(name)) = (given.parent(), given.file_name()) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(dir) = fs::canonicalize(dir) {
            let link = dir.join(name);
            if link != real {
                check_path(path, &link)?;
            }
        }
    }
    Ok(())
}

/// keepalived's is_executable: root may run any file with an x bit; anyone
/// else needs the bit of the class they are in.
fn is_executable(meta: &fs::Metadata, ids: Ids) -> bool {
    let mode = meta.permissions().mode();
    if ids.uid == 0 {
        mode & 0o111 != 0
    } else if ids.uid == meta.uid() {
        mode & 0o100 != 0
    } else if ids.gid == meta.gid() {
        mode & 0o010 != 0
    } else {
        mode & 0o001 != 0
    }
}

/// Root runs it: as root, or through a setuid/setgid-root bit.
fn needs_protection(meta: &fs::Metadata, ids: Ids) -> bool {
    let mode = meta.permissions().mode();
    ids.uid == 0
        || ids.gid == 0
        || (meta.uid() == 0 && mode & 0o4100 == 0o4100)
        || (meta.gid() == 0 && mode & 0o2010 == 0o2010)
}

/// The first regular file called `name` in PATH that `ids` (None: root) may
/// execute, as keepalived resolves a script given without a `/` (`spawn`
/// itself does no PATH search).
pub fn find_in_path(name: &str, ids: Option<Ids>) -> Option<PathBuf> {
    let ids = ids.unwrap_or(Ids { uid: 0, gid: 0 });
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && is_executable(&m, ids)))
}

/// Every prefix of `full` ("/", "/a", "/a/b", ...) without following links:
/// directories but the last, which is a file or a link; each one root's and
/// not writable by others (keepalived's check_security).
fn check_path(script: &str, full: &Path) -> core::result::Result<(), String> {
    let mut prefix = PathBuf::new();
    let count = full.components().count();
    for (i, part) in full.components().enumerate() {
        prefix.push(part);
        let last = i + 1 == count;
        let shown = prefix.display();
        let meta = fs::symlink_metadata(&prefix).map_err(|e| {
            format!("check_script_secure could not find script '{script}': {shown}: {e}")
        })?;
        let ty = meta.file_type();
        let fits = if last {
            ty.is_file() || ty.is_symlink()
        } else {
            ty.is_dir()
        };
        if !fits {
            let want = if last { "a file" } else { "a directory" };
            return Err(format!(
                "Wrong file type found in script path '{script}': {shown} is not {want}"
            ));
        }
        if let Some(why) = unsafe_because(&meta) {
            return Err(format!(
                "Unsafe permissions found for script '{script}': {shown} {why}"
            ));
        }
    }
    Ok(())
}

/// Why keepalived calls this path component unsafe, if it does.
fn unsafe_because(meta: &fs::Metadata) -> Option<String> {
    let mode = meta.permissions().mode();
    if meta.uid() != 0 {
        return Some(format!("is owned by uid {}, not root", meta.uid()));
    }
    let ty = meta.file_type();
    let write_rules = ty.is_file() || (ty.is_dir() && mode & 0o1000 == 0);
    if write_rules && meta.gid() != 0 && mode & 0o020 != 0 {
        return Some(format!("is writable by group {}", meta.gid()));
    }
    if write_rules && mode & 0o002 != 0 {
        return Some("is writable by everyone".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let users = fs::read_to_string("/etc/passwd").expect("/etc/passwd");
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
        let groups = fs::read_to_string("/etc/group").expect("/etc/group");
        for (name, _) in groups.lines().filter_map(group_entry) {
            let c = CString::new(name).expect("a name");
            // SAFETY: as above.
            let gr = unsafe { libc::getgrnam(c.as_ptr()).as_ref() }.expect("libc knows it");
            assert_eq!(group_by_name(name), Some(gr.gr_gid), "{name}");
        }
        assert_eq!(group_by_name("no-such-group-tv"), None);
    }
}
