# SPDX-License-Identifier: GPL-2.0
#
# selftests/bench: make bench's conversion of a run (scripts/bench-report.py),
# tested on this host from a fixed log (the VM script here is bench_all.sh).

USER_TESTS += scripts/bench-report-test.sh
