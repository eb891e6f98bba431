# SPDX-License-Identifier: GPL-2.0
#
# tools/blk-uring: blk_uring, a userspace virtio-blk device on io_uring
# serving the same guest rings as /dev/vhost-blk, parsed by vringh/ in its
# userspace build (vringh/test/env_user.h); the competitor in vha-blk-bench
# (selftests/blk/user.mk). No program of its own: a user compiles
# BLK_URING_SRCS with BLK_URING_CFLAGS and links BLK_URING_LIBS.

BLK_URING_DIR := tools/blk-uring
BLK_URING_SRCS := $(BLK_URING_DIR)/blk_uring.c $(VRINGH_SRCS)
BLK_URING_HDRS := $(BLK_URING_DIR)/blk_uring.h $(wildcard vringh/*.h) \
	vringh/test/env_user.h
# EXPORT_SYMBOL_GPL is a kernel-only notion (as in vringh/user.mk).
BLK_URING_CFLAGS := -I$(BLK_URING_DIR) -I. \
	-D'EXPORT_SYMBOL_GPL(sym)=extern int vha_no_export'
BLK_URING_LIBS := -luring -lpthread
