#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner's own test (host side, TAP): each way a run can go wrong must
# turn into a failed run that names the reason, and a clean run must pass.
# Boots several short VMs on Debian's kernel and two on the debug kernel;
# detectors that can fire in the same run share one boot.
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

# run_fails RUN-ARGS...: a run that must fail; its output is left in $out.
# Each says DESC REASON-REGEX then checks one reason it must name: one VM
# boot tests every detector that can fire in the same run.
out="" run_passed=0
run_fails() {
	if out=$("$run" --quiet --modules "" "$@" 2>&1); then
		run_passed=1
	else
		run_passed=0
	fi
}

says() {
	if [ "$run_passed" = 1 ]; then
		tap_not_ok "$1: the run passed"
		tap_diag "$(echo "$out" | tail -n 20)"
	elif echo "$out" | sed -n '/===== run failed/,$p' | grep -Eq "$2"; then
		tap_ok "$1"
	else
		tap_not_ok "$1: failed, but not for '$2'"
		tap_diag "$(echo "$out" | sed -n '/===== run failed/,$p')"
	fi
}

# expect_fail DESC REASON-REGEX RUN-ARGS...: the run must fail and say why.
expect_fail() {
	local desc=$1 why=$2
	shift 2
	run_fails "$@"
	says "$desc" "$why"
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
# A WARN, a module pinned in place and a failing command: one boot, three
# reasons named.
run_fails --kernel distro -- "insmod $bm mode=warn; rmmod vha_badmod; insmod $bm mode=pin; false"
says "a failing command fails the run" "the job failed"
says "a WARN fails the run" "taint|oops/BUG/WARN"
says "a module that will not unload fails the run" "still loaded at the end"
expect_fail "a hang fails the run and QEMU is killed" "HUNG" --kernel distro --timeout 30 -- "sleep 600"
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
# 2_crashes.sh crashes the kernel (sysrq c) after 1_passes.sh has run
run_fails --kernel distro --suite --tests "selftests/runner/suite/*.sh"
says "a kernel crash fails the run" "no verdict"
says "a crash mid-suite names the program it hit" "no verdict.*during selftests/runner/suite/2_crashes.sh"
tap_check "the programs before the crash still count (1_passes.sh: 2 passed)" \
	grep -Eq "vm\(distro\): 2 passed, [1-9][0-9]* failed" <<< "$out"
# An injected failure's report (FAULT_INJECTION line and stack dump) is not
# a splat, but a WARN after one still is.
inject="echo N > /sys/kernel/debug/failslab/ignore-gfp-wait; sh -c 'echo 1 > /proc/thread-self/fail-nth; exec cat /dev/null'; dmesg | grep -A3 'FAULT_INJECTION: forcing' | grep -q 'CPU: .* PID'"
if out=$("$run" --quiet --kernel debug --modules "" -- "$inject" 2>&1); then
	tap_ok "a fault-injection report passes (debug kernel)"
else
	tap_not_ok "a fault-injection report passes (debug kernel)"
	tap_diag "$(echo "$out" | sed -n '/===== run failed/,$p' | tail -n 30)"
fi
# A leak and a WARN after an injected failure: one boot, both named.
run_fails --kernel debug -- "$inject; insmod $dbm mode=leak; rmmod vha_badmod; insmod $dbm mode=warn; rmmod vha_badmod"
says "a kmemleak report from the module fails the run (debug kernel)" "kmemleak"
says "a WARN after a fault-injection report fails the run (debug kernel)" "oops/BUG/WARN"
tap_done
