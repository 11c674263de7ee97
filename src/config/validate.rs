//! Raw blocks to the model: defaults resolved against global_defs, and the
//! checks that need more than one statement. Every problem is reported; the
//! returned model is only meaningful when no error was reported.

use super::names::Map;
use core::fmt;
use core::net::IpAddr;

use arrayvec::ArrayVec;

use super::diag::{Pos, Sink};
use super::instance::{AdvertInt, Placed, RawInstance};
use super::keywords::At;
use super::model::{
    Auth, Config, Family, GlobalDefs, InitialState, InstanceConfig, Loc, SyncGroup, TrackFile,
    TrackProcess, Vmac, VrrpScript,
};
use super::parser::{Raw, RawSyncGroup};
use super::track_check::{self, Defined, Owner, RawTracks, Tracks};
use crate::limits::{
    MAX_INSTANCES, MAX_INTERFACES, MAX_SCRIPTS, MAX_SYNC_GROUPS, MAX_UNICAST_PEERS,
};

pub fn resolve(sink: &mut Sink, mut raw: Raw) -> Config {
    // The configuration is resolved where it is in `raw` and moved out
    // once at the end: taken out first, it was one more copy of it (size:
    // issue 17). The lists are moved out, the positions looked at there.
    let (mut instances, sync_groups) = (raw.instances, raw.sync_groups);
    let config = &mut raw.config;
    check_scripts(sink, &config.scripts, &raw.script_at);
    check_track_files(sink, &config.track_files, &raw.track_file_at);
    check_track_processes(sink, &config.track_processes, &raw.track_process_at);
    let defs = Defined::new(
        &config.scripts,
        &config.track_files,
        &config.track_processes,
    );
    let global = &config.global;
    check_instance_set(sink, &instances);
    let sync_of = sync_membership(&sync_groups);
    let mut resolved = Resolved::default();
    for r in instances.iter_mut() {
        let sync_no_weight = sync_of
            .first(&r.model.name)
            .and_then(|(k, _)| sync_groups.get(k))
            .is_some_and(|g| !g.model.tracking_weight);
        resolve_instance(sink, (global, &defs), r, sync_no_weight, &mut resolved);
    }
    check_vrids(sink, &resolved);
    name_vmacs(sink, &mut resolved);
    check_interfaces(sink, &resolved, &sync_groups);
    // The raw blocks' borrow ends here: the sync groups look at them all.
    let Resolved { models, raws } = resolved;
    drop(raws);
    check_sync_set(sink, &sync_groups, &instances, &sync_of);
    drop(sync_of);
    let sync_groups = check_sync_groups(sink, global, sync_groups, &models, &defs);
    check_up_down_delays(sink, &raw.up_down_at);
    drop(defs);
    config.instances = models;
    config.sync_groups = sync_groups;
    raw.config
}

/// For each instance named in a sync group, the index of the first group
/// that names it (the one it stays in) and where.
fn sync_membership(groups: &[RawSyncGroup]) -> Firsts<'_> {
    let mut of = Firsts::default();
    for (k, g) in groups.iter().enumerate() {
        for m in &g.group {
            of.seen(&m.v, k, &m.pos);
        }
    }
    of
}

/// The instances resolved, each beside its raw block (for the checks
/// across instances). Two lists, not one of pairs: the models are then
/// the configuration's as they are, with no list to rebuild (size: issue
/// 17).
#[derive(Default)]
struct Resolved<'a> {
    models: Vec<Box<InstanceConfig>>,
    raws: Vec<&'a RawInstance>,
}

/// The names seen so far, each with the index and position of the first
/// that had it: one map type and one look-up for every check, and no list
/// of the blocks' names and positions to build for it (size: issue 17).
/// The map holds where in `at` a name's first sighting is: a map of
/// indices, as track_check's, one copy of the map's code for both (size:
/// issue 17).
struct Firsts<'a> {
    names: Map<&'a str, usize>,
    /// The index and position of each name's first sighting.
    at: Vec<(usize, &'a Pos)>,
}

impl Default for Firsts<'_> {
    /// Out of line: an empty map is code at every site that makes one.
    #[inline(never)]
    fn default() -> Self {
        Firsts {
            names: Map::default(),
            at: Vec::new(),
        }
    }
}

impl<'a> Firsts<'a> {
    /// The index and position `name` was first seen with; None (and `k`
    /// and `pos` kept) when new.
    #[inline(never)]
    fn seen(&mut self, name: &'a str, k: usize, pos: &'a Pos) -> Option<(usize, &'a Pos)> {
        let next = self.at.len();
        if let Some(&i) = self.names.first_or_insert(name, next) {
            return self.at.get(i).copied();
        }
        self.at.push((k, pos));
        None
    }

