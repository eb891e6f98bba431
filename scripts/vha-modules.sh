#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vha-modules.sh load|unload|list [DIR]
#
# Load or unload the project's modules from a build directory (default
# build/$(uname -r)), the core (vhost_accel) first and last. Refuses, with a
# message saying what to do, when a module of the same name that is not
# ours is loaded: the distribution's vhost_net owns /dev/vhost-net, and a
# plain `modprobe vhost_net` would silently keep it.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
action=${1:-}
dir=${2:-$root/build/$(uname -r)}

modules_in() {
	[ -e "$dir/vhost_accel.ko" ] && echo vhost_accel
	local ko m
	for ko in "$dir"/*.ko; do
		[ -e "$ko" ] || continue
		m=$(basename "$ko" .ko)
		[ "$m" = vhost_accel ] || echo "$m"
	done
}

# ours M: a loaded module M is ours if the kernel marked it out-of-tree.
ours() { grep -q O "/sys/module/$1/taint" 2>/dev/null; }

load() {
	local m status=0
	for m in $(modules_in); do
		if [ -e "/sys/module/$m" ]; then
			if ours "$m"; then
				continue
			fi
			echo "vha-modules: the distribution's $m is loaded and owns its device;" >&2
			echo "vha-modules: unload it first ('modprobe -r $m'), then load vhost-accel's $m" >&2
			return 1
		fi
		insmod "$dir/$m.ko" || { echo "vha-modules: insmod $dir/$m.ko failed" >&2; status=1; }
	done
	return $status
}

unload() {
	local m list="" status=0
	for m in $(modules_in); do list="$m $list"; done
	for m in $list; do
		[ -e "/sys/module/$m" ] || continue
		ours "$m" || continue
		rmmod "$m" || status=1
	done
	return $status
}

case "$action" in
load) load ;;
unload) unload ;;
list) modules_in ;;
*) echo "usage: vha-modules.sh load|unload|list [DIR]" >&2; exit 2 ;;
esac
