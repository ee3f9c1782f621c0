#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The ssh transport under the peers file's grants, with a real OpenSSH
# sshd (key-only) on host B, set up step by step as README's admin guide
# ("Over ssh") tells: a key on A, B's host key recorded on A, the key in
# B's authorized_keys behind "softlock serve --stdio --peer hostA" and
# "restrict", and hostA's grants in B's peers file: A pushes its sv into
# B's slmb/vol (push) and pulls B's slmb/src into its slma/src (pull).
# Checked: both run; pulling an ungranted LV, pushing into another VG and
# naming another dataset's lock set are each refused with the rule
# named, and B's LVs and locks are unchanged (B's sshd sees every VG of
# the guest: slma stands for a VG of B's that no grant names); a key
# whose forced command has no --peer is refused with the line to add; a
# local exec: peer started from an ssh login (SSH_CONNECTION inherited)
# still works.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock sshd ssh ssh-keygen ssh-keyscan b2sum ip
tap_plan 30

. ./mirror_lib.sh
. ./tls_lib.sh

B_IP=10.77.1.2
SSHD=$SL_TMP/b/sshd	# B's sshd: config, host key, log, pid
TB=$SL_TMP/b/tls	# B's SOFTLOCK_TLS_DIR: its peers file
SMB=4			# the volumes mirrored over ssh: small, ssh is slow under TCG
KEY=/root/.ssh/softlock_mirror

# A with a second catalog: relationships the grants do not allow (the
# names are A's real ones, so the catalog cannot be A's own).
on_a_evil() { on_a env SOFTLOCK_DB="$SL_TMP/a/evil.db" "$@"; }

# What no refusal may change on B: its LVs and the locks it holds.
b_state() {
	lvs --noheadings -o vg_name,lv_name,lv_tags $VB $VA/pushed 2>&1 | sort
	on_b softlock holds --json 2>&1 | tr '{' '\n' | sort
}

setup_hosts() {
	local lv
	mirror_hosts_setup && tls_link a b 1 || return 1
	for lv in $VA/sv $VB/src $VB/other; do
		lvcreate -y -V ${SMB}M -T "${lv%/*}/pool" -n "${lv#*/}" >/dev/null &&
		dmsetup mknodes &&
		dd if=/dev/urandom of=/dev/$lv bs=1M count=1 conv=fsync 2>/dev/null ||
			return 1
	done
}

# root's ~/.ssh is the guest's: any earlier one is put back at the end.
ssh_home() {
	if [ -e /root/.ssh ]; then
		mv /root/.ssh "$SL_TMP/root-ssh.saved" || return 1
		cleanup_push "mv $SL_TMP/root-ssh.saved /root/.ssh"
	fi
	cleanup_push "rm -rf /root/.ssh"
	# sshd's StrictModes: the home and ~/.ssh only root can write.
	chown root:root /root && chmod 700 /root && mkdir -m 700 /root/.ssh
}

# B's sshd, key-only, listening on B's address in B's namespace. SetEnv
# gives the forced command what B's other commands get from host_env.
sshd_b() {
	mkdir -p "$SSHD" /run/sshd && chmod 755 /run/sshd &&
	ssh-keygen -q -t ed25519 -N '' -C hostB -f "$SSHD/host_key" || return 1
	cat > "$SSHD/sshd_config" <<-EOF
	ListenAddress $B_IP
	HostKey $SSHD/host_key
	PidFile $SSHD/sshd.pid
	PermitRootLogin prohibit-password
	AuthenticationMethods publickey
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	UseDNS no
	StrictModes yes
	LogLevel VERBOSE
	SetEnv PATH=$PATH SOFTLOCK_HOST=hostB SOFTLOCK_DB=$SL_TMP/b/softlock.db SOFTLOCK_TLS_DIR=$TB DM_DISABLE_UDEV=1 LVM_SUPPRESS_FD_WARNINGS=1
	EOF
	# It has bound its address when the parent returns.
	ip netns exec slhb /usr/sbin/sshd -f "$SSHD/sshd_config" -E "$SSHD/sshd.log" &&
		cleanup_push "kill \$(cat $SSHD/sshd.pid)"
}

# README, step 1 (on A): the mirror's own key, and how ssh reaches B.
readme_key() {
	ssh-keygen -q -t ed25519 -N '' -C softlock@hostA -f $KEY &&
	ssh-keygen -q -t ed25519 -N '' -C softlock-open@hostA -f $KEY-open || return 1
	cat > /root/.ssh/config <<-EOF
	Host hostB
	  HostName $B_IP
	  User root
	  IdentityFile $KEY
	  IdentitiesOnly yes
	# The same host with a key whose forced command has no --peer.
	Host hostB-open
	  HostName $B_IP
	  HostKeyAlias hostB
	  User root
	  IdentityFile $KEY-open
	  IdentitiesOnly yes
	EOF
}

