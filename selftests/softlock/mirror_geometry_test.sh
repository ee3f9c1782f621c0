#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Mirrors between pools of different geometry give exact replicas (three
# hosts in one guest, mirror_lib.sh): A's pool has 64 KiB chunks, B's
# 512 KiB (zeroing on), C's 256 KiB with zeroing off (-Zn), its free
# blocks full of random data. A's volume is
# mirrored to B and C, with writes at odd offsets, discards aligned to
# 64 KiB but not to B's or C's blocks and writes of zeros; then a volume
# of B (large chunks) to C (smaller, and its free blocks full of old
# data). After every update the PCPI each destination published has the
# source's content (the same BLAKE2b-512).
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum blkdiscard
tap_plan 22

. ./mirror_lib.sh
KiB=1024
MiB=1048576
GMB=16			# the mirrored volumes

# LETTER VG CHUNK [LVCREATE OPTIONS...]: a host with a 48 MiB pool of
# CHUNK-sized blocks. With $JUNK set, every block of its PV holds random
# data first, as the blocks of deleted LVs would (a deleted LV's blocks
# are reused only once the pool's allocator has gone round; this reaches
# every block at once).
geo_host() {
	local h=$1 vg=$2 chunk=$3 pv
	shift 3
	mirror_host_ns "$h" || return 1
	make_loop 64M || return 1
	pv=$LOOP_DEV
	if [ -n "${JUNK:-}" ]; then
		dd if=/dev/urandom of="$pv" bs=1M count=64 conv=fsync 2>/dev/null || return 1
	fi
	pvcreate -y "$pv" >/dev/null || return 1
	cleanup_push "vg_cleanup $vg $pv"
	vgcreate -y "$vg" "$pv" >/dev/null || return 1
	lvcreate -y -L 48M -T "$vg/pool" --chunksize "$chunk" "$@" >/dev/null
}

# A new LV of C: 4 KiB written at 0 provision a 256 KiB block, whose
# next 64 KiB read as the pool's old data, not zeros.
old_bytes_in_c() {
	local nz
	lvcreate -y -V 4M -T $VC/pool -n junk >/dev/null && dmsetup mknodes || return 1
	dd if=/dev/urandom of=/dev/$VC/junk bs=4096 count=1 conv=fsync 2>/dev/null
	nz=$(dd if=/dev/$VC/junk bs=64k skip=1 count=1 2>/dev/null | od -An -tx1 -v |
		tr ' ' '\n' | grep -vc -e '^00$' -e '^$')
	lvremove -y $VC/junk >/dev/null || return 1
	echo "$nz non-zero bytes"
	[ "$nz" -gt 0 ]
}

chunk_of() { # VG/POOL: its chunk size in bytes
	lvs --noheadings --units b --nosuffix -o chunk_size "$1" | tr -d ' '
}

# DEV SECTOR COUNT: COUNT random 512-byte sectors at SECTOR (not aligned
# to anything larger), through the page cache.
poke() {
	dd if=/dev/urandom of="$1" bs=512 seek="$2" count="$3" conv=notrunc,fsync 2>/dev/null
}

zeros() { # DEV OFFSET_KiB LEN_KiB: write zeros (mapped, unlike a discard)
	dd if=/dev/zero of="$1" bs=1024 seek="$2" count="$3" conv=notrunc,fsync 2>/dev/null
}

discard() { # DEV OFFSET_KiB LEN_KiB
	blkdiscard -o $(($2 * KiB)) -l $(($3 * KiB)) "$1"
}

# NAME SRC_VG DST_VG...: every destination's newest PCPI of LV NAME
# equals the source's PCPI of that name (each update took its own).
same_as_source() {
	local name=$1 src=$2 want got d n
	shift 2
	for d in "$@"; do
		n=$(pcpis_of "$d" "$name" | tr ' ' '\n' | tail -n 1)
		[ -n "$n" ] || { echo "$d has no PCPI of $name"; return 1; }
		want=$(hash_of "$src/$n")
		got=$(hash_of "$d/$n")
		if [ "$got" != "$want" ]; then
			echo "$d/$n: $got, but $src/$n: $want"
			return 1
		fi
	done
}


assert "insmod softlock" sl_load
assert "A: a pool with 64 KiB chunks" geo_host a $VA 64k
assert "B: a pool with 512 KiB chunks, zeroing on" geo_host b $VB 512k -Zy
JUNK=1
assert "C: a pool with 256 KiB chunks, zeroing off, over random data" geo_host c $VC 256k -Zn
JUNK=
assert_eq "... C's chunk is 256 KiB" $((256 * KiB)) "$(chunk_of $VC/pool)"
assert "... 4 KiB written to a new LV of C leave old bytes in the rest of its block" old_bytes_in_c
lvcreate -y -V ${GMB}M -T "$VA/pool" -n vol >/dev/null
lvcreate -y -V ${GMB}M -T "$VB/pool" -n rev >/dev/null
dmsetup mknodes

# --- small -> large chunks ---
A=/dev/$VA/vol
R=/dev/$VB/rev
step_a1() {
	dd if=/dev/urandom of=$A bs=1M count=2 conv=fsync 2>/dev/null &&
		poke $A 5001 3 && poke $A 9001 1 && poke $A 20001 5 && zeros $A 6144 64
}
# Discards of 64 KiB-aligned ranges that cover no whole block of B or C
# (one inside the zeros written before), zeros where nothing was mapped
# and over data, odd sectors in new places.
step_a2() {
	discard $A 192 64 && discard $A 1088 128 && zeros $A 1536 64 &&
		zeros $A 8256 64 && poke $A 12345 2 && poke $A 25001 7 &&
		discard $A 6144 64 && discard $A 64 64 && poke $A 30001 1
}
init_a() {
	on_a softlock mirror init --name ab $VA/vol "$(peer_b $VB/vol)" &&
		on_a softlock mirror init --name ac $VA/vol "$(peer_c $VC/vol)"
}
step_b1() {
	dd if=/dev/urandom of=$R bs=1M count=1 conv=fsync 2>/dev/null &&
		poke $R 4001 3 && poke $R 17001 9 && zeros $R 9216 512
}
step_b2() {
	discard $R 512 512 && discard $R 9216 128 && poke $R 3001 1 && poke $R 27001 2
}
init_b() {
	on_b softlock mirror init --name bc $VB/rev "$(peer_c $VC/rev)"
}

assert "A: 2 MiB of data, odd sectors, 64 KiB of zeros" step_a1
assert "mirror init A -> B and A -> C" init_a
assert "baseline A -> B" on_a softlock mirror update ab
assert "baseline A -> C" on_a softlock mirror update ac
assert "... B and C publish A's bytes" same_as_source vol $VA $VB $VC
assert "A: sub-block discards, zeros, odd sectors" step_a2
assert "update A -> B" on_a softlock mirror update ab
assert "update A -> C" on_a softlock mirror update ac
assert "... B and C publish A's bytes" same_as_source vol $VA $VB $VC

# --- large -> small chunks: B's volume to C ---
assert "B: data, odd sectors, zeros" step_b1
assert "mirror init B -> C" init_b
assert "baseline B -> C" on_b softlock mirror update bc
assert "... C publishes B's bytes" same_as_source rev $VB $VC
assert "B: a discard of one block and of part of one, odd sectors" step_b2
assert "update B -> C" on_b softlock mirror update bc
assert "... C publishes B's bytes" same_as_source rev $VB $VC
