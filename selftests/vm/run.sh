#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [options] [-- COMMAND...]
#
# Boot a test VM with the project's modules and run COMMAND (or, with
# --suite, every selftests/*/test_*.sh) inside it. The VM boots Debian's
# kernel or the debug kernel under QEMU with the host's root shared
# read-only over virtio-9p; see ENVIRONMENT.md for the measured recipe.
#
#   --kernel debug|distro|rt|cloud  which kernel (default: debug); rt and
#                           cloud: Debian's other 6.1 flavours, installed
#                           beside the generic one (make check-flavours)
#   --suite                 run the selftest suite instead of COMMAND
#   --tests GLOB            the suite's tests (default selftests/*/test_*.sh)
#   --modules "a b"         modules to load, in order (default: every
#                           module built, core first); "" loads none
#   --timeout S             kill the VM after S seconds (default 1800)
#   --result FILE           write "passed failed skipped" there (suite)
#   --kvm | --no-kvm        force KVM on or off (default: a cached probe)
#   --host                  no VM: run on this host, which must load modules
#   --quiet                 do not stream the console (still shown on failure)
#
# The verdict travels on the VM's second serial port; the kernel log on the
# third. The run fails on: no verdict (crash, panic, hang), a splat in the
# kernel log (oops, BUG, WARN, KASAN, UBSAN, lockdep, hung task), a taint
# other than out-of-tree/unsigned, a module that will not unload, a kmemleak
# report from our code, or a non-zero status of COMMAND. QEMU never
# outlives this script.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/selftests/vm
cache=${VHA_CACHE:-/var/cache/vhost-accel}
boot_limit=${VHA_BOOT_LIMIT:-240} boot_stuck=0
tests="selftests/*/test_*.sh" kind=debug suite=0 timeout=1800 result="" kvm=auto host=0 quiet=0
modules=unset
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kind=$2; shift 2 ;;
	--suite) suite=1; shift ;;
	--tests) tests=$2; shift 2 ;;
	--modules) modules=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--result) result=$2; shift 2 ;;
	--kvm) kvm=yes; shift ;;
	--no-kvm) kvm=no; shift ;;
	--host) host=1; shift ;;
	--quiet) quiet=1; shift ;;
	--) shift; break ;;
	-h|--help) sed -n '3,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
cmd="$*"
[ "$suite" = 1 ] || [ -n "$cmd" ] || { echo "run.sh: give --suite or a COMMAND" >&2; exit 2; }

say() { echo "run.sh: $*" >&2; }

# The kernel to boot, its release, where its modules live, and its KDIR.
pick_kernel() {
	case "$kind" in
	debug)
		local out
		out=$("$root/selftests/kernel/build-debug-kernel.sh") ||
			{ say "the debug kernel did not build"; exit 1; }
		bzimage=$out/bzImage
		release=$(cat "$out/kernel.release")
		modroot=$out
		kdir=$out/build
		;;
	distro | rt | cloud)
		local flavour=$kind pkg=linux-image-$kind-amd64
		[ "$kind" != distro ] || { flavour="" pkg=linux-image-amd64; }
		kdir=${KDIR:-$(FLAVOUR=$flavour "$root/scripts/find-kdir.sh")} || exit 1
		release=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
		bzimage=/boot/vmlinuz-$release
		modroot=/
		[ -e "$bzimage" ] || { say "no $bzimage (apt-get install $pkg)"; exit 1; }
		;;
	*) say "unknown kernel kind $kind"; exit 2 ;;
	esac
	[ "$host" = 0 ] || { release=$(uname -r); kdir=/lib/modules/$release/build; modroot=/; }
}

