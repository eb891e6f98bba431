#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e2e_vhost_user.sh: unmodified QEMU's vhost-user-blk-pci on our
# vhost-user-blk daemon, which hands the rings to /dev/vhost-blk. Inside
# the test VM:
#
#   selftests/vm/run.sh --kernel distro -- selftests/blk/e2e_vhost_user.sh
#
#   nested guest (2 vCPUs, busybox + fio + mkfs.ext4 initramfs)
#     virtio-blk /dev/vda: 2 queues, split ring | packed=on
#       |  rings in guest memory: memory-backend-memfd,share=on
#   QEMU -device vhost-user-blk-pci,num-queues=2 -chardev socket,reconnect=1
#       |  vhost-user on a unix socket: the memfd, kick and call eventfds
#   build/user/bin/vhost-user-blk (the daemon; never touches a request)
#       |  ioctls: memory table, rings, eventfds, VHOST_BLK_SET_BACKEND
#   /dev/vhost-blk (our vhost_blk) -- direct I/O --> null_blk, 256 MiB in RAM
#
# First vha-vub-hostile (selftests/blk/vub_hostile.c) sends malformed and
# out-of-order messages to a daemon of its own: each such connection must
# be closed with a reason, the daemon must stay up and leave nothing of
# the kernel's open. Then three guests, one after the other, all on the
# same daemon and disk:
#  split   fio verify jobs (random writes, then reads checked by crc32c;
#          queue depths 1 and 32, one job per vCPU and so per queue), then
#          a third verify job during which the daemon is killed and started
#          again (QEMU reconnects, the guest goes on), then mkfs.ext4,
#          files written, fsync, unmount. This VM then checks the file
#          system and the files' checksums on the null_blk itself.
#  packed  the same with packed=on, without the restart (QEMU cannot
#          restore a packed ring's position on reconnect without in-flight
#          tracking).
#  kill    QEMU is killed with SIGKILL in the middle of fio: the daemon
#          must close its /dev/vhost-blk (no process holds one, vhost_blk's
#          reference count drops back) and stay up for the next front-end.
# Proof that the I/O went through our module: vha_blk's debugfs counters
# grow by at least the requests the guest's block layer completed, and
# the daemon holds a /dev/vhost-blk while a guest runs. Prints TAP. About
# 5.5 minutes in the VM on the 2-core machine (the guests boot in 20-60 s
# each with KVM inside the VM; NESTED_ACCEL=tcg takes far longer).
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"
. "$VHA_ROOT/selftests/blk/lib.sh"
. "$VHA_ROOT/selftests/net/nested_lib.sh"

export NESTED_TIMEOUT=${NESTED_TIMEOUT:-1200}
vub=$VHA_BIN/vhost-user-blk
stats=/sys/kernel/debug/vha_blk/stats
daemon_pid="" daemon_n=0 disk="" sock=""

stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$stats"; }

refcnt() { cat /sys/module/vhost_blk/refcnt; }

# The processes that hold a /dev/vhost-blk open.
holders() {
	find /proc/[0-9]*/fd -lname /dev/vhost-blk 2>/dev/null | cut -d/ -f3 |
		sort -u | tr '\n' ' '
}

# no_holders: within 10 s no process holds /dev/vhost-blk and vhost_blk's
# reference count is 0 (closing the device drains it first).
no_holders() {
	local i

	for i in $(seq 20); do
		[ -z "$(holders)" ] && [ "$(refcnt)" = 0 ] && return 0
		sleep 0.5
	done
	echo "holders: $(holders); vhost_blk refcnt $(refcnt)"
	return 1
}

daemon_log() { echo "$nested_dir/daemon.$daemon_n.log"; }

# daemon_start: a daemon on $disk and $sock, its stderr in daemon.N.log.
daemon_start() {
	local i

	daemon_n=$((daemon_n + 1))
	"$vub" --verbose --num-queues=2 --serial=vha-e2e-serial \
		--blk-file="$disk" --socket-path="$sock" 2> "$(daemon_log)" &
	daemon_pid=$!
	for i in $(seq 50); do
		[ -S "$sock" ] && return 0
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.2
	done
	cat "$(daemon_log)"
	return 1
}

