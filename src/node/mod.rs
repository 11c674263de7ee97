//! The pure router above the instances: the interface table (fed by
//! netlink events), the instance table and the dispatch of received
//! adverts by interface, family and VRID, the start-up delay, VIP retries
//! keyed by netlink sequence numbers, and reload as plan-then-apply. No
//! fds, no clock, no allocation in the steady state: every input is an
//! event with the time it happened, every output an [`Out`] pushed to the
//! caller's [`Outbox`]. The poll loop (`crate::daemon`) and the
//! deterministic simulation (tests/simulation.rs) drive the same `Node`.

mod events;
pub mod garp;
pub mod iface;
mod links;
pub mod mail;
pub mod out;
mod params;
pub mod pending;
mod reload;
pub mod routes;
mod rx;
pub mod scripts;
pub mod slot;
pub mod sync;
pub mod track;
mod verdict;
pub mod vmac;
pub mod watch;

use core::net::IpAddr;

use arrayvec::ArrayVec;

use crate::config::{Config, Family, InstanceConfig, Route};
use crate::limits::{MAX_INSTANCES, MAX_INTERFACES};
use crate::time::{Duration, Instant};
use crate::vrrp::{Event, Instance, State};
use crate::wire::vrrp::RxError;
use iface::Ifaces;
use out::note;
use out::{AddrWhy, Note, Out, Outbox, ScriptEnd};
use pending::{Pending, Uid};
use slot::{Shared, Slot, SlotTimer, VIP_RETRY};

pub use events::{Plan, PlanError, Rx6};
pub use params::params;

/// How far ahead [`Node::catch_up`] looks: a master's burst of adverts
/// (every instance of a router advertises in the same tick) reaches the
/// backups within a few milliseconds, so their timers run out as close.
const CATCH_UP_AHEAD: Duration = Duration::from_millis(10);

pub struct Node {
    /// The interface table, pending requests and settings every instance
    /// uses (borrowed beside a mutably borrowed slot).
    shared: Shared,
    startup_delay: Duration,
    /// Boxed: a table of MAX_INSTANCES slots is some 200 KB that a Node
    /// moved by value would copy, touching every page of it (RSS 1.7 MB
    /// instead of 0.4); on the heap, pages no slot uses are never touched.
    slots: Box<ArrayVec<Slot, MAX_INSTANCES>>,
    /// Instances a reload removed whose scripts (notify_deleted) still
    /// run or wait: out of the table, kept until the last one ended.
    leaving: Vec<Slot>,
    /// [`dispatch_key`] (interface index, family, VRID) -> slot, sorted
    /// for binary search.
    dispatch: ArrayVec<(u64, u8), MAX_INSTANCES>,
    next_uid: Uid,
    /// Packets dropped per reason before they reached an instance.
    rx_errors: [u64; RxError::ALL.len()],
    last_global_reject_log: Option<Instant>,
    netlink_errors: u64,
    /// Check scripts, track files, tracked processes.
    track: track::Trackers,
    /// vrrp_sync_groups.
    groups: Vec<sync::Group>,
    /// interface_up_down_delays, and the carrier changes held back by
    /// them: (interface, up, when it takes effect).
    up_down: Vec<crate::config::UpDownDelay>,
    link_delays: ArrayVec<(iface::IfName, bool, Instant), MAX_INTERFACES>,
    /// static_ipaddress / static_routes.
    statics: routes::Statics,
}

/// The earlier of two optional deadlines (None: none). Not
/// `[a, b].into_iter().flatten().min()`, an iterator chain of its own at
/// each call site (about 1 KB of code for the trackers' deadline), nor a
/// match on the pair: with None as u64::MAX microseconds the earlier is
/// the smaller (issue 17: size).
#[inline(never)]
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    let us = Instant::micros_or_max(a).min(Instant::micros_or_max(b));
    Instant::from_micros_or_none(us)
}

/// Every interface `config` names (repeats included): the instances' own,
/// their VMACs, their VIPs' `dev`s, the tracked ones and the routes' `dev`s.
/// Made at start and reload only, as a list: nested iterator chains here
/// were about 1.6 KB of code on mipsel.
pub fn named_ifaces(config: &Config) -> std::vec::IntoIter<&str> {
    names_of(&mut config.instances.iter(), config)
}