    /// The index and position `name` was first seen with. Inlined: out of
    /// line, its two calls and prologue were more than the look-up's call
    /// (size: issue 17).
    #[inline(always)]
    fn first(&self, name: &str) -> Option<(usize, &'a Pos)> {
        self.names.get(name).and_then(|&i| self.at.get(i)).copied()
    }
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

/// Reports `what` when `name`, of the block at `pos`, was seen before.
fn first_seen<'a>(sink: &mut Sink, seen: &mut Firsts<'a>, name: &'a str, pos: &'a Pos, what: &str) {
    if let Some((_, first)) = seen.seen(name, 0, pos) {
        let at = first.refer_from(pos);
        sink.error_fmt(
            pos,
            format_args!("duplicate {what} name '{name}' (first at {at})"),
        );
    }
}

/// Reports one error at the first block of kind `what` past `limit`
/// (`over`, where there is one).
fn check_count(sink: &mut Sink, over: Option<&Pos>, what: &str, limit_name: &str, limit: usize) {
    if let Some(pos) = over {
        too_many(sink, pos, (what, " blocks"), limit_name, limit);
    }
}

/// A table `out` (empty) filled up to its capacity; one error at the
/// first entry that does not fit (reported by [`too_many`]: one copy of
/// the message for every table type; size: issue 17).
fn bounded<T: Clone, const N: usize>(
    sink: &mut Sink,
    items: &Placed<T>,
    out: &mut ArrayVec<T, N>,
    what: &str,
    limit_name: &str,
) {
    if let Some(pos) = items.at.get(N) {
        too_many(sink, pos, (what, " entries"), limit_name, N);
    }
    // Room looked for before the clone: a clone refused by try_push was
    // dropped again, code of its own (size: issue 17).
    for item in &items.list {
        if out.is_full() {
            break;
        }
        out.push(item.clone());
    }
}

/// "too many WHAT KIND: limit LIMIT_NAME is LIMIT" at `pos`: one copy of
/// the message for every cap the configuration has (`kind` " entries",
/// " blocks" or nothing; size: issue 17).
#[inline(never)]
pub(super) fn too_many(
    sink: &mut Sink,
    pos: &Pos,
    (what, kind): (&str, &str),
    limit_name: &str,
    limit: usize,
) {
    sink.error_fmt(
        pos,
        format_args!("too many {what}{kind}: limit {limit_name} is {limit}"),
    );
}

// ---- vrrp_script ---------------------------------------------------------

fn check_scripts(sink: &mut Sink, scripts: &[VrrpScript], at: &[(Pos, bool)]) {
    let over = at.get(MAX_SCRIPTS).map(|a| &a.0);
    check_count(sink, over, "vrrp_script", "MAX_SCRIPTS", MAX_SCRIPTS);
    let mut seen = Firsts::default();
    // One position per block (the parser pushes both together).
    for (s, (pos, has_script)) in scripts.iter().zip(at) {
        first_seen(sink, &mut seen, &s.name, pos, "vrrp_script");
        if !has_script {
            sink.error_fmt(pos, format_args!("vrrp_script {} has no script", s.name));
        }
    }
}

// ---- track_file, vrrp_track_process, interface_up_down_delays ------------

fn check_track_files(sink: &mut Sink, files: &[TrackFile], at: &[Pos]) {
    let what = "track_file";
    check_count(sink, at.get(MAX_SCRIPTS), what, "MAX_SCRIPTS", MAX_SCRIPTS);
    let mut seen = Firsts::default();
    for (f, pos) in files.iter().zip(at) {
        first_seen(sink, &mut seen, &f.name, pos, what);
    }
}

fn check_track_processes(sink: &mut Sink, procs: &[TrackProcess], at: &[Pos]) {
    let what = "vrrp_track_process";
    check_count(sink, at.get(MAX_SCRIPTS), what, "MAX_SCRIPTS", MAX_SCRIPTS);
    let mut seen = Firsts::default();
    for (p, pos) in procs.iter().zip(at) {
        first_seen(sink, &mut seen, &p.name, pos, what);
    }
}

/// One line per interface (the parser kept the last of repeats); a delay
/// only matters for an interface in the daemon's table, so the same cap.
fn check_up_down_delays(sink: &mut Sink, at: &[Pos]) {
    if let Some(pos) = at.get(MAX_INTERFACES) {
        let what = "interface_up_down_delays";
        too_many(
            sink,
            pos,
            (what, " entries"),
            "MAX_INTERFACES",
            MAX_INTERFACES,
        );
    }
}

