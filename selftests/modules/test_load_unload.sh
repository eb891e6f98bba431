#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every module of the project loads and unloads cleanly 20 times in a row,
# and the cycle leaks no memory: unreclaimable slab after the cycles is
# within noise of before them (the debug kernel's kmemleak scan at the end
# of the run catches smaller leaks by object).
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"

# 20 rounds on Debian's kernel (50 took 50 to 140 s of make check's
# budget, and a leak of a few bytes a round is below the slab slack either
# way); 6 on the debug kernel, where a round costs seconds under KASAN and
# kmemleak, and leaks are caught by object anyway.
default_rounds=20
[ "${VHA_KERNEL_KIND:-}" != debug ] || default_rounds=6
rounds=${VHA_LOAD_ROUNDS:-$default_rounds}
# Slack for unrelated kernel activity during the cycles (KiB).
slack_kb=${VHA_SLAB_SLACK_KB:-512}
mods=$("$VHA_ROOT/scripts/vha-modules.sh" list "$VHA_KMOD")
tap_plan 4

if [ -z "$mods" ]; then
	tap_not_ok "the project has modules to test (none built in $VHA_KMOD)"
	tap_skip "no modules" "load/unload $rounds times"
	tap_skip "no modules" "no slab growth"
	tap_skip "no modules" "modules loaded again at the end"
	exit 1
fi
tap_ok "modules to test: $(echo $mods)"

loader=$VHA_ROOT/scripts/vha-modules.sh
sunreclaim() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo
}

"$loader" unload "$VHA_KMOD"
# Warm up: the first loads populate caches that stay (kernfs nodes, ...).
for i in 1 2 3; do "$loader" load "$VHA_KMOD" && "$loader" unload "$VHA_KMOD"; done
before=$(sunreclaim)

# The loop calls insmod/rmmod directly: under emulation with KASAN every
# extra process costs tens of milliseconds.
rev=""
for m in $mods; do rev="$m $rev"; done
bad=""
for i in $(seq "$rounds"); do
	for m in $mods; do
		insmod "$VHA_KMOD/$m.ko" || { bad="insmod $m failed in round $i"; break 2; }
	done
	for m in $rev; do
		rmmod "$m" || { bad="rmmod $m failed in round $i"; break 2; }
	done
	for m in $mods; do
		[ ! -e "/sys/module/$m" ] || { bad="$m still present after unload in round $i"; break 2; }
	done
done
if [ -z "$bad" ]; then tap_ok "load/unload $rounds times"; else tap_not_ok "load/unload $rounds times: $bad"; fi

after=$(sunreclaim)
growth=$((after - before))
if [ "$growth" -le "$slack_kb" ]; then
	tap_ok "no slab growth over $rounds cycles (${growth} KiB, slack ${slack_kb} KiB)"
else
	tap_not_ok "no slab growth over $rounds cycles (${growth} KiB, slack ${slack_kb} KiB)"
fi

tap_check "modules loaded again at the end" "$loader" load "$VHA_KMOD"
tap_done
