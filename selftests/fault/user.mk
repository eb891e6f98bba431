# SPDX-License-Identifier: GPL-2.0
#
# selftests/fault: vha-fault-test, systematic fault injection into each
# device (run in the VM on the debug kernel by test_fault.sh).

FAULT_TEST := $(OUT)/bin/vha-fault-test
FAULT_TEST_SRCS := selftests/fault/fault_test.c selftests/core/core_lib.c \
	selftests/net/net_lib.c
FAULT_TEST_HDRS := selftests/core/core_lib.h selftests/net/net_lib.h

$(FAULT_TEST): $(FAULT_TEST_SRCS) $(FAULT_TEST_HDRS) $(VT_BLK_SRCS) $(VT_BLK_HDRS) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -Iselftests/core -Iselftests/net -o $@ $(filter %.c,$^)

USER_TARGETS += $(FAULT_TEST)
