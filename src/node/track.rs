//! Tracking (issue 13): the tracked objects of the configuration
//! (vrrp_scripts, track files, tracked processes; interfaces come from the
//! interface table), their current readings, and what they do to an
//! instance: hold it in FAULT, or add a weight to its priority. keepalived
//! keeps running totals it adjusts on each change; here the verdict is
//! computed again from the readings, which gives the same result without
//! a total that can drift.

use crate::config::{Config, Track, TrackFile, TrackProcess, VrrpScript};
use crate::time::{Duration, Instant};
use crate::vrrp::MIN_STEP;

use super::earliest;
use super::out::note;
use super::out::{CheckResult, FaultWhy, Note, Out, Outbox, ScriptEnd};
use super::scripts::KILL_GRACE;
use super::slot::Shared;
use crate::limits::MAX_CHILDREN;

/// How often tracked processes are counted (a scan of /proc).
pub const SCAN_PERIOD: Duration = Duration::from_secs(1);

/// A vrrp_script's first result: keepalived's init_state.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Init {
    /// No result yet: one success makes it good, one failure bad.
    Waiting,
    /// `init_fail`: failed until `rise` successes.
    Failed,
    /// It has reported.
    Done,
}

/// A check script's run in progress.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub id: u32,
    /// When the next step of ending it is due (SIGTERM, SIGKILL, give up).
    pub deadline: Instant,
    /// 0: running; 1: SIGTERM sent; 2: SIGKILL sent.
    pub stage: u8,
}

/// One vrrp_script and its state.
#[derive(Clone, Debug)]
pub struct Check {
    pub cfg: VrrpScript,
    /// keepalived's result counter, 0..=rise+fall-1: good from `rise` up.
    pub result: u32,
    pub init: Init,
    pub last_status: Option<i32>,
    pub run: Option<Run>,
    /// The next run (None: no instance uses the script).
    pub next: Option<Instant>,
}

impl Check {
    fn new(cfg: VrrpScript) -> Check {
        let (init, result) = if cfg.init_fail {
            (Init::Failed, 0)
        } else {
            (Init::Waiting, cfg.rise.saturating_sub(1))
        };
        Check {
            cfg,
            result,
            init,
            last_status: None,
            run: None,
            next: None,
        }
    }

    /// None until the first result (unless `init_fail`), then good or not.
    pub fn up(&self) -> Option<bool> {
        match self.init {
            Init::Waiting => None,
            Init::Failed | Init::Done => Some(self.result >= self.cfg.rise),
        }
    }

    fn timeout(&self) -> Duration {
        let s = self.cfg.timeout_s.unwrap_or(self.cfg.interval_s);
        Duration::from_secs(u64::from(s))
    }

    fn interval(&self) -> Duration {
        Duration::from_secs(u64::from(self.cfg.interval_s))
    }

    /// keepalived's rise/fall counter after one run; true when the status
    /// changed (and was logged).
    fn count(&mut self, ok: bool, result: CheckResult, out: &mut dyn Outbox) -> bool {
        let (rise, fall) = (self.cfg.rise, self.cfg.fall);
        let top = rise + fall - 1;
        let was_waiting = self.init == Init::Waiting;
        self.init = Init::Done;
        let script = self.cfg.name.as_str();
        if ok {
            if self.result + 1 < rise {
                self.result += 1;
                return false;
            }
            let changed = self.result < rise || was_waiting;
            self.result = top;
            if changed {
                note(out, Note::CheckResult { script, result });
            }
            return changed;
        }
        if self.result > rise {
            self.result -= 1;
            return false;
        }
        let changed = self.result == rise || was_waiting;
        self.result = 0;
        if changed {
            note(out, Note::CheckResult { script, result });
        }
        changed
    }
}

/// One vrrp_track_file and its value.
#[derive(Clone, Debug)]
pub struct FileTrack {
    pub cfg: TrackFile,
    /// The number in the file (0 until read, or when unreadable).
    pub value: i64,
}

/// One vrrp_track_process and how many processes match it.
#[derive(Clone, Debug)]
pub struct ProcTrack {
    pub cfg: TrackProcess,
    pub count: u32,
    /// quorum <= count <= quorum_max, as last decided (None: no scan yet).
    pub quorum: Option<bool>,
    /// The count disagrees with `quorum` since then (fork/terminate delay).
    pub since: Option<Instant>,
}

