//! `vrrp_instance NAME { ... }` into a raw instance: every keyword of
//! COMPAT.md's table, checked on its own. Defaults that depend on other
//! keywords or on global_defs are resolved in `validate`.

use core::net::IpAddr;

use super::diag::{Pos, Sink};
use super::keywords::Slot::{AtU32, Here, Notify, On, OptFlag, OptU32, Tracks};
use super::keywords::{
    At, GARP_DELAY, GARP_LOWER_PRIO_REPEAT, GARP_REFRESH, GARP_REPEAT, Kw, TRACK_FILE,
    TRACK_INTERFACE, TRACK_PROCESS, TRACK_SCRIPT, blk, body, data, dispatch, flag, ifname, int,
    int_word, invalid, ip, no_args, notify_script, stray_block, tracks, val, value,
};
use super::model::{InitialState, InstanceConfig, Track, Vip};
use super::tree::Node;
use super::values::{
    NumError, named, parse_fixed, parse_ipv4, parse_prefix, parse_scope, word_index, word_table,
};

/// `advert_int` as read: whether it is valid depends on the version, which
/// may be set later in the block or in global_defs.
#[derive(Clone, Debug)]
pub struct AdvertInt {
    pub text: String,
    /// Centiseconds; None when too large to hold in 32 bits (far out of
    /// any range: 32-bit maths in the checks, not 64-bit libcalls on MIPS).
    pub cs: Option<u32>,
    /// False when finer than a centisecond.
    pub exact: bool,
}

#[derive(Clone, Debug)]
pub struct RawAuth {
    pub pos: Pos,
    /// Some(true) for PASS, Some(false) for a type already reported as
    /// invalid, None when auth_type is missing.
    pub type_ok: Option<bool>,
    pub pass: Option<[u8; 8]>,
}

#[derive(Clone, Debug)]
pub struct RawInstance {
    /// The model as far as the block alone sets it (the scripts, the
    /// routes, preempt_delay, accept, debug...), written in place by the
    /// keywords and moved into the configuration as it is; `validate` sets
    /// the rest (size: issue 17; as a sync group's).
    pub model: Box<InstanceConfig>,
    pub pos: Pos,
    pub state: Option<At<InitialState>>,
    /// The keyword was present, even if its value was bad: a bad value is
    /// reported once, not again as "missing".
    pub interface_seen: bool,
    /// 1-255, held as the other integers are (size: issue 17).
    pub vrid: Option<At<u32>>,
    pub vrid_seen: bool,
    /// Read as the other integers are (one reader for all: size, issue
    /// 17); 1-255.
    pub priority: Option<At<u32>>,
    pub advert_int: Option<At<AdvertInt>>,
    /// 2 or 3.
    pub version: Option<At<u32>>,
    pub auth: Option<RawAuth>,
    pub vips: Placed<Vip>,
    pub vips_excluded: Placed<Vip>,
    pub vrules: super::rules::Rules,
    pub nopreempt: Option<Pos>,
    pub garp_master_delay_s: Option<u32>,
    pub garp_master_repeat: Option<u32>,
    pub garp_master_refresh_s: Option<u32>,
    pub garp_master_refresh_repeat: Option<u32>,
    pub garp_lower_prio_repeat: Option<At<u32>>,
    pub garp_lower_prio_delay_s: Option<At<u32>>,
    pub lower_prio_no_advert: Option<At<bool>>,
    pub track_interfaces: Vec<At<Track>>,
    pub track_scripts: Vec<At<Track>>,
    pub track_files: Vec<At<Track>>,
    pub track_processes: Vec<At<Track>>,
    pub smtp_alert: Option<bool>,
    /// Where `unicast_src_ip` set the model's address (None with it).
    pub unicast_src_pos: Option<Pos>,
    pub unicast_peers: Placed<IpAddr>,
    /// `use_vmac [NAME] [MAC]`: where it was, the name and MAC given.
    pub use_vmac: Option<At<RawVmac>>,
    pub vmac_xmit_base: Option<Pos>,
    pub v3_checksum_as_v2: Option<bool>,
}

/// The values of a block's lines, each beside its line's position: two
/// lists, so that the VIP reader fills the instance's lists and the root's
/// static_ipaddress (which keeps no positions) without a closure for each
/// (size: issue 17).
#[derive(Clone, Debug)]
pub struct Placed<T> {
    pub list: Vec<T>,
    /// `at[i]` is where `list[i]` was set.
    pub at: Vec<Pos>,
}

