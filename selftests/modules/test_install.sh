#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The drop-in install: after scripts/install.sh (what `make install` runs),
# `modprobe vhost_net` and the automatic load on opening /dev/vhost-net
# (misc minor 238) pick our module; after uninstall, the distribution's.
# The VM's /lib/modules is read-only 9p on Debian's kernel: an overlay on
# tmpfs takes the writes, and goes away with the VM.
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"
loader=$VHA_ROOT/scripts/vha-modules.sh
inst=$VHA_ROOT/scripts/install.sh
rel=$(uname -r)
moddir=/lib/modules/$rel
tap_plan 8

if [ ! -e "$VHA_KMOD/vhost_net.ko" ]; then
	tap_not_ok "our vhost_net is built (not in $VHA_KMOD)"
	exit 1
fi

overlay=0
if ! touch "$moddir/.vha-writable" 2>/dev/null; then
	modprobe overlay
	mkdir -p /tmp/vha-ovl/upper /tmp/vha-ovl/work
	mount -t overlay overlay -o "lowerdir=$moddir,upperdir=/tmp/vha-ovl/upper,workdir=/tmp/vha-ovl/work" "$moddir" &&
		overlay=1
fi
rm -f "$moddir/.vha-writable"

ours() { grep -q O "/sys/module/$1/taint" 2>/dev/null; }

"$loader" unload "$VHA_KMOD"
tap_check "install.sh install puts our modules under updates/ and runs depmod" \
	"$inst" install --kmod "$VHA_KMOD" --release "$rel"

path=$(modinfo -n vhost_net 2>&1)
case "$path" in
*/updates/vhost-accel/vhost_net.ko) tap_ok "modinfo resolves vhost_net to ours ($path)" ;;
*) tap_not_ok "modinfo resolves vhost_net to ours (got $path)" ;;
esac

if modprobe vhost_net && ours vhost_net && ours vhost_accel; then
	tap_ok "modprobe vhost_net loads ours, with the core as a dependency"
else
	tap_not_ok "modprobe vhost_net loads ours, with the core as a dependency"
fi
modprobe -r vhost_net vhost_accel

# Opening misc minor 238 with no driver makes the kernel request
# char-major-10-238, which our module's alias answers.
node=/tmp/vha-vhost-net
rm -f "$node"
mknod -m 0600 "$node" c 10 238
if (exec 3<> "$node") 2>/dev/null && ours vhost_net; then
	tap_ok "opening /dev/vhost-net (10:238) autoloads ours"
else
	tap_not_ok "opening /dev/vhost-net (10:238) autoloads ours"
fi
rm -f "$node"
modprobe -r vhost_net vhost_accel 2>/dev/null

# /dev/vhost-blk has fixed misc minor 246 for the same reason: its
# devname alias lets kmod make the node at boot and the open load it.
node=/tmp/vha-vhost-blk
rm -f "$node"
mknod -m 0600 "$node" c 10 246
if (exec 3<> "$node") 2>/dev/null && ours vhost_blk; then
	tap_ok "opening /dev/vhost-blk (10:246) autoloads vhost_blk"
else
	tap_not_ok "opening /dev/vhost-blk (10:246) autoloads vhost_blk"
fi
rm -f "$node"
modprobe -r vhost_blk vhost_accel 2>/dev/null

tap_check "install.sh uninstall" "$inst" uninstall --release "$rel"
if modprobe vhost_net && [ -e /sys/module/vhost_net ] && ! ours vhost_net; then
	tap_ok "after uninstall, modprobe vhost_net loads the distribution's again"
else
	tap_not_ok "after uninstall, modprobe vhost_net loads the distribution's again"
fi
modprobe -r vhost_net vhost vhost_iotlb 2>/dev/null
[ "$overlay" = 0 ] || umount "$moddir"
tap_check "ours load again for the rest of the suite" "$loader" load "$VHA_KMOD"
tap_done
