#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VHOST_NET ioctls: features (6.1's set plus packed), SET_BACKEND errnos, packed base
# Split and packed rings each (vha-net-test ioctl, selftests/net/net_test.c).
#
#   vha-net-test (guest rings) <-> /dev/vhost-net <-> tap fd
#                                   tap netdev <-> AF_PACKET socket (test)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
exec "$VHA_BIN/vha-net-test" ioctl
