#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh [FILE...]: the kernel's checkpatch.pl --no-tree -f on our C
# sources (default: every .c and .h in the repo). checkpatch.pl is not in
# the headers package: it is taken from Debian's linux-source tarball once
# and kept in the cache. Exit status non-zero if any file has a finding.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${VHA_CACHE:-/var/cache/vhost-accel}
dir=$cache/checkpatch
if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	tarball=$(ls -1 /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
	top=$(basename "$tarball" .tar.xz)
	mkdir -p "$dir"
	tar -C "$dir" --strip-components=1 -xf "$tarball" \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi

cd "$root"
if [ $# -eq 0 ]; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
	set -- "${files[@]+"${files[@]}"}"
fi
[ $# -gt 0 ] || { echo "checkpatch: no C files"; exit 0; }
status=0
for f in "$@"; do
	out=$(perl "$dir/scripts/checkpatch.pl" --no-tree --quiet --terse --show-types -f "$f") || {
		status=1
		printf '%s\n' "$out" | grep -v '^total: 0 errors, 0 warnings'
	}
done
exit $status