impl ProcTrack {
    fn counted(&mut self, count: u32, now: Instant, out: &mut dyn Outbox) -> bool {
        self.count = count;
        let have = count >= self.cfg.quorum && count <= self.cfg.quorum_max;
        let Some(before) = self.quorum else {
            // The first scan decides at once, silently (keepalived's
            // initialise_process_tracking_priorities).
            self.quorum = Some(have);
            return true;
        };
        if have == before {
            self.since = None;
            return false;
        }
        let since = *self.since.get_or_insert(now);
        let delay_ms = if have {
            self.cfg.fork_delay_ms
        } else {
            self.cfg.terminate_delay_ms
        };
        if now.saturating_since(since) < Duration::from_ms(delay_ms) {
            return false;
        }
        self.quorum = Some(have);
        self.since = None;
        let process = self.cfg.name.as_str();
        note(
            out,
            Note::Quorum {
                process,
                gained: have,
            },
        );
        true
    }
}

/// What one tracked object does to an instance now.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    Weight(i32),
    /// Holds the instance in FAULT.
    Fault,
    /// Holds it in FAULT only until the script's first result.
    Waiting,
}

/// An up/down object with weight `w` and `reverse` (keepalived's
/// weight_multiplier -1): weight 0 faults while down (up, reversed); a
/// positive weight adds while up, a negative one while down; reverse
/// negates what is added.
pub fn effect(up: Option<bool>, w: i16, reverse: bool) -> Effect {
    let Some(up) = up else {
        return if w == 0 {
            Effect::Waiting
        } else {
            Effect::None
        };
    };
    if w == 0 {
        return if up == reverse {
            Effect::Fault
        } else {
            Effect::None
        };
    }
    let w = i32::from(w);
    let c = if up { w.max(0) } else { w.min(0) };
    Effect::Weight(if reverse { -c } else { c })
}

/// A track file's `value` with weight `w`: keepalived's
/// status = value x weight (x -1 reversed); -254 or less is FAULT, more
/// than 253 counts as 253. Weight 0: FAULT while the value is not 0
/// (while it is 0, reversed).
pub fn file_effect(value: i64, w: i16, reverse: bool) -> Effect {
    if w == 0 {
        return if (value != 0) != reverse {
            Effect::Fault
        } else {
            Effect::None
        };
    }
    // Only the status's side of -254 and of 253 matters, and |w| >= 1: a
    // value beyond +-254 decides as +-254 does, and then the product fits
    // an i32 (a 64-bit saturating one is some 350 bytes on mipsel).
    let v = value.clamp(-254, 254) as i32;
    let m = if reverse { -1 } else { 1 };
    let status = v * i32::from(w) * m;
    if status <= -254 {
        Effect::Fault
    } else {
        Effect::Weight(status.min(253))
    }
}

/// The tracked objects of the running configuration.
#[derive(Clone, Debug, Default)]
pub struct Trackers {
    pub checks: Vec<Check>,
    pub files: Vec<FileTrack>,
    pub procs: Vec<ProcTrack>,
    /// When processes are counted next (None: none tracked or a scan is
    /// out).
    next_scan: Option<Instant>,
    armed: Option<Instant>,
}

impl Trackers {
    /// The objects of `config`; those of `old` with the same definition
    /// keep their readings (a reload does not forget that a check failed).
    /// The checks' configurations move out of `config`.
    pub fn new(config: &mut Config, old: &Trackers) -> Trackers {
        // Loops, not map/collect chains (run at start and reload only), but
        // for the checks: one allocation and no growth check per push, and
        // no copy of each through the stack, paid (issue 17: size).
        let scripts = core::mem::take(&mut config.scripts);
        let mut t = Trackers {
            checks: scripts.into_iter().map(Check::new).collect(),
            ..Trackers::default()
        };
        for n in t.checks.iter_mut() {
            if let Some(o) = old.check(&n.cfg.name) {
                carry(n, o);
            }
        }
        for c in &config.track_files {
            let kept = old.files.iter().find(|o| o.cfg.path == c.path);
            t.files.push(FileTrack {
                value: kept.map_or(0, |o| o.value),
                cfg: c.clone(),
            });
        }
        for c in &config.track_processes {
            let mut p = ProcTrack {
                cfg: c.clone(),
                count: 0,
                quorum: None,
                since: None,
            };
            if let Some(o) = old.procs.iter().find(|o| same_process(&o.cfg, c)) {
                (p.count, p.quorum, p.since) = (o.count, o.quorum, o.since);
            }
            t.procs.push(p);
        }
        t
    }

