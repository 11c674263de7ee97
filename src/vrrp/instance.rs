//! The per-instance state machine of RFC 5798 §6.4 (RFC 3768 §6.4 for v2),
//! with keepalived's differences where its users rely on them (each marked
//! "keepalived:").
//!
//! ```text
//!            Startup                     Master_Down_Timer fires
//!   Init ------------> Backup ------------------------------------> Master
//!     |  (priority 255)   ^  <----------------------------------------  |
//!     +-------------------|--------> Master    higher-priority advert   |
//!                         |                                             |
//!          LinkUp         |          LinkDown (from Backup or Master)   |
//!   Fault ----------------+  <------------------------------------------+
//! ```

use core::net::IpAddr;

use arrayvec::ArrayVec;

use super::params::Params;
use super::timer::{Timer, Timers};
use crate::limits::MAX_ACTIONS;
use crate::time::{Duration, Instant};
use crate::wire::vrrp::{Advert, AuthType, RxError, Version};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Init,
    Backup,
    Master,
    Fault,
}

impl State {
    /// The word keepalived logs and dumps.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
        }
    }
}

/// What happened to the instance.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// The daemon starts the instance.
    Startup,
    /// The daemon stops the instance (SIGTERM, or removed by a reload).
    Shutdown,
    /// An advert for our VRID arrived on our interface and family and passed
    /// the wire checks; `src` is the IP source address.
    Advert {
        advert: &'a Advert,
        src: IpAddr,
    },
    /// The instance's timer fired (perhaps early, perhaps spuriously).
    Timeout,
    /// The interface went down / came back up.
    LinkDown,
    LinkUp,
    /// The effective priority changed (tracking weights), 1..=254.
    Priority(u8),
    /// Start straight into FAULT (a tracked object is down at start);
    /// `quiet`: only scripts that have not reported yet hold it there, and
    /// keepalived sends no notification for that.
    StartFault {
        quiet: bool,
    },
    /// A vrrp_sync_group takes the instance to MASTER with another member
    /// (from BACKUP only).
    SyncMaster,
    /// A vrrp_sync_group takes the instance from MASTER to BACKUP with
    /// another member (no priority-0 advert, as keepalived).
    SyncBackup,
}

/// Why a transition happened, for the log line.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Why {
    Startup,
    /// Priority 255: we own the addresses (RFC 5798 §6.4.1).
    Owner,
    /// Master_Down_Timer fired.
    MasterDown,
    /// A master heard a better advert: its priority and ours.
    HigherPriority {
        theirs: u8,
        ours: u8,
    },
    Shutdown,
    LinkDown,
    LinkUp,
    /// Started in FAULT; `quiet` as in [`Event::StartFault`].
    StartFault {
        quiet: bool,
    },
    /// Moved by its vrrp_sync_group.
    Sync,
}

/// What the shell must do, in order.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Transition {
        from: State,
        to: State,
        why: Why,
    },
    /// Send an advert with this priority (0 on release).
    SendAdvert {
        priority: u8,
    },
    /// Install the instance's VIPs (and excluded VIPs).
    AddVips,
    /// Remove them.
    DelVips,
    /// Send `count` gratuitous ARPs (or unsolicited NAs) per VIP.
    SendGarp {
        count: u32,
    },
    /// An advert failed an instance-level check (already counted).
    Rejected(RxError),
    /// keepalived: a master heard a lower-priority advert (or an equal one
    /// from a lower address) and re-asserts itself, for the log line;
    /// `answered`: our advert follows (not with `lower_prio_no_advert`).
    LowerPriority {
        from: IpAddr,
        theirs: u8,
        ours: u8,
        answered: bool,
    },
    /// In a vrrp_sync_group, the Master_Down_Timer fired: the instance
    /// wants MASTER and waits for the group (keepalived's wantstate); the
    /// router answers with `SyncMaster` when every member wants it.
    WantMaster,
    /// The effective priority changed, for the log line.
    PriorityChanged {
        from: u8,
        to: u8,
    },
}

pub type Actions = ArrayVec<Action, MAX_ACTIONS>;

/// Per-instance counters (RFC 6527 names where there is one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub advert_rcvd: u64,
    pub advert_sent: u64,
    pub become_master: u64,
    pub release_master: u64,
    pub pri_zero_rcvd: u64,
    pub pri_zero_sent: u64,
    /// Instance-level rejections, indexed by `RxError::index`.
    pub rejected: [u64; RxError::ALL.len()],
}

