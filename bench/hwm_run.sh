#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hwm_run.sh OUT CMD...: run CMD on this script's stdin and stdout (a
# mirror peer: PEER="exec:'... hwm_run.sh OUT softlock serve --stdio'"),
# and write to OUT CMD's own peak RSS in KiB: its VmHWM, read from
# /proc/PID/status every 0.1 s until its memory is gone. VmHWM only grows,
# so the last reading misses at most the last 0.1 s of CMD's life; unlike
# the rusage of children, it counts no process that CMD starts. When OUT
# holds a larger figure already (an earlier session of the same update),
# it is kept.
out=$1
shift
# The 0.1 s wait is a read that times out on a FIFO nobody writes to, not
# sleep(1): a fork and exec ten times a second cost the TCG guest CPU
# time the helpers it measures need.
fifo=$(mktemp -u "${TMPDIR:-/tmp}/hwm.XXXXXX") && mkfifo "$fifo" || exit 1
exec 9<>"$fifo"
rm -f "$fifo"
# Without job control a background command's stdin would be /dev/null.
"$@" <&0 9<&- &
pid=$!
hwm=
while :; do
	cur=
	while read -r key val _; do
		[ "$key" = VmHWM: ] && cur=$val
	done < "/proc/$pid/status"
	[ -n "$cur" ] || break	# exited: a zombie has no memory left
	hwm=$cur
	read -r -t 0.1 -u 9 _
done 2>/dev/null
wait "$pid"
rc=$?
read -r old 2>/dev/null < "$out" || old=0
[ "${hwm:-0}" -gt "${old:-0}" ] 2>/dev/null && echo "$hwm" > "$out"
[ -s "$out" ] || echo none > "$out"
exit "$rc"
