//! The interfaces the configuration names, as netlink describes them: built
//! from the start-up and reload dumps, then kept current by link and
//! address notifications. Pure (no fds, no clock, no logging), so that it
//! can move into the router layer as it is: each update returns what
//! changed, and [`link_events`] says what that means for an instance.
//!
//! An interface is known by its name, as the configuration names it. Its
//! index changes when it is deleted and re-created (a new veth, a USB
//! adapter replugged, a bridge rebuilt by netifd); while it is gone its
//! index is 0.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::ops::Deref;

use arrayvec::{ArrayString, ArrayVec};

use crate::config::Family;
use crate::limits::MAX_INTERFACES;
use crate::wire::Mac;
use crate::wire::netlink::{Addr, IFNAMSIZ, Link};

/// Addresses remembered per interface: enough to tell whether one of each
/// family is left after a deletion. Beyond it the family counts as present
/// until the next dump (a reload), rather than as missing.
pub const MAX_IFACE_ADDRS: usize = 16;

pub type IfName = ArrayString<IFNAMSIZ>;

/// What the daemon knows of one interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Iface {
    pub name: IfName,
    /// 0 while the interface does not exist.
    pub index: u32,
    pub mac: Mac,
    /// IFF_UP and IFF_RUNNING.
    pub up: bool,
    /// It has been up since the daemon knows it (keepalived's seen_up:
    /// interface_up_down_delays apply from then on).
    pub seen_up: bool,
    /// The first primary IPv4 address and the first IPv6 link-local one:
    /// what an instance's source address is resolved from at start and on
    /// reload. A running instance keeps the one it was given.
    pub primary4: Option<Ipv4Addr>,
    pub link_local6: Option<Ipv6Addr>,
    /// IPv6 forwarding on: our unsolicited NAs carry the Router flag.
    pub router6: bool,
    /// Its IPv4 addresses and IPv6 link-local addresses, for readiness.
    addrs: ArrayVec<IpAddr, MAX_IFACE_ADDRS>,
    /// More addresses than `addrs` holds were seen, per family.
    overflow4: bool,
    overflow6: bool,
}

/// The part of an interface that decides its instances' fate.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// 0: the interface does not exist.
    pub index: u32,
    pub up: bool,
    pub has4: bool,
    pub has6: bool,
}

impl Status {
    /// An interface that does not exist.
    pub const GONE: Status = Status {
        index: 0,
        up: false,
        has4: false,
        has6: false,
    };

    pub fn exists(&self) -> bool {
        self.index != 0
    }

    fn link_ok(&self) -> bool {
        self.exists() && self.up
    }

    /// Up and running with an address of `family` to send from: an
    /// instance may leave FAULT.
    pub fn ready(&self, family: Family) -> bool {
        self.link_ok()
            && match family {
                Family::V4 => self.has4,
                Family::V6 => self.has6,
            }
    }
}

/// What the instances of `family` on an interface go through when it
/// changes from `before` to `after`: (Down, Up), Down first when both.
/// Two flags, not a list of events to iterate (issue 17: size).
///
/// - Down when the link they ran on is gone: down, deleted, or replaced by
///   another interface of the same name (a new index).
/// - Up when the interface becomes ready (a new index counts as new).
///   Only up and running with an address of the family lets an instance
///   out of FAULT; losing only the address does not put it into FAULT
///   (addresses changing under a running instance are a later issue).
pub fn link_events(before: Status, after: Status, family: Family) -> (bool, bool) {
    let moved = before.index != after.index;
    let down = before.link_ok() && (moved || !after.link_ok());
    let up = after.ready(family) && (moved || !before.ready(family));
    (down, up)
}

impl Iface {
    /// An interface from a link message; None without a usable name.
    pub fn new(l: &Link<'_>) -> Option<Iface> {
        let up = l.is_up() && l.is_running();
        Some(Iface {
            index: l.index,
            mac: l.mac.unwrap_or([0; 6]),
            up,
            seen_up: up,
            ..Iface::gone(l.name?)?
        })
    }

    pub fn exists(&self) -> bool {
        self.index != 0
    }

    /// An interface the configuration names that is not there (yet): it
    /// is followed by name and takes the index it appears with.
    pub fn gone(name: &str) -> Option<Iface> {
        Some(Iface {
            name: IfName::from(name).ok()?,
            index: 0,
            mac: [0; 6],
            up: false,
            seen_up: false,
            primary4: None,
            link_local6: None,
            router6: false,
            addrs: ArrayVec::new(),
            overflow4: false,
            overflow6: false,
        })
    }

    /// A copy as [`Iface::vanish`] leaves it (made field by field: a
    /// clone copied the addresses only to forget them).
    pub fn vanished(&self) -> Iface {
        Iface {
            name: self.name,
            index: 0,
            mac: self.mac,
            up: false,
            seen_up: self.seen_up,
            primary4: None,
            link_local6: None,
            router6: self.router6,
            addrs: ArrayVec::new(),
            overflow4: false,
            overflow6: false,
        }
    }

