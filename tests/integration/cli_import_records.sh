#!/usr/bin/env bash
# `caltrace import-records`: a bad line (malformed JSON, a body breaking its
# schema, an unknown type, a bad time, a calibration whose standard cannot be
# resolved) is refused naming its line number, and every line before it is
# kept; --dry-run writes nothing; then a timed bulk import of 50,000 records
# (instrument registrations and their calibrations; the rate is printed, not
# asserted).
source "$(dirname "$0")/common.bash"

bureau=$(new_home bureau)
lab=$(new_home lab)
ct --home bureau genesis --network "Test City" --district north >/dev/null
ct --home bureau admit "$lab" --name Lab --tier city --scope mass --from 2026-01-01 --until 2030-01-01 >/dev/null
ct --home lab import <(ct --home bureau export -o - 2>/dev/null) 2>/dev/null
ct --home lab standard register S-1 --name weights --category mass --level working --u-rel-ppm 5 >/dev/null
ct --home lab export -o lab.ct 2>/dev/null
ct --home bureau import lab.ct 2>/dev/null
ct --home bureau standard anchor S-1 --provider P --certificate C --performed 2026-01-01 --until 2027-01-01 \
	--u-rel-ppm 1 >/dev/null
ct --home lab import <(ct --home bureau export -o - 2>/dev/null) 2>/dev/null

reg() { printf '{"type":"instrument.register","id":"%s","category":"mass","district":"north","owner":"o","mpe":{"rel_ppm":1000}}\n' "$1"; }
cal() { printf '{"type":"calibration","subject":"%s","kind":"verification","standards":["%s"],"performed_at":"2026-02-01","valid_until":"2027-01-31","result":"pass","certificate":"V-%s"}\n' "$1" "$2" "$1"; }
lab_size() { ct --home lab log --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# imports FILE into a copy of the lab's home and checks: exit 2, the message, how many records were kept
bad_file() { # bad_file NAME KEPT TEXT...
	local name=$1 kept=$2 before
	shift 2
	rm -rf "home-$name"
	cp -a lab "home-$name"
	before=$(ct --home "home-$name" log --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	run_expect 2 "$name.out" -- ct --home "home-$name" import-records "$name.ndjson"
	has "$name.out" "$@"
	local after
	after=$(ct --home "home-$name" log --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	same "$((after - before))" "$kept" "$name: records kept before the bad line"
	run_expect 0 "$name.check" -- ct --home "home-$name" check
	echo "ok: $name: $(grep -m1 'line' "$name.out")"
}

{ reg A-1; reg A-2; echo; echo '{"type":"instrument.register","id":"A-3",'; reg A-4; } >malformed.ndjson
bad_file malformed 2 "line 4: not a JSON object" "the 2 records before the bad line were kept"

{ reg B-1; echo '{"type":"instrument.register","id":"B-2","category":"mass","district":"n","owner":"o","mpe":{"rel_ppm":"many"}}'; reg B-3; } >schema.ndjson
bad_file schema 1 "line 2: " "instrument.register: field 'mpe'"

{ reg C-1; reg C-2; echo '{"type":"instrument.register","id":"C-3","category":"mass","district":"n","owner":"o","mpe":{"rel_ppm":1},"colour":"red"}'; } >unknown-field.ndjson
bad_file unknown-field 2 "line 3: " "unknown field 'colour'"

{ reg D-1; echo '{"type":"instrument.recycle","id":"D-2"}'; } >unknown-type.ndjson
bad_file unknown-type 1 "line 2: unknown type 'instrument.recycle'"

{ reg E-1; echo '{"id":"E-2"}'; } >no-type.ndjson
bad_file no-type 1 "line 2: no \"type\""

{ reg F-1; echo '{"type":"instrument.retire","id":"F-1","effective":"2026-13-01"}'; } >bad-time.ndjson
bad_file bad-time 1 "line 2: " "effective"

{ reg G-1; echo '{"type":"instrument.retire","time":"yesterday","id":"G-1","effective":"2026-02-01"}'; } >bad-record-time.ndjson
bad_file bad-record-time 1 "line 2: \"time\" is not an ISO-8601 date"

{ reg H-1; cal H-1 S-1; cal H-1 S-none; } >unresolved.ndjson
bad_file unresolved 2 "line 3: cannot rely on standard 'S-none'"

{ reg J-1; echo '{"type":"calibration","subject":"J-1","kind":"verification","standards":["S-1"],"performed_at":"2025-06-01","valid_until":"2026-01-31","result":"pass","certificate":"V"}'; } >too-early.ndjson
bad_file too-early 1 "line 2: cannot rely on standard 'S-1'" "at or before 2025-06-01"

{ reg K-1; echo '{"type":"catalogue.set","item":"x","name":"x","mode":"V","interval_days":1,"domains":["trade"],"effective":0}'; } >bureau-only.ndjson
bad_file bureau-only 1 "line 2: only the bureau may write catalogue.set"

{ reg L-1; echo '["not", "an", "object"]'; } >array.ndjson
bad_file array 1 "line 2: not a JSON object: another JSON value"

# --dry-run checks every line and writes nothing
{ reg M-1; cal M-1 S-1; } >dry.ndjson
before=$(lab_size)
run_expect 0 dry.out -- ct --home lab import-records dry.ndjson --dry-run
same "$(lab_size)" "$before" "entries after --dry-run"

# standard input, and records without "time" take the (fixed) clock
reg N-1 | ct --home lab import-records - 2>/dev/null
ct --home lab log --json >log.json
pyjson log.json "j[-1]['body']['id'] == 'N-1' and j[-1]['time'] == '2026-03-01T10:00:00Z'"

# --- the bulk import: 25,000 instruments and a calibration of each ---------
count=${CT_IMPORT_RECORDS:-25000}
python3 - "$count" >bulk.ndjson <<'PY'
import json, sys
n = int(sys.argv[1])
for i in range(n):
    print(json.dumps({"type": "instrument.register", "id": "W-%06d" % i, "category": "mass",
                      "district": "north", "owner": "Owner %d" % (i % 97), "mpe": {"rel_ppm": 1000}},
                     separators=(",", ":")))
for i in range(n):
    print(json.dumps({"type": "calibration", "subject": "W-%06d" % i, "kind": "verification",
                      "standards": ["S-1"], "performed_at": "2026-02-01", "valid_until": "2027-01-31",
                      "result": "pass", "certificate": "V-%06d" % i}, separators=(",", ":")))
PY
before=$(lab_size)
start=$(date +%s.%N)
run_expect 0 bulk.out -- ct --home lab import-records bulk.ndjson
end=$(date +%s.%N)
same "$(($(lab_size) - before))" "$((2 * count))" "entries after the bulk import"
run_expect 0 bulk.check -- ct --home lab check
python3 -c 'import sys; n, s, e = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]); print("import-records: %d records in %.2f s: %.0f entries/s" % (n, e - s, n / (e - s)))' \
	"$((2 * count))" "$start" "$end"
