#!/usr/bin/env bash
# `caltrace demo` end to end on a small city (3,000 instruments, seed 7): one
# caltraced per lab (19) on 127.0.0.1, every lab signing its records through
# its own home, phase by phase. The JSON it prints must agree with the truth
# the generator wrote beside the records: coverage by district, the broken
# chains' verdicts and reason codes; every node must end with the same
# digest, a proof bundle of one chain must verify offline, and every node
# must have stopped. Then --keep leaves a (smaller)
# network running that `caltrace status` sees, whose 19 nodes all cosign the
# bureau's checkpoint, and that `caltrace demo --stop` stops.
set -euo pipefail

CT=${CALTRACE:?set CALTRACE to the caltrace binary (ctest does)}
CTD=${CALTRACED:?set CALTRACED to the caltraced binary (ctest does)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LC_ALL=C.UTF-8
unset CALTRACE_HOME CALTRACE_NOW
work=$(mktemp -d "${TMPDIR:-/tmp}/ct-demo.XXXXXX")
base=$((20000 + (RANDOM * 7 + $$) % 12000)) # below the ephemeral ports (32768 on)

cleanup() {
	local rc=$? pidfile pid
	# whatever happens, no node of this test outlives it
	for pidfile in "$work"/*/labs/*/caltraced.pid; do
		[ -f "$pidfile" ] || continue
		pid=$(cat "$pidfile")
		if grep -q caltraced "/proc/$pid/cmdline" 2>/dev/null; then
			kill -9 "$pid" 2>/dev/null || true
		fi
	done
	if [ $rc -ne 0 ]; then
		[ -f "$work/progress.log" ] && tail -n 30 "$work/progress.log" >&2
		echo "kept $work for inspection" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
fail() {
	echo "FAIL (demo_small): $*" >&2
	exit 1
}

start=$SECONDS
"$CT" demo --instruments 3000 --seed 7 --at 2026-06-30 --dir "$work/city" --base-port "$base" \
	--caltraced "$CTD" --json >"$work/out.json" 2>"$work/progress.log" || fail "caltrace demo exited $?"
echo "demo of 3,000 instruments: $((SECONDS - start)) s" >&2

python3 - "$work/out.json" "$work/city/records/truth.json" <<'PY' || fail "the demo's JSON disagrees with truth.json"
import json, os, sys

out = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
problems = []

def check(cond, what):
    if not cond:
        problems.append(what)

KEYS = ["registered", "valid", "suspect", "invalid", "compulsory", "compulsory_valid", "compulsory_suspect"]

def same_counts(where, got, want):
    for k in KEYS:
        check(got[k] == want[k], f"{where}: {k}: evaluator {got[k]}, truth {want[k]}")
    check(got["reasons"] == want["reasons"], f"{where}: reasons: evaluator {got['reasons']}, truth {want['reasons']}")

# coverage, city-wide and by district, equals what the generator built
cov = out["coverage"]
check(cov["at"] == "2026-06-30" and cov["by"] == "district", "coverage is by district at the report date")
same_counts("city", cov["total"], truth["total"])
groups = {g["key"]: g for g in cov["groups"]}
check(sorted(groups) == sorted(truth["districts"]), f"districts: {sorted(groups)}")
for d, want in truth["districts"].items():
    if d in groups:
        same_counts(d, groups[d], want)
check(out["instruments"] == truth["total"]["registered"], "instruments")

# the broken chains: the same instruments, each with the expected verdict and reason codes
broken = {b["id"]: b for b in out["broken"]}
check(sorted(broken) == sorted(b["id"] for b in truth["broken"]), "the broken instruments judged are truth's")
for want in truth["broken"]:
    got = broken.get(want["id"])
    if not got:
        continue
    check(got["verdict"] == want["verdict"], f"{want['id']}: verdict {got['verdict']}, expected {want['verdict']}")
    check(sorted(got["reasons"]) == sorted(want["reasons"]),
          f"{want['id']} ({want['imperfection']}): reasons {got['reasons']}, expected {want['reasons']}")
    check(got["agrees"] is True, f"{want['id']}: the demo says it disagrees")
expected = {"lapsed-standard": "gap", "out-of-tolerance": "out-of-tolerance", "revoked-lab": "lab-revoked",
            "out-of-scope": "lab-out-of-scope", "calibration-not-verification": "verification-required",
            "overdue": "expired", "unverified": "no-calibration"}
for imperfection, code in expected.items():
    hits = [b for b in out["broken"] if b["imperfection"] == imperfection]
    check(len(hits) >= 3, f"only {len(hits)} instruments show {imperfection}")
    check(all(code in b["reasons"] for b in hits), f"{imperfection} without {code}")

# every node holds the same entries
digests = out["digests"]
check(len(digests) == 19, f"{len(digests)} digests")
check(len(set(digests.values())) == 1, f"the nodes' digests differ: {digests}")
check(out["entries"] == truth["entries"], f"entries {out['entries']}, records written {truth['entries']}")
check([p["phase"] for p in out["phases"]] == [1, 2, 3, 4, 5, 6], "six phases")

# the re-keyed lab: the bureau's org.rekey is in the bureau's feed, closing the old feed at the
# entries the lab signed before it; one of its instruments filed under the old key and verified
# under the new one is valid; coverage by lab counts the two keys as one lab
rk = out["rekey"]
labs = {l["lab"]: l for l in out["labs"]}
check(rk["lab"] == "mining" and labs["mining"]["key"] == rk["new_key"] != rk["old_key"], "the re-keyed lab's node runs on its new key")
check(rk["effective"] < "2026-06-30" and rk["effective"] > "2021-07-01", "the rekey is half-way through the history: %s" % rk["effective"])
check(rk["closed_at"] > 0, "the old feed closes after the lab's first entries")
check(rk["verdict"] == "valid" and out["rekey_chain"]["id"] == rk["example"], "the re-keyed lab's instrument is traceable: %s" % rk["verdict"])
check(rk["example"].startswith("CH4-"), "the example is a methane detector of the mining lab")
check(rk["lab_group"] is not None and rk["lab_group"]["key"] == rk["old_key"] and rk["lab_group"]["registered"] > 0, "coverage by lab has the lab under its first key")
check(not rk["new_key_group"], "coverage by lab has no group of the new key: the two feeds are one lab")
bylab = {g["key"]: g for g in out["coverage_by_lab"]["groups"]}
check(rk["new_key"] not in bylab and sum(g["registered"] for g in bylab.values()) == truth["total"]["registered"], "coverage by lab counts every instrument once")
check(out["phases"][-1]["entries"] == truth["entries"], "the last phase ends with every record")

# the chain shown is valid down to an anchor; the impact is the out-of-tolerance standard's
def depth_to_anchor(node):
    if node["node"] == "anchor":
        return 1
    return 1 + max([depth_to_anchor(c) for c in node["children"]] or [-100])
check(out["chain"]["verdict"] == "valid" and out["chain"]["id"] == truth["chain_example"], "the example chain")
check(depth_to_anchor(out["chain"]) == 6, "instrument, verification, district standard, calibration, municipal standard, anchor")
oot = truth["imperfections"]["out-of-tolerance"]["standard"]
check(out["impact"]["standard"] == oot and out["impact"]["instruments"] >= 3, "the impact of the OOT standard")
check(any(i["verdict"] == "suspect" for i in out["impact"]["items"]), "suspect instruments in the impact")
check(os.path.getsize(out["report_html"]) > 1000, "the HTML report")
# the proof bundle of the example chain verified offline, with the bureau's key alone
proof = out["proof"]
check(proof["verdict"] == "valid" and proof["bytes"] == os.path.getsize(proof["bundle"]), "the proof bundle")
check(proof["chain"]["id"] == truth["chain_example"] and proof["chain"]["verdict"] == "valid", "the verified chain")
check(depth_to_anchor(proof["chain"]) == 6, "the verified chain reaches the anchor")
# complete: against a network checkpoint signed by the bureau's node and cosigned by the others
check(proof["completeness"].startswith("complete at the network checkpoint of ") and
      proof["completeness"].endswith("cosigned by the bureau and %d witness%s" %
                                     (proof["witnesses"], "" if proof["witnesses"] == 1 else "es")) and
      1 <= proof["witnesses"] <= 18, "the proof bundle's completeness: %r" % proof.get("completeness"))
check(out["nodes_running"] is False, "the nodes were stopped")

if problems:
    print("\n".join(problems[:40]), file=sys.stderr)
    sys.exit(1)
PY

# Stopped means stopped: no pid file left, no caltraced serving this folder.
ls "$work"/city/labs/*/caltraced.pid >/dev/null 2>&1 && fail "pid files left behind"
if pgrep -f "caltraced --home $work/city" >/dev/null; then
	fail "a caltraced of the demo still runs"
fi
grep -q "stopped the 19 nodes cleanly" "$work/progress.log" || fail "the nodes did not stop cleanly"

# --keep: the network stays up and answers; --stop stops it.
"$CT" demo --instruments 1000 --seed 3 --at 2026-06-30 --dir "$work/kept" --base-port "$base" \
	--caltraced "$CTD" --keep >"$work/kept.txt" 2>"$work/progress.log" || fail "caltrace demo --keep exited $?"
grep -q "caltrace demo --stop --dir $work/kept" "$work/kept.txt" || fail "--keep does not say how to stop"
"$CT" --home "$work/kept/labs/city" status --json >"$work/status.json" || fail "status"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["node"]["running"] and len(j["peers"]) >= 8 else 1)' \
	"$work/status.json" || fail "the kept city node is not running with its peers"
# every node is a witness: the bureau's latest checkpoint settles with the author's line and all
# 19 running nodes' cosignatures (and the re-keyed lab's old node's, when it cosigned before it
# stopped), byte for byte the same on every node
bureau_key=$("$CT" --home "$work/kept/labs/bureau" key)
settled() {
	local h sums=""
	for h in "$work"/kept/labs/*/; do
		[ -f "$h/caltraced.pid" ] || continue # the re-keyed lab's first home: its node stopped at the rekey
		"$CT" --home "$h" checkpoint --author "$bureau_key" >"$work/cp.txt" 2>/dev/null || return 1
		[ "$(grep -c '^— ' "$work/cp.txt")" -ge 20 ] || return 1
		sums+="$(sha256sum <"$work/cp.txt")"$'\n'
	done
	[ "$(printf '%s' "$sums" | sort -u | wc -l)" = 1 ]
}
for _ in $(seq 480); do # up to 4 minutes: under ASan, on a loaded machine, 2 were once not enough
	settled && break
	sleep 0.5
done
settled || fail "the bureau's checkpoint did not settle with 19 cosignatures on every node (cosignature lines on the last node read: $(grep -c '^— ' "$work/cp.txt" 2>/dev/null))"
"$CT" --home "$work/kept/labs/bureau" chain "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chain_example"])' \
	"$work/kept/records/truth.json")" --at 2026-06-30 >/dev/null || fail "chain on the kept network"