// ---- vrrp_instance -------------------------------------------------------

fn check_instance_set(sink: &mut Sink, instances: &[RawInstance]) {
    let what = "vrrp_instance";
    let over = instances.get(MAX_INSTANCES).map(|i| &i.pos);
    check_count(sink, over, what, "MAX_INSTANCES", MAX_INSTANCES);
    let mut seen = Firsts::default();
    for i in instances {
        first_seen(sink, &mut seen, &i.model.name, &i.pos, what);
    }
}

/// Resolves one instance into `out` (with its raw block, for the checks
/// across instances); nothing when it cannot run. The model is taken
/// first, in its box, and filled there: it is kilobytes, and each move of
/// it, or of its lists, through a return value was code; pushed at the
/// end, not first (a model in the list was looked up there again for each
/// field set; size: issue 17). Out of
/// line: inlined into the loop of [`resolve`], its message texts were
/// hoisted out of that loop into stack slots, code of their own.
#[inline(never)]
fn resolve_instance<'a>(
    sink: &mut Sink,
    (g, defs): (&GlobalDefs, &Defined),
    r: &'a mut RawInstance,
    sync_no_weight: bool,
    out: &mut Resolved<'a>,
) {
    // The model taken first and each resolved value set on it as it
    // comes: values held until then were kept on the stack, code of their
    // own (size: issue 17).
    let mut m = take_model(g, r);
    let r: &'a RawInstance = r;
    // In the model already, empty when missing or bad.
    let interface = !m.interface.is_empty();
    required(sink, r, interface || r.interface_seen, "interface");
    let vrid = r.vrid.as_ref().map(|v| u8::try_from(v.v).unwrap_or(0));
    required(sink, r, vrid.is_some() || r.vrid_seen, "virtual_router_id");
    m.family = vip_family(sink, r);
    m.version = version(sink, g, r, m.family);
    let advert_int_cs = advert_int(sink, r.advert_int.as_ref(), m.version);
    (m.state, m.priority) = state_and_priority(sink, r);
    m.auth = auth(sink, r, m.version);
    check_unicast_family(sink, m.unicast_src_ip.as_ref(), r, m.family);
    // Without these three there is no instance (the model is dropped
    // after the checks of its lists); the GARP settings are then neither
    // resolved nor checked against vrrp_strict.
    let complete = interface && vrid.is_some() && advert_int_cs.is_some();
    m.vrid = vrid.unwrap_or(0);
    m.advert_int_cs = advert_int_cs.unwrap_or(0);
    bounded(sink, &r.vips, &mut m.vips, "virtual_ipaddress", "MAX_VIPS");
    bounded(
        sink,
        &r.vips_excluded,
        &mut m.vips_excluded,
        "virtual_ipaddress_excluded",
        "MAX_VIPS_EXCLUDED",
    );
    // The addresses are Copy: those that fit copied at once, not cloned
    // one by one by [`bounded`] (size: issue 17).
    let peers = &r.unicast_peers;
    if let Some(pos) = peers.at.get(MAX_UNICAST_PEERS) {
        let (what, limit) = (("unicast_peer", " entries"), "MAX_UNICAST_PEERS");
        too_many(sink, pos, what, limit, MAX_UNICAST_PEERS);
    }
    let fit = peers.list.get(..MAX_UNICAST_PEERS).unwrap_or(&peers.list);
    // It fits: the list is empty and `fit` no longer than its capacity.
    let _ = m.unicast_peers.try_extend_from_slice(fit);
    let owner = Owner {
        name: &m.name,
        interface: Some(m.interface.as_str()).filter(|i| !i.is_empty()),
        owner: m.priority == 255,
        sync_no_weight,
    };
    let tracks = Tracks {
        interfaces: &mut m.track_interfaces,
        scripts: &mut m.track_scripts,
        files: &mut m.track_files,
        processes: &mut m.track_processes,
    };
    track_check::check(sink, defs, &owner, &instance_tracks(r), tracks);
    if !complete {
        return;
    }
    garp(sink, g, r, &mut m);
    m.vmac = vmac(sink, r, m.vrid, m.family);
    out.models.push(m);
    out.raws.push(r);
}

