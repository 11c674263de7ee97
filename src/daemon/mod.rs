//! The shell: the poll loop. It owns every fd and buffer, reads what the
//! kernel says, hands it to the router (`crate::node::Node`) as events with
//! the time, and carries out what the router pushes (through [`io::Io`]).
//! It decides nothing about VRRP itself.

mod children;
mod dumps;
mod files;
mod io;
mod mailer;
mod notes;
mod options;
mod track;
mod vipfile;
mod vmac;

use crate::config::Config;
use crate::limits::MAX_INSTANCES;
use crate::log;
use crate::node::Node;
use crate::node::Rx6;
use crate::node::out::{Out, Outbox};
use crate::node::scripts::STOP_SCRIPT_TIMEOUT;
use crate::sys::clock;
use crate::sys::log::{Level, Log};
use crate::sys::poll::{self, PollFd};
use crate::sys::raw4::Raw4;
use crate::sys::raw6::Raw6;
use crate::sys::signals::{Sig, Signals};
use crate::sys::{Errno, RX_BATCH_MSGS, RxBatch, SysError};
use crate::time::{Duration, Instant};
use crate::vrrp::State;
use crate::wire::netlink::{self as nl, NlMsg};
use crate::wire::vrrp::RxError;
use files::DumpKind;
use io::Io;

pub use options::{DumpPaths, Options, StartError, state_file_for};
use options::{log_diags, open_raw6_if_needed};

/// How long a stop waits for its STOP scripts: their timeout and a bit
/// (one constant: one Instant addition at run time, not two).
const STOP_SCRIPTS_WAIT: Duration =
    Duration::from_micros(STOP_SCRIPT_TIMEOUT.as_micros() + 100_000);
/// How long a stop waits for the kernel's acks of the last deletions.
const STOP_ACK_WAIT_MS: i32 = 50;
/// Fixed poll slots before the instance timers: raw IPv4 socket, raw IPv6
/// socket, netlink, signals, the router's timer, inotify, the mailer's
/// socket (fd -1 while idle) and its timer.
const FIXED_FDS: usize = 8;
const RAW4_FD: usize = 0;
const RAW6_FD: usize = 1;
/// The first slot a hold waits on: the raw sockets' slots come first, so
/// a hold polls the rest of the fixed slots as they are, none set aside
/// and put back (size: issue 17).
const NETLINK_FD: usize = 2;
const SIGNALS_FD: usize = 3;
const ROUTER_TIMER_FD: usize = 4;
const INOTIFY_FD: usize = 5;
const MAIL_FD: usize = 6;
const MAIL_TIMER_FD: usize = 7;
/// Rounds of follow-up work (failed sends, ended scripts, a process scan)
/// after one wake-up; what is left waits for the next poll, which then
/// does not sleep.
const FOLLOW_UP_ROUNDS: usize = 4;
/// Packets read from one socket per wake-up: a flood cannot starve timers
/// and signals.
const RX_BATCH: usize = 256;
/// After a wake-up that received adverts, the raw sockets are left alone
/// this long before they are drained again (see [`Daemon::poll_once`]).
const RX_HOLD: Duration = Duration::from_micros(1_000);
/// Holds in a row at most (a steady stream of adverts): then the loop
/// waits on every fd again.
const RX_HOLD_ROUNDS: u8 = 8;

pub struct Daemon {
    opts: Options,
    node: Node,
    io: Io,
    signals: Signals,
    pollfds: Vec<PollFd>,
    /// The raw sockets' receive buffers, made once.
    rx: Box<RxBatch>,
    nlbuf: Box<[u8; dumps::NL_BUF]>,
    /// The configuration loaded at start, as the router left it (its
    /// instances and tables taken; the track file and process lists, which
    /// the router copied, stay): kept whole for its global settings (the
    /// scripts'), not those taken out and the rest dropped, which built
    /// default settings to take their place (size: issue 17). A reload
    /// swaps in its global settings only: `global` is the running ones.
    config: Config,
    /// Track files and tracked processes.
    track: track::Tracker,
    stopping: bool,
    /// Until when the raw sockets are held (not polled), and how many
    /// holds in a row.
    rx_hold: Option<Instant>,
    rx_holds: u8,
    /// Adverts received since the wake-up that started the holds.
    rx_burst: usize,
}

