#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The admin can clean up (two hosts in one guest, see mirror_lib.sh):
# mirror destroy releases a relationship's lock set on the source (or,
# with --keep-locks, says how to), removes the .part and checkpoint an
# interrupted transfer left, and says what it left; release works on a
# snapshot that is gone, and release --stale releases the holds of gone
# snapshots, neither running lvs on the snapshot; the questions (verify,
# mirror verify) exit 2 when they could not tell, 1 only for "differ".
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum thin_delta thin_dump
. ./mirror_lib.sh
tap_plan 34

assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" mirror_hosts_setup

# --- exit statuses: 0 identical, 1 differ, 2 could not tell ---
run on_a softlock mirror verify nosuch
assert_eq "mirror verify of no relationship: could not tell, exit 2" 2 "$RC"
assert "A: mirror init ab" on_a softlock mirror init --name ab "$VA/vol" "$(peer_b $VB/vol)"
assert "A: baseline" on_a softlock mirror update ab
assert "mirror verify: identical, exit 0" on_a softlock mirror verify ab
run on_a softlock mirror verify ab --snapshot vol.sl.9
assert_eq "mirror verify of a PCPI that does not exist: exit 2" 2 "$RC"

# --- destroy a pushed relationship with a transfer cut short on B ---
dd if=/dev/urandom of=/dev/$VA/vol bs=1M count=4 conv=fsync 2>/dev/null
fault_b SOFTLOCK_TEST_KILL_AFTER_DATA=1
run on_a softlock mirror update ab
fault_b
assert_match "an update cut short leaves a .part on B" "vol\\.sl\\.2\\.part" \
	"$(lvs --noheadings -o lv_name $VB)"
run on_a softlock holds "$VA"
assert_match "A holds PCPIs for B" "hostB:$VB/vol" "$OUT"
run on_a softlock mirror destroy ab
assert_eq "mirror destroy ab: exit 0" 0 "$RC" || diag "$OUT"
assert_match "... released B's lock set on A" "released the lock set of .* on $VA/vol" "$OUT"
assert_match "... B removed its .part" "hostB: removed $VB/vol\\.sl\\.2\\.part" "$OUT"
assert_match "... and its checkpoint" "hostB: removed its checkpoint" "$OUT"
assert_match "... and says what it left" "left: [0-9]+ published PCPI\\(s\\) of $VA/vol" "$OUT"
run on_a softlock holds "$VA"
assert_no_match "A holds nothing for B any more" "hostB" "$OUT"
assert_no_match "no .part is left on B" "\\.part" "$(lvs --noheadings -o lv_name $VB)"
assert_fail "the relationship is gone" on_a softlock mirror status ab
assert "B keeps its published PCPI" lvs $VB/vol.sl.1

# --- destroy a pulled relationship, leaving the locks ---
assert "B: mirror init pa (pull vol2 from A)" \
	on_b softlock mirror init --name pa "$(peer_a $VA/vol2)" "$VB/vol2"
assert "B: baseline of vol2" on_b softlock mirror update pa
run on_b softlock mirror destroy pa --keep-locks
assert_eq "mirror destroy pa --keep-locks: exit 0" 0 "$RC" || diag "$OUT"
assert_match "... says it left A's locks and how to release them" \
	"left: the lock set on .*\\(--keep-locks\\); release it there with 'softlock release --origin softlock-mirror:hostB:$VB/vol2 --all'" "$OUT"
run on_a softlock holds "$VA/vol2.sl.1"
assert_match "A still holds vol2.sl.1 for B" "hostB:$VB/vol2" "$OUT"
assert "A: release by the origin destroy named" \
	on_a softlock release --origin "softlock-mirror:hostB:$VB/vol2" --all

# --- holds of snapshots that are gone ---
gone_setup() {
	lvcreate -y -s -n gone1 $VA/vol >/dev/null &&
		lvcreate -y -s -n gone2 $VA/vol >/dev/null &&
		lvcreate -y -s -n kept $VA/vol >/dev/null &&
		on_a softlock hold $VA/gone1 --type app --text t1 >/dev/null &&
		on_a softlock hold $VA/gone2 --type app --text t2 >/dev/null &&
		on_a softlock hold $VA/kept --type app --text t3 >/dev/null
}
assert "A: three snapshots, each held" gone_setup
# As across a reboot: the module goes, two snapshots with it.
assert "rmmod softlock" sl_unload
run on_a softlock verify
assert_eq "verify without the module: could not tell, exit 2" 2 "$RC"
assert "lvremove gone1 and gone2 while nothing pins them" lvremove -y $VA/gone1 $VA/gone2
reload() { sl_load && on_a softlock restore; }
run reload
assert_match "insmod, restore: the gone ones guarded without a pin" \
	"$VA/gone1: held, but the snapshot is gone" "$OUT"
# Every lvs the helper runs from here is logged.
mkdir -p "$SL_TMP/shim"
printf '#!/bin/sh\necho "lvs $*" >> %s\nexec %s "$@"\n' "$SL_TMP/lvs.log" "$(command -v lvs)" \
	> "$SL_TMP/shim/lvs"
chmod +x "$SL_TMP/shim/lvs"
run on_a env PATH="$SL_TMP/shim:$PATH" softlock release $VA/gone1 --all
assert_eq "release of a snapshot that is gone: exit 0" 0 "$RC" || diag "$OUT"
run on_a env PATH="$SL_TMP/shim:$PATH" softlock release --stale
assert_match "release --stale releases the hold of gone2" \
	"$VA/gone2: orphaned \\(the snapshot is gone\\), released \\(app \"t2\"" "$OUT"
assert_no_match "... and not the hold of a snapshot that is there" "kept" "$OUT"
assert_no_match "... and lvs never ran on gone1 or gone2" "gone" "$(cat "$SL_TMP/lvs.log" 2>/dev/null)"
run on_a softlock verify
assert_eq "catalog and kernel agree: exit 0" 0 "$RC" || diag "$OUT"
