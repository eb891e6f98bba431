# SPDX-License-Identifier: GPL-2.0
#
# selftests/modules: the DKMS install, staged on this host (the VM tests of
# this directory are its test_*.sh).

USER_TESTS += selftests/modules/dkms_stage.sh
