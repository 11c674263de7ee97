//! Reload as plan-then-apply: the plan checks the new configuration
//! against the interfaces and decides which instances are kept (same
//! interface, VRID and family) without touching anything, so a plan that
//! fails leaves the running router as it was; applying it cannot fail.

use core::net::IpAddr;

use super::Node;
use super::events::{Plan, PlanError, Planned};
use super::iface::Ifaces;
use super::out::{AddrWhy, Out, Outbox};
use super::scripts::INSTANCE;
use super::slot::Slot;
use crate::config::{Config, Family, InstanceConfig};
use crate::limits::MAX_INSTANCES;
use crate::time::Instant;
use crate::vrrp::{Event, State};

/// Whether running slot `s` continues as instance `c`: same interface,
/// VRID and family (by the interface's name, so an interface re-created
/// with a new index keeps its instances), and the same VMAC (a changed one
/// is a new instance: the old VMAC goes with the old one).
fn same_instance(s: &Slot, c: &InstanceConfig) -> bool {
    s.cfg.interface == c.interface
        && s.cfg.vrid == c.vrid
        && s.cfg.family == c.family
        && s.cfg.vmac == c.vmac
}

/// The interface's index (0 while it is not there) and the address an
/// instance sends from: `unicast_src_ip`, else the interface's primary
/// address of its family; the unspecified address while it has none (the
/// instance waits in FAULT, issue 13 item 6: keepalived 2.2.7 refuses to
/// start instead, unless `dynamic_interfaces`).
fn primary(c: &InstanceConfig, ifaces: &Ifaces) -> (u32, IpAddr) {
    let ifc = ifaces.by_name(&c.interface).filter(|f| f.exists());
    let index = ifc.map_or(0, |f| f.index);
    let ip = match (c.unicast_src_ip, ifc.and_then(|f| f.source(c.family))) {
        (Some(ip), _) | (None, Some(ip)) => ip,
        (None, None) => unspecified(c.family),
    };
    (index, ip)
}

pub(crate) fn unspecified(f: Family) -> IpAddr {
    match f {
        Family::V4 => IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED),
        Family::V6 => IpAddr::V6(core::net::Ipv6Addr::UNSPECIFIED),
    }
}

impl Node {
    /// Check `config` against the interfaces of `ifaces` (a fresh dump)
    /// and decide what is kept. Nothing changes yet. The instances move
    /// out of `config` into the plan (copying each was about 1.5 KB of
    /// code on mipsel: issue 17); the rest stays there for the plan to
    /// borrow. A plan refused leaves `config` whole.
    pub fn plan_reload<'c>(
        &self,
        config: &'c mut Config,
        ifaces: &Ifaces,
    ) -> Result<Plan<'c>, PlanError> {
        plan(&self.slots, config, ifaces)
    }
}

/// [`Node::plan_reload`] against the running `slots` (none for a new
/// router: [`Node::new`] plans before it builds the router, so a refused
/// plan has no half-built router to drop, issue 17).
pub(super) fn plan<'c>(
    slots: &[Slot],
    config: &'c mut Config,
    ifaces: &Ifaces,
) -> Result<Plan<'c>, PlanError> {
    if config.instances.len() > MAX_INSTANCES {
        // The limit written out (checked below): no format! for it.
        const _: () = assert!(MAX_INSTANCES == 255);
        let e = "too many instances: limit MAX_INSTANCES is 255";
        return Err(PlanError(e));
    }
    let instances = core::mem::take(&mut config.instances).into_iter();
    // Collected: one allocation, no growth check per item.
    let items = instances.map(|c| {
        let (ifindex, src) = primary(&c, ifaces);
        Planned {
            src,
            kept: slots.iter().position(|s| same_instance(s, &c)),
            cfg: c,
            ifindex,
        }
    });
    Ok(Plan::new(items.collect(), config))
}

