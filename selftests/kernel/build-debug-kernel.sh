#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug test kernel (KASAN, lockdep, kmemleak, UBSAN, fault
# injection) from Debian's linux-source package, cached outside the repo.
#
# Cache layout ($VHA_CACHE, default /var/cache/vhost-accel):
#   ccache/              compiler cache: a rebuild after a config change costs minutes
#   linux-source-<v>/    the unpacked tree, built in place (it is also the KDIR
#                        our modules are built against)
#   debug-kernel/        bzImage, kernel.release, and lib/modules of the build
#
# Prints the path of debug-kernel/ on success. Idempotent: a second call with
# nothing changed takes seconds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug.config
cache=${VHA_CACHE:-/var/cache/vhost-accel}
jobs=${JOBS:-$(nproc)}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

tarball=$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "build-debug-kernel: no /usr/src/linux-source-*.tar.xz (apt-get install linux-source)" >&2
	exit 1
fi
srcname=$(basename "$tarball" .tar.xz)
src=$cache/$srcname
out=$cache/debug-kernel

if [ ! -e "$src/.unpacked" ] || [ "$tarball" -nt "$src/.unpacked" ]; then
	echo "build-debug-kernel: unpacking $tarball" >&2
	rm -rf "$src"
	tar -C "$cache" -xf "$tarball"
	touch "$src/.unpacked"
fi

export CCACHE_DIR=$cache/ccache
export CCACHE_MAXSIZE=2G
mk() { make -C "$src" ARCH=x86_64 CC="ccache gcc" "$@"; }

stamp=$(cat "$fragment" "$0" | sha256sum | cut -c1-16)
if [ "$(cat "$src/.config-stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "build-debug-kernel: configuring" >&2
	mk -s tinyconfig >/dev/null
	(cd "$src" && KCONFIG_CONFIG=.config ./scripts/kconfig/merge_config.sh -m -O . .config "$fragment" >/dev/null)
	mk -s olddefconfig >/dev/null
	missing=0
	while read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$src/.config" || { echo "build-debug-kernel: lost: $line" >&2; missing=1; } ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}
			! grep -qE "^$opt=" "$src/.config" || { echo "build-debug-kernel: still set: $opt" >&2; missing=1; } ;;
		esac
	done < "$fragment"
	[ "$missing" = 0 ] || exit 1
	echo "$stamp" > "$src/.config-stamp"
fi

echo "build-debug-kernel: make -j$jobs bzImage modules" >&2
mk -s -j"$jobs" bzImage modules >&2
release=$(mk -s kernelrelease)
mkdir -p "$out"
cp "$src/arch/x86/boot/bzImage" "$out/bzImage.new" && mv "$out/bzImage.new" "$out/bzImage"
rm -rf "$out/lib"
mk -s INSTALL_MOD_PATH="$out" modules_install >&2
ln -sfn "$src" "$out/build"
echo "$release" > "$out/kernel.release"
echo "$out"
