//! The track_* lines of instances and sync groups against the rest of the
//! configuration, as keepalived 2.2.7 resolves them: each name must name a
//! block, a repeated or pointless line is dropped, and weights that cannot
//! apply (an address owner; a sync group without
//! `sync_group_tracking_weight`) are cleared or dropped with keepalived's
//! words (vrrp/vrrp.c:vrrp_complete_instance, sync_group_tracking_init).
//!
//! A name that names no block is an error: keepalived drops the line and
//! runs, but `keepalived -t` exits 5 on it, and a router that silently does
//! not track what its config says does not fail over when it should.
//! Everything keepalived drops or changes without losing what the line
//! asked for is a warning.

use arrayvec::ArrayVec;

use super::diag::Sink;
use super::keywords::At;
use super::model::{Track, TrackFile, TrackProcess, VrrpScript};
use super::names::Map;
use crate::limits::MAX_TRACKS;

/// The blocks a track_* line may name, each kind with the index of the
/// first block of each name: a line's block is found by halves (a search
/// along the blocks per line made 60,000 lines naming 20,000 scripts take
/// 13 s to load).
pub struct Defined<'a> {
    pub scripts: &'a [VrrpScript],
    pub files: &'a [TrackFile],
    pub processes: &'a [TrackProcess],
    by_name: [Map<&'a str, usize>; 3],
}

impl<'a> Defined<'a> {
    pub fn new(
        scripts: &'a [VrrpScript],
        files: &'a [TrackFile],
        processes: &'a [TrackProcess],
    ) -> Defined<'a> {
        // Three plain loops: through one function taking a dyn iterator,
        // each list had an iterator's code and table of its own (size:
        // issue 17).
        let mut by_name = [Map::default(), Map::default(), Map::default()];
        let [s, f, p] = &mut by_name;
        for (i, b) in scripts.iter().enumerate() {
            s.first_or_insert(b.name.as_str(), i);
        }
        for (i, b) in files.iter().enumerate() {
            f.first_or_insert(b.name.as_str(), i);
        }
        for (i, b) in processes.iter().enumerate() {
            p.first_or_insert(b.name.as_str(), i);
        }
        Defined {
            scripts,
            files,
            processes,
            by_name,
        }
    }
}

/// The four track_* lists of an instance or a sync group, as read.
pub struct RawTracks<'a> {
    pub interfaces: &'a [At<Track>],
    pub scripts: &'a [At<Track>],
    pub files: &'a [At<Track>],
    pub processes: &'a [At<Track>],
}

/// Where the same lists go checked, each at most `MAX_TRACKS` long: the
/// model's own lists, filled in place (a returned set of lists was
/// kilobytes moved, code at each move; size: issue 17).
pub struct Tracks<'a> {
    pub interfaces: &'a mut ArrayVec<Track, MAX_TRACKS>,
    pub scripts: &'a mut ArrayVec<Track, MAX_TRACKS>,
    pub files: &'a mut ArrayVec<Track, MAX_TRACKS>,
    pub processes: &'a mut ArrayVec<Track, MAX_TRACKS>,
}

/// What the instance is, for the weight rules.
pub struct Owner<'a> {
    /// `(NAME)` in keepalived's messages.
    pub name: &'a str,
    /// The instance's own interface (None for a sync group).
    pub interface: Option<&'a str>,
    /// Priority 255, or a sync group with such a member.
    pub owner: bool,
    /// A member of a sync group without sync_group_tracking_weight.
    pub sync_no_weight: bool,
}

/// The weight of the block named `name` in list `k` (scripts, files,
/// processes), None when there is no such block (or for interfaces, which
/// have no block). One search per line, for whether the block exists and
/// for its weight (size: issue 17).
fn block_weight(d: &Defined, k: usize, name: &str) -> Option<i16> {
    let i = *d.by_name.get(k.checked_sub(1)?)?.get(name)?;
    match k {
        1 => d.scripts.get(i).map(|s| s.weight),
        2 => d.files.get(i).map(|f| f.weight),
        _ => d.processes.get(i).map(|p| p.weight),
    }
}

