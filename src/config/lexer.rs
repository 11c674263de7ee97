//! Lines to tokens, and files (with their includes) to one stream of
//! statements and braces, each with its file and line.
//!
//! Files are read in bounded pieces, line by line: comments are never held,
//! and what is held (words) is capped, as is what is read (bytes), so no
//! file, however large, can make a load take the router's memory. Anything
//! that is not a regular file is refused without blocking on it.

use super::names::Map;
use core::fmt::Write as _;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::rc::Rc;

use super::diag::{Pos, Severity, Sink};
use super::glob;
use super::params::{self, Params};
use crate::limits::{
    MAX_CONFIG_BYTES, MAX_CONFIG_LINE, MAX_CONFIG_WORD_BYTES, MAX_CONFIG_WORDS, MAX_INCLUDE_DEPTH,
};
use crate::sys::file::{self, OsError};

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
    /// Boxed at its exact size, as the tree keeps it.
    Stmt(Box<[Word]>),
    Open,
    Close,
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
    "startup_script",
    "shutdown_script",
    "notify_fifo_script",
    "vrrp_notify_fifo_script",
];

/// What lexing one line found besides its pieces.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LineInfo {
    /// A quote was still open at the end of the line.
    pub unterminated: bool,
    /// The line ended in a comment (`#` or `!` outside quotes).
    pub comment: bool,
    /// The first byte of a word that is not UTF-8 text.
    pub bad_byte: Option<u8>,
    /// Words and braces, and their bytes (as held: U+FFFD for bad bytes),
    /// for the load's caps.
    pub words: usize,
    pub word_bytes: usize,
}

/// Splits one line (without its newline) into pieces. The line is bytes:
/// every delimiter is ASCII, which never occurs inside a UTF-8 sequence, so
/// bytes after a comment start are skipped whatever they are, and only the
/// words themselves must be UTF-8. A word that is not keeps its place, with
/// U+FFFD for the bad bytes, and `bad_byte` names the first: the caller
/// refuses the file, and the rest of the line still parses. On an
/// unterminated quote the rest of the line becomes the last word, so parsing
/// goes on and reports what else is wrong.
pub fn lex_bytes(line: &[u8]) -> (Vec<Piece>, LineInfo) {
    let mut lx = LineLexer::default();
    let mut i = 0;
    while let Some(&b) = line.get(i) {
        i += 1;
        match b {
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => lx.end_word(),
            b'#' | b'!' => {
                lx.info.comment = true;
                break;
            }
            // One call for both braces (size: issue 17).
            b'{' | b'}' => lx.brace(if b == b'{' { Piece::Open } else { Piece::Close }),
            // One call for both quotes (size: issue 17); single quotes
            // only where allowed, else an ordinary character (below).
            b'"' | b'\'' if b == b'"' || lx.single_quotes_allowed() => i = lx.quoted(line, i, b),
            _ => {
                lx.word.push(b);
                lx.in_word = true;
            }
        }
    }
    lx.end_word();
    lx.end_stmt();
    (lx.pieces, lx.info)
}

#[derive(Default)]
struct LineLexer {
    pieces: Vec<Piece>,
    stmt: Vec<Word>,
    word: Vec<u8>,
    in_word: bool,
    quoted: bool,
    info: LineInfo,
}

impl LineLexer {
    fn end_word(&mut self) {
        if self.in_word {
            if let Err(e) = core::str::from_utf8(&self.word) {
                if self.info.bad_byte.is_none() {
                    self.info.bad_byte = self.word.get(e.valid_up_to()).copied();
                }
            }
            // The text as it is, or with U+FFFD for the bad bytes: one
            // path for both.
            let text = String::from_utf8_lossy(&self.word).into_owned();
            self.word.clear();
            self.info.words += 1;
            self.info.word_bytes += text.len();
            self.stmt.push(Word {
                text,
                quoted: self.quoted,
            });
        }
        self.in_word = false;
        self.quoted = false;
    }