/// One VRRP instance: configuration, state, timers and counters.
#[derive(Clone, Debug)]
pub struct Instance {
    params: Params,
    state: State,
    effective_priority: u8,
    /// RFC 5798 Master_Adver_Interval: the master's interval, learnt from
    /// its adverts (v3); our own for v2. Always a whole number of cs
    /// (at most 65,535): below 2^30 us. Kept a Duration: the size of a
    /// Slot decides the code of every `slots[i]` (1832 bytes on mipsel is
    /// one multiply; 1824 became shifts and adds, some 600 bytes more).
    master_adver_int: Duration,
    /// Source of the last accepted advert while backup.
    master_addr: Option<IpAddr>,
    /// Every deadline of the instance; none is armed at or before the
    /// moment that armed it.
    timers: Timers,
    /// When a master last answered an advert at once (a lower priority or
    /// priority 0): the rate limit of those answers.
    last_answer: Option<Instant>,
    last_transition: Option<Instant>,
    stats: Stats,
    /// In a vrrp_sync_group of more than one instance: MASTER only with
    /// the group.
    sync: bool,
    /// keepalived's wantstate MASTER: the down timer fired while the group
    /// held the instance in BACKUP.
    wants_master: bool,
}

/// An interval in centiseconds (at most 65,535) as a Duration: the
/// product fits 32 bits, one multiply on a 32-bit MIPS.
pub fn cs_to_duration(cs: u16) -> Duration {
    Duration::from_micros(u64::from(u32::from(cs) * 10_000))
}

/// `a > b` as `IpAddr` orders them (IPv4 below IPv6, else numerically),
/// written out: std's comparison of IPv6 addresses by segments is about
/// 400 bytes of code on mipsel, this is a few words compared.
fn above(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(x), IpAddr::V4(y)) => x.to_bits() > y.to_bits(),
        (IpAddr::V6(x), IpAddr::V6(y)) => x.to_bits() > y.to_bits(),
        (IpAddr::V6(_), IpAddr::V4(_)) => true,
        (IpAddr::V4(_), IpAddr::V6(_)) => false,
    }
}

/// Push an action; the capacity is sized for the longest sequence one event
/// produces, so a failure here is a bug caught by the tests. Not inlined:
/// the copy into the ArrayVec at each of its sites cost more than a call.
#[inline(never)]
fn push(out: &mut Actions, a: Action) {
    let pushed = out.try_push(a);
    debug_assert!(pushed.is_ok(), "Actions capacity too small");
}

impl Instance {
    pub fn new(params: Params) -> Instance {
        let master_adver_int = params.advert_int();
        Instance {
            effective_priority: params.priority,
            params,
            state: State::Init,
            master_adver_int,
            master_addr: None,
            timers: Timers::new(),
            last_answer: None,
            last_transition: None,
            stats: Stats::default(),
            sync: false,
            wants_master: false,
        }
    }

