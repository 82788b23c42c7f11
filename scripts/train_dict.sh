#!/usr/bin/env bash
# Trains a dictionary for the compression of stored entries (docs/FORMAT.md, "Stored entries"):
#
#   scripts/train_dict.sh BUILD_DIR ID OUT
#
# runs a demo city of 30,000 instruments with seed 2 (not the default city's seed 1, so
# that the default demo's figures do not measure a dictionary trained on its own entries),
# takes 20,000 entries at random from the bureau's home, and trains a 16 KiB dictionary
# with zstd's fast COVER trainer, fixed parameters, numbered ID. Needs the zstd program
# (Debian: zstd) and python3.
#
# A dictionary is part of the store's format once a release writes with it: entries
# compressed with ID N need dictionary N for ever. A new dictionary takes a new ID, and
# the old ones stay in core/ledger/dict/.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 BUILD_DIR ID OUT" >&2; exit 2; }
build=$1 id=$2 out=$3
command -v zstd >/dev/null || { echo "$0: needs the zstd program (apt install zstd)" >&2; exit 1; }
work=$(mktemp -d)
trap '"$build/caltrace" demo --stop --dir "$work/city" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

"$build/caltrace" demo --instruments 30000 --seed 2 --dir "$work/city" --base-port 7700 >"$work/demo.log" 2>&1 ||
	{ tail -20 "$work/demo.log" >&2; exit 1; }
mdb_dump -s log "$work/city/labs/bureau/data" >"$work/log.dump"
mkdir "$work/samples"
python3 - "$work/log.dump" "$work/samples" <<'PY'
import random, sys
lines = open(sys.argv[1]).read().split('\n')
i = lines.index('HEADER=END') + 1
values = []
while i + 1 < len(lines) and lines[i] != 'DATA=END':
    values.append(bytes.fromhex(lines[i + 1].strip()))
    i += 2
random.seed(2)
random.shuffle(values)
for n, v in enumerate(values[:20000]):
    open('%s/%d' % (sys.argv[2], n), 'wb').write(v)
print('%d entries in the home, %d samples' % (len(values), min(len(values), 20000)), file=sys.stderr)
PY
zstd -q --train-fastcover=k=200,d=8,f=20,accel=1 -r "$work/samples" --maxdict=16384 --dictID="$id" -o "$out"
echo "wrote $out ($(stat -c %s "$out") bytes, ID $id)" >&2
