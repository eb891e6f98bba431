#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_all.sh: every device benchmark in one VM boot (make bench):
# selftests/net/bench_net.sh, selftests/blk/bench_blk.sh and, when it is
# there, selftests/bench/bench_scale.sh, one after the other, each as it
# runs alone (its own rounds, order swapped each round, its own table).
# Then the machine (guest kernel, CPUs, emulated or KVM) and every sample
# the scripts left in $VHA_OUT, between marker lines on stdout, which the
# host (scripts/bench-run.sh) cuts out of run.sh's output and turns into
# JSON, tables and plots (scripts/bench-report.py).
#
#   selftests/vm/run.sh --kernel distro -- selftests/bench/bench_all.sh
#
# Env: BENCH_PARTS (net blk scale: the parts, in order), BENCH_ROUNDS (5,
# every part), BENCH_NET_SECS, BENCH_BLK_SECS, BENCH_SCALE_SECS (each
# part's BENCH_SECS; BENCH_SECS, when set, is the default for all),
# BENCH_SCALE_TIMEOUT (600 s: a scaling run that takes longer is stopped,
# its samples so far kept).
#
# Output lines for the host:
#   # bench-machine key=value ...
#   # bench-part part=net script=... status=0 secs=412
#   ===== bench-results part=net file=bench_net.results lines=N begin
#   ...the file's lines...
#   ===== bench-results part=net end
set -u
parts=${BENCH_PARTS:-net blk scale}
out=${VHA_OUT:-/tmp/vha-bench-out}
mkdir -p "$out"
fail=0

# part_script PART: the script of a part, or nothing if it is not there.
part_script() {
	local s
	case $1 in
	net) s=selftests/net/bench_net.sh ;;
	blk) s=selftests/blk/bench_blk.sh ;;
	scale) s=selftests/bench/bench_scale.sh ;;
	*) return 1 ;;
	esac
	[ -f "$VHA_ROOT/$s" ] && echo "$s"
}

# part_secs PART: its BENCH_SECS, or nothing (the script's default).
part_secs() {
	local v
	case $1 in
	net) v=${BENCH_NET_SECS:-} ;;
	blk) v=${BENCH_BLK_SECS:-} ;;
	scale) v=${BENCH_SCALE_SECS:-} ;;
	esac
	echo "${v:-${BENCH_SECS:-}}"
}

machine() {
	local kvm=tcg model
	dmesg 2>/dev/null | grep -q 'Hypervisor detected: KVM' && kvm=kvm
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	printf '# bench-machine vm_kernel=%s vm_cpus=%s vm_mem_kib=%s accel=%s vm_cpu_model=%s\n' \
		"$(uname -r)" "$(nproc)" \
		"$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)" \
		"$kvm" "$(echo "$model" | tr ' ' '_')"
}

machine
echo "# bench-all: parts $parts, rounds ${BENCH_ROUNDS:-default}"
for p in $parts; do
	s=$(part_script "$p") || {
		echo "# bench-part part=$p status=absent"
		continue
	}
	secs=$(part_secs "$p")
	echo "#"
	echo "# ===== $p: $s${secs:+ (BENCH_SECS=$secs)} ====="
	t0=$(date +%s)
	rc=0
	if [ "$p" = scale ]; then
		# not ours, and maybe unfinished: bounded, and it may not be
		# executable yet
		BENCH_SECS=$secs timeout -k 10 "${BENCH_SCALE_TIMEOUT:-600}" \
			bash "$VHA_ROOT/$s" || rc=$?
	elif [ -n "$secs" ]; then
		BENCH_SECS=$secs "$VHA_ROOT/$s" || rc=$?
	else
		"$VHA_ROOT/$s" || rc=$?
	fi
	[ "$rc" = 0 ] || fail=1
	echo "# bench-part part=$p script=$s status=$rc secs=$(($(date +%s) - t0))"
done

# Every sample, between markers (the console can carry a kernel line in
# between: the host checks the count).
for p in $parts; do
	f=$out/bench_$p.results
	[ -f "$f" ] || continue
	echo "===== bench-results part=$p file=$(basename "$f") lines=$(wc -l < "$f") begin"
	cat "$f"
	echo "===== bench-results part=$p end"
done
# let the host's console reader catch up before the VM powers off
sleep 2
exit $fail
