//! vrrp_sync_group: members go to MASTER together (one whose down timer
//! fired waits until every member wants MASTER), to BACKUP together (one
//! that hears a better master takes the others along), and to FAULT
//! together (one at fault holds every member there), as keepalived 2.2.7's
//! vrrp_sync.c; the group's own state is notified like an instance's.

use arrayvec::ArrayVec;

use super::Node;
use super::out::note;
use super::out::{Note, Out, Outbox};
use super::scripts::{GROUP, KILL_GRACE, Notifies, Queue};
use super::slot::{Slot, SyncEv, launch_next, notify};
use crate::config::{Config, SyncGroup};
use crate::limits::MAX_INSTANCES;
use crate::time::Instant;
use crate::vrrp::{Event, State, Why};

/// One vrrp_sync_group at run time.
#[derive(Clone, Debug)]
pub struct Group {
    pub cfg: SyncGroup,
    /// Its members' slot indices.
    pub members: ArrayVec<u8, MAX_INSTANCES>,
    /// The group's state as keepalived keeps it (Init until it first
    /// settles).
    pub state: State,
    /// A member is at fault: every member is held in FAULT.
    pub faulty: bool,
    /// A member waits for a check's first result: every member waits in
    /// FAULT, nobody told (keepalived's num_member_init).
    pub waiting: bool,
    /// The group's notify scripts, one at a time in order, as an
    /// instance's.
    pub scripts: Queue,
    /// When the running one is overdue (SIGTERM, then SIGKILL).
    script_due: Option<Instant>,
    /// The state last mailed (`smtp_alert`).
    mailed: Option<State>,
}

/// The groups of `config` for `slots`, whose group index is set (None:
/// in no group). A group keeps the state it had in `old` (by name), its
/// script queue moved out of `old`, not cloned (issue 17: size). The
/// groups' configurations move out of `config`.
/// Run at start and reload only.
pub(crate) fn build(config: &mut Config, slots: &mut [Slot], old: &mut [Group]) -> Vec<Group> {
    for s in slots.iter_mut() {
        s.group = None;
    }
    // Collected, not pushed: one allocation, each group built in place.
    let cfgs = core::mem::take(&mut config.sync_groups).into_iter();
    cfgs.enumerate()
        .map(|(g, cfg)| {
            let mut members = ArrayVec::new();
            for (i, s) in slots.iter_mut().enumerate() {
                if cfg.group.contains(&s.cfg.name) {
                    s.group = Some(g);
                    let _ = members.try_push(u8::try_from(i).unwrap_or(u8::MAX));
                }
            }
            let mut grp = Group {
                cfg,
                members,
                state: State::Init,
                faulty: false,
                waiting: false,
                scripts: Queue::default(),
                script_due: None,
                mailed: None,
            };
            if let Some(o) = old.iter_mut().find(|o| o.cfg.name == grp.cfg.name) {
                grp.state = o.state;
                grp.faulty = o.faulty;
                grp.waiting = o.waiting;
                // Swapped with the new group's empty queue: no default
                // written and dropped (issue 17: size).
                core::mem::swap(&mut grp.scripts, &mut o.scripts);
                grp.script_due = o.script_due;
                grp.mailed = o.mailed;
            }
            grp
        })
        .collect()
}

impl Node {
    /// Act on what slot `i`'s last event means for its group.
    pub(crate) fn follow_group(&mut self, i: usize, now: Instant, out: &mut dyn Outbox) {
        let Some(g) = self.slots[i].group else {
            self.slots[i].sync_events.clear();
            return;
        };
        let events = core::mem::take(&mut self.slots[i].sync_events);
        // By reference, not the ArrayVec by value (issue 17: size).
        for &ev in events.iter() {
            match ev {
                SyncEv::WantMaster if self.can_go_master(g, i) => {
                    self.drive(i, Event::SyncMaster, now, out);
                }
                SyncEv::WantMaster => {}
                SyncEv::Entered {
                    to: State::Master, ..
                } => self.group_to(g, State::Master, now, out),
                SyncEv::Entered {
                    from: State::Master,
                    to: State::Backup,
                    why,
                } if !matches!(why, Why::Sync) => self.group_to(g, State::Backup, now, out),
                SyncEv::Entered {
                    from: State::Fault | State::Init,
                    to: State::Backup,
                    ..
                } => self.group_settled(g, now, out),
                SyncEv::Entered { .. } => {}
            }
        }
    }

    /// keepalived's vrrp_sync_can_goto_master: the group is MASTER, or
    /// every other member wants MASTER too.
    fn can_go_master(&self, g: usize, i: usize) -> bool {
        let Some(grp) = self.groups.get(g) else {
            return true;
        };
        grp.state == State::Master
            || grp.members.iter().all(|&m| {
                let m = usize::from(m);
                m == i || self.slots.get(m).is_some_and(|s| s.inst.wants_master())
            })
    }

    /// A member went to MASTER (or BACKUP from MASTER): the others follow
    /// (keepalived's vrrp_sync_master / vrrp_sync_backup).
    fn group_to(&mut self, g: usize, state: State, now: Instant, out: &mut dyn Outbox) {
        let Some(grp) = self.groups.get_mut(g) else {
            return;
        };
        if grp.state == state || grp.faulty || grp.waiting {
            return;
        }
        grp.state = state;
        let group = grp.cfg.name.as_str();
        note(out, Note::GroupSync { group, state });
        // By index (the members do not change): no copy of the list.
        for k in 0..grp.members.len() {
            let Some(&m) = self.groups[g].members.get(k) else {
                break;
            };
            let m = usize::from(m);
            let ev = match (state, self.slots[m].inst.state()) {
                (State::Master, State::Backup) => Event::SyncMaster,
                (State::Backup, State::Master) => Event::SyncBackup,
                _ => continue,
            };
            self.drive(m, ev, now, out);
        }
        self.notify_group(g, false, now, out);
    }