/// The daemon's [`Io`] as the router's outbox (`&mut io.out()` where the
/// router takes a `&mut dyn Outbox`). Made from `&mut Io` itself, that
/// reference's vtable held Io's whole drop glue as its drop entry, which
/// nothing calls (the daemon's Io is never dropped): about 530 bytes of
/// mipsel. Through this borrow the entry does nothing (size: issue 17).
pub(super) struct IoOut<'a>(&'a mut Io);

impl Outbox for IoOut<'_> {
    fn push(&mut self, out: Out<'_>) {
        self.0.push(out);
    }
}

impl Io {
    /// This Io as the router's outbox (see [`IoOut`]).
    pub(super) fn out(&mut self) -> IoOut<'_> {
        IoOut(self)
    }
}

/// The router of `config` on the interfaces the kernel has now.
/// Dump the interfaces `config` names and build the router on them. The
/// VMACs missing from the dump are asked for first (as keepalived makes
/// them at start-up, before the instances start) and the interfaces dumped
/// again: the router is built once, on a dump that has them.
fn router(
    io: &mut Io,
    nlbuf: &mut [u8],
    config: &mut Config,
    keep: bool,
) -> Result<Node, StartError> {
    let wanted = dumps::wanted(config);
    // One dump call for the two rounds (its error path once).
    let mut asked = false;
    let ifaces = loop {
        let ifaces = dumps::interfaces(&mut io.nl_dump, nlbuf, &wanted)?;
        if asked || !crate::node::vmac::want(config.instances.iter(), &ifaces, &mut io.out()) {
            break ifaces;
        }
        asked = true;
        // Their creation's notifications are older than the dump below
        // (nothing else waits there yet: no request was sent).
        while io.nl.recv(nlbuf).is_ok_and(|n| n.is_some()) {}
    };
    drop(wanted);
    Node::new(config, ifaces, keep).map_err(|e| StartError::Interface(e.0))
}

impl Daemon {
    /// Load the configuration, open every socket, look up the interfaces
    /// and build the router. Nothing is sent yet. On an error what was
    /// made so far is not dropped (leaked, fds left open): the caller ends
    /// the process.
    ///
    /// Not inlined into main (called there directly, with no wrapper of
    /// its own): with its temporaries (the router built, then moved into
    /// the daemon) main's stack frame was 47 KB, past the 32 KB a MIPS load
    /// or store reaches from the stack pointer in one instruction, and each
    /// access to its far half took three (about 1.5 KB of code).
    #[inline(never)]
    pub fn new(opts: Options) -> Result<Daemon, StartError> {
        use core::mem::ManuallyDrop;
        // Held in ManuallyDrop until they go into the Daemon: each error
        // exit had its own drops of what was made before it.
        let opts = ManuallyDrop::new(opts);
        // First: from here a HUP or TERM waits for the poll loop. Blocked
        // after the configuration's warnings were logged, a HUP sent on
        // seeing them killed the daemon (SIGHUP's default action).
        let signals = ManuallyDrop::new(Signals::new()?);
        let mut log = Log::new(&opts.log);
        let mut config = ManuallyDrop::new(load_logged(&mut log, &opts.config)?);
        let mut io = ManuallyDrop::new(Io::open(log)?);
        io.configure_mail(&config.global);
        open_raw6_if_needed(&mut io, &config)?;
        let mut nlbuf: ManuallyDrop<Box<[u8; dumps::NL_BUF]>> =
            ManuallyDrop::new(crate::sys::zeroed_box());
        let node = ManuallyDrop::new(router(
            &mut io,
            &mut nlbuf[..],
            &mut config,
            opts.keep_vips,
        )?);
        io.ensure_timers(node.slots().len())?;
        let mut tracker = track::Tracker::default();
        tracker.configure(node.trackers(), false, &mut io.log);
        let mut d = Daemon {
            opts: ManuallyDrop::into_inner(opts),
            node: ManuallyDrop::into_inner(node),
            io: ManuallyDrop::into_inner(io),
            signals: ManuallyDrop::into_inner(signals),
            pollfds: Vec::with_capacity(FIXED_FDS + MAX_INSTANCES),
            rx: RxBatch::new(),
            nlbuf: ManuallyDrop::into_inner(nlbuf),
            config: ManuallyDrop::into_inner(config),
            track: tracker,
            stopping: false,
            rx_hold: None,
            rx_holds: 0,
            rx_burst: 0,
        };
        d.io.open_fifos(&d.config.global);
        d.rebuild_pollfds();
        Ok(d)
    }

