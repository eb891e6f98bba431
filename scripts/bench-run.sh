#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-run.sh: make bench. The ring microbenchmarks on this host (make
# bench-ring), then every device benchmark in one boot of Debian's kernel
# (selftests/bench/bench_all.sh: bench_net.sh, bench_blk.sh and, if it is
# there, bench_scale.sh), its output streamed and kept in
# build/bench/bench-<date>.log; from that log scripts/bench-report.py
# writes build/bench/bench-<date>.json (every sample and the machine; also
# build/bench/latest.json), the tables of medians and ratios, and the
# PNG plots in build/bench/.
#
# Env: BENCH_ROUNDS (5), BENCH_NET_SECS (1.5), BENCH_BLK_SECS (0.8),
# BENCH_SCALE_SECS, BENCH_SCALE_TIMEOUT (200 s), BENCH_PARTS (net blk
# scale), BENCH_VM_TIMEOUT (3000 s); see selftests/bench/bench_all.sh.
# Measured on the 2-core TCG machine: a round of bench_net.sh at 1.5 s
# per point takes ~73 s, one of bench_blk.sh at 0.8 s ~118 s, the boot
# ~25 s: 5 rounds ~16 min, leaving the scaling part ~3 min of the 20.
# Exit status: the VM run's.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
out=build/bench
mkdir -p "$out"
stamp=$(date -u +%Y%m%d-%H%M%S)
log=$out/bench-$stamp.log
json=$out/bench-$stamp.json
# Defaults chosen so that the whole run stays under 20 minutes on the
# 2-core TCG machine (measured: README, Benchmarks).
export BENCH_ROUNDS=${BENCH_ROUNDS:-5}
export BENCH_NET_SECS=${BENCH_NET_SECS:-1.5}
export BENCH_BLK_SECS=${BENCH_BLK_SECS:-0.8}
export BENCH_SCALE_TIMEOUT=${BENCH_SCALE_TIMEOUT:-200}

# Other QEMUs on this host while ours runs make figures noisy: the most
# seen at once besides ours, sampled every 10 s.
others=$out/.others-$stamp
echo 0 > "$others"
sample_others() {
	local n max=0
	while :; do
		n=$(pgrep -c -f '^[^ ]*qemu-system' || true)
		n=$((${n:-0} - ${1}))
		[ "$n" -le "$max" ] || { max=$n; echo "$max" > "$others"; }
		sleep 10
	done
}

t0=$(date +%s)
{
	echo "# bench-host started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "===== bench-ring begin"
	make -s --no-print-directory bench-ring 2>&1
	echo "===== bench-ring end status=$?"
} | tee "$log"
t1=$(date +%s)
# ours is not started yet: count the others now, and ours (1) later
n0=$(pgrep -c -f '^[^ ]*qemu-system' || true)
[ "${n0:-0}" -le 0 ] || echo "$n0" > "$others"
sample_others 1 &
sampler=$!
./selftests/vm/run.sh --kernel distro --timeout "${BENCH_VM_TIMEOUT:-3000}" -- \
	selftests/bench/bench_all.sh 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
t2=$(date +%s)
echo "# bench-host ended=$(date -u +%Y-%m-%dT%H:%M:%SZ) ring_secs=$((t1 - t0)) vm_secs=$((t2 - t1)) total_secs=$((t2 - t0)) vm_status=$rc other_vms_max=$(cat "$others")" | tee -a "$log"
rm -f "$others"

python3 scripts/bench-report.py json "$log" "$json" || exit 1
cp "$json" "$out/latest.json"
python3 scripts/bench-report.py tables "$json"
python3 scripts/bench-report.py plots "$json" "$out" ||
	echo "bench-run: the plots failed (is gnuplot installed? scripts/install-deps.sh)"
echo "bench-run: $json, $out/latest.json, plots in $out; make bench took $((t2 - t0)) s"
[ "$rc" = 0 ] || echo "bench-run: the VM run failed (status $rc): see $log"
exit "$rc"
