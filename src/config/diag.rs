//! The messages about a configuration (re-exported as `config::Diag`),
//! positions, and the diagnostic sink shared by the lexer, parser and
//! validator.

use core::fmt;
use std::rc::Rc;

use super::model::Loc;
use crate::limits::MAX_CONFIG_DIAGS;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Severity {
    Warning,
    Error,
}

/// One message about the configuration, printed as keepalived prints them:
/// `(FILE: Line N) message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub severity: Severity,
    /// The file as it was named (the -f argument, or the include's path).
    pub file: String,
    /// 1-based line number; 0 when the message is about the whole file.
    pub line: u32,
    pub msg: String,
    /// Its position's `seq`, by which the sink keeps its list in reading
    /// order. Kept in the message itself, so the sink's list is the list
    /// it hands back.
    seq: u32,
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}: Line {}) {}", self.file, self.line, self.msg)
    }
}

/// Where a statement was read. `seq` counts lines in reading order across
/// includes, so diagnostics from several files sort into the order the
/// configuration was read in, which line numbers alone cannot give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pos {
    pub file: Rc<str>,
    pub line: u32,
    pub seq: u32,
}

impl Pos {
    pub fn loc(&self) -> Loc {
        Loc {
            file: String::from(&*self.file),
            line: self.line,
        }
    }

    /// How another message refers to this position: "line N" in the same
    /// file, "FILE line N" in another. Shown where the message is
    /// formatted, with no String of its own to make and drop (size: issue
    /// 17).
    pub fn refer_from<'a>(&'a self, other: &'a Pos) -> Refer<'a> {
        Refer {
            at: self,
            from: other,
        }
    }
}

/// [`Pos::refer_from`]: the position `at` as a message at `from` shows it.
pub struct Refer<'a> {
    at: &'a Pos,
    from: &'a Pos,
}

impl fmt::Display for Refer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.file != self.from.file {
            write!(f, "{} ", self.at.file)?;
        }
        write!(f, "line {}", self.at.line)
    }
}

/// Collects the diagnostics of one load; nothing stops at the first error.
/// At most `MAX_CONFIG_DIAGS` are kept (errors before warnings, then the
/// earliest in reading order), so a file of a million unknown keywords costs
/// no memory for its warnings; the others are counted on one last line.
pub struct Sink {
    /// In reading order, as they are shown. A plain list searched from end
    /// to end: at most `limit` (100) long, it needs no heap and no sort,
    /// which are code of their own (size: issue 17).
    kept: Vec<Diag>,
    limit: usize,
    /// Where the closing "... and N more" line points: the main file.
    main: Rc<str>,
    dropped_errors: usize,
    dropped_warnings: usize,
    errors: bool,
}

impl Default for Sink {
    fn default() -> Sink {
        Sink::new(Rc::from(""), MAX_CONFIG_DIAGS)
    }
}

impl Sink {
    /// A sink for the load of `main`, keeping at most `limit` diagnostics.
    pub fn new(main: Rc<str>, limit: usize) -> Sink {
        Sink {
            kept: Vec::new(),
            limit,
            main,
            dropped_errors: 0,
            dropped_warnings: 0,
            errors: false,
        }
    }

    /// Through [`Sink::error_fmt`]: one call, no copy of the text of its
    /// own (size: issue 17).
    pub fn error(&mut self, pos: &Pos, msg: &str) {
        self.error_fmt(pos, format_args!("{msg}"));
    }

    /// Through [`Sink::warn_fmt`], as [`Sink::error`].
    pub fn warn(&mut self, pos: &Pos, msg: &str) {
        self.warn_fmt(pos, format_args!("{msg}"));
    }

    /// [`Sink::error`] with the message still to format: one call at each
    /// site instead of `format!` and then this (size: issue 17).
    #[inline(never)]
    pub fn error_fmt(&mut self, pos: &Pos, msg: fmt::Arguments) {
        self.push(pos, Severity::Error, std::fmt::format(msg));
    }

    /// [`Sink::warn`] with the message still to format.
    #[inline(never)]
    pub fn warn_fmt(&mut self, pos: &Pos, msg: fmt::Arguments) {
        self.push(pos, Severity::Warning, std::fmt::format(msg));
    }

