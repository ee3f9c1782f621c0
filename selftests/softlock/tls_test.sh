#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The TCP transport with mutual TLS. Host A runs `softlock serve --tls`;
# B and C reach it over veth links, each with a certificate from the
# authority A trusts. A's peers file lets B pull slma/vol as relationship
# "ba" with B's own lock set, and C the same as "ca". Checked: updates and
# verify over TLS; a certificate from another authority, no certificate,
# a server certificate the client does not trust or that does not name
# the address dialled, all refused before anything is read or written;
# C, trusted, trying B's relationship, another role, another volume, or
# another destination's lock set, refused with the reason; B's locks on
# A unchanged by every refusal; B killed mid-update, then converging;
# bad file permissions stop the daemon. Idle TCP connections cannot lock
# B out: 64 from 16 other addresses are all held, yet B's update runs,
# and each is closed at the 10 s handshake deadline; 64 from B's own
# address are held 4 at a time, the rest refused at once, and B gets
# through once the deadline has closed those 4; a second daemon with
# --max-handshakes 8 --handshake-timeout 2 refuses what exceeds 8 and
# closes a slow loris (a byte every 300 ms) at 2 s all told.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock b2sum openssl ip
tap_plan 74

. ./mirror_lib.sh
. ./tls_lib.sh

A_IP=10.77.1.1		# A as B sees it
A_IP_C=10.77.2.1	# A as C sees it
A_IP_BAD=10.77.1.3	# also A, but not in its certificate
TA=$SL_TMP/a/tls
TB=$SL_TMP/b/tls

on_a_tls() { on_a env SOFTLOCK_TLS_DIR="$TA" "$@"; }
on_b_tls() { on_b env SOFTLOCK_TLS_DIR="$TB" "$@"; }
# DIR CMD...: host B with another TLS directory.
on_b_with() { local d=$1; shift; on_b env SOFTLOCK_TLS_DIR="$d" "$@"; }
on_c_tls() { on_c env SOFTLOCK_TLS_DIR="$SL_TMP/c/tls" "$@"; }

# A's mirror locks as the kernel has them: what no refusal may change.
a_locks() {
	on_a softlock holds --json 2>&1 | tr '{' '\n' | grep softlock-mirror | sort
}

serve_log() { cat "$SL_TMP/a/serve.log" 2>/dev/null; }
TCP_IDLE=$(pwd)/tcp_idle

# [-t MS] PORT N SRC...: tcp_idle from host B to A (60 s at most) in the
# background, its output on fd 3; IDLE_LINE is its first line ("open N").
idle_start() {
	local t=""
	[ "$1" = -t ] && t="-t $2" && shift 2
	local port=$1 n=$2
	shift 2
	rm -f "$SL_TMP/idle" && mkfifo "$SL_TMP/idle" || return 1
	# shellcheck disable=SC2086
	ip netns exec slhb "$TCP_IDLE" $t "$A_IP" "$port" "$n" 60 "$@" > "$SL_TMP/idle" &
	IDLE=$!
	bg_register $IDLE
	exec 3< "$SL_TMP/idle"
	read -r IDLE_LINE <&3
}

# IDLE_OUT: tcp_idle's exit status and the rest of its output, once it
# ends (not in a subshell: it waits for its own child).
idle_end() {
	local rc
	wait "$IDLE"
	rc=$?
	IDLE_OUT="$rc $(cat <&3)"
	exec 3<&-
}

setup_hosts() {
	mirror_hosts_setup && mirror_more_hosts c &&
	lvcreate -y -V ${MB}M -T "$VC/pool" -n own >/dev/null &&
	tls_link a b 1 && tls_link a c 2 &&
	ip -n slha addr add $A_IP_BAD/24 dev vab
}

setup_certs() {
	tls_ca ca && tls_ca rogue &&
	tls_host "$TA" ca hostA "DNS:hostA,IP:$A_IP,IP:$A_IP_C" &&
	tls_host "$TB" ca hostB "DNS:hostB" &&
	tls_host "$SL_TMP/c/tls" ca hostC "DNS:hostC" &&
	# B's name, from an authority A does not trust (B trusts A's).
	tls_host "$SL_TMP/rogue" rogue hostB "DNS:hostB" &&
	cp "$SL_TMP/ca.pem" "$SL_TMP/rogue/ca.pem" &&
	# B's own certificate, but trusting only the rogue authority.
	mkdir -p "$SL_TMP/distrust" &&
	cp "$TB/cert.pem" "$TB/key.pem" "$SL_TMP/distrust/" &&
	cp "$SL_TMP/rogue.pem" "$SL_TMP/distrust/ca.pem" &&
	# No certificate at all.
	mkdir -p "$SL_TMP/nocert" && cp "$SL_TMP/ca.pem" "$SL_TMP/nocert/" &&
	peers "hostC ca source $VA/vol hostC:$VC/vol"
}

