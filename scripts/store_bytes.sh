#!/usr/bin/env bash
# Where a node's disk goes: for each LMDB database of a home's store, its pages (branch, leaf,
# overflow), their bytes, and bytes per stored entry; then the file's free pages and the pages
# no database's count holds ("other": LMDB's own, and the sub-trees of long duplicate lists in
# the DUPSORT databases, subjects, uses, ..., which mdb_stat does not count). Reads the store
# read-only with Debian's mdb_stat (lmdb-utils), also beside a running caltraced
# (docs/PERFORMANCE.md, "Storage: where the bytes go").
#
#   scripts/store_bytes.sh HOME
set -euo pipefail
[ $# -eq 1 ] || {
	sed -n '2,9p' "$0" >&2
	exit 2
}
data=$1/data
[ -f "$data/data.mdb" ] || {
	echo "store_bytes: no store at $data/data.mdb (is $1 a caltrace home?)" >&2
	exit 2
}
command -v mdb_stat >/dev/null || {
	echo "store_bytes: mdb_stat is missing (apt-get install lmdb-utils)" >&2
	exit 2
}
psize=$(mdb_stat -e "$data" | awk '/Page size:/ {print $3}')
fsize=$(stat -c %s "$data/data.mdb")
mdb_stat -a -f "$data" | awk -v psize="$psize" -v fsize="$fsize" '
/^Freelist Status/ {fl = 1}
fl && /Free pages:/ {free = $3}
/^Status of / {fl = 0; name = substr($0, 11); order[++n] = name}
/Branch pages:/ {br[name] = $3}
/Leaf pages:/ {lf[name] = $3}
/Overflow pages:/ {ov[name] = $3}
/Entries:/ && !fl {ent[name] = $2}
END {
	entries = ("log" in ent) ? ent["log"] : ent["entries"] # "entries" before store format 3
	if (entries == 0) entries = 1
	printf "%-12s %10s %10s %10s %12s\n", "database", "records", "pages", "MB", "per entry"
	for (i = 1; i <= n; i++) {
		d = order[i]
		pages = br[d] + lf[d] + ov[d]
		used += pages
		printf "%-12s %10d %10d %10.1f %10.0f B\n", d, ent[d], pages, pages * psize / 1e6,
		       pages * psize / entries
	}
	total = fsize / psize
	printf "%-12s %10s %10d %10.1f %10.0f B\n", "(free)", "", free, free * psize / 1e6, free * psize / entries
	printf "%-12s %10s %10d %10.1f %10.0f B\n", "(other)", "", total - used - free,
	       (total - used - free) * psize / 1e6, (total - used - free) * psize / entries
	printf "%-12s %10d %10d %10.1f %10.0f B\n", "data.mdb", entries, total, fsize / 1e6, fsize / entries
}'
