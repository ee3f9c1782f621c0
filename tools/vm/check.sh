#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM test suite: for each test kernel (Debian's 6.1 and 6.12), build
# softlock.ko against its headers, build an initramfs with the userspace
# tools and tests, boot it under QEMU (KVM when usable, else TCG), stream
# the guest's KTAP output, and check the guest's kernel log for splats.
# Prints a per-kernel summary and ends with "N passed, N failed".
#
#   check.sh            run the suite
#   check.sh --demo     run tools/vm/demo.sh in a guest instead
#   check.sh --bench    run the benchmarks (bench/) in a guest instead, one
#                       kernel at a time; figures into bench/results/latest.json
#
# Environment: KERNELS="6.1 6.12" (version prefixes), TESTS="a b" (test
# names, run on each kernel; default: each kernel's tests of
# selftests/softlock/tests.list; with --bench, benchmark names: kernel
# mirror verify scale lockset soak),
# VM_TIMEOUT (seconds per guest), BENCH_MEM (MiB, default 6144), BUILD,
# LINUX_SRC, TCG_THREAD (single or multi: see qemu_accel); with --bench,
# SOAK_SECONDS, SOAK_SEED, BENCH_SCALE_RANGES and BENCH_LOCKSET_PCPIS reach
# the guest.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tools/vm
BUILD=${BUILD:-$top/build}
LINUX_SRC=${LINUX_SRC:-$BUILD/linux-src}
VM=$BUILD/vm
VM_TIMEOUT=${VM_TIMEOUT:-2700}
TESTS=${TESTS:-}
mode=tests
[ "${1:-}" = --demo ] && mode=demo
[ "${1:-}" = --bench ] && mode=bench
mem=1536
[ "$mode" = bench ] && mem=${BENCH_MEM:-6144}
# SPLAT (a splat anywhere in the guest's kernel log fails the run),
# debug_cmdline, build_user and build_module.
. "$here/vm_lib.sh"

die() {
	echo "check.sh: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# Installed Debian kernels, filtered by KERNELS prefixes.
pick_kernels() {
	local want=${KERNELS:-6.1 6.12} k v found
	[ "$mode" = demo ] || [ "$mode" = bench ] && want=${KERNELS:-6.12}
	for k in $want; do
		found=
		for v in $(cd /boot && ls vmlinuz-* 2>/dev/null | sed 's/^vmlinuz-//' | sort -V); do
			case $v in "$k".*) found=$v ;; esac
		done
		[ -n "$found" ] || die "no installed kernel $k.*: run 'sh scripts/deps.sh'"
		[ -d "/usr/src/linux-headers-$found" ] ||
			die "no headers for $found: run 'sh scripts/deps.sh'"
		echo "$found"
	done
}

# pkg_test.sh installs the Debian packages in a chroot of the host's root,
# shared read-only over virtio-9p: runs of TESTS (every test when empty)
# that include it build the packages and share the host's root.
pkg_wanted() { # TESTS
	[ "$mode" = tests ] || return 1
	case " ${1:-pkg_test.sh} " in *" pkg_test.sh "*) return 0 ;; esac
	return 1
}

build_debs() { # DEST
	mkdir -p "$1"
	if ! sh "$top/tools/build-deb.sh" "$VM/deb" > "$VM/build-deb.log" 2>&1; then
		tail -n 40 "$VM/build-deb.log"
		return 1
	fi
	cp "$VM"/deb/softlock-dkms_*_all.deb "$VM"/deb/softlock_*.deb "$1/"
}

