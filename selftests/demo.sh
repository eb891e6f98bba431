#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job (`make demo`): install what is missing, build, boot a VM on
# Debian's kernel (the one users run), load our modules, and show what they
# provide: device nodes, misc minors, module parameters. Then a nested
# guest under unmodified QEMU (-netdev tap,vhost=on) runs iperf3 against
# the VM in both directions, three times in the same VM boot: on our
# vhost_net, on Debian's vhost_net, and on QEMU's userspace virtio-net
# (vhost=off), and the demo prints the figures and their ratios.
# Each guest runs VHA_DEMO_RUNS (5) iperf3 runs of VHA_DEMO_SECS (3)
# seconds per direction; the demo shows their median and range: single
# TCP runs under emulation inside emulation vary several-fold.
# VHA_DEMO_ORDER ("ours off distro") is the order the guests run in.
# Then the block side (selftests/blk/demo_blk.sh): fio in nested guests on
# our vhost-user-blk daemon + /dev/vhost-blk, on QEMU's virtio-blk-pci
# (io_uring, iothread) and on qemu-storage-daemon's vhost-user-blk export,
# VHA_DEMO_BLK_RUNS (3) runs of VHA_DEMO_SECS per point.
# VHA_DEMO_PARTS ("net blk") chooses the nested parts that run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

show_modules() {
	local m p desc

	echo "===== vhost-accel demo on $(uname -r)"
	echo "--- modules loaded from $VHA_KMOD"
	for m in $VHA_MODULES; do
		printf "%-18s %s\n" "$m" "$(modinfo -F description "$VHA_KMOD/$m.ko")"
	done
	echo "--- device nodes"
	ls -l /dev/vhost-* 2>/dev/null || echo "(none)"
	echo "--- /proc/misc"
	grep vhost /proc/misc || echo "(none)"
	echo "--- module parameters"
	for m in $VHA_MODULES; do
		for p in "/sys/module/$m/parameters/"*; do
			[ -e "$p" ] || continue
			desc=$(modinfo -F parm "$VHA_KMOD/$m.ko" | grep "^${p##*/}:" | cut -d: -f2-)
			printf "%s.%s = %s  (%s)\n" "$m" "${p##*/}" "$(cat "$p")" "${desc# }"
		done
	done
}

# which_vhost_net: whose vhost_net answers /dev/vhost-net now.
which_vhost_net() {
	if grep -q O /sys/module/vhost_net/taint 2>/dev/null; then
		echo "vhost-accel's (out-of-tree)"
	else
		echo "Debian's ($(modinfo -F filename vhost_net))"
	fi
}

# Debian's vhost_net in place of ours, and back.
use_distro_vhost_net() {
	rmmod vhost_net
	modprobe -a tun tap vhost_iotlb vhost
	insmod "/lib/modules/$(uname -r)/kernel/drivers/vhost/vhost_net.ko"
}

use_our_vhost_net() {
	grep -q O /sys/module/vhost_net/taint 2>/dev/null && return 0
	[ -e /sys/module/vhost_net ] && rmmod vhost_net
	[ -e /sys/module/vhost ] && rmmod vhost
	[ -e /sys/module/vhost_iotlb ] && rmmod vhost_iotlb
	insmod "$VHA_KMOD/vhost_net.ko"
}

stat_of() { awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/vha_net/stats; }

# run_config NAME: let the booted guest NAME run its iperf3, print its figures.
run_config() {
	local tx0=0 rx0=0

	nested_wait_ready "$1" || { nested_go "$1" || true; nested_show "$1"; return 1; }
	if [ "$1" = ours ]; then
		tx0=$(stat_of tx_packets) rx0=$(stat_of rx_packets)
	fi
	nested_go "$1" || true
	if [ "$(nested_get "$1" TX)" = "" ] || [ "$(nested_get "$1" TX)" = fail ] ||
	   [ "$(nested_get "$1" RX)" = fail ]; then
		nested_show "$1"
		return 1
	fi
	echo "$1: guest -> VM $(nested_get "$1" TX) Mbit/s, VM -> guest $(nested_get "$1" RX) Mbit/s"
	if [ "$1" = ours ]; then
		echo "ours: our vhost_net moved $(($(stat_of tx_packets) - tx0)) packets guest -> VM," \
			"$(($(stat_of rx_packets) - rx0)) VM -> guest"
	fi
}

# ratio A B: A / B with two decimals, "-" unless both are positive numbers.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a + 0 > 0 && b + 0 > 0)
			printf "%.2f", a / b
		else
			printf "-"
	}'
}

