#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Backend swaps under traffic: detach/attach, and switching between the queues
# of a multiqueue tap, while frames stream both ways; none lost, none twice
# Split and packed rings each (vha-net-test swap, selftests/net/net_test.c).
#
#   vha-net-test (guest rings) <-> /dev/vhost-net <-> tap fd
#                                   tap netdev <-> AF_PACKET socket (test)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
exec "$VHA_BIN/vha-net-test" swap
