# SPDX-License-Identifier: GPL-2.0
#
# selftests/fuzz: vha-fuzz-kernel, the fuzzer for the real modules (run in
# the VM by selftests/fuzz/test_fuzz.sh, and `make fuzz-kernel`).

FUZZ_KERNEL := $(OUT)/bin/vha-fuzz-kernel
FUZZ_KERNEL_SRCS := selftests/fuzz/fuzz.c selftests/fuzz/prog.c selftests/fuzz/exec.c

$(FUZZ_KERNEL): $(FUZZ_KERNEL_SRCS) selftests/fuzz/fuzz.h include/uapi/linux/vhost_accel.h include/uapi/linux/vhost_blk.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -o $@ $(FUZZ_KERNEL_SRCS) -lpthread

USER_TARGETS += $(FUZZ_KERNEL)
