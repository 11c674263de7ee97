//! Lines to tokens, and files (with their includes) to one stream of
//! statements and braces, each with its file and line.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::diag::{Pos, Sink};
use super::glob;
use crate::limits::MAX_INCLUDE_DEPTH;

/// One blank-separated word. `quoted` records that quotes were used, so a
/// quoted `"{"` stays a word and a quoted `include` is not a directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub quoted: bool,
}

/// What one line breaks into: braces are pieces of their own even when
/// glued to words, so `vrrp_instance VI_1{` and `a { b }` need no spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Stmt(Vec<Word>),
    Open,
    Close,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub piece: Piece,
    pub pos: Pos,
}

/// Statements whose arguments are shell command lines, where keepalived
/// also takes single quotes as quoting.
const SCRIPT_KEYWORDS: &[&str] = &[
    "notify",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify_master_rx_lower_pri",
    "script",
];

#[derive(Debug, PartialEq, Eq)]
pub struct LexError;

/// Splits one line. On an unterminated quote the rest of the line becomes
/// the last word, so parsing goes on and reports what else is wrong.
pub fn lex_line(line: &str) -> (Vec<Piece>, Result<(), LexError>) {
    let mut lx = LineLexer::default();
    let mut chars = line.chars();
    let mut result = Ok(());
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\u{b}' | '\u{c}' => lx.end_word(),
            '#' | '!' => break,
            '{' => lx.brace(Piece::Open),
            '}' => lx.brace(Piece::Close),
            '"' => result = lx.quoted(&mut chars, '"'),
            '\'' if lx.single_quotes_allowed() => result = lx.quoted(&mut chars, '\''),
            _ => {
                lx.word.push(c);
                lx.in_word = true;
            }
        }
        if result.is_err() {
            break;
        }
    }
    lx.end_word();
    lx.end_stmt();
    (lx.pieces, result)
}

#[derive(Default)]
struct LineLexer {
    pieces: Vec<Piece>,
    stmt: Vec<Word>,
    word: String,
    in_word: bool,
    quoted: bool,
}

impl LineLexer {
    fn end_word(&mut self) {
        if self.in_word {
            self.stmt.push(Word {
                text: core::mem::take(&mut self.word),
                quoted: self.quoted,
            });
        }
        self.in_word = false;
        self.quoted = false;
    }

    fn end_stmt(&mut self) {
        if !self.stmt.is_empty() {
            self.pieces
                .push(Piece::Stmt(core::mem::take(&mut self.stmt)));
        }
    }

    fn brace(&mut self, piece: Piece) {
        self.end_word();
        self.end_stmt();
        self.pieces.push(piece);
    }

    /// Only after the keyword itself, and only for script keywords: elsewhere
    /// an apostrophe is an ordinary character (e.g. in an e-mail name).
    fn single_quotes_allowed(&self) -> bool {
        !self.in_word
            && self
                .stmt
                .first()
                .is_some_and(|w| SCRIPT_KEYWORDS.contains(&w.text.as_str()))
    }

    fn quoted(&mut self, chars: &mut core::str::Chars<'_>, close: char) -> Result<(), LexError> {
        self.in_word = true;
        self.quoted = true;
        for c in chars.by_ref() {
            if c == close {
                return Ok(());
            }
            self.word.push(c);
        }
        Err(LexError)
    }
}

/// Reads the main file and its includes into one stream. A main file that
/// cannot be read is reported at line 0.
pub fn read_config(path: &Path, sink: &mut Sink) -> Vec<Item> {
    let mut reader = Reader {
        sink,
        items: Vec::new(),
        next_seq: 1,
        reading: vec![canonical(path)],
    };
    let name: Rc<str> = Rc::from(path.display().to_string());
    match std::fs::read(path) {
        Ok(bytes) => reader.read_text(&name, path, &bytes, 0),
        Err(e) => {
            let pos = Pos {
                file: name,
                line: 0,
                seq: 0,
            };
            reader.sink.error(&pos, format!("cannot read file: {e}"));
        }
    }
    reader.items
}