/// [`named_ifaces`] with the instances given apart (the router's own once
/// it has taken them out of `config`): one copy of the code for both.
fn names_of<'a>(
    instances: &mut dyn Iterator<Item = &'a Box<InstanceConfig>>,
    config: &'a Config,
) -> std::vec::IntoIter<&'a str> {
    let mut names = Vec::new();
    let mut devs = Vec::new();
    for c in instances {
        names.push(c.interface.as_str());
        if let Some(v) = &c.vmac {
            names.push(v.name.as_str());
        }
        for v in c.vips.iter().chain(c.vips_excluded.iter()) {
            if let Some(d) = v.dev.as_deref() {
                names.push(d);
            }
        }
        for t in &c.track_interfaces {
            names.push(t.name.as_str());
        }
        // The routes' `dev`s (rules name their interfaces: none needed),
        // after the sync groups' interfaces.
        route_devs(&c.vroutes, &mut devs);
    }
    for g in &config.sync_groups {
        for t in &g.track_interfaces {
            names.push(t.name.as_str());
        }
    }
    names.append(&mut devs);
    route_devs(&config.static_routes, &mut names);
    for a in &config.static_addrs {
        if let Some(d) = a.dev.as_deref() {
            names.push(d);
        }
    }
    names.into_iter()
}

/// The `dev`s of `routes`, onto `names`.
fn route_devs<'a>(routes: &'a [Route], names: &mut Vec<&'a str>) {
    for r in routes {
        if let Some(d) = r.dev.as_deref() {
            names.push(d);
        }
    }
}

impl Node {
    /// A router for `config` on the interfaces of `ifaces` (a dump of the
    /// ones the configuration names). Nothing happens until [`Node::start`].
    /// The instances move out of `config` (as with [`Node::plan_reload`]).
    pub fn new(config: &mut Config, ifaces: Ifaces, keep_vips: bool) -> Result<Node, PlanError> {
        // Planned first: a refused plan then has no router to drop (that
        // drop was about 450 bytes on mipsel, issue 17).
        let (items, config) = reload::plan(&[], config, &ifaces)?.into_parts();
        let mut node = Node {
            shared: Shared {
                ifaces,
                pending: Pending::default(),
                group4: config.global.vrrp_mcast_group4.into(),
                group6: config.global.vrrp_mcast_group6.into(),
                keep_vips,
                script_user: config.global.script_user.clone(),
                script_security: config.global.enable_script_security,
                scripts_running: 0,
                last_script_id: 0,
                pace: garp::Pace::new(
                    config.global.vrrp_garp_interval_us,
                    config.global.vrrp_gna_interval_us,
                    &mut config.garp_groups,
                ),
                mail: mail::MailDefs::of(&config.global),
            },
            startup_delay: Duration::from_ms(config.global.vrrp_startup_delay_ms),
            slots: Box::default(),
            leaving: Vec::new(),
            dispatch: ArrayVec::new(),
            next_uid: 0,
            rx_errors: [0; RxError::ALL.len()],
            last_global_reject_log: None,
            netlink_errors: 0,
            track: track::Trackers::default(),
            groups: Vec::new(),
            up_down: Vec::new(),
            link_delays: ArrayVec::new(),
            statics: routes::Statics::default(),
        };
        for p in items {
            node.add_slot(p.cfg, p.src, p.ifindex);
        }
        node.reindex();
        let _ = node.track_config(config);
        node.statics.take(config);
        Ok(node)
    }

    /// A new slot for `c`, sending from `src` on interface `ifindex`.
    pub(super) fn add_slot(&mut self, c: Box<InstanceConfig>, src: IpAddr, ifindex: u32) {
        self.next_uid += 1;
        let inst = Instance::new(params(&c, src));
        let slot = Slot::new(self.next_uid, c, inst, ifindex);
        // The plan was checked against MAX_INSTANCES by validation.
        let _ = self.slots.try_push(slot);
    }

