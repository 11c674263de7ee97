//! The keyword-table library the grammar files share: a block's keyword
//! table, the machinery that runs a block's statements through it, and the
//! readers of one statement's value. The grammars themselves are
//! `parser` (the file, global_defs, sync groups, scripts) and `instance`
//! (vrrp_instance); both use this file and neither uses the other's tables.

use core::net::IpAddr;

use super::diag::{Pos, Severity, Sink};
use super::known;
use super::model::{Script, Track};
use super::tree::Node;
use super::values::{NumError, parse_bool, parse_fixed, parse_int, parse_ip};

/// A value and the statement that set it.
#[derive(Clone, Debug)]
pub struct At<T> {
    pub v: T,
    pub pos: Pos,
}

pub type Handler<T> = fn(&mut Sink, &Node, &mut T);

/// What a keyword does with its statement. Most keywords read one value of
/// a common kind into one field: those are data, a function naming the
/// field and its kind ([`Slot`]), run by [`apply`], instead of a handler
/// each (size: issue 17). A keyword with rules of its own has a handler.
///
/// Whether the keyword opens a block of its own is part of the kind.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Kind {
    /// A handler, for a keyword with a value.
    Run,
    /// A handler, for a keyword that opens a block.
    RunBlock,
    Data,
    /// Data read from a block ([`Slot::Tracks`]).
    DataBlock,
}

/// A keyword's function: `run` for a handler, `data` for data, as the
/// entry's [`Kind`] says (the constructors below set both together).
///
/// `repr(C)`, as [`Kw`]: [`dispatch`] reads every table as [`AnyKw`]
/// (so the functions are read only as [`AnyFun`]'s).
#[repr(C)]
union Fun<T: 'static> {
    run: Handler<T>,
    data: fn(&mut T) -> Slot<'_>,
}

