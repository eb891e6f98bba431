#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel build tree to build our modules against: the running
# kernel's if it has one, else the newest /lib/modules/*/build.
running=/lib/modules/$(uname -r)/build
if [ -e "$running/Makefile" ]; then
	echo "$running"
	exit 0
fi
newest=$(ls -1d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1)
if [ -z "$newest" ]; then
	echo "find-kdir: no kernel build tree in /lib/modules/*/build (install linux-headers-amd64, or pass KDIR=)" >&2
	exit 1
fi
echo "$newest"