impl Node {
    /// Carry out a plan with the dump it was made from: removed instances
    /// stop like on SIGTERM, kept ones keep their state (a master whose
    /// addresses changed swaps them and announces the new ones), new ones
    /// start, and interface changes the dump shows become link events.
    pub fn apply_reload(
        &mut self,
        plan: Plan<'_>,
        ifaces: Ifaces,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        // The globals the instances share are read again, as keepalived
        // reads global_defs again on a reload: who runs the scripts, and
        // the VRRP groups. Groups that changed are left on every interface
        // in use now, while the old instances still say which (joined
        // below with the rest); the removed instances' last adverts still
        // go to the old ones.
        let g = &plan.config().global;
        self.shared.script_user.clone_from(&g.script_user);
        self.shared.script_security = g.enable_script_security;
        let groups = (g.vrrp_mcast_group4.into(), g.vrrp_mcast_group6.into());
        // Told apart with `==`, as everywhere else: no IpAddr `ne` of its
        // own for this one test (issue 17: size).
        let same = groups == (self.shared.group4, self.shared.group6);
        if !same {
            self.join_groups(false, out);
        }
        // A reload may allocate (the steady state does not); a Vec also
        // keeps a second table of MAX_INSTANCES slots off the stack.
        let mut old: Vec<Option<Slot>> = Vec::with_capacity(self.slots.len());
        for s in self.slots.drain(..) {
            old.push(Some(s));
        }
        // The removed instances go with the fresh dump: the VMACs they
        // delete are the ones there now.
        let old_ifaces = core::mem::replace(&mut self.shared.ifaces, ifaces);
        self.stop_removed(&mut old, &plan, now, out);
        self.leave(&mut old, &plan, now, out);
        (self.shared.group4, self.shared.group6) = groups;
        let mut changed: Vec<(usize, Box<InstanceConfig>)> = Vec::new();
        let mut routes_changed: Vec<(usize, Box<InstanceConfig>)> = Vec::new();
        let (items, config) = plan.into_parts();
        let g = &config.global;
        let (garp, gna) = (g.vrrp_garp_interval_us, g.vrrp_gna_interval_us);
        (self.shared.pace).set(garp, gna, &mut config.garp_groups);
        self.shared.mail = super::mail::MailDefs::of(g);
        for Planned {
            cfg: c,
            src,
            ifindex,
            kept,
        } in items
        {
            // Changed where it lies, then moved once into the table.
            let slot = kept.and_then(|k| old.get_mut(k));
            let Some(Some(s)) = slot else {
                self.add_slot(c, src, ifindex);
                continue;
            };
            s.inst.reconfigure(super::params(&c, src), now);
            s.ifindex = ifindex;
            let prev = s.set_cfg(c);
            if prev.vips != s.cfg.vips || prev.vips_excluded != s.cfg.vips_excluded {
                changed.push((self.slots.len(), prev));
            } else if prev.vroutes != s.cfg.vroutes || prev.vrules != s.cfg.vrules {
                routes_changed.push((self.slots.len(), prev));
            }
            if let Some(s) = slot.and_then(Option::take) {
                let _ = self.slots.try_push(s);
            }
        }
        self.reindex();
        let old_track = self.track_config(config);
        self.track.kill_orphans(&old_track, &mut self.shared, out);
        self.start_tracking(now, out);
        self.join_groups(true, out);
        self.follow_table(&old_ifaces, now, out);
        for i in 0..self.slots.len() {
            if self.slots[i].inst.state() == State::Init && !self.slots[i].waiting_to_start() {
                self.start_slot(i, now, out);
            }
            self.slots[i].rearm(i, now, out, true);
        }
        for (i, prev) in changed {
            self.swap_vips(i, prev, now, out);
        }
        // By reference (dropped at the end): no IntoIter of its own
        // (issue 17: size).
        for (i, prev) in &routes_changed {
            self.swap_routes(*i, prev, out);
        }
        self.statics.reload(config, &mut self.shared, out);
        self.settle(now, out);
    }

