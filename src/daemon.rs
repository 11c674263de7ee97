//! The poll loop: owns every fd, the buffers and the instance table, turns
//! what the kernel says into core events and the core's actions into
//! packets, netlink requests and log lines.

mod ifaces;
mod vipfile;

use core::net::IpAddr;
use std::path::{Path, PathBuf};

use arrayvec::ArrayVec;

use crate::config::{self, Config, Family, InstanceConfig, Severity, Vip};
use crate::limits::{
    MAX_INSTANCES, MAX_INTERFACES, MAX_UNICAST_PEERS, MAX_VIPS, MAX_VIPS_EXCLUDED, PACKET_BUF,
};
use crate::log;
use crate::node;
use crate::sys::clock;
use crate::sys::log::{Level, Log, LogOptions};
use crate::sys::netlink::Netlink;
use crate::sys::packet::PacketSock;
use crate::sys::poll::{self, PollFd};
use crate::sys::raw4::Raw4;
use crate::sys::raw6::{Raw6, Rx6};
use crate::sys::signals::{Sig, Signals};
use crate::sys::timer::Timer;
use crate::sys::{Errno, SysError};
use crate::time::{Duration, Instant};
use crate::vrrp::{Action, Actions, Event, Instance, Params, State, Why};
use crate::wire::netlink::{self as nl, AddrRequest, NlMsg};
use crate::wire::vrrp::{Advert, RxError};
use crate::wire::{arp, ipv4, ndisc};
use ifaces::{Changed, Iface, Ifaces, LinkEvent, Status, link_events};

/// How the daemon was asked to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub config: PathBuf,
    /// `-V`: leave the VIPs in place on stop.
    pub keep_vips: bool,
    pub log: LogOptions,
    /// Where SIGUSR1, SIGUSR2 and SIGRTMIN+2 write their dumps.
    pub dumps: DumpPaths,
    /// The record of installed VIPs, cleaned at the next start (see
    /// [`state_file_for`]); None for none.
    pub state_file: Option<PathBuf>,
}

/// The VIP record that goes with pid file `pidfile`: the same path with
/// `.vips` for `.pid` (`/var/run/tinyvrrpd.pid` -> `/var/run/tinyvrrpd.vips`),
/// so daemons with their own pid files keep their own records.
pub fn state_file_for(pidfile: &Path) -> PathBuf {
    if pidfile.extension().is_some_and(|e| e == "pid") {
        pidfile.with_extension("vips")
    } else {
        let mut p = pidfile.as_os_str().to_os_string();
        p.push(".vips");
        p.into()
    }
}

#[derive(Clone, Debug)]
pub struct DumpPaths {
    pub data: PathBuf,
    pub stats: PathBuf,
    pub json: PathBuf,
}

impl Default for DumpPaths {
    /// keepalived's paths, which LuCI and scripts read.
    fn default() -> Self {
        DumpPaths {
            data: "/tmp/keepalived.data".into(),
            stats: "/tmp/keepalived.stats".into(),
            json: "/tmp/keepalived.json".into(),
        }
    }
}

/// Why the daemon could not start.
#[derive(Debug)]
pub enum StartError {
    Config(Vec<config::Diag>),
    Sys(SysError),
    /// An instance's interface is missing or unusable.
    Interface(String),
}

impl core::fmt::Display for StartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StartError::Config(d) => {
                for x in d {
                    writeln!(f, "{x}")?;
                }
                Ok(())
            }
            StartError::Sys(e) => write!(f, "{e}"),
            StartError::Interface(s) => write!(f, "{s}"),
        }
    }
}

impl From<SysError> for StartError {
    fn from(e: SysError) -> Self {
        StartError::Sys(e)
    }
}

/// One running instance with its configuration and its timer.
struct Slot {
    cfg: InstanceConfig,
    inst: Instance,
    timer: Timer,
    ifindex: u32,
    /// Before `vrrp_startup_delay` runs out the instance is not started.
    start_at: Option<Instant>,
    /// A netlink request failed: make the VIPs match the state again then.
    vip_retry_at: Option<Instant>,
    /// The IPv4 identification of our adverts, counting like keepalived's.
    ip_id: u16,
    /// Last rejected-advert log line, for rate limiting.
    last_reject_log: Option<Instant>,
    /// The VIPs were last added (not deleted): what the state file records.
    vips_installed: bool,
}

impl Slot {
    fn deadline(&self) -> Option<Instant> {
        [self.start_at, self.inst.next_deadline(), self.vip_retry_at]
            .into_iter()
            .flatten()
            .min()
    }
}

#[derive(Copy, Clone)]
enum DumpKind {
    Data,
    Stats,
    Json,
}

/// A kept instance (by its new index) whose addresses a reload changed,
/// with its previous configuration.
type ChangedVips = (usize, InstanceConfig);

/// Rejected-advert log lines: at most one per instance in this interval.
const REJECT_LOG_INTERVAL: Duration = Duration::from_secs(10);
/// How long a failed address request waits before it is tried again.
const VIP_RETRY: Duration = Duration::from_secs(1);
/// How long a stop waits for the kernel's acks of the last deletions.
const STOP_ACK_WAIT_MS: i32 = 50;
/// Netlink replies: a dump of many interfaces comes in large datagrams.
const NL_BUF: usize = 32 * 1024;
/// Fixed poll slots before the timers: raw IPv4 socket, netlink, signals,
/// raw IPv6 socket.
const FIXED_FDS: usize = 4;

pub struct Daemon {
    opts: Options,
    log: Log,
    config: Config,
    raw4: Raw4,
    raw6: Raw6,
    packet: PacketSock,
    /// Link and address events, and address requests (acks in the loop).
    nl: Netlink,
    /// Dumps and requests read to their end at once.
    nl_dump: Netlink,
    signals: Signals,
    ifaces: Ifaces,
    slots: Vec<Slot>,
    pollfds: Vec<PollFd>,
    rx: Box<[u8; PACKET_BUF]>,
    tx: Box<[u8; PACKET_BUF]>,
    nlbuf: Box<[u8; NL_BUF]>,
    /// Packets dropped before they reached an instance, per reason.
    rx_errors: [u64; RxError::ALL.len()],
    last_global_reject_log: Option<Instant>,
    netlink_errors: u64,
    /// The installed VIPs changed since the state file was written.
    state_dirty: bool,
    stopping: bool,
}

/// Interface lookups as free functions, so that code holding other fields
/// of the daemon mutably can still use them. An interface that is gone
/// (index 0) has no index to be found by.
fn by_index(ifaces: &[Iface], index: u32) -> Option<&Iface> {
    ifaces.iter().find(|i| i.exists() && i.index == index)
}

