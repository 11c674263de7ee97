//! The tree to raw blocks: the grammar of the file, global_defs,
//! vrrp_sync_group and vrrp_script, each block through its keyword table
//! (`keywords`); vrrp_instance has its own file (`instance`). Values are
//! checked as they are read (syntax and fixed ranges); everything that
//! depends on other statements is left to `validate`.

use core::net::IpAddr;

use arrayvec::ArrayVec;

use super::diag::{Pos, Sink};
use super::instance::{self, RawInstance};
use super::keywords::Reader::{Fifo, User, Word};
use super::keywords::Slot::{Fixed, Flag, Notify, On, OptFlag, OptU32, Text, Tracks, U32, Weight};
use super::keywords::{
    At, GARP_DELAY, GARP_LOWER_PRIO_REPEAT, GARP_REFRESH, GARP_REPEAT, Kw, TRACK_FILE,
    TRACK_INTERFACE, TRACK_PROCESS, TRACK_SCRIPT, WEIGHT, blk, body, data, dispatch, first_value,
    int, int_word, ip, no_args, said, tracks, val, warn_extra, word_list, word_values,
};
use super::model::{GlobalDefs, SmtpServer, SyncGroup, Track, VrrpScript};
use super::trackers;
use super::tree::Node;

// ---- the whole file ------------------------------------------------------

#[derive(Default)]
pub struct Raw {
    /// The blocks the model keeps as they are read (global_defs,
    /// vrrp_script, track_file, vrrp_track_process,
    /// interface_up_down_delays, garp_group, the static lists): the
    /// configuration itself, without its instances and sync groups until
    /// `validate` resolves them; the whole is then moved, not rebuilt
    /// (size: issue 17).
    pub config: super::model::Config,
    pub instances: Vec<RawInstance>,
    pub sync_groups: Vec<RawSyncGroup>,
    /// Where each vrrp_script block is (beside `config.scripts`), and
    /// whether it had a `script` line.
    pub script_at: Vec<(Pos, bool)>,
    /// Where each track_file, vrrp_track_process block and
    /// interface_up_down_delays line is, beside its list in `config`.
    pub track_file_at: Vec<Pos>,
    pub track_process_at: Vec<Pos>,
    pub up_down_at: Vec<Pos>,
    /// keepalived's numbering of rules without a preference.
    pub rule_prio: super::rules::AutoPriority,
}

pub fn parse(sink: &mut Sink, nodes: &[Node]) -> Raw {
    let mut raw = Raw::default();
    dispatch(sink, nodes, TOP_KW, &mut raw, "root");
    raw
}

