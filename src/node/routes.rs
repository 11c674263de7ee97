//! `virtual_routes` (with mastership) and the root `static_ipaddress` /
//! `static_routes` (for the daemon's life), as keepalived 2.2.7 moves them:
//! vrrp.c `vrrp_state_become_master` adds an instance's routes after its
//! addresses, `vrrp_restore_interface` deletes them before; netlink_rtlist
//! deletes only the routes it set (no start-up clean-up of routes, unlike
//! addresses). vrrp_daemon.c `start_vrrp` adds the static addresses and
//! routes before any instance runs; `vrrp_terminate_phase2` deletes them,
//! with `-V` too.

use crate::config::{Config, InstanceConfig, Route, RouteMode, Rule, Vip};
use crate::vrrp::State;
use crate::wire::route::{AddMode, RouteRequest, RuleRequest};

use super::iface::Ifaces;
use super::out::note;
use super::out::{AddrReq, AddrWhy, Note, Out, Outbox, RouteReq, RuleReq};
use super::pending::Uid;
use super::slot::{Shared, Slot};

/// The owner of the static entries' netlink requests: no slot has it.
pub const STATIC_UID: Uid = 0;

/// Set in the owner of an instance's route and rule requests: a failure
/// is logged, and does not start the VIP retry. Uids count up from 1 and
/// never reach it.
pub const ROUTE_BIT: Uid = 1 << 31;

/// The name the static entries carry in outputs and log lines.
pub const STATIC_NAME: &str = "static";

fn oif(ifaces: &Ifaces, r: &Route) -> Option<u32> {
    let dev = r.dev.as_deref()?;
    ifaces.by_name(dev).map(|f| f.index).filter(|&x| x != 0)
}

/// What one batch of route and rule requests shares.
#[derive(Copy, Clone)]
struct Batch<'a> {
    /// The instance, or `static`.
    name: &'a str,
    add: bool,
    why: AddrWhy,
    /// The requests' owner.
    uid: Uid,
}

/// Requests for `routes`, but those in `skip`; a route through an
/// interface that is gone went with it (none).
fn routes(b: Batch, routes: &[Route], skip: &[Route], cx: &mut Shared, out: &mut dyn Outbox) {
    for r in routes {
        if skip.contains(r) {
            continue;
        }
        let oif = oif(&cx.ifaces, r);
        if r.dev.is_some() && oif.is_none() {
            continue;
        }
        let req = RouteReq {
            add: b.add,
            why: b.why,
            seq: cx.pending.request(b.uid),
            route: r,
            oif,
        };
        out.push(Out::Route { name: b.name, req });
    }
}

/// Requests for `rules`, but those in `skip`.
fn rules(b: Batch, rules: &[Rule], skip: &[Rule], cx: &mut Shared, out: &mut dyn Outbox) {
    for rule in rules {
        if skip.contains(rule) {
            continue;
        }
        let req = RuleReq {
            add: b.add,
            why: b.why,
            seq: cx.pending.request(b.uid),
            rule,
        };
        out.push(Out::Rule { name: b.name, req });
    }
}

impl Slot {
    /// Add or delete the instance's `virtual_routes` and `virtual_rules`
    /// (rules after routes on the way in, before them on the way out): a
    /// delete only after an add, nothing at the start-up clean-up
    /// (keepalived's `set`).
    pub fn routes(&mut self, add: bool, why: AddrWhy, cx: &mut Shared, out: &mut dyn Outbox) {
        if why == AddrWhy::Leftover || (!add && !self.routes_installed) {
            return;
        }
        let (name, uid) = (self.cfg.name.as_str(), self.uid | ROUTE_BIT);
        let b = Batch {
            name,
            add,
            why,
            uid,
        };
        let c = &self.cfg;
        if !add {
            rules(b, &c.vrules, &[], cx, out);
        }
        routes(b, &c.vroutes, &[], cx, out);
        if add {
            rules(b, &c.vrules, &[], cx, out);
        }
        self.routes_installed = add && !(self.cfg.vroutes.is_empty() && self.cfg.vrules.is_empty());
    }
}

impl super::Node {
    /// A route or rule request of an instance failed (`owner` with
    /// ROUTE_BIT): one error line, no retry.
    pub(super) fn route_failed(&self, owner: Uid, seq: u32, errno: i32, out: &mut dyn Outbox) {
        let uid = owner & !ROUTE_BIT;
        let name = self.slots.iter().find(|s| s.uid == uid);
        let name = name.map_or("?", |s| s.cfg.name.as_str());
        note(out, Note::RouteFailed { name, seq, errno });
    }

    /// A reload changed a kept instance's routes or rules (not its VIPs):
    /// a master deletes the ones no longer configured and adds the new
    /// ones (keepalived's clear_diff_vrrp_vroutes / _vrules); the VIPs and
    /// the unchanged entries stay.
    pub(super) fn swap_routes(&mut self, i: usize, prev: &InstanceConfig, out: &mut dyn Outbox) {
        let cx = &mut self.shared;
        let Some(s) = self.slots.get_mut(i) else {
            return;
        };
        if s.inst.state() != State::Master || !s.routes_installed {
            return;
        }
        let (name, uid, why) = (s.cfg.name.as_str(), s.uid | ROUTE_BIT, AddrWhy::Reload);
        let (old, new) = (prev, &*s.cfg);
        let del = Batch {
            name,
            add: false,
            why,
            uid,
        };
        rules(del, &old.vrules, &new.vrules, cx, out);
        routes(del, &old.vroutes, &new.vroutes, cx, out);
        let add = Batch { add: true, ..del };
        routes(add, &new.vroutes, &old.vroutes, cx, out);
        rules(add, &new.vrules, &old.vrules, cx, out);
    }
}

