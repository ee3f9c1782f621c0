#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mirror's range source (sl_ranges: thin_delta or thin_dump on the
# pool's reserved metadata snapshot) against what was really written to a
# real LVM thin volume with 64 KiB chunks: random writes before snapshot s1,
# more before s2 (the chunks they touch are recorded), a discard before s3.
# The changed ranges s1->s2 must be exactly the chunks written, and every
# chunk outside them must read the same on s1 and s2; the discard must show
# as removed; the mapped ranges of a snapshot must be the chunks written
# before it. Then the metadata snapshot's life: released after a tool or a
# parse error, never stolen from another program, recovered after a crash,
# and two runs on one pool wait for each other instead of failing.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

SL_RANGES=${SL_RANGES:-$(pwd)/sl_ranges}
sl_init lvm thin_delta thin_dump blkdiscard flock
[ -x "$SL_RANGES" ] || bail_out "$SL_RANGES not found"
tap_plan 34

VG=slrangevg
TPOOL=$VG-pool-tpool	# the thin-pool target: receives the pool messages
TMETA=/dev/mapper/$VG-pool_tmeta
VOL=/dev/mapper/$VG-vol
CHUNK=65536
CHUNKS=512		# the volume: 32 MiB
LOCK=/run/softlock/pool-$TPOOL.lock

thin_id() {
	lvs --noheadings -o thin_id "$VG/$1" | tr -d ' '
}

snap() { # NAME
	lvcreate -y -s "$VG/vol" -n "$1" >/dev/null || return 1
	lvchange -ay -K "$VG/$1" || return 1
	dmsetup mknodes
}

# Any reservation a failed step left behind goes before the VG does.
release_quietly() {
	pool_msg "$TPOOL" release_metadata_snap >/dev/null 2>&1
	return 0
}

setup() {
	make_loop 256M || return 1
	pvcreate -y "$LOOP_DEV" || return 1
	cleanup_push "vg_cleanup $VG $LOOP_DEV"
	vgcreate -y "$VG" "$LOOP_DEV" || return 1
	cleanup_push release_quietly
	cleanup_push "rm -f $LOCK"
	# -Zn: zeroing new chunks changes no mapping and only costs time.
	lvcreate -y -L 96M -c 64k -Zn -T "$VG/pool" || return 1
	lvcreate -y -V $((CHUNKS * CHUNK / 1048576))M -T "$VG/pool" -n vol ||
		return 1
	dmsetup mknodes
}

# vol_writes SEED COUNT FILE: COUNT writes of 1 to 64 sectors at random
# sectors of the volume (some straddle two chunks); the chunks they touch
# are added to FILE.
vol_writes() {
	random_writes "$VOL" "$1" "$2" 512 $((CHUNKS * CHUNK / 512)) 64 \
		"$SL_TMP/writes" || return 1
	awk '{ for (c = int($1 / 128); c <= int(($1 + $2 - 1) / 128); c++) print c }' \
		"$SL_TMP/writes" >> "$3"
	sort -n -u "$3" > "$3.sorted" && mv "$3.sorted" "$3"
}

writes_and_snap() { # SEED COUNT FILE SNAP
	vol_writes "$1" "$2" "$3" && snap "$4"
}

discard_and_snap() { # FIRST_CHUNK COUNT SNAP
	blkdiscard -o $(($1 * CHUNK)) -l $(($2 * CHUNK)) "$VOL" && snap "$3"
}

# reserve_and_release: the pool's metadata snapshot is free.
reserve_and_release() {
	pool_msg "$TPOOL" reserve_metadata_snap &&
	pool_msg "$TPOOL" release_metadata_snap
}

# hold_pool, unhold_pool: as a softlock user of the pool in the middle of
# its work, through fd 9 on the pool's lock file.
hold_pool() {
	flock -x 9 && pool_msg "$TPOOL" reserve_metadata_snap
}

unhold_pool() {
	pool_msg "$TPOOL" release_metadata_snap && flock -u 9
}

# ranges KIND < CHUNK_LIST: sl_ranges' lines for those chunks, joined.
ranges() {
	awk -v k="$1" -v c=$CHUNK '
		NR == 1 { s = e = $1; next }
		$1 == e + 1 { e = $1; next }
		{ print k, s * c, (e - s + 1) * c; s = e = $1 }
		END { if (NR) print k, s * c, (e - s + 1) * c }'
}

# chunks KIND < SL_RANGES_OUTPUT: the chunks of KIND's ranges, one a line.
chunks() {
	awk -v k="$1" -v c=$CHUNK '$1 == k {
		for (i = $2 / c; i < ($2 + $3) / c; i++) print i }'
}

