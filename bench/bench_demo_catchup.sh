#!/usr/bin/env bash
# bench_demo_catchup.sh: a fresh node catches up with a demo city's home, for each build given,
# alternately, so that two builds are compared in the same minutes (docs/PERFORMANCE.md, "The
# writer on the demo's entries"). The demo's entries are real records (registrations,
# calibrations citing standards), so the writer fills every index, unlike bench_catchup's.
#
#   bench/bench_demo_catchup.sh [--runs N] SOURCE_HOME BUILD_DIR [BUILD_DIR...]
#
# SOURCE_HOME is a lab's home from `caltrace demo --dir DIR` (DIR/labs/bureau holds every
# entry), copied for each run and never changed. Each BUILD_DIR holds caltrace and caltraced;
# both must read SOURCE_HOME's store format. Per run it prints the wall time, the fresh
# node's CPU seconds (user + system) and per entry, its peak resident memory (VmHWM) and the
# peaks of RssAnon and RssFile sampled every 0.2 s; then, per build, the medians and their
# ratio to the first build's.
set -euo pipefail

runs=3
if [ "${1:-}" = "--runs" ]; then
	runs=$2
	shift 2
fi
if [ $# -lt 2 ] || [ "${1:-}" = "--help" ]; then
	sed -n '2,14p' "$0" >&2
	exit 2
fi
src=$1
shift
[ -f "$src/data/data.mdb" ] || {
	echo "bench_demo_catchup: no store at $src/data/data.mdb" >&2
	exit 2
}
for b in "$@"; do
	[ -x "$b/caltrace" ] && [ -x "$b/caltraced" ] || {
		echo "bench_demo_catchup: $b has no caltrace and caltraced" >&2
		exit 2
	}
done
work=$(mktemp -d /tmp/ct-democatch.XXXXXX)
port=$((20000 + ($$ * 7) % 10000))
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

first=$1
net=$("$first/caltrace" --home "$src" status | awk '/^network/ {print $2}')
labkey=$("$first/caltrace" --home "$src" status | awk '/^key/ {print $2}')
want=$("$first/caltrace" --home "$src" status | awk '/ entries / {s += $2} END {print s + 0}')
echo "source $src: $want entries; $runs runs per build; load $(cut -d' ' -f1-3 /proc/loadavg)"

field() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# one catch-up with build $1; appends "wall cpu hwm anon file" to $work/results.$2
one() {
	local b=$1 tag=$2 lab=$work/lab fresh=$work/fresh
	rm -rf "$lab" "$fresh"
	cp -a "$src" "$lab"
	rm -f "$lab"/*.log
	"$b/caltrace" init "$fresh" --listen "127.0.0.1:$((port + 1))" --network "$net" >/dev/null 2>&1
	local fkey
	fkey=$("$b/caltrace" --home "$fresh" status | awk '/^key/ {print $2}')
	printf 'listen = 127.0.0.1:%d\nnetwork = %s\npeer = %s@127.0.0.1:%d\n' "$port" "$net" "$fkey" \
		$((port + 1)) >"$lab/config"
	"$b/caltrace" --home "$fresh" peers add "$labkey@127.0.0.1:$port" >/dev/null 2>&1
	"$b/caltraced" --home "$lab" >"$work/lab.log" 2>&1 &
	local lp=$!
	pids=("$lp")
	sleep 0.5
	local t0 fp have=0 anon=0 file=0 a f
	t0=$(date +%s.%N)
	"$b/caltraced" --home "$fresh" >"$work/fresh.log" 2>&1 &
	fp=$!
	pids=("$lp" "$fp")
	while [ "$have" -lt "$want" ]; do
		sleep 0.2
		kill -0 "$fp" 2>/dev/null || {
			echo "bench_demo_catchup: the fresh node stopped; its log:" >&2
			tail -5 "$work/fresh.log" >&2
			exit 1
		}
		a=$(field "$fp" RssAnon)
		f=$(field "$fp" RssFile)
		[ "${a:-0}" -gt "$anon" ] && anon=$a
		[ "${f:-0}" -gt "$file" ] && file=$f
		have=$("$b/caltrace" --home "$fresh" status 2>/dev/null | awk '/ entries / {s += $2} END {print s + 0}')
	done
	local t1 cpu hwm
	t1=$(date +%s.%N)
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$fp/stat")
	hwm=$(field "$fp" VmHWM)
	kill "$fp" "$lp"
	wait "$fp" "$lp" 2>/dev/null || true
	pids=()
	local wall
	wall=$(echo "$t1 - $t0" | bc)
	printf '%-40s wall %6.2f s  cpu %6.2f s (%5.1f us/entry)  VmHWM %4d MB  RssAnon %4d MB  RssFile %4d MB\n' \
		"$b" "$wall" "$cpu" "$(echo "$cpu * 1000000 / $want" | bc -l)" $((hwm / 1024)) $((anon / 1024)) \
		$((file / 1024))
	echo "$wall $cpu $hwm $anon $file" >>"$work/results.$tag"
}

for ((r = 1; r <= runs; r++)); do
	i=0
	for b in "$@"; do
		one "$b" "$i"
		i=$((i + 1))
	done
done

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "medians (ratio to $first):"
i=0
for b in "$@"; do
	w=$(cut -d' ' -f1 "$work/results.$i" | median)
	c=$(cut -d' ' -f2 "$work/results.$i" | median)
	[ $i -eq 0 ] && w0=$w && c0=$c
	printf '  %-40s wall %6.2f s (%.2f)  cpu %6.2f s (%.2f)\n' "$b" "$w" "$(echo "$w / $w0" | bc -l)" "$c" \
		"$(echo "$c / $c0" | bc -l)"
	i=$((i + 1))
done