# daemon_says TEXT SECS: the current daemon's log has TEXT within SECS.
daemon_says() {
	local i

	for i in $(seq $(($2 * 5))); do
		grep -q "$1" "$(daemon_log)" && return 0
		sleep 0.2
	done
	return 1
}

# connections: the front-ends every daemon so far has served (a second
# one refused while another is served says "a second front-end ...").
connections() {
	cat "$nested_dir"/daemon.*.log | grep -c ': front-end connected$'
}

# The protocol errors a daemon reported (it says why and closes).
daemon_errors() {
	grep -h 'closing the connection' "$nested_dir"/daemon.*.log
}

cleanup() {
	nested_stop_all
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
	fi
	blk_cleanup
}

# The guest's /init. Its job comes on the kernel command line: vha.job=full
# (fio verify, vha.restart=1 a verify job the VM restarts the daemon
# under, then the file system) or vha.job=kill (fio until QEMU is killed).
# Every result is a line "NESTED-<KEY> <value>" on the console.
e2e_write_init() {
	{
	nested_init_prologue
	cat <<'EOF2'
export PATH=/bin:/usr/bin:/usr/sbin:/sbin
job=full restart=0
for a in $(cat /proc/cmdline); do
	case $a in
	vha.job=*) job=${a#*=} ;;
	vha.restart=*) restart=${a#*=} ;;
	esac
done
n=0
while [ ! -b /dev/vda ] && [ $n -lt 60 ]; do
	sleep 1
	n=$((n + 1))
done
echo "NESTED-FEATURES $(cat /sys/block/vda/device/features)"
echo "NESTED-QUEUES $(ls /sys/block/vda/mq | wc -l)"
echo "NESTED-SERIAL $(cat /sys/block/vda/serial)"
echo "NESTED-SECTORS $(cat /sys/block/vda/size)"
echo "NESTED-READY $(up)"
# taint WHEN: the kernel's taint flags; the first time they are set, the
# first warning's lines (the console shows errors only, and the runner
# shows 60 lines of it: a panic after this must stay in view). Under the
# emulated SVM the guest always warns once at boot: "XSAVE consistency
# problem" (CPUID's XSAVE size leaves PKRU out; turning PKU off made the
# VM's CPU stand still in KVM instead).
taint() {
	t=$(cat /proc/sys/kernel/tainted)
	echo "NESTED-TAINT-$1 $t"
	[ "$t" = 0 ] || [ -n "${shown:-}" ] || { shown=1; dmesg | grep -A2 'cut here' | tail -n 2; }
}
taint READY
# verify NAME FIO-ARGS...: a crc32c verify job on /dev/vda, one job per
# vCPU (and so per queue), each on its own 64 MiB; "NESTED-NAME ok|fail".
verify() {
	name=$1
	shift
	if fio --name="$name" --filename=/dev/vda --direct=1 --thread \
	       --ioengine=libaio --numjobs=2 --offset_increment=64M \
	       --cpus_allowed=0-1 --cpus_allowed_policy=split \
	       --verify=crc32c --do_verify=1 --verify_fatal=1 \
	       --group_reporting "$@" > /tmp/fio.out 2>&1; then
		echo "NESTED-$name ok"
	else
		echo "NESTED-$name fail"
	fi
	grep -E 'IOPS|err=|verify|rror' /tmp/fio.out | head -n 8
}
fs() {
	if ! mkfs.ext4 -q -F /dev/vda > /tmp/mkfs.out 2>&1; then
		cat /tmp/mkfs.out
		echo "NESTED-FS fail (mkfs)"
		return
	fi
	mkdir -p /mnt
	mount -t ext4 /dev/vda /mnt || { echo "NESTED-FS fail (mount)"; return; }
	sums=""
	for i in 1 2 3 4; do
		dd if=/dev/urandom of=/mnt/f$i bs=64k count=$((8 * i)) 2> /dev/null
		sync /mnt/f$i
		sums="$sums f$i:$(md5sum < /mnt/f$i | cut -d' ' -f1)"
	done
	if umount /mnt; then echo "NESTED-FS ok"; else echo "NESTED-FS fail (umount)"; fi
	echo "NESTED-SUMS$sums"
}
case $job in
full)
	verify FIO-QD1 --rw=randwrite --bs=4k --iodepth=1 --size=4M
	verify FIO-QD32 --rw=randwrite --bsrange=4k-64k --iodepth=32 --size=32M
	if [ "$restart" = 1 ]; then
		taint WINDOW
		echo "NESTED-RESTART-WINDOW $(up)"
		# requests in flight at the kill, at 200 writes/s: fewer
		# interrupts for the emulated SVM to lose (see run_full)
		verify FIO-RESTART --rw=randwrite --bs=4k --iodepth=4 \
			--rate_iops=100 --size=32M --time_based --runtime=30 \
			--verify_backlog=256
		taint RESTART
	fi
	echo "NESTED-STAT-FIO $(cat /sys/block/vda/stat)"
	# (the block layer hides a discard's failure from blkdiscard)
	blkdiscard -o 201326592 -l 1048576 /dev/vda
	fs
	;;
kill)
	echo "NESTED-IO-RUNNING $(up)"
	fio --name=kill --filename=/dev/vda --direct=1 --thread \
		--ioengine=libaio --rw=randrw --bs=4k --iodepth=32 --numjobs=2 \
		--size=64M --time_based --runtime=900 > /dev/null 2>&1
	;;