impl<T> Placed<T> {
    fn new() -> Self {
        Placed {
            list: Vec::new(),
            at: Vec::new(),
        }
    }
}

impl RawInstance {
    fn new(name: String, pos: Pos) -> Self {
        RawInstance {
            model: InstanceConfig::new(name, pos.loc()),
            pos,
            state: None,
            interface_seen: false,
            vrid: None,
            vrid_seen: false,
            priority: None,
            advert_int: None,
            version: None,
            auth: None,
            vips: Placed::new(),
            vips_excluded: Placed::new(),
            vrules: super::rules::Rules::default(),
            nopreempt: None,
            garp_master_delay_s: None,
            garp_master_repeat: None,
            garp_master_refresh_s: None,
            garp_master_refresh_repeat: None,
            garp_lower_prio_repeat: None,
            garp_lower_prio_delay_s: None,
            lower_prio_no_advert: None,
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            track_files: Vec::new(),
            track_processes: Vec::new(),
            smtp_alert: None,
            unicast_src_pos: None,
            unicast_peers: Placed::new(),
            use_vmac: None,
            vmac_xmit_base: None,
            v3_checksum_as_v2: None,
        }
    }
}

pub fn parse(sink: &mut Sink, node: &Node, name: String) -> RawInstance {
    let mut inst = RawInstance::new(name, node.pos.clone());
    dispatch(sink, body(node), INSTANCE_KW, &mut inst, "vrrp_instance");
    inst
}

fn at<T>(v: Option<T>, node: &Node) -> Option<At<T>> {
    v.map(|v| At {
        v,
        pos: node.pos.clone(),
    })
}

