//! `use_vmac` and `vmac_xmit_base`, live, side by side with keepalived
//! 2.2.7 (issue 14, "Done when": "a `use_vmac` master answers ARP for the
//! VIP with 00:00:5e:00:01:VRID and its adverts carry that source MAC").
//! Needs root, /usr/sbin/keepalived and arping (`tests/deps.sh`); see
//! tests/common/mod.rs.
//!
//! Each scenario runs the same config text twice, each on its own LAN and
//! at the same time (two threads): keepalived on both routers (the
//! reference) and tinyvrrpd on both. r1 (priority 150) becomes master, then
//! stops (SIGTERM) and r2 (100) takes over, then r2 stops. After each step
//! the run records what can be seen from outside the daemons: per router
//! its macvlan links (name, MAC, mode, up), the device holding the VIP,
//! the ARP sysctls of eth0 and of the VMAC interface, the VMAC
//! interface's addresses; on the wire (the observer's capture) the
//! Ethernet source of each router's adverts, the MACs of the gratuitous
//! ARPs for the VIP, and the MACs answering an ARP request for the VIP
//! (`arping -b` from the observer: every request is a broadcast, so eth0
//! would answer too if it were not told to ignore it). The tinyvrrpd run
//! must record the same facts, and each run must show what `use_vmac` is
//! for (checked per run: the reference must pass them as well).
//!
//! - (a) `use_vmac`: the VMAC 00:00:5e:00:01:33 on `vrrp.51`.
//! - (b) `use_vmac` with `vmac_xmit_base`: adverts leave from eth0.
//! - (c) `use_vmac vrrp51x`: the interface has that name.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, SystemTime};

use common::*;

const STEP: Duration = Duration::from_millis(50);
/// A master-down interval is about 3.6 s here, keepalived's start a few s.
const GENEROUS: Duration = Duration::from_secs(15);
/// After the aimed-at layout: the loser's last words, the first GARPs.
const SETTLE: Duration = Duration::from_millis(1500);
const VIP: &str = "192.0.2.100";
/// 00:00:5e:00:01:VRID with VRID 51.
const VMAC: &str = "00:00:5e:00:01:33";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Impl {
    Keepalived,
    Tinyvrrpd,
}

/// One scenario: the instance lines it adds, and what they mean.
#[derive(Clone, Copy)]
struct Variant {
    /// Lines added to the instance.
    extra: &'static str,
    /// The VMAC interface's expected name.
    vmac_if: &'static str,
    /// `vmac_xmit_base`: adverts from eth0's MAC.
    xmit_base: bool,
}

fn config(prio: u8, v: Variant) -> String {
    format!(
        "vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority {prio}
    advert_int 1
{}    virtual_ipaddress {{
        {VIP}/24
    }}
}}
",
        v.extra
    )
}

fn hex(mac: [u8; 6]) -> String {
    let b: Vec<String> = mac.iter().map(|b| format!("{b:02x}")).collect();
    b.join(":")
}

fn sysctl(ns: &str, dev: &str, key: &str) -> String {
    run(&[
        "ip",
        "netns",
        "exec",
        ns,
        "cat",
        &format!("/proc/sys/net/ipv4/conf/{dev}/{key}"),
    ])
    .map(|s| s.trim().to_string())
    .unwrap_or_else(|_| "-".to_string())
}

/// Per macvlan link in `ns`: `NAME MAC mode MODE up|down`.
fn macvlans(ns: &str) -> Vec<String> {
    let text = run(&[
        "ip", "-n", ns, "-d", "-o", "link", "show", "type", "macvlan",
    ])
    .unwrap_or_else(|e| e);
    text.lines().filter_map(macvlan_line).collect()
}

/// `5: vrrp.51@eth0: <...,UP,LOWER_UP> ... link/ether 00:00:5e:00:01:33
/// ... macvlan mode private ...` -> `vrrp.51 00:00:5e:00:01:33 mode
/// private up`.
fn macvlan_line(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let name = words.get(1)?.trim_end_matches(':');
    let name = name.split('@').next()?;
    let after = |w: &str| {
        let at = words.iter().position(|x| *x == w)?;
        words.get(at + 1).copied()
    };
    let mac = after("link/ether").unwrap_or("?");
    let mode = words
        .windows(3)
        .find(|w| w[0] == "macvlan" && w[1] == "mode")
        .map_or("?", |w| w[2]);
    let flags = words.get(2).copied().unwrap_or("");
    let up = if flags.split([',', '<', '>']).any(|f| f == "UP") {
        "up"
    } else {
        "down"
    };
    Some(format!("{name} {mac} mode {mode} {up}"))
}