    /// The address an instance of `family` sends from, if it has one.
    pub fn source(&self, family: Family) -> Option<IpAddr> {
        match family {
            Family::V4 => self.primary4.map(IpAddr::V4),
            Family::V6 => self.link_local6.map(IpAddr::V6),
        }
    }

    pub fn status(&self) -> Status {
        // One pass over the addresses for both families (issue 17: size).
        let (mut has4, mut has6) = (self.overflow4, self.overflow6);
        for a in &self.addrs {
            if a.is_ipv4() {
                has4 = true;
            } else {
                has6 = true;
            }
        }
        Status {
            index: self.index,
            up: self.up,
            has4,
            has6,
        }
    }

    /// Deleted (or renamed away): nothing of it is left but the name.
    pub fn vanish(&mut self) {
        self.index = 0;
        self.up = false;
        self.forget_addrs();
    }

    fn forget_addrs(&mut self) {
        self.primary4 = None;
        self.link_local6 = None;
        self.addrs.clear();
        self.overflow4 = false;
        self.overflow6 = false;
    }

    fn apply_addr(&mut self, a: &Addr<'_>) {
        let Some(addr) = a.addr() else {
            return;
        };
        let counted = match addr {
            IpAddr::V4(_) => true,
            IpAddr::V6(v6) => v6.is_unicast_link_local(),
        };
        if !counted {
            return;
        }
        let dadfailed = a.flags & libc::IFA_F_DADFAILED != 0;
        if a.msg_type == libc::RTM_NEWADDR && !dadfailed {
            match addr {
                IpAddr::V4(v4) if !a.is_secondary() && self.primary4.is_none() => {
                    self.primary4 = Some(v4);
                }
                IpAddr::V6(v6) if self.link_local6.is_none() => self.link_local6 = Some(v6),
                _ => {}
            }
            if !self.addrs.contains(&addr) && self.addrs.try_push(addr).is_err() {
                match addr {
                    IpAddr::V4(_) => self.overflow4 = true,
                    IpAddr::V6(_) => self.overflow6 = true,
                }
            }
        } else {
            // Each is there once, in no order that matters.
            if let Some(k) = self.addrs.iter().position(|x| *x == addr) {
                self.addrs.swap_remove(k);
            }
            match addr {
                IpAddr::V4(v4) if self.primary4 == Some(v4) => self.primary4 = None,
                IpAddr::V6(v6) if self.link_local6 == Some(v6) => self.link_local6 = None,
                _ => {}
            }
        }
    }
}

/// One interface changed: its position in the table and its status
/// before the change.
pub type Changed = (usize, Status);

/// The interfaces the configuration names.
#[derive(Clone, Debug, Default)]
pub struct Ifaces {
    /// On the heap (10 KiB on x86_64): a table is made at start and at
    /// each reload only, and the router and the stack frames that move it
    /// stay small.
    list: Box<ArrayVec<Iface, MAX_INTERFACES>>,
}

/// The table holds [`MAX_INTERFACES`] already.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Full;

impl Deref for Ifaces {
    type Target = [Iface];
    fn deref(&self) -> &[Iface] {
        &self.list
    }
}

impl Ifaces {
    pub fn new() -> Ifaces {
        Ifaces::default()
    }

    pub fn by_index(&self, index: u32) -> Option<&Iface> {
        self.list.iter().find(|f| f.exists() && f.index == index)
    }

    pub fn by_name(&self, name: &str) -> Option<&Iface> {
        self.list.iter().find(|f| f.name.as_str() == name)
    }

    /// Interface `name` is known to be gone (we deleted it and the kernel
    /// said yes) before its notification comes.
    pub fn vanish(&mut self, name: &str) {
        if let Some(f) = self.list.iter_mut().find(|f| f.name.as_str() == name) {
            f.vanish();
        }
    }

    /// Add an interface from a dump (out of line: an `Iface` is large and
    /// each inlined copy moves it again).
    #[inline(never)]
    pub fn push(&mut self, f: Iface) -> Result<(), Full> {
        self.list.try_push(f).map_err(|_| Full)
    }

    /// Entry `k`'s link is up (`up`) now, a delayed change that took
    /// effect (interface_up_down_delays). Its status before, when changed.
    pub fn set_up(&mut self, k: usize, up: bool) -> Option<Changed> {
        let f = self.list.get_mut(k).filter(|f| f.exists())?;
        let before = f.status();
        f.up = up;
        f.seen_up |= up;
        (f.status() != before).then_some((k, before))
    }

    /// Record IPv6 forwarding (read by the shell) for entry `k`.
    pub fn set_router6(&mut self, k: usize, on: bool) {
        if let Some(f) = self.list.get_mut(k) {
            f.router6 = on;
        }
    }

