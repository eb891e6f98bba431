#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection into each device (debug kernel): vha-fault-test fails,
# one at a time, every allocation the device's set-up, RESET_OWNER and
# release make in the calling thread (fail-nth), then the workers'
# allocations while data moves; blk also fails one backend request
# (FAIL_MAKE_REQUEST on a null_blk). Then counts the distinct places in
# our modules that saw a failure: the first frame of ours in each
# injection's stack dump (failslab/fail_page_alloc verbose=2).
#
#   vha-fault-test -> /dev/vhost-test
#                  -> /dev/vhost-net <-> tap vhaf0
#                  -> /dev/vhost-blk <-> null_blk (make-it-fail)
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"
dbg=/sys/kernel/debug
min_sites=${VHA_FAULT_MIN_SITES:-12}

if [ ! -d $dbg/failslab ] || [ ! -d $dbg/fail_page_alloc ] || [ ! -d $dbg/fail_make_request ]; then
	tap_plan 1
	tap_skip "no failslab/fail_page_alloc/fail_make_request (not the debug kernel)" "fault injection"
	exit 0
fi
. "$VHA_ROOT/selftests/blk/lib.sh"
blk_prepare

saved_printk=$(cat /proc/sys/kernel/printk)
restore() {
	local a
	for a in failslab fail_page_alloc; do
		echo 0 > $dbg/$a/probability
		echo Y > $dbg/$a/ignore-gfp-wait
	done
	echo 1 > $dbg/fail_page_alloc/min-order
	echo "$saved_printk" > /proc/sys/kernel/printk
	blk_cleanup
}
trap restore EXIT

# Nothing fails but what fail-nth picks; every allocation counts (the
# user's own page faults, __GFP_HIGHMEM, do not: an injected failure
# there would be the test's own crash, not the device's).
for a in failslab fail_page_alloc; do
	echo 0 > $dbg/$a/probability
	echo N > $dbg/$a/task-filter
	echo N > $dbg/$a/ignore-gfp-wait
	echo 2 > $dbg/$a/verbose
	echo -1 > $dbg/$a/times
done
echo 0 > $dbg/fail_page_alloc/min-order
echo 0 > $dbg/fail_make_request/probability
echo N > $dbg/fail_make_request/task-filter
# The stack dumps (KERN_DEFAULT) stay in the kernel log, off the console.
read -r con _ min boot <<< "$saved_printk"
echo "$con 5 $min $boot" > /proc/sys/kernel/printk

disk=$(nullb vhafault 16) || blk_fail "null_blk could not be made"
sysdir=/sys/block/$(basename "$disk")

mark=$(dmesg | wc -l)
start=$(date +%s)
n=0
run() {
	local out rc line
	out=$("$VHA_BIN/vha-fault-test" "$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			n=$((n + 1))
			case "$line" in "not ok"*) tap_failed=$((tap_failed + 1)) ;; esac
			echo "$line" | sed -E "s/^(not )?ok [0-9]+ - /\1ok $n - /"
			;;
		"#"*|"Bail out!"*) echo "# $line" ;;
		esac
	done <<< "$out"
	if [ "$rc" != 0 ] && ! grep -q "^not ok" <<< "$out"; then
		n=$((n + 1)); tap_failed=$((tap_failed + 1))
		echo "not ok $n - vha-fault-test $1 exited with status $rc"
	fi
}
echo "TAP version 13"
run test
run net
run blk "$disk" "$sysdir"

# The first frame of ours in each report's stack, as function+offset.
dmesg | tail -n +"$((mark + 1))" | awk '
	/FAULT_INJECTION: forcing a failure/ { inrep = 1; found = 0; reports++; next }
	inrep && /<\/TASK>/ { inrep = 0; next }
	inrep && !found && / \[(vhost_accel|vhost_net|vhost_blk|vhost_accel_test)\]/ && !/\] \? / {
		for (i = 1; i <= NF; i++)
			if ($i ~ /\+0x[0-9a-f]+\/0x/) {
				split($i, a, "/")
				print a[1] " " $(i + 1)
				found = 1
				break
			}
	}
	END { print "reports " reports + 0 > "/dev/stderr" }
' > /tmp/vha-fault-sites 2> /tmp/vha-fault-reports
sites=$(sort -u /tmp/vha-fault-sites | wc -l)
tap_diag "$(cat /tmp/vha-fault-reports) fault reports in the kernel log, $(wc -l < /tmp/vha-fault-sites) in our modules, $sites distinct sites:"
sort /tmp/vha-fault-sites | uniq -c | sort -k2 | sed 's/^/  /' | while IFS= read -r l; do tap_diag "$l"; done
n=$((n + 1))
if [ "$sites" -ge "$min_sites" ]; then
	echo "ok $n - $sites distinct failure sites in our modules (at least $min_sites)"
else
	tap_failed=$((tap_failed + 1))
	echo "not ok $n - $sites distinct failure sites in our modules (at least $min_sites)"
fi
tap_diag "$(($(date +%s) - start)) s"
echo "1..$n"
rm -f /tmp/vha-fault-sites /tmp/vha-fault-reports
tap_done