/// The devices holding the VIP in `ns`.
fn vip_devs(ns: &str) -> Vec<String> {
    let text = run(&["ip", "-n", ns, "-o", "addr", "show"]).unwrap_or_else(|e| e);
    text.lines()
        .filter(|l| l.contains(&format!(" {VIP}/")))
        .filter_map(|l| l.split_whitespace().nth(1).map(String::from))
        .collect()
}

/// What router `ns` shows, for the VMAC interface `vif`.
fn router_facts(name: &str, ns: &str, vif: &str) -> Vec<String> {
    let mut out = Vec::new();
    let links = macvlans(ns);
    for m in &links {
        out.push(format!("{name} macvlan {m}"));
    }
    out.push(format!("{name} VIP on {:?}", vip_devs(ns)));
    let keys = ["arp_ignore", "arp_filter"];
    let eth0: Vec<String> = keys
        .iter()
        .map(|k| format!("{k}={}", sysctl(ns, "eth0", k)))
        .collect();
    out.push(format!("{name} eth0 {}", eth0.join(" ")));
    if links.iter().any(|l| l.starts_with(&format!("{vif} "))) {
        let keys = ["arp_ignore", "arp_filter", "accept_local", "rp_filter"];
        let v: Vec<String> = keys
            .iter()
            .map(|k| format!("{k}={}", sysctl(ns, vif, k)))
            .collect();
        out.push(format!("{name} {vif} {}", v.join(" ")));
        let addrs = run(&["ip", "-n", ns, "-o", "addr", "show", "dev", vif]).unwrap_or_default();
        let a: Vec<String> = parse_ip_addr(&addrs)
            .iter()
            .map(|a| format!("{}/{}", a.addr, a.prefix_len))
            .collect();
        out.push(format!("{name} {vif} addresses {a:?}"));
    }
    out
}

/// What the capture shows from `from` on: per router, the Ethernet
/// sources of its adverts; the (Ethernet source, sender MAC) of the
/// gratuitous ARPs for the VIP; the same for ARP replies for the VIP.
fn wire_facts(cap: &Capture, from: SystemTime) -> Vec<String> {
    let mut out = BTreeSet::new();
    for a in cap.adverts().iter().filter(|a| a.ts >= from) {
        let who = (1..=2)
            .find(|&i| a.src == router_ip(i))
            .map_or_else(|| a.src.to_string(), |i| format!("r{i}"));
        out.insert(format!("{who} adverts from {}", hex(a.eth_src)));
    }
    let vip: std::net::Ipv4Addr = VIP.parse().unwrap();
    for f in cap.frames().iter().filter(|f| f.ts >= from) {
        let Ok(arp) = tinyvrrpd::wire::arp::Repr::parse(&f.data) else {
            continue;
        };
        if arp.sender_ip != vip {
            continue;
        }
        let what = if arp.is_gratuitous() {
            "garp"
        } else if arp.oper == tinyvrrpd::wire::arp::OPER_REPLY {
            "arp reply"
        } else {
            "arp other"
        };
        out.insert(format!(
            "{what} eth {} sender {}",
            hex(arp.eth_src),
            hex(arp.sender_mac)
        ));
    }
    out.into_iter().collect()
}

/// One step's record: its name and its facts.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Snap {
    name: &'static str,
    facts: Vec<String>,
}

/// One run of a variant with one implementation.
struct Run {
    imp: Impl,
    snaps: Vec<Snap>,
    error: Option<String>,
    logs: String,
}

impl Run {
    fn show(&self) -> String {
        let mut s = format!("=== {:?} ===\n", self.imp);
        for snap in &self.snaps {
            let _ = writeln!(s, "-- {}", snap.name);
            for f in &snap.facts {
                let _ = writeln!(s, "     {f}");
            }
        }
        if let Some(e) = &self.error {
            let _ = writeln!(s, "-- stopped: {e}");
        }
        s
    }

    fn facts(&self, step: &str) -> &[String] {
        self.snaps
            .iter()
            .find(|s| s.name == step)
            .map_or(&[], |s| &s.facts)
    }
}

