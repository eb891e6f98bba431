# SPDX-License-Identifier: GPL-2.0
#
# selftests/core: test programs for the VM suite (run by test_*.sh here),
# built into $(OUT)/bin on top of the tools/vhost-test library.

CORE_TEST := $(OUT)/bin/vha-core-ioctl-test

$(CORE_TEST): selftests/core/ioctl_test.c $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -o $@ $(filter %.c,$^)

USER_TARGETS += $(CORE_TEST)