    /// An address from a dump reply or an RTM_NEWADDR / RTM_DELADDR
    /// notification. Some when the interface's status changed.
    pub fn apply_addr(&mut self, a: &Addr<'_>) -> Option<Changed> {
        let k = self
            .list
            .iter()
            .position(|f| f.exists() && f.index == a.index)?;
        let f = self.list.get_mut(k)?;
        let before = f.status();
        f.apply_addr(a);
        (f.status() != before).then_some((k, before))
    }

    /// An RTM_NEWLINK / RTM_DELLINK notification: the interfaces whose
    /// status changed (two when one was renamed to another's name).
    pub fn apply_link(&mut self, l: &Link<'_>) -> ArrayVec<Changed, 2> {
        let mut out = ArrayVec::new();
        let up = l.is_up() && l.is_running();
        let same_index = self
            .list
            .iter()
            .position(|f| f.exists() && f.index == l.index);
        if let Some(k) = same_index {
            let Some(f) = self.list.get_mut(k) else {
                return out;
            };
            let before = f.status();
            let renamed = l.name.is_some_and(|n| n != f.name.as_str());
            if l.msg_type == libc::RTM_DELLINK || renamed {
                f.vanish();
            } else {
                f.up = up;
                f.seen_up |= up;
                if let Some(mac) = l.mac {
                    f.mac = mac;
                }
            }
            if f.status() != before {
                out.push((k, before));
            }
        }
        if l.msg_type != libc::RTM_NEWLINK {
            return out;
        }
        // The configured name on another index: it was re-created (or
        // another interface was renamed to it).
        let Some(name) = l.name else {
            return out;
        };
        let moved = self
            .list
            .iter()
            .position(|f| f.name.as_str() == name && f.index != l.index);
        if let Some(f) = moved.and_then(|k| self.list.get_mut(k).map(|f| (k, f))) {
            let (k, f) = f;
            let before = f.status();
            f.forget_addrs();
            f.index = l.index;
            f.up = up;
            f.seen_up |= up;
            if let Some(mac) = l.mac {
                f.mac = mac;
            }
            let _ = out.try_push((k, before));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::netlink::{Addr, Link};

    const UP: u32 = (libc::IFF_UP | libc::IFF_RUNNING) as u32;

    fn link(msg_type: u16, index: u32, name: &str, flags: u32) -> Link<'_> {
        Link {
            msg_type,
            index,
            flags,
            name: Some(name),
            mac: Some([2, 0, 0, 0, 0, 1]),
            operstate: None,
        }
    }

    fn addr(msg_type: u16, index: u32, a: IpAddr) -> Addr<'static> {
        Addr {
            msg_type,
            family: if a.is_ipv4() { 2 } else { 10 },
            prefix_len: 24,
            flags: 0,
            scope: 0,
            index,
            address: Some(a),
            local: None,
            broadcast: None,
            label: None,
        }
    }

