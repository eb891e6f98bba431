#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The device nodes our modules create exist as character devices, mode
# 0600, owned by root:root, with the misc minor the ABI fixes where it fixes
# one (/dev/vhost-net is misc minor 238, as the distribution's; /dev/vhost-blk
# 246, from the range devices.txt reserves for local use, so that its
# devname alias can autoload the module).
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"

# module node fixed-minor ("-" for a dynamic minor)
nodes="vhost_accel_test vhost-test -
vhost_net vhost-net 238
vhost_blk vhost-blk 246"

mods=$("$VHA_ROOT/scripts/vha-modules.sh" list "$VHA_KMOD")
want=""
while read -r mod node minor; do
	echo " $mods " | tr '\n' ' ' | grep -q " $mod " && want="$want$mod $node $minor
"
done <<< "$nodes"

if [ -z "$want" ]; then
	tap_plan 1
	tap_not_ok "a module that creates a device node is built (none in $VHA_KMOD)"
	exit 1
fi
tap_plan $(($(printf '%s' "$want" | grep -c .) * 2))

while read -r mod node minor; do
	[ -n "$mod" ] || continue
	dev=/dev/$node
	if [ -c "$dev" ] && [ "$(stat -c '%a %U %G' "$dev")" = "600 root root" ]; then
		tap_ok "$mod: $dev is a char device, 0600 root:root"
	else
		tap_not_ok "$mod: $dev is a char device, 0600 root:root (got: $(stat -c '%F %a %U %G' "$dev" 2>&1))"
	fi
	misc=$(awk -v n="$node" '$2 == n { print $1 }' /proc/misc)
	if [ -z "$misc" ]; then
		tap_not_ok "$mod: $node registered in /proc/misc"
	elif [ "$minor" = - ] || [ "$misc" = "$minor" ]; then
		tap_ok "$mod: $node is misc minor $misc"
	else
		tap_not_ok "$mod: $node is misc minor $misc, expected $minor"
	fi
done <<< "$want"
tap_done
