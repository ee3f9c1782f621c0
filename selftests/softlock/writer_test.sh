#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One writer at a time, no lock lost (issue 17). Host A mirrors to B with
# a lease; on A:
#  1. An expiry that has read the catalog (held there by a test point of
#     softlock-test, the test build) and a renewal of the hold it is about
#     to expire: the renewal waits for the expiry and the hold survives.
#  2. A second `mirror update ab` beside a running one, on either host,
#     exits at once with 75 naming the pid that runs it.
#  3. kill -9 at each point of a lock-set install (catalog written, kernel
#     set staged, kernel committed): `softlock verify --fix`, `restore`
#     or a daemon start brings the kernel back to the catalog.
#  4. `softlock expire` every 100 ms beside 20 leased updates and holds,
#     renewals and releases: at the end catalog == kernel and every PCPI a
#     lock protected still exists.
# The pauses are FIFOs the test point writes and reads: nothing is timed
# but the holds' own short leases, which the workload lets run out.
# sl-timeout: 1800
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum thin_delta thin_dump mkfifo
. ./mirror_lib.sh
# 16 MiB volumes: the writes below reach 10.1 MiB (the loop's 20th at
# 10 MiB); the baseline sends half the volume, under TCG.
MB=16
[ -x "$SL_FAULTS" ] || bail_out "$SL_FAULTS (make -C user softlock-test) not found"
tap_plan 31

AT=$SL_TMP/at
GO=$SL_TMP/go
OUTF=$SL_TMP/out

setup() {
	mirror_hosts_setup &&
		lvcreate -y -s -n s2 "$VA/vol" >/dev/null &&
		lvchange -ay -K "$VA/s2" >/dev/null &&
		mkfifo "$AT" "$GO" "$OUTF"
}

# Poll until nothing holds VG/LV any more: its lease has to run out.
free_within() { # VG/LV SECONDS
	local left=$2
	while [ "$left" -gt 0 ]; do
		on_a softlock check "$1" >/dev/null && return 0
		sleep 1
		left=$((left - 1))
	done
	return 1
}

# Start softlock-test on A paused at POINT (WHERE:N), then wait until it
# is there: PAUSED is its pid as the test point says.
start_paused() { # POINT ARGS...
	local point=$1 where
	shift
	$ENV_A SOFTLOCK_TEST_AT="$point:pause:$AT:$GO" "$SL_FAULTS" "$@" \
		> "$SL_TMP/paused.out" 2>&1 &
	PAUSED_JOB=$!
	bg_register $PAUSED_JOB
	read -r where PAUSED < "$AT"
	[ "$where" = "${point%%:*}" ]
}

go_on() {
	echo go > "$GO"
	wait $PAUSED_JOB
	PAUSED_RC=$?
}

assert "insmod softlock" sl_load
assert "hosts A and B, a snapshot A/s2" setup
assert "A->B with --lease 10s and --keep 2" \
	on_a softlock mirror init --name ab --lease 10s --keep 2 $VA/vol "$(peer_b $VB/vol)"
assert "the first update" on_a softlock mirror update ab

# 1. An expiry must not remove a hold renewed after it read the catalog.
# (s2 is active already: the lease starts before the hold's pin.)
assert "hold A/s2 with a 5 s lease" \
	on_a softlock hold --type app --text renew --expires 5s $VA/s2
assert "... which runs out" free_within $VA/s2 30
# The kernel's reaper drops the lapsed lock; the catalog keeps it until
# the next expire. verify must not call that a difference.
reaped_within() { # SECONDS
	local left=$1
	while [ "$left" -gt 0 ]; do
		slctl dump | grep -q "${TAB}renew\$" || return 0
		sleep 1
		left=$((left - 1))
	done
	return 1
}
assert "... and the kernel's reaper drops it" reaped_within 30
run on_a softlock verify
assert_eq "verify: a lease that lapsed before expire ran is no difference" 0 "$RC" ||
	diag "$OUT"
assert "softlock expire stops after reading the catalog" \
	start_paused release-loaded:1 expire
exec 3<> "$OUTF"
$ENV_A softlock hold --type app --text renew --expires 1h $VA/s2 >&3 2>&3 &
HOLD_JOB=$!
bg_register $HOLD_JOB
read -r FIRST <&3
assert_match "the renewal waits for the expiry, and says so" \
	"waiting for another softlock process" "$FIRST"
go_on
wait $HOLD_JOB
assert_eq "... both end well" "0 0" "$PAUSED_RC $?"
exec 3>&-
run on_a softlock check $VA/s2
assert_eq "the renewed hold survives the expiry" 1 "$RC"
assert "catalog == kernel" on_a softlock verify

# 2. One process at a time runs a relationship, on either end.
assert "an update stops after installing its lock set" \
	start_paused lockset-kernel:1 mirror update ab
run on_a softlock mirror update ab
assert_eq "a second update beside it exits 75" 75 "$RC"
assert_match "... naming the pid that runs it" \
	"relationship ab is being updated by pid $PAUSED:" "$OUT"
