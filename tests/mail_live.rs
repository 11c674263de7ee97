//! Mail alerts live (issue 15, "Done when"), with a recording SMTP server
//! (tests/smtp_server.py) in the observer's namespace at 192.0.2.9:25.
//! Needs root, python3 and /usr/sbin/keepalived (`tests/deps.sh`); see
//! tests/common/mod.rs and tests/common/smtp.rs.
//!
//! A, side by side with keepalived 2.2.7: the seed's two configs (their
//! global_defs: notification_email, notification_email_from, smtp_server,
//! here the test server's address, smtp_connect_timeout 30; r1 also names
//! a router_id, r2 keeps the default) plus `smtp_alert` in the instance.
//! keepalived on both routers: cold start, failover (the master stops),
//! the other stops; then tinyvrrpd on both, the same steps (the two runs
//! on their own LANs at the same time). Per router, both daemons sent the
//! same number of mails (sessions that reached DATA), with the same
//! subjects (a multiset), senders and recipients. keepalived opens a
//! session at stop but never gets to HELO (its scheduler is shutting
//! down): no mail, and tinyvrrpd sends none at stop, by design.
//!
//! B, faults, tinyvrrpd alone: r1 is master of VI_1 (the measured one) and
//! of VI_2, which tracks trk0; trk0 goes down and up every few seconds, so
//! VI_2's FAULT, BACKUP and MASTER mails keep coming while the server (i)
//! is not there (connection refused), (ii) accepts but never answers,
//! (iii) answers every command, the banner too, after 10 s. In each, over
//! 30 s, the largest gap between VI_1's adverts on the wire stays under
//! 1.5 x advert_int; SIGTERM then ends the daemon within 5 s; and the log
//! names the failure. B uses `smtp_connect_timeout 3`, so that (ii) and
//! (iii) time out (and log it) within the window. The three cases run at
//! once, each on its own LAN. `mail_faults_keepalived` runs B against
//! keepalived (ignored by default: the reference, and a check of the
//! test itself).

mod common;

use std::thread::{self, sleep};
use std::time::{Duration, Instant, SystemTime};

use common::smtp::{Mode, Session, SmtpServer};
use common::*;

const STEP: Duration = Duration::from_millis(50);
const GENEROUS: Duration = Duration::from_secs(15);
/// After a transition: mails take milliseconds on this LAN.
const SETTLE: Duration = Duration::from_secs(2);
const VIP: &str = "192.0.2.100";
/// B's window, and the bound on a gap between adverts (1.5 x 1 s).
const WINDOW: Duration = Duration::from_secs(30);
const MAX_GAP: Duration = Duration::from_millis(1500);
/// SIGTERM -> exit, generous (keepalived takes about 1 s).
const EXIT_BOUND: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Keepalived,
    Tinyvrrpd,
}

fn spawn(lan: &Lan, which: Which, i: usize, conf: &str) -> Daemon {
    match which {
        Which::Keepalived => lan.spawn_keepalived(i, conf),
        Which::Tinyvrrpd => lan.spawn(i, conf),
    }
}

fn edit(conf: &str, from: &str, to: &str) -> String {
    assert!(conf.contains(from), "config has no {from:?}");
    conf.replacen(from, to, 1)
}

// ---------------------------------------------------------------- A

/// The seed config of router `i` (1: master 200, 2: backup 100), mail to
/// the test server, `smtp_alert` in the instance; r1 names its router_id.
fn seed_mail(i: usize) -> String {
    let c = if i == 1 { seed_master() } else { seed_backup() };
    let c = edit(
        &c,
        "smtp_server localhost",
        &format!("smtp_server {OBSERVER_IP}"),
    );
    let c = edit(
        &c,
        "    advert_int 1\n",
        "    advert_int 1\n    smtp_alert\n",
    );
    if i == 1 {
        edit(
            &c,
            "   smtp_connect_timeout 30\n",
            "   smtp_connect_timeout 30\n   router_id svr1\n",
        )
    } else {
        c
    }
}

fn stop(d: &mut Daemon, which: Which) {
    d.signal("TERM");
    assert!(
        d.wait_exit(GENEROUS).is_some(),
        "{which:?}: {} did not stop:\n{}",
        d.name,
        d.log()
    );
}

