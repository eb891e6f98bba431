#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo_blk.sh: the block side of `make demo`. Inside the test VM (Debian's
# kernel, our modules loaded):
#
#   selftests/vm/run.sh --kernel distro -- selftests/blk/demo_blk.sh
#
# A nested guest under unmodified QEMU 7.2 runs fio on its virtio-blk disk,
# one guest at a time, on three back ends of the same memory-backed
# null_blk (256 MiB, written once so that reads copy data):
#
#   (a) ours  -device vhost-user-blk-pci on build/user/bin/vhost-user-blk,
#             which hands the rings to /dev/vhost-blk (our vhost_blk's
#             workers do the I/O: direct I/O on the null_blk)
#   (b) qemu  QEMU's own -device virtio-blk-pci, -drive aio=io_uring,
#             cache.direct=on, in an iothread
#   (c) qsd   qemu-storage-daemon's vhost-user-blk export (host_device,
#             aio=io_uring, cache.direct=on), the same front end as (a)
#
# Each back end gets two guests: one queue (1 vCPU, one fio job) and two
# queues (2 vCPUs, one fio job per vCPU and so per queue). Guest memory is
# a shared memfd for all three (vhost-user needs it), 512 MiB. In every
# guest fio (libaio, direct=1, 4 KiB, time_based) runs four points: random
# reads and random writes at iodepth 1 and 32, VHA_DEMO_SECS (3) seconds
# each after a second of ramp, and the four VHA_DEMO_BLK_RUNS (3) times.
# The table: IOPS median [min..max] over the runs per back end and point,
# the ratios of medians ours/(b) and ours/(c), and the project's goals
# (ours >= 1.6x (b) at iodepth 32, >= 1.0x (b) at iodepth 1 on one queue,
# >= 1.2x (c) everywhere) marked met or missed. Then where the CPU went
# while fio ran, per request: the back end's threads (our vhost-<pid>
# workers, QEMU's iothread, qemu-storage-daemon's threads, from
# /proc/<tid>/schedstat), the rest of QEMU (vCPUs, main loop), and the
# whole VM (/proc/stat). Proof for (a): vha_blk's debugfs counters grew by
# at least the requests the guest completed, and the daemon held the only
# /dev/vhost-blk; for (b) and (c) they did not move.
#
# Fails (status 1) if a guest does not boot, fio fails in it, or (a)'s I/O
# did not go through vhost_blk; the table then shows "-" where figures are
# missing, never zeros. VHA_DEMO_BLK_ORDER ("ours qemu qsd") is the order of
# the back ends for each queue count. Not a test (no TAP). About 12 minutes
# on the 2-core machine with KVM inside the VM (NESTED_ACCEL as nested_lib.sh).
# shellcheck disable=SC2317 # cleanup and the initramfs makers run through trap and nested_prepare
set -u
. "$VHA_ROOT/selftests/blk/lib.sh"
. "$VHA_ROOT/selftests/net/nested_lib.sh"

secs=${VHA_DEMO_SECS:-3}
runs=${VHA_DEMO_BLK_RUNS:-3}
order=${VHA_DEMO_BLK_ORDER:-ours qemu qsd}
queues=${VHA_DEMO_BLK_QUEUES:-1 2}
export NESTED_TIMEOUT=${NESTED_TIMEOUT:-1200}
vub=$VHA_BIN/vhost-user-blk
qsd=$(command -v qemu-storage-daemon)
stats=/sys/kernel/debug/vha_blk/stats
points="randread-qd1 randwrite-qd1 randread-qd32 randwrite-qd32"
back_pid="" disk="" sock="" fail=0

say() { echo "# $*"; }

# oops MESSAGE: a failure, said loudly; the demo ends with status 1.
oops() {
	echo "demo_blk: FAILED: $*"
	fail=1
}

stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$stats"; }

# The processes that hold a /dev/vhost-blk open.
holders() {
	find /proc/[0-9]*/fd -lname /dev/vhost-blk 2>/dev/null | cut -d/ -f3 |
		sort -u | tr '\n' ' '
}

back_stop() {
	[ -n "$back_pid" ] || return 0
	kill "$back_pid" 2>/dev/null
	wait "$back_pid" 2>/dev/null
	back_pid=""
}

cleanup() {
	nested_stop_all
	back_stop
	blk_cleanup
}

