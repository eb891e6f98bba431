#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_scale.sh: how the devices' cost grows with load (issue 13), in one
# VM boot. Each point runs on our modules:
#   net  vha-net-bench -q Q -d D [-P us] (selftests/net/net_bench.c): TX and
#        RX 64-byte packets/s and worker CPU ns per packet, split and packed
#        rings;
#   blk  vha-blk-bench -q Q -d D [-P us] (selftests/blk/blk_bench.c): 4 KiB
#        random reads at iodepth 32 on a null_blk, IOPS and worker CPU ns
#        per request;
# at 1, 2 and 4 queues (queue pairs for net) on one device, and 1 queue on
# 1, 4 and 16 devices open at once (one owner process each), every queue
# on a worker of its own (VHOST_NEW_WORKER, VHOST_ATTACH_VRING_WORKER), in
# notification mode and in busy-poll mode (VHOST_SET_VRING_BUSYLOOP_TIMEOUT
# on every queue). Throughput and CPU are summed over all devices and all
# their workers. BENCH_ROUNDS rounds; round 1 runs the points in list
# order, round 2 in reverse, later rounds shuffled (seed: the round).
#
# Then a table per point: median [min..max] of throughput and of CPU per
# packet or request, each as a ratio to the same point at 1 queue on 1
# device (ratios of medians). Issue 13's goal: CPU per unit at 4 queues and
# at 16 devices within 1.15x of 1 queue / 1 device. With 2 CPUs,
# throughput cannot grow with queues or devices; cost per unit should stay
# flat. One "# ratio" line per point for make bench.
#
#   selftests/vm/run.sh --kernel distro -- selftests/bench/bench_scale.sh
#
# Env: BENCH_ROUNDS (3), BENCH_SECS per point (1), BENCH_WARM (blk warm-up
# per point, 0.2 s), BENCH_POLL_US (busy-poll timeout, 50), BENCH_COLOCATE
# (1: blk queue i of all queues on CPU i modulo the CPUs, as bench_blk.sh
# pins them; 0: not pinned), BENCH_SCALE_PARTS (net blk), BENCH_SCALE_RINGS
# (split packed), BENCH_SCALE_BUDGET (seconds: points that would end past
# it are skipped, said so; default BENCH_SCALE_TIMEOUT - 30 when that is
# set, as make bench does, else no limit).
#
# Every sample goes, as it is measured, to $VHA_OUT/bench_scale.results:
# each "# result" line of the programs as "bench=scale round=N part=net|blk
# <the line's keys>", one line per sample.
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
rounds=${BENCH_ROUNDS:-3}
secs=${BENCH_SECS:-1}
warm=${BENCH_WARM:-0.2}
poll_us=${BENCH_POLL_US:-50}
colocate=${BENCH_COLOCATE:-1}
parts=${BENCH_SCALE_PARTS:-net blk}
rings=${BENCH_SCALE_RINGS:-split packed}
budget=${BENCH_SCALE_BUDGET:-}
[ -n "$budget" ] || [ -z "${BENCH_SCALE_TIMEOUT:-}" ] ||
	budget=$((BENCH_SCALE_TIMEOUT - 30))
netbin=$VHA_BIN/vha-net-bench
blkbin=$VHA_BIN/vha-blk-bench
work=$(mktemp -d /tmp/vha-scale.XXXXXX)
log=$work/results
results=${VHA_OUT:-$work}/bench_scale.results
nullb_dir=/sys/kernel/config/nullb/vhascale
nullb=
fail=0
: > "$log"
: > "$results"

cleanup() {
	if [ -d "$nullb_dir" ]; then
		echo 0 > "$nullb_dir/power"
		rmdir "$nullb_dir"
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# The queue/device shapes: 1, 2, 4 queues on one device; 1, 4, 16 devices.
shapes="1x1 2x1 4x1 1x4 1x16"

# points: one per line, "part ring what queues devices mode".
points() {
	local part ring dir mode qd
	for part in $parts; do
		for mode in notify busypoll; do
			for qd in $shapes; do
				if [ "$part" = blk ]; then
					echo "blk - randread ${qd%x*} ${qd#*x} $mode"
					continue
				fi
				for ring in $rings; do
					for dir in tx rx; do
						echo "net $ring $dir ${qd%x*} ${qd#*x} $mode"
					done
				done
			done
		done
	done
}

# order ROUND: the points in this round's order.
order() {
	case $1 in
	1) points ;;
	2) points | tac ;;
	*) points | shuf --random-source=<(yes "$1") ;;
	esac
}