/// The model of `r`: the one the parser filled in
/// place, moved out whole (the checks after this one do not look at what
/// it holds), and the few fields that need the raw block or global_defs
/// set on it; the resolved values and the lists are set by
/// [`resolve_instance`]. A literal of every field here was a kilobyte of
/// code (size: issue 17).
fn take_model(g: &GlobalDefs, r: &mut RawInstance) -> Box<InstanceConfig> {
    // The model moved out as the parser left it (an empty one left in its
    // place), then what needs the whole block or global_defs set on it.
    // The name stays in the raw block too: the sync groups look their
    // members up there.
    let empty = InstanceConfig::new(r.model.name.clone(), Loc::default());
    let mut m = core::mem::replace(&mut r.model, empty);
    // Swapped, not assigned: nothing to drop (the raw list is not looked
    // at again).
    core::mem::swap(&mut m.vrules, &mut r.vrules.list);
    m.nopreempt = r.nopreempt.is_some();
    m.smtp_alert = g.mails(r.smtp_alert);
    m.v3_checksum_as_v2 = r.v3_checksum_as_v2.unwrap_or(g.v3_checksum_as_v2);
    m.skip_check_adv_addr = g.vrrp_skip_check_adv_addr;
    m
}

fn instance_tracks(r: &RawInstance) -> RawTracks<'_> {
    RawTracks {
        interfaces: &r.track_interfaces,
        scripts: &r.track_scripts,
        files: &r.track_files,
        processes: &r.track_processes,
    }
}

/// The gratuitous ARP/NA settings of an instance into `m`: the master ones
/// from the instance keyword, else the global one; the lower-priority ones
/// through [`lower_prio`].
fn garp(sink: &mut Sink, g: &GlobalDefs, r: &RawInstance, m: &mut InstanceConfig) {
    m.garp_master_delay_s = r.garp_master_delay_s.unwrap_or(g.vrrp_garp_master_delay_s);
    m.garp_master_repeat = r.garp_master_repeat.unwrap_or(g.vrrp_garp_master_repeat);
    m.garp_master_refresh_s = r
        .garp_master_refresh_s
        .unwrap_or(g.vrrp_garp_master_refresh_s);
    m.garp_master_refresh_repeat = r
        .garp_master_refresh_repeat
        .unwrap_or(g.vrrp_garp_master_refresh_repeat);
    m.garp_lower_prio_repeat = lower_prio(
        sink,
        g,
        r.garp_lower_prio_repeat.as_ref().map(|a| (a.v, &a.pos)),
        ("garp_lower_prio_repeat", false),
        g.vrrp_garp_lower_prio_repeat
            .unwrap_or(g.vrrp_garp_master_repeat),
        0,
    );
    m.garp_lower_prio_delay_s = lower_prio(
        sink,
        g,
        r.garp_lower_prio_delay_s.as_ref().map(|a| (a.v, &a.pos)),
        ("garp_lower_prio_delay", false),
        g.vrrp_garp_lower_prio_delay_s
            .unwrap_or(g.vrrp_garp_master_delay_s),
        0,
    );
    m.lower_prio_no_advert = lower_prio(
        sink,
        g,
        r.lower_prio_no_advert
            .as_ref()
            .map(|a| (u32::from(a.v), &a.pos)),
        ("lower_prio_no_advert", true),
        u32::from(g.vrrp_lower_prio_no_advert),
        1,
    ) != 0;
}

/// keepalived's chain for the lower-priority settings: the instance's
/// value, else the global default; under `vrrp_strict` the strict value,
/// which an instance may not contradict (keepalived overrides it with an
/// error; we refuse). A switch is 0 or 1, shown as off or on (`on_off`):
/// one copy for both kinds of setting (size: issue 17).
fn lower_prio(
    sink: &mut Sink,
    g: &GlobalDefs,
    set: Option<(u32, &Pos)>,
    (keyword, on_off): (&str, bool),
    global: u32,
    strict: u32,
) -> u32 {
    match set {
        Some((v, pos)) if g.vrrp_strict && v != strict => {
            // Shown through Display, not built into Strings (size: issue 17).
            let (shown, needed): (&dyn fmt::Display, &dyn fmt::Display) = if on_off {
                (&on_off_word(v), &on_off_word(strict))
            } else {
                (&v, &strict)
            };
            sink.error_fmt(
                pos,
                format_args!(
                    "{keyword} {shown} is not allowed with vrrp_strict (which needs {needed})"
                ),
            );
            strict
        }
        Some((v, _)) => v,
        None if g.vrrp_strict => strict,
        None => global,
    }
}

/// A switch's value as [`lower_prio`] shows it.
fn on_off_word(v: u32) -> &'static str {
    if v == 0 { "off" } else { "on" }
}

