#!/usr/bin/env bash
# examples/records/*.ndjson (docs/IMPORT.md: one file per event type) imported
# in order into a fresh network: the bureau's records by the bureau, the labs'
# by the lab, the two homes exchanging exports before each file. The homes use
# the examples' fixed keys, so the examples' keys and hashes must hold.
source "$(dirname "$0")/common.bash"
: "${CT_ENTRYTOOL:?set CT_ENTRYTOOL to the ct_entrytool binary (ctest does)}"

examples="$CT_SOURCE_DIR/examples/records"
seed() { printf "$1%.0s" $(seq 32); }
new_home bureau >/dev/null
new_home lab >/dev/null
"$CT_ENTRYTOOL" keyfile "$(seed 11)" bureau
"$CT_ENTRYTOOL" keyfile "$(seed 22)" lab

sync_into() { # sync_into HOME FROM: HOME imports FROM's export
	ct --home "$2" export -o "$2.ct" 2>/dev/null
	run_expect 0 sync.out -- ct --home "$1" import "$2.ct"
}

files=("$examples"/*.ndjson)
[ ${#files[@]} = 15 ] || fail "expected one example file per event type (15), found ${#files[@]}"
types_seen=()
for f in "${files[@]}"; do
	type=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["type"])' "$f")
	case "$type" in
	network.* | org.* | person.* | catalogue.* | standard.approve | standard.anchor) home=bureau other=lab ;;
	*) home=lab other=bureau ;;
	esac
	# every line of a file is of the type its name says
	python3 - "$f" "$type" <<'PY' || fail "$f mixes types or its name is not its type"
import json, os, sys
path, want = sys.argv[1], sys.argv[2]
assert os.path.basename(path).split("-", 1)[1] == want + ".ndjson"
assert all(json.loads(l)["type"] == want for l in open(path) if l.strip())
PY
	[ "$type" = network.genesis ] || sync_into "$home" "$other"
	run_expect 0 "$type.out" -- ct --home "$home" import-records "$f"
	has "$type.out" "records signed"
	types_seen+=("$type")
done
sync_into lab bureau
sync_into bureau lab
same "$(ct --home bureau digest)" "$(ct --home lab digest)" "digests after the examples"
run_expect 0 check.out -- ct --home lab check
has check.out "ok: 21 entries checked"
[ "$(printf '%s\n' "${types_seen[@]}" | sort -u | wc -l)" = 15 ] || fail "not every event type has an example"

# what import-records resolved: subject_kind and each standard's cal link
ct --home lab log --json >lablog.json
ct --home bureau log "$(ct --home bureau key)" --json >blog.json
anchor=$(python3 -c 'import json,sys; print([e["hash"] for e in json.load(open(sys.argv[1])) if e["type"] == "standard.anchor"][0])' blog.json)
pyjson lablog.json "[e['body'].get('subject_kind') for e in j if e['type'] == 'calibration'] == ['standard', 'instrument', 'instrument']"
pyjson lablog.json "[e for e in j if e['type'] == 'calibration'][0]['body']['standards'] == [{'id': 'EC-MASS-E2', 'cal': '$anchor'}]"
pyjson lablog.json "[e for e in j if e['type'] == 'calibration'][1]['body']['standards'][0]['cal'] == [e for e in j if e['type'] == 'calibration'][0]['hash']"
pyjson lablog.json "[e for e in j if e['type'] == 'calibration.revoke'][0]['body']['entry'] == [e for e in j if e['type'] == 'calibration'][2]['hash']"
pyjson lablog.json "j[0]['time'] == '2026-01-05T09:00:00Z'"
# the rekey example closes the lab's old feed where it ends: at its tenth entry
pyjson lablog.json "len(j) == 10"
pyjson blog.json "[e['body']['closed_at'] for e in j if e['type'] == 'org.rekey'] == [10]"
echo "ok: every example imported"
