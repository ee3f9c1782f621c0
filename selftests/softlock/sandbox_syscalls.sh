#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sandbox_syscalls.sh UNIT...: the system calls of every @group the units'
# SystemCallFilter= lines name, as "GROUP NAME" lines, for sl_sandbox in
# the guests (which have no systemd-analyze). Nested groups are expanded,
# as systemd does; the list is this build host's systemd's.
set -eu

expand() { # GROUP: its calls, one a line
	systemd-analyze syscall-filter --no-pager "$1" |
	awk 'NR > 1 && NF && $1 !~ /^#/ { print $1 }' |
	while read -r s; do
		case $s in
		@*) expand "$s" ;;
		*) echo "$s" ;;
		esac
	done
}

command -v systemd-analyze > /dev/null ||
	{ echo "sandbox_syscalls.sh: systemd-analyze is missing (scripts/deps.sh installs systemd)" >&2; exit 1; }
for g in $(sed -n 's/^SystemCallFilter=//p' "$@" | tr ' ' '\n' | grep '^@' | sort -u); do
	expand "$g" | sort -u | sed "s/^/$g /"
	# An unknown group prints nothing: say so instead of allowing nothing.
	[ -n "$(expand "$g")" ] || { echo "sandbox_syscalls.sh: no calls in $g" >&2; exit 1; }
done
