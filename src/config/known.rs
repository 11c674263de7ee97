//! The keywords keepalived 2.2.7 knows in the blocks tinyvrrpd reads but
//! tinyvrrpd does not act on, with what keepalived would have done: `-t`,
//! start and reload name each one (`KW: not supported by tinyvrrpd: ...`),
//! so no keyword is ignored in silence. Any other keyword not in a block's
//! table is a typo and an error naming the nearest known keyword.
//! Written by hand from keepalived.conf(5); tests/keywords.tsv holds every
//! keyword of these blocks with its class, and a test below keeps these
//! lists and that file identical.

/// (block, its keywords): a warning each. The block is the name
/// [`super::keywords::dispatch`] is given: `root` for the top level. Each
/// keyword is a line `KEYWORD<TAB>what keepalived would have done`, the
/// "would" left out. The binary holds these lists packed at compile time
/// ([`KEYS`] and [`MEANINGS`]), not this text (size: issue 17).
pub const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "root",
        concat!(
            "track_group\tname a group of VRRP instances for static addresses, routes and rules to track\n",
            "linkbeat_interfaces\tpoll these interfaces' carrier with ioctls instead of netlink\n",
            "linkbeat_use_polling\tpoll interfaces' carrier with ioctls instead of netlink\n",
            "virtual_server\tconfigure an LVS (IPVS) virtual server and health-check its real servers\n",
            "virtual_server_group\tgroup LVS virtual servers\n",
            "SSL\tset the SSL context of the LVS health checkers\n",
            "bfd_instance\trun a BFD session with a neighbour\n",
            "net_namespace_ipvs\trun the IPVS part in this network namespace\n",
            "namespace_with_ipsets\tgive ipset names a per-namespace prefix\n",
            "use_pid_dir\tput keepalived's pid files under /run/keepalived\n",
            "instance\tname this keepalived instance (pid and state file names)\n",
            "child_wait_time\twait this long for child processes to exit on stop\n",
        ),
    ),
    (
        "global_defs",
        concat!(
            "smtp_alert_checker\tsend e-mail on LVS checker changes\n",
            "checker_log_all_failures\tlog every LVS checker failure\n",
            "process_names\tname keepalived's child processes (tinyvrrpd is one process)\n",
            "process_name\tname keepalived's parent process (tinyvrrpd is one process)\n",
            "vrrp_process_name\tname the VRRP child process (tinyvrrpd is one process)\n",
            "checker_process_name\tname the LVS checker process\n",
            "lvs_process_name\tname the LVS checker process (deprecated)\n",
            "bfd_process_name\tname the BFD process\n",
            "max_auto_priority\traise keepalived's scheduling priority automatically on slow timers\n",
            "min_auto_priority_delay\tset the timer delay that raises keepalived's scheduling priority\n",
            "default_interface\tuse this interface for static addresses and routes without dev\n",
            "disable_local_igmp\tstop the kernel sending IGMP reports for the VRRP group\n",
            "lvs_timeouts\tset IPVS connection timeouts\n",
            "lvs_flush\tflush the IPVS table at start\n",
            "lvs_flush_on_stop\tflush the IPVS table on stop\n",
            "lvs_flush_onstop\tflush the IPVS table on stop (deprecated)\n",
            "lvs_sync_daemon\trun the IPVS connection sync daemon on the master\n",
            "vrrp_down_timer_adverts\twait this many advert intervals (instead of 3) before a backup takes over\n",
            "vrrp_min_garp\tsend one gratuitous ARP at transition and none after (garp_master_repeat 1, refresh 0)\n",
            "vrrp_garp_extra_if\talso send gratuitous ARPs on the VMAC's base interface at this interval\n",
            "vrrp_vmac_garp_intvl\talso send gratuitous ARPs on the VMAC's base interface (deprecated name)\n",
            "vrrp_higher_prio_send_advert\tsend an advert before going to backup on a higher priority advert\n",
            "vrrp_iptables\tadd firewall rules dropping traffic to the VIPs of non-accept instances\n",
            "nftables\tadd nftables rules dropping traffic to the VIPs of non-accept instances\n",
            "nftables_priority\tset the priority of keepalived's nftables chains\n",
            "nftables_ifindex\tmatch interfaces by index in keepalived's nftables rules\n",
            "nftables_ipvs\tuse nftables to mark IPVS traffic\n",
            "nftables_ipvs_priority\tset the priority of the IPVS nftables chains\n",
            "nftables_ipvs_start_fwmark\tset the first firewall mark of the IPVS nftables rules\n",
            "nftables_counters\tadd counters to keepalived's nftables rules\n",
            "vrrp_check_unicast_src\tdrop unicast adverts from addresses not listed in unicast_peer\n",
            "vrrp_priority\tset the VRRP process's nice value\n",
            "vrrp_no_swap\tlock the VRRP process's memory\n",
            "vrrp_rt_priority\trun the VRRP process with real-time scheduling\n",
            "vrrp_cpu_affinity\tpin the VRRP process to these CPUs\n",
            "vrrp_rlimit_rttime\tlimit the VRRP process's real-time CPU time\n",
            "vrrp_rlimit_rtime\tlimit the VRRP process's real-time CPU time (deprecated)\n",
            "vrrp_notify_priority_changes\twrite priority changes to the notify FIFO\n",
            "fifo_write_vrrp_states_on_reload\twrite every instance's state to the notify FIFO on reload\n",
            "lvs_notify_fifo\twrite LVS checker changes to this FIFO\n",
            "lvs_notify_fifo_script\trun a script reading lvs_notify_fifo\n",
            "checker_priority\tset the LVS checker process's nice value\n",
            "checker_no_swap\tlock the LVS checker process's memory\n",
            "checker_rt_priority\trun the LVS checker process with real-time scheduling\n",
            "checker_cpu_affinity\tpin the LVS checker process to these CPUs\n",
            "checker_rlimit_rttime\tlimit the LVS checker process's real-time CPU time\n",
            "checker_rlimit_rtime\tlimit the LVS checker process's real-time CPU time (deprecated)\n",
            "bfd_priority\tset the BFD process's nice value\n",
            "bfd_no_swap\tlock the BFD process's memory\n",
            "bfd_rt_priority\trun the BFD process with real-time scheduling\n",
            "bfd_cpu_affinity\tpin the BFD process to these CPUs\n",
            "bfd_rlimit_rttime\tlimit the BFD process's real-time CPU time\n",
            "bfd_rlimit_rtime\tlimit the BFD process's real-time CPU time (deprecated)\n",
            "snmp_socket\tconnect to an SNMP AgentX master at this address\n",
            "enable_traps\tsend SNMP traps\n",
            "enable_snmp_vrrp\tpublish VRRP state over SNMP (KEEPALIVED-MIB)\n",
            "enable_snmp_keepalived\tpublish VRRP state over SNMP (deprecated name)\n",
            "enable_snmp_rfc\tpublish VRRP state over SNMP (RFC MIBs)\n",
            "enable_snmp_rfcv2\tpublish VRRP state over SNMP (RFC 2787 MIB)\n",
            "enable_snmp_rfcv3\tpublish VRRP state over SNMP (RFC 6527 MIB)\n",
            "enable_snmp_checker\tpublish LVS checker state over SNMP\n",
            "enable_dbus\tpublish VRRP state over D-Bus\n",
            "dbus_service_name\tuse this D-Bus service name\n",
            "vrrp_netlink_cmd_rcv_bufs\tsize the netlink command socket's receive buffer\n",
            "vrrp_netlink_cmd_rcv_bufs_force\tforce the netlink command socket's receive buffer size\n",
            "vrrp_netlink_monitor_rcv_bufs\tsize the netlink monitor socket's receive buffer\n",
            "vrrp_netlink_monitor_rcv_bufs_force\tforce the netlink monitor socket's receive buffer size\n",
            "process_monitor_rcv_bufs\tsize the process monitor socket's receive buffer (tinyvrrpd scans /proc)\n",
            "process_monitor_rcv_bufs_force\tforce the process monitor socket's receive buffer size (tinyvrrpd scans /proc)\n",
            "lvs_netlink_cmd_rcv_bufs\tsize the IPVS netlink command socket's receive buffer\n",
            "lvs_netlink_cmd_rcv_bufs_force\tforce the IPVS netlink command socket's receive buffer size\n",
            "lvs_netlink_monitor_rcv_bufs\tsize the IPVS netlink monitor socket's receive buffer\n",
            "lvs_netlink_monitor_rcv_bufs_force\tforce the IPVS netlink monitor socket's receive buffer size\n",
            "rs_init_notifies\tnotify the initial state of LVS real servers\n",
            "no_checker_emails\tsend no e-mail on LVS checker changes\n",
            "vrrp_rx_bufs_policy\tsize the VRRP sockets' receive buffers by this policy\n",
            "vrrp_rx_bufs_multiplier\tmultiply the VRRP sockets' receive buffer size\n",
            "log_unknown_vrids\tlog adverts for VRIDs no instance uses\n",
            "vmac_prefix\tname VMAC interfaces with this prefix\n",
            "vmac_addr_prefix\tname VMACs created for use_vmac_addr with this prefix\n",
            "umask\tset the umask for the files keepalived creates\n",
            "random_seed\tseed $_RANDOM\n",
            "reload_check_config\tcheck a new configuration in a child before reloading\n",
            "reload_time_file\treload at the time written in this file\n",
            "reload_repeat\trepeat reload_time_file's reload every day\n",
            "reload_file\treload when this file is created\n",
            "include_check\tcheck that included files are on a safe path\n",
            "config_save_dir\tsave a copy of each configuration it loaded\n",
            "tmp_config_directory\tcopy the configuration here for the child processes\n",
            "data_use_instance\tadd the instance name to the state dump file names\n",
        ),
    ),
    (
        "vrrp_instance",
        concat!(
            "no_accept\tmake the master drop traffic to its VIPs with firewall rules; tinyvrrpd adds none (the nft rule that would: nft add rule inet vrrp in ip daddr VIP drop, in a chain with hook input; see README)\n",
            "use_vmac_addr\tuse a VMAC interface's own address as the advert source\n",
            "use_ipvlan\tcreate an ipvlan interface for the VIPs\n",
            "native_ipv6\tkeep IPv6 link-local addressing on the VMAC interface as the kernel makes it\n",
            "debug\tlog this instance's debug messages\n",
            "unicast_fault_no_peer\tenter FAULT when unicast_peer is empty\n",
            "check_unicast_src\tdrop unicast adverts from addresses not listed in unicast_peer\n",
            "track_bfd\ttrack BFD sessions\n",
            "track_src_ip\tgo to FAULT when the advert source address goes away\n",
            "unicast_ttl\tsend unicast adverts with this TTL and expect it on receipt\n",
            "promote_secondaries\tset promote_secondaries on the interface so removing a VIP keeps the other addresses of its subnet\n",
            "linkbeat_use_polling\tpoll the interface's carrier with ioctls instead of netlink (deprecated)\n",
            "skip_check_adv_addr\tskip comparing the advert's addresses when they come from the current master\n",
            "strict_mode\tapply vrrp_strict's checks to this instance only\n",
            "notify_priority_changes\trun the notify script on priority changes\n",
            "lvs_sync_daemon_interface\trun the IPVS sync daemon on this interface while master\n",
            "down_timer_adverts\twait this many advert intervals (instead of 3) before a backup takes over\n",
            "garp_extra_if\talso send gratuitous ARPs on the VMAC's base interface at this interval\n",
            "vmac_garp_intvl\talso send gratuitous ARPs on the VMAC's base interface (deprecated name)\n",
            "higher_prio_send_advert\tsend an advert before going to backup on a higher priority advert\n",
            "kernel_rx_buf_size\tsize the instance's receive socket buffer\n",
        ),
    ),
    (
        "vrrp_sync_group",
        concat!(
            "track_bfd\ttrack BFD sessions for every member\n",
            "notify_priority_changes\trun the notify script on priority changes\n",
        ),
    ),
];

