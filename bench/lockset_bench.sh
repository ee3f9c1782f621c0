#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Applying the largest lock set one LOCKSET frame carries (16 MiB: about
# 175,000 entries of one-byte names and texts), through the real server
# path: sl_lockset_send (user/mirror/lockset_tool.c) is the destination
# of a release session with `softlock serve --stdio` as the source, which
# reads the set, drops its duplicates (every 10th entry repeats an
# earlier one), checks it, records it in its catalog and installs it in
# the kernel as one replace. The time is from sending the LOCKSET to its
# LOCKSET_ACK, and its figure is printed as soon as the apply returns:
# the check of the kernel's locks comes after it, bounded.
#
# Entries name BENCH_LOCKSET_PCPIS snapshots of one volume, 512 locks
# each: the kernel takes at most max_locks_per_pcpi (1024) locks of one
# PCPI, staged ones included, so 512 is the most a set that is to be
# replaced can hold per PCPI. The rest of the frame are ids the source
# does not have (counted missing, not installed). Installing all of a
# frame's entries would take about 340 PCPIs, and lvcreate alone took
# 1132 s for 360 snapshots under TCG; 32 keep it near a minute.
#
# Figures: the first install (a new origin), then a replace of it by the
# same set, both with the shipped binary; then the same replace with the
# test build paused for an instant (SOFTLOCK_TEST_AT) where the catalog
# has been recorded, to split that time into reading, checking, readying
# the PCPIs and recording the catalog, and what follows: the kernel's
# replace with its pin opens.
cd /softlock/tests || exit 1
. ./lib.sh
. /softlock/bench/bench_lib.sh
sl_init lvm softlock
tap_plan 1
step "insmod softlock" sl_load
PCPIS=${BENCH_LOCKSET_PCPIS:-32}
PER=512
SRC="env SOFTLOCK_HOST=benchA SOFTLOCK_DB=$SL_TMP/a.db"
SEND=/softlock/tests/sl_lockset_send
[ -x "$SEND" ] || SEND=/softlock/bin/sl_lockset_send
[ -x "$SEND" ] || bench_fail "sl_lockset_send not found"
FAULTS=/softlock/tests/softlock-test
[ -x "$FAULTS" ] || bench_fail "$FAULTS not found (user/Makefile softlock-test)"

make_loop 2G || bench_fail "loop device"
pv=$LOOP_DEV
step "pvcreate, vgcreate" sh -c "pvcreate -y $pv >/dev/null && vgcreate -y sllb $pv >/dev/null"
cleanup_push "vg_cleanup sllb $pv"
step "thin pool" lvcreate -y -L 1G -T sllb/pool
step "thin volume" lvcreate -y -V 8M -T sllb/pool -n vol
# Published PCPIs as the mirror makes them (vol.sl.N with a global id and
# a fingerprint tag), active, so that the set's install finds each ready.
# No metadata backup or archive per snapshot (-An): it is not what is
# measured, and it is most of what a thin snapshot costs.
gids=()
t0=$(now)
for i in $(seq 1 "$PCPIS"); do
	gid=$(cat /proc/sys/kernel/random/uuid)
	fp=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	step "snapshot $i" lvcreate -y -q -An -s -K -ay -n "vol.sl.$i" \
		--addtag "sl.gid.$gid" --addtag "sl.fp.$fp" sllb/vol
	gids+=("$gid")
done
echo "# $PCPIS snapshots in $(since "$t0") s" >&2

# NAME [BINARY [SOFTLOCK_TEST_AT]]: one full LOCKSET to a fresh
# `softlock serve --stdio`, for the dataset $DS naming the PCPIs $NAMED;
# sets L_*.
DS=benchB:sllb/copy
NAMED=("${gids[@]}")
apply() {
	local fifo=$SL_TMP/fifo line bin=${2:-softlock}
	rm -f "$fifo" && mkfifo "$fifo" || return 1
	$SRC ${3:+SOFTLOCK_TEST_AT=$3} "$bin" serve --stdio < "$fifo" 2>"$SL_TMP/serve.err" |
		"$SEND" ${MAXB:+--max-bytes "$MAXB"} bench sllb/vol "$DS" "$PER" 10 "${NAMED[@]}" \
		> "$fifo" 2>"$SL_TMP/send.err"
	line=$(grep '^entries ' "$SL_TMP/send.err") ||
		{ echo "bench: $1: $(cat "$SL_TMP/send.err" "$SL_TMP/serve.err")" >&2; return 1; }
	read -r _ L_ENTRIES _ L_DUPS _ L_BYTES _ L_US _ L_SENT _ L_CHECK <<< "$line"
	L_SECS=$(awk -v u="$L_US" 'BEGIN { printf "%.3f", u / 1e6 }')
	L_CHECK_SECS=$(awk -v u="$L_CHECK" 'BEGIN { printf "%.3f", u / 1e6 }')
	cat "$SL_TMP/serve.err" >&2
}