static TOP_KW: &[Kw<Raw>] = &[
    blk("global_defs", |s, n, r| {
        dispatch(s, body(n), GLOBAL_KW, &mut r.config.global, "global_defs")
    }),
    blk("vrrp_instance", |s, n, r| {
        let (name, named) = block_name(s, n);
        let mut inst = instance::parse(s, n, name);
        super::rules::number(s, &mut inst.vrules, &mut r.rule_prio);
        if named {
            r.instances.push(inst);
        }
    }),
    blk("vrrp_sync_group", |s, n, r| {
        let (name, named) = block_name(s, n);
        let mut g = RawSyncGroup {
            model: SyncGroup {
                name,
                loc: n.pos.loc(),
                group: Vec::new(),
                notify_master: None,
                notify_backup: None,
                notify_fault: None,
                notify_stop: None,
                notify: None,
                smtp_alert: false,
                track_interfaces: ArrayVec::new(),
                track_scripts: ArrayVec::new(),
                track_files: ArrayVec::new(),
                track_processes: ArrayVec::new(),
                global_tracking: false,
                tracking_weight: false,
            },
            pos: n.pos.clone(),
            group: Vec::new(),
            smtp_alert: None,
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            track_files: Vec::new(),
            track_processes: Vec::new(),
        };
        dispatch(s, body(n), SYNC_KW, &mut g, "vrrp_sync_group");
        if named {
            r.sync_groups.push(g);
        }
    }),
    blk("vrrp_script", |s, n, r| {
        let (name, named) = block_name(s, n);
        let mut sc = RawScript {
            script: VrrpScript {
                name,
                loc: n.pos.loc(),
                script: String::new(),
                interval_s: 1,
                timeout_s: None,
                weight: 0,
                reverse: false,
                rise: 1,
                fall: 1,
                init_fail: false,
                user: None,
            },
            has_script: false,
        };
        dispatch(s, body(n), SCRIPT_KW, &mut sc, "vrrp_script");
        if named {
            r.config.scripts.push(sc.script);
            r.script_at.push((n.pos.clone(), sc.has_script));
        }
    }),
    blk("track_file", track_file),
    blk("vrrp_track_file", track_file),
    blk("vrrp_track_process", |s, n, r| {
        let (name, named) = block_name(s, n);
        let p = trackers::track_process(s, n, name);
        if named {
            r.config.track_processes.push(p);
            r.track_process_at.push(n.pos.clone());
        }
    }),
    blk("interface_up_down_delays", |s, n, r| {
        warn_extra(s, n, 0);
        trackers::up_down_delays(s, n, &mut r.config.up_down_delays, &mut r.up_down_at);
    }),
    blk("garp_group", |s, n, r| {
        super::garp_group::parse(s, n, &mut r.config.garp_groups)
    }),
    blk("static_ipaddress", |s, n, r| {
        warn_extra(s, n, 0);
        super::routes::static_addrs(s, n, &mut r.config.static_addrs);
    }),
    blk("static_routes", |s, n, r| {
        warn_extra(s, n, 0);
        super::routes::route_block(s, n, &mut r.config.static_routes);
    }),
    blk("static_rules", |s, n, r| {
        warn_extra(s, n, 0);
        // Read onto the end of the list itself, lent and given back: no
        // second list to append (size: issue 17).
        let mut rules = super::rules::Rules {
            list: core::mem::take(&mut r.config.static_rules),
            ..Default::default()
        };
        super::rules::rule_block(s, n, &mut rules);
        super::rules::number(s, &mut rules, &mut r.rule_prio);
        r.config.static_rules = rules.list;
    }),
];

/// `track_file NAME { ... }` (and `vrrp_track_file`: one handler for both,
/// the keyword saying which; size: issue 17).
fn track_file(s: &mut Sink, n: &Node, r: &mut Raw) {
    if n.keyword() == "vrrp_track_file" {
        // keepalived 2.2.7 logs this too (trackers/track_file.c:
        // vrrp_track_file_handler) and reads the block as track_file.
        s.warn(
            &n.pos,
            "\"vrrp_track_file\" is deprecated, please use \"track_file\"",
        );
    }
    let (name, named) = block_name(s, n);
    let f = trackers::track_file(s, n, name);
    if named {
        r.config.track_files.push(f);
        r.track_file_at.push(n.pos.clone());
    }
}

/// The NAME of `vrrp_instance NAME {`, empty when missing (then reported,
/// and the block read for its own errors but not kept: the bool is false).
fn block_name(sink: &mut Sink, node: &Node) -> (String, bool) {
    warn_extra(sink, node, 1);
    match node.args().first() {
        Some(w) => (w.text.clone(), true),
        None => {
            said(sink, &node.pos, node.keyword(), "needs a name");
            (String::new(), false)
        }
    }
}

// ---- global_defs ---------------------------------------------------------

