#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What `mirror update --verify` costs: one source volume (1 GiB, half
# written with random data) mirrored host A -> host B by two relationships
# into two destination volumes, one updated without --verify and one with
# it, so that both move the same bytes: the baselines (512 MiB), then two
# incrementals of a 10% change each, the first with the plain update
# first, the second with the --verify one first (so neither always runs
# second, after the first has warmed anything).
cd /softlock/tests || exit 1
. ./lib.sh
. /softlock/bench/bench_lib.sh
. /softlock/bench/mirror_lib.sh
sl_init lvm softlock thin_delta
tap_plan 1
step "insmod softlock" sl_load
SIZE_MB=1024

# The bytes the destination read back in the last update: pushed, the
# "done" line's verified_bytes is the source's (0); the destination says
# it on stderr ("--verify: N ranges (B bytes) of LV read back as ...").
read_back() {
	sed -n 's/.*--verify: [0-9]* ranges (\([0-9]*\) bytes).*/\1/p' "$SL_TMP/update.err" | tail -n 1
}

# WHAT: update relationship "plain" and then "verified" (or the other way
# round when WHAT is "incremental 2"), print both figures and the ratio.
pair() {
	local what=$1 key=$2 plain verified vbytes
	if [ "$what" = "incremental 2" ]; then
		step "$what with --verify" update verified --verify
		verified=$U_SECS
		vbytes=$(read_back)
		step "$what without --verify" update plain
		plain=$U_SECS
	else
		step "$what without --verify" update plain
		plain=$U_SECS
		step "$what with --verify" update verified --verify
		verified=$U_SECS
		vbytes=$(read_back)
	fi
	bench "verify.${key}_seconds" "$plain" s - "$what without --verify ($(json_field data_bytes "$U_JSON") B of DATA)"
	bench "verify.${key}_verify_seconds" "$verified" s - "$what with --verify"
	bench "verify.${key}_verified_bytes" "$vbytes" B - "bytes the destination read back (its stderr)"
	bench "verify.${key}_ratio" "$(ratio "$verified" "$plain")" ratio - "$what: time with --verify / without"
}

step "remount of /tmp with 90% of the memory" mount -o remount,size=90% /tmp
step "VG and pool bva" host_vg bva 3G
step "VG and pool bvb" host_vg bvb 4G
step "lvcreate of bva/vol (${SIZE_MB} MiB)" lvcreate -y -V "${SIZE_MB}M" -T bva/pool -n vol >/dev/null
step "dmsetup mknodes for bva/vol" dmsetup mknodes
step "dd of $((SIZE_MB / 2)) MiB of random data into bva/vol" \
	dd if=/dev/urandom of=/dev/bva/vol bs=1M count=$((SIZE_MB / 2)) oflag=direct status=none
# shellcheck disable=SC2086 # $A is a command prefix, split on purpose
step "mirror init plain" $A softlock mirror init --keep 2 --name plain bva/vol "$PEER_B:bvb/plain" >/dev/null
# shellcheck disable=SC2086 # as above
step "mirror init verified" $A softlock mirror init --keep 2 --name verified bva/vol "$PEER_B:bvb/verified" >/dev/null
pair "baseline" baseline
step "random writes changing 10% of bva/vol" change bva vol 10 11
pair "incremental 1" update1
step "random writes changing 10% of bva/vol again" change bva vol 10 12
pair "incremental 2" update2
tap_ok "the --verify benchmark ran to the end"
