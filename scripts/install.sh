#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make install` and `make uninstall` (see the top-level Makefile).
#
#   install.sh install KO HELPER KVER      install into $DESTDIR (default /)
#   install.sh uninstall                   remove what install put there
#
# install records every file and directory it creates, with the file's
# SHA-256, in $DESTDIR/var/lib/softlock/install-manifest; uninstall removes
# exactly those and nothing else:
#   - the catalog (/var/lib/softlock/softlock.db) is never touched;
#   - a configuration file under /etc is installed only where none exists
#     (an existing one is kept and named), and uninstall removes it only if
#     it is unchanged since install (a changed one is kept and named);
#   - a directory is removed only if install created it and it is empty.
# depmod runs for KVER when DESTDIR is empty.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
D=${DESTDIR:-}
MANIFEST=/var/lib/softlock/install-manifest
# Debian 12 locations (systemd and kmod read these).
UNITDIR=/lib/systemd/system
MODLOADDIR=/usr/lib/modules-load.d

die() {
	echo "install.sh: $*" >&2
	exit 1
}

sum() { sha256sum "$1" | cut -d' ' -f1; }

# Create directory $1 and its missing parents, recording each one created.
mkdirs() { # DIR [MODE]
	[ "$1" = / ] || [ -d "$D$1" ] && return 0
	mkdirs "$(dirname "$1")"
	install -d -m "${2:-0755}" "$D$1"
	echo "d - $1" >> "$tmp"
}

put() { # SRC DEST MODE
	mkdirs "$(dirname "$2")"
	install -m "$3" "$1" "$D$2"
	echo "f $(sum "$1") $2" >> "$tmp"
}

# A configuration file: never overwrite one that is there.
put_conf() { # SRC DEST
	if [ -e "$D$2" ]; then
		cmp -s "$1" "$D$2" ||
			echo "install.sh: keeping the existing $D$2 (differs from $1)" >&2
		return 0
	fi
	mkdirs "$(dirname "$2")"
	install -m 0644 "$1" "$D$2"
	echo "c $(sum "$1") $2" >> "$tmp"
}

do_install() { # KO HELPER KVER
	ko=$1 helper=$2 kver=$3
	[ -f "$ko" ] || die "no $ko: run 'make module'"
	[ -x "$helper" ] || die "no $helper: run 'make helper'"
	[ -n "$kver" ] || die "no kernel release: set KVER or KDIR"
	if [ -f "$D$MANIFEST" ]; then
		# Installing again: first take the previous install away.
		do_uninstall
	fi
	[ -z "$D" ] || mkdir -p "$D"
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	put "$ko" "/lib/modules/$kver/updates/softlock.ko" 0644
	put "$helper" /usr/sbin/softlock 0755
	for f in "$top"/man/*.8 "$top"/man/*.5; do
		[ -f "$f" ] || continue
		put "$f" "/usr/share/man/man${f##*.}/$(basename "$f")" 0644
	done
	for f in "$top"/dist/systemd/*.service "$top"/dist/systemd/*.timer; do
		[ -f "$f" ] || continue
		put "$f" "$UNITDIR/$(basename "$f")" 0644
	done
	put "$top/dist/modules-load.d/softlock.conf" "$MODLOADDIR/softlock.conf" 0644
	put "$top/dist/bash-completion/softlock" \
		/usr/share/bash-completion/completions/softlock 0644
	put_conf "$top/dist/modprobe.d/softlock.conf" /etc/modprobe.d/softlock.conf
	if [ -f "$top/dist/etc/softlock.conf" ]; then
		put_conf "$top/dist/etc/softlock.conf" /etc/softlock/softlock.conf
	fi
	# Certificates and keys: root only.
	mkdirs /etc/softlock
	mkdirs /etc/softlock/tls 0700
	mkdirs "$(dirname "$MANIFEST")"
	echo "# softlock $(basename "$0") install-manifest: TYPE SHA256 PATH" > "$D$MANIFEST"
	cat "$tmp" >> "$D$MANIFEST"
	if [ -z "$D" ]; then
		depmod -a "$kver"
	fi
}

do_uninstall() {
	local_m=$(mktemp)
	[ -f "$D$MANIFEST" ] || die "nothing to uninstall: no $D$MANIFEST"
	grep -v '^#' "$D$MANIFEST" > "$local_m"
	# Files first.
	while read -r type hash path; do
		case $type in
		f) rm -f "$D$path" ;;
		c)
			if [ -f "$D$path" ] && [ "$(sum "$D$path")" != "$hash" ]; then
				echo "install.sh: keeping $D$path: changed since install" >&2
			else
				rm -f "$D$path"
			fi ;;
		esac
	done < "$local_m"
	rm -f "$D$MANIFEST"
	# Then the directories install created, deepest first, if empty.
	sed -n 's/^d - //p' "$local_m" | sort -r | while read -r path; do
		rmdir "$D$path" 2>/dev/null || true
	done
	if [ -z "$D" ]; then
		for k in $(sed -n 's|^f [^ ]* /lib/modules/\([^/]*\)/updates/softlock.ko$|\1|p' "$local_m"); do
			depmod -a "$k"
		done
	fi
	rm -f "$local_m"
}

case ${1:-} in
install)
	[ $# = 4 ] || die "usage: install.sh install KO HELPER KVER"
	do_install "$2" "$3" "$4" ;;
uninstall) do_uninstall ;;
*) die "usage: install.sh install KO HELPER KVER | uninstall" ;;
esac