# A null_blk of its own (configfs): no memory behind it, as bench_blk.sh's,
# with tags for 16 devices x 32 requests in flight (its hw_queue_depth).
make_nullb() {
	[ -d /sys/kernel/config/nullb ] || modprobe null_blk nr_devices=0
	grep -q ' /sys/kernel/config ' /proc/mounts ||
		mount -t configfs none /sys/kernel/config
	mkdir "$nullb_dir" || return 1
	echo 4096 > "$nullb_dir/size"
	echo 512 > "$nullb_dir/blocksize"
	echo 1024 > "$nullb_dir/hw_queue_depth"
	nproc > "$nullb_dir/submit_queues"
	echo 1 > "$nullb_dir/power" || return 1
	# 6.1 names the disk after the configfs item, older kernels nullb<N>
	if [ -b /dev/vhascale ]; then
		nullb=/dev/vhascale
	else
		nullb=/dev/nullb$(cat "$nullb_dir/index")
	fi
	# no I/O accounting: two clock reads a request, dear under emulation
	echo 0 > "/sys/block/${nullb#/dev/}/queue/iostats"
}

# run_point ROUND PART RING WHAT QUEUES DEVICES MODE: one point, its
# samples tagged into $log and $results; its other lines in round 1.
run_point() {
	local r=$1 part=$2 ring=$3 what=$4 q=$5 d=$6 mode=$7 out p=0
	[ "$mode" = notify ] || p=$poll_us
	if [ "$part" = net ]; then
		out=$("$netbin" -r "$ring" -t "$secs" -m "$what" -q "$q" \
			-d "$d" -P "$p") || fail=1
	else
		out=$("$blkbin" -m vhost -t "$secs" -w "$warm" \
			$([ "$colocate" = 0 ] || echo -c) -q "$q" -d "$d" \
			-P "$p" "$nullb") || fail=1
	fi
	if [ "$r" = 1 ]; then
		echo "$out" | grep -v '^# result'
	else
		echo "$out" | grep '^# error'
	fi
	echo "$out" | grep -q '^# error' && fail=1
	echo "$out" | sed -n "s/^# result /bench=scale round=$r part=$part /p" |
		tee -a "$log" >> "$results"
}

# A point that would end past the budget is skipped: 1 if so.
over_budget() {
	[ -n "$budget" ] || return 1
	[ $(($(date +%s) - t_start + last)) -le "$budget" ] && return 1
	skipped=$((skipped + 1))
	return 0
}

if [[ " $parts " = *" net "* ]]; then
	[ -x "$netbin" ] || net_fail "$netbin missing (make user)"
