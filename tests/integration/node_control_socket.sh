#!/usr/bin/env bash
# The control socket is never open to others: its mode is 0600 from the
# moment it exists, whatever the umask caltraced starts under. The node is
# started with umask 000 and with chmod() of sockets delayed by 1.5 s
# (tests/tools/ct_slow_chmod.c, LD_PRELOAD), so a socket created with the
# process's umask and fixed by chmod afterwards is seen before the fix.
. "$(dirname "$0")/node_lib.bash"
: "${CT_SLOW_CHMOD:?set CT_SLOW_CHMOD to the chmod-delaying shim (ctest does)}"

bureau bureau 0
sock="$WORK/bureau/caltraced.sock"
(
	umask 000
	export LD_PRELOAD=$CT_SLOW_CHMOD
	# the shim comes before an ASan runtime in the library list: tell ASan it is fine
	export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
	exec "$CTD" --home "$WORK/bureau" 2>>"$WORK/bureau.log"
) &
PID[bureau]=$!
deadline=$((SECONDS + 10 * SCALE))
until [ -S "$sock" ]; do
	[ $SECONDS -lt $deadline ] || fail "caltraced did not create its control socket"
	sleep 0.005
done
mode=$(stat -c %a "$sock")
[ "$mode" = 600 ] || fail "the control socket has mode $mode as it appears, not 600"
wait_until 10 ct bureau status || fail "the node does not answer on its control socket"
mode=$(stat -c %a "$sock")
[ "$mode" = 600 ] || fail "the control socket has mode $mode once the node runs, not 600"
stop bureau
echo "ok: the control socket is 0600 from its creation"
