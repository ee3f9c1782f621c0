#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# softlock daemon and softlock.conf (two hosts in one guest, see
# mirror_lib.sh): A's config names one relationship A -> B over an exec:
# transport. --check prints the plan and changes nothing; --once creates
# the relationship and runs its baseline, then (named) an incremental,
# with keep applied; a bad config is refused naming FILE:LINE; an update
# past its timeout is stopped, with the peer it started. Then the
# daemon itself: it updates on its schedule, a SIGHUP picks up a changed
# keep, SIGTERM stops it with status 0. The daemon's log (its stderr) is
# a FIFO the test reads line by line: each wait is for a line the daemon
# writes when something happened, never for time to pass.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum thin_delta thin_dump
. ./mirror_lib.sh
tap_plan 50

CONF=$SL_TMP/softlock.conf
LOG=$SL_TMP/daemon.log

write_conf() { # KEEP SCHEDULE [FILE]: A's config, A -> B
	cat > "${3:-$CONF}" <<EOC
# softlock.conf of host A, written by daemon_test.sh
[daemon]
tls = no
max_updates = 2

[relationship ab]
src = $VA/vol
dst = $(peer_b $VB/vol)
$2
keep = $1
lease = none   # B's locks never expire
EOC
}

writes() { # SEED [LV]: random writes on A's volume
	random_writes /dev/$VA/${2:-vol} "$1" 10 4096 $((MB * 256)) 16 "$SL_TMP/w"
}

# PATTERN: read the daemon's log until a line matches (each line within
# 300 s, which only a hung daemon exceeds); every line read goes to $LOG.
wait_log() {
	local line
	while IFS= read -r -t 300 line <&3; do
		printf '%s\n' "$line" >> "$LOG"
		printf '%s\n' "$line" | grep -Eq -- "$1" && return 0
	done
	diag "no daemon log line matched: $1"
	return 1
}

assert "insmod softlock" sl_load
assert "two hosts: VGs, pools, catalogs" mirror_hosts_setup
write_conf 2 "every = 1h"

# --- --check: the plan, nothing changed ---
assert "daemon --check: the config is valid" on_a softlock daemon --config "$CONF" --check
assert_match "... names the file and its relationships" "^$CONF: valid, 1 relationship\$" "$OUT"
assert_match "... prints the plan: endpoints, schedule, keep, lease" \
	"^ab: $VA/vol -> exec:.*:$VB/vol, every 1h, keep 2, lease none, timeout 6h, next update now\$" "$OUT"
assert_match "... and what it would create" "^ab: not in the catalog: would be created \\(mirror init\\)\$" "$OUT"
assert_fail "--check created no catalog" test -e "$SL_TMP/a/softlock.db"
assert_fail "... nor the relationship" on_a softlock mirror status ab

# --- --once: create, baseline ---
assert "daemon --once: the baseline" on_a softlock daemon --config "$CONF" --once
assert_match "... it created the relationship" "daemon: ab: not in the catalog: creating it" "$OUT"
assert_match "... ran the update and logged its result" "daemon: ab: update ok in [0-9.]+ s: vol.sl.1\$" "$OUT"
assert_eq "B's vol.sl.1 equals A's" "$(hash_of $VA/vol.sl.1)" "$(hash_of $VB/vol.sl.1)"
run on_a softlock mirror status ab --json
assert_match "mirror status: keep and lease are the config's" '"lease":0,' "$OUT"
assert "a second --once: nothing due within the hour" on_a softlock daemon --config "$CONF" --once
assert_no_match "... so no update ran" "update started" "$OUT"

# --- --once NAME: an incremental now, keep applied ---
writes 1
assert "daemon --once ab: an incremental" on_a softlock daemon --config "$CONF" --once ab
assert_match "... from vol.sl.1" "vol.sl.2 \\(base " "$OUT"
assert_eq "B's vol.sl.2 equals A's" "$(hash_of $VA/vol.sl.2)" "$(hash_of $VB/vol.sl.2)"
writes 2
assert "daemon --once ab: a third" on_a softlock daemon --config "$CONF" --once ab
assert_eq "keep = 2: A keeps its newest 2 PCPIs" "vol.sl.2 vol.sl.3" "$(pcpis_of $VA vol)"