# pkg_test.sh's DKMS build of softlock.ko, run here first into a ccache
# directory that goes into KVER's initramfs (mkinitramfs.sh --kernel takes
# $VM/KVER/dkms-ccache): the guest's DKMS build, the same compile of the
# same sources with the host's compiler and headers (its chroot is the
# host's root), then reads each object from it instead of running the
# compiler under TCG, which took most of pkg_test.sh's 6 minutes. The
# same paths as the guest's: DKMS's build directory, on a tmpfs mounted
# over /var/lib/dkms in a mount namespace of its own; the same make line
# and environment. Without ccache (scripts/deps.sh installs it) there is
# no cache and the guest compiles.
dkms_ccache() { # KVER
	local kver=$1 c=$VM/$1/dkms-ccache x=$VM/$1/dkms-src ver cc
	rm -rf "$c" "$x"
	command -v ccache > /dev/null || return 0
	mkdir -p "$c" "$x"
	dpkg-deb -x "$VM"/deb/softlock-dkms_*_all.deb "$x" || return 1
	ver=$(cd "$x/usr/src" && ls -d softlock-* | sed 's/^softlock-//')
	# What DKMS exports as CC (prepare_build), from the kernel's config.
	cc=$(sed -n 's|^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*"|\1|p' \
		"/lib/modules/$kver/build/.config")
	# shellcheck disable=SC2016
	unshare -m sh -ec '
		mount -t tmpfs tmpfs /var/lib/dkms
		b=/var/lib/dkms/softlock/$2/build
		mkdir -p "${b%/build}"
		cp -a "$3/usr/src/softlock-$2/" "$b"
		cd "$b"
		exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CC="$5" \
			DEBIAN_KERNEL_USE_CCACHE=1 CCACHE_DIR="$4" \
			make -j2 KERNELRELEASE="$1" -C "/lib/modules/$1/build" M="$b" modules' \
		sh "$kver" "$ver" "$x" "$c" "$cc" > "$VM/$kver/dkms-ccache.log" 2>&1 ||
		{ tail -n 20 "$VM/$kver/dkms-ccache.log"; rm -rf "$c"; return 1; }
	rm -rf "$x"
}

# vm_lib.sh's build_user: the packages when any kernel's list has
# pkg_test.sh.
build_wants_debs() {
	pkg_wanted "$(kernel_tests all)"
}

# KVM when /dev/kvm opens; a guest that then fails to start (nested KVM
# often does) is retried under TCG by run_guest.
qemu_accel() {
	if [ -w /dev/kvm ] && [ -z "${NO_KVM:-}" ] &&
	   echo quit | timeout 30 qemu-system-x86_64 -accel kvm -machine none \
		-display none -nodefaults -monitor stdio -S >/dev/null 2>&1; then
		# (Answered on its monitor and gone: a daemonized probe that
		# was killed by its pidfile stayed behind, paused, every run.)
		echo "-accel kvm -cpu host"
	else
		# Tests: one host thread for both vCPUs unless TCG_THREAD=multi.
		# With a thread per vCPU, QEMU 7.2 now and then runs a
		# translation of kernel text that another vCPU has just
		# re-patched (jump labels go through int3), and 6.12 dies at boot
		# with "Oops: int3" in sched_clock_cpu. Round-robin TCG switches
		# vCPUs on PAUSE, HLT and a timer, so the guest still runs two
		# CPUs' code interleaved, and two guests share two host cores
		# better. Benchmarks (the soak above all) run truly parallel.
		local thread=single
		[ "$mode" = bench ] && thread=multi
		echo "-accel tcg,thread=${TCG_THREAD:-$thread} -cpu max"
	fi
}

