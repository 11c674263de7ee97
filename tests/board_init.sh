#!/bin/sh
# Runs board/openwrt/files/keepalived.init (installed as
# /etc/init.d/keepalived) as OpenWrt would, with rc.common, functions.sh
# (config_*, tests/openwrt/functions.sh) and procd.sh (procd_*) replaced by
# stand-ins that read a fake /etc/config and record every procd call, then
# compares the recordings with the expected lines exactly. Run it with the shell under
# test: `dash tests/board_init.sh`, `busybox sh tests/board_init.sh`
# (tests/openwrt.rs does both). Exit 0 when every case matches.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
files="$here/../board/openwrt/files"
init="$files/keepalived.init"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# --- functions.sh: the stand-in of tests/openwrt/ (UCI from $UCI_CONFIG_DIR)

# shellcheck source=openwrt/functions.sh
. "$here/openwrt/functions.sh"

# --- procd.sh stubs: one line per call, every argument in brackets ----------

record() {
	_line=$1
	shift
	for _a in "$@"; do _line="$_line [$_a]"; done
	printf '%s\n' "$_line" >>"$CALLS"
}
# Stubs record whatever they are given, arguments or none.
# shellcheck disable=SC2120
procd_open_instance() { record procd_open_instance "$@"; }
# shellcheck disable=SC2120
procd_close_instance() { record procd_close_instance "$@"; }
procd_append_param() { record procd_append_param "$@"; }
procd_add_reload_trigger() { record procd_add_reload_trigger "$@"; }
procd_add_interface_trigger() { record procd_add_interface_trigger "$@"; }
procd_add_raw_trigger() { record procd_add_raw_trigger "$@"; }
procd_open_trigger() { record procd_open_trigger "$@"; }
procd_close_trigger() { record procd_close_trigger "$@"; }
# Only parameter names procd.sh knows; anything else would be dropped on a
# router, so it is recorded as an error here.
procd_set_param() {
	case "$1" in
	command | env | data | limits | file | netdev | respawn | watch | \
		watchdog | user | group | pidfile | stdout | stderr | nice | \
		term_timeout | reload_signal | seccomp | capabilities | no_new_privs | \
		facility | jail | instance | trace)
		record procd_set_param "$@"
		;;
	*) record "UNKNOWN procd_set_param" "$@" ;;
	esac
}

# --- rc.common shim: source the script, then what `start` would call -------

# Usage: run_case NAME UCI-FILE-OR-"none" EXPECTED-LINES
# The generated configuration goes to $tmp/NAME/keepalived.conf (the
# expected command line names it as CONF).
run_case() {
	_dir="$tmp/$1"
	mkdir -p "$_dir/config"
	[ "$2" = none ] || cp "$2" "$_dir/config/keepalived"
	printf '%s\n' "$3" | sed "s|CONF|$_dir/keepalived.conf|" >"$_dir/expected"
	: >"$_dir/calls"
	(
		UCI_CONFIG_DIR="$_dir/config"
		CALLS="$_dir/calls"
		# shellcheck source-path=SCRIPTDIR source=../board/openwrt/files/keepalived.init
		. "$init"
		KEEPALIVED_CONF="$_dir/keepalived.conf"
		record "START=$START STOP=$STOP USE_PROCD=$USE_PROCD"
		start_service
		service_triggers
		[ -f "$KEEPALIVED_CONF" ] && record "generated"
		true
	) >"$_dir/out" 2>&1 || {
		echo "FAIL $1: the init script failed:"
		cat "$_dir/out"
		return 1
	}
	if cmp -s "$_dir/expected" "$_dir/calls"; then
		echo "ok $1"
	else
		echo "FAIL $1: procd calls differ (- expected, + recorded):"
		diff -u "$_dir/expected" "$_dir/calls" | tail -n +3
		return 1
	fi
}

mkuci() {
	_f="$tmp/uci-$1"
	shift
	printf '%s\n' "$@" >"$_f"
	echo "$_f"
}

head_line="START=70 STOP=01 USE_PROCD=1"
instance="procd_open_instance
procd_set_param [command] [/usr/sbin/tinyvrrpd] [-n] [-f] [CONF] [-p] [/var/run/tinyvrrpd.pid]
procd_set_param [respawn] [3600] [5] [5]
procd_set_param [term_timeout] [10]
procd_set_param [reload_signal] [HUP]
procd_set_param [stdout] [1]
procd_set_param [stderr] [1]
procd_close_instance"
trigger="procd_add_reload_trigger [keepalived]"
vrrp="config vrrp_instance
	option name 'VI_1'
	option interface 'eth0'
	option virtual_router_id '51'"

fails=0
check() { run_case "$@" || fails=$((fails + 1)); }

# The UCI file the package installs: enabled '0', so no instance and no
# configuration written (procd stops a running daemon), the trigger stays.
check shipped-config "$files/keepalived.config" \
	"$head_line
$trigger"

# No /etc/config/keepalived at all: nothing, as the keepalived package.
check no-uci-file none \
	"$head_line
$trigger"

# Enabled explicitly or by default (no enabled option, no globals section).
check enabled "$(mkuci a "config globals 'globals'" "	option enabled '1'" "$vrrp")" \
	"$head_line
$instance
$trigger
generated"
check enabled-by-default "$(mkuci b "$vrrp")" \
	"$head_line
$instance
$trigger
generated"

# Disabled in uci's other spellings.
check disabled-no "$(mkuci c "config globals 'globals'" "	option enabled 'no'" "$vrrp")" \
	"$head_line
$trigger"

# alt_config_file: the same command line, on the symlink.
check alt-config "$(mkuci d "config globals 'globals'" \
	"	option alt_config_file '$files/keepalived.conf'")" \
	"$head_line
$instance
$trigger
generated"

# The comparison itself must be able to fail: a wrong expectation is caught.
if run_case self-check "$(mkuci e "$vrrp")" "$head_line
$trigger
generated" >/dev/null; then
	echo "FAIL self-check: a wrong expectation passed"
	fails=$((fails + 1))
else
	echo "ok self-check (a wrong expectation fails)"
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails case(s) failed"
	exit 1
fi
echo "all cases passed"
