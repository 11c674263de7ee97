//! The simulation's world: routers that are each a real `tinyvrrpd::node::Node`
//! loaded from keepalived.conf text by the real parser, on one virtual LAN,
//! with a virtual clock, a lossy and jittery link, and a kernel model that
//! keeps each router's addresses and acks (or refuses) its requests. The
//! harness does what the daemon's shell does (src/daemon): it feeds the
//! Node events with the time and carries out its outputs.

#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU32, Ordering};

use arrayvec::ArrayVec;
use tinyvrrpd::config::{Config, Loc, ParamMatch, Track, TrackProcess, Vmac};
use tinyvrrpd::limits::MAX_CHILDREN;
use tinyvrrpd::node::iface::{Iface, Ifaces};
use tinyvrrpd::node::out::{AddrWhy, Note, Out, Outbox, ScriptEnd, VmacReq};
use tinyvrrpd::node::scripts::{KILL_GRACE, NOTIFY_TIMEOUT, STOP_SCRIPT_TIMEOUT};
use tinyvrrpd::node::{Node, Rx6};
use tinyvrrpd::time::{Duration, Instant};
use tinyvrrpd::vrrp::{Instance, State};
use tinyvrrpd::wire::ipv4;
use tinyvrrpd::wire::netlink::{Addr, Link as NlLink};
use tinyvrrpd::wire::vrrp::{Advert, ChecksumForm, RxError};

/// The one interface every router has.
pub const IFINDEX: u32 = 2;
const TRACE_LINES: usize = 400;

/// xorshift64*: small, fast and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability `ppm` parts per million.
    pub fn chance(&mut self, ppm: u64) -> bool {
        self.below(1_000_000) < ppm
    }
}

pub fn pick<T: Copy>(rng: &mut Rng, from: &[T]) -> T {
    from[rng.below(from.len() as u64) as usize]
}

/// The seeds of one test: `SIM_SEED=N` replays one; `SIM_SCALE=K` runs a
/// K-th of the default count (cross/test.sh uses it under qemu, where the
/// simulation runs some fifty times slower).
pub fn seeds(default_count: u64, base: u64) -> Vec<u64> {
    if let Some(seed) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) {
        return vec![seed];
    }
    let scale: u64 = std::env::var("SIM_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let count = (default_count / scale).max(1);
    (0..count).map(|k| base + k).collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

#[derive(Clone, Debug)]
pub struct Link {
    /// Loss, duplication in parts per million.
    pub drop_ppm: u64,
    pub dup_ppm: u64,
    /// One-way delay: base plus uniform jitter, in microseconds.
    pub delay_us: u64,
    pub jitter_us: u64,
}

impl Link {
    pub fn max_delay(&self) -> Duration {
        Duration::from_micros(self.delay_us + self.jitter_us)
    }
}

// ---- configuration text ------------------------------------------------

/// The GARP settings of an instance (keepalived takes whole seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Garp {
    pub master_delay_s: u32,
    pub master_repeat: u32,
    pub refresh_s: u32,
    pub refresh_repeat: u32,
    pub lower_prio_repeat: u32,
    pub lower_prio_delay_s: u32,
    pub lower_prio_no_advert: bool,
}

/// One `vrrp_instance` block, as the scenario wants it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub vrid: u8,
    pub priority: u8,
    pub advert_int_cs: u16,
    pub v3: bool,
    pub nopreempt: bool,
    pub preempt_delay_s: u16,
    pub garp: Garp,
    /// `v3_checksum_as_v2` (VRRPv3 only).
    pub plain_checksum: bool,
    /// The notify lines the instance has.
    pub scripts: Scripts,
    /// What it tracks (rendered as track_interface / track_script).
    pub tracks: Vec<TrackLine>,
}

/// One line of a `track_interface` or `track_script` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackLine {
    pub what: Tracked,
    /// None: no `weight` word (the script's own weight; 0 for eth1).
    pub weight: Option<i16>,
    /// `reverse` after the weight (only with one).
    pub reverse: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tracked {
    Eth1,
    Check(String),
    /// A vrrp_track_process: not rendered (the loader has no
    /// `track_process` yet), put in the loaded Config instead.
    Proc(String),
}

impl TrackLine {
    fn render(&self) -> String {
        let name = match &self.what {
            Tracked::Eth1 => "eth1",
            Tracked::Check(n) | Tracked::Proc(n) => n.as_str(),
        };
        match self.weight {
            None => name.to_string(),
            Some(w) => {
                let rev = if self.reverse { " reverse" } else { "" };
                format!("{name} weight {w}{rev}")
            }
        }
    }
}

/// Which notify lines an instance's block has (issue 12 item 7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scripts {
    pub master: bool,
    pub backup: bool,
    pub fault: bool,
    pub stop: bool,
    /// `notify`, with `INSTANCE NAME STATE PRIORITY` appended.
    pub generic: bool,
}

impl Scripts {
    pub const ALL: Scripts = Scripts {
        master: true,
        backup: true,
        fault: true,
        stop: true,
        generic: true,
    };

    /// A random subset, each line with probability 1/2 (none at all too).
    pub fn random(rng: &mut Rng) -> Scripts {
        Scripts {
            master: rng.chance(500_000),
            backup: rng.chance(500_000),
            fault: rng.chance(500_000),
            stop: rng.chance(500_000),
            generic: rng.chance(500_000),
        }
    }

    /// Whether the line of `kind` is configured (`notify` for "notify").
    fn has(self, kind: &str) -> bool {
        match kind {
            "master" => self.master,
            "backup" => self.backup,
            "fault" => self.fault,
            "stop" => self.stop,
            _ => self.generic,
        }
    }

    pub fn any(self) -> bool {
        self != Scripts::default()
    }
}

/// The command of instance `k`'s notify line of `kind`: nothing runs, the
/// words only tell the spawns apart (OpenWrt-like, with blanks, quoted).
pub fn script_cmd(kind: &str, k: usize) -> String {
    format!("/bin/busybox env -i ACTION={kind} NAME=VI_{k} /sbin/hotplug-call keepalived")
}

/// The word of `kind` and of `notify`'s STATE argument for a state.
fn state_kind(s: State) -> (&'static str, &'static str) {
    match s {
        State::Master => ("master", "MASTER"),
        State::Backup => ("backup", "BACKUP"),
        State::Fault => ("fault", "FAULT"),
        State::Init => ("stop", "STOP"),
    }
}

/// The scripts a transition of instance `k` to `to` runs, in order, as
/// keepalived calls them: `notify_<state>`, then `notify` with its words.
pub fn expected_jobs(sc: Scripts, k: usize, to: State, priority: u8) -> Vec<Job> {
    let (kind, word) = state_kind(to);
    let mut jobs = Vec::new();
    if sc.has(kind) {
        jobs.push(Job {
            cmd: script_cmd(kind, k),
            args: None,
        });
    }
    if sc.generic {
        jobs.push(Job {
            cmd: script_cmd("notify", k),
            args: Some((word, priority)),
        });
    }
    jobs
}

/// One script as spawned: its command and `notify`'s (STATE, PRIORITY).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub cmd: String,
    pub args: Option<(&'static str, u8)>,
}

impl Job {
    /// A `notify_stop`, or `notify` with STOP: keepalived's 1 s timeout.
    fn is_stop(&self) -> bool {
        self.cmd.contains("ACTION=stop ") || self.args.is_some_and(|a| a.0 == "STOP")
    }
}

impl Spec {
    pub fn advert_int(&self) -> Duration {
        Duration::from_cs(u64::from(self.advert_int_cs))
    }
}

/// One router's keepalived.conf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterCfg {
    /// Text before everything else (comments, say).
    pub head: String,
    pub startup_delay_ms: u32,
    pub specs: Vec<Spec>,
    /// The `vrrp_script` blocks (before the instances, as keepalived
    /// wants them).
    pub checks: Vec<CheckDef>,
    /// More top-level text, after the instances (vrrp_sync_group blocks).
    pub tail: String,
    /// vrrp_track_process blocks (put in the loaded Config, see
    /// [`Tracked::Proc`]).
    pub procs: Vec<ProcDef>,
    /// The first vrrp_sync_group's own track_interface / track_script
    /// lines (put in the loaded Config: the loader has no group tracking
    /// yet).
    pub group_tracks: Vec<TrackLine>,
}

/// One vrrp_track_process: up while quorum <= count <= quorum_max.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcDef {
    pub name: String,
    pub quorum: u32,
    pub quorum_max: u32,
    pub weight: i16,
    /// fork_delay and terminate_delay.
    pub delay_ms: u32,
}

impl ProcDef {
    pub fn up(&self, count: u32) -> bool {
        self.quorum <= count && count <= self.quorum_max
    }
}

/// One `vrrp_script` block; the harness plays the script (see
/// [`Health`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckDef {
    pub name: String,
    pub interval_s: u32,
    /// None: keepalived's default, the interval.
    pub timeout_s: Option<u32>,
    pub weight: i16,
    pub rise: u32,
    pub fall: u32,
}

impl CheckDef {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.timeout_s.unwrap_or(self.interval_s)))
    }

    /// The longest a check takes to report a steady health: `rise` or
    /// `fall` runs, each perhaps hung until SIGKILL.
    pub fn settle_time(&self) -> Duration {
        let run = Duration::from_secs(u64::from(self.interval_s)).max(self.timeout() + KILL_GRACE);
        let runs = u64::from(self.rise.max(self.fall) + 1);
        (run + Duration::from_secs(u64::from(self.interval_s))).mul(runs)
    }
}

/// How a check script behaves when run, as the scenario sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Exits 0.
    Ok,
    /// Exits 1.
    Fail,
    /// Never ends by itself: the Node times it out and kills it.
    Hang,
}

/// The keepalived.conf text of `cfg`; instance `k` is `VI_k`.
pub fn render(family: Family, cfg: &RouterCfg) -> String {
    let mut s = cfg.head.clone();
    if cfg.startup_delay_ms > 0 {
        let ms = cfg.startup_delay_ms;
        let _ = writeln!(
            s,
            "global_defs {{\n    vrrp_startup_delay {}.{:03}\n}}",
            ms / 1000,
            ms % 1000
        );
    }
    for c in &cfg.checks {
        render_check(&mut s, c);
    }
    for (k, p) in cfg.specs.iter().enumerate() {
        render_instance(&mut s, family, k, p);
    }
    s.push_str(&cfg.tail);
    s
}

fn render_check(s: &mut String, c: &CheckDef) {
    let _ = writeln!(s, "vrrp_script {} {{", c.name);
    let _ = writeln!(s, "    script \"/bin/sh -c 'check {}'\"", c.name);
    let _ = writeln!(s, "    interval {}", c.interval_s);
    if let Some(t) = c.timeout_s {
        let _ = writeln!(s, "    timeout {t}");
    }
    let _ = writeln!(s, "    weight {}", c.weight);
    let _ = writeln!(s, "    rise {}\n    fall {}\n}}", c.rise, c.fall);
}

fn render_instance(s: &mut String, family: Family, k: usize, p: &Spec) {
    let cs = p.advert_int_cs;
    let mut lines = vec![
        "state BACKUP".to_string(),
        "interface eth0".to_string(),
        format!("virtual_router_id {}", p.vrid),
        format!("priority {}", p.priority),
        format!("advert_int {}.{:02}", cs / 100, cs % 100),
        format!("version {}", if p.v3 { 3 } else { 2 }),
    ];
    if !p.v3 {
        lines.push("authentication {\n    auth_type PASS\n    auth_pass secret\n}".into());
    }
    if p.nopreempt {
        lines.push("nopreempt".into());
    } else if p.preempt_delay_s > 0 {
        lines.push(format!("preempt_delay {}", p.preempt_delay_s));
    }
    let g = &p.garp;
    lines.push(format!("garp_master_delay {}", g.master_delay_s));
    lines.push(format!("garp_master_repeat {}", g.master_repeat));
    lines.push(format!("garp_master_refresh {}", g.refresh_s));
    lines.push(format!("garp_master_refresh_repeat {}", g.refresh_repeat));
    lines.push(format!("garp_lower_prio_repeat {}", g.lower_prio_repeat));
    lines.push(format!("garp_lower_prio_delay {}", g.lower_prio_delay_s));
    let onoff = if g.lower_prio_no_advert { "on" } else { "off" };
    lines.push(format!("lower_prio_no_advert {onoff}"));
    if p.v3 && p.plain_checksum {
        lines.push("v3_checksum_as_v2".into());
    }
    let (vip, len) = match vip_of(family, p.vrid) {
        v @ IpAddr::V4(_) => (v, 32),
        v => (v, 128),
    };
    lines.push(format!("virtual_ipaddress {{\n    {vip}/{len}\n}}"));
    for kind in ["master", "backup", "fault", "stop", "notify"] {
        if p.scripts.has(kind) {
            let key = match kind {
                "notify" => kind.to_string(),
                _ => format!("notify_{kind}"),
            };
            lines.push(format!("{key} \"{}\"", script_cmd(kind, k)));
        }
    }
    for (block, eth1) in [("track_interface", true), ("track_script", false)] {
        let mine: Vec<String> = (p.tracks.iter())
            .filter(|t| !matches!(t.what, Tracked::Proc(_)))
            .filter(|t| (t.what == Tracked::Eth1) == eth1)
            .map(|t| format!("    {}", t.render()))
            .collect();
        if !mine.is_empty() {
            lines.push(format!("{block} {{\n{}\n}}", mine.join("\n")));
        }
    }
    let _ = writeln!(s, "vrrp_instance VI_{k} {{");
    for l in lines {
        for part in l.lines() {
            let _ = writeln!(s, "    {part}");
        }
    }
    let _ = writeln!(s, "}}");
}