    /// Runs of `old` this table no longer follows (their checks went
    /// away) are killed (SIGKILL) and no longer counted as running (their
    /// children freed). Plain loops, not iterator chains (issue 17: size).
    pub fn kill_orphans(&self, old: &Trackers, cx: &mut Shared, out: &mut dyn Outbox) {
        for o in &old.checks {
            let Some(r) = o.run else {
                continue;
            };
            if !self
                .checks
                .iter()
                .any(|c| c.run.is_some_and(|n| n.id == r.id))
            {
                out.push(Out::Kill {
                    id: r.id,
                    hard: true,
                });
                cx.scripts_running = cx.scripts_running.saturating_sub(1);
            }
        }
    }

    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.cfg.name == name)
    }

    pub fn file(&self, name: &str) -> Option<&FileTrack> {
        self.files.iter().find(|f| f.cfg.name == name)
    }

    pub fn proc(&self, name: &str) -> Option<&ProcTrack> {
        self.procs.iter().find(|p| p.cfg.name == name)
    }

    /// Start the checks in `used` (by name) now, and the process scans.
    pub fn start(&mut self, used: &dyn Fn(&str) -> bool, now: Instant) {
        for c in &mut self.checks {
            let wanted = used(&c.cfg.name);
            if wanted && c.next.is_none() {
                c.next = Some(now);
            } else if !wanted {
                c.next = None;
            }
        }
        if !self.procs.is_empty() && self.next_scan.is_none() {
            self.next_scan = Some(now);
        }
    }

    /// Nothing more is started (the daemon stops).
    pub fn stop(&mut self) {
        for c in &mut self.checks {
            c.next = None;
        }
        self.next_scan = None;
    }

    /// The earliest moment something is due.
    pub fn deadline(&self) -> Option<Instant> {
        let mut at = self.next_scan;
        for c in &self.checks {
            at = earliest(earliest(at, c.next), c.run.map(|r| r.deadline));
        }
        at
    }

    /// Tell the shell when to wake the router, if that changed.
    /// `also`: the router's other deadlines (group scripts).
    pub fn rearm(&mut self, also: Option<Instant>, out: &mut dyn Outbox) {
        let at = earliest(self.deadline(), also);
        if at != self.armed {
            self.armed = at;
            out.push(Out::ArmRouter { at });
        }
    }

    /// Do what is due at `now`: start checks, end overdue ones, scan.
    /// True when a status changed.
    pub fn run_due(&mut self, now: Instant, cx: &mut Shared, out: &mut dyn Outbox) -> bool {
        let mut changed = false;
        for c in &mut self.checks {
            if let Some(r) = c.run.filter(|r| r.deadline <= now) {
                changed |= overdue(c, r, now, cx, out);
            }
            if c.next.is_some_and(|t| t <= now) {
                launch(c, now, cx, out);
            }
        }
        if self.next_scan.is_some_and(|t| t <= now) {
            // The next one is planned when this one's counts come back.
            self.next_scan = None;
            out.push(Out::ScanProcesses);
        }
        changed
    }

    /// Script `id` ended; true when it was a check (`changed`: its status
    /// changed).
    pub fn script_ended(
        &mut self,
        id: u32,
        end: ScriptEnd,
        cx: &mut Shared,
        out: &mut dyn Outbox,
    ) -> Option<bool> {
        let c = self
            .checks
            .iter_mut()
            .find(|c| c.run.is_some_and(|r| r.id == id))?;
        let stage = c.run.map_or(0, |r| r.stage);
        c.run = None;
        cx.scripts_running = cx.scripts_running.saturating_sub(1);
        let script = c.cfg.name.as_str();
        let (ok, result) = match end {
            ScriptEnd::Code(code) => {
                if c.last_status.is_some_and(|s| s != code)
                    || (c.last_status.is_none() && code != 0)
                {
                    note(
                        out,
                        Note::CheckStatus {
                            script,
                            status: code,
                        },
                    );
                }
                c.last_status = Some(code);
                match code {
                    0 => (true, CheckResult::Succeeded),
                    _ => (
                        false,
                        CheckResult::Failed(Some(("exited with status", code))),
                    ),
                }
            }
            ScriptEnd::Signal(_) if stage > 0 => (false, CheckResult::TimedOut),
            ScriptEnd::Signal(s) => (false, CheckResult::Failed(Some(("due to signal", s)))),
            ScriptEnd::NotRun => (false, CheckResult::Failed(None)),
        };
        Some(c.count(ok, result, out))
    }

    /// A process scan came back.
    pub fn counted(&mut self, counts: &[u32], now: Instant, out: &mut dyn Outbox) -> bool {
        let mut changed = false;
        for (p, &n) in self.procs.iter_mut().zip(counts) {
            changed |= p.counted(n, now, out);
        }
        if !self.procs.is_empty() {
            self.next_scan = Some(now + SCAN_PERIOD);
        }
        changed
    }

    /// Track file `k` was read: true when its value changed.
    pub fn file_read(&mut self, k: usize, value: Option<i64>, out: &mut dyn Outbox) -> bool {
        let Some(f) = self.files.get_mut(k) else {
            return false;
        };
        let v = value.unwrap_or(0);
        if v == f.value {
            return false;
        }
        f.value = v;
        let file = f.cfg.name.as_str();
        note(out, Note::TrackFile { file, value });
        true
    }

    /// The daemon stops: every run is killed (SIGKILL) and forgotten, no
    /// run is out (the shell reaps them). One loop (issue 17: size).
    pub fn kill_runs(&mut self, cx: &mut Shared, out: &mut dyn Outbox) {
        for c in &mut self.checks {
            if let Some(r) = c.run.take() {
                out.push(Out::Kill {
                    id: r.id,
                    hard: true,
                });
                cx.scripts_running = cx.scripts_running.saturating_sub(1);
            }
        }
    }
}

