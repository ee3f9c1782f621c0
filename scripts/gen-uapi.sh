#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Generate include/uapi/linux/softlock.h from the YAML spec with the kernel's
# ynl-gen-c. usage: gen-uapi.sh LINUX_SRC OUT
#   LINUX_SRC  an unpacked linux-source-6.12 tree (tools/net/ynl, schemas)
#   OUT        where to write the header
set -eu
src=$1
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# ynl finds the schema next to the spec's directory and names the spec by
# its path below the nearest directory holding MAINTAINERS: mimic a tree.
mkdir -p "$tmp/Documentation/netlink/specs"
: > "$tmp/MAINTAINERS"
cp "$src/Documentation/netlink/genetlink.yaml" "$tmp/Documentation/netlink/"
cp "$top/Documentation/netlink/specs/softlock.yaml" \
	"$tmp/Documentation/netlink/specs/"
/usr/bin/python3 "$src/tools/net/ynl/ynl-gen-c.py" --mode uapi --header \
	--spec "$tmp/Documentation/netlink/specs/softlock.yaml" -o "$out"
