#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages (make deb) as an operator uses them, on the VM's
# Debian kernel: `apt install ./vhost-accel-dkms_*.deb
# ./vhost-accel-tools_*.deb` makes DKMS build our modules for the running
# kernel, `modprobe vhost_net` then loads ours, QEMU's
# -netdev tap,vhost=on,vhostforce=on opens it, a driver on /dev/vhost-net
# moves its counters, and the packaged vhost-top shows a net and a blk
# device's traffic; `apt remove` and `apt purge` bring the distribution's
# vhost_net back and leave no file of ours.
#
#   apt / dpkg / dkms / depmod / modprobe   in a chroot of an overlay:
#     /tmp/vha-deb/root = overlay(lower: the VM's read-only 9p root,
#                                 upper: tmpfs /tmp/vha-deb/upper)
#   so every file the packages write lands in the upper directory, which
#   is also the list of what changed: after purge it must hold nothing of
#   ours. The VM's own root stays as it was.
#
# Host side first: selftests/modules/deb_prepare.sh builds the packages
# and warms build/deb/ccache with the same DKMS build, so the VM's DKMS
# build (every Kbuild step, with the C compilations answered by ccache
# through Debian's DEBIAN_KERNEL_USE_CCACHE) takes minutes, not the half
# hour of compiling under emulation. The build host has Debian's cloud and
# rt kernels beside the generic one; DKMS's postinst builds for the
# running and the newest kernel, so the chroot hides the other flavours'
# /boot/config-* (a machine runs one flavour).
set -u
. "$VHA_ROOT/selftests/lib/tap.sh"
loader=$VHA_ROOT/scripts/vha-modules.sh
debdir=$VHA_ROOT/build/deb
rel=$(uname -r)
base=/tmp/vha-deb
m=$base/root
tap_plan 14

dkms_deb=$(ls "$debdir"/vhost-accel-dkms_*_all.deb 2>/dev/null | head -n 1)
tools_deb=$(ls "$debdir"/vhost-accel-tools_*_amd64.deb 2>/dev/null | head -n 1)
if [ -z "$dkms_deb" ] || [ -z "$tools_deb" ]; then
	tap_not_ok "build/deb has vhost-accel-dkms and vhost-accel-tools (run selftests/modules/deb_prepare.sh)"
	exit 1
fi
version=$(dpkg-deb -f "$dkms_deb" Version)
if [ ! -e "/lib/modules/$rel/build/Makefile" ] || ! command -v gcc-12 > /dev/null ||
   ! command -v dkms > /dev/null; then
	tap_not_ok "headers of $rel, gcc-12 and dkms are visible in the VM (scripts/install-deps.sh on the host)"
	exit 1
fi

. "$VHA_ROOT/selftests/modules/deb_lib.sh"
# inroot CMD...: CMD in the overlay root, with apt's and DKMS's environment.
inroot() { chroot "$m" "${deb_env[@]}" "$@"; }

cleanup() {
	umount -R "$m" 2>/dev/null || umount -R -l "$m" 2>/dev/null
	rm -rf "$base"
}
trap cleanup EXIT

mkdir -p "$base/upper" "$base/work" "$m"
modprobe overlay
mount -t overlay overlay -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$m" || {
	tap_not_ok "an overlay of the root file system for apt to write to"
	exit 1
}
mount --rbind /dev "$m/dev"
mount -t proc proc "$m/proc"
mount --rbind /sys "$m/sys"
mount -t tmpfs tmpfs "$m/tmp"
mount -t tmpfs tmpfs "$m/run"
for c in "$m"/boot/config-*; do
	[ "$c" = "$m/boot/config-$rel" ] || rm -f "$c"
done
# man-db's trigger would rebuild its index (minutes under emulation).
rm -f "$m/var/lib/man-db/auto-update"

