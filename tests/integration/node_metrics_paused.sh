#!/usr/bin/env bash
# A peer that hangs (SIGSTOP) while this node writes: its connection still
# counts as up (TCP does not know), and the metrics say how far behind it is,
# exactly: the lab's node imports 1,000 entries, its first, while the
# bureau's node is paused, and the lab's metrics show caltrace_peer_behind_entries of 1000 for
# the bureau in every scrape, caltrace_peer_lag_entries of 0 and
# caltrace_peer_up of 1; once the bureau resumes it catches up and the
# gauge goes back to 0. (A growth of at most 256 entries is pushed, not
# announced, and counts as held by the peer from the moment it is sent:
# docs/OPERATIONS.md, "Metrics".)
. "$(dirname "$0")/node_lib.bash"
command -v curl >/dev/null || fail "curl is needed (scripts/deps.sh)"

BUREAU=bureau
bureau bureau 0
lab lab 1 city
link bureau lab
records() { # FROM TO
	awk -v from="$1" -v to="$2" 'BEGIN { for (i = from; i <= to; i++)
	printf "{\"type\":\"instrument.register\",\"id\":\"P-%d\",\"category\":\"mass\",\"district\":\"North\",\"owner\":\"o\",\"mpe\":{\"rel_ppm\":1000}}\n", i }'
}
records 1 1000 >"$WORK/more.ndjson"
ct bureau export -o "$WORK/bureau.ct" >/dev/null
ct lab import "$WORK/bureau.ct" >/dev/null
MPORT=$((BASE + 5))
start bureau
start lab --metrics "127.0.0.1:$MPORT"
# the lab's feed is empty: the bureau's hello did not name it, so it holds none of it (this counted
# for nothing before, and behind read 0)
wait_until 30 same_digest bureau lab || fail "the nodes did not converge"
bk=${KEY[bureau]}
lk=${KEY[lab]}
scrape() { curl -sf "http://127.0.0.1:$MPORT/metrics" >"$1"; }
metric() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
lab_feed() { ct lab log "$lk" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

kill -STOP "${PID[bureau]}"
ct lab import-records "$WORK/more.ndjson" >/dev/null 2>&1 || fail "import-records"
size=$(lab_feed)
[ "$size" = 1000 ] || fail "the lab's feed has $size entries"
# the lab's node has seen its own feed grow
noticed() { scrape "$WORK/m.txt" && [ "$(metric "$WORK/m.txt" "caltrace_feed_entries{feed=\"$lk\"}")" = "$size" ]; }
wait_until 10 noticed || fail "the lab's node did not notice its feed grew to $size"
for i in 1 2 3; do
	scrape "$WORK/m$i.txt" || fail "no metrics"
	[ "$(metric "$WORK/m$i.txt" "caltrace_peer_up{peer=\"$bk\",address=\"127.0.0.1:${PORT[bureau]}\"}")" = 1 ] ||
		fail "scrape $i: the paused bureau is not up"
	[ "$(metric "$WORK/m$i.txt" "caltrace_peer_behind_entries{peer=\"$bk\"}")" = 1000 ] ||
		fail "scrape $i: behind is '$(metric "$WORK/m$i.txt" "caltrace_peer_behind_entries{peer=\"$bk\"}")', not 1000"
	[ "$(metric "$WORK/m$i.txt" "caltrace_peer_lag_entries{peer=\"$bk\"}")" = 0 ] ||
		fail "scrape $i: lag is '$(metric "$WORK/m$i.txt" "caltrace_peer_lag_entries{peer=\"$bk\"}")', not 0"
	sleep 0.5
done
kill -CONT "${PID[bureau]}"
caught_up() {
	scrape "$WORK/m.txt" && [ "$(metric "$WORK/m.txt" "caltrace_peer_behind_entries{peer=\"$bk\"}")" = 0 ] &&
		same_digest bureau lab
}
wait_until 60 caught_up || fail "the bureau did not catch up after it resumed"
for n in bureau lab; do stop "$n"; done
log "ok: a paused peer's lag and behind are in the metrics, exactly"