    pub fn params(&self) -> &Params {
        &self.params
    }
    pub fn state(&self) -> State {
        self.state
    }
    pub fn effective_priority(&self) -> u8 {
        self.effective_priority
    }
    pub fn master_adver_int(&self) -> Duration {
        self.master_adver_int
    }
    pub fn master_addr(&self) -> Option<IpAddr> {
        self.master_addr
    }
    pub fn last_transition(&self) -> Option<Instant> {
        self.last_transition
    }
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }
    /// The interface's address changed: adverts go from `ip` now, and our
    /// own looped-back adverts are recognised by it.
    pub fn set_primary(&mut self, ip: IpAddr) {
        self.params.primary = ip;
    }

    /// Whether a vrrp_sync_group decides when the instance is MASTER.
    pub fn set_sync(&mut self, sync: bool) {
        self.sync = sync;
        if !sync {
            self.wants_master = false;
        }
    }
    /// keepalived's wantstate MASTER (a master wants it too).
    pub fn wants_master(&self) -> bool {
        self.wants_master || self.state == State::Master
    }
    /// One of the instance's deadlines, for tests and dumps.
    pub fn timer(&self, t: Timer) -> Option<Instant> {
        self.timers.get(t)
    }

    /// RFC 5798 §6.1 Skew_Time: (256 - Priority) * Master_Adver_Interval / 256.
    /// v2 (RFC 3768) uses our own interval, which equals the master's there.
    pub fn skew_time(&self) -> Duration {
        Duration::from_micros(u64::from(self.skew_us()))
    }

    /// Master_Adver_Interval in microseconds: at most 65,535 cs, so
    /// below 2^30 and 3 x it plus Skew_Time fits a u32.
    fn interval_us(&self) -> u32 {
        match self.params.version {
            Version::V2 => u32::from(self.params.advert_int_cs) * 10_000,
            // Made from centiseconds only: the cast loses nothing.
            Version::V3 => self.master_adver_int.as_micros() as u32,
        }
    }

    /// Skew_Time in microseconds, rounded down as (interval x factor) /
    /// 256 is, in 32 bits: interval = 256q + r gives q x factor + (r x
    /// factor) / 256.
    fn skew_us(&self) -> u32 {
        let us = self.interval_us();
        let factor = 256 - u32::from(self.effective_priority);
        (us >> 8) * factor + (((us & 255) * factor) >> 8)
    }

    /// RFC 5798 §6.1 Master_Down_Interval: 3 * Master_Adver_Interval + Skew_Time.
    pub fn master_down_interval(&self) -> Duration {
        Duration::from_micros(u64::from(3 * self.interval_us() + self.skew_us()))
    }

    /// The earliest moment the instance wants a `Timeout`.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Replace the configuration at `now` (a reload that kept the
    /// instance's interface, VRID and family), keeping state and counters.
    /// Every timer is derived again from the new parameters: one the new
    /// configuration turns off is cleared, one whose period changed is
    /// re-armed from `now`, and none is armed at or before `now` (issue 10
    /// item 1: a refresh timer kept across a reload that zeroed its period
    /// re-armed itself at `now + 0`, for ever).
    pub fn reconfigure(&mut self, params: Params, now: Instant) {
        let old_down_interval = self.master_down_interval();
        let priority_was_base = self.effective_priority == self.params.priority;
        if self.params.version == Version::V2 || self.state != State::Backup {
            self.master_adver_int = params.advert_int();
        }
        if priority_was_base {
            self.effective_priority = params.priority;
        }
        let old = core::mem::replace(&mut self.params, params);
        let p = &self.params;
        match self.state {
            State::Master => {
                // RFC 5798 §6.4.3 Adver_Timer: a new interval applies from
                // the next advert, which comes no later than the old
                // schedule said, so that backups still counting on the old
                // interval do not time out.
                if p.advert_int_cs != old.advert_int_cs {
                    self.timers.arm_no_later(Timer::Adver, now, p.advert_int());
                }
                // keepalived: the second burst of the last transition and
                // the delayed re-announcement are one-shots of a moment
                // that has passed: kept unless the new setting is "none".
                if p.garp_master_delay.is_zero() {
                    self.timers.stop(Timer::GarpDelayed);
                }
                if p.garp_lower_prio_delay.is_zero() || p.garp_lower_prio_repeat == 0 {
                    self.timers.stop(Timer::GarpLowerPrio);
                }
                // keepalived: garp_master_refresh; zero turns it off, and a
                // new period counts from the reload.
                if p.garp_master_refresh != old.garp_master_refresh {
                    let period = p.garp_master_refresh;
                    self.timers.arm_unless_zero(Timer::GarpRefresh, now, period);
                }
            }
            State::Backup => {
                // keepalived: preempt_delay counts from the first
                // lower-priority advert; a changed delay starts again.
                if !p.preempt || p.preempt_delay != old.preempt_delay {
                    self.timers.stop(Timer::Preempt);
                }
                // RFC 5798 §6.4.2: a new priority (skew) or, for v2, a new
                // interval changes Master_Down_Interval: wait it out in
                // full from now rather than cut a wait short.
                let down_interval = self.master_down_interval();
                if down_interval != old_down_interval {
                    self.timers.arm(Timer::MasterDown, now, down_interval);
                }
            }
            State::Init | State::Fault => {}
        }
    }

    pub fn on_event(&mut self, ev: Event<'_>, now: Instant, out: &mut Actions) {
        match ev {
            Event::Startup => self.startup(now, out),
            Event::Shutdown => self.shutdown(now, out),
            Event::Advert { advert, src } => self.receive(advert, src, now, out),
            Event::Timeout => self.timeout(now, out),
            Event::LinkDown => self.link_down(now, out),
            Event::LinkUp => self.link_up(now, out),
            Event::Priority(p) => self.set_priority(p, now, out),
            Event::StartFault { quiet } => self.start_fault(quiet, now, out),
            Event::SyncMaster => {
                if self.state == State::Backup {
                    self.become_master(Why::Sync, now, out);
                }
            }
            Event::SyncBackup => {
                if self.state == State::Master {
                    self.step_down(Why::Sync, now, out);
                }
            }
        }
    }

    /// keepalived's vrrp_set_effective_priority: an owner's priority never
    /// changes; a backup's Master_Down_Timer moves by the change of its
    /// Skew_Time. Not keepalived: a master advertises the new priority at
    /// once (keepalived waits for its next advert), so a backup that now
    /// outranks it preempts one interval sooner.
    fn set_priority(&mut self, p: u8, now: Instant, out: &mut Actions) {
        let p = p.clamp(1, 254);
        if self.params.priority == 255 || p == self.effective_priority {
            return;
        }
        let from = self.effective_priority;
        let old_down = self.master_down_interval();
        self.effective_priority = p;
        push(out, Action::PriorityChanged { from, to: p });
        match self.state {
            State::Backup => {
                let new_down = self.master_down_interval();
                if let Some(t) = self.timers.get(Timer::MasterDown) {
                    let at = if new_down >= old_down {
                        t + (new_down - old_down)
                    } else {
                        t - (old_down - new_down)
                    };
                    self.timers.set_after(Timer::MasterDown, now, at);
                }
            }
            State::Master => self.advertise(p, now, out),
            State::Init | State::Fault => {}
        }
    }

    /// Init -> FAULT: a tracked object (or the interface) is down at start.
    fn start_fault(&mut self, quiet: bool, now: Instant, out: &mut Actions) {
        if self.state != State::Init {
            return;
        }
        push(out, Action::DelVips);
        self.transition(State::Fault, Why::StartFault { quiet }, now, out);
        self.timers.stop_all();
    }

    fn transition(&mut self, to: State, why: Why, now: Instant, out: &mut Actions) {
        let from = self.state;
        if to != State::Backup {
            self.wants_master = false;
        }
        self.state = to;
        self.last_transition = Some(now);
        push(out, Action::Transition { from, to, why });
    }

    // RFC 5798 §6.4.1: Initialize.
    fn startup(&mut self, now: Instant, out: &mut Actions) {
        if self.state != State::Init {
            return;
        }
        // keepalived: configured VIPs are removed first; they may be left
        // over from a crash.
        push(out, Action::DelVips);
        if self.params.priority == 255 {
            self.become_master(Why::Owner, now, out);
        } else {
            self.enter_backup(Why::Startup, now, out);
        }
    }

    fn enter_backup(&mut self, why: Why, now: Instant, out: &mut Actions) {
        self.transition(State::Backup, why, now, out);
        self.timers.stop_all();
        let down_interval = self.master_down_interval();
        self.timers.arm(Timer::MasterDown, now, down_interval);
    }

    // RFC 5798 §6.4.2 "If the Master_Down_Timer fires" and §6.4.1 for the
    // owner: send an advert, announce the addresses, start the adver timer.
    fn become_master(&mut self, why: Why, now: Instant, out: &mut Actions) {
        self.transition(State::Master, why, now, out);
        self.stats.become_master += 1;
        self.timers.stop(Timer::MasterDown);
        self.timers.stop(Timer::Preempt);
        self.master_addr = None;
        self.advertise(self.effective_priority, now, out);
        push(out, Action::AddVips);
        push(
            out,
            Action::SendGarp {
                count: self.params.garp_master_repeat,
            },
        );
        let p = &self.params;
        // keepalived: a second burst garp_master_delay later, and periodic
        // refreshes with garp_master_refresh.
        self.timers
            .arm_unless_zero(Timer::GarpDelayed, now, p.garp_master_delay);
        self.timers
            .arm_unless_zero(Timer::GarpRefresh, now, p.garp_master_refresh);
        self.timers.stop(Timer::GarpLowerPrio);
    }

    /// Send an advert at `priority` and start the Adver_Timer afresh. One
    /// copy for its four callers (issue 17: size).
    #[inline(never)]
    fn advertise(&mut self, priority: u8, now: Instant, out: &mut Actions) {
        self.send_advert(priority, out);
        self.timers.arm(Timer::Adver, now, self.params.advert_int());
    }

    fn send_advert(&mut self, priority: u8, out: &mut Actions) {
        self.stats.advert_sent += 1;
        if priority == 0 {
            self.stats.pri_zero_sent += 1;
        }
        push(out, Action::SendAdvert { priority });
    }

    // A master giving up: priority 0 so that a backup takes over after
    // Skew_Time instead of Master_Down_Interval (RFC 5798 §6.4.3 Shutdown;
    // keepalived also does it on entering FAULT).
    fn release(&mut self, out: &mut Actions) {
        self.send_advert(0, out);
        push(out, Action::DelVips);
        self.stats.release_master += 1;
    }

    /// A master goes back to BACKUP (its group's, or a better master) and
    /// removes its VIPs. One copy for both (issue 17: size).
    #[inline(never)]
    fn step_down(&mut self, why: Why, now: Instant, out: &mut Actions) {
        self.stats.release_master += 1;
        self.enter_backup(why, now, out);
        push(out, Action::DelVips);
    }

    // RFC 5798 §6.4.2 / §6.4.3 "If a Shutdown event is received".
    fn shutdown(&mut self, now: Instant, out: &mut Actions) {
        if self.state == State::Init {
            self.timers.stop_all();
            return;
        }
        self.leave(State::Init, Why::Shutdown, now, out);
    }

    fn link_down(&mut self, now: Instant, out: &mut Actions) {
        if matches!(self.state, State::Init | State::Fault) {
            return;
        }
        self.leave(State::Fault, Why::LinkDown, now, out);
    }

    /// The instance stops taking part (shutdown, or a link down): to `to`,
    /// a master releasing, every timer stopped. One copy for both (issue
    /// 17: size).
    #[inline(never)]
    fn leave(&mut self, to: State, why: Why, now: Instant, out: &mut Actions) {
        let was_master = self.state == State::Master;
        self.transition(to, why, now, out);
        if was_master {
            self.release(out);
        }
        self.timers.stop_all();
    }

    // keepalived: leaving FAULT goes to BACKUP with a full down timer on our
    // own interval, whatever the old master advertised.
    fn link_up(&mut self, now: Instant, out: &mut Actions) {
        if self.state != State::Fault {
            return;
        }
        self.master_adver_int = self.params.advert_int();
        self.enter_backup(Why::LinkUp, now, out);
    }

    // Only the timers due at `now` act, so an early or spurious wake-up
    // does nothing. Each acts in the state the instance was woken in.
    fn timeout(&mut self, now: Instant, out: &mut Actions) {
        let state = self.state;
        for t in self.timers.expired(now) {
            self.fire(state, t, now, out);
        }
    }

    fn fire(&mut self, state: State, t: Timer, now: Instant, out: &mut Actions) {
        let p = &self.params;
        match (state, t) {
            // RFC 5798 §6.4.2: Master_Down_Timer fires.
            (State::Backup, Timer::MasterDown) if self.sync => {
                // keepalived's vrrp_sync_can_goto_master: wait for the
                // group, timing out again meanwhile.
                self.wants_master = true;
                let down_interval = self.master_down_interval();
                self.timers.arm(Timer::MasterDown, now, down_interval);
                push(out, Action::WantMaster);
            }
            (State::Backup, Timer::MasterDown) => self.become_master(Why::MasterDown, now, out),
            // RFC 5798 §6.4.3: Adver_Timer fires.
            (State::Master, Timer::Adver) => self.adver_fires(now, out),
            // keepalived: the second burst after becoming master (once),
            // garp_master_refresh (again each period), and
            // vrrp_lower_prio_gratuitous_arp_thread (once). One arm for the
            // three: a zero period stops the timer (issue 17: size).
            (State::Master, Timer::GarpDelayed | Timer::GarpRefresh | Timer::GarpLowerPrio) => {
                let (period, count) = match t {
                    Timer::GarpDelayed => (Duration::ZERO, p.garp_master_repeat),
                    Timer::GarpRefresh => (p.garp_master_refresh, p.garp_master_refresh_repeat),
                    _ => (Duration::ZERO, p.garp_lower_prio_repeat),
                };
                self.timers.arm_unless_zero(t, now, period);
                push(out, Action::SendGarp { count });
            }
            // No other timer runs in these states; Preempt never wakes.
            _ => {}
        }
    }

    fn adver_fires(&mut self, now: Instant, out: &mut Actions) {
        let Some(t) = self.timers.get(Timer::Adver) else {
            return;
        };
        self.send_advert(self.effective_priority, out);
        // Keep the schedule rather than counting from the wake-up, so
        // adverts do not drift late by the loop's latency each interval;
        // after a long stall (a whole interval missed) start again from now.
        let interval = self.params.advert_int();
        let next = t + interval;
        if next > now {
            self.timers.set(Timer::Adver, next);
        } else {
            self.timers.arm(Timer::Adver, now, interval);
        }
    }

    /// The instance-level receive checks (RFC 3768 §7.1, RFC 5798 §7.1,
    /// keepalived's vrrp_check_packet): version, v2 authentication and
    /// interval, and the address list.
    pub fn check(&self, adv: &Advert) -> Result<(), RxError> {
        let p = &self.params;
        if adv.version != p.version {
            return Err(RxError::BadVersion);
        }
        // Issue 10 item 5: an interval of 0 would make Master_Down_Interval
        // 0 (the wire parser drops these already; this guards adverts that
        // were built otherwise).
        if adv.max_adver_int_cs == 0 {
            return Err(RxError::IntervalTooShort);
        }
        if p.version == Version::V2 {
            if adv.auth_type != p.auth_type {
                return Err(RxError::AuthTypeMismatch);
            }
            if p.auth_type == AuthType::Pass && adv.auth_data != p.auth_data {
                return Err(RxError::AuthFailure);
            }
            if u32::from(adv.max_adver_int_cs) != u32::from(p.advert_int_cs) {
                return Err(RxError::IntervalMismatch);
            }
        }
        if !p.skip_check_adv_addr {
            if adv.addrs.len() != p.vips.len() {
                return Err(RxError::AddrCountMismatch);
            }
            if adv.addrs.iter().any(|a| !p.vips.contains(a)) {
                return Err(RxError::AddrListMismatch);
            }
        }
        Ok(())
    }

    fn receive(&mut self, adv: &Advert, src: IpAddr, now: Instant, out: &mut Actions) {
        // Our own adverts looped back carry no news.
        if src == self.params.primary {
            return;
        }
        if let Err(e) = self.check(adv) {
            self.stats.rejected[e.index()] += 1;
            push(out, Action::Rejected(e));
            return;
        }
        self.stats.advert_rcvd += 1;
        if adv.priority == 0 {
            self.stats.pri_zero_rcvd += 1;
        }
        match self.state {
            State::Backup => self.backup_receive(adv, src, now),
            State::Master => self.master_receive(adv, src, now, out),
            State::Init | State::Fault => {}
        }
    }

    // RFC 5798 §6.4.2: Backup receives an ADVERTISEMENT.
    fn backup_receive(&mut self, adv: &Advert, src: IpAddr, now: Instant) {
        if adv.priority == 0 {
            // The master is leaving: take over after Skew_Time only.
            let skew = self.skew_time();
            self.timers.arm(Timer::MasterDown, now, skew);
            return;
        }
        let ours = self.effective_priority;
        if adv.priority >= ours {
            // keepalived: a better master cancels a pending delayed preemption.
            self.timers.stop(Timer::Preempt);
        } else if self.params.preempt && !self.params.preempt_delay.is_zero() {
            // keepalived: the first lower-priority advert starts the
            // preempt_delay clock; until it runs out we follow that master.
            if self.timers.get(Timer::Preempt).is_none() {
                let delay = self.params.preempt_delay;
                self.timers.arm(Timer::Preempt, now, delay);
            }
        }
        let follow = !self.params.preempt
            || adv.priority >= ours
            || self.timers.get(Timer::Preempt).is_some_and(|t| t > now);
        if follow {
            self.follow(adv, src);
            // keepalived: a backup held by its sync group that hears a
            // master wants BACKUP again.
            self.wants_master = false;
            let down_interval = self.master_down_interval();
            self.timers.arm(Timer::MasterDown, now, down_interval);
        }
        // Otherwise (preempting a lower-priority master) the advert is
        // discarded and our Master_Down_Timer fires.
    }

    /// `src`, whose advert `adv` we follow, is the master: v3 takes its
    /// interval. One copy for a backup and a master (issue 17: size).
    #[inline(never)]
    fn follow(&mut self, adv: &Advert, src: IpAddr) {
        if self.params.version == Version::V3 {
            self.master_adver_int = cs_to_duration(adv.max_adver_int_cs);
        }
        self.master_addr = Some(src);
    }

    // RFC 5798 §6.4.3: Master receives an ADVERTISEMENT.
    fn master_receive(&mut self, adv: &Advert, src: IpAddr, now: Instant, out: &mut Actions) {
        let ours = self.effective_priority;
        if adv.priority == 0 {
            // RFC 5798 §6.4.3 does not say; keepalived: another master is
            // leaving, assert ourselves at once (rate limited like every
            // answer).
            if self.may_answer(now) {
                self.advertise(ours, now, out);
            }
            return;
        }
        let they_win =
            adv.priority > ours || (adv.priority == ours && above(src, self.params.primary));
        if they_win {
            self.follow(adv, src);
            let why = Why::HigherPriority {
                theirs: adv.priority,
                ours,
            };
            self.step_down(why, now, out);
        } else {
            self.lower_priority(adv.priority, src, now, out);
        }
    }

    // RFC 5798 §6.4.3 discards a lower-priority advert. keepalived
    // (vrrp_state_master_rx) answers it with an advert at once, so the other
    // router backs off without waiting for our Adver_Timer (unless
    // `lower_prio_no_advert`), and re-announces the VIPs with
    // `garp_lower_prio_repeat` GARPs, now and again `garp_lower_prio_delay`
    // later: the other router was master for a moment and its GARPs took
    // the VIPs' ARP entries. Not keepalived: at most once per own advert
    // interval, so a flood of lower-priority adverts cannot become a flood
    // of adverts and GARPs (issue 10 item 8).
    fn lower_priority(&mut self, theirs: u8, src: IpAddr, now: Instant, out: &mut Actions) {
        if !self.may_answer(now) {
            return;
        }
        let ours = self.effective_priority;
        let answered = !self.params.lower_prio_no_advert;
        push(
            out,
            Action::LowerPriority {
                from: src,
                theirs,
                ours,
                answered,
            },
        );
        if answered {
            self.advertise(ours, now, out);
        }
        let repeat = self.params.garp_lower_prio_repeat;
        if repeat > 0 {
            push(out, Action::SendGarp { count: repeat });
            // One delayed burst, after the last re-announcement (keepalived
            // starts one timer per lower-priority advert).
            let delay = self.params.garp_lower_prio_delay;
            self.timers
                .arm_unless_zero(Timer::GarpLowerPrio, now, delay);
        }
    }

    /// The rate limit of a master's immediate answers: one per own advert
    /// interval; true (and counted as the last) when one may go now.
    fn may_answer(&mut self, now: Instant) -> bool {
        let interval = self.params.advert_int();
        let may = self.last_answer.is_none_or(|t| now >= t + interval);
        if may {
            self.last_answer = Some(now);
        }
        may
    }
}

