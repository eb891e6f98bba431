#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# e2e_libvirt.sh: what the README tells a libvirt user to run, run. Inside
# the test VM:
#
#   selftests/vm/run.sh --kernel distro -- selftests/blk/e2e_libvirt.sh
#
#   virsh define / start (libvirtd, QEMU driver)
#     domain: tools/vhost-user-blk/libvirt-domain.xml's <memoryBacking>
#             (memfd, shared) and <disk type='vhostuser'> (2 queues),
#             the nested kernel and initramfs, console to a file
#   QEMU 7.2 as libvirt builds its command line -> vhost-user-blk-pci
#   the daemon as tools/vhost-user-blk/vhost-user-blk@.service starts it
#     (its ExecStart line, instance disk0, an environment file)
#   /dev/vhost-blk (our vhost_blk) -> null_blk, 64 MiB in RAM
#
#   and the README's network interface: <interface type='network'> on a
#   libvirt network (forward mode bridge) over the bridge vhlbr
#   (10.77.8.1/24 in this VM), <driver name='vhost' queues='2'/>: libvirt
#   opens /dev/vhost-net (our vhost_net) twice and hands both to QEMU
#
# The unit passes `systemd-analyze verify` and the domain XML libvirt's
# schema (virt-xml-validate). libvirtd runs in a private mount namespace
# with its state on tmpfs (this VM's root is the host's, read-only) and a
# qemu.conf for a host without systemd, cgroups or a libvirt-qemu user
# (QEMU runs as root). The guest reads its disk's size, serial and queue
# count and writes a random 1 MiB at 8 MiB; this VM then finds those bytes
# on the null_blk, and vha_blk's counters show the guest's requests. Then
# the guest pings this VM through the bridge: our vhost_net's counters
# show its frames both ways. vhost-top, running all the while, showed
# the domain's QEMU's net queues and the daemon's blk queue moving the
# guest's frames and requests (what the README's "How to see it working"
# promises). Prints TAP. About 2 minutes in the VM.
set -u
if [ -z "${VHA_LIBVIRT_NS:-}" ]; then
	VHA_LIBVIRT_NS=1 exec unshare -m "$0" "$@"
fi
. "$VHA_ROOT/selftests/lib/tap.sh"
. "$VHA_ROOT/selftests/blk/lib.sh"
. "$VHA_ROOT/selftests/net/nested_lib.sh"

export NESTED_TIMEOUT=${NESTED_TIMEOUT:-600}
tools=$VHA_ROOT/tools/vhost-user-blk
unit=$tools/vhost-user-blk@.service
example=$tools/libvirt-domain.xml
stats=/sys/kernel/debug/vha_blk/stats
net_stats=/sys/kernel/debug/vha_net/stats
dom=vha-libvirt
br=vhlbr lvnet=vha-lvnet
daemon_pid="" libvirtd_pid="" disk="" top_pid=""

