#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own checkers that tools/vm/check.sh turns on for the test
# boots are really in force, so that a run without them cannot pass for a
# checked one: SLUB debugging on the kmalloc caches (slub_debug=FZPU),
# full preemption (preempt=full), and KFENCE sampling on a kernel built
# with it (kfence.sample_interval). The reports they print fail the run
# (check.sh's SPLAT).
cd "$(dirname "$0")" || exit 1
. ./lib.sh

tap_plan 3

slub_on() {
	local f c=/sys/kernel/slab/kmalloc-128
	for f in sanity_checks red_zone poison store_user; do
		[ "$(cat "$c/$f" 2>/dev/null)" = 1 ] ||
			{ echo "$c/$f is not 1"; return 1; }
	done
}
run slub_on
if [ "$RC" = 0 ]; then
	tap_ok "SLUB: sanity checks, red zones, poisoning and owner tracking on kmalloc-128"
else
	tap_fail "SLUB debugging is not on"
	diag "$OUT"
fi

grep -q " /sys/kernel/debug " /proc/mounts ||
	mount -t debugfs debugfs /sys/kernel/debug
preempt=$(cat /sys/kernel/debug/sched/preempt 2>/dev/null)
case $preempt in
*"(full)"*) tap_ok "the kernel preempts fully: $preempt" ;;
*) tap_fail "preemption is not full: '$preempt'" ;;
esac

if [ -e /sys/module/kfence/parameters/sample_interval ]; then
	interval=$(cat /sys/module/kfence/parameters/sample_interval)
	if [ "$interval" -gt 0 ] 2>/dev/null &&
	   grep -q 'enabled: 1' /sys/kernel/debug/kfence/stats 2>/dev/null; then
		tap_ok "KFENCE samples an allocation every $interval ms"
	else
		tap_fail "KFENCE is off (sample_interval '$interval')"
		diag "$(cat /sys/kernel/debug/kfence/stats 2>&1)"
	fi
else
	tap_skip "KFENCE" "this kernel ($(uname -r)) is built without KFENCE"
fi

[ "$_tap_failed" = 0 ]
