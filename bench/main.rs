//! `make bench`: tinyvrrpd beside Debian's keepalived 2.2.7 on a namespace
//! LAN (DESIGN.md "Tests, in layers", 6: measurements, never assertions).
//! Needs root. Prints a markdown table and writes it, with every raw sample,
//! to bench/results/YYYY-MM-DD-HHMMSS.md (UTC) and bench/results/latest.md.
//!
//! Scenarios (each daemon on its own `Lan`, see tests/common/mod.rs):
//!
//! 1. failover, v2 at 1 s and v3 at 0.1 s, `CYCLES` cycles each: cold
//!    start, SIGTERM handover and exit, restart and preemption, SIGKILL plus
//!    link down. The two daemons run concurrently (timing only).
//! 2. footprint: RSS/PSS, binary and shared-library sizes, as master.
//! 3. idle CPU and wakeups with 1, 16 and 255 instances at 0.1 s, master
//!    and backup measured at once; the daemons one after the other, never
//!    together, then the floor (bench/floor.c: only the protocol's
//!    syscalls), batched and per packet, the same way.
//! 4. scale: 255 instances at 0.1 s for 60 s: false transitions, missed
//!    adverts (the 255-instance CPU figure is the first 30 s of this run).
//! 5. start-up: exec -> first advert of a priority-255 owner.
//! 6. mail: transition to MASTER -> the SMTP server accepted the mail.
//!
//! Environment: `TINYVRRPD_BIN` picks the tinyvrrpd binary to measure;
//! otherwise out/cross/tinyvrrpd-x86_64-unknown-linux-musl (static, what a
//! router runs) when present, else the release build cargo made.
//! `BENCH_CYCLES` (default 10) sets the failover and start-up cycles,
//! `BENCH_WINDOW` (default 30) the idle-CPU window in seconds (the scale
//! run is two windows): smaller values are for trying the bench out only.
//! So are `BENCH_ONLY=cpu` (the idle-CPU runs alone) and `BENCH_N=1,16`
//! (instance counts), and `BENCH_IMPL=tiny,ka,floor` (who runs the idle-CPU
//! runs); with any of them, the table goes to the temp dir only,
//! never to bench/results. `FLOOR_BIN` picks the floor binary (default
//! target/floor, which `make bench` builds).

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, sleep};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::Pid;

const VIP: &str = "192.0.2.100";
const HI: u32 = 200;
const LO: u32 = 100;
const STEP: Duration = Duration::from_millis(10);
const LONG: Duration = Duration::from_secs(15);
const MUSL: &str = "out/cross/tinyvrrpd-x86_64-unknown-linux-musl";
/// The floor reference (bench/floor.c), as `make bench` builds it.
const FLOOR: &str = "target/floor";

// ---------------------------------------------------------------- Ctrl-C

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: i32) {
    STOP.store(true, Ordering::SeqCst);
}

/// SIGINT/SIGTERM set a flag that every wait checks: the thread then
/// panics, and unwinding runs the harness's Drops (daemons, tcpdump,
/// namespaces). The daemons, in our process group, get Ctrl-C too.
fn catch_signals() {
    let act = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { signal::sigaction(sig, &act) }.expect("sigaction");
    }
}

fn check() {
    if STOP.load(Ordering::SeqCst) {
        panic!("interrupted: cleaning up");
    }
}

/// Sleeps `d` in short naps, so an interrupt is noticed.
fn nap(d: Duration) {
    let end = Instant::now() + d;
    loop {
        check();
        let now = Instant::now();
        if now >= end {
            return;
        }
        sleep((end - now).min(Duration::from_millis(50)));
    }
}

/// `wait_until` that also notices an interrupt.
fn wait(timeout: Duration, step: Duration, mut cond: impl FnMut() -> bool) -> Option<Duration> {
    wait_until(timeout, step, || {
        check();
        cond()
    })
}

/// A number from the environment (for quick trial runs), or `default`.
fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn progress(msg: &str) {
    eprintln!("[bench {}] {msg}", clock());
}

// ---------------------------------------------------------------- daemons

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Impl {
    Tiny,
    Ka,
}

impl Impl {
    fn name(self) -> &'static str {
        match self {
            Impl::Tiny => "tinyvrrpd",
            Impl::Ka => "keepalived",
        }
    }

    fn spawn(self, lan: &Lan, i: usize, conf: &str, bin: &Path) -> Daemon {
        match self {
            Impl::Ka => lan.spawn_keepalived(i, conf),
            Impl::Tiny => {
                let bin = bin.to_str().unwrap().to_string();
                lan.spawn_with(i, conf, move |conf, pid| {
                    [bin.as_str(), "-n", "-l", "-G", "-f", conf, "-p", pid]
                        .map(String::from)
                        .to_vec()
                })
            }
        }
    }
}

/// The daemon's processes: its pid and its direct children (keepalived's
/// VRRP child; tinyvrrpd has none). Found by parent pid, not by
/// namespace: the address monitors also live in the router namespaces.
fn procs(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if stat_fields(p).and_then(|f| f.get(1)?.parse::<u32>().ok()) == Some(pid) {
            out.push(p);
        }
    }
    out
}

/// /proc/PID/stat after the command name: field 3 (state) is index 0.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(String::from).collect())
}

