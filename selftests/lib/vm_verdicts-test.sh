#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_verdicts-test.sh: a host unit test (TAP) of selftests/lib/vm_verdicts.sh,
# which decides whether make check runs a failed Debian-kernel boot once
# more as the emulator's: made-up logs shaped like real ones go in, each
# face of the emulator must be recognised, and a crash in our modules, a
# warning or a plain failure must not be.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
# shellcheck source=tap.sh
. selftests/lib/tap.sh
# shellcheck source=vm_verdicts.sh
. selftests/lib/vm_verdicts.sh
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
tap_plan 10

no_verdict='===== run failed =====
  no verdict from the guest: it crashed, panicked or hung during selftests/blk/e2e_vhost_user.sh'
vm_crash() {	# MODULE-FRAME: the VM's kernel dies in qemu-system-x86
	printf '%s\n' "[  156.9] BUG: TASK stack guard page was hit at 00000000c041673d" \
		"[  156.9] CPU: 1 PID: 700 Comm: qemu-system-x86 Not tainted 6.1.0-57-amd64" \
		"[  156.9] Call Trace:" "[  156.9]  svm_vcpu_run+0x1/0x2 [kvm_amd]" "$1" \
		"[  156.9] Kernel panic - not syncing: Fatal exception" "[  156.9] Kernel Offset: disabled"
}
nested_panic='# [   38.3] BUG: kernel NULL pointer dereference, address: 0000000000000008
# [   38.3] Kernel panic - not syncing: Fatal exception in interrupt
# [   38.3] Kernel Offset: disabled
# qemu: qemu-system-x86_64: Failed to set msg fds.'

# CI on 2026-12-05: a nested guest's panic on the console came first
{ echo "ok 44 - split: x"; echo "$nested_panic"; vm_crash ""; echo "$no_verdict"; } > "$t/emu"
tap_check "the VM's crash in qemu-system-x86 is the emulator's, after a nested guest's panic" \
	nested_emulation_crash "$t/emu"
{ vm_crash "[  156.9]  vha_blk_handle_done+0x10/0x20 [vhost_blk]"; echo "$no_verdict"; } > "$t/ours"
tap_check "not when one of our modules is on the crash's lines" \
	eval '! nested_emulation_crash "$t/ours"'
{ vm_crash ""; echo "vm: 10 passed"; } > "$t/verdict"
tap_check "not when the guest gave a verdict" eval '! nested_emulation_crash "$t/verdict"'

{ echo "ok 48 - split: y"; echo "$nested_panic"; echo "not ok 49 - split: QEMU ran the guest to its end"; } > "$t/guest"
tap_check "a failed point and a nested guest's panic: the emulator's" nested_guest_crash "$t/guest"
{ echo "not ok 49 - split: z"; echo "[   38.3] Kernel panic - not syncing: x"; } > "$t/vmpanic"
tap_check "not when the panic is the VM's own" eval '! nested_guest_crash "$t/vmpanic"'

{ echo "ok 45 - split: w"; echo "$nested_panic"; echo "$no_verdict"; } > "$t/reset"
tap_check "no verdict during a nested-guest test, an empty kernel log: a silent reset" \
	vm_reset_silently "$t/reset"
{ echo "[  99.0] WARNING: CPU: 0 PID: 1 at x"; echo "$no_verdict"; } > "$t/warn"
tap_check "not with a warning in the VM's log" eval '! vm_reset_silently "$t/warn"'
{ echo "not ok 45 - split: w"; echo "$no_verdict"; } > "$t/failed"
tap_check "not with a failed point" eval '! vm_reset_silently "$t/failed"'

stall='[ 300.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[ 300.0] rcu: rcu_preempt kthread starved for 60001 jiffies! g1 f0x0
[ 300.0] Call Trace:'
{ echo "$stall"; echo "[ 300.0]  kvm_arch_vcpu_ioctl_run+0x1/0x2 [kvm]"; } > "$t/stall"
tap_check "an RCU stall whose kthread never ran, none of ours: the CPUs stood still" \
	vm_stood_still "$t/stall"
{ echo "$stall"; echo "[ 300.0]  vha_net_handle_tx+0x1/0x2 [vhost_net]"; } > "$t/stall-ours"
tap_check "not with one of our modules on the stacks" eval '! vm_stood_still "$t/stall-ours"'
tap_done
