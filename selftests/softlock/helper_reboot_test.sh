#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Holds survive a reboot. The harness boots the guest twice on the same
# disk (/dev/vda): phase 1 makes a VG there with a thin snapshot and an ext4
# volume holding the catalog, and holds the snapshot; phase 2 loads the
# module sealed (as the packaged modprobe.d does), checks that a delete
# before restore is refused, restores, and checks the hold is back, pinned.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock mke2fs
[ -b /dev/vda ] || skip_all "no persistent disk /dev/vda (run by tools/vm/check.sh)"
modprobe ext4 2>/dev/null

VG=slbootvg
TPOOL=$VG-pool-tpool
STATE=/var/lib/softlock

mount_state() {
	mkdir -p "$STATE" && mount -t ext4 "/dev/mapper/$VG-state" "$STATE"
}

lv_listed() {
	lvs --noheadings -o lv_name "$VG" | tr -d ' ' | grep -qx "$1"
}

phase1() {
	tap_plan 4
	setup() {
		pvcreate -y -ff /dev/vda || return 1
		vgcreate -y "$VG" /dev/vda || return 1
		lvcreate -y -L 32M -n state "$VG" || return 1
		lvcreate -y -L 64M -T "$VG/pool" || return 1
		lvcreate -y -V 128M -T "$VG/pool" -n thin || return 1
		lvcreate -y -s "$VG/thin" -n snap || return 1
		dmsetup mknodes
		mke2fs -q -t ext4 "/dev/mapper/$VG-state" || return 1
		mount_state
	}
	assert "phase 1: VG on the persistent disk, catalog volume mounted" setup ||
		return
	assert "insmod softlock" sl_load
	run softlock hold "$VG/snap" --type dest-path --text "hostC:vg/vol"
	assert_eq "hold the snapshot (catalog on the persistent disk)" 0 "$RC" ||
		diag "$OUT"
	# The mount point goes too: this boot's later tests (sandbox_test)
	# find the real paths unused.
	shutdown_state() {
		sync && umount "$STATE" && rmdir "$STATE" && sl_unload &&
			vgchange -an "$VG"
	}
	assert "unmount and deactivate for the reboot" shutdown_state
}

phase2() {
	tap_plan 9
	assert "phase 2: insmod softlock sealed=1 (as modprobe.d does at boot)" \
		sl_load sealed=1
	# Run last pushed first: unmount, then the VG, then the PV.
	cleanup_push "pvremove -ff -y /dev/vda"
	cleanup_push "vgremove -ff -y $VG"
	# The mount point goes too: sandbox_test needs the real paths unused.
	cleanup_push "umount $STATE && rmdir $STATE"
	assert "LVM activation at boot (vgchange -ay)" vgchange -ay "$VG"
	dmsetup mknodes
	ID=$(lvs --noheadings -o thin_id "$VG/snap" | tr -d ' ')
	run pool_msg "$TPOOL" "delete $ID"
	assert_match "a delete before restore is refused (sealed)" "busy" "$OUT"
	assert "the catalog volume mounts" mount_state
	run softlock restore
	assert_match "restore: the hold is back, pinned, and the module unsealed" \
		"restored 1 lock.* 1 pinned.*unsealed" "$OUT"
	run softlock check "$VG/snap"
	assert_match "check: held by hostC" 'held by 1 lock.*hostC:vg/vol' "$OUT"
	run sh -c "yes | lvremove $VG/snap"
	run lv_listed snap
	assert_eq "lvremove of the held snapshot refused after reboot" 0 "$RC"
	assert "release" softlock release "$VG/snap" --all
	assert "lvremove works after release" lvremove -y "$VG/snap"
}

case ${SL_PHASE:-1} in
1) phase1 ;;
2) phase2 ;;
*) bail_out "unknown phase $SL_PHASE" ;;
esac
