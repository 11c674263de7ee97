//! Deterministic simulation: several routers running many VRRP instances on
//! one virtual LAN, a virtual clock, and links that drop, delay, duplicate
//! and partition, all from a seeded PRNG. Every advert goes through
//! `Advert::emit` and `Advert::parse`, so the codec is exercised too.
//!
//! Invariants (DESIGN.md "Tests, in layers", 4):
//! - settled: exactly one master per VRID among the routers that can hear
//!   each other, and it is the highest priority (ties: the higher address);
//! - a dead master is replaced within 3 x interval + skew + link delay;
//! - a master that stops hands over within skew + link delay (priority 0);
//! - nopreempt and preempt_delay hold;
//! - no transition after the initial election while loss stays low;
//! - after every event (and every reload) each instance's next deadline
//!   lies strictly after now: no timer is ever armed at or before now
//!   (issue 10 item 1);
//! - reloads: unchanged parameters, and GARP or preemption settings that
//!   do not change who is best, cause no transition; priority and interval
//!   changes settle to the best router again.
//!
//! On failure the test prints the seed and the tail of the event trace;
//! `SIM_SEED=N cargo test --test simulation` replays one seed.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arrayvec::ArrayVec;
use tinyvrrpd::time::{Duration, Instant};
use tinyvrrpd::vrrp::{Action, Actions, Event, Instance, Params, State, Why};
use tinyvrrpd::wire::vrrp::{Advert, AuthType, ChecksumForm, RxError, Version};

/// xorshift64*: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability `ppm` parts per million.
    fn chance(&mut self, ppm: u64) -> bool {
        self.below(1_000_000) < ppm
    }
}

#[derive(Clone, Copy, Debug)]
enum Family {
    V4,
    V6,
}

#[derive(Clone, Debug)]
struct Link {
    /// Loss, duplication in parts per million.
    drop_ppm: u64,
    dup_ppm: u64,
    /// One-way delay: base plus uniform jitter, in microseconds.
    delay_us: u64,
    jitter_us: u64,
}

impl Link {
    fn max_delay(&self) -> Duration {
        Duration::from_micros(self.delay_us + self.jitter_us)
    }
}

enum Ev {
    /// Bytes of a VRRP message from router `from` arrive at router `to`.
    Deliver {
        to: usize,
        from: usize,
        bytes: ArrayVec<u8, 128>,
    },
    /// Instance `idx` of router `r` asked to be woken up.
    Wake { r: usize, idx: usize },
    /// Bytes from a stranger (not one of the routers) arrive at router `to`.
    Spoof {
        to: usize,
        src: IpAddr,
        bytes: ArrayVec<u8, 128>,
    },
}

struct Router {
    addr: IpAddr,
    alive: bool,
    /// Routers in the same partition group hear each other.
    group: u8,
    instances: Vec<Instance>,
}

struct Sim {
    seed: u64,
    rng: Rng,
    now: Instant,
    link: Link,
    family: Family,
    routers: Vec<Router>,
    queue: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    events: Vec<Option<Ev>>,
    seq: u64,
    /// (time, router, vrid index, from, to, why)
    transitions: Vec<(Instant, usize, usize, State, State, Why)>,
    trace: VecDeque<String>,
    delivered: u64,
    /// Last delivery time per (from, to): a LAN does not reorder the frames
    /// of one sender, so jitter never lets a later advert overtake.
    fifo: Vec<Vec<Instant>>,
    /// Spoofed packets the wire parser dropped.
    spoofs_dropped: u64,
    /// After a v2 interval reload, adverts still in flight carry the old
    /// interval and are rejected, rightly: tolerated until then.
    interval_change_until: Instant,
}

const TRACE_LINES: usize = 400;

impl Sim {
    fn new(seed: u64, family: Family, link: Link, configs: Vec<Vec<Params>>) -> Sim {
        let n = configs.len();
        let routers = configs
            .into_iter()
            .enumerate()
            .map(|(r, ps)| Router {
                addr: addr_of(family, r),
                alive: false,
                group: 0,
                instances: ps.into_iter().map(Instance::new).collect(),
            })
            .collect();
        Sim {
            seed,
            rng: Rng::new(seed),
            now: Instant::from_micros(1_000_000),
            link,
            family,
            routers,
            queue: BinaryHeap::new(),
            events: Vec::new(),
            seq: 0,
            transitions: Vec::new(),
            trace: VecDeque::new(),
            delivered: 0,
            fifo: vec![vec![Instant::ZERO; n]; n],
            spoofs_dropped: 0,
            interval_change_until: Instant::ZERO,
        }
    }

    fn log(&mut self, line: String) {
        if self.trace.len() == TRACE_LINES {
            self.trace.pop_front();
        }
        self.trace.push_back(line);
    }

