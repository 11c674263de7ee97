//! The configuration corpus: real keepalived.conf shapes that must load into
//! an exact model, and invalid files that must fail with exact messages.
//!
//! Paths are relative to the package root (cargo runs tests there), and the
//! messages name files exactly as they were passed to `load`.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use arrayvec::ArrayVec;

use tinyvrrpd::config::{
    Auth, Config, Diag, Family, GlobalDefs, InitFile, InitialState, InstanceConfig, Loc,
    ParamMatch, Script, Severity, SmtpServer, SyncGroup, Track, TrackFile, TrackProcess,
    UpDownDelay, Vip, VrrpScript, load,
};
use tinyvrrpd::config::{Route, RouteMode, Rule};

/// [`load_all`] without the `KW: not supported by tinyvrrpd: ...` lines:
/// these tests are about the model, and tests/keyword_table.rs checks
/// those lines for every keyword.
fn load_ok(path: &str) -> (Config, Vec<String>) {
    let (config, mut warnings) = load_all(path);
    warnings.retain(|w| !w.contains(": not supported by tinyvrrpd: "));
    (config, warnings)
}

fn load_all(path: &str) -> (Config, Vec<String>) {
    match load(Path::new(path)) {
        Ok((config, warnings)) => {
            assert!(
                warnings.iter().all(|d| d.severity == Severity::Warning),
                "{path}: Ok with an error: {warnings:?}"
            );
            (config, warnings.iter().map(Diag::to_string).collect())
        }
        Err(diags) => {
            let shown: Vec<String> = diags.iter().map(Diag::to_string).collect();
            panic!("{path} did not load:\n{}", shown.join("\n"));
        }
    }
}

fn vip(addr: &str, prefix_len: u8) -> Vip {
    Vip {
        addr: addr.parse().unwrap(),
        prefix_len,
        dev: None,
        label: None,
        brd: None,
        scope: None,
    }
}

fn auth(pass: &[u8]) -> Option<Auth> {
    let mut p = [0u8; 8];
    p[..pass.len()].copy_from_slice(pass);
    Some(Auth { pass: p })
}

/// An instance with keepalived's defaults, for tests to override.
fn default_instance(name: &str, file: &str, line: u32) -> InstanceConfig {
    InstanceConfig {
        name: name.to_string(),
        loc: Loc {
            file: file.to_string(),
            line,
        },
        state: InitialState::Backup,
        interface: "eth0".to_string(),
        vrid: 1,
        priority: 100,
        advert_int_cs: 100,
        version: 2,
        family: Family::V4,
        auth: None,
        vips: Default::default(),
        vips_excluded: Default::default(),
        vroutes: vec![],
        vrules: vec![],
        nopreempt: false,
        preempt_delay_s: 0,
        garp_master_delay_s: 5,
        garp_master_repeat: 5,
        garp_master_refresh_s: 0,
        garp_master_refresh_repeat: 1,
        garp_lower_prio_repeat: 5,
        garp_lower_prio_delay_s: 5,
        lower_prio_no_advert: false,
        track_interfaces: Default::default(),
        track_scripts: Default::default(),
        track_files: Default::default(),
        track_processes: Default::default(),
        notify_master: None,
        notify_backup: None,
        notify_fault: None,
        notify_stop: None,
        notify: None,
        notify_master_rx_lower_pri: None,
        notify_deleted: false,
        notify_deleted_script: None,
        smtp_alert: false,
        unicast_src_ip: None,
        unicast_peers: Default::default(),
        accept: None,
        dont_track_primary: false,
        vmac: None,
        native_ipv6: false,
        debug: None,
        v3_checksum_as_v2: false,
        skip_check_adv_addr: false,
    }
}

fn seed_expected(file: &str, from: &str, state: InitialState, priority: u8) -> Config {
    let mut inst = default_instance("VRRP1", file, 10);
    inst.state = state;
    inst.interface = "eth0".to_string();
    inst.vrid = 41;
    inst.priority = priority;
    inst.advert_int_cs = 100;
    inst.auth = auth(b"1066");
    inst.vips.push(vip("10.0.0.100", 24));
    Config {
        global: GlobalDefs {
            notification_email: vec!["root@mydomain.com".to_string()],
            notification_email_from: Some(from.to_string()),
            smtp_server: Some(SmtpServer {
                host: "localhost".to_string(),
                port: 25,
            }),
            smtp_connect_timeout_s: 30,
            ..GlobalDefs::default()
        },
        instances: vec![Box::new(inst)],
        sync_groups: vec![],
        scripts: vec![],
        track_files: vec![],
        track_processes: vec![],
        up_down_delays: vec![],
        garp_groups: vec![],
        static_addrs: vec![],
        static_routes: vec![],
        static_rules: vec![],
    }
}

#[test]
fn seed_master_exact_model() {
    let file = "tests/configs/valid/01-seed-master.conf";
    let (config, warnings) = load_ok(file);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        config,
        seed_expected(file, "svr1@mydomain.com", InitialState::Master, 200)
    );
}

#[test]
fn seed_backup_exact_model() {
    let file = "tests/configs/valid/02-seed-backup.conf";
    let (config, warnings) = load_ok(file);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        config,
        seed_expected(file, "svr2@mydomain.com", InitialState::Backup, 100)
    );
}

#[test]
fn seed_files_are_the_documents_configs_byte_for_byte() {
    // The seed lives beside the repository (../shared, as in CI); skip
    // where it is not there, but not under CI, where it always is.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/seed/keepalived-vip-failover.txt"
    );
    let Ok(doc) = std::fs::read_to_string(path) else {
        assert!(std::env::var_os("CI").is_none(), "{path} missing under CI");
        return;
    };
    for file in [
        "tests/configs/valid/01-seed-master.conf",
        "tests/configs/valid/02-seed-backup.conf",
    ] {
        let conf = std::fs::read_to_string(file).unwrap();
        assert!(doc.contains(&conf), "{file} is not verbatim from the seed");
    }
}

