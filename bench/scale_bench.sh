#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory at scale: a 64 GiB thin volume with 100,000 separately mapped
# chunks (64 KiB, one every 640 KiB), mirrored host A -> host B over an
# exec: transport; then an incremental with every tenth chunk rewritten
# (thin_delta lists 10,000 changed runs among 90,000 unchanged ones).
# Figures: both helpers' peak RSS for each (goal: under 64 MiB, whatever
# the number of ranges), and the times.
#
# 100,000 chunks are 6.1 GiB of data, more than the guest's memory: each
# pool's data LV lies on a PV whose head is a small loop device (its label
# and VG metadata) and whose rest is dm-zero (writes dropped, reads zero).
# The pool metadata is on a real loop device; every chunk is zeros, so
# what each side reads back is what was written, and the helpers read,
# checksum, send and write every byte as they would on a real disk.
# The source's 100,000 mappings are written into its pool's metadata
# with thin_restore (through LVM's metadata swap) rather than by 100,000
# writes, which took 870 s under TCG; the incremental's 10,000 are real
# writes.
cd /softlock/tests || exit 1
. ./lib.sh
. /softlock/bench/bench_lib.sh
. /softlock/bench/mirror_lib.sh
sl_init lvm softlock thin_delta
tap_plan 1
step "insmod softlock" sl_load
step "modprobe dm-zero" modprobe dm-zero
RANGES=${BENCH_SCALE_RANGES:-100000}
CHUNK=65536
STRIDE=10	# chunks from one mapped chunk to the next
# The destination helper's own peak RSS: hwm_run.sh reads its VmHWM.
PEER_B="exec:'$B /softlock/bench/hwm_run.sh $SL_TMP/peer.hwm softlock serve --stdio'"

# CMD...: run CMD; when it fails, say which command and what it printed
# (the steps below would otherwise fail with only their exit status).
say() {
	"$@" >"$SL_TMP/say.out" 2>&1 && return 0
	echo "bench: $* (exit status $?): $(cat "$SL_TMP/say.out")" >&2
	return 1
}

# HEAD VG: a PV of 80 GiB whose first 8 MiB are the loop device HEAD (its
# label and metadata) from 1 MiB on, so that LVM does not find the same
# label on HEAD itself, and the rest dm-zero.
zero_pv() {
	printf '0 16384 linear %s 2048\n16384 %s zero\n' "$1" $(((80 << 21) - 16384)) |
		dmsetup create "$2-zpv"
}

# VG: a VG whose pool (12 GiB, 64 KiB chunks, no zeroing) keeps its data
# on dm-zero and its metadata on a loop device (SCALE_META).
scale_vg() {
	local vg=$1 head
	say make_loop 16M || return 1
	head=$LOOP_DEV
	say make_loop 512M || return 1
	SCALE_META=$LOOP_DEV
	say zero_pv "$head" "$vg" || return 1
	cleanup_push "dmsetup remove $vg-zpv"
	say pvcreate -y "/dev/mapper/$vg-zpv" || return 1
	say pvcreate -y "$SCALE_META" || return 1
	say vgcreate -y "$vg" "/dev/mapper/$vg-zpv" "$SCALE_META" || return 1
	cleanup_push "vg_cleanup $vg $SCALE_META"
	say lvcreate -y -an -Zn -L 12G -n pool "$vg" "/dev/mapper/$vg-zpv" || return 1
	say lvcreate -y -an -Zn -L 128M -n pmeta "$vg" "$SCALE_META" || return 1
	say lvconvert -y --type thin-pool --poolmetadata "$vg/pmeta" \
		--chunksize 64k -Zn "$vg/pool"
}

