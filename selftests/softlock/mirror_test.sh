#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The block-level mirror between two hosts in one guest: each has its own
# VG and thin pool, catalog and host name (they share the kernel, whose
# lock table is keyed by pool, and its softlock family, which lives in the
# initial network namespace only); the destination is reached through an
# exec: transport (env ... softlock serve --stdio). A baseline, incremental updates after random writes and a
# discard, each checked by the full content hash of source and destination
# PCPIs and by the bytes sent against thin_delta's own ranges; the lock
# the destination's set puts on the source; an interrupted transfer that
# resumes from its checkpoint with no half-written PCPI visible; a base
# whose fingerprint differs (nothing written); a peer that does not speak
# the protocol; two relationships on one pool at once.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

SL_RANGES=${SL_RANGES:-$(pwd)/sl_ranges}
sl_init lvm softlock sha256sum blkdiscard thin_delta thin_dump
[ -x "$SL_RANGES" ] || bail_out "$SL_RANGES not found"
tap_plan 41

VA=slma			# host A's VG: the source
VB=slmb			# host B's VG: the destination
MB=96			# the mirrored volumes
ENV_A="SOFTLOCK_HOST=hostA SOFTLOCK_DB=$SL_TMP/a/softlock.db"
ENV_B="SOFTLOCK_HOST=hostB SOFTLOCK_DB=$SL_TMP/b/softlock.db"
# shellcheck disable=SC2086
on_a() { env $ENV_A "$@"; }
peer_b() { # VOLUME: host B as a mirror endpoint seen from A
	echo "exec:'env $ENV_B softlock serve --stdio':$1"
}

# VG/LV: the full content's SHA-256 (activating it if needed), or a text
# naming the volume when it cannot be read, so two missing volumes never
# compare equal.
hash_of() {
	lvchange -ay -K "$1" >/dev/null 2>&1
	dmsetup mknodes
	sha256sum "/dev/$1" 2>/dev/null | cut -d' ' -f1 | grep . || echo "unreadable $1"
}

tags_of() {
	lvs --noheadings -o lv_tags "$1" 2>/dev/null | tr -d ' '
}

gid_of() { # VG/LV: its global id tag, or a text naming it if it has none
	tags_of "$1" | tr ',' '\n' | sed -n 's/^sl\.gid\.//p' | grep . ||
		echo "no gid on $1"
}

json_num() { # KEY JSON: a number field of the helper's --json "done" line
	printf '%s\n' "$2" | grep '"event":"done"' |
		sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p"
}

thin_id() {
	lvs --noheadings -o thin_id "$1" | tr -d ' '
}

# The byte total of sl_ranges lines of KIND: thin_delta's own view.
ranges_total() { # KIND ARGS...
	local kind=$1
	shift
	"$SL_RANGES" "$@" | awk -v k="$kind" '$1 == k { t += $3 } END { print t + 0 }'
}

setup() {
	local pv
	mkdir -p "$SL_TMP/a" "$SL_TMP/b" || return 1
	for vg in $VA $VB; do
		make_loop 700M || return 1
		pv=$LOOP_DEV
		pvcreate -y "$pv" >/dev/null || return 1
		cleanup_push "vg_cleanup $vg $pv"
		vgcreate -y "$vg" "$pv" >/dev/null || return 1
		lvcreate -y -L 600M -T "$vg/pool" >/dev/null || return 1
	done
	lvcreate -y -V ${MB}M -T "$VA/pool" -n vol >/dev/null || return 1
	lvcreate -y -V ${MB}M -T "$VA/pool" -n vol2 >/dev/null || return 1
	dmsetup mknodes
	# Half the volume written: a baseline must send only that.
	dd if=/dev/urandom of=/dev/$VA/vol bs=1M count=$((MB / 2)) conv=fsync 2>/dev/null &&
		dd if=/dev/urandom of=/dev/$VA/vol2 bs=1M count=8 conv=fsync 2>/dev/null
}

assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" setup

# --- the relationship ---
assert "mirror init $VA/vol -> B" on_a softlock mirror init --name ab "$VA/vol" "$(peer_b $VB/vol)"
assert_fail "mirror init refuses a name in use" on_a softlock mirror init --name ab "$VA/vol" "$(peer_b $VB/x)"
assert_match "... saying so" "exists already" "$OUT"

# --- baseline ---
assert "baseline update" on_a softlock mirror update ab --json
J=$OUT
assert_eq "B published vol.sl.1 under A's global id" "$(gid_of $VA/vol.sl.1)" "$(gid_of $VB/vol.sl.1)"
assert_match "B's PCPI is read-only" "^ *.r" "$(lvs --noheadings -o lv_attr $VB/vol.sl.1)"
assert_eq "baseline: B's content equals A's snapshot" "$(hash_of $VA/vol.sl.1)" "$(hash_of $VB/vol.sl.1)"
mapped=$(ranges_total mapped mapped $VA-pool-tpool /dev/mapper/$VA-pool_tmeta "$(thin_id $VA/vol.sl.1)")
assert_eq "baseline sent exactly the mapped data ($mapped bytes)" "$mapped" "$(json_num data_bytes "$J")"
run on_a softlock check $VA/vol.sl.1
assert_eq "A: vol.sl.1 is locked by B's set" 1 "$RC"
assert_match "... naming hostB's volume" "hostB:$VB/vol" "$OUT"

