#!/usr/bin/env bash
# Two halves of a network (bureau + city | d1 + d2) joined by one link.
# The link is cut (the city drops d1 from its peers while running); both
# halves keep writing and diverge; the link is restored (peers add, no
# restart): every node converges to the same digest.
. "$(dirname "$0")/node_lib.bash"

BUREAU=bureau
bureau bureau 0
lab city 1 city
lab d1 2 district
lab d2 3 district
link bureau city
link d1 d2
link city d1 # the bridge
all=(bureau city d1 d2)
for n in "${all[@]}"; do start "$n"; done
for n in "${all[@]}"; do wait_until 60 write "$n" "$n-before" || fail "$n could not write"; done
wait_until 60 same_digest "${all[@]}" || fail "did not converge before the split"

log "split"
ct city peers remove "${KEY[d1]}" 2>/dev/null
ct d1 peers remove "${KEY[city]}" 2>/dev/null
wait_until 20 logged city "${KEY[d1]:0:8}.*removed from the config" || fail "the city kept d1"
for r in 1 2 3; do
	for n in "${all[@]}"; do write "$n" "$n-split-$r" || fail "$n could not write during the split"; done
done
wait_until 30 same_digest bureau city || fail "the first half did not converge"
wait_until 30 same_digest d1 d2 || fail "the second half did not converge"
[ "$(digest city)" != "$(digest d1)" ] || fail "the halves did not diverge: the split did not hold"

log "heal"
link city d1
wait_until 60 same_digest "${all[@]}" || fail "did not converge after the heal"
# every node holds every entry: genesis, 3 admissions, 4 events x 4 nodes
[ "$(entries d2)" = $((1 + 3 + 4 * 4)) ] || fail "d2 holds $(entries d2) entries"
for n in "${all[@]}"; do stop "$n"; done
for n in "${all[@]}"; do check_store "$n"; done
log "ok"
