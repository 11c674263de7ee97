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
/// "would" left out: one string per block, not three pointers per
/// keyword (size: issue 17).
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

/// The first (keyword, meaning) line of `block` in `list` that `pick`
/// takes. Plain loops and a `dyn` callback: one copy of the walk for the
/// look-up and the suggestions alike (size: issue 17).
fn find_line(
    list: &'static [(&'static str, &'static str)],
    block: &str,
    pick: &mut dyn FnMut(&'static str) -> bool,
) -> Option<&'static str> {
    for (b, lines) in list {
        if *b != block {
            continue;
        }
        // Every line ends in a newline: split_once, which is code shared
        // with others, walks them (str::lines would be a walker of its own).
        let mut rest = *lines;
        while let Some((line, tail)) = rest.split_once('\n') {
            rest = tail;
            if let Some((k, m)) = line.split_once('\t') {
                if pick(k) {
                    return Some(m);
                }
            }
        }
    }
    None
}

/// What keepalived would have done with `keyword` in `block` (the words
/// after "would"), when it is a keyword tinyvrrpd does not act on there,
/// and whether that is refused.
pub fn unsupported(block: &str, keyword: &str) -> Option<(&'static str, bool)> {
    let mut is = |k: &str| k == keyword;
    match find_line(REFUSED, block, &mut is) {
        Some(m) => Some((m, true)),
        None => find_line(UNSUPPORTED, block, &mut is).map(|m| (m, false)),
    }
}

/// The candidate closest to a word by edit distance, when it is close
/// enough to be a typo of it: at most 2 edits, or a quarter of the word.
/// Candidates are offered in order; the first of equals wins.
pub struct Nearest<'w> {
    word: &'w str,
    limit: usize,
    best: Option<(usize, &'static str)>,
}

impl<'w> Nearest<'w> {
    pub fn new(word: &'w str) -> Nearest<'w> {
        Nearest {
            word,
            limit: 2.max(word.chars().count() / 4),
            best: None,
        }
    }

    pub fn offer(&mut self, c: &'static str) {
        let d = distance(self.word, c);
        if d <= self.limit && self.best.is_none_or(|(bd, _)| d < bd) {
            self.best = Some((d, c));
        }
    }

    /// Offers the unsupported keywords of `block`, refused ones last.
    pub fn offer_known(&mut self, block: &str) {
        for list in [UNSUPPORTED, REFUSED] {
            find_line(list, block, &mut |k| {
                self.offer(k);
                false
            });
        }
    }

    pub fn best(&self) -> Option<&'static str> {
        self.best.map(|(_, c)| c)
    }
}

/// Levenshtein distance (insertions, deletions, substitutions), with a
/// transposition of neighbours counted as one edit.
fn distance(a: &str, b: &str) -> usize {
    let n = b.chars().count();
    let w = n + 1;
    // Three rows in one buffer (two back, for transpositions; previous;
    // current), rotated by offset; the characters before the current ones
    // are kept as the walk goes instead of in buffers of their own.
    let mut rows = vec![0usize; 3 * w];
    let (mut back, mut prev, mut cur) = (0, w, 2 * w);
    for (j, slot) in rows[prev..cur].iter_mut().enumerate() {
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
    rows[prev + n]
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

    fn nearest(word: &str, names: impl Iterator<Item = &'static str>) -> Option<&'static str> {
        let mut n = Nearest::new(word);
        names.for_each(|c| n.offer(c));
        n.best()
    }

    /// The (keyword, meaning) lines of `block` in `list`.
    fn entries(
        list: &'static [(&'static str, &'static str)],
        block: &str,
    ) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        find_line(list, block, &mut |k| {
            out.push(k);
            false
        });
        out.into_iter()
            .filter_map(|k| Some((k, find_line(list, block, &mut |o| o == k)?)))
            .collect()
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

    /// find_line walks lines that end in a newline: a last line without
    /// one would not be seen.
    #[test]
    fn every_line_ends_in_a_newline() {
        for (block, lines) in UNSUPPORTED.iter().chain(REFUSED) {
            assert!(lines.ends_with('\n'), "{block}");
        }
    }

    #[test]
    fn unsupported_lookup() {
        assert!(
            unsupported("vrrp_instance", "no_accept").is_some_and(|(m, r)| m.contains("nft") && !r)
        );
        assert!(unsupported("vrrp_instance", "vrf").is_some_and(|(_, refused)| refused));
        assert!(unsupported("global_defs", "no_accept").is_none());
        let mut n = Nearest::new("virtual_servr");
        n.offer_known("root");
        assert_eq!(n.best(), Some("virtual_server"));
    }
}
