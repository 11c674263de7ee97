# tinyvrrpd: the commands a person types.
#   make            release build of the daemon (target/release/tinyvrrpd)
#   make test       format check, clippy, unit, simulation and integration tests
#   make demo       the seed failover scenario, live in network namespaces (root)
#   make cross      static musl binaries for MIPS, ARM, AArch64 and x86_64
#   make bench      tinyvrrpd beside keepalived, results in bench/results/ (root)

CARGO ?= cargo

.PHONY: all build release test check fmt clippy unit integration deps demo clean cross size cross-test cross-test-be board-test bench

all: release

build:
	$(CARGO) build

release:
	$(CARGO) build --release

# Test dependencies (apt packages) are installed by tests/deps.sh, quietly
# and only when missing.
deps:
	@sh tests/deps.sh

fmt:
	$(CARGO) fmt --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

unit:
	$(CARGO) test

# The host suite and the big-endian MIPS one side by side: most of the
# host suite waits on namespace scenarios, so cross-test-be's build and qemu
# runs fit beside it (make test took 17 minutes one after the other on 2
# cores). The MIPS output is printed whole after the host suite's.
test: deps fmt clippy
	@mkdir -p target; \
	sh cross/test.sh mips-unknown-linux-musl > target/cross-test-be.log 2>&1 & be=$$!; \
	$(CARGO) test; st=$$?; \
	wait $$be; bst=$$?; \
	cat target/cross-test-be.log; \
	[ $$bst -eq 0 ] || echo "make test: cross-test-be failed (above)" >&2; \
	[ $$st -eq 0 ] && [ $$bst -eq 0 ]

# The namespace scenarios alone, with their measured times shown (root;
# without root they skip). `make test` runs them too, through cargo test.
integration: deps
	$(CARGO) test --test integration -- --nocapture

# OpenWrt board support alone: the init script and the UCI generator under
# dash and busybox ash, the package Makefile, syslog lines on a /dev/log
# socket, hotplug handlers and the rpcd helper on a live failover (root for
# the last two). `make test` runs them too, through cargo test.
board-test: deps
	$(CARGO) test --test openwrt --test openwrt_uci -- --nocapture

# The seed failover, live: two daemons in network namespaces (root).
demo: release
	bash tests/demo.sh

# Static musl binaries for routers into out/cross (installs the toolchain
# pieces it needs; see cross/). TARGETS=... builds a subset.
TARGETS ?=
cross:
	sh cross/build.sh $(TARGETS)

# Binary sizes against the recorded table; UPDATE=1 records the new ones.
size:
	sh cross/size.sh $(if $(UPDATE),--update)

# Core tests under qemu-user for big-endian MIPS and ARMv7 (or TARGETS),
# and each release binary's -v and -t.
cross-test:
	sh cross/test.sh $(TARGETS)

# The big-endian MIPS part of cross-test: catches byte-order mistakes.
cross-test-be:
	sh cross/test.sh mips-unknown-linux-musl

# tinyvrrpd beside Debian's keepalived on a namespace LAN (root, about fourteen
# minutes): prints a markdown table and writes it with the raw samples to
# bench/results/. The static x86_64 musl binary (what a router runs) is
# measured when out/cross has it; it is rebuilt first when the cross
# toolchain is already installed (BENCH_CROSS=0 skips that, BENCH_CROSS=1
# forces it, installing the toolchain). Otherwise target/release is measured.
# The floor reference (bench/floor.c: only the protocol's syscalls, see
# there) is built with the system C compiler into target/floor; bench/deps.sh
# installs the compiler when it is missing. Trial runs: BENCH_ONLY=cpu
# BENCH_N=16 BENCH_WINDOW=5 make bench (see bench/main.rs).
BENCH_CROSS ?= auto
bench: deps release target/floor
	@if [ "$(BENCH_CROSS)" = 1 ] || { [ "$(BENCH_CROSS)" = auto ] && \
	    [ -d "$${XDG_CACHE_HOME:-$$HOME/.cache}/tinyvrrpd-cross/venv" ]; }; then \
	    $(MAKE) --no-print-directory cross TARGETS=x86_64-unknown-linux-musl; fi
	$(CARGO) bench --bench vrrp

target/floor: bench/floor.c
	@sh bench/deps.sh
	@mkdir -p target
	$(CC) -O2 -Wall -Wextra -o $@ bench/floor.c

clean:
	$(CARGO) clean
