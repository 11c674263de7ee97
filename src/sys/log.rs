//! The daemon's log: syslog (facility daemon or local0-7, LOG_PID, ident
//! tinyvrrpd) through the syslog crate, and/or the console.

use core::fmt;
use std::io::Write;

use syslog::{Facility, LogFormat, LoggerBackend, Severity};

/// RFC 3164 messages as glibc's syslog(3) writes them to /dev/log:
/// `<PRI>Mmm dd hh:mm:ss tinyvrrpd[PID]: message`, in local time.
///
/// Our own formatter rather than the syslog crate's Formatter3164: that
/// one stamps UTC instead of local time on Unix and pulls the `time` crate
/// (about 46 KB of a MIPS binary) in for it; libc's localtime_r does the
/// same job here.
#[derive(Clone, Debug)]
struct Rfc3164 {
    facility: Facility,
    pid: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl<T: fmt::Display> LogFormat<T> for Rfc3164 {
    fn format<W: Write>(&self, w: &mut W, severity: Severity, message: T) -> syslog::Result<()> {
        // SAFETY: time(NULL) and localtime_r into our own struct tm.
        let tm = unsafe {
            let now = libc::time(core::ptr::null_mut());
            let mut tm: libc::tm = core::mem::zeroed();
            libc::localtime_r(&now, &mut tm);
            tm
        };
        let month = usize::try_from(tm.tm_mon)
            .ok()
            .and_then(|m| MONTHS.get(m))
            .unwrap_or(&"Jan");
        let pri = self.facility as u8 | severity as u8;
        write!(
            w,
            "<{pri}>{month} {:2} {:02}:{:02}:{:02} tinyvrrpd[{}]: {message}",
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, self.pid
        )
        .map_err(syslog::Error::Write)
    }
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
    syslog: Option<syslog::Logger<LoggerBackend, Rfc3164>>,
    pid: u32,
}

fn facility(n: Option<u8>) -> Facility {
    match n {
        Some(0) => Facility::LOG_LOCAL0,
        Some(1) => Facility::LOG_LOCAL1,
        Some(2) => Facility::LOG_LOCAL2,
        Some(3) => Facility::LOG_LOCAL3,
        Some(4) => Facility::LOG_LOCAL4,
        Some(5) => Facility::LOG_LOCAL5,
        Some(6) => Facility::LOG_LOCAL6,
        Some(7) => Facility::LOG_LOCAL7,
        _ => Facility::LOG_DAEMON,
    }
}

impl Log {
    pub fn new(o: &LogOptions) -> Log {
        let mut log = Log {
            opts: o.clone(),
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
        let f = Rfc3164 {
            facility: facility(o.facility),
            pid: self.pid,
        };
        let logger = match &o.socket {
            Some(p) => syslog::unix_custom(f, p),
            None => syslog::unix(f),
        };
        match logger {
            Ok(l) => self.syslog = Some(l),
            Err(e) => {
                if o.console {
                    eprintln!("tinyvrrpd[{}]: syslog unavailable: {e}", self.pid);
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
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "tinyvrrpd[{}]: {args}", self.pid);
        }
        if let Some(s) = self.syslog.as_mut() {
            let r = match level {
                Level::Error => s.err(args),
                Level::Warning => s.warning(args),
                Level::Info => s.info(args),
                Level::Debug => s.debug(args),
            };
            // A restarted syslogd (logd on OpenWrt) closes our socket:
            // reconnect once and resend.
            if r.is_err() {
                self.open_syslog();
                if let Some(s) = self.syslog.as_mut() {
                    let _ = s.info(args);
                }
            }
        }
    }
}

/// `log!(log, Level::Info, "fmt", args...)`
#[macro_export]
macro_rules! log {
    ($log:expr, $lvl:expr, $($arg:tt)*) => {
        $log.log($lvl, format_args!($($arg)*))
    };
}