fn hotplug(action: &str, name: &str, kind: &str) -> Option<Script> {
    Some(Script {
        cmd: format!(
            "/bin/busybox env -i ACTION={action} NAME={name} TYPE={kind} /sbin/hotplug-call keepalived"
        ),
        user: None,
    })
}

#[test]
fn openwrt_generated() {
    let file = "tests/configs/valid/03-openwrt-generated.conf";
    let (config, warnings) = load_ok(file);
    assert_eq!(
        warnings,
        [
            // keepalived 2.2.7 vrrp.c:vrrp_complete_instance: the own
            // interface is tracked anyway, and a sync group without
            // sync_group_tracking_weight makes a weighted line unweighted,
            // so eth1 down puts lan (and the group) in FAULT.
            format!("({file}: Line 50) (lan) Ignoring track_interface br-lan since own interface"),
            format!(
                "({file}: Line 51) (lan) ignoring eth1 tracked interface weight due to SYNC group"
            ),
            format!(
                "({file}: Line 58) auth_pass is longer than 8 characters; only the first 8 are used"
            )
        ]
    );
    let g = &config.global;
    assert_eq!(
        g.notification_email,
        ["root@localhost".to_string(), "noc@example.net".to_string()]
    );
    assert_eq!(
        g.smtp_server,
        Some(SmtpServer {
            host: "127.0.0.1".to_string(),
            port: 2525
        })
    );
    assert_eq!(g.router_id.as_deref(), Some("OpenWrt"));
    assert_eq!(g.vrrp_startup_delay_ms, 5500);
    assert_eq!(g.vrrp_garp_master_delay_s, 1);
    assert_eq!(g.vrrp_garp_master_refresh_s, 60);
    assert_eq!(g.vrrp_garp_master_refresh_repeat, 2);
    assert_eq!(g.vrrp_garp_interval_us, 1000);
    assert!(g.vrrp_skip_check_adv_addr && g.enable_script_security);
    assert_eq!(g.script_user.as_deref(), Some("root"));

    assert_eq!(
        config.sync_groups,
        [SyncGroup {
            name: "OpenWrt_Group".to_string(),
            loc: Loc {
                file: file.to_string(),
                line: 24
            },
            group: vec!["lan".to_string(), "wan".to_string()],
            notify_master: hotplug("NOTIFY_MASTER", "OpenWrt_Group", "GROUP"),
            notify_backup: hotplug("NOTIFY_BACKUP", "OpenWrt_Group", "GROUP"),
            notify_fault: hotplug("NOTIFY_FAULT", "OpenWrt_Group", "GROUP"),
            notify_stop: None,
            notify: hotplug("NOTIFY", "OpenWrt_Group", "GROUP"),
            smtp_alert: true,
            track_interfaces: ArrayVec::new(),
            track_scripts: ArrayVec::new(),
            track_files: ArrayVec::new(),
            track_processes: ArrayVec::new(),
            global_tracking: false,
            tracking_weight: false,
        }]
    );

    let mut lan = default_instance("lan", file, 36);
    lan.interface = "br-lan".to_string();
    lan.vrid = 51;
    lan.priority = 150;
    lan.nopreempt = true;
    lan.preempt_delay_s = 30;
    lan.garp_master_delay_s = 2;
    lan.garp_master_refresh_s = 60;
    lan.garp_master_refresh_repeat = 2;
    // keepalived: the global vrrp_garp_master_delay, not the instance's.
    lan.garp_lower_prio_delay_s = 1;
    lan.skip_check_adv_addr = true;
    lan.unicast_src_ip = Some(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 2)));
    lan.unicast_peers.push("192.168.1.3".parse().unwrap());
    lan.track_interfaces.push(Track {
        name: "eth1".to_string(),
        weight: Some(0),
        reverse: None,
    });
    lan.vips.push(Vip {
        dev: Some("br-lan".to_string()),
        scope: Some(0),
        ..vip("192.168.1.1", 24)
    });
    lan.auth = auth(b"openwrt-");
    lan.notify_master = hotplug("NOTIFY_MASTER", "lan", "INSTANCE");
    lan.notify_backup = hotplug("NOTIFY_BACKUP", "lan", "INSTANCE");
    lan.notify_fault = hotplug("NOTIFY_FAULT", "lan", "INSTANCE");
    lan.notify_stop = hotplug("NOTIFY_STOP", "lan", "INSTANCE");
    lan.notify = hotplug("NOTIFY", "lan", "INSTANCE");

    let mut wan = default_instance("wan", file, 67);
    wan.interface = "eth1".to_string();
    wan.vrid = 52;
    wan.priority = 150;
    wan.nopreempt = true;
    wan.garp_master_delay_s = 1;
    wan.garp_master_refresh_s = 60;
    wan.garp_master_refresh_repeat = 2;
    wan.garp_lower_prio_delay_s = 1;
    wan.skip_check_adv_addr = true;
    wan.vips.push(Vip {
        dev: Some("eth1".to_string()),
        label: Some("eth1:vip".to_string()),
        brd: Some(Ipv4Addr::new(203, 0, 113, 15)),
        scope: Some(0),
        ..vip("203.0.113.10", 29)
    });
    // Excluded addresses may be of the other family.
    wan.vips_excluded.push(Vip {
        dev: Some("eth1".to_string()),
        ..vip("2001:db8:1::1", 64)
    });
    wan.notify_master = hotplug("NOTIFY_MASTER", "wan", "INSTANCE");
    wan.notify_backup = hotplug("NOTIFY_BACKUP", "wan", "INSTANCE");

    assert_eq!(config.instances, [lan, wan].map(Box::new));
}

