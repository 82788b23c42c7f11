#!/usr/bin/env bash
# caltrace's entry points (README.md):
#   ./run.sh demo [options]   build, then run the demo city (`caltrace demo --help`): a
#                             network of 19 caltraced on this machine, in ./demo-city
#   ./run.sh tour             build, then a short scripted tour of two nodes
#                             (scripts/walkthrough.sh)
#   ./run.sh test             build, then run the whole test suite with ctest (and first
#                             compile, without running, Release builds with gcc and clang,
#                             and the benchmarks)
#   ./run.sh test --sanitize  the same in an AddressSanitizer + UBSan build
# Each installs missing Debian packages first (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)

cmd=${1:-}
shift || true

build() { # build DIR [cmake options...] (later options win: -DCMAKE_BUILD_TYPE=Release)
	local dir=$1
	shift
	cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCT_WERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc)" -- --no-print-directory >/dev/null
}

case "$cmd" in
demo)
	scripts/deps.sh
	build build
	exec "$top/build/caltrace" demo "$@"
	;;
tour)
	scripts/deps.sh
	build build
	exec scripts/walkthrough.sh "$top/build/caltrace" "$@"
	;;
test)
	scripts/deps.sh
	if [ "${1:-}" = "--sanitize" ]; then
		build build-asan -DCT_SANITIZE=ON
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		exec ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
	fi
	build build
	# Compile-only checks, no tests: a Release build with -Werror (at -O3 with NDEBUG, GCC
	# warns of possibly uninitialised variables the default build does not see), and the
	# same with clang when it is installed.
	build build-release -DCMAKE_BUILD_TYPE=Release
	cmake --build build-release -j"$(nproc)" --target benches -- --no-print-directory >/dev/null
	if command -v clang >/dev/null; then
		CC=clang build build-clang -DCMAKE_BUILD_TYPE=Release
	fi
	exec ctest --test-dir build --output-on-failure -j"$(nproc)"
	;;
*)
	echo "usage: ./run.sh demo [caltrace demo options] | ./run.sh tour | ./run.sh test [--sanitize]" >&2
	exit 2
	;;
esac
