# SPDX-License-Identifier: GPL-2.0
#
# selftests/blk: the vhost-blk test program for the VM suite (run by
# selftests/blk/test_*.sh), on top of tools/vhost-test's blk_client.

BLK_TEST := $(OUT)/bin/vha-blk-test

$(BLK_TEST): selftests/blk/blk_test.c $(VT_BLK_SRCS) $(VT_BLK_HDRS) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -o $@ $(filter %.c,$^) -lpthread

USER_TARGETS += $(BLK_TEST)
