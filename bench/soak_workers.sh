# SPDX-License-Identifier: GPL-2.0
#
# The soak's workers, for soak_bench.sh, which sources this once its hosts,
# pools and monitor are up: churn (helper holds and releases, atomic
# replaces), churn_ctl (sl_ctl add/del), mirror_worker (updates and
# verifies A -> B), delete_worker (lvremove and raw deletes, judged) and
# readers, each on its own seeded PRNG until $DEADLINE, plus their shared
# helpers and the keys they draw from. Each saves its counts in $D/cnt.

# ---------------------------------------------------------------- workers

TYPES=(owner dest-path qtree app)
CS='abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/._-'
# Sets TXT: 1 to 255 printable bytes, unique (it starts with the worker's
# serial number), now and then with a space.
rand_text() {
	local n=$((1 + RANDOM % 255)) i
	SERIAL=$((SERIAL + 1))
	TXT="c$SERIAL-"
	for ((i = ${#TXT}; i < n; i++)); do
		TXT+=${CS:RANDOM % ${#CS}:1}
	done
	[ $((RANDOM % 8)) = 0 ] && TXT="${TXT:0:$((n / 2))} ${TXT:$((n / 2 + 1))}"
	TXT=${TXT:0:255}
}
KEYS=()
for i in $(seq 1 $NLVM); do KEYS+=("lvm-s$i"); done
for id in $RAW_IDS; do KEYS+=("raw-$id"); done
CTL_KEYS=()
for id in $CTL_IDS; do CTL_KEYS+=("ctl-$id"); done
# KEY: the helper's name for it
snap_args() {
	case $1 in
	lvm-*) SNAP=("$VA/${1#lvm-}") ;;
	raw-*) SNAP=(--pool "/dev/mapper/$RAW" --id "${1#raw-}") ;;
	esac
}
count() { # NAME: +1 (each worker keeps its own counters)
	CNT[$1]=$((${CNT[$1]:-0} + 1))
}
save_counts() { # WORKER
	local k
	for k in "${!CNT[@]}"; do echo "$k ${CNT[$k]}"; done > "$D/cnt/$1"
}
alive() { [ "$EPOCHSECONDS" -lt "$DEADLINE" ]; }

churn() {
	local key st n t gen=0
	declare -A CNT
	RANDOM=$SOAK_SEED
	SERIAL=0
	while alive; do
		if [ $((RANDOM % 10)) = 0 ]; then
			# An atomic replace of 0..300 locks on ids past every volume's.
			gen=$((gen + 1))
			n=$((RANDOM % 301))
			CNT[replace_locks]=$((${CNT[replace_locks]:-0} + 2 * n))
			rand_text
			for p in "$LVM_UUID" "$RAW"; do
				slctl replace "$p" soak-replace $gen $n 1000000 "${TXT:0:64}" \
					> "$D/replace.out" 2>&1 &&
					grep -qx "committed $n" "$D/replace.out" ||
					wrong "replace of $n locks on $p: $(cat "$D/replace.out")"
			done
			count replaces
			continue
		fi
		key=${KEYS[RANDOM % ${#KEYS[@]}]}
		st=$D/st/$key
		snap_args "$key"
		exec 4> "$D/lk/$key"
		flock 4
		n=$(wc -l < "$st")
		if [ "$n" -gt 0 ] && [ $((RANDOM % 2)) = 0 ]; then
			if [ $((RANDOM % 3)) = 0 ]; then
				hwm_run "release-${key%%-*}" "$D/churn.out" $ENV_A softlock release "${SNAP[@]}" --all &&
					: > "$st" || wrong "release --all of $key: $(cat "$D/churn.out")"
				count releases_all
			else
				t=$(sed -n "$((1 + RANDOM % n))p" "$st")
				if hwm_run "release-${key%%-*}" "$D/churn.out" $ENV_A softlock release "${SNAP[@]}" --text "$t"; then
					grep -vxF -- "$t" "$st" > "$st.new"
					mv "$st.new" "$st"
				else
					wrong "release of one hold of $key: $(cat "$D/churn.out")"
				fi
				count releases
			fi
		elif [ "$n" -lt 4 ]; then
			rand_text
			t=${TYPES[RANDOM % 4]}
			if hwm_run "hold-${key%%-*}" "$D/churn.out" $ENV_A softlock hold "${SNAP[@]}" \
				--type "$t" --text "$TXT" --origin soak; then
				printf '%s\n' "$TXT" >> "$st"
			else
				wrong "hold of $key ($t, ${#TXT} bytes): $(cat "$D/churn.out")"
			fi
			count holds
		fi
		flock -u 4
		exec 4>&-
	done
	save_counts churn
}

# The same on CTL_IDS with sl_ctl add/del (no helper, no catalog): many
# more lock changes per second, against the same guard.
churn_ctl() {
	local key st n id t
	declare -A CNT
	RANDOM=$((SOAK_SEED + 3))
	SERIAL=0
	while alive; do
		key=${CTL_KEYS[RANDOM % ${#CTL_KEYS[@]}]}
		id=${key#ctl-}
		st=$D/st/$key
		exec 4> "$D/lk/$key"
		flock 4
		n=$(wc -l < "$st")
		if [ "$n" -gt 0 ] && [ $((RANDOM % 2)) = 0 ]; then
			t=$(sed -n "$((1 + RANDOM % n))p" "$st")
			if slctl del $RAW "$id" -x "$t" -o soakctl > "$D/ctl.out" 2>&1; then
				grep -vxF -- "$t" "$st" > "$st.new"
				mv "$st.new" "$st"
			else
				wrong "sl_ctl del of one lock of $key: $(cat "$D/ctl.out")"
			fi
			count releases_ctl
		elif [ "$n" -lt 4 ]; then
			rand_text
			if slctl add $RAW "$id" "${TYPES[RANDOM % 4]}" "$TXT" -o soakctl > "$D/ctl.out" 2>&1; then
				printf '%s\n' "$TXT" >> "$st"
			else
				wrong "sl_ctl add on $key (${#TXT} bytes): $(cat "$D/ctl.out")"
			fi
			count holds_ctl
		fi
		flock -u 4
		exec 4>&-
	done
	save_counts churn_ctl
}

mirror_worker() {
	local i=0 out
	declare -A CNT
	RANDOM=$((SOAK_SEED + 1))
	while alive; do
		i=$((i + 1))
		# 8..40 writes of 4 KiB..256 KiB anywhere in the 64 MiB volume.
		random_writes /dev/$VA/vol $((SOAK_SEED + i)) $((8 + RANDOM % 33)) 4096 16384 64 \
			"$D/writes" || wrong "random writes to $VA/vol failed"
		if out=$($ENV_A softlock mirror update ab --json 2> "$D/mirror.err"); then
			count updates
			echo "$((EPOCHSECONDS - T0)) $(json_num max_rss_kib "$out")" >> "$D/rss/update-source"
			echo "$((EPOCHSECONDS - T0)) $(json_num peer_max_rss_kib "$out")" >> "$D/rss/update-peer"
			CNT[data_bytes]=$((${CNT[data_bytes]:-0} + $(json_num data_bytes "$out")))
		else
			wrong "mirror update $i: $(tail -n 3 "$D/mirror.err")"
		fi
		if [ $((i % 5)) = 0 ]; then
			on_a softlock mirror verify ab > "$D/verify.out" 2>&1 ||
				wrong "mirror verify after update $i: $(cat "$D/verify.out")"
			count verifies
		fi
	done
	save_counts mirror
}

delete_worker() {
	local key st n id lv out
	declare -A CNT
	RANDOM=$((SOAK_SEED + 2))
	while alive; do
		if [ $((RANDOM % 3)) = 0 ]; then
			key=${KEYS[RANDOM % ${#KEYS[@]}]}
		else
			key=${CTL_KEYS[RANDOM % ${#CTL_KEYS[@]}]}
		fi
		st=$D/st/$key
		exec 4> "$D/lk/$key"
		flock 4
		n=$(wc -l < "$st")
		case $key in
		lvm-*)
			lv=$VA/${key#lvm-}
			id=$(thin_id "$lv")
			if [ "$n" -gt 0 ]; then
				lvremove -y "$lv" > "$D/del.out" 2>&1 &&
					wrong "lvremove of held $lv (thin id $id) succeeded"
				lvs "$lv" >/dev/null 2>&1 || wrong "held $lv is gone after a refused lvremove"
				count refused_lvremove
				pool_msg $LVM_POOL "delete $id" > "$D/del.out" 2>&1 &&
					wrong "raw delete of held $lv (thin id $id) succeeded"
				count refused_raw_lvm
			elif lvremove -y "$lv" > "$D/del.out" 2>&1; then
				count allowed_lvremove
				lvcreate -y -s $VA/src -n "${key#lvm-}" > "$D/del.out" 2>&1 ||
					wrong "making $lv again: $(cat "$D/del.out")"
			else
				wrong "lvremove of unheld $lv (thin id $id) failed: $(cat "$D/del.out")"
			fi
			;;
		raw-* | ctl-*)
			id=${key#*-}
			if [ "$n" -gt 0 ]; then
				pool_msg $RAW "delete $id" > "$D/del.out" 2>&1 &&
					wrong "raw delete of held id $id succeeded"
				thin_exists $RAW "$id" || wrong "held raw id $id is gone"
				count refused_raw
			elif pool_msg $RAW "delete $id" > "$D/del.out" 2>&1; then
				count allowed_raw
				thin_exists $RAW "$id" && wrong "raw id $id still exists after its delete"
				thin_create $RAW "$id" > "$D/del.out" 2>&1 ||
					wrong "making raw id $id again: $(cat "$D/del.out")"
			else
				wrong "raw delete of unheld id $id failed: $(cat "$D/del.out")"
			fi
			;;
		esac
		flock -u 4
		exec 4>&-
	done
	save_counts delete
}

readers() {
	declare -A CNT
	while alive; do
		slctl dump > /dev/null 2>"$D/dump.err" || wrong "sl_ctl dump: $(cat "$D/dump.err")"
		cat /sys/module/softlock/parameters/* > /dev/null || wrong "reading the parameters"
		hwm_run holds "$D/holds.out" $ENV_A softlock holds --json ||
			wrong "holds --json: $(tail -n 3 "$D/holds.out")"
		hwm_run pools "$D/pools.out" $ENV_A softlock pools ||
			wrong "pools: $(cat "$D/pools.out")"
		# What holds and pools read grows and shrinks with the churn;
		# the probe's input is the same every time.
		echo "$((EPOCHSECONDS - T0)) $(slctl count 2>/dev/null)" >> "$D/locks"
		hwm_run probe-hold "$D/probe.out" $ENV_A softlock hold --pool /dev/mapper/$RAW --id 30 \
			--type app --text probe --origin probe ||
			wrong "probe hold: $(cat "$D/probe.out")"
		hwm_run probe-check "$D/probe.out" $ENV_A softlock check --pool /dev/mapper/$RAW --id 30
		[ $? = 1 ] || wrong "probe check: not held: $(cat "$D/probe.out")"
		hwm_run probe-release "$D/probe.out" $ENV_A softlock release --pool /dev/mapper/$RAW \
			--id 30 --all || wrong "probe release: $(cat "$D/probe.out")"
		count reads
		sleep 5
	done
	save_counts readers
}