# LINE...: A's peers file: B's grant, then these.
peers() {
	{
		echo "# PEER  RELATIONSHIP  ROLE  VOLUME  DATASET"
		echo "hostB   ba   source   $VA/vol   hostB:$VB/vol	# B pulls vol"
		printf '%s\n' "$@"
	} > "$TA/peers.new" && chmod 644 "$TA/peers.new" && mv "$TA/peers.new" "$TA/peers"
}

# Start A's daemon; its first stdout line says it listens.
start_daemon() {
	local line
	mkfifo "$SL_TMP/a/ready" || return 1
	$ENV_A SOFTLOCK_TLS_DIR="$TA" softlock serve --tls > "$SL_TMP/a/ready" 2> "$SL_TMP/a/serve.log" &
	DAEMON=$!
	bg_register $DAEMON
	read -r line < "$SL_TMP/a/ready"
	echo "$line"
	[ "$line" = "softlock: serving TLS on every address port 7433" ]
}

assert "insmod softlock" sl_load
assert "hosts A, B, C with VGs and catalogs, veth links A-B and A-C" setup_hosts
assert "an authority, a rogue one, certificates for A, B, C" setup_certs

# --- the daemon refuses files others could change or read ---
chmod 666 "$TA/peers"
assert_fail "a peers file others can write: the daemon does not start" \
	on_a_tls timeout 30 softlock serve --tls --listen 127.0.0.1:7434
assert_match "... and says how to fix it" "can be changed by others than its owner .*chmod go-w" "$OUT"
chmod 644 "$TA/peers"
chmod 644 "$TA/key.pem"
assert_fail "a key others can read: the daemon does not start" \
	on_a_tls timeout 30 softlock serve --tls --listen 127.0.0.1:7434
assert_match "... and says how to fix it" "key.pem can be read by others than its owner: run 'chmod 600" "$OUT"
chmod 600 "$TA/key.pem"

assert "the daemon starts and says where it listens" start_daemon

# --- B, trusted and granted: updates and verify over TLS ---
assert "B: mirror init ba from tls:$A_IP:$VA/vol" \
	on_b_tls softlock mirror init --name ba "tls:$A_IP:$VA/vol" "$VB/vol"
assert_match "... the endpoint as given, port made explicit" "^mirror ba: tls:$A_IP:7433:$VA/vol -> $VB/vol\$" "$OUT"
assert "B: baseline over TLS" on_b_tls softlock mirror update ba
assert_eq "B's vol.sl.1 equals A's" "$(hash_of $VA/vol.sl.1)" "$(hash_of $VB/vol.sl.1)"
assert_match "A holds vol.sl.1 for B" "hostB:$VB/vol" "$(a_locks)"
assert_match "the daemon logged B's certificate and its one grant" \
	"serve: 10\\.77\\.1\\.2 port [0-9]+ \\(/CN=hostB sha256:[0-9a-f]{16}\\.\\.\\.\\): connected, 1 grant\$" "$(serve_log)"
random_writes /dev/$VA/vol 21 40 4096 $((MB * 256)) 64 "$SL_TMP/writes"
assert "B: incremental update over TLS" on_b_tls softlock mirror update ba
assert_eq "B's vol.sl.2 equals A's" "$(hash_of $VA/vol.sl.2)" "$(hash_of $VB/vol.sl.2)"
assert "B: mirror verify over TLS" on_b_tls softlock mirror verify ba
assert_match "... identical" "vol\\.sl\\.2 .*: identical" "$OUT"
before=$(a_locks)
assert_match "A's locks for B name vol.sl.2" "vol\\.sl\\.2" "$before"

# --- certificates A or B must not accept ---
assert_fail "B with a certificate from another authority: refused" \
	on_b_with "$SL_TMP/rogue" softlock mirror update ba
assert_match "... B is told A refused its certificate" \
	"$A_IP port 7433 refused this host's certificate: .*alert" "$OUT"
assert_match "... and A logged why" "10\\.77\\.1\\.2 port [0-9]+: refused an untrusted certificate" "$(serve_log)"
assert_fail "B without a certificate: our client will not connect" \
	on_b_with "$SL_TMP/nocert" softlock mirror update ba
