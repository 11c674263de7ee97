//! tinyvrrpd command line: keepalived's flags, logging set-up, pid file,
//! detaching, then the poll loop. No protocol logic here.
//!
//! The C `main` is ours (`no_main`): std's runtime start-up (argument
//! copies, the main thread's name and id, the stdout flush at exit) was
//! about 4 KB of a mipsel binary for a program that uses none of it. What
//! of it can be seen is done here as std did it: fds 0-2 are opened on
//! /dev/null when closed, SIGPIPE is ignored, and an argument that is not
//! UTF-8 aborts the process.
// The test harness has its own main; the daemon's is then unused.
#![cfg_attr(not(test), no_main)]
#![cfg_attr(test, allow(dead_code))]

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use tinyvrrpd::cmdline;
use tinyvrrpd::config::{self, Severity, known};
use tinyvrrpd::daemon::{Daemon, DumpPaths, Options, StartError, state_file_for};
// Ours, not std's: one write per line, without std's stderr machinery.
use tinyvrrpd::eprintln;
use tinyvrrpd::log;
use tinyvrrpd::sys::file::{self, OsError};
use tinyvrrpd::sys::log::{Level, LogOptions};
use tinyvrrpd::sys::{ErrText, Errno};

/// Exit statuses: success, failure, a bad command line.
const OK: i32 = 0;
const FAILED: i32 = 1;
const USAGE: i32 = 2;

const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";
const DEFAULT_PIDFILE: &str = "/var/run/tinyvrrpd.pid";

/// The help text, written out rather than built by getopts' usage(): that
/// pulls Unicode width tables into the binary (about 15 KB on MIPS) for a
/// text that never changes at run time. A test keeps it in step with the
/// options (cmdline::OPTIONS).
const HELP: &str = "\
Usage: tinyvrrpd [options]

A VRRP daemon that reads keepalived.conf.
Signals: TERM/INT stop, HUP reload, USR1 state dump, USR2 counters,
RTMIN+2 JSON dump.

Options:
    -f, --use-file FILE      configuration file
                             (default /etc/keepalived/keepalived.conf)
    -n, --dont-fork          stay in the foreground
    -l, --log-console        log to the console (stderr)
    -D, --log-detail         detailed log messages
    -S, --log-facility 0-7   syslog facility local0-7 (default daemon)
    -G, --no-syslog          do not log through syslog
        --log-socket PATH    syslog socket path (default /dev/log)
    -p, --pid FILE           pid file (default /var/run/tinyvrrpd.pid)
    -t, --config-test        check the configuration and exit (0 good, 1 bad)
    -i, --config-id ID       read `@ID` lines for ID (default the host name
                             up to its first '.')
    -V, --dont-release-vrrp  leave the virtual addresses in place on stop
        --data-file PATH     SIGUSR1 state dump (default /tmp/keepalived.data)
        --stats-file PATH    SIGUSR2 counters (default /tmp/keepalived.stats)
        --json-file PATH     SIGRTMIN+2 JSON dump (default /tmp/keepalived.json)
    -v, --version            print the version and exit
    -h, --help               print this help and exit
";

/// Fragments frequent in [`HELP`]: the binary holds the text packed with
/// them (size: issue 17; 1,336 bytes of text, 802 packed with these). The
/// short ones after `tinyvrrpd` were added by a greedy search of the
/// repeated substrings, each kept as it made text and dictionary shorter.
#[rustfmt::skip]
const HELP_FRAGMENTS: &[&str] = &[
    "    ", " (default ", "keepalived", ", --", "log", "on", "\n    -", "-file PATH",
    "RTMIN+2 JSON dump", " the ", " and exit", "USR1 state dump", "USR2 counters", "        ",
    "config", "facility ", "/tmp/", "tinyvrrpd",
    "st", "  ", "at", "le", "syslog", "socket ", " FILE", " fi", " th", "ad", "detai", "ion",
    "pid", ", ", "--", "es", "for", "he", "vers", " re", "SIG", "in", "daem",
];
static HELP_DICT: [u8; known::dict_len(HELP_FRAGMENTS)] = known::dict(HELP_FRAGMENTS);
static HELP_PACKED: [u8; known::packed_len(HELP, HELP_FRAGMENTS)] =
    known::packed(HELP, HELP_FRAGMENTS);

/// Rust's allocations straight to the daemon's allocator (sys::alloc),
/// which also serves the C library as malloc.
#[cfg(all(target_env = "musl", not(test)))]
#[global_allocator]
static HEAP: tinyvrrpd::sys::alloc::Blocks = tinyvrrpd::sys::alloc::Blocks;