    /// Join the groups and start every instance (or schedule it after
    /// `vrrp_startup_delay`).
    pub fn start(&mut self, now: Instant, out: &mut dyn Outbox) {
        self.statics.apply(true, &mut self.shared, out);
        self.join_groups(true, out);
        self.start_tracking(now, out);
        for i in 0..self.slots.len() {
            if self.startup_delay.is_zero() {
                self.start_slot(i, now, out);
            } else {
                self.slots[i].set_timer(SlotTimer::Start, now, Some(self.startup_delay));
                self.slots[i].rearm(i, now, out, false);
            }
        }
    }

    /// Release everything: priority 0 from masters, VIPs removed (unless
    /// `-V`).
    /// Scripts still waiting: none once STOP scripts are queued, so the
    /// shell waits for [`Node::scripts_running`] only.
    pub fn stop(&mut self, now: Instant, out: &mut dyn Outbox) {
        self.track.kill_runs(&mut self.shared, out);
        self.track.stop();
        self.stop_leaving(out);
        for i in 0..self.slots.len() {
            self.slots[i].stop_scripts(&mut self.shared, out);
            self.drive(i, Event::Shutdown, now, out);
        }
        for s in self.slots.iter() {
            vmac::drop(&s.cfg, &mut self.shared.ifaces, out);
        }
        self.statics.apply(false, &mut self.shared, out);
        self.stop_groups(now, out);
        self.rearm_router(out);
    }

    /// Tell the shell when the router's own timer is due next (checks,
    /// scans, group script timeouts).
    pub(crate) fn rearm_router(&mut self, out: &mut dyn Outbox) {
        let mut also = self.groups_deadline();
        for d in &self.link_delays {
            also = earliest(also, Some(d.2));
        }
        self.track.rearm(also, out);
    }

    /// Notify scripts running now (the shell waits for them on stop, at
    /// most STOP_SCRIPT_TIMEOUT plus the kill grace).
    pub fn scripts_running(&self) -> usize {
        self.shared.scripts_running
    }

    /// Script `id` ended (or could not start): the next script of its
    /// instance starts, and a script some instance waits for a free child
    /// for.
    pub fn on_script_end(&mut self, id: u32, end: ScriptEnd, now: Instant, out: &mut dyn Outbox) {
        if self.check_ended(id, end, now, out) || self.group_script_ended(id, now, out) {
            self.on_child_free(now, out);
            self.rearm_router(out);
            return;
        }
        let cx = &mut self.shared;
        let ended = self.slots.iter_mut().position(|s| s.script_ended(id, cx));
        let Some(i) = ended else {
            if self.leaving_script_ended(id, now, out) {
                self.on_child_free(now, out);
            }
            return;
        };
        // Its own instance first (order), then any that waited for a child.
        let s = &mut self.slots[i];
        s.start_script(now, &mut self.shared, out);
        s.rearm(i, now, out, false);
        self.on_child_free(now, out);
    }

    /// A child may be free: start what waits for one.
    fn on_child_free(&mut self, now: Instant, out: &mut dyn Outbox) {
        for k in 0..self.slots.len() {
            let s = &mut self.slots[k];
            s.start_script(now, &mut self.shared, out);
            s.rearm(k, now, out, false);
        }
        self.start_leaving(now, out);
        for g in 0..self.groups.len() {
            self.start_group_script(g, now, out);
        }
        self.rearm_router(out);
    }

    /// The tracked objects and groups of `config` (kept readings and group
    /// states carry over from the running configuration).
    /// Returns the trackers it replaced: the check runs they have that
    /// the new ones do not ([`track::Trackers::kill_orphans`]) lost their check.
    fn track_config(&mut self, config: &mut Config) -> track::Trackers {
        self.follow_named(config);
        // Built beside the old one, then swapped in: no default table
        // written in between (issue 17: size).
        let new = track::Trackers::new(config, &self.track);
        let old = core::mem::replace(&mut self.track, new);
        // Swapped: the old delays go with the configuration (nothing reads
        // them there), no drop here (issue 17: size).
        core::mem::swap(&mut self.up_down, &mut config.up_down_delays);
        // The old groups pass on their states, then go: no take of them
        // first (issue 17: size).
        self.groups = sync::build(config, &mut self.slots, &mut self.groups);
        for s in self.slots.iter_mut() {
            let sync = s
                .group
                .and_then(|g| self.groups.get(g))
                .is_some_and(|g| g.members.len() > 1);
            s.inst.set_sync(sync);
        }
        old
    }

