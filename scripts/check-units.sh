#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The systemd units of dist/systemd, checked without a running systemd:
# "systemd-analyze verify" must accept each one silently (an unknown key or
# a bad value is only a warning to systemd, an error here), and each
# service's exposure ("systemd-analyze security --offline=true", computed
# from the file alone) must stay at or under the figure below, which is
# what the sandbox of Documentation/softlock.rst ("Sandboxing") scores.
# Loosen a figure only with the reason in the commit and the table there.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
units=$top/dist/systemd

# UNIT, then its highest allowed exposure in tenths (36 is 3.6 of 10).
limits="softlock-daemon.service 31
softlock-serve.service 30
softlock-expire.service 28
softlock-metrics.service 28
softlock-restore.service 34"

command -v systemd-analyze > /dev/null ||
	{ echo "check-units.sh: systemd-analyze is missing (scripts/deps.sh installs systemd)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# verify resolves the units' dependencies and commands under --root: the
# standard units from this machine, stubs for the commands the units run.
mkdir -p "$root/lib/systemd" "$root/etc/systemd/system"
cp -a /lib/systemd/system "$root/lib/systemd/"
cp "$units"/* "$root/lib/systemd/system/"
for c in $(sed -n 's/^Exec[A-Za-z]*=[-+@!:]*\([^ ]*\).*/\1/p' "$units"/*.service | sort -u); do
	mkdir -p "$root$(dirname "$c")"
	printf '#!/bin/sh\n' > "$root$c"
	chmod 0755 "$root$c"
done
rc=0
out=$(systemd-analyze verify --root="$root" --man=no \
	"$root"/lib/systemd/system/softlock-*.service \
	"$root"/lib/systemd/system/softlock-*.timer 2>&1) || rc=1
if [ -n "$out" ] || [ $rc != 0 ]; then
	printf 'systemd-analyze verify:\n%s\n' "$out"
	exit 1
fi
echo "ok: systemd-analyze verify accepts $(ls "$units" | wc -l) units"

for u in "$units"/*.service; do
	n=$(basename "$u")
	max=$(printf '%s\n' "$limits" | awk -v u="$n" '$1 == u { print $2 }')
	[ -n "$max" ] || { echo "$n: no exposure limit in $0" >&2; exit 1; }
	score=$(systemd-analyze security --offline=true "$u" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if systemd-analyze security --offline=true --threshold="$max" "$u" > /dev/null 2>&1; then
		echo "ok: $n exposure $score (limit $((max / 10)).$((max % 10)))"
	else
		echo "FAIL: $n exposure $score is over its limit $((max / 10)).$((max % 10))"
		rc=1
	fi
done
exit $rc
