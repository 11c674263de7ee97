//! use_vmac in the deterministic simulation (issue 14 item 3): routers
//! whose instances hold their VIPs on a VMAC (some sending from the base
//! with `vmac_xmit_base`), on a lossy, jittery LAN, through crashes,
//! restarts, stops, and VMACs deleted by someone else at random times.
//! The harness's kernel model (tests/sim) creates and deletes the VMACs
//! the Nodes ask for (a new index, the VRRP MAC, up) and tells them, as
//! the daemon's shell does (src/daemon/vmac.rs); addresses live on the
//! interface they were asked for.
//!
//! Invariants (besides the harness's own, tests/simulation.rs):
//! - after every call into a Node: a VIP of a use_vmac instance is never
//!   on eth0; once the daemon has read the kernel's link notifications, an
//!   instance whose VMAC is missing is in FAULT (or INIT) and holds no VIP;
//! - every advert leaves from the instance's VMAC (eth0 with
//!   vmac_xmit_base) and every GARP from the VMAC, with the MAC
//!   00:00:5e:00:01:VRID (02 for IPv6), for an address the VMAC holds;
//! - the Node never asks to create a VMAC that exists;
//! - settled: one master per VRID, the best, holding its VIP on its VMAC
//!   and advertising out of it; every VMAC is back and no instance is in
//!   FAULT; after a stop, every VMAC the router created is deleted.
//!
//! `SIM_SEED=N cargo test --test sim_vmac` replays one seed.

mod sim;

use sim::{Garp, Rng, RouterCfg, Scripts, Shape, Sim, Spec, random_shape, seeds};
use tinyvrrpd::time::Duration;
use tinyvrrpd::vrrp::State;

/// simulation.rs's LANs, of 2 or 3 routers and up to 3 VRIDs.
fn vmac_shape(rng: &mut Rng) -> Shape {
    let mut shape = random_shape(rng, 3, true);
    shape.routers = shape.routers.min(3);
    shape
}

fn spec(rng: &mut Rng, s: &Shape, v: usize) -> Spec {
    Spec {
        vrid: u8::try_from(v + 1).unwrap_or(u8::MAX),
        priority: [50, 100, 100, 150, 200, 254][rng.below(6) as usize],
        advert_int_cs: s.advert_int_cs,
        v3: s.v3,
        nopreempt: false,
        preempt_delay_s: 0,
        garp: Garp {
            master_delay_s: 5,
            master_repeat: 5,
            refresh_s: 0,
            refresh_repeat: 1,
            lower_prio_repeat: 5,
            lower_prio_delay_s: 5,
            lower_prio_no_advert: false,
        },
        plain_checksum: false,
        scripts: Scripts::default(),
        tracks: Vec::new(),
    }
}

/// A simulation whose every instance has use_vmac, a third of the VRIDs
/// with vmac_xmit_base (on every router alike: a router with
/// vmac_xmit_base listens on eth0, where its kernel never hands it a
/// peer's advert from the VRRP MAC its own VMAC has, so a mixed VRID
/// splits, under keepalived too).
fn make_sim(seed: u64, rng: &mut Rng) -> (Sim, Shape) {
    let shape = vmac_shape(rng);
    let configs = (0..shape.routers)
        .map(|_| RouterCfg {
            head: String::new(),
            startup_delay_ms: 0,
            specs: (0..shape.vrids).map(|v| spec(rng, &shape, v)).collect(),
            checks: Vec::new(),
            tail: String::new(),
            procs: Vec::new(),
            group_tracks: Vec::new(),
        })
        .collect();
    let mut sim = Sim::new(seed, shape.family, shape.link.clone(), configs);
    let modes: Vec<Option<bool>> = (0..shape.vrids)
        .map(|_| Some(rng.chance(330_000)))
        .collect();
    for r in 0..shape.routers {
        sim.routers[r].use_vmac = modes.clone();
    }
    (sim, shape)
}

fn settle_time(sim: &Sim) -> Duration {
    sim.worst_down_interval().mul(2) + sim.max_interval().mul(2)
}

