//! One running instance inside the router: its configuration, its state
//! machine, the router's own timers for it, and how the state machine's
//! actions become outputs.

use core::net::IpAddr;

use arrayvec::ArrayVec;

use super::iface::Ifaces;
use super::out::note;
use super::out::{AddrReq, AddrWhy, Note, NotifyArgs, Out, Outbox};
use super::pending::{Pending, Uid};
use super::scripts::{
    INSTANCE, Job, KILL_GRACE, Notifies, Queue, Running, STOP_SCRIPT_TIMEOUT, state_word,
};
use crate::config::{Family, InstanceConfig, Vip};
use crate::limits::MAX_CHILDREN;
use crate::time::{Duration, Instant};
use crate::vrrp::{Action, Actions, Event, Instance, State, TimerKind, TimerTable, Why};

/// Rejected-advert log lines: at most one per instance in this interval.
pub const REJECT_LOG_INTERVAL: Duration = Duration::from_secs(10);
/// How long a failed address request waits before it is tried again.
pub const VIP_RETRY: Duration = Duration::from_secs(1);

/// The router's own timers for an instance, beside the state machine's.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SlotTimer {
    /// `vrrp_startup_delay`: the instance starts then.
    Start,
    /// A netlink request failed: make the VIPs match the state again then.
    VipRetry,
    /// The running notify script's time is up (SIGTERM, then SIGKILL).
    Script,
    /// A spaced gratuitous ARP (or NA) is due (vrrp_garp_interval).
    Garp,
}

impl SlotTimer {
    pub const COUNT: usize = <SlotTimer as TimerKind>::ALL.len();
}

impl TimerKind for SlotTimer {
    const ALL: &'static [SlotTimer] = &[
        SlotTimer::Start,
        SlotTimer::VipRetry,
        SlotTimer::Script,
        SlotTimer::Garp,
    ];
    fn index(self) -> usize {
        self as usize
    }
}

pub struct Slot {
    /// Who this instance is for netlink acks, whatever its index.
    pub uid: Uid,
    /// Boxed (allocated when a configuration is loaded, never in the
    /// steady state): the table of MAX_INSTANCES slots stays small.
    pub cfg: Box<InstanceConfig>,
    pub inst: Instance,
    /// What every advert sent needs of `cfg`, kept beside the instance:
    /// at 255 instances each field read from the (large) configuration
    /// is a cache miss per advert (perf).
    tx: TxHot,
    /// The interface's current index (0 while it is gone).
    pub ifindex: u32,
    timers: TimerTable<SlotTimer, { SlotTimer::COUNT }>,
    /// The IPv4 identification of our adverts, counting like keepalived's.
    ip_id: u16,
    /// Last rejected-advert log line, for rate limiting.
    pub last_reject_log: Option<Instant>,
    /// The VIPs were last added (not deleted): what the state file records.
    pub vips_installed: bool,
    /// The `virtual_routes` and `virtual_rules` were added and not
    /// deleted since.
    pub routes_installed: bool,
    /// The deadline the shell's timer was last armed for.
    armed: Option<Instant>,
    /// Notify scripts: the one running and those waiting, in order.
    pub scripts: Queue,
    /// The instance's own interface is there, up and addressed (as last
    /// told to the instance).
    pub link_ok: bool,
    /// Its vrrp_sync_group (index in the router's group table).
    pub group: Option<usize>,
    /// Its own tracking (or interface) held it in FAULT at the last look,
    /// not only its group.
    pub held_own: bool,
    /// The state last mailed (`smtp_alert`).
    pub mailed: Option<State>,
    /// What the last events mean for its group, for the router to act on.
    pub sync_events: ArrayVec<SyncEv, 4>,
    /// Which VIPs the kernel took, and their pending announcements.
    pub garp: super::garp::Marks,
}

/// See [`Slot::tx`]; made from the configuration by [`TxHot::of`].
struct TxHot {
    /// The instance's name (a copy of `cfg.name`: for the shell's error
    /// line, never read on the way).
    name: Box<str>,
    /// Adverts leave from a VMAC (`use_vmac` without `vmac_xmit_base`).
    vmac: bool,
    /// `unicast_peer` has addresses of the advert's family.
    unicast: bool,
}

impl TxHot {
    fn of(cfg: &InstanceConfig) -> TxHot {
        let v4 = cfg.family == Family::V4;
        TxHot {
            name: cfg.name.as_str().into(),
            vmac: super::vmac::tx_vmac(cfg).is_some(),
            unicast: cfg.unicast_peers.iter().any(|a| a.is_ipv4() == v4),
        }
    }
}

