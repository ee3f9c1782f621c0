#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# softlock metrics against what the kernel, the catalog and LVM say: with
# real LVM holds and a mirror update A -> B (mirror_lib.sh), the locks per
# pool and type, held and pinned PCPIs and the held snapshots' exclusive
# bytes equal 'softlock holds --json [--usage]'; a relationship's bytes,
# times and result equal 'mirror status --json', a failed update reads 0
# and keeps the last success; sealing shows. Every line of the output
# follows the text exposition grammar, every metric has one HELP and one
# TYPE before its samples; --output replaces the file by a rename (a new
# inode, mode 0644 whatever the umask, no .tmp left). Without the module
# the catalog's metrics are still written, with softlock_module_loaded 0.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock thin_ls
. ./mirror_lib.sh
tap_plan 49

# The value of the sample NAME{LABELS} in TEXT, or "absent". LABELS is
# the exact label text, without braces ("" for none).
sample() { # NAME LABELS TEXT
	local want=$1
	[ -n "$2" ] && want="$1{$2}"
	# ENVIRON, not -v: awk would undo the escapes of a label value.
	printf '%s\n' "$3" | W=$want awk 'BEGIN { w = ENVIRON["W"] }
		substr($0, 1, length(w) + 1) == w " " { print substr($0, length(w) + 2); f = 1 }
		END { if (!f) print "absent" }'
}

# The exposition grammar, line by line, and HELP/TYPE once per metric,
# before its samples, its samples contiguous. Prints what is wrong.
format_errors() {
	printf '%s\n' "$1" | awk '
	function fail(m) { print "line " NR ": " m ": " $0; bad = 1 }
	/^# HELP / {
		if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("bad name")
		if (help[$3]++) fail("second HELP")
		if (sampled[$3]) fail("HELP after samples")
		next
	}
	/^# TYPE / {
		if (NF != 4 || $4 !~ /^(counter|gauge|untyped|summary|histogram)$/) fail("bad TYPE")
		if (type[$3]++) fail("second TYPE")
		if (!help[$3]) fail("TYPE before HELP")
		cur = $3
		next
	}
	/^#/ { fail("comment"); next }
	{
		lab = "[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
		re = "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{" lab "(," lab ")*\\})? (NaN|[+-]Inf|[-+]?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?)$"
		if ($0 !~ re) { fail("not a sample"); next }
		name = $0
		sub(/[{ ].*/, "", name)
		if (!type[name]) fail("sample without TYPE")
		if (name != cur) fail("samples of " name " not together")
		sampled[name] = 1
	}
	END { if (NR == 0) print "empty"; exit bad }'
}

# holds --json rows as "SNAPSHOT TYPE STATE PINNED [BYTES]" lines.
holds_rows() { # JSON
	printf '%s\n' "$1" | grep '"snapshot"' | sed -E \
		's/.*"snapshot":"([^"]*)","type":"([^"]*)".*"pinned":(true|false),"state":"([^"]*)"(,"exclusive_bytes":([0-9]+))?.*/\1 \2 \4 \3 \6/'
}

# What the kernel enforces on VG's pool, from HOLDS rows: "TYPE COUNT" per
# lock type, then "pcpis N", "pinned N", "bytes N" over distinct snapshots.
expected() { # VG ROWS
	printf '%s\n' "$2" | awk -v vg="$1" '
	index($1, vg "/") == 1 && ($3 == "held") {
		n[$2]++
		if (!seen[$1]++) { p++; if ($4 == "true") pin++; b += $5 }
	}
	END {
		split("owner dest-path qtree app", t, " ")
		for (i = 1; i <= 4; i++) print t[i], n[t[i]] + 0
		print "pcpis", p + 0; print "pinned", pin + 0; print "bytes", b + 0
	}'
}

# The same from the metrics output, for pool VG/pool.
measured() { # VG METRICS
	local t
	# A pool without locks is not in the kernel's dump: no samples.
	{
		for t in owner dest-path qtree app; do
			echo "$t $(sample softlock_locks "pool=\"$1/pool\",type=\"$t\"" "$2")"
		done
		echo "pcpis $(sample softlock_pcpis_held "pool=\"$1/pool\"" "$2")"
		echo "pinned $(sample softlock_pcpis_pinned "pool=\"$1/pool\"" "$2")"
		echo "bytes $(sample softlock_held_exclusive_bytes "pool=\"$1/pool\"" "$2")"
	} | sed 's/ absent$/ 0/'
}

jnum() { # KEY JSON: a number field of mirror status --json
	printf '%s\n' "$2" | sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" | head -1
}

