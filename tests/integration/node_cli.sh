#!/usr/bin/env bash
# The CLI beside a running node: status shows peers, lag and heads; a peer
# added with `caltrace peers add` is dialed without a restart; a lab
# restored from an old backup learns from its peer that its own feed is
# longer, refuses to append (saying why) until it fetched the rest, and
# never forks itself.
. "$(dirname "$0")/node_lib.bash"

BUREAU=bureau
bureau bureau 0
lab lab 1 city
link bureau lab
start bureau
start lab
wait_until 60 write lab first || fail "the lab could not write"
wait_until 30 same_digest bureau lab || fail "did not converge"

# status: text and JSON
out=$(ct lab status)
[[ $out == *"node     running"* ]] || fail "status: $out"
[[ $out == *"${KEY[bureau]:0:8}…@127.0.0.1:${PORT[bureau]}  up"* ]] || fail "status shows no bureau peer: $out"
json=$(ct lab status --json)
[[ $json == *'"appends_refused": false'* ]] || fail "status --json: $json"
[[ $json == *'"state": "up"'* ]] || fail "status --json shows no peer up"
[[ $json == *"\"digest\": \"$(digest lab)\""* ]] || fail "status --json has another digest"

# peers add on a running node: it dials at once
lab lab2 2 district
start lab2
ct lab2 peers add "${KEY[bureau]}@127.0.0.1:${PORT[bureau]}" 2>/dev/null
wait_until 30 same_digest bureau lab lab2 || fail "the added peer was not dialed"
logged lab2 "${KEY[bureau]:0:8}.*up \(dialed\)" || fail "lab2 did not dial the bureau"

# a backup of the lab, then 30,000 more entries in its feed, replicated to the bureau
stop lab
cp -r "$WORK/lab" "$WORK/labbak"
start lab
awk 'BEGIN { for (i = 1; i <= 30000; i++)
	printf "{\"type\":\"instrument.register\",\"id\":\"B-%d\",\"category\":\"mass\",\"district\":\"North\",\"owner\":\"o\",\"mpe\":{\"rel_ppm\":1000}}\n", i }' \
	>"$WORK/more.ndjson"
ct lab import-records "$WORK/more.ndjson" 2>/dev/null
wait_until 120 same_digest bureau lab || fail "the bureau did not get the lab's new entries"
stop lab

# the backup comes back (same key, another port): it must not write until it caught up. It
# fetches the 30,000 entries in about a quarter of a second, so it is killed as soon as its
# store records that its feed is longer (status --json, polled without pause), and the store
# alone must refuse; should the catch-up win that race, the attempt starts again from a fresh
# copy of the backup.
PORT[labbak]=$((BASE + 3))
sed -i "s/^listen = .*/listen = 127.0.0.1:${PORT[labbak]}/" "$WORK/labbak/config"
cp -r "$WORK/labbak" "$WORK/labbak0"
learnt="reports this node's own feed .* at 30001 entries"
refused() { ct labbak status --json 2>/dev/null | grep -q '"appends_refused": true'; }
in_time=false
for attempt in 1 2 3 4 5; do
	rm -rf "$WORK/labbak"
	cp -r "$WORK/labbak0" "$WORK/labbak"
	: >"$WORK/labbak.log"
	"$CTD" --home "$WORK/labbak" 2>>"$WORK/labbak.log" &
	PID[labbak]=$!
	deadline=$((SECONDS + 30 * SCALE))
	until refused || logged labbak "own feed caught up" || [ $SECONDS -ge $deadline ]; do :; done
	killnode labbak # stop it in the middle: the store alone must refuse
	logged labbak "$learnt" || fail "the restored lab never learnt its feed is longer"
	if refused; then # what the store says with no node running
		in_time=true
		break
	fi
	log "attempt $attempt: the restored lab caught up before it was stopped; again"
done
$in_time || fail "the restored lab caught up before it could be stopped, five times"
out=$(ct labbak instrument register too-early --category mass --district North --owner o --mpe-rel-ppm 5 2>&1) &&
	fail "the restored lab appended before catching up"
[[ $out == *"reported this node's own feed at 30001 entries"* ]] || fail "the refusal does not say why: $out"
logged labbak "reports this node's own feed .* at 30001 entries" || fail "the node did not log why"
start labbak
wait_until 120 same_digest bureau labbak || fail "the restored lab did not catch up"
logged labbak "own feed caught up to 30001 entries" || fail "no log line on catching up"
write labbak after-restore || fail "the caught-up lab still refuses to append"
wait_until 30 same_digest bureau labbak || fail "the new entry did not reach the bureau"
out=$(ct bureau status)
[[ $out != *"FORKED"* ]] || fail "the restored lab forked its feed"
for n in bureau lab2 labbak; do stop "$n"; done
check_store labbak
log "ok"
