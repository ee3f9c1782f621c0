#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A lock set the kernel is bound to refuse is refused before the source
# records anything. sl_lockset_send (the destination's end of a release
# session, user/mirror/lockset_tool.c) gives `softlock serve --stdio` a set
# naming one PCPI more often than the module's max_locks_per_pcpi (loaded
# with 8): the source refuses it naming the limit and the PCPI, and
# neither its catalog nor the kernel has a lock of it afterwards; a set
# of exactly 8 on that PCPI is installed, 8 rows and 8 locks.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock sqlite3
tap_plan 9

SEND=$(pwd)/sl_lockset_send
[ -x "$SEND" ] || bail_out "$SEND (user/Makefile) not found"
VG=sllt
DB=$SL_TMP/a.db
SRC="env SOFTLOCK_HOST=hostA SOFTLOCK_DB=$DB"

assert "insmod softlock max_locks_per_pcpi=8" sl_load max_locks_per_pcpi=8
setup() {
	local pv
	make_loop 256M || return 1
	pv=$LOOP_DEV
	pvcreate -y "$pv" >/dev/null && vgcreate -y "$VG" "$pv" >/dev/null || return 1
	cleanup_push "vg_cleanup $VG $pv"
	lvcreate -y -L 128M -T "$VG/pool" >/dev/null &&
	lvcreate -y -V 8M -T "$VG/pool" -n vol >/dev/null || return 1
	# A published PCPI as the mirror makes them: a global id and a
	# fingerprint in its tags.
	GID=$(cat /proc/sys/kernel/random/uuid)
	FP=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	lvcreate -y -q -s -K -ay -n vol.sl.1 --addtag "sl.gid.$GID" \
		--addtag "sl.fp.$FP" "$VG/vol" >/dev/null
}
assert "a thin volume and one published PCPI" setup || bail_out "no LVM"

# PER: one set of PER locks on the PCPI (and a few ids no PCPI has, up to
# 4 KiB), from the destination hostB:$VG/copy; RC and OUT as run's.
send() {
	local fifo=$SL_TMP/fifo
	rm -f "$fifo" && mkfifo "$fifo" || return 1
	$SRC softlock serve --stdio < "$fifo" 2>"$SL_TMP/serve.err" |
		"$SEND" --max-bytes 4096 bench "$VG/vol" "hostB:$VG/copy" "$1" 0 "$GID" \
		> "$fifo" 2>"$SL_TMP/send.err"
	RC=$?
	OUT=$(cat "$SL_TMP/send.err" "$SL_TMP/serve.err")
}
rows() { # the catalog's locks of that destination's set
	sqlite3 "$DB" "SELECT count(*) FROM locks WHERE origin LIKE '%hostB:$VG/copy'" 2>&1
}
held() { # the application locks the kernel holds
	$SRC softlock metrics --no-usage 2>/dev/null |
		awk '/^softlock_locks\{.*type="app"/ { n += $NF } END { print n + 0 }'
}

send 9
assert_eq "a set of 9 locks on one PCPI is refused" 1 "$RC"
assert_match "... naming the limit and the PCPI, before anything is recorded" \
	"the lock set names more than 8 locks on $VG/vol.sl.1, the most the kernel takes on one PCPI \\(max_locks_per_pcpi\\): nothing recorded or installed" "$OUT"
assert_eq "... the catalog has no row of it" 0 "$(rows)"
assert_eq "... the kernel holds no lock of it" 0 "$(held)"

send 8
[ "$RC" = 0 ] || diag "$OUT"
assert_eq "a set of 8 on it is installed" 0 "$RC"
assert_eq "... 8 rows in the catalog" 8 "$(rows)"
assert_eq "... 8 locks in the kernel" 8 "$(held)"
