#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The destination owns its history (two hosts in one guest, see
# mirror_lib.sh). A source that runs --keep 1 removes all but its newest
# PCPI; the destination still follows its own policy, set on the
# destination: keep 3 keeps its newest 3, no policy keeps everything, and
# only --follow-source-deletions yes makes it remove what the source
# removed.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum thin_delta thin_dump
. ./mirror_lib.sh
tap_plan 11

update() { # VOL SEED: random writes on A's VOL, then one update of it
	random_writes /dev/$VA/$1 "$2" 4 4096 $((MB * 256)) 16 "$SL_TMP/w" &&
		on_a softlock mirror update "a$1" >"$SL_TMP/u.$1.$2" 2>&1 ||
		diag "update $2 of $1 failed: $(cat "$SL_TMP/u.$1.$2")"
}

assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" mirror_hosts_setup
# vol: the source keeps 1, the destination its own 3.
assert "A: mirror init avol --keep 1" \
	on_a softlock mirror init --keep 1 --name avol "$VA/vol" "$(peer_b $VB/vol)"
assert "B: its own policy for avol: keep 3" \
	on_b softlock mirror init --keep 3 --name avol "$(peer_a $VA/vol)" "$VB/vol"
# vol2: the source keeps 1, the destination has no policy at first.
assert "A: mirror init avol2 --keep 1" \
	on_a softlock mirror init --keep 1 --name avol2 "$VA/vol2" "$(peer_b $VB/vol2)"

for seed in 1 2 3 4 5; do
	update vol $seed
	update vol2 $seed
done
run pcpis_of $VA vol
assert_no_match "A removed vol.sl.1..3 (--keep 1)" "vol\\.sl\\.[123]( |$)" "$OUT"
assert_eq "B keeps its newest 3 of vol, whatever A removed" \
	"vol.sl.3 vol.sl.4 vol.sl.5" "$(pcpis_of $VB vol)"
assert_match "... and says what its own policy removed" \
	"retention on hostB: removed $VB/vol.sl.2" "$(cat "$SL_TMP/u.vol.5")"
assert_eq "B with no policy keeps every vol2 PCPI it received" \
	"vol2.sl.1 vol2.sl.2 vol2.sl.3 vol2.sl.4 vol2.sl.5" "$(pcpis_of $VB vol2)"

# Following the source's deletions is opt-in, on B.
assert "B: opt in for avol2: --follow-source-deletions yes" \
	on_b softlock mirror init --follow-source-deletions yes --name avol2 "$(peer_a $VA/vol2)" "$VB/vol2"
update vol2 6
assert_eq "with the opt-in B mirrors A's vol2" "$(pcpis_of $VA vol2)" "$(pcpis_of $VB vol2)"
