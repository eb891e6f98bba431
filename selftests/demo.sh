#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job (`make demo`): install what is missing, build, boot a VM on
# Debian's kernel (the one users run), load our modules, and show what they
# provide: device nodes, misc minors, module parameters.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/install-deps.sh
make -s all
kind=${VHA_DEMO_KERNEL:-distro}

exec ./selftests/vm/run.sh --kernel "$kind" -- '
	echo "===== vhost-accel demo on $(uname -r)"
	echo "--- modules loaded from $VHA_KMOD"
	for m in $VHA_MODULES; do
		printf "%-18s %s\n" "$m" "$(modinfo -F description "$VHA_KMOD/$m.ko")"
	done
	echo "--- device nodes"
	ls -l /dev/vhost-* 2>/dev/null || echo "(none)"
	echo "--- /proc/misc"
	grep vhost /proc/misc || echo "(none)"
	echo "--- module parameters"
	for m in $VHA_MODULES; do
		for p in /sys/module/$m/parameters/*; do
			[ -e "$p" ] || continue
			desc=$(modinfo -F parm "$VHA_KMOD/$m.ko" | grep "^${p##*/}:" | cut -d: -f2-)
			printf "%s.%s = %s  (%s)\n" "$m" "${p##*/}" "$(cat "$p")" "${desc# }"
		done
	done
	echo "===== demo done"
'
