#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lib.sh: helpers shared by the softlock shell tests. Sourced, never run.
# Written for busybox sh (ash); only POSIX sh plus `local`.
#
#   sl_ctl       slctl ARGS... (runs $SL_CTL)
#   TAP          tap_plan N, tap_ok, tap_fail, tap_skip, diag, skip_all, bail_out
#   asserts      run, assert, assert_fail, assert_busy, assert_eq, assert_match
#   module       sl_load [PARAMS], sl_unload, sl_loaded, thin_module_load
#   devices      make_loop SIZE, make_pool NAME [UUID], create_pool, thin_create,
#                thin_activate, thin_snap, thin_exists, pool_tid, pool_msg,
#                make_thin_vg VG, vg_cleanup VG PV (LVM), random_writes
#   kernel log   kmsg_mark, dmesg_since_mark
#   cleanup      cleanup_push CMD: run in reverse order from the EXIT trap,
#                after killing background jobs and unloading softlock.
#
# A test does:   . ./lib.sh; sl_init; tap_plan N; ...; (exit status is set
# by the trap: 0 when every planned test passed, 1 otherwise, 4 on skip).

SOFTLOCK_KO=${SOFTLOCK_KO:-/softlock/softlock.ko}
# SL_SANITIZE=1: softlock-asan for every softlock (sanitize_lib.sh).
. ./sanitize_lib.sh
SL_CTL=${SL_CTL:-sl_ctl}
DM_DISABLE_UDEV=1
export DM_DISABLE_UDEV

# Lock text/type used by the tests and expected in the kernel log.
SL_TYPE=dest-path
SL_TEXT=hostC:vg/vol
# shellcheck disable=SC2034 # used by the tests
TAB=$(printf '\t')

_tap_planned=
_tap_n=0
_tap_failed=0
_sl_skip=0
_sl_marks=0
_sl_mark=
SL_TMP=

# ---------------------------------------------------------------- TAP

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

tap_plan() {
	_tap_planned=$(sl_sanitize_plan "$1")
	echo "TAP version 13"
	echo "1..$_tap_planned"
}

tap_ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

tap_fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}

tap_skip() { # DESC REASON
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

# Before tap_plan only: the whole test is skipped (exit 4).
skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $*"
	_sl_skip=1
	exit 4
}

bail_out() {
	echo "Bail out! $*"
	_tap_failed=$((_tap_failed + 1))
	exit 1
}

# run CMD...: OUT = its stdout and stderr, RC = its exit status. CMD runs
# in this shell (not a subshell): variables a function sets are kept.
run() {
	"$@" > "$SL_TMP/run.out" 2>&1
	RC=$?
	OUT=$(cat "$SL_TMP/run.out")
}

_sl_show_failure() {
	diag "command: $*"
	diag "exit status $RC, output:"
	[ -n "$OUT" ] && diag "$OUT"
}

# assert DESC CMD...: ok when CMD succeeds.
assert() {
	local d=$1
	shift
	run "$@"
	if [ "$RC" -eq 0 ]; then
		tap_ok "$d"
		return 0
	fi
	tap_fail "$d"
	_sl_show_failure "$@"
	return 1
}

# assert_fail DESC CMD...: ok when CMD fails.
assert_fail() {
	local d=$1
	shift
	run "$@"
	if [ "$RC" -ne 0 ]; then
		tap_ok "$d"
		return 0
	fi
	tap_fail "$d"
	diag "unexpectedly succeeded: $*"
	[ -n "$OUT" ] && diag "$OUT"
	return 1
}

# assert_busy DESC CMD...: ok when CMD fails with EBUSY ("busy" in its output).
assert_busy() {
	local d=$1
	shift
	run "$@"
	if [ "$RC" -ne 0 ] && printf '%s' "$OUT" | grep -qi 'busy'; then
		tap_ok "$d"
		return 0
	fi
	tap_fail "$d"
	if [ "$RC" -eq 0 ]; then
		diag "unexpectedly succeeded: $*"
		[ -n "$OUT" ] && diag "$OUT"
	else
		diag "failed, but not with EBUSY:"
		_sl_show_failure "$@"
	fi
	return 1
}

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
		return 0
	fi
	tap_fail "$1"
	diag "expected: '$2'"
	diag "actual:   '$3'"
	return 1
}

# assert_match DESC ERE TEXT: ok when a line of TEXT matches ERE.
assert_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		tap_ok "$1"
		return 0
	fi
	tap_fail "$1"
	diag "no line matches: $2"
	diag "in:"
	diag "$3"
	return 1
}

