#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The core under a hostile VMM and guest (hostile_test.c): ioctls racing
# from two threads, SET_VRING_ADDR on a running ring with its IOTLB
# flushed, dirty logging through an IOTLB and of aliased memory, IOTLB
# misses nobody answers, a kick eventfd in error. On the debug kernel the
# races are checked by KASAN and lockdep through the runner.
#
#   vha-core-hostile-test (2 threads) -> /dev/vhost-test -> vhost_accel
set -u
bin=$VHA_BIN/vha-core-hostile-test
if [ ! -x "$bin" ]; then
	echo "TAP version 13"; echo "1..1"
	echo "not ok 1 - $bin missing (make user)"
	exit 1
fi
exec "$bin" "${VHA_RACE_SECONDS:-3}"
