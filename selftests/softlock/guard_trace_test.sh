#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guard under tracers on the very function it hooks. With each of a
# kretprobe, a kprobe, the function tracer and the function_graph tracer
# on pool_message: a locked id is refused, an unlocked id is deleted, and
# each message enters pool_message exactly as often as it should (1 for a
# refusal, 2 for a delete: dm's call, then the guard's own call of the
# original), so no call of the guard is redirected again. Then the same
# after rmmod/insmod of softlock with the tracer left on, and with the
# tracer switched on before softlock is loaded. A kretprobe or
# function_graph replaces the return address at entry: a guard that told
# its own call apart by that address recursed until the stack ran out.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init
T=/sys/kernel/tracing
# A tracefs this test mounts, or debugfs automounts when the test looks
# into debug/tracing, is unmounted at the end: the harness checks mounts.
tracefs_mounted() {
	awk -v d="$1" '$2 == d && $3 == "tracefs" { f = 1 } END { exit !f }' /proc/mounts
}
tracefs_umount() {
	! tracefs_mounted "$1" || umount "$1"
}
for m in "$T" /sys/kernel/debug/tracing; do
	tracefs_mounted "$m" || cleanup_push "tracefs_umount $m"
done
if [ ! -e "$T/current_tracer" ]; then
	if [ -e /sys/kernel/debug/tracing/current_tracer ]; then
		T=/sys/kernel/debug/tracing
	else
		mount -t tracefs nodev "$T" 2>/dev/null ||
			skip_all "cannot mount tracefs on $T"
	fi
fi
for t in function function_graph; do
	grep -qw "$t" "$T/available_tracers" ||
		skip_all "the $t tracer is not in this kernel"
done
[ -e "$T/kprobe_events" ] || skip_all "no kprobe_events (CONFIG_KPROBE_EVENTS)"

MODES="kretprobe kprobe function function_graph"
tap_plan 108

P=sltest-trace
LOCKED=1
next_id=10

tracer_off() {
	if [ -e "$T/events/kprobes/sltrace/enable" ]; then
		echo 0 > "$T/events/kprobes/sltrace/enable" || return 1
		echo '-:sltrace' >> "$T/kprobe_events" || return 1
	fi
	echo nop > "$T/current_tracer" || return 1
	echo > "$T/set_ftrace_filter" || return 1
	echo > "$T/set_graph_function" || return 1
	echo > "$T/trace"
}
cleanup_push tracer_off

tracer_on() { # MODE
	tracer_off || return 1
	case $1 in
	kretprobe | kprobe)
		if [ "$1" = kretprobe ]; then
			# shellcheck disable=SC2016 # $retval is the event's
			echo 'r:sltrace pool_message ret=$retval' >> "$T/kprobe_events" || return 1
		else
			echo 'p:sltrace pool_message' >> "$T/kprobe_events" || return 1
		fi
		echo 1 > "$T/events/kprobes/sltrace/enable"
		;;
	function)
		echo pool_message > "$T/set_ftrace_filter" || return 1
		echo function > "$T/current_tracer"
		;;
	function_graph)
		# set_ftrace_filter too: switching the tracer then patches one
		# function, not all of them (under TCG on a busy host that took
		# long enough for 6.1's soft-lockup watchdog).
		echo pool_message > "$T/set_graph_function" || return 1
		echo pool_message > "$T/set_ftrace_filter" || return 1
		echo function_graph > "$T/current_tracer"
		;;
	esac
}

# hits MODE: how often the tracer saw pool_message since the last clear
# (entries; returns for the kretprobe).
hits() {
	case $1 in
	kretprobe | kprobe) grep -c ' sltrace: ' "$T/trace" ;;
	function) grep -c ' pool_message <-' "$T/trace" ;;
	function_graph) grep -Ec '[| ]pool_message( \[[a-z_]+\])?\(\)' "$T/trace" ;;
	esac
}