    fn fail(&self, what: &str) -> ! {
        let mut s = String::new();
        for l in &self.trace {
            let _ = writeln!(s, "  {l}");
        }
        panic!(
            "simulation invariant failed (seed {}; replay with SIM_SEED={}): {what}\nlast events:\n{s}",
            self.seed, self.seed
        );
    }

    fn schedule(&mut self, at: Instant, ev: Ev) {
        self.seq += 1;
        self.events.push(Some(ev));
        self.queue
            .push(Reverse((at, self.seq, self.events.len() - 1)));
    }

    fn dst(&self) -> IpAddr {
        match self.family {
            Family::V4 => IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
            Family::V6 => IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
        }
    }

    /// Feed one event to one instance and carry out what it asks for.
    fn drive(&mut self, r: usize, idx: usize, ev: Event<'_>) {
        let mut out = Actions::new();
        let now = self.now;
        let inst = &mut self.routers[r].instances[idx];
        let before = inst.next_deadline();
        inst.on_event(ev, now, &mut out);
        let after = inst.next_deadline();
        let priority_now = inst.effective_priority();
        let params = inst.params().clone();
        self.check_deadline(r, idx, after, "an event");
        for a in out {
            match a {
                Action::SendAdvert { priority } => self.send(r, &params, priority),
                Action::Transition { from, to, why } => {
                    self.transitions.push((now, r, idx, from, to, why));
                    self.log(format!(
                        "{:>10}us r{r} vrid{} {from:?}->{to:?} ({why:?}) prio {priority_now}",
                        now.as_micros(),
                        params.vrid
                    ));
                }
                Action::Rejected(RxError::IntervalMismatch)
                    if now <= self.interval_change_until => {}
                Action::Rejected(e) => self.fail(&format!(
                    "r{r} vrid{} rejected a peer advert: {e:?}",
                    params.vrid
                )),
                Action::AddVips
                | Action::DelVips
                | Action::SendGarp { .. }
                | Action::LowerPriority { .. } => {}
            }
        }
        self.wake_if_moved(r, idx, before, after);
    }

    /// The invariant of issue 10 item 1: a deadline, if any, is after now.
    fn check_deadline(&self, r: usize, idx: usize, deadline: Option<Instant>, what: &str) {
        if deadline.is_some_and(|t| t <= self.now) {
            let vrid = self.routers[r].instances[idx].params().vrid;
            self.fail(&format!(
                "r{r} vrid{vrid}: after {what} at {:?} the next deadline is {deadline:?}, not after now",
                self.now
            ));
        }
    }

    fn wake_if_moved(
        &mut self,
        r: usize,
        idx: usize,
        before: Option<Instant>,
        after: Option<Instant>,
    ) {
        if let Some(t) = after {
            if after != before {
                self.schedule(t, Ev::Wake { r, idx });
            }
        }
    }

    /// SIGHUP with a new configuration for instance `idx` of router `r`.
    fn reload(&mut self, r: usize, idx: usize, p: Params) {
        let now = self.now;
        let inst = &mut self.routers[r].instances[idx];
        let changed = *inst.params() != p;
        let before = inst.next_deadline();
        inst.reconfigure(p, now);
        let after = inst.next_deadline();
        let vrid = inst.params().vrid;
        self.log(format!(
            "{:>10}us r{r} vrid{vrid} reload{}",
            now.as_micros(),
            if changed { " (changed)" } else { "" }
        ));
        self.check_deadline(r, idx, after, "a reload");
        self.wake_if_moved(r, idx, before, after);
    }

    fn deliver_spoof(&mut self, to: usize, src: IpAddr, bytes: &[u8]) {
        if !self.routers[to].alive {
            return;
        }
        let adv = match Advert::parse(bytes, src, self.dst()) {
            Ok((adv, _)) => adv,
            Err(_) => {
                self.spoofs_dropped += 1;
                return;
            }
        };
        let idx = self.routers[to]
            .instances
            .iter()
            .position(|i| i.params().vrid == adv.vrid);
        if let Some(idx) = idx {
            let mut out = Actions::new();
            let now = self.now;
            let inst = &mut self.routers[to].instances[idx];
            let before = inst.next_deadline();
            inst.on_event(Event::Advert { advert: &adv, src }, now, &mut out);
            let after = inst.next_deadline();
            self.check_deadline(to, idx, after, "a spoofed advert");
            for a in out {
                match a {
                    Action::SendAdvert { priority } => {
                        let params = self.routers[to].instances[idx].params().clone();
                        self.send(to, &params, priority);
                    }
                    Action::Transition {
                        from,
                        to: state,
                        why,
                    } => {
                        self.transitions.push((now, to, idx, from, state, why));
                    }
                    _ => {}
                }
            }
            self.wake_if_moved(to, idx, before, after);
        }
    }

