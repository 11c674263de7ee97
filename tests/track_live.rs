//! Tracking and sync groups, live, side by side with keepalived 2.2.7
//! (issue 13, "Done when", live part). Needs root and /usr/sbin/keepalived
//! (`tests/deps.sh`); see tests/common/mod.rs.
//!
//! Every scenario runs twice on the same config text: first with keepalived
//! on both routers (the reference), then with tinyvrrpd on both. After each
//! step the test waits (bounded) for the VIP layout the scenario aims at,
//! lets things settle, and takes a snapshot of what can be seen from the
//! outside: who holds which VIP, the state each instance last logged, the
//! priority each router last advertised per VRID during the step (seen by
//! a capture on the LAN), and whether the daemons still run. The tinyvrrpd
//! run must give the same snapshots as the keepalived run; the aimed-at
//! layout only says how long to wait (and the reference must reach it, or
//! the scenario itself is wrong).
//!
//! - (a) `track_interface { trk0 }` (a dummy in r1): trk0 down -> r1 FAULT,
//!   r2 takes the VIP; trk0 up -> r1 takes it back.
//! - (b) `track_interface { trk0 weight -60 }`, and separately a
//!   `vrrp_script` with `weight -60` whose result the test flips: r1's 150
//!   drops to 90 < r2's 100, r2 takes over; restored, r1 takes it back.
//! - (c) OpenWrt's WAN loss: a sync group of `lan` (eth0, tracking wan0)
//!   and `wan` (wan0, with a check script), in the shape OpenWrt's
//!   keepalived.init writes; r1's WAN carrier drops -> both VIPs to r2
//!   together, and back; the check script fails on r1 -> both VIPs move
//!   (only the sync group moves `lan`); the script runs on its interval.
//! - (d) r1's interface is created 5 s after the daemon started.
//! - (e) `interface_up_down_delays { trk0 3 3 }` with `track_interface
//!   { trk0 }`: a 1 s flap changes nothing; a lasting loss faults r1 after
//!   3 s; the return counts after 3 s more.
//! - (f) `track_file`: `tf` (weight -60) at 1 moves r1 below r2, at 0 back;
//!   `tf0` (weight 0) at 1 faults r1; written by rename and by `echo >`.
//! - (g) `dont_track_primary`: r1 alone loses its eth0 carrier and stays
//!   MASTER with the VIP, no notify.
//! - (h) (c)'s sync group with a `vrrp_notify_fifo` and its reader script
//!   on r1: the GROUP/INSTANCE lines, in order, per step.

mod common;

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use common::*;

const STEP: Duration = Duration::from_millis(50);
/// How long a step may take before the test calls its outcome missing:
/// a master-down interval is about 3.6 s here, keepalived's start a few s.
const GENEROUS: Duration = Duration::from_secs(15);
/// After the aimed-at layout is reached: time for the loser's state line
/// and the last adverts of the step.
const SETTLE: Duration = Duration::from_millis(1500);
const LAN_VIP: &str = "192.0.2.100";
const WAN_VIP: &str = "192.0.2.210";

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

/// A VIP and the device it goes on.
#[derive(Clone, Copy)]
struct Vip {
    dev: &'static str,
    addr: &'static str,
}

/// What one step left behind, as seen from outside the daemons.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Snap {
    /// Per VIP: `192.0.2.100 on [2]`.
    vips: Vec<String>,
    /// Per router and instance: the state it last logged entering.
    states: Vec<String>,
    /// Per router and VRID: the priority of its last advert in the step.
    prios: Vec<String>,
    /// Per router: running or exited.
    running: Vec<String>,
    /// The `notify` calls made during the step, sorted (keepalived runs
    /// them concurrently): `r1 INSTANCE VI_1 MASTER 150`.
    notifies: Vec<String>,
    /// The lines a `vrrp_notify_fifo_script` reader got during the step,
    /// in order: `r1 GROUP "OpenWrt_Group" MASTER 0` (none without one).
    fifo: Vec<String>,
}

impl fmt::Display for Snap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "      vips:    {}", self.vips.join("; "))?;
        writeln!(f, "      states:  {}", self.states.join("; "))?;
        writeln!(f, "      adverts: {}", self.prios.join("; "))?;
        writeln!(f, "      daemons: {}", self.running.join("; "))?;
        write!(f, "      notify:  {}", self.notifies.join("; "))?;
        if !self.fifo.is_empty() {
            write!(f, "\n      fifo:    {}", self.fifo.join("; "))?;
        }
        Ok(())
    }
}

/// One step of a run: its name, how long until the aimed-at layout (None:
/// not within GENEROUS), and the snapshot.
struct Done {
    name: &'static str,
    took: Option<Duration>,
    snap: Snap,
}

/// One run of a scenario with one implementation.
struct Ctx<'a> {
    imp: Impl,
    lan: &'a Lan,
    cap: Capture,
    vips: &'static [Vip],
    insts: &'static [&'static str],
    /// Router i's config text (1-based; index 0 unused).
    confs: [String; 3],
    daemons: [Option<Daemon>; 3],
    /// Logs of daemons that were replaced, per router.
    old_logs: [String; 3],
    steps: Vec<Done>,
    /// Measurements for the report (not compared).
    notes: Vec<String>,
    /// Checks of this run alone that failed (both runs must have none).
    problems: Vec<String>,
    /// Per router, how much of its notify recording earlier steps took.
    calls_seen: [usize; 3],
    /// The same for its FIFO reader's recording.
    fifo_seen: [usize; 3],
}