fn check_all(sim: &Sim, what: &str) {
    sim.check_settled(what);
    sim.check_vmacs_settled(what);
}

/// Stop every router: each deletes the VMACs it created (checked in
/// `Sim::stop`) and leaves no VIP behind.
fn stop_all(sim: &mut Sim) {
    for r in 0..sim.routers.len() {
        sim.stop(r);
        let rt = &sim.routers[r];
        if !rt.kernel.is_empty() || !rt.vmacs.is_empty() {
            sim.fail(&format!("r{r} stopped: {:?} {:?}", rt.kernel, rt.vmacs));
        }
    }
}

/// One random disturbance: a VMAC deleted by someone else, a crash (the
/// VMACs and VIPs stay in the kernel), a stop, or a start of a router that
/// is down; then a random while (less than an interval to three).
fn chaos_step(sim: &mut Sim, rng: &mut Rng, shape: &Shape) {
    let r = rng.below(shape.routers as u64) as usize;
    match rng.below(10) {
        0..=4 => {
            let idx = rng.below(shape.vrids as u64) as usize;
            sim.delete_vmac(r, idx);
        }
        5 | 6 if sim.routers[r].alive() => sim.crash(r),
        7 if sim.routers[r].alive() => sim.stop(r),
        _ if !sim.routers[r].alive() => sim.start(r),
        _ => {}
    }
    let us = rng.below(3 * u64::from(shape.advert_int_cs) * 10_000);
    sim.run_for(Duration::from_micros(us));
}

/// Crashes, stops, restarts and VMACs deleted at random times: after each
/// quiet spell the election and the VMACs are as they should be.
#[test]
fn vmacs_follow_crashes_stops_and_deletions() {
    let mut total = sim::VmacStats::default();
    for seed in seeds(400, 30_000) {
        let mut rng = Rng::new(seed);
        let (mut sim, shape) = make_sim(seed, &mut rng);
        for r in 0..shape.routers {
            sim.start(r);
            let gap = rng.below(2 * u64::from(shape.advert_int_cs) * 10_000);
            sim.run_for(Duration::from_micros(gap));
        }
        sim.run_for(settle_time(&sim));
        check_all(&sim, "after cold start");
        for round in 0..3 {
            for _ in 0..rng.range(2, 6) {
                chaos_step(&mut sim, &mut rng, &shape);
            }
            for r in 0..shape.routers {
                if !sim.routers[r].alive() {
                    sim.start(r);
                }
            }
            sim.run_for(settle_time(&sim));
            check_all(&sim, &format!("after chaos round {round}"));
        }
        stop_all(&mut sim);
        let st = &sim.vmac_stats;
        total.creates += st.creates;
        total.deletes += st.deletes;
        total.removed += st.removed;
        total.vmac_adverts += st.vmac_adverts;
        total.base_adverts += st.base_adverts;
        total.vmac_garps += st.vmac_garps;
        total.stale += st.stale;
    }
    eprintln!("vmac stats: {total:?}");
    // The scenarios did what they are for.
    let t = &total;
    let seen = [
        t.creates,
        t.deletes,
        t.removed,
        t.vmac_adverts,
        t.vmac_garps,
    ];
    if std::env::var("SIM_SEED").is_err() {
        assert!(seen.iter().all(|&n| n > 0), "{t:?}");
        assert!(t.base_adverts > 0, "{t:?}");
    }
}