/// What an instance did that its vrrp_sync_group must follow.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SyncEv {
    /// It wants MASTER and waits for the group.
    WantMaster,
    /// It changed state.
    Entered { from: State, to: State, why: Why },
}

/// What the instances share inside the router: what a slot's outputs
/// need from around it.
pub struct Shared {
    pub ifaces: Ifaces,
    pub pending: Pending,
    pub group4: IpAddr,
    pub group6: IpAddr,
    /// `-V`: leave the VIPs in place on stop.
    pub keep_vips: bool,
    /// `script_user`: who runs a script whose line names nobody.
    pub script_user: Option<String>,
    /// `enable_script_security`.
    pub script_security: bool,
    /// Scripts running now (at most MAX_CHILDREN) and the last id given.
    pub scripts_running: usize,
    pub last_script_id: u32,
    /// vrrp_garp_interval / vrrp_gna_interval, per interface.
    pub pace: super::garp::Pace,
    /// Whether mail can go out, and `no_email_faults`.
    pub mail: super::mail::MailDefs,
}

impl Slot {
    pub fn new(uid: Uid, cfg: Box<InstanceConfig>, inst: Instance, ifindex: u32) -> Slot {
        Slot {
            uid,
            tx: TxHot::of(&cfg),
            cfg,
            inst,
            ifindex,
            timers: TimerTable::new(),
            ip_id: 0,
            last_reject_log: None,
            vips_installed: false,
            routes_installed: false,
            armed: None,
            scripts: Queue::default(),
            link_ok: true,
            group: None,
            held_own: false,
            mailed: None,
            sync_events: ArrayVec::new(),
            garp: super::garp::Marks::default(),
        }
    }

    pub fn timer(&self, t: SlotTimer) -> Option<Instant> {
        self.timers.get(t)
    }

    /// Arm `t` for `d` from `now` (None: stop it).
    pub fn set_timer(&mut self, t: SlotTimer, now: Instant, d: Option<Duration>) {
        match d {
            Some(d) => self.timers.arm(t, now, d),
            None => self.timers.stop(t),
        }
    }

    /// The slot's timer has not run out yet: the instance waits for
    /// `vrrp_startup_delay`.
    pub fn waiting_to_start(&self) -> bool {
        self.timer(SlotTimer::Start).is_some()
    }

    /// Started and not stopped: link events and adverts reach it.
    pub fn running(&self) -> bool {
        !self.waiting_to_start() && self.inst.state() != State::Init
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.timers.next_with(self.inst.next_deadline())
    }

    /// Tell the shell when to wake this slot, if that changed. Lazily: a
    /// deadline that only moved later (each advert a backup receives
    /// moves its master-down deadline) leaves the timer armed for the
    /// earlier time while that is more than the master's advert interval
    /// (and a quarter, for jitter) away: the next advert comes first and
    /// moves the deadline again. So the timer is re-armed on the last
    /// advert before it would run out: about one timerfd_settime per
    /// three adverts, and no early wake-up while adverts keep coming. If
    /// one does fire early, [`Slot::fired`] forgets it and the re-arm
    /// after the (harmless) early timeout sets the real deadline. The
    /// deadline itself is kept to the microsecond.
    pub fn rearm(&mut self, index: usize, now: Instant, out: &mut dyn Outbox, force: bool) {
        let at = self.deadline();
        // In 32 bits: the interval is at most 65,535 cs (below 2^30 us),
        // and a u64 sum and divide are several instructions on mipsel.
        let interval = self.inst.master_adver_int().as_micros() as u32;
        let slack = Duration::from_micros(u64::from(interval + interval / 4));
        let keep = matches!((self.armed, at), (Some(a), Some(b)) if b > a && a > now + slack);
        if force || (at != self.armed && !keep) {
            self.armed = at;
            out.push(Out::Arm { slot: index, at });
        }
    }

    /// Armed for a time before the deadline (see [`Slot::rearm`]) and due
    /// by `horizon`: arm it for the deadline now, before it fires early.
    pub fn catch_up(&mut self, index: usize, horizon: Instant, out: &mut dyn Outbox) {
        let at = self.deadline();
        if let (Some(a), Some(d)) = (self.armed, at) {
            if a <= horizon && d > a {
                self.armed = at;
                out.push(Out::Arm { slot: index, at });
            }
        }
    }

