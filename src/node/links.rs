//! Link and address events: the interface table follows the kernel, and
//! the instances on an interface that changed see LinkDown / LinkUp.

use arrayvec::ArrayVec;

use super::Node;
use super::iface::{Changed, Ifaces, Status, link_events};
use super::out::note;
use super::out::{Note, Out, Outbox};
use crate::config::Family;
use crate::limits::MAX_INTERFACES;
use crate::time::Instant;
use crate::wire::netlink::{Addr, Link};

/// A held-back carrier change: the interface, up or down, when it counts.
type Delay = (super::iface::IfName, bool, Instant);

impl Node {
    /// An RTM_NEWLINK / RTM_DELLINK notification.
    pub fn on_link(&mut self, l: &Link<'_>, now: Instant, out: &mut dyn Outbox) {
        if self.delay_link(l, now, out) {
            return;
        }
        // By reference, not the ArrayVec by value (issue 17: size).
        let changed = self.shared.ifaces.apply_link(l);
        for &(k, before) in changed.iter() {
            self.iface_changed(k, before, now, out);
        }
    }

    /// keepalived's interface_up_down_delays: a carrier change of an
    /// interface that has been up before counts only once it has lasted
    /// the interface's delay; a change back meanwhile cancels it. True
    /// when `l` is held back (or cancels a held-back change).
    fn delay_link(&mut self, l: &Link<'_>, now: Instant, out: &mut dyn Outbox) -> bool {
        if l.msg_type != libc::RTM_NEWLINK {
            return false;
        }
        let Some(f) = self.shared.ifaces.by_index(l.index) else {
            return false;
        };
        if l.name.is_some_and(|n| n != f.name.as_str()) {
            return false;
        }
        let (name, up) = (f.name, l.is_up() && l.is_running());
        if let Some(p) = self.link_delays.iter().position(|d| d.0 == name) {
            if self.link_delays[p].1 != up {
                take(&mut self.link_delays, p);
                note(out, Note::LinkDelayCancelled { name: &name });
            }
            return true;
        }
        let ms = self
            .up_down
            .iter()
            .find(|d| d.interface == name.as_str())
            .map_or(0, |d| if up { d.up_ms } else { d.down_ms });
        if up == f.up || ms == 0 || !f.seen_up {
            return false;
        }
        let due = now + crate::time::Duration::from_ms(ms);
        let _ = self.link_delays.try_push((name, up, due));
        note(
            out,
            Note::LinkDelayed {
                name: &name,
                up,
                ms,
            },
        );
        self.rearm_router(out);
        true
    }

    /// Held-back carrier changes whose delay is over take effect.
    pub(crate) fn delayed_links(&mut self, now: Instant, out: &mut dyn Outbox) {
        while let Some(p) = self.link_delays.iter().position(|d| d.2 <= now) {
            let Some((name, up, _)) = take(&mut self.link_delays, p) else {
                break;
            };
            let k = self.shared.ifaces.iter().position(|f| f.name == name);
            if let Some((k, before)) = k.and_then(|k| self.shared.ifaces.set_up(k, up)) {
                self.iface_changed(k, before, now, out);
            }
        }
    }

    /// An RTM_NEWADDR / RTM_DELADDR notification.
    pub fn on_addr(&mut self, a: &Addr<'_>, now: Instant, out: &mut dyn Outbox) {
        if let Some((k, before)) = self.shared.ifaces.apply_addr(a) {
            self.iface_changed(k, before, now, out);
        }
    }

    /// A fresh dump after notifications were lost (ENOBUFS): every
    /// difference is acted on. An interface missing from the dump is gone.
    pub fn on_resync(&mut self, fresh: Ifaces, now: Instant, out: &mut dyn Outbox) {
        let old = core::mem::replace(&mut self.shared.ifaces, fresh);
        // The dump asked for every interface we knew: one it lacks is gone.
        for f in old.iter() {
            if self.shared.ifaces.by_name(&f.name).is_none() {
                let _ = self.shared.ifaces.push(f.vanished());
            }
        }
        self.follow_table(&old, now, out);
    }

    /// After `self.shared.ifaces` was replaced by a dump: the differences from
    /// `old` become link events.
    pub(super) fn follow_table(&mut self, old: &Ifaces, now: Instant, out: &mut dyn Outbox) {
        let mut changes: ArrayVec<Changed, MAX_INTERFACES> = ArrayVec::new();
        for (k, f) in self.shared.ifaces.iter().enumerate() {
            let before = old.by_name(&f.name).map_or(Status::GONE, |o| o.status());
            let _ = changes.try_push((k, before));
        }
        // By reference, not the ArrayVec by value (issue 17: size).
        for &(k, before) in changes.iter() {
            self.iface_changed(k, before, now, out);
        }
    }

