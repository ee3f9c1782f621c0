#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install every Debian 12 package softlock needs to build, test and demo.
# Idempotent: apt-get skips what is already installed. Run as root.
set -eu

PKGS="build-essential pkg-config kmod cpio xz-utils zstd gzip
linux-image-amd64 linux-headers-amd64
linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
qemu-system-x86 busybox-static lvm2 thin-provisioning-tools
libnl-genl-3-dev libmnl-dev libsqlite3-dev sqlite3 sparse
libexpat1-dev libjson-c-dev
python3 python3-yaml python3-jsonschema iproute2 e2fsprogs groff-base
clang libclang-rt-14-dev libssl-dev libisal-dev libunistring-dev openssl openssh-server openssh-client
debhelper dh-dkms dkms dpkg-dev fakeroot ccache
systemd libseccomp-dev"

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: must run as root to install packages (try: sudo $0)" >&2
	exit 1
fi

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# The kernels are only booted inside QEMU: keep initramfs-tools and
# bootloader hooks from doing work on the build machine.
# openssh-server (and lvm2's daemons) are for the guests: no service of
# theirs starts on this machine while they install (policy-rc.d 101:
# "action forbidden"), unless the machine has a policy of its own.
own_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	own_policy=1
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
fi
# shellcheck disable=SC2086
rc=0
apt-get install -y -q --no-install-recommends $missing || rc=$?
[ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
exit $rc
