//! Integration-test harness: a LAN made of network namespaces.
//!
//! ```text
//!            {p}br: bridge br0 (no IPv6, no multicast snooping)
//!           /         |          \            \
//!   {p}r1 eth0   {p}r2 eth0   ...   {p}ob eth0 (observer, tcpdump)
//!   192.0.2.71   192.0.2.72         192.0.2.9
//! ```
//!
//! Every namespace name starts with a per-run, per-test prefix
//! `tv{pid}-{n}` so parallel tests (and parallel runs) never meet. The
//! router and observer ends of the veth pairs are called `eth0`, so the
//! seed configs' `interface eth0` works unchanged. Nothing is created in the
//! host namespace: the bridge-side veth ends live in the bridge namespace.
//!
//! Cleanup is `Drop`, which also runs when a test panics: daemons and
//! captures kill their own process first (they are dropped before the
//! `Lan` that made them), then the `Lan` kills anything still inside its
//! namespaces and deletes them, and removes its temp dir.
//!
//! Shared by several test binaries, each using a subset: hence the
//! dead_code allowance.
#![allow(dead_code)]

use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use tinyvrrpd::wire::arp;
use tinyvrrpd::wire::ipv4;
use tinyvrrpd::wire::vrrp::Advert;

pub mod ifaces;
pub mod smtp;

/// `text` loaded as a configuration file: written to a file of its own
/// (the tests of a binary run side by side), read by `config::load`, and
/// removed. For the tests that drive the router without a kernel.
pub fn load_text(
    text: &str,
) -> Result<(tinyvrrpd::config::Config, Vec<tinyvrrpd::config::Diag>), Vec<tinyvrrpd::config::Diag>>
{
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!("tinyvrrpd-node-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.conf", N.fetch_add(1, Ordering::Relaxed)));
    fs::write(&path, text).expect("write");
    let loaded = tinyvrrpd::config::load(&path);
    let _ = fs::remove_file(&path);
    loaded
}

/// The daemon under test, built by cargo for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_tinyvrrpd");
/// The seed document's master config, byte for byte but for 10.0.0.x
/// mapped into 192.0.2.x (r1 = 192.0.2.71, priority 200).
pub fn seed_master() -> String {
    include_str!("../configs/valid/01-seed-master.conf").replace("10.0.0.", "192.0.2.")
}

/// The seed document's backup config, mapped the same way (r2, priority 100).
pub fn seed_backup() -> String {
    include_str!("../configs/valid/02-seed-backup.conf").replace("10.0.0.", "192.0.2.")
}

/// Debian's keepalived, the reference peer for interop scenarios.
pub const KEEPALIVED: &str = "/usr/sbin/keepalived";

/// Address of router `i` (1-based): the seed's 10.0.0.7i mapped into the
/// documentation range.
pub fn router_ip(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(192, 0, 2, 70 + u8::try_from(i).unwrap())
}
pub const OBSERVER_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 9);

/// True when the test may go on. Without root there are no namespaces: a
/// developer's `cargo test` skips (with a line saying so), but CI must not
/// pass by skipping, so there the missing privilege is a failure.
pub fn root_or_skip() -> bool {
    if euid() == Some(0) {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("integration tests need root (network namespaces) and CI is set");
    }
    println!("skipped: needs root (network namespaces)");
    false
}

/// The effective uid, from /proc (no unsafe libc call needed for it).
fn euid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Runs a command to completion; Err carries its stderr. A `make` it runs
/// does not take the flags of the `make test` around it (`make -n test`
/// would turn the board tests' make calls into dry runs).
pub fn run(argv: &[&str]) -> Result<String, String> {
    let out = Command::new(argv[0])
        .args(&argv[1..])
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", argv.join(" ")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{}: {}: {}",
            argv.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Runs a set-up command that must work.
pub fn must(argv: &[&str]) -> String {
    run(argv).unwrap_or_else(|e| panic!("{e}"))
}

/// Polls `cond` every `step` until it holds or `timeout` passes; returns how
/// long it took. The loop is bounded by `timeout` (plus one `cond` call).
pub fn wait_until(
    timeout: Duration,
    step: Duration,
    mut cond: impl FnMut() -> bool,
) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if cond() {
            return Some(start.elapsed());
        }
        if start.elapsed() >= timeout {
            return None;
        }
        sleep(step);
    }
}

