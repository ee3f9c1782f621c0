#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A client nobody here wrote agrees with the module: the kernel's own
# netlink CLI (tools/net/ynl/cli.py of linux-source-6.12, in /softlock/ynl
# with our spec, see tools/vm/mkinitramfs.sh) makes a request of every
# operation of the spec, reads each reply as the spec describes it, and
# has a request carrying an attribute of another operation refused with
# an extack message (each operation's policy takes only its own).
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init
tap_plan 16

YNL=/softlock/ynl
P=ynl-pool

# ynl do|dump OP [JSON], or ynl multi OP JSON [OP JSON...]: the reply as
# JSON on one line. Every start of the CLI parses the spec in pure python,
# seconds under TCG: requests that cannot fail go several to a message
# (--multi, a list of replies in order).
ynl() {
	local mode=$1 n
	shift
	if [ "$mode" = multi ]; then
		n=$#
		while [ "$n" -gt 0 ]; do
			set -- "$@" --multi "$1" "$2"
			shift 2
			n=$((n - 2))
		done
	else
		set -- "--$mode" "$1" ${2:+--json "$2"}
	fi
	python3 "$YNL/cli.py" --spec "$YNL/softlock.yaml" --no-schema \
		--output-json "$@"
}

# ok_reply DESC ERE do|dump OP [JSON]: the request succeeds and its
# reply matches ERE.
ok_reply() {
	local d=$1 re=$2
	shift 2
	run ynl "$@"
	if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -Eq -- "$re"; then
		tap_ok "$d"
		return 0
	fi
	tap_fail "$d"
	diag "expected a reply matching: $re"
	_sl_show_failure ynl "$@"
	return 1
}

# refused DESC MSG BAD-ATTR do|dump OP JSON: EINVAL, with the extack
# message MSG naming BAD-ATTR.
refused() {
	local d=$1 msg=$2 bad=$3
	shift 3
	run ynl "$@"
	if [ "$RC" -ne 0 ] &&
	   printf '%s\n' "$OUT" | grep -q "^Netlink error: Invalid argument" &&
	   printf '%s\n' "$OUT" | grep -qF "'msg': '$msg'" &&
	   printf '%s\n' "$OUT" | grep -qF "'bad-attr': '.$bad'"; then
		tap_ok "$d"
		return 0
	fi
	tap_fail "$d"
	diag "expected EINVAL, extack '$msg' at .$bad"
	_sl_show_failure ynl "$@"
	return 1
}

assert "insmod softlock" sl_load

ok_reply "lock-add x2 (type owner with dataset and origin; type app, origin by default)" \
	'^\[null, null\]$' multi \
	lock-add "{\"pool\": \"$P\", \"pcpi\": 1, \"type\": \"owner\", \"text\": \"ynl-a\", \"dataset\": \"hostC:vg/copy\", \"origin\": \"ynl\"}" \
	lock-add "{\"pool\": \"$P\", \"pcpi\": 2, \"type\": \"app\", \"text\": \"ynl b\"}"
ok_reply "lock-get dump by pool and origin: the lock as added, decoded" \
	'^\[\{"pool": "ynl-pool", "pcpi": 1, "type": "owner", "text": "ynl-a", "dataset": "hostC:vg/copy", "origin": "ynl", "created": [0-9]+, "expires": 0, "generation": [0-9]+\}\]$' \
	dump lock-get "{\"pool\": \"$P\", \"origin\": \"ynl\"}"
ok_reply "lock-get dump by pcpi 2: origin local, type app" \
	'^\[\{"pool": "ynl-pool", "pcpi": 2, "type": "app", "text": "ynl b", "origin": "local", ' \
	dump lock-get "{\"pool\": \"$P\", \"pcpi\": 2}"
ok_reply "check (locked, who holds it), lock-del (count 1), check (none)" \
	'^\[\{"pool": "ynl-pool", "pcpi": 1, "reason": "locked", "count": 1, "type": "owner", "text": "ynl-a", "dataset": "hostC:vg/copy", "origin": "ynl"\}, \{"count": 1\}, \{"pool": "ynl-pool", "pcpi": 1, "reason": "none", "count": 0\}\]$' \
	multi check "{\"pool\": \"$P\", \"pcpi\": 1}" \
	lock-del "{\"pool\": \"$P\", \"pcpi\": 1, \"origin\": \"ynl\"}" \
	check "{\"pool\": \"$P\", \"pcpi\": 1}"
