//! A system file read line by line through a fixed buffer (/etc/hosts,
//! /etc/resolv.conf), with open(2) and read(2): no stdio, no allocation.

use core::ffi::CStr;
use std::os::fd::{FromRawFd, OwnedFd};

/// The longest line looked at; a longer one is skipped whole (musl's
/// resolver reads /etc/hosts through a 512-byte line buffer).
const LINE_MAX: usize = 1024;

/// Calls `f` with each line of the file at `path` (without its newline;
/// a line that is not UTF-8 is skipped) until `f` answers: that answer.
/// None when the file cannot be read or no line answered.
pub fn find_line<T>(path: &CStr, mut f: impl FnMut(&str) -> Option<T>) -> Option<T> {
    let mut f = |line: &[u8]| f(core::str::from_utf8(line).ok()?);
    let flags = libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY;
    // SAFETY: `path` is NUL-terminated for the call.
    let fd = unsafe { libc::open(path.as_ptr(), flags) };
    if fd < 0 {
        return None;
    }
    // SAFETY: a fresh descriptor nothing else owns; closed on drop.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut buf = [0u8; LINE_MAX];
    let mut len = 0;
    // In the middle of a line longer than the buffer.
    let mut skipping = false;
    loop {
        let n = super::read_once(&fd, buf.get_mut(len..)?)?;
        len += n;
        let mut start = 0;
        while let Some(nl) = buf[start..len].iter().position(|&b| b == b'\n') {
            if !skipping {
                if let Some(t) = f(&buf[start..start + nl]) {
                    return Some(t);
                }
            }
            skipping = false;
            start += nl + 1;
        }
        if n == 0 {
            // The last line, without a newline.
            return (!skipping && start < len).then(|| f(&buf[start..len]))?;
        }
        buf.copy_within(start..len, 0);
        len -= start;
        if len == buf.len() {
            skipping = true;
            len = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(text: &[u8]) -> Vec<String> {
        let path = std::env::temp_dir().join(format!("tinyvrrpd-lines-{}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        let mut seen = Vec::new();
        let none: Option<()> = find_line(&c, |l| {
            seen.push(l.to_string());
            None
        });
        assert_eq!(none, None);
        std::fs::remove_file(&path).unwrap();
        seen
    }

    #[test]
    fn every_line_once_and_long_ones_skipped() {
        assert_eq!(lines_of(b"a\nbb\n\nc"), ["a", "bb", "", "c"]);
        assert_eq!(lines_of(b"a\n"), ["a"]);
        assert_eq!(lines_of(b"a\n\xff\nb"), ["a", "b"]);
        assert!(lines_of(b"").is_empty());
        // Lines around the buffer's size, and over it.
        let fits = "x".repeat(LINE_MAX - 1);
        let long = "y".repeat(3 * LINE_MAX);
        let mut text = ["1", &fits, &long, "2", &long].join("\n");
        assert_eq!(lines_of(text.as_bytes()), ["1", &fits, "2"]);
        text += "\n3\n";
        assert_eq!(lines_of(text.as_bytes()), ["1", &fits, "2", "3"]);
        // Many short lines: each across the buffer's refills.
        let many: Vec<u8> = (0..1000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let seen = lines_of(&many);
        assert_eq!(seen.len(), 1000);
        assert_eq!(seen[999], "line 999");
    }

    #[test]
    fn the_first_answer_and_a_missing_file() {
        assert_eq!(
            find_line(c"/proc/self/status", |l| l.starts_with("Pid:").then_some(1)),
            Some(1)
        );
        assert_eq!(find_line(c"/nonexistent/file", |_| Some(1)), None);
    }
}