# --- without the module ---
run env SOFTLOCK_DB="$SL_TMP/solo.db" softlock metrics
assert_eq "no module: metrics still exits 0" 0 "$RC" || diag "$OUT"
assert_eq "... softlock_module_loaded 0" 0 "$(sample softlock_module_loaded "" "$OUT")"
assert_eq "... the catalog's metrics are written" "0 0" \
	"$(sample softlock_catalog_holds "" "$OUT") $(sample softlock_mirror_relationships "" "$OUT")"
assert_eq "... and no kernel metric" absent "$(sample softlock_module_sealed "" "$OUT")"
assert_eq "... a valid exposition" "" "$(format_errors "$OUT")"

# --- holds and a mirror update A -> B ---
assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" mirror_hosts_setup
assert "mirror init ab: A -> B" on_a softlock mirror init --name ab "$VA/vol" "$(peer_b $VB/vol)"
assert "update ab" on_a softlock mirror update ab --json
# Data only the held snapshots map: the origins move on.
dd if=/dev/urandom of=/dev/$VA/vol bs=1M count=3 conv=fsync 2>/dev/null
assert "A: a snapshot of vol2, held twice" lvcreate -y -s $VA/vol2 -n keep
dd if=/dev/urandom of=/dev/$VA/vol2 bs=1M count=2 conv=fsync 2>/dev/null
assert "... as owner" on_a softlock hold $VA/keep --type owner --text 'ops "night"'
assert "... and as app" on_a softlock hold $VA/keep --type app --text backup
# A relationship whose peer does not exist: its update fails.
assert "mirror init bad: a peer that cannot start" \
	on_a softlock mirror init --name bad "$VA/vol2" "exec:'/nonexistent/sl-peer':$VB/vol2"
assert_fail "update bad fails" on_a softlock mirror update bad

t0=$(date +%s)
run on_a softlock metrics
t1=$(date +%s)
M=$OUT
assert_eq "A: metrics exits 0" 0 "$RC" || diag "$M"
assert_eq "a valid exposition: grammar, HELP and TYPE once per metric" "" "$(format_errors "$M")"
assert_eq "module loaded" 1 "$(sample softlock_module_loaded "" "$M")"
assert_eq "not sealed" 0 "$(sample softlock_module_sealed "" "$M")"
assert_eq "no part left out" 0 "$(sample softlock_metrics_collect_errors "" "$M")"
assert_eq "the guard is armed: softlock_guard_armed 1" 1 "$(sample softlock_guard_armed "" "$M")"
# The guard's counters: a raw delete of a held thin id reaches the kernel
# (an lvremove would be refused by LVM itself: the snapshot is pinned).
locked0=$(sample softlock_refused_deletes_total 'reason="locked"' "$M")
sealed0=$(sample softlock_refused_deletes_total 'reason="sealed"' "$M")
assert_match "refused deletes, by reason: counters" \
	"^# TYPE softlock_refused_deletes_total counter\$" "$M"
keep_id=$(lvs --noheadings -o thin_id $VA/keep | tr -d ' ')
assert_busy "a raw 'delete $keep_id' (A's held keep) is refused" \
	pool_msg $VA-pool-tpool "delete $keep_id"
run on_a softlock metrics
assert_eq "... and counted: locked +1, sealed unchanged" \
	"$((locked0 + 1)) $sealed0" \
	"$(sample softlock_refused_deletes_total 'reason="locked"' "$OUT") $(sample softlock_refused_deletes_total 'reason="sealed"' "$OUT")"
assert_match "the helper's version" '^softlock_build_info\{version="[0-9.]+"\} 1$' "$M"

run on_a softlock holds --json --usage
HA=$(holds_rows "$OUT")
diag "A's holds: $HA"
assert_eq "A's pool: locks per type, PCPIs, pinned, exclusive bytes = holds --json --usage" \
	"$(expected $VA "$HA")" "$(measured $VA "$M")"
assert "... with held exclusive data (the test means something)" \
	test "$(sample softlock_held_exclusive_bytes "pool=\"$VA/pool\"" "$M")" -ge $((4 << 20))
assert_eq "... two owner/app locks and B's dest-path lock" "1 1 1" \
	"$(sample softlock_locks "pool=\"$VA/pool\",type=\"owner\"" "$M") $(sample softlock_locks "pool=\"$VA/pool\",type=\"app\"" "$M") $(sample softlock_locks "pool=\"$VA/pool\",type=\"dest-path\"" "$M")"
run on_b softlock holds --json --usage
HB=$(holds_rows "$OUT")
assert_eq "B's pool (the kernel is shared): the same against B's holds" \
	"$(expected $VB "$HB")" "$(measured $VB "$M")"

run on_a softlock mirror status ab --json
S=$OUT
R='relationship="ab"'
assert_eq "ab: last transfer bytes = mirror status last_bytes" \
	"$(jnum last_bytes "$S")" "$(sample softlock_mirror_last_transfer_bytes "$R" "$M")"