/// The same for keywords whose absence would make tinyvrrpd do something
/// wrong, not just less: an error.
pub const REFUSED: &[(&str, &str)] = &[
    (
        "root",
        "net_namespace\trun keepalived inside this network namespace; refused: tinyvrrpd would run on this namespace's interfaces instead\n",
    ),
    (
        "vrrp_instance",
        concat!(
            "old_unicast_checksum\tcompute unicast VRRPv3 checksums the way keepalived before 1.2.24 did; refused: tinyvrrpd would drop the adverts of peers that need it\n",
            "vrf\trun the instance in this VRF; refused: tinyvrrpd would send and receive in the main routing table instead\n",
            "mcast_dst_ip\tsend adverts to this multicast group; refused: tinyvrrpd would send to the default group, which peers using this one do not hear\n",
        ),
    ),
];

/// Fragments frequent in the meanings above, whole meanings that two
/// keywords share among them (chosen by a search for what saves most; any
/// list works, this one more than halves the text): in a packed
/// meaning, byte 0x80 + i stands for `FRAGMENTS[i]`, the control bytes
/// but the newline for the fragments after the 128th ([`code_of`]), any
/// other byte for itself (size: issue 17; the readable lists above are not
/// in the binary). In the order of their use in unpacking, most used
/// first: [`expand`] walks the dictionary to a fragment, and this order
/// halves the walking. At 128, whose code is the NUL that ends a fragment
/// in the dictionary ([`dict`]), one that no other fragment holds.
#[rustfmt::skip]
const FRAGMENTS: &[&str] = &[
    "s ", "e ", " the ", "in", "re", "'s ", "es", "er", "it", "on ", "the ", "name", "st", "t ",
    " process", "for", "on", "ce", "he", "d ", " c", " t", "se", "ou", "ma", "VRRP", "ing",
    "interface", " this ", "run", "ck", " s", "al", "te", "y ", "th", "add", "lo", "us", "advert",
    "at ", "at", "fi", "de", "ra", "send ", " to ", "instance", "BFD", "hi", "ne", "ic", "this ",
    "set the ", "or", "im", "ke", "pa", "h ", "a ", "LVS checker", "keepalived", "rul", "ip", "pe",
    "to", "file", "o ", "of ", "IPVS", "op", "om", "l ", "ld", " the IPVS ", "priority", " address",
    "nftable", "size", " a ", "and ", "netlink", " of ", "ar", "; ", " size", "limit the ",
    "master", "reload", " monitor socket's receive buffer", " process's real-time CPU time",
    " keepalived", " (deprecated)", "an", "LVS ", " w", "pu", " stat", " with ", "VMAC", "unica",
    "drop", "notify", "k ", "VIP", "an ", "group", " the LVS checker process",
    "publish VRRP state over SNMP", "check", "ocket", "process", "receive buffer", "yvrrp",
    "(deprecated", "SNMP", "instead", " changes", " before ", "pol", "mem", "MIB",
    "fused: tinyvrrpd would ", "s with", "al server", "netlink command socket's receive buffer",
    "every ", "receive ", " (RFC ", "abl", "schedul", "also send gratuitous ARP", " traffic",
    "s on the VMAC's base interface ", " (tinyvrrpd is one", "'s nice value", " session",
    " firewall ", "onnect", "arrier with ioctls instead of netlink", " to these CPUs",
    "onfiguration ", " with real-time scheduling", "flush the IPVS table ", "proc", "real-tim",
    "publish VRRP state over ", "ync daem",
    "wait this many advert intervals (instead of 3) before a backup takes over",
    "send an advert before going to backup on a higher priority advert",
    "also send gratuitous ARPs on the VMAC's base interface at this interval",
    "rules dropping traffic to the VIPs of non-accept instances",
    "drop unicast adverts from addresses not listed in unicast_peer", " (tinyvrrpd scans /proc)",
    "run the notify script on priority changes", " this network namespace", "gratuitous ARP",
    " FAULT when", "e-mail on LVS checker changes",
];

