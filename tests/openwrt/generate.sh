#!/bin/sh
# Usage: SHELL generate.sh UCI_CONFIG_DIR OUT
# Runs board/openwrt/files/keepalived.init's generator with the stand-in
# functions.sh (tests/openwrt/) on UCI_CONFIG_DIR/keepalived and writes the
# configuration to OUT. KEEPALIVED_HOTPLUG_CALL, if set, replaces
# /sbin/hotplug-call in the notify lines; KC_DATE the date line's date.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
UCI_CONFIG_DIR=$1
out=$2
hotplug=${KEEPALIVED_HOTPLUG_CALL-}
# shellcheck source=functions.sh
. "$here/functions.sh"
# shellcheck source=../../board/openwrt/files/keepalived.init
. "$here/../../board/openwrt/files/keepalived.init"
KEEPALIVED_CONF=$out
[ -n "$hotplug" ] && KEEPALIVED_HOTPLUG_CALL=$hotplug
if [ -n "${KC_DATE-}" ]; then
	date() { printf '%s\n' "$KC_DATE"; }
fi
config_load keepalived
keepalived_generate
