//! State dumps as keepalived writes them: SIGUSR1 -> keepalived.data
//! (human-readable state), SIGUSR2 -> keepalived.stats (counters),
//! SIGRTMIN+2 -> keepalived.json (json_version 1: an array of
//! `{"data": {...}, "stats": {...}}`, the keys OpenWrt's LuCI reads among
//! them). Formatting only: the daemon gathers the views and writes the file.
//! Dumps happen on a signal, never in the steady state, so they allocate.
//!
//! Beyond keepalived, both the stats and the JSON carry the global
//! counters of packets dropped before they reached an instance (unknown
//! VRID, CARP, too short, ...), which belong to no instance's block.

use core::fmt::{Display, Write as _};

use crate::config::{InitialState, InstanceConfig, Track, Vip};
use crate::node::sync::Group;
use crate::node::track::{Check, Init, Trackers};
use crate::vrrp::{Instance, State, Stats};
use crate::wire::addr::Ip;
use crate::wire::vrrp::{RxError, Version};

/// One instance as a dump sees it.
pub struct View<'a> {
    pub cfg: &'a InstanceConfig,
    pub inst: &'a Instance,
    pub ifname: &'a str,
    /// `use_vmac`: the VMAC is there and up.
    pub vmac_up: bool,
    /// Wall-clock time of the last transition, microseconds since the epoch.
    pub last_transition_us: Option<u64>,
}

/// Microseconds as decimal seconds with six places, without floating-point
/// formatting (which alone costs some 15 KB of a MIPS binary).
struct Secs(u64);

impl core::fmt::Display for Secs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The fraction as a u32: below 10^6 (issue 17: size).
        let micros = (self.0 % 1_000_000) as u32;
        write!(f, "{}.{micros:06}", self.0 / 1_000_000)
    }
}

/// The global drop counters, indexed by [`RxError::index`].
pub type Global = [u64; RxError::ALL.len()];

/// The global drop reasons, each with its JSON key and stats label, in
/// the dumps' order: a table, not a match and a filter over every reason.
/// The checks made by an instance count on that instance only and are
/// not here (a test keeps every reason in one list or the other).
const GLOBALS: [(RxError, &str, &str); 11] = [
    (RxError::TooShort, "too_short", "Too short"),
    (RxError::BadLength, "packet_len_err", "Bad length"),
    (RxError::BadTtl, "ip_ttl_err", "Bad TTL"),
    (RxError::BadVersion, "version_err", "Bad version"),
    (RxError::BadType, "invalid_type_rcvd", "Bad type"),
    (RxError::BadChecksum, "checksum_err", "Bad checksum"),
    (RxError::Carp, "carp", "CARP"),
    (RxError::BadFamily, "addr_family_err", "Address family"),
    (
        RxError::TooManyAddrs,
        "too_many_addrs",
        "Too many addresses",
    ),
    (
        RxError::IntervalTooShort,
        "interval_too_short",
        "Interval below 10 ms",
    ),
    (RxError::UnknownVrid, "unknown_vrid", "Unknown VRID"),
];

/// The count of global reason `e`.
fn global_count(g: &Global, e: RxError) -> u64 {
    g.get(e.index()).copied().unwrap_or(0)
}

/// The rejections behind counters 4 to 12 of [`counter`]: a reason, and
/// another added to it or none (a table, not a sum written out per
/// counter: issue 17, size).
const REJECTED: [(RxError, Option<RxError>); 9] = [
    (RxError::BadLength, Some(RxError::TooShort)),
    (RxError::BadTtl, None),
    (RxError::BadType, None),
    (RxError::BadVersion, None),
    (RxError::BadChecksum, None),
    (RxError::IntervalMismatch, Some(RxError::IntervalTooShort)),
    (RxError::AddrCountMismatch, Some(RxError::AddrListMismatch)),
    (RxError::AuthTypeMismatch, None),
    (RxError::AuthFailure, None),
];

