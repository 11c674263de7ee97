//! The configuration model: what a keepalived.conf says, validated, with
//! every default resolved. Built at start-up and on reload only, so it may
//! allocate; the tables the daemon runs on are sized from `crate::limits`.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arrayvec::ArrayVec;

use crate::limits::{MAX_TRACKS, MAX_UNICAST_PEERS, MAX_VIPS, MAX_VIPS_EXCLUDED};

/// Where a block or statement came from, for messages at run time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub file: String,
    pub line: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub global: GlobalDefs,
    /// At most `limits::MAX_INSTANCES`. Boxed: each is kilobytes, moved
    /// from the parser to the running slot as a pointer, not copied at
    /// each step (size: issue 17).
    pub instances: Vec<Box<InstanceConfig>>,
    /// At most `limits::MAX_SYNC_GROUPS`.
    pub sync_groups: Vec<SyncGroup>,
    /// At most `limits::MAX_SCRIPTS`.
    pub scripts: Vec<VrrpScript>,
    /// `vrrp_track_file` blocks; at most `limits::MAX_SCRIPTS`.
    pub track_files: Vec<TrackFile>,
    /// `vrrp_track_process` blocks; at most `limits::MAX_SCRIPTS`.
    pub track_processes: Vec<TrackProcess>,
    /// `interface_up_down_delays`: per interface, how long a carrier
    /// change must last before it counts.
    pub up_down_delays: Vec<UpDownDelay>,
    /// `garp_group` blocks: GARP/NA spacing per interface.
    pub garp_groups: Vec<super::GarpGroup>,
    /// `static_ipaddress`: installed at start whatever the state, removed
    /// on stop.
    pub static_addrs: Vec<Vip>,
    /// `static_routes`: installed at start, removed on stop.
    pub static_routes: Vec<super::routes::Route>,
    /// `static_rules`: installed at start, removed on stop.
    pub static_rules: Vec<super::rules::Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    /// 25 unless given.
    pub port: u16,
}

#[derive(Debug, PartialEq, Eq)]
pub struct GlobalDefs {
    pub router_id: Option<String>,
    pub notification_email: Vec<String>,
    pub notification_email_from: Option<String>,
    pub smtp_server: Option<SmtpServer>,
    /// Seconds; default 30.
    pub smtp_connect_timeout_s: u32,
    pub smtp_helo_name: Option<String>,
    /// `smtp_alert` / `smtp_alert_vrrp` as given (None: not given): an
    /// instance or group without its own `smtp_alert` takes
    /// `smtp_alert_vrrp`, else `smtp_alert`, else no mail.
    pub smtp_alert: Option<bool>,
    pub smtp_alert_vrrp: Option<bool>,
    /// `no_email_faults`: no mail for FAULT.
    pub no_email_faults: bool,
    /// 2 or 3; default 2.
    pub vrrp_version: u8,
    pub vrrp_mcast_group4: Ipv4Addr,
    pub vrrp_mcast_group6: Ipv6Addr,
    /// Seconds; default 5.
    pub vrrp_garp_master_delay_s: u32,
    /// Default 5.
    pub vrrp_garp_master_repeat: u32,
    /// Seconds; 0 = off (default).
    pub vrrp_garp_master_refresh_s: u32,
    /// Default 1.
    pub vrrp_garp_master_refresh_repeat: u32,
    /// GARPs per address when a master hears a lower-priority advert;
    /// None: `vrrp_garp_master_repeat` (keepalived's chain).
    pub vrrp_garp_lower_prio_repeat: Option<u32>,
    /// Seconds to the second such burst; None: `vrrp_garp_master_delay`.
    pub vrrp_garp_lower_prio_delay_s: Option<u32>,
    /// Do not answer a lower-priority advert with an advert; default off.
    pub vrrp_lower_prio_no_advert: bool,
    /// Microseconds between GARPs of one burst (keepalived takes decimal
    /// seconds); default 0.
    pub vrrp_garp_interval_us: u32,
    /// Microseconds between unsolicited NAs of one burst; default 0.
    pub vrrp_gna_interval_us: u32,
    /// Milliseconds (keepalived takes decimal seconds); default 0.
    pub vrrp_startup_delay_ms: u32,
    pub vrrp_skip_check_adv_addr: bool,
    pub vrrp_strict: bool,
    pub v3_checksum_as_v2: bool,
    pub script_user: Option<String>,
    pub enable_script_security: bool,
    pub vrrp_notify_fifo: Option<String>,
    pub notify_fifo: Option<String>,
    /// `vrrp_notify_fifo_script` / `notify_fifo_script`: started with the
    /// FIFO's path as last argument when the FIFO is opened, to read it.
    pub vrrp_notify_fifo_script: Option<Script>,
    pub notify_fifo_script: Option<Script>,
    /// Run before the instances start; they wait for it, at most its
    /// timeout (seconds, default 10).
    pub startup_script: Option<Script>,
    pub startup_script_timeout_s: u32,
    /// Run after the instances stopped, at most its timeout (default 10).
    pub shutdown_script: Option<Script>,
    pub shutdown_script_timeout_s: u32,
}

