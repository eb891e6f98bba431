#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# profile_net.sh [tx|rx] [split|packed] [SIDE...]: where the CPU time of a
# 64-byte vha-net-bench run goes, for our vhost_net and the
# distribution's (SIDE: ours, distro; default both; Debian's has no packed
# ring, so "distro" runs split whatever the ring). perf samples every CPU
# (cpu-clock, 999 Hz, call graphs) for one point of one queue on one
# device (vha-net-bench -s 64), then prints per side: the bench's result
# lines, the CPU share of each thread (the bench's guest thread, the
# device's vhost-<pid> worker, idle), the worker's hottest functions, and
# its inclusive times (a function with everything it called), which split
# the worker's time into the ring, the copy and tun/the stack. In the VM:
#
#   selftests/vm/run.sh --kernel distro -- selftests/bench/profile_net.sh tx packed
#   (make bench-profile PROFILE="tx packed"). Env: PROFILE_SECS (4).
#
# Needs perf (Debian's linux-perf; the VM runs this machine's). Not a test:
# it prints a profile, asserts nothing, and leaves our vhost_net loaded.
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
metric=${1:-tx}
ring=${2:-split}
shift 2 2>/dev/null || shift $#
sides=${*:-ours distro}
secs=${PROFILE_SECS:-4}
bin=$VHA_BIN/vha-net-bench
[ -x "$bin" ] || net_fail "$bin missing (make user)"
command -v perf > /dev/null || net_fail "no perf (apt-get install linux-perf)"
case $metric in tx | rx) ;; *) net_fail "metric $metric: tx or rx" ;; esac
# Kernel and module symbols for the samples.
echo 0 > /proc/sys/kernel/kptr_restrict
echo -1 > /proc/sys/kernel/perf_event_paranoid

ours_loaded() {
	grep -q O /sys/module/vhost_net/taint 2>/dev/null
}

# report FILE FILTER...: perf report of FILE, counts only, no headers.
report() {
	local f=$1

	shift
	perf report -i "$f" --stdio -g none "$@" 2>/dev/null |
		grep -E '^ +[0-9.]+%'
}

# profile NAME RING: one recorded run and its summary.
profile() {
	local name=$1 r=$2 data=/tmp/profile_net.$1 out worker

	"$bin" -r "$r" -t 1 -m "$metric" -s 64 > /dev/null 2>&1 # warm up
	out=$(perf record -q -a -g -F 999 -e cpu-clock -o "$data" -- \
		"$bin" -r "$r" -t "$secs" -m "$metric" -s 64 2>&1)
	echo "=== $name ($r ring, $metric 64 B, ${secs} s)"
	echo "$out" | grep '^# result'
	worker=$(report "$data" --sort comm | grep -o 'vhost-[0-9]*' | head -n 1)
	echo "--- CPU share by thread (2 CPUs = 100%; swapper = idle)"
	report "$data" --sort comm | head -n 6
	[ -n "$worker" ] || { echo "# no vhost worker in the samples"; return; }
	echo "--- worker $worker: hottest functions (self)"
	report "$data" --no-children --comm "$worker" --sort sym \
		--percent-limit 0.5 | head -n 25
	echo "--- worker $worker: inclusive (with what they called)"
	report "$data" --children --comm "$worker" --sort sym \
		--percent-limit 1 | head -n 40
	rm -f "$data"
}

for side in $sides; do
	case $side in
	ours)
		ours_loaded || net_fail "vhost_net is not ours"
		profile ours "$ring"
		;;
	distro)
		rmmod vhost_net && modprobe vhost_net && ! ours_loaded ||
			net_fail "the distribution's vhost_net did not load"
		profile distro split
		rmmod vhost_net
		insmod "$VHA_KMOD/vhost_net.ko" || net_fail "ours did not load again"
		;;
	*) net_fail "side $side: ours or distro" ;;
	esac
done
