#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test command (`make check`): install what is missing, build, run the
# static checks and userspace unit tests on this host, then the selftest
# suite in a VM on the debug kernel (KASAN, lockdep, kmemleak, UBSAN). In
# the background meanwhile, boots of Debian's own kernel: a load smoke,
# unmodified QEMU end to end (net, and blk through vhost-user-blk), DPDK's
# virtio_user as a second independent driver of /dev/vhost-net, libvirt,
# the Debian packages, and live migration. Ends with one line "N passed,
# N failed" (", N skipped" if any); non-zero exit on any failure.
#
# VHA_CHECK_STAGES selects stages (default "static unit runner debug distro").
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
stages=${VHA_CHECK_STAGES:-static unit runner debug distro}
passed=0 failed=0 skipped=0
log=$root/build/check
mkdir -p "$log"
rm -f "$log"/{kernel,static,unit,runner,debug,distro,vub,deb,ops,migrate}.{log,result} \
	"$log/retries" "$log/distro-lane.txt"

add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3)); }

stage() { echo; echo "======== $* ($(date +%T))"; }

# add_tap_result FILE: fold a run-tap.sh log's RESULT line into the totals;
# a log without one (the runner died) is one failure.
add_tap_result() {
	local r
	r=$(grep '^RESULT ' "$1" | tail -n 1)
	if [ -z "$r" ]; then add 0 1 0; return; fi
	set -- $(echo "$r" | sed 's/[a-z]*=//g; s/RESULT //')
	add "$1" "$2" "$3"
}

# add_vm_result FILE: the same for a VM run's result file.
add_vm_result() {
	if [ -s "$1" ]; then add $(cat "$1"); else add 0 1 0; fi
}

# Which failed VM runs are the emulator's (retried): selftests/lib/vm_verdicts.sh
. selftests/lib/vm_verdicts.sh

# retried NAME TRY WHY: say, now and in the summary, that a boot runs
# once more and why.
retried() {
	stage "$3: once more"
	echo "$1: try $2 of 3 not counted: $3" >> "$log/retries"
}

# distro_run NAME TESTS: a suite run on Debian's kernel, logged as NAME,
# its counts in $log/NAME.result; up to twice more, saying so, if the
# emulator's nested SVM killed the VM or a nested guest, or reset the VM,
# or the emulated CPUs stood still.
distro_run() {
	local try
	for try in 1 2 3; do
		rm -f "$log/$1.result"
		./selftests/vm/run.sh --kernel distro --suite --tests "$2" \
			--result "$log/$1.result" 2>&1 | tee "$log/$1.log"
		[ "$try" != 3 ] || break
		if nested_emulation_crash "$log/$1.log"; then
			retried "$1" "$try" "the VM's kernel died in a nested guest's QEMU (emulated SVM, not our modules)"
		elif nested_guest_crash "$log/$1.log"; then
			retried "$1" "$try" "a nested guest's kernel died (emulated SVM under KVM in the VM)"
		elif vm_reset_silently "$log/$1.log"; then
			retried "$1" "$try" "the VM reset itself without a report while nested guests ran (emulated SVM)"
		elif vm_stood_still "$log/$1.log"; then
			retried "$1" "$try" "the VM's CPUs stood still (an RCU stall whose kthread never ran, not in our code)"
		else
			break
		fi
		mv "$log/$1.log" "$log/$1-crashed-$try.txt"
	done
	[ -s "$log/$1.result" ] || echo "0 1 0" > "$log/$1.result"
}

# distro_lane: every boot of Debian's kernel, one after another. Each is
# a separate boot so that the emulator's nested-SVM failures, and their
# retries, cost one test only:
#  - distro: load smoke, QEMU end to end, DPDK's virtio_user;
#  - vub: the vhost-user-blk guests (the daemon's restart is where the
#    emulated SVM fails most);
#  - ops: libvirt and the Debian packages (two CI runs saw nested guests
#    die in the boot libvirt once shared with e2e_vhost_user.sh); the
#    packages and their DKMS build's compiler cache are made on the host
#    first;
#  - migrate: live migration of a nested guest, split and packed.
distro_lane() {
	distro_run distro 'selftests/modules/test_load_unload.sh selftests/modules/test_devnodes.sh selftests/modules/test_coexist.sh selftests/net/e2e_qemu.sh selftests/net/dpdk_virtio_user.sh'
	distro_run vub selftests/blk/e2e_vhost_user.sh
	if ./selftests/modules/deb_prepare.sh > "$log/deb-prepare.log" 2>&1; then
		distro_run ops 'selftests/blk/e2e_libvirt.sh selftests/modules/test_deb.sh'
	else
		echo "# FAILED: make deb / deb_prepare.sh (log: $log/deb-prepare.log)" | tee "$log/deb.log"
		tail -n 20 "$log/deb-prepare.log"
		echo "0 1 0" > "$log/deb.result"
		distro_run ops selftests/blk/e2e_libvirt.sh
	fi
	distro_run migrate selftests/net/e2e_migrate.sh
}
distro_runs="distro vub deb ops migrate"