# XML: thin_dump's XML of a pool whose one thin device maps nothing, with
# that device given RANGES one-chunk mappings, one every STRIDE chunks,
# on data blocks 0, 1, 2... (stdout).
map_xml() {
	awk -v n="$RANGES" -v s="$STRIDE" '
	/<device / {
		sub(/mapped_blocks="[0-9]*"/, "mapped_blocks=\"" n "\"")
		sub(/\/>[ \t]*$/, ">")
		print
		for (i = 0; i < n; i++)
			printf "    <single_mapping origin_block=\"%d\" data_block=\"%d\" time=\"0\"/>\n", i * s, i
		print "  </device>"
		next
	}
	/<\/device>/ { next }
	{ print }' "$1"
}

# VG: map RANGES chunks of VG/vol in its pool's metadata: swap the
# metadata out into an LV of its own (the pool inactive), dump it, restore
# it with the mappings added, and swap it back.
map_ranges() {
	local vg=$1
	say vgchange -an "$vg" || return 1
	say lvcreate -y -an -Zn -L 128M -n newmeta "$vg" "$SCALE_META" || return 1
	say lvconvert -y --thinpool "$vg/pool" --poolmetadata "$vg/newmeta" || return 1
	say lvchange -ay "$vg/newmeta" || return 1
	say dmsetup mknodes || return 1
	thin_dump "/dev/$vg/newmeta" > "$SL_TMP/meta.xml" ||
		{ echo "bench: thin_dump of $vg/newmeta failed" >&2; return 1; }
	map_xml "$SL_TMP/meta.xml" > "$SL_TMP/mapped.xml" || return 1
	say thin_restore -i "$SL_TMP/mapped.xml" -o "/dev/$vg/newmeta" || return 1
	say lvchange -an "$vg/newmeta" || return 1
	say lvconvert -y --thinpool "$vg/pool" --poolmetadata "$vg/newmeta" || return 1
	say lvremove -y "$vg/newmeta" || return 1
	say lvchange -ay "$vg/vol" || return 1
	say dmsetup mknodes
}

# LIST: write a 64 KiB chunk of zeros at each "mapped OFFSET LENGTH"
# line, from a dm-zero device, through the mirror's own data path
# (sl_apply): one process, one write per chunk.
write_ranges() {
	./sl_apply /dev/mapper/scale-zero /dev/sca/vol < "$1" > "$SL_TMP/apply.out" 2>&1 ||
		{ echo "bench: sl_apply: $(cat "$SL_TMP/apply.out")" >&2; return 1; }
}

# VG LV: the number of data blocks the thin LV maps (lvs data_percent is
# too coarse at 100,000 of 1,048,576).
mapped_chunks() {
	local pct
	pct=$(lvs --noheadings -o data_percent "$1/$2" | tr -d ' ') || return 1
	awk -v p="$pct" 'BEGIN { printf "%.0f\n", p * 1048576 / 100 }'
}

# VG LV: LV's thin id.
thin_id() {
	lvs --noheadings -o thin_id "$1/$2" | tr -d ' '
}

# KIND ARGS...: how long the helper's range source takes on the source
# pool, apart from the transfer: thin_dump or thin_delta alone on a
# metadata snapshot (ARGS are its options but the device), then the same
# tool read through the helper's own parser (sl_ranges, the code the
# update runs), whose time less the tool's is the parse's. KIND names the
# figures (baseline or update).
range_times() {
	local kind=$1 tool=$2 t0 rc
	shift 2
	say dmsetup message sca-pool-tpool 0 reserve_metadata_snap || return 1
	t0=$(now)
	"$tool" -m "$@" /dev/mapper/sca-pool_tmeta > "$SL_TMP/tool.xml"
	rc=$?
	RT_TOOL=$(since "$t0")
	say dmsetup message sca-pool-tpool 0 release_metadata_snap || return 1
	[ "$rc" = 0 ] || { echo "bench: $tool $* failed ($rc)" >&2; return 1; }
	bench "scale.${kind}_${tool}_seconds" "$RT_TOOL" s - \
		"$tool of the source pool's metadata alone ($(wc -l < "$SL_TMP/tool.xml") lines of XML)"
}

