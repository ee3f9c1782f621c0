#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Power cuts. tools/vm/check.sh boots this test on its own and boots it
# again on the same disk (/dev/vda) each time the guest's power went, with
# SL_PHASE counting the boots. Hosts A and B (VGs slpa, slpb on the two
# halves of the disk, catalogs on an ext4 volume there) mirror A -> B.
#   1: baseline; then the power is cut while B reads the update's 12th
#      frame (DATA, mid-transfer; SOFTLOCK_TEST_POWEROFF, user/lib/testhook.h).
#   2: at boot the module is sealed: a delete before restore is refused;
#      after restore every hold is back on both hosts, B's published PCPIs
#      are complete, and an update converges. Then the power is cut while A
#      has B's lock set staged in the kernel, not committed.
#   3: sealed again until restore; then A holds B's base again, B is
#      consistent, and the next update converges.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock mke2fs b2sum thin_delta thin_dump
[ -b /dev/vda ] || skip_all "no persistent disk /dev/vda (run by tools/vm/check.sh)"
. ./mirror_lib.sh
modprobe ext4 2>/dev/null
VA=slpa
VB=slpb
STATE=/var/lib/softlock-po
ENV_A="ip netns exec slha env SOFTLOCK_HOST=hostA SOFTLOCK_DB=$STATE/a.db SOFTLOCK_CHECKPOINT_BYTES=1048576"
ENV_B="ip netns exec slhb env SOFTLOCK_HOST=hostB SOFTLOCK_DB=$STATE/b.db"
HALF=$(($(blockdev --getsz /dev/vda) / 2))

# The two halves of the disk as the two hosts' PVs, again at every boot.
# The first starts 1 MiB in: LVM must never see its label on /dev/vda too.
halves() {
	dmsetup create slpo-a --table "0 $((HALF - 2048)) linear /dev/vda 2048" &&
	dmsetup create slpo-b --table "0 $HALF linear /dev/vda $HALF"
}

# After a boot: the module sealed (as modprobe.d loads it), the VGs
# activated, a delete refused before restore, the catalogs mounted.
boot() {
	mirror_host_ns a && mirror_host_ns b || return 1
	sl_load sealed=1 || return 1
	halves && vgchange -ay $VA $VB >/dev/null && dmsetup mknodes || return 1
	mkdir -p $STATE && mount -t ext4 /dev/mapper/$VA-state $STATE
}

# Every published PCPI of B equals A's of the same name.
b_consistent() {
	local p bad=
	for p in $(pcpis_of $VB vol); do
		[ "$(hash_of "$VA/$p")" = "$(hash_of "$VB/$p")" ] || bad="$bad $p"
	done
	[ -n "$(pcpis_of $VB vol)" ] && [ -z "$bad" ] ||
		{ echo "B: [$(pcpis_of $VB vol)] differ:$bad"; return 1; }
}

# A holds B's newest PCPI for B; each host's holds are held (catalog and
# kernel agree).
holds_back() {
	local newest out
	newest=$(pcpis_of $VB vol | awk '{ print $NF }')
	out="$(on_a softlock holds $VA) $(on_b softlock holds $VB)"
	echo "$out" | grep -q "^$VA/$newest .*hostB:$VB/vol .* held" ||
		{ echo "A does not hold $newest for B: $out"; return 1; }
	! echo "$out" | grep -E "not-in-kernel|kernel-only|orphaned"
}

converges() {
	local newest
	on_a softlock mirror update ab > /dev/null || return 1
	newest=$(pcpis_of $VB vol | awk '{ print $NF }')
	[ "$(hash_of "$VA/$newest")" = "$(hash_of "$VB/$newest")" ] &&
		! lvs --noheadings -o lv_name $VB | grep -q '\.part'
}