/// Cold start, failover, stop: every session the server saw.
fn scenario_a(which: Which) -> (Vec<Session>, String) {
    let lan = Lan::new(2);
    let srv = SmtpServer::start(&lan, Mode::Ok);
    let mut r1 = spawn(&lan, which, 1, &seed_mail(1));
    let mut r2 = spawn(&lan, which, 2, &seed_mail(2));
    let up = wait_until(GENEROUS, STEP, || {
        has_vip(lan.r(1), VIP) && r2.log().contains("Entering BACKUP STATE")
    });
    assert!(
        up.is_some(),
        "{which:?}: r1 master, r2 backup not reached:\n{}\n{}",
        r1.log(),
        r2.log()
    );
    sleep(SETTLE);
    stop(&mut r1, which);
    let over = wait_until(GENEROUS, STEP, || has_vip(lan.r(2), VIP));
    assert!(over.is_some(), "{which:?}: no failover:\n{}", r2.log());
    sleep(SETTLE);
    stop(&mut r2, which);
    sleep(SETTLE);
    let logs = format!("r1:\n{}\nr2:\n{}", r1.log(), r2.log());
    (srv.sessions(), logs)
}

/// The mails (sessions that reached DATA) from router `i`.
fn mails(sessions: &[Session], i: usize) -> Vec<&Session> {
    let peer = router_ip(i).to_string();
    sessions
        .iter()
        .filter(|s| s.peer == peer && s.data)
        .collect()
}

/// One line per session, for failure messages.
fn summary(sessions: &[Session]) -> String {
    let mut out = String::new();
    for s in sessions {
        out += &format!(
            "  {} {:?} MAIL FROM {:?} RCPT {:?} DATA {} Subject {:?} From {:?} To {:?} accepted {}\n",
            s.peer,
            s.helo,
            s.mail_from,
            s.rcpts,
            s.data,
            s.subject,
            s.from,
            s.to,
            s.accepted.is_some()
        );
    }
    out
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// What the Done-when compares, per router: subjects (sorted: a
/// multiset), envelope and header senders, envelope and header recipients.
type Digest = (
    usize,
    Vec<Option<String>>,
    Vec<(Option<String>, Option<String>)>,
    Vec<(Vec<String>, Option<String>)>,
);

fn digest(m: &[&Session]) -> Digest {
    (
        m.len(),
        sorted(m.iter().map(|s| s.subject.clone()).collect()),
        sorted(
            m.iter()
                .map(|s| (s.mail_from.clone(), s.from.clone()))
                .collect(),
        ),
        sorted(m.iter().map(|s| (s.rcpts.clone(), s.to.clone())).collect()),
    )
}

/// The reference shows what the test is about: each router mailed BACKUP
/// (cold start) and MASTER (r1 at start, r2 at failover), and r1's
/// subjects carry its router_id.
fn check_reference(ka: &[Session], logs: &str) {
    for i in [1, 2] {
        let subjects: Vec<String> = mails(ka, i)
            .iter()
            .filter_map(|s| s.subject.clone())
            .collect();
        assert_eq!(subjects.len(), 2, "keepalived r{i}:\n{}{logs}", summary(ka));
        for state in ["BACKUP", "MASTER"] {
            let want = format!("VRRP Instance VRRP1 - Entering {state} state");
            assert!(
                subjects.iter().any(|s| s.ends_with(&want)),
                "keepalived r{i}: no {want:?} in {subjects:?}"
            );
        }
    }
    let r1 = mails(ka, 1);
    assert!(
        r1.iter().all(|s| s
            .subject
            .as_deref()
            .is_some_and(|s| s.starts_with("[svr1] "))),
        "{}",
        summary(ka)
    );
}

#[test]
fn mail_follows_keepalived() {
    if !root_or_skip() {
        return;
    }
    let ((ka, ka_logs), (tv, tv_logs)) = thread::scope(|s| {
        let k = s.spawn(|| scenario_a(Which::Keepalived));
        let t = s.spawn(|| scenario_a(Which::Tinyvrrpd));
        (
            k.join().expect("keepalived run"),
            t.join().expect("tinyvrrpd run"),
        )
    });
    println!("keepalived:\n{}tinyvrrpd:\n{}", summary(&ka), summary(&tv));
    check_reference(&ka, &ka_logs);
    for i in [1, 2] {
        let (k, t) = (digest(&mails(&ka, i)), digest(&mails(&tv, i)));
        let ctx = || {
            format!(
                "keepalived:\n{}tinyvrrpd:\n{}{tv_logs}",
                summary(&ka),
                summary(&tv)
            )
        };
        assert_eq!(k.0, t.0, "r{i}: number of mails\n{}", ctx());
        assert_eq!(k.1, t.1, "r{i}: subjects\n{}", ctx());
        assert_eq!(k.2, t.2, "r{i}: senders (MAIL FROM, From:)\n{}", ctx());
        assert_eq!(k.3, t.3, "r{i}: recipients (RCPT TO, To:)\n{}", ctx());
    }
}

// ---------------------------------------------------------------- B

#[derive(Clone, Copy, Debug)]
enum Fault {
    Refused,
    NoBanner,
    Slow,
}

impl Fault {
    /// Words (lowercase) one of which a log line naming SMTP must hold.
    fn words(self) -> &'static [&'static str] {
        match self {
            Fault::Refused => &["refused", "error", "fail"],
            Fault::NoBanner | Fault::Slow => &["timeout", "timed out"],
        }
    }
}

