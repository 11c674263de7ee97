//! The SMTP client's bytes and decisions, as keepalived 2.2.7 speaks it
//! (core/smtp.c): no sockets, no clock. One session per mail:
//!
//! ```text
//!   connect -> 220 greeting
//!   HELO name            -> 250
//!   MAIL FROM:<from>     -> 250
//!   RCPT TO:<to>         -> 250   (one per recipient, each waited for)
//!   DATA                 -> 354
//!   headers, body, "."   -> 250   (one write)
//!   QUIT                 -> 221
//! ```
//!
//! A reply is read into a fixed buffer ([`ReplyBuf`]): continuation lines
//! (`NNN-`) are skipped and the code of the last line (`NNN `) counts; a
//! line longer than the buffer is an error. Any unexpected code, a timeout,
//! a read error or an over-long line sends QUIT and ends the session, each
//! with keepalived's log line ([`Note`]).

use core::fmt::{self, Write};
use core::net::SocketAddr;

use crate::vrrp::State;

/// keepalived's read buffer (SMTP_BUFFER_LENGTH).
pub const REPLY_BUF: usize = 1024;

/// The reply bytes received so far for the command in flight.
pub struct ReplyBuf {
    buf: [u8; REPLY_BUF],
    len: usize,
}

/// What the bytes received so far amount to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// No final line yet: read more.
    Incomplete,
    /// The code of the final line (0 when it does not start with three
    /// digits: no command expects that).
    Code(u16),
    /// A line did not fit the buffer.
    Overflow,
}

impl Default for ReplyBuf {
    fn default() -> Self {
        ReplyBuf {
            buf: [0; REPLY_BUF],
            len: 0,
        }
    }
}

impl ReplyBuf {
    /// Forget what was received (before a new command).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Where the next read goes.
    pub fn space(&mut self) -> &mut [u8] {
        self.buf.get_mut(self.len..).unwrap_or_default()
    }

    /// `n` bytes were read into [`ReplyBuf::space`].
    pub fn filled(&mut self, n: usize) {
        self.len = (self.len + n).min(REPLY_BUF);
    }

    /// The reply, if complete. Continuation lines are dropped as they come
    /// (so a long multi-line reply fits); a final line empties the buffer.
    pub fn take(&mut self) -> Reply {
        let mut start = 0;
        while let Some(rest) = self.buf.get(start..self.len) {
            let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
                break;
            };
            let line = rest.get(..nl).unwrap_or_default();
            start += nl + 1;
            if line.get(3) != Some(&b'-') {
                self.len = 0;
                return Reply::Code(code(line));
            }
        }
        self.buf.copy_within(start..self.len, 0);
        self.len -= start;
        if self.len == REPLY_BUF {
            self.len = 0;
            return Reply::Overflow;
        }
        Reply::Incomplete
    }
}

fn code(line: &[u8]) -> u16 {
    match line.get(..3) {
        Some(d) if d.iter().all(u8::is_ascii_digit) => {
            d.iter().fold(0, |n, &b| n * 10 + u16::from(b - b'0'))
        }
        _ => 0,
    }
}

/// Where a session is: what it waits for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    Connecting,
    Greeting,
    Helo,
    MailFrom,
    /// The reply to the RCPT for recipient N.
    Rcpt(usize),
    Data,
    Body,
    Quit,
}

impl Stage {
    /// The code that lets the session go on.
    fn expected(self) -> u16 {
        match self {
            Stage::Connecting => 0,
            Stage::Greeting => 220,
            Stage::Data => 354,
            Stage::Quit => 221,
            _ => 250,
        }
    }

    /// keepalived's name of the command, in its error line.
    fn cmd(self) -> &'static str {
        match self {
            Stage::Connecting | Stage::Greeting => "(E)SMTP",
            Stage::Helo => "HELO",
            Stage::MailFrom => "MAIL",
            Stage::Rcpt(_) => "RCPT",
            Stage::Data => "DATA",
            Stage::Body => "BODY",
            Stage::Quit => "QUIT",
        }
    }
}

