//! What the tracked objects say of each instance, and the router keeping
//! the instances in line with it: FAULT while something unweighted is
//! down (or its sync group is in FAULT), priority = base + weights.

use super::Node;
use super::out::note;
use super::out::{FaultWhy, Note, Outbox, ScriptEnd};
use super::track::{Effect, effect, file_effect, line_weight};
use crate::config::Track;
use crate::time::Instant;
use crate::vrrp::{Event, State};

/// What holds an instance in FAULT (the first thing found), and whether
/// only scripts without a first result do.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Judged<'a> {
    pub fault: Option<FaultWhy<'a>>,
    pub waiting: bool,
    pub priority: u8,
}

impl Node {
    /// The verdict of slot `i`'s tracked objects (those of its sync group
    /// included) and its own interface.
    pub fn judge(&self, i: usize) -> Judged<'_> {
        let s = &self.slots[i];
        let mut waiting = false;
        let mut weight: i32 = 0;
        let group = s.group.and_then(|g| self.groups.get(g)).map(|g| &g.cfg);
        let mut first_fault: Option<FaultWhy<'_>> = None;
        // One loop over the four kinds of lines (interfaces, scripts,
        // files, processes; the group's, then the instance's): a loop of
        // its own per kind was more code (issue 17: size).
        for kind in 0..4 {
            let (g, own) = match kind {
                0 => (group.map(|g| &g.track_interfaces), &s.cfg.track_interfaces),
                1 => (group.map(|g| &g.track_scripts), &s.cfg.track_scripts),
                2 => (group.map(|g| &g.track_files), &s.cfg.track_files),
                _ => (group.map(|g| &g.track_processes), &s.cfg.track_processes),
            };
            // The two lists chained: an array of them iterated by value
            // was more code (issue 17: size).
            let glist = g.map_or(&[][..], |l| &l[..]);
            for t in glist.iter().chain(own.iter()) {
                if let Some((e, why)) = self.line_verdict(kind, t) {
                    add(e, why, &mut first_fault, &mut waiting, &mut weight);
                }
            }
        }
        let mut fault = first_fault;
        // dont_track_primary: the interface's carrier is ignored (not its
        // existence nor its address).
        let ignored = s.cfg.dont_track_primary
            && self
                .shared
                .ifaces
                .by_name(&s.cfg.interface)
                .is_some_and(|f| f.exists() && f.source(s.cfg.family).is_some());
        if !s.link_ok && !ignored && fault.is_none() {
            fault = Some(FaultWhy::Link(&s.cfg.interface));
        }
        // use_vmac: nothing to hold the VIPs on while the VMAC is not
        // usable (keepalived tracks the VMAC as the instance's interface).
        if let Some(v) = s.cfg.vmac.as_ref().filter(|_| fault.is_none()) {
            if super::vmac::usable(v, &self.shared.ifaces).is_none() {
                fault = Some(FaultWhy::Link(&v.name));
            }
        }
        let base = i32::from(s.cfg.priority);
        let priority = if base == 255 {
            255
        } else {
            u8::try_from((base + weight).clamp(1, 254)).unwrap_or(1)
        };
        Judged {
            fault,
            waiting: waiting && fault.is_none(),
            priority,
        }
    }

    /// What tracked line `t` of `kind` (0 interface, 1 script, 2 file,
    /// 3 process) does now; None when it names nothing known.
    fn line_verdict<'a>(&'a self, kind: u8, t: &'a Track) -> Option<(Effect, FaultWhy<'a>)> {
        // The reading, the block's weight and sense, and the name of
        // each kind; one weighing for the up/down kinds after (issue 17:
        // size).
        let (up, weight, reverse, why) = match kind {
            0 => {
                let f = self.shared.ifaces.by_name(&t.name);
                let up = f.is_some_and(|f| f.exists() && f.up);
                (Some(up), 0, false, FaultWhy::Interface(&t.name))
            }
            1 => {
                let c = self.track.check(&t.name)?;
                let why = FaultWhy::Script(&c.cfg.name);
                (c.up(), c.cfg.weight, c.cfg.reverse, why)
            }
            2 => {
                let f = self.track.file(&t.name)?;
                let (w, rev) = line_weight(t, f.cfg.weight, f.cfg.reverse);
                let why = FaultWhy::File(&f.cfg.name, f.value);
                return Some((file_effect(f.value, w, rev), why));
            }
            _ => {
                let p = self.track.proc(&t.name)?;
                let why = FaultWhy::Process(&p.cfg.name);
                (p.quorum, p.cfg.weight, p.cfg.reverse, why)
            }
        };
        let (w, rev) = line_weight(t, weight, reverse);
        Some((effect(up, w, rev), why))
    }

    /// Bring every running instance in line with its verdict and its sync
    /// group: into FAULT or out of it, to its new priority. The members
    /// at fault move first, then the group follows them (keepalived's
    /// order: the instance's own line, then `Syncing instances to FAULT`).
    pub(crate) fn settle(&mut self, now: Instant, out: &mut dyn Outbox) {
        let n = self.slots.len();
        // Per slot: at fault, or waiting for a check's first result.
        let mut own = [(false, false); crate::limits::MAX_INSTANCES];
        // The priority each verdict gives (no transition below changes it).
        let mut prio = [0u8; crate::limits::MAX_INSTANCES];
        for (i, (o, p)) in own.iter_mut().zip(prio.iter_mut()).enumerate().take(n) {
            let j = self.judge(i);
            *o = (j.fault.is_some(), j.waiting);
            *p = j.priority;
        }
        for (g, grp) in self.groups.iter_mut().enumerate() {
            let members = grp
                .members
                .iter()
                .map(|&m| usize::from(m))
                .filter(|&m| self.slots[m].group == Some(g));
            let (mut faulty, mut waiting) = (false, false);
            for m in members {
                // A member not started yet holds the others back too.
                let running = self.slots[m].running();
                faulty |= running && own[m].0;
                waiting |= !running || own[m].1;
            }
            grp.faulty = faulty;
            grp.waiting = waiting;
        }
        // Own faults first, then the group's, then recoveries: those that
        // were held by their own fault lead their group out of FAULT, the
        // others follow (keepalived: the member whose fault ends last
        // enters BACKUP, then vrrp_sync_backup takes the others along).
        for pass in 0..4 {
            for (i, &(fault, waiting)) in own.iter().enumerate().take(n) {
                if !self.slots[i].running() {
                    continue;
                }
                let in_group_fault = self.slots[i]
                    .group
                    .and_then(|g| self.groups.get(g))
                    .is_some_and(|g| g.faulty || g.waiting);
                let mine = fault || waiting;
                let want = mine || in_group_fault;
                let faulted = self.slots[i].inst.state() == State::Fault;
                // One call for the four passes (issue 17: size).
                let ev = match pass {
                    0 if want && !faulted && mine => Event::LinkDown,
                    1 if want && !faulted => Event::LinkDown,
                    2 if !want && faulted && self.slots[i].held_own => Event::LinkUp,
                    3 if !want && faulted => Event::LinkUp,
                    _ => continue,
                };
                self.drive(i, ev, now, out);
            }
            if pass == 0 {
                for g in 0..self.groups.len() {
                    if self.groups[g].faulty {
                        self.group_to_fault(g, now, out);
                    }
                }
            }
        }
        for (s, &(fault, waiting)) in self.slots.iter_mut().zip(own.iter()) {
            if s.running() {
                s.held_own = fault || waiting;
            }
        }
        for (i, &p) in prio.iter().enumerate().take(n) {
            if self.slots[i].running() && p != self.slots[i].inst.effective_priority() {
                self.drive(i, Event::Priority(p), now, out);
            }
        }
    }

    /// How slot `i` starts, judged `j` now: FAULT if something holds it
    /// there.
    pub(crate) fn start_event(&self, i: usize, j: &Judged<'_>) -> Event<'static> {
        let group = self.slots[i].group.and_then(|g| self.groups.get(g));
        let group_fault = group.is_some_and(|g| g.faulty);
        // keepalived: a group with a member whose check has not reported
        // waits in INIT, its members in a FAULT nobody is told of.
        let group_waiting = group.is_some_and(|g| {
            g.waiting
                || g.members
                    .iter()
                    .map(|&m| usize::from(m))
                    .any(|m| m != i && (!self.slots[m].running() || self.judge(m).waiting))
        });
        match (j.fault, j.waiting || group_waiting, group_fault) {
            (Some(_), _, _) | (None, _, true) => Event::StartFault { quiet: false },
            (None, true, false) => Event::StartFault { quiet: true },
            (None, false, false) => Event::Startup,
        }
    }

    /// The log line for slot `i` starting in FAULT, judged `j`.
    pub(crate) fn start_fault_note(&self, i: usize, j: &Judged<'_>, out: &mut dyn Outbox) {
        let name = self.slots[i].cfg.name.as_str();
        if let Some(why) = j.fault {
            note(out, Note::StartFault { name, why });
        }
    }

    /// The router's timer fired: checks to start or end, a scan to ask for.
    pub fn on_router_timer(&mut self, now: Instant, out: &mut dyn Outbox) {
        self.group_script_timeouts(now, out);
        self.delayed_links(now, out);
        if self.track.run_due(now, &mut self.shared, out) {
            self.settle(now, out);
        }
        self.rearm_router(out);
    }

    /// `vrrp_track_file` number `k` (in configuration order) was read:
    /// its contents, or None when it is missing or unreadable.
    pub fn on_track_file(
        &mut self,
        k: usize,
        contents: Option<&[u8]>,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        // Missing or unreadable: 0, as keepalived. A number out of its
        // range is ignored (the value stays).
        let value = match contents {
            None => None,
            Some(bytes) => match super::watch::file_value(bytes) {
                Some(v) => Some(v),
                None => return,
            },
        };
        if self.track.file_read(k, value, out) {
            self.settle(now, out);
        }
    }

    /// A process scan ended: for each `vrrp_track_process` (configuration
    /// order), how many processes match it.
    pub fn on_process_counts(&mut self, counts: &[u32], now: Instant, out: &mut dyn Outbox) {
        if self.track.counted(counts, now, out) {
            self.settle(now, out);
        }
        self.rearm_router(out);
    }

    /// A check script ended: true when it was one.
    pub(crate) fn check_ended(
        &mut self,
        id: u32,
        end: ScriptEnd,
        now: Instant,
        out: &mut dyn Outbox,
    ) -> bool {
        let Some(changed) = self.track.script_ended(id, end, &mut self.shared, out) else {
            return false;
        };
        if changed {
            self.settle(now, out);
        }
        self.rearm_router(out);
        true
    }
}

fn add<'a>(
    e: Effect,
    why: FaultWhy<'a>,
    fault: &mut Option<FaultWhy<'a>>,
    waiting: &mut bool,
    weight: &mut i32,
) {
    match e {
        Effect::Weight(w) => *weight += w,
        Effect::Fault => {
            fault.get_or_insert(why);
        }
        Effect::Waiting => *waiting = true,
        Effect::None => {}
    }
}