struct Ctx<'a> {
    imp: Impl,
    v: Variant,
    lan: &'a Lan,
    cap: Capture,
    daemons: [Option<Daemon>; 3],
    snaps: Vec<Snap>,
}

impl Ctx<'_> {
    fn start(&mut self, i: usize, prio: u8) {
        let conf = config(prio, self.v);
        self.daemons[i] = Some(match self.imp {
            Impl::Keepalived => self.lan.spawn_keepalived(i, &conf),
            Impl::Tinyvrrpd => self.lan.spawn(i, &conf),
        });
    }

    fn stop(&mut self, i: usize) -> Result<(), String> {
        let d = self.daemons[i].as_mut().ok_or("not started")?;
        d.signal("TERM");
        d.wait_exit(GENEROUS)
            .map(|_| ())
            .ok_or_else(|| format!("r{i} did not stop within {GENEROUS:?}"))
    }

    /// Waits until the VIP is held by router `want` alone (0: nobody),
    /// lets things settle, asks for the VIP's MAC when someone holds it,
    /// and records the step.
    fn snap(&mut self, name: &'static str, from: SystemTime, want: usize) -> Result<(), String> {
        let lan = self.lan;
        let holders = || -> Vec<usize> {
            (1..=2)
                .filter(|&i| !vip_devs(lan.r(i)).is_empty())
                .collect()
        };
        let want_v: Vec<usize> = (want != 0).then_some(want).into_iter().collect();
        let reached = wait_until(GENEROUS, STEP, || holders() == want_v);
        sleep(SETTLE);
        if want != 0 {
            // Three broadcast requests; the replies land on the capture.
            let _ = run(&[
                "ip",
                "netns",
                "exec",
                lan.obs(),
                "arping",
                "-b",
                "-c",
                "3",
                "-w",
                "3",
                "-I",
                "eth0",
                VIP,
            ]);
            sleep(Duration::from_millis(300));
        }
        let mut facts = Vec::new();
        for i in 1..=2 {
            facts.extend(router_facts(&format!("r{i}"), lan.r(i), self.v.vmac_if));
        }
        facts.extend(wire_facts(&self.cap, from));
        self.snaps.push(Snap { name, facts });
        match reached {
            Some(_) => Ok(()),
            None => Err(format!(
                "{name}: VIP not held by {want_v:?} within {GENEROUS:?} (held by {:?})",
                holders()
            )),
        }
    }

    fn logs(&self) -> String {
        let mut s = String::new();
        for i in 1..=2 {
            if let Some(d) = &self.daemons[i] {
                let _ = write!(s, "--- {:?} r{i} log ---\n{}", self.imp, d.log());
            }
        }
        s
    }
}

/// r1 (150) and r2 (100) start; r1 stops; r2 stops.
fn scenario(ctx: &mut Ctx) -> Result<(), String> {
    ctx.snap("before", SystemTime::now(), 0)?;
    let from = SystemTime::now();
    ctx.start(1, 150);
    ctx.start(2, 100);
    ctx.snap("r1 master", from, 1)?;
    let from = SystemTime::now();
    ctx.stop(1)?;
    ctx.snap("r1 stopped, r2 master", from, 2)?;
    let from = SystemTime::now();
    ctx.stop(2)?;
    ctx.snap("r2 stopped", from, 0)
}

fn run_one(imp: Impl, v: Variant) -> Run {
    let lan = Lan::new(2);
    let mut ctx = Ctx {
        imp,
        v,
        lan: &lan,
        cap: lan.capture(),
        daemons: Default::default(),
        snaps: Vec::new(),
    };
    let error = scenario(&mut ctx).err();
    ctx.cap.stop();
    let logs = ctx.logs();
    Run {
        imp,
        snaps: ctx.snaps,
        error,
        logs,
    }
}

/// Adds a problem unless `fact` is (`present`) or is not among `step`'s.
fn need(problems: &mut Vec<String>, run: &Run, step: &str, fact: &str, present: bool) {
    if run.facts(step).iter().any(|f| f == fact) != present {
        let no = if present { "missing" } else { "unexpected" };
        problems.push(format!("{step}: {no}: {fact}"));
    }
}

const MASTER: &str = "r1 master";
const FAILOVER: &str = "r1 stopped, r2 master";
const STOPPED: &str = "r2 stopped";
const R1_MAC: &str = "02:00:00:00:00:01";

