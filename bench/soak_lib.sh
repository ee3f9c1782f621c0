# SPDX-License-Identifier: GPL-2.0
#
# The soak's instruments, for soak_bench.sh (which sources this after it
# has made $D): the peak RSS of one helper run (hwm_run), the record of
# wrong outcomes (wrong), settled /proc/slabinfo samples of the kmalloc
# caches (slab_sample, slab_series), and the thirds of an RSS series
# (series). Functions and their variables only: nothing runs when it is
# sourced.

# The peak RSS of one helper run. wait4's ru_maxrss (time -v) would be
# the largest of the helper and every LVM command it started, so the
# helper's own VmHWM is read while it runs instead: it only grows, so the
# last reading is the peak unless that came in the last 20 ms. A run too
# short to be read once adds no sample.
# nap SECONDS: sleep on the FIFO soak_bench.sh opened read-write as NAPFD.
nap() { read -r -t "$1" -u "$NAPFD" _; }
HWM=0
# KIND OUT CMD...: CMD (a simple command, exec'd by the child, which
# becomes "softlock" through ip netns exec and env) with its output in
# OUT; appends "SECONDS_INTO_SOAK KIB" to the KIND series.
hwm_run() {
	local kind=$1 out=$2 pid k v comm state rc
	shift 2
	"$@" > "$out" 2>&1 &
	pid=$!
	HWM=0
	while :; do
		comm='' state=''
		read -r comm 2>/dev/null < "/proc/$pid/comm" || break
		while read -r k v _; do
			case $k in
			State:) state=$v ;;
			VmHWM:) [ "$comm" = softlock ] && [ "$v" -gt "$HWM" ] && HWM=$v ;;
			esac
		done 2>/dev/null < "/proc/$pid/status"
		[ "$state" = Z ] && break
		nap 0.02
	done
	wait "$pid"
	rc=$?
	[ "$HWM" -gt 0 ] && echo "$((EPOCHSECONDS - T0)) $HWM" >> "$D/rss/$kind"
	return $rc
}
wrong() { # DESC: a wrong outcome or a failed command
	echo "$((EPOCHSECONDS - T0))s $*" >> "$D/wrong"
	echo "# soak: WRONG: $*"
}

# ---------------------------------------------------------------- slab

SLAB_NAMES=
# OUT: one sample, "NAME ACTIVE_OBJS OBJSIZE" of every kmalloc-* cache and
# of $SLAB_NAMES (the caches the module added), after settling.
# From the shrink to the read only shell builtins run: any allocation in
# between (a new process, say) makes a CPU take a slab as its own again,
# and slabinfo counts that slab's free objects as active.
SLAB_CACHES=
slab_sample() {
	local c name act size per rest lines=()
	sync
	echo 3 > /proc/sys/vm/drop_caches
	[ -n "$SLAB_CACHES" ] ||
		SLAB_CACHES=$(awk 'NR > 2 && $1 ~ /^kmalloc-/ { printf "%s ", $1 }' /proc/slabinfo)
	for c in $SLAB_CACHES $SLAB_NAMES; do
		[ -w "/sys/kernel/slab/$c/shrink" ] && echo 1 > "/sys/kernel/slab/$c/shrink"
	done
	while read -r name act _ size per rest; do
		case " $SLAB_CACHES $SLAB_NAMES " in
		*" $name "*) lines+=("$name $act $size $per") ;;
		esac
	done < /proc/slabinfo
	printf '%s\n' "${lines[@]}" | sort > "$1"
}
# PREFIX: 5 samples 2 s apart into PREFIX.1..5, and PREFIX.med: "NAME
# MEDIAN SPREAD OBJSIZE OBJPERSLAB" (spread: highest - lowest of the 5).
slab_series() {
	local i
	for i in 1 2 3 4 5; do
		slab_sample "$1.$i"
		[ $i = 5 ] || sleep 2
	done
	cat "$1".[1-5] | sort -k1,1 -k2,2n | awk '
		{ v[$1] = v[$1] " " $2; sz[$1] = $3; per[$1] = $4 }
		END {
			for (c in v) {
				n = split(substr(v[c], 2), a, " ")
				printf "%s %d %d %d %d\n", c, a[int((n + 1) / 2)], a[n] - a[1], sz[c], per[c]
			}
		}' | sort > "$1.med"
}

# KIND: "n first-third-median last-third-median max" of the series
series() {
	awk 'function isort(x, k,   i, j, y) { # busybox awk has no asort
		for (i = 2; i <= k; i++) {
			y = x[i]
			for (j = i - 1; j >= 1 && x[j] > y; j--) x[j + 1] = x[j]
			x[j + 1] = y
		}
	}
	{ v[NR] = $2 } END {
		n = NR; t = int(n / 3)
		if (t < 1) { print n, 0, 0, 0; exit }
		for (i = 1; i <= t; i++) a[i] = v[i]
		for (i = 1; i <= t; i++) b[i] = v[n - t + i]
		isort(a, t); isort(b, t)
		m = 0; for (i = 1; i <= n; i++) if (v[i] > m) m = v[i]
		printf "%d %d %d %d\n", n, a[int((t + 1) / 2)], b[int((t + 1) / 2)], m
	}' "$D/rss/$1"
}