# traced_msg MESSAGE: the message on $P with a clean trace buffer; RC and
# OUT as run sets them, HITS the tracer's count for it.
traced_msg() {
	echo > "$T/trace"
	run pool_msg "$P" "$1"
	HITS=$(hits "$mode")
	TRACE=$(grep -v '^#' "$T/trace" | grep -n -B 2 -A 2 pool_message | head -n 60)
}

# assert_hits DESC EXPECTED: HITS is EXPECTED, else the trace is shown.
assert_hits() {
	assert_eq "$1" "$2" "$HITS" || diag "trace: $TRACE"
}

lock() {
	slctl add "$P" "$LOCKED" "$SL_TYPE" "$SL_TEXT"
}

setup() {
	make_pool "$P" || return 1
	thin_create "$P" 0 || return 1
	thin_snap "$P" "$LOCKED" 0 || return 1
	lock
}
assert "insmod softlock" sl_load
assert "pool $P: thin 0, snapshot $LOCKED of it, locked" setup
# The hook says it moves pool_message's instruction pointer (flag I), so a
# second user that does (livepatch, a kprobe with a post_handler) is refused.
assert_match "ftrace lists pool_message as IP-modified (enabled_functions)" \
	'^pool_message .*\([0-9]+\) +R +I' "$(cat "$T/enabled_functions")"
# The hook is permanent, as livepatch's: ftrace cannot be switched off
# under it.
ftrace_off_refused() {
	if echo 0 > /proc/sys/kernel/ftrace_enabled; then
		echo 1 > /proc/sys/kernel/ftrace_enabled
		echo "kernel.ftrace_enabled=0 was accepted"
		return 1
	fi
	[ "$(cat /proc/sys/kernel/ftrace_enabled)" = 1 ]
}
assert "kernel.ftrace_enabled=0 is refused while the guard is armed" ftrace_off_refused

# check WHEN: the locked id refused, an unlocked one deleted, and the
# number of pool_message entries each took.
check() {
	local w="$mode, $1" id=$next_id

	next_id=$((next_id + 1))
	traced_msg "delete $LOCKED"
	if [ "$RC" -ne 0 ] && printf '%s' "$OUT" | grep -qi busy; then
		tap_ok "$w: 'delete $LOCKED' (locked) refused with EBUSY"
	else
		tap_fail "$w: 'delete $LOCKED' (locked) refused with EBUSY"
		_sl_show_failure pool_msg "$P" "delete $LOCKED"
	fi
	assert_hits "$w: the refusal entered pool_message once" 1
	assert "$w: thin id $LOCKED still exists" thin_exists "$P" "$LOCKED"

	assert "$w: create_snap $id 0" thin_snap "$P" "$id" 0
	traced_msg "delete $id"
	if [ "$RC" -eq 0 ]; then
		tap_ok "$w: 'delete $id' (unlocked) succeeds"
	else
		tap_fail "$w: 'delete $id' (unlocked) succeeds"
		_sl_show_failure pool_msg "$P" "delete $id"
	fi
	assert_hits "$w: the delete entered pool_message twice (dm, then the guard)" 2
	assert_fail "$w: thin id $id is gone" thin_exists "$P" "$id"
}

reload() {
	sl_unload || return 1
	sl_load || return 1
	lock
}

# The tracer's probe first, then the guard: a hook that joins what the
# tracer already armed, rather than the tracer joining the guard's.
tracer_first() {
	tracer_off || return 1
	sl_unload || return 1
	tracer_on "$mode" || return 1
	sl_load || return 1
	lock
}

for mode in $MODES; do
	assert "$mode: on pool_message" tracer_on "$mode"
	check "softlock loaded first"
	assert "$mode: rmmod softlock, insmod softlock, lock $LOCKED (tracer on)" reload
	check "softlock reloaded under it"
	run slctl stats
	assert_eq "$mode: sl_ctl stats counts the one refusal since insmod" \
		"refused_locked=1 refused_sealed=0 guard=armed" "$(echo $OUT)"
	assert "$mode: off, rmmod softlock, on, insmod softlock, lock $LOCKED" tracer_first
	check "tracer on before softlock"
	assert "$mode: off" tracer_off
done
