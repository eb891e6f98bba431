#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks as TAP: the modules build warning-free with W=1, sparse
# (C=2) finds nothing, checkpatch is clean on every C file, and every file
# carries an SPDX line.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=../selftests/lib/tap.sh
. selftests/lib/tap.sh
tap_plan 4

out=build/check
mkdir -p "$out"

# warnings_in LOG: the compiler/sparse findings in a build log.
warnings_in() { grep -E 'warning:|error:' "$1" | grep -v '^make' || true; }

# Fresh object directories, so that every file is compiled and checked.
rm -rf "$out/w1" "$out/sparse"
make -s modules W=1 KOBJ="$root/$out/w1" > "$out/w1.log" 2>&1
w=$(warnings_in "$out/w1.log")
if [ -z "$w" ] && ! grep -q 'Error ' "$out/w1.log"; then
	tap_ok "modules build warning-free with W=1"
else
	tap_not_ok "modules build warning-free with W=1"
	sed 's/^/#   /' "$out/w1.log" | head -n 60
fi

make -s modules C=2 KOBJ="$root/$out/sparse" > "$out/sparse.log" 2>&1
w=$(warnings_in "$out/sparse.log")
if [ -z "$w" ] && ! grep -q 'Error ' "$out/sparse.log"; then
	tap_ok "sparse (C=2) clean"
else
	tap_not_ok "sparse (C=2) clean"
	sed 's/^/#   /' "$out/sparse.log" | head -n 60
fi

tap_check "checkpatch --no-tree -f clean on every C file" ./scripts/checkpatch.sh

missing=$(git ls-files | grep -vE '/corpus/' |
	while read -r f; do
		head -n 3 "$f" | grep -q 'SPDX-License-Identifier:' || echo "$f"
	done)
if [ -z "$missing" ]; then
	tap_ok "every source file has an SPDX line"
else
	tap_not_ok "every source file has an SPDX line"
	tap_diag "$missing"
fi
tap_done