/// The facts `use_vmac` is about, checked on one run: the problems found.
fn expected(run: &Run, v: Variant) -> Vec<String> {
    let vif = v.vmac_if;
    let mut p = Vec::new();
    let advert_mac = if v.xmit_base { R1_MAC } else { VMAC };
    let other_mac = if v.xmit_base { VMAC } else { R1_MAC };
    for i in 1..=2 {
        let sysctls = format!("r{i} eth0 arp_ignore=0 arp_filter=0");
        need(&mut p, run, "before", &sysctls, true);
    }
    p.extend(expected_restore(run));
    let m = MASTER;
    let link = format!("{vif} {VMAC} mode private up");
    need(&mut p, run, m, &format!("r1 macvlan {link}"), true);
    need(&mut p, run, m, &format!("r2 macvlan {link}"), true);
    need(&mut p, run, m, &format!("r1 VIP on [\"{vif}\"]"), true);
    // One master: r2 hears r1's adverts (sent from the VMAC r2 has too).
    need(&mut p, run, m, "r2 VIP on []", true);
    need(&mut p, run, m, "r1 eth0 arp_ignore=1 arp_filter=1", true);
    // No IPv6 on an IPv4 instance's VMAC: a backup's link-local chatter
    // (MLD, router solicitations) from the VMAC would move it to the
    // backup's port in the switches.
    need(&mut p, run, m, &format!("r2 {vif} addresses []"), true);
    need(
        &mut p,
        run,
        m,
        &format!("r1 adverts from {advert_mac}"),
        true,
    );
    need(
        &mut p,
        run,
        m,
        &format!("r1 adverts from {other_mac}"),
        false,
    );
    let f = FAILOVER;
    need(&mut p, run, f, &format!("r2 VIP on [\"{vif}\"]"), true);
    need(&mut p, run, f, &format!("r2 macvlan {link}"), true);
    for (step, i) in [(f, 1), (STOPPED, 2)] {
        let left = format!("r{i} macvlan ");
        if run.facts(step).iter().any(|x| x.starts_with(&left)) {
            p.push(format!("{step}: r{i} still has a macvlan"));
        }
    }
    p.extend(expected_arp(run));
    p
}

/// After a daemon stopped: its router's eth0 ARP sysctls, which
/// [`compare`] leaves out (see [`stopped_sysctl`]). tinyvrrpd restores
/// what was there before the start (0/0), as keepalived's own code means
/// to (netlink_link_del_vmac -> reset_interface_parameters). keepalived
/// 2.2.7 leaves 1/1: it stores a link's arp_ignore/arp_filter from every
/// RTM_NEWLINK it reads (parse_af_spec), its own change's echo included,
/// so what it "restores" is the 1/1 it set. Checked, so that the
/// exemption goes once a keepalived restores them.
fn expected_restore(run: &Run) -> Vec<String> {
    let (value, who) = match run.imp {
        Impl::Tinyvrrpd => ("0", "restored"),
        Impl::Keepalived => ("1", "left as set (keepalived 2.2.7)"),
    };
    let mut p = Vec::new();
    for (step, i) in [(FAILOVER, 1), (STOPPED, 1), (STOPPED, 2)] {
        let fact = format!("r{i} eth0 arp_ignore={value} arp_filter={value}");
        if !run.facts(step).contains(&fact) {
            p.push(format!(
                "{step}: r{i}'s eth0 sysctls not {who}: want {fact}"
            ));
        }
    }
    p
}

/// True for a fact of `step` that is a stopped router's eth0 ARP
/// sysctls: keepalived 2.2.7 does not restore them ([`expected_restore`]).
fn stopped_sysctl(step: &str, fact: &str) -> bool {
    let stopped: &[&str] = match step {
        FAILOVER => &["r1 "],
        STOPPED => &["r1 ", "r2 "],
        _ => &[],
    };
    stopped
        .iter()
        .any(|r| fact.starts_with(&format!("{r}eth0 arp_")))
}

