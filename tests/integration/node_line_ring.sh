#!/usr/bin/env bash
# Seven nodes (the bureau, the city institute, five district institutes),
# first in a line, then closed into a ring, each writing its own events
# while they replicate: every node ends with the same digest, holding all
# seven feeds (entries relayed through up to six hops).
. "$(dirname "$0")/node_lib.bash"

names=(bureau city d1 d2 d3 d4 d5)
BUREAU=bureau
bureau bureau 0
lab city 1 city
for i in 1 2 3 4 5; do lab "d$i" $((i + 1)) district; done
# the line: neighbours list each other
for i in 0 1 2 3 4 5; do link "${names[$i]}" "${names[$((i + 1))]}"; done
for n in "${names[@]}"; do start "$n"; done

# Every node writes three events of its own (a lab once its admission has reached it).
round() {
	local r=$1
	for n in "${names[@]}"; do
		wait_until 60 write "$n" "$n-$r" || fail "$n could not write (admission never arrived?)"
	done
}
round 1
round 2
log "line: waiting for convergence"
wait_until 90 same_digest "${names[@]}" || fail "the line did not converge"
[ "$(feeds d5)" = 7 ] || fail "d5 holds $(feeds d5) feeds, not 7"
total=$(entries bureau)
# the bureau: genesis, 6 admissions, 2 items; each lab: 2 instruments
[ "$total" = $((1 + 6 + 2 + 6 * 2)) ] || fail "the bureau holds $total entries"
logged d5 "${KEY[d4]:0:8}.*: up " || fail "d5 never saw d4"

log "ring: d5 and the bureau list each other, the running nodes take it at once"
link d5 bureau
wait_until 20 logged bureau "${KEY[d5]:0:8}.*: up " || fail "d5 did not reach the bureau"
round 3
wait_until 90 same_digest "${names[@]}" || fail "the ring did not converge"
[ "$(entries d3)" = $((1 + 6 + 3 + 6 * 3)) ] || fail "d3 holds $(entries d3) entries"

# A CLI append reaches the neighbours within a second (times the sanitizer's slowness).
ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
write city city-live
want=$(digest city)
until [ "$(digest bureau)" = "$want" ] && [ "$(digest d1)" = "$want" ]; do
	[ $(($(ms) - t0)) -le $((1000 * SCALE)) ] || fail "a CLI append did not reach the city's peers within a second"
	sleep 0.05
done
log "a CLI append reached both neighbours in $(($(ms) - t0)) ms (the append included)"
wait_until 30 same_digest "${names[@]}" || fail "the live append did not spread"
for n in "${names[@]}"; do stop "$n"; done
for n in "${names[@]}"; do check_store "$n"; done
log "ok"
