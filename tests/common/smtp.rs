//! The recording SMTP server (tests/smtp_server.py) in a namespace of a
//! [`Lan`], and its log read back as sessions. Used by tests/mail_live.rs
//! and the bench's mail row.

use std::collections::BTreeMap;
use std::fs;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use super::{Lan, OBSERVER_IP, wait_until};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_server.py");

/// How the server behaves (smtp_server.py's `--mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 220, 250, 354, 250, 221: every mail accepted at once.
    Ok,
    /// Accepts the connection, never writes a byte.
    Silent,
    /// As `Ok`, with every reply (the banner too) after this many seconds.
    Slow(u32),
}

/// One SMTP session as the server saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    pub peer: String,
    pub helo: Option<String>,
    pub mail_from: Option<String>,
    pub rcpts: Vec<String>,
    /// The DATA command came.
    pub data: bool,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// When the server sent its 250 for the message.
    pub accepted: Option<SystemTime>,
}

/// The server, running in the observer's namespace on 192.0.2.9:25.
/// Dropping it kills it (the `Lan` would too).
pub struct SmtpServer {
    child: Child,
    pub log: PathBuf,
}

impl SmtpServer {
    /// Starts the server and returns once it listens.
    pub fn start(lan: &Lan, mode: Mode) -> SmtpServer {
        let log = lan.dir.join("smtp.log");
        let err = lan.dir.join("smtp.err");
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", lan.obs(), "python3", SCRIPT])
            .arg(OBSERVER_IP.to_string())
            .arg("25")
            .arg(&log);
        match mode {
            Mode::Ok => cmd.args(["--mode", "ok"]),
            Mode::Silent => cmd.args(["--mode", "silent"]),
            Mode::Slow(s) => cmd.args(["--mode", "slow", "--delay", &s.to_string()]),
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&err).unwrap())
            .spawn()
            .expect("spawn smtp_server.py");
        let mut srv = SmtpServer { child, log };
        let up = wait_until(Duration::from_secs(10), Duration::from_millis(20), || {
            fs::read_to_string(&srv.log).is_ok_and(|s| s.contains("\tlistening\t"))
        });
        if up.is_none() {
            srv.stop();
            panic!(
                "smtp_server.py did not listen within 10 s: {}",
                fs::read_to_string(&err).unwrap_or_default()
            );
        }
        srv
    }

    /// Every session so far, in the order they connected.
    pub fn sessions(&self) -> Vec<Session> {
        parse_log(&fs::read_to_string(&self.log).unwrap_or_default())
    }

    /// The sessions from `peer` that reached DATA: the mails it sent.
    pub fn mails_from(&self, peer: Ipv4Addr) -> Vec<Session> {
        let peer = peer.to_string();
        self.sessions()
            .into_iter()
            .filter(|s| s.peer == peer && s.data)
            .collect()
    }

    /// The server log as written, for failure messages.
    pub fn raw(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Reads smtp_server.py's log (`TIME SID PEER EVENT VALUE`, tab-separated)
/// into sessions, ordered by session number. Lines that do not parse (a
/// line still being written) are skipped.
pub fn parse_log(text: &str) -> Vec<Session> {
    let mut by_sid: BTreeMap<u32, Session> = BTreeMap::new();
    for line in text.lines() {
        let mut f = line.splitn(5, '\t');
        let (Some(t), Some(sid), Some(peer), Some(ev)) = (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let value = f.next().unwrap_or("").to_string();
        let (Ok(t), Ok(sid)) = (t.parse::<f64>(), sid.parse::<u32>()) else {
            continue;
        };
        if sid == 0 {
            continue;
        }
        let s = by_sid.entry(sid).or_default();
        s.peer = peer.to_string();
        match ev {
            "helo" => s.helo = Some(value),
            "mail_from" => s.mail_from = Some(value),
            "rcpt" => s.rcpts.push(value),
            "data" => s.data = true,
            "subject" => s.subject = Some(value),
            "from" => s.from = Some(value),
            "to" => s.to = Some(value),
            "accepted" => {
                s.accepted = Some(SystemTime::UNIX_EPOCH + Duration::from_secs_f64(t));
            }
            _ => {}
        }
    }
    by_sid.into_values().collect()
}