/// The same for the keywords (a code of their own: a keyword is unpacked
/// for each comparison), also most used first.
#[rustfmt::skip]
const KEY_FRAGMENTS: &[&str] = &[
    "it", "er", "pr", "in", "es", "vrrp", "vrrp_", "s_", "e_", "check", "abl", "fi", "lvs_", "_a",
    "ip", "buf", "st", "lin", "priority", "ce", "et", "rt", "_s", "checker", "ime", "_priority",
    "bfd", "oc", "_rcv_", "name", "ma", "checker_", "netlink", "time", "process", "enable_", "bfd_",
    "nftables", "at", "snmp_", "_monitor_rcv_buf", "process_name", "enable_snmp_", "rlimit_rt",
    "notif", "fa", "de", "use_", "no_", "cast_", "unicast_", "s_force", "reload", "vmac_", "garp",
    "_adv", "track_", "to", "netlink_monitor_rcv_buf", "netlink_cmd_rcv_buf", "_ipvs", "namespac",
    "stance", "config", "own_", "pol", "dir", "cpu_affinity", "_interface", "no_swap", "flush",
    "_on", "ddr", "rfc", "rx_", "src", "ult", "fifo", "notify_priority_changes", "sync_daemon",
    "_extra_if", "group", "higher_prio_send_advert", "_intvl", "dbus", "linkbeat_use_polling",
    "down_timer_adverts", "net_namespace", "lvs_notify_fifo", "virtual_server", "check_unicast_src",
    "_auto_priority",
];

