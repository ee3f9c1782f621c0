#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Cascade shapes beyond A -> B -> C (hosts as in mirror_lib.sh, each a VG
# with its own pool, catalog and host name):
#   depth 4   A -> B -> C -> D: D's base on C reaches A through C's set to
#             B and B's set to A, and A names hostD through hostB; when D
#             moves on, the lock leaves A after the chain's next updates.
#   fan-out   A:vol2 -> B and A:vol2 -> C keep separate sets (one origin
#             per destination), so each update moves only its own.
#   cycle     B -> A on the same volume would send A's copy of B's own lock
#             back to B: B refuses that lock set, naming the cycle, and
#             installs nothing.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum thin_delta thin_dump
. ./mirror_lib.sh
tap_plan 27

setup() {
	mirror_hosts_setup && mirror_more_hosts c d
}

# VG/LV HOLDER: `softlock check` on A says VG/LV is held, first by HOLDER.
a_held_by() {
	run on_a softlock check "$1"
	[ "$RC" = 1 ] && printf '%s\n' "$OUT" | grep -q -- "$2"
}

# VG/LV ORIGIN: the origins of the locks on VG/LV in A's listing, sorted.
origins_on_a() {
	on_a softlock holds "$1" --json | sed -n 's/.*"origin":"\([^"]*\)".*/\1/p' |
		sort -u | tr '\n' ' '
}

assert "insmod softlock" sl_load
assert "four hosts: VGs, pools, catalogs" setup

# Depth 4.
assert "mirror init A->B, B->C, C->D" sh -c "
	$ENV_A softlock mirror init --name ab $VA/vol \"$(peer_b $VB/vol)\" &&
	$ENV_B softlock mirror init --name bc $VB/vol \"$(peer_c $VC/vol)\" &&
	$ENV_C softlock mirror init --name cd $VC/vol \"$(peer_d $VD/vol)\""
assert "s1 down the chain: A->B, B->C, C->D" sh -c "
	$ENV_A softlock mirror update ab && $ENV_B softlock mirror update bc &&
	$ENV_C softlock mirror update cd"
assert_eq "D's vol.sl.1 equals A's" "$(hash_of $VA/vol.sl.1)" "$(hash_of $VD/vol.sl.1)"
random_writes /dev/$VA/vol 5 20 4096 $((MB * 256)) 32 "$SL_TMP/w"
# s2 reaches C; D still builds on s1, and the next A->B carries that up.
assert "s2: A->B, B->C, then A->B again (s3)" sh -c "
	$ENV_A softlock mirror update ab && $ENV_B softlock mirror update bc &&
	$ENV_A softlock mirror update ab"
assert "A: s1 is held for hostD, through hostB" \
	a_held_by $VA/vol.sl.1 "\"hostD:$VD/vol\" (through hostB:$VB/vol)"
run on_a softlock holds $VA/vol.sl.1
assert_match "... and 'softlock holds' on A shows it the same way" \
	"hostD:$VD/vol \\(through hostB:$VB/vol\\)" "$OUT"
run on_a softlock holds $VA/vol.sl.1 --json
assert_match "... and its --json names the hop" "\"through\":\"hostB:$VB/vol\"" "$OUT"
assert_fail "A: lvremove of s1 is refused" lvremove -y $VA/vol.sl.1
run on_b softlock check $VB/vol.sl.1
assert_match "B: s1 is held for hostD, through hostC" \
	"\"hostD:$VD/vol\" \\(through hostC:$VC/vol\\)" "$OUT"
# D moves on to s2; C, B and A let go of s1 in turn.
assert "D moves on: C->D, B->C, A->B" sh -c "
	$ENV_C softlock mirror update cd && $ENV_B softlock mirror update bc &&
	$ENV_A softlock mirror update ab"
run on_a softlock check $VA/vol.sl.1
assert_eq "A: s1 is free once D moved on" 0 "$RC"
assert "... and lvremove of it works" lvremove -y $VA/vol.sl.1

# Fan-out: one volume, two destinations, two sets.
assert "mirror init A:vol2->B and A:vol2->C" sh -c "
	$ENV_A softlock mirror init --name fb $VA/vol2 \"$(peer_b $VB/vol2)\" &&
	$ENV_A softlock mirror init --name fc $VA/vol2 \"$(peer_c $VC/vol2)\""
assert "A->B (s1), A->C (s2), A->B (s3)" sh -c "
	$ENV_A softlock mirror update fb && $ENV_A softlock mirror update fc &&
	$ENV_A softlock mirror update fb"
run on_a softlock check $VA/vol2.sl.1
assert_eq "fan-out: s1 is free (B moved to s3, C never had it)" 0 "$RC"
assert_eq "fan-out: s2 is held by C's set alone" \
	"softlock-mirror:hostC:$VC/vol2 " "$(origins_on_a $VA/vol2.sl.2)"
assert_eq "fan-out: s3 is held by B's set alone" \
	"softlock-mirror:hostB:$VB/vol2 " "$(origins_on_a $VA/vol2.sl.3)"
assert "A->C (s4)" on_a softlock mirror update fc
run on_a softlock check $VA/vol2.sl.2
assert_eq "fan-out: C's update freed s2" 0 "$RC"
assert_eq "... and left B's s3 alone" \
	"softlock-mirror:hostB:$VB/vol2 " "$(origins_on_a $VA/vol2.sl.3)"

# A cycle: B -> A on the volume A mirrors to B.
before=$(on_b softlock holds --json)
assert "B: mirror init B->A (closing a cycle)" \
	on_b softlock mirror init --name ba $VB/vol "$(peer_a $VA/vol)"
assert_fail "B: the update is refused" on_b softlock mirror update ba
assert_match "... naming the cycle" \
	"lock set from hostA:$VA/vol says hostB:$VB/vol itself needs .*cycle" "$OUT"
assert_eq "... and B's locks are as before" "$before" "$(on_b softlock holds --json)"
run on_a softlock check $VA/vol.sl.3
assert_match "A still holds its PCPI for B" "hostB:$VB/vol" "$OUT"