/// Router `r`'s address of `family`: its primary IPv4 address or its IPv6
/// link-local one.
pub fn addr_of(family: Family, r: usize) -> IpAddr {
    let r = u8::try_from(r + 1).unwrap_or(u8::MAX);
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::new(198, 51, 100, r)),
        Family::V6 => IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(r))),
    }
}

/// The VIP of VRID `vrid`: 192.0.2.VRID or 2001:db8::100+VRID.
pub fn vip_of(family: Family, vrid: u8) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::new(192, 0, 2, vrid)),
        Family::V6 => IpAddr::V6(Ipv6Addr::new(
            0x2001,
            0xdb8,
            0,
            0,
            0,
            0,
            0,
            0x100 + u16::from(vrid),
        )),
    }
}

fn addr_msg(add: bool, addr: IpAddr, prefix_len: u8, index: u32) -> Addr<'static> {
    let (family, scope, local) = match addr {
        IpAddr::V4(_) => (libc::AF_INET as u8, 0, Some(addr)),
        IpAddr::V6(a) if a.is_unicast_link_local() => (libc::AF_INET6 as u8, 253, None),
        IpAddr::V6(_) => (libc::AF_INET6 as u8, 0, None),
    };
    Addr {
        msg_type: if add {
            libc::RTM_NEWADDR
        } else {
            libc::RTM_DELADDR
        },
        family,
        prefix_len,
        flags: 0,
        scope,
        index,
        address: Some(addr),
        local,
        broadcast: None,
        label: None,
    }
}

// ---- the outbox ----------------------------------------------------------

pub type Bytes = ArrayVec<u8, 160>;

/// An output of the Node, owned, to be carried out once the call returns.
enum Rec {
    /// Gratuitous ARPs (NAs) for `addr`: the kernel must hold it.
    Garp {
        idx: usize,
        ifindex: u32,
        mac: [u8; 6],
        addr: IpAddr,
        count: u32,
    },
    Advert {
        idx: usize,
        ifindex: u32,
        src: IpAddr,
        dst: IpAddr,
        bytes: Bytes,
    },
    /// `Out::Vmac`: create or delete a VMAC.
    Vmac(VmacRec),
    BadEmit(String),
    Arm {
        slot: usize,
        at: Option<Instant>,
    },
    Addr {
        add: bool,
        why: AddrWhy,
        seq: u32,
        ifindex: u32,
        addr: IpAddr,
        prefix: u8,
    },
    Trans {
        idx: usize,
        to: State,
    },
    AddrFailed(i32),
    Spawn {
        id: u32,
        idx: usize,
        job: Job,
    },
    Kill {
        id: u32,
        hard: bool,
    },
    Dropped {
        idx: usize,
        n: usize,
    },
    /// A vrrp_script run (its name is the script's, not an instance's).
    Check {
        id: u32,
        name: String,
    },
    ArmRouter(Option<Instant>),
    Scan,
    Priority {
        idx: usize,
        from: u8,
        to: u8,
    },
}

#[derive(Default)]
struct Collect {
    recs: Vec<Rec>,
    garps: u64,
    groups: u64,
}

/// Instance index `k` of `VI_k`.
fn index_of(name: &str) -> usize {
    name.strip_prefix("VI_")
        .and_then(|k| k.parse().ok())
        .unwrap_or(usize::MAX)
}

/// The advert's bytes as the shell sends them: IPv4 with its header (as
/// src/daemon/io.rs builds it), IPv6 the payload only.
fn emit(
    (idx, ifindex): (usize, u32),
    src: IpAddr,
    dst: IpAddr,
    adv: &Advert,
    form: ChecksumForm,
    ident: u16,
) -> Rec {
    let mut buf = [0u8; 160];
    let len = match (src, dst) {
        (IpAddr::V4(s4), IpAddr::V4(d4)) => {
            let (hdr, body) = buf.split_at_mut(ipv4::HEADER_LEN);
            adv.emit(body, src, dst, form).ok().and_then(|n| {
                let h = ipv4::Repr::vrrp(s4, d4, n, ident).emit(hdr).ok()?;
                Some(h + n)
            })
        }
        (IpAddr::V6(_), IpAddr::V6(_)) => adv.emit(&mut buf, src, dst, form).ok(),
        _ => None,
    };
    match len {
        Some(n) => Rec::Advert {
            idx,
            ifindex,
            src,
            dst,
            bytes: buf[..n].iter().copied().collect(),
        },
        None => Rec::BadEmit(format!("emit of {adv:?} from {src} to {dst} failed")),
    }
}

impl Outbox for Collect {
    fn push(&mut self, out: Out<'_>) {
        let rec = match out {
            Out::Advert {
                name,
                ifindex,
                src,
                dst,
                advert,
                form,
                ip_id,
            } => emit((index_of(name), ifindex), src, dst, advert, form, ip_id),
            Out::Addr { req, .. } => Rec::Addr {
                add: req.add,
                why: req.why,
                seq: req.seq,
                ifindex: req.ifindex,
                addr: req.addr,
                prefix: req.prefix_len,
            },
            Out::Arm { slot, at } => Rec::Arm { slot, at },
            Out::Log(Note::Entering { name, state }) => Rec::Trans {
                idx: index_of(name),
                to: state,
            },
            Out::Log(Note::Stopped { name, .. }) => Rec::Trans {
                idx: index_of(name),
                to: State::Init,
            },
            Out::Log(Note::AddrFailed { errno, .. }) => Rec::AddrFailed(errno),
            Out::Spawn {
                id,
                name,
                cmd,
                args,
                ..
            } => match args {
                None if !name.starts_with("VI_") => Rec::Check {
                    id,
                    name: name.to_string(),
                },
                Some(a) if a.name != name => {
                    Rec::BadEmit(format!("{name}: script #{id} gets the name {}", a.name))
                }
                _ => Rec::Spawn {
                    id,
                    idx: index_of(name),
                    job: Job {
                        cmd: cmd.to_string(),
                        args: args.map(|a| (a.state, a.priority)),
                    },
                },
            },
            Out::Kill { id, hard } => Rec::Kill { id, hard },
            Out::ArmRouter { at } => Rec::ArmRouter(at),
            Out::ScanProcesses => Rec::Scan,
            Out::Log(Note::PriorityChanged { name, from, to }) => Rec::Priority {
                idx: index_of(name),
                from,
                to,
            },
            Out::Log(Note::ScriptsDropped { name, dropped }) => Rec::Dropped {
                idx: index_of(name),
                n: dropped,
            },
            Out::Garp {
                name,
                ifindex,
                mac,
                count,
                addr,
                ..
            } => Rec::Garp {
                idx: index_of(name),
                ifindex,
                mac,
                addr,
                count,
            },
            Out::Vmac(req) => Rec::Vmac(VmacRec::of(&req)),
            Out::Group { join: true, .. } => {
                self.groups += 1;
                return;
            }
            _ => return,
        };
        self.recs.push(rec);
    }
}

// ---- the world -------------------------------------------------------------

enum Ev {
    /// An advert from router `from` arrives at router `to`.
    Deliver {
        to: usize,
        from: usize,
        src: IpAddr,
        dst: IpAddr,
        bytes: Bytes,
        /// The sender's VMAC's MAC when it left from one (the frame's
        /// source MAC); None: from its eth0.
        vmac: Option<[u8; 6]>,
    },
    /// Bytes from a stranger (not one of the routers) arrive at `to`.
    Spoof {
        to: usize,
        src: IpAddr,
        dst: IpAddr,
        bytes: Bytes,
    },
    /// Router `r`'s timer for slot `slot` fires (if still armed so).
    Wake {
        r: usize,
        epoch: u64,
        slot: usize,
        generation: u64,
    },
    /// The kernel's answer to an address request: the address
    /// notification (when it changed something), then the ack.
    Ack {
        r: usize,
        epoch: u64,
        seq: u32,
        errno: i32,
        note: Option<AddrNote>,
    },
    /// A link notification reaches router `r`'s daemon of `epoch`.
    LinkNote {
        r: usize,
        epoch: u64,
        link: LinkNote,
    },
    /// Script `id` of router `r`'s daemon lifetime `life` ends (is reaped).
    ScriptEnd { r: usize, life: u64, id: u32 },
    /// The stopping daemon's wait for its STOP scripts is over.
    StopDone { r: usize, life: u64 },
    /// Router `r`'s own timer (tracking) fires, if still armed so.
    RouterWake {
        r: usize,
        epoch: u64,
        generation: u64,
    },
    /// Router `r`'s process scan is done.
    ScanDone { r: usize, epoch: u64 },
}

pub struct Router {
    pub cfg: RouterCfg,
    /// None while the daemon is not running.
    pub node: Option<Box<Node>>,
    /// Routers in the same partition group hear each other.
    pub group: u8,
    /// Counts daemon lifetimes: wakes and acks of an earlier one are void.
    epoch: u64,
    /// The shell's timer per slot: (generation, deadline).
    timers: Vec<(u64, Option<Instant>)>,
    /// The kernel's VIPs on eth0 (address, prefix), in the order added.
    pub kernel: Vec<(IpAddr, u8)>,
    last_ack: Instant,
    pub started_at: Instant,
    /// First advert, address request or transition since the last start.
    pub first_activity: Option<Instant>,
    /// Counts daemon lifetimes for script ends (a stop keeps it: the
    /// stopping daemon still reaps its STOP scripts).
    life: u64,
    /// The Node of a daemon that stops and waits for its STOP scripts.
    stopping: Option<Box<Node>>,
    scripts: ScriptModel,
    /// The router's own timer: (generation, deadline).
    rtimer: (u64, Option<Instant>),
    /// Whether eth1 (tracked, never an instance's own) has its carrier.
    pub eth1_up: bool,
    /// eth1's index (0: deleted; a new one each time it comes back).
    pub eth1_index: u32,
    eth1_index_next: u32,
    /// How each of its check scripts behaves now (by name; absent: Ok).
    pub health: BTreeMap<String, Health>,
    /// `Changing effective priority` lines seen.
    pub priority_changes: u64,
    /// `Out::Arm` outputs (timerfd_settime calls) and slot wakes, for the
    /// lazy re-arm (issue 17).
    pub arms: u64,
    pub wakes: u64,
    /// How many processes each vrrp_track_process matches (absent: 0).
    pub proc_counts: BTreeMap<String, u32>,
    /// A process scan was asked for and not answered yet.
    scanning: bool,
    /// Per vrrp_track_process: since when the scans disagree with the
    /// Node's quorum.
    disagree: BTreeMap<String, Instant>,
    pub scans: u64,
    /// use_vmac (issue 14): the VMACs in its kernel, each VMAC index it
    /// ever had (with its name), and per instance the VMAC of its last
    /// loaded configuration.
    pub vmacs: Vec<VmacLink>,
    pub vmac_history: BTreeMap<u32, String>,
    pub vmac_cfg: Vec<Option<Vmac>>,
    /// During a reload: the VMACs of the configuration it replaces (the
    /// removed instances' last adverts and the new ones' first may mix).
    vmac_cfg_old: Option<Vec<Option<Vmac>>>,
    /// Per instance index: Some(vmac_xmit_base) to render `use_vmac`.
    pub use_vmac: Vec<Option<bool>>,
    /// Link notifications sent and not yet read by the daemon.
    pub notes_pending: u32,
    /// Per instance index: the interface its last advert left from.
    pub last_tx: BTreeMap<usize, u32>,
    /// The VMACs (by index) the router itself deleted.
    own_deleted: Vec<u32>,
}

impl Router {
    pub fn alive(&self) -> bool {
        self.node.is_some()
    }

    pub fn node(&self) -> &Node {
        self.node.as_ref().expect("router is running")
    }
}

pub struct Sim {
    pub seed: u64,
    /// Tells this simulation's configuration files from others'.
    id: u32,
    pub rng: Rng,
    pub now: Instant,
    pub link: Link,
    pub family: Family,
    pub routers: Vec<Router>,
    queue: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    events: Vec<Option<Ev>>,
    seq: u64,
    /// (time, router, instance index, new state)
    pub transitions: Vec<(Instant, usize, usize, State)>,
    trace: VecDeque<String>,
    pub delivered: u64,
    /// Last delivery time per (from, to): a LAN does not reorder the frames
    /// of one sender, so jitter never lets a later advert overtake.
    fifo: Vec<Vec<Instant>>,
    /// After a v2 interval reload, adverts still in flight carry the old
    /// interval and are rejected, rightly: tolerated until then.
    pub interval_change_until: Instant,
    /// Address requests the kernel refuses (ENOBUFS), in ppm.
    pub nack_ppm: u64,
    /// Address requests the routers made, and how many were refused.
    pub addr_outs: u64,
    pub nacks: u64,
    pub garps: u64,
    /// Every GARP (NA) output: (when, router, address, count).
    pub garp_log: Vec<(Instant, usize, IpAddr, u32)>,
    /// Packets the routers dropped or rejected, from strangers included.
    pub spoofs_dropped: u64,
    /// How the scripts the routers spawn behave, and what they did.
    pub script_mix: ScriptMix,
    pub script_stats: ScriptStats,
    /// Inside `Node::stop`: the hard kills of non-STOP scripts come now.
    in_stop_call: bool,
    out: Collect,
    /// A scenario's invariant, checked after every call into router r's
    /// Node.
    pub watch: Option<fn(&Sim, usize)>,
    /// Tolerate `Node::start` and `Node::apply_reload` arming the router
    /// timer for now (new checks are due at once; known bug, see
    /// tests/sim_tracking.rs).
    pub router_timer_now_at_start: bool,
    in_start_call: bool,
    /// The next index the kernel gives a VMAC (never reused).
    next_vmac_index: u32,
    pub vmac_stats: VmacStats,
    /// A router never uses a VMAC it deleted itself: no address request
    /// on it, no instance entering BACKUP or MASTER while it is missing
    /// (off by default: a reload that changes a VMAC but keeps its name
    /// does both, see tests/sim_vmac.rs).
    pub strict_own_deletes: bool,
}