    /// Reopen syslog, for after the process has detached.
    pub fn reopen_log(&mut self) {
        self.io.log.open_syslog();
    }

    pub fn log_mut(&mut self) -> &mut Log {
        &mut self.io.log
    }

    /// Start every instance (or schedule it after vrrp_startup_delay),
    /// after removing the VIPs a previous run recorded as installed.
    pub fn start(&mut self, now: Instant) {
        if let Some(path) = &self.opts.state_file {
            files::remove_recorded(
                &mut self.io.log,
                &mut self.io.nl_dump,
                &mut self.nlbuf[..],
                path,
            );
        }
        self.io
            .run_global_script(&mut self.signals, &self.config.global, true);
        let now = now.max(clock::now());
        // keepalived reads the track files before the instances start.
        self.track.report_all(&mut self.node, now, &mut self.io);
        self.node.start(now, &mut self.io.out());
        self.io.installed_changed = true;
        self.after_events(now);
    }

    /// Run until a stop signal has been handled. A poll that fails is
    /// logged and stops the daemon as a stop signal does (through
    /// on_signal: [`Self::stop`] then has one caller in the binary, which
    /// takes it inline; size: issue 17); its error is returned.
    pub fn run(&mut self) -> Result<(), SysError> {
        self.start(clock::now());
        while !self.stopping {
            if let Err(e) = self.poll_once(-1) {
                log!(self.io.log, Level::Error, "poll loop failed: {e}");
                self.on_signal(Sig::Stop, clock::now());
                return Err(e);
            }
        }
        Ok(())
    }

    pub fn stopping(&self) -> bool {
        self.stopping
    }

    /// Wait for one round of events (at most `timeout_ms`, -1 for no limit)
    /// and handle them.
    ///
    /// Batched receive: a master sends its instances' adverts in one burst
    /// per tick, which takes a while to cross the LAN. Woken by the first
    /// adverts, the loop takes what is there at once (an advert after a
    /// quiet spell, such as a priority-0 one, waits for nothing), then holds
    /// the raw sockets for [`RX_HOLD`]: it waits on the other fixed fds
    /// only, its timeout cut at the earliest instance timer (whose expiry
    /// it then reads as a timerfd that fired), and drains the sockets
    /// after. A burst costs two or three wake-ups, not one per few adverts,
    /// and no poll over every instance's timerfd in between.
    pub fn poll_once(&mut self, timeout_ms: i32) -> Result<(), SysError> {
        let timeout_ms = if self.io.scan_requested {
            0
        } else {
            timeout_ms
        };
        if let Some(p) = self.pollfds.get_mut(MAIL_FD) {
            *p = self.io.mailer.pollfd();
        }
        let held = self.rx_hold.take();
        match held {
            Some(until) => self.poll_held(until, timeout_ms)?,
            None => {
                poll::poll(&mut self.pollfds, timeout_ms)?;
            }
        }
        let now = clock::now();
        let mut got = 0;
        if held.is_some() || self.pollfds.get(RAW4_FD).is_some_and(poll::readable) {
            got += self.receive_adverts(false, now);
        }
        if self.pollfds.get(NETLINK_FD).is_some_and(poll::readable) {
            self.receive_netlink(now);
        }
        if held.is_some() || self.pollfds.get(RAW6_FD).is_some_and(poll::readable) {
            got += self.receive_adverts(true, now);
        }
        // Answers to this round's adverts leave before a signal's work (a
        // reload may take a while).
        self.io.flush_adverts();
        if self.pollfds.get(SIGNALS_FD).is_some_and(poll::readable) {
            while let Some(sig) = self.signals.read() {
                self.on_signal(sig, now);
                if self.stopping {
                    return Ok(());
                }
            }
        }
        self.tracking_events(now);
        self.instance_timers(held.is_some(), now);
        self.hold_rx(held.is_some(), got, now);
        self.after_events(now);
        Ok(())
    }

