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

use core::fmt::Write as _;

use crate::config::{InitialState, InstanceConfig, Track};
use crate::node::sync::Group;
use crate::node::track::{Init, Trackers};
use crate::vrrp::{Instance, State, Stats};
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
        write!(f, "{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

/// The global drop counters, indexed by [`RxError::index`].
pub type Global = [u64; RxError::ALL.len()];

/// How a global drop reason is named: (JSON key, stats label). None for
/// the checks made by an instance, which count on that instance only. No
/// catch-all: a new reason must be named here.
fn global_name(e: RxError) -> Option<(&'static str, &'static str)> {
    match e {
        RxError::UnknownVrid => Some(("unknown_vrid", "Unknown VRID")),
        RxError::Carp => Some(("carp", "CARP")),
        RxError::TooShort => Some(("too_short", "Too short")),
        RxError::BadLength => Some(("packet_len_err", "Bad length")),
        RxError::BadTtl => Some(("ip_ttl_err", "Bad TTL")),
        RxError::BadVersion => Some(("version_err", "Bad version")),
        RxError::BadType => Some(("invalid_type_rcvd", "Bad type")),
        RxError::BadChecksum => Some(("checksum_err", "Bad checksum")),
        RxError::BadFamily => Some(("addr_family_err", "Address family")),
        RxError::TooManyAddrs => Some(("too_many_addrs", "Too many addresses")),
        RxError::IntervalTooShort => Some(("interval_too_short", "Interval below 10 ms")),
        RxError::AuthTypeMismatch
        | RxError::AuthFailure
        | RxError::IntervalMismatch
        | RxError::AddrCountMismatch
        | RxError::AddrListMismatch => None,
    }
}

/// The global reasons with their names and counts, in a fixed order.
fn globals(g: &Global) -> impl Iterator<Item = (&'static str, &'static str, u64)> + '_ {
    RxError::ALL.into_iter().filter_map(|e| {
        let (key, label) = global_name(e)?;
        Some((key, label, g.get(e.index()).copied().unwrap_or(0)))
    })
}

fn rejected(s: &Stats, e: RxError) -> u64 {
    s.rejected[e.index()]
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
        let (c, i) = (v.cfg, v.inst);
        let _ = writeln!(s, " VRRP Instance = {}", c.name);
        let _ = writeln!(s, "   State = {}", i.state().as_str());
        let _ = writeln!(
            s,
            "   Wantstate = {}",
            if wantstate(c) == 2 {
                "MASTER"
            } else {
                "BACKUP"
            }
        );
        let _ = writeln!(s, "   Interface = {}", v.ifname);
        let _ = writeln!(s, "   Virtual Router ID = {}", c.vrid);
        let _ = writeln!(s, "   Version = {}", version(i));
        let _ = writeln!(
            s,
            "   Priority = {}, effective {}",
            c.priority,
            i.effective_priority()
        );
        let _ = writeln!(
            s,
            "   Advert interval = {} ms, master's {} ms",
            u64::from(c.advert_int_cs) * 10,
            i.master_adver_int().as_millis()
        );
        let master = match (i.state(), i.master_addr()) {
            (State::Master, _) => i.params().primary.to_string(),
            (_, Some(a)) => a.to_string(),
            _ => "unknown".into(),
        };
        let _ = writeln!(s, "   Master router = {master}");
        let _ = writeln!(
            s,
            "   Preempt = {}",
            if c.nopreempt { "disabled" } else { "enabled" }
        );
        let _ = writeln!(s, "   Preempt delay = {} secs", c.preempt_delay_s);
        if let Some(m) = &c.vmac {
            let _ = writeln!(
                s,
                "   Use VMAC, i/f name {}, is_up = {}, xmit_base = {}",
                m.name, v.vmac_up, m.xmit_base
            );
        }
        match v.last_transition_us {
            Some(t) => {
                let _ = writeln!(s, "   Last transition = {}", Secs(t));
            }
            None => {
                let _ = writeln!(s, "   Last transition = never");
            }
        }
        let _ = writeln!(s, "   Virtual IP = {}", c.vips.len());
        for vip in &c.vips {
            let dev = vip.dev.as_deref().unwrap_or(v.ifname);
            let _ = writeln!(s, "     {}/{} dev {}", vip.addr, vip.prefix_len, dev);
        }
        if !c.vips_excluded.is_empty() {
            let _ = writeln!(s, "   Virtual IP Excluded = {}", c.vips_excluded.len());
            for vip in &c.vips_excluded {
                let dev = vip.dev.as_deref().unwrap_or(v.ifname);
                let _ = writeln!(s, "     {}/{} dev {}", vip.addr, vip.prefix_len, dev);
            }
        }
        tracked_lists(&mut s, c, t);
    }
    tracking_sections(&mut s, t);
    s
}