# back_start NAME BACKEND Q: the vhost-user back end of (a) or (c) on
# $sock, Q queues, its output in NAME.back; status 1 if it does not listen.
back_start() {
	local log=$nested_dir/$1.back

	rm -f "$sock"
	case $2 in
	ours)
		"$vub" --num-queues="$3" --blk-file="$disk" \
			--socket-path="$sock" > "$log" 2>&1 &
		;;
	qsd)
		"$qsd" --blockdev "driver=host_device,filename=$disk,node-name=d,cache.direct=on,aio=io_uring" \
			--export "type=vhost-user-blk,id=e,node-name=d,addr.type=unix,addr.path=$sock,writable=on,num-queues=$3" \
			> "$log" 2>&1 &
		;;
	*) return 0 ;;
	esac
	back_pid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && return 0
		kill -0 "$back_pid" 2>/dev/null || break
		sleep 0.2
	done
	sed "s/^/# $1 back end: /" "$log"
	back_pid=""
	return 1
}

# The guest's /init: fio's four points, vha.runs times, on /dev/vda with
# vha.q jobs (one per vCPU and queue). Results are lines "NESTED-IOPS RUN
# POINT IOPS"; NESTED-STAT0 and NESTED-STAT the disk's statistics around
# them. It sleeps 3 s after NESTED-READY and after NESTED-FIO-END, so that
# the VM, which polls the console, takes its CPU figures while nothing runs.
demo_write_init() {
	{
	nested_init_prologue
	cat <<'EOF2'
export PATH=/bin:/usr/bin:/usr/sbin:/sbin
q=1 secs=3 runs=3
for a in $(cat /proc/cmdline); do
	case $a in
	vha.q=*) q=${a#*=} ;;
	vha.secs=*) secs=${a#*=} ;;
	vha.runs=*) runs=${a#*=} ;;
	esac
done
n=0
while [ ! -b /dev/vda ] && [ $n -lt 60 ]; do
	sleep 1
	n=$((n + 1))
done
echo "NESTED-QUEUES $(ls /sys/block/vda/mq | wc -l)"
echo "NESTED-SECTORS $(cat /sys/block/vda/size)"
echo "NESTED-READY $(up)"
sleep 3
echo "NESTED-STAT0 $(cat /sys/block/vda/stat)"
ok=ok
i=1
while [ $i -le "$runs" ]; do
	if fio --output-format=terse --terse-version=3 --filename=/dev/vda \
	       --direct=1 --ioengine=libaio --thread --bs=4k --time_based \
	       --runtime="$secs" --ramp_time=1 --norandommap --randrepeat=0 \
	       --gtod_reduce=1 --group_reporting --numjobs="$q" \
	       --cpus_allowed=0-$((q - 1)) --cpus_allowed_policy=split \
	       --name=randread-qd1 --rw=randread --iodepth=1 \
	       --name=randwrite-qd1 --stonewall --rw=randwrite --iodepth=1 \
	       --name=randread-qd32 --stonewall --rw=randread --iodepth=32 \
	       --name=randwrite-qd32 --stonewall --rw=randwrite --iodepth=32 \
	       > /tmp/fio.out 2>&1; then
		# terse v3: 3 job name, 5 error, 8 read IOPS, 49 write IOPS
		awk -F';' -v r=$i 'NF > 50 {
			if ($5 != 0) print "NESTED-FIO-ERROR", r, $3, $5
			else printf "NESTED-IOPS %s %s %.0f\n", r, $3, $8 + $49 }' /tmp/fio.out
	else
		ok=fail
		head -n 20 /tmp/fio.out
	fi
	i=$((i + 1))
done
echo "NESTED-STAT $(cat /sys/block/vda/stat)"
echo "NESTED-FIO $ok"
echo "NESTED-FIO-END $(up)"
sleep 3
echo "NESTED-T-DONE $(up)"
echo NESTED-DONE
reboot -f
EOF2
	} > "$1"
	chmod +x "$1"
}

demo_make_initramfs() {
	nested_initramfs_root virtio_pci virtio_blk || return 1
	nested_copy_bin /usr/bin/fio
	demo_write_init "$nested_dir/root/init"
	nested_initramfs_pack
}

