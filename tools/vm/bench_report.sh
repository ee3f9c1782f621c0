#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_report.sh OUT.json KVER:STREAM...: turn the "BENCH NAME VALUE UNIT
# GOAL DESCRIPTION" lines of each kernel's guest stream into OUT.json
# (with the commit, the date and the machine) and print them as a table.
# A goal is only compared, never enforced: benchmarks report figures.
# What is enforced is that the figures are real: a figure whose value is
# missing or not a finite number, a benchmark that exited non-zero or
# never reported its exit, a "not ok" line (a failed check, or check.sh's
# own: the guest did not finish, a splat in its kernel log), or a stream
# with no benchmark at all makes this exit 1 naming each problem, after
# the table, and OUT.json is left as it was rather than written with
# nulls or zeros.
set -uo pipefail
[ $# -gt 1 ] || { echo "usage: bench_report.sh OUT.json KVER:STREAM..." >&2; exit 2; }
out=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
commit=$(git -C "$top" rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$top" status --porcelain 2>/dev/null | grep -q . && echo true || echo false)
# STREAM: the accelerator its guest ran with (check.sh's "# accel:" line).
accel_of() {
	case $(grep -o '# accel: .*' "$1" | tail -n 1) in
	*kvm*) echo kvm ;;
	*tcg*) echo tcg ;;
	*) echo unknown ;;
	esac
}

# STREAM: the BENCH lines as "name|value|unit|goal|met|description".
figures() {
	sed -n 's/^\[[^]]*\] //; s/^BENCH //p' "$1" | awk '{
		name = $1; value = $2; unit = $3; goal = $4
		desc = ""
		for (i = 5; i <= NF; i++) desc = desc (i > 5 ? " " : "") $i
		met = "null"
		if (value !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) goal = "?"
		if (goal ~ /^<=/) met = (value + 0 <= substr(goal, 3) + 0) ? "true" : "false"
		if (goal ~ /^>=/) met = (value + 0 >= substr(goal, 3) + 0) ? "true" : "false"
		gsub(/\\/, "\\\\", desc); gsub(/"/, "\\\"", desc)
		print name "|" value "|" unit "|" goal "|" met "|" desc
	}'
}

# KVER STREAM: one line per reason the stream's figures cannot be
# trusted; nothing when they can.
problems() {
	local kver=$1 stream=$2
	# A figure must have a name, a value that JSON takes as a number
	# (what bench_lib.sh's bench checks in the guest; this also catches
	# a line cut or garbled on its way), a unit and a goal: "-" or a
	# comparison with a number.
	sed -n 's/^\[[^]]*\] //; s/^BENCH //p' "$stream" | awk -v k="$kver" '
		NF < 4 { printf "%s: figure line \"%s\" has no value, unit or goal\n", k, $0; next }
		$2 !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ {
			printf "%s: figure %s has no numeric value (\"%s\")\n", k, $1, $2
			next
		}
		$4 != "-" && $4 !~ /^[<>]=-?[0-9]+(\.[0-9]+)?$/ {
			printf "%s: figure %s has a goal that is not \"-\", <=N or >=N (\"%s\")\n", k, $1, $4
		}'
	# Each benchmark the guest started must have exited, with status 0:
	# a failed step stops a benchmark before its figures are complete.
	# A "not ok" line is a benchmark's failed check, or outside one
	# check.sh's own verdict (the guest did not finish, a splat).
	sed -n 's/^\[[^]]*\] //p' "$stream" | awk -v k="$kver" '
		/^# softlock-test: bench-/ { cur = $3; order[++n] = cur }
		/^not ok / { printf "%s: %s%s\n", k, cur ? substr(cur, 7) ": " : "", $0 }
		/^# softlock-exit: bench-/ {
			exited[$3] = 1
			cur = ""
			if ($4 != "0") printf "%s: benchmark %s exited with status %s\n", k, substr($3, 7), $4
		}
		END {
			if (!n) printf "%s: no benchmark ran (no \"# softlock-test: bench-\" line)\n", k
			for (i = 1; i <= n; i++)
				if (!(order[i] in exited))
					printf "%s: benchmark %s did not finish (no exit status: the guest died or timed out)\n", k, substr(order[i], 7)
		}'
}

errors=$(for arg in "$@"; do
	if [ -r "${arg#*:}" ]; then
		problems "${arg%%:*}" "${arg#*:}"
	else
		echo "${arg%%:*}: no stream ${arg#*:}"
	fi
done)

# The table first, also of a failed run: it shows how far it got.
for arg in "$@"; do
	kver=${arg%%:*}
	[ -r "${arg#*:}" ] || continue
	echo "# $kver (commit ${commit:0:12}$([ "$dirty" = true ] && echo +changes), $(accel_of "${arg#*:}"))"
	printf '%-38s %14s %-8s %-8s %s\n' FIGURE VALUE UNIT GOAL MET
	figures "${arg#*:}" | awk -F'|' '{
		met = $5 == "null" ? "" : ($5 == "true" ? "yes" : "NO")
		printf "%-38s %14s %-8s %-8s %s\n", $1, $2, $3, $4, met
	}'
done

if [ -n "$errors" ]; then
	printf '%s\n' "$errors" | sed 's/^/bench_report.sh: /' >&2
	echo "bench_report.sh: $out not written: the figures above are not all from steps that worked" >&2
	exit 1
fi

{
	printf '{"commit":"%s","dirty":%s,"date":"%s","host_cpus":%s,"runs":[' \
		"$commit" "$dirty" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)"
	first_run=1
	for arg in "$@"; do
		kver=${arg%%:*}
		stream=${arg#*:}
		[ "$first_run" = 1 ] || printf ','
		first_run=0
		printf '{"kernel":"%s","accel":"%s","figures":[' "$kver" "$(accel_of "$stream")"
		figures "$stream" | awk -F'|' 'BEGIN { n = 0 } {
			printf "%s{\"name\":\"%s\",\"value\":%s,\"unit\":\"%s\",\"goal\":%s,\"met\":%s,\"description\":\"%s\"}",
				n++ ? "," : "", $1, $2, $3, ($4 == "-" ? "null" : "\"" $4 "\""), $5, $6
		}'
		printf ']}'
	done
	printf ']}\n'
} > "$out.tmp"
# Whole or not at all: a reader never sees half a file.
if ! mv "$out.tmp" "$out"; then
	echo "bench_report.sh: writing $out failed" >&2
	exit 1
fi
echo "# written to $out"
