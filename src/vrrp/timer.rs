//! Timer tables indexed by an enum, in the manner of quinn-proto: one slot
//! per kind of timer, each empty or holding its deadline, so that "the next
//! wake-up" is one scan and "stop everything" one assignment.
//!
//! The table is generic over the enum ([`TimerKind`]) so that the layer
//! above the instances can keep its own timers (start-up delay, VIP retry)
//! in a table of the same type; an instance uses [`Timer`].

use core::fmt::Debug;
use core::marker::PhantomData;

use crate::time::{Duration, Instant};

/// An enum whose variants name the slots of a [`TimerTable`].
pub trait TimerKind: Copy + Debug + Eq + 'static {
    /// Every variant, in the order [`TimerTable::expired`] reports them;
    /// `ALL[k.index()] == k` for every `k`.
    const ALL: &'static [Self];
    /// The variant's slot, below `ALL.len()`.
    fn index(self) -> usize;
    /// Whether the deadline wakes the owner. A kind that does not is a
    /// moment the owner compares `now` with when something else happens; it
    /// may lie in the past and is left out of `next` and `expired`.
    fn wakes(self) -> bool {
        true
    }
}

/// The timers of one VRRP instance.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// RFC 5798 Adver_Timer: a master's next advert.
    Adver,
    /// RFC 5798 Master_Down_Timer: a backup takes over when it fires.
    MasterDown,
    /// keepalived: the moment a delayed preemption may happen
    /// (`preempt_delay`). Not a wake-up: a backup checks it on the next
    /// lower-priority advert, and it stays set once passed, so that later
    /// adverts do not restart the delay.
    Preempt,
    /// keepalived: the second GARP burst after becoming master
    /// (`garp_master_delay`).
    GarpDelayed,
    /// keepalived: the periodic GARP refresh (`garp_master_refresh`).
    GarpRefresh,
    /// keepalived: the second re-announcement burst after a lower-priority
    /// advert (`garp_lower_prio_delay`).
    GarpLowerPrio,
}

impl Timer {
    /// The number of instance timers: the length of [`Timers`]' array.
    pub const COUNT: usize = <Timer as TimerKind>::ALL.len();
}

impl TimerKind for Timer {
    const ALL: &'static [Timer] = &[
        Timer::Adver,
        Timer::MasterDown,
        Timer::Preempt,
        Timer::GarpDelayed,
        Timer::GarpRefresh,
        Timer::GarpLowerPrio,
    ];
    fn index(self) -> usize {
        self as usize
    }
    fn wakes(self) -> bool {
        self != Timer::Preempt
    }
}

/// The timer table of one instance.
pub type Timers = TimerTable<Timer, { Timer::COUNT }>;

/// The least a timer is armed ahead of `now`. Every deadline an arming
/// helper sets lies strictly after the event that set it: one at `now` would
/// make the shell's timer fire at once, and fire again, for ever (issue 10
/// item 1).
pub const MIN_STEP: Duration = Duration::from_micros(1);

/// One optional deadline per variant of `T`; `N` is `T::ALL.len()` (checked
/// when the table is made).
///
/// Kept as microseconds with [`NEVER`] for a stopped timer rather than as
/// `Option<Instant>` (16 bytes, a tag and a value to compare): half the
/// size, and a deadline comparison is one compare (issue 17: size). The
/// API still speaks `Option<Instant>`.
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct TimerTable<T: TimerKind, const N: usize> {
    deadlines: [u64; N],
    kind: PhantomData<T>,
}

/// A stopped timer. A deadline this far (half a million years of uptime,
/// only reached by saturation) is one that never comes either way.
const NEVER: u64 = u64::MAX;

impl<T: TimerKind, const N: usize> Debug for TimerTable<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let deadlines: [Option<Instant>; N] = core::array::from_fn(|k| self.at(k));
        f.debug_struct("TimerTable")
            .field("deadlines", &deadlines)
            .field("kind", &self.kind)
            .finish()
    }
}

impl<T: TimerKind, const N: usize> Default for TimerTable<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: TimerKind, const N: usize> TimerTable<T, N> {
    /// A table with every timer stopped.
    pub const fn new() -> Self {
        const {
            assert!(N == T::ALL.len(), "TimerTable length differs from its kind");
        }
        TimerTable {
            deadlines: [NEVER; N],
            kind: PhantomData,
        }
    }

