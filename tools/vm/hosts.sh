#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cascade A -> B -> C with every host its own QEMU guest: own kernel,
# softlock.ko, catalog and persistent disk, joined by point-to-point QEMU
# socket links on 127.0.0.1 (A listens for B's first NIC, C for B's
# second; nothing else, no other host address). A -> B runs over mutual
# TLS, B -> C over ssh to C's OpenSSH sshd with a forced command. The
# scenario is selftests/softlock/hosts_cascade_test.sh (sl.mode=hosts in
# tools/vm/init), B drives it and its power is cut mid-transfer; this
# script then boots B again on the same disk.
#
#   hosts.sh        build, boot the three guests, print every guest's TAP
#                   lines and this script's own checks, then one line
#                   "N passed, N failed"; exit 0 only when all passed
#   hosts.sh --build    only the build (programs, module, initramfs, keys),
#                   exit 0 when it is complete
#   hosts.sh --run      only the guests, on what --build made (make check
#                   builds while the other suites' guests run, and boots
#                   these after them)
#
# Environment: BUILD, LINUX_SRC (as check.sh), HOSTS_KERNEL (version
# prefix, default 6.12), HOSTS_TIMEOUT (seconds per guest boot, default
# 600), HOSTS_MEM (MiB per guest, default 1024), TCG_THREAD (single).
set -uo pipefail
phase=all
case ${1:-} in
--build) phase=build ;;
--run) phase=run ;;
'') ;;
*) echo "usage: hosts.sh [--build | --run]" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tools/vm
BUILD=${BUILD:-$top/build}
LINUX_SRC=${LINUX_SRC:-$BUILD/linux-src}
VM=$BUILD/hosts
HOSTS_KERNEL=${HOSTS_KERNEL:-6.12}
HOSTS_TIMEOUT=${HOSTS_TIMEOUT:-600}
HOSTS_MEM=${HOSTS_MEM:-1024}
# No Debian packages here (vm_lib.sh's build_user asks).
build_wants_debs() { return 1; }
# shellcheck source=tools/vm/vm_lib.sh
. "$here/vm_lib.sh"

pass=0 fail=0
die() {
	echo "hosts.sh: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

pick_kernel() {
	local v found=
	for v in $(cd /boot && ls vmlinuz-* 2>/dev/null | sed 's/^vmlinuz-//' | sort -V); do
		case $v in "$HOSTS_KERNEL".*) found=$v ;; esac
	done
	[ -n "$found" ] || die "no installed kernel $HOSTS_KERNEL.*: run 'sh scripts/deps.sh'"
	[ -d "/usr/src/linux-headers-$found" ] ||
		die "no headers for $found: run 'sh scripts/deps.sh'"
	echo "$found"
}

for t in qemu-system-x86_64 ssh-keygen openssl ss cpio /usr/sbin/sshd /usr/bin/ssh; do
	command -v "$t" >/dev/null || die "$t is missing: run 'sh scripts/deps.sh'"
done
[ -f "$LINUX_SRC/tools/testing/selftests/kselftest_harness.h" ] ||
	die "no $LINUX_SRC: run 'make linux-src'"
kver=$(pick_kernel) || exit 1

# ------------------------------------------------------------ keys

