# SPDX-License-Identifier: GPL-2.0
#
# vhost-accel: top-level build. Kernel modules go through Kbuild (see ./Kbuild);
# userspace parts (ring unit tests, fuzzer, the vhost-test driver) are plain
# make fragments named */user.mk, all building into build/user/.
#
#   make               modules for KDIR + userspace tools
#   make check         the test command: deps, build, unit tests, VM tests
#   make check-flavours  the VM suite on Debian's cloud and rt kernels
#   make check-migration  live migration of a nested guest alone (VM; also in check)
#   make demo          the main job: boot a VM, load the modules, show them
#   make W=1 / C=2     extra warnings / sparse on the modules
#   make checkpatch    the kernel's checkpatch.pl on our files
#   make bench         every benchmark (rings; net, blk, scaling in one VM boot):
#                      tables, build/bench/*.json, PNG plots
#   make bench-readme  make bench, then the README's Benchmarks figures from it
#   make bench-ring    the userspace ring microbenchmarks only
#   make bench-net     vhost_net vs the distribution's, in one VM boot
#   make bench-ab A=rev [B=rev]  our vhost_net at two git revisions, one VM boot
#   make bench-profile [PROFILE="tx packed"]  perf profile of a 64 B net run (VM)
#   make bench-blk     vhost_blk vs a userspace io_uring device vs fio
#   make bench-fairness  one device flooding beside another owner's (VM)
#   make deb           Debian packages (dkms + tools) in build/deb, lintian-checked

KDIR ?= $(shell $(CURDIR)/scripts/find-kdir.sh)
KRELEASE = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# Modules are built in a copy of the sources per kernel release, so that
# objects for Debian's kernel and for the debug test kernel never mix.
KOBJ ?= $(CURDIR)/build/$(KRELEASE)
OUT ?= $(CURDIR)/build/user

KSRC_DIRS := $(wildcard include vringh vhost_core vhost_net vhost_blk vhost_test)

export OUT

.PHONY: all modules user check check-flavours demo bench bench-ring bench-readme bench-net bench-ab bench-profile bench-blk bench-fairness fuzz fuzz-kernel checkpatch clean print-user-tests install uninstall deb

all: modules user

modules:
	@test -n "$(KRELEASE)" || { echo "no kernel build tree at KDIR=$(KDIR)"; exit 1; }
	@mkdir -p $(KOBJ)
	@rsync -a --delete --include='*/' --include='*.c' --include='*.h' --include='Kbuild' \
		--exclude='*' Kbuild $(KSRC_DIRS) $(KOBJ)/
	$(MAKE) -C $(KDIR) M=$(KOBJ) modules

USER_MKS := $(wildcard */user.mk tools/*/user.mk selftests/*/user.mk)
USER_TARGETS :=
USER_TESTS :=
USER_BENCHES :=
include $(USER_MKS)

user: $(USER_TARGETS)

# The userspace test programs `make check` runs (each prints TAP).
print-user-tests:
	@for t in $(USER_TESTS); do echo $$t; done

check:
	./selftests/check.sh

# The VM suite on Debian's cloud and rt kernel flavours (not in `make check`).
check-flavours:
	./selftests/check-flavours.sh

# Live migration of a nested guest on vhost=on and vhost-user-blk, split
# and packed rings, in one Debian-kernel VM boot (`make check` runs it too).
.PHONY: check-migration
check-migration: all
	./selftests/vm/run.sh --kernel distro --suite --tests selftests/net/e2e_migrate.sh

demo:
	./selftests/demo.sh

checkpatch:
	./scripts/checkpatch.sh

# Drop-in install over the distribution's vhost_net (DKMS=1: through DKMS).
# DESTDIR=DIR stages the install under DIR (packaging).
install: modules
	./scripts/install.sh install --release $(KRELEASE) --kmod $(KOBJ) $(if $(filter 1,$(DKMS)),--dkms) $(if $(DESTDIR),--root $(DESTDIR))

uninstall:
	./scripts/install.sh uninstall --release $(KRELEASE) $(if $(DESTDIR),--root $(DESTDIR))

# vhost-accel-dkms and vhost-accel-tools .debs in build/deb (debian/).
deb:
	./scripts/build-deb.sh

# Userspace microbenchmarks (ring parsing), on this host: quick.
bench-ring: user
	@for b in $(USER_BENCHES); do echo "== $$b"; $$b || exit 1; done

# The ring microbenchmarks, then every device benchmark (bench-net,
# bench-blk, scaling) in one VM boot: tables, build/bench/*.json (every
# sample, the machine) and PNG plots (scripts/bench-run.sh).
bench: all
	./scripts/bench-run.sh

# make bench (or BENCH_JSON=build/bench/latest.json), then the README's
# Benchmarks figures and docs/bench/*.png rewritten from it.
bench-readme:
	./scripts/bench-readme.sh

# The long fuzz campaign (VRINGH_FUZZ_SECONDS, default 3600).
# vhost_net against the distribution's, alternating in one VM boot.
bench-net: all
	./selftests/vm/run.sh --kernel distro -- selftests/net/bench_net.sh

# vhost_blk against blk_uring (userspace, io_uring) and fio on the backend.
bench-blk: all
	./selftests/vm/run.sh --kernel distro -- selftests/blk/bench_blk.sh

# Our vhost_net at git revision A against B (default: the working tree),
# in one VM boot: what a change bought or cost.
bench-ab:
	./scripts/bench-ab.sh $(A) $(B)

# Where a 64-byte net run's CPU time goes, ours and Debian's (perf, VM).
PROFILE ?= tx split
bench-profile: all
	./selftests/vm/run.sh --kernel distro -- selftests/bench/profile_net.sh $(PROFILE)

# A device saturating its queues beside another owner's device: the
# victim's throughput and latency together/alone, ours and Debian's.
bench-fairness: all
	./selftests/vm/run.sh --kernel distro -- selftests/fairness/bench_fairness.sh

fuzz: vringh-fuzz-long

# The kernel fuzzer on the real modules, in the VM on the debug kernel
# (FUZZ_TIME seconds, default 3600; FUZZ_SEED); a crash is minimised.
fuzz-kernel: all
	./selftests/fuzz/fuzz-kernel.sh

clean:
	rm -rf build
