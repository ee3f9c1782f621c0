#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Static checks of the kernel module, one KTAP-style line per check:
# checkpatch --strict on kernel/ and include/, then a W=1 build with sparse
# (C=2) against every installed kernel's headers.
# usage: lint.sh LINUX_SRC
set -u
src=$1
top=$(cd "$(dirname "$0")/.." && pwd)
fail=0

result() { # NAME STATUS LOG
	if [ "$2" = 0 ]; then
		echo "ok - $1"
	else
		echo "not ok - $1"
		sed 's/^/# /' "$3"
		fail=1
	fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Not the files ynl-gen-c writes (kernel/netlink_gen.[ch]): the kernel
# does not checkpatch generated code either; make check-uapi keeps them
# exactly what the generator writes from the spec.
perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse --quiet \
	-f $(ls "$top"/kernel/*.c "$top"/kernel/*.h | grep -v /netlink_gen\\.) \
	"$top"/include/uapi/linux/softlock.h > "$log" 2>&1
result "checkpatch --strict kernel/ include/" $? "$log"

for kdir in /lib/modules/*/build; do
	[ -d "$kdir" ] || continue
	kver=$(basename "$(dirname "$kdir")")
	tmp=$(mktemp -d)
	cp -r "$top/Kbuild" "$top/kernel" "$top/include" "$tmp/"
	make -s -C "$kdir" M="$tmp" W=1 C=2 modules > "$log" 2>&1
	st=$?
	# Any compiler or sparse diagnostic fails the check.
	if [ $st = 0 ] && grep -E 'warning:|error:' "$log" >/dev/null; then
		st=1
	fi
	result "W=1 C=2 build on $kver" $st "$log"
	rm -rf "$tmp"
done
exit $fail
