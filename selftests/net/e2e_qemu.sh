#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e2e_qemu.sh [packed|mq]...: unmodified QEMU starts a nested guest with
# -netdev tap,vhost=on,vhostforce=on on /dev/vhost-net (our module) and the
# guest exchanges ping and iperf3 (both directions at once, --bidir) with
# this machine. The distro stage of `make check` runs it; by hand:
#
#   selftests/vm/run.sh --kernel distro -- selftests/net/e2e_qemu.sh packed mq
#
# The guest and its topology: nested_lib.sh. The guests run one after the
# other, so each one's counters are its own. They used to boot side by
# side, but two nested guests at once under KVM on the VM's emulated SVM
# twice broke in CI: a guest reset early in its boot, and once the VM's
# kernel panicked in KVM's shutdown handling ("corrupted stack end").
# One at a time, as the demo runs them, costs about a minute.
# Proof that the traffic went through our module and not QEMU's userspace
# virtio-net: the vhost_net loaded is out-of-tree (the distribution's
# cannot load beside it), QEMU holds /dev/vhost-net descriptors (one per
# queue pair; vhostforce makes it exit if vhost fails), and our debugfs
# counters grow by at least the iperf3 traffic. Prints TAP.
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
. "$VHA_ROOT/selftests/net/nested_lib.sh"

modes=${*:-packed mq}
# With KVM a guest is ready about a minute after its QEMU starts; with TCG
# inside TCG (no KVM in this VM) 7-10 minutes on the loaded 2-core
# machine. The bound is per guest, from its start.
export NESTED_TIMEOUT=${NESTED_TIMEOUT:-1200}
secs=${E2E_SECS:-2}
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

stat_of() { awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/vha_net/stats; }

# positive VALUE: VALUE is a number above zero (an iperf3 figure).
positive() { awk -v v="$1" 'BEGIN { exit !(v + 0 > 0) }'; }

# run_mode MODE: let the booted guest of MODE exchange its traffic, then
# check what it did.
run_mode() {
	local mode=$1 tx0 rx0 tx rx fds want=1 feat rc

	[ "$mode" = mq ] && want=2
	if ! nested_wait_ready "$mode"; then
		not_ok "$mode: the nested guest booted ($(nested_elapsed "$mode")s)"
		nested_go "$mode"
		nested_show "$mode"
		return
	fi
	fds=$(nested_vhost_fds "$mode")
	tx0=$(stat_of tx_packets) rx0=$(stat_of rx_packets)
	nested_go "$mode"
	rc=$?
	tx=$(($(stat_of tx_packets) - tx0)) rx=$(($(stat_of rx_packets) - rx0))
	nested_show "$mode"
	check "$mode: QEMU ran the nested guest to its end (status $rc)" \
		grep -q NESTED-DONE "$nested_dir/$mode.txt"
	check "$mode: QEMU holds one /dev/vhost-net per queue pair ($fds)" \
		test "$fds" = "$want"
	if [ "$mode" = packed ]; then
		# the features file lists bit 0 first: bit 34 is character 35
		feat=$(nested_get packed FEATURES | cut -c 35)
		check "packed: the nested guest's virtio-net negotiated VIRTIO_F_RING_PACKED" \
			test "$feat" = 1
	else
		check "mq: the guest runs 2 queue pairs" \
			test "$(nested_get mq QUEUES)" = 2
	fi
	check "$mode: nested guest pings the VM over /dev/vhost-net" \
		test "$(nested_get "$mode" PING)" = ok
	check "$mode: iperf3 guest -> VM ($(nested_get "$mode" TX) Mbit/s)" \
		positive "$(nested_get "$mode" TX)"
	check "$mode: iperf3 VM -> guest ($(nested_get "$mode" RX) Mbit/s)" \
		positive "$(nested_get "$mode" RX)"
	check "$mode: our vhost_net counted the traffic (tx $tx, rx $rx packets)" \
		test "$tx" -gt 200 -a "$rx" -gt 200
}

net_prepare
echo "TAP version 13"
check "vhost_net is vhost-accel's (out-of-tree), distro module not loaded" \
	grep -q O /sys/module/vhost_net/taint
t0=$(date +%s)
nested_prepare "$(mktemp -d /tmp/vha-e2e.XXXXXX)"
check "the nested guest's kernel and initramfs are ready ($(($(date +%s) - t0))s)" \
	test -s "$nested_dir/initrd"
trap nested_stop_all EXIT
trap "exit 1" TERM INT
op0=$(stat_of opens) want=0 idx=0
nested_server_start
for m in $modes; do
	case $m in
	packed) pairs=1 ;;
	mq) pairs=2 ;;
	*) not_ok "unknown mode $m"; continue ;;
	esac
	# one TCP stream per queue pair
	nested_start "$m" on "$m" "$idx" "$secs" "$pairs" 1
	run_mode "$m"
	# a QEMU the emulation made exit before the guest's /init ran is
	# started again (nested_wait_ready) and opens its devices again
	want=$((want + pairs * (1 + $(nested_restarts "$m"))))
	idx=$((idx + 1))
done
check "QEMU opened /dev/vhost-net $want times in all, one per queue pair per QEMU start (our counter: $(($(stat_of opens) - op0)))" \
	test $(($(stat_of opens) - op0)) = "$want"
echo "# e2e: $(($(date +%s) - t0))s from the start of the preparation"
echo "1..$n"
[ "$failed" = 0 ]
