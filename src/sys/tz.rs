//! The local time zone, found where the C library looks for it: the TZ
//! environment variable (a POSIX TZ string, or `:FILE`/a TZif file name),
//! else /etc/localtime; UTC when none of it can be read. Read once, at the
//! first local time asked for (as musl caches it); no allocation after.

use super::once::Leaked;
use crate::time::{Zone, parse_tz, parse_tzif};

/// The zone once read.
static ZONE: Leaked<Zone> = Leaked::empty();

/// Where a relative TZif name is looked for, in order.
const ZONEINFO: [&str; 3] = ["/usr/share/zoneinfo/", "/share/zoneinfo/", "/etc/zoneinfo/"];

/// Larger than any real TZif file.
const MAX_TZIF: usize = 256 * 1024;

/// The local zone.
pub fn zone() -> &'static Zone {
    ZONE.get().unwrap_or_else(|| ZONE.set(from_tz(tz_env())))
}

/// TZ from the environment (not UTF-8: as unreadable, so UTC).
fn tz_env() -> Option<&'static str> {
    let tz = super::env_var(b"TZ")?;
    Some(core::str::from_utf8(tz).unwrap_or_default())
}

/// The zone that TZ (or its absence) names.
pub fn from_tz(tz: Option<&str>) -> Zone {
    let name = match tz {
        None => "/etc/localtime",
        Some(s) => match s.strip_prefix(':') {
            Some(name) => name,
            None => match parse_tz(s) {
                Some(rule) => return Zone::from_rule(rule),
                None => s,
            },
        },
    };
    from_file(name).unwrap_or_default()
}

/// The TZif file `name`: a path, or a name under a zoneinfo directory.
fn from_file(name: &str) -> Option<Zone> {
    if name.is_empty() {
        return None;
    }
    if name.starts_with('/') {
        return read(name.as_bytes());
    }
    // Each directory ends in `/`: join puts nothing between (no format!
    // for it, issue 17: size).
    ZONEINFO
        .iter()
        .find_map(|dir| read(&super::file::join(dir.as_bytes(), name.as_bytes())))
}

fn read(path: &[u8]) -> Option<Zone> {
    let fd = super::file::open_bytes(path, libc::O_RDONLY | libc::O_CLOEXEC, 0).ok()?;
    let bytes = super::file::read_up_to(&fd, MAX_TZIF).ok()?;
    parse_tzif(bytes)
}
