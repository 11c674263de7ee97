//! The daemon's children: the notify scripts the router asked for, started
//! without blocking the loop, reaped on SIGCHLD, killed on the router's
//! word. Each end (or failure to start) goes back to the router by id.

use core::fmt;

use arrayvec::ArrayVec;

use crate::config::{Config, Script};
use crate::limits::MAX_CHILDREN;
use crate::log;
use crate::node::out::{NotifyArgs, ScriptEnd};
use crate::node::scripts::split_words;
use crate::sys::SysError;
use crate::sys::child::{self, Exit, Ids};
use crate::sys::clock;
use crate::sys::log::{Level, Log};
use crate::sys::poll;
use crate::sys::signals::{Sig, Signals};
use crate::time::Instant;

/// One script to start, as the router described it.
pub struct Start<'a> {
    pub id: u32,
    pub name: &'a str,
    pub cmd: &'a str,
    pub user: Option<&'a str>,
    pub secure: bool,
    pub args: Option<NotifyArgs<'a>>,
    /// One more word at the end (a notify FIFO script's FIFO path).
    pub extra: Option<&'a str>,
}

#[derive(Default)]
pub struct Children {
    /// (pid, script id) of every child running.
    running: ArrayVec<(i32, u32), MAX_CHILDREN>,
    /// Scripts that ended or never started since the router last heard.
    pub ended: ArrayVec<(u32, ScriptEnd), MAX_CHILDREN>,
    /// Commands without added words (check scripts, specific notify
    /// scripts), prepared the first time they run: split, found in PATH,
    /// its user looked up and its security checked once, as keepalived
    /// does at load; later runs allocate nothing. Cleared on a reload.
    prepared: Vec<Cached>,
}

/// One prepared command and what it was prepared from.
struct Cached {
    cmd: String,
    user: Option<String>,
    secure: bool,
    prep: child::Prepared,
}

/// At most this many commands are kept prepared.
const MAX_PREPARED: usize = crate::limits::MAX_SCRIPTS;

impl Children {
    /// Forget the prepared commands (a reload may change scripts, users or
    /// the files themselves).
    pub fn forget_prepared(&mut self) {
        self.prepared.clear();
    }

    /// Start `s`, from its prepared form when there is one; None when it
    /// is not run (logged).
    fn spawn(&mut self, log: &mut Log, s: &Start<'_>) -> Option<i32> {
        let plain = s.args.is_none() && s.extra.is_none();
        let same =
            |c: &&Cached| c.cmd == s.cmd && c.user.as_deref() == s.user && c.secure == s.secure;
        // Only commands without added words are kept prepared.
        let hit = if plain {
            self.prepared.iter().find(same)
        } else {
            None
        };
        // Made here when there is no prepared form to start from.
        let mut fresh = None;
        let prep = match hit {
            Some(c) => &c.prep,
            None => fresh.insert(new_prepared(log, s)?),
        };
        let pid = sys(log, s, child::spawn_prepared(prep));
        if let Some(prep) = fresh.filter(|_| plain && self.prepared.len() < MAX_PREPARED) {
            self.prepared.push(Cached {
                cmd: s.cmd.to_string(),
                user: s.user.map(str::to_string),
                secure: s.secure,
                prep,
            });
        }
        pid
    }

    pub fn start(&mut self, log: &mut Log, s: &Start<'_>) {
        match self.spawn(log, s) {
            Some(pid) if self.running.try_push((pid, s.id)).is_ok() => {
                log!(
                    log,
                    Level::Debug,
                    "{}: script {} started (pid {pid})",
                    s.name,
                    s.cmd
                );
                return;
            }
            // The router never asks for more than MAX_CHILDREN.
            Some(pid) => child::kill(pid, true),
            None => {}
        }
        let _ = self.ended.try_push((s.id, ScriptEnd::NotRun));
    }

    /// SIGTERM (or SIGKILL) to script `id`, if it still runs.
    pub fn kill(&self, id: u32, hard: bool) {
        if let Some(&(pid, _)) = self.running.iter().find(|(_, i)| *i == id) {
            child::kill(pid, hard);
        }
    }

