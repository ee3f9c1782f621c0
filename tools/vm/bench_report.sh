#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_report.sh OUT.json KVER:STREAM...: turn the "BENCH NAME VALUE UNIT
# GOAL DESCRIPTION" lines of each kernel's guest stream into OUT.json
# (with the commit, the date and the machine) and print them as a table.
# A goal is only compared, never enforced: benchmarks report figures.
set -uo pipefail
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
		if (goal ~ /^<=/ && value != "nan") met = (value + 0 <= substr(goal, 3) + 0) ? "true" : "false"
		if (goal ~ /^>=/ && value != "nan") met = (value + 0 >= substr(goal, 3) + 0) ? "true" : "false"
		gsub(/\\/, "\\\\", desc); gsub(/"/, "\\\"", desc)
		print name "|" value "|" unit "|" goal "|" met "|" desc
	}'
}

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
			v = ($2 == "nan" || $2 == "") ? "null" : $2
			printf "%s{\"name\":\"%s\",\"value\":%s,\"unit\":\"%s\",\"goal\":%s,\"met\":%s,\"description\":\"%s\"}",
				n++ ? "," : "", $1, v, $3, ($4 == "-" ? "null" : "\"" $4 "\""), $5, $6
		}'
		printf ']}'
	done
	printf ']}\n'
} > "$out"

for arg in "$@"; do
	kver=${arg%%:*}
	echo "# $kver (commit ${commit:0:12}$([ "$dirty" = true ] && echo +changes), $(accel_of "${arg#*:}"))"
	printf '%-38s %14s %-8s %-8s %s\n' FIGURE VALUE UNIT GOAL MET
	figures "${arg#*:}" | awk -F'|' '{
		met = $5 == "null" ? "" : ($5 == "true" ? "yes" : "NO")
		printf "%-38s %14s %-8s %-8s %s\n", $1, $2, $3, $4, met
	}'
done
echo "# written to $out"
