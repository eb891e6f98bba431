# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers for shell selftests. Source it, call tap_plan N (or
# tap_plan_late at the end), then one tap_* per test point.

tap_n=0
tap_failed=0

tap_plan() { echo "TAP version 13"; echo "1..$1"; }

tap_ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }

tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# tap_skip REASON DESC: a test that cannot run says so; it does not pass.
tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $2 # SKIP $1"; }

# tap_check DESC CMD...: one test point from a command's exit status; the
# command's output is shown as TAP diagnostics when it fails.
tap_check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$desc"
	else
		tap_not_ok "$desc"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

tap_diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

tap_done() { [ "$tap_failed" = 0 ]; }
