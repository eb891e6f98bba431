#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every ioctl of the vhost core through /dev/vhost-test: QEMU's sequence and
# the abnormal ones, each with the errno it must get (ioctl_test.c), then a
# check that closing every fd released every device and worker.
#
#   vha-core-ioctl-test -> /dev/vhost-test -> vhost_accel (core, workers)
set -uo pipefail

bin=$VHA_BIN/vha-core-ioctl-test
if [ ! -x "$bin" ]; then
	echo "TAP version 13"; echo "1..1"
	echo "not ok 1 - $bin missing (make user)"
	exit 1
fi
# Run the owner in a cgroup of its own, so that "the worker is in the
# owner's cgroup" cannot pass by both being in the root.
cg=/sys/fs/cgroup
[ -e "$cg/cgroup.procs" ] || mount -t cgroup2 none "$cg" 2>/dev/null
mkdir -p "$cg/vha-owner" 2>/dev/null
echo $$ > "$cg/vha-owner/cgroup.procs" 2>/dev/null
echo "# owner cgroup: $(cat /proc/self/cgroup)"
"$bin" /dev/vhost-test
rc=$?
echo $$ > "$cg/cgroup.procs" 2>/dev/null
rmdir "$cg/vha-owner" 2>/dev/null
# Workers are named vhost-<owner pid>; none may survive their device.
sleep 1
left=$(grep -l '^vhost-' /proc/[0-9]*/comm 2>/dev/null | wc -l)
echo "# worker threads left after closing every fd: $left"
if [ "$left" != 0 ]; then
	echo "not ok - worker threads left: $left"
	exit 1
fi
exit $rc
