#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_ab.sh: two builds of our modules against each other in one VM
# boot, for the A/B figures the README's Design section quotes ("this
# change bought or cost so much"). Each round runs vha-net-bench on build A
# and on build B (split and packed rings), swapping vhost_accel and
# vhost_net in between; the order alternates from round to round. The
# table: per metric, the medians of A and B, B/A of medians and the
# per-round ratios (median, min, max), which load drifting over the run
# disturbs less. Builds come from scripts/bench-ab.sh (make bench-ab).
#
#   BENCH_A_KMOD, BENCH_B_KMOD: directories with vhost_accel.ko and
#   vhost_net.ko; BENCH_ROUNDS (5), BENCH_SECS (2), BENCH_METRICS
#   (tx,rx,lat: vha-net-bench -m).
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
rounds=${BENCH_ROUNDS:-5}
secs=${BENCH_SECS:-2}
metrics=${BENCH_METRICS:-tx,rx,lat}
bin=$VHA_BIN/vha-net-bench
log=/tmp/bench_ab.$$
fail=0
for m in "${BENCH_A_KMOD:-}" "${BENCH_B_KMOD:-}"; do
	[ -r "$m/vhost_accel.ko" ] && [ -r "$m/vhost_net.ko" ] ||
		net_fail "no vhost_accel.ko and vhost_net.ko in '$m' (BENCH_A_KMOD, BENCH_B_KMOD)"
done
[ -x "$bin" ] || net_fail "$bin missing (make user)"
: > "$log"

# use SIDE: our modules of build SIDE (A or B) loaded, nothing else of ours.
use() {
	local dir=$BENCH_A_KMOD

	[ "$1" = B ] && dir=$BENCH_B_KMOD
	rmmod vhost_net vhost_accel_test vhost_blk 2>/dev/null
	rmmod vhost_accel 2>/dev/null
	insmod "$dir/vhost_accel.ko" && insmod "$dir/vhost_net.ko"
}

# run SIDE ROUND: one bench run per ring, results tagged.
run() {
	local ring out

	use "$1" || { echo "# build $1 did not load"; fail=1; return; }
	for ring in split packed; do
		out=$("$bin" -r "$ring" -t "$secs" -m "$metrics") || fail=1
		echo "$out" | grep '^# error' && fail=1
		echo "$out" | sed -n "s/^# result /side=$1 round=$2 /p" >> "$log"
	done
}

echo "# A: $BENCH_A_KMOD"
echo "# B: $BENCH_B_KMOD"
echo "# $rounds rounds, $secs s per point, metrics $metrics"
for r in $(seq 1 "$rounds"); do
	echo "# round $r"
	if [ $((r % 2)) = 1 ]; then
		run A "$r"; run B "$r"
	else
		run B "$r"; run A "$r"
	fi
done
# leave the suite's modules as they were
rmmod vhost_net vhost_accel 2>/dev/null
for m in vhost_accel vhost_net vhost_blk vhost_accel_test; do
	insmod "$VHA_KMOD/$m.ko" || fail=1
done
sed 's/^/# raw /' "$log"

awk "$(cat "$VHA_ROOT/selftests/lib/median.awk")"'
{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	row = f["metric"] SUBSEP f["size"] SUBSEP f["ring"]
	k = f["side"] SUBSEP row
	n[k]++; v[k, n[k]] = f["value"] + 0
	byround[k, f["round"]] = f["value"] + 0
	if (f["round"] + 0 > nrounds) nrounds = f["round"] + 0
	if (!(row in seen)) { seen[row] = 1; order[++rows] = row }
}
function median(k,   i, a) {
	for (i = 1; i <= n[k]; i++) a[i] = v[k, i]
	return n[k] ? med(a, n[k]) : 0
}
function paired(row,   r, c, a, lo, hi) {
	c = 0
	for (r = 1; r <= nrounds; r++)
		if (("A" SUBSEP row, r) in byround && ("B" SUBSEP row, r) in byround &&
		    byround["A" SUBSEP row, r] > 0)
			a[++c] = byround["B" SUBSEP row, r] / byround["A" SUBSEP row, r]
	if (!c) return "-"
	lo = hi = a[1]
	for (r = 1; r <= c; r++) {
		if (a[r] < lo) lo = a[r]
		if (a[r] > hi) hi = a[r]
	}
	return sprintf("%.2f %.2f %.2f", med(a, c), lo, hi)
}
END {
	printf "# %-10s %5s %-6s | %12s %12s | %s\n", "metric", "size", "ring", \
		"A median", "B median", "B/A (medians; per round: median min max)"
	for (r = 1; r <= rows; r++) {
		split(order[r], p, SUBSEP)
		a = median("A" SUBSEP order[r]); b = median("B" SUBSEP order[r])
		printf "# %-10s %5s %-6s | %12.1f %12.1f | %s; %s (%s is better)\n", \
			p[1], p[2], p[3], a, b, (a > 0 ? sprintf("%.2f", b / a) : "-"), \
			paired(order[r]), (p[1] ~ /^lat|_ns$/ ? "lower" : "higher")
	}
}' "$log"
rm -f "$log"
exit $fail