assert_match "... and names the missing file" "cannot read $SL_TMP/nocert/cert.pem" "$OUT"
# -ign_eof: it reads until A closes, which A does after logging.
run sh -c "ip netns exec slhb openssl s_client -connect $A_IP:7433 -CAfile $SL_TMP/ca.pem -ign_eof < /dev/null"
assert_match "a TLS client without a certificate: A answers 'certificate required'" \
	"alert certificate required" "$OUT"
assert_match "... A logged that no certificate came" "peer did not return a certificate" "$(serve_log)"
assert_fail "B trusting another authority: A's certificate refused" \
	on_b_with "$SL_TMP/distrust" softlock mirror update ba
assert_match "... B says A's certificate is not trusted" \
	"$A_IP port 7433: its certificate is not trusted here: .*must name $A_IP" "$OUT"
assert "B: relationship bx to an address A's certificate does not name" \
	on_b_tls softlock mirror init --name bx "tls:$A_IP_BAD:$VA/vol" "$VB/vol"
assert_fail "... refused" on_b_tls softlock mirror update bx
assert_match "... the address does not match" "its certificate is not trusted here: IP address mismatch" "$OUT"
assert_eq "A's locks for B unchanged by every refused connection" "$before" "$(a_locks)"

# --- C, trusted, asking for more than its grants ---
assert "C: relationship ba (B's name) from A" \
	on_c_tls softlock mirror init --name ba "tls:$A_IP_C:$VA/vol" "$VC/vol"
assert_fail "C running B's relationship: refused" on_c_tls softlock mirror update ba
assert_match "... no grant names it" "CN=hostC .* may not run relationship 'ba' here: no line of the peers file grants it" "$OUT"
assert "C: relationship ca, to the wrong volume" \
	on_c_tls softlock mirror init --name ca "tls:$A_IP_C:$VA/vol2" "$VC/vol"
assert_fail "C on another volume: refused" on_c_tls softlock mirror update ca
assert_match "... the grant's volume is named" "relationship 'ca' is on $VA/vol here, not $VA/vol2" "$OUT"
peers "hostC ca source $VA/vol hostC:$VC/vol" "hostC cpush source $VA/vol hostC:$VC/own"
assert "C: relationship cpush, pushing its own volume into A's" \
	on_c_tls softlock mirror init --name cpush "$VC/own" "tls:$A_IP_C:$VA/vol"
assert_fail "C as the source into A's volume: refused" on_c_tls softlock mirror update cpush
assert_match "... the grant makes A the source" "relationship 'cpush' makes this host the source of $VA/vol, not the destination" "$OUT"
peers "hostC ca source $VA/vol2 hostB:$VC/vol"
assert_fail "C sending its lock set where the grant names another: refused" \
	on_c_tls softlock mirror update ca
assert_match "... only the granted dataset's" "may install the lock set of hostB:$VC/vol only, not of hostC:$VC/vol" "$OUT"
assert_eq "A's locks for B unchanged by every refused request" "$before" "$(a_locks)"
assert_no_match "... and A holds nothing for C" "hostC:" "$(a_locks)"

# --- C within its grant works; B still works ---
peers "hostC ca source $VA/vol2 hostC:$VC/vol"
assert "C within its grant (the file is read afresh): update" on_c_tls softlock mirror update ca
assert_eq "C's vol.sl.1 equals A's vol2.sl.1" "$(hash_of $VA/vol2.sl.1)" "$(hash_of $VC/vol.sl.1)"
assert_match "A holds for C" "hostC:$VC/vol" "$(a_locks)"
assert "B: another update after all that" on_b_tls softlock mirror update ba
assert_eq "B's vol.sl.3 equals A's" "$(hash_of $VA/vol.sl.3)" "$(hash_of $VB/vol.sl.3)"

# --- B killed mid-update: A's session ends with it; the next converges ---
random_writes /dev/$VA/vol 31 40 4096 $((MB * 256)) 64 "$SL_TMP/writes"
run on_b_tls env SOFTLOCK_TEST_KILL_AT=hostB:4 "$SL_FAULTS" mirror update ba
assert_eq "B killed (SIGKILL) in the middle of an update over TLS" 137 "$RC"
assert "... the next update over TLS converges" on_b_tls softlock mirror update ba
newest=$(pcpis_of $VB vol | awk '{ print $NF }')
assert_eq "... B's newest PCPI ($newest) equals A's" "$(hash_of "$VA/$newest")" "$(hash_of "$VB/$newest")"

