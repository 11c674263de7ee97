//! The blocks that define tracked objects other than vrrp_script, as
//! keepalived 2.2.7 reads them: `track_file` (and its deprecated name
//! `vrrp_track_file`; trackers/track_file.c), `vrrp_track_process`
//! (vrrp/vrrp_parser.c:vrrp_tprocess_*) and `interface_up_down_delays`
//! (vrrp_parser.c:alloc_if_up_down_delay). Checked here as far as one
//! block allows; names are matched against track_* lines in `validate`.

use super::diag::{Pos, Sink};
use super::keywords::Slot::{AtU32, Fixed, On, Weight};
use super::keywords::{
    At, Kw, WEIGHT_254, body, data, dispatch, fixed, fixed_word, ifname, int_word, val, warn_extra,
};
use super::model::{InitFile, ParamMatch, TrackFile, TrackProcess, UpDownDelay};
use super::names::Map;
use super::tree::Node;

/// `weight N [reverse]` in a vrrp_script, track_file or vrrp_track_process
/// block. keepalived knows only `reverse` after the number there
/// (`noreverse` is a word of the track_* lines).
pub fn block_weight(sink: &mut Sink, node: &Node, (lo, hi): (i32, i32)) -> Option<(i16, bool)> {
    warn_extra(sink, node, 2);
    let args = node.args();
    let Some(w) = args.first() else {
        sink.error(&node.pos, "weight needs a value");
        return None;
    };
    let weight = int_word(sink, &node.pos, "weight", &w.text, lo, hi);
    let reverse = match args.get(1).map(|r| r.text.as_str()) {
        None => false,
        Some("reverse") => true,
        Some(other) => {
            sink.error_fmt(
                &node.pos,
                format_args!("weight: unknown option '{other}' (expected reverse)"),
            );
            return None;
        }
    };
    Some((weight?, reverse))
}

// ---- track_file ----------------------------------------------------------

/// A track_file block read (its position is kept beside it by the caller).
pub fn track_file(sink: &mut Sink, node: &Node, name: String) -> TrackFile {
    let mut f = TrackFile {
        name,
        loc: node.pos.loc(),
        path: String::new(),
        // trackers/track_file.c:track_file_handler: weight = 1.
        weight: 1,
        reverse: false,
        init: None,
    };
    dispatch(sink, body(node), FILE_KW, &mut f, "track_file");
    if f.path.is_empty() {
        // keepalived: "No file set for track_file %s - ignoring".
        sink.error_fmt(
            &node.pos,
            format_args!("{} {} has no file", node.keyword(), f.name),
        );
    }
    f
}

static FILE_KW: &[Kw<TrackFile>] = &[
    val("file", |s, n, f| {
        let Some(path) = n.args().first() else {
            s.error(&n.pos, "file needs a path");
            return;
        };
        warn_extra(s, n, 1);
        if !f.path.is_empty() {
            s.error_fmt(
                &n.pos,
                format_args!("file already set for track_file {}", f.name),
            );
        } else if path.text.is_empty() {
            s.error(&n.pos, "file needs a path");
        } else {
            f.path = path.text.clone();
        }
    }),
    data("weight", |f| {
        Weight(&mut f.weight, &mut f.reverse, &WEIGHT_254)
    }),
    val("init_file", |s, n, f| f.init = init_file(s, n, &f.name)),
];

/// `init_file [VALUE] [overwrite]`, the words in any order
/// (trackers/track_file.c:track_file_init_handler).
fn init_file(sink: &mut Sink, node: &Node, name: &str) -> Option<InitFile> {
    let mut init = InitFile {
        value: 0,
        overwrite: false,
    };
    for w in node.args() {
        let t = w.text.as_str();
        if t == "overwrite" {
            init.overwrite = true;
            continue;
        }
        let (lo, hi) = (i32::MIN, i32::MAX);
        init.value = int_word(sink, &node.pos, "init_file value", t, lo, hi)?;
        if !(-254..=254).contains(&init.value) {
            // keepalived's words; the value is written all the same.
            sink.warn_fmt(
                &node.pos,
                format_args!(
                    "Track file {name} init value {} is outside sensible range [-254, 254]",
                    init.value
                ),
            );
        }
    }
    Some(init)
}

// ---- vrrp_track_process --------------------------------------------------

