#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The block-level mirror between two hosts in one guest (mirror_lib.sh):
# a baseline, incremental updates after random writes and a discard,
# each checked by the full content hash of source and destination
# PCPIs and by the bytes sent against thin_delta's own ranges; the lock
# the destination's set puts on the source; an interrupted transfer that
# resumes from its checkpoint with no half-written PCPI visible, then the
# destination killed and the source killed again, converging; a base
# whose fingerprint differs (nothing written); a peer that does not speak
# the protocol; a corrupted frame, then a retry; two relationships on one
# pool at once; pull mode; both volumes on one host.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum blkdiscard thin_delta thin_dump
. ./mirror_lib.sh
[ -x "$SL_RANGES" ] || bail_out "$SL_RANGES not found"
tap_plan 65

assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" mirror_hosts_setup

# --- the relationship ---
assert "mirror init $VA/vol -> B" on_a softlock mirror init --name ab "$VA/vol" "$(peer_b $VB/vol)"
# B removes what A removes only by its own choice (the default keeps all).
assert "B: mirror init ab --follow-source-deletions yes" \
	on_b softlock mirror init --follow-source-deletions yes --name ab "$(peer_a $VA/vol)" "$VB/vol"
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
assert "incremental update after random writes" on_a \
	env SOFTLOCK_TRACE_COMMANDS="$SL_TMP/commands" softlock mirror update ab --json
J=$OUT
# Each process an update starts (an LVM command costs 0.3-1 s under TCG)
# is its fixed cost: both ends' children, as the trace lists them.
diag "an incremental update started $(wc -l < "$SL_TMP/commands") processes, $(grep -c ' lvm\| lv[a-z]* \| vg[a-z]* ' "$SL_TMP/commands") of them LVM:"
diag "$(cut -d' ' -f2- "$SL_TMP/commands")"
assert "an incremental update starts at most 9 processes on both ends" \
	test "$(wc -l < "$SL_TMP/commands")" -le 9
assert_eq "incremental: B's vol.sl.2 equals A's" "$(hash_of $VA/vol.sl.2)" "$(hash_of $VB/vol.sl.2)"
changed=$(ranges_total changed delta $VA-pool-tpool /dev/mapper/$VA-pool_tmeta \
	"$(thin_id $VA/vol.sl.1)" "$(thin_id $VA/vol.sl.2)")
sent=$(json_num data_bytes "$J")
wire=$(json_num wire_bytes "$J")
diag "changed chunks: $changed bytes; DATA sent: $sent; on the wire: $wire"
assert_eq "DATA bytes equal thin_delta's changed chunks" "$changed" "$sent"
assert_match "--json prints progress lines, the last one complete" \
	"\"event\":\"progress\".*\"bytes_done\":$changed,\"bytes_total\":$changed,.*\"final\":true" "$J"
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