#[test]
fn lvs_blocks_are_ignored_with_one_warning_each() {
    // static_ipaddress is read since issue 14 (tests/routes_live.rs).
    let file = "tests/configs/valid/04-with-lvs.conf";
    let (config, warnings) = load_all(file);
    let f = |line: u32, msg: &str| format!("({file}: Line {line}) {msg}");
    assert_eq!(
        warnings,
        [
            f(
                4,
                "lvs_flush: not supported by tinyvrrpd: would flush the IPVS table at start"
            ),
            f(
                18,
                "virtual_server_group: not supported by tinyvrrpd: would group LVS virtual servers"
            ),
            f(
                22,
                "virtual_server: not supported by tinyvrrpd: would configure an LVS (IPVS) \
                 virtual server and health-check its real servers"
            ),
            f(
                52,
                "bfd_instance: not supported by tinyvrrpd: would run a BFD session with a neighbour"
            ),
        ]
    );
    let mut vi = default_instance("VI_1", file, 7);
    vi.state = InitialState::Master;
    vi.vrid = 51;
    vi.vips.push(vip("192.0.2.100", 32));
    assert_eq!(config.instances, [vi].map(Box::new));
    assert_eq!(config.global.router_id.as_deref(), Some("LVS_DEVEL"));
    let mut st = vip("192.0.2.250", 24);
    st.dev = Some("eth0".to_string());
    st.scope = Some(0);
    assert_eq!(config.static_addrs, [st]);
}

#[test]
fn includes_with_globs() {
    let file = "tests/configs/valid/05-include-main.conf";
    let (config, warnings) = load_ok(file);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config.global.router_id.as_deref(), Some("split"));
    assert_eq!(config.global.vrrp_version, 3);

    let mut vi10 = default_instance("VI_10", "tests/configs/valid/include.d/10-vrrp.conf", 1);
    vi10.vrid = 10;
    vi10.version = 3;
    // From the two parts included inside the block, in sorted order.
    vi10.priority = 120;
    vi10.advert_int_cs = 25;
    vi10.vips.push(vip("192.0.2.10", 24));
    let mut vi20 = default_instance("VI_20", "tests/configs/valid/include.d/20-vrrp.conf", 1);
    vi20.vrid = 20;
    vi20.version = 3;
    vi20.advert_int_cs = 50;
    vi20.vips.push(vip("192.0.2.20", 24));
    assert_eq!(config.instances, [vi10, vi20].map(Box::new));
}

#[test]
fn ipv6_implies_v3() {
    let file = "tests/configs/valid/06-ipv6-v3.conf";
    let (config, warnings) = load_ok(file);
    assert_eq!(
        warnings,
        [format!(
            "({file}: Line 16) authentication is ignored with VRRPv3"
        )]
    );
    assert_eq!(config.global.vrrp_gna_interval_us, 250);

    let mut v6 = default_instance("V6", file, 6);
    v6.vrid = 60;
    v6.priority = 110;
    v6.version = 3;
    v6.family = Family::V6;
    v6.advert_int_cs = 10;
    v6.vips.push(vip("2001:db8::100", 64));
    v6.vips.push(vip("2001:db8::101", 128));
    v6.vips.push(Vip {
        scope: Some(253),
        ..vip("fe80::1:100", 64)
    });
    v6.accept = Some(true);
    v6.native_ipv6 = true;

    // Same VRID and interface, other family: allowed.
    let mut v4 = default_instance("V4_SAME_VRID", file, 24);
    v4.vrid = 60;
    v4.version = 3;
    v4.v3_checksum_as_v2 = true;
    v4.advert_int_cs = 250;
    v4.vips.push(vip("192.0.2.60", 24));
    assert_eq!(config.instances, [v6, v4].map(Box::new));
}

#[test]
fn glued_braces_crlf_and_scripts() {
    let file = "tests/configs/valid/07-glued-crlf.conf";
    let (config, warnings) = load_ok(file);
    // state MASTER without a priority is the address owner (255), whose
    // priority no weight changes: keepalived drops the line, and says so.
    assert_eq!(
        warnings,
        [format!(
            "({file}: Line 6) (GLUED) ignoring tracked script chk_web with weights due to address_owner"
        )]
    );

    let mut glued = default_instance("GLUED", file, 1);
    glued.vrid = 7;
    glued.state = InitialState::Master;
    glued.priority = 255;
    glued.vips.push(Vip {
        dev: Some("eth0".to_string()),
        ..vip("192.0.2.7", 24)
    });
    assert_eq!(config.instances, [glued].map(Box::new));
    assert_eq!(
        config.scripts,
        [
            VrrpScript {
                name: "chk_web".to_string(),
                loc: Loc {
                    file: file.to_string(),
                    line: 8
                },
                script: "/usr/bin/curl -sf http://127.0.0.1/ # not a comment".to_string(),
                interval_s: 2,
                timeout_s: Some(1),
                weight: -5,
                reverse: false,
                rise: 2,
                fall: 3,
                init_fail: false,
                user: Some("nobody:nogroup".to_string()),
            },
            VrrpScript {
                name: "chk_pid".to_string(),
                loc: Loc {
                    file: file.to_string(),
                    line: 18
                },
                script: "pidof haproxy".to_string(),
                interval_s: 1,
                timeout_s: None,
                weight: 0,
                reverse: false,
                rise: 1,
                fall: 1,
                init_fail: false,
                user: None,
            },
        ]
    );
}

