//! The script runner's process layer (src/sys/child.rs), as root: children
//! started, reaped through SIGCHLD on a signalfd, killed; what a child
//! inherits; keepalived's script security rules.
//!
//! No test harness: SIGCHLD goes to any thread that does not block it, and
//! libtest's main thread would take (and drop) it. Here the one thread
//! blocks it before anything else, as the daemon does. It also keeps
//! `reap` (waitpid(-1)) from taking another test's children.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tinyvrrpd::sys::child::{self, Exit, Ids};
use tinyvrrpd::sys::poll;
use tinyvrrpd::sys::signals::{Sig, Signals};

/// A temp dir removed on every exit path, and children killed with it.
struct Scratch {
    dir: PathBuf,
    pids: Vec<i32>,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("tvchild{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).expect("temp dir");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
        Scratch {
            dir,
            pids: Vec::new(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for &pid in &self.pids {
            child::kill(pid, true);
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Wait (bounded) for SIGCHLD and reap until `want` exits are collected.
fn collect(sigs: &mut Signals, want: usize, limit: Duration) -> HashMap<i32, Exit> {
    let mut seen = HashMap::new();
    let until = Instant::now() + limit;
    while seen.len() < want && Instant::now() < until {
        let mut fds = [poll::pollfd(sigs.as_raw_fd())];
        poll::poll(&mut fds, 100).expect("poll");
        while let Some(sig) = sigs.read() {
            assert_eq!(sig, Sig::Child, "only SIGCHLD expected");
            child::reap(|pid, exit| {
                assert!(seen.insert(pid, exit).is_none(), "pid {pid} reaped twice");
            });
        }
    }
    seen
}

fn fd_count() -> usize {
    fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Our children in state Z (zombies).
fn zombies() -> Vec<i32> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...; comm may hold spaces, so split after ')'.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut f = tail.split_whitespace();
        let (state, ppid) = (f.next(), f.next());
        if state == Some("Z") && ppid == Some(me.as_str()) {
            found.push(
                head.split_whitespace()
                    .next()
                    .unwrap_or("?")
                    .parse()
                    .unwrap_or(-1),
            );
        }
    }
    found
}

/// Processes (any parent) in process group `pgid`.
fn in_group(pgid: i32) -> usize {
    let want = pgid.to_string();
    let stats = fs::read_dir("/proc").expect("/proc").flatten();
    let fields = stats.filter_map(|e| fs::read_to_string(e.path().join("stat")).ok());
    // After "(comm)": state ppid pgrp ...
    let pgrps = fields.filter_map(|s| {
        s.rsplit_once(')')
            .and_then(|(_, t)| t.split_whitespace().nth(2).map(str::to_string))
    });
    pgrps.filter(|g| *g == want).count()
}

fn thousand_children(sigs: &mut Signals) {
    let fds_before = fd_count();
    let mut expected = HashMap::new();
    for i in 0..1000 {
        let (argv, code): (&[&str], i32) = if i % 2 == 0 {
            (&["/bin/true"], 0)
        } else {
            (&["/bin/sh", "-c", "exit 3"], 3)
        };
        let pid = child::spawn(argv, None).expect("spawn");
        expected.insert(pid, Exit::Code(code));
    }
    let seen = collect(sigs, expected.len(), Duration::from_secs(60));
    assert_eq!(seen.len(), 1000, "exits seen through SIGCHLD");
    assert_eq!(seen, expected, "every child's exit code");
    assert_eq!(zombies(), Vec::<i32>::new(), "zombies left");
    assert_eq!(fd_count(), fds_before, "our open fds changed");
    println!("child: 1000 children spawned, all 1000 exits reaped, 0 zombies");
}

/// A child sees fds 0-2 only, all on /dev/null, even when we hold a
/// descriptor without CLOEXEC.
fn child_fds(sigs: &mut Signals, s: &mut Scratch) {
    let keep = fs::File::open("/proc/self/status").expect("open");
    // SAFETY: dup of a valid fd; the copy has no CLOEXEC, as a leaked fd.
    let leaked = unsafe { libc::dup(std::os::fd::AsRawFd::as_raw_fd(&keep)) };
    assert!(leaked > 2, "dup");
    let pid = child::spawn(&["/bin/sleep", "30"], None).expect("spawn sleep");
    s.pids.push(pid);
    // Wait until sleep sleeps: exec'd, and done with the dynamic loader's
    // files (they are open for a moment after exec).
    let wchan = format!("/proc/{pid}/wchan");
    let until = Instant::now() + Duration::from_secs(5);
    while !fs::read_to_string(&wchan).is_ok_and(|w| w.contains("nanosleep"))
        && Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut fds: Vec<(String, PathBuf)> = fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("child fds")
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read_link(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    fds.sort();
    // SAFETY: closing the fd we made above.
    unsafe { libc::close(leaked) };
    child::kill(pid, false);
    let exits = collect(sigs, 1, Duration::from_secs(10));
    assert_eq!(
        exits.get(&pid),
        Some(&Exit::Signal(libc::SIGTERM)),
        "sleep ended by TERM"
    );
    let null = PathBuf::from("/dev/null");
    let want: Vec<(String, PathBuf)> = ["0", "1", "2"]
        .iter()
        .map(|f| (f.to_string(), null.clone()))
        .collect();
    assert_eq!(fds, want, "the child's fds");
    println!("child: a child holds exactly fds 0-2, on /dev/null; kill (TERM) ended sleep");
}

/// Spawn `sh -c SCRIPT` and wait for its exit.
fn run_sh(sigs: &mut Signals, script: &str, ids: Option<Ids>) -> Exit {
    let pid = child::spawn(&["/bin/sh", "-c", script], ids).expect("spawn sh");
    let exits = collect(sigs, 1, Duration::from_secs(10));
    *exits.get(&pid).expect("sh exit")
}

fn as_nobody(sigs: &mut Signals, s: &Scratch) {
    let ids = child::lookup_ids("nobody", None).expect("user nobody");
    assert_ne!(ids.uid, 0);
    assert_eq!(
        child::lookup_ids(&ids.uid.to_string(), None),
        Some(ids),
        "by number"
    );
    assert_eq!(child::lookup_ids("no-such-user-tv", None), None);
    assert_eq!(child::lookup_ids("nobody", Some("no-such-group-tv")), None);
    let root = child::lookup_ids("root", Some("0"));
    assert_eq!(root, Some(Ids { uid: 0, gid: 0 }));
    let outdir = s.path("open");
    fs::create_dir(&outdir).expect("mkdir");
    fs::set_permissions(&outdir, fs::Permissions::from_mode(0o777)).expect("chmod");
    let file = outdir.join("ids");
    let cmd = format!("echo $(id -u) $(id -g) $(id -G) > {}", file.display());
    // Supplementary groups of ours (root's, say) must not reach the child.
    let ours: [libc::gid_t; 2] = [0, 4];
    // SAFETY: `ours` is live for the call; this process is the test's own.
    assert_eq!(unsafe { libc::setgroups(2, ours.as_ptr()) }, 0, "setgroups");
    let ran = run_sh(sigs, &cmd, Some(ids));
    // SAFETY: as above (no supplementary groups, as before).
    unsafe { libc::setgroups(0, core::ptr::null()) };
    assert_eq!(ran, Exit::Code(0));
    let got = fs::read_to_string(&file).expect("ids written");
    let want = format!("{0} {1} {1}\n", ids.uid, ids.gid);
    assert_eq!(got, want, "uid, gid and groups of the child");
    println!("child: a child with nobody's Ids runs as {}", got.trim());
}

fn kill_hard_and_exec_failure(sigs: &mut Signals, s: &mut Scratch) {
    let ready = s.path("trap-ready");
    let script = format!("trap '' TERM; touch {}; sleep 60", ready.display());
    let pid = child::spawn(&["/bin/sh", "-c", &script], None).expect("spawn");
    s.pids.push(pid);
    let until = Instant::now() + Duration::from_secs(5);
    while !ready.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    child::kill(pid, false);
    let early = collect(sigs, 1, Duration::from_millis(300));
    assert!(
        early.is_empty(),
        "a child that ignores TERM survives it: {early:?}"
    );
    assert_eq!(
        in_group(pid),
        2,
        "sh and its sleep, in the child's own group"
    );
    child::kill(pid, true);
    let exits = collect(sigs, 1, Duration::from_secs(10));
    assert_eq!(exits.get(&pid), Some(&Exit::Signal(libc::SIGKILL)));
    // The shell's sleep is in the child's process group: killed with it.
    let until = Instant::now() + Duration::from_secs(5);
    while in_group(pid) > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(in_group(pid), 0, "the group is gone");
    assert_eq!(zombies(), Vec::<i32>::new());

    let pid = child::spawn(&["/nonexistent/tv-program"], None).expect("spawn");
    let exits = collect(sigs, 1, Duration::from_secs(10));
    assert_eq!(exits.get(&pid), Some(&Exit::Code(127)), "exec failure");
    assert!(child::spawn(&[], None).is_err(), "empty argv");
    println!("child: hard kill ends a TERM-ignoring child; exec failure exits 127");
}

fn security(s: &Scratch) {
    use std::os::unix::fs::chown;
    let nobody = child::lookup_ids("nobody", None).expect("nobody");
    let dir = s.path("sec");
    fs::create_dir(&dir).expect("mkdir");
    let script = dir.join("notify.sh");
    fs::write(&script, "#!/bin/sh\nexit 0\n").expect("write");
    let mode =
        |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).expect("chmod");
    let check = |ids| child::check_secure(script.to_str().expect("utf-8"), ids);
    let named = |r: Result<(), String>, what: &Path| {
        let e = r.expect_err("must be refused");
        assert!(
            e.contains(&format!("{} ", what.display())),
            "{e:?} names {}",
            what.display()
        );
        e
    };
    mode(&dir, 0o755);
    mode(&script, 0o755);
    assert_eq!(check(None), Ok(()), "root-owned 0755 script in a 0755 dir");
    assert_eq!(child::check_secure("sh", None), Ok(()), "found in PATH");
    let sh = child::find_in_path("sh", None).expect("sh in PATH");
    assert!(sh.is_absolute() && sh.ends_with("sh"), "{}", sh.display());

    mode(&script, 0o757);
    println!("child: refused: {}", named(check(None), &script));
    mode(&script, 0o775);
    assert_eq!(
        check(None),
        Ok(()),
        "group-writable by group root is keepalived-safe"
    );
    chown(&script, None, Some(nobody.gid)).expect("chgrp");
    println!("child: refused: {}", named(check(None), &script));
    assert_eq!(
        check(Some(nobody)),
        Ok(()),
        "not run as root: no path rules"
    );
    chown(&script, None, Some(0)).expect("chgrp");
    mode(&script, 0o755);

    mode(&dir, 0o777);
    println!("child: refused: {}", named(check(None), &dir));
    mode(&dir, 0o1777);
    assert_eq!(check(None), Ok(()), "a sticky dir, like /tmp, is exempt");
    mode(&dir, 0o775);
    chown(&dir, None, Some(nobody.gid)).expect("chgrp");
    println!("child: refused: {}", named(check(None), &dir));
    chown(&dir, Some(nobody.uid), Some(0)).expect("chown");
    mode(&dir, 0o755);
    println!("child: refused: {}", named(check(None), &dir));
    chown(&dir, Some(0), Some(0)).expect("chown");

    mode(&script, 0o644);
    assert!(check(None).is_err(), "not executable");
    mode(&script, 0o744);
    assert!(check(Some(nobody)).is_err(), "not executable by nobody");
    assert!(child::check_secure(&format!("{}/missing", dir.display()), None).is_err());
    assert!(child::check_secure("tv-no-such-program", None).is_err());
    println!("child: check_secure passes a safe script and names every unsafe part");
}

/// Spawn -> the exec'd child has written a file, over some runs.
fn latency(sigs: &mut Signals, s: &Scratch) {
    let mut spawn_us = Vec::new();
    let mut total_us = Vec::new();
    for i in 0..100 {
        let file = s.path(&format!("lat{i}"));
        let start = Instant::now();
        let pid =
            child::spawn(&["/bin/touch", file.to_str().expect("utf-8")], None).expect("spawn");
        spawn_us.push(start.elapsed().as_micros());
        // Sleep between looks: on 2 cores a spinning parent slows the child.
        while !file.exists() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_micros(50));
        }
        total_us.push(start.elapsed().as_micros());
        let exits = collect(sigs, 1, Duration::from_secs(5));
        assert_eq!(exits.get(&pid), Some(&Exit::Code(0)));
    }
    spawn_us.sort();
    total_us.sort();
    println!(
        "child: latency over 100 runs: spawn() returns in {} us median ({} max); \
         spawn -> /bin/touch wrote its file in {} us median ({} max)",
        spawn_us[50], spawn_us[99], total_us[50], total_us[99]
    );
}

fn main() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        if std::env::var_os("CI").is_some() {
            eprintln!("child: CI must run as root");
            std::process::exit(1);
        }
        println!("child: skipped: needs root (setuid, chown)");
        return;
    }
    let mut sigs = Signals::new().expect("signalfd");
    let mut scratch = Scratch::new();
    thousand_children(&mut sigs);
    child_fds(&mut sigs, &mut scratch);
    as_nobody(&mut sigs, &scratch);
    kill_hard_and_exec_failure(&mut sigs, &mut scratch);
    security(&scratch);
    latency(&mut sigs, &scratch);
    println!("child: 1 passed, 0 failed");
}
