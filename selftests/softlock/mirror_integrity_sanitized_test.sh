#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mirror_integrity_test.sh again, with every softlock process on both
# hosts (each command, each `serve --stdio`) the helper built with ASan
# and UBSan, and a last assertion that none of them reported anything
# (sanitize_lib.sh). Its baseline, incremental and --verify updates then
# fail at the first read of freed memory, out-of-bounds access or
# undefined behaviour in the data path, wherever the allocator put things.
cd "$(dirname "$0")" || exit 1
SL_SANITIZE=1 exec ./mirror_integrity_test.sh