struct Reader<'a> {
    sink: &'a mut Sink,
    items: Vec<Item>,
    next_seq: u32,
    /// The chain of files being read, to refuse an include cycle at once:
    /// with globs, cycles fan out and the depth limit alone would allow
    /// exponentially many reads before stopping them.
    reading: Vec<PathBuf>,
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl Reader<'_> {
    fn read_text(&mut self, name: &Rc<str>, path: &Path, bytes: &[u8], depth: usize) {
        // Non-UTF-8 bytes are only ever in comments in practice; a lossy
        // decode keeps line numbers and lets a bad byte in a value show up
        // as an invalid value rather than an unreadable file.
        let text = String::from_utf8_lossy(bytes);
        for (idx, line) in text.split('\n').enumerate() {
            let pos = Pos {
                file: name.clone(),
                line: u32::try_from(idx + 1).unwrap_or(u32::MAX),
                seq: self.next_seq,
            };
            self.next_seq = self.next_seq.saturating_add(1);
            let (pieces, result) = lex_line(line);
            if result.is_err() {
                self.sink.error(&pos, "unterminated quoted string");
            }
            let mut pieces = pieces.into_iter().peekable();
            if let Some(pattern) = pieces
                .peek()
                .and_then(|first| include_pattern(first, &pos, self.sink))
            {
                pieces.next();
                if let Some(pattern) = pattern {
                    self.include(path, &pattern, &pos, depth);
                }
            }
            self.items.extend(pieces.map(|piece| Item {
                piece,
                pos: pos.clone(),
            }));
        }
    }

    fn include(&mut self, including: &Path, pattern: &str, pos: &Pos, depth: usize) {
        if depth >= MAX_INCLUDE_DEPTH {
            self.sink.error(
                pos,
                format!(
                    "include nested too deeply: limit MAX_INCLUDE_DEPTH is {MAX_INCLUDE_DEPTH}"
                ),
            );
            return;
        }
        let base = including.parent().unwrap_or(Path::new(""));
        let matches: Vec<PathBuf> = glob::expand(base, pattern);
        if matches.is_empty() {
            self.sink
                .warn(pos, format!("include '{pattern}' matches no file"));
        }
        for file in matches {
            let name: Rc<str> = Rc::from(file.display().to_string());
            let key = canonical(&file);
            if self.reading.contains(&key) {
                self.sink
                    .error(pos, format!("include cycle: {name} is already being read"));
                continue;
            }
            match std::fs::read(&file) {
                Ok(bytes) => {
                    self.reading.push(key);
                    self.read_text(&name, &file, &bytes, depth + 1);
                    self.reading.pop();
                }
                Err(e) => self
                    .sink
                    .error(pos, format!("cannot read included file {name}: {e}")),
            }
        }
    }
}

