# SPDX-License-Identifier: GPL-2.0
#
# selftests/races: vha-vmm-race, a hostile VMM racing its guest traffic on
# /dev/vhost-net and /dev/vhost-blk (run by selftests/races/test_races.sh).

RACE_TEST := $(OUT)/bin/vha-vmm-race
RACE_SRCS := selftests/races/vmm_race.c selftests/races/owner.c selftests/net/net_lib.c

$(RACE_TEST): $(RACE_SRCS) selftests/races/race.h selftests/net/net_lib.h $(VT_BLK_SRCS) $(VT_BLK_HDRS) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -Iselftests/net -Iselftests/races -o $@ $(filter %.c,$^) -lpthread

USER_TARGETS += $(RACE_TEST)
