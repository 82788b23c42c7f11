#!/usr/bin/env bash
# caltraced compacts its own store when quiet (docs/OPERATIONS.md, "Compacting a home";
# node/compact.c). A lab's home whose indexes took shuffled ids, its node set to compact
# after 1 s without new entries and from 1 MiB:
#  - the node compacts the store it runs on: the file shrinks by a tenth at least, every
#    database holds the same records (lmdb-utils' mdb_dump, the node stopped), the store
#    answers the same (digest, network index, a chain), "compacted" holds the new size;
#  - the node goes on after it: it takes a new entry, the bureau replicates it to the
#    same digest; `caltrace compact` beside it asks it, and says what it did;
#  - beside caltrace serve on the same home: serve steps aside when asked, the node
#    compacts, serve answers from the compacted store, and sees what comes after;
#  - while another process has the store open and does not step aside, the node does
#    not compact, says why once (and `caltrace compact` says why too), and compacts
#    once that process is gone;
#  - 'compact = off' keeps a grown store as it is.
. "$(dirname "$0")/node_lib.bash"
command -v mdb_dump >/dev/null || fail "lmdb-utils (mdb_dump) is needed"
SEED=${CT_SEED:-$((RANDOM * 32768 + RANDOM))}
log "seed $SEED (CT_SEED=$SEED repeats this run)"
N=6000

records() { # FIRST COUNT: registrations of ids FIRST.. in an order drawn from the seed
	awk -v first="$1" -v n="$2" -v seed="$SEED" 'BEGIN { srand(seed + first)
		for (i = 1; i <= n; i++) id[i] = first + i * 7919 % n
		for (i = n; i > 1; i--) { j = int(rand() * i) + 1; t = id[i]; id[i] = id[j]; id[j] = t }
		for (i = 1; i <= n; i++)
			printf "{\"type\":\"instrument.register\",\"id\":\"CP-%d\",\"category\":\"mass\",\"district\":\"North\",\"owner\":\"owner %d\",\"mpe\":{\"rel_ppm\":1000}}\n", id[i], id[i] % 89 }'
}

BUREAU=bureau
bureau bureau 0
lab lab 1 city
link bureau lab
ct bureau export -o "$WORK/bureau.ct" >/dev/null
ct lab import "$WORK/bureau.ct" >/dev/null
records 1 $N >"$WORK/records.ndjson"
ct lab import-records "$WORK/records.ndjson" >/dev/null 2>&1 || fail "import-records"
ct lab index >/dev/null || fail "caltrace index"
printf 'compact_quiet = 1\ncompact_min = 1M\n' >>"$WORK/lab/config"

dump() { mdb_dump -a "$WORK/$1/data" | grep -v '^mapsize='; } # every database, records in key order
state() { # NAME: what the store answers
	digest "$1"
	ct "$1" index | grep -v '^folded'
	ct "$1" chain CP-17 --at 2026-01-01 2>&1 || true
}
size() { stat -c %s "$WORK/$1/data/data.mdb"; }
compactions() { grep -c 'compacted the store in' "$WORK/$1.log" || true; }

state lab >"$WORK/state.before"
dump lab >"$WORK/before.dump"
size_before=$(size lab)
[ -e "$WORK/lab/data/compacted" ] && fail "a store never compacted has a 'compacted' file"

# 1. compacted by its own node, once quiet
start lab
wait_until 30 logged lab 'compacted the store in' || fail "the node did not compact its store: $(cat "$WORK/lab.log")"
size_after=$(size lab)
log "data.mdb: $size_before -> $size_after bytes; $(grep 'compacted the store' "$WORK/lab.log")"
[ "$size_after" -lt $((size_before * 9 / 10)) ] || fail "the file did not shrink by a tenth: $size_before -> $size_after"
[ "$(cat "$WORK/lab/data/compacted")" = "$size_after" ] || fail "'compacted' says $(cat "$WORK/lab/data/compacted"), the file has $size_after"
state lab | cmp -s - "$WORK/state.before" || fail "the store answers otherwise after the node compacted it"
ls -d "$WORK"/lab/data/compact-* >/dev/null 2>&1 && fail "the compaction left its copy behind"
sleep 3
[ "$(compactions lab)" = 1 ] || fail "the node compacted again with nothing new: $(grep compact "$WORK/lab.log")"