/// `include PATTERN` at the start of a line: None when the line is
/// anything else, Some(None) for an include without a pattern (already
/// reported). Braces glued after it stay with the caller, so
/// `include x.conf }` still closes its block.
fn include_pattern(piece: &Piece, pos: &Pos, sink: &mut Sink) -> Option<Option<String>> {
    let Piece::Stmt(words) = piece else {
        return None;
    };
    let first = words.first()?;
    if first.quoted || first.text != "include" {
        return None;
    }
    let pattern = words.get(1).map(|w| w.text.clone());
    if pattern.is_none() {
        sink.error(pos, "include needs a file pattern");
    } else if let Some(extra) = words.get(2) {
        sink.warn(
            pos,
            format!("include: extra argument '{}' ignored", extra.text),
        );
    }
    Some(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Word {
        Word {
            text: text.to_string(),
            quoted: false,
        }
    }

    fn q(text: &str) -> Word {
        Word {
            text: text.to_string(),
            quoted: true,
        }
    }

    fn ok(line: &str) -> Vec<Piece> {
        let (pieces, result) = lex_line(line);
        assert_eq!(result, Ok(()), "{line:?}");
        pieces
    }

    #[test]
    fn blanks_and_tabs() {
        assert_eq!(
            ok("\t priority\t\t200  "),
            vec![Piece::Stmt(vec![w("priority"), w("200")])]
        );
        assert_eq!(ok(""), vec![]);
        assert_eq!(ok(" \t "), vec![]);
    }

    #[test]
    fn crlf_line_endings() {
        assert_eq!(
            ok("interface eth0\r"),
            vec![Piece::Stmt(vec![w("interface"), w("eth0")])]
        );
        assert_eq!(ok("}\r"), vec![Piece::Close]);
    }

    #[test]
    fn comments_hash_and_bang() {
        assert_eq!(ok("# whole line"), vec![]);
        assert_eq!(ok("! Configuration File for keepalived"), vec![]);
        assert_eq!(
            ok("priority 100 # trailing"),
            vec![Piece::Stmt(vec![w("priority"), w("100")])]
        );
        assert_eq!(
            ok("priority 100! glued"),
            vec![Piece::Stmt(vec![w("priority"), w("100")])]
        );
        assert_eq!(
            ok("virtual_ipaddress { # comment }"),
            vec![Piece::Stmt(vec![w("virtual_ipaddress")]), Piece::Open]
        );
    }

    #[test]
    fn comment_characters_inside_quotes() {
        assert_eq!(
            ok(r#"notify_master "/bin/x --tag #1 !urgent" # real comment"#),
            vec![Piece::Stmt(vec![
                w("notify_master"),
                q("/bin/x --tag #1 !urgent")
            ])]
        );
    }

    #[test]
    fn glued_braces() {
        assert_eq!(
            ok("vrrp_instance VI_1{"),
            vec![
                Piece::Stmt(vec![w("vrrp_instance"), w("VI_1")]),
                Piece::Open
            ]
        );
        assert_eq!(
            ok("virtual_ipaddress { 192.0.2.1 }"),
            vec![
                Piece::Stmt(vec![w("virtual_ipaddress")]),
                Piece::Open,
                Piece::Stmt(vec![w("192.0.2.1")]),
                Piece::Close
            ]
        );
        assert_eq!(
            ok("auth_pass 1066}}"),
            vec![
                Piece::Stmt(vec![w("auth_pass"), w("1066")]),
                Piece::Close,
                Piece::Close
            ]
        );
        assert_eq!(ok("{"), vec![Piece::Open]);
        assert_eq!(ok("}{"), vec![Piece::Close, Piece::Open]);
    }

    #[test]
    fn quoted_braces_are_words() {
        assert_eq!(
            ok(r#"script "echo {}""#),
            vec![Piece::Stmt(vec![w("script"), q("echo {}")])]
        );
    }

    #[test]
    fn quotes_join_adjacent_text() {
        assert_eq!(
            ok(r#"router_id "my router"x"#),
            vec![Piece::Stmt(vec![w("router_id"), q("my routerx")])]
        );
        assert_eq!(
            ok(r#"router_id """#),
            vec![Piece::Stmt(vec![w("router_id"), q("")])]
        );
    }

    #[test]
    fn single_quotes_only_on_script_lines() {
        assert_eq!(
            ok("notify '/bin/echo a b'"),
            vec![Piece::Stmt(vec![w("notify"), q("/bin/echo a b")])]
        );
        assert_eq!(
            ok("script 'pidof haproxy'"),
            vec![Piece::Stmt(vec![w("script"), q("pidof haproxy")])]
        );
        assert_eq!(
            ok("notification_email_from o'brien@example.com"),
            vec![Piece::Stmt(vec![
                w("notification_email_from"),
                w("o'brien@example.com")
            ])]
        );
        // Double quotes keep single quotes inside them literal.
        assert_eq!(
            ok(r#"notify "/bin/sh -c 'echo hi'""#),
            vec![Piece::Stmt(vec![w("notify"), q("/bin/sh -c 'echo hi'")])]
        );
    }

    #[test]
    fn unterminated_quote() {
        let (pieces, result) = lex_line(r#"notify_master "/bin/x arg"#);
        assert_eq!(result, Err(LexError));
        assert_eq!(
            pieces,
            vec![Piece::Stmt(vec![w("notify_master"), q("/bin/x arg")])]
        );
        let (_, result) = lex_line("script 'never closed");
        assert_eq!(result, Err(LexError));
    }

    #[test]
    fn keywords_are_case_sensitive_words() {
        assert_eq!(
            ok("Priority 1"),
            vec![Piece::Stmt(vec![w("Priority"), w("1")])]
        );
    }
}
