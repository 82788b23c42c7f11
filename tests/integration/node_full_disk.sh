#!/usr/bin/env bash
# A full disk, simulated by a small map: a fresh node whose store may grow to
# only 6 MiB (map_max in its config) catches up a lab's feed that needs far
# more. When the map fills it logs one clear error naming the problem and
# what to do, stops fetching (no spinning: little CPU, no stream of log
# lines), and keeps serving what it holds: its control socket answers,
# `caltrace chain` reads its home, another node fetches from it, and the
# count stays put. It stops cleanly, its store passes `caltrace check`, and
# restarted with a larger map (--map-max) it resumes and converges.
. "$(dirname "$0")/node_lib.bash"
NICE=10

N=${CT_CATCHUP_ENTRIES:-20000}
BUREAU=bureau
bureau bureau 0
lab lab 1 city
new_home fresh 2
new_home reader 3
echo "map_max = 6M" >>"$WORK/fresh/config"
ct bureau export -o "$WORK/bureau.ct" 2>/dev/null
ct lab import "$WORK/bureau.ct" >/dev/null 2>&1
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"type\":\"instrument.register\",\"id\":\"WM-%d\",\"category\":\"mass\",\"district\":\"North\",\"owner\":\"market %d\",\"mpe\":{\"rel_ppm\":1000}}\n", i, i % 97 }' \
	>"$WORK/records.ndjson"
log "signing $N records into the lab's feed"
nice -n $NICE "$CT" --home "$WORK/lab" import-records "$WORK/records.ndjson" 2>/dev/null
total=$((N + 2))
link fresh lab
link reader fresh
start lab
start fresh
logged fresh "grows to at most 6 MiB" || fail "the node did not take map_max from its config"

log "catching up into a 12 MiB map"
full() { logged fresh "the store is full"; }
wait_until 120 full || fail "no store-full error logged ($(entries fresh) of $total entries held)"
grep -E "the store is full" "$WORK/fresh.log" | head -n 1 >&2
line=$(grep -E "the store is full" "$WORK/fresh.log" | head -n 1)
for want in "map" "map_max" "--map-max" "free disk space" "keeps serving"; do
	[[ $line == *"$want"* ]] || fail "the store-full error does not say '$want': $line"
done

# Entries already fetched and checked may still be written after the error when they fit;
# then nothing more comes. It holds part of the feed, keeps it, and serves it.
settled() {
	local a b
	a=$(entries fresh)
	sleep 1
	b=$(entries fresh)
	[ -n "$a" ] && [ "$a" = "$b" ]
}
wait_until 30 settled || fail "the full node's count keeps changing ($(entries fresh))"
held=$(entries fresh)
[ "$held" -gt 2 ] && [ "$held" -lt "$total" ] || fail "held $held of $total: the map did not fill mid-catch-up"
running fresh || fail "the full node's control socket does not answer"
out=$(ct fresh chain WM-1 2>&1) && rc=0 || rc=$?
[ $rc -ne 2 ] && [[ $out == *WM-1* ]] || fail "caltrace chain on the full node's home: exit $rc: $out"
start reader
wait_until 60 same_digest fresh reader || fail "the reader did not get what the full node holds"

# Not spinning: over 3 s, little CPU and no new errors.
cpu() { awk '{ print $14 + $15 }' "/proc/${PID[fresh]}/stat"; }
errors() { grep -c "level=error" "$WORK/fresh.log"; }
c0=$(cpu)
e0=$(errors)
sleep 3
c1=$(cpu)
e1=$(errors)
hz=$(getconf CLK_TCK)
log "while full: $((c1 - c0)) ticks of CPU (of $((3 * hz)) in 3 s), $((e1 - e0)) new error lines"
[ $((c1 - c0)) -lt $((hz * SCALE / 2)) ] || fail "the full node is busy: $((c1 - c0)) ticks in 3 s"
[ $((e1 - e0)) -le 1 ] || fail "the full node keeps logging errors: $((e1 - e0)) in 3 s"
[ "$(entries fresh)" = "$held" ] || fail "held $held, now $(entries fresh): the count moved while full"

stop reader
stop fresh
check_store fresh
[ "$(entries fresh)" = "$held" ] || fail "held $held before the stop, $(entries fresh) after"

log "restarting with --map-max 256M"
start fresh --map-max 256M
logged fresh "grows to at most 256 MiB" || fail "--map-max was not taken"
wait_until 120 same_digest lab fresh || fail "the node did not resume ($(entries fresh) of $total)"
stop fresh
stop lab
out=$(ct fresh check) || fail "the store check failed: $out"
[ "$(head -n1 <<<"$out")" = "ok: $total entries checked" ] || fail "check: $out"
grep -q "^ok: the instrument summary agrees with the entries of" <<<"$out" || fail "check (summary): $out"
log "ok: full at $held of $total entries, resumed and converged with a larger map"
