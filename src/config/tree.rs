//! The item stream to a tree of statements with optional `{ ... }` blocks.
//! Brace errors are reported here; the tree is still built as well as it
//! can be, so the parser can report the errors inside it too.

use super::diag::{Pos, Sink};
use super::lexer::{Item, Piece, Word};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Empty only for a stray `{ ... }` that followed no statement.
    pub words: Vec<Word>,
    pub pos: Pos,
    pub block: Option<Vec<Node>>,
}

impl Node {
    pub fn keyword(&self) -> &str {
        self.words.first().map_or("", |w| w.text.as_str())
    }

    /// The words after the keyword.
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// The statement as written, for messages (at most two words, so a
    /// long line does not drown the message).
    fn title(&self) -> String {
        let shown: Vec<&str> = self.words.iter().take(2).map(|w| w.text.as_str()).collect();
        shown.join(" ")
    }
}

struct Frame {
    opener: Node,
    children: Vec<Node>,
}

pub fn build(items: Vec<Item>, sink: &mut Sink) -> Vec<Node> {
    let mut top: Vec<Node> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // A `{` belongs to the statement right before it, even on the next
    // line, but not to one that already had a block closed after it.
    let mut after_stmt = false;
    for Item { piece, pos } in items {
        let children = match stack.last_mut() {
            Some(frame) => &mut frame.children,
            None => &mut top,
        };
        match piece {
            Piece::Stmt(words) => {
                children.push(Node {
                    words,
                    pos,
                    block: None,
                });
                after_stmt = true;
            }
            Piece::Open => {
                let opener = match children.pop() {
                    Some(node) if after_stmt => node,
                    other => {
                        children.extend(other);
                        sink.error(&pos, "unexpected '{'");
                        Node {
                            words: Vec::new(),
                            pos,
                            block: None,
                        }
                    }
                };
                stack.push(Frame {
                    opener,
                    children: Vec::new(),
                });
                after_stmt = false;
            }
            Piece::Close => {
                match stack.pop() {
                    Some(frame) => close(frame, &mut stack, &mut top),
                    None => sink.error(&pos, "unexpected '}'"),
                }
                after_stmt = false;
            }
        }
    }
    while let Some(frame) = stack.pop() {
        let msg = if frame.opener.words.is_empty() {
            "unterminated block: missing '}'".to_string()
        } else {
            format!(
                "unterminated block '{}': missing '}}'",
                frame.opener.title()
            )
        };
        sink.error(&frame.opener.pos, msg);
        close(frame, &mut stack, &mut top);
    }
    top
}

fn close(frame: Frame, stack: &mut [Frame], top: &mut Vec<Node>) {
    let mut node = frame.opener;
    node.block = Some(frame.children);
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => top.push(node),
    }
}
