# SPDX-License-Identifier: GPL-2.0
#
# vm_verdicts.sh: which failed VM runs selftests/check.sh runs once more,
# as the emulator's (KVM in the test VM on SVM that TCG emulates), from a
# run's log. Sourced with the repository's root as the working directory;
# tested on made-up logs by selftests/lib/vm_verdicts-test.sh.

# vm_lines LOG: the log without a nested guest's console (lines "# [",
# "# guest:", "# qemu:"), which is not the VM's kernel log.
vm_lines() {
	tr -d '\r' < "$1" | grep -vE '^# (\[|guest: |qemu: )'
}

# nested_emulation_crash LOG: did the VM's kernel die in a nested guest's
# QEMU process, with none of our modules on the crash's lines? Under TCG
# the VM's SVM is emulated, and KVM in the VM running a nested guest now
# and then dies of it ("stack guard page was hit" / "corrupted stack end
# detected inside scheduler" in qemu-system-x86 -> kvm_amd, all registers
# zero; reproduced without our modules, see the README's Test VM section).
nested_emulation_crash() {
	local crash
	grep -q 'no verdict from the guest' "$1" || return 1
	# the VM's first crash report, from its first line to the panic (a
	# nested guest's console, lines "# [", "# guest:", "# qemu:", may
	# have a panic of its own before it)
	crash=$(vm_lines "$1" | awk '/BUG: |Oops|general protection|Kernel panic/ { on = 1 }
		on { print } on && /Kernel Offset|end trace|end Kernel panic/ { exit }')
	grep -q 'Comm: qemu-system-x86' <<< "$crash" &&
		grep -qE 'stack guard page was hit|corrupted stack end detected|kvm_vcpu_reset|shutdown_interception' <<< "$crash" &&
		! grep -qE 'vhost_accel|vhost_blk|vhost_net|vha_' <<< "$crash"
}

# nested_guest_crash LOG: a test failed and a nested guest's own kernel
# died (its console, which the end-to-end tests print, has a panic): the
# other face of the same emulated SVM.
nested_guest_crash() {
	grep -q '^not ok' "$1" &&
		grep -aqE '^# (guest: )?\[ *[0-9.]+\] (Kernel panic|traps: PANIC)' "$1"
}

# vm_stood_still LOG: an RCU stall report in which the grace-period
# kthread's timer never fired or the kthread never ran: the emulated CPUs
# did not run (CI saw one of 60 s; here one CPU stood still inside KVM
# running a nested guest, kvm_arch_vcpu_ioctl_run in qemu-system-x86),
# with none of our modules on its stacks and no other report. Test points
# may have failed only if the stall was in a nested guest's KVM (the
# nested guest then stood still too). A nested guest's own console (lines
# "# [", "# guest:", "# qemu:") is not the VM's kernel log.
vm_stood_still() {
	local l
	l=$(vm_lines "$1")
	grep -q 'rcu: INFO: rcu_' <<< "$l" &&
		grep -qE "kthread starved for|kthread timer wakeup didn't happen" <<< "$l" &&
		! grep -qE '\+0x[0-9a-f]+/0x[0-9a-f]+ \[(vhost_accel|vhost_accel_test|vhost_net|vhost_blk)\]' <<< "$l" &&
		! grep -F -f selftests/lib/splat-patterns <<< "$l" |
			grep -vqE 'rcu: INFO: rcu_|detected stall|Call Trace:|kernel log has a splat|line\(s\) of oops' &&
		{ ! grep -q '^not ok' <<< "$l" ||
			{ grep -q 'Comm: qemu-system-x86' <<< "$l" &&
				grep -q 'kvm_arch_vcpu_ioctl_run' <<< "$l"; }; }
}

# vm_reset_silently LOG: the VM stopped without a word while a test with
# nested guests ran (e2e_*.sh, dpdk_virtio_user.sh): no verdict, and its
# kernel log has no report at all (no panic, oops, BUG, warning, stall):
# the emulated machine reset itself under the emulated SVM (CI saw this
# in e2e_vhost_user.sh between two nested guests; QEMU exited, -no-reboot,
# with nothing on any serial port). No test point may have failed.
vm_reset_silently() {
	local l
	l=$(vm_lines "$1")
	grep -qE 'no verdict from the guest: .* during selftests/(net|blk)/(e2e_[a-z_]*|dpdk_virtio_user)\.sh' <<< "$l" &&
		! grep -q '^not ok' <<< "$l" &&
		! grep -F -f selftests/lib/splat-patterns <<< "$l" | grep -q .
}
