#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mirror's figures, host A -> host B (a VG, pool and catalog each, as
# in the selftests) over an exec: transport in one guest:
#   - a 1 GiB thin volume, half written: the baseline against dd of the
#     whole volume (read into /dev/null: a full copy's lower bound);
#   - random 4 KiB..1 MiB writes changing 1%, 5% and 10% of it: each
#     incremental update against a full dd copy of the same snapshot and
#     against a plain script doing what thin-send-recv and wyng do (a
#     snapshot on each side, thin_delta, dd of every changed range);
#     bytes on the wire against the changed chunks thin_delta reports;
#   - the update time of a 1% change on 256 MiB, 512 MiB and 1 GiB;
#   - both helpers' peak RSS.
# Every step is checked (bench_lib.sh): a failed lvcreate, dd, update or
# thin_delta stops the run naming it, never a figure made from it.
cd /softlock/tests || exit 1
. ./lib.sh
. /softlock/bench/bench_lib.sh
. /softlock/bench/mirror_lib.sh
sl_init lvm softlock thin_delta
# One line of TAP: the run's exit status says whether it got to the end.
tap_plan 1
step "insmod softlock" sl_load
SIZE_MB=${BENCH_SIZE_MB:-1024}
# SRC: seconds for dd of all of SRC (O_DIRECT, 4 MiB units) into
# /dev/null. A full copy must also send and write it: this is its lower
# bound, which flatters dd, and keeps the guest's memory for the volumes.
dd_secs() {
	local t0
	if ! { lvchange -ay -K "${1#/dev/}" && dmsetup mknodes; } >"$SL_TMP/dd.err" 2>&1; then
		echo "bench: activating ${1#/dev/}: $(cat "$SL_TMP/dd.err")" >&2
		return 1
	fi
	t0=$(now)
	dd if="$1" of=/dev/null bs=4M iflag=direct 2>"$SL_TMP/dd.err" ||
		{ echo "bench: dd of $1: $(cat "$SL_TMP/dd.err")" >&2; return 1; }
	since "$t0"
}

# SRCVG BASE DSTVG DSTBASE: what thin-send-recv or wyng plus two lvcreate
# do for one update, as a plain script, timed whole: snapshot the source
# volume, snapshot the destination's copy of BASE to write into (so the
# destination keeps a consistent PCPI too), thin_delta between BASE and
# the new snapshot, then dd of each changed or added range. No locks, no
# catalog, no checkpoints, no verification of what the peer holds.
# Prints the seconds it took; removes both snapshots after.
script_secs() {
	local vg=$1 dvg=$3 id1 id2 tpool t0 secs kind begin len rc
	tpool=$vg-pool-tpool
	t0=$(now)
	lvcreate -y -s "$vg/vol" -n scrsrc -ay -K >/dev/null ||
		{ echo "bench: script: lvcreate of $vg/scrsrc failed" >&2; return 1; }
	lvcreate -y -s "$dvg/$4" -n scr -ay -K >/dev/null ||
		{ echo "bench: script: lvcreate of $dvg/scr failed" >&2; return 1; }
	dmsetup mknodes || { echo "bench: script: dmsetup mknodes failed" >&2; return 1; }
	lvs --noheadings -o lv_name,thin_id "$vg" > "$SL_TMP/ids" ||
		{ echo "bench: script: lvs $vg failed" >&2; return 1; }
	id1=$(awk -v n="$2" '$1 == n { print $2 }' "$SL_TMP/ids")
	id2=$(awk '$1 == "scrsrc" { print $2 }' "$SL_TMP/ids")
	if [ -z "$id1" ] || [ -z "$id2" ]; then
		echo "bench: script: no thin id for $vg/$2 ('$id1') or $vg/scrsrc ('$id2')" >&2
		return 1
	fi
	dmsetup message "$tpool" 0 reserve_metadata_snap ||
		{ echo "bench: script: reserve_metadata_snap on $tpool failed" >&2; return 1; }
	thin_delta --metadata-snap --snap1 "$id1" --snap2 "$id2" \
		"/dev/mapper/$vg-pool_tmeta" > "$SL_TMP/delta.xml"
	rc=$?
	# Released whatever thin_delta did: a held metadata snapshot would
	# fail the next update's own.
	dmsetup message "$tpool" 0 release_metadata_snap ||
		{ echo "bench: script: release_metadata_snap on $tpool failed" >&2; return 1; }
	[ "$rc" = 0 ] || { echo "bench: script: thin_delta $id1 $id2 failed (exit status $rc)" >&2; return 1; }
	sed -n 's/.*<\(different\|right_only\) begin="\([0-9]*\)" length="\([0-9]*\)".*/\1 \2 \3/p' \
		"$SL_TMP/delta.xml" > "$SL_TMP/delta.txt"
	# The change was just written: a delta without a range means the
	# script copied nothing, and its time would flatter it.
	[ -s "$SL_TMP/delta.txt" ] ||
		{ echo "bench: script: thin_delta $id1 $id2 reported no changed range" >&2; return 1; }
	while read -r kind begin len; do
		dd if="/dev/$vg/scrsrc" of="/dev/$dvg/scr" bs="$CHUNK" skip="$begin" \
			seek="$begin" count="$len" iflag=direct oflag=direct \
			conv=notrunc 2>"$SL_TMP/dd.err" ||
			{ echo "bench: script: dd of $kind range $begin+$len: $(cat "$SL_TMP/dd.err")" >&2; return 1; }
	done < "$SL_TMP/delta.txt"
	secs=$(since "$t0")
	lvremove -y "$vg/scrsrc" "$dvg/scr" >/dev/null ||
		{ echo "bench: script: lvremove of $vg/scrsrc $dvg/scr failed" >&2; return 1; }
	echo "$secs"
}

