#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e2e_qemu.sh [packed|mq]...: unmodified QEMU starts a nested guest with
# -netdev tap,vhost=on,vhostforce=on on /dev/vhost-net (our module) and the
# guest exchanges ping and iperf3 (both directions) with this machine. The
# distro stage of `make check` runs it; by hand, in the test VM:
#
#   selftests/vm/run.sh --kernel distro -- selftests/net/e2e_qemu.sh packed mq
#
# The guest and its topology: nested_lib.sh. Proof that the traffic went
# through our module and not QEMU's userspace virtio-net: the vhost_net
# loaded is out-of-tree (the distribution's cannot load beside it), QEMU
# was told vhostforce (it exits if /dev/vhost-net fails), and our debugfs
# counters grow by at least the iperf3 traffic. Prints TAP.
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
. "$VHA_ROOT/selftests/net/nested_lib.sh"

modes=${*:-packed mq}
secs=${E2E_SECS:-2}
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

stat_of() { awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/vha_net/stats; }

# positive VALUE: VALUE is a number above zero (an iperf3 figure).
positive() { awk -v v="$1" 'BEGIN { exit !(v + 0 > 0) }'; }

run_mode() {
	local mode=$1 tx0 rx0 op0 tx rx op streams=1 feat

	[ "$mode" = mq ] && streams=2
	tx0=$(stat_of tx_packets) rx0=$(stat_of rx_packets) op0=$(stat_of opens)
	nested_run "$mode" on "$mode" "$secs" "$streams"
	check "$mode: QEMU ran the nested guest to its end (status $?)" \
		grep -q NESTED-DONE "$nested_dir/$mode.txt"
	nested_show "$mode"
	tx=$(($(stat_of tx_packets) - tx0)) rx=$(($(stat_of rx_packets) - rx0))
	op=$(($(stat_of opens) - op0))
	if [ "$mode" = packed ]; then
		# the features file lists bit 0 first: bit 34 is character 35
		feat=$(nested_get packed FEATURES | cut -c 35)
		check "packed: the nested guest's virtio-net negotiated VIRTIO_F_RING_PACKED" \
			test "$feat" = 1
	fi
	check "$mode: nested guest pings the VM over /dev/vhost-net" \
		test "$(nested_get "$mode" PING)" = ok
	check "$mode: iperf3 guest -> VM ($(nested_get "$mode" TX) Mbit/s)" \
		positive "$(nested_get "$mode" TX)"
	check "$mode: iperf3 VM -> guest ($(nested_get "$mode" RX) Mbit/s)" \
		positive "$(nested_get "$mode" RX)"
	check "$mode: our vhost_net counted the traffic (tx $tx, rx $rx packets)" \
		test "$tx" -gt 200 -a "$rx" -gt 200
	if [ "$mode" = mq ]; then
		check "mq: QEMU opened /dev/vhost-net once per queue pair ($op)" \
			test "$op" = 2
		check "mq: the guest runs 2 queue pairs" \
			test "$(nested_get mq QUEUES)" = 2
	else
		check "$mode: QEMU opened /dev/vhost-net once ($op)" test "$op" = 1
	fi
}

net_prepare
echo "TAP version 13"
check "vhost_net is vhost-accel's (out-of-tree), distro module not loaded" \
	grep -q O /sys/module/vhost_net/taint
t0=$(date +%s)
nested_prepare "$(mktemp -d /tmp/vha-e2e.XXXXXX)"
check "the nested guest's kernel and initramfs are ready ($(($(date +%s) - t0))s)" \
	test -s "$nested_dir/initrd"
nested_server_start
for m in $modes; do
	case $m in
	packed|mq) run_mode "$m" ;;
	*) not_ok "unknown mode $m" ;;
	esac
done
nested_server_stop
echo "1..$n"
[ "$failed" = 0 ]
