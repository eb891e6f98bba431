#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tracepoints, read straight from tracefs: the core's events (system vha)
# and vhost_blk's (vha_blk) exist; with them on, a short vhost-test run and
# a few vhost-blk requests on a null_blk record every event with sane
# fields (chain byte counts as the driver posted them, a completion
# latency above zero, a ring error's reason); with them off, the same
# work records nothing.
#
#   vhost-test    -> /dev/vhost-test -> vhost_accel  (kick chain used_push notify backend)
#   vha-blk-test  -> /dev/vhost-blk  -> null_blk     (+ blk submit/complete, ring_error)
set -u
. "$VHA_ROOT/selftests/blk/lib.sh"
blk_prepare
. "$VHA_ROOT/selftests/lib/tap.sh"

tr=/sys/kernel/tracing
[ -d "$tr/events" ] || mount -t tracefs nodev "$tr" 2>/dev/null
tap_plan 14

core_events="vha_kick vha_chain vha_used_push vha_notify vha_ring_error vha_backend"
blk_events="vha_blk_submit vha_blk_complete"
missing=""
for e in $core_events; do [ -d "$tr/events/vha/$e" ] || missing="$missing vha/$e"; done
for e in $blk_events; do [ -d "$tr/events/vha_blk/$e" ] || missing="$missing vha_blk/$e"; done
if [ -z "$missing" ]; then
	tap_ok "tracefs lists every event of vha and vha_blk"
else
	tap_not_ok "tracefs lists every event of vha and vha_blk (missing:$missing)"
fi

len=1234
bufs=40
dev=$(nullb vhatrace 16) || blk_fail "null_blk through configfs"

workload() {
	"$VHA_BIN/vhost-test" --bufs "$bufs" --len "$len" > "$blk_work/vt.out" 2>&1 &&
		"$VHA_BIN/vha-blk-test" "$dev" getid flush ring > "$blk_work/blk.out" 2>&1
}

echo 4096 > "$tr/buffer_size_kb"
echo > "$tr/trace"
echo 1 > "$tr/events/vha/enable"
echo 1 > "$tr/events/vha_blk/enable"
workload
rc=$?
echo 0 > "$tr/events/vha/enable"
echo 0 > "$tr/events/vha_blk/enable"
cp "$tr/trace" "$blk_work/trace"
t=$blk_work/trace
if [ "$rc" = 0 ]; then
	tap_ok "workload ran with the events on ($(grep -c ': vha' "$t") events recorded)"
else
	tap_not_ok "workload ran with the events on"
	tap_diag "$(tail -n 20 "$blk_work/vt.out" "$blk_work/blk.out")"
fi

# has DESC AWK-PROGRAM: the program sets found on some line of the trace
# (fields as the events print them; an ERE alone is a match).
has() {
	local desc=$1 prog=$2
	case $prog in /*/) prog="$prog { found = 1 }" ;; esac
	if awk "$prog END { exit !found }" "$t"; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc"
		tap_diag "$(grep ': vha' "$t" | head -n 8)"
	fi
}

has "vha_backend: vhost-test's queue attached" '/ vha_backend: test[0-9]+ vq 0 attach fd -1 ret 0$/'
has "vha_kick on vhost-test's queue" '/ vha_kick: test[0-9]+ vq [01]$/'
# Split rings report ndesc 1 (it counts packed ring slots), packed 2.
has "vha_chain: out $len in $len bytes, as vhost-test posts them" \
	"/ vha_chain: test[0-9]+ vq 0 head [0-9]+ out $len in $len ndesc [12]\$/"
# Every chain of vhost-test has exactly that shape.
odd=$(grep ' vha_chain: test' "$t" | grep -Evc " out $len in $len ndesc [12]\$")
if [ "$odd" = 0 ]; then tap_ok "every vhost-test chain has out $len in $len"; else tap_not_ok "every vhost-test chain has out $len in $len ($odd do not)"; fi
# The used entries published add up to the buffers sent.
pushed=$(awk '/ vha_used_push: test/ { for (i = 1; i < NF; i++) if ($i == "count") n += $(i + 1) } END { print n + 0 }' "$t")
if [ "$pushed" -ge "$bufs" ]; then tap_ok "vha_used_push counts add up to $pushed >= $bufs buffers"; else tap_not_ok "vha_used_push counts add up to $bufs (got $pushed)"; fi
has "vha_notify: a signalled notification" '/ vha_notify: [a-z]+[0-9]+ vq [0-9]+ signalled$/'
has "vha_backend: vhost-blk attached (every queue)" '/ vha_backend: blk[0-9]+ vq -1 attach fd [0-9]+ ret 0$/'
has "vha_blk_submit: a write with data (type 1, len > 0)" \
	'/ vha_blk_submit: / { for (i = 1; i < NF; i++) { if ($i == "type") ty = $(i + 1); if ($i == "len") l = $(i + 1) } if (ty == 1 && l > 0) found = 1 }'
has "vha_blk_complete: status 0 with latency > 0" \
	'/ vha_blk_complete: / { for (i = 1; i < NF; i++) { if ($i == "status") s = $(i + 1) } if (s == 0 && $NF > 0) found = 1 }'
# No completion carries a stale or missing start time: latencies are
# below a minute (0 is possible for a request refused at once: the clock
# may be coarse under emulation).
stale=$(awk '/ vha_blk_complete: / && $NF >= 60000000000' "$t" | wc -l)
if [ "$stale" = 0 ]; then tap_ok "every vha_blk_complete latency is below 60 s"; else tap_not_ok "every vha_blk_complete latency is below 60 s ($stale are not)"; fi
has "vha_ring_error: vha-blk-test's broken rings stop with a reason" '/ vha_ring_error: blk[0-9]+ vq [0-9]+ [a-z]/'

# Off: the same work leaves the buffer empty.
echo > "$tr/trace"
workload
n=$(grep -c ': vha' "$tr/trace")
if [ "$n" = 0 ]; then tap_ok "with the events off nothing is recorded"; else tap_not_ok "with the events off nothing is recorded ($n lines)"; fi
tap_diag "$(grep ': vha' "$t" | awk '{ sub(/^.*: vha/, "vha"); e = $1; if (!(e in s)) { s[e] = 1; print } }')"
tap_done
