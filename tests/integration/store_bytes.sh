#!/usr/bin/env bash
# scripts/store_bytes.sh on a small home: its per-database counts are the store's (the entries
# database (log) holds as many records as `caltrace status` lists entries, the hash index's two parts one
# record per entry),
# the pages it lists plus the free and other pages are the file, and a missing home or a
# directory without a store is refused with a message.
source "$(dirname "$0")/common.bash"
command -v mdb_stat >/dev/null || fail "mdb_stat is missing (scripts/deps.sh installs lmdb-utils)"
sb="$CT_SOURCE_DIR/scripts/store_bytes.sh"

ct init home --name bureau >/dev/null 2>&1
ct --home home genesis --network Bytes --district A >/dev/null 2>&1
awk 'BEGIN { for (i = 1; i <= 3000; i++)
	printf "{\"type\":\"instrument.register\",\"id\":\"SB-%d\",\"category\":\"mass\",\"district\":\"A\",\"owner\":\"o\",\"mpe\":{\"rel_ppm\":1000}}\n", i }' >recs.ndjson
ct --home home import-records recs.ndjson >/dev/null 2>&1 || fail "import-records"
n=$(ct --home home status --json | python3 -c 'import json, sys; print(sum(f["size"] for f in json.load(sys.stdin)["feeds"]))')
[ "$n" -ge 3001 ] || fail "the home holds $n entries, expected at least 3001"

bash "$sb" home >out.txt || fail "store_bytes.sh failed: $(cat out.txt)"
row() { awk -v d="$1" '$1 == d { print $2 " " $3 }' out.txt; }
read -r ents _ <<<"$(row log)"
read -r hashes _ <<<"$(row hashes)"
read -r recent _ <<<"$(row hrecent)"
[ "$ents" = "$n" ] || fail "entries database (log): $ents records, status lists $n entries"
[ $((hashes + recent)) = "$n" ] || fail "hash index: $hashes + $recent (recent) records for $n entries"
pages=$(awk '$1 == "data.mdb" { print $3 }' out.txt)
psize=$(mdb_stat -e home/data | awk '/Page size:/ {print $3}')
[ $((pages * psize)) = "$(stat -c %s home/data/data.mdb)" ] || fail "the pages do not add up to the file"
listed=$(awk 'NR > 1 && $1 != "data.mdb" && $1 != "Main" { s += ($1 ~ /^\(/) ? $2 : $3 } $1 == "Main" { s += $4 } END { print s }' out.txt)
[ "$listed" = "$pages" ] || fail "databases, free and other pages add up to $listed, the file has $pages"

run_expect 2 none.out -- bash "$sb" nowhere
has none.out "no store at nowhere/data/data.mdb"
run_expect 2 usage.out -- bash "$sb"
has usage.out "scripts/store_bytes.sh HOME"
echo "store_bytes.sh: $n entries, $pages pages"