# 2. the node goes on on the compacted store
start bureau
write lab CP-NEW || fail "the lab cannot register after its node compacted the store"
wait_until 60 same_digest lab bureau || fail "the bureau did not converge with the compacted lab"
# `caltrace compact` beside the running node asks it, whatever the store's growth
out=$(ct lab compact 2>&1) || fail "caltrace compact beside the running node failed: $out"
log "$out"
[[ $out == *"asked it to compact"*"by the running caltraced (reads held back"* ]] || fail "caltrace compact did not say the node compacted: $out"
[ "$(compactions lab)" = 2 ] || fail "the node did not compact when asked"
logged lab 'compacting the store: asked through the control socket' || fail "the node did not log the request"
stop bureau
stop lab
grep -q 'not compacted' "$WORK/lab.log" && fail "the node logged a failure: $(grep 'not compacted' "$WORK/lab.log")"
check_store lab

# 3. caltrace serve has the store open: asked, it steps aside, and answers from the compacted store
grow() { # FIRST: more registrations, then the store must have grown by a fifth since its last compaction
	records "$1" $((N * 2)) >"$WORK/more.ndjson"
	ct lab import-records "$WORK/more.ndjson" >/dev/null 2>&1 || fail "import-records ($1)"
	ct lab index >/dev/null || fail "caltrace index ($1)"
	grown=$(size lab)
	[ "$grown" -gt $(($(cat "$WORK/lab/data/compacted") * 12 / 10)) ] || fail "the store did not grow enough to test: $grown"
}
grow 100001
web_port=$((BASE + 9))
"$CT" --home "$WORK/lab" serve --listen "127.0.0.1:$web_port" 2>>"$WORK/serve.log" &
PID[serve]=$! # killed on exit, whatever happens
wait_until 10 port_busy "$web_port" || fail "caltrace serve did not start: $(cat "$WORK/serve.log")"
api() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web_port/api/v1/instruments/CP-100017"; }
[ "$(api)" = 200 ] || fail "caltrace serve does not answer before: $(api)"
start lab
wait_until 30 eval '[ "$(compactions lab)" = 3 ]' || fail "the node did not compact beside caltrace serve: $(tail -5 "$WORK/lab.log"; cat "$WORK/serve.log")"
log "beside serve: $(grep 'compacted the store' "$WORK/lab.log" | tail -1)"
grep -q 'stepped aside' "$WORK/serve.log" || fail "caltrace serve did not say it stepped aside: $(cat "$WORK/serve.log")"
[ "$(size lab)" -lt $((grown * 9 / 10)) ] || fail "the compaction beside serve did not shrink the store: $grown -> $(size lab)"
[ "$(api)" = 200 ] || fail "caltrace serve does not answer after the compaction: $(api)"
ct lab instrument register CP-AFTER --category mass --district North --owner o --mpe-rel-ppm 1000 >/dev/null 2>&1 ||
	fail "the lab cannot register after compacting beside serve"
wait_until 10 eval '[ "$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$web_port/api/v1/instruments/CP-AFTER")" = 200 ]' ||
	fail "caltrace serve does not see what the node stored after the compaction"
stop lab
kill "${PID[serve]}"
wait "${PID[serve]}" 2>/dev/null || true
unset "PID[serve]"
[ -e "$WORK/lab/data/compact.want" ] && fail "the request to step aside was left behind"

# 4. a process that has the store open and does not step aside (a lock on lock.mdb, as
#    LMDB takes it): refused, said once, the store unchanged; compacted once it is gone
grow 200001
hold_store lab
start lab
out=$(ct lab compact 2>&1) && fail "caltrace compact said the node compacted beside a holder: $out"
log "$out"
[[ $out == *"did not compact"*"another process has the store open and did not step aside"* ]] ||
	fail "caltrace compact does not say why the node did not compact: $out"
wait_until 40 logged lab 'not compacted: another process has it open and did not step aside' ||
	fail "the node did not say why it does not compact: $(tail -5 "$WORK/lab.log")"
[ "$(compactions lab)" = 3 ] || fail "the node compacted beside a process that has the store open"
[ "$(size lab)" -ge "$grown" ] || fail "the store shrank while another process had it open: $grown -> $(size lab)"
release_store
wait_until 60 eval '[ "$(compactions lab)" = 4 ]' || fail "the node did not compact once the other process was gone"
[ -e "$WORK/lab/data/compact.want" ] && fail "the node left its request to step aside behind"
[ "$(grep -c 'did not step aside' "$WORK/lab.log")" = 1 ] || fail "the refusal was logged more than once"
stop lab
check_store lab

# 5. compact = off: a grown store stays as it is
records 300001 $((N * 2)) >"$WORK/more2.ndjson"
ct lab import-records "$WORK/more2.ndjson" >/dev/null 2>&1 || fail "import-records (more2)"
echo 'compact = off' >>"$WORK/lab/config"
grown=$(size lab)
start lab
sleep 4
stop lab
[ "$(compactions lab)" = 4 ] || fail "the node compacted with compact = off"
[ "$(size lab)" -ge "$grown" ] || fail "the store shrank with compact = off: $grown -> $(size lab)"
log "ok"