# KIND MODE IDS...: sl_ranges MODE on the source pool (thin tool + parse).
parse_times() {
	local kind=$1 t0 secs
	shift
	t0=$(now)
	./sl_ranges "$@" > "$SL_TMP/ranges.out" 2>&1 ||
		{ echo "bench: sl_ranges $*: $(cat "$SL_TMP/ranges.out")" >&2; return 1; }
	secs=$(since "$t0")
	bench "scale.${kind}_ranges_seconds" "$secs" s - \
		"the helper's range source alone (sl_ranges $1: thin tool and parse, $(grep -c -v '^block_size' "$SL_TMP/ranges.out") ranges)"
	bench "scale.${kind}_parse_seconds" \
		"$(awk -v a="$secs" -v b="$RT_TOOL" 'BEGIN { printf "%.3f", (a > b ? a - b : 0) }')" \
		s - "of which the parse: sl_ranges less the thin tool alone"
}

# NAME: update() with each line of the helper's --json output stamped
# with the time it arrived (progress lines come at most every 0.25 s),
# into $SL_TMP/update.ts; sets U_SECS and U_JSON as update() does.
timed_update() {
	local t0 rc
	t0=$(now)
	$A softlock mirror update "$1" --json 2>"$SL_TMP/update.err" |
		while IFS= read -r line; do
			printf '%s %s\n' "$EPOCHREALTIME" "$line"
		done > "$SL_TMP/update.ts"
	rc=${PIPESTATUS[0]}
	U_SECS=$(since "$t0")
	U_T0=$t0
	U_JSON=$(cut -d' ' -f2- "$SL_TMP/update.ts")
	[ "$rc" = 0 ] ||
		{ echo "bench: update $1 failed ($rc): $(cat "$SL_TMP/update.err")" >&2; return 1; }
	printf '%s\n' "$U_JSON" | grep -q '"event":"done"' ||
		{ echo "bench: update $1 printed no \"done\" line: $U_JSON" >&2; return 1; }
}

