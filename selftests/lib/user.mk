# SPDX-License-Identifier: GPL-2.0
#
# selftests/lib: which failed VM runs make check retries as the emulator's
# (vm_verdicts.sh), tested on this host from made-up logs.

USER_TESTS += selftests/lib/vm_verdicts-test.sh