/// What happened on the connection.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The connection is up.
    Connected,
    /// The connection failed (refused, unreachable).
    ConnectFailed,
    /// `smtp_connect_timeout` passed with nothing new.
    Timeout,
    Reply(Reply),
    /// The server closed the connection.
    Closed,
    ReadError,
    SendError,
}

/// A log line, keepalived's wording (see [`Note::line`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// Logged only with detail (-D), as keepalived does.
    Connected,
    /// The server took the mail (detail only).
    Sent,
    ConnectFailed,
    ConnectTimeout,
    ReadTimeout,
    Error {
        cmd: &'static str,
        code: u16,
    },
    Closed,
    Overflow,
    ReadError,
    SendError,
}

impl Note {
    /// keepalived logs these only with -D.
    pub fn detail(self) -> bool {
        matches!(self, Note::Connected | Note::Sent)
    }

    /// The line for `server`; `fd` is the socket's number (keepalived
    /// names it when a connection fails).
    pub fn line(self, server: &SocketAddr, fd: i32) -> NoteLine<'_> {
        NoteLine {
            note: self,
            server,
            fd,
        }
    }
}

pub struct NoteLine<'a> {
    note: Note,
    server: &'a SocketAddr,
    fd: i32,
}

impl fmt::Display for NoteLine<'_> {
    /// The lines that name the server are the text around it (one write
    /// for them all).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let server = Server(self.server);
        let (pre, post) = match self.note {
            Note::Sent => return f.write_str("SMTP alert successfully sent."),
            Note::ConnectFailed => return write!(f, "smtp fd {} returned write error", self.fd),
            Note::Error { cmd, code } => {
                return write!(
                    f,
                    "Error processing {cmd} cmd on SMTP server {server}. SMTP status code = {code}"
                );
            }
            Note::Connected => ("Remote SMTP server ", " connected."),
            Note::ConnectTimeout => ("Timeout opening connection to remote SMTP server ", "."),
            Note::ReadTimeout => ("Timeout reading data to remote SMTP server ", "."),
            Note::Closed => ("Remote SMTP server ", " has closed the connection."),
            Note::Overflow => (
                "Received buffer from remote SMTP server ",
                " overflow our get read buffer length.",
            ),
            Note::ReadError => ("Error reading data from remote SMTP server ", "."),
            Note::SendError => ("Cannot send data to remote SMTP server ", "."),
        };
        f.write_str(pre)?;
        fmt::Display::fmt(&server, f)?;
        f.write_str(post)
    }
}

/// A server as keepalived writes it in both families: `[addr]:port` (one
/// writer for the session's lines and the mailer's).
pub struct Server<'a>(pub &'a SocketAddr);

impl fmt::Display for Server<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]:{}", super::addr::Ip(self.0.ip()), self.0.port())
    }
}

/// What the shell does next.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Then {
    /// Send the command of this stage ([`write_command`]) and wait for its
    /// reply (for at most the timeout).
    Send(Stage),
    /// Wait for the reply (for at most the timeout).
    Wait,
    /// Close the connection: the session is over.
    Close,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub note: Option<Note>,
    pub then: Then,
}

/// One mail's dialogue.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Session {
    stage: Stage,
    recipients: usize,
    /// The server took the mail (its reply to the body was 250).
    pub sent: bool,
}