impl<'a> Ctx<'a> {
    fn new(imp: Impl, lan: &'a Lan, vips: &'static [Vip], insts: &'static [&'static str]) -> Self {
        Ctx {
            imp,
            lan,
            cap: lan.capture(),
            vips,
            insts,
            confs: Default::default(),
            daemons: Default::default(),
            old_logs: Default::default(),
            steps: Vec::new(),
            notes: Vec::new(),
            problems: Vec::new(),
            calls_seen: [0; 3],
            fifo_seen: [0; 3],
        }
    }

    /// Starts router `i` with its config and waits (bounded) until every
    /// instance has logged a state.
    fn start(&mut self, i: usize) {
        let conf = self.confs[i].clone();
        self.start_with(i, &conf);
        let lan = self.lan;
        let insts = self.insts;
        let d = self.daemons[i].as_ref().unwrap();
        wait_until(GENEROUS, STEP, || {
            insts
                .iter()
                .all(|n| last_state(&d.log(), n).is_some() || !ns_alive(lan, i))
        });
    }

    fn start_with(&mut self, i: usize, conf: &str) {
        if let Some(old) = self.daemons[i].take() {
            self.old_logs[i] += &old.log();
        }
        let conf = with_recorder(self.lan, i, conf);
        let conf = conf.as_str();
        self.daemons[i] = Some(match self.imp {
            Impl::Keepalived => self.lan.spawn_keepalived(i, conf),
            Impl::Tinyvrrpd => self.lan.spawn(i, conf),
        });
    }

    fn log(&self, i: usize) -> String {
        let now = self.daemons[i]
            .as_ref()
            .map(|d| d.log())
            .unwrap_or_default();
        format!("{}{now}", self.old_logs[i])
    }

    /// Per VIP, the routers holding it.
    fn holders(&self) -> Vec<Vec<usize>> {
        self.vips
            .iter()
            .map(|v| {
                (1..=2)
                    .filter(|&i| has_vip_on(self.lan.r(i), v.dev, v.addr))
                    .collect()
            })
            .collect()
    }

    /// Runs `action`, waits until every VIP is held by router `want[k]`
    /// alone (0: by nobody), then for `hold` (at least SETTLE), and takes
    /// the snapshot. Err once the layout is not reached: later steps
    /// would start from somewhere else.
    fn step(
        &mut self,
        name: &'static str,
        want: &[usize],
        hold: Duration,
        action: impl FnOnce(&mut Self),
    ) -> Result<(), String> {
        let from = SystemTime::now();
        let t0 = Instant::now();
        action(self);
        let want: Vec<Vec<usize>> = want
            .iter()
            .map(|&i| if i == 0 { vec![] } else { vec![i] })
            .collect();
        let reached = wait_until(GENEROUS, STEP, || self.holders() == want).map(|_| t0.elapsed());
        if reached.is_some() {
            sleep(hold.max(SETTLE));
        }
        let snap = self.snap(from);
        self.steps.push(Done {
            name,
            took: reached,
            snap,
        });
        match reached {
            Some(_) => Ok(()),
            None => Err(format!(
                "step {name:?}: VIPs not held as {want:?} within {GENEROUS:?} (held: {:?})",
                self.holders()
            )),
        }
    }

    fn snap(&mut self, from: SystemTime) -> Snap {
        let vips = self
            .vips
            .iter()
            .zip(self.holders())
            .map(|(v, h)| format!("{} on {h:?}", v.addr))
            .collect();
        let mut states = Vec::new();
        let mut running = Vec::new();
        for i in 1..=2 {
            let log = self.log(i);
            for n in self.insts {
                let s = last_state(&log, n).unwrap_or("-");
                states.push(format!("r{i} {n} {s}"));
            }
            let r = match self.daemons[i].as_mut().map(|d| d.running()) {
                None => "not started",
                Some(true) => "running",
                Some(false) => "exited",
            };
            running.push(format!("r{i} {r}"));
        }
        let mut last: BTreeMap<(usize, u8), u8> = BTreeMap::new();
        for a in self.cap.adverts().iter().filter(|a| a.ts >= from) {
            if let Some(i) = (1..=2).find(|&i| a.src == router_ip(i)) {
                last.insert((i, a.advert.vrid), a.advert.priority);
            }
        }
        let prios = last
            .iter()
            .map(|((i, vrid), p)| format!("r{i} vrid {vrid} prio {p}"))
            .collect();
        let mut notifies = Vec::new();
        for i in 1..=2 {
            let calls = recorded(self.lan, i);
            let new = calls.get(self.calls_seen[i]..).unwrap_or("");
            notifies.extend(new.lines().map(|l| format!("r{i} {l}")));
            self.calls_seen[i] = calls.len();
        }
        notifies.sort();
        let mut fifo = Vec::new();
        for i in 1..=2 {
            let got = recorded_as(self.lan, i, "fifo");
            let new = got.get(self.fifo_seen[i]..).unwrap_or("");
            fifo.extend(new.lines().map(|l| format!("r{i} {l}")));
            self.fifo_seen[i] = got.len();
        }
        let fifo = same_moment_sorted(fifo);
        Snap {
            vips,
            states,
            prios,
            running,
            notifies,
            fifo,
        }
    }

    fn dump(&self) -> String {
        let mut s = String::new();
        for i in 1..=2 {
            s += &format!("--- r{i} log ---\n{}", self.log(i));
            s += &format!("--- r{i} addresses ---\n{}", all_addrs(self.lan.r(i)));
        }
        s
    }
}

fn ns_alive(lan: &Lan, i: usize) -> bool {
    !ns_pids(lan.r(i)).is_empty()
}

/// The state instance `name` last logged entering. keepalived writes
/// `(VI_1) Entering MASTER STATE`, `(VI_1): entering FAULT state (...)`
/// and `(VI_1) entering FAULT state`; tinyvrrpd `VRRP_Instance(VI_1) ...`
/// in the same shapes.
fn last_state<'l>(log: &'l str, name: &str) -> Option<&'l str> {
    let needle = format!("({name})");
    let mut last = None;
    for line in log.lines() {
        let Some(at) = line.find(&needle) else {
            continue;
        };
        let rest = line[at + needle.len()..]
            .trim_start_matches(':')
            .trim_start();
        let Some(rest) = rest
            .strip_prefix("Entering ")
            .or_else(|| rest.strip_prefix("entering "))
        else {
            continue;
        };
        if let Some(state) = rest.split(' ').next() {
            if ["MASTER", "BACKUP", "FAULT"].contains(&state) {
                last = Some(state);
            }
        }
    }
    last
}