/// A fragment list at compile time: per ASCII byte, the first fragment
/// starting with it, and per fragment the next one starting with the same
/// byte (0xFF: none), so the packer tries only those (trying them all took
/// seconds of compile time).
struct Code {
    fragments: &'static [&'static str],
    first: [u8; 0x80],
    next: [u8; MAX_FRAGMENTS],
}

/// 0x80 codes from 0x80 up, 31 control bytes (not the newline).
const MAX_FRAGMENTS: usize = 0x80 + 0x1F;

const fn code(fragments: &'static [&'static str]) -> Code {
    assert!(fragments.len() <= MAX_FRAGMENTS);
    let (mut first, mut next) = ([0xFF; 0x80], [0xFF; MAX_FRAGMENTS]);
    let mut f = fragments.len();
    while f > 0 {
        f -= 1;
        let b = fragments[f].as_bytes()[0] as usize;
        next[f] = first[b];
        first[b] = f as u8;
    }
    Code {
        fragments,
        first,
        next,
    }
}

/// The length of [`dict`]'s table.
pub const fn dict_len(fragments: &'static [&'static str]) -> usize {
    pack_dict(&mut [], fragments)
}

/// The fragments, each followed by a NUL: what [`expand`] walks. Each is
/// itself packed with the fragments shorter than it (so the unpacking of
/// one ends), all but the one whose code is the NUL that ends it: many
/// fragments hold others (size: issue 17).
pub const fn dict<const N: usize>(fragments: &'static [&'static str]) -> [u8; N] {
    let mut out = [0; N];
    pack_dict(&mut out, fragments);
    out
}