// 32 bits: MIPS32 has no 64-bit atomics (cross/test.sh runs this on mips).
static CONF_COUNTER: AtomicU32 = AtomicU32::new(0);

impl Sim {
    pub fn new(seed: u64, family: Family, link: Link, cfgs: Vec<RouterCfg>) -> Sim {
        let n = cfgs.len();
        let routers = cfgs
            .into_iter()
            .map(|cfg| Router {
                cfg,
                node: None,
                group: 0,
                epoch: 0,
                timers: Vec::new(),
                arms: 0,
                wakes: 0,
                kernel: Vec::new(),
                last_ack: Instant::ZERO,
                started_at: Instant::ZERO,
                first_activity: None,
                life: 0,
                stopping: None,
                scripts: ScriptModel::default(),
                rtimer: (0, None),
                eth1_up: true,
                eth1_index: ETH1,
                eth1_index_next: 0,
                health: BTreeMap::new(),
                priority_changes: 0,
                proc_counts: BTreeMap::new(),
                scanning: false,
                disagree: BTreeMap::new(),
                scans: 0,
                vmacs: Vec::new(),
                vmac_history: BTreeMap::new(),
                vmac_cfg: Vec::new(),
                vmac_cfg_old: None,
                use_vmac: Vec::new(),
                notes_pending: 0,
                last_tx: BTreeMap::new(),
                own_deleted: Vec::new(),
            })
            .collect();
        Sim {
            seed,
            id: CONF_COUNTER.fetch_add(1, Ordering::Relaxed),
            rng: Rng::new(seed ^ 0x5eed),
            now: Instant::from_micros(1_000_000),
            link,
            family,
            routers,
            queue: BinaryHeap::new(),
            events: Vec::new(),
            seq: 0,
            transitions: Vec::new(),
            trace: VecDeque::new(),
            delivered: 0,
            fifo: vec![vec![Instant::ZERO; n]; n],
            interval_change_until: Instant::ZERO,
            nack_ppm: 0,
            addr_outs: 0,
            nacks: 0,
            garps: 0,
            garp_log: Vec::new(),
            spoofs_dropped: 0,
            script_mix: ScriptMix::QUICK,
            script_stats: ScriptStats::default(),
            in_stop_call: false,
            out: Collect::default(),
            watch: None,
            router_timer_now_at_start: false,
            in_start_call: false,
            next_vmac_index: 100,
            vmac_stats: VmacStats::default(),
            strict_own_deletes: false,
        }
    }

    pub fn log(&mut self, line: String) {
        if self.trace.len() == TRACE_LINES {
            self.trace.pop_front();
        }
        let line = format!("{:>10}us {line}", self.now.as_micros());
        self.trace.push_back(line);
    }

    pub fn fail(&self, what: &str) -> ! {
        let mut s = String::new();
        for l in &self.trace {
            let _ = writeln!(s, "  {l}");
        }
        panic!(
            "simulation invariant failed (seed {}; replay with SIM_SEED={}): {what}\nlast events:\n{s}",
            self.seed, self.seed
        );
    }

    fn schedule(&mut self, at: Instant, ev: Ev) {
        self.seq += 1;
        self.events.push(Some(ev));
        self.queue
            .push(Reverse((at, self.seq, self.events.len() - 1)));
    }

    // ---- driving one Node ------------------------------------------------

    /// Call router `r`'s Node, then carry out what it pushed, in order.
    fn call(&mut self, r: usize, f: impl FnOnce(&mut Node, Instant, &mut Collect)) {
        let mut out = std::mem::take(&mut self.out);
        let now = self.now;
        let rt = &mut self.routers[r];
        if let Some(node) = rt.node.as_mut().or(rt.stopping.as_mut()) {
            f(node, now, &mut out);
        }
        self.garps += std::mem::take(&mut out.garps);
        let mut recs = std::mem::take(&mut out.recs);
        self.out = out;
        for rec in recs.drain(..) {
            self.carry_out(r, rec);
        }
        self.out.recs = recs;
        self.check_script_count(r);
        self.check_vmacs_now(r);
        if let Some(watch) = self.watch {
            watch(self, r);
        }
    }

    fn carry_out(&mut self, r: usize, rec: Rec) {
        match rec {
            // Issue 14: never announce an address the kernel refused.
            Rec::Garp {
                idx,
                ifindex,
                mac,
                addr,
                count,
            } => {
                self.garps += u64::from(count);
                self.garp_log.push((self.now, r, addr, count));
                if self.vmac_of(r, idx).is_some() {
                    self.check_vmac_garp(r, idx, (ifindex, mac), addr);
                } else if !self.routers[r].kernel.iter().any(|x| x.0 == addr) {
                    self.fail(&format!("r{r} announced {addr}, which it does not hold"));
                }
            }
            Rec::Advert {
                idx,
                ifindex,
                src,
                dst,
                bytes,
            } => {
                self.activity(r);
                self.check_advert_iface(r, idx, ifindex);
                let vmacs = &self.routers[r].vmacs;
                let vmac = vmacs.iter().find(|v| v.index == ifindex).map(|v| v.mac);
                self.send(r, src, dst, &bytes, vmac);
            }
            Rec::Vmac(v) => {
                let notes = self.kernel_vmac(r, v);
                self.notify_links(r, notes);
            }
            Rec::BadEmit(e) => self.fail(&e),
            Rec::Arm { slot, at } => self.arm(r, slot, at),
            Rec::Addr {
                add,
                why,
                seq,
                ifindex,
                addr,
                prefix,
            } => {
                self.activity(r);
                self.kernel_addr(r, (add, why, seq), (ifindex, addr), prefix);
            }
            Rec::Trans { idx, to } => {
                self.activity(r);
                self.transitions.push((self.now, r, idx, to));
                let prio = self.routers[r].cfg.specs.get(idx).map_or(0, |s| s.priority);
                self.log(format!("r{r} VI_{idx} -> {to:?} (prio {prio})"));
                self.check_vmac_on_entry(r, idx, to);
                self.expect_scripts(r, idx, to);
            }
            Rec::AddrFailed(errno) => self.log(format!("r{r} address request failed: {errno}")),
            Rec::Spawn { id, idx, job } => self.on_spawn(r, id, idx, job),
            Rec::Kill { id, hard } => self.on_kill(r, id, hard),
            Rec::Dropped { idx, n } => self.on_dropped(r, idx, n),
            Rec::Check { id, name } => self.on_check_spawn(r, id, name),
            Rec::ArmRouter(at) => self.arm_router(r, at),
            Rec::Scan => self.on_scan(r),
            Rec::Priority { idx, from, to } => {
                self.routers[r].priority_changes += 1;
                self.log(format!("r{r} VI_{idx} priority {from} -> {to}"));
            }
        }
    }

    fn activity(&mut self, r: usize) {
        let rt = &mut self.routers[r];
        rt.first_activity = rt.first_activity.or(Some(self.now));
    }

    /// `Out::Arm`: the timer of (r, slot) now fires at `at` only. The
    /// invariant of issue 10 item 1: never at or before now.
    fn arm(&mut self, r: usize, slot: usize, at: Option<Instant>) {
        if at.is_some_and(|t| t <= self.now) {
            self.fail(&format!(
                "r{r} slot {slot}: armed for {at:?}, not after now ({:?})",
                self.now
            ));
        }
        let rt = &mut self.routers[r];
        rt.arms += 1;
        if rt.timers.len() <= slot {
            rt.timers.resize(slot + 1, (0, None));
        }
        let t = &mut rt.timers[slot];
        t.0 += 1;
        t.1 = at;
        let (epoch, generation) = (rt.epoch, t.0);
        if let Some(at) = at {
            self.schedule(
                at,
                Ev::Wake {
                    r,
                    epoch,
                    slot,
                    generation,
                },
            );
        }
    }

    /// `Out::Addr`: the kernel applies the request at once (or refuses it)
    /// and answers a little later, in order.
    /// Addresses live on their interface: eth0's in `kernel`, a VMAC's on
    /// it; another index is no device.
    fn kernel_addr(
        &mut self,
        r: usize,
        (add, why, seq): (bool, AddrWhy, u32),
        (ifindex, a): (u32, IpAddr),
        len: u8,
    ) {
        self.addr_outs += 1;
        let (errno, note) = if self.rng.chance(self.nack_ppm) {
            self.nacks += 1;
            (libc::ENOBUFS, None)
        } else {
            let rt = &mut self.routers[r];
            let k = if ifindex == IFINDEX {
                Some(&mut rt.kernel)
            } else {
                let v = rt.vmacs.iter_mut().find(|v| v.index == ifindex);
                v.map(|v| &mut v.addrs)
            };
            let note = |add| Some((add, a, len, ifindex));
            match k.map(|k| (k.iter().position(|x| x.0 == a), k)) {
                None => (libc::ENODEV, None),
                Some((Some(_), _)) if add => (libc::EEXIST, None),
                Some((None, k)) if add => {
                    k.push((a, len));
                    (0, note(true))
                }
                Some((Some(i), k)) => {
                    k.remove(i);
                    (0, note(false))
                }
                Some((None, _)) => (libc::EADDRNOTAVAIL, None),
            }
        };
        let verb = if add { "add" } else { "del" };
        self.log(format!(
            "r{r} {verb} {a} on #{ifindex} ({why:?}) seq {seq}: errno {errno}"
        ));
        if self.strict_own_deletes && self.routers[r].own_deleted.contains(&ifindex) {
            self.fail(&format!(
                "r{r}: {verb} {a} on #{ifindex}, a VMAC it deleted itself"
            ));
        }
        let delay = Duration::from_micros(self.rng.range(20, 2_000));
        let rt = &mut self.routers[r];
        let at = (self.now + delay).max(rt.last_ack);
        rt.last_ack = at;
        let epoch = rt.epoch;
        let ev = Ev::Ack {
            r,
            epoch,
            seq,
            errno,
            note,
        };
        self.schedule(at, ev);
    }

    /// An advert on the wire: to every other router of the same group,
    /// through the lossy link.
    fn send(
        &mut self,
        from: usize,
        src: IpAddr,
        dst: IpAddr,
        bytes: &Bytes,
        vmac: Option<[u8; 6]>,
    ) {
        for to in 0..self.routers.len() {
            if to == from || self.routers[to].group != self.routers[from].group {
                continue;
            }
            if self.rng.chance(self.link.drop_ppm) {
                continue;
            }
            let copies = if self.rng.chance(self.link.dup_ppm) {
                2
            } else {
                1
            };
            for _ in 0..copies {
                let delay = self.link.delay_us + self.rng.below(self.link.jitter_us + 1);
                let at = (self.now + Duration::from_micros(delay)).max(self.fifo[from][to]);
                self.fifo[from][to] = at;
                let bytes = bytes.clone();
                let ev = Ev::Deliver {
                    to,
                    from,
                    src,
                    dst,
                    bytes,
                    vmac,
                };
                self.schedule(at, ev);
            }
        }
    }

    /// The drop and rejection counters of router `r` that concern
    /// instance `idx` (the Node's, wire level, and the instance's): all of
    /// them, and those for an interval mismatch.
    fn rejections(&self, r: usize, idx: usize) -> (u64, u64) {
        let Some(node) = &self.routers[r].node else {
            return (0, 0);
        };
        let im = RxError::IntervalMismatch.index();
        let rx = node.rx_errors();
        let (mut all, mut mismatch) = (rx.iter().sum::<u64>(), rx[im]);
        if let Some(s) = node.slots().get(idx) {
            let rejected = &s.inst.stats().rejected;
            all += rejected.iter().sum::<u64>();
            mismatch += rejected[im];
        }
        (all, mismatch)
    }

    fn receive(&mut self, to: usize, src: IpAddr, dst: IpAddr, bytes: &[u8], ifindex: u32) {
        match (src, dst) {
            (IpAddr::V6(src), IpAddr::V6(dst)) => self.call(to, |n, now, out| {
                let rx = Rx6 {
                    payload: bytes,
                    src,
                    dst,
                    hop_limit: 255,
                    ifindex,
                };
                n.on_rx6(rx, now, out)
            }),
            _ => self.call(to, |n, now, out| n.on_rx4(bytes, ifindex, now, out)),
        }
    }

