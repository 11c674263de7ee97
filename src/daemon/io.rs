//! The shell's hands: every socket the router's outputs go through, the
//! transmit buffer and one timer per instance. [`Io`] is the [`Outbox`]
//! the `Node` pushes to; each output is carried out at once.

use core::mem::ManuallyDrop;
use core::net::IpAddr;

use arrayvec::ArrayVec;

use super::children::{Children, Start};
use super::mailer::Mailer;
use super::notes::Line;
use crate::config::GlobalDefs;
use crate::limits::{MAX_INSTANCES, PACKET_BUF};
use crate::log;
use crate::node::out::{AddrReq, Loudness, Out, Outbox, RouteReq, RuleReq};
use crate::sys::clock;
use crate::sys::fifo;
use crate::sys::log::{Level, Log};
use crate::sys::netlink::Netlink;
use crate::sys::packet::PacketSock;
use crate::sys::raw4::Raw4;
use crate::sys::raw6::Raw6;
use crate::sys::signals::Signals;
use crate::sys::timer::Timer;
use crate::sys::{Errno, SysError, TX_BATCH, TxBatch};
use crate::time::Duration;
use crate::wire::netlink::{self as nl, AddrRequest};
use crate::wire::vrrp::{Advert, ChecksumForm};
use crate::wire::{EmitError, Mac, arp, ipv4, ndisc};
use std::os::fd::OwnedFd;

/// The name of an [`EmitError`] variant, as `{:?}` wrote it (the
/// release build formats no Debug: `-Zfmt-debug=none`).
pub(super) fn emit_error_name(e: EmitError) -> &'static str {
    match e {
        EmitError::BufferTooSmall => "BufferTooSmall",
        EmitError::TooLong => "TooLong",
        EmitError::BadFamily => "BadFamily",
    }
}

/// Address requests whose send failed in one round, reported back to the
/// router as failed acks (more are counted and dropped).
const MAX_SEND_FAILURES: usize = 16;

/// Child ids of the FIFO scripts, a fresh one per start (so the end of a
/// script a reload replaced is not taken for its successor's): counting
/// down from below u32::MAX (the startup/shutdown script) through
/// FIFO_SCRIPT_ID_SPAN ids; the router's count up from 1.
const FIFO_SCRIPT_ID_TOP: u32 = u32::MAX - 1;
const FIFO_SCRIPT_ID_SPAN: u32 = 1 << 20;
const FIFO_SCRIPT_NAMES: [&str; 2] = ["notify fifo script", "vrrp notify fifo script"];

/// Bytes of instance names the queued adverts keep for their error lines:
/// a batch ends early when the next name does not fit. A name is a word of
/// a configuration line, at most MAX_CONFIG_LINE bytes as read, so the
/// buffer reserved at open does not grow (a longer name, made by a $PARAM
/// expansion, grows it once).
const TX_NAMES: usize = crate::limits::MAX_CONFIG_LINE;