# What a resumed update really sent is counted on B's stdin, the pipe
# from A, by a tee that B's command line starts (through test-env, see
# peer_b), rather than taken from the helper's own resume_offset or
# wire_bytes. COUNT_IN FILE CMD... copies its stdin to FILE and to CMD
# and makes FILE.done once the copy is whole. CMD is what A waits for,
# with A's pipe as its only other end: A sees EOF when CMD exits, then
# closes its side, which ends tee. Nothing else may keep A's pipe open
# (a shell waiting on "tee | CMD" would, and A would wait for the peer
# until its timeout); an asynchronous list reads /dev/null unless told
# otherwise, hence fd 3.
COUNT_IN=$SL_TMP/count_in
cat > "$COUNT_IN" <<'EOF'
#!/bin/sh
f=$1
shift
rm -f "$f.fifo" "$f.done" && mkfifo "$f.fifo" || exit 1
exec 3<&0
{ tee "$f" > "$f.fifo"; : > "$f.done"; } <&3 3<&- >/dev/null &
exec "$@" < "$f.fifo" 3<&-
EOF
chmod +x "$COUNT_IN"
# resumed_update BASE NEW: update ab, which must resume the transfer of
# A's NEW over BASE from a checkpoint (RC, OUT and J are the update's).
# Its status says whether what crossed the pipe was less than the whole
# change thin_delta reports, and about (2% + 64 KiB for frames and the
# handshake) its part past the resume offset.
resumed_update() {
	local ranges full rest sent resume i
	echo "$COUNT_IN $SL_TMP/b.in" > "$SL_TMP/b/test-env"
	run on_a softlock mirror update ab --json
	rm -f "$SL_TMP/b/test-env"
	J=$OUT
	resume=$(json_num resume_offset "$J")
	ranges=$("$SL_RANGES" delta $VA-pool-tpool /dev/mapper/$VA-pool_tmeta \
		"$(thin_id $VA/$1)" "$(thin_id $VA/$2)")
	full=$(echo "$ranges" | awk '$1 == "changed" { t += $3 } END { print t + 0 }')
	rest=$(echo "$ranges" | awk -v r="${resume:-0}" '$1 == "changed" && $2 + $3 > r {
		t += $2 + $3 - ($2 > r ? $2 : r) } END { print t + 0 }')
	# tee ends when A closes the pipe, before A returns: a moment at most.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -e "$SL_TMP/b.in.done" ] && break
		sleep 1
	done
	sent=$(wc -c < "$SL_TMP/b.in" 2>/dev/null || echo 0)
	[ -e "$SL_TMP/b.in.done" ] || sent=0
	rm -f "$SL_TMP/b.in" "$SL_TMP/b.in.fifo" "$SL_TMP/b.in.done"
	diag "$2: changed $full bytes in all, $rest past resume_offset $resume; the pipe A -> B carried $sent"
	[ "$RC" = 0 ] && [ "${resume:-0}" -gt 0 ] && [ "$full" -gt 0 ] && [ "$sent" -gt 0 ] &&
		[ "$sent" -lt "$full" ] && [ "$sent" -ge "$rest" ] &&
		[ "$sent" -le $((rest + rest / 50 + 65536)) ]
}

# --- a transfer killed half way resumes from its checkpoint ---
dd if=/dev/urandom of=/dev/$VA/vol bs=1M seek=4 count=24 conv=fsync 2>/dev/null
run on_a env SOFTLOCK_TEST_KILL_AFTER_DATA=4 SOFTLOCK_CHECKPOINT_BYTES=4194304 \
	"$SL_FAULTS" mirror update ab
assert_eq "the source was killed after its 4th DATA frame" 137 "$RC"
assert "B holds vol.sl.4.part, not yet a PCPI" lvs $VB/vol.sl.4.part
assert_fail "... and no vol.sl.4" lvs $VB/vol.sl.4
assert_eq "B's newest PCPI is still complete" "$(hash_of $VA/vol.sl.3)" "$(hash_of $VB/vol.sl.3)"
resumed_update vol.sl.3 vol.sl.4
RC2=$?
assert_eq "the next update resumes" 0 "$RC"
[ "$RC" = 0 ] || diag "$OUT"
assert "... from the checkpoint, not from 0" test "$(json_num resume_offset "$J")" -gt 0
assert "... and sent less than the change, about what was past the checkpoint" test "$RC2" = 0
assert_eq "... and B's vol.sl.4 equals A's" "$(hash_of $VA/vol.sl.4)" "$(hash_of $VB/vol.sl.4)"
assert_fail "... with no .part left" lvs $VB/vol.sl.4.part

# --- the destination killed half way, then the source at its first DATA ---
dd if=/dev/urandom of=/dev/$VA/vol bs=1M seek=4 count=24 conv=fsync 2>/dev/null
fault_b SOFTLOCK_TEST_KILL_AFTER_DATA=4
run on_a env SOFTLOCK_CHECKPOINT_BYTES=4194304 softlock mirror update ab
fault_b
assert_eq "the destination killed after its 4th DATA frame fails the update" 1 "$RC"
assert "B holds vol.sl.5.part, not yet a PCPI" lvs $VB/vol.sl.5.part
run on_a env SOFTLOCK_TEST_KILL_AFTER_DATA=1 "$SL_FAULTS" mirror update ab
assert_eq "then the source is killed at its first DATA frame" 137 "$RC"
resumed_update vol.sl.4 vol.sl.5
RC2=$?
assert_eq "the next update converges" 0 "$RC"
[ "$RC" = 0 ] || diag "$OUT"
assert "... resuming from B's checkpoint" test "$(json_num resume_offset "$J")" -gt 0
assert "... and sent less than the change, about what was past the checkpoint" test "$RC2" = 0
assert_eq "... and B's vol.sl.5 equals A's" "$(hash_of $VA/vol.sl.5)" "$(hash_of $VB/vol.sl.5)"
assert_fail "... with no .part left" lvs $VB/vol.sl.5.part

