//! The daemon's log: syslog (facility daemon or local0-7, LOG_PID, ident
//! tinyvrrpd) over a Unix socket of its own, and/or the console.

use core::fmt::{self, Write as _};
use std::os::fd::{AsRawFd, OwnedFd};

use super::Errno;

/// The sockets tried when no `--log-socket` is given, in order (as the
/// syslog crate tried them): a missing one is skipped.
const SOCKET_PATHS: [&str; 3] = ["/dev/log", "/var/run/syslog", "/var/run/log"];

/// A connected syslog socket: datagrams (one message each), or a stream
/// where each message ends with a NUL (a syslogd listening that way).
struct Syslog {
    fd: OwnedFd,
    stream: bool,
}

/// Why no syslog socket could be opened; worded as the syslog crate
/// worded it on the console.
enum OpenError {
    Os(Errno),
    /// The path does not fit a sockaddr_un.
    TooLong,
    /// None of SOCKET_PATHS exists.
    NoSocket,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Initialization error: ")?;
        match *self {
            // OsError's wording, through its writer (issue 17: size).
            OpenError::Os(e) => write!(f, "Io error: {}", super::file::OsError(e)),
            OpenError::TooLong => f.write_str("Io error: path must be shorter than SUN_LEN"),
            OpenError::NoSocket => f.write_str("unix socket paths not found"),
        }
    }
}

impl Syslog {
    /// Connect to `path`: as a datagram socket, or as a stream when the
    /// socket there is one (EPROTOTYPE).
    fn connect(path: &str) -> Result<Syslog, OpenError> {
        // SAFETY: sockaddr_un is plain data; all-zero is valid.
        let mut sun: libc::sockaddr_un = unsafe { core::mem::zeroed() };
        sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
        if path.len() >= sun.sun_path.len() {
            return Err(OpenError::TooLong);
        }
        for (d, s) in sun.sun_path.iter_mut().zip(path.bytes()) {
            *d = s as libc::c_char;
        }
        for &(ty, stream) in [(libc::SOCK_DGRAM, false), (libc::SOCK_STREAM, true)].iter() {
            let fd = super::socket(libc::AF_UNIX, ty, 0, "socket")
                .map_err(|e| OpenError::Os(e.errno))?;
            let ret = super::sock_addr_call(libc::SYS_connect, fd.as_raw_fd(), &sun);
            match Errno::last() {
                _ if ret == 0 => return Ok(Syslog { fd, stream }),
                Errno::EPROTOTYPE if !stream => {}
                e => return Err(OpenError::Os(e)),
            }
        }
        Err(OpenError::Os(Errno::EPROTOTYPE))
    }

    /// The socket at `given`, else the first of SOCKET_PATHS that exists
    /// (one loop for both: one call of `connect`, issue 17: size).
    fn open(given: Option<&str>) -> Result<Syslog, OpenError> {
        let one;
        let paths: &[&str] = match given {
            Some(p) => {
                one = [p];
                &one
            }
            None => &SOCKET_PATHS,
        };
        for path in paths {
            match Syslog::connect(path) {
                // A default path that does not exist is skipped.
                Err(OpenError::Os(Errno::ENOENT)) if given.is_none() => {}
                r => return r,
            }
        }
        Err(OpenError::NoSocket)
    }

    /// Send one formatted message; false when the socket failed.
    fn send(&mut self, msg: &mut String) -> bool {
        if self.stream {
            msg.push('\0');
        }
        let mut left = msg.as_bytes();
        while !left.is_empty() {
            // MSG_NOSIGNAL: no SIGPIPE.
            let (fd, no_addr) = (self.fd.as_raw_fd(), core::ptr::null());
            let n = super::send_to(fd, left, libc::MSG_NOSIGNAL, no_addr, 0);
            match usize::try_from(n) {
                Ok(n) if self.stream => left = left.get(n..).unwrap_or_default(),
                Ok(_) => return true,
                Err(_) if Errno::last() == Errno::EINTR => {}
                Err(_) => return false,
            }
        }
        true
    }
}