struct RawTrackProcess {
    process: TrackProcess,
    quorum: Option<At<u32>>,
    quorum_max: Option<At<u32>>,
}

/// A vrrp_track_process block read (its position is kept beside it by the
/// caller).
pub fn track_process(sink: &mut Sink, node: &Node, name: String) -> TrackProcess {
    let mut p = RawTrackProcess {
        // vrrp_data.c:alloc_vrrp_process: quorum 1, quorum_max UINT_MAX,
        // everything else zero (weight 0, no delays, no param match).
        process: TrackProcess::new(name, node.pos.loc(), String::new()),
        quorum: None,
        quorum_max: None,
    };
    dispatch(sink, body(node), PROCESS_KW, &mut p, "vrrp_track_process");
    finish_process(sink, &node.pos, &mut p);
    p.process
}

/// The checks that need the whole block: a process named, and the quorum
/// range (keepalived checks it in reading order; we check the result).
fn finish_process(sink: &mut Sink, pos: &Pos, p: &mut RawTrackProcess) {
    let t = &mut p.process;
    if t.process.is_empty() {
        // keepalived: "track process '%s' process name not specified".
        sink.error_fmt(
            pos,
            format_args!("vrrp_track_process {} has no process", t.name),
        );
    }
    // The kernel keeps 15 bytes of a process name (TASK_COMM_LEN 16).
    if !t.full_command && t.process.len() > 15 {
        sink.warn_fmt(
            pos,
            format_args!(
                "vrrp_track_process {}: process name '{}' is longer than the 15 bytes the \
                 kernel keeps of a name; it matches only with full_command or parameters",
                t.name, t.process
            ),
        );
    }
    match (&p.quorum, &p.quorum_max) {
        (Some(q), Some(m)) if q.v > m.v => {
            let later = if q.pos.seq > m.pos.seq {
                &q.pos
            } else {
                &m.pos
            };
            sink.error_fmt(
                later,
                format_args!("quorum {} is greater than quorum_max {}", q.v, m.v),
            );
        }
        // vrrp_parser.c:vrrp_tprocess_quorum_max_handler: quorum_max 0
        // alone means "up while no such process runs".
        (None, Some(m)) if m.v == 0 => t.quorum = 0,
        _ => {}
    }
    if let Some(q) = &p.quorum {
        t.quorum = q.v;
    }
    if let Some(m) = &p.quorum_max {
        t.quorum_max = m.v;
    }
}

static PROCESS_KW: &[Kw<RawTrackProcess>] = &[
    val("process", |s, n, p| {
        let args = n.args();
        let Some(first) = args.first().filter(|w| !w.text.is_empty()) else {
            s.error(&n.pos, "process needs a name");
            return;
        };
        let t = &mut p.process;
        if !t.process.is_empty() {
            s.error_fmt(
                &n.pos,
                format_args!("process already set for vrrp_track_process {}", t.name),
            );
            return;
        }
        t.process = first.text.clone();
        // A plain loop: no iterator-collect code of its own (issue 17: size).
        for w in args.get(1..).unwrap_or_default() {
            t.params.push(w.text.clone());
        }
        // vrrp_parser.c:vrrp_tprocess_process_handler: parameters mean an
        // exact match of them by default, on the full command line.
        if !t.params.is_empty() {
            if t.param_match == ParamMatch::Any {
                t.param_match = ParamMatch::Exact;
            }
            t.full_command = true;
        }
    }),
    val("param_match", |s, n, p| {
        warn_extra(s, n, 1);
        let m = match n.args().first().map(|w| w.text.as_str()) {
            None => ParamMatch::Exact,
            Some("initial") => ParamMatch::Initial,
            Some("partial") => ParamMatch::Partial,
            Some(other) => {
                // keepalived 2.2.7 has no word for exact: the keyword
                // alone means it.
                s.error_fmt(
                    &n.pos,
                    format_args!(
                        "invalid param_match '{other}': expected initial or partial \
                         (param_match alone is an exact match)"
                    ),
                );
                return;
            }
        };
        p.process.param_match = m;
        p.process.full_command = true;
    }),
    data("weight", |p| {
        Weight(&mut p.process.weight, &mut p.process.reverse, &WEIGHT_254)
    }),
    data("quorum", |p| AtU32(&mut p.quorum, &(1, 65535))),
    data("quorum_max", |p| AtU32(&mut p.quorum_max, &(0, 65535))),
    val("delay", |s, n, p| {
        if let Some(ms) = delay_ms(s, n) {
            p.process.fork_delay_ms = ms;
            p.process.terminate_delay_ms = ms;
        }
    }),
    data("fork_delay", |p| {
        Fixed(&mut p.process.fork_delay_ms, &DELAY)
    }),
    data("terminate_delay", |p| {
        Fixed(&mut p.process.terminate_delay_ms, &DELAY)
    }),
    data("full_command", |p| On(&mut p.process.full_command)),
];

