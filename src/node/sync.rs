//! vrrp_sync_group: members go to MASTER together (one whose down timer
//! fired waits until every member wants MASTER), to BACKUP together (one
//! that hears a better master takes the others along), and to FAULT
//! together (one at fault holds every member there), as keepalived 2.2.7's
//! vrrp_sync.c; the group's own state is notified like an instance's.

use arrayvec::ArrayVec;

use super::Node;
use super::out::{Note, Out, Outbox};
use super::scripts::{GROUP, state_word};
use super::slot::SyncEv;
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
}

/// The groups of `config` for the slots named `names` (in slot order);
/// each slot's group index is returned beside. A group keeps the state
/// it had in `old` (by name).
pub fn build(config: &Config, names: &[&str], old: &[Group]) -> (Vec<Group>, Vec<Option<usize>>) {
    let mut of = vec![None; names.len()];
    let groups = config
        .sync_groups
        .iter()
        .enumerate()
        .map(|(g, cfg)| {
            let mut members = ArrayVec::new();
            for (i, n) in names.iter().enumerate() {
                if cfg.group.iter().any(|m| m == n) {
                    of[i] = Some(g);
                    let _ = members.try_push(u8::try_from(i).unwrap_or(u8::MAX));
                }
            }
            let before = old.iter().find(|o| o.cfg.name == cfg.name);
            Group {
                cfg: cfg.clone(),
                members,
                state: before.map_or(State::Init, |o| o.state),
                faulty: before.is_some_and(|o| o.faulty),
            }
        })
        .collect();
    (groups, of)
}

impl Node {
    /// Act on what slot `i`'s last event means for its group.
    pub(crate) fn follow_group(&mut self, i: usize, now: Instant, out: &mut dyn Outbox) {
        let Some(g) = self.slots[i].group else {
            self.slots[i].sync_events.clear();
            return;
        };
        let events = core::mem::take(&mut self.slots[i].sync_events);
        for ev in events {
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
                } if why != Why::Sync => self.group_to(g, State::Backup, now, out),
                SyncEv::Entered {
                    from: State::Fault | State::Init,
                    to: State::Backup,
                    ..
                } => self.group_settled(g, out),
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
        if grp.state == state || grp.faulty {
            return;
        }
        grp.state = state;
        let group = grp.cfg.name.as_str();
        out.push(Out::Log(Note::GroupSync { group, state }));
        let members = grp.members.clone();
        for m in members {
            let m = usize::from(m);
            let ev = match (state, self.slots[m].inst.state()) {
                (State::Master, State::Backup) => Event::SyncMaster,
                (State::Backup, State::Master) => Event::SyncBackup,
                _ => continue,
            };
            self.drive(m, ev, now, out);
        }
        self.notify_group(g, out);
    }

    /// A member is at fault: the group goes to FAULT (the members follow
    /// in `settle`).
    pub(crate) fn group_to_fault(&mut self, g: usize, out: &mut dyn Outbox) {
        let Some(grp) = self.groups.get_mut(g) else {
            return;
        };
        if grp.state == State::Fault {
            return;
        }
        grp.state = State::Fault;
        let group = grp.cfg.name.as_str();
        let state = State::Fault;
        out.push(Out::Log(Note::GroupSync { group, state }));
        self.notify_group(g, out);
    }

    /// A member left FAULT: once none is left there (or at start, once
    /// all are up), the group is BACKUP.
    fn group_settled(&mut self, g: usize, out: &mut dyn Outbox) {
        let Some(grp) = self.groups.get(g) else {
            return;
        };
        if grp.faulty || grp.state == State::Backup || grp.state == State::Master {
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
        let grp = &mut self.groups[g];
        grp.state = State::Backup;
        if !was_init {
            let group = grp.cfg.name.as_str();
            let state = State::Backup;
            out.push(Out::Log(Note::GroupSync { group, state }));
        }
        self.notify_group(g, out);
    }

    /// The group's FIFO line (`GROUP "NAME" STATE 0`) and scripts.
    fn notify_group(&mut self, g: usize, out: &mut dyn Outbox) {
        let Some(grp) = self.groups.get(g) else {
            return;
        };
        out.push(Out::Fifo {
            kind: GROUP,
            name: &grp.cfg.name,
            state: state_word(grp.state),
            priority: 0,
        });
    }
}
