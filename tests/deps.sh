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

if [ -n "$need" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "tests/deps.sh: missing:$need (run as root to install them)" >&2
        exit 0
    fi
    echo "tests/deps.sh: installing$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