impl GlobalDefs {
    /// Whether an instance or group with `own` (its `smtp_alert`, if
    /// given) mails its transitions: own, else `smtp_alert_vrrp`, else
    /// `smtp_alert`, else not.
    pub fn mails(&self, own: Option<bool>) -> bool {
        own.or(self.smtp_alert_vrrp)
            .or(self.smtp_alert)
            .unwrap_or(false)
    }

    /// Mail can be sent at all: a server and someone to send it to.
    pub fn mail_configured(&self) -> bool {
        self.smtp_server.is_some() && !self.notification_email.is_empty()
    }
}

impl Default for GlobalDefs {
    fn default() -> Self {
        GlobalDefs {
            router_id: None,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_connect_timeout_s: 30,
            smtp_helo_name: None,
            smtp_alert: None,
            smtp_alert_vrrp: None,
            no_email_faults: false,
            vrrp_version: 2,
            vrrp_mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
            vrrp_mcast_group6: Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12),
            vrrp_garp_master_delay_s: 5,
            vrrp_garp_master_repeat: 5,
            vrrp_garp_master_refresh_s: 0,
            vrrp_garp_master_refresh_repeat: 1,
            vrrp_garp_lower_prio_repeat: None,
            vrrp_garp_lower_prio_delay_s: None,
            vrrp_lower_prio_no_advert: false,
            vrrp_garp_interval_us: 0,
            vrrp_gna_interval_us: 0,
            vrrp_startup_delay_ms: 0,
            vrrp_skip_check_adv_addr: false,
            vrrp_strict: false,
            v3_checksum_as_v2: false,
            script_user: None,
            enable_script_security: false,
            vrrp_notify_fifo: None,
            notify_fifo: None,
            vrrp_notify_fifo_script: None,
            notify_fifo_script: None,
            startup_script: None,
            startup_script_timeout_s: 10,
            shutdown_script: None,
            shutdown_script_timeout_s: 10,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum InitialState {
    Master,
    Backup,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
}

/// v2 simple password authentication (RFC 3768 §5.3.6.1). AH is refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Auth {
    /// The password, zero padded (or truncated, with a warning) to 8 bytes.
    pub pass: [u8; 8],
}

/// One `virtual_ipaddress` line:
/// `IP[/LEN] [dev IF] [label LABEL] [brd IP] [scope S]`.
#[derive(Debug, PartialEq, Eq)]
pub struct Vip {
    pub addr: IpAddr,
    /// 32 (IPv4) or 128 (IPv6) when not given.
    pub prefix_len: u8,
    /// The instance's interface when not given.
    pub dev: Option<String>,
    pub label: Option<String>,
    pub brd: Option<Ipv4Addr>,
    /// rtnetlink scope number (0 global, 200 site, 253 link, 254 host,
    /// 255 nowhere); names are translated by the parser.
    pub scope: Option<u8>,
}

/// A tracked object on an instance or sync group line:
/// `NAME [weight N [reverse|noreverse]]` (interface, vrrp_script,
/// vrrp_track_file or vrrp_track_process by name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    pub name: String,
    /// None: not given on the line (an interface: FAULT while down; a
    /// script, file or process: the weight of its own block).
    /// Some(0): FAULT-type. Some(w): priority changes by w (-253..=253).
    pub weight: Option<i16>,
    /// `reverse` given on the line (the sense of the object is inverted);
    /// None: not given (the block's own setting applies).
    pub reverse: Option<bool>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct InstanceConfig {
    pub name: String,
    /// The `vrrp_instance` line.
    pub loc: Loc,
    /// The `state` keyword; Backup when absent (Master when priority 255).
    pub state: InitialState,
    pub interface: String,
    pub vrid: u8,
    /// 1..=255; 100 by default, 255 for `state MASTER` without `priority`.
    pub priority: u8,
    /// Advertisement interval in centiseconds (v2: a multiple of 100).
    pub advert_int_cs: u16,
    /// 2 or 3, resolved: `version`, else 3 with IPv6 VIPs, else `vrrp_version`.
    pub version: u8,
    /// The family of the VIPs (V4 when there are none).
    pub family: Family,
    pub auth: Option<Auth>,
    pub vips: ArrayVec<Vip, MAX_VIPS>,
    pub vips_excluded: ArrayVec<Vip, MAX_VIPS_EXCLUDED>,
    /// `virtual_routes`: installed with mastership, removed on leaving it.
    pub vroutes: Vec<super::routes::Route>,
    /// `virtual_rules`: as `vroutes`.
    pub vrules: Vec<super::rules::Rule>,
    pub nopreempt: bool,
    /// Seconds, 0..=1000.
    pub preempt_delay_s: u16,
    /// Resolved from the instance keyword, else the global one.
    pub garp_master_delay_s: u32,
    pub garp_master_repeat: u32,
    pub garp_master_refresh_s: u32,
    pub garp_master_refresh_repeat: u32,
    /// Resolved as keepalived does: the instance keyword, else the global
    /// `vrrp_garp_lower_prio_*`, else the global `vrrp_garp_master_repeat`
    /// / `vrrp_garp_master_delay`; 0 / 0 / on under `vrrp_strict`.
    pub garp_lower_prio_repeat: u32,
    pub garp_lower_prio_delay_s: u32,
    pub lower_prio_no_advert: bool,
    pub track_interfaces: ArrayVec<Track, MAX_TRACKS>,
    pub track_scripts: ArrayVec<Track, MAX_TRACKS>,
    pub track_files: ArrayVec<Track, MAX_TRACKS>,
    pub track_processes: ArrayVec<Track, MAX_TRACKS>,
    pub notify_master: Option<Script>,
    pub notify_backup: Option<Script>,
    pub notify_fault: Option<Script>,
    pub notify_stop: Option<Script>,
    pub notify: Option<Script>,
    /// A master heard a lower-priority advert (keepalived 2.2's event).
    pub notify_master_rx_lower_pri: Option<Script>,
    /// `notify_deleted [SCRIPT [USER [GROUP]]]`: a reload that removes the
    /// instance reports DELETED (and runs the script, if given) instead of
    /// keepalived's default FAULT.
    pub notify_deleted: bool,
    pub notify_deleted_script: Option<Script>,
    /// Mail its transitions: its own `smtp_alert`, else the global
    /// `smtp_alert_vrrp`, else `smtp_alert` (keepalived's order).
    pub smtp_alert: bool,
    pub unicast_src_ip: Option<IpAddr>,
    pub unicast_peers: ArrayVec<IpAddr, MAX_UNICAST_PEERS>,
    /// `accept` / `no_accept`; None when neither is given.
    pub accept: Option<bool>,
    pub dont_track_primary: bool,
    /// `use_vmac`: the macvlan that holds the VIPs and sends the adverts.
    pub vmac: Option<Vmac>,
    pub native_ipv6: bool,
    /// `debug [LEVEL]`.
    pub debug: Option<u8>,
    /// Resolved from the instance keyword, else the global one.
    pub v3_checksum_as_v2: bool,
    /// Resolved from the global `vrrp_skip_check_adv_addr`.
    pub skip_check_adv_addr: bool,
}

// The Clones of the large structs by hand: what owns memory cloned, the
// plain fields copied at once by struct update, smaller than the derived
// field-by-field clones (issue 17: size). A new field that is not Copy
// does not compile until it is cloned here.

impl Clone for GlobalDefs {
    fn clone(&self) -> GlobalDefs {
        GlobalDefs {
            router_id: self.router_id.clone(),
            notification_email: self.notification_email.clone(),
            notification_email_from: self.notification_email_from.clone(),
            smtp_server: self.smtp_server.clone(),
            smtp_helo_name: self.smtp_helo_name.clone(),
            script_user: self.script_user.clone(),
            vrrp_notify_fifo: self.vrrp_notify_fifo.clone(),
            notify_fifo: self.notify_fifo.clone(),
            vrrp_notify_fifo_script: self.vrrp_notify_fifo_script.clone(),
            notify_fifo_script: self.notify_fifo_script.clone(),
            startup_script: self.startup_script.clone(),
            shutdown_script: self.shutdown_script.clone(),
            ..*self
        }
    }
}

impl Clone for Vip {
    fn clone(&self) -> Vip {
        Vip {
            dev: self.dev.clone(),
            label: self.label.clone(),
            ..*self
        }
    }
}

impl InstanceConfig {
    /// An instance with only its name and place set (BACKUP, IPv4, every
    /// list empty): what the parser fills in place
    /// (`instance::RawInstance::model`) and what `validate` leaves behind
    /// when it moves the model out. One literal, out of line, for both
    /// (size: issue 17). Boxed, as the configuration holds it.
    #[inline(never)]
    pub fn new(name: String, loc: Loc) -> Box<InstanceConfig> {
        Box::new(InstanceConfig {
            name,
            loc,
            state: InitialState::Backup,
            interface: String::new(),
            vrid: 0,
            priority: 0,
            advert_int_cs: 0,
            version: 0,
            family: Family::V4,
            auth: None,
            vips: ArrayVec::new(),
            vips_excluded: ArrayVec::new(),
            vroutes: Vec::new(),
            vrules: Vec::new(),
            nopreempt: false,
            preempt_delay_s: 0,
            garp_master_delay_s: 0,
            garp_master_repeat: 0,
            garp_master_refresh_s: 0,
            garp_master_refresh_repeat: 0,
            garp_lower_prio_repeat: 0,
            garp_lower_prio_delay_s: 0,
            lower_prio_no_advert: false,
            track_interfaces: ArrayVec::new(),
            track_scripts: ArrayVec::new(),
            track_files: ArrayVec::new(),
            track_processes: ArrayVec::new(),
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
            unicast_peers: ArrayVec::new(),
            accept: None,
            dont_track_primary: false,
            vmac: None,
            native_ipv6: false,
            debug: None,
            v3_checksum_as_v2: false,
            skip_check_adv_addr: false,
        })
    }
}

impl Clone for InstanceConfig {
    fn clone(&self) -> InstanceConfig {
        InstanceConfig {
            name: self.name.clone(),
            loc: self.loc.clone(),
            interface: self.interface.clone(),
            vips: self.vips.clone(),
            vips_excluded: self.vips_excluded.clone(),
            vroutes: self.vroutes.clone(),
            vrules: self.vrules.clone(),
            track_interfaces: self.track_interfaces.clone(),
            track_scripts: self.track_scripts.clone(),
            track_files: self.track_files.clone(),
            track_processes: self.track_processes.clone(),
            notify_master: self.notify_master.clone(),
            notify_backup: self.notify_backup.clone(),
            notify_fault: self.notify_fault.clone(),
            notify_stop: self.notify_stop.clone(),
            notify: self.notify.clone(),
            notify_master_rx_lower_pri: self.notify_master_rx_lower_pri.clone(),
            notify_deleted_script: self.notify_deleted_script.clone(),
            unicast_peers: self.unicast_peers.clone(),
            vmac: self.vmac.clone(),
            ..*self
        }
    }
}

/// `use_vmac [NAME] [MAC]` (and `vmac_xmit_base`), resolved: the
/// interface's name (given, else keepalived's `vrrp.VRID` or the next free
/// one) and its MAC (given, else 00:00:5e:00:01:VRID, :02: for IPv6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vmac {
    pub name: String,
    pub mac: [u8; 6],
    /// `vmac_xmit_base`: adverts leave from the base interface.
    pub xmit_base: bool,
}