build_modules() {
	mkdir -p "$root/build"
	kmod=$root/build/$release
	# --modules "": a run that loads none of ours needs no build.
	[ "$modules" != "" ] || return 0
	(
		flock 8
		make -s -C "$root" modules KDIR="$kdir" >&2
	) 8>"$root/build/.modules.lock"
	if [ "$modules" = unset ]; then
		modules=""
		[ -e "$kmod/vhost_accel.ko" ] && modules="vhost_accel"
		for ko in "$kmod"/*.ko; do
			[ -e "$ko" ] || continue
			m=$(basename "$ko" .ko)
			[ "$m" = vhost_accel ] || modules="$modules $m"
		done
	fi
}

make_job() {
	job=$(mktemp -d "$root/build/vm/job.XXXXXX")
	mkdir -p "$job/out"
	cp "$here/guest.sh" "$job/guest.sh"
	{
		printf 'VHA_ROOT=%q\n' "$root"
		printf 'VHA_KMOD=%q\n' "$kmod"
		printf 'VHA_BIN=%q\n' "$root/build/user/bin"
		printf 'VHA_KERNEL_KIND=%q\n' "$kind"
		printf 'VHA_MODULES=%q\n' "$modules"
		printf 'VHA_MODE=%q\n' "$([ "$suite" = 1 ] && echo suite || echo cmd)"
		printf 'VHA_CMD=%q\n' "$cmd"
		printf 'VHA_TESTS=%q\n' "$tests"
		printf 'VHA_TEST_TIMEOUT=%q\n' "${VHA_TEST_TIMEOUT:-900}"
		# written by the guest, kept by the host even if the kernel dies
		if [ "$host" = 1 ]; then
			printf 'VHA_OUT=%q\n' "$job/out"
		else
			printf 'VHA_OUT=/run/vha-out\n'
		fi
		# the tests' and benchmarks' own knobs (BENCH_ROUNDS, ...)
		local k
		for k in $(compgen -e); do
			case $k in
			BENCH_* | NESTED_* | E2E_* | FUZZ_*) printf 'export %s=%q\n' "$k" "${!k}" ;;
			esac
		done
		if [ "$host" = 1 ]; then
			printf 'VHA_VERDICT=%q\n' "$job/verdict"
			printf 'VHA_KLOG=%q\n' "$job/dmesg"
		fi
	} > "$job/env"
}

initramfs_for() {
	local img=$root/build/vm/initramfs-$release.cpio.gz extra=""
	# a kernel without 9p (Debian's cloud flavour): built from its source
	if [ "$modroot" = / ] && ! grep -qE '^CONFIG_NET_9P=[ym]' "$kdir/.config" 2>/dev/null; then
		extra=$("$root/selftests/kernel/build-9p-modules.sh" "$kdir" "$cache/9p-$release") || exit 1
	fi
	if [ ! -e "$img" ] || [ "$here/init" -nt "$img" ] || [ "$here/mkinitramfs.sh" -nt "$img" ]; then
		"$here/mkinitramfs.sh" "$modroot" "$release" "$img" $extra
	fi
	echo "$img"
}

# KVM only when asked, or when a short probe proved it boots a guest here:
# /dev/kvm existing proves nothing (on some hosts it hangs or aborts).
use_kvm() {
	case "$kvm" in
	yes) return 0 ;;
	no) return 1 ;;
	esac
	[ -w /dev/kvm ] || return 1
	local probe
	probe=$cache/kvm-probe-$(uname -r)
	if [ ! -e "$probe" ]; then
		mkdir -p "$cache"
		say "probing whether KVM boots a guest (once per host kernel)"
		if VHA_CACHE=$cache "$0" --kernel distro --kvm --modules "" --timeout 60 --quiet -- true >/dev/null 2>&1; then
			echo yes > "$probe"
		else
			echo no > "$probe"
		fi
	fi
	[ "$(cat "$probe")" = yes ]
}

qemu_pid=""
tail_pid=""
cleanup() {
	[ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || true
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -9 "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

boot_vm() {
	local initrd accel append
	initrd=$(initramfs_for)
	accel="-accel tcg,thread=multi -cpu max"
	use_kvm && accel="-accel kvm -cpu host"
	append="console=ttyS0 printk.time=1 loglevel=5 panic=-1 oops=panic softlockup_panic=1"
	append="$append hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=120"
	# Emulated CPUs on a shared host can stand still for the default 21 s
	# (RCU) or 20 s (soft lockup, now 60 s)
	# (CI saw a stall in a userspace page fault of a shell script); 60 s
	# still reports a CPU that never lets RCU through.
	append="$append rcupdate.rcu_cpu_stall_timeout=60 watchdog_thresh=30"
	# Room for the fault suite's stack dumps (the default 128 KiB would wrap
	# and hide the lines the per-program splat check looks for).
	append="$append log_buf_len=4M vha.job=$job"
	[ "$modroot" = / ] || append="$append vha.modules=$modroot/lib/modules"
	: > "$job/console"
	# The kernel kills QEMU if this script dies, even by SIGKILL.
	# shellcheck disable=SC2086
	setpriv --pdeathsig KILL qemu-system-x86_64 $accel -smp 2 -m 3072 -nodefaults -no-reboot \
		-display none -monitor none -parallel none -nic none \
		-kernel "$bzimage" -initrd "$initrd" -append "$append" \
		-serial "file:$job/console" -serial "file:$job/verdict" -serial "file:$job/dmesg" \
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
		-virtfs local,path="$job/out",mount_tag=vhaout,security_model=none,multidevs=remap \
		-device virtio-rng-pci \
		</dev/null >"$job/qemu.log" 2>&1 &
	qemu_pid=$!
	if [ "$quiet" = 0 ]; then
		tail -n +1 -F "$job/console" 2>/dev/null &
		tail_pid=$!
	fi
	local waited=0
	boot_stuck=0
	while kill -0 "$qemu_pid" 2>/dev/null; do
		if [ "$waited" -ge "$timeout" ]; then
			echo "HUNG after ${timeout}s" >> "$job/failures"
			kill -9 "$qemu_pid" 2>/dev/null || true
			break
		fi
		if [ "$waited" -ge "$boot_limit" ] && [ ! -s "$job/verdict" ]; then
			boot_stuck=1
			kill -9 "$qemu_pid" 2>/dev/null || true
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$qemu_pid" 2>/dev/null || true
	qemu_pid=""
	sleep 0.2
	[ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || true
	tail_pid=""
}

# An emulated kernel now and then stands still early in its boot on a
# loaded host (seen: after "tsc: Unable to calibrate against PIT", no
# further line for 25 minutes). A kernel that has not started the job
# (nothing on the verdict channel) after boot_limit seconds is killed and
# booted once more, saying so; the second time it counts as a failure.
boot_vm_retrying() {
	boot_vm
	[ "$boot_stuck" = 1 ] || return 0
	say "the kernel did not start the job within ${boot_limit}s (console ends: $(tr -d '\r' < "$job/console" | tail -n 1 | cut -c 1-100)): booting once more"
	cp "$job/console" "$job/console.stuck"
	: > "$job/verdict"
	: > "$job/dmesg"
	boot_vm
	[ "$boot_stuck" = 0 ] ||
		echo "the kernel did not start the job within ${boot_limit}s, twice" >> "$job/failures"
}

run_on_host() {
	[ -e /proc/modules ] || { say "this host cannot load modules: use the VM"; exit 1; }
	: > "$job/verdict"
	bash "$job/guest.sh" "$job" 2>&1 | tee "$job/console"
}

# splats_in FILE [SKIP-REGEX]: FILE's splat lines, "FILE:" before each,
# fault-injection reports and lines matching SKIP-REGEX left out.
splats_in() {
	local pats=$root/selftests/lib/splat-patterns
	tr -d '\r' < "$1" | awk -v patterns="$pats" -f "$root/selftests/lib/fault-reports.awk" |
		if [ -n "${2:-}" ]; then grep -a -v "$2" || true; else cat; fi |
		{ grep -a -F -f "$pats" || true; } | sed "s|^|$1:|"
}

# Judge the run from the verdict channel and the kernel log, never from
# what the console says.
judge() {
	local log=$job/dmesg end running
	[ -s "$log" ] || log=$job/console
	touch "$job/failures"
	# Serial lines end in CR LF.
	tr -d '\r' < "$job/verdict" > "$job/verdict.txt" && mv "$job/verdict.txt" "$job/verdict"
	end=$(grep -a '^END ' "$job/verdict" | tail -n 1 || true)
	if [ -z "$end" ]; then
		running=$(grep -a '^RUNNING ' "$job/verdict" | tail -n 1 | cut -d ' ' -f 2- || true)
		echo "no verdict from the guest: it crashed, panicked or hung${running:+ during $running}" >> "$job/failures"
	else
		# A suite's failed tests are already counted in its RESULT line.
		case "$end" in
		*" rc=0 "*) ;;
		*) grep -aq '^RESULT .*failed=[1-9]' "$job/verdict" ||
			echo "the job failed (${end#END })" >> "$job/failures" ;;
		esac
		case "$end" in
		*" problems=0") ;;
		*) { grep -a '^PROBLEM ' "$job/verdict" || true; } | sed 's/^PROBLEM //' >> "$job/failures" ;;
		esac
	fi
	# The console also carries the tests' TAP comments ("# ..."), which may
	# quote a nested guest's kernel: not this kernel's log. An injected
	# failure's report (selftests/fault) is not a splat either.
	{
		[ "$log" = "$job/console" ] || splats_in "$log"
		splats_in "$job/console" '^#'
	} > "$job/splats"
	if [ -s "$job/splats" ]; then
		echo "the kernel log has $(wc -l < "$job/splats") line(s) of oops/BUG/WARN/lockdep/KASAN/hang reports, first: $(tr -d '\r' < "$job/splats" | head -n 1 | cut -c 1-160)" >> "$job/failures"
	fi
	grep -a -i 'error\|could not' "$job/qemu.log" >> "$job/failures" 2>/dev/null || true
}

# What the guest left in VHA_OUT (e.g. the fuzzer's last program).
show_out() {
	local f
	for f in "$job"/out/*; do
		[ -f "$f" ] || continue
		echo "===== the guest left $(basename "$f") ====="
		head -c 4096 "$f"
		echo
	done
}

report() {
	local res p=0 f=0 s=0
	res=$(grep -a '^RESULT ' "$job/verdict" | tail -n 1 || true)
	# A suite that never finished: count the programs that did.
	[ -n "$res" ] || res=$(grep -a '^PARTIAL ' "$job/verdict" | tail -n 1 || true)
	if [ -n "$res" ]; then
		p=$(echo "$res" | sed -n 's/.*passed=\([0-9]*\).*/\1/p')
		f=$(echo "$res" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
		s=$(echo "$res" | sed -n 's/.*skipped=\([0-9]*\).*/\1/p')
	fi
	if [ -s "$job/failures" ]; then
		echo "===== kernel log ($kind kernel $release) ====="
		if [ -s "$job/dmesg" ]; then tr -d '\r' < "$job/dmesg" | tail -n 400; else tr -d '\r' < "$job/console" | tail -n 400; fi
		show_out
		echo "===== run failed ====="
		sed 's/^/  /' "$job/failures"
		f=$((f + $(wc -l < "$job/failures")))
	fi
	# --quiet hid the console: show what the failed tests printed
	if [ "$quiet" = 1 ] && [ "${f:-0}" -gt 0 ] && [ ! -s "$job/failures" ]; then
		echo "===== console (tests failed) ====="
		tr -d '\r' < "$job/console" | grep -av '^$' | tail -n 200
	fi
	[ -z "$result" ] || echo "$p $f $s" > "$result"
	[ "$suite" = 0 ] || echo "vm($kind): $p passed, $f failed, $s skipped"
	[ -s "$job/failures" ] && return 1
	return 0
}

pick_kernel
build_modules
mkdir -p "$root/build/vm"
make_job
say "$kind kernel $release, modules: ${modules:-none}, job $job"
if [ "$host" = 1 ]; then run_on_host; else boot_vm_retrying; fi
judge
if report; then
	rm -rf "$job"
else
	say "job files kept in $job"
	exit 1
fi
