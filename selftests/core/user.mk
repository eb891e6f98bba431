# SPDX-License-Identifier: GPL-2.0
#
# selftests/core: test programs for the VM suite (run by test_*.sh here),
# built into $(OUT)/bin on top of the tools/vhost-test library.

CORE_TEST := $(OUT)/bin/vha-core-ioctl-test
CORE_HOSTILE_TEST := $(OUT)/bin/vha-core-hostile-test
CORE_LIB := selftests/core/core_lib.c selftests/core/core_lib.h

$(CORE_TEST): selftests/core/ioctl_test.c $(CORE_LIB) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -Iselftests/core -o $@ $(filter %.c,$^)

# Hostile VMMs and guests against the core: races, IOTLB, dirty log.
$(CORE_HOSTILE_TEST): selftests/core/hostile_test.c $(CORE_LIB) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -Iselftests/core -o $@ $(filter %.c,$^) -lpthread

# The per-device, per-queue counters in debugfs.
CORE_COUNTERS_TEST := $(OUT)/bin/vha-core-counters-test

$(CORE_COUNTERS_TEST): selftests/core/vq_counters_test.c $(CORE_LIB) $(VT_LIB_SRCS) $(VT_LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VT_CFLAGS) -Iselftests/core -o $@ $(filter %.c,$^)

USER_TARGETS += $(CORE_TEST) $(CORE_HOSTILE_TEST) $(CORE_COUNTERS_TEST)

# Linux's own tools/virtio/virtio_test, an independent driver for
# /dev/vhost-test, built from Debian's linux-source.
CORE_VIRTIO_TEST := $(OUT)/bin/virtio_test

$(CORE_VIRTIO_TEST): selftests/core/build-virtio-test.sh
	@mkdir -p $(@D)
	./selftests/core/build-virtio-test.sh $(@D)

USER_TARGETS += $(CORE_VIRTIO_TEST)