# same DEV1 DEV2 FIRST COUNT: chunks FIRST.. hold the same bytes on both.
same() {
	dd if="$1" of="$SL_TMP/ra" bs=$CHUNK skip="$3" count="$4" 2>/dev/null &&
	dd if="$2" of="$SL_TMP/rb" bs=$CHUNK skip="$3" count="$4" 2>/dev/null ||
		return 2
	[ "$(wc -c < "$SL_TMP/ra")" -eq $(($4 * CHUNK)) ] || return 2
	cmp -s "$SL_TMP/ra" "$SL_TMP/rb"
}

# unreported_same DEV1 DEV2 < CHUNK_LIST: every chunk not listed reads the
# same on both (so the chunks that differ are a subset of the list).
unreported_same() {
	local from count bad=
	awk -v n=$CHUNKS 'BEGIN { p = 0 }
		{ if ($1 > p) print p, $1 - p; p = $1 + 1 }
		END { if (n > p) print p, n - p }' > "$SL_TMP/gaps"
	while read -r from count; do
		same "$1" "$2" "$from" "$count" || bad="$bad $from+$count"
	done < "$SL_TMP/gaps"
	[ -z "$bad" ] || { echo "chunks differ outside the ranges:$bad"; return 1; }
}

# all_differ DEV1 DEV2 < CHUNK_LIST: every listed chunk differs.
all_differ() {
	local c bad=
	while read -r c; do
		same "$1" "$2" "$c" 1 && bad="$bad $c"
	done
	[ -z "$bad" ] || { echo "written chunks read the same:$bad"; return 1; }
}

ranges_of() { # ARGS...: sl_ranges ARGS into OUT, status in RC
	run "$SL_RANGES" "$@"
}