/// (utime + stime in ms from clock ticks, on-CPU ms from schedstat,
/// stime alone in ms: the part spent in the kernel on the process's behalf).
fn cpu_ms(pids: &[u32]) -> (f64, f64, f64) {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let (mut ticks, mut ns, mut sys) = (0u64, 0u64, 0u64);
    for &p in pids {
        if let Some(f) = stat_fields(p) {
            let stime = f[12].parse::<u64>().unwrap_or(0);
            ticks += f[11].parse::<u64>().unwrap_or(0) + stime;
            sys += stime;
        }
    }
    for s in task_files(pids, "schedstat") {
        ns += s
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    let ms = |t: u64| t as f64 * 1000.0 / hz;
    (ms(ticks), ns as f64 / 1e6, ms(sys))
}

/// The text of /proc/PID/task/TID/`name` for every thread of the
/// processes (empty where it could not be read).
fn task_files<'a>(pids: &'a [u32], name: &'a str) -> impl Iterator<Item = String> + 'a {
    pids.iter().flat_map(move |p| {
        let tasks = fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten();
        tasks
            .flatten()
            .map(move |t| fs::read_to_string(t.path().join(name)).unwrap_or_default())
    })
}

/// (RSS kB, PSS kB) summed over the processes, from smaps_rollup.
fn mem_kb(pids: &[u32]) -> (f64, f64) {
    let (mut rss, mut pss) = (0.0, 0.0);
    for &p in pids {
        let s = fs::read_to_string(format!("/proc/{p}/smaps_rollup")).unwrap_or_default();
        for line in s.lines() {
            let mut w = line.split_whitespace();
            let (Some(k), Some(v)) = (w.next(), w.next()) else {
                continue;
            };
            let v: f64 = v.parse().unwrap_or(0.0);
            match k {
                "Rss:" => rss += v,
                "Pss:" => pss += v,
                _ => {}
            }
        }
    }
    (rss, pss)
}

/// Distinct files mapped by the processes other than the executable
/// itself: (count, total bytes on disk). These are the shared libraries
/// (ld.so among them).
fn libs(pids: &[u32]) -> (usize, u64) {
    let mut files = BTreeSet::new();
    for &p in pids {
        let exe = fs::read_link(format!("/proc/{p}/exe")).unwrap_or_default();
        let maps = fs::read_to_string(format!("/proc/{p}/maps")).unwrap_or_default();
        for line in maps.lines() {
            let Some(path) = line.split_whitespace().nth(5) else {
                continue;
            };
            if path.starts_with('/') && Path::new(path) != exe {
                files.insert(path.to_string());
            }
        }
    }
    let bytes = files
        .iter()
        .map(|f| fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    (files.len(), bytes)
}

/// A crash. keepalived's VRRP child asks for SIGTERM when its parent dies,
/// so (as tests/interop.rs does) the parent is stopped, its children
/// killed, then the parent.
fn crash(d: &mut Daemon) {
    let parent = Pid::from_raw(d.pid as i32);
    let _ = signal::kill(parent, Signal::SIGSTOP);
    for p in procs(d.pid).into_iter().skip(1) {
        let _ = signal::kill(Pid::from_raw(p as i32), Signal::SIGKILL);
    }
    d.kill9();
}

/// Waits (bounded) until the log holds `n` lines containing `what`.
fn wait_lines(d: &Daemon, what: &str, n: usize, timeout: Duration) -> bool {
    wait(timeout, Duration::from_millis(50), || {
        d.log().matches(what).count() >= n
    })
    .is_some()
}

fn stop_clean(d: &mut Daemon) {
    if d.running() {
        let _ = signal::kill(Pid::from_raw(d.pid as i32), Signal::SIGTERM);
        if d.wait_exit(Duration::from_secs(5)).is_none() {
            crash(d);
        }
    }
}

// ---------------------------------------------------------------- configs

fn edit(conf: &str, from: &str, to: &str) -> String {
    assert!(conf.contains(from), "config has no {from:?}");
    conf.replacen(from, to, 1)
}

const AUTH_BLOCK: &str =
    "    authentication {\n        auth_type PASS\n        auth_pass 1066\n    }\n";

/// The seed's master (200) or backup (100) config; v3: `version 3`,
/// `advert_int 0.1`, no authentication (as tests/interop.rs).
fn seed(v3: bool, master: bool) -> String {
    let c = if master { seed_master() } else { seed_backup() };
    if !v3 {
        return c;
    }
    let c = edit(
        &c,
        "    advert_int 1\n",
        "    version 3\n    advert_int 0.1\n",
    );
    edit(&c, AUTH_BLOCK, "")
}

/// The backup's config with a notify_master that writes the moment it
/// started (ns since the epoch) to `stamps`.
fn seed_notify(v3: bool, stamps: &Path) -> String {
    let line = format!(
        "    priority 100\n    notify_master \"/bin/sh -c 'date +%s%N >> {}'\"\n",
        stamps.display()
    );
    edit(&seed(v3, false), "    priority 100\n", &line)
}

/// The first stamp at or after `after` in `stamps`, waiting up to 2 s.
fn stamp_after(stamps: &Path, after: SystemTime) -> Option<SystemTime> {
    let mut found = None;
    wait(Duration::from_secs(2), STEP, || {
        let text = fs::read_to_string(stamps).unwrap_or_default();
        found = text
            .lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .map(|ns| UNIX_EPOCH + Duration::from_nanos(ns))
            .find(|t| *t >= after);
        found.is_some()
    });
    found
}

/// `n` v3 instances at 0.1 s, VRIDs 1..=n. IPv6 VIPs (2001:db8::1:N):
/// 192.0.2.0/24 has too few free addresses for 255 instances.
fn multi(n: usize, master: bool) -> String {
    let mut s = String::new();
    for v in 1..=n {
        let _ = write!(
            s,
            "vrrp_instance VI_{v} {{\n    state {}\n    interface eth0\n    \
             virtual_router_id {v}\n    priority {}\n    version 3\n    advert_int 0.1\n    \
             virtual_ipaddress {{\n        2001:db8::1:{v}/64\n    }}\n}}\n",
            if master { "MASTER" } else { "BACKUP" },
            if master { HI } else { LO }
        );
    }
    s
}

// ---------------------------------------------------------------- clocks

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// b - a in ms, signed.
fn diff_ms(a: SystemTime, b: SystemTime) -> f64 {
    match b.duration_since(a) {
        Ok(d) => ms(d),
        Err(e) => -ms(e.duration()),
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// UTC (date, time) strings for file names and progress lines.
fn utc_now() -> (String, String) {
    let s = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (y, m, d) = civil_from_days(s.div_euclid(86_400));
    let t = s.rem_euclid(86_400);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}{:02}{:02}", t / 3600, t / 60 % 60, t % 60),
    )
}

fn clock() -> String {
    let (_, t) = utc_now();
    format!("{}:{}:{}", &t[0..2], &t[2..4], &t[4..6])
}

/// `[2026-11-25T18:16:09.803148]` (UTC: the monitor runs with TZ=UTC).
fn parse_ts(s: &str) -> Option<SystemTime> {
    let s = s.strip_prefix('[')?.strip_suffix(']')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>());
    let (y, m, dd) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.')?;
    let mut t = hms.split(':').map(|x| x.parse::<i64>());
    let (h, mi, se) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let secs = days_from_civil(y, m, dd) * 86_400 + h * 3600 + mi * 60 + se;
    let micros: u64 = format!("{frac:0<6}")[..6].parse().ok()?;
    Some(
        SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(secs).ok()?)
            + Duration::from_micros(micros),
    )
}

// ---------------------------------------------------------------- address monitor

/// `ip -ts monitor address` in a router namespace: when an address came or
/// went, to the microsecond (netlink notification, stamped on receipt),
/// instead of polling `ip addr`.
struct Monitor {
    child: Child,
    path: PathBuf,
}

