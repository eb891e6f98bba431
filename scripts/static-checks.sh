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
tap_plan 3

out=build/check
mkdir -p "$out"

# clean_build NAME DESC MAKE-ARGS...: build the modules in a fresh object
# directory (so every file is compiled and checked) and pass only if make
# succeeds and prints no compiler or sparse finding.
clean_build() {
	local name=$1 desc=$2 log=$out/$1.log
	shift 2
	rm -rf "${out:?}/$name"
	if make -s modules KOBJ="$root/$out/$name" "$@" > "$log" 2>&1 &&
	   ! grep -E 'warning:|error:|ERROR:' "$log" | grep -qv '^make'; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc"
		sed 's/^/#   /' "$log" | head -n 60
	fi
}

# One build does both: gcc with W=1's warnings, sparse (C=2) on every file.
clean_build w1-sparse "modules build warning-free with W=1, and sparse (C=2) finds nothing" W=1 C=2

tap_check "checkpatch --no-tree -f clean on every C file" ./scripts/checkpatch.sh

# debian/changelog and debian/source/format have no comment syntax.
missing=$(git ls-files | grep -vE '/corpus/|^debian/changelog$|^debian/source/format$' |
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