# alive PID: running, not a zombie.
alive() {
	local st
	st=$(cut -d ' ' -f 3 "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# waiting_for_lock PID...: each PID is blocked in flock (see /proc/locks).
waiting_for_lock() {
	local p
	for p in "$@"; do
		grep -q -- "-> FLOCK .* $p " /proc/locks || return 1
	done
}

assert "VG with a thin pool of 64 KiB chunks and a 32 MiB volume" setup
assert_eq "the pool's chunk size" "$CHUNK" \
	"$(lvs --noheadings --units b --nosuffix -o chunk_size "$VG/pool" | tr -d ' ')"

seed1=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
seed2=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
diag "seeds $seed1 $seed2 (vol_writes SEED COUNT FILE replays them)"
: > "$SL_TMP/w1"
: > "$SL_TMP/w2"
assert "40 random writes, snapshot s1" \
	writes_and_snap "$seed1" 40 "$SL_TMP/w1" s1
assert "30 more random writes, snapshot s2" \
	writes_and_snap "$seed2" 30 "$SL_TMP/w2" s2
id1=$(thin_id s1)
id2=$(thin_id s2)
diag "s1 is thin id $id1, s2 $id2; written: $(wc -l < "$SL_TMP/w1") then $(wc -l < "$SL_TMP/w2") chunks"

assert "sl_ranges delta s1 s2" "$SL_RANGES" delta "$TPOOL" "$TMETA" "$id1" "$id2"
delta=$OUT
assert_eq "block size from thin_delta's superblock" "block_size $CHUNK" \
	"$(echo "$delta" | grep '^block_size')"
assert_eq "changed s1->s2 = the chunks written after s1" \
	"$(ranges changed < "$SL_TMP/w2")" "$(echo "$delta" | grep '^changed')"
assert_eq "nothing removed s1->s2" "" "$(echo "$delta" | grep '^removed')"
echo "$delta" | chunks changed > "$SL_TMP/reported"
assert "chunks outside the changed ranges read the same on s1 and s2" \
	unreported_same "/dev/mapper/$VG-s1" "/dev/mapper/$VG-s2" < "$SL_TMP/reported"
assert "every chunk written after s1 differs between s1 and s2" \
	all_differ "/dev/mapper/$VG-s1" "/dev/mapper/$VG-s2" < "$SL_TMP/w2"

assert "sl_ranges mapped s1" "$SL_RANGES" mapped "$TPOOL" "$TMETA" "$id1"
assert_eq "mapped s1 = the chunks written before s1" \
	"$(ranges mapped < "$SL_TMP/w1")" "$(echo "$OUT" | grep '^mapped')"
sort -n -u "$SL_TMP/w1" "$SL_TMP/w2" > "$SL_TMP/w12"
ranges_of mapped "$TPOOL" "$TMETA" "$id2"
assert_eq "mapped s2 = every chunk written" \
	"$(ranges mapped < "$SL_TMP/w12")" "$(echo "$OUT" | grep '^mapped')"

# Discard 32 chunks from the first one written: only what was mapped there
# can be unmapped.
first=$(head -n 1 "$SL_TMP/w12")
[ "$first" -gt $((CHUNKS - 32)) ] && first=$((CHUNKS - 32))
awk -v a="$first" '$1 >= a && $1 < a + 32' "$SL_TMP/w12" > "$SL_TMP/discarded"
diag "$(wc -l < "$SL_TMP/discarded") of those 32 chunks are mapped in s2"
assert "blkdiscard chunks $first-$((first + 31)) of the volume, snapshot s3" \
	discard_and_snap "$first" 32 s3
ranges_of delta "$TPOOL" "$TMETA" "$id2" "$(thin_id s3)"
assert_eq "removed s2->s3 = the mapped chunks discarded" \
	"$(ranges removed < "$SL_TMP/discarded")" "$(echo "$OUT" | grep '^removed')"
assert_eq "nothing changed s2->s3" "" "$(echo "$OUT" | grep '^changed')"

# A thin_delta that prints a malformed document, first on PATH.
mkdir -p "$SL_TMP/fake"
cat > "$SL_TMP/fake/thin_delta" <<EOF
#!/bin/sh
cat <<'XML'
<superblock data_block_size="128">
<diff left="$id1" right="$id2">
<different begin="1" length="x"/>
XML
EOF
chmod +x "$SL_TMP/fake/thin_delta"
assert_fail "malformed thin_delta output fails" \
	env PATH="$SL_TMP/fake:$PATH" "$SL_RANGES" delta "$TPOOL" "$TMETA" "$id1" "$id2"
assert_match "the error names the line" \
	'^sl_ranges: thin_delta on .*: line 3: <different>: length="x" is not a number' "$OUT"
assert "the metadata snapshot was released after the parse error" \
	reserve_and_release
ranges_of delta "$TPOOL" "$TMETA" "$id1" 16000000
assert_match "a missing thin id fails with thin_delta's reason" \
	'thin_delta failed \(exit status 1\): Unable to find mapping tree for snap2 \(16000000\)' "$OUT"
assert "the metadata snapshot was released after the tool failed" \
	reserve_and_release

# Another program's reservation (no mark in the lock file) is left alone.
assert "another program reserves the metadata snapshot" \
	pool_msg "$TPOOL" reserve_metadata_snap
ranges_of delta "$TPOOL" "$TMETA" "$id1" "$id2"
assert_match "a reservation by another program is refused, not released" \
	"^sl_ranges: pool $TPOOL: its metadata snapshot is held by another program \(.*busy\)" "$OUT"
assert "that reservation is still held (its holder releases it)" \
	pool_msg "$TPOOL" release_metadata_snap

# A softlock process that died holding the snapshot left its mark.
assert "reserve as a softlock process would, then die" \
	pool_msg "$TPOOL" reserve_metadata_snap
echo "reserved by pid 99999" > "$LOCK"
assert "a reservation left by a dead softlock process is recovered" \
	"$SL_RANGES" delta "$TPOOL" "$TMETA" "$id1" "$id2"
assert_eq "the lock file's mark is cleared" "" "$(cat "$LOCK")"

# Two runs while a third user holds the lock and the snapshot: both must
# wait in flock, then run one after the other.
exec 9>>"$LOCK"
assert "take the pool's lock and its metadata snapshot" hold_pool
"$SL_RANGES" delta "$TPOOL" "$TMETA" "$id1" "$id2" > "$SL_TMP/a.out" 2>&1 9>&- &
pa=$!
"$SL_RANGES" mapped "$TPOOL" "$TMETA" "$id1" > "$SL_TMP/b.out" 2>&1 9>&- &
pb=$!
bg_register "$pa"
bg_register "$pb"
# No sleep: poll until both wait, or one of them ended without waiting.
while ! waiting_for_lock "$pa" "$pb"; do
	if ! alive "$pa" || ! alive "$pb"; then
		break
	fi
done
assert "two concurrent runs wait for the pool's lock" waiting_for_lock "$pa" "$pb"
assert "release the snapshot and the lock" unhold_pool
exec 9>&-
wait "$pa"
ra=$?
wait "$pb"
rb=$?
assert_eq "both runs succeed, one after the other" "0 0" "$ra $rb"
assert_eq "the delta run's ranges are the same as alone" "$delta" "$(cat "$SL_TMP/a.out")"
assert_eq "the mapped run's ranges are the same as alone" \
	"$(ranges mapped < "$SL_TMP/w1")" "$(grep '^mapped' "$SL_TMP/b.out")"
assert "the metadata snapshot is free afterwards" \
	reserve_and_release