/// Is `vip` on `dev` in namespace `ns`? (False when `dev` does not
/// exist; "" means any device.)
fn has_vip_on(ns: &str, dev: &str, vip: &str) -> bool {
    let vip: std::net::IpAddr = vip.parse().unwrap();
    let mut argv = vec!["ip", "-n", ns, "-o", "addr", "show"];
    if !dev.is_empty() {
        argv.extend(["dev", dev]);
    }
    run(&argv)
        .map(|t| parse_ip_addr(&t).iter().any(|a| a.addr == vip))
        .unwrap_or(false)
}

fn all_addrs(ns: &str) -> String {
    run(&["ip", "-n", ns, "-br", "addr"]).unwrap_or_else(|e| e)
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Router `i`'s script directory, root-owned and 0755 as
/// `enable_script_security` wants it.
fn script_dir(lan: &Lan, i: usize) -> PathBuf {
    chmod(&lan.dir, 0o755);
    let dir = lan.dir.join(format!("scripts-r{i}"));
    fs::create_dir_all(&dir).unwrap();
    chmod(&dir, 0o755);
    dir
}

/// Records each call's arguments in `calls` next to itself.
const RECORDER: &str = "#!/bin/sh\necho \"$*\" >> \"${0%/*}/calls\"\n";

/// `conf` with `@NOTIFY@` replaced by router `i`'s recorder (installed
/// on first use).
fn with_recorder(lan: &Lan, i: usize, conf: &str) -> String {
    let path = script_dir(lan, i).join("notify");
    if !path.exists() {
        fs::write(&path, RECORDER).unwrap();
        chmod(&path, 0o755);
    }
    conf.replace("@NOTIFY@", path.to_str().unwrap())
}

/// What router `i`'s recorder has recorded.
fn recorded(lan: &Lan, i: usize) -> String {
    recorded_as(lan, i, "calls")
}

/// The file `name` in router `i`'s script directory ("" while missing).
fn recorded_as(lan: &Lan, i: usize, name: &str) -> String {
    fs::read_to_string(lan.dir.join(format!("scripts-r{i}")).join(name)).unwrap_or_default()
}

const GLOBALS: &str = "global_defs {\n    script_user root\n    enable_script_security\n}\n";

/// A plain instance: state BACKUP, advert_int 1, one VIP, then `extra`.
fn instance(name: &str, dev: &str, vrid: u8, prio: u8, vip: &str, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{
    state BACKUP
    interface {dev}
    virtual_router_id {vrid}
    priority {prio}
    advert_int 1
    virtual_ipaddress {{
        {vip}
    }}
    notify @NOTIFY@
{extra}}}
"
    )
}

fn prio(i: usize) -> u8 {
    if i == 1 { 150 } else { 100 }
}

/// Adds `trk0` to router 1, up with carrier: a veth whose other end `t1`
/// sits, up and unbridged, in the bridge namespace (this kernel has no
/// dummy interfaces).
fn add_trk0(lan: &Lan) {
    let br = br_ns(lan);
    must(&[
        "ip",
        "-n",
        &br,
        "link",
        "add",
        "t1",
        "type",
        "veth",
        "peer",
        "name",
        "trk0",
        "netns",
        lan.r(1),
    ]);
    set_link(&br, "t1", "up");
    set_link(lan.r(1), "trk0", "up");
}

fn set_link(ns: &str, dev: &str, updown: &str) {
    must(&["ip", "-n", ns, "link", "set", dev, updown]);
}

/// The bridge namespace (the harness makes it as `{prefix}br`).
fn br_ns(lan: &Lan) -> String {
    format!("{}br", lan.prefix)
}

// ---- comparing the runs ---------------------------------------------------

struct Run {
    imp: Impl,
    steps: Vec<Done>,
    notes: Vec<String>,
    problems: Vec<String>,
    error: Option<String>,
    dump: String,
}

impl Run {
    fn show(&self) -> String {
        let mut s = format!("=== {} ===\n", self.imp);
        for d in &self.steps {
            let took = match d.took {
                Some(t) => format!("reached after {:.1} s", secs(t)),
                None => "NOT reached".to_string(),
            };
            s += &format!("-- {} ({took})\n{}\n", d.name, d.snap);
        }
        for n in &self.notes {
            s += &format!("-- {n}\n");
        }
        for p in &self.problems {
            s += &format!("-- PROBLEM: {p}\n");
        }
        if let Some(e) = &self.error {
            s += &format!("-- stopped: {e}\n");
        }
        s
    }
}

/// Runs `scenario` with `imp` on a fresh LAN made by `setup`.
fn run_one(
    imp: Impl,
    setup: impl Fn(&Lan),
    vips: &'static [Vip],
    insts: &'static [&'static str],
    scenario: impl Fn(&mut Ctx) -> Result<(), String>,
) -> Run {
    let lan = Lan::new(2);
    setup(&lan);
    let mut ctx = Ctx::new(imp, &lan, vips, insts);
    let error = scenario(&mut ctx).err();
    ctx.cap.stop();
    let dump = ctx.dump();
    Run {
        imp,
        steps: ctx.steps,
        notes: ctx.notes,
        problems: ctx.problems,
        error,
        dump,
    }
}

/// Per step, the lines where the tested run's snapshot differs from the
/// reference's, or "" when all steps match.
fn diff(reference: &Run, tested: &Run) -> String {
    let mut s = String::new();
    for (k, want) in reference.steps.iter().enumerate() {
        match tested.steps.get(k) {
            None => s += &format!("-- {}: not reached\n", want.name),
            Some(got) if got.snap != want.snap => {
                s += &format!(
                    "-- {}:\n   keepalived:\n{}\n   tinyvrrpd:\n{}\n",
                    want.name, want.snap, got.snap
                );
            }
            Some(_) => {}
        }
    }
    s
}

