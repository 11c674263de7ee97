#!/bin/sh
# What `make bench` needs beyond tests/deps.sh: a C compiler and the C
# library's headers for bench/floor.c. Installed only when missing, quietly;
# a second run does nothing and prints nothing.
set -eu

need=""
command -v "${CC:-cc}" >/dev/null 2>&1 || need="$need gcc"
[ -f /usr/include/stdio.h ] || need="$need libc6-dev"

# shellcheck disable=SC2086
sh "$(dirname "$0")/../tests/apt-install.sh" bench/deps.sh $need
