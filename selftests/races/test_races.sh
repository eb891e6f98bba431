#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VMM races (vha-vmm-race, selftests/races/): with traffic flowing on
# vhost-net and vhost-blk, owner processes swap backends, memory tables,
# eventfds and workers, reset the owner and reopen the fds from several
# threads, and are SIGKILLed and replaced, by seeded random choices for a
# bounded time; then no frame was duplicated or corrupted, every
# acknowledged write is on the disk, and a clean owner moves data on both.
# VHA_RACE_SEED and VHA_RACE_SECONDS override the defaults (0x7ace0001, 40 s here; the program alone: 60).
#
#   owners (guest rings, chaos) <-> /dev/vhost-net <-> taps vharace0/1 (2 queues)
#                               <-> /dev/vhost-blk <-> null_blk (16 MiB)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
. "$VHA_ROOT/selftests/blk/lib.sh"
net_prepare
blk_prepare
bin=$VHA_BIN/vha-vmm-race
[ -x "$bin" ] || blk_fail "$bin missing (make user)"
disk=$(nullb vharace 16)
[ -n "$disk" ] || disk=$(file_of 16 "$blk_work/disk.img")
[ -n "$disk" ] || blk_fail "no disk for the race"
"$bin" --disk "$disk" --seed "${VHA_RACE_SEED:-0x7ace0001}" \
	--seconds "${VHA_RACE_SECONDS:-40}"
