#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The drop-in install through DKMS (`make install DKMS=1`), on this host,
# staged: install.sh --root puts the DKMS tree, the sources and the
# installed modules under a scratch directory whose lib/modules/R also
# holds the distribution's modules (a link to the real kernel/ tree), and
# builds against the real /lib/modules/R/build. Then modprobe, asked about
# that tree (-d), must resolve vhost_net and the /dev/vhost-net autoload
# aliases to DKMS's build of ours, with our core as its dependency; after
# uninstall, to the distribution's again, with nothing of ours left.
# Building inside the test VM instead took over 25 minutes under
# emulation; loading an installed module is what test_install.sh checks in
# the VM. Prints TAP; runs in the unit stage of `make check`.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/selftests/lib/tap.sh"
inst=$root/scripts/install.sh
tap_plan 8

kdir=$("$root/scripts/find-kdir.sh")
rel=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null)
pkg=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$root/dkms.conf")
stage=$(mktemp -d /tmp/vha-dkms.XXXXXX)
trap 'rm -rf "$stage"' EXIT
dkopts=(--dkmstree "$stage/var/lib/dkms" --sourcetree "$stage/usr/src"
	--installtree "$stage/lib/modules")

# Every module Kbuild builds, and only those, is in dkms.conf.
kbuild_mods=$(sed -n 's/^obj-m[[:space:]]*+=[[:space:]]*\(.*\)\.o[[:space:]]*$/\1/p' "$root/Kbuild" | sort | tr "\n" " ")
dkms_mods=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' "$root/dkms.conf" | sort | tr "\n" " ")
if [ -n "$kbuild_mods" ] && [ "$kbuild_mods" = "$dkms_mods" ]; then
	tap_ok "dkms.conf lists exactly the modules Kbuild builds ($kbuild_mods)"
else
	tap_not_ok "dkms.conf lists exactly the modules Kbuild builds"
	tap_diag "Kbuild: $kbuild_mods; dkms.conf: $dkms_mods"
fi

if ! command -v dkms > /dev/null || [ -z "$rel" ] || [ ! -d "/lib/modules/$rel/kernel" ]; then
	tap_not_ok "dkms, kernel headers and the distribution's modules for ${rel:-?} are installed (scripts/install-deps.sh)"
	exit 1
fi

# show_depends NAME: the modules modprobe would insert for NAME, in order,
# as paths under lib/modules/R (empty if none).
show_depends() {
	modprobe -d "$stage" -S "$rel" --show-depends "$1" 2>/dev/null |
		awk '/^insmod/ { print $2 }' | sed "s|^$stage/lib/modules/$rel/||" | tr "\n" " "
}

mkdir -p "$stage/lib/modules/$rel"
ln -s "/lib/modules/$rel/kernel" "$stage/lib/modules/$rel/kernel"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	cp "/lib/modules/$rel/$f" "$stage/lib/modules/$rel/" 2>/dev/null
done

start=$SECONDS
if out=$("$inst" install --dkms --root "$stage" --release "$rel" 2>&1); then
	tap_ok "install.sh install --dkms --root builds and installs through DKMS for $rel ($((SECONDS - start)) s)"
else
	tap_not_ok "install.sh install --dkms --root builds and installs through DKMS for $rel ($((SECONDS - start)) s)"
	printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
	find "$stage/var/lib/dkms" -name make.log -exec tail -n 30 {} \; 2>/dev/null | sed 's/^/#   /'
fi

status=$(dkms status "${dkopts[@]}" -m "$pkg" -k "$rel" 2>&1)
case "$status" in
"$pkg/"*", $rel, "*": installed"*) tap_ok "dkms status: $status" ;;
*) tap_not_ok "dkms status says installed for $rel (got: $status)" ;;
esac

bad=""
for m in $dkms_mods; do
	ko=$stage/lib/modules/$rel/updates/dkms/$m.ko
	magic=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
	[ "$magic" = "$rel" ] || bad="$bad $m:${magic:-missing}"
done
if [ -n "$dkms_mods" ] && [ -z "$bad" ]; then
	tap_ok "every module is in updates/dkms, built for $rel"
else
	tap_not_ok "every module is in updates/dkms, built for $rel (got$bad)"
fi

deps=$(show_depends vhost_net)
if [ "$deps" = "updates/dkms/vhost_accel.ko updates/dkms/vhost_net.ko " ]; then
	tap_ok "modprobe vhost_net resolves to DKMS's build of ours, core first ($deps)"
else
	tap_not_ok "modprobe vhost_net resolves to DKMS's build of ours, core first (got: $deps)"
fi

bad=""
for a in char-major-10-238:vhost_net devname:vhost-net:vhost_net \
	 char-major-10-246:vhost_blk devname:vhost-blk:vhost_blk; do
	case "$(show_depends "${a%:*}")" in
	*"updates/dkms/${a##*:}.ko"*) ;;
	*) bad="$bad ${a%:*}" ;;
	esac
done
if [ -z "$bad" ]; then
	tap_ok "the autoload aliases of /dev/vhost-net (char-major-10-238, devname:vhost-net) and /dev/vhost-blk (10-246, devname:vhost-blk) resolve to ours"
else
	tap_not_ok "the /dev/vhost-net and /dev/vhost-blk autoload aliases resolve to ours (not:$bad)"
fi

tap_check "install.sh uninstall --root" "$inst" uninstall --root "$stage" --release "$rel"

left=$(dkms status "${dkopts[@]}" -m "$pkg" 2>&1
       ls -d "$stage/usr/src/$pkg"-* "$stage/var/lib/dkms/$pkg" \
	     "$stage/lib/modules/$rel/updates/dkms/"vhost_* 2>/dev/null)
deps=$(show_depends vhost_net)
case "$deps" in
*kernel/drivers/vhost/vhost_net.ko*) distro=1 ;;
*) distro=0 ;;
esac
if [ -z "$left" ] && [ "$distro" = 1 ]; then
	tap_ok "after uninstall nothing of ours is left and vhost_net resolves to the distribution's ($deps)"
else
	tap_not_ok "after uninstall nothing of ours is left and vhost_net resolves to the distribution's (got: $deps)"
	tap_diag "$left"
fi
tap_done