# --- idle connections do not lock B out (the handshake gate) ---
idle_addrs=""
for i in $(seq 10 25); do
	idle_addrs="$idle_addrs 10.77.1.$i"
done
add_idle_addrs() {
	for a in $idle_addrs; do
		ip -n slhb addr add "$a/24" dev vba || return 1
	done
}
assert "B: 16 more addresses on its link to A" add_idle_addrs
# shellcheck disable=SC2086
idle_start 7433 64 $idle_addrs
assert_eq "64 idle TCP connections to A, 4 from each of 16 addresses" "open 64" "$IDLE_LINE"
assert "B: an update while they are open" on_b_tls softlock mirror update ba
newest=$(pcpis_of $VB vol | awk '{ print $NF }')
assert_eq "... B's newest PCPI ($newest) equals A's" "$(hash_of "$VA/$newest")" "$(hash_of "$VB/$newest")"
idle_end
assert_eq "... A closes every idle connection" "0 all 64 closed by the server" "$IDLE_OUT"
assert_match "... at its handshake deadline, saying so" \
	"serve: 10\\.77\\.1\\.[0-9]+ port [0-9]+: no TLS handshake within 10 s" "$(serve_log)"
assert_no_match "... none refused: each address stayed within its 4" "refused, [0-9]+ (sessions|handshakes)" "$(serve_log)"

idle_start 7433 64 10.77.1.2
assert_eq "64 idle TCP connections from B's own address" "open 64" "$IDLE_LINE"
idle_end
assert_eq "... A closes every one" "0 all 64 closed by the server" "$IDLE_OUT"
assert_match "... 60 at once: 4 from that address are in their handshake" \
	"serve: 10\\.77\\.1\\.2 port [0-9]+: refused, 4 handshakes from this address are running \\(--max-handshakes-per-address\\)" \
	"$(serve_log)"
assert "B: an update once the deadline has closed those 4" on_b_tls softlock mirror update ba

# A second daemon: few handshakes, a short deadline.
start_small() {
	local line
	mkfifo "$SL_TMP/a/ready2" || return 1
	$ENV_A SOFTLOCK_TLS_DIR="$TA" softlock serve --tls --listen "$A_IP:7435" \
		--max-handshakes 8 --handshake-timeout 2 > "$SL_TMP/a/ready2" 2> "$SL_TMP/a/serve2.log" &
	SMALL=$!
	bg_register $SMALL
	read -r line < "$SL_TMP/a/ready2"
	[ "$line" = "softlock: serving TLS on $A_IP port 7435" ]
}
assert "a second daemon on port 7435: --max-handshakes 8 --handshake-timeout 2" start_small
idle_start 7435 12 10.77.1.10 10.77.1.11 10.77.1.12
assert_eq "12 idle TCP connections to it from 3 addresses" "open 12" "$IDLE_LINE"
idle_end
assert_eq "... it closes every one" "0 all 12 closed by the server" "$IDLE_OUT"
assert_match "... 4 at once: 8 handshakes are running" \
	"10\\.77\\.1\\.1[0-2] port [0-9]+: refused, 8 handshakes are running \\(--max-handshakes\\)" \
	"$(cat "$SL_TMP/a/serve2.log")"
idle_start -t 300 7435 1 10.77.1.13
assert_eq "a slow loris: a ClientHello a byte every 300 ms" "open 1" "$IDLE_LINE"
idle_end
assert_eq "... closed all the same" "0 all 1 closed by the server" "$IDLE_OUT"
assert_match "... at the deadline of the whole handshake" \
	"10\\.77\\.1\\.13 port [0-9]+: no TLS handshake within 2 s" "$(cat "$SL_TMP/a/serve2.log")"
kill -TERM "$SMALL"
wait "$SMALL"

# --- the daemon stops on SIGTERM ---
kill -TERM "$DAEMON"
wait "$DAEMON"
assert_eq "SIGTERM: the daemon exits 0" 0 $?
assert_match "... saying it stopped" "serve: stopped" "$(serve_log)"
# Said when its 10 s window ended, or at the latest when the daemon stops.
assert_match "... having counted, not logged, the refusals past the first 10" \
	"serve: [0-9]+ more unauthenticated connections refused \\(--max-handshakes-per-address\\), not logged" "$(serve_log)"
diag "$(serve_log | tail -20)"