/// Both runs, the reference first; panics when the reference failed or
/// the tested run differs. `extra` checks the tested run further.
fn compare(
    setup: impl Fn(&Lan),
    vips: &'static [Vip],
    insts: &'static [&'static str],
    scenario: impl Fn(&mut Ctx) -> Result<(), String>,
) {
    assert!(
        Path::new(KEEPALIVED).exists(),
        "{KEEPALIVED} is needed: run tests/deps.sh"
    );
    let reference = run_one(Impl::Keepalived, &setup, vips, insts, &scenario);
    let shown = reference.show();
    println!("{shown}");
    if let Some(e) = reference.error.as_ref().or(reference.problems.first()) {
        panic!(
            "the keepalived run (the reference) failed: {e}\n{shown}{}",
            reference.dump
        );
    }
    let tested = run_one(Impl::Tinyvrrpd, &setup, vips, insts, &scenario);
    let both = format!("{shown}{}", tested.show());
    println!("{}", tested.show());
    let d = diff(&reference, &tested);
    let why = tested.error.iter().chain(&tested.problems);
    let why = why.cloned().collect::<Vec<_>>().join("\n");
    assert!(
        d.is_empty() && why.is_empty(),
        "tinyvrrpd differs from keepalived:\n{d}{why}\n\n{both}\n=== keepalived logs ===\n{}\
         === tinyvrrpd logs ===\n{}",
        reference.dump,
        tested.dump
    );
}

// ---- (a) and (b): one instance, r1 150, r2 100 ------------------------------

const ONE_VIP: &[Vip] = &[Vip {
    dev: "eth0",
    addr: LAN_VIP,
}];
const VI_1: &[&str] = &["VI_1"];
const NO_HOLD: Duration = Duration::ZERO;

/// Router `i`'s config: `before` ahead of the instance (a vrrp_script
/// must come first), `track` inside r1's instance only.
fn conf_one(i: usize, before: &str, track: &str) -> String {
    let track = if i == 1 { track } else { "" };
    let before = if i == 1 { before } else { "" };
    let vi = instance("VI_1", "eth0", 51, prio(i), &format!("{LAN_VIP}/24"), track);
    format!("{GLOBALS}{before}{vi}")
}

/// r1 then r2 start (r1 master); `down` makes r1 lose (r2 takes the VIP);
/// `up` undoes it (r1 takes the VIP back).
fn lose_and_regain(
    ctx: &mut Ctx,
    down: impl FnOnce(&Lan),
    up: impl FnOnce(&Lan),
) -> Result<(), String> {
    ctx.step("r1 starts", &[1], NO_HOLD, |c| c.start(1))?;
    ctx.step("r2 starts", &[1], NO_HOLD, |c| c.start(2))?;
    ctx.step("r1 loses", &[2], NO_HOLD, |c| down(c.lan))?;
    ctx.step("r1 restored", &[1], NO_HOLD, |c| up(c.lan))
}

/// Configs for (a) and (b) with a tracked trk0, and the trk0 flips.
fn trk0_scenario(track: &'static str) {
    compare(add_trk0, ONE_VIP, VI_1, |ctx| {
        for i in 1..=2 {
            ctx.confs[i] = conf_one(i, "", track);
        }
        lose_and_regain(
            ctx,
            |lan| set_link(lan.r(1), "trk0", "down"),
            |lan| set_link(lan.r(1), "trk0", "up"),
        )
    });
}

/// (a) unweighted track_interface: r1 FAULT while trk0 is down.
#[test]
fn a_track_interface_fault() {
    if root_or_skip() {
        trk0_scenario("    track_interface {\n        trk0\n    }\n");
    }
}

/// (b) weighted track_interface: r1's priority 150 - 60 < 100.
#[test]
fn b_track_interface_weight() {
    if root_or_skip() {
        trk0_scenario("    track_interface {\n        trk0 weight -60\n    }\n");
    }
}

/// (b) a weighted vrrp_script whose result the test flips through a file.
#[test]
fn b_track_script_weight() {
    if !root_or_skip() {
        return;
    }
    compare(
        |_| {},
        ONE_VIP,
        VI_1,
        |ctx| {
            let ok = script_dir(ctx.lan, 1).join("ok");
            fs::write(&ok, "").unwrap();
            let script = format!(
                "vrrp_script chk {{\n    script \"/usr/bin/test -e {}\"\n    interval 1\n    weight -60\n}}\n",
                ok.display()
            );
            let track = "    track_script {\n        chk\n    }\n";
            for i in 1..=2 {
                ctx.confs[i] = conf_one(i, &script, track);
            }
            let gone = ok.clone();
            lose_and_regain(
                ctx,
                |_| fs::remove_file(&gone).unwrap(),
                |_| fs::write(&ok, "").unwrap(),
            )
        },
    );
}

// ---- (c) OpenWrt: sync group lan + wan, WAN carrier loss, check script ----

const LAN_WAN: &[Vip] = &[
    Vip {
        dev: "eth0",
        addr: LAN_VIP,
    },
    Vip {
        dev: "wan0",
        addr: WAN_VIP,
    },
];
const LAN_AND_WAN: &[&str] = &["lan", "wan"];
/// The check script's interval (s).
const CHECK_INTERVAL: u64 = 1;

/// Counts its runs in `runs` next to itself and succeeds while `ok` is
/// there. Builtins only.
const CHECK_WAN: &str = "#!/bin/sh
echo run >> \"${0%/*}/runs\"
test -e \"${0%/*}/ok\"
";

