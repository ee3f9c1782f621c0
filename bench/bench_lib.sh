# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the benchmarks, which run inside the guest (bash, see
# tools/vm/mkinitramfs.sh) with the selftests' lib.sh loaded. A figure is
# one line on stdout:
#
#   BENCH NAME VALUE UNIT GOAL DESCRIPTION...
#
# GOAL is "-" or a comparison like "<=1.02"; the host turns the lines into
# bench/results/latest.json and a table. A figure that misses its goal is
# reported, not asserted. What is asserted is that every figure comes
# from steps that worked: a failed step (step, or an explicit check that
# calls bench_fail) stops the benchmark with a message naming it, and
# bench refuses a VALUE that is not a finite number, so a failure never
# turns into a figure of 0, nan or nothing. The exit status (lib.sh's
# trap: the plan was not reached) tells the host.

now() { echo "$EPOCHREALTIME"; }

# MESSAGE: stop the benchmark here, saying why on stderr (the guest's
# stream has it next to the figures). In a $(...) it ends only that
# subshell: the caller must check its status.
bench_fail() {
	echo "bench: FAILED: $*" >&2
	exit 1
}

# DESC CMD...: run CMD; when it fails, stop the benchmark naming DESC and
# CMD's exit status. For commands whose output is not needed.
step() {
	local desc=$1 rc
	shift
	"$@"
	rc=$?
	[ "$rc" = 0 ] || bench_fail "$desc (exit status $rc: $*)"
}

# VALUE: is it a finite decimal number (what JSON takes as a number)?
is_number() {
	[[ $1 =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]
}

# T0 [T1]: seconds between two now() readings (T1 default: now).
since() {
	awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.3f", b - a }'
}

# A / B to 4 decimals. Nothing and exit status 1 when B is 0 or either is
# not a number: the bench line that would show it then fails, naming the
# figure, instead of printing "nan" or inf.
ratio() {
	if ! is_number "$1" || ! is_number "$2"; then
		echo "bench: ratio of '$1' and '$2': not numbers" >&2
		return 1
	fi
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) exit 1; printf "%.4f", a / b }' ||
		{ echo "bench: ratio $1 / $2: division by 0" >&2; return 1; }
}

bench() { # NAME VALUE UNIT GOAL DESCRIPTION...
	local name=$1 value=$2 unit=$3 goal=$4
	shift 4
	is_number "$value" ||
		bench_fail "figure $name: '$value' is not a number (a step before it failed or printed nothing)"
	echo "BENCH $name $value $unit $goal $*"
}

# The kernel's slab memory in bytes (/proc/meminfo "Slab").
slab_bytes() {
	awk '$1 == "Slab:" { print $2 * 1024 }' /proc/meminfo
}