impl Session {
    /// A session connecting, for a mail to `recipients` addresses.
    pub fn new(recipients: usize) -> Session {
        Session {
            stage: Stage::Connecting,
            recipients,
            sent: false,
        }
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    pub fn on(&mut self, ev: Event) -> Step {
        let step = |note, then| Step { note, then };
        match (self.stage, ev) {
            (Stage::Connecting, Event::Connected) => {
                self.stage = Stage::Greeting;
                step(Some(Note::Connected), Then::Wait)
            }
            (Stage::Connecting, Event::Timeout) => step(Some(Note::ConnectTimeout), Then::Close),
            (Stage::Connecting, _) => step(Some(Note::ConnectFailed), Then::Close),
            (stage, Event::Reply(Reply::Code(code))) if code == stage.expected() => self.next(),
            // After QUIT too: quit() then closes.
            (stage, Event::Reply(Reply::Code(code))) => self.quit(Note::Error {
                cmd: stage.cmd(),
                code,
            }),
            (_, Event::Reply(Reply::Incomplete)) | (_, Event::Connected) => step(None, Then::Wait),
            (_, Event::Reply(Reply::Overflow)) => self.quit(Note::Overflow),
            (_, Event::Timeout) => self.quit(Note::ReadTimeout),
            (_, Event::ReadError) => self.quit(Note::ReadError),
            // After QUIT the server may close without its 221.
            (Stage::Quit, Event::Closed | Event::ConnectFailed) => step(None, Then::Close),
            (_, Event::Closed | Event::ConnectFailed) => step(Some(Note::Closed), Then::Close),
            (_, Event::SendError) => step(Some(Note::SendError), Then::Close),
        }
    }

    /// The expected reply came: the next command.
    fn next(&mut self) -> Step {
        let mut note = None;
        self.stage = match self.stage {
            Stage::Connecting | Stage::Greeting => Stage::Helo,
            Stage::Helo => Stage::MailFrom,
            Stage::MailFrom | Stage::Rcpt(_) => {
                let n = match self.stage {
                    Stage::Rcpt(i) => i + 1,
                    _ => 0,
                };
                if n < self.recipients {
                    Stage::Rcpt(n)
                } else {
                    Stage::Data
                }
            }
            Stage::Data => Stage::Body,
            Stage::Body => {
                self.sent = true;
                note = Some(Note::Sent);
                Stage::Quit
            }
            Stage::Quit => {
                return Step {
                    note: None,
                    then: Then::Close,
                };
            }
        };
        Step {
            note,
            then: Then::Send(self.stage),
        }
    }

    /// A failure: keepalived says QUIT and waits for its reply; a failure
    /// while waiting for that ends the session.
    fn quit(&mut self, note: Note) -> Step {
        let then = if self.stage == Stage::Quit {
            Then::Close
        } else {
            self.stage = Stage::Quit;
            Then::Send(Stage::Quit)
        };
        Step {
            note: Some(note),
            then,
        }
    }
}

/// Everything a mail's text is made of.
pub struct Mail<'a> {
    pub helo: &'a str,
    pub from: &'a str,
    pub to: &'a [String],
    /// `strftime("%a, %d %b %Y %H:%M:%S %z")`, local time, C locale.
    pub date: &'a str,
    pub router_id: &'a str,
    /// `INSTANCE` or `GROUP`, as in [`crate::node::out::Out::Mail`].
    pub kind: &'static str,
    pub name: &'a str,
    pub state: State,
}

/// Why a command could not be written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TooLong;

/// Writes the command of `stage` for `mail` into `buf`; its length.
/// Nothing is sent while connecting or waiting for the greeting.
pub fn write_command(stage: Stage, mail: &Mail<'_>, buf: &mut [u8]) -> Result<usize, TooLong> {
    let mut w = Cursor { buf, at: 0 };
    // Every command is a template of at most one value, not a format per
    // command (issue 17: size).
    let (template, value) = match stage {
        Stage::Connecting | Stage::Greeting => ("", ""),
        Stage::Helo => ("HELO %\r\n", mail.helo),
        Stage::MailFrom => ("MAIL FROM:<%>\r\n", mail.from),
        Stage::Rcpt(i) => ("RCPT TO:<%>\r\n", &mail.to.get(i).ok_or(TooLong)?[..]),
        Stage::Data => ("DATA\r\n", ""),
        // The message's end (the body and the dot) is this call's.
        Stage::Body => ("\r\n\r\n%\r\n\r\n.\r\n", write_message(&mut w, mail)?),
        Stage::Quit => ("QUIT\r\n", ""),
    };
    w.fill(template, &[value])?;
    Ok(w.at)
}