# demo_start NAME BACKEND Q: the guest, Q vCPUs and queues, on BACKEND.
demo_start() {
	local dev

	case $2 in
	qemu)
		# shellcheck disable=SC2054 # QEMU's options are comma-separated
		dev=(-drive "file=$disk,if=none,id=d,format=raw,aio=io_uring,cache.direct=on"
		     -object iothread,id=io0
		     -device "virtio-blk-pci,drive=d,iothread=io0,num-queues=$3,queue-size=256")
		;;
	*)
		dev=(-chardev "socket,id=c0,path=$sock"
		     -device "vhost-user-blk-pci,chardev=c0,num-queues=$3,queue-size=256")
		;;
	esac
	nested_qemu "$1" "vha.q=$3 vha.secs=$secs vha.runs=$runs" \
		-smp "$3" -m 512 -name "$1,debug-threads=on" \
		-object memory-backend-memfd,id=mem,size=512M,share=on \
		-numa node,memdev=mem "${dev[@]}"
	printf '%q ' demo_start "$@" > "$nested_dir/$1.args"
}

# wait_line NAME TEXT: the guest said TEXT (status 1 if QEMU died or
# NESTED_TIMEOUT passed).
wait_line() {
	while ! grep -aq "$2" "$nested_dir/$1.console"; do
		nested_alive "$1" || return 1
		[ "$(nested_elapsed "$1")" -lt "$NESTED_TIMEOUT" ] || return 1
		sleep 0.5
	done
}

# tasks_ns DIR...: CPU time (ns) the tasks /proc/PID/task/TID ran.
tasks_ns() {
	local t s=0 ns

	for t in "$@"; do
		read -r ns _ < "$t/schedstat" 2>/dev/null && s=$((s + ns))
	done
	echo "$s"
}