/// VI_1 (measured) and VI_2 (tracks trk0), both masters, both mailed.
fn fault_conf() -> String {
    let inst = |n: u8, extra: &str| {
        format!(
            "vrrp_instance VI_{n} {{\n    state MASTER\n    interface eth0\n    \
             virtual_router_id {}\n    priority 200\n    advert_int 1\n    smtp_alert\n    \
             virtual_ipaddress {{\n        192.0.2.{}/24\n    }}\n{extra}}}\n",
            40 + n,
            99 + n
        )
    };
    format!(
        "global_defs {{\n    notification_email {{\n        root@mydomain.com\n    }}\n    \
         notification_email_from svr1@mydomain.com\n    smtp_server {OBSERVER_IP}\n    \
         smtp_connect_timeout 3\n}}\n{}{}",
        inst(1, ""),
        inst(2, "    track_interface {\n        trk0\n    }\n")
    )
}

/// trk0 in router 1: a veth whose peer is up, so it has carrier.
fn add_trk0(lan: &Lan) {
    let ns = lan.r(1);
    must(&[
        "ip", "-n", ns, "link", "add", "trk0", "type", "veth", "peer", "name", "trk0p",
    ]);
    must(&["ip", "-n", ns, "link", "set", "trk0p", "up"]);
    must(&["ip", "-n", ns, "link", "set", "trk0", "up"]);
}

/// The largest gap between VI_1's adverts from r1 over [t0, t1], the
/// window's edges included, and how many there were.
fn largest_gap(cap: &Capture, m1: [u8; 6], t0: SystemTime, t1: SystemTime) -> (Duration, usize) {
    let mut ts: Vec<SystemTime> = cap
        .adverts()
        .into_iter()
        .filter(|a| a.eth_src == m1 && a.advert.vrid == 41 && a.ts >= t0 && a.ts <= t1)
        .map(|a| a.ts)
        .collect();
    let n = ts.len();
    ts.insert(0, t0);
    ts.push(t1);
    let gap = ts
        .windows(2)
        .filter_map(|w| w[1].duration_since(w[0]).ok())
        .max()
        .unwrap_or(t1.duration_since(t0).unwrap_or_default());
    (gap, n)
}