/// The message as keepalived writes it (smtp.c body_cmd): these headers in
/// this order, an empty line, the one-line body, an empty line, the dot.
/// Writes the headers and returns the body, which `write_command` writes
/// with the message's end in the fill every command ends with (one call
/// less; issue 17: size).
fn write_message(w: &mut Cursor<'_>, mail: &Mail<'_>) -> Result<&'static str, TooLong> {
    let group = mail.kind == "GROUP";
    let (what, body) = texts(group, mail.state);
    w.fill(
        "Date: %\r\nFrom: %\r\nSubject: [%] VRRP %% - %\r\nX-Mailer: Keepalived\r\nTo: ",
        &[
            mail.date,
            mail.from,
            mail.router_id,
            if group { "Group " } else { "Instance " },
            mail.name,
            what,
        ],
    )?;
    for (i, to) in mail.to.iter().enumerate() {
        w.fill(if i > 0 { ", %" } else { "%" }, &[to])?;
    }
    Ok(body)
}

/// The subject's end and the body (vrrp_notify.c): a table by state,
/// then instance or group, not a match of pairs (issue 17: size).
fn texts(group: bool, state: State) -> (&'static str, &'static str) {
    const TEXTS: [(&str, [&str; 2]); 4] = [
        (
            "Entering MASTER state",
            [
                "=> VRRP Instance is now owning VRRP VIPs <=",
                "=> All VRRP group instances are now in MASTER state <=",
            ],
        ),
        (
            "Entering BACKUP state",
            [
                "=> VRRP Instance is no longer owning VRRP VIPs <=",
                "=> All VRRP group instances are now in BACKUP state <=",
            ],
        ),
        (
            "Entering FAULT state",
            [
                "=> VRRP Instance is no longer owning VRRP VIPs <=",
                "=> All VRRP group instances are now in FAULT state <=",
            ],
        ),
        (
            "Stopping",
            [
                "=> VRRP Instance stopping <=",
                "=> All VRRP group instances are now stopping <=",
            ],
        ),
    ];
    let k = match state {
        State::Master => 0,
        State::Backup => 1,
        State::Fault => 2,
        _ => 3,
    };
    let (what, bodies) = TEXTS[k];
    (what, bodies[usize::from(group)])
}

/// A local time broken down (what localtime_r gives).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct LocalTime {
    /// 0 is Sunday.
    pub wday: u8,
    pub mday: u8,
    /// 0 is January.
    pub mon: u8,
    pub year: i32,
    pub hour: u8,
    pub min: u8,
    pub sec: u8,
    /// East of UTC.
    pub gmtoff_s: i32,
}

/// The day and month names, three letters each: strings, not tables of
/// &str (issue 17: size).
const DAYS: &str = "SunMonTueWedThuFriSat";
const MONTHS: &str = "JanFebMarAprMayJunJulAugSepOctNovDec";

/// The `k`th three letters of `names`, else its first three.
fn name3(names: &'static str, k: u8) -> &'static str {
    let at = usize::from(k) * 3;
    names
        .get(at..at + 3)
        .unwrap_or(names.get(..3).unwrap_or_default())
}

/// Month `m` (0 is January) in English, as the Date header and the syslog
/// stamp (crate::sys::log) write it.
pub(crate) fn month(m: u8) -> &'static str {
    name3(MONTHS, m)
}

/// The Date header's value as keepalived's strftime
/// `%a, %d %b %Y %H:%M:%S %z` writes it in the C locale, after what `date`
/// holds; written here rather than by strftime, which costs a static musl
/// binary about 22 KB. Into a String, not a byte buffer: String's writer
/// is in the binary anyway, a buffer's was this function's alone (issue
/// 17: size). At most 47 bytes, whatever the fields hold: an empty String
/// with room for 64, as the mailer's, never grows.
pub fn write_date(t: &LocalTime, date: &mut String) {
    let (day, mon) = (name3(DAYS, t.wday), month(t.mon));
    // A &str, not a char: the binary's only formatted char was this one
    // (issue 17: size).
    let sign = if t.gmtoff_s < 0 { "-" } else { "+" };
    let off_min = t.gmtoff_s.unsigned_abs() / 60;
    let _ = write!(
        date,
        "{day}, {:02} {mon} {} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        t.mday,
        t.year,
        t.hour,
        t.min,
        t.sec,
        off_min / 60,
        off_min % 60
    );
}

