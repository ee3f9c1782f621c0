#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite's result reading (tools/vm/tap.sh) on made-up guest
# streams: what counts as passed, failed and skipped, and that nothing a
# test leaves out is counted as a pass.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
allow=$(mktemp)
trap 'rm -f "$allow"' EXIT
printf '%s\n' '# comment | x | y' \
	'lvm_test.sh | ^a kernel without X$ | 6.1 lacks X' \
	'nowhy_test | .* |' > "$allow"
SKIPS_ALLOWED=$allow
# shellcheck source=tools/vm/tap.sh
. "$here/tools/vm/tap.sh"
n=0 bad=0

# expect DESC PASS FAIL SKIP: feed stdin to tap_line, compare the counters.
expect() {
	local desc=$1 line
	k_pass=0 k_fail=0 k_skip=0 k_failed=
	while IFS= read -r line; do tap_line "$line"; done
	tap_boot_end
	n=$((n + 1))
	if [ "$k_pass $k_fail $k_skip" = "$2 $3 $4" ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc: got $k_pass passed, $k_fail failed, $k_skip skipped (want $2 $3 $4):$k_failed"
		bad=$((bad + 1))
	fi
}

echo "1..14"
expect "a clean test: each ok once, the exit adds nothing" 2 0 0 <<'T'
# softlock-test: a.sh
1..2
ok 1 - x
ok 2 - y
# softlock-exit: a.sh 0
T
expect "a failure counts once, not again for the exit status" 1 1 0 <<'T'
# softlock-test: a.sh
1..2
ok 1 - x
not ok 2 - y
# softlock-exit: a.sh 1
T
expect "exit 0 without a plan fails" 1 1 0 <<'T'
# softlock-test: a.sh
ok 1 - x
# softlock-exit: a.sh 0
T
expect "fewer results than planned fails once" 1 1 0 <<'T'
# softlock-test: a.sh
1..3
ok 1 - x
# softlock-exit: a.sh 0
T
expect "more results than planned fails" 2 1 0 <<'T'
# softlock-test: a.sh
1..1
ok 1 - x
ok 2 - y
# softlock-exit: a.sh 0
T
expect "a non-zero exit with every result ok fails once" 1 1 0 <<'T'
# softlock-test: a.sh
1..1
ok 1 - x
# softlock-exit: a.sh 2
T
expect "a skip not on the allow-list fails" 1 1 0 <<'T'
# softlock-test: netlink_test
1..2
ok 1 nl.a
ok 2 nl.b # SKIP no softlock netlink family: load softlock.ko
# softlock-exit: netlink_test 0
T
expect "a whole test skipped (exit 4), not allowed, fails" 0 1 0 <<'T'
# softlock-test: lvm_test.sh
TAP version 13
1..0 # SKIP lvm is not installed
# softlock-exit: lvm_test.sh 4
T
expect "an allowed whole-test skip is a skip" 0 0 1 <<'T'
# softlock-test: lvm_test.sh
1..0 # SKIP a kernel without X
# softlock-exit: lvm_test.sh 4
T
expect "an allow-list entry with no reason given allows nothing" 0 1 0 <<'T'
# softlock-test: nowhy_test
1..1
ok 1 - x # SKIP anything
# softlock-exit: nowhy_test 0
T
expect "Bail out! fails, in a test or outside" 0 2 0 <<'T'
Bail out! softlock.ko does not load on 6.12: Exec format error
# softlock-test: a.sh
1..1
Bail out! modprobe softlock failed
# softlock-exit: a.sh 1
T
expect "a leftover fails its test" 1 1 0 <<'T'
# softlock-test: a.sh
1..1
ok 1 - x
# softlock-leftover: a.sh loop devices: /dev/loop0
# softlock-exit: a.sh 0
T
expect "a test the guest stopped in fails once" 1 1 0 <<'T'
# softlock-test: a.sh
1..3
ok 1 - x
T
expect "a power cut announced by the test ends its boot" 1 0 0 <<'T'
# softlock-test: p_poweroff_test.sh
1..2
ok 1 - x
# softlock-poweroff
T
echo "# $((n - bad)) of $n passed"
[ "$bad" = 0 ]
