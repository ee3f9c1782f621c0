#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The soak (issue 7): SOAK_SECONDS (default 600) of concurrent work on the
# module and the helper, then proof that nothing was left behind.
#
#   hosts      A and B as in the mirror tests (mirror_lib.sh): own network
#              namespace, VG, pool and catalog each; plus a raw dm-thin
#              pool (soakraw) on which only the module guards deletes.
#   baseline   before softlock.ko is loaded: /proc/slabinfo's active
#              objects of every kmalloc-* cache, 5 samples 2 s apart, each
#              after sync, drop_caches and a SLUB shrink of those caches
#              (which flushes the per-CPU slabs, whose free objects slabinfo
#              would count as active). The spread of the 5 idle samples is
#              the kernel's own noise.
#   workers    from a seeded PRNG (SOAK_SEED, printed), until the deadline:
#     churn    hold / release (by text or --all) / hold again on random
#              LVM snapshots and raw thin ids through the helper on A, with
#              random types and texts of 1 to 255 bytes, and atomic replaces
#              of 0..300 locks on ids no volume uses (sl_ctl replace);
#     churn_ctl the same with sl_ctl add/del on other raw ids: no catalog,
#              no LVM, so many more changes per second;
#     mirror   random writes to A's volume, `softlock mirror update` A -> B
#              (--keep 2), every 5th followed by `mirror verify`;
#     delete   lvremove -y, and raw "delete N" messages, on held and unheld
#              snapshots: a held one must be refused (and still exist), an
#              unheld one must go (then it is made again). A per-snapshot
#              flock(1) and state file shared with churn make "held" exact.
#              Raw deletes of unheld ids go to the raw pool only (on the LVM
#              pool they would break LVM's metadata); on a held LVM
#              snapshot, which the helper pins, dm-thin's own open count
#              refuses a raw delete as well as the guard;
#     readers  sl_ctl dump, holds --json, pools, the module's parameters.
#   memory     `softlock monitor` runs throughout: its VmRSS every
#              SOAK_SAMPLE seconds. Every helper command of the workers is
#              watched while it runs: its VmHWM (the helper's own peak RSS,
#              not that of the LVM commands it starts) read every 20 ms;
#              a mirror update reports its own and its peer's getrusage.
#   end        release everything, empty the replaced sets, remove the LVs
#              the soak made, rmmod softlock, and sample the slab again.
#
# Invariants (PASS/FAIL lines; any FAIL makes the exit status non-zero):
# no wrong delete outcome and no failed helper command; catalog and kernel
# agree (softlock verify) before the release, the lock table is empty
# after it; the device-mapper devices are those of the baseline; rmmod
# works; every kmalloc cache back within 3 x its idle spread + one slab
# per CPU; RSS flat: the median of the last third of each series (of 6
# samples or more; the monitor's and at least one other must have that
# many) at most 10% above the median of its first third; no
# WARNING/BUG/Oops in the kernel log.
#
# Not set -e/-u: lib.sh is written for plain sh, and the workers expect
# commands to fail (refused deletes).
cd /softlock/tests || exit 1
. ./lib.sh
. /softlock/bench/bench_lib.sh
sl_init lvm softlock thin_delta flock
. ./mirror_lib.sh
NCHECK=12
tap_plan $NCHECK

SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_SAMPLE=${SOAK_SAMPLE:-10}
SOAK_SEED=${SOAK_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
SOAK_SEED=$((SOAK_SEED % 2147483648))
# Per-cache slab tolerance, in objects: 3 x the spread of the idle
# samples, plus one slab per CPU (a CPU's current slab counts as in use
# whole; see slab_sample).
NCPU=$(nproc)
RSS_TOL_PCT=10
NLVM=6			# LVM snapshots slma/s1..s6 of slma/src
RAW_IDS="10 11 12 13 14 15 16 17"	# held through the helper
CTL_IDS="20 21 22 23 24 25 26 27"	# held with sl_ctl add/del
RAW=soakraw
echo "# soak: ${SOAK_SECONDS}s, seed $SOAK_SEED (SOAK_SEED=$SOAK_SEED reproduces the choices, not the timing)"

nfail=0
verdict() { # OK(0|1) DESC
	if [ "$1" = 0 ]; then
		echo "PASS: $2"
		tap_ok "$2"
	else
		echo "FAIL: $2"
		tap_fail "$2"
		nfail=$((nfail + 1))
	fi
}

D=$SL_TMP/soak
mkdir -p "$D/st" "$D/lk" "$D/rss" "$D/cnt"
: > "$D/wrong"

# The instruments (RSS, slab and series sampling) are in soak_lib.sh,
# the workers in soak_workers.sh: this script sources both and runs them.
# nap's FIFO, opened read-write: read -t on it sleeps without a fork (the
# guest has no /dev/fd for a process substitution).
mkfifo "$D/nap"
# NAPFD is read by nap() in soak_lib.sh.
# shellcheck disable=SC2034
exec {NAPFD}<> "$D/nap"
. /softlock/bench/soak_lib.sh

# ---------------------------------------------------------------- setup

step "remount of /tmp with 90% of the memory" mount -o remount,size=90% /tmp
setup() {
	local i id
	mirror_host_ns a && mirror_host_ns b || return 1
	mirror_host_vg $VA && mirror_host_vg $VB || return 1
	lvcreate -y -V 64M -T $VA/pool -n vol >/dev/null || return 1
	lvcreate -y -V 32M -T $VA/pool -n src >/dev/null || return 1
	dmsetup mknodes
	dd if=/dev/urandom of=/dev/$VA/vol bs=1M count=32 conv=fsync 2>/dev/null &&
		dd if=/dev/urandom of=/dev/$VA/src bs=1M count=8 conv=fsync 2>/dev/null || return 1
	for i in $(seq 1 $NLVM); do
		lvcreate -y -s $VA/src -n "s$i" >/dev/null || return 1
		: > "$D/st/lvm-s$i"
	done
	make_pool $RAW || return 1
	for id in $RAW_IDS; do
		thin_create $RAW "$id" || return 1
		: > "$D/st/raw-$id"
	done
	for id in $CTL_IDS; do
		thin_create $RAW "$id" || return 1
		: > "$D/st/ctl-$id"
	done
	# The readers' probe: an id only they hold and release.
	thin_create $RAW 30 || return 1
	# B's pool has a thin volume from the start, as it will at the end
	# (LVM keeps its -tpool device once it has had one).
	lvcreate -y -V 8M -T $VB/pool -n keep >/dev/null
}
setup || bail_out "setup of hosts A and B and the raw pool failed"
LVM_POOL=$VA-pool-tpool
LVM_UUID=$(dmsetup info -c --noheadings -o uuid $LVM_POOL)
dmsetup ls | awk '{ print $1 }' | sort > "$D/dm.before"

echo "# soak: slab baseline (softlock not loaded), 5 samples 2 s apart"
slab_series "$D/slab0"
caches0=$(awk 'NR > 2 { print $1 }' /proc/slabinfo | sort)

sl_load || bail_out "insmod softlock failed"
SLAB_NAMES=$(echo "$caches0" | awk 'FNR == NR { old[$1] = 1; next }
	FNR > 2 && !($1 in old) { printf "%s ", $1 }' - /proc/slabinfo)
echo "# soak: caches the module added: ${SLAB_NAMES:-none} (it allocates with kmalloc)"

on_a softlock mirror init --keep 2 --name ab $VA/vol "$(peer_b $VB/vol)" >/dev/null ||
	bail_out "mirror init failed"
# The baseline transfer, watched like the workers' commands: its VmHWM
# against the helper's own getrusage.
T0=$EPOCHSECONDS
# shellcheck disable=SC2086
hwm_run setup "$D/base.out" $ENV_A softlock mirror update ab --json || bail_out "baseline update failed"
echo "# soak: RSS cross-check on the baseline update: VmHWM read $HWM KiB," \
	"the helper's getrusage $(json_num max_rss_kib "$(cat "$D/base.out")") KiB" \
	"(its peer: $(json_num peer_max_rss_kib "$(cat "$D/base.out")") KiB)"

# The long-lived helper: softlock monitor, from its "ready" line on.
mkfifo "$D/mon.fifo"
# Events go to the initial network namespace only (softlock.rst): the
# monitor runs there, with A's catalog.
env SOFTLOCK_HOST=hostA SOFTLOCK_DB="$SL_TMP/a/softlock.db" softlock monitor > "$D/mon.fifo" 2>&1 &
MON=$!
bg_register $MON
exec 3< "$D/mon.fifo"
read -r -t 60 line <&3
[ "$line" = "listening for softlock events" ] || bail_out "monitor did not start: $line"
cat <&3 > "$D/monitor.out" &
bg_register $!

. /softlock/bench/soak_workers.sh

kmsg_mark
T0=$EPOCHSECONDS
# DEADLINE is read by alive() in soak_workers.sh.
# shellcheck disable=SC2034
DEADLINE=$((T0 + SOAK_SECONDS))
echo "# soak: workers start"
pids=
for w in churn churn_ctl mirror_worker delete_worker readers; do
	$w &
	bg_register $!
	pids="$pids $!"
done
while alive; do
	if [ -r "/proc/$MON/status" ]; then
		awk -v t=$((EPOCHSECONDS - T0)) '$1 == "VmRSS:" { print t, $2 }' "/proc/$MON/status" \
			>> "$D/rss/monitor"
	fi
	sleep "$SOAK_SAMPLE"
done
# shellcheck disable=SC2086
wait $pids
echo "# soak: workers done after $((EPOCHSECONDS - T0)) s"
mon_alive=1
[ -r "/proc/$MON/status" ] && ! grep -q '^State:.*Z' "/proc/$MON/status" && mon_alive=0 &&
	echo "# soak: monitor VmHWM $(awk '$1 == "VmHWM:" { print $2 }' "/proc/$MON/status") KiB, VmRSS $(awk '$1 == "VmRSS:" { print $2 }' "/proc/$MON/status") KiB"

# ---------------------------------------------------------------- figures

# Each worker saves its counts when it ends: a missing file is a worker
# that died, and its counts would read as 0 operations.
for w in churn churn_ctl mirror delete readers; do
	[ -e "$D/cnt/$w" ] || bench_fail "the $w worker did not end normally: no counts in $D/cnt/$w"
done
cat "$D/cnt/"* | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort > "$D/counts"
cnt() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$D/counts"; }
echo "# soak: counts: $(tr '\n' ' ' < "$D/counts")"
bench soak.seconds "$SOAK_SECONDS" s - "soak length (seed $SOAK_SEED)"
bench soak.seed "$SOAK_SEED" - - "PRNG seed (SOAK_SEED)"
bench soak.holds "$(cnt holds)" ops - "helper holds (LVM snapshots and raw ids)"
bench soak.releases "$(( $(cnt releases) + $(cnt releases_all) ))" ops - "helper releases (one by text, or --all)"
bench soak.ctl_adds "$(cnt holds_ctl)" ops - "sl_ctl add on raw ids"
bench soak.ctl_dels "$(cnt releases_ctl)" ops - "sl_ctl del on raw ids"
bench soak.replaces "$(cnt replaces)" ops - "atomic replaces of 0..300 locks on each pool"
bench soak.replace_locks "$(cnt replace_locks)" locks - "locks installed by those replaces"
bench soak.updates "$(cnt updates)" ops - "mirror updates A -> B ($(cnt verifies) verified)"
bench soak.update_data_bytes "$(cnt data_bytes)" B - "DATA bytes sent by those updates"
bench soak.refused_lvremove "$(cnt refused_lvremove)" ops - "lvremove of a held LVM snapshot, refused"
bench soak.refused_raw_delete_lvm "$(cnt refused_raw_lvm)" ops - "raw delete message for a held LVM snapshot, refused"
bench soak.refused_raw_delete "$(cnt refused_raw)" ops - "raw delete message for a held id of the raw pool, refused"
bench soak.allowed_lvremove "$(cnt allowed_lvremove)" ops - "lvremove of an unheld LVM snapshot, done"
bench soak.allowed_raw_delete "$(cnt allowed_raw)" ops - "raw delete message for an unheld id, done"
bench soak.reads "$(cnt reads)" ops - "rounds of dump, holds --json, pools and parameter reads"
bench soak.monitor_lines "$(wc -l < "$D/monitor.out")" lines - "events softlock monitor printed"
bench soak.monitor_refused "$(grep -c 'refused delete' "$D/monitor.out")" events - "refused deletes softlock monitor printed"
nwrong=$(wc -l < "$D/wrong")
bench soak.wrong_outcomes "$nwrong" ops "<=0" "wrong delete outcomes and failed commands"
[ "$nwrong" = 0 ] || sed 's/^/# soak: wrong: /' "$D/wrong" | head -40
verdict "$([ "$nwrong" = 0 ] && echo 0 || echo 1)" \
	"every held snapshot refused, every unheld one deleted, no helper command failed ($nwrong wrong)"
verdict "$([ "$(cnt refused_raw)" -gt 0 ] && [ "$(cnt allowed_raw)" -gt 0 ] &&
	[ "$(cnt refused_lvremove)" -gt 0 ] && [ "$(cnt allowed_lvremove)" -gt 0 ] &&
	[ "$(cnt updates)" -gt 1 ] && echo 0 || echo 1)" \
	"each kind of outcome happened (refused and allowed, raw and LVM; more than one update)"
nev=$(wc -l < "$D/monitor.out")
verdict "$([ "$mon_alive" = 0 ] && [ "$nev" -gt 0 ] && echo 0 || echo 1)" \
	"softlock monitor ran throughout and printed events ($nev lines)"

# ---------------------------------------------------------------- end

# The replaced sets are kernel-only (sl_ctl): empty them, then the
# catalog and the kernel must agree.
empty_kernel_only() {
	local key
	slctl replace "$LVM_UUID" soak-replace 999999 0 1000000 &&
		slctl replace $RAW soak-replace 999999 0 1000000 || return 1
	for key in "${CTL_KEYS[@]}"; do
		[ -s "$D/st/$key" ] || continue
		slctl del $RAW "${key#ctl-}" -o soakctl || return 1
	done
}
run empty_kernel_only
verdict $RC "sl_ctl's locks gone (replace of 0 locks, del of the rest)"
[ "$RC" = 0 ] || diag "$OUT"
run on_a softlock verify
verdict $RC "catalog and kernel agree after the soak (softlock verify)"
[ "$RC" = 0 ] || diag "$OUT"
teardown() {
	local lv
	kill "$MON" 2>/dev/null
	wait "$MON" 2>/dev/null
	on_a softlock release --all >/dev/null || return 1
	# B holds nothing unless a host downstream asked it to: no match is fine.
	if ! on_b softlock release --all > "$D/relb.out" 2>&1 &&
		! grep -q 'no hold matches' "$D/relb.out"; then
		cat "$D/relb.out"
		return 1
	fi
	for lv in $(lvs --noheadings -o lv_name $VA | tr -d ' ' | grep -E '^vol\.sl\.'); do
		lvremove -y "$VA/$lv" >/dev/null || return 1
	done
	for lv in $(lvs --noheadings -o lv_name $VB | tr -d ' ' | grep -E '^vol'); do
		lvremove -y "$VB/$lv" >/dev/null || return 1
	done
}
run teardown
verdict $RC "release --all on A and B, the mirror's LVs on A and B removed"
[ "$RC" = 0 ] || diag "$OUT"
locks=$(slctl count 2>&1)
verdict "$([ "$locks" = 0 ] && echo 0 || echo 1)" "the lock table is empty after the release (count: $locks)"
[ "$locks" = 0 ] || slctl dump | head -20 | sed 's/^/# left: /'
dmsetup ls | awk '{ print $1 }' | sort > "$D/dm.after"
run diff "$D/dm.before" "$D/dm.after"
verdict $RC "the device-mapper devices are those of the baseline"
[ "$RC" = 0 ] || diag "$OUT"
run rmmod softlock
verdict $RC "rmmod softlock"
[ "$RC" = 0 ] || diag "$OUT"

echo "# soak: slab after unload, 5 samples 2 s apart"
slab_series "$D/slab1"
# NAME BEFORE SPREAD SIZE AFTER SPREAD1 DELTA TOL: tolerance per cache.
awk -v ncpu="$NCPU" 'FNR == NR { b[$1] = $2; sp[$1] = $3; next }
	($1 in b) {
		tol = 3 * sp[$1] + ncpu * $5
		print $1, b[$1], sp[$1], $4, $2, $3, $2 - b[$1], tol
	}' "$D/slab0.med" "$D/slab1.med" | sort > "$D/slab.cmp"
echo "# soak: slab (active objects, medians of 5) cache before idle-spread after after-spread delta tolerance"
awk '$7 != 0 || $3 != 0 { printf "# slab %-22s %8d %5d %8d %5d %+7d %6d%s\n", $1, $2, $3, $5, $6, $7, $8, ($7 > $8 ? "  OVER" : "") }' "$D/slab.cmp"
read -r b0 b1 noise over tolb <<EOF
$(awk '{ b0 += $2 * $4; b1 += $5 * $4; n += $3 * $4; tb += $8 * $4; if ($7 > $8) o++ }
	END { printf "%d %d %d %d %d", b0, b1, n, o + 0, tb }' "$D/slab.cmp")
EOF
ncache=$(wc -l < "$D/slab.cmp")
# No cache in both samples would make every slab figure 0.
[ "$ncache" -gt 0 ] || bench_fail "no kmalloc cache found in both slab samples ($D/slab0.med, $D/slab1.med)"
echo "# soak: $ncache kmalloc caches; idle spread per cache at most $(awk '$3 > m { m = $3 } END { print m + 0 }' "$D/slab.cmp") objects"
bench soak.slab_kmalloc_bytes_before "$b0" B - "active kmalloc-* bytes before insmod (median of 5 settled samples)"
bench soak.slab_kmalloc_bytes_after "$b1" B - "the same after rmmod"
bench soak.slab_kmalloc_delta_bytes "$((b1 - b0))" B "<=$tolb" "after - before (sum of the per-cache tolerances as goal)"
bench soak.slab_idle_spread_bytes "$noise" B - "sum over caches of the idle samples' spread"
bench soak.slab_caches_over "$over" caches "<=0" "caches whose growth exceeds 3 x idle spread + one slab per CPU"
verdict "$([ "$over" = 0 ] && echo 0 || echo 1)" \
	"every kmalloc cache back to its baseline within 3 x idle spread + one slab per CPU ($over over; $((b1 - b0)) bytes in all)"

flat=0 judged=
echo "# soak: RSS series (KiB): kind n first-third-median last-third-median max ratio"
for kind in monitor hold-lvm hold-raw release-lvm release-raw probe-hold probe-check probe-release \
	holds pools update-source update-peer; do
	[ -s "$D/rss/$kind" ] || { echo "# soak: no $kind samples"; flat=1; continue; }
	read -r n m1 m3 mx <<< "$(series "$kind")"
	# Fewer than 3 samples have no thirds to compare: no figure rather
	# than a 0 or nan one (and, with fewer than 6, not judged below).
	if [ "$n" -lt 3 ]; then
		echo "# rss $kind: n=$n, too few samples for a ratio: no figure"
		continue
	fi
	r=$(ratio "$m3" "$m1") || bench_fail "RSS ratio of $kind: first third's median is '$m1' KiB"
	echo "# rss $kind: n=$n first=$m1 last=$m3 max=$mx ratio=$r"
	bench "soak.rss_${kind//-/_}_ratio" "$r" ratio "<=1.$RSS_TOL_PCT" \
		"$kind peak RSS: last third's median $m3 KiB / first third's $m1 KiB (n=$n, max $mx)"
	# A mirror update's source reads its pool's locks and the whole
	# catalog too, so like holds its input grows with the churn; each is
	# a new process, so nothing can pile up from one run to the next.
	# The fixed-input probe is what shows whether a command leaks.
	case $kind in holds | pools | update-source)
		echo "# rss $kind: not judged, its input follows the churn (kernel locks: $(series ../locks | awk '{ print "first third " $2 ", last third " $3 }'))"
		continue ;;
	esac
	if [ "$n" -lt 6 ]; then
		echo "# rss $kind: fewer than 6 samples, not judged"
		continue
	fi
	judged="$judged $kind"
	[ $((m3 * 100)) -le $((m1 * (100 + RSS_TOL_PCT))) ] || flat=1
done
# The long-lived monitor and at least one helper command must be judged.
case $judged in *monitor*" "*) ;; *) flat=1; echo "# soak: too few RSS samples to judge" ;; esac
verdict $flat "helper RSS flat: last-third median within ${RSS_TOL_PCT}% of the first third's (judged:$judged)"

# Since the soak's mark, or the whole ring buffer if refusals pushed the
# mark out of it (tools/vm/check.sh checks the whole console log anyway).
klog() {
	if dmesg | grep -q "$_sl_mark"; then dmesg_since_mark; else dmesg; fi
}
splats=$(klog | grep -cE 'WARNING:|BUG:|Oops|general protection fault|kernel BUG|UBSAN:|KASAN:|refcount_t:|Call Trace:')
verdict "$([ "$splats" = 0 ] && echo 0 || echo 1)" "no WARNING/BUG/Oops/Call Trace in the kernel log ($splats lines)"
[ "$splats" = 0 ] || klog | grep -m 20 -E -A 5 'WARNING:|BUG:|Oops|Call Trace:' | sed 's/^/# dmesg: /'
echo "# soak: $nfail of $NCHECK invariants failed"