    /// SIGKILL to every child (the daemon is leaving).
    pub fn kill_all(&self) {
        for &(pid, _) in &self.running {
            child::kill(pid, true);
        }
    }

    /// Collect every child that ended (after SIGCHLD).
    pub fn reap(&mut self, log: &mut Log) {
        let (running, ended) = (&mut self.running, &mut self.ended);
        child::reap(|pid, exit| {
            let Some(k) = running.iter().position(|(p, _)| *p == pid) else {
                return;
            };
            let (_, id) = running.remove(k);
            let end = match exit {
                Exit::Code(c) => ScriptEnd::Code(c),
                Exit::Signal(s) => ScriptEnd::Signal(s),
            };
            let _ = ended.try_push((id, end));
            let (how, n) = match exit {
                Exit::Code(0) => return,
                Exit::Code(c) => ("exited with", c),
                Exit::Signal(s) => ("killed by signal", s),
            };
            log!(log, Level::Debug, "script pid {pid} {how} {n}");
        });
    }

    /// Wait until a child ends or `deadline` passes, reaping what ended
    /// (for the stop and the start-up/shutdown scripts: outside the loop).
    pub fn wait_some(&mut self, signals: &mut Signals, log: &mut Log, deadline: Instant) {
        let left = deadline.saturating_since(clock::now()).as_millis();
        let mut fds = [poll::pollfd(signals.as_raw_fd())];
        let _ = poll::poll(&mut fds, i32::try_from(left.max(1)).unwrap_or(1000));
        while let Some(sig) = signals.read() {
            if sig == Sig::Child {
                self.reap(log);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }
}

/// keepalived's default script user (lib/notify.c get_default_script_user).
pub const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// Who runs a script whose line names nobody, when `script_user` is not
/// given, as keepalived 2.2.7 decides (lib/notify.c
/// get_default_script_user): `keepalived_script` when that user exists;
/// else root, with "Script user 'keepalived_script' does not exist"
/// logged, and under `enable_script_security` such scripts are refused
/// ("Unable to set default user keepalived_script for script"): here the
/// user stays `keepalived_script`, which each such script then fails to
/// find, with a log line naming it. Nothing is looked up or logged when
/// every script names its user. Returns the log lines (level, text).
pub fn default_script_user(
    c: &mut Config,
    exists: impl Fn(&str) -> bool,
) -> &'static [(Level, &'static str)] {
    if c.global.script_user.is_some() || !some_script_without_user(c) {
        return &[];
    }
    if exists(DEFAULT_SCRIPT_USER) {
        c.global.script_user = Some(DEFAULT_SCRIPT_USER.to_string());
        return &[];
    }
    // The lines are texts of the binary, not formatted at run time.
    const MISSING: (Level, &str) = (
        Level::Info,
        "Script user 'keepalived_script' does not exist",
    );
    if c.global.enable_script_security {
        c.global.script_user = Some(DEFAULT_SCRIPT_USER.to_string());
        return &[
            MISSING,
            (
                Level::Error,
                "Unable to set default user keepalived_script for script: scripts that name \
                 no user are not run (enable_script_security)",
            ),
        ];
    }
    &[MISSING]
}

fn some_script_without_user(c: &Config) -> bool {
    let g = &c.global;
    let global = [
        &g.startup_script,
        &g.shutdown_script,
        &g.notify_fifo_script,
        &g.vrrp_notify_fifo_script,
    ];
    let no_user = |s: &Option<Script>| s.as_ref().is_some_and(|s| s.user.is_none());
    // The arrays looked at in place, not moved into an IntoIter each
    // (size: issue 17).
    global.iter().any(|s| no_user(s))
        || c.instances.iter().any(|i| {
            [
                &i.notify_master,
                &i.notify_backup,
                &i.notify_fault,
                &i.notify_stop,
                &i.notify,
                &i.notify_master_rx_lower_pri,
                &i.notify_deleted_script,
            ]
            .iter()
            .any(|s| no_user(s))
        })
}