    fn end_stmt(&mut self) {
        if !self.stmt.is_empty() {
            // Boxed at its exact size: a one-word statement would
            // otherwise hold room for four.
            let words = core::mem::take(&mut self.stmt).into_boxed_slice();
            self.pieces.push(Piece::Stmt(words));
        }
    }

    fn brace(&mut self, piece: Piece) {
        self.end_word();
        self.end_stmt();
        self.pieces.push(piece);
        self.info.words += 1;
        self.info.word_bytes += 1;
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

    /// The quoted text from `start` (just after the opening quote) up to
    /// `close`; the index after the closing quote (past the end of the
    /// line when there is none). One copy for both (size: issue 17).
    fn quoted(&mut self, line: &[u8], start: usize, close: u8) -> usize {
        self.in_word = true;
        self.quoted = true;
        let rest = line.get(start..).unwrap_or_default();
        let found = rest.iter().position(|&b| b == close);
        self.info.unterminated |= found.is_none();
        let len = found.unwrap_or(rest.len());
        self.word
            .extend_from_slice(rest.get(..len).unwrap_or_default());
        start + len + 1
    }
}

/// The caps of one load (the `MAX_CONFIG_*` constants; smaller in tests).
/// Bytes are counted in usize, not u64: 64-bit sums are libcall-sized
/// code on 32-bit routers, and the cap fits any usize (size: issue 17).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub bytes: usize,
    pub words: usize,
    pub word_bytes: usize,
    pub line: usize,
}

impl Limits {
    pub const CONFIG: Limits = Limits {
        bytes: MAX_CONFIG_BYTES as usize,
        words: MAX_CONFIG_WORDS,
        word_bytes: MAX_CONFIG_WORD_BYTES,
        line: MAX_CONFIG_LINE,
    };
}

// The cap fits in 32 bits: the cast above loses nothing.
const _: () = assert!(MAX_CONFIG_BYTES <= u32::MAX as u64);

/// Reads the main file and its includes, handing each piece with its
/// position to `out` (in a load, the tree builder, which nests them as
/// they come; the position by reference: only a statement keeps it, a
/// brace never clones it; size: issue 17). The piece is lent, for `out`
/// to take a statement's words from: the line's list is walked in place,
/// with no by-value iterator to drop (size: issue 17). A main file that
/// cannot be read is reported at line 0. Returns false when a cap stopped
/// the load before the end: what was read is then only part of the
/// configuration, not worth checking further.
pub fn read_config<O: FnMut(&mut Piece, &Pos, &mut Sink)>(
    path: &Path,
    sink: &mut Sink,
    out: &mut O,
    limits: Limits,
) -> bool {
    let path = path.as_os_str().as_bytes();
    let key = canonical(path);
    let mut reader = Reader {
        sink,
        out,
        limits,
        next_seq: 1,
        read: Map::default(),
        bytes: 0,
        words: 0,
        word_bytes: 0,
        stopped: false,
        params: Params::new(params::config_id(), limits.line),
    };
    // The main file's line 0, which names it too: one Rc for both.
    let pos = Pos {
        file: display(path),
        line: 0,
        seq: 0,
    };
    reader.open_and_read(&pos.file, path, key, &pos, 0);
    !reader.stopped
}

struct Reader<'a, O> {
    sink: &'a mut Sink,
    out: &'a mut O,
    limits: Limits,
    next_seq: u32,
    /// Every file opened (canonical path): whether it is being read (the
    /// main file and the chain of includes down to the one read now, to
    /// refuse an include cycle at once), and the include that read it once
    /// read (the main file: its line 0, never looked at), or None (while
    /// it is read, or when it could not be read: already reported). A file
    /// is read at most once per load: with globs, files that include each
    /// other would otherwise be read factorially often.
    read: Map<Vec<u8>, (bool, Option<Pos>)>,
    /// Bytes read so far: never more than `limits.bytes`.
    bytes: usize,
    words: usize,
    word_bytes: usize,
    /// A cap was reached: nothing more is read.
    stopped: bool,
    /// `@ID` lines and `$NAME` parameters.
    params: Params,
}