/// The process's entry, called by musl's start-up with the arguments.
#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char) -> libc::c_int {
    start_up();
    let mut args = Vec::new();
    for i in 1..usize::try_from(argc).unwrap_or(0) {
        // SAFETY: argv holds argc NUL-terminated strings that live as long
        // as the process.
        let arg = unsafe { core::ffi::CStr::from_ptr(*argv.add(i)) };
        match arg.to_str() {
            Ok(a) => args.push(a),
            // As std's args() did: no argument is read lossily.
            Err(_) => abort(),
        }
    }
    // Lives as long as the process (as what comes of it below): not
    // dropped (its drop would be code for nothing, as for the daemon).
    daemon_main(&core::mem::ManuallyDrop::new(args))
}

/// What std's runtime did before main that can be seen: the standard
/// descriptors opened on /dev/null when closed (so no socket becomes
/// "stderr"), SIGPIPE ignored (a write to a closed pipe fails with EPIPE).
fn start_up() {
    for fd in 0..3 {
        // SAFETY: the seek only asks whether fd is open (EBADF if not);
        // the /dev/null descriptor opened takes the lowest free number, fd.
        unsafe {
            if !tinyvrrpd::sys::seek_zero(fd, libc::SEEK_CUR)
                && Errno::last() == Errno::EBADF
                && tinyvrrpd::sys::open_at(libc::AT_FDCWD, c"/dev/null".as_ptr(), libc::O_RDWR, 0)
                    < 0
            {
                abort();
            }
        }
    }
    // SAFETY: SIG_IGN, before any other thread or handler.
    unsafe { tinyvrrpd::sys::signals::set_disposition(libc::SIGPIPE, libc::SIG_IGN) };
}

/// The end abort(3) makes, for a process that has set no SIGABRT handler
/// (none is inherited through exec): SIGABRT to its default action and
/// unblocked, then sent to the process, which it kills. Not libc's, whose
/// raise, lock and signal blocking were about 900 bytes of mipsel (size:
/// issue 17); _exit(127) after, as musl's last resort (never reached).
fn abort() -> ! {
    use tinyvrrpd::sys::signals::{set_disposition, set_mask};
    // The kernel's set with SIGABRT alone (bit SIGABRT - 1).
    let only: [libc::c_ulong; 4] = [1 << (libc::SIGABRT - 1), 0, 0, 0];
    // SAFETY: SIG_DFL for a signal; `only` is the kernel's set, 16 bytes
    // or more; kill and _exit take numbers.
    unsafe {
        set_disposition(libc::SIGABRT, libc::SIG_DFL);
        set_mask(libc::SIG_UNBLOCK, only.as_ptr().cast());
        let pid = libc::c_long::from(libc::getpid());
        libc::syscall(libc::SYS_kill, pid, libc::c_long::from(libc::SIGABRT));
        libc::_exit(127)
    }
}

/// The slot of the option named `$name` in a [`cmdline::Given`], found
/// at compile time.
macro_rules! opt {
    ($name:literal) => {
        const { cmdline::index($name) }
    };
}

fn daemon_main(args: &[&str]) -> i32 {
    let mut m = cmdline::Given::NONE;
    if let Err(e) = m.read(args) {
        eprintln!("tinyvrrpd: {e} (try -h)");
        return USAGE;
    }
    if m.has(opt!("h")) {
        // The process ends: not freed (as the daemon is not dropped).
        let mut help = core::mem::ManuallyDrop::new(String::new());
        known::unpack(&HELP_PACKED, &HELP_DICT, &mut help);
        tinyvrrpd::sys::log::console(1, &help);
        return OK;
    }
    if m.has(opt!("v")) {
        tinyvrrpd::sys::log::console(1, concat!("tinyvrrpd ", env!("CARGO_PKG_VERSION"), "\n"));
        return OK;
    }
    if let Some(id) = m.value_at(opt!("i")) {
        config::set_config_id(id);
    }
    let config = PathBuf::from(m.value_at(opt!("f")).unwrap_or(DEFAULT_CONFIG));
    if m.has(opt!("t")) {
        return config_test(&config);
    }
    let facility = match m.value_at(opt!("S")).map(facility_number) {
        None => None,
        Some(Some(n)) => Some(n),
        Some(None) => {
            eprintln!("tinyvrrpd: -S takes a facility number 0-7 (local0-local7)");
            return USAGE;
        }
    };
    let foreground = m.has(opt!("n"));
    let pidfile = m.value_at(opt!("p")).unwrap_or(DEFAULT_PIDFILE);
    // The pid file is locked before anything else, so a second daemon
    // says so plainly instead of fighting the first over the VIPs (and
    // before the options are built: none to drop if it cannot be).
    let Some(pid) = PidFile::lock(pidfile) else {
        return FAILED;
    };
    let log = LogOptions {
        console: m.has(opt!("l")),
        syslog: !m.has(opt!("G")),
        facility,
        socket: m.value_at(opt!("log-socket")).map(String::from),
        detail: m.has(opt!("D")),
    };
    // Each path copied once, given or keepalived's (no default copied
    // to be dropped).
    let path = |i: usize, default: &str| m.value_at(i).unwrap_or(default).to_string();
    let dumps = DumpPaths {
        data: path(opt!("data-file"), DumpPaths::DATA),
        stats: path(opt!("stats-file"), DumpPaths::STATS),
        json: path(opt!("json-file"), DumpPaths::JSON),
    };
    let opts = Options {
        config,
        keep_vips: m.has(opt!("V")),
        log,
        dumps,
        state_file: Some(state_file_for(pidfile)),
    };
    run(opts, pid, foreground)
}