    /// Whether the next round holds the raw sockets: after adverts came,
    /// while fewer came since the first than there are instances (one
    /// instance's advert is all there is: no hold), at most
    /// [`RX_HOLD_ROUNDS`] times in a row.
    fn hold_rx(&mut self, held: bool, got: usize, now: Instant) {
        if held {
            self.rx_holds += 1;
            self.rx_burst += got;
        } else {
            self.rx_holds = 0;
            self.rx_burst = got;
        }
        let more = self.rx_burst < self.node.slots().len();
        if got > 0 && more && self.rx_holds < RX_HOLD_ROUNDS {
            self.rx_hold = Some(now + RX_HOLD);
        }
    }

    /// The wait of a hold: the fixed fds but the raw sockets, until `until`
    /// or the earliest instance timer (or `timeout_ms`), whichever comes
    /// first.
    fn poll_held(&mut self, until: Instant, timeout_ms: i32) -> Result<(), SysError> {
        let now = clock::now();
        let mut end = until;
        for t in &self.io.timers {
            end = t.armed().map_or(end, |a| a.min(end));
        }
        let mut wait = end.saturating_since(now);
        if let Ok(ms) = u64::try_from(timeout_ms) {
            wait = wait.min(Duration::from_millis(ms));
        }
        // The fixed slots after the raw sockets'. The slots left out keep
        // the revents of an earlier poll, which nothing reads after a hold:
        // the raw sockets are drained whatever their slots say, and the
        // instance timers' expiries are taken by their armed times.
        let fixed = self.pollfds.len().min(FIXED_FDS);
        let rest = self.pollfds.get_mut(NETLINK_FD..fixed).unwrap_or_default();
        poll::ppoll(rest, wait).map(|_| ())
    }

    /// The instances' timers that fired: by poll's word (during a hold,
    /// their fds not polled, by their armed time alone), and only when
    /// still armed for a time that has come: one re-armed since it fired
    /// (the router caught it up) has nothing to say. The expiry is read
    /// only when the router did not re-arm the timer: re-arming clears it,
    /// so a master's advert timer costs no read(2).
    fn instance_timers(&mut self, held: bool, now: Instant) {
        for i in 0..self.node.slots().len() {
            let Some(t) = self.io.timers.get_mut(i) else {
                break;
            };
            if !held && !self.pollfds.get(FIXED_FDS + i).is_some_and(poll::readable) {
                continue;
            }
            if t.armed().is_none_or(|a| a > now) {
                if !held && t.armed().is_none() {
                    // Readable and disarmed: nothing to wait for.
                    t.clear();
                }
                continue;
            }
            t.expiring();
            self.node.on_timer(i, now, &mut self.io.out());
            if let Some(t) = self.io.timers.get_mut(i) {
                t.expired();
            }
        }
    }

    /// The router's timer and the track files' inotify events.
    fn tracking_events(&mut self, now: Instant) {
        if self
            .pollfds
            .get(ROUTER_TIMER_FD)
            .is_some_and(poll::readable)
        {
            self.io.router_timer.clear();
            self.node.on_router_timer(now, &mut self.io.out());
        }
        if self.pollfds.get(INOTIFY_FD).is_some_and(poll::readable) {
            self.track.on_inotify(&mut self.node, now, &mut self.io);
        }
        let io = &mut self.io;
        if self.pollfds.get(MAIL_FD).is_some_and(|p| p.revents != 0) {
            io.mailer.on_ready(&mut io.log);
        }
        if self.pollfds.get(MAIL_TIMER_FD).is_some_and(poll::readable) {
            io.mailer.on_timer(&mut io.log);
        }
    }