/// A field of the block being read, with the kind of value it takes. Only
/// the function that names the field is per block; reading the value is
/// one [`apply`] for every block, and [`run`] has two arms in each block's
/// copy instead of one per kind.
pub enum Slot<'a> {
    /// An integer in the range; a bad value leaves the field as it was.
    U32(&'a mut u32, &'static (i32, i32)),
    /// The same into an optional field.
    OptU32(&'a mut Option<u32>, &'static (i32, i32)),
    /// A switch ([`flag`]).
    Flag(&'a mut bool),
    /// A switch, remembered as given.
    OptFlag(&'a mut Option<bool>),
    /// A keyword alone ([`no_args`]) that turns the field on.
    On(&'a mut bool),
    /// A notify script; a bad one clears the field, or with `true` leaves
    /// it as it was (one arm for both: size, issue 17).
    Notify(&'a mut Option<Script>, bool),
    /// A text, read as the [`Reader`] says; a bad statement leaves the
    /// field as it was (one arm for every text: size, issue 17).
    Text(&'a mut Option<String>, Reader),
    /// A `track_*` block, added to the field.
    Tracks(&'a mut Vec<At<Track>>, &'static TrackKind),
    /// An integer in the range, with where it was set; a bad value leaves
    /// the field as it was.
    AtU32(&'a mut Option<At<u32>>, &'static (i32, i32)),
    /// A keyword alone, remembered with where it was.
    Here(&'a mut Option<Pos>),
    /// Decimal seconds ([`fixed`]: decimals, lo, hi, range shown), in the
    /// units of the decimals.
    Fixed(&'a mut u32, &'static (u32, u32, u32, &'static str)),
    /// A block's `weight N [reverse]` into its weight and reverse fields
    /// (`trackers::block_weight`); a bad one leaves both.
    Weight(&'a mut i16, &'a mut bool, &'static (i32, i32)),
}

/// How a [`Slot::Text`] is read.
#[derive(Clone, Copy)]
pub enum Reader {
    /// One word ([`string`]).
    Word,
    /// `USER [GROUP]` ([`user_group`]).
    User,
    /// A FIFO's path ([`fifo`]).
    Fifo,
}

/// One keyword of a block: its name and what to do with it. The name is
/// held as its bytes' address and length, the kind beside the length: an
/// entry is then three words, not four as with a `&str` and an enum of
/// functions (131 of them; size: issue 17). Built only by [`val`], [`blk`],
/// [`data`] and [`tracks`].
#[repr(C)]
pub struct Kw<T: 'static> {
    name: *const u8,
    len: u16,
    kind: Kind,
    fun: Fun<T>,
}

// SAFETY: an entry is read-only data, a `&'static str`'s address and
// length and a function pointer, as shareable between threads as those.
unsafe impl<T> Sync for Kw<T> {}

/// [`Kw`] with the block's type erased, as [`dispatch`] reads a table:
/// the same layout (both `repr(C)`, the functions one pointer either way),
/// the block a raw pointer. One copy of the statement loop then serves
/// every table, where the copies for each `T` were not merged (the
/// functions differ in their pointers' attributes; size: issue 17).
#[repr(C)]
struct AnyKw {
    name: *const u8,
    len: u16,
    kind: Kind,
    fun: AnyFun,
}

/// [`Fun`] with `&mut T` read as `*mut ()`. Never built: a table of
/// [`Kw`] is read as one.
#[repr(C)]
union AnyFun {
    run: fn(&mut Sink, &Node, *mut ()),
    data: fn(*mut ()) -> Slot<'static>,
}

// The layouts agree (the `repr(C)` rules make them, for every `T`).
const _: () = assert!(
    size_of::<Kw<u8>>() == size_of::<AnyKw>() && align_of::<Kw<u8>>() == align_of::<AnyKw>()
);

/// The name of an entry, from the address and length [`kw`] took from a
/// `&'static str`.
///
/// # Safety
/// `name` and `len` must be one entry's own fields (so taken by [`kw`]
/// from one `&'static str`).
unsafe fn name_of(name: *const u8, len: u16) -> &'static str {
    // SAFETY: the caller passes an entry's fields, which `kw` took from one
    // `&'static str`: its bytes, valid UTF-8, live and unchanged for ever.
    unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(name, usize::from(len))) }
}

impl AnyKw {
    fn name(&self) -> &'static str {
        // SAFETY: this entry's own fields.
        unsafe { name_of(self.name, self.len) }
    }

    /// Whether the keyword opens a block of its own.
    fn block(&self) -> bool {
        matches!(self.kind, Kind::RunBlock | Kind::DataBlock)
    }
}

/// An entry named `name`; [`Fun`] as `kind` says.
const fn kw<T>(name: &'static str, kind: Kind, fun: Fun<T>) -> Kw<T> {
    assert!(name.len() <= u16::MAX as usize);
    Kw {
        name: name.as_ptr(),
        len: name.len() as u16,
        kind,
        fun,
    }
}

pub const fn val<T>(name: &'static str, f: Handler<T>) -> Kw<T> {
    kw(name, Kind::Run, Fun { run: f })
}

pub const fn blk<T>(name: &'static str, f: Handler<T>) -> Kw<T> {
    kw(name, Kind::RunBlock, Fun { run: f })
}

/// A keyword whose statement is read as data ([`Slot`]).
pub const fn data<T>(name: &'static str, f: fn(&mut T) -> Slot<'_>) -> Kw<T> {
    kw(name, Kind::Data, Fun { data: f })
}

/// A `track_*` keyword: data ([`Slot::Tracks`]) with a block.
pub const fn tracks<T>(name: &'static str, f: fn(&mut T) -> Slot<'_>) -> Kw<T> {
    kw(name, Kind::DataBlock, Fun { data: f })
}

/// Runs one keyword's function on its statement, `target` the block the
/// table is for (see [`dispatch`]).
fn run(sink: &mut Sink, node: &Node, k: &AnyKw, target: *mut ()) {
    // SAFETY: the union holds the function the kind says (`kw`'s callers
    // set both together).
    match k.kind {
        Kind::Run | Kind::RunBlock => unsafe { (k.fun.run)(sink, node, target) },
        Kind::Data | Kind::DataBlock => apply(sink, node, unsafe { (k.fun.data)(target) }),
    }
}

/// Reads a data keyword's value into its field.
fn apply(sink: &mut Sink, node: &Node, slot: Slot) {
    match slot {
        Slot::U32(v, &(lo, hi)) => {
            if let Some(x) = int(sink, node, lo, hi) {
                *v = x;
            }
        }
        Slot::OptU32(v, &(lo, hi)) => {
            if let Some(x) = int(sink, node, lo, hi) {
                *v = Some(x);
            }
        }
        Slot::Flag(v) => *v = flag(sink, node),
        Slot::OptFlag(v) => *v = Some(flag(sink, node)),
        Slot::On(v) => {
            no_args(sink, node);
            *v = true;
        }
        Slot::Notify(v, keep) => {
            let x = notify_script(sink, node);
            if x.is_some() || !keep {
                *v = x;
            }
        }
        Slot::Text(v, reader) => {
            let x = match reader {
                Reader::Word => string(sink, node),
                Reader::User => user_group(sink, node),
                Reader::Fifo => fifo(sink, node),
            };
            if let Some(x) = x {
                *v = Some(x);
            }
        }
        Slot::Tracks(v, kind) => track_block(sink, node, kind, v),
        Slot::AtU32(v, &(lo, hi)) => keep(v, int(sink, node, lo, hi), node),
        Slot::Here(v) => {
            no_args(sink, node);
            *v = Some(node.pos.clone());
        }
        Slot::Fixed(v, &(decimals, lo, hi, shown)) => {
            if let Some(x) = fixed(sink, node, decimals, lo, hi, shown) {
                *v = x;
            }
        }
        Slot::Weight(w, reverse, &range) => {
            if let Some((x, r)) = super::trackers::block_weight(sink, node, range) {
                (*w, *reverse) = (x, r);
            }
        }
    }
}

/// A value read with its statement's position; None leaves the field.
fn keep<T>(field: &mut Option<At<T>>, v: Option<T>, node: &Node) {
    if let Some(v) = v {
        *field = Some(At {
            v,
            pos: node.pos.clone(),
        });
    }
}

/// The keywords that a keyword table reads and that
/// [`known::unsupported`] also names, all of them vrrp_instance's: read
/// to check their values, and said to be not supported.
const ALSO_KNOWN: &[&str] = &["debug", "native_ipv6", "no_accept"];

/// Whether `kw` of `block` is in [`ALSO_KNOWN`]: the block compared once,
/// not a list of pairs (size: issue 17).
fn also_known(block: &str, kw: &str) -> bool {
    block == "vrrp_instance" && ALSO_KNOWN.contains(&kw)
}

/// For each table's test: [`ALSO_KNOWN`] lists exactly the keywords of
/// `table` that [`known::unsupported`] names in `block`.
#[cfg(test)]
pub(crate) fn check_also_known<T>(table: &[Kw<T>], block: &str) {
    for k in table {
        // SAFETY: this entry's own fields.
        let name = unsafe { name_of(k.name, k.len) };
        assert_eq!(
            also_known(block, name),
            known::unsupported(block, name).is_some(),
            "{block} {name}: ALSO_KNOWN is wrong"
        );
    }
}

/// keepalived blocks for features tinyvrrpd does not have. They are read
/// (with everything nested) and dropped with one warning each, so configs
/// that also drive LVS, BFD or static routes still load.
const IGNORED_BLOCKS: &[&str] = &[
    "virtual_server",
    "virtual_server_group",
    "real_server",
    "bfd_instance",
    "linkbeat_interfaces",
];

/// Runs a block's statements through its keyword table. `block` names the
/// block for [`known::UNSUPPORTED`] (`root` at the top level): a keyword
/// keepalived knows there and tinyvrrpd does not act on is named with what
/// keepalived would have done (and still read by the table when it has
/// it, so its value is checked); any other keyword is a typo, an error
/// naming the nearest known keyword.
pub fn dispatch<T>(sink: &mut Sink, nodes: &[Node], table: &[Kw<T>], target: &mut T, block: &str) {
    // SAFETY: `Kw<T>` and `AnyKw` have the same layout (both `repr(C)`,
    // the same fields; `Fun<T>` and `AnyFun` are `repr(C)` unions of the
    // same fields, each one function pointer), so the table is read as
    // what it is. Each handler is then called through a pointer type that
    // says `*mut ()` for its `&mut T`, which Rust documents as
    // ABI-compatible (primitive `fn`, "ABI compatibility"); the pointer
    // handed to it is `target`'s, and nothing else uses `target` until
    // `statements` returns. A `Slot` a data function returns is used up
    // by `apply` before the next statement.
    let table = unsafe { core::slice::from_raw_parts(table.as_ptr().cast::<AnyKw>(), table.len()) };
    statements(
        sink,
        nodes,
        table,
        core::ptr::from_mut(target).cast(),
        block,
    );
}

/// [`dispatch`] with the block's type erased: one function for every
/// table (size: issue 17).
#[inline(never)]
fn statements(sink: &mut Sink, nodes: &[Node], table: &[AnyKw], target: *mut (), block: &str) {
    for node in nodes {
        if let Some(k) = check(sink, node, table, block) {
            run(sink, node, k, target);
        }
    }
}

/// One statement against a table: the keyword to run, after
/// the warnings and errors [`dispatch`] describes.
fn check<'t>(sink: &mut Sink, node: &Node, table: &'t [AnyKw], block: &str) -> Option<&'t AnyKw> {
    if node.words.is_empty() {
        // A stray `{ ... }`; the tree builder has reported it.
        return None;
    }
    let kw = node.keyword();
    // Plain walks of the table: adapters over it were code of their own.
    let mut found = None;
    let mut i = 0;
    while let Some(k) = table.get(i) {
        if k.name() == kw {
            found = Some((k, k.block()));
            break;
        }
        i += 1;
    }
    // The known keywords are packed text, unpacked to be compared: a walk
    // costs as much as a few hundred table look-ups. A keyword the table
    // has is known unsupported only when it is in ALSO_KNOWN (each table's
    // test checks that list against the packed one), so a configuration of
    // supported keywords loads without walking it at all.
    let unsupported = match found {
        Some(_) if !also_known(block, kw) => None,
        _ => known::unsupported(block, kw),
    };
    if let Some((line, fatal)) = unsupported {
        let mut msg = format!("{kw}: not supported by tinyvrrpd: would ");
        known::meaning(line, &mut msg);
        let severity = if fatal {
            Severity::Error
        } else {
            Severity::Warning
        };
        sink.push(&node.pos, severity, msg);
        if fatal {
            return None;
        }
    }
    match found {
        Some((k, takes_block)) => {
            if takes_block && node.block.is_none() {
                said(sink, &node.pos, kw, "needs a block { ... }");
                return None;
            }
            if !takes_block && node.block.is_some() {
                said(sink, &node.pos, kw, "does not take a block");
            }
            Some(k)
        }
        None if unsupported.is_some() => None,
        None if IGNORED_BLOCKS.contains(&kw) => {
            sink.warn_fmt(
                &node.pos,
                format_args!("{kw} blocks are not supported by tinyvrrpd; ignored"),
            );
            None
        }
        None => {
            let mut near = known::Nearest::new(kw);
            let mut i = 0;
            while let Some(k) = table.get(i) {
                near.offer(k.name());
                i += 1;
            }
            near.offer_known(block);
            match near.best() {
                Some(near) => sink.error_fmt(
                    &node.pos,
                    format_args!("Unknown keyword '{kw}' (did you mean '{near}'?)"),
                ),
                None => sink.error_fmt(&node.pos, format_args!("Unknown keyword '{kw}'")),
            }
            None
        }
    }
}

/// Whether a line of a list block (`block`) has a block of its own, an
/// error said here: one message for every list block, not one per site.
#[inline(never)]
pub fn stray_block(sink: &mut Sink, line: &Node, block: &str) -> bool {
    let stray = line.block.is_some();
    if stray {
        sink.error_fmt(&line.pos, format_args!("unexpected block in {block}"));
    }
    stray
}

/// The statements of a node's block (empty when it has none).
pub fn body(node: &Node) -> &[Node] {
    node.block.as_deref().unwrap_or(&[])
}

// ---- single values -------------------------------------------------------

/// Words beyond the first `allowed` arguments are ignored with a warning
/// (keepalived ignores them silently; a typo there should be visible).
pub fn warn_extra(sink: &mut Sink, node: &Node, allowed: usize) {
    if let Some(extra) = node.args().get(allowed) {
        extra_ignored(sink, &node.pos, node.keyword(), &extra.text);
    }
}

/// The error `WHAT REST` (`interface needs a value`): one format for the
/// messages that differ only in their words.
#[inline(never)]
pub fn said(sink: &mut Sink, pos: &Pos, what: &str, rest: &str) {
    sink.error_fmt(pos, format_args!("{what} {rest}"));
}

/// `invalid KEYWORD 'WORD': expected EXPECTED`, a statement's value
/// refused: one format for the readers that say it.
#[inline(never)]
pub fn invalid(sink: &mut Sink, node: &Node, word: &str, expected: &str) {
    let kw = node.keyword();
    sink.error_fmt(
        &node.pos,
        format_args!("invalid {kw} '{word}': expected {expected}"),
    );
}

/// `WHAT: extra argument 'WORD' ignored`: one message for every line that
/// says it.
#[inline(never)]
pub fn extra_ignored(sink: &mut Sink, pos: &Pos, what: &str, word: &str) {
    sink.warn_fmt(pos, format_args!("{what}: extra argument '{word}' ignored"));
}

/// The one argument of a statement. Extra words are ignored with a warning
/// (keepalived ignores them silently; a typo there should be visible).
pub fn value<'a>(sink: &mut Sink, node: &'a Node) -> Option<&'a str> {
    warn_extra(sink, node, 1);
    first_value(sink, node)
}

