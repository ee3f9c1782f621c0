#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's figures: one atomic replace of 1,000,000 locks (time, and
# slab memory per lock with texts of 26 to 32 bytes), a dump of them all,
# and thin-pool "delete" messages with and without the module, timed per
# ioctl by dm_msg_bench so no process start-up is counted.
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
sl_load max_locks=$((N + 1000)) || { echo "bench: insmod failed" >&2; exit 1; }
t0=$(now)
out=$(slctl replace $POOL bench 1 "$N" 1 "$PREFIX") || { echo "bench: replace failed: $out" >&2; exit 1; }
secs=$(since "$t0")
slab1=$(slab_bytes)
bench kernel.replace_1m_seconds "$secs" s - "one atomic replace installing $N locks ($out)"
bench kernel.replace_locks_per_second "$(awk -v n="$N" -v s="$secs" 'BEGIN { printf "%d", n / s }')" locks/s - "the same, as a rate"
bench kernel.bytes_per_lock "$(awk -v a="$slab0" -v b="$slab1" -v n="$N" 'BEGIN { printf "%d", (b - a) / n }')" B "<=200" \
	"slab growth / locks, each lock on its own PCPI, texts of 26..32 bytes"
grep -E '^(kmalloc-(64|96|128|192|256)|xa_node|radix_tree_node) ' /proc/slabinfo |
	awk '{ printf "# slab %s: %d objects of %d bytes\n", $1, $2, $4 }'
t0=$(now)
count=$(slctl count -P $POOL) || { echo "bench: dump failed" >&2; exit 1; }
bench kernel.dump_1m_seconds "$(since "$t0")" s - "a dump of all $N locks ($count)"
t0=$(now)
rmmod softlock
bench kernel.unload_1m_seconds "$(since "$t0")" s - "rmmod with $N locks held"
bench kernel.slab_left_after_unload "$(( $(slab_bytes) - slab0 ))" B - "slab growth left after the unload (noise: other caches move too)"

# The same locks, four to a PCPI (a PCPI held by several downstream hosts).
slab0=$(slab_bytes)
sl_load max_locks=$((N + 1000)) || exit 1
slctl replace $POOL bench 1 "$N" 1 "$PREFIX" 4 >/dev/null || exit 1
bench kernel.bytes_per_lock_4_per_pcpi "$(awk -v a="$slab0" -v b="$(slab_bytes)" -v n="$N" 'BEGIN { printf "%d", (b - a) / n }')" B "<=200" \
	"the same with four locks per PCPI"
rmmod softlock

# Delete messages on a raw pool: without the module, with it (no lock on
# the ids deleted, other locks on the pool), and refused.
make_pool bench-dm >/dev/null || { echo "bench: pool failed" >&2; exit 1; }
dmb=./dm_msg_bench
per() { # OUTPUT KEY COUNTKEY: nanoseconds per message
	echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" -v c="$3" '
		$1 == k { ns = $2 } $1 == c { n = $2 } END { printf "%d", n ? ns / n : 0 }'
}
# Interleaved rounds, the order flipped every round (without-with, then
# with-without), so drift of the shared machine falls on both sides; the
# ratio is the median of the rounds' ratios.
ROUNDS=${BENCH_ROUNDS:-8}
n=$((DELETES / ROUNDS))
deletes() { # MODE: one round's ns per delete, with or without the module
	local out
	if [ "$1" = with ]; then
		sl_load && slctl replace bench-dm other 1 1000 1000000 locked- >/dev/null || return 1
	fi
	$dmb bench-dm create 1 "$n" >/dev/null
	out=$($dmb bench-dm delete 1 "$n")
	[ "$1" = with ] && rmmod softlock
	per "$out" ns_ok ok
}
rounds=
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		a=$(deletes without) && b=$(deletes with) || exit 1
	else
		b=$(deletes with) && a=$(deletes without) || exit 1
	fi
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
set -- $stats
bench kernel.delete_ns_without_module "$1" ns - "one 'delete' message, module not loaded (mean of $ROUNDS rounds of $n)"
bench kernel.delete_ns_with_module "$2" ns - "the same with the module loaded, 1000 locks on other ids"
bench kernel.delete_ratio "$3" ratio "<=1.05" "with / without: median of $ROUNDS interleaved rounds (range $4..$5)"
sl_load
slctl replace bench-dm held 1 "$n" 1 held- >/dev/null
$dmb bench-dm create 1 "$n" >/dev/null
refused=$($dmb bench-dm delete 1 "$n")
bench kernel.refused_delete_ns "$(per "$refused" ns_busy busy)" ns - "a refused 'delete' (EBUSY) ($refused)"
rmmod softlock
$dmb bench-dm delete 1 "$n" >/dev/null
tap_ok "the kernel benchmark ran to the end"
