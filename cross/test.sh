#!/bin/sh
# Run the pure-core tests (wire, config, state machine, simulation) built
# for other CPUs under qemu-user, and each target's release binary with
# -v and -t on the seed configs.
#
# Usage: cross/test.sh [TARGET...]   (default: mips-unknown-linux-musl,
# big endian, and armv7-unknown-linux-musleabihf). Release binaries are
# taken from out/cross (built by cross/build.sh if missing).
set -eu
cd "$(dirname "$0")/.."
. cross/env.sh
if ! sh cross/setup.sh; then
    # Without root the toolchain cannot be installed: a developer's
    # `make test` says so and goes on; CI (root) must not get here.
    [ -z "${CI:-}" ] || exit 1
    echo "cross/test.sh: skipped: the cross toolchain is missing (run as root once)"
    exit 0
fi
# The test builds keep their own target dir: unwinding std, dev profile.
export CARGO_TARGET_DIR=target/cross-test

targets="${*:-mips-unknown-linux-musl armv7-unknown-linux-musleabihf}"
# The tests that need no root, no network and no daemon binary.
tests="--lib --test core_timeline --test simulation --test config_corpus \
 --test wire_vrrp --test wire_arp --test wire_ipv4 --test wire_ndisc \
 --test wire_netlink --test wire_netlink_kernel --test wire_fuzz"

fail=0
for t in $targets; do
    qemu=$(qemu_for "$t")
    echo "== $t: building the core tests"
    json="$CARGO_TARGET_DIR/$t.json"
    mkdir -p "$CARGO_TARGET_DIR"
    # shellcheck disable=SC2086
    if ! cargo-zigbuild test --quiet --no-run --config cross/config.toml \
        -Z build-std=std,panic_unwind --target "$t" $tests --message-format=json > "$json"; then
        echo "$t: building the tests FAILED"
        fail=1
        continue
    fi
    list=$(python3 -c 'import sys, json
for line in sys.stdin:
    try: m = json.loads(line)
    except ValueError: continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m.get("profile", {}).get("test"):
        print(m["executable"])' < "$json")
    count=$(echo "$list" | grep -c . || true)
    # Eleven test targets were asked for: fewer means one was not built.
    if [ "$count" -lt 11 ]; then
        echo "$t: only $count test binaries built: FAILED"
        fail=1
    fi
    for bin in $list; do
        name=$(basename "$bin")
        # The simulation runs a tenth of its seeds under emulation.
        # shellcheck disable=SC2086
        if out=$(SIM_SCALE=10 $qemu "$bin" 2>&1); then
            echo "$t $name: $(echo "$out" | grep -E '^test result' | tail -1)"
        else
            echo "$out" | tail -30
            echo "$t $name: FAILED"
            fail=1
        fi
    done
    bin="out/cross/tinyvrrpd-$t"
    [ -x "$bin" ] || sh cross/build.sh "$t"
    # shellcheck disable=SC2086
    v=$($qemu "$bin" -v)
    echo "$t daemon -v: $v"
    for c in tests/configs/valid/01-seed-master.conf tests/configs/valid/02-seed-backup.conf; do
        # shellcheck disable=SC2086
        if $qemu "$bin" -t -f "$c"; then echo "$t daemon -t $c: ok"; else echo "$t daemon -t $c: FAILED"; fail=1; fi
    done
    # shellcheck disable=SC2086
    if $qemu "$bin" -t -f tests/configs/invalid/01-vrid-out-of-range.conf 2>/dev/null; then
        echo "$t daemon -t accepted an invalid config: FAILED"; fail=1
    else
        echo "$t daemon -t refuses an invalid config: ok"
    fi
done
exit $fail
