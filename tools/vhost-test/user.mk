# SPDX-License-Identifier: GPL-2.0
#
# tools/vhost-test: the userspace virtio driver library (vhost_client.c on
# top of vring_driver.c) and the vhost-test CLI. Outputs in $(OUT)/bin.

VT_DIR := tools/vhost-test
VT_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I$(VT_DIR) -Iinclude
VT_LIB_SRCS := $(VT_DIR)/vhost_client.c $(VT_DIR)/vring_driver.c \
	$(VT_DIR)/vq_counters.c
VT_LIB_HDRS := $(VT_DIR)/vhost_client.h $(VT_DIR)/vring_driver.h \
	$(VT_DIR)/vq_counters.h \
	include/uapi/linux/vhost_accel.h
# The virtio-blk driver on top of it, for /dev/vhost-blk.
VT_BLK_SRCS := $(VT_DIR)/blk_client.c
VT_BLK_HDRS := $(VT_DIR)/blk_client.h include/uapi/linux/vhost_blk.h
VT_CLI := $(OUT)/bin/vhost-test

$(VT_CLI): $(VT_DIR)/vhost_test_cli.c $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -o $@ $(filter %.c,$^)

USER_TARGETS += $(VT_CLI)
