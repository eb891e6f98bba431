#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The acceptance run, too long for the suite: one million buffers through
# /dev/vhost-test on a split ring and on a packed ring, each verified byte
# by byte, plus Linux's virtio_test (1M buffers) with every option.
# Run it in the VM:
#   selftests/vm/run.sh --kernel debug -- selftests/core/integrity-1m.sh
set -uo pipefail
. "$VHA_ROOT/selftests/lib/tap.sh"

tap_plan 4
for ring in split packed; do
	opt=""
	[ "$ring" = packed ] && opt=--packed
	start=$(date +%s)
	if out=$("$VHA_BIN/vhost-test" --bufs 1000000 --batch 128 $opt 2>&1); then
		tap_ok "1M buffers, $ring ring, in $(( $(date +%s) - start ))s"
	else
		tap_not_ok "1M buffers, $ring ring"
	fi
	tap_diag "$out"
done
start=$(date +%s)
if out=$("$VHA_BIN/virtio_test" --batch=random --reset=100 2>&1) &&
   printf '%s\n' "$out" | grep -q 'completed=0x100000'; then
	tap_ok "virtio_test 1M buffers, all options, in $(( $(date +%s) - start ))s"
else
	tap_not_ok "virtio_test 1M buffers, all options"
fi
tap_diag "$out"
start=$(date +%s)
if out=$("$VHA_BIN/virtio_test" --no-indirect --no-event-idx 2>&1) &&
   printf '%s\n' "$out" | grep -q 'completed=0x100000'; then
	tap_ok "virtio_test 1M buffers, no indirect, no event idx, in $(( $(date +%s) - start ))s"
else
	tap_not_ok "virtio_test 1M buffers, no indirect, no event idx"
fi
tap_diag "$out"
tap_done
