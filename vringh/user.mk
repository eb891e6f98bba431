# SPDX-License-Identifier: GPL-2.0
#
# vringh/ in userspace: the same ring .c files the kernel module uses, built
# with vringh/test/env_user.h, plus the driver in tools/vhost-test.
#   vringh-test     unit tests (gcc, -Werror) and the same under ASan/UBSan
#   vringh-fuzz     libFuzzer target; `make vringh-fuzz-long` runs it longer
#   vringh-bench    chains/s, split vs packed, batch sizes 1..64
# Outputs in $(OUT)/vringh/.

VRINGH_OUT := $(OUT)/vringh
VRINGH_SRCS := vringh/ring.c vringh/split.c vringh/packed.c vringh/iov.c
VRINGH_FIX := vringh/test/fixture.c tools/vhost-test/vring_driver.c
VRINGH_HDRS := $(wildcard vringh/*.h vringh/test/*.h tools/vhost-test/vring_driver.h)
# EXPORT_SYMBOL_GPL is a kernel-only notion (see vringh/test/env_user.h).
VRINGH_CFLAGS := -std=gnu11 -I. -Wall -Wextra -Werror -g \
	-D'EXPORT_SYMBOL_GPL(sym)=extern int vha_no_export'
VRINGH_CLANG ?= clang
VRINGH_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
VRINGH_FUZZ_SECONDS ?= 3600

VRINGH_TEST := $(VRINGH_OUT)/test_ring
VRINGH_TEST_SAN := $(VRINGH_OUT)/test_ring_san
VRINGH_FUZZER := $(VRINGH_OUT)/fuzz_ring
VRINGH_BENCH := $(VRINGH_OUT)/bench_ring

$(VRINGH_TEST): vringh/test/test_ring.c $(VRINGH_SRCS) $(VRINGH_FIX) $(VRINGH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VRINGH_CFLAGS) -O2 -o $@ $(filter %.c,$^)

$(VRINGH_TEST_SAN): vringh/test/test_ring.c $(VRINGH_SRCS) $(VRINGH_FIX) $(VRINGH_HDRS)
	@mkdir -p $(@D)
	$(VRINGH_CLANG) $(VRINGH_CFLAGS) -O1 $(VRINGH_SAN) -o $@ $(filter %.c,$^)

$(VRINGH_FUZZER): vringh/test/fuzz_ring.c $(VRINGH_SRCS) $(VRINGH_FIX) $(VRINGH_HDRS)
	@mkdir -p $(@D)
	$(VRINGH_CLANG) $(VRINGH_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(filter %.c,$^)

$(VRINGH_BENCH): vringh/test/bench_ring.c $(VRINGH_SRCS) $(VRINGH_FIX) $(VRINGH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VRINGH_CFLAGS) -O2 -DNDEBUG -o $@ $(filter %.c,$^)

.PHONY: vringh-test vringh-fuzz vringh-fuzz-long vringh-bench
vringh-test: $(VRINGH_TEST) $(VRINGH_TEST_SAN)
vringh-fuzz: $(VRINGH_FUZZER)

# The long campaign: a copy of the seed corpus grows in build/, the checked-in
# seeds stay small.
vringh-fuzz-long: $(VRINGH_FUZZER)
	@mkdir -p $(VRINGH_OUT)/corpus
	$(VRINGH_FUZZER) -max_total_time=$(VRINGH_FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(VRINGH_OUT)/ \
		$(VRINGH_OUT)/corpus vringh/test/corpus

vringh-bench: $(VRINGH_BENCH)
	$(VRINGH_BENCH)

USER_TARGETS += $(VRINGH_TEST) $(VRINGH_TEST_SAN) $(VRINGH_FUZZER) $(VRINGH_BENCH)
USER_TESTS += $(VRINGH_TEST) $(VRINGH_TEST_SAN) vringh/test/fuzz-smoke.sh
USER_BENCHES += $(VRINGH_BENCH)

# Line/branch coverage of vringh/*.c reached by the unit tests and by a fuzz
# corpus (default: the long campaign's corpus plus the seeds).
VRINGH_COV_FLAGS := -O0 -fprofile-instr-generate -fcoverage-mapping
VRINGH_LLVM_COV ?= llvm-cov-14
VRINGH_LLVM_PROFDATA ?= llvm-profdata-14
VRINGH_COV_CORPUS ?= $(VRINGH_OUT)/corpus vringh/test/corpus

.PHONY: vringh-cov
vringh-cov:
	@mkdir -p $(VRINGH_OUT)/cov
	$(VRINGH_CLANG) $(VRINGH_CFLAGS) $(VRINGH_COV_FLAGS) -o $(VRINGH_OUT)/cov/test_ring \
		vringh/test/test_ring.c $(VRINGH_SRCS) $(VRINGH_FIX)
	$(VRINGH_CLANG) $(VRINGH_CFLAGS) $(VRINGH_COV_FLAGS) -fsanitize=fuzzer \
		-o $(VRINGH_OUT)/cov/fuzz_ring vringh/test/fuzz_ring.c $(VRINGH_SRCS) $(VRINGH_FIX)
	cd $(VRINGH_OUT)/cov && LLVM_PROFILE_FILE=unit.profraw ./test_ring >/dev/null
	LLVM_PROFILE_FILE=$(VRINGH_OUT)/cov/fuzz.profraw $(VRINGH_OUT)/cov/fuzz_ring -runs=0 \
		$(wildcard $(VRINGH_COV_CORPUS)) >/dev/null 2>&1
	$(VRINGH_LLVM_PROFDATA) merge -o $(VRINGH_OUT)/cov/unit.profdata $(VRINGH_OUT)/cov/unit.profraw
	$(VRINGH_LLVM_PROFDATA) merge -o $(VRINGH_OUT)/cov/fuzz.profdata $(VRINGH_OUT)/cov/fuzz.profraw
	@echo "== unit tests"
	@$(VRINGH_LLVM_COV) report $(VRINGH_OUT)/cov/test_ring \
		-instr-profile=$(VRINGH_OUT)/cov/unit.profdata $(VRINGH_SRCS) vringh/internal.h
	@echo "== fuzz corpus: $(wildcard $(VRINGH_COV_CORPUS))"
	@$(VRINGH_LLVM_COV) report $(VRINGH_OUT)/cov/fuzz_ring \
		-instr-profile=$(VRINGH_OUT)/cov/fuzz.profdata $(VRINGH_SRCS) vringh/internal.h
