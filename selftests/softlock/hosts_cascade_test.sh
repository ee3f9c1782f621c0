#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One host of the cascade A -> B -> C in which every host is its own
# QEMU guest (tools/vm/hosts.sh boots them): own kernel, softlock.ko,
# catalog and persistent disk (/dev/vda, the whole disk one PV of VG vgX
# with a thin pool, the catalog on an ext4 LV at /var/lib/softlock, the
# default paths), joined by point-to-point QEMU socket links: A-B on
# 10.99.1.0/24, B-C on 10.99.2.0/24 (a NIC's address is read from its
# MAC, 52:54:00:99:0L:0H is 10.99.L.H). The keys, certificates and
# per-host files come from hosts.sh in the guest's initramfs.
#
# A serves vga/vol over mutual TLS (softlock serve --tls); B pulls it
# (relationship ab, tls:hostA:vga/vol -> vgb/vol) and pushes it on to C
# (bc, vgb/vol -> hostC:vgc/vol) over ssh to C's OpenSSH sshd, whose
# authorized_keys forces "softlock serve --stdio --peer hostB" for B's
# mirror key, within C's peers file.
# B drives the scenario and reaches A and C as root with an admin key;
# A and C set up, start sshd last (so an answering sshd means ready),
# then wait on a FIFO until B writes "end" to it, and check themselves.
#   B, boot 1: s1 down the chain; s2 to B; C's base s1 is held on A:
#     softlock check, lvremove and a raw pool "delete" are refused, the
#     kernel log naming hostC. Then the power goes (sysrq o) while B
#     reads the 12th frame of the next A -> B (SOFTLOCK_TEST_POWEROFF).
#   B, boot 2 (same disk): the module sealed as modprobe.d loads it, a
#     delete refused before `softlock restore`, as the restore unit runs
#     it after LVM activation; then A -> B converges, B -> C moves C on,
#     the next A -> B frees s1 on A (lvremove works), and the newest PCPI
#     has the same BLAKE2b-512 on A, B and C.
# Kernel command line: sl.host=a|b|c; sl.phase=N comes through init.
# sl-timeout: 900
cd "$(dirname "$0")" || exit 1
. ./lib.sh

ROLE=$(sed -n 's/.*sl\.host=\([abc]\).*/\1/p' /proc/cmdline)
[ -n "$ROLE" ] || skip_all "one host of tools/vm/hosts.sh (no sl.host= on the kernel command line)"
sl_init lvm softlock sshd ssh ssh-keygen mke2fs b2sum openssl
[ -b /dev/vda ] || skip_all "no persistent disk /dev/vda"
. ./mirror_lib.sh

HOST=host$(echo "$ROLE" | tr a-z A-Z)
VG=vg$ROLE
STATE=/var/lib/softlock
END=/run/hosts-end	# A's and C's FIFO: B writes "end"
MBYTES=32		# A's volume
export SOFTLOCK_HOST=$HOST
hostname "$HOST"

# ------------------------------------------------------------ every host

# Each virtio NIC of the test link gets the address its MAC names.
net_up() {
	local d mac l h n=0
	modprobe virtio_net || return 1
	for d in /sys/class/net/*; do
		mac=$(cat "$d/address")
		case $mac in 52:54:00:99:0[1-9]:0[1-9]) ;; *) continue ;; esac
		l=${mac#52:54:00:99:0}
		l=${l%%:*}
		h=${mac##*:0}
		ip addr add "10.99.$l.$h/24" dev "${d##*/}" &&
			ip link set "${d##*/}" up || return 1
		n=$((n + 1))
	done
	ip -br addr
	[ "$n" -gt 0 ]
}

state_mount() {
	modprobe ext4
	mkdir -p $STATE && mount -t ext4 "/dev/mapper/$VG-state" $STATE
}

# First boot: the whole disk is the VG, with a thin pool and the catalog's LV.
disk_new() {
	dd if=/dev/zero of=/dev/vda bs=1M count=1 conv=fsync 2>/dev/null &&
	pvcreate -ff -y /dev/vda >/dev/null && vgcreate -y $VG /dev/vda >/dev/null &&
	lvcreate -y -L 16M -n state $VG >/dev/null &&
	lvcreate -y -L 300M -T $VG/pool >/dev/null && dmsetup mknodes &&
	mke2fs -q -t ext4 "/dev/mapper/$VG-state" && state_mount
}

