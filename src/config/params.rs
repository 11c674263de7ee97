//! keepalived's line-level config language, applied to each line before it
//! is split into words (keepalived.conf(5), "CONDITIONAL CONFIGURATION" and
//! "PARAMETER SUBSTITUTION"):
//!
//! - `@ID rest`: the rest of the line is read only when the config id
//!   (`-i`/`--config-id`, default the host name up to its first '.') is ID;
//!   `@^ID rest` only when it is not.
//! - `$NAME=value` defines a parameter; later `$NAME` and `${NAME}` are
//!   replaced by its value, anywhere on a line (quotes included), and a
//!   replaced line is checked again for `@` and `$`.
//!
//! - A definition whose lines end in '\\' goes on over the following lines
//!   (up to one that does not, or an empty one); `$NAME` at the end of a
//!   line then expands to all of them, each read as a line of its own
//!   (definitions and `@ID` in them included).
//!
//! - Built in: `$_INSTANCE` (the config id), `$_HASH` ('#') and `$_BANG`
//!   ('!'; both start a comment unless quoted, as in keepalived).
//!
//! What tinyvrrpd does not do is refused by name: `~SEQ(...)`/`~LST(...)`
//! line generators and the built-in `$_PWD` and `$_RANDOM`.

use super::diag::{Pos, Sink};
use super::values::named;

/// How many times one line may be rescanned after a substitution (a
/// parameter whose value names another): bounds `$A=$A` loops.
const MAX_PASSES: usize = 16;

/// How many lines multiline parameters may expand one line of the file
/// into: bounds a definition that expands to itself.
const MAX_EXPANDED: usize = 10_000;

/// keepalived's built-in parameters: those tinyvrrpd has (`_INSTANCE`,
/// `_HASH`, `_BANG`: 0 to 2), then those it refuses by name.
const BUILTIN: &[(&str, u8)] = &[
    ("_INSTANCE", 0),
    ("_HASH", 1),
    ("_BANG", 2),
    ("_PWD", 3),
    ("_RANDOM", 3),
];

/// The definitions and config id of one load.
#[derive(Debug, Default)]
pub struct Params {
    /// The `-i` id; None matches no `@ID` (and every `@^ID`).
    id: Option<String>,
    /// In the order of their names (see [`Params::find`]).
    defs: Vec<Def>,
    /// The longest a line may grow to by substitution.
    max_len: usize,
    /// The multiline definition the next lines of the file belong to.
    collecting: Option<usize>,
    /// Lines a multiline parameter expanded to, still to be read; the
    /// last one is next.
    pending: Vec<String>,
    /// How many lines the current line of the file expanded to.
    expanded: usize,
}

#[derive(Debug)]
struct Def {
    name: String,
    /// The lines of a multiline value are separated by '\n'.
    value: String,
    multiline: bool,
}

/// What the preprocessing made of one line.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// Nothing to read on it (a definition, an `@ID` for another id, a
    /// refused construct).
    Skip,
    /// Read the line as it was.
    Same,
    /// Read this text instead.
    Text(String),
}

impl Params {
    pub fn new(id: Option<String>, max_len: usize) -> Params {
        Params {
            id,
            max_len,
            ..Params::default()
        }
    }

    /// Applies `@ID`, `$NAME=` and `$NAME` to one line of the file. Lines
    /// it expanded to come from [`Params::next_pending`] after it.
    pub fn line(&mut self, raw: &[u8], pos: &Pos, sink: &mut Sink) -> Line {
        self.expanded = 0;
        self.pending.clear();
        let Ok(text) = core::str::from_utf8(raw) else {
            self.collecting = None;
            return Line::Same;
        };
        if let Some(i) = self.collecting {
            self.collect(i, text);
            return Line::Skip;
        }
        self.process(text, pos, sink)
    }

    /// The next line a multiline parameter expanded to, with what
    /// preprocessing made of it.
    pub fn next_pending(&mut self, pos: &Pos, sink: &mut Sink) -> Option<(String, Line)> {
        let text = self.pending.pop()?;
        let line = self.process(&text, pos, sink);
        Some((text, line))
    }

    /// Where the definition of `name` is in `defs` (kept in the order of
    /// the names) or would go: a search by halves, as a configuration may
    /// define and use tens of thousands (a search along them per use made
    /// 40,000 uses of 40,000 parameters take 30 s to load).
    fn find(&self, name: &str) -> Result<usize, usize> {
        super::names::search(self.defs.len(), name.as_bytes(), &|i| {
            self.defs.get(i).map_or(&[][..], |d| d.name.as_bytes())
        })
    }