# --- a base that is not the same PCPI: refused before anything is written ---
fp=$(tags_of $VB/vol.sl.5 | tr ',' '\n' | grep '^sl\.fp\.')
lvchange --deltag "$fp" --addtag "sl.fp.$(printf '%064d' 0)" $VB/vol.sl.5 >/dev/null
dd if=/dev/urandom of=/dev/$VA/vol bs=1M count=1 conv=fsync 2>/dev/null
assert_fail "an update on a base with another fingerprint fails" on_a softlock mirror update ab
assert_match "... saying why" "different fingerprint" "$OUT"
run lvs --noheadings -o lv_name $VB
assert_no_match "... and nothing was written on B" "\.part" "$OUT"
assert_fail "... and A dropped the snapshot it took for it" lvs $VA/vol.sl.6
lvchange --deltag "sl.fp.$(printf '%064d' 0)" --addtag "$fp" $VB/vol.sl.5 >/dev/null

# --- a peer that does not speak the protocol ---
on_a softlock mirror init --name bad "$VA/vol" "exec:'echo Welcome to the server':$VB/x" >/dev/null
assert_fail "a peer that is not softlock serve fails the update" on_a softlock mirror update bad
assert_match "... with a clear message" "does not speak the softlock protocol" "$OUT"

# --- a frame corrupted on the way: the session ends, nothing is published ---
dd if=/dev/urandom of=/dev/$VA/vol bs=1M seek=16 count=12 conv=fsync 2>/dev/null
run on_a env SOFTLOCK_TEST_CORRUPT_FRAME=6 "$SL_FAULTS" mirror update ab
assert_eq "a corrupted DATA frame fails the update" 1 "$RC"
assert_match "... with B's reason" "hostB: crc mismatch" "$OUT"
assert_eq "... and B published nothing new" "vol.sl.2 vol.sl.3 vol.sl.4 vol.sl.5" "$(pcpis_of $VB vol)"
assert "a retry succeeds" on_a softlock mirror update ab
assert_eq "... and B's vol.sl.6 equals A's" "$(hash_of $VA/vol.sl.6)" "$(hash_of $VB/vol.sl.6)"

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
	"$(hash_of $VA/vol.sl.7) $(hash_of $VA/vol2.sl.1)" \
	"$(hash_of $VB/vol.sl.7) $(hash_of $VB/vol2.sl.1)"
run on_a softlock mirror status --json
assert_match "mirror status reports both relationships" '"name":"ab".*"name":"ab2"' "$OUT"

# --- pull: the destination runs the update ---
assert "pull: mirror init on B, source on A" on_b softlock mirror init --name pull "$(peer_a $VA/vol2)" "$VB/pulled"
assert "pull: B runs the update" on_b softlock mirror update pull
assert_eq "pull: B's pulled.sl.2 equals A's vol2.sl.2" "$(hash_of $VA/vol2.sl.2)" "$(hash_of $VB/pulled.sl.2)"
run on_a softlock check $VA/vol2.sl.2
assert_eq "pull: A holds vol2.sl.2 for B" 1 "$RC"

# --- both volumes on this host: the helper is its own peer ---
assert "local: mirror init with two local volumes" on_a softlock mirror init --name local "$VA/vol2" "$VB/copy"
assert "local: update" on_a softlock mirror update local
assert_eq "local: copy.sl.3 equals vol2.sl.3" "$(hash_of $VA/vol2.sl.3)" "$(hash_of $VB/copy.sl.3)"