static GLOBAL_KW: &[Kw<GlobalDefs>] = &[
    data("router_id", |g| Text(&mut g.router_id, Word)),
    blk("notification_email", |s, n, g| {
        word_values(s, n, &mut g.notification_email);
    }),
    data("notification_email_from", |g| {
        Text(&mut g.notification_email_from, Word)
    }),
    val("smtp_server", |s, n, g| {
        if let Some(server) = smtp_server(s, n) {
            g.smtp_server = Some(server);
        }
    }),
    data("smtp_connect_timeout", |g| {
        U32(&mut g.smtp_connect_timeout_s, &(1, 3600))
    }),
    data("smtp_helo_name", |g| Text(&mut g.smtp_helo_name, Word)),
    data("smtp_alert", |g| OptFlag(&mut g.smtp_alert)),
    data("smtp_alert_vrrp", |g| OptFlag(&mut g.smtp_alert_vrrp)),
    data("no_email_faults", |g| On(&mut g.no_email_faults)),
    val("vrrp_version", |s, n, g| {
        if let Some(v) = int(s, n, 2, 3) {
            g.vrrp_version = v;
        }
    }),
    val("vrrp_mcast_group4", mcast_group),
    val("vrrp_mcast_group6", mcast_group),
    data("vrrp_garp_master_delay", |g| {
        U32(&mut g.vrrp_garp_master_delay_s, &GARP_DELAY)
    }),
    data("vrrp_garp_master_repeat", |g| {
        U32(&mut g.vrrp_garp_master_repeat, &GARP_REPEAT)
    }),
    data("vrrp_garp_master_refresh", |g| {
        U32(&mut g.vrrp_garp_master_refresh_s, &GARP_REFRESH)
    }),
    data("vrrp_garp_master_refresh_repeat", |g| {
        U32(&mut g.vrrp_garp_master_refresh_repeat, &GARP_REPEAT)
    }),
    data("vrrp_garp_lower_prio_repeat", |g| {
        OptU32(&mut g.vrrp_garp_lower_prio_repeat, &GARP_LOWER_PRIO_REPEAT)
    }),
    data("vrrp_garp_lower_prio_delay", |g| {
        OptU32(&mut g.vrrp_garp_lower_prio_delay_s, &GARP_DELAY)
    }),
    data("vrrp_lower_prio_no_advert", |g| {
        Flag(&mut g.vrrp_lower_prio_no_advert)
    }),
    data("vrrp_garp_interval", |g| {
        Fixed(&mut g.vrrp_garp_interval_us, &(6, 0, 1_000_000, "0-1"))
    }),
    data("vrrp_gna_interval", |g| {
        Fixed(&mut g.vrrp_gna_interval_us, &(6, 0, 1_000_000, "0-1"))
    }),
    data("vrrp_startup_delay", |g| {
        Fixed(&mut g.vrrp_startup_delay_ms, &(3, 0, 3_600_000, "0-3600"))
    }),
    data("vrrp_skip_check_adv_addr", |g| {
        Flag(&mut g.vrrp_skip_check_adv_addr)
    }),
    data("vrrp_strict", |g| Flag(&mut g.vrrp_strict)),
    data("v3_checksum_as_v2", |g| Flag(&mut g.v3_checksum_as_v2)),
    data("script_user", |g| Text(&mut g.script_user, User)),
    // keepalived 2.2.7 exits on an interface that does not exist unless
    // this is set; tinyvrrpd always waits for such an interface in FAULT.
    val("dynamic_interfaces", |s, n, _| {
        s.warn(
            &n.pos,
            "dynamic_interfaces: tinyvrrpd always follows interfaces that do not exist yet \
             (their instances wait in FAULT); the keyword changes nothing",
        );
    }),
    data("enable_script_security", |g| {
        Flag(&mut g.enable_script_security)
    }),
    data("vrrp_notify_fifo", |g| Text(&mut g.vrrp_notify_fifo, Fifo)),
    data("notify_fifo", |g| Text(&mut g.notify_fifo, Fifo)),
    data("vrrp_notify_fifo_script", |g| {
        Notify(&mut g.vrrp_notify_fifo_script, true)
    }),
    data("notify_fifo_script", |g| {
        Notify(&mut g.notify_fifo_script, true)
    }),
    data("startup_script", |g| Notify(&mut g.startup_script, true)),
    data("startup_script_timeout", |g| {
        U32(&mut g.startup_script_timeout_s, &(1, 1000))
    }),
    data("shutdown_script", |g| Notify(&mut g.shutdown_script, true)),
    data("shutdown_script_timeout", |g| {
        U32(&mut g.shutdown_script_timeout_s, &(1, 1000))
    }),
];

