#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_fairness.sh: fairness across devices (issue 12 item 4), measured
# in one VM boot (make bench-fairness, Debian's kernel). vha-fairness
# (selftests/fairness/fairness.c) runs each victim alone and beside an
# aggressor device of another owner, BENCH_ROUNDS rounds (3) of
# BENCH_SECS (2) s, alone and together alternating, order swapped each
# round, and prints per pairing the victim's throughput together/alone
# (medians, and the median of per-round ratios: the goal, >= 0.8) and
# latency together/alone. Pairings: net/net-tx, net/net-rx1, net/blk,
# blk/net-tx, blk/net-rx1, blk/blk, on our modules. Then the two net/net
# pairings again with Debian's vhost_net (rmmod ours, modprobe Debian's;
# both owners on Debian's), and ours once more after it, so that a host
# whose load drifts shows; a table puts them side by side. Leaves our
# vhost_net loaded. Not in the suite.
#
#   selftests/vm/run.sh --kernel distro -- selftests/fairness/bench_fairness.sh
#   Env: BENCH_ROUNDS (3), BENCH_SECS (2), BENCH_FRACTION (0.3: the victims'
#   rate, of what they reach alone without a limit), BENCH_CPU (0: every
#   owner and worker on CPU 0; -1: anywhere), BENCH_PAIRINGS (all).
#
#   victim owner    guest rings <-> /dev/vhost-* <-> tap / null_blk
#   aggressor owner guest rings <-> /dev/vhost-* <-> tap / null_blk
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
. "$VHA_ROOT/selftests/blk/lib.sh"
net_prepare
blk_prepare
bin=$VHA_BIN/vha-fairness
[ -x "$bin" ] || blk_fail "$bin missing (make user)"
rounds=${BENCH_ROUNDS:-3}
secs=${BENCH_SECS:-2}
frac=${BENCH_FRACTION:-0.3}
cpu=${BENCH_CPU:-0}
pairings=${BENCH_PAIRINGS:-net/net-tx,net/net-rx1,net/blk,blk/net-tx,blk/net-rx1,blk/blk}
vdisk=$(nullb vhafv 64) || blk_fail "null_blk for the victim could not be made"
adisk=$(nullb vhafa 64) || blk_fail "null_blk for the aggressor could not be made"
log=$blk_work/log
fail=0

ours_loaded() {
	grep -q O /sys/module/vhost_net/taint 2>/dev/null
}

# run LABEL PAIRINGS
run() {
	"$bin" -l "$1" -p "$2" -t "$secs" -r "$rounds" -f "$frac" -c "$cpu" \
		-V "$vdisk" -A "$adisk" | tee -a "$log" || fail=1
}

echo "# $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%d)"
run ours "$pairings"
netnet=$(echo "$pairings" | tr , '\n' | grep '^net/net' | paste -sd,)
if [ -n "$netnet" ]; then
	rmmod vhost_net || fail=1
	if modprobe vhost_net && ! ours_loaded; then
		echo "# Debian's vhost_net: $(modinfo -F filename vhost_net)"
		run debian "$netnet"
	else
		echo "# Debian's vhost_net did not load"
		fail=1
	fi
	rmmod vhost_net
	insmod "$VHA_KMOD/vhost_net.ko" || fail=1
	ours_loaded && run ours-again "$netnet"
fi

echo "#"
echo "# victim throughput together/alone (median of per-round ratios; goal >= 0.8), latency together/alone"
awk '
/^# summary / {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	k = f["pairing"]
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	r[k, f["label"]] = sprintf("%5.2f %s, lat %5.2f", f["tput_ratio_paired"], \
		f["tput_ratio_paired"] >= 0.8 ? "met   " : "missed", f["lat_ratio"])
}
END {
	printf "# %-12s | %-24s | %-24s | %-24s\n", "pairing", "ours", "debian", "ours-again"
	for (i = 1; i <= n; i++) {
		k = order[i]
		printf "# %-12s | %-24s | %-24s | %-24s\n", k, r[k, "ours"], \
			((k, "debian") in r) ? r[k, "debian"] : "-", \
			((k, "ours-again") in r) ? r[k, "ours-again"] : "-"
	}
}' "$log"
exit $fail