/// Writes [`dict`]'s table into `out`, as far as it has room; its length.
const fn pack_dict(out: &mut [u8], fragments: &'static [&'static str]) -> usize {
    let code = code(fragments);
    let mut n = 0;
    let mut f = 0;
    while f < fragments.len() {
        let w = fragments[f].as_bytes();
        n = pack_text(out, n, w, 0, w.len(), &code, w.len());
        n = put(out, n, b"\0", 0, 1);
        f += 1;
    }
    n
}

static DICT: [u8; dict_len(FRAGMENTS)] = dict(FRAGMENTS);
static KEY_DICT: [u8; dict_len(KEY_FRAGMENTS)] = dict(KEY_FRAGMENTS);

/// Every keyword of both lists (packed with [`KEY_FRAGMENTS`]), a line
/// each, in their order; before each block's keywords a line `=BLOCK`
/// (warned) or `!BLOCK` (refused), the name packed the same way.
static KEYS: [u8; KEYS_LEN] = {
    let mut out = [0; KEYS_LEN];
    pack(&mut out, false);
    out
};
const KEYS_LEN: usize = pack(&mut [], false);

/// The meanings of the keywords of [`KEYS`], in the same order, packed
/// with [`FRAGMENTS`], each ended by a newline.
static MEANINGS: [u8; MEANINGS_LEN] = {
    let mut out = [0; MEANINGS_LEN];
    let packed = PACKED.0;
    let mut i = 0;
    while i < MEANINGS_LEN {
        out[i] = packed[i];
        i += 1;
    }
    out
};
const MEANINGS_LEN: usize = PACKED.1;
/// The packing done once, into room for the unpacked text.
const PACKED: ([u8; RAW_LEN], usize) = {
    let mut out = [0; RAW_LEN];
    let n = pack(&mut out, true);
    (out, n)
};
const RAW_LEN: usize = {
    let mut n = 0;
    let lists = [UNSUPPORTED, REFUSED];
    let mut l = 0;
    while l < lists.len() {
        let mut e = 0;
        while e < lists[l].len() {
            n += lists[l][e].1.len();
            e += 1;
        }
        l += 1;
    }
    n
};

/// Copies `src[from..to]` into `out` at `n` as far as it has room (none
/// when only counting); the position after it.
const fn put(out: &mut [u8], mut n: usize, src: &[u8], mut from: usize, to: usize) -> usize {
    while from < to {
        if n < out.len() {
            out[n] = src[from];
        }
        n += 1;
        from += 1;
    }
    n
}

/// Writes [`KEYS`] (`meanings` false) or [`MEANINGS`] into `out`, as far
/// as it has room; the whole length. At compile time only.
const fn pack(out: &mut [u8], meanings: bool) -> usize {
    let code = if meanings {
        code(FRAGMENTS)
    } else {
        code(KEY_FRAGMENTS)
    };
    let lists = [UNSUPPORTED, REFUSED];
    let mut n = 0;
    let mut l = 0;
    while l < lists.len() {
        let mut e = 0;
        while e < lists[l].len() {
            let (block, lines) = lists[l][e];
            if !meanings {
                n = put(out, n, if l == 0 { b"=" } else { b"!" }, 0, 1);
                n = pack_text(out, n, block.as_bytes(), 0, block.len(), &code, 0);
                n = put(out, n, b"\n", 0, 1);
            }
            let t = lines.as_bytes();
            let mut i = 0;
            while i < t.len() {
                // KEYWORD<TAB>MEANING<NEWLINE>: one of the two packed.
                let start = i;
                while t[i] != b'\t' {
                    i += 1;
                }
                let tab = i;
                while t[i] != b'\n' {
                    i += 1;
                }
                n = if meanings {
                    pack_text(out, n, t, tab + 1, i, &code, 0)
                } else {
                    pack_text(out, n, t, start, tab, &code, 0)
                };
                n = put(out, n, b"\n", 0, 1);
                i += 1;
            }
            e += 1;
        }
        l += 1;
    }
    n
}

