# Shared by the tests/integration/cli_*.sh scripts (sourced, not a test itself).
# Gives: $work (a temporary directory removed on exit), ct (the caltrace
# binary), fail, run_expect, has, json checks, and a fixed clock.
set -euo pipefail

: "${CALTRACE:?set CALTRACE to the caltrace binary (ctest does)}"
: "${CT_SOURCE_DIR:?set CT_SOURCE_DIR to the source tree (ctest does)}"
unset CALTRACE_HOME
export CALTRACE_NOW=2026-03-01T10:00:00Z
export LC_ALL=C.UTF-8

work=$(mktemp -d -t caltrace-it.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

ctstream="$CT_SOURCE_DIR/tests/integration/ctstream.py"

ct() { "$CALTRACE" "$@"; }

fail() {
	echo "FAIL ($(basename "$0")): $*" >&2
	exit 1
}

# run_expect CODE OUT -- cmd...: runs cmd with stdout+stderr into OUT; fails unless it exits CODE.
run_expect() {
	local want=$1 out=$2 rc=0
	shift 3
	"$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "--- output of: $*" >&2
		cat "$out" >&2
		fail "exit $rc, expected $want: $*"
	fi
}

# has FILE TEXT...: fails unless FILE contains every TEXT (fixed strings).
has() {
	local file=$1 text
	shift
	for text in "$@"; do
		grep -qF -- "$text" "$file" || {
			echo "--- $file:" >&2
			cat "$file" >&2
			fail "$file does not mention '$text'"
		}
	done
}

# same A B WHAT: fails unless the strings are equal.
same() {
	[ "$1" = "$2" ] || fail "$3: '$1' != '$2'"
}

# pyjson FILE EXPR: evaluates a Python expression over the parsed JSON `j`; fails if it is false.
pyjson() {
	python3 - "$1" "$2" <<'PY' || fail "JSON check failed on $1: $2"
import json, sys
with open(sys.argv[1]) as f:
    j = json.load(f)
ok = eval(sys.argv[2], {"j": j})
if not ok:
    print("false:", sys.argv[2], file=sys.stderr)
    sys.exit(1)
PY
}

# new_home NAME: a fresh node home; prints its key.
new_home() {
	ct init "$1" --name "$1" 2>/dev/null
}
