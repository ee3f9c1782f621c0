#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks, run inside the guest by tools/vm/init (sl.mode=bench).
# Each runs in its own process, framed like a test so that the host sees
# whether it ran to the end; the figures are its "BENCH ..." lines.
#   run_bench.sh [NAME...]      default: kernel mirror verify scale lockset soak
cd /softlock/bench || exit 1
for b in ${*:-kernel mirror verify scale lockset soak}; do
	echo "# softlock-test: bench-$b"
	t0=$EPOCHREALTIME
	bash "./${b}_bench.sh"
	rc=$?
	awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$b" 'BEGIN { printf "# bench %s took %.0f s\n", n, b - a }'
	grep -q '^softlock ' /proc/modules && rmmod softlock
	echo "# softlock-exit: bench-$b $rc"
done
