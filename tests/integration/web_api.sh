#!/usr/bin/env bash
# caltrace serve's JSON API driven with curl on a small running network: three caltraced
# (bureau, city institute, district lab) replicate while a lab keeps writing, and the bureau's
# home is served read-only beside its node. Every call of docs/API.md, answers compared with
# the CLI's (chain --json, prove, show --json), and every error status the API gives: 400,
# 404, 405, 413, 414, 429, 431, 503, and 304 for a known ETag; SIGTERM stops it cleanly.
. "$(dirname "$0")/node_lib.bash"
export CALTRACE_NOW=2025-01-05T08:00:00Z
command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh installs it)"

BUREAU=bureau
bureau bureau 0
new_home city 1
new_home dist 2
ct bureau admit "${KEY[city]}" --name "City institute" --tier city --district North --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
ct bureau admit "${KEY[dist]}" --name "South institute" --tier district --district South --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
ct bureau catalogue-set scale-trade --name "trade scale" --mode V --interval-days 365 \
	--domains trade --effective 2020-01-01 >/dev/null
link bureau city
link bureau dist
for n in bureau city dist; do start "$n"; done

step() { wait_until 60 ct "$@" || fail "could not run: $*"; }
step city standard register M1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2
step dist standard register D1 --name "F1 weights" --category mass --level district --public --u-rel-ppm 20
step bureau standard approve M1 --certificate EX-1 --from 2024-01-01 --until 2028-12-31
step bureau standard approve D1 --certificate EX-2 --from 2024-01-01 --until 2028-12-31
step bureau standard anchor M1 --provider "Provincial institute" --certificate P-1 \
	--performed 2024-06-01 --until 2025-05-31 --u-rel-ppm 1
step city calibrate D1 --standard M1 --kind calibration --performed 2024-07-01 --valid-until 2025-06-30 \
	--result pass --certificate C-D1
step city instrument register SCALE-N --category mass --district North --owner Market \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000
step city calibrate SCALE-N --standard M1 --kind verification --performed 2024-08-01 \
	--valid-until 2025-07-31 --result pass --certificate V-N
step dist instrument register SCALE-S --category mass --district South --owner Mill \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000
step dist calibrate SCALE-S --standard D1 --kind verification --performed 2024-09-01 \
	--valid-until 2024-12-31 --result pass --certificate V-S
wait_until 60 same_digest bureau city dist || fail "the nodes did not converge"

# The bureau's home served beside its running node; a second server with a tight rate limit.
WEB=$((BASE + 8))
SLOW=$((BASE + 9))
"$CT" --home "$WORK/bureau" serve --listen "127.0.0.1:$WEB" 2>>"$WORK/serve.log" &
PID[serve]=$!
"$CT" --home "$WORK/bureau" serve --listen "127.0.0.1:$SLOW" --rate 2 --burst 3 2>>"$WORK/slow.log" &
PID[slow]=$!
up() { curl -sf "http://127.0.0.1:$1/api/v1" >/dev/null; }
wait_until 10 up "$WEB" || fail "caltrace serve did not start"
wait_until 10 up "$SLOW" || fail "the second caltrace serve did not start"
URL="http://127.0.0.1:$WEB"

# The city lab keeps writing while the API is asked: 3,000 instruments, replicated to the bureau.
awk 'BEGIN { for (i = 1; i <= 3000; i++)
	printf "{\"type\":\"instrument.register\",\"id\":\"BULK-%d\",\"category\":\"mass\",\"district\":\"North\",\"owner\":\"o\",\"mpe\":{\"rel_ppm\":1000}}\n", i }' \
	>"$WORK/bulk.ndjson"
ct city import-records "$WORK/bulk.ndjson" >/dev/null 2>&1 &
PID[bulk]=$!

# call PATH [curl args]: GET; the status in $status, the body in $WORK/body, headers in $WORK/head
call() {
	local path=$1
	shift
	rm -f "$WORK/body"
	status=$(curl -s -o "$WORK/body" -D "$WORK/head" -w '%{http_code}' "$@" "$URL$path")
}
expect() { # expect STATUS PATH [curl args]
	local want=$1
	shift
	call "$@"
	[ "$status" = "$want" ] || fail "GET $1: status $status, not $want: $(head -c 600 "$WORK/body")"
}
header() { grep -i "^$1:" "$WORK/head" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
json() { # json PYTHON-EXPR over the body as j
	python3 - "$WORK/body" "$1" <<'PY' || fail "JSON check failed: $1 on $(head -c 600 "$WORK/body")"
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2], {"j": j}) else 1)
PY
}

# the index, and the headers every answer carries
expect 200 /api/v1
json 'j["api"] == "caltrace/v1" and len(j["calls"]) == 9'
[[ $(header Content-Security-Policy) == "default-src 'none'; style-src 'self'; script-src 'self'"* ]] ||
	fail "no Content-Security-Policy: $(cat "$WORK/head")"
[ "$(header X-Content-Type-Options)" = nosniff ] || fail "no nosniff"

