#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mirror's data path (sl_apply) on real LVM thin volumes: a baseline
# copy of the mapped ranges of snapshot s1 (sl_ranges mapped) to an empty
# thin volume in another pool must make it equal to s1; then, after random
# writes and a discard on the source and snapshot s2, applying the delta
# s1->s2 (sl_ranges delta) to a writable snapshot of that destination must
# make it equal to s2 byte for byte, copying exactly the changed ranges and
# leaving the baseline untouched.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

SL_RANGES=${SL_RANGES:-$(pwd)/sl_ranges}
SL_APPLY=${SL_APPLY:-$(pwd)/sl_apply}
sl_init lvm thin_delta thin_dump blkdiscard
[ -x "$SL_RANGES" ] || bail_out "$SL_RANGES not found"
[ -x "$SL_APPLY" ] || bail_out "$SL_APPLY not found"
tap_plan 20

VG=slapplyvg
TPOOL=$VG-pool-tpool	# the source pool's thin-pool target
TMETA=/dev/mapper/$VG-pool_tmeta
SRC=/dev/mapper/$VG-src
MB=32			# source and destination volumes: 32 MiB

thin_id() {
	lvs --noheadings -o thin_id "$VG/$1" | tr -d ' '
}

snap() { # ORIGIN NAME: a snapshot, activated (-K: skip-activation is set)
	lvcreate -y -s "$VG/$1" -n "$2" >/dev/null || return 1
	lvchange -ay -K "$VG/$2" || return 1
	dmsetup mknodes
}

# The source volume in make_thin_vg's pool; the destination in a pool of
# its own, as on another host.
setup() {
	make_thin_vg "$VG" || return 1
	lvcreate -y -V ${MB}M -T "$VG/pool" -n src || return 1
	lvcreate -y -L 64M -T "$VG/dpool" || return 1
	lvcreate -y -V ${MB}M -T "$VG/dpool" -n dst || return 1
	dmsetup mknodes
}

# src_writes SEED COUNT: COUNT writes of 1 to 32 random 4 KiB blocks.
src_writes() {
	random_writes "$SRC" "$1" "$2" 4096 $((MB * 256)) 32 "$SL_TMP/writes"
}

# 4 MiB at 4 MiB (so the later discard unmaps something), then scattered.
first_writes() {
	dd if=/dev/urandom of="$SRC" bs=1M seek=4 count=4 conv=notrunc,fsync \
		2>/dev/null && src_writes "$1" 40
}

# A discard of 1 MiB inside the contiguous write, after more writes.
second_writes() {
	src_writes "$1" 30 &&
	blkdiscard -o $((5 * 1048576)) -l 1048576 "$SRC"
}

# same DEV1 DEV2: whole devices read the same, caches dropped first.
same() {
	blockdev --flushbufs "$1" "$2" 2>/dev/null
	echo 3 > /proc/sys/vm/drop_caches 2>/dev/null
	[ "$(blockdev --getsize64 "$1")" = "$(blockdev --getsize64 "$2")" ] ||
		{ echo "sizes differ"; return 1; }
	cmp "$1" "$2"
}

sum() { # KIND < SL_RANGES_OUTPUT: the bytes of KIND's ranges
	awk -v k="$1" '$1 == k { s += $3 } END { printf "%.0f\n", s }'
}

apply() { # RANGES_FILE SRC DST: sl_apply, its stdout in OUT
	"$SL_APPLY" "$2" "$3" < "$1"
}

# Regular files on the guest's RAM file system, which refuses O_DIRECT
# before 6.6: the buffered fallback must copy the same.
file_copy() {
	dd if=/dev/urandom of="$SL_TMP/fsrc" bs=65536 count=32 2>/dev/null &&
	truncate -s 2M "$SL_TMP/fdst" &&
	echo "changed 0 2097152" > "$SL_TMP/franges" &&
	apply "$SL_TMP/franges" "$SL_TMP/fsrc" "$SL_TMP/fdst" &&
	cmp "$SL_TMP/fsrc" "$SL_TMP/fdst"
}

assert "VG, source volume, destination volume in a second pool" setup
seed1=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
seed2=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
diag "seeds $seed1 $seed2"
assert "random data on the source" first_writes "$seed1"
assert "snapshot s1" snap src s1
id1=$(thin_id s1)

# Baseline: every mapped range of s1.
assert "sl_ranges mapped s1" "$SL_RANGES" mapped "$TPOOL" "$TMETA" "$id1"
echo "$OUT" > "$SL_TMP/mapped"
mapped=$(sum mapped < "$SL_TMP/mapped")
diag "s1 maps $mapped bytes in $(grep -c '^mapped' "$SL_TMP/mapped") ranges"
assert "sl_apply the baseline s1 -> dst" \
	apply "$SL_TMP/mapped" "/dev/mapper/$VG-s1" "/dev/mapper/$VG-dst"
assert_eq "baseline: copied = the mapped bytes, nothing discarded" \
	"copied $mapped discarded 0" "$OUT"
assert "dst equals s1 byte for byte" \
	same "/dev/mapper/$VG-s1" "/dev/mapper/$VG-dst"

# Incremental: the delta s1 -> s2 onto a writable snapshot of dst.
assert "random writes and a discard on the source" second_writes "$seed2"
assert "snapshot s2" snap src s2
id2=$(thin_id s2)
assert "writable snapshot dsnap of the destination" snap dst dsnap
assert "sl_ranges delta s1 s2" "$SL_RANGES" delta "$TPOOL" "$TMETA" "$id1" "$id2"
echo "$OUT" > "$SL_TMP/delta"
changed=$(sum changed < "$SL_TMP/delta")
removed=$(sum removed < "$SL_TMP/delta")
diag "delta: $changed bytes changed, $removed removed"
assert_eq "the discard shows as 1 MiB removed" 1048576 "$removed"
assert "sl_apply the delta s2 -> dsnap" \
	apply "$SL_TMP/delta" "/dev/mapper/$VG-s2" "/dev/mapper/$VG-dsnap"
assert_eq "copied = the changed bytes, discarded = the removed bytes" \
	"copied $changed discarded $removed" "$(echo "$OUT" | grep '^copied')"
assert_no_match "thin volumes discard (no BLKZEROOUT fallback)" \
	'BLKZEROOUT' "$OUT"
assert "dsnap equals s2 byte for byte" \
	same "/dev/mapper/$VG-s2" "/dev/mapper/$VG-dsnap"
assert "the baseline dst still equals s1" \
	same "/dev/mapper/$VG-s1" "/dev/mapper/$VG-dst"
assert_fail "a missing destination fails" \
	apply "$SL_TMP/delta" "/dev/mapper/$VG-s2" "/dev/mapper/$VG-nosuch"
assert_match "the error names the device and the reason" \
	"^sl_apply: cannot open /dev/mapper/$VG-nosuch for writing: No such file or directory" "$OUT"
assert "sl_apply between regular files in RAM (buffered if O_DIRECT is refused)" \
	file_copy