/// The first argument of a statement, or an error that it needs one: for
/// [`value`], [`fifo`] and `smtp_server` (size: issue 17).
pub fn first_value<'a>(sink: &mut Sink, node: &'a Node) -> Option<&'a str> {
    match node.args().first() {
        Some(w) => Some(w.text.as_str()),
        None => {
            said(sink, &node.pos, node.keyword(), "needs a value");
            None
        }
    }
}

pub fn string(sink: &mut Sink, node: &Node) -> Option<String> {
    value(sink, node).map(str::to_string)
}

/// An integer in `lo..=hi`, converted to the field's type.
pub fn int<T: TryFrom<i32>>(sink: &mut Sink, node: &Node, lo: i32, hi: i32) -> Option<T> {
    int_value(sink, node, lo, hi).and_then(|v| T::try_from(v).ok())
}

/// [`int`] before the conversion: one copy for every field type.
#[inline(never)]
fn int_value(sink: &mut Sink, node: &Node, lo: i32, hi: i32) -> Option<i32> {
    let text = value(sink, node)?;
    int_in(sink, &node.pos, node.keyword(), text, lo, hi)
}

/// An integer word anywhere on a line, `what` naming it in messages.
pub fn int_word<T: TryFrom<i32>>(
    sink: &mut Sink,
    pos: &Pos,
    what: &str,
    text: &str,
    lo: i32,
    hi: i32,
) -> Option<T> {
    int_in(sink, pos, what, text, lo, hi).and_then(|v| T::try_from(v).ok())
}

