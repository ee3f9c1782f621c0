#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Turn the "# fuzz-seed NAME MODE DATA" lines of a fuzz_capture_test.sh
# log into the protocol fuzzer's seed corpus: one file per session, its
# first byte MODE (the fuzzer's mode byte), then the captured frames.
#
#   KERNELS=6.12 TESTS=fuzz_capture_test.sh bash tools/vm/check.sh > LOG
#   sh tools/fuzz_seeds.sh LOG user/tests/fuzz-seeds
set -eu
log=$1 out=$2
mkdir -p "$out"
names=$(sed -n 's/.*# fuzz-seed \([a-z0-9_-]*\) [0-9]* .*/\1/p' "$log" | sort -u)
[ -n "$names" ] || { echo "fuzz_seeds.sh: no fuzz-seed lines in $log" >&2; exit 1; }
for n in $names; do
	mode=$(sed -n "s/.*# fuzz-seed $n \\([0-9]*\\) .*/\\1/p" "$log" | head -1)
	{
		printf "\\$(printf '%03o' "$mode")"
		sed -n "s/.*# fuzz-seed $n [0-9]* //p" "$log" | base64 -d
	} > "$out/session-$n"
	echo "$out/session-$n: $(wc -c < "$out/session-$n") bytes"
done