# backend_tasks BACKEND QEMU-PID: the threads that serve the disk: our
# daemon's vhost-<tid> workers (and the daemon), QEMU's iothread, every
# thread of qemu-storage-daemon.
backend_tasks() {
	local t c

	case $1 in
	ours)
		for t in /proc/"$back_pid"/task/*; do
			echo "$t"
			grep -lx "vhost-${t##*/}" /proc/[0-9]*/comm 2>/dev/null |
				while read -r c; do
					c=${c%/comm}
					echo "$c/task/${c##*/}"
				done
		done
		;;
	qemu)
		for c in /proc/"$2"/task/*/comm; do
			grep -qx "IO io0" "$c" && echo "${c%/comm}"
		done
		;;
	qsd) ls -d /proc/"$back_pid"/task/* ;;
	esac
}

# vm_busy_ns: CPU time the whole VM was busy (ns), from /proc/stat.
vm_busy_ns() {
	awk '$1 == "cpu" { printf "%.0f", ($2 + $3 + $4 + $7 + $8 + $9) * 1e9 / 100 }' /proc/stat
}

# cpu_snap NAME WHEN BACKEND: save "backend qemu-total vm-busy" (ns).
cpu_snap() {
	local qpid b q

	qpid=$(nested_pid "$1")
	# shellcheck disable=SC2046 # one path per word
	b=$(tasks_ns $(backend_tasks "$3" "$qpid"))
	# shellcheck disable=SC2046
	q=$(tasks_ns $(ls -d /proc/"$qpid"/task/*))
	echo "$b $q $(vm_busy_ns)" > "$nested_dir/$1.cpu$2"
}

# delta NAME KEY: how much vha_blk's counter KEY grew since the guest
# NAME started.
delta() {
	echo $(($(stat_of "$2") - $(awk -v k="$2" '$1 == k { print $2 }' "$nested_dir/$1.stats0")))
}

# run_guest BACKEND Q: one guest from start to end; its results appended
# to $log, its costs to $costs.
run_guest() {
	local be=$1 q=$2 name="$1-q$2" r w rb wb gr gw n c k
	local -a g0 g1 c0 c1

	say "--- $name: $(label "$be"), $q queue(s), $q vCPU(s)"
	if ! back_start "$name" "$be" "$q"; then
		oops "$name: the back end did not start"
		return
	fi
	cp "$stats" "$nested_dir/$name.stats0"
	demo_start "$name" "$be" "$q"
	if ! nested_wait_ready "$name"; then
		oops "$name: the nested guest did not boot ($(nested_elapsed "$name")s)"
		kill -9 "$(nested_pid "$name")" 2>/dev/null
		nested_wait_exit "$name"
		nested_show "$name"
		back_stop
		return
	fi
	cpu_snap "$name" 0 "$be"
	[ "$be" != ours ] || say "$name: /dev/vhost-blk held by pid(s) $(holders)(the daemon is $back_pid)"
	[ "$be" != ours ] || [ "$(holders)" = "$back_pid " ] ||
		oops "$name: the daemon ($back_pid) is not the only holder of /dev/vhost-blk ($(holders))"
	if wait_line "$name" NESTED-FIO-END; then
		cpu_snap "$name" 1 "$be"
	fi
	nested_wait_exit "$name"
	back_stop
	if [ "$(nested_get "$name" FIO)" != ok ] ||
	   [ "$(nested_get "$name" QUEUES)" != "$q" ] ||
	   grep -aq NESTED-FIO-ERROR "$nested_dir/$name.txt" ||
	   [ "$(grep -ac '^NESTED-IOPS ' "$nested_dir/$name.txt")" != $((runs * 4)) ]; then
		oops "$name: fio did not complete every run (queues $(nested_get "$name" QUEUES) of $q)"
		nested_show "$name"
		return
	fi
	grep -a '^NESTED-IOPS ' "$nested_dir/$name.txt" |
		awk -v b="$be" -v q="$q" '{ print b, q, $3, $2, $4 }' >> "$log"
	read -r -a g0 <<< "$(nested_get "$name" STAT0)"
	read -r -a g1 <<< "$(nested_get "$name" STAT)"
	n=$((g1[0] - g0[0] + g1[4] - g0[4]))
	if [ -s "$nested_dir/$name.cpu1" ] && [ "$n" -gt 0 ]; then
		read -r -a c0 < "$nested_dir/$name.cpu0"
		read -r -a c1 < "$nested_dir/$name.cpu1"
		echo "$be $q $n $((c1[0] - c0[0])) $((c1[1] - c0[1])) $((c1[2] - c0[2]))" >> "$costs"
	fi
	# Whose I/O was it: vha_blk's counters against the guest's own.
	c=""
	for k in reads writes read_bytes write_bytes; do
		c="$c $k +$(delta "$name" "$k")"
	done
	r=$(delta "$name" reads) w=$(delta "$name" writes)
	rb=$(delta "$name" read_bytes) wb=$(delta "$name" write_bytes)
	gr=${g1[0]} gw=${g1[4]}
	say "$name: the guest completed $gr reads, $gw writes ($((g1[2] * 512 / 1048576)) MiB, $((g1[6] * 512 / 1048576)) MiB); vha_blk counters:$c"
	if [ "$be" = ours ]; then
		if [ "$r" -ge "$gr" ] && [ "$w" -ge "$gw" ] && [ "$gr" -gt 0 ] && [ "$gw" -gt 0 ] &&
		   [ "$rb" -ge $((g1[2] * 512)) ] && [ "$wb" -ge $((g1[6] * 512)) ]; then
			say "$name: every request of the guest went through our vhost_blk"
		else
			oops "$name: vha_blk served fewer requests than the guest completed"
		fi
	elif [ "$r" != 0 ] || [ "$w" != 0 ]; then
		oops "$name: vha_blk's counters moved for a guest not on it"
	fi
}

label() {
	case $1 in
	ours) echo "(a) ours: vhost-user-blk + /dev/vhost-blk" ;;
	qemu) echo "(b) QEMU virtio-blk-pci, io_uring, iothread" ;;
	qsd) echo "(c) qemu-storage-daemon vhost-user-blk" ;;
	esac
}

# The table from $log ("backend queues point run iops") and $costs
# ("backend queues requests backend-ns qemu-ns vm-ns").
table() {
	echo "--- fio 4 KiB random I/O in the nested guest, IOPS: median [min..max] of $runs runs of ${secs}s"
	echo "    (a) ours: vhost-user-blk-pci -> our daemon -> /dev/vhost-blk"
	echo "    (b) QEMU virtio-blk-pci, aio=io_uring, cache.direct=on, iothread"
	echo "    (c) vhost-user-blk-pci -> qemu-storage-daemon (aio=io_uring, cache.direct=on)"
	awk -v points="$points" -v queues="$queues" -v costs="$costs" \
		"$(cat "$VHA_ROOT/selftests/lib/median.awk")"'
	function stats(k,   i, c, a) {
		c = 0
		for (i = 1; i <= n[k]; i++) a[++c] = v[k, i]
		if (!c) return 0
		LO = HI = a[1]
		for (i = 1; i <= c; i++) {
			if (a[i] < LO) LO = a[i]
			if (a[i] > HI) HI = a[i]
		}
		M = med(a, c)
		return 1
	}
	function cell(k) {
		return stats(k) ? sprintf("%6d [%6d..%6d]", M, LO, HI) : sprintf("%23s", "-")
	}
	function ratio(a, b,   x) {
		if (!stats(b) || M <= 0) return "-"
		x = M
		if (!stats(a)) return "-"
		return sprintf("%.2f", M / x)
	}
	# goal(text, ratio, min): "text ok" or "text MISSED" or "" if no figure
	function goal(t, r, min) {
		if (r == "-") return t " ?"
		return t (r + 0 >= min ? " met" : " MISSED")
	}
	{ k = $1 SUBSEP $2 SUBSEP $3; v[k, ++n[k]] = $5 }
	END {
		printf "%-17s | %-23s | %-23s | %-23s | %-8s | %-8s | %s\n", "point", \
			"(a) ours", "(b) virtio-blk-pci", "(c) qsd vhost-user", \
			"ours/(b)", "ours/(c)", "goals"
		nq = split(queues, qs, " ")
		np = split(points, pt, " ")
		for (i = 1; i <= nq; i++)
			for (j = 1; j <= np; j++) {
				a = "ours" SUBSEP qs[i] SUBSEP pt[j]
				b = "qemu" SUBSEP qs[i] SUBSEP pt[j]
				c = "qsd" SUBSEP qs[i] SUBSEP pt[j]
				rb = ratio(a, b)
				rc = ratio(a, c)
				g = ""
				if (pt[j] ~ /qd32/) g = goal("(b)>=1.6", rb, 1.6) ", "
				else if (qs[i] == 1) g = goal("(b)>=1.0", rb, 1.0) ", "
				g = g goal("(c)>=1.2", rc, 1.2)
				printf "%-17s | %s | %s | %s | %-8s | %-8s | %s\n", \
					sprintf("%s q%s", pt[j], qs[i]), cell(a), cell(b), \
					cell(c), rb, rc, g
			}
		print "--- CPU per request while fio ran (all four points, microseconds):"
		print "    back end: (a) our vhost-<pid> workers + the daemon, (b) QEMU'"'"'s iothread,"
		print "    (c) every qemu-storage-daemon thread; QEMU: the rest of the guest'"'"'s QEMU"
		print "    (vCPUs, main loop); VM: all CPU time of the test VM (/proc/stat)"
		printf "%-30s | %9s | %9s | %9s | %9s\n", "guest", "requests", "back end", "QEMU", "VM"
		while ((getline line < costs) > 0) {
			split(line, f, " ")
			qemu = f[5] - (f[1] == "qemu" ? f[4] : 0)
			printf "%-30s | %9d | %9.1f | %9.1f | %9.1f\n", \
				sprintf("%s, %s queue(s)", f[1] == "ours" ? "(a) ours" : \
					f[1] == "qemu" ? "(b) virtio-blk-pci" : "(c) qsd", f[2]), \
				f[3], f[4] / f[3] / 1000, qemu / f[3] / 1000, f[6] / f[3] / 1000
		}
	}' "$log"
}

[ -x "$vub" ] || { echo "demo_blk: $vub missing (make user)"; exit 1; }
[ -n "$qsd" ] || { echo "demo_blk: no qemu-storage-daemon (apt-get install qemu-system-common)"; exit 1; }
command -v fio > /dev/null || { echo "demo_blk: no fio"; exit 1; }
for be in $order; do
	case $be in
	ours | qemu | qsd) ;;
	*) echo "demo_blk: VHA_DEMO_BLK_ORDER: unknown back end '$be' (ours, qemu, qsd)"; exit 2 ;;
	esac
done
blk_prepare
trap cleanup EXIT
trap "exit 1" TERM INT
t0=$(date +%s)
echo "===== nested guest: fio on three virtio-blk back ends"
nested_prepare "$blk_work/nested" demo_make_initramfs || { echo "demo_blk: the nested initramfs could not be made"; exit 1; }
log=$nested_dir/results costs=$nested_dir/costs
: > "$log"
: > "$costs"
disk=$(nullb vhademo 256) || { echo "demo_blk: no null_blk"; exit 1; }
sock=$blk_work/demo.sock
# written once, so that reads copy data rather than find holes
dd if=/dev/zero of="$disk" bs=1M count=256 oflag=direct status=none
say "disk: $disk, memory-backed null_blk, $(($(blockdev --getsize64 "$disk") >> 20)) MiB, written once"
say "fio: 4 KiB, libaio, direct=1, ${secs}s + 1s ramp per point, $runs runs; back ends in the order: $order"
for q in $queues; do
	for be in $order; do
		run_guest "$be" "$q"
	done
done
table
echo "===== blk demo done in $(($(date +%s) - t0))s"
[ "$fail" = 0 ] || echo "demo_blk: FAILED (see the lines above)"
exit $fail
