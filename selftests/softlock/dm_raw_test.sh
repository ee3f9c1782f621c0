#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Raw dm-thin (dmsetup only, no LVM): a locked snapshot's "delete" message is
# refused with EBUSY and logged; the pool otherwise works as usual; the pool
# is identified by its DM uuid when it has one, else by its DM name.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init
tap_plan 33

P=sltest-raw		# pool without a uuid: identified by its name
PU=sltest-rawu		# pool with a uuid: identified by the uuid
PU_UUID=SLTEST-SOFTLOCK-RAW-POOL-0001
PN=sltest-rawn		# pool without any lock

assert "insmod softlock" sl_load

# ---- pool identified by its DM name
setup_named() {
	make_pool "$P" || return 1
	thin_create "$P" 0 || return 1
	thin_activate "$P" 0 "$P-t0" || return 1
	write_pattern "$SL_TMP/origin-data" || return 1
	dev_write "/dev/mapper/$P-t0" "$SL_TMP/origin-data" || return 1
	# create_snap of an active origin: suspend it around the message
	thin_snap "$P" 1 0 "$P-t0"
}
assert "pool $P (no uuid): thin 0 active, snapshot 1 of it created" setup_named

assert "sl_ctl add $P 1 $SL_TYPE $SL_TEXT" slctl add "$P" 1 "$SL_TYPE" "$SL_TEXT"

kmsg_mark
assert_busy "locked: 'delete 1' on $P refused with EBUSY" pool_msg "$P" "delete 1"
log=$(dmesg_since_mark)
assert_match "kernel log names pool, thin id, 1 lock(s), type and text" \
	"$(refusal_re "$P" 1)" "$log"
assert_match "kernel log line says exactly 1 lock(s) and the origin" \
	"refused delete of thin id 1: 1 lock\\(s\\), first $SL_TYPE \"$SL_TEXT\" \\(dataset -, origin local\\)" "$log"
assert "snapshot 1 still exists in the pool metadata" thin_exists "$P" 1

pool_works() {
	thin_create "$P" 2 && pool_msg "$P" "delete 2"
}
assert "pool still works: create_thin 2, delete 2" pool_works
rewrite_t0() {
	write_pattern "$SL_TMP/new-data" &&
		dev_write "/dev/mapper/$P-t0" "$SL_TMP/new-data" &&
		dev_matches "/dev/mapper/$P-t0" "$SL_TMP/new-data"
}
assert "thin 0 still writable: written data reads back" rewrite_t0

run slctl check "$P" 1
assert_match "sl_ctl check $P 1 reports locked, 1 lock, its type and text" \
	"^reason=locked count=1 type=$SL_TYPE text=$SL_TEXT origin=local\$" "$OUT"
run slctl check "$P" 0
assert_match "sl_ctl check $P 0 (unlocked id) reports none" "^reason=none count=0" "$OUT"

# other messages pass through untouched while locks exist
assert "create_snap 3 0 (origin suspended) while locks exist" thin_snap "$P" 3 0 "$P-t0"
assert "delete 3 (unlocked snapshot) while locks exist" pool_msg "$P" "delete 3"
tid=$(pool_tid "$P")
assert "set_transaction_id $tid $((tid + 1)) while locks exist" \
	pool_msg "$P" "set_transaction_id $tid $((tid + 1))"
assert_eq "kernel transaction id is now $((tid + 1))" "$((tid + 1))" "$(pool_tid "$P")"
meta_snap() {
	local held
	pool_msg "$P" reserve_metadata_snap || return 1
	held=$(dmsetup status "$P" | awk '{ print $7 }')
	echo "held metadata root: $held"
	pool_msg "$P" release_metadata_snap || return 1
	[ "$held" != "-" ] && [ "$(dmsetup status "$P" | awk '{ print $7 }')" = "-" ]
}
assert "reserve_metadata_snap / release_metadata_snap while locks exist" meta_snap
assert_busy "'delete 1' still refused" pool_msg "$P" "delete 1"

run slctl del "$P" 1
assert_eq "sl_ctl del $P 1 removes 1 lock" "removed 1" "$OUT"
run slctl check "$P" 1
assert_match "sl_ctl check reports none after the unlock" "^reason=none count=0" "$OUT"
assert "unlocked: 'delete 1' succeeds" pool_msg "$P" "delete 1"
assert_fail "snapshot 1 is gone" thin_exists "$P" 1
run slctl stats
assert_eq "sl_ctl stats: the 2 refusals counted, allowed deletes not" \
	"refused_locked=2 refused_sealed=0 guard=armed" "$(echo $OUT)"

# ---- pool identified by its DM uuid
setup_uuid() {
	make_pool "$PU" "$PU_UUID" || return 1
	thin_create "$PU" 0 || return 1
	thin_snap "$PU" 1 0 || return 1
	thin_snap "$PU" 2 0 || return 1
	[ "$(dmsetup info -c --noheadings -o uuid "$PU")" = "$PU_UUID" ]
}
assert "pool $PU with uuid $PU_UUID: thin 0, snapshots 1 and 2" setup_uuid
assert "lock on the pool's DM name: sl_ctl add $PU 1" slctl add "$PU" 1 "$SL_TYPE" "$SL_TEXT"
assert_busy "a lock on the DM name protects a pool with a uuid too: 'delete 1' refused" \
	pool_msg "$PU" "delete 1"
unlock_name() {
	slctl del "$PU" 1 && pool_msg "$PU" "delete 1" && ! thin_exists "$PU" 1
}
assert "unlock by the DM name: 'delete 1' succeeds" unlock_name
assert "lock on the pool's uuid: sl_ctl add $PU_UUID 2" slctl add "$PU_UUID" 2 "$SL_TYPE" "$SL_TEXT"
kmsg_mark
assert_busy "locked by uuid: 'delete 2' on $PU refused with EBUSY" pool_msg "$PU" "delete 2"
assert_match "kernel log names the pool (DM name), thin id 2 and the lock" \
	"$(refusal_re "$PU" 2)" "$(dmesg_since_mark)"
unlock_uuid() {
	slctl del "$PU_UUID" 2 && pool_msg "$PU" "delete 2" && ! thin_exists "$PU" 2
}
assert "unlock by uuid: 'delete 2' succeeds" unlock_uuid

# ---- a pool without locks behaves as without the module
# The same message sequence, with softlock loaded (and locks held on another
# pool) and then without the module: the same results, message by message.
sequence() { # POOL: prints one exit status per message
	local m
	for m in "create_thin 0" "create_snap 1 0" "create_thin 1" "delete 7" \
		"delete 1" "set_transaction_id 0 1" "delete 0" "delete 0" \
		"set_transaction_id 1 0"; do
		pool_msg "$1" "$m" >/dev/null 2>&1
		printf '%s=%s ' "$m" "$?"
	done
	echo "tid=$(pool_tid "$1")"
}
seq_with=
seq_without=
with_module() {
	make_pool "$PN" || return 1
	slctl add "$P" 5 "$SL_TYPE" "$SL_TEXT" || return 1
	seq_with=$(sequence "$PN")
	echo "$seq_with"
}
assert "pool without locks, module loaded: message sequence ran" with_module
diag "with softlock: $seq_with"
assert "rmmod softlock (locks held on another pool)" sl_unload
seq_without=$(sequence "$PN")
diag "without softlock: $seq_without"
assert_eq "a pool without locks gives the same results as without the module" \
	"$seq_without" "$seq_with"
