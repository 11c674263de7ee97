# tinyvrrpd: the commands a person types.
#   make            release build of the daemon (target/release/tinyvrrpd)
#   make test       format check, clippy, unit, simulation and integration tests
#   make demo       the seed failover scenario, live in network namespaces (root)
#   make cross      static musl binaries for MIPS, ARM, AArch64 and x86_64

CARGO ?= cargo

.PHONY: all build release test check fmt clippy unit integration deps demo clean

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

test: deps fmt clippy unit

# The namespace scenarios alone, with their measured times shown (root;
# without root they skip). `make test` runs them too, through cargo test.
integration: deps
	$(CARGO) test --test integration -- --nocapture

# The seed failover, live: two daemons in network namespaces (root).
demo: release
	bash tests/demo.sh

clean:
	$(CARGO) clean
