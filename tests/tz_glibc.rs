//! Our local time (time.rs, sys/tz.rs) against the host C library's
//! localtime_r, for many POSIX TZ strings and the host's TZif files, at
//! times around their transitions. One #[test]: TZ is process-wide.

use tinyvrrpd::sys::tz::from_tz;
use tinyvrrpd::wire::smtp::LocalTime;

/// The C library's answer for `t` with TZ=`tz` (None: unset).
fn libc_local(tz: Option<&str>, t: i64) -> LocalTime {
    // SAFETY: this test binary runs one test; nothing else reads the
    // environment meanwhile.
    let tm = unsafe {
        match tz {
            Some(tz) => std::env::set_var("TZ", tz),
            None => std::env::remove_var("TZ"),
        }
        unsafe extern "C" {
            fn tzset();
        }
        tzset();
        let mut tm: libc::tm = std::mem::zeroed();
        let tt = t as libc::time_t;
        assert!(!libc::localtime_r(&tt, &mut tm).is_null());
        tm
    };
    let small = |v: libc::c_int| u8::try_from(v).unwrap();
    LocalTime {
        wday: small(tm.tm_wday),
        mday: small(tm.tm_mday),
        mon: small(tm.tm_mon),
        year: tm.tm_year + 1900,
        hour: small(tm.tm_hour),
        min: small(tm.tm_min),
        sec: small(tm.tm_sec),
        gmtoff_s: i32::try_from(tm.tm_gmtoff).unwrap(),
    }
}

/// Times to try: a spread over 1900..2100, plus the seconds around every
/// change of offset our zone has in that span (found by bisection).
fn times(zone: &tinyvrrpd::time::Zone, lo: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let hi = 4_102_444_800i64;
    let step = 86_400 * 7 + 3_607;
    let mut t = lo;
    while t < hi {
        out.push(t);
        let next = t + step;
        if zone.offset_at(t) != zone.offset_at(next) {
            let (mut a, mut b) = (t, next);
            while b - a > 1 {
                let m = a + (b - a) / 2;
                if zone.offset_at(m) == zone.offset_at(a) {
                    a = m;
                } else {
                    b = m;
                }
            }
            out.extend([a - 3600, a - 1, a, b, b + 1, b + 3600]);
        }
        t = next;
    }
    out
}

/// From `lo` (UTC seconds) to 2100.
fn check(tz: Option<&str>, lo: i64) -> usize {
    let zone = from_tz(tz);
    let ts = times(&zone, lo);
    for &t in &ts {
        let ours = zone.local(t);
        let theirs = libc_local(tz, t);
        assert_eq!(ours, theirs, "TZ={tz:?} t={t}");
    }
    ts.len()
}

const POSIX: &[&str] = &[
    "UTC0",
    "GMT0",
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "EST5EDT,M3.2.0,M11.1.0",
    "PST8PDT,M3.2.0/2:00:00,M11.1.0/2:00:00",
    "<+0530>-5:30",
    "<-03>3",
    "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
    "AEST-10AEDT,M10.1.0,M4.1.0/3",
    "NZST-12NZDT,M9.5.0,M4.1.0/3",
    "IST-1GMT0,M10.5.0,M3.5.0/1",
    "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
    "XXX3YYY,J60/4,J300",
    "XXX-3YYY-5,59/1:30,300/23:59:59",
    "ABC+11:30DEF+10,M2.4.6/12,M11.5.1/-12",
    "<-0330>3:30<-0230>,M3.2.0/-3,M11.1.0/1",
    "WET0WEST,M3.5.0/1,M10.5.0",
    "Q-14R-13,M1.1.0,M12.5.6",
];

const FILES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Europe/Dublin",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "Africa/Casablanca",
    "America/St_Johns",
    "Asia/Tehran",
    "UTC",
];

#[test]
fn our_local_time_is_the_c_librarys() {
    let mut n = 0;
    // glibc applies a TZ string's rules from 1970 on only (musl and we
    // for every year), and a DST zone without dates takes its rules from
    // the posixrules file (musl and we: today's US rules, so from 2007).
    for tz in POSIX {
        n += check(Some(tz), 86_400);
    }
    n += check(Some("EST5EDT"), 1_170_000_000);
    let host = std::path::Path::new("/usr/share/zoneinfo/Europe/Berlin").exists();
    if host {
        for f in FILES {
            if std::path::Path::new("/usr/share/zoneinfo").join(f).exists() {
                n += check(Some(f), LONG_AGO);
                n += check(Some(&format!(":{f}")), LONG_AGO);
            }
        }
        n += check(None, LONG_AGO);
    } else {
        eprintln!("no /usr/share/zoneinfo: TZif files not compared");
    }
    assert!(n > 1000);
}

/// 1900-01-01 00:00:00 UTC.
const LONG_AGO: i64 = -2_208_988_800;