esac
echo "NESTED-STAT $(cat /sys/block/vda/stat)"
echo "NESTED-T-DONE $(up)"
echo NESTED-DONE
reboot -f
EOF2
	} > "$1"
	chmod +x "$1"
}

e2e_make_initramfs() {
	local r=$nested_dir/root

	nested_initramfs_root virtio_pci virtio_blk ext4 || return 1
	nested_copy_bin /usr/bin/fio
	nested_copy_bin "$(command -v mkfs.ext4)"
	mkdir -p "$r/etc" "$r/usr/bin" "$r/usr/sbin"
	cp /etc/mke2fs.conf "$r/etc/" 2>/dev/null
	e2e_write_init "$r/init"
	nested_initramfs_pack
}

# e2e_start NAME DEVICE-OPTS CHARDEV-OPTS APPEND: a guest on the daemon's
# socket, its memory a shared memfd (vhost-user needs to map it).
e2e_start() {
	nested_qemu "$1" "$4" -smp 2 -m 512 \
		-object memory-backend-memfd,id=mem,size=512M,share=on \
		-numa node,memdev=mem -chardev "socket,id=c0,path=$sock$3" \
		-device "vhost-user-blk-pci,chardev=c0,num-queues=2$2"
	printf '%q ' e2e_start "$@" > "$nested_dir/$1.args"
}

# wait_console NAME TEXT: the guest said TEXT (status 1 if QEMU died).
wait_console() {
	while ! grep -aq "$2" "$nested_dir/$1.console"; do
		nested_alive "$1" || return 1
		[ "$(nested_elapsed "$1")" -lt "$NESTED_TIMEOUT" ] || return 1
		sleep 1
	done
}

# counters_save NAME: vha_blk's counters before the guest NAME runs.
counters_save() { cp "$stats" "$nested_dir/$1.stats0"; }

# counter_delta NAME KEY: how much counter KEY grew since counters_save.
counter_delta() {
	echo $(($(stat_of "$2") - $(awk -v k="$2" '$1 == k { print $2 }' "$nested_dir/$1.stats0")))
}