# What the upper directory holds: files (not directories that exist below,
# which are only copied up) as "path", sorted.
changed() {
	(cd "$base/upper" && find . -mindepth 1 \( -type d -printf 'd %P\n' \) -o -printf 'f %P\n') |
		while read -r kind p; do
			[ "$kind" = d ] && [ -d "/$p" ] && continue
			echo "/$p"
		done | sort
}
before=$(changed)

# ours: vhost-accel's vhost_net has the tx_batch parameter, Debian's not.
ours() { [ -e /sys/module/vhost_net/parameters/tx_batch ]; }
stat_of() { awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/vha_net/stats 2>/dev/null; }

"$loader" unload "$VHA_KMOD"
inroot ccache -z > /dev/null 2>&1
start=$SECONDS
if out=$(inroot apt-get install -y --no-install-recommends "$dkms_deb" "$tools_deb" 2>&1); then
	tap_ok "apt-get install ./vhost-accel-dkms ./vhost-accel-tools $version ($((SECONDS - start)) s)"
else
	tap_not_ok "apt-get install ./vhost-accel-dkms ./vhost-accel-tools $version ($((SECONDS - start)) s)"
	printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
	find "$m/var/lib/dkms" -name make.log -exec tail -n 20 {} \; 2>/dev/null | sed 's/^/#   /'
fi
tap_diag "$(printf '%s\n' "$out" | grep -iE 'building|signing|installing|done|error|warn|ccache' | head -n 20)"
tap_diag "ccache: $(inroot ccache -s 2>/dev/null | grep -E '^ *(Hits|Misses):' | tr -s ' ' | tr '\n' ';')"

status=$(inroot dkms status -m vhost-accel -k "$rel" 2>&1)
log=$m/var/lib/dkms/vhost-accel/$version/$rel/x86_64/log/make.log
case "$status" in
"vhost-accel/$version, $rel, x86_64: installed"*)
	if [ -s "$log" ]; then
		tap_ok "DKMS built and installed vhost-accel $version for $rel here ($(grep -c 'CC \[M\]' "$log") objects compiled; $status)"
	else
		tap_not_ok "DKMS built vhost-accel for $rel here (no make.log; $status)"
	fi
	;;
*) tap_not_ok "dkms status says installed for $rel (got: $status)" ;;
esac

# Each module: built for this kernel, and (Secure Boot, README: Install)
# signed by DKMS with the key whose certificate the README says to enroll.
cert=$m/var/lib/dkms/mok.pub
subject=$(openssl x509 -inform DER -in "$cert" -noout -subject 2>/dev/null ||
	openssl x509 -in "$cert" -noout -subject 2>/dev/null)
bad="" unsigned=""
for mod in vhost_accel vhost_accel_test vhost_net vhost_blk; do
	ko=$(ls "$m/lib/modules/$rel/updates/dkms/$mod.ko"* 2>/dev/null | head -n 1)
	magic=$(modinfo -F vermagic "${ko:-/nonexistent}" 2>/dev/null | cut -d' ' -f1)
	[ "$magic" = "$rel" ] || bad="$bad $mod:${magic:-missing}"
	signer=$(modinfo -F signer "${ko:-/nonexistent}" 2>/dev/null)
	if [ -z "$signer" ] || [ -z "$subject" ] || [[ "$subject" != *"$signer"* ]]; then
		unsigned="$unsigned $mod:${signer:-unsigned}"
	fi
done
if [ -z "$bad" ]; then
	tap_ok "vhost_accel vhost_accel_test vhost_net vhost_blk are in updates/dkms, built for $rel"
else
	tap_not_ok "all four modules are in updates/dkms, built for $rel (got$bad)"
fi
if [ -z "$unsigned" ]; then
	tap_ok "DKMS signed all four (signer '$signer'), and /var/lib/dkms/mok.pub, the certificate to enroll, is that key's ($subject)"
else
	tap_not_ok "DKMS signed all four with the key of /var/lib/dkms/mok.pub (not:$unsigned; certificate: ${subject:-unreadable})"
fi