/// A WAN segment: bridge br1 in the bridge namespace, port `w{i}` to each
/// router's `wan0` (192.0.2.20{i}/28, inside the LAN's /24 but a longer
/// prefix, so routes stay apart); and each router's check script, healthy.
fn wan_setup(lan: &Lan) {
    let br = br_ns(lan);
    must(&[
        "ip",
        "-n",
        &br,
        "link",
        "add",
        "br1",
        "type",
        "bridge",
        "mcast_snooping",
        "0",
    ]);
    set_link(&br, "br1", "up");
    for i in 1..=2 {
        let port = format!("w{i}");
        must(&[
            "ip",
            "-n",
            &br,
            "link",
            "add",
            &port,
            "type",
            "veth",
            "peer",
            "name",
            "wan0",
            "netns",
            lan.r(i),
        ]);
        must(&["ip", "-n", &br, "link", "set", &port, "master", "br1", "up"]);
        let addr = format!("192.0.2.20{i}/28");
        must(&["ip", "-n", lan.r(i), "addr", "add", &addr, "dev", "wan0"]);
        set_link(lan.r(i), "wan0", "up");
        let dir = script_dir(lan, i);
        let script = dir.join("check_wan");
        fs::write(&script, CHECK_WAN).unwrap();
        chmod(&script, 0o755);
        fs::write(dir.join("ok"), "").unwrap();
    }
}

/// Router `i`'s config as OpenWrt's keepalived.init writes it (tabs, the
/// header, the always-written empty blocks, vrrp_script before the sync
/// group before the instances, VIPs with `dev`, track_script and
/// track_interface last).
fn openwrt_conf(lan: &Lan, i: usize) -> String {
    let script = script_dir(lan, i).join("check_wan");
    let p = prio(i);
    format!(
        "! Configuration file for keepalived (autogenerated via init script)
! Written Thu Jan  1 00:00:00 UTC 2026

global_defs {{
\tscript_user root
\tenable_script_security
}}

static_ipaddress {{
}}

static_routes {{
}}

interface_up_down_delays {{
}}

vrrp_script check_wan {{
\tscript {script}
\tinterval {CHECK_INTERVAL}
}}

vrrp_sync_group OpenWrt_Group {{
\tgroup {{
\t\tlan
\t\twan
\t}}
\tnotify @NOTIFY@
}}

vrrp_instance lan {{
\tstate BACKUP
\tinterface eth0
\tvirtual_router_id 51
\tpriority {p}
\tadvert_int 1
\tvirtual_ipaddress {{
\t\t{LAN_VIP}/24 dev eth0
\t}}
\tnotify @NOTIFY@

\ttrack_interface {{
\t\twan0
\t}}

}}

vrrp_instance wan {{
\tstate BACKUP
\tinterface wan0
\tvirtual_router_id 52
\tpriority {p}
\tadvert_int 1
\tvirtual_ipaddress {{
\t\t{WAN_VIP}/28 dev wan0
\t}}
\tnotify @NOTIFY@

\ttrack_script {{
\t\tcheck_wan
\t}}

}}

",
        script = script.display()
    )
}

/// How often each router's check script has run so far.
fn check_runs(lan: &Lan) -> [usize; 2] {
    [1, 2].map(|i| {
        let runs = lan.dir.join(format!("scripts-r{i}")).join("runs");
        fs::read_to_string(runs)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    })
}

fn openwrt_scenario(ctx: &mut Ctx) -> Result<(), String> {
    let lan = ctx.lan;
    let br = br_ns(lan);
    for i in 1..=2 {
        ctx.confs[i] = openwrt_conf(lan, i);
    }
    ctx.step("r1 starts", &[1, 1], NO_HOLD, |c| c.start(1))?;
    ctx.step("r2 starts", &[1, 1], NO_HOLD, |c| c.start(2))?;
    // The script runs are counted over the WAN loss and return (~10 s).
    let (before, t0) = (check_runs(lan), Instant::now());
    ctx.step("r1 WAN carrier lost", &[2, 2], NO_HOLD, |_| {
        set_link(&br, "w1", "down")
    })?;
    ctx.step("r1 WAN carrier back", &[1, 1], NO_HOLD, |_| {
        set_link(&br, "w1", "up")
    })?;
    count_check_runs(ctx, before, t0.elapsed());
    let ok = lan.dir.join("scripts-r1").join("ok");
    ctx.step("r1 check_wan fails", &[2, 2], NO_HOLD, |_| {
        fs::remove_file(&ok).unwrap()
    })?;
    ctx.step("r1 check_wan ok again", &[1, 1], NO_HOLD, |_| {
        fs::write(&ok, "").unwrap()
    })
}

/// Each router's script must have run elapsed/interval times, +-50%.
fn count_check_runs(ctx: &mut Ctx, before: [usize; 2], elapsed: Duration) {
    let after = check_runs(ctx.lan);
    let want = secs(elapsed) / CHECK_INTERVAL as f64;
    for i in 0..2 {
        let n = after[i] - before[i];
        let line = format!(
            "r{} check_wan ran {n} times in {:.1} s (interval {CHECK_INTERVAL} s)",
            i + 1,
            secs(elapsed)
        );
        if (n as f64) < want * 0.5 || (n as f64) > want * 1.5 {
            ctx.problems
                .push(format!("{line}: not within 50% of {want:.1}"));
        }
        ctx.notes.push(line);
    }
}

/// (c) OpenWrt's WAN loss: both VIPs move together, both ways.
#[test]
fn c_openwrt_sync_group_wan_loss() {
    if root_or_skip() {
        compare(wan_setup, LAN_WAN, LAN_AND_WAN, openwrt_scenario);
    }
}

// ---- (d) the instance's interface appears 5 s after the start -------------

/// The VIP wherever it is (r1's on late0, r2's on eth0).
const ANY_DEV_VIP: &[Vip] = &[Vip {
    dev: "",
    addr: LAN_VIP,
}];
const LATE: Duration = Duration::from_secs(5);

