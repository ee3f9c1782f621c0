# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the mirror benchmarks (mirror_bench.sh, verify_bench.sh,
# scale_bench.sh): hosts A and B in one guest, each with its own catalog,
# B reached over an exec: transport. Load after lib.sh and bench_lib.sh.
# shellcheck shell=bash disable=SC2034 # A, B and PEER_B are for the caller
A="env SOFTLOCK_HOST=benchA SOFTLOCK_DB=$SL_TMP/a.db"
B="env SOFTLOCK_HOST=benchB SOFTLOCK_DB=$SL_TMP/b.db"
PEER_B="exec:'$B softlock serve --stdio'"

# VG SIZE: a VG on a loop device of SIZE with a pool of all but 1 GiB.
host_vg() {
	local pv
	make_loop "$2" || return 1
	pv=$LOOP_DEV
	pvcreate -y "$pv" >/dev/null && vgcreate -y "$1" "$pv" >/dev/null || return 1
	cleanup_push "vg_cleanup $1 $pv"
	lvcreate -y -L $(( ${2%G} - 1 ))G -T "$1/pool" >/dev/null
}

# KEY JSON: a number of the "done" line of an update's --json output;
# nothing when the line or the key is missing (bench then refuses it).
json_field() {
	printf '%s\n' "$2" | grep '"event":"done"' | sed -n "s/.*\"$1\":\\([0-9.]*\\).*/\\1/p"
}

# NAME [OPTION...]: one update A -> B of relationship NAME; sets U_SECS
# and U_JSON.
update() {
	local t0 name=$1
	shift
	t0=$(now)
	U_JSON=$($A softlock mirror update "$name" --json "$@" 2>"$SL_TMP/update.err") ||
		{ echo "bench: update $name $* failed: $(cat "$SL_TMP/update.err")" >&2; return 1; }
	U_SECS=$(since "$t0")
	# A zero status without its summary is not an update we can time.
	printf '%s\n' "$U_JSON" | grep -q '"event":"done"' ||
		{ echo "bench: update $name printed no \"done\" line: $U_JSON" >&2; return 1; }
}

# VG LV PERCENT SEED: random 4 KiB..1 MiB writes adding up to PERCENT of LV.
change() {
	local bytes mb n
	bytes=$(blockdev --getsize64 "/dev/$1/$2") || return 1
	is_number "$bytes" || return 1
	mb=$((bytes / 1048576))
	n=$(( (mb * $3 * 2 + 99) / 100 ))	# writes of 512 KiB on average
	random_writes "/dev/$1/$2" "$4" "$n" 4096 $((mb * 256)) 256 "$SL_TMP/w"
}
