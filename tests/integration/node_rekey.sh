#!/usr/bin/env bash
# A lab's key lifecycle while the nodes replicate (docs/DESIGN.md section 5):
# four running nodes, the bureau linked to the lab and to a district lab, the
# district lab to the lab's new node. The lab's key is lost: the bureau
# re-keys it (org.rekey) while the nodes run; the new node, unknown until
# the rekey reaches it, then writes as the same lab. The old key comes back
# in a thief's hands and writes on: the bureau declares it compromised from
# now, bounded by the checkpoint of the old feed it cosigned before. Every
# node converges to one digest and gives the same verdicts, coverage by lab
# and impact.
. "$(dirname "$0")/node_lib.bash"
export CALTRACE_NOW=2025-01-05T08:00:00Z

BUREAU=bureau
bureau bureau 0
new_home lab 1
new_home dist 2
new_home lab2 3 # the lab's new node: its key is not admitted by anyone
ct bureau admit "${KEY[lab]}" --name "City institute" --tier city --district North --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
ct bureau admit "${KEY[dist]}" --name "South institute" --tier district --district South --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
link bureau lab
link bureau dist
link dist lab2 # the new node hears of the bureau's feed only through the district lab
for n in bureau lab dist lab2; do start "$n"; done

step() { wait_until 60 ct "$@" || fail "could not run: $*"; }
step lab standard register M1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2
step lab instrument register SC-1 --category mass --district North --owner Market --mpe-rel-ppm 1000
step lab instrument register SC-2 --category mass --district North --owner Shop --mpe-rel-ppm 1000
step dist instrument register SC-D --category mass --district South --owner Mill --mpe-rel-ppm 1000
step bureau standard approve M1 --certificate EX-1 --from 2024-01-01 --until 2028-12-31
step bureau standard anchor M1 --provider "Provincial institute" --certificate P-1 \
	--performed 2024-06-01 --until 2025-05-31 --u-rel-ppm 1
step lab calibrate SC-1 --standard M1 --kind calibration --performed 2024-07-01 --valid-until 2025-06-30 \
	--result pass --certificate C-1
step dist calibrate SC-D --standard M1 --kind calibration --performed 2024-07-02 --valid-until 2025-06-30 \
	--result pass --certificate C-D
