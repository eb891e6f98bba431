#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-9p-modules.sh KDIR OUTDIR
#
# The test VM mounts the host's root over virtio-9p. Debian's cloud
# flavour is built without 9p (CONFIG_NET_9P is not set), so for it the
# three modules (9pnet, 9pnet_virtio, 9p) are built out of tree from
# Debian's linux-source of the same version, against KDIR, into OUTDIR
# (kept there: the initramfs takes them from it). Prints OUTDIR.
set -euo pipefail

kdir=$1 out=$2
[ -e "$out/9p.ko" ] && [ -e "$out/9pnet.ko" ] && [ -e "$out/9pnet_virtio.ko" ] &&
	{ echo "$out"; exit 0; }
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$tarball" ] || { echo "build-9p-modules: no /usr/src/linux-source-*.tar.xz (apt-get install linux-source)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
top=$(basename "$tarball" .tar.xz)
tar -C "$work" -xJf "$tarball" "$top/net/9p" "$top/fs/9p"
echo 'obj-m += net/9p/ fs/9p/' > "$work/$top/Kbuild"
# 9p without its optional parts (fscache, ACLs, debug): what the VM needs
make -s -C "$kdir" M="$work/$top" CONFIG_NET_9P=m CONFIG_NET_9P_VIRTIO=m \
	CONFIG_9P_FS=m modules 2>&1 | grep -v '^Skipping BTF' >&2 || true
mkdir -p "$out"
for m in net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
	cp "$work/$top/$m.ko" "$out/" ||
		{ echo "build-9p-modules: $m.ko did not build against $kdir" >&2; exit 1; }
done
echo "$out"
