# SPDX-License-Identifier: GPL-2.0
#
# selftests/blk: the vhost-blk test program for the VM suite (run by
# selftests/blk/test_*.sh), on top of tools/vhost-test's blk_client.

BLK_TEST := $(OUT)/bin/vha-blk-test

$(BLK_TEST): selftests/blk/blk_test.c $(VT_BLK_SRCS) $(VT_BLK_HDRS) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -o $@ $(filter %.c,$^) -lpthread

USER_TARGETS += $(BLK_TEST)

# vha-blk-bench: /dev/vhost-blk against blk_uring (tools/blk-uring) on the
# same guest rings: IOPS, MB/s, CPU per request (make bench-blk).
BLK_BENCH := $(OUT)/bin/vha-blk-bench

$(BLK_BENCH): selftests/blk/blk_bench.c selftests/lib/bench_procs.c selftests/lib/bench_procs.h $(BLK_URING_SRCS) $(BLK_URING_HDRS) $(VT_BLK_SRCS) $(VT_BLK_HDRS) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) $(BLK_URING_CFLAGS) -Iselftests/lib -o $@ $(filter %.c,$^) $(BLK_URING_LIBS)

USER_TARGETS += $(BLK_BENCH)
