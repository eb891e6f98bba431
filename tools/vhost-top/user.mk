# SPDX-License-Identifier: GPL-2.0
#
# tools/vhost-top: per-virtqueue activity of the open devices, from the
# modules' debugfs counters. Output: $(OUT)/bin/vhost-top; its host unit
# test $(OUT)/vhost-top/test_top (fake debugfs trees, TAP) runs in
# `make check`; selftests/core/test_vhost_top.sh runs it on real devices.

VTOP_DIR := tools/vhost-top
VTOP_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I$(VTOP_DIR)
VTOP_LIB_SRCS := $(addprefix $(VTOP_DIR)/,snapshot.c table.c output.c)
VTOP_SRCS := $(VTOP_DIR)/main.c $(VTOP_DIR)/term.c $(VTOP_LIB_SRCS)
VTOP_HDRS := $(wildcard $(VTOP_DIR)/*.h)
VTOP_BIN := $(OUT)/bin/vhost-top
VTOP_TEST := $(OUT)/vhost-top/test_top

$(VTOP_BIN): $(VTOP_SRCS) $(VTOP_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VTOP_CFLAGS) -o $@ $(filter %.c,$^) -lm

# The test runs the program too: it is told where it is.
$(VTOP_TEST): $(VTOP_DIR)/test/test_top.c $(VTOP_LIB_SRCS) $(VTOP_HDRS) $(VTOP_BIN)
	@mkdir -p $(@D)
	$(CC) $(VTOP_CFLAGS) -DVTOP_BIN='"$(VTOP_BIN)"' -o $@ $(filter %.c,$^) -lm

USER_TARGETS += $(VTOP_BIN) $(VTOP_TEST)
USER_TESTS += $(VTOP_TEST)