/// The root `static_ipaddress` and `static_routes` blocks.
#[derive(Default)]
pub struct Statics {
    pub addrs: Vec<Vip>,
    pub routes: Vec<Route>,
    pub rules: Vec<Rule>,
    pub installed: bool,
}

/// The static entries of one configuration, borrowed.
#[derive(Copy, Clone)]
struct Set<'a> {
    addrs: &'a [Vip],
    routes: &'a [Route],
    rules: &'a [Rule],
}

const NONE: Set<'static> = Set {
    addrs: &[],
    routes: &[],
    rules: &[],
};

impl Statics {
    fn set(&self) -> Set<'_> {
        Set {
            addrs: &self.addrs,
            routes: &self.routes,
            rules: &self.rules,
        }
    }

    /// Add them all (start), or delete them all once added (stop).
    pub fn apply(&mut self, add: bool, cx: &mut Shared, out: &mut dyn Outbox) {
        if add != self.installed {
            apply(self.set(), NONE, add, cx, out);
            self.installed = add;
        }
    }

    /// A reload: the entries no longer configured go, the new ones come
    /// (keepalived's clear_diff_static_*), the others stay as they are.
    pub fn reload(&mut self, config: &mut Config, cx: &mut Shared, out: &mut dyn Outbox) {
        let new = Set {
            addrs: &config.static_addrs,
            routes: &config.static_routes,
            rules: &config.static_rules,
        };
        if self.installed {
            apply(self.set(), new, false, cx, out);
            apply(new, self.set(), true, cx, out);
        }
        self.take(config);
    }

    /// The entries of `config`, moved out of it (they are the router's:
    /// copying them was code for nothing). Swapped: the old ones go to
    /// `config`, dropped with it, not here (size: issue 17).
    pub fn take(&mut self, config: &mut Config) {
        core::mem::swap(&mut self.addrs, &mut config.static_addrs);
        core::mem::swap(&mut self.routes, &mut config.static_routes);
        core::mem::swap(&mut self.rules, &mut config.static_rules);
    }
}

/// Add or delete the entries of `set` but those in `skip`: addresses
/// before routes on the way in, after them on the way out.
fn apply(set: Set, skip: Set, add: bool, cx: &mut Shared, out: &mut dyn Outbox) {
    let why = if add {
        AddrWhy::Master
    } else {
        AddrWhy::Shutdown
    };
    let b = Batch {
        name: STATIC_NAME,
        add,
        why,
        uid: STATIC_UID,
    };
    if add {
        addrs(set.addrs, skip.addrs, b, cx, out);
    } else {
        rules(b, set.rules, skip.rules, cx, out);
    }
    routes(b, set.routes, skip.routes, cx, out);
    if add {
        // keepalived clears leftover static rules first (ENOENT
        // ignored): a rule is added with NLM_F_EXCL.
        let clear = Batch {
            add: false,
            why: AddrWhy::Leftover,
            ..b
        };
        rules(clear, set.rules, skip.rules, cx, out);
        rules(b, set.rules, skip.rules, cx, out);
    } else {
        addrs(set.addrs, skip.addrs, b, cx, out);
    }
}

/// Requests for the static addresses `addrs`, but those in `skip`.
fn addrs(addrs: &[Vip], skip: &[Vip], b: Batch, cx: &mut Shared, out: &mut dyn Outbox) {
    for a in addrs {
        // keepalived requires `dev` on a static address; without one
        // (or while it is gone) there is nowhere to put it.
        let Some(f) = a.dev.as_deref().and_then(|d| cx.ifaces.by_name(d)) else {
            continue;
        };
        if f.index == 0 || skip.contains(a) {
            continue;
        }
        let req = AddrReq {
            add: b.add,
            why: b.why,
            seq: cx.pending.request(STATIC_UID),
            ifindex: f.index,
            ifname: a.dev.as_deref().unwrap_or_default(),
            addr: a.addr,
            prefix_len: a.prefix_len,
            scope: a.scope.unwrap_or(0),
            brd: a.brd,
            label: a.label.as_deref(),
        };
        out.push(Out::Addr {
            name: STATIC_NAME,
            req,
        });
    }
}

/// The request for a configured route through interface `oif`.
pub fn route_request(r: &Route, oif: Option<u32>) -> RouteRequest {
    RouteRequest {
        dst: r.dst,
        dst_len: r.dst_len,
        kind: r.kind,
        via: r.via,
        oif,
        src: r.src,
        table: r.table,
        metric: r.metric,
        scope: r.scope,
        protocol: r.protocol,
        onlink: r.onlink,
        mode: match r.mode {
            RouteMode::Prepend => AddMode::Prepend,
            RouteMode::Add => AddMode::Excl,
            RouteMode::Append => AddMode::Append,
        },
    }
}

/// The request for a configured rule.
pub fn rule_request(r: &Rule) -> RuleRequest<'_> {
    RuleRequest {
        v6: r.v6,
        from: r.from,
        to: r.to,
        action: r.action,
        table: r.table,
        goto: r.goto,
        invert: r.invert,
        priority: r.priority,
        tos: r.tos,
        fwmark: r.fwmark,
        iif: r.iif.as_deref(),
        oif: r.oif.as_deref(),
        protocol: r.protocol,
    }
}