    /// What the outputs of this round left to do ([`Self::follow_up`]),
    /// then the VIP record rewritten if it changed.
    fn after_events(&mut self, now: Instant) {
        self.follow_up(now);
        self.record_installed();
    }

    /// Failed sends go back to the router as failed acks, ended scripts as
    /// their ends, a process scan asked for is done, and interfaces that
    /// appeared get their IPv6 forwarding read. The queued adverts leave
    /// before anything slow (a process scan) and at the end: none waits
    /// while the loop sleeps. (Every other output sends them first, so the
    /// acks' and ends' own work does not hold them.)
    fn follow_up(&mut self, now: Instant) {
        for _ in 0..FOLLOW_UP_ROUNDS {
            let failed = core::mem::take(&mut self.io.send_failed);
            let ended = self.io.children.ended.len();
            let scan = core::mem::take(&mut self.io.scan_requested);
            if failed.is_empty() && ended == 0 && !scan {
                break;
            }
            for &(seq, errno) in &failed {
                self.node.on_ack(seq, errno, now, &mut self.io.out());
            }
            self.give_ended(ended, now);
            if scan {
                // Not behind the walk of /proc.
                self.io.flush_adverts();
                self.scan(now);
            }
        }
        // The rest queues no adverts.
        self.io.flush_adverts();
        // Popped (in any order: each name is read on its own), not the list
        // moved out and iterated.
        while let Some(name) = self.io.read_router6.pop() {
            self.node.set_router6(&name, dumps::ipv6_forwarding(&name));
        }
    }

    /// Rewrite the VIP record if the installed set changed since.
    fn record_installed(&mut self) {
        if core::mem::take(&mut self.io.installed_changed) {
            if let Some(path) = &self.opts.state_file {
                files::record_installed(&mut self.io.log, &self.node, path);
            }
        }
    }

    fn scan(&mut self, now: Instant) {
        self.track.scan(&mut self.node, now, &mut self.io);
    }

    /// Packets dropped per reason before they reached an instance.
    pub fn rx_errors(&self) -> &[u64; RxError::ALL.len()] {
        self.node.rx_errors()
    }

    /// Instance names and counters, for tests and dumps.
    pub fn stats(&self) -> impl Iterator<Item = (&str, &crate::vrrp::Stats)> {
        self.node
            .slots()
            .iter()
            .map(|s| (s.cfg.name.as_str(), s.inst.stats()))
    }

    /// Mails the SMTP server took, and mails lost (failed or dropped).
    pub fn mails(&self) -> (u64, u64) {
        (self.io.mailer.sent, self.io.mailer.lost)
    }

    /// Instance names and states, for tests and dumps.
    pub fn states(&self) -> impl Iterator<Item = (&str, State)> {
        self.node
            .slots()
            .iter()
            .map(|s| (s.cfg.name.as_str(), s.inst.state()))
    }

    fn rebuild_pollfds(&mut self) {
        self.pollfds.clear();
        self.pollfds.push(poll::pollfd(self.io.raw4.as_raw_fd()));
        // A negative fd is a slot poll(2) skips.
        let fd6 = self.io.raw6.as_ref().map_or(-1, |r| r.as_raw_fd());
        self.pollfds.push(poll::pollfd(fd6));
        self.pollfds.push(poll::pollfd(self.io.nl.as_raw_fd()));
        self.pollfds.push(poll::pollfd(self.signals.as_raw_fd()));
        self.pollfds
            .push(poll::pollfd(self.io.router_timer.as_raw_fd()));
        self.pollfds.push(poll::pollfd(self.track.fd()));
        self.pollfds.push(self.io.mailer.pollfd());
        self.pollfds.push(poll::pollfd(self.io.mailer.timer_fd()));
        let timers = &self.io.timers;
        for t in timers.get(..self.node.slots().len()).unwrap_or(timers) {
            self.pollfds.push(poll::pollfd(t.as_raw_fd()));
        }
    }