/// Router 1 loses its eth0: its LAN link will be `late0`, made later.
fn late_setup(lan: &Lan) {
    must(&["ip", "-n", lan.r(1), "link", "del", "eth0"]);
}

/// r1's config: VI_1 on `late0`, which does not exist at start; with
/// `dynamic_interfaces` or without.
fn late_conf(dynamic: bool) -> String {
    let globals = if dynamic {
        dynamic_globals()
    } else {
        GLOBALS.to_string()
    };
    let vi = instance("VI_1", "late0", 51, prio(1), &format!("{LAN_VIP}/24"), "");
    format!("{globals}{vi}")
}

fn dynamic_globals() -> String {
    GLOBALS.replacen("{\n", "{\n    dynamic_interfaces\n", 1)
}

/// Creates r1's `late0` on the LAN (a veth to the bridge), gives it
/// r1's address, then brings it up.
fn create_late0(lan: &Lan) {
    let br = br_ns(lan);
    must(&[
        "ip",
        "-n",
        &br,
        "link",
        "add",
        "q1",
        "type",
        "veth",
        "peer",
        "name",
        "late0",
        "netns",
        lan.r(1),
    ]);
    must(&["ip", "-n", &br, "link", "set", "q1", "master", "br0", "up"]);
    let addr = format!("{}/24", router_ip(1));
    must(&["ip", "-n", lan.r(1), "addr", "add", &addr, "dev", "late0"]);
    set_link(lan.r(1), "late0", "up");
}

/// Without `dynamic_interfaces` (not compared: here the two differ on
/// purpose). keepalived 2.2.7 refuses to start ("Non-existent interface
/// specified in configuration", exit 2 [keepalived-tracking.md §9]);
/// tinyvrrpd must start, name late0 in its log, and wait.
fn without_dynamic_interfaces(ctx: &mut Ctx) {
    let conf = with_recorder(ctx.lan, 1, &late_conf(false));
    let mut d = match ctx.imp {
        Impl::Keepalived => ctx.lan.spawn_keepalived(1, &conf),
        Impl::Tinyvrrpd => ctx.lan.spawn(1, &conf),
    };
    let exited = d.wait_exit(Duration::from_secs(3));
    let log = d.log();
    d.crash();
    // Its calls (keepalived's `INSTANCE VI_1 STOP 0` as it gives up,
    // tinyvrrpd's FAULT) belong to no compared step: wait (bounded) until
    // the recording has not grown for 1 s, then skip it.
    let mut last = recorded(ctx.lan, 1).len();
    let mut still = Instant::now();
    wait_until(GENEROUS, STEP, || {
        let now = recorded(ctx.lan, 1).len();
        if now != last {
            (last, still) = (now, Instant::now());
        }
        still.elapsed() >= Duration::from_secs(1)
    });
    ctx.calls_seen[1] = last;
    ctx.notes.push(format!(
        "without dynamic_interfaces, late0 missing: {}",
        match exited {
            Some(st) => format!("exited within 3 s ({st})"),
            None => "still running after 3 s".to_string(),
        }
    ));
    if ctx.imp == Impl::Tinyvrrpd && (exited.is_some() || !log.contains("late0")) {
        ctx.problems.push(format!(
            "without dynamic_interfaces tinyvrrpd must start, name late0 and wait; \
             exited: {exited:?}, log:\n{log}"
        ));
    }
}

fn late_scenario(ctx: &mut Ctx) -> Result<(), String> {
    without_dynamic_interfaces(ctx);
    // The compared run: both routers' configs say dynamic_interfaces.
    ctx.confs[1] = late_conf(true);
    let vi = instance("VI_1", "eth0", 51, prio(2), &format!("{LAN_VIP}/24"), "");
    ctx.confs[2] = format!("{}{vi}", dynamic_globals());
    ctx.step("r2 starts", &[2], NO_HOLD, |c| c.start(2))?;
    ctx.step("r1 starts, late0 missing", &[2], LATE, |c| c.start(1))?;
    ctx.step("late0 created and addressed", &[1], NO_HOLD, |c| {
        create_late0(c.lan)
    })
}

/// (d) an instance whose interface comes 5 s late leaves FAULT and works.
#[test]
fn d_interface_created_late() {
    if root_or_skip() {
        compare(late_setup, ANY_DEV_VIP, VI_1, late_scenario);
    }
}

// ---- (e) interface_up_down_delays on a tracked interface --------------------

/// keepalived's delays for trk0 (s), down and up.
const DELAY: Duration = Duration::from_secs(3);

impl Ctx<'_> {
    /// A problem unless the last step reached its layout no sooner than
    /// `min` (the step's outcome must have waited for a delay).
    fn took_at_least(&mut self, min: Duration) {
        let Some(d) = self.steps.last() else {
            return;
        };
        let line = match d.took {
            Some(t) => format!("{}: reached after {:.1} s", d.name, secs(t)),
            None => return,
        };
        if d.took.is_some_and(|t| t < min) {
            let min = secs(min);
            self.problems
                .push(format!("{line}, sooner than the {min:.1} s delay"));
        }
        self.notes.push(line);
    }
}

fn delays_scenario(ctx: &mut Ctx) -> Result<(), String> {
    let before = format!(
        "interface_up_down_delays {{\n    trk0 {0} {0}\n}}\n",
        DELAY.as_secs()
    );
    let track = "    track_interface {\n        trk0\n    }\n";
    for i in 1..=2 {
        ctx.confs[i] = conf_one(i, &before, track);
    }
    ctx.step("r1 starts", &[1], NO_HOLD, |c| c.start(1))?;
    ctx.step("r2 starts", &[1], NO_HOLD, |c| c.start(2))?;
    // Down for 1 s, shorter than the down delay: nothing may happen, also
    // not once the delay would have run out (held 4 s).
    let hold = DELAY + Duration::from_secs(1);
    ctx.step("trk0 down for 1 s, then up", &[1], hold, |c| {
        set_link(c.lan.r(1), "trk0", "down");
        sleep(Duration::from_secs(1));
        set_link(c.lan.r(1), "trk0", "up");
    })?;
    ctx.step("trk0 down and left down", &[2], NO_HOLD, |c| {
        set_link(c.lan.r(1), "trk0", "down")
    })?;
    ctx.took_at_least(DELAY);
    ctx.step("trk0 up again", &[1], NO_HOLD, |c| {
        set_link(c.lan.r(1), "trk0", "up")
    })?;
    ctx.took_at_least(DELAY);
    Ok(())
}

