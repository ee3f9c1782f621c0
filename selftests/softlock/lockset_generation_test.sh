#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The source numbers the lock sets it installs (two hosts in one guest,
# mirror_lib.sh): whatever GENERATION the destination's LOCKSET carries,
# its sets replace each other in the order they arrive. B, the
# destination, runs softlock-test, the helper's test build, which sends
# SOFTLOCK_TEST_GENERATION instead of its clock: a clock stepped back, a
# set before at U64_MAX - 1 (the kernel's last generation, which froze the
# set while the peer's value was used) and U64_MAX (which the kernel
# refuses). Each update installs B's set on A, and the next one still does.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock
tap_plan 15

. ./mirror_lib.sh
FAULTS=$(pwd)/softlock-test
[ -x "$FAULTS" ] || bail_out "$FAULTS not found (user/Makefile softlock-test)"
peer_bf() { # VOLUME: host B running the test build, with $SL_TMP/b/test-env
	echo "exec:'$ENV_B \$(cat $SL_TMP/b/test-env 2>/dev/null) $FAULTS serve --stdio':$1"
}
gen() { # N, or nothing: the GENERATION B sends in the next update
	echo ${1:+SOFTLOCK_TEST_GENERATION=$1} > "$SL_TMP/b/test-env"
}
# The snapshots A holds for B's vol, one line: its set after the update.
held_for_b() {
	on_a softlock holds --json 2>/dev/null | tr '{' '\n' |
		grep "\"origin\":\"softlock-mirror:hostB:$VB/vol\"" |
		sed -n 's/.*"snapshot":"\([^"]*\)".*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}
update() { # WHAT: one update; it succeeds and A then holds B's newest
	run on_a softlock mirror update ab
	[ "$RC" = 0 ] || diag "$OUT"
	assert_eq "$1: the update succeeds" 0 "$RC"
	n=$(pcpis_of $VB vol | tr ' ' '\n' | tail -n 1)
	assert_eq "... A holds exactly B's new base $n for B" "$VA/$n" "$(held_for_b)"
}

assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" mirror_hosts_setup
assert "mirror init A -> B (B runs the test build)" \
	on_a softlock mirror init --name ab "$VA/vol" "$(peer_bf $VB/vol)"
gen
update "baseline, B's clock"
gen 1000
update "B's clock stepped back (GENERATION 1000)"
gen 18446744073709551614
update "GENERATION U64_MAX - 1 before, U64_MAX after"
gen 18446744073709551615
update "GENERATION U64_MAX before, 0 after"
gen
update "B's clock again"
# The catalog keeps the count: a new process, and the next set, go on.
gen 7
update "GENERATION 7, after all that"