    /// Every interface the configuration names is in the table, those
    /// not there (yet) as gone: followed by name, it is seen when it
    /// appears, whatever dump the table came from.
    fn follow_named(&mut self, config: &Config) {
        let ifaces = &mut self.shared.ifaces;
        for name in names_of(&mut self.slots.iter().map(|s| &s.cfg), config) {
            if ifaces.by_name(name).is_none() {
                // Validation bounds the names by MAX_INTERFACES.
                if let Some(f) = iface::Iface::gone(name) {
                    let _ = ifaces.push(f);
                }
            }
        }
    }

    /// Start the checks some instance or group uses, and the scans.
    fn start_tracking(&mut self, now: Instant, out: &mut dyn Outbox) {
        let slots = &self.slots;
        let groups = &self.groups;
        let used = |name: &str| {
            slots
                .iter()
                .any(|s| s.cfg.track_scripts.iter().any(|t| t.name == name))
                || groups
                    .iter()
                    .any(|g| g.cfg.track_scripts.iter().any(|t| t.name == name))
        };
        self.track.start(&used, now);
        // What is due now (every check's first run, the first scan) starts
        // now: the router's timer is never armed for the present.
        self.track.run_due(now, &mut self.shared, out);
        self.rearm_router(out);
    }

    /// Slot `i`'s timer fired (perhaps early or spuriously: only what is
    /// due happens). It may have fired early on purpose (see [`Slot::rearm`]): the
    /// re-arm below then sets the real deadline.
    pub fn on_timer(&mut self, i: usize, now: Instant, out: &mut dyn Outbox) {
        let Some(s) = self.slots.get_mut(i) else {
            return;
        };
        s.fired();
        if s.deadline().is_some_and(|d| d > now) {
            // Early: this slot's adverts moved its deadline. Others that
            // heard the same burst of adverts are about to fire early too.
            self.catch_up(now, out);
        }
        let Some(s) = self.slots.get_mut(i) else {
            return;
        };
        if due(s, SlotTimer::Start, now) {
            self.start_slot(i, now, out);
            return;
        }
        if due(s, SlotTimer::Script, now) {
            let s = &mut self.slots[i];
            s.script_timeout(now, &mut self.shared, out);
            s.start_script(now, &mut self.shared, out);
        }
        let s = &self.slots[i];
        if due(s, SlotTimer::VipRetry, now) {
            let cx = &mut self.shared;
            let s = &mut self.slots[i];
            s.set_timer(SlotTimer::VipRetry, now, None);
            let master = s.inst.state() == State::Master;
            s.vips(master, AddrWhy::Retry, cx, out);
        }
        let s = &mut self.slots[i];
        if due(s, SlotTimer::Garp, now) {
            s.garp_due(now, &mut self.shared, out);
        }
        self.drive(i, Event::Timeout, now, out);
    }

    /// A lazily armed timer fired early: every slot whose timer would fire
    /// early within [`CATCH_UP_AHEAD`] is armed for its real deadline now,
    /// so that a burst of adverts costs one early wake-up, not one per
    /// instance that heard it.
    fn catch_up(&mut self, now: Instant, out: &mut dyn Outbox) {
        let horizon = now + CATCH_UP_AHEAD;
        for (k, s) in self.slots.iter_mut().enumerate() {
            s.catch_up(k, horizon, out);
        }
    }

