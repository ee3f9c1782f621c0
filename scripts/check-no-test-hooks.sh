#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The shipped helper is the product, not a test rig: the softlock that
# `make -C user` builds (what make install and the .deb ship) must hold
# none of the fault injection of user/lib/testhook.h, and the test build
# must hold it (so that the strings looked for are the right ones).
# Usage: check-no-test-hooks.sh BUILD-DIR [LINUX_SRC]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
o=$1
make -s -C "$top/user" O="$o" ${2:+LINUX_SRC="$2"} "$o/softlock" "$o/softlock-test"
# The variables of every hook, and the power cut's sysrq file.
hooks() { grep -c -a -e SOFTLOCK_TEST_ -e SOFTLOCK_PROTO_CAPTURE -e sysrq-trigger "$1" || true; }
n=$(hooks "$o/softlock")
t=$(hooks "$o/softlock-test")
echo "test-hook strings: $n in softlock, $t in softlock-test"
[ "$n" = 0 ] || { echo "softlock (the shipped build) contains test hooks" >&2; exit 1; }
[ "$t" -gt 0 ] || { echo "softlock-test has no test hooks: the strings looked for are stale" >&2; exit 1; }
