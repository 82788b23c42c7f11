#!/usr/bin/env bash
# The issue's done-when: the bureau's home and a lab's; the bureau admits
# the lab; each writes events (every event type, through the CLI); each
# exports and the other imports; both print the same digest. Then the
# JSON outputs are checked field by field, and the export is verified by
# tests/integration/ctstream.py, written from docs/FORMAT.md alone.
source "$(dirname "$0")/common.bash"

bureau=$(new_home bureau)
lab=$(new_home lab)
inspector=$(new_home inspector)
[ ${#bureau} = 64 ] && [ ${#lab} = 64 ] || fail "init does not print a 64-hex-digit key"
same "$(ct --home lab key)" "$lab" "key prints the init key"

B() { ct --home bureau "$@"; }
Lb() { ct --home lab "$@"; }
hash_of() { awk '{print $NF}' "$1"; } # "type #seq HASH"

# --- the bureau founds the network --------------------------------------
B genesis --network "Test City" --district north,south --district east --min-ratio 4 --grace-days 7 >out
has out "network.genesis #1"
B admit "$lab" --name "City institute" --tier city --district north --scope mass,pressure \
	--from 2026-01-01 --until 2030-12-31 >out
has out "org.admit #2"
B admit "$inspector" --name "Inspector" --tier inspector --scope mass --until 2027-01-01 >/dev/null
B revoke-org "$inspector" --effective 2026-02-01 --reason "left the service" >/dev/null
B certify-person P-001 --name "Li Wei" --scope mass --until 2029-01-01 >/dev/null
B catalogue-set scale-trade --name "trade scale" --mode V --interval-days 365 --domains trade,safety \
	--effective 2026-01-01 >/dev/null
B export -o b1.ct 2>/dev/null

# --- the lab joins, registers its standards and instruments --------------
Lb import b1.ct 2>out
has out "6 entries read" "6 new"
Lb standard register S-M1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2 >/dev/null
Lb standard register S-W1 --name "F1 weights" --category mass --level working --u-abs 0.5 --unit mg \
	--range "1 g-10 kg" >/dev/null
Lb instrument register SC-1 --category mass --district north --owner "Market 1" --catalogue scale-trade \
	--domain trade --mpe-rel-ppm 1000 --model X1 --serial 42 >/dev/null
Lb instrument register SC-2 --category mass --district south --owner "Shop 2" --mpe-abs 0.1 --unit g >/dev/null
Lb export -o l1.ct 2>/dev/null

# --- the bureau approves and anchors the municipal standard --------------
B import l1.ct 2>/dev/null
printf 'provincial certificate PI-2026-7\n' >anchor.pdf
B standard approve S-M1 --certificate "[2026]A-1" --from 2026-01-01 --until 2030-01-01 >/dev/null
B standard anchor S-M1 --provider "Provincial institute" --certificate PI-2026-7 --performed 2026-01-10 \
	--until 2027-01-10 --u-rel-ppm 1 --document anchor.pdf >anchor.out
anchor_hash=$(hash_of anchor.out)
B export -o b2.ct 2>/dev/null

# --- the lab calibrates, revokes, declares out of tolerance, retires -----
Lb import b2.ct 2>/dev/null
Lb calibrate S-W1 --subject-kind standard --standard S-M1 --kind calibration --performed 2026-01-20 \
	--valid-until 2027-01-20 --result pass --certificate C-W1 >calw.out
calw=$(hash_of calw.out)
printf '%%PDF-1.4 verification certificate V-1\n' >cert.pdf
Lb calibrate SC-1 --standard S-W1 --kind verification --performed 2026-02-01 --valid-until 2027-01-31 \
	--result pass --certificate V-1 --technician P-001 --document cert.pdf --as-found in --json >cal1.json
Lb calibrate SC-2 --standard S-M1 --kind calibration --performed 2026-02-02 --valid-until 2027-02-01 \
	--result limited --certificate K-2 >cal2.out
cal2=$(hash_of cal2.out)
Lb revoke-cal "$cal2" --reason "wrong instrument" >/dev/null
Lb standard oot S-W1 --since 2026-02-15 --reason "drift at intermediate check" >/dev/null
Lb instrument retire SC-2 --effective 2026-02-20 >/dev/null

# --- exchange, both ways; the same digest ---------------------------------
Lb export -o l2.ct 2>/dev/null
B export -o b3.ct 2>/dev/null
B import l2.ct 2>/dev/null
Lb import b3.ct 2>/dev/null
db=$(B digest)
dl=$(Lb digest)
same "$db" "$dl" "the two homes' digests"
B check >out
has out "ok: 18 entries checked"
Lb check >out
has out "ok: 18 entries checked"
B digest --json >digest.json
pyjson digest.json "j['digest'] == '$db' and j['feeds'] == 2 and j['entries'] == 18"

# --- JSON output ------------------------------------------------------------
cal1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' cal1.json)
pyjson cal1.json "j['type'] == 'calibration' and j['seq'] == 6"
B show "$cal1" --json >show.json
doc_hash=$(sha256sum cert.pdf | cut -d' ' -f1)
pyjson show.json "j['hash'] == '$cal1' and j['author'] == '$lab' and j['seq'] == 6 and j['version'] == 1"
pyjson show.json "j['type'] == 'calibration' and j['time'] == '2026-03-01T10:00:00Z' and len(j['sig']) == 128"
pyjson show.json "len(j['prev']) == 64"
pyjson show.json "j['body']['subject'] == 'SC-1' and j['body']['subject_kind'] == 'instrument'"
pyjson show.json "j['body']['standards'] == [{'id': 'S-W1', 'cal': '$calw'}]"
pyjson show.json "j['body']['document'] == '$doc_hash' and j['body']['technician'] == 'P-001'"
pyjson show.json "j['body']['performed_at'] == '2026-02-01' and j['body']['valid_until'] == '2027-01-31'"
pyjson show.json "j['body']['as_found'] == 'in' and j['body']['result'] == 'pass' and j['body']['kind'] == 'verification'"
B show "$calw" --json >showw.json
pyjson showw.json "j['body']['subject_kind'] == 'standard' and j['body']['standards'][0]['cal'] == '$anchor_hash'"
B show "$anchor_hash" --json >showa.json
pyjson showa.json "j['body']['document'] == '$(sha256sum anchor.pdf | cut -d' ' -f1)' and j['body']['u'] == {'rel_ppm': 1}"
B show "$anchor_hash" >show.txt
has show.txt "type     standard.anchor" "provider" "Provincial institute"

Lb log --json >lablog.json
pyjson lablog.json "[e['seq'] for e in j] == list(range(1, 11))"
pyjson lablog.json "[e['type'] for e in j] == ['standard.register', 'standard.register', 'instrument.register', \
'instrument.register', 'calibration', 'calibration', 'calibration', 'calibration.revoke', \
'standard.out_of_tolerance', 'instrument.retire']"
pyjson lablog.json "all(e['author'] == '$lab' for e in j) and j[0]['prev'] is None"
pyjson lablog.json "all(j[i]['prev'] == j[i-1]['hash'] for i in range(1, len(j)))"
pyjson lablog.json "j[1]['body']['u'] == {'abs': '0.5', 'unit': 'mg'} and j[1]['body']['range'] == '1 g-10 kg'"
pyjson lablog.json "j[2]['body']['mpe'] == {'rel_ppm': 1000} and j[2]['body']['catalogue'] == 'scale-trade'"
pyjson lablog.json "j[3]['body']['mpe'] == {'abs': '0.1', 'unit': 'g'}"
pyjson lablog.json "j[7]['body'] == {'entry': '$cal2', 'reason': 'wrong instrument'}"
pyjson lablog.json "j[8]['body']['since'] == '2026-02-15' and j[9]['body'] == {'id': 'SC-2', 'effective': '2026-02-20'}"
B log "$bureau" --json >blog.json
pyjson blog.json "[e['type'] for e in j] == ['network.genesis', 'org.admit', 'org.admit', 'org.revoke', \
'person.certify', 'catalogue.set', 'standard.approve', 'standard.anchor']"
pyjson blog.json "j[0]['body'] == {'name': 'Test City', 'districts': ['north', 'south', 'east'], \
'policy': {'min_ratio': 4, 'grace_days': 7}}"
pyjson blog.json "j[1]['body']['key'] == '$lab' and j[1]['body']['scope'] == ['mass', 'pressure']"
pyjson blog.json "j[1]['body']['valid_from'] == '2026-01-01' and j[1]['body']['tier'] == 'city'"
pyjson blog.json "j[2]['body']['valid_from'] == '2026-03-01T10:00:00Z'" # --from defaults to now
pyjson blog.json "j[3]['body'] == {'key': '$inspector', 'effective': '2026-02-01', 'reason': 'left the service'}"
pyjson blog.json "j[5]['body']['domains'] == ['trade', 'safety'] and j[5]['body']['interval_days'] == 365"
Lb log --from 9 --limit 1 >log.txt
[ "$(wc -l <log.txt)" = 1 ] || fail "log --from 9 --limit 1 printed $(wc -l <log.txt) lines"
has log.txt "standard.out_of_tolerance" "S-W1"

# --- the export, checked without our code -----------------------------------
B export -o all.ct 2>/dev/null
read -r n digest < <(python3 "$ctstream" verify all.ct) || fail "ctstream.py refuses the export"
same "$n" 18 "entries ctstream.py verified"
same "$digest" "$db" "the digest ctstream.py computes from the export"
python3 "$ctstream" split all.ct >split.txt
first_author=$(awk 'NR == 1 {print $4}' split.txt)
same "$first_author" "$bureau" "the export's first feed"
# A signature the bare cofactorless equation takes and libsodium refuses
# (docs/FORMAT.md section 3): the identity as the key, R the identity,
# S = 0. ctstream.py must refuse it, with and without the cryptography package.
python3 - >forged.ct <<'PY'
import sys
identity = bytes([1]) + bytes(31)
entry = (bytes([0x98, 0x01, 0xc4, 0x20]) + identity + bytes([0x01, 0xc0, 0x00, 0xa4]) + b"note"
         + bytes([0x80, 0xc4, 0x40]) + identity + bytes(32))
sys.stdout.buffer.write(entry)
PY
for mode in "" --pure; do
	run_expect 1 out -- python3 "$ctstream" verify forged.ct $mode
	has out "entry 1 at byte 0: bad signature"
done
run_expect 2 out -- ct --home lab import forged.ct
# the page's list of small-order encodings is the one derived from the curve
awk '/^The small-order encodings/ {f = 1} f && /^```/ {if (++n == 2) exit; next} f && n == 1 {print $1}' \
	"$CT_SOURCE_DIR/docs/FORMAT.md" >doc-small.txt
python3 "$ctstream" small-order >curve-small.txt
[ "$(wc -l <doc-small.txt)" = 7 ] || fail "docs/FORMAT.md section 3 lists $(wc -l <doc-small.txt) small-order encodings"
cmp -s doc-small.txt curve-small.txt || fail "docs/FORMAT.md's small-order encodings differ from the curve's"
echo "ok: two homes, same digest $db"
