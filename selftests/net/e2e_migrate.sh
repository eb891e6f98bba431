#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e2e_migrate.sh [split] [packed]: live migration of a nested guest whose
# NIC is vhost=on on our /dev/vhost-net and whose disk is vhost-user-blk
# on our daemon and /dev/vhost-blk, while the guest moves TCP traffic and
# writes, reads and verifies its disk. `make check` runs it in a boot of
# its own (selftests/check.sh: distro_lane); alone, `make
# check-migration`, or by hand:
#
#   selftests/vm/run.sh --kernel distro --suite --tests selftests/net/e2e_migrate.sh
#
#   nested guest 10.77.9.2 (1 vCPU, 384 MiB memfd share=on; busybox +
#   iperf3 + fio): virtio-net-pci eth0, vhost-user-blk-pci vda (1 queue),
#   split rings, or packed=on on both
#
#   source QEMU --tap vhmsrc--+                  +-- vhost-user-blk A (sock a)
#     vhost=on /dev/vhost-net |                  |     /dev/vhost-blk --+
#                             bridge vhmbr        |                      null_blk
#   dest QEMU   --tap vhmdst--+ 10.77.9.1/24     +-- vhost-user-blk B    (64 MiB)
#     -incoming tcp:127.0.0.1 |  iperf3 -s        |     (sock b) --------+
#
# Once the guest runs iperf3 --bidir (rate-limited, so that the pre-copy
# converges under emulation) to this VM and a fio random write job with
# crc32c verify-backlog reads on vda, the source QEMU is told to migrate
# (QMP: migrate tcp:127.0.0.1:PORT); the destination QEMU, started with
# -incoming and the same devices on its own tap (same bridge) and its own
# daemon (same disk), takes over; the source then quits. Everything the
# guest prints after the switch lands on the destination's console, which
# dates it. Checked:
#  - the migration completed and the destination runs; the source quit;
#  - the TCP stream survived: iperf3 (one connection each way, started on
#    the source) ends without error on the destination, and the VM's
#    iperf3 server saw data both ways after the switch;
#  - fio's verify-only pass over everything written (before, during and
#    after the switch) runs on the destination and passes;
#  - our devices run on the destination: its QEMU holds /dev/vhost-net,
#    its net debugfs queues (/sys/kernel/debug/vhost-accel/<pid>-net-*)
#    and daemon B's blk queue count packets after the switch, with no
#    ring error, dropped frame or broken ring;
#  - the ring state: kprobes on vhost_accel (vha_vring_ioctl: the
#    SET/GET_VRING_BASE argument from user memory; vha_ring_get_base's
#    return; vha_ring_set_base's argument) show the source's
#    VHOST_GET_VRING_BASE of every queue equal to the destination's
#    VHOST_SET_VRING_BASE, and the destination's rings started there
#    (packed: avail and used wrap counters, bits 15 and 31, included);
#    packed: the position has nothing in flight (used half == avail half).
#    For blk the same between daemon A's and daemon B's /dev/vhost-blk,
#    and through vhost-user (the daemons' logs);
#  - dirty logging was in use: the core's log_addr() (kprobe, counted by a
#    hist trigger per worker thread) ran in the source QEMU's vhost_net
#    worker and in daemon A's vhost_blk worker during the migration.
# kprobes rather than strace of QEMU: ptrace would stop the vCPU thread at
# every KVM_RUN return (an ioctl too) of the nested guest; the probes fire
# only on the vring base ioctls, ring starts and dirty-log writes.
# A nested guest whose own kernel dies, that resets itself without a word
# on the destination before its end (QEMU, -no-reboot, exits 0), or that
# KVM can no longer enter (QEMU: "KVM: entry failed, hardware error"; all
# the emulated SVM: README, Test VM) is run up to twice more, saying so;
# a third death fails. A destination silent for 40 s after the switch gets
# an NMI (the guest boots with unknown_nmi_panic) so that its kernel
# prints where it stood. Prints TAP. Measured on the 2-core machine: split and packed 164 s, `make check-migration`
# (the VM's boot included) 183 s.
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"
. "$VHA_ROOT/selftests/net/lib.sh"
. "$VHA_ROOT/selftests/blk/lib.sh"
. "$VHA_ROOT/selftests/net/nested_lib.sh"