/// An RFC 3164 message as glibc's syslog(3) writes it to /dev/log:
/// `<PRI>Mmm dd hh:mm:ss tinyvrrpd[PID]: message`, in local time.
fn rfc3164(pri: u8, pid: u32, message: fmt::Arguments<'_>) -> String {
    let tm = super::tz::zone().local(super::tcp::wall_secs());
    let month = crate::wire::smtp::month(tm.mon);
    let mut s = String::new();
    let _ = write!(
        s,
        "<{pri}>{month} {:2} {:02}:{:02}:{:02} tinyvrrpd[{pid}]: {message}",
        tm.mday, tm.hour, tm.min, tm.sec
    );
    s
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Info,
    Debug,
}

#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    pub console: bool,
    pub syslog: bool,
    /// `-S N`: local N; None: daemon.
    pub facility: Option<u8>,
    /// A socket path instead of /dev/log (tests, unusual systems).
    pub socket: Option<String>,
    /// `-D`: log Debug-level detail too.
    pub detail: bool,
}

pub struct Log {
    opts: LogOptions,
    syslog: Option<Syslog>,
    pid: u32,
}

/// The syslog facility's code, shifted: local N (`-S N`), else daemon.
fn facility(n: Option<u8>) -> u8 {
    match n {
        Some(n @ 0..=7) => (16 + n) << 3,
        _ => 3 << 3,
    }
}

/// Severities: err, warning, info, debug.
fn severity(level: Level) -> u8 {
    match level {
        Level::Error => 3,
        Level::Warning => 4,
        Level::Info => 6,
        Level::Debug => 7,
    }
}

impl Log {
    pub fn new(o: &LogOptions) -> Log {
        // The options field by field (the String cloned, the rest copied):
        // a whole clone was made aside and copied in (issue 17: size).
        let mut log = Log {
            opts: LogOptions {
                socket: o.socket.clone(),
                ..*o
            },
            syslog: None,
            pid: std::process::id(),
        };
        log.open_syslog();
        log
    }

    /// (Re)connect to syslog; the pid is taken now, so call this again
    /// after daemonizing.
    pub fn open_syslog(&mut self) {
        self.pid = std::process::id();
        self.syslog = None;
        let o = &self.opts;
        if !o.syslog {
            return;
        }
        match Syslog::open(o.socket.as_deref()) {
            Ok(l) => self.syslog = Some(l),
            Err(e) => {
                if o.console {
                    let pid = self.pid;
                    console_line(2, format_args!("tinyvrrpd[{pid}]: syslog unavailable: {e}"));
                }
            }
        }
    }

    pub fn detail(&self) -> bool {
        self.opts.detail
    }

    pub fn log(&mut self, level: Level, args: fmt::Arguments<'_>) {
        if level == Level::Debug && !self.opts.detail {
            return;
        }
        if self.opts.console {
            console_line(2, format_args!("tinyvrrpd[{}]: {args}", self.pid));
        }
        let facility = facility(self.opts.facility);
        let mut pri = facility | severity(level);
        let mut again = false;
        while let Some(s) = self.syslog.as_mut() {
            let sent = s.send(&mut rfc3164(pri, self.pid, args));
            // A restarted syslogd (logd on OpenWrt) closes our socket:
            // reconnect once and resend (at info, as before); one
            // sending for both.
            if sent || again {
                break;
            }
            self.open_syslog();
            pri = facility | severity(Level::Info);
            again = true;
        }
    }
}

/// Write `args` and a newline to standard output (fd 1) or error (fd 2),
/// formatted first and sent in one write where the pipe takes it: the
/// bytes println!/eprintln! wrote, without std's stdout and stderr
/// machinery (buffer, locks, flush at exit).
pub fn console_line(fd: i32, args: fmt::Arguments<'_>) {
    let mut text = std::fmt::format(args);
    text.push('\n');
    console(fd, &text);
}

/// Write `text` to fd 1 or 2, all of it unless the fd fails.
pub fn console(fd: i32, text: &str) {
    let mut left = text.as_bytes();
    while !left.is_empty() {
        // SAFETY: `left` is valid for its length; fd 1 or 2 is ours.
        let n = unsafe { libc::write(fd, left.as_ptr().cast(), left.len()) };
        match usize::try_from(n) {
            Ok(0) => return,
            Ok(n) => left = left.get(n..).unwrap_or_default(),
            Err(_) if Errno::last() == Errno::EINTR => {}
            Err(_) => return,
        }
    }
}

/// `eprintln!` through [`console_line`].
#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => {
        $crate::sys::log::console_line(2, format_args!($($arg)*))
    };
}

