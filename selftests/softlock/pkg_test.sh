#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, installed in the guest like on a host: dpkg -i
# softlock-dkms and softlock builds softlock.ko through DKMS for the
# running kernel, modprobe loads that module (sealed, by the packaged
# modprobe.d file), softlock restore unseals, a held LVM snapshot refuses
# lvremove until released, and dpkg -r takes the module and the helper away.
#
# The guest's initramfs has no compiler, headers or dpkg: the host's root
# filesystem, shared read-only over virtio-9p (mount tag "hostroot", see
# tools/vm/check.sh), is the lower layer of overlayfs mounts (one per top-level
# directory, on a tmpfs root) with tmpfs upper layers, and the packages
# are installed in a chroot of that. The .debs are
# tools/build-deb.sh's, copied by check.sh into ./debs.
#
# DKMS compiles the module under TCG when check.sh made no compiler cache
# for it (see below), which takes ten minutes or more:
# sl-timeout: 2400
. ./lib.sh

sl_init chroot mount umount
tap_plan 21

kver=$(uname -r)
# For regular expressions: 6.12.117+deb12-amd64 has "." and "+".
ere() { printf '%s' "$1" | sed 's/[].[+*?()|^$\\]/\\&/g'; }
debs=$(pwd)/debs
R=$SL_TMP/root
# DKMS compresses the module like the kernel's own (6.12: .ko.xz).
dkms_dir=/lib/modules/$kver/updates/dkms

# /usr/bin/env by its path: busybox-static runs its own applet for a bare
# name (env, then modinfo, dpkg...) instead of the chroot's program.
in_root() {
	chroot "$R" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin DM_DISABLE_UDEV=1 \
		LVM_SUPPRESS_FD_WARNINGS=1 DEBIAN_FRONTEND=noninteractive "$@"
}