# The application locks the kernel holds (the bench's origin's alone),
# from `softlock metrics`, or nothing when it does not return within
# 120 s. Not `softlock holds`: with this set in the catalog its listing
# did not return in 120 s.
held() {
	local out

	out=$(timeout 120 $SRC softlock metrics --no-usage 2>/dev/null) ||
		{ echo "# softlock metrics failed or did not return in 120 s" >&2; return 0; }
	printf '%s\n' "$out" |
		awk '/^softlock_locks\{.*type="app"/ { n += $NF } END { print n + 0 }'
}

step "first install" apply first
bench lockset.entries "$L_ENTRIES" entries - "entries in one LOCKSET frame of $L_BYTES bytes"
bench lockset.duplicates "$L_DUPS" entries - "of them repeating an earlier entry"
bench lockset.install_seconds "$L_SECS" s "<=2" "LOCKSET to LOCKSET_ACK: a new origin's set ($PCPIS PCPIs, $PER locks each)"
bench lockset.sender_check_seconds "$L_CHECK_SECS" s - "of it: the sender's own check of the frame before writing it (sl_msg_end)"
step "replace" apply replace
bench lockset.replace_seconds "$L_SECS" s "<=2" "LOCKSET to LOCKSET_ACK: the same set replacing it"

# The split: the test build stops at "lockset-catalog" (the catalog
# recorded, the kernel not yet asked) and says so on the FIFO at; the
# reader notes the time and lets it go on at once. It opens at
# read-write, which does not block, so that it gives up after 900 s
# if the helper never gets there.
at=$SL_TMP/at go=$SL_TMP/go
rm -f "$at" "$go" && mkfifo "$at" "$go" || bench_fail "fifos"
{ read -r -t 900 _ <> "$at" && echo "$EPOCHREALTIME" > "$SL_TMP/at.t" && echo go > "$go"; } &
step "replace, split" apply split "$FAULTS" "lockset-catalog:1:pause:$at:$go"
wait
[ -s "$SL_TMP/at.t" ] || bench_fail "the test build did not reach lockset-catalog"
read -r t_cat < "$SL_TMP/at.t"
before=$(awk -v c="$t_cat" -v s="$L_SENT" 'BEGIN { printf "%.3f", c - s / 1e6 }')
after=$(awk -v t="$L_SECS" -v b="$before" 'BEGIN { printf "%.3f", t - b }')
bench lockset.split_total_seconds "$L_SECS" s - "the same replace by the test build, paused an instant at the catalog's commit"
bench lockset.split_to_catalog_seconds "$before" s - "of it: reading, de-duplicating, checking, readying the PCPIs, recording the catalog"
bench lockset.split_kernel_seconds "$after" s - "of it: the kernel's replace (pin opens included) and the ACK"

# The same frame for another dataset naming one id that no PCPI here has:
# every entry is missing, so this is the reading, de-duplicating,
# checking and the listing of the PCPIs alone, with nothing to record
# or install.
DS=benchB:sllb/none
NAMED=(00000000-0000-4000-8000-ffffffffffff)
step "a set of missing PCPIs" apply none
bench lockset.none_here_seconds "$L_SECS" s - "the same frame naming no PCPI here (nothing recorded or installed)"

# The same path for smaller sets (other datasets, each a new origin):
# the cost of a set against its size, which a de-duplication or check
# that is not linear would show. The 16 MiB frame's figure is above.
none16=$L_SECS
for mib in 2 4 8; do
	DS=benchB:sllb/none$mib MAXB=$((mib * 1024 * 1024))
	step "a ${mib} MiB set of missing PCPIs" apply "none$mib"
	bench "lockset.none_here_${mib}mib_seconds" "$L_SECS" s - \
		"the same, a frame of $L_BYTES bytes ($L_ENTRIES entries)"
	eval "none$mib=\$L_SECS"
done
MAXB=
# shellcheck disable=SC2154
bench lockset.none_here_16_over_4 "$(awk -v a="$none16" -v b="$none4" 'BEGIN { printf "%.2f", a / b }')" x "<=5" \
	"16 MiB's time over 4 MiB's: 4 when the cost is linear in the set, 16 when quadratic"

installed=$(held)
echo "# the kernel holds ${installed:-?} locks of the bench's origin ($PCPIS PCPIs x $PER expected)" >&2
[ -z "$installed" ] || [ "$installed" = $((PCPIS * PER)) ] ||
	bench_fail "the kernel holds $installed locks of the set, not $((PCPIS * PER))"
tap_ok "the lock-set benchmark ran to the end"
