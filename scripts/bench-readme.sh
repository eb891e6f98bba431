#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-readme.sh: make bench-readme. Runs make bench (or, with
# BENCH_JSON=FILE, takes that file, e.g. build/bench/latest.json), copies
# its plots to docs/bench/ and rewrites the README's figures between
# <!-- bench:begin --> and <!-- bench:end --> from the JSON
# (scripts/bench-report.py readme): tables of medians and ratios, date,
# machine, git revision, the plots. Nothing between the markers is
# written by hand. Exit status: make bench's (the README is rewritten from
# a failed run's samples too, and says which part failed).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
rc=0
json=${BENCH_JSON:-}
if [ -z "$json" ]; then
	start=$(date +%s)
	make --no-print-directory bench || rc=$?
	json=build/bench/latest.json
	if [ ! -f "$json" ] || [ "$(stat -c %Y "$json")" -lt "$start" ]; then
		echo "bench-readme: make bench wrote no JSON"
		exit 1
	fi
fi
[ -f "$json" ] || { echo "bench-readme: no $json"; exit 1; }
mkdir -p docs/bench
python3 scripts/bench-report.py plots "$json" docs/bench || exit 1
python3 scripts/bench-report.py readme "$json" README.md docs/bench || exit 1
echo "bench-readme: README.md and docs/bench/ rewritten from $json"
exit "$rc"
