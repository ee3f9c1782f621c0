#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Nothing wrong is published (two hosts in one guest, mirror_lib.sh). B
# runs softlock-test, the helper's test build (user/Makefile
# softlock-test), which can change one byte of a DATA between the wire and
# the disk: before the transfer digest sees it
# (SOFTLOCK_TEST_CORRUPT_APPLY), the digest in DONE differs and nothing is
# published; after (SOFTLOCK_TEST_CORRUPT_WRITE), only a read-back sees
# it: `mirror update --verify` publishes nothing, a plain update does.
# Each failed update leaves no .part behind and the next one is exact.
# With no fault but B's freed memory overwritten when freed, an update is
# exact: B digests nothing it has freed.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum
tap_plan 24

. ./mirror_lib.sh
[ -x "$SL_FAULTS" ] || bail_out "$SL_FAULTS (make -C user softlock-test) not found"
# VOLUME: host B running the test build, with what $SL_TMP/b/test-env says.
peer_bf() {
	echo "exec:'$ENV_B \$(cat $SL_TMP/b/test-env 2>/dev/null) $SL_FAULTS serve --stdio':$1"
}
fault() { # VAR=N, or nothing: B's fault for the next update
	echo "$@" > "$SL_TMP/b/test-env"
}
newest() { # VG: the newest PCPI of vol
	pcpis_of "$1" vol | tr ' ' '\n' | tail -n 1
}
writes() { # SEED
	random_writes /dev/$VA/vol "$1" 12 4096 $((MB * 256)) 16 "$SL_TMP/w"
}
parts_of_b() {
	lvs --noheadings -o lv_name $VB 2>/dev/null | tr -d ' ' | grep '\.part$' || true
}

assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" mirror_hosts_setup
assert "mirror init A -> B (B runs the test build)" \
	on_a softlock mirror init --name ab "$VA/vol" "$(peer_bf $VB/vol)"
assert "baseline" on_a softlock mirror update ab
assert_eq "... exact" "$(hash_of $VA/vol.sl.1)" "$(hash_of $VB/vol.sl.1)"

# --- a byte changed before the digest: DONE's digest differs ---
writes 1
fault SOFTLOCK_TEST_CORRUPT_APPLY=2
run on_a softlock mirror update ab
diag "$OUT"
assert_eq "a corrupted apply: the update fails (exit 1)" 1 "$RC"
assert_match "... saying the transfer digest differs and nothing was published" \
	"transfer digest \\(SHA-256\\) of what was applied to $VB/vol\\.sl\\.2\\.part differs from the source's: nothing was published" "$OUT"
assert_eq "... B still has only vol.sl.1" "vol.sl.1" "$(pcpis_of $VB vol)"
assert_eq "... and no .part" "" "$(parts_of_b)"
fault
assert "the next update works" on_a softlock mirror update ab
n=$(newest $VB)
assert_eq "... B publishes vol.sl.3, A's newest" "vol.sl.3" "$n"
assert_eq "... exact" "$(hash_of $VA/$n)" "$(hash_of $VB/$n)"

# --- a byte changed after the digest: only --verify reads it back ---
writes 2
fault SOFTLOCK_TEST_CORRUPT_WRITE=1
run on_a softlock mirror update --verify ab
diag "$OUT"
assert_eq "update --verify with a corrupted write fails (exit 1)" 1 "$RC"
assert_match "... the read-back names where it differs; nothing was published" \
	"reads back different bytes than the source sent at offset [0-9]+ \\([0-9]+ bytes, CRC-32C differs\\): nothing was published" "$OUT"
assert_eq "... B's newest is still vol.sl.3, no .part" "vol.sl.3 " "$(newest $VB) $(parts_of_b)"
fault
run on_a softlock mirror update --verify --json ab
assert_eq "update --verify without a fault works" 0 "$RC"
assert_match "... B read every range back" \
	"softlock: hostB: --verify: [1-9][0-9]* ranges \\([1-9][0-9]* bytes\\) of $VB/vol\\.sl\\.5\\.part read back as the source sent them" "$OUT"
assert_eq "... exact" "$(hash_of $VA/vol.sl.5)" "$(hash_of $VB/vol.sl.5)"

# --- no fault: B's freed memory overwritten at once ---
# glibc fills each freed block with 0xa5 (no per-thread cache keeps it
# intact), so B reading anything it freed changes what it digests. An
# incremental update reads its base's global id after listing the new
# .part, which frees the list the base was found in.
writes 4
fault GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.perturb=165
run on_a softlock mirror update ab
diag "$OUT"
assert_eq "an incremental update with B's freed memory overwritten works" 0 "$RC"
assert_eq "... exact" "$(hash_of $VA/vol.sl.6)" "$(hash_of $VB/vol.sl.6)"

# The fault is real: without --verify, the digest cannot see it.
writes 3
fault SOFTLOCK_TEST_CORRUPT_WRITE=1
assert "without --verify the same fault is published" on_a softlock mirror update ab
n=$(newest $VB)
assert_eq "... as vol.sl.7" "vol.sl.7" "$n"
run sh -c "[ '$(hash_of $VA/vol.sl.7)' != '$(hash_of $VB/vol.sl.7)' ]"
assert_eq "... which differs from A's" 0 "$RC"
fault
run on_a softlock mirror verify ab
assert_eq "... and mirror verify says so (exit 1)" 1 "$RC"
