# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# A nested guest on this VM's /dev/vhost-net, shared by e2e_qemu.sh and the
# demo (selftests/blk/e2e_vhost_user.sh boots its own guests with the same
# kernel, initramfs pieces, QEMU start and waits). Unmodified QEMU boots the
# kernel this VM runs, with a virtio-net-pci NIC on a tap device of this
# VM; the guest pings the VM and runs iperf3 against it, then reboots (QEMU
# exits: -no-reboot).
#
#   nested guest 10.77.IDX.2 (1 vCPU, busybox + iperf3 initramfs)
#     virtio-net-pci (packed=on | mq=on with 2 queue pairs | split ring)
#       |  rings in guest memory
#   /dev/vhost-net (vhost=on: whichever vhost_net is loaded)
#   or QEMU's userspace virtio-net (vhost=off)
#       |  tap fd
#   vhnetIDX 10.77.IDX.1/24 (this VM) -- iperf3 -s
#
# QEMU runs the guest with KVM when this VM has it: under QEMU's emulation
# this VM's CPU has AMD's SVM, which Debian's kvm_amd drives, so the
# nested guest's code is translated once, not twice, and kicks and
# interrupts take the ioeventfd/irqfd path of a real host (NESTED_ACCEL
# kvm|tcg overrides the choice). Measured on the loaded 2-core machine:
# a guest is ready ~1 minute after QEMU starts with KVM, 7-10 minutes
# with TCG inside TCG.
#
# Under emulation inside emulation what costs time is code run once
# (translated twice) and bulk byte work. Measured on the loaded 2-core
# machine: the guest's boot is minutes (QEMU start and firmware about as
# long as the kernel's own boot), an iperf3 run adds ~15 s of start-up to
# its duration. So: the kernel boots uncompressed through its PVH entry
# (its xz decompressor took minutes), from qboot instead of SeaBIOS; the
# initramfs is an uncompressed cpio; the guest loads only the virtio
# modules; its command line gives it the TSC rate (its own calibration
# fails and the delay-loop fallback costs seconds) and turns off what
# probes or zeroes memory for nothing. These are boot-speed options only:
# the vhost path is QEMU's default with vhost=on.
#
# A guest reports NESTED-READY once booted, then waits until the VM
# answers its ping, which the VM allows by giving its tap an address
# (nested_go). Guests could so boot side by side and take turns for their
# traffic, but both callers run them one at a time: two at once under KVM
# on the VM's emulated SVM broke twice in CI (see e2e_qemu.sh).
#
# Use: nested_prepare DIR (once per VM boot); nested_server_start;
# nested_start NAME ... for each guest; then per guest nested_wait_ready
# NAME, nested_go NAME (returns when its QEMU has exited), nested_get NAME
# KEY for its results; nested_stop_all at the end (also on error paths).
# NESTED_DEBUG=1 adds the guest's slow initcalls; NESTED_TIMEOUT (900 s)
# bounds each guest. Needs root, tun, qemu-system-x86_64, iperf3, busybox,
# cpio, xz.

nested_dir=
nested_kernel=
nested_server=

# Copy a binary and the shared libraries it needs into the initramfs.
nested_copy_bin() {
	local f r=$nested_dir/root

	mkdir -p "$r$(dirname "$1")"
	cp -L "$1" "$r$1"
	for f in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$r$(dirname "$f")"
		cp -L "$f" "$r$f"
	done
}

# nested_init_prologue: the start of every guest's /init: busybox's
# applets, the virtual file systems, up() (seconds since boot) and the
# modules /mod/order lists, loaded.
nested_init_prologue() {
	cat <<'EOF2'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
up() { cut -d' ' -f1 /proc/uptime; }
echo "NESTED-T-INIT $(up)"
for m in $(cat /mod/order); do
	insmod /mod/$m || echo "NESTED-INSMOD-FAILED $m"
done
EOF2
}

