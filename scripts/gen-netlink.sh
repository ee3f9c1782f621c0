#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Generate everything derived from the YAML spec with the kernel's
# ynl-gen-c: the uAPI header and the module's netlink glue (per-operation
# policies and the op table, in kernel mode as net/handshake does).
# usage: gen-netlink.sh LINUX_SRC DIR
#   LINUX_SRC  an unpacked linux-source-6.12 tree (tools/net/ynl, schemas)
#   DIR        written below it: include/uapi/linux/softlock.h,
#              kernel/netlink_gen.c and kernel/netlink_gen.h
set -eu
src=$1
dir=$2
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# ynl finds the schema next to the spec's directory and names the spec by
# its path below the nearest directory holding MAINTAINERS: mimic a tree.
mkdir -p "$tmp/Documentation/netlink/specs" "$dir/include/uapi/linux" \
	"$dir/kernel"
: > "$tmp/MAINTAINERS"
cp "$src"/Documentation/netlink/genetlink*.yaml "$tmp/Documentation/netlink/"
spec=$tmp/Documentation/netlink/specs/softlock.yaml
cp "$top/Documentation/netlink/specs/softlock.yaml" "$spec"
gen() { # ARGS... (the output file is named last)
	/usr/bin/python3 "$src/tools/net/ynl/ynl-gen-c.py" --spec "$spec" "$@"
}
gen --mode uapi --header -o "$dir/include/uapi/linux/softlock.h"
# The source includes its header by the name it is written to.
gen --mode kernel --header -o "$dir/kernel/netlink_gen.h"
gen --mode kernel --source -o "$dir/kernel/netlink_gen.c"