#[test]
fn missing_main_file_is_reported_at_line_0() {
    let file = "tests/configs/does-not-exist.conf";
    let diags = load(Path::new(file)).unwrap_err();
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].severity, Severity::Error);
    assert_eq!(
        diags[0].to_string(),
        format!("({file}: Line 0) cannot read file: No such file or directory (os error 2)")
    );
}

/// Every `tests/configs/invalid/*.conf` fails to load with exactly the
/// lines of its `.expected` sibling (errors and warnings, in file order).
#[test]
fn invalid_corpus() {
    let dir = Path::new("tests/configs/invalid");
    let mut cases: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".conf"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 25, "only {} invalid cases", cases.len());
    let mut failures = Vec::new();
    for name in &cases {
        let conf = format!("tests/configs/invalid/{name}");
        let expected_path = conf.replace(".conf", ".expected");
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{expected_path}: {e}"));
        let got = match load(Path::new(&conf)) {
            Ok((_, warnings)) => {
                failures.push(format!("{conf}: loaded (warnings: {warnings:?})"));
                continue;
            }
            Err(diags) => diags,
        };
        if !got.iter().any(|d| d.severity == Severity::Error) {
            failures.push(format!("{conf}: Err without an error"));
        }
        let got: Vec<String> = got.iter().map(Diag::to_string).collect();
        let want: Vec<&str> = expected.lines().collect();
        if got != want {
            failures.push(format!(
                "{conf}:\n  want:\n    {}\n  got:\n    {}",
                want.join("\n    "),
                got.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn include_inside_a_block_with_a_glued_brace() {
    let file = "tests/configs/valid/08-include-in-block.conf";
    let (config, warnings) = load_ok(file);
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut inc = default_instance("INC", file, 1);
    inc.vrid = 8;
    inc.notify_backup = Some(Script {
        cmd: "/usr/bin/logger -t vrrp backup".to_string(),
        user: None,
    });
    let mut after = default_instance("AFTER", file, 3);
    after.interface = "eth1".to_string();
    after.vrid = 9;
    assert_eq!(config.instances, [inc, after].map(Box::new));
}

/// Issue 10 item 4: keepalived's defaults chain for the re-announcement
/// after a lower-priority advert (vrrp.c: instance, else global
/// vrrp_garp_lower_prio_*, else vrrp_garp_master_repeat / _delay).
#[test]
fn lower_prio_settings_follow_keepalived_chain() {
    let file = "tests/configs/valid/10-lower-prio.conf";
    let (config, warnings) = load_ok(file);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config.global.vrrp_garp_lower_prio_repeat, None);
    assert_eq!(config.global.vrrp_garp_lower_prio_delay_s, Some(7));
    assert!(config.global.vrrp_lower_prio_no_advert);
    let got: Vec<(&str, u32, u32, bool)> = config
        .instances
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.garp_lower_prio_repeat,
                i.garp_lower_prio_delay_s,
                i.lower_prio_no_advert,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("GLOBALS", 3, 7, true),
            ("OFF", 0, 0, false),
            ("MIXED", 2, 7, true)
        ]
    );
    // Without any of the keywords: garp_master_repeat 5, garp_master_delay
    // 5 s, answers on.
    let (seed, _) = load_ok("tests/configs/valid/01-seed-master.conf");
    let i = &seed.instances[0];
    assert_eq!(
        (
            i.garp_lower_prio_repeat,
            i.garp_lower_prio_delay_s,
            i.lower_prio_no_advert
        ),
        (5, 5, false)
    );
}

#[test]
fn utf8_bom_and_latin1_bytes_in_comments_load() {
    let file = "tests/configs/valid/09-bom-and-latin1-comments.conf";
    let (config, warnings) = load_ok(file);
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut bom = default_instance("BOM", file, 1);
    bom.vrid = 9;
    bom.vips.push(vip("192.0.2.9", 32));
    assert_eq!(config.instances, [bom].map(Box::new));
}

// ---- loading limits: files that are not regular, fan-out, memory ----------

/// A scratch directory for generated configurations, removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("tinyvrrpd-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }

    fn write(&self, name: &str, text: impl AsRef<[u8]>) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn fifo(&self, name: &str) -> String {
        let path = self.path(name);
        let ok = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "mkfifo {path}");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

type Loaded = Result<(Config, Vec<Diag>), Vec<Diag>>;

/// `load` on another thread, so a loader that blocks or fans out makes the
/// test fail after `limit` instead of hanging it (the stuck thread ends
/// with the test process).
fn load_within(path: &str, limit: std::time::Duration) -> (Loaded, std::time::Duration) {
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = path.to_string();
    let start = std::time::Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(load(Path::new(&owned)));
    });
    match rx.recv_timeout(limit) {
        Ok(loaded) => (loaded, start.elapsed()),
        Err(_) => panic!("loading {path} did not finish within {limit:?}"),
    }
}

fn lines_of(loaded: Loaded) -> Result<Vec<String>, Vec<String>> {
    let show = |d: Vec<Diag>| d.iter().map(Diag::to_string).collect();
    match loaded {
        Ok((_, warnings)) => Ok(show(warnings)),
        Err(diags) => Err(show(diags)),
    }
}

/// What a load that blocks or fans out is caught by: generous, as the
/// same tests run under qemu-user for big-endian MIPS (make test), where
/// the slowest load took 46-50 s on a busy 2-core machine; a hang or a
/// factorial fan-out (12 files: over a thousand times the 8 s 9 files
/// once took) still fails.
const HANG_LIMIT: std::time::Duration = std::time::Duration::from_secs(180);