/// `-S`'s value as `str::parse::<u8>` reads it (an optional `+`, then
/// digits), when it is 0-7: std's integer parser inlined here for one
/// option was about 250 bytes of mipsel.
fn facility_number(s: &str) -> Option<u8> {
    let digits = s.as_bytes();
    let digits = digits.strip_prefix(b"+").unwrap_or(digits);
    // 0-7 written with any number of leading zeros: nothing else is.
    let (&last, zeros) = digits.split_last()?;
    (zeros.iter().all(|&b| b == b'0') && (b'0'..=b'7').contains(&last)).then(|| last - b'0')
}

fn config_test(path: &Path) -> i32 {
    // The process ends here: what was loaded needs no freeing (its drops
    // would be inlined into main for nothing).
    let loaded = core::mem::ManuallyDrop::new(config::load(path));
    let (diags, status) = match &*loaded {
        Ok((_, warnings)) => (warnings, OK),
        Err(diags) => (diags, FAILED),
    };
    let n = print_diags(diags);
    if loaded.is_err() {
        eprintln!(
            "tinyvrrpd: {n} error(s) in {}",
            tinyvrrpd::config::path_text(path)
        );
    }
    status
}

/// Each message on stderr; how many are errors (counted as they are
/// printed: one loop, for -t and a start that failed).
fn print_diags(diags: &[config::Diag]) -> usize {
    let mut n = 0usize;
    for d in diags {
        // `*d`: as a Diag, not through `&Diag`'s Display (size: issue 17).
        eprintln!("{}", *d);
        n += usize::from(d.severity == Severity::Error);
    }
    n
}

fn run(opts: Options, pid: PidFile<'_>, foreground: bool) -> i32 {
    // Held to the end of the process, which closes it (not dropped).
    let mut pid = core::mem::ManuallyDrop::new(pid);
    // Never dropped: the process ends with it (as the parents of detach
    // exit without dropping it), and the kernel closes its fds; dropping
    // it field by field would be about a kilobyte of code for nothing.
    // (Daemon::new is not inlined into main: see there.) Used where it
    // was returned, not moved out of the Result (a copy of the whole
    // daemon; size: issue 17).
    let mut started = core::mem::ManuallyDrop::new(Daemon::new(opts));
    let daemon = match &mut *started {
        Ok(d) => d,
        Err(e) => {
            // Not dropped either: the process ends.
            match e {
                StartError::Config(diags) => {
                    print_diags(diags);
                }
                // Not a Config error: its text through why(), not the Display
                // that also formats diagnostics (size: issue 17).
                other => eprintln!("tinyvrrpd: {}", other.why()),
            }
            pid.remove();
            return FAILED;
        }
    };
    if !foreground {
        if let Err((what, errno, os)) = detach() {
            // fork and setsid say the text only, the others "(os error N)" too.
            let (text, full) = (ErrText(errno), OsError(errno));
            let why: &dyn core::fmt::Display = if os { &full } else { &text };
            eprintln!("tinyvrrpd: {what}: {why}");
            pid.remove();
            return FAILED;
        }
        daemon.reopen_log();
    }
    if let Err(e) = pid.write(std::process::id()) {
        log!(
            daemon.log_mut(),
            Level::Warning,
            "pid file {}: {e}",
            pid.path
        );
    }
    log!(
        daemon.log_mut(),
        Level::Info,
        "Starting tinyvrrpd {}",
        env!("CARGO_PKG_VERSION")
    );
    // A failed poll loop was logged and the daemon stopped.
    let status = if daemon.run().is_ok() { OK } else { FAILED };
    pid.remove();
    status
}

