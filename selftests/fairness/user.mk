# SPDX-License-Identifier: GPL-2.0
#
# selftests/fairness: vha-fairness, one device flooding its queues beside
# another owner's device (selftests/fairness/test_fairness.sh in the suite,
# selftests/fairness/bench_fairness.sh for make bench-fairness).

FAIRNESS := $(OUT)/bin/vha-fairness
FAIRNESS_SRCS := selftests/fairness/fairness.c selftests/net/net_lib.c

$(FAIRNESS): $(FAIRNESS_SRCS) selftests/net/net_lib.h $(VT_BLK_SRCS) $(VT_BLK_HDRS) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -Iselftests/net -o $@ $(filter %.c,$^)

USER_TARGETS += $(FAIRNESS)