    /// One more line of the multiline definition `defs[i]`.
    fn collect(&mut self, i: usize, text: &str) {
        if text.is_empty() {
            self.collecting = None;
            return;
        }
        let (line, more) = value_part(text);
        if !more {
            self.collecting = None;
        }
        if let Some(def) = self.defs.get_mut(i).filter(|_| !line.is_empty()) {
            if !def.value.is_empty() {
                def.value.push('\n');
            }
            def.value.push_str(line);
        }
    }

    fn process(&mut self, text: &str, pos: &Pos, sink: &mut Sink) -> Line {
        let start = trim_blanks(text);
        // A byte test: a char-set pattern is a searcher of its own.
        if !matches!(start.as_bytes().first(), Some(b'@' | b'~')) && !text.contains('$') {
            return Line::Same;
        }
        let mut cur = start.to_string();
        let mut changed = start.len() != text.len();
        for _ in 0..MAX_PASSES {
            match self.condition(&cur) {
                None => return Line::Skip,
                Some(rest) if rest.len() != cur.len() => {
                    cur = rest.to_string();
                    changed = true;
                }
                Some(_) => {}
            }
            if cur.starts_with('$') && self.define(&cur) {
                return Line::Skip;
            }
            // One look at the first four bytes for both generators.
            if let Some(what @ ("~SEQ" | "~LST")) = cur.get(..4) {
                sink.error_fmt(
                    pos,
                    format_args!(
                        "{what}(...) not supported by tinyvrrpd: keepalived would repeat the \
                         following line once per value; write the lines out"
                    ),
                );
                return Line::Skip;
            }
            match self.substitute(&cur, pos, sink) {
                Subst::None => break,
                Subst::Refused => return Line::Skip,
                Subst::Done(next, more) => {
                    if !self.expand(more, pos, sink) {
                        return Line::Skip;
                    }
                    cur = next;
                    changed = true;
                    if !cur.starts_with('@') && !cur.contains('$') {
                        break;
                    }
                }
            }
        }
        if changed { Line::Text(cur) } else { Line::Same }
    }

    /// Queues the further lines of a multiline parameter (before those
    /// queued earlier: they come from inside them); false past the cap.
    fn expand(&mut self, mut more: Vec<String>, pos: &Pos, sink: &mut Sink) -> bool {
        self.expanded += more.len();
        if self.expanded > MAX_EXPANDED {
            sink.error_fmt(
                pos,
                format_args!(
                    "multiline parameters expand this line to more than {MAX_EXPANDED} lines"
                ),
            );
            self.pending.clear();
            return false;
        }
        // Popped from the end, so the first line is on top: a plain loop,
        // no reversed-iterator extend of its own (size: issue 17).
        while let Some(l) = more.pop() {
            self.pending.push(l);
        }
        true
    }