    fn send(&mut self, from: usize, p: &Params, priority: u8) {
        let adv = p.advert(priority);
        let mut buf = [0u8; 128];
        let n = match adv.emit(&mut buf, p.primary, self.dst(), p.checksum_form) {
            Ok(n) => n,
            Err(e) => self.fail(&format!("emit failed: {e:?}")),
        };
        let bytes: ArrayVec<u8, 128> = buf[..n].iter().copied().collect();
        for to in 0..self.routers.len() {
            if to == from || self.routers[to].group != self.routers[from].group {
                continue;
            }
            if self.rng.chance(self.link.drop_ppm) {
                continue;
            }
            let copies = if self.rng.chance(self.link.dup_ppm) {
                2
            } else {
                1
            };
            for _ in 0..copies {
                let delay = self.link.delay_us + self.rng.below(self.link.jitter_us + 1);
                let at = (self.now + Duration::from_micros(delay)).max(self.fifo[from][to]);
                self.fifo[from][to] = at;
                self.schedule(
                    at,
                    Ev::Deliver {
                        to,
                        from,
                        bytes: bytes.clone(),
                    },
                );
            }
        }
    }

    fn deliver(&mut self, to: usize, from: usize, bytes: &[u8]) {
        if !self.routers[to].alive || self.routers[to].group != self.routers[from].group {
            return;
        }
        let src = self.routers[from].addr;
        let (adv, _) = match Advert::parse(bytes, src, self.dst()) {
            Ok(x) => x,
            Err(e) => self.fail(&format!("parse of our own emit failed: {e:?}")),
        };
        self.delivered += 1;
        // The daemon's dispatch: the instance with this VRID.
        let idx = self.routers[to]
            .instances
            .iter()
            .position(|i| i.params().vrid == adv.vrid);
        if let Some(idx) = idx {
            self.drive(to, idx, Event::Advert { advert: &adv, src });
        }
    }

    /// Run the world until `until`.
    fn run_until(&mut self, until: Instant) {
        while let Some(&Reverse((at, _, id))) = self.queue.peek() {
            if at > until {
                break;
            }
            self.queue.pop();
            self.now = at;
            let Some(ev) = self.events[id].take() else {
                continue;
            };
            match ev {
                Ev::Deliver { to, from, bytes } => self.deliver(to, from, &bytes),
                Ev::Wake { r, idx } => {
                    if self.routers[r].alive {
                        self.drive(r, idx, Event::Timeout);
                    }
                }
                Ev::Spoof { to, src, bytes } => self.deliver_spoof(to, src, &bytes),
            }
        }
        self.now = until;
    }

    fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    fn start(&mut self, r: usize) {
        self.log(format!("{:>10}us r{r} start", self.now.as_micros()));
        self.routers[r].alive = true;
        for idx in 0..self.routers[r].instances.len() {
            let p = self.routers[r].instances[idx].params().clone();
            // A restarted daemon starts from scratch.
            self.routers[r].instances[idx] = Instance::new(p);
            self.drive(r, idx, Event::Startup);
        }
    }

    /// SIGKILL and link down: no goodbye.
    fn crash(&mut self, r: usize) {
        self.log(format!("{:>10}us r{r} crash", self.now.as_micros()));
        self.routers[r].alive = false;
    }

    /// SIGTERM: every instance shuts down (priority 0 from masters).
    fn stop(&mut self, r: usize) {
        self.log(format!("{:>10}us r{r} stop", self.now.as_micros()));
        for idx in 0..self.routers[r].instances.len() {
            self.drive(r, idx, Event::Shutdown);
        }
        self.routers[r].alive = false;
    }

    fn n_vrids(&self) -> usize {
        self.routers[0].instances.len()
    }

    fn masters(&self, idx: usize, group: u8) -> Vec<usize> {
        (0..self.routers.len())
            .filter(|&r| {
                let rt = &self.routers[r];
                rt.alive && rt.group == group && rt.instances[idx].state() == State::Master
            })
            .collect()
    }

    /// The priority the master of `idx` must have among live routers in
    /// `group`: the highest. Between equal priorities the address decides
    /// only when both contend at once (RFC 5798 §6.4.3); a backup does not
    /// preempt an equal-priority master (§6.4.2), so any of them may hold it.
    fn best_priority(&self, idx: usize, group: u8) -> Option<u8> {
        (0..self.routers.len())
            .filter(|&r| self.routers[r].alive && self.routers[r].group == group)
            .map(|r| self.routers[r].instances[idx].params().priority)
            .max()
    }

    /// The live routers of `group` with the best priority for `idx`.
    fn contenders(&self, idx: usize, group: u8) -> Vec<usize> {
        let best = self.best_priority(idx, group);
        (0..self.routers.len())
            .filter(|&r| {
                self.routers[r].alive
                    && self.routers[r].group == group
                    && Some(self.routers[r].instances[idx].params().priority) == best
            })
            .collect()
    }

    /// The router to stop or crash: the master of VRID index 0.
    fn master_of_first(&self) -> usize {
        self.masters(0, 0).first().copied().unwrap_or(0)
    }

