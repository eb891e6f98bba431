#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_net.sh: vhost-accel's vhost_net against the distribution's, in one
# VM boot. Each round runs vha-net-bench (selftests/net/net_bench.c: TX and
# RX packets/s and the device worker's CPU time per packet at 64 and 1500
# bytes, one-in-flight round-trip latency) on ours (split and packed
# rings), on the distribution's (split only: its vhost_net has no packed
# ring), unloading one module and loading the other in between, and on
# the userspace device (vha-net-bench -b user: tools/vnet-user, what QEMU
# does with vhost=off, split and packed; no /dev/vhost-net involved); the
# order (ours, distro, user) is reversed every other round. Then a table:
# per metric the median, min and max of each side, ours/distro and
# ours/user of medians. Ours-packed is compared against the distribution's
# split ring and the userspace device's packed ring. Absolute numbers
# under emulation mean little; compare the ratios. Besides the ratio of
# medians, each ratio has the per-round ratios (both sides measured in one
# round): their median, min and max, which a host whose load drifts over
# the run disturbs less. Leaves our vhost_net loaded. Not in the suite.
#
#   selftests/vm/run.sh --kernel distro -- selftests/net/bench_net.sh
#   (make bench-net). Env: BENCH_ROUNDS (5), BENCH_SECS per point (2),
#   BENCH_METRICS (tx,rx,lat: vha-net-bench -m), BENCH_SIDES (ours distro
#   user: the sides to run, in odd rounds' order).
#
#   vha-net-bench guest rings <-> /dev/vhost-net <-> tap <-> AF_PACKET
#   vha-net-bench -b user guest rings <-> vnet_user threads <-> tap <-> ...
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
rounds=${BENCH_ROUNDS:-5}
secs=${BENCH_SECS:-2}
metrics=${BENCH_METRICS:-tx,rx,lat}
sides=${BENCH_SIDES:-ours distro user}
bin=$VHA_BIN/vha-net-bench
log=/tmp/bench_net.$$
[ -x "$bin" ] || net_fail "$bin missing (make user)"
: > "$log"
fail=0

ours_loaded() {
	grep -q O /sys/module/vhost_net/taint 2>/dev/null
}

# run SIDE ROUND RING [ARGS]: one bench run, results tagged with side and
# round.
run() {
	local out
	out=$("$bin" -r "$3" -t "$secs" -m "$metrics" "${@:4}") || fail=1
	echo "$out" | grep '^# error' && fail=1
	echo "$out" | sed -n "s/^# result /side=$1 round=$2 /p" >> "$log"
}

ours() {
	ours_loaded || { echo "# vhost_net is not ours"; fail=1; return; }
	run ours "$1" split
	run ours "$1" packed
}

distro() {
	rmmod vhost_net || { fail=1; return; }
	if modprobe vhost_net && ! ours_loaded; then
		run distro "$1" split
	else
		echo "# the distribution's vhost_net did not load"
		fail=1
	fi
	# rmmod, not modprobe -r: that would unload tun and tap too
	rmmod vhost_net
	insmod "$VHA_KMOD/vhost_net.ko" || fail=1
}

# The userspace device: the same rings, tap and points, no vhost_net.
user() {
	run user "$1" split -b user
	run user "$1" packed -b user
}

echo "# distro vhost_net: $(modinfo -F filename vhost_net 2>/dev/null)"
echo "# $rounds rounds, $secs s per point, metrics $metrics, sides $sides"
reversed=$(echo "$sides" | tr ' ' '\n' | tac | tr '\n' ' ')
for r in $(seq 1 "$rounds"); do
	echo "# round $r"
	order=$sides
	[ $((r % 2)) = 1 ] || order=$reversed
	for side in $order; do
		case $side in
		ours) ours "$r" ;;
		distro) distro "$r" ;;
		user) user "$r" ;;
		*) echo "# unknown side $side"; fail=1 ;;
		esac
	done
done
ours_loaded || { insmod "$VHA_KMOD/vhost_net.ko"; fail=1; }
# Every sample, for make bench's JSON (selftests/bench/bench_all.sh).
[ -z "${VHA_OUT:-}" ] || cp "$log" "$VHA_OUT/bench_net.results"

