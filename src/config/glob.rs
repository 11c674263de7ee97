//! The subset of glob(7) that `include` needs: `*`, `?` and `[...]` (with
//! `!`/`^` negation and ranges) in any path component, `\` escaping.
//! Like glob(3), wildcards do not match a leading dot, matches are sorted,
//! and unreadable directories are skipped rather than fatal.

use crate::sys::file;

/// The files `pattern` names, relative to `base` unless absolute.
pub fn expand(base: &[u8], pattern: &str) -> Vec<Vec<u8>> {
    let (root, rest) = match pattern.strip_prefix('/') {
        Some(rest) => (&b"/"[..], rest),
        None => (base, pattern),
    };
    let mut comps = rest
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .peekable();
    let mut found = vec![root.to_vec()];
    while let Some(comp) = comps.next() {
        let mut next = Vec::new();
        for dir in &found {
            step_into(dir, comp, &mut next);
        }
        found = next;
        // Directories to go on into; after the last component, files: a
        // directory is no configuration file (glob(3) would return it and
        // keepalived would fail to read it; skipping it is the same
        // outcome without a confusing error).
        let dirs = comps.peek().is_some();
        found.retain(|p| {
            file::stat_bytes(p, true).is_ok_and(|st| file::is_type(&st, libc::S_IFDIR) == dirs)
        });
    }
    // Sorted already: each directory's matches are sorted (step_into) and
    // expanded in order, which is how paths compare, component by
    // component (a sort here cost 1.4 KB on mipsel for nothing).
    found
}

/// Appends to `out` what `comp` names in `dir`.
fn step_into(dir: &[u8], comp: &str, out: &mut Vec<Vec<u8>>) {
    // Bytes: the wildcards are ASCII (a char-set search cost more code).
    if !comp
        .bytes()
        .any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
    {
        out.push(file::join(dir, comp.as_bytes()));
        return;
    }
    let listed = if dir.is_empty() { &b"."[..] } else { dir };
    // Kept in order as they come (a directory's names are unique): an
    // insertion by halves costs less code than a sort of Strings.
    let mut names: Vec<String> = Vec::new();
    file::list_dir(listed, |name| {
        // Names that are not UTF-8 are left out.
        if let Ok(name) = std::str::from_utf8(name) {
            if matches(comp, name) {
                let at = names.partition_point(|n| n.as_str() < name);
                names.insert(at, name.to_string());
            }
        }
    });
    for n in names {
        out.push(file::join(dir, n.as_bytes()));
    }
}

/// Whether `name` (one path component) matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    if n.first() == Some(&'.') && p.first() != Some(&'.') {
        return false;
    }
    match_chars(&p, &n)
}

/// Greedy matching that backtracks only to the most recent `*`: enough for
/// glob patterns and linear in practice, with no recursion on file data.
fn match_chars(p: &[char], n: &[char]) -> bool {
    let (mut pi, mut ni) = (0usize, 0usize);
    // Where to resume after the last `*`: pattern index, name index.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = n.get(ni) {
        if p.get(pi) == Some(&'*') {
            pi += 1;
            star = Some((pi, ni));
        } else if let Some(next) = step(p, pi, c) {
            pi = next;
            ni += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// Matches one pattern element at `pi` against `c`; the index after it.
fn step(p: &[char], pi: usize, c: char) -> Option<usize> {
    match *p.get(pi)? {
        '*' => None,
        '?' => Some(pi + 1),
        '[' => match class(p, pi + 1, c) {
            Some((hit, end)) => hit.then_some(end),
            // An unterminated class is a literal `[`, as in glob(3).
            None => (c == '[').then_some(pi + 1),
        },
        '\\' => match p.get(pi + 1) {
            Some(&e) => (e == c).then_some(pi + 2),
            None => (c == '\\').then_some(pi + 1),
        },
        l => (l == c).then_some(pi + 1),
    }
}

/// A `[...]` class starting after the `[`: whether `c` is in it and the
/// index after the `]`; None when there is no closing `]`.
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let lo = *p.get(i)?;
        // A `]` right after the opening is a member, not the end.
        if lo == ']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        match (p.get(i + 1), p.get(i + 2)) {
            (Some('-'), Some(&hi)) if hi != ']' => {
                hit |= lo <= c && c <= hi;
                i += 3;
            }
            _ => {
                hit |= lo == c;
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{expand, matches};
    use std::os::unix::ffi::OsStrExt;

    /// Matches come out sorted as paths compare (component by component)
    /// across directory levels, with no sort of the whole list.
    #[test]
    fn expansion_is_sorted() {
        let dir = std::env::temp_dir().join(format!("tinyvrrpd-glob-{}", std::process::id()));
        let files = [
            "b/2.conf",
            "b/1.conf",
            "a-b/1.conf",
            "a/9.conf",
            "a/10.conf",
        ];
        for f in files {
            let path = dir.join(f);
            std::fs::create_dir_all(path.parent().unwrap_or(&dir)).unwrap();
            std::fs::write(&path, "").unwrap();
        }
        let found = expand(dir.as_os_str().as_bytes(), "*/*.conf");
        std::fs::remove_dir_all(&dir).unwrap();
        let mut want: Vec<_> = files.iter().map(|f| dir.join(f)).collect();
        want.sort();
        let want: Vec<_> = want.iter().map(|p| p.as_os_str().as_bytes()).collect();
        assert_eq!(found, want);
    }

    #[test]
    fn wildcards() {
        assert!(matches("*.conf", "a.conf"));
        assert!(!matches("*.conf", ".conf"));
        assert!(!matches("*.conf", ".hidden.conf"));
        assert!(matches(".*.conf", ".hidden.conf"));
        assert!(matches("a*b*c", "aXXbYYbc"));
        assert!(!matches("a*b*c", "aXXbYYbd"));
        assert!(matches("?.conf", "1.conf"));
        assert!(!matches("?.conf", "12.conf"));
        assert!(matches("*", "anything"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exactly"));
    }

    #[test]
    fn classes() {
        assert!(matches("[0-9]*.conf", "10-vrrp.conf"));
        assert!(!matches("[0-9]*.conf", "a-vrrp.conf"));
        assert!(matches("[!a]x", "bx"));
        assert!(!matches("[!a]x", "ax"));
        assert!(matches("[^a]x", "bx"));
        assert!(matches("[]]", "]"));
        assert!(matches("[a-]", "-"));
        assert!(matches("x[", "x["));
        assert!(matches("\\*", "*"));
        assert!(!matches("\\*", "a"));
    }
}
