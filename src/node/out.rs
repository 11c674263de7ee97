//! What the router asks the shell to do: each [`Out`] carries everything
//! needed to act (the advert and where to send it, the exact address and
//! why, the MAC to announce from, the log line's data), so the shell never
//! asks the router a question back. The shell executes them in order as
//! they are pushed; a simulation records them.

use core::net::IpAddr;

use crate::vrrp::State;
use crate::wire::Mac;
use crate::wire::vrrp::{Advert, ChecksumForm, RxError};

/// Where the router's outputs go, in order.
pub trait Outbox {
    fn push(&mut self, out: Out<'_>);
}

/// Push one log line: one call here rather than an `Out::Log` wrapped and
/// dispatched at each of some forty sites (issue 17: size).
#[inline(never)]
pub fn note(out: &mut dyn Outbox, n: Note<'_>) {
    out.push(Out::Log(n));
}

/// Why an address is added or removed: for the log and for tests.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AddrWhy {
    /// keepalived: configured VIPs are removed at start, in case a crash
    /// left them behind.
    Leftover,
    /// The instance became master.
    Master,
    /// The instance left MASTER (a better master, FAULT).
    Release,
    /// The daemon stops, or a reload removed the instance.
    Shutdown,
    /// A reload changed a master's address set.
    Reload,
    /// An earlier request failed: the addresses are made to match the
    /// state again.
    Retry,
}

/// One address request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AddrReq<'a> {
    pub add: bool,
    pub why: AddrWhy,
    /// The netlink sequence number; a failed ack comes back with it.
    pub seq: u32,
    pub ifindex: u32,
    /// The interface's name, for the log.
    pub ifname: &'a str,
    pub addr: IpAddr,
    pub prefix_len: u8,
    pub scope: u8,
    pub brd: Option<core::net::Ipv4Addr>,
    pub label: Option<&'a str>,
}

/// One route request (`virtual_routes`, `static_routes`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RouteReq<'a> {
    pub add: bool,
    pub why: AddrWhy,
    /// The netlink sequence number; a failed ack comes back with it.
    pub seq: u32,
    pub route: &'a crate::config::Route,
    /// The index of the route's `dev`, when it names one.
    pub oif: Option<u32>,
}

/// Create or delete an instance's VMAC (`use_vmac`): a private-mode macvlan
/// `name` on `base` with `mac`, up, with the kernel settings keepalived
/// applies (IPv4: arp_ignore/arp_filter on the base, restored when its last
/// VMAC goes). For an IPv6 instance that sends from it, `ll6` is the base's
/// link-local address, added to the VMAC as keepalived does.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct VmacReq<'a> {
    pub add: bool,
    /// The instance, for the log.
    pub instance: &'a str,
    pub name: &'a str,
    pub base: &'a str,
    pub base_index: u32,
    /// The VMAC's index, to delete it (0 when adding).
    pub index: u32,
    pub mac: Mac,
    pub v6: bool,
    pub ll6: Option<core::net::Ipv6Addr>,
    /// No IPv6 on it (an IPv4 instance with no IPv6 address to hold there),
    /// as keepalived: no link-local address, no IPv6 traffic from it.
    pub ipv6_off: bool,
}