# The table: lat_* are times and *_cpu_ns CPU time per packet (lower is
# better), the others are rates.
awk "$(cat "$VHA_ROOT/selftests/lib/median.awk")"'
{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	k = f["side"] SUBSEP f["metric"] SUBSEP f["size"] SUBSEP f["ring"]
	n[k]++; v[k, n[k]] = f["value"] + 0
	byround[k, f["round"]] = f["value"] + 0
	if (f["round"] + 0 > nrounds) nrounds = f["round"] + 0
	if (!(f["metric"] SUBSEP f["size"] SUBSEP f["ring"] in seen)) {
		seen[f["metric"] SUBSEP f["size"] SUBSEP f["ring"]] = 1
		order[++rows] = f["metric"] SUBSEP f["size"] SUBSEP f["ring"]
	}
}
function stats(k,   i, a, lo, hi) {
	if (!n[k]) return ""
	lo = hi = v[k, 1]
	for (i = 1; i <= n[k]; i++) {
		a[i] = v[k, i]
		if (a[i] < lo) lo = a[i]
		if (a[i] > hi) hi = a[i]
	}
	m = med(a, n[k])
	return sprintf("%10.1f %10.1f %10.1f", m, lo, hi)
}
# Per-round ratios of row @o to row @d: "median min max", or "-".
function paired(o, d,   r, c, a, lo, hi) {
	c = 0
	for (r = 1; r <= nrounds; r++)
		if ((o, r) in byround && (d, r) in byround && byround[d, r] > 0)
			a[++c] = byround[o, r] / byround[d, r]
	if (!c) return "-"
	lo = hi = a[1]
	for (r = 1; r <= c; r++) {
		if (a[r] < lo) lo = a[r]
		if (a[r] > hi) hi = a[r]
	}
	return sprintf("%.2f %.2f %.2f", med(a, c), lo, hi)
}
END {
	printf "# %-7s %5s %-7s | %-32s | %-32s | %-32s | %s\n", "metric", "size", \
		"ring", "ours: median min max", "distro (split): median min max", \
		"user (same ring): median min max", \
		"ours/distro, ours/user (medians; per round: median min max)"
	for (r = 1; r <= rows; r++) {
		split(order[r], p, SUBSEP)
		ok = "ours" SUBSEP order[r]
		dk = "distro" SUBSEP p[1] SUBSEP p[2] SUBSEP "split"
		uk = "user" SUBSEP order[r]
		if (!(ok in n) && !(uk in n)) continue
		so = stats(ok); mo = so == "" ? 0 : m
		sd = stats(dk); md = sd == "" ? 0 : m
		su = stats(uk); mu = su == "" ? 0 : m
		ratio = (mo > 0 && md > 0) ? sprintf("%.2f", mo / md) : "-"
		uratio = (mo > 0 && mu > 0) ? sprintf("%.2f", mo / mu) : "-"
		better = p[1] ~ /^lat|_ns$/ ? "lower" : "higher"
		pr = paired(ok, dk)
		pu = paired(ok, uk)
		printf "# %-7s %5s %-7s | %32s | %32s | %32s | %s; %s | %s; %s (%s is better)\n", \
			p[1], p[2], p[3], so, sd, su, ratio, pr, uratio, pu, better
		split(pr, q, " ")
		split(pu, qu, " ")
		printf "# ratio metric=%s size=%s ring=%s ours=%s distro=%s value=%s better=%s paired=%s paired_min=%s paired_max=%s user=%s user_value=%s user_paired=%s user_paired_min=%s user_paired_max=%s\n", \
			p[1], p[2], p[3], (so == "" ? "-" : sprintf("%.1f", mo)), (sd == "" ? "-" : md), ratio, better, \
			q[1], (pr == "-" ? "-" : q[2]), (pr == "-" ? "-" : q[3]), \
			(su == "" ? "-" : mu), uratio, \
			qu[1], (pu == "-" ? "-" : qu[2]), (pu == "-" ? "-" : qu[3])
	}
}' "$log"
rm -f "$log"
exit $fail
