#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# minimize.sh PROGRAM: shorten a fuzz program that makes the debug kernel
# fail (crash, splat, leak, hang) to the operations it needs. Each try
# boots the VM and replays the candidate a few times (races need more
# than one go); a candidate that still fails is kept. Chunks of operations
# are dropped, halves first, down to single operations. Prints the result
# and leaves it in build/fuzz/minimized.txt.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/build/fuzz
mkdir -p "$work"
grep -m 1 "^vha-fuzz " "$1" > "$work/best.txt"
replays=${FUZZ_REPLAYS:-5}

# fails FILE: does replaying FILE make the VM run fail?
fails() {
	cp "$1" "$work/candidate.txt"
	! "$root/selftests/vm/run.sh" --kernel debug --quiet --timeout 600 -- \
		"modprobe tun; $root/build/user/bin/vha-fuzz-kernel -n $replays -r $work/candidate.txt" \
		> "$work/last-try.log" 2>&1
}

# without FILE FROM COUNT: FILE's program without ops FROM..FROM+COUNT-1.
without() {
	awk -v from="$2" -v count="$3" '{
		i = index($0, "ops=")
		n = split(substr($0, i + 4), op, ",")
		out = ""
		for (k = 1; k <= n; k++)
			if (k - 1 < from || k - 1 >= from + count)
				out = out (out == "" ? "" : ",") op[k]
		print substr($0, 1, i + 3) out
	}' "$1"
}

nops() { sed 's/.*ops=//' "$1" | tr ',' '\n' | grep -c .; }

if ! fails "$work/best.txt"; then
	echo "minimize: the program does not make the kernel fail when replayed ($replays times)"
	cat "$work/best.txt"
	exit 1
fi
chunk=$(( $(nops "$work/best.txt") / 2 ))
while [ "$chunk" -ge 1 ]; do
	from=0
	while [ "$from" -lt "$(nops "$work/best.txt")" ]; do
		without "$work/best.txt" "$from" "$chunk" > "$work/try.txt"
		if [ "$(nops "$work/try.txt")" -gt 0 ] && fails "$work/try.txt"; then
			cp "$work/try.txt" "$work/best.txt"
			echo "minimize: $(nops "$work/best.txt") operations still fail"
		else
			from=$((from + chunk))
		fi
	done
	chunk=$((chunk / 2))
done
cp "$work/best.txt" "$work/minimized.txt"
echo "minimize: $(nops "$work/best.txt") operations:"
cat "$work/best.txt"
echo "minimize: as a regression test, save it under selftests/fuzz/regress/NAME.txt after"
echo "  a '# SPDX-License-Identifier: GPL-2.0' line and a '#' line saying what broke"