fi
if [[ " $parts " = *" blk "* ]]; then
	if [ ! -c /dev/vhost-blk ] || [ ! -x "$blkbin" ]; then
		echo "# error: no /dev/vhost-blk or $blkbin: blk points skipped"
		parts=${parts//blk/}
		fail=1
	elif ! make_nullb; then
		echo "# error: no null_blk could be made: blk points skipped"
		parts=${parts//blk/}
		fail=1
	fi
fi
echo "# bench_scale: parts $parts, rings $rings, $rounds rounds, $secs s per point, busy-poll $poll_us us, blk warm-up $warm s, colocate $colocate${nullb:+, null_blk $nullb}${budget:+, budget $budget s}"
echo "# $(points | wc -l) points a round; $(nproc) CPUs"
t_start=$(date +%s)
last=3
skipped=0
for r in $(seq 1 "$rounds"); do
	t_round=$(date +%s)
	echo "# round $r"
	while read -r part ring what q d mode; do
		over_budget && continue
		t0=$(date +%s)
		run_point "$r" "$part" "$ring" "$what" "$q" "$d" "$mode"
		last=$(($(date +%s) - t0 + 1))
	done < <(order "$r")
	echo "# round $r took $(($(date +%s) - t_round)) s"
done
[ "$skipped" = 0 ] ||
	echo "# budget of $budget s reached: $skipped points skipped"

# The table. Rows: part, ring, what, mode, queues, devices; for each the
# throughput (tx_pps/rx_pps, iops) and CPU per unit (tx_cpu_ns/rx_cpu_ns,
# cpu_ns), and both as ratios to the row's 1x1 point.
awk -v order="$(points | tr ' \n' '/ ')" -v limit=1.15 \
	"$(cat "$VHA_ROOT/selftests/lib/median.awk")"'
function add(row, kind, val) {
	n[row, kind]++
	v[row, kind, n[row, kind]] = val
}
{
	split("", f)
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if (f["part"] == "net") {
		row = "net/" f["ring"] "/" substr(f["metric"], 1, 2) "/" \
		      f["queues"] "/" f["devices"] "/" f["mode"]
		add(row, f["metric"] ~ /_cpu_ns$/ ? "cpu" : "tput", f["value"] + 0)
	} else {
		row = "blk/-/randread/" f["queues"] "/" f["devices"] "/" f["poll"]
		add(row, "tput", f["iops"] + 0)
		add(row, "cpu", f["cpu_ns"] + 0)
	}
}
# Median, min, max of @row @kind into M, LO, HI: 1, or 0 if none.
function stats(row, kind,   i, a, c) {
	c = n[row, kind]
	if (!c) return 0
	LO = HI = v[row, kind, 1]
	for (i = 1; i <= c; i++) {
		a[i] = v[row, kind, i]
		if (a[i] < LO) LO = a[i]
		if (a[i] > HI) HI = a[i]
	}
	M = med(a, c)
	return 1
}
function cell(row, kind) {
	if (!stats(row, kind)) return sprintf("%26s", "-")
	return sprintf("%8.0f [%7.0f..%7.0f]", M, LO, HI)
}
# Median of @row over the 1x1 row of its kind, or "-".
function ratio(row, kind,   p, base, m) {
	split(row, p, "/")
	base = p[1] "/" p[2] "/" p[3] "/1/1/" p[6]
	if (!stats(row, kind)) return "-"
	m = M
	if (!stats(base, kind) || M <= 0) return "-"
	return sprintf("%.2f", m / M)
}
END {
	printf "#\n# scaling: median [min..max] over the rounds; x1: ratio of medians to 1 queue on 1 device\n"
	printf "# %-4s %-6s %-8s %-8s %2s %3s | %-26s %5s | %-26s %5s | %s\n", \
		"part", "ring", "what", "mode", "q", "dev", "pkts/s or IOPS", "x1", \
		"worker CPU ns per unit", "x1", "goal: CPU x1 <= " limit
	nr = split(order, rows, " ")
	for (i = 1; i <= nr; i++) {
		split(rows[i], p, "/")
		row = p[1] "/" p[2] "/" p[3] "/" p[4] "/" p[5] "/" p[6]
		if (row in done || (!n[row, "tput"] && !n[row, "cpu"])) continue
		done[row] = 1
		tr = ratio(row, "tput")
		cr = ratio(row, "cpu")
		goal = ""
		if ((p[4] == 4 && p[5] == 1) || (p[4] == 1 && p[5] == 16))
			goal = cr == "-" ? "none" : (cr + 0 <= limit ? "met" : "missed")
		printf "# %-4s %-6s %-8s %-8s %2s %3s | %s %5s | %s %5s | %s\n", \
			p[1], p[2], p[3], p[6], p[4], p[5], cell(row, "tput"), tr, \
			cell(row, "cpu"), cr, goal
		tm = stats(row, "tput") ? sprintf("%.1f", M) : "-"
		cm = stats(row, "cpu") ? sprintf("%.1f", M) : "-"
		kvs[++nk] = sprintf("# ratio part=%s ring=%s what=%s mode=%s queues=%s devices=%s value=%s value_ratio=%s cpu_ns=%s cpu_ratio=%s goal=%s", \
			p[1], p[2], p[3], p[6], p[4], p[5], tm, tr, cm, cr, \
			goal == "" ? "-" : goal)
	}
	for (i = 1; i <= nk; i++)
		print kvs[i]
}' "$log"
exit $fail
