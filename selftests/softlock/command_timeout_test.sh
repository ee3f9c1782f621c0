#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# How the helper starts LVM and dm tools: an lvs that hangs fails
# `softlock holds` with a message naming lvs and the timeout, and is
# stopped with what it started; a tool gets default signal dispositions
# and an empty mask whatever the helper inherited.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock timeout
tap_plan 9

VG=sltmovg
export SOFTLOCK_DB=$SL_TMP/catalog/softlock.db
BIN=$SL_TMP/bin
mkdir -p "$BIN" || bail_out "mkdir $BIN"

assert "insmod softlock" sl_load
setup() {
	make_thin_vg "$VG" && lvcreate -y -s "$VG/thin" -n snap
}
assert "LVM: VG, thin pool, thin volume, snapshot" setup ||
	bail_out "no LVM setup"
assert "hold $VG/snap" softlock hold "$VG/snap" --type dest-path \
	--text "hostC:vg/vol"

# An lvs that never answers: a shell waiting for a child, so that
# stopping only the shell would leave the child behind.
cat > "$BIN/lvs" <<EOF
#!/bin/sh
echo \$\$ > "$SL_TMP/lvs.pid"
sleep 3617 &
echo \$! > "$SL_TMP/sleep.pid"
wait
EOF
chmod +x "$BIN/lvs"

# Failed on its own, not stopped by timeout(1) (124) or killed.
failed_alone() {
	[ "$RC" -ne 0 ] && [ "$RC" -lt 124 ]
}
# --foreground: timeout(1) stops only softlock, not its process group, so
# that what is left of the hung lvs is what softlock itself stopped.
run timeout --foreground 60 env PATH="$BIN:$PATH" SOFTLOCK_COMMAND_TIMEOUT=5 \
	softlock holds
HOLDS_OUT=$OUT
assert "a hung lvs: softlock holds fails (exit status $RC)" failed_alone
assert_match "the message names lvs, the timeout and its setting" \
	"lvs printed nothing and did not finish for 5 s: stopped it \\(SOFTLOCK_COMMAND_TIMEOUT" \
	"$HOLDS_OUT"

# Gone, a zombie, or with SIGKILL pending: kill() has been sent to it.
killed() {
	local st=/proc/$1/status pnd
	[ -n "$1" ] && [ -e "$st" ] || return 0
	grep -q '^State:.*[ZX]' "$st" && return 0
	pnd=$(awk '/^ShdPnd:/ { print $2 }' "$st")
	[ $((0x$pnd & 0x100)) -ne 0 ]
}
stopped() {
	[ -s "$SL_TMP/lvs.pid" ] && [ -s "$SL_TMP/sleep.pid" ] &&
		killed "$(cat "$SL_TMP/lvs.pid")" &&
		killed "$(cat "$SL_TMP/sleep.pid")"
}
assert "the hung lvs and the child it started are stopped" stopped

run timeout 60 env PATH="$BIN:$PATH" SOFTLOCK_COMMAND_TIMEOUT=5 softlock holds "$VG/snap"
assert "a hung lvs: softlock holds VG/LV fails too (exit status $RC)" failed_alone

# An lvs that reports the signal state it passes on (what grep, its
# child, starts with: the shell's own changes are undone for a child, what
# it inherited ignored is not), then runs the real one.
REAL=$(command -v lvs)
cat > "$BIN/lvs" <<EOF
#!/bin/sh
grep -E '^Sig(Ign|Blk):' /proc/self/status > "$SL_TMP/lvs.sig"
exec "$REAL" "\$@"
EOF
# The helper started ignoring SIGPIPE and SIGHUP (as under nohup).
run timeout 60 env PATH="$BIN:$PATH" sh -c "trap '' PIPE HUP; exec softlock holds"
assert_match "with a working lvs, holds lists the hold" "^$VG/snap .* held" "$OUT"
assert_eq "lvs ran with no signal ignored or blocked" \
	"SigBlk:	0000000000000000
SigIgn:	0000000000000000" "$(cat "$SL_TMP/lvs.sig" 2>&1)"
