//! Notify scripts, live, side by side with keepalived 2.2.7 (issue 12,
//! "Done when" 1). Needs root, /usr/sbin/keepalived and /bin/busybox
//! (`tests/deps.sh` installs them); see tests/common/mod.rs.
//!
//! One scenario is run twice on the same configs: first with keepalived on
//! both routers (the reference), then with tinyvrrpd on both. Each router
//! has two instances, every notify keyword pointing at a recording script:
//!
//! - `VRRP1` (VRID 41, 192.0.2.100): plain `notify_master PATH` lines;
//! - `lan` (VRID 42, 192.0.2.101): OpenWrt's form of `notify_master`
//!   (`/bin/busybox env -i ACTION=... TYPE=INSTANCE NAME=lan PATH`) and a
//!   `notify_backup "PATH backup" root` line with a trailing user.
//!
//! The phases, each waited for through the VIPs and the logs, then until the
//! recordings stop growing: cold start (r1, priority 200, first; then r2,
//! priority 100), crash of r1 (SIGKILL, r2 takes over), restart of r1 (it
//! preempts, r2 goes back to backup), SIGTERM of r2 then r1 (one after the
//! other: together, r2 could take over from r1's priority-0 advert before
//! its own SIGTERM, and the calls would depend on that race).
//!
//! keepalived starts its scripts concurrently, so the runs are compared per
//! phase as multisets of (router, script, args, ACTION/TYPE/NAME). For
//! tinyvrrpd, which promises one script at a time per instance, the calls of
//! each instance must also follow its transitions in order.

mod common;

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;

const STEP: Duration = Duration::from_millis(50);
/// How long a transition may take before the test calls it missing: a
/// master-down interval is about 3.6 s here, keepalived's start a few s.
const GENEROUS: Duration = Duration::from_secs(15);
/// The recordings count as complete once they have not grown for this long.
const QUIET: Duration = Duration::from_secs(1);
const BUSYBOX: &str = "/bin/busybox";
const INSTANCES: [(&str, u8, &str); 2] = [("VRRP1", 41, "192.0.2.100"), ("lan", 42, "192.0.2.101")];
/// The script names each router has: `INSTANCE.KIND`.
const KINDS: [&str; 5] = ["master", "backup", "fault", "stop", "notify"];

/// Appends one line per call to `calls` next to itself: its own name, each
/// argument in brackets, then ACTION/TYPE/NAME when set. Builtins only and
/// one write per line: under `env -i` there is no PATH, and keepalived may
/// run several copies at once.
const RECORDER: &str = r#"#!/bin/sh
line="${0##*/}"
for a in "$@"; do line="$line [$a]"; done
[ -n "${ACTION+x}" ] && line="$line ACTION=$ACTION"
[ -n "${TYPE+x}" ] && line="$line TYPE=$TYPE"
[ -n "${NAME+x}" ] && line="$line NAME=$NAME"
printf '%s\n' "$line" >> "${0%/*}/calls"
"#;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Impl {
    Keepalived,
    Tinyvrrpd,
}

impl fmt::Display for Impl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Impl::Keepalived => "keepalived",
            Impl::Tinyvrrpd => "tinyvrrpd",
        })
    }
}

