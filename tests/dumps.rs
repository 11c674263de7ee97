//! State dumps on signals, as keepalived writes them: SIGUSR1 -> data,
//! SIGUSR2 -> stats, SIGRTMIN+2 -> JSON (validated by python3's json module,
//! a real parser). Needs root; see tests/common/mod.rs.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;

const VIP: &str = "192.0.2.100";
const STEP: Duration = Duration::from_millis(50);
const GENEROUS: Duration = Duration::from_secs(10);

fn send(d: &mut Daemon, sig: libc::c_int) {
    assert!(d.running(), "{} exited:\n{}", d.name, d.log());
    let pid = libc::pid_t::try_from(d.pid).unwrap();
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
}

fn wait_file(p: &Path) -> String {
    let ok = wait_until(GENEROUS, STEP, || p.exists());
    assert!(ok.is_some(), "{} never written", p.display());
    std::fs::read_to_string(p).unwrap()
}

/// The JSON through python3: parsed, and the keys LuCI reads printed as
/// `iname ifname state last_transition>0 advert_sent advert_rcvd`.
fn luci_view(json: &Path) -> String {
    let script = "import json,sys\n\
        d=json.load(open(sys.argv[1]))\n\
        assert isinstance(d,list)\n\
        for x in d:\n\
        \x20 a,s=x['data'],x['stats']\n\
        \x20 print(a['iname'],a['ifp_ifname'],a['state'],a['last_transition']>0,s['advert_sent'],s['advert_rcvd'],s['auth_failure'])\n";
    let out = Command::new("python3")
        .args(["-c", script, json.to_str().unwrap()])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python3 rejected the JSON: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(json).unwrap_or_default()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn signals_write_data_stats_and_json() {
    if !root_or_skip() {
        return;
    }
    let lan = Lan::new(2);
    let data = lan.dir.join("ka.data");
    let stats = lan.dir.join("ka.stats");
    let json = lan.dir.join("ka.json");
    let (d, s, j) = (
        data.to_str().unwrap().to_string(),
        stats.to_str().unwrap().to_string(),
        json.to_str().unwrap().to_string(),
    );
    let mut r1 = lan.spawn_args(
        1,
        &seed_master(),
        &["--data-file", &d, "--stats-file", &s, "--json-file", &j],
    );
    let r2_json = format!("{j}.r2");
    let mut r2 = lan.spawn_args(2, &seed_backup(), &["--json-file", &r2_json]);
    assert!(
        wait_until(GENEROUS, STEP, || has_vip(lan.r(1), VIP)).is_some(),
        "r1 never became master:\n{}",
        r1.log()
    );
    // A couple of adverts flow.
    std::thread::sleep(Duration::from_millis(2500));

    send(&mut r1, libc::SIGUSR1);
    let text = wait_file(&data);
    for want in [
        "------< VRRP Topology >------",
        " VRRP Instance = VRRP1",
        "   State = MASTER",
        "   Interface = eth0",
        "   Virtual Router ID = 41",
        "   Master router = 192.0.2.71",
        "     192.0.2.100/24 dev eth0",
    ] {
        assert!(text.contains(want), "data lacks {want:?}:\n{text}");
    }

    send(&mut r1, libc::SIGUSR2);
    let text = wait_file(&stats);
    assert!(text.contains("VRRP Instance: VRRP1"), "{text}");
    assert!(text.contains("  Became master: 1"), "{text}");
    let sent: u64 = text
        .lines()
        .skip_while(|l| !l.contains("Advertisements:"))
        .find_map(|l| l.trim().strip_prefix("Sent: "))
        .and_then(|n| n.parse().ok())
        .expect("Sent: line");
    assert!(sent >= 2, "adverts sent: {sent}\n{text}");

    send(&mut r1, libc::SIGRTMIN() + 2);
    wait_file(&json);
    let view = luci_view(&json);
    let f: Vec<&str> = view.split_whitespace().collect();
    assert_eq!(&f[..4], ["VRRP1", "eth0", "2", "True"], "{view}");
    assert!(f[4].parse::<u64>().unwrap() >= 2, "{view}");

    send(&mut r2, libc::SIGRTMIN() + 2);
    let r2json = Path::new(&format!("{j}.r2")).to_path_buf();
    wait_file(&r2json);
    let view = luci_view(&r2json);
    let f: Vec<&str> = view.split_whitespace().collect();
    // Backup (1), adverts received from r1, none sent.
    assert_eq!(&f[..3], ["VRRP1", "eth0", "1"], "{view}");
    assert_eq!(f[4], "0", "{view}");
    assert!(f[5].parse::<u64>().unwrap() >= 2, "{view}");

    // No temporary files are left beside the dumps.
    let leftovers: Vec<_> = std::fs::read_dir(&lan.dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(r1.running() && r2.running());
}

/// Adverts with the wrong password are counted on the instance they were
/// meant for, and show in the dumps.
#[test]
fn rejected_adverts_show_in_the_counters() {
    if !root_or_skip() {
        return;
    }
    let lan = Lan::new(2);
    let json = lan.dir.join("r2.json");
    let j = json.to_str().unwrap().to_string();
    let _r1 = lan.spawn(1, &seed_master());
    let wrong = seed_backup().replace("auth_pass 1066", "auth_pass 9999");
    let mut r2 = lan.spawn_args(2, &wrong, &["--json-file", &j]);
    assert!(
        wait_until(GENEROUS, STEP, || has_vip(lan.r(1), VIP)).is_some(),
        "r1 never became master"
    );
    std::thread::sleep(Duration::from_millis(2500));
    send(&mut r2, libc::SIGRTMIN() + 2);
    wait_file(&json);
    let view = luci_view(&json);
    let f: Vec<&str> = view.split_whitespace().collect();
    assert!(f[6].parse::<u64>().unwrap() >= 2, "auth_failure: {view}");
    assert_eq!(f[5], "0", "nothing accepted: {view}");
}

/// Sends each payload (a VRRP message, the kernel adds the IPv4 header
/// with TTL 255) from the observer to r1's address.
fn send_from_observer(lan: &Lan, payloads: &[Vec<u8>]) {
    let script = "import socket,sys\n\
        s=socket.socket(socket.AF_INET,socket.SOCK_RAW,112)\n\
        s.setsockopt(socket.IPPROTO_IP,socket.IP_TTL,255)\n\
        for p in sys.argv[2:]:\n\
        \x20 s.sendto(bytes.fromhex(p),(sys.argv[1],0))\n";
    let hex: Vec<String> = payloads
        .iter()
        .map(|p| p.iter().map(|b| format!("{b:02x}")).collect())
        .collect();
    let r1 = router_ip(1).to_string();
    let mut argv = vec![
        "ip",
        "netns",
        "exec",
        lan.obs(),
        "python3",
        "-c",
        script,
        &r1,
    ];
    argv.extend(hex.iter().map(String::as_str));
    must(&argv);
}

/// Packets dropped before they reach an instance (unknown VRID, CARP, too
/// short) are counted globally, in the stats file and in the JSON, whose
/// elements keep the `data` and `stats` LuCI reads.
#[test]
fn dropped_packets_show_as_global_counters() {
    use std::net::IpAddr;
    use tinyvrrpd::wire::vrrp::{Advert, AuthType, ChecksumForm, RxError, Version};
    if !root_or_skip() {
        return;
    }
    let src: IpAddr = OBSERVER_IP.into();
    let dst: IpAddr = router_ip(1).into();
    // A good v2 advert for a VRID r1 does not run.
    let stranger = Advert {
        version: Version::V2,
        vrid: 99,
        priority: 100,
        max_adver_int_cs: 100,
        auth_type: AuthType::None,
        auth_data: [0; 8],
        addrs: [IpAddr::from([192, 0, 2, 199])].into_iter().collect(),
    };
    let mut buf = [0u8; 64];
    let n = stranger
        .emit(&mut buf, src, dst, ChecksumForm::Plain)
        .unwrap();
    let unknown_vrid = buf[..n].to_vec();
    // CARP: version 2, type 1, 36 bytes, authlen 7 where VRRP's count is.
    let mut carp = vec![0x21, 5, 0, 7, 0, 1, 0, 0];
    carp.resize(36, 0xab);
    let too_short = vec![0x21, 99, 200];
    // What the daemon must make of them, by the crate's own parser.
    assert!(Advert::parse(&unknown_vrid, src, dst).is_ok());
    assert_eq!(Advert::parse(&carp, src, dst), Err(RxError::Carp));
    assert_eq!(Advert::parse(&too_short, src, dst), Err(RxError::TooShort));

    let lan = Lan::new(1);
    let stats = lan.dir.join("r1.stats");
    let json = lan.dir.join("r1.json");
    let mut r1 = lan.spawn_args(
        1,
        &seed_master(),
        &[
            "--stats-file",
            stats.to_str().unwrap(),
            "--json-file",
            json.to_str().unwrap(),
        ],
    );
    assert!(
        wait_until(GENEROUS, STEP, || has_vip(lan.r(1), VIP)).is_some(),
        "r1 never became master:\n{}",
        r1.log()
    );
    let mut payloads = vec![unknown_vrid; 3];
    payloads.extend(vec![carp; 2]);
    payloads.extend(vec![too_short; 4]);
    send_from_observer(&lan, &payloads);
    // Received by the time a signal sent after them is handled: the loop
    // reads the raw socket before the signals.
    std::thread::sleep(Duration::from_millis(200));

    send(&mut r1, libc::SIGUSR2);
    let text = wait_file(&stats);
    let global = text
        .split("Dropped before reaching an instance:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no global block:\n{text}"));
    for want in ["  Unknown VRID: 3\n", "  CARP: 2\n", "  Too short: 4\n"] {
        assert!(global.contains(want), "{want:?} missing:\n{text}");
    }
    // The instance's own block is as before: none of these are its.
    assert!(text.contains("    Length: 0\n"), "{text}");

    send(&mut r1, libc::SIGRTMIN() + 2);
    wait_file(&json);
    // LuCI's view still reads, and each element carries the globals.
    let view = luci_view(&json);
    assert!(view.starts_with("VRRP1 eth0 2 True"), "{view}");
    let script = "import json,sys\n\
        d=json.load(open(sys.argv[1]))\n\
        g=d[0]['global']\n\
        print(g['unknown_vrid'],g['carp'],g['too_short'],g['checksum_err'])\n";
    let out = Command::new("python3")
        .args(["-c", script, json.to_str().unwrap()])
        .output()
        .expect("python3");
    let got = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        got.trim(),
        "3 2 4 0",
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(&json).unwrap_or_default()
    );
}

