#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The systemd units' sandboxes, with the units' own commands inside them.
# The guest has no systemd as PID 1, so sl_sandbox reads each unit from
# dist/systemd and builds the sandbox its [Service] section describes
# (mount namespace, bounding set, no_new_privs, seccomp): see
# sl_sandbox.c for how each key is applied and Documentation/softlock.rst,
# "Sandboxing", for what this proves. A call outside SystemCallFilter=
# kills the command here (--kill), where the units answer EPERM, so a
# missing call cannot hide behind an error the program tolerates. The
# catalog and the configuration are at their real paths, as under
# systemd: /var/lib/softlock, /etc/softlock.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock sqlite3 thin_ls openssl mkfifo
. ./tls_lib.sh
tap_plan 25

VG=slsbx
VB=slsbxb
HERE=$(pwd)
CALLS=$HERE/sandbox_syscalls
# The units' real paths, fresh: what earlier tests in this guest left
# there (the helper's run locks in /run/softlock) is moved aside and put
# back afterwards, so the units start as on a new host.
for d in /var/lib/softlock /run/softlock /etc/softlock /var/lib/prometheus; do
	if [ -e $d ]; then
		rm -rf "$d.sl-aside" && mv $d "$d.sl-aside" ||
			bail_out "$d exists and could not be moved aside"
		cleanup_push "mv $d.sl-aside $d"
	fi
	cleanup_push "rm -rf $d"
done

setup_source() {
	make_thin_vg $VG && lvcreate -y -s $VG/thin -n snap
}

setup_destination() {
	make_loop 400M && pvcreate -y "$LOOP_DEV" || return 1
	cleanup_push "vg_cleanup $VB $LOOP_DEV"
	vgcreate -y $VB "$LOOP_DEV" && lvcreate -y -L 200M -T $VB/pool
}

sb() { # UNIT COMMAND...: COMMAND in softlock-UNIT.service's sandbox
	local u=$HERE/softlock-$1.service
	shift
	"$HERE/sl_sandbox" --kill "$u" "$CALLS" -- "$@"
	local rc=$?
	# Killed by the filter: the kernel logs which call (audit, seccomp).
	[ $rc = 159 ] && dmesg | grep 'syscall=' | tail -3 >&2
	return $rc
}

# NAME PATTERN: every line LVM and softlock printed to stderr is one the
# command prints anyway; a sandbox that costs lvm a capability shows as a
# "Permission denied" or "Operation not permitted" warning, not a failure.
no_denials() {
	assert_no_match "$1: no denied operation on stderr" \
		"[Pp]ermission denied|[Oo]peration not permitted|[Rr]ead-only file system|Bad system call|[Cc]annot allocate memory|mlock|WARNING" "$OUT"
}

# --- softlock-restore.service: ExecStartPre, then ExecStart --------------
run sb restore modprobe softlock
assert_eq "restore's sandbox: modprobe softlock (CAP_SYS_MODULE, /lib/modules)" 0 "$RC"
sl_loaded || bail_out "softlock.ko is not loaded"
assert "a VG with a pool, a volume and a snapshot" setup_source
assert "hold the snapshot, with a lease" \
	softlock hold $VG/snap --type app --text sandbox --expires 1h
assert "remove softlock.ko: restore must bring the hold back" sl_unload
run sb restore sh -c 'modprobe softlock && softlock restore'
assert_eq "restore's sandbox: softlock restore" 0 "$RC"
assert_match "... reinstalls the hold" "^restored 1 lock" "$OUT"
no_denials restore
run softlock check $VG/snap
assert_eq "... and the kernel holds the snapshot" 1 "$RC"

# --- softlock-expire.service ----------------------------------------------
sqlite3 /var/lib/softlock/softlock.db "UPDATE locks SET expires = 1000 WHERE text = 'sandbox'"
run sb expire softlock expire
assert_match "expire's sandbox: the expired hold is released" \
	"^$VG/snap: expired, released" "$OUT"
