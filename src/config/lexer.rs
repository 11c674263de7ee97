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
            if let Some(pattern) = include_pattern(&pieces, &pos, self.sink) {
                if let Some(pattern) = pattern {
                    self.include(path, &pattern, &pos, depth);
                }
                continue;
            }
            self.items.extend(pieces.into_iter().map(|piece| Item {
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
            match std::fs::read(&file) {
                Ok(bytes) => self.read_text(&name, &file, &bytes, depth + 1),
                Err(e) => self
                    .sink
                    .error(pos, format!("cannot read included file {name}: {e}")),
            }
        }
    }
}

/// `include PATTERN` as a line of its own: None when the line is anything
/// else, Some(None) for an include without a pattern (already reported).
fn include_pattern(pieces: &[Piece], pos: &Pos, sink: &mut Sink) -> Option<Option<String>> {
    let [Piece::Stmt(words), rest @ ..] = pieces else {
        return None;
    };
    let first = words.first()?;
    if first.quoted || first.text != "include" {
        return None;
    }
    let pattern = words.get(1).map(|w| w.text.clone());
    if pattern.is_none() {
        sink.error(pos, "include needs a file pattern");
    } else if !rest.is_empty() || words.len() > 2 {
        sink.warn(
            pos,
            "include takes one pattern; the rest of the line is ignored",
        );
    }
    Some(pattern)
}