    /// Replace the configuration (a reload that keeps the instance): the
    /// one it had. Every change of `cfg` that outlives a call goes through
    /// here.
    pub fn set_cfg(&mut self, cfg: Box<InstanceConfig>) -> Box<InstanceConfig> {
        self.tx = TxHot::of(&cfg);
        core::mem::replace(&mut self.cfg, cfg)
    }

    /// The shell's timer for this slot fired: it is armed no longer.
    pub fn fired(&mut self) {
        self.armed = None;
    }

    /// Feed one event to the state machine and carry out its actions.
    pub fn drive(&mut self, ev: Event<'_>, now: Instant, cx: &mut Shared, out: &mut dyn Outbox) {
        let mut acts = Actions::new();
        let before = self.inst.state();
        self.inst.on_event(ev, now, &mut acts);
        // Walked in place: `for a in acts` moved them into an iterator
        // first (issue 17: size).
        for &a in acts.iter() {
            self.act(a, before, now, cx, out);
        }
    }

    fn act(
        &mut self,
        a: Action,
        before: State,
        now: Instant,
        cx: &mut Shared,
        out: &mut dyn Outbox,
    ) {
        let name = &*self.tx.name;
        match a {
            Action::Transition { from, to, why } => {
                if self.group.is_some() {
                    let _ = self.sync_events.try_push(SyncEv::Entered { from, to, why });
                }
                transition_notes(name, from, to, why, out);
                // keepalived: no notification for a FAULT that only
                // waits for the first result of a check script.
                if matches!(why, Why::StartFault { quiet: true }) {
                    return;
                }
                let prio = self.inst.effective_priority();
                let mail = (self.cfg.smtp_alert, &mut self.mailed);
                let q = (&mut self.scripts, &*self.cfg as &dyn Notifies);
                notify(INSTANCE, name, to, prio, mail, q, cx, out);
            }
            Action::SendAdvert { priority } => self.send_advert(priority, cx, out),
            Action::WantMaster => {
                let _ = self.sync_events.try_push(SyncEv::WantMaster);
            }
            Action::PriorityChanged { from, to } => {
                note(out, Note::PriorityChanged { name, from, to });
            }
            Action::AddVips => {
                note(out, Note::SettingVips { name });
                self.vips(true, AddrWhy::Master, cx, out);
            }
            Action::DelVips => self.del_vips(before, cx, out),
            Action::SendGarp { count } => self.announce(count, now, cx, out),
            Action::Rejected(e) => self.log_reject(e, now, out),
            Action::LowerPriority {
                from,
                theirs,
                ours,
                answered,
            } => {
                note(
                    out,
                    Note::LowerPriority {
                        name,
                        from,
                        theirs,
                        ours,
                        answered,
                    },
                );
                // keepalived's send_event_notify.
                let state = "MASTER_RX_LOWER_PRI";
                out.push(Out::Fifo {
                    kind: INSTANCE,
                    name,
                    state,
                    priority: ours,
                });
                if !self.scripts.push(&*self.cfg, Job::RxLowerPri) {
                    note(out, Note::ScriptsDropped { name, dropped: 1 });
                }
            }
        }
    }

    fn del_vips(&mut self, before: State, cx: &mut Shared, out: &mut dyn Outbox) {
        let name = self.cfg.name.as_str();
        let why = match (before, self.inst.state()) {
            // Start-up clean-up of leftovers from a crash.
            (State::Init, _) => AddrWhy::Leftover,
            (_, State::Init) if cx.keep_vips => return,
            (_, State::Init) => AddrWhy::Shutdown,
            _ => AddrWhy::Release,
        };
        let leftover = why == AddrWhy::Leftover;
        note(out, Note::RemovingVips { name, leftover });
        self.vips(false, why, cx, out);
    }

    /// Add or delete the instance's VIPs (and excluded VIPs). Nothing is
    /// asked for an interface that is gone: its addresses went with it.
    pub fn vips(&mut self, add: bool, why: AddrWhy, cx: &mut Shared, out: &mut dyn Outbox) {
        // keepalived: routes go before the addresses, come after them.
        if !add {
            self.routes(false, why, cx, out);
        }
        self.addrs(add, why, cx, out);
        if add {
            self.routes(true, why, cx, out);
        }
    }

