#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The `softlock` helper end to end on real LVM: hold (activates and pins),
# holds/check/pools listings, refusals of lvremove, verify, a module reload
# followed by restore, the sealed window before restore, expiry and stale
# listings, a corrupt catalog, an unprivileged caller, release.
cd "$(dirname "$0")" || exit 1
. ./lib.sh

sl_init lvm softlock sqlite3
tap_plan 92

VG=slhelpvg
TPOOL=$VG-pool-tpool
export SOFTLOCK_DB=$SL_TMP/catalog/softlock.db

lv_active() {
	[ "$(lvs --noheadings -o lv_active "$VG/$1" | tr -d ' ')" = active ]
}

lv_listed() {
	lvs --noheadings -o lv_name "$VG" | tr -d ' ' | grep -qx "$1"
}

# Without the module: every command that needs it says how to load it.
run softlock holds
assert_match "no module: the error says how to load it" "modprobe softlock" "$OUT"
assert "version works without the module" softlock version

assert "insmod softlock" sl_load

setup() {
	make_thin_vg "$VG" || return 1
	lvcreate -y -L 8M -n linear "$VG" || return 1
	dmsetup mknodes
	# 4 MiB that only snap will map once the origin is overwritten.
	dd if=/dev/urandom of="/dev/mapper/$VG-thin" bs=1M count=4 conv=fsync 2>/dev/null ||
		return 1
	lvcreate -y -s "$VG/thin" -n snap || return 1
	dd if=/dev/urandom of="/dev/mapper/$VG-thin" bs=1M count=4 conv=fsync 2>/dev/null ||
		return 1
	lvcreate -y -s "$VG/thin" -n snap2 || return 1
	dmsetup mknodes
}
assert "LVM: VG, thin pool, thin volume, two inactive snapshots" setup ||
	bail_out "no LVM setup"
ID=$(lvs --noheadings -o thin_id "$VG/snap" | tr -d ' ')
ID2=$(lvs --noheadings -o thin_id "$VG/snap2" | tr -d ' ')

run softlock hold "$VG/snap" --type dest-path --text "hostC:vg/vol" \
	--dataset "hostC:vg/vol" --origin mirror-b
assert_eq "hold VG/LV succeeds" 0 "$RC" || diag "$OUT"
run lv_active snap
assert_eq "hold activated the snapshot (to pin it)" 0 "$RC"
UUID=$(dmsetup info -c --noheadings -o uuid "$TPOOL")
run slctl dump -P "$UUID"
assert_match "the kernel holds it under the pool's DM uuid, pinned" \
	"^$UUID	$ID	dest-path	mirror-b	[0-9]+	1	hostC:vg/vol\$" "$OUT"

run softlock holds
assert_match "holds lists snapshot, type, text, origin, pinned" \
	"^$VG/snap +dest-path +hostC:vg/vol +hostC:vg/vol +mirror-b .* yes +held" "$OUT"
run softlock holds "$VG" --json
assert_match "holds --json for the VG" "\"snapshot\":\"$VG/snap\".*\"pinned\":true" "$OUT"
run softlock holds "$VG/pool"
assert_match "holds VG/POOL finds the pool's holds" "^$VG/snap " "$OUT"
run softlock holds "$VG/snap" --usage
assert_match "holds --usage: the 4 MiB only the snapshot maps" \
	"^$VG/snap .* held +4\.0M\$" "$OUT"
run softlock pools
assert_match "pools names the LVM pool" "^$VG/pool +1 +1 +0 +no +$UUID" "$OUT"
run softlock pools --json
assert_match "pools --json" \
	"\"pool\":\"$UUID\",\"name\":\"$VG/pool\",\"locks\":1,\"snapshots\":1,\"staged\":0,\"sealed\":false" "$OUT"
run softlock version
hv=$(echo "$OUT" | sed -n 's/^softlock \([0-9][0-9.]*\) .*/\1/p')
assert_eq "version: the loaded module's version is the helper's" \
	"${hv:-no helper version}" "$(echo "$OUT" | sed -n 's/^module: //p')"

run softlock check "$VG/snap"
assert_eq "check of a held snapshot exits 1" 1 "$RC"
assert_match "check names the holder" 'held by 1 lock.*dest-path "hostC:vg/vol"' "$OUT"
run softlock check "$VG/snap2"
assert_eq "check of an unheld snapshot exits 0" 0 "$RC"
run softlock check "$VG/nosuch"
assert_eq "check that cannot tell exits 2, not 1 (held)" 2 "$RC"

