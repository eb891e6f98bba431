#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner's own test (host side, TAP): each way a run can go wrong must
# turn into a failed run that names the reason, and a clean run must pass.
# Boots several short VMs on Debian's kernel and one on the debug kernel.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
. selftests/lib/tap.sh
run=selftests/vm/run.sh
tap_plan 14

# badmod_dir KIND: build the misbehaving module for that kernel.
badmod_dir() {
	local kdir release out
	if [ "$1" = debug ]; then
		kdir=$(selftests/kernel/build-debug-kernel.sh)/build
	else
		kdir=$(scripts/find-kdir.sh)
	fi
	release=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
	out=$root/build/runner-test/$release
	mkdir -p "$out"
	cp selftests/runner/vha_badmod.c selftests/runner/Kbuild "$out/"
	make -s -C "$kdir" M="$out" modules >&2 || return 1
	echo "$out"
}

# expect_fail DESC REASON-REGEX RUN-ARGS...: the run must fail and say why.
# The run's output is left in $out.
out=""
expect_fail() {
	local desc=$1 why=$2
	shift 2
	if out=$("$run" --quiet --modules "" "$@" 2>&1); then
		tap_not_ok "$desc: the run passed"
		tap_diag "$(echo "$out" | tail -n 20)"
	elif echo "$out" | sed -n '/===== run failed/,$p' | grep -Eq "$why"; then
		tap_ok "$desc"
	else
		tap_not_ok "$desc: failed, but not for '$why'"
		tap_diag "$(echo "$out" | sed -n '/===== run failed/,$p')"
	fi
}

distro=$(badmod_dir distro) || distro=""
debug=$(badmod_dir debug) || debug=""
bm=$distro/vha_badmod.ko
dbm=$debug/vha_badmod.ko

if out=$("$run" --quiet --kernel distro --modules "" -- "insmod $bm && rmmod vha_badmod" 2>&1); then
	tap_ok "a clean run passes"
else
	tap_not_ok "a clean run passes"
	tap_diag "$(echo "$out" | tail -n 30)"
fi
expect_fail "a failing command fails the run" "the job failed" --kernel distro -- "false"
expect_fail "a WARN fails the run" "taint|oops/BUG/WARN" --kernel distro -- "insmod $bm mode=warn; rmmod vha_badmod"
expect_fail "a module that will not unload fails the run" "still loaded at the end" \
	--kernel distro -- "insmod $bm mode=pin"
expect_fail "a kernel crash fails the run" "no verdict" --kernel distro -- "echo c > /proc/sysrq-trigger"
expect_fail "a hang fails the run and QEMU is killed" "HUNG" --kernel distro --timeout 45 -- "sleep 600"
hung_job=$(echo "$out" | sed -n 's/.*job files kept in //p')
if [ -z "$hung_job" ] || pgrep -f "vha.job=$hung_job( |$)" > /dev/null; then
	tap_not_ok "no QEMU left behind"
else
	tap_ok "no QEMU left behind"
fi
# A kernel that never reaches the job (here: given 1 s to) is booted once
# more, then fails the run.
out=$(VHA_BOOT_LIMIT=1 "$run" --quiet --kernel distro --modules "" -- true 2>&1)
tap_check "a kernel stuck in its boot is booted once more, saying so" \
	grep -q "did not start the job within 1s.*booting once more" <<< "$out"
tap_check "and a second stuck boot fails the run" \
	grep -q "did not start the job within 1s, twice" <<< "$out"
expect_fail "a crash mid-suite names the program it hit" "no verdict.*during selftests/runner/suite/2_crashes.sh" \
	--kernel distro --suite --tests "selftests/runner/suite/*.sh"
tap_check "the programs before the crash still count (1_passes.sh: 2 passed)" \
	grep -Eq "vm\(distro\): 2 passed, [1-9][0-9]* failed" <<< "$out"
expect_fail "a kmemleak report from the module fails the run (debug kernel)" "kmemleak" \
	--kernel debug -- "insmod $dbm mode=leak; rmmod vha_badmod"
# An injected failure's report (FAULT_INJECTION line and stack dump) is not
# a splat, but a WARN after one still is.
inject="echo N > /sys/kernel/debug/failslab/ignore-gfp-wait; sh -c 'echo 1 > /proc/thread-self/fail-nth; exec cat /dev/null'; dmesg | grep -A3 'FAULT_INJECTION: forcing' | grep -q 'CPU: .* PID'"
if out=$("$run" --quiet --kernel debug --modules "" -- "$inject" 2>&1); then
	tap_ok "a fault-injection report passes (debug kernel)"
else
	tap_not_ok "a fault-injection report passes (debug kernel)"
	tap_diag "$(echo "$out" | sed -n '/===== run failed/,$p' | tail -n 30)"
fi
expect_fail "a WARN after a fault-injection report fails the run (debug kernel)" "oops/BUG/WARN" \
	--kernel debug -- "$inject; insmod $dbm mode=warn; rmmod vha_badmod"
tap_done
