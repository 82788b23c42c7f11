#!/usr/bin/env bash
# Upgrades (docs/OPERATIONS.md): a home written by the release before store
# format 2 (tests/fixtures/home-format1) is refused by read and write
# commands with the command that migrates it; `caltrace migrate` migrates it
# in place (through formats 2 and 3 to 4), keeping every entry and the digest;
# caltraced migrates a copy when it starts and says so; a home of format 2
# (tests/fixtures/home-format2: three position blocks, a tree of 8 levels)
# migrates to format 4 with the same digest, export, checks and checkpoint
# audit, and stores its next entry compressed beside the older ones; a store of a newer format is refused by everything, never read,
# and left as it was.
. "$(dirname "$0")/node_lib.bash"
command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null || fail "lmdb-utils (mdb_dump, mdb_load) is needed"
FIXTURE=${CT_SOURCE_DIR:?}/tests/fixtures/home-format1
want=$(cat "$FIXTURE/DIGEST")
copy_fixture() { # NAME [FIXTURE]: a writable copy of a fixture home, its key 0600 (git keeps no modes)
	cp -r "${2:-$FIXTURE}" "$WORK/$1"
	chmod 700 "$WORK/$1" "$WORK/$1/data"
	chmod 600 "$WORK/$1/key" "$WORK/$1/data/data.mdb"
}
format_of() { mdb_dump -s meta -p "$WORK/$1/data" | awk '$1 == "format" { getline; print $1; exit }'; }

copy_fixture old
[ "$(format_of old)" = '\00\00\00\01' ] || fail "the fixture is not format 1: $(format_of old)"
sum=$(md5sum "$WORK/old/data/data.mdb")
for cmd in digest status check "log" "instrument register X --category mass --district North --owner o --mpe-rel-ppm 5"; do
	# shellcheck disable=SC2086
	out=$(ct old $cmd 2>&1) && fail "caltrace $cmd read a format-1 store"
	[[ $out == *"has format 1, older than this caltrace's (4)"*'`caltrace migrate`'* ]] ||
		fail "caltrace $cmd: the refusal does not say what to run: $out"
done
[ "$(md5sum "$WORK/old/data/data.mdb")" = "$sum" ] || fail "a refused command changed the store"
out=$(ct old migrate) || fail "migrate failed"
[[ $out == *"from format 1 to 4"* ]] || fail "migrate said: $out"
[ "$(format_of old)" = '\00\00\00\04' ] || fail "the store is not format 4 after migrate"
[ "$(digest old)" = "$want" ] || fail "the digest changed in the migration"
[ "$(ct old check | head -n1)" = "ok: 5 entries checked" ] || fail "the migrated store does not check"
[[ $(ct old migrate) == *"at format 4, this caltrace's: nothing to do"* ]] || fail "a second migrate did something"
ct old instrument register AFTER-1 --category mass --district North --owner o --mpe-rel-ppm 5 >/dev/null ||
	fail "the migrated home cannot write"
ct old check >/dev/null || fail "the store does not check after a write"

# caltraced migrates when it starts
copy_fixture node
PORT[node]=$((BASE + 1))
sed -i "s/^listen = .*/listen = 127.0.0.1:${PORT[node]}/" "$WORK/node/config"
start node
stop node
logged node 'level=warn msg="migrated the store .* from format 1 to 4' || fail "caltraced did not say it migrated"
[ "$(digest node)" = "$want" ] || fail "caltraced's migration changed the digest"

# format 2 to 4
FIXTURE2=${CT_SOURCE_DIR:?}/tests/fixtures/home-format2
copy_fixture two "$FIXTURE2"
[ "$(format_of two)" = '\00\00\00\02' ] || fail "the second fixture is not format 2: $(format_of two)"
out=$(ct two check 2>&1) && fail "caltrace check read a format-2 store"
[[ $out == *"has format 2, older than this caltrace's (4)"* ]] || fail "check on format 2: $out"
out=$(ct two migrate) || fail "migrate from format 2 failed"
[[ $out == *"from format 2 to 4"* ]] || fail "migrate said: $out"
[ "$(format_of two)" = '\00\00\00\04' ] || fail "the store is not format 4 after migrate"
[ "$(digest two)" = "$(cat "$FIXTURE2/DIGEST")" ] || fail "the digest changed in the migration from format 2"
[ "$(ct two check | head -n1)" = "ok: 272 entries checked" ] || fail "the store migrated from format 2 does not check"
ct two export -o "$WORK/two.ct" >/dev/null || fail "export of the migrated store"
[ "$(sha256sum <"$WORK/two.ct" | cut -c1-64)" = "$(cat "$FIXTURE2/EXPORT.sha256")" ] ||
	fail "the migrated store exports other bytes than the format-2 store did"
[[ $(ct two audit) == *"1 checkpoint audited, 0 feeds rewritten"* ]] || fail "the stored checkpoint no longer audits"
mdb_stat -a "$WORK/two/data" | grep -q "Status of entries" && fail "the old entries database is still there"
ct two instrument register AFTER-2 --category mass --district North --owner o --mpe-rel-ppm 5 >/dev/null ||
	fail "the home migrated from format 2 cannot write"
[ "$(ct two check | head -n1)" = "ok: 273 entries checked" ] || fail "the store does not check after a write"
# the 272 entries stored before stay as they were; the new one is compressed, in the feed form
# (c1: docs/FORMAT.md, section 14)
frames=$(mdb_dump -s log "$WORK/two/data" | grep -c '^ c1')
[ "$frames" = 1 ] || fail "the migrated store holds $frames compressed entries, not the new one alone"

# a newer format: refused by everything, never rewritten
copy_fixture new
mdb_dump -s meta "$WORK/new/data" | sed '/^ 666f726d6174$/{n;s/.*/ 00000005/}' >"$WORK/meta.dump"
grep -q '^ 00000005$' "$WORK/meta.dump" || fail "could not make a format-5 store"
mdb_load -s meta -f "$WORK/meta.dump" "$WORK/new/data" || fail "mdb_load"
sum=$(md5sum "$WORK/new/data/data.mdb")
for cmd in digest migrate check; do
	out=$(ct new $cmd 2>&1) && fail "caltrace $cmd accepted a format-5 store"
	[[ $out == *"has format 5, newer than this caltrace's (4)"* ]] || fail "caltrace $cmd: $out"
done
PORT[new]=$((BASE + 2))
"$CTD" --home "$WORK/new" 2>"$WORK/new.log" && fail "caltraced ran on a format-5 store"
logged new "has format 5, newer than this caltrace's" || fail "caltraced did not say why it refused"
[ "$(md5sum "$WORK/new/data/data.mdb")" = "$sum" ] || fail "a newer store was changed"
log "ok"
