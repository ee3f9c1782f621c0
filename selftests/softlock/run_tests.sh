#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the softlock selftests inside the test guest, one program at a time.
# Each test is framed by "# softlock-test: NAME" and "# softlock-exit: NAME
# RC" lines (also written to the kernel log, so a splat can be tied to the
# test that caused it). C tests run with softlock.ko loaded; shell tests load
# it themselves with the parameters they need. After each test the module is
# unloaded and the guest checked for what the test left behind (module,
# device-mapper devices, VGs, loop devices, mounts), so every test starts
# from the same state. A softlock.ko that does not load stops the run.
#
#   run_tests.sh [TEST...]      default: every test of tests.list
#
# Each test may run for SL_TEST_TIMEOUT seconds (900), or for what its own
# "# sl-timeout: SECONDS" line says.
# Every test, in the order of tests.list (which also says which kernel
# runs it: tools/vm/check.sh passes each guest its own list).
ALL=$(awk '!/^[ \t]*(#|$)/ { print $1 }' "$(dirname "$0")/tests.list")
TIMEOUT=${SL_TEST_TIMEOUT:-900}

mark() {
	echo "$1"
	echo "$1" > /dev/kmsg 2>/dev/null
}

# After a test: what it must not leave behind, one line each. The host
# (tools/vm/check.sh) counts every "# softlock-leftover:" line as a failure
# of that test; what is left is then removed, so the next test starts
# from the same state.
leftover() { # TEST WHAT
	mark "# softlock-leftover: $1 $2"
}

# The lines of standard input that are not lines of FILE (which may be
# empty: busybox grep -vxf of an empty file drops every line).
not_in() { # FILE
	awk -v f="$1" 'FILENAME == f { seen[$0] = 1; next } !($0 in seen)' "$1" -
}

check_clean() { # TEST
	local t=$1 d l v m out
	if grep -q '^softlock ' /proc/modules; then
		if ! out=$(rmmod softlock 2>&1); then
			leftover "$t" "rmmod softlock failed: $out"
			return
		fi
	fi
	d=$(dmsetup ls 2>/dev/null | grep -v 'No devices found' | awk '{ print $1 }' | tr '\n' ' ')
	if [ -n "$d" ]; then
		leftover "$t" "device-mapper devices: $d"
		vgchange -an >/dev/null 2>&1
		dmsetup remove_all -f >/dev/null 2>&1
	fi
	# A test that checks what survives a reboot keeps its VGs on the
	# persistent disk for its next boot: they are remembered, and no
	# leftover of the tests after it.
	case $t in
	*_reboot_test.sh|*_poweroff_test.sh)
		pvs --noheadings -o vg_name,pv_name 2>/dev/null |
			awk 'NF == 2 && $2 == "/dev/vda" { print $1 }' >> "$kept" ;;
	esac
	v=$(vgs --noheadings -o vg_name 2>/dev/null | awk '{ print $1 }' |
		not_in "$kept" | tr '\n' ' ')
	if [ -n "$v" ]; then
		leftover "$t" "volume groups: $v"
		for m in $v; do vgremove -ff -y "$m" >/dev/null 2>&1; done
	fi
	l=$(losetup -a 2>/dev/null | cut -d: -f1 | tr '\n' ' ')
	if [ -n "$l" ]; then
		leftover "$t" "loop devices: $l"
		losetup -D >/dev/null 2>&1
	fi
	m=$(awk '{ print $2 }' /proc/mounts | not_in "$mounts0" | tr '\n' ' ')
	if [ -n "$m" ]; then
		leftover "$t" "mounts: $m"
		for d in $m; do umount -l "$d" 2>/dev/null; done
	fi
}

# softlock.ko must load before anything runs: a module that does not load
# (built for another kernel, a missing symbol) would make every test skip
# or fail for the same reason; the run stops here and says why.
mounts0=/tmp/run_tests.mounts
kept=/tmp/run_tests.kept-vgs
# The first "ip netns add" mounts /run/netns for good (iproute2 keeps it):
# made here, it is part of the guest every test starts from.
ip netns add sl-run-tests && ip netns del sl-run-tests
awk '{ print $2 }' /proc/mounts > "$mounts0"
: > "$kept"
if ! out=$(modprobe softlock 2>&1); then
	echo "Bail out! softlock.ko does not load on $(uname -r): $out"
	dmesg | tail -n 5 | sed 's/^/# /'
	exit 1
fi
rmmod softlock

tests=${*:-$ALL}
for t in $tests; do
	if [ ! -e "./$t" ]; then
		mark "# softlock-test: $t"
		echo "not ok 1 $t: no such test in $(pwd)"
		mark "# softlock-exit: $t 127"
		continue
	fi
	case $t in
	*.sh) runner="sh ./$t" ;;
	*)
		runner="./$t"
		# modprobe, not insmod: it loads dm-mod, whose symbols the
		# module uses, like an installed module would.
		if ! out=$(modprobe softlock 2>&1); then
			mark "# softlock-test: $t"
			echo "Bail out! modprobe softlock failed before $t: $out"
			mark "# softlock-exit: $t 1"
			continue
		fi
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
	check_clean "$t"
	mark "# softlock-exit: $t $rc"
done
