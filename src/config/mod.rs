//! keepalived.conf: lexer (tokens with file:line), parser (keyword tables),
//! the model, and validation.
//!
//! STUB: the entry point and the diagnostic type are the contract.

pub mod model;

use core::fmt;
use std::path::Path;

pub use model::*;

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
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}: Line {}) {}", self.file, self.line, self.msg)
    }
}

/// Read, parse and validate the configuration at `path` with its includes.
/// On success returns the model and the warnings; on failure every error
/// found (and the warnings), so `-t` can print them all.
pub fn load(path: &Path) -> Result<(Config, Vec<Diag>), Vec<Diag>> {
    let _ = path;
    todo!()
}
