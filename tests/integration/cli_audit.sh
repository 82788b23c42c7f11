#!/usr/bin/env bash
# `caltrace audit` finds a rewritten history. A lab's home is restored from
# an old backup and goes on writing other entries at the same seqs; the
# bureau had kept a checkpoint of the first history (received before the
# entries, so nothing could check it then) and later receives the second
# history's entries. audit must name the feed as rewritten and exit 1;
# before the second history arrived, and on the lab's consistent copy, it
# exits 0.
source "$(dirname "$0")/common.bash"

bureau=$(new_home bureau)
lab=$(new_home lab)
B() { ct --home bureau "$@"; }
L() { ct --home lab "$@"; }
L2() { ct --home lab2 "$@"; }

B genesis --network "Audit City" --district north >/dev/null
B admit "$lab" --name "City institute" --tier city --district north --scope mass \
	--from 2026-01-01 --until 2030-12-31 >/dev/null
B export -o b.ct 2>/dev/null
L import b.ct >/dev/null 2>&1
L standard register S-1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2 >/dev/null
L standard register S-2 --name "F1 weights" --category mass --level district --public --u-rel-ppm 20 >/dev/null

# the old backup: the same key, the history so far
cp -r lab lab2

# the first history goes on and signs a checkpoint at 3 entries
L standard register S-3 --name "M1 weights" --category mass --level working --u-rel-ppm 50 >/dev/null
L checkpoint --sign >a.cp || fail "checkpoint --sign on the lab"
has a.cp "$lab"
run_expect 0 out -- L audit
has out "consistent" "0 feeds rewritten"

# the bureau holds none of the lab's entries yet: it keeps the checkpoint unchecked
run_expect 0 out -- B witness a.cp
run_expect 0 out -- B audit
has out "0 feeds rewritten"

# the restored home writes other entries at seqs 3 and 4, and those reach the bureau
L2 standard register S-9 --name "Other weights" --category mass --level working --u-rel-ppm 60 >/dev/null
L2 standard register S-10 --name "More weights" --category mass --level working --u-rel-ppm 70 >/dev/null
L2 export -o lab2.ct 2>/dev/null
B import lab2.ct >/dev/null 2>&1 || true
run_expect 1 out -- B audit
has out "feed $lab: REWRITTEN" "contradicts the stored entries" "1 feed rewritten"
echo "ok: audit names the rewritten feed"
