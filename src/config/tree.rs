//! The item stream to a tree of statements with optional `{ ... }` blocks.
//! Brace errors are reported here; the tree is still built as well as it
//! can be, so the parser can report the errors inside it too.

use super::diag::{Pos, Severity, Sink};
use super::lexer::{Piece, Word};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Empty only for a stray `{ ... }` that followed no statement.
    /// Boxed slices, not vectors: a load may hold 200,000 of these
    /// (MAX_CONFIG_WORDS), and each byte per node is 200 KB then.
    pub words: Box<[Word]>,
    pub pos: Pos,
    pub block: Option<Box<[Node]>>,
}

impl Node {
    /// Out of line: called from every keyword handler, where inlined
    /// copies cost more than the call.
    #[inline(never)]
    pub fn keyword(&self) -> &str {
        self.words.first().map_or("", |w| w.text.as_str())
    }

    /// The words after the keyword.
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// The statement as written, for messages: ` 'WORDS'` (at most two
    /// words, so a long line does not drown the message), or nothing for
    /// a stray block; added to the message `shown` (size: issue 17).
    fn title(&self, shown: &mut String) {
        if let Some(first) = self.words.first() {
            shown.push_str(" '");
            shown.push_str(&first.text);
            if let Some(second) = self.words.get(1) {
                shown.push(' ');
                shown.push_str(&second.text);
            }
            shown.push('\'');
        }
    }
}

/// keepalived's deepest real nesting is 4 (virtual_server, real_server,
/// HTTP_GET, url). The cap keeps recursion over the tree (dropping it
/// included) bounded whatever the file holds.
const MAX_BLOCK_DEPTH: usize = 32;

/// Nests items as the lexer produces them, so the load never holds the
/// flat item stream and the tree at once.
#[derive(Default)]
pub struct Builder {
    top: Vec<Node>,
    /// The children of each open block, the innermost last. A block's
    /// opener stays where it was read, the last node of the level above
    /// (of `top` for the outermost), and takes its children when it
    /// closes: no opener moved out and back in (size: issue 17).
    stack: Vec<Vec<Node>>,
    /// A `{` belongs to the statement right before it, even on the next
    /// line, but not to one that already had a block closed after it.
    after_stmt: bool,
    /// Set when nesting went too deep: the rest is ignored.
    stopped: bool,
}

impl Builder {
    /// One piece read at `pos`: a node keeps a copy of it, a brace
    /// only says where it is (size: issue 17). A statement's words are
    /// taken from it (the lexer's list of pieces is walked in place).
    pub fn push(&mut self, piece: &mut Piece, pos: &Pos, sink: &mut Sink) {
        if self.stopped {
            return;
        }
        let depth = self.stack.len();
        // The words of the node this piece adds: a statement's, or none
        // for a `{` that follows no statement (reported). One push of a
        // node for both (size: issue 17).
        let words = match piece {
            Piece::Stmt(words) => Some(core::mem::take(words)),
            Piece::Open if depth >= MAX_BLOCK_DEPTH => {
                sink.error_fmt(
                    pos,
                    format_args!(
                        "blocks nested more than {MAX_BLOCK_DEPTH} deep; rest of the file ignored"
                    ),
                );
                self.stopped = true;
                while close(&mut self.stack, &mut self.top) {}
                return;
            }
            // After a statement, it is the last node of this level and
            // opens the block; else a node with no words does.
            Piece::Open if self.after_stmt => None,
            Piece::Open => {
                sink.error(pos, "unexpected '{'");
                Some(Box::default())
            }
            Piece::Close => {
                if !close(&mut self.stack, &mut self.top) {
                    sink.error(pos, "unexpected '}'");
                }
                self.after_stmt = false;
                return;
            }
        };
        if let Some(words) = words {
            let children = self.stack.last_mut().unwrap_or(&mut self.top);
            children.push(Node {
                words,
                pos: pos.clone(),
                block: None,
            });
        }
        // A statement, or a `{` opening a block.
        let stmt = matches!(piece, Piece::Stmt(_));
        if !stmt {
            self.stack.push(Vec::new());
        }
        self.after_stmt = stmt;
    }