/// A check kept by name across a reload keeps its verdict (keepalived's
/// clear_diff_script, "considered (un)successful on reload": good stays
/// good, bad stays bad, counted afresh with the new rise and fall) and its
/// run in progress, onto `n`, made for the new definition.
fn carry(n: &mut Check, o: &Check) {
    n.run = o.run;
    n.next = o.next;
    n.last_status = o.last_status;
    if o.init != Init::Waiting {
        n.init = Init::Done;
        n.result = if o.up() == Some(true) {
            n.cfg.rise + n.cfg.fall - 1
        } else {
            0
        };
    }
}

/// The same vrrp_track_process wherever its block now stands.
/// Every field but `loc`, compared in place (no clones); the pattern is
/// exhaustive, so a new field cannot be left out silently.
fn same_process(a: &TrackProcess, b: &TrackProcess) -> bool {
    let TrackProcess {
        name,
        loc: _,
        process,
        params,
        param_match,
        weight,
        reverse,
        quorum,
        quorum_max,
        fork_delay_ms,
        terminate_delay_ms,
        full_command,
    } = a;
    *name == b.name
        && *process == b.process
        && *params == b.params
        && *param_match == b.param_match
        && (*weight, *reverse, *full_command) == (b.weight, b.reverse, b.full_command)
        && (*quorum, *quorum_max) == (b.quorum, b.quorum_max)
        && (*fork_delay_ms, *terminate_delay_ms) == (b.fork_delay_ms, b.terminate_delay_ms)
}

/// Start check `c` if its last run ended and a child is free; plan the
/// next run on the schedule.
fn launch(c: &mut Check, now: Instant, cx: &mut Shared, out: &mut dyn Outbox) {
    let interval = c.interval();
    let next = c.next.map_or(now, |t| t + interval);
    c.next = Some(if next > now { next } else { now + interval });
    if c.run.is_some() {
        let script = c.cfg.name.as_str();
        note(out, Note::CheckSkipped { script });
        return;
    }
    if cx.scripts_running >= MAX_CHILDREN {
        return;
    }
    cx.last_script_id = cx.last_script_id.wrapping_add(1);
    let id = cx.last_script_id;
    cx.scripts_running += 1;
    c.run = Some(Run {
        id,
        deadline: now + c.timeout().max(MIN_STEP),
        stage: 0,
    });
    out.push(Out::Spawn {
        id,
        name: &c.cfg.name,
        cmd: &c.cfg.script,
        user: c.cfg.user.as_deref().or(cx.script_user.as_deref()),
        secure: cx.script_security,
        args: None,
    });
}

/// Check `c`'s run `r` is overdue: SIGTERM, SIGKILL two seconds later,
/// and two seconds after that it is given up on (counted as timed out;
/// the shell still reaps it). True when the status changed.
fn overdue(c: &mut Check, r: Run, now: Instant, cx: &mut Shared, out: &mut dyn Outbox) -> bool {
    if r.stage < 2 {
        out.push(Out::Kill {
            id: r.id,
            hard: r.stage == 1,
        });
        c.run = Some(Run {
            deadline: now + KILL_GRACE,
            stage: r.stage + 1,
            ..r
        });
        return false;
    }
    c.run = None;
    cx.scripts_running = cx.scripts_running.saturating_sub(1);
    c.count(false, CheckResult::TimedOut, out)
}