/// Writes `t[from..to]` packed with `code` into `out` at `n` (as [`put`]).
/// `inside`: 0 for a text, or the length of the fragment being packed
/// (for [`dict`]): then only shorter fragments are used, and not the one
/// whose code is a NUL.
const fn pack_text(
    out: &mut [u8],
    mut n: usize,
    t: &[u8],
    mut from: usize,
    to: usize,
    code: &Code,
    inside: usize,
) -> usize {
    while from < to {
        assert!(
            (t[from] >= 0x20 && t[from] < 0x80) || t[from] == b'\n',
            "the texts are printable ASCII lines"
        );
        let mut best = (t[from], 1);
        let mut f = code.first[t[from] as usize];
        while f != 0xFF {
            let w = code.fragments[f as usize].as_bytes();
            let mut k = 0;
            while k < w.len() && from + k < to && t[from + k] == w[k] {
                k += 1;
            }
            let usable = inside == 0 || (w.len() < inside && code_of(f) != 0);
            if usable && k == w.len() && k > best.1 {
                best = (code_of(f), k);
            }
            f = code.next[f as usize];
        }
        n = put(out, n, &[best.0], 0, 1);
        from += best.1;
    }
    n
}

/// The length of `text` packed with `fragments` (for [`packed`]'s size).
pub const fn packed_len(text: &str, fragments: &'static [&'static str]) -> usize {
    pack_text(
        &mut [],
        0,
        text.as_bytes(),
        0,
        text.len(),
        &code(fragments),
        0,
    )
}

/// `text` packed with `fragments` at compile time: any other text kept in
/// the binary shorter (the help text), unpacked by [`unpack`].
pub const fn packed<const N: usize>(text: &str, fragments: &'static [&'static str]) -> [u8; N] {
    let mut out = [0; N];
    pack_text(
        &mut out,
        0,
        text.as_bytes(),
        0,
        text.len(),
        &code(fragments),
        0,
    );
    out
}

/// Appends the text `packed` stands for (`dict`: [`dict`] of its fragments).
pub fn unpack(packed: &[u8], dict: &[u8], out: &mut String) {
    for &b in packed {
        expand(b, dict, out);
    }
}

/// The byte that stands for fragment `f` (the inverse of [`expand`]'s).
const fn code_of(f: u8) -> u8 {
    match f {
        0..0x80 => 0x80 + f,
        0x80..0x8A => f - 0x80,
        _ => f - 0x7F,
    }
}

/// Walks the keywords of `block` in [`KEYS`], each unpacked, until `pick`
/// takes one: its line (the index of its meaning) and whether it is
/// refused.
fn find_key(block: &str, pick: &mut dyn FnMut(&str) -> bool) -> Option<(usize, bool)> {
    let (mut inside, mut refused, mut line) = (false, false, 0);
    // Each line unpacked as it comes, a block's line too (packed as the
    // keywords are, after its plain first byte). Outside `block` a
    // keyword's line is only counted, not unpacked: a block's line starts
    // with a plain '=' or '!', which no keyword does.
    let mut word = String::new();
    let mut skip = false;
    for &b in KEYS.iter() {
        if b != b'\n' {
            skip |= word.is_empty() && !inside && b != b'=' && b != b'!';
            if !skip {
                expand(b, &KEY_DICT, &mut word);
            }
            continue;
        }
        if skip {
            (skip, line) = (false, line + 1);
            continue;
        }
        match word.as_bytes().split_first() {
            Some((&h @ (b'=' | b'!'), name)) => {
                inside = name == block.as_bytes();
                refused = h == b'!';
            }
            _ => {
                if inside && pick(&word) {
                    return Some((line, refused));
                }
                line += 1;
            }
        }
        word.clear();
    }
    None
}

/// Appends what keepalived would have done with the keyword of `line`
/// (from [`unsupported`]) to `out`.
pub fn meaning(line: usize, out: &mut String) {
    let mut skip = line;
    for &b in MEANINGS.iter() {
        if b == b'\n' {
            if skip == 0 {
                return;
            }
            skip -= 1;
        } else if skip == 0 {
            expand(b, &DICT, out);
        }
    }
}

