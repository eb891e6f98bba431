#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel fuzzer for a bounded time (FUZZ_TIME, default 100 s; FUZZ_SEED
# fixed by default, so that make check explores the same programs each
# time): vha-fuzz-kernel runs random, mostly valid ioctl sequences from
# three threads against /dev/vhost-test, /dev/vhost-net and /dev/vhost-blk
# while a driver thread writes random chains into their rings. The
# verdict is the kernel's (the runner fails the run on any splat, hang or
# leak); the program running when the kernel died is left in
# $VHA_OUT/fuzz-program.txt, which the runner prints, for
# `vha-fuzz-kernel -r` and selftests/fuzz/minimize.sh. On the debug
# kernel coverage of our modules comes from KCOV and must grow.
#
#   vha-fuzz-kernel (3 ioctl threads + driver) -> /dev/vhost-{test,net,blk}
#     backends: taps vhafz0 (up, packet socket), vhafz1; null_blk vhafuzz
set -u
. "$VHA_ROOT/selftests/blk/lib.sh"
blk_prepare
[ -c /dev/net/tun ] || modprobe tun
[ -x "$VHA_BIN/vha-fuzz-kernel" ] || blk_fail "$VHA_BIN/vha-fuzz-kernel missing (make user)"
dev=$(nullb vhafuzz 16) || blk_fail "null_blk for the fuzzer"
state=${VHA_OUT:-$blk_work}/fuzz-program.txt
secs=${FUZZ_TIME:-100}
seed=${FUZZ_SEED:-0x5eed0001}

echo "TAP version 13"
out=$("$VHA_BIN/vha-fuzz-kernel" -s "$seed" -t "$secs" -b "$dev" -o "$state" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
last=$(printf '%s\n' "$out" | grep '^fuzz: .* runs in ' | tail -n 1)
runs=$(echo "$last" | sed -n 's/^fuzz: \([0-9]*\) runs.*/\1/p')
edges=$(echo "$last" | sed -n 's/.* \([0-9]*\) edges.*/\1/p')
n=0 failed=0
point() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=$((failed + 1)); echo "not ok $n - $2"; fi
}
point $(( rc != 0 || ${runs:-0} < 10 )) "the fuzzer ran $secs s to its end: ${runs:-0} programs (seed $seed)"
if [ "${VHA_KERNEL_KIND:-}" = debug ]; then
	point $(( ${edges:-0} < 100 )) "KCOV coverage of our modules: ${edges:-0} edges"
fi
# A run that ended cleanly leaves no program behind to report.
[ "$rc" != 0 ] || rm -f "$state"
echo "1..$n"
[ "$failed" = 0 ]
