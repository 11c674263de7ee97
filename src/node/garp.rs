//! Announcing the VIPs: gratuitous ARPs and unsolicited neighbour
//! advertisements only for addresses the kernel took, spaced per interface
//! as keepalived 2.2.7 spaces them.
//!
//! keepalived (vrrp_arp.c send_gratuitous_arp, vrrp_ndisc.c,
//! vrrp_scheduler.c vrrp_arpna_send): with `vrrp_garp_interval` (or
//! `vrrp_gna_interval` for IPv6) set, an interface sends at most one
//! announcement per interval. An address whose turn has not come is marked
//! pending, once: further repeats of a burst while it is pending add
//! nothing, so a burst of five for one address becomes one at once and one
//! an interval later. A pending address is sent only while the instance is
//! master and the address is set. Without an interval a burst goes out
//! back to back, as before.
//!
//! Whether an address is held: an add request in flight is `awaiting` its
//! ack, and the announcements asked meanwhile are `owed` until the ack
//! says it was taken; a refused add is `refused` until a later add (the
//! retry) is acked, and then what is owed goes out.

use core::net::IpAddr;

use arrayvec::ArrayVec;

use super::out::note;
use super::out::{Note, Out, Outbox};
use super::slot::{Shared, Slot, SlotTimer};
use crate::config::GarpGroup;
use crate::limits::{MAX_INTERFACES, MAX_VIPS, MAX_VIPS_EXCLUDED};
use crate::time::{Duration, Instant};
use crate::vrrp::State;
use crate::wire::Mac;

/// The spacing of announcements per interface, shared by all instances.
#[derive(Default)]
pub struct Pace {
    garp: Duration,
    gna: Duration,
    /// `garp_group`s, as configured. Their interfaces share one pace.
    groups: Vec<GarpGroup>,
    /// (pace key, earliest next GARP, earliest next NA).
    next: ArrayVec<(u32, Option<Instant>, Option<Instant>), MAX_INTERFACES>,
}

/// Pace keys of garp_groups, apart from interface indexes.
const GROUP_KEY: u32 = 1 << 31;

/// An interface, by index and name.
pub type IfRef<'a> = (u32, &'a str);

impl Pace {
    /// `vrrp_garp_interval` and `vrrp_gna_interval`, in microseconds, and
    /// the `garp_group`s, taken out of `groups` as [`Pace::set`] takes
    /// them (no take and drop at the caller, issue 17: size).
    pub fn new(garp_us: u32, gna_us: u32, groups: &mut Vec<GarpGroup>) -> Pace {
        let mut p = Pace::default();
        p.set(garp_us, gna_us, groups);
        p
    }

    /// A reload's settings: the groups are swapped with the
    /// configuration's, the old ones going with it (no drop here, issue
    /// 17: size); the times already noted stay.
    pub fn set(&mut self, garp_us: u32, gna_us: u32, groups: &mut Vec<GarpGroup>) {
        self.garp = Duration::from_micros(u64::from(garp_us));
        self.gna = Duration::from_micros(u64::from(gna_us));
        core::mem::swap(&mut self.groups, groups);
    }

    fn group(&self, ifname: &str) -> Option<usize> {
        self.groups
            .iter()
            .position(|g| g.interfaces.iter().any(|n| n == ifname))
    }

    fn key(&self, (ifindex, ifname): IfRef<'_>) -> u32 {
        match self.group(ifname) {
            Some(k) => GROUP_KEY | u32::try_from(k).unwrap_or(0),
            None => ifindex,
        }
    }

    /// The spacing on `ifname` for IPv6 (NA) or IPv4 (GARP).
    pub fn interval(&self, ifname: &str, v6: bool) -> Duration {
        let Some(g) = self.group(ifname).and_then(|k| self.groups.get(k)) else {
            return if v6 { self.gna } else { self.garp };
        };
        let us = if v6 {
            g.gna_interval_us
        } else {
            g.garp_interval_us
        };
        Duration::from_micros(u64::from(us.unwrap_or(0)))
    }

    /// When the interface may send its next announcement (None: now).
    pub fn next(&self, ifc: IfRef<'_>, v6: bool) -> Option<Instant> {
        let key = self.key(ifc);
        let e = self.next.iter().find(|e| e.0 == key)?;
        if v6 { e.2 } else { e.1 }
    }

    pub fn ready(&self, ifc: IfRef<'_>, v6: bool, now: Instant) -> bool {
        self.next(ifc, v6).is_none_or(|t| t <= now)
    }

