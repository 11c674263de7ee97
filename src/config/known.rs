//! The keywords keepalived 2.2.7 knows in the blocks tinyvrrpd reads but
//! tinyvrrpd does not act on, with what keepalived would have done: `-t`,
//! start and reload name each one (`KW: not supported by tinyvrrpd: ...`),
//! so no keyword is ignored in silence. Any other keyword not in a block's
//! table is a typo and an error naming the nearest known keyword.
//! Written by hand from keepalived.conf(5); tests/keywords.tsv holds every
//! keyword of these blocks with its class, and a test below keeps these
//! lists and that file identical.

/// (block, keyword, what keepalived would have done): a warning. The block
/// is the name [`super::keywords::dispatch`] is given: `root` for the top
/// level.
pub const UNSUPPORTED: &[(&str, &str, &str)] = &[
    (
        "root",
        "track_group",
        "would name a group of VRRP instances for static addresses, routes and rules to track",
    ),
    (
        "root",
        "linkbeat_interfaces",
        "would poll these interfaces' carrier with ioctls instead of netlink",
    ),
    (
        "root",
        "linkbeat_use_polling",
        "would poll interfaces' carrier with ioctls instead of netlink",
    ),
    (
        "root",
        "virtual_server",
        "would configure an LVS (IPVS) virtual server and health-check its real servers",
    ),
    (
        "root",
        "virtual_server_group",
        "would group LVS virtual servers",
    ),
    (
        "root",
        "SSL",
        "would set the SSL context of the LVS health checkers",
    ),
    (
        "root",
        "bfd_instance",
        "would run a BFD session with a neighbour",
    ),
    (
        "root",
        "net_namespace_ipvs",
        "would run the IPVS part in this network namespace",
    ),
    (
        "root",
        "namespace_with_ipsets",
        "would give ipset names a per-namespace prefix",
    ),
    (
        "root",
        "use_pid_dir",
        "would put keepalived's pid files under /run/keepalived",
    ),
    (
        "root",
        "instance",
        "would name this keepalived instance (pid and state file names)",
    ),
    (
        "root",
        "child_wait_time",
        "would wait this long for child processes to exit on stop",
    ),
    (
        "global_defs",
        "smtp_alert_checker",
        "would send e-mail on LVS checker changes",
    ),
    (
        "global_defs",
        "checker_log_all_failures",
        "would log every LVS checker failure",
    ),
    (
        "global_defs",
        "process_names",
        "would name keepalived's child processes (tinyvrrpd is one process)",
    ),
    (
        "global_defs",
        "process_name",
        "would name keepalived's parent process (tinyvrrpd is one process)",
    ),
    (
        "global_defs",
        "vrrp_process_name",
        "would name the VRRP child process (tinyvrrpd is one process)",
    ),
    (
        "global_defs",
        "checker_process_name",
        "would name the LVS checker process",
    ),
    (
        "global_defs",
        "lvs_process_name",
        "would name the LVS checker process (deprecated)",
    ),
    (
        "global_defs",
        "bfd_process_name",
        "would name the BFD process",
    ),
    (
        "global_defs",
        "max_auto_priority",
        "would raise keepalived's scheduling priority automatically on slow timers",
    ),
    (
        "global_defs",
        "min_auto_priority_delay",
        "would set the timer delay that raises keepalived's scheduling priority",
    ),
    (
        "global_defs",
        "default_interface",
        "would use this interface for static addresses and routes without dev",
    ),
    (
        "global_defs",
        "disable_local_igmp",
        "would stop the kernel sending IGMP reports for the VRRP group",
    ),
    (
        "global_defs",
        "lvs_timeouts",
        "would set IPVS connection timeouts",
    ),
    (
        "global_defs",
        "lvs_flush",
        "would flush the IPVS table at start",
    ),
    (
        "global_defs",
        "lvs_flush_on_stop",
        "would flush the IPVS table on stop",
    ),
    (
        "global_defs",
        "lvs_flush_onstop",
        "would flush the IPVS table on stop (deprecated)",
    ),
    (
        "global_defs",
        "lvs_sync_daemon",
        "would run the IPVS connection sync daemon on the master",
    ),
    (
        "global_defs",
        "vrrp_down_timer_adverts",
        "would wait this many advert intervals (instead of 3) before a backup takes over",
    ),
    (
        "global_defs",
        "vrrp_min_garp",
        "would send one gratuitous ARP at transition and none after (garp_master_repeat 1, refresh 0)",
    ),
    (
        "global_defs",
        "vrrp_garp_extra_if",
        "would also send gratuitous ARPs on the VMAC's base interface at this interval",
    ),
    (
        "global_defs",
        "vrrp_vmac_garp_intvl",
        "would also send gratuitous ARPs on the VMAC's base interface (deprecated name)",
    ),
    (
        "global_defs",
        "vrrp_higher_prio_send_advert",
        "would send an advert before going to backup on a higher priority advert",
    ),
    (
        "global_defs",
        "vrrp_iptables",
        "would add firewall rules dropping traffic to the VIPs of non-accept instances",
    ),
    (
        "global_defs",
        "nftables",
        "would add nftables rules dropping traffic to the VIPs of non-accept instances",
    ),
    (
        "global_defs",
        "nftables_priority",
        "would set the priority of keepalived's nftables chains",
    ),
    (
        "global_defs",
        "nftables_ifindex",
        "would match interfaces by index in keepalived's nftables rules",
    ),
    (
        "global_defs",
        "nftables_ipvs",
        "would use nftables to mark IPVS traffic",
    ),
    (
        "global_defs",
        "nftables_ipvs_priority",
        "would set the priority of the IPVS nftables chains",
    ),
    (
        "global_defs",
        "nftables_ipvs_start_fwmark",
        "would set the first firewall mark of the IPVS nftables rules",
    ),
    (
        "global_defs",
        "nftables_counters",
        "would add counters to keepalived's nftables rules",
    ),
    (
        "global_defs",
        "vrrp_check_unicast_src",
        "would drop unicast adverts from addresses not listed in unicast_peer",
    ),
    (
        "global_defs",
        "vrrp_priority",
        "would set the VRRP process's nice value",
    ),
    (
        "global_defs",
        "vrrp_no_swap",
        "would lock the VRRP process's memory",
    ),
    (
        "global_defs",
        "vrrp_rt_priority",
        "would run the VRRP process with real-time scheduling",
    ),
    (
        "global_defs",
        "vrrp_cpu_affinity",
        "would pin the VRRP process to these CPUs",
    ),
    (
        "global_defs",
        "vrrp_rlimit_rttime",
        "would limit the VRRP process's real-time CPU time",
    ),
    (
        "global_defs",
        "vrrp_rlimit_rtime",
        "would limit the VRRP process's real-time CPU time (deprecated)",
    ),
    (
        "global_defs",
        "vrrp_notify_priority_changes",
        "would write priority changes to the notify FIFO",
    ),
    (
        "global_defs",
        "fifo_write_vrrp_states_on_reload",
        "would write every instance's state to the notify FIFO on reload",
    ),
    (
        "global_defs",
        "lvs_notify_fifo",
        "would write LVS checker changes to this FIFO",
    ),
    (
        "global_defs",
        "lvs_notify_fifo_script",
        "would run a script reading lvs_notify_fifo",
    ),
    (
        "global_defs",
        "checker_priority",
        "would set the LVS checker process's nice value",
    ),
    (
        "global_defs",
        "checker_no_swap",
        "would lock the LVS checker process's memory",
    ),
    (
        "global_defs",
        "checker_rt_priority",
        "would run the LVS checker process with real-time scheduling",
    ),
    (
        "global_defs",
        "checker_cpu_affinity",
        "would pin the LVS checker process to these CPUs",
    ),
    (
        "global_defs",
        "checker_rlimit_rttime",
        "would limit the LVS checker process's real-time CPU time",
    ),
    (
        "global_defs",
        "checker_rlimit_rtime",
        "would limit the LVS checker process's real-time CPU time (deprecated)",
    ),
    (
        "global_defs",
        "bfd_priority",
        "would set the BFD process's nice value",
    ),
    (
        "global_defs",
        "bfd_no_swap",
        "would lock the BFD process's memory",
    ),
    (
        "global_defs",
        "bfd_rt_priority",
        "would run the BFD process with real-time scheduling",
    ),
    (
        "global_defs",
        "bfd_cpu_affinity",
        "would pin the BFD process to these CPUs",
    ),
    (
        "global_defs",
        "bfd_rlimit_rttime",
        "would limit the BFD process's real-time CPU time",
    ),
    (
        "global_defs",
        "bfd_rlimit_rtime",
        "would limit the BFD process's real-time CPU time (deprecated)",
    ),
    (
        "global_defs",
        "snmp_socket",
        "would connect to an SNMP AgentX master at this address",
    ),
    ("global_defs", "enable_traps", "would send SNMP traps"),
    (
        "global_defs",
        "enable_snmp_vrrp",
        "would publish VRRP state over SNMP (KEEPALIVED-MIB)",
    ),
    (
        "global_defs",
        "enable_snmp_keepalived",
        "would publish VRRP state over SNMP (deprecated name)",
    ),
    (
        "global_defs",
        "enable_snmp_rfc",
        "would publish VRRP state over SNMP (RFC MIBs)",
    ),
    (
        "global_defs",
        "enable_snmp_rfcv2",
        "would publish VRRP state over SNMP (RFC 2787 MIB)",
    ),
    (
        "global_defs",
        "enable_snmp_rfcv3",
        "would publish VRRP state over SNMP (RFC 6527 MIB)",
    ),
    (
        "global_defs",
        "enable_snmp_checker",
        "would publish LVS checker state over SNMP",
    ),
    (
        "global_defs",
        "enable_dbus",
        "would publish VRRP state over D-Bus",
    ),
    (
        "global_defs",
        "dbus_service_name",
        "would use this D-Bus service name",
    ),
    (
        "global_defs",
        "vrrp_netlink_cmd_rcv_bufs",
        "would size the netlink command socket's receive buffer",
    ),
    (
        "global_defs",
        "vrrp_netlink_cmd_rcv_bufs_force",
        "would force the netlink command socket's receive buffer size",
    ),
    (
        "global_defs",
        "vrrp_netlink_monitor_rcv_bufs",
        "would size the netlink monitor socket's receive buffer",
    ),
    (
        "global_defs",
        "vrrp_netlink_monitor_rcv_bufs_force",
        "would force the netlink monitor socket's receive buffer size",
    ),
    (
        "global_defs",
        "process_monitor_rcv_bufs",
        "would size the process monitor socket's receive buffer (tinyvrrpd scans /proc)",
    ),
    (
        "global_defs",
        "process_monitor_rcv_bufs_force",
        "would force the process monitor socket's receive buffer size (tinyvrrpd scans /proc)",
    ),
    (
        "global_defs",
        "lvs_netlink_cmd_rcv_bufs",
        "would size the IPVS netlink command socket's receive buffer",
    ),
    (
        "global_defs",
        "lvs_netlink_cmd_rcv_bufs_force",
        "would force the IPVS netlink command socket's receive buffer size",
    ),
    (
        "global_defs",
        "lvs_netlink_monitor_rcv_bufs",
        "would size the IPVS netlink monitor socket's receive buffer",
    ),
    (
        "global_defs",
        "lvs_netlink_monitor_rcv_bufs_force",
        "would force the IPVS netlink monitor socket's receive buffer size",
    ),
    (
        "global_defs",
        "rs_init_notifies",
        "would notify the initial state of LVS real servers",
    ),
    (
        "global_defs",
        "no_checker_emails",
        "would send no e-mail on LVS checker changes",
    ),
    (
        "global_defs",
        "vrrp_rx_bufs_policy",
        "would size the VRRP sockets' receive buffers by this policy",
    ),
    (
        "global_defs",
        "vrrp_rx_bufs_multiplier",
        "would multiply the VRRP sockets' receive buffer size",
    ),
    (
        "global_defs",
        "log_unknown_vrids",
        "would log adverts for VRIDs no instance uses",
    ),
    (
        "global_defs",
        "vmac_prefix",
        "would name VMAC interfaces with this prefix",
    ),
    (
        "global_defs",
        "vmac_addr_prefix",
        "would name VMACs created for use_vmac_addr with this prefix",
    ),
    (
        "global_defs",
        "umask",
        "would set the umask for the files keepalived creates",
    ),
    ("global_defs", "random_seed", "would seed $_RANDOM"),
    (
        "global_defs",
        "reload_check_config",
        "would check a new configuration in a child before reloading",
    ),
    (
        "global_defs",
        "reload_time_file",
        "would reload at the time written in this file",
    ),
    (
        "global_defs",
        "reload_repeat",
        "would repeat reload_time_file's reload every day",
    ),
    (
        "global_defs",
        "reload_file",
        "would reload when this file is created",
    ),
    (
        "global_defs",
        "include_check",
        "would check that included files are on a safe path",
    ),
    (
        "global_defs",
        "config_save_dir",
        "would save a copy of each configuration it loaded",
    ),
    (
        "global_defs",
        "tmp_config_directory",
        "would copy the configuration here for the child processes",
    ),
    (
        "global_defs",
        "data_use_instance",
        "would add the instance name to the state dump file names",
    ),
    (
        "vrrp_instance",
        "no_accept",
        "would make the master drop traffic to its VIPs with firewall rules; tinyvrrpd adds none (the nft rule that would: nft add rule inet vrrp in ip daddr VIP drop, in a chain with hook input; see README)",
    ),
    (
        "vrrp_instance",
        "use_vmac_addr",
        "would use a VMAC interface's own address as the advert source",
    ),
    (
        "vrrp_instance",
        "use_ipvlan",
        "would create an ipvlan interface for the VIPs",
    ),
    (
        "vrrp_instance",
        "native_ipv6",
        "would keep IPv6 link-local addressing on the VMAC interface as the kernel makes it",
    ),
    (
        "vrrp_instance",
        "debug",
        "would log this instance's debug messages",
    ),
    (
        "vrrp_instance",
        "unicast_fault_no_peer",
        "would enter FAULT when unicast_peer is empty",
    ),
    (
        "vrrp_instance",
        "check_unicast_src",
        "would drop unicast adverts from addresses not listed in unicast_peer",
    ),
    ("vrrp_instance", "track_bfd", "would track BFD sessions"),
    (
        "vrrp_instance",
        "mcast_src_ip",
        "would send multicast adverts from this source address",
    ),
    (
        "vrrp_instance",
        "track_src_ip",
        "would go to FAULT when the advert source address goes away",
    ),
    (
        "vrrp_instance",
        "unicast_ttl",
        "would send unicast adverts with this TTL and expect it on receipt",
    ),
    (
        "vrrp_instance",
        "promote_secondaries",
        "would set promote_secondaries on the interface so removing a VIP keeps the other addresses of its subnet",
    ),
    (
        "vrrp_instance",
        "linkbeat_use_polling",
        "would poll the interface's carrier with ioctls instead of netlink (deprecated)",
    ),
    (
        "vrrp_instance",
        "skip_check_adv_addr",
        "would skip comparing the advert's addresses when they come from the current master",
    ),
    (
        "vrrp_instance",
        "strict_mode",
        "would apply vrrp_strict's checks to this instance only",
    ),
    (
        "vrrp_instance",
        "notify_priority_changes",
        "would run the notify script on priority changes",
    ),
    (
        "vrrp_instance",
        "lvs_sync_daemon_interface",
        "would run the IPVS sync daemon on this interface while master",
    ),
    (
        "vrrp_instance",
        "down_timer_adverts",
        "would wait this many advert intervals (instead of 3) before a backup takes over",
    ),
    (
        "vrrp_instance",
        "garp_extra_if",
        "would also send gratuitous ARPs on the VMAC's base interface at this interval",
    ),
    (
        "vrrp_instance",
        "vmac_garp_intvl",
        "would also send gratuitous ARPs on the VMAC's base interface (deprecated name)",
    ),
    (
        "vrrp_instance",
        "higher_prio_send_advert",
        "would send an advert before going to backup on a higher priority advert",
    ),
    (
        "vrrp_instance",
        "kernel_rx_buf_size",
        "would size the instance's receive socket buffer",
    ),
    (
        "vrrp_sync_group",
        "track_bfd",
        "would track BFD sessions for every member",
    ),
    (
        "vrrp_sync_group",
        "notify_priority_changes",
        "would run the notify script on priority changes",
    ),
];