    /// Interface `k` changed from `before`: log it, move its instances to
    /// its new index, feed them LinkDown / LinkUp, and follow it with the
    /// VRRP groups. Instances not started yet only move: they look at the
    /// interface when they start.
    fn iface_changed(&mut self, k: usize, before: Status, now: Instant, out: &mut dyn Outbox) {
        let Some(f) = self.shared.ifaces.get(k) else {
            return;
        };
        let (name, after) = (f.name, f.status());
        if after == before {
            return;
        }
        log_iface(&name, before, after, out);
        for i in 0..self.slots.len() {
            if self.slots[i].cfg.interface != name.as_str() {
                continue;
            }
            self.follow_source(i, k);
            let running = self.slots[i].running();
            // Down on the old index (a master's release goes there, if
            // anywhere), up on the new one.
            let (down, up) = link_events(before, after, self.slots[i].cfg.family);
            if down {
                self.slots[i].link_ok = false;
                if running {
                    self.settle(now, out);
                }
            }
            // The new index from here, before an up's settle: one store
            // for both cases (issue 17: size).
            self.slots[i].ifindex = after.index;
            if up {
                self.slots[i].link_ok = true;
                if running {
                    self.settle(now, out);
                }
            }
        }
        if before.index != after.index {
            self.reindex();
            self.follow_groups(&name, before.index, after.index, out);
            self.follow_vmacs(&name, out);
        }
        // Interfaces tracked by other instances (track_interface).
        self.settle(now, out);
    }

    /// Slot `i`'s interface (`k`) changed: a new primary address is the
    /// source of its adverts from now on (not with `unicast_src_ip`). One
    /// that is gone leaves the last one in place (nothing is sent then).
    fn follow_source(&mut self, i: usize, k: usize) {
        let s = &mut self.slots[i];
        if s.cfg.unicast_src_ip.is_some() {
            return;
        }
        let ip = self
            .shared
            .ifaces
            .get(k)
            .and_then(|f| f.source(s.cfg.family));
        // Set even when it is the same: no compare (issue 17: size).
        if let Some(ip) = ip {
            s.inst.set_primary(ip);
        }
    }

    /// Interface `name` moved from index `old` to `new` (0: gone): leave
    /// the VRRP groups on the old index (a membership outlives its
    /// interface and counts against the socket's limit), join them on the
    /// new one, and have its IPv6 forwarding setting read.
    fn follow_groups(&self, name: &str, old: u32, new: u32, out: &mut dyn Outbox) {
        // By reference: the array by value is more code (issue 17: size).
        for &family in [Family::V4, Family::V6].iter() {
            let used = (self.slots.iter())
                .any(|s| super::vmac::rx_ifname(&s.cfg) == name && s.cfg.family == family);
            if !used {
                continue;
            }
            let group = match family {
                Family::V4 => self.shared.group4,
                Family::V6 => self.shared.group6,
            };
            if old != 0 {
                out.push(Out::Group {
                    join: false,
                    ifindex: old,
                    group,
                });
            }
            if new != 0 {
                out.push(Out::Group {
                    join: true,
                    ifindex: new,
                    group,
                });
            }
        }
        if new != 0 {
            out.push(Out::ReadRouter6 { ifname: name });
        }
    }
}

/// Held-back change `p` taken out, the others moved down in their order
/// by one copy_within, not `ArrayVec::remove` (its drain was some 300
/// bytes on mipsel, issue 17: size). None when `p` is out of range (else
/// `p + 1 <= len`: the copy is in bounds).
fn take(d: &mut ArrayVec<Delay, MAX_INTERFACES>, p: usize) -> Option<Delay> {
    let taken = *d.get(p)?;
    d.copy_within(p + 1.., p);
    d.pop();
    Some(taken)
}

fn log_iface(name: &str, before: Status, after: Status, out: &mut dyn Outbox) {
    if !after.exists() {
        note(out, Note::IfaceDeleted { name });
        return;
    }
    if before.index != after.index {
        let (index, up) = (after.index, after.up);
        note(out, Note::IfaceAdded { name, index, up });
    } else if before.up != after.up {
        note(out, Note::IfaceUpDown { name, up: after.up });
    }
    if (before.has4, before.has6) != (after.has4, after.has6) {
        let (has4, has6) = (after.has4, after.has6);
        note(out, Note::IfaceAddrs { name, has4, has6 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A held-back change taken out: the others keep their order, one out
    /// of range is None and changes nothing.
    #[test]
    fn take_keeps_the_order() {
        let mut d: ArrayVec<Delay, MAX_INTERFACES> = ArrayVec::new();
        for (k, name) in ["a", "b", "c", "d"].iter().enumerate() {
            let when = Instant::from_micros(k as u64);
            d.push((
                super::super::iface::IfName::from(name).unwrap(),
                k % 2 == 0,
                when,
            ));
        }
        let names = |d: &ArrayVec<Delay, MAX_INTERFACES>| {
            d.iter()
                .map(|x| x.0.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(take(&mut d, 4), None);
        assert_eq!(take(&mut d, 1).map(|x| x.0.to_string()), Some("b".into()));
        assert_eq!(names(&d), "a,c,d");
        assert_eq!(take(&mut d, 2).map(|x| x.2), Some(Instant::from_micros(3)));
        assert_eq!(names(&d), "a,c");
        assert_eq!(take(&mut d, 0).map(|x| x.1), Some(true));
        assert_eq!(names(&d), "c");
        assert!(take(&mut d, 0).is_some() && d.is_empty() && take(&mut d, 0).is_none());
    }
}
