#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# cascade_test.sh again, with every softlock process on every host the
# helper built with ASan and UBSan, and a last assertion that none of
# them reported anything (sanitize_lib.sh): the lock sets carried
# upstream, their install and release, the cycle refusal.
cd "$(dirname "$0")" || exit 1
SL_SANITIZE=1 exec ./cascade_test.sh