/// The calls of one phase, each as `rN: script [arg]... ACTION=...`.
type PhaseCalls = (&'static str, Vec<String>);

/// What one run saw: per phase the calls, per router the full recording
/// (in file order) and the daemons' logs (in start order).
struct Run {
    phases: Vec<PhaseCalls>,
    recordings: BTreeMap<usize, String>,
    logs: BTreeMap<usize, Vec<String>>,
    /// Why the scenario stopped early, if it did.
    error: Option<String>,
}

/// The directory of router `i`'s scripts: root-owned and writable by root
/// only, as `enable_script_security` demands (the path above it is the
/// test's 0755 dir in the sticky /tmp, which keepalived accepts too).
fn script_dir(lan: &Lan, i: usize) -> PathBuf {
    lan.dir.join(format!("scripts-r{i}"))
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Writes the recorder under every name router `i`'s config uses.
fn install_scripts(lan: &Lan, i: usize) {
    chmod(&lan.dir, 0o755);
    let dir = script_dir(lan, i);
    fs::create_dir_all(&dir).unwrap();
    chmod(&dir, 0o755);
    for (inst, _, _) in INSTANCES {
        for kind in KINDS {
            let path = dir.join(format!("{inst}.{kind}"));
            fs::write(&path, RECORDER).unwrap();
            chmod(&path, 0o755);
        }
    }
}

/// Router `i`'s config: r1 priority 200 (state MASTER), r2 priority 100.
fn conf(lan: &Lan, i: usize) -> String {
    let dir = script_dir(lan, i);
    let dir = dir.to_str().unwrap();
    let (state, prio) = if i == 1 {
        ("MASTER", 200)
    } else {
        ("BACKUP", 100)
    };
    let mut c =
        String::from("global_defs {\n    script_user root\n    enable_script_security\n}\n");
    for (inst, vrid, vip) in INSTANCES {
        let (master, backup) = if inst == "lan" {
            (
                format!(
                    "\"{BUSYBOX} env -i ACTION=NOTIFY_MASTER TYPE=INSTANCE NAME=lan {dir}/lan.master\""
                ),
                format!("\"{dir}/lan.backup backup\" root"),
            )
        } else {
            (
                format!("{dir}/{inst}.master"),
                format!("{dir}/{inst}.backup"),
            )
        };
        c += &format!(
            "vrrp_instance {inst} {{
    state {state}
    interface eth0
    virtual_router_id {vrid}
    priority {prio}
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass 1066
    }}
    virtual_ipaddress {{
        {vip}/24
    }}
    notify_master {master}
    notify_backup {backup}
    notify_fault {dir}/{inst}.fault
    notify_stop {dir}/{inst}.stop
    notify {dir}/{inst}.notify
}}
"
        );
    }
    c
}

fn spawn(which: Impl, lan: &Lan, i: usize) -> Daemon {
    let c = conf(lan, i);
    match which {
        Impl::Keepalived => lan.spawn_keepalived(i, &c),
        Impl::Tinyvrrpd => lan.spawn(i, &c),
    }
}

fn recording(lan: &Lan, i: usize) -> String {
    fs::read_to_string(script_dir(lan, i).join("calls")).unwrap_or_default()
}

/// Waits (bounded) until neither router's recording has grown for QUIET:
/// keepalived starts its scripts without waiting for them, and a script
/// may start a little after the transition that caused it.
fn wait_quiet(lan: &Lan) -> Result<(), String> {
    let sizes = || [1, 2].map(|i| recording(lan, i).len());
    let mut last = sizes();
    let mut still = 0;
    let settled = wait_until(GENEROUS, STEP, || {
        let now = sizes();
        still = if now == last { still + 1 } else { 0 };
        last = now;
        STEP * still >= QUIET
    });
    match settled {
        Some(_) => Ok(()),
        None => Err(format!("recordings still growing after {GENEROUS:?}")),
    }
}

/// Cuts the recordings into phases as the scenario goes.
struct Phases<'a> {
    lan: &'a Lan,
    /// Byte offsets into each router's recording where this phase began.
    from: [usize; 2],
    done: Vec<PhaseCalls>,
}

impl Phases<'_> {
    /// Ends phase `name` once the recordings are quiet: its calls are what
    /// was appended since the previous phase ended.
    fn end(&mut self, name: &'static str) -> Result<(), String> {
        let quiet = wait_quiet(self.lan);
        let mut calls = Vec::new();
        for i in 1..=2 {
            let rec = recording(self.lan, i);
            let new = rec.get(self.from[i - 1]..).unwrap_or("");
            calls.extend(new.lines().map(|l| format!("r{i}: {l}")));
            self.from[i - 1] = rec.len();
        }
        self.done.push((name, calls));
        quiet
    }

    /// Ends phase `name` early on `err`, keeping what it recorded (the
    /// daemons still run, so a failed run shows its calls so far).
    fn fail(&mut self, name: &'static str, err: String) -> String {
        let _ = self.end(name);
        format!("phase {name:?}: {err}")
    }
}