    /// Where router `to`'s kernel hands an advert for `vrid` (None: to no
    /// socket). A frame from the VRRP MAC that one of `to`'s VMACs has too
    /// goes to that VMAC only (the macvlan driver takes it for its own);
    /// any other goes where the group was joined: the VMAC of an instance
    /// that listens there (use_vmac without vmac_xmit_base), else eth0.
    /// A frame handed to an interface where the instance does not listen
    /// (one the Node has not been told of yet, a VMAC of an instance with
    /// vmac_xmit_base, a straggler from before a reload changed the mode)
    /// is counted there as from an unknown interface, not as a drop: left
    /// out here. A Node that listens on the wrong interface hears nothing
    /// then, and the mastership checks catch it.
    fn rx_iface(&self, to: usize, vrid: u8, vmac: Option<[u8; 6]>) -> Option<u32> {
        let rt = &self.routers[to];
        let node = rt.node.as_ref()?;
        let listens = match node.slots().iter().find(|s| s.cfg.vrid == vrid) {
            Some(s) => tinyvrrpd::node::vmac::rx_index(&s.cfg, node.ifaces(), IFINDEX),
            None => IFINDEX,
        };
        let own = vmac.and_then(|m| rt.vmacs.iter().find(|v| v.mac == m));
        let at = own.map_or(listens, |v| v.index);
        (at != 0 && at == listens).then_some(at)
    }

    /// A peer's advert arrives: nothing of it may be dropped or rejected
    /// (but an old interval just after an interval reload).
    fn deliver(
        &mut self,
        to: usize,
        from: usize,
        src: IpAddr,
        dst: IpAddr,
        bytes: &[u8],
        vmac: Option<[u8; 6]>,
    ) {
        if !self.routers[to].alive() || self.routers[to].group != self.routers[from].group {
            return;
        }
        let off = if src.is_ipv4() { ipv4::HEADER_LEN } else { 0 };
        let vrid = bytes.get(off + 1).copied().unwrap_or(0);
        let Some(ifindex) = self.rx_iface(to, vrid, vmac) else {
            return;
        };
        self.delivered += 1;
        let idx = usize::from(vrid).saturating_sub(1);
        let before = self.rejections(to, idx);
        self.receive(to, src, dst, bytes, ifindex);
        let after = self.rejections(to, idx);
        let tolerated = self.now <= self.interval_change_until;
        let mismatches = after.1 - before.1;
        if after.0 - before.0 > mismatches || (mismatches > 0 && !tolerated) {
            let node = self.routers[to].node();
            let rx = node.rx_errors();
            let rej = node.slots().get(idx).map(|s| s.inst.stats().rejected);
            self.fail(&format!(
                "r{to} VI_{idx} dropped an advert of r{from}: node {rx:?}, instance {rej:?}"
            ));
        }
    }

    fn spoof(&mut self, to: usize, src: IpAddr, dst: IpAddr, bytes: &[u8]) {
        if !self.routers[to].alive() {
            return;
        }
        let before: u64 = self.routers[to].node().rx_errors().iter().sum();
        self.receive(to, src, dst, bytes, IFINDEX);
        let after: u64 = self.routers[to].node().rx_errors().iter().sum();
        self.spoofs_dropped += after - before;
    }

    /// Send `bytes` from a stranger at `src` to every router at `at`.
    pub fn schedule_spoof(&mut self, at: Instant, src: IpAddr, dst: IpAddr, bytes: &Bytes) {
        for to in 0..self.routers.len() {
            let bytes = bytes.clone();
            self.schedule(
                at,
                Ev::Spoof {
                    to,
                    src,
                    dst,
                    bytes,
                },
            );
        }
    }

    fn wake(&mut self, r: usize, epoch: u64, slot: usize, generation: u64) {
        let rt = &mut self.routers[r];
        match rt.timers.get_mut(slot) {
            Some(t) if rt.epoch == epoch && t.0 == generation => t.1 = None,
            _ => return,
        }
        rt.wakes += 1;
        // A stopping daemon waits for its children only (src/daemon).
        if rt.node.is_none() {
            return;
        }
        self.call(r, |n, now, out| n.on_timer(slot, now, out));
    }

    fn ack(&mut self, r: usize, seq: u32, errno: i32, note: Option<AddrNote>) {
        self.call(r, |n, now, out| {
            if let Some((add, addr, len, index)) = note {
                n.on_addr(&addr_msg(add, addr, len, index), now, out);
            }
            n.on_ack(seq, errno, now, out);
        });
    }

    /// Run the world until `until`.
    pub fn run_until(&mut self, until: Instant) {
        while let Some(&Reverse((at, _, id))) = self.queue.peek() {
            if at > until {
                break;
            }
            self.queue.pop();
            self.now = at;
            let Some(ev) = self.events[id].take() else {
                continue;
            };
            match ev {
                Ev::Deliver {
                    to,
                    from,
                    src,
                    dst,
                    bytes,
                    vmac,
                } => self.deliver(to, from, src, dst, &bytes, vmac),
                Ev::Spoof {
                    to,
                    src,
                    dst,
                    bytes,
                } => self.spoof(to, src, dst, &bytes),
                Ev::Wake {
                    r,
                    epoch,
                    slot,
                    generation,
                } => self.wake(r, epoch, slot, generation),
                Ev::Ack {
                    r,
                    epoch,
                    seq,
                    errno,
                    note,
                } if self.routers[r].epoch == epoch => self.ack(r, seq, errno, note),
                Ev::Ack { .. } => {}
                Ev::LinkNote { r, epoch, link } => self.link_note(r, epoch, &link),
                Ev::ScriptEnd { r, life, id } => self.script_end(r, life, id),
                Ev::StopDone { r, life } => {
                    if self.routers[r].life == life {
                        self.finish_stop(r);
                    }
                }
                Ev::RouterWake {
                    r,
                    epoch,
                    generation,
                } => self.router_wake(r, epoch, generation),
                Ev::ScanDone { r, epoch } => self.scan_done(r, epoch),
            }
        }
        self.now = until;
    }

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    // ---- the daemon's life ---------------------------------------------

    /// Router `r`'s configuration through the real loader: written to a
    /// file of its own, loaded, removed.
    /// The file is the router's own, the same at every load, as the
    /// daemon's keepalived.conf (the loaded blocks' locations stay put).
    fn load(&mut self, r: usize) -> Config {
        let c = self.load_only(r);
        let vmacs = c.instances.iter().map(|i| i.vmac.clone()).collect();
        self.routers[r].vmac_cfg = vmacs;
        c
    }

    fn load_only(&self, r: usize) -> Config {
        let name = format!("tinyvrrpd-sim-{}-{}-r{r}.conf", std::process::id(), self.id);
        let path = std::env::temp_dir().join(name);
        let mut text = render(self.family, &self.routers[r].cfg);
        add_vmac_lines(&mut text, &self.routers[r].use_vmac);
        if let Err(e) = std::fs::write(&path, &text) {
            self.fail(&format!("writing {}: {e}", path.display()));
        }
        let loaded = tinyvrrpd::config::load(&path);
        let _ = std::fs::remove_file(&path);
        match loaded {
            Ok((mut c, w)) if w.is_empty() => {
                self.add_procs(r, &mut c);
                self.add_group_tracks(r, &mut c);
                c
            }
            Ok((_, d)) | Err(d) => {
                let d: Vec<String> = d.iter().map(|d| d.to_string()).collect();
                self.fail(&format!("r{r}: config refused or warned: {d:?}\n{text}"))
            }
        }
    }

    /// What a netlink dump would say of router `r`'s interfaces now (those
    /// `config` names and are missing: gone, followed by name, as
    /// src/daemon/dumps.rs has them).
    fn dump(&self, r: usize, config: &Config) -> Ifaces {
        let mac = [2, 0, 0, 0, 0, u8::try_from(r + 1).unwrap_or(0)];
        let link = NlLink {
            msg_type: libc::RTM_NEWLINK,
            index: IFINDEX,
            flags: (libc::IFF_UP | libc::IFF_RUNNING) as u32,
            name: Some("eth0"),
            mac: Some(mac),
            operstate: Some(6),
        };
        let mut t = Ifaces::new();
        let eth0 = Iface::new(&link).expect("eth0");
        t.push(eth0).expect("room for eth0");
        t.apply_addr(&addr_msg(true, addr_of(Family::V4, r), 24, IFINDEX));
        t.apply_addr(&addr_msg(true, addr_of(Family::V6, r), 64, IFINDEX));
        for &(a, len) in &self.routers[r].kernel {
            t.apply_addr(&addr_msg(true, a, len, IFINDEX));
        }
        let rt = &self.routers[r];
        if rt.eth1_index != 0 {
            let eth1 = Iface::new(&eth1_link(r, rt.eth1_index, rt.eth1_up)).expect("eth1");
            t.push(eth1).expect("room for eth1");
        }
        self.dump_vmacs(r, &mut t);
        let wanted = tinyvrrpd::node::named_ifaces(config);
        for name in wanted {
            if t.by_name(name).is_none() {
                let gone = Iface::gone(name).expect("a name");
                t.push(gone).expect("room for a missing interface");
            }
        }
        t
    }

    /// Start router `r`'s daemon from scratch.
    pub fn start(&mut self, r: usize) {
        self.finish_stop(r);
        self.log(format!("r{r} start"));
        let config = self.load(r);
        let node = self.start_node(r, &config);
        let now = self.now;
        let rt = &mut self.routers[r];
        rt.node = Some(node);
        rt.epoch += 1;
        rt.timers.clear();
        rt.rtimer = (rt.rtimer.0 + 1, None);
        rt.scanning = false;
        rt.started_at = now;
        rt.first_activity = None;
        rt.life += 1;
        rt.scripts = ScriptModel::default();
        self.in_start_call = true;
        self.call(r, |n, now, out| n.start(now, out));
        self.in_start_call = false;
    }

    /// SIGKILL and link down: no goodbye; the kernel keeps the VIPs.
    pub fn crash(&mut self, r: usize) {
        self.log(format!("r{r} crash"));
        self.finish_stop(r);
        let rt = &mut self.routers[r];
        rt.node = None;
        rt.epoch += 1;
        // Its children are orphans now: their ends reach nobody.
        rt.life += 1;
        rt.scripts = ScriptModel::default();
    }

    /// SIGTERM: every instance shuts down (priority 0 from masters, VIPs
    /// removed).
    /// Then, as src/daemon does, it waits up to STOP_SCRIPT_TIMEOUT + 0.1 s
    /// for its STOP scripts (reaping them, starting those that wait), and
    /// kills what is left.
    pub fn stop(&mut self, r: usize) {
        self.log(format!("r{r} stop"));
        if !self.routers[r].alive() {
            return;
        }
        let m = &mut self.routers[r].scripts;
        // The Node forgets what waits: only STOP scripts run from now on.
        let waiting: usize = m.expected.iter_mut().map(|q| q.drain(..).count()).sum();
        self.script_stats.discarded_at_stop += waiting as u64;
        m.stopping = true;
        self.in_stop_call = true;
        self.call(r, |n, now, out| n.stop(now, out));
        self.in_stop_call = false;
        self.check_only_stop_scripts_run(r);
        self.check_vmacs_deleted(r);
        let rt = &mut self.routers[r];
        rt.stopping = rt.node.take();
        rt.epoch += 1;
        let life = rt.life;
        let at = self.now + STOP_SCRIPT_TIMEOUT + Duration::from_millis(100);
        self.schedule(at, Ev::StopDone { r, life });
    }

    /// SIGHUP with configuration `cfg`: plan, then apply, as the shell does.
    pub fn reload(&mut self, r: usize, cfg: RouterCfg) {
        let changed = self.routers[r].cfg != cfg;
        self.log(format!(
            "r{r} reload{}",
            if changed { " (changed)" } else { "" }
        ));
        let old = core::mem::replace(&mut self.routers[r].cfg, cfg);
        if !self.routers[r].alive() {
            return;
        }
        let before = self.routers[r].vmac_cfg.clone();
        self.routers[r].vmac_cfg_old = Some(before);
        let mut config = self.load(r);
        let ifaces = self.reload_vmacs(r, &config);
        let plan = match self.routers[r].node().plan_reload(&mut config, &ifaces) {
            Ok(p) => p,
            Err(e) => self.fail(&format!("r{r}: reload plan: {e}")),
        };
        let n = plan.len();
        // Instances the reload removed run no more of their queue, only
        // what keepalived runs for a removed instance: without
        // notify_deleted, `notify` with FAULT unless it was in FAULT
        // (src/node/reload.rs).
        let rt = &mut self.routers[r];
        let removed: Vec<(State, u8)> = (rt.node().slots().iter().skip(n))
            .map(|s| (s.inst.state(), s.inst.effective_priority()))
            .collect();
        for (k, (state, prio)) in removed.into_iter().enumerate() {
            let idx = n + k;
            let generic = old.specs.get(idx).is_some_and(|s| s.scripts.generic);
            rt.scripts.grow(idx);
            rt.scripts.expected[idx].clear();
            if generic && state != State::Fault {
                rt.scripts.expected[idx].push_back(Job {
                    cmd: script_cmd("notify", idx),
                    args: Some(("FAULT", prio)),
                });
            }
        }
        // A reload kills the running script of an instance it removes.
        self.in_stop_call = true;
        self.in_start_call = true;
        self.call(r, |node, now, out| {
            node.apply_reload(plan, ifaces, now, out)
        });
        self.in_stop_call = false;
        self.in_start_call = false;
        // VMACs whose name an instance the reload removed held.
        self.call(r, |node, _, out| {
            node.make_vmacs(out);
        });
        self.routers[r].vmac_cfg_old = None;
        self.check_vmacs_now(r);
        // The shell disarms the timers of slots that went away.
        for t in self.routers[r].timers.iter_mut().skip(n) {
            t.0 += 1;
            t.1 = None;
        }
    }

