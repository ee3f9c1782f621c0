#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Retention on both ends of a mirror (two hosts in one guest, see
# mirror_lib.sh): the source keeps its newest N PCPIs (--keep) but never a
# held one, and says who holds it; the destination, opted in to follow the
# source's deletions, removes what the source removed, but never its base
# or a PCPI held on it; a hold on the
# destination travels upstream in its lock set, so the source keeps that
# PCPI too and names the downstream holder.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum thin_delta thin_dump
. ./mirror_lib.sh
tap_plan 20

write_and_update() { # SEED: random writes on A, then one update
	random_writes /dev/$VA/vol "$1" 10 4096 $((MB * 256)) 16 "$SL_TMP/w" &&
		on_a softlock mirror update ab
}

assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" mirror_hosts_setup
assert_fail "--keep needs a positive number" on_a softlock mirror init --keep 0 --name ab "$VA/vol" "$(peer_b $VB/vol)"
assert "mirror init --keep 2" on_a softlock mirror init --keep 2 --name ab "$VA/vol" "$(peer_b $VB/vol)"
assert "B opts in to follow A's deletions" \
	on_b softlock mirror init --follow-source-deletions yes --name ab "$(peer_a $VA/vol)" "$VB/vol"

for seed in 1 2 3; do
	write_and_update $seed > "$SL_TMP/u$seed" 2>&1 ||
		diag "update $seed failed: $(cat "$SL_TMP/u$seed")"
done
assert_eq "A keeps its newest 2 PCPIs" "vol.sl.2 vol.sl.3" "$(pcpis_of $VA vol)"
assert_match "... and says what it removed" "retention on hostA: removed $VA/vol.sl.1" "$(cat "$SL_TMP/u3")"
assert_eq "B removed what A removed" "vol.sl.2 vol.sl.3" "$(pcpis_of $VB vol)"
assert_match "... and says so" "retention on hostB: removed $VB/vol.sl.1" "$(cat "$SL_TMP/u3")"

# A hold on A outlives --keep, and retention names its holder.
assert "A: hold vol.sl.3 for a backup" on_a softlock hold $VA/vol.sl.3 --type app --text backup
write_and_update 4 >/dev/null 2>&1
run write_and_update 5
assert_eq "update 5 works" 0 "$RC"
assert_match "A kept the held vol.sl.3, naming its holder" \
	"retention on hostA: kept $VA/vol.sl.3: held by 1 lock\\(s\\), first app \"backup\"" "$OUT"
assert_eq "A: vol.sl.3 kept beside the newest 2" "vol.sl.3 vol.sl.4 vol.sl.5" "$(pcpis_of $VA vol)"
assert_eq "B keeps what A keeps" "vol.sl.3 vol.sl.4 vol.sl.5" "$(pcpis_of $VB vol)"

# A hold on B (a host further downstream needs vol.sl.5) goes upstream.
assert "B: hold vol.sl.5 for hostC" on_b softlock hold $VB/vol.sl.5 --type dest-path --text hostC:slmc/vol
write_and_update 6 >/dev/null 2>&1
run on_a softlock holds $VA/vol.sl.5
assert_match "A holds vol.sl.5 for hostC, through B's set" "hostC:slmc/vol" "$OUT"
run write_and_update 7
assert_match "A's retention keeps vol.sl.5, naming hostC" \
	"kept $VA/vol.sl.5: held by 1 lock\\(s\\), first dest-path \"hostC:slmc/vol\" \\(origin softlock-mirror:hostB:$VB/vol\\)" "$OUT"
assert "... and vol.sl.5 is still on A" lvs $VA/vol.sl.5

# Released downstream, it goes on both hosts at the next updates.
assert "B: release vol.sl.5" on_b softlock release $VB/vol.sl.5 --all
write_and_update 8 >/dev/null 2>&1
write_and_update 9 >/dev/null 2>&1
run pcpis_of $VA vol
assert_no_match "vol.sl.5 is gone from A" "vol\\.sl\\.5( |$)" "$OUT"
