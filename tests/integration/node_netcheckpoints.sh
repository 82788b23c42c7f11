#!/usr/bin/env bash
# Network checkpoints without anyone's hands (docs/CHECKPOINTS.md, "Network checkpoints"):
# three running nodes, each linked to the other two. First the bureau's home holds a lying
# network checkpoint of the state every node holds (an index root with one key fewer): the
# bureau's node hands it to its peers, and every witness refuses it, logs it and keeps the
# evidence. Then the nodes go on by themselves: the bureau's node signs network checkpoints of
# its state once it is quiet, every node recomputes the index from its own replica and cosigns;
# the note settles with both witnesses' cosignatures, the same on every node. A later entry
# brings a later network checkpoint, and an operator's `netcheckpoint --sign` one at once.
. "$(dirname "$0")/node_lib.bash"

BUREAU=bureau
bureau bureau 0
lab city 1 city
lab dist 2 district
ct bureau certify-person P-1 --name "Li Wei" --scope mass --until 2030-01-01 >/dev/null
ct city instrument register CITY-1 --category mass --district North --owner A --mpe-rel-ppm 1000 >/dev/null 2>&1 ||
	true # the city's home does not know it is admitted yet: it writes once it has the bureau's feed
# every home starts from the same state (exports), so that all are at the lie's feeds at once
sync_all() {
	local h f
	for h in bureau city dist; do ct "$h" export -o "$WORK/$h.ct" >/dev/null 2>&1; done
	for h in bureau city dist; do
		for f in bureau city dist; do [ "$h" = "$f" ] || ct "$h" import "$WORK/$f.ct" >/dev/null 2>&1 || true; done
	done
}
sync_all
ct city instrument register CITY-1 --category mass --district North --owner A --mpe-rel-ppm 1000 >/dev/null
sync_all
same_digest bureau city dist || fail "the homes do not hold the same entries"
"$CT_ENTRYTOOL" netcp-lie "$WORK/bureau" --keep >"$WORK/lie.note" || fail "cannot make the lie"
# by hand first: each witness home refuses the note, exit 1, and keeps the evidence
for w in city dist; do
	if ct "$w" netcheckpoint --witness "$WORK/lie.note" 2>"$WORK/w.$w"; then fail "$w accepted the lie"; fi
	grep -q "REFUSED" "$WORK/w.$w" || fail "$w did not say it refused: $(cat "$WORK/w.$w")"
	ct "$w" netcheckpoint --evidence >"$WORK/ev.$w" || fail "$w keeps no evidence"
	grep -q "this node computes" "$WORK/ev.$w" || fail "$w's evidence does not say what it computes"
done

link bureau city
link bureau dist
link city dist
for n in bureau city dist; do start "$n" --log-level debug; done
# the lying note goes out on connect (the newest the bureau's home holds); every witness refuses it
refused() { logged "$1" "network checkpoint of [0-9]+ entries from .* REFUSED"; }
wait_until 30 refused city || fail "the city did not refuse the bureau's lie"
wait_until 30 refused dist || fail "the lab did not refuse the bureau's lie"
# a witness does not pass on a note it refused
logged dist "REFUSED.*from ${KEY[city]:0:8}" && fail "the city relayed the lie"

# then the bureau's node signs the truth when quiet; both witnesses cosign; the note settles everywhere
settled() {
	local n w
	for n in bureau city dist; do
		ct "$n" netcheckpoint >"$WORK/ncp.$n" 2>/dev/null || return 1
		for w in bureau city dist; do grep -q "/witness/${KEY[$w]} " "$WORK/ncp.$n" || return 1; done
	done
	cmp -s "$WORK/ncp.bureau" "$WORK/ncp.city" && cmp -s "$WORK/ncp.city" "$WORK/ncp.dist"
}
wait_until 60 settled || fail "no network checkpoint settled with both witnesses' cosignatures"
logged bureau "signed a network checkpoint: [0-9]+ entries in 2 feeds" || fail "the bureau logged no signature"
grep -q "^caltrace/$NET/index$" "$WORK/ncp.bureau" || fail "not a network checkpoint of this network"
grep -q "^feed ${KEY[city]} " "$WORK/ncp.bureau" || fail "the city's feed is not named"

# a later entry: a later network checkpoint, cosigned again
first=$(sed -n 2p "$WORK/ncp.bureau")
wait_until 60 ct dist instrument register DIST-1 --category mass --district South --owner B --mpe-rel-ppm 1000 ||
	fail "the lab cannot write"
later() { settled && [ "$(sed -n 2p "$WORK/ncp.bureau")" != "$first" ]; }
wait_until 60 later || fail "no later network checkpoint settled"

# an operator asks for one now (`netcheckpoint --sign` beside the running node, within the
# minimum interval since the last): the node signs it, logs that it was asked, and the peers
# cosign it; asked again for the same state, it signs nothing more; a witness's node refuses
ct dist instrument register DIST-2 --category mass --district South --owner B --mpe-rel-ppm 1000 >/dev/null ||
	fail "the lab cannot write"
wait_until 30 same_digest bureau city dist || fail "the nodes did not converge on DIST-2"
ct bureau netcheckpoint --sign >"$WORK/asked.note" 2>"$WORK/asked.err" || fail "--sign beside the node: $(cat "$WORK/asked.err")"
grep -q "asked the running caltraced" "$WORK/asked.err" || fail "--sign did not ask the node: $(cat "$WORK/asked.err")"
grep -q "^caltrace/$NET/index$" "$WORK/asked.note" || fail "--sign printed no network checkpoint: $(cat "$WORK/asked.note")"
logged bureau "signed a network checkpoint \(asked through the control socket\)" || fail "the node logged no asked signature"
wait_until 30 settled || fail "the asked network checkpoint did not settle with both witnesses' cosignatures"
cmp -s <(sed '/^$/q' "$WORK/asked.note") <(sed '/^$/q' "$WORK/ncp.bureau") ||
	fail "the settled note is not the one --sign printed"
ct bureau netcheckpoint --sign >/dev/null 2>"$WORK/asked2.err" || fail "--sign again: $(cat "$WORK/asked2.err")"
[ "$(grep -c "asked through the control socket" "$WORK/bureau.log")" = 1 ] ||
	fail "the node signed the same state twice"
if ct city netcheckpoint --sign >/dev/null 2>"$WORK/asked3.err"; then fail "a witness's node signed"; fi
grep -q "only the bureau's node signs network checkpoints" "$WORK/asked3.err" ||
	fail "a witness's node's refusal: $(cat "$WORK/asked3.err")"
for n in bureau city dist; do stop "$n"; done
for n in bureau city dist; do check_store "$n"; done
log "ok"
