# SPDX-License-Identifier: GPL-2.0
#
# Two mirror hosts in one guest, for the mirror tests (source it after
# sl_init: it needs SL_TMP): host A (VG slma, the source) and host B (VG
# slmb, the destination), each in its own network namespace (slha, slhb)
# with its own pool, catalog and host name. They share the kernel, whose
# lock table is keyed by pool; B is reached from A through an exec:
# transport (ip netns exec slhb env ... softlock serve --stdio). More
# hosts (C, D) are made the same way: host_env c, mirror_host_ns c.

SL_RANGES=${SL_RANGES:-$(pwd)/sl_ranges}
# The test build (user/Makefile softlock-test): the helper with the fault
# injection of user/lib/testhook.h, which the shipped softlock lacks. Only
# a command given a fault runs it; everything else runs softlock.
SL_FAULTS=${SL_FAULTS:-$(pwd)/softlock-test}
VA=slma			# host A's VG: the source
VB=slmb			# host B's VG: the destination
MB=32			# the mirrored volumes
# LETTER: the command prefix that runs a command as that host.
host_env() {
	echo "ip netns exec slh$1 env SOFTLOCK_HOST=host$(echo "$1" | tr a-z A-Z) SOFTLOCK_DB=$SL_TMP/$1/softlock.db"
}

# LETTER: the host's network namespace and catalog directory.
mirror_host_ns() {
	mkdir -p "$SL_TMP/$1" && ip netns add "slh$1" || return 1
	cleanup_push "ip netns del slh$1"
}

ENV_A=$(host_env a)
ENV_B=$(host_env b)
# shellcheck disable=SC2086
on_a() { $ENV_A "$@"; }
# shellcheck disable=SC2086
on_b() { $ENV_B "$@"; }
peer_a() { # VOLUME: host A as a mirror endpoint seen from B
	echo "exec:'$ENV_A softlock serve --stdio':$1"
}
# VOLUME: host B as a mirror endpoint seen from A. B's command line adds
# what $SL_TMP/b/test-env holds at each run, and runs the program that
# $SL_TMP/b/test-bin names, softlock when it is absent (see fault_b).
peer_b() {
	echo "exec:'$ENV_B \$(cat $SL_TMP/b/test-env 2>/dev/null) \$(cat $SL_TMP/b/test-bin 2>/dev/null || echo softlock) serve --stdio':$1"
}
# fault_b VAR=VALUE...: B's next sessions run the test build with these
# faults (B's alone: A's environment does not reach B); fault_b with no
# argument: the shipped softlock again, without them.
fault_b() {
	if [ $# = 0 ]; then
		rm -f "$SL_TMP/b/test-env" "$SL_TMP/b/test-bin"
	else
		[ -x "$SL_FAULTS" ] || bail_out "$SL_FAULTS (make -C user softlock-test) not found"
		echo "$*" > "$SL_TMP/b/test-env"
		echo "$SL_FAULTS" > "$SL_TMP/b/test-bin"
	fi
}

# Hosts C and D, for the cascade tests: mirror_more_hosts c [d] makes
# their namespaces and VGs (slmc, slmd).
VC=slmc
VD=slmd
ENV_C=$(host_env c)
ENV_D=$(host_env d)
# shellcheck disable=SC2086
on_c() { $ENV_C "$@"; }
peer_c() { echo "exec:'$ENV_C softlock serve --stdio':$1"; }
peer_d() { echo "exec:'$ENV_D softlock serve --stdio':$1"; }

mirror_more_hosts() { # LETTER...
	local h
	for h in "$@"; do
		mirror_host_ns "$h" && mirror_host_vg "slm$h" || return 1
	done
}

# VG/LV: the full content's BLAKE2b-512 (activating it if needed), or a
# text naming the volume when it cannot be read, so two missing volumes
# never compare equal. coreutils' b2sum, a cryptographic hash like
# SHA-256 at less than half the cost under TCG: 0.63 s for 32 MiB where
# busybox's sha256sum took 1.48 s (reading it alone: 0.41 s). LVM makes and removes an LV's node itself (no udev here),
# so a node means the LV is active: the lvchange and mknodes, about 1 s
# under TCG even when there is nothing to do, only for one without.
hash_of() {
	if [ ! -b "/dev/$1" ]; then
		lvchange -ay -K "$1" >/dev/null 2>&1
		dmsetup mknodes
	fi
	b2sum "/dev/$1" 2>/dev/null | cut -d' ' -f1 | grep . || echo "unreadable $1"
}

tags_of() {
	lvs --noheadings -o lv_tags "$1" 2>/dev/null | tr -d ' '
}

gid_of() { # VG/LV: its global id tag, or a text naming it if it has none
	tags_of "$1" | tr ',' '\n' | sed -n 's/^sl\.gid\.//p' | grep . ||
		echo "no gid on $1"
}

json_num() { # KEY JSON: a number field of the helper's --json "done" line
	printf '%s\n' "$2" | grep '"event":"done"' |
		sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p"
}

thin_id() {
	lvs --noheadings -o thin_id "$1" | tr -d ' '
}

# The byte total of sl_ranges lines of KIND: thin_delta's own view.
ranges_total() { # KIND ARGS...
	local kind=$1
	shift
	"$SL_RANGES" "$@" | awk -v k="$kind" '$1 == k { t += $3 } END { print t + 0 }'
}

pcpis_of() { # VG LV: the names of LV's PCPIs in VG, in order, one line
	lvs --noheadings -o lv_name "$1" 2>/dev/null | tr -d ' ' |
		grep -E "^$2\.sl\.[0-9]+$" | sort -t. -k3 -n | tr '\n' ' ' | sed 's/ $//'
}

# VG: a host's VG on a loop device of its own, with a 600 MiB thin pool.
mirror_host_vg() {
	local pv
	make_loop 700M || return 1
	pv=$LOOP_DEV
	pvcreate -y "$pv" >/dev/null || return 1
	cleanup_push "vg_cleanup $1 $pv"
	vgcreate -y "$1" "$pv" >/dev/null || return 1
	lvcreate -y -L 600M -T "$1/pool" >/dev/null
}

mirror_hosts_setup() {
	mirror_host_ns a && mirror_host_ns b || return 1
	mirror_host_vg $VA && mirror_host_vg $VB || return 1
	lvcreate -y -V ${MB}M -T "$VA/pool" -n vol >/dev/null || return 1
	lvcreate -y -V ${MB}M -T "$VA/pool" -n vol2 >/dev/null || return 1
	dmsetup mknodes
	# Half the volume written: a baseline must send only that.
	dd if=/dev/urandom of=/dev/$VA/vol bs=1M count=$((MB / 2)) conv=fsync 2>/dev/null &&
		dd if=/dev/urandom of=/dev/$VA/vol2 bs=1M count=8 conv=fsync 2>/dev/null
}