# The loop files live in /tmp: let it use the guest's memory.
step "remount of /tmp with 90% of the memory" mount -o remount,size=90% /tmp
step "VG and pool bma" host_vg bma 6G
step "VG and pool bmb" host_vg bmb 6G
CHUNK=$(lvs --noheadings --units b --nosuffix -o chunk_size bma/pool | tr -d ' ')
is_number "$CHUNK" || bench_fail "chunk size of bma/pool: '$CHUNK'"

# --- 1 GiB, half written: baseline, then 1%, 5%, 10% ---
step "lvcreate of bma/vol (${SIZE_MB} MiB)" lvcreate -y -V "${SIZE_MB}M" -T bma/pool -n vol >/dev/null
step "dmsetup mknodes for bma/vol" dmsetup mknodes
step "dd of $((SIZE_MB / 2)) MiB of random data into bma/vol" \
	dd if=/dev/urandom of=/dev/bma/vol bs=1M count=$((SIZE_MB / 2)) oflag=direct status=none
# shellcheck disable=SC2086 # $A is a command prefix, split on purpose
step "mirror init ab" $A softlock mirror init --keep 2 --name ab bma/vol "$PEER_B:bmb/vol" >/dev/null
step "baseline update of ab" update ab
base_secs=$U_SECS
dd_full=$(dd_secs /dev/bma/vol.sl.1) || bench_fail "dd of /dev/bma/vol.sl.1"
bench mirror.baseline_seconds "$base_secs" s - "baseline of a ${SIZE_MB} MiB volume, half written"
bench mirror.baseline_data_bytes "$(json_field data_bytes "$U_JSON")" B - "DATA bytes of the baseline (the mapped half)"
bench mirror.dd_full_seconds "$dd_full" s - "dd of the whole volume"
bench mirror.baseline_vs_dd "$(ratio "$base_secs" "$dd_full")" ratio - "baseline time / dd of the whole volume"
bench mirror.baseline_max_rss_kib "$(json_field max_rss_kib "$U_JSON")" KiB - "source helper's peak RSS"
bench mirror.baseline_peer_max_rss_kib "$(json_field peer_max_rss_kib "$U_JSON")" KiB - "destination helper's peak RSS"

prev=1
for pct in 1 5 10; do
	step "random writes changing ${pct}% of bma/vol" change bma vol "$pct" "$pct"
	step "${pct}% update of ab" update ab
	cur=$((prev + 1))
	changed=$(json_field changed_bytes "$U_JSON")
	wire=$(json_field wire_bytes "$U_JSON")
	bench "mirror.update_${pct}pct_seconds" "$U_SECS" s - "incremental update, ${pct}% of ${SIZE_MB} MiB changed"
	bench "mirror.update_${pct}pct_changed_bytes" "$changed" B - "changed chunks, as thin_delta reports them"
	bench "mirror.wire_ratio_${pct}pct" "$(ratio "$wire" "$changed")" ratio "<=1.02" "bytes on the wire (both ways, all frames) / changed bytes"
	bench "mirror.update_${pct}pct_max_rss_kib" "$(json_field max_rss_kib "$U_JSON")" KiB - "source helper's peak RSS"
	bench "mirror.update_${pct}pct_peer_max_rss_kib" "$(json_field peer_max_rss_kib "$U_JSON")" KiB - "destination helper's peak RSS"
	dd=$(dd_secs "/dev/bma/vol.sl.$cur") || bench_fail "dd of /dev/bma/vol.sl.$cur"
	goal=-
	[ "$pct" = 1 ] && goal="<=0.05"
	bench "mirror.update_vs_dd_${pct}pct" "$(ratio "$U_SECS" "$dd")" ratio "$goal" "update time / dd of the same snapshot ($dd s)"
	scr=$(script_secs bma "vol.sl.$prev" bmb "vol.sl.$prev") ||
		bench_fail "the script's update from vol.sl.$prev (${pct}%)"
	bench "mirror.update_vs_script_${pct}pct" "$(ratio "$U_SECS" "$scr")" ratio "<=1.0" "update time / a script's snapshots + thin_delta + dd per range ($scr s)"
	prev=$cur
done

# --- growth with volume size, 1% changed ---
for mb in 256 512; do
	step "lvcreate of bma/v$mb" lvcreate -y -V "${mb}M" -T bma/pool -n "v$mb" >/dev/null
	step "dmsetup mknodes for bma/v$mb" dmsetup mknodes
	step "dd of $((mb / 2)) MiB of random data into bma/v$mb" \
		dd if=/dev/urandom of="/dev/bma/v$mb" bs=1M count=$((mb / 2)) oflag=direct status=none
	# shellcheck disable=SC2086 # as above
	step "mirror init s$mb" $A softlock mirror init --name "s$mb" "bma/v$mb" "$PEER_B:bmb/v$mb" >/dev/null
	step "baseline update of s$mb" update "s$mb"
	step "random writes changing 1% of bma/v$mb" change bma "v$mb" 1 7
	step "1% update of s$mb" update "s$mb"
	bench "mirror.update_1pct_${mb}mib_seconds" "$U_SECS" s - "incremental update, 1% of $mb MiB changed"
done
tap_ok "the mirror benchmark ran to the end"