# check_counters NAME: vha_blk served at least the requests the guest's
# block layer completed (its /sys/block/vda/stat) and their bytes. Writes
# are compared as the guest counted them before mkfs (NESTED-STAT-FIO:
# fio's direct writes): later, an fsync's empty preflush also counts as a
# guest write, which reaches the device as a FLUSH only.
check_counters() {
	local name=$1 k d="" r w fl dc
	local -a g f

	read -r -a g <<< "$(nested_get "$name" STAT)"
	read -r -a f <<< "$(nested_get "$name" STAT-FIO)"
	while read -r k _; do
		d="$d $k=$(counter_delta "$name" "$k")"
	done < "$stats"
	tap_diag "$name: vha_blk counters grew by:$d"
	tap_diag "$name: the guest's /sys/block/vda/stat: ${g[*]}"
	if [ "${#g[@]}" -lt 17 ] || [ "${#f[@]}" -lt 17 ]; then
		tap_not_ok "$name: the guest reported its disk statistics"
		return
	fi
	r=$(counter_delta "$name" reads)
	w=$(($(counter_delta "$name" writes) + $(counter_delta "$name" write_zeroes)))
	fl=$(counter_delta "$name" flushes)
	dc=$(($(counter_delta "$name" discards) + $(counter_delta "$name" unsupp) + $(counter_delta "$name" ioerr)))
	tap_check "$name: our vhost_blk served at least the guest's requests (reads $r >= ${g[0]}, writes and write zeroes $w >= ${f[4]} by fio, flushes $fl >= ${g[15]}, discards $dc >= ${g[11]})" \
		test "${g[0]}" -gt 0 -a "${f[4]}" -gt 0 -a "$r" -ge "${g[0]}" -a \
		"$w" -ge "${f[4]}" -a "$fl" -ge "${g[15]}" -a "$dc" -ge "${g[11]}"
	tap_check "$name: and at least the bytes (read $(counter_delta "$name" read_bytes) >= $((g[2] * 512)), written $(counter_delta "$name" write_bytes) >= $((f[6] * 512)) by fio)" \
		test "$(counter_delta "$name" read_bytes)" -ge $((g[2] * 512)) -a \
		"$(counter_delta "$name" write_bytes)" -ge $((f[6] * 512))
	tap_check "$name: no request failed with an I/O error (ioerr +$(counter_delta "$name" ioerr))" \
		test "$(counter_delta "$name" ioerr)" = 0
	tap_check "$name: the device carried out the guest's discards ($(counter_delta "$name" discards) of ${g[11]}; refused as unsupported: $(counter_delta "$name" unsupp))" \
		test "$(counter_delta "$name" discards)" -ge "${g[11]}" -a \
		"$(counter_delta "$name" unsupp)" = 0
}

# check_disk NAME: the file system the guest left on the null_blk is
# clean and holds its files, with the checksums the guest computed.
check_disk() {
	local want got i mnt=$blk_work/mnt

	want=$(nested_get "$1" SUMS)
	blockdev --flushbufs "$disk"
	echo 3 > /proc/sys/vm/drop_caches
	tap_check "$1: e2fsck -fn finds the guest's ext4 on $disk clean" \
		e2fsck -fn "$disk"
	mkdir -p "$mnt"
	if ! mount -t ext4 -o ro "$disk" "$mnt"; then
		tap_not_ok "$1: the guest's files on $disk match its checksums (mount failed)"
		return
	fi
	got=""
	for i in 1 2 3 4; do
		got="$got f$i:$(md5sum < "$mnt/f$i" | cut -d' ' -f1)"
	done
	umount "$mnt"
	tap_check "$1: the guest's files on $disk match its checksums (${want:-none})" \
		test -n "$want" -a "$want" = "${got# }"
}

# The daemon's view while a guest runs: it holds the only /dev/vhost-blk.
check_holder() {
	tap_check "$1: the daemon (pid $daemon_pid) holds the /dev/vhost-blk ($(holders))" \
		test "$(holders)" = "$daemon_pid "
}

# restart_diag NAME WHY: where the nested QEMU's threads wait, the
# sockets on the daemon's path, and the VM's latest kernel messages.
restart_diag() {
	local qpid t

	qpid=$(nested_pid "$1")
	tap_diag "$1: $2; QEMU $qpid's threads (tid state wchan name):"
	for t in /proc/"$qpid"/task/*; do
		tap_diag "  ${t##*/} $(awk '{ print $3 }' "$t/stat" 2>/dev/null) $(cat "$t/wchan" 2>/dev/null) $(cat "$t/comm" 2>/dev/null)"
		sed -n '1,6s/^/#     /p' "$t/stack" 2>/dev/null
	done
	ss -xap 2>/dev/null | grep -F "$sock" | sed 's/^/#   /'
	dmesg | tail -n 15 | sed 's/^/#   /'
	tail -n 5 "$(daemon_log)" | sed 's/^/#   daemon: /'
}