/// The master's VMAC deleted: the Node asks for it again, the instance
/// is in FAULT until it is back (a backup takes over meanwhile), then
/// leaves FAULT and, being the best, is master again on the new VMAC.
#[test]
fn a_deleted_vmac_is_made_again_and_its_instance_leaves_fault() {
    for seed in seeds(200, 31_000) {
        let mut rng = Rng::new(seed);
        let (mut sim, shape) = make_sim(seed, &mut rng);
        for r in 0..shape.routers {
            sim.start(r);
        }
        sim.run_for(settle_time(&sim));
        check_all(&sim, "before the deletion");
        let victim = sim.master_of_first();
        let name = sim.vmac_of(victim, 0).map(|v| v.name.clone());
        let name = name.unwrap_or_default();
        let old = sim.vmac_link(victim, &name).map(|l| l.index);
        let creates = sim.vmac_stats.creates;
        let t = sim.now;
        if !sim.delete_vmac(victim, 0) {
            sim.fail(&format!("r{victim} has no {name}"));
        }
        sim.run_for(sim.max_interval());
        let faulted = (sim.transitions.iter())
            .any(|x| x.0 > t && x.1 == victim && x.2 == 0 && x.3 == State::Fault);
        let new = sim.vmac_link(victim, &name).map(|l| l.index);
        if !faulted || sim.vmac_stats.creates != creates + 1 || new.is_none() || new == old {
            sim.fail(&format!(
                "r{victim} {name}: FAULT {faulted}, #{old:?} -> #{new:?}"
            ));
        }
        if sim.state(victim, 0) == Some(State::Fault) {
            sim.fail(&format!("r{victim} VI_0 still in FAULT with {name} back"));
        }
        sim.run_for(settle_time(&sim));
        check_all(&sim, "after the deletion");
        stop_all(&mut sim);
    }
}

/// Reloads that turn use_vmac or vmac_xmit_base on or off on some
/// instances (a changed VMAC is a new instance: the old VMAC goes, the new
/// one is made before it starts), or change nothing, among VMAC deletions:
/// settled after each, and nothing left behind.
#[test]
fn reloads_that_change_the_vmacs_settle_and_leave_nothing_behind() {
    for seed in seeds(150, 32_000) {
        let mut rng = Rng::new(seed);
        let (mut sim, shape) = make_sim(seed, &mut rng);
        for r in 0..shape.routers {
            sim.start(r);
        }
        sim.run_for(settle_time(&sim));
        check_all(&sim, "before the reloads");
        for round in 0..6 {
            for _ in 0..rng.range(1, 3) {
                let r = rng.below(shape.routers as u64) as usize;
                let idx = rng.below(shape.vrids as u64) as usize;
                if rng.chance(300_000) {
                    sim.delete_vmac(r, idx);
                } else {
                    let mode = match rng.below(3) {
                        0 => None,
                        1 => Some(false),
                        _ => Some(true),
                    };
                    set_mode(&mut sim, shape.routers, idx, mode);
                }
                let us = rng.below(2 * u64::from(shape.advert_int_cs) * 10_000);
                sim.run_for(Duration::from_micros(us));
            }
            sim.run_for(settle_time(&sim));
            check_all(&sim, &format!("after reload round {round}"));
        }
        stop_all(&mut sim);
    }
}

/// A reload that changes an instance's VMAC but keeps its name
/// (vmac_xmit_base turned on or off) removes the old instance, which
/// deletes the VMAC, and starts the new one in the same call, before the
/// RTM_DELLINK is read: the new instance must not take the deleted VMAC for
/// there (it did: a start-up VIP removal to the dead index, BACKUP with no
/// VMAC). It starts in FAULT and asks for the VMAC again.
#[test]
fn a_reload_that_changes_a_vmac_never_uses_the_deleted_one() {
    for seed in seeds(20, 33_000) {
        let mut rng = Rng::new(seed);
        let (mut sim, shape) = make_sim(seed, &mut rng);
        sim.strict_own_deletes = true;
        for r in 0..shape.routers {
            sim.start(r);
        }
        sim.run_for(settle_time(&sim));
        check_all(&sim, "before the reload");
        let mode = sim.routers[0].use_vmac[0].map(|xmit_base| !xmit_base);
        set_mode(&mut sim, shape.routers, 0, mode);
        sim.run_for(settle_time(&sim));
        check_all(&sim, "after the reload");
        stop_all(&mut sim);
    }
}

/// Instance `idx`'s use_vmac mode changed on every router, each reloaded
/// at the same moment.
fn set_mode(sim: &mut Sim, routers: usize, idx: usize, mode: Option<bool>) {
    for r in 0..routers {
        sim.routers[r].use_vmac[idx] = mode;
        let cfg = sim.routers[r].cfg.clone();
        sim.reload(r, cfg);
    }
}