fn has_vips(ns: &str) -> bool {
    INSTANCES.iter().all(|(_, _, vip)| has_vip(ns, vip))
}

fn has_no_vip(ns: &str) -> bool {
    INSTANCES.iter().all(|(_, _, vip)| !has_vip(ns, vip))
}

/// Both instances logged `Entering STATE` in `log` (keepalived writes
/// `(VRRP1) Entering BACKUP STATE`, tinyvrrpd `VRRP_Instance(VRRP1) ...`).
fn entered(log: &str, state: &str) -> bool {
    INSTANCES
        .iter()
        .all(|(inst, _, _)| log.contains(&format!("({inst}) Entering {state} STATE")))
}

fn dump(daemons: &[&Daemon]) -> String {
    let mut s = String::new();
    for d in daemons {
        s += &format!(
            "\n--- {} log ({}) ---\n{}--- {} eth0 ---\n{}",
            d.name,
            d.log_path.display(),
            d.log(),
            d.name,
            show(&d.ns)
        );
    }
    s
}

fn reach(what: &str, daemons: &[&Daemon], cond: impl FnMut() -> bool) -> Result<(), String> {
    match wait_until(GENEROUS, STEP, cond) {
        Some(_) => Ok(()),
        None => Err(format!("{what}: not within {GENEROUS:?}{}", dump(daemons))),
    }
}

fn stop(d: &mut Daemon) -> Result<(), String> {
    d.signal("TERM");
    match d.wait_exit(GENEROUS) {
        Some(_) => Ok(()),
        None => Err(format!("{} still running after SIGTERM", d.name)),
    }
}

/// Runs the four phases with `which` on both routers. Logs go to `logs`
/// per router in start order, whatever happens.
fn scenario(
    which: Impl,
    p: &mut Phases,
    logs: &mut BTreeMap<usize, Vec<String>>,
) -> Result<(), String> {
    let lan = p.lan;
    let ph = "cold start"; // r1 alone becomes master, then r2 joins as backup
    let mut r1 = spawn(which, lan, 1);
    let up = reach("r1 master", &[&r1], || has_vips(lan.r(1)));
    up.map_err(|e| p.fail(ph, e))?;
    let mut r2 = spawn(which, lan, 2);
    let up = reach("r2 backup", &[&r1, &r2], || entered(&r2.log(), "BACKUP"));
    up.map_err(|e| p.fail(ph, e))?;
    p.end(ph)?;

    let ph = "SIGKILL r1"; // r2 takes over
    r1.crash();
    logs.entry(1).or_default().push(r1.log());
    let up = reach("r2 master", &[&r2], || has_vips(lan.r(2)));
    up.map_err(|e| p.fail(ph, e))?;
    p.end(ph)?;

    let ph = "restart r1"; // r1 preempts, r2 goes back to backup
    let mark = r2.log().len();
    let mut r1 = spawn(which, lan, 1);
    let up = reach("preemption", &[&r1, &r2], || {
        has_vips(lan.r(1)) && has_no_vip(lan.r(2)) && entered(&r2.log_since(mark), "BACKUP")
    });
    up.map_err(|e| p.fail(ph, e))?;
    p.end(ph)?;

    let ph = "SIGTERM r2, r1"; // the backup first, then the master
    let stopped = stop(&mut r2).and_then(|_| stop(&mut r1));
    logs.entry(1).or_default().push(r1.log());
    logs.entry(2).or_default().push(r2.log());
    stopped.map_err(|e| p.fail(ph, e))?;
    p.end(ph)
}

