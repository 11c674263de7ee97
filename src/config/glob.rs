//! The subset of glob(7) that `include` needs: `*`, `?` and `[...]` (with
//! `!`/`^` negation and ranges) in any path component, `\` escaping.
//! Like glob(3), wildcards do not match a leading dot, matches are sorted,
//! and unreadable directories are skipped rather than fatal.

use crate::sys::file;

/// The files `pattern` names, relative to `base` unless absolute.
// The list starts with a push, not vec![] (below).
#[allow(clippy::vec_init_then_push)]
pub fn expand(base: &[u8], pattern: &str) -> Vec<Vec<u8>> {
    let (root, mut rest) = match pattern.strip_prefix('/') {
        Some(rest) => (&b"/"[..], rest),
        None => (base, pattern),
    };
    // The components, with the next one looked at by hand (no adapters).
    let mut following = next_comp(&mut rest);
    // Pushed, not vec![]: no one-element boxed array made and turned
    // into a Vec; step_into pushes paths the same way (size: issue 17).
    let mut found = Vec::new();
    found.push(root.to_vec());
    while let Some(comp) = following {
        following = next_comp(&mut rest);
        // Directories to go on into; after the last component, files: a
        // directory is no configuration file (glob(3) would return it and
        // keepalived would fail to read it; skipping it is the same
        // outcome without a confusing error).
        let dirs = following.is_some();
        let mut next = Vec::new();
        for dir in &found {
            step_into(dir, comp, dirs, &mut next);
        }
        found = next;
    }
    // Sorted already: each directory's matches are sorted (step_into) and
    // expanded in order, which is how paths compare, component by
    // component (a sort here cost 1.4 KB on mipsel for nothing).
    found
}

/// The next path component of `rest` that names something (`a//b` and
/// `./` do not), taken off it. Through split_once: code shared with
/// others (a str::Split walker of its own cost more).
fn next_comp<'a>(rest: &mut &'a str) -> Option<&'a str> {
    loop {
        let (comp, tail) = rest.split_once('/').unwrap_or((rest, ""));
        *rest = tail;
        // A slice pattern, not a call to compare with "." (size: issue 17).
        if !matches!(comp.as_bytes(), [] | [b'.']) {
            return Some(comp);
        }
        if tail.is_empty() {
            return None;
        }
    }
}

/// Appends to `out` the paths `comp` names in `dir` that are directories
/// (`dirs`) or files that are not.
fn step_into(dir: &[u8], comp: &str, dirs: bool, out: &mut Vec<Vec<u8>>) {
    let fits = |p: &[u8]| {
        file::stat_bytes(p, true).is_ok_and(|st| file::is_type(&st, libc::S_IFDIR) == dirs)
    };
    // Bytes: the wildcards are ASCII (a char-set search cost more code).
    if !comp
        .bytes()
        .any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
    {
        let path = file::join(dir, comp.as_bytes());
        if fits(&path) {
            out.push(path);
        }
        return;
    }
    let listed = if dir.is_empty() { &b"."[..] } else { dir };
    // Kept in order as they come (a directory's names are unique): the
    // paths share `dir`, so they sort as the names do.
    let start = out.len();
    file::list_dir(listed, |name| {
        // Names that are not UTF-8 are left out.
        if std::str::from_utf8(name).is_ok_and(|name| matches(comp, name)) {
            let path = file::join(dir, name);
            if fits(&path) {
                out.push(path);
                // One step of an insertion sort: swaps are less code than
                // a search by halves and an insert. The pair compared and
                // swapped as one slice: one bounds check for both (size:
                // issue 17).
                let mut i = out.len() - 1;
                while i > start {
                    match out.get_mut(i - 1..=i) {
                        Some([a, b]) if *a > *b => core::mem::swap(a, b),
                        _ => break,
                    }
                    i -= 1;
                }
            }
        }
    });
}

/// Whether `name` (one path component) matches `pattern`. Both are walked
/// in place by byte index, a character at a time: no lists of chars to
/// build (size: issue 17).
pub fn matches(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    match_chars(pattern, name)
}

