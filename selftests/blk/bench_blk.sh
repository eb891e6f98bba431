#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_blk.sh: /dev/vhost-blk against a userspace virtio-blk device on
# io_uring and against fio on the bare backend, in one VM boot.
#
#   (a) vhost  vha-blk-bench guest rings <-> /dev/vhost-blk worker <-> backend
#   (b) uring  vha-blk-bench guest rings <-> blk_uring thread per queue
#              (tools/blk-uring, as QEMU's aio=io_uring) <-> backend
#   (c) fio    fio --ioengine=io_uring --direct=1 <-> backend: the ceiling,
#              no rings at all (gtod_reduce, batches as deep as the queue).
#              Under emulation fio's own work per I/O is dear: at iodepth
#              32 and more the ring devices beat it, so there it is a
#              reference, not a ceiling.
#
# Points (vha-blk-bench -l, selftests/blk/blk_bench.c): 4 KiB random reads
# and writes at iodepth 1, 32 and 128 on one queue and on two (fio: one
# and two jobs), 128 KiB sequential reads and writes at iodepth 32.
# Backends: null_blk (not memory backed: the device's own cost only, 256
# tags a hardware queue so that iodepth 128 does not wait for tags) and
# brd (RAM disk: data copied). Each round, on every backend: (a) and (b)
# back to back for every point (one vha-blk-bench), and (c) over all
# points; the next round the other way round: (c) first, then (b) before
# (a). Then, per backend and point: median, min and max of each (IOPS for
# 4 KiB, MB/s for 128 KiB); ours/uring and ours/fio as the ratio of
# medians and as the median of per-round ratios (less disturbed by a host
# whose load drifts); the device's CPU time per request for (a) and (b)
# (the vhost-<pid> workers, blk_uring's threads), and two queues' over one
# queue's. Absolute numbers under emulation mean little; compare the
# ratios. Not in the suite.
#
#   selftests/vm/run.sh --kernel distro -- selftests/blk/bench_blk.sh
#   (make bench-blk). Env: BENCH_ROUNDS (5), BENCH_SECS per point (1.2),
#   BENCH_WARM warm-up per point (0.2), BENCH_POINTS (vha-blk-bench -p
#   patterns, default all), BENCH_BACKENDS ("null_blk brd"),
#   BENCH_URING_SETUP (vha-blk-bench -u: defer, coop or plain),
#   BENCH_COLOCATE (1: queue q's driver and device threads, and fio's job
#   q, on CPU q, see vha-blk-bench -c for why; 0: where the scheduler
#   puts them).
set -u
# Before blk_prepare: its modprobe then finds null_blk loaded as we want.
# 512 KiB requests, so that a 128 KiB one is not split (a split under
# IOCB_NOWAIT is refused with EAGAIN, and every side issues it again from
# a blocking context: a measure of that retry, not of the device).
modprobe null_blk nr_devices=1 gb=4 bs=512 hw_queue_depth=256 \
	submit_queues=2 max_sectors=1024
. "$VHA_ROOT/selftests/blk/lib.sh"
blk_prepare
rounds=${BENCH_ROUNDS:-5}
secs=${BENCH_SECS:-1.2}
warm=${BENCH_WARM:-0.2}
pats=${BENCH_POINTS:-*}
backends=${BENCH_BACKENDS:-null_blk brd}
setup=${BENCH_URING_SETUP:-defer}
colocate=${BENCH_COLOCATE:-1}
bin=$VHA_BIN/vha-blk-bench
log=$blk_work/results
[ -x "$bin" ] || blk_fail "$bin missing (make user)"
command -v fio > /dev/null || blk_fail "no fio"
fail=0

# backend_dev NAME: the block device of a backend (brd made here).
backend_dev() {
	case "$1" in
	null_blk) [ -b /dev/nullb0 ] && echo /dev/nullb0 ;;
	brd) brd ;;
	esac
}

# fio_jobs DEV: a job file with the points vha-blk-bench runs, in order.
fio_jobs() {
	printf '[global]\nioengine=io_uring\ndirect=1\nregisterfiles=1\n'
	# fio takes whole units: milliseconds
	printf 'filename=%s\ntime_based=1\nruntime=%dms\nramp_time=%dms\n' \
		"$1" "$(awk -v s="$secs" 'BEGIN { print s * 1000 }')" \
		"$(awk -v s="$warm" 'BEGIN { print s * 1000 }')"
	# as little as fio can do per I/O: no latency clock reads (each one an
	# emulated HPET read here), batches as deep as the queue
	printf 'norandommap=1\nrandrepeat=0\ngroup_reporting=1\ngtod_reduce=1\n'
	[ "$colocate" = 0 ] ||
		printf 'cpus_allowed=0-%s\ncpus_allowed_policy=split\n' \
			$(($(nproc) - 1))
	"$bin" -l -p "$pats" | while read -r name rw bs depth queues; do
		printf '[%s]\nstonewall\nrw=%s\nbs=%s\nnumjobs=%s\n' \
			"$name" "$rw" "$bs" "$queues"
		printf 'iodepth=%s\niodepth_batch_submit=%s\n' "$depth" "$depth"
		printf 'iodepth_batch_complete_max=%s\n' "$depth"
	done
}

