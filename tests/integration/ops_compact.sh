#!/usr/bin/env bash
# Compacting a home (docs/OPERATIONS.md, "Compacting a home"). A lab's home whose
# databases took their records at random places (registrations of shuffled ids, a
# retirement of some, the network index folded, the bureau's feed replicated):
#  - `caltrace compact` is refused while another process has the store open, naming
#    why, and the store's records are unchanged (beside a running caltraced it asks the
#    node instead: node_compact.sh);
#  - with the node stopped, the file shrinks, and every database holds the same
#    records as before, read by lmdb-utils' own mdb_dump; digest, check, the network
#    index's root and an instrument's chain are unchanged; the file keeps its owner
#    and mode; the copy a crashed compaction left behind is gone;
#  - the node starts on the compacted store, takes a new entry, and the bureau
#    replicates it to the same digest;
#  - a copy that cannot be written (a file-size limit, as a full disk would) fails
#    naming the reason, leaves the store as it was, and leaves nothing behind.
. "$(dirname "$0")/node_lib.bash"
command -v mdb_dump >/dev/null || fail "lmdb-utils (mdb_dump) is needed"
SEED=${CT_SEED:-$((RANDOM * 32768 + RANDOM))}
log "seed $SEED (CT_SEED=$SEED repeats this run)"
N=6000

BUREAU=bureau
bureau bureau 0
lab lab 1 city
link bureau lab
ct bureau export -o "$WORK/bureau.ct" >/dev/null
ct lab import "$WORK/bureau.ct" >/dev/null
# ids in an order drawn from the seed, so that every index takes them at random places
awk -v n=$N -v seed="$SEED" 'BEGIN { srand(seed); for (i = 1; i <= n; i++) id[i] = i
	for (i = n; i > 1; i--) { j = int(rand() * i) + 1; t = id[i]; id[i] = id[j]; id[j] = t }
	for (i = 1; i <= n; i++)
		printf "{\"type\":\"instrument.register\",\"id\":\"CP-%d\",\"category\":\"mass\",\"district\":\"North\",\"owner\":\"owner %d\",\"mpe\":{\"rel_ppm\":1000}}\n", id[i], id[i] % 89
	for (i = 1; i <= n; i += 7)
		printf "{\"type\":\"instrument.retire\",\"id\":\"CP-%d\",\"effective\":\"2026-02-12\"}\n", id[i] }' \
	>"$WORK/records.ndjson"
ct lab import-records "$WORK/records.ndjson" >/dev/null 2>&1 || fail "import-records"
ct lab index >/dev/null || fail "caltrace index"

dump() { mdb_dump -a "$WORK/$1/data" | grep -v '^mapsize='; } # every database, records in key order
state() { # NAME: what the store answers
	digest "$1"
	ct "$1" index | grep -v '^folded'
	ct "$1" chain CP-17 --at 2026-01-01 2>&1 || true
}

# another process with the store open (LMDB's read lock on lock.mdb, held by a tool): refused
hold_store lab
dump lab >"$WORK/before.dump"
size_before=$(stat -c %s "$WORK/lab/data/data.mdb")
out=$(ct lab compact 2>&1) && fail "compact ran beside a process that has the store open: $out"
[[ $out == *"open in another process"*"needs it alone"* ]] || fail "the refusal does not say why: $out"
dump lab | cmp -s - "$WORK/before.dump" || fail "a refused compact changed the store"
ls -d "$WORK"/lab/data/compact-* >/dev/null 2>&1 && fail "a refused compact left a copy behind"
release_store

state lab >"$WORK/state.before"
dump lab >"$WORK/before.dump"
# the store's owner and mode are the copy's: root compacting a node's home (owned by the
# node's user) must leave it a file that user can open (only root can give a file away)
if [ "$(id -u)" = 0 ]; then
	chown 4321:4322 "$WORK/lab/data/data.mdb"
	chmod 640 "$WORK/lab/data/data.mdb"
fi
owner_mode=$(stat -c '%u:%g %a' "$WORK/lab/data/data.mdb")
# what a compaction that crashed before its rename leaves: removed by the next
mkdir "$WORK/lab/data/compact-Crash1"
printf "half a copy" >"$WORK/lab/data/compact-Crash1/data.mdb"
out=$(ct lab compact) || fail "compact failed"
log "$out"
size_after=$(stat -c %s "$WORK/lab/data/data.mdb")
log "data.mdb: $size_before -> $size_after bytes"
[ "$size_after" -lt $((size_before * 9 / 10)) ] || fail "the file did not shrink by a tenth: $size_before -> $size_after"
dump lab | cmp -s - "$WORK/before.dump" || fail "the compacted store's records differ from the store's"
[ "$(stat -c '%u:%g %a' "$WORK/lab/data/data.mdb")" = "$owner_mode" ] ||
	fail "the compacted store's owner and mode are not the store's: $(stat -c '%u:%g %a' "$WORK/lab/data/data.mdb"), want $owner_mode"
state lab | cmp -s - "$WORK/state.before" || fail "the compacted store answers otherwise"
check_store lab
ls -d "$WORK"/lab/data/compact-* >/dev/null 2>&1 && fail "compact left its copy behind"

start lab
start bureau
write lab CP-NEW || fail "the lab cannot register after compaction"
wait_until 60 same_digest lab bureau || fail "the bureau did not converge with the compacted lab"
stop bureau
stop lab
check_store lab

# a copy that cannot be written: a file-size limit below the copy's size (SIGXFSZ ignored,
# so the write fails with EFBIG, as a full disk fails one with ENOSPC)
dump lab >"$WORK/before.dump"
sum=$(md5sum <"$WORK/lab/data/data.mdb")
limit=$((size_after / 2048)) # blocks of 1 KiB: half the store
out=$(trap '' XFSZ; ulimit -f $limit; "$CT" --home "$WORK/lab" compact 2>&1) && fail "compact wrote past the limit: $out"
log "$out"
[[ $out == *"cannot compact"*"full disk"*"nothing was changed"* ]] || fail "the failure does not name its reason: $out"
[ "$(md5sum <"$WORK/lab/data/data.mdb")" = "$sum" ] || fail "a failed compact changed the store's file"
dump lab | cmp -s - "$WORK/before.dump" || fail "a failed compact changed the store"
ls -d "$WORK"/lab/data/compact-* >/dev/null 2>&1 && fail "a failed compact left its copy behind"
check_store lab
log "ok"