# Every key and certificate is new for each run. ssh: a host key per
# guest, B's admin key (root on A and C, any command) and B's mirror key
# (root on C, only "softlock serve --stdio --peer hostB"); C's peers file
# grants hostB relationship bc into vgc/vol. TLS: one authority, A's
# server certificate (for the name and the address B dials), B's client
# certificate; A's peers file grants hostB relationship ab on vga/vol.
make_keys() {
	local k=$VM/keys h
	rm -rf "$k" && mkdir -p "$k/tls"
	for h in a b c; do
		ssh-keygen -q -t ed25519 -N '' -C "host$h" -f "$k/host_$h" || return 1
	done
	ssh-keygen -q -t ed25519 -N '' -C "hostB-admin" -f "$k/admin" &&
	ssh-keygen -q -t ed25519 -N '' -C "hostB-mirror" -f "$k/mirror" || return 1
	# tls_lib.sh's functions, as the in-guest TLS tests make them.
	(
		SL_TMP=$k/tls
		. "$top/selftests/softlock/tls_lib.sh"
		tls_ca ca &&
		tls_host "$k/tls/a" ca hostA "DNS:hostA,IP:10.99.1.1" &&
		tls_host "$k/tls/b" ca hostB "DNS:hostB"
	) || return 1
	printf '# PEER  RELATIONSHIP  ROLE  VOLUME  DATASET\nhostB ab source vga/vol hostB:vgb/vol\n' \
		> "$k/tls/a/peers"
	mkdir -p "$k/tls/c" &&
	printf '# PEER  RELATIONSHIP  ROLE  VOLUME  DATASET\nhostB bc destination vgc/vol\n' \
		> "$k/tls/c/peers"
}

# LETTER: the files only that guest gets, as a cpio archive appended to
# its initramfs (later archives win): /etc/hosts, sshd's config and host
# key, root's ssh files, /etc/softlock/tls (A's and C's peers files).
guest_archive() {
	local x=$1 r=$VM/host$1/root k=$VM/keys
	rm -rf "$r" && mkdir -p "$r/etc/ssh" "$r/root/.ssh" "$r/usr/local/sbin" \
		"$r/etc/softlock/tls" || return 1
	chmod 700 "$r/root" "$r/root/.ssh" "$r/etc/softlock/tls"
	case $x in
	a) printf '10.99.1.1 hostA\n10.99.1.2 hostB\n' ;;
	b) printf '10.99.1.1 hostA\n10.99.2.3 hostC\n' ;;
	c) printf '10.99.2.2 hostB\n10.99.2.3 hostC\n' ;;
	esac > "$r/etc/hosts"
	printf '127.0.0.1 localhost\n' >> "$r/etc/hosts"
	printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' > "$r/etc/nsswitch.conf"
	# sshd runs what it is asked (or forced) to with the root's shell
	# and this environment: the helper and the tools the guest has.
	cat > "$r/etc/ssh/sshd_config" <<-EOF
	HostKey /etc/ssh/ssh_host_ed25519_key
	PermitRootLogin prohibit-password
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	UseDNS no
	StrictModes yes
	AuthorizedKeysFile .ssh/authorized_keys
	PidFile /run/sshd.pid
	LogLevel VERBOSE
	SetEnv PATH=/softlock/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin DM_DISABLE_UDEV=1 LVM_SUPPRESS_FD_WARNINGS=1
	EOF
	install -m 600 "$k/host_$x" "$r/etc/ssh/ssh_host_ed25519_key" &&
	install -m 644 "$k/host_$x.pub" "$r/etc/ssh/ssh_host_ed25519_key.pub" || return 1
	ln -s /softlock/bin/softlock "$r/usr/local/sbin/softlock"
	# Root on every host takes B's admin key; C also B's mirror key,
	# for one command and nothing else.
	cp "$k/admin.pub" "$r/root/.ssh/authorized_keys"
	if [ "$x" = c ]; then
		echo "command=\"softlock serve --stdio --peer hostB\",restrict $(cat "$k/mirror.pub")" \
			>> "$r/root/.ssh/authorized_keys"
		cp "$k/mirror.pub" "$r/root/.ssh/mirror_key.pub"
	fi
	chmod 600 "$r/root/.ssh/authorized_keys"
	if [ "$x" = b ]; then
		install -m 600 "$k/admin" "$r/root/.ssh/id_admin" &&
		install -m 600 "$k/mirror" "$r/root/.ssh/id_mirror" || return 1
		{
			echo "hostA $(cut -d' ' -f1,2 "$k/host_a.pub")"
			echo "hostC $(cut -d' ' -f1,2 "$k/host_c.pub")"
		} > "$r/root/.ssh/known_hosts"
		# "hostC" is the mirror's endpoint (softlock runs "ssh hostC
		# softlock serve --stdio"); admin-hostX are the driver's.
		cat > "$r/root/.ssh/config" <<-EOF
		Host hostC
		  IdentityFile /root/.ssh/id_mirror
		Host admin-hostA
		  HostName hostA
		  HostKeyAlias hostA
		  IdentityFile /root/.ssh/id_admin
		  ControlMaster auto
		  ControlPath /run/ssh-admin-%h
		  ControlPersist 900
		Host admin-hostC
		  HostName hostC
		  HostKeyAlias hostC
		  IdentityFile /root/.ssh/id_admin
		  ControlMaster auto
		  ControlPath /run/ssh-admin-%h
		  ControlPersist 900
		Host *
		  User root
		  IdentitiesOnly yes
		  BatchMode yes
		  StrictHostKeyChecking yes
		  UserKnownHostsFile /root/.ssh/known_hosts
		  GlobalKnownHostsFile /dev/null
		  ConnectTimeout 10
		  LogLevel ERROR
		EOF
		chmod 600 "$r/root/.ssh/config"
	fi
	case $x in
	a|b)
		install -m 644 "$k/tls/$x/cert.pem" "$k/tls/$x/ca.pem" "$r/etc/softlock/tls/" &&
		install -m 600 "$k/tls/$x/key.pem" "$r/etc/softlock/tls/" || return 1 ;;
	esac
	case $x in
	a|c) install -m 644 "$k/tls/$x/peers" "$r/etc/softlock/tls/" || return 1 ;;
	esac
	(cd "$r" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
		gzip -1 > "$VM/host$x/host.cpio.gz"
}

