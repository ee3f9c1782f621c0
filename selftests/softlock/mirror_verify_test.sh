#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# softlock mirror verify between two hosts in one guest (mirror_lib.sh),
# B reached from A and A from B through exec: transports. After a
# baseline both copies are identical, from either side and in 1 MiB chunks; the newest PCPI both
# sides hold is found when A's newest is only half-sent to B; a --snapshot
# B lacks, or that does not exist, fails clearly; one byte changed in B's
# copy is found in exactly its chunk, from either side.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum od
tap_plan 30

. ./mirror_lib.sh
MiB=1048576

# VG/LV VG/LV: both readable, and their contents differ.
hashes_differ() {
	local a b
	a=$(hash_of "$1")
	b=$(hash_of "$2")
	case "$a $b" in *unreadable*) return 1 ;; esac
	[ "$a" != "$b" ]
}

# VG/LV: its size in 1 MiB chunks, rounded up, as verify counts them; a
# text instead of an empty string when lvs says nothing.
chunks_of() {
	local b
	b=$(lvs --noheadings --units b --nosuffix -o lv_size "$1" 2>/dev/null | tr -d ' ')
	case $b in
	''|*[!0-9]*) echo "no size for $1" ;;
	*) echo $(((b + MiB - 1) / MiB)) ;;
	esac
}

# VG/LV OFFSET: change the byte at OFFSET (add 1), on a read-only PCPI.
flip_byte() {
	local v rc
	lvchange -ay -K "$1" >/dev/null 2>&1
	dmsetup mknodes
	v=$(dd if="/dev/$1" bs=1 skip="$2" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	[ -n "$v" ] || return 1
	lvchange -prw "$1" >/dev/null || return 1
	# shellcheck disable=SC2059
	printf "\\$(printf %o $(((v + 1) % 256)))" |
		dd of="/dev/$1" bs=1 seek="$2" count=1 conv=notrunc,fsync 2>/dev/null
	rc=$?
	lvchange -pr "$1" >/dev/null || return 1
	return $rc
}

assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" mirror_hosts_setup
assert "mirror init $VA/vol -> B" on_a softlock mirror init --name ab "$VA/vol" "$(peer_b $VB/vol)"
assert "baseline update" on_a softlock mirror update ab
assert_eq "B's vol.sl.1 equals A's (the hashes)" "$(hash_of $VA/vol.sl.1)" "$(hash_of $VB/vol.sl.1)"

# --- identical, from the source's side ---
gid1=$(gid_of $VA/vol.sl.1)
n=$(chunks_of $VA/vol.sl.1)
assert "verify from A: identical, exit 0" on_a softlock mirror verify ab
assert_match "... vol.sl.1, its global id, $n chunks of 1 MiB" \
	"^mirror ab: vol\\.sl\\.1 \\(global id $gid1\\): identical, $n chunks of 1 MiB\$" "$OUT"
assert "verify --json: exit 0" on_a softlock mirror verify ab --json
diag "$OUT"
assert_match "... one JSON object: identical, $n chunks, none differ" \
	"^[{]\"relationship\":\"ab\",\"snapshot\":\"vol\\.sl\\.1\",\"global_id\":\"$gid1\",\"peer\":\"hostB\",\"result\":\"identical\",\"chunk\":$MiB,.*\"chunks\":$n,\"differ\":0,\"first_offset\":null" "$OUT"

# --- identical, from the destination's side (it initiates) ---
assert "mirror init on B: pull from A" on_b softlock mirror init --name ba "$(peer_a $VA/vol)" "$VB/vol"
assert "verify from B: identical, exit 0" on_b softlock mirror verify ba
assert_match "... naming B's vol.sl.1" \
	"^mirror ba: vol\\.sl\\.1 \\(global id $gid1\\): identical, $n chunks of 1 MiB\$" "$OUT"

# --- the newest PCPI both hold, when A's newest is only half-sent ---
random_writes /dev/$VA/vol 11 20 4096 $((MB * 256)) 64 "$SL_TMP/writes"
assert "second update" on_a softlock mirror update ab
dd if=/dev/urandom of=/dev/$VA/vol bs=1M seek=4 count=24 conv=fsync 2>/dev/null
run on_a env SOFTLOCK_TEST_KILL_AFTER_DATA=4 SOFTLOCK_CHECKPOINT_BYTES=4194304 \
	"$SL_FAULTS" mirror update ab
assert_eq "a third update killed half way" 137 "$RC"
assert "... so B holds vol.sl.3.part, not vol.sl.3" \
	sh -c "lvs $VB/vol.sl.3.part && ! lvs $VB/vol.sl.3"
gid2=$(gid_of $VA/vol.sl.2)
gid3=$(gid_of $VA/vol.sl.3)
assert "verify from A: exit 0" on_a softlock mirror verify ab
assert_match "... vol.sl.2, the newest on both sides" \
	"^mirror ab: vol\\.sl\\.2 \\(global id $gid2\\): identical, $n chunks of 1 MiB\$" "$OUT"

# --- a --snapshot the peer lacks, or that does not exist ---
assert_fail "verify --snapshot vol.sl.3 fails" on_a softlock mirror verify ab --snapshot vol.sl.3
assert_match "... B has no PCPI with its global id" \
	"mirror ab: vol\\.sl\\.3: hostB: no PCPI with global id $gid3 on $VB/vol\$" "$OUT"
assert_fail "verify --snapshot vol.sl.9 fails" on_a softlock mirror verify ab --snapshot vol.sl.9
assert_match "... saying there is no such PCPI" \
	"mirror ab: no PCPI named vol\\.sl\\.9 of $VA/vol on hostA" "$OUT"

# --- one byte changed in B's copy ---
off=$((5 * MiB + 123))
assert "change the byte at $off of B's vol.sl.2" flip_byte $VB/vol.sl.2 $off
assert "... so the hashes differ" hashes_differ $VA/vol.sl.2 $VB/vol.sl.2
run on_a softlock mirror verify ab
diag "$OUT"
assert_eq "verify from A: exit 1" 1 "$RC"
assert_match "... 1 of $n chunks differs, the first at byte 5242880 (chunk 5)" \
	"^mirror ab: vol\\.sl\\.2: 1 of $n chunks differ; first difference at byte offset 5242880 \\(chunk 5\\)\$" "$OUT"
run on_a softlock mirror verify ab --json
diag "$OUT"
assert_eq "verify --json: exit 1" 1 "$RC"
assert_match "... one JSON object saying so" \
	"^[{]\"relationship\":\"ab\",\"snapshot\":\"vol\\.sl\\.2\",\"global_id\":\"$gid2\",\"peer\":\"hostB\",\"result\":\"different\",.*\"chunks\":$n,\"differ\":1,\"first_offset\":5242880,\"first_chunk\":5," "$OUT"
assert "verify --snapshot vol.sl.1: still identical" on_a softlock mirror verify ab --snapshot vol.sl.1
run on_b softlock mirror verify ba
assert_eq "verify from B: exit 1" 1 "$RC"
assert_match "... the same chunk" \
	"^mirror ba: vol\\.sl\\.2: 1 of $n chunks differ; first difference at byte offset 5242880 \\(chunk 5\\)\$" "$OUT"