#[test]
fn include_of_a_fifo_is_refused_without_blocking() {
    let dir = Scratch::new("fifo");
    let fifo = dir.fifo("pipe.conf");
    let main = dir.write(
        "main.conf",
        "include pipe.conf\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\n",
    );
    let (loaded, took) = load_within(&main, HANG_LIMIT);
    println!("include of a FIFO refused in {took:?}");
    assert_eq!(
        lines_of(loaded),
        Err(vec![format!(
            "({main}: Line 1) include: {fifo} is not a regular file (a FIFO); not read"
        )])
    );
    // The FIFO as the main file: the same, at line 0.
    let (loaded, _) = load_within(&fifo, HANG_LIMIT);
    assert_eq!(
        lines_of(loaded),
        Err(vec![format!(
            "({fifo}: Line 0) not a regular file (a FIFO); not read"
        )])
    );
}

#[test]
fn main_file_that_is_a_device_is_refused_at_line_0() {
    let (loaded, _) = load_within("/dev/zero", HANG_LIMIT);
    assert_eq!(
        lines_of(loaded),
        Err(vec![
            "(/dev/zero: Line 0) not a regular file (a character device); not read".to_string()
        ])
    );
}

/// n files that each include `f*.conf`: every file is read once, so the
/// load takes linear time and reports a bounded number of errors (before,
/// it took factorial time: 9 files 8 s and 167 MB).
#[test]
fn glob_fan_out_reads_each_file_once() {
    for n in [9usize, 12] {
        let dir = Scratch::new(&format!("fanout{n}"));
        for i in 1..=n {
            dir.write(&format!("f{i}.conf"), "include f*.conf\n");
        }
        let main = dir.write("main.conf", "include f*.conf\n");
        let (loaded, took) = load_within(&main, HANG_LIMIT);
        println!("{n} files: {took:?}");
        let lines = lines_of(loaded).expect_err("include cycles are errors");
        // Per include statement at most one error per file being read
        // (cycles), one for files already read and one for the depth.
        let bound = (n + 1) * (tinyvrrpd::limits::MAX_INCLUDE_DEPTH + 3);
        assert!(
            lines.len() <= bound,
            "{n} files: {} diagnostics",
            lines.len()
        );
        for line in &lines {
            assert!(
                line.contains("include cycle:")
                    || line.contains("was already read")
                    || line.contains("include nested too deeply"),
                "{line}"
            );
        }
        // Every file was read: each one's include is reported on.
        for i in 1..=n {
            let f = dir.path(&format!("f{i}.conf"));
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with(&format!("({f}: Line 1)"))),
                "f{i} not read:\n{}",
                lines.join("\n")
            );
        }
    }
}

#[test]
fn too_many_words_stop_the_load() {
    use tinyvrrpd::limits::MAX_CONFIG_WORDS;
    let dir = Scratch::new("words");
    // Lines of 10 words: the line after the first MAX_CONFIG_WORDS words
    // crosses the limit.
    assert_eq!(MAX_CONFIG_WORDS % 10, 0);
    let lines = MAX_CONFIG_WORDS / 10 + 1;
    let main = dir.write("main.conf", "use_pid_dir 1 2 3 4 5 6 7 8 9\n".repeat(lines));
    let (loaded, _) = load_within(&main, HANG_LIMIT);
    assert_eq!(
        lines_of(loaded),
        Err(vec![format!(
            "({main}: Line {lines}) more than {MAX_CONFIG_WORDS} words in the configuration \
             (limit MAX_CONFIG_WORDS); rest not read"
        )])
    );
    // One line fewer loads (with its not-supported warnings).
    let main = dir.write(
        "ok.conf",
        "use_pid_dir 1 2 3 4 5 6 7 8 9\n".repeat(lines - 1),
    );
    let (loaded, _) = load_within(&main, HANG_LIMIT);
    assert!(lines_of(loaded).is_ok());
}

#[test]
fn too_many_word_bytes_stop_the_load() {
    use tinyvrrpd::limits::{MAX_CONFIG_LINE, MAX_CONFIG_WORD_BYTES};
    let dir = Scratch::new("wordbytes");
    let word = "x".repeat(MAX_CONFIG_LINE - 1);
    let lines = MAX_CONFIG_WORD_BYTES / word.len() + 1;
    let main = dir.write("main.conf", format!("{word}\n").repeat(lines));
    let (loaded, _) = load_within(&main, HANG_LIMIT);
    assert_eq!(
        lines_of(loaded),
        Err(vec![format!(
            "({main}: Line {lines}) more than {MAX_CONFIG_WORD_BYTES} bytes of words in the \
             configuration (limit MAX_CONFIG_WORD_BYTES); rest not read"
        )])
    );
}

#[test]
fn long_lines_are_refused_unless_comments() {
    use tinyvrrpd::limits::MAX_CONFIG_LINE;
    let dir = Scratch::new("longline");
    let long = "1".repeat(MAX_CONFIG_LINE);
    let main = dir.write(
        "main.conf",
        format!(
            "# {long}\nvrrp_instance A {{ # {long}\n interface eth0\n virtual_router_id 1\n \
             priority {long}\n}}\n"
        ),
    );
    let (loaded, _) = load_within(&main, HANG_LIMIT);
    assert_eq!(
        lines_of(loaded),
        Err(vec![format!(
            "({main}: Line 5) line longer than {MAX_CONFIG_LINE} bytes (limit MAX_CONFIG_LINE); \
             not read"
        )])
    );
}