static INSTANCE_KW: &[Kw<RawInstance>] = &[
    val("state", |s, n, i| {
        let Some(v) = value(s, n) else { return };
        // The shared search of a table of names, not a comparison per name
        // in code (issue 17: size). A bad value keeps what an earlier line
        // set.
        let state = match named(v, &[("MASTER", 0), ("BACKUP", 1)]) {
            Some(0) => InitialState::Master,
            Some(_) => InitialState::Backup,
            None => return invalid(s, n, v, "MASTER or BACKUP"),
        };
        i.state = at(Some(state), n);
    }),
    val("interface", |s, n, i| {
        i.interface_seen = true;
        let name = value(s, n);
        // Empty when bad: no interface (a good name is never empty).
        i.model.interface = ifname(s, n, name).unwrap_or_default();
    }),
    val("virtual_router_id", |s, n, i| {
        i.vrid_seen = true;
        i.vrid = at(int(s, n, 1, 255), n);
    }),
    data("priority", |i| AtU32(&mut i.priority, &(1, 255))),
    val("advert_int", |s, n, i| {
        if let Some(v) = advert_int(s, n) {
            i.advert_int = Some(At {
                v,
                pos: n.pos.clone(),
            });
        }
    }),
    data("version", |i| AtU32(&mut i.version, &(2, 3))),
    blk("authentication", |s, n, i| {
        // Read in place: no RawAuth to move in after (issue 17: size).
        let auth = i.auth.insert(RawAuth {
            pos: n.pos.clone(),
            type_ok: None,
            pass: None,
        });
        dispatch(s, body(n), AUTH_KW, auth, "authentication");
    }),
    blk("virtual_ipaddress", vips),
    blk("virtual_ipaddress_excluded", vips),
    blk("virtual_routes", |s, n, i| {
        super::routes::route_block(s, n, &mut i.model.vroutes);
    }),
    blk("virtual_rules", |s, n, i| {
        super::rules::rule_block(s, n, &mut i.vrules);
    }),
    data("nopreempt", |i| Here(&mut i.nopreempt)),
    val("preempt", |s, n, i| {
        // keepalived's default, accepted so configs that spell it out load.
        no_args(s, n);
        i.nopreempt = None;
    }),
    val("preempt_delay", |s, n, i| {
        if let Some(v) = int(s, n, 0, 1000) {
            i.model.preempt_delay_s = v;
        }
    }),
    data("garp_master_delay", |i| {
        OptU32(&mut i.garp_master_delay_s, &GARP_DELAY)
    }),
    data("garp_master_repeat", |i| {
        OptU32(&mut i.garp_master_repeat, &GARP_REPEAT)
    }),
    data("garp_master_refresh", |i| {
        OptU32(&mut i.garp_master_refresh_s, &GARP_REFRESH)
    }),
    data("garp_master_refresh_repeat", |i| {
        OptU32(&mut i.garp_master_refresh_repeat, &GARP_REPEAT)
    }),
    data("garp_lower_prio_repeat", |i| {
        AtU32(&mut i.garp_lower_prio_repeat, &GARP_LOWER_PRIO_REPEAT)
    }),
    data("garp_lower_prio_delay", |i| {
        AtU32(&mut i.garp_lower_prio_delay_s, &GARP_DELAY)
    }),
    val("lower_prio_no_advert", |s, n, i| {
        i.lower_prio_no_advert = at(Some(flag(s, n)), n);
    }),
    tracks("track_interface", |i| {
        Tracks(&mut i.track_interfaces, &TRACK_INTERFACE)
    }),
    tracks("track_script", |i| {
        Tracks(&mut i.track_scripts, &TRACK_SCRIPT)
    }),
    tracks("track_file", |i| Tracks(&mut i.track_files, &TRACK_FILE)),
    tracks("track_process", |i| {
        Tracks(&mut i.track_processes, &TRACK_PROCESS)
    }),
    data("notify_master", |i| {
        Notify(&mut i.model.notify_master, false)
    }),
    data("notify_backup", |i| {
        Notify(&mut i.model.notify_backup, false)
    }),
    data("notify_fault", |i| Notify(&mut i.model.notify_fault, false)),
    data("notify_stop", |i| Notify(&mut i.model.notify_stop, false)),
    data("notify", |i| Notify(&mut i.model.notify, false)),
    val("notify_deleted", |s, n, i| {
        // keepalived: the script is optional; the keyword alone turns FAULT
        // into DELETED for a removed instance.
        i.model.notify_deleted = true;
        if !n.args().is_empty() {
            i.model.notify_deleted_script = notify_script(s, n);
        }
    }),
    data("notify_master_rx_lower_pri", |i| {
        Notify(&mut i.model.notify_master_rx_lower_pri, false)
    }),
    data("smtp_alert", |i| OptFlag(&mut i.smtp_alert)),
    val("unicast_src_ip", src_ip),
    // keepalived reads both with one handler: the adverts' source address.
    val("mcast_src_ip", src_ip),
    blk("unicast_peer", |s, n, i| {
        for line in body(n) {
            unicast_peer(s, line, &mut i.unicast_peers);
        }
    }),
    val("accept", accept),
    val("no_accept", accept),
    data("dont_track_primary", |i| {
        On(&mut i.model.dont_track_primary)
    }),
    val("use_vmac", |s, n, i| {
        i.use_vmac = Some(At {
            v: raw_vmac(s, n),
            pos: n.pos.clone(),
        })
    }),
    data("vmac_xmit_base", |i| Here(&mut i.vmac_xmit_base)),
    data("native_ipv6", |i| On(&mut i.model.native_ipv6)),
    val("debug", |s, n, i| {
        // Without a level, debugging is simply on: level 1.
        i.model.debug = match n.args().first() {
            Some(w) => int_word(s, &n.pos, "debug", &w.text, 0, 4),
            None => Some(1),
        };
    }),
    data("v3_checksum_as_v2", |i| OptFlag(&mut i.v3_checksum_as_v2)),
];

/// `virtual_ipaddress` and `virtual_ipaddress_excluded`: one handler, the
/// keyword saying which list (one function, not two: issue 17, size).
fn vips(s: &mut Sink, n: &Node, i: &mut RawInstance) {
    let out = if n.keyword() == "virtual_ipaddress" {
        &mut i.vips
    } else {
        &mut i.vips_excluded
    };
    vip_lines(s, n, &mut out.list, Some(&mut out.at));
}

/// `accept` and `no_accept`: one handler, as for [`vips`].
fn accept(s: &mut Sink, n: &Node, i: &mut RawInstance) {
    no_args(s, n);
    i.model.accept = Some(n.keyword() == "accept");
}

/// `unicast_src_ip` / `mcast_src_ip`; a bad address clears it.
fn src_ip(s: &mut Sink, n: &Node, i: &mut RawInstance) {
    let a = ip(s, n);
    i.unicast_src_pos = a.map(|_| n.pos.clone());
    i.model.unicast_src_ip = a;
}

