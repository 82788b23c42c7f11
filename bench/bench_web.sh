#!/usr/bin/env bash
# bench_web.sh: chain lookups over HTTP on the demo city, with wrk, while the network replicates,
# side by side with the same chains judged in process in the same run.
#
#   bench/bench_web.sh [--dir DIR] [--connections 64] [--threads 2] [--seconds 30] [--count 20000]
#                      [--maps "256 48"]
#
# DIR is a demo city left running by `caltrace demo --keep --dir DIR` (made here, with the
# default 100,000 instruments, when DIR holds none: about 5 minutes and 7 GB). It serves the
# bureau's home with `caltrace serve` (no rate limit, 2 answering threads) beside the bureau's
# caltraced, while the water company's lab signs 200 new instruments every 2 seconds (its node
# and every other replicate them); wrk (Debian's) asks for the chains of COUNT random
# instruments at CONNECTIONS connections for SECONDS, once per value of --maps: the store's
# mapped pages released past that many MiB (`serve --map-mib`; 256 is the default). Each run
# prints wrk's throughput and latency percentiles, the server's memory (peak and final
# resident set, anonymous and file pages) and its CPU per request; then bench_web gives the
# same chains judged in process (one thread: snapshot, tracer, chain, JSON). Goals
# (docs/PERFORMANCE.md): at least 5,000 chains/s, p99 under 20 ms, serving memory under 100 MB.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
dir=$top/demo-city
connections=64
threads=2
seconds=30
count=20000
maps="256 48"
port=${PORT:-18480}
while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--maps) maps=$2; shift 2 ;;
	*) echo "usage: $0 [--dir DIR] [--connections N] [--threads N] [--seconds S] [--count N] [--maps \"MiB ...\"]" >&2; exit 2 ;;
	esac
done
command -v wrk >/dev/null || { echo "bench_web: wrk is missing (scripts/deps.sh installs it)" >&2; exit 2; }
cmake --build "$build" --target caltrace caltraced bench_web -- --no-print-directory >/dev/null
ct=$build/caltrace
home=$dir/labs/bureau
if ! "$ct" --home "$home" status 2>/dev/null | grep -q "node     running"; then
	echo "bench_web: no running demo in $dir: making one (caltrace demo --keep)" >&2
	"$ct" demo --dir "$dir" --keep --caltraced "$build/caltraced" >"$dir.demo.log" 2>&1 ||
		{ tail -20 "$dir.demo.log" >&2; exit 2; }
fi
work=$(mktemp -d)
serve=
writer=
cleanup() {
	[ -n "$writer" ] && kill "$writer" 2>/dev/null
	[ -n "$serve" ] && kill "$serve" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# the chains wrk asks for, and how it reports them
"$build/bench_web" --home "$home" --paths "$work/paths.lua" --count "$count" --seconds 0 >/dev/null
{
	echo "dofile(\"$work/paths.lua\")"
	cat <<'LUA'
local n = 0
request = function()
	n = n + 1
	return wrk.format("GET", paths[(n * 7919) % #paths + 1])
end
done = function(summary, latency, requests)
	io.write(string.format("wrk: %d requests in %.1f s: %.0f/s; latency p50 %.2f ms, p90 %.2f ms, " ..
		"p99 %.2f ms, max %.2f ms; %d errors (%d non-2xx)\n",
		summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
		latency.max / 1000, summary.errors.connect + summary.errors.read + summary.errors.write +
		summary.errors.timeout + summary.errors.status, summary.errors.status))
end
LUA
} >"$work/chains.lua"

# the network replicates while wrk runs: the water lab signs 200 instruments every 2 s
writes() {
	local i=0 j
	while :; do
		for j in $(seq 200); do
			printf '{"type":"instrument.register","id":"BENCH-%s-%s-%s","category":"flow","district":"市中区","owner":"bench","mpe":{"rel_ppm":20000}}\n' \
				"$$" "$i" "$j"
		done >"$work/more.ndjson"
		"$ct" --home "$dir/labs/water" import-records "$work/more.ndjson" >/dev/null 2>&1 || true
		i=$((i + 1))
		sleep 2
	done
}
writes &
writer=$!
sleep 2
before=$("$ct" --home "$home" digest 2>/dev/null)

echo "bench_web: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $count random instruments"
for map in $maps; do
	"$ct" --home "$home" serve --listen "127.0.0.1:$port" --rate 0 --threads "$threads" --map-mib "$map" \
		--max-connections 512 --per-client 512 2>"$work/serve.log" &
	serve=$!
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/v1" >/dev/null && break; sleep 0.2; done
	cpu0=$(awk '{print $14 + $15}' "/proc/$serve/stat")
	echo "-- caltrace serve --threads $threads --map-mib $map; wrk -t $threads -c $connections -d ${seconds}s"
	wrk -t "$threads" -c "$connections" -d "${seconds}s" --timeout 5s -s "$work/chains.lua" \
		"http://127.0.0.1:$port" >"$work/wrk.txt" || true
	grep -E '^wrk:|Socket errors' "$work/wrk.txt" || true
	cpu1=$(awk '{print $14 + $15}' "/proc/$serve/stat")
	n=$(sed -n 's/^wrk: \([0-9]*\) requests.*/\1/p' "$work/wrk.txt")
	echo "caltrace serve: $(grep -E 'VmHWM|VmRSS|RssAnon|RssFile' "/proc/$serve/status" | tr -s ' \t' ' ' | tr '\n' ' ')"
	if [ -n "$n" ] && [ "$n" -gt 0 ]; then
		echo "caltrace serve CPU: $(((cpu1 - cpu0) * 1000000 / $(getconf CLK_TCK) / n)) us a request"
	fi
	kill "$serve"
	wait "$serve" || true
	serve=
done
after=$("$ct" --home "$home" digest 2>/dev/null)
if [ "$before" != "$after" ]; then
	echo "the bureau's store changed during the runs (replication went on)"
else
	echo "WARNING: the bureau's store did not change during the runs"
fi
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
writer=
"$build/bench_web" --home "$home" --count "$count" --seconds "$seconds"