fn by_name<'a>(ifaces: &'a [Iface], name: &str) -> Option<&'a Iface> {
    ifaces.iter().find(|i| i.name.as_str() == name)
}

/// The interface a VIP goes on: its `dev`, else the instance's. A `dev`
/// the daemon does not know falls back to the instance's interface.
fn vip_ifname<'a>(ifaces: &[Iface], c: &'a InstanceConfig, vip: &'a Vip) -> &'a str {
    match vip.dev.as_deref() {
        Some(d) if by_name(ifaces, d).is_some() => d,
        _ => c.interface.as_str(),
    }
}

/// The name of interface `index`, for logs and dumps.
fn name_of(ifaces: &[Iface], index: u32) -> &str {
    by_index(ifaces, index).map_or("?", |f| f.name.as_str())
}

/// Whether `s` runs the instance `c` on interface `ifindex`: what a reload
/// keeps (interface, VRID and family unchanged).
fn same_instance(s: &Slot, ifindex: u32, c: &InstanceConfig) -> bool {
    s.ifindex == ifindex && s.cfg.vrid == c.vrid && s.cfg.family == c.family
}

impl Daemon {
    /// Load the configuration, open every socket, look up the interfaces
    /// and build the instance table. Nothing is sent yet.
    pub fn new(opts: Options) -> Result<Daemon, StartError> {
        let log = Log::new(&opts.log);
        let config = load(&opts.config)?;
        let mut d = Daemon {
            log,
            raw4: Raw4::open()?,
            raw6: Raw6::open()?,
            packet: PacketSock::open()?,
            nl: Netlink::open_events()?,
            nl_dump: Netlink::open_requests()?,
            signals: Signals::new()?,
            ifaces: Ifaces::new(),
            slots: Vec::with_capacity(MAX_INSTANCES),
            pollfds: Vec::with_capacity(FIXED_FDS + MAX_INSTANCES),
            rx: Box::new([0; PACKET_BUF]),
            tx: Box::new([0; PACKET_BUF]),
            nlbuf: Box::new([0; NL_BUF]),
            rx_errors: [0; RxError::ALL.len()],
            last_global_reject_log: None,
            netlink_errors: 0,
            state_dirty: false,
            stopping: false,
            config: config.clone(),
            opts,
        };
        d.ifaces = d.lookup_interfaces()?;
        // Nothing is kept at start, so nothing is reconfigured at a time.
        let (slots, _) = d.build_slots(&config, &mut Vec::new(), Instant::ZERO)?;
        d.slots = slots;
        d.rebuild_pollfds();
        Ok(d)
    }

    /// Reopen syslog, for after the process has detached.
    pub fn reopen_log(&mut self) {
        self.log.open_syslog();
    }

    pub fn log_mut(&mut self) -> &mut Log {
        &mut self.log
    }

    /// Start every instance (or schedule it after vrrp_startup_delay),
    /// after removing the VIPs a previous run recorded as installed.
    pub fn start(&mut self, now: Instant) {
        self.remove_recorded_vips();
        self.state_dirty = true;
        let delay = Duration::from_millis(u64::from(self.config.global.vrrp_startup_delay_ms));
        for i in 0..self.slots.len() {
            if delay.is_zero() {
                self.start_slot(i, now);
            } else {
                self.slots[i].start_at = Some(now + delay);
                self.rearm(i);
            }
        }
        self.flush_state();
    }

    /// Run until a stop signal has been handled.
    pub fn run(&mut self) -> Result<(), SysError> {
        self.start(clock::now());
        while !self.stopping {
            self.poll_once(-1)?;
        }
        Ok(())
    }

    pub fn stopping(&self) -> bool {
        self.stopping
    }

    /// Wait for one round of events (at most `timeout_ms`, -1 for no limit)
    /// and handle them.
    pub fn poll_once(&mut self, timeout_ms: i32) -> Result<(), SysError> {
        poll::poll(&mut self.pollfds, timeout_ms)?;
        let now = clock::now();
        if self.pollfds.first().is_some_and(poll::readable) {
            self.receive_adverts(now);
        }
        if self.pollfds.get(1).is_some_and(poll::readable) {
            self.receive_netlink(now);
        }
        if self.pollfds.get(3).is_some_and(poll::readable) {
            self.receive_adverts6(now);
        }
        if self.pollfds.get(2).is_some_and(poll::readable) {
            while let Some(sig) = self.signals.read() {
                self.on_signal(sig, now);
                if self.stopping {
                    return Ok(());
                }
            }
        }
        for i in 0..self.slots.len() {
            if self.pollfds.get(FIXED_FDS + i).is_some_and(poll::readable) {
                self.slots[i].timer.clear();
                self.on_timer(i, now);
            }
        }
        self.flush_state();
        Ok(())
    }

    /// Packets dropped per reason before they reached an instance.
    pub fn rx_errors(&self) -> &[u64; RxError::ALL.len()] {
        &self.rx_errors
    }

    /// Instance names and counters, for tests and dumps.
    pub fn stats(&self) -> impl Iterator<Item = (&str, &crate::vrrp::Stats)> {
        self.slots
            .iter()
            .map(|s| (s.cfg.name.as_str(), s.inst.stats()))
    }

    /// Instance names and states, for tests and dumps.
    pub fn states(&self) -> impl Iterator<Item = (&str, State)> {
        self.slots
            .iter()
            .map(|s| (s.cfg.name.as_str(), s.inst.state()))
    }

    fn rebuild_pollfds(&mut self) {
        self.pollfds.clear();
        self.pollfds.push(poll::pollfd(self.raw4.as_raw_fd()));
        self.pollfds.push(poll::pollfd(self.nl.as_raw_fd()));
        self.pollfds.push(poll::pollfd(self.signals.as_raw_fd()));
        self.pollfds.push(poll::pollfd(self.raw6.as_raw_fd()));
        for s in &self.slots {
            self.pollfds.push(poll::pollfd(s.timer.as_raw_fd()));
        }
    }

    // ---- interfaces --------------------------------------------------

