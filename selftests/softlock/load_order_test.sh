#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load order: softlock before dm-thin-pool (and a guard that cannot arm
# then: stats-get says failed), after it, dm-thin-pool reloaded
# under softlock (the lock table survives: locks are keyed by pool name),
# softlock unloaded with locks and a pin held, and softlock inserted and
# removed while delete messages are in flight.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init softlock
if [ ! -e /sys/module/dm_thin_pool/refcnt ]; then
	skip_all "dm-thin-pool is built into this kernel"
fi
tap_plan 37

P=sltest-lo
CYCLES=10

thin_loaded() {
	grep -q '^dm_thin_pool ' /proc/modules
}

no_pools() {
	dmsetup table --target thin-pool 2>/dev/null | grep -q thin-pool && return 1
	return 0
}

# ---- (a) softlock first, then dm-thin-pool
unload_thin() {
	if ! no_pools; then
		echo "thin pools exist:"
		dmsetup table --target thin-pool
		return 1
	fi
	if thin_loaded; then
		rmmod dm_thin_pool || return 1
	fi
	! thin_loaded
}
assert "(a) no thin pools; dm_thin_pool unloaded" unload_thin
kmsg_mark
assert "(a) insmod softlock without dm_thin_pool" sl_load
log=$(dmesg_since_mark)
assert_no_match "(a) no kprobe error while dm_thin_pool is absent" "cannot guard" "$log"
guard_is() {
	slctl stats | grep -qx "guard=$1"
}
assert "(a) sl_ctl stats: guard=not-loaded without dm_thin_pool" guard_is not-loaded

# A guard that cannot arm says so. ftrace refuses a permanent ops while
# sysctl kernel.ftrace_enabled is 0 (-EBUSY, as for a second IP-modifying
# user of pool_message): dm-thin-pool loads unguarded.
FTRACE_ENABLED=/proc/sys/kernel/ftrace_enabled
ftrace_off() {
	echo 0 > "$FTRACE_ENABLED" && [ "$(cat "$FTRACE_ENABLED")" = 0 ]
}
ftrace_on() {
	echo 1 > "$FTRACE_ENABLED"
}
cleanup_push ftrace_on
assert "(a) sysctl kernel.ftrace_enabled=0 while the guard is not armed" ftrace_off
kmsg_mark
assert "(a) modprobe dm-thin-pool with ftrace off" thin_module_load
assert_match "(a) softlock says it cannot guard dm_thin_pool" \
	"softlock: cannot guard dm_thin_pool: .*deletes are NOT guarded" "$(dmesg_since_mark)"
assert "(a) sl_ctl stats: guard=failed" guard_is failed
run softlock version
assert_match "(a) softlock version says the guard failed" "^guard: failed: .*NOT guarded" "$OUT"
# The helper will not call a restore good while its holds go unguarded.
export SOFTLOCK_DB=$SL_TMP/softlock.db
PF=$P-f
held() {
	make_pool "$PF" && thin_create "$PF" 0 &&
		softlock hold --pool "/dev/mapper/$PF" --id 0 --type owner --text lo
}
assert "(a) pool $PF, thin 0 held with the helper" held
run softlock restore
assert_eq "(a) softlock restore fails while holds are unguarded" 1 "$RC"
assert_match "(a) ... and says why and what to do" \
	"guard is not armed: dm-thin-pool is loaded but softlock could not hook.*reload the module" "$OUT"
unheld() {
	softlock release --pool "/dev/mapper/$PF" --id 0 --all && dm_remove "$PF"
}
assert "(a) released; pool $PF removed" unheld
unguarded() {
	ftrace_on && rmmod dm_thin_pool && ! thin_loaded
}
assert "(a) ftrace on again; rmmod dm_thin_pool (never guarded)" unguarded
assert "(a) sl_ctl stats: guard=not-loaded again" guard_is not-loaded

kmsg_mark
assert "(a) modprobe dm-thin-pool" thin_module_load
assert_match "(a) softlock arms its guard when dm_thin_pool arrives" \
	"softlock: guarding dm_thin_pool pool deletes" "$(dmesg_since_mark)"
assert "(a) sl_ctl stats: guard=armed" guard_is armed
setup() {
	make_pool "$P" || return 1
	thin_create "$P" 0 || return 1
	thin_snap "$P" 1 0 || return 1
	slctl add "$P" 1 "$SL_TYPE" "$SL_TEXT"
}
assert "(a) pool $P, thin 0, snapshot 1, lock on 1" setup
assert_busy "(a) 'delete 1' refused" pool_msg "$P" "delete 1"

# ---- (b) pool first, then softlock
assert "(b) rmmod softlock (a lock held)" sl_unload
relock() {
	sl_load && slctl add "$P" 1 "$SL_TYPE" "$SL_TEXT"
}
assert "(b) insmod softlock with the pool present, lock 1" relock
kmsg_mark
assert_busy "(b) 'delete 1' refused" pool_msg "$P" "delete 1"
assert_match "(b) kernel log names the lock" "$(refusal_re "$P" 1)" "$(dmesg_since_mark)"