    // ---- looking at the world -------------------------------------------

    pub fn n_vrids(&self) -> usize {
        self.routers[0].cfg.specs.len()
    }

    pub fn instance(&self, r: usize, idx: usize) -> &Instance {
        &self.routers[r].node().slots()[idx].inst
    }

    pub fn state(&self, r: usize, idx: usize) -> Option<State> {
        let node = self.routers[r].node.as_ref()?;
        node.slots().get(idx).map(|s| s.inst.state())
    }

    pub fn masters(&self, idx: usize, group: u8) -> Vec<usize> {
        (0..self.routers.len())
            .filter(|&r| {
                self.routers[r].group == group && self.state(r, idx) == Some(State::Master)
            })
            .collect()
    }

    /// The live routers of `group` (among those `among` admits) with the
    /// best priority for `idx`. Between equal priorities the address
    /// decides only when both contend at once (RFC 5798 §6.4.3); a backup
    /// does not preempt an equal-priority master (§6.4.2), so any of them
    /// may hold it.
    pub fn contenders_among(
        &self,
        idx: usize,
        group: u8,
        among: &dyn Fn(usize) -> bool,
    ) -> Vec<usize> {
        let live: Vec<usize> = (0..self.routers.len())
            .filter(|&r| self.routers[r].alive() && self.routers[r].group == group && among(r))
            .collect();
        let prio = |r: usize| self.routers[r].cfg.specs[idx].priority;
        let best = live.iter().map(|&r| prio(r)).max();
        live.into_iter()
            .filter(|&r| Some(prio(r)) == best)
            .collect()
    }

    pub fn contenders(&self, idx: usize, group: u8) -> Vec<usize> {
        self.contenders_among(idx, group, &|_| true)
    }

    /// The router to stop or crash: the master of VRID index 0.
    pub fn master_of_first(&self) -> usize {
        self.masters(0, 0).first().copied().unwrap_or(0)
    }

    /// One master per VRID in each group, one of the best; and every live
    /// router holds exactly the VIPs of what it is master of.
    pub fn check_settled(&self, what: &str) {
        let mut groups: Vec<u8> = self.routers.iter().map(|r| r.group).collect();
        groups.sort();
        groups.dedup();
        for idx in 0..self.n_vrids() {
            for &g in &groups {
                let want = self.contenders(idx, g);
                let got = self.masters(idx, g);
                let ok = match (got.as_slice(), want.is_empty()) {
                    ([], true) => true,
                    ([m], false) => want.contains(m),
                    _ => false,
                };
                if !ok {
                    let vrid = self.routers[0].cfg.specs[idx].vrid;
                    self.fail(&format!(
                        "{what}: vrid {vrid} group {g}: masters {got:?}, expected one of {want:?}"
                    ));
                }
            }
        }
        self.check_addresses(what);
    }

    /// Each live router's kernel holds exactly the VIPs of the instances it
    /// is master of, and the Node's view of what it installed agrees.
    pub fn check_addresses(&self, what: &str) {
        for (r, rt) in self.routers.iter().enumerate() {
            let Some(node) = &rt.node else {
                continue;
            };
            let mut want: Vec<IpAddr> = (0..rt.cfg.specs.len())
                .filter(|&i| self.state(r, i) == Some(State::Master))
                .map(|i| vip_of(self.family, rt.cfg.specs[i].vrid))
                .collect();
            want.sort();
            let on_vmacs = rt.vmacs.iter().flat_map(|v| v.addrs.iter());
            let mut got: Vec<IpAddr> = rt.kernel.iter().chain(on_vmacs).map(|x| x.0).collect();
            got.sort();
            let mut view: Vec<IpAddr> = node.installed().map(|x| x.1).collect();
            view.sort();
            if got != want || view != want {
                self.fail(&format!(
                    "{what}: r{r} holds {got:?} (the Node says {view:?}), masters of {want:?}"
                ));
            }
        }
    }

    /// The worst master-down interval of any instance: 3 x interval + skew.
    pub fn worst_down_interval(&self) -> Duration {
        self.specs()
            .map(|p| {
                let interval = p.advert_int();
                interval.mul(3)
                    + Duration::from_micros(
                        interval.as_micros() * (256 - u64::from(p.priority)) / 256,
                    )
            })
            .max()
            .unwrap_or(Duration::ZERO)
    }

    pub fn max_interval(&self) -> Duration {
        self.specs()
            .map(Spec::advert_int)
            .max()
            .unwrap_or(Duration::ZERO)
    }

    fn specs(&self) -> impl Iterator<Item = &Spec> {
        self.routers.iter().flat_map(|r| r.cfg.specs.iter())
    }

    pub fn transitions_since(&self, t: Instant) -> usize {
        self.transitions.iter().filter(|x| x.0 > t).count()
    }

    /// First time after `t` that one of `rs` became master of `idx`, and who.
    pub fn became_master_after(
        &self,
        t: Instant,
        rs: &[usize],
        idx: usize,
    ) -> Option<(Instant, usize)> {
        self.transitions
            .iter()
            .find(|x| x.0 >= t && rs.contains(&x.1) && x.2 == idx && x.3 == State::Master)
            .map(|x| (x.0, x.1))
    }
}

// ---- notify scripts (issue 12 item 7) ------------------------------------

/// How the scripts the routers spawn behave. Nothing is executed: the
/// harness reports each end to the Node after a seeded delay.
#[derive(Clone, Debug)]
pub struct ScriptMix {
    /// A quick script ends after this many microseconds (range).
    pub quick_us: (u64, u64),
    /// Parts per million that end late: 1 to 10 s, past the next
    /// transition.
    pub late_ppm: u64,
    /// Parts per million that hang: they end only when killed (SIGKILL,
    /// or SIGTERM for `term_ends_ppm` of them, a little after it).
    pub hung_ppm: u64,
    pub term_ends_ppm: u64,
}

impl ScriptMix {
    pub const QUICK: ScriptMix = ScriptMix {
        quick_us: (200, 30_000),
        late_ppm: 0,
        hung_ppm: 0,
        term_ends_ppm: 0,
    };
}

/// What the scripts did, over one simulation.
#[derive(Clone, Debug, Default)]
pub struct ScriptStats {
    pub spawns: u64,
    pub ends: u64,
    /// Jobs the Node reported dropped (Note::ScriptsDropped).
    pub drops: u64,
    /// Jobs still waiting when their router stopped (the Node forgets
    /// them: only STOP scripts run then).
    pub discarded_at_stop: u64,
    /// STOP scripts that had not started when the stop window closed.
    pub not_run_at_stop: u64,
    pub soft_kills: u64,
    pub hard_kills: u64,
    /// Children the stopping shell killed when its wait was over.
    pub shell_kills: u64,
    /// Most scripts running at once on one router.
    pub max_running: usize,
    /// Ends reported after the end of a script spawned later.
    pub reordered_ends: u64,
    /// Check script (vrrp_script) runs, and their ends reported.
    pub check_spawns: u64,
    pub check_ends: u64,
    /// SIGTERMs and SIGKILLs the Node sent check runs (timeouts).
    pub check_kills: u64,
}

/// One child of a daemon, as the harness sees it: from Spawn until the
/// harness reports its end.
struct Proc {
    idx: usize,
    job: Job,
    spawned: Instant,
    hung: bool,
    termed: bool,
}

/// A router's scripts: its children, what its Node believes runs per
/// instance, and what each instance must spawn next, in order.
#[derive(Default)]
struct ScriptModel {
    procs: BTreeMap<u32, Proc>,
    running: Vec<Option<u32>>,
    n_running: usize,
    expected: Vec<VecDeque<Job>>,
    stopping: bool,
    /// The highest id reported ended.
    last_end: u32,
    /// Check scripts (vrrp_script runs) alive, by id.
    checks: BTreeMap<u32, CheckProc>,
}

/// One run of a check script, from Spawn until its end is reported.
struct CheckProc {
    name: String,
    spawned: Instant,
    /// Its check's timeout when it started (a reload that changes the
    /// check leaves a run in progress its own deadline).
    timeout: Duration,
    /// How it will end (None: it hangs until killed).
    end: Option<ScriptEnd>,
    termed: bool,
    /// The Node still counts it (a stop forgets its runs at once).
    counted: bool,
}

impl ScriptModel {
    fn grow(&mut self, idx: usize) {
        if self.running.len() <= idx {
            self.running.resize(idx + 1, None);
            self.expected.resize(idx + 1, VecDeque::new());
        }
    }

    /// The Node no longer runs `id` (it ended, or was SIGKILLed).
    fn not_running(&mut self, idx: usize, id: u32) {
        if self.running.get(idx) == Some(&Some(id)) {
            self.running[idx] = None;
            self.n_running -= 1;
        }
    }
}

impl Sim {
    /// A transition of (r, idx) to `to`: its scripts join what the
    /// instance must spawn, in order.
    fn expect_scripts(&mut self, r: usize, idx: usize, to: State) {
        let rt = &mut self.routers[r];
        let Some(spec) = rt.cfg.specs.get(idx) else {
            return;
        };
        let jobs = expected_jobs(spec.scripts, idx, to, spec.priority);
        rt.scripts.grow(idx);
        rt.scripts.expected[idx].extend(jobs);
    }

    /// `Out::Spawn`: one at a time per instance, in transition order, at
    /// most MAX_CHILDREN per router, only STOP scripts once stopping.
    fn on_spawn(&mut self, r: usize, id: u32, idx: usize, job: Job) {
        self.log(format!(
            "r{r} VI_{idx} spawn #{id} {} {:?}",
            job.cmd, job.args
        ));
        let m = &mut self.routers[r].scripts;
        m.grow(idx);
        let want = m.expected[idx].pop_front();
        let problem = if let Some(prev) = m.running[idx] {
            Some(format!("spawned #{id} while #{prev} still runs"))
        } else if m.stopping && !job.is_stop() {
            Some(format!("spawned {job:?} after the stop"))
        } else if want.as_ref() != Some(&job) {
            Some(format!("spawned {job:?}, expected {want:?}"))
        } else if m.procs.contains_key(&id) {
            Some(format!("id #{id} given twice"))
        } else if m.n_running >= MAX_CHILDREN {
            Some(format!("a child beyond MAX_CHILDREN ({MAX_CHILDREN})"))
        } else {
            None
        };
        if let Some(p) = problem {
            self.fail(&format!("r{r} VI_{idx}: {p}"));
        }
        m.running[idx] = Some(id);
        m.n_running += 1;
        let st = &mut self.script_stats;
        st.spawns += 1;
        st.max_running = st.max_running.max(m.n_running);
        let mix = &self.script_mix;
        let roll = self.rng.below(1_000_000);
        let (hung, end_us) = if roll < mix.hung_ppm {
            (true, None)
        } else if roll < mix.hung_ppm + mix.late_ppm {
            (false, Some(self.rng.range(1_000_000, 10_000_000)))
        } else {
            (false, Some(self.rng.range(mix.quick_us.0, mix.quick_us.1)))
        };
        let spawned = self.now;
        let proc = Proc {
            idx,
            job,
            spawned,
            hung,
            termed: false,
        };
        self.routers[r].scripts.procs.insert(id, proc);
        if let Some(us) = end_us {
            self.script_end_in(r, id, Duration::from_micros(us));
        }
    }

    fn script_end_in(&mut self, r: usize, id: u32, d: Duration) {
        let life = self.routers[r].life;
        self.schedule(self.now + d, Ev::ScriptEnd { r, life, id });
    }

    /// `Out::Kill`: only of a script the Node runs; SIGTERM exactly at its
    /// timeout, SIGKILL KILL_GRACE later, or at once when the router stops
    /// and it is no STOP script.
    fn on_kill(&mut self, r: usize, id: u32, hard: bool) {
        if self.routers[r].scripts.checks.contains_key(&id) {
            self.on_check_kill(r, id, hard);
            return;
        }
        self.log(format!(
            "r{r} kill #{id}{}",
            if hard { " hard" } else { "" }
        ));
        let (now, stopping) = (self.now, self.in_stop_call);
        let m = &self.routers[r].scripts;
        let Some(p) = m.procs.get(&id) else {
            self.fail(&format!("r{r}: kill of #{id}, which is no child"));
        };
        let timeout = if p.job.is_stop() {
            STOP_SCRIPT_TIMEOUT
        } else {
            NOTIFY_TIMEOUT
        };
        let due = match (hard, stopping) {
            (false, _) if p.termed => None,
            (false, _) => Some(p.spawned + timeout),
            (true, true) if !p.job.is_stop() => Some(now),
            (true, _) => Some(p.spawned + timeout + KILL_GRACE).filter(|_| p.termed),
        };
        if m.running.get(p.idx) != Some(&Some(id)) || due != Some(now) {
            let what = format!(
                "{:?} spawned at {:?}, termed {}",
                p.job, p.spawned, p.termed
            );
            self.fail(&format!(
                "r{r}: kill #{id} (hard {hard}) of {what}: due {due:?}"
            ));
        }
        let (idx, hung) = (p.idx, p.hung);
        if hard {
            self.script_stats.hard_kills += 1;
            self.routers[r].scripts.not_running(idx, id);
            let reap = Duration::from_micros(self.rng.range(10, 5_000));
            self.script_end_in(r, id, reap);
            return;
        }
        self.script_stats.soft_kills += 1;
        if let Some(p) = self.routers[r].scripts.procs.get_mut(&id) {
            p.termed = true;
        }
        if hung && self.rng.chance(self.script_mix.term_ends_ppm) {
            let after = Duration::from_micros(self.rng.range(1_000, 100_000));
            self.script_end_in(r, id, after);
        }
    }