/// Checks that `cond` holds at every sample over `dur`: Ok(number of
/// samples), or Err(time at which it first failed).
pub fn holds_for(
    dur: Duration,
    step: Duration,
    mut cond: impl FnMut() -> bool,
) -> Result<u32, Duration> {
    let start = Instant::now();
    let mut samples = 0;
    loop {
        if !cond() {
            return Err(start.elapsed());
        }
        samples += 1;
        if start.elapsed() >= dur {
            return Ok(samples);
        }
        sleep(step);
    }
}

static NEXT_LAN: AtomicU32 = AtomicU32::new(0);
static SWEEP: Once = Once::new();

/// One bridge namespace, `n` router namespaces and an observer namespace.
pub struct Lan {
    pub prefix: String,
    routers: Vec<String>,
    obs: String,
    br: String,
    /// Per-test temp dir: configs, logs, pid files, captures.
    pub dir: PathBuf,
    spawned: AtomicU32,
}

impl Lan {
    pub fn new(n: usize) -> Lan {
        assert!((1..=9).contains(&n), "1 to 9 routers");
        SWEEP.call_once(sweep_stale);
        // The separator keeps (pid 12, lan 34) and (pid 123, lan 4) apart;
        // at most tv + 7 pid digits + - + 2 = 12 chars, 14 with the suffix,
        // within the kernel's 15-char interface name limit we also keep to.
        let prefix = format!(
            "tv{}-{}",
            std::process::id(),
            NEXT_LAN.fetch_add(1, Ordering::Relaxed)
        );
        let lan = Lan {
            routers: (1..=n).map(|i| format!("{prefix}r{i}")).collect(),
            obs: format!("{prefix}ob"),
            br: format!("{prefix}br"),
            dir: PathBuf::from(format!("/tmp/{prefix}")),
            prefix,
            spawned: AtomicU32::new(0),
        };
        // From here on a failed step panics and Drop undoes what was made.
        let _ = fs::remove_dir_all(&lan.dir);
        fs::create_dir_all(&lan.dir).unwrap();
        for ns in lan.all_ns() {
            must(&["ip", "netns", "add", ns]);
            must(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        // Before any eth0 exists, so it inherits "default": no duplicate
        // address detection, link-local addresses usable at once. The
        // bridge namespace gets no IPv6 at all: it only forwards frames and
        // must not add its own chatter to the captures.
        for ns in lan.routers.iter().chain([&lan.obs]) {
            set_sysctl(ns, "net/ipv6/conf/all/accept_dad", "0");
            set_sysctl(ns, "net/ipv6/conf/default/accept_dad", "0");
        }
        set_sysctl(&lan.br, "net/ipv6/conf/all/disable_ipv6", "1");
        set_sysctl(&lan.br, "net/ipv6/conf/default/disable_ipv6", "1");
        let br = lan.br.as_str();
        // No snooping: every multicast frame (VRRP to 224.0.0.18) reaches
        // every port, like a plain switch. STP is off by default, so ports
        // forward as soon as they are up.
        must(&[
            "ip",
            "-n",
            br,
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "0",
        ]);
        must(&["ip", "-n", br, "link", "set", "br0", "up"]);
        let ends: Vec<(String, String, Ipv4Addr, String)> = lan
            .routers
            .iter()
            .enumerate()
            .map(|(k, ns)| {
                let i = k + 1;
                (
                    ns.clone(),
                    format!("p{i}"),
                    router_ip(i),
                    format!("02:00:00:00:00:{i:02x}"),
                )
            })
            .chain([(
                lan.obs.clone(),
                "pob".to_string(),
                OBSERVER_IP,
                "02:00:00:00:00:09".to_string(),
            )])
            .collect();
        for (ns, port, ip, mac) in &ends {
            must(&[
                "ip", "-n", br, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                "netns", ns,
            ]);
            must(&["ip", "-n", br, "link", "set", port, "master", "br0", "up"]);
            // Fixed MACs: captures and logs read the same on every run.
            must(&["ip", "-n", ns, "link", "set", "eth0", "address", mac]);
            must(&[
                "ip",
                "-n",
                ns,
                "addr",
                "add",
                &format!("{ip}/24"),
                "dev",
                "eth0",
            ]);
            must(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
        }
        lan
    }

    fn all_ns(&self) -> impl Iterator<Item = &String> {
        [&self.br]
            .into_iter()
            .chain(&self.routers)
            .chain([&self.obs])
    }

    /// Namespace of router `i` (1-based, as r1, r2 in the scenarios).
    pub fn r(&self, i: usize) -> &str {
        &self.routers[i - 1]
    }

    /// Namespace of the observer.
    pub fn obs(&self) -> &str {
        &self.obs
    }

    /// Cuts router `i` off the bridge while its eth0 stays up with carrier:
    /// a partition the daemon cannot see as a link event.
    pub fn detach(&self, i: usize) {
        must(&[
            "ip",
            "-n",
            &self.br,
            "link",
            "set",
            &format!("p{i}"),
            "nomaster",
        ]);
    }

    /// Undoes [`Lan::detach`].
    pub fn attach(&self, i: usize) {
        must(&[
            "ip",
            "-n",
            &self.br,
            "link",
            "set",
            &format!("p{i}"),
            "master",
            "br0",
        ]);
    }

    /// Writes `text` to a fresh file in the temp dir and returns its path.
    pub fn write_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// Starts tinyvrrpd in router `i` as the scenarios run it: foreground,
    /// console log, no syslog.
    pub fn spawn(&self, i: usize, conf: &str) -> Daemon {
        self.spawn_with(i, conf, |conf, pid| {
            [BIN, "-n", "-l", "-G", "-f", conf, "-p", pid]
                .map(String::from)
                .to_vec()
        })
    }

    /// Starts tinyvrrpd in router `i` like `spawn`, with `extra` flags
    /// after the usual ones.
    pub fn spawn_args(&self, i: usize, conf: &str, extra: &[&str]) -> Daemon {
        self.spawn_with(i, conf, |conf, pid| {
            let mut v: Vec<String> = [BIN, "-n", "-l", "-G", "-f", conf, "-p", pid]
                .map(String::from)
                .to_vec();
            v.extend(extra.iter().map(|s| s.to_string()));
            v
        })
    }

    /// Starts Debian's keepalived (VRRP only) in router `i`: the peer for
    /// interop scenarios.
    pub fn spawn_keepalived(&self, i: usize, conf: &str) -> Daemon {
        let vrrp_pid = self.dir.join(format!("r{i}-{}.vrrp.pid", self.seq()));
        let vrrp_pid = vrrp_pid.to_str().unwrap().to_string();
        self.spawn_with(i, conf, move |conf, pid| {
            [
                KEEPALIVED, "-n", "-l", "-D", "-G", "-P", "-f", conf, "-p", pid, "-r", &vrrp_pid,
            ]
            .map(String::from)
            .to_vec()
        })
    }

    fn seq(&self) -> u32 {
        self.spawned.fetch_add(1, Ordering::Relaxed)
    }

    /// Starts `argv(conf_path, pid_path)` in router `i`'s namespace with
    /// stdout and stderr to one log file.
    pub fn spawn_with(
        &self,
        i: usize,
        conf: &str,
        argv: impl FnOnce(&str, &str) -> Vec<String>,
    ) -> Daemon {
        let n = self.seq();
        let conf_path = self.write_file(&format!("r{i}-{n}.conf"), conf);
        let log_path = self.dir.join(format!("r{i}-{n}.log"));
        let pid_path = self.dir.join(format!("r{i}-{n}.pid"));
        let argv = argv(conf_path.to_str().unwrap(), pid_path.to_str().unwrap());
        let log = fs::File::create(&log_path).unwrap();
        // `ip netns exec` execs the program in place: the child's pid is the
        // daemon's, so signals reach the daemon itself.
        let child = Command::new("ip")
            .args(["netns", "exec", self.r(i)])
            .args(&argv)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {argv:?}: {e}"));
        Daemon {
            pid: child.id(),
            child,
            name: format!("r{i}"),
            ns: self.r(i).to_string(),
            conf: conf_path,
            log_path,
            exited: None,
        }
    }

    /// Starts tcpdump on the observer's eth0 (VRRP and ARP only) and returns
    /// once it is listening, so nothing that follows can be missed.
    pub fn capture(&self) -> Capture {
        self.capture_filter("arp or ip proto 112 or ip6 proto 112")
    }

    /// [`Lan::capture`] with another tcpdump filter expression (say, one
    /// that adds `icmp6` for IPv6 neighbour advertisements).
    pub fn capture_filter(&self, filter: &str) -> Capture {
        let n = self.seq();
        let pcap = self.dir.join(format!("cap-{n}.pcap"));
        let err = self.dir.join(format!("cap-{n}.err"));
        // `timeout` is a backstop should this process die without running
        // Drop (SIGKILL): the capture ends by itself. -Z root: Debian's
        // tcpdump otherwise drops to user tcpdump, who may not write here.
        let child = Command::new("ip")
            .args(["netns", "exec", &self.obs, "timeout", "300"])
            .args(["tcpdump", "-i", "eth0", "-n", "-U", "-Z", "root", "-w"])
            .arg(&pcap)
            .arg(filter)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&err).unwrap())
            .spawn()
            .expect("spawn tcpdump");
        let mut cap = Capture {
            child,
            pcap,
            err,
            done: false,
        };
        let ready = wait_until(Duration::from_secs(10), Duration::from_millis(20), || {
            fs::read_to_string(&cap.err).is_ok_and(|s| s.contains("listening on"))
        });
        if ready.is_none() {
            let msg = fs::read_to_string(&cap.err).unwrap_or_default();
            cap.stop();
            panic!("tcpdump did not start within 10 s: {msg}");
        }
        cap
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        // Errors ignored throughout: cleanup must get as far as it can.
        let names: Vec<String> = self.all_ns().cloned().collect();
        for ns in &names {
            kill_all_in(ns);
        }
        for ns in &names {
            let _ = run(&["ip", "netns", "del", ns]);
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn set_sysctl(ns: &str, key: &str, value: &str) {
    // /proc/sys/net is per network namespace; writing it from inside avoids
    // depending on procps' sysctl. A kernel without IPv6 lacks the file:
    // nothing to disable then.
    let _ = run(&[
        "ip",
        "netns",
        "exec",
        ns,
        "sh",
        "-c",
        &format!("echo {value} > /proc/sys/{key}"),
    ]);
}

fn kill_all_in(ns: &str) {
    if let Ok(pids) = run(&["ip", "netns", "pids", ns]) {
        for pid in pids.split_whitespace() {
            let _ = run(&["kill", "-9", pid]);
        }
    }
}

/// Removes namespaces a previous run left behind when it was killed before
/// its Drops ran: only names of our own pattern `tv{pid}-{n}...` whose pid is
/// gone, so concurrent runs, the demo (`tvdemo`) and the capture script
/// (`tvw`) are never touched.
fn sweep_stale() {
    let Ok(list) = run(&["ip", "netns", "list"]) else {
        return;
    };
    for line in list.lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some(rest) = name.strip_prefix("tv") else {
            continue;
        };
        let Some((pid, _)) = rest.split_once('-') else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if pid == std::process::id().to_string() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        kill_all_in(name);
        let _ = run(&["ip", "netns", "del", name]);
    }
}

/// A daemon started in a router namespace.
pub struct Daemon {
    child: Child,
    pub pid: u32,
    /// "r1", "r2": for messages.
    pub name: String,
    pub ns: String,
    pub conf: PathBuf,
    pub log_path: PathBuf,
    exited: Option<ExitStatus>,
}

impl Daemon {
    /// Everything the daemon wrote so far (stdout and stderr).
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The log from byte `from` on (a length taken earlier from `log()`).
    pub fn log_since(&self, from: usize) -> String {
        let log = self.log();
        log.get(from..).unwrap_or("").to_string()
    }

    /// Still running (not exited, not reaped)?
    pub fn running(&mut self) -> bool {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().unwrap();
        }
        self.exited.is_none()
    }

    /// Sends a signal by name ("TERM", "HUP", ...). Refuses to signal a
    /// daemon that has already exited: its pid may belong to someone else.
    pub fn signal(&mut self, sig: &str) {
        assert!(
            self.running(),
            "{} exited ({:?}) before SIG{sig}; log:\n{}",
            self.name,
            self.exited,
            self.log()
        );
        must(&["kill", "-s", sig, &self.pid.to_string()]);
    }

    /// SIGKILL: the crash case, no cleanup by the daemon.
    pub fn kill9(&mut self) {
        if self.running() {
            let _ = self.child.kill();
            self.exited = Some(self.child.wait().unwrap());
        }
    }

    /// SIGKILL for the whole daemon, children included. keepalived is a
    /// parent and a VRRP child, and the child asks for SIGTERM when its
    /// parent dies (PR_SET_PDEATHSIG): killing the parent alone lets the
    /// child stop cleanly (priority-0 advert, notify_stop), which is no
    /// crash. So the parent is stopped, everything else in the router's
    /// namespace (only the daemon runs there) is killed, then the parent.
    /// For tinyvrrpd, a single process, this is `kill9`.
    pub fn crash(&mut self) {
        if !self.running() {
            return;
        }
        let parent = self.pid.to_string();
        let _ = run(&["kill", "-STOP", &parent]);
        if let Ok(pids) = run(&["ip", "netns", "pids", &self.ns]) {
            let mut argv = vec!["kill", "-9"];
            argv.extend(pids.split_whitespace().filter(|p| *p != parent));
            if argv.len() > 2 {
                // A process may have gone in between: its error is fine.
                let _ = run(&argv);
            }
        }
        self.kill9();
    }

    /// Waits (bounded) for the daemon to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait_until(timeout, Duration::from_millis(20), || !self.running())?;
        self.exited
    }

    /// Replaces the daemon's config file (for reload scenarios).
    pub fn write_conf(&self, text: &str) {
        fs::write(&self.conf, text).unwrap();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// One address on an interface, with its prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix_len: u8,
}

/// The IPv4 and IPv6 addresses on `ns`'s eth0.
pub fn addrs(ns: &str) -> Vec<IfAddr> {
    parse_ip_addr(&must(&[
        "ip", "-n", ns, "-o", "addr", "show", "dev", "eth0",
    ]))
}

/// Parses `ip -o addr` lines: `2: eth0    inet 192.0.2.71/24 brd ...`.
pub fn parse_ip_addr(text: &str) -> Vec<IfAddr> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if !words.any(|w| w == "inet" || w == "inet6") {
            continue;
        }
        let Some((addr, len)) = words.next().and_then(|w| w.split_once('/')) else {
            continue;
        };
        if let (Ok(addr), Ok(prefix_len)) = (addr.parse(), len.parse()) {
            out.push(IfAddr { addr, prefix_len });
        }
    }
    out
}