TID=$(lvs --noheadings -o transaction_id "$VG/pool" | tr -d ' ')
run sh -c "yes | lvremove $VG/snap"
assert_eq "lvremove of the held snapshot is refused" 1 "$([ "$RC" != 0 ] && echo 1)"
run lv_listed snap
assert_eq "... and nothing was committed (still listed)" 0 "$RC"
assert_eq "... transaction id unchanged" "$TID" \
	"$(lvs --noheadings -o transaction_id "$VG/pool" | tr -d ' ')"

# Bad input: each is refused with a clear message, and changes nothing.
run softlock hold "$VG/nosuch" --type owner --text x
assert_match "unknown LV: named" "nosuch: no such logical volume" "$OUT"
run softlock hold "$VG/linear" --type owner --text x
assert_match "a linear LV is refused: not a thin volume" "not a thin volume" "$OUT"
run softlock hold "$VG/snap" --type owner --text "$(printf '%0300d' 0)"
assert_eq "text too long: usage error (exit 2)" 2 "$RC"
run softlock hold "$VG/snap" --type bogus --text x
assert_eq "unknown type: usage error (exit 2)" 2 "$RC"
# Lock texts are printable UTF-8 (the kernel refuses anything else too).
run softlock hold "$VG/snap" --type owner --text "$(printf 'caf\351')"
assert_eq "text not UTF-8: usage error (exit 2)" 2 "$RC"
assert_match "text not UTF-8: says why" "printable UTF-8" "$OUT"
run softlock hold "$VG/snap" --type owner --text x --dataset "$(printf 'd\302\205')"
assert_eq "dataset with a C1 control: usage error (exit 2)" 2 "$RC"
run softlock verify
assert_eq "verify: catalog and kernel agree" 0 "$RC" || diag "$OUT"

# monitor: events as they happen. Reading its first line from a FIFO
# waits until it has subscribed; no sleeping.
mkfifo "$SL_TMP/events"
softlock monitor > "$SL_TMP/events" &
bg_register $!
exec 3< "$SL_TMP/events"
read -r -t 60 line <&3
assert_eq "monitor subscribes" "listening for softlock events" "$line"
softlock hold "$VG/snap" --type owner --text watcher > /dev/null
pool_msg "$TPOOL" "delete $ID" > /dev/null 2>&1
softlock release "$VG/snap" --text watcher > /dev/null
softlock seal > /dev/null
softlock unseal > /dev/null
for i in 1 2 3 4 5; do
	read -r -t 60 ev$i <&3
done
exec 3<&-
assert_match "monitor: lock event" "lock pool=$UUID id=$ID owner \"watcher\" origin=local pinned" "$ev1"
assert_match "monitor: refused delete, with the holder" \
	"refused delete pool=$UUID id=$ID: 2 lock\\(s\\)" "$ev2"
assert_match "monitor: unlock event" "unlock pool=$UUID id=$ID removed=1" "$ev3"
assert_eq "monitor: seal and unseal" "sealed unsealed" \
	"$(echo "$ev4" | awk '{print $2}') $(echo "$ev5" | awk '{print $2}')"
# The kernel sends events in the initial network namespace only: a
# monitor in another one refuses to wait in silence.
ip netns add slmon && cleanup_push "ip netns del slmon"
run ip netns exec slmon softlock monitor
assert_eq "monitor in another network namespace: exit 1" 1 "$RC"
assert_match "... saying where events go and how to get there" \
	"events are sent in the initial network namespace only.*nsenter --net=/proc/1/ns/net softlock monitor" "$OUT"

# seal / unseal through the helper.
softlock seal > /dev/null
run softlock check "$VG/snap2"
assert_match "sealed: check refuses even an unheld snapshot" "module is sealed" "$OUT"
softlock unseal > /dev/null
run softlock check "$VG/snap2"
assert_eq "unsealed: the unheld snapshot may be deleted" 0 "$RC"

# Unprivileged: a clear EPERM message, nothing read.
run su -s /bin/sh nobody -c "SOFTLOCK_DB=/tmp/x.db softlock holds"
assert_match "unprivileged holds: permission denied, run as root" \
	"permission denied: run as root" "$OUT"