    /// `Note::ScriptsDropped`: the last `n` jobs of the transition just
    /// queued are not run.
    fn on_dropped(&mut self, r: usize, idx: usize, n: usize) {
        self.log(format!("r{r} VI_{idx} dropped {n} scripts"));
        self.script_stats.drops += n as u64;
        let m = &mut self.routers[r].scripts;
        m.grow(idx);
        let have = m.expected[idx].len();
        if have < n {
            self.fail(&format!("r{r} VI_{idx}: {n} dropped of {have} queued"));
        }
        self.routers[r].scripts.expected[idx].truncate(have - n);
    }

    /// A child ends: the shell reaps it and tells the Node.
    fn script_end(&mut self, r: usize, life: u64, id: u32) {
        let rt = &mut self.routers[r];
        if rt.life != life {
            return;
        }
        if rt.scripts.checks.contains_key(&id) {
            self.check_end(r, id);
            return;
        }
        let Some(p) = rt.scripts.procs.remove(&id) else {
            return;
        };
        rt.scripts.not_running(p.idx, id);
        if id < rt.scripts.last_end {
            self.script_stats.reordered_ends += 1;
        }
        rt.scripts.last_end = rt.scripts.last_end.max(id);
        self.script_stats.ends += 1;
        self.log(format!("r{r} VI_{} end #{id}", p.idx));
        self.call(r, |n, now, out| {
            n.on_script_end(id, ScriptEnd::Code(0), now, out)
        });
    }

    /// The stopping daemon's wait is over: what still runs is killed, and
    /// the daemon exits.
    fn finish_stop(&mut self, r: usize) {
        let rt = &mut self.routers[r];
        if rt.stopping.take().is_none() {
            return;
        }
        let left = rt.scripts.procs.len();
        let unstarted: usize = rt.scripts.expected.iter().map(VecDeque::len).sum();
        rt.scripts = ScriptModel::default();
        self.script_stats.shell_kills += left as u64;
        self.script_stats.not_run_at_stop += unstarted as u64;
        self.log(format!(
            "r{r} stopped: {left} children killed, {unstarted} STOP scripts not run"
        ));
    }

    /// The Node's count of running scripts is the harness's.
    fn check_script_count(&self, r: usize) {
        let rt = &self.routers[r];
        let Some(node) = rt.node.as_ref().or(rt.stopping.as_ref()) else {
            return;
        };
        if node.scripts_running() != rt.scripts.n_running {
            self.fail(&format!(
                "r{r}: the Node counts {} scripts running, the harness {}",
                node.scripts_running(),
                rt.scripts.n_running
            ));
        }
    }

    /// Right after `Node::stop`: every script still running is a STOP one.
    fn check_only_stop_scripts_run(&self, r: usize) {
        let m = &self.routers[r].scripts;
        for id in m.running.iter().flatten() {
            if m.procs.get(id).is_none_or(|p| !p.job.is_stop()) {
                self.fail(&format!("r{r}: script #{id} not killed by the stop"));
            }
        }
    }

    /// Every live router ran every script its transitions asked for (but
    /// those reported dropped) and runs none now.
    pub fn check_scripts_drained(&self, what: &str) {
        for (r, rt) in self.routers.iter().enumerate() {
            let Some(node) = &rt.node else {
                continue;
            };
            let m = &rt.scripts;
            let waiting: Vec<(usize, usize)> = (m.expected.iter().enumerate())
                .filter(|(_, q)| !q.is_empty())
                .map(|(k, q)| (k, q.len()))
                .collect();
            if m.n_running != 0 || node.scripts_running() != 0 || !waiting.is_empty() {
                self.fail(&format!(
                    "{what}: r{r}: {} scripts running, (instance, jobs) never run {waiting:?}",
                    m.n_running
                ));
            }
        }
    }
}

// ---- tracking (issue 13) -------------------------------------------------

/// Router `r`'s eth1 at `index`, up or without carrier.
fn eth1_link(r: usize, index: u32, up: bool) -> NlLink<'static> {
    let running = if up { libc::IFF_RUNNING as u32 } else { 0 };
    NlLink {
        msg_type: libc::RTM_NEWLINK,
        index,
        flags: libc::IFF_UP as u32 | running,
        name: Some("eth1"),
        mac: Some([2, 0, 0, 0, 1, u8::try_from(r + 1).unwrap_or(0)]),
        operstate: Some(if up { 6 } else { 2 }),
    }
}

/// The tracked interface's index.
pub const ETH1: u32 = 3;

/// What a tracked object adds to an instance's priority, by keepalived's
/// rules (vrrp_track.c): weight w > 0 adds w while up, w < 0 adds w
/// while down; reverse negates it. None: weight 0 (FAULT, no weight).
pub fn contribution(up: bool, w: i16, reverse: bool) -> Option<i32> {
    if w == 0 {
        return None;
    }
    let w = i32::from(w);
    let c = match (up, w > 0) {
        (true, true) | (false, false) => w,
        _ => 0,
    };
    Some(if reverse { -c } else { c })
}

impl Sim {
    /// `Out::ArmRouter`: the router's timer fires at `at` only; never at
    /// or before now.
    fn arm_router(&mut self, r: usize, at: Option<Instant>) {
        let tolerated = self.router_timer_now_at_start && self.in_start_call;
        if at.is_some_and(|t| t < self.now || (t == self.now && !tolerated)) {
            self.fail(&format!(
                "r{r}: router timer armed for {at:?}, not after now ({:?})",
                self.now
            ));
        }
        let rt = &mut self.routers[r];
        rt.rtimer.0 += 1;
        rt.rtimer.1 = at;
        let (epoch, generation) = (rt.epoch, rt.rtimer.0);
        if let Some(at) = at {
            self.schedule(
                at,
                Ev::RouterWake {
                    r,
                    epoch,
                    generation,
                },
            );
        }
    }

    fn router_wake(&mut self, r: usize, epoch: u64, generation: u64) {
        let rt = &mut self.routers[r];
        if rt.epoch != epoch || rt.rtimer.0 != generation || rt.node.is_none() {
            return;
        }
        rt.rtimer.1 = None;
        self.call(r, |n, now, out| n.on_router_timer(now, out));
    }

    /// The health of check `name` on router `r` now.
    pub fn health(&self, r: usize, name: &str) -> Health {
        self.routers[r]
            .health
            .get(name)
            .copied()
            .unwrap_or(Health::Ok)
    }

    pub fn set_health(&mut self, r: usize, name: &str, h: Health) {
        self.log(format!("r{r} check {name} now {h:?}"));
        self.routers[r].health.insert(name.to_string(), h);
    }

    /// eth1's carrier comes or goes: the kernel tells the daemon.
    pub fn set_eth1(&mut self, r: usize, up: bool) {
        self.log(format!("r{r} eth1 {}", if up { "up" } else { "down" }));
        self.routers[r].eth1_up = up;
        let index = self.routers[r].eth1_index;
        if self.routers[r].alive() && index != 0 {
            self.call(r, |n, now, out| {
                n.on_link(&eth1_link(r, index, up), now, out)
            });
        }
    }

    /// eth1 is deleted (RTM_DELLINK), or comes back under a new index.
    pub fn set_eth1_exists(&mut self, r: usize, exists: bool) {
        let rt = &mut self.routers[r];
        let old = rt.eth1_index;
        if exists == (old != 0) {
            return;
        }
        let link = if exists {
            rt.eth1_index = ETH1 + 1 + (rt.eth1_index_next % 20);
            rt.eth1_index_next += 1;
            eth1_link(r, rt.eth1_index, rt.eth1_up)
        } else {
            rt.eth1_index = 0;
            NlLink {
                msg_type: libc::RTM_DELLINK,
                ..eth1_link(r, old, false)
            }
        };
        self.log(format!(
            "r{r} eth1 {}",
            if exists { "created" } else { "deleted" }
        ));
        if self.routers[r].alive() {
            self.call(r, |n, now, out| n.on_link(&link, now, out));
        }
    }

    /// `Out::Spawn` of a vrrp_script: one run at a time per script, within
    /// MAX_CHILDREN; it ends after a short while with the exit code of its
    /// health (or hangs).
    fn on_check_spawn(&mut self, r: usize, id: u32, name: String) {
        self.log(format!("r{r} check {name} spawn #{id}"));
        let m = &self.routers[r].scripts;
        let problem = if m.checks.values().any(|c| c.name == name && c.counted) {
            Some("while its last run still runs".to_string())
        } else if m.procs.contains_key(&id) || m.checks.contains_key(&id) {
            Some(format!("id #{id} given twice"))
        } else if m.n_running >= MAX_CHILDREN {
            Some(format!("a child beyond MAX_CHILDREN ({MAX_CHILDREN})"))
        } else if !self.routers[r].cfg.checks.iter().any(|c| c.name == name) {
            Some("which is no vrrp_script".to_string())
        } else {
            None
        };
        if let Some(p) = problem {
            self.fail(&format!("r{r}: check {name} spawned #{id} {p}"));
        }
        let end = match self.health(r, &name) {
            Health::Ok => Some(ScriptEnd::Code(0)),
            Health::Fail => Some(ScriptEnd::Code(1)),
            Health::Hang => None,
        };
        let timeout = self.routers[r]
            .cfg
            .checks
            .iter()
            .find(|c| c.name == name)
            .map_or(Duration::ZERO, CheckDef::timeout);
        let proc = CheckProc {
            name,
            spawned: self.now,
            timeout,
            end,
            termed: false,
            counted: true,
        };
        let m = &mut self.routers[r].scripts;
        m.checks.insert(id, proc);
        m.n_running += 1;
        self.script_stats.check_spawns += 1;
        self.script_stats.max_running = self.script_stats.max_running.max(m.n_running);
        if end.is_some() {
            // Well within any timeout (a second at least).
            let us = self.rng.range(200, 300_000);
            self.script_end_in(r, id, Duration::from_micros(us));
        }
    }

    /// `Out::Kill` of a check run: SIGTERM at its timeout, SIGKILL
    /// KILL_GRACE later, or SIGKILL at once from `Node::stop`.
    fn on_check_kill(&mut self, r: usize, id: u32, hard: bool) {
        self.log(format!(
            "r{r} check kill #{id}{}",
            if hard { " hard" } else { "" }
        ));
        let (now, stopping) = (self.now, self.in_stop_call);
        let rt = &self.routers[r];
        let Some(p) = rt.scripts.checks.get(&id) else {
            return;
        };
        let timeout = p.timeout;
        let due = match (hard, stopping) {
            (_, true) => Some(now).filter(|_| hard),
            (false, false) => Some(p.spawned + timeout).filter(|_| !p.termed),
            (true, false) => Some(p.spawned + timeout + KILL_GRACE).filter(|_| p.termed),
        };
        if due != Some(now) || !p.counted {
            let what = format!("{} spawned at {:?}, termed {}", p.name, p.spawned, p.termed);
            self.fail(&format!(
                "r{r}: kill #{id} (hard {hard}) of {what}: due {due:?}"
            ));
        }
        self.script_stats.check_kills += 1;
        let signal = if hard { 9 } else { 15 };
        // A hung script dies of SIGKILL; of SIGTERM, half the time.
        let ends = hard || self.rng.chance(500_000);
        let m = &mut self.routers[r].scripts;
        if stopping {
            m.n_running -= 1;
        }
        let Some(p) = m.checks.get_mut(&id) else {
            return;
        };
        p.counted &= !stopping;
        p.termed = true;
        if ends {
            p.end = Some(ScriptEnd::Signal(signal));
            let us = self.rng.range(10, 5_000);
            self.script_end_in(r, id, Duration::from_micros(us));
        }
    }

    /// A check run ends: reaped, and reported to the Node.
    fn check_end(&mut self, r: usize, id: u32) {
        let m = &mut self.routers[r].scripts;
        let Some(p) = m.checks.remove(&id) else {
            return;
        };
        if p.counted {
            m.n_running -= 1;
        }
        let Some(end) = p.end else {
            return;
        };
        self.script_stats.check_ends += 1;
        self.log(format!("r{r} check {} end #{id}: {end:?}", p.name));
        self.call(r, |n, now, out| n.on_script_end(id, end, now, out));
    }

    /// The priority router `r` should give instance `idx` by keepalived's
    /// rules, from the scenario's flags (eth1, check health): base plus the
    /// weights of the tracked objects, clamped to 1..=254.
    pub fn expected_priority(&self, r: usize, idx: usize) -> u8 {
        let rt = &self.routers[r];
        let spec = &rt.cfg.specs[idx];
        let mut total = i32::from(spec.priority);
        // The group's lines count on every member (keepalived attaches
        // them to each); here every instance of a router with group lines
        // is a member.
        for t in spec.tracks.iter().chain(&rt.cfg.group_tracks) {
            let (up, w) = self.reading(r, t);
            total += contribution(up, w, t.reverse).unwrap_or(0);
        }
        u8::try_from(total.clamp(1, 254)).unwrap_or(1)
    }

