//! OpenWrt drop-in for the keepalived package: the UCI generator in
//! board/openwrt/files/keepalived.init, run under busybox ash and dash with
//! the functions.sh stand-in of tests/openwrt/, on the fixtures of
//! tests/data/openwrt/. The generated file must load in `tinyvrrpd -t`
//! without a warning, equal the recorded one (checked by hand against the
//! keepalived package's own init script, see tests/data/openwrt/README.md),
//! and carry every instance option into the daemon's model.

mod common;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tinyvrrpd::config::{self, model::InitialState};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_tinyvrrpd");

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The shells the generator must run under: busybox ash (OpenWrt's) when
/// installed (a failure in CI when not), and dash.
fn shells() -> Vec<Vec<&'static str>> {
    let mut v = vec![vec![if have("dash") { "dash" } else { "sh" }]];
    if have("busybox") {
        v.push(vec!["busybox", "sh"]);
    } else {
        assert!(std::env::var_os("CI").is_none(), "busybox missing in CI");
    }
    v
}

/// A fresh scratch directory.
pub fn scratch(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("owrt-uci-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn fixture(name: &str) -> PathBuf {
    Path::new(ROOT).join("tests/data/openwrt").join(name)
}

/// Run the generator on `uci_dir/keepalived` under `shell`, with the date
/// line fixed, into `out`.
fn generate(shell: &[&str], uci_dir: &Path, out: &Path) {
    let o = Command::new(shell[0])
        .args(&shell[1..])
        .arg(Path::new(ROOT).join("tests/openwrt/generate.sh"))
        .arg(uci_dir)
        .arg(out)
        .env("KC_DATE", "DATE")
        .output()
        .expect("run generate.sh");
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "{shell:?} generate.sh {}: {}{}",
        uci_dir.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `tinyvrrpd -t -f conf`: (exit code, everything it printed).
fn config_test(conf: &Path) -> (i32, String) {
    let o = Command::new(BIN)
        .args(["-t", "-f"])
        .arg(conf)
        .output()
        .expect("tinyvrrpd -t");
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code().unwrap_or(-1), text)
}

fn assert_same_as_recorded(out: &Path, recorded: &Path) {
    let got = std::fs::read_to_string(out).expect("generated");
    let want = std::fs::read_to_string(recorded).expect("recorded");
    if got != want {
        let d = Command::new("diff")
            .args(["-u"])
            .arg(recorded)
            .arg(out)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        panic!(
            "{} differs from {}:\n{d}",
            out.display(),
            recorded.display()
        );
    }
}

/// Every section type, every option tinyvrrpd implements: the file equals
/// the recorded one and loads with no warning and no error.
#[test]
fn full_fixture_generates_a_clean_config() {
    for sh in shells() {
        let dir = scratch("full");
        let out = dir.join("keepalived.conf");
        generate(&sh, &fixture("full"), &out);
        assert_same_as_recorded(&out, &fixture("full/keepalived.conf"));
        let (code, text) = config_test(&out);
        assert!(code == 0 && text.is_empty(), "{sh:?} -t: {code}\n{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The sample /etc/config/keepalived the package installs (disabled, the
/// examples commented out) gives the bare skeleton, clean.
#[test]
fn shipped_uci_file_generates_a_clean_config() {
    for sh in shells() {
        let dir = scratch("shipped");
        std::fs::copy(
            Path::new(ROOT).join("board/openwrt/files/keepalived.config"),
            dir.join("keepalived"),
        )
        .expect("copy");
        let out = dir.join("keepalived.conf");
        generate(&sh, &dir, &out);
        assert_same_as_recorded(&out, &fixture("shipped.conf"));
        let (code, text) = config_test(&out);
        assert!(code == 0 && text.is_empty(), "{sh:?} -t: {code}\n{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The options of the schema that tinyvrrpd does not implement are
/// written as the keepalived package writes them, and `-t` names each one
/// (and nothing else): exit 0, one line per option (one for a peer's
/// min_ttl and max_ttl: the daemon names the first unsupported word).
/// The fixture's mcast_src_ip is read since (as unicast_src_ip): no line.
#[test]
fn unsupported_options_are_written_and_named() {
    let want = [
        "linkbeat_use_polling: not supported",
        "bfd_instance: not supported",
        "global_tracking is deprecated",
        "debug: not supported",
        "lvs_sync_daemon_interface: not supported",
        "native_ipv6: not supported",
        "no_accept: not supported",
        "track_bfd: not supported",
        "unicast_peer option 'min_ttl' is not supported",
    ];
    for sh in shells() {
        let dir = scratch("unsupported");
        let out = dir.join("keepalived.conf");
        generate(&sh, &fixture("unsupported"), &out);
        assert_same_as_recorded(&out, &fixture("unsupported/keepalived.conf"));
        let (code, text) = config_test(&out);
        assert_eq!(code, 0, "{sh:?}: {text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), want.len(), "{sh:?}:\n{text}");
        for (line, w) in lines.iter().zip(want) {
            assert!(
                line.contains(w),
                "{sh:?}: {line:?} should say {w:?}\n{text}"
            );
        }
        // Those the model keeps (the daemon does nothing with them) are there.
        let (cfg, _) = config::load(&out).unwrap_or_else(|e| panic!("{e:?}"));
        let i = &cfg.instances[0];
        assert_eq!(
            (i.debug, i.native_ipv6, i.accept),
            (Some(2), true, Some(false))
        );
        assert!(cfg.sync_groups[0].global_tracking);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `alt_config_file` naming an existing file: /tmp/keepalived.conf is a
/// symlink to it, nothing generated; naming a missing file: generated.
#[test]
fn alt_config_file_is_linked_when_it_exists() {
    for sh in shells() {
        let dir = scratch("alt");
        let alt = dir.join("mine.conf");
        let uci = |path: &Path| {
            std::fs::write(
                dir.join("keepalived"),
                format!(
                    "config globals 'globals'\n\toption alt_config_file '{}'\n",
                    path.display()
                ),
            )
            .expect("uci");
        };
        let out = dir.join("keepalived.conf");
        uci(&alt);
        generate(&sh, &dir, &out);
        assert!(std::fs::read_to_string(&out).is_ok_and(|t| t.contains("global_defs")));
        std::fs::write(&alt, "! mine\n").expect("alt");
        generate(&sh, &dir, &out);
        assert_eq!(std::fs::read_link(&out).ok(), Some(alt.clone()), "{sh:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn hotplug(action: &str, ty: &str, name: &str) -> String {
    format!(
        "/bin/busybox env -i ACTION={action} TYPE={ty} NAME={name} /sbin/hotplug-call keepalived"
    )
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

/// VI_ALL sets every instance option tinyvrrpd implements; each one must
/// reach the model the daemon builds from the generated file.
#[test]
fn every_instance_option_reaches_the_model() {
    let sh = shells().pop().expect("a shell");
    let dir = scratch("model");
    let out = dir.join("keepalived.conf");
    generate(&sh, &fixture("full"), &out);
    let (cfg, diags) = config::load(&out).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(diags.is_empty(), "{diags:?}");
    let i = cfg
        .instances
        .iter()
        .find(|i| i.name == "VI_ALL")
        .expect("VI_ALL");
    assert_eq!(i.state, InitialState::Backup);
    assert_eq!(i.interface, "eth0");
    assert_eq!(i.unicast_src_ip, Some(ip("192.0.2.1")));
    assert_eq!(i.vrid, 51);
    assert_eq!(i.version, 2);
    assert_eq!(i.priority, 150);
    assert_eq!(i.advert_int_cs, 200);
    assert_eq!(i.preempt_delay_s, 30);
    assert_eq!(i.garp_master_delay_s, 3);
    assert_eq!(i.garp_master_refresh_s, 60);
    assert_eq!(i.garp_master_repeat, 4);
    assert_eq!(i.garp_master_refresh_repeat, 2);
    assert_eq!(i.auth.as_ref().map(|a| a.pass), Some(*b"secret12"));
    let vmac = i.vmac.as_ref().expect("use_vmac");
    assert!(vmac.xmit_base, "vmac_xmit_base");
    assert_eq!(vmac.mac, [0, 0, 0x5e, 0, 1, 51]);
    assert_eq!(i.accept, Some(true));
    assert!(i.dont_track_primary && i.smtp_alert && i.nopreempt);
    assert_eq!(
        i.unicast_peers.as_slice(),
        [ip("192.0.2.2"), ip("192.0.2.3")]
    );
    instance_lists(i);
    let notify = |s: &Option<config::model::Script>| s.as_ref().map(|s| s.cmd.clone());
    assert_eq!(
        notify(&i.notify_master),
        Some(hotplug("NOTIFY_MASTER", "INSTANCE", "VI_ALL"))
    );
    assert_eq!(
        notify(&i.notify_backup),
        Some(hotplug("NOTIFY_BACKUP", "INSTANCE", "VI_ALL"))
    );
    assert_eq!(
        notify(&i.notify_fault),
        Some(hotplug("NOTIFY_FAULT", "INSTANCE", "VI_ALL"))
    );
    assert_eq!(
        notify(&i.notify_stop),
        Some(hotplug("NOTIFY_STOP", "INSTANCE", "VI_ALL"))
    );
    assert_eq!(notify(&i.notify), None);
    // VI_TWO: flags set to 0/off are left out; the nameless one is skipped.
    let two = cfg
        .instances
        .iter()
        .find(|i| i.name == "VI_TWO")
        .expect("VI_TWO");
    assert!(!two.nopreempt && two.accept.is_none());
    assert_eq!(cfg.instances.len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// VI_ALL's addresses, routes and tracking, resolved from the lists of
/// section names.
fn instance_lists(i: &config::model::InstanceConfig) {
    let v: Vec<_> = i
        .vips
        .iter()
        .map(|v| {
            (
                v.addr,
                v.prefix_len,
                v.dev.as_deref(),
                v.label.as_deref(),
                v.scope,
            )
        })
        .collect();
    assert_eq!(
        v,
        [
            (
                ip("192.0.2.100"),
                24,
                Some("eth0"),
                Some("eth0:vip"),
                Some(0)
            ),
            (ip("192.0.2.101"), 24, Some("eth0"), Some("eth0:v2"), None),
            (ip("192.0.2.102"), 32, None, None, None),
        ]
    );
    let x = &i.vips_excluded[0];
    assert_eq!(
        (x.addr, x.label.as_deref(), x.scope),
        (ip("192.0.2.110"), Some("eth0:vip"), Some(253))
    );
    assert_eq!(i.vips_excluded.len(), 1);
    let r: Vec<_> = i
        .vroutes
        .iter()
        .map(|r| {
            (
                r.dst,
                r.dst_len,
                r.kind,
                r.via,
                r.dev.as_deref(),
                r.src,
                r.table,
            )
        })
        .collect();
    assert_eq!(
        r,
        [
            (
                ip("203.0.113.0"),
                24,
                1,
                Some(ip("192.0.2.1")),
                Some("eth0"),
                None,
                100
            ),
            (
                ip("198.51.100.0"),
                25,
                1,
                None,
                Some("eth0"),
                Some(ip("192.0.2.100")),
                254
            ),
            (ip("203.0.113.128"), 25, 6, None, None, None, 254),
        ]
    );
    instance_tracking(i);
}

/// VI_ALL's tracked scripts and interfaces.
fn instance_tracking(i: &config::model::InstanceConfig) {
    let t: Vec<_> = i
        .track_scripts
        .iter()
        .map(|t| (t.name.as_str(), t.weight, t.reverse))
        .collect();
    assert_eq!(t, [("chk_dns", Some(10), Some(true))]);
    let t: Vec<_> = i
        .track_interfaces
        .iter()
        .map(|t| (t.name.as_str(), t.weight))
        .collect();
    assert_eq!(t, [("eth1", Some(-20)), ("eth2", None)]);
}

/// The other sections: globals, scripts, the sync group, static addresses
/// and routes, up/down delays.
#[test]
fn other_sections_reach_the_model() {
    let sh = shells().pop().expect("a shell");
    let dir = scratch("model2");
    let out = dir.join("keepalived.conf");
    generate(&sh, &fixture("full"), &out);
    let (cfg, _) = config::load(&out).unwrap_or_else(|e| panic!("{e:?}"));
    let g = &cfg.global;
    assert_eq!(g.notification_email, ["ops@example.org", "noc@example.org"]);
    assert_eq!(
        g.notification_email_from.as_deref(),
        Some("vrrp@example.org")
    );
    assert_eq!(
        g.smtp_server.as_ref().map(|s| s.host.as_str()),
        Some("192.0.2.250")
    );
    assert_eq!(g.smtp_connect_timeout_s, 20);
    assert_eq!(g.router_id.as_deref(), Some("owrt-test"));
    assert_eq!(g.vrrp_startup_delay_ms, 2000);
    assert_eq!(g.script_user.as_deref(), Some("root"));
    assert!(g.enable_script_security);
    let cmd = |s: &Option<config::model::Script>| s.as_ref().map(|s| s.cmd.clone());
    let hp = |a: &str| format!("/bin/busybox env -i ACTION={a} /sbin/hotplug-call keepalived");
    assert_eq!(cmd(&g.startup_script), Some(hp("startup")));
    assert_eq!(cmd(&g.shutdown_script), Some(hp("shutdown")));
    let s = &cfg.scripts[0];
    assert_eq!(
        (
            s.name.as_str(),
            s.script.as_str(),
            s.interval_s,
            s.weight,
            s.fall,
            s.rise,
            s.timeout_s
        ),
        (
            "chk_dns",
            "/usr/bin/check dns --quiet",
            5,
            10,
            2,
            3,
            Some(4)
        )
    );
    let sg = &cfg.sync_groups[0];
    assert_eq!(
        (sg.name.as_str(), sg.group.as_slice()),
        ("SG_1", &["VI_TWO".to_string(), "VI_THREE".to_string()][..])
    );
    assert!(sg.smtp_alert);
    assert_eq!(sg.track_scripts[0].name, "chk_up");
    assert_eq!(cmd(&sg.notify), Some(hotplug("NOTIFY", "GROUP", "SG_1")));
    assert_eq!(
        cmd(&sg.notify_master),
        Some(hotplug("NOTIFY_MASTER", "GROUP", "SG_1"))
    );
    assert_eq!(cfg.static_addrs[0].label.as_deref(), Some("eth1:vip"));
    assert_eq!(cfg.static_routes[0].via, Some(ip("198.51.100.254")));
    let d: Vec<_> = cfg
        .up_down_delays
        .iter()
        .map(|d| (d.interface.as_str(), d.down_ms, d.up_ms))
        .collect();
    assert_eq!(d, [("eth1", 3000, 5000), ("eth2", 2000, 0)]);
    let _ = std::fs::remove_dir_all(&dir);
}

// --- live: hotplug handlers and the rpcd helper, in namespaces -------------

const RPCD: &str = "board/openwrt/files/rpcd-keepalived";

/// One router's OpenWrt pieces under the Lan's temp dir: its UCI file, a
/// hotplug.d with the package's handlers and a recording one, the user
/// hook, the status directory, and the hotplug-call wrapper the generated
/// notify lines run.
struct Router {
    uci: PathBuf,
    events: PathBuf,
    status: PathBuf,
    hotplug_call: PathBuf,
}

fn uci_pair(priority: u8, state: &str) -> String {
    format!(
        "config globals 'globals'\n\toption enabled '1'\n\
         config ipaddress\n\toption name 'vip'\n\toption address '192.0.2.100/24'\n\toption device 'eth0'\n\
         config vrrp_sync_group\n\toption name 'SG'\n\tlist group 'VI_1'\n\
         config vrrp_instance\n\toption name 'VI_1'\n\toption state '{state}'\n\
         \toption interface 'eth0'\n\toption virtual_router_id '51'\n\
         \toption priority '{priority}'\n\toption advert_int '1'\n\
         \tlist virtual_ipaddress 'vip'\n"
    )
}

fn write_exec(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn router_files(lan: &common::Lan, i: usize, uci: &str) -> Router {
    let base = lan.dir.join(format!("r{i}-owrt"));
    let hp = base.join("hotplug.d/keepalived");
    std::fs::create_dir_all(&hp).expect("hotplug.d");
    std::fs::create_dir_all(base.join("config")).expect("config");
    std::fs::write(base.join("config/keepalived"), uci).expect("uci");
    let files = Path::new(ROOT).join("board/openwrt/files");
    for h in ["01-user", "01-ubus"] {
        std::fs::copy(files.join("hotplug.d").join(h), hp.join(h)).expect("copy");
    }
    let events = base.join("events");
    let rec = format!(
        "echo \"$ACTION ${{TYPE-}} ${{NAME-}}\" >>{}\n",
        events.display()
    );
    std::fs::write(hp.join("99-record"), &rec).expect("record");
    let user = base.join("keepalived.user");
    std::fs::write(
        &user,
        format!("echo \"user $ACTION\" >>{}\n", events.display()),
    )
    .expect("user");
    let status = base.join("status");
    let hotplug_call = base.join("hotplug-call");
    write_exec(
        &hotplug_call,
        &format!(
            "#!/bin/sh\nexport PATH=/usr/sbin:/usr/bin:/sbin:/bin HOTPLUG_D={} \
             UCI_CONFIG_DIR={} KEEPALIVED_STATUS_DIR={} KEEPALIVED_USER_SCRIPT={}\n\
             exec busybox sh {}/tests/openwrt/hotplug-call \"$@\"\n",
            base.join("hotplug.d").display(),
            base.join("config").display(),
            status.display(),
            user.display(),
            ROOT
        ),
    );
    Router {
        uci: base.join("config"),
        events,
        status,
        hotplug_call,
    }
}

/// The generated configuration, its notify lines through the router's
/// hotplug-call wrapper.
fn generated(r: &Router) -> String {
    let out = r.uci.join("keepalived.conf");
    let o = Command::new("busybox")
        .arg("sh")
        .arg(Path::new(ROOT).join("tests/openwrt/generate.sh"))
        .arg(&r.uci)
        .arg(&out)
        .env("KEEPALIVED_HOTPLUG_CALL", &r.hotplug_call)
        .output()
        .expect("generate");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(&out).expect("generated")
}

fn events(r: &Router) -> String {
    std::fs::read_to_string(&r.events).unwrap_or_default()
}

fn wait_event(r: &Router, line: &str, d: &common::Daemon) {
    let seen = common::wait_until(Duration::from_secs(10), Duration::from_millis(50), || {
        events(r).lines().any(|l| l == line)
    });
    assert!(
        seen.is_some(),
        "no {line:?} in {}:\n{}\nlog:\n{}",
        r.events.display(),
        events(r),
        d.log()
    );
}

/// A failover between two routers running generated configurations: the
/// notify lines reach the hotplug.d handlers with keepalived's ACTION /
/// TYPE / NAME, the user hook runs, and the status directory follows.
#[test]
fn failover_reaches_hotplug_handlers() {
    if !common::root_or_skip() || shells().len() < 2 {
        return;
    }
    let lan = common::Lan::new(2);
    let r1 = router_files(&lan, 1, &uci_pair(200, "MASTER"));
    let r2 = router_files(&lan, 2, &uci_pair(100, "BACKUP"));
    let mut d1 = lan.spawn(1, &generated(&r1));
    wait_event(&r1, "startup  ", &d1);
    wait_event(&r1, "NOTIFY_MASTER INSTANCE VI_1", &d1);
    wait_event(&r1, "NOTIFY_MASTER GROUP SG", &d1);
    wait_event(&r1, "user NOTIFY_MASTER", &d1);
    let d2 = lan.spawn(2, &generated(&r2));
    wait_event(&r2, "NOTIFY_BACKUP INSTANCE VI_1", &d2);
    assert!(!events(&r2).contains("NOTIFY_MASTER"), "{}", events(&r2));
    d1.signal("TERM");
    wait_event(&r2, "NOTIFY_MASTER INSTANCE VI_1", &d2);
    wait_event(&r2, "NOTIFY_MASTER GROUP SG", &d2);
    wait_event(&r2, "NOTIFY GROUP SG", &d2);
    wait_event(&r1, "NOTIFY_STOP INSTANCE VI_1", &d1);
    wait_event(&r1, "shutdown  ", &d1);
    println!("r1:\n{}r2:\n{}", events(&r1), events(&r2));
    let read = |r: &Router, f: &str| std::fs::read_to_string(r.status.join(f)).unwrap_or_default();
    assert_eq!(read(&r2, "VI_1_INSTANCE/STATUS"), "NOTIFY_MASTER\n");
    // The group's plain NOTIFY does not overwrite its state.
    assert_eq!(read(&r2, "SG_GROUP/STATUS"), "NOTIFY_MASTER\n");
    assert!(
        read(&r2, "VI_1_INSTANCE/TIME")
            .trim()
            .parse::<u64>()
            .is_ok()
    );
}

/// Runs the rpcd helper with ARGS, its paths pointed at the test's files,
/// and passes its output through python3's json.load and `py` (a script
/// that prints what the test compares).
fn rpcd(env: &[(&str, &Path)], args: &[&str], py: &str) -> String {
    let o = Command::new("busybox")
        .arg("sh")
        .arg(Path::new(ROOT).join(RPCD))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .output()
        .expect("rpcd helper");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{args:?}: {text}");
    let mut child = Command::new("python3")
        .args([
            "-c",
            &format!("import json,sys\nd=json.load(sys.stdin)\n{py}"),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python3");
    assert!(
        out.status.success(),
        "{args:?} output is not the JSON expected: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The keys LuCI's keepalived status views read from `dump`.
const LUCI_DUMP: &str = "for e in d['status']:
    a = e['data']; s = e['stats']
    print(a['iname'], a['ifp_ifname'], a['state'], a['last_transition'] > 0,
          s['advert_sent'] > 0, s['advert_rcvd'] >= 0,
          s['become_master'] - s['release_master'])
print(len(d))";

const STATUS: &str = "for k in ('instance', 'group'):
    for e in d[k]:
        print(k, e['name'], e['status'], e['event'] > 0)";

/// For a running daemon in a namespace the helper's `list`, `dump` and
/// `status` answers are JSON with the keys LuCI reads; once it stopped,
/// `dump` is `{}`.
#[test]
fn rpcd_helper_answers_luci() {
    if !common::root_or_skip() || shells().len() < 2 {
        return;
    }
    assert!(
        have("python3") || std::env::var_os("CI").is_none(),
        "python3 missing in CI"
    );
    if !have("python3") {
        println!("skipped: python3 not installed (tests/deps.sh installs it)");
        return;
    }
    let lan = common::Lan::new(1);
    let r = router_files(&lan, 1, &uci_pair(200, "MASTER"));
    let json = lan.dir.join("r1.json");
    let mut d = lan.spawn_args(
        1,
        &generated(&r),
        &["--json-file", json.to_str().expect("path")],
    );
    wait_event(&r, "NOTIFY_MASTER INSTANCE VI_1", &d);
    let pid = d.conf.with_extension("pid");
    let env = [
        ("TINYVRRPD_PIDFILE", pid.as_path()),
        ("KEEPALIVED_JSON", json.as_path()),
        ("KEEPALIVED_STATUS_DIR", r.status.as_path()),
    ];
    let list = rpcd(&env, &["list"], "print(sorted(d))");
    assert_eq!(list, "['dump', 'status']\n");
    // A master for a second at least: adverts sent.
    std::thread::sleep(Duration::from_millis(1500));
    let dump = rpcd(&env, &["call", "dump"], LUCI_DUMP);
    assert_eq!(dump, "VI_1 eth0 2 True True True 1\n1\n", "{}", d.log());
    let status = rpcd(&env, &["call", "status"], STATUS);
    assert_eq!(
        status,
        "instance VI_1 NOTIFY_MASTER True\ngroup SG NOTIFY_MASTER True\n"
    );
    d.signal("TERM");
    assert!(d.wait_exit(Duration::from_secs(5)).is_some(), "{}", d.log());
    assert_eq!(rpcd(&env, &["call", "dump"], "print(d)"), "{}\n");
}