# an instrument: registration, latest calibration, verdict now and at a date
expect 200 /api/v1/instruments/SCALE-N
json 'j["verdict"] == "valid" and j["latest_calibration"]["certificate"] == "V-N" and j["latest_calibration"]["valid_until"] == "2025-07-31" and j["registration"]["body"]["owner"] == "Market"'
expect 200 "/api/v1/instruments/SCALE-N?at=2025-09-01"
json 'j["verdict"] == "invalid" and j["reasons"] == ["expired"] and j["at"] == "2025-09-01"'
expect 200 /api/v1/instruments/SCALE-S
json 'j["verdict"] == "invalid" and "expired" in j["reasons"]'
expect 200 /api/v1/standards/M1
json 'j["kind"] == "standard" and j["verdict"] == "valid" and j["latest_calibration"]["certificate"] == "P-1" and j["latest_calibration"]["provider"] == "Provincial institute"'

# its chain: the same tree as `caltrace chain --json`
for subject in SCALE-N SCALE-S; do
	expect 200 "/api/v1/instruments/$subject/chain?at=2024-12-01"
	ct bureau chain "$subject" --at 2024-12-01 --json >"$WORK/cli.json" || true
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
		"$WORK/body" "$WORK/cli.json" || fail "the API's chain of $subject differs from chain --json"
done

# the proof bundle: the same bytes `caltrace prove` writes, once the nodes cosigned checkpoints
proved() { ct bureau prove SCALE-N --at 2024-12-01 -o "$WORK/cli.bundle"; }
wait_until 60 proved || fail "no cosigned checkpoints: $(proved 2>&1)"
same_bundle() {
	proved 2>/dev/null && call "/api/v1/instruments/SCALE-N/proof?at=2024-12-01" &&
		[ "$status" = 200 ] && cmp -s "$WORK/body" "$WORK/cli.bundle"
}
wait_until 30 same_bundle || fail "the API's bundle differs from caltrace prove's (status $status)"
[[ $(header Content-Disposition) == 'attachment; filename="bundle-of-SCALE-N-2024-12-01.bundle"' ]] ||
	fail "Content-Disposition: $(header Content-Disposition)"
etag=$(header ETag)
[ "$etag" = "\"$(sha256sum "$WORK/body" | cut -c1-64)\"" ] || fail "the bundle's ETag is not its SHA-256: $etag"
cp "$WORK/body" "$WORK/api.bundle"
"$CT" --home /nonexistent verify "$WORK/api.bundle" --bureau "${KEY[bureau]}" >/dev/null ||
	fail "the downloaded bundle does not verify"
# A known ETag gets 304 and no body. The city lab is still writing, so a network checkpoint
# signed between the two requests makes a new bundle: then the answer must be 200 with another
# ETag, and the pair is asked again.
stale=""
not_modified() {
	local path="/api/v1/instruments/SCALE-N/proof?at=2024-12-01" tag
	call "$path" && [ "$status" = 200 ] || return 1
	tag=$(header ETag)
	call "$path" -H "If-None-Match: $tag"
	if [ "$status" = 200 ] && [ "$(header ETag)" != "$tag" ]; then return 1; fi
	[ "$status" = 304 ] || stale="status $status for the bundle's own ETag $tag"
}
wait_until 30 not_modified || fail "no 304 for a known ETag"
[ -z "$stale" ] || fail "$stale"
[ ! -s "$WORK/body" ] || fail "a 304 with a body"

# an entry by hash, as `caltrace show --json`; immutable, with its hash as ETag
hash=$(ct bureau chain SCALE-N --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["registration"])')
expect 200 "/api/v1/entries/$hash"
ct bureau show "$hash" --json >"$WORK/show.json"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
	"$WORK/body" "$WORK/show.json" || fail "the API's entry differs from show --json"
[ "$(header ETag)" = "\"$hash\"" ] || fail "entry ETag: $(header ETag)"
[[ $(header Cache-Control) == *immutable* ]] || fail "an entry is not cached as immutable"
expect 304 "/api/v1/entries/$hash" -H "If-None-Match: \"$hash\""
expect 404 "/api/v1/entries/$(printf '0%.0s' {1..64})"
json "j['status'] == 404 and 'no entry with hash $(printf '0%.0s' {1..64})' in j['detail']"

# a standard's impact, paged
expect 200 "/api/v1/standards/M1/impact?since=2024-01-01&at=2024-12-01&limit=2"
json 'j["instruments"] == 2 and j["standards"] == 1 and j["calibrations"] == 3 and len(j["items"]) == 2 and j["next"] is not None'
next=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"])' "$WORK/body")
expect 200 "$next"
json 'len(j["items"]) == 1 and j["offset"] == 2 and j["next"] is None'
expect 200 "/api/v1/standards/M1/impact"
json 'j["since_from"] == "all of its uses"'

