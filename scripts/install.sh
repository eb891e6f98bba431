#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install.sh install|uninstall [--dkms] [--kmod DIR] [--release R] [--root DIR]
#
# Install our modules as a drop-in for the distribution's vhost_net: into
# /lib/modules/R/updates/vhost-accel (depmod prefers updates/), then
# depmod, so `modprobe vhost_net` and the automatic load on opening
# /dev/vhost-net (the module's char-major-10-238 and devname aliases) pick
# ours. With --dkms, copy the module sources to /usr/src/NAME-VERSION,
# register them with DKMS and let DKMS build and install them for R (into
# /lib/modules/R/updates/dkms); DKMS's kernel hook then builds them for
# every kernel installed later. Either install replaces the other kind.
# uninstall removes both kinds, so the distribution's modules load again.
# --root DIR stages everything under DIR instead of / (DIR/lib/modules,
# DIR/usr/src, DIR/var/lib/dkms; depmod -b DIR), building against the
# real /lib/modules/R/build: for packaging, and for the DKMS test.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
action=${1:-}
shift || true
dkms=0 kmod="" release=$(uname -r) stage=""
while [ $# -gt 0 ]; do
	case "$1" in
	--dkms) dkms=1; shift ;;
	--kmod) kmod=$2; shift 2 ;;
	--release) release=$2; shift 2 ;;
	--root) stage=$(realpath "$2"); shift 2 ;;
	*) echo "install.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$root/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$root/dkms.conf")
modules=$stage/lib/modules
sources=$stage/usr/src
dest=$modules/$release/updates/vhost-accel
headers=/lib/modules/$release/build

die() { echo "install.sh: $*" >&2; exit 1; }

# dkms and depmod on the staged trees (the real ones without --root).
dk() {
	local action=$1
	shift
	if [ -z "$stage" ]; then
		dkms "$action" "$@"
		return
	fi
	mkdir -p "$stage/var/lib/dkms" "$sources"
	dkms "$action" --dkmstree "$stage/var/lib/dkms" --sourcetree "$sources" \
		--installtree "$modules" --kernelsourcedir "$headers" --no-depmod "$@"
}

run_depmod() {
	if [ -z "$stage" ]; then depmod -a "$release"; else depmod -b "$stage" -a "$release"; fi
}

# The module names dkms.conf declares, one a line.
dkms_modules() {
	sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' "$root/dkms.conf"
}

# The versions of our package DKMS knows (added, built or installed).
dkms_versions() {
	command -v dkms > /dev/null || return 0
	dk status -m "$name" | sed -n "s|^$name/\([^,:]*\)[,:].*|\1|p" | sort -u
}

remove_dkms() {
	local v
	for v in $(dkms_versions); do
		dk remove -m "$name" -v "$v" --all
		rm -rf "${sources:?}/$name-$v"
	done
}

install_plain() {
	local ko n=0
	kmod=${kmod:-$root/build/$release}
	remove_dkms
	mkdir -p "$dest"
	for ko in "$kmod"/*.ko; do
		[ -e "$ko" ] || continue
		install -m 0644 "$ko" "$dest/"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || die "no modules in $kmod (run make first)"
	run_depmod
	echo "install.sh: $n modules in $dest; 'modprobe vhost_net' now loads vhost-accel's"
}

# The module sources only (what the Makefile's `modules` target copies),
# so the DKMS tree holds no build output or userspace code.
copy_sources() {
	local src=$1 d dirs=()
	for d in include vringh vhost_core vhost_net vhost_blk vhost_test; do
		[ -d "$root/$d" ] && dirs+=("$root/$d")
	done
	mkdir -p "$src"
	rsync -a --include='*/' --include='*.c' --include='*.h' --include='Kbuild' \
		--exclude='*' "$root/Kbuild" "${dirs[@]}" "$src/"
	install -m 0644 "$root/dkms.conf" "$src/"
}

# DKMS skips, with only a message, a module whose version it judges not
# newer than the kernel's own: check that every one was installed.
check_dkms_installed() {
	local m missing=0
	for m in $(dkms_modules); do
		compgen -G "$modules/$release/updates/dkms/$m.ko*" > /dev/null && continue
		echo "install.sh: DKMS did not install $m for $release" >&2
		missing=1
	done
	return "$missing"
}

install_dkms() {
	local src=$sources/$name-$version
	command -v dkms > /dev/null || die "dkms is not installed (apt-get install dkms)"
	[ -e "$headers" ] || die "no kernel headers for $release ($headers)"
	remove_dkms
	rm -rf "$dest" "$src"
	mkdir -p "$modules/$release"
	copy_sources "$src"
	dk add -m "$name" -v "$version"
	dk install -m "$name" -v "$version" -k "$release"
	check_dkms_installed
	[ -z "$stage" ] || run_depmod
	echo "install.sh: DKMS built $name $version for $release; 'modprobe vhost_net' now loads vhost-accel's"
}

# dkms remove runs depmod itself (not on a staged tree): run it again only
# for a plain install or a stage.
uninstall() {
	remove_dkms
	if [ -d "$dest" ] || [ -n "$stage" ]; then
		rm -rf "$dest"
		run_depmod
	fi
	echo "install.sh: removed; 'modprobe vhost_net' loads the distribution's again"
}

case "$action" in
install) if [ "$dkms" = 1 ]; then install_dkms; else install_plain; fi ;;
uninstall) uninstall ;;
*) echo "usage: install.sh install|uninstall [--dkms] [--kmod DIR] [--release R] [--root DIR]" >&2; exit 2 ;;
esac
