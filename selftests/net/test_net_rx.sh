#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Receive: frames written into the tap land in guest buffers, with and without
# mergeable buffers; too few buffers hold frames back without loss
# Split and packed rings each (vha-net-test rx, selftests/net/net_test.c).
#
#   vha-net-test (guest rings) <-> /dev/vhost-net <-> tap fd
#                                   tap netdev <-> AF_PACKET socket (test)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
exec "$VHA_BIN/vha-net-test" rx
