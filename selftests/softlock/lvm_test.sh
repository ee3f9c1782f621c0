#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real LVM on a loop PV. A pinned lock (the snapshot active and held open
# by softlock) makes lvremove, lvremove -f and lvremove -ff refuse before
# LVM commits anything; the pool still deactivates and reactivates. A lock without a pin is only backed by the guard:
# lvremove's delete message is refused by the kernel; what LVM leaves
# behind is recorded (DESIGN.md section 3), and the snapshot's data must
# still be in the pool.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm thin_ls yes
tap_plan 44

VG=sltestvg
TPOOL=$VG-pool-tpool	# the thin-pool target: receives the pool messages

lvm_tid() {
	lvs --noheadings -o transaction_id "$VG/pool" | tr -d ' '
}

k_tid() {
	pool_tid "$TPOOL"
}

lv_listed() { # NAME: in plain `lvs VG`
	lvs --noheadings -o lv_name "$VG" | tr -d ' ' | grep -qx "$1"
}

# thin ids in the pool's metadata (the kernel's view) and in LVM's
kernel_thin_ids() {
	pool_msg "$TPOOL" reserve_metadata_snap >/dev/null || return 1
	thin_ls --no-headers -o DEV --metadata-snap "/dev/mapper/$VG-pool_tmeta" |
		tr -d ' ' | grep -v '^$' | sort -n | tr '\n' ' '
	pool_msg "$TPOOL" release_metadata_snap >/dev/null
}

lvm_thin_ids() {
	lvs -a --noheadings -o thin_id "$VG" | tr -d ' ' | grep -v '^$' |
		sort -n | tr '\n' ' '
}

thin_id_of() {
	lvs --noheadings -o thin_id "$VG/$1" | tr -d ' '
}

# lvremove answering "y" to any prompt: a refusal is then LVM's or the
# kernel's, never the answer's.
lvremove_yes() {
	yes | lvremove "$@"
}

assert "insmod softlock" sl_load

setup() {
	make_thin_vg "$VG" || return 1
	dmsetup mknodes
	write_pattern "$SL_TMP/A" || return 1
	dev_write "/dev/mapper/$VG-thin" "$SL_TMP/A" || return 1
	lvcreate -y -s "$VG/thin" -n snap || return 1
	lvchange -ay -K "$VG/snap" || return 1
	dmsetup mknodes
	# The origin moves on after the snapshot.
	write_pattern "$SL_TMP/B" || return 1
	dev_write "/dev/mapper/$VG-thin" "$SL_TMP/B"
}
assert "VG $VG: thin pool, thin LV with data, snapshot snap activated (-K)" setup
diag "$(lvs -a -o lv_name,lv_attr,pool_lv,origin,thin_id,transaction_id "$VG" 2>&1)"

uuid=$(dmsetup info -c --noheadings -o uuid "$TPOOL" | tr -d ' ')
snap_id=$(thin_id_of snap)
snap_dev=$(dm_devno "$VG-snap")
diag "pool $TPOOL uuid $uuid, snap thin id $snap_id, device $snap_dev"
identify() {
	case $uuid in LVM-*-tpool) ;; *) return 1 ;; esac
	[ -n "$snap_id" ] && [ "$snap_id" -ge 0 ] && [ -n "$snap_dev" ]
}
assert "pool uuid (LVM-...-tpool), snapshot thin id and device found" identify
assert "snapshot holds the data written before it was taken" \
	dev_matches "/dev/mapper/$VG-snap" "$SL_TMP/A"

# ---- pinned lock: LVM refuses before committing
assert "sl_ctl add <uuid> $snap_id $SL_TYPE $SL_TEXT -p $snap_dev -u <snap's uuid>" \
	slctl add "$uuid" "$snap_id" "$SL_TYPE" "$SL_TEXT" -p "$snap_dev" \
	-u "$(dm_uuid "$VG-snap")"
run slctl dump -P "$uuid"
assert_match "sl_ctl dump shows the lock pinned" \
	"^$uuid${TAB}$snap_id${TAB}$SL_TYPE${TAB}local${TAB}[0-9]+${TAB}1${TAB}$SL_TEXT\$" "$OUT"
assert_eq "the snapshot's device is held open once (the pin)" 1 \
	"$(dm_open_count "$VG-snap")"

