#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb_prepare.sh: on the build host, before test_deb.sh runs in the VM.
# Builds the packages (make deb) unless build/deb has them for this tree,
# then warms a compiler cache for the DKMS build the VM will do, so that
# test_deb.sh takes minutes instead of the half hour compiling under
# emulation costs (README, DKMS): the same `dkms build` as the package's
# postinst runs, on the packaged sources, for the release the VM boots, in
# a private mount namespace whose /var/lib/dkms is a scratch tmpfs, so that
# every path in the compiler's command line is the one the VM will use and
# nothing of the host's DKMS state changes. Debian's kernel headers let
# DKMS compile through ccache when DEBIAN_KERNEL_USE_CCACHE is set (their
# .kernelvariables); the cache is build/deb/ccache.
#
# The VM's build still runs every compiler, genksyms, objtool, modpost and
# linker step of Kbuild and DKMS's signing; only the compilations of C
# files are answered from the cache, when source, headers and flags are
# byte for byte the same (ccache's direct mode).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
debdir=$root/build/deb
cd "$root"

kdir=$(./scripts/find-kdir.sh)
rel=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")

# Rebuild the packages when a packaged file is newer than them.
deb=$(ls "$debdir"/vhost-accel-dkms_*_all.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ] || [ -n "$(git ls-files -co --exclude-standard -- debian Kbuild dkms.conf include vringh vhost_core vhost_net vhost_blk vhost_test tools |
	while read -r f; do [ "$f" -nt "$deb" ] && echo "$f"; done)" ]; then
	./scripts/build-deb.sh "$debdir" > /dev/null
	deb=$(ls "$debdir"/vhost-accel-dkms_*_all.deb)
fi
version=$(dpkg-deb -f "$deb" Version)

stage=$(mktemp -d /tmp/vha-deb-warm.XXXXXX)
trap 'rm -rf "$stage"' EXIT
dpkg-deb -x "$deb" "$stage"
VHA_ROOT=$root
# shellcheck source=selftests/modules/deb_lib.sh
. "$root/selftests/modules/deb_lib.sh"
mkdir -p "$root/build/deb/ccache"
start=$SECONDS
unshare -m "${deb_env[@]}" bash -c '
	set -e
	mount --make-rprivate /
	mount -t tmpfs tmpfs /var/lib/dkms
	dkms add --sourcetree "$1/usr/src" -m vhost-accel -v "$2" > /dev/null
	dkms build --sourcetree "$1/usr/src" -m vhost-accel -v "$2" -k "$3" > /dev/null ||
		{ cat /var/lib/dkms/vhost-accel/"$2"/build/make.log; exit 1; }
' warm "$stage" "$version" "$rel"
echo "deb_prepare.sh: vhost-accel $version; ccache warm for $rel ($((SECONDS - start)) s): $(CCACHE_DIR=$root/build/deb/ccache ccache -s | grep -E '^ *(Hits|Misses):' | tr -s ' ' | tr '\n' ';')"
