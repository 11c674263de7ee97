//! Steady state allocates nothing: the daemon's poll loop runs in this
//! process, in a network namespace of its own, with a peer tinyvrrpd on a
//! veth pair; once the election has settled, many loop iterations with
//! adverts flowing both ways (IPv4 and IPv6, received in batches) must
//! not allocate at all.
//!
//! Needs root (network namespaces). Without root it says so and skips,
//! except under CI, where that is a failure.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tinyvrrpd::daemon::{Daemon, Options};
use tinyvrrpd::sys::log::LogOptions;
use tinyvrrpd::vrrp::State;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: defers to System; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn sh(args: &[&str]) {
    let st = Command::new(args[0])
        .args(&args[1..])
        .status()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(st.success(), "{args:?} failed: {st}");
}

/// Removes the peer namespace and process on every exit path.
struct Peer {
    ns: String,
    child: Option<Child>,
    smtpd: Option<Child>,
    dir: PathBuf,
}

impl Drop for Peer {
    fn drop(&mut self) {
        for c in [self.child.as_mut(), self.smtpd.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const OURS: &str = "
global_defs {
  vrrp_garp_master_delay 0
  notification_email {
    a@example.com
    b@example.com
  }
  smtp_server 192.0.2.2 2525
  smtp_connect_timeout 2
  router_id steady
}
# Issue 15: MAILER goes FAULT, BACKUP, MASTER every 2 s (its check fails
# every other second); each transition is a mail to the peer's server.
vrrp_script flip {
  script \"/bin/sh -c '[ $(( $(date +%s) / 2 % 2 )) = 0 ]'\"
  interval 1
}
vrrp_instance MAILER {
  interface veth0
  virtual_router_id 5
  priority 100
  version 3
  advert_int 0.05
  virtual_ipaddress {
    192.0.2.105/24
  }
  track_script {
    flip
  }
  smtp_alert
}
vrrp_script chk {
  script \"/bin/true\"
  interval 1
  weight 10
}
vrrp_track_process init {
  process tinyvrrpd-none
  weight -5
}
vrrp_instance FOLLOW {
  interface veth0
  virtual_router_id 1
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass steady
  }
  virtual_ipaddress {
    192.0.2.101/24
  }
}
vrrp_instance LEAD {
  interface veth0
  virtual_router_id 2
  priority 200
  advert_int 1
  virtual_ipaddress {
    192.0.2.102/24
  }
  # Issue 13: a check run every second and a /proc scan every second
  # allocate nothing once the check's command is prepared.
  track_script {
    chk
  }
  track_process {
    init
  }
  track_interface {
    lo weight 1
  }
}
vrrp_instance FAST {
  interface veth0
  virtual_router_id 3
  priority 200
  version 3
  advert_int 0.05
  virtual_ipaddress {
    192.0.2.103/24
  }
}
vrrp_instance FASTFOLLOW {
  interface veth0
  virtual_router_id 4
  priority 50
  version 3
  advert_int 0.05
  virtual_ipaddress {
    192.0.2.104/24
  }
}
vrrp_instance FAST6 {
  interface veth0
  virtual_router_id 5
  priority 50
  version 3
  advert_int 0.05
  virtual_ipaddress {
    2001:db8::105/64
  }
}
";

const THEIRS: &str = "
global_defs {
  vrrp_garp_master_delay 0
}
vrrp_instance FOLLOW {
  interface veth1
  virtual_router_id 1
  priority 200
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass steady
  }
  virtual_ipaddress {
    192.0.2.101/24
  }
}
vrrp_instance LEAD {
  interface veth1
  virtual_router_id 2
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.0.2.102/24
  }
}
vrrp_instance FAST {
  interface veth1
  virtual_router_id 3
  priority 100
  version 3
  advert_int 0.05
  virtual_ipaddress {
    192.0.2.103/24
  }
}
vrrp_instance FASTFOLLOW {
  interface veth1
  virtual_router_id 4
  priority 200
  version 3
  advert_int 0.05
  virtual_ipaddress {
    192.0.2.104/24
  }
}
vrrp_instance FAST6 {
  interface veth1
  virtual_router_id 5
  priority 200
  version 3
  advert_int 0.05
  virtual_ipaddress {
    2001:db8::105/64
  }
}
";

/// An SMTP server that takes every mail (one connection at a time).
const SMTPD: &str = r#"
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 2525)); s.listen(8)
while True:
    c, _ = s.accept(); f = c.makefile("rb"); c.sendall(b"220 steady\r\n")
    data = False
    for line in f:
        if data:
            if line == b".\r\n": data = False; c.sendall(b"250 ok\r\n")
        elif line.startswith(b"DATA"): data = True; c.sendall(b"354 go\r\n")
        elif line.startswith(b"QUIT"): c.sendall(b"221 bye\r\n"); break
        else: c.sendall(b"250 ok\r\n")
    c.close()
"#;

fn run_loop(d: &mut Daemon, for_: Duration) -> usize {
    let until = Instant::now() + for_;
    let mut iterations = 0;
    while Instant::now() < until {
        d.poll_once(50).expect("poll loop");
        iterations += 1;
    }
    iterations
}

