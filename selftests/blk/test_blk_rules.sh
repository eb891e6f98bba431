#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /dev/vhost-blk's rules and lifetimes on a memory-backed null_blk: every
# malformed or refused request gets its status without touching the
# backend, FLUSH puts page-cache writes on the disk, GET_ID, ring errors
# stop one queue only, read-only backends,
# detach / RESET_OWNER / close / the owner's death with requests in
# flight, 2 and 4 queues on their own workers, dirty logging, IOTLB; and
# a backend I/O error (null_blk bad blocks) fails only its request.
#
#   vha-blk-test <-> /dev/vhost-blk <-> null_blk (configfs, memory backed)
set -u
. "$VHA_ROOT/selftests/blk/lib.sh"
blk_prepare

dev=$(nullb vhablk1 64) || blk_fail "null_blk through configfs"
bad=$(nullb vhablk2 32 "+0-7") || blk_fail "null_blk with bad blocks"
echo "TAP version 13"
"$VHA_BIN/vha-blk-test" "$dev" rules flush getid ring ro detach inflight owner mq log iotlb stray |
	grep -v '^1\.\.\|^TAP' > "$blk_work/out"
rc=${PIPESTATUS[0]}
"$VHA_BIN/vha-blk-test" "$bad" ioerr | grep -v '^1\.\.\|^TAP' >> "$blk_work/out"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
awk '/^(not )?ok / { n++; sub(/^(not )?ok [0-9]+/, ($1 == "not" ? "not ok " : "ok ") n) } { print }
	END { print "1.." n }' "$blk_work/out"
exit "$rc"