# ------------------------------------------------------------ guests

# A free TCP port on 127.0.0.1 from N upwards.
free_port() {
	local p=$1
	while [ -n "$(ss -Hltn "( sport = :$p )")" ]; do
		p=$((p + 1))
	done
	echo "$p"
}

# PORT: QEMU is listening there (its socket netdev binds before the
# guest runs): a bounded retry on that, without connecting to it.
wait_listen() {
	local _
	for _ in $(seq 1 100); do
		[ -n "$(ss -Hltn "( src 127.0.0.1 and sport = :$1 )")" ] && return 0
		sleep 0.1
	done
	return 1
}

# LETTER PHASE NETDEV-ARGS...: boot one guest in the background. Its
# console goes to console-PHASE.log, the TAP stream (ttyS1) to
# stream-PHASE.log. Sets GUEST_PID. With three TCG guests and other work
# on two cores a guest's one TCG thread can go unscheduled for many
# seconds, which the kernel saw twice as a fault of its own: 6.12 once
# panicked at boot with "IO-APIC + timer doesn't work!" (hence
# no_timer_check), and once, 24 s into a boot and before /init, reported
# "rcu_preempt kthread timer wakeup didn't happen for 5337 jiffies" (21 s
# at HZ=250, Debian's stall timeout; hence 60 s). A real stall lasts: it
# is still reported, 60 s in, and a hung task after 60 s (init).
boot() {
	local x=$1 p=$2 d=$VM/host$1
	shift 2
	rm -f "$d/console-$p.log" "$d/stream-$p.log"
	date +%s > "$d/start-$p"
	(
		timeout "$HOSTS_TIMEOUT" qemu-system-x86_64 \
			-accel "tcg,thread=${TCG_THREAD:-single}" -cpu max \
			-machine q35 -smp 2 -m "$HOSTS_MEM" -nodefaults -display none -no-reboot \
			-kernel "/boot/vmlinuz-$kver" -initrd "$d/initrd.img" \
			-drive "file=$d/disk.img,if=virtio,format=raw" "$@" \
			-append "console=ttyS0 loglevel=7 panic=-1 oops=panic softlockup_panic=0 no_timer_check rcupdate.rcu_cpu_stall_timeout=60 $(debug_cmdline "$kver") sl.mode=hosts sl.host=$x sl.phase=$p" \
			-serial "file:$d/console-$p.log" -serial "file:$d/stream-$p.log" \
			< /dev/null > "$d/qemu-$p.err" 2>&1
		echo $? > "$d/rc-$p"
		date +%s > "$d/end-$p"
	) &
	GUEST_PID=$!
}