    // Not inlined: inside poll_once's signal loop, its reload and dump code
    // made the loop keep ~400 addresses in stack slots (mipsel -256).
    #[inline(never)]
    fn on_signal(&mut self, sig: Sig, now: Instant) {
        let kind = match sig {
            Sig::Stop => return self.stop(now),
            Sig::Reload => return self.reload(),
            Sig::DumpData => DumpKind::Data,
            Sig::DumpStats => DumpKind::Stats,
            Sig::DumpJson => DumpKind::Json,
            Sig::Child => return self.io.children.reap(&mut self.io.log),
        };
        files::dump(&mut self.io.log, &self.node, &self.opts.dumps, kind, now);
    }

    /// Release everything: priority 0 from masters, VIPs removed (unless
    /// `-V`), and wait briefly for the kernel's acks.
    pub fn stop(&mut self, now: Instant) {
        log!(self.io.log, Level::Info, "Stopping");
        // keepalived SIGTERMs every script before the instances stop, the
        // FIFO scripts too (their reader is gone before the STOP lines).
        self.io.stop_fifo_scripts();
        self.node.stop(now, &mut self.io.out());
        // The priority-0 adverts leave now, not after the scripts' wait.
        self.io.flush_adverts();
        // keepalived sends no mail once it stops (nor does it wait).
        self.io.mailer.stop();
        self.wait_for_scripts();
        self.io
            .run_global_script(&mut self.signals, &self.config.global, false);
        // Deletions are done by the time sendmsg returns; the acks only
        // tell us whether they worked. Read what is there, briefly.
        if self.io.nl.wait(STOP_ACK_WAIT_MS).unwrap_or(false) {
            self.receive_netlink(now);
        }
        self.follow_up(now);
        self.io.close_fifos();
        // The record: kept (rewritten if it changed) while VIPs stay (-V),
        // else removed, not rewritten first (a write and a rename less on
        // the way out: 7.5 ms of a 20 ms exit on a disk-backed /tmp).
        if self.node.installed().next().is_some() {
            self.record_installed();
        } else if let Some(p) = &self.opts.state_file {
            crate::sys::file::remove(p);
        }
        self.stopping = true;
        log!(self.io.log, Level::Info, "Stopped");
    }

    /// On stop: the STOP scripts run, for at most their timeout (keepalived
    /// kills them after a second); then every child left is killed.
    fn wait_for_scripts(&mut self) {
        let deadline = clock::now() + STOP_SCRIPTS_WAIT;
        while !self.io.children.is_empty() && clock::now() < deadline {
            let io = &mut self.io;
            io.children
                .wait_some(&mut self.signals, &mut io.log, deadline);
            let ended = self.io.children.ended.len();
            self.give_ended(ended, clock::now());
        }
        self.io.children.kill_all();
    }

    /// The first `n` children that ended, to whom they belong: a FIFO
    /// script's end (or the startup/shutdown script's) is the shell's, the
    /// others' the router's. Taken from
    /// the front one at a time, not the list moved out (copies of 388
    /// bytes): ends added meanwhile wait for the next round, as before.
    fn give_ended(&mut self, n: usize, now: Instant) {
        for _ in 0..n {
            let Some((id, end)) = self.io.children.ended.pop_at(0) else {
                break;
            };
            if !self.io.fifo_script_ended(id) {
                self.node.on_script_end(id, end, now, &mut self.io.out());
            }
        }
    }

    fn reload(&mut self) {
        let path = crate::config::path_text(&self.opts.config);
        log!(
            self.io.log,
            Level::Info,
            "Reloading configuration from {path}"
        );
        // Scripts are prepared again: their files or users may have changed.
        self.io.children.forget_prepared();
        match self.try_reload() {
            Ok(()) => log!(self.io.log, Level::Info, "Reload done"),
            Err(e) => {
                let log = &mut self.io.log;
                log!(
                    log,
                    Level::Error,
                    "Reload failed, keeping the running configuration:"
                );
                match &e {
                    StartError::Config(diags) => log_diags(log, diags),
                    // Not a Config error: its text through why(), not the Display
                    // that also formats diagnostics (size: issue 17).
                    other => log!(log, Level::Error, "{}", other.why()),
                }
            }
        }
    }