/// [`int_word`] before the conversion. The range is formatted only for a
/// message, not for every value read. The value is handed on as an i32
/// (every range read fits one): the conversions to the fields' types are
/// then 32-bit, not 64-bit, code (size: issue 17); a value that did not
/// fit would be out of range.
#[inline(never)]
fn int_in(sink: &mut Sink, pos: &Pos, what: &str, text: &str, lo: i32, hi: i32) -> Option<i32> {
    let parsed = parse_int(text);
    if let Ok(v) = parsed {
        if let Some(x) = i32::try_from(v).ok().filter(|x| (lo..=hi).contains(x)) {
            return Some(x);
        }
    }
    // The range as `1-255`, or `-253 to 253` where a dash would be
    // ambiguous: its parts given to the format (no Display of its own;
    // size: issue 17).
    let dash = if lo < 0 { " to " } else { "-" };
    if parsed == Err(NumError::NotNumber) {
        sink.error_fmt(
            pos,
            format_args!("invalid {what} '{text}': expected a number {lo}{dash}{hi}"),
        );
    } else {
        sink.error_fmt(
            pos,
            format_args!("{what} {text} out of range {lo}{dash}{hi}"),
        );
    }
    None
}

/// Decimal seconds (`0.5`) in units of 10^-`decimals` s, within `lo..=hi`
/// of those units; the range is shown in seconds as `shown`.
pub fn fixed(
    sink: &mut Sink,
    node: &Node,
    decimals: u32,
    lo: u32,
    hi: u32,
    shown: &str,
) -> Option<u32> {
    let text = value(sink, node)?;
    fixed_word(
        sink,
        &node.pos,
        node.keyword(),
        text,
        (decimals, lo, hi, shown),
    )
}