# Checks after a power cut; the delete before restore must be refused.
after_cut() {
	local id
	assert "boot: module sealed, VGs active, catalogs mounted" boot ||
		bail_out "no boot state"
	id=$(thin_id "$VA/$(pcpis_of $VA vol | awk '{ print $1 }')")
	assert_busy "a delete before restore is refused (sealed)" \
		pool_msg $VA-pool-tpool "delete $id"
	run on_b softlock restore
	assert_match "B: restore" "unsealed" "$OUT"
	run on_a softlock restore
	assert_match "A: restore" "unsealed" "$OUT"
	assert "every hold is back on both hosts, A holds B's base" holds_back
	assert "B's published PCPIs are complete" b_consistent
	assert "an update converges" converges
}

cut_power() { # HOST:WHERE:N
	local i
	# 40 separate 4 KiB changes, 1 MiB apart: 40 DATA frames at least.
	for i in $(seq 0 39); do
		dd if=/dev/urandom of=/dev/$VA/vol bs=4k count=1 \
			seek=$((i * 256 + SL_PHASE)) conv=notrunc 2>/dev/null
	done
	sync
	echo "# softlock-poweroff"
	# B gets only what its command line passes (see peer_b): A's
	# environment does not travel through the transport.
	case $1 in
	hostB:*) fault_b "SOFTLOCK_TEST_POWEROFF=$1"
		on_a softlock mirror update ab > /dev/null 2>&1 ;;
	*) on_a env "SOFTLOCK_TEST_POWEROFF=$1" "$SL_FAULTS" mirror update ab > /dev/null 2>&1 ;;
	esac
	fault_b
	tap_fail "the power did not go at $1"
}

case $SL_PHASE in
1)
	tap_plan 5
	setup() {
		dd if=/dev/zero of=/dev/vda bs=1M count=1 conv=fsync 2>/dev/null &&
		halves && pvcreate -ff -y /dev/mapper/slpo-a /dev/mapper/slpo-b &&
		vgcreate -y $VA /dev/mapper/slpo-a && vgcreate -y $VB /dev/mapper/slpo-b &&
		lvcreate -y -L 16M -n state $VA && lvcreate -y -L 300M -T $VA/pool &&
		lvcreate -y -L 300M -T $VB/pool &&
		lvcreate -y -V 64M -T $VA/pool -n vol && dmsetup mknodes &&
		mke2fs -q -t ext4 /dev/mapper/$VA-state &&
		mkdir -p $STATE && mount -t ext4 /dev/mapper/$VA-state $STATE &&
		mirror_host_ns a && mirror_host_ns b &&
		dd if=/dev/urandom of=/dev/$VA/vol bs=1M count=32 conv=fsync 2>/dev/null
	}
	assert "A and B on the two halves of the persistent disk" setup || bail_out "no setup"
	assert "insmod softlock" sl_load
	assert "A: mirror init ab" on_a softlock mirror init --name ab $VA/vol "$(peer_b $VB/vol)"
	assert "baseline A -> B" on_a softlock mirror update ab
	# A hold on B, so that B's lock set has something for A to stage.
	assert "B holds its copy for a host downstream" on_b softlock hold \
		$VB/vol.sl.1 --type dest-path --text hostC:slpc/vol
	cut_power hostB:frame:12
	;;
2)
	tap_plan 8
	after_cut
	assert "B resumed from its checkpoint or started afresh: no .part" \
		sh -c "! lvs --noheadings -o lv_name $VB | grep -q '\.part'"
	cut_power hostA:replace:1
	;;
3)
	tap_plan 7
	after_cut
	# The last boot leaves no disk state behind for the next test.
	# (Run last pushed first.)
	cleanup_push "dmsetup remove slpo-a; dmsetup remove slpo-b"
	cleanup_push "pvremove -ff -y /dev/mapper/slpo-a /dev/mapper/slpo-b"
	cleanup_push "vgremove -ff -y $VA $VB"
	cleanup_push "umount $STATE"
	;;
*)
	skip_all "no phase $SL_PHASE"
	;;
esac