# restart_daemon NAME: kill the daemon under the guest's I/O and start it
# again; QEMU reconnects.
restart_daemon() {
	local old=$daemon_pid w0 t0

	w0=$(stat_of writes)
	kill -9 "$old"
	wait "$old" 2>/dev/null
	tap_diag "$1: daemon $old killed (SIGKILL) after $(($(stat_of writes) - w0)) more writes"
	tap_check "$1: the killed daemon left no /dev/vhost-blk open" no_holders
	# the killed daemon's socket: daemon_start then waits for the new one
	rm -f "$sock"
	sleep 1
	if ! daemon_start; then
		tap_not_ok "$1: the daemon starts again"
		return
	fi
	w0=$(stat_of writes)
	t0=$(date +%s)
	if daemon_says "front-end connected" 300; then
		t0=$(($(date +%s) - t0))
		# QEMU retries every second (reconnect=1): a slow reconnect
		# is the emulated machine standing still; say where QEMU was
		[ "$t0" -le 20 ] || restart_diag "$1" "QEMU took ${t0}s to reconnect"
		tap_ok "$1: QEMU reconnected to the new daemon (pid $daemon_pid, after ${t0}s)"
	else
		restart_diag "$1" "QEMU did not reconnect in 300s"
		tap_not_ok "$1: QEMU reconnected to the new daemon (pid $daemon_pid)"
	fi
	tap_check "$1: the new daemon runs the rings again" \
		daemon_says "ring 1 starts" 60
	sleep 5
	tap_check "$1: the guest's writes go on after the restart ($(($(stat_of writes) - w0)) in 5 s)" \
		test $(($(stat_of writes) - w0)) -gt 0
}

# run_hostile: vha-vub-hostile's malformed and out-of-order messages
# against a daemon of their own: each such connection is closed with a
# reason on the daemon's stderr, and the daemon lives on with nothing of
# the kernel's left open.
run_hostile() {
	local hs=$blk_work/hostile.sock log=$nested_dir/hostile.log pid line
	local closed said

	"$vub" --num-queues=2 --blk-file="$disk" --socket-path="$hs" 2> "$log" &
	pid=$!
	for line in $(seq 50); do
		[ -S "$hs" ] && break
		sleep 0.2
	done
	"$VHA_BIN/vha-vub-hostile" "$hs" > "$nested_dir/hostile.tap"
	while IFS= read -r line; do
		case $line in
		"ok "*) tap_ok "hostile: ${line#ok * - }" ;;
		"not ok "*) tap_not_ok "hostile: ${line#not ok * - }" ;;
		esac
	done < "$nested_dir/hostile.tap"
	closed=$(grep -c '^ok .*: closed$' "$nested_dir/hostile.tap")
	said=$(grep -c 'closing the connection' "$log")
	sed 's/^/# hostile daemon: /' "$log" | grep -v 'connected$'
	tap_check "hostile: the daemon said why it closed each of the $closed connections ($said)" \
		test "$closed" -gt 0 -a "$said" -ge "$closed"
	tap_check "hostile: the daemon is still up" kill -0 "$pid"
	tap_check "hostile: no /dev/vhost-blk is left open, vhost_blk's refcount is 0" \
		no_holders
	kill "$pid"
	wait "$pid"
	tap_check "hostile: the daemon ends with status 0 on SIGTERM" test $? = 0
}

# run_full NAME DEVICE-OPTS RESTART: the fio and file-system guest, up to
# twice more if the nested guest's own kernel died or the guest reset
# itself: after the daemon's restart CI saw it take double faults at
# syscall entry and oopses in interrupts on the user stack, with GS and
# the kernel GS base equal (the emulated SVM lost the swapgs state, see
# the README's Test VM section), twice in a row in one run; a third death
# fails.
run_full() {
	run_full_once "$@" retry || run_full_once "$@" retry ||
		run_full_once "$@" last
}