/// One policy-routing rule request (`virtual_rules`, `static_rules`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RuleReq<'a> {
    pub add: bool,
    pub why: AddrWhy,
    pub seq: u32,
    pub rule: &'a crate::config::Rule,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Out<'a> {
    /// Send `advert` from `src` to `dst` out of `ifindex`.
    Advert {
        /// The instance, for the shell's error line.
        name: &'a str,
        ifindex: u32,
        src: IpAddr,
        dst: IpAddr,
        advert: &'a Advert,
        form: ChecksumForm,
        /// IPv4 identification (ignored for IPv6).
        ip_id: u16,
    },
    /// Add or delete one address with netlink.
    Addr { name: &'a str, req: AddrReq<'a> },
    /// Add or delete one route with netlink (`name`: the instance, or
    /// `static_routes`).
    Route { name: &'a str, req: RouteReq<'a> },
    /// Add or delete one policy-routing rule with netlink.
    Rule { name: &'a str, req: RuleReq<'a> },
    /// Create or delete a VMAC interface (the shell waits for the kernel's
    /// answer: the interface exists when the next output is carried out).
    Vmac(VmacReq<'a>),
    /// `count` gratuitous ARPs (IPv4) or unsolicited neighbour
    /// advertisements (IPv6) for `addr`, from `mac`, out of `ifindex`.
    Garp {
        name: &'a str,
        ifindex: u32,
        mac: Mac,
        addr: IpAddr,
        count: u32,
        /// IPv6 forwarding is on: the NA carries the Router flag.
        router: bool,
    },
    /// Join (or leave) the VRRP multicast group on an interface.
    Group {
        join: bool,
        ifindex: u32,
        group: IpAddr,
    },
    /// Arm slot `slot`'s timer for `at` (None: disarm).
    Arm {
        slot: usize,
        at: Option<crate::time::Instant>,
    },
    /// Arm the router's own timer (tracking: check scripts, process
    /// scans) for `at` (None: disarm); it fires `Node::on_router_timer`.
    ArmRouter { at: Option<crate::time::Instant> },
    /// Count the processes each `vrrp_track_process` matches and report
    /// them with `Node::on_process_counts`.
    ScanProcesses,
    /// Interface `ifname` appeared: the shell reads its IPv6 forwarding
    /// setting and reports it with `Node::set_router6`.
    ReadRouter6 { ifname: &'a str },
    /// Start notify script `id` for instance `name`: `cmd` split into words
    /// as keepalived does, then `args` when given, as `user` (None: root),
    /// refused unless it passes keepalived's checks when `secure`. The shell
    /// reports its end with `Node::on_script_end(id, end)`.
    Spawn {
        id: u32,
        name: &'a str,
        cmd: &'a str,
        user: Option<&'a str>,
        secure: bool,
        args: Option<NotifyArgs<'a>>,
    },
    /// Mail that instance (or group) `name` entered `state` (MASTER,
    /// BACKUP or FAULT): `kind` is INSTANCE or GROUP (`smtp_alert`).
    Mail {
        kind: &'static str,
        name: &'a str,
        state: State,
    },
    /// A line for the notify FIFOs: `INSTANCE "NAME" STATE PRIORITY`.
    Fifo {
        /// `INSTANCE` or `GROUP`.
        kind: &'static str,
        name: &'a str,
        state: &'static str,
        priority: u8,
    },
    /// End script `id`: SIGTERM, or SIGKILL when `hard`.
    Kill { id: u32, hard: bool },
    /// The set of installed VIPs changed: the shell rewrites its record.
    InstalledChanged,
    /// A line for the log.
    Log(Note<'a>),
}

/// How a script the router asked for ended, as the shell reports it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ScriptEnd {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
    /// It could not be started (refused, not found, no child to spare).
    NotRun,
}

/// The words keepalived appends for the generic `notify` script:
/// `INSTANCE NAME STATE PRIORITY`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct NotifyArgs<'a> {
    /// `INSTANCE`, or `GROUP` for a vrrp_sync_group's scripts.
    pub kind: &'static str,
    pub name: &'a str,
    pub state: &'static str,
    pub priority: u8,
}

/// How loud a note is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Loudness {
    Error,
    Warning,
    Info,
    Debug,
}