/// The character at byte `i` of `s` and the index after it, if any: the
/// one place a character is decoded and measured.
fn at(s: &str, i: usize) -> Option<(char, usize)> {
    // The decoder's own position after it: no len_utf8 branches.
    let mut chars = s.get(i..)?.char_indices();
    let (_, c) = chars.next()?;
    Some((c, i + chars.offset()))
}

/// Whether byte `i` of `s` is the ASCII `b`: an ASCII byte is a whole
/// character, so this needs no decoding.
fn is(s: &str, i: usize, b: u8) -> bool {
    s.as_bytes().get(i) == Some(&b)
}

/// Greedy matching that backtracks only to the most recent `*`: enough for
/// glob patterns and linear in practice, with no recursion on file data.
/// Indices are byte offsets on character boundaries.
fn match_chars(p: &str, n: &str) -> bool {
    let (mut pi, mut ni) = (0usize, 0usize);
    // Where to resume after the last `*`: pattern index, name index.
    let mut star: Option<(usize, usize)> = None;
    while let Some((c, after)) = at(n, ni) {
        if is(p, pi, b'*') {
            pi += 1;
            star = Some((pi, ni));
        } else if let Some(next) = step(p, pi, c) {
            pi = next;
            ni = after;
        } else if let Some((sp, sn)) = star {
            let sn = at(n, sn).map_or(sn + 1, |(_, next)| next);
            pi = sp;
            ni = sn;
            star = Some((sp, sn));
        } else {
            return false;
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.bytes().all(|b| b == b'*'))
}

/// Matches one pattern element at `pi` against `c`; the index after it.
fn step(p: &str, pi: usize, c: char) -> Option<usize> {
    let (l, after) = at(p, pi)?;
    match l {
        '*' => None,
        '?' => Some(after),
        '[' => match class(p, after, c) {
            Some((hit, end)) => hit.then_some(end),
            // An unterminated class is a literal `[`, as in glob(3).
            None => (c == '[').then_some(after),
        },
        '\\' => match at(p, after) {
            Some((e, end)) => (e == c).then_some(end),
            None => (c == '\\').then_some(after),
        },
        l => (l == c).then_some(after),
    }
}

/// A `[...]` class starting after the `[`: whether `c` is in it and the
/// index after the `]`; None when there is no closing `]`.
fn class(p: &str, start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start;
    let negate = is(p, i, b'!') || is(p, i, b'^');
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let (lo, after) = at(p, i)?;
        // A `]` right after the opening is a member, not the end.
        if lo == ']' && !first {
            return Some((hit != negate, after));
        }
        first = false;
        match at(p, after + 1) {
            Some((hi, end)) if is(p, after, b'-') && hi != ']' => {
                hit |= lo <= c && c <= hi;
                i = end;
            }
            _ => {
                hit |= lo == c;
                i = after;
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
    fn components() {
        fn comps(mut rest: &str) -> Vec<&str> {
            let mut out = Vec::new();
            while let Some(c) = super::next_comp(&mut rest) {
                out.push(c);
            }
            out
        }
        assert_eq!(comps("a//b/./c/"), ["a", "b", "c"]);
        assert_eq!(comps("./x"), ["x"]);
        assert_eq!(comps("x"), ["x"]);
        assert!(comps("").is_empty());
        assert!(comps("/./").is_empty());
        assert_eq!(comps(".hidden/.."), [".hidden", ".."]);
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

    /// `?` and classes take a whole character, however many bytes it has.
    #[test]
    fn characters_not_bytes() {
        assert!(matches("?.conf", "\u{e9}.conf"));
        assert!(!matches("??.conf", "\u{e9}.conf"));
        assert!(matches("[\u{e0}-\u{fc}]x", "\u{e9}x"));
        assert!(!matches("[!\u{e9}]x", "\u{e9}x"));
        assert!(matches("*\u{e9}*", "caf\u{e9}s"));
        assert!(matches("\\\u{e9}", "\u{e9}"));
    }
}
