#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile guest: chains of the wrong direction, indices and ids out of range,
# buffers outside guest memory, hostile virtio-net headers
# Split and packed rings each (vha-net-test bad, selftests/net/net_test.c).
#
#   vha-net-test (guest rings) <-> /dev/vhost-net <-> tap fd
#                                   tap netdev <-> AF_PACKET socket (test)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
exec "$VHA_BIN/vha-net-test" bad