    fn at(&self, k: usize) -> Option<Instant> {
        // NEVER is u64::MAX: None.
        Instant::from_micros_or_none(self.deadlines[k])
    }

    pub fn get(&self, t: T) -> Option<Instant> {
        self.at(t.index())
    }

    /// Set a deadline as given; the arming helpers below are the ones that
    /// keep deadlines after `now`.
    pub fn set(&mut self, t: T, at: Instant) {
        self.deadlines[t.index()] = at.as_micros();
    }

    pub fn stop(&mut self, t: T) {
        self.deadlines[t.index()] = NEVER;
    }

    pub fn stop_all(&mut self) {
        self.deadlines = [NEVER; N];
    }

    /// Arm `t` to fire `d` after `now`, and never at `now` itself.
    pub fn arm(&mut self, t: T, now: Instant, d: Duration) {
        self.deadlines[t.index()] = after(now, d);
    }

    /// Arm `t` `d` after `now`, or stop it if `d` is zero (a setting that
    /// turns the timer off).
    pub fn arm_unless_zero(&mut self, t: T, now: Instant, d: Duration) {
        if d.is_zero() {
            self.stop(t);
        } else {
            // At least MIN_STEP (1 us) already: `arm` sets `now + d`.
            self.arm(t, now, d);
        }
    }

    /// Make `t` fire no later than `d` after `now` (and not at `now`):
    /// arm it, unless it is set to fire sooner already.
    pub fn arm_no_later(&mut self, t: T, now: Instant, d: Duration) {
        let at = after(now, d);
        if at < self.deadlines[t.index()] {
            self.deadlines[t.index()] = at;
        }
    }

    /// Set `t` for `at`, or just after `now` if `at` is not after it.
    pub fn set_after(&mut self, t: T, now: Instant, at: Instant) {
        self.set(t, at.max(now + MIN_STEP));
    }

    /// Whether `t` is set and its deadline has come.
    pub fn is_due(&self, t: T, now: Instant) -> bool {
        self.deadlines[t.index()] <= now.as_micros()
    }

    /// The waking timers due at `now`, in the order of `T::ALL`. The
    /// iterator holds a copy of the table: the owner may re-arm or stop
    /// timers while it walks it, and sees only those due when it began.
    pub fn expired(&self, now: Instant) -> Expired<T, N> {
        Expired {
            table: *self,
            now,
            pos: 0,
        }
    }

    /// The earliest deadline of a waking timer.
    pub fn next(&self) -> Option<Instant> {
        self.next_with(None)
    }

    /// The earliest of `other` and the deadlines of the waking timers: a
    /// slot's two tables with one conversion from and to `Option`, and no
    /// index to check (`ALL[k]` is slot `k`'s kind) (size: issue 17).
    pub fn next_with(&self, other: Option<Instant>) -> Option<Instant> {
        let mut first = other.map_or(NEVER, Instant::as_micros);
        for (&t, &d) in T::ALL.iter().zip(&self.deadlines) {
            if t.wakes() {
                first = first.min(d);
            }
        }
        Instant::from_micros_or_none(first)
    }
}

/// The deadline `d` after `now`, and never `now` itself, in microseconds:
/// out of line, one copy for the instances' tables and the slots' (size:
/// issue 17).
#[inline(never)]
fn after(now: Instant, d: Duration) -> u64 {
    (now + d.max(MIN_STEP)).as_micros()
}

/// The iterator of [`TimerTable::expired`].
#[derive(Clone, Debug)]
pub struct Expired<T: TimerKind, const N: usize> {
    table: TimerTable<T, N>,
    now: Instant,
    pos: usize,
}