#[test]
fn diagnostics_are_capped_errors_first() {
    use tinyvrrpd::limits::MAX_CONFIG_DIAGS;
    let dir = Scratch::new("diags");
    let n = 10 * MAX_CONFIG_DIAGS;
    let mut text: String = (0..n).map(|_| "use_pid_dir\n").collect();
    // Two errors after all the warnings: they must be among those kept.
    text.push_str("vrrp_instance A {\n}\n");
    let main = dir.write("main.conf", text);
    let (loaded, _) = load_within(&main, HANG_LIMIT);
    let lines = lines_of(loaded).expect_err("the instance is invalid");
    assert_eq!(lines.len(), MAX_CONFIG_DIAGS + 1, "{lines:?}");
    let a = n + 1;
    assert_eq!(
        lines[MAX_CONFIG_DIAGS - 2..],
        [
            format!("({main}: Line {a}) vrrp_instance A has no interface"),
            format!("({main}: Line {a}) vrrp_instance A has no virtual_router_id"),
            format!(
                "({main}: Line 0) ... and {} more (0 errors, {} warnings): limit MAX_CONFIG_DIAGS \
             is {MAX_CONFIG_DIAGS}",
                n - (MAX_CONFIG_DIAGS - 2),
                n - (MAX_CONFIG_DIAGS - 2)
            ),
        ]
    );
    assert_eq!(
        lines[0],
        format!(
            "({main}: Line 1) use_pid_dir: not supported by tinyvrrpd: would put keepalived's pid \
             files under /run/keepalived"
        )
    );
}

#[test]
fn vrrp_strict_turns_lower_prio_reannouncement_off() {
    let file = "tests/configs/valid/11-lower-prio-strict.conf";
    let (config, warnings) = load_ok(file);
    assert!(warnings.is_empty(), "{warnings:?}");
    let i = &config.instances[0];
    assert_eq!(
        (
            i.garp_lower_prio_repeat,
            i.garp_lower_prio_delay_s,
            i.lower_prio_no_advert
        ),
        (0, 0, true)
    );
}

#[test]
fn oversized_files_are_refused_before_reading() {
    use tinyvrrpd::limits::MAX_CONFIG_BYTES;
    let dir = Scratch::new("bytes");
    // Sparse: nothing is written, and nothing may be read either.
    let big = dir.path("big.conf");
    let size = MAX_CONFIG_BYTES + 1;
    std::fs::File::create(&big).unwrap().set_len(size).unwrap();
    let main = dir.write("main.conf", "# fine\ninclude big.conf\n");
    let (loaded, _) = load_within(&main, HANG_LIMIT);
    assert_eq!(
        lines_of(loaded),
        Err(vec![format!(
            "({main}: Line 2) include: {big} has {size} bytes: the load would read more than \
             MAX_CONFIG_BYTES ({MAX_CONFIG_BYTES}); not read"
        )])
    );
    let (loaded, _) = load_within(&big, HANG_LIMIT);
    assert_eq!(
        lines_of(loaded),
        Err(vec![format!(
            "({big}: Line 0) file has {size} bytes: the load would read more than \
             MAX_CONFIG_BYTES ({MAX_CONFIG_BYTES}); not read"
        )])
    );
}

/// Comments are read, not held: a comment-only include just under
/// MAX_CONFIG_BYTES loads (another test slows a reload down with one).
#[test]
fn comment_only_include_up_to_the_byte_cap_loads() {
    use std::io::Write;
    use tinyvrrpd::limits::MAX_CONFIG_BYTES;
    let dir = Scratch::new("comments");
    let main = dir.write(
        "main.conf",
        "include comments.conf\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\n",
    );
    let main_len = std::fs::metadata(&main).unwrap().len();
    let line = format!("# {}\n", "c".repeat(77));
    let lines = (MAX_CONFIG_BYTES - main_len) / line.len() as u64;
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.path("comments.conf")).unwrap());
    for _ in 0..lines {
        f.write_all(line.as_bytes()).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let (loaded, took) = load_within(&main, HANG_LIMIT);
    println!("{} MiB of comments: {took:?}", (lines * 80) >> 20);
    assert_eq!(lines_of(loaded), Ok(vec![]));
}

/// keepalived's `notify_X "/path arg" USER [GROUP]`: the trailing words
/// are who runs the script, not arguments.
#[test]
fn notify_lines_take_a_user_and_group() {
    let dir = Scratch::new("notify-user");
    let main = dir.write(
        "main.conf",
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n \
         notify_master \"/etc/keepalived/master.sh eth0\" root\n \
         notify_backup /etc/keepalived/backup.sh nobody nogroup\n \
         notify_fault '/bin/fault.sh x'\n}\n",
    );
    let (config, warnings) = load_ok(&main);
    assert!(warnings.is_empty(), "{warnings:?}");
    let i = &config.instances[0];
    let script = |cmd: &str, user: Option<&str>| {
        Some(Script {
            cmd: cmd.to_string(),
            user: user.map(str::to_string),
        })
    };
    assert_eq!(
        i.notify_master,
        script("/etc/keepalived/master.sh eth0", Some("root"))
    );
    assert_eq!(
        i.notify_backup,
        script("/etc/keepalived/backup.sh", Some("nobody:nogroup"))
    );
    assert_eq!(i.notify_fault, script("/bin/fault.sh x", None));
}

fn track(name: &str, weight: Option<i16>, reverse: Option<bool>) -> Track {
    Track {
        name: name.to_string(),
        weight,
        reverse,
    }
}

fn tracks<const N: usize>(list: &[Track]) -> ArrayVec<Track, N> {
    list.iter().cloned().collect()
}

fn at(file: &str, line: u32) -> Loc {
    Loc {
        file: file.to_string(),
        line,
    }
}

