// Golden packets from Debian's keepalived 2.2.7 (Keepalived v2.2.7 (01/16,2022)),
// captured with tests/wire-capture.sh; the full tcpdump dumps are next to
// this file (v2pass.txt, v3ipv4.txt, v3ipv6.txt). Included by the tests/wire_*.rs
// files with `include!`.
//
// Set-up common to all: namespaces tvw<PID>-r1 (keepalived) and tvw<PID>-obs
// (capture) joined by a veth pair; r1's v-r1 has MAC 02:00:00:00:00:01,
// 192.0.2.1/24, 2001:db8::1/64 and link-local fe80::ff:fe00:1. Each scenario:
//
//   ip netns exec tvw<PID>-obs timeout 40 tcpdump -i v-obs -U -s 0 -w NAME.pcap \
//     '(ip proto 112) or (ip6 proto 112) or arp or (icmp6 and ip6[40] == 136)'
//   ip netns exec tvw<PID>-r1 /usr/sbin/keepalived -n -l -P -f NAME.conf \
//     -p /tmp/tvw<PID>-NAME.pid -r /tmp/tvw<PID>-NAME-vrrp.pid
//   (wait for "Entering MASTER STATE", 3 s, then kill -TERM keepalived)
//   tcpdump -r NAME.pcap -nn -v -xx
//
// Each constant is one whole Ethernet frame as tcpdump printed it.

#[allow(dead_code)]
mod golden {
    /// Parses tcpdump-style hex ("0100 5e00 ..."), ignoring whitespace.
    pub fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        assert!(digits.len() % 2 == 0, "odd number of hex digits");
        digits
            .chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect()
    }

    pub const ETH_LEN: usize = 14;
    pub const IPV4_LEN: usize = 20;
    pub const IPV6_LEN: usize = 40;

    /// (a) v2.pass: vrrp_instance VI_A { state MASTER; interface v-r1;
    /// virtual_router_id 41; priority 200; advert_int 1;
    /// authentication { auth_type PASS; auth_pass 1066 }
    /// virtual_ipaddress { 192.0.2.100/24 } }
    /// First advert as master: 192.0.2.1 > 224.0.0.18, tos 0xc0, ttl 255,
    /// id 1, no DF.
    pub const V2_PASS: &str = "
        0100 5e00 0012 0200 0000 0001 0800 45c0
        0028 0001 0000 ff70 1891 c000 0201 e000
        0012 2129 c801 0101 ec08 c000 0264 3130
        3636 0000 0000";

    /// (e) The same instance on SIGTERM: priority 0 (IP id 5: keepalived's
    /// ids count up from 1 per instance).
    pub const V2_PASS_PRIO0: &str = "
        0100 5e00 0012 0200 0000 0001 0800 45c0
        0028 0005 0000 ff70 188d c000 0201 e000
        0012 2129 0001 0101 b409 c000 0264 3130
        3636 0000 0000";

    /// (f) Gratuitous ARP from (a) for 192.0.2.100: target MAC is
    /// ff:ff:ff:ff:ff:ff, not zero. 42 bytes: veth does not pad.
    pub const GARP: &str = "
        ffff ffff ffff 0200 0000 0001 0806 0001
        0800 0604 0001 0200 0000 0001 c000 0264
        ffff ffff ffff c000 0264";

    /// (b) v3.ipv4: global_defs { vrrp_version 3 } vrrp_instance VI_B {
    /// state MASTER; interface v-r1; virtual_router_id 42; priority 150;
    /// advert_int 1; virtual_ipaddress { 192.0.2.101/24 192.0.2.102/24 } }
    /// Checksum 0x110e includes the IPv4 pseudo-header.
    pub const V3_IPV4: &str = "
        0100 5e00 0012 0200 0000 0001 0800 45c0
        0024 0001 0000 ff70 1895 c000 0201 e000
        0012 312a 9602 0064 110e c000 0265 c000
        0266";

    /// (e) (b) on SIGTERM: priority 0.
    pub const V3_IPV4_PRIO0: &str = "
        0100 5e00 0012 0200 0000 0001 0800 45c0
        0024 0005 0000 ff70 1891 c000 0201 e000
        0012 312a 0002 0064 a70e c000 0265 c000
        0266";

    /// (c) keepalived 2.2.7 has no `v3_checksum_as_v2` ("(Line 3) Unknown
    /// keyword 'v3_checksum_as_v2'", see v3plain-config-check.log), so this
    /// is not captured: it is (b)'s VRRP message with the checksum computed
    /// by hand over the message only:
    /// !(312a + 9602 + 0064 + c000 + 0265 + c000 + 0266) = 0xb3a2.
    pub const V3_IPV4_PLAIN_VRRP: &str = "312a 9602 0064 b3a2 c000 0265 c000 0266";

    /// (d) v3.ipv6: vrrp_instance VI_D { state MASTER; interface v-r1;
    /// virtual_router_id 44; priority 120; advert_int 1;
    /// virtual_ipaddress { 2001:db8::100/64 } }
    /// fe80::ff:fe00:1 > ff02::12, traffic class 0xc0, hop limit 255; the
    /// flow label is the kernel's automatic one.
    pub const V3_IPV6: &str = "
        3333 0000 0012 0200 0000 0001 86dd 6c05
        558c 0018 70ff fe80 0000 0000 0000 0000
        00ff fe00 0001 ff02 0000 0000 0000 0000
        0000 0000 0012 312c 7801 0064 2a96 2001
        0db8 0000 0000 0000 0000 0000 0100";

    /// (e) (d) on SIGTERM: priority 0.
    pub const V3_IPV6_PRIO0: &str = "
        3333 0000 0012 0200 0000 0001 86dd 6c05
        558c 0018 70ff fe80 0000 0000 0000 0000
        00ff fe00 0001 ff02 0000 0000 0000 0000
        0000 0000 0012 312c 0001 0064 a296 2001
        0db8 0000 0000 0000 0000 0000 0100";

    /// (g) Unsolicited NA from (d): source is the VIP 2001:db8::100 (not
    /// the link-local address), traffic class 0, flow label 0, hop limit
    /// 255, flags Override only, target link-layer address option.
    pub const UNSOLICITED_NA: &str = "
        3333 0000 0001 0200 0000 0001 86dd 6000
        0000 0020 3aff 2001 0db8 0000 0000 0000
        0000 0000 0100 ff02 0000 0000 0000 0000
        0000 0000 0001 8800 f72c 2000 0000 2001
        0db8 0000 0000 0000 0000 0000 0100 0201
        0200 0000 0001";

    pub const R1_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
}
