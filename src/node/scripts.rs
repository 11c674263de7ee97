//! Notify scripts, as keepalived calls them, in order: for one instance a
//! script starts only when the one before it has ended, so the scripts of
//! a quick MASTER -> BACKUP reach the hotplug handlers in that order
//! (keepalived starts them side by side). The router only decides what runs
//! when; the shell starts, reaps and kills the processes and reports each
//! end back with [`Node::on_script_end`](super::Node::on_script_end).

use arrayvec::ArrayVec;

use crate::config::{InstanceConfig, Script, SyncGroup};
use crate::limits::MAX_QUEUED_SCRIPTS;
use crate::time::Duration;
use crate::vrrp::State;

/// keepalived: a `notify_stop` (and `notify` with STOP) is killed after a
/// second (TIMER_HZ in vrrp_notify.c), so a stop never hangs.
pub const STOP_SCRIPT_TIMEOUT: Duration = Duration::from_secs(1);
/// Other notify scripts have no timeout in keepalived; ours end after this
/// (SIGTERM, then SIGKILL after KILL_GRACE), since the next script of the
/// instance waits for them.
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(60);
/// Between SIGTERM and SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// One script to run for one transition of an instance.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// `notify_master` / `notify_backup` / `notify_fault` / `notify_stop`
    /// (Init stands for STOP).
    Specific(State),
    /// `notify` with `INSTANCE NAME STATE PRIORITY`.
    Generic { state: State, priority: u8 },
    /// `notify_master_rx_lower_pri`: a master heard a lower priority.
    RxLowerPri,
    /// A reload removed the instance: `notify_deleted`'s script.
    Deleted,
    /// A reload removed the instance: `notify` with DELETED, or with FAULT
    /// when `notify_deleted` is not set (keepalived's default).
    GenericDeleted { fault: bool, priority: u8 },
}

impl Job {
    pub fn timeout(self) -> Duration {
        match self {
            Job::Specific(State::Init)
            | Job::Generic {
                state: State::Init, ..
            } => STOP_SCRIPT_TIMEOUT,
            _ => NOTIFY_TIMEOUT,
        }
    }

    /// The configured script this job runs, if any.
    pub fn script(self, c: &dyn Notifies) -> Option<&Script> {
        c.notify_script(self)
    }
}

/// Whose notify lines a job is looked up in: an instance's or a sync
/// group's.
pub trait Notifies {
    fn notify_script(&self, job: Job) -> Option<&Script>;
}

impl Notifies for InstanceConfig {
    fn notify_script(&self, job: Job) -> Option<&Script> {
        let c = self;
        match job {
            Job::Specific(State::Master) => c.notify_master.as_ref(),
            Job::Specific(State::Backup) => c.notify_backup.as_ref(),
            Job::Specific(State::Fault) => c.notify_fault.as_ref(),
            Job::Specific(State::Init) => c.notify_stop.as_ref(),
            Job::Generic { .. } => c.notify.as_ref(),
            Job::RxLowerPri => c.notify_master_rx_lower_pri.as_ref(),
            Job::Deleted => c.notify_deleted_script.as_ref(),
            Job::GenericDeleted { .. } => c.notify.as_ref(),
        }
    }
}

/// A vrrp_sync_group's notify lines (keepalived's get_gscript): no
/// per-event or deleted scripts.
impl Notifies for SyncGroup {
    fn notify_script(&self, job: Job) -> Option<&Script> {
        match job {
            Job::Specific(State::Master) => self.notify_master.as_ref(),
            Job::Specific(State::Backup) => self.notify_backup.as_ref(),
            Job::Specific(State::Fault) => self.notify_fault.as_ref(),
            Job::Specific(State::Init) => self.notify_stop.as_ref(),
            Job::Generic { .. } => self.notify.as_ref(),
            _ => None,
        }
    }
}

impl Job {
    pub fn generic_args(self) -> Option<(&'static str, u8)> {
        match self {
            Job::Generic { state, priority } => Some((state_word(state), priority)),
            Job::GenericDeleted { fault, priority } => {
                Some((if fault { "FAULT" } else { "DELETED" }, priority))
            }
            _ => None,
        }
    }
}

/// What a script or FIFO line is about (vrrp_sync_group scripts say
/// `GROUP` when groups run them).
pub const INSTANCE: &str = "INSTANCE";
pub const GROUP: &str = "GROUP";

