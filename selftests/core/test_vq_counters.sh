#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The per-device, per-queue counters in debugfs (vhost_core/dev_debugfs.c):
# the directory's life (SET_OWNER, RESET_OWNER, close), its "device" file,
# and each counter against what the test did to /dev/vhost-test (chains,
# bytes, batches, notifications, kicks, busy-poll, an error by its reason,
# the worker and its CPU time); /dev/vhost-net and /dev/vhost-blk get their
# directories too (their traffic counters: test_net_tx.sh, test_net_rx.sh,
# test_blk_*.sh). Then nothing is left under vhost-accel/.
#
#   vha-core-counters-test -> /dev/vhost-{test,net,blk}
#                          <- /sys/kernel/debug/vhost-accel/<pid>-<type>-<seq>/
set -uo pipefail

bin=$VHA_BIN/vha-core-counters-test
root=/sys/kernel/debug/vhost-accel
if [ ! -x "$bin" ]; then
	echo "TAP version 13"; echo "1..1"
	echo "not ok 1 - $bin missing (make user)"
	exit 1
fi
grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs none /sys/kernel/debug
modprobe vhost_net 2>/dev/null
modprobe vhost_blk 2>/dev/null
"$bin"
rc=$?
left=$(find "$root" -mindepth 1 -maxdepth 1 -name "*-*-*" 2>/dev/null | wc -l)
echo "# device directories left under $root after every fd closed: $left"
if [ "$left" != 0 ]; then
	ls -l "$root" | sed 's/^/# /'
	echo "not ok - device directories left: $left"
	exit 1
fi
exit $rc