/// A keyword the instance cannot run without: reported at the
/// vrrp_instance line when it is missing (`given` false: neither set nor
/// seen; a bad value was already reported at its own line). One copy for
/// every keyword's type (size: issue 17).
fn required(sink: &mut Sink, r: &RawInstance, given: bool, keyword: &str) {
    if !given {
        sink.error_fmt(
            &r.pos,
            format_args!("vrrp_instance {} has no {keyword}", r.model.name),
        );
    }
}

/// The family of the first VIP; every other VIP must share it. Excluded
/// addresses may be of either family (keepalived's way of carrying IPv6
/// addresses along with an IPv4 instance).
fn vip_family(sink: &mut Sink, r: &RawInstance) -> Family {
    let Some(first) = r.vips.list.first() else {
        return Family::V4;
    };
    let family = Family::of(&first.addr);
    for (other, pos) in r.vips.list.iter().zip(&r.vips.at) {
        if Family::of(&other.addr) != family {
            sink.error_fmt(
                pos,
                format_args!(
                    "virtual_ipaddress mixes IPv4 and IPv6: {} is {} but {} is {}",
                    crate::wire::addr::Ip(other.addr),
                    family_name(Family::of(&other.addr)),
                    crate::wire::addr::Ip(first.addr),
                    family_name(family)
                ),
            );
            break;
        }
    }
    family
}

/// `version`, else 3 for IPv6 (VRRPv2 has no IPv6), else `vrrp_version`.
fn version(sink: &mut Sink, g: &GlobalDefs, r: &RawInstance, family: Family) -> u8 {
    match &r.version {
        Some(v) => {
            if v.v == 2 && family == Family::V6 {
                sink.error(
                    &v.pos,
                    "version 2 cannot carry IPv6 virtual addresses: VRRPv2 is IPv4 only",
                );
            }
            u8::try_from(v.v).unwrap_or(3)
        }
        None if family == Family::V6 => 3,
        None => g.vrrp_version,
    }
}

fn advert_int(sink: &mut Sink, a: Option<&At<AdvertInt>>, version: u8) -> Option<u16> {
    let Some(At { v: a, pos }) = a else {
        return Some(100);
    };
    let (t, v2) = (a.text.as_str(), version == 2);
    let (lo, hi) = if v2 { (100, 25_500) } else { (1, 4095) };
    // In range first: centiseconds then fit a u16, and the checks after
    // need no 64-bit maths (a libcall on 32-bit MIPS). One message shape
    // for every refusal (size: issue 17).
    let cs = a.cs.filter(|cs| (lo..=hi).contains(cs));
    let problem = match cs.and_then(|cs| u16::try_from(cs).ok()) {
        None if v2 => "out of range 1-255 for VRRPv2",
        None => "out of range 0.01-40.95 for VRRPv3",
        Some(cs) if v2 && (!a.exact || cs % 100 != 0) => "must be whole seconds for VRRPv2",
        Some(_) if !a.exact => "is not a multiple of 0.01 s",
        Some(cs) => return Some(cs),
    };
    sink.error_fmt(pos, format_args!("advert_int {t} {problem}"));
    None
}

fn state_and_priority(sink: &mut Sink, r: &RawInstance) -> (InitialState, u8) {
    let explicit = r.state.as_ref().map(|s| s.v);
    let priority = match (&r.priority, explicit) {
        (Some(p), _) => u8::try_from(p.v).unwrap_or(255),
        // keepalived: a MASTER without a priority is the address owner.
        (None, Some(InitialState::Master)) => 255,
        (None, _) => 100,
    };
    let state = explicit.unwrap_or(if priority == 255 {
        InitialState::Master
    } else {
        InitialState::Backup
    });
    if let Some(np) = &r.nopreempt {
        if let Some(s) = r.state.as_ref().filter(|s| s.v == InitialState::Master) {
            let at = s.pos.refer_from(np);
            sink.error_fmt(
                np,
                format_args!("nopreempt needs state BACKUP, but state is MASTER at {at}"),
            );
        }
        if let Some(p) = r.priority.as_ref().filter(|p| p.v == 255) {
            let at = p.pos.refer_from(np);
            sink.error_fmt(
                np,
                format_args!("nopreempt is invalid with priority 255 (the address owner) at {at}"),
            );
        }
    }
    (state, priority)
}

fn auth(sink: &mut Sink, r: &RawInstance, version: u8) -> Option<Auth> {
    let a = r.auth.as_ref()?;
    if version == 3 {
        // keepalived ignores it with a warning too: VRRPv3 has no auth field.
        sink.warn(&a.pos, "authentication is ignored with VRRPv3");
        return None;
    }
    match (a.type_ok, a.pass) {
        (None, _) => {
            sink.error(&a.pos, "authentication needs auth_type PASS");
            None
        }
        (Some(false), _) => None,
        (Some(true), None) => {
            sink.error(&a.pos, "authentication needs auth_pass");
            None
        }
        (Some(true), Some(pass)) => Some(Auth { pass }),
    }
}