/// Tracked objects and the effective priority in the dumps (issue 13):
/// keepalived's `Tracked ... :` lists and script section in the data, the
/// priority that tracking made, `track_ifp` / `track_script` in the JSON.
#[test]
fn tracked_objects_and_effective_priority_show_in_the_dumps() {
    if !root_or_skip() {
        return;
    }
    let lan = Lan::new(1);
    let ok = lan.dir.join("ok");
    let conf = format!(
        "vrrp_script chk {{\n    script \"/usr/bin/test -e {}\"\n    interval 1\n    weight -30\n}}\n{}",
        ok.display(),
        seed_master().replacen(
            "    virtual_ipaddress {",
            "    track_script {\n        chk\n    }\n    track_interface {\n        lo weight 7\n    }\n    virtual_ipaddress {",
            1
        )
    );
    assert!(
        conf.contains("track_script"),
        "the seed's shape changed:\n{conf}"
    );
    let data = lan.dir.join("ka.data");
    let json = lan.dir.join("ka.json");
    let (d, j) = (data.to_str().unwrap(), json.to_str().unwrap());
    let mut r1 = lan.spawn_args(1, &conf, &["--data-file", d, "--json-file", j]);
    // The check fails (no file yet): 100 - 30 + 7 (lo is up).
    let failed = wait_until(GENEROUS, STEP, || {
        r1.log().contains("VRRP_Script(chk) failed")
    });
    assert!(failed.is_some(), "no check result:\n{}", r1.log());
    send(&mut r1, libc::SIGUSR1);
    let text = wait_file(&data);
    for want in [
        "   Tracked interfaces :\n     lo weight 7\n",
        "   Tracked scripts :\n     chk weight -30\n",
        " VRRP Script = chk\n",
        "   Status = BAD\n",
    ] {
        assert!(text.contains(want), "data lacks {want:?}:\n{text}");
    }
    let prio = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Priority = "))
        .expect("a Priority line");
    let base: u8 = prio.split(',').next().unwrap().parse().unwrap();
    assert!(
        prio.ends_with(&format!("effective {}", base - 30 + 7)),
        "{prio}"
    );
    send(&mut r1, libc::SIGRTMIN() + 2);
    let text = wait_file(&json);
    assert!(text.contains("\"track_ifp\":[\"lo\"]"), "{text}");
    assert!(
        text.contains("\"track_script\":[\"/usr/bin/test -e "),
        "{text}"
    );
    assert!(
        text.contains(&format!("\"effective_priority\":{}", base - 30 + 7)),
        "{text}"
    );
    luci_view(&json);
    assert!(r1.running());
}
