#!/usr/bin/env bash
# caltrace chain, impact, coverage, due and report on a small two-lab city, through the
# real binary: answers, output forms and exit codes (0 valid/ok, 1 negative, 2 error).
set -euo pipefail
ct=${CALTRACE:?set CALTRACE to the caltrace binary}
work=$(mktemp -d -t caltrace-chain.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
export CALTRACE_NOW=2025-01-05T08:00:00Z

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect CODE CMD...: runs CMD, output in $out, fails unless it exits with CODE
expect() {
	local want=$1; shift
	set +e
	out=$("$@" 2>&1)
	local got=$?
	set -e
	[ "$got" = "$want" ] || fail "exit $got, not $want: $* -> $out"
}
has() { grep -qF -- "$1" <<<"$out" || fail "output lacks '$1': $out"; }

bureau=$("$ct" init bureau --name Bureau 2>/dev/null)
city=$("$ct" init city --name "City institute" 2>/dev/null)
dist=$("$ct" init dist --name "South institute" 2>/dev/null)
sync() { # every feed to every home
	local h
	for h in bureau city dist; do "$ct" --home "$h" export -o "$h.ct" >/dev/null 2>&1; done
	for h in bureau city dist; do
		for f in bureau city dist; do [ "$h" = "$f" ] || "$ct" --home "$h" import "$f.ct" >/dev/null 2>&1; done
	done
}

"$ct" --home bureau genesis --network Testcity --district North,South >/dev/null
"$ct" --home bureau admit "$city" --name "City institute" --tier city --district North --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
"$ct" --home bureau admit "$dist" --name "South institute" --tier district --district South --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
"$ct" --home bureau catalogue-set scale-trade --name "trade scale" --mode V --interval-days 365 \
	--domains trade --effective 2020-01-01 >/dev/null
sync
"$ct" --home city standard register M1 --name "E2 weights" --category mass --level municipal --public \
	--u-rel-ppm 2 >/dev/null
"$ct" --home dist standard register D1 --name "F1 weights" --category mass --level district --public \
	--u-rel-ppm 20 >/dev/null
sync
"$ct" --home bureau standard approve M1 --certificate EX-1 --from 2024-01-01 --until 2028-12-31 >/dev/null
"$ct" --home bureau standard approve D1 --certificate EX-2 --from 2024-01-01 --until 2028-12-31 >/dev/null
"$ct" --home bureau standard anchor M1 --provider "Provincial institute" --certificate P-1 \
	--performed 2024-06-01 --until 2025-05-31 --u-rel-ppm 1 >/dev/null
sync
"$ct" --home city calibrate D1 --standard M1 --kind calibration --performed 2024-07-01 --valid-until 2025-06-30 \
	--result pass --certificate C-D1 >/dev/null
"$ct" --home city instrument register SCALE-N --category mass --district North --owner Market \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000 >/dev/null
"$ct" --home city calibrate SCALE-N --standard M1 --kind verification --performed 2024-08-01 \
	--valid-until 2025-07-31 --result pass --certificate V-N >/dev/null
sync
"$ct" --home dist instrument register SCALE-S --category mass --district South --owner Mill \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000 >/dev/null
"$ct" --home dist calibrate SCALE-S --standard D1 --kind verification --performed 2024-09-01 \
	--valid-until 2024-12-31 --result pass --certificate V-S >/dev/null
"$ct" --home dist instrument register SCALE-C --category mass --district South --owner Shop \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000 >/dev/null
"$ct" --home dist calibrate SCALE-C --standard D1 --kind calibration --performed 2024-09-01 \
	--valid-until 2025-08-31 --result pass --certificate K-C >/dev/null
sync

# chain: a valid three-level chain, as a tree
expect 0 "$ct" --home bureau chain SCALE-N --at 2024-12-01
has "SCALE-N  valid at 2024-12-01"
has "verification V-N by City institute (city) 2024-08-01 → 2025-07-31  pass"
has "M1 (municipal, public, u 2 ppm vs MPE 1000 ppm, ratio ok)  valid"
has "anchor P-1 by Provincial institute 2024-06-01 → 2025-05-31"
# time travel: expired later, never calibrated earlier
expect 1 "$ct" --home bureau chain SCALE-N --at 2025-09-01
has "✗ expired: valid_until 2025-07-31 < 2025-09-01"
expect 1 "$ct" --home bureau chain SCALE-N --at 2024-07-01
has "no-calibration"
# a compulsory instrument with a calibration certificate, not a verification
expect 1 "$ct" --home bureau chain SCALE-C --at 2024-12-01
has "verification-required"
# standards have chains too
expect 0 "$ct" --home bureau chain D1 --at 2024-12-01
has "D1 (district, public, u 20 ppm)  valid"
# the JSON tree carries verdicts, codes and entry hashes
expect 1 "$ct" --home bureau chain SCALE-N --at 2025-09-01 --json
python3 - "$out" <<'PY'
import json, sys
tree = json.loads(sys.argv[1])
assert tree["verdict"] == "invalid" and tree["node"] == "instrument", tree
cal = tree["children"][0]
assert cal["reasons"][0]["code"] == "expired" and len(cal["entry"]) == 64, cal
assert cal["children"][0]["id"] == "M1" and cal["children"][0]["ratio"] is True, cal
PY
# an id the ledger never heard of is not traceable; bad usage is an error
expect 1 "$ct" --home bureau chain NOBODY --at 2024-12-01
has "unregistered"
expect 2 "$ct" --home bureau chain SCALE-N --at yesterday
expect 2 "$ct" --home bureau chain
expect 0 "$ct" chain --help

# out of tolerance: the chains through M1 from 2024-06-15 on turn suspect, across both labs
"$ct" --home city standard oot M1 --since 2024-06-15 --reason "found 8 mg high" >/dev/null
sync
expect 1 "$ct" --home bureau chain SCALE-S --at 2024-12-01
has "SCALE-S  suspect at 2024-12-01"
has "! out-of-tolerance"
expect 0 "$ct" --home bureau impact M1 --at 2024-12-01
has "impact of M1 since 2024-06-15 (its out-of-tolerance declaration): 1 standard and 3 instruments"
has "South"
has "  South institute (${dist:0:8}…)"
expect 0 "$ct" --home bureau impact M1 --since 2024-06-15 --csv --at 2024-12-01
has "district,lab,lab_key,kind,id,via,depth,performed_at,valid_until,calibration,verdict"
has "South,South institute,$dist,instrument,SCALE-S,D1,2,2024-09-01,2024-12-31,"
[ "$(grep -c ',suspect$' <<<"$out")" = 3 ] || fail "expected 3 suspect rows: $out"
expect 0 "$ct" --home bureau impact M1 --json --at 2024-12-01
python3 - "$out" "$dist" <<'PY'
import json, sys
im = json.loads(sys.argv[1])
assert im["standards"] == 1 and im["instruments"] == 3 and im["calibrations"] == 4, im
assert sorted(i["id"] for i in im["items"]) == ["D1", "SCALE-C", "SCALE-N", "SCALE-S"], im
# the JSON names each lab by its whole key (the text listing shortens it)
assert [i["lab_key"] for i in im["items"] if i["id"] == "SCALE-S"] == [sys.argv[2]], im
PY

# coverage: 3 instruments, none valid (two suspect, one needs a verification), by district
expect 0 "$ct" --home bureau coverage --at 2024-12-01 --json --by district
python3 - "$out" <<'PY'
import json, sys
c = json.loads(sys.argv[1])
t = c["total"]
assert (t["registered"], t["valid"], t["suspect"], t["invalid"], t["compulsory"]) == (3, 0, 2, 1, 3), t
assert [g["key"] for g in c["groups"]] == ["North", "South"], c["groups"]
assert c["standards"]["public"]["municipal"] == {"registered": 1, "valid": 0, "suspect": 1}, c["standards"]
PY
expect 0 "$ct" --home bureau coverage --monthly 2024-07..2024-12 --csv
[ "$(wc -l <<<"$out")" = 7 ] || fail "expected a header and 6 months: $out"
has "2024-11,,3,0,2,1,0.00,3,0,2,0.00"
# at the end of December SCALE-S's verification (valid until 2024-12-31, 00:00 UTC) has run out
has "2024-12,,3,0,1,2,0.00,3,0,1,0.00"
expect 0 "$ct" --home bureau coverage --at 2024-12-01 --district North
has "instruments registered               1"
expect 2 "$ct" --home bureau coverage --by planet
has "domain or lab, not 'planet'"
# every grouping --by takes is in the help, lab (a re-keyed lab as one group) too
expect 0 "$ct" coverage --help
has "or lab (the lab responsible"
expect 0 "$ct" --home bureau coverage --at 2024-12-01 --by lab
# the instrument summary and the entries give the same answers; check compares the summary with them,
# and index --summary builds it again
expect 0 "$ct" --home bureau coverage --monthly 2024-07..2024-12 --by district --json
from_summary=$out
expect 0 "$ct" --home bureau coverage --monthly 2024-07..2024-12 --by district --json --from-entries
[ "$out" = "$from_summary" ] || fail "coverage from the entries differs from the summary's: $out"
expect 0 "$ct" --home bureau check
has "the instrument summary agrees with the entries of 3 instruments"
expect 0 "$ct" --home bureau index --summary
has "instrument summary rebuilt in"
expect 0 "$ct" --home bureau coverage --monthly 2024-07..2024-12 --by district --json
[ "$out" = "$from_summary" ] || fail "coverage after the summary's rebuild differs: $out"

# due: SCALE-S runs out on 2024-12-31
expect 0 "$ct" --home bureau due --at 2024-12-20 --within 30
has "1 due within 30 days"
has "SCALE-S"
expect 0 "$ct" --home bureau due --at 2025-01-20 --overdue --csv
has "overdue,SCALE-S,South,Mill,mass,scale-trade,yes,South institute,$dist"
expect 0 "$ct" --home bureau due --at 2025-01-20 --overdue --lab "$city"
has "0 overdue"

# report: text, JSON and a self-contained HTML page
expect 0 "$ct" --home bureau report --at 2024-12-01 --html report.html
has "traceability-system coverage"
grep -q "<svg" report.html || fail "no chart in report.html"
! grep -qE "(src|href)=['\"]?http" report.html || fail "report.html loads external assets"
expect 0 "$ct" --home bureau report --at 2024-12-01 --json
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["network"] == "Testcity" and len(r["trend"]) == 12 and len(r["districts"]) == 2, r
PY
echo "ok"