/// The key of a file: its canonical path's bytes (compared as bytes, with
/// far less code than paths compared component by component; canonical
/// paths have no `//`, `.` or trailing `/` for that to differ on).
fn canonical(path: &[u8]) -> Vec<u8> {
    file::real_path(path).unwrap_or_else(|_| file::owned(path))
}

/// A file's name in messages: its path, any bytes that are not UTF-8
/// shown as U+FFFD (as `Path::display` shows them).
pub fn display(path: &[u8]) -> Rc<str> {
    Rc::from(&*String::from_utf8_lossy(path))
}

/// Why a file was not opened for reading.
enum Refused {
    Io(OsError),
    /// What it is instead: "a FIFO", "a character device", ...
    NotRegular(&'static str),
}

/// Opens `path` for reading if it is a regular file, with its size.
/// O_NONBLOCK: opening a FIFO for reading would otherwise block until a
/// writer comes (forever, in a reload); the type is then checked on the
/// open descriptor (fstat), so nothing can swap it in between. O_NOCTTY: a
/// terminal must not become the daemon's. sys::file adds O_CLOEXEC.
fn open_regular(path: &[u8]) -> Result<(OwnedFd, u64), Refused> {
    let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY;
    let opened = file::open_bytes(path, flags, 0);
    // The type of what was opened, or of what could not be: a socket
    // cannot be opened at all (ENXIO), and is named as what it is. One
    // check of the type for both (size: issue 17).
    let st = match &opened {
        Ok(fd) => file::fstat(fd),
        Err(_) => file::stat_bytes(path, true),
    };
    match (opened, st) {
        (_, Ok(st)) if !file::is_type(&st, libc::S_IFREG) => Err(Refused::NotRegular(kind(&st))),
        (Ok(fd), Ok(st)) => Ok((fd, u64::try_from(st.st_size).unwrap_or(0))),
        // The open's error first: a regular file that could not be
        // opened, or one whose type is unknown.
        (Err(e), _) | (_, Err(e)) => Err(Refused::Io(e)),
    }
}

fn kind(st: &file::Stat) -> &'static str {
    match st.st_mode & libc::S_IFMT {
        libc::S_IFIFO => "a FIFO",
        libc::S_IFCHR => "a character device",
        libc::S_IFBLK => "a block device",
        libc::S_IFSOCK => "a socket",
        libc::S_IFDIR => "a directory",
        _ => "of another type",
    }
}

/// A file's lines, read in bounded pieces: at most `max` bytes of a line
/// are kept, whatever its length.
struct Lines {
    file: OwnedFd,
    /// What was read from the file: `chunk[at..end]` is not used yet. Our
    /// own buffer: std's BufReader reads through its BorrowedBuf path, code
    /// this needs none of.
    chunk: Vec<u8>,
    at: usize,
    end: usize,
    buf: Vec<u8>,
    max: usize,
}

/// One line in `Lines::buf`.
struct Line {
    /// Longer than `max`: `buf` holds its first `max` bytes.
    truncated: bool,
    /// A NUL byte anywhere in it.
    nul: bool,
    /// Bytes consumed, newline included.
    len: usize,
}

enum LineError {
    Io(OsError),
    /// Reading on would pass the byte cap.
    TooMany,
}

impl Lines {
    fn new(file: OwnedFd, max: usize) -> Lines {
        Lines {
            file,
            chunk: vec![0; 8192],
            at: 0,
            end: 0,
            buf: Vec::new(),
            max,
        }
    }