modes=${*:-split packed}
# a guest runs about 2 minutes; one that stands still is given up after 5
export NESTED_TIMEOUT=${NESTED_TIMEOUT:-300}
# The workload must outlast the migration: 9 to 11 s on a quiet host, 25 s
# seen on a loaded one (iperf3 then ended before the switch).
secs=${MIG_SECS:-50}		# the guest's iperf3 run
delay=${MIG_DELAY:-4}		# traffic before the migration starts
rate=${MIG_RATE:-30M}		# iperf3 -b, each direction
iops=${MIG_IOPS:-100}		# fio --rate_iops while it writes (16 MiB: 41 s)
# fio's libraries make the initramfs ~86 MiB, unpacked once more at boot:
# 256 MiB is too little; init_on_free=1 zeroes the freed initrd pages,
# which the migration then sends as zero pages
mem=${MIG_MEM:-384}
port=4477
net=10.77.9
vub=$VHA_BIN/vhost-user-blk
tr=/sys/kernel/tracing
dbg=/sys/kernel/debug/vhost-accel
daemon_a="" daemon_b="" disk="" iperf_pid=""

# The ioctl numbers QEMU and the daemon use (struct vhost_vring_state).
SET_BASE=0x4008af12
GET_BASE=0xc008af12

# --- the guest ---------------------------------------------------------

# The guest's /init: vha.ip, vha.secs, vha.rate, vha.iops on the kernel
# command line. Results are "NESTED-<KEY> value" lines.
mig_write_init() {
	{
	nested_init_prologue
	cat <<'EOF2'
export PATH=/bin:/usr/bin:/usr/sbin:/sbin
net=10.77.9 secs=30 rate=30M iops=150
for a in $(cat /proc/cmdline); do
	case $a in
	vha.ip=*) net=${a#*=} ;;
	vha.secs=*) secs=${a#*=} ;;
	vha.rate=*) rate=${a#*=} ;;
	vha.iops=*) iops=${a#*=} ;;
	esac
done
ip link set lo up
ip link set eth0 up
ip addr add $net.2/24 dev eth0
n=0
while [ ! -b /dev/vda ] && [ $n -lt 60 ]; do
	sleep 1
	n=$((n + 1))
done
echo "NESTED-NET-FEATURES $(cat /sys/class/net/eth0/device/features)"
echo "NESTED-BLK-FEATURES $(cat /sys/block/vda/device/features)"
echo "NESTED-READY $(up)"
n=0
until ping -c 1 -W 1 $net.1 > /dev/null; do
	n=$((n + 1))
	[ $n -lt 400 ] || break
	sleep 2
done
echo "NESTED-T-GO $(up)"
# a heartbeat on the console: after the switch it tells a guest that
# stands still from one whose I/O does
(while sleep 15; do echo "NESTED-ALIVE $(up)"; done) &
# fio: 16 MiB of random 4 KiB writes, each block once, at a bounded rate
# (about as long as iperf3), with reads that verify every 64 written
# blocks while it runs; later a verify-only pass over all of it.
job="--name=mig --filename=/dev/vda --direct=1 --ioengine=libaio --bs=4k
     --size=16M --rw=randwrite --verify=crc32c --verify_fatal=1"
fio $job --iodepth=8 --rate_iops=$iops --do_verify=1 --verify_backlog=64 \
	> /tmp/fio.out 2>&1 &
fio=$!
iperf3 -c $net.1 -t $secs --bidir -b $rate -f m -i 0 > /tmp/iperf 2>&1
echo "NESTED-IPERF-RC $? $(up)"
grep -E 'receiver|sender|error' /tmp/iperf
mbps() {
	awk -v p="$1" '$0 ~ p && /receiver/ {
		for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1) }
	     END { print (v == "" ? "fail" : v) }' /tmp/iperf
}
echo "NESTED-TX $(mbps TX-C)"
echo "NESTED-RX $(mbps RX-C)"
if wait $fio; then echo "NESTED-FIO-WRITE ok"; else echo "NESTED-FIO-WRITE fail"; fi
grep -E 'IOPS|err=|verify|rror' /tmp/fio.out | head -n 6
if fio $job --iodepth=16 --verify_only > /tmp/fio.out 2>&1; then
	echo "NESTED-FIO-VERIFY ok $(up)"
else
	echo "NESTED-FIO-VERIFY fail $(up)"
fi
grep -E 'IOPS|err=|verify|rror' /tmp/fio.out | head -n 6
echo "NESTED-TAINT $(cat /proc/sys/kernel/tainted)"
echo "NESTED-T-DONE $(up)"
echo NESTED-DONE
reboot -f
EOF2
	} > "$1"
	chmod +x "$1"
}

mig_make_initramfs() {
	nested_initramfs_root virtio_pci virtio_net virtio_blk || return 1
	nested_copy_bin /usr/bin/iperf3
	nested_copy_bin /usr/bin/fio
	mig_write_init "$nested_dir/root/init"
	nested_initramfs_pack
}