tid0_lvm=$(lvm_tid)
tid0_k=$(k_tid)
diag "transaction ids before lvremove: LVM $tid0_lvm, kernel $tid0_k"
for args in "" "-f" "-ff"; do
	kmsg_mark
	# shellcheck disable=SC2086
	run lvremove_yes $args "$VG/snap"
	rc=$RC out=$OUT
	cmd="lvremove${args:+ $args} $VG/snap"
	log=$(dmesg_since_mark | grep 'softlock: pool')
	if [ "$rc" -ne 0 ]; then
		tap_ok "pinned: $cmd fails (exit $rc)"
	else
		tap_fail "pinned: $cmd fails"
	fi
	diag "$cmd: exit $rc: $out"
	if [ -n "$log" ]; then
		diag "the guard refused the delete message: $log"
	else
		diag "no delete message reached the pool (LVM refused by itself)"
	fi
	if lv_listed snap; then
		tap_ok "pinned: snap still listed by lvs after $cmd"
	else
		tap_fail "pinned: snap still listed by lvs after $cmd"
	fi
	assert_eq "pinned: transaction ids unchanged (LVM, kernel) after $cmd" \
		"$tid0_lvm $tid0_k" "$(lvm_tid) $(k_tid)"
done

cycle_thin() {
	lvchange -an "$VG/thin" && lvchange -ay "$VG/thin" && dmsetup mknodes &&
		dev_matches "/dev/mapper/$VG-thin" "$SL_TMP/B"
}
assert "other LVs of the pool: lvchange -an/-ay $VG/thin, data intact" cycle_thin
assert "the pinned snapshot still holds its data" \
	dev_matches "/dev/mapper/$VG-snap" "$SL_TMP/A"

# The pool itself deactivates and reactivates with the lock held. The pin
# goes first (an open snapshot keeps its pool active) and comes back after:
# the lock is keyed by the pool's DM uuid, which reactivation keeps.
cycle_pool() {
	slctl del "$uuid" "$snap_id" > /dev/null &&
	slctl add "$uuid" "$snap_id" "$SL_TYPE" "$SL_TEXT" &&
	vgchange -an "$VG" && vgchange -ay "$VG" &&
	lvchange -ay -K "$VG/snap" && dmsetup mknodes &&
	slctl add "$uuid" "$snap_id" "$SL_TYPE" "$SL_TEXT" -p "$(dm_devno "$VG-snap")" \
		-u "$(dm_uuid "$VG-snap")"
}
assert "the pool deactivates and reactivates (vgchange -an/-ay) with the lock held" cycle_pool
assert_busy "after reactivation the lock still refuses the delete message" \
	pool_msg "$TPOOL" "delete $snap_id"
assert "... the snapshot still holds its data" \
	dev_matches "/dev/mapper/$VG-snap" "$SL_TMP/A"
assert_eq "... and is pinned again" 1 "$(dm_open_count "$VG-snap")"

run slctl del "$uuid" "$snap_id"
assert_eq "sl_ctl del <uuid> $snap_id removes 1 lock" "removed 1" "$OUT"
run slctl dump -P "$uuid"
assert_eq "sl_ctl dump shows no lock on the pool" "" "$OUT"
assert_eq "unpinned: the snapshot's device is no longer held open" 0 \
	"$(dm_open_count "$VG-snap")"
assert "released: lvremove -y $VG/snap succeeds" lvremove -y "$VG/snap"
removed() {
	local k l
	lv_listed snap && return 1
	[ "$(lvm_tid)" = "$(k_tid)" ] || return 1
	! thin_exists "$TPOOL" "$snap_id" || return 1
	k=$(kernel_thin_ids) l=$(lvm_thin_ids)
	echo "thin ids: kernel $k, LVM $l"
	[ "$k" = "$l" ]
}
assert "snap gone from lvs and the pool; LVM and kernel agree (transaction and thin ids)" removed
diag "transaction ids now: LVM $(lvm_tid), kernel $(k_tid)"

# ---- lock without a pin: only the guard stands in the way
# Measured (DESIGN.md section 3): LVM commits its metadata (the LV is gone,
# "delete <id>" queued in the VG, LVM's transaction id one ahead of the
# kernel's) before it sends the message the kernel refuses; every later pool
# update retries the queued delete and fails while the lock holds.
setup2() {
	lvcreate -y -s "$VG/thin" -n snap2 || return 1
	snap2_id=$(thin_id_of snap2)
	[ -n "$snap2_id" ]
}
snap2_id=
assert "snapshot snap2 of thin (data B)" setup2
assert "sl_ctl add <uuid> <snap2 id> without a pin" \
	slctl add "$uuid" "$snap2_id" "$SL_TYPE" "$SL_TEXT"
