//! keepalived.conf: lexer (tokens with file:line), parser (keyword tables),
//! the model, and validation.
//!
//! The pipeline: `lexer` reads the file and its includes into one stream of
//! statements and braces, which `tree` nests into blocks as they come;
//! `parser` (with `instance` and `trackers`) runs each block through its keyword table
//! (the table machinery and value readers are `keywords`) into raw blocks; `validate` (with `track_check`) resolves defaults and
//! cross-checks into the model.
//! Each stage reports into one sink and carries on, so one run reports every
//! error (up to `MAX_CONFIG_DIAGS`). Only the caps on what one load may read
//! and hold (`MAX_CONFIG_*`) stop it early.

mod diag;
mod garp_group;
mod glob;
mod instance;
mod keywords;
pub mod known;
mod lexer;
pub mod model;
mod names;
mod params;
mod parser;
mod routes;
mod rules;
mod track_check;
mod trackers;
mod tree;
mod validate;
mod values;

use std::path::Path;

pub use diag::{Diag, Severity};
pub use garp_group::GarpGroup;
pub use model::*;
pub use params::set_config_id;
pub use routes::{Route, RouteMode};
pub use rules::Rule;

/// A path as text, as `Path::display` writes it (bytes that are not UTF-8
/// replaced), without std::path's Display code.
pub fn path_text(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt as _;
    String::from_utf8_lossy(path.as_os_str().as_bytes()).into_owned()
}

/// Read, parse and validate the configuration at `path` with its includes.
/// On success returns the model and the warnings; on failure every error
/// found (and the warnings), so `-t` can print them all: at most
/// `MAX_CONFIG_DIAGS` of them, errors first, then a line counting the rest.
pub fn load(path: &Path) -> Result<(Config, Vec<Diag>), Vec<Diag>> {
    use std::os::unix::ffi::OsStrExt as _;
    let main = lexer::display(path.as_os_str().as_bytes());
    let mut sink = diag::Sink::new(main, crate::limits::MAX_CONFIG_DIAGS);
    let mut builder = tree::Builder::default();
    let mut nest = |piece: &mut _, pos: &_, sink: &mut diag::Sink| builder.push(piece, pos, sink);
    let complete = lexer::read_config(path, &mut sink, &mut nest, lexer::Limits::CONFIG);
    let nodes = builder.finish(&mut sink, complete);
    // When a cap stopped reading (an error, said), the rest of the checks
    // would only report what is missing from a configuration cut short.
    let config = complete.then(|| {
        let raw = parser::parse(&mut sink, &nodes);
        validate::resolve(&mut sink, raw)
    });
    let failed = sink.has_errors();
    let diags = sink.finish();
    match config {
        Some(config) if !failed => Ok((config, diags)),
        _ => Err(diags),
    }
}