/// `vrrp_mcast_group4` / `vrrp_mcast_group6`: one handler, the keyword
/// saying which family (one message, not two: issue 17, size).
fn mcast_group(s: &mut Sink, n: &Node, g: &mut GlobalDefs) {
    let Some(a) = ip(s, n) else { return };
    let kw = n.keyword();
    let v4 = kw == "vrrp_mcast_group4";
    match a {
        IpAddr::V4(x) if v4 && x.is_multicast() => g.vrrp_mcast_group4 = x,
        IpAddr::V6(x) if !v4 && x.is_multicast() => g.vrrp_mcast_group6 = x,
        _ => s.error_fmt(
            &n.pos,
            format_args!(
                "{} {} is not an IPv{} multicast address",
                kw,
                crate::wire::addr::Ip(a),
                if v4 { "4" } else { "6" }
            ),
        ),
    }
}

/// `smtp_server HOST [PORT]`; HOST may be a name (the seed uses localhost).
fn smtp_server(sink: &mut Sink, node: &Node) -> Option<SmtpServer> {
    // The keyword's own "needs a value" (size: issue 17).
    let host = first_value(sink, node)?;
    warn_extra(sink, node, 2);
    let port = match node.args().get(1) {
        Some(p) => int_word(sink, &node.pos, "smtp_server port", &p.text, 1, 65535)?,
        None => 25,
    };
    Some(SmtpServer {
        host: host.to_string(),
        port,
    })
}

// ---- vrrp_sync_group -----------------------------------------------------

pub struct RawSyncGroup {
    /// The model as far as the block alone sets it (name, scripts,
    /// tracking weight), moved into the configuration as it is: no field
    /// of it cloned there (size: issue 17). `validate` sets the rest.
    pub model: SyncGroup,
    pub pos: Pos,
    pub group: Vec<At<String>>,
    pub smtp_alert: Option<bool>,
    pub track_interfaces: Vec<At<Track>>,
    pub track_scripts: Vec<At<Track>>,
    pub track_files: Vec<At<Track>>,
    pub track_processes: Vec<At<Track>>,
}

static SYNC_KW: &[Kw<RawSyncGroup>] = &[
    blk("group", |s, n, g| word_list(s, n, &mut g.group)),
    data("notify_master", |g| {
        Notify(&mut g.model.notify_master, false)
    }),
    data("notify_backup", |g| {
        Notify(&mut g.model.notify_backup, false)
    }),
    data("notify_fault", |g| Notify(&mut g.model.notify_fault, false)),
    data("notify_stop", |g| Notify(&mut g.model.notify_stop, false)),
    data("notify", |g| Notify(&mut g.model.notify, false)),
    data("smtp_alert", |g| OptFlag(&mut g.smtp_alert)),
    tracks("track_interface", |g| {
        Tracks(&mut g.track_interfaces, &TRACK_INTERFACE)
    }),
    tracks("track_script", |g| {
        Tracks(&mut g.track_scripts, &TRACK_SCRIPT)
    }),
    tracks("track_file", |g| Tracks(&mut g.track_files, &TRACK_FILE)),
    tracks("track_process", |g| {
        Tracks(&mut g.track_processes, &TRACK_PROCESS)
    }),
    val("global_tracking", |s, n, g| {
        // keepalived 2.2.7 (vrrp_parser.c:vrrp_gglobal_tracking_handler)
        // says so and then sets sync_group_tracking_weight.
        no_args(s, n);
        s.warn_fmt(
            &n.pos,
            format_args!(
                "({}) global_tracking is deprecated. Use track_interface/script/file on the sync group",
                g.model.name
            ),
        );
        g.model.global_tracking = true;
        g.model.tracking_weight = true;
    }),
    data("sync_group_tracking_weight", |g| {
        On(&mut g.model.tracking_weight)
    }),
];

