#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh MODROOT RELEASE OUTPUT [EXTRA]
#
# Build the test VM's initramfs: static busybox, our init, and the modules
# the kernel needs to mount the host's root over virtio-9p (none when the
# kernel has them built in, as the debug kernel does). MODROOT is the
# directory holding lib/modules/RELEASE ("/" for Debian's kernel); EXTRA a
# directory of NAME.ko files for modules the kernel does not ship (9p for
# Debian's cloud flavour, see selftests/kernel/build-9p-modules.sh).
set -euo pipefail

modroot=$1 release=$2 output=$3 extra=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
mods="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
      netfs fscache 9pnet 9pnet_virtio 9p"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,host,modules}
cp /bin/busybox "$work/bin/busybox"
cp "$here/init" "$work/init"
chmod 0755 "$work/init"

for m in $mods; do
	f=$(modinfo -b "$modroot" -k "$release" -F filename "$m" 2>/dev/null || true)
	[ -n "$f" ] || [ -z "$extra" ] || [ ! -e "$extra/$m.ko" ] || f=$extra/$m.ko
	case "$f" in
	""|"(builtin)") continue ;;
	esac
	case "$f" in
	*.ko) cp "$f" "$work/modules/$m.ko" ;;
	*.ko.xz) xz -dc "$f" > "$work/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" > "$work/modules/$m.ko" ;;
	*.ko.gz) gzip -dc "$f" > "$work/modules/$m.ko" ;;
	esac
	echo "$m" >> "$work/modules/order"
done
touch "$work/modules/order"

(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 > "$output.tmp"
mv "$output.tmp" "$output"