path=$(inroot modinfo -n vhost_net 2>&1)
if inroot modprobe vhost_net && ours && [ "$path" = "/lib/modules/$rel/updates/dkms/vhost_net.ko" ]; then
	tap_ok "modprobe vhost_net loads ours from $path (tx_batch parameter, core vhost_accel $(cat /sys/module/vhost_accel/refcnt 2>/dev/null) user)"
else
	tap_not_ok "modprobe vhost_net loads ours from updates/dkms (modinfo -n: $path)"
fi

# QEMU opens /dev/vhost-net for a tap netdev with vhost=on when it creates
# the netdev (vhostforce: it fails instead of falling back): -S starts
# nothing else.
[ -c /dev/net/tun ] || modprobe tun
grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs none /sys/kernel/debug
opens=$(stat_of opens)
qemu-system-x86_64 -S -display none -nodefaults -monitor none -serial none -accel tcg \
	-netdev tap,id=n0,ifname=vhadeb0,script=no,downscript=no,vhost=on,vhostforce=on \
	-device virtio-net-pci,netdev=n0 > "$base/qemu.log" 2>&1 &
qpid=$!
fd=""
for _ in $(seq 60); do
	fd=0
	for f in "/proc/$qpid/fd"/*; do
		[ "$(readlink "$f" 2>/dev/null)" = /dev/vhost-net ] && fd=$((fd + 1))
	done
	[ "${fd:-0}" -gt 0 ] && break
	kill -0 "$qpid" 2>/dev/null || break
	sleep 0.5
done
refs=$(cat /sys/module/vhost_net/refcnt 2>/dev/null)
if [ "${fd:-0}" -gt 0 ] && ours && [ "${refs:-0}" -gt 0 ] && [ "$(stat_of opens)" -gt "${opens:-0}" ]; then
	tap_ok "QEMU -netdev tap,vhost=on,vhostforce=on holds /dev/vhost-net of ours (refcnt $refs, opens ${opens:-?} -> $(stat_of opens))"
else
	tap_not_ok "QEMU -netdev tap,vhost=on,vhostforce=on uses ours (fds $fd, refcnt $refs, opens ${opens:-?} -> $(stat_of opens))"
	sed 's/^/#   /' "$base/qemu.log"
fi
kill "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null

# The data path: frames a driver posts on the TX ring reach the tap.
tx=$(stat_of tx_packets)
if out=$("$VHA_BIN/vha-net-test" tx 2>&1) && [ "$(stat_of tx_packets)" -gt "${tx:-0}" ]; then
	tap_ok "vha-net-test tx on /dev/vhost-net: our tx_packets ${tx:-?} -> $(stat_of tx_packets)"
else
	tap_not_ok "vha-net-test tx on /dev/vhost-net moves our tx_packets (${tx:-?} -> $(stat_of tx_packets))"
	printf '%s\n' "$out" | grep -v '^ok' | tail -n 20 | sed 's/^/#   /'
fi
# What the README promises an operator: the packaged vhost-top shows a
# net device's frames and a blk device's requests while they flow (the
# modules DKMS built, loaded by name; drivers playing the guest, 3 s each).
top_json=$base/top.json
truncate -s 64M "$base/disk.img" 2> /dev/null
[ -e /dev/loop-control ] || modprobe loop
loop=$(losetup -f --show "$base/disk.img" 2> /dev/null)
inroot sh -c 'grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs none /sys/kernel/debug'
if inroot modprobe vhost_blk && [ -n "$loop" ]; then
	inroot vhost-top --json --interval 0.5 --count 40 > "$top_json" 2>&1 &
	tpid=$!
	sleep 1
	"$VHA_BIN/vha-net-bench" -b vhost -r split -m tx -t 3 > "$base/net-bench.out" 2>&1
	"$VHA_BIN/vha-blk-bench" -m vhost -t 3 "$loop" > "$base/blk-bench.out" 2>&1
	sleep 1
	kill "$tpid" 2> /dev/null
	wait "$tpid" 2> /dev/null
fi
# the highest packets/s vhost-top showed per device, "PID-blk=N PID-net=N"
seen=$([ -s "$top_json" ] && python3 "$VHA_ROOT/selftests/lib/top_best.py" "$top_json" 2>&1)
if [[ " $seen " == *"-blk="[1-9]* ]] && [[ " $seen " == *"-net="[1-9]* ]]; then
	tap_ok "the packaged vhost-top shows our net and blk devices moving traffic (packets/s at best: $seen)"
else
	tap_not_ok "the packaged vhost-top shows our net and blk devices moving traffic (got: ${seen:-nothing}; loop ${loop:-none})"
	tail -n 5 "$top_json" "$base"/*-bench.out 2> /dev/null | cut -c 1-300 | sed 's/^/#   /'
fi
[ -z "$loop" ] || losetup -d "$loop"

# Our modules are known to the overlay's depmod only.
inroot modprobe -r vhost_net vhost_blk vhost_accel

if [ -x "$m/usr/sbin/vhost-user-blk" ] && inroot vhost-user-blk --help > /dev/null &&
   [ -e "$m/lib/systemd/system/vhost-user-blk@.service" ] &&
   [ -e "$m/usr/share/man/man8/vhost-user-blk.8.gz" ]; then
	top=no
	[ -x "$m/usr/sbin/vhost-top" ] && top=yes
	tap_ok "vhost-accel-tools: vhost-user-blk runs, its unit and man page are installed (vhost-top: $top)"
else
	tap_not_ok "vhost-accel-tools: vhost-user-blk, its unit and man page are installed"
fi

start=$SECONDS
tap_check "apt-get remove vhost-accel-dkms vhost-accel-tools" \
	inroot apt-get remove -y vhost-accel-dkms vhost-accel-tools
tap_diag "remove: $((SECONDS - start)) s"

path=$(inroot modinfo -n vhost_net 2>&1)
if inroot modprobe vhost_net && [ -e /sys/module/vhost_net ] && ! ours &&
   [ "$path" = "/lib/modules/$rel/kernel/drivers/vhost/vhost_net.ko" ]; then
	tap_ok "after remove, modprobe vhost_net loads the distribution's ($path)"
else
	tap_not_ok "after remove, modprobe vhost_net loads the distribution's (modinfo -n: $path)"
fi
modprobe -r vhost_net vhost vhost_iotlb 2>/dev/null

# Without conffiles, remove leaves nothing for apt to purge (it no longer
# knows the packages, which no archive has): dpkg --purge says so, or
# purges what remove left.
tap_check "dpkg --purge vhost-accel-dkms vhost-accel-tools (after apt-get remove)" \
	inroot dpkg --purge vhost-accel-dkms vhost-accel-tools

# What changed and is not the package manager's own state and logs, the
# depmod indexes, or DKMS's module-signing key (made once, for every DKMS
# package, kept on purpose) is ours; so are not the compiler cache's
# entries and statistics (build/deb/ccache, the test's).
after=$(changed)
new=$(comm -13 <(echo "$before") <(echo "$after") |
	grep -vE "^/var/(lib/dpkg|lib/apt|cache/apt|cache/debconf|log)/|^/usr/lib/modules/$rel/modules\.[a-z.]+\$|^/var/lib/dkms/mok\.(key|pub)\$|^$debdir/ccache/" || true)
if [ -z "$new" ] && ! dpkg-query --admindir="$m/var/lib/dpkg" -W vhost-accel-dkms vhost-accel-tools 2>/dev/null | grep -q .; then
	tap_ok "after purge no file of ours is left ($(comm -13 <(echo "$before") <(echo "$after") | wc -l) changed paths, all dpkg/apt state, logs, depmod indexes, DKMS's key or the compiler cache)"
else
	tap_not_ok "after purge no file of ours is left"
	tap_diag "$new"
fi

cleanup
trap - EXIT
"$loader" unload "$VHA_KMOD"
tap_check "ours load again for the rest of the suite" "$loader" load "$VHA_KMOD"
tap_done