/// Appends what byte `b` of a packed text stands for (`dict` its code's
/// fragments, each packed with shorter ones: unpacked in turn, at most
/// as deep as the longest fragment is long).
fn expand(b: u8, dict: &[u8], out: &mut String) {
    let mut f = match b {
        0x80.. => b - 0x80,
        0..=0x09 => b + 0x80,
        0x0B..=0x1F => b + 0x7F,
        _ => {
            out.push(char::from(b));
            return;
        }
    };
    for &c in dict {
        if c == 0 {
            if f == 0 {
                return;
            }
            f -= 1;
        } else if f == 0 {
            expand(c, dict, out);
        }
    }
}

/// When `keyword` is one keepalived knows in `block` and tinyvrrpd does not
/// act on: the line of what keepalived would have done (for [`meaning`])
/// and whether that is refused.
pub fn unsupported(block: &str, keyword: &str) -> Option<(usize, bool)> {
    find_key(block, &mut |k| k == keyword)
}

/// The candidate closest to a word by edit distance, when it is close
/// enough to be a typo of it: at most 2 edits, or a quarter of the word.
/// Candidates are offered in order; the first of equals wins.
pub struct Nearest<'w> {
    word: &'w str,
    limit: usize,
    /// The best candidate so far and its distance (`limit + 1`, and the
    /// text empty, before there is one).
    best: String,
    best_d: usize,
}

