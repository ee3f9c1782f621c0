#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the guest: a thin LVM volume with a snapshot that a
# downstream mirror still needs. Hold it, watch lvremove refused with the
# holder named, release it, and watch lvremove succeed.
set -u
say() { printf '\n== %s\n' "$*"; }
run() { echo "# $*"; "$@"; }
fail() { echo "demo: $*" >&2; exit 1; }

cleanup() {
	vgremove -ff -y demo >/dev/null 2>&1
	[ -n "${loopdev:-}" ] && losetup -d "$loopdev"
	rm -f /tmp/demo.img
	grep -q '^softlock ' /proc/modules && rmmod softlock
}
trap cleanup EXIT

say "load softlock.ko"
run modprobe softlock || fail "modprobe softlock failed"

say "a thin pool, a volume with data, and a snapshot of it"
truncate -s 256M /tmp/demo.img
loopdev=$(losetup -f --show /tmp/demo.img) || fail "losetup failed"
run vgcreate -q demo "$loopdev" >/dev/null || fail "vgcreate failed"
run lvcreate -q -L 128M -T demo/pool >/dev/null || fail "pool failed"
run lvcreate -q -V 64M -T demo/pool -n vol >/dev/null || fail "thin volume failed"
dd if=/dev/urandom of=/dev/demo/vol bs=1M count=8 conv=fsync 2>/dev/null
run lvcreate -q -s demo/vol -n snap1 >/dev/null || fail "snapshot failed"
run lvs -o lv_name,pool_lv,origin,thin_id demo

export SOFTLOCK_DB=/tmp/demo-catalog.db
id=$(lvs --noheadings -o thin_id demo/snap1 | tr -d ' ')

say "hostC still needs snap1 as its mirror base: hold it"
run softlock hold demo/snap1 --type dest-path --text "hostC:vg/vol" \
	--dataset "hostC:vg/vol" --origin mirror-b || fail "hold failed"
run softlock holds

say "try to delete the held snapshot"
if run lvremove -y demo/snap1; then
	fail "lvremove of a held snapshot succeeded"
fi
echo "(refused before LVM committed anything: the snapshot is still there)"
run lvs -o lv_name,thin_id demo
run softlock check demo/snap1
echo "# what a raw pool message gets:"
if run dmsetup message demo-pool-tpool 0 "delete $id"; then
	fail "a raw delete of a held snapshot succeeded"
fi
dmesg | grep 'softlock: pool' | tail -1

say "hostC moved its base on: release the hold"
run softlock release demo/snap1 --origin mirror-b || fail "release failed"
run lvremove -y demo/snap1 || fail "lvremove after release failed"
run lvs -o lv_name demo
say "done"
