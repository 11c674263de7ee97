#!/bin/sh
# Runs board/openwrt/files/tinyvrrpd.init as OpenWrt would, with rc.common,
# functions.sh (config_*) and procd.sh (procd_*) replaced by stubs that
# read a fake /etc/config and record every procd call, then compares the
# recordings with the expected lines exactly. Run it with the shell under
# test: `dash tests/board_init.sh`, `busybox sh tests/board_init.sh`
# (tests/openwrt.rs does both). Exit 0 when every case matches.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
files="$here/../board/openwrt/files"
init="$files/tinyvrrpd.init"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# --- functions.sh stubs: UCI read from $UCI_CONFIG_DIR/PACKAGE ---------------

# Understands `config TYPE 'NAME'` and `option KEY 'VALUE'` (quotes optional;
# the value may hold blanks); sets CONFIG_<section>_<option> as uci does.
config_load() {
	_file="$UCI_CONFIG_DIR/$1"
	_section=
	[ -f "$_file" ] || return 0
	while read -r _kw _key _val; do
		case "$_kw" in
		config) _section=$(unquote "$_val") ;;
		option) eval "CONFIG_${_section}_${_key}=\$(unquote \"\$_val\")" ;;
		esac
	done <"$_file"
}

unquote() {
	case "$1" in
	\'*\') _u=${1#\'}; _u=${_u%\'} ;;
	\"*\") _u=${1#\"}; _u=${_u%\"} ;;
	*) _u=$1 ;;
	esac
	printf '%s' "$_u"
}

# config_get VAR SECTION OPTION [DEFAULT]: unset or empty gives DEFAULT.
config_get() {
	eval "$1=\${CONFIG_${2}_${3}:-\${4-}}"
}

# config_get_bool VAR SECTION OPTION [DEFAULT]: 1/0 from uci's spellings.
config_get_bool() {
	config_get _b "$2" "$3" "${4-}"
	case "$_b" in
	1 | on | true | yes | enabled) _b=1 ;;
	0 | off | false | no | disabled) _b=0 ;;
	*) _b=${4-} ;;
	esac
	eval "$1=\$_b"
}

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
run_case() {
	_dir="$tmp/$1"
	mkdir -p "$_dir/config"
	[ "$2" = none ] || cp "$2" "$_dir/config/tinyvrrpd"
	printf '%s\n' "$3" >"$_dir/expected"
	: >"$_dir/calls"
	(
		UCI_CONFIG_DIR="$_dir/config"
		CALLS="$_dir/calls"
		# shellcheck source-path=SCRIPTDIR source=../board/openwrt/files/tinyvrrpd.init
		. "$init"
		record "START=$START STOP=$STOP USE_PROCD=$USE_PROCD"
		start_service
		service_triggers
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
instance() {
	printf '%s\n' \
		"procd_open_instance" \
		"procd_set_param [command] [/usr/sbin/tinyvrrpd] [-n] [-f] [$1]" \
		"procd_set_param [respawn] [3600] [5] [5]" \
		"procd_set_param [term_timeout] [10]" \
		"procd_set_param [reload_signal] [HUP]" \
		"procd_set_param [stdout] [1]" \
		"procd_set_param [stderr] [1]" \
		"procd_close_instance"
}
trigger="procd_add_reload_trigger [tinyvrrpd]"
default=/etc/keepalived/keepalived.conf

fails=0
check() { run_case "$@" || fails=$((fails + 1)); }

# The UCI file the package installs.
check shipped-config "$files/tinyvrrpd.config" \
	"$head_line
$(instance "$default")
$trigger"

# No /etc/config/tinyvrrpd at all: enabled, keepalived's default path.
check no-uci-file none \
	"$head_line
$(instance "$default")
$trigger"

# Enabled, config_file unset or empty: the default path.
check no-config-file "$(mkuci a "config tinyvrrpd 'main'" "	option enabled '1'")" \
	"$head_line
$(instance "$default")
$trigger"
check empty-config-file "$(mkuci b "config tinyvrrpd 'main'" "	option config_file ''")" \
	"$head_line
$(instance "$default")
$trigger"

# Disabled: no instance (procd stops a running one), trigger still there.
check disabled "$(mkuci c "config tinyvrrpd 'main'" "	option enabled '0'" \
	"	option config_file '/etc/keepalived/keepalived.conf'")" \
	"$head_line
$trigger"
check disabled-no "$(mkuci d "config tinyvrrpd 'main'" "	option enabled 'no'")" \
	"$head_line
$trigger"

# A custom path, with a blank in it: one argument, as written.
check custom-path "$(mkuci e "config tinyvrrpd 'main'" "	option enabled 'on'" \
	"	option config_file '/etc/vrrp/two routers.conf'")" \
	"$head_line
$(instance "/etc/vrrp/two routers.conf")
$trigger"

# The comparison itself must be able to fail: a wrong expectation is caught.
if run_case self-check "$files/tinyvrrpd.config" "$head_line
$(instance /wrong/path)
$trigger" >/dev/null; then
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