    /// The next line; `left` is how many bytes the load may still read.
    fn next(&mut self, left: usize) -> Result<Option<Line>, LineError> {
        self.buf.clear();
        let mut line = Line {
            truncated: false,
            nul: false,
            len: 0,
        };
        loop {
            if self.at >= self.end {
                match crate::sys::read_once(&self.file, &mut self.chunk) {
                    Some(n) => (self.at, self.end) = (0, n),
                    None => return Err(LineError::Io(OsError(crate::sys::Errno::last()))),
                }
                if self.end == 0 {
                    return Ok((line.len > 0).then_some(line));
                }
            }
            let chunk = self.chunk.get(self.at..self.end).unwrap_or_default();
            let newline = chunk.iter().position(|&b| b == b'\n');
            let part = &chunk[..newline.unwrap_or(chunk.len())];
            let used = part.len() + usize::from(newline.is_some());
            line.len += used;
            if line.len > left {
                return Err(LineError::TooMany);
            }
            line.nul |= part.contains(&0);
            let room = self.max.saturating_sub(self.buf.len());
            line.truncated |= part.len() > room;
            self.buf.extend_from_slice(&part[..part.len().min(room)]);
            self.at += used;
            if newline.is_some() {
                return Ok(Some(line));
            }
        }
    }
}