/// (e) a tracked interface's carrier changes count after their delay: a
/// 1 s flap is ignored, a lasting loss faults r1 3 s late, its return
/// counts 3 s late.
#[test]
fn e_interface_up_down_delays() {
    if root_or_skip() {
        compare(add_trk0, ONE_VIP, VI_1, delays_scenario);
    }
}

// ---- (f) track_file, weighted and weight 0 ----------------------------------

/// r1's track files live here: `tf` (weight -60) and `tf0` (weight 0).
fn files_dir(lan: &Lan) -> PathBuf {
    lan.dir.join("files")
}

/// Both track files, at 0, before either daemon starts.
fn files_setup(lan: &Lan) {
    let dir = files_dir(lan);
    fs::create_dir_all(&dir).unwrap();
    for name in ["tf", "tf0"] {
        fs::write(dir.join(name), "0\n").unwrap();
    }
}

/// Writes `value` into track file `name` as tools that care do: a temp
/// file in the same directory, renamed over it.
fn write_atomic(lan: &Lan, name: &str, value: u32) {
    let dir = files_dir(lan);
    let tmp = dir.join(format!(".{name}.tmp"));
    fs::write(&tmp, format!("{value}\n")).unwrap();
    fs::rename(&tmp, dir.join(name)).unwrap();
}

/// Writes `value` into track file `name` as a shell user does:
/// `echo VALUE > FILE` (truncate, write, close).
fn write_in_place(lan: &Lan, name: &str, value: u32) {
    let path = files_dir(lan).join(name);
    let cmd = format!("echo {value} > {}", path.display());
    must(&["sh", "-c", &cmd]);
}

fn files_scenario(ctx: &mut Ctx) -> Result<(), String> {
    let dir = files_dir(ctx.lan);
    let before = format!(
        "track_file tf {{\n    file {}\n    weight -60\n}}\n\
         track_file tf0 {{\n    file {}\n    weight 0\n}}\n",
        dir.join("tf").display(),
        dir.join("tf0").display()
    );
    let track = "    track_file {\n        tf\n        tf0\n    }\n";
    for i in 1..=2 {
        ctx.confs[i] = conf_one(i, &before, track);
    }
    ctx.step("r1 starts", &[1], NO_HOLD, |c| c.start(1))?;
    ctx.step("r2 starts", &[1], NO_HOLD, |c| c.start(2))?;
    ctx.step("tf 1 (renamed over): r1 150 - 60", &[2], NO_HOLD, |c| {
        write_atomic(c.lan, "tf", 1)
    })?;
    ctx.step("tf 0 (echo >): r1 150", &[1], NO_HOLD, |c| {
        write_in_place(c.lan, "tf", 0)
    })?;
    ctx.step("tf0 1 (echo >): r1 FAULT", &[2], NO_HOLD, |c| {
        write_in_place(c.lan, "tf0", 1)
    })?;
    ctx.step("tf0 0 (renamed over): r1 back", &[1], NO_HOLD, |c| {
        write_atomic(c.lan, "tf0", 0)
    })
}

/// (f) track_file: a weighted file moves r1's priority below r2's and
/// back, a weight-0 file faults r1; each written both ways.
#[test]
fn f_track_file() {
    if root_or_skip() {
        compare(files_setup, ONE_VIP, VI_1, files_scenario);
    }
}

// ---- (g) dont_track_primary -------------------------------------------------

/// How long r1's carrier stays away: longer than a master-down interval.
const NO_CARRIER: Duration = Duration::from_secs(4);

/// r1 alone (with r2 running both would hold the VIP while r1 cannot be
/// heard, which says nothing about r1): its eth0 loses carrier (the
/// bridge's end goes down) and gets it back. With `dont_track_primary`
/// r1 stays MASTER, keeps the VIP and calls no notify; without it, it
/// would go FAULT and drop the VIP.
fn primary_scenario(ctx: &mut Ctx) -> Result<(), String> {
    ctx.confs[1] = conf_one(1, "", "    dont_track_primary\n");
    let br = br_ns(ctx.lan);
    ctx.step("r1 starts alone", &[1], NO_HOLD, |c| c.start(1))?;
    ctx.step("r1 eth0 carrier lost", &[1], NO_CARRIER, |_| {
        set_link(&br, "p1", "down")
    })?;
    ctx.step("r1 eth0 carrier back", &[1], NO_HOLD, |_| {
        set_link(&br, "p1", "up")
    })
}

/// (g) dont_track_primary: the own interface's carrier loss is no FAULT.
#[test]
fn g_dont_track_primary() {
    if root_or_skip() {
        compare(|_| {}, ONE_VIP, VI_1, primary_scenario);
    }
}

// ---- (h) the sync group's FIFO in the OpenWrt shape -------------------------

/// Appends each line it reads from the FIFO (its argument) to `fifo` next
/// to itself. Builtins only.
const FIFO_READER: &str = "#!/bin/sh
while read -r line; do
    echo \"$line\" >> \"${0%/*}/fifo\"
done < \"$1\"
";

/// (c)'s setup plus r1's FIFO reader.
fn fifo_setup(lan: &Lan) {
    wan_setup(lan);
    let reader = script_dir(lan, 1).join("fifo_reader");
    fs::write(&reader, FIFO_READER).unwrap();
    chmod(&reader, 0o755);
}

