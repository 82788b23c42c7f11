#!/usr/bin/env bash
# Operations on a running network (docs/OPERATIONS.md):
#  - metrics scraped and parsed while a node catches up: every line is
#    Prometheus text format, and the numbers follow the replication;
#  - `caltrace backup` taken while that node catches up is one state of it:
#    the restored home passes its check, has the digest the backup recorded,
#    and that digest is the source's own at the feed sizes the backup holds
#    (recomputed from the source's entries afterwards);
#  - the secret key only with --with-key, and then the file is 0600; a
#    damaged backup or a non-empty home is refused and nothing appears;
#  - a restored node catches up; one restored from a backup older than
#    what its own feed already sent refuses to append until it has it back.
. "$(dirname "$0")/node_lib.bash"
command -v python3 >/dev/null && command -v curl >/dev/null || fail "python3 and curl are needed (scripts/deps.sh)"

BUREAU=bureau
bureau bureau 0
lab lab 1 city
link bureau lab
# the lab's feed: 8,000 entries signed before anyone replicates them, 8,000 more while the
# bureau catches up (so that the backup below lands in the middle of it)
records() { # FROM TO
	awk -v from="$1" -v to="$2" 'BEGIN { for (i = from; i <= to; i++)
	printf "{\"type\":\"instrument.register\",\"id\":\"B-%d\",\"category\":\"mass\",\"district\":\"North\",\"owner\":\"o\",\"mpe\":{\"rel_ppm\":1000}}\n", i }'
}
records 1 8000 >"$WORK/many.ndjson"
for c in 0 1 2 3; do records $((8001 + c * 2000)) $((10000 + c * 2000)) >"$WORK/more-$c.ndjson"; done
ct bureau export -o "$WORK/bureau.ct" >/dev/null
ct lab import "$WORK/bureau.ct" >/dev/null
ct lab import-records "$WORK/many.ndjson" >/dev/null 2>&1 || fail "import-records"
MPORT=$((BASE + 5))
start lab
# the largest lag on the lab the bureau shows while it catches up, scraped every 10 ms from
# before the bureau starts (on an idle machine its catch-up of the first 8,000 entries takes a
# few hundred milliseconds, and it is over before `start` returns) until the imports below end
echo 0 >"$WORK/maxlag"
(
	max=0
	for _ in $(seq 6000); do
		l=$(curl -sf "http://127.0.0.1:$MPORT/metrics" 2>/dev/null | awk -v k="caltrace_peer_lag_entries{peer=\"${KEY[lab]}\"}" '$1 == k { print $2 }')
		if [ "${l:-0}" -gt "$max" ]; then
			max=$l
			echo "$max" >"$WORK/maxlag"
		fi
		[ -e "$WORK/imports-done" ] && break
		sleep 0.01
	done
) &
lagwatch=$!
start bureau --metrics "127.0.0.1:$MPORT"
(for c in 0 1 2 3; do ct lab import-records "$WORK/more-$c.ndjson" >/dev/null 2>&1 || exit 1; done) &
more=$!

# scrape while the bureau catches up: every line parses, and the numbers move
scrape() { curl -sf "http://127.0.0.1:$MPORT/metrics"; }
parse_metrics() { # FILE: checks the text format; prints name{labels} value lines normalised
	python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n"), "no final newline"
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
sample = re.compile(rf"^({name})(\{{{label}(?:,{label})*\}})? (-?[0-9.eE+-]+|\+Inf|NaN)$")
typed = {}
for line in text.splitlines():
    if line.startswith("# HELP "):
        continue
    if line.startswith("# TYPE "):
        _, _, n, t = line.split(" ")
        assert t in ("counter", "gauge", "histogram"), line
        typed[n] = t
        continue
    m = sample.match(line)
    assert m, "not a sample line: %r" % line
    base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
    assert m.group(1) in typed or base in typed, "no TYPE for " + m.group(1)
    float(m.group(3))
    print(m.group(1) + (m.group(2) or ""), m.group(3))
PY
}
more_than() { local e; e=$(entries "$1"); [ "${e:-0}" -gt "$2" ]; }
metric() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# the backup, taken as soon as the bureau holds part of the lab's feed
wait_until 30 more_than bureau 100 || fail "the bureau does not catch up"
scrape >"$WORK/m1.txt" || fail "no metrics"
ct bureau backup --to "$WORK/mid.ctb" --json >"$WORK/mid.json" || fail "backup during catch-up failed"
scrape >"$WORK/m2.txt" || fail "no metrics"
parse_metrics "$WORK/m1.txt" >"$WORK/p1.txt" || fail "metrics do not parse"
parse_metrics "$WORK/m2.txt" >"$WORK/p2.txt" || fail "metrics do not parse"
wait "$more" || fail "import-records beside the running lab"
touch "$WORK/imports-done"
wait "$lagwatch" || true
total=$(entries lab)
wait_until 120 same_digest bureau lab || fail "the bureau did not catch up"
sleep 1
scrape >"$WORK/m3.txt" || fail "no metrics"
parse_metrics "$WORK/m3.txt" >"$WORK/p3.txt" || fail "metrics do not parse"
lk=${KEY[lab]}
s1=$(metric "$WORK/p1.txt" "caltrace_entries_stored_total")
s3=$(metric "$WORK/p3.txt" "caltrace_entries_stored_total")
[ "$s1" -lt "$s3" ] || fail "entries stored did not grow: $s1 then $s3"
labfeed=$((total - 2)) # all but the bureau's genesis and admission
[ "$s3" -eq "$labfeed" ] || fail "entries stored $s3, the lab's feed had $labfeed the bureau lacked"
[ "$(metric "$WORK/p3.txt" "caltrace_feed_entries{feed=\"$lk\"}")" = "$labfeed" ] ||
	fail "the lab's feed count is wrong: $(grep "feed=\"$lk\"" "$WORK/p3.txt")"