# Boot KVER with TESTS (all when empty) in PHASE and parse its result
# stream (tools/vm/tap.sh). Adds to k_pass, k_fail, k_skip, k_boots and
# appends failed test names to k_failed. Sets powered_off when a
# *_poweroff_test.sh cut the power as it meant to. The guest's /dev/vda is
# $VM/KVER/disk.img, kept between the boots of one kernel so that a
# *_reboot_test.sh can check what survived.
run_guest() { # KVER PHASE TESTS
	local kver=$1 dir=$VM/$1 append line rc done=0 started=0 cut=0 log accel virtfs= qrc
	powered_off=0
	log=$dir/console-$2.log
	accel=$(qemu_accel)
	# The accelerator this boot uses (the last such line of a stream is
	# the one that ran: a failed KVM start is retried under TCG).
	echo "[$kver${2#1}] # accel: $accel"
	# A TCG guest's vCPU thread can go unscheduled for seconds on a busy
	# 2-core host; the kernel must not take that for its own fault (as in
	# hosts.sh): 6.1 and 6.12 panicked at boot three times in one loaded
	# day with "IO-APIC + timer doesn't work!" (hence no_timer_check).
	append="console=ttyS0 loglevel=7 panic=-1 oops=panic softlockup_panic=0 no_timer_check rcupdate.rcu_cpu_stall_timeout=60 sl.mode=$mode sl.phase=$2"
	[ -n "$3" ] && append="$append sl.tests=$(echo $3 | tr ' ' ,)"
	[ "$mode" = tests ] && append="$append $(debug_cmdline "$kver")"
	echo "[$kver${2#1}] # cmdline: $append"
	# The kernel hands NAME=VALUE words it does not know to init's environment.
	[ "$mode" = bench ] && [ -n "${SOAK_SECONDS:-}" ] && append="$append SOAK_SECONDS=$SOAK_SECONDS"
	[ "$mode" = bench ] && [ -n "${SOAK_SEED:-}" ] && append="$append SOAK_SEED=$SOAK_SEED"
	[ "$mode" = bench ] && [ -n "${BENCH_SCALE_RANGES:-}" ] &&
		append="$append BENCH_SCALE_RANGES=$BENCH_SCALE_RANGES"
	[ "$mode" = bench ] && [ -n "${BENCH_LOCKSET_PCPIS:-}" ] &&
		append="$append BENCH_LOCKSET_PCPIS=$BENCH_LOCKSET_PCPIS"
	# The host's root, read-only, for pkg_test.sh.
	pkg_wanted "${3:-}" &&
		virtfs="-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on"
	rm -f "$dir/qemu.rc"
	# shellcheck disable=SC2046
	while IFS= read -r line; do
		line=${line%$'\r'}
		echo "[$kver${2#1}] $line"
		case $line in
		"# softlock-done") done=1 cut=0 ;;
		# A *_poweroff_test.sh cuts the guest's power on purpose.
		"# softlock-poweroff") cut=1 ;;
		"# softlock-guest: "*) started=1 ;;
		"# softlock-exit: "*)
			if [ "$mode" = demo ]; then
				rc=${line##* }
				[ "$rc" = 0 ] && k_pass=1 || k_fail=1
			fi ;;
		esac
		[ "$mode" = demo ] || tap_line "$line"
	done < <(timeout "$VM_TIMEOUT" qemu-system-x86_64 $accel \
		-machine q35 -smp 2 -m "$mem" -nodefaults -display none -no-reboot \
		-kernel "/boot/vmlinuz-$kver" -initrd "$dir/initrd.img" \
		-drive "file=$dir/disk.img,if=virtio,format=raw" $virtfs \
		-append "$append" -serial "file:$log" -serial stdio \
		</dev/null 2>"$dir/qemu.err"; echo $? > "$dir/qemu.rc")
	if [ "$started" = 0 ] && [ -z "${NO_KVM:-}" ] && [ -w /dev/kvm ]; then
		echo "[$kver] # the guest did not start with KVM: $(tail -n 1 "$dir/qemu.err"); using TCG"
		NO_KVM=1
		run_guest "$@"
		return
	fi
	[ "$mode" = demo ] || tap_boot_end
	k_boots=$((k_boots + 1))
	# QEMU ends by itself when the guest powers off (-no-reboot); 124 is
	# timeout's: the guest hung, also after its last marker.
	qrc=$(cat "$dir/qemu.rc" 2>/dev/null || echo "?")
	if [ "$qrc" != 0 ] || { [ "$done" != 1 ] && [ "$cut" != 1 ]; }; then
		k_fail=$((k_fail + 1))
		k_failed="$k_failed guest-did-not-finish(phase $2, qemu exit $qrc)"
		echo "[$kver] not ok - the guest did not finish or power off (qemu exit $qrc, timeout ${VM_TIMEOUT}s: crash or hang); see $log"
		{
			echo "$kver phase $2: the guest did not finish or power off (qemu exit $qrc); the end of its console:"
			tail -n 40 "$log" "$dir/qemu.err"
		} >> "$dir/details"
	elif [ "$cut" = 1 ]; then
		powered_off=1
	fi
	if grep -qE "$SPLAT" "$log"; then
		k_fail=$((k_fail + 1))
		k_failed="$k_failed dmesg-splat(phase $2)"
		echo "[$kver] not ok - splat in the guest's kernel log ($log):"
		{
			echo "$kver phase $2: a splat in the guest's kernel log:"
			grep -nE "$SPLAT|softlock-test: " "$log" |
				grep -B1 -E "$SPLAT" | head -5
			grep -m1 -nE -B5 -A40 "$SPLAT" "$log"
		} >> "$dir/details"
	elif [ "$mode" = tests ]; then
		k_clean=$((k_clean + 1))
		echo "[$kver] ok - boot $2: no kernel splat (WARN/BUG/Oops/SLUB/KFENCE/hung task) in the guest's log"
	fi
}