assert "B pulls the same relationship" \
	on_b softlock mirror init --name ab "$(peer_a $VA/vol)" $VB/vol
run on_b softlock mirror update ab
assert_eq "B's update beside the session it serves exits 75" 75 "$RC"
assert_match "... naming its serving pid" \
	"relationship ab is being updated by pid [0-9]+" "$OUT"
go_on
assert_eq "the first update ends well" 0 "$PAUSED_RC"

# 3. kill -9 at each point of the lock-set install after a transfer (the
# second install of an update: its base changes), then reconcile.
CRASHES=0
crash_at() { # POINT FIXER...
	local point=$1
	shift
	CRASHES=$((CRASHES + 1))
	dd if=/dev/urandom of=/dev/$VA/vol bs=64K count=4 seek=$((CRASHES * 16)) \
		conv=fsync 2>/dev/null
	$ENV_A SOFTLOCK_TEST_AT="$point:2:kill" "$SL_FAULTS" mirror update ab \
		> "$SL_TMP/crash.out" 2>&1
	[ $? -eq 137 ] || { cat "$SL_TMP/crash.out"; return 1; }
	"$@" && on_a softlock verify
}
assert "killed with the catalog written: verify --fix" \
	crash_at lockset-catalog on_a softlock verify --fix
assert "killed with the kernel's set staged: restore" \
	crash_at kmod-staged on_a softlock restore
assert "killed with the kernel's set committed: verify --fix" \
	crash_at lockset-kernel on_a softlock verify --fix
assert "killed with the catalog written: a daemon start" \
	crash_at lockset-catalog on_a softlock daemon --once --config /dev/null
assert "the next update after the crashes" on_a softlock mirror update ab

# 4. expire every 100 ms beside 20 leased updates, holds and releases.
# Host A's expiry (its catalog and host name) without A's network
# namespace, which expire does not use (it talks to the kernel, whose
# lock table every namespace shares, and to the catalog): ip netns exec
# makes a mount namespace and mounts sysfs each time, ten times a second
# on the guest's one busy CPU beside the updates.
EXPIRE_A=${ENV_A#ip netns exec slha }
expire_loop() {
	while [ ! -e "$SL_TMP/stop" ]; do
		# shellcheck disable=SC2086
		$EXPIRE_A softlock expire >/dev/null 2>&1
		sleep 0.1	# the workload's period, not a wait
	done
}
expire_loop &
LOOP=$!
bg_register $LOOP
bad=
for i in $(seq 20); do
	dd if=/dev/urandom of=/dev/$VA/vol bs=64K count=2 seek=$((i * 8)) \
		conv=fsync 2>/dev/null
	run on_a softlock mirror update ab --json
	[ "$RC" -eq 0 ] || { bad="$bad update$i"; diag "$OUT"; continue; }
	diag "update $i of 20 done"
	snap=$(printf '%s\n' "$OUT" | sed -n 's/.*"event":"done".*"snapshot":"\([^"]*\)".*/\1/p')
	echo "$VA/$snap" >> "$SL_TMP/held"
	on_a softlock hold --type app --text keep --expires 1h "$VA/$snap" \
		>/dev/null 2>&1 || bad="$bad hold$i"
	# A short lease, renewed after it ran out (the loop may be expiring it).
	on_a softlock hold --type app --text short --expires 3s $VA/s2 \
		>/dev/null 2>&1 || bad="$bad short$i"
	# Release the hold of two updates ago: retention may then take it.
	if [ "$i" -gt 2 ]; then
		old=$(sed -n "$((i - 2))p" "$SL_TMP/held")
		on_a softlock release --type app --text keep "$old" >/dev/null 2>&1 ||
			bad="$bad release$i"
		echo "$old" >> "$SL_TMP/released"
	fi
done
touch "$SL_TMP/stop"
wait $LOOP
assert_eq "20 updates, holds and releases beside the expiry loop" "" "$bad"
assert "catalog == kernel" on_a softlock verify
missing=
for s in $(sed -n '19,20p' "$SL_TMP/held") $VA/s2; do
	lvs "$s" >/dev/null 2>&1 || missing="$missing $s"
	on_a softlock check "$s" >/dev/null && missing="$missing $s(unheld)"
done
assert_eq "every PCPI still held exists and is held" "" "$missing"
base=$(on_a softlock mirror status ab --json |
	sed -n 's/.*"last_snapshot":"\([^"]*\)".*/\1/p')
assert "the relationship's base exists on A" lvs "$VA/$base"
# Its lease may have run out (and been expired) when an update took
# longer than 10 s; the next update holds the new base again.
run on_a softlock mirror update ab --json
assert_eq "an update after the loop" 0 "$RC"
snap=$(printf '%s\n' "$OUT" | sed -n 's/.*"event":"done".*"snapshot":"\([^"]*\)".*/\1/p')
run on_a softlock holds "$VA/$snap" --json
assert_match "... and its new base is held for B" \
	"\"origin\":\"softlock-mirror:hostB" "$OUT"
