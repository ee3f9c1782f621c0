#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every test of the project: host checks (uAPI in sync with its spec, lint,
# selftests built with -Werror and with ASan/UBSan...) and the VM suite on
# each test kernel, at the same time: the guests' TCG threads keep both
# cores busy most of the time, and the host checks, at a lower priority,
# take what they leave (the start, while the guests' programs build, and
# the end, when one kernel has finished before the other). Prints the VM
# suite's stream as it comes, then the host checks' results, the times,
# and ends with one line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-$top/build}
LINUX_SRC=${LINUX_SRC:-$BUILD/linux-src}
export BUILD LINUX_SRC
passed=0
failed=0

host_check() { # NAME CMD...
	local name=$1 log t0
	shift
	log=$(mktemp)
	t0=$(date +%s)
	if "$@" > "$log" 2>&1; then
		echo "ok - host: $name ($(($(date +%s) - t0)) s)"
		passed=$((passed + 1))
	else
		echo "not ok - host: $name ($(($(date +%s) - t0)) s)"
		sed 's/^/# /' "$log" | tail -40
		failed=$((failed + 1))
	fi
	rm -f "$log"
}

count_lint() {
	local out
	out=$(sh scripts/lint.sh "$LINUX_SRC")
	echo "$out" | sed 's/^/host: lint: /'
	passed=$((passed + $(echo "$out" | grep -c '^ok')))
	failed=$((failed + $(echo "$out" | grep -c '^not ok')))
}

host_checks() {
host_check "uapi header and kernel netlink glue in sync with the YAML spec" make -s check-uapi
count_lint
host_check "selftests build (-Werror)" \
	make -s -C selftests/softlock LINUX_SRC="$LINUX_SRC" clean all
host_check "selftests build with ASan/UBSan" \
	make -s -C selftests/softlock LINUX_SRC="$LINUX_SRC" ASAN=1 \
	O="$BUILD/asan" clean all

host_check "helper build and unit tests (-Werror)" \
	make -s -C user LINUX_SRC="$LINUX_SRC" O="$BUILD/user" all check
host_check "the built helper has no test hooks (softlock-test has them)" \
	sh scripts/check-no-test-hooks.sh "$BUILD/user" "$LINUX_SRC"
host_check "helper unit tests with ASan/UBSan" \
	make -s -C user LINUX_SRC="$LINUX_SRC" ASAN=1 O="$BUILD/user-asan" all check
host_check "protocol fuzzer: its regressions, then 30 s from real sessions" \
	make -s -C user LINUX_SRC="$LINUX_SRC" O="$BUILD/fuzz" fuzz FUZZ_SECONDS=30
host_check "man page renders without warnings" \
	groff -man -Tutf8 -ww -z man/softlock.8
host_check "bash completion parses" bash -n dist/bash-completion/softlock
host_check "bash completion: commands, options, VG/LV, relationships (stubs)" \
	bash scripts/test-completion.sh
host_check "versions agree: MODULE_VERSION, SL_VERSION, dkms.conf, debian/changelog" \
	sh tools/build-deb.sh --check-version
host_check "make install/uninstall into a DESTDIR: exact file list, empty after" \
	sh scripts/install_test.sh
host_check "tests.list names every VM test once, for both kernels or one" \
	sh scripts/check-tests-list.sh
host_check "systemd units: verify accepts them, sandbox exposure within its limits" \
	sh scripts/check-units.sh
host_check "the VM suite's result reading: skips, plans, exits, leftovers (made-up streams)" \
	bash scripts/test-tap.sh
# Last, while the VM suite's guests still run: what the three-guest
# cascade boots after them, off that path.
host_check "three-guest cascade: its programs, module, initramfs and keys built" \
	bash tools/vm/hosts.sh --build
echo "$passed $failed $(($(date +%s) - t_start))" > "$hostres"
}

t_start=$(date +%s)
mkdir -p "$BUILD"
vmlog=$BUILD/vm-check.log
hostlog=$BUILD/host-check.log
hostres=$BUILD/host-check.result
rm -f "$hostres"
( renice -n 10 -p $BASHPID > /dev/null; host_checks ) > "$hostlog" 2>&1 &
host_pid=$!
bash tools/vm/check.sh 2>&1 | tee "$vmlog"
vm_rc=${PIPESTATUS[0]}
t_vm=$(($(date +%s) - t_start))
# Every host its own kernel: the cascade A -> B -> C on three guests, over
# TLS and a real sshd, with B's power cut mid-transfer, on what the host
# checks built (their last check: usually long done by now).
wait "$host_pid"
t_wait=$(($(date +%s) - t_start - t_vm))
bash tools/vm/hosts.sh --run 2>&1 | tee "$BUILD/hosts-check.log"
hosts_rc=${PIPESTATUS[0]}
t_hosts=$(($(date +%s) - t_start - t_vm - t_wait))
cat "$hostlog"
if ! read -r passed failed t_host < "$hostres"; then
	echo "not ok - host: the host checks did not finish"
	passed=0 failed=1 t_host=?
fi
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$vmlog" | tail -1)
vm_passed=0
vm_failed=0
if [ -n "$summary" ]; then
	vm_passed=$(echo "$summary" | sed -E 's/^([0-9]+) passed.*/\1/')
	vm_failed=$(echo "$summary" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
fi
if [ "$vm_rc" != 0 ] && [ "$vm_failed" = 0 ]; then
	echo "not ok - vm: the suite exited $vm_rc without reporting a failure"
	vm_failed=1
fi
passed=$((passed + vm_passed))
failed=$((failed + vm_failed))
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$BUILD/hosts-check.log" | tail -1)
h_passed=$(echo "$summary" | sed -nE 's/^([0-9]+) passed.*/\1/p')
h_failed=$(echo "$summary" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p')
if [ -z "$summary" ] || { [ "$hosts_rc" != 0 ] && [ "$h_failed" = 0 ]; }; then
	echo "not ok - hosts: tools/vm/hosts.sh exited $hosts_rc without reporting a failure"
	h_failed=$((${h_failed:-0} + 1))
fi
passed=$((passed + ${h_passed:-0}))
failed=$((failed + h_failed))
t_all=$(($(date +%s) - t_start))
echo "# time: host checks ${t_host} s and VM suite ${t_vm} s side by side, ${t_wait} s more for the host checks, then the three-guest cascade ${t_hosts} s; total ${t_all} s ($((t_all / 60)) min $((t_all % 60)) s)"
grep -E '^# [0-9][^ ]*: [0-9]+ passed' "$vmlog" | sed -E 's/^# ([^:]*):.*\(([0-9]+s)\).*/# time: \1 \2/'
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
