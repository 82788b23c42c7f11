#!/usr/bin/env bash
# Runs bench_catchup and bench_trace of two builds alternately, so that a change can be
# compared with what came before it on the same (noisy) machine in the same minutes
# (docs/PERFORMANCE.md, "The core/ split: before and after").
#
#   scripts/bench_compare.sh BUILD_A BUILD_B [ROUNDS (2)]
#
# Each BUILD is a build directory with caltrace, caltraced, bench_catchup and bench_trace
# (cmake --build DIR --target caltrace caltraced bench_catchup bench_trace). Each build gets
# its own signed source and city under $TMPDIR (or /tmp), kept between rounds.
set -euo pipefail
[ $# -ge 2 ] || {
	sed -n '2,10p' "$0" >&2
	exit 2
}
a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
rounds=${3:-2}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-compare.XXXXXX")
echo "scratch: $scratch (remove it when done)"
for build in "$a" "$b"; do
	for prog in caltrace caltraced bench_catchup bench_trace; do
		[ -x "$build/$prog" ] || {
			echo "bench_compare: $build/$prog is missing" >&2
			exit 2
		}
	done
done
for round in $(seq "$rounds"); do
	for build in "$a" "$b"; do
		tag=$(echo "$build" | md5sum | cut -c1-8)
		echo "=== bench_catchup, $build, round $round ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
		"$build/bench_catchup" --entries 200000 --source "$scratch/src-$tag" 2>&1 |
			grep -E "raw Ed25519|catch-up of|ratio|writer thread|peak resident"
	done
done
for round in $(seq "$rounds"); do
	for build in "$a" "$b"; do
		tag=$(echo "$build" | md5sum | cut -c1-8)
		reuse=--keep
		[ -d "$scratch/city-$tag" ] && reuse=--reuse
		echo "=== bench_trace, $build, round $round ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
		"$build/bench_trace" --instruments 100000 --dir "$scratch/city-$tag" $reuse 2>&1 | sed -n '/^city:/,$p'
	done
done
