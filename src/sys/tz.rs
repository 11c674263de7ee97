//! The local time zone, found where the C library looks for it: the TZ
//! environment variable (a POSIX TZ string, or `:FILE`/a TZif file name),
//! else /etc/localtime; UTC when none of it can be read. Read once, at the
//! first local time asked for (as musl caches it); no allocation after.

use core::sync::atomic::{AtomicPtr, Ordering};

use crate::time::{Zone, parse_tz, parse_tzif};

/// The zone once read, leaked: a pointer set once (std's OnceLock costs
/// some 700 bytes of MIPS code for what one compare-exchange does here).
static ZONE: AtomicPtr<Zone> = AtomicPtr::new(core::ptr::null_mut());

/// Where a relative TZif name is looked for, in order.
const ZONEINFO: [&str; 3] = ["/usr/share/zoneinfo/", "/share/zoneinfo/", "/etc/zoneinfo/"];

/// Larger than any real TZif file.
const MAX_TZIF: usize = 256 * 1024;

/// The local zone.
pub fn zone() -> &'static Zone {
    let p = ZONE.load(Ordering::Acquire);
    if !p.is_null() {
        // SAFETY: a non-null ZONE is a leaked Box, never freed or written.
        return unsafe { &*p };
    }
    let new = Box::into_raw(Box::new(from_tz(tz_env())));
    let null = core::ptr::null_mut();
    match ZONE.compare_exchange(null, new, Ordering::AcqRel, Ordering::Acquire) {
        // SAFETY: `new` is leaked from here on (as above).
        Ok(_) => unsafe { &*new },
        Err(first) => {
            // Another thread (tests) set it first: ours was never shared.
            // SAFETY: `new` came from Box::into_raw just above.
            drop(unsafe { Box::from_raw(new) });
            // SAFETY: `first` is a leaked Box, as above.
            unsafe { &*first }
        }
    }
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
        return read(name);
    }
    ZONEINFO
        .iter()
        .find_map(|dir| read(&format!("{dir}{name}")))
}

fn read(path: &str) -> Option<Zone> {
    let fd = super::file::open(path, libc::O_RDONLY | libc::O_CLOEXEC, 0).ok()?;
    let bytes = super::file::read_up_to(&fd, MAX_TZIF).ok()?;
    parse_tzif(bytes)
}
