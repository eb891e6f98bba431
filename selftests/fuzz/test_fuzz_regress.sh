#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every program the kernel fuzzer ever failed on, replayed: one file per
# finding in selftests/fuzz/regress/ (a program in vha-fuzz-kernel's text
# form, named after the bug), each replayed FUZZ_REPLAYS times (default 3:
# races need more than one go) with KCOV on where the kernel has it, as the
# fuzzer ran it. The verdict is the kernel's: the runner fails the run on
# any splat, hang or leak the replay causes.
#
#   kcov-remote-worker-sleeping: a worker entered KCOV's remote section
#     (which may allocate) still in TASK_INTERRUPTIBLE: might_sleep WARN
set -u
. "$VHA_ROOT/selftests/blk/lib.sh"
blk_prepare
[ -c /dev/net/tun ] || modprobe tun
[ -x "$VHA_BIN/vha-fuzz-kernel" ] || blk_fail "$VHA_BIN/vha-fuzz-kernel missing (make user)"
dev=$(nullb vhafuzzr 16) || blk_fail "null_blk for the replays"
replays=${FUZZ_REPLAYS:-3}

echo "TAP version 13"
n=0 failed=0
for f in "$VHA_ROOT"/selftests/fuzz/regress/*.txt; do
	n=$((n + 1))
	out=$("$VHA_BIN/vha-fuzz-kernel" -n "$replays" -b "$dev" -r "$f" 2>&1)
	rc=$?
	printf '%s\n' "$out" | tail -n 2 | sed 's/^/# /'
	if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -q "^fuzz: replayed $replays times"; then
		echo "ok $n - $(basename "$f" .txt): replayed $replays times"
	else
		failed=$((failed + 1))
		echo "not ok $n - $(basename "$f" .txt): replay failed (exit $rc)"
	fi
done
[ "$n" -gt 0 ] || { n=1; failed=1; echo "not ok 1 - no program in selftests/fuzz/regress"; }
echo "1..$n"
[ "$failed" = 0 ]