# The guest's /init. Its parameters come on the kernel command line:
# vha.ip=A.B.C its /24 (the VM is .1, the guest .2), vha.mq=N queue pairs
# to enable, vha.secs=S per iperf3 run, vha.streams=N parallel streams,
# vha.bidir=1 one iperf3 run in both directions at once (else vha.runs=N
# runs per direction, alternating, and their median). Once booted it says NESTED-READY and waits until the VM
# answers its ping: the VM holds a guest back by leaving its tap without an
# address. Every result is a line "NESTED-<KEY> <value>" on the console.
nested_write_init() {
	{
	nested_init_prologue
	cat <<'EOF2'
net=10.77.0 mq=1 secs=2 streams=1 bidir=0 runs=1
for a in $(cat /proc/cmdline); do
	case $a in
	vha.ip=*) net=${a#*=} ;;
	vha.mq=*) mq=${a#*=} ;;
	vha.secs=*) secs=${a#*=} ;;
	vha.streams=*) streams=${a#*=} ;;
	vha.bidir=*) bidir=${a#*=} ;;
	vha.runs=*) runs=${a#*=} ;;
	esac
done
ip link set lo up
ip link set eth0 up
ip addr add $net.2/24 dev eth0
for f in /sys/bus/virtio/devices/*/features; do
	echo "NESTED-FEATURES $(cat $f)"
done
if [ "$mq" -gt 1 ] && vha-set-channels eth0 "$mq"; then
	echo "NESTED-QUEUES $(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)"
fi
echo "NESTED-READY $(up)"
n=0
until ping -c 1 -W 1 $net.1 > /dev/null; do
	n=$((n + 1))
	[ $n -lt 400 ] || break
	sleep 2
done
echo "NESTED-T-GO $(up)"
ping -c 2 -w 30 $net.1 > /tmp/ping && echo "NESTED-PING ok"
grep -E 'transmitted|round-trip' /tmp/ping
# mbps PATTERN: the receiver's Mbit/s in the last iperf3 summary line
# matching PATTERN, "fail" if none.
mbps() {
	awk -v p="$1" '$0 ~ p && /receiver/ {
		for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1) }
	     END { print (v == "" ? "fail" : v) }' /tmp/iperf
}
iperf() {
	iperf3 -c $net.1 -f m -t "$secs" -P "$streams" "$@" > /tmp/iperf 2>&1
	grep -E 'receiver|error' /tmp/iperf
}
if [ "$bidir" = 1 ]; then
	iperf --bidir
	echo "NESTED-TX $(mbps TX-C)"
	echo "NESTED-RX $(mbps RX-C)"
else
	# med FILE: the median of its figures, "fail" if a run failed
	med() {
		grep -q fail "$1" && { echo fail; return; }
		sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
	}
	: > /tmp/tx
	: > /tmp/rx
	i=0
	while [ $i -lt "$runs" ]; do
		iperf
		mbps . >> /tmp/tx
		iperf -R
		mbps . >> /tmp/rx
		i=$((i + 1))
	done
	echo "NESTED-TX $(med /tmp/tx)"
	echo "NESTED-RX $(med /tmp/rx)"
	echo "NESTED-TX-ALL $(sort -n /tmp/tx | tr '\n' ' ')"
	echo "NESTED-RX-ALL $(sort -n /tmp/rx | tr '\n' ' ')"
fi
echo "NESTED-T-DONE $(up)"
if grep -q initcall_debug /proc/cmdline; then
	dmesg | grep -E 'after [0-9]{6,} usecs' | sed 's/^/NESTED-SLOW /'
fi
echo NESTED-DONE
reboot -f
EOF2
	} > "$1"
	chmod +x "$1"
}

# nested_initramfs_root MODULE...: a fresh initramfs tree in
# $nested_dir/root with busybox and MODULE... with their dependencies,
# uncompressed, listed in load order in /mod/order for the guest's /init.
nested_initramfs_root() {
	local r=$nested_dir/root kver m

	kver=$(uname -r)
	rm -rf "$r"
	mkdir -p "$r"/{bin,dev,proc,sys,tmp,mod}
	cp /bin/busybox "$r/bin/busybox"
	for m in $(modprobe -S "$kver" --show-depends -a "$@" |
		   awk '/^insmod/ { print $2 }' | awk '!seen[$0]++'); do
		case $m in
		*.ko) cp "$m" "$r/mod/" ;;
		*.ko.xz) xz -dc "$m" > "$r/mod/$(basename "$m" .xz)" ;;
		*) return 1 ;;
		esac
		basename "$m" .xz >> "$r/mod/order"
	done
}

# nested_initramfs_pack: the tree as the uncompressed cpio the guests boot.
nested_initramfs_pack() {
	(cd "$nested_dir/root" && find . | cpio -o -H newc --quiet) > "$nested_dir/initrd"
}

nested_make_initramfs() {
	local r=$nested_dir/root

	nested_initramfs_root virtio_pci virtio_net || return 1
	cp "$VHA_BIN/vha-set-channels" "$r/bin/"
	nested_copy_bin /usr/bin/iperf3
	nested_write_init "$r/init"
	nested_initramfs_pack
}

# The kernel uncompressed, booted through its PVH entry: Debian's xz
# bzImage decompressing itself under emulation inside emulation takes
# minutes, xz here takes seconds.
nested_make_kernel() {
	local img off v=$nested_dir/vmlinux

	img=/boot/vmlinuz-$(uname -r)
	off=$(LC_ALL=C grep -abo $'\xfd7zXZ' "$img" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || return 0
	tail -c +$((off + 1)) "$img" | xz -dc > "$v" 2>/dev/null
	[ "$(head -c 4 "$v" | tail -c 3)" = ELF ] || rm -f "$v"
}

# nested_prepare DIR [MAKE_INITRAMFS]: build the guest's kernel and, with
# MAKE_INITRAMFS (default nested_make_initramfs), its initramfs in DIR.
nested_prepare() {
	local kpid

	nested_dir=$1
	mkdir -p "$nested_dir"
	nested_make_kernel &
	kpid=$!
	"${2:-nested_make_initramfs}" || return 1
	wait "$kpid"
	nested_kernel=$nested_dir/vmlinux
	[ -s "$nested_kernel" ] || nested_kernel=/boot/vmlinuz-$(uname -r)
	echo "# nested guests run with $(nested_accel)"
	echo "# nested kernel: $nested_kernel, initramfs $(($(stat -c %s "$nested_dir/initrd") / 1024)) KiB"
}

nested_server_start() {
	iperf3 -s > "$nested_dir/iperf3-server.txt" 2>&1 &
	nested_server=$!
}

nested_server_stop() {
	[ -n "$nested_server" ] || return 0
	kill "$nested_server" 2>/dev/null
	wait "$nested_server" 2>/dev/null
	nested_server=
}

# The TSC rate this VM measured, for the guest: under emulation its own
# calibration fails and the delay-loop fallback costs seconds.
nested_tsc_khz() {
	awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo
}

# nested_accel: kvm if QEMU can use KVM here (loads kvm_amd or
# kvm_intel), else tcg; NESTED_ACCEL forces one.
nested_accel() {
	if [ -n "${NESTED_ACCEL:-}" ]; then
		echo "$NESTED_ACCEL"
		return
	fi
	if grep -qw svm /proc/cpuinfo; then
		modprobe kvm_amd 2>/dev/null
	elif grep -qw vmx /proc/cpuinfo; then
		modprobe kvm_intel 2>/dev/null
	fi
	if [ -c /dev/kvm ] && [ -w /dev/kvm ]; then echo kvm; else echo tcg; fi
}

# nested_append: the guest kernel's command line, boot-speed options only.
nested_append() {
	local append khz

	append="console=ttyS0 loglevel=3 panic=-1 acpi=off mitigations=off nokaslr"
	append="$append tsc=reliable no_timer_check cryptomgr.notests init_on_alloc=0"
	append="$append 8250.nr_uarts=1 i8042.noaux i8042.nokbd rodata=off"
	khz=$(nested_tsc_khz)
	[ -z "$khz" ] || append="$append tsc_early_khz=$khz"
	[ "${NESTED_DEBUG:-0}" = 0 ] || append="$append printk.time=1 initcall_debug"
	echo "$append"
}

# nested_qemu NAME APPEND QEMU-ARG...: start QEMU in the background on the
# guest kernel and initramfs, its kernel command line nested_append's plus
# APPEND, with the guest's own devices, CPUs and memory in QEMU-ARG. Its
# console is $nested_dir/NAME.console, QEMU's own output NAME.qemu. The
# caller writes NAME.args, the command that starts the guest again.
nested_qemu() {
	local name=$1 append bios=""

	append="$(nested_append) $2"
	shift 2
	# qboot starts a kernel in half SeaBIOS's time (boot speed only)
	[ -r /usr/share/qemu/qboot.rom ] && bios="-bios /usr/share/qemu/qboot.rom"
	: > "$nested_dir/$name.console"
	date +%s > "$nested_dir/$name.t0"
	# shellcheck disable=SC2086
	qemu-system-x86_64 -accel "$(nested_accel)" -cpu max $bios \
		-nodefaults -no-user-config -no-reboot -display none \
		-serial "file:$nested_dir/$name.console" \
		-kernel "$nested_kernel" -initrd "$nested_dir/initrd" \
		-append "$append" "$@" \
		> "$nested_dir/$name.qemu" 2>&1 < /dev/null &
	echo $! > "$nested_dir/$name.pid"
}

# nested_start NAME VHOST NIC IDX SECS STREAMS BIDIR [RUNS]: start a guest
# in the background on tap vhnetIDX (10.77.IDX.0/24, no address yet: the
# guest waits). VHOST on|off, NIC packed|mq|split; RUNS iperf3 runs per
# direction (not with BIDIR=1).
nested_start() {
	local name=$1 vhost=$2 nic=$3 idx=$4 secs=$5 streams=$6 bidir=$7 runs=${8:-1}
	local tapq="" netq="" dev="" mq=1 net append

	case $nic in
	packed) dev=",packed=on" ;;
	mq) tapq=" multi_queue" netq=",queues=2" dev=",mq=on,vectors=6" mq=2 ;;
	split) ;;
	*) echo "# nested_start: unknown NIC $nic"; return 1 ;;
	esac
	net="tap,id=n0,ifname=vhnet$idx,script=no,downscript=no$netq"
	case $vhost in
	on) net="$net,vhost=on,vhostforce=on" ;;
	off) net="$net,vhost=off" ;;
	*) echo "# nested_start: vhost must be on or off"; return 1 ;;
	esac
	append="vha.ip=10.77.$idx vha.mq=$mq vha.secs=$secs"
	append="$append vha.streams=$streams vha.bidir=$bidir vha.runs=$runs"
	ip link del "vhnet$idx" 2>/dev/null
	# shellcheck disable=SC2086
	ip tuntap add dev "vhnet$idx" mode tap vnet_hdr$tapq || return 1
	ip link set "vhnet$idx" up
	nested_qemu "$name" "$append" -smp 1 -m 256 -netdev "$net" \
		-device "virtio-net-pci,netdev=n0$dev"
	echo "$idx" > "$nested_dir/$name.idx"
	printf '%q ' nested_start "$@" > "$nested_dir/$name.args"
}

nested_pid() { cat "$nested_dir/$1.pid"; }

# nested_restarts NAME: how often nested_wait_ready started NAME's QEMU
# again because the emulation made it exit before the guest's /init ran.
nested_restarts() {
	if [ -f "$nested_dir/$1.restarts" ]; then
		wc -l < "$nested_dir/$1.restarts"
	else
		echo 0
	fi
}

nested_alive() { kill -0 "$(nested_pid "$1")" 2>/dev/null; }

nested_elapsed() { echo $(($(date +%s) - $(cat "$nested_dir/$1.t0"))); }

# nested_early_death NAME: QEMU has exited before the guest's /init ran.
# Until then the guest has not loaded virtio-net, so QEMU has not started
# vhost on the device: the death is the emulation's, not the device's
# (seen once in CI: a guest reset early in its kernel's boot while another
# guest booted beside it under KVM on the VM's emulated SVM).
nested_early_death() {
	! nested_alive "$1" && ! grep -aq NESTED-T-INIT "$nested_dir/$1.console"
}

# nested_wait_ready NAME: wait until the guest has booted and set up its
# NIC (status 1 if QEMU died or NESTED_TIMEOUT passed first). A guest whose
# QEMU exits before its /init runs is started again, at most twice, and
# says so; a death after that point is the test's failure.
nested_wait_ready() {
	local tries=0

	rm -f "$nested_dir/$1.restarts"
	while ! grep -aq NESTED-READY "$nested_dir/$1.console"; do
		if nested_early_death "$1" && [ $tries -lt 2 ]; then
			tries=$((tries + 1))
			wait "$(nested_pid "$1")" 2>/dev/null
			echo "# $1: QEMU exited (status $?) before the guest's /init ran, after $(nested_elapsed "$1")s; its last lines:"
			tr -d '\r' < "$nested_dir/$1.console" | grep -av '^$' | tail -n 8 | sed 's/^/#   /'
			sed 's/^/#   qemu: /' "$nested_dir/$1.qemu" | head -n 5
			echo "# $1: starting it again (attempt $((tries + 1)))"
			echo "$tries" >> "$nested_dir/$1.restarts"
			eval "$(cat "$nested_dir/$1.args")" || return 1
			continue
		fi
		nested_alive "$1" || return 1
		[ "$(nested_elapsed "$1")" -lt "${NESTED_TIMEOUT:-900}" ] || return 1
		sleep 1
	done
	echo "# $1: booted and ready after $(nested_elapsed "$1")s"
}

# nested_wait_exit NAME: wait until the guest's QEMU exits (killed after
# NESTED_TIMEOUT); its status, and its console in NAME.txt.
nested_wait_exit() {
	local pid rc

	pid=$(nested_pid "$1")
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(nested_elapsed "$1")" -ge "${NESTED_TIMEOUT:-900}" ]; then
			echo "# $1: killed after ${NESTED_TIMEOUT:-900}s"
			kill -9 "$pid" 2>/dev/null
			# a QEMU stuck in the kernel cannot die: give up on it
			for rc in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null && sleep 3
			done
			break
		fi
		sleep 1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "# $1: QEMU (pid $pid) does not die"
		rc=1
	else
		wait "$pid" 2>/dev/null
		rc=$?
	fi
	echo "# $1: QEMU exited with status $rc after $(nested_elapsed "$1")s"
	tr -d '\r' < "$nested_dir/$1.console" > "$nested_dir/$1.txt"
	return $rc
}

# nested_go NAME: give the guest's tap its address and wait until QEMU
# exits (nested_wait_exit).
nested_go() {
	local idx rc

	idx=$(cat "$nested_dir/$1.idx")
	ip addr add "10.77.$idx.1/24" dev "vhnet$idx"
	nested_wait_exit "$1"
	rc=$?
	ip link del "vhnet$idx" 2>/dev/null
	return $rc
}

# nested_stop_all: kill every guest still running (on any exit path).
nested_stop_all() {
	local f pid

	for f in "$nested_dir"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	nested_server_stop
}

# nested_vhost_fds NAME: how many /dev/vhost-net descriptors its QEMU holds.
nested_vhost_fds() {
	find "/proc/$(nested_pid "$1")/fd" -lname /dev/vhost-net 2>/dev/null | wc -l
}

# nested_get NAME KEY: the value of the guest's first "NESTED-KEY value"
# line, empty if none.
nested_get() {
	awk -v k="NESTED-$2" '$1 == k { sub(/^[^ ]* /, ""); print; exit }' \
		"$nested_dir/$1.txt" 2>/dev/null
}

# The lines of a kernel's death on a nested guest's console.
nested_panic_re='\] (Kernel panic|traps: PANIC|BUG: |Oops|general protection)'

# nested_show NAME: the guest's console and QEMU's messages, as TAP
# comments: its first 60 lines, and any line of a kernel's death after them.
nested_show() {
	grep -a -v '^$' "$nested_dir/$1.txt" | sed 's/^/# /' | head -n 60
	grep -a -v '^$' "$nested_dir/$1.txt" | tail -n +61 |
		grep -aE "$nested_panic_re" | head -n 5 | sed 's/^/# /'
	sed 's/^/# qemu: /' "$nested_dir/$1.qemu" | head -n 20
}

# nested_died NAME: the guest's own kernel died (its console has a panic).
nested_died() {
	grep -aqE "$nested_panic_re" "$nested_dir/$1.txt" 2>/dev/null
}

# nested_qmp SOCKET COMMAND...: each COMMAND (a QMP JSON object, e.g.
# '{"execute": "query-status"}') on the QMP unix socket of a QEMU started
# with "-qmp unix:SOCKET,server=on,wait=off"; prints each reply's "return"
# (or its "error") as one line of JSON, skips asynchronous events. Status
# 1 if a command failed, 2 if QEMU could not be reached or hung up.
nested_qmp() {
	/usr/bin/python3 - "$@" <<'EOF2'
import json, socket, sys

s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("qmp: %s: %s" % (sys.argv[1], e))
    sys.exit(2)
f = s.makefile("rw")

def reply():
    while True:
        line = f.readline()
        if not line:
            print("qmp: QEMU hung up")
            sys.exit(2)
        m = json.loads(line)
        if "event" not in m:
            return m

reply()
rc = 0
for i, cmd in enumerate(['{"execute": "qmp_capabilities"}'] + sys.argv[2:]):
    f.write(cmd + "\n")
    f.flush()
    m = reply()
    if "error" in m:
        rc = 1
    if i:
        print(json.dumps(m.get("return", m)))
sys.exit(rc)
EOF2
}