    /// The tree; blocks still open are closed and, when `report` (the
    /// input was read to its end), reported as unterminated.
    pub fn finish(mut self, sink: &mut Sink, report: bool) -> Vec<Node> {
        while close(&mut self.stack, &mut self.top) {
            if report {
                // The block just closed: the last node of the level it is
                // in.
                let level = self.stack.last().unwrap_or(&self.top);
                if let Some(opener) = level.last() {
                    // Built in place: no title of its own to format in.
                    let mut msg = String::from("unterminated block");
                    opener.title(&mut msg);
                    msg.push_str(": missing '}'");
                    sink.push(&opener.pos, Severity::Error, msg);
                }
            }
        }
        self.top.shrink_to_fit();
        self.top
    }
}

#[cfg(test)]
pub fn build(items: Vec<(Piece, Pos)>, sink: &mut Sink) -> Vec<Node> {
    let mut builder = Builder::default();
    for (mut piece, pos) in items {
        builder.push(&mut piece, &pos, sink);
    }
    builder.finish(sink, true)
}

/// Closes the innermost open block: its children go to its opener, the
/// last node of the level above (or of the top level); false when none is
/// open. It pops the children itself: nothing moved in by value at each
/// caller (size: issue 17).
fn close(stack: &mut Vec<Vec<Node>>, top: &mut Vec<Node>) -> bool {
    let Some(children) = stack.pop() else {
        return false;
    };
    let level = stack.last_mut().unwrap_or(top);
    if let Some(opener) = level.last_mut() {
        opener.block = Some(children.into_boxed_slice());
    }
    true
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::config::lexer::lex_line;

    fn tree(lines: &[&str]) -> (Vec<Node>, Vec<String>) {
        let file: Rc<str> = Rc::from("t.conf");
        let mut items = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let line_no = u32::try_from(i + 1).unwrap();
            let pos = Pos {
                file: file.clone(),
                line: line_no,
                seq: line_no,
            };
            let (pieces, _) = lex_line(line);
            items.extend(pieces.into_iter().map(|piece| (piece, pos.clone())));
        }
        let mut sink = Sink::default();
        let nodes = build(items, &mut sink);
        let msgs = sink.finish().iter().map(ToString::to_string).collect();
        (nodes, msgs)
    }

    fn shape(nodes: &[Node]) -> String {
        let parts: Vec<String> = nodes
            .iter()
            .map(|n| {
                let words: Vec<&str> = n.words.iter().map(|w| w.text.as_str()).collect();
                match &n.block {
                    Some(b) => format!("{}{{{}}}", words.join(" "), shape(b)),
                    None => words.join(" "),
                }
            })
            .collect();
        parts.join(";")
    }

    #[test]
    fn brace_on_next_line() {
        let (nodes, msgs) = tree(&["vrrp_instance VI_1", "# comment", "{", "state MASTER", "}"]);
        assert_eq!(shape(&nodes), "vrrp_instance VI_1{state MASTER}");
        assert!(msgs.is_empty());
    }

    #[test]
    fn one_line_blocks() {
        let (nodes, msgs) = tree(&["a {", "v { 1 } w { 2 }", "}"]);
        assert_eq!(shape(&nodes), "a{v{1};w{2}}");
        assert!(msgs.is_empty());
    }

    #[test]
    fn extra_close() {
        let (nodes, msgs) = tree(&["a {", "}", "}"]);
        assert_eq!(shape(&nodes), "a{}");
        assert_eq!(msgs, ["(t.conf: Line 3) unexpected '}'"]);
    }

    #[test]
    fn unterminated() {
        let (nodes, msgs) = tree(&["vrrp_instance VI_1 {", "virtual_ipaddress {", "}"]);
        assert_eq!(shape(&nodes), "vrrp_instance VI_1{virtual_ipaddress{}}");
        assert_eq!(
            msgs,
            ["(t.conf: Line 1) unterminated block 'vrrp_instance VI_1': missing '}'"]
        );
    }

    #[test]
    fn nesting_is_capped() {
        let deep = "a {".repeat(100);
        let (nodes, msgs) = tree(&["x", &deep, "y"]);
        assert_eq!(nodes.len(), 2);
        assert_eq!(
            msgs,
            ["(t.conf: Line 2) blocks nested more than 32 deep; rest of the file ignored"]
        );
    }

    #[test]
    fn stray_open() {
        let (nodes, msgs) = tree(&["a { }", "{ b }"]);
        assert_eq!(shape(&nodes), "a{};{b}");
        assert_eq!(msgs, ["(t.conf: Line 2) unexpected '{'"]);
        let (_, msgs) = tree(&["{ b"]);
        assert_eq!(
            msgs,
            [
                "(t.conf: Line 1) unexpected '{'",
                "(t.conf: Line 1) unterminated block: missing '}'"
            ]
        );
    }
}