    /// The interface sent one at `now`: the next waits an interval.
    pub fn sent(&mut self, ifc: IfRef<'_>, v6: bool, now: Instant) {
        let at = Some(now + self.interval(ifc.1, v6));
        let key = self.key(ifc);
        let k = match self.next.iter().position(|e| e.0 == key) {
            Some(k) => k,
            None => {
                // A full table (more interfaces than the router tracks)
                // forgets the oldest.
                // Moved down by one copy_within, not ArrayVec::remove's
                // drain (issue 17: size).
                if self.next.is_full() {
                    self.next.copy_within(1.., 0);
                    self.next.pop();
                }
                self.next.push((key, None, None));
                self.next.len() - 1
            }
        };
        if let Some(e) = self.next.get_mut(k) {
            if v6 {
                e.2 = at;
            } else {
                e.1 = at;
            }
        }
    }
}

/// What the instance knows of one VIP's address for announcing it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub addr: IpAddr,
    /// An add request was sent and its ack has not come.
    pub awaiting: bool,
    /// The last add request was refused: not ours to announce.
    pub refused: bool,
    /// Announcements asked while awaiting or refused, sent once it is held.
    pub owed: u32,
    /// One spaced announcement waits for the interface's turn.
    pub queued: bool,
}

const MAX_MARKS: usize = MAX_VIPS + MAX_VIPS_EXCLUDED;

/// An instance's marks, one per address it added.
#[derive(Default)]
pub struct Marks {
    v: ArrayVec<Mark, MAX_MARKS>,
}

impl Marks {
    pub fn find(&self, addr: IpAddr) -> Option<&Mark> {
        self.v.iter().find(|m| m.addr == addr)
    }

    /// The mark for `addr`, made when missing. A full table (after
    /// reloads changed the addresses) reuses a mark nothing waits on: it
    /// says what a missing one would (no retain of all such, issue 17:
    /// size).
    pub fn get(&mut self, addr: IpAddr) -> Option<&mut Mark> {
        if let Some(k) = self.v.iter().position(|m| m.addr == addr) {
            return self.v.get_mut(k);
        }
        let new = Mark {
            addr,
            awaiting: false,
            refused: false,
            owed: 0,
            queued: false,
        };
        if self.v.try_push(new).is_ok() {
            return self.v.last_mut();
        }
        let m =
            (self.v.iter_mut()).find(|m| !(m.awaiting || m.refused || m.owed > 0 || m.queued))?;
        *m = new;
        Some(m)
    }

    /// The instance left MASTER: nothing it asked to announce goes out
    /// (keepalived's vrrp_remove_delayed_arp).
    pub fn drop_announcements(&mut self) {
        for m in self.v.iter_mut() {
            m.owed = 0;
            m.queued = false;
        }
    }

    /// Drop the pending announcements of the marks `drop` names.
    pub fn unqueue(&mut self, drop: impl Fn(&Mark) -> bool) {
        for m in self.v.iter_mut().filter(|m| drop(m)) {
            m.queued = false;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Mark> {
        self.v.iter()
    }
}

/// Where an instance's announcements go out.
struct Via<'a> {
    name: &'a str,
    ifindex: u32,
    ifname: &'a str,
    mac: Mac,
    router: bool,
}

/// The interface an instance's announcements leave from (up): its VMAC
/// with `use_vmac` (the VRRP MAC as the sender's), else its own (`base`).
fn out_iface<'a>(
    cfg: &crate::config::InstanceConfig,
    ifaces: &'a super::iface::Ifaces,
    base: u32,
) -> Option<&'a super::iface::Iface> {
    match &cfg.vmac {
        Some(v) => super::vmac::usable(v, ifaces),
        None => ifaces.by_index(base).filter(|f| f.up),
    }
}

impl<'a> Via<'a> {
    /// Announcements of instance `name` out of interface `ifc`.
    fn of(name: &'a str, ifc: &'a super::iface::Iface) -> Via<'a> {
        Via {
            name,
            ifindex: ifc.index,
            ifname: ifc.name.as_str(),
            mac: ifc.mac,
            router: ifc.router6,
        }
    }
}