    /// Whether the object of line `t` of router `r` is up by the flags,
    /// and the line's weight.
    fn reading(&self, r: usize, t: &TrackLine) -> (bool, i16) {
        let rt = &self.routers[r];
        match &t.what {
            Tracked::Eth1 => (rt.eth1_up && rt.eth1_index != 0, t.weight.unwrap_or(0)),
            Tracked::Check(name) => {
                let def = rt.cfg.checks.iter().find(|c| &c.name == name);
                let w = t.weight.or(def.map(|d| d.weight)).unwrap_or(0);
                (self.health(r, name) == Health::Ok, w)
            }
            Tracked::Proc(name) => {
                let def = rt.cfg.procs.iter().find(|p| &p.name == name);
                let w = t.weight.or(def.map(|d| d.weight)).unwrap_or(0);
                let n = rt.proc_counts.get(name).copied().unwrap_or(0);
                (def.is_some_and(|d| d.up(n)), w)
            }
        }
    }

    /// Whether a weight-0 tracked object of (r, idx) is down.
    pub fn expected_fault(&self, r: usize, idx: usize) -> bool {
        let cfg = &self.routers[r].cfg;
        cfg.specs[idx]
            .tracks
            .iter()
            .chain(&cfg.group_tracks)
            .any(|t| {
                let (up, w) = self.reading(r, t);
                w == 0 && up == t.reverse
            })
    }
}

// ---- tracked processes -----------------------------------------------------

impl Sim {
    /// The loader has no `vrrp_track_process` / `track_process` yet: the
    /// router's ProcDefs and Tracked::Proc lines go into its Config here.
    fn add_procs(&self, r: usize, c: &mut Config) {
        let cfg = &self.routers[r].cfg;
        for p in &cfg.procs {
            c.track_processes.push(TrackProcess {
                name: p.name.clone(),
                loc: Loc {
                    file: "sim".into(),
                    line: 0,
                },
                process: p.name.clone(),
                params: Vec::new(),
                param_match: ParamMatch::Any,
                weight: p.weight,
                reverse: false,
                quorum: p.quorum,
                quorum_max: p.quorum_max,
                fork_delay_ms: p.delay_ms,
                terminate_delay_ms: p.delay_ms,
                full_command: false,
            });
        }
        for (k, spec) in cfg.specs.iter().enumerate() {
            for t in &spec.tracks {
                let Tracked::Proc(name) = &t.what else {
                    continue;
                };
                let line = Track {
                    name: name.clone(),
                    weight: t.weight,
                    reverse: t.weight.map(|_| t.reverse),
                };
                let Some(inst) = c.instances.get_mut(k) else {
                    self.fail(&format!("r{r}: no instance {k} for {name}"));
                };
                if inst.track_processes.try_push(line).is_err() {
                    self.fail(&format!("r{r}: too many track_process lines"));
                }
            }
        }
    }

    /// `Out::ScanProcesses`: the counts come back a little later. (A
    /// reload may ask for one while another is out: harmless, a shell
    /// scans /proc at once.)
    fn on_scan(&mut self, r: usize) {
        let rt = &mut self.routers[r];
        rt.scanning = true;
        rt.scans += 1;
        let epoch = rt.epoch;
        let d = Duration::from_micros(self.rng.range(100, 50_000));
        self.schedule(self.now + d, Ev::ScanDone { r, epoch });
    }

    fn scan_done(&mut self, r: usize, epoch: u64) {
        let rt = &mut self.routers[r];
        if rt.epoch != epoch || rt.node.is_none() {
            return;
        }
        rt.scanning = false;
        let counts: Vec<u32> = (rt.cfg.procs.iter())
            .map(|p| rt.proc_counts.get(&p.name).copied().unwrap_or(0))
            .collect();
        self.log(format!("r{r} scan: {counts:?}"));
        let before = self.quorums(r);
        self.call(r, |n, now, out| n.on_process_counts(&counts, now, out));
        let after = self.quorums(r);
        self.check_quorum_delays(r, &counts, &before, &after);
    }

    fn quorums(&self, r: usize) -> Vec<Option<bool>> {
        let Some(node) = &self.routers[r].node else {
            return Vec::new();
        };
        (self.routers[r].cfg.procs.iter())
            .map(|p| node.trackers().proc(&p.name).and_then(|t| t.quorum))
            .collect()
    }

    /// keepalived's fork/terminate delay: the quorum follows the count only
    /// once it has disagreed for the whole delay (a flap back inside it
    /// starts it again); the first scan decides at once.
    fn check_quorum_delays(
        &mut self,
        r: usize,
        counts: &[u32],
        before: &[Option<bool>],
        after: &[Option<bool>],
    ) {
        let now = self.now;
        let procs = self.routers[r].cfg.procs.clone();
        for (k, p) in procs.iter().enumerate() {
            let have = p.up(counts[k]);
            let disagree = &mut self.routers[r].disagree;
            let since = match before[k] {
                Some(q) if q != have => *disagree.entry(p.name.clone()).or_insert(now),
                _ => {
                    disagree.remove(&p.name);
                    now
                }
            };
            let due = since + Duration::from_millis(u64::from(p.delay_ms));
            let want = match before[k] {
                None => Some(have),
                Some(q) if q != have && due <= now => Some(have),
                q => q,
            };
            if after[k] != want {
                self.fail(&format!(
                    "r{r} {}: count {} (disagreeing since {since:?}): quorum {:?} -> {:?}, expected {want:?}",
                    p.name, counts[k], before[k], after[k]
                ));
            }
            if after[k] != before[k] {
                self.routers[r].disagree.remove(&p.name);
            }
        }
    }

    pub fn set_proc_count(&mut self, r: usize, name: &str, n: u32) {
        self.log(format!("r{r} process {name}: {n} running"));
        self.routers[r].proc_counts.insert(name.to_string(), n);
    }
}

impl Sim {
    fn add_group_tracks(&self, r: usize, c: &mut Config) {
        for t in &self.routers[r].cfg.group_tracks {
            let Some(g) = c.sync_groups.first_mut() else {
                self.fail(&format!("r{r}: group tracking without a group"));
            };
            let (list, name) = match &t.what {
                Tracked::Eth1 => (&mut g.track_interfaces, "eth1"),
                Tracked::Check(n) => (&mut g.track_scripts, n.as_str()),
                Tracked::Proc(n) => (&mut g.track_processes, n.as_str()),
            };
            let line = Track {
                name: name.to_string(),
                weight: t.weight,
                reverse: t.weight.map(|_| t.reverse),
            };
            if list.try_push(line).is_err() {
                self.fail(&format!("r{r}: too many group track lines"));
            }
        }
    }
}

// ---- use_vmac (issue 14) -------------------------------------------------

/// An address notification: (added, address, prefix, interface index).
type AddrNote = (bool, IpAddr, u8, u32);

/// A VMAC in a router's kernel.
#[derive(Clone, Debug)]
pub struct VmacLink {
    pub name: String,
    pub index: u32,
    pub mac: [u8; 6],
    pub up: bool,
    /// Its addresses (VIPs), in the order added.
    pub addrs: Vec<(IpAddr, u8)>,
    /// The base's link-local address, added for an IPv6 instance.
    pub ll6: Option<Ipv6Addr>,
}

/// `Out::Vmac`, owned.
struct VmacRec {
    add: bool,
    name: String,
    base_index: u32,
    index: u32,
    mac: [u8; 6],
    ll6: Option<Ipv6Addr>,
}

impl VmacRec {
    fn of(req: &VmacReq<'_>) -> VmacRec {
        VmacRec {
            add: req.add,
            name: req.name.to_string(),
            base_index: req.base_index,
            index: req.index,
            mac: req.mac,
            ll6: req.ll6,
        }
    }
}

/// A link notification, owned.
struct LinkNote {
    index: u32,
    name: String,
    mac: [u8; 6],
    up: bool,
    del: bool,
}

impl LinkNote {
    fn msg(&self) -> NlLink<'_> {
        let flags = if self.up {
            libc::IFF_UP | libc::IFF_RUNNING
        } else {
            0
        };
        NlLink {
            msg_type: if self.del {
                libc::RTM_DELLINK
            } else {
                libc::RTM_NEWLINK
            },
            index: self.index,
            flags: flags as u32,
            name: Some(self.name.as_str()),
            mac: Some(self.mac),
            operstate: Some(if self.up { 6 } else { 2 }),
        }
    }
}

/// What the VMACs saw, over one simulation.
#[derive(Clone, Debug, Default)]
pub struct VmacStats {
    /// VMACs the routers created and deleted.
    pub creates: u64,
    pub deletes: u64,
    /// VMACs someone else deleted.
    pub removed: u64,
    /// Adverts out of a VMAC; out of eth0 with vmac_xmit_base.
    pub vmac_adverts: u64,
    pub base_adverts: u64,
    /// GARPs (NAs) out of a VMAC.
    pub vmac_garps: u64,
    /// Adverts, GARPs and deletions toward a VMAC just deleted, before
    /// the router was told (a real kernel answers ENODEV).
    pub stale: u64,
}

/// `use_vmac` (and `vmac_xmit_base`) lines in the blocks of the instances
/// `modes` names (Some(xmit_base)).
fn add_vmac_lines(text: &mut String, modes: &[Option<bool>]) {
    for (k, m) in modes.iter().enumerate() {
        let Some(xmit_base) = m else {
            continue;
        };
        let head = format!("vrrp_instance VI_{k} {{\n");
        let mut lines = "    use_vmac\n".to_string();
        if *xmit_base {
            lines.push_str("    vmac_xmit_base\n");
        }
        if let Some(at) = text.find(&head) {
            text.insert_str(at + head.len(), &lines);
        }
    }
}

impl Sim {
    /// The VMAC of router `r`'s instance `idx` (its last loaded config).
    pub fn vmac_of(&self, r: usize, idx: usize) -> Option<&Vmac> {
        self.routers[r].vmac_cfg.get(idx).and_then(Option::as_ref)
    }

    /// The VMAC called `name` in router `r`'s kernel.
    pub fn vmac_link(&self, r: usize, name: &str) -> Option<&VmacLink> {
        self.routers[r].vmacs.iter().find(|v| v.name == name)
    }

    /// `Node::new` as the daemon builds it: the VMACs the configuration
    /// asks for are created first (their notifications are older than the
    /// dump that follows) and the router is built once, on a fresh dump.
    fn start_node(&mut self, r: usize, config: &Config) -> Box<Node> {
        let mut ifaces = self.dump(r, config);
        let mut out = Collect::default();
        if tinyvrrpd::node::vmac::want(config.instances.iter(), &ifaces, &mut out) {
            for rec in out.recs {
                if let Rec::Vmac(v) = rec {
                    self.kernel_vmac(r, v);
                }
            }
            ifaces = self.dump(r, config);
        }
        match Node::new(&mut config.clone(), ifaces, false) {
            Ok(n) => Box::new(n),
            Err(e) => self.fail(&format!("r{r}: Node::new: {e}")),
        }
    }

    /// Before a reload's plan, as the shell: the new configuration's VMACs
    /// whose names are free are created (the running router reads their
    /// notifications), and the interfaces are dumped again.
    fn reload_vmacs(&mut self, r: usize, config: &Config) -> Ifaces {
        let ifaces = self.dump(r, config);
        let new = config.instances.iter().filter(|c| {
            let v = c.vmac.as_ref();
            v.is_some_and(|v| !ifaces.by_name(&v.name).is_some_and(|f| f.exists()))
        });
        let mut out = Collect::default();
        if !tinyvrrpd::node::vmac::want(new, &ifaces, &mut out) {
            return ifaces;
        }
        for rec in out.recs {
            let Rec::Vmac(v) = rec else {
                continue;
            };
            for link in self.kernel_vmac(r, v) {
                self.call(r, |n, now, out| n.on_link(&link.msg(), now, out));
            }
        }
        self.dump(r, config)
    }

    /// The VMACs in router `r`'s kernel, for a dump.
    fn dump_vmacs(&self, r: usize, t: &mut Ifaces) {
        for v in &self.routers[r].vmacs {
            let note = LinkNote {
                index: v.index,
                name: v.name.clone(),
                mac: v.mac,
                up: v.up,
                del: false,
            };
            let f = Iface::new(&note.msg()).expect("a VMAC");
            t.push(f).expect("room for a VMAC");
            for &(a, len) in &v.addrs {
                t.apply_addr(&addr_msg(true, a, len, v.index));
            }
            if let Some(ll) = v.ll6 {
                t.apply_addr(&addr_msg(true, IpAddr::V6(ll), 64, v.index));
            }
        }
    }

