#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# SIGKILL of either end of a mirror update at every point it reaches (at
# least 20 in all): the helper kills itself just before or just after its
# Nth external command (LVM, dmsetup, thin tools; SOFTLOCK_TEST_KILL_AT=
# HOST:N, see user/lib/run.c), so every phase is hit (listing, snapshot,
# delta, part, publish, retention) at an exact place rather than after a
# guessed delay. After every kill:
#   - B's newest published PCPI is complete (equal to A's of that name);
#   - no lock was lost: A holds for B a PCPI B has (a common base for the
#     next update), and on both hosts the catalog and the kernel agree;
# A host that stops answering makes the update time out, holds unchanged;
# and after all that a plain update converges.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum thin_delta thin_dump
. ./mirror_lib.sh
MB=8
KILLS=20
tap_plan 12

setup() {
	mirror_hosts_setup &&
	on_a softlock mirror init --keep 2 --name ab "$VA/vol" "$(peer_b $VB/vol)" >/dev/null &&
	on_a softlock mirror update ab >/dev/null
}
assert "insmod softlock" sl_load
assert "hosts A and B, relationship ab, baseline sent" setup || bail_out "no setup"
# The kills are counted in commands: a kill past the last one is no kill.
run on_a softlock mirror update ab
assert_eq "an update with nothing killed works" 0 "$RC" || diag "$OUT"

# B's newest published PCPI equals A's of the same name (the older ones
# were checked after earlier kills). PB: B's PCPIs, in order.
published_complete() {
	local p
	p=$(echo "$PB" | awk '{ print $NF }')
	[ -n "$p" ] && [ "$(hash_of "$VA/$p")" = "$(hash_of "$VB/$p")" ] ||
		{ echo "B's newest PCPI '$p' differs from A's"; return 1; }
}

# A holds for B a PCPI that B has published, so the next update has a
# common base (B's newest may be one A has not heard of yet, when B died
# between publishing it and saying so: the next session tells A); and on
# each host every hold of its VG is in both its catalog and the kernel
# ("held"; the hosts share this guest's kernel, so a whole-table verify
# would see the other host's locks too).
locks_kept() {
	local p out common=
	out=$(on_a softlock holds "$VA")
	for p in $PB; do
		echo "$out" | grep -q "^$VA/$p .*hostB:$VB/vol .* held" && common=$p
	done
	[ -n "$common" ] ||
		{ echo "A holds none of B's PCPIs [$PB] for B: $out"; return 1; }
	out="$out $(on_b softlock holds "$VB")"
	if echo "$out" | grep -E "not-in-kernel|kernel-only"; then
		echo "catalog and kernel differ: $out"
		return 1
	fi
}

# Every point N from 1 to POINTS on A, then on B: an update runs about 6
# to 8 commands on each end (it varies: retention only removes when it
# has something to), so a point past the end kills nothing and is only
# counted. A side whose update ran to its end at two points in a row has
# no more points to reach (B's ends at 8, A's at 14): its later points
# are not tried, each a whole update for nothing. The checks after each
# kill are gathered; each is asserted once.
POINTS=16
kills=0 seed=1 bad_complete= bad_locks= missed_A=0 missed_B=0
for n in $(seq 1 $POINTS); do
	for side in A B; do
		eval "[ \$missed_$side -lt 2 ]" || continue
		seed=$((seed + 1))
		random_writes "/dev/$VA/vol" "$seed" 4 4096 $((MB * 256)) 32 "$SL_TMP/w" ||
			bail_out "writes failed"
		if [ "$side" = A ]; then
			run on_a env SOFTLOCK_TEST_KILL_AT="hostA:$n" "$SL_FAULTS" mirror update ab
		else
			fault_b "SOFTLOCK_TEST_KILL_AT=hostB:$n"
			run on_a softlock mirror update ab
			fault_b
		fi
		if ! echo "$OUT" | grep -q "killed at point $n,"; then
			diag "host$side point $n: not reached, nothing killed (exit $RC)"
			eval "missed_$side=\$((missed_$side + 1))"
			continue
		fi
		eval "missed_$side=0"
		kills=$((kills + 1))
		diag "kill $kills: host$side point $n (exit $RC): $(echo "$OUT" | grep -m1 'killed at point' | sed 's/.*killed at point [0-9]*, //')"
		# One lvs (0.5 s under TCG) for both checks.
		PB=$(pcpis_of $VB vol)
		if ! published_complete > "$SL_TMP/check" 2>&1; then
			bad_complete="$bad_complete $side$n"
			diag "$(cat "$SL_TMP/check")"
		fi
		if ! locks_kept > "$SL_TMP/check" 2>&1; then
			bad_locks="$bad_locks $side$n"
			diag "$(cat "$SL_TMP/check")"
		fi
	done
done
assert "at least $KILLS kills, at every point both ends reach ($kills)" \
	test "$kills" -ge "$KILLS"
assert_eq "after every kill B's newest published PCPI is complete" "" "$bad_complete"
assert_eq "after every kill no lock is lost and catalogs agree with the kernel" "" "$bad_locks"

# A downstream host that stops answering (SIGSTOP at its 3rd point):
# A gives up after SOFTLOCK_PEER_TIMEOUT, its holds unchanged.
held() { on_a softlock holds "$VA" | awk 'NR > 1 { print $1, $2, $3, $NF }'; }
before=$(held)
fault_b "SOFTLOCK_TEST_KILL_AT=hostB:3:stop"
run on_a env SOFTLOCK_PEER_TIMEOUT=5 softlock mirror update ab
fault_b
assert_eq "B stops answering: the update fails instead of hanging" 1 \
	"$([ "$RC" != 0 ] && echo 1)"
assert_match "... saying the peer is stuck or gone" "stuck or gone" "$OUT"
assert_eq "... and A's holds are unchanged" "$before" "$(held)"

run on_a softlock mirror update ab
assert_eq "after $kills kills a plain update converges" 0 "$RC" || diag "$OUT"
newest=$(pcpis_of $VB vol | awk '{ print $NF }')
assert_eq "... B's newest PCPI equals A's" "$(hash_of "$VA/$newest")" "$(hash_of "$VB/$newest")"
assert_fail "... and no .part is left on B" sh -c "lvs --noheadings -o lv_name $VB | grep -q '\.part'"