    /// Load, plan, make sure the plan's fds exist, then apply: anything
    /// that fails before the apply leaves the running router untouched.
    fn try_reload(&mut self) -> Result<(), StartError> {
        let mut config = load_logged(&mut self.io.log, &self.opts.config)?;
        open_raw6_if_needed(&mut self.io, &config)?;
        let now = clock::now();
        let wanted = dumps::wanted(&config);
        // One dump call for the two rounds (its error path once).
        let mut vmacs_asked = false;
        let ifaces = loop {
            // Loading can take a while (a large include): first act on the
            // link and address changes that came meanwhile, in order and
            // with the running configuration, so that the dump below is
            // newer than all the instances have seen. After new VMACs were
            // asked for, their creation's notifications go to the running
            // router (for which they are no news) before the second dump.
            self.receive_netlink(now);
            let ifaces = dumps::interfaces(&mut self.io.nl_dump, &mut self.nlbuf[..], &wanted)?;
            if vmacs_asked {
                break ifaces;
            }
            vmacs_asked = true;
            // New VMACs (names not taken) before the new instances start.
            let new_vmacs = config.instances.iter().filter(|c| {
                c.vmac
                    .as_ref()
                    .is_some_and(|v| !ifaces.by_name(&v.name).is_some_and(|f| f.exists()))
            });
            if !crate::node::vmac::want(new_vmacs, &ifaces, &mut self.io.out()) {
                break ifaces;
            }
        };
        let plan = self
            .node
            .plan_reload(&mut config, &ifaces)
            .map_err(|e| StartError::Interface(e.0))?;
        self.io.ensure_timers(plan.len())?;
        // As keepalived: FIFOs reopened (their scripts restarted) before
        // the removed instances report, so the new reader gets DELETED.
        let global = &plan.config().global;
        self.io.open_fifos(global);
        // Mails not yet started go with the new settings.
        self.io.configure_mail(global);
        self.node
            .apply_reload(plan, ifaces, now, &mut self.io.out());
        // Not behind the tracking files' reads below.
        self.io.flush_adverts();
        // The plan is done with them: swapped in, not cloned (GlobalDefs'
        // clone was then the binary's only one); the old ones go with the
        // rest of `config`, in one drop of it, not a drop per field left
        // after a move out of it (size: issue 17).
        core::mem::swap(&mut self.config.global, &mut config.global);
        // Those whose name was held by an instance the reload removed (their
        // instances wait in FAULT for the notifications).
        self.node.make_vmacs(&mut self.io.out());
        self.track
            .configure(self.node.trackers(), true, &mut self.io.log);
        self.track.report_all(&mut self.node, now, &mut self.io);
        let n = self.node.slots().len();
        for t in self.io.timers.get_mut(n..).unwrap_or_default() {
            let _ = t.set(None);
        }
        self.rebuild_pollfds();
        self.after_events(now);
        Ok(())
    }

    // ---- receiving ---------------------------------------------------

    fn receive_netlink(&mut self, now: Instant) {
        for _ in 0..64 {
            let n = match self.io.nl.recv(&mut self.nlbuf[..]) {
                Ok(Some(n)) => n,
                Ok(None) => return,
                Err(e) => {
                    log!(self.io.log, Level::Warning, "netlink: {e}");
                    if e.errno == Errno::ENOBUFS {
                        // Notifications were lost: read the links afresh.
                        self.resync(now);
                    }
                    return;
                }
            };
            let buf = self.nlbuf.get(..n).unwrap_or_default();
            for m in nl::messages(buf).ok() {
                match m.parse() {
                    Ok(NlMsg::Ack(a)) => self.node.on_ack(a.seq, a.errno, now, &mut self.io.out()),
                    Ok(NlMsg::Link(l)) => self.node.on_link(&l, now, &mut self.io.out()),
                    Ok(NlMsg::Addr(a)) => self.node.on_addr(&a, now, &mut self.io.out()),
                    _ => {}
                }
            }
            // What these messages made the router send leaves before
            // anything else (a resync's dump, a reload's).
            self.io.flush_adverts();
        }
    }