/// The same for keywords whose absence would make tinyvrrpd do something
/// wrong, not just less: an error.
pub const REFUSED: &[(&str, &str, &str)] = &[
    (
        "root",
        "net_namespace",
        "would run keepalived inside this network namespace; refused: tinyvrrpd would run on this namespace's interfaces instead",
    ),
    (
        "vrrp_instance",
        "old_unicast_checksum",
        "would compute unicast VRRPv3 checksums the way keepalived before 1.2.24 did; refused: tinyvrrpd would drop the adverts of peers that need it",
    ),
    (
        "vrrp_instance",
        "vrf",
        "would run the instance in this VRF; refused: tinyvrrpd would send and receive in the main routing table instead",
    ),
    (
        "vrrp_instance",
        "mcast_dst_ip",
        "would send adverts to this multicast group; refused: tinyvrrpd would send to the default group, which peers using this one do not hear",
    ),
];

/// What keepalived would have done with `keyword` in `block`, when it is a
/// keyword tinyvrrpd does not act on there, and whether that is refused.
pub fn unsupported(block: &str, keyword: &str) -> Option<(&'static str, bool)> {
    let find = |list: &'static [(&str, &str, &str)]| {
        list.iter()
            .find(|(b, k, _)| *b == block && *k == keyword)
            .map(|(_, _, m)| *m)
    };
    match find(REFUSED) {
        Some(m) => Some((m, true)),
        None => find(UNSUPPORTED).map(|m| (m, false)),
    }
}

