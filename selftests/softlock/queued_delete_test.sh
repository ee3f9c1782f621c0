#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A delete that LVM queues against a held thin id. A hold without a pin
# (here a raw hold on an LVM pool; after boot, the sealed window) leaves
# only the kernel's guard: lvremove commits its metadata, then the pool
# refuses the delete message, and every later change to the pool fails.
# `softlock verify` must find it, name the thin id, and print steps that
# work: copy the data out, release, let LVM finish the delete.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock sqlite3 sha256sum
tap_plan 17

VG=slqdvg
TPOOL=$VG-pool-tpool
export SOFTLOCK_DB=$SL_TMP/softlock.db

assert "insmod softlock" sl_load
setup() {
	make_thin_vg "$VG" && dmsetup mknodes &&
	dd if=/dev/urandom of="/dev/mapper/$VG-thin" bs=1M count=8 conv=fsync 2>/dev/null &&
	lvcreate -y -s "$VG/thin" -n snap
}
assert "VG with a thin volume and an (inactive) snapshot" setup || bail_out "no LVM"
ID=$(lvs --noheadings -o thin_id "$VG/snap" | tr -d ' ')
SECTORS=$(($(lvs --noheadings --units b --nosuffix -o lv_size "$VG/thin" | tr -d ' ') / 512))
SUM=$(sha256sum < "/dev/mapper/$VG-thin" | cut -d' ' -f1)

run softlock hold --pool "/dev/mapper/$TPOOL" --id "$ID" --type owner --text keep
assert_eq "a raw hold on the LVM pool's thin id (no pin)" 0 "$RC" || diag "$OUT"
run softlock verify
assert_eq "verify: nothing queued yet" 0 "$RC" || diag "$OUT"

run lvremove -y "$VG/snap"
assert_eq "lvremove fails: the kernel refused the delete" 1 "$([ "$RC" != 0 ] && echo 1)"
run lvcreate -y -s "$VG/thin" -n snap2
assert_eq "... and the pool refuses further changes (the queued delete)" 1 "$([ "$RC" != 0 ] && echo 1)"
run softlock mirror init --name q "$VG/thin" "$VG/copy"
assert_eq "a mirror of a volume in that pool" 0 "$RC" || diag "$OUT"
run softlock mirror update q
assert_match "... its update fails, and says why and to run 'softlock verify'" \
	"LVM has a change to pool $VG/pool queued that the kernel refused \\(LVM transaction [0-9]+, kernel [0-9]+\\).*run 'softlock verify'" "$OUT"

run softlock verify
assert_eq "verify exits 1" 1 "$RC"
assert_match "verify names the queued delete and the thin id" \
	"^queued delete: LVM removed .* \\(thin id $ID of $VG/pool\\) .*LVM transaction ([0-9]+), kernel ([0-9]+)" "$OUT"
assert_match "... the holder" "held by owner \"keep\"" "$OUT"
assert_match "... how to copy the data out" \
	"dmsetup create sl-keep-$ID --readonly --table \"0 SECTORS thin /dev/mapper/$TPOOL $ID\"" "$OUT"
assert_match "... and how to let LVM finish" \
	"softlock release --pool /dev/mapper/$TPOOL --id $ID --all" "$OUT"

# Follow the steps, SECTORS filled in.
copy_out() {
	local sum
	dmsetup create "sl-keep-$ID" --readonly --table "0 $SECTORS thin /dev/mapper/$TPOOL $ID" ||
		return 1
	sum=$(sha256sum < "/dev/mapper/sl-keep-$ID" | cut -d' ' -f1)
	dmsetup remove "sl-keep-$ID"
	[ "$sum" = "$SUM" ]
}
assert "step 1: the copied-out data is the snapshot's" copy_out
assert "step 2: softlock release as printed" \
	softlock release --pool "/dev/mapper/$TPOOL" --id "$ID" --all
assert "step 3: lvchange --refresh delivers the queued delete" lvchange --refresh "$VG/pool"
run softlock verify
assert_eq "verify is clean again, and the pool takes changes" "0 0" \
	"$RC $(lvcreate -y -s "$VG/thin" -n snap2 >/dev/null 2>&1; echo $?)"