/// `src` is the model's unicast_src_ip (the raw block's model is taken).
fn check_unicast_family(sink: &mut Sink, src: Option<&IpAddr>, r: &RawInstance, family: Family) {
    // Plain calls, not a chain of the two lists: a chain is code of its own.
    if let (Some(a), Some(pos)) = (src, &r.unicast_src_pos) {
        unicast_family(sink, "unicast_src_ip", a, pos, family);
    }
    for (a, pos) in r.unicast_peers.list.iter().zip(&r.unicast_peers.at) {
        unicast_family(sink, "unicast_peer", a, pos, family);
    }
}

fn unicast_family(sink: &mut Sink, what: &str, a: &IpAddr, pos: &Pos, family: Family) {
    let f = Family::of(a);
    if f != family {
        sink.error_fmt(
            pos,
            format_args!(
                "{what} {} is {} but the instance is {}",
                crate::wire::addr::Ip(*a),
                family_name(f),
                family_name(family)
            ),
        );
    }
}

/// One VRID per interface and family: two instances with the same one
/// would answer each other's adverts as the same virtual router. Each
/// duplicate names the first instance with its VRID (a search of those
/// before it: at most MAX_INSTANCES, and no keys to build; size: issue 17).
fn check_vrids(sink: &mut Sink, resolved: &Resolved) {
    let (models, raws) = (&resolved.models, &resolved.raws);
    // Plain index walks: zip/enumerate/find adapters were code of their
    // own (size: issue 17).
    for k in 0..models.len() {
        let (Some(i), Some(r)) = (models.get(k), raws.get(k)) else {
            continue;
        };
        let Some(pos) = r.vrid.as_ref().map(|v| &v.pos) else {
            continue;
        };
        let same = |f: &InstanceConfig| {
            f.vrid == i.vrid && f.family == i.family && f.interface == i.interface
        };
        let Some((first, first_pos)) = (0..k).find_map(|j| {
            let f = models.get(j).filter(|f| same(f))?;
            Some((f, &raws.get(j)?.vrid.as_ref()?.pos))
        }) else {
            continue;
        };
        let at = first_pos.refer_from(pos);
        sink.error_fmt(
            pos,
            format_args!(
                "virtual_router_id {} on {} ({}) already used by vrrp_instance {} at {at}",
                i.vrid,
                i.interface,
                family_name(i.family),
                first.name
            ),
        );
    }
}

/// `use_vmac` of one instance: its MAC and `vmac_xmit_base`, as keepalived
/// resolves them; the name is given, or chosen by [`name_vmacs`].
fn vmac(sink: &mut Sink, r: &RawInstance, vrid: u8, family: Family) -> Option<Vmac> {
    let Some(v) = &r.use_vmac else {
        if let Some(pos) = &r.vmac_xmit_base {
            sink.warn_fmt(
                pos,
                format_args!(
                    "({}) vmac_xmit_base is only valid with a vmac",
                    r.model.name
                ),
            );
        }
        return None;
    };
    let mac = match v.v.mac {
        Some((mut m, true)) => {
            m[5] = vrid;
            m
        }
        Some((m, false)) => m,
        None => [
            0,
            0,
            0x5e,
            0,
            if family == Family::V6 { 2 } else { 1 },
            vrid,
        ],
    };
    let mut xmit_base = r.vmac_xmit_base.is_some();
    if !r.unicast_peers.list.is_empty() && !xmit_base {
        sink.warn_fmt(
            &v.pos,
            format_args!(
                "({}) unicast with use_vmac requires vmac_xmit_base - setting",
                r.model.name
            ),
        );
        xmit_base = true;
    }
    Some(Vmac {
        name: v.v.name.clone().unwrap_or_default(),
        mac,
        xmit_base,
    })
}

