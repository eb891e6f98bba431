# SPDX-License-Identifier: GPL-2.0
#
# tools/vnet-user: vnet_user, a userspace virtio-net device on a tap
# serving the same guest rings as /dev/vhost-net, the way QEMU does with
# vhost=off, parsed by vringh/ in its userspace build; the third side of
# vha-net-bench (selftests/net/user.mk, -b user). No program of its own: a
# user compiles VNET_USER_SRCS with VNET_USER_CFLAGS and links
# VNET_USER_LIBS. Its host unit test $(OUT)/vnet-user/test_vnet_user (and
# the same under ASan/UBSan) runs in `make check`.

VNET_USER_DIR := tools/vnet-user
VNET_USER_SRCS := $(VNET_USER_DIR)/vnet_user.c $(VRINGH_SRCS)
VNET_USER_HDRS := $(VNET_USER_DIR)/vnet_user.h $(wildcard vringh/*.h) \
	vringh/test/env_user.h
# EXPORT_SYMBOL_GPL is a kernel-only notion (as in vringh/user.mk).
VNET_USER_CFLAGS := -I$(VNET_USER_DIR) -I. \
	-D'EXPORT_SYMBOL_GPL(sym)=extern int vha_no_export'
VNET_USER_LIBS := -lpthread

VNET_USER_TEST := $(OUT)/vnet-user/test_vnet_user
VNET_USER_TEST_SAN := $(OUT)/vnet-user/test_vnet_user_san
VNET_USER_TEST_SRCS := $(VNET_USER_DIR)/test/test_vnet_user.c \
	tools/vhost-test/vring_driver.c $(VNET_USER_SRCS)
VNET_USER_TEST_CFLAGS := -std=gnu11 -g -Wall -Wextra -Werror \
	-Itools/vhost-test $(VNET_USER_CFLAGS)

$(VNET_USER_TEST): $(VNET_USER_TEST_SRCS) $(VNET_USER_HDRS) tools/vhost-test/vring_driver.h
	@mkdir -p $(@D)
	$(CC) $(VNET_USER_TEST_CFLAGS) -O2 -o $@ $(filter %.c,$^) $(VNET_USER_LIBS)

$(VNET_USER_TEST_SAN): $(VNET_USER_TEST_SRCS) $(VNET_USER_HDRS) tools/vhost-test/vring_driver.h
	@mkdir -p $(@D)
	$(VRINGH_CLANG) $(VNET_USER_TEST_CFLAGS) -O1 $(VRINGH_SAN) -o $@ \
		$(filter %.c,$^) $(VNET_USER_LIBS)

USER_TARGETS += $(VNET_USER_TEST) $(VNET_USER_TEST_SAN)
USER_TESTS += $(VNET_USER_TEST) $(VNET_USER_TEST_SAN)
