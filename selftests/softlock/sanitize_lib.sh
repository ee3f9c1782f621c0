#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sanitize_lib.sh: sourced by lib.sh. With SL_SANITIZE=1 in its
# environment (a *_sanitized_test.sh wrapper sets it), a test runs every
# `softlock` it starts, on every host, as softlock-asan: the shipped
# helper built with AddressSanitizer and UndefinedBehaviorSanitizer
# (user/Makefile ASAN=1). A read of freed memory then fails where it
# happens instead of only when the allocator has reused the block (as the
# destination's base did, fixed in 5e8bf71). Every report goes to a file,
# and the test gets one more assertion, its last: no process reported
# anything. Leak reports are off: a command that exits leaving memory to
# the kernel is not a fault.
#
# The fault-injection build is sanitized too: $SL_FAULTS (mirror_lib.sh)
# becomes softlock-test-asan, so a host that runs the test build (as B
# does in mirror_integrity_test.sh) is checked as well.

_sl_sanitize_dir=

# In sl_init, after SL_TMP exists.
sl_sanitize_setup() {
	[ "${SL_SANITIZE:-}" = 1 ] || return 0
	[ -x "$(pwd)/softlock-asan" ] && [ -x "$(pwd)/softlock-test-asan" ] ||
		bail_out "$(pwd)/softlock-asan or softlock-test-asan not found (user/Makefile ASAN=1; tools/vm/vm_lib.sh builds them)"
	# In the scratch directory, which the cleanup removes.
	_sl_sanitize_dir=$SL_TMP/sanitize
	mkdir "$_sl_sanitize_dir" "$_sl_sanitize_dir/bin" \
		"$_sl_sanitize_dir/reports" &&
		ln -s "$(pwd)/softlock-asan" "$_sl_sanitize_dir/bin/softlock" ||
		bail_out "cannot set up $_sl_sanitize_dir"
	PATH=$_sl_sanitize_dir/bin:$PATH
	ASAN_OPTIONS=log_path=$_sl_sanitize_dir/reports/asan:detect_leaks=0:halt_on_error=1
	UBSAN_OPTIONS=log_path=$_sl_sanitize_dir/reports/ubsan:print_stacktrace=1:halt_on_error=1
	SL_FAULTS=$(pwd)/softlock-test-asan
	export PATH ASAN_OPTIONS UBSAN_OPTIONS SL_FAULTS
	command -v softlock | grep -q "^$_sl_sanitize_dir/bin/softlock\$" ||
		bail_out "softlock is not the sanitized build on PATH"
}

# One more planned assertion when sanitized.
sl_sanitize_plan() { # N
	if [ "${SL_SANITIZE:-}" = 1 ]; then
		echo $(($1 + 1))
	else
		echo "$1"
	fi
}

sl_sanitized() {
	[ -n "$_sl_sanitize_dir" ]
}

# At exit, once the test's own assertions are done: the last assertion.
sl_sanitize_check() {
	local f n=0
	for f in "$_sl_sanitize_dir"/reports/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		diag "$f:"
		diag "$(head -c 8000 "$f")"
	done
	if [ "$n" = 0 ]; then
		tap_ok "no ASan or UBSan report from any softlock process"
	else
		tap_fail "no ASan or UBSan report from any softlock process ($n reports above)"
	fi
}
