#!/usr/bin/env bash
# A SIGKILL campaign: a fresh node catching up a lab's feed is killed with
# SIGKILL at seeded random moments of its catch-up, and restarted after each.
#
# First one uninterrupted catch-up of the same feed is timed: from the node's
# control socket being bound to its holding the whole feed (T ms). Then every
# kill comes at a moment drawn uniformly in [0, T] after the restarted node's
# socket is bound. After every kill its store passes `caltrace check` and holds
# at least as many entries as before the kill (nothing committed is lost);
# a kill that finds the catch-up finished ends a round, and the next round
# starts again from an empty store, so that the kills keep landing in
# catch-ups. Each kill's line shows how many entries the node held; the last
# line sums them up (how many kills landed mid-catch-up, min/median/max
# entries held). In the end the node converges on the lab's digest and stops
# cleanly on SIGTERM.
#
# Short by default (4 kills of a 20,000-entry catch-up, seconds);
# CT_KILL_CAMPAIGN=long makes it 100 kills of 50,000 entries, for a run by
# hand (CT_KILLS and CT_CATCHUP_ENTRIES override either). CT_TEST_SEED
# repeats the draws (the seed is printed; the moments are fractions of the
# measured T, so a repeat on another machine kills at the same fractions).
. "$(dirname "$0")/node_lib.bash"
NICE=10

if [ "${CT_KILL_CAMPAIGN:-short}" = long ]; then
	KILLS=${CT_KILLS:-100}
	N=${CT_CATCHUP_ENTRIES:-50000}
else
	KILLS=${CT_KILLS:-4}
	N=${CT_CATCHUP_ENTRIES:-20000}
fi
SEED=${CT_TEST_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
log "seed $SEED (CT_TEST_SEED=$SEED to repeat), $KILLS kills, $N entries"
began=$SECONDS

BUREAU=bureau
bureau bureau 0
lab lab 1 city
new_home fresh 2
cp -a "$WORK/fresh/data" "$WORK/fresh.empty" # the store as `caltrace init` made it
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

now_ms() { echo $(($(date +%s%N) / 1000000)); }
caught_up() { [ "$(entries fresh)" = "$total" ]; }
# start_fresh: starts the fresh node and returns the moment its control socket
# is bound (to a few ms: the stale socket file a SIGKILL leaves is removed
# first, and the file is polled closely), which node_lib's start, polling
# `caltrace status` every 0.25 s, would blur on a catch-up this short.
start_fresh() {
	local deadline=$((SECONDS + 10 * SCALE))
	rm -f "$WORK/fresh/caltraced.sock"
	nice -n "$NICE" "$CTD" --home "$WORK/fresh" 2>>"$WORK/fresh.log" &
	PID[fresh]=$!
	until [ -S "$WORK/fresh/caltraced.sock" ]; do
		[ $SECONDS -lt $deadline ] || fail "fresh did not start"
		sleep 0.002
	done
}
# wait_caught_up SECONDS: polls the store's count every 20 ms (closer would take
# the CPU from the node it times)
wait_caught_up() {
	local deadline=$((SECONDS + $1 * SCALE))
	until caught_up; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.02
	done
}
empty_store() {
	rm -rf "$WORK/fresh/data"
	cp -a "$WORK/fresh.empty" "$WORK/fresh/data"
}

# The uninterrupted catch-up, timed.
start_fresh
t0=$(now_ms)
wait_caught_up 600 || fail "the timed catch-up did not finish ($(entries fresh) of $total)"
T=$(($(now_ms) - t0))
stop fresh
same_digest lab fresh || fail "the timed catch-up ended on another digest than the lab's"
log "one uninterrupted catch-up of $total entries: $T ms (from the control socket's bind)"
empty_store

before=0
round=1
held=() # entries held at each kill
mid=0   # kills that landed before the node had caught up
zero=0 # kills that came before the first entry arrived
for ((k = 1; k <= KILLS; k++)); do
	start_fresh
	ms=$(((RANDOM * 32768 + RANDOM) % (T + 1)))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	killnode fresh
	got=$(entries fresh)
	[ -n "$got" ] || fail "kill $k: cannot read the store"
	[ "$got" -ge "$before" ] || fail "kill $k: $got entries after the kill, $before before: entries lost"
	check_store fresh
	held+=("$got")
	if [ "$got" -lt "$total" ]; then
		[ "$got" -gt 0 ] || zero=$((zero + 1))
		mid=$((mid + 1))
		log "kill $k (round $round) at $ms of $T ms: held $got of $total entries, store check ok"
		before=$got
	else
		log "kill $k (round $round) at $ms of $T ms: caught up already ($got), store check ok; next round from an empty store"
		empty_store
		before=0
		round=$((round + 1))
	fi
done
start fresh
wait_until 300 same_digest lab fresh || fail "the node did not converge ($(entries fresh) of $total)"
stop fresh
stop lab
out=$(nice -n $NICE "$CT" --home "$WORK/fresh" check) || fail "the store check failed: $out"
[ "$(head -n1 <<<"$out")" = "ok: $total entries checked" ] || fail "check: $out"
grep -q "^ok: the instrument summary agrees with the entries of" <<<"$out" || fail "check (summary): $out"
sorted=$(printf '%s\n' "${held[@]}" | sort -n)
min=$(echo "$sorted" | head -n 1)
max=$(echo "$sorted" | tail -n 1)
median=$(echo "$sorted" | sed -n "$(((KILLS + 1) / 2))p")
log "ok: seed $SEED, $KILLS kills of a $total-entry catch-up (T $T ms), $mid mid-catch-up ($zero of them before the first entry)," \
	"entries held at the kill min $min / median $median / max $max, $round rounds, converged, $((SECONDS - began)) s"
