//! How keepalived 2.2.7 reads what it watches, as pure functions of bytes:
//! the number in a `vrrp_track_file` (trackers/track_file.c,
//! process_track_file), whether a process matches a `vrrp_track_process`
//! (core/track_process.c, read_procs and check_params), and the comm and
//! state fields of `/proc/PID/stat` as it reads them. The shell reads the
//! bytes; these decide what they mean.

use crate::config::{ParamMatch, TrackProcess};

/// keepalived reads a track file into a 128-byte buffer: at most 127 bytes
/// count, the rest of a longer file is never seen.
pub const TRACK_FILE_READ: usize = 127;

/// The value of a track file whose contents are `bytes`, or None when
/// keepalived ignores the reading ("Invalid number ... - ignoring") and
/// keeps the value it had.
///
/// keepalived: `strtol(buf, NULL, 0)` on the first 127 bytes (up to a NUL):
/// leading white space, an optional sign, then hex after `0x`, octal after
/// `0`, else decimal, up to the first character that is not a digit of
/// that base. No digits at all (an empty file, "abc") reads as 0. A value
/// that overflows (ERANGE) or lies outside [INT32_MIN, INT32_MAX + 1] is
/// ignored.
pub fn file_value(bytes: &[u8]) -> Option<i64> {
    let s = bytes.get(..TRACK_FILE_READ).unwrap_or(bytes);
    let s = match s.iter().position(|&b| b == 0) {
        Some(nul) => s.get(..nul).unwrap_or_default(),
        None => s,
    };
    let mut i = s.iter().take_while(|b| is_c_space(**b)).count();
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let rest = s.get(i..).unwrap_or_default();
    let (radix, digits) = match rest {
        [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit() => (16, rest.get(2..)),
        [b'0', ..] => (8, Some(rest)),
        _ => (10, Some(rest)),
    };
    let mut magnitude: u64 = 0;
    for &b in digits.unwrap_or_default() {
        let Some(d) = char::from(b).to_digit(radix) else {
            break;
        };
        // Past i64 strtol overflows (ERANGE): ignored like any value out
        // of the range below.
        magnitude = magnitude
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(d))?;
    }
    let value = i64::try_from(magnitude).ok()?;
    let value = if neg { -value } else { value };
    let max = i64::from(i32::MAX) + 1;
    (i64::from(i32::MIN)..=max)
        .contains(&value)
        .then_some(value)
}

/// C's isspace in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Whether keepalived matches the process with `comm` (the name in
/// /proc/PID/stat, at most 15 bytes) and `cmdline` (/proc/PID/cmdline:
/// NUL-terminated words) to `tp`.
///
/// keepalived: without `full_command` the name is compared with comm, so a
/// name longer than 15 bytes never matches. Parameters or `param_match`
/// imply `full_command` (vrrp_parser.c); then the name is compared with
/// argv[0] as the process gave it (a path if it was started by one), and
/// the words after it with the parameters, as bytes with their NULs:
/// exact = the same words; partial = the first words are these (whole
/// words); initial = the same, but the last given word may be a prefix of
/// the process's word. `param_match` without parameters: no arguments.
pub fn process_matches(tp: &TrackProcess, comm: &[u8], cmdline: &[u8]) -> bool {
    let full = tp.full_command || !tp.params.is_empty() || tp.param_match != ParamMatch::Any;
    if !full {
        return comm == tp.process.as_bytes();
    }
    let argv0_len = cmdline.iter().position(|&b| b == 0);
    let argv0 = cmdline.get(..argv0_len.unwrap_or(cmdline.len()));
    if argv0 != Some(tp.process.as_bytes()) {
        return false;
    }
    if tp.param_match == ParamMatch::Any {
        return true;
    }
    // keepalived reads past argv[0]'s NUL; a cmdline without one (a
    // process that rewrote it) has no parameters it could match.
    let Some(rest) = argv0_len.and_then(|n| cmdline.get(n + 1..)) else {
        return false;
    };
    check_params(tp.param_match, &tp.params, rest)
}

/// keepalived's check_params: `rest` (the words after argv[0], each with
/// its NUL) against the configured words, each with its NUL.
fn check_params(mode: ParamMatch, params: &[String], rest: &[u8]) -> bool {
    let want_len: usize = params.iter().map(|w| w.len() + 1).sum();
    if mode == ParamMatch::Exact && params.is_empty() && rest.is_empty() {
        return true;
    }
    if rest.len() < want_len {
        return false;
    }
    // The first n bytes of the words, each with its NUL, against rest's.
    let starts_with = |n: usize| {
        let mut at = 0;
        for w in params {
            for b in w.bytes().chain([0]) {
                if at == n {
                    return true;
                }
                if rest.get(at) != Some(&b) {
                    return false;
                }
                at += 1;
            }
        }
        at == n
    };
    match mode {
        ParamMatch::Exact => rest.len() == want_len && starts_with(want_len),
        _ if params.is_empty() => true,
        ParamMatch::Partial => starts_with(want_len),
        // The last word's NUL is left out: it may go on.
        ParamMatch::Initial => want_len == 1 || starts_with(want_len - 1),
        ParamMatch::Any => true,
    }
}

