# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The environment of the packages' DKMS build, the same on the build host
# (deb_prepare.sh, warming the cache) and in the VM (test_deb.sh): ccache
# hashes the locale variables into every result, so a build with another
# LANG would miss every entry. VHA_ROOT is the tree in both.

# shellcheck disable=SC2034,SC2054
deb_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C
	DEBIAN_FRONTEND=noninteractive DEBIAN_KERNEL_USE_CCACHE=1
	CCACHE_DIR="$VHA_ROOT/build/deb/ccache" CCACHE_TEMPDIR=/tmp/vha-ccache
	CCACHE_SLOPPINESS=include_file_mtime,include_file_ctime,time_macros)