ok_reply "replace-begin (generation 1), replace-add of two entries (a multi-attr nest)" \
	'^\[null, null\]$' multi \
	replace-begin "{\"pool\": \"$P\", \"origin\": \"mirror\", \"generation\": 1}" \
	replace-add "{\"pool\": \"$P\", \"origin\": \"mirror\", \"generation\": 1, \"entry\": [{\"type\": \"dest-path\", \"pcpi\": 5, \"text\": \"hostB:vg/a\"}, {\"type\": \"qtree\", \"pcpi\": 6, \"text\": \"q1\", \"dataset\": \"d\"}]}"
ok_reply "pool-get dump: 1 lock on 1 PCPI, 2 staged, not sealed" \
	'^\[\{"pool": "ynl-pool", "count": 1, "pcpi-count": 1, "staged": 2, "sealed": 0\}\]$' \
	dump pool-get
ok_reply "replace-commit (count 2), replace-begin and replace-abort of generation 2" \
	'^\[\{"count": 2\}, null, null\]$' multi \
	replace-commit "{\"pool\": \"$P\", \"origin\": \"mirror\", \"generation\": 1}" \
	replace-begin "{\"pool\": \"$P\", \"origin\": \"mirror\", \"generation\": 2}" \
	replace-abort "{\"pool\": \"$P\", \"origin\": \"mirror\", \"generation\": 2}"
ok_reply "lock-get dump by origin mirror: the committed entries, generation 1" \
	'"pcpi": 5, "type": "dest-path", "text": "hostB:vg/a", "origin": "mirror", .*"generation": 1\}, \{.*"pcpi": 6, "type": "qtree", "text": "q1", "dataset": "d", "origin": "mirror", .*"generation": 1\}\]$' \
	dump lock-get "{\"pool\": \"$P\", \"origin\": \"mirror\"}"
ok_reply "seal, check (sealed), unseal, check (none), stats-get (state, counters)" \
	'^\[null, \{[^}]*"reason": "sealed"[^}]*\}, null, \{[^}]*"reason": "none"[^}]*\}, \{"refused-locked": [0-9]+, "refused-sealed": [0-9]+, "guard-state": "[a-z-]+"\}\]$' \
	multi seal "{}" check "{\"pool\": \"$P\", \"pcpi\": 9}" \
	unseal "{}" check "{\"pool\": \"$P\", \"pcpi\": 9}" stats-get "{}"

# Another operation's attribute, well-formed, in each kind of request: the
# core's words depend on where it falls in the op's policy (above its
# highest attribute, below it, or the reject-all policy of an op that
# takes none).
refused "check with replace's generation: refused" \
	"Unknown attribute type" generation do check \
	"{\"pool\": \"$P\", \"pcpi\": 5, \"generation\": 3}"
refused "lock-get dump with lock-add's text: refused" \
	"Unsupported attribute" text dump lock-get \
	"{\"pool\": \"$P\", \"text\": \"q1\"}"
refused "lock-del with lock-add's dataset: refused" \
	"Unsupported attribute" dataset do lock-del \
	"{\"pool\": \"$P\", \"pcpi\": 5, \"dataset\": \"hostB:vg/a\"}"
refused "replace-commit with replace-add's entry: refused" \
	"Unknown attribute type" entry do replace-commit \
	"{\"pool\": \"$P\", \"origin\": \"mirror\", \"generation\": 1, \"entry\": [{\"type\": \"app\", \"pcpi\": 7, \"text\": \"x\"}]}"
refused "seal with a pool (seal takes none): refused" \
	"Attribute failed policy validation" pool do seal "{\"pool\": \"$P\"}"
# Nothing of the refused requests happened.
ok_reply "after the refusals: pcpi 5 still locked, not sealed" \
	'"reason": "locked", "count": 1' do check "{\"pool\": \"$P\", \"pcpi\": 5}"