/// Is `vip` (without prefix) on `ns`'s eth0?
pub fn has_vip(ns: &str, vip: &str) -> bool {
    let vip: IpAddr = vip.parse().unwrap();
    addrs(ns).iter().any(|a| a.addr == vip)
}

/// `ip addr show eth0` of a namespace, for failure messages.
pub fn show(ns: &str) -> String {
    run(&["ip", "-n", ns, "addr", "show", "dev", "eth0"]).unwrap_or_else(|e| e)
}

pub fn link_down(ns: &str) {
    must(&["ip", "-n", ns, "link", "set", "eth0", "down"]);
}

pub fn link_up(ns: &str) {
    must(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
}

/// The MAC address of `ns`'s eth0.
pub fn mac(ns: &str) -> [u8; 6] {
    let text = must(&["ip", "-n", ns, "-o", "link", "show", "dev", "eth0"]);
    let mut words = text.split_whitespace();
    words.find(|w| *w == "link/ether").expect("link/ether");
    let hex = words.next().expect("a MAC after link/ether");
    let bytes: Vec<u8> = hex
        .split(':')
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect();
    bytes.try_into().expect("6 bytes")
}

/// tcpdump running in the observer namespace.
pub struct Capture {
    child: Child,
    pub pcap: PathBuf,
    err: PathBuf,
    done: bool,
}

/// A captured frame with its kernel timestamp (wall clock).
#[derive(Clone, Debug)]
pub struct Frame {
    pub ts: SystemTime,
    pub data: Vec<u8>,
}

/// A gratuitous ARP seen on the wire.
#[derive(Clone, Debug)]
pub struct Garp {
    pub ts: SystemTime,
    pub arp: arp::Repr,
}

/// An IPv4 VRRP advertisement seen on the wire, with the IP fields the
/// protocol fixes.
#[derive(Clone, Debug)]
pub struct SeenAdvert {
    pub ts: SystemTime,
    pub eth_src: [u8; 6],
    pub ttl: u8,
    pub tos: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub advert: Advert,
}

impl Capture {
    /// All frames captured so far. tcpdump -U writes each packet as it
    /// comes, so this can be read while the capture runs.
    pub fn frames(&self) -> Vec<Frame> {
        let bytes = fs::read(&self.pcap).unwrap_or_default();
        parse_pcap(&bytes).unwrap_or_else(|e| panic!("{}: {e}", self.pcap.display()))
    }

    /// The gratuitous ARPs (sender address = target address).
    pub fn garps(&self) -> Vec<Garp> {
        self.frames()
            .into_iter()
            .filter_map(|f| {
                let arp = arp::Repr::parse(&f.data).ok()?;
                arp.is_gratuitous().then_some(Garp { ts: f.ts, arp })
            })
            .collect()
    }

    /// The IPv4 VRRP adverts that parse.
    pub fn adverts(&self) -> Vec<SeenAdvert> {
        self.frames().iter().filter_map(parse_advert).collect()
    }

    /// Polls the capture (bounded) until `pick` finds something.
    pub fn wait_for<T>(
        &self,
        timeout: Duration,
        mut pick: impl FnMut(&Capture) -> Option<T>,
    ) -> Option<T> {
        let mut found = None;
        wait_until(timeout, Duration::from_millis(50), || {
            found = pick(self);
            found.is_some()
        });
        found
    }

    /// Ends the capture (TERM reaches tcpdump through `timeout`, which
    /// flushes the file); KILL if it lingers.
    pub fn stop(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        let _ = run(&["kill", "-s", "TERM", &self.child.id().to_string()]);
        let ended = wait_until(Duration::from_secs(2), Duration::from_millis(20), || {
            matches!(self.child.try_wait(), Ok(Some(_)))
        });
        if ended.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An Ethernet frame carrying IPv4 protocol 112, parsed with the crate's own
/// parsers; None for anything else or anything that does not parse.
pub fn parse_advert(f: &Frame) -> Option<SeenAdvert> {
    let data = &f.data;
    if data.len() < arp::ETH_HEADER_LEN || data[12..14] != arp::ETHERTYPE_IPV4.to_be_bytes() {
        return None;
    }
    let ip = &data[arp::ETH_HEADER_LEN..];
    // Cut any Ethernet padding: the IPv4 view insists that the buffer is
    // exactly one datagram, as a raw socket delivers it.
    let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    let packet = ipv4::Packet::new_checked(ip.get(..total)?).ok()?;
    if packet.protocol() != tinyvrrpd::wire::vrrp::IPPROTO_VRRP {
        return None;
    }
    let (src, dst) = (packet.src_addr(), packet.dst_addr());
    let (advert, _) = Advert::parse(packet.payload(), src.into(), dst.into()).ok()?;
    Some(SeenAdvert {
        ts: f.ts,
        eth_src: data[6..12].try_into().ok()?,
        ttl: packet.ttl(),
        tos: packet.tos(),
        src,
        dst,
        advert,
    })
}

/// Reads a classic pcap file (either byte order, micro- or nanosecond
/// timestamps, Ethernet link type). A record cut short at the end is the
/// one tcpdump is still writing: it is left out, not an error.
pub fn parse_pcap(bytes: &[u8]) -> Result<Vec<Frame>, String> {
    const GLOBAL_LEN: usize = 24;
    const RECORD_LEN: usize = 16;
    const LINKTYPE_ETHERNET: u32 = 1;
    if bytes.len() < GLOBAL_LEN {
        // Not even the file header yet: nothing captured.
        return Ok(Vec::new());
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    let (big_endian, nanos) = match u32::from_le_bytes(magic) {
        0xa1b2_c3d4 => (false, false),
        0xd4c3_b2a1 => (true, false),
        0xa1b2_3c4d => (false, true),
        0x4d3c_b2a1 => (true, true),
        m => return Err(format!("not a classic pcap file (magic {m:#010x})")),
    };
    let u32_at = |at: usize| {
        let b = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    let linktype = u32_at(20);
    if linktype != LINKTYPE_ETHERNET {
        return Err(format!("link type {linktype}, want Ethernet"));
    }
    let mut frames = Vec::new();
    let mut at = GLOBAL_LEN;
    while at + RECORD_LEN <= bytes.len() {
        let secs = u64::from(u32_at(at));
        let frac = u32_at(at + 4);
        let incl = usize::try_from(u32_at(at + 8)).unwrap();
        let start = at + RECORD_LEN;
        let Some(data) = bytes.get(start..start + incl) else {
            break;
        };
        let sub = if nanos {
            Duration::from_nanos(u64::from(frac))
        } else {
            Duration::from_micros(u64::from(frac))
        };
        frames.push(Frame {
            ts: SystemTime::UNIX_EPOCH + Duration::from_secs(secs) + sub,
            data: data.to_vec(),
        });
        at = start + incl;
    }
    Ok(frames)
}

/// Byte offsets of `lines` appearing in `log` in that order, or the first
/// one missing (after the previous one).
pub fn in_order(log: &str, lines: &[&str]) -> Result<Vec<usize>, String> {
    let mut from = 0;
    let mut at = Vec::new();
    for line in lines {
        match log[from..].find(line) {
            Some(i) => {
                at.push(from + i);
                from += i + line.len();
            }
            None => return Err(format!("{line:?} missing (in order after {:?})", at.len())),
        }
    }
    Ok(at)
}

/// Seconds as f64, for printing measurements.
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

// ---- a process's resources, from /proc (leak checks) ------------------------

/// The pids of the processes in namespace `ns` (`ip netns pids`).
pub fn ns_pids(ns: &str) -> Vec<u32> {
    run(&["ip", "netns", "pids", ns])
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// How many file descriptors `pid` has open (/proc/PID/fd).
pub fn fd_count(pid: u32) -> Option<usize> {
    Some(fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// `pid`'s resident set size in KiB (VmRSS in /proc/PID/status).
pub fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The fields of /proc/PID/stat after the command name: (state, ppid).
/// The name is in parentheses and may hold blanks or ')': cut at the last.
pub fn proc_state_ppid(pid: u32) -> Option<(char, u32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut words = rest.split_whitespace();
    let state = words.next()?.chars().next()?;
    let ppid = words.next()?.parse().ok()?;
    Some((state, ppid))
}

/// The children of `parent` (every process whose ppid it is), each with
/// its state letter ('Z' for a zombie).
pub fn children_of(parent: u32) -> Vec<(u32, char)> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let (state, ppid) = proc_state_ppid(pid)?;
            (ppid == parent).then_some((pid, state))
        })
        .collect()
}