# nested_died_retry NAME TRY RC: with TRY "retry", did the nested kernel
# die (a panic on its console), or did the guest reset without a word
# (QEMU, -no-reboot, exited with status RC 0 before the guest's
# NESTED-DONE; only the init script's last line reboots, a kernel's
# death we cause says so)? Says so; the caller runs the guest once more.
nested_died_retry() {
	[ "$2" = retry ] || return 1
	if nested_died "$1"; then
		tap_diag "$1: the nested guest's kernel died ($(grep -aEm1 "$nested_panic_re" \
			"$nested_dir/$1.txt" | cut -c 1-80)): the emulated SVM, once more"
	elif [ "$3" = 0 ] && ! grep -aq NESTED-DONE "$nested_dir/$1.txt"; then
		tap_diag "$1: the nested guest reset itself without a report after $(nested_elapsed "$1")s (last line: $(grep -av '^$' "$nested_dir/$1.txt" | tail -n 1 | cut -c 1-80)): the emulated SVM, once more"
	else
		return 1
	fi
}

# run_full_once NAME DEVICE-OPTS RESTART TRY: one such guest; status 1,
# with no test point counted after its boot, if TRY is "retry" and the
# nested kernel died or the guest reset itself.
run_full_once() {
	local name=$1 packed=0 o0 c0 d0 rc feat n0 f0 opens conns starts
	local restart_tap=$nested_dir/$1.restart.tap

	case $2 in *packed=on*) packed=1 ;; esac
	counters_save "$name"
	o0=$(stat_of opens)
	c0=$(connections)
	d0=$daemon_n
	e2e_start "$name" "$2" ",reconnect=1" "vha.job=full vha.restart=$3"
	if ! nested_wait_ready "$name"; then
		nested_wait_exit "$name"
		rc=$?
		nested_show "$name"
		nested_died_retry "$name" "$4" "$rc" && return 1
		tap_not_ok "$name: the nested guest booted ($(nested_elapsed "$name")s)"
		return 0
	fi
	check_holder "$name"
	# the restart's points wait in a file until the guest has ended:
	# if its kernel died, they belong to the run that is not counted
	n0=$tap_n
	f0=$tap_failed
	: > "$restart_tap"
	if [ "$3" = 1 ]; then
		if wait_console "$name" NESTED-RESTART-WINDOW; then
			sleep 8
			restart_daemon "$name"
		else
			tap_not_ok "$name: the guest reached its job under the daemon's restart ($(nested_alive "$name" && echo "still running after $(nested_elapsed "$name")s" || echo "QEMU exited"))"
		fi
	fi > "$restart_tap"
	nested_wait_exit "$name"
	rc=$?
	nested_show "$name"
	if nested_died_retry "$name" "$4" "$rc"; then
		sed 's/^/# uncounted: /' "$restart_tap"
		tap_n=$n0
		tap_failed=$f0
		return 1
	fi
	cat "$restart_tap"
	tap_check "$name: QEMU ran the guest to its end (status $rc)" \
		grep -q NESTED-DONE "$nested_dir/$name.txt"
	# the features file lists bit 0 first: bit 34 is character 35
	feat=$(nested_get "$name" FEATURES | cut -c 35)
	tap_check "$name: the guest's virtio-blk negotiated VIRTIO_F_RING_PACKED=$packed" \
		test "$feat" = "$packed"
	tap_check "$name: the guest's virtio-blk runs 2 queues" \
		test "$(nested_get "$name" QUEUES)" = 2
	tap_check "$name: the guest reads the daemon's serial" \
		test "$(nested_get "$name" SERIAL)" = vha-e2e-serial
	tap_check "$name: the disk has the null_blk's size ($(nested_get "$name" SECTORS) sectors)" \
		test "$(nested_get "$name" SECTORS)" = $(($(blockdev --getsize64 "$disk") / 512))
	tap_check "$name: fio verify, random writes then reads, queue depth 1" \
		test "$(nested_get "$name" FIO-QD1)" = ok
	tap_check "$name: fio verify, random writes then reads, queue depth 32" \
		test "$(nested_get "$name" FIO-QD32)" = ok
	if [ "$3" = 1 ]; then
		tap_check "$name: fio verify across the daemon's restart" \
			test "$(nested_get "$name" FIO-RESTART)" = ok
	fi
	tap_check "$name: mkfs.ext4, files written and fsynced, unmounted in the guest" \
		test "$(nested_get "$name" FS)" = ok
	check_counters "$name"
	# A daemon opens it once when it starts, for its features, then once
	# per front-end: QEMU's connection to a restarted daemon, and a QEMU
	# the emulation made exit before the guest's /init ran (which
	# nested_wait_ready starts again), are connections of their own.
	opens=$(($(stat_of opens) - o0))
	conns=$(($(connections) - c0))
	tap_check "$name: one /dev/vhost-blk opened per connection ($opens opens, $((daemon_n - d0)) daemon starts, $conns connections)" \
		test "$opens" = $((daemon_n - d0 + conns))
	starts=$((1 + $(nested_restarts "$name")))
	tap_check "$name: QEMU connected once per QEMU start ($starts) and per daemon restart ($3): $conns connections" \
		test "$conns" = $((starts + $3))
	tap_check "$name: after QEMU exited no /dev/vhost-blk is open, vhost_blk's refcount is 0" \
		no_holders
	tap_check "$name: the daemon is still up" kill -0 "$daemon_pid"
	check_disk "$name"
	return 0
}

