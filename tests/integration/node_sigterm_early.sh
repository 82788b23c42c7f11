#!/usr/bin/env bash
# caltraced handles SIGTERM from its first moment: one that arrives while it
# still reads its home (here, held in reading its config, a FIFO the test
# fills only after the signal) stops it cleanly, exit 0, instead of killing
# it (exit 143). And `start` (node_lib.bash) counts a node as started only
# when its control socket answers, not when a stale socket file from a
# SIGKILLed run is still there.
. "$(dirname "$0")/node_lib.bash"

BUREAU=bureau
bureau bureau 0

# 1. A SIGTERM while the config is being read.
cp "$WORK/bureau/config" "$WORK/config.real"
rm "$WORK/bureau/config"
mkfifo "$WORK/bureau/config"
"$CTD" --home "$WORK/bureau" 2>>"$WORK/bureau.log" &
pid=$!
PID[early]=$pid
# Opening the FIFO for writing returns once caltraced has opened it for reading:
# it is then inside its config's load, past exec and its start.
exec 3>"$WORK/bureau/config"
kill -TERM "$pid"
sleep 0.2 # the signal is delivered while caltraced still waits for its config
cat "$WORK/config.real" >&3 || true # a caltraced killed by the signal has closed its end
exec 3>&-
rc=0
wait "$pid" || rc=$?
unset "PID[early]"
[ $rc -eq 0 ] || fail "caltraced exited $rc after a SIGTERM during its start (want 0: handled)"
logged bureau "SIGTERM: shutting down" || fail "the early SIGTERM was not logged as handled"
[ ! -S "$WORK/bureau/caltraced.sock" ] || fail "the control socket was left behind"
rm "$WORK/bureau/config"
cp "$WORK/config.real" "$WORK/bureau/config"

# 2. After a SIGKILL the socket file stays; the next start waits for an answer.
start bureau
killnode bureau
[ -S "$WORK/bureau/caltraced.sock" ] || fail "expected the killed node's socket file to stay"
start bureau
running bureau || fail "start returned before the node answered"
stop bureau
log "ok"
