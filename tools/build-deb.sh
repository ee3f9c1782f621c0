#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian packages softlock-dkms and softlock from this tree into
# OUT (default build/deb): the tracked and untracked-but-not-ignored files
# are copied to OUT/src and dpkg-buildpackage runs there, so the tree itself
# stays clean. Needs debhelper, dh-dkms, dpkg-dev, fakeroot (scripts/deps.sh).
#
#   tools/build-deb.sh [OUT]
#   tools/build-deb.sh --check-version    only check that the versions agree
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

# MODULE_VERSION, SL_VERSION, dkms.conf and debian/changelog must agree.
check_version() {
	mod=$(sed -n 's/^MODULE_VERSION("\(.*\)");/\1/p' "$top/kernel/main.c")
	cli=$(sed -n 's/^#define SL_VERSION "\(.*\)"/\1/p' "$top/user/cli/ctx.h")
	dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
	deb=$(cd "$top" && dpkg-parsechangelog -S Version | sed 's/-[^-]*$//')
	if [ -z "$mod" ] || [ "$mod" != "$cli" ] || [ "$mod" != "$dkms" ] || [ "$mod" != "$deb" ]; then
		echo "build-deb.sh: versions disagree: kernel/main.c '$mod'," \
			"user/cli/ctx.h '$cli', dkms.conf '$dkms', debian/changelog '$deb'" >&2
		return 1
	fi
	echo "$mod"
}

if [ "${1:-}" = --check-version ]; then
	check_version
	exit
fi
version=$(check_version)
out=$(mkdir -p "${1:-$top/build/deb}" && cd "${1:-$top/build/deb}" && pwd)
rm -rf "$out/src" "$out"/softlock*_"$version"* "$out"/softlock-dkms_"$version"*
mkdir -p "$out/src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	cpio --null -pdm --quiet "$out/src")
(cd "$out/src" && dpkg-buildpackage -us -uc -b -j"$(nproc)")
ls "$out"/*.deb
