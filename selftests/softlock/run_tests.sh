#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the softlock selftests inside the test guest, one program at a time.
# Each test is framed by "# softlock-test: NAME" and "# softlock-exit: NAME
# RC" lines (also written to the kernel log, so a splat can be tied to the
# test that caused it). C tests run with softlock.ko loaded; shell tests load
# it themselves with the parameters they need. After each test the module is
# unloaded, so every test starts from the same state.
#
#   run_tests.sh [TEST...]      default: every test, in the order below
#
# Each test may run for SL_TEST_TIMEOUT seconds (900), or for what its own
# "# sl-timeout: SECONDS" line says.
ALL="netlink_test netlink_limits_test netlink_policy_test nl_fuzz privilege_test netns_test pin_test replace_test stress_test
dm_raw_test.sh lvm_test.sh seal_test.sh load_order_test.sh guard_trace_test.sh
helper_test.sh queued_delete_test.sh helper_reboot_test.sh ranges_test.sh apply_test.sh
mirror_test.sh mirror_verify_test.sh mirror_retention_test.sh cascade_test.sh
cascade_topology_test.sh cascade_lease_test.sh tls_test.sh mirror_kill_test.sh
daemon_test.sh metrics_test.sh pkg_test.sh"
TIMEOUT=${SL_TEST_TIMEOUT:-900}

mark() {
	echo "$1"
	echo "$1" > /dev/kmsg 2>/dev/null
}

unload() {
	grep -q '^softlock ' /proc/modules || return 0
	rmmod softlock 2>&1 || echo "# run_tests: rmmod softlock failed"
}

leftovers() {
	local d
	d=$(dmsetup ls 2>/dev/null | grep -v 'No devices found')
	[ -z "$d" ] || echo "# run_tests: $1 left device-mapper devices behind: $d"
}

tests=${*:-$ALL}
for t in $tests; do
	if [ ! -e "./$t" ]; then
		mark "# softlock-test: $t"
		echo "not ok 1 $t: no such test in $(pwd)"
		mark "# softlock-exit: $t 127"
		continue
	fi
	unload
	case $t in
	*.sh) runner="sh ./$t" ;;
	*)
		runner="./$t"
		# modprobe, not insmod: it loads dm-mod, whose symbols the
		# module uses, like an installed module would.
		modprobe softlock || echo "# run_tests: modprobe softlock failed"
		;;
	esac
	mark "# softlock-test: $t"
	t0=$(date +%s)
	# A shell test may set its own limit with a line "# sl-timeout: SECONDS".
	limit=$TIMEOUT
	case $t in
	*.sh) limit=$(sed -n 's/^# sl-timeout: \([0-9][0-9]*\)$/\1/p' "./$t" | head -n 1)
	      limit=${limit:-$TIMEOUT} ;;
	esac
	# shellcheck disable=SC2086
	timeout "$limit" $runner
	rc=$?
	echo "# run_tests: $t took $(($(date +%s) - t0)) s"
	mark "# softlock-exit: $t $rc"
	unload
	leftovers "$t"
done
