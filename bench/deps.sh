#!/bin/sh
# What `make bench` needs beyond tests/deps.sh: a C compiler and the C
# library's headers for bench/floor.c. Installed only when missing, quietly;
# a second run does nothing and prints nothing.
set -eu

need=""
command -v "${CC:-cc}" >/dev/null 2>&1 || need="$need gcc"
[ -f /usr/include/stdio.h ] || need="$need libc6-dev"

if [ -n "$need" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "bench/deps.sh: missing:$need (run as root to install them)" >&2
        exit 0
    fi
    echo "bench/deps.sh: installing$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
