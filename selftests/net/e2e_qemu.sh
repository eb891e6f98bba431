#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e2e_qemu.sh [packed|mq]...: unmodified QEMU starts a nested guest on
# /dev/vhost-net (our module) and the guest exchanges ping and iperf3 (both
# directions) with this machine. Run it inside the test VM:
#
#   selftests/vm/run.sh --kernel distro -- selftests/net/e2e_qemu.sh packed mq
#
#   nested guest (Debian kernel via PVH, acpi=off, 1 vCPU; busybox + iperf3)
#     virtio-net-pci (packed=on | mq=on, 2 queue pairs)
#       |  rings in guest memory
#   /dev/vhost-net (vhost-accel vhost_net)  <- QEMU 7.2: -netdev tap,vhost=on,vhostforce=on
#       |  tap fd
#   vhnet0 10.77.0.1/24 (this VM) -- iperf3 -s
#
# Proof that traffic went through our module: the module loaded under the
# name vhost_net is out-of-tree (the distribution's cannot be loaded beside
# it), and its debugfs counters grow by at least the iperf3 traffic.
# Not part of the suite (test_*.sh): a nested boot under emulation takes
# minutes. Prints TAP.
set -u
. "$VHA_ROOT/selftests/net/lib.sh"

modes=${*:-packed mq}
kver=$(basename "$(ls /boot/vmlinuz-* | sort -V | tail -n 1)")
kver=${kver#vmlinuz-}
work=$(mktemp -d /tmp/vha-e2e.XXXXXX)
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

# Copy a binary and the shared libraries it needs into the initramfs.
copy_bin() {
	local f
	mkdir -p "$work/root$(dirname "$1")"
	cp -L "$1" "$work/root$1"
	for f in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$work/root$(dirname "$f")"
		cp -L "$f" "$work/root$f"
	done
}

make_initramfs() {
	local r=$work/root m
	mkdir -p "$r"/{bin,dev,proc,sys,tmp,mod}
	cp /bin/busybox "$r/bin/busybox"
	cp "$VHA_BIN/vha-set-channels" "$r/bin/"
	copy_bin /usr/bin/iperf3
	for m in $(modprobe -S "$kver" --show-depends -a virtio_pci virtio_net |
		   awk '/^insmod/ { print $2 }' | awk '!seen[$0]++'); do
		cp "$m" "$r/mod/"
		basename "$m" >> "$r/mod/order"
	done
	cat > "$r/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
for m in $(cat /mod/order); do
	case $m in *.xz) xz -dc /mod/$m > /tmp/m.ko ;; *) cp /mod/$m /tmp/m.ko ;; esac
	insmod /tmp/m.ko
done
ip link set lo up
ip link set eth0 up
ip addr add 10.77.0.2/24 dev eth0
for f in /sys/bus/virtio/devices/*/features; do echo "E2E-FEATURES $(cat $f)"; done
[ -e /mq ] && vha-set-channels eth0 2 && echo "E2E-QUEUES 2"
ping -c 3 -w 60 10.77.0.1 && echo E2E-PING-OK
iperf3 -c 10.77.0.1 -t 3 -P 2 && echo E2E-IPERF-TX-OK
iperf3 -c 10.77.0.1 -t 3 -P 2 -R && echo E2E-IPERF-RX-OK
echo E2E-DONE
reboot -f
EOF
	chmod +x "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd"
	mkdir -p "$r/mq"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd-mq"
}

# The kernel uncompressed (booted through its PVH entry): decompressing
# Debian's xz bzImage takes minutes under emulation inside emulation.
make_kernel() {
	local x
	x=$(ls -d "${VHA_CACHE:-/var/cache/vhost-accel}"/linux-source-*/scripts/extract-vmlinux 2>/dev/null | head -n 1)
	kernel=/boot/vmlinuz-$kver
	if [ -r "$x" ] && bash "$x" "$kernel" > "$work/vmlinux" 2>/dev/null &&
	   [ -s "$work/vmlinux" ]; then
		kernel=$work/vmlinux
	fi
	echo "# nested kernel: $kernel"
}

stat_of() { awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/vha_net/stats; }

run_mode() {
	local mode=$1 tapq="" netq="" dev="" log tx0 rx0 op0 t0 secs initrd
	log=$work/console-$mode.txt
	initrd=$work/initrd
	case $mode in
	packed) dev=",packed=on" ;;
	mq) tapq=" multi_queue"; netq=",queues=2"; dev=",mq=on,vectors=6"
	    initrd=$work/initrd-mq ;;
	*) not_ok "unknown mode $mode"; return ;;
	esac
	ip link del vhnet0 2>/dev/null
	# shellcheck disable=SC2086
	ip tuntap add dev vhnet0 mode tap vnet_hdr$tapq
	ip addr add 10.77.0.1/24 dev vhnet0
	ip link set vhnet0 up
	tx0=$(stat_of tx_packets) rx0=$(stat_of rx_packets) op0=$(stat_of opens)
	t0=$(date +%s)
	timeout 900 qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512 \
		-nodefaults -no-user-config -no-reboot -display none \
		-serial "file:$log" -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=3 panic=-1 mitigations=off nokaslr tsc=reliable no_timer_check acpi=off cryptomgr.notests" \
		-netdev "tap,id=n0,ifname=vhnet0,script=no,downscript=no,vhost=on,vhostforce=on$netq" \
		-device "virtio-net-pci,netdev=n0$dev" > "$work/qemu-$mode.txt" 2>&1
	secs=$(($(date +%s) - t0))
	sed 's/^/# /' "$log" | grep -E 'E2E|sender|receiver|packet loss|rtt|rror|channels|virtio' | head -n 40
	sed 's/^/# qemu: /' "$work/qemu-$mode.txt" | head -n 20
	echo "# $mode: nested run took ${secs}s"
	if [ "$mode" = packed ]; then
		# the features file lists bit 0 first: bit 34 is character 35
		check "packed: the nested guest's virtio-net negotiated VIRTIO_F_RING_PACKED" \
			test "$(grep -a -m1 E2E-FEATURES "$log" | awk '{ print substr($2, 35, 1) }')" = 1
	fi
	check "$mode: nested guest pings the VM over /dev/vhost-net" grep -q E2E-PING-OK "$log"
	check "$mode: iperf3 guest -> VM" grep -q E2E-IPERF-TX-OK "$log"
	check "$mode: iperf3 VM -> guest" grep -q E2E-IPERF-RX-OK "$log"
	check "$mode: our vhost_net counted the traffic (tx $(($(stat_of tx_packets) - tx0)), rx $(($(stat_of rx_packets) - rx0)) packets)" \
		test $(($(stat_of tx_packets) - tx0)) -gt 200 -a $(($(stat_of rx_packets) - rx0)) -gt 200
	if [ "$mode" = mq ]; then
		check "mq: QEMU opened /dev/vhost-net once per queue pair ($(($(stat_of opens) - op0)))" \
			test $(($(stat_of opens) - op0)) = 2
		check "mq: the guest sees 2 queue pairs" grep -q "E2E-QUEUES 2" "$log"
	fi
	ip link del vhnet0
}

echo "TAP version 13"
net_prepare
check "vhost_net is vhost-accel's (out-of-tree), distro module not loaded" \
	grep -q O /sys/module/vhost_net/taint
make_initramfs
make_kernel
iperf3 -s > "$work/iperf3-server.txt" 2>&1 &
server=$!
for m in $modes; do
	run_mode "$m"
done
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
echo "1..$n"
[ "$failed" = 0 ]