impl<T: TimerKind, const N: usize> Iterator for Expired<T, N> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        while let Some(&t) = T::ALL.get(self.pos) {
            self.pos += 1;
            if t.wakes() && self.table.is_due(t, self.now) {
                return Some(t);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Instant {
        Instant::from_micros(n)
    }

    #[test]
    fn every_kind_has_its_own_slot() {
        assert_eq!(Timer::ALL.len(), Timer::COUNT);
        for (i, t) in Timer::ALL.iter().enumerate() {
            assert_eq!(t.index(), i, "{t:?}");
        }
    }

    #[test]
    fn set_get_stop() {
        let mut t = Timers::new();
        assert!(Timer::ALL.iter().all(|k| t.get(*k).is_none()));
        t.set(Timer::GarpRefresh, us(7));
        assert_eq!(t.get(Timer::GarpRefresh), Some(us(7)));
        assert_eq!(t.get(Timer::Adver), None);
        t.stop(Timer::GarpRefresh);
        assert_eq!(t, Timers::default());
        t.set(Timer::Adver, us(1));
        t.set(Timer::MasterDown, us(2));
        t.stop_all();
        assert_eq!(t, Timers::new());
    }

    #[test]
    fn arming_never_lands_on_now() {
        let mut t = Timers::new();
        t.arm(Timer::Adver, us(10), Duration::ZERO);
        assert_eq!(t.get(Timer::Adver), Some(us(10) + MIN_STEP));
        t.arm(Timer::Adver, us(10), Duration::from_micros(5));
        assert_eq!(t.get(Timer::Adver), Some(us(15)));
        t.arm_unless_zero(Timer::GarpDelayed, us(10), Duration::from_micros(3));
        assert_eq!(t.get(Timer::GarpDelayed), Some(us(13)));
        t.arm_unless_zero(Timer::GarpDelayed, us(10), Duration::ZERO);
        assert_eq!(t.get(Timer::GarpDelayed), None);
        t.arm_no_later(Timer::GarpDelayed, us(10), Duration::ZERO);
        assert_eq!(t.get(Timer::GarpDelayed), Some(us(10) + MIN_STEP));
    }

    #[test]
    fn arm_no_later_keeps_a_sooner_deadline() {
        let mut t = Timers::new();
        t.arm_no_later(Timer::Adver, us(0), Duration::from_micros(10));
        assert_eq!(t.get(Timer::Adver), Some(us(10)));
        t.arm_no_later(Timer::Adver, us(0), Duration::from_micros(20));
        assert_eq!(t.get(Timer::Adver), Some(us(10)));
        t.arm_no_later(Timer::Adver, us(2), Duration::from_micros(5));
        assert_eq!(t.get(Timer::Adver), Some(us(7)));
    }

    #[test]
    fn next_is_the_earliest_waking_deadline() {
        let mut t = Timers::new();
        assert_eq!(t.next(), None);
        t.set(Timer::GarpLowerPrio, us(30));
        t.set(Timer::Adver, us(20));
        assert_eq!(t.next(), Some(us(20)));
        // A passed preemption moment must not make the shell spin.
        t.set(Timer::Preempt, us(5));
        assert_eq!(t.next(), Some(us(20)));
        t.stop(Timer::Adver);
        assert_eq!(t.next(), Some(us(30)));
    }

    #[test]
    fn expired_lists_due_waking_timers_in_order() {
        let mut t = Timers::new();
        t.set(Timer::GarpRefresh, us(10));
        t.set(Timer::Adver, us(10));
        t.set(Timer::Preempt, us(1));
        t.set(Timer::GarpLowerPrio, us(11));
        let due: Vec<Timer> = t.expired(us(10)).collect();
        assert_eq!(due, [Timer::Adver, Timer::GarpRefresh]);
        assert!(t.is_due(Timer::Preempt, us(10)));
        assert!(!t.is_due(Timer::GarpLowerPrio, us(10)));
        assert_eq!(t.expired(us(9)).count(), 0);
    }

    #[test]
    fn expired_walks_a_snapshot() {
        let mut t = Timers::new();
        t.set(Timer::Adver, us(5));
        t.set(Timer::GarpDelayed, us(5));
        let mut seen = Vec::new();
        for k in t.expired(us(5)) {
            seen.push(k);
            t.stop(Timer::GarpDelayed);
            t.set(Timer::MasterDown, us(1));
        }
        assert_eq!(seen, [Timer::Adver, Timer::GarpDelayed]);
    }

    /// A second kind, as the router layer would define for its own timers.
    #[derive(Copy, Clone, Debug, PartialEq, Eq)]
    enum Other {
        Start,
        Retry,
    }

    impl TimerKind for Other {
        const ALL: &'static [Other] = &[Other::Start, Other::Retry];
        fn index(self) -> usize {
            self as usize
        }
    }

    #[test]
    fn another_kind_gets_its_own_table() {
        let mut t = TimerTable::<Other, 2>::new();
        t.arm(Other::Retry, us(100), Duration::from_micros(50));
        t.set(Other::Start, us(120));
        assert_eq!(t.next(), Some(us(120)));
        let due: Vec<Other> = t.expired(us(150)).collect();
        assert_eq!(due, [Other::Start, Other::Retry]);
    }
}