# A later boot: LVM activation, then the catalog's file system.
disk_again() {
	vgchange -ay $VG >/dev/null && dmsetup mknodes && state_mount
}

# sshd with the host key and authorized_keys from the initramfs; it has
# bound its port when it returns. Its log goes to /var/log/sshd.log.
sshd_up() {
	mkdir -p /run/sshd /var/log && chmod 755 /run/sshd &&
	/usr/sbin/sshd -t && /usr/sbin/sshd -E /var/log/sshd.log
}

# A and C: wait until B says the scenario ended.
wait_end() {
	timeout 900 sh -c "read -r line < $END && [ \"\$line\" = end ]"
}

# ------------------------------------------------------------ host A

# The TLS daemon, with a 30 s peer timeout so that the session of a
# peer whose power went ends without waiting 300 s.
start_tls() {
	local line
	mkdir -p /var/log && mkfifo "$SL_TMP/ready" || return 1
	SOFTLOCK_PEER_TIMEOUT=30 softlock serve --tls > "$SL_TMP/ready" \
		2> /var/log/softlock-serve.log &
	TLS_PID=$!
	bg_register $TLS_PID
	read -r line < "$SL_TMP/ready"
	echo "$line"
	[ "$line" = "softlock: serving TLS on every address port 7433" ]
}

host_a() {
	tap_plan 10
	assert "$HOST: network up (10.99.1.1)" net_up
	assert "$HOST: /dev/vda is VG $VG with a thin pool, the catalog mounted" disk_new
	assert "$HOST: $VG/vol, ${MBYTES} MiB, half written" sh -c "
		lvcreate -y -V ${MBYTES}M -T $VG/pool -n vol >/dev/null && dmsetup mknodes &&
		dd if=/dev/urandom of=/dev/$VG/vol bs=1M count=$((MBYTES / 2)) conv=fsync 2>/dev/null"
	assert "$HOST: softlock.ko loaded" sl_load
	assert "$HOST: softlock serve --tls listening" start_tls
	mkfifo $END
	assert "$HOST: sshd started (hostB's sign that $HOST is ready)" sshd_up
	assert "$HOST: hostB said the scenario ended" wait_end
	run softlock verify
	assert_eq "$HOST: softlock verify: catalog and kernel agree" 0 "$RC" ||
		diag "$OUT"
	assert_match "$HOST: the TLS daemon served hostB's certificate" \
		"\\(/CN=hostB sha256:[0-9a-f]+\\.\\.\\.\\): connected, 1 grant" \
		"$(cat /var/log/softlock-serve.log)"
	kill -TERM "$TLS_PID"
	wait "$TLS_PID"
	assert_eq "$HOST: the TLS daemon stops on SIGTERM with status 0" 0 $?
}

# ------------------------------------------------------------ host C

host_c() {
	local fp
	tap_plan 9
	assert "$HOST: network up (10.99.2.3)" net_up
	assert "$HOST: /dev/vda is VG $VG with a thin pool, the catalog mounted" disk_new
	assert "$HOST: softlock.ko loaded" sl_load
	mkfifo $END
	assert "$HOST: sshd started (hostB's sign that $HOST is ready)" sshd_up
	assert "$HOST: hostB said the scenario ended" wait_end
	run softlock verify
	assert_eq "$HOST: softlock verify: catalog and kernel agree" 0 "$RC" ||
		diag "$OUT"
	assert_no_match "$HOST: no half-received PCPI (.part) left" '\.part' \
		"$(lvs --noheadings -o lv_name $VG)"
	# A fingerprint is base64: matched as a fixed string.
	fp=$(ssh-keygen -lf /root/.ssh/mirror_key.pub | awk '{ print $2 }')
	assert "$HOST: sshd took hostB's mirror key ($fp)" sh -c \
		"grep 'Accepted publickey for root from 10.99.2.2 ' /var/log/sshd.log | grep -qF 'ED25519 $fp'"
	assert_match "... and ran its forced command for it" \
		"Starting session: forced-command \\(key-option\\) 'softlock serve --stdio --peer hostB' for root from 10\\.99\\.2\\.2 " \
		"$(cat /var/log/sshd.log)"
}

# ------------------------------------------------------------ host B