/// `log!(log, Level::Info, "fmt", args...)`
#[macro_export]
macro_rules! log {
    ($log:expr, $lvl:expr, $($arg:tt)*) => {
        $log.log($lvl, format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;
    use std::os::unix::net::{UnixDatagram, UnixListener};

    fn temp(name: &str) -> String {
        let dir = std::env::temp_dir().join(format!("tinyvrrpd-log-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir.to_str().expect("a UTF-8 temp dir").to_string()
    }

    fn to_socket(path: &str, facility: Option<u8>) -> Log {
        Log::new(&LogOptions {
            syslog: true,
            socket: Some(path.to_string()),
            facility,
            detail: true,
            ..LogOptions::default()
        })
    }

    /// `<PRI>Mmm dd hh:mm:ss tinyvrrpd[PID]: ` and the rest.
    fn split(msg: &str) -> (&str, &str) {
        let (pri, rest) = msg.split_once('>').expect("<PRI>");
        let (stamp, text) = rest.split_at(16);
        let month = &stamp[..3];
        assert!(
            (0..12).any(|m| crate::wire::smtp::month(m) == month),
            "{msg:?}"
        );
        let b = stamp.as_bytes();
        assert!(
            b[3] == b' ' && b[6] == b' ' && b[9] == b':' && b[12] == b':' && b[15] == b' ',
            "{msg:?}"
        );
        let pid = format!("tinyvrrpd[{}]: ", std::process::id());
        (
            pri.strip_prefix('<').expect("<"),
            text.strip_prefix(&pid).expect("ident and pid"),
        )
    }

    #[test]
    fn datagrams_with_priority_stamp_and_pid() {
        let path = temp("dgram");
        let rx = UnixDatagram::bind(&path).expect("bind");
        let mut log = to_socket(&path, None);
        let mut buf = [0u8; 512];
        for (level, pri) in [
            (Level::Error, "27"),
            (Level::Warning, "28"),
            (Level::Info, "30"),
            (Level::Debug, "31"),
        ] {
            log!(log, level, "hello {}", 42);
            let n = rx.recv(&mut buf).expect("a message");
            let msg = core::str::from_utf8(&buf[..n]).expect("text");
            assert_eq!(split(msg), (pri, "hello 42"), "{msg:?}");
        }
        let mut log = to_socket(&path, Some(2));
        log!(log, Level::Info, "local2");
        let n = rx.recv(&mut buf).expect("a message");
        assert_eq!(
            split(core::str::from_utf8(&buf[..n]).unwrap()),
            ("150", "local2")
        );
        // The receiver goes and comes back (a restarted logd): the line is
        // sent again, at info.
        drop(rx);
        std::fs::remove_file(&path).expect("rm");
        let rx = UnixDatagram::bind(&path).expect("bind again");
        log!(log, Level::Error, "again");
        let n = rx.recv(&mut buf).expect("a message");
        assert_eq!(
            split(core::str::from_utf8(&buf[..n]).unwrap()),
            ("150", "again")
        );
        std::fs::remove_file(&path).expect("rm");
    }

    #[test]
    fn a_stream_socket_gets_nul_terminated_messages() {
        let path = temp("stream");
        let listener = UnixListener::bind(&path).expect("bind");
        let mut log = to_socket(&path, None);
        let (mut conn, _) = listener.accept().expect("connected");
        log!(log, Level::Info, "one");
        log!(log, Level::Warning, "two");
        drop(log);
        let mut all = String::new();
        conn.read_to_string(&mut all).expect("read");
        let msgs: Vec<_> = all.split_terminator('\0').map(split).collect();
        assert_eq!(msgs, [("30", "one"), ("28", "two")], "{all:?}");
        assert!(all.ends_with('\0'));
        std::fs::remove_file(&path).expect("rm");
    }

    #[test]
    fn why_a_socket_cannot_be_opened() {
        let err = |r: Result<Syslog, OpenError>| r.err().map(|e| e.to_string());
        assert_eq!(
            err(Syslog::connect("/nonexistent/log")).as_deref(),
            Some("Initialization error: Io error: No such file or directory (os error 2)")
        );
        assert_eq!(
            err(Syslog::connect(&"/x".repeat(60))).as_deref(),
            Some("Initialization error: Io error: path must be shorter than SUN_LEN")
        );
        assert_eq!(
            OpenError::NoSocket.to_string(),
            "Initialization error: unix socket paths not found"
        );
    }
}
