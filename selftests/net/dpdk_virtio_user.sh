#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dpdk_virtio_user.sh [split|packed]...: DPDK's virtio_user driver, a second
# virtio driver written independently of QEMU and of our tools, drives
# /dev/vhost-net (our module): dpdk-testpmd (Debian's dpdk-dev) in txonly
# mode sends frames through it to a tap, in rxonly mode receives what is
# sent into the tap. Counts are checked at both ends: testpmd's own
# statistics, the tap's counters, our module's debugfs counters. DPDK sets
# a packed ring's base the vhost-user way (0x8000, avail half only); that
# once stopped every packed run after exactly one ring of frames.
#
#   dpdk-testpmd (virtio_user0, packed_vq=0|1) <-> /dev/vhost-net
#                                                   <-> tap vhadpdk0 (persistent)
#                                                        <-> vha-frame-send
#
# The distro stage of `make check` runs it; by hand:
#   selftests/vm/run.sh --kernel distro -- selftests/net/dpdk_virtio_user.sh
set -u
. "$VHA_ROOT/selftests/net/lib.sh"

rings=${*:-split packed}
secs=${DPDK_SECS:-3}		# txonly forwarding time
frames=${DPDK_FRAMES:-20000}	# rxonly: frames sent into the tap
iface=vhadpdk0
ring_size=256
work=$(mktemp -d /tmp/vha-dpdk.XXXXXX)
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

stat_of() { awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/vha_net/stats; }
tap_stat() { cat "/sys/class/net/$iface/statistics/$1"; }

# testpmd_stat LOG NAME: NAME (RX-packets, TX-packets) of port 0.
testpmd_stat() {
	awk -v k="$2:" '/Forward statistics for port 0/ { on = 1 }
		on { for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' "$1"
}

# within A B: B - ring_size <= A <= B (a ring's worth may be in flight
# when testpmd stops counting).
within() { [ "$1" -le "$2" ] && [ "$1" -ge $(($2 - ring_size)) ]; }

# A persistent tap, up, without IPv6 chatter: its counters outlive testpmd.
tap_create() {
	ip link del "$iface" 2>/dev/null
	ip tuntap add dev "$iface" mode tap vnet_hdr || return 1
	sysctl -qw "net.ipv6.conf.$iface.disable_ipv6=1"
	ip link set "$iface" up
}

# run_testpmd RING MODE LOG: start testpmd (its stdout line-buffered, to see
# when it forwards), wait until it does; it runs
# until testpmd_stop. Returns non-zero if it never got there.
run_testpmd() {
	local packed=0 i
	[ "$1" = packed ] && packed=1
	rm -f "$work/in"
	mkfifo "$work/in"
	timeout 300 stdbuf -oL dpdk-testpmd -l 0-1 --no-huge -m 1024 --no-pci \
		--file-prefix="vha$$" \
		--vdev="virtio_user0,path=/dev/vhost-net,queues=1,queue_size=$ring_size,iface=$iface,packed_vq=$packed" \
		--log-level=pmd.net.virtio.init:debug -- \
		--forward-mode="$2" --total-num-mbufs=16384 --auto-start \
		--no-mlockall < "$work/in" > "$3" 2>&1 &
	testpmd_pid=$!
	exec 4> "$work/in"
	for i in $(seq 240); do
		grep -q "Press enter to exit" "$3" && return 0
		kill -0 "$testpmd_pid" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

# testpmd ends when its stdin does, printing its statistics.
testpmd_stop() {
	exec 4>&-
	wait "$testpmd_pid"
}

# negotiated LOG RING: the driver's negotiated features have
# VIRTIO_F_RING_PACKED (bit 34) exactly when RING is packed.
negotiated() {
	local f want=0
	f=$(sed -n 's/.*features after negotiate = \([0-9a-f]*\).*/\1/p' "$1" | tail -n 1)
	[ -n "$f" ] || return 1
	[ "$2" = packed ] && want=1
	[ $(((0x$f >> 34) & 1)) = "$want" ]
}

# start RING MODE: a fresh tap and testpmd forwarding (MODE) through it;
# says why not and returns non-zero if it could not start.
start() {
	local log=$work/$1-$2.log
	tap_create || { not_ok "$1 $2: tap $iface"; return 1; }
	run_testpmd "$1" "$2" "$log" && return 0
	testpmd_stop
	not_ok "$1 $2: testpmd started on /dev/vhost-net"
	grep -v EAL "$log" | tail -n 20 | sed 's/^/#   /'
	return 1
}

# tx RING: testpmd txonly -> vhost_net TX -> tap.
tx() {
	local ring=$1 log=$work/$1-txonly.log tx0 sent got ours
	tx0=$(stat_of tx_packets)
	start "$ring" txonly || return
	sleep "$secs"
	testpmd_stop
	sent=$(testpmd_stat "$log" TX-packets)
	got=$(tap_stat rx_packets)
	ours=$(($(stat_of tx_packets) - tx0))
	check "$ring tx: DPDK virtio_user negotiated the $ring ring" negotiated "$log" "$ring"
	check "$ring tx: testpmd sent $sent frames, the tap got $got, our module counted $ours" \
		within "${got:-0}" "${sent:-0}"
	check "$ring tx: more than 10 rings' worth ($got frames, ring of $ring_size)" \
		test "${got:-0}" -gt $((10 * ring_size))
	check "$ring tx: every frame we sent reached the tap ($ours, $got)" \
		test "$ours" = "$got"
}

# rx RING: vha-frame-send -> tap -> vhost_net RX -> testpmd rxonly.
rx() {
	local ring=$1 log=$work/$1-rxonly.log rx0 sent taken got ours dropped
	rx0=$(stat_of rx_packets)
	start "$ring" rxonly || return
	sent=$("$VHA_BIN/vha-frame-send" "$iface" "$frames")
	sleep 2
	testpmd_stop
	got=$(testpmd_stat "$log" RX-packets)
	taken=$(tap_stat tx_packets)
	ours=$(($(stat_of rx_packets) - rx0))
	dropped=$(tap_stat tx_dropped)
	check "$ring rx: DPDK virtio_user negotiated the $ring ring" negotiated "$log" "$ring"
	check "$ring rx: $sent frames sent into the tap, $taken taken from it, testpmd received $got" \
		within "${got:-0}" "${taken:-0}"
	check "$ring rx: every frame sent was taken from the tap or dropped there ($taken + $dropped, $sent)" \
		test $((${taken:-0} + dropped)) -ge "${sent:-1}"
	check "$ring rx: more than 2 rings' worth received ($got, ring of $ring_size)" \
		test "${got:-0}" -gt $((2 * ring_size))
	check "$ring rx: our module delivered what it took ($ours, $taken)" \
		test "$ours" = "$taken"
}

net_prepare
command -v dpdk-testpmd > /dev/null || net_fail "dpdk-testpmd missing (apt-get install dpdk-dev)"
[ -x "$VHA_BIN/vha-frame-send" ] || net_fail "$VHA_BIN/vha-frame-send missing (make user)"
echo "TAP version 13"
t0=$(date +%s)
for r in $rings; do
	case $r in
	split|packed) tx "$r"; rx "$r" ;;
	*) not_ok "unknown ring $r" ;;
	esac
done
ip link del "$iface" 2>/dev/null
echo "# dpdk: $(($(date +%s) - t0))s"
echo "1..$n"
[ "$failed" = 0 ]