impl Monitor {
    fn new(lan: &Lan, i: usize) -> Monitor {
        let path = lan.dir.join(format!("mon-r{i}.txt"));
        let child = Command::new("ip")
            .env("TZ", "UTC")
            .args(["-ts", "-n", lan.r(i), "monitor", "address"])
            .stdin(Stdio::null())
            .stdout(fs::File::create(&path).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ip monitor");
        // Let it subscribe before anything happens.
        sleep(Duration::from_millis(200));
        Monitor { child, path }
    }

    /// The first time `addr` was added (or deleted) at or after `after`.
    fn first(&self, addr: &str, added: bool, after: SystemTime) -> Option<SystemTime> {
        let text = fs::read_to_string(&self.path).unwrap_or_default();
        text.lines().find_map(|line| {
            let (ts, rest) = line.split_once(' ')?;
            let ts = parse_ts(ts)?;
            let is_add = !rest.trim_start().starts_with("Deleted");
            let mut w = rest.split_whitespace();
            w.find(|x| *x == "inet" || *x == "inet6")?;
            let a = w.next()?.split('/').next()?;
            (a == addr && is_add == added && ts >= after).then_some(ts)
        })
    }

    /// Waits (bounded) for such an event.
    fn wait(&self, addr: &str, added: bool, after: SystemTime) -> Option<SystemTime> {
        let mut got = None;
        wait(Duration::from_secs(3), STEP, || {
            got = self.first(addr, added, after);
            got.is_some()
        });
        got
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- results

type Samples = Vec<(String, f64)>;

fn push(s: &mut Samples, name: &str, v: f64) {
    s.push((name.to_string(), v));
}

/// Waits until the capture holds a frame stamped at or after `t` (tcpdump
/// hands packets over in blocks), so that everything before `t` is in.
fn caught_up(cap: &Capture, t: SystemTime) -> bool {
    cap.wait_for(Duration::from_secs(3), |c| {
        c.frames().into_iter().find(|f| f.ts >= t)
    })
    .is_some()
}

// ---------------------------------------------------------------- 1. failover

fn failover(imp: Impl, v3: bool, cycles: usize, bin: &Path) -> Samples {
    let tag = if v3 { "v3 0.1 s" } else { "v2 1 s" };
    let int = if v3 {
        Duration::from_millis(100)
    } else {
        Duration::from_secs(1)
    };
    let master_down = |p: u32| int * 3 + int * (256 - p) / 256;
    let settle = (int * 3).max(Duration::from_secs(1));
    let lan = Lan::new(2);
    let (m1, m2) = (mac(lan.r(1)), mac(lan.r(2)));
    let (mon1, mon2) = (Monitor::new(&lan, 1), Monitor::new(&lan, 2));
    let mut out = Samples::new();
    for c in 1..=cycles {
        progress(&format!(
            "{} failover {tag}: cycle {c}/{cycles}",
            imp.name()
        ));
        // A VIP left from the last cycle would make r1's add a no-op that
        // the address monitor never sees.
        for r in [1, 2] {
            assert!(
                !has_vip(lan.r(r), VIP),
                "cycle {c}: VIP left on r{r}:\n{}",
                show(lan.r(r))
            );
        }
        let cap = lan.capture();
        // Cold start: exec of r1 -> VIP on r1 (address monitor); r2 joins
        // once r1 runs its protocol.
        let t_exec = SystemTime::now();
        let mut r1 = imp.spawn(&lan, 1, &seed(v3, true), bin);
        let started = wait(LONG, STEP, || {
            let l = r1.log();
            l.contains("Entering BACKUP STATE") || l.contains("Entering MASTER STATE")
        });
        assert!(started.is_some(), "r1 did not start:\n{}", r1.log());
        let stamps = lan.dir.join(format!("notify-{c}.txt"));
        let mut r2 = imp.spawn(&lan, 2, &seed_notify(v3, &stamps), bin);
        let vip1 = mon1.wait(VIP, true, t_exec);
        let vip1 = vip1.or_else(|| {
            wait(LONG, STEP, || has_vip(lan.r(1), VIP))?;
            mon1.first(VIP, true, t_exec)
        });
        let vip1 = vip1.unwrap_or_else(|| {
            let seen = has_vip(lan.r(1), VIP);
            panic!(
                "r1: VIP {} (address monitor: no add since exec):\n{}\n{}",
                if seen { "present" } else { "never added" },
                show(lan.r(1)),
                r1.log()
            )
        });
        push(
            &mut out,
            &format!("{tag}: cold start, exec -> VIP on master"),
            diff_ms(t_exec, vip1),
        );
        assert!(
            wait_lines(&r2, "Entering BACKUP STATE", 1, LONG),
            "r2:\n{}",
            r2.log()
        );
        nap(settle);

        // SIGTERM: -> VIP on r2 (monitor), -> r1's process gone (1 ms polls).
        let t_term = SystemTime::now();
        let i_term = Instant::now();
        signal::kill(Pid::from_raw(r1.pid as i32), Signal::SIGTERM).unwrap();
        let mut gone = None;
        while i_term.elapsed() < Duration::from_secs(5) {
            if !r1.running() {
                gone = Some(i_term.elapsed());
                break;
            }
            sleep(Duration::from_millis(1));
        }
        let gone = gone.unwrap_or_else(|| panic!("r1 still running 5 s after SIGTERM"));
        push(
            &mut out,
            &format!("{tag}: SIGTERM -> process gone"),
            ms(gone),
        );
        let vip2 = mon2
            .wait(VIP, true, t_term)
            .or_else(|| {
                wait(LONG, STEP, || has_vip(lan.r(2), VIP))?;
                mon2.first(VIP, true, t_term)
            })
            .unwrap_or_else(|| panic!("r2 never took over after SIGTERM:\n{}", r2.log()));
        push(
            &mut out,
            &format!("{tag}: SIGTERM -> VIP on backup"),
            diff_ms(t_term, vip2),
        );
        match stamp_after(&stamps, t_term) {
            Some(t) => push(
                &mut out,
                &format!("{tag}: takeover, VIP on backup -> notify_master started"),
                diff_ms(vip2, t),
            ),
            None => progress(&format!("{} {tag}: cycle {c}: no notify stamp", imp.name())),
        }

        // Restart r1: preemption. Overlap or gap between r1's add and r2's
        // delete of the VIP.
        nap(settle);
        let t_re = SystemTime::now();
        let mut r1 = imp.spawn(&lan, 1, &seed(v3, true), bin);
        let back = wait(LONG, STEP, || {
            has_vip(lan.r(1), VIP) && !has_vip(lan.r(2), VIP)
        });
        assert!(back.is_some(), "no preemption:\n{}\n{}", r1.log(), r2.log());
        let add1 = mon1.wait(VIP, true, t_re).expect("monitor: add on r1");
        let del2 = mon2.wait(VIP, false, t_re).expect("monitor: delete on r2");
        let d = diff_ms(add1, del2);
        push(
            &mut out,
            &format!("{tag}: preemption, VIP on both"),
            d.max(0.0),
        );
        push(
            &mut out,
            &format!("{tag}: preemption, VIP on neither"),
            (-d).max(0.0),
        );
        nap(settle);

        // SIGKILL + link down.
        let t_crash = SystemTime::now();
        crash(&mut r1);
        link_down(lan.r(1));
        let vip2 = mon2
            .wait(VIP, true, t_crash)
            .or_else(|| {
                wait(LONG, STEP, || has_vip(lan.r(2), VIP))?;
                mon2.first(VIP, true, t_crash)
            })
            .unwrap_or_else(|| panic!("r2 never took over after the crash:\n{}", r2.log()));
        push(
            &mut out,
            &format!("{tag}: SIGKILL + link down -> VIP on backup"),
            diff_ms(t_crash, vip2),
        );
        // On the wire: r1's last advert -> the earlier of r2's first advert
        // and first gratuitous ARP.
        let after = SystemTime::now() + Duration::from_millis(100);
        nap(Duration::from_millis(150));
        assert!(caught_up(&cap, after), "capture stalled");
        let adverts = cap.adverts();
        let last1 = adverts
            .iter()
            .filter(|a| a.eth_src == m1 && a.ts < t_crash)
            .map(|a| a.ts)
            .max();
        let first2 = adverts
            .iter()
            .filter(|a| a.eth_src == m2 && a.ts >= t_crash)
            .map(|a| a.ts)
            .chain(
                cap.garps()
                    .into_iter()
                    .filter(|g| g.arp.sender_mac == m2 && g.ts >= t_crash)
                    .map(|g| g.ts),
            )
            .min();
        if let (Some(l), Some(f)) = (last1, first2) {
            let down = diff_ms(l, f);
            push(
                &mut out,
                &format!("{tag}: crash, master-down interval on the wire"),
                down,
            );
            push(
                &mut out,
                &format!("{tag}: crash, overhead over 3 x interval + skew"),
                down - ms(master_down(LO)),
            );
        } else {
            progress(&format!("{} {tag}: cycle {c}: no wire sample", imp.name()));
        }

        // Reset for the next cycle.
        stop_clean(&mut r2);
        link_up(lan.r(1));
        del_vip(&lan);
        drop(cap);
    }
    out
}

/// Take the VIP off r1 (what a stop left, or a crash), for the next cycle;
/// checked (bounded retries): the next cycle asserts a clean start.
fn del_vip(lan: &Lan) {
    let vip = format!("{VIP}/24");
    for _ in 0..20 {
        if !has_vip(lan.r(1), VIP) {
            return;
        }
        let _ = run(&["ip", "-n", lan.r(1), "addr", "del", &vip, "dev", "eth0"]);
        sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------- 2. footprint

fn footprint(imp: Impl, bin: &Path, label: &str) -> Samples {
    progress(&format!("footprint {label}"));
    let lan = Lan::new(1);
    let mut d = imp.spawn(&lan, 1, &seed(false, true), bin);
    assert!(
        wait_lines(&d, "Entering MASTER STATE", 1, LONG),
        "{}",
        d.log()
    );
    nap(Duration::from_secs(2));
    let pids = procs(d.pid);
    let (rss, pss) = mem_kb(&pids);
    let (nlib, libbytes) = libs(&pids);
    let exe = fs::read_link(format!("/proc/{}/exe", d.pid)).unwrap();
    let size = fs::metadata(&exe).unwrap().len();
    stop_clean(&mut d);
    let mut out = Samples::new();
    push(&mut out, &format!("{label}: processes"), pids.len() as f64);
    push(
        &mut out,
        &format!("{label}: RSS as master, 1 instance"),
        rss,
    );
    push(
        &mut out,
        &format!("{label}: PSS as master, 1 instance"),
        pss,
    );
    push(
        &mut out,
        &format!("{label}: binary size"),
        size as f64 / 1024.0,
    );
    push(
        &mut out,
        &format!("{label}: shared libraries loaded"),
        nlib as f64,
    );
    push(
        &mut out,
        &format!("{label}: shared libraries, total size"),
        libbytes as f64 / 1024.0,
    );
    out
}

// ---------------------------------------------------------------- 3/4. CPU, scale

/// An IPv6 VRRP advert (no extension headers): (source MAC, VRID).
fn advert6(data: &[u8]) -> Option<([u8; 6], u8)> {
    if data.get(12..14)? != [0x86, 0xdd] || *data.get(14 + 6)? != 112 {
        return None;
    }
    let vrrp = data.get(14 + 40..)?;
    (*vrrp.first()? == 0x31).then_some((data[6..12].try_into().ok()?, *vrrp.get(1)?))
}

/// Voluntary context switches (the process slept, then woke: wakeups)
/// summed over every thread of the processes.
fn wakeups(pids: &[u32]) -> f64 {
    task_files(pids, "status")
        .map(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(0.0)
        })
        .sum()
}

/// CPU (ticks and schedstat) and wakeups per second of the master's
/// processes `p1` and the backup's `p2` over `window`.
fn measure(p1: &[u32], p2: &[u32], tag: &str, window: Duration) -> Samples {
    let (c1, c2) = (cpu_ms(p1), cpu_ms(p2));
    let (w1, w2) = (wakeups(p1), wakeups(p2));
    nap(window);
    let (e1, e2) = (cpu_ms(p1), cpu_ms(p2));
    let (x1, x2) = (wakeups(p1), wakeups(p2));
    let secs = window.as_secs_f64();
    // CPU rows are per 30 s whatever the window (BENCH_WINDOW).
    let per30 = 30.0 / secs;
    let rows = [
        (
            "idle CPU per 30 s",
            (e1.0 - c1.0) * per30,
            (e2.0 - c2.0) * per30,
        ),
        (
            "idle CPU per 30 s (schedstat)",
            (e1.1 - c1.1) * per30,
            (e2.1 - c2.1) * per30,
        ),
        (
            "kernel CPU (stime) per 30 s",
            (e1.2 - c1.2) * per30,
            (e2.2 - c2.2) * per30,
        ),
        ("wakeups per s", (x1 - w1) / secs, (x2 - w2) / secs),
    ];
    let mut out = Samples::new();
    for (what, master, backup) in rows {
        push(&mut out, &format!("{what}, {tag}, master"), master);
        push(&mut out, &format!("{what}, {tag}, backup"), backup);
    }
    out
}

/// Per VRID, r1's (MAC `m1`) adverts on the capture within `t0..t1`; a gap
/// of k intervals (rounded) between two of them is k - 1 missed adverts, so
/// the window's edges cost nothing.
fn adverts_missed(
    cap: &Capture,
    m1: [u8; 6],
    n: usize,
    (t0, t1): (SystemTime, SystemTime),
    tag: &str,
) -> Samples {
    let mut out = Samples::new();
    let mut per_vrid: Vec<Vec<SystemTime>> = vec![Vec::new(); 256];
    for f in cap.frames() {
        if f.ts < t0 || f.ts >= t1 {
            continue;
        }
        if let Some((src, vrid)) = advert6(&f.data) {
            if src == m1 {
                per_vrid[usize::from(vrid)].push(f.ts);
            }
        }
    }
    let (mut missed, mut worst, mut max_gap, mut counted) = (0.0, 0.0f64, 0.0f64, 0.0);
    for ts in &per_vrid[1..=n] {
        counted += ts.len() as f64;
        let mut m = 0.0;
        for w in ts.windows(2) {
            let gap = diff_ms(w[0], w[1]);
            max_gap = max_gap.max(gap);
            m += ((gap / 100.0).round() - 1.0).max(0.0);
        }
        if ts.is_empty() {
            m = (diff_ms(t0, t1) / 100.0).floor();
        }
        missed += m;
        worst = worst.max(m);
    }
    let expected = (diff_ms(t0, t1) / 100.0).floor() * n as f64;
    push(
        &mut out,
        &format!("scale {tag}, 60 s: adverts expected (all VRIDs)"),
        expected,
    );
    push(
        &mut out,
        &format!("scale {tag}, 60 s: adverts captured (all VRIDs)"),
        counted,
    );
    push(
        &mut out,
        &format!("scale {tag}, 60 s: adverts missed (gaps, all VRIDs)"),
        missed,
    );
    push(
        &mut out,
        &format!("scale {tag}, 60 s: adverts missed, worst VRID"),
        worst,
    );
    push(
        &mut out,
        &format!("scale {tag}, 60 s: longest gap between adverts of a VRID"),
        max_gap,
    );
    out
}

fn idle(imp: Impl, n: usize, scale: bool, bin: &Path) -> Samples {
    let window = Duration::from_secs(env_num("BENCH_WINDOW", 30));
    let lan = Lan::new(2);
    let m1 = mac(lan.r(1));
    let mut r1 = imp.spawn(&lan, 1, &multi(n, true), bin);
    assert!(
        wait_lines(&r1, "Entering MASTER STATE", n, Duration::from_secs(60)),
        "r1 masters:\n{}",
        r1.log()
    );
    let mut r2 = imp.spawn(&lan, 2, &multi(n, false), bin);
    assert!(
        wait_lines(&r2, "Entering BACKUP STATE", n, Duration::from_secs(60)),
        "r2 backups:\n{}",
        r2.log()
    );
    nap(Duration::from_secs(3));
    let cap = scale.then(|| lan.capture());
    let (mark1, mark2) = (r1.log().len(), r2.log().len());
    let (p1, p2) = (procs(r1.pid), procs(r2.pid));
    let t0 = SystemTime::now();
    let tag = format!("{n} x 0.1 s");
    progress(&format!(
        "{} idle, {n} instances: {} s window",
        imp.name(),
        window.as_secs()
    ));
    let mut out = measure(&p1, &p2, &tag, window);
    push(&mut out, &format!("RSS, {tag}, master"), mem_kb(&p1).0);
    push(&mut out, &format!("RSS, {tag}, backup"), mem_kb(&p2).0);
    if let Some(mut cap) = cap {
        progress(&format!("{} scale, {n} instances: 30 s more", imp.name()));
        nap(window);
        let t1 = SystemTime::now();
        nap(Duration::from_millis(300));
        cap.stop();
        let transitions = |d: &Daemon, mark: usize| {
            let l = d.log_since(mark);
            (l.matches("Entering MASTER STATE").count()
                + l.matches("Entering BACKUP STATE").count()) as f64
        };
        push(
            &mut out,
            &format!("scale {tag}, 60 s: false transitions (both routers)"),
            transitions(&r1, mark1) + transitions(&r2, mark2),
        );
        out.extend(adverts_missed(&cap, m1, n, (t0, t1), &tag));
        let dropped = tcpdump_drops(&lan.dir);
        push(
            &mut out,
            &format!("scale {tag}, 60 s: tcpdump kernel drops"),
            dropped,
        );
    }
    stop_clean(&mut r1);
    stop_clean(&mut r2);
    out
}

/// The floor (bench/floor.c): `variant` ("batch", "packet" or "poll") masters for
/// VRIDs 1..=n in r1 and backups in r2, measured as [`idle`] measures the
/// daemons. A master-down line from the backup in the window means adverts
/// went missing: reported, and the samples dropped (they would flatter).
fn idle_floor(floor: &Path, variant: &str, n: usize) -> Samples {
    let window = Duration::from_secs(env_num("BENCH_WINDOW", 30));
    let lan = Lan::new(2);
    let spawn = |i: usize, role: &str| {
        let argv = [
            floor.to_str().unwrap(),
            role,
            variant,
            &n.to_string(),
            "eth0",
        ]
        .map(String::from)
        .to_vec();
        let d = lan.spawn_with(i, "", move |_, _| argv);
        assert!(
            wait_lines(&d, "ready", 1, Duration::from_secs(10)),
            "floor {role}:\n{}",
            d.log()
        );
        d
    };
    let mut r1 = spawn(1, "master");
    let mut r2 = spawn(2, "backup");
    nap(Duration::from_secs(3));
    let mark = r2.log().len();
    let tag = format!("{n} x 0.1 s");
    progress(&format!(
        "floor ({variant}) idle, {n} instances: {} s window",
        window.as_secs()
    ));
    let mut out = measure(&procs(r1.pid), &procs(r2.pid), &tag, window);
    let down = r2.log_since(mark).matches("master down").count();
    if down > 0 {
        progress(&format!(
            "floor ({variant}), {n} instances: {down} master-down expiries in the window \
             (adverts lost): its samples are left out"
        ));
        out.clear();
    }
    stop_clean(&mut r1);
    stop_clean(&mut r2);
    out
}

/// "N packets dropped by kernel" from tcpdump's stderr files.
fn tcpdump_drops(dir: &Path) -> f64 {
    let mut total = 0.0;
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().ends_with(".err") {
            let s = fs::read_to_string(e.path()).unwrap_or_default();
            for line in s.lines().filter(|l| l.contains("dropped by kernel")) {
                total += line
                    .split_whitespace()
                    .next()
                    .and_then(|x| x.parse::<f64>().ok())
                    .unwrap_or(0.0);
            }
        }
    }
    total
}

// ---------------------------------------------------------------- 5. start-up

fn startup(imp: Impl, samples: usize, bin: &Path) -> Samples {
    let lan = Lan::new(1);
    let m1 = mac(lan.r(1));
    let conf = edit(&seed(true, true), "priority 200", "priority 255");
    let cap = lan.capture();
    let mut out = Samples::new();
    for k in 1..=samples {
        progress(&format!("{} start-up {k}/{samples}", imp.name()));
        let t = SystemTime::now();
        let mut d = imp.spawn(&lan, 1, &conf, bin);
        let first = cap.wait_for(Duration::from_secs(10), |c| {
            check();
            c.adverts()
                .into_iter()
                .find(|a| a.eth_src == m1 && a.ts >= t && a.advert.priority == 255)
        });
        let first = first.unwrap_or_else(|| panic!("no advert:\n{}", d.log()));
        push(
            &mut out,
            "start-up: exec -> first advert, priority 255, v3 0.1 s",
            diff_ms(t, first.ts),
        );
        stop_clean(&mut d);
        del_vip(&lan);
        nap(Duration::from_millis(300));
    }
    out
}

// ---------------------------------------------------------------- configuration check

/// `-t` on the 255-master configuration, `samples` times: how long reading
/// and checking a large keepalived.conf takes. tinyvrrpd reads it the same
/// way at a reload, inside its poll loop, so a slow reader stops adverts.
/// Nothing is sent: no namespace.
fn config_check(imp: Impl, samples: usize, bin: &Path) -> Samples {
    let name = format!("tinyvrrpd-bench-check-{}.conf", std::process::id());
    let path = std::env::temp_dir().join(name);
    fs::write(&path, multi(255, true)).unwrap();
    let prog = match imp {
        Impl::Tiny => bin,
        Impl::Ka => Path::new("keepalived"),
    };
    let mut out = Samples::new();
    for k in 1..=samples {
        progress(&format!("{} config check {k}/{samples}", imp.name()));
        let t = Instant::now();
        let ran = Command::new(prog)
            .args(["-t", "-f"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let took = ms(t.elapsed());
        if ran.is_ok() {
            push(&mut out, "config check: -t -> exit, 255 instances", took);
        }
    }
    let _ = fs::remove_file(&path);
    out
}

// ---------------------------------------------------------------- 6. mail

/// The seed master with `smtp_alert`, mailing the observer's SMTP server.
fn seed_mail() -> String {
    let c = edit(
        &seed(false, true),
        "smtp_server localhost",
        &format!("smtp_server {OBSERVER_IP}"),
    );
    edit(
        &c,
        "    advert_int 1\n",
        "    advert_int 1\n    smtp_alert\n",
    )
}

/// Cold start of a lone master, `samples` times: its first advert on the
/// wire (the transition to MASTER) -> the server's 250 for the MASTER mail.
fn mail(imp: Impl, samples: usize, bin: &Path) -> Samples {
    let lan = Lan::new(1);
    let srv = smtp::SmtpServer::start(&lan, smtp::Mode::Ok);
    let m1 = mac(lan.r(1));
    let cap = lan.capture();
    let mut out = Samples::new();
    for k in 1..=samples {
        progress(&format!("{} mail {k}/{samples}", imp.name()));
        let t = SystemTime::now();
        let mut d = imp.spawn(&lan, 1, &seed_mail(), bin);
        let mut accepted = None;
        wait(Duration::from_secs(8), STEP, || {
            accepted = srv
                .mails_from(router_ip(1))
                .into_iter()
                .filter(|s| s.subject.as_deref().is_some_and(|s| s.contains("MASTER")))
                .filter_map(|s| s.accepted)
                .find(|a| *a >= t);
            accepted.is_some()
        });
        let first = cap.wait_for(Duration::from_secs(2), |c| {
            c.adverts()
                .into_iter()
                .find(|a| a.eth_src == m1 && a.ts >= t && a.advert.priority == 200)
        });
        stop_clean(&mut d);
        del_vip(&lan);
        let (Some(acc), Some(first)) = (accepted, first) else {
            progress(&format!(
                "{}: no MASTER mail accepted: mail row skipped",
                imp.name()
            ));
            break;
        };
        push(
            &mut out,
            "mail: transition to MASTER (first advert) -> mail accepted by the server",
            diff_ms(first.ts, acc),
        );
        nap(Duration::from_millis(300));
    }
    out
}

// ---------------------------------------------------------------- table

struct Stats {
    median: f64,
    p90: f64,
    min: f64,
    max: f64,
}

fn stats(v: &[f64]) -> Option<Stats> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |p: f64| {
        // Linear interpolation between closest ranks.
        let x = p * (s.len() - 1) as f64;
        let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
        s[lo] + (s[hi] - s[lo]) * (x - lo as f64)
    };
    Some(Stats {
        median: q(0.5),
        p90: q(0.9),
        min: s[0],
        max: s[s.len() - 1],
    })
}

fn num(x: f64) -> String {
    if x.abs() >= 100.0 || x == x.round() {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn cell(s: &Option<Stats>, n: usize) -> String {
    match s {
        None => "-".into(),
        Some(s) if n == 1 => num(s.median),
        Some(s) => format!(
            "{} ({} / {}-{})",
            num(s.median),
            num(s.p90),
            num(s.min),
            num(s.max)
        ),
    }
}

fn unit(metric: &str) -> &'static str {
    if metric.contains("missed") || metric.contains("count") {
        "count"
    } else if metric.contains("per s,") {
        "1/s"
    } else if metric.contains("RSS") || metric.contains("PSS") || metric.contains("size") {
        "KiB"
    } else if metric.contains("CPU")
        || metric.contains("->")
        || metric.contains("preemption")
        || metric.contains("interval")
        || metric.contains("overhead")
        || metric.contains("gap")
    {
        "ms"
    } else {
        "count"
    }
}

/// The issues' goals, checked (never asserted) against the medians (for
/// SIGTERM -> exit, against the maximum). `fl` is the batched floor.
fn goal(
    metric: &str,
    tv: &Option<Stats>,
    ka: &Option<Stats>,
    fl: &Option<Stats>,
) -> (String, String) {
    let (Some(t), k) = (tv, ka) else {
        return (String::new(), String::new());
    };
    let yes = |b: bool| if b { "yes" } else { "**no**" }.to_string();
    if metric.starts_with("idle CPU per 30 s") {
        return cpu_goal(metric, t, k, fl);
    }
    if metric.contains("overhead") {
        if let Some(k) = k {
            return ("<= keepalived median".into(), yes(t.median <= k.median));
        }
    }
    if metric.contains("SIGTERM -> process gone") {
        return ("< 20 ms (max)".into(), yes(t.max < 20.0));
    }
    if metric.contains("RSS as master") || metric.contains("PSS as master") {
        if let Some(k) = k {
            return ("<= 1/10".into(), yes(t.median * 10.0 <= k.median));
        }
    }
    if metric.contains("false transitions") {
        return ("0".into(), yes(t.max == 0.0));
    }
    if metric.contains("binary size") {
        if let Some(k) = k {
            return ("<= 1/3".into(), yes(t.median * 3.0 <= k.median));
        }
    }
    if metric.contains("shared libraries loaded") {
        return ("0".into(), yes(t.max == 0.0));
    }
    (String::new(), String::new())
}

/// Issue 17's idle-CPU goals: masters within 10 % of the batched floor;
/// 255 backups at most 1/3 of keepalived and 1.5 x the floor; 1 backup at
/// most 1/2 of keepalived. None for 16 backups.
fn cpu_goal(metric: &str, t: &Stats, ka: &Option<Stats>, fl: &Option<Stats>) -> (String, String) {
    let yes = |b: bool| if b { "yes" } else { "**no**" }.to_string();
    let (Some(k), f) = (ka, fl) else {
        return (String::new(), String::new());
    };
    if metric.ends_with("master") {
        return match f {
            Some(f) => ("<= 1.1 x floor".into(), yes(t.median <= 1.1 * f.median)),
            None => (String::new(), String::new()),
        };
    }
    if metric.contains(" 255 x ") {
        let vs_ka = t.median * 3.0 <= k.median;
        return match f {
            Some(f) => (
                "<= 1/3 keepalived, <= 1.5 x floor".into(),
                yes(vs_ka && t.median <= 1.5 * f.median),
            ),
            None => ("<= 1/3 keepalived".into(), yes(vs_ka)),
        };
    }
    if metric.contains(" 1 x ") {
        return ("<= 1/2 keepalived".into(), yes(t.median * 2.0 <= k.median));
    }
    (String::new(), String::new())
}

/// Metric name without the binary label footprint rows carry.
fn strip_label(m: &str) -> String {
    match m.split_once(": ") {
        Some((l, rest)) if l == "tinyvrrpd" || l == "keepalived" => rest.to_string(),
        _ => m.to_string(),
    }
}

/// Ratio of two medians, or "-".
fn ratio(a: &Option<Stats>, b: &Option<Stats>) -> String {
    match (a, b) {
        (Some(x), Some(y)) if y.median > 0.0 && x.median >= 0.0 => {
            format!("{:.2}", x.median / y.median)
        }
        _ => "-".into(),
    }
}

/// The markdown table, one row per metric in the order first measured,
/// and the raw samples. `fl`: the batched, per-packet and fixed-design
/// (poll) floors.
fn table(tv: &Samples, ka: &Samples, fl: [&Samples; 3]) -> (String, String) {
    let [fb, fp, fd] = fl;
    let mut metrics: Vec<String> = Vec::new();
    for (m, _) in tv.iter().chain(ka) {
        let m = strip_label(m);
        if !metrics.contains(&m) {
            metrics.push(m);
        }
    }
    let values = |s: &Samples, m: &str| -> Vec<f64> {
        s.iter()
            .filter(|(k, _)| strip_label(k) == m)
            .map(|(_, v)| *v)
            .collect()
    };
    let mut table = String::from(
        "| metric | unit | tinyvrrpd | keepalived | floor, batched | floor, per packet \
         | floor, fixed design | tinyvrrpd / keepalived | tinyvrrpd / floor \
         | tinyvrrpd / fixed-design floor | goal | met |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    let mut raw = String::new();
    for m in &metrics {
        let v = [
            values(tv, m),
            values(ka, m),
            values(fb, m),
            values(fp, m),
            values(fd, m),
        ];
        let st = v.each_ref().map(|x| stats(x));
        let (g, met) = goal(m, &st[0], &st[1], &st[2]);
        let _ = writeln!(
            table,
            "| {m} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {g} | {met} |",
            unit(m),
            cell(&st[0], v[0].len()),
            cell(&st[1], v[1].len()),
            cell(&st[2], v[2].len()),
            cell(&st[3], v[3].len()),
            cell(&st[4], v[4].len()),
            ratio(&st[0], &st[1]),
            ratio(&st[0], &st[2]),
            ratio(&st[0], &st[4]),
        );
        let _ = write!(
            raw,
            "- {m} ({})\n  - tinyvrrpd: {:?}\n  - keepalived: {:?}\n",
            unit(m),
            v[0],
            v[1]
        );
        if !v[2].is_empty() || !v[3].is_empty() || !v[4].is_empty() {
            let _ = write!(
                raw,
                "  - floor, batched: {:?}\n  - floor, per packet: {:?}\n  \
                 - floor, fixed design: {:?}\n",
                v[2], v[3], v[4]
            );
        }
    }
    (table, raw)
}

/// The timing and memory scenarios: the two daemons side by side, each on
/// its own LAN; other tinyvrrpd builds' footprints into `extra`.
fn timing(bin: &Path, cycles: usize, tv: &mut Samples, ka: &mut Samples, extra: &mut Samples) {
    let release = PathBuf::from(BIN);
    let musl = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(MUSL);
    let ka_bin = PathBuf::from(KEEPALIVED);
    let pair = |f: &(dyn Fn(Impl) -> Samples + Sync), tv: &mut Samples, ka: &mut Samples| {
        thread::scope(|s| {
            let a = s.spawn(|| f(Impl::Tiny));
            let b = s.spawn(|| f(Impl::Ka));
            tv.extend(a.join().expect("tinyvrrpd scenario"));
            ka.extend(b.join().expect("keepalived scenario"));
        });
    };

    // Timing and memory: the two daemons side by side, each on its own LAN.
    pair(
        &|i| footprint(i, if i == Impl::Tiny { bin } else { &ka_bin }, i.name()),
        tv,
        ka,
    );
    for (b, label) in [
        (&release, "tinyvrrpd release (glibc)"),
        (&musl, "tinyvrrpd static musl"),
    ] {
        if b.exists() && b != bin {
            extra.extend(footprint(Impl::Tiny, b, label));
        } else if !b.exists() {
            progress(&format!("{} absent: skipped", b.display()));
        }
    }
    pair(&|i| startup(i, cycles, bin), tv, ka);
    pair(&|i| mail(i, cycles, bin), tv, ka);
    pair(&|i| failover(i, true, cycles, bin), tv, ka);
    pair(&|i| failover(i, false, cycles, bin), tv, ka);
}

/// keepalived's version line, the kernel release and the CPU count.
fn host() -> (String, String, usize) {
    let kver = run(&["uname", "-r"]).unwrap_or_default();
    let kaver = Command::new(KEEPALIVED)
        .arg("-v")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    let cpus = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    (kaver, kver, cpus)
}

/// Writes the report to bench/results/`name` and latest.md, or, for a
/// trial run, to the temp dir only.
fn write_doc(root: &Path, trial: bool, name: &str, doc: &str, took: u64) {
    if trial {
        let path = std::env::temp_dir().join("tinyvrrpd-bench-trial.md");
        fs::write(&path, doc).unwrap();
        progress(&format!(
            "trial run: wrote {} only ({took} s)",
            path.display()
        ));
        return;
    }
    let dir = root.join("bench/results");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    fs::write(&path, doc).unwrap();
    fs::write(dir.join("latest.md"), doc).unwrap();
    progress(&format!(
        "wrote {} and latest.md ({took} s)",
        path.display()
    ));
}

/// The floor binary: FLOOR_BIN, or target/floor as `make bench` builds it.
fn floor_bin(root: &Path) -> PathBuf {
    let floor = std::env::var_os("FLOOR_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(FLOOR));
    if !floor.exists() {
        progress(&format!(
            "{} absent (`make bench` builds it): floor columns left empty",
            floor.display()
        ));
    }
    floor
}

fn main() {
    if !root_or_skip() {
        return;
    }
    catch_signals();
    let t_start = Instant::now();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let musl = root.join(MUSL);
    let bin = match std::env::var_os("TINYVRRPD_BIN") {
        Some(b) => PathBuf::from(b),
        None if musl.exists() => musl,
        None => PathBuf::from(BIN),
    };
    let cycles = usize::try_from(env_num("BENCH_CYCLES", 10)).unwrap();
    progress(&format!("tinyvrrpd binary: {}", bin.display()));

    let mut tv = Samples::new();
    let mut ka = Samples::new();
    // Trial runs (the machine may be shared): BENCH_ONLY=cpu skips all but
    // the idle-CPU runs, BENCH_N=1,16 picks the instance counts.
    let only_cpu = std::env::var("BENCH_ONLY").is_ok_and(|v| v == "cpu");
    let counts: Vec<usize> = std::env::var("BENCH_N")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 16, 255]);
    let trial = only_cpu
        || std::env::var_os("BENCH_N").is_some()
        || std::env::var_os("BENCH_IMPL").is_some();
    let mut extra = Samples::new();
    if !only_cpu {
        timing(&bin, cycles, &mut tv, &mut ka, &mut extra);
        tv.extend(config_check(Impl::Tiny, 5, &bin));
        ka.extend(config_check(Impl::Ka, 5, &bin));
    }

    // CPU: one daemon at a time, then the floors (bench/floor.c, built by
    // `make bench`; FLOOR_BIN picks another).
    let floor = floor_bin(&root);
    // BENCH_IMPL=tiny,ka,floor (trial runs) picks who runs idle.
    let impls = std::env::var("BENCH_IMPL").unwrap_or_else(|_| "tiny,ka,floor".into());
    let runs = |what: &str| impls.split(',').any(|x| x.trim() == what);
    let (mut fb, mut fp, mut fd) = (Samples::new(), Samples::new(), Samples::new());
    for &n in &counts {
        for (imp, out, what) in [(Impl::Tiny, &mut tv, "tiny"), (Impl::Ka, &mut ka, "ka")] {
            if !runs(what) {
                continue;
            }
            progress(&format!("{} idle CPU, {n} instances", imp.name()));
            out.extend(idle(imp, n, n == 255, &bin));
        }
        if floor.exists() && runs("floor") {
            fb.extend(idle_floor(&floor, "batch", n));
            fp.extend(idle_floor(&floor, "packet", n));
            fd.extend(idle_floor(&floor, "poll", n));
        }
    }

    let (table, raw) = table(&tv, &ka, [&fb, &fp, &fd]);
    let mut extra_table = String::new();
    for (m, v) in &extra {
        let _ = writeln!(extra_table, "| {m} | {} | {} |", unit(m), num(*v));
    }
    let (date, time) = utc_now();
    let took = t_start.elapsed().as_secs();
    let (kaver, kver, cpus) = host();
    let doc = format!(
        "# tinyvrrpd vs keepalived, {date} {}:{}:{} UTC\n\n\
         `make bench` ({took} s). tinyvrrpd binary: `{}`; {kaver}; kernel {}; {cpus} CPUs.\n\n\
         Cells: median (p90 / min-max) over the samples; a single sample is shown alone. \
         Ratios: tinyvrrpd median / keepalived median and / the batched floor's median: lower is \
         better for every row. \
         Goals are reported, never asserted.\n\n{table}\n\
         Other tinyvrrpd builds (one sample each):\n\n| metric | unit | value |\n|---|---|---:|\n{extra_table}\n\
         ## How each number is measured\n\n{NOTES}\n## Raw samples\n\n{raw}",
        &time[0..2],
        &time[2..4],
        &time[4..6],
        bin.strip_prefix(&root).unwrap_or(&bin).display(),
        kver.trim(),
    );
    println!("\n{table}");
    write_doc(&root, trial, &format!("{date}-{time}.md"), &doc, took);
}

const NOTES: &str = "\
- Each daemon runs on its own namespace LAN (tests/common/mod.rs): r1 192.0.2.71 (priority \
200), r2 192.0.2.72 (priority 100), observer 192.0.2.9 with tcpdump. Timing scenarios run \
tinyvrrpd and keepalived concurrently on separate LANs; CPU and scale runs one daemon at a time.
- Failover (seed configs: v2 PASS auth at 1 s; v3 at 0.1 s without auth), per cycle: cold \
start of r1 then r2; SIGTERM r1; restart r1 (preemption); SIGKILL r1 (keepalived: parent \
stopped, VRRP child killed, parent killed) and `ip link set eth0 down` in r1.
- \"-> VIP on ...\" times: from just before the signal/exec (wall clock) to the address \
appearing, as stamped by `ip -ts monitor address` in the router's namespace (netlink \
notification, stamped on receipt: sub-millisecond). Exec includes `ip netns exec`.
- \"master-down interval on the wire\": observer capture, kernel timestamps: r1's last advert \
-> the earlier of r2's first advert and first gratuitous ARP. \"overhead\" subtracts the \
protocol's 3 x interval + skew (skew for priority 100): 3.609 s at 1 s, 360.9 ms at 0.1 s. \
tcpdump timestamps have microsecond resolution.
- SIGTERM -> process gone: the daemon's (keepalived: the parent's) exit, polled every 1 ms \
with waitpid: +~1 ms.
- Preemption: r1's VIP add vs r2's VIP delete (monitor timestamps): overlap (\"both\") or gap \
(\"neither\").
- Footprint: seed master config (1 instance, v2) as master; RSS/PSS from \
/proc/PID/smaps_rollup summed over the daemon's processes (keepalived: parent + VRRP child); \
shared libraries: distinct files other than the executable in /proc/PID/maps (ld.so \
included), sizes on disk; binary size: the executable the process runs.
- Idle CPU: r1 with N master instances and r2 with N backups (v3, 0.1 s, IPv6 VIPs \
2001:db8::1:N, since 192.0.2.0/24 has too few addresses for 255), settled, then utime+stime \
from /proc/PID/stat over 30 s, summed over the daemon's processes. Ticks are 10 ms, so these \
rows are coarse (one sample each, +-10 ms); the schedstat rows (on-CPU nanoseconds of every \
thread, /proc/PID/task/*/schedstat) are exact, and the goal is shown for both. Softirq time \
spent receiving packets is not charged to the daemon in either. `kernel CPU (stime)`: stime \
alone over the same window (same 10 ms ticks): the system calls' own cost, which no change in \
the daemon's code can remove; where it alone exceeds a goal's bound, only a different set of \
system calls (a different design) could meet that goal.
- Config check: `-t -f FILE` on the idle runs' 255-master configuration (v3, 0.1 s, IPv6 \
VIPs), exec -> exit, wall clock, 5 samples each; tinyvrrpd reads a configuration the same way \
at a reload, inside its poll loop.
- Wakeups per s: the delta of voluntary_ctxt_switches (/proc/PID/task/*/status, every \
thread of the daemon's processes) over the CPU window, divided by its length: how often the \
process slept and was woken.
- Floor (bench/floor.c, built by `make bench` with the system C compiler into target/floor): \
only the syscalls VRRPv3 over IPv6 needs for the same N instances, in r1 (masters, priority \
200) and r2 (backups, priority 100) of a LAN like the daemons', measured the same way. Masters \
send each instance's advert every 0.1 s from a raw IPv6 socket (hop limit 255; kernel header and, \
as for keepalived, checksum: IPV6_CHECKSUM, which also checks it on receive). Backups check version/type, VRID and hop limit \
255 (a control message) and keep master-down timers lazily (an advert records its time; a \
timer that fires re-arms at last advert + master-down). \"Per packet\": a periodic timerfd \
per master instance, a read and a sendto per advert; a timerfd per backup instance and one \
recvmsg per advert. \"Batched\": masters one timerfd tick and one sendmmsg for the tick's \
adverts; backups one timerfd at the earliest deadline and the socket drained with recvmmsg \
(64 at a time) at once and, when that took fewer than N adverts (the master's burst still \
arriving), again after a 1 ms hold-off: about two wakeups per burst, and an advert that needs \
action would wait at most 1 ms more. Both wait on epoll; all instances share one phase. \
\"Fixed design\": the product's fixed design (poll(2) over one raw socket and one timerfd per \
instance) at its cheapest: masters a periodic timerfd per instance, all in one poll(2) set with \
the socket, a read per fired timerfd and one sendmmsg for the tick's adverts; backups a \
timerfd per instance armed lazily (re-armed only when it fires), all in one poll(2) set with \
the socket, which is drained as in \"batched\" (recvmmsg, 1 ms hold-off). It is what any \
daemon built to that design must at least spend; \"tinyvrrpd / fixed-design floor\" is \
tinyvrrpd's distance from it. The batched floor is the \
reference for the \"tinyvrrpd / floor\" ratio and the goals; a floor run whose backup saw a \
master-down expiry in the window (adverts lost) is left out. The floor does no VIPs, no \
logging, no configuration.
- Idle-CPU goals (issue 17): masters within 10 % of the batched floor; 255 backups at most \
1/3 of keepalived and 1.5 x the batched floor; 1 backup at most 1/2 of keepalived.
- Scale: the 255-instance CPU run goes on for 60 s in all (its CPU rows are the first 30 s). \
False transitions: `Entering MASTER/BACKUP STATE` lines in both logs after settling. Adverts \
missed: per VRID, r1's IPv6 adverts on the observer's capture within the 60 s; a gap of k \
intervals (rounded) between two consecutive ones counts k - 1 missed. tcpdump's own kernel \
drops (reported) would count as misses too; \"expected\" is floor(60 s / 0.1 s) x 255 and \
\"captured\" the total seen: they differ by the window's edges and by the \
adverts' mean interval being slightly above 0.1 s (timer re-arming drift), not by losses.
- Mail: a lone master (seed master config, `smtp_alert`, `smtp_server` the observer's \
tests/smtp_server.py), cold start, per cycle: its first priority-200 advert on the observer's \
capture (the transition to MASTER) -> the server's wall-clock stamp just after it sent the 250 \
for the `Entering MASTER state` mail. Same host clock for both; keepalived may mail before its \
first advert leaves (negative values).
- Start-up: a priority-255 owner, v3 0.1 s, `state MASTER`: exec -> its first priority-255 \
advert on the wire; both daemons go master at once for an owner (no down timer), so nothing \
is subtracted.
";