impl<O: FnMut(&mut Piece, &Pos, &mut Sink)> Reader<'_, O> {
    /// Whether a file of `size` bytes fits in what the load may still
    /// read; if not, says so at `pos` (naming it `what` `name`: the
    /// message is built only then) and stops the load.
    fn fits(&mut self, size: u64, pos: &Pos, what: &str, name: &str) -> bool {
        // What is left of the cap: `bytes` never passes it.
        let left = self.limits.bytes.saturating_sub(self.bytes);
        if size <= left as u64 {
            return true;
        }
        self.sink.error_fmt(
            pos,
            format_args!(
                "{what}{name} has {size} bytes: the load would read more than MAX_CONFIG_BYTES ({}); \
                 not read",
                self.limits.bytes
            ),
        );
        self.stopped = true;
        false
    }

    /// Opens the file at `path` (`key` its canonical path) and reads it,
    /// or says at `pos` why not: the main file (`depth` 0, `pos` its line
    /// 0) or an include's (`pos` the include line). One function for both,
    /// the texts that differ picked as data. False when it did not fit in
    /// what the load may still read (the load then stops).
    fn open_and_read(
        &mut self,
        name: &Rc<str>,
        path: &[u8],
        key: Vec<u8>,
        pos: &Pos,
        depth: usize,
    ) -> bool {
        let include = depth > 0;
        let named: &str = if include { name } else { "" };
        let opened = open_regular(path);
        // While it is read, only the flag is looked at (a cycle): the
        // include that read it is kept once it is done. One that cannot be
        // read stays (false, None): reported here, once.
        self.read.insert(key.clone(), (opened.is_ok(), None));
        match opened {
            Ok((opened, size)) => {
                let what = if include { "include: " } else { "file" };
                if !self.fits(size, pos, what, named) {
                    return false;
                }
                self.read_file(name, path, opened, depth);
                // The main file's entry too (its line 0): never looked at,
                // as the load is over once it is read (size: issue 17).
                self.read.insert(key, (false, Some(pos.clone())));
            }
            Err(refused) => match refused {
                Refused::Io(e) => {
                    let read = if include {
                        "cannot read included file "
                    } else {
                        "cannot read file"
                    };
                    self.sink.error_fmt(pos, format_args!("{read}{named}: {e}"));
                }
                Refused::NotRegular(kind) => {
                    let (before, is) = if include {
                        ("include: ", " is ")
                    } else {
                        ("", "")
                    };
                    self.sink.error_fmt(
                        pos,
                        format_args!("{before}{named}{is}not a regular file ({kind}); not read"),
                    );
                }
            },
        }
        true
    }

    fn read_file(&mut self, name: &Rc<str>, path: &[u8], file: OwnedFd, depth: usize) {
        let mut lines = Lines::new(file, self.limits.line);
        // One position for the file, moved on line by line: no name
        // cloned and dropped per line (size: issue 17).
        let mut pos = Pos {
            file: name.clone(),
            line: 0,
            seq: 0,
        };
        while !self.stopped {
            let left = self.limits.bytes.saturating_sub(self.bytes);
            let got = lines.next(left);
            pos.line = pos.line.saturating_add(1);
            pos.seq = self.next_seq;
            self.next_seq = self.next_seq.saturating_add(1);
            let line = match got {
                Ok(Some(line)) => line,
                Ok(None) => return,
                Err(LineError::Io(e)) => {
                    // The Rc, not a reference to it: no forwarding
                    // Display of its own (size: issue 17).
                    self.sink
                        .error_fmt(&pos, format_args!("cannot read {}: {e}", *name));
                    return;
                }
                Err(LineError::TooMany) => {
                    self.sink.error_fmt(
                        &pos,
                        format_args!(
                            "the load read more than MAX_CONFIG_BYTES ({}); rest not read",
                            self.limits.bytes
                        ),
                    );
                    self.stopped = true;
                    return;
                }
            };
            self.bytes += line.len;
            let mut text = lines.buf.as_slice();
            if pos.line == 1 {
                if text.starts_with(&[0xff, 0xfe]) || text.starts_with(&[0xfe, 0xff]) {
                    self.sink
                        .error(&pos, "not a text file (UTF-16 byte order mark); not read");
                    return;
                }
                // A UTF-8 byte order mark, as some Windows editors write.
                text = text.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(text);
            }
            if line.nul {
                self.sink
                    .error(&pos, "not a text file (NUL byte; UTF-16?); not read");
                return;
            }
            self.line(text, line.truncated, &pos, path, depth);
        }
    }

    /// One line of a file: `@ID` and `$NAME` applied, then the line and
    /// those a multiline parameter expanded it to are read in turn.
    fn line(&mut self, text: &[u8], truncated: bool, pos: &Pos, path: &[u8], depth: usize) {
        let first = self.params.line(text, pos, self.sink);
        self.read_line(text, first, truncated, pos, path, depth);
        while let Some((more, line)) = self.params.next_pending(pos, self.sink) {
            if self.stopped {
                return;
            }
            self.read_line(more.as_bytes(), line, false, pos, path, depth);
        }
    }

    fn read_line(
        &mut self,
        text: &[u8],
        line: params::Line,
        truncated: bool,
        pos: &Pos,
        path: &[u8],
        depth: usize,
    ) {
        // One call for both texts.
        let text = match &line {
            params::Line::Skip => return,
            params::Line::Same => text,
            params::Line::Text(t) => t.as_bytes(),
        };
        self.lexed(text, truncated, pos, path, depth);
    }

    fn lexed(&mut self, text: &[u8], truncated: bool, pos: &Pos, path: &[u8], depth: usize) {
        let (mut pieces, info) = lex_bytes(text);
        if truncated && !info.comment {
            self.sink.error_fmt(
                pos,
                format_args!(
                    "line longer than {} bytes (limit MAX_CONFIG_LINE); not read",
                    self.limits.line
                ),
            );
            return;
        }
        if info.unterminated {
            self.sink.error(pos, "unterminated quoted string");
        }
        if let Some(b) = info.bad_byte {
            // The two hex digits by hand: a `{:02X}` here was the binary's
            // only hexadecimal u8 (size: issue 17).
            let hex = |n: u8| {
                b"0123456789ABCDEF"
                    .get(usize::from(n & 15))
                    .copied()
                    .unwrap_or(b'0')
            };
            let digits = [hex(b >> 4), hex(b)];
            let digits = core::str::from_utf8(&digits).unwrap_or_default();
            self.sink
                .error_fmt(pos, format_args!("byte 0x{digits} is not UTF-8 text"));
        }
        self.words += info.words;
        self.word_bytes += info.word_bytes;
        // The two caps on words: one message, its varying parts as data.
        let over = if self.words > self.limits.words {
            Some((self.limits.words, "", "MAX_CONFIG_WORDS"))
        } else if self.word_bytes > self.limits.word_bytes {
            Some((self.limits.word_bytes, "bytes of ", "MAX_CONFIG_WORD_BYTES"))
        } else {
            None
        };
        if let Some((limit, what, name)) = over {
            self.sink.error_fmt(
                pos,
                format_args!(
                    "more than {limit} {what}words in the configuration (limit {name}); rest not \
                     read"
                ),
            );
            self.stopped = true;
            return;
        }
        let mut first = true;
        for piece in &mut pieces {
            // An include is read where it stands, before what follows it
            // on its line.
            if first {
                first = false;
                if let Some(pattern) = include_pattern(piece, pos, self.sink) {
                    if let Some(pattern) = pattern {
                        self.include(path, pattern, pos, depth);
                    }
                    continue;
                }
            }
            (self.out)(piece, pos, self.sink);
        }
    }

    fn include(&mut self, including: &[u8], pattern: &str, pos: &Pos, depth: usize) {
        if depth >= MAX_INCLUDE_DEPTH {
            self.sink.error_fmt(
                pos,
                format_args!(
                    "include nested too deeply: limit MAX_INCLUDE_DEPTH is {MAX_INCLUDE_DEPTH}"
                ),
            );
            return;
        }
        let base = file::split_path(including).map_or(&b""[..], |(dir, _)| dir);
        let matches = glob::expand(base, pattern);
        if matches.is_empty() {
            self.sink
                .warn_fmt(pos, format_args!("include '{pattern}' matches no file"));
        }
        // Files this include names that an earlier one has read: the
        // message about the first (made when it is met), and how many
        // more, so fan-out costs one line per include.
        let mut again: Option<String> = None;
        let mut again_more = 0usize;
        // Walked by reference: no IntoIter of paths and its drop (size:
        // issue 17).
        for file in &matches {
            if self.stopped {
                return;
            }
            let name = display(file);
            let key = canonical(file);
            if let Some((reading, first)) = self.read.get(&key) {
                if *reading {
                    self.sink.error_fmt(
                        pos,
                        format_args!("include cycle: {name} is already being read"),
                    );
                    continue;
                }
                match (first, &again) {
                    (Some(first), None) => {
                        again = Some(format!(
                            "include: {name} was already read (include at {}); a file is read \
                             at most once per load",
                            first.refer_from(pos)
                        ));
                    }
                    (Some(_), Some(_)) => again_more += 1,
                    // Could not be read: said so the first time.
                    (None, _) => {}
                }
                continue;
            }
            if !self.open_and_read(&name, file, key, pos, depth + 1) {
                return;
            }
        }
        if let Some(mut msg) = again {
            if again_more > 0 {
                let s = if again_more == 1 { "" } else { "s" };
                let _ = write!(msg, " (and {again_more} more file{s})");
            }
            self.sink.push(pos, Severity::Error, msg);
        }
    }
}