static AUTH_KW: &[Kw<RawAuth>] = &[
    val("auth_type", |s, n, a| {
        a.type_ok = Some(match value(s, n) {
            Some("PASS") => true,
            None => false,
            Some("AH") => {
                s.error(&n.pos, "authentication type AH is not supported");
                false
            }
            Some(other) => {
                invalid(s, n, other, "PASS");
                false
            }
        });
    }),
    val("auth_pass", |s, n, a| {
        let Some(text) = value(s, n) else { return };
        let bytes = text.as_bytes();
        if bytes.len() > 8 {
            // The password itself is not echoed: logs are often shared.
            s.warn(
                &n.pos,
                "auth_pass is longer than 8 characters; only the first 8 are used",
            );
        }
        let mut pass = [0u8; 8];
        for (dst, src) in pass.iter_mut().zip(bytes) {
            *dst = *src;
        }
        a.pass = Some(pass);
    }),
];

fn advert_int(sink: &mut Sink, node: &Node) -> Option<AdvertInt> {
    let text = value(sink, node)?;
    let (cs, exact) = match parse_fixed(text, 2) {
        Ok((cs, exact)) => (u32::try_from(cs).ok(), exact),
        Err(NumError::TooLarge) => (None, true),
        Err(NumError::NotNumber) => {
            invalid(sink, node, text, "seconds");
            return None;
        }
    };
    Some(AdvertInt {
        text: text.to_string(),
        cs,
        exact,
    })
}

/// The VIPs of a VIP block, added to `out`, and their lines to `at`: the
/// instance keeps where each was set, the root's static_ipaddress does
/// not (None: no list of positions to drop after).
pub(super) fn vip_lines(
    sink: &mut Sink,
    node: &Node,
    out: &mut Vec<Vip>,
    mut at: Option<&mut Vec<Pos>>,
) {
    for line in body(node) {
        stray_block(sink, line, node.keyword());
        vip(sink, line, node.keyword(), (out, at.as_deref_mut()));
    }
}

/// What a `virtual_ipaddress` option word is.
#[derive(Clone, Copy, PartialEq)]
enum VipOpt {
    Dev,
    Label,
    Brd,
    Scope,
    /// keepalived per-address options that do not change what we install
    /// and advertise closely enough to refuse the config, with whether they
    /// take an argument. They are ignored with a warning.
    Ignored(bool),
}

word_table!(
    /// The option words, as data: one search instead of a comparison per word
    /// in code (issue 17: size).
    VIP_WORDS, VIP_OPTIONS: VipOpt = [
        "dev" => VipOpt::Dev,
        "label" => VipOpt::Label,
        "brd" => VipOpt::Brd,
        "broadcast" => VipOpt::Brd,
        "scope" => VipOpt::Scope,
        "no_track" => VipOpt::Ignored(false),
        "home" => VipOpt::Ignored(false),
        "nodad" => VipOpt::Ignored(false),
        "-nodad" => VipOpt::Ignored(false),
        "noprefixroute" => VipOpt::Ignored(false),
        "autojoin" => VipOpt::Ignored(false),
        "mngtmpaddr" => VipOpt::Ignored(false),
        "preferred_lft" => VipOpt::Ignored(true),
        "track_group" => VipOpt::Ignored(true),
    ]
);

/// `WHAT 'WORD' in BLOCK`: the refusals of a VIP line, said by one call.
fn bad_in(sink: &mut Sink, line: &Node, what: &str, word: &str, block: &str) {
    sink.error_fmt(&line.pos, format_args!("{what} '{word}' in {block}"));
}

/// `IP[/LEN] [dev IF] [label LABEL] [brd IP] [scope S]`: added to `out`
/// (and its line to `at`, if given) unless refused (in place: no
/// Option<Vip> to move, issue 17: size).
fn vip(
    sink: &mut Sink,
    line: &Node,
    block: &str,
    (out, at): (&mut Vec<Vip>, Option<&mut Vec<Pos>>),
) {
    let text = line.keyword();
    let Ok((addr, len)) = parse_prefix(text) else {
        bad_in(sink, line, "invalid address", text, block);
        return;
    };
    let mut vip = Vip {
        addr,
        prefix_len: len,
        dev: None,
        label: None,
        brd: None,
        scope: None,
    };
    let mut ok = true;
    let mut words = line.args().iter();
    while let Some(opt) = words.next() {
        let opt = opt.text.as_str();
        let Some(&o) = word_index(opt, VIP_WORDS).and_then(|i| VIP_OPTIONS.get(i)) else {
            bad_in(sink, line, "unknown option", opt, block);
            ok = false;
            continue;
        };
        let arg = if o == VipOpt::Ignored(false) {
            ""
        } else {
            match words.next() {
                Some(w) => w.text.as_str(),
                None => {
                    sink.error_fmt(
                        &line.pos,
                        format_args!("{block} option '{opt}' needs a value"),
                    );
                    ok = false;
                    continue;
                }
            }
        };
        ok &= vip_option(sink, line, block, &mut vip, (opt, o), arg);
    }
    if vip_label(sink, line, &mut vip) && ok {
        out.push(vip);
        if let Some(at) = at {
            at.push(line.pos.clone());
        }
    }
}