# --- bad configs ---
write_conf 2 "every = 1h" "$SL_TMP/bad.conf"
sed -i 's/^keep = 2$/kepe = 2/' "$SL_TMP/bad.conf"
assert_fail "a misspelt key: --check refuses the file" \
	on_a softlock daemon --config "$SL_TMP/bad.conf" --check
assert_match "... naming FILE:LINE and the keys there are" \
	"$SL_TMP/bad.conf:10: unknown key 'kepe' in \\[relationship ab\\]: the keys are src, dst, every, at, keep" "$OUT"
assert_fail "... and the daemon does not start on it" \
	on_a softlock daemon --config "$SL_TMP/bad.conf" --once
write_conf 2 "every = 1h" "$SL_TMP/moved.conf"
sed -i "s|^src = .*|src = $VA/vol2|" "$SL_TMP/moved.conf"
assert_fail "a relationship whose endpoints changed is refused" \
	on_a softlock daemon --config "$SL_TMP/moved.conf" --check
assert_match "... saying how to go on" "ab: the catalog has $VA/vol -> .*endpoints never change" "$OUT"

# --- an update past its timeout: stopped, and its peer with it ---
# The peer never answers and ignores SIGTERM; the update waits for it
# (SOFTLOCK_PEER_TIMEOUT, 300 s, is longer than the relationship's 60 s).
cat > "$SL_TMP/hang.conf" <<EOC
[relationship hang]
src = $VA/vol
dst = exec:'trap "" TERM; exec sleep 3598':$VB/hvol
every = 1h
timeout = 60s
EOC
sleepers() { # how many "sleep 3598" run
	local p n=0
	for p in /proc/[0-9]*; do
		[ "$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" = "sleep 3598 " ] && n=$((n + 1))
	done
	echo $n
}
assert_fail "daemon --once: an update that hangs fails" \
	on_a softlock daemon --config "$SL_TMP/hang.conf" --once
assert_match "... the daemon stopped it at its timeout" \
	"daemon: hang: the update has run 60 s, its timeout: stopping it" "$OUT"
assert_match "... and says why it failed" \
	"daemon: hang: update failed in [0-9.]+ s \\((signal|exit status) [0-9]+\\): it ran past its timeout and was stopped" "$OUT"
assert_eq "... its peer, which ignored SIGTERM, is gone too" 0 "$(sleepers)"

# --- the daemon: on schedule, SIGHUP, SIGTERM ---
# A second relationship ab2 (vol2), never updated: due at once, then not
# for an hour, so nothing races the checks; ab stays in the catalog.
write_conf2() { # KEEP SCHEDULE
	cat > "$CONF" <<EOC
[relationship ab2]
src = $VA/vol2
dst = $(peer_b $VB/vol2)
$2
keep = $1
EOC
}
start_daemon() {
	mkfifo "$SL_TMP/log" || return 1
	$ENV_A softlock daemon --config "$CONF" 2> "$SL_TMP/log" &
	DAEMON=$!
	bg_register $DAEMON
	exec 3< "$SL_TMP/log"
	wait_log "daemon: started with $CONF: 1 relationship\$"
}
write_conf2 2 "every = 1h"
assert "the daemon starts" start_daemon
assert_match "... it reported ab, in the catalog but not in the config" \
	"daemon: ab: in the catalog, not in $CONF: not scheduled" "$(cat "$LOG")"
assert "... it runs ab2's baseline, due at once" wait_log "daemon: ab2: update ok in [0-9.]+ s: vol2.sl.1\$"
assert_eq "B's vol2.sl.1 equals A's" "$(hash_of $VA/vol2.sl.1)" "$(hash_of $VB/vol2.sl.1)"

