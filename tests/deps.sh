#!/bin/sh
# Install what the test suite needs, only when missing, quietly.
# Idempotent: a second run does nothing and prints nothing.
set -eu

need=""
command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v tcpdump >/dev/null 2>&1 || need="$need tcpdump"
command -v keepalived >/dev/null 2>&1 || [ -x /usr/sbin/keepalived ] || need="$need keepalived"
command -v python3 >/dev/null 2>&1 || need="$need python3"
# tests/openwrt.rs and tests/openwrt_uci.rs run the OpenWrt scripts under busybox's ash too.
command -v busybox >/dev/null 2>&1 || need="$need busybox"
# tests/reannounce.rs drops VRRP in one namespace for a moment (nftables).
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need="$need nftables"
# tests/vmac_live.rs asks for the VIP's MAC from the observer (iputils'
# arping: -b keeps broadcasting).
command -v arping >/dev/null 2>&1 || need="$need iputils-arping"

# shellcheck disable=SC2086
sh "$(dirname "$0")/apt-install.sh" tests/deps.sh $need
