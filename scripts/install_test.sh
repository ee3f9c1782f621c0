#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make install` / `make uninstall` into a temporary DESTDIR: the exact file
# list (from the repository's man/ and dist/ globs), modes and contents; an
# uninstall that leaves the tree empty; an existing /etc file and the
# catalog kept by install and uninstall; a changed /etc file kept by
# uninstall; a second install over the first. Run by `make check`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
KVER=9.9.9-softlock-test
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"
fails=0

fail() {
	echo "not ok - $*"
	fails=$((fails + 1))
}

inst() { make -s install DESTDIR="$root" KVER="$KVER" > "$tmp/out" 2>&1 || { cat "$tmp/out"; return 1; }; }
uninst() { make -s uninstall DESTDIR="$root" > "$tmp/out" 2>&1 || { cat "$tmp/out"; return 1; }; }

# What install must put, as "DEST SOURCE MODE" lines, from the tree's globs.
{
	echo "/lib/modules/$KVER/updates/softlock.ko softlock.ko 644"
	echo "/usr/sbin/softlock user/softlock 755"
	for f in man/*.8 man/*.5; do
		[ -f "$f" ] && echo "/usr/share/man/man${f##*.}/$(basename "$f") $f 644"
	done
	for f in dist/systemd/*.service dist/systemd/*.timer; do
		[ -f "$f" ] && echo "/lib/systemd/system/$(basename "$f") $f 644"
	done
	echo "/usr/lib/modules-load.d/softlock.conf dist/modules-load.d/softlock.conf 644"
	echo "/usr/share/bash-completion/completions/softlock dist/bash-completion/softlock 644"
	echo "/etc/modprobe.d/softlock.conf dist/modprobe.d/softlock.conf 644"
	[ -f dist/etc/softlock.conf ] &&
		echo "/etc/softlock/softlock.conf dist/etc/softlock.conf 644"
	true
} | sort > "$tmp/expect"

# Every regular file under $root, sorted, with /var/lib/softlock/install-manifest
# removed (checked separately).
files() {
	(cd "$root" && find . -type f | sed 's|^\.||' | sort) |
		grep -vx /var/lib/softlock/install-manifest || true
}

# 1. A fresh install: exactly the expected files, contents and modes.
inst || fail "make install DESTDIR"
cut -d' ' -f1 "$tmp/expect" > "$tmp/want"
files > "$tmp/got"
if ! diff -u "$tmp/want" "$tmp/got"; then
	fail "installed file list differs from the expected list (- expected, + installed)"
fi
while read -r dest src mode; do
	[ -f "$root$dest" ] || continue
	cmp -s "$src" "$root$dest" || fail "$dest differs from $src"
	m=$(stat -c %a "$root$dest")
	[ "$m" = "$mode" ] || fail "$dest has mode $m, want $mode"
done < "$tmp/expect"
[ -f "$root/var/lib/softlock/install-manifest" ] || fail "no install-manifest"
m=$(stat -c %a "$root/etc/softlock/tls" 2>/dev/null || echo none)
[ "$m" = 700 ] || fail "/etc/softlock/tls has mode $m, want 700"
n=$(grep -c '^[fc] ' "$root/var/lib/softlock/install-manifest" || true)
[ "$n" = "$(wc -l < "$tmp/expect")" ] || fail "the manifest lists $n files, want $(wc -l < "$tmp/expect")"

# 2. Installing again over it changes nothing; one uninstall empties the tree.
inst || fail "second make install"
files > "$tmp/got2"
cmp -s "$tmp/got" "$tmp/got2" || fail "a second install changed the file list"
uninst || fail "make uninstall"
left=$(cd "$root" && find . -mindepth 1 | sort)
[ -z "$left" ] || fail "make uninstall left behind: $left"
[ -d "$root" ] || fail "make uninstall removed DESTDIR itself"

# 3. An existing /etc file and the catalog survive install and uninstall.
mkdir -p "$root/etc/modprobe.d" "$root/var/lib/softlock"
echo "options softlock sealed=0 # the admin's" > "$root/etc/modprobe.d/softlock.conf"
echo catalog > "$root/var/lib/softlock/softlock.db"
inst || fail "make install over an existing /etc file"
grep -q "the admin's" "$root/etc/modprobe.d/softlock.conf" ||
	fail "make install overwrote an existing /etc/modprobe.d/softlock.conf"
grep -q ' /etc/modprobe.d/softlock.conf$' "$root/var/lib/softlock/install-manifest" &&
	fail "the manifest claims the admin's /etc/modprobe.d/softlock.conf"
uninst || fail "make uninstall (existing /etc file)"
left=$(cd "$root" && find . -type f | sort | tr '\n' ' ')
[ "$left" = "./etc/modprobe.d/softlock.conf ./var/lib/softlock/softlock.db " ] ||
	fail "after uninstall, want the admin's file and the catalog only, have: $left"
rm -rf "$root" && mkdir -p "$root"

# 4. A configuration file changed after install is kept by uninstall.
inst || fail "make install (for a changed /etc file)"
echo "# changed" >> "$root/etc/modprobe.d/softlock.conf"
uninst || fail "make uninstall (changed /etc file)"
left=$(cd "$root" && find . -type f | sort | tr '\n' ' ')
[ "$left" = "./etc/modprobe.d/softlock.conf " ] ||
	fail "after uninstall, want only the changed /etc file, have: $left"

# 5. Nothing installed: uninstall says so and fails.
rm -rf "$root" && mkdir -p "$root"
uninst > /dev/null 2>&1 && fail "make uninstall with nothing installed succeeded"

echo "# $(wc -l < "$tmp/expect") files installed and removed; $fails failure(s)"
[ "$fails" = 0 ]