/// Counter `k` of an instance in keepalived.stats' order, and a last one,
/// 16th, always 0, for the JSON's `invalid_authtype` (no such check here).
/// One counter a call, not an array of all sixteen made and copied for
/// each dump block (issue 17: size).
fn counter(st: &Stats, k: usize) -> u64 {
    let r = |e: RxError| st.rejected.get(e.index()).copied().unwrap_or(0);
    match k {
        0 => st.advert_rcvd,
        1 => st.advert_sent,
        2 => st.become_master,
        3 => st.release_master,
        13 => st.pri_zero_rcvd,
        14 => st.pri_zero_sent,
        _ => REJECTED
            .get(k.wrapping_sub(4))
            .map_or(0, |&(a, b)| r(a) + b.map_or(0, r)),
    }
}

/// keepalived.stats' lines after `VRRP Instance: NAME`, one a line: a
/// heading (ending with ':') or the label of the next [`counter`]. One
/// string, not a table of 19 (issue 17: size).
const STATS_LINES: &str = concat!(
    "  Advertisements:\n",
    "    Received: \n",
    "    Sent: \n",
    "  Became master: \n",
    "  Released master: \n",
    "  Packet Errors:\n",
    "    Length: \n",
    "    TTL: \n",
    "    Invalid Type: \n",
    "    Version: \n",
    "    Checksum: \n",
    "    Advertisement Interval: \n",
    "    Address List: \n",
    "  Authentication Errors:\n",
    "    Type Mismatch: \n",
    "    Failure: \n",
    "  Priority Zero:\n",
    "    Received: \n",
    "    Sent: ",
);

/// keepalived.json's `"stats"` keys in its order, each with the index of
/// its value in [`counter`].
const JSON_STATS: [(&str, u8); 16] = [
    ("advert_rcvd", 0),
    ("advert_sent", 1),
    ("become_master", 2),
    ("release_master", 3),
    ("packet_len_err", 4),
    ("advert_interval_err", 9),
    ("ip_ttl_err", 5),
    ("invalid_type_rcvd", 6),
    ("addr_list_err", 10),
    ("invalid_authtype", 15),
    ("authtype_mismatch", 11),
    ("auth_failure", 12),
    ("pri_zero_rcvd", 13),
    ("pri_zero_sent", 14),
    ("version_err", 7),
    ("checksum_err", 8),
];

/// `label`, `v` and a newline: the shape of most dump lines.
fn line(s: &mut String, label: &str, v: &dyn Display) {
    s.push_str(label);
    let _ = writeln!(s, "{v}");
}

/// A virtual address as the dumps show it: `ADDR/LEN dev DEV`.
fn vip_text(s: &mut String, vip: &Vip, ifname: &str) {
    let dev = vip.dev.as_deref().unwrap_or(ifname);
    let _ = write!(s, "{}/{} dev {}", Ip(vip.addr), vip.prefix_len, dev);
}

/// Who the master is: this router's address, the last advertiser's, or
/// the text after the instance when not known. Chosen as it is written:
/// the addresses are not copied out for the dump's format (issue 17:
/// size).
struct Master<'a>(&'a Instance, &'static str);

impl Display for Master<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let i = self.0;
        let addr = match (i.state(), i.master_addr()) {
            (State::Master, _) => i.params().primary,
            (_, Some(a)) => a,
            _ => return f.write_str(self.1),
        };
        Display::fmt(&Ip(addr), f)
    }
}

/// `"key":v`, after a comma unless `first`.
fn jnum(s: &mut String, first: bool, key: &str, v: u64) {
    if !first {
        s.push(',');
    }
    let _ = write!(s, "\"{key}\":{v}");
}

/// keepalived's numeric state in its JSON dump.
fn keepalived_code(state: State) -> u8 {
    match state {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
    }
}

fn wantstate(c: &InstanceConfig) -> u8 {
    match c.state {
        InitialState::Master => keepalived_code(State::Master),
        InitialState::Backup => keepalived_code(State::Backup),
    }
}

