#!/bin/bash
# make demo: the seed document's VIP failover, live, on a LAN of network
# namespaces. Run as root on Debian 12 after `cargo build --release` (the
# Makefile's demo target does both).
#
#   r1 (192.0.2.71, priority 200, MASTER) --+
#                                            +-- bridge --  VIP 192.0.2.100
#   r2 (192.0.2.72, priority 100, BACKUP) --+
#
# The configs are the seed's two files with only 10.0.0.x mapped to
# 192.0.2.x. Everything lives in namespaces named tvdemo<PID>*: nothing is
# added to the host's network and nothing leaves the namespaces. The EXIT
# trap (also reached from INT and TERM) kills what was started and deletes
# the namespaces and the temp dir.

set -u

cd "$(dirname "$0")/.." || exit 1
BIN="${TINYVRRPD:-target/release/tinyvrrpd}"
VIP=192.0.2.100
P="tvdemo$$"
R1="${P}r1"
R2="${P}r2"
BR="${P}br"
TMP=""
PIDS=""

say() { printf '\n== %s ==\n' "$*"; }
# On failure the logs are the explanation: show them before cleanup.
die() {
	echo "demo: $*" >&2
	for log in "$TMP"/r1.log "$TMP"/r2.log; do
		[ -n "$TMP" ] && [ -s "$log" ] || continue
		echo "-- $log (last 30 lines)" >&2
		tail -n 30 "$log" >&2
	done
	exit 1
}
now_ms() { date +%s%3N; }

cleanup() {
	[ -n "$PIDS" ] && kill -9 $PIDS 2>/dev/null
	for ns in "$R1" "$R2" "$BR"; do
		[ -e "/run/netns/$ns" ] || continue
		# Anything still inside (a daemon started by hand, say) goes too,
		# or the namespace would outlive its name.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
	PIDS=""
}
# The signal traps exit, and exit runs the EXIT trap: cleanup happens on
# every path, exactly once at the end.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" = 0 ] || die "needs root (network namespaces): sudo make demo"
[ -x "$BIN" ] || die "$BIN missing: run cargo build --release first"
sh tests/deps.sh || die "tests/deps.sh failed"
TMP="$(mktemp -d "/tmp/${P}.XXXXXX")" || die "mktemp"

# has_vip NS: is the VIP on NS's eth0?
has_vip() { ip -n "$1" -o addr show dev eth0 | grep -q " inet $VIP/"; }

# wait_for SECONDS CMD...: polls CMD every 0.1 s, at most SECONDS; prints
# the time it took. Fails when time runs out.
wait_for() {
	local limit_ms=$(($1 * 1000)) start
	shift
	start=$(now_ms)
	until "$@"; do
		if [ $(($(now_ms) - start)) -ge "$limit_ms" ]; then
			return 1
		fi
		sleep 0.1
	done
	echo "$(($(now_ms) - start))"
}

secs() { printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000)); }

show_addrs() {
	for r in 1 2; do
		local ns="${P}r$r"
		echo "-- r$r: ip addr show eth0"
		ip -n "$ns" addr show dev eth0 | grep -E 'state|inet ' || echo "   (eth0 not up)"
	done
}

# The protocol's lines only (transitions, VIPs, GARPs, preemption).
transitions() { grep -E 'STATE|VIPs|gratuitous ARPs|higher priority|Reload' "$1"; }

# start_daemon R: runs tinyvrrpd in router R's namespace, log in $TMP/rR.log.
start_daemon() {
	local r="$1" ns="${P}r$1"
	ip netns exec "$ns" "$BIN" -n -l -G -f "$TMP/r$r.conf" -p "$TMP/r$r.pid" \
		>>"$TMP/r$r.log" 2>&1 &
	eval "PID_R$r=$!"
	PIDS="$PIDS $!"
	# Ours to kill, not bash's to report ("Killed" lines in the output).
	disown "$!"
}

say "1. the LAN: namespaces $BR (bridge), $R1, $R2"
for ns in "$BR" "$R1" "$R2"; do
	ip netns add "$ns" || die "ip netns add $ns"
	ip -n "$ns" link set lo up
done
# Every multicast frame to every port, like a plain switch.
ip -n "$BR" link add br0 type bridge mcast_snooping 0 || die "bridge"
ip -n "$BR" link set br0 up
for r in 1 2; do
	ns="${P}r$r"
	ip -n "$BR" link add "p$r" type veth peer name eth0 netns "$ns" || die "veth r$r"
	ip -n "$BR" link set "p$r" master br0 up
	ip -n "$ns" addr add "192.0.2.7$r/24" dev eth0
	ip -n "$ns" link set eth0 up
done
echo "r1 = 192.0.2.71/24, r2 = 192.0.2.72/24, both on eth0"

say "2. the configs (the seed's, 10.0.0.x -> 192.0.2.x)"
sed 's/10\.0\.0\./192.0.2./g' tests/configs/valid/01-seed-master.conf >"$TMP/r1.conf"
sed 's/10\.0\.0\./192.0.2./g' tests/configs/valid/02-seed-backup.conf >"$TMP/r2.conf"
for r in 1 2; do
	echo "-- r$r: $TMP/r$r.conf"
	sed 's/^/   /' "$TMP/r$r.conf"
	"$BIN" -t -f "$TMP/r$r.conf" || die "r$r's config does not check"
done

say "3. start both daemons; r1 (priority 200) becomes master"
start_daemon 1
start_daemon 2
took=$(wait_for 15 has_vip "$R1") || die "r1 did not get $VIP within 15 s; logs in $TMP"
echo "r1 holds $VIP after $(secs "$took")"
show_addrs

say "4. r1 fails: SIGKILL its daemon, take its link down"
t0=$(now_ms)
kill -9 "$PID_R1"
gone() { ! kill -0 "$PID_R1" 2>/dev/null; }
wait_for 5 gone >/dev/null || die "r1's daemon survived SIGKILL"
ip -n "$R1" link set eth0 down
echo "waiting for r2 to take $VIP (protocol: 3 x advert_int + skew = 3.609 s)"
wait_for 15 has_vip "$R2" >/dev/null || die "r2 did not take $VIP within 15 s"
echo "r2 holds $VIP $(secs $(($(now_ms) - t0))) after the kill"
# Give the GARP burst and its log lines a moment before showing the logs.
sleep 1
show_addrs
echo "-- r1 log (transitions)"
transitions "$TMP/r1.log" | sed 's/^/   /'
echo "-- r2 log (transitions): the seed's five lines"
transitions "$TMP/r2.log" | sed 's/^/   /'

say "5. r1 comes back: it has the higher priority and preempts"
ip -n "$R1" link set eth0 up
r2_lines=$(wc -l <"$TMP/r2.log")
t0=$(now_ms)
start_daemon 1
both_moved() { has_vip "$R1" && ! has_vip "$R2"; }
wait_for 15 both_moved >/dev/null || die "$VIP did not move back to r1 within 15 s"
echo "$VIP back on r1 (and gone from r2) $(secs $(($(now_ms) - t0))) after the restart"
sleep 1
show_addrs
echo "-- r2 log since the restart"
tail -n +"$((r2_lines + 1))" "$TMP/r2.log" | transitions /dev/stdin | sed 's/^/   /'

say "done: cleaning up (daemons, namespaces, $TMP)"