/// [`fixed`] for a word anywhere on a line, `what` naming it in messages;
/// `spec` is (decimals, lo, hi, shown).
pub fn fixed_word(
    sink: &mut Sink,
    pos: &Pos,
    what: &str,
    text: &str,
    (decimals, lo, hi, shown): (u32, u32, u32, &str),
) -> Option<u32> {
    // The value as the u32 the fields hold, None when out of range: the
    // range test and what follows are 32-bit code (size: issue 17).
    let parsed = parse_fixed(text, decimals).map(|(v, exact)| {
        (
            u32::try_from(v).ok().filter(|v| (lo..=hi).contains(v)),
            exact,
        )
    });
    match parsed {
        Err(NumError::NotNumber) => {
            sink.error_fmt(
                pos,
                format_args!("invalid {what} '{text}': expected seconds {shown}"),
            );
            None
        }
        Ok((_, false)) => {
            sink.error_fmt(
                pos,
                format_args!("{what} {text} has more than {decimals} decimals"),
            );
            None
        }
        Ok((Some(v), true)) => Some(v),
        Ok((None, true)) | Err(NumError::TooLarge) => {
            sink.error_fmt(pos, format_args!("{what} {text} out of range {shown}"));
            None
        }
    }
}

/// keepalived's switches: the keyword alone means on, and an optional
/// on/off (yes/no, true/false) may follow.
pub fn flag(sink: &mut Sink, node: &Node) -> bool {
    let Some(w) = node.args().first() else {
        return true;
    };
    match parse_bool(&w.text) {
        Some(b) => b,
        None => {
            invalid(sink, node, &w.text, "on or off");
            false
        }
    }
}