pub struct Io {
    pub log: Log,
    pub raw4: Raw4,
    /// Opened only when an instance runs IPv6: an IPv4-only configuration
    /// starts on a kernel without IPv6.
    pub raw6: Option<Raw6>,
    pub packet: PacketSock,
    /// Netlink events (links, addresses) and our address requests' acks.
    pub nl: Netlink,
    /// Dumps and start-up requests, subscribed to nothing.
    pub nl_dump: Netlink,
    /// One per instance, by slot index.
    pub timers: Vec<Timer>,
    /// The router's own timer (tracking: check scripts, process scans).
    pub router_timer: Timer,
    /// The router asked for a process scan (done after this round's
    /// events, by the loop, which owns the tracker).
    pub scan_requested: bool,
    /// Also where the VMAC requests are built (daemon/vmac.rs).
    pub(super) tx: Box<[u8; PACKET_BUF]>,
    /// Adverts waiting to leave with one `sendmmsg` (see
    /// [`Io::flush_adverts`]), and their instances' names for the error
    /// lines: copied into `tx_names` (reserved at open, never grown),
    /// `tx_name_ends` where each ends.
    txb: Box<TxBatch>,
    tx_names: Vec<u8>,
    tx_name_ends: ArrayVec<usize, TX_BATCH>,
    /// Address requests that could not be sent: (sequence, errno).
    pub send_failed: ArrayVec<(u32, i32), MAX_SEND_FAILURES>,
    /// The router's set of installed VIPs changed since the last record.
    pub installed_changed: bool,
    /// The notify scripts running.
    pub children: Children,
    /// `notify_fifo` and `vrrp_notify_fifo`, open.
    fifos: ArrayVec<OwnedFd, 2>,
    /// The ids of the FIFO scripts believed running (`notify_fifo_script`,
    /// `vrrp_notify_fifo_script`), and how many were started.
    fifo_scripts: [Option<u32>; 2],
    fifo_started: u32,
    /// FIFOs this daemon created: unlinked when closed, as keepalived does,
    /// so that a reader left over from before a reload (or a stop) cannot
    /// take lines meant for the new one.
    fifo_created: ArrayVec<String, 2>,
    /// Lines a full FIFO (no reader keeping up) did not take.
    pub fifo_dropped: u64,
    /// Interfaces whose IPv6 forwarding setting must be read.
    pub read_router6: ArrayVec<arrayvec::ArrayString<16>, 4>,
    /// The base interfaces of our IPv4 VMACs: their settings to restore.
    pub vmac_bases: Vec<super::vmac::Base>,
    /// Sends the router's mails (`smtp_alert`).
    pub mailer: Mailer,
}

impl Io {
    /// On an error, what was opened before it is not dropped (leaked, fds
    /// left open), as in Daemon::new, whose caller ends the process.
    pub fn open(log: Log) -> Result<Io, SysError> {
        // The fallible opens first, each held in a ManuallyDrop until the
        // Io is made: an error exit has no buffer to free and no fds to
        // close (each had its own closes: size: issue 17).
        let log = ManuallyDrop::new(log);
        let raw4 = ManuallyDrop::new(Raw4::open()?);
        let packet = ManuallyDrop::new(PacketSock::open()?);
        let nl = ManuallyDrop::new(Netlink::open_events()?);
        let nl_dump = ManuallyDrop::new(Netlink::open_requests()?);
        let router_timer = ManuallyDrop::new(Timer::new()?);
        Ok(Io {
            mailer: Mailer::new()?,
            raw4: ManuallyDrop::into_inner(raw4),
            packet: ManuallyDrop::into_inner(packet),
            nl: ManuallyDrop::into_inner(nl),
            nl_dump: ManuallyDrop::into_inner(nl_dump),
            router_timer: ManuallyDrop::into_inner(router_timer),
            log: ManuallyDrop::into_inner(log),
            raw6: None,
            timers: Vec::with_capacity(MAX_INSTANCES),
            scan_requested: false,
            tx: crate::sys::zeroed_box(),
            txb: TxBatch::new(),
            tx_names: Vec::with_capacity(TX_NAMES),
            tx_name_ends: ArrayVec::new(),
            send_failed: ArrayVec::new(),
            installed_changed: false,
            read_router6: ArrayVec::new(),
            vmac_bases: Vec::new(),
            children: Children::default(),
            fifos: ArrayVec::new(),
            fifo_scripts: [None; 2],
            fifo_started: 0,
            fifo_created: ArrayVec::new(),
            fifo_dropped: 0,
        })
    }

    /// The mail settings of a load or reload.
    pub fn configure_mail(&mut self, g: &GlobalDefs) {
        self.mailer.configure(g, &mut self.log);
    }

    /// At least `n` timers, one per instance (a reload's plan is applied
    /// only once they exist).
    pub fn ensure_timers(&mut self, n: usize) -> Result<(), SysError> {
        while self.timers.len() < n {
            self.timers.push(Timer::new()?);
        }
        Ok(())
    }

