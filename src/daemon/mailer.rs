//! The SMTP mailer (issue 15): the router's `Out::Mail` become mails, one
//! session at a time, in order, from a bounded queue. The dialogue is the
//! pure [`Session`]; this part owns the socket, its timer and the buffers,
//! all made once. A down, slow or rude server costs a log line and that
//! mail: every wait is bounded by `smtp_connect_timeout`, nothing blocks.
//!
//! keepalived opens one connection per mail at once, unbounded, in
//! parallel; a queue keeps our memory and sockets fixed and the mails in
//! transition order (the order keepalived connects in).

use core::net::SocketAddr;

use arrayvec::{ArrayString, ArrayVec};

use crate::config::GlobalDefs;
use crate::limits::{MAIL_BUF, MAIL_NAME, MAX_QUEUED_MAILS};
use crate::log;
use crate::sys::SysError;
use crate::sys::clock;
use crate::sys::log::{Level, Log};
use crate::sys::poll::{self, PollFd};
use crate::sys::tcp::{self, Connect, Tcp};
use crate::sys::timer::Timer;
use crate::time::Duration;
use crate::vrrp::State;
use crate::wire::smtp::{
    Event, Mail, Reply, ReplyBuf, Server, Session, Stage, Then, write_command, write_date,
};

/// What mail needs from global_defs, resolved at load or reload.
#[derive(Default)]
struct Settings {
    /// None: mail is off (no server, no recipients, or an unresolvable
    /// server name).
    server: Option<SocketAddr>,
    timeout: Duration,
    helo: String,
    from: String,
    router_id: String,
    to: Vec<String>,
}

impl Settings {
    /// keepalived's defaults: the HELO name, router_id and sender's domain
    /// are the local name (here the host name, without DNS), else
    /// `localhost`; the sender's user is ours (root).
    fn of(g: &GlobalDefs, log: &mut Log) -> Settings {
        let host = tcp::hostname();
        let local = host.as_deref().unwrap_or("localhost");
        let server = g.smtp_server.as_ref().and_then(|s| {
            let r = tcp::resolve(&s.host, s.port);
            if r.is_none() {
                log!(
                    log,
                    Level::Error,
                    "Invalid smtp server {} {}",
                    s.host,
                    s.port
                );
            }
            r
        });
        Settings {
            server: server.filter(|_| g.mail_configured()),
            // keepalived turns 0 into 1.
            timeout: Duration::from_secs(u64::from(g.smtp_connect_timeout_s.max(1))),
            // Borrowed then copied once (a clone, else a copy of `local`,
            // would be two copies of the copying code).
            helo: g.smtp_helo_name.as_deref().unwrap_or(local).to_string(),
            from: match &g.notification_email_from {
                Some(f) => f.clone(),
                None => String::from("root@") + local,
            },
            router_id: g.router_id.as_deref().unwrap_or(local).to_string(),
            to: g.notification_email.clone(),
        }
    }
}

/// A mail waiting: what the router said, and when (its Date).
struct Queued {
    kind: &'static str,
    name: ArrayString<MAIL_NAME>,
    state: State,
    secs: i64,
}

/// The session under way (its mail is the first of the queue). Its
/// server is the settings' (they change only between sessions): borrowed
/// there, not copied here (issue 17: size).
struct Active {
    tcp: Tcp,
    session: Session,
}

pub struct Mailer {
    settings: Settings,
    /// A reload's settings, taken by the next mail started.
    next: Option<Settings>,
    /// The mail under way, if any, then the mails waiting: at most
    /// MAX_QUEUED_MAILS wait (the queue is empty when none is under way).
    queue: ArrayVec<Queued, { MAX_QUEUED_MAILS + 1 }>,
    active: Option<Active>,
    timer: Timer,
    rx: Box<ReplyBuf>,
    tx: Box<[u8; MAIL_BUF]>,
    /// What of `tx` is still to send: `tx_at..tx_len`.
    tx_at: usize,
    tx_len: usize,
    /// The Date of the mail under way (room for 64 bytes, made once).
    date: String,
    /// Mails the server took, and mails lost (failed or dropped).
    pub sent: u64,
    pub lost: u64,
}

impl Mailer {
    pub fn new() -> Result<Mailer, SysError> {
        // The fallible part first: nothing built before it needs dropping
        // on its error path (measured: -528 bytes on mipsel).
        Ok(Mailer {
            timer: Timer::new()?,
            settings: Settings::default(),
            next: None,
            queue: ArrayVec::new(),
            active: None,
            rx: Box::default(),
            tx: crate::sys::zeroed_box(),
            tx_at: 0,
            tx_len: 0,
            date: String::with_capacity(64),
            sent: 0,
            lost: 0,
        })
    }

