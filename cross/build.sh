#!/bin/sh
# Static, stripped musl binaries of tinyvrrpd for router CPUs, into
# out/cross/tinyvrrpd-TARGET. Usage: cross/build.sh [TARGET...]
# (default: every target in env.sh). Installs missing pieces first.
set -eu
cd "$(dirname "$0")/.."
. cross/env.sh
sh cross/setup.sh

targets="${*:-$ALL_TARGETS}"
flags=""
for t in $targets; do flags="$flags --target $t"; done

# One cargo call for all targets: std is built once per target either way,
# but the crates.io dependencies resolve once.
# shellcheck disable=SC2086
cargo zigbuild --quiet --release --bin tinyvrrpd \
    --config cross/config.toml --config cross/release.toml \
    -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size \
    -Z panic-immediate-abort $flags

mkdir -p out/cross
objcopy=$(objcopy_bin)
for t in $targets; do
    src="$CARGO_TARGET_DIR/$t/release/tinyvrrpd"
    dst="out/cross/tinyvrrpd-$t"
    # The linked binary keeps its symbols (cross/release.toml): make size
    # reads them from this copy to say which module the bytes belong to.
    mkdir -p out/cross/unstripped
    cp "$src" "out/cross/unstripped/tinyvrrpd-$t"
    # lld keeps MIPS's .pdr section (about 56 KB) through strip.
    "$objcopy" --strip-all --remove-section=.pdr "$src" "$dst"
    # Fully static: no interpreter, no shared libraries.
    if readelf -lW "$dst" | grep -q 'INTERP' || readelf -dW "$dst" 2>/dev/null | grep -q 'NEEDED'; then
        echo "cross/build.sh: $dst is not static" >&2
        exit 1
    fi
    echo "$dst $(wc -c < "$dst") bytes, static"
done
