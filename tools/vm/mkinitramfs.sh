#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's initramfs for one kernel: a base archive shared by all
# kernels (busybox, lvm2, dmsetup, thin-provisioning-tools, kmod, the
# project's programs and tests) and a per-kernel archive (the kernel's
# device-mapper and block modules, softlock.ko, pkg_test.sh's compiler
# cache). The kernel unpacks
# concatenated cpio archives in order, so the two are simply joined.
#
#   mkinitramfs.sh BASE_DIR USER_DIR [LINUX_SRC]
#                                            build BASE_DIR/base.cpio.gz (with
#                                            LINUX_SRC: the kernel's ynl CLI)
#   mkinitramfs.sh --kernel KVER KO OUT      build OUT from base + modules
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# Executables the guest needs from the host; their libraries follow by ldd.
# bash is the guest's /bin/sh: Debian's busybox-static runs its own applets
# before anything on PATH when it is the shell, which would hide kmod,
# util-linux losetup and the other real tools. For the same reason the
# applets that start other programs (timeout, env, xargs...) come from
# coreutils/findutils/util-linux: busybox would start its own "sh".
EXEC_BINS="/usr/bin/timeout /usr/bin/env /usr/bin/nohup /usr/bin/nice
/usr/bin/xargs /usr/bin/setsid /usr/bin/flock"
HOST_BINS="$EXEC_BINS /bin/bash /sbin/mke2fs /usr/sbin/lvm /usr/sbin/dmsetup /usr/sbin/pdata_tools /usr/bin/kmod
/usr/sbin/losetup /usr/bin/sqlite3 /usr/bin/ip /usr/bin/openssl
/usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen /usr/bin/ssh-keyscan
/usr/bin/b2sum"
LVM_CMDS="lvcreate lvremove lvs lvchange lvconvert lvextend lvresize lvrename vgcreate
vgremove vgs vgchange vgscan pvcreate pvremove pvs pvscan lvdisplay vgdisplay"
THIN_CMDS="thin_check thin_delta thin_dump thin_ls thin_repair thin_restore
thin_rmap thin_metadata_size"
KMOD_CMDS="modprobe insmod rmmod lsmod depmod modinfo"
# Modules loaded on demand in the guest (with their dependencies); 9p and
# overlay mount the host's root for pkg_test.sh; virtio_net links the
# guests of tools/vm/hosts.sh; dm-zero backs scale_bench.sh's pools.
MODULES="dm-thin-pool dm-snapshot dm-zero loop virtio_blk virtio_pci brd ext4 veth
9p 9pnet_virtio overlay virtio_net"

copy_with_libs() { # ROOT FILE
	local root=$1 f=$2 lib
	[ -e "$f" ] || return 0
	install -D -m 0755 "$f" "$root$f"
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
	done
}