/// Each VMAC's interface name: a name given twice (or naming an interface
/// the configuration uses otherwise) is refused; without a name an
/// instance gets keepalived's `vrrp.VRID`, else the next name free in the
/// configuration (`vrrp1.VRID`, ...; IPv6 tries `vrrp6.VRID` first).
fn name_vmacs(sink: &mut Sink, resolved: &mut Resolved) {
    let mut taken: Vec<String> = Vec::with_capacity(resolved.models.len());
    for i in &resolved.models {
        taken.push(i.interface.clone());
    }
    for (i, r) in resolved.models.iter().zip(&resolved.raws) {
        let (Some(v), Some(at)) = (&i.vmac, &r.use_vmac) else {
            continue;
        };
        if v.name.is_empty() {
            continue;
        }
        if taken.contains(&v.name) {
            sink.error_fmt(
                &at.pos,
                format_args!("({}) VMAC interface {} is already in use", i.name, v.name),
            );
        }
        taken.push(v.name.clone());
    }
    for i in resolved.models.iter_mut() {
        let (vrid, v6) = (i.vrid, i.family == Family::V6);
        let Some(v) = i.vmac.as_mut().filter(|v| v.name.is_empty()) else {
            continue;
        };
        // The names in the order tried, the last taken whatever: one
        // format for all (size: issue 17).
        // The digits tried after `vrrp`, in order (none first), the last
        // taken whatever: one format for every name (size: issue 17).
        let order = if v6 {
            ",6,1,2,3,4,5,7,9"
        } else {
            ",1,2,3,4,5,6,7,9"
        };
        let mut name = String::new();
        for k in order.split(',') {
            name = format!("vrrp{k}.{vrid}");
            if !taken.contains(&name) {
                break;
            }
        }
        taken.push(name.clone());
        v.name = name;
    }
}

/// Every interface the configuration names (the instances' own, VIP
/// `dev`s, the interfaces instances and sync groups track) needs a slot in
/// the daemon's interface table.
fn check_interfaces(sink: &mut Sink, resolved: &Resolved, groups: &[RawSyncGroup]) {
    // Each name offered as it is met, in the configuration's order: no
    // list of (name, line) pairs to build first, and plain loops (a chain
    // of iterators is code of its own for every link; size: issue 17).
    let mut names = Interfaces::default();
    for (i, r) in resolved.models.iter().zip(&resolved.raws) {
        names.offer(sink, &i.interface, &r.pos);
        // The two lists walked by reference: `for list in [..]` moved the
        // array into an IntoIter first (size: issue 17).
        for list in [&r.vips, &r.vips_excluded].iter() {
            for (v, pos) in list.list.iter().zip(&list.at) {
                if let Some(dev) = &v.dev {
                    names.offer(sink, dev, pos);
                }
            }
        }
        for t in &r.track_interfaces {
            names.offer(sink, &t.v.name, &t.pos);
        }
        if let Some(v) = &i.vmac {
            names.offer(sink, &v.name, &r.pos);
        }
    }
    for g in groups {
        for t in &g.track_interfaces {
            names.offer(sink, &t.v.name, &t.pos);
        }
    }
}

/// The interface names met so far; `full` once one did not fit.
#[derive(Default)]
struct Interfaces<'a> {
    names: Vec<&'a str>,
    full: bool,
}

impl<'a> Interfaces<'a> {
    /// Takes `name` (used at `pos`) into the table; the first that does
    /// not fit is an error, and nothing is looked at after it.
    #[inline(never)]
    fn offer(&mut self, sink: &mut Sink, name: &'a str, pos: &Pos) {
        if self.full || self.names.contains(&name) {
            return;
        }
        if self.names.len() == MAX_INTERFACES {
            too_many(
                sink,
                pos,
                ("interfaces", ""),
                "MAX_INTERFACES",
                MAX_INTERFACES,
            );
            self.full = true;
            return;
        }
        self.names.push(name);
    }
}

// ---- vrrp_sync_group -----------------------------------------------------

/// The sync groups' count and names, and their members (`sync_of`: each
/// member's first group, from [`sync_membership`]).
fn check_sync_set(
    sink: &mut Sink,
    groups: &[RawSyncGroup],
    instances: &[RawInstance],
    sync_of: &Firsts,
) {
    let what = "vrrp_sync_group";
    let over = groups.get(MAX_SYNC_GROUPS).map(|g| &g.pos);
    check_count(sink, over, what, "MAX_SYNC_GROUPS", MAX_SYNC_GROUPS);
    let mut seen = Firsts::default();
    for g in groups {
        first_seen(sink, &mut seen, &g.model.name, &g.pos, what);
        check_members(sink, groups, g, instances, sync_of);
    }
}