/// `include PATTERN` at the start of a line: None when the line is
/// anything else, Some(None) for an include without a pattern (already
/// reported). Braces glued after it stay with the caller, so
/// `include x.conf }` still closes its block.
fn include_pattern<'p>(piece: &'p Piece, pos: &Pos, sink: &mut Sink) -> Option<Option<&'p str>> {
    let Piece::Stmt(words) = piece else {
        return None;
    };
    let first = words.first()?;
    if first.quoted || first.text != "include" {
        return None;
    }
    let pattern = words.get(1).map(|w| w.text.as_str());
    if pattern.is_none() {
        sink.error(pos, "include needs a file pattern");
    } else if let Some(extra) = words.get(2) {
        super::keywords::extra_ignored(sink, pos, "include", &extra.text);
    }
    Some(pattern)
}

#[cfg(test)]
#[derive(Debug, PartialEq, Eq)]
pub struct LexError;

/// `lex_bytes` for tests that think in text lines.
#[cfg(test)]
pub fn lex_line(line: &str) -> (Vec<Piece>, Result<(), LexError>) {
    let (pieces, info) = lex_bytes(line.as_bytes());
    let result = if info.unterminated {
        Err(LexError)
    } else {
        Ok(())
    };
    (pieces, result)
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

    fn stmt(words: Vec<Word>) -> Piece {
        Piece::Stmt(words.into_boxed_slice())
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
            vec![stmt(vec![w("priority"), w("200")])]
        );
        assert_eq!(ok(""), vec![]);
        assert_eq!(ok(" \t "), vec![]);
    }

    #[test]
    fn crlf_line_endings() {
        assert_eq!(
            ok("interface eth0\r"),
            vec![stmt(vec![w("interface"), w("eth0")])]
        );
        assert_eq!(ok("}\r"), vec![Piece::Close]);
    }

    #[test]
    fn comments_hash_and_bang() {
        assert_eq!(ok("# whole line"), vec![]);
        assert_eq!(ok("! Configuration File for keepalived"), vec![]);
        assert_eq!(
            ok("priority 100 # trailing"),
            vec![stmt(vec![w("priority"), w("100")])]
        );
        assert_eq!(
            ok("priority 100! glued"),
            vec![stmt(vec![w("priority"), w("100")])]
        );
        assert_eq!(
            ok("virtual_ipaddress { # comment }"),
            vec![stmt(vec![w("virtual_ipaddress")]), Piece::Open]
        );
    }

    #[test]
    fn comment_characters_inside_quotes() {
        assert_eq!(
            ok(r#"notify_master "/bin/x --tag #1 !urgent" # real comment"#),
            vec![stmt(vec![w("notify_master"), q("/bin/x --tag #1 !urgent")])]
        );
    }

    #[test]
    fn glued_braces() {
        assert_eq!(
            ok("vrrp_instance VI_1{"),
            vec![stmt(vec![w("vrrp_instance"), w("VI_1")]), Piece::Open]
        );
        assert_eq!(
            ok("virtual_ipaddress { 192.0.2.1 }"),
            vec![
                stmt(vec![w("virtual_ipaddress")]),
                Piece::Open,
                stmt(vec![w("192.0.2.1")]),
                Piece::Close
            ]
        );
        assert_eq!(
            ok("auth_pass 1066}}"),
            vec![
                stmt(vec![w("auth_pass"), w("1066")]),
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
            vec![stmt(vec![w("script"), q("echo {}")])]
        );
    }

    #[test]
    fn quotes_join_adjacent_text() {
        assert_eq!(
            ok(r#"router_id "my router"x"#),
            vec![stmt(vec![w("router_id"), q("my routerx")])]
        );
        assert_eq!(
            ok(r#"router_id """#),
            vec![stmt(vec![w("router_id"), q("")])]
        );
    }

    #[test]
    fn single_quotes_only_on_script_lines() {
        assert_eq!(
            ok("notify '/bin/echo a b'"),
            vec![stmt(vec![w("notify"), q("/bin/echo a b")])]
        );
        assert_eq!(
            ok("script 'pidof haproxy'"),
            vec![stmt(vec![w("script"), q("pidof haproxy")])]
        );
        assert_eq!(
            ok("notification_email_from o'brien@example.com"),
            vec![stmt(vec![
                w("notification_email_from"),
                w("o'brien@example.com")
            ])]
        );
        // Double quotes keep single quotes inside them literal.
        assert_eq!(
            ok(r#"notify "/bin/sh -c 'echo hi'""#),
            vec![stmt(vec![w("notify"), q("/bin/sh -c 'echo hi'")])]
        );
    }

    #[test]
    fn unterminated_quote() {
        let (pieces, result) = lex_line(r#"notify_master "/bin/x arg"#);
        assert_eq!(result, Err(LexError));
        assert_eq!(
            pieces,
            vec![stmt(vec![w("notify_master"), q("/bin/x arg")])]
        );
        let (_, result) = lex_line("script 'never closed");
        assert_eq!(result, Err(LexError));
    }

    #[test]
    fn keywords_are_case_sensitive_words() {
        assert_eq!(ok("Priority 1"), vec![stmt(vec![w("Priority"), w("1")])]);
    }

    #[test]
    fn bytes_that_are_not_utf8() {
        // In a word: reported, and the word keeps its place.
        let (pieces, info) = lex_bytes(b"auth_pass 10\xff6");
        assert_eq!(info.bad_byte, Some(0xff));
        assert_eq!(pieces, vec![stmt(vec![w("auth_pass"), w("10\u{fffd}6")])]);
        // The first bad byte of the line is the one named; a sequence cut
        // short names its lead byte.
        let (_, info) = lex_bytes(b"a \xc3 \xe9");
        assert_eq!(info.bad_byte, Some(0xc3));
        // Inside quotes too.
        let (_, info) = lex_bytes(b"notify \"/bin/caf\xe9\"");
        assert_eq!(info.bad_byte, Some(0xe9));
        // In a comment: skipped, whatever it is.
        let (pieces, info) = lex_bytes(b"priority 1 # caf\xe9 \xff\xfe");
        assert_eq!(
            info,
            LineInfo {
                comment: true,
                words: 2,
                word_bytes: 9,
                ..LineInfo::default()
            }
        );
        assert_eq!(pieces, vec![stmt(vec![w("priority"), w("1")])]);
        // Valid UTF-8 is text like any other.
        let (pieces, info) = lex_bytes("router_id k\u{f6}ln".as_bytes());
        assert_eq!(info.bad_byte, None);
        assert_eq!(pieces, vec![stmt(vec![w("router_id"), w("k\u{f6}ln")])]);
    }

    fn read_with(path: &Path, limits: Limits) -> (bool, Vec<String>) {
        let mut sink = Sink::default();
        // The lexer's own messages only: the files here nest no blocks.
        let complete = read_config(
            path,
            &mut sink,
            &mut |_: &mut _, _: &_, _: &mut _| {},
            limits,
        );
        let msgs = sink.finish().iter().map(|d| d.msg.clone()).collect();
        (complete, msgs)
    }

    /// A file whose size says nothing (procfs reports 0) is still held to
    /// the byte cap while it is read.
    #[test]
    fn byte_cap_while_reading() {
        let path = Path::new("/proc/self/status");
        let small = Limits {
            bytes: 100,
            ..Limits::CONFIG
        };
        let (complete, msgs) = read_with(path, small);
        assert!(!complete);
        assert_eq!(
            msgs.last().map(String::as_str),
            Some("the load read more than MAX_CONFIG_BYTES (100); rest not read")
        );
        let (complete, _) = read_with(path, Limits::CONFIG);
        assert!(complete);
    }

    #[test]
    fn word_caps_count_braces_and_bytes() {
        let dir = std::env::temp_dir().join(format!("tinyvrrpd-lexer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("w.conf");
        std::fs::write(&file, "a {\n}\nb\n").unwrap();
        let limits = |words, word_bytes| Limits {
            words,
            word_bytes,
            ..Limits::CONFIG
        };
        assert_eq!(read_with(&file, limits(4, 4)), (true, vec![]));
        let (complete, msgs) = read_with(&file, limits(3, 4));
        assert!(!complete);
        assert_eq!(
            msgs,
            ["more than 3 words in the configuration (limit MAX_CONFIG_WORDS); rest not read"]
        );
        let (complete, msgs) = read_with(&file, limits(4, 3));
        assert!(!complete);
        assert_eq!(
            msgs,
            [
                "more than 3 bytes of words in the configuration (limit MAX_CONFIG_WORD_BYTES); \
              rest not read"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