# The tests one kernel runs: TESTS when given, else those of
# selftests/softlock/tests.list (in its order) meant for both kernels or
# for this one ("all": every test of the list).
kernel_tests() { # KVER|all
	if [ -n "$TESTS" ]; then
		echo "$TESTS"
		return
	fi
	awk -v k="$1" '/^[ \t]*(#|$)/ { next }
		k == "all" || $2 == "both" || index(k, $2 ".") == 1 { print $1 }' \
		"$top/selftests/softlock/tests.list" | tr '\n' ' '
}

reboot_tests() { # KVER PATTERN
	local t
	[ "$mode" = tests ] || return 0
	for t in $(kernel_tests "$1"); do
		case $t in *"$2") echo "$t" ;; esac
	done
}

# A kernel's tests without the power-off tests, which get boots of their
# own; "-" when there are no others.
main_tests() { # KVER
	local t out=
	# Benchmarks and the demo: what TESTS names, or their own default.
	[ "$mode" = tests ] || { echo "$TESTS"; return; }
	for t in $(kernel_tests "$1"); do
		case $t in *_poweroff_test.sh) ;; *) out="$out $t" ;; esac
	done
	echo "${out:-" -"}"
}

# shellcheck source=tools/vm/tap.sh
. "$here/tap.sh"

[ -f "$LINUX_SRC/tools/testing/selftests/kselftest_harness.h" ] ||
	die "no $LINUX_SRC: run 'make linux-src'"