    fn check_settled(&self, what: &str) {
        let groups: Vec<u8> = {
            let mut g: Vec<u8> = self.routers.iter().map(|r| r.group).collect();
            g.sort();
            g.dedup();
            g
        };
        for idx in 0..self.n_vrids() {
            for &g in &groups {
                let want = self.contenders(idx, g);
                let got = self.masters(idx, g);
                let ok = match (got.as_slice(), want.is_empty()) {
                    ([], true) => true,
                    ([m], false) => want.contains(m),
                    _ => false,
                };
                if !ok {
                    let vrid = self.routers[0].instances[idx].params().vrid;
                    self.fail(&format!(
                        "{what}: vrid {vrid} group {g}: masters {got:?}, expected one of {want:?}"
                    ));
                }
            }
        }
    }

    /// The worst master-down interval of any instance: 3 x interval + skew.
    fn worst_down_interval(&self) -> Duration {
        self.routers
            .iter()
            .flat_map(|r| r.instances.iter())
            .map(|i| {
                let p = i.params();
                let interval = p.advert_int();
                interval.mul(3)
                    + Duration::from_micros(
                        interval.as_micros() * (256 - u64::from(p.priority)) / 256,
                    )
            })
            .max()
            .unwrap_or(Duration::ZERO)
    }

    fn max_interval(&self) -> Duration {
        self.routers
            .iter()
            .flat_map(|r| r.instances.iter())
            .map(|i| i.params().advert_int())
            .max()
            .unwrap_or(Duration::ZERO)
    }

    fn transitions_since(&self, t: Instant) -> usize {
        self.transitions.iter().filter(|x| x.0 > t).count()
    }

    /// First time after `t` that one of `rs` became master of `idx`, and who.
    fn became_master_after(
        &self,
        t: Instant,
        rs: &[usize],
        idx: usize,
    ) -> Option<(Instant, usize)> {
        self.transitions
            .iter()
            .find(|x| x.0 >= t && rs.contains(&x.1) && x.2 == idx && x.4 == State::Master)
            .map(|x| (x.0, x.1))
    }
}

fn addr_of(family: Family, r: usize) -> IpAddr {
    let r = u8::try_from(r + 1).unwrap_or(u8::MAX);
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::new(192, 0, 2, r)),
        Family::V6 => IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(r))),
    }
}

fn vip_of(family: Family, vrid: u8) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::new(192, 0, 2, 0x80 | (vrid & 0x7f))),
        Family::V6 => IpAddr::V6(Ipv6Addr::new(
            0x2001,
            0xdb8,
            0,
            0,
            0,
            0,
            0,
            0x100 + u16::from(vrid),
        )),
    }
}

struct Shape {
    routers: usize,
    vrids: usize,
    family: Family,
    version: Version,
    advert_int_cs: u16,
    link: Link,
}

fn random_shape(rng: &mut Rng, max_vrids: usize, lossy: bool) -> Shape {
    let family = if rng.chance(300_000) {
        Family::V6
    } else {
        Family::V4
    };
    let version = match family {
        Family::V6 => Version::V3,
        Family::V4 if rng.chance(500_000) => Version::V3,
        Family::V4 => Version::V2,
    };
    let advert_int_cs = match version {
        Version::V2 => 100 * rng.range(1, 3) as u16,
        Version::V3 => [10, 20, 50, 100][rng.below(4) as usize],
    };
    // Delays well below one interval, as on a LAN.
    let interval_us = u64::from(advert_int_cs) * 10_000;
    Shape {
        routers: rng.range(2, 5) as usize,
        vrids: rng.range(1, max_vrids as u64) as usize,
        family,
        version,
        advert_int_cs,
        link: Link {
            drop_ppm: if lossy { rng.range(0, 2_000) } else { 0 },
            dup_ppm: rng.range(0, 50_000),
            delay_us: rng.range(50, interval_us / 50),
            jitter_us: rng.range(0, interval_us / 50),
        },
    }
}

/// Priorities per router and VRID; ties are allowed (the address decides).
fn make_configs(rng: &mut Rng, s: &Shape) -> Vec<Vec<Params>> {
    (0..s.routers)
        .map(|r| {
            (0..s.vrids)
                .map(|v| {
                    let vrid = u8::try_from(v + 1).unwrap_or(u8::MAX);
                    let mut vips = ArrayVec::new();
                    vips.push(vip_of(s.family, vrid));
                    let v2 = s.version == Version::V2;
                    Params {
                        vrid,
                        version: s.version,
                        priority: [50, 100, 100, 150, 200, 254][rng.below(6) as usize],
                        advert_int_cs: s.advert_int_cs,
                        preempt: true,
                        preempt_delay: Duration::ZERO,
                        garp_master_delay: Duration::from_secs(5),
                        garp_master_repeat: 5,
                        garp_master_refresh: Duration::ZERO,
                        garp_master_refresh_repeat: 1,
                        garp_lower_prio_repeat: 5,
                        garp_lower_prio_delay: Duration::from_secs(5),
                        lower_prio_no_advert: rng.chance(200_000),
                        primary: addr_of(s.family, r),
                        auth_type: if v2 { AuthType::Pass } else { AuthType::None },
                        auth_data: if v2 { *b"secret\0\0" } else { [0; 8] },
                        vips,
                        skip_check_adv_addr: false,
                        checksum_form: if rng.chance(200_000) {
                            ChecksumForm::Plain
                        } else {
                            ChecksumForm::PseudoHeader
                        },
                    }
                })
                .collect()
        })
        .collect()
}