    /// A member is at fault: the group goes to FAULT (the members follow
    /// in `settle`).
    pub(crate) fn group_to_fault(&mut self, g: usize, now: Instant, out: &mut dyn Outbox) {
        let Some(grp) = self.groups.get_mut(g) else {
            return;
        };
        if grp.state == State::Fault {
            return;
        }
        grp.state = State::Fault;
        self.notify_group(g, true, now, out);
    }

    /// A member left FAULT: once none is left there (or at start, once
    /// all are up), the group is BACKUP.
    fn group_settled(&mut self, g: usize, now: Instant, out: &mut dyn Outbox) {
        let Some(grp) = self.groups.get(g) else {
            return;
        };
        if grp.faulty || grp.waiting || matches!(grp.state, State::Backup | State::Master) {
            return;
        }
        let all_up = grp.members.iter().all(|&m| {
            let s = &self.slots[usize::from(m)];
            matches!(s.inst.state(), State::Backup | State::Master)
        });
        if !all_up {
            return;
        }
        let was_init = grp.state == State::Init;
        self.groups[g].state = State::Backup;
        self.notify_group(g, !was_init, now, out);
    }

    /// The group's FIFO line (`GROUP "NAME" STATE 0`) and scripts
    /// (keepalived's send_group_notifies: `notify_<state>`, then `notify
    /// GROUP NAME STATE 0`); `say`: its log line for the new state first
    /// (one place for two callers that log it, issue 17: size).
    fn notify_group(&mut self, g: usize, say: bool, now: Instant, out: &mut dyn Outbox) {
        let Some(grp) = self.groups.get_mut(g) else {
            return;
        };
        let (name, to) = (grp.cfg.name.as_str(), grp.state);
        if say {
            note(
                out,
                Note::GroupSync {
                    group: name,
                    state: to,
                },
            );
        }
        let mail = (grp.cfg.smtp_alert, &mut grp.mailed);
        let q = (&mut grp.scripts, &grp.cfg as &dyn Notifies);
        notify(GROUP, name, to, 0, mail, q, &self.shared, out);
        self.start_group_script(g, now, out);
        self.rearm_router(out);
    }

    /// Start group `g`'s next script, if none runs and a child is free.
    pub(crate) fn start_group_script(&mut self, g: usize, now: Instant, out: &mut dyn Outbox) {
        let cx = &mut self.shared;
        let Some(grp) = self.groups.get_mut(g) else {
            return;
        };
        let (q, name) = (&mut grp.scripts, grp.cfg.name.as_str());
        if let Some(timeout) = launch_next(q, &grp.cfg, GROUP, name, cx, out) {
            grp.script_due = Some(now + timeout);
        }
    }

    /// Script `id` ended: true when it was a group's (whose next one
    /// starts).
    pub(crate) fn group_script_ended(
        &mut self,
        id: u32,
        now: Instant,
        out: &mut dyn Outbox,
    ) -> bool {
        let Some(g) = self
            .groups
            .iter()
            .position(|grp| grp.scripts.running.is_some_and(|r| r.id == id))
        else {
            return false;
        };
        let grp = &mut self.groups[g];
        grp.scripts.running = None;
        grp.script_due = None;
        self.shared.scripts_running = self.shared.scripts_running.saturating_sub(1);
        self.start_group_script(g, now, out);
        self.rearm_router(out);
        true
    }

    /// Group scripts overdue at `now`: SIGTERM, SIGKILL after KILL_GRACE,
    /// then the queue moves on (the shell still reaps them).
    pub(crate) fn group_script_timeouts(&mut self, now: Instant, out: &mut dyn Outbox) {
        for g in 0..self.groups.len() {
            let grp = &mut self.groups[g];
            if grp.script_due.is_none_or(|t| t > now) {
                continue;
            }
            let Some(r) = grp.scripts.running.as_mut() else {
                grp.script_due = None;
                continue;
            };
            let name = grp.cfg.name.as_str();
            let hard = r.termed;
            note(out, Note::ScriptTimeout { name, hard });
            out.push(Out::Kill { id: r.id, hard });
            if hard {
                let id = r.id;
                self.group_script_ended(id, now, out);
            } else {
                r.termed = true;
                grp.script_due = Some(now + KILL_GRACE);
            }
        }
    }

    /// The earliest group script deadline.
    pub(crate) fn groups_deadline(&self) -> Option<Instant> {
        let mut at = None;
        for g in &self.groups {
            at = super::earliest(at, g.script_due);
        }
        at
    }

    /// The daemon stops: what waits is dropped, a running script killed,
    /// and each group reports STOP (keepalived's notify_shutdown, after
    /// the instances).
    pub(crate) fn stop_groups(&mut self, now: Instant, out: &mut dyn Outbox) {
        for g in 0..self.groups.len() {
            let grp = &mut self.groups[g];
            grp.scripts.clear_waiting();
            if let Some(r) = grp.scripts.running {
                out.push(Out::Kill {
                    id: r.id,
                    hard: true,
                });
                self.group_script_ended(r.id, now, out);
            }
            self.groups[g].state = State::Init;
            self.notify_group(g, false, now, out);
        }
    }
}
