//! `use_vmac`: the macvlan keepalived calls a VMAC. The router decides
//! when one is created (before its instance starts, when its base interface
//! appears, when someone deleted it) and deleted (on stop, and when a
//! reload removes its instance); the shell carries it out
//! ([`Out::Vmac`]). While the VMAC is missing, down or has another MAC,
//! its instance is in FAULT (`Node::judge`).

use super::Node;
use super::iface::{Iface, Ifaces};
use super::out::note;
use super::out::{Note, Out, Outbox, VmacReq};
use crate::config::{Family, InstanceConfig, Vmac};

/// The VMAC of `c` as the router sees it, when it can be used: there, up
/// and with the instance's MAC.
pub fn usable<'a>(v: &Vmac, ifaces: &'a Ifaces) -> Option<&'a Iface> {
    ifaces
        .by_name(&v.name)
        .filter(|f| f.exists() && f.up && f.mac == v.mac)
}

/// The VMAC `c`'s adverts leave from and arrive on: its own unless
/// `vmac_xmit_base` (then the base interface does both).
pub fn tx_vmac(c: &InstanceConfig) -> Option<&Vmac> {
    c.vmac.as_ref().filter(|v| !v.xmit_base)
}

/// The interface `c`'s adverts leave from: its VMAC unless
/// `vmac_xmit_base`, else its own (`base`); 0 while there is none.
pub fn tx_index(c: &InstanceConfig, ifaces: &Ifaces, base: u32) -> u32 {
    tx_vmac(c).map_or(base, |v| usable(v, ifaces).map_or(0, |f| f.index))
}

/// The interface `c` hears adverts on, by name: its VMAC unless
/// `vmac_xmit_base` (as keepalived opens its socket there): a peer's
/// advert from the VRRP MAC, which this router's VMAC has too, is given by
/// the kernel's macvlan to that VMAC only, not to the base.
pub fn rx_ifname(c: &InstanceConfig) -> &str {
    tx_vmac(c).map_or(&c.interface, |v| &v.name)
}

/// Its index (0 while it is not there).
pub fn rx_index(c: &InstanceConfig, ifaces: &Ifaces, base: u32) -> u32 {
    tx_vmac(c).map_or(base, |v| ifaces.by_name(&v.name).map_or(0, |f| f.index))
}

/// Ask for the VMACs of `cfgs` that are missing while their base
/// interface is there. One whose name an interface with another MAC holds
/// is not touched (it may not be ours): logged, its instance stays in
/// FAULT. Returns whether any was asked for.
pub fn want<'a>(
    cfgs: impl Iterator<Item = &'a Box<InstanceConfig>>,
    ifaces: &Ifaces,
    out: &mut dyn Outbox,
) -> bool {
    let mut asked = false;
    for c in cfgs {
        asked |= want_one(c, ifaces, out);
    }
    asked
}

/// [`want`] for one configuration (not generic: one copy of the code for
/// every caller's iterator). Whether its VMAC was asked for.
fn want_one(c: &InstanceConfig, ifaces: &Ifaces, out: &mut dyn Outbox) -> bool {
    let Some(v) = &c.vmac else {
        return false;
    };
    let Some(base) = ifaces.by_name(&c.interface).filter(|f| f.exists()) else {
        return false;
    };
    match ifaces.by_name(&v.name).filter(|f| f.exists()) {
        Some(f) if f.mac == v.mac => false,
        Some(_) => {
            note(
                out,
                Note::VmacConflict {
                    name: &c.name,
                    ifname: &v.name,
                },
            );
            false
        }
        None => {
            let v6 = c.family == Family::V6;
            out.push(Out::Vmac(VmacReq {
                add: true,
                instance: &c.name,
                name: &v.name,
                base: &c.interface,
                base_index: base.index,
                index: 0,
                mac: v.mac,
                v6,
                ll6: base.link_local6.filter(|_| v6 && !v.xmit_base),
                ipv6_off: !v6 && !holds_v6(c),
            }));
            true
        }
    }
}

/// Delete `c`'s VMAC, if it is there (with its MAC: another interface of
/// that name is not ours). The shell waits for the kernel's answer, so the
/// table forgets it at once: an instance started next (a reload) does not
/// take it for there.
pub fn drop(c: &InstanceConfig, ifaces: &mut Ifaces, out: &mut dyn Outbox) {
    let Some(v) = c.vmac.as_ref() else {
        return;
    };
    let Some(f) = ifaces
        .by_name(&v.name)
        .filter(|f| f.exists() && f.mac == v.mac)
    else {
        return;
    };
    out.push(Out::Vmac(VmacReq {
        add: false,
        instance: &c.name,
        name: &v.name,
        base: &c.interface,
        base_index: ifaces.by_name(&c.interface).map_or(0, |b| b.index),
        index: f.index,
        mac: v.mac,
        v6: c.family == Family::V6,
        ll6: None,
        ipv6_off: false,
    }));
    ifaces.vanish(&v.name);
}

/// An IPv6 address of `c` goes on its VMAC (one with no `dev`).
fn holds_v6(c: &InstanceConfig) -> bool {
    let vips = c.vips.iter().chain(c.vips_excluded.iter());
    vips.filter(|v| v.dev.is_none()).any(|v| v.addr.is_ipv6())
}

impl Node {
    /// Ask for every VMAC missing (at start, before the instances start:
    /// when this returns true the shell dumps the interfaces again and
    /// builds the router on that dump; after a reload, for names a removed
    /// instance held: their notifications then bring them in).
    pub fn make_vmacs(&self, out: &mut dyn Outbox) -> bool {
        want(self.slots.iter().map(|s| &s.cfg), &self.shared.ifaces, out)
    }

    /// Interface `name` appeared or went: a running instance whose base it
    /// is, or whose VMAC it was, gets its VMAC (again).
    pub(super) fn follow_vmacs(&self, name: &str, out: &mut dyn Outbox) {
        let cfgs = self.slots.iter().filter(|s| s.running()).map(|s| &s.cfg);
        let touched = cfgs.filter(|c| {
            c.vmac
                .as_ref()
                .is_some_and(|v| v.name == name || c.interface == name)
        });
        want(touched, &self.shared.ifaces, out);
    }
}