# LETTER PHASE: the guest's TAP stream, its plan and results, the end
# marker it must reach (done, or poweroff for B's first boot), and its
# kernel log: each a check of this script.
collect() {
	local x=$1 p=$2 d=$VM/host$1 name line desc plan='' n=0
	local want="# softlock-done" secs
	name=host$(echo "$x" | tr '[:lower:]' '[:upper:]')
	[ "$x$p" = b1 ] && want="# softlock-poweroff"
	secs=$(( $(cat "$d/end-$p" 2>/dev/null || date +%s) - $(cat "$d/start-$p") ))
	echo "# --- $name, boot $p (${secs} s) ---"
	# Result lines become this script's; the rest is shown as it came.
	while IFS= read -r line; do
		line=${line%$'\r'}
		desc=$(printf '%s\n' "$line" | sed -E 's/^(not )?ok [0-9]+ (- )?//')
		case $line in
		1..*) plan=${line#1..}; plan=${plan%% *}; echo "[$name.$p] $line" ;;
		"ok "*"# SKIP"*|"not ok "*) n=$((n + 1)); not_ok "$name.$p: $desc" ;;
		"ok "*) n=$((n + 1)); ok "$name.$p: $desc" ;;
		*) echo "[$name.$p] $line" ;;
		esac
	done < "$d/stream-$p.log"
	# A boot whose power was cut has its last planned result in the
	# console: the power going where SOFTLOCK_TEST_POWEROFF said.
	if [ "$x$p" = b1 ] && [ -n "$plan" ] && [ "$n" = $((plan - 1)) ]; then
		if grep -q '^# softlock-poweroff' "$d/stream-$p.log" &&
		   grep -q 'sysrq: Power Off' "$d/console-$p.log"; then
			ok "$name.$p: the power went mid-transfer (sysrq o from SOFTLOCK_TEST_POWEROFF)"
		else
			not_ok "$name.$p: the power did not go by sysrq o"
		fi
		n=$((n + 1))
	fi
	# The plan and the end marker only fail: a boot that did what it
	# should adds no pass of its own (each assertion counts once).
	if [ -z "$plan" ] || [ "$plan" = 0 ] || [ "$n" != "$plan" ]; then
		not_ok "$name.$p: $n results for the plan 1..${plan:-(none)}"
	fi
	if [ "$(cat "$d/rc-$p" 2>/dev/null)" != 0 ] && grep -q "^$want" "$d/stream-$p.log"; then
		not_ok "$name.$p: QEMU ended with $(cat "$d/rc-$p" 2>/dev/null) after '$want' (timeout's 124: the guest hung after its last marker)"
	elif ! grep -q "^$want" "$d/stream-$p.log"; then
		not_ok "$name.$p: the guest did not reach '$want' (exit $(cat "$d/rc-$p" 2>/dev/null), timeout ${HOSTS_TIMEOUT}s, crash or hang); its console:"
		tail -n 30 "$d/console-$p.log" "$d/qemu-$p.err" 2>/dev/null | sed 's/^/#   /'
	fi
	if grep -qE "$SPLAT" "$d/console-$p.log"; then
		not_ok "$name.$p: a splat in the guest's kernel log ($d/console-$p.log):"
		grep -m1 -nE -B5 -A30 "$SPLAT" "$d/console-$p.log" | sed 's/^/#   /'
	else
		ok "$name.$p: boot without a kernel splat (WARN/BUG/Oops/SLUB/KFENCE/hung task)"
	fi
}

