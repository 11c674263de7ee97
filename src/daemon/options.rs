//! How the daemon is asked to run, and why it could not start.

use std::path::PathBuf;

use super::io::Io;
use crate::config::{Config, Family, Severity};
use crate::log;
use crate::sys::log::{Level, Log};
use crate::sys::raw6::Raw6;

use crate::config;
use crate::sys::SysError;
use crate::sys::log::LogOptions;

/// How the daemon was asked to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub config: PathBuf,
    /// `-V`: leave the VIPs in place on stop.
    pub keep_vips: bool,
    pub log: LogOptions,
    /// Where SIGUSR1, SIGUSR2 and SIGRTMIN+2 write their dumps.
    pub dumps: DumpPaths,
    /// The record of installed VIPs, cleaned at the next start (see
    /// [`state_file_for`]); None for none.
    pub state_file: Option<String>,
}

/// The VIP record that goes with pid file `pidfile`: the same path with
/// `.vips` for `.pid` (`/var/run/tinyvrrpd.pid` -> `/var/run/tinyvrrpd.vips`),
/// so daemons with their own pid files keep their own records.
pub fn state_file_for(pidfile: &str) -> String {
    // The extension as std::path sees it: after the last dot of the last
    // component, that dot not its first byte. So `.pid` is one when
    // something other than `/` is before it (`.pid` alone, as the path or
    // its last component, is no extension).
    let base = match pidfile.strip_suffix(".pid") {
        Some(b) if !matches!(b.as_bytes().last(), None | Some(b'/')) => b,
        _ => pidfile,
    };
    // `x.pid` has lost its `.pid`; then `.vips` (one format! for both).
    format!("{base}.vips")
}

#[derive(Clone, Debug)]
pub struct DumpPaths {
    pub data: String,
    pub stats: String,
    pub json: String,
}

impl DumpPaths {
    /// keepalived's paths, which LuCI and scripts read.
    pub const DATA: &str = "/tmp/keepalived.data";
    pub const STATS: &str = "/tmp/keepalived.stats";
    pub const JSON: &str = "/tmp/keepalived.json";
}

impl Default for DumpPaths {
    fn default() -> Self {
        DumpPaths {
            data: Self::DATA.into(),
            stats: Self::STATS.into(),
            json: Self::JSON.into(),
        }
    }
}

/// Why the daemon could not start.
#[derive(Debug)]
pub enum StartError {
    Config(Vec<config::Diag>),
    Sys(SysError),
    /// An instance's interface is missing or unusable, or the interfaces
    /// cannot be read: a fixed text (none is formatted: no String made
    /// for it; size: issue 17).
    Interface(&'static str),
}

impl core::fmt::Display for StartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if let StartError::Config(d) = self {
            for x in d {
                // `*x`: as a Diag, not through `&Diag`'s Display (size:
                // issue 17: its own function).
                writeln!(f, "{}", *x)?;
            }
        }
        core::fmt::Display::fmt(&self.why(), f)
    }
}

impl StartError {
    /// The error as its Display says it, but for a configuration's
    /// (nothing; see [`Why`]).
    pub fn why(&self) -> Why<'_> {
        Why(self)
    }
}

/// A [`StartError`] as its Display says it, but for a configuration's
/// (nothing): for the daemon's callers, which print those diagnostics one
/// per line themselves (main's print_diags, log_diags on a reload). The
/// binary then has no loop formatting them that nothing runs (size:
/// issue 17).
pub struct Why<'a>(&'a StartError);

impl core::fmt::Display for Why<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            StartError::Config(_) => Ok(()),
            // Passed on as they are (a write! each would be two more
            // format calls).
            StartError::Sys(e) => core::fmt::Display::fmt(e, f),
            StartError::Interface(s) => f.write_str(s),
        }
    }
}

impl From<SysError> for StartError {
    fn from(e: SysError) -> Self {
        StartError::Sys(e)
    }
}

/// Open the raw IPv6 socket once a configuration runs IPv6.
pub(crate) fn open_raw6_if_needed(io: &mut Io, config: &Config) -> Result<(), SysError> {
    let v6 = config.instances.iter().any(|c| c.family == Family::V6);
    if v6 && io.raw6.is_none() {
        io.raw6 = Some(Raw6::open()?);
    }
    Ok(())
}

/// Log configuration messages: errors as errors, warnings as warnings.
pub(crate) fn log_diags(log: &mut Log, diags: &[config::Diag]) {
    for d in diags {
        let level = match d.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        // `*d`: as a Diag, not through `&Diag`'s Display (size: issue 17).
        log!(log, level, "{}", *d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The record's name as std::path's extension rules made it.
    #[test]
    fn state_file_as_with_extension_made_it() {
        let cases = [
            "/var/run/tinyvrrpd.pid",
            "/var/run/x.y.pid",
            "a.pid",
            ".pid",
            "/run/.pid",
            "/run/a.pidx",
            "/run/pid",
            "/r.pid/tinyvrrpd",
            "x.PID",
        ];
        for p in cases {
            let path = Path::new(p);
            let want = if path.extension().is_some_and(|e| e == "pid") {
                path.with_extension("vips")
            } else {
                PathBuf::from(format!("{p}.vips"))
            };
            assert_eq!(state_file_for(p), want.to_str().unwrap(), "{p}");
        }
    }
}