# ... and caltrace serve on the bureau's home: the note gives the dashboard's and an instrument's addresses
dash=$(sed -n 's/^  the bureau.s dashboard *\(http:[^ ]*\)$/\1/p' "$work/kept.txt")
page=$(sed -n 's/^  an instrument.s page *\(http:[^ ]*\)$/\1/p' "$work/kept.txt")
[ -n "$dash" ] && [ -n "$page" ] || fail "--keep does not give the web addresses: $(cat "$work/kept.txt")"
curl -sf "$dash" >"$work/dashboard.html" || fail "the dashboard at $dash does not answer"
grep -q "<table id='districts'>" "$work/dashboard.html" || fail "the dashboard at $dash has no district table"
example=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chain_example"])' "$work/kept/records/truth.json")
[ "$page" = "${dash%/dashboard*}/i/$example?at=2026-06-30" ] || fail "the instrument's address $page is not the chain example's"
curl -sf -H 'Accept-Language: en' "$page" >"$work/page.html" || fail "the page at $page does not answer"
grep -q "<section class='verdict v-valid'" "$work/page.html" || fail "the page at $page shows no valid verdict"
"$CT" demo --stop --dir "$work/kept" 2>"$work/stop.txt" || fail "demo --stop"
grep -q "stopped 19 nodes" "$work/stop.txt" || fail "demo --stop: $(cat "$work/stop.txt")"
if pgrep -f "caltraced --home $work/kept" >/dev/null; then
	fail "demo --stop left a node running"
fi
if pgrep -f "caltrace --home $work/kept/labs/bureau serve" >/dev/null; then
	fail "demo --stop left caltrace serve running"
fi
echo "ok: the demo city's coverage, broken chains and digests are what its generator built"
