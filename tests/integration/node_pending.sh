#!/usr/bin/env bash
# Entries of a lab arrive before the bureau's admission of it (the bureau's
# feed is long, the admission at its end): they wait in the pending area,
# and are applied when the admission arrives. The fresh node ends with the
# same digest as its peer and nothing pending.
. "$(dirname "$0")/node_lib.bash"

BUREAU=bureau
bureau bureau 0
awk 'BEGIN { for (i = 1; i <= 5000; i++)
	printf "{\"type\":\"catalogue.set\",\"item\":\"I-%d\",\"name\":\"item %d\",\"mode\":\"V\",\"interval_days\":365,\"domains\":[\"trade\"],\"effective\":\"2024-01-01\"}\n", i, i }' \
	>"$WORK/items.ndjson"
ct bureau import-records "$WORK/items.ndjson" 2>/dev/null
lab lab 1 city # admitted at the end of the bureau's feed
ct bureau export -o "$WORK/bureau.ct" 2>/dev/null
ct lab import "$WORK/bureau.ct" >/dev/null 2>&1
for i in 1 2 3; do write lab "lab-$i" || fail "the lab could not write"; done
new_home fresh 2
link fresh lab
start lab
start fresh
wait_until 120 same_digest lab fresh || fail "the fresh node did not converge"
logged fresh "3 entries of ${KEY[lab]:0:8}… wait for their author's admission" ||
	fail "the lab's entries did not wait for the admission (did they arrive after it?)"
ct fresh status | grep -q "^pending  0 entries" || fail "entries are left pending"
[ "$(entries fresh)" = $((1 + 5000 + 1 + 3)) ] || fail "fresh holds $(entries fresh) entries"
stop fresh
stop lab
check_store fresh
log "ok"
