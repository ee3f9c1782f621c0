# SPDX-License-Identifier: GPL-2.0
#
# tap.sh: the VM suite's reading of a guest's result stream. Sourced by
# tools/vm/check.sh (and by scripts/test-tap.sh, which feeds it made-up
# streams); never run.
#
# The guest (selftests/softlock/run_tests.sh, bench/run_bench.sh) frames
# each test with "# softlock-test: NAME" and "# softlock-exit: NAME RC";
# in between, the test prints KTAP: a plan "1..N", then "ok"/"not ok"
# lines. Every assertion counts once:
#   ok                      one pass
#   not ok                  one failure
#   ok ... # SKIP REASON    a failure, unless (NAME, REASON) is allowed by
#                           $SKIPS_ALLOWED (counted as skipped then)
#   1..0 # SKIP REASON      the whole test skipped (exit 4): likewise
#   Bail out! ...           one failure (in a test or outside one)
#   # softlock-leftover: NAME WHAT
#                           one failure: NAME left WHAT behind
#   # softlock-poweroff     the test cuts the guest's power from here on
#                           on purpose (a *_poweroff_test.sh): its boot may
#                           end in it, with its plan printed
# and at "# softlock-exit:", when the test has no failure yet, one failure
# when it printed no plan, fewer or more results than its plan, or exited
# non-zero. Its exit status never adds a pass.
#
# Counters (the caller sets them to 0 / empty per kernel): k_pass, k_fail,
# k_skip, and k_failed, the failed tests' names with why ("name#3",
# "name(exit 1)", "name(no plan)", "name#2(skipped: reason)"...).

# The allow-list of skips, one entry a line: TEST | REASON (an extended
# regular expression the skip's reason must match) | why it is allowed.
SKIPS_ALLOWED=${SKIPS_ALLOWED:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/selftests/softlock/skips.allow}

_t_name= _t_n=0 _t_plan= _t_fail=0 _t_skip= _t_cut=

# skip_allowed TEST REASON: is this skip on the allow-list?
skip_allowed() {
	local test=$1 reason=$2 t r why
	[ -f "$SKIPS_ALLOWED" ] || return 1
	while IFS='|' read -r t r why; do
		t=${t//[[:space:]]/}
		case $t in "" | "#"*) continue ;; esac
		r=${r#"${r%%[![:space:]]*}"}
		r=${r%"${r##*[![:space:]]}"}
		[ "$t" = "$test" ] && [ -n "$why" ] && [[ $reason =~ $r ]] && return 0
	done < "$SKIPS_ALLOWED"
	return 1
}

_tap_fail() { # WHY
	k_fail=$((k_fail + 1))
	_t_fail=$((_t_fail + 1))
	k_failed="$k_failed $1"
}

_tap_skip() { # LABEL REASON
	if skip_allowed "$_t_name" "$2"; then
		k_skip=$((k_skip + 1))
	else
		_tap_fail "$1(skipped, not on the allow-list: $2)"
	fi
}

# tap_line LINE: one line of a guest's stream.
tap_line() {
	local line=$1 rc reason
	case $line in
	"# softlock-test: "*)
		_t_name=${line#\# softlock-test: } _t_n=0 _t_plan= _t_fail=0 _t_skip= _t_cut= ;;
	"# softlock-poweroff") _t_cut=1 ;;
	"# softlock-exit: "*)
		[ -n "$_t_name" ] || return 0
		rc=${line##* }
		# A test that failed already fails no more for how it ended.
		if [ "$_t_fail" != 0 ]; then
			:
		elif [ "$rc" = 4 ] && [ "$_t_n" = 0 ] && [ -n "$_t_skip" ]; then
			_tap_skip "$_t_name" "$_t_skip"
		elif [ -z "$_t_plan" ]; then
			_tap_fail "$_t_name(no TAP plan, exit $rc)"
		elif [ "$_t_n" != "$_t_plan" ]; then
			_tap_fail "$_t_name(planned $_t_plan, ran $_t_n, exit $rc)"
		elif [ "$rc" != 0 ]; then
			_tap_fail "$_t_name(exit $rc)"
		fi
		_t_name= ;;
	"# softlock-leftover: "*)
		line=${line#\# softlock-leftover: }
		_tap_fail "${line%% *}(left behind: ${line#* })" ;;
	"Bail out!"*)
		_tap_fail "${_t_name:-run}(${line})" ;;
	esac
	[ -n "$_t_name" ] || return 0
	case $line in
	1..*)
		# The first plan of a test is its plan.
		[ -n "$_t_plan" ] && return 0
		_t_plan=${line#1..}
		_t_plan=${_t_plan%%[!0-9]*}
		case $line in *"# SKIP"* | *"# skip"*) _t_skip=${line#*\# [Ss][Kk][Ii][Pp]} _t_skip=${_t_skip# } ;; esac ;;
	"ok "*"# SKIP"* | "ok "*"# skip"*)
		_t_n=$((_t_n + 1))
		reason=${line#*\# [Ss][Kk][Ii][Pp]}
		_tap_skip "$_t_name#$_t_n" "${reason# }" ;;
	"ok "*)
		_t_n=$((_t_n + 1))
		k_pass=$((k_pass + 1)) ;;
	"not ok "*)
		_t_n=$((_t_n + 1))
		_tap_fail "$_t_name#$_t_n" ;;
	esac
}

# tap_boot_end: the stream ended (the guest powered off, died or hung).
# A test that started and never exited fails here, once, unless it said
# it would cut the power and had printed its plan.
tap_boot_end() {
	[ -n "$_t_name" ] || return 0
	if [ "$_t_fail" != 0 ]; then
		:
	elif [ -z "$_t_cut" ]; then
		_tap_fail "$_t_name(never exited: the guest stopped in it)"
	elif [ -z "$_t_plan" ]; then
		_tap_fail "$_t_name(no TAP plan before the power cut)"
	fi
	_t_name=
}
