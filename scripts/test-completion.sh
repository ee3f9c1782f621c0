#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test of dist/bash-completion/softlock: sources it with stub "lvs"
# and "softlock" first on PATH and checks COMPREPLY for command lines of
# every kind. TAP output; exits 1 when a case fails.

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/sl-completion.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/files"

# lvs: thin volumes of two VGs, or a failure when $tmp/lvs-fails exists.
cat > "$tmp/bin/lvs" <<EOF
#!/bin/sh
echo "\$*" > "$tmp/lvs-args"
if [ -e "$tmp/lvs-fails" ]; then
	echo "  Volume group not found" >&2
	exit 5
fi
printf '  vg0 snap1\n  vg0 thin\n  vg1 keep\n'
EOF
# softlock: mirror status --json lists two relationships; records its args.
cat > "$tmp/bin/softlock" <<EOF
#!/bin/sh
echo "\$*" > "$tmp/softlock-args"
case "\$*" in
*"mirror status --json")
	echo '[{"name":"ab","source":"vg0/thin","destination":"h:vg/x","last_time":0},{"name":"c-d","source":"vg1/v","destination":"h:vg/y","last_time":0}]' ;;
*) echo "softlock: unexpected call" >&2; exit 2 ;;
esac
EOF
chmod +x "$tmp/bin/lvs" "$tmp/bin/softlock"
touch "$tmp/files/softlock.prom" "$tmp/files/other"
PATH=$tmp/bin:$PATH
# shellcheck source=../dist/bash-completion/softlock
. "$top/dist/bash-completion/softlock"

n=0
failed=0
# complete EXPECTED WORD...: COMPREPLY (sorted, space-separated) for the
# command line WORD... with the cursor in its last word.
complete_is() {
	local want=$1 got err
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	err=$( { _softlock; } 2>&1 >/dev/null)
	_softlock 2>/dev/null
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	n=$((n + 1))
	if [ "$got" = "$want" ] && [ -z "$err" ]; then
		echo "ok $n - '$*'"
	else
		echo "not ok $n - '$*'"
		echo "#   expected: '$want'"
		echo "#   got:      '$got'"
		[ -z "$err" ] || echo "#   stderr:   '$err'"
		failed=$((failed + 1))
	fi
}

# check DESC CMD...: one more case that is a plain condition.
check() {
	local d=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d"
		failed=$((failed + 1))
	fi
}

# Every command of user/cli/main.c's table, plus daemon (being added).
cmds=$(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", cmd_[a-z_]*,.*/\1/p' "$top/user/cli/main.c" | sort | tr '\n' ' ')
check "main.c's table read ($cmds)" test -n "$cmds"
complete_is "$(printf '%s\n' $cmds daemon help --db --help --version | sort -u | tr '\n' ' ' | sed 's/ $//')" softlock ""
complete_is "metrics mirror monitor" softlock m
complete_is "--no-usage --output" softlock metrics --
complete_is "$tmp/files/softlock.prom" softlock metrics --output "$tmp/files/s"
complete_is "$tmp/files/softlock.prom" softlock metrics -o "$tmp/files/s"
complete_is "--output" softlock metrics -n --o
complete_is "--check --config --once" softlock daemon --
complete_is "$tmp/files/other" softlock daemon --config "$tmp/files/o"
complete_is "--handshake-timeout --listen --max-handshakes --max-handshakes-per-address --max-sessions --peer --stdio --tls" softlock serve --
complete_is "vg0/snap1 vg0/thin" softlock hold vg0/
complete_is "vg0/snap1 vg0/thin vg1/keep" softlock hold --type owner --text x ""
complete_is "--dataset --expires --id --origin --pool --text --type" softlock hold --
complete_is "app dest-path owner qtree" softlock hold vg0/snap1 --type ""
complete_is "" softlock hold vg0/snap1 --text ""
complete_is "--all --id --origin --pool --text --type" softlock release --
complete_is "vg1/keep" softlock release --origin local vg1/
complete_is "--json --stale --usage" softlock holds --
complete_is "vg0 vg0/snap1 vg0/thin vg1 vg1/keep" softlock holds ""
complete_is "" softlock holds vg0 ""
complete_is "--id --pool" softlock check --
complete_is "--json" softlock pools --
complete_is "init set status update verify" softlock mirror ""
complete_is "ab c-d" softlock mirror update ""
complete_is "ab" softlock mirror status a
complete_is "" softlock mirror status ab ""
complete_is "--json --snapshot" softlock mirror verify ab --
complete_is "c-d" softlock mirror set c
complete_is "none" softlock mirror set ab --lease ""
complete_is "--keep --lease --name" softlock mirror init --
complete_is "vg0/snap1 vg0/thin vg1/keep" softlock mirror init --name x ""
complete_is "ab c-d" softlock --db /x/softlock.db mirror update ""
check "--db reaches the relationship lookup" \
	grep -qx -- "--db /x/softlock.db mirror status --json" "$tmp/softlock-args"
complete_is "ab c-d" softlock mirror verify --json ""
: > "$tmp/lvs-fails"
complete_is "" softlock hold vg
complete_is "" softlock holds ""
rm -f "$tmp/lvs-fails"
check "lvs asked for thin volumes only" grep -q "segtype=thin" "$tmp/lvs-args"
check "works in a shell with set -u" bash -c "set -u; . '$top/dist/bash-completion/softlock'
	COMP_WORDS=(softlock --db x mirror verify --json ''); COMP_CWORD=6; _softlock
	COMP_WORDS=(softlock hold ''); COMP_CWORD=2; _softlock"
printf '#!/bin/sh\nexit 1\n' > "$tmp/bin/softlock"
complete_is "" softlock mirror update ""

echo "1..$n"
[ "$failed" = 0 ]