/// `count` announcements of `m`'s address: back to back without an
/// interval; with one, at once if the interface's turn has come and the
/// rest (however many) as one pending announcement, as keepalived.
/// `logged`: keepalived's line for the address first (one call for both
/// callers that log it, issue 17: size).
fn send_paced(
    m: &mut Mark,
    via: &Via<'_>,
    count: u32,
    now: Instant,
    pace: &mut Pace,
    out: &mut dyn Outbox,
    logged: bool,
) {
    if logged {
        let (name, ifname, addr) = (via.name, via.ifname, m.addr);
        note(out, Note::Garp { name, ifname, addr });
    }
    let v6 = m.addr.is_ipv6();
    let ifc = (via.ifindex, via.ifname);
    if count == 0 {
        return;
    }
    // One push for both ways out (issue 17: size).
    let n = if pace.interval(via.ifname, v6) == Duration::ZERO {
        count
    } else if pace.ready(ifc, v6, now) {
        pace.sent(ifc, v6, now);
        m.queued |= count > 1;
        1
    } else {
        m.queued = true;
        return;
    };
    out.push(Out::Garp {
        name: via.name,
        ifindex: via.ifindex,
        mac: via.mac,
        addr: m.addr,
        count: n,
        router: via.router,
    });
}

impl Slot {
    /// `count` gratuitous ARPs (or NAs) for each VIP the kernel took,
    /// logged as keepalived does. Those whose add is not acked yet wait
    /// for the ack; refused ones wait for a retry that succeeds.
    pub fn announce(&mut self, count: u32, now: Instant, cx: &mut Shared, out: &mut dyn Outbox) {
        let Shared { ifaces, pace, .. } = cx;
        let cfg = &self.cfg;
        let Some(ifc) = out_iface(cfg, ifaces, self.ifindex) else {
            return;
        };
        let via = Via::of(&cfg.name, ifc);
        for vip in cfg.vips.iter().chain(cfg.vips_excluded.iter()) {
            let Some(m) = self.garp.get(vip.addr) else {
                continue;
            };
            if m.awaiting || m.refused {
                m.owed = m.owed.max(count);
                continue;
            }
            send_paced(m, &via, count, now, pace, out, true);
        }
        self.arm_garp(now, cx);
    }

    /// The kernel answered the add request for `addr` (`ok`: it holds the
    /// address). Announcements owed for it go out now, if still master.
    pub fn add_acked(
        &mut self,
        addr: IpAddr,
        ok: bool,
        now: Instant,
        cx: &mut Shared,
        out: &mut dyn Outbox,
    ) {
        let master = self.inst.state() == State::Master;
        let Some(m) = self.garp.get(addr) else {
            return;
        };
        m.awaiting = false;
        m.refused = !ok;
        if !ok || m.owed == 0 {
            return;
        }
        let count = core::mem::take(&mut m.owed);
        let Shared { ifaces, pace, .. } = cx;
        let Some(ifc) = out_iface(&self.cfg, ifaces, self.ifindex) else {
            return;
        };
        if !master {
            return;
        }
        let via = Via::of(&self.cfg.name, ifc);
        send_paced(m, &via, count, now, pace, out, true);
        self.arm_garp(now, cx);
    }

    /// The GARP timer: each pending address whose interface's turn has
    /// come is announced (keepalived's vrrp_arp_thread); the others wait.
    pub fn garp_due(&mut self, now: Instant, cx: &mut Shared, out: &mut dyn Outbox) {
        self.set_timer(SlotTimer::Garp, now, None);
        let Shared { ifaces, pace, .. } = cx;
        let cfg = &self.cfg;
        let ifc = out_iface(cfg, ifaces, self.ifindex);
        let Some(ifc) = ifc.filter(|_| self.inst.state() == State::Master) else {
            self.garp.drop_announcements();
            return;
        };
        let via = Via::of(&cfg.name, ifc);
        for vip in cfg.vips.iter().chain(cfg.vips_excluded.iter()) {
            let Some(m) = self.garp.get(vip.addr) else {
                continue;
            };
            let v6 = m.addr.is_ipv6();
            if m.queued && !m.refused && pace.ready((via.ifindex, via.ifname), v6, now) {
                m.queued = false;
                send_paced(m, &via, 1, now, pace, out, false);
            }
        }
        // Pending for an address a reload removed, or refused: dropped.
        let keep = |a: IpAddr| {
            cfg.vips
                .iter()
                .chain(&cfg.vips_excluded)
                .any(|v| v.addr == a)
        };
        self.garp.unqueue(|m| m.refused || !keep(m.addr));
        self.arm_garp(now, cx);
    }