# The host's root under an overlay: the tmpfs takes every write.
setup_root() {
	local d f keep
	ls "$debs"/softlock-dkms_*_all.deb "$debs"/softlock_*.deb > /dev/null ||
		{ diag "no .debs in $debs: check.sh builds them with tools/build-deb.sh"; return 1; }
	for d in 9pnet_virtio 9p overlay; do
		modprobe "$d" || return 1
	done
	mkdir -p "$SL_TMP/host" "$SL_TMP/rw" "$R"
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=524288 \
		hostroot "$SL_TMP/host" || return 1
	cleanup_push "umount $SL_TMP/host"
	mount -t tmpfs -o size=768m tmpfs "$SL_TMP/rw" || return 1
	cleanup_push "umount $SL_TMP/rw"
	# One overlay per top-level directory, on a tmpfs root: a mount on a
	# directory of an overlay over 9p is dropped as soon as 9p finds the
	# host's directory changed (the host's /proc and /tmp always do), so
	# /proc, /sys, /dev, /tmp and /run are plain directories of this tmpfs.
	mount -t tmpfs tmpfs "$R" || return 1
	cleanup_push "umount $R"
	for d in usr etc var boot root opt; do
		[ -d "$SL_TMP/host/$d" ] && [ ! -L "$SL_TMP/host/$d" ] || continue
		mkdir -p "$SL_TMP/rw/$d.u" "$SL_TMP/rw/$d.w" "$R/$d"
		mount -t overlay overlay \
			-o "lowerdir=$SL_TMP/host/$d,upperdir=$SL_TMP/rw/$d.u,workdir=$SL_TMP/rw/$d.w" \
			"$R/$d" || return 1
		cleanup_push "umount $R/$d"
	done
	# Merged /usr: /bin, /lib... are symlinks.
	for d in bin sbin lib lib32 lib64 libx32; do
		[ -L "$SL_TMP/host/$d" ] && ln -s "$(readlink "$SL_TMP/host/$d")" "$R/$d"
	done
	# One kernel to build for, the guest's: DKMS's postinst builds for the
	# running kernel and for the newest one it finds a /boot/config-* of,
	# and a second build of the module under TCG would double the test's
	# longest step. The other kernel's DKMS build is the other guest's.
	for d in "$R"/boot/config-*; do
		[ "$d" = "$R/boot/config-$kver" ] || rm -f "$d" || return 1
	done
	mkdir -p "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/run"
	# The kernel's modules, cut to device-mapper's and md's (drivers/md:
	# dm-mod, which softlock needs, and the targets LVM loads, such as
	# dm-snapshot for lvcreate -s) with what they depend on: DKMS's
	# depmod -a and its search for a same-named module read the whole
	# tree, and the kernel's 4,000 modules (391 MB on 6.1) took minutes
	# over 9p under TCG. What depmod writes and modprobe resolves for
	# softlock is the same.
	keep=$(find "$R/lib/modules/$kver/kernel/drivers/md" -name '*.ko*' |
		sed 's|.*/||; s|\.ko.*||')
	# shellcheck disable=SC2086
	keep=$(in_root modprobe -S "$kver" --show-depends -a $keep |
		awk '$1 == "insmod" { print $2 }')
	[ -n "$keep" ] || { diag "no modules in drivers/md of $kver"; return 1; }
	mkdir -p "$SL_TMP/rw/kernel"
	for d in $keep; do
		f=${d#/lib/modules/$kver/kernel/}
		mkdir -p "$SL_TMP/rw/kernel/${f%/*}" && cp "$R$d" "$SL_TMP/rw/kernel/$f" || return 1
	done
	mount --bind "$SL_TMP/rw/kernel" "$R/lib/modules/$kver/kernel" || return 1
	cleanup_push "umount $R/lib/modules/$kver/kernel"
	mount -t proc proc "$R/proc" || return 1
	cleanup_push "umount $R/proc"
	mount -t sysfs sysfs "$R/sys" || return 1
	cleanup_push "umount $R/sys"
	# devtmpfs is one instance: the chroot sees the guest's dm and loop
	# nodes. It has no /dev/fd (dkms reads /dev/fd/N: process substitution).
	mount -t devtmpfs devtmpfs "$R/dev" || return 1
	cleanup_push "umount $R/dev"
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	mkdir -p "$R/run/lock/lvm" "$R/run/lvm" "$R/tmp/debs"
	# No man-db index update (a scan of the host's man pages over 9p).
	rm -f "$R/var/lib/man-db/auto-update"
	# The guest's LVM settings: no udev, no daemons.
	cp /etc/lvm/lvm.conf "$R/etc/lvm/lvm.conf" &&
	cp "$debs"/softlock-dkms_*_all.deb "$debs"/softlock_*.deb "$R/tmp/debs/" &&
	in_root sh -c 'test -r /proc/cpuinfo && test -d /sys/class/block && test -e /dev/fd/1' ||
		{ diag "no /proc, /sys or /dev/fd in the chroot"; return 1; }
}

assert "the host's root as an overlay in the guest" setup_root || exit 1
run in_root sh -c "ls /usr/src/linux-headers-$kver/Makefile && command -v dkms gcc make dpkg"
assert_eq "the overlay has dkms, gcc, make, dpkg and the headers of $kver" 0 "$RC" ||
	diag "$OUT"
assert_fail "before install, no softlock.ko for $kver" in_root modinfo -n softlock

# The packages: DKMS builds and installs the module for the running kernel.
# Its compiler runs through ccache with the cache check.sh filled on the
# host by the same build (tools/vm/check.sh dkms_ccache): the compiler,
# headers and sources are the host's, so each object comes from there
# when every input hashes the same, and an input that differs compiles
# here. DKMS's make, Kbuild, modpost, link, signing and install all run.
cc_env=
if [ -d "$debs/ccache" ] && cp -a "$debs/ccache" "$R/tmp/ccache"; then
	cc_env="DEBIAN_KERNEL_USE_CCACHE=1 CCACHE_DIR=/tmp/ccache"
else
	diag "no compiler cache in $debs: DKMS compiles every object under TCG"
fi
t0=$(date +%s)
# shellcheck disable=SC2086
run in_root env -u LANG -u LC_ALL -u LC_CTYPE -u LC_MESSAGES $cc_env \
	sh -c 'dpkg -i /tmp/debs/softlock-dkms_*_all.deb /tmp/debs/softlock_*.deb'
assert_eq "dpkg -i softlock-dkms softlock" 0 "$RC" || {
	diag "$OUT"
	for f in "$R"/var/lib/dkms/softlock/*/build/make.log; do
		[ -f "$f" ] && diag "$(tail -n 30 "$f")"
	done
}
diag "dpkg -i took $(($(date +%s) - t0)) s"
[ -z "$cc_env" ] ||
	diag "compiler cache: $(in_root env CCACHE_DIR=/tmp/ccache ccache -s | grep -E '^ *(Hits|Misses):' | tr -s ' \n' ' ')"
run in_root dkms status softlock
assert_match "dkms status: softlock installed for $kver" \
	"^softlock/[^,]+, $(ere "$kver"), [^:]+: installed" "$OUT"
run in_root modinfo -n softlock
dkms_ko=$dkms_dir/softlock.ko
[ "$RC" = 0 ] && dkms_ko=$OUT
assert_match "modinfo -n softlock is the DKMS module" \
	"^$(ere "$dkms_dir")/softlock\.ko(\.xz|\.zst|\.gz)?\$" "$OUT"
ver=$(in_root dpkg-query -W -f '${Version}' softlock-dkms)
run in_root modinfo -F version softlock
assert_eq "its version is the package's" "$ver" "$OUT"
run in_root sh -c 'test -x /usr/sbin/softlock && test -f /lib/systemd/system/softlock-restore.service &&
	test -f /usr/lib/modules-load.d/softlock.conf && test -f /etc/modprobe.d/softlock.conf &&
	test -f /usr/share/man/man8/softlock.8.gz &&
	test -f /usr/share/bash-completion/completions/softlock &&
	test "$(stat -c %a /etc/softlock/tls)" = 700 &&
	test -L /etc/systemd/system/multi-user.target.wants/softlock-restore.service'
assert_eq "helper, units (restore enabled), modprobe.d, modules-load.d, man page, completion, tls 0700" \
	0 "$RC"

# --- the installed helper is the product: no test hooks (lib/testhook.h) ---
# The chroot's grep (the host's): none of the hooks' variables, nor the
# power cut's sysrq file, is in /usr/sbin/softlock.
run in_root grep -c -a -e SOFTLOCK_TEST_ -e SOFTLOCK_PROTO_CAPTURE -e sysrq-trigger \
	/usr/sbin/softlock
assert_eq "the installed softlock has no test hooks (SOFTLOCK_TEST_, SOFTLOCK_PROTO_CAPTURE, sysrq-trigger)" \
	0 "$OUT"
# --- end of the test-hooks check ---

# modprobe loads the DKMS module with the packaged options: sealed.
run in_root modprobe -v softlock
assert_match "modprobe softlock loads $dkms_ko sealed" \
	"^insmod $(ere "$dkms_ko") .*sealed=1" "$OUT"
assert_eq "the module is sealed" Y "$(cat /sys/module/softlock/parameters/sealed 2>&1)"
assert "softlock restore (what softlock-restore.service runs) unseals" \
	in_root softlock restore
assert_eq "the module is unsealed" N "$(cat /sys/module/softlock/parameters/sealed 2>&1)"

# A hold on a real LVM snapshot refuses lvremove until released.
make_thin_vg pkgvg || bail_out "thin LVM setup failed"
assert "a snapshot of a thin LV" in_root lvcreate -y -s -n snap pkgvg/thin
assert "softlock hold pkgvg/snap --type owner --text x" \
	in_root softlock hold pkgvg/snap --type owner --text x
run in_root lvremove -y pkgvg/snap
assert_match "lvremove of the held snapshot is refused: in use" \
	"Logical volume pkgvg/snap in use" "$OUT"
assert "the held snapshot is still there" in_root lvs pkgvg/snap
assert "softlock release pkgvg/snap --type owner" \
	in_root softlock release pkgvg/snap --type owner
assert "lvremove of the released snapshot works" in_root lvremove -y pkgvg/snap

# dpkg -r takes the module (through dkms remove) and the helper away.
sl_unload
run in_root dpkg -r softlock softlock-dkms
assert_eq "dpkg -r softlock softlock-dkms" 0 "$RC" || diag "$OUT"
run in_root sh -c "! ls $dkms_dir/softlock.ko* && ! modinfo -n softlock && test ! -e /usr/sbin/softlock &&
	test ! -e /usr/src/softlock-$ver && test ! -e /var/lib/dkms/softlock"
assert_eq "after dpkg -r: no softlock.ko, no helper, no DKMS source or tree" 0 "$RC" || diag "$OUT"