    /// The line without its `@ID ` prefix, the line itself when it has
    /// none, or None when it is for another config id (or has nothing
    /// after the id, which keepalived also drops).
    fn condition<'a>(&self, line: &'a str) -> Option<&'a str> {
        let Some(after) = line.strip_prefix('@') else {
            return Some(line);
        };
        let (reverse, after) = match after.strip_prefix('^') {
            Some(a) => (true, a),
            None => (false, after),
        };
        let end = after.bytes().position(|b| is_blank(&b))?;
        let (id, rest) = after.split_at(end);
        let matches = self.id.as_deref() == Some(id);
        (matches != reverse).then(|| trim_start_blanks(rest))
    }

    /// `$NAME=value` (blanks allowed before '='): stores it and returns
    /// true; false when the line is not a definition.
    fn define(&mut self, line: &str) -> bool {
        let body = line.get(1..).unwrap_or_default();
        let name_len = ident_len(body);
        if name_len == 0 {
            return false;
        }
        // One cut, one boundary check (size: issue 17).
        let (name, after) = body.split_at(name_len);
        let Some(value) = trim_start_blanks(after).strip_prefix('=') else {
            return false;
        };
        let (value, multiline) = value_part(value);
        // Found or added, then set in place: a whole Def built and moved
        // over the old one (dropping it) was code of its own (size: issue
        // 17).
        let i = match self.find(name) {
            Ok(i) => i,
            Err(i) => {
                self.defs.insert(
                    i,
                    Def {
                        name: name.to_string(),
                        value: String::new(),
                        multiline,
                    },
                );
                i
            }
        };
        if let Some(def) = self.defs.get_mut(i) {
            def.value.clear();
            def.value.push_str(value);
            def.multiline = multiline;
        }
        if multiline {
            self.collecting = Some(i);
        }
        true
    }

    /// Replaces every defined `$NAME` / `${NAME}` in `line`.
    fn substitute(&self, line: &str, pos: &Pos, sink: &mut Sink) -> Subst {
        let mut out = String::with_capacity(line.len());
        let mut rest = line;
        let mut found = false;
        let mut more = Vec::new();
        while let Some((before, after)) = rest.split_once('$') {
            out.push_str(before);
            match self.reference(after) {
                Ref::Def(value, used) => {
                    let mut lines = value.split('\n');
                    out.push_str(lines.next().unwrap_or_default());
                    for l in lines {
                        more.push(l.to_string());
                    }
                    rest = &after[used..];
                    found = true;
                }
                Ref::Builtin(name) => {
                    sink.error_fmt(
                        pos,
                        format_args!(
                            "${name} not supported by tinyvrrpd: it is one of keepalived's \
                             built-in parameters; define ${name}=value before using it"
                        ),
                    );
                    return Subst::Refused;
                }
                Ref::Other => {
                    out.push('$');
                    rest = after;
                }
            }
            if out.len() > self.max_len {
                sink.error_fmt(
                    pos,
                    format_args!(
                        "parameter substitution makes the line longer than {} bytes \
                         (limit MAX_CONFIG_LINE)",
                        self.max_len
                    ),
                );
                return Subst::Refused;
            }
        }
        out.push_str(rest);
        if found {
            Subst::Done(out, more)
        } else {
            Subst::None
        }
    }

    /// What follows a '$': a defined parameter (its value and how many
    /// bytes the reference takes), a built-in one, or anything else.
    fn reference<'a>(&'a self, after: &'a str) -> Ref<'a> {
        let braced = after.starts_with('{');
        let name_at = usize::from(braced);
        let tail = after.get(name_at..).unwrap_or_default();
        let len = ident_len(tail);
        // One cut, one boundary check (size: issue 17).
        let (name, after_name) = tail.split_at(len);
        let next = after_name.chars().next();
        let used = if braced {
            if next != Some('}') {
                return Ref::Other;
            }
            len + 2
        } else {
            if !matches!(next, None | Some(' ' | '\t' | ',' | ')')) {
                return Ref::Other;
            }
            len
        };
        if name.is_empty() {
            return Ref::Other;
        }
        // A multiline value only replaces a reference that ends the line.
        let ends = after
            .get(used..)
            .is_some_and(|r| trim_end_blanks(r).is_empty());
        match self.find(name).ok().and_then(|i| self.defs.get(i)) {
            Some(d) if !d.multiline || ends => Ref::Def(&d.value, used),
            Some(_) => Ref::Other,
            None => match named(name, BUILTIN) {
                Some(0) => Ref::Def(self.id.as_deref().unwrap_or_default(), used),
                Some(1) => Ref::Def("#", used),
                Some(2) => Ref::Def("!", used),
                Some(_) => Ref::Builtin(name),
                None => Ref::Other,
            },
        }
    }
}

enum Subst {
    None,
    Refused,
    /// The line, and the further lines of a multiline parameter.
    Done(String, Vec<String>),
}

enum Ref<'a> {
    Def(&'a str, usize),
    Builtin(&'a str),
    Other,
}

/// The length of the parameter name at the start of `s`: a letter or '_',
/// then letters, digits and '_'.
fn ident_len(s: &str) -> usize {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return 0,
    }
    b.iter()
        .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        .unwrap_or(b.len())
}

/// Blanks (space, tab) are ASCII, so they are trimmed byte by byte: a
/// byte of a multibyte character is never one, and the cut is always on
/// a character boundary (one loop each, not a char searcher per call).
fn is_blank(b: &u8) -> bool {
    *b == b' ' || *b == b'\t'
}

fn trim_start_blanks(s: &str) -> &str {
    let n = s.bytes().take_while(is_blank).count();
    s.get(n..).unwrap_or_default()
}

fn trim_end_blanks(s: &str) -> &str {
    let n = s.bytes().rev().take_while(is_blank).count();
    s.get(..s.len() - n).unwrap_or_default()
}