# Every other command that reads or changes holds, the same way, and
# nothing changed: the kernel's locks, the catalog, the seal.
unpriv_all() {
	local before c bad=
	before="$(slctl dump | sort) $(sha256sum < "$SOFTLOCK_DB") $(slctl pools)"
	for c in "hold $VG/snap2 --type owner --text x" "release $VG/snap --all" \
		"release --all" "check $VG/snap" "pools" "seal" "unseal" \
		"restore" "verify" "expire" "monitor" \
		"mirror init $VG/thin hostB:vg/x" "mirror status" \
		"mirror update hostB:vg/x" "serve --stdio"; do
		out=$(su -s /bin/sh nobody -c "SOFTLOCK_DB=$SOFTLOCK_DB softlock $c" 2>&1 < /dev/null)
		echo "$out" | grep -q "permission denied: run as root" || bad="$bad [$c: $out]"
	done
	[ -z "$bad" ] || { echo "not refused:$bad"; return 1; }
	[ "$before" = "$(slctl dump | sort) $(sha256sum < "$SOFTLOCK_DB") $(slctl pools)" ]
}
assert "unprivileged: every command says permission denied, nothing changes" unpriv_all
assert_eq "the catalog is root's alone (mode 600)" 600 "$(stat -c %a "$SOFTLOCK_DB")"
run su -s /bin/sh nobody -c "cat $SOFTLOCK_DB > /dev/null"
assert_eq "... so nobody cannot read it" 1 "$([ "$RC" != 0 ] && echo 1)"

# A module reload loses the kernel's table; restore brings it back.
run sl_unload
assert_eq "rmmod softlock with a pinned hold" 0 "$RC"
assert "insmod softlock again" sl_load
run softlock verify
assert_match "verify reports the lock missing in the kernel" \
	"missing in kernel: $VG/snap" "$OUT"
run softlock restore
assert_match "restore reinstalls it, pinned" "restored 1 lock.* 1 pinned" "$OUT"
run softlock verify
assert_eq "verify agrees after restore" 0 "$RC" || diag "$OUT"
run sh -c "yes | lvremove $VG/snap"
run lv_listed snap
assert_eq "lvremove refused again after restore" 0 "$RC"

# The sealed window after boot: every delete refused until restore.
sl_unload
assert "insmod softlock sealed=1" sl_load sealed=1
run pool_msg "$TPOOL" "delete $ID2"
assert_match "sealed: a delete of an unheld id is refused" "busy" "$OUT"
assert_eq "... and the snapshot is still in the pool" "$ID2" \
	"$(lvs --noheadings -o thin_id "$VG/snap2" | tr -d ' ')"
run softlock restore
assert_match "restore unseals" "unsealed" "$OUT"
run slctl pools
assert_match "the module is unsealed" "sealed=0" "$OUT"

# Expiry: a lease that passed is listed as stale and dropped by restore.
run softlock hold "$VG/snap2" --type app --text lease --expires 1h
assert_eq "hold with --expires" 0 "$RC" || diag "$OUT"
run softlock holds "$VG/snap2"
assert_match "holds shows the expiry" "lease .* (59m|1h00m) " "$OUT"
run sqlite3 "$SOFTLOCK_DB" "UPDATE locks SET expires = 1000 WHERE text = 'lease'"
assert_eq "(age the lease in the catalog)" 0 "$RC"
run softlock holds --stale
assert_match "holds --stale lists the expired lease" "^$VG/snap2 +app +lease .*expired" "$OUT"
assert_no_match "holds --stale omits live holds" "hostC:vg/vol" "$OUT"
run softlock restore
assert_match "restore drops the expired lease" "1 expired dropped" "$OUT"

# softlock expire: releases what expired, with its pin and activation.
run softlock hold "$VG/snap2" --type app --text lease2 --expires 1h
assert_eq "hold snap2 with another lease" 0 "$RC" || diag "$OUT"
run sqlite3 "$SOFTLOCK_DB" "UPDATE locks SET expires = 1000 WHERE text = 'lease2'"
assert_eq "(age it in the catalog)" 0 "$RC"
run softlock expire
assert_match "expire releases the expired hold" \
	"^$VG/snap2: expired, released \\(app \"lease2\"" "$OUT"