# mig_qemu NAME MODE TAP SOCK [QEMU-ARG...]: one of the pair; the same
# devices on both sides, as migration requires.
mig_qemu() {
	local name=$1 mode=$2 tap=$3 sock=$4 dev=""

	shift 4
	[ "$mode" = packed ] && dev=",packed=on"
	nested_qemu "$name" "init_on_free=1 unknown_nmi_panic vha.ip=$net vha.secs=$secs vha.rate=$rate vha.iops=$iops" \
		-smp 1 -m "$mem" \
		-object "memory-backend-memfd,id=mem,size=${mem}M,share=on" \
		-numa node,memdev=mem \
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no,vhost=on,vhostforce=on" \
		-device "virtio-net-pci,id=nic0,netdev=n0,mac=52:54:00:77:09:02$dev" \
		-chardev "socket,id=c0,path=$sock" \
		-device "vhost-user-blk-pci,chardev=c0,num-queues=1$dev" \
		-qmp "unix:$nested_dir/$name.qmp,server=on,wait=off" "$@"
	printf '%q ' mig_qemu "$name" "$mode" "$tap" "$sock" "$@" > "$nested_dir/$name.args"
}

qmp() { nested_qmp "$nested_dir/$1.qmp" "${@:2}"; }

# json_str KEY: the first "KEY": "value" of stdin.
json_str() { grep -o "\"$1\": \"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
# json_num KEY: the first "KEY": number of stdin.
json_num() { grep -o "\"$1\": [0-9]*" | head -n 1 | awk '{ print $2 }'; }

# --- this VM's side ----------------------------------------------------

# daemon_start VAR SOCK LOG: a daemon on the disk and SOCK, its pid in VAR.
daemon_start() {
	local pid

	"$vub" --verbose --num-queues=1 --blk-file="$disk" \
		--socket-path="$2" > "$3" 2>&1 &
	pid=$!
	printf -v "$1" %s "$pid"
	for _ in $(seq 50); do
		[ -S "$2" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	sed 's/^/# /' "$3"
	return 1
}

taps_make() {
	local t

	for t in vhmsrc vhmdst; do
		ip link del "$t" 2>/dev/null
		ip tuntap add dev "$t" mode tap vnet_hdr || return 1
		ip link set "$t" master vhmbr up || return 1
	done
}

taps_del() {
	ip link del vhmsrc 2>/dev/null
	ip link del vhmdst 2>/dev/null
	ip addr flush dev vhmbr 2>/dev/null
}

probes_on() {
	[ -d "$tr/events" ] || mount -t tracefs nodev "$tr" 2>/dev/null
	[ -w "$tr/kprobe_events" ] || return 1
	echo 0 > "$tr/tracing_on"
	probes_off
	{
		echo "p:vhamig/vring vha_vring_ioctl cmd=%si:x32 idx=+u0(%dx):u32 num=+u4(%dx):x32"
		echo "r:vhamig/getbase vha_ring_get_base base=\$retval:x32"
		echo "p:vhamig/setbase vha_ring_set_base base=%si:x32"
	} >> "$tr/kprobe_events" || return 1
	echo "cmd == $SET_BASE || cmd == $GET_BASE" > "$tr/events/vhamig/vring/filter"
	# dirty logging: the core's log_addr() runs only while a device logs
	# (buffers it wrote: net RX, blk data and status); counted per worker
	# thread (vhost-<owner pid>) by a hist trigger, nothing recorded
	if grep -qE ' t log_addr.\[vhost_accel\]' /proc/kallsyms &&
	   echo "p:vhamig/logaddr vhost_accel:log_addr" >> "$tr/kprobe_events"; then
		echo "hist:keys=common_pid.execname" > "$tr/events/vhamig/logaddr/trigger"
	fi
	echo 1 > "$tr/options/record-tgid"
	echo 2048 > "$tr/buffer_size_kb"
	echo > "$tr/trace"
	for e in vring getbase setbase; do
		echo 1 > "$tr/events/vhamig/$e/enable"
	done
	echo 1 > "$tr/tracing_on"
}

probes_off() {
	[ -d "$tr/events/vhamig" ] || return 0
	echo 0 > "$tr/events/vhamig/enable"
	[ -d "$tr/events/vhamig/logaddr" ] &&
		echo "!hist:keys=common_pid.execname" > "$tr/events/vhamig/logaddr/trigger"
	{
		echo "-:vhamig/vring"
		echo "-:vhamig/getbase"
		echo "-:vhamig/setbase"
		[ -d "$tr/events/vhamig/logaddr" ] && echo "-:vhamig/logaddr"
	} >> "$tr/kprobe_events"
	echo 0 > "$tr/options/record-tgid"
}

# bases TRACE: the ring positions per process, from the kprobes' trace:
#   GET <tgid> <vq> <value>   the last VHOST_GET_VRING_BASE answered (the
#                             value vha_ring_get_base returned inside it)
#   SET <tgid> <vq> <value>   the first VHOST_SET_VRING_BASE given
#   KSET <tgid> <value>       each base a ring was started at, in order
bases() {
	awk -v set="$SET_BASE" -v get="$GET_BASE" '
	function arg(k,   i) {
		for (i = 1; i <= NF; i++)
			if (index($i, k "=") == 1) return substr($i, length(k) + 2)
		return ""
	}
	/^#/ { next }
	match($0, /-[0-9]+ +\( *[0-9]+\)/) {
		s = substr($0, RSTART + 1, RLENGTH - 1)
		gsub(/[()]/, " ", s)
		split(s, p, " ")
		tid = p[1]; tgid = p[2]
		if ($0 ~ / vring: /) {
			cmd = arg("cmd"); vq = arg("idx")
			if (cmd == get) pend[tid] = tgid " " vq
			else if (cmd == set && !((tgid, vq) in seen)) {
				seen[tgid, vq] = 1
				print "SET", tgid, vq, arg("num")
			}
		} else if ($0 ~ / getbase: / && (tid in pend)) {
			last[pend[tid]] = arg("base")
			delete pend[tid]
		} else if ($0 ~ / setbase: /) {
			print "KSET", tgid, arg("base")
		}
	}
	END { for (k in last) print "GET", k, last[k] }
	' "$1"
}

# base_of TRACE KIND TGID VQ: one value of bases.
base_of() { bases "$1" | awk -v k="$2" -v t="$3" -v q="$4" '$1 == k && $2 == t && $3 == q { print $4 }'; }

# ksets TRACE TGID: the bases the process's rings were started at, sorted.
ksets() { bases "$1" | awk -v t="$2" '$1 == "KSET" && $2 == t { print $3 }' | sort | tr '\n' ' '; }

# logged MODE PID: log_addr() calls by the worker(s) of PID's devices
# (threads named vhost-PID), from the hist trigger.
logged() {
	awk -v w="vhost-$2" '/hitcount:/ && $3 == w { n += $NF } END { print n + 0 }' \
		"$nested_dir/$1.loghist"
}

# packed_str VALUE: a packed base spelled out.
packed_str() {
	local v=$(($1))

	printf 'avail %d wrap %d, used %d wrap %d' $((v & 0x7fff)) $(((v >> 15) & 1)) \
		$(((v >> 16) & 0x7fff)) $(((v >> 31) & 1))
}

# vq_field PID TYPE VQ FIELD: a counter of the debugfs queue of PID's
# device(s) of TYPE (net, blk), summed.
vq_field() {
	local f s=0 v

	for f in "$dbg/$1-$2-"*/"vq$3"; do
		[ -r "$f" ] || continue
		v=$(awk -v k="$4" '$1 == k { print $2 }' "$f")
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

# dst_errors PID: errors err_backend dropped broken of PID's net queues
# and of daemon B's blk queue, summed per device.
dst_errors() {
	local k

	printf 'net'
	for k in errors err_backend dropped broken; do
		printf ' %d' $(($(vq_field "$1" net 0 $k) + $(vq_field "$1" net 1 $k)))
	done
	printf ', blk'
	for k in errors err_backend dropped broken; do
		printf ' %d' "$(vq_field "$daemon_b" blk 0 $k)"
	done
}

# dst_queues PID: the notification side of PID's net queues and daemon
# B's blk queue, a line each (shown when they did not move).
dst_queues() {
	local f

	for f in "$dbg/$1-net-"*/vq[01] "$dbg/$daemon_b-blk-"*/vq0; do
		[ -r "$f" ] || continue
		echo "${f#"$dbg"/}: $(awk '$1 ~ /^(kicks|notifications|notifications_suppressed|chains|packets|inflight|broken|errors)$/ { printf "%s %s ", $1, $2 }' "$f")"
	done
}

net_pkts() { echo $(($(vq_field "$1" net 0 packets) + $(vq_field "$1" net 1 packets))); }

# iperf_after LOG T ROLE: the VM's iperf3 server's 1 s intervals of ROLE
# (RX-S: guest -> VM, TX-S: VM -> guest) that carried data and ended
# after time T.
iperf_after() {
	awk -v t="$2" -v r="[$3]" '$1 > t && index($0, r) && !/sender|receiver/ {
		for (i = 2; i <= NF; i++) if ($i == "Mbits/sec" && $(i - 1) > 0) n++ }
		END { print n + 0 }' "$1"
}

# iperf_after_ok LOG T ROLE: some; else the server's log, for the reader.
iperf_after_ok() {
	[ "$(iperf_after "$@")" -gt 0 ] && return 0
	echo "switch at $2; the iperf3 server's log:"
	grep -v -- '- - -' "$1" | tail -n 40
	return 1
}

# wait_console NAME TEXT: the guest said TEXT on NAME's console (status
# 1 if that QEMU died or NESTED_TIMEOUT passed).
wait_console() {
	while ! grep -aq "$2" "$nested_dir/$1.console"; do
		nested_alive "$1" || return 1
		[ "$(nested_elapsed "$1")" -lt "$NESTED_TIMEOUT" ] || return 1
		sleep 1
	done
}

# migrate NAME: migrate NAME-src to NAME-dst; prints the final status and
# leaves query-migrate's last answer in NAME.migrate.
migrate() {
	local name=$1 st=""

	# a slower machine than ours: auto-converge throttles the guest's vCPU
	# if its memory is dirtied faster than it is sent
	qmp "$name-src" \
		'{"execute": "migrate-set-capabilities", "arguments": {"capabilities": [{"capability": "auto-converge", "state": true}]}}' \
		'{"execute": "migrate-set-parameters", "arguments": {"downtime-limit": 1000, "max-bandwidth": 1073741824}}' \
		"{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"tcp:127.0.0.1:$port\"}}" \
		> "$nested_dir/$name.migrate" 2>&1 || { echo "refused"; return; }
	for _ in $(seq "${MIG_TIMEOUT:-240}"); do
		sleep 1
		qmp "$name-src" '{"execute": "query-migrate"}' > "$nested_dir/$name.migrate" 2>&1
		st=$(json_str status < "$nested_dir/$name.migrate")
		case $st in completed | failed | cancelled) break ;; esac
		nested_alive "$name-src" || { st="source died"; break; }
	done
	echo "${st:-none}"
}

cleanup() {
	nested_stop_all
	run_end
	for p in $daemon_a $daemon_b; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip link del vhmbr 2>/dev/null
	blk_cleanup
}

# --- one migration -----------------------------------------------------

# run_end: what a run leaves behind, on every path: the iperf3 server,
# the kprobes, the taps and the bridge's address.
run_end() {
	if [ -n "$iperf_pid" ]; then
		kill "$iperf_pid" 2>/dev/null
		wait "$iperf_pid" 2>/dev/null
		iperf_pid=""
	fi
	probes_off
	taps_del
}

# QEMU's words when KVM (in the test VM: nested, on QEMU's emulated SVM)
# refuses to enter the guest: the vCPU stops for good, the guest stands
# still. Seen on the destination right after a switch, with the guest's
# RIP in its system-call entry and its user stack pointer loaded (the
# emulated SVM's known failure, see README: Test VM and verdicts).
entry_failed='KVM: entry failed, hardware error'

# still_probe NAME SINCE: while NAME's QEMU runs, once its console has been
# silent for 40 s since its last line or SINCE (the end of the migration,
# in seconds since the epoch; the guest prints a heartbeat every 15 s), write to
# NAME.still what QEMU's virtio-net queues hold (the control queue, 2, is
# QEMU's own; 0 and 1 are vhost's), then inject an NMI: the guest boots
# with unknown_nmi_panic, so its kernel prints where its vCPU stood, by
# its own symbols, and dies (a retry, like any nested guest's death). A
# QEMU that says KVM's entry failed is killed at once instead: its vCPU
# will not run again (the one stand-still caught so far was that).
still_probe() {
	local name=$1 out=$nested_dir/$1.still age q last

	while nested_alive "$name"; do
		if grep -aq "$entry_failed" "$nested_dir/$name.qemu"; then
			# the vCPU will not run again: end it now, not at the timeout
			grep -a -m1 "$entry_failed" "$nested_dir/$name.qemu" > "$out"
			kill -9 "$(nested_pid "$name")" 2>/dev/null
			return 0
		fi
		last=$(stat -c %Y "$nested_dir/$name.console")
		[ "$last" -ge "$2" ] || last=$2
		age=$(( $(date +%s) - last ))
		if [ "$age" -ge 40 ]; then
			for q in 0 1 2; do
				qmp "$name" "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info virtio-queue-status /machine/peripheral/nic0/virtio-backend $q\"}}" |
					tr -d '"' | sed 's/\\r\\n/ /g; s/  */ /g' | sed "s/^/vq$q /"
			done > "$out"
			echo "silent for ${age}s after $(nested_elapsed "$name")s: NMI" >> "$out"
			qmp "$name" '{"execute": "inject-nmi"}' > /dev/null
			return 0
		fi
		sleep 2
	done
}

# died_retry NAME TRY: with TRY "retry", did either guest's kernel die?
died_retry() {
	local s

	[ "$2" = retry ] || return 1
	for s in src dst; do
		if grep -aq "$entry_failed" "$nested_dir/$1-$s.qemu" 2>/dev/null; then
			tap_diag "$1: KVM could not enter the nested guest on the $s side ($(grep -a -m1 "$entry_failed" \
				"$nested_dir/$1-$s.qemu" | cut -c 1-80)): the emulated SVM, once more"
			return 0
		fi
		if [ -e "$nested_dir/$1-$s.reset" ]; then
			tap_diag "$1: the nested guest reset itself without a word on the $s side, before its end: the emulated SVM, once more"
			return 0
		fi
		nested_died "$1-$s" || continue
		tap_diag "$1: the nested guest's kernel died on the $s side ($(grep -aEm1 \
			"$nested_panic_re" "$nested_dir/$1-$s.txt" | cut -c 1-80)): the emulated SVM, once more"
		return 0
	done
	return 1
}

# run_once MODE TRY: one migration; status 1, before any test point, when
# TRY is "retry" and a nested guest's own kernel died.
run_once() {
	local m=$1 src=$1-src dst=$1-dst t_mig t_done st fds pkt0 pkt1 pkt2
	local bpk0 bpk1 rc_src rc_dst la lb sg ds g s k q feat want_bit=0 v want
	local la_get lb_set derr probe
	local trace=$nested_dir/$1.trace srv=$nested_dir/$1.iperf-server

	[ "$m" = packed ] && want_bit=1
	taps_make || { tap_not_ok "$m: taps on the bridge"; return 0; }
	la=$(wc -l < "$nested_dir/daemon-a.log")
	lb=$(wc -l < "$nested_dir/daemon-b.log")
	probes_on || { tap_not_ok "$m: kprobes on vhost_accel (tracefs)"; return 0; }
	iperf3 -s -1 -i 1 --timestamps='%s ' --forceflush > "$srv" 2>&1 &
	iperf_pid=$!
	mig_qemu "$src" "$m" vhmsrc "$nested_dir/a.sock"
	if ! nested_wait_ready "$src"; then
		nested_wait_exit "$src"
		run_end
		nested_show "$src"
		died_retry "$m" "$2" && return 1
		tap_not_ok "$m: the nested guest booted ($(nested_elapsed "$src")s)"
		return 0
	fi
	mig_qemu "$dst" "$m" vhmdst "$nested_dir/b.sock" -incoming "tcp:127.0.0.1:$port"
	ip addr add "$net.1/24" dev vhmbr
	wait_console "$src" NESTED-T-GO
	sleep "$delay"
	ds=$(qmp "$dst" '{"execute": "query-status"}' | json_str status)
	pkt0=$(net_pkts "$(nested_pid "$src")")
	t_mig=$(date +%s)
	st=$(migrate "$m")
	t_done=$(date +%s)
	# the destination runs its vhost devices once it has started
	sleep 3
	fds=$(nested_vhost_fds "$dst")
	pkt1=$(net_pkts "$(nested_pid "$dst")")
	bpk1=$(vq_field "$daemon_b" blk 0 packets)
	derr=$(dst_errors "$(nested_pid "$dst")")
	sg=$(qmp "$src" '{"execute": "query-status"}' | json_str status)
	qmp "$src" '{"execute": "quit"}' > /dev/null 2>&1
	nested_wait_exit "$src" > /dev/null
	rc_src=$?
	sleep 3
	pkt2=$(net_pkts "$(nested_pid "$dst")")
	bpk0=$bpk1
	bpk1=$(vq_field "$daemon_b" blk 0 packets)
	dst_queues "$(nested_pid "$dst")" > "$nested_dir/$m.dstvq"
	rm -f "$nested_dir/$dst.still"
	still_probe "$dst" "$t_done" &
	probe=$!
	nested_wait_exit "$dst"
	rc_dst=$?
	kill "$probe" 2>/dev/null
	wait "$probe" 2>/dev/null
	# QEMU (-no-reboot) exits 0 when its guest resets: one that had not
	# finished reset itself without a word (a triple fault)
	rm -f "$nested_dir/$dst.reset"
	[ "$rc_dst" = 0 ] && ! grep -aq NESTED-DONE "$nested_dir/$dst.txt" &&
		: > "$nested_dir/$dst.reset"
	echo 0 > "$tr/tracing_on"
	cp "$tr/trace" "$trace"
	cat "$tr/events/vhamig/logaddr/hist" > "$nested_dir/$m.loghist" 2>/dev/null
	run_end
	nested_show "$src"
	tap_diag "--- $m: the destination's console from the switch on:"
	nested_show "$dst"
	if [ -s "$nested_dir/$dst.still" ]; then
		tap_diag "$m: the destination stood still (its console silent for 40 s, or KVM's entry failed); what the probe found:"
		sed "s/^/#   $m: /" "$nested_dir/$dst.still"
		grep -a -A 45 'NMI' "$nested_dir/$dst.txt" | head -n 60 | sed "s/^/#   $m: /"
	fi
	died_retry "$m" "$2" && return 1

	tap_diag "$m: query-migrate: $(cut -c 1-400 "$nested_dir/$m.migrate")"
	tap_check "$m: the destination QEMU waited for the migration (status ${ds:-none})" \
		test "$ds" = inmigrate
	tap_check "$m: migrate over tcp:127.0.0.1:$port completed in $((t_done - t_mig))s (total-time $(json_num total-time < "$nested_dir/$m.migrate") ms, downtime $(json_num downtime < "$nested_dir/$m.migrate") ms, $(json_num dirty-sync-count < "$nested_dir/$m.migrate") dirty syncs)" \
		test "$st" = completed
	tap_check "$m: the source was left paused after it (status ${sg:-none}) and quit (status $rc_src)" \
		test "$sg" = postmigrate -a "$rc_src" = 0
	tap_check "$m: the source's vhost_net queues moved the guest's traffic before ($pkt0 packets)" \
		test "$pkt0" -gt 100
	tap_check "$m: the destination QEMU holds one /dev/vhost-net ($fds)" test "$fds" = 1
	tap_check "$m: the destination's vhost_net queues count packets after the switch ($pkt1, then $pkt2)" \
		test "$pkt1" -gt 0 -a "$pkt2" -gt "$pkt1"
	[ "$pkt1" -gt 0 ] && [ "$pkt2" -gt "$pkt1" ] && [ "$bpk1" -gt "$bpk0" ] ||
		sed 's/^/#   destination, 6 s after the switch: /' "$nested_dir/$m.dstvq"
	tap_check "$m: daemon B's /dev/vhost-blk queue counts requests after the switch ($bpk0, then $bpk1)" \
		test "$bpk0" -gt 0 -a "$bpk1" -gt "$bpk0"
	tap_check "$m: no ring error, dropped frame or broken ring on the destination's queues after the switch ($derr)" \
		test "$derr" = "net 0 0 0 0, blk 0 0 0 0"
	tap_check "$m: the guest ran to its end on the destination (QEMU status $rc_dst)" \
		grep -q NESTED-DONE "$nested_dir/$dst.txt"
	# the features files list bit 0 first: bit 34 is character 35
	feat="$(nested_get "$src" NET-FEATURES | cut -c 35)$(nested_get "$src" BLK-FEATURES | cut -c 35)"
	tap_check "$m: virtio-net and virtio-blk negotiated VIRTIO_F_RING_PACKED=$want_bit ($feat)" \
		test "$feat" = "$want_bit$want_bit"
	tap_check "$m: the guest's workload started on the source" \
		grep -q NESTED-T-GO "$nested_dir/$src.txt"
	g=$(nested_get "$dst" IPERF-RC)
	tap_check "$m: iperf3 --bidir (one TCP stream each way, from the source) ended without error on the destination (rc ${g:-none}; TX $(nested_get "$dst" TX), RX $(nested_get "$dst" RX) Mbit/s)" \
		test "${g%% *}" = 0
	tap_check "$m: the VM's iperf3 server got data from the guest after the switch (in $(iperf_after "$srv" "$t_done" RX-S) intervals of 1 s)" \
		iperf_after_ok "$srv" "$t_done" RX-S
	tap_check "$m: and sent data to it after the switch (in $(iperf_after "$srv" "$t_done" TX-S) intervals)" \
		iperf_after_ok "$srv" "$t_done" TX-S
	tap_check "$m: fio's writes with verify-backlog reads, across the switch" \
		grep -q "NESTED-FIO-WRITE ok" "$nested_dir/$m-src.txt" "$nested_dir/$dst.txt"
	tap_check "$m: fio's verify-only pass over all 16 MiB, on the destination" \
		test "$(nested_get "$dst" FIO-VERIFY | cut -d' ' -f1)" = ok

	# dirty logging while the migration ran
	if [ -s "$nested_dir/$m.loghist" ]; then
		s=$(logged "$m" "$(nested_pid "$src")") g=$(logged "$m" "$daemon_a")
		tap_check "$m: the source's vhost_net worker logged the guest memory it wrote while the migration ran ($s log_addr calls)" \
			test "$s" -gt 0
		tap_check "$m: daemon A's vhost_blk worker did too ($g log_addr calls)" \
			test "$g" -gt 0
	else
		tap_skip "no log_addr in vhost_accel (inlined?)" "$m: the source's devices logged dirty memory"
	fi

	# the ring state, from the kprobes
	bases "$trace" | sed "s/^/# $m: ring base: /"
	for k in net blk; do
		if [ $k = net ]; then
			s=$(nested_pid "$src") g=$(nested_pid "$dst") v="0 1"
		else
			s=$daemon_a g=$daemon_b v=0
		fi
		for q in $v; do
			la_get=$(base_of "$trace" GET "$s" "$q")
			lb_set=$(base_of "$trace" SET "$g" "$q")
			tap_check "$m: $k vq$q: the source's VHOST_GET_VRING_BASE ${la_get:-none} is the destination's VHOST_SET_VRING_BASE ${lb_set:-none}" \
				test -n "$la_get" -a "$la_get" = "$lb_set"
			if [ "$m" = packed ] && [ -n "$la_get" ]; then
				tap_diag "$m: $k vq$q at the switch: $(packed_str "$la_get")"
				tap_check "$m: $k vq$q: packed, nothing in flight at the switch (used half = avail half, wrap counters included)" \
					test $((la_get >> 16)) = $((la_get & 0xffff))
			fi
		done
		want=$(for q in $v; do base_of "$trace" SET "$g" "$q"; done | sort | tr '\n' ' ')
		tap_check "$m: $k: the destination's rings started at those bases (vha_ring_set_base: $(ksets "$trace" "$g"))" \
			test -n "$want" -a "$(ksets "$trace" "$g")" = "$want"
	done
	# the same through vhost-user: what daemon A answered QEMU, daemon B got
	la_get=$(tail -n +$((la + 1)) "$nested_dir/daemon-a.log" | sed -n 's/.*ring 0: stopped at base //p' | tail -n 1)
	lb_set=$(tail -n +$((lb + 1)) "$nested_dir/daemon-b.log" | sed -n 's/.*ring 0: base //p' | head -n 1)
	tap_check "$m: vhost-user: daemon A's GET_VRING_BASE answer ${la_get:-none} is the SET_VRING_BASE daemon B got ${lb_set:-none}" \
		test -n "$la_get" -a "$la_get" = "$lb_set"
	return 0
}

run_mode() { run_once "$1" retry || run_once "$1" retry || run_once "$1" last; }

net_prepare
blk_prepare
[ -x "$vub" ] || blk_fail "$vub missing (make user)"
echo "TAP version 13"
trap cleanup EXIT
trap "exit 1" TERM INT
t0=$(date +%s)
nested_prepare "$blk_work/nested" mig_make_initramfs
tap_check "the nested guest's kernel and initramfs are ready ($(($(date +%s) - t0))s)" \
	test -s "$nested_dir/initrd"
disk=$(nullb vhamig 64)
# the migration stream runs on loopback, which the VM does not bring up
ip link set lo up
ip link del vhmbr 2>/dev/null
ip link add vhmbr type bridge && ip link set vhmbr up
if ! daemon_start daemon_a "$nested_dir/a.sock" "$nested_dir/daemon-a.log" ||
   ! daemon_start daemon_b "$nested_dir/b.sock" "$nested_dir/daemon-b.log"; then
	tap_not_ok "two vhost-user-blk daemons serve $disk"
	echo "1..$tap_n"
	exit 1
fi
tap_ok "two vhost-user-blk daemons serve $disk (A $daemon_a, B $daemon_b)"
for m in $modes; do
	case $m in
	split | packed) run_mode "$m" ;;
	*) tap_not_ok "unknown mode $m" ;;
	esac
done
for f in a b; do
	grep -v 'connected$' "$nested_dir/daemon-$f.log" | grep -iE 'error|clos|refus' |
		head -n 10 | sed "s/^/# daemon $f: /"
done
tap_diag "e2e_migrate: $(($(date +%s) - t0))s"
echo "1..$tap_n"
tap_done