    /// The settings of a load or reload; a session under way keeps the
    /// ones it started with. Always kept as the next ones, taken by the
    /// next mail started (and read by `enqueue` meanwhile), whether or not
    /// one is under way: one store, not two (issue 17: size).
    pub fn configure(&mut self, g: &GlobalDefs, log: &mut Log) {
        self.next = Some(Settings::of(g, log));
    }

    /// Queue the mail of `name` entering `state` (sent at once when no
    /// other is under way).
    pub fn enqueue(&mut self, kind: &'static str, name: &str, state: State, log: &mut Log) {
        let settings = self.next.as_ref().unwrap_or(&self.settings);
        if settings.server.is_none() {
            return;
        }
        // Why it is dropped (one line for both reasons): the text around
        // a limit.
        let (pre, limit, post) = match ArrayString::from(name) {
            Ok(name) => {
                let mail = Queued {
                    kind,
                    name,
                    state,
                    secs: tcp::wall_secs(),
                };
                if self.queue.try_push(mail).is_ok() {
                    return self.start_next(log);
                }
                ("", MAX_QUEUED_MAILS, " mails already wait")
            }
            Err(_) => ("name longer than ", MAIL_NAME, " bytes"),
        };
        self.lost += 1;
        let what = state.as_str();
        log!(
            log,
            Level::Warning,
            "SMTP alert for {name} {what} dropped: {pre}{limit}{post}"
        );
    }

    /// On stop: nothing more is sent (keepalived delivers no mail then).
    pub fn stop(&mut self) {
        self.lost += self.queue.len() as u64;
        self.queue.clear();
        self.active = None;
        let _ = self.timer.set(None);
    }

    /// The socket's poll slot: fd -1 (skipped) while idle; writable while
    /// connecting or sending, else readable.
    pub fn pollfd(&self) -> PollFd {
        let Some(a) = &self.active else {
            return poll::pollfd(-1);
        };
        let mut p = poll::pollfd(a.tcp.as_raw_fd());
        if a.session.stage() == Stage::Connecting || self.tx_at < self.tx_len {
            p.events = libc::POLLOUT;
        }
        p
    }

    pub fn timer_fd(&self) -> i32 {
        self.timer.as_raw_fd()
    }

    /// The socket polled ready.
    pub fn on_ready(&mut self, log: &mut Log) {
        let Some(a) = &self.active else {
            return;
        };
        let ev = if a.session.stage() == Stage::Connecting {
            match a.tcp.connect_result() {
                Ok(()) => Event::Connected,
                Err(_) => Event::ConnectFailed,
            }
        } else if self.tx_at < self.tx_len {
            match self.flush() {
                Ok(()) => return,
                Err(_) => Event::SendError,
            }
        } else {
            match a.tcp.recv(self.rx.space()) {
                Ok(None) => return,
                Ok(Some(0)) => Event::Closed,
                Ok(Some(n)) => {
                    self.rx.filled(n);
                    match self.rx.take() {
                        // A reply in pieces: its wait is not extended.
                        Reply::Incomplete => return,
                        r => Event::Reply(r),
                    }
                }
                Err(_) => Event::ReadError,
            }
        };
        self.event(ev, log);
        self.start_next(log);
    }

    /// The timer fired: the connect or the reply took too long.
    pub fn on_timer(&mut self, log: &mut Log) {
        // A timer re-armed since it fired has nothing to read.
        if self.timer.clear() && self.active.is_some() {
            self.event(Event::Timeout, log);
            self.start_next(log);
        }
    }

    /// Start the mails waiting, until one is under way: one mail a call,
    /// then a call again for the next. Each such call follows a mail
    /// leaving the queue or a session started (the call then returns at
    /// once), so they nest at most MAX_QUEUED_MAILS + 2 deep. Not a loop:
    /// the compiler hoisted and spilled its body's constants (issue 17:
    /// size).
    fn start_next(&mut self, log: &mut Log) {
        if self.active.is_some() {
            return;
        }
        let Some(secs) = self.queue.first().map(|m| m.secs) else {
            let _ = self.timer.set(None);
            return;
        };
        if let Some(s) = self.next.take() {
            self.settings = s;
        }
        let Some(server) = &self.settings.server else {
            // A reload turned mail off.
            self.lost += self.queue.len() as u64;
            self.queue.clear();
            return self.start_next(log);
        };
        self.date.clear();
        if let Some(t) = tcp::local_time(secs) {
            write_date(&t, &mut self.date);
        }
        match Tcp::connect(server) {
            Ok(c) => {
                let (tcp, connected) = match c {
                    Connect::Done(tcp) => (tcp, true),
                    Connect::Pending(tcp) => (tcp, false),
                };
                self.tx_at = 0;
                self.tx_len = 0;
                self.active = Some(Active {
                    tcp,
                    session: Session::new(self.settings.to.len()),
                });
                self.arm();
                if connected {
                    self.event(Event::Connected, log);
                }
            }
            Err(e) => {
                log!(
                    log,
                    Level::Warning,
                    "Cannot connect to remote SMTP server {}: {e}",
                    Server(server)
                );
                // Its mail leaves the queue as a session's does (one
                // caller of pop_at, issue 17: size), lost.
                self.end(false);
            }
        }
        self.start_next(log)
    }