/// A script line: the command as written (split into words only when it
/// runs, by keepalived's rules) and the `USER[:GROUP]` to run it as, when
/// the line names one (else `script_user`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    pub cmd: String,
    pub user: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncGroup {
    pub name: String,
    pub loc: Loc,
    /// Names of the member instances (each must exist).
    pub group: Vec<String>,
    pub notify_master: Option<Script>,
    pub notify_backup: Option<Script>,
    pub notify_fault: Option<Script>,
    pub notify_stop: Option<Script>,
    pub notify: Option<Script>,
    /// Mail its transitions (resolved as an instance's).
    pub smtp_alert: bool,
    /// Group-level tracking: applies to every member instance.
    pub track_interfaces: ArrayVec<Track, MAX_TRACKS>,
    pub track_scripts: ArrayVec<Track, MAX_TRACKS>,
    pub track_files: ArrayVec<Track, MAX_TRACKS>,
    pub track_processes: ArrayVec<Track, MAX_TRACKS>,
    /// `global_tracking` (deprecated in keepalived: members keep their own
    /// tracking and it is not synchronised).
    pub global_tracking: bool,
    /// `sync_group_tracking_weight`: weighted tracking of a member applies
    /// to the whole group.
    pub tracking_weight: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrrpScript {
    pub name: String,
    pub loc: Loc,
    pub script: String,
    /// Seconds; default 1.
    pub interval_s: u32,
    /// Seconds; default: interval.
    pub timeout_s: Option<u32>,
    /// -253..=253; default 0.
    pub weight: i16,
    /// `weight N reverse`: the weight applies while the script fails.
    pub reverse: bool,
    /// Default 1.
    pub rise: u32,
    /// Default 1.
    pub fall: u32,
    /// `init_fail`: the script starts as failed instead of as
    /// keepalived's "init" state.
    pub init_fail: bool,
    pub user: Option<String>,
}

/// `vrrp_track_file NAME { file PATH; weight N [reverse]; init_file [V] [overwrite] }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackFile {
    pub name: String,
    pub loc: Loc,
    pub path: String,
    /// Default 1.
    pub weight: i16,
    pub reverse: bool,
    /// `init_file [VALUE] [overwrite]`: create the file with VALUE
    /// (default 0) if missing, or always with `overwrite`.
    pub init: Option<InitFile>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitFile {
    pub value: i64,
    pub overwrite: bool,
}

/// How a `vrrp_track_process`'s `param_match` compares arguments.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ParamMatch {
    /// No parameters given: any arguments match.
    Any,
    /// `param_match exact` (keepalived's default when parameters are given).
    Exact,
    /// `param_match partial`: the given words appear, in order, anywhere.
    Partial,
    /// `param_match initial`: the arguments start with the given words.
    Initial,
}

