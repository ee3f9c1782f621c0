#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the guest: a three-host mirror cascade A -> B -> C.
# Each "host" is a VG with its own thin pool on its own loop device, its own
# catalog and host name (SOFTLOCK_HOST, SOFTLOCK_DB); B and C are reached
# through exec: transports, as the mirror tests do. After A -> B has moved
# on to a newer snapshot, C still builds on the old one, so B carries C's
# lock up to A: lvremove of that snapshot on A is refused, naming hostC.
# Once B -> C moves C's base on, the next A -> B update drops the lock and
# the old snapshot goes.
set -u
say() { printf '\n== %s\n' "$*"; }
run() { echo "# $*"; "$@"; }
fail() { echo "demo: $*" >&2; exit 1; }

hosts="a b c"
vg_of() { echo "demo$1"; }
env_of() { echo "SOFTLOCK_HOST=host$(echo "$1" | tr abc ABC) SOFTLOCK_DB=/tmp/$1/softlock.db"; }
# on HOST COMMAND...: run COMMAND as host HOST (a, b or c), echoed with
# that host's prompt.
on() {
	_h=$1
	shift
	echo "host$(echo "$_h" | tr abc ABC)# $*"
	# Through a pipe: the console is a tty, and the transfer's progress
	# bar would garble the transcript.
	# shellcheck disable=SC2046
	{ env $(env_of "$_h") "$@" 2>&1; echo $? > /tmp/demo.rc; } | cat
	return "$(cat /tmp/demo.rc)"
}
# HOST VOLUME: HOST as a mirror endpoint seen from another host.
peer() { echo "exec:'env $(env_of "$1") softlock serve --stdio':$(vg_of "$1")/$2"; }
# VG/LV: whether it exists
exists() { lvs "$1" >/dev/null 2>&1; }

cleanup() {
	for h in $hosts; do
		vgremove -ff -y "$(vg_of "$h")" >/dev/null 2>&1
		eval "dev=\${loop_$h:-}"
		# shellcheck disable=SC2154
		[ -n "$dev" ] && losetup -d "$dev"
		rm -f "/tmp/$h.img"
	done
	grep -q '^softlock ' /proc/modules && rmmod softlock
}
trap cleanup EXIT

say "load softlock.ko"
run modprobe softlock || fail "modprobe softlock failed"

say "three hosts, A -> B -> C: each a VG with its own thin pool and catalog"
for h in $hosts; do
	mkdir -p "/tmp/$h"
	truncate -s 256M "/tmp/$h.img"
	dev=$(losetup -f --show "/tmp/$h.img") || fail "losetup failed"
	eval "loop_$h=$dev"
	vgcreate -q "$(vg_of "$h")" "$dev" >/dev/null || fail "vgcreate $(vg_of "$h") failed"
	lvcreate -q -L 160M -T "$(vg_of "$h")/pool" >/dev/null || fail "pool on $(vg_of "$h") failed"
done
run lvcreate -q -V 32M -T demoa/pool -n vol >/dev/null || fail "thin volume failed"
dmsetup mknodes
run dd if=/dev/urandom of=/dev/demoa/vol bs=1M count=8 conv=fsync 2>/dev/null ||
	fail "writing demoa/vol failed"
run vgs -o vg_name,pv_name,lv_count demoa demob democ
run lvs -o vg_name,lv_name,lv_size demoa demob democ

say "set up the mirrors: A -> B (on A, keeping 1 old snapshot), B -> C (on B)"
on a softlock mirror init --keep 1 --name ab demoa/vol "$(peer b vol)" ||
	fail "mirror init A->B failed"
on b softlock mirror init --name bc demob/vol "$(peer c vol)" ||
	fail "mirror init B->C failed"

say "A -> B: A snapshots vol as vol.sl.1 and sends it"
on a softlock mirror update ab || fail "update A->B (s1) failed"
say "B -> C: B passes vol.sl.1 on"
on b softlock mirror update bc || fail "update B->C (s1) failed"
run lvs -o vg_name,lv_name,lv_attr demoa demob democ

say "more writes on A, then A -> B again: B's base moves on to vol.sl.2"
run dd if=/dev/urandom of=/dev/demoa/vol bs=1M seek=8 count=4 conv=fsync 2>/dev/null ||
	fail "writing demoa/vol failed"
on a softlock mirror update ab || fail "update A->B (s2) failed"
echo "(A's retention (--keep 1) would have deleted vol.sl.1, but it is held)"
exists demoa/vol.sl.1 || fail "retention removed demoa/vol.sl.1 although C needs it"
on a softlock mirror status

say "B no longer needs vol.sl.1 from A, but C does: B carried C's lock up to A"
on a softlock holds demoa/vol.sl.1 || fail "softlock holds failed"

say "try to delete vol.sl.1 on A"
if on a lvremove -y demoa/vol.sl.1; then
	fail "lvremove of demoa/vol.sl.1, which C still needs, succeeded"
fi
exists demoa/vol.sl.1 || fail "demoa/vol.sl.1 is gone although lvremove failed"
echo "(softlock pins a held snapshot open, so LVM refuses before committing anything)"
out=$(on a softlock check demoa/vol.sl.1 2>&1)
rc=$?
echo "$out"
echo "(exit $rc)"
[ "$rc" = 1 ] || fail "softlock check demoa/vol.sl.1 exited $rc, not 1 (held)"
case $out in *hostC*) ;; *) fail "softlock check did not name hostC" ;; esac

say "below LVM, a raw delete message to A's pool is refused by the kernel"
id=$(lvs --noheadings -o thin_id demoa/vol.sl.1 | tr -d ' ')
[ -n "$id" ] || fail "no thin id for demoa/vol.sl.1"
mark=$(dmesg | wc -l)
if run dmsetup message demoa-pool-tpool 0 "delete $id"; then
	fail "a raw delete of demoa/vol.sl.1, which C still needs, succeeded"
fi
echo "# dmesg | grep 'softlock: pool' | tail -1"
line=$(dmesg | tail -n +$((mark + 1)) | grep 'softlock: pool' | tail -1)
echo "$line"
case $line in *hostC*) ;; *) fail "the kernel's refusal did not name hostC" ;; esac
exists demoa/vol.sl.1 || fail "demoa/vol.sl.1 is gone although the delete was refused"

say "B -> C: C's base moves on to vol.sl.2"
on b softlock mirror update bc || fail "update B->C (s2) failed"

say "more writes on A, then A -> B: B's new lock set no longer carries vol.sl.1"
run dd if=/dev/urandom of=/dev/demoa/vol bs=1M seek=16 count=4 conv=fsync 2>/dev/null ||
	fail "writing demoa/vol failed"
on a softlock mirror update ab || fail "update A->B (s3) failed"

say "vol.sl.1 on A is free now"
if exists demoa/vol.sl.1; then
	out=$(on a softlock check demoa/vol.sl.1 2>&1)
	rc=$?
	echo "$out"
	echo "(exit $rc)"
	[ "$rc" = 0 ] || fail "demoa/vol.sl.1 is still held (softlock check exited $rc)"
	on a lvremove -y demoa/vol.sl.1 || fail "lvremove of the free demoa/vol.sl.1 failed"
else
	echo "(A's retention (--keep 1) deleted it in this update: nothing held it any more)"
fi
exists demoa/vol.sl.1 && fail "demoa/vol.sl.1 is still there"
run lvs -o vg_name,lv_name demoa demob democ
say "what A holds now: vol.sl.2 for C (through B), vol.sl.3 for B"
on a softlock holds demoa || fail "softlock holds failed"
say "done"
