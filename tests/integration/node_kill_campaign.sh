#!/usr/bin/env bash
# A SIGKILL campaign: a fresh node catching up a lab's feed is killed with
# SIGKILL at a number of random moments (seeded), restarted after each. After
# every kill its store passes `caltrace check` and holds at least as many
# entries as before the kill (nothing committed is lost); in the end it
# converges on the lab's digest. Short by default (5 kills of a 20,000-entry
# catch-up); CT_KILL_CAMPAIGN=long makes it 100 kills of 200,000 entries, for
# a run by hand. CT_TEST_SEED fixes the moments (the seed is printed).
# reuses node_lib.bash (homes, nodes, waits) as node_kill_catchup.sh does.
. "$(dirname "$0")/node_lib.bash"
NICE=10

if [ "${CT_KILL_CAMPAIGN:-short}" = long ]; then
	KILLS=${CT_KILLS:-100}
	N=${CT_CATCHUP_ENTRIES:-200000}
else
	KILLS=${CT_KILLS:-5}
	N=${CT_CATCHUP_ENTRIES:-20000}
fi
SEED=${CT_TEST_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
log "seed $SEED (CT_TEST_SEED=$SEED to repeat), $KILLS kills, $N entries"

BUREAU=bureau
bureau bureau 0
lab lab 1 city
new_home fresh 2
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

before=0
mid=0 # kills that landed before the node had caught up
for ((k = 1; k <= KILLS; k++)); do
	start fresh
	# a random moment: 0.05 to 2.00 s after the node's socket is up
	ms=$((50 + RANDOM % 1951))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	killnode fresh
	got=$(entries fresh)
	[ -n "$got" ] || fail "kill $k: cannot read the store"
	[ "$got" -ge "$before" ] || fail "kill $k: $got entries after the kill, $before before: entries lost"
	check_store fresh
	[ "$got" -lt "$total" ] && mid=$((mid + 1))
	log "kill $k after ${ms} ms: $got of $total entries, store check ok"
	before=$got
done
start fresh
wait_until 300 same_digest lab fresh || fail "the node did not converge ($(entries fresh) of $total)"
stop fresh
stop lab
out=$(nice -n $NICE "$CT" --home "$WORK/fresh" check) || fail "the store check failed: $out"
[ "$out" = "ok: $total entries checked" ] || fail "check: $out"
log "ok: $KILLS kills ($mid before the catch-up ended), converged, seed $SEED"