    /// `Out::Vmac`: the kernel creates the VMAC (a new index, the MAC, up)
    /// or deletes it with its addresses; the notifications it sends.
    /// Invariant: never asked to create one that exists.
    fn kernel_vmac(&mut self, r: usize, v: VmacRec) -> Vec<LinkNote> {
        let rt = &self.routers[r];
        let at = rt.vmacs.iter().position(|x| x.name == v.name);
        if v.add {
            if let Some(k) = at {
                let index = rt.vmacs[k].index;
                self.fail(&format!(
                    "r{r} asked to create {}, which exists (#{index})",
                    v.name
                ));
            }
            if v.base_index != IFINDEX || v.index != 0 {
                self.fail(&format!(
                    "r{r} asked for {} on #{} (index {})",
                    v.name, v.base_index, v.index
                ));
            }
            let index = self.next_vmac_index;
            self.next_vmac_index += 1;
            self.vmac_stats.creates += 1;
            self.log(format!("r{r} created {} #{index} {:02x?}", v.name, v.mac));
            let rt = &mut self.routers[r];
            rt.vmac_history.insert(index, v.name.clone());
            rt.vmacs.push(VmacLink {
                name: v.name.clone(),
                index,
                mac: v.mac,
                up: true,
                addrs: Vec::new(),
                ll6: v.ll6,
            });
            // Created down, then set up.
            let note = |up| LinkNote {
                index,
                name: v.name.clone(),
                mac: v.mac,
                up,
                del: false,
            };
            return vec![note(false), note(true)];
        }
        match at {
            Some(k) if rt.vmacs[k].index == v.index && rt.vmacs[k].mac == v.mac => {
                let gone = self.routers[r].vmacs.remove(k);
                self.routers[r].own_deleted.push(gone.index);
                self.vmac_stats.deletes += 1;
                self.log(format!("r{r} deleted {} #{}", gone.name, gone.index));
                vec![LinkNote {
                    index: gone.index,
                    name: gone.name,
                    mac: gone.mac,
                    up: false,
                    del: true,
                }]
            }
            _ => {
                self.vmac_stats.stale += 1;
                self.log(format!("r{r} delete {} #{}: ENODEV", v.name, v.index));
                Vec::new()
            }
        }
    }

    /// The kernel's notifications reach the daemon a little later, in
    /// order with its answers.
    fn notify_links(&mut self, r: usize, notes: Vec<LinkNote>) {
        for link in notes {
            let d = Duration::from_micros(self.rng.range(20, 2_000));
            let rt = &mut self.routers[r];
            let at = (self.now + d).max(rt.last_ack);
            rt.last_ack = at;
            rt.notes_pending += 1;
            let epoch = rt.epoch;
            self.schedule(at, Ev::LinkNote { r, epoch, link });
        }
    }

    fn link_note(&mut self, r: usize, epoch: u64, link: &LinkNote) {
        let rt = &mut self.routers[r];
        rt.notes_pending -= 1;
        if rt.epoch != epoch || rt.node.is_none() {
            return;
        }
        let what = if link.del { "gone" } else { "new" };
        let up = if link.up { "up" } else { "down" };
        self.log(format!(
            "r{r} told: {} #{} {what} {up}",
            link.name, link.index
        ));
        self.call(r, |n, now, out| n.on_link(&link.msg(), now, out));
    }

    /// Someone deletes router `r`'s VMAC of instance `idx` (`ip link
    /// del`): its addresses go with it, the daemon is told. False when it
    /// has none.
    pub fn delete_vmac(&mut self, r: usize, idx: usize) -> bool {
        let Some(name) = self.vmac_of(r, idx).map(|v| v.name.clone()) else {
            return false;
        };
        let rt = &mut self.routers[r];
        let Some(k) = rt.vmacs.iter().position(|v| v.name == name) else {
            return false;
        };
        let v = rt.vmacs.remove(k);
        self.vmac_stats.removed += 1;
        self.log(format!(
            "r{r} {name} #{} deleted by someone else, with {:?}",
            v.index, v.addrs
        ));
        let note = LinkNote {
            index: v.index,
            name,
            mac: v.mac,
            up: false,
            del: true,
        };
        self.notify_links(r, vec![note]);
        true
    }
}

// ---- use_vmac: invariants --------------------------------------------------

impl Sim {
    /// The MAC keepalived gives a VMAC of VRID `vrid`: 00:00:5e:00:01:VRID
    /// (02 for IPv6).
    pub fn vrrp_mac(&self, vrid: u8) -> [u8; 6] {
        let v6 = u8::from(self.family == Family::V6);
        [0, 0, 0x5e, 0, 1 + v6, vrid]
    }

    /// An advert of (r, idx) leaves from its VMAC (a VMAC of that name,
    /// perhaps one just deleted), from eth0 with vmac_xmit_base or
    /// without use_vmac (by the old configuration or the new during a
    /// reload).
    fn check_advert_iface(&mut self, r: usize, idx: usize, ifindex: u32) {
        self.routers[r].last_tx.insert(idx, ifindex);
        let rt = &self.routers[r];
        let new = rt.vmac_cfg.get(idx).cloned().flatten();
        let old = rt
            .vmac_cfg_old
            .as_ref()
            .map(|o| o.get(idx).cloned().flatten());
        let verdict = match (self.advert_from(r, new.as_ref(), ifindex), old) {
            (Err(_), Some(old)) => self.advert_from(r, old.as_ref(), ifindex),
            (v, _) => v,
        };
        match verdict {
            Err(e) => self.fail(&format!("r{r} VI_{idx}: advert out of #{ifindex}, {e}")),
            Ok(Some(true)) => self.vmac_stats.vmac_adverts += 1,
            Ok(Some(false)) => self.vmac_stats.stale += 1,
            Ok(None) => self.vmac_stats.base_adverts += u64::from(new.is_some()),
        }
    }

    /// Whether an advert of an instance with VMAC `v` may leave from
    /// `ifindex`: Some(whether that VMAC is there) for a VMAC, None for
    /// eth0.
    fn advert_from(
        &self,
        r: usize,
        v: Option<&Vmac>,
        ifindex: u32,
    ) -> Result<Option<bool>, String> {
        let rt = &self.routers[r];
        match v {
            Some(v) if !v.xmit_base => {
                if rt.vmac_history.get(&ifindex) != Some(&v.name) {
                    return Err(format!("not its VMAC {}", v.name));
                }
                Ok(Some(rt.vmacs.iter().any(|x| x.index == ifindex)))
            }
            _ if ifindex == IFINDEX => Ok(None),
            _ => Err("not eth0".to_string()),
        }
    }

    /// A GARP of (r, idx) with use_vmac: out of its VMAC, from the VRRP
    /// MAC, for an address the VMAC holds (or toward one just deleted).
    fn check_vmac_garp(&mut self, r: usize, idx: usize, (ifindex, mac): (u32, [u8; 6]), a: IpAddr) {
        let Some(v) = self.vmac_of(r, idx).cloned() else {
            return;
        };
        let vrid = self.routers[r].cfg.specs.get(idx).map_or(0, |s| s.vrid);
        let rt = &self.routers[r];
        let problem = if mac != v.mac || mac != self.vrrp_mac(vrid) {
            Some(format!("from {mac:02x?}"))
        } else if rt.vmac_history.get(&ifindex) != Some(&v.name) {
            Some(format!("out of #{ifindex}, not {}", v.name))
        } else {
            match rt.vmacs.iter().find(|x| x.index == ifindex) {
                Some(x) if x.addrs.iter().any(|h| h.0 == a) => None,
                Some(_) => Some(format!("but {} does not hold it", v.name)),
                None => {
                    self.vmac_stats.stale += 1;
                    return;
                }
            }
        };
        if let Some(p) = problem {
            self.fail(&format!("r{r} VI_{idx}: GARP for {a} {p}"));
        }
        self.vmac_stats.vmac_garps += 1;
    }

    /// After every call into router `r`: a use_vmac instance's VIP is
    /// never on eth0; once the daemon has read every link notification,
    /// an instance whose VMAC is missing (or down, or foreign) is in FAULT
    /// or INIT and its router holds none of its VIPs.
    fn check_vmacs_now(&self, r: usize) {
        let rt = &self.routers[r];
        if rt.vmac_cfg_old.is_some() {
            return;
        }
        for (idx, v) in rt.vmac_cfg.iter().enumerate() {
            let (Some(v), Some(spec)) = (v, rt.cfg.specs.get(idx)) else {
                continue;
            };
            let vip = vip_of(self.family, spec.vrid);
            if rt.kernel.iter().any(|x| x.0 == vip) {
                self.fail(&format!("r{r} VI_{idx}: {vip} on eth0, not on {}", v.name));
            }
            let Some(node) = rt.node.as_ref().filter(|_| rt.notes_pending == 0) else {
                continue;
            };
            let usable = self
                .vmac_link(r, &v.name)
                .is_some_and(|l| l.up && l.mac == v.mac);
            if usable {
                continue;
            }
            let state = self.state(r, idx);
            let name = format!("VI_{idx}");
            let held = node.installed().any(|x| x.0 == name);
            if !matches!(state, Some(State::Fault | State::Init)) || held {
                self.fail(&format!(
                    "r{r} VI_{idx}: {} missing, yet {state:?} (VIPs held: {held})",
                    v.name
                ));
            }
        }
    }

    /// After a stop: every VMAC router `r` created is deleted.
    fn check_vmacs_deleted(&self, r: usize) {
        let rt = &self.routers[r];
        let left: Vec<_> = (rt.vmacs.iter())
            .filter(|v| rt.vmac_history.contains_key(&v.index))
            .map(|v| (&v.name, v.index))
            .collect();
        if !left.is_empty() {
            self.fail(&format!("r{r} stopped and left its VMACs {left:?}"));
        }
    }

    /// Settled, with use_vmac: every live router's VMACs exist (up, with
    /// the VRRP MAC) and no other (none left by a reload), none of their instances is in FAULT, and a master
    /// holds its VIP on its VMAC and sent its last advert out of it (out
    /// of eth0 with vmac_xmit_base).
    pub fn check_vmacs_settled(&self, what: &str) {
        for (r, rt) in self.routers.iter().enumerate() {
            if !rt.alive() {
                continue;
            }
            let used = |n: &String| rt.vmac_cfg.iter().flatten().any(|v| &v.name == n);
            if let Some(v) = rt.vmacs.iter().find(|v| !used(&v.name)) {
                self.fail(&format!("{what}: r{r} left {v:?}, which no instance uses"));
            }
            for (idx, v) in rt.vmac_cfg.iter().enumerate() {
                let Some(v) = v else {
                    continue;
                };
                let vrid = rt.cfg.specs[idx].vrid;
                let link = self.vmac_link(r, &v.name);
                let state = self.state(r, idx);
                let ok = link.is_some_and(|l| l.up && l.mac == self.vrrp_mac(vrid));
                if !ok || state == Some(State::Fault) {
                    self.fail(&format!("{what}: r{r} VI_{idx} {state:?} with {link:?}"));
                }
                if state != Some(State::Master) {
                    continue;
                }
                let vip = vip_of(self.family, vrid);
                let l = link.expect("checked above");
                let tx = if v.xmit_base { IFINDEX } else { l.index };
                let last = rt.last_tx.get(&idx).copied();
                if !l.addrs.iter().any(|x| x.0 == vip) || last != Some(tx) {
                    self.fail(&format!(
                        "{what}: r{r} VI_{idx} master: {vip} not on {l:?}, or last advert out of {last:?}, not #{tx}"
                    ));
                }
            }
        }
    }
}

impl Sim {
    /// With `strict_own_deletes`: (r, idx) enters BACKUP or MASTER only
    /// with its VMAC there, unless someone else deleted it and the router
    /// has not been told yet.
    fn check_vmac_on_entry(&self, r: usize, idx: usize, to: State) {
        if !self.strict_own_deletes || !matches!(to, State::Backup | State::Master) {
            return;
        }
        let Some(v) = self.vmac_of(r, idx) else {
            return;
        };
        if self.vmac_link(r, &v.name).is_some() {
            return;
        }
        let rt = &self.routers[r];
        let last = (rt.vmac_history.iter())
            .filter(|(_, n)| **n == v.name)
            .map(|(i, _)| *i)
            .max();
        if last.is_some_and(|i| rt.own_deleted.contains(&i)) {
            self.fail(&format!(
                "r{r} VI_{idx} -> {to:?} while {} is missing: it deleted it itself (#{last:?})",
                v.name
            ));
        }
    }
}

/// A random LAN: routers, VRIDs, family and version, interval, link.
pub struct Shape {
    pub routers: usize,
    pub vrids: usize,
    pub family: Family,
    pub v3: bool,
    pub advert_int_cs: u16,
    pub link: Link,
}

/// `max_vrids` VRIDs at most; `lossy`: the link drops some adverts.
pub fn random_shape(rng: &mut Rng, max_vrids: usize, lossy: bool) -> Shape {
    let family = if rng.chance(300_000) {
        Family::V6
    } else {
        Family::V4
    };
    let v3 = family == Family::V6 || rng.chance(500_000);
    let advert_int_cs = if v3 {
        [10, 20, 50, 100][rng.below(4) as usize]
    } else {
        100 * rng.range(1, 3) as u16
    };
    // Delays well below one interval, as on a LAN.
    let interval_us = u64::from(advert_int_cs) * 10_000;
    Shape {
        routers: rng.range(2, 5) as usize,
        vrids: rng.range(1, max_vrids as u64) as usize,
        family,
        v3,
        advert_int_cs,
        link: Link {
            drop_ppm: if lossy { rng.range(0, 2_000) } else { 0 },
            dup_ppm: rng.range(0, 50_000),
            delay_us: rng.range(50, interval_us / 50),
            jitter_us: rng.range(0, interval_us / 50),
        },
    }
}
