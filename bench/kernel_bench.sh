#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's figures: one atomic replace of 1,000,000 locks (time, and
# slab memory per lock with texts of 26 to 32 bytes), a dump of them all,
# how long other requests wait while a commit removes them all,
# and thin-pool "delete" messages with and without the module, timed per
# ioctl by dm_msg_bench so no process start-up is counted. Every step is
# checked (bench_lib.sh): a failed one stops the run naming it, and the
# delete rounds must see every delete succeed, the refused run every one
# refused.
cd /softlock/tests || exit 1
. ./lib.sh
. /softlock/bench/bench_lib.sh
sl_init
# One line of TAP: the run's exit status says whether it got to the end.
tap_plan 1
N=${BENCH_LOCKS:-1000000}
DELETES=${BENCH_DELETES:-2000}
# 24 characters: "-" and the index make texts of 26 to 32 bytes.
PREFIX=hostC:vgC/volume-mirror-
POOL=bench-pool

slab0=$(slab_bytes)
step "insmod softlock max_locks=$((N + 1000))" sl_load max_locks=$((N + 1000))
t0=$(now)
out=$(slctl replace $POOL bench 1 "$N" 1 "$PREFIX" 2>&1) ||
	bench_fail "replace of $N locks: $out"
secs=$(since "$t0")
slab1=$(slab_bytes)
# sl_ctl prints what the commit reported: all of them, or the figures
# would be of fewer locks than they say.
[ "$out" = "committed $N" ] || bench_fail "replace of $N locks: '$out', not 'committed $N'"
bench kernel.replace_1m_seconds "$secs" s - "one atomic replace installing $N locks ($out)"
bench kernel.replace_locks_per_second "$(awk -v n="$N" -v s="$secs" 'BEGIN { if (s > 0) printf "%d", n / s }')" locks/s - "the same, as a rate"
bench kernel.bytes_per_lock "$(awk -v a="$slab0" -v b="$slab1" -v n="$N" 'BEGIN { printf "%d", (b - a) / n }')" B "<=170" \
	"slab growth / locks, each lock on its own PCPI, texts of 26..32 bytes"
grep -E '^(kmalloc-(64|96|128|192|256)|xa_node|radix_tree_node) ' /proc/slabinfo |
	awk '{ printf "# slab %s: %d objects of %d bytes\n", $1, $2, $4 }'
t0=$(now)
count=$(slctl count -P $POOL 2>&1) || bench_fail "dump of $N locks: $count"
secs=$(since "$t0")
[ "$count" = "$N" ] || bench_fail "dump of $N locks counted '$count'"
bench kernel.dump_1m_seconds "$secs" s - "a dump of all $N locks ($count)"
t0=$(now)
step "rmmod softlock with $N locks" rmmod softlock
bench kernel.unload_1m_seconds "$(since "$t0")" s - "rmmod with $N locks held"
bench kernel.slab_left_after_unload "$(( $(slab_bytes) - slab0 ))" B - "slab growth left after the unload (noise: other caches move too)"

# The same locks, four to a PCPI (a PCPI held by several downstream hosts).
slab0=$(slab_bytes)
step "insmod softlock max_locks=$((N + 1000))" sl_load max_locks=$((N + 1000))
out=$(slctl replace $POOL bench 1 "$N" 1 "$PREFIX" 4 2>&1) ||
	bench_fail "replace of $N locks, 4 per PCPI: $out"
[ "$out" = "committed $N" ] || bench_fail "replace of $N locks, 4 per PCPI: '$out', not 'committed $N'"
bench kernel.bytes_per_lock_4_per_pcpi "$(awk -v a="$slab0" -v b="$(slab_bytes)" -v n="$N" 'BEGIN { printf "%d", (b - a) / n }')" B "<=150" \
	"the same with four locks per PCPI"
step "rmmod softlock with $N locks, 4 per PCPI" rmmod softlock

# Other requests while a commit removes 1,000,000 locks: removal_test
# commits an empty set over them and, once the commit has run a few
# ticks, sends a STATS_GET of this family and a CTRL_CMD_GETFAMILY of
# nlctrl; it fails unless both are answered before the commit returns,
# and logs how long each took and the removal itself.
step "insmod softlock (removal round)" sl_load
out=$(./removal_test 2>&1) || bench_fail "removal_test: $(echo "$out" | grep -E 'Expected|not ok|answered' | head -n 3)"
lat=$(echo "$out" | sed -n 's/.*latency stats_ms=\([0-9.]*\) ctrl_ms=\([0-9.]*\) removal_s=\([0-9.]*\).*/\1 \2 \3/p')
# shellcheck disable=SC2086 # three numbers, one word each
set -- $lat
is_number "${3:-}" || bench_fail "removal_test printed no latency line: '$out'"
bench kernel.other_request_during_removal_ms "$1" ms "<=100" "a softlock STATS_GET sent while a commit removes 1,000,000 locks"
bench kernel.ctrl_request_during_removal_ms "$2" ms "<=100" "a nlctrl CTRL_CMD_GETFAMILY sent while the same removal runs"
bench kernel.remove_1m_seconds "$3" s - "the commit that removes 1,000,000 locks (freeing follows in a work item)"
step "rmmod softlock (removal round)" rmmod softlock

