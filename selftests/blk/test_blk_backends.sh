#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Data through /dev/vhost-blk on every kind of backend: a pattern written
# with every descriptor layout, read back through the device and read
# directly from the backend; flush, discard and write zeroes. Split and
# packed rings (vha-blk-test rw dwz, and stray on the files, selftests/blk/blk_test.c).
#
#   vha-blk-test (guest rings) <-> /dev/vhost-blk <-> null_blk (memory backed)
#                                                  | brd | loop on tmpfs
#                                                  | file on tmpfs (no O_DIRECT)
#                                                  | file on ext4
set -u
. "$VHA_ROOT/selftests/blk/lib.sh"
blk_prepare

n=0 failed=0
run() {
	local what=$1 dev=$2 out rc
	shift 2
	if [ -z "$dev" ]; then
		n=$((n + 1)); failed=$((failed + 1))
		echo "not ok $n - $what: backend could not be made"
		return
	fi
	echo "# $what: $dev"
	out=$("$VHA_BIN/vha-blk-test" "$dev" "$@")
	rc=$?
	# renumber the program's points into ours
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			n=$((n + 1))
			case "$line" in "not ok"*) failed=$((failed + 1)) ;; esac
			echo "$line" | sed -E "s/^(not )?ok [0-9]+ - /\1ok $n - $what: /"
			;;
		"#"*) echo "$line" ;;
		esac
	done <<< "$out"
	if [ "$rc" != 0 ] && ! grep -q "^not ok" <<< "$out"; then
		n=$((n + 1)); failed=$((failed + 1))
		echo "not ok $n - $what: vha-blk-test exited with $rc"
	fi
}

echo "TAP version 13"
run null_blk "$(nullb vhablk0 64)" rw dwz
run brd "$(brd)" rw dwz
run "loop on tmpfs" "$(loopdev "$(file_of 64 "$blk_work/loop.img")")" rw dwz
run "file on tmpfs" "$(file_of 64 "$blk_work/tmpfs.img")" rw dwz stray
run "file on ext4" "$(ext4_file 64)" rw dwz stray
echo "# vha_blk counters: $(tr '\n' ' ' < /sys/kernel/debug/vha_blk/stats)"
echo "1..$n"
[ "$failed" = 0 ]