/// One fault case; returns a line for the test's output.
fn scenario_b(which: Which, fault: Fault) -> String {
    let lan = Lan::new(1);
    add_trk0(&lan);
    let srv = match fault {
        Fault::Refused => None,
        Fault::NoBanner => Some(SmtpServer::start(&lan, Mode::Silent)),
        Fault::Slow => Some(SmtpServer::start(&lan, Mode::Slow(10))),
    };
    let cap = lan.capture();
    let m1 = mac(lan.r(1));
    let mut r1 = spawn(&lan, which, 1, &fault_conf());
    let master = wait_until(GENEROUS, STEP, || {
        has_vip(lan.r(1), "192.0.2.100") && has_vip(lan.r(1), "192.0.2.101")
    });
    assert!(
        master.is_some(),
        "{which:?} {fault:?}: not master:\n{}",
        r1.log()
    );
    // trk0 down 2 s, up 4 s (VI_2 gets back to MASTER): FAULT, BACKUP and
    // MASTER mails, five times.
    let t0 = SystemTime::now();
    let start = Instant::now();
    while start.elapsed() + Duration::from_secs(6) <= WINDOW {
        must(&["ip", "-n", lan.r(1), "link", "set", "trk0", "down"]);
        sleep(Duration::from_secs(2));
        must(&["ip", "-n", lan.r(1), "link", "set", "trk0", "up"]);
        sleep(Duration::from_secs(4));
    }
    sleep(WINDOW.saturating_sub(start.elapsed()));
    let t1 = SystemTime::now();
    // Let the capture catch up with t1.
    sleep(Duration::from_millis(1200));
    let (gap, n) = largest_gap(&cap, m1, t0, t1);
    let term = Instant::now();
    r1.signal("TERM");
    let exited = r1.wait_exit(EXIT_BOUND);
    let took = term.elapsed();
    let log = r1.log();
    assert!(
        gap < MAX_GAP && n >= 25,
        "{which:?} {fault:?}: largest advert gap {gap:?} ({n} adverts in 30 s):\n{log}"
    );
    assert!(
        exited.is_some(),
        "{which:?} {fault:?}: still running {EXIT_BOUND:?} after SIGTERM:\n{log}"
    );
    // The faults were exercised: VI_2 went through FAULT again and again
    // (each time a mail), and the server, when there is one, was reached.
    let faults = log.matches("VI_2) Entering FAULT STATE").count();
    assert!(
        faults >= 3,
        "{which:?} {fault:?}: {faults} FAULTs of VI_2:\n{log}"
    );
    if let Some(srv) = &srv {
        assert!(
            !srv.sessions().is_empty(),
            "{which:?} {fault:?}: no session reached the server:\n{log}"
        );
    }
    let named = log.lines().find(|l| {
        let l = l.to_lowercase();
        l.contains("smtp") && fault.words().iter().any(|w| l.contains(w))
    });
    let Some(named) = named else {
        panic!("{which:?} {fault:?}: no log line names the SMTP failure:\n{log}");
    };
    let sent = srv.as_ref().map_or(0, |s| s.sessions().len());
    format!(
        "{which:?} {fault:?}: {n} adverts, largest gap {:.3} s, SIGTERM -> exit {:.3} s, \
         {faults} FAULTs of VI_2, {sent} sessions; log: {}",
        secs(gap),
        secs(took),
        named.trim()
    )
}

fn faults(which: Which) {
    let lines = thread::scope(|s| {
        let runs: Vec<_> = [Fault::Refused, Fault::NoBanner, Fault::Slow]
            .into_iter()
            .map(|f| s.spawn(move || scenario_b(which, f)))
            .collect();
        // Join every case before reporting, so each cleans up.
        let results: Vec<_> = runs.into_iter().map(|r| r.join()).collect();
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect::<Vec<_>>()
    });
    for l in lines {
        println!("{l}");
    }
}

#[test]
fn mail_faults_keep_adverts() {
    if !root_or_skip() {
        return;
    }
    faults(Which::Tinyvrrpd);
}

#[test]
#[ignore = "the keepalived reference for B (about 35 s)"]
fn mail_faults_keepalived() {
    if !root_or_skip() {
        return;
    }
    faults(Which::Keepalived);
}

// ---------------------------------------------------------------- C

/// A DNS server for the test (UDP, 192.0.2.9:53 in the observer): an A
/// record for relay-dns.test (the SMTP server's address), no AAAA, and
/// NXDOMAIN for any other name; each question logged as `NAME TYPE`.
const DNS_SERVER: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
log = open(sys.argv[2], "a", buffering=1)
log.write("listening\n")
while True:
    q, peer = s.recvfrom(512)
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode())
        i += 1 + q[i]
    name, qtype = ".".join(labels), int.from_bytes(q[i + 1:i + 3], "big")
    log.write("%s %d\n" % (name, qtype))
    an = b""
    if name != "relay-dns.test":
        flags = b"\x81\x83"
    else:
        flags = b"\x81\x80"
        if qtype == 1:
            an = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + socket.inet_aton(sys.argv[1])
    head = q[:2] + flags + b"\x00\x01" + (b"\x00\x01" if an else b"\x00\x00") + b"\x00" * 4
    s.sendto(head + q[12:i + 5] + an, peer)
