#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fairness across devices (issue 12 item 4), short: vha-fairness runs each
# victim (net: paced TX + round trips; blk: paced iodepth-4 reads + QD1
# latency) alone and beside an aggressor device of another owner process
# (net TX flood, net RX on 1-byte buffers under a tap flood, blk at
# iodepth 128), 2 rounds of 1 s, order swapped. Asserts only what is not a
# timing judgement: every pairing ran, both devices moved data, the data
# checks passed, the victim completed work in every 1 s window beside the
# aggressor. The throughput and latency ratios are printed as diagnostics;
# make bench-fairness measures them (selftests/fairness/bench_fairness.sh).
#
#   victim owner    guest rings <-> /dev/vhost-net <-> tap vhafv*
#                               <-> /dev/vhost-blk <-> null_blk vhafv (16 MiB)
#   aggressor owner guest rings <-> /dev/vhost-net <-> tap vhafa* / vhafr*
#                               <-> /dev/vhost-blk <-> null_blk vhafa (16 MiB)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
. "$VHA_ROOT/selftests/blk/lib.sh"
net_prepare
blk_prepare
bin=$VHA_BIN/vha-fairness
[ -x "$bin" ] || blk_fail "$bin missing (make user)"
vdisk=$(nullb vhafv 16) || blk_fail "null_blk for the victim could not be made"
adisk=$(nullb vhafa 16) || blk_fail "null_blk for the aggressor could not be made"
start=$(date +%s)
"$bin" --tap -t "${VHA_FAIRNESS_SECS:-1}" -r "${VHA_FAIRNESS_ROUNDS:-2}" \
	-V "$vdisk" -A "$adisk" -l test
rc=$?
echo "# $(($(date +%s) - start)) s"
exit $rc
