//! OpenWrt board support: the procd init script (through tests/board_init.sh
//! under dash and busybox ash), the package Makefile's target mapping, and
//! the daemon's syslog lines as logd receives them on /dev/log.

mod common;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A tool the test needs but cannot find: skipped on a developer's machine
/// (tests/deps.sh installs it), a failure in CI.
fn tool_or_skip(cmd: &str) -> bool {
    if have(cmd) {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{cmd} missing and CI is set (tests/deps.sh installs it)"
    );
    println!("skipped: {cmd} not installed (tests/deps.sh installs it)");
    false
}

fn run_board_init(shell: &[&str]) {
    let out = Command::new(shell[0])
        .args(&shell[1..])
        .arg(Path::new(ROOT).join("tests/board_init.sh"))
        .output()
        .unwrap_or_else(|e| panic!("{shell:?}: {e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    println!("{shell:?}:\n{text}");
    assert!(out.status.success(), "{shell:?} board_init.sh:\n{text}");
    assert!(text.contains("all cases passed"), "{text}");
}

#[test]
fn init_script_under_dash() {
    // /bin/sh is dash on Debian; ask for dash by name where it exists.
    let sh = if have("dash") { "dash" } else { "/bin/sh" };
    run_board_init(&[sh]);
}

#[test]
fn init_script_under_busybox_ash() {
    if tool_or_skip("busybox") {
        run_board_init(&["busybox", "sh"]);
    }
}

#[test]
fn shell_scripts_parse() {
    let scripts = [
        "board/openwrt/files/keepalived.init",
        "board/openwrt/files/rpcd-keepalived",
        "board/openwrt/files/hotplug.d/01-user",
        "board/openwrt/files/hotplug.d/01-ubus",
        "board/openwrt/files/keepalived.user",
        "tests/board_init.sh",
        "tests/openwrt/functions.sh",
        "tests/openwrt/generate.sh",
        "tests/openwrt/hotplug-call",
    ];
    for s in scripts {
        let path = Path::new(ROOT).join(s);
        must(&["sh", "-n", path.to_str().unwrap()]);
        if have("busybox") {
            must(&["busybox", "sh", "-n", path.to_str().unwrap()]);
        }
        if have("shellcheck") {
            let out = Command::new("shellcheck")
                .arg("-x")
                .arg(&path)
                .current_dir(ROOT)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "shellcheck {s}:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}

/// The package stands in for keepalived's (PROVIDES, CONFLICTS), keeps
/// /etc/config/keepalived on upgrade, and installs files that exist, in
/// the places the keepalived package puts them.
#[test]
fn package_makefile_is_a_keepalived_drop_in() {
    let mk = std::fs::read_to_string(Path::new(ROOT).join("board/openwrt/Makefile")).unwrap();
    for line in ["PROVIDES:=keepalived", "CONFLICTS:=keepalived"] {
        assert!(mk.lines().any(|l| l.trim() == line), "{line} missing");
    }
    let conffiles = mk
        .split("define Package/tinyvrrpd/conffiles")
        .nth(1)
        .and_then(|t| t.split("endef").next())
        .unwrap_or("");
    assert!(conffiles.lines().any(|l| l == "/etc/config/keepalived"));
    for (src, dst) in [
        ("keepalived.init", "/etc/init.d/keepalived"),
        ("keepalived.config", "/etc/config/keepalived"),
        ("keepalived.user", "/etc/keepalived.user"),
        ("hotplug.d/01-user", "/etc/hotplug.d/keepalived/01-user"),
        ("hotplug.d/01-ubus", "/etc/hotplug.d/keepalived/01-ubus"),
        ("rpcd-keepalived", "/usr/libexec/rpcd/keepalived"),
    ] {
        let line = format!("./files/{src} $(1){dst}");
        assert!(mk.contains(&line), "no install line {line:?}");
        assert!(
            Path::new(ROOT)
                .join("board/openwrt/files")
                .join(src)
                .is_file()
        );
    }
}

/// The package Makefile, evaluated with stub rules.mk/package.mk (the SDK
/// is not here), maps OpenWrt's ARCH / ARCH_PACKAGES onto exactly the
/// triples `make cross` builds, and finds the binary under out/cross.
#[test]
fn package_makefile_maps_openwrt_targets() {
    if !tool_or_skip("make") {
        return;
    }
    let stub = std::env::temp_dir().join(format!("tv-board-mk-{}", std::process::id()));
    std::fs::create_dir_all(&stub).unwrap();
    std::fs::write(stub.join("rules.mk"), "").unwrap();
    std::fs::write(stub.join("package.mk"), "").unwrap();
    std::fs::write(
        stub.join("print.mk"),
        "print:\n\t@echo '$(PKG_NAME) $(PKG_VERSION) $(TINYVRRPD_TARGET) $(TINYVRRPD_BIN)'\n",
    )
    .unwrap();
    let cases = [
        ("mipsel", "mipsel_24kc", "mipsel-unknown-linux-musl"),
        ("mipsel", "mipsel_74kc", "mipsel-unknown-linux-musl"),
        ("mips", "mips_24kc", "mips-unknown-linux-musl"),
        (
            "arm",
            "arm_cortex-a7_neon-vfpv4",
            "armv7-unknown-linux-musleabihf",
        ),
        (
            "arm",
            "arm_cortex-a9_vfpv3-d16",
            "armv7-unknown-linux-musleabihf",
        ),
        (
            "arm",
            "arm_cortex-a15_neon-vfpv4",
            "armv7-unknown-linux-musleabihf",
        ),
        (
            "aarch64",
            "aarch64_cortex-a53",
            "aarch64-unknown-linux-musl",
        ),
        ("aarch64", "aarch64_generic", "aarch64-unknown-linux-musl"),
        ("x86_64", "x86_64", "x86_64-unknown-linux-musl"),
        // No binary fits these: the package must say so, not pick one.
        ("mipsel", "mipsel_mips32", ""),
        ("mips", "mips_mips32", ""),
        ("arm", "arm_cortex-a9", ""),
        ("arm", "arm_arm1176jzf-s_vfp", ""),
        ("arm", "arm_arm926ej-s", ""),
        ("i386", "i386_pentium4", ""),
        ("mips64", "mips64_octeonplus", ""),
    ];
    let version = include_str!("../Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("version in Cargo.toml");
    let mut mapped = std::collections::BTreeSet::new();
    for (arch, pkgarch, want) in cases {
        let stub_dir = stub.to_str().unwrap();
        let out = must(&[
            "make",
            "-s",
            "--no-print-directory",
            "-C",
            &format!("{ROOT}/board/openwrt"),
            "-f",
            "Makefile",
            "-f",
            &format!("{stub_dir}/print.mk"),
            &format!("TOPDIR={stub_dir}"),
            &format!("INCLUDE_DIR={stub_dir}"),
            &format!("ARCH={arch}"),
            &format!("ARCH_PACKAGES={pkgarch}"),
            "print",
        ]);
        let want_bin = format!("{ROOT}/out/cross/tinyvrrpd-{want}");
        let got: Vec<&str> = out.split_whitespace().collect();
        let mut expect = vec!["tinyvrrpd", version];
        if !want.is_empty() {
            expect.push(want);
        }
        expect.push(&want_bin);
        assert_eq!(got, expect, "ARCH={arch} ARCH_PACKAGES={pkgarch}");
        if !want.is_empty() {
            mapped.insert(want.to_string());
        }
    }
    let _ = std::fs::remove_dir_all(&stub);
    // Every triple the package can ask for is one make cross builds, and
    // every one make cross builds is reachable.
    let env = include_str!("../cross/env.sh");
    let all: std::collections::BTreeSet<String> = env
        .lines()
        .find_map(|l| l.strip_prefix("ALL_TARGETS=\""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("ALL_TARGETS in cross/env.sh")
        .split_whitespace()
        .map(String::from)
        .collect();
    assert_eq!(mapped, all);
}

/// One RFC 3164 datagram as the daemon sends it to /dev/log:
/// `<PRI>Mmm dd hh:mm:ss tinyvrrpd[PID]: text` -> (PRI, PID, text).
fn parse_syslog(msg: &str) -> Result<(u8, u32, &str), String> {
    let bad = |why: &str| format!("{why}: {msg:?}");
    let rest = msg.strip_prefix('<').ok_or_else(|| bad("no <PRI>"))?;
    let (pri, rest) = rest.split_once('>').ok_or_else(|| bad("no <PRI>"))?;
    let pri: u8 = pri.parse().map_err(|_| bad("PRI not a number"))?;
    // "Mmm dd hh:mm:ss " is 16 bytes; the day is space-padded ("Jan  5").
    let (stamp, rest) = (rest.get(..16).ok_or_else(|| bad("short"))?, &rest[16..]);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = stamp.as_bytes();
    let digit = |i: usize| b[i].is_ascii_digit();
    let ok = MONTHS.contains(&&stamp[..3])
        && b[3] == b' '
        && (b[4] == b' ' || digit(4))
        && digit(5)
        && b[6] == b' '
        && digit(7)
        && digit(8)
        && b[9] == b':'
        && digit(10)
        && digit(11)
        && b[12] == b':'
        && digit(13)
        && digit(14)
        && b[15] == b' ';
    if !ok {
        return Err(bad("timestamp not 'Mmm dd hh:mm:ss'"));
    }
    let rest = rest
        .strip_prefix("tinyvrrpd[")
        .ok_or_else(|| bad("no tinyvrrpd[PID]"))?;
    let (pid, text) = rest.split_once("]: ").ok_or_else(|| bad("no ]: "))?;
    let pid = pid.parse().map_err(|_| bad("PID not a number"))?;
    Ok((pri, pid, text))
}

#[test]
fn parse_syslog_checks_each_part() {
    let good = "<30>Jan  5 07:08:09 tinyvrrpd[42]: VRRP_Instance(VRRP1) Entering BACKUP STATE";
    assert_eq!(
        parse_syslog(good),
        Ok((30, 42, "VRRP_Instance(VRRP1) Entering BACKUP STATE"))
    );
    for bad in [
        "30>Jan  5 07:08:09 tinyvrrpd[42]: x",
        "<30>Jxn  5 07:08:09 tinyvrrpd[42]: x",
        "<30>Jan 5 07:08:09 tinyvrrpd[42]: x",
        "<30>Jan  5 07:08:9 tinyvrrpd[42]: x",
        "<30>Jan  5 07:08:09 keepalived[42]: x",
        "<30>Jan  5 07:08:09 tinyvrrpd: x",
    ] {
        assert!(parse_syslog(bad).is_err(), "{bad}");
    }
}

/// Starts the seed master in a namespace logging only to a datagram socket
/// of ours (as logd's /dev/log) with `extra` flags, and returns each
/// message parsed, until `until` has been seen (or 10 s pass).
fn syslog_run(extra: &[&str], until: &[&str]) -> (u32, Vec<(u8, u32, String)>) {
    let lan = Lan::new(1);
    let sock_path = lan.dir.join("log.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let sock_arg = sock_path.to_str().unwrap().to_string();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let mut d = lan.spawn_with(1, &seed_master(), |conf, pid| {
        let mut v: Vec<String> = [BIN, "-n", "--log-socket", &sock_arg, "-f", conf, "-p", pid]
            .map(String::from)
            .to_vec();
        v.extend(extra);
        v
    });
    let mut msgs = Vec::new();
    let mut buf = [0u8; 2048];
    let start = Instant::now();
    let mut pending: Vec<&str> = until.to_vec();
    while !pending.is_empty() && start.elapsed() < Duration::from_secs(10) {
        let Ok(n) = sock.recv(&mut buf) else {
            continue;
        };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        let (pri, pid, line) = parse_syslog(&text).unwrap_or_else(|e| panic!("{e}"));
        pending.retain(|p| *p != line);
        msgs.push((pri, pid, line.to_string()));
    }
    assert!(
        pending.is_empty(),
        "not received within 10 s: {pending:?}; got {msgs:?}; daemon output:\n{}",
        d.log()
    );
    d.signal("TERM");
    assert!(
        d.wait_exit(Duration::from_secs(5)).is_some(),
        "no exit on TERM"
    );
    (d.pid, msgs)
}

#[test]
fn syslog_lines_reach_a_dev_log_socket() {
    if !root_or_skip() {
        return;
    }
    let backup = "VRRP_Instance(VRRP1) Entering BACKUP STATE";
    let master = "VRRP_Instance(VRRP1) Entering MASTER STATE";
    let (pid, msgs) = syslog_run(&[], &[backup, master]);
    for (pri, from, line) in &msgs {
        println!("<{pri}> [{from}] {line}");
        assert_eq!(*from, pid, "pid in {line:?}");
    }
    // daemon (3 << 3) | info (6) = 30, as logd shows "daemon.info".
    for want in [backup, master] {
        let (pri, _, _) = msgs.iter().find(|m| m.2 == want).unwrap();
        assert_eq!(*pri, 30, "{want}");
    }
}

#[test]
fn syslog_facility_local2_with_dash_s_2() {
    if !root_or_skip() {
        return;
    }
    let backup = "VRRP_Instance(VRRP1) Entering BACKUP STATE";
    let (pid, msgs) = syslog_run(&["-S", "2"], &[backup]);
    let (pri, from, _) = msgs.iter().find(|m| m.2 == backup).unwrap();
    // local2 (18 << 3) | info (6) = 150.
    assert_eq!((*pri, *from), (150, pid));
    assert!(msgs.iter().all(|m| m.0 >> 3 == 18), "{msgs:?}");
}