/// keepalived 2.2.7 (vrrp_ipaddress.c parse_ipaddress): a label of
/// IFNAMSIZ bytes or more removes the address with a config error (the
/// kernel would refuse it); an IPv6 address cannot carry a label, which is
/// dropped with a warning and the address kept. keepalived does not ask
/// that the label start with the interface's name, and neither do we.
fn vip_label(sink: &mut Sink, line: &Node, vip: &mut Vip) -> bool {
    let Some(label) = vip.label.as_deref() else {
        return true;
    };
    if label.len() > MAX_LABEL {
        sink.error_fmt(
            &line.pos,
            format_args!(
                "Address label {label} is longer than maximum length {MAX_LABEL} - removing address"
            ),
        );
        return false;
    }
    if vip.addr.is_ipv6() {
        sink.warn_fmt(
            &line.pos,
            format_args!(
                "Cannot specify label for IPv6 addresses ({}) - ignoring label",
                line.keyword()
            ),
        );
        vip.label = None;
    }
    true
}

/// The longest address label the kernel takes: IFNAMSIZ less its NUL.
const MAX_LABEL: usize = 15;

fn vip_option(
    sink: &mut Sink,
    line: &Node,
    block: &str,
    vip: &mut Vip,
    (opt, o): (&str, VipOpt),
    arg: &str,
) -> bool {
    match o {
        VipOpt::Dev => {
            vip.dev = ifname(sink, line, Some(arg));
            vip.dev.is_some()
        }
        VipOpt::Label => {
            vip.label = Some(arg.to_string());
            true
        }
        VipOpt::Brd => match parse_ipv4(arg) {
            Some(b) if vip.addr.is_ipv4() => {
                vip.brd = Some(b);
                true
            }
            _ => {
                bad_in(sink, line, "invalid broadcast address", arg, block);
                false
            }
        },
        VipOpt::Scope => {
            vip.scope = parse_scope(arg);
            if vip.scope.is_none() {
                bad_in(sink, line, "invalid scope", arg, block);
            }
            vip.scope.is_some()
        }
        VipOpt::Ignored(_) => {
            ignored_option(sink, line, block, opt);
            true
        }
    }
}

/// `BLOCK option 'OPT' is not supported by tinyvrrpd; ignored`: one format
/// for the VIP and unicast_peer lines.
#[inline(never)]
fn ignored_option(sink: &mut Sink, line: &Node, block: &str, opt: &str) {
    sink.warn_fmt(
        &line.pos,
        format_args!("{block} option '{opt}' is not supported by tinyvrrpd; ignored"),
    );
}

/// `IP [min_ttl N] [max_ttl N]`: the TTL checks are keepalived extras we do
/// not have. Added to `out` in place (no Option<IpAddr> to move).
fn unicast_peer(sink: &mut Sink, line: &Node, out: &mut Placed<IpAddr>) {
    stray_block(sink, line, "unicast_peer");
    let text = line.keyword();
    let Some(addr) = super::values::parse_ip(text) else {
        bad_in(sink, line, "invalid address", text, "unicast_peer");
        return;
    };
    if let Some(extra) = line.args().first() {
        ignored_option(sink, line, "unicast_peer", &extra.text);
    }
    out.list.push(addr);
    out.at.push(line.pos.clone());
}

/// `use_vmac`'s words as given: an interface name and a MAC address, in
/// either order (a word with a ':' is the MAC, as keepalived tells them).
#[derive(Clone, Debug, Default)]
pub struct RawVmac {
    pub name: Option<String>,
    /// The MAC; `Some(.., true)` when only five octets were given (the
    /// sixth is the VRID).
    pub mac: Option<([u8; 6], bool)>,
}