# run_fio BACKEND DEV: terse v3 lines turned into result lines (field 3
# job name, 5 error, 7/8 read KiB/s and IOPS, 48/49 write KiB/s and IOPS).
run_fio() {
	fio_jobs "$2" > "$blk_work/jobs.fio"
	fio --output-format=terse --terse-version=3 "$blk_work/jobs.fio" |
		awk -F';' '
		$5 != 0 { printf "# error mode=fio point=%s: error %s\n", $3, $5; next }
		{ printf "# result mode=fio point=%s iops=%.1f mbs=%.2f\n", $3,
			$8 + $49, ($7 + $48) * 1024 / 1e6 }'
}

# run MODES BACKEND DEV ROUND: vha-blk-bench in MODES (vhost,uring: each
# point in both, back to back) or fio; results tagged.
run() {
	local out
	if [ "$1" = fio ]; then
		out=$(run_fio "$2" "$3")
	else
		out=$("$bin" -m "$1" -t "$secs" -w "$warm" -p "$pats" \
			-u "$setup" $([ "$colocate" = 0 ] || echo -c) "$3") ||
			fail=1
	fi
	# the devices' own figures (batches, calls) once; errors always
	if [ "$4" = 1 ]; then
		echo "$out" | grep -v '^# result'
	else
		echo "$out" | grep '^# error'
	fi
	echo "$out" | grep -q '^# error' && fail=1
	echo "$out" | sed -n "s/^# result /backend=$2 round=$4 /p" >> "$log"
}

# Round $1's order: ours first, uring, fio; the other way round next time.
order() {
	if [ $(($1 % 2)) = 1 ]; then
		echo "vhost,uring fio"
	else
		echo "fio uring,vhost"
	fi
}

: > "$log"
declare -A dev
for be in $backends; do
	dev[$be]=$(backend_dev "$be") || true
	[ -n "${dev[$be]}" ] || { echo "# error: backend $be could not be made"; fail=1; continue; }
	# written once, so that reads in every round find allocated data
	[ "$be" = null_blk ] ||
		dd if=/dev/zero of="${dev[$be]}" bs=1M oflag=direct status=none \
			count=$(($(blockdev --getsize64 "${dev[$be]}") >> 20))
	# no I/O accounting (brd has none): it reads the clock twice a
	# request, under emulation an HPET register, dearer than the rest
	echo 0 > "/sys/block/${dev[$be]#/dev/}/queue/iostats"
	echo "# backend $be: ${dev[$be]}, $(($(blockdev --getsize64 "${dev[$be]}") >> 20)) MiB"
done
echo "# $rounds rounds, $secs s per point after $warm s of warm-up, blk_uring io_uring setup $setup, colocate $colocate"
for r in $(seq 1 "$rounds"); do
	echo "# round $r: $(order "$r")"
	for be in $backends; do
		[ -n "${dev[$be]:-}" ] || continue
		for m in $(order "$r"); do run "$m" "$be" "${dev[$be]}" "$r"; done
	done
done

# Every sample, for make bench's JSON (selftests/bench/bench_all.sh).
[ -z "${VHA_OUT:-}" ] || cp "$log" "$VHA_OUT/bench_blk.results"

# The table, per backend and point, from every mode's result lines.
awk -v points="$("$bin" -l -p "$pats" | cut -d' ' -f1 | tr '\n' ' ')" \
	"$(cat "$VHA_ROOT/selftests/lib/median.awk")"'
