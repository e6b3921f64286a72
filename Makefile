# The container lab kit: one directory per isolation layer, each a complete
# program that adds one layer to the previous step's. See README.md.
#
#   make            build every step
#   make rootfs     build the busybox image (ROOTFS_TAR=alpine.tar.gz to import one)
#   make check      run the tests (STEP=03 for one step's tests): each step's tests against
#                   its own program and the last one, the grader, a short soak
#   make check MATRIX=rest   the rest (CI's second job): each step's tests against the
#                   programs in between, and each empty skeleton against the earlier steps' tests
#   make check MATRIX=full   both, in one matrix (no soak)
#   make check SOLUTION=DIR   grade a student's copy of the steps; fails unless full marks
#   make check EX=2 SOLUTION=DIR   grade a student's practice exercise 2 (section 7), requirement
#                   by requirement (build/grade/ex02/); fails unless full marks
#   make grade [SOLUTION=DIR] [STEP=03]   the score table, JSON and JUnit (build/grade/); the
#                   exNN_* directories in SOLUTION are graded too
#   make grade CLASS=DIR [STEP=03]   every student's hand-in (DIR/NAME/step*, ex*):
#                   build/grade/class.csv, class.html, students/NAME/results.json
#   make exercise STEP=03 DEST=DIR   a learner's starting point: step 03, its new layer as TODOs
#   make exercise EX=1 DEST=DIR      the starter of practice exercise 1..4: DIR/ex01_namespaces
#   make check SANITIZE=1   the same, every step built with ASan + UBSan
#   make analyze    static analysis: cppcheck and gcc -fanalyzer over every step
#   make soak       1000 runs mixing every way a container ends; then nothing may be left
#   make check-vm   run steps 06-09's tests in a qemu VM with a pure cgroup v2 kernel
#   make check-vm NESTED=1   their cgroup tests there as inside a container (its own cgroup namespace)
#   make check-nested   each step's tests in the devcontainer (Debian 13), nested in podman
#   make vm         no root needed: a root shell in a throwaway qemu VM with a copy of the kit
#                   (CMD='...': run that command there instead)
#   make demo       every step once, host vs container side by side (PAUSE=1: wait between steps)
#   make fuzz       fuzz the parsers (config.json, seccomp profiles, options), FUZZ_SECONDS each
#   make mutate     mutation testing: each lesson system call removed, its step's tests must fail (STEP=NN)
#   make bench      start latency and peak memory against runc, crun, unshare; 100 at once
#   make diff STEP=03   what step 03 adds to step 02, its lesson first (FULL=1: support files too)
#   make deps       install the Debian packages the kit needs (VM=1: and make vm's)
#   make reset-host remove what the kit leaves on the host between runs (kit0, its NAT table, its forward rules)
#   make help       this list

