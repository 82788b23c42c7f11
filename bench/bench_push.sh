#!/usr/bin/env bash
# bench_push: the latency of a live push. Seven caltraced on 127.0.0.1 in a
# line (the bureau, then six labs, each listing only its neighbours); the lab
# at one end writes one entry (`caltrace instrument register`: a job of one
# entry, far under the 32 that switch a node to bulk checking) and the clock
# runs until all seven nodes hold it (their state digests equal the writer's).
# Each build given gets its own line and PUSHES pushes, ROUNDS times
# alternately, so that two builds are compared in the same minutes of a noisy
# machine; the time one `caltrace digest` takes is printed beside them (the
# poll's resolution). Not a test (docs/PERFORMANCE.md, "Live pushes").
#
#   bench/bench_push.sh [--rounds N (3)] [--pushes N (5)] BUILD_DIR [BUILD_DIR...]
#
# Each BUILD_DIR holds caltrace and caltraced.
set -euo pipefail
rounds=3 pushes=5
while [ $# -ge 2 ]; do
	case $1 in
	--rounds) rounds=$2 ;;
	--pushes) pushes=$2 ;;
	*) break ;;
	esac
	shift 2
done
[ $# -ge 1 ] || {
	sed -n '2,14p' "$0" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
builds=()
for b in "$@"; do
	b=$(cd "$b" && pwd)
	[ -x "$b/caltrace" ] && [ -x "$b/caltraced" ] || {
		echo "bench_push: $b has no caltrace and caltraced" >&2
		exit 2
	}
	builds+=("$b")
done
out=$(mktemp -d "${TMPDIR:-/tmp}/ct-push.XXXXXX")

# one_build BUILD OUTFILE: builds the line, then PUSHES pushes; one line of milliseconds per push
one_build() (
	export CALTRACE=$1/caltrace CALTRACED=$1/caltraced
	# shellcheck source=../tests/integration/node_lib.bash
	. "$here/../tests/integration/node_lib.bash"
	names=(bureau l1 l2 l3 l4 l5 l6)
	BUREAU=bureau
	bureau bureau 0
	for i in 1 2 3 4 5 6; do lab "l$i" "$i" authorized; done
	for i in 0 1 2 3 4 5; do link "${names[$i]}" "${names[$((i + 1))]}"; done
	for n in "${names[@]}"; do start "$n"; done
	wait_until 120 same_digest "${names[@]}" || fail "the line did not converge"
	ms() { echo $(($(date +%s%N) / 1000000)); }
	all_hold() { # WANT: every node's digest is WANT
		local n
		for n in "${names[@]}"; do
			[ "$(digest "$n")" = "$1" ] || return 1
		done
	}
	for r in $(seq "$pushes"); do
		t0=$(ms)
		wait_until 30 write l6 "PUSH-$r" || fail "l6 could not write"
		want=$(digest l6)
		until all_hold "$want"; do
			[ $(($(ms) - t0)) -lt 60000 ] || fail "push $r did not reach every node in 60 s"
		done
		echo $(($(ms) - t0)) >>"$2"
		sleep 0.5
	done
	t0=$(ms)
	for _ in 1 2 3 4 5 6 7 8 9 10; do digest bureau >/dev/null; done
	echo "$(($(ms) - t0))" >"$2.poll"
	for n in "${names[@]}"; do stop "$n"; done
)

stats() { # FILE: median and slowest of its lines
	sort -n "$1" | awk '{ v[NR] = $1 } END { printf "median %d ms, slowest %d ms (%d pushes)", v[int((NR + 1) / 2)], v[NR], NR }'
}

for r in $(seq "$rounds"); do
	for i in "${!builds[@]}"; do
		echo "=== $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg): ${builds[$i]}, round $r of $rounds" >&2
		one_build "${builds[$i]}" "$out/push.$i" >/dev/null 2>"$out/log.$i.$r" || {
			cat "$out/log.$i.$r" >&2
			exit 1
		}
	done
done
for i in "${!builds[@]}"; do
	echo "${builds[$i]}: write to every node of a 7-node line: $(stats "$out/push.$i"); one digest poll $(($(cat "$out/push.$i.poll") / 10)) ms"
done
rm -rf "$out"