# --- incremental after random writes ---
random_writes /dev/$VA/vol 7 60 4096 $((MB * 256)) 64 "$SL_TMP/writes"
assert "incremental update after random writes" on_a softlock mirror update ab --json
J=$OUT
assert_eq "incremental: B's vol.sl.2 equals A's" "$(hash_of $VA/vol.sl.2)" "$(hash_of $VB/vol.sl.2)"
changed=$(ranges_total changed delta $VA-pool-tpool /dev/mapper/$VA-pool_tmeta \
	"$(thin_id $VA/vol.sl.1)" "$(thin_id $VA/vol.sl.2)")
sent=$(json_num data_bytes "$J")
wire=$(json_num wire_bytes "$J")
diag "changed chunks: $changed bytes; DATA sent: $sent; on the wire: $wire"
assert_eq "DATA bytes equal thin_delta's changed chunks" "$changed" "$sent"
assert "bytes on the wire within 2% of the changed chunks" \
	test "$changed" -gt 0 -a "$wire" -ge "$changed" -a "$((wire * 100))" -le "$((changed * 102))"
run on_a softlock check $VA/vol.sl.1
assert_eq "A: vol.sl.1 is free once B's base moved to vol.sl.2" 0 "$RC"
run on_a softlock check $VA/vol.sl.2
assert_eq "A: vol.sl.2 is locked now" 1 "$RC"
assert_fail "A: lvremove of the locked base is refused" lvremove -y $VA/vol.sl.2
assert "A: lvremove of the old base works" lvremove -y $VA/vol.sl.1

# --- a discard ---
blkdiscard -o $((8 << 20)) -l $((4 << 20)) /dev/$VA/vol
assert "update after a discard" on_a softlock mirror update ab --json
J=$OUT
assert "the discard was sent" test "$(json_num discard_bytes "$J")" -gt 0
assert_eq "B's vol.sl.3 equals A's" "$(hash_of $VA/vol.sl.3)" "$(hash_of $VB/vol.sl.3)"
assert_eq "B's vol.sl.2 was left as it was" "$(hash_of $VA/vol.sl.2)" "$(hash_of $VB/vol.sl.2)"

# --- a transfer killed half way resumes from its checkpoint ---
dd if=/dev/urandom of=/dev/$VA/vol bs=1M seek=4 count=40 conv=fsync 2>/dev/null
run on_a env SOFTLOCK_TEST_KILL_AFTER_DATA=4 SOFTLOCK_CHECKPOINT_BYTES=4194304 \
	softlock mirror update ab
assert_eq "the source was killed after its 4th DATA frame" 137 "$RC"
assert "B holds vol.sl.4.part, not yet a PCPI" lvs $VB/vol.sl.4.part
assert_fail "... and no vol.sl.4" lvs $VB/vol.sl.4
assert_eq "B's newest PCPI is still complete" "$(hash_of $VA/vol.sl.3)" "$(hash_of $VB/vol.sl.3)"
assert "the next update resumes" on_a softlock mirror update ab --json
J=$OUT
assert "... from the checkpoint, not from 0" test "$(json_num resume_offset "$J")" -gt 0
assert_eq "... and B's vol.sl.4 equals A's" "$(hash_of $VA/vol.sl.4)" "$(hash_of $VB/vol.sl.4)"
assert_fail "... with no .part left" lvs $VB/vol.sl.4.part

# --- a base that is not the same PCPI: refused before anything is written ---
fp=$(tags_of $VB/vol.sl.4 | tr ',' '\n' | grep '^sl\.fp\.')
lvchange --deltag "$fp" --addtag "sl.fp.$(printf '%064d' 0)" $VB/vol.sl.4 >/dev/null
dd if=/dev/urandom of=/dev/$VA/vol bs=1M count=1 conv=fsync 2>/dev/null
assert_fail "an update on a base with another fingerprint fails" on_a softlock mirror update ab
assert_match "... saying why" "different fingerprint" "$OUT"
run lvs --noheadings -o lv_name $VB
assert_no_match "... and nothing was written on B" "\.part" "$OUT"
assert_fail "... and A dropped the snapshot it took for it" lvs $VA/vol.sl.5
lvchange --deltag "sl.fp.$(printf '%064d' 0)" --addtag "$fp" $VB/vol.sl.4 >/dev/null

# --- a peer that does not speak the protocol ---
on_a softlock mirror init --name bad "$VA/vol" "exec:'echo Welcome to the server':$VB/x" >/dev/null
assert_fail "a peer that is not softlock serve fails the update" on_a softlock mirror update bad
assert_match "... with a clear message" "does not speak the softlock protocol" "$OUT"

# --- two relationships on one pool at once: they wait, never collide ---
on_a softlock mirror init --name ab2 "$VA/vol2" "$(peer_b $VB/vol2)" >/dev/null
on_a softlock mirror update ab > "$SL_TMP/u1" 2>&1 &
p1=$!
on_a softlock mirror update ab2 > "$SL_TMP/u2" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
assert_eq "two concurrent updates on one pool both succeed" "0 0" "$r1 $r2"
[ "$r1 $r2" = "0 0" ] || diag "$(cat "$SL_TMP/u1" "$SL_TMP/u2")"
assert_eq "... and each destination equals its source" \
	"$(hash_of $VA/vol.sl.5) $(hash_of $VA/vol2.sl.1)" \
	"$(hash_of $VB/vol.sl.5) $(hash_of $VB/vol2.sl.1)"
run on_a softlock mirror status --json
assert_match "mirror status reports both relationships" '"name":"ab".*"name":"ab2"' "$OUT"
