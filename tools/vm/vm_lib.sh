# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the QEMU harnesses share (sourced by tools/vm/check.sh and
# tools/vm/hosts.sh, never run): the kernel-log splat pattern and the
# build steps. The caller sets top (the tree), here (tools/vm), VM (the
# build directory), LINUX_SRC and TESTS, and defines pkg_wanted and
# build_debs (check.sh: the Debian packages for pkg_test.sh).

# A splat anywhere in the guest's kernel log fails the run.
# shellcheck disable=SC2034 # used by the scripts that source this
SPLAT='WARNING:|BUG:|Oops|general protection fault|Kernel panic|kernel BUG|INFO: task .* blocked for more than|rcu: INFO|RCU stall|UBSAN:|KASAN:|refcount_t:|list_(add|del) corruption|Call Trace:'

# The selftests, the helper and the base initramfs ($VM/base.cpio.gz).
build_user() {
	local obj=$VM/user-obj dest=$VM/user
	rm -rf "$dest" && mkdir -p "$obj" "$dest"
	make -s -C "$top/selftests/softlock" LINUX_SRC="$LINUX_SRC" O="$obj" all &&
	make -s -C "$top/selftests/softlock" LINUX_SRC="$LINUX_SRC" O="$obj" \
		DESTDIR="$dest" install || return 1
	if pkg_wanted "$TESTS"; then
		build_debs "$dest/debs" || return 1
	fi
	if [ -f "$top/user/Makefile" ]; then
		make -s -C "$top/user" LINUX_SRC="$LINUX_SRC" O="$VM/helper-obj" &&
		cp "$VM/helper-obj/softlock" "$VM/helper-obj/sl_ranges" "$VM/helper-obj/sl_apply" "$dest/" || return 1
	fi
	bash "$here/mkinitramfs.sh" "$VM" "$dest"
}

# Build softlock.ko for KVER from a private copy, so kernels never share
# objects.
build_module() { # KVER
	local src=$VM/$1/mod
	rm -rf "$src" && mkdir -p "$src"
	cp -a "$top/Kbuild" "$top/kernel" "$top/include" "$src/"
	make -s -C "/usr/src/linux-headers-$1" M="$src" modules >"$VM/$1/build.log" 2>&1 ||
		{ cat "$VM/$1/build.log"; return 1; }
}