/// The checked lists of an instance (`o.interface` set) or a sync group
/// into `t`, one list after the other (a line has at most one message from
/// here, so the order of the lists' messages is the file's).
pub fn check(sink: &mut Sink, d: &Defined, o: &Owner, raw: &RawTracks, t: Tracks) {
    // Four calls of one function: a loop over the four lists was unrolled
    // into four copies of its body (size: issue 17).
    check_list(sink, (d, o), 0, raw.interfaces, t.interfaces);
    check_list(sink, (d, o), 1, raw.scripts, t.scripts);
    check_list(sink, (d, o), 2, raw.files, t.files);
    check_list(sink, (d, o), 3, raw.processes, t.processes);
}

/// The keyword of list `k` (interfaces, scripts, files, processes), the
/// block its lines name, and what a sync group's weighted line of it is
/// called and becomes (data, not a match in code; size: issue 17).
const LISTS: [[&str; 4]; 4] = [
    ["track_interface", "", "interface", "clearing weight"],
    ["track_script", "vrrp_script", "script", "clearing weight"],
    ["track_file", "track_file", "file", "setting weight 0"],
    [
        "track_process",
        "vrrp_track_process",
        "process",
        "setting weight 0",
    ],
];

/// One list of [`check`]: list `k`'s lines checked into `out`. Only lines
/// whose name exists are kept, each name once (keepalived keeps the first:
/// vrrp_track.c "(%s) duplicate track_interface %s - ignoring"); an earlier
/// line of the same name is looked for among all the lines before, as the
/// name decides whether a line exists.
#[inline(never)]
fn check_list(
    sink: &mut Sink,
    (d, o): (&Defined, &Owner),
    k: usize,
    lines: &[At<Track>],
    out: &mut ArrayVec<Track, MAX_TRACKS>,
) {
    let [keyword, block, ..] = LISTS.get(k).copied().unwrap_or_default();
    // Two passes, as keepalived reports: first every line's "no such
    // block" and "duplicate" messages, then the kept lines' weight
    // messages. The lines of a multiline $PARAM share one position, where
    // messages keep the order they were said in.
    // The first line of each name (a search along the lines before each
    // line made 60,000 lines take seconds to load).
    // A plain loop, as in [`Defined::new`] (size: issue 17).
    let mut first = Map::default();
    for (i, line) in lines.iter().enumerate() {
        first.first_or_insert(line.v.name.as_str(), i);
    }
    for pass in 0..2 {
        for (i, line) in lines.iter().enumerate() {
            // A str, not a &String: no forwarding Display of its own (size:
            // issue 17).
            let name = line.v.name.as_str();
            // Looked up once for both uses: whether the block exists (any
            // interface may be named), and its weight.
            let block_weight = block_weight(d, k, name);
            if k != 0 && block_weight.is_none() {
                if pass == 0 {
                    sink.error_fmt(
                        &line.pos,
                        format_args!("{keyword}: no {block} named '{name}'"),
                    );
                }
                continue;
            }
            let earlier = first.get(name).filter(|&&f| f < i);
            if let Some(first) = earlier.and_then(|&f| lines.get(f)) {
                if pass == 0 {
                    let at = first.pos.refer_from(&line.pos);
                    sink.warn_fmt(
                        &line.pos,
                        format_args!(
                            "({}) duplicate {keyword} {name} - ignoring (first at {at})",
                            o.name
                        ),
                    );
                }
                continue;
            }
            if pass == 0 {
                continue;
            }
            let Some(zero) = verdict(sink, o, k, line, block_weight) else {
                continue;
            };
            // Room looked for before the clone, and one clone for every
            // case (size: issue 17).
            if out.is_full() {
                let what = (keyword, " entries");
                super::validate::too_many(sink, &line.pos, what, "MAX_TRACKS", MAX_TRACKS);
                break;
            }
            out.push(line.v.clone());
            if let Some(kept) = out.last_mut().filter(|_| zero) {
                kept.weight = Some(0);
            }
        }
    }
}