no_denials expire

# --- softlock-metrics.service ---------------------------------------------
mkdir -p /var/lib/prometheus/node-exporter # ExecStartPre, run outside ("+")
run sb metrics softlock metrics --output /var/lib/prometheus/node-exporter/softlock.prom
assert_eq "metrics' sandbox: softlock metrics (thin_ls on the pool)" 0 "$RC"
assert "... writes the textfile" grep -q "^softlock_" /var/lib/prometheus/node-exporter/softlock.prom
no_denials metrics

# --- softlock-daemon.service: one scheduled update, local exec: peer ------
assert "a second VG, the destination" setup_destination
mkdir -p /etc/softlock
cat > /etc/softlock/softlock.conf <<EOC
# written by sandbox_test.sh
[daemon]
tls = no

[relationship sbx]
src = $VG/thin
dst = exec:'env SOFTLOCK_HOST=hostB SOFTLOCK_DB=/var/lib/softlock/b.db softlock serve --stdio':$VB/thin
every = 1h
keep = 2
lease = none
EOC
run sb daemon softlock daemon --once
assert_eq "daemon's sandbox: daemon --once (lvm on both ends, peer through exec:)" 0 "$RC"
no_denials daemon
assert_match "... the baseline ran" "daemon: sbx: update ok in [0-9.]+ s: thin.sl.1\$" "$OUT"
assert "... and the destination has its snapshot" lvs $VB/thin.sl.1

# --- softlock-serve.service: serve --tls, host B pulls over TCP ------------
# B's end runs outside any sandbox: only the serving end is the unit's.
serve_setup() {
	tls_ca ca &&
	tls_host /etc/softlock/tls ca hostA "DNS:hostA,IP:127.0.0.1" &&
	tls_host "$SL_TMP/tlsb" ca hostB "DNS:hostB" &&
	printf 'hostB ba source %s hostB:%s\n' $VG/thin $VB/pulled > /etc/softlock/tls/peers &&
	chmod 644 /etc/softlock/tls/peers && mkfifo "$SL_TMP/ready"
}
on_b_tls() {
	env SOFTLOCK_HOST=hostB SOFTLOCK_DB=/var/lib/softlock/b.db \
		SOFTLOCK_TLS_DIR="$SL_TMP/tlsb" "$@"
}
assert "TLS files: an authority, certificates for A (serving) and B" serve_setup
# Not through sb: sl_sandbox execs serve, so $! is serve's pid.
"$HERE/sl_sandbox" --kill "$HERE/softlock-serve.service" "$CALLS" -- \
	softlock serve --tls --listen 127.0.0.1:7433 > "$SL_TMP/ready" 2> "$SL_TMP/serve.log" &
bg_register $!
read -r line < "$SL_TMP/ready"
assert_eq "serve's sandbox: serve --tls listens" "softlock: serving TLS on 127.0.0.1 port 7433" "$line"
run on_b_tls sh -c "softlock mirror init --name ba tls:127.0.0.1:$VG/thin $VB/pulled &&
	softlock mirror update ba"
assert_eq "... and B's baseline over TLS succeeds" 0 "$RC" || diag "$(cat "$SL_TMP/serve.log")"

# --- the sandboxes are in force: each fails the test if its line goes -----
run sb daemon touch /etc/softlock/x
assert_match "ProtectSystem=strict: /etc is read-only" "Read-only file system" "$OUT"
run sb daemon grep CapBnd /proc/self/status
# CAP_SYS_ADMIN 21, CAP_MKNOD 27
assert_match "CapabilityBoundingSet: only the unit's" "0000000008200000" "$OUT"
run sb serve ls /root
assert_match "ProtectHome=yes: /root is out of reach" "Permission denied" "$OUT"
run sb expire hostname "$(hostname)" # the name it has: harmless if let through
assert_eq "SystemCallFilter: sethostname kills (159: SIGSYS)" 159 "$RC"
