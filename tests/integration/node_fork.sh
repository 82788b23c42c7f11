#!/usr/bin/env bash
# An equivocating lab: its home is copied, and each copy signs a different
# third entry. The copies join the network at opposite ends
# (copy1 - bureau - city - copy2). Every node ends up holding the fork
# proof and marks the lab's feed forked (frozen); the lab itself refuses
# to append to its own feed from then on.
. "$(dirname "$0")/node_lib.bash"

BUREAU=bureau
bureau bureau 0
lab city 1 city
lab copy1 2 district
ct bureau export -o "$WORK/bureau.ct" 2>/dev/null
ct copy1 import "$WORK/bureau.ct" >/dev/null 2>&1
write copy1 first || fail "the lab could not write"
write copy1 second || fail "the lab could not write"
cp -r "$WORK/copy1" "$WORK/copy2"
KEY[copy2]=${KEY[copy1]}
PORT[copy2]=$((BASE + 3))
sed -i "s/^listen = .*/listen = 127.0.0.1:${PORT[copy2]}/" "$WORK/copy2/config"
write copy1 third-A || fail "copy1 could not write"
write copy2 third-B || fail "copy2 could not write"
[ "$(digest copy1)" != "$(digest copy2)" ] || fail "the copies did not diverge"

link copy1 bureau
link bureau city
link city copy2
all=(bureau city copy1 copy2)
for n in "${all[@]}"; do start "$n"; done
lab_key=${KEY[copy1]}
has_proof() { ct "$1" status | grep -q "^  ${lab_key:0:16}… signed two different entries at #3"; }
frozen() { ct "$1" status | grep -q "^  ${lab_key:0:16}….*FORKED"; }
for n in "${all[@]}"; do
	wait_until 60 has_proof "$n" || fail "$n does not hold the fork proof"
	frozen "$n" || fail "$n does not mark the lab's feed forked"
done
logged bureau "fork: ${lab_key:0:8}" || logged city "fork: ${lab_key:0:8}" || fail "no node logged the fork"
! write copy1 fourth || fail "the equivocating lab could still append"
out=$(ct copy1 instrument register late --category mass --district North --owner x --mpe-rel-ppm 5 2>&1) || true
[[ $out == *"recorded as forked"* ]] || fail "the refusal does not say why: $out"
# the honest feeds still replicate: the bureau writes, everyone gets it
write bureau after-fork || fail "the bureau could not write"
wait_until 30 same_digest bureau city || fail "bureau and city diverged"
for n in "${all[@]}"; do stop "$n"; done
for n in "${all[@]}"; do check_store "$n"; done
log "ok"