// ---- vrrp_script ---------------------------------------------------------

/// A vrrp_script block as it is read.
struct RawScript {
    script: VrrpScript,
    has_script: bool,
}

static SCRIPT_KW: &[Kw<RawScript>] = &[
    val("script", |s, n, r| {
        r.has_script |= script_command(s, n, &mut r.script.script);
    }),
    data("interval", |r| U32(&mut r.script.interval_s, &(1, 86400))),
    data("timeout", |r| OptU32(&mut r.script.timeout_s, &(1, 86400))),
    data("weight", |r| {
        Weight(&mut r.script.weight, &mut r.script.reverse, &WEIGHT)
    }),
    data("init_fail", |r| On(&mut r.script.init_fail)),
    data("rise", |r| U32(&mut r.script.rise, &(1, 65535))),
    data("fall", |r| U32(&mut r.script.fall, &(1, 65535))),
    data("user", |r| Text(&mut r.script.user, User)),
];

/// `script CMD`: the command line, quoted or as several words. Words are
/// rejoined with single spaces; a word that had blanks inside quotes is
/// quoted again so the command splits the same way later. Written over
/// `cmd` (no new string moved over it; size: issue 17); false, and `cmd`
/// left as it was, without a command.
fn script_command(sink: &mut Sink, node: &Node, cmd: &mut String) -> bool {
    let args = node.args();
    if args.is_empty() {
        sink.error(&node.pos, "script needs a command");
        return false;
    }
    // Built in one string: a Vec of words and a join were code of their own.
    // A single word is taken as it is, blanks and all (one loop for both:
    // no clone of its own; size: issue 17).
    let several = args.len() > 1;
    cmd.clear();
    for (k, w) in args.iter().enumerate() {
        if k > 0 {
            cmd.push(' ');
        }
        let quote = several && w.text.bytes().any(|b| b == b' ' || b == b'\t');
        if quote {
            cmd.push('"');
        }
        cmd.push_str(&w.text);
        if quote {
            cmd.push('"');
        }
    }
    true
}

#[cfg(test)]
mod tests {
    /// The keywords these tables read and keepalived's list names too.
    #[test]
    fn also_known_keywords() {
        use crate::config::keywords::check_also_known;
        check_also_known(super::TOP_KW, "root");
        check_also_known(super::GLOBAL_KW, "global_defs");
        check_also_known(super::SYNC_KW, "vrrp_sync_group");
        check_also_known(super::SCRIPT_KW, "vrrp_script");
    }

    use super::*;
    use crate::config::lexer::Word;

    fn node(words: &[&str]) -> Node {
        Node {
            words: words
                .iter()
                .map(|t| Word {
                    text: t.to_string(),
                    quoted: false,
                })
                .collect(),
            pos: Pos {
                file: std::rc::Rc::from("t.conf"),
                line: 1,
                seq: 1,
            },
            block: None,
        }
    }

    #[test]
    fn script_words_rejoined_and_requoted() {
        let mut sink = Sink::default();
        let mut cmd = String::new();
        assert!(script_command(
            &mut sink,
            &node(&["script", "/bin/chk a  b"]),
            &mut cmd
        ));
        assert_eq!(cmd, "/bin/chk a  b");
        let many = node(&["script", "/bin/chk", "-x", "a b\tc"]);
        assert!(script_command(&mut sink, &many, &mut cmd));
        assert_eq!(cmd, "/bin/chk -x \"a b\tc\"");
        assert!(!script_command(&mut sink, &node(&["script"]), &mut cmd));
        assert_eq!(cmd, "/bin/chk -x \"a b\tc\"");
        assert!(sink.has_errors());
    }
}
