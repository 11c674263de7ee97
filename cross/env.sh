# Sourced by the cross scripts: where the toolchain pieces live and the
# environment that selects them.
CROSS_HOME="${CROSS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyvrrpd-cross}"
CROSS_VENV="$CROSS_HOME/venv"
# Debian's rustc-web 1.96 ships std's sources, which -Z build-std needs
# (rustup cannot download rust-src here, and the MIPS musl targets are tier
# 3, with no prebuilt std anywhere).
export RUSTUP_TOOLCHAIN=/usr
export RUSTC_BOOTSTRAP=1
export ZIG_GLOBAL_CACHE_DIR="$CROSS_HOME/zig"
export CARGO_TARGET_DIR="${CROSS_TARGET_DIR:-target/cross}"
export PATH="$CROSS_VENV/bin:$PATH"
# A RUSTFLAGS variable would replace cross/config.toml's rustflags.
unset RUSTFLAGS

ALL_TARGETS="mipsel-unknown-linux-musl mips-unknown-linux-musl armv7-unknown-linux-musleabihf aarch64-unknown-linux-musl x86_64-unknown-linux-musl"

# qemu-user for a target: binary and CPU.
qemu_for() {
    case "$1" in
        mipsel-*) echo "qemu-mipsel-static -cpu 24Kc" ;;
        mips-*) echo "qemu-mips-static -cpu 24Kc" ;;
        armv7-*) echo "qemu-arm-static -cpu cortex-a7" ;;
        aarch64-*) echo "qemu-aarch64-static -cpu cortex-a53" ;;
        x86_64-*) echo "" ;;
        *) echo "unknown target $1" >&2; return 1 ;;
    esac
}

objcopy_bin() {
    for c in llvm-objcopy llvm-objcopy-22 llvm-objcopy-19 llvm-objcopy-14; do
        command -v "$c" >/dev/null 2>&1 && { echo "$c"; return 0; }
    done
    return 1
}
