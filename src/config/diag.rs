//! Positions and the diagnostic sink shared by the lexer, parser and
//! validator.

use std::rc::Rc;

use super::{Diag, Severity};

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
    pub fn loc(&self) -> super::Loc {
        super::Loc {
            file: self.file.to_string(),
            line: self.line,
        }
    }

    /// How another message refers to this position: "line N" in the same
    /// file, "FILE line N" in another.
    pub fn refer_from(&self, other: &Pos) -> String {
        if self.file == other.file {
            format!("line {}", self.line)
        } else {
            format!("{} line {}", self.file, self.line)
        }
    }
}

/// Collects every diagnostic of one load; nothing stops at the first error.
#[derive(Default)]
pub struct Sink {
    diags: Vec<(u32, Diag)>,
}

impl Sink {
    pub fn error(&mut self, pos: &Pos, msg: impl Into<String>) {
        self.push(pos, Severity::Error, msg.into());
    }

    pub fn warn(&mut self, pos: &Pos, msg: impl Into<String>) {
        self.push(pos, Severity::Warning, msg.into());
    }

    fn push(&mut self, pos: &Pos, severity: Severity, msg: String) {
        let diag = Diag {
            severity,
            file: pos.file.to_string(),
            line: pos.line,
            msg,
        };
        self.diags.push((pos.seq, diag));
    }

    pub fn has_errors(&self) -> bool {
        self.diags
            .iter()
            .any(|(_, d)| d.severity == Severity::Error)
    }

    /// The diagnostics in reading order; those of one line keep the order
    /// they were found in (the sort is stable).
    pub fn finish(mut self) -> Vec<Diag> {
        self.diags.sort_by_key(|(seq, _)| *seq);
        self.diags.into_iter().map(|(_, d)| d).collect()
    }
}
