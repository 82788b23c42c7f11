#!/usr/bin/env bash
# import-records reads CSV (docs/IMPORT.md): examples/records/*.csv carry the
# same records as the *.ndjson files, so importing either set into homes with
# the examples' fixed keys must give byte-identical feeds (same digest, same
# log). Then the CSV rules one by one: quoting, line breaks in cells, BOM and
# CRLF, empty cells, --format, and every error naming its line.
source "$(dirname "$0")/common.bash"
: "${CT_ENTRYTOOL:?set CT_ENTRYTOOL to the ct_entrytool binary (ctest does)}"

examples="$CT_SOURCE_DIR/examples/records"
seed() { printf "$1%.0s" $(seq 32); }

# network EXT: imports every example of that format into EXT-bureau and EXT-lab
network() {
	local ext=$1 f type home other
	new_home "$ext-bureau" >/dev/null
	new_home "$ext-lab" >/dev/null
	"$CT_ENTRYTOOL" keyfile "$(seed 11)" "$ext-bureau"
	"$CT_ENTRYTOOL" keyfile "$(seed 22)" "$ext-lab"
	for f in "$examples"/*."$ext"; do
		type=$(basename "$f" ".$ext")
		type=${type#*-}
		case "$type" in
		network.* | org.* | person.* | catalogue.* | standard.approve | standard.anchor) home=$ext-bureau other=$ext-lab ;;
		*) home=$ext-lab other=$ext-bureau ;;
		esac
		if [ "$type" != network.genesis ]; then
			ct --home "$other" export -o "$other.ct" 2>/dev/null
			run_expect 0 sync.out -- ct --home "$home" import "$other.ct"
		fi
		run_expect 0 "$ext.$type.out" -- ct --home "$home" import-records "$f"
		has "$ext.$type.out" "records signed"
	done
	ct --home "$ext-bureau" export -o b.ct 2>/dev/null
	ct --home "$ext-lab" import b.ct >/dev/null 2>&1
}

csv_files=("$examples"/*.csv)
[ ${#csv_files[@]} = 15 ] || fail "expected one CSV example per event type (15), found ${#csv_files[@]}"
network ndjson
network csv
same "$(ct --home csv-lab digest)" "$(ct --home ndjson-lab digest)" "CSV and NDJSON examples give the same state"
ct --home csv-lab log --json >csv.log
ct --home ndjson-lab log --json >ndjson.log
cmp -s csv.log ndjson.log || fail "the lab's feed differs between the CSV and NDJSON imports"

# A fresh lab on the CSV network to try rows on.
ct --home csv-bureau export -o all.ct 2>/dev/null
ct --home csv-lab export -o lab.ct 2>/dev/null
new_home rows >/dev/null
"$CT_ENTRYTOOL" keyfile "$(seed 22)" rows
ct --home rows import all.ct >/dev/null 2>&1
ct --home rows import lab.ct >/dev/null 2>&1

# Quoted cells: a comma, doubled quotes, a line break; a BOM and CRLF line ends; empty cells left out.
printf '\xef\xbb\xbftype,time,id,category,district,owner,model,mpe.rel_ppm,mpe.abs,mpe.unit\r\n' >quoted.csv
printf 'instrument.register,2026-03-01T09:00:00Z,Q-1,mass,north,"Wang, ""Big"" Market",,1000,,\r\n' >>quoted.csv
printf '\r\n' >>quoted.csv
printf 'instrument.register,2026-03-01T09:01:00Z,Q-2,mass,south,"two\nlines",M-2,,0.5,g\r\n' >>quoted.csv
run_expect 0 quoted.out -- ct --home rows import-records quoted.csv
has quoted.out "2 records signed"
ct --home rows log --json >rows.log
pyjson rows.log "[e['body'] for e in j if e['type'] == 'instrument.register' and e['body']['id'] == 'Q-1'] == [{'id': 'Q-1', 'category': 'mass', 'district': 'north', 'owner': 'Wang, \"Big\" Market', 'mpe': {'rel_ppm': 1000}}]"
pyjson rows.log "[e['body'] for e in j if e['type'] == 'instrument.register' and e['body']['id'] == 'Q-2'] == [{'id': 'Q-2', 'category': 'mass', 'district': 'south', 'owner': 'two\nlines', 'model': 'M-2', 'mpe': {'abs': '0.5', 'unit': 'g'}}]"
pyjson rows.log "j[-1]['time'] == '2026-03-01T09:01:00Z'"

# --format: a .txt file read as CSV, standard input as CSV
printf 'type,time,id,effective\ninstrument.retire,2026-03-02T09:00:00Z,Q-2,2026-03-02\n' >retire.txt
run_expect 2 txt.out -- ct --home rows import-records retire.txt --dry-run
has txt.out "line 1: not a JSON object"
run_expect 0 fmt.out -- ct --home rows import-records retire.txt --format csv
has fmt.out "1 records signed"
printf 'type,id,effective\ninstrument.retire,Q-1,2026-03-03\n' | run_expect 0 stdin.out -- ct --home rows import-records - --format csv
has stdin.out "1 records signed"
run_expect 2 badfmt.out -- ct --home rows import-records retire.txt --format xml
has badfmt.out "--format expects ndjson or csv"

# bad CSV FILE MESSAGE...: the import fails (exit 2) naming each MESSAGE; nothing of the file is kept.
bad() {
	local file=$1
	shift
	local before after
	before=$(ct --home rows digest)
	run_expect 2 bad.out -- ct --home rows import-records "$file"
	has bad.out "$@"
	after=$(ct --home rows digest)
	same "$after" "$before" "a failed import of $file changed the store"
}
printf 'id,category\nX,mass\n' >notype.csv
bad notype.csv "the header has no 'type' column"
printf '' >empty.csv
bad empty.csv "no header line"
printf 'type,id,id\n' >twice.csv
bad twice.csv "column 'id' appears twice in the header"
printf 'type,,id\n' >noname.csv
bad noname.csv "line 1: column 2 of the header has no name"
printf 'type,id,effective\ninstrument.retire,Q-1\n' >short.csv
bad short.csv "line 2: 2 cells where the header has 3 columns"
printf 'type,id,effective,colour\ninstrument.retire,Q-1,2026-03-03,red\n' >unknown.csv
bad unknown.csv "line 2: column 'colour' is not a field of instrument.retire (leave the cell empty)"
printf 'type,item,name,mode,interval_days,domains,effective\ncatalogue.set,x,n,V,12x,trade,2026-01-01\n' >uint.csv
bad uint.csv "line 2: column 'interval_days': '12x' is not a non-negative integer"
printf 'type,id,name,category,level,public,u.rel_ppm\nstandard.register,S-9,n,mass,working,maybe,3\n' >bool.csv
bad bool.csv "line 2: column 'public': 'maybe' is not true or false"
printf 'type,id,name,category,level,public,u\nstandard.register,S-9,n,mass,working,false,3\n' >map.csv
bad map.csv "line 2: column 'u' is a map: give its parts as columns"
printf 'type,id,name.first\nstandard.register,S-9,n\n' >nested.csv
bad nested.csv "line 2: column 'name.first': standard.register has no quantity or policy field 'name'"
printf 'type,id,name,category,level,public,u.rel_ppm,u.colour\nstandard.register,S-9,n,mass,working,false,3,red\n' >part.csv
bad part.csv "line 2: standard.register: field 'u'"
printf 'type,id,owner\n\ninstrument.register,Q-3,"multi\nline\nowner\n' >unclosed.csv
bad unclosed.csv "line 3: a quoted cell is not closed before the end of the input"
# a record after a multi-line cell is numbered by the line it starts on
printf 'type,time,id,since,reason\nstandard.out_of_tolerance,2026-03-04,EC-MASS-F1,2026-03-01,"drifted:\nsee the log"\ninstrument.recycle,,Q-1,,\n' >lines.csv
run_expect 2 lines.out -- ct --home rows import-records lines.csv --dry-run
has lines.out "line 4: unknown type 'instrument.recycle'" "the 1 records before the bad line were valid"
printf 'type,time,id,effective\n,2026-03-03,Q-1,2026-03-03\n' >notype2.csv
bad notype2.csv 'line 2: no "type"'
echo "ok: CSV records import like their NDJSON twins; every CSV error names its line"
