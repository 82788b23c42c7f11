#!/usr/bin/env bash
# Prints the state digest of the demo city run by the caltrace of BUILD_DIR with fixed keys and a
# fixed clock, so that two builds (before and after a refactoring) can be compared:
#
#   scripts/demo_digest.sh BUILD_DIR [caltrace demo options]     (default: --instruments 3000 --seed 7)
#
# Keys come from scripts/detrand.c (a preloaded deterministic randombytes, for this comparison
# only), entry times from CALTRACE_NOW. Runs in /tmp/caltrace-demo-digest (the same folder every
# time: the keys depend on the command lines), on ports 33400-33418.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: demo_digest.sh BUILD_DIR [demo options]}" && pwd)
shift
[ $# -gt 0 ] || set -- --instruments 3000 --seed 7
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
cc -shared -fPIC -O2 -o "$shim/detrand.so" "$top/scripts/detrand.c" -lsodium
dir=/tmp/caltrace-demo-digest
rm -rf "$dir"
LD_PRELOAD="$shim/detrand.so" CALTRACE_NOW=2026-07-01T00:00:00Z "$build/caltrace" demo "$@" --at 2026-06-30 \
	--dir "$dir" --base-port 33400 --caltraced "$build/caltraced" --json >"$shim/out.json" 2>"$shim/err"  ||
	{ cat "$shim/err" >&2; exit 1; }
python3 - "$shim/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
digests = set(d["digests"].values())
if len(digests) != 1:
    sys.exit("the nodes disagree: %s" % d["digests"])
print("%s  (%d entries, %d nodes)" % (digests.pop(), d["entries"], len(d["digests"])))
PY
