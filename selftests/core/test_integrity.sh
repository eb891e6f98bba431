#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Data integrity through /dev/vhost-test with our own driver (vhost-test):
# every buffer carries a pattern that the device echoes into a writable
# buffer, checked byte by byte; every used id must be in flight.
#
#   vhost-test (split | packed ring) -> /dev/vhost-test -> worker(s)
#
# VHA_INTEGRITY_BUFS sets the buffers per run (default 20000, sized for the
# debug kernel under emulation; the 1M acceptance run is integrity-1m.sh).
set -uo pipefail
. "$VHA_ROOT/selftests/lib/tap.sh"

bin=$VHA_BIN/vhost-test
n=${VHA_INTEGRITY_BUFS:-20000}
runs=(
	"--bufs $n"
	"--bufs $n --packed"
	"--bufs $n --indirect --event-idx --batch 200"
	"--bufs $n --packed --indirect --event-idx --batch 200"
	"--bufs $((n / 4)) --queues 2 --workers --len 1500"
	"--bufs $((n / 4)) --packed --queues 2 --workers --num 1024 --batch 1024"
	"--bufs $((n / 10)) --poll --len 4096"
)
tap_plan ${#runs[@]}
for r in "${runs[@]}"; do
	if [ ! -x "$bin" ]; then
		tap_not_ok "vhost-test $r ($bin missing: make user)"
		continue
	fi
	# shellcheck disable=SC2086
	if out=$(timeout 900 "$bin" $r 2>&1); then
		tap_ok "vhost-test $r"
	else
		tap_not_ok "vhost-test $r"
	fi
	tap_diag "$out"
done
tap_done
