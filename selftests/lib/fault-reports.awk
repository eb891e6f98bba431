# SPDX-License-Identifier: GPL-2.0
#
# awk -v patterns=selftests/lib/splat-patterns -f fault-reports.awk LOG...
#
# Prints a kernel log without its fault-injection reports, for the splat
# check. A report is what lib/fault-inject.c's fail_dump() prints for an
# injected failure: "FAULT_INJECTION: forcing a failure.", the "name ...,
# interval ..." line, and (verbose=2) the stack dump right after it, from
# its "CPU: N PID: N Comm:" line through "</TASK>". That block only: any
# other line of the patterns file inside the dump (a splat printed in the
# middle of it) is kept, the dump's own "Call Trace:" is not, and a
# report with no dump after it ends at its "name" line. On the console the
# first two lines are missing (KERN_NOTICE, below the console level): there
# a dump is held back until its "</TASK>" and dropped the same way only if
# it is fail_dump()'s (should_fail_ex among its first frames).
BEGIN {
	npat = 0
	while (patterns != "" && (getline p < patterns) > 0)
		if (p !~ /^#/ && p != "" && p != "Call Trace:")
			pat[++npat] = p
	state = 0
}

# The held dump: all of it, or (an injection's) only its splat lines.
function flush(	i, m) {
	for (i = 1; i <= nheld; i++) {
		m = held[i]
		sub(/\r$/, "", m)
		if (!injected || splat(m))
			print held[i]
	}
	nheld = 0
	state = 0
}

function splat(s,	i) {
	for (i = 1; i <= npat; i++)
		if (index(s, pat[i]))
			return 1
	return 0
}

{
	msg = $0
	sub(/\r$/, "", msg)
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", msg)
}

state == 1 {
	state = 0
	if (msg ~ /^ *name .*, interval [0-9]+, probability [0-9]+, space/) {
		state = 2
		next
	}
}

state == 2 {
	state = 0
	if (msg ~ /^CPU: [0-9]+ PID: [0-9]+ Comm: /) {
		state = 3
		lines = 0
		next
	}
}

state == 3 {
	if (msg ~ /^ *<\/TASK>/) {
		state = 0
		next
	}
	# A dump is a few dozen lines; something else if it never ends.
	if (++lines > 300)
		state = 0
	else if (!splat(msg))
		next
}

state == 4 {
	held[++nheld] = $0
	if (msg ~ /^ *(\? )?should_fail_ex(\.cold)?\+0x/ && nheld <= 8)
		injected = 1
	if (msg ~ /^ *<\/TASK>/ || nheld > 300)
		flush()
	next
}

msg ~ /^FAULT_INJECTION: forcing a failure\./ {
	state = 1
	next
}

msg ~ /^CPU: [0-9]+ PID: [0-9]+ Comm: / {
	state = 4
	nheld = 1
	held[1] = $0
	injected = 0
	next
}

{ print }

END { flush() }