# Median, min and max of metric @f of @k (backend, point, mode) into M,
# LO, HI: 1, or 0 if there is none.
function stats(k, f,   r, a, c) {
	c = 0
	for (r = 1; r <= nrounds; r++)
		if ((k, r, f) in v)
			a[++c] = v[k, r, f]
	if (!c) return 0
	LO = HI = a[1]
	for (r = 1; r <= c; r++) {
		if (a[r] < LO) LO = a[r]
		if (a[r] > HI) HI = a[r]
	}
	M = med(a, c)
	return 1
}
# @o over @d for metric @f: ratio of medians into R, median of per-round
# ratios into P; 0 if either has no figure.
function ratios(o, d, f,   r, c, a) {
	if (!stats(d, f) || M <= 0) return 0
	R = M
	if (!stats(o, f)) return 0
	R = M / R
	c = 0
	for (r = 1; r <= nrounds; r++)
		if ((o, r, f) in v && (d, r, f) in v && v[d, r, f] > 0)
			a[++c] = v[o, r, f] / v[d, r, f]
	P = med(a, c)
	return 1
}
function cell(k, f) {
	if (!stats(k, f)) return sprintf("%24s", "-")
	return sprintf("%8.1f [%6.0f..%6.0f]", M, LO, HI)
}
function ratio_cell(o, d, f) {
	return ratios(o, d, f) ? sprintf("%5.2f (%5.2f)", R, P) : sprintf("%13s", "-")
}
function ratio_kv(name, o, d, f) {
	if (!ratios(o, d, f)) return sprintf(" %s=- %s_paired=-", name, name)
	return sprintf(" %s=%.3f %s_paired=%.3f", name, R, name, P)
}
function value(k, f, scale) {
	return stats(k, f) ? sprintf("%.1f", M / scale) : "-"
}
{
	for (i = 1; i <= NF; i++) { split($i, x, "="); kv[x[1]] = x[2] }
	k = kv["backend"] SUBSEP kv["point"] SUBSEP kv["mode"]
	r = kv["round"] + 0
	for (f in kv)
		if (f ~ /^(iops|mbs|cpu_ns)$/)
			v[k, r, f] = kv[f] + 0
	if (r > nrounds) nrounds = r
	if (!(kv["backend"] in seen)) { seen[kv["backend"]] = 1; bes[++nb] = kv["backend"] }
	split("", kv)
}
END {
	np = split(points, pt, " ")
	for (b = 1; b <= nb; b++) {
		be = bes[b]
		printf "#\n# backend %s: IOPS (4 KiB points) or MB/s (128 KiB): median [min..max] over the rounds;\n", be
		printf "# ours/x: ratio of medians (median of per-round ratios); cpu: device CPU us per request (median)\n"
		printf "# %-20s | %-24s | %-24s | %-24s | %-13s | %-13s | %6s %6s\n", \
			"point", "(a) vhost (ours)", "(b) uring", "(c) fio", \
			"ours/uring", "ours/fio", "cpu(a)", "cpu(b)"
		for (p = 1; p <= np; p++) {
			a = be SUBSEP pt[p] SUBSEP "vhost"
			u = be SUBSEP pt[p] SUBSEP "uring"
			c = be SUBSEP pt[p] SUBSEP "fio"
			f = pt[p] ~ /^(read|write)-/ ? "mbs" : "iops"
			printf "# %-20s | %s | %s | %s | %s | %s | %6s %6s\n", pt[p], \
				cell(a, f), cell(u, f), cell(c, f), ratio_cell(a, u, f), \
				ratio_cell(a, c, f), value(a, "cpu_ns", 1000), \
				value(u, "cpu_ns", 1000)
			kvs[b, p] = sprintf("# ratio backend=%s point=%s metric=%s vhost=%s uring=%s fio=%s%s%s cpu_vhost_ns=%s cpu_uring_ns=%s", \
				be, pt[p], f, value(a, f, 1), value(u, f, 1), \
				value(c, f, 1), ratio_kv("ours_uring", a, u, f), \
				ratio_kv("ours_fio", a, c, f), value(a, "cpu_ns", 1), \
				value(u, "cpu_ns", 1))
		}
		printf "# device CPU per request, two queues over one (medians): (a) vhost, (b) uring\n"
		for (p = 1; p <= np; p++) {
			if (pt[p] !~ /-q2$/) continue
			one = pt[p]
			sub(/-q2$/, "-q1", one)
			for (m = 1; m <= 2; m++) {
				mode = m == 1 ? "vhost" : "uring"
				q2[m] = ratios(be SUBSEP pt[p] SUBSEP mode, be SUBSEP one SUBSEP mode, "cpu_ns") ? sprintf("%.2f", R) : "-"
			}
			printf "# %-20s (a) %5s  (b) %5s\n", pt[p], q2[1], q2[2]
			kvs[b, p] = kvs[b, p] sprintf(" cpu_q2_over_q1_vhost=%s cpu_q2_over_q1_uring=%s", q2[1], q2[2])
		}
		for (p = 1; p <= np; p++)
			print kvs[b, p]
	}
}' "$log"
exit $fail