/// An instance's `Tracked ... :` lists, keepalived's `NAME weight W`
/// lines (the weight a line resolves to, with its block's default).
fn tracked_lists(s: &mut String, c: &InstanceConfig, t: &Tracking<'_>) {
    let tr = t.trackers;
    let w_script = |n: &str| {
        tr.check(n)
            .map_or((0, false), |x| (x.cfg.weight, x.cfg.reverse))
    };
    let w_file = |n: &str| {
        tr.file(n)
            .map_or((1, false), |x| (x.cfg.weight, x.cfg.reverse))
    };
    let w_proc = |n: &str| {
        tr.proc(n)
            .map_or((0, false), |x| (x.cfg.weight, x.cfg.reverse))
    };
    let none = |_: &str| (0, false);
    let lists: [(&str, &[Track], &WeightOf<'_>); 4] = [
        ("Tracked interfaces", &c.track_interfaces, &none),
        ("Tracked scripts", &c.track_scripts, &w_script),
        ("Tracked files", &c.track_files, &w_file),
        ("Tracked processes", &c.track_processes, &w_proc),
    ];
    for (head, list, dflt) in lists {
        tracked_list(s, head, list, dflt);
    }
}

/// A tracked object's own weight and sense, by name.
type WeightOf<'a> = dyn Fn(&str) -> (i16, bool) + 'a;

fn tracked_list(s: &mut String, head: &str, list: &[Track], dflt: &WeightOf<'_>) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(s, "   {head} :");
    for l in list {
        let (w, rev) = dflt(&l.name);
        let (w, rev) = (l.weight.unwrap_or(w), l.reverse.unwrap_or(rev));
        let rev = if rev { " reverse" } else { "" };
        let _ = writeln!(s, "     {} weight {w}{rev}", l.name);
    }
}

/// keepalived's sync group, script, track file and track process
/// sections, with each object's current reading.
fn tracking_sections(s: &mut String, t: &Tracking<'_>) {
    if !t.groups.is_empty() {
        s.push_str("------< VRRP Sync groups >------\n");
    }
    for g in t.groups {
        let _ = writeln!(s, " VRRP Sync Group = {}, {}", g.cfg.name, g.state.as_str());
        let _ = writeln!(s, "   VRRP member instances :");
        for m in &g.cfg.group {
            let _ = writeln!(s, "     {m}");
        }
        if g.cfg.tracking_weight {
            let _ = writeln!(s, "   sync group tracking weight set");
        }
    }
    let tr = t.trackers;
    if !tr.checks.is_empty() {
        s.push_str("------< VRRP Scripts >------\n");
    }
    for c in &tr.checks {
        let _ = writeln!(s, " VRRP Script = {}", c.cfg.name);
        let _ = writeln!(s, "   Command = {}", c.cfg.script);
        let _ = writeln!(s, "   Interval = {} sec", c.cfg.interval_s);
        let _ = writeln!(s, "   Timeout = {} sec", c.cfg.timeout_s.unwrap_or(0));
        let rev = if c.cfg.reverse { " reverse" } else { "" };
        let _ = writeln!(s, "   Weight = {}{rev}", c.cfg.weight);
        let _ = writeln!(s, "   Rise = {}", c.cfg.rise);
        let _ = writeln!(s, "   Fall = {}", c.cfg.fall);
        let _ = writeln!(s, "   Result = {}", c.result);
        let init = match c.init {
            Init::Waiting => "INIT",
            Init::Failed => "INIT/FAILED",
            Init::Done => "unknown",
        };
        let _ = writeln!(s, "   Init state = {init}");
        let good = if c.up() == Some(true) { "GOOD" } else { "BAD" };
        let _ = writeln!(s, "   Status = {good}");
        let run = if c.run.is_some() { "running" } else { "idle" };
        let _ = writeln!(s, "   State = {run}");
    }
    if !tr.files.is_empty() {
        s.push_str("------< VRRP Track files >------\n");
    }
    for f in &tr.files {
        let _ = writeln!(s, " Track file = {}", f.cfg.name);
        let _ = writeln!(s, "   File = {}", f.cfg.path);
        let _ = writeln!(s, "   Status = {}", f.value);
        let rev = if f.cfg.reverse { " reverse" } else { "" };
        let _ = writeln!(s, "   Weight = {}{rev}", f.cfg.weight);
    }
    if !tr.procs.is_empty() {
        s.push_str("------< VRRP Track processes >------\n");
    }
    for p in &tr.procs {
        let _ = writeln!(s, " VRRP Track process = {}", p.cfg.name);
        let _ = writeln!(s, "   Process = {}", p.cfg.process);
        let _ = writeln!(s, "   Min processes = {}", p.cfg.quorum);
        if p.cfg.quorum_max != u32::MAX {
            let _ = writeln!(s, "   Max processes = {}", p.cfg.quorum_max);
        }
        let _ = writeln!(s, "   Current processes = {}", p.count);
        let _ = writeln!(s, "   Have quorum = {}", p.quorum == Some(true));
        let rev = if p.cfg.reverse { " reverse" } else { "" };
        let _ = writeln!(s, "   Weight = {}{rev}", p.cfg.weight);
    }
}

/// keepalived.stats: keepalived's headings, one block per instance, then
/// the global drops: last, under a heading of their own and with labels no
/// instance block uses, so readers that split on `VRRP Instance:` or look
/// for an instance's `Length:` find what they did before.
pub fn stats(views: &[View<'_>], global: &Global) -> String {
    let mut s = String::new();
    for v in views {
        let st = v.inst.stats();
        let r = |e| rejected(st, e);
        let _ = writeln!(s, "VRRP Instance: {}", v.cfg.name);
        let _ = writeln!(s, "  Advertisements:");
        let _ = writeln!(s, "    Received: {}", st.advert_rcvd);
        let _ = writeln!(s, "    Sent: {}", st.advert_sent);
        let _ = writeln!(s, "  Became master: {}", st.become_master);
        let _ = writeln!(s, "  Released master: {}", st.release_master);
        let _ = writeln!(s, "  Packet Errors:");
        let _ = writeln!(
            s,
            "    Length: {}",
            r(RxError::BadLength) + r(RxError::TooShort)
        );
        let _ = writeln!(s, "    TTL: {}", r(RxError::BadTtl));
        let _ = writeln!(s, "    Invalid Type: {}", r(RxError::BadType));
        let _ = writeln!(s, "    Version: {}", r(RxError::BadVersion));
        let _ = writeln!(s, "    Checksum: {}", r(RxError::BadChecksum));
        let _ = writeln!(
            s,
            "    Advertisement Interval: {}",
            r(RxError::IntervalMismatch) + r(RxError::IntervalTooShort)
        );
        let _ = writeln!(
            s,
            "    Address List: {}",
            r(RxError::AddrCountMismatch) + r(RxError::AddrListMismatch)
        );
        let _ = writeln!(s, "  Authentication Errors:");
        let _ = writeln!(s, "    Type Mismatch: {}", r(RxError::AuthTypeMismatch));
        let _ = writeln!(s, "    Failure: {}", r(RxError::AuthFailure));
        let _ = writeln!(s, "  Priority Zero:");
        let _ = writeln!(s, "    Received: {}", st.pri_zero_rcvd);
        let _ = writeln!(s, "    Sent: {}", st.pri_zero_sent);
    }
    let _ = writeln!(s, "Dropped before reaching an instance:");
    for (_, label, n) in globals(global) {
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
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
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
        json_data(&mut s, v, t);
        json_stats(&mut s, v.inst.stats());
        // Replace the element's closing brace with the globals.
        s.pop();
        s.push_str(",\"global\":{");
        for (n, (key, _, count)) in globals(global).enumerate() {
            if n > 0 {
                s.push(',');
            }
            let _ = write!(s, "\"{key}\":{count}");
        }
        s.push_str("}}");
    }
    s.push_str("]\n");
    s
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
    s.push_str(",\"master_saddr\":");
    let master = match (i.state(), i.master_addr()) {
        (State::Master, _) => p.primary.to_string(),
        (_, Some(a)) => a.to_string(),
        _ => String::new(),
    };
    jstr(s, &master);
    let _ = write!(
        s,
        ",\"dont_track_primary\":{}",
        u8::from(c.dont_track_primary)
    );
    s.push_str(",\"track_ifp\":[");
    for (n, l) in c.track_interfaces.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        jstr(s, &l.name);
    }
    // keepalived lists the tracked scripts by their commands.
    s.push_str("],\"track_script\":[");
    let cmds = c
        .track_scripts
        .iter()
        .filter_map(|l| t.trackers.check(&l.name));
    for (n, chk) in cmds.enumerate() {
        if n > 0 {
            s.push(',');
        }
        jstr(s, &chk.cfg.script);
    }
    s.push(']');
    for (key, list) in [("vips", &c.vips[..]), ("evips", &c.vips_excluded[..])] {
        let _ = write!(s, ",\"{key}\":[");
        for (n, vip) in list.iter().enumerate() {
            if n > 0 {
                s.push(',');
            }
            let dev = vip.dev.as_deref().unwrap_or(v.ifname);
            jstr(s, &format!("{}/{} dev {}", vip.addr, vip.prefix_len, dev));
        }
        s.push(']');
    }
}

/// The instance's `"stats"` object, closing its element.
fn json_stats(s: &mut String, st: &Stats) {
    let r = |e| rejected(st, e);
    let _ = write!(
        s,
        "}},\"stats\":{{\"advert_rcvd\":{},\"advert_sent\":{},\"become_master\":{},\
         \"release_master\":{},\"packet_len_err\":{},\"advert_interval_err\":{},\
         \"ip_ttl_err\":{},\"invalid_type_rcvd\":{},\"addr_list_err\":{},\
         \"invalid_authtype\":{},\"authtype_mismatch\":{},\"auth_failure\":{},\
         \"pri_zero_rcvd\":{},\"pri_zero_sent\":{},\"version_err\":{},\"checksum_err\":{}}}}}",
        st.advert_rcvd,
        st.advert_sent,
        st.become_master,
        st.release_master,
        r(RxError::BadLength) + r(RxError::TooShort),
        r(RxError::IntervalMismatch) + r(RxError::IntervalTooShort),
        r(RxError::BadTtl),
        r(RxError::BadType),
        r(RxError::AddrCountMismatch) + r(RxError::AddrListMismatch),
        0,
        r(RxError::AuthTypeMismatch),
        r(RxError::AuthFailure),
        st.pri_zero_rcvd,
        st.pri_zero_sent,
        r(RxError::BadVersion),
        r(RxError::BadChecksum),
    );
}