[ "$(metric "$WORK/p3.txt" "caltrace_store_entries")" = "$total" ] || fail "store entries is not $total"
[ "$(metric "$WORK/p3.txt" "caltrace_peers_connected")" = 1 ] || fail "peers connected is not 1"
[ "$(metric "$WORK/p3.txt" "caltrace_peer_up{peer=\"$lk\",address=\"127.0.0.1:${PORT[lab]}\"}")" = 1 ] || fail "the lab is not up"
# The lag watched above is a sample: on an idle machine the bureau took in each of the lab's
# imports between two scrapes (seen in CI's conditions: twice in three full-suite runs), so it is
# printed, not required; the gauge's value after the catch-up (0) is checked below. A paused
# peer's lag, made certain, is node_metrics_paused.sh's (docs/TESTING.md).
echo "largest lag on the lab seen while the bureau caught up: $(cat "$WORK/maxlag")"
[ "$(metric "$WORK/p3.txt" "caltrace_peer_lag_entries{peer=\"$lk\"}")" = 0 ] || fail "lag after the catch-up"
[ "$(metric "$WORK/p3.txt" "caltrace_feeds_forked")" = 0 ] || fail "a fork?"
c=$(metric "$WORK/p3.txt" "caltrace_commit_seconds_count")
[ "$c" -gt 0 ] && [ "$(metric "$WORK/p3.txt" 'caltrace_commit_seconds_bucket{le="+Inf"}')" = "$c" ] || fail "commit histogram"
ratio=$(metric "$WORK/p3.txt" "caltrace_store_map_used_ratio")
python3 -c "import sys; r=float('$ratio'); sys.exit(0 if 0 < r < 0.8 else 1)" || fail "map ratio $ratio"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other" 2>/dev/null || echo 404)
[ "$code" = 404 ] || fail "/other answered $code"
logged bureau '^ts=[0-9T:.-]+Z level=info msg="metrics on http://' || fail "log lines are not key=value"

# the backup: mid catch-up, no key, not 0600
mid_digest=$(python3 -c "import json; print(json.load(open('$WORK/mid.json'))['digest'])")
mid_entries=$(python3 -c "import json; print(json.load(open('$WORK/mid.json'))['entries'])")
[ "$mid_entries" -gt 2 ] && [ "$mid_entries" -lt "$total" ] || fail "the backup was not taken during the catch-up ($mid_entries of $total)"
[ "$(stat -c %a "$WORK/mid.ctb")" = 644 ] || fail "a backup without the key is $(stat -c %a "$WORK/mid.ctb")"
tar tf "$WORK/mid.ctb" >"$WORK/mid.list"
grep -q '^caltrace-backup/key$' "$WORK/mid.list" && fail "the key is in a backup without --with-key"
"$CT" --home "$WORK/restored" restore "$WORK/mid.ctb" >"$WORK/restore.out" || fail "restore failed"
grep -q "check: ok, $mid_entries entries verified" "$WORK/restore.out" || fail "restore did not check: $(cat "$WORK/restore.out")"
[ "$(digest restored)" = "$mid_digest" ] || fail "the restored digest is not the backup's"
ct restored check >/dev/null || fail "the restored store fails its check"
# a backup holds a full-page copy: the restored store counts as compacted (caltraced compacts it
# only once it grows: docs/OPERATIONS.md, "Compacting a home")
[ "$(cat "$WORK/restored/data/compacted" 2>/dev/null)" = "$(stat -c %s "$WORK/restored/data/data.mdb")" ] ||
	fail "the restored store's size after compaction is not recorded"
# that digest is the bureau's own state at those feed sizes
install -m 600 "$WORK/bureau/key" "$WORK/restored/key" # status reads the key: the operator puts it in place
ct restored status --json >"$WORK/rs.json"
for a in $(python3 -c "import json; [print(f['author'], f['size']) for f in json.load(open('$WORK/rs.json'))['feeds']]" | tr ' ' ':'); do
	ct bureau log "${a%%:*}" --from "${a##*:}" --limit 1 --json >"$WORK/at-${a%%:*}.json"
done
python3 - "$WORK" "$mid_digest" <<'PY' || fail "the restored state is not the bureau's at the backup's moment"
import hashlib, json, sys, glob
work, want = sys.argv[1], sys.argv[2]
feeds = json.load(open(work + "/rs.json"))["feeds"]
h = hashlib.sha256(b"caltrace/digest/v1\x00")
for f in sorted(feeds, key=lambda f: f["author"]):
    e = json.load(open("%s/at-%s.json" % (work, f["author"])))[0]
    assert e["seq"] == f["size"], (e["seq"], f["size"])
    h.update(bytes.fromhex(f["author"]) + f["size"].to_bytes(8, "big") + bytes.fromhex(e["hash"]))
assert h.hexdigest() == want, (h.hexdigest(), want)
PY

# with the key: 0600 and it holds it; a restore elsewhere runs as the node
ct lab backup --to "$WORK/lab-old.ctb" --with-key >/dev/null || fail "backup --with-key"
[ "$(stat -c %a "$WORK/lab-old.ctb")" = 600 ] || fail "a backup with the key is $(stat -c %a "$WORK/lab-old.ctb")"
tar tvf "$WORK/lab-old.ctb" >"$WORK/lab-old.list"
grep -q '^-rw------- .*caltrace-backup/key$' "$WORK/lab-old.list" || fail "the key member is not 0600"
ct lab backup --to "$WORK/lab-old.ctb" 2>/dev/null && fail "a backup overwrote a file"
# refusals: a non-empty home, a damaged backup (nothing appears)
mkdir -p "$WORK/full" && touch "$WORK/full/x"
"$CT" --home "$WORK/full" restore "$WORK/mid.ctb" >/dev/null 2>&1 && fail "restored into a non-empty home"
python3 - "$WORK/mid.ctb" "$WORK/bad.ctb" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"caltrace-backup/data/data.mdb")
b[i + 512 + 5000] ^= 0x01  # a byte of the store's copy
open(sys.argv[2], "wb").write(b)
PY
out=$("$CT" --home "$WORK/bad" restore "$WORK/bad.ctb" 2>&1) && fail "a damaged backup restored"
[[ $out == *"data/data.mdb does not match"* ]] || fail "the refusal does not name the member: $out"
[ ! -e "$WORK/bad" ] || fail "a refused restore left a home"
compgen -G "$WORK/*restoring*" >/dev/null && fail "a refused restore left its temporary directory"

# the restored bureau (given its key) catches up with the lab
cp "$WORK/bureau/key" "$WORK/bureau.key"
stop bureau
"$CT" --home "$WORK/bureau2" restore "$WORK/mid.ctb" --key "$WORK/bureau.key" >/dev/null || fail "restore --key"
PORT[bureau2]=${PORT[bureau]} # it takes the stopped bureau's place, address included
KEY[bureau2]=${KEY[bureau]}
start bureau2
wait_until 60 same_digest bureau2 lab || fail "the restored bureau did not catch up"

# the lab signs 5 more entries after its backup, they reach the bureau; its old backup comes back
for i in 1 2 3 4 5; do wait_until 10 write lab "after-$i" || fail "lab write"; done
wait_until 30 same_digest bureau2 lab || fail "the bureau did not get the lab's new entries"
stop lab
"$CT" --home "$WORK/lab2" restore "$WORK/lab-old.ctb" >/dev/null || fail "restore of the lab"
# before any peer has said how long its feed is, the restored lab signs nothing
out=$(ct lab2 instrument register too-early --category mass --district North --owner o --mpe-rel-ppm 5 2>&1) &&
	fail "the restored lab appended before a peer reported its feed"
[[ $out == *"restored from a backup and no peer has said yet how long"* ]] || fail "the refusal does not say why: $out"
out=$(ct lab2 status --json)
[[ $out == *'"appends_refused": true'* && $out == *'"restored_unconfirmed": true'* ]] || fail "status hides the refusal: $out"
PORT[lab2]=${PORT[lab]}
start lab2
wait_until 30 logged lab2 "reports this node's own feed at $((labfeed + 5)) entries" ||
	fail "the restored lab did not hear its feed's size from the bureau"
wait_until 60 same_digest bureau2 lab2 || fail "the restored lab did not get its own newer entries back"
write lab2 after-restore || fail "the caught-up lab cannot write"
out=$(ct lab2 status --json)
[[ $out == *'"restored_unconfirmed": false'* ]] || fail "the mark is still there: $out"
[ "$(ct lab2 log --json | python3 -c "import json,sys; print(json.load(sys.stdin)[-1]['seq'])")" = $((labfeed + 5 + 1)) ] ||
	fail "the restored lab's entry is not the next of its feed"
wait_until 30 same_digest bureau2 lab2 || fail "the new entry did not reach the bureau"
ct bureau2 status >"$WORK/b2.status"
grep -q FORKED "$WORK/b2.status" && fail "the restored lab forked its feed"
for n in bureau2 lab2; do stop "$n"; done
log "ok"