pub fn ip(sink: &mut Sink, node: &Node) -> Option<IpAddr> {
    let text = value(sink, node)?;
    let parsed = parse_ip(text);
    if parsed.is_none() {
        invalid(sink, node, text, "an IP address");
    }
    parsed
}

/// `USER [GROUP]`, kept as `USER` or `USER:GROUP` (chown's notation) since
/// the model holds one string.
pub fn user_group(sink: &mut Sink, node: &Node) -> Option<String> {
    warn_extra(sink, node, 2);
    let user = user_of(node.args());
    if user.is_none() {
        said(sink, &node.pos, node.keyword(), "needs a user name");
    }
    user
}

/// `USER [GROUP]` from the first words of `args`, as [`user_group`] keeps
/// it; None without a user. One copy for it and [`notify_script`]'s
/// (size: issue 17).
fn user_of(args: &[super::lexer::Word]) -> Option<String> {
    match (args.first(), args.get(1)) {
        (Some(u), Some(g)) => Some(format!("{}:{}", u.text, g.text)),
        (Some(u), None) => Some(u.text.clone()),
        _ => None,
    }
}

/// A notify script: one word, quoted when it has arguments, then
/// keepalived's optional `USER [GROUP]` to run it as
/// (`notify_master "/path arg" root`).
pub fn notify_script(sink: &mut Sink, node: &Node) -> Option<Script> {
    warn_extra(sink, node, 3);
    let args = node.args();
    let user = user_of(args.get(1..).unwrap_or_default());
    match args.first() {
        Some(w) if !w.text.trim().is_empty() => Some(Script {
            cmd: w.text.clone(),
            user,
        }),
        _ => {
            said(sink, &node.pos, node.keyword(), "needs a script");
            None
        }
    }
}

