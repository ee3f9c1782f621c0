# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the benchmarks, which run inside the guest (bash, see
# tools/vm/mkinitramfs.sh) with the selftests' lib.sh loaded. A figure is
# one line on stdout:
#
#   BENCH NAME VALUE UNIT GOAL DESCRIPTION...
#
# GOAL is "-" or a comparison like "<=1.02"; the host turns the lines into
# bench/results/latest.json and a table. Nothing here passes or fails:
# a figure that misses its goal is reported, not asserted.

now() { echo "$EPOCHREALTIME"; }

# T0 [T1]: seconds between two now() readings (T1 default: now).
since() {
	awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.3f", b - a }'
}

# A / B to 4 decimals ("nan" when B is 0).
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.4f", a / b }'
}

bench() { # NAME VALUE UNIT GOAL DESCRIPTION...
	local name=$1 value=$2 unit=$3 goal=$4
	shift 4
	echo "BENCH $name $value $unit $goal $*"
}

# The kernel's slab memory in bytes (/proc/meminfo "Slab").
slab_bytes() {
	awk '$1 == "Slab:" { print $2 * 1024 }' /proc/meminfo
}