    /// Build an advert and queue it: it leaves with the rest of the
    /// round's adverts in one `sendmmsg` ([`Io::flush_adverts`]), before
    /// any other output of the round (every other output flushes first),
    /// and at the latest when the loop has handled the round's events.
    #[allow(clippy::too_many_arguments)]
    fn send_advert(
        &mut self,
        name: &str,
        ifindex: u32,
        src: IpAddr,
        dst: IpAddr,
        adv: &Advert,
        form: ChecksumForm,
        ident: u16,
    ) {
        // One emit of the advert for both families: after the IPv4 header
        // (built once its length is known), or at the start for IPv6.
        let (off, fd) = match (src, dst, &self.raw6) {
            (IpAddr::V4(_), IpAddr::V4(_), _) => (ipv4::HEADER_LEN, self.raw4.as_raw_fd()),
            (IpAddr::V6(_), IpAddr::V6(_), Some(r)) => (0, r.as_raw_fd()),
            _ => return,
        };
        if !self.txb.takes(fd) || self.tx_names.len() + name.len() > TX_NAMES {
            self.flush_adverts();
        }
        let (hdr, body) = self.txb.next_buf().split_at_mut(off);
        let len = adv
            .emit(body, src, dst, form)
            .ok()
            .and_then(|n| match (src, dst) {
                (IpAddr::V4(src4), IpAddr::V4(dst4)) => {
                    let h = ipv4::Repr::vrrp(src4, dst4, n, ident).emit(hdr).ok()?;
                    Some(h + n)
                }
                _ => Some(n),
            });
        match (len, src, dst, &self.raw6) {
            (None, ..) => {
                let e = SysError::new("building advert", Errno::EMSGSIZE);
                return instance_failed(&mut self.log, name, ADVERT_FAILED, e);
            }
            (Some(len), _, IpAddr::V4(dst4), _) => {
                self.raw4.queue(&mut self.txb, len, dst4, ifindex)
            }
            (Some(len), IpAddr::V6(src6), IpAddr::V6(dst6), Some(r)) => {
                r.queue(&mut self.txb, len, src6, dst6, ifindex)
            }
            _ => return,
        }
        self.tx_names.extend_from_slice(name.as_bytes());
        let _ = self.tx_name_ends.try_push(self.tx_names.len());
    }

    /// Send the queued adverts: one `sendmmsg` for all, and one more past
    /// each that failed (its error logged with its instance's name).
    pub fn flush_adverts(&mut self) {
        let n = self.txb.len();
        let mut at = 0;
        while at < n {
            match self.txb.send_from(at) {
                Ok(sent) => at += sent,
                Err(e) => {
                    let ends = &self.tx_name_ends;
                    let start = ends.get(at.wrapping_sub(1)).copied().unwrap_or(0);
                    let end = ends.get(at).copied().unwrap_or(start);
                    let name = self.tx_names.get(start..end).unwrap_or_default();
                    let name = core::str::from_utf8(name).unwrap_or_default();
                    instance_failed(&mut self.log, name, ADVERT_FAILED, e);
                    at += 1;
                }
            }
        }
        self.txb.clear();
        self.tx_names.clear();
        self.tx_name_ends.clear();
    }