/// Every tracking keyword of keepalived 2.2.7, with the defaults its
/// parser gives (vrrp_data.c:alloc_vrrp_script / alloc_vrrp_process,
/// track_file.c:track_file_handler, vrrp_parser.c:alloc_if_up_down_delay).
#[test]
fn tracking_keywords() {
    let file = "tests/configs/valid/12-tracking.conf";
    let (config, warnings) = load_ok(file);
    let f = |line: u32, msg: &str| format!("({file}: Line {line}) {msg}");
    assert_eq!(
        warnings,
        [
            f(
                18,
                "\"vrrp_track_file\" is deprecated, please use \"track_file\""
            ),
            f(
                55,
                "(A) duplicate track_script chk_wan - ignoring (first at line 53)"
            ),
        ]
    );
    let s = &config.scripts;
    assert_eq!(
        (s[0].weight, s[0].reverse, s[0].init_fail),
        (-30, true, true)
    );
    assert_eq!(
        (s[1].weight, s[1].reverse, s[1].init_fail),
        (0, false, false)
    );
    assert_eq!(
        config.track_files,
        [
            TrackFile {
                name: "tf_new".to_string(),
                loc: at(file, 13),
                path: "/run/prio".to_string(),
                weight: -2,
                reverse: true,
                init: Some(InitFile {
                    value: 5,
                    overwrite: true
                }),
            },
            TrackFile {
                name: "tf_old".to_string(),
                loc: at(file, 18),
                path: "/run/old prio".to_string(),
                weight: 1,
                reverse: false,
                init: None,
            },
        ]
    );
    let process = |name: &str, line: u32, process: &str| TrackProcess {
        name: name.to_string(),
        loc: at(file, line),
        process: process.to_string(),
        params: Vec::new(),
        param_match: ParamMatch::Any,
        weight: 0,
        reverse: false,
        quorum: 1,
        quorum_max: u32::MAX,
        fork_delay_ms: 0,
        terminate_delay_ms: 0,
        full_command: false,
    };
    assert_eq!(
        config.track_processes,
        [
            TrackProcess {
                params: vec!["-f".to_string(), "/etc/haproxy.cfg".to_string()],
                param_match: ParamMatch::Partial,
                weight: 254,
                reverse: true,
                quorum: 2,
                quorum_max: 4,
                fork_delay_ms: 1500,
                terminate_delay_ms: 250,
                full_command: true,
                ..process("haproxy", 21, "haproxy")
            },
            TrackProcess {
                quorum: 0,
                quorum_max: 0,
                full_command: true,
                ..process("no_dnsmasq", 30, "dnsmasq")
            },
            TrackProcess {
                fork_delay_ms: 3000,
                ..process("plain", 35, "sshd")
            },
        ]
    );
    let delay = |interface: &str, down_ms, up_ms| UpDownDelay {
        interface: interface.to_string(),
        down_ms,
        up_ms,
    };
    assert_eq!(
        config.up_down_delays,
        [delay("eth1", 500, 2000), delay("eth2", 1000, 0)]
    );

    let a = &config.instances[0];
    assert_eq!(
        a.track_interfaces,
        tracks(&[
            track("eth1", None, None),
            track("eth2", Some(-10), None),
            track("eth3", Some(5), Some(true)),
        ])
    );
    assert_eq!(
        a.track_scripts,
        tracks(&[
            track("chk_wan", None, None),
            track("chk_fault", Some(0), None)
        ])
    );
    assert_eq!(
        a.track_files,
        tracks(&[
            track("tf_new", Some(3), Some(false)),
            track("tf_old", None, None)
        ])
    );
    assert_eq!(
        a.track_processes,
        tracks(&[
            track("haproxy", None, None),
            track("plain", Some(-254), None)
        ])
    );

    let g = &config.sync_groups[0];
    assert_eq!(g.track_interfaces, tracks(&[track("eth4", Some(20), None)]));
    assert_eq!(
        g.track_scripts,
        tracks(&[track("chk_wan", Some(-20), Some(false))])
    );
    assert_eq!(g.track_files, tracks(&[track("tf_old", Some(0), None)]));
    assert_eq!(
        g.track_processes,
        tracks(&[track("no_dnsmasq", None, None)])
    );
    assert!(g.tracking_weight && !g.global_tracking);
}

/// keepalived 2.2.7 keeps an IPv6 VIP whose line has a label (OpenWrt's
/// generator writes one for every address with a device) and drops only
/// the label, with its warning; an IPv4 label of 15 bytes is kept.
#[test]
fn ipv6_vip_label_is_dropped_and_the_address_kept() {
    let dir = Scratch::new("vip-labels");
    let main = dir.write(
        "main.conf",
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n \
         virtual_ipaddress {\n  192.0.2.10/24 dev eth0 label eth0:0123456789\n }\n \
         virtual_ipaddress_excluded {\n  2001:db8::10/64 dev eth0 label eth0:v6\n }\n}\n",
    );
    let (config, warnings) = load_ok(&main);
    assert_eq!(
        warnings,
        vec![format!(
            "({main}: Line 8) Cannot specify label for IPv6 addresses (2001:db8::10/64) - ignoring label"
        )]
    );
    let i = &config.instances[0];
    assert_eq!(i.vips.len(), 1);
    assert_eq!(i.vips[0].label.as_deref(), Some("eth0:0123456789"));
    let v6 = &i.vips_excluded[0];
    assert_eq!(v6.addr, "2001:db8::10".parse::<IpAddr>().unwrap());
    assert_eq!(v6.label, None);
    assert_eq!(v6.dev.as_deref(), Some("eth0"));
}