SHELL      := /bin/bash
STEPS      := $(sort $(patsubst %/,%,$(wildcard step[0-9][0-9]_*/)))
TOOLS      := $(patsubst tests/tools/%.c,tests/tools/bin/%,$(wildcard tests/tools/*.c))
ROOTFS     ?= rootfs
ROOTFS_TAR ?=

all: $(STEPS)

# The list at the top of this file, which is the one place it is written.
help:
	@sed -n '4,/^$$/{ /^$$/q; s/^# \{0,3\}//; p; }' $(firstword $(MAKEFILE_LIST))

# SANITIZE=1 reaches each step's Makefile (a command-line variable is passed
# down), which builds with ASan + UBSan and rebuilds when the flags change.
# A finding (memory error, undefined behaviour, leak) ends the program at once
# with exit code 66, which no test expects, its report on stderr, where the
# test sees it: the test that triggered it fails. Leaks meant to last until
# exit are in tests/sanitize/lsan-suppressions.txt, each with its reason.
# KIT_SANITIZE tells the tests, for one the sanitizers cannot run under to skip.
ifeq ($(SANITIZE),1)
export KIT_SANITIZE  := 1
export ASAN_OPTIONS  := exitcode=66:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS := exitcode=66:halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS  := suppressions=$(CURDIR)/tests/sanitize/lsan-suppressions.txt:print_suppressions=0
endif

$(STEPS):
	$(MAKE) -C $@

# VM=1: also what make vm and make check-vm need (tests/vm/packages.txt).
deps:
	@scripts/deps.sh $(if $(filter 1,$(VM)),--vm)

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
	@if [ -n "$(EX)" ]; then test -n "$(SOLUTION)" || { echo "usage: make check EX=1 SOLUTION=DIR" >&2; exit 2; }; \
		exec scripts/grade-practice.sh --check $(EX) "$(SOLUTION)"; fi; \
	 if [ -n "$(SOLUTION)" ]; then exec tests/run.sh $(STEP) --solution "$(SOLUTION)"; fi; \
	 if [ "$(MATRIX)" = rest ]; then exec tests/run.sh $(STEP) --matrix rest; fi; \
	 status=0; \
	 if [ -x step09_security/container ] && [ -z "$(STEP)" -o "$(STEP)" = 09 ]; then \
		tests/runc/escape-report.sh || status=$$?; fi; \
	 tests/run.sh $(STEP) --matrix $(MATRIX) $(if $(filter 1,$(SANITIZE)),--no-grading) || status=$$?; \
	 if [ -z "$(STEP)" ] && [ "$(MATRIX)" != full ]; then tests/soak/soak.sh --runs $(CHECK_SOAK_RUNS) || status=$$?; fi; \
	 exit $$status

# Which cells of the test matrix make check runs (tests/run.sh --matrix):
# own-and-last: about 18 minutes on 2 cores (the whole matrix took 40); CI runs rest as well.
# own: each step's tests against its own program alone (the sanitizer and nested runs).
MATRIX ?= own-and-last

# The leak soak (tests/soak/soak.sh): SOAK_RUNS runs of the last step's program
# (SOAK_STEP=NN for another), SOAK_JOBS at once, mixing normal and non-zero
# exits, signals, setup failures and the runtime's lifecycle; then nothing may
# be left on the host. make check runs a short one (CHECK_SOAK_RUNS).
SOAK_RUNS       ?= 1000
SOAK_JOBS       ?= 3
CHECK_SOAK_RUNS ?= 200
soak: deps
	@$(MAKE) --no-print-directory all test-tools
	@tests/soak/soak.sh --runs $(SOAK_RUNS) --jobs $(SOAK_JOBS) $(if $(SOAK_STEP),--step $(SOAK_STEP))

# Grading (scripts/grade.sh): each step of SOLUTION (default: the kit itself)
# built from there and run against the kit's own tests of that step; each
# exNN_* directory graded by scripts/grade-practice.sh. CLASS=DIR: every
# subdirectory of DIR is one student's SOLUTION, graded in a run of its own
# (scripts/grade-class.sh), into one table.
grade: deps
	@$(MAKE) --no-print-directory all test-tools
	@if [ -n "$(CLASS)" ]; then exec scripts/grade-class.sh $(if $(STEP),--step $(STEP)) "$(CLASS)"; fi; \
	 scripts/grade.sh $(if $(STEP),--step $(STEP)) $(SOLUTION)

# A skeleton derived from the solution's /* exercise: */ markers; EX=N: the
# starter of the chapter's practice exercise N (scripts/practice/). A skeleton
# runs on this kit's image and probes (its README: KIT), built here first when
# missing; if they cannot be, the skeleton is still written, its `make rootfs`
# builds them later.
exercise:
	@if [ -n "$(EX)" ]; then test -n "$(DEST)" || { echo "usage: make exercise EX=1 DEST=DIR" >&2; exit 2; }; \
		exec scripts/practice.sh $(EX) $(DEST); fi; \
	 test -n "$(STEP)" -a -n "$(DEST)" || { echo "usage: make exercise STEP=03 DEST=DIR (or EX=1..4)" >&2; exit 2; }; \
	 if [ ! -x $(ROOTFS)/bin/sh ] || [ ! -x $(ROOTFS)/usr/local/bin/$(notdir $(firstword $(TOOLS))) ]; then \
		$(MAKE) --no-print-directory test-tools || \
		echo "make exercise: the kit's image is not built (above): make deps rootfs test-tools, here, before the skeleton's tests" >&2; fi; \
	 scripts/exercise.sh $(STEP) $(DEST)

# This project's hosts are hybrid cgroup v1/v2: the v2 path is proven in a VM
# (tests/vm/README.md): steps VM_FROM.. tests, against the last program only
# (emulation is ~10x slower; the hybrid run of make check covers the matrix),
# and only the tests whose outcome can depend on the cgroup hierarchy: all of
# steps 06-07's; step08's lifecycle, exec, delete and linux.resources; step09's
# but the escape suite and bad input, which run on the host.
# NESTED=1: as a learner runs the kit, inside a container with a cgroup
# namespace of its own (tests/vm/nested-cgroup.sh), and only the tests that
# touch the cgroup tree: step06's, step08's cgroup lifecycle, step09's
# cgroupsPath.
VM_FROM   ?= 06
VM_FILTER ?= ^(cgroups|overlay|ipc|security|seccomp|masked|read-only|leaks|devices):|^runtime: (create|exec|delete|linux.resources)
VM_NESTED_FILTER ?= ^cgroups:|^runtime: (create, state|delete removes|exec joins|kill --all|linux.resources)|^oci: linux.sysctl, cgroupsPath
check-vm:
	@scripts/deps.sh --vm
	@$(MAKE) --no-print-directory all test-tools
	@VM_TIMEOUT=$${VM_TIMEOUT:-1200} tests/vm/run-in-vm.sh $(if $(filter 1,$(NESTED)),--nested-cgroup) \
		tests/run.sh --from $(VM_FROM) --last --filter '$(if $(filter 1,$(NESTED)),$(VM_NESTED_FILTER),$(VM_FILTER))'

# A machine of one's own, for a learner without root (tests/vm/README.md): the
# kit built here, as the user, then a root shell in a throwaway VM with a copy
# of it; CMD='...' runs that command there instead (make's status is then 2
# if it fails; tests/vm/run-in-vm.sh itself exits with the command's).
vm: export VM_CMD = $(value CMD)
vm:
	@scripts/deps.sh --vm
	@$(MAKE) --no-print-directory all test-tools
	@if [ -n "$$VM_CMD" ]; then exec tests/vm/run-in-vm.sh bash -c "$$VM_CMD"; fi; \
	 exec tests/vm/run-in-vm.sh --shell

# Where learners on macOS or Windows are: the kit in its devcontainer
# (.devcontainer/), on a Debian 13 image built from Debian's packages, run
# privileged with its own cgroup namespace (tests/nested/run.sh): each step's
# tests against its own program. CMD='...' runs that instead.
check-nested: export NESTED_CMD = $(value CMD)
check-nested:
	@scripts/deps.sh --for nested
	@if [ -n "$$NESTED_CMD" ]; then exec tests/nested/run.sh -- sh -c "$$NESTED_CMD"; fi; \
	 exec tests/nested/run.sh

# libFuzzer on the parsers, bounded (tests/fuzz/README.md); no container runs.
FUZZ_SECONDS ?= 50
fuzz:
	@scripts/deps.sh --for fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

# Mutation testing (tests/mutate/): each line of mutations.tsv alone, applied
# to a scratch copy of its step (build/mutate/), built, and that step's tests
# run against it; a mutant no test kills fails the run unless accepted with
# its reason. Each mutant holds the test lock only for its own tests.
mutate: deps
	@$(MAKE) --no-print-directory all test-tools
	@tests/mutate/mutate.sh $(if $(STEP),--step $(STEP))

# Static analysis: cppcheck and gcc -fanalyzer over every step (STEP=NN for
# one), each suppression with its reason (tests/static/).
analyze: deps
	@scripts/deps.sh --for static
	@tests/static/analyze.sh $(STEP)

# A benchmark, not a test: the numbers go to build/bench/report.txt (tests/bench/README.md).
build/bench/benchtime: tests/bench/benchtime.c
	@mkdir -p build/bench
	$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -o $@ $<

bench: deps
	@scripts/deps.sh --for bench
	@$(MAKE) --no-print-directory all rootfs build/bench/benchtime
	@tests/bench/bench.sh

# The instructor's tour (scripts/demo.sh): PAUSE=1 waits for Enter between
# steps, DEMO_STEPS="04 06" shows only those. The probes (memhog, forkbomb, ...)
# go into the rootfs for the cgroup and security steps.
demo: deps
	@$(MAKE) --no-print-directory all test-tools
	@scripts/demo.sh

# What step STEP adds to the one before it, lesson first (scripts/diff.sh):
# the LESSON files, the wiring, earlier layers adapted, then one line per
# support file (FULL=1: their whole diff). Not the README, tests or binaries.
diff:
	@test -n "$(STEP)" || { echo "usage: make diff STEP=03 [FULL=1]" >&2; exit 2; }
	@scripts/diff.sh $(STEP) $(if $(FULL),--full)

# The newest step with a network layer knows how to undo it.
reset-host:
	@for s in $(sort $(wildcard step0[4-9]_*/container)); do last=$$s; done; \
	 if [ -n "$$last" ]; then $$last --reset-host; else echo "reset-host: no step with a network is built"; fi

clean:
	for s in $(STEPS); do $(MAKE) -C $$s clean; done
	rm -rf tests/tools/bin build

.PHONY: all help $(STEPS) deps rootfs test-tools check check-vm check-nested vm grade exercise fuzz mutate demo analyze soak bench diff reset-host clean