    /// Dump links and addresses over the request socket (blocking,
    /// bounded): the interfaces the configuration names, as they are now.
    fn lookup_interfaces(&mut self) -> Result<Ifaces, StartError> {
        // Only the interfaces the configuration names: that is what
        // MAX_INTERFACES bounds.
        let wanted: Vec<String> = self
            .config
            .instances
            .iter()
            .flat_map(|c| {
                core::iter::once(c.interface.as_str())
                    .chain(c.vips.iter().filter_map(|v| v.dev.as_deref()))
                    .chain(c.vips_excluded.iter().filter_map(|v| v.dev.as_deref()))
            })
            .map(String::from)
            .collect();
        let mut table = Ifaces::new();
        let mut full = false;
        let seq = self.nl_dump.next_seq();
        let n = nl::dump_links(&mut self.tx[..], seq)
            .map_err(|_| StartError::Interface("netlink request too large".into()))?;
        self.nl_dump.send(&self.tx[..n])?;
        self.read_dump(seq, |m| {
            let NlMsg::Link(l) = m else {
                return;
            };
            if !l.name.is_some_and(|n| wanted.iter().any(|w| w == n)) {
                return;
            }
            if let Some(f) = Iface::new(&l) {
                full |= table.push(f).is_err();
            }
        })?;
        if full {
            return Err(StartError::Interface(format!(
                "too many interfaces: limit MAX_INTERFACES is {MAX_INTERFACES}"
            )));
        }
        let seq = self.nl_dump.next_seq();
        let n = nl::dump_addrs(&mut self.tx[..], seq, nl::AF_UNSPEC)
            .map_err(|_| StartError::Interface("netlink request too large".into()))?;
        self.nl_dump.send(&self.tx[..n])?;
        self.read_dump(seq, |m| {
            if let NlMsg::Addr(a) = m {
                table.apply_addr(&a);
            }
        })?;
        for k in 0..table.len() {
            let on = ipv6_forwarding(&table[k].name);
            table.set_router6(k, on);
        }
        Ok(table)
    }