#[cfg(test)]
mod tests {
    use super::above;
    use core::net::IpAddr;

    /// The 32-bit Skew_Time is (interval x factor) / 256 rounded down, as
    /// the 64-bit product gives it, over every interval and priority.
    #[test]
    fn skew_in_32_bits_is_the_64_bit_one() {
        for cs in (0..=u16::MAX).step_by(7).chain([u16::MAX]) {
            let us = u32::from(cs) * 10_000;
            for p in 0..=255u32 {
                let f = 256 - p;
                let wide = u64::from(us) * u64::from(f) / 256;
                let narrow = (us >> 8) * f + (((us & 255) * f) >> 8);
                assert_eq!(u64::from(narrow), wide, "{cs} cs, priority {p}");
                assert!(u64::from(us) * 3 + wide <= u64::from(u32::MAX));
            }
        }
    }

    /// The tie-break's order is std's IpAddr order (IPv4 below IPv6, then
    /// by value), on addresses whose bytes differ early, late and in sign.
    #[test]
    fn above_orders_addresses_as_std_does() {
        let addrs: Vec<IpAddr> = [
            "0.0.0.0",
            "192.0.2.1",
            "192.0.2.2",
            "192.0.3.1",
            "10.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "2001:db8::1",
            "2001:db8::2",
            "2001:db8:1::1",
            "fe80::1",
            "ff02::12",
            "8000::",
            "7fff:ffff::",
            "::ffff:192.0.2.1",
        ]
        .iter()
        .map(|a| a.parse().expect("address"))
        .collect();
        for a in &addrs {
            for b in &addrs {
                assert_eq!(above(*a, *b), a > b, "{a} vs {b}");
            }
        }
    }
}