    fn addrs(&mut self, add: bool, why: AddrWhy, cx: &mut Shared, out: &mut dyn Outbox) {
        let cfg = &self.cfg;
        for vip in cfg.vips.iter().chain(cfg.vips_excluded.iter()) {
            let ifname = vip_ifname(&cx.ifaces, cfg, vip);
            let Some(ifindex) = vip_ifindex(&cx.ifaces, cfg, vip) else {
                continue;
            };
            if let Some(m) = self.garp.get(vip.addr).filter(|_| add) {
                m.awaiting = true;
            }
            let req = AddrReq {
                add,
                why,
                seq: cx.pending.request_addr(self.uid, (vip.addr, add)),
                ifindex,
                ifname,
                addr: vip.addr,
                prefix_len: vip.prefix_len,
                scope: vip.scope.unwrap_or(0),
                brd: vip.brd,
                label: vip.label.as_deref(),
            };
            out.push(Out::Addr {
                name: &cfg.name,
                req,
            });
        }
        if !add {
            self.garp.drop_announcements();
        }
        if self.vips_installed != add {
            self.vips_installed = add;
            out.push(Out::InstalledChanged);
        }
    }

    fn send_advert(&mut self, priority: u8, cx: &mut Shared, out: &mut dyn Outbox) {
        // Nowhere to send on a link that is down or gone (a priority-0
        // advert on the way into FAULT): no error to log for each.
        if !cx.ifaces.by_index(self.ifindex).is_some_and(|f| f.up) {
            return;
        }
        let ifindex = match self.tx.vmac {
            true => super::vmac::tx_index(&self.cfg, &cx.ifaces, self.ifindex),
            false => self.ifindex,
        };
        if ifindex == 0 {
            return;
        }
        let p = self.inst.params();
        let (advert, src, form) = (p.advert(priority), p.primary, p.checksum_form);
        let group = if src.is_ipv4() { cx.group4 } else { cx.group6 };
        // The peers of the source's family, or the group: walked in
        // place (the configuration is read only for unicast).
        let unicast = self.tx.unicast;
        let dsts = match unicast {
            true => &self.cfg.unicast_peers[..],
            false => core::slice::from_ref(&group),
        };
        for &dst in dsts {
            if unicast && dst.is_ipv4() != src.is_ipv4() {
                continue;
            }
            self.ip_id = self.ip_id.wrapping_add(1);
            out.push(Out::Advert {
                name: &self.tx.name,
                ifindex,
                src,
                dst,
                advert: &advert,
                form,
                ip_id: self.ip_id,
            });
        }
    }

    /// Start the next waiting notify script, if none runs and the daemon
    /// has a child to spare.
    pub fn start_script(&mut self, now: Instant, cx: &mut Shared, out: &mut dyn Outbox) {
        // Called after every event: an empty queue must not touch the
        // configuration (a cache miss per advert at 255 instances).
        if !self.scripts.has_waiting() {
            return;
        }
        let (q, lines) = (&mut self.scripts, &*self.cfg);
        if let Some(timeout) = launch_next(q, lines, INSTANCE, &self.cfg.name, cx, out) {
            self.timers.arm(SlotTimer::Script, now, timeout);
        }
    }

    /// Script `id` ended (or could not start). True when it was this
    /// slot's.
    pub fn script_ended(&mut self, id: u32, cx: &mut Shared) -> bool {
        if self.scripts.running.is_none_or(|r| r.id != id) {
            return false;
        }
        self.scripts.running = None;
        self.timers.stop(SlotTimer::Script);
        cx.scripts_running = cx.scripts_running.saturating_sub(1);
        true
    }

    /// The running script's time is up: SIGTERM, then SIGKILL; after the
    /// SIGKILL the queue moves on (the shell still reaps the process).
    pub fn script_timeout(&mut self, now: Instant, cx: &mut Shared, out: &mut dyn Outbox) {
        let Some(r) = self.scripts.running.as_mut() else {
            self.timers.stop(SlotTimer::Script);
            return;
        };
        let name = self.cfg.name.as_str();
        note(
            out,
            Note::ScriptTimeout {
                name,
                hard: r.termed,
            },
        );
        out.push(Out::Kill {
            id: r.id,
            hard: r.termed,
        });
        if r.termed {
            let id = r.id;
            self.script_ended(id, cx);
        } else {
            r.termed = true;
            self.timers.arm(SlotTimer::Script, now, KILL_GRACE);
        }
    }

    /// The daemon stops: what waits is dropped and a running script that
    /// is not a STOP script is killed, so that only STOP scripts run.
    pub fn stop_scripts(&mut self, cx: &mut Shared, out: &mut dyn Outbox) {
        self.scripts.clear_waiting();
        let Some(r) = self.scripts.running else {
            return;
        };
        if r.job.timeout() != STOP_SCRIPT_TIMEOUT {
            out.push(Out::Kill {
                id: r.id,
                hard: true,
            });
            self.script_ended(r.id, cx);
        }
    }

