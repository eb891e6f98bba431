# SPDX-License-Identifier: GPL-2.0
#
# tools/vhost-user-blk: the vhost-user-blk daemon, a bridge from QEMU's
# vhost-user-blk-pci to /dev/vhost-blk. Output: $(OUT)/bin/vhost-user-blk.

VUB_DIR := tools/vhost-user-blk
VUB_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-I$(VUB_DIR) -Iinclude
VUB_SRCS := $(addprefix $(VUB_DIR)/,main.c session.c vring.c memory.c \
	map.c disk.c kdev.c msg.c log.c)
VUB_HDRS := $(wildcard $(VUB_DIR)/*.h) include/uapi/linux/vhost_blk.h
VUB_BIN := $(OUT)/bin/vhost-user-blk

$(VUB_BIN): $(VUB_SRCS) $(VUB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VUB_CFLAGS) -o $@ $(VUB_SRCS)

USER_TARGETS += $(VUB_BIN)

# vha-vub-hostile: a hostile front-end for the daemon, run by
# selftests/blk/e2e_vhost_user.sh (its rule is here, with the protocol
# header it shares).
VUB_HOSTILE := $(OUT)/bin/vha-vub-hostile

$(VUB_HOSTILE): selftests/blk/vub_hostile.c $(VUB_DIR)/proto.h
	@mkdir -p $(@D)
	$(CC) $(VUB_CFLAGS) -o $@ selftests/blk/vub_hostile.c

USER_TARGETS += $(VUB_HOSTILE)