/// Double fork, setsid, chdir /, standard streams to /dev/null. What
/// failed, its errno, and whether its text has "(os error N)" (one error
/// line in run, not a format! per step).
fn detach() -> Result<(), (&'static str, Errno, bool)> {
    use tinyvrrpd::sys::child::fork;
    // SAFETY: single-threaded here; the child only continues our own code.
    match unsafe { fork() } {
        -1 => return Err(("fork", Errno::last(), false)),
        0 => {}
        _ => exit_parent(),
    }
    // SAFETY: setsid's syscall (as the child of spawn makes it).
    if unsafe { libc::syscall(libc::SYS_setsid) } < 0 {
        return Err(("setsid", Errno::last(), false));
    }
    // SAFETY: as above.
    match unsafe { fork() } {
        -1 => return Err(("fork", Errno::last(), false)),
        0 => {}
        _ => exit_parent(),
    }
    // SAFETY: chdir to a NUL-terminated literal.
    if unsafe { libc::syscall(libc::SYS_chdir, c"/".as_ptr()) } != 0 {
        return Err(("chdir /", Errno::last(), true));
    }
    let null = file::open("/dev/null", libc::O_RDWR, 0).map_err(|e| ("/dev/null", e.0, true))?;
    for fd in 0..3 {
        // Never fd itself: 0-2 are open (start_up), /dev/null above them.
        // SAFETY: dup3 onto the standard descriptors.
        unsafe { tinyvrrpd::sys::dup_to(null.as_raw_fd(), fd) };
    }
    Ok(())
}

/// A parent of detach leaves: exit(3), not std's exit (its stdout flush
/// would bring std's stdout machinery back for nothing).
fn exit_parent() -> ! {
    // SAFETY: ends the process.
    unsafe { libc::exit(0) }
}

/// A pid file held with an exclusive flock for the daemon's life. Its path
/// is borrowed from the arguments (or the default), which live as long as
/// the process: not copied.
struct PidFile<'a> {
    fd: OwnedFd,
    path: &'a str,
}

impl<'a> PidFile<'a> {
    /// The pid file, locked; None (said on stderr) when it cannot be.
    fn lock(path: &'a str) -> Option<PidFile<'a>> {
        let fd = match file::open(path, libc::O_RDWR | libc::O_CREAT, 0o644) {
            Ok(fd) => fd,
            Err(e) => {
                eprintln!("tinyvrrpd: pid file {path}: {e}");
                return None;
            }
        };
        // The syscall, not musl's one-call wrapper.
        let how = libc::c_long::from(libc::LOCK_EX | libc::LOCK_NB);
        // SAFETY: flock on our own open file.
        let r = unsafe { libc::syscall(libc::SYS_flock, libc::c_long::from(fd.as_raw_fd()), how) };
        if r != 0 {
            // What it holds, as text (empty when unreadable or not UTF-8).
            let bytes = file::read_up_to(&fd, usize::MAX).unwrap_or_default();
            let s = core::str::from_utf8(&bytes).unwrap_or_default();
            eprintln!(
                "tinyvrrpd: another tinyvrrpd is running (pid {}, pid file {path}); not starting",
                s.trim(),
            );
            return None;
        }
        Some(PidFile { fd, path })
    }

    fn write(&mut self, pid: u32) -> Result<(), OsError> {
        let fd = self.fd.as_raw_fd();
        // SAFETY: truncating our own open file (the syscall, not musl's
        // wrapper, which takes 64-bit lengths); then rewinding it.
        let cut = unsafe {
            libc::syscall(
                libc::SYS_ftruncate,
                libc::c_long::from(fd),
                0 as libc::c_long,
            )
        };
        if cut != 0 || !tinyvrrpd::sys::seek_zero(fd, libc::SEEK_SET) {
            return Err(OsError(Errno::last()));
        }
        file::write_all(&self.fd, format!("{pid}\n").as_bytes())
    }

    fn remove(&mut self) {
        file::remove(self.path);
    }
}

#[cfg(test)]
mod tests {
    /// The binary's packed help is the written-out text, byte for byte.
    #[test]
    fn help_unpacks_to_the_text() {
        let mut help = String::new();
        super::known::unpack(&super::HELP_PACKED, &super::HELP_DICT, &mut help);
        assert_eq!(help, super::HELP);
        assert!(super::HELP_PACKED.len() < super::HELP.len() * 3 / 4);
    }

    /// `-S` takes what `parse::<u8>()` took, when it is 0-7.
    #[test]
    fn facility_numbers_as_std_parses_them() {
        let words = [
            "",
            "+",
            "-",
            "0",
            "7",
            "8",
            "+3",
            "-3",
            "03",
            "0007",
            "10",
            "255",
            "256",
            "300",
            "99999999999",
            "1x",
            " 1",
            "1 ",
            "++1",
            "٣",
        ];
        for w in words {
            let std = w.parse::<u8>().ok().filter(|&n| n <= 7);
            assert_eq!(super::facility_number(w), std, "{w:?}");
        }
    }
}