    /// Log a rejected advert, at most once per REJECT_LOG_INTERVAL.
    pub fn log_reject(
        &mut self,
        why: crate::wire::vrrp::RxError,
        now: Instant,
        out: &mut dyn Outbox,
    ) {
        if self
            .last_reject_log
            .is_some_and(|t| now.saturating_since(t) < REJECT_LOG_INTERVAL)
        {
            return;
        }
        self.last_reject_log = Some(now);
        let count = self.inst.stats().rejected[why.index()];
        note(
            out,
            Note::Rejected {
                name: &self.cfg.name,
                why,
                count,
            },
        );
    }
}

/// An instance's or a group's (`kind`) new state `to`, told: its FIFO
/// line, its mail (`mail`: `smtp_alert` and the state mailed last) and
/// its notify scripts queued (`q`: its queue and its notify lines). One
/// function for both (issue 17: size).
#[allow(clippy::too_many_arguments)]
pub(crate) fn notify(
    kind: &'static str,
    name: &str,
    to: State,
    priority: u8,
    mail: (bool, &mut Option<State>),
    q: (&mut Queue, &dyn Notifies),
    cx: &Shared,
    out: &mut dyn Outbox,
) {
    let state = state_word(to);
    out.push(Out::Fifo {
        kind,
        name,
        state,
        priority,
    });
    super::mail::mail(kind, name, mail.0, mail.1, to, cx, out);
    let dropped = q.0.transition(q.1, to, priority);
    if dropped > 0 {
        note(out, Note::ScriptsDropped { name, dropped });
    }
}

/// Start the next job of `q` (an instance's or a group's, `kind`, whose
/// notify lines are `lines`) if none runs and the daemon has a child to
/// spare; its timeout, when one started.
pub fn launch_next(
    q: &mut Queue,
    lines: &dyn Notifies,
    kind: &'static str,
    name: &str,
    cx: &mut Shared,
    out: &mut dyn Outbox,
) -> Option<Duration> {
    if cx.scripts_running >= MAX_CHILDREN {
        return None;
    }
    while let Some(job) = q.take_next() {
        let Some(script) = job.script(lines) else {
            continue;
        };
        cx.last_script_id = cx.last_script_id.wrapping_add(1);
        let id = cx.last_script_id;
        cx.scripts_running += 1;
        let termed = false;
        q.running = Some(Running { id, job, termed });
        let args = job.generic_args().map(|(state, priority)| NotifyArgs {
            kind,
            name,
            state,
            priority,
        });
        out.push(Out::Spawn {
            id,
            name,
            cmd: &script.cmd,
            user: script.user.as_deref().or(cx.script_user.as_deref()),
            secure: cx.script_security,
            args,
        });
        return Some(job.timeout());
    }
    None
}

/// The interface a VIP goes on: its `dev`, else the instance's (its VMAC
/// with `use_vmac`). A `dev` the router does not know falls back to the
/// instance's.
pub fn vip_ifname<'a>(ifaces: &Ifaces, c: &'a InstanceConfig, vip: &'a Vip) -> &'a str {
    match (vip.dev.as_deref(), &c.vmac) {
        (Some(d), _) if ifaces.by_name(d).is_some() => d,
        (_, Some(v)) => v.name.as_str(),
        _ => c.interface.as_str(),
    }
}

/// The index of the interface a VIP goes on; None while it is gone.
fn vip_ifindex(ifaces: &Ifaces, c: &InstanceConfig, vip: &Vip) -> Option<u32> {
    ifaces
        .by_name(vip_ifname(ifaces, c, vip))
        .map(|f| f.index)
        .filter(|&x| x != 0)
}

/// The seed document's lines for a transition.
fn transition_notes(name: &str, from: State, to: State, why: Why, out: &mut dyn Outbox) {
    let first = match (to, why) {
        (State::Backup, Why::HigherPriority { theirs, ours }) => {
            Some(Note::HigherPriority { name, theirs, ours })
        }
        (State::Master, _) => Some(Note::ToMaster { name }),
        (State::Init, _) => {
            note(out, Note::Stopped { name, was: from });
            return;
        }
        _ => None,
    };
    if let Some(n) = first {
        note(out, n);
    }
    note(out, Note::Entering { name, state: to });
}