/// The comm field of a /proc/PID/stat line and the state letter after it,
/// found as keepalived finds them (the first `(` from the third byte, the
/// first `)` after it, the state two bytes on); None for a line without
/// them.
pub fn stat_comm(stat: &[u8]) -> Option<(&[u8], u8)> {
    let open = 2 + stat.get(2..)?.iter().position(|&b| b == b'(')?;
    let after = stat.get(open + 1..)?;
    let close = after.iter().position(|&b| b == b')')?;
    let comm = after.get(..close)?;
    let state = after.get(close + 2).copied().unwrap_or(0);
    Some((comm, state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Loc;

    #[test]
    fn file_values_as_strtol_reads_them() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"", Some(0)),
            (b"abc", Some(0)),
            (b" 12\n", Some(12)),
            (b"\t\n 12 34", Some(12)),
            (b"-3", Some(-3)),
            (b"+7\n", Some(7)),
            (b"- 5", Some(0)),
            (b"12abc", Some(12)),
            (b"0x1f", Some(31)),
            (b"-0X10", Some(-16)),
            (b"0x", Some(0)),
            (b"0xg", Some(0)),
            (b"010", Some(8)),
            (b"08", Some(0)),
            (b"1\x002", Some(1)),
            (b"\x005", Some(0)),
            (b"2147483648", Some(2_147_483_648)),
            (b"2147483649", None),
            (b"-2147483648", Some(-2_147_483_648)),
            (b"-2147483649", None),
            (b"99999999999999999999999", None),
            (b"-99999999999999999999999", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                file_value(bytes),
                *want,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn only_the_first_127_bytes_count() {
        let mut long = vec![b' '; 126];
        long.push(b'5');
        assert_eq!(file_value(&long), Some(5));
        long.insert(0, b' ');
        assert_eq!(file_value(&long), Some(0));
    }

    fn tp(process: &str, params: &[&str], mode: ParamMatch, full: bool) -> TrackProcess {
        TrackProcess {
            params: params.iter().map(|s| s.to_string()).collect(),
            param_match: mode,
            full_command: full,
            ..TrackProcess::new("t".into(), Loc::default(), process.into())
        }
    }

    #[test]
    fn name_against_comm() {
        let t = tp("sleep", &[], ParamMatch::Any, false);
        assert!(process_matches(&t, b"sleep", b"/bin/sleep\x00100\x00"));
        assert!(!process_matches(&t, b"sleepy", b"sleep\x00"));
        assert!(!process_matches(&t, b"slee", b"sleep\x00"));
        // comm is 15 bytes: a longer name never matches.
        let long = tp("averyveryverylongname", &[], ParamMatch::Any, false);
        assert!(!process_matches(
            &long,
            b"averyveryverylo",
            b"averyveryverylongname\x00"
        ));
    }

    #[test]
    fn full_command_against_argv0() {
        let t = tp("/bin/sleep", &[], ParamMatch::Any, true);
        assert!(process_matches(&t, b"sleep", b"/bin/sleep\x00100\x00"));
        assert!(!process_matches(&t, b"sleep", b"sleep\x00100\x00"));
        assert!(!process_matches(&t, b"sleep", b"/bin/sleep2\x00"));
        assert!(process_matches(&t, b"sleep", b"/bin/sleep"));
    }

    #[test]
    fn exact_params() {
        let t = tp("sleep", &["100", "x"], ParamMatch::Exact, false);
        assert!(process_matches(&t, b"", b"sleep\x00100\x00x\x00"));
        assert!(!process_matches(&t, b"", b"sleep\x00100\x00x\x00y\x00"));
        assert!(!process_matches(&t, b"", b"sleep\x00100\x00"));
        assert!(!process_matches(&t, b"", b"sleep\x00100\x00xy\x00"));
        assert!(!process_matches(&t, b"", b"sleep\x00100x\x00"));
        // No NUL after argv[0]: nothing to compare.
        assert!(!process_matches(&t, b"", b"sleep"));
    }

    #[test]
    fn param_match_without_params_means_no_arguments() {
        let t = tp("sleep", &[], ParamMatch::Exact, false);
        assert!(process_matches(&t, b"", b"sleep\x00"));
        assert!(!process_matches(&t, b"", b"sleep\x00100\x00"));
        let t = tp("sleep", &[], ParamMatch::Partial, false);
        assert!(process_matches(&t, b"", b"sleep\x00100\x00"));
    }

    #[test]
    fn partial_params_are_whole_leading_words() {
        let t = tp("sleep", &["100"], ParamMatch::Partial, false);
        assert!(process_matches(&t, b"", b"sleep\x00100\x00"));
        assert!(process_matches(&t, b"", b"sleep\x00100\x00more\x00"));
        assert!(!process_matches(&t, b"", b"sleep\x001000\x00"));
        assert!(!process_matches(&t, b"", b"sleep\x00x\x00100\x00"));
    }

    #[test]
    fn initial_params_let_the_last_word_go_on() {
        let t = tp("sleep", &["10", "ab"], ParamMatch::Initial, false);
        assert!(process_matches(&t, b"", b"sleep\x0010\x00ab\x00"));
        assert!(process_matches(&t, b"", b"sleep\x0010\x00abc\x00more\x00"));
        assert!(!process_matches(&t, b"", b"sleep\x00100\x00ab\x00"));
        assert!(!process_matches(&t, b"", b"sleep\x0010\x00a\x00"));
        let one_empty = tp("sleep", &[""], ParamMatch::Initial, false);
        assert!(process_matches(&one_empty, b"", b"sleep\x00zzz\x00"));
    }

    #[test]
    fn stat_fields() {
        let line = b"1234 (sleep) S 1 2 3\n";
        assert_eq!(stat_comm(line), Some((&b"sleep"[..], b'S')));
        assert_eq!(stat_comm(b"77 (a b) Z 1"), Some((&b"a b"[..], b'Z')));
        // keepalived stops at the first `)`.
        assert_eq!(stat_comm(b"77 (a) b) R 1"), Some((&b"a"[..], b'b')));
        assert_eq!(stat_comm(b"77 sleep S"), None);
        assert_eq!(stat_comm(b"77 (sleep"), None);
    }
}