# assert_no_match DESC ERE TEXT
assert_no_match() {
	if ! printf '%s\n' "$3" | grep -Eq -- "$2"; then
		tap_ok "$1"
		return 0
	fi
	tap_fail "$1"
	diag "unexpected match for: $2"
	diag "$3"
	return 1
}

# ---------------------------------------------------------------- setup

require_cmds() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c is not installed"
	done
}

# sl_init [CMD...]: checks the environment (skip or bail out before any
# plan), installs the cleanup trap, makes the scratch directory.
sl_init() {
	[ "$(id -u)" = 0 ] || skip_all "must run as root"
	require_cmds dmsetup losetup truncate blockdev dd cmp awk tac insmod rmmod \
		modprobe "$@"
	[ -r "$SOFTLOCK_KO" ] || bail_out "module $SOFTLOCK_KO not found"
	command -v "$SL_CTL" >/dev/null 2>&1 || bail_out "$SL_CTL not found in PATH"
	if sl_loaded; then
		bail_out "softlock is already loaded (the harness unloads it before every test)"
	fi
	SL_TMP=$(mktemp -d /tmp/softlock-test.XXXXXX) || bail_out "mktemp failed"
	: > "$SL_TMP/cleanup"
	: > "$SL_TMP/pids"
	trap _sl_on_exit EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	sl_sanitize_setup
	modprobe loop 2>/dev/null
	thin_module_load || skip_all "dm-thin-pool is not available"
}

thin_module_load() {
	grep -q '^dm_thin_pool ' /proc/modules && return 0
	[ -d /sys/module/dm_thin_pool ] && return 0
	# busybox modprobe ignores softdeps: libcrc32c wants crc32c first.
	modprobe crc32c_generic 2>/dev/null
	modprobe dm-thin-pool
}

# ---------------------------------------------------------------- cleanup

# cleanup_push CMD: CMD is eval'd at exit, last pushed first. Works from
# subshells too (the registry is a file).
cleanup_push() {
	printf '%s\n' "$*" >> "$SL_TMP/cleanup"
}

# bg_register PID: killed first at exit.
bg_register() {
	echo "$1" >> "$SL_TMP/pids"
}

_sl_cleanup_failed=0

_sl_try() {
	if ! "$@" >"$SL_TMP/cleanup.out" 2>&1; then
		_sl_cleanup_failed=1
		diag "cleanup: '$*' failed:"
		[ -s "$SL_TMP/cleanup.out" ] && diag "$(cat "$SL_TMP/cleanup.out")"
	fi
}

_sl_cleanup() {
	local pid line
	[ -n "$SL_TMP" ] && [ -d "$SL_TMP" ] || return 0
	while read -r pid; do
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done < "$SL_TMP/pids"
	# Unloading softlock drops its pins, so pinned devices can go.
	if sl_loaded; then
		_sl_try sl_unload
	fi
	tac "$SL_TMP/cleanup" > "$SL_TMP/cleanup.rev"
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		eval "_sl_try $line"
	done < "$SL_TMP/cleanup.rev"
	rm -rf "$SL_TMP"
	SL_TMP=
}

