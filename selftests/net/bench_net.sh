#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_net.sh: guest -> tap transmit rate through /dev/vhost-net, in one VM
# boot: vhost-accel's vhost_net (TUN_MSG_PTR batches of 64, then tx_batch=0:
# one sendmsg per packet) and, when its module is installed (Debian kernel),
# the distribution's vhost_net. Absolute numbers under emulation mean
# little; compare the ratios. Leaves our vhost_net loaded. Not in the suite.
#
#   selftests/vm/run.sh --kernel distro -- selftests/net/bench_net.sh
#
#   vha-net-test bench (guest TX ring, kept full) -> /dev/vhost-net -> tap
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
bin=$VHA_BIN/vha-net-test

run() {
	echo "# ===== $1"
	"$bin" bench | grep -E '^# bench|^not ok'
}

run "vhost-accel vhost_net, tx_batch=64 (default)"
rmmod vhost_net && insmod "$VHA_KMOD/vhost_net.ko" tx_batch=0 &&
	run "vhost-accel vhost_net, tx_batch=0"
rmmod vhost_net
if modprobe vhost_net 2>/dev/null; then
	run "distribution vhost_net ($(modinfo -F filename vhost_net))"
	modprobe -r vhost_net
else
	echo "# distribution vhost_net not available on this kernel"
fi
insmod "$VHA_KMOD/vhost_net.ko"