/// The ARP side, for the master's step and the failover: the VMAC, and
/// only the VMAC, answers for the VIP; the GARPs come from the VMAC.
fn expected_arp(run: &Run) -> Vec<String> {
    let mut p = Vec::new();
    let answer = format!("arp reply eth {VMAC} sender {VMAC}");
    let garp = format!("garp eth {VMAC} sender {VMAC}");
    for step in [MASTER, FAILOVER] {
        need(&mut p, run, step, &answer, true);
        let facts = run.facts(step);
        for a in facts
            .iter()
            .filter(|a| a.starts_with("arp ") && **a != answer)
        {
            p.push(format!("{step}: not the VMAC: {a}"));
        }
        let garps: Vec<&String> = facts.iter().filter(|f| f.starts_with("garp")).collect();
        if garps.is_empty() {
            p.push(format!("{step}: no gratuitous ARP for the VIP"));
        }
        // vmac_xmit_base too: only the adverts leave from eth0.
        for g in garps.iter().filter(|g| ***g != garp) {
            p.push(format!("{step}: not from the VMAC: {g}"));
        }
    }
    p
}

/// Both runs at once; panics when the reference fails its checks, or the
/// tinyvrrpd run fails them or differs from the reference.
fn compare(v: Variant) {
    assert!(
        Path::new(KEEPALIVED).exists(),
        "{KEEPALIVED} is needed: run tests/deps.sh"
    );
    assert!(
        run(&["arping", "-V"]).is_ok(),
        "arping (iputils) is needed: run tests/deps.sh"
    );
    let (reference, tested) = std::thread::scope(|s| {
        let k = s.spawn(|| run_one(Impl::Keepalived, v));
        let t = s.spawn(|| run_one(Impl::Tinyvrrpd, v));
        (k.join().unwrap(), t.join().unwrap())
    });
    let both = format!("{}{}", reference.show(), tested.show());
    println!("{both}");
    let mut why: Vec<String> = reference.error.iter().cloned().collect();
    why.extend(expected(&reference, v));
    assert!(
        why.is_empty(),
        "the keepalived run (the reference) failed:\n{}\n\n{both}{}",
        why.join("\n"),
        reference.logs
    );
    let mut why: Vec<String> = tested.error.iter().cloned().collect();
    why.extend(expected(&tested, v));
    for (k, t) in reference.snaps.iter().zip(&tested.snaps) {
        let differs =
            |f: &&String, other: &Snap| !other.facts.contains(f) && !stopped_sysctl(k.name, f);
        let only_k = k.facts.iter().filter(|f| differs(f, t));
        let only_t = t.facts.iter().filter(|f| differs(f, k));
        why.extend(only_k.map(|f| format!("{}: keepalived only: {f}", k.name)));
        why.extend(only_t.map(|f| format!("{}: tinyvrrpd only: {f}", t.name)));
    }
    if tested.snaps.len() < reference.snaps.len() {
        why.push(format!(
            "tinyvrrpd stopped after {} steps",
            tested.snaps.len()
        ));
    }
    assert!(
        why.is_empty(),
        "tinyvrrpd differs from keepalived:\n{}\n\n{both}{}{}",
        why.join("\n"),
        reference.logs,
        tested.logs
    );
}

#[test]
fn a_use_vmac() {
    if root_or_skip() {
        compare(Variant {
            extra: "    use_vmac\n",
            vmac_if: "vrrp.51",
            xmit_base: false,
        });
    }
}

#[test]
fn b_use_vmac_xmit_base() {
    if root_or_skip() {
        compare(Variant {
            extra: "    use_vmac\n    vmac_xmit_base\n",
            vmac_if: "vrrp.51",
            xmit_base: true,
        });
    }
}

#[test]
fn c_use_vmac_named() {
    if root_or_skip() {
        compare(Variant {
            extra: "    use_vmac vrrp51x\n",
            vmac_if: "vrrp51x",
            xmit_base: false,
        });
    }
}

#[test]
fn macvlan_line_reads_ip_d_o_link() {
    let line = "5: vrrp.51@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \
                state UP mode DEFAULT group default qlen 1000\\    link/ether \
                00:00:5e:00:01:33 brd ff:ff:ff:ff:ff:ff promiscuity 0 allmulti 0 minmtu 68 \
                maxmtu 65535 \\    macvlan mode private bcqueuelen 1000 usedbcqueuelen 1000";
    assert_eq!(
        macvlan_line(line).as_deref(),
        Some("vrrp.51 00:00:5e:00:01:33 mode private up")
    );
    let down = line.replace("UP,LOWER_UP", "M-DOWN");
    assert_eq!(
        macvlan_line(&down).as_deref(),
        Some("vrrp.51 00:00:5e:00:01:33 mode private down")
    );
}