fn raw_vmac(sink: &mut Sink, n: &Node) -> RawVmac {
    let mut v = RawVmac::default();
    // The first two words: a slice of them, no Take adapter (size:
    // issue 17).
    for w in n.args().get(..2).unwrap_or(n.args()) {
        let t = w.text.as_str();
        if !t.contains(':') {
            if v.name.is_some() {
                sink.error(&n.pos, "VMAC interface name already specified");
            } else if let Some(name) = ifname(sink, n, Some(t)) {
                v.name = Some(name);
            }
            continue;
        }
        if v.mac.is_some() {
            sink.error(&n.pos, "VMAC interface address already specified");
            continue;
        }
        // The refusals: `VMAC PRE{t}POST`, said by one call.
        let [pre, post] = match vmac_mac(t) {
            Some((m, _)) if m[0] & 1 != 0 => ["MAC address is multicast ", ""],
            Some((m, _)) if m[..4] == [0, 0, 0x5e, 0] && matches!(m[4], 1 | 2) => {
                ["MAC address not allowed to be RFC5798 address (", ")"]
            }
            Some(m) => {
                v.mac = Some(m);
                continue;
            }
            None => ["invalid MAC address ", ""],
        };
        sink.error_fmt(&n.pos, format_args!("VMAC {pre}{t}{post}"));
    }
    if n.args().len() > 2 {
        sink.warn(&n.pos, "use_vmac takes at most a name and a MAC address");
    }
    v
}

/// Six hex octets separated by ':', or five (with or without a trailing
/// ':'): then the sixth is the VRID, as keepalived reads them.
fn vmac_mac(t: &str) -> Option<([u8; 6], bool)> {
    let t = t.strip_suffix(':').unwrap_or(t);
    let mut m = [0u8; 6];
    let mut k = 0;
    for part in t.split(':') {
        let octet = m.get_mut(k)?;
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        // One or two hex digits: at most 0xff.
        for b in part.bytes() {
            let d = char::from(b).to_digit(16)?;
            *octet = (*octet << 4) | u8::try_from(d).ok()?;
        }
        k += 1;
    }
    match k {
        6 => Some((m, false)),
        5 => Some((m, true)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    /// The keywords these tables read and keepalived's list names too.
    #[test]
    fn also_known_keywords() {
        use crate::config::keywords::check_also_known;
        check_also_known(super::INSTANCE_KW, "vrrp_instance");
        check_also_known(super::AUTH_KW, "authentication");
    }

    use super::vmac_mac;

    /// The handlers shared by two keywords put
    /// each keyword's value where it belongs.
    #[test]
    fn shared_handlers_tell_their_keywords() {
        let dir = std::env::temp_dir().join(format!("instance-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("shared.conf");
        let text = |accept: &str| {
            format!(
                "vrrp_instance V {{\n interface eth0\n virtual_router_id 7\n {accept}\n \
                 virtual_ipaddress {{\n 192.0.2.1\n }}\n \
                 virtual_ipaddress_excluded {{\n 192.0.2.2\n 192.0.2.3\n }}\n}}\n"
            )
        };
        for (accept, want) in [("accept", Some(true)), ("no_accept", Some(false))] {
            std::fs::write(&path, text(accept)).expect("write");
            let (c, _) = crate::config::load(&path).expect("loads");
            let v = c.instances.first().expect("V");
            assert_eq!(v.accept, want, "{accept}");
            assert_eq!((v.vips.len(), v.vips_excluded.len()), (1, 2));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn vmac_macs() {
        let m = [0x02, 0xab, 0x0c, 0xd, 0xff, 0x01];
        assert_eq!(vmac_mac("02:ab:0c:d:FF:01"), Some((m, false)));
        assert_eq!(
            vmac_mac("02:ab:0c:d:FF:"),
            Some(([2, 0xab, 0xc, 0xd, 0xff, 0], true))
        );
        assert_eq!(
            vmac_mac("02:ab:0c:d:ff"),
            Some(([2, 0xab, 0xc, 0xd, 0xff, 0], true))
        );
        for bad in [
            "02:ab:0c:d:ff:01:02",
            "02:ab:0c:d",
            "02:ab::d:ff:01",
            "02:abc:0c:d:ff:01",
            "02:+a:0c:d:ff:01",
            "02:ag:0c:d:ff:01",
            "02:é:0c:d:ff",
        ] {
            assert_eq!(vmac_mac(bad), None, "{bad}");
        }
    }
}