fn trim_blanks(s: &str) -> &str {
    trim_end_blanks(trim_start_blanks(s))
}

/// A definition's value, or a line of a multiline one: without its
/// comment and blanks, and without the '\\' (and the blanks before it)
/// that says the value goes on over the next line, with whether it did.
/// One copy for both (size: issue 17).
fn value_part(s: &str) -> (&str, bool) {
    let s = trim_blanks(strip_comment(s));
    match s.strip_suffix('\\') {
        Some(v) => (trim_end_blanks(v), true),
        None => (s, false),
    }
}

/// `s` up to a `#` or `!` outside double quotes.
fn strip_comment(s: &str) -> &str {
    // Bytes: the marks are ASCII, never part of a multibyte character.
    let mut quoted = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'#' | b'!' if !quoted => return s.get(..i).unwrap_or_default(),
            _ => {}
        }
    }
    s
}

/// The config id of this process: set once from `-i`/`--config-id`, else
/// keepalived's default, the host name up to its first '.'.
static CONFIG_ID: crate::sys::once::Leaked<Option<String>> = crate::sys::once::Leaked::empty();

/// Sets the config id (`-i`); only the first call counts.
pub fn set_config_id(id: &str) {
    CONFIG_ID.set(Some(id.to_string()));
}

/// The config id: the one set, else the default, kept from then on.
pub fn config_id() -> Option<String> {
    let id = CONFIG_ID.get();
    id.unwrap_or_else(|| CONFIG_ID.set(default_id())).clone()
}