"#;

/// /etc/netns/NS: `ip netns exec` mounts its files over /etc's, so the
/// daemon in NS reads this hosts and resolv.conf. Removed on drop.
struct EtcNetns(std::path::PathBuf);

impl EtcNetns {
    fn new(ns: &str, files: &[(&str, String)]) -> EtcNetns {
        let dir = EtcNetns(std::path::PathBuf::from(format!("/etc/netns/{ns}")));
        std::fs::create_dir_all(&dir.0).expect("mkdir /etc/netns/NS");
        for (name, text) in files {
            std::fs::write(dir.0.join(name), text).expect("write /etc/netns/NS/FILE");
        }
        dir
    }
}

impl Drop for EtcNetns {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child killed and waited for on drop.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A master mailing through `smtp_server {server}`.
fn by_name_conf(server: &str) -> String {
    format!(
        "global_defs {{\n    notification_email {{\n        root@mydomain.com\n    }}\n    \
         smtp_server {server}\n    smtp_connect_timeout 3\n}}\n\
         vrrp_instance VI_1 {{\n    state MASTER\n    interface eth0\n    \
         virtual_router_id 41\n    priority 200\n    advert_int 1\n    smtp_alert\n    \
         virtual_ipaddress {{\n        {VIP}/24\n    }}\n}}\n"
    )
}

/// `smtp_server NAME`: a name from /etc/hosts, a name from DNS (the
/// nameserver of resolv.conf), and a name nobody knows (logged, no mail).
#[test]
fn mail_server_by_name() {
    if !root_or_skip() {
        return;
    }
    let lan = Lan::new(1);
    let _etc = EtcNetns::new(
        lan.r(1),
        &[
            (
                "hosts",
                format!("# test\n{OBSERVER_IP}\trelay-hosts.test relay\n"),
            ),
            (
                "resolv.conf",
                format!("search test\nnameserver {OBSERVER_IP}\n"),
            ),
        ],
    );
    let srv = SmtpServer::start(&lan, Mode::Ok);
    let dns_log = lan.dir.join("dns.log");
    let _dns = Reaped(
        std::process::Command::new("ip")
            .args(["netns", "exec", lan.obs(), "python3", "-c", DNS_SERVER])
            .arg(OBSERVER_IP.to_string())
            .arg(&dns_log)
            .spawn()
            .expect("spawn the DNS server"),
    );
    let dns = || std::fs::read_to_string(&dns_log).unwrap_or_default();
    let listening = wait_until(GENEROUS, STEP, || dns().contains("listening"));
    assert!(listening.is_some(), "the DNS server did not start");
    for (n, name) in ["relay-hosts.test", "relay-dns.test"]
        .into_iter()
        .enumerate()
    {
        let mut r1 = lan.spawn(1, &by_name_conf(name));
        let mailed = wait_until(GENEROUS, STEP, || srv.mails_from(router_ip(1)).len() > n);
        assert!(
            mailed.is_some(),
            "{name}: no mail:\n{}\nDNS: {}",
            r1.log(),
            dns()
        );
        stop(&mut r1, Which::Tinyvrrpd);
    }
    // /etc/hosts answered the first name: only the second was asked.
    assert_eq!(dns().lines().nth(1), Some("relay-dns.test 1"), "{}", dns());
    let mut r1 = lan.spawn(1, &by_name_conf("nowhere.test"));
    let master = wait_until(GENEROUS, STEP, || has_vip(lan.r(1), VIP));
    assert!(master.is_some(), "not master:\n{}", r1.log());
    sleep(SETTLE);
    let log = r1.log();
    stop(&mut r1, Which::Tinyvrrpd);
    assert!(log.contains("Invalid smtp server nowhere.test 25"), "{log}");
    assert_eq!(srv.mails_from(router_ip(1)).len(), 2, "{}", srv.raw());
    assert!(
        dns().contains("nowhere.test 1\nnowhere.test 28\n"),
        "{}",
        dns()
    );
}