/// Runs the scenario with `which` on a fresh LAN.
fn run_scenario(which: Impl) -> Run {
    let lan = Lan::new(2);
    for i in 1..=2 {
        install_scripts(&lan, i);
    }
    let mut p = Phases {
        lan: &lan,
        from: [0; 2],
        done: Vec::new(),
    };
    let mut logs = BTreeMap::new();
    let error = scenario(which, &mut p, &mut logs).err();
    Run {
        phases: p.done,
        recordings: (1..=2).map(|i| (i, recording(&lan, i))).collect(),
        logs,
        error,
    }
}

fn show_phases(which: Impl, run: &Run) -> String {
    let mut s = format!("=== {which} ===\n");
    for (phase, calls) in &run.phases {
        s += &format!("-- {phase} ({} calls)\n", calls.len());
        for c in calls {
            s += &format!("   {c}\n");
        }
    }
    s
}

/// Per phase, the calls only one side made (as multisets), or "" if none.
fn diff(reference: &Run, tested: &Run) -> String {
    let mut s = String::new();
    for (k, (phase, want)) in reference.phases.iter().enumerate() {
        let got = tested.phases.get(k).map(|(_, c)| c.clone());
        let reached = if got.is_some() { "" } else { " (not reached)" };
        let (mut want, mut got) = (want.clone(), got.unwrap_or_default());
        want.sort();
        got.sort();
        if want == got {
            continue;
        }
        let (missing, extra) = multiset_minus(&want, &got);
        s += &format!("-- {phase}{reached}\n");
        for c in missing {
            s += &format!("   missing: {c}\n");
        }
        for c in extra {
            s += &format!("   extra:   {c}\n");
        }
    }
    s
}

/// (a - b, b - a) of two sorted lists, as multisets.
fn multiset_minus<'a>(a: &'a [String], b: &'a [String]) -> (Vec<&'a str>, Vec<&'a str>) {
    let (mut i, mut j) = (0, 0);
    let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
    loop {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                only_a.push(x.as_str());
                i += 1;
            }
            (Some(x), None) => {
                only_a.push(x.as_str());
                i += 1;
            }
            (_, Some(y)) => {
                only_b.push(y.as_str());
                j += 1;
            }
            (None, None) => return (only_a, only_b),
        }
    }
}

/// The state a recorded call reports: the script's kind, or for `notify`
/// its third argument (`INSTANCE NAME STATE PRIORITY`).
fn call_state(line: &str) -> Option<(String, String)> {
    let (script, rest) = line.split_once(' ').unwrap_or((line, ""));
    let (inst, kind) = script.split_once('.')?;
    let state = match kind {
        "master" => "MASTER".to_string(),
        "backup" => "BACKUP".to_string(),
        "fault" => "FAULT".to_string(),
        "stop" => "STOP".to_string(),
        "notify" => rest.split(' ').nth(2)?.trim_matches(['[', ']']).to_string(),
        _ => return None,
    };
    Some((inst.to_string(), state))
}

/// The states `inst` entered according to the logs of one router's
/// daemons (in start order); a daemon stopped by SIGTERM (the last one)
/// ends with STOP.
fn transitions(logs: &[String], inst: &str) -> Vec<String> {
    let needle = format!("({inst}) Entering ");
    let mut states = Vec::new();
    for log in logs {
        for line in log.lines() {
            if let Some(at) = line.find(&needle) {
                let rest = &line[at + needle.len()..];
                if let Some(state) = rest.split(' ').next() {
                    states.push(state.to_string());
                }
            }
        }
    }
    states.push("STOP".to_string());
    states
}

/// Per router and instance: the calls, in file order, with repeats of one
/// state merged (a transition runs notify_X and notify), must be exactly
/// the transitions the daemon logged, in order.
fn order_errors(run: &Run) -> String {
    let mut s = String::new();
    for (i, rec) in &run.recordings {
        for (inst, _, _) in INSTANCES {
            let mut seen: Vec<String> = Vec::new();
            for (_, state) in rec
                .lines()
                .filter_map(call_state)
                .filter(|(n, _)| n == inst)
            {
                if seen.last() != Some(&state) {
                    seen.push(state);
                }
            }
            let want = transitions(&run.logs[i], inst);
            if seen != want {
                s += &format!("r{i} {inst}: calls follow {seen:?}, transitions were {want:?}\n");
            }
        }
    }
    s
}

