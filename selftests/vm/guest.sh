#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh JOBDIR: runs inside the test VM (chrooted into the host's root),
# or directly on a host that can load modules (run.sh --host).
#
# Loads the project's modules, runs the job (one command, or the selftest
# suite), unloads the modules, and checks what a pass must not hide: a
# module that will not unload, a taint other than out-of-tree/unsigned, a
# kmemleak report from our code. Results go to the verdict channel
# ($VHA_VERDICT, the second serial port in a VM), never only to the console,
# so kernel noise or a crash can never read as a pass.
set -u
job=$1
# shellcheck source=/dev/null
. "$job/env"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export VHA_ROOT VHA_KMOD VHA_BIN VHA_KERNEL_KIND VHA_MODULES VHA_TEST_TIMEOUT VHA_OUT
export HOME=/root LC_ALL=C
verdict=${VHA_VERDICT:-/dev/ttyS1}
klog=${VHA_KLOG:-/dev/ttyS2}
kmemleak=/sys/kernel/debug/kmemleak
problems=0

problem() {
	echo "vha-guest: FAIL: $*"
	echo "PROBLEM $*" >> "$verdict"
	problems=$((problems + 1))
}

# Tainted bits that are expected: 12 (O, out-of-tree) and 13 (E, unsigned).
check_taint() {
	local t
	t=$(cat /proc/sys/kernel/tainted)
	if [ $((t & ~(4096 | 8192))) -ne 0 ]; then
		problem "kernel tainted: $t (allowed only O/E: 12288)"
	fi
}

load_modules() {
	local m
	for m in $VHA_MODULES; do
		if [ -e "/sys/module/$m" ]; then
			problem "module $m is already loaded before the run"
			continue
		fi
		insmod "$VHA_KMOD/$m.ko" || problem "insmod $m failed"
	done
}

unload_modules() {
	local m list="" refs
	for m in $VHA_MODULES; do list="$m $list"; done
	for m in $list; do
		[ -e "/sys/module/$m" ] || { problem "module $m not loaded at the end"; continue; }
		refs=$(cat "/sys/module/$m/refcnt" 2>/dev/null || echo "?")
		[ "$refs" = 0 ] || problem "module $m still has $refs references"
		rmmod "$m" || problem "rmmod $m failed"
	done
	# Anything out-of-tree still loaded (a test's own module that it did not
	# unload, or one pinned by a leaked reference) is a failure too; not the
	# 9p modules under the root file system (out of tree on Debian's cloud
	# flavour, see selftests/kernel/build-9p-modules.sh).
	while read -r m _ refs _; do
		case $m in 9p | 9pnet | 9pnet_virtio) continue ;; esac
		problem "module $m still loaded at the end with $refs references"
	done < <(grep -E '\([A-Z]*O[A-Z]*\)' /proc/modules)
}

# Where every task sleeps, kernel stacks included, for a hang report.
dump_tasks() {
	local p
	ps -eo pid,stat,wchan:32,etimes,args
	for p in $(ps -eo pid= -o stat= | awk '$2 ~ /^[DR]/ { print $1 }'); do
		echo "kernel stack of $p ($(cat "/proc/$p/comm" 2>/dev/null)):"
		cat "/proc/$p/stack" 2>/dev/null
	done
}

# The end of the run (unload, kmemleak scan) must not hang either: after
# $1 seconds report it with every task's stack, hand over the kernel log
# and end the run with a verdict.
end_watchdog() {
	(
		sleep "$1"
		echo "vha-guest: FAIL: unload/kmemleak check still running after $1 s"
		dump_tasks 2>&1 | sed 's/^/vha-guest:   /'
		echo "PROBLEM the end of the run (unload, kmemleak scan) hung for $1 s" >> "$verdict"
		dmesg --color=never > "$klog"
		echo "END rc=124 problems=$((problems + 1))" >> "$verdict"
		sync
		[ -n "${VHA_VERDICT:-}" ] || echo b > /proc/sysrq-trigger
	) &
	watchdog=$!
}

# No automatic scans during the run (each costs tens of seconds under
# emulation); two scans at the end find what our modules leaked.
kmemleak_start() {
	[ -w "$kmemleak" ] || return 0
	echo scan=off > "$kmemleak"
	echo clear > "$kmemleak"
}

# A leak is ours if its backtrace names one of our modules, or points into
# module memory that no longer resolves to a symbol (an unloaded module).
kmemleak_check() {
	local report
	[ -w "$kmemleak" ] || return 0
	# kmemleak reports an object older than 5 s only when a second scan
	# finds it unreferenced and unchanged.
	sleep 6
	echo scan > "$kmemleak"
	echo scan > "$kmemleak"
	report=$(cat "$kmemleak")
	[ -n "$report" ] || return 0
	echo "vha-guest: kmemleak report:"
	echo "$report"
	if echo "$report" | grep -Eq "vha_|vhost_accel|vhost_net|vhost_blk|\] 0xffffffff[0-9a-f]+$"; then
		problem "kmemleak: leaked objects from our modules"
	fi
}

exec < /dev/null
cd "$VHA_ROOT" || exit 1
echo "vha-guest: kernel $(uname -r), modules: ${VHA_MODULES:-none}"
echo "START" > "$verdict"
kmemleak_start
load_modules
check_taint

rc=0
if [ "$VHA_MODE" = suite ]; then
	# shellcheck disable=SC2086
	mapfile -t tests < <(cd "$VHA_ROOT" && ls -d $VHA_TESTS 2>/dev/null | sort)
	"$VHA_ROOT/selftests/run-tap.sh" --kernel-log --progress "$verdict" "${tests[@]/#/$VHA_ROOT/}" | tee "/tmp/vha-suite.log"
	rc=${PIPESTATUS[0]}
	grep '^RESULT ' /tmp/vha-suite.log | tail -n 1 >> "$verdict"
else
	bash -c "$VHA_CMD"
	rc=$?
fi

end_watchdog 600
unload_modules
kmemleak_check
check_taint
kill "$watchdog" 2>/dev/null
wait "$watchdog" 2>/dev/null
dmesg --color=never > "$klog"
echo "END rc=$rc problems=$problems" >> "$verdict"
sync