/// `vrrp_track_process NAME { process PATH [ARGS]; ... }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackProcess {
    pub name: String,
    pub loc: Loc,
    /// The process name (comm, or the path with `full_command`).
    pub process: String,
    /// The arguments to match (after the name), as words.
    pub params: Vec<String>,
    pub param_match: ParamMatch,
    /// Default 0 (FAULT-type).
    pub weight: i16,
    pub reverse: bool,
    /// Up while quorum <= count <= quorum_max. Defaults 1 and u32::MAX.
    pub quorum: u32,
    pub quorum_max: u32,
    /// `fork_delay` / `terminate_delay` (`delay` sets both), in ms.
    pub fork_delay_ms: u32,
    pub terminate_delay_ms: u32,
    /// Match the whole command line path rather than the process name.
    pub full_command: bool,
}

impl TrackProcess {
    /// A block named `name` with keepalived's defaults (vrrp_data.c
    /// alloc_vrrp_process): any arguments, weight 0, quorum 1..unlimited,
    /// no delays.
    pub fn new(name: String, loc: Loc, process: String) -> TrackProcess {
        TrackProcess {
            name,
            loc,
            process,
            params: Vec::new(),
            param_match: ParamMatch::Any,
            weight: 0,
            reverse: false,
            quorum: 1,
            quorum_max: u32::MAX,
            fork_delay_ms: 0,
            terminate_delay_ms: 0,
            full_command: false,
        }
    }
}

/// One line of `interface_up_down_delays`: `IFNAME DOWN_DELAY [UP_DELAY]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpDownDelay {
    pub interface: String,
    pub down_ms: u32,
    pub up_ms: u32,
}