#[test]
fn notify_scripts_match_keepalived() {
    if !root_or_skip() {
        return;
    }
    assert!(
        Path::new(KEEPALIVED).exists() && Path::new(BUSYBOX).exists(),
        "{KEEPALIVED} and {BUSYBOX} are needed: run tests/deps.sh"
    );
    let reference = run_scenario(Impl::Keepalived);
    let shown = show_phases(Impl::Keepalived, &reference);
    println!("{shown}");
    if let Some(e) = &reference.error {
        panic!("the keepalived run (the reference) failed: {e}\n{shown}");
    }
    let tested = run_scenario(Impl::Tinyvrrpd);
    let both = format!("{shown}{}", show_phases(Impl::Tinyvrrpd, &tested));
    let d = diff(&reference, &tested);
    let why = tested.error.as_deref().unwrap_or("");
    assert!(
        d.is_empty() && why.is_empty(),
        "tinyvrrpd's notify calls differ from keepalived's:\n{d}\n{both}\n{why}"
    );
    let o = order_errors(&tested);
    assert!(
        o.is_empty(),
        "tinyvrrpd ran scripts out of transition order:\n{o}\n{both}"
    );
}

/// The checks themselves, on made-up recordings (no namespaces): they must
/// be able to fail.
fn made_up(phases: Vec<PhaseCalls>, rec: &str, log: &str) -> Run {
    Run {
        phases,
        recordings: [(1, rec.to_string())].into(),
        logs: [(1, vec![log.to_string()])].into(),
        error: None,
    }
}

const LOG: &str = "(VRRP1) Entering BACKUP STATE (init)\n(VRRP1) Entering MASTER STATE\n";

#[test]
fn order_check_follows_transitions() {
    let good = "VRRP1.backup\nVRRP1.notify [INSTANCE] [VRRP1] [BACKUP] [200]\n\
                VRRP1.notify [INSTANCE] [VRRP1] [MASTER] [200]\nVRRP1.master\nVRRP1.stop\n";
    // lan made no calls and logged nothing: only its STOP is missing.
    let errs = order_errors(&made_up(vec![], good, LOG));
    assert_eq!(
        errs,
        "r1 lan: calls follow [], transitions were [\"STOP\"]\n"
    );
    let reversed = "VRRP1.master\nVRRP1.backup\nVRRP1.stop\n";
    let errs = order_errors(&made_up(vec![], reversed, LOG));
    assert!(errs.contains("r1 VRRP1: calls follow [\"MASTER\", \"BACKUP\", \"STOP\"]"));
    let interleaved =
        "VRRP1.backup\nVRRP1.master\nVRRP1.notify [INSTANCE] [VRRP1] [BACKUP] [200]\n";
    let errs = order_errors(&made_up(vec![], interleaved, LOG));
    assert!(errs.contains("r1 VRRP1: calls follow [\"BACKUP\", \"MASTER\", \"BACKUP\"]"));
}

#[test]
fn diff_is_per_phase_and_counts_repeats() {
    let calls = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let want = made_up(
        vec![
            ("a", calls(&["r1: x", "r1: x", "r2: y"])),
            ("b", calls(&["r2: z"])),
        ],
        "",
        "",
    );
    let same = made_up(
        vec![
            ("a", calls(&["r2: y", "r1: x", "r1: x"])),
            ("b", calls(&["r2: z"])),
        ],
        "",
        "",
    );
    assert_eq!(diff(&want, &same), "");
    // One x too few, a call moved to the wrong phase, a phase not reached.
    let moved = made_up(vec![("a", calls(&["r1: x", "r2: y", "r2: z"]))], "", "");
    assert_eq!(
        diff(&want, &moved),
        "-- a\n   missing: r1: x\n   extra:   r2: z\n-- b (not reached)\n   missing: r2: z\n"
    );
}