# ---- (c) dm-thin-pool reloaded under softlock, locks held
reload_thin() {
	dm_remove "$P" || return 1
	rmmod dm_thin_pool || return 1
	! thin_loaded || return 1
	thin_module_load || return 1
	create_pool "$P" "$POOL_META" "$POOL_DATA"
}
assert "(c) pool removed, dm_thin_pool unloaded and reloaded, pool recreated" reload_thin
run slctl check "$P" 1
assert_match "(c) the lock survived (sl_ctl check reports locked)" "^reason=locked count=1" "$OUT"
assert_busy "(c) 'delete 1' on the recreated pool refused" pool_msg "$P" "delete 1"
assert "(c) thin id 1 still exists" thin_exists "$P" 1

# ---- (d) rmmod softlock with locks and a pin held
pin() {
	thin_activate "$P" 1 "$P-s1" || return 1
	slctl add "$P" 1 app pinned-by-test -p "$(dm_devno "$P-s1")" \
		-u "$(dm_uuid "$P-s1")" || return 1
	slctl add "$P" 0 "$SL_TYPE" "$SL_TEXT" || return 1
	[ "$(dm_open_count "$P-s1")" = 1 ]
}
assert "(d) thin 1 activated and pinned (open count 1), locks on 0 and 1" pin
assert "(d) rmmod softlock with locks and a pin held" sl_unload
assert_eq "(d) the pin is gone with the module (open count 0)" 0 "$(dm_open_count "$P-s1")"
after_unload() {
	dm_remove "$P-s1" && pool_msg "$P" "delete 1" && ! thin_exists "$P" 1
}
assert "(d) without the module 'delete 1' passes through" after_unload

# ---- (e) insmod/rmmod while deletes are in flight
bg_loop() { # POOL STOPFILE RESULTFILE
	local i=0 fail=0
	: > "$3.err"
	while [ $i -lt 20000 ] && [ ! -e "$2" ]; do
		pool_msg "$1" "create_thin 5" >> "$3.err" 2>&1 || fail=$((fail + 1))
		pool_msg "$1" "delete 5" >> "$3.err" 2>&1 || fail=$((fail + 1))
		i=$((i + 1))
	done
	echo "$i $fail" > "$3"
}
bg_loop "$P" "$SL_TMP/stop" "$SL_TMP/bg" &
bgpid=$!
bg_register "$bgpid"

cycles_ok=0
: > "$SL_TMP/retries"
cycle() { # one insert/remove of softlock with the loop running
	local n=0
	sl_load || { echo "insmod failed"; return 1; }
	# a lock, so the guard has something to refuse while it races
	slctl add "$P" 0 "$SL_TYPE" "$SL_TEXT" || return 1
	if pool_msg "$P" "delete 0" >/dev/null 2>&1; then
		echo "'delete 0' on locked id 0 was let through"
		return 1
	fi
	# A redirected delete in flight holds a module reference: rmmod may
	# see the module busy. Bounded retries.
	while ! rmmod softlock 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 200 ] || { echo "rmmod failed 200 times"; return 1; }
	done
	echo "$n" >> "$SL_TMP/retries"
	return 0
}
cycle_errs=
i=0
while [ $i -lt $CYCLES ]; do
	if out=$(cycle 2>&1); then
		cycles_ok=$((cycles_ok + 1))
	else
		cycle_errs="$cycle_errs cycle $i: $out;"
		sl_unload 2>/dev/null
	fi
	i=$((i + 1))
done
touch "$SL_TMP/stop"
wait "$bgpid"
diag "rmmod retries (module busy) per cycle: $(tr '\n' ' ' < "$SL_TMP/retries" 2>/dev/null)"
assert_eq "(e) $CYCLES insmod/rmmod cycles with deletes in flight" \
	"$CYCLES" "$cycles_ok"
[ -n "$cycle_errs" ] && diag "$cycle_errs"
read -r bg_iter bg_fail < "$SL_TMP/bg"
diag "background loop: $bg_iter create_thin/delete pairs, $bg_fail failed messages"
bg_ok() {
	[ "${bg_iter:-0}" -gt 0 ] && [ "$bg_fail" = 0 ] && return 0
	grep -v '^$' "$SL_TMP/bg.err" | sort | uniq -c | head -20
	return 1
}
assert "(e) every background create_thin/delete of unlocked id 5 succeeded" bg_ok
final() {
	thin_create "$P" 6 && pool_msg "$P" "delete 6"
}
assert "(e) the pool still works: create_thin 6, delete 6" final
assert "(e) pool status: rw, no error, no needs_check" pool_status_ok "$P"
assert "(e) thin 0 is intact (never deleted)" thin_exists "$P" 0
