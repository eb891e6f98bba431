#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tap.sh [--kernel-log] [--timeout S] [--progress FILE] TEST...
#
# Run TAP-producing test programs one after another, stream their output,
# and count test points. A program that exits non-zero, dies, times out, or
# prints fewer results than its plan counts as a failure even if every line
# it printed said "ok". With --kernel-log, the kernel log is checked after
# each program and any oops/WARN/lockdep/KASAN line becomes a failure of
# that program. Ends with "RESULT passed=N failed=N skipped=N"; exit status
# is non-zero if anything failed. With --progress, "RUNNING name" and the
# totals so far ("PARTIAL passed=N failed=N skipped=N") are appended to
# FILE around each program, so a crash costs only the program it hit.
set -u

here=$(cd "$(dirname "$0")" && pwd)
klog=0 progress=/dev/null
timeout=${VHA_TEST_TIMEOUT:-900}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel-log) klog=1; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--progress) progress=$2; shift 2 ;;
	*) break ;;
	esac
done

passed=0 failed=0 skipped=0
failures=()

# count_tap FILE EXIT-STATUS NAME: add FILE's test points to the totals.
count_tap() {
	local file=$1 rc=$2 name=$3 p f s plan
	read -r p f s plan < <(awk '
		/^ok [0-9]+.*# *SKIP/ { s++; next }
		/^ok [0-9]+/ { p++; next }
		/^not ok [0-9]+/ { f++; next }
		/^1\.\.[0-9]+/ { split($0, a, "[. ]+"); plan = a[2] }
		END { printf "%d %d %d %d\n", p, f, s, (plan == "" ? -1 : plan) }
	' "$file")
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	[ "$f" = 0 ] || failures+=("$name: $f test point(s) failed")
	if [ "$plan" -ge 0 ] && [ $((p + f + s)) -ne "$plan" ]; then
		failed=$((failed + 1))
		failures+=("$name: planned $plan, reported $((p + f + s))")
	elif [ "$plan" -lt 0 ]; then
		failed=$((failed + 1))
		failures+=("$name: no TAP plan")
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		failed=$((failed + 1))
		failures+=("$name: exited with status $rc")
	fi
}

# A hung test: show where every task of it sleeps, in the kernel too.
dump_hung() {
	local pid=$1 p
	echo "# timed out after ${timeout}s; tasks:"
	ps -eo pid,ppid,stat,wchan:32,etimes,args | sed 's/^/#   /'
	for p in $(ps -eo pid= -o stat= | awk '$2 ~ /^[DR]/ { print $1 }'); do
		echo "#   kernel stack of $p ($(cat /proc/$p/comm 2>/dev/null)):"
		sed 's/^/#     /' "/proc/$p/stack" 2>/dev/null
	done
	[ -w /proc/sysrq-trigger ] && echo w > /proc/sysrq-trigger
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	sleep 5
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
}

# run_one TEST: run it in its own process group, at most $timeout seconds.
run_one() {
	local pid waited=0
	setsid "$1" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$waited" -ge "$timeout" ]; then
			dump_hung "$pid"
			wait "$pid" 2>/dev/null
			return 124
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$pid"
}

kernel_log_mark() { dmesg 2>/dev/null | wc -l; }

kernel_log_check() {
	local from=$1 name=$2 hits
	hits=$(dmesg 2>/dev/null | tail -n +"$((from + 1))" |
		awk -v patterns="$here/lib/splat-patterns" -f "$here/lib/fault-reports.awk" |
		grep -F -f "$here/lib/splat-patterns")
	if [ -n "$hits" ]; then
		failed=$((failed + 1))
		failures+=("$name: kernel log has a splat")
		echo "# kernel log during $name:"
		dmesg | tail -n +"$((from + 1))" | sed 's/^/#   /'
	fi
}

if [ $# -eq 0 ]; then
	echo "# no tests to run"
	echo "RESULT passed=0 failed=1 skipped=0"
	exit 1
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for t in "$@"; do
	name=${t#"${VHA_ROOT:-$PWD}/"}
	echo "# ===== $name"
	echo "RUNNING $name" >> "$progress"
	mark=$(kernel_log_mark)
	start=$(date +%s)
	run_one "$t" 2>&1 | tee "$tmp"
	rc=${PIPESTATUS[0]}
	echo "# $name: exit status $rc, $(($(date +%s) - start)) s"
	[ "$rc" = 124 ] && echo "# $name: timed out after ${timeout}s"
	count_tap "$tmp" "$rc" "$name"
	[ "$klog" = 1 ] && kernel_log_check "$mark" "$name"
	echo "PARTIAL passed=$passed failed=$failed skipped=$skipped" >> "$progress"
done

for f in "${failures[@]+"${failures[@]}"}"; do
	echo "# FAILED: $f"
done
echo "RESULT passed=$passed failed=$failed skipped=$skipped"
[ "$failed" = 0 ]
