#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-ab.sh REV_A [REV_B]: our vhost_net built at two git revisions
# (REV_B: the working tree if not given), measured against each other in
# one VM boot on Debian's kernel (selftests/net/bench_ab.sh). Each
# revision is built in a worktree of its own under build/ab/. BENCH_ROUNDS,
# BENCH_SECS and BENCH_METRICS pass through. make bench-ab A=rev [B=rev].
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ $# -ge 1 ] || { echo "usage: $0 REV_A [REV_B]" >&2; exit 2; }
kdir=$(./scripts/find-kdir.sh)
release=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")

# build REV: the modules of REV, printing their directory.
build() {
	local rev=$1 sha wt

	if [ -z "$rev" ]; then
		make -s modules KDIR="$kdir" >&2
		echo "$root/build/$release"
		return
	fi
	sha=$(git rev-parse --short "$rev^{commit}")
	wt=$root/build/ab/$sha
	[ -d "$wt" ] || git worktree add -f --detach "$wt" "$sha" >&2
	make -s -C "$wt" modules KDIR="$kdir" >&2
	echo "$wt/build/$release"
}

a=$(build "$1")
b=$(build "${2:-}")
make -s user
BENCH_A_KMOD=$a BENCH_B_KMOD=$b \
	./selftests/vm/run.sh --kernel distro -- selftests/net/bench_ab.sh
