#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz-kernel [FUZZ_TIME=seconds] [FUZZ_SEED=n]: a long run of the
# kernel fuzzer in the VM on the debug kernel (default one hour, a random
# seed). If the run fails, the program the kernel died on (the guest left
# it in the job's out/ directory) is minimised (minimize.sh) and printed,
# for a regression test (`vha-fuzz-kernel -r PROGRAM` replays it).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export FUZZ_TIME=${FUZZ_TIME:-3600}
export FUZZ_SEED=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
log=$(mktemp)
echo "fuzz-kernel: $FUZZ_TIME s, seed $FUZZ_SEED"
"$root/selftests/vm/run.sh" --kernel debug --timeout $((FUZZ_TIME + 900)) \
	--modules unset -- selftests/fuzz/test_fuzz.sh 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
job=$(sed -n 's/.*job files kept in \(.*\)$/\1/p' "$log" | tail -n 1)
rm -f "$log"
[ "$rc" = 0 ] && exit 0
prog=$job/out/fuzz-program.txt
if [ -z "$job" ] || [ ! -s "$prog" ]; then
	echo "fuzz-kernel: the run failed and left no program to minimise"
	exit 1
fi
echo "fuzz-kernel: the run failed; minimising its last program"
"$root/selftests/fuzz/minimize.sh" "$prog"
exit 1