impl<'w> Nearest<'w> {
    pub fn new(word: &'w str) -> Nearest<'w> {
        let limit = 2.max(word.chars().count() / 4);
        Nearest {
            word,
            limit,
            best: String::new(),
            best_d: limit + 1,
        }
    }

    pub fn offer(&mut self, c: &str) {
        let d = distance(self.word, c);
        if d < self.best_d {
            self.best_d = d;
            self.best.clear();
            self.best.push_str(c);
        }
    }

    /// Offers the unsupported keywords of `block`, refused ones last.
    pub fn offer_known(&mut self, block: &str) {
        find_key(block, &mut |k| {
            self.offer(k);
            false
        });
    }

    pub fn best(&self) -> Option<&str> {
        (self.best_d <= self.limit).then_some(self.best.as_str())
    }
}

/// Levenshtein distance (insertions, deletions, substitutions), with a
/// transposition of neighbours counted as one edit.
fn distance(a: &str, b: &str) -> usize {
    let w = b.chars().count() + 1;
    // Three rows in one buffer (previous; current; two back, for
    // transpositions), rotated by offset; the characters before the
    // current ones are kept as the walk goes instead of in buffers of
    // their own. The third is written (as the current row of the second
    // character of `a`) before it is read.
    let mut rows = vec![0usize; 3 * w];
    let (mut prev, mut cur, mut back) = (0, w, 2 * w);
    for (j, slot) in rows.iter_mut().take(w).enumerate() {
        *slot = j;
    }
    let mut before_a = None;
    for (i, ca) in a.chars().enumerate() {
        rows[cur] = i + 1;
        let mut before_b = None;
        for (j, cb) in b.chars().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (rows[prev + j] + cost)
                .min(rows[prev + j + 1] + 1)
                .min(rows[cur + j] + 1);
            if before_a == Some(cb) && before_b == Some(ca) {
                d = d.min(rows[back + j - 1] + 1);
            }
            rows[cur + j + 1] = d;
            before_b = Some(cb);
        }
        (back, prev, cur) = (prev, cur, back);
        before_a = Some(ca);
    }
    rows[prev + w - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("priorty", "priority"), 1);
        assert_eq!(distance("prioirty", "priority"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    fn nearest(word: &str, names: impl Iterator<Item = &'static str>) -> Option<String> {
        let mut n = Nearest::new(word);
        names.for_each(|c| n.offer(c));
        n.best().map(str::to_string)
    }

    /// The (keyword, meaning) lines of `block` in `list`, read from the
    /// readable text.
    fn entries(
        list: &'static [(&'static str, &'static str)],
        block: &str,
    ) -> Vec<(&'static str, &'static str)> {
        list.iter()
            .filter(|(b, _)| *b == block)
            .flat_map(|(_, lines)| lines.lines())
            .filter_map(|l| l.split_once('\t'))
            .collect()
    }

    fn decoded(line: usize) -> String {
        let mut out = String::new();
        meaning(line, &mut out);
        out
    }

    /// The packed look-up finds every line of the readable lists, with its
    /// meaning unpacked to the same text, in the same order (warned then
    /// refused), and each keyword once per block.
    #[test]
    fn packed_meanings_unpack_to_the_text() {
        let mut blocks: Vec<&str> = UNSUPPORTED.iter().chain(REFUSED).map(|e| e.0).collect();
        blocks.sort_unstable();
        blocks.dedup();
        let mut lines = 0;
        for block in blocks {
            let mut want = Vec::new();
            for (list, refused) in [(UNSUPPORTED, false), (REFUSED, true)] {
                for (kw, m) in entries(list, block) {
                    let (line, r) = unsupported(block, kw).expect(kw);
                    assert_eq!((decoded(line), r), (m.to_string(), refused), "{kw}");
                    want.push(kw);
                }
            }
            let mut got = Vec::new();
            find_key(block, &mut |k| {
                got.push(k.to_string());
                false
            });
            assert_eq!(got, want);
            lines += want.len();
        }
        assert_eq!(MEANINGS.iter().filter(|&&b| b == b'\n').count(), lines);
        // The packing pays: about half the text.
        const { assert!(MEANINGS_LEN < RAW_LEN / 2 + 300) };
    }

    #[test]
    fn transpositions_and_wide_characters() {
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("abc", "acb"), 1);
        assert_eq!(distance("ca", "abc"), 3);
        assert_eq!(distance("é", "e"), 1);
        assert_eq!(distance("éa", "aé"), 1);
    }

    #[test]
    fn nearest_keyword() {
        let names = ["priority", "preempt", "state", "interface"];
        assert_eq!(
            nearest("priorty", names.into_iter()).as_deref(),
            Some("priority")
        );
        assert_eq!(
            nearest("interfce", names.into_iter()).as_deref(),
            Some("interface")
        );
        assert_eq!(nearest("xyzzy", names.into_iter()).as_deref(), None);
        assert_eq!(nearest("stat", names.into_iter()).as_deref(), Some("state"));
    }

    /// The lists are the `warned` and `error` rows of tests/keywords.tsv
    /// with the same meanings (tests/keyword_table.rs checks the rows
    /// against `-t`).
    #[test]
    fn table_file_agrees() {
        let tsv = include_str!("../../tests/keywords.tsv");
        let rows = |want: &str| -> Vec<(&str, &str, String)> {
            tsv.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| {
                    let c: Vec<&str> = l.split('\t').collect();
                    let kw = c.get(1)?.split_whitespace().next()?;
                    let (block, class, meaning) = (*c.first()?, *c.get(2)?, *c.get(3)?);
                    (class == want).then(|| (block, kw, meaning.to_string()))
                })
                .collect()
        };
        let ours = |list: &'static [(&'static str, &'static str)]| -> Vec<(&str, &str, String)> {
            list.iter()
                .flat_map(|(block, _)| {
                    entries(list, block)
                        .into_iter()
                        .map(move |(k, m)| (*block, k, format!("would {m}")))
                })
                .collect()
        };
        assert_eq!(rows("warned"), ours(UNSUPPORTED));
        assert_eq!(rows("error"), ours(REFUSED));
    }

    /// Every fragment number has a code of its own, not the newline nor
    /// a printable byte, that unpacks to that fragment.
    #[test]
    fn codes_unpack_to_their_fragment() {
        let dict: Vec<u8> = (0..MAX_FRAGMENTS)
            .flat_map(|f| format!("{f}\0").into_bytes())
            .collect();
        let mut seen = Vec::new();
        for f in 0..MAX_FRAGMENTS {
            let b = code_of(u8::try_from(f).unwrap());
            assert!(b != b'\n' && !(0x20..0x80).contains(&b) && !seen.contains(&b));
            seen.push(b);
            let mut out = String::new();
            expand(b, &dict, &mut out);
            assert_eq!(out, f.to_string());
        }
    }

    /// The packer walks lines that end in a newline.
    #[test]
    fn every_line_ends_in_a_newline() {
        for (block, lines) in UNSUPPORTED.iter().chain(REFUSED) {
            assert!(lines.ends_with('\n'), "{block}");
        }
    }

    #[test]
    fn unsupported_lookup() {
        assert!(
            unsupported("vrrp_instance", "no_accept")
                .is_some_and(|(m, r)| decoded(m).contains("nft") && !r)
        );
        assert!(unsupported("vrrp_instance", "vrf").is_some_and(|(_, refused)| refused));
        assert!(unsupported("global_defs", "no_accept").is_none());
        let mut n = Nearest::new("virtual_servr");
        n.offer_known("root");
        assert_eq!(n.best(), Some("virtual_server"));
    }
}