# coverage, by district, category and lab, at a date and month by month
expect 200 "/api/v1/coverage?by=district&at=2024-12-01"
json '[g["key"] for g in j["groups"]] == ["North", "South"] and j["groups"][1]["coverage"] == 1.0'
expect 200 "/api/v1/coverage?by=category&at=2024-12-01"
json 'j["groups"][0]["key"] == "mass"'
expect 200 "/api/v1/coverage?by=lab&at=2024-12-01"
json 'sorted(g["name"] for g in j["groups"]) == ["City institute", "South institute"]'
expect 200 "/api/v1/coverage?monthly=2024-07..2024-12&by=district"
json 'len(j["months"]) == 6 and j["months"][-1]["month"] == "2024-12"'

# a lab's due list, and status
expect 200 "/api/v1/labs/${KEY[dist]}/due?within=30"
json 'j["lab"]["name"] == "South institute" and [i["id"] for i in j["items"]] == ["SCALE-S"] and j["items"][0]["state"] == "overdue"'
expect 200 /api/v1/status
json "j['node']['running'] and j['bureau'] == '${KEY[bureau]}' and len(j['digest']) == 64 and sorted(p['key'] for p in j['peers']) == sorted(['${KEY[city]}', '${KEY[dist]}'])"

# every answer reads a fresh snapshot: what the lab writes now shows up
wait_until 120 same_digest bureau city || fail "the bulk import did not replicate"
expect 200 /api/v1/instruments/BULK-3000
json 'j["verdict"] == "invalid" and j["reasons"] == ["no-calibration"]'
wait "${PID[bulk]}" || fail "the bulk import failed"
unset "PID[bulk]"

# errors: RFC 9457 problems with the right status
expect 400 "/api/v1/instruments/SCALE-N?at=2025-02-30"
json 'j["status"] == 400 and j["title"] == "Bad Request" and "parameter '"'"'at'"'"'" in j["detail"] and j["instance"] == "/api/v1/instruments/SCALE-N"'
[ "$(header Content-Type)" = application/problem+json ] || fail "problem content type: $(header Content-Type)"
expect 400 "/api/v1/instruments/SCALE-N?colour=red"
json '"unknown parameter '"'"'colour'"'"'" in j["detail"]'
expect 400 "/api/v1/coverage?by=planet"
expect 400 "/api/v1/coverage?monthly=2020-01..2026-01"
expect 400 "/api/v1/labs/xyz/due"
expect 400 "/api/v1/instruments/a%01b"
expect 404 /api/v1/instruments/NO-SUCH
json '"no instrument with id '"'"'NO-SUCH'"'"'" in j["detail"]'
expect 404 "/api/v1/labs/$(printf 'ab%.0s' {1..32})/due"
expect 404 /api/v1/nothing
expect 405 /api/v1/status -X DELETE
[ "$(header Allow)" = "GET, HEAD" ] || fail "405 without Allow"
expect 413 /api/v1/status -X GET --data-binary 'body'
expect 414 "/api/v1/instruments/$(head -c 3000 /dev/zero | tr '\0' x)"
expect 431 /api/v1/status -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' x)"
expect 200 /api/v1/status -I # HEAD: curl writes the headers where the body would go
! grep -q '{' "$WORK/body" || fail "HEAD with a body"
grep -qi '^content-length: [1-9]' "$WORK/body" || fail "HEAD without the length of the body it leaves out"

# 429 from the rate-limited server, with Retry-After
codes=$(for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code} ' "http://127.0.0.1:$SLOW/api/v1"; done)
[[ $codes == *429* ]] || fail "no 429 at 2 requests a second: $codes"
[[ $(curl -s -D - -o /dev/null "http://127.0.0.1:$SLOW/api/v1") == *"Retry-After: "* ]] || fail "429 without Retry-After"

# 503 with Retry-After: a proof from a home whose feeds have no cosigned checkpoint yet
SOLO=$((BASE + 7))
"$CT" init "$WORK/solo" --name solo >/dev/null 2>&1
"$CT" --home "$WORK/solo" genesis --network Solo --district A >/dev/null 2>&1
"$CT" --home "$WORK/solo" catalogue-set x --name x --mode V --interval-days 365 --domains trade --effective 2020-01-01 >/dev/null 2>&1
"$CT" --home "$WORK/solo" instrument register S-1 --category mass --district A --owner o --mpe-rel-ppm 1000 >/dev/null 2>&1 || true
"$CT" --home "$WORK/solo" serve --listen "127.0.0.1:$SOLO" 2>>"$WORK/solo.log" &
PID[solo]=$!
wait_until 10 up "$SOLO" || fail "the solo server did not start"
URL="http://127.0.0.1:$SOLO"
expect 503 /api/v1/instruments/S-1/proof
[ -n "$(header Retry-After)" ] || fail "503 without Retry-After"
json '"no complete proof can be made yet" in j["detail"]'

# SIGTERM stops each server cleanly (exit 0)
for s in serve slow solo; do stop "$s"; done
grep -q "SIGTERM, stopping" "$WORK/serve.log" || fail "serve did not say it stopped"
for n in bureau city dist; do stop "$n"; done
log "ok"
