# The container lab kit: one directory per isolation layer, each a complete
# program that adds one layer to the previous step's. See README.md.
#
#   make            build every step
#   make rootfs     build the busybox image (ROOTFS_TAR=alpine.tar.gz to import one)
#   make check      run the tests (STEP=03 for one step's tests)
#   make check-vm   run steps 06-09's tests in a qemu VM with a pure cgroup v2 kernel
#   make bench      start latency and peak memory against runc, crun, unshare; 100 at once
#   make demo       every step once, host vs container side by side
#   make diff STEP=03   what step 03 adds to step 02
#   make deps       install the Debian packages the kit needs
#   make reset-host remove what the kit leaves on the host between runs (kit0, its NAT table)

SHELL      := /bin/bash
STEPS      := $(sort $(patsubst %/,%,$(wildcard step[0-9][0-9]_*/)))
TOOLS      := $(patsubst tests/tools/%.c,tests/tools/bin/%,$(wildcard tests/tools/*.c))
ROOTFS     ?= rootfs
ROOTFS_TAR ?=

all: $(STEPS)

$(STEPS):
	$(MAKE) -C $@

deps:
	@scripts/deps.sh

# Rebuilt only when missing, or when a tarball is given to import.
rootfs:
	@if [ -n "$(ROOTFS_TAR)" ] || [ ! -x $(ROOTFS)/bin/sh ]; then \
		scripts/make-rootfs.sh $(ROOTFS) $(ROOTFS_TAR); fi

# Test-only probes: static, so they run in any rootfs; installed into it.
tests/tools/bin/%: tests/tools/%.c
	@mkdir -p tests/tools/bin
	$(CC) -static -O2 -std=gnu11 -Wall -Wextra -Werror -o $@ $<

test-tools: rootfs $(TOOLS)
	@mkdir -p $(ROOTFS)/usr/local/bin
	@cp $(TOOLS) $(ROOTFS)/usr/local/bin/

check: deps
	@$(MAKE) --no-print-directory all test-tools
	@status=0; \
	 if [ -x step09_security/container ] && [ -z "$(STEP)" -o "$(STEP)" = 09 ]; then \
		tests/runc/escape-report.sh || status=$$?; fi; \
	 tests/run.sh $(STEP) || status=$$?; exit $$status

# This project's hosts are hybrid cgroup v1/v2: the v2 path is proven in a VM
# (tests/vm/README.md): steps VM_FROM.. tests, against the last program only
# (emulation is ~10x slower; the hybrid run of make check covers the matrix),
# and only the tests whose outcome can depend on the cgroup hierarchy: all of
# steps 06-07's; step08's lifecycle, exec, delete and linux.resources; step09's
# but the escape suite and bad input, which run on the host.
VM_FROM   ?= 06
VM_FILTER ?= ^(cgroups|overlay|ipc|security|seccomp|masked|read-only|leaks):|^runtime: (create|exec|delete|linux.resources)
check-vm:
	@scripts/deps.sh --vm
	@$(MAKE) --no-print-directory all test-tools
	@VM_TIMEOUT=$${VM_TIMEOUT:-1200} tests/vm/run-in-vm.sh tests/run.sh --from $(VM_FROM) --last --filter '$(VM_FILTER)'

# A benchmark, not a test: the numbers go to build/bench/report.txt (tests/bench/README.md).
build/bench/benchtime: tests/bench/benchtime.c
	@mkdir -p build/bench
	$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -o $@ $<

bench: deps
	@$(MAKE) --no-print-directory all rootfs build/bench/benchtime
	@tests/bench/bench.sh

demo: deps
	@$(MAKE) --no-print-directory all rootfs
	@scripts/demo.sh

# What step STEP adds to the one before it: sources and docs, not tests or binaries.
diff:
	@test -n "$(STEP)" || { echo "usage: make diff STEP=03" >&2; exit 2; }
	@cur=$$(ls -d step$(STEP)_* 2>/dev/null); \
	 prev=$$(ls -d step$$(printf %02d $$((10#$(STEP) - 1)))_* 2>/dev/null); \
	 test -n "$$cur" -a -n "$$prev" || { echo "make diff: no step $(STEP) or step before it" >&2; exit 2; }; \
	 diff -ruN -x container -x tests $$prev $$cur; test $$? -le 1

# The newest step with a network layer knows how to undo it.
reset-host:
	@for s in $(sort $(wildcard step0[4-9]_*/container)); do last=$$s; done; \
	 if [ -n "$$last" ]; then $$last --reset-host; else echo "reset-host: no step with a network is built"; fi

clean:
	for s in $(STEPS); do $(MAKE) -C $$s clean; done
	rm -rf tests/tools/bin build

.PHONY: all $(STEPS) deps rootfs test-tools check check-vm bench demo diff reset-host clean
