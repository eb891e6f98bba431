#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bounded run of the vringh fuzzer for `make check`: the checked-in seeds
# first (each must run clean), then VRINGH_FUZZ_RUNS (default 200000) new
# inputs from a fixed seed.  New corpus entries and crash files go to a
# temporary directory; the checked-in corpus is never modified.  Prints TAP.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
fuzzer=${OUT:-$root/build/user}/vringh/fuzz_ring
corpus=$root/vringh/test/corpus
runs=${VRINGH_FUZZ_RUNS:-200000}

echo "TAP version 13"
echo "1..2"
if [ ! -x "$fuzzer" ]; then
	echo "not ok 1 - vringh fuzz: seed corpus # fuzzer $fuzzer not built"
	echo "not ok 2 - vringh fuzz: $runs runs"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

if "$fuzzer" -artifact_prefix="$tmp/" "$corpus"/* >"$tmp/seeds.log" 2>&1; then
	echo "ok 1 - vringh fuzz: $(ls "$corpus" | wc -l) seed inputs"
else
	sed 's/^/# /' "$tmp/seeds.log" | tail -n 30
	echo "not ok 1 - vringh fuzz: seed inputs"
	status=1
fi

mkdir "$tmp/corpus"
if "$fuzzer" -runs="$runs" -seed=1 -artifact_prefix="$tmp/" \
	"$tmp/corpus" "$corpus" >"$tmp/run.log" 2>&1; then
	stats=$(grep -E '^#[0-9]+.*(DONE|cov)' "$tmp/run.log" | tail -n 1)
	echo "# $stats"
	echo "ok 2 - vringh fuzz: $runs runs without a report"
else
	sed 's/^/# /' "$tmp/run.log" | tail -n 40
	echo "not ok 2 - vringh fuzz: $runs runs"
	status=1
fi
exit $status