fn check_sync_groups(
    sink: &mut Sink,
    global: &GlobalDefs,
    mut groups: Vec<RawSyncGroup>,
    resolved: &[Box<InstanceConfig>],
    defs: &Defined,
) -> Vec<SyncGroup> {
    let is_owner = |name: &str| resolved.iter().any(|i| i.name == name && i.priority == 255);
    // Each group's model taken and pushed, then the rest set and its
    // tracking checked into it in place (as an instance's); the model is
    // moved, not cloned, and the raw groups are walked by reference (a
    // loop that took them by value moved each whole and dropped its other
    // fields one by one; size: issue 17).
    let mut out = Vec::with_capacity(groups.len());
    for g in &mut groups {
        let owner = g.group.iter().any(|m| is_owner(&m.v));
        let raw = RawTracks {
            interfaces: &g.track_interfaces,
            scripts: &g.track_scripts,
            files: &g.track_files,
            processes: &g.track_processes,
        };
        // An empty model pushed and swapped with the group's: a take
        // moved it out through a temporary, two copies of it (size:
        // issue 17).
        out.push(SyncGroup::default());
        let Some(s) = out.last_mut() else { continue };
        core::mem::swap(s, &mut g.model);
        s.smtp_alert = global.mails(g.smtp_alert);
        // A plain loop: no collect() code of its own (size: issue 17).
        for m in &g.group {
            s.group.push(m.v.clone());
        }
        let owner = Owner {
            name: &s.name,
            interface: None,
            owner,
            sync_no_weight: false,
        };
        let tracks = Tracks {
            interfaces: &mut s.track_interfaces,
            scripts: &mut s.track_scripts,
            files: &mut s.track_files,
            processes: &mut s.track_processes,
        };
        track_check::check(sink, defs, &owner, &raw, tracks);
    }
    out
}

/// A group needs members, each an instance, each in one group only: a
/// member is a repeat unless it is where `sync_of` first saw its name (no
/// map of the members seen to build again; size: issue 17).
fn check_members(
    sink: &mut Sink,
    groups: &[RawSyncGroup],
    g: &RawSyncGroup,
    instances: &[RawInstance],
    sync_of: &Firsts,
) {
    if g.group.is_empty() {
        sink.error_fmt(
            &g.pos,
            format_args!(
                "vrrp_sync_group {} has no group {{ ... }} of instances",
                g.model.name
            ),
        );
    }
    for m in &g.group {
        if !instances.iter().any(|i| i.model.name == m.v) {
            sink.error_fmt(
                &m.pos,
                format_args!(
                    "vrrp_sync_group {}: no vrrp_instance named '{}'",
                    g.model.name, m.v
                ),
            );
        } else if let Some(first) = sync_of
            .first(&m.v)
            .filter(|&(_, at)| !core::ptr::eq(at, &m.pos))
            .and_then(|(f, _)| groups.get(f))
        {
            // Named after the first group: that is the one it stays in.
            sink.error_fmt(
                &m.pos,
                format_args!(
                    "vrrp_instance {} is already in vrrp_sync_group {}",
                    m.v, first.model.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::load;

    /// The VMAC names chosen for instance V (use_vmac, VRID 7) when
    /// instances on `taken` interfaces come before it.
    fn vmac_name(taken: &[&str], vip: &str) -> String {
        let mut text = String::new();
        for (k, t) in taken.iter().enumerate() {
            text += &format!(
                "vrrp_instance T{k} {{\n interface {t}\n virtual_router_id {}\n}}\n",
                k + 1
            );
        }
        text += &format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 7\n use_vmac\n \
             virtual_ipaddress {{\n {vip}\n }}\n}}\n"
        );
        let dir = std::env::temp_dir().join(format!("validate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(format!("{}.conf", taken.len() * 2 + vip.len() % 2));
        std::fs::write(&path, text).expect("write");
        let loaded = load(&path);
        let _ = std::fs::remove_file(&path);
        let (c, _) = loaded.expect("loads");
        let v = c.instances.iter().find(|i| i.name == "V").expect("V");
        v.vmac.as_ref().expect("vmac").name.clone()
    }

    #[test]
    fn vmac_names_in_keepalived_order() {
        assert_eq!(vmac_name(&[], "192.0.2.1"), "vrrp.7");
        assert_eq!(vmac_name(&["vrrp.7"], "192.0.2.1"), "vrrp1.7");
        assert_eq!(vmac_name(&["vrrp.7"], "2001:db8::1"), "vrrp6.7");
        assert_eq!(vmac_name(&["vrrp.7", "vrrp6.7"], "2001:db8::1"), "vrrp1.7");
        let all = [
            "vrrp.7", "vrrp1.7", "vrrp2.7", "vrrp3.7", "vrrp4.7", "vrrp5.7", "vrrp6.7", "vrrp7.7",
        ];
        assert_eq!(vmac_name(&all, "192.0.2.1"), "vrrp9.7");
        assert_eq!(vmac_name(&all[1..], "192.0.2.1"), "vrrp.7");
    }
}