# The kernel's own netlink client, tools/net/ynl/cli.py, for ynl_test.sh:
# in /softlock/ynl with the spec, and the host's python3 with just the
# modules the CLI imports (and PyYAML), as found by importing it here;
# their compiled forms come along so the guest does not compile them.
# Without the schema (--no-schema in the guest): the spec is checked
# against it on the host, by make check-uapi.
copy_ynl() { # ROOT LINUX_SRC
	local root=$1 ynl=$2/tools/net/ynl f pyc
	install -D -m 0644 "$ynl/cli.py" "$root/softlock/ynl/cli.py"
	install -D -m 0644 -t "$root/softlock/ynl/lib" "$ynl"/lib/*.py
	install -m 0644 "$here/../../Documentation/netlink/specs/softlock.yaml" \
		"$root/softlock/ynl/"
	copy_with_libs "$root" /usr/bin/python3.11
	ln -sf python3.11 "$root/usr/bin/python3"
	for f in $(/usr/bin/python3 - "$ynl" "$root/softlock/ynl/softlock.yaml" <<'EOF'
import linecache  # noqa: F401 (a traceback shows the source)
import runpy
import sys
import traceback  # noqa: F401

# A real request, as the guest makes: its lazy imports (argparse's
# gettext...); it fails here, where the family is not registered.
ynl = sys.argv[1]
sys.argv = [ynl + '/cli.py', '--spec', sys.argv[2], '--no-schema',
            '--do', 'stats-get']
sys.path.insert(0, ynl)
try:
    runpy.run_path(sys.argv[0], run_name='__main__')
except BaseException:
    pass
for m in list(sys.modules.values()):
    f = getattr(m, '__file__', None)
    if f and f.startswith('/usr/lib/python3'):
        print(f)
EOF
	); do
		[ -e "$root$f" ] && continue
		case $f in
		*.so) copy_with_libs "$root" "$f" ;;
		*) install -D -p -m 0644 "$f" "$root$f" ;;
		esac
		pyc=$(dirname "$f")/__pycache__/$(basename "$f" .py).cpython-311.pyc
		[ -e "$pyc" ] && install -D -p -m 0644 "$pyc" "$root$pyc"
	done
	return 0
}

build_base() { # BASE_DIR USER_DIR [LINUX_SRC]
	local out=$1 user=$2 root=$1/root a f
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/lvm,proc,sys,dev,tmp,run,var/lib,mnt,root}
	install -m 0755 /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		case $a in busybox|sh|ip|modprobe|insmod|rmmod|lsmod|depmod|modinfo|losetup|\
			timeout|env|nohup|nice|xargs|setsid|flock|mke2fs|mkfs.ext2) continue ;; esac
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	for f in $HOST_BINS; do copy_with_libs "$root" "$f"; done
	ln -s bash "$root/bin/sh"
	for a in $LVM_CMDS; do ln -sf lvm "$root/usr/sbin/$a"; done
	for a in $THIN_CMDS; do ln -sf pdata_tools "$root/usr/sbin/$a"; done
	# /sbin/modprobe is where the kernel looks when it loads a module itself.
	for a in $KMOD_CMDS; do ln -sf ../usr/bin/kmod "$root/sbin/$a"; done
	# The dynamic loader is found through PT_INTERP, not ldd's list form.
	copy_with_libs "$root" /lib64/ld-linux-x86-64.so.2
	install -m 0644 "$here/lvm.conf" "$root/etc/lvm/lvm.conf"
	# sshd (tools/vm/hosts.sh) drops privileges to "sshd" in /run/sshd.
	printf 'root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
		> "$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
	install -m 0755 "$here/init" "$root/init"
	mkdir -p "$root/softlock/bin" "$root/softlock/tests"
	install -m 0755 "$here/demo.sh" "$root/softlock/demo.sh"
	install -d "$root/softlock/bench"
	install -m 0755 "$here/../../bench/"*.sh "$root/softlock/bench/"
	cp -a "$user/." "$root/softlock/tests/"
	for f in sl_ctl softlock; do
		[ -e "$user/$f" ] && mv "$root/softlock/tests/$f" "$root/softlock/bin/$f"
	done
	# The project's programs need their libraries too (libmnl, libnl...).
	for f in "$root"/softlock/bin/* "$root"/softlock/tests/*; do
		[ -f "$f" ] && [ "$(head -c 4 "$f" | tail -c 3)" = ELF ] || continue
		for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
			[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
		done
	done
	[ -z "${3:-}" ] || copy_ynl "$root" "$3"
	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out/base.cpio.gz"
}

build_kernel() { # KVER KO OUT
	local kver=$1 ko=$2 out=$3 dir root f
	dir=$(dirname "$out")
	root=$dir/kroot
	rm -rf "$root"
	mkdir -p "$root/lib/modules/$kver" "$root/softlock"
	for f in $(modprobe -S "$kver" -a --show-depends $MODULES 2>/dev/null |
		   awk '$1 == "insmod" { print $2 }' | sort -u); do
		install -D -m 0644 "$f" "$root$f"
	done
	cp "/lib/modules/$kver/modules.order" "/lib/modules/$kver/modules.builtin" \
		"/lib/modules/$kver/modules.builtin.modinfo" "$root/lib/modules/$kver/" 2>/dev/null || true
	# Installed like a package would, so "modprobe softlock" pulls in
	# dm-mod; tests that need module parameters insmod $SOFTLOCK_KO.
	install -D -m 0644 "$ko" "$root/lib/modules/$kver/updates/softlock.ko"
	install -m 0644 "$ko" "$root/softlock/softlock.ko"
	depmod -b "$root" "$kver"
	# pkg_test.sh's compiler cache (check.sh dkms_ccache), when made.
	if [ -d "$dir/dkms-ccache" ]; then
		mkdir -p "$root/softlock/tests/debs"
		cp -a "$dir/dkms-ccache" "$root/softlock/tests/debs/ccache"
	fi
	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$dir/kernel.cpio.gz"
	cat "$(dirname "$dir")/base.cpio.gz" "$dir/kernel.cpio.gz" > "$out"
}

if [ "${1:-}" = --kernel ]; then
	build_kernel "$2" "$3" "$4"
else
	build_base "$1" "$2" "${3:-}"
fi