assert "... and more than nothing" test "$(jnum last_bytes "$S")" -gt 0
assert_eq "ab: last update time = last_time" \
	"$(jnum last_time "$S")" "$(sample softlock_mirror_last_update_timestamp_seconds "$R" "$M")"
assert_eq "ab: last success time = last_success_time" \
	"$(jnum last_success_time "$S")" "$(sample softlock_mirror_last_success_timestamp_seconds "$R" "$M")"
assert_eq "ab: duration = last_ms / 1000" \
	"$(awk -v ms="$(jnum last_ms "$S")" 'BEGIN { print ms / 1000 }')" \
	"$(awk -v s="$(sample softlock_mirror_last_duration_seconds "$R" "$M")" 'BEGIN { print s + 0 }')"
assert_eq "ab: success 1" 1 "$(sample softlock_mirror_last_update_success "$R" "$M")"
start=$(jnum last_success_start "$S")
lag=$(sample softlock_mirror_lag_seconds "$R" "$M")
diag "ab: started $start, metrics between $t0 and $t1, lag $lag"
assert "ab: lag = now - the last success's start" \
	test "$start" -gt 0 -a "$lag" -ge $((t0 - start)) -a "$lag" -le $((t1 - start))
assert_match "ab: its source and destination in an info metric" \
	"^softlock_mirror_relationship_info\\{relationship=\"ab\",source=\"$VA/vol\",destination=\"exec:" "$M"

run on_a softlock mirror status bad --json
S=$OUT
R='relationship="bad"'
assert_eq "bad: success 0" 0 "$(sample softlock_mirror_last_update_success "$R" "$M")"
assert_eq "bad: its update time = last_time" \
	"$(jnum last_time "$S")" "$(sample softlock_mirror_last_update_timestamp_seconds "$R" "$M")"
assert_eq "bad: no last success, no lag" "absent absent" \
	"$(sample softlock_mirror_last_success_timestamp_seconds "$R" "$M") $(sample softlock_mirror_lag_seconds "$R" "$M")"

# A failure after a success keeps the success.
ok_ts=$(sample softlock_mirror_last_success_timestamp_seconds 'relationship="ab"' "$M")
echo "false" > "$SL_TMP/b/test-env"
assert_fail "ab: an update whose peer fails" on_a softlock mirror update ab
rm -f "$SL_TMP/b/test-env"
run on_a softlock metrics
assert_eq "ab after a failure: success 0, the last success kept" "0 $ok_ts" \
	"$(sample softlock_mirror_last_update_success 'relationship="ab"' "$OUT") $(sample softlock_mirror_last_success_timestamp_seconds 'relationship="ab"' "$OUT")"

assert "seal" on_a softlock seal
run on_a softlock metrics
assert_eq "sealed: softlock_module_sealed 1" 1 "$(sample softlock_module_sealed "" "$OUT")"
assert "unseal" on_a softlock unseal

# --- --output: a new file by rename, 0644, no .tmp ---
D=$SL_TMP/textfile
mkdir -p "$D"
echo "old" > "$D/softlock.prom"
ino=$(ls -i "$D/softlock.prom" | awk '{ print $1 }')
run sh -c "umask 077; $ENV_A softlock metrics --output $D/softlock.prom"
assert_eq "--output: exits 0, a valid file" "0 " "$RC $(format_errors "$(cat "$D/softlock.prom")")"
assert_eq "... replaced by a rename (a new inode), mode 644, no .tmp left" \
	"new 644 none" \
	"$([ "$(ls -i "$D/softlock.prom" | awk '{ print $1 }')" != "$ino" ] && echo new) $(stat -c %a "$D/softlock.prom") $(ls "$D" | grep -c '\.tmp$' | sed 's/^0$/none/')"
run on_a softlock metrics --output "$SL_TMP/no/such/dir/softlock.prom"
assert_match "--output into a missing directory fails, naming the file" "cannot create $SL_TMP/no/such/dir/softlock.prom.tmp" "$OUT"

# --- --output never follows a link planted where it writes ---
echo precious > "$SL_TMP/victim"
ln -s "$SL_TMP/victim" "$D/softlock.prom.tmp"
ln -sf "$SL_TMP/victim" "$D/softlock.prom"
run on_a softlock metrics --output "$D/softlock.prom"
assert_eq "links planted at FILE.tmp and FILE: neither followed, FILE a new file" \
	"0 precious regular file" "$RC $(cat "$SL_TMP/victim") $(stat -c %F "$D/softlock.prom")"
assert_eq "... and no temporary file left" "" \
	"$(find "$D" -mindepth 1 ! -name softlock.prom ! -name softlock.prom.tmp)"
