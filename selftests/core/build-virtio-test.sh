#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-virtio-test.sh [OUTDIR]
#
# Build Linux's own tools/virtio/virtio_test, an independent virtio driver
# that drives /dev/vhost-test, as a static binary. The sources come from
# Debian's linux-source tarball, extracted into build/ (never into the
# shared unpacked tree). Result: $OUTDIR/virtio_test (default build/user/bin).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/user/bin}
tarball=$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$tarball" ] || { echo "build-virtio-test: apt-get install linux-source" >&2; exit 1; }
work=$root/build/virtio-test-src
top=$(basename "$tarball" .tar.xz)

if [ ! -e "$work/$top/tools/virtio/virtio_test.c" ]; then
	rm -rf "$work"
	mkdir -p "$work"
	tar -C "$work" -xJf "$tarball" \
		"$top/tools/virtio" "$top/tools/include" "$top/include" \
		"$top/drivers/virtio/virtio_ring.c" "$top/drivers/vhost/test.h" \
		"$top/drivers/vhost/vringh.c" "$top/arch/x86/include"
fi
# 6.1.192's virtio_ring.c uses data_race(), which tools/ does not define.
make -s -C "$work/$top/tools/virtio" virtio_test \
	CFLAGS_EXTRA= LDFLAGS="-pthread -static" \
	CC="${CC:-gcc} -D'data_race(e)=(e)'" >&2
mkdir -p "$out"
install -m 0755 "$work/$top/tools/virtio/virtio_test" "$out/virtio_test"
echo "$out/virtio_test"