fn version(i: &Instance) -> u8 {
    match i.params().version {
        Version::V2 => 2,
        Version::V3 => 3,
    }
}

/// What the router tracks, for the dumps.
pub struct Tracking<'a> {
    pub trackers: &'a Trackers,
    pub groups: &'a [Group],
}

/// keepalived.data: `------< VRRP Topology >------` and one block each,
/// then the sync groups and the tracked objects, as keepalived's sections.
pub fn data(views: &[View<'_>], t: &Tracking<'_>) -> String {
    let mut s = String::from("------< VRRP Topology >------\n");
    for v in views {
        data_instance(&mut s, v);
        tracked_lists(&mut s, v.cfg, t);
    }
    tracking_sections(&mut s, t);
    s
}

/// One instance's block of keepalived.data, up to its tracked lists.
/// Not inlined (nor is [`tracked_lists`]): inside the daemon's signal
/// handler, where `data` lands, its many values cost spills; measured
/// -272 bytes on mipsel (the other writers pay inlined).
#[inline(never)]
fn data_instance(s: &mut String, v: &View<'_>) {
    let (c, i) = (v.cfg, v.inst);
    let want = if wantstate(c) == 2 {
        "MASTER"
    } else {
        "BACKUP"
    };
    let preempt = if c.nopreempt { "disabled" } else { "enabled" };
    // The lines every block has in one write, not a call per line
    // (issue 17: size).
    let _ = writeln!(
        s,
        " VRRP Instance = {}\n   State = {}\n   Wantstate = {want}\n   Interface = {}\n   \
         Virtual Router ID = {}\n   Version = {}\n   Priority = {}, effective {}\n   \
         Advert interval = {} ms, master's {} ms\n   Master router = {}\n   \
         Preempt = {preempt}\n   Preempt delay = {} secs",
        c.name,
        i.state().as_str(),
        v.ifname,
        c.vrid,
        version(i),
        c.priority,
        i.effective_priority(),
        u64::from(c.advert_int_cs) * 10,
        i.master_adver_int().as_millis(),
        Master(i, "unknown"),
        c.preempt_delay_s
    );
    if let Some(m) = &c.vmac {
        let _ = writeln!(
            s,
            "   Use VMAC, i/f name {}, is_up = {}, xmit_base = {}",
            m.name, v.vmac_up, m.xmit_base
        );
    }
    let secs;
    let last: &dyn Display = match v.last_transition_us {
        Some(t) => {
            secs = Secs(t);
            &secs
        }
        None => &"never",
    };
    line(s, "   Last transition = ", last);
    const HEADS: [&str; 2] = ["   Virtual IP = ", "   Virtual IP Excluded = "];
    let lists = [&c.vips, &c.vips_excluded];
    for (k, (head, &list)) in HEADS.iter().zip(lists.iter()).enumerate() {
        if k > 0 && list.is_empty() {
            continue;
        }
        line(s, head, &list.len());
        for vip in list {
            s.push_str("     ");
            vip_text(s, vip, v.ifname);
            s.push('\n');
        }
    }
}

/// An instance's `Tracked ... :` lists, keepalived's `NAME weight W`
/// lines (the weight a line resolves to, with its block's default).
#[inline(never)]
fn tracked_lists(s: &mut String, c: &InstanceConfig, t: &Tracking<'_>) {
    // The headings a static table, the lists the instance's.
    const HEADS: [&str; 4] = [
        "   Tracked interfaces :\n",
        "   Tracked scripts :\n",
        "   Tracked files :\n",
        "   Tracked processes :\n",
    ];
    let lists: [&[Track]; 4] = [
        &c.track_interfaces,
        &c.track_scripts,
        &c.track_files,
        &c.track_processes,
    ];
    for (kind, (head, &list)) in HEADS.iter().zip(lists.iter()).enumerate() {
        if list.is_empty() {
            continue;
        }
        s.push_str(head);
        for l in list {
            let (w, rev) = own_weight(t.trackers, kind, &l.name);
            let (w, rev) = (l.weight.unwrap_or(w), l.reverse.unwrap_or(rev));
            let _ = writeln!(s, "     {} weight {w}{}", l.name, reverse(rev));
        }
    }
}

/// The weight and sense of tracked object `name` of list `kind` (0
/// interfaces, 1 scripts, 2 files, 3 processes) from its own block: a
/// match, not a closure per list (issue 17: size).
fn own_weight(tr: &Trackers, kind: usize, name: &str) -> (i16, bool) {
    let own = match kind {
        1 => tr.check(name).map(|x| (x.cfg.weight, x.cfg.reverse)),
        2 => {
            return tr
                .file(name)
                .map_or((1, false), |x| (x.cfg.weight, x.cfg.reverse));
        }
        3 => tr.proc(name).map(|x| (x.cfg.weight, x.cfg.reverse)),
        _ => None,
    };
    own.unwrap_or((0, false))
}

/// keepalived's sync group, script, track file and track process
/// sections, with each object's current reading.
fn tracking_sections(s: &mut String, t: &Tracking<'_>) {
    if !t.groups.is_empty() {
        s.push_str("------< VRRP Sync groups >------\n");
    }
    for g in t.groups {
        let _ = writeln!(s, " VRRP Sync Group = {}, {}", g.cfg.name, g.state.as_str());
        s.push_str("   VRRP member instances :\n");
        for m in &g.cfg.group {
            line(s, "     ", m);
        }
        if g.cfg.tracking_weight {
            s.push_str("   sync group tracking weight set\n");
        }
    }
    let tr = t.trackers;
    if !tr.checks.is_empty() {
        s.push_str("------< VRRP Scripts >------\n");
    }
    for c in &tr.checks {
        script(s, c);
    }
    if !tr.files.is_empty() {
        s.push_str("------< VRRP Track files >------\n");
    }
    for f in &tr.files {
        let _ = writeln!(
            s,
            " Track file = {}\n   File = {}\n   Status = {}\n   Weight = {}{}",
            f.cfg.name,
            f.cfg.path,
            f.value,
            f.cfg.weight,
            reverse(f.cfg.reverse)
        );
    }
    track_processes(s, tr);
}

/// One script of keepalived's script section.
fn script(s: &mut String, c: &Check) {
    let init = match c.init {
        Init::Waiting => "INIT",
        Init::Failed => "INIT/FAILED",
        Init::Done => "unknown",
    };
    let good = if c.up() == Some(true) { "GOOD" } else { "BAD" };
    let run = if c.run.is_some() { "running" } else { "idle" };
    let rev = reverse(c.cfg.reverse);
    // One write, not a call per line (issue 17: size).
    let _ = writeln!(
        s,
        " VRRP Script = {}\n   Command = {}\n   Interval = {} sec\n   Timeout = {} sec\n   \
         Weight = {}{rev}\n   Rise = {}\n   Fall = {}\n   Result = {}\n   \
         Init state = {init}\n   Status = {good}\n   State = {run}",
        c.cfg.name,
        c.cfg.script,
        c.cfg.interval_s,
        c.cfg.timeout_s.unwrap_or(0),
        c.cfg.weight,
        c.cfg.rise,
        c.cfg.fall,
        c.result
    );
}

/// ` reverse` after a weight when so.
fn reverse(r: bool) -> &'static str {
    if r { " reverse" } else { "" }
}