    /// Feed the session `ev` and do what it says.
    fn event(&mut self, ev: Event, log: &mut Log) {
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let step = a.session.on(ev);
        if let (Some(note), Some(server)) = (step.note, &self.settings.server) {
            let level = if note.detail() {
                Level::Debug
            } else {
                Level::Warning
            };
            log!(log, level, "{}", note.line(server, a.tcp.as_raw_fd()));
        }
        match step.then {
            Then::Wait => self.arm(),
            Then::Send(stage) => {
                self.rx.clear();
                if self.write(stage, log) && self.flush().is_err() {
                    return self.event(Event::SendError, log);
                }
                self.arm();
            }
            Then::Close => {
                let sent = a.session.sent;
                self.end(sent);
            }
        }
    }

    /// Write `stage`'s command into the transmit buffer; false (the
    /// session closed) when it does not fit.
    fn write(&mut self, stage: Stage, log: &mut Log) -> bool {
        let Some(m) = self.queue.first().filter(|_| self.active.is_some()) else {
            return false;
        };
        let s = &self.settings;
        let mail = Mail {
            helo: &s.helo,
            from: &s.from,
            to: &s.to,
            date: &self.date,
            router_id: &s.router_id,
            kind: m.kind,
            name: &m.name,
            state: m.state,
        };
        match write_command(stage, &mail, &mut self.tx[..]) {
            Ok(n) => {
                self.tx_at = 0;
                self.tx_len = n;
                true
            }
            Err(_) => {
                log!(
                    log,
                    Level::Warning,
                    "SMTP alert for {} dropped: longer than {MAIL_BUF} bytes",
                    // As a str: ArrayString's Display was this line's alone
                    // (issue 17: size).
                    m.name.as_str()
                );
                self.end(false);
                false
            }
        }
    }

    /// The session is over: its mail leaves the queue, counted as sent or
    /// lost (here, not by each caller: issue 17, size).
    fn end(&mut self, sent: bool) {
        if sent {
            self.sent += 1;
        } else {
            self.lost += 1;
        }
        self.active = None;
        self.tx_len = 0;
        self.queue.pop_at(0);
    }

    /// Send what the socket takes of the transmit buffer (the rest when it
    /// polls writable).
    fn flush(&mut self) -> Result<(), SysError> {
        let Some(a) = &self.active else {
            return Ok(());
        };
        let rest = self.tx.get(self.tx_at..self.tx_len).unwrap_or_default();
        if rest.is_empty() {
            return Ok(());
        }
        // 0 when the socket is full: the rest goes when it polls writable.
        self.tx_at += a.tcp.send(rest)?;
        Ok(())
    }

    /// Wait for the next step for at most `smtp_connect_timeout`.
    fn arm(&mut self) {
        let _ = self.timer.set(Some(clock::now() + self.settings.timeout));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::log::LogOptions;

    /// Without notification_email_from the sender is root at the local
    /// name, which is also the HELO name and the router_id.
    #[test]
    fn default_sender_is_root_at_the_local_name() {
        let mut log = Log::new(&LogOptions::default());
        let s = Settings::of(&GlobalDefs::default(), &mut log);
        let host = tcp::hostname();
        let local = host.as_deref().unwrap_or("localhost");
        assert_eq!(s.from, format!("root@{local}"));
        assert_eq!((&s.helo[..], &s.router_id[..]), (local, local));
    }

    /// MAX_QUEUED_MAILS wait behind the one under way; one more is lost.
    #[test]
    fn the_queue_holds_the_mail_under_way_and_the_bound_waiting() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
        let mut log = Log::new(&LogOptions::default());
        let mut m = Mailer::new().expect("a timer");
        m.settings.server = server.local_addr().ok();
        m.settings.to = vec!["a@b".into()];
        for k in 0..=MAX_QUEUED_MAILS {
            m.enqueue("INSTANCE", &format!("VI_{k}"), State::Master, &mut log);
        }
        assert!(m.active.is_some());
        assert_eq!((m.queue.len(), m.lost), (MAX_QUEUED_MAILS + 1, 0));
        m.enqueue("INSTANCE", "VI_X", State::Master, &mut log);
        assert_eq!((m.queue.len(), m.lost), (MAX_QUEUED_MAILS + 1, 1));
        m.stop();
        assert_eq!((m.queue.len(), m.lost), (0, 2 + MAX_QUEUED_MAILS as u64));
    }
}
