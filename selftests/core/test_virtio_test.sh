#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Linux's own tools/virtio/virtio_test, an independent virtio driver, drives
# /dev/vhost-test unchanged: 1M buffers per run through a split ring, with
# and without indirect descriptors, event index, batching and resets.
#
#   virtio_test --(option)  ->  /dev/vhost-test  ->  vhost_accel worker
#
# Its defaults are indirect descriptors and event index ON (6.1's
# virtio_test asserts on --indirect / --event-idx, which only restate them).
# The suite runs one pass with every option (batch, reset) to stay short
# under emulation; VHA_LONG=1 adds the passes without indirect/event index.
# VHA_VIRTIO_TEST_ARGS replaces the list (one option set per line).
set -uo pipefail
. "$VHA_ROOT/selftests/lib/tap.sh"

bin=$VHA_BIN/virtio_test
short="
--batch=random --reset=100"
long="$short
--no-indirect --no-event-idx
--no-indirect --no-event-idx --batch=32 --reset=1000
--event-idx --batch=random
--delayed-interrupt"
[ "${VHA_LONG:-0}" = 1 ] && short=$long
runs=${VHA_VIRTIO_TEST_ARGS:-$short}

mapfile -t sets < <(printf '%s\n' "$runs" | sed '/^$/d')
tap_plan ${#sets[@]}
if [ ! -x "$bin" ]; then
	for s in "${sets[@]}"; do tap_not_ok "virtio_test $s (no $bin: run selftests/core/build-virtio-test.sh)"; done
	exit 1
fi
for s in "${sets[@]}"; do
	start=$(date +%s)
	# shellcheck disable=SC2086
	if out=$(timeout 600 "$bin" $s 2>&1) &&
	   printf '%s\n' "$out" | grep -q 'completed=0x100000'; then
		tap_ok "virtio_test $s: 0x100000 buffers in $(( $(date +%s) - start ))s"
	else
		tap_not_ok "virtio_test $s"
	fi
	tap_diag "$out"
done
tap_done