/// keepalived's track process section.
fn track_processes(s: &mut String, tr: &Trackers) {
    if !tr.procs.is_empty() {
        s.push_str("------< VRRP Track processes >------\n");
    }
    for p in &tr.procs {
        let _ = writeln!(
            s,
            " VRRP Track process = {}\n   Process = {}\n   Min processes = {}",
            p.cfg.name, p.cfg.process, p.cfg.quorum
        );
        if p.cfg.quorum_max != u32::MAX {
            line(s, "   Max processes = ", &p.cfg.quorum_max);
        }
        let _ = writeln!(
            s,
            "   Current processes = {}\n   Have quorum = {}\n   Weight = {}{}",
            p.count,
            p.quorum == Some(true),
            p.cfg.weight,
            reverse(p.cfg.reverse)
        );
    }
}

/// keepalived.stats: keepalived's headings, one block per instance, then
/// the global drops: last, under a heading of their own and with labels no
/// instance block uses, so readers that split on `VRRP Instance:` or look
/// for an instance's `Length:` find what they did before.
pub fn stats(views: &[View<'_>], global: &Global) -> String {
    let mut s = String::new();
    for v in views {
        line(&mut s, "VRRP Instance: ", &v.cfg.name);
        let st = v.inst.stats();
        let mut k = 0;
        for l in STATS_LINES.split('\n') {
            // The last byte compared, not a char pattern (issue 17: size).
            if l.as_bytes().last() == Some(&b':') {
                s.push_str(l);
                s.push('\n');
            } else {
                line(&mut s, l, &counter(st, k));
                k += 1;
            }
        }
    }
    s.push_str("Dropped before reaching an instance:\n");
    for &(e, _, label) in GLOBALS.iter() {
        let n = global_count(global, e);
        let _ = writeln!(s, "  {label}: {n}");
    }
    s
}

/// A JSON string literal.
fn jstr(s: &mut String, v: &str) {
    s.push('"');
    for ch in v.chars() {
        match ch {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            // `\u00XX` by hand: a `{:04x}` here was the binary's only
            // hexadecimal u32 (issue 17: size).
            c if (c as u32) < 0x20 => {
                s.push_str(if (c as u32) < 0x10 {
                    "\\u000"
                } else {
                    "\\u001"
                });
                s.push(char::from_digit(c as u32 & 15, 16).unwrap_or('0'));
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

/// keepalived.json, json_version 1 shape, with the global drops as a
/// third key, `"global"`, in every element. LuCI reads the file as an
/// array whose every element has `data` and `stats`, and ignores other
/// keys: an element of its own for the globals, or an object around the
/// array, would break it. The globals are the same in every element (and
/// absent with no instance).
pub fn json(views: &[View<'_>], global: &Global, t: &Tracking<'_>) -> String {
    let mut s = String::from("[");
    for (k, v) in views.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        json_element(&mut s, v, global, t);
    }
    s.push_str("]\n");
    s
}

/// One element of keepalived.json.
fn json_element(s: &mut String, v: &View<'_>, global: &Global, t: &Tracking<'_>) {
    json_data(s, v, t);
    s.push_str("},\"stats\":{");
    let st = v.inst.stats();
    for (n, &(key, i)) in JSON_STATS.iter().enumerate() {
        jnum(s, n == 0, key, counter(st, usize::from(i)));
    }
    s.push_str("},\"global\":{");
    for (n, &(e, key, _)) in GLOBALS.iter().enumerate() {
        jnum(s, n == 0, key, global_count(global, e));
    }
    s.push_str("}}");
}

/// A JSON array of the names in `list`, after `head`; with `scripts`,
/// of the commands of the scripts they name (those found).
fn jlist(s: &mut String, head: &str, list: &[Track], scripts: Option<&Trackers>) {
    s.push_str(head);
    let mut first = true;
    for l in list {
        let v = match scripts {
            Some(t) => match t.check(&l.name) {
                Some(c) => &c.cfg.script[..],
                None => continue,
            },
            None => &l.name[..],
        };
        if !first {
            s.push(',');
        }
        first = false;
        jstr(s, v);
    }
    s.push(']');
}

/// One instance's `"data"` object, left open for the stats.
fn json_data(s: &mut String, v: &View<'_>, t: &Tracking<'_>) {
    let (c, i) = (v.cfg, v.inst);
    let p = i.params();
    s.push_str("{\"data\":{\"iname\":");
    jstr(s, &c.name);
    s.push_str(",\"ifp_ifname\":");
    jstr(s, v.ifname);
    let _ = write!(
        s,
        ",\"vrid\":{},\"state\":{},\"wantstate\":{},\"version\":{},\
         \"base_priority\":{},\"effective_priority\":{},\"vipset\":{},\
         \"adver_int\":{},\"master_adver_int\":{},\"nopreempt\":{},\
         \"preempt_delay\":{},\"garp_delay\":{},\"garp_rep\":{},\
         \"garp_refresh\":{},\"garp_refresh_rep\":{},\"skip_check_adv_addr\":{},\
         \"last_transition\":{}",
        c.vrid,
        keepalived_code(i.state()),
        wantstate(c),
        version(i),
        c.priority,
        i.effective_priority(),
        u8::from(i.state() == State::Master),
        Secs(u64::from(c.advert_int_cs) * 10_000),
        Secs(i.master_adver_int().as_micros()),
        u8::from(c.nopreempt),
        c.preempt_delay_s,
        c.garp_master_delay_s,
        c.garp_master_repeat,
        c.garp_master_refresh_s,
        c.garp_master_refresh_repeat,
        u8::from(p.skip_check_adv_addr),
        Secs(v.last_transition_us.unwrap_or(0)),
    );
    // An address needs no escaping.
    let _ = write!(
        s,
        ",\"master_saddr\":\"{}\",\"dont_track_primary\":{}",
        Master(i, ""),
        u8::from(c.dont_track_primary)
    );
    jlist(s, ",\"track_ifp\":[", &c.track_interfaces, None);
    // keepalived lists the tracked scripts by their commands.
    jlist(s, ",\"track_script\":[", &c.track_scripts, Some(t.trackers));
    const KEYS: [&str; 2] = [",\"vips\":[", ",\"evips\":["];
    for (key, &list) in KEYS.iter().zip([&c.vips, &c.vips_excluded].iter()) {
        s.push_str(key);
        let mut text = String::new();
        for (n, vip) in list.iter().enumerate() {
            if n > 0 {
                s.push(',');
            }
            text.clear();
            vip_text(&mut text, vip, v.ifname);
            jstr(s, &text);
        }
        s.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every drop reason is counted globally (in GLOBALS, in ALL's order)
    /// or by an instance (these five), never both, never neither.
    #[test]
    fn every_reason_is_global_or_an_instance_s() {
        let by_instance = [
            RxError::AuthTypeMismatch,
            RxError::AuthFailure,
            RxError::IntervalMismatch,
            RxError::AddrCountMismatch,
            RxError::AddrListMismatch,
        ];
        let global: Vec<RxError> = GLOBALS.iter().map(|g| g.0).collect();
        let in_order: Vec<RxError> = RxError::ALL
            .into_iter()
            .filter(|e| !by_instance.contains(e))
            .collect();
        assert_eq!(global, in_order);
    }

    /// Control characters as `\u00XX`, lowercase (as `{:04x}` wrote them).
    #[test]
    fn json_strings_escape_control_characters() {
        let mut s = String::new();
        jstr(&mut s, "a\u{0}\u{9}\u{1f}\"\\\u{7f}é");
        assert_eq!(s, "\"a\\u0000\\u0009\\u001f\\\"\\\\\u{7f}é\"");
    }

    #[test]
    fn every_counter_has_one_stats_label_and_one_json_key() {
        let labels = STATS_LINES
            .split('\n')
            .filter(|l| !l.ends_with(':'))
            .count();
        assert_eq!(labels, 15);
        let mut seen = [false; 16];
        for (_, i) in JSON_STATS {
            assert!(!core::mem::replace(&mut seen[usize::from(i)], true));
        }
        let mut st = Stats::default();
        st.rejected[RxError::TooShort.index()] = 2;
        st.rejected[RxError::BadLength.index()] = 3;
        st.rejected[RxError::AuthFailure.index()] = 7;
        st.pri_zero_sent = 9;
        let c = |k| counter(&st, k);
        assert_eq!((c(4), c(12), c(14), c(15)), (5, 7, 9, 0));
    }
}