/// The weight and sense a `track_*` line gives, with the block's own
/// defaults.
pub fn line_weight(t: &Track, block_weight: i16, block_reverse: bool) -> (i16, bool) {
    (
        t.weight.unwrap_or(block_weight),
        t.reverse.unwrap_or(block_reverse),
    )
}

/// One tracked object's verdict, and what to call it in the log.
pub struct Verdict<'a> {
    pub effect: Effect,
    pub why: FaultWhy<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sink(Vec<String>);
    impl Outbox for Sink {
        fn push(&mut self, out: Out<'_>) {
            self.0.push(format!("{out:?}"));
        }
    }

    fn check(rise: u32, fall: u32, init_fail: bool) -> Check {
        Check::new(VrrpScript {
            name: "chk".into(),
            loc: Default::default(),
            script: "/bin/true".into(),
            interval_s: 1,
            timeout_s: None,
            weight: -10,
            reverse: false,
            rise,
            fall,
            init_fail,
            user: None,
        })
    }

    fn run(c: &mut Check, ok: bool) -> bool {
        let r = if ok {
            CheckResult::Succeeded
        } else {
            CheckResult::Failed(None)
        };
        c.count(ok, r, &mut Sink(Vec::new()))
    }

    #[test]
    fn the_first_result_decides_then_rise_and_fall_count() {
        let mut c = check(2, 3, false);
        assert_eq!(c.up(), None);
        assert!(run(&mut c, true), "one success is enough at first");
        assert_eq!(c.up(), Some(true));
        // Good: three failures in a row make it bad, not two.
        assert!(!run(&mut c, false));
        assert!(!run(&mut c, false));
        assert!(run(&mut c, false));
        assert_eq!(c.up(), Some(false));
        // Bad: two successes make it good.
        assert!(!run(&mut c, true));
        assert!(run(&mut c, true));
        assert_eq!(c.up(), Some(true));
        // A failure between successes only delays the fall.
        assert!(!run(&mut c, false));
        assert!(!run(&mut c, true));
        assert_eq!(c.up(), Some(true));

        let mut first_fail = check(2, 3, false);
        assert!(
            run(&mut first_fail, false),
            "one failure is enough at first"
        );
        assert_eq!(first_fail.up(), Some(false));
    }

    #[test]
    fn init_fail_starts_failed_and_needs_rise_successes() {
        let mut c = check(2, 1, true);
        assert_eq!(c.up(), Some(false));
        assert!(!run(&mut c, true));
        assert!(run(&mut c, true));
        assert_eq!(c.up(), Some(true));
    }

    #[test]
    fn weights_follow_keepalived() {
        // Unweighted: FAULT while down (up, reversed); waiting before the
        // first result.
        assert_eq!(effect(Some(false), 0, false), Effect::Fault);
        assert_eq!(effect(Some(true), 0, false), Effect::None);
        assert_eq!(effect(Some(true), 0, true), Effect::Fault);
        assert_eq!(effect(None, 0, false), Effect::Waiting);
        assert_eq!(effect(None, -5, false), Effect::None);
        // Positive weights add while up, negative ones while down.
        assert_eq!(effect(Some(true), 10, false), Effect::Weight(10));
        assert_eq!(effect(Some(false), 10, false), Effect::Weight(0));
        assert_eq!(effect(Some(true), -10, false), Effect::Weight(0));
        assert_eq!(effect(Some(false), -10, false), Effect::Weight(-10));
        // Reverse negates.
        assert_eq!(effect(Some(true), 10, true), Effect::Weight(-10));
        assert_eq!(effect(Some(false), -10, true), Effect::Weight(10));
        // Files: value x weight, FAULT at -254, at most 253.
        assert_eq!(file_effect(3, -10, false), Effect::Weight(-30));
        assert_eq!(file_effect(30, -10, false), Effect::Fault);
        assert_eq!(file_effect(100, 10, false), Effect::Weight(253));
        assert_eq!(file_effect(2, 5, true), Effect::Weight(-10));
        assert_eq!(file_effect(1, 0, false), Effect::Fault);
        assert_eq!(file_effect(0, 0, false), Effect::None);
        assert_eq!(file_effect(0, 0, true), Effect::Fault);
        // Far beyond the bounds, either way round.
        assert_eq!(file_effect(i64::MAX, -1, false), Effect::Fault);
        assert_eq!(file_effect(i64::MIN, -32768, false), Effect::Weight(253));
        assert_eq!(file_effect(i64::MIN, 1, true), Effect::Weight(253));
        assert_eq!(file_effect(255, -1, false), Effect::Fault);
        assert_eq!(file_effect(-253, 1, false), Effect::Weight(-253));
    }
}
