#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cascade A -> B -> C (three hosts in one guest, see mirror_lib.sh):
# A creates s1; A->B; B->C; A creates s2; A->B. B itself no longer needs
# s1 from A, but C's base on B is s1, so B's lock set carries C's lock up
# to A: deleting s1 on A (lvremove, a raw pool message, retention) is
# refused, naming C. Once B->C moves C's base to s2, s1 goes on A and on
# B, which follows A's deletions by its own choice (mirror init there).
# The lock sets travel before and after each transfer: read from the
# peer-protocol log, not from timing.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum thin_delta thin_dump
. ./mirror_lib.sh
tap_plan 23

setup() {
	mirror_hosts_setup && mirror_more_hosts c
}

# LOG PATTERN...: the line numbers of the first line matching each
# pattern, in order, on one line ("none" for a pattern that matches none).
lines_of() {
	local log=$1 p
	shift
	for p in "$@"; do
		grep -n -E -m1 -- "$p" "$log" | cut -d: -f1 | grep . || echo none
	done | tr '\n' ' '
}

# A LIST of numbers strictly ascending ("none" never is).
ascending() {
	echo "$1" | awk '{ for (i = 1; i <= NF; i++) if ($i == "none" || (i > 1 && $i <= $(i - 1))) exit 1 }'
}

assert "insmod softlock" sl_load
assert "three hosts: VGs, pools, catalogs" setup
assert "A: mirror init A->B (--keep 1)" on_a softlock mirror init --keep 1 --name ab "$VA/vol" "$(peer_b $VB/vol)"
assert "B: mirror init B->C" on_b softlock mirror init --name bc "$VB/vol" "$(peer_c $VC/vol)"
assert "B: follows A's deletions (mirror init ab --follow-source-deletions yes)" \
	on_b softlock mirror init --follow-source-deletions yes --name ab "$(peer_a $VA/vol)" "$VB/vol"

# s1 on A, then A->B and B->C.
export SOFTLOCK_PROTO_LOG="$SL_TMP/proto1.log"
assert "A->B: s1" on_a softlock mirror update ab
unset SOFTLOCK_PROTO_LOG
assert "B->C: s1" on_b softlock mirror update bc
assert_eq "C's vol.sl.1 equals A's" "$(hash_of $VA/vol.sl.1)" "$(hash_of $VC/vol.sl.1)"
order=$(lines_of "$SL_TMP/proto1.log" "^hostB send LOCKSET .*phase=1" \
	"^hostA send OFFER" "^hostB send PUBLISHED" "^hostB send LOCKSET .*phase=2")
assert "the lock set went up before the OFFER and again after PUBLISHED (log lines $order)" \
	ascending "$order"

# s2 on A, A->B: B's base moves to s2, but C still builds on s1.
random_writes /dev/$VA/vol 3 20 4096 $((MB * 256)) 32 "$SL_TMP/w"
assert "A->B: s2" on_a softlock mirror update ab
J=$OUT
run on_a softlock check $VA/vol.sl.1
assert_eq "A: s1 is still held" 1 "$RC"
assert_match "... for hostC, through B's set" "hostC:$VC/vol" "$OUT"
assert_match "A's retention (--keep 1) kept s1, held" \
	"retention on hostA: kept $VA/vol.sl.1: held by [0-9]+ lock\\(s\\)" "$J"
assert_fail "A: lvremove of s1 is refused" lvremove -y $VA/vol.sl.1
assert_match "... as in use" "in use" "$OUT"
kmsg_mark
assert_fail "A: a raw delete message for s1 is refused" \
	dmsetup message $VA-pool-tpool 0 "delete $(thin_id $VA/vol.sl.1)"
assert_match "... by softlock, naming hostC" \
	"softlock: pool .*: refused delete of thin id $(thin_id $VA/vol.sl.1): 1 lock\\(s\\), first dest-path \"hostC:$VC/vol\"" \
	"$(dmesg_since_mark)"
run on_b softlock check $VB/vol.sl.1
assert_eq "B: s1 is held for C" 1 "$RC"

# B->C moves C's base to s2; the next A->B drops s1 everywhere.
assert "B->C: s2" on_b softlock mirror update bc
assert_eq "C's vol.sl.2 equals A's" "$(hash_of $VA/vol.sl.2)" "$(hash_of $VC/vol.sl.2)"
random_writes /dev/$VA/vol 4 20 4096 $((MB * 256)) 32 "$SL_TMP/w"
assert "A->B: s3" on_a softlock mirror update ab
assert_fail "s1 is gone from A" lvs $VA/vol.sl.1
assert_fail "... and from B" lvs $VB/vol.sl.1