start=$(date +%s)
mkdir -p "$VM"
echo "# hosts.sh: kernel $kver, build in $VM"
# $VM/built: the build of this kernel completed; --run boots nothing
# without it.
if [ "$phase" != run ]; then
	rm -f "$VM/built"
	build_user || die "building the userspace programs and the initramfs failed"
	mkdir -p "$VM/$kver"
	build_module "$kver" || die "building softlock.ko for $kver failed"
	bash "$here/mkinitramfs.sh" --kernel "$kver" "$VM/$kver/mod/softlock.ko" "$VM/$kver/initrd.img" ||
		die "the initramfs for $kver failed"
	make_keys || die "making the keys and certificates failed"
	for x in a b c; do
		mkdir -p "$VM/host$x"
		guest_archive $x || die "host$x's files failed"
		cat "$VM/$kver/initrd.img" "$VM/host$x/host.cpio.gz" > "$VM/host$x/initrd.img"
	done
	echo "$kver" > "$VM/built"
fi
built=$(date +%s)
[ "$phase" = run ] || echo "# built in $((built - start)) s"
[ "$phase" = build ] && exit 0
[ "$(cat "$VM/built" 2>/dev/null)" = "$kver" ] ||
	die "nothing built for $kver in $VM: run hosts.sh --build first"
# Every run on new disks.
for x in a b c; do
	rm -f "$VM/host$x/disk.img" "$VM/host$x"/{rc,start,end}-* \
		"$VM/host$x"/{console,stream}-*.log "$VM/host$x"/qemu-*.err
	truncate -s 1G "$VM/host$x/disk.img"
done

# Two links, each a TCP connection between two QEMUs on 127.0.0.1.
port_ab=$(free_port $((20000 + $$ % 20000)))
port_bc=$(free_port $((port_ab + 1)))
echo "# links: A-B 127.0.0.1:$port_ab, B-C 127.0.0.1:$port_bc"
boot a 1 -netdev "socket,id=ab,listen=127.0.0.1:$port_ab" \
	-device "virtio-net-pci,netdev=ab,mac=52:54:00:99:01:01"
pid_a=$GUEST_PID
boot c 1 -netdev "socket,id=bc,listen=127.0.0.1:$port_bc" \
	-device "virtio-net-pci,netdev=bc,mac=52:54:00:99:02:03"
pid_c=$GUEST_PID
wait_listen "$port_ab" && wait_listen "$port_bc" ||
	echo "# hosts.sh: QEMU of A or C is not listening on 127.0.0.1:$port_ab/$port_bc"
B_NET=(-netdev "socket,id=ab,connect=127.0.0.1:$port_ab"
	-device "virtio-net-pci,netdev=ab,mac=52:54:00:99:01:02"
	-netdev "socket,id=bc,connect=127.0.0.1:$port_bc"
	-device "virtio-net-pci,netdev=bc,mac=52:54:00:99:02:02")
boot b 1 "${B_NET[@]}"
wait "$GUEST_PID"
# B's power was cut mid-transfer: boot it again on the same disk (A's and
# C's QEMUs accept its new connections).
b_boots=1
if grep -q '^# softlock-poweroff' "$VM/hostb/stream-1.log" &&
   ! grep -q '^# softlock-done' "$VM/hostb/stream-1.log"; then
	boot b 2 "${B_NET[@]}"
	wait "$GUEST_PID"
	b_boots=2
fi
# A and C wait for B's "end"; a B that did not get there never sends it.
if ! grep -q '^# softlock-done' "$VM/hostb/stream-$b_boots.log"; then
	echo "# hosts.sh: hostB did not finish: stopping hostA and hostC"
	# Their "timeout" (children of boot's subshells) passes it on to QEMU.
	pkill -TERM -P "$pid_a" -x timeout
	pkill -TERM -P "$pid_c" -x timeout
fi
wait "$pid_a" "$pid_c"
end=$(date +%s)

collect a 1
collect b 1
if [ "$b_boots" = 2 ]; then
	collect b 2
else
	not_ok "hostB was not booted again after the power cut"
fi
collect c 1
echo "# wall time: $((end - start)) s in all, $((end - built)) s with the guests" \
	"(build $((built - start)) s)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