    /// A message already built, of either severity (one call for the
    /// callers that hold a String: no `error::<String>` of its own; size:
    /// issue 17).
    pub fn push(&mut self, pos: &Pos, severity: Severity, msg: String) {
        self.errors |= severity == Severity::Error;
        let diag = Diag {
            severity,
            file: String::from(&*pos.file),
            line: pos.line,
            msg,
            seq: pos.seq,
        };
        // In reading order, then the order found: one step of an
        // insertion sort (swaps are less code than Vec::insert), the pair
        // compared and swapped as one slice: one bounds check for both
        // (size: issue 17).
        self.kept.push(diag);
        let mut at = self.kept.len() - 1;
        while at > 0 {
            match self.kept.get_mut(at - 1..=at) {
                Some([k, new]) if k.seq > new.seq => core::mem::swap(k, new),
                _ => break,
            }
            at -= 1;
        }
        if self.kept.len() > self.limit {
            // Over the limit: the one least worth keeping goes, the new
            // one if it is that: the latest warning, else the latest
            // error. The list is in reading order (those of one line in
            // the order found), so that is the last warning, else the
            // last one: found from the end, with no ranking key to
            // compare (size: issue 17).
            let last = self.kept.len() - 1;
            let worst = self
                .kept
                .iter()
                .rposition(|k| k.severity == Severity::Warning)
                .unwrap_or(last);
            match self.kept.remove(worst).severity {
                Severity::Error => self.dropped_errors += 1,
                Severity::Warning => self.dropped_warnings += 1,
            }
        }
    }

    pub fn has_errors(&self) -> bool {
        self.errors
    }

    /// The diagnostics kept, in reading order (those of one line in the
    /// order they were found), then one line counting those not kept.
    pub fn finish(self) -> Vec<Diag> {
        let mut diags = self.kept;
        let (errors, warnings) = (self.dropped_errors, self.dropped_warnings);
        if errors + warnings > 0 {
            diags.push(Diag {
                severity: if errors > 0 {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                file: String::from(&*self.main),
                line: 0,
                msg: format!(
                    "... and {} more ({errors} errors, {warnings} warnings): limit \
                     MAX_CONFIG_DIAGS is {}",
                    errors + warnings,
                    self.limit
                ),
                seq: 0,
            });
        }
        diags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32) -> Pos {
        Pos {
            file: Rc::from("t.conf"),
            line,
            seq: line,
        }
    }

    #[test]
    fn keeps_errors_first_then_reading_order() {
        let mut sink = Sink::new(Rc::from("main.conf"), 3);
        sink.warn(&at(5), "w5");
        sink.warn(&at(1), "w1");
        sink.warn(&at(3), "w3");
        sink.error(&at(9), "e9");
        sink.warn(&at(2), "w2");
        sink.error(&at(7), "e7");
        sink.warn(&at(8), "w8");
        assert!(sink.has_errors());
        let shown: Vec<String> = sink.finish().iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "(t.conf: Line 1) w1",
                "(t.conf: Line 7) e7",
                "(t.conf: Line 9) e9",
                "(main.conf: Line 0) ... and 4 more (0 errors, 4 warnings): limit \
                 MAX_CONFIG_DIAGS is 3",
            ]
        );
    }

    #[test]
    fn refer_from_the_same_file_or_another() {
        let other = Pos {
            file: Rc::from("o.conf"),
            line: 7,
            seq: 9,
        };
        assert_eq!(at(3).refer_from(&at(5)).to_string(), "line 3");
        assert_eq!(other.refer_from(&at(5)).to_string(), "o.conf line 7");
    }

    /// Over the limit, the latest warning goes: of one line, the one
    /// found last.
    #[test]
    fn drops_the_latest_warning() {
        let mut sink = Sink::new(Rc::from("main.conf"), 2);
        sink.warn(&at(4), "w4a");
        sink.warn(&at(4), "w4b");
        sink.error(&at(9), "e9");
        sink.warn(&at(1), "w1");
        let shown: Vec<String> = sink.finish().iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "(t.conf: Line 1) w1",
                "(t.conf: Line 9) e9",
                "(main.conf: Line 0) ... and 2 more (0 errors, 2 warnings): limit \
                 MAX_CONFIG_DIAGS is 2",
            ]
        );
    }

    #[test]
    fn dropped_errors_make_the_last_line_an_error() {
        let mut sink = Sink::new(Rc::from("main.conf"), 1);
        sink.error(&at(1), "e1");
        sink.error(&at(2), "e2");
        let diags = sink.finish();
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[1].severity, Severity::Error);
        assert_eq!(
            diags[1].msg,
            "... and 1 more (1 errors, 0 warnings): limit MAX_CONFIG_DIAGS is 1"
        );
    }
}
