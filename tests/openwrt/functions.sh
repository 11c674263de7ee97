# shellcheck shell=dash
# A stand-in for OpenWrt's /lib/functions.sh, for the tests: the config_*
# API the keepalived init scripts use, over UCI files read from
# $UCI_CONFIG_DIR (default /etc/config). Written for the tests from uci's
# documented behaviour: CONFIG_SECTIONS lists the sections in file order,
# CONFIG_<section>_TYPE their types, CONFIG_<section>_<option> the values
# (a list's items joined by spaces), CONFIG_<section>_<option>_ITEM<n> and
# _LENGTH a list's items one by one. Anonymous sections get names cfgNN.

# uci's file syntax to one command per line with sh-quoted words:
# `config TYPE [NAME]`, `option KEY VALUE`, `list KEY VALUE`; quotes
# (single, double, with \ escapes in double) and # comments as uci reads them.
_uci_tokens() {
	awk '
	function q(s) { gsub(/'\''/, "'\''\\'\'''\''", s); return "'\''" s "'\''" }
	{
		line = $0; out = ""; n = 0; i = 1; L = length(line)
		while (i <= L) {
			c = substr(line, i, 1)
			if (c == " " || c == "\t" || c == "\r") { i++; continue }
			if (c == "#") break
			w = ""
			while (i <= L) {
				c = substr(line, i, 1)
				if (c == " " || c == "\t" || c == "\r") break
				if (c == "'\''") {
					j = index(substr(line, i + 1), "'\''")
					if (j == 0) { w = w substr(line, i + 1); i = L + 1; break }
					w = w substr(line, i + 1, j - 1); i += j + 1; continue
				}
				if (c == "\"") {
					i++
					while (i <= L && substr(line, i, 1) != "\"") {
						if (substr(line, i, 1) == "\\" && i < L) i++
						w = w substr(line, i, 1); i++
					}
					i++; continue
				}
				w = w c; i++
			}
			out = out " " q(w); n++
		}
		if (n > 0) print "_uci_" substr(out, 2)
	}' "$1"
}

_uci_anon=0
_uci_config() {
	_uci_anon=$((_uci_anon + 1))
	CONFIG_SECTION=${2:-cfg$(printf '%02x' "$_uci_anon")}
	CONFIG_SECTIONS="${CONFIG_SECTIONS:+$CONFIG_SECTIONS }$CONFIG_SECTION"
	eval "CONFIG_${CONFIG_SECTION}_TYPE=\$1"
}
_uci_option() {
	eval "CONFIG_${CONFIG_SECTION}_$1=\$2"
}
_uci_list() {
	eval "_n=\${CONFIG_${CONFIG_SECTION}_$1_LENGTH:-0}"
	_n=$((_n + 1))
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEM$_n=\$2"
	eval "CONFIG_${CONFIG_SECTION}_$1_LENGTH=$_n"
	eval "CONFIG_${CONFIG_SECTION}_$1=\"\${CONFIG_${CONFIG_SECTION}_$1:+\${CONFIG_${CONFIG_SECTION}_$1} }\$2\""
}

config_load() {
	CONFIG_SECTIONS=
	CONFIG_SECTION=
	_uci_anon=0
	_f="${UCI_CONFIG_DIR:-/etc/config}/$1"
	[ -f "$_f" ] || return 1
	eval "$(_uci_tokens "$_f")"
}

# config_foreach FUNCTION [TYPE [ARGS...]]
config_foreach() {
	local _fn _type _s
	_fn=$1
	shift
	_type=${1-}
	[ $# -gt 0 ] && shift
	for _s in $CONFIG_SECTIONS; do
		if [ -n "$_type" ]; then
			eval "[ \"\${CONFIG_${_s}_TYPE}\" = \"\$_type\" ]" || continue
		fi
		"$_fn" "$_s" "$@"
	done
}

# config_get VAR SECTION OPTION [DEFAULT]; config_get SECTION OPTION prints.
config_get() {
	case $# in
	2) eval "printf '%s' \"\${CONFIG_${1}_${2}-}\"" ;;
	*) eval "$1=\${CONFIG_${2}_${3}:-\${4-}}" ;;
	esac
}

config_get_bool() {
	local _b
	config_get _b "$2" "$3" "${4-}"
	case "$_b" in
	1 | on | true | yes | enabled) _b=1 ;;
	0 | off | false | no | disabled) _b=0 ;;
	*) _b=${4-} ;;
	esac
	eval "$1=\$_b"
}

# config_list_foreach SECTION OPTION FUNCTION [ARGS...]
config_list_foreach() {
	local _ls _lo _lf _ln _li _lv
	_ls=$1 _lo=$2 _lf=$3
	shift 3
	eval "_ln=\${CONFIG_${_ls}_${_lo}_LENGTH:-0}"
	_li=1
	while [ "$_li" -le "$_ln" ]; do
		eval "_lv=\${CONFIG_${_ls}_${_lo}_ITEM$_li}"
		"$_lf" "$_lv" "$@"
		_li=$((_li + 1))
	done
}

# Used by hotplug and rpcd scripts.
include() {
	for _inc in "$1"/*.sh; do
		[ -f "$_inc" ] && . "$_inc"
	done
}