fn main() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        if std::env::var_os("CI").is_some() {
            eprintln!("steady_alloc: CI must run as root");
            std::process::exit(1);
        }
        println!("steady_alloc: skipped: needs root (network namespaces)");
        return;
    }
    // SAFETY: single-threaded; moves this process into a new network
    // namespace that nothing else shares.
    let r = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    assert_eq!(r, 0, "unshare(CLONE_NEWNET)");

    let ns = format!("tva{}-peer", std::process::id());
    let dir = std::env::temp_dir().join(format!("tva{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut peer = Peer {
        ns: ns.clone(),
        child: None,
        smtpd: None,
        dir: dir.clone(),
    };
    sh(&["ip", "netns", "add", &ns]);
    sh(&["ip", "link", "set", "lo", "up"]);
    sh(&[
        "ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
    ]);
    sh(&["ip", "link", "set", "veth1", "netns", &ns]);
    sh(&["ip", "addr", "add", "192.0.2.1/24", "dev", "veth0"]);
    sh(&["ip", "link", "set", "veth0", "up"]);
    let nsx = |args: &[&str]| {
        let mut v = vec!["ip", "netns", "exec", &ns];
        v.extend_from_slice(args);
        sh(&v);
    };
    nsx(&["ip", "addr", "add", "192.0.2.2/24", "dev", "veth1"]);
    nsx(&["ip", "link", "set", "veth1", "up"]);
    nsx(&["ip", "link", "set", "lo", "up"]);

    let ours = dir.join("ours.conf");
    let theirs = dir.join("theirs.conf");
    std::fs::write(&ours, OURS).expect("write config");
    std::fs::write(&theirs, THEIRS).expect("write config");
    peer.smtpd = Some(
        Command::new("ip")
            .args(["netns", "exec", &ns, "python3", "-c", SMTPD])
            .spawn()
            .expect("start python3's SMTP server"),
    );
    let pidfile = dir.join("peer.pid");
    peer.child = Some(
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &ns,
                env!("CARGO_BIN_EXE_tinyvrrpd"),
                "-n",
                "-G",
                "-f",
            ])
            .arg(&theirs)
            .arg("-p")
            .arg(&pidfile)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the peer daemon"),
    );

    let mut d = Daemon::new(Options {
        config: ours,
        keep_vips: false,
        log: LogOptions::default(),
        dumps: Default::default(),
        state_file: None,
    })
    .unwrap_or_else(|e| panic!("daemon start: {e}"));
    d.start(tinyvrrpd::sys::clock::now());
    // Election: our FOLLOW waits 3 s + skew for nothing (the peer wins at
    // priority 200); give it twice that.
    run_loop(&mut d, Duration::from_secs(8));
    let states: Vec<(String, State)> = d.states().map(|(n, s)| (n.to_string(), s)).collect();
    let want = [
        ("FOLLOW", State::Backup),
        ("LEAD", State::Master),
        ("FAST", State::Master),
        ("FASTFOLLOW", State::Backup),
        // The IPv6 socket's batched receive too (issue 17).
        ("FAST6", State::Backup),
    ];
    for (name, st) in want {
        assert!(
            states.iter().any(|(n, s)| n == name && *s == st),
            "{name} should be {st:?}: {states:?}"
        );
    }
    let rcvd_before: u64 = d.stats().map(|(_, s)| s.advert_rcvd).sum();
    let rcvd6 = |d: &Daemon| -> u64 {
        d.stats()
            .filter(|(n, _)| *n == "FAST6")
            .map(|(_, s)| s.advert_rcvd)
            .sum()
    };
    let rcvd6_before = rcvd6(&d);
    let sent_before: u64 = d.stats().map(|(_, s)| s.advert_sent).sum();
    let (mailed_before, lost_before) = d.mails();

    COUNTING.store(true, Ordering::SeqCst);
    let iterations = run_loop(&mut d, Duration::from_secs(4));
    COUNTING.store(false, Ordering::SeqCst);
    let allocs = ALLOCS.load(Ordering::SeqCst);

    let rcvd: u64 = d.stats().map(|(_, s)| s.advert_rcvd).sum::<u64>() - rcvd_before;
    let rcvd6 = rcvd6(&d) - rcvd6_before;
    let sent: u64 = d.stats().map(|(_, s)| s.advert_sent).sum::<u64>() - sent_before;
    let (mailed, lost) = d.mails();
    let (mailed, lost) = (mailed - mailed_before, lost - lost_before);
    println!(
        "steady_alloc: {iterations} loop iterations, {rcvd} adverts received, {sent} sent, {mailed} mails sent ({lost} lost), {allocs} allocations"
    );
    // MAILER flips every 2 s: FAULT, BACKUP and MASTER mails.
    assert!(mailed >= 2, "too few mails sent: {mailed} ({lost} lost)");
    // At 0.05 s, 4 s is ~80 adverts each way for the fast instances.
    assert!(rcvd >= 40, "too few adverts received: {rcvd}");
    assert!(rcvd6 >= 40, "too few IPv6 adverts received: {rcvd6}");
    assert!(sent >= 40, "too few adverts sent: {sent}");
    assert_eq!(allocs, 0, "the steady state allocated");
    d.stop(tinyvrrpd::sys::clock::now());
    drop(peer);
    println!("steady_alloc: 1 passed, 0 failed");
}