/// `n` in decimal, in `buf`.
fn decimal(mut n: u8, buf: &mut [u8; 3]) -> &str {
    let mut k = buf.len();
    for d in buf.iter_mut().rev() {
        *d = b'0' + n % 10;
        k -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    core::str::from_utf8(buf.get(k..).unwrap_or_default()).unwrap_or_default()
}

/// `s` prepared from scratch: its words, then the notify words (or the
/// FIFO path); None when it is not run (logged).
fn new_prepared(log: &mut Log, s: &Start<'_>) -> Option<child::Prepared> {
    let (mut argv, ids) = prepare(log, s)?;
    let mut digits = [0; 3];
    if let Some(a) = &s.args {
        let prio = decimal(a.priority, &mut digits);
        // By reference: an array's into_iter copies it (size: issue 17).
        for w in [a.kind, a.name, a.state, prio].iter() {
            argv.push(w.to_string());
        }
    }
    if let Some(e) = s.extra {
        argv.push(e.to_string());
    }
    // The words become the C strings themselves (Prepared::from_words).
    sys(log, s, child::Prepared::from_words(argv, ids))
}

/// Log why script `s` is not run (one line for every reason).
fn not_run(log: &mut Log, s: &Start<'_>, why: fmt::Arguments<'_>) {
    log!(
        log,
        Level::Error,
        "{}: script {}: {why}; not run",
        s.name,
        s.cmd
    );
}

/// `r`'s value, or None with its system error logged.
fn sys<T>(log: &mut Log, s: &Start<'_>, r: Result<T, SysError>) -> Option<T> {
    r.map_err(|e| not_run(log, s, format_args!("{e}"))).ok()
}

/// The command's words (the first found in PATH) and who runs them, or
/// None when the script must not run (logged).
fn prepare(log: &mut Log, s: &Start<'_>) -> Option<(Vec<String>, Option<Ids>)> {
    let mut argv = split_words(s.cmd);
    if argv.is_empty() {
        not_run(log, s, format_args!("empty command"));
        return None;
    }
    let ids = match s.user {
        None => None,
        Some(u) => {
            let (user, group) = match u.split_once(':') {
                Some((u, g)) => (u, Some(g)),
                None => (u, None),
            };
            let ids = child::lookup_ids(user, group);
            if ids.is_none() {
                not_run(log, s, format_args!("unknown user '{u}'"));
            }
            Some(ids?)
        }
    };
    // keepalived resolves a script named without a `/` through PATH.
    if !argv[0].contains('/') {
        let Some(path) = child::find_script(&argv[0], ids) else {
            not_run(log, s, format_args!("{} not found in PATH", argv[0]));
            return None;
        };
        argv[0] = path;
    }
    if s.secure {
        let mut fail = |why: fmt::Arguments<'_>| not_run(log, s, format_args!("insecure: {why}"));
        child::check_secure_to(&argv[0], ids, &mut fail)?;
    }
    Some((argv, ids))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::log::LogOptions;
    use std::time::Duration;

    fn start(
        c: &mut Children,
        log: &mut Log,
        id: u32,
        cmd: &str,
        user: Option<&str>,
        secure: bool,
    ) {
        let s = Start {
            id,
            name: "t",
            cmd,
            user,
            secure,
            args: None,
            extra: None,
        };
        c.start(log, &s);
    }

    /// Reap (polling waitpid, no SIGCHLD here) until `n` ends are in.
    fn wait_ended(c: &mut Children, log: &mut Log, n: usize) {
        for _ in 0..400 {
            c.reap(log);
            if c.ended.len() >= n {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// How scripts end as the router hears it: killed by its Kill ->
    /// Signal(n), an exec that fails -> Code(127), refused -> NotRun.
    /// One test: reaping is waitpid(-1), which would take another test's
    /// children in this binary.
    #[test]
    fn script_ends_reach_the_router_as_they_happened() {
        let mut log = Log::new(&LogOptions::default());
        let mut c = Children::default();
        start(&mut c, &mut log, 1, "/bin/sleep 100", None, false);
        start(&mut c, &mut log, 2, "/bin/sleep 100", None, false);
        start(&mut c, &mut log, 3, "/nonexistent/check", None, false);
        start(
            &mut c,
            &mut log,
            4,
            "/bin/true",
            Some("no-such-user-tv"),
            false,
        );
        // World-writable directory, run as root with script security.
        let dir = std::env::temp_dir().join(format!("tvkids{}", std::process::id()));
        let _ = std::fs::create_dir(&dir);
        let script = dir.join("s.sh");
        let _ = std::fs::write(&script, "#!/bin/sh\nexit 0\n");
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o777));
        start(
            &mut c,
            &mut log,
            5,
            script.to_str().unwrap_or("/"),
            None,
            true,
        );
        let _ = std::fs::remove_dir_all(&dir);
        c.kill(1, false);
        c.kill(2, true);
        wait_ended(&mut c, &mut log, 5);
        let mut ended = c.ended.to_vec();
        ended.sort_by_key(|e| e.0);
        assert_eq!(
            ended,
            [
                (1, ScriptEnd::Signal(libc::SIGTERM)),
                (2, ScriptEnd::Signal(libc::SIGKILL)),
                (3, ScriptEnd::Code(127)),
                (4, ScriptEnd::NotRun),
                (5, ScriptEnd::NotRun),
            ]
        );
        assert!(c.is_empty());
    }

    fn config(global: &str, notify: &str) -> Config {
        let text = format!(
            "global_defs {{\n{global}\n}}\nvrrp_instance VI_1 {{\n interface eth0\n \
             virtual_router_id 1\n {notify}\n}}\n"
        );
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("tinyvrrpd-defuser-{}-{k}.conf", std::process::id()));
        std::fs::write(&path, text).expect("write a test config");
        let loaded = crate::config::load(&path);
        let _ = std::fs::remove_file(&path);
        loaded.expect("a valid test config").0
    }

    fn resolve(global: &str, notify: &str, user_exists: bool) -> (Option<String>, Vec<String>) {
        let mut c = config(global, notify);
        let lines = default_script_user(&mut c, |u| user_exists && u == DEFAULT_SCRIPT_USER);
        let lines = lines.iter().map(|(_, l)| l.to_string()).collect();
        (c.global.script_user, lines)
    }

    #[test]
    fn priorities_in_decimal() {
        for n in [0u8, 7, 10, 42, 100, 255] {
            assert_eq!(decimal(n, &mut [0; 3]), n.to_string());
        }
    }

    #[test]
    fn default_script_user_as_keepalived() {
        let ks = Some(DEFAULT_SCRIPT_USER.to_string());
        // The user exists: it runs the scripts, security or not.
        assert_eq!(resolve("", "notify /bin/n", true), (ks.clone(), vec![]));
        let sec = "enable_script_security";
        assert_eq!(resolve(sec, "notify /bin/n", true), (ks.clone(), vec![]));
        // It does not: root, said once; under security, refused.
        let (user, lines) = resolve("", "notify /bin/n", false);
        assert_eq!(user, None);
        assert_eq!(lines, ["Script user 'keepalived_script' does not exist"]);
        let (user, lines) = resolve(sec, "notify /bin/n", false);
        assert_eq!(user, ks);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with("Unable to set default user keepalived_script"));
        // script_user given, or every script names its user: no lookup.
        let root = Some("root".to_string());
        assert_eq!(
            resolve("script_user root", "notify /bin/n", true),
            (root, vec![])
        );
        assert_eq!(resolve(sec, "notify /bin/n root", false), (None, vec![]));
        // A FIFO script without a user counts.
        let fifo = "vrrp_notify_fifo /tmp/f\nvrrp_notify_fifo_script /bin/r";
        assert_eq!(resolve(fifo, "", true), (ks, vec![]));
    }
}
