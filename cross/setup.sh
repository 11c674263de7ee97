#!/bin/sh
# Install what the static musl cross builds need, only when missing and
# quietly: Debian's rustc-web (1.96, with std sources), qemu-user-static,
# llvm-objcopy, and in a venv PyPI's ziglang (musl, crt, linker) and
# cargo-zigbuild. A second run does nothing.
set -eu
. "$(dirname "$0")/env.sh"

apt_need=""
[ -x /usr/bin/rustc ] && /usr/bin/rustc --version 2>/dev/null | grep -q '^rustc 1\.9[6-9]' \
    || apt_need="$apt_need rustc-web cargo-web rust-web-src libstd-rust-web-dev"
[ -d /usr/lib/rustlib/src/rust/library ] || apt_need="$apt_need rust-web-src"
command -v qemu-mips-static >/dev/null 2>&1 || apt_need="$apt_need qemu-user-static"
objcopy_bin >/dev/null || apt_need="$apt_need llvm"
command -v readelf >/dev/null 2>&1 || apt_need="$apt_need binutils"
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_need="$apt_need python3-venv"

if [ -n "$apt_need" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "cross/setup.sh: missing:$apt_need (run as root to install)" >&2
        exit 1
    fi
    echo "cross/setup.sh: installing$apt_need"
    export DEBIAN_FRONTEND=noninteractive
    # Another install running (make test beside make cross): wait for its lock.
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq $apt_need >/dev/null
fi

if [ ! -x "$CROSS_VENV/bin/cargo-zigbuild" ] || ! "$CROSS_VENV/bin/python" -m ziglang version >/dev/null 2>&1; then
    echo "cross/setup.sh: installing ziglang and cargo-zigbuild in $CROSS_VENV"
    mkdir -p "$CROSS_HOME"
    python3 -m venv "$CROSS_VENV"
    "$CROSS_VENV/bin/pip" install -q --disable-pip-version-check ziglang cargo-zigbuild
fi