# Delete messages on a raw pool: without the module, with it (no lock on
# the ids deleted, other locks on the pool), and refused.
step "thin pool bench-dm" make_pool bench-dm >/dev/null
dmb=./dm_msg_bench
# OUTPUT OK BUSY: dm_msg_bench's delete line must count exactly OK
# successes and BUSY refusals (EBUSY), or the time per delete would be
# of other outcomes than the figure says (dm_msg_bench itself exits 1
# on any other error).
expect() {
	local ok busy
	ok=$(echo "$1" | tr ' ' '\n' | sed -n 's/^ok=//p')
	busy=$(echo "$1" | tr ' ' '\n' | sed -n 's/^busy=//p')
	[ "$ok $busy" = "$2 $3" ]
}
per() { # OUTPUT KEY COUNTKEY: nanoseconds per message
	echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" -v c="$3" '
		$1 == k { ns = $2 } $1 == c { n = $2 } END { if (n > 0) printf "%d", ns / n }'
}
# Interleaved rounds, the order flipped every round (without-with, then
# with-without), so drift of the shared machine falls on both sides; the
# ratio is the median of the rounds' ratios.
ROUNDS=${BENCH_ROUNDS:-8}
n=$((DELETES / ROUNDS))
[ "$n" -gt 0 ] || bench_fail "BENCH_DELETES=$DELETES is fewer than BENCH_ROUNDS=$ROUNDS"
# MODE: one round's ns per delete, with or without the module. In a
# $(...): bench_fail ends the round, the caller stops the benchmark.
deletes() {
	local out ns
	if [ "$1" = with ]; then
		step "insmod softlock ($1 round)" sl_load
		step "replace of 1000 locks on other ids of bench-dm" \
			slctl replace bench-dm other 1 1000 1000000 locked- >/dev/null
	fi
	step "create_thin 1..$n on bench-dm ($1 round)" $dmb bench-dm create 1 "$n" >/dev/null
	out=$($dmb bench-dm delete 1 "$n") || bench_fail "delete 1..$n on bench-dm ($1 round): $out"
	expect "$out" "$n" 0 ||
		bench_fail "delete 1..$n on bench-dm ($1 round): '$out', not all $n done"
	[ "$1" = with ] && step "rmmod softlock ($1 round)" rmmod softlock
	ns=$(per "$out" ns_ok ok)
	is_number "$ns" || bench_fail "delete 1..$n on bench-dm ($1 round): no time in '$out'"
	echo "$ns"
}
rounds=
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		a=$(deletes without) && b=$(deletes with)
	else
		b=$(deletes with) && a=$(deletes without)
	fi || bench_fail "delete round $r of $ROUNDS"
	rounds="$rounds $a:$b"
done
# "mean without, mean with, median ratio, lowest, highest"
stats=$(echo "$rounds" | tr ' ' '\n' | grep : | awk -F: '{ print $2 / $1, $1, $2 }' |
	sort -n | awk '
	{ r[NR] = $1; s0 += $2; s1 += $3 }
	END {
		m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
		printf "%d %d %.4f %.4f %.4f", s0 / NR, s1 / NR, m, r[1], r[NR]
	}')
# shellcheck disable=SC2086 # five numbers, one word each
set -- $stats
bench kernel.delete_ns_without_module "$1" ns - "one 'delete' message, module not loaded (mean of $ROUNDS rounds of $n)"
bench kernel.delete_ns_with_module "$2" ns - "the same with the module loaded, 1000 locks on other ids"
bench kernel.delete_ratio "$3" ratio "<=1.05" "with / without: median of $ROUNDS interleaved rounds (range $4..$5)"
step "insmod softlock (refused round)" sl_load
out=$(slctl replace bench-dm held 1 "$n" 1 held- 2>&1) || bench_fail "replace of $n locks on ids 1..$n of bench-dm: $out"
[ "$out" = "committed $n" ] || bench_fail "replace of $n locks on ids 1..$n of bench-dm: '$out', not 'committed $n'"
step "create_thin 1..$n on bench-dm (refused round)" $dmb bench-dm create 1 "$n" >/dev/null
refused=$($dmb bench-dm delete 1 "$n") || bench_fail "held delete 1..$n on bench-dm: $refused"
# Every one of them is held: a delete that went through is the guard
# failing, not a faster figure.
expect "$refused" 0 "$n" ||
	bench_fail "held delete 1..$n on bench-dm: '$refused', not all $n refused (EBUSY)"
bench kernel.refused_delete_ns "$(per "$refused" ns_busy busy)" ns - "a refused 'delete' (EBUSY) ($refused)"
step "rmmod softlock (refused round)" rmmod softlock
# Unguarded again: the same ids must all go now.
out=$($dmb bench-dm delete 1 "$n") || bench_fail "delete 1..$n on bench-dm after the unload: $out"
expect "$out" "$n" 0 || bench_fail "delete 1..$n on bench-dm after the unload: '$out', not all $n done"
tap_ok "the kernel benchmark ran to the end"