# KIND WHAT: the figures of the update just run (timed_update): its time,
# its phases from the stamps of its progress lines, and both helpers'
# peak RSS. Until the first progress line: the lock set, the snapshot,
# thin_dump or thin_delta and the parse, retention, OFFER and ACCEPT, and
# the stream's first 0.25 s. From it to the final one: the stream (DATA
# read, checksummed, sent, written; flushes and checkpoints). After: the
# last flush, the digest check, publish and the lock set after.
report() {
	local kind=$1 what=$2 phases to_stream stream publish first
	phases=$(awk -v t0="$U_T0" '
	/"event":"progress"/ {
		if (!first) { first = $1; fb = $0; sub(/.*"bytes_done":/, "", fb); sub(/,.*/, "", fb) }
		if (/"final":true/) last = $1
	}
	/"event":"done"/ { done = $1 }
	END {
		if (!first || !last || !done) exit 1
		printf "%.3f %.3f %.3f %.0f\n", first - t0, last - first, done - last, fb
	}' "$SL_TMP/update.ts") || bench_fail "the progress lines of the $kind"
	read -r to_stream stream publish first <<< "$phases"
	bench "scale.${kind}_seconds" "$U_SECS" s - "$what"
	bench "scale.${kind}_to_stream_seconds" "$to_stream" s - "start to the first progress line (lock set, snapshot, ranges, OFFER/ACCEPT, the stream's first 0.25 s)"
	bench "scale.${kind}_stream_seconds" "$stream" s - "first progress line to the final one (the stream after its first $first bytes)"
	bench "scale.${kind}_publish_seconds" "$publish" s - "final progress line to done (flush, digest check, publish, lock set after)"
	bench "scale.${kind}_data_bytes" "$(json_field data_bytes "$U_JSON")" B - "DATA bytes sent"
	bench "scale.${kind}_changed_bytes" "$(json_field changed_bytes "$U_JSON")" B - "changed bytes, as thin_dump or thin_delta reports them"
	bench "scale.${kind}_max_rss_kib" "$(json_field max_rss_kib "$U_JSON")" KiB "<=65536" "source helper's peak RSS (its own), $what"
	bench "scale.${kind}_peer_hwm_kib" "$(cat "$SL_TMP/peer.hwm")" KiB "<=65536" "destination helper's peak RSS (its own VmHWM), $what"
	bench "scale.${kind}_children_max_rss_kib" "$(json_field peer_max_rss_kib "$U_JSON")" KiB - "largest peak RSS among the source's children (the destination helper, lvm, the thin tools...), $what"
}

# The sparse loop files live in /tmp: let it use the guest's memory.
step "remount of /tmp with 90% of the memory" mount -o remount,size=90% /tmp
step "VG sca" scale_vg sca
step "lvcreate of sca/vol (64 GiB)" say lvcreate -y -V 64G -T sca/pool -n vol
t0=$(now)
step "$RANGES mappings into sca/vol's metadata" map_ranges sca
bench scale.map_seconds "$(since "$t0")" s - "metadata swap, thin_restore of $RANGES mappings, swap back"
got=$(mapped_chunks sca vol) || bench_fail "lvs of sca/vol"
# data_percent has two decimals: 0.01% of 1,048,576 blocks is 105.
if [ "$got" -lt $((RANGES - 110)) ] || [ "$got" -gt $((RANGES + 110)) ]; then
	bench_fail "sca/vol maps $got chunks, not $RANGES"
fi
step "VG scb" scale_vg scb
step "dm-zero source of the writes" \
	dmsetup create scale-zero --table "0 $((64 << 21)) zero"
cleanup_push "dmsetup remove scale-zero"

# The helper's range source alone, on the volume's own mappings (what
# the baseline's snapshot maps).
id=$(thin_id sca vol) || bench_fail "thin id of sca/vol"
step "thin_dump alone" range_times baseline thin_dump --dev-id "$id"
step "sl_ranges mapped" parse_times baseline mapped sca-pool-tpool /dev/mapper/sca-pool_tmeta "$id"

# shellcheck disable=SC2086 # $A is a command prefix, split on purpose
step "mirror init sc" $A softlock mirror init --keep 2 --name sc sca/vol "$PEER_B:scb/vol" >/dev/null
rm -f "$SL_TMP/peer.hwm"
step "baseline update of sc ($RANGES ranges)" timed_update sc
report baseline "baseline of 64 GiB with $RANGES mapped chunks"
got=$(mapped_chunks scb vol.sl.1) || bench_fail "lvs of scb/vol.sl.1"
if [ "$got" -lt $((RANGES - 110)) ] || [ "$got" -gt $((RANGES + 110)) ]; then
	bench_fail "scb/vol.sl.1 maps $got chunks, not $RANGES"
fi

awk -v n="$RANGES" -v s="$STRIDE" -v c="$CHUNK" \
	'BEGIN { for (i = 0; i < n; i += 10) print "mapped", i * s * c, c }' \
	> "$SL_TMP/tenth" || bench_fail "the list of every tenth range"
t0=$(now)
step "rewrite of every tenth chunk" write_ranges "$SL_TMP/tenth"
bench scale.rewrite_seconds "$(since "$t0")" s - "$((RANGES / 10)) separate 64 KiB writes (one process)"
rm -f "$SL_TMP/peer.hwm"
step "incremental update of sc" timed_update sc
report update "incremental, $((RANGES / 10)) of $RANGES chunks rewritten"
# The range source alone between the two PCPIs the updates took.
id=$(thin_id sca vol.sl.1) || bench_fail "thin id of sca/vol.sl.1"
id2=$(thin_id sca vol.sl.2) || bench_fail "thin id of sca/vol.sl.2"
step "thin_delta alone" range_times update thin_delta --snap1 "$id" --snap2 "$id2"
step "sl_ranges delta" parse_times update delta sca-pool-tpool /dev/mapper/sca-pool_tmeta "$id" "$id2"
tap_ok "the scale benchmark ran to the end"
