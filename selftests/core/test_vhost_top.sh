#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vhost-top on a real device: our userspace driver keeps /dev/vhost-test's
# queue 0 busy while vhost-top reads the modules' per-queue counters in
# debugfs; its --once --json document names the device (owner pid, type,
# comm), shows a packet and byte rate above zero on queue 0 and none on the
# idle queue 1; the text table puts that queue first; once the driver
# exits, the device is gone from the next reading. And the first errors an
# operator meets: not root, debugfs not mounted (in a private mount
# namespace), each a message and exit status 1.
#
#   vhost-test (pid P) -> /dev/vhost-test -> worker -> debugfs vhost-accel/P-test-N/vq0
#                                                          ^ vhost-top --once --json
#
# Needs the kernel's per-device counters (/sys/kernel/debug/vhost-accel):
# without them every test point fails saying so.
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"

top=$VHA_BIN/vhost-top
vt=$VHA_BIN/vhost-test
root=/sys/kernel/debug/vhost-accel
work=$(mktemp -d /tmp/vha-top.XXXXXX)
drv=""
cleanup() {
	[ -n "$drv" ] && kill "$drv" 2>/dev/null && wait "$drv" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
tap_plan 11

grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs none /sys/kernel/debug

fail_all() {
	while [ "$tap_n" -lt 11 ]; do tap_not_ok "$1"; done
	exit 1
}
if [ ! -x "$top" ] || [ ! -x "$vt" ]; then
	fail_all "$top and $vt built (make user)"
fi
[ -c /dev/vhost-test ] || fail_all "/dev/vhost-test exists (vhost_accel_test loaded)"

# The errors an operator meets first: each a message and exit status 1.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$top" --once --interval 0.1 2>&1)
rc=$?
if [ "$rc" = 1 ] && echo "$out" | grep -q 'run as root'; then
	tap_ok "not root: exit 1, '$out'"
else
	tap_not_ok "not root: exit 1 and a message saying to run as root (exit $rc: $out)"
fi
out=$(unshare --mount sh -c 'umount /sys/kernel/debug && "$0" --once --interval 0.1' "$top" 2>&1)
rc=$?
if [ "$rc" = 1 ] && echo "$out" | grep -q 'debugfs is not mounted'; then
	tap_ok "debugfs not mounted: exit 1, '$out'"
else
	tap_not_ok "debugfs not mounted: exit 1 and a message saying so (exit $rc: $out)"
fi
if [ ! -d "$root" ]; then
	tap_diag "the modules' per-device, per-queue counters are missing: no $root" \
		"(vhost_core has not created it; vhost-top has nothing to read)"
	out=$("$top" --once --interval 0.1 2>&1)
	tap_diag "vhost-top says: $out"
	fail_all "kernel per-queue counters missing: no $root"
fi

# The driver, until killed: one queue, far more buffers than it can finish.
"$vt" --bufs 1000000000 --len 1500 > "$work/vt.out" 2>&1 &
drv=$!
dev=""
for _ in $(seq 1 100); do
	dev=$(find "$root" -maxdepth 1 -name "$drv-test-*" -printf '%f\n' 2>/dev/null | head -n 1)
	[ -n "$dev" ] && [ -e "$root/$dev/vq0" ] && break
	kill -0 "$drv" 2>/dev/null || break
	sleep 0.1
done
if [ -n "$dev" ]; then
	tap_ok "vhost-test's device appears as $root/$dev"
else
	tap_not_ok "vhost-test's device appears as $root/$drv-test-<seq>"
	tap_diag "$(ls -l "$root" 2>&1; cat "$work/vt.out")"
	fail_all "no device directory for vhost-test"
fi
tap_diag "$dev/device: $(tr '\n' ' ' < "$root/$dev/device")"
tap_diag "$dev/vq0: $(tr '\n' ' ' < "$root/$dev/vq0")"

# Every counter named by the counters' specification is in vq0.
missing=""
for k in kicks notifications notifications_suppressed chains packets bytes batches \
	batch_1 batch_2_3 batch_4_7 batch_8_15 batch_16_31 batch_32_up busypoll_spins \
	busypoll_hits inflight errors err_backend dropped broken worker worker_pid worker_cpu_ns; do
	grep -q "^$k " "$root/$dev/vq0" || missing="$missing $k"
done
if [ -z "$missing" ]; then tap_ok "vq0 has every counter vhost-top reads"; else tap_not_ok "vq0 has every counter vhost-top reads (missing:$missing)"; fi

"$top" --once --json --interval 1 > "$work/top.json" 2> "$work/top.err"
rc=$?
if [ "$rc" = 0 ] && python3 -m json.tool "$work/top.json" > /dev/null 2>&1 &&
   [ "$(wc -l < "$work/top.json")" = 1 ]; then
	tap_ok "vhost-top --once --json: exit 0, one valid JSON document"
else
	tap_not_ok "vhost-top --once --json: exit 0, one valid JSON document (exit $rc)"
	tap_diag "$(cat "$work/top.err"; head -c 2000 "$work/top.json")"
fi

# check DESC PYTHON: one test point from assertions on the document (d),
# the device (dv) and its queues by index (q).
check() {
	local out
	if out=$(python3 - "$work/top.json" "$dev" "$drv" 2>&1 <<-EOP
		import json, sys
		d = json.load(open(sys.argv[1]))
		dv = [x for x in d["devices"] if x["name"] == sys.argv[2]]
		assert dv, "device %s not in the document" % sys.argv[2]
		dv = dv[0]
		q = {x["index"]: x for x in dv["queues"]}
		pid = int(sys.argv[3])
		$2
		EOP
	); then
		tap_ok "$1"
	else
		tap_not_ok "$1"
		tap_diag "$out"
	fi
}
check "the document names the device: type test, owner vhost-test's pid, comm vhost-test" \
	'assert dv["device"]["type"] == "test" and dv["device"]["owner"] == pid and dv["device"]["comm"] == "vhost-test", dv["device"]'
check "queue 0, which carries the traffic, has a packet and byte rate above zero" \
	'r = q[0]["rates"]; print(r); assert r["packets_per_s"] > 0 and r["bytes_per_s"] >= 1500 * r["packets_per_s"] * 0.99, r'
check "idle queue 1 has no packets (if listed), queue 0 a worker with a pid" \
	'assert 1 not in q or q[1]["rates"]["packets_per_s"] == 0, q.get(1); c = q[0]["counters"]; assert c["worker_pid"] > 0, c'
check "queue 0's raw counters: chains equal packets (the test device's unit), kicks counted, no error, not broken" \
	'c = q[0]["counters"]; assert c["chains"] == c["packets"] > 0 and c["kicks"] > 0 and c["errors"] == 0 and c["broken"] == 0, c'

"$top" --once --interval 0.5 > "$work/top.txt" 2>&1
if awk -v dev="$dev" 'NR == 4 && $1 == dev && $4 == 0 && $5 > 0 { found = 1 } END { exit !found }' "$work/top.txt"; then
	tap_ok "text table: $dev queue 0 is the first row, with PKT/s > 0"
else
	tap_not_ok "text table: $dev queue 0 is the first row, with PKT/s > 0"
fi
tap_diag "$(cat "$work/top.txt")"

kill "$drv" 2>/dev/null
wait "$drv" 2>/dev/null
drv=""
"$top" --once --json --interval 0.2 > "$work/after.json" 2>&1
rc=$?
if [ "$rc" = 0 ] && ! grep -q "\"$dev\"" "$work/after.json"; then
	tap_ok "after vhost-test exits, $dev is gone from vhost-top's reading"
else
	tap_not_ok "after vhost-test exits, $dev is gone from vhost-top's reading"
	tap_diag "$(cat "$work/after.json")"
fi
tap_done
