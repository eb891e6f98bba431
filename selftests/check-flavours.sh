#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-flavours: the modules on Debian 12's other 6.1 kernel flavours,
# cloud-amd64 and rt-amd64 (PREEMPT_RT), beside the generic one that
# `make check` covers. For each flavour: install its image and headers if
# missing, build the modules with W=1 (a warning fails), and run the VM
# suite (every selftests/*/test_*.sh but fault injection, which needs the
# debug kernel's fault-injection options) on it. The cloud flavour has no
# 9p; the runner builds 9p for it from linux-source (see
# selftests/kernel/build-9p-modules.sh). Ends with "N passed, N failed".
#
# VHA_FLAVOURS="rt cloud" (default) picks the flavours.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
flavours=${VHA_FLAVOURS:-rt cloud}
log=$root/build/check-flavours
mkdir -p "$log"
passed=0 failed=0 skipped=0

add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3)); }
stage() { echo; echo "======== $* ($(date +%T))"; }

tests=""
for t in selftests/*/test_*.sh; do
	# fault injection needs the debug kernel; test_deb.sh: see
	# suite_tests in selftests/check.sh
	case $t in
	selftests/fault/* | selftests/modules/test_deb.sh) continue ;;
	esac
	tests="$tests $t"
done

# The kernel packages of a flavour, and linux-source for the 9p modules.
install_flavour() {
	local f=$1 want="" p
	for p in "linux-image-$f-amd64" "linux-headers-$f-amd64" linux-source; do
		dpkg -s "$p" >/dev/null 2>&1 || want="$want $p"
	done
	[ -n "$want" ] || return 0
	echo "installing$want"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y -q $want >/dev/null
}

stage "dependencies"
./scripts/install-deps.sh >/dev/null || { echo "check-flavours: cannot install dependencies"; echo "0 passed, 1 failed"; exit 1; }
make -s user || { echo "check-flavours: userspace build failed"; echo "0 passed, 1 failed"; exit 1; }

for f in $flavours; do
	stage "$f: packages"
	if ! install_flavour "$f"; then
		echo "# FAILED: $f: cannot install its kernel packages"
		add 0 1 0
		continue
	fi
	kdir=$(FLAVOUR=$f ./scripts/find-kdir.sh) || { add 0 1 0; continue; }
	stage "$f: build with W=1 against $kdir"
	# a fresh object directory: every file compiled, every warning seen
	rm -rf "${log:?}/$f-w1"
	if make -s modules KDIR="$kdir" KOBJ="$log/$f-w1" W=1 > "$log/$f-build.log" 2>&1 &&
	   ! grep -E 'warning:|error:|ERROR:' "$log/$f-build.log" | grep -qv '^make'; then
		echo "ok: $f: the modules build warning-free with W=1"
		add 1 0 0
	else
		echo "# FAILED: $f: the build failed or has warnings"
		sed 's/^/#   /' "$log/$f-build.log" | head -n 40
		add 0 1 0
	fi
	stage "$f: VM suite"
	rm -f "$log/$f.result"
	./selftests/vm/run.sh --kernel "$f" --suite --tests "$tests" \
		--result "$log/$f.result" 2>&1 | tee "$log/$f.log" | grep -aE '^(not )?ok |^# =====|FAIL|^vm\('
	if [ -s "$log/$f.result" ]; then add $(cat "$log/$f.result"); else add 0 1 0; fi
done

echo
line="$passed passed, $failed failed"
[ "$skipped" = 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" = 0 ]