# HOST: its sshd answers B's admin key; it starts sshd once it is ready.
# A bounded retry on that condition: the guests boot at their own pace.
wait_ssh() {
	local end=$(($(date +%s) + 240))
	until ssh -o ConnectTimeout=5 "$1" true 2> "$SL_TMP/ssh.err"; do
		[ "$(date +%s)" -lt "$end" ] || { cat "$SL_TMP/ssh.err"; return 1; }
		sleep 1
	done
}

# Commands on A and C, as root with the admin key (see ~/.ssh/config).
on_a() { ssh admin-hostA "$@"; }
on_c() { ssh admin-hostC "$@"; }

# SSH-HOST VG/LV: the BLAKE2b-512 of a volume there (mirror_lib's hash_of,
# remotely), or "-" for this host.
RHASH='h() { [ -b /dev/$1 ] || { lvchange -ay -K $1 >/dev/null 2>&1; dmsetup mknodes; }; b2sum /dev/$1 2>/dev/null | cut -d" " -f1 | grep . || echo "unreadable $1"; }; h'
rhash() {
	if [ "$1" = - ]; then
		hash_of "$2"
	else
		ssh "$1" "$RHASH $2"
	fi
}

# PCPI: its BLAKE2b-512 on A, B and C is one and the same.
same_on_abc() {
	local a b c
	a=$(rhash admin-hostA "vga/$1") b=$(rhash - "vgb/$1") c=$(rhash admin-hostC "vgc/$1")
	echo "A $a"
	echo "B $b"
	echo "C $c"
	[ "$a" = "$b" ] && [ "$b" = "$c" ]
}

# SEED N: N separate 4 KiB writes to A's volume, 768 KiB apart (N <= 42),
# so that an update sends at least N DATA frames.
a_writes() {
	on_a "for i in \$(seq 0 $(($2 - 1))); do dd if=/dev/urandom of=/dev/vga/vol bs=4k count=1 seek=\$((i * 192 + $1)) conv=notrunc 2>/dev/null || exit 1; done; sync"
}

newest_b() {
	pcpis_of vgb vol | awk '{ print $NF }'
}

# Tell A and C the scenario ended.
end_ac() {
	on_a "[ -p $END ] && timeout 30 sh -c 'echo end > $END'" &&
	on_c "[ -p $END ] && timeout 30 sh -c 'echo end > $END'"
}

host_b1() {
	local id
	# The last planned result is the power cut itself: hosts.sh counts it
	# from the console when it happens, this "not ok" when it does not.
	tap_plan 24
	assert "$HOST: network up (10.99.1.2, 10.99.2.2)" net_up
	assert "$HOST: /dev/vda is VG $VG with a thin pool, the catalog mounted" disk_new
	assert "$HOST: softlock.ko loaded" sl_load
	assert "$HOST: sshd started" sshd_up
	assert "$HOST: hostA's sshd answers the admin key" wait_ssh admin-hostA ||
		bail_out "hostA is not there"
	assert "$HOST: hostC's sshd answers the admin key" wait_ssh admin-hostC ||
		bail_out "hostC is not there"
	run ssh hostC "echo the-mirror-key-ran-this" < /dev/null
	assert_no_match "$HOST: the mirror key runs only C's forced command" \
		"the-mirror-key-ran-this" "$OUT"

	assert "mirror init ab: tls:hostA:vga/vol -> vgb/vol (B pulls over mutual TLS)" \
		softlock mirror init --name ab tls:hostA:vga/vol vgb/vol
	assert "mirror init bc: vgb/vol -> hostC:vgc/vol (B pushes over ssh)" \
		softlock mirror init --name bc vgb/vol hostC:vgc/vol
	assert "A -> B over TLS: s1" softlock mirror update ab
	assert "B -> C over ssh: s1" softlock mirror update bc
	assert "s1 has one BLAKE2b-512 on A, B and C" same_on_abc vol.sl.1

	# s2 reaches B; C still builds on s1, and B's lock set says so.
	assert "A: 20 writes" a_writes 7 20
	assert "A -> B over TLS: s2" softlock mirror update ab
	run on_a softlock check vga/vol.sl.1
	assert_eq "A: s1, C's base, is held" 1 "$RC"
	assert_match "... for hostC, through hostB" \
		"\"hostC:vgc/vol\" \\(through hostB:vgb/vol\\)" "$OUT"
	assert_fail "A: lvremove of s1 is refused" on_a lvremove -y vga/vol.sl.1
	assert_match "... as in use" "in use" "$OUT"
	id=$(on_a lvs --noheadings -o thin_id vga/vol.sl.1 | tr -d ' ')
	on_a "echo hosts-cascade-mark-1 > /dev/kmsg"
	assert_busy "A: a raw 'delete $id' message to A's pool is refused" \
		on_a "dmsetup message vga-pool-tpool 0 'delete $id'"
	run on_a "dmesg | sed -n '/hosts-cascade-mark-1/,\$p'"
	assert_match "... by softlock on A, naming hostC" \
		"softlock: pool .*: refused delete of thin id $id: [0-9]+ lock\\(s\\), first dest-path \"hostC:vgc/vol\"" \
		"$OUT"
	assert "A: s1 is still there" on_a lvs vga/vol.sl.1
	run softlock check vgb/vol.sl.1
	assert_eq "B: s1 is held for C" 1 "$RC"

	# The power goes in the middle of the next transfer.
	assert "A: 40 writes, 768 KiB apart" a_writes 11 40
	echo "# softlock-poweroff"
	SOFTLOCK_TEST_POWEROFF=$HOST:frame:12 "$SL_FAULTS" mirror update ab > /dev/null 2>&1
	tap_fail "the power did not go at $HOST:frame:12"
}