run slctl dump -P "$UUID"
assert_no_match "... in the kernel too" "lease2" "$OUT"
run lv_active snap2
assert_eq "... and deactivates the snapshot the helper activated" 1 "$RC"
run softlock expire
assert_match "expire with nothing expired" "^no expired holds\$" "$OUT"

# A corrupt catalog: a clear error and no change in the kernel.
head -c 8192 /dev/urandom > "$SL_TMP/bad.db"
before=$(slctl count)
run softlock --db "$SL_TMP/bad.db" hold "$VG/snap2" --type owner --text x
assert_match "corrupt catalog: named as corrupt" "corrupt" "$OUT"
# A truncated copy of the real catalog: the same.
cp "$SOFTLOCK_DB" "$SL_TMP/cut.db"
truncate -s $(($(stat -c %s "$SL_TMP/cut.db") / 2)) "$SL_TMP/cut.db"
run softlock --db "$SL_TMP/cut.db" hold "$VG/snap2" --type owner --text x
assert_match "truncated catalog: named as corrupt" "corrupt" "$OUT"
assert_eq "... and the kernel's locks are unchanged" "$before" "$(slctl count)"

# Release: unpins, deactivates what the helper activated, lvremove works.
run softlock release "$VG/snap"
assert_eq "release without a filter is a usage error" 2 "$RC"
run softlock release "$VG/snap" --type owner
assert_eq "release --type that matches no hold: an error" 1 "$RC"
run softlock release "$VG/snap" --origin mirror-b
assert_match "release --origin" "released" "$OUT"
run lv_active snap
assert_eq "the helper deactivated the snapshot it activated" 1 "$RC"
assert "lvremove works after release" lvremove -y "$VG/snap"
run softlock release "$VG/snap2" --all
assert_eq "release of nothing: an error" 1 "$RC"
run softlock holds
assert_match "no holds left" "^no holds$" "$OUT"

# An orphan: the snapshot went while the module was away.
assert "hold snap2" softlock hold "$VG/snap2" --type owner --text orphan
sl_unload
lvremove -y "$VG/snap2" > /dev/null 2>&1
sl_load
run softlock holds --stale
assert_match "holds --stale lists a hold whose snapshot is gone" \
	"^$VG/snap2 +owner +orphan .*orphaned" "$OUT"
run softlock restore
assert_match "restore keeps guarding the id, without a pin" "1 orphaned" "$OUT"
assert "release the orphan" softlock release --all

# Raw dm-thin: --pool /dev/mapper/NAME --id N.
run softlock hold --pool /dev/mapper/slnosuch --id 1 --type owner --text x
assert_match "a pool that is not active is named" "slnosuch" "$OUT"
make_pool slrawpool && thin_create slrawpool 1
run softlock hold --pool /dev/mapper/slrawpool --id 1 --type app --text backup
assert_eq "hold on a raw pool" 0 "$RC" || diag "$OUT"
assert_busy "the raw delete is refused" pool_msg slrawpool "delete 1"
run softlock check --pool /dev/mapper/slrawpool --id 1
assert_match "check on a raw pool names the holder" 'app "backup"' "$OUT"
run softlock holds /dev/mapper/slrawpool
assert_match "holds of a raw pool" "^/dev/mapper/slrawpool#1 +app +backup " "$OUT"
assert_no_match "... and only of it" "^$VG/" "$OUT"
softlock hold --pool /dev/mapper/slrawpool --id 1 --type owner --text tmp > /dev/null
run softlock release --pool /dev/mapper/slrawpool --id 1 --type owner
assert_match "release --type releases that type's hold" 'released \(owner "tmp"' "$OUT"
assert_eq "... and only it" "1" "$(slctl dump | grep -c backup)"

# A kernel refusal rolls the catalog back.
sl_unload
assert "insmod softlock max_locks_per_pcpi=1" sl_load max_locks_per_pcpi=1
softlock restore > /dev/null
run softlock hold --pool /dev/mapper/slrawpool --id 1 --type app --text second
assert_match "the kernel's refusal is shown with its reason" \
	"No space left on device.*max_locks_per_pcpi" "$OUT"
run softlock verify
assert_eq "verify: the refused hold is not in the catalog" 0 "$RC" || diag "$OUT"
assert "release on the raw pool" softlock release --pool /dev/mapper/slrawpool --id 1 --all
assert "the raw delete works after release" pool_msg slrawpool "delete 1"