/// `fmt::Write` into a fixed buffer; an error when it is full.
struct Cursor<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Cursor<'_> {
    /// `template` with each `%` in it replaced by the next of `values`
    /// (only the template is looked into: a value may hold a `%`).
    fn fill(&mut self, template: &str, values: &[&str]) -> Result<(), TooLong> {
        let mut values = values.iter();
        for (k, piece) in template.split('%').enumerate() {
            if k > 0 {
                self.put(values.next().copied().unwrap_or_default())?;
            }
            self.put(piece)?;
        }
        Ok(())
    }

    fn put(&mut self, s: &str) -> Result<(), TooLong> {
        super::put(self.buf, &mut self.at, s.as_bytes()).map_err(|_| TooLong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(r: &mut ReplyBuf, bytes: &[u8]) -> Reply {
        let space = r.space();
        space[..bytes.len()].copy_from_slice(bytes);
        r.filled(bytes.len());
        r.take()
    }

    #[test]
    fn reply_single_and_multi_line() {
        let mut r = ReplyBuf::default();
        assert_eq!(feed(&mut r, b"220 test ESMTP\r\n"), Reply::Code(220));
        assert_eq!(
            feed(&mut r, b"250-mx hello\r\n250-SIZE 1000\r\n250 HELP\r\n"),
            Reply::Code(250)
        );
        // In pieces, split inside a line and between lines.
        assert_eq!(feed(&mut r, b"220-one\r\n22"), Reply::Incomplete);
        assert_eq!(feed(&mut r, b"0-two\r\n"), Reply::Incomplete);
        assert_eq!(feed(&mut r, b"554 no"), Reply::Incomplete);
        assert_eq!(feed(&mut r, b"\r\n"), Reply::Code(554));
        // A bare code line, and one that is not a code.
        assert_eq!(feed(&mut r, b"221\r\n"), Reply::Code(221));
        assert_eq!(feed(&mut r, b"hello\r\n"), Reply::Code(0));
        assert_eq!(feed(&mut r, b"\n"), Reply::Code(0));
    }

    #[test]
    fn long_multi_line_reply_fits_a_line_at_a_time() {
        let mut r = ReplyBuf::default();
        let line = [b"250-".as_slice(), &[b'x'; 500], b"\r\n"].concat();
        for _ in 0..10 {
            assert_eq!(feed(&mut r, &line), Reply::Incomplete);
        }
        assert_eq!(feed(&mut r, b"250 ok\r\n"), Reply::Code(250));
    }

    #[test]
    fn line_longer_than_the_buffer_overflows() {
        let mut r = ReplyBuf::default();
        let mut long = vec![b'x'; 2000];
        long[..4].copy_from_slice(b"220-");
        assert_eq!(feed(&mut r, &long[..1000]), Reply::Incomplete);
        let n = r.space().len();
        assert_eq!(n, REPLY_BUF - 1000);
        assert_eq!(feed(&mut r, &long[1000..1000 + n]), Reply::Overflow);
        // The buffer is usable again.
        assert_eq!(feed(&mut r, b"221 bye\r\n"), Reply::Code(221));
    }

    fn code(c: u16) -> Event {
        Event::Reply(Reply::Code(c))
    }

    fn send(s: Stage) -> Then {
        Then::Send(s)
    }

    #[test]
    fn session_success() {
        let mut s = Session::new(2);
        let st = s.on(Event::Connected);
        assert_eq!((st.note, st.then), (Some(Note::Connected), Then::Wait));
        assert_eq!(s.on(Event::Reply(Reply::Incomplete)).then, Then::Wait);
        assert_eq!(s.on(code(220)).then, send(Stage::Helo));
        assert_eq!(s.on(code(250)).then, send(Stage::MailFrom));
        assert_eq!(s.on(code(250)).then, send(Stage::Rcpt(0)));
        assert_eq!(s.on(code(250)).then, send(Stage::Rcpt(1)));
        assert_eq!(s.on(code(250)).then, send(Stage::Data));
        assert_eq!(s.on(code(354)).then, send(Stage::Body));
        assert!(!s.sent);
        let st = s.on(code(250));
        assert_eq!((st.note, st.then), (Some(Note::Sent), send(Stage::Quit)));
        assert!(s.sent);
        assert_eq!(
            s.on(code(221)),
            Step {
                note: None,
                then: Then::Close
            }
        );
    }

    /// Drives a session with replies `ok` (the expected ones) and then
    /// `bad`; returns the step after `bad` and the session.
    fn fail_after(ok: &[u16], bad: Event) -> (Step, Session) {
        let mut s = Session::new(2);
        s.on(Event::Connected);
        for &c in ok {
            assert!(matches!(s.on(code(c)).then, Then::Send(_)));
        }
        (s.on(bad), s)
    }

    #[test]
    fn every_bad_code_logs_its_command_and_quits() {
        let cases: [(&[u16], u16, &str); 7] = [
            (&[], 554, "(E)SMTP"),
            (&[220], 501, "HELO"),
            (&[220, 250], 550, "MAIL"),
            (&[220, 250, 250], 451, "RCPT"),
            (&[220, 250, 250, 250], 550, "RCPT"),
            (&[220, 250, 250, 250, 250], 554, "DATA"),
            (&[220, 250, 250, 250, 250, 354], 552, "BODY"),
        ];
        for (ok, bad, cmd) in cases {
            let (st, mut s) = fail_after(ok, code(bad));
            let note = Some(Note::Error { cmd, code: bad });
            assert_eq!((st.note, st.then), (note, send(Stage::Quit)), "{cmd} {bad}");
            assert!(!s.sent);
            // The QUIT's 221 closes quietly; anything else is logged.
            let mut s2 = s;
            assert_eq!(
                s2.on(code(221)),
                Step {
                    note: None,
                    then: Then::Close
                }
            );
            let st = s.on(code(500));
            let note = Some(Note::Error {
                cmd: "QUIT",
                code: 500,
            });
            assert_eq!((st.note, st.then), (note, Then::Close));
        }
    }

    #[test]
    fn quit_refused_after_the_mail_went() {
        let ok = [220, 250, 250, 250, 250, 354, 250];
        let (st, s) = fail_after(&ok, code(500));
        assert!(s.sent);
        let note = Some(Note::Error {
            cmd: "QUIT",
            code: 500,
        });
        assert_eq!((st.note, st.then), (note, Then::Close));
    }

    #[test]
    fn connect_failures() {
        let mut s = Session::new(1);
        let st = s.on(Event::ConnectFailed);
        assert_eq!((st.note, st.then), (Some(Note::ConnectFailed), Then::Close));
        let mut s = Session::new(1);
        let st = s.on(Event::Timeout);
        assert_eq!(
            (st.note, st.then),
            (Some(Note::ConnectTimeout), Then::Close)
        );
        let mut s = Session::new(1);
        assert_eq!(s.on(Event::Closed).then, Then::Close);
    }

    #[test]
    fn timeouts_quit_then_close() {
        // No greeting: QUIT after one timeout, close after the second.
        let (st, mut s) = fail_after(&[], Event::Timeout);
        assert_eq!(
            (st.note, st.then),
            (Some(Note::ReadTimeout), send(Stage::Quit))
        );
        let st = s.on(Event::Timeout);
        assert_eq!((st.note, st.then), (Some(Note::ReadTimeout), Then::Close));
        // A slow reply to QUIT after the mail went: one line, close.
        let ok = [220, 250, 250, 250, 250, 354, 250];
        let (st, s) = fail_after(&ok, Event::Timeout);
        assert!(s.sent);
        assert_eq!((st.note, st.then), (Some(Note::ReadTimeout), Then::Close));
    }

    #[test]
    fn dropped_overlong_and_read_errors() {
        // Closed before the reply to DATA, or to the body.
        for ok in [
            &[220, 250, 250, 250, 250][..],
            &[220, 250, 250, 250, 250, 354],
        ] {
            let (st, s) = fail_after(ok, Event::Closed);
            assert_eq!((st.note, st.then), (Some(Note::Closed), Then::Close));
            assert!(!s.sent);
        }
        let (st, mut s) = fail_after(&[], Event::Reply(Reply::Overflow));
        assert_eq!(
            (st.note, st.then),
            (Some(Note::Overflow), send(Stage::Quit))
        );
        // Closed after our QUIT: nothing more to say.
        assert_eq!(
            s.on(Event::Closed),
            Step {
                note: None,
                then: Then::Close
            }
        );
        let (st, mut s) = fail_after(&[220], Event::ReadError);
        assert_eq!(
            (st.note, st.then),
            (Some(Note::ReadError), send(Stage::Quit))
        );
        let st = s.on(Event::ReadError);
        assert_eq!((st.note, st.then), (Some(Note::ReadError), Then::Close));
        let (st, _) = fail_after(&[220], Event::SendError);
        assert_eq!((st.note, st.then), (Some(Note::SendError), Then::Close));
    }

    #[test]
    fn log_lines_are_keepalived_s() {
        let v4: SocketAddr = "192.0.2.50:25".parse().unwrap();
        let v6: SocketAddr = "[2001:db8::50]:2525".parse().unwrap();
        let line = |n: Note, a| n.line(&a, 15).to_string();
        assert_eq!(
            line(
                Note::Error {
                    cmd: "(E)SMTP",
                    code: 554
                },
                v4
            ),
            "Error processing (E)SMTP cmd on SMTP server [192.0.2.50]:25. SMTP status code = 554"
        );
        assert_eq!(
            line(Note::Connected, v6),
            "Remote SMTP server [2001:db8::50]:2525 connected."
        );
        assert_eq!(line(Note::Sent, v4), "SMTP alert successfully sent.");
        assert_eq!(
            line(Note::ConnectFailed, v4),
            "smtp fd 15 returned write error"
        );
        assert_eq!(
            line(Note::ConnectTimeout, v4),
            "Timeout opening connection to remote SMTP server [192.0.2.50]:25."
        );
        assert_eq!(
            line(Note::ReadTimeout, v4),
            "Timeout reading data to remote SMTP server [192.0.2.50]:25."
        );
        assert_eq!(
            line(Note::Closed, v4),
            "Remote SMTP server [192.0.2.50]:25 has closed the connection."
        );
        assert_eq!(
            line(Note::Overflow, v4),
            "Received buffer from remote SMTP server [192.0.2.50]:25 overflow our get read buffer length."
        );
        assert_eq!(
            line(Note::ReadError, v4),
            "Error reading data from remote SMTP server [192.0.2.50]:25."
        );
        assert_eq!(
            line(Note::SendError, v4),
            "Cannot send data to remote SMTP server [192.0.2.50]:25."
        );
        assert!(Note::Sent.detail() && Note::Connected.detail());
        assert!(!Note::Closed.detail());
    }

    fn mail<'a>(to: &'a [String], kind: &'static str, state: State) -> Mail<'a> {
        Mail {
            helo: "vm",
            from: "keepalived@example.com",
            to,
            date: "Mon, 30 Nov 2026 12:28:19 +0000",
            router_id: "R1",
            kind,
            name: "VI_1",
            state,
        }
    }

    fn text(stage: Stage, m: &Mail<'_>) -> String {
        let mut buf = [0u8; 1024];
        let n = write_command(stage, m, &mut buf).unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn the_dialogue_is_keepalived_s_byte_for_byte() {
        let to = ["a@example.com".to_string(), "b@example.com".to_string()];
        let m = mail(&to, "INSTANCE", State::Backup);
        assert_eq!(text(Stage::Greeting, &m), "");
        assert_eq!(text(Stage::Helo, &m), "HELO vm\r\n");
        assert_eq!(
            text(Stage::MailFrom, &m),
            "MAIL FROM:<keepalived@example.com>\r\n"
        );
        assert_eq!(text(Stage::Rcpt(0), &m), "RCPT TO:<a@example.com>\r\n");
        assert_eq!(text(Stage::Rcpt(1), &m), "RCPT TO:<b@example.com>\r\n");
        assert_eq!(text(Stage::Data, &m), "DATA\r\n");
        // Verbatim from keepalived 2.2.7 (keepalived-smtp.md §1).
        assert_eq!(
            text(Stage::Body, &m),
            "Date: Mon, 30 Nov 2026 12:28:19 +0000\r\nFrom: keepalived@example.com\r\n\
             Subject: [R1] VRRP Instance VI_1 - Entering BACKUP state\r\n\
             X-Mailer: Keepalived\r\nTo: a@example.com, b@example.com\r\n\r\n\
             => VRRP Instance is no longer owning VRRP VIPs <=\r\n\r\n.\r\n"
        );
        assert_eq!(text(Stage::Quit, &m), "QUIT\r\n");
        let mut small = [0u8; 5];
        assert_eq!(write_command(Stage::Helo, &m, &mut small), Err(TooLong));
        assert_eq!(
            write_command(Stage::Rcpt(2), &m, &mut [0; 64]),
            Err(TooLong)
        );
    }

    #[test]
    fn date_as_strftime_writes_it() {
        let t = LocalTime {
            wday: 1,
            mday: 30,
            mon: 10,
            year: 2026,
            hour: 12,
            min: 28,
            sec: 19,
            gmtoff_s: 0,
        };
        let date = |t: &LocalTime| {
            let mut s = String::new();
            write_date(t, &mut s);
            s
        };
        assert_eq!(date(&t), "Mon, 30 Nov 2026 12:28:19 +0000");
        let t2 = LocalTime {
            wday: 0,
            mday: 1,
            mon: 0,
            year: 2027,
            hour: 3,
            min: 4,
            sec: 5,
            gmtoff_s: 19_800,
        };
        assert_eq!(date(&t2), "Sun, 01 Jan 2027 03:04:05 +0530");
        let t3 = LocalTime {
            gmtoff_s: -12_600,
            wday: 6,
            mon: 11,
            ..t2
        };
        assert_eq!(date(&t3), "Sat, 01 Dec 2027 03:04:05 -0330");
    }

    /// The texts the other cases do not reach: an instance in BACKUP, and
    /// a stop (INIT) of each kind.
    #[test]
    fn backup_and_stopping_texts() {
        assert_eq!(
            texts(false, State::Backup),
            (
                "Entering BACKUP state",
                "=> VRRP Instance is no longer owning VRRP VIPs <="
            )
        );
        assert_eq!(
            texts(false, State::Init),
            ("Stopping", "=> VRRP Instance stopping <=")
        );
        assert_eq!(
            texts(true, State::Init),
            (
                "Stopping",
                "=> All VRRP group instances are now stopping <="
            )
        );
    }

    #[test]
    fn subjects_and_bodies() {
        let to = ["a@example.com".to_string()];
        let cases = [
            (
                "INSTANCE",
                State::Master,
                "VRRP Instance VI_1 - Entering MASTER state",
                "=> VRRP Instance is now owning VRRP VIPs <=",
            ),
            (
                "INSTANCE",
                State::Fault,
                "VRRP Instance VI_1 - Entering FAULT state",
                "=> VRRP Instance is no longer owning VRRP VIPs <=",
            ),
            (
                "GROUP",
                State::Master,
                "VRRP Group VI_1 - Entering MASTER state",
                "=> All VRRP group instances are now in MASTER state <=",
            ),
            (
                "GROUP",
                State::Backup,
                "VRRP Group VI_1 - Entering BACKUP state",
                "=> All VRRP group instances are now in BACKUP state <=",
            ),
            (
                "GROUP",
                State::Fault,
                "VRRP Group VI_1 - Entering FAULT state",
                "=> All VRRP group instances are now in FAULT state <=",
            ),
        ];
        for (kind, state, subject, body) in cases {
            let t = text(Stage::Body, &mail(&to, kind, state));
            assert!(
                t.contains(&format!("\r\nSubject: [R1] {subject}\r\n")),
                "{t}"
            );
            assert!(
                t.ends_with(&format!("To: a@example.com\r\n\r\n{body}\r\n\r\n.\r\n")),
                "{t}"
            );
        }
    }
}
