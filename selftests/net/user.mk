# SPDX-License-Identifier: GPL-2.0
#
# selftests/net: the vhost-net test program for the VM suite (run by
# selftests/net/test_*.sh), on top of the tools/vhost-test library.

NET_TEST := $(OUT)/bin/vha-net-test
NET_TEST_SRCS := selftests/net/net_test.c selftests/net/net_lib.c
NET_TEST_HDRS := selftests/net/net_lib.h

$(NET_TEST): $(NET_TEST_SRCS) $(NET_TEST_HDRS) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -Iselftests/net -o $@ $(filter %.c,$^) -lpthread

USER_TARGETS += $(NET_TEST)

NET_SET_CHANNELS := $(OUT)/bin/vha-set-channels

$(NET_SET_CHANNELS): selftests/net/set_channels.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

USER_TARGETS += $(NET_SET_CHANNELS)

# vha-frame-send: frames into a tap from its network side (DPDK test).
NET_FRAME_SEND := $(OUT)/bin/vha-frame-send

$(NET_FRAME_SEND): selftests/net/frame_send.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

USER_TARGETS += $(NET_FRAME_SEND)

# vha-net-bench: packets/s and latency of /dev/vhost-net, or (-b user) of
# vnet_user, the userspace device of tools/vnet-user (make bench-net).
NET_BENCH := $(OUT)/bin/vha-net-bench
NET_BENCH_SRCS := selftests/net/net_bench.c selftests/net/net_lib.c \
	selftests/lib/bench_procs.c

$(NET_BENCH): $(NET_BENCH_SRCS) $(NET_TEST_HDRS) selftests/lib/bench_procs.h $(VT_LIB_SRCS) $(VT_LIB_HDRS) $(VNET_USER_SRCS) $(VNET_USER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) $(VNET_USER_CFLAGS) -Iselftests/net -Iselftests/lib -o $@ $(filter %.c,$^) $(VNET_USER_LIBS)

USER_TARGETS += $(NET_BENCH)