wait_until 60 same_digest bureau lab dist lab2 || fail "the nodes did not converge before the rekey"
lab_size=$(ct bureau log "${KEY[lab]}" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$lab_size" = 4 ] || fail "the lab's feed has $lab_size entries, expected 4"
cosigned() { ct bureau checkpoint --author "${KEY[lab]}" >"$WORK/lab.cp" &&
	[ "$(sed -n 2p "$WORK/lab.cp")" = "$lab_size" ] && grep -q "/witness/${KEY[bureau]} " "$WORK/lab.cp"; }
wait_until 30 cosigned || fail "the bureau did not cosign the lab's checkpoint at $lab_size"

# --- the lab's key is lost; the bureau re-keys the lab while the nodes run
stop lab
ct bureau rekey "${KEY[lab]}" "${KEY[lab2]}" --effective 2024-08-01 --reason "key lost" >"$WORK/rekey.out" 2>&1 ||
	fail "rekey refused: $(cat "$WORK/rekey.out")"
grep -q "closing the old feed at #$lab_size" "$WORK/rekey.out" || fail "rekey: $(cat "$WORK/rekey.out")"
# the new node can write once the rekey reached it (through the district lab)
step lab2 calibrate SC-2 --standard M1 --kind calibration --performed 2024-09-01 --valid-until 2025-08-31 \
	--result pass --certificate C-2
step lab2 instrument register SC-3 --category mass --district North --owner Depot --mpe-rel-ppm 1000

# --- the old key, in a thief's hands, writes on; the bureau declares it compromised before the
# thief's node comes back (so that the bound is the checkpoint cosigned above: the bureau keeps
# only the newest cosigned checkpoint of a feed, and on an idle machine it would cosign the
# thief's new one within the second below)
ct lab calibrate SC-1 --standard M1 --kind calibration --performed 2024-07-15 --valid-until 2026-07-14 \
	--result pass --certificate FORGED >/dev/null || fail "the old key could not write"
# cosignatures are in seconds: one before `since` (the cosignature awaited above, on an idle
# machine in this same second) is before it, anything cosigned after it is not
sleep 1
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
ct bureau compromised "${KEY[lab]}" --since "$since" --reason "laptop stolen" >"$WORK/comp.out" 2>&1 ||
	fail "compromised refused: $(cat "$WORK/comp.out")"
grep -q "up to #$lab_size " "$WORK/comp.out" || fail "compromised bound: $(cat "$WORK/comp.out")"
# --- the thief's home also holds cosignatures of the old key, which its store (it never heard of
# the rekey) keeps: every checkpoint it holds, witnessed again at the clock's time (after the
# rekey's effective time), and, made with ct_entrytool and backdated before the rekey, a line on
# the bureau's latest feed checkpoint and on its network checkpoint, both of states that hold the
# rekey. Its node hands them to the bureau on connect; none may be kept anywhere.
rekey_seq=$(ct bureau log --json | python3 -c '
import json, sys
print([e["seq"] for e in json.load(sys.stdin) if e["type"] == "org.rekey"][0])')
bureau_cp() { ct bureau checkpoint --author "${KEY[bureau]}" >"$WORK/b.cp" && [ "$(sed -n 2p "$WORK/b.cp")" -ge "$rekey_seq" ]; }
wait_until 30 bureau_cp || fail "the bureau signed no checkpoint of its feed holding the rekey"
bureau_ncp() {
	ct bureau netcheckpoint >"$WORK/b.ncp" 2>/dev/null &&
		[ "$(awk -v k="${KEY[bureau]}" '$1 == "feed" && $2 == k {print $3}' "$WORK/b.ncp")" -ge "$rekey_seq" ]
}
wait_until 60 bureau_ncp || fail "the bureau signed no network checkpoint holding the rekey"
backdated=$(date -u -d 2024-07-01 +%s)
"$CT_ENTRYTOOL" cosign --key "$WORK/lab/key" --time "$backdated" "$WORK/b.cp" >"$WORK/b.forged" ||
	fail "cannot forge a cosignature"
"$CT_ENTRYTOOL" cosign --key "$WORK/lab/key" --time "$backdated" "$WORK/b.ncp" >"$WORK/ncp.forged" ||
	fail "cannot forge a cosignature"
ct lab witness "$WORK/b.forged" >"$WORK/thief.out" 2>&1 || fail "the thief's home: $(cat "$WORK/thief.out")"
wait_until 30 ct dist checkpoint --author "${KEY[dist]}" ||
	fail "the district lab holds no checkpoint of its feed"
ct dist checkpoint --author "${KEY[dist]}" >"$WORK/d.cp"
ct lab witness "$WORK/d.cp" >"$WORK/thief.out" 2>&1 || fail "the thief's home: $(cat "$WORK/thief.out")"
ct lab witness >"$WORK/thief.out" 2>&1 || fail "the thief's home: $(cat "$WORK/thief.out")"
ct lab netcheckpoint --witness "$WORK/ncp.forged" >"$WORK/thief.ncp" 2>&1 || fail "$(cat "$WORK/thief.ncp")"
# held (not cosigned: the states differ), and the newest: what its node hands a peer on connect
grep -q ": kept" "$WORK/thief.ncp" || fail "the thief's home: $(cat "$WORK/thief.ncp")"
ct lab checkpoint --author "${KEY[bureau]}" >"$WORK/thief.cp"
grep -q "/witness/${KEY[lab]} " "$WORK/thief.cp" || fail "the thief's home does not hold its forged line"
ct lab checkpoint --author "${KEY[dist]}" | grep -q "/witness/${KEY[lab]} " ||
	fail "the thief's home did not cosign the district lab's checkpoint"
start lab
wait_until 60 same_digest bureau lab dist lab2 || fail "the nodes did not converge after the rekey"
[ "$(feeds bureau)" = 4 ] || fail "expected 4 feeds, the bureau holds $(feeds bureau)"

# --- every node, the same answers
verdicts() { # verdicts NAME: the JSON answers of NAME, the tree's verdict and reason codes per question
	local n=$1 id
	for id in SC-1 SC-2 SC-3 SC-D; do
		ct "$n" chain "$id" --at 2024-10-01 --json >"$WORK/$n.$id.json" || true
	done
	ct "$n" coverage --at 2024-10-01 --by lab --json >"$WORK/$n.cov.json"
	ct "$n" impact --key "${KEY[lab]}" --at 2024-10-01 --json >"$WORK/$n.imp.json"
	python3 - "$WORK" "$n" <<'PY'
import json, sys
w, n = sys.argv[1], sys.argv[2]
def codes(node):
    out = [r["code"] for r in node.get("reasons", [])]
    for c in node.get("children", []):
        out += codes(c)
    return sorted(out)
ans = {}
for i in ("SC-1", "SC-2", "SC-3", "SC-D"):
    j = json.load(open(f"{w}/{n}.{i}.json"))
    ans[i] = (j["verdict"], codes(j))
cov = json.load(open(f"{w}/{n}.cov.json"))
ans["cov"] = [(g["key"], g["registered"], g["valid"]) for g in cov["groups"]]
imp = json.load(open(f"{w}/{n}.imp.json"))
ans["imp"] = sorted((i["id"], i["depth"]) for i in imp["items"])
print(json.dumps(ans, sort_keys=True))
PY
}
want=$(verdicts bureau)
log "bureau: $want"
for n in lab dist lab2; do
	got=$(verdicts "$n")
	[ "$got" = "$want" ] || fail "$n answers $got, the bureau $want"
done
python3 - "$want" "${KEY[lab]}" "${KEY[dist]}" <<'PY' || fail "unexpected answers: $want"
import json, sys
a, lab, dist = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
assert a["SC-1"][0] == "invalid" and "compromised-key" in a["SC-1"][1] and "closed-feed" in a["SC-1"][1], a["SC-1"]
assert a["SC-2"] == ["valid", []], a["SC-2"]          # the new key, the old key's instrument and standard
assert a["SC-3"][0] == "invalid" and "no-calibration" in a["SC-3"][1]  # registered by the new key: the lab's
assert a["SC-D"] == ["valid", []], a["SC-D"]
# one group for both keys: SC-1 and SC-2 (SC-3, registered by the new key in 2025, counts later)
assert sorted(a["cov"]) == sorted([[lab, 2, 1], [dist, 1, 1]]), a["cov"]
assert a["imp"] == [["SC-1", 1]], a["imp"]
PY
# --- witnesses: no node keeps a line of the old key on any checkpoint it holds last, of any feed or
# of the network; the new key witnesses for the lab: a complete proof counts it, and the district lab
old_lines() { # old_lines NODE: lines of the old key in NODE's latest notes
	local h=$1 a
	{
		for a in bureau lab dist lab2; do ct "$h" checkpoint --author "${KEY[$a]}" 2>/dev/null || true; done
		ct "$h" netcheckpoint 2>/dev/null || true
	} | grep -c "/witness/${KEY[lab]} " || true
}
two_labs() {
	ct bureau netcheckpoint >"$WORK/b.ncp" 2>/dev/null && grep -q "/witness/${KEY[lab2]} " "$WORK/b.ncp" &&
		grep -q "/witness/${KEY[dist]} " "$WORK/b.ncp" && ct bureau prove SC-2 --at 2024-10-01 --witnesses 2 \
		-o "$WORK/sc2.bundle" >/dev/null 2>&1
}
wait_until 60 two_labs || fail "no network checkpoint cosigned by the district lab and the new key counts twice"
"$CT" verify "$WORK/sc2.bundle" --bureau "${KEY[bureau]}" --witnesses 2 >"$WORK/v.out" 2>&1 ||
	fail "the bundle: $(cat "$WORK/v.out")"
grep -q "cosigned by the bureau and 2 witnesses" "$WORK/v.out" || fail "the bundle: $(cat "$WORK/v.out")"
for n in bureau dist lab2; do
	[ "$(old_lines "$n")" = 0 ] || fail "$n keeps a cosignature of the replaced key"
done
for n in bureau lab dist lab2; do stop "$n"; done
for n in bureau lab dist lab2; do check_store "$n"; done
log "ok: $want"
