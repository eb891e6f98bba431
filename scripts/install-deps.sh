#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the build and the tests need. Idempotent and
# quiet: when everything is present it only asks dpkg, which takes a second.
set -euo pipefail

pkgs=(
	# build the modules and userspace tools
	make gcc libc6-dev liburing-dev linux-headers-amd64 kmod rsync sparse perl
	# the test VM: Debian's kernel under QEMU with a busybox initramfs
	qemu-system-x86 linux-image-amd64 busybox-static cpio
	# the debug test kernel, built from Debian's linux-source
	linux-source flex bison bc libelf-dev libssl-dev dwarves ccache xz-utils
	# fuzzing and sanitizers
	clang libclang-rt-14-dev
	# in-VM network and block tests
	iproute2 iperf3 fio e2fsprogs
	gnuplot-nox # make bench's plots (scripts/bench-report.py)
	linux-perf # make bench-profile (selftests/bench/profile_net.sh)
	# a second independent virtio driver for /dev/vhost-net (DPDK virtio_user)
	dpdk-dev
	dkms # make install DKMS=1 and selftests/modules/test_install_dkms.sh
	# make deb (debian/, scripts/build-deb.sh) and selftests/modules/test_deb.sh
	debhelper dh-dkms lintian
	# the libvirt and systemd files of tools/vhost-user-blk, run (e2e_libvirt.sh)
	libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients systemd
)

# The state directories libvirt-daemon-system would make (not installed:
# it starts services). e2e_libvirt.sh mounts a tmpfs on each inside the
# VM, whose root is this machine's, read-only there.
mkdir -p /var/lib/libvirt /var/cache/libvirt /var/log/libvirt

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" > /tmp/vha-apt.log 2>&1 ||
	{ tail -n 30 /tmp/vha-apt.log; exit 1; }