/// The unsupported keywords of `block`, refused ones included.
pub fn names(block: &str) -> impl Iterator<Item = &'static str> + '_ {
    UNSUPPORTED
        .iter()
        .chain(REFUSED)
        .filter(move |(b, _, _)| *b == block)
        .map(|(_, k, _)| *k)
}

/// The candidate closest to `word` by edit distance, when it is close
/// enough to be a typo of it: at most 2 edits, or a quarter of the word.
pub fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = 2.max(word.chars().count() / 4);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(word, c);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance (insertions, deletions, substitutions), with a
/// transposition of neighbours counted as one edit.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for transpositions), previous, current.
    let mut back: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut d = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i - 1] == *cb && *ca == b[j - 1] {
                d = d.min(back[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        core::mem::swap(&mut back, &mut prev);
        core::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
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

    #[test]
    fn nearest_keyword() {
        let names = ["priority", "preempt", "state", "interface"];
        assert_eq!(nearest("priorty", names.into_iter()), Some("priority"));
        assert_eq!(nearest("interfce", names.into_iter()), Some("interface"));
        assert_eq!(nearest("xyzzy", names.into_iter()), None);
        assert_eq!(nearest("stat", names.into_iter()), Some("state"));
    }

    /// The lists are the `warned` and `error` rows of tests/keywords.tsv
    /// with the same meanings (tests/keyword_table.rs checks the rows
    /// against `-t`).
    #[test]
    fn table_file_agrees() {
        let tsv = include_str!("../../tests/keywords.tsv");
        let rows = |want: &str| -> Vec<(&str, &str, &str)> {
            tsv.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| {
                    let c: Vec<&str> = l.split('\t').collect();
                    let kw = c.get(1)?.split_whitespace().next()?;
                    let (block, class, meaning) = (*c.first()?, *c.get(2)?, *c.get(3)?);
                    (class == want).then_some((block, kw, meaning))
                })
                .collect()
        };
        assert_eq!(rows("warned"), UNSUPPORTED);
        assert_eq!(rows("error"), REFUSED);
    }

    #[test]
    fn unsupported_lookup() {
        assert!(
            unsupported("vrrp_instance", "no_accept").is_some_and(|(m, r)| m.contains("nft") && !r)
        );
        assert!(unsupported("vrrp_instance", "vrf").is_some_and(|(_, refused)| refused));
        assert!(unsupported("global_defs", "no_accept").is_none());
        assert!(names("root").any(|n| n == "virtual_server"));
    }
}