/// Why a weight cannot apply, in keepalived's words (it spells the owner
/// two ways).
fn reason(o: &Owner, underscore: bool) -> &'static str {
    match (o.sync_no_weight, underscore) {
        (true, _) => "SYNC group",
        (false, true) => "address_owner",
        (false, false) => "address owner",
    }
}

/// What becomes of a line of list `k`: None, dropped; Some(true), kept
/// with weight 0; Some(false), kept as it is. Every kind's weight is the
/// line's own, else its block's (a file's defaults to 1), and it only
/// matters for an address owner or a member of a sync group without
/// sync_group_tracking_weight (a sync group's `sync_no_weight` is false):
/// one path for all, the kinds apart only in what is said (size: issue
/// 17).
/// `block` is the weight of the block the line names (None for an
/// interface).
fn verdict(
    sink: &mut Sink,
    o: &Owner,
    k: usize,
    t: &At<Track>,
    block: Option<i16>,
) -> Option<bool> {
    let (name, pos) = (t.v.name.as_str(), &t.pos);
    if k == 0 && o.interface == Some(name) {
        // vrrp.c:vrrp_complete_instance; the own interface is tracked
        // anyway (FAULT while down) unless dont_track_primary.
        sink.warn_fmt(
            pos,
            format_args!(
                "({}) Ignoring track_interface {name} since own interface",
                o.name
            ),
        );
        return None;
    }
    // The line's own weight, else its block's (else a file's 1).
    let weight = t.v.weight.unwrap_or(block.unwrap_or(i16::from(k == 2)));
    let instance = o.interface.is_some();
    if weight == 0 || !(o.owner || o.sync_no_weight) || (instance && k == 3) {
        return Some(false);
    }
    if !instance {
        group_line(sink, o, k, t);
        return Some(true);
    }
    if k >= 2 {
        return instance_file(sink, o, t, weight);
    }
    // keepalived's two wordings, "NAME tracked interface [weight ]" and
    // "tracked script NAME with weights ", in one message: one call for
    // both (size: issue 17).
    let (a, b, c) = if k == 0 {
        let prefix = if o.sync_no_weight { "weight " } else { "" };
        (name, " tracked interface ", prefix)
    } else {
        ("tracked script ", name, " with weights ")
    };
    sink.warn_fmt(
        pos,
        format_args!(
            "({}) ignoring {a}{b}{c}due to {}",
            o.name,
            reason(o, k == 1)
        ),
    );
    // In a sync group an interface's line stays, unweighted; an owner
    // drops it, and a script's line is dropped.
    (k == 0 && o.sync_no_weight).then_some(true)
}

/// A weighted track_file line of an address owner (or a member of a sync
/// group without sync_group_tracking_weight).
fn instance_file(sink: &mut Sink, o: &Owner, t: &At<Track>, weight: i16) -> Option<bool> {
    let (name, why) = (t.v.name.as_str(), reason(o, true));
    if weight == 1 {
        // keepalived takes weight 1 for "not set" and makes it 0.
        sink.warn_fmt(
            &t.pos,
            format_args!(
                "({}) ignoring weight from tracked file {name} due to {why}. specify weight 0",
                o.name
            ),
        );
        return Some(true);
    }
    sink.warn_fmt(
        &t.pos,
        format_args!(
            "({}) ignoring tracked file {name} with weight {weight} due to {why}",
            o.name
        ),
    );
    None
}

/// A weighted line of a sync group with an address owner among its
/// members: its weight is cleared (vrrp.c:sync_group_tracking_init).
fn group_line(sink: &mut Sink, o: &Owner, k: usize, t: &At<Track>) {
    let [_, _, what, outcome] = LISTS.get(k).copied().unwrap_or_default();
    sink.warn_fmt(
        &t.pos,
        format_args!(
            "({}) Cannot have weighted track {what} '{}' with member having priority 255 - {outcome}",
            o.name, t.v.name
        ),
    );
}
