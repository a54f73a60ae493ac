# Debian packages the project needs.  `make deps` installs the missing ones
# when run as root and otherwise prints the exact apt-get line and stops.
DEB_PACKAGES := build-essential pkg-config libsystemc-dev verilator libpcap-dev \
                libcriterion-dev libyaml-dev libjansson-dev yosys gnuplot-nox \
                clang libclang-rt-14-dev cppcheck jq tshark wireshark-common

# Only `make bench` needs these (DPDK's dpdk-test-acl, run side by side
# with the TCAM model by bench/parts/22-acl-dpdk.sh); `make test` does not.
BENCH_DEB_PACKAGES := dpdk-dev

.PHONY: deps bench-deps
deps: build/.deps-ok
bench-deps: build/.bench-deps-ok

build/.deps-ok: PKGS = $(DEB_PACKAGES)
build/.bench-deps-ok: PKGS = $(BENCH_DEB_PACKAGES)
build/.deps-ok build/.bench-deps-ok: mk/deps.mk
	@missing=$$(for p in $(PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing$$(printf ' %s' $$missing)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "deps: missing Debian packages; run:"; \
	    echo "  sudo apt-get install -y$$(printf ' %s' $$missing)"; \
	    exit 1; \
	  fi; \
	fi
	@mkdir -p $(@D) && touch $@
