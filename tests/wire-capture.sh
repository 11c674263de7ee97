#!/bin/bash
# Capture golden packets from Debian's keepalived 2.2.7 for the src/wire tests.
#
# Usage (root): tests/wire-capture.sh [OUTDIR]
#
# Everything happens inside two network namespaces this script creates,
# named with a per-run prefix (tvw<PID>-r1 runs keepalived, tvw<PID>-obs
# captures), joined by one veth pair. Addresses: 192.0.2.0/24, 2001:db8::/64
# and link-local only; VRRP to 224.0.0.18 / ff02::12. Nothing leaves the
# namespaces. The EXIT trap kills every process started here (by pid, and
# any process still inside our namespaces) and deletes the namespaces.
#
# Fixed MACs make the captures reproducible: r1 = 02:00:00:00:00:01, so its
# link-local address is fe80::ff:fe00:1.
#
# Output per scenario: NAME.pcap, NAME.txt (tcpdump -nn -v -xx), NAME.log
# (keepalived's console log) and NAME.strace (its sendmsg/sendto calls). The unit tests embed hex copied from NAME.txt;
# they do not need this script or root.

set -u

P="tvw$$-"
R1="${P}r1"
OBS="${P}obs"
OUT="${1:-$(mktemp -d "/tmp/${P}cap.XXXXXX")}"
mkdir -p "$OUT"
KPID=""
TPID=""

cleanup() {
	[ -n "$KPID" ] && kill "$KPID" 2>/dev/null
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null
	for ns in "$R1" "$OBS"; do
		if ip netns list | grep -qw "$ns"; then
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -9 "$pid" 2>/dev/null
			done
			ip netns del "$ns" 2>/dev/null
		fi
	done
	rm -f "/tmp/${P}"*.pid "/tmp/${P}"*.conf
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

die() { echo "wire-capture: $*" >&2; exit 1; }

ip netns add "$R1" || die "netns add $R1"
ip netns add "$OBS" || die "netns add $OBS"
ip -n "$R1" link add v-r1 address 02:00:00:00:00:01 type veth \
	peer name v-obs address 02:00:00:00:00:02 netns "$OBS" || die "veth"
for ns in "$R1" "$OBS"; do
	ip -n "$ns" link set lo up
	# No DAD: link-local addresses usable at once, so keepalived's IPv6
	# instance does not wait on them.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
done
ip netns exec "$R1" sysctl -qw net.ipv6.conf.v-r1.accept_dad=0
ip netns exec "$OBS" sysctl -qw net.ipv6.conf.v-obs.accept_dad=0
ip -n "$R1" addr add 192.0.2.1/24 dev v-r1
ip -n "$OBS" addr add 192.0.2.2/24 dev v-obs
ip -n "$R1" addr add 2001:db8::1/64 dev v-r1 nodad
ip -n "$OBS" addr add 2001:db8::2/64 dev v-obs nodad
ip -n "$R1" link set v-r1 up
ip -n "$OBS" link set v-obs up

# run NAME CONF: capture VRRP, ARP and neighbour advertisements while
# keepalived becomes master, then stop it with SIGTERM (priority 0 advert).
run() {
	local name="$1" conf="/tmp/${P}$1.conf"
	cat >"$conf"
	ip netns exec "$OBS" timeout 40 tcpdump -i v-obs -U -s 0 -w "$OUT/$name.pcap" \
		'(ip proto 112) or (ip6 proto 112) or arp or (icmp6 and ip6[40] == 136)' \
		>"$OUT/$name.tcpdump.log" 2>&1 &
	TPID=$!
	sleep 1
	# strace (when present) records keepalived's netlink requests, decoded,
	# in NAME.strace: the reference for src/wire/netlink.rs.
	local tracer=()
	if command -v strace >/dev/null; then
		tracer=(strace -f -qq -v -s 1024 -e trace=sendmsg,sendto -o "$OUT/$name.strace")
	fi
	local pidf="/tmp/${P}$name.pid"
	ip netns exec "$R1" "${tracer[@]}" /usr/sbin/keepalived -n -l -P -f "$conf" \
		-p "$pidf" -r "/tmp/${P}$name-vrrp.pid" >"$OUT/$name.log" 2>&1 &
	KPID=$!
	local i
	for i in $(seq 1 100); do
		grep -q 'Entering MASTER STATE' "$OUT/$name.log" && break
		sleep 0.1
	done
	grep -q 'Entering MASTER STATE' "$OUT/$name.log" || echo "wire-capture: $name: no MASTER" >&2
	# Past garp_master_delay (1 s below) so the second GARP/NA batch is in too.
	sleep 3
	# Signal keepalived itself: with strace in front, $KPID is strace.
	local kpid
	kpid="$(cat "$pidf" 2>/dev/null)"
	kill -TERM "${kpid:-$KPID}"
	for i in $(seq 1 50); do
		kill -0 "$KPID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$KPID" 2>/dev/null
	wait "$KPID" 2>/dev/null
	KPID=""
	sleep 0.5
	kill -INT "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	TPID=""
	tcpdump -r "$OUT/$name.pcap" -nn -v -xx >"$OUT/$name.txt" 2>/dev/null
	echo "wire-capture: $name: $(grep -c '^[0-9]' "$OUT/$name.txt") packets"
}

# (a) v2, PASS auth; (e) its priority-0 advert on SIGTERM; (f) GARPs.
run v2pass <<'EOF'
global_defs {
	vrrp_garp_master_delay 1
	vrrp_garp_master_repeat 2
}
vrrp_instance VI_A {
	state MASTER
	interface v-r1
	virtual_router_id 41
	priority 200
	advert_int 1
	authentication {
		auth_type PASS
		auth_pass 1066
	}
	virtual_ipaddress {
		192.0.2.100/24
	}
}
EOF

# (b) v3 over IPv4, keepalived's default checksum (with pseudo-header).
run v3ipv4 <<'EOF'
global_defs {
	vrrp_version 3
	vrrp_garp_master_delay 1
	vrrp_garp_master_repeat 1
}
vrrp_instance VI_B {
	state MASTER
	interface v-r1
	virtual_router_id 42
	priority 150
	advert_int 1
	virtual_ipaddress {
		192.0.2.101/24
		192.0.2.102/24
	}
}
EOF

# (c) keepalived 2.2.7 has no `v3_checksum_as_v2`; record what its config
# check says about the keyword instead of capturing.
cat >"/tmp/${P}v3plain.conf" <<'EOF'
global_defs {
	vrrp_version 3
	v3_checksum_as_v2
}
vrrp_instance VI_C {
	state MASTER
	interface v-r1
	virtual_router_id 43
	priority 150
	advert_int 1
	virtual_ipaddress {
		192.0.2.103/24
	}
}
EOF
ip netns exec "$R1" /usr/sbin/keepalived -t -l -P -f "/tmp/${P}v3plain.conf" \
	-p "/tmp/${P}v3plain.pid" -r "/tmp/${P}v3plain-vrrp.pid" >"$OUT/v3plain.log" 2>&1
echo "wire-capture: v3plain config check exit $? (see $OUT/v3plain.log)"

# (d) v3 over IPv6 from the link-local address; (g) unsolicited NAs.
run v3ipv6 <<'EOF'
global_defs {
	vrrp_garp_master_delay 1
	vrrp_garp_master_repeat 1
}
vrrp_instance VI_D {
	state MASTER
	interface v-r1
	virtual_router_id 44
	priority 120
	advert_int 1
	virtual_ipaddress {
		2001:db8::100/64
	}
}
EOF

echo "wire-capture: output in $OUT"