    /// The kernel answered netlink request `seq` (`errno` 0, or EEXIST on
    /// add and EADDRNOTAVAIL (an address), ESRCH (a route) or ENOENT (a
    /// rule) on delete, are success). An add's answer tells the instance
    /// whether it holds the address: only then is it announced. On a
    /// failure, logged with the address, the instance that sent it makes
    /// its VIPs match its state again after VIP_RETRY; a failed route or
    /// rule is logged (keepalived logs and carries on).
    pub fn on_ack(&mut self, seq: u32, errno: i32, now: Instant, out: &mut dyn Outbox) {
        let ok = matches!(
            errno,
            0 | libc::EEXIST | libc::EADDRNOTAVAIL | libc::ESRCH | libc::ENOENT
        );
        let (owner, tag) = self.shared.pending.lookup(seq).unzip();
        if owner == Some(routes::STATIC_UID) {
            if !ok {
                self.netlink_errors += 1;
                note(out, Note::StaticFailed { seq, errno });
            }
            return;
        }
        if let Some(o) = owner.filter(|o| o & routes::ROUTE_BIT != 0) {
            if !ok {
                self.netlink_errors += 1;
                self.route_failed(o, seq, errno, out);
            }
            return;
        }
        let slot = owner.and_then(|u| self.slots.iter().position(|s| s.uid == u));
        if let (Some(i), Some(Some((addr, true)))) = (slot, tag) {
            self.slots[i].add_acked(addr, ok, now, &mut self.shared, out);
            self.slots[i].rearm(i, now, out, false);
        }
        if ok {
            return;
        }
        self.netlink_errors += 1;
        let Some(i) = slot else {
            note(out, Note::AddrFailedOrphan { seq, errno });
            return;
        };
        let s = &mut self.slots[i];
        let addr = tag.flatten().map(|(a, _)| a);
        let name = s.cfg.name.as_str();
        note(out, Note::AddrFailed { name, addr, errno });
        // Sent just before the interface went away: its addresses went
        // with it, nothing to retry.
        if !self
            .shared
            .ifaces
            .by_name(&s.cfg.interface)
            .is_some_and(|f| f.exists())
        {
            return;
        }
        s.set_timer(SlotTimer::VipRetry, now, Some(VIP_RETRY));
        s.rearm(i, now, out, false);
    }

    /// The shell read interface `ifname`'s IPv6 forwarding setting.
    pub fn set_router6(&mut self, ifname: &str, on: bool) {
        if let Some(k) = self
            .shared
            .ifaces
            .iter()
            .position(|f| f.name.as_str() == ifname)
        {
            self.shared.ifaces.set_router6(k, on);
        }
    }

    // ---- views, for dumps and tests -----------------------------------

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn ifaces(&self) -> &Ifaces {
        &self.shared.ifaces
    }

    /// The tracked objects (check scripts, files, processes) and their
    /// readings.
    pub fn trackers(&self) -> &track::Trackers {
        &self.track
    }

    /// The vrrp_sync_groups and their states.
    pub fn groups(&self) -> &[sync::Group] {
        &self.groups
    }

    /// Packets dropped per reason before they reached an instance.
    pub fn rx_errors(&self) -> &[u64; RxError::ALL.len()] {
        &self.rx_errors
    }

    pub fn netlink_errors(&self) -> u64 {
        self.netlink_errors
    }

    /// The VIPs installed now: (interface, address, prefix, instance).
    pub fn installed(&self) -> impl Iterator<Item = (&str, IpAddr, u8, &str)> {
        // One plain cursor (slot, address): a filter/flat_map/chain of
        // adapters was some 700 bytes of code on mipsel.
        let (mut k, mut v) = (0, 0);
        core::iter::from_fn(move || {
            while let Some(s) = self.slots.get(k) {
                let (c, n) = (&s.cfg, s.cfg.vips.len());
                let vip = match v < n {
                    _ if !s.vips_installed => None,
                    true => c.vips.get(v),
                    false => c.vips_excluded.get(v - n),
                };
                if let Some(a) = vip {
                    v += 1;
                    let ifname = slot::vip_ifname(&self.shared.ifaces, c, a);
                    return Some((ifname, a.addr, a.prefix_len, c.name.as_str()));
                }
                (k, v) = (k + 1, 0);
            }
            None
        })
    }

    // ---- inside ---------------------------------------------------------