_sl_on_exit() {
	local rc=$? last
	trap - EXIT HUP INT TERM
	if [ "$_sl_skip" = 1 ]; then
		exit 4
	fi
	if [ -n "$_tap_planned" ]; then
		# Sanitized, the last planned assertion is sl_sanitize_check's.
		last=$_tap_planned
		sl_sanitized && last=$((last - 1))
		while [ "$_tap_n" -lt "$last" ]; do
			tap_fail "not reached (the test stopped early, exit status $rc)"
		done
		if sl_sanitized; then
			sl_sanitize_check
		fi
		if [ "$_tap_n" -gt "$_tap_planned" ]; then
			diag "ran $_tap_n tests but planned $_tap_planned"
			_tap_failed=$((_tap_failed + 1))
		fi
	fi
	_sl_cleanup
	if [ "$_sl_cleanup_failed" = 1 ]; then
		diag "cleanup failed: devices or modules may be left behind"
		exit 1
	fi
	if [ "$_tap_failed" -gt 0 ] || [ -z "$_tap_planned" ]; then
		[ -n "$_tap_planned" ] && diag "$_tap_failed of $_tap_planned tests failed"
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------- module

sl_loaded() {
	grep -q '^softlock ' /proc/modules
}

sl_load() { # [PARAM=VALUE...]
	insmod "$SOFTLOCK_KO" "$@"
}

sl_unload() {
	sl_loaded || return 0
	rmmod softlock
}

# slctl ARGS...: the sl_ctl CLI ($SL_CTL)
slctl() {
	command "$SL_CTL" "$@"
}

# ---------------------------------------------------------------- kernel log

# kmsg_mark: writes a unique marker line to the kernel log;
# dmesg_since_mark prints the kernel log lines after the last marker.
kmsg_mark() {
	_sl_marks=$((_sl_marks + 1))
	_sl_mark="softlock-selftest $$ mark $_sl_marks"
	echo "$_sl_mark" > /dev/kmsg
}

dmesg_since_mark() {
	dmesg | awk -v m="$_sl_mark" 'f { print } index($0, m) { f = 1 }'
}

# refusal_re POOLNAME ID: the guard's log line for a locked id.
refusal_re() {
	echo "softlock: pool $1: refused delete of thin id $2: [0-9]+ lock\\(s\\), first $SL_TYPE \"$SL_TEXT\""
}

# ---------------------------------------------------------------- devices

# make_thin_vg VG: VG on a new 400 MiB loop PV (removed at exit) with a
# 64 MiB thin pool VG/pool and a 128 MiB thin volume VG/thin.
make_thin_vg() {
	local pv
	make_loop 400M || return 1
	pv=$LOOP_DEV
	pvcreate -y "$pv" || return 1
	cleanup_push "vg_cleanup $1 $pv"
	vgcreate -y "$1" "$pv" || return 1
	lvcreate -y -L 64M -T "$1/pool" || return 1
	lvcreate -y -V 128M -T "$1/pool" -n thin
}

# vg_cleanup VG PV: remove a test's VG and PV, whatever state they are in.
vg_cleanup() {
	if vgs "$1" >/dev/null 2>&1; then
		vgremove -ff -y "$1" || return 1
	fi
	pvs "$2" >/dev/null 2>&1 || return 0
	pvremove -ff -y "$2"
}

# make_loop SIZE: a loop device over a sparse file in $SL_TMP; sets LOOP_DEV.
make_loop() {
	local img
	img=$(mktemp "$SL_TMP/loop.XXXXXX") || return 1
	truncate -s "$1" "$img" || return 1
	LOOP_DEV=$(losetup -f --show "$img" 2>/dev/null)
	if [ -z "$LOOP_DEV" ]; then
		# busybox losetup has no --show
		LOOP_DEV=$(losetup -f) || return 1
		if ! losetup "$LOOP_DEV" "$img"; then
			LOOP_DEV=
			return 1
		fi
	fi
	cleanup_push "loop_del $LOOP_DEV"
}

loop_del() {
	local n=${1#/dev/loop}
	[ -e "/sys/block/loop$n/loop/backing_file" ] || return 0
	losetup -d "$1"
}

dm_exists() {
	dmsetup info "$1" >/dev/null 2>&1
}

dm_remove() {
	dm_exists "$1" || return 0
	dmsetup remove "$1" 2>/dev/null && return 0
	dmsetup remove --retry "$1"
}

# dm_devno NAME: "major:minor"
dm_devno() {
	dmsetup info -c --noheadings -o major,minor "$1" | tr -d ' '
}

# dm_uuid NAME: its DM uuid, what a pin names besides MAJ:MIN
dm_uuid() {
	dmsetup info -c --noheadings -o uuid "$1"
}

# dm_open_count NAME
dm_open_count() {
	dmsetup info -c --noheadings -o open "$1" | tr -d ' '
}

# pool_msg POOL MESSAGE
pool_msg() {
	dmsetup message "$1" 0 "$2"
}

# pool_tid POOL: the kernel's transaction id of a thin-pool device
pool_tid() {
	dmsetup status "$1" | awk '$3 == "thin-pool" { print $4 }'
}

# pool_status_ok POOL: fails when the pool reports an error or needs_check
pool_status_ok() {
	local st
	st=$(dmsetup status "$1") || return 1
	echo "$st"
	# 0 LEN thin-pool TID META DATA HELD rw|ro|out_of_data_space ... needs_check|-
	echo "$st" | awk '$3 != "thin-pool" || $4 == "Fail" || $8 != "rw" ||
		/needs_check/ { bad = 1 } END { exit bad }'
}

# create_pool NAME META DATA [UUID]: a thin-pool over two block devices.
create_pool() {
	local name=$1 meta=$2 data=$3 uuid=$4 sectors
	sectors=$(blockdev --getsz "$data") || return 1
	if [ -n "$uuid" ]; then
		dmsetup create "$name" --uuid "$uuid" \
			--table "0 $sectors thin-pool $meta $data 128 0" || return 1
	else
		dmsetup create "$name" \
			--table "0 $sectors thin-pool $meta $data 128 0" || return 1
	fi
	cleanup_push "dm_remove $name"
	dmsetup mknodes "$name" 2>/dev/null
	return 0
}

# make_pool NAME [UUID]: new metadata and data loop devices and a pool on
# them; sets POOL_META and POOL_DATA.
make_pool() {
	make_loop 16M || return 1
	POOL_META=$LOOP_DEV
	make_loop 256M || return 1
	POOL_DATA=$LOOP_DEV
	# A zeroed superblock makes dm-thin format new metadata.
	dd if=/dev/zero of="$POOL_META" bs=4096 count=1 conv=notrunc,fsync 2>/dev/null || return 1
	create_pool "$1" "$POOL_META" "$POOL_DATA" "$2"
}

# thin_create POOL ID
thin_create() {
	pool_msg "$1" "create_thin $2"
}

# thin_activate POOL ID NAME [SECTORS]: a "thin" target for id ID, with
# the DM uuid SLTEST-NAME (a pin names its device's uuid: dm_uuid).
thin_activate() {
	local pool=$1 id=$2 name=$3 sectors=${4:-262144} devno
	devno=$(dm_devno "$pool") || return 1
	dmsetup create "$name" -u "SLTEST-$name" \
		--table "0 $sectors thin $devno $id" || return 1
	cleanup_push "dm_remove $name"
	dmsetup mknodes "$name" 2>/dev/null
	return 0
}

# thin_snap POOL NEWID ORIGID [ORIGIN_DM_NAME]: create_snap; an active
# origin is suspended around the message as dm-thin requires.
thin_snap() {
	local pool=$1 new=$2 orig=$3 odev=$4 r
	if [ -n "$odev" ]; then
		dmsetup suspend "$odev" || return 1
	fi
	pool_msg "$pool" "create_snap $new $orig"
	r=$?
	if [ -n "$odev" ]; then
		dmsetup resume "$odev" || r=1
	fi
	return $r
}

# thin_exists POOL ID: does the pool's metadata still hold thin id ID?
# (activating a thin target fails for an id that does not exist)
thin_exists() {
	local devno name=sltest-probe
	devno=$(dm_devno "$1") || return 1
	dm_remove "$name" 2>/dev/null
	dmsetup create "$name" --table "0 2048 thin $devno $2" >/dev/null 2>&1 || return 1
	dmsetup remove "$name" >/dev/null 2>&1
	return 0
}

# random_writes DEV SEED COUNT BS UNITS MAXLEN LIST: COUNT writes of 1 to
# MAXLEN random BS-byte blocks within DEV's first UNITS blocks, chosen from
# SEED so a run can be replayed; LIST gets "OFFSET LENGTH" (in blocks) of
# each.
random_writes() {
	local dev=$1 off len
	awk -v seed="$2" -v n="$3" -v units="$5" -v maxlen="$6" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++) {
			len = 1 + int(rand() * maxlen)
			print int(rand() * (units - len)), len
		}
	}' > "$7" || return 1
	while read -r off len; do
		dd if=/dev/urandom of="$dev" bs="$4" seek="$off" count="$len" \
			conv=notrunc,fsync 2>/dev/null || return 1
	done < "$7"
}

# write_pattern FILE: 1 MiB of random data
write_pattern() {
	dd if=/dev/urandom of="$1" bs=65536 count=16 2>/dev/null
}

# dev_write DEV FILE; dev_matches DEV FILE: DEV starts with FILE's bytes,
# read back from the device (caches dropped).
dev_write() {
	dd if="$2" of="$1" bs=65536 conv=notrunc,fsync 2>/dev/null
}

dev_matches() {
	local back
	back=$SL_TMP/readback
	blockdev --flushbufs "$1" 2>/dev/null
	sync
	echo 3 > /proc/sys/vm/drop_caches 2>/dev/null
	dd if="$1" of="$back" bs=65536 count=16 2>/dev/null || return 1
	cmp -s "$2" "$back"
}
