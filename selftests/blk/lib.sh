# SPDX-License-Identifier: GPL-2.0
#
# Shared set-up of the vhost-blk VM tests: our vhost_blk loaded and
# /dev/vhost-blk present, and the backends the tests run on, made and
# removed here. On failure prints a one-point TAP plan saying why.

blk_fail() {
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 - $*"
	exit 1
}

blk_prepare() {
	grep -q O /sys/module/vhost_blk/taint 2>/dev/null ||
		blk_fail "vhost_blk not loaded (vhost-accel's)"
	[ -c /dev/vhost-blk ] || blk_fail "no /dev/vhost-blk"
	[ -x "$VHA_BIN/vha-blk-test" ] || blk_fail "$VHA_BIN/vha-blk-test missing (make user)"
	grep -q ' /sys/kernel/debug ' /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
	[ -d /sys/kernel/config/nullb ] || modprobe null_blk nr_devices=0 2>/dev/null
	grep -q ' /sys/kernel/config ' /proc/mounts ||
		mount -t configfs none /sys/kernel/config 2>/dev/null
	blk_work=$(mktemp -d /tmp/vha-blk.XXXXXX)
	trap blk_cleanup EXIT
}

# What the helpers below made, one per line in files under $blk_work:
# they are called in $(...), a subshell whose variables the caller never
# sees, so a list in a variable was never cleaned up (a second run in the
# same boot found the null_blk still there).
blk_made() { echo "$2" >> "$blk_work/.made-$1"; }
blk_list() { cat "$blk_work/.made-$1" 2>/dev/null; }

blk_cleanup() {
	local m l n
	for m in $(blk_list mounts | tac); do umount "$m" 2>/dev/null; done
	for l in $(blk_list loops); do losetup -d "$l" 2>/dev/null; done
	for n in $(blk_list nullbs); do
		echo 0 > "/sys/kernel/config/nullb/$n/power" 2>/dev/null
		rmdir "/sys/kernel/config/nullb/$n" 2>/dev/null
	done
	rm -rf "$blk_work"
}

# nullb NAME SIZE_MB [BADBLOCKS]: a memory-backed null_blk that discards,
# made through configfs; prints its device. BADBLOCKS ("+0-7") fail I/O
# there.
nullb() {
	local d=/sys/kernel/config/nullb/$1
	mkdir "$d" || return 1
	blk_made nullbs "$1"
	echo "$2" > "$d/size"
	echo 1 > "$d/memory_backed"
	echo 512 > "$d/blocksize"
	echo 1 > "$d/discard"
	[ -z "${3:-}" ] || echo "$3" > "$d/badblocks"
	echo 1 > "$d/power" || return 1
	# 6.1 names the disk after the configfs item; older kernels nullb<index>
	if [ -b "/dev/$1" ]; then
		echo "/dev/$1"
	else
		echo "/dev/nullb$(cat "$d/index")"
	fi
}

# brd: a RAM disk of at least 64 MiB (built into the debug kernel with
# 64 MiB disks; a module on Debian's).
brd() {
	[ -b /dev/ram0 ] || modprobe brd rd_nr=2 rd_size=65536 || return 1
	echo /dev/ram0
}

# file SIZE_MB PATH: a file of that size, zero-filled.
file_of() {
	truncate -s "${1}M" "$2" && echo "$2"
}

# loopdev FILE: a loop device over FILE (loop is a module on Debian's
# kernels: nothing in the VM loads it on demand).
loopdev() {
	local l
	[ -e /dev/loop-control ] || modprobe loop 2>/dev/null
	l=$(losetup -f --show "$1") || return 1
	blk_made loops "$l"
	echo "$l"
}

# ext4_file SIZE_MB: a file on a fresh ext4 (itself on a loop device over
# a tmpfs file); prints the file.
ext4_file() {
	local img=$blk_work/ext4.img mnt=$blk_work/ext4 l
	truncate -s $(($1 + 32))M "$img" || return 1
	l=$(loopdev "$img") || return 1
	mkfs.ext4 -q -F "$l" > /dev/null 2>&1 || return 1
	mkdir -p "$mnt"
	mount "$l" "$mnt" || return 1
	blk_made mounts "$mnt"
	truncate -s "${1}M" "$mnt/disk.img" && echo "$mnt/disk.img"
}