/// `notify_fifo FILE [USER [GROUP]]`: the model keeps the path; the fifo
/// owner is not supported and said so.
pub fn fifo(sink: &mut Sink, node: &Node) -> Option<String> {
    let args = node.args();
    if args.len() > 1 {
        sink.warn_fmt(
            &node.pos,
            format_args!(
                "{}: setting the fifo's owner is not supported; ignored",
                node.keyword()
            ),
        );
    }
    first_value(sink, node).map(str::to_string)
}

/// A free-form list block (`notification_email`, `group`): every word of
/// every line is an entry.
///
/// The entries are added to `out` (no list of the block's own to move
/// into the caller's; size: issue 17).
pub fn word_list(sink: &mut Sink, node: &Node, out: &mut Vec<At<String>>) {
    words(sink, node, &mut |v, pos| {
        out.push(At {
            v,
            pos: pos.clone(),
        })
    });
}

/// [`word_list`] for a list that keeps no positions (`notification_email`).
pub fn word_values(sink: &mut Sink, node: &Node, out: &mut Vec<String>) {
    words(sink, node, &mut |v, _| out.push(v));
}

/// The words of a list block, each handed to `out` with its line.
fn words(sink: &mut Sink, node: &Node, out: &mut dyn FnMut(String, &Pos)) {
    for line in body(node) {
        stray_block(sink, line, node.keyword());
        for w in &line.words {
            out(w.text.clone(), &line.pos);
        }
    }
}

// ---- ranges shared by several blocks -------------------------------------

/// Ranges shared by the global and per-instance GARP keywords.
pub const GARP_DELAY: (i32, i32) = (0, 3600);
pub const GARP_REPEAT: (i32, i32) = (1, 255);
pub const GARP_REFRESH: (i32, i32) = (0, 86400);
/// `garp_lower_prio_repeat`: 0 turns the re-announcement off.
pub const GARP_LOWER_PRIO_REPEAT: (i32, i32) = (0, 255);

/// Script weights and track weights: the most a priority can move and
/// still stay within 1-254.
pub const WEIGHT: (i32, i32) = (-253, 253);

/// Weights of `vrrp_track_file` / `vrrp_track_process` blocks and of the
/// track_file / track_process lines: keepalived 2.2.7 reads these as
/// -254..254 without complaint (trackers/track_file.c:track_file_weight_handler,
/// vrrp/vrrp_track.c:alloc_track_process), where interface and script
/// weights stop at +/-253.
pub const WEIGHT_254: (i32, i32) = (-254, 254);

// ---- tracked objects -----------------------------------------------------

/// One kind of `track_*` block of an instance or a sync group.
pub struct TrackKind {
    /// The block keyword, naming the kind in messages.
    pub keyword: &'static str,
    pub weight: (i32, i32),
    /// `noreverse` is a word keepalived knows on this kind of line
    /// (track_script, track_file, track_process; not track_interface).
    pub noreverse: bool,
    /// The names are interface names (checked as such).
    pub interface: bool,
}