assert "lvchange -an $VG/snap2" lvchange -an "$VG/snap2"
tid1_lvm=$(lvm_tid)
tid1_k=$(k_tid)
kmsg_mark
run lvremove -y "$VG/snap2"
rc=$RC out=$OUT
log=$(dmesg_since_mark)
if [ "$rc" -ne 0 ]; then
	tap_ok "unpinned: lvremove -y $VG/snap2 fails (exit $rc)"
else
	tap_fail "unpinned: lvremove -y $VG/snap2 fails"
fi
diag "lvremove -y $VG/snap2: exit $rc: $out"
assert_match "the kernel refused the delete message (log names pool, id, lock)" \
	"$(refusal_re "$TPOOL" "$snap2_id")" "$log"
assert_eq "the kernel's transaction id is unchanged" "$tid1_k" "$(k_tid)"
diag "transaction ids: before LVM $tid1_lvm kernel $tid1_k; after LVM $(lvm_tid) kernel $(k_tid)"
diag "$(lvs -a -o lv_name,lv_attr,thin_id,transaction_id "$VG" 2>&1)"
committed() {
	if lv_listed snap2; then
		echo "snap2 is still listed"
		return 1
	fi
	[ "$(lvm_tid)" = "$((tid1_lvm + 1))" ]
}
assert "LVM had committed: snap2 gone from lvs, LVM transaction id one ahead" committed
assert "thin id $snap2_id still exists in the pool" thin_exists "$TPOOL" "$snap2_id"
snap2_data() {
	local r
	thin_activate "$TPOOL" "$snap2_id" sltest-snap2-raw || return 1
	dev_matches /dev/mapper/sltest-snap2-raw "$SL_TMP/B"
	r=$?
	dm_remove sltest-snap2-raw
	return $r
}
assert "snap2's data is intact (thin id $snap2_id activated raw on $TPOOL)" snap2_data
diag "thin ids: kernel $(kernel_thin_ids), LVM $(lvm_thin_ids)"

run lvcreate -y -s "$VG/thin" -n snap3
rc=$RC
diag "while locked: lvcreate -s $VG/thin -n snap3: exit $rc: $OUT"
if [ "$rc" -ne 0 ]; then
	tap_ok "while locked, the next pool update (lvcreate -s) retries the delete and fails"
else
	tap_fail "while locked, the next pool update (lvcreate -s) retries the delete and fails"
fi
run sh -c "lvchange -an $VG/thin && lvchange -ay $VG/thin"
diag "while locked: lvchange -an/-ay $VG/thin: exit $RC: $OUT"
assert "thin id $snap2_id still exists after those attempts" \
	thin_exists "$TPOOL" "$snap2_id"

# Release; the next pool update delivers the queued delete.
run slctl del "$uuid" "$snap2_id"
assert_eq "sl_ctl del <uuid> <snap2 id> removes 1 lock" "removed 1" "$OUT"
run lvchange --refresh "$VG/pool"
diag "released: lvchange --refresh $VG/pool: exit $RC; transaction ids LVM $(lvm_tid) kernel $(k_tid)"
assert "released: lvcreate -s $VG/thin -n snap3 succeeds (delivers the queued delete)" \
	lvcreate -y -s "$VG/thin" -n snap3
converged() {
	local k l
	lv_listed snap2 && return 1
	[ "$(lvm_tid)" = "$(k_tid)" ] || return 1
	k=$(kernel_thin_ids) l=$(lvm_thin_ids)
	echo "thin ids: kernel $k, LVM $l"
	[ "$k" = "$l" ]
}
assert "LVM and the kernel agree: transaction ids and thin ids" converged
diag "$OUT"
diag "$(lvs -a -o lv_name,lv_attr,thin_id,transaction_id "$VG" 2>&1)"
assert "pool healthy" pool_status_ok "$TPOOL"
assert "thin still holds its data" dev_matches "/dev/mapper/$VG-thin" "$SL_TMP/B"
assert "rmmod softlock" sl_unload
