#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module parameters: modinfo states unit, range and default of every one;
# a value outside its range fails the load with -EINVAL and a kernel message
# naming the parameter; an in-range value loads and reads back; a writable
# parameter rejects a bad write to its sysfs file and keeps its value.
# The modules are loaded as before when the test ends.
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"

loader=$VHA_ROOT/scripts/vha-modules.sh
mods=$("$loader" list "$VHA_KMOD")
tap_plan 18

# modinfo: every parameter's description says unit, range and default.
bad=""
n=0
for m in $mods; do
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		n=$((n + 1))
		case $line in
		*"unit: "*"range "*"default "*) ;;
		*) bad="$bad
$m: $line" ;;
		esac
	done < <(modinfo -F parm "$VHA_KMOD/$m.ko")
done
if [ -z "$bad" ] && [ "$n" -ge 3 ]; then
	tap_ok "modinfo: all $n parameters state unit, range and default"
else
	tap_not_ok "modinfo: all $n parameters state unit, range and default"
	tap_diag "$bad"
fi

# kmsg_has PATTERN: the kernel's last lines mention PATTERN.
kmsg_has() { dmesg | tail -n 30 | grep -q -- "$1"; }

# rejects MOD PARAM=VALUE: insmod fails with EINVAL and a kernel message.
rejects() {
	local m=$1 arg=$2 out
	if out=$(insmod "$VHA_KMOD/$m.ko" "$arg" 2>&1); then
		tap_not_ok "$m $arg is rejected (it loaded)"
		rmmod "$m"
		return
	fi
	if ! echo "$out" | grep -q -E 'Invalid (argument|parameters)'; then
		tap_not_ok "$m $arg is rejected with EINVAL (insmod: $out)"
	elif ! kmsg_has "$m\.${arg%%=*}: '${arg#*=}' rejected"; then
		tap_not_ok "$m $arg: the kernel log names the parameter and range"
		dmesg | tail -n 5 | sed 's/^/#   /'
	else
		tap_ok "$m $arg is rejected: $(dmesg | grep -- "${arg%%=*}: '" | tail -n 1 | sed 's/^\[[^]]*\] //')"
	fi
}

# accepts MOD PARAM=VALUE [READBACK]: loads, and sysfs shows the value.
accepts() {
	local m=$1 arg=$2 want=${3:-${2#*=}} got
	if ! insmod "$VHA_KMOD/$m.ko" "$arg"; then
		tap_not_ok "$m $arg loads"
		return
	fi
	got=$(cat "/sys/module/$m/parameters/${arg%%=*}")
	if [ "$got" = "$want" ]; then
		tap_ok "$m $arg loads and reads back $got"
	else
		tap_not_ok "$m $arg loads and reads back $want (got $got)"
	fi
	rmmod "$m"
}

has() { echo " $mods " | tr '\n' ' ' | grep -q " $1 "; }

# The core: only with every module out (they all depend on it).
"$loader" unload "$VHA_KMOD"
rejects vhost_accel max_mem_regions=0
rejects vhost_accel max_mem_regions=65537
rejects vhost_accel max_mem_regions=-1
rejects vhost_accel max_mem_regions=many
accepts vhost_accel max_mem_regions=1
accepts vhost_accel max_mem_regions=65536
tap_check "all modules load with defaults" "$loader" load "$VHA_KMOD"

if has vhost_net; then
	rmmod vhost_net
	rejects vhost_net tx_batch=65
	rejects vhost_net tx_batch=4294967296
	accepts vhost_net tx_batch=0
	accepts vhost_net tx_batch=64
else
	for i in 1 2 3 4; do tap_skip "vhost_net not built" "vhost_net tx_batch"; done
fi

if has vhost_blk; then
	rmmod vhost_blk
	# Booleans are parsed by the kernel itself (kstrtobool).
	if insmod "$VHA_KMOD/vhost_blk.ko" worker_per_queue=2 2>/dev/null; then
		tap_not_ok "vhost_blk worker_per_queue=2 is rejected (it loaded)"
		rmmod vhost_blk
	else
		tap_ok "vhost_blk worker_per_queue=2 is rejected"
	fi
	accepts vhost_blk worker_per_queue=0 N
	insmod "$VHA_KMOD/vhost_blk.ko"
	p=/sys/module/vhost_blk/parameters/worker_per_queue
	if ! echo 7 > "$p" 2>/dev/null && [ "$(cat "$p")" = Y ]; then
		tap_ok "vhost_blk worker_per_queue: a write of 7 is refused, Y kept"
	else
		tap_not_ok "vhost_blk worker_per_queue: a write of 7 is refused, Y kept (now $(cat "$p"))"
	fi
	if echo N > "$p" && [ "$(cat "$p")" = N ] && echo Y > "$p"; then
		tap_ok "vhost_blk worker_per_queue is writable at run time (N, then Y)"
	else
		tap_not_ok "vhost_blk worker_per_queue is writable at run time"
	fi
else
	for i in 1 2 3 4; do tap_skip "vhost_blk not built" "vhost_blk worker_per_queue"; done
fi

# The read-only ones have no write access at all.
ro=""
for p in /sys/module/vhost_accel/parameters/max_mem_regions \
	 /sys/module/vhost_net/parameters/tx_batch; do
	[ -e "$p" ] || continue
	[ "$(stat -c %a "$p")" = 444 ] || ro="$ro $p:$(stat -c %a "$p")"
done
if [ -z "$ro" ]; then tap_ok "read-only parameters are 0444"; else tap_not_ok "read-only parameters are 0444:$ro"; fi

tap_check "all modules loaded again at the end" "$loader" load "$VHA_KMOD"
tap_done
