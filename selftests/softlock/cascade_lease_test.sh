#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Downstream hosts that disappear. A mirrors one volume to B (no lease:
# the default) and to C (--lease 10s), then neither comes back. B's lock
# on its base stays, never expiring; C's lock expires once its lease runs
# out without an update: `softlock holds --stale` lists it, the kernel
# stops enforcing it, and retention (a third relationship with --keep 1)
# removes C's base while keeping B's, naming hostB. The wait is for the
# lease itself to run out: it polls the kernel's verdict with a deadline.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum thin_delta thin_dump
. ./mirror_lib.sh
tap_plan 22

setup() {
	mirror_hosts_setup && mirror_more_hosts c d
}

# Poll until A's kernel no longer refuses deleting VG/LV, for at most
# SECONDS: the lease's own time has to pass, nothing else is awaited.
free_within() {
	local left=$2
	while [ "$left" -gt 0 ]; do
		on_a softlock check "$1" >/dev/null && return 0
		sleep 1
		left=$((left - 1))
	done
	return 1
}

assert "insmod softlock" sl_load
assert "hosts A, B, C, D" setup
assert_fail "a lease shorter than an update is refused" \
	on_a softlock mirror init --lease 2s --name bad $VA/vol "$(peer_c $VC/vol)"
assert_match "... saying what would do" "10s or more" "$OUT"
assert "A->B without a lease" on_a softlock mirror init --name ab $VA/vol "$(peer_b $VB/vol)"
assert "A->C with --lease 10s" \
	on_a softlock mirror init --lease 10s --name ac $VA/vol "$(peer_c $VC/vol)"
run on_a softlock mirror status ac --json
assert_match "mirror status shows the lease" '"lease":10,' "$OUT"
# mirror set changes it for the next update, and back.
assert "mirror set ac --lease none" on_a softlock mirror set ac --lease none
run on_a softlock mirror status ac --json
assert_match "... the lease is gone" '"lease":0,' "$OUT"
assert "mirror set ac --lease 10s" on_a softlock mirror set ac --lease 10s
run on_a softlock mirror status ac --json
assert_match "... and back" '"lease":10,' "$OUT"
assert "A->B (s1), A->C (s2)" sh -c "
	$ENV_A softlock mirror update ab && $ENV_A softlock mirror update ac"
run on_a softlock holds $VA/vol.sl.2 --json
assert_match "C's lock on s2 carries an expiry" '"expires":[1-9][0-9]*,' "$OUT"
run on_a softlock holds $VA/vol.sl.1 --json
assert_match "B's lock on s1 never expires" '"expires":0,' "$OUT"

# B and C are gone: no more updates from either.
assert "C's lock runs out within a minute" free_within $VA/vol.sl.2 60
run on_a softlock holds --stale
assert_match "holds --stale lists C's expired lock" \
	"vol.sl.2 .*hostC:$VC/vol.* expired" "$OUT"
assert_no_match "... and not B's" "hostB" "$OUT"
run on_a softlock check $VA/vol.sl.1
assert_eq "B's base is still held" 1 "$RC"

# Retention on A: a third relationship that keeps only its newest.
assert "A->D with --keep 1" \
	on_a softlock mirror init --keep 1 --name ad $VA/vol "$(peer_d $VD/vol)"
assert "A->D (s3) runs retention" on_a softlock mirror update ad --json
J=$OUT
assert_match "retention removed C's base, its lease run out" \
	"retention on hostA: removed $VA/vol.sl.2" "$J"
assert_match "... and kept B's, naming hostB" \
	"retention on hostA: kept $VA/vol.sl.1: held by 1 lock\\(s\\), first dest-path \"hostB:$VB/vol\"" "$J"
