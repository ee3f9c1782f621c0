#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The lock table is charged to the memory cgroup of the process that asks
# for it (__GFP_ACCOUNT): 20,000 locks installed from a process in a cgroup
# of its own grow that cgroup's slab by at least 100 bytes each (a lock
# alone takes 128). Without the charge, the cgroup's slab barely moves,
# and no memory.max could bound what a container's requests pin.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init
tap_plan 5

N=20000
CGROOT=/sys/fs/cgroup
CG=$CGROOT/softlock-memcg-test

if [ ! -e "$CGROOT/cgroup.controllers" ]; then
	mount -t cgroup2 cgroup2 "$CGROOT" || bail_out "cannot mount cgroup2 on $CGROOT"
	cleanup_push umount "$CGROOT"
fi
assert "insmod softlock" sl_load
assert "memory controller enabled for child cgroups" \
	sh -c "echo +memory > $CGROOT/cgroup.subtree_control"
mkdir "$CG" || bail_out "mkdir $CG failed"
cleanup_push rmdir "$CG"

# The cgroup's slab, in bytes (memory.stat's "slab" line).
cg_slab() {
	awk '$1 == "slab" { print $2 }' "$CG/memory.stat"
}
before=$(cg_slab)
# A shell moves itself into the cgroup, then becomes sl_ctl.
assert "sl_ctl replace of $N locks from a process in $CG" \
	sh -c "echo \$\$ > $CG/cgroup.procs && exec $SL_CTL replace memcg-pool m 1 $N 1 memcg-lock-"
after=$(cg_slab)
diag "cgroup slab: $before -> $after bytes for $N locks"
assert "the cgroup's slab grew by at least 100 B per lock" \
	[ "$((after - before))" -ge "$((N * 100))" ]
run slctl pools
assert_match "the pool holds the $N locks" "^memcg-pool${TAB}locks=$N${TAB}" "$OUT"