/// A log line's data; the shell writes it in keepalived's wording.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Note<'a> {
    /// `Entering BACKUP/FAULT STATE` (MASTER comes after `ToMaster`).
    Entering {
        name: &'a str,
        state: State,
    },
    /// `Transition to MASTER STATE`.
    ToMaster {
        name: &'a str,
    },
    /// `Master received advert with higher priority ...` (then Entering
    /// BACKUP).
    HigherPriority {
        name: &'a str,
        theirs: u8,
        ours: u8,
    },
    /// Stopped by a shutdown or a reload that removed it.
    Stopped {
        name: &'a str,
        was: State,
    },
    SettingVips {
        name: &'a str,
    },
    RemovingVips {
        name: &'a str,
        leftover: bool,
    },
    LowerPriority {
        name: &'a str,
        from: IpAddr,
        theirs: u8,
        ours: u8,
        answered: bool,
    },
    Garp {
        name: &'a str,
        ifname: &'a str,
        addr: IpAddr,
    },
    Rejected {
        name: &'a str,
        why: RxError,
        count: u64,
    },
    Dropped {
        from: Option<IpAddr>,
        why: RxError,
        count: u64,
    },
    /// A netlink request failed (the address, for an address request).
    AddrFailed {
        name: &'a str,
        addr: Option<IpAddr>,
        errno: i32,
    },
    /// A virtual_routes / virtual_rules request failed: logged, not
    /// retried (keepalived logs netlink errors and carries on).
    RouteFailed {
        name: &'a str,
        seq: u32,
        errno: i32,
    },
    /// A static_ipaddress / static_routes / static_rules request failed.
    StaticFailed {
        seq: u32,
        errno: i32,
    },
    AddrFailedOrphan {
        seq: u32,
        errno: i32,
    },
    /// `use_vmac`: an interface of the VMAC's name exists with another MAC
    /// (keepalived: `VMAC NAME conflicts with existing interface`).
    VmacConflict {
        name: &'a str,
        ifname: &'a str,
    },
    IfaceDeleted {
        name: &'a str,
    },
    IfaceAdded {
        name: &'a str,
        index: u32,
        up: bool,
    },
    IfaceUpDown {
        name: &'a str,
        up: bool,
    },
    IfaceAddrs {
        name: &'a str,
        has4: bool,
        has6: bool,
    },
    /// The instance's script queue was full: `dropped` scripts not run.
    ScriptsDropped {
        name: &'a str,
        dropped: usize,
    },
    /// A notify script ran out of time: SIGTERM, or SIGKILL when `hard`.
    ScriptTimeout {
        name: &'a str,
        hard: bool,
    },
    /// keepalived's `Changing effective priority from %d to %d`.
    PriorityChanged {
        name: &'a str,
        from: u8,
        to: u8,
    },
    /// `VRRP_Group(%s) Syncing instances to %s state`.
    GroupSync {
        group: &'a str,
        state: State,
    },
    /// A vrrp_script's status changed: `VRRP_Script(%s) succeeded` etc.
    CheckResult {
        script: &'a str,
        result: CheckResult,
    },
    /// `Script `%s` now returning %d`: the exit code differs from the
    /// last one.
    CheckStatus {
        script: &'a str,
        status: i32,
    },
    /// The previous run of a vrrp_script still runs: this one is skipped.
    CheckSkipped {
        script: &'a str,
    },
    /// `Quorum gained/lost for tracked process %s`.
    Quorum {
        process: &'a str,
        gained: bool,
    },
    /// A vrrp_track_file's value changed.
    TrackFile {
        file: &'a str,
        value: Option<i64>,
    },
    /// interface_up_down_delays: a carrier change of `name` counts only if
    /// it lasts `ms`.
    LinkDelayed {
        name: &'a str,
        up: bool,
        ms: u32,
    },
    /// It did not last: `Delay timer for %s cancelled`.
    LinkDelayCancelled {
        name: &'a str,
    },
    /// The instance starts in FAULT because of a tracked object.
    StartFault {
        name: &'a str,
        why: FaultWhy<'a>,
    },
}

/// How a check script's run ended, in keepalived's words.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CheckResult {
    Succeeded,
    /// `failed`, `failed (exited with status N)`, `failed (due to signal N)`.
    Failed(Option<(&'static str, i32)>),
    TimedOut,
}

/// What holds an instance in FAULT, for the log.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FaultWhy<'a> {
    Interface(&'a str),
    Script(&'a str),
    File(&'a str, i64),
    Process(&'a str),
    /// Its own interface is missing, down or without an address.
    Link(&'a str),
    /// Another member of its vrrp_sync_group.
    Group(&'a str),
}

impl Note<'_> {
    pub fn loudness(&self) -> Loudness {
        match self {
            Note::Stopped { .. } | Note::IfaceAddrs { .. } => Loudness::Debug,
            Note::RemovingVips { leftover: true, .. } => Loudness::Debug,
            Note::AddrFailedOrphan { .. } => Loudness::Debug,
            Note::Rejected { .. } | Note::Dropped { .. } => Loudness::Warning,
            Note::AddrFailed { .. } | Note::ScriptsDropped { .. } => Loudness::Error,
            Note::VmacConflict { .. } => Loudness::Error,
            Note::RouteFailed { .. } | Note::StaticFailed { .. } => Loudness::Error,
            Note::ScriptTimeout { .. } | Note::CheckSkipped { .. } => Loudness::Warning,
            _ => Loudness::Info,
        }
    }
}