/// keepalived reads these delays as decimal seconds, 0.000001..3600
/// (vrrp_parser.c:vrrp_tprocess_delay_general); the model holds ms, so a
/// finer value is refused rather than rounded.
fn delay_ms(sink: &mut Sink, node: &Node) -> Option<u32> {
    let (decimals, lo, hi, shown) = DELAY;
    fixed(sink, node, decimals, lo, hi, shown)
}

/// The delays' [`Slot::Fixed`] spec: ms, 0.001-3600 s.
const DELAY: (u32, u32, u32, &str) = (3, 1, 3_600_000, "0.001-3600");

// ---- interface_up_down_delays --------------------------------------------

/// `IFNAME DOWN [UP]` lines: decimal seconds 0..255 (read_timer with
/// 255 * TIMER_HZ); UP is 0 when absent, as the 2.2.7 code does (its man
/// page says "the same as the down delay").
///
/// The lines are added to `out` and their positions to `at`, beside them
/// (no list of the block's own to move into the caller's, nor one of
/// (line, position) pairs to rebuild into the model's; size: issue 17); a
/// repeat is looked for among this block's lines only.
pub fn up_down_delays(sink: &mut Sink, node: &Node, out: &mut Vec<UpDownDelay>, at: &mut Vec<Pos>) {
    // Where each interface of this block went, by name: one search by
    // halves per line. (A search along the block's earlier lines made a
    // block of 99,000 interfaces take 94 s to load on x86_64.)
    let mut seen: Map<&str, usize> = Map::default();
    for line in body(node) {
        if line.block.is_some() {
            sink.error(&line.pos, "unexpected block in interface_up_down_delays");
        }
        let Some(d) = up_down_line(sink, line) else {
            continue;
        };
        // The interface is the line's keyword (ifname checks it,
        // unchanged); a new one goes where it is pushed below.
        let again = seen.first_or_insert(line.keyword(), out.len()).copied();
        if let Some((first, first_at)) = again.and_then(|k| Some((out.get_mut(k)?, at.get_mut(k)?)))
        {
            // keepalived keeps the last line for an interface.
            let seen = first_at.refer_from(&line.pos);
            sink.warn_fmt(
                &line.pos,
                format_args!(
                    "interface_up_down_delays: {} given again (first at {seen}); this line wins",
                    d.interface
                ),
            );
            *first = d;
            *first_at = line.pos.clone();
            continue;
        }
        out.push(d);
        at.push(line.pos.clone());
    }
}

fn up_down_line(sink: &mut Sink, line: &Node) -> Option<UpDownDelay> {
    let interface = ifname(sink, line, Some(line.keyword()))?;
    let args = line.args();
    let Some(down) = args.first() else {
        sink.error_fmt(
            &line.pos,
            format_args!("interface_up_down_delays: {interface} needs a down delay"),
        );
        return None;
    };
    if let Some(extra) = args.get(2) {
        sink.warn_fmt(
            &line.pos,
            format_args!(
                "interface_up_down_delays: extra argument '{}' ignored",
                extra.text
            ),
        );
    }
    let spec = (3, 0, 255_000, "0-255");
    let down_ms = fixed_word(sink, &line.pos, "down delay", &down.text, spec);
    let up_ms = match args.get(1) {
        Some(up) => fixed_word(sink, &line.pos, "up delay", &up.text, spec),
        None => Some(0),
    };
    Some(UpDownDelay {
        interface,
        down_ms: down_ms?,
        up_ms: up_ms?,
    })
}

#[cfg(test)]
mod tests {
    /// The keywords these tables read and keepalived's list names too.
    #[test]
    fn also_known_keywords() {
        use crate::config::keywords::check_also_known;
        check_also_known(super::FILE_KW, "track_file");
        check_also_known(super::PROCESS_KW, "vrrp_track_process");
    }
}