/// The default config id, as keepalived: the host name up to its first
/// '.'; None when it cannot be read.
fn default_id() -> Option<String> {
    let name = crate::sys::file::find_line(c"/proc/sys/kernel/hostname", |l| Some(l.to_string()))?;
    let name = name.trim();
    let short = name.split('.').next().unwrap_or(name);
    (!short.is_empty()).then(|| short.to_string())
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;

    fn run(id: Option<&str>, lines: &[&str]) -> (Vec<String>, Vec<String>) {
        let mut p = Params::new(id.map(str::to_string), 4096);
        let mut sink = Sink::default();
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let line = u32::try_from(i + 1).unwrap_or(0);
            let pos = Pos {
                file: Rc::from("t.conf"),
                line,
                seq: line,
            };
            let mut got = vec![((*l).to_string(), p.line(l.as_bytes(), &pos, &mut sink))];
            while let Some(more) = p.next_pending(&pos, &mut sink) {
                got.push(more);
            }
            for (text, line) in got {
                match line {
                    Line::Skip => {}
                    Line::Same => out.push(text),
                    Line::Text(t) => out.push(t),
                }
            }
        }
        let msgs = sink.finish().iter().map(ToString::to_string).collect();
        (out, msgs)
    }

    #[test]
    fn blanks_trimmed_as_before() {
        for t in [
            "",
            " ",
            "\t a b\t ",
            "é \t",
            " \u{a0}x\u{a0} ",
            "\r x \r",
            "ab",
        ] {
            assert_eq!(trim_blanks(t), t.trim_matches([' ', '\t']), "{t:?}");
            assert_eq!(trim_start_blanks(t), t.trim_start_matches([' ', '\t']));
            assert_eq!(trim_end_blanks(t), t.trim_end_matches([' ', '\t']));
        }
    }

    #[test]
    fn config_id() {
        let lines = [
            "@r1 priority 150",
            "@^r1 priority 50",
            "@r2 priority 99",
            "  @r1",
            "x",
        ];
        let (out, msgs) = run(Some("r1"), &lines);
        assert_eq!(out, ["priority 150", "x"]);
        assert!(msgs.is_empty());
        let (out, _) = run(Some("r2"), &lines);
        assert_eq!(out, ["priority 50", "priority 99", "x"]);
        let (out, _) = run(None, &lines);
        assert_eq!(out, ["priority 50", "x"]);
    }

    #[test]
    fn parameters() {
        let lines = [
            "$PRIO=150 # the master",
            "$IF = eth0",
            "priority $PRIO",
            "interface ${IF}",
            "notify \"/bin/x $IF,$PRIO)\"",
            "auth_pass $PRIOx $UNSET ${PRIO",
            "$PRIO=90",
            "priority ${PRIO}",
        ];
        let (out, msgs) = run(None, &lines);
        assert_eq!(
            out,
            [
                "priority 150",
                "interface eth0",
                "notify \"/bin/x eth0,150)\"",
                "auth_pass $PRIOx $UNSET ${PRIO",
                "priority 90",
            ]
        );
        assert!(msgs.is_empty(), "{msgs:?}");
    }

    #[test]
    fn nested_and_conditional_definitions() {
        let lines = [
            "@r1 $P=200",
            "@^r1 $P=100",
            "$LINE=@r1 priority $P",
            "$LINE",
        ];
        let (out, _) = run(Some("r1"), &lines);
        assert_eq!(out, ["priority 200"]);
        let (out, _) = run(Some("r2"), &lines);
        assert!(out.is_empty());
        // A parameter whose value names itself stops after MAX_PASSES.
        let (out, _) = run(None, &["$A=$A", "x $A"]);
        assert_eq!(out, ["x $A"]);
    }

    /// The manual's examples: recursive replacement at use time, and a
    /// multiline definition with `@ID` lines in it.
    #[test]
    fn manual_examples() {
        let lines = [
            "$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}",
            "$ADDRESS_BASE_SUB=0",
            "${ADDRESS_BASE}.100/32",
            "$ADDRESS_BASE_SUB=10",
            "${ADDRESS_BASE}.100/32",
        ];
        assert_eq!(run(None, &lines).0, ["10.2.0.100/32", "10.2.10.100/32"]);
        let lines = [
            "$INSTANCE= \\",
            "vrrp_instance VI_${NUM} { \\",
            "    interface eth0.${NUM} \\ # a comment",
            "    @high priority 130 \\",
            "    @low priority 120 \\",
            "}",
            "$NUM=0",
            "$INSTANCE",
            "$NUM=1",
            "  $INSTANCE  ",
            "x $INSTANCE y",
        ];
        let (out, msgs) = run(Some("low"), &lines);
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(
            out,
            [
                "vrrp_instance VI_0 {",
                "interface eth0.0",
                "priority 120",
                "}",
                "vrrp_instance VI_1 {",
                "interface eth0.1",
                "priority 120",
                "}",
                // Not at the end of the line: not replaced.
                "x $INSTANCE y",
            ]
        );
    }

    /// Nested multiline parameters expand in order; an empty line ends a
    /// definition; one that expands to itself stops at the cap.
    #[test]
    fn nested_multiline() {
        let lines = [
            "$RS= \\",
            "rs ${N} \\",
            "end ${N}",
            "$VS= \\",
            "vs { \\",
            "$N=1 \\",
            "$RS \\",
            "$N=2 \\",
            "$RS \\",
            "}",
            "$VS",
            "$E= \\",
            "",
            "e $E",
        ];
        let (out, msgs) = run(None, &lines);
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(out, ["vs {", "rs 1", "end 1", "rs 2", "end 2", "}", "e "]);
        let (out, msgs) = run(None, &["$L= \\", "x \\", "$L", "$L"]);
        // "$L" ends the definition: L is "x" then "$L".
        assert_eq!(out.len(), MAX_EXPANDED, "{:?}", out.get(..4));
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(msgs[0].contains("more than 10000 lines"), "{msgs:?}");
    }

    #[test]
    fn builtins() {
        let lines = [
            "x ${_INSTANCE} \"a${_HASH}b${_BANG}\" $_BANG\"",
            "$_HASH=h",
            "y $_HASH",
        ];
        // `$_BANG"`: a name ends at a blank, ',', ')' or the end of the line.
        assert_eq!(run(Some("r1"), &lines).0, ["x r1 \"a#b!\" $_BANG\"", "y h"]);
    }

    #[test]
    fn refused_by_name() {
        let lines = ["~SEQ(i,1,3) x", "x $_RANDOM"];
        let (out, msgs) = run(None, &lines);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(msgs.len(), 2);
        assert!(
            msgs.iter()
                .all(|m| m.contains("not supported by tinyvrrpd"))
        );
        assert!(msgs[0].contains("~SEQ(...)"));
        assert!(msgs[1].contains("$_RANDOM"));
    }

    #[test]
    fn too_long() {
        let mut p = Params::new(None, 20);
        let mut sink = Sink::default();
        let pos = Pos {
            file: Rc::from("t"),
            line: 1,
            seq: 1,
        };
        assert_eq!(p.line(b"$X=0123456789", &pos, &mut sink), Line::Skip);
        assert_eq!(p.line(b"a $X $X $X", &pos, &mut sink), Line::Skip);
        assert!(sink.has_errors());
    }
}