# suite_tests: the debug stage's tests, every selftests/*/test_*.sh but
# the one that cannot pass there: test_deb.sh (DKMS builds for Debian's
# kernel, after selftests/modules/deb_prepare.sh on the host: the distro
# stage runs it).
suite_tests() {
	local t out=""
	for t in selftests/*/test_*.sh; do
		case $t in
		selftests/modules/test_deb.sh) ;;
		*) out="$out $t" ;;
		esac
	done
	echo "$out"
}

stage "dependencies"
if ! ./scripts/install-deps.sh; then
	echo "check: cannot install dependencies"
	echo "0 passed, 1 failed"
	exit 1
fi

stage "build"
if ! make -s all; then
	echo "check: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

# The debug kernel, built once and cached, before anything boots it: a
# cold build takes about 20 minutes, longer than any one test may run.
case " $stages " in
*" runner "*|*" debug "*)
	stage "debug kernel (cached in ${VHA_CACHE:-/var/cache/vhost-accel})"
	./selftests/kernel/build-debug-kernel.sh 2>&1 | tee "$log/debug-kernel.log"
	if [ "${PIPESTATUS[0]}" != 0 ]; then
		echo "# FAILED: the debug kernel did not build (log: $log/debug-kernel.log)" | tee "$log/kernel.log"
		add 0 1 0
	fi
	;;
esac

# The boots of Debian's kernel need only the build: they run in the
# background beside the other stages (the debug suite's VM keeps one of
# the host's two cores busy, on average, and leaves the other free), after
# the debug kernel (a cold build keeps both cores busy), their output kept
# in $log/distro-lane.txt and shown at the end. Alone
# (VHA_CHECK_STAGES=distro), in the foreground.
lane_pid=""
case " $stages " in
*" distro "*)
	if [ "$(echo $stages)" = distro ]; then
		stage "VM on Debian's kernel: boots distro, vub, ops, migrate"
		distro_lane
	else
		stage "VM on Debian's kernel (boots distro, vub, ops, migrate): in the background, shown at the end"
		# a process group of its own (set -m), killed whole if
		# this script is interrupted
		set -m
		distro_lane > "$log/distro-lane.txt" 2>&1 < /dev/null &
		lane_pid=$!
		set +m
		trap 'kill -TERM -- -$lane_pid 2> /dev/null; exit 130' INT TERM
	fi
	;;
esac

for s in $stages; do
	case "$s" in
	static)
		stage "static checks: W=1, sparse, checkpatch"
		./selftests/run-tap.sh ./scripts/static-checks.sh | tee "$log/static.log"
		add_tap_result "$log/static.log"
		;;
	unit)
		stage "userspace unit tests"
		mapfile -t tests < <(make -s print-user-tests)
		./selftests/run-tap.sh "${tests[@]}" | tee "$log/unit.log"
		add_tap_result "$log/unit.log"
		;;
	runner)
		stage "the VM runner's own test: each failure mode fails a run"
		./selftests/run-tap.sh ./selftests/runner/test-runner.sh | tee "$log/runner.log"
		add_tap_result "$log/runner.log"
		;;
	debug)
		stage "VM suite on the debug kernel"
		rm -f "$log/debug.result"
		./selftests/vm/run.sh --kernel debug --suite --tests "$(suite_tests)" \
			--result "$log/debug.result" 2>&1 | tee "$log/debug.log"
		add_vm_result "$log/debug.result"
		;;
	distro) ;;
	*) echo "check: unknown stage $s"; add 0 1 0 ;;
	esac
done

if [ -n "$lane_pid" ]; then
	stage "waiting for the boots of Debian's kernel"
	wait "$lane_pid"
	trap - INT TERM
	cat "$log/distro-lane.txt"
fi
case " $stages " in
*" distro "*)
	for r in $distro_runs; do
		[ ! -e "$log/$r.result" ] || add_vm_result "$log/$r.result"
	done
	;;
esac

# What failed, where the last lines of the output (all a CI page may show)
# can be read: the failed points and each VM run's reasons.
summary() {
	local f
	for f in "$log"/{kernel,static,unit,runner,debug,distro,vub,deb,ops,migrate}.log; do
		[ -e "$f" ] || continue
		tr -d '\r' < "$f" | awk -v s="$(basename "$f" .log)" '
			/^# FAILED: / { sub(/^# FAILED: /, ""); print s ": " $0 }
			/^===== run failed =====/ { inrun = 1; next }
			inrun && /^  / { sub(/^  /, ""); print s ": " $0; next }
			{ inrun = 0 }'
	done | awk '!seen[$0]++' | cut -c 1-300 | head -n 15
}

echo
if [ -s "$log/retries" ]; then
	echo "======== boots run once more (the emulator)"
	cat "$log/retries"
fi
if [ "$failed" != 0 ]; then
	echo "======== what failed"
	summary
fi
line="$passed passed, $failed failed"
[ "$skipped" = 0 ] || line="$line, $skipped skipped"
echo "$line"
[ "$failed" = 0 ]