    /// After lost notifications: dump the interfaces again.
    fn resync(&mut self, now: Instant) {
        let known = self.node.ifaces();
        // Pushed, with the Vec<&str> code dumps::wanted has, not collected
        // through an iterator adapter of its own.
        let mut wanted: Vec<&str> = Vec::with_capacity(known.len());
        for f in known.iter() {
            wanted.push(f.name.as_str());
        }
        match dumps::interfaces(&mut self.io.nl_dump, &mut self.nlbuf[..], &wanted) {
            Ok(fresh) => self.node.on_resync(fresh, now, &mut self.io.out()),
            // Never a Config error (a dump): its text through why().
            Err(e) => log!(
                self.io.log,
                Level::Warning,
                "re-reading the interfaces: {}",
                e.why()
            ),
        }
    }

    /// Drain the raw IPv4 socket, or with `v6` the raw IPv6 one when open
    /// (see [`drain`]); how many packets came. One function for both: one
    /// copy of the loop and of its log line.
    fn receive_adverts(&mut self, v6: bool, now: Instant) -> usize {
        let (rx, node, io) = (&mut self.rx, &mut self.node, &mut self.io);
        let (got, err) = drain(|left| {
            let n = match (v6, &io.raw6) {
                (false, _) => io.raw4.recv_batch(rx, left)?,
                (true, Some(raw6)) => raw6.recv_batch(rx, left)?,
                (true, None) => 0,
            };
            for i in 0..n {
                if v6 {
                    let (payload, meta) = Raw6::packet(rx, i);
                    let rx6 = Rx6 {
                        payload,
                        src: meta.src,
                        dst: meta.dst,
                        hop_limit: meta.hop_limit,
                        ifindex: meta.ifindex,
                    };
                    node.on_rx6(rx6, now, &mut io.out());
                } else {
                    let (packet, ifindex) = Raw4::packet(rx, i);
                    node.on_rx4(packet, ifindex, now, &mut io.out());
                }
            }
            Ok(n)
        });
        if let Some(e) = err {
            let what = if v6 { "IPv6 adverts" } else { "adverts" };
            log!(self.io.log, Level::Warning, "receiving {what}: {e}");
        }
        got
    }
}

/// Drain a raw socket: `batch(left)` receives one batch of at most `left`
/// (one `recvmmsg`, up to [`RX_BATCH_MSGS`]), hands it to the router and
/// says how many came; at most RX_BATCH packets per wake-up. A batch that
/// comes back short emptied the socket: no call just to see EAGAIN. How
/// many came, and the error that stopped it.
fn drain(mut batch: impl FnMut(usize) -> Result<usize, SysError>) -> (usize, Option<SysError>) {
    let mut left = RX_BATCH;
    while left > 0 {
        match batch(left) {
            Ok(n) => {
                left -= n.min(left);
                if n < RX_BATCH_MSGS {
                    break;
                }
            }
            Err(e) => return (RX_BATCH - left, Some(e)),
        }
    }
    (RX_BATCH - left, None)
}

/// Load the configuration, log its warnings and settle its default script
/// user: the same steps at start-up and on a reload, in one place. The
/// warnings are logged: under procd nobody sees `-t`, so an ignored
/// keyword must reach logread.
fn load_logged(log: &mut Log, path: &std::path::Path) -> Result<Config, StartError> {
    // Matched here, not mapped and then taken apart: the loaded
    // configuration is not copied through a Result of its own (size:
    // issue 17).
    let (mut config, warnings) = match crate::config::load(path) {
        Ok(loaded) => loaded,
        Err(diags) => return Err(StartError::Config(diags)),
    };
    log_diags(log, &warnings);
    default_script_user(log, &mut config);
    Ok(config)
}

/// `script_user` when not given: keepalived's default user, if it exists
/// (see children::default_script_user).
fn default_script_user(log: &mut Log, config: &mut Config) {
    let exists = |u: &str| crate::sys::child::lookup_ids(u, None).is_some();
    for &(level, line) in children::default_script_user(config, exists) {
        log!(log, level, "{line}");
    }
}