# The boot after the power cut, in the order the units run at boot:
# modules-load.d loads softlock sealed (modprobe.d), LVM activates, the
# catalog's file system mounts, softlock-restore.service runs restore.
boot_b() {
	sl_load sealed=1 && net_up && disk_again && sshd_up
}

host_b2() {
	local first id newest
	tap_plan 20
	assert "$HOST: boot: softlock sealed, network, VG active, catalog mounted" boot_b ||
		bail_out "no boot state"
	first=$(pcpis_of vgb vol | awk '{ print $1 }')
	id=$(thin_id "vgb/${first:-no-pcpi}")
	assert_busy "B: a delete of $first before restore is refused (sealed)" \
		pool_msg vgb-pool-tpool "delete $id"
	run softlock restore
	assert_match "B: softlock restore reinstalls the holds and unseals" "unsealed" "$OUT"
	assert "B: softlock verify: catalog and kernel agree" softlock verify
	run softlock check vgb/vol.sl.1
	assert_eq "B: s1 is held for C again" 1 "$RC"
	assert "$HOST: hostA's sshd answers" wait_ssh admin-hostA
	assert "$HOST: hostC's sshd answers" wait_ssh admin-hostC

	assert_match "B: the cut came mid-transfer: a half-received PCPI (.part)" \
		'^vol\.sl\.[0-9]+\.part$' "$(lvs --noheadings -o lv_name vgb | tr -d ' ')"
	assert "A -> B over TLS after the power cut converges" softlock mirror update ab
	assert_no_match "... no .part left on B" '\.part' "$(lvs --noheadings -o lv_name vgb)"
	newest=$(newest_b)
	assert_eq "B's newest ($newest) equals A's" "$(rhash admin-hostA "vga/$newest")" \
		"$(rhash - "vgb/$newest")"
	assert "B -> C over ssh: C moves on to $newest" softlock mirror update bc
	assert "$newest has one BLAKE2b-512 on A, B and C" same_on_abc "$newest"
	run on_a softlock check vga/vol.sl.1
	assert_eq "A: s1 is still held until B's next lock set" 1 "$RC"

	# B's next lock set carries C's new base, no longer s1.
	assert "A: 20 writes" a_writes 13 20
	assert "A -> B over TLS: C's new base goes up in B's lock set" softlock mirror update ab
	run on_a softlock check vga/vol.sl.1
	assert_eq "A: s1 is free once C moved on" 0 "$RC"
	assert "A: lvremove of s1 works now" on_a lvremove -y vga/vol.sl.1
	run on_a softlock check "vga/$newest"
	assert_match "A: C's new base $newest is held for hostC, through hostB" \
		"\"hostC:vgc/vol\" \\(through hostB:vgb/vol\\)" "$OUT"
	assert "A and C told the scenario ended" end_ac
}

case $ROLE:$SL_PHASE in
a:1) host_a ;;
c:1) host_c ;;
b:1) host_b1 ;;
b:2) host_b2 ;;
*) skip_all "no phase $SL_PHASE for host $ROLE" ;;
esac
