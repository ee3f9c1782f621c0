# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the QEMU harnesses share (sourced by tools/vm/check.sh and
# tools/vm/hosts.sh, never run): the kernel-log splat pattern and the
# build steps. The caller sets top (the tree), here (tools/vm), VM (the
# build directory) and LINUX_SRC, and defines build_wants_debs and
# build_debs (check.sh: the Debian packages for pkg_test.sh).

# A splat anywhere in the guest's kernel log fails the run: the kernel's
# own reports, and what the debug options below make it print (SLUB's
# "BUG kmalloc-64 (Not tainted): Redzone overwritten" has no colon after
# BUG; KFENCE's reports start "BUG: KFENCE:").
# shellcheck disable=SC2034 # used by the scripts that source this
SPLAT='WARNING:|BUG:|Oops|general protection fault|Kernel panic|kernel BUG|INFO: task .* blocked for more than|rcu: INFO|RCU stall|UBSAN:|KASAN:|KFENCE:|refcount_t:|list_(add|del) corruption|Call Trace:|BUG [^ ]+ \((Not t|T)ainted\)|Redzone overwritten|Poison overwritten|Object already free|Freepointer corrupt|Padding overwritten|Objects remaining in|Wrong object count'

# The kernel's own checkers for the tests' boots (Debian's kernels have
# no KASAN or lockdep): SLUB red zones, poisoning, sanity checks and
# user tracking on every cache; full preemption, so the guard and the
# table are preempted anywhere a preemptible kernel would; and on a
# kernel built with KFENCE, a guarded sample of allocations every 10 ms.
debug_cmdline() { # KVER
	local opts="slub_debug=FZPU preempt=full"
	grep -q '^CONFIG_KFENCE=y' "/boot/config-$1" 2>/dev/null &&
		opts="$opts kfence.sample_interval=10"
	echo "$opts"
}

# The selftests, the helper and the base initramfs ($VM/base.cpio.gz).
build_user() {
	local obj=$VM/user-obj dest=$VM/user
	rm -rf "$dest" && mkdir -p "$obj" "$dest"
	# -j2 throughout: the guests boot only once all of it is built.
	make -s -j2 -C "$top/selftests/softlock" LINUX_SRC="$LINUX_SRC" O="$obj" all &&
	make -s -C "$top/selftests/softlock" LINUX_SRC="$LINUX_SRC" O="$obj" \
		DESTDIR="$dest" install || return 1
	if build_wants_debs; then
		build_debs "$dest/debs" || return 1
	fi
	if [ -f "$top/user/Makefile" ]; then
		# softlock-test: the helper with its test points and faults
		# (user/Makefile), for the tests alone; never installed.
		make -s -j2 -C "$top/user" LINUX_SRC="$LINUX_SRC" O="$VM/helper-obj" all softlock-test &&
		cp "$VM/helper-obj/softlock" "$VM/helper-obj/sl_ranges" "$VM/helper-obj/sl_apply" \
			"$VM/helper-obj/sl_lockset_send" "$VM/helper-obj/softlock-test" "$dest/" || return 1
		# softlock-asan, softlock-test-asan: both with ASan and UBSan,
		# for the *_sanitized_test.sh runs (selftests/softlock/sanitize_lib.sh).
		make -s -j2 -C "$top/user" LINUX_SRC="$LINUX_SRC" ASAN=1 O="$VM/helper-asan" \
			"$VM/helper-asan/softlock" "$VM/helper-asan/softlock-test" &&
		cp "$VM/helper-asan/softlock" "$dest/softlock-asan" &&
		cp "$VM/helper-asan/softlock-test" "$dest/softlock-test-asan" || return 1
	fi
	bash "$here/mkinitramfs.sh" "$VM" "$dest" "$LINUX_SRC"
}

# Build softlock.ko for KVER from a private copy, so kernels never share
# objects.
build_module() { # KVER
	local src=$VM/$1/mod
	rm -rf "$src" && mkdir -p "$src"
	# Sources only: make install (a host check running meanwhile)
	# builds in the tree, and a half-written object must not come along.
	mkdir -p "$src/kernel" "$src/include"
	cp -a "$top/Kbuild" "$src/"
	cp -a "$top"/kernel/*.[ch] "$src/kernel/"
	cp -a "$top/include/uapi" "$src/include/"
	make -s -j2 -C "/usr/src/linux-headers-$1" M="$src" modules >"$VM/$1/build.log" 2>&1 ||
		{ cat "$VM/$1/build.log"; return 1; }
}
