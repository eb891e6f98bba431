# SPDX-License-Identifier: GPL-2.0
#
# Shared set-up of the vhost-net VM tests: tun present, debugfs mounted (for
# our counters), and /dev/vhost-net answered by vhost-accel's vhost_net, not
# the distribution's. On failure prints a one-point TAP plan saying why.

net_fail() {
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 - $*"
	exit 1
}

net_prepare() {
	[ -c /dev/net/tun ] || modprobe tun 2>/dev/null
	[ -c /dev/net/tun ] || net_fail "no /dev/net/tun (tun not available)"
	grep -q ' /sys/kernel/debug ' /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
	grep -q O /sys/module/vhost_net/taint 2>/dev/null ||
		net_fail "vhost_net loaded is not vhost-accel's (or not loaded)"
	[ -c /dev/vhost-net ] || net_fail "no /dev/vhost-net"
	[ -x "$VHA_BIN/vha-net-test" ] || net_fail "$VHA_BIN/vha-net-test missing (make user)"
}