    /// Arm the GARP timer for the earliest pending announcement.
    fn arm_garp(&mut self, now: Instant, cx: &Shared) {
        let ifindex = self.ifindex;
        let mut at = None;
        if let Some(f) = cx.ifaces.by_index(ifindex) {
            let ifc = (ifindex, f.name.as_str());
            for m in self.garp.iter() {
                if m.queued {
                    let t = cx.pace.next(ifc, m.addr.is_ipv6()).unwrap_or(now);
                    at = super::earliest(at, Some(t.max(now)));
                }
            }
        }
        self.set_timer(SlotTimer::Garp, now, at.map(|t| t.saturating_since(now)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interface_announces_once_per_interval_per_family() {
        let mut p = Pace::new(200_000, 0, &mut Vec::new());
        let t0 = Instant::from_micros(1_000_000);
        let eth0 = (3, "eth0");
        assert!(p.ready(eth0, false, t0));
        p.sent(eth0, false, t0);
        assert!(!p.ready(eth0, false, t0 + Duration::from_millis(199)));
        assert!(p.ready(eth0, false, t0 + Duration::from_millis(200)));
        assert!(
            p.ready((4, "eth1"), false, t0),
            "another interface has its own pace"
        );
        assert!(p.ready(eth0, true, t0), "NAs have their own interval");
    }

    /// A full table forgets the oldest interface's time and keeps the
    /// others'.
    #[test]
    fn a_full_table_forgets_the_oldest_interface() {
        let mut p = Pace::new(200_000, 0, &mut Vec::new());
        let t0 = Instant::from_micros(1_000_000);
        let n = u32::try_from(MAX_INTERFACES).unwrap();
        for k in 1..=n + 1 {
            p.sent((k, "x"), false, t0);
        }
        assert!(p.ready((1, "x"), false, t0), "the oldest forgotten");
        for k in 2..=n + 1 {
            assert!(!p.ready((k, "x"), false, t0), "{k} kept");
        }
    }

    #[test]
    fn a_garp_group_shares_one_pace_and_overrides_the_global_interval() {
        let group = GarpGroup {
            garp_interval_us: Some(500_000),
            gna_interval_us: None,
            interfaces: vec!["lan1".into(), "lan2".into()],
        };
        let mut p = Pace::new(200_000, 100_000, &mut vec![group]);
        let t0 = Instant::from_micros(1_000_000);
        assert_eq!(p.interval("lan1", false), Duration::from_millis(500));
        assert_eq!(
            p.interval("lan2", true),
            Duration::ZERO,
            "no gna_interval: none"
        );
        assert_eq!(p.interval("eth0", true), Duration::from_millis(100));
        p.sent((5, "lan1"), false, t0);
        let later = t0 + Duration::from_millis(499);
        assert!(
            !p.ready((6, "lan2"), false, later),
            "lan2 shares lan1's pace"
        );
        assert!(p.ready((6, "lan2"), false, later + Duration::from_millis(1)));
    }

    #[test]
    fn marks_are_kept_by_address_and_dropped_on_leaving_master() {
        let mut m = Marks::default();
        let a: IpAddr = IpAddr::from([192, 0, 2, 1]);
        if let Some(x) = m.get(a) {
            x.owed = 5;
            x.queued = true;
        }
        assert_eq!(m.find(a).map(|x| x.owed), Some(5));
        m.drop_announcements();
        assert_eq!(m.find(a).map(|x| (x.owed, x.queued)), Some((0, false)));
    }

    /// A full table takes a new address in place of one nothing waits on,
    /// and none while every mark waits on something.
    #[test]
    fn a_full_table_reuses_an_idle_mark() {
        let mut m = Marks::default();
        let ip = |k: usize| IpAddr::from([192, 0, 2, u8::try_from(k).unwrap()]);
        for k in 0..MAX_MARKS {
            m.get(ip(k)).unwrap().owed = 1;
        }
        assert!(m.get(ip(200)).is_none(), "all busy");
        m.get(ip(7)).unwrap().owed = 0;
        let x = m.get(ip(200)).unwrap();
        assert_eq!(
            (x.addr, x.owed, x.awaiting, x.queued),
            (ip(200), 0, false, false)
        );
        assert!(m.find(ip(7)).is_none() && m.iter().count() == MAX_MARKS);
        assert!(m.get(ip(201)).is_some(), "the new one is idle too");
        assert!(m.find(ip(200)).is_none());
    }
}