    /// Release the running instances the plan does not keep: priority 0
    /// and their VIPs removed, as on a stop, and the scripts keepalived
    /// runs for a removed instance queued (DELETED, or FAULT).
    fn stop_removed(
        &mut self,
        old: &mut [Option<Slot>],
        plan: &Plan<'_>,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        let cx = &mut self.shared;
        for (k, s) in old.iter_mut().enumerate() {
            if plan.keeps(k) {
                continue;
            }
            if let Some(s) = s {
                let (was, priority) = (s.inst.state(), s.inst.effective_priority());
                // keepalived SIGTERMs every script on a reload; we end only
                // the removed instance's (a STOP script is let run).
                s.stop_scripts(cx, out);
                // No STOP line on the FIFO, and no STOP script: keepalived
                // reports the removal only.
                s.drive(Event::Shutdown, now, cx, &mut NoFifo(out));
                super::vmac::drop(&s.cfg, &mut cx.ifaces, out);
                s.scripts.clear_waiting();
                if let Some(state) = s.scripts.deleted(&s.cfg, was, priority) {
                    let name = s.cfg.name.as_str();
                    let kind = INSTANCE;
                    out.push(Out::Fifo {
                        kind,
                        name,
                        state,
                        priority,
                    });
                }
            }
        }
    }

    /// The removed slots whose scripts still run or wait go on, without a
    /// place in the table, until their last script ended (their scripts
    /// have no timeout, as keepalived gives notify_deleted none; the stop
    /// kills them).
    fn leave(
        &mut self,
        old: &mut [Option<Slot>],
        plan: &Plan<'_>,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        for (k, s) in old.iter_mut().enumerate() {
            if plan.keeps(k) {
                continue;
            }
            if let Some(s) = s.take().filter(|s| !s.scripts.is_idle()) {
                self.leaving.push(s);
            }
        }
        for s in &mut self.leaving {
            s.start_script(now, &mut self.shared, out);
        }
    }

    /// Script `id` ended: true when it was a removed instance's (its next
    /// script starts; a slot with nothing left goes).
    pub(super) fn leaving_script_ended(
        &mut self,
        id: u32,
        now: Instant,
        out: &mut dyn Outbox,
    ) -> bool {
        let cx = &mut self.shared;
        let Some(k) = self.leaving.iter_mut().position(|s| s.script_ended(id, cx)) else {
            return false;
        };
        self.leaving[k].start_script(now, cx, out);
        if self.leaving[k].scripts.is_idle() {
            self.leaving.swap_remove(k);
        }
        true
    }

    /// Start what removed instances wait to run (a child came free).
    pub(super) fn start_leaving(&mut self, now: Instant, out: &mut dyn Outbox) {
        for s in &mut self.leaving {
            s.start_script(now, &mut self.shared, out);
        }
    }

    /// The daemon stops: the removed instances' scripts are killed.
    pub(super) fn stop_leaving(&mut self, out: &mut dyn Outbox) {
        // In place, then cleared: no move of each slot out (issue 17:
        // size).
        for s in &mut self.leaving {
            s.scripts.clear_waiting();
            if let Some(r) = s.scripts.running {
                out.push(Out::Kill {
                    id: r.id,
                    hard: true,
                });
                s.script_ended(r.id, &mut self.shared);
            }
        }
        self.leaving.clear();
    }

    /// A kept master whose addresses changed: the old set goes, the new
    /// one comes and is announced.
    fn swap_vips(
        &mut self,
        i: usize,
        prev: Box<InstanceConfig>,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        let cx = &mut self.shared;
        let Some(s) = self.slots.get_mut(i) else {
            return;
        };
        if s.inst.state() != State::Master {
            return;
        }
        // The old VIPs go with the old configuration, for this call only.
        let new = core::mem::replace(&mut s.cfg, prev);
        s.vips(false, AddrWhy::Reload, cx, out);
        s.set_cfg(new);
        s.vips(true, AddrWhy::Reload, cx, out);
        let count = s.inst.params().garp_master_repeat;
        s.announce(count, now, cx, out);
    }
}

/// Passes every output on but the FIFO lines: a removed instance reports
/// DELETED (or FAULT), not the STOP its shutdown would write.
struct NoFifo<'a>(&'a mut dyn Outbox);

impl Outbox for NoFifo<'_> {
    fn push(&mut self, o: Out<'_>) {
        if !matches!(o, Out::Fifo { .. }) {
            self.0.push(o);
        }
    }
}