kernels=$(pick_kernels) || exit 1
mkdir -p "$VM"
build_user || die "building the userspace programs and the initramfs failed"
# One kernel's whole run: module, initramfs, boots. Writes its stream to
# stdout and "PASS FAIL SUMMARY-LINE" to $VM/KVER/result, and its crash and
# splat context to $VM/KVER/details.
run_kernel() { # KVER
	local kver=$1 start secs t p
	mkdir -p "$VM/$kver"
	: > "$VM/$kver/details"
	if ! build_module "$kver"; then
		echo "0 1 $kver: module build failed" > "$VM/$kver/result"
		return
	fi
	rm -rf "$VM/$kver/dkms-ccache"
	if pkg_wanted "$(kernel_tests "$kver")" && ! dkms_ccache "$kver"; then
		echo "[$kver] # the DKMS compiler cache failed: pkg_test.sh compiles in the guest"
	fi
	if ! bash "$here/mkinitramfs.sh" --kernel "$kver" \
		"$VM/$kver/mod/softlock.ko" "$VM/$kver/initrd.img"; then
		echo "0 1 $kver: initramfs failed" > "$VM/$kver/result"
		return
	fi
	start=$(date +%s)
	rm -f "$VM/$kver/disk.img"
	truncate -s 1G "$VM/$kver/disk.img"
	k_pass=0 k_fail=0 k_skip=0 k_failed= k_boots=0 k_clean=0
	t=$(main_tests "$kver")
	[ "$t" = " -" ] || run_guest "$kver" 1 "$t"
	# Tests that check what survives a reboot run again on a second boot.
	for t in $(reboot_tests "$kver" _reboot_test.sh); do
		run_guest "$kver" 2 "$t"
	done
	# A power-off test cuts the power of its boot mid-way; the next boot,
	# on the same disk, checks what survived, and may cut it again.
	for t in $(reboot_tests "$kver" _poweroff_test.sh); do
		p=1
		run_guest "$kver" $p "$t"
		while [ "$powered_off" = 1 ] && [ $p -lt 5 ]; do
			p=$((p + 1))
			run_guest "$kver" $p "$t"
		done
		# Five boots that all lost their power: the test never got to
		# its end.
		if [ "$powered_off" = 1 ]; then
			k_fail=$((k_fail + 1))
			k_failed="$k_failed $t(power cut in each of $p boots, never finished)"
		fi
	done
	secs=$(($(date +%s) - start))
	# Skips listed are those the allow-list allows; any other failed.
	echo "$((k_pass + k_clean)) $k_fail $kver: $((k_pass + k_clean)) passed ($k_pass assertions + $k_clean of $k_boots boots without a kernel splat), $k_fail failed, $k_skip allowed skips (${secs}s)${k_failed:+ - failed:$k_failed}" \
		> "$VM/$kver/result"
}

# The kernels run at the same time: most of a guest's time is one busy
# vCPU (shell, LVM, thin tools), so two guests share the host's cores
# well. The first kernel's stream is shown as it comes (a log that stays
# silent looks hung); the others' are printed whole once all have ended.
total_pass=0 total_fail=0 summary=
pids= first=
for kver in $kernels; do
	mkdir -p "$VM/$kver"
	rm -f "$VM/$kver/result"
	if [ -z "$first" ]; then
		first=$kver
		run_kernel "$kver" 2>&1 | tee "$VM/$kver/stream.log" &
	else
		run_kernel "$kver" > "$VM/$kver/stream.log" 2>&1 &
	fi
	pids="$pids $!"
	# Benchmarks share nothing: each kernel's figures get the machine alone.
	[ "$mode" = bench ] && wait $!
done
# shellcheck disable=SC2086
wait $pids
# Crash and splat context, repeated at the end where a CI log's tail shows it.
: > "$VM/details"
for kver in $kernels; do
	[ "$kver" = "$first" ] || cat "$VM/$kver/stream.log"
	cat "$VM/$kver/details" >> "$VM/details" 2>/dev/null
	read -r p f line < "$VM/$kver/result" 2>/dev/null ||
		{ p=0 f=1 line="$kver: no result (the run died)"; }
	summary="$summary$line\n"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
if [ -s "$VM/details" ]; then
	echo "# failure details"
	sed 's/^/# | /' "$VM/details"
fi
echo "# per-kernel summary"
printf "$summary" | sed 's/^/# /'
if [ "$mode" = bench ]; then
	mkdir -p "$top/bench/results"
	streams=
	for kver in $kernels; do streams="$streams $kver:$VM/$kver/stream.log"; done
	# shellcheck disable=SC2086
	if ! bash "$here/bench_report.sh" \
		"$top/bench/results/latest.json" $streams; then
		echo "not ok - bench/results/latest.json: a figure is missing or a benchmark failed"
		total_fail=$((total_fail + 1))
	fi
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
