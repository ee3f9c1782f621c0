#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real peer-protocol sessions for the fuzzer's seed corpus. Each session's
# initiator is the test build (softlock-test) with SOFTLOCK_PROTO_CAPTURE
# set (user/lib/testhook.h): it appends the frames it reads and writes, in
# order, to a file of its own.
# The initiator's capture is printed base64 as "# fuzz-seed NAME MODE
# DATA" lines; tools/fuzz_seeds.sh turns a log of this test into
# user/tests/fuzz-seeds/ (MODE is the fuzzer's first byte: 0 for a pushed
# session, 3 for a pulled one). Each capture must start with a frame.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock base64 od b2sum thin_delta thin_dump
. ./mirror_lib.sh
MB=16
tap_plan 8

# NAME MODE HOST CMD...: run CMD capturing; HOST's capture goes to the
# seed lines printed at the end (assert keeps a command's output).
capture() {
	local name=$1 mode=$2 f=$SL_TMP/cap.$3
	shift 3
	rm -f "$SL_TMP"/cap.*
	(export SOFTLOCK_PROTO_CAPTURE="$SL_TMP/cap"; "$@") > "$SL_TMP/out" 2>&1 ||
		{ cat "$SL_TMP/out"; return 1; }
	# The frame magic opens every capture.
	[ "$(od -An -N2 -tx1 "$f" 2>/dev/null | tr -d ' ')" = "$MAGIC" ] ||
		{ echo "$f: no frame at its start"; return 1; }
	base64 "$f" | sed "s|^|# fuzz-seed $name $mode |" >> "$SL_TMP/seeds"
}
MAGIC=$(printf 'SL' | od -An -tx1 | tr -d ' ')

assert "insmod softlock" sl_load
assert "hosts A and B" mirror_hosts_setup
assert "A: mirror init ab (push)" on_a softlock mirror init --name ab "$VA/vol" "$(peer_b $VB/vol)"
assert "capture: a baseline" capture baseline 0 hostA on_a "$SL_FAULTS" mirror update ab
dd if=/dev/urandom of="/dev/$VA/vol" bs=64k seek=3 count=2 conv=fsync 2>/dev/null
assert "capture: an incremental update" capture incremental 0 hostA on_a "$SL_FAULTS" mirror update ab
assert "capture: a verify session" capture verify 0 hostA on_a "$SL_FAULTS" mirror verify ab
assert "B: mirror init pa (pull from A)" on_b softlock mirror init --name pa "$(peer_a $VA/vol2)" "$VB/vol2"
assert "capture: a pulled baseline" capture pulled 3 hostB on_b "$SL_FAULTS" mirror update pa
cat "$SL_TMP/seeds"