    const V4: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 71));
    const LL: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1));

    /// eth0 at index 2, up, with an IPv4 address and a link-local one.
    fn table() -> Ifaces {
        let mut t = Ifaces::new();
        t.push(Iface::new(&link(libc::RTM_NEWLINK, 2, "eth0", UP)).unwrap())
            .unwrap();
        t.apply_addr(&addr(libc::RTM_NEWADDR, 2, V4));
        t.apply_addr(&addr(libc::RTM_NEWADDR, 2, LL));
        t
    }

    #[test]
    fn a_dumped_interface_is_ready_for_both_families() {
        let t = table();
        let s = t[0].status();
        assert!(s.ready(Family::V4) && s.ready(Family::V6), "{s:?}");
        assert_eq!(t[0].primary4, Some(Ipv4Addr::new(192, 0, 2, 71)));
    }

    #[test]
    fn deletion_leaves_the_name_and_nothing_else() {
        let mut t = table();
        let before = t[0].status();
        let ch = t.apply_link(&link(libc::RTM_DELLINK, 2, "eth0", 0));
        assert_eq!(&ch[..], &[(0, before)]);
        assert_eq!(t[0].status(), Status::GONE);
        assert_eq!(t[0].name.as_str(), "eth0");
        // Nothing more of index 2.
        assert!(
            t.apply_link(&link(libc::RTM_DELLINK, 2, "eth0", 0))
                .is_empty()
        );
        assert!(t.apply_addr(&addr(libc::RTM_NEWADDR, 2, V4)).is_none());
    }

    #[test]
    fn recreated_interface_is_ready_only_with_an_address() {
        let mut t = table();
        t.apply_link(&link(libc::RTM_DELLINK, 2, "eth0", 0));
        let ch = t.apply_link(&link(libc::RTM_NEWLINK, 7, "eth0", UP));
        assert_eq!(&ch[..], &[(0, Status::GONE)]);
        let s = t[0].status();
        assert_eq!((s.index, s.up, s.has4), (7, true, false));
        assert!(!s.ready(Family::V4));
        let (k, before) = t.apply_addr(&addr(libc::RTM_NEWADDR, 7, V4)).unwrap();
        assert_eq!((k, before), (0, s));
        assert!(t[0].status().ready(Family::V4));
        // The same address again (a flags update) changes nothing.
        assert!(t.apply_addr(&addr(libc::RTM_NEWADDR, 7, V4)).is_none());
    }

    #[test]
    fn a_new_index_without_a_deletion_forgets_the_old_addresses() {
        let mut t = table();
        let before = t[0].status();
        let ch = t.apply_link(&link(libc::RTM_NEWLINK, 9, "eth0", UP));
        assert_eq!(&ch[..], &[(0, before)]);
        assert_eq!(t[0].index, 9);
        assert!(!t[0].status().has4 && t[0].primary4.is_none());
    }

    #[test]
    fn renamed_away_is_gone_and_renamed_to_is_new() {
        let mut t = table();
        let before = t[0].status();
        let ch = t.apply_link(&link(libc::RTM_NEWLINK, 2, "wan", UP));
        assert_eq!(&ch[..], &[(0, before)]);
        assert!(!t[0].exists());
        let ch = t.apply_link(&link(libc::RTM_NEWLINK, 5, "eth0", 0));
        assert_eq!(&ch[..], &[(0, Status::GONE)]);
        assert_eq!((t[0].index, t[0].up), (5, false));
    }

    #[test]
    fn other_interfaces_are_ignored() {
        let mut t = table();
        assert!(
            t.apply_link(&link(libc::RTM_NEWLINK, 3, "eth1", 0))
                .is_empty()
        );
        assert!(
            t.apply_link(&link(libc::RTM_DELLINK, 3, "eth1", 0))
                .is_empty()
        );
        assert!(t.apply_addr(&addr(libc::RTM_DELADDR, 3, V4)).is_none());
        assert_eq!(t[0].status().index, 2);
    }

    #[test]
    fn the_last_address_of_a_family_going_clears_it() {
        let mut t = table();
        t.apply_addr(&addr(libc::RTM_DELADDR, 2, V4));
        assert!(!t[0].status().has4 && t[0].status().has6);
        assert!(t[0].primary4.is_none());
    }

    #[test]
    fn too_many_addresses_count_as_present() {
        let mut t = table();
        for k in 0..MAX_IFACE_ADDRS as u8 + 4 {
            let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100 + k));
            t.apply_addr(&addr(libc::RTM_NEWADDR, 2, a));
        }
        for k in 0..MAX_IFACE_ADDRS as u8 + 4 {
            let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100 + k));
            t.apply_addr(&addr(libc::RTM_DELADDR, 2, a));
        }
        t.apply_addr(&addr(libc::RTM_DELADDR, 2, V4));
        assert!(t[0].status().has4, "unknown: counts as present");
    }

    fn st(index: u32, up: bool, has4: bool) -> Status {
        Status {
            index,
            up,
            has4,
            has6: true,
        }
    }

    #[test]
    fn link_events_for_each_change() {
        #[derive(Debug, PartialEq)]
        enum Ev {
            Down,
            Up,
        }
        use Ev::{Down, Up};
        let list = |(down, up): (bool, bool)| {
            let mut v = Vec::new();
            if down {
                v.push(Down);
            }
            if up {
                v.push(Up);
            }
            v
        };
        let ev = |b, a| list(link_events(b, a, Family::V4));
        let ready = st(2, true, true);
        assert_eq!(ev(ready, st(2, false, true)), [Down]);
        assert_eq!(ev(st(2, false, true), ready), [Up]);
        assert_eq!(ev(ready, Status::GONE), [Down]);
        assert_eq!(ev(Status::GONE, st(7, true, false)), []);
        assert_eq!(ev(st(7, true, false), st(7, true, true)), [Up]);
        assert_eq!(ev(Status::GONE, st(7, true, true)), [Up]);
        // Replaced without a deletion seen: off the old, onto the new.
        assert_eq!(ev(ready, st(7, true, true)), [Down, Up]);
        assert_eq!(ev(ready, st(7, false, true)), [Down]);
        // Only the address lost: no FAULT for that (a later issue).
        assert_eq!(ev(ready, st(2, true, false)), []);
        assert_eq!(ev(ready, ready), []);
        // The family matters.
        let v6only = Status {
            has4: false,
            ..ready
        };
        assert_eq!(
            list(link_events(st(2, false, false), v6only, Family::V4)),
            []
        );
        assert_eq!(
            list(link_events(st(2, false, false), v6only, Family::V6)),
            [Up]
        );
    }
}
