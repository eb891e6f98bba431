#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install.sh install|uninstall [--dkms] [--kmod DIR] [--release R]
#
# Install our modules as a drop-in for the distribution's vhost_net: into
# /lib/modules/R/updates/vhost-accel (depmod prefers updates/), then
# depmod, so `modprobe vhost_net` and the automatic load on opening
# /dev/vhost-net (the module's char-major-10-238 and devname aliases) pick
# ours. With --dkms, register the source with DKMS instead, so every future
# kernel gets a build too. uninstall restores the distribution's modules.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
action=${1:-}
shift || true
dkms=0 kmod="" release=$(uname -r)
while [ $# -gt 0 ]; do
	case "$1" in
	--dkms) dkms=1; shift ;;
	--kmod) kmod=$2; shift 2 ;;
	--release) release=$2; shift 2 ;;
	*) echo "install.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$root/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$root/dkms.conf")
dest=/lib/modules/$release/updates/vhost-accel

install_plain() {
	local ko n=0
	kmod=${kmod:-$root/build/$release}
	mkdir -p "$dest"
	for ko in "$kmod"/*.ko; do
		[ -e "$ko" ] || continue
		install -m 0644 "$ko" "$dest/"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { echo "install.sh: no modules in $kmod (run make first)" >&2; exit 1; }
	depmod -a "$release"
	echo "install.sh: $n modules in $dest; 'modprobe vhost_net' now loads vhost-accel's"
}

install_dkms() {
	local src=/usr/src/$name-$version
	rm -rf "$src"
	mkdir -p "$src"
	cp -a "$root/Kbuild" "$root/dkms.conf" "$src/"
	for d in include vringh vhost_core vhost_net vhost_blk vhost_test; do
		[ -d "$root/$d" ] && cp -a "$root/$d" "$src/"
	done
	dkms add -m "$name" -v "$version" || true
	dkms install -m "$name" -v "$version" -k "$release"
}

uninstall() {
	if command -v dkms > /dev/null && dkms status -m "$name" | grep -q .; then
		dkms remove -m "$name" -v "$version" --all || true
		rm -rf "/usr/src/$name-$version"
	fi
	rm -rf "$dest"
	depmod -a "$release"
	echo "install.sh: removed; 'modprobe vhost_net' loads the distribution's again"
}

case "$action" in
install) if [ "$dkms" = 1 ]; then install_dkms; else install_plain; fi ;;
uninstall) uninstall ;;
*) echo "usage: install.sh install|uninstall [--dkms] [--kmod DIR] [--release R]" >&2; exit 2 ;;
esac