# Every 10 s and keep 1 from now on: the reload runs ab2 again.
writes 3 vol2
write_conf2 1 "every = 10s"
kill -HUP "$DAEMON"
assert "SIGHUP: the daemon reads keep = 1" wait_log "daemon: ab2: keep 2 -> 1\$"
assert "... and reloads" wait_log "daemon: reloaded $CONF: 1 relationship\$"
assert "the next update starts" wait_log "daemon: ab2: update started"
assert "... and ends" wait_log "daemon: ab2: update (ok|failed)"
assert_match "... ok" "ab2: update ok" "$(tail -n 1 "$LOG")"

kill -TERM "$DAEMON"
assert "SIGTERM: the daemon says it stopped" wait_log "daemon: stopped: 0 updates failed\$"
wait "$DAEMON"
assert_eq "... and exits 0" 0 "$?"
exec 3<&-
# Stopped: nothing changes the volumes under the checks. With keep = 1
# retention reached vol2.sl.1 (with keep = 2 it would not have looked at
# it) and kept it only because B still held it as its base during the
# update: the source never removes a held PCPI.
assert_match "keep = 1 applied: retention kept vol2.sl.1 only as B's base" \
	"retention on hostA: kept $VA/vol2.sl.1: held by 1 lock\\(s\\), first dest-path \"hostB:$VB/vol2\"" "$(cat "$LOG")"
NEWEST=$(pcpis_of $VA vol2 | awk '{ print $NF }')
assert_eq "B's $NEWEST equals A's" "$(hash_of $VA/$NEWEST)" "$(hash_of $VB/$NEWEST)"

# --- [daemon] tls = yes: B's daemon serves A over mutual TLS ---
. ./tls_lib.sh
B_IP=10.77.1.2
TA=$SL_TMP/a/tls
TB=$SL_TMP/b/tls
setup_tls() {
	tls_link a b 1 && tls_ca ca &&
	tls_host "$TA" ca hostA "DNS:hostA" &&
	tls_host "$TB" ca hostB "DNS:hostB,IP:$B_IP" &&
	echo "hostA  abt  destination  $VB/tvol" > "$TB/peers" &&
	chmod 644 "$TB/peers" &&
	printf '[daemon]\ntls = yes\nlisten = %s:7433\n' "$B_IP" > "$SL_TMP/b.conf" &&
	printf '[relationship abt]\nsrc = %s\ndst = tls:%s:%s\nevery = 1h\n' \
		"$VA/vol" "$B_IP" "$VB/tvol" > "$SL_TMP/a.conf"
}
start_b() {
	mkfifo "$SL_TMP/blog" || return 1
	$ENV_B SOFTLOCK_TLS_DIR="$TB" softlock daemon --config "$SL_TMP/b.conf" 2> "$SL_TMP/blog" &
	BDAEMON=$!
	bg_register $BDAEMON
	exec 3< "$SL_TMP/blog"
	wait_log "serving TLS on $B_IP port 7433"
}
assert "a veth link A-B, certificates, B's peers file" setup_tls
assert "B's daemon starts its TLS listener" start_b
assert "A: daemon --once, abt over TLS to B's daemon" \
	on_a env SOFTLOCK_TLS_DIR="$TA" softlock daemon --config "$SL_TMP/a.conf" --once
TSNAP=$(printf '%s\n' "$OUT" | sed -n 's/.*daemon: abt: update ok in [0-9.]* s: //p')
assert_match "... the baseline went through" "^vol\\.sl\\.[0-9]+\$" "$TSNAP"
# B's copy: the PCPI of tvol with the same global id.
BSNAP=$(lvs --noheadings -o lv_name,lv_tags $VB 2>/dev/null |
	awk -v t="sl.gid.$(gid_of $VA/$TSNAP)" 'index($2, t) { print $1 }')
assert_eq "B's copy ($VB/$BSNAP) equals A's $TSNAP" "$(hash_of $VA/$TSNAP)" "$(hash_of $VB/$BSNAP)"
assert "B's daemon logged the session" wait_log "serve: .*hostA.*session done"
kill -TERM "$BDAEMON"
assert "SIGTERM: B's daemon stops" wait_log "daemon: stopped: 0 updates failed\$"
wait "$BDAEMON"
assert_eq "... and exits 0" 0 "$?"
exec 3<&-

diag "the daemon's log:"
diag "$(cat "$LOG")"