    /// Start slot `i`: to BACKUP (or MASTER, as the owner), or straight
    /// to FAULT when its interface or a tracked object holds it there;
    /// then the rest of the router follows (its group, priorities).
    fn start_slot(&mut self, i: usize, now: Instant, out: &mut dyn Outbox) {
        self.slots[i].set_timer(SlotTimer::Start, now, None);
        let s = &self.slots[i];
        let ready = self
            .shared
            .ifaces
            .by_index(s.ifindex)
            .is_some_and(|f| f.status().ready(s.cfg.family));
        self.slots[i].link_ok = ready;
        let p = self.judge(i).priority;
        if p != self.slots[i].inst.effective_priority() {
            self.drive(i, Event::Priority(p), now, out);
        }
        // Judged once for both (nothing between them changes it).
        let j = self.judge(i);
        let ev = self.start_event(i, &j);
        if ev == (Event::StartFault { quiet: false }) {
            self.start_fault_note(i, &j, out);
        }
        self.drive(i, ev, now, out);
        self.settle(now, out);
    }

    /// Feed one event to slot `i`, carry out its actions, re-arm.
    fn drive(&mut self, i: usize, ev: Event<'_>, now: Instant, out: &mut dyn Outbox) {
        let cx = &mut self.shared;
        let Some(s) = self.slots.get_mut(i) else {
            return;
        };
        s.drive(ev, now, cx, out);
        s.start_script(now, cx, out);
        s.rearm(i, now, out, false);
        if !s.sync_events.is_empty() {
            self.follow_group(i, now, out);
        }
    }

    /// Join (or leave) the VRRP group of each family on every interface in
    /// use.
    fn join_groups(&self, join: bool, out: &mut dyn Outbox) {
        let mut done: ArrayVec<(u32, Family), { 2 * MAX_INTERFACES }> = ArrayVec::new();
        for s in self.slots.iter() {
            let rx = vmac::rx_index(&s.cfg, &self.shared.ifaces, s.ifindex);
            let key = (rx, s.cfg.family);
            // Index 0 (an interface that is gone) would let the kernel
            // pick an interface.
            if key.0 == 0 || done.contains(&key) || done.try_push(key).is_err() {
                continue;
            }
            let group = match key.1 {
                Family::V4 => self.shared.group4,
                Family::V6 => self.shared.group6,
            };
            out.push(Out::Group {
                join,
                ifindex: key.0,
                group,
            });
        }
    }

    /// Rebuild the dispatch index after the table or an index changed
    /// (start, reload, an interface re-created): sorted insertion, which
    /// costs less code than a general sort and is run rarely.
    fn reindex(&mut self) {
        self.dispatch.clear();
        for (i, s) in self.slots.iter().enumerate() {
            let rx = vmac::rx_index(&s.cfg, &self.shared.ifaces, s.ifindex);
            let key = dispatch_key(rx, s.cfg.family, s.cfg.vrid);
            let at = self.dispatch.partition_point(|&(k, _)| k < key);
            let entry = (key, u8::try_from(i).unwrap_or(u8::MAX));
            let _ = self.dispatch.try_insert(at, entry);
        }
    }

    fn find(&self, ifindex: u32, family: Family, vrid: u8) -> Option<usize> {
        let key = dispatch_key(ifindex, family, vrid);
        let k = self.dispatch.binary_search_by_key(&key, |&(k, _)| k).ok()?;
        self.dispatch.get(k).map(|&(_, i)| usize::from(i))
    }
}

/// Slot timer `t` of `s` has run out at `now`. Out of line: four uses in
/// [`Node::on_timer`], each a lookup and a 64-bit compare (issue 17: size).
#[inline(never)]
fn due(s: &Slot, t: SlotTimer, now: Instant) -> bool {
    s.timer(t).is_some_and(|t| t <= now)
}

/// What a received advert is matched by: (interface index, family, VRID)
/// in one number that sorts as the triple does (one comparison, not three).
fn dispatch_key(ifindex: u32, family: Family, vrid: u8) -> u64 {
    let f: u64 = match family {
        Family::V4 => 4,
        Family::V6 => 6,
    };
    u64::from(ifindex) << 16 | f << 8 | u64::from(vrid)
}
