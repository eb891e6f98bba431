#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The drop-in install through DKMS (`make install DKMS=1`): install.sh
# copies the sources to /usr/src, DKMS builds them here for this kernel and
# installs them under updates/dkms; then `modprobe vhost_net` and the
# automatic load on opening /dev/vhost-net pick ours. After uninstall the
# distribution's loads again and DKMS knows nothing of us. In the VM the
# host's root is read-only 9p: overlays on tmpfs take the writes to
# /usr/src, /var/lib/dkms and /lib/modules/R, and go away with them.
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"
loader=$VHA_ROOT/scripts/vha-modules.sh
inst=$VHA_ROOT/scripts/install.sh
rel=$(uname -r)
pkg=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$VHA_ROOT/dkms.conf")
tap_plan 12

ours() { grep -q O "/sys/module/$1/taint" 2>/dev/null; }

# Overlay DIR on tmpfs if DIR is read-only; prints DIR when it mounted one.
overlay() {
	local dir=$1 tmp=/tmp/vha-dkms-ovl/${1//\//_}
	[ -d "$dir" ] || { echo "no $dir" >&2; return 1; }
	if touch "$dir/.vha-writable" 2>/dev/null; then
		rm -f "$dir/.vha-writable"
		return 0
	fi
	mkdir -p "$tmp/upper" "$tmp/work" &&
		mount -t overlay overlay -o "lowerdir=$dir,upperdir=$tmp/upper,workdir=$tmp/work" "$dir" &&
		echo "$dir"
}

# Every module Kbuild builds, and only those, is in dkms.conf.
kbuild_mods=$(sed -n 's/^obj-m[[:space:]]*+=[[:space:]]*\(.*\)\.o[[:space:]]*$/\1/p' "$VHA_ROOT/Kbuild" | sort | tr "\n" " ")
dkms_mods=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' "$VHA_ROOT/dkms.conf" | sort | tr "\n" " ")
if [ -n "$kbuild_mods" ] && [ "$kbuild_mods" = "$dkms_mods" ]; then
	tap_ok "dkms.conf lists exactly the modules Kbuild builds ($kbuild_mods)"
else
	tap_not_ok "dkms.conf lists exactly the modules Kbuild builds"
	tap_diag "Kbuild: $kbuild_mods; dkms.conf: $dkms_mods"
fi

if ! command -v dkms > /dev/null; then
	tap_not_ok "dkms is installed (scripts/install-deps.sh installs it): cannot test the DKMS install"
	exit 1
fi

mounted=()
for d in /usr/src /var/lib/dkms "/lib/modules/$rel"; do
	if ! m=$(overlay "$d"); then
		tap_not_ok "a writable $d (overlay on tmpfs)"
		exit 1
	fi
	[ -z "$m" ] || mounted=("$m" "${mounted[@]}")
done
tap_ok "writable /usr/src, /var/lib/dkms and /lib/modules/$rel (${#mounted[@]} overlays)"

"$loader" unload "$VHA_KMOD"
start=$SECONDS
if out=$("$inst" install --dkms --release "$rel" 2>&1); then
	tap_ok "install.sh install --dkms builds and installs through DKMS ($((SECONDS - start)) s)"
else
	tap_not_ok "install.sh install --dkms builds and installs through DKMS ($((SECONDS - start)) s)"
	printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
	find /var/lib/dkms -name make.log -exec tail -n 30 {} \; 2>/dev/null | sed 's/^/#   /'
fi

status=$(dkms status -m "$pkg" -k "$rel" 2>&1)
case "$status" in
"$pkg/"*", $rel, "*": installed"*) tap_ok "dkms status: $status" ;;
*) tap_not_ok "dkms status says installed for $rel (got: $status)" ;;
esac

bad=""
for m in $dkms_mods; do
	path=$(modinfo -n "$m" 2>&1)
	case "$path" in
	"/lib/modules/$rel/updates/dkms/$m.ko"*) ;;
	*) bad="$bad $m:$path" ;;
	esac
done
if [ -n "$dkms_mods" ] && [ -z "$bad" ]; then
	tap_ok "modinfo resolves every module to DKMS's build in updates/dkms"
else
	tap_not_ok "modinfo resolves every module to DKMS's build in updates/dkms (got$bad)"
fi

if modprobe vhost_net && ours vhost_net && ours vhost_accel; then
	tap_ok "modprobe vhost_net loads ours, with the core as a dependency"
else
	tap_not_ok "modprobe vhost_net loads ours, with the core as a dependency"
fi
modprobe -r vhost_net vhost_accel 2>/dev/null

# Opening misc minor 238 with no driver makes the kernel request
# char-major-10-238, which our module's alias answers.
node=/tmp/vha-dkms-vhost-net
rm -f "$node"
mknod -m 0600 "$node" c 10 238
if (exec 3<> "$node") 2>/dev/null && ours vhost_net; then
	tap_ok "opening /dev/vhost-net (10:238) autoloads ours"
else
	tap_not_ok "opening /dev/vhost-net (10:238) autoloads ours"
fi
rm -f "$node"
modprobe -r vhost_net vhost_accel 2>/dev/null

tap_check "install.sh uninstall" "$inst" uninstall --release "$rel"

left=$(dkms status -m "$pkg" 2>&1; ls -d /usr/src/"$pkg"-* /var/lib/dkms/"$pkg" \
	/lib/modules/"$rel"/updates/dkms/vhost_* 2>/dev/null)
if [ -z "$left" ]; then
	tap_ok "after uninstall dkms status is empty and no file of ours is left"
else
	tap_not_ok "after uninstall dkms status is empty and no file of ours is left"
	tap_diag "$left"
fi

if modprobe vhost_net && [ -e /sys/module/vhost_net ] && ! ours vhost_net; then
	tap_ok "after uninstall, modprobe vhost_net loads the distribution's again"
else
	tap_not_ok "after uninstall, modprobe vhost_net loads the distribution's again"
fi
modprobe -r vhost_net vhost vhost_iotlb 2>/dev/null

ok=1
for d in "${mounted[@]}"; do
	umount "$d" || ok=0
done
if [ "$ok" = 1 ]; then
	tap_ok "the overlays come off"
else
	tap_not_ok "the overlays come off"
fi
tap_check "ours load again for the rest of the suite" "$loader" load "$VHA_KMOD"
tap_done