pub const TRACK_INTERFACE: TrackKind = TrackKind {
    keyword: "track_interface",
    weight: WEIGHT,
    noreverse: false,
    interface: true,
};
pub const TRACK_SCRIPT: TrackKind = TrackKind {
    keyword: "track_script",
    weight: WEIGHT,
    noreverse: true,
    interface: false,
};
pub const TRACK_FILE: TrackKind = TrackKind {
    keyword: "track_file",
    weight: WEIGHT_254,
    noreverse: true,
    interface: false,
};
pub const TRACK_PROCESS: TrackKind = TrackKind {
    keyword: "track_process",
    weight: WEIGHT_254,
    noreverse: true,
    interface: false,
};

/// The lines of a `track_* { ... }` block, each `NAME [weight N
/// [reverse|noreverse]]` (keepalived 2.2.7 vrrp/vrrp_track.c:alloc_track_if,
/// alloc_track_script, alloc_track_process; trackers/track_file.c:
/// vrrp_alloc_track_file). keepalived ignores a bad line, or a bad word of
/// one, with an error; we refuse the line. The lines read are added to
/// `out`.
fn track_block(sink: &mut Sink, node: &Node, kind: &TrackKind, out: &mut Vec<At<Track>>) {
    for line in body(node) {
        if let Some(t) = track_line(sink, line, kind) {
            out.push(At {
                v: t,
                pos: line.pos.clone(),
            });
        }
    }
}

fn track_line(sink: &mut Sink, line: &Node, kind: &TrackKind) -> Option<Track> {
    let block = kind.keyword;
    stray_block(sink, line, block);
    // An interface name is the checked copy `ifname` makes: no second
    // copy made and dropped (size: issue 17).
    let name = if kind.interface {
        ifname(sink, line, Some(line.keyword()))?
    } else {
        line.keyword().to_string()
    };
    let args = line.args();
    let (weight, reverse) = match args {
        [] => (None, None),
        // `weight` compared once, its value looked for after.
        [w, after @ ..] if w.text == "weight" => {
            let Some((v, rest)) = after.split_first() else {
                said(sink, &line.pos, block, "weight needs a value");
                return None;
            };
            let (lo, hi) = kind.weight;
            let what = format!("{block} weight");
            let weight = int_word(sink, &line.pos, &what, &v.text, lo, hi);
            let reverse = match rest.first().map(|r| r.text.as_str()) {
                None => None,
                Some("reverse") => Some(true),
                Some("noreverse") if kind.noreverse => Some(false),
                Some(other) => {
                    let expected = if kind.noreverse {
                        "reverse or noreverse"
                    } else {
                        "reverse"
                    };
                    sink.error_fmt(
                        &line.pos,
                        format_args!("{block}: unknown weight option '{other}' after {name} (expected {expected})"),
                    );
                    return None;
                }
            };
            if let Some(extra) = rest.get(1) {
                extra_ignored(sink, &line.pos, block, &extra.text);
            }
            (Some(weight?), reverse)
        }
        [other, ..] => {
            sink.error_fmt(
                &line.pos,
                format_args!("{block}: unexpected '{}' after {name}", other.text),
            );
            return None;
        }
    };
    Some(Track {
        name,
        weight,
        reverse,
    })
}

/// Linux interface names: at most IFNAMSIZ-1 bytes, no '/' or blanks.
pub fn ifname(sink: &mut Sink, node: &Node, name: Option<&str>) -> Option<String> {
    let name = name?;
    let ok = !name.is_empty()
        && name.len() <= 15
        && !name
            .bytes()
            .any(|b| matches!(b, b'/' | b' ' | b'\t' | b':'))
        && !matches!(name.as_bytes(), b"." | b"..");
    if ok {
        Some(name.to_string())
    } else {
        sink.error_fmt(&node.pos, format_args!("invalid interface name '{name}'"));
        None
    }
}

/// A statement that takes no argument: extra words are warned about.
pub fn no_args(sink: &mut Sink, node: &Node) {
    warn_extra(sink, node, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table entry is its name's address, its length and kind, and its
    /// function, nothing beside them.
    #[test]
    fn table_entry_is_three_words() {
        assert_eq!(
            core::mem::size_of::<Kw<u8>>(),
            3 * core::mem::size_of::<usize>()
        );
    }
}
