#!/usr/bin/env bash
# A fresh node catching up 100,000 entries from a lab is killed with
# SIGKILL half-way, restarted, converges, and its store passes the
# integrity check: every commit was whole.
. "$(dirname "$0")/node_lib.bash"
# This test keeps both cores busy for a while: let tests running beside it go first.
NICE=10

N=${CT_CATCHUP_ENTRIES:-100000}
BUREAU=bureau
bureau bureau 0
lab lab 1 city
new_home fresh 2
# the lab gets the bureau's feed by file, then signs its records in large transactions
ct bureau export -o "$WORK/bureau.ct" 2>/dev/null
ct lab import "$WORK/bureau.ct" >/dev/null 2>&1
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"type\":\"instrument.register\",\"id\":\"WM-%d\",\"category\":\"mass\",\"district\":\"North\",\"owner\":\"market %d\",\"mpe\":{\"rel_ppm\":1000}}\n", i, i % 97 }' \
	>"$WORK/records.ndjson"
log "signing $N records into the lab's feed"
nice -n $NICE "$CT" --home "$WORK/lab" import-records "$WORK/records.ndjson" 2>/dev/null
total=$((N + 2))
[ "$(entries lab)" = "$total" ] || fail "the lab holds $(entries lab) entries"
link fresh lab
start lab
start fresh
log "catching up"
half() { [ "$(entries fresh)" -ge $((total / 5)) ]; }
wait_until 120 half || fail "the fresh node did not start catching up"
killnode fresh
got=$(entries fresh)
log "killed at $got entries"
[ "$got" -lt "$total" ] || fail "caught up before the kill: make N larger"
check_store fresh
start fresh
wait_until 180 same_digest lab fresh || fail "the restarted node did not converge ($(entries fresh) of $total)"
stop fresh
stop lab
out=$(nice -n $NICE "$CT" --home "$WORK/fresh" check) || fail "the store check failed: $out"
[ "$(head -n1 <<<"$out")" = "ok: $total entries checked" ] || fail "check: $out"
grep -q "^ok: the instrument summary agrees with the entries of" <<<"$out" || fail "check (summary): $out"
log "ok"