fn fifo_scenario(ctx: &mut Ctx) -> Result<(), String> {
    let lan = ctx.lan;
    let br = br_ns(lan);
    for i in 1..=2 {
        ctx.confs[i] = openwrt_conf(lan, i);
    }
    let fifo = format!(
        "\tenable_script_security\n\tvrrp_notify_fifo {}\n\tvrrp_notify_fifo_script {}\n",
        lan.dir.join("r1.fifo").display(),
        script_dir(lan, 1).join("fifo_reader").display()
    );
    ctx.confs[1] = ctx.confs[1].replacen("\tenable_script_security\n", &fifo, 1);
    ctx.step("r1 starts", &[1, 1], NO_HOLD, |c| c.start(1))?;
    ctx.step("r2 starts", &[1, 1], NO_HOLD, |c| c.start(2))?;
    ctx.step("r1 WAN carrier lost", &[2, 2], NO_HOLD, |_| {
        set_link(&br, "w1", "down")
    })?;
    ctx.step("r1 WAN carrier back", &[1, 1], NO_HOLD, |_| {
        set_link(&br, "w1", "up")
    })
}

/// (h) the GROUP and INSTANCE lines r1 writes to its vrrp_notify_fifo.
///
/// When a group leaves FAULT the member whose fault ended (`wan`) enters
/// BACKUP first and pulls the others along, in both daemons. Which member
/// then leads the group to MASTER depends on which of two down timers set
/// for the same moment fires first (keepalived: microseconds of its own
/// processing time; tinyvrrpd: the poll order), so the INSTANCE lines of
/// one state written together are compared in sorted order
/// (`same_moment_sorted`); each GROUP line must still follow its members'.
/// The FIFO lines with each run of consecutive INSTANCE lines of one router
/// and one state sorted: their order within the run is a tie between
/// timers due at the same moment.
fn same_moment_sorted(lines: Vec<String>) -> Vec<String> {
    let key = |l: &str| -> Option<(String, String)> {
        let w: Vec<&str> = l.split_whitespace().collect();
        (w.get(1) == Some(&"INSTANCE"))
            .then(|| (w[0].to_string(), w.get(3).unwrap_or(&"").to_string()))
    };
    let mut out = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for l in lines {
        if run
            .last()
            .is_some_and(|r| key(r).is_none() || key(r) != key(&l))
        {
            run.sort();
            out.append(&mut run);
        }
        run.push(l);
    }
    run.sort();
    out.append(&mut run);
    out
}

#[test]
fn same_moment_sorting_keeps_group_lines_after_their_members() {
    let got = same_moment_sorted(
        [
            "r1 INSTANCE \"wan\" MASTER 150",
            "r1 INSTANCE \"lan\" MASTER 150",
            "r1 GROUP \"G\" MASTER 0",
            "r1 INSTANCE \"lan\" FAULT 150",
        ]
        .map(String::from)
        .to_vec(),
    );
    assert_eq!(
        got,
        [
            "r1 INSTANCE \"lan\" MASTER 150",
            "r1 INSTANCE \"wan\" MASTER 150",
            "r1 GROUP \"G\" MASTER 0",
            "r1 INSTANCE \"lan\" FAULT 150",
        ]
    );
}

#[test]
fn h_sync_group_notify_fifo() {
    if root_or_skip() {
        compare(fifo_setup, LAN_WAN, LAN_AND_WAN, fifo_scenario);
    }
}

// ---- the checks themselves, without namespaces ------------------------------

#[test]
fn last_state_reads_both_daemons_lines() {
    let keepalived = "(VI_1): entering FAULT state (interface late0 down)\n\
                      (VI_1) entering FAULT state\n\
                      Netlink reports late0 up\n\
                      (VI_1) Entering BACKUP STATE\n\
                      (VI_1) Receive advertisement timeout\n\
                      (VI_1) Entering MASTER STATE\n\
                      (VI_10) Entering FAULT STATE\n";
    assert_eq!(last_state(keepalived, "VI_1"), Some("MASTER"));
    assert_eq!(last_state(keepalived, "VI_10"), Some("FAULT"));
    let ours = "VRRP_Instance(lan) Entering BACKUP STATE\n\
                VRRP_Group(OpenWrt_Group) Syncing instances to FAULT state\n\
                VRRP_Instance(lan): entering FAULT state (tracked interface wan0 down)\n";
    assert_eq!(last_state(ours, "lan"), Some("FAULT"));
    assert_eq!(last_state(ours, "OpenWrt_Group"), None);
    assert_eq!(last_state(ours, "wan"), None);
}

#[test]
fn diff_names_the_steps_that_differ() {
    let snap = |holder: &str, state: &str| Snap {
        vips: vec![format!("192.0.2.100 on [{holder}]")],
        states: vec![format!("r1 VI_1 {state}")],
        prios: vec![],
        running: vec![],
        notifies: vec![],
        fifo: vec![],
    };
    let run = |steps: Vec<(&'static str, Snap)>| Run {
        imp: Impl::Keepalived,
        steps: steps
            .into_iter()
            .map(|(name, snap)| Done {
                name,
                took: None,
                snap,
            })
            .collect(),
        notes: vec![],
        problems: vec![],
        error: None,
        dump: String::new(),
    };
    let want = run(vec![("a", snap("1", "MASTER")), ("b", snap("2", "FAULT"))]);
    let same = run(vec![("a", snap("1", "MASTER")), ("b", snap("2", "FAULT"))]);
    assert_eq!(diff(&want, &same), "");
    let state_only = run(vec![("a", snap("1", "MASTER")), ("b", snap("2", "BACKUP"))]);
    let d = diff(&want, &state_only);
    assert!(
        d.starts_with("-- b:\n") && d.contains("r1 VI_1 BACKUP"),
        "{d}"
    );
    let short = run(vec![("a", snap("1", "MASTER"))]);
    assert_eq!(diff(&want, &short), "-- b: not reached\n");
}