/// keepalived's word for a state in `notify`'s arguments and the FIFO.
pub fn state_word(s: State) -> &'static str {
    match s {
        State::Init => "STOP",
        other => other.as_str(),
    }
}

/// A script line split into the words to exec, as keepalived splits it:
/// blanks separate words, '...' and "..." keep blanks inside a word, and a
/// backslash outside single quotes takes the next character as it is.
/// (Run time only: this allocates.)
pub fn split_words(cmd: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let (mut in_word, mut quote, mut escaped) = (false, None, false);
    for c in cmd.chars() {
        if escaped {
            word.push(c);
            escaped = false;
            continue;
        }
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => word.push(c),
            (_, '\\') => {
                escaped = true;
                in_word = true;
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ' | '\t') => {
                if in_word {
                    words.push(core::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The script running for an instance.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Running {
    pub id: u32,
    pub job: Job,
    /// SIGTERM was sent; SIGKILL follows after KILL_GRACE.
    pub termed: bool,
}

/// An instance's scripts: the one running and those waiting, in order.
#[derive(Clone, Debug, Default)]
pub struct Queue {
    pub running: Option<Running>,
    waiting: ArrayVec<Job, MAX_QUEUED_SCRIPTS>,
}

impl Queue {
    /// Jobs wait to be started.
    pub fn has_waiting(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// Queue the scripts keepalived runs when an instance enters `state`
    /// (the specific one, then `notify`), those that are configured.
    /// Returns how many were dropped because the queue was full.
    pub fn transition(&mut self, c: &dyn Notifies, state: State, priority: u8) -> usize {
        self.queue(c, &[Job::Specific(state), Job::Generic { state, priority }])
    }

    /// Queue one job when its script is configured (dropped when full:
    /// false).
    pub fn push(&mut self, c: &dyn Notifies, job: Job) -> bool {
        self.queue(c, &[job]) == 0
    }

    /// Queue those of `jobs` whose script is configured, in order; how
    /// many were dropped because the queue was full. One loop for every
    /// caller (issue 17: size).
    fn queue(&mut self, c: &dyn Notifies, jobs: &[Job]) -> usize {
        let mut dropped = 0;
        for &job in jobs {
            if job.script(c).is_some() && self.waiting.try_push(job).is_err() {
                dropped += 1;
            }
        }
        dropped
    }

    /// The next job to start, when nothing runs.
    pub fn take_next(&mut self) -> Option<Job> {
        if self.running.is_some() {
            return None;
        }
        // The first taken, the rest moved down by one copy_within (in
        // bounds: there is a first), not ArrayVec::remove's drain nor an
        // indexed loop (issue 17: size).
        let first = *self.waiting.first()?;
        self.waiting.copy_within(1.., 0);
        self.waiting.pop();
        Some(first)
    }

    /// Queue what keepalived runs for an instance a reload removed, which
    /// was in state `was` with `priority` (vrrp.c clear_diff_vrrp and
    /// vrrp_notify.c send_instance_notifies, 2.2.7): nothing for one in
    /// FAULT without `notify_deleted`; else `notify_deleted`'s script and
    /// `notify ... DELETED`, or without `notify_deleted` only `notify ...
    /// FAULT` (notify_fault is not run: keepalived picks the specific
    /// script while the state still says DELETED). The FIFO line's state
    /// word, or None when nothing is reported.
    pub fn deleted(
        &mut self,
        c: &InstanceConfig,
        was: State,
        priority: u8,
    ) -> Option<&'static str> {
        self.waiting.clear();
        if !c.notify_deleted && was == State::Fault {
            return None;
        }
        let fault = !c.notify_deleted;
        // Cleared above: room for both.
        let _ = self.queue(c, &[Job::Deleted, Job::GenericDeleted { fault, priority }]);
        Some(if fault { "FAULT" } else { "DELETED" })
    }

    /// Nothing runs and nothing waits.
    pub fn is_idle(&self) -> bool {
        self.running.is_none() && self.waiting.is_empty()
    }

    /// Forget what waits (the instance stops: only its STOP scripts run).
    pub fn clear_waiting(&mut self) {
        self.waiting.clear();
    }

    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(master: bool, generic: bool) -> InstanceConfig {
        let mut lines = String::new();
        if master {
            lines.push_str(" notify_master /bin/m\n");
        }
        if generic {
            lines.push_str(" notify /bin/n\n");
        }
        cfg_with(&lines)
    }

    fn cfg_with(lines: &str) -> InstanceConfig {
        let text =
            format!("vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n{lines}}}\n");
        // Tests run side by side: a file of their own each.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("tinyvrrpd-scripts-{}-{k}.conf", std::process::id()));
        std::fs::write(&path, text).expect("write a test config");
        let loaded = crate::config::load(&path);
        let _ = std::fs::remove_file(&path);
        let (config, _) = loaded.expect("a valid test config");
        *config.instances.into_iter().next().expect("one instance")
    }

    #[test]
    fn specific_then_generic_and_only_configured() {
        let mut q = Queue::default();
        assert_eq!(q.transition(&cfg(true, true), State::Master, 200), 0);
        assert_eq!(q.take_next(), Some(Job::Specific(State::Master)));
        q.running = Some(Running {
            id: 1,
            job: Job::Specific(State::Master),
            termed: false,
        });
        assert_eq!(q.take_next(), None, "one at a time");
        q.running = None;
        let generic = Job::Generic {
            state: State::Master,
            priority: 200,
        };
        assert_eq!(q.take_next(), Some(generic));
        assert_eq!(q.take_next(), None);
        // No notify_backup configured: only `notify` runs for BACKUP.
        q.transition(&cfg(true, true), State::Backup, 100);
        assert_eq!(q.waiting(), 1);
    }

    #[test]
    fn a_full_queue_drops_and_says_so() {
        let mut q = Queue::default();
        let c = cfg(true, true);
        let mut dropped = 0;
        for _ in 0..MAX_QUEUED_SCRIPTS {
            dropped += q.transition(&c, State::Master, 1);
        }
        assert_eq!(q.waiting(), MAX_QUEUED_SCRIPTS);
        assert_eq!(dropped, MAX_QUEUED_SCRIPTS);
    }

    #[test]
    fn a_removed_instance_reports_like_keepalived() {
        let jobs = |lines: &str, was: State| {
            let mut q = Queue::default();
            q.transition(&cfg_with(" notify /bin/n\n"), State::Master, 9);
            let c = cfg_with(lines);
            let word = q.deleted(&c, was, 150);
            (
                word,
                core::iter::from_fn(|| q.take_next()).collect::<Vec<_>>(),
            )
        };
        let generic = |fault| Job::GenericDeleted {
            fault,
            priority: 150,
        };
        // Default: FAULT to `notify` only, notify_fault not run.
        let plain = " notify /bin/n\n notify_fault /bin/f\n";
        assert_eq!(
            jobs(plain, State::Master),
            (Some("FAULT"), vec![generic(true)])
        );
        assert_eq!(jobs(plain, State::Fault), (None, vec![]));
        // notify_deleted with a script: it, then `notify ... DELETED`.
        let del = " notify /bin/n\n notify_deleted \"/bin/d x\" root\n";
        assert_eq!(
            jobs(del, State::Fault),
            (Some("DELETED"), vec![Job::Deleted, generic(false)])
        );
        // The keyword alone: DELETED, no script of its own.
        let bare = " notify /bin/n\n notify_deleted\n";
        assert_eq!(
            jobs(bare, State::Backup),
            (Some("DELETED"), vec![generic(false)])
        );
        assert_eq!(generic(false).generic_args(), Some(("DELETED", 150)));
        assert_eq!(generic(true).generic_args(), Some(("FAULT", 150)));
        let user = cfg_with(del).notify_deleted_script.and_then(|s| s.user);
        assert_eq!(user.as_deref(), Some("root"));
    }

    #[test]
    fn words_split_like_keepalived() {
        let w = split_words(
            "/bin/busybox env -i ACTION=NOTIFY_MASTER  TYPE=INSTANCE NAME=lan /sbin/hotplug-call keepalived",
        );
        assert_eq!(w.len(), 8);
        assert_eq!(w[0], "/bin/busybox");
        assert_eq!(w[7], "keepalived");
        assert_eq!(
            split_words(r#"/s "a b" 'c "d"' e\ f """#),
            ["/s", "a b", "c \"d\"", "e f", ""]
        );
        assert!(split_words("  ").is_empty());
    }

    #[test]
    fn stop_scripts_time_out_after_a_second() {
        assert_eq!(Job::Specific(State::Init).timeout(), STOP_SCRIPT_TIMEOUT);
        assert_eq!(Job::Specific(State::Master).timeout(), NOTIFY_TIMEOUT);
        assert_eq!(state_word(State::Init), "STOP");
        assert_eq!(state_word(State::Fault), "FAULT");
    }
}