# run_kill: QEMU killed under I/O; the daemon lets go of everything.
run_kill() {
	local name=kill w0

	e2e_start "$name" "" "" "vha.job=kill"
	if ! nested_wait_ready "$name" || ! wait_console "$name" NESTED-IO-RUNNING; then
		tap_not_ok "$name: the nested guest booted and started its I/O"
		nested_wait_exit "$name"
		nested_show "$name"
		return
	fi
	check_holder "$name"
	w0=$(stat_of writes)
	sleep 5
	tap_check "$name: the guest's I/O runs ($(($(stat_of writes) - w0)) writes in 5 s)" \
		test $(($(stat_of writes) - w0)) -gt 0
	kill -9 "$(nested_pid "$name")"
	nested_wait_exit "$name"
	tap_check "$name: the daemon saw QEMU go" \
		daemon_says "front-end disconnected" 20
	tap_check "$name: no /dev/vhost-blk is open, vhost_blk's refcount is 0" \
		no_holders
	tap_check "$name: the daemon is still up for the next front-end" \
		kill -0 "$daemon_pid"
}

blk_prepare
[ -x "$vub" ] || blk_fail "$vub missing (make user)"
echo "TAP version 13"
trap cleanup EXIT
trap "exit 1" TERM INT
t0=$(date +%s)
nested_prepare "$blk_work/nested" e2e_make_initramfs
tap_check "the nested guest's kernel and initramfs are ready ($(($(date +%s) - t0))s)" \
	test -s "$nested_dir/initrd"
disk=$(nullb vhae2e 256)
sock=$blk_work/vub.sock
tap_check "vhost_blk is vhost-accel's and unused (refcount $(refcnt))" \
	test "$(refcnt)" = 0
if ! daemon_start; then
	tap_not_ok "the daemon serves $disk on $sock"
	echo "1..$tap_n"
	exit 1
fi
tap_ok "the daemon serves $disk on $sock"
run_hostile
run_full split "" 1
run_full packed ",packed=on" 0
run_kill
tap_check "no daemon reported a protocol error" test -z "$(daemon_errors)"
kill "$daemon_pid"
wait "$daemon_pid"
tap_check "the daemon ends with status 0 on SIGTERM" test $? = 0
daemon_pid=""
tap_check "nothing holds /dev/vhost-blk at the end" no_holders
for f in "$nested_dir"/daemon.*.log; do
	sed "s|^|# $(basename "$f" .log): |" "$f"
done
tap_diag "e2e: $(($(date +%s) - t0))s"
echo "1..$tap_n"
tap_done