    /// Read the request socket's replies to `seq` until the dump's
    /// NLMSG_DONE or the request's ack, for at most 2 s. The socket is
    /// subscribed to nothing, so nothing else is read past.
    fn read_dump(&mut self, seq: u32, mut f: impl FnMut(NlMsg<'_>)) -> Result<(), StartError> {
        let deadline = clock::now() + Duration::from_secs(2);
        loop {
            if clock::now() > deadline {
                return Err(StartError::Interface(
                    "netlink dump did not finish within 2 s".into(),
                ));
            }
            if !self.nl_dump.wait(100)? {
                continue;
            }
            let Some(n) = self.nl_dump.recv(&mut self.nlbuf[..])? else {
                continue;
            };
            for m in nl::messages(&self.nlbuf[..n]).flatten() {
                if m.seq != seq {
                    continue;
                }
                match m.parse() {
                    Ok(NlMsg::Done { .. }) | Ok(NlMsg::Ack(nl::Ack { errno: 0, .. })) => {
                        return Ok(());
                    }
                    Ok(NlMsg::Ack(a)) => {
                        return Err(StartError::Sys(SysError::new(
                            "netlink request",
                            Errno::from_raw(a.errno),
                        )));
                    }
                    Ok(msg) => f(msg),
                    Err(_) => {}
                }
            }
        }
    }

    fn iface(&self, index: u32) -> Option<&Iface> {
        by_index(&self.ifaces, index)
    }

    /// Build the instance table for `config`, moving out of `old` the
    /// slots whose interface, VRID and family are unchanged (reload). On
    /// error `old` is left untouched.
    fn build_slots(
        &mut self,
        config: &Config,
        old: &mut Vec<Slot>,
        now: Instant,
    ) -> Result<(Vec<Slot>, Vec<ChangedVips>), StartError> {
        // First pass: everything that can fail, without touching `old`.
        let mut plan: Vec<(u32, Params)> = Vec::with_capacity(config.instances.len());
        for c in &config.instances {
            let ifc = by_name(&self.ifaces, &c.interface).ok_or_else(|| {
                StartError::Interface(format!(
                    "vrrp_instance {}: interface {} not found",
                    c.name, c.interface
                ))
            })?;
            let primary: IpAddr = match (c.family, c.unicast_src_ip) {
                (_, Some(ip)) => ip,
                (Family::V4, None) => IpAddr::V4(ifc.primary4.ok_or_else(|| {
                    StartError::Interface(format!(
                        "vrrp_instance {}: interface {} has no IPv4 address",
                        c.name, c.interface
                    ))
                })?),
                (Family::V6, None) => IpAddr::V6(ifc.link_local6.ok_or_else(|| {
                    StartError::Interface(format!(
                        "vrrp_instance {}: interface {} has no IPv6 link-local address",
                        c.name, c.interface
                    ))
                })?),
            };
            plan.push((ifc.index, node::params(c, primary)));
        }
        // A timer for each new instance (validation refuses the same VRID
        // twice on one interface and family, so matches are one to one).
        let mut timers: Vec<Timer> = Vec::new();
        for (c, (ifindex, _)) in config.instances.iter().zip(&plan) {
            if !old.iter().any(|s| same_instance(s, *ifindex, c)) {
                timers.push(Timer::new()?);
            }
        }
        // Second pass: cannot fail. Kept instances whose addresses changed
        // are reported with their old configuration.
        let mut slots = Vec::with_capacity(MAX_INSTANCES);
        let mut changed = Vec::new();
        for (c, (ifindex, params)) in config.instances.iter().zip(plan) {
            let reused = old.iter().position(|s| same_instance(s, ifindex, c));
            let slot = match reused {
                Some(k) => {
                    let mut s = old.swap_remove(k);
                    s.inst.reconfigure(params, now);
                    let prev = core::mem::replace(&mut s.cfg, c.clone());
                    if prev.vips != c.vips || prev.vips_excluded != c.vips_excluded {
                        changed.push((slots.len(), prev));
                    }
                    s
                }
                None => {
                    // Counted in the first pass: there is one.
                    let Some(timer) = timers.pop() else {
                        continue;
                    };
                    Slot {
                        cfg: c.clone(),
                        inst: Instance::new(params),
                        timer,
                        ifindex,
                        start_at: None,
                        vip_retry_at: None,
                        ip_id: 0,
                        last_reject_log: None,
                        vips_installed: false,
                    }
                }
            };
            slots.push(slot);
        }
        Ok((slots, changed))
    }

    // ---- events ------------------------------------------------------

    fn start_slot(&mut self, i: usize, now: Instant) {
        self.slots[i].start_at = None;
        self.drive(i, Event::Startup, now);
        let family = self.slots[i].cfg.family;
        let ready = self
            .iface(self.slots[i].ifindex)
            .is_some_and(|f| f.status().ready(family));
        if !ready {
            self.drive(i, Event::LinkDown, now);
        }
    }

    fn on_timer(&mut self, i: usize, now: Instant) {
        let s = &mut self.slots[i];
        if s.start_at.is_some_and(|t| t <= now) {
            self.start_slot(i, now);
            return;
        }
        if s.vip_retry_at.is_some_and(|t| t <= now) {
            s.vip_retry_at = None;
            let master = s.inst.state() == State::Master;
            self.vips(i, master, now);
        }
        self.drive(i, Event::Timeout, now);
    }

    fn on_signal(&mut self, sig: Sig, now: Instant) {
        match sig {
            Sig::Stop => self.stop(now),
            Sig::Reload => self.reload(),
            Sig::DumpData => self.dump(|v, _| crate::dump::data(v), DumpKind::Data, now),
            Sig::DumpStats => self.dump(crate::dump::stats, DumpKind::Stats, now),
            Sig::DumpJson => self.dump(crate::dump::json, DumpKind::Json, now),
        }
    }

    /// Write one dump atomically: a temporary file beside it, then rename,
    /// so a reader never sees half a file.
    fn dump(
        &mut self,
        f: fn(&[crate::dump::View<'_>], &crate::dump::Global) -> String,
        kind: DumpKind,
        now: Instant,
    ) {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(0))
            .unwrap_or(0);
        let views: Vec<crate::dump::View<'_>> = self
            .slots
            .iter()
            .map(|s| crate::dump::View {
                cfg: &s.cfg,
                inst: &s.inst,
                ifname: name_of(&self.ifaces, s.ifindex),
                last_transition_us: s
                    .inst
                    .last_transition()
                    .map(|t| wall.saturating_sub(now.saturating_since(t).as_micros())),
            })
            .collect();
        let text = f(&views, &self.rx_errors);
        let path = match kind {
            DumpKind::Data => &self.opts.dumps.data,
            DumpKind::Stats => &self.opts.dumps.stats,
            DumpKind::Json => &self.opts.dumps.json,
        };
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let written = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
        match written {
            Ok(()) => log!(self.log, Level::Info, "state written to {}", path.display()),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                log!(self.log, Level::Error, "writing {}: {e}", path.display());
            }
        }
    }

    /// Delete the VIPs the state file says a previous run installed (it
    /// may have been killed with them in place, under another
    /// configuration). keepalived removes only the current configuration's
    /// at start; this goes further. Requests are answered on the spot.
    fn remove_recorded_vips(&mut self) {
        use std::io::Read as _;
        let Some(path) = self.opts.state_file.clone() else {
            return;
        };
        // Bounded: the largest record we write is well under this.
        let mut bytes = Vec::new();
        let read = std::fs::File::open(&path).and_then(|f| f.take(1 << 20).read_to_end(&mut bytes));
        match read {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => {
                log!(self.log, Level::Warning, "reading {}: {e}", path.display());
                return;
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        for e in vipfile::parse(&text) {
            // Gone with its interface, if that is gone.
            let Some(index) = crate::sys::if_index(e.ifname) else {
                continue;
            };
            let req = AddrRequest {
                index,
                addr: e.addr,
                prefix_len: e.prefix_len,
                scope: 0,
                broadcast: None,
                label: None,
            };
            let seq = self.nl_dump.next_seq();
            let Ok(len) = nl::del_addr(&mut self.tx[..], seq, &req) else {
                continue;
            };
            let done = match self.nl_dump.send(&self.tx[..len]) {
                Ok(()) => self.read_dump(seq, |_| {}),
                Err(e) => Err(StartError::Sys(e)),
            };
            let (ifname, addr, len) = (e.ifname, e.addr, e.prefix_len);
            match done {
                Ok(()) => log!(
                    self.log,
                    Level::Info,
                    "removed {addr}/{len} from {ifname}, left installed by a previous run ({})",
                    path.display()
                ),
                Err(StartError::Sys(se)) if se.errno == Errno::EADDRNOTAVAIL => {}
                Err(err) => log!(
                    self.log,
                    Level::Warning,
                    "removing {addr}/{len} from {ifname} (left by a previous run): {err}"
                ),
            }
        }
    }

    /// Rewrite the state file when the installed VIPs changed: a
    /// temporary file, then rename, so a crash never leaves half a record.
    fn flush_state(&mut self) {
        if !core::mem::take(&mut self.state_dirty) {
            return;
        }
        let Some(path) = &self.opts.state_file else {
            return;
        };
        let ifaces = &self.ifaces;
        let entries = self
            .slots
            .iter()
            .filter(|s| s.vips_installed)
            .flat_map(|s| {
                s.cfg
                    .vips
                    .iter()
                    .chain(s.cfg.vips_excluded.iter())
                    .map(|v| vipfile::Entry {
                        ifname: vip_ifname(ifaces, &s.cfg, v),
                        addr: v.addr,
                        prefix_len: v.prefix_len,
                        instance: &s.cfg.name,
                    })
            });
        let text = vipfile::format(entries);
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        if let Err(e) = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path)) {
            let _ = std::fs::remove_file(&tmp);
            log!(self.log, Level::Error, "writing {}: {e}", path.display());
        }
    }

    /// Release everything: priority 0 from masters, VIPs removed (unless
    /// `-V`), and wait briefly for the kernel's acks.
    pub fn stop(&mut self, now: Instant) {
        log!(self.log, Level::Info, "Stopping");
        for i in 0..self.slots.len() {
            self.drive(i, Event::Shutdown, now);
        }
        // Deletions are done by the time sendmsg returns; the acks only
        // tell us whether they worked. Read what is there, briefly.
        if self.nl.wait(STOP_ACK_WAIT_MS).unwrap_or(false) {
            self.receive_netlink(now);
        }
        self.flush_state();
        if !self.slots.iter().any(|s| s.vips_installed) {
            // Nothing left installed: no record (`-V` keeps it).
            if let Some(p) = &self.opts.state_file {
                let _ = std::fs::remove_file(p);
            }
        }
        self.stopping = true;
        log!(self.log, Level::Info, "Stopped");
    }

    fn reload(&mut self) {
        log!(
            self.log,
            Level::Info,
            "Reloading configuration from {}",
            self.opts.config.display()
        );
        let config = match load(&self.opts.config) {
            Ok(c) => c,
            Err(e) => {
                log!(
                    self.log,
                    Level::Error,
                    "Reload failed, keeping the running configuration:"
                );
                if let StartError::Config(diags) = &e {
                    for d in diags.iter().filter(|d| d.severity == Severity::Error) {
                        log!(self.log, Level::Error, "{d}");
                    }
                } else {
                    log!(self.log, Level::Error, "{e}");
                }
                return;
            }
        };
        // Loading can take a while (a large include): first act on the link
        // and address changes that came meanwhile, in order and with the
        // running configuration, so that the dump below is newer than all
        // the instances have seen.
        let now = clock::now();
        self.receive_netlink(now);
        let old_config = core::mem::replace(&mut self.config, config.clone());
        let old_ifaces = self.ifaces.clone();
        match self.lookup_interfaces() {
            Ok(ifaces) => self.ifaces = ifaces,
            Err(e) => {
                self.config = old_config;
                log!(
                    self.log,
                    Level::Error,
                    "Reload failed, keeping the running configuration: {e}"
                );
                return;
            }
        }
        let mut old = core::mem::take(&mut self.slots);
        let changed = match self.build_slots(&config, &mut old, now) {
            Ok((new, changed)) => {
                // What is left of `old` was removed from the configuration:
                // release it like a stop.
                self.slots = old;
                for i in 0..self.slots.len() {
                    self.drive(i, Event::Shutdown, now);
                }
                self.slots = new;
                changed
            }
            Err(e) => {
                // Put everything back as it was.
                self.slots = old;
                self.config = old_config;
                self.ifaces = old_ifaces;
                log!(
                    self.log,
                    Level::Error,
                    "Reload failed, keeping the running configuration: {e}"
                );
                return;
            }
        };
        self.rebuild_pollfds();
        self.join_groups();
        // The dump above has the links as they are now, and the
        // notifications queued while the configuration loaded no longer
        // differ from it: a change during the reload shows only here, as a
        // difference from what the kept instances last saw.
        for k in 0..self.ifaces.len() {
            let before = by_name(&old_ifaces, &self.ifaces[k].name).map(Iface::status);
            if let Some(before) = before {
                self.iface_changed(k, before, now);
            }
        }
        for i in 0..self.slots.len() {
            if self.slots[i].inst.state() == State::Init {
                self.start_slot(i, now);
            } else {
                self.rearm(i);
            }
        }
        // A kept master whose addresses changed: the old set goes, the new
        // one comes and is announced.
        for (i, prev) in changed {
            if self.slots[i].inst.state() != State::Master {
                continue;
            }
            let new = core::mem::replace(&mut self.slots[i].cfg, prev);
            self.vips(i, false, now);
            self.slots[i].cfg = new;
            self.vips(i, true, now);
            let count = self.slots[i].inst.params().garp_master_repeat;
            self.send_garps(i, count);
        }
        log!(self.log, Level::Info, "Reload done");
    }

    /// Join the VRRP group of each family on every interface in use.
    pub fn join_groups(&mut self) {
        let group4 = self.config.global.vrrp_mcast_group4;
        let group6 = self.config.global.vrrp_mcast_group6;
        let mut done: ArrayVec<(u32, Family), { 2 * MAX_INTERFACES }> = ArrayVec::new();
        for k in 0..self.slots.len() {
            let key = (self.slots[k].ifindex, self.slots[k].cfg.family);
            // Index 0 (an interface that is gone) would let the kernel
            // pick an interface.
            if key.0 == 0 || done.contains(&key) || done.try_push(key).is_err() {
                continue;
            }
            let (ifindex, family) = key;
            let joined = match family {
                Family::V4 => self.raw4.join(group4, ifindex),
                Family::V6 => self.raw6.join(group6, ifindex),
            };
            if let Err(e) = joined {
                log!(
                    self.log,
                    Level::Error,
                    "joining the VRRP group on ifindex {ifindex}: {e}"
                );
            }
        }
    }

    /// Feed one event to instance `i`, carry out its actions, re-arm.
    fn drive(&mut self, i: usize, ev: Event<'_>, now: Instant) {
        let mut out = Actions::new();
        let before = self.slots[i].inst.state();
        self.slots[i].inst.on_event(ev, now, &mut out);
        for a in out {
            self.execute(i, a, before, now);
        }
        self.rearm(i);
    }

    fn rearm(&mut self, i: usize) {
        let s = &mut self.slots[i];
        let at = s.deadline();
        if let Err(e) = s.timer.set(at) {
            let name = &self.slots[i].cfg.name;
            log!(self.log, Level::Error, "VRRP_Instance({name}) {e}");
        }
    }

    fn execute(&mut self, i: usize, a: Action, before: State, now: Instant) {
        match a {
            Action::Transition { from, to, why } => self.log_transition(i, from, to, why),
            Action::SendAdvert { priority } => self.send_advert(i, priority),
            Action::AddVips => {
                let name = &self.slots[i].cfg.name;
                log!(
                    self.log,
                    Level::Info,
                    "VRRP_Instance({name}) setting protocol VIPs."
                );
                self.vips(i, true, now);
            }
            Action::DelVips => {
                let stopping = matches!(self.slots[i].inst.state(), State::Init);
                if stopping && self.opts.keep_vips {
                    return;
                }
                let name = &self.slots[i].cfg.name;
                if before == State::Init {
                    // Start-up clean-up of leftovers from a crash.
                    log!(
                        self.log,
                        Level::Debug,
                        "VRRP_Instance({name}) removing leftover VIPs"
                    );
                } else {
                    log!(
                        self.log,
                        Level::Info,
                        "VRRP_Instance({name}) removing protocol VIPs."
                    );
                }
                self.vips(i, false, now);
            }
            Action::SendGarp { count } => self.send_garps(i, count),
            Action::Rejected(e) => self.log_reject(Some(i), e, None, now),
            Action::LowerPriority {
                from,
                theirs,
                ours,
                answered,
            } => {
                // keepalived 2.2.7's line (vrrp_state_master_rx).
                let name = &self.slots[i].cfg.name;
                let election = if answered {
                    ", forcing new election"
                } else {
                    ""
                };
                log!(
                    self.log,
                    Level::Info,
                    "VRRP_Instance({name}) Received advert from {from} with lower priority {theirs}, ours {ours}{election}"
                );
            }
        }
    }

    fn log_transition(&mut self, i: usize, from: State, to: State, why: Why) {
        let name = &self.slots[i].cfg.name;
        match (to, why) {
            (State::Backup, Why::HigherPriority { theirs, ours }) => {
                log!(
                    self.log,
                    Level::Info,
                    "VRRP_Instance({name}) Master received advert with higher priority {theirs}, ours {ours}"
                );
                log!(
                    self.log,
                    Level::Info,
                    "VRRP_Instance({name}) Entering BACKUP STATE"
                );
            }
            (State::Backup, _) => {
                log!(
                    self.log,
                    Level::Info,
                    "VRRP_Instance({name}) Entering BACKUP STATE"
                )
            }
            (State::Master, _) => {
                log!(
                    self.log,
                    Level::Info,
                    "VRRP_Instance({name}) Transition to MASTER STATE"
                );
                log!(
                    self.log,
                    Level::Info,
                    "VRRP_Instance({name}) Entering MASTER STATE"
                );
            }
            (State::Fault, _) => {
                log!(
                    self.log,
                    Level::Info,
                    "VRRP_Instance({name}) Entering FAULT STATE"
                )
            }
            (State::Init, _) => log!(
                self.log,
                Level::Debug,
                "VRRP_Instance({name}) stopped (was {})",
                from.as_str()
            ),
        }
    }

    // ---- sending -----------------------------------------------------

    fn send_advert(&mut self, i: usize, priority: u8) {
        let group: IpAddr = match self.slots[i].cfg.family {
            Family::V4 => self.config.global.vrrp_mcast_group4.into(),
            Family::V6 => self.config.global.vrrp_mcast_group6.into(),
        };
        let s = &self.slots[i];
        // Nowhere to send on a link that is down or gone (a priority-0
        // advert on the way into FAULT): no error to log for each.
        if !self.iface(s.ifindex).is_some_and(|f| f.up) {
            return;
        }
        let p = s.inst.params();
        let adv = p.advert(priority);
        let (src, form, ifindex) = (p.primary, p.checksum_form, s.ifindex);
        let mut peers: ArrayVec<IpAddr, MAX_UNICAST_PEERS> = s
            .cfg
            .unicast_peers
            .iter()
            .filter(|a| a.is_ipv4() == src.is_ipv4())
            .copied()
            .collect();
        if peers.is_empty() {
            peers.push(group);
        }
        for dst in peers {
            let result = match (src, dst) {
                (IpAddr::V4(src4), IpAddr::V4(dst4)) => {
                    let ident = self.slots[i].ip_id.wrapping_add(1);
                    self.slots[i].ip_id = ident;
                    let (hdr, body) = self.tx.split_at_mut(ipv4::HEADER_LEN);
                    let len = adv.emit(body, src, dst, form).ok().and_then(|n| {
                        let h = ipv4::Repr::vrrp(src4, dst4, n, ident).emit(hdr).ok()?;
                        Some(h + n)
                    });
                    match len {
                        Some(len) => self.raw4.send(&self.tx[..len], dst4, ifindex),
                        None => Err(SysError::new("building advert", Errno::EMSGSIZE)),
                    }
                }
                (IpAddr::V6(src6), IpAddr::V6(dst6)) => {
                    match adv.emit(&mut self.tx[..], src, dst, form) {
                        Ok(len) => self.raw6.send(&self.tx[..len], src6, dst6, ifindex),
                        Err(_) => Err(SysError::new("building advert", Errno::EMSGSIZE)),
                    }
                }
                _ => continue,
            };
            if let Err(e) = result {
                let name = &self.slots[i].cfg.name;
                log!(
                    self.log,
                    Level::Error,
                    "VRRP_Instance({name}) sending advert: {e}"
                );
            }
        }
    }

    fn send_garps(&mut self, i: usize, count: u32) {
        let ifindex = self.slots[i].ifindex;
        let Some(ifc) = self.iface(ifindex).filter(|f| f.up) else {
            return;
        };
        let (mac, router) = (ifc.mac, ifc.router6);
        let vips: ArrayVec<IpAddr, { MAX_VIPS + MAX_VIPS_EXCLUDED }> = self.slots[i]
            .cfg
            .vips
            .iter()
            .chain(self.slots[i].cfg.vips_excluded.iter())
            .map(|v| v.addr)
            .collect();
        for vip in vips {
            let name = &self.slots[i].cfg.name;
            let ifname = name_of(&self.ifaces, ifindex);
            let (len, dst, ethertype) = match vip {
                IpAddr::V4(v4) => {
                    log!(
                        self.log,
                        Level::Info,
                        "VRRP_Instance({name}) Sending gratuitous ARPs on {ifname} for {v4}"
                    );
                    let r = arp::Repr::gratuitous(mac, v4);
                    (r.emit(&mut self.tx[..]), arp::BROADCAST, arp::ETHERTYPE_ARP)
                }
                IpAddr::V6(v6) => {
                    log!(
                        self.log,
                        Level::Info,
                        "VRRP_Instance({name}) Sending unsolicited Neighbour Advertisements on {ifname} for {v6}"
                    );
                    // keepalived sends the NA from the VIP itself.
                    let r = ndisc::Repr::unsolicited(mac, v6, v6, router);
                    (
                        r.emit(&mut self.tx[..]),
                        ndisc::ALL_NODES_MAC,
                        ndisc::ETHERTYPE_IPV6,
                    )
                }
            };
            let Ok(len) = len else {
                continue;
            };
            for _ in 0..count {
                if let Err(e) = self.packet.send(&self.tx[..len], ifindex, dst, ethertype) {
                    let name = &self.slots[i].cfg.name;
                    log!(
                        self.log,
                        Level::Error,
                        "VRRP_Instance({name}) gratuitous ARP: {e}"
                    );
                    break;
                }
            }
        }
    }

    /// Add (`add`) or delete the instance's VIPs with netlink requests.
    /// The acks come back through the poll loop. Nothing is sent for an
    /// interface that is gone: its addresses went with it.
    fn vips(&mut self, i: usize, add: bool, now: Instant) {
        // The slot index rides in the sequence number so a failed ack can
        // schedule a retry for the right instance.
        let seq_base = (self.nl.next_seq() << 8) & !0xff;
        let seq = seq_base | (u32::try_from(i).unwrap_or(0) & 0xff);
        let n_vips = self.slots[i].cfg.vips.len() + self.slots[i].cfg.vips_excluded.len();
        for k in 0..n_vips {
            let cfg = &self.slots[i].cfg;
            let vip = match cfg.vips.get(k) {
                Some(v) => v,
                None => match cfg.vips_excluded.get(k - cfg.vips.len()) {
                    Some(v) => v,
                    None => continue,
                },
            };
            let ifname = vip_ifname(&self.ifaces, cfg, vip);
            let Some(index) = by_name(&self.ifaces, ifname)
                .map(|f| f.index)
                .filter(|&x| x != 0)
            else {
                continue;
            };
            let req = AddrRequest {
                index,
                addr: vip.addr,
                prefix_len: vip.prefix_len,
                scope: vip.scope.unwrap_or(0),
                broadcast: vip.brd,
                label: vip.label.as_deref(),
            };
            let built = if add {
                nl::new_addr(&mut self.tx[..], seq, &req)
            } else {
                nl::del_addr(&mut self.tx[..], seq, &req)
            };
            let Ok(len) = built else {
                continue;
            };
            if let Err(e) = self.nl.send(&self.tx[..len]) {
                self.netlink_errors += 1;
                let name = &self.slots[i].cfg.name;
                log!(
                    self.log,
                    Level::Error,
                    "VRRP_Instance({name}) address request: {e}"
                );
                self.slots[i].vip_retry_at = Some(now + VIP_RETRY);
            }
        }
        if self.slots[i].vips_installed != add {
            self.slots[i].vips_installed = add;
            self.state_dirty = true;
        }
    }

    // ---- receiving ---------------------------------------------------

    fn receive_netlink(&mut self, now: Instant) {
        for _ in 0..64 {
            let n = match self.nl.recv(&mut self.nlbuf[..]) {
                Ok(Some(n)) => n,
                Ok(None) => return,
                Err(e) => {
                    log!(self.log, Level::Warning, "netlink: {e}");
                    if e.errno == Errno::ENOBUFS {
                        // Notifications were lost: read the links afresh.
                        self.resync(now);
                    }
                    return;
                }
            };
            let mut changed: ArrayVec<Changed, MAX_INTERFACES> = ArrayVec::new();
            let mut failed: ArrayVec<(u32, i32), 16> = ArrayVec::new();
            for m in nl::messages(&self.nlbuf[..n]).flatten() {
                let ch: ArrayVec<Changed, 2> = match m.parse() {
                    Ok(NlMsg::Ack(a)) if a.errno != 0 => {
                        let ok = a.errno == libc::EEXIST || a.errno == libc::EADDRNOTAVAIL;
                        if !ok {
                            let _ = failed.try_push((a.seq, a.errno));
                        }
                        continue;
                    }
                    Ok(NlMsg::Link(l)) => self.ifaces.apply_link(&l),
                    Ok(NlMsg::Addr(a)) => self.ifaces.apply_addr(&a).into_iter().collect(),
                    _ => continue,
                };
                // Several changes to one interface in one datagram: what
                // its instances saw is its status before the first.
                for (k, before) in ch {
                    if !changed.iter().any(|(j, _)| *j == k) {
                        let _ = changed.try_push((k, before));
                    }
                }
            }
            for (seq, errno) in failed {
                self.netlink_errors += 1;
                let i = (seq & 0xff) as usize;
                let e = Errno::from_raw(errno);
                let Some(s) = self.slots.get(i) else {
                    continue;
                };
                // Sent just before the interface went away: its addresses
                // went with it, nothing to retry.
                if !by_name(&self.ifaces, &s.cfg.interface).is_some_and(Iface::exists) {
                    continue;
                }
                self.slots[i].vip_retry_at = Some(now + VIP_RETRY);
                let name = &self.slots[i].cfg.name;
                log!(
                    self.log,
                    Level::Error,
                    "VRRP_Instance({name}) address change failed: {}; retrying",
                    e.desc()
                );
                self.rearm(i);
            }
            for (k, before) in changed {
                self.iface_changed(k, before, now);
            }
        }
    }

    /// Interface `k` changed from `before`: log it, move its instances to
    /// its new index, feed them LinkDown / LinkUp, and follow it with the
    /// VRRP groups. Instances not started yet only move: they look at the
    /// interface when they start.
    fn iface_changed(&mut self, k: usize, before: Status, now: Instant) {
        let Some(f) = self.ifaces.get(k) else {
            return;
        };
        let (name, after) = (f.name, f.status());
        if after == before {
            return;
        }
        self.log_iface(&name, before, after);
        for i in 0..self.slots.len() {
            if self.slots[i].cfg.interface != name.as_str() {
                continue;
            }
            let started =
                self.slots[i].start_at.is_none() && self.slots[i].inst.state() != State::Init;
            for ev in link_events(before, after, self.slots[i].cfg.family) {
                // Down on the old index (a master's release goes there,
                // if anywhere), up on the new one.
                let ev = match ev {
                    LinkEvent::Down => Event::LinkDown,
                    LinkEvent::Up => {
                        self.slots[i].ifindex = after.index;
                        Event::LinkUp
                    }
                };
                if started {
                    self.drive(i, ev, now);
                }
            }
            self.slots[i].ifindex = after.index;
        }
        if before.index != after.index {
            self.follow_groups(&name, before.index, after.index);
        }
    }

    fn log_iface(&mut self, name: &str, before: Status, after: Status) {
        if !after.exists() {
            log!(self.log, Level::Info, "Interface {name} deleted");
            return;
        }
        if before.index != after.index {
            log!(
                self.log,
                Level::Info,
                "Interface {name} added (index {}, {})",
                after.index,
                if after.up { "up" } else { "down" }
            );
        } else if before.up != after.up {
            log!(
                self.log,
                Level::Info,
                "Interface {name} is {}",
                if after.up { "up" } else { "down" }
            );
        }
        if (before.has4, before.has6) != (after.has4, after.has6) {
            log!(
                self.log,
                Level::Debug,
                "Interface {name}: IPv4 address {}, IPv6 link-local address {}",
                if after.has4 { "present" } else { "none" },
                if after.has6 { "present" } else { "none" }
            );
        }
    }

    /// Interface `name` moved from index `old` to `new` (0: gone): leave
    /// the VRRP groups on the old index (a membership outlives its
    /// interface and counts against the socket's limit), join them on the
    /// new one, and read its IPv6 forwarding setting.
    fn follow_groups(&mut self, name: &str, old: u32, new: u32) {
        if old != 0 {
            let group4 = self.config.global.vrrp_mcast_group4;
            let group6 = self.config.global.vrrp_mcast_group6;
            for r in [self.raw4.leave(group4, old), self.raw6.leave(group6, old)] {
                if let Err(e) = r {
                    log!(
                        self.log,
                        Level::Debug,
                        "leaving the VRRP group on ifindex {old}: {e}"
                    );
                }
            }
        }
        if new != 0 {
            self.join_groups();
            let on = ipv6_forwarding(name);
            if let Some(k) = self.ifaces.iter().position(|f| f.name.as_str() == name) {
                self.ifaces.set_router6(k, on);
            }
        }
    }

    /// After lost notifications: dump the links again and act on every
    /// difference. An interface missing from the dump is gone.
    fn resync(&mut self, now: Instant) {
        let old = self.ifaces.clone();
        let mut fresh = match self.lookup_interfaces() {
            Ok(t) => t,
            Err(e) => {
                log!(self.log, Level::Warning, "re-reading the interfaces: {e}");
                return;
            }
        };
        for f in old.iter() {
            if by_name(&fresh, &f.name).is_none() {
                let mut gone = f.clone();
                gone.vanish();
                let _ = fresh.push(gone);
            }
        }
        self.ifaces = fresh;
        for k in 0..self.ifaces.len() {
            let before = by_name(&old, &self.ifaces[k].name).map_or(Status::GONE, Iface::status);
            self.iface_changed(k, before, now);
        }
    }

    fn receive_adverts(&mut self, now: Instant) {
        // Bounded: a flood cannot starve timers and signals.
        for _ in 0..256 {
            let (len, ifindex) = match self.raw4.recv(&mut self.rx[..]) {
                Ok(Some(x)) => x,
                Ok(None) => return,
                Err(e) => {
                    log!(self.log, Level::Warning, "receiving adverts: {e}");
                    return;
                }
            };
            match self.parse_rx4(len) {
                Ok((adv, src)) => self.dispatch(adv, src, ifindex, now),
                Err((e, src)) => {
                    // The VRRP header's VRID, when there is one, says whose
                    // counters this belongs to.
                    let vrid = ipv4::Packet::new_checked(&self.rx[..len])
                        .ok()
                        .and_then(|p| p.payload().get(1).copied());
                    self.rx_error(e, src, ifindex, Family::V4, vrid, now);
                }
            }
        }
    }

    fn receive_adverts6(&mut self, now: Instant) {
        for _ in 0..256 {
            let rx = match self.raw6.recv(&mut self.rx[..]) {
                Ok(Some(x)) => x,
                Ok(None) => return,
                Err(e) => {
                    log!(self.log, Level::Warning, "receiving IPv6 adverts: {e}");
                    return;
                }
            };
            match self.parse_rx6(&rx) {
                Ok(adv) => self.dispatch(adv, IpAddr::V6(rx.src), rx.ifindex, now),
                Err(e) => {
                    let vrid = self.rx.get(1).copied().filter(|_| rx.len >= 2);
                    let src = Some(IpAddr::V6(rx.src));
                    self.rx_error(e, src, rx.ifindex, Family::V6, vrid, now);
                }
            }
        }
    }

    fn parse_rx6(&self, rx: &Rx6) -> Result<Advert, RxError> {
        // RFC 5798 §7.1: hop limit 255. Only multicast adverts are held to
        // it: unicast ones to configured peers may cross routers.
        if rx.dst.is_multicast() && rx.hop_limit != 255 {
            return Err(RxError::BadTtl);
        }
        let buf = self.rx.get(..rx.len).ok_or(RxError::TooShort)?;
        Advert::parse(buf, IpAddr::V6(rx.src), IpAddr::V6(rx.dst)).map(|(adv, _)| adv)
    }

    fn parse_rx4(&self, len: usize) -> Result<(Advert, IpAddr), (RxError, Option<IpAddr>)> {
        let buf = self.rx.get(..len).ok_or((RxError::TooShort, None))?;
        let pkt = ipv4::Packet::new_checked(buf).map_err(|e| (RxError::from(e), None))?;
        let src = IpAddr::V4(pkt.src_addr());
        pkt.check_vrrp()
            .map_err(|e| (RxError::from(e), Some(src)))?;
        let dst = IpAddr::V4(pkt.dst_addr());
        let (adv, _form) = Advert::parse(pkt.payload(), src, dst).map_err(|e| (e, Some(src)))?;
        Ok((adv, src))
    }

    fn dispatch(&mut self, adv: Advert, src: IpAddr, ifindex: u32, now: Instant) {
        let family = Family::of(&src);
        let found = self
            .slots
            .iter()
            .position(|s| s.ifindex == ifindex && s.cfg.vrid == adv.vrid && s.cfg.family == family);
        match found {
            Some(i) if self.slots[i].start_at.is_none() => {
                self.drive(i, Event::Advert { advert: &adv, src }, now);
            }
            Some(_) => {}
            None => self.rx_errors[RxError::UnknownVrid.index()] += 1,
        }
    }

    /// Count a dropped packet: globally, and on the instance it was meant
    /// for when its VRID names one on that interface (keepalived counts them
    /// per instance too).
    fn rx_error(
        &mut self,
        e: RxError,
        src: Option<IpAddr>,
        ifindex: u32,
        family: Family,
        vrid: Option<u8>,
        now: Instant,
    ) {
        self.rx_errors[e.index()] += 1;
        let slot = vrid.and_then(|v| {
            self.slots
                .iter()
                .position(|s| s.ifindex == ifindex && s.cfg.family == family && s.cfg.vrid == v)
        });
        if let Some(i) = slot {
            self.slots[i].inst.stats_mut().rejected[e.index()] += 1;
        }
        self.log_reject(slot, e, src, now);
    }

    fn log_reject(&mut self, i: Option<usize>, e: RxError, src: Option<IpAddr>, now: Instant) {
        let last = match i {
            Some(k) => &mut self.slots[k].last_reject_log,
            None => &mut self.last_global_reject_log,
        };
        if last.is_some_and(|t| now.saturating_since(t) < REJECT_LOG_INTERVAL) {
            return;
        }
        *last = Some(now);
        match i {
            Some(k) => {
                let s = &self.slots[k];
                let count = s.inst.stats().rejected[e.index()];
                let name = &s.cfg.name;
                log!(
                    self.log,
                    Level::Warning,
                    "VRRP_Instance({name}) advert rejected: {} ({count} so far)",
                    e.as_str()
                );
            }
            None => {
                let count = self.rx_errors[e.index()];
                let from = src.map(|a| a.to_string()).unwrap_or_else(|| "?".into());
                if e == RxError::Carp {
                    log!(
                        self.log,
                        Level::Warning,
                        "CARP packet from {from} ignored: CARP shares IP protocol 112 with VRRP ({count} so far)"
                    );
                } else {
                    log!(
                        self.log,
                        Level::Warning,
                        "advert from {from} dropped: {} ({count} so far)",
                        e.as_str()
                    );
                }
            }
        }
    }
}

/// Whether IPv6 forwarding is on for `ifname` (the NA Router flag). Read
/// at start-up and reload only.
fn ipv6_forwarding(ifname: &str) -> bool {
    if ifname.contains('/') || ifname.starts_with('.') {
        return false;
    }
    std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{ifname}/forwarding"))
        .is_ok_and(|v| v.trim() == "1")
}

fn load(path: &std::path::Path) -> Result<Config, StartError> {
    config::load(path)
        .map(|(c, _warnings)| c)
        .map_err(StartError::Config)
}