/// The seeds of one test: `SIM_SEED=N` replays one; `SIM_SCALE=K` runs a
/// K-th of the default count (cross/test.sh uses it under qemu, where the
/// simulation runs some fifty times slower).
fn seeds(default_count: u64, base: u64) -> Vec<u64> {
    if let Some(seed) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) {
        return vec![seed];
    }
    let scale: u64 = std::env::var("SIM_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let count = (default_count / scale).max(1);
    (0..count).map(|k| base + k).collect()
}

/// Cold start, settle, then a long quiet run: exactly one master per VRID,
/// the best one, and no transition after the election despite loss,
/// duplication and jitter.
#[test]
fn election_settles_and_does_not_flap() {
    for seed in seeds(500, 1_000) {
        let mut rng = Rng::new(seed);
        let shape = random_shape(&mut rng, 16, true);
        let configs = make_configs(&mut rng, &shape);
        let mut sim = Sim::new(seed, shape.family, shape.link.clone(), configs);
        for r in 0..shape.routers {
            // Start times spread over up to two intervals.
            sim.start(r);
            let gap = rng.below(2 * u64::from(shape.advert_int_cs) * 10_000 / shape.routers as u64);
            sim.run_for(Duration::from_micros(gap));
        }
        let settle = sim.worst_down_interval().mul(2) + sim.max_interval().mul(2);
        sim.run_for(settle);
        sim.check_settled("after cold start");
        let quiet_from = sim.now;
        // 60 intervals of steady state.
        sim.run_for(sim.max_interval().mul(60));
        sim.check_settled("after steady state");
        let flaps = sim.transitions_since(quiet_from);
        if flaps != 0 {
            sim.fail(&format!(
                "{flaps} transitions in steady state at {} ppm loss",
                shape.link.drop_ppm
            ));
        }
        assert!(sim.delivered > 0);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Loss {
    /// SIGKILL and link down: the backups wait out Master_Down_Interval.
    Crash,
    /// SIGTERM: priority 0 lets them take over after Skew_Time.
    Stop,
}

/// The master of VRID index 0 goes away; every VRID it mastered must move
/// to a best remaining router within the bound for `how`, plus link delay.
/// After a crash the router comes back and preempts again.
fn handover(seed: u64, how: Loss) {
    let mut rng = Rng::new(seed);
    let mut shape = random_shape(&mut rng, 8, false);
    shape.link.dup_ppm = 0;
    let configs = make_configs(&mut rng, &shape);
    let mut sim = Sim::new(seed, shape.family, shape.link.clone(), configs);
    for r in 0..shape.routers {
        sim.start(r);
    }
    sim.run_for(sim.worst_down_interval().mul(2));
    sim.check_settled("before the master goes");
    let victim = sim.master_of_first();
    let mastered: Vec<usize> = (0..sim.n_vrids())
        .filter(|&i| sim.routers[victim].instances[i].state() == State::Master)
        .collect();
    let t_gone = sim.now;
    match how {
        Loss::Crash => sim.crash(victim),
        Loss::Stop => sim.stop(victim),
    }
    let heirs: Vec<Vec<usize>> = (0..sim.n_vrids()).map(|i| sim.contenders(i, 0)).collect();
    sim.run_for(sim.worst_down_interval().mul(2));
    for &idx in &mastered {
        let first = sim.became_master_after(t_gone, &heirs[idx], idx);
        let in_time = first.is_some_and(|(t, heir)| {
            let inst = &sim.routers[heir].instances[idx];
            let bound = match how {
                Loss::Crash => inst.master_down_interval(),
                Loss::Stop => inst.skew_time(),
            };
            t <= t_gone + bound + shape.link.max_delay()
        });
        if !in_time {
            sim.fail(&format!(
                "vrid index {idx}: heirs {:?}: first master {first:?}, master gone at {t_gone:?}",
                heirs[idx]
            ));
        }
    }
    sim.check_settled("after the master went");
    if how == Loss::Crash {
        sim.start(victim);
        sim.run_for(sim.worst_down_interval().mul(2));
        sim.check_settled("after restart (preemption)");
    }
}

/// SIGKILL of the master router: replaced within 3 x interval + skew + delay.
#[test]
fn dead_master_is_replaced_within_master_down_interval() {
    for seed in seeds(400, 2_000) {
        handover(seed, Loss::Crash);
    }
}

/// SIGTERM of the master router: priority 0 hands over within skew + delay.
#[test]
fn stopped_master_hands_over_within_skew() {
    for seed in seeds(400, 3_000) {
        handover(seed, Loss::Stop);
    }
}

/// A partition elects a master on each side; healing converges back to one
/// master per VRID within an advert interval plus delay (the lower master
/// hears the higher one and yields).
#[test]
fn partition_heals_to_one_master() {
    for seed in seeds(300, 4_000) {
        let mut rng = Rng::new(seed);
        let mut shape = random_shape(&mut rng, 8, true);
        shape.routers = rng.range(3, 5) as usize;
        let configs = make_configs(&mut rng, &shape);
        let mut sim = Sim::new(seed, shape.family, shape.link.clone(), configs);
        for r in 0..shape.routers {
            sim.start(r);
        }
        sim.run_for(sim.worst_down_interval().mul(2));
        sim.check_settled("before partition");
        // Split off a random non-empty proper subset.
        let cut = rng.range(1, shape.routers as u64 - 1) as usize;
        for r in 0..cut {
            sim.routers[r].group = 1;
        }
        sim.log(format!(
            "{:>10}us partition r0..r{}",
            sim.now.as_micros(),
            cut - 1
        ));
        sim.run_for(sim.worst_down_interval().mul(3));
        sim.check_settled("during partition");
        for r in 0..cut {
            sim.routers[r].group = 0;
        }
        sim.log(format!("{:>10}us heal", sim.now.as_micros()));
        sim.run_for(sim.max_interval().mul(3) + shape.link.max_delay().mul(2));
        sim.check_settled("after heal");
    }
}

/// nopreempt: a higher-priority router that starts while a master runs
/// leaves it alone; preempt_delay: it waits that long before preempting.
#[test]
fn nopreempt_and_preempt_delay_hold() {
    for seed in seeds(200, 5_000) {
        let mut rng = Rng::new(seed);
        let mut shape = random_shape(&mut rng, 4, false);
        shape.routers = 2;
        let mut configs = make_configs(&mut rng, &shape);
        let delayed = seed % 2 == 0;
        for p in configs[0].iter_mut() {
            p.priority = 100;
        }
        for p in configs[1].iter_mut() {
            p.priority = 200;
            if delayed {
                p.preempt_delay = p.advert_int().mul(10);
            } else {
                p.preempt = false;
            }
        }
        let mut sim = Sim::new(seed, shape.family, shape.link.clone(), configs);
        sim.start(0);
        sim.run_for(sim.worst_down_interval().mul(2));
        let t_join = sim.now;
        sim.start(1);
        let delay = sim.max_interval().mul(10);
        sim.run_for(delay - sim.max_interval());
        for idx in 0..sim.n_vrids() {
            if sim.masters(idx, 0) != vec![0] {
                sim.fail("r1 preempted early");
            }
        }
        sim.run_for(sim.max_interval() + sim.worst_down_interval().mul(2));
        for idx in 0..sim.n_vrids() {
            let want = if delayed { vec![1] } else { vec![0] };
            if sim.masters(idx, 0) != want {
                sim.fail(&format!("after the delay: expected {want:?}"));
            }
            if delayed {
                let t = sim.became_master_after(t_join, &[1], idx);
                if !matches!(t, Some((t, _)) if t >= t_join + delay) {
                    sim.fail(&format!("preempted at {t:?}, joined {t_join:?}"));
                }
            }
        }
    }
}

/// 255 instances on 2 to 3 routers at 0.1 s (v3): the election settles
/// and holds.
#[test]
fn many_instances_settle() {
    for seed in seeds(6, 6_000) {
        let mut rng = Rng::new(seed);
        let mut shape = random_shape(&mut rng, 255, true);
        shape.vrids = 255;
        shape.routers = rng.range(2, 3) as usize;
        shape.version = Version::V3;
        shape.advert_int_cs = 10;
        shape.link.drop_ppm = 1_000;
        shape.link.delay_us = 200;
        shape.link.jitter_us = 800;
        let configs = make_configs(&mut rng, &shape);
        let mut sim = Sim::new(seed, shape.family, shape.link.clone(), configs);
        for r in 0..shape.routers {
            sim.start(r);
        }
        sim.run_for(sim.worst_down_interval().mul(2));
        sim.check_settled("255 instances after start");
        let t = sim.now;
        sim.run_for(Duration::from_secs(20));
        sim.check_settled("255 instances after 20 s");
        assert_eq!(sim.transitions_since(t), 0, "seed {seed}: flapping");
    }
}

/// Routers with equal priorities that start at the same moment: the one
/// with the highest address wins (RFC 5798 §6.4.3, the seed document's
/// "the backup server with the highest IP address value").
#[test]
fn simultaneous_ties_go_to_the_highest_address() {
    for seed in seeds(200, 7_000) {
        let mut rng = Rng::new(seed);
        let mut shape = random_shape(&mut rng, 8, false);
        shape.link.dup_ppm = 0;
        shape.link.jitter_us = 0;
        let mut configs = make_configs(&mut rng, &shape);
        for ps in configs.iter_mut() {
            for p in ps.iter_mut() {
                p.priority = 100;
            }
        }
        let mut sim = Sim::new(seed, shape.family, shape.link.clone(), configs);
        for r in 0..shape.routers {
            sim.start(r);
        }
        sim.run_for(sim.worst_down_interval().mul(2));
        let highest = shape.routers - 1;
        for idx in 0..sim.n_vrids() {
            if sim.masters(idx, 0) != vec![highest] {
                sim.fail(&format!("vrid index {idx}: expected r{highest}"));
            }
        }
    }
}

/// What one round of reloads changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    /// The same configuration again (a HUP with an unchanged file).
    Nothing,
    /// GARP settings: refresh (to and from 0), delays, repeats, the
    /// lower-priority re-announcement.
    Garp,
    /// nopreempt / preempt_delay on some routers.
    Preempt,
    /// Priorities on some routers.
    Priority,
    /// The advert interval, on every router at once.
    Interval,
}

fn pick<T: Copy>(rng: &mut Rng, from: &[T]) -> T {
    from[rng.below(from.len() as u64) as usize]
}

fn mutate_garp(rng: &mut Rng, p: &mut Params) {
    let ms = |rng: &mut Rng, from: &[u64]| Duration::from_millis(pick(rng, from));
    if rng.chance(700_000) {
        p.garp_master_refresh = ms(rng, &[0, 0, 300, 1_000, 2_000, 5_000]);
    }
    if rng.chance(500_000) {
        p.garp_master_refresh_repeat = pick(rng, &[1, 2, 5]);
    }
    if rng.chance(500_000) {
        p.garp_master_delay = ms(rng, &[0, 500, 5_000]);
        p.garp_master_repeat = pick(rng, &[1, 5]);
    }
    if rng.chance(500_000) {
        p.garp_lower_prio_repeat = pick(rng, &[0, 1, 5]);
        p.garp_lower_prio_delay = ms(rng, &[0, 300, 5_000]);
    }
    if rng.chance(300_000) {
        p.lower_prio_no_advert = !p.lower_prio_no_advert;
    }
}

/// Random reloads while the routers run: the simulation reloads, with
/// garp_master_refresh among what changes (issue 10 item 1), and checks
/// the deadline invariant on every step (in `Sim::drive` and `Sim::reload`).
#[test]
fn reloads_keep_the_election_and_the_timers_sane() {
    for seed in seeds(300, 8_000) {
        let mut rng = Rng::new(seed);
        let shape = random_shape(&mut rng, 8, false);
        let mut configs = make_configs(&mut rng, &shape);
        for p in configs.iter_mut().flatten() {
            mutate_garp(&mut rng, p);
        }
        let mut sim = Sim::new(seed, shape.family, shape.link.clone(), configs);
        for r in 0..shape.routers {
            sim.start(r);
        }
        sim.run_for(sim.worst_down_interval().mul(2));
        sim.check_settled("before the reloads");
        for round in 0..12 {
            let kind = pick(
                &mut rng,
                &[
                    Change::Nothing,
                    Change::Garp,
                    Change::Garp,
                    Change::Preempt,
                    Change::Priority,
                    Change::Interval,
                ],
            );
            sim.log(format!(
                "{:>10}us round {round}: {kind:?}",
                sim.now.as_micros()
            ));
            let t0 = sim.now;
            let interval_us = sim.max_interval().as_micros();
            if kind == Change::Interval {
                // v2 routers must agree on it: all at one moment.
                let cs = match shape.version {
                    Version::V2 => pick(&mut rng, &[100u16, 200, 300]),
                    Version::V3 => pick(&mut rng, &[10u16, 20, 50, 100]),
                };
                sim.interval_change_until = sim.now + shape.link.max_delay();
                for r in 0..shape.routers {
                    for idx in 0..sim.n_vrids() {
                        let mut p = sim.routers[r].instances[idx].params().clone();
                        p.advert_int_cs = cs;
                        sim.reload(r, idx, p);
                    }
                }
            } else {
                for _ in 0..rng.range(1, 4) {
                    let r = rng.below(shape.routers as u64) as usize;
                    for idx in 0..sim.n_vrids() {
                        let mut p = sim.routers[r].instances[idx].params().clone();
                        match kind {
                            Change::Nothing | Change::Interval => {}
                            Change::Garp => mutate_garp(&mut rng, &mut p),
                            Change::Preempt => {
                                p.preempt = rng.chance(500_000);
                                p.preempt_delay = p.advert_int().mul(rng.range(0, 3));
                            }
                            Change::Priority => {
                                p.priority = pick(&mut rng, &[50, 100, 150, 200, 254]);
                            }
                        }
                        sim.reload(r, idx, p);
                    }
                    sim.run_for(Duration::from_micros(rng.below(2 * interval_us)));
                }
            }
            let settle = sim.worst_down_interval().mul(2) + sim.max_interval().mul(2);
            sim.run_for(settle);
            sim.check_settled(&format!("after reload round {round} ({kind:?})"));
            let flips = sim.transitions_since(t0);
            let must_hold = matches!(
                kind,
                Change::Nothing | Change::Garp | Change::Preempt | Change::Interval
            );
            if must_hold && flips != 0 {
                sim.fail(&format!("{flips} transitions after {kind:?} reloads"));
            }
            if kind == Change::Preempt {
                // Back to preemption, so that priority rounds can check
                // that the best router wins.
                let t1 = sim.now;
                for r in 0..shape.routers {
                    for idx in 0..sim.n_vrids() {
                        let mut p = sim.routers[r].instances[idx].params().clone();
                        p.preempt = true;
                        p.preempt_delay = Duration::ZERO;
                        sim.reload(r, idx, p);
                    }
                }
                sim.run_for(settle);
                if sim.transitions_since(t1) != 0 {
                    sim.fail("transitions after restoring preemption");
                }
            }
        }
    }
}

/// The VRRP message `p` would send at `priority`, from `src`, but with Max
/// Adver Int 0: emitted with 1 cs (emit refuses 0), then patched, with the
/// checksum updated as RFC 1624 does (the word drops by one).
fn interval_zero_bytes(p: &Params, priority: u8, src: IpAddr, dst: IpAddr) -> ArrayVec<u8, 128> {
    let mut adv = p.advert(priority);
    adv.max_adver_int_cs = 1;
    let mut buf = [0u8; 128];
    let n = adv
        .emit(&mut buf, src, dst, ChecksumForm::PseudoHeader)
        .expect("emit");
    assert_eq!(&buf[4..6], &[0, 1]);
    buf[5] = 0;
    let c = u16::from_be_bytes([buf[6], buf[7]]);
    let sum = tinyvrrpd::wire::checksum::combine(&[!c, 0xfffe]);
    buf[6..8].copy_from_slice(&tinyvrrpd::wire::checksum::finish(sum).to_be_bytes());
    buf[..n].iter().copied().collect()
}

/// Issue 10 item 5: five spoofed VRRPv3 adverts with Max Adver Int 0 (v3
/// has no authentication), at priority 255 and 1, sent to every router of
/// a settled LAN: all dropped by the wire parser, no transition.
#[test]
fn interval_zero_spoofs_cause_no_flip() {
    for seed in seeds(100, 9_000) {
        let mut rng = Rng::new(seed);
        let mut shape = random_shape(&mut rng, 8, false);
        shape.version = Version::V3;
        if !matches!(shape.advert_int_cs, 10 | 20 | 50 | 100) {
            shape.advert_int_cs = 100;
        }
        let configs = make_configs(&mut rng, &shape);
        let mut sim = Sim::new(seed, shape.family, shape.link.clone(), configs);
        for r in 0..shape.routers {
            sim.start(r);
        }
        sim.run_for(sim.worst_down_interval().mul(2));
        sim.check_settled("before the spoofs");
        let t0 = sim.now;
        let stranger = match shape.family {
            Family::V4 => IpAddr::V4(Ipv4Addr::new(192, 0, 2, 250)),
            Family::V6 => IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0xfa)),
        };
        let gap = sim.max_interval().as_micros() / 4;
        for k in 0..5u64 {
            let priority = if k % 2 == 0 { 255 } else { 1 };
            for idx in 0..sim.n_vrids() {
                let p = sim.routers[0].instances[idx].params().clone();
                let bytes = interval_zero_bytes(&p, priority, stranger, sim.dst());
                for to in 0..shape.routers {
                    let at = t0 + Duration::from_micros(k * gap);
                    sim.schedule(
                        at,
                        Ev::Spoof {
                            to,
                            src: stranger,
                            bytes: bytes.clone(),
                        },
                    );
                }
            }
        }
        sim.run_for(sim.worst_down_interval().mul(2));
        let flips = sim.transitions_since(t0);
        if flips != 0 {
            sim.fail(&format!(
                "{flips} transitions after 5 spoofed interval-0 adverts"
            ));
        }
        sim.check_settled("after the spoofs");
        assert_eq!(
            sim.spoofs_dropped,
            5 * (shape.routers * sim.n_vrids()) as u64,
            "seed {seed}"
        );
    }
}