/// keepalived 2.2.7's garp_group: intervals in decimal seconds, an
/// `interface` line and an `interfaces` block; an interface already in a
/// group stays there.
#[test]
fn garp_groups_load() {
    let dir = Scratch::new("garp-group");
    let main = dir.write(
        "main.conf",
        "garp_group {\n garp_interval 0.25\n gna_interval 0.1\n interface eth0\n}\n\
         garp_group {\n garp_interval 1.5\n interfaces {\n  eth1\n  eth0\n }\n}\n",
    );
    let (config, warnings) = load_ok(&main);
    assert_eq!(
        warnings,
        vec![format!(
            "({main}: Line 10) garp_group already specified for eth0 - ignoring"
        )]
    );
    let g = &config.garp_groups;
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].garp_interval_us, Some(250_000));
    assert_eq!(g[0].gna_interval_us, Some(100_000));
    assert_eq!(g[0].interfaces, vec!["eth0".to_string()]);
    assert_eq!(g[1].garp_interval_us, Some(1_500_000));
    assert_eq!(g[1].gna_interval_us, None);
    assert_eq!(g[1].interfaces, vec!["eth1".to_string()]);
}

fn route(dst: &str, dst_len: u8) -> Route {
    Route {
        dst: dst.parse().unwrap(),
        dst_len,
        kind: 1,
        via: None,
        dev: None,
        src: None,
        table: 254,
        metric: None,
        scope: None,
        protocol: 18,
        onlink: false,
        mode: RouteMode::Prepend,
    }
}

#[test]
fn routes_and_static_entries() {
    let file = "tests/configs/valid/13-routes.conf";
    let (config, warnings) = load_ok(file);
    let f = |line: u32, msg: &str| format!("({file}: Line {line}) {msg}");
    assert_eq!(
        warnings,
        [
            f(17, "\"gw\" for routes is deprecated. Please use \"via\""),
            f(
                19,
                "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol"
            ),
        ]
    );
    let eth0 = Some("eth0".to_string());
    let mut st = vip("192.0.2.201", 32);
    st.dev = eth0.clone();
    assert_eq!(config.static_addrs, [st]);
    let s1 = Route {
        via: Some("192.0.2.9".parse().unwrap()),
        dev: eth0.clone(),
        ..route("198.51.100.0", 24)
    };
    let s2 = Route {
        via: Some("2001:db8::9".parse().unwrap()),
        dev: eth0.clone(),
        metric: Some(1024),
        ..route("::", 0)
    };
    assert_eq!(config.static_routes, [s1, s2]);
    let v = [
        Route {
            via: Some("192.0.2.9".parse().unwrap()),
            dev: eth0.clone(),
            src: Some("192.0.2.100".parse().unwrap()),
            table: 100,
            ..route("203.0.113.0", 25)
        },
        Route {
            kind: 6,
            table: 1000,
            ..route("203.0.113.192", 26)
        },
        Route {
            via: Some("192.0.2.9".parse().unwrap()),
            ..route("0.0.0.0", 0)
        },
        Route {
            dev: eth0.clone(),
            scope: Some(253),
            metric: Some(7),
            protocol: 4,
            mode: RouteMode::Append,
            ..route("203.0.113.128", 26)
        },
        Route {
            dev: eth0.clone(),
            ..route("203.0.113.7", 32)
        },
    ];
    assert_eq!(config.instances[0].vroutes, v);
}

fn rule(priority: u32) -> Rule {
    Rule {
        v6: false,
        from: None,
        to: None,
        action: 1,
        table: 100,
        goto: 0,
        invert: false,
        priority,
        tos: 0,
        fwmark: None,
        iif: None,
        oif: None,
        protocol: Some(18),
    }
}

#[test]
fn rules_with_keepalived_numbering() {
    let file = "tests/configs/valid/14-rules.conf";
    let (config, warnings) = load_ok(file);
    let auto = |line: u32, n: u32| {
        format!(
            "({file}: Line {line}) Rule has no preference specified - setting to {n}. This is probably not what you want."
        )
    };
    // One counter per family across static and virtual rules, in reading
    // order, as keepalived -t prints them for this file.
    assert_eq!(warnings, [auto(3, 16384), auto(15, 16383), auto(16, 16384)]);
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let st = [
        Rule {
            from: Some((ip("192.0.2.201"), 32)),
            table: 200,
            ..rule(200)
        },
        Rule {
            to: Some((ip("198.51.100.0"), 24)),
            table: 254,
            ..rule(16384)
        },
    ];
    assert_eq!(config.static_rules, st);
    let v = [
        Rule {
            from: Some((ip("192.0.2.100"), 32)),
            ..rule(100)
        },
        Rule {
            invert: true,
            fwmark: Some((16, Some(255))),
            iif: Some("eth0".to_string()),
            action: 6,
            table: 0,
            protocol: None,
            ..rule(5)
        },
        Rule {
            v6: true,
            from: Some((ip("2001:db8::"), 64)),
            action: 2,
            table: 0,
            goto: 300,
            ..rule(250)
        },
        Rule {
            to: Some((ip("203.0.113.0"), 24)),
            ..rule(16383)
        },
        Rule {
            v6: true,
            to: Some((ip("2001:db8:1::"), 48)),
            ..rule(16384)
        },
    ];
    assert_eq!(config.instances[0].vrules, v);
}

#[test]
fn mcast_src_ip_is_the_adverts_source_as_unicast_src_ip() {
    let (config, warnings) = load_all("tests/configs/valid/16-mcast-src-ip.conf");
    assert!(warnings.is_empty(), "{warnings:?}");
    let want = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)));
    assert_eq!(config.instances[0].unicast_src_ip, want);
}
