#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel build tree to build our modules against: the running
# kernel's if it has one, else the newest /lib/modules/*/build of the
# generic flavour (Debian's cloud and rt flavours, installed beside it for
# `make check-flavours`, are chosen only by name: FLAVOUR=cloud|rt), else
# the newest of any.
running=/lib/modules/$(uname -r)/build
if [ -z "${FLAVOUR:-}" ] && [ -e "$running/Makefile" ]; then
	echo "$running"
	exit 0
fi
trees=$(ls -1d /lib/modules/*/build 2>/dev/null | sort -V)
case ${FLAVOUR:-} in
"") pick=$(echo "$trees" | grep -vE -- '-(cloud|rt)-[^/]*/build$' | tail -n 1)
    [ -n "$pick" ] || pick=$(echo "$trees" | tail -n 1) ;;
*) pick=$(echo "$trees" | grep -E -- "-$FLAVOUR-[^/]*/build\$" | tail -n 1) ;;
esac
if [ -z "$pick" ]; then
	echo "find-kdir: no kernel build tree${FLAVOUR:+ of the $FLAVOUR flavour} in /lib/modules/*/build (install linux-headers-${FLAVOUR:+$FLAVOUR-}amd64, or pass KDIR=)" >&2
	exit 1
fi
echo "$pick"
