#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Our modules coexist with the distribution's vhost stack: no exported
# symbol collides with vhost.ko / vhost_iotlb.ko / vringh.ko (so those load
# next to ours), and loading our vhost_net while the distribution's is
# loaded fails with a message that says what to do.
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"
loader=$VHA_ROOT/scripts/vha-modules.sh
tap_plan 5

# Exported symbols: ours (from the build) against the distribution's.
ours=$(awk '{ print $2 }' "$VHA_KMOD/Module.symvers" 2>/dev/null | sort -u)
theirs=$(awk '$3 ~ /drivers\/vhost\// { print $2 }' "/lib/modules/$(uname -r)/build/Module.symvers" 2>/dev/null | sort -u)
if [ -z "$theirs" ]; then
	theirs=$(for m in vhost vhost_iotlb vringh; do
		f=$(modinfo -F filename "$m" 2>/dev/null) || continue
		nm "$f" 2>/dev/null | awk '/__ksymtab_/ { sub(/.*__ksymtab_/, ""); print }'
	done | sort -u)
fi
clash=$(comm -12 <(echo "$ours") <(echo "$theirs"))
bad_prefix=$(echo "$ours" | grep -E '^(vhost|vringh)_' || true)
if [ -n "$ours" ] && [ -z "$clash" ] && [ -z "$bad_prefix" ]; then
	tap_ok "no exported symbol collides with the distribution's vhost stack ($(echo "$ours" | wc -l) exported)"
else
	tap_not_ok "no exported symbol collides with the distribution's vhost stack"
	tap_diag "exported: $(echo $ours)" "clash: $(echo $clash) $(echo $bad_prefix)"
fi

# The distribution's vhost and vhost_iotlb load next to ours, and unload.
if modprobe vhost && modprobe vhost_iotlb; then
	tap_ok "distribution's vhost and vhost_iotlb load next to ours"
else
	tap_not_ok "distribution's vhost and vhost_iotlb load next to ours"
fi
modprobe -r vhost vhost_iotlb 2>/dev/null

if [ ! -e "$VHA_KMOD/vhost_net.ko" ]; then
	tap_skip "our vhost_net is not built yet" "loading our vhost_net over the distribution's fails"
	tap_skip "our vhost_net is not built yet" "the failure says what to do"
	tap_skip "our vhost_net is not built yet" "ours loads after the distribution's is removed"
	exit 0
fi

"$loader" unload "$VHA_KMOD"
modprobe vhost_net
if msg=$("$loader" load "$VHA_KMOD" 2>&1); then
	tap_not_ok "loading our vhost_net over the distribution's fails"
else
	tap_ok "loading our vhost_net over the distribution's fails"
fi
if echo "$msg" | grep -q "distribution's vhost_net is loaded" && echo "$msg" | grep -q "modprobe -r vhost_net"; then
	tap_ok "the failure says what to do"
else
	tap_not_ok "the failure says what to do"
	tap_diag "$msg"
fi
modprobe -r vhost_net vhost vhost_iotlb
tap_check "ours loads after the distribution's is removed" "$loader" load "$VHA_KMOD"
tap_done