table() {
	local c

	echo "--- iperf3 Mbit/s, 1 stream, split ring, nested guest under emulation:"
	echo "    median of $runs runs of ${secs}s per direction, [min..max]"
	printf "%-34s %-22s %-22s\n" "configuration" "guest->VM" "VM->guest"
	for c in ours distro off; do
		printf "%-34s %-22s %-22s\n" "$(label "$c")" \
			"$(figure "$c" TX)" "$(figure "$c" RX)"
	done
	for c in distro off; do
		printf "%-34s %-22s %-22s\n" "ratio ours / $c (medians)" \
			"$(ratio "$(nested_get ours TX)" "$(nested_get "$c" TX)")" \
			"$(ratio "$(nested_get ours RX)" "$(nested_get "$c" RX)")"
	done
}

# figure NAME TX|RX: "median [min..max]" of the guest's runs.
figure() {
	local all

	all=$(nested_get "$1" "$2-ALL")
	# shellcheck disable=SC2086 # one word per figure
	set -- "$(nested_get "$1" "$2")" $all
	if [ $# -gt 1 ]; then
		echo "$1 [$2..${!#}]"
	else
		echo "${1:--}"
	fi
}

label() {
	case $1 in
	ours) echo "vhost=on, vhost-accel vhost_net" ;;
	distro) echo "vhost=on, Debian's vhost_net" ;;
	off) echo "vhost=off (QEMU userspace)" ;;
	esac
}

# One guest at a time, each alone on the machine (a guest booting beside
# another's traffic takes CPU from it), in $order; Debian's vhost_net
# replaces ours for its guest.
nested_demo() {
	local t0 rc=0 c idx=0

	t0=$(date +%s)
	echo "===== nested guest: iperf3 on three vhost-net back ends"
	[ -c /dev/net/tun ] || modprobe tun
	grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs none /sys/kernel/debug
	# shellcheck source=selftests/net/nested_lib.sh
	. "$VHA_ROOT/selftests/net/nested_lib.sh"
	nested_prepare "$(mktemp -d /tmp/vha-demo.XXXXXX)"
	trap 'nested_stop_all; use_our_vhost_net' EXIT
	trap 'exit 1' TERM INT
	nested_server_start
	for c in $order; do
		case $c in
		distro) use_distro_vhost_net ;;
		ours | off) use_our_vhost_net ;;
		*) echo "VHA_DEMO_ORDER: unknown guest $c (ours, off, distro)"; rc=1; continue ;;
		esac
		echo "--- $c: /dev/vhost-net is $(which_vhost_net)"
		nested_start "$c" "$([ "$c" = off ] && echo off || echo on)" split \
			"$idx" "$secs" 1 0 "$runs"
		run_config "$c" || rc=1
		idx=$((idx + 1))
	done
	use_our_vhost_net
	echo "--- /dev/vhost-net: $(which_vhost_net) again"
	table
	echo "===== demo done in $(($(date +%s) - t0))s (nested part)"
	return $rc
}

if [ "${1:-}" = --in-vm ]; then
	# every step below checks its own failures
	set +e
	secs=${VHA_DEMO_SECS:-3}
	runs=${VHA_DEMO_RUNS:-5}
	order=${VHA_DEMO_ORDER:-ours off distro}
	export NESTED_TIMEOUT=${NESTED_TIMEOUT:-1800}
	parts=${VHA_DEMO_PARTS:-net blk}
	show_modules
	if [ "$VHA_KERNEL_KIND" != distro ]; then
		echo "(the nested guest parts run on Debian's kernel only)"
		exit 0
	fi
	rc=0
	case " $parts " in *" net "*) nested_demo || rc=1 ;; esac
	case " $parts " in
	*" blk "*) "$VHA_ROOT/selftests/blk/demo_blk.sh" || rc=1 ;;
	esac
	exit $rc
fi

order=${VHA_DEMO_ORDER:-ours off distro}
for c in $order; do
	case $c in
	ours | off | distro) ;;
	*) echo "demo.sh: VHA_DEMO_ORDER: unknown guest '$c' (ours, off, distro)" >&2; exit 2 ;;
	esac
done
parts=${VHA_DEMO_PARTS:-net blk}
for c in $parts; do
	case $c in
	net | blk) ;;
	*) echo "demo.sh: VHA_DEMO_PARTS: unknown part '$c' (net, blk)" >&2; exit 2 ;;
	esac
done
./scripts/install-deps.sh
make -s all
kind=${VHA_DEMO_KERNEL:-distro}
exec ./selftests/vm/run.sh --kernel "$kind" --timeout 3600 -- \
	"VHA_DEMO_SECS=${VHA_DEMO_SECS:-3} VHA_DEMO_RUNS=${VHA_DEMO_RUNS:-5}" \
	"VHA_DEMO_BLK_RUNS=${VHA_DEMO_BLK_RUNS:-3} VHA_DEMO_PARTS='$parts'" \
	"VHA_DEMO_BLK_ORDER='${VHA_DEMO_BLK_ORDER:-ours qemu qsd}'" \
	"VHA_DEMO_ORDER='$order' selftests/demo.sh --in-vm"
