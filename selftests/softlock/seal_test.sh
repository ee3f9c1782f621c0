#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sealed (fail-closed) mode: loaded with sealed=1, softlock refuses every
# pool delete, locked or not, until userspace unseals; seal brings it back.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init
tap_plan 29

P=sltest-seal

assert "insmod softlock sealed=1" sl_load sealed=1
assert_eq "parameter sealed reads Y" Y "$(cat /sys/module/softlock/parameters/sealed 2>&1)"

setup() {
	make_pool "$P" || return 1
	thin_create "$P" 0 || return 1
	thin_snap "$P" 1 0 || return 1
	thin_snap "$P" 2 0 || return 1
	thin_create "$P" 4
}
assert "sealed: create_thin and create_snap still work (pool $P, ids 0 1 2 4)" setup
assert "sealed: sl_ctl add $P 1 (lock id 1)" slctl add "$P" 1 "$SL_TYPE" "$SL_TEXT"

kmsg_mark
assert_busy "sealed: 'delete 2' (unlocked) refused with EBUSY" pool_msg "$P" "delete 2"
assert_match "kernel log: refused delete of thin id 2: module is sealed" \
	"softlock: pool $P: refused delete of thin id 2: module is sealed" "$(dmesg_since_mark)"
assert_busy "sealed: 'delete 1' (locked) refused with EBUSY" pool_msg "$P" "delete 1"
assert_busy "sealed: 'delete 9' (no such id) refused with EBUSY" pool_msg "$P" "delete 9"
both_exist() {
	thin_exists "$P" 1 && thin_exists "$P" 2
}
assert "sealed: thin ids 1 and 2 still exist" both_exist
# The guard's counters (stats-get), from 0 at this load: a locked id counts
# as locked even while sealed; checks are not deletes.
run slctl stats
assert_eq "sl_ctl stats: 1 refused for a lock, 2 for the seal" \
	"refused_locked=1 refused_sealed=2 guard=armed" "$(echo $OUT)"

run slctl pools
assert_match "sl_ctl pools reports sealed=1" \
	"^$P${TAB}locks=1${TAB}pcpis=1${TAB}staged=0${TAB}sealed=1\$" "$OUT"
run slctl check "$P" 2
assert_match "sl_ctl check $P 2 (unlocked) reports sealed" "^reason=sealed count=0" "$OUT"
run slctl check "$P" 1
assert_match "sl_ctl check $P 1 (locked) reports locked" \
	"^reason=locked count=1 type=$SL_TYPE text=$SL_TEXT" "$OUT"

assert "sl_ctl unseal" slctl unseal
diag "parameter sealed after unseal: $(cat /sys/module/softlock/parameters/sealed 2>&1)"
run slctl pools
assert_match "sl_ctl pools reports sealed=0" "^$P${TAB}.*${TAB}sealed=0\$" "$OUT"
run slctl check "$P" 2
assert_match "unsealed: sl_ctl check $P 2 reports none" "^reason=none count=0" "$OUT"
assert "unsealed: 'delete 2' (unlocked) succeeds" pool_msg "$P" "delete 2"
kmsg_mark
assert_busy "unsealed: 'delete 1' (locked) still refused" pool_msg "$P" "delete 1"
assert_match "kernel log names the lock on id 1" "$(refusal_re "$P" 1)" "$(dmesg_since_mark)"
run slctl stats
assert_eq "sl_ctl stats: the refusal counted, the allowed delete not" \
	"refused_locked=2 refused_sealed=2 guard=armed" "$(echo $OUT)"

assert "sl_ctl seal" slctl seal
run slctl pools
assert_match "sl_ctl pools reports sealed=1 again" "^$P${TAB}.*${TAB}sealed=1\$" "$OUT"
assert "sealed again: create_snap 3 0 works" thin_snap "$P" 3 0
kmsg_mark
assert_busy "sealed again: 'delete 3' (unlocked) refused" pool_msg "$P" "delete 3"
assert_busy "sealed again: 'delete 4' (unlocked) refused" pool_msg "$P" "delete 4"
assert_match "kernel log: module is sealed" \
	"softlock: pool $P: refused delete of thin id 3: module is sealed" "$(dmesg_since_mark)"
run slctl check "$P" 3
assert_match "sl_ctl check $P 3 reports sealed" "^reason=sealed count=0" "$OUT"

release_all() {
	slctl unseal && slctl del "$P" 1 &&
		pool_msg "$P" "delete 1" && pool_msg "$P" "delete 3" &&
		pool_msg "$P" "delete 4" && pool_msg "$P" "delete 0"
}
assert "unseal and unlock: every delete goes through" release_all
assert "rmmod softlock" sl_unload