    fn send_garp(
        &mut self,
        name: &str,
        ifindex: u32,
        mac: Mac,
        addr: IpAddr,
        count: u32,
        router: bool,
    ) {
        let (len, dst, ethertype) = match addr {
            IpAddr::V4(v4) => {
                let r = arp::Repr::gratuitous(mac, v4);
                (r.emit(&mut self.tx[..]), arp::BROADCAST, arp::ETHERTYPE_ARP)
            }
            IpAddr::V6(v6) => {
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
            return;
        };
        for _ in 0..count {
            if let Err(e) = self.packet.send(&self.tx[..len], ifindex, dst, ethertype) {
                instance_failed(&mut self.log, name, "gratuitous ARP", e);
                break;
            }
        }
    }

    fn addr(&mut self, name: &str, req: &AddrReq<'_>) {
        let r = AddrRequest {
            index: req.ifindex,
            addr: req.addr,
            prefix_len: req.prefix_len,
            scope: req.scope,
            broadcast: req.brd,
            label: req.label,
        };
        let built = if req.add {
            nl::new_addr(&mut self.tx[..], req.seq, &r)
        } else {
            nl::del_addr(&mut self.tx[..], req.seq, &r)
        };
        // A request that cannot be built (a label the kernel would refuse)
        // fails like a refused one: logged, and the router told. One push
        // of the failed ack for both (size: issue 17).
        let errno = match built {
            Err(_) => {
                log!(
                    self.log,
                    Level::Error,
                    "VRRP_Instance({name}) address request for {} cannot be built",
                    crate::wire::addr::Ip(req.addr)
                );
                libc::EINVAL
            }
            Ok(len) => match self.nl.send(&self.tx[..len]) {
                Ok(()) => return,
                Err(e) => {
                    let errno = e.errno as i32;
                    instance_failed(&mut self.log, name, "address request", e);
                    errno
                }
            },
        };
        let _ = self.send_failed.try_push((req.seq, errno));
    }

    fn route(&mut self, name: &str, req: &RouteReq<'_>) {
        let r = crate::node::routes::route_request(req.route, req.oif);
        let built = if req.add {
            crate::wire::route::new_route(&mut self.tx[..], req.seq, &r)
        } else {
            crate::wire::route::del_route(&mut self.tx[..], req.seq, &r)
        };
        self.send_built(name, "route", req.seq, built);
    }

    fn rule(&mut self, name: &str, req: &RuleReq<'_>) {
        let r = crate::node::routes::rule_request(req.rule);
        let built = if req.add {
            crate::wire::route::new_rule(&mut self.tx[..], req.seq, &r)
        } else {
            crate::wire::route::del_rule(&mut self.tx[..], req.seq, &r)
        };
        self.send_built(name, "rule", req.seq, built);
    }

    /// Send a route or rule request built in `tx`: one that could not be
    /// built is logged; a send that fails is logged and goes back to the
    /// router as a failed ack of `seq`.
    fn send_built(&mut self, name: &str, what: &str, seq: u32, built: Result<usize, EmitError>) {
        let len = match built {
            Ok(len) => len,
            Err(e) => {
                let e = emit_error_name(e);
                log!(
                    self.log,
                    Level::Error,
                    "({name}) {what} request not sent: Err({e})"
                );
                return;
            }
        };
        if let Err(e) = self.nl.send(&self.tx[..len]) {
            log!(self.log, Level::Error, "({name}) {what} request: {e}");
            let _ = self.send_failed.try_push((seq, e.errno as i32));
        }
    }

    fn group(&mut self, join: bool, ifindex: u32, group: IpAddr) {
        let r = match (group, &self.raw6) {
            // One call each, join or leave (size: issue 17).
            (IpAddr::V4(g), _) => self.raw4.membership(g, ifindex, join),
            (IpAddr::V6(g), Some(r6)) => r6.membership(g, ifindex, join),
            (IpAddr::V6(_), None) => Ok(()),
        };
        if let Err(e) = r {
            let (level, verb) = match join {
                true => (Level::Error, "joining"),
                false => (Level::Debug, "leaving"),
            };
            log!(
                self.log,
                level,
                "{verb} the VRRP group on ifindex {ifindex}: {e}"
            );
        }
    }

    /// (Re)open the notify FIFOs the configuration names, creating them
    /// when missing; one that cannot be opened is logged and skipped. As
    /// keepalived 2.2.7 does (lib/notify.c fifo_open, vrrp_daemon.c
    /// reload_vrrp_thread), each FIFO's script is started with the FIFO's
    /// path as its last argument, and on a reload the old ones get
    /// SIGTERM first and new ones start (they are never restarted
    /// otherwise).
    pub fn open_fifos(&mut self, g: &GlobalDefs) {
        self.stop_fifo_scripts();
        self.close_fifos();
        let both = [
            (&g.notify_fifo, &g.notify_fifo_script),
            (&g.vrrp_notify_fifo, &g.vrrp_notify_fifo_script),
        ];
        for (k, (path, script)) in both.into_iter().enumerate() {
            let Some(path) = path else {
                continue;
            };
            match fifo::open(path) {
                // Never full: two FIFOs at most, after close_fifos.
                Ok((f, created)) => {
                    self.fifos.push(f);
                    if created {
                        self.fifo_created.push(path.clone());
                    }
                }
                Err(e) => {
                    // The String, not a reference to it: no forwarding
                    // Display of its own (size: issue 17).
                    log!(self.log, Level::Error, "notify fifo {}: {e}", *path);
                    continue;
                }
            }
            if let Some(s) = script {
                self.fifo_started = self.fifo_started.wrapping_add(1);
                let id = FIFO_SCRIPT_ID_TOP - self.fifo_started % FIFO_SCRIPT_ID_SPAN;
                let start = Start {
                    id,
                    name: FIFO_SCRIPT_NAMES[k],
                    cmd: &s.cmd,
                    user: s.user.as_deref().or(g.script_user.as_deref()),
                    secure: g.enable_script_security,
                    args: None,
                    extra: Some(path),
                };
                self.children.start(&mut self.log, &start);
                let started = !ended(&self.children, id);
                self.fifo_scripts[k] = started.then_some(id);
            }
        }
    }

    /// Close the FIFOs, unlinking those this daemon created (first, as
    /// keepalived's fifo_close, so a reader that reopens cannot find it).
    pub fn close_fifos(&mut self) {
        for path in &self.fifo_created {
            crate::sys::file::remove(path);
        }
        self.fifo_created.clear();
        self.fifos.clear();
    }

    /// SIGTERM to the FIFO scripts (a reload, or the start of a stop,
    /// where keepalived kills every script first).
    pub fn stop_fifo_scripts(&mut self) {
        for id in self.fifo_scripts.iter_mut().filter_map(Option::take) {
            self.children.kill(id, false);
        }
    }

    /// Child `id` ended: true when it was the shell's (a FIFO script,
    /// logged when it ended of its own accord, or the startup/shutdown
    /// script, whose end is left for this), not the router's.
    pub fn fifo_script_ended(&mut self, id: u32) -> bool {
        if id < FIFO_SCRIPT_ID_TOP - FIFO_SCRIPT_ID_SPAN {
            return false;
        }
        if let Some(k) = self.fifo_scripts.iter().position(|&i| i == Some(id)) {
            self.fifo_scripts[k] = None;
            log!(self.log, Level::Info, "{} terminated", FIFO_SCRIPT_NAMES[k]);
        }
        true
    }

    /// `startup_script` / `shutdown_script`: run and waited for, at most
    /// its timeout (then killed), before the instances start or after they
    /// stopped: the loop is not running yet, or no more.
    pub fn run_global_script(&mut self, signals: &mut Signals, g: &GlobalDefs, startup: bool) {
        const ID: u32 = u32::MAX;
        let (what, script, timeout_s) = match startup {
            true => (
                "startup_script",
                &g.startup_script,
                g.startup_script_timeout_s,
            ),
            false => (
                "shutdown_script",
                &g.shutdown_script,
                g.shutdown_script_timeout_s,
            ),
        };
        let Some(script) = script else {
            return;
        };
        let user = script.user.as_deref().or(g.script_user.as_deref());
        let (cmd, secure) = (script.cmd.as_str(), g.enable_script_security);
        let start = Start {
            id: ID,
            name: what,
            cmd,
            user,
            secure,
            args: None,
            extra: None,
        };
        self.children.start(&mut self.log, &start);
        let deadline = clock::now() + Duration::from_secs(u64::from(timeout_s));
        while !ended(&self.children, ID) && clock::now() < deadline {
            self.children.wait_some(signals, &mut self.log, deadline);
        }
        if !ended(&self.children, ID) {
            log!(
                self.log,
                Level::Warning,
                "{what} did not end within {timeout_s} s; killed"
            );
            self.children.kill(ID, true);
        }
        // Its end stays in the list: the next give_ended takes it as the
        // shell's (fifo_script_ended), not the router's; no retain here.
    }

    fn arm(&mut self, slot: usize, at: Option<crate::time::Instant>) {
        let Some(t) = self.timers.get_mut(slot) else {
            return;
        };
        if let Err(e) = t.set(at) {
            log!(self.log, Level::Error, "instance timer {slot}: {e}");
        }
    }
}

/// What an advert that did not leave failed at, in its error line.
const ADVERT_FAILED: &str = "sending advert";

/// The error line of an instance's output that failed:
/// `VRRP_Instance(NAME) WHAT: ERROR` (one copy for the advert, gratuitous
/// ARP and address request lines; size: issue 17).
fn instance_failed(log: &mut Log, name: &str, what: &str, e: SysError) {
    log!(log, Level::Error, "VRRP_Instance({name}) {what}: {e}");
}

/// Whether child `id` has ended (its end not yet taken): one copy of the
/// search for the three places that wait on a child of their own.
fn ended(children: &Children, id: u32) -> bool {
    children.ended.iter().any(|e| e.0 == id)
}

impl Outbox for Io {
    fn push(&mut self, out: Out<'_>) {
        // Queued adverts leave before anything else is done: the outputs
        // keep their order on the wire (a timer's arming is not seen).
        if !self.txb.is_empty() && !matches!(out, Out::Advert { .. } | Out::Arm { .. }) {
            self.flush_adverts();
        }
        match out {
            Out::Advert {
                name,
                ifindex,
                src,
                dst,
                advert,
                form,
                ip_id,
            } => self.send_advert(name, ifindex, src, dst, advert, form, ip_id),
            Out::Addr { name, ref req } => self.addr(name, req),
            Out::Route { name, ref req } => self.route(name, req),
            Out::Rule { name, ref req } => self.rule(name, req),
            Out::Vmac(ref req) => self.vmac(req),
            Out::Garp {
                name,
                ifindex,
                mac,
                addr,
                count,
                router,
            } => self.send_garp(name, ifindex, mac, addr, count, router),
            Out::Group {
                join,
                ifindex,
                group,
            } => self.group(join, ifindex, group),
            Out::Arm { slot, at } => self.arm(slot, at),
            Out::ArmRouter { at } => {
                if let Err(e) = self.router_timer.set(at) {
                    log!(self.log, Level::Error, "router timer: {e}");
                }
            }
            Out::ScanProcesses => self.scan_requested = true,
            Out::ReadRouter6 { ifname } => {
                if let Ok(n) = arrayvec::ArrayString::from(ifname) {
                    let _ = self.read_router6.try_push(n);
                }
            }
            Out::Spawn {
                id,
                name,
                cmd,
                user,
                secure,
                args,
            } => {
                let start = Start {
                    id,
                    name,
                    cmd,
                    user,
                    secure,
                    args,
                    extra: None,
                };
                self.children.start(&mut self.log, &start);
            }
            Out::Kill { id, hard } => self.children.kill(id, hard),
            Out::Fifo {
                kind,
                name,
                state,
                priority,
            } => {
                // No FIFO, no line (a transition allocates nothing).
                if self.fifos.is_empty() {
                    return;
                }
                let line = format!("{kind} \"{name}\" {state} {priority}\n");
                for f in &self.fifos {
                    if !fifo::write_line(f, line.as_bytes()) {
                        self.fifo_dropped += 1;
                    }
                }
            }
            Out::InstalledChanged => self.installed_changed = true,
            Out::Mail { kind, name, state } => {
                self.mailer.enqueue(kind, name, state, &mut self.log);
            }
            Out::Log(ref note) => {
                let level = match note.loudness() {
                    Loudness::Error => Level::Error,
                    Loudness::Warning => Level::Warning,
                    Loudness::Info => Level::Info,
                    Loudness::Debug => Level::Debug,
                };
                log!(self.log, level, "{}", Line(note));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emit_error_names_are_the_debug_text() {
        for e in [
            EmitError::BufferTooSmall,
            EmitError::TooLong,
            EmitError::BadFamily,
        ] {
            assert_eq!(emit_error_name(e), format!("{e:?}"));
        }
    }
}