# README, step 2 (on A): B's host key, checked against B's own file.
readme_known_host() {
	on_a ssh-keyscan -t ed25519 "$B_IP" 2>/dev/null |
		sed "s/^$B_IP /hostB,$B_IP /" > /root/.ssh/known_hosts &&
	[ "$(ssh-keygen -lf /root/.ssh/known_hosts | awk '{ print $2 }')" = \
	  "$(ssh-keygen -lf "$SSHD/host_key.pub" | awk '{ print $2 }')" ]
}

# README, step 3 (on B): the key, for one command naming its peer.
readme_authorized_key() {
	{
		echo "command=\"softlock serve --stdio --peer hostA\",restrict $(cat $KEY.pub)"
		echo "command=\"softlock serve --stdio\",restrict $(cat $KEY-open.pub)"
	} > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys
}

# README, step 4 (on B): what hostA may do here.
readme_peers() {
	mkdir -p "$TB" && cat > "$TB/peers" <<-EOF
	# PEER  RELATIONSHIP  ROLE         VOLUME     DATASET
	hostA   push          destination  $VB/vol
	hostA   pull          source       $VB/src    hostA:$VA/src
	EOF
	chmod 644 "$TB/peers"
}

assert "insmod softlock" sl_load
assert "hosts A and B with VGs and catalogs, a veth link, A's sv, B's src and other" setup_hosts
assert "root's ~/.ssh, only root can write it" ssh_home
assert "B: sshd, key-only, on $B_IP" sshd_b
assert "README 1: A's mirror key and its ssh config entry" readme_key
assert "README 2: B's host key recorded on A, its fingerprint B's" readme_known_host
assert "README 3: B's authorized_keys forces 'softlock serve --stdio --peer hostA'" readme_authorized_key
assert "README 4: B's peers file grants hostA push and pull" readme_peers

# --- within the grants ---
assert "README 5: A: mirror init push $VA/sv -> hostB:$VB/vol" \
	on_a softlock mirror init --name push $VA/sv hostB:$VB/vol
assert "A pushes its sv into B's vol over ssh" on_a softlock mirror update push
assert_eq "B's vol.sl.1 equals A's sv.sl.1" "$(hash_of $VA/sv.sl.1)" "$(hash_of $VB/vol.sl.1)"
assert "A: mirror init pull hostB:$VB/src -> $VA/src" \
	on_a softlock mirror init --name pull hostB:$VB/src $VA/src
assert "A pulls B's src over ssh" on_a softlock mirror update pull
assert_eq "A's src.sl.1 equals B's" "$(hash_of $VB/src.sl.1)" "$(hash_of $VA/src.sl.1)"
assert_match "B holds src.sl.1 for hostA:$VA/src" "hostA:$VA/src" "$(b_state)"
assert_match "sshd ran the forced command with --peer for A's key" \
	"forced-command \\(key-option\\) 'softlock serve --stdio --peer hostA' for root" \
	"$(cat "$SSHD/sshd.log")"
before=$(b_state)

# --- beyond the grants, each refused with its rule, nothing changed ---
assert "A (another catalog): pull from B's other, as 'pull'" \
	on_a_evil softlock mirror init --name pull hostB:$VB/other $VA/stolen
assert_fail "pulling an ungranted LV: refused" on_a_evil softlock mirror update pull
assert_match "... the grant's volume named" "relationship 'pull' is on $VB/src here, not $VB/other" "$OUT"
assert "A (another catalog): push into VG $VA on B, as 'push'" \
	on_a_evil softlock mirror init --name push $VA/sv hostB:$VA/pushed
assert_fail "pushing into an ungranted VG: refused" on_a_evil softlock mirror update push
assert_match "... the grant's volume named" "relationship 'push' is on $VB/vol here, not $VA/pushed" "$OUT"
assert_fail "naming another dataset's lock set (A calling itself hostC): refused" \
	on_a env SOFTLOCK_HOST=hostC softlock mirror update pull
assert_match "... only the granted dataset's" \
	"may install the lock set of hostA:$VA/src only, not of hostC:$VA/src" "$OUT"

# --- a forced command without --peer ---
assert "A: relationship open, to B through the key without --peer" \
	on_a_evil softlock mirror init --name open $VA/sv hostB-open:$VB/vol2
assert_fail "serve --stdio reached over ssh without --peer: refused" \
	on_a_evil softlock mirror update open
assert_match "... showing the forced command to add" \
	"command=\"softlock serve --stdio --peer NAME\",restrict" "$OUT"
assert_eq "B's LVs and locks unchanged by every refusal" "$before" "$(b_state)"

# --- root's local exec: peer, from a shell that came in over ssh ---
assert "A: relationship loc, pushing sv to B through exec:" \
	on_a softlock mirror init --name loc $VA/sv "$(peer_b $VB/loc)"
assert "an exec: peer with SSH_CONNECTION inherited still runs" \
	on_a env SSH_CONNECTION="10.0.0.9 50000 10.0.0.1 22" softlock mirror update loc