# virsh, given 2 minutes: a run here once saw "virsh version" never return
lv_virsh() { timeout 120 virsh -q -c qemu:///system "$@"; }
stat_of() { awk -v k="$1" '$1 == k { print $2 }' "${2:-$stats}"; }
holders() {
	find /proc/[0-9]*/fd -lname /dev/vhost-blk 2>/dev/null | cut -d/ -f3 |
		sort -u | tr '\n' ' '
}

# vhost_fds PID: how many /dev/vhost-net PID holds
vhost_fds() { find "/proc/$1/fd" -lname /dev/vhost-net 2>/dev/null | wc -l; }

cleanup() {
	lv_virsh destroy "$dom" > /dev/null 2>&1
	lv_virsh undefine "$dom" > /dev/null 2>&1
	lv_virsh net-destroy "$lvnet" > /dev/null 2>&1
	ip link del "$br" 2>/dev/null
	for p in $top_pid $libvirtd_pid $daemon_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	blk_cleanup
}

# The guest's /init: its disk as it sees it, then 1 MiB written at 8 MiB
# and read back past the page cache; "NESTED-<KEY> <value>" lines.
lv_write_init() {
	{
	nested_init_prologue
	cat <<'EOF2'
n=0
while [ ! -b /dev/vda ] && [ $n -lt 60 ]; do
	sleep 1
	n=$((n + 1))
done
echo "NESTED-READY $(up)"
echo "NESTED-SERIAL $(cat /sys/block/vda/serial)"
echo "NESTED-SECTORS $(cat /sys/block/vda/size)"
echo "NESTED-QUEUES $(ls /sys/block/vda/mq | wc -l)"
dd if=/dev/urandom of=/tmp/data bs=64k count=16 2> /dev/null
echo "NESTED-WROTE $(md5sum < /tmp/data | cut -d' ' -f1)"
dd if=/tmp/data of=/dev/vda bs=64k seek=128 conv=fsync 2> /dev/null
echo 3 > /proc/sys/vm/drop_caches
echo "NESTED-READ $(dd if=/dev/vda bs=64k skip=128 count=16 2> /dev/null | md5sum | cut -d' ' -f1)"
echo "NESTED-NETQ $(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)"
ip link set eth0 up
ip addr add 10.77.8.2/24 dev eth0
n=0
until ping -c 1 -W 1 10.77.8.1 > /dev/null; do
	n=$((n + 1))
	[ $n -lt 60 ] || break
done
ping -c 5 -s 1400 -W 5 10.77.8.1 > /tmp/ping
echo "NESTED-PING $(grep -o '[0-9]* packets received' /tmp/ping | cut -d' ' -f1)"
echo NESTED-DONE
reboot -f
EOF2
	} > "$1"
	chmod +x "$1"
}

lv_make_initramfs() {
	nested_initramfs_root virtio_pci virtio_blk virtio_net || return 1
	lv_write_init "$nested_dir/root/init"
	nested_initramfs_pack
}

# The daemon as the unit starts it for instance disk0: its ExecStart line
# with %i, the environment file's DISK and OPTIONS, and the built binary
# in place of the installed one; the unit's UMask and RuntimeDirectory.
unit_start_daemon() {
	local cmd opts="--num-queues=2 --serial=vha-libvirt"

	cmd=$(sed -n 's/^ExecStart=//p' "$unit")
	cmd=${cmd//%i/disk0}
	# shellcheck disable=SC2016
	cmd=${cmd//'${DISK}'/$disk}
	# shellcheck disable=SC2016
	cmd=${cmd//'$OPTIONS'/$opts}
	cmd=${cmd/\/usr\/local\/bin\/vhost-user-blk/$VHA_BIN/vhost-user-blk}
	tap_diag "daemon: $cmd"
	mkdir -p /run/vhost-user-blk
	# shellcheck disable=SC2086
	(umask "$(sed -n 's/^UMask=//p' "$unit")" && exec $cmd) 2> "$nested_dir/daemon.log" &
	daemon_pid=$!
	for _ in $(seq 50); do
		[ -S /run/vhost-user-blk/disk0.sock ] && return 0
		sleep 0.2
	done
	return 1
}

# libvirtd with its configuration and state on tmpfs, in this namespace.
libvirt_start() {
	local d

	for d in /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /run/libvirt; do
		mkdir -p "$d" 2>/dev/null
		if ! mount -t tmpfs tmpfs "$d"; then
			echo "# libvirt_start: no tmpfs on $d (scripts/install-deps.sh makes it on the host)"
			return 1
		fi
	done
	# the QEMU driver looks its default user up before reading qemu.conf
	if ! grep -q '^libvirt-qemu:' /etc/passwd; then
		cp /etc/passwd /etc/group "$blk_work/"
		echo 'libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin' >> "$blk_work/passwd"
		echo 'libvirt-qemu:x:64055:' >> "$blk_work/group"
		mount --bind "$blk_work/passwd" /etc/passwd
		mount --bind "$blk_work/group" /etc/group
	fi
	cat > /etc/libvirt/qemu.conf <<-EOF
	user = "root"
	group = "root"
	dynamic_ownership = 0
	remember_owner = 0
	security_driver = "none"
	cgroup_controllers = [ ]
	namespaces = [ ]
	stdio_handler = "file"
	EOF
	libvirtd > "$nested_dir/libvirtd.log" 2>&1 &
	libvirtd_pid=$!
	for _ in $(seq 100); do
		lv_virsh version > /dev/null 2>&1
		case $? in 0) return 0 ;; 124) return 1 ;; esac
		kill -0 "$libvirtd_pid" 2>/dev/null || return 1
		sleep 0.3
	done
	return 1
}

# The test's domain: the example's memoryBacking and vhostuser disk, the
# nested kernel booted directly, its console in a file, gone on reboot.
make_domain() {
	local type=qemu bios=""

	[ "$(nested_accel)" = kvm ] && type=kvm
	[ -r /usr/share/qemu/qboot.rom ] &&
		bios="<loader type='rom'>/usr/share/qemu/qboot.rom</loader>"
	cat <<-EOF
	<domain type='$type'>
	  <name>$dom</name>
	  <memory unit='MiB'>256</memory>
	  <vcpu>2</vcpu>
	$(sed -n '/<memoryBacking>/,/<\/memoryBacking>/p' "$example")
	  <os>
	    <type arch='x86_64' machine='pc'>hvm</type>
	    $bios
	    <kernel>$nested_kernel</kernel>
	    <initrd>$nested_dir/initrd</initrd>
	    <cmdline>$(nested_append)</cmdline>
	  </os>
	  <cpu mode='maximum'/>
	  <on_reboot>destroy</on_reboot>
	  <devices>
	    <emulator>$(command -v qemu-system-x86_64)</emulator>
	$(sed -n "/<disk type='vhostuser'/,/<\/disk>/p" "$example" | grep -v '<boot ')
	    <interface type='network'>
	      <source network='$lvnet'/>
	      <model type='virtio'/>
	      <driver name='vhost' queues='2'/>
	    </interface>
	    <serial type='file'>
	      <source path='$nested_dir/$dom.console'/>
	      <target port='0'/>
	    </serial>
	  </devices>
	</domain>
	EOF
}

# wait_off: the domain ran to its end (libvirt: shut off) in time.
wait_off() {
	local t0=$SECONDS

	while [ $((SECONDS - t0)) -lt "$NESTED_TIMEOUT" ]; do
		case $(lv_virsh domstate "$dom" 2>/dev/null) in
		"shut off"*) return 0 ;;
		esac
		sleep 1
	done
	return 1
}

get() {
	awk -v k="NESTED-$1" '$1 == k { print $2; exit }' "$nested_dir/$dom.txt"
}

blk_prepare
echo "TAP version 13"
trap cleanup EXIT
trap "exit 1" TERM INT
for b in virsh libvirtd virt-xml-validate systemd-analyze; do
	command -v "$b" > /dev/null ||
		blk_fail "$b missing (scripts/install-deps.sh installs libvirt and systemd)"
done
t0=$(date +%s)
nested_prepare "$blk_work/nested" lv_make_initramfs > /dev/null
tap_check "the nested guest's kernel and initramfs are ready" test -s "$nested_dir/initrd"

tap_check "libvirt's schema accepts tools/vhost-user-blk/libvirt-domain.xml" \
	virt-xml-validate "$example" domain
# the unit as installed, but with the daemon where this tree built it
mkdir -p "$blk_work/unit"
sed "s|/usr/local/bin/vhost-user-blk|$VHA_BIN/vhost-user-blk|" "$unit" > "$blk_work/unit/vhost-user-blk@.service"
tap_check "systemd-analyze verify accepts vhost-user-blk@.service (instance disk0)" \
	systemd-analyze verify "$blk_work/unit/vhost-user-blk@disk0.service"

disk=$(nullb vhalv 64)
if ! unit_start_daemon; then
	sed 's/^/# /' "$nested_dir/daemon.log"
	tap_not_ok "the daemon, started as the unit does, listens on /run/vhost-user-blk/disk0.sock"
	echo "1..$tap_n"
	exit 1
fi
tap_ok "the daemon, started as the unit does, listens on /run/vhost-user-blk/disk0.sock"
tap_check "its socket is not open to others (UMask, $(stat -c %A /run/vhost-user-blk/disk0.sock))" \
	test "$(($(stat -c %#a /run/vhost-user-blk/disk0.sock) & 7))" = 0
if ! libvirt_start; then
	grep -v ' info : ' "$nested_dir/libvirtd.log" | tail -n 20 | sed 's/^/# /'
	tap_not_ok "libvirtd runs"
	echo "1..$tap_n"
	exit 1
fi
tap_ok "libvirtd runs ($(lv_virsh version 2>/dev/null | grep -i 'running hypervisor'))"

# the README's <interface type='network'>: a libvirt network on a bridge
# (libvirt makes the guest's tap there: tun, loaded as a host would have)
modprobe tun
ip link add "$br" type bridge && ip addr add 10.77.8.1/24 dev "$br" &&
	ip link set "$br" up
cat > "$blk_work/$lvnet.xml" <<EOF
<network>
  <name>$lvnet</name>
  <forward mode='bridge'/>
  <bridge name='$br'/>
</network>
EOF
tap_check "virsh net-define and net-start: a network on the bridge $br" \
	eval 'lv_virsh net-define "$blk_work/$lvnet.xml" && lv_virsh net-start "$lvnet"'
make_domain > "$blk_work/$dom.xml"
w0=$(stat_of writes) r0=$(stat_of reads)
ntx0=$(stat_of tx_packets "$net_stats") nrx0=$(stat_of rx_packets "$net_stats")
tap_check "virsh define: the domain with the example's memoryBacking and vhostuser disk" \
	lv_virsh define "$blk_work/$dom.xml"
# vhost-top as an operator would leave it running, in JSON for the check
top_json=$blk_work/top.json
"$VHA_BIN/vhost-top" --json --interval 0.5 > "$top_json" 2>&1 &
top_pid=$!
tap_check "virsh start" lv_virsh start "$dom"
qpid=$(pgrep -f "guest=$dom" | head -n 1)
qpids=$qpid
args=$(tr '\0' ' ' < "/proc/$qpid/cmdline" 2>/dev/null)
tap_check "libvirt's QEMU has a vhost-user-blk-pci with 2 queues on the socket" \
	grep -q 'vhost-user-blk-pci.*"num-queues":2' <<< "$args"
tap_check "and its memory is a shared memfd" \
	grep -q 'memory-backend-memfd.*"share":true' <<< "$args"
tap_check "its virtio-net is on a tap with vhost=on and the /dev/vhost-net fds libvirt opened" \
	grep -q '"type":"tap".*"vhost":true.*"vhostfds":"[0-9]*:[0-9]*"' <<< "$args"
# follow: until the guest has pinged, who holds /dev/vhost-blk while it
# runs, and how many /dev/vhost-net QEMU holds; then until it is off.
held="" vfds=0
follow() {
	local h v

	for _ in $(seq $((NESTED_TIMEOUT * 5))); do
		h=$(holders)
		[ -z "$h" ] || held=$h
		v=$(vhost_fds "$qpid")
		[ "$v" -le "$vfds" ] || vfds=$v
		grep -aq NESTED-PING "$nested_dir/$dom.console" 2>/dev/null && break
		lv_virsh domstate "$dom" 2>/dev/null | grep -q running || break
		sleep 0.2
	done
	wait_off
}

# A guest off before its /init ran was reset by the emulation early in its
# kernel's boot (the emulated SVM, as nested_wait_ready says), before its
# drivers touched a device: started again, at most twice, saying so.
follow
tries=0
while ! grep -aq NESTED-T-INIT "$nested_dir/$dom.console" 2>/dev/null &&
      [ "$tries" -lt 2 ] &&
      [ "$(lv_virsh domstate "$dom" 2>/dev/null)" = "shut off" ]; do
	tries=$((tries + 1))
	echo "# the guest was off before its /init ran; its last lines:"
	tr -d '\r' < "$nested_dir/$dom.console" 2>/dev/null | grep -av '^$' |
		tail -n 8 | sed 's/^/#   /'
	tail -n 2 "/var/log/libvirt/qemu/$dom.log" 2>/dev/null | sed 's/^/#   qemu: /'
	echo "# starting it again (attempt $((tries + 1)))"
	rm -f "$nested_dir/$dom.console"
	lv_virsh start "$dom" > /dev/null || break
	qpid=$(pgrep -f "guest=$dom" | head -n 1)
	qpids="$qpids $qpid"
	follow
done
sleep 1
kill "$top_pid" 2>/dev/null
wait "$top_pid" 2>/dev/null
top_pid=""
tap_check "while the guest runs the daemon holds the /dev/vhost-blk (${held:-nobody})" \
	test "$held" = "$daemon_pid "
tap_check "the guest ran to its end and the domain is shut off ($(($(date +%s) - t0))s)" \
	test "$(lv_virsh domstate "$dom" 2>/dev/null)" = "shut off"
tr -d '\r' < "$nested_dir/$dom.console" > "$nested_dir/$dom.txt" 2>/dev/null
grep -a '^NESTED-' "$nested_dir/$dom.txt" | sed 's/^/# guest: /'
tap_check "the guest sees vda with the null_blk's size ($(get SECTORS) sectors)" \
	test "$(get SECTORS)" = $(($(blockdev --getsize64 "$disk") / 512))
tap_check "the guest reads the daemon's serial ($(get SERIAL))" \
	test "$(get SERIAL)" = vha-libvirt
tap_check "the guest's disk runs 2 queues" test "$(get QUEUES)" = 2
tap_check "the guest read back what it wrote" \
	test -n "$(get WROTE)" -a "$(get WROTE)" = "$(get READ)"
blockdev --flushbufs "$disk"
got=$(dd if="$disk" bs=64k skip=128 count=16 iflag=direct 2> /dev/null | md5sum | cut -d' ' -f1)
tap_check "the guest's 1 MiB is on the null_blk ($got)" test "$got" = "$(get WROTE)"
tap_check "vhost_blk served the guest's requests (reads +$(($(stat_of reads) - r0)), writes +$(($(stat_of writes) - w0)))" \
	test $(($(stat_of reads) - r0)) -gt 0 -a $(($(stat_of writes) - w0)) -gt 0
tap_check "while it ran QEMU held one /dev/vhost-net per queue pair ($vfds), of our vhost_net" \
	test "$vfds" = 2 -a "$(grep -c O /sys/module/vhost_net/taint)" = 1
tap_check "the guest's virtio-net has 2 queue pairs ($(get NETQ))" test "$(get NETQ)" = 2
tap_check "the guest's 1400-byte pings through the bridge came back ($(get PING) of 5)" \
	test "$(get PING)" = 5
ntx=$(($(stat_of tx_packets "$net_stats") - ntx0))
nrx=$(($(stat_of rx_packets "$net_stats") - nrx0))
tap_check "our vhost_net carried them both ways (TX +$ntx, RX +$nrx)" \
	test "$ntx" -ge 5 -a "$nrx" -ge 5
# the highest packets/s vhost-top showed per device owner and type
top_seen=$(python3 "$VHA_ROOT/selftests/lib/top_best.py" "$top_json" 2>&1)
top_net=0 top_blk=0
for p in $qpids; do
	[[ " $top_seen " != *" $p-net="[1-9]* ]] || top_net=1
done
[[ " $top_seen " != *" $daemon_pid-blk="[1-9]* ]] || top_blk=1
tap_check "vhost-top showed the domain's QEMU's net queues moving frames (QEMU $qpids; packets/s at best: ${top_seen:-nothing})" \
	test "$top_net" = 1
tap_check "and the daemon's blk queue moving the guest's requests (daemon $daemon_pid)" \
	test "$top_blk" = 1
[ "$top_net$top_blk" = 11 ] || tail -n 3 "$top_json" | cut -c 1-300 | sed 's/^/#   vhost-top: /'
tap_check "virsh undefine" lv_virsh undefine "$dom"
# the daemon closes its /dev/vhost-blk once it sees QEMU's socket close
daemon_idle() {
	for _ in $(seq 50); do
		[ -z "$(holders)" ] && break
		sleep 0.2
	done
	[ -z "$(holders)" ] && kill -0 "$daemon_pid"
}
tap_check "the daemon is still up, holding no /dev/vhost-blk ($(holders))" daemon_idle
if [ "$tap_failed" != 0 ]; then
	sed 's/^/# daemon: /' "$nested_dir/daemon.log" | tail -n 20
	tail -n 20 "/var/log/libvirt/qemu/$dom.log" 2>/dev/null | sed 's/^/# qemu: /'
fi
echo "1..$tap_n"
tap_done
