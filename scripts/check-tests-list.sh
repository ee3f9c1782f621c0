#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Every VM test is in selftests/softlock/tests.list exactly once, for
# "both", "6.1" or "6.12", and every name there is a test: a test left out
# of the list would silently never run.
set -u
dir=$(cd "$(dirname "$0")/../selftests/softlock" && pwd)
list=$dir/tests.list
rc=0
names=$(awk '!/^[ \t]*(#|$)/ { print $1 }' "$list")
bad=$(awk '!/^[ \t]*(#|$)/ && (NF != 2 || $2 !~ /^(both|6\.1|6\.12)$/)' "$list")
[ -z "$bad" ] || { echo "tests.list: malformed lines: $bad"; rc=1; }
dup=$(echo "$names" | sort | uniq -d)
[ -z "$dup" ] || { echo "tests.list: named twice: $dup"; rc=1; }
for t in $(cd "$dir" && ls ./*_test.sh ./*_test.c | sed 's|^\./||; s|\.c$||'); do
	echo "$names" | grep -qx "$t" && continue
	grep -q "^# Not in the suite, run by name: .*$t" "$list" && continue
	echo "tests.list: $t is not listed (add it, or say why it is not in the suite)"
	rc=1
done
for t in $names; do
	[ -e "$dir/$t" ] || [ -e "$dir/$t.c" ] ||
		{ echo "tests.list: $t is no test in selftests/softlock"; rc=1; }
done
exit $rc
