# Helpers for the multi-process node tests (sourced by tests/integration/node_*.sh).
#
# Every test runs in its own temporary directory, on 127.0.0.1 ports from a
# random base, kills every caltraced it started on exit (whatever happens),
# and bounds every wait. Under AddressSanitizer (detected from the binary)
# the waits get three times longer.
set -euo pipefail

CT=${CALTRACE:?set CALTRACE to the caltrace binary}
CTD=${CALTRACED:?set CALTRACED to the caltraced binary}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ct-node.XXXXXX")
# A base port whose next 10 ports nobody listens on (tests and other jobs may run beside this one).
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _try in 1 2 3 4 5 6 7 8; do
	BASE=$((20000 + (RANDOM * 7 + $$ + _try * 997) % 12000)) # below the ephemeral ports
	_free=1
	for _p in $(seq "$BASE" $((BASE + 9))); do
		if port_busy "$_p"; then
			_free=0
			break
		fi
	done
	[ $_free -eq 1 ] && break
done
NET=
declare -A PID PORT KEY
SCALE=1
if nm -D "$CTD" 2>/dev/null | grep -q __asan_init || grep -qa __asan_init "$CTD"; then
	SCALE=3
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}

cleanup() {
	local rc=$?
	for name in "${!PID[@]}"; do
		kill -9 "${PID[$name]}" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ $rc -ne 0 ]; then
		for log in "$WORK"/*.log; do
			[ -f "$log" ] || continue
			echo "---- $(basename "$log") (last 40 lines)" >&2
			tail -n 40 "$log" >&2
		done
	fi
	if [ $rc -eq 0 ] || [ -z "${KEEP:-}" ]; then
		rm -rf "$WORK"
	else
		echo "kept $WORK" >&2
	fi
}
trap cleanup EXIT

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_until SECONDS CMD...: runs CMD until it succeeds; fails after SECONDS (times SCALE).
wait_until() {
	local secs=$1
	shift
	local deadline=$((SECONDS + secs * SCALE))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.25
	done
}

ct() { # ct NAME ARGS...: caltrace on NAME's home
	local name=$1
	shift
	"$CT" --home "$WORK/$name" "$@"
}

# new_home NAME INDEX: a home listening on BASE+INDEX; sets KEY[NAME]
new_home() {
	local name=$1 idx=$2
	PORT[$name]=$((BASE + idx))
	if [ -n "$NET" ]; then
		KEY[$name]=$("$CT" init "$WORK/$name" --name "$name" --listen "127.0.0.1:${PORT[$name]}" --network "$NET" 2>/dev/null)
	else
		KEY[$name]=$("$CT" init "$WORK/$name" --name "$name" --listen "127.0.0.1:${PORT[$name]}" 2>/dev/null)
	fi
}

# bureau NAME INDEX: the bureau's home with its genesis; sets NET
bureau() {
	new_home "$1" "$2"
	ct "$1" genesis --network "Test City" --district North,South,East,West,Centre >/dev/null
	NET=$(ct "$1" status | awk '/^network/ {print $2}')
	[ ${#NET} -eq 64 ] || fail "no network id"
}

# lab NAME INDEX TIER: a lab's home, admitted by the bureau named BUREAU
lab() {
	new_home "$1" "$2"
	ct "${BUREAU:-bureau}" admit "${KEY[$1]}" --name "$1" --tier "$3" --scope mass,pressure \
		--from 2020-01-01 --until 2035-12-31 >/dev/null
}

# link A B: A and B list each other (both dial; one connection survives)
link() {
	ct "$1" peers add "${KEY[$2]}@127.0.0.1:${PORT[$2]}" 2>/dev/null
	ct "$2" peers add "${KEY[$1]}@127.0.0.1:${PORT[$1]}" 2>/dev/null
}

start() { # start NAME [caltraced options]; NICE=N lowers the node's priority
	local name=$1
	shift
	nice -n "${NICE:-0}" "$CTD" --home "$WORK/$name" "$@" 2>>"$WORK/$name.log" &
	PID[$name]=$!
	# started when its control socket answers: a socket file alone may be a SIGKILLed run's
	wait_until 10 running "$name" || fail "$name did not start"
}

running() { # running NAME: NAME's caltraced answers on its control socket
	local out
	out=$(ct "$1" status 2>/dev/null) || return 1
	[[ $out == *"node     running"* ]]
}

stop() { # SIGTERM, and it must exit 0
	local name=$1 rc=0
	kill -TERM "${PID[$name]}"
	wait "${PID[$name]}" || rc=$?
	unset "PID[$name]"
	[ $rc -eq 0 ] || fail "$name exited with $rc after SIGTERM"
}

killnode() { # SIGKILL
	kill -9 "${PID[$1]}"
	wait "${PID[$1]}" 2>/dev/null || true
	unset "PID[$1]"
}

digest() { ct "$1" digest 2>/dev/null; }

# entries NAME: how many entries NAME's store holds
entries() { ct "$1" digest --json 2>/dev/null | sed -n 's/.*"entries": *\([0-9]*\).*/\1/p'; }
feeds() { ct "$1" digest --json 2>/dev/null | sed -n 's/.*"feeds": *\([0-9]*\).*/\1/p'; }

# same_digest NAMES...: true when all hold the same state
same_digest() {
	local want d
	want=$(digest "$1")
	for name in "$@"; do
		d=$(digest "$name")
		[ "$d" = "$want" ] || return 1
	done
}

# write NAME ID: NAME records an event of its own (retried by callers until admitted)
write() {
	local name=$1 id=$2
	if [ "$name" = "${BUREAU:-bureau}" ]; then
		ct "$name" catalogue-set "$id" --name "item $id" --mode V --interval-days 365 --domains trade \
			--effective 2024-01-01 >/dev/null 2>&1
	else
		ct "$name" instrument register "$id" --category mass --district North --owner "owner of $id" \
			--mpe-rel-ppm 1000 >/dev/null 2>&1
	fi
}

# check_store NAME: the integrity check passes
check_store() { ct "$1" check >/dev/null || fail "$1: store check failed"; }

# logged NAME PATTERN: NAME's log has a line matching PATTERN (grep -E)
logged() { grep -Eq -- "$2" "$WORK/$1.log"; }

# hold_store NAME: a process that has NAME's store open the way LMDB marks it (a read lock on byte
# 0 of lock.mdb) and never lets go, as a tool might; release_store ends it
hold_store() {
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_SH, 1, 0)
print("held", flush=True)
time.sleep(600)' "$WORK/$1/data/lock.mdb" >"$WORK/holder.out" &
	PID[holder]=$!
	wait_until 10 grep -q held "$WORK/holder.out" || fail "the lock holder did not start"
}
release_store() {
	kill "${PID[holder]}"
	wait "${PID[holder]}" 2>/dev/null || true
	unset "PID[holder]"
}
