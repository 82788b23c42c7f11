#!/usr/bin/env bash
# Every kind of bad input through `caltrace import`: each is refused with
# exit 2 and a message naming the entry (its place in the stream and its
# author#seq) and the rule it broke; every valid entry before it is kept,
# so the store ends with the digest of a store that imported only the
# valid prefix; and the store passes `check`.
source "$(dirname "$0")/common.bash"
: "${CT_ENTRYTOOL:?set CT_ENTRYTOOL to the ct_entrytool binary (ctest does)}"

bureau=$(new_home bureau)
lab=$(new_home lab)
ct --home bureau genesis --network "Test City" --district north >/dev/null
ct --home bureau admit "$lab" --name Lab --tier city --scope mass --from 2026-01-01 --until 2030-01-01 >/dev/null
ct --home bureau export -o b.ct 2>/dev/null
ct --home lab import b.ct 2>/dev/null
for i in 1 2 3 4 5; do
	ct --home lab instrument register "SC-$i" --category mass --district north --owner "Owner $i" \
		--mpe-rel-ppm 1000 >/dev/null
done
ct --home lab export -o full.ct 2>/dev/null
python3 "$ctstream" split full.ct >split.txt # index offset length author seq hash
[ "$(wc -l <split.txt)" = 7 ] || fail "expected 7 entries in the export"
lab8=${lab:0:8}

# Fields of entry i (0-based) of the clean stream.
offset() { awk -v i="$1" '$1 == i {print $2}' split.txt; }
length() { awk -v i="$1" '$1 == i {print $3}' split.txt; }
hash() { awk -v i="$1" '$1 == i {print $6}' split.txt; }

# The digest of a fresh home that imported the first n entries of the clean stream.
prefix_digest() {
	local n=$1 dir="prefix$1"
	new_home "$dir" >/dev/null
	python3 "$ctstream" cut full.ct 0 "$n" >"$dir.ct"
	[ "$n" = 0 ] || ct --home "$dir" import "$dir.ct" 2>/dev/null
	ct --home "$dir" digest
}

# refused NAME STREAM KEPT TEXT...: importing STREAM into a fresh home exits 2 mentioning every
# TEXT, and the home ends like one that imported only the first KEPT entries.
refused() {
	local name=$1 stream=$2 kept=$3
	shift 3
	new_home "$name" >/dev/null
	run_expect 2 "$name.out" -- ct --home "$name" import "$stream"
	has "$name.out" "$@"
	same "$(ct --home "$name" digest)" "$(prefix_digest "$kept")" "$name: digest of what was kept"
	run_expect 0 "$name.check" -- ct --home "$name" check
	echo "ok: $name: $(grep -m1 'caltrace import' "$name.out")"
}

# Byte surgery on a copy of the clean stream.
patch() { # patch OUT OFFSET HEXBYTES: overwrite bytes at OFFSET
	cp full.ct "$1"
	printf "$(echo "$3" | sed 's/../\\x&/g')" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
byte_at() { dd if=full.ct bs=1 skip="$1" count=1 status=none | xxd -p; }
flip() { # flip OUT OFFSET: xor one byte with 0x01
	patch "$1" "$2" "$(printf '%02x' $((0x$(byte_at "$2") ^ 0x01)))"
}

# 1. truncated in the middle of the last entry: the six before it are kept
last=6
head -c $(($(offset $last) + $(length $last) / 2)) full.ct >truncated.ct
refused truncated truncated.ct 6 "entry 7 at byte $(offset $last)" "truncated"

# 2. a byte of lab entry #3's signature flipped (stream entry 4)
flip sig.ct $(($(offset 4) + $(length 4) - 10))
refused bad-signature sig.ct 4 "entry 5 at byte $(offset 4)" "$lab8" "#3" "signature"

# 3. a byte flipped in lab entry #3's body: "SC-3" becomes "SC-2"
body_at=$(($(offset 4) + $(python3 -c '
import sys; raw = open("full.ct", "rb").read()[int(sys.argv[1]):]; print(raw.index(b"SC-3") + 3)' "$(offset 4)")))
flip body.ct "$body_at"
refused flipped-body body.ct 4 "entry 5 at byte $(offset 4)" "$lab8" "#3" "signature"

# 4. a seq gap: lab entry #3 left out, #4 is refused
{ python3 "$ctstream" cut full.ct 0 4; python3 "$ctstream" cut full.ct 5 2; } >gap.ct
refused seq-gap gap.ct 4 "entry 5 at byte $(offset 4)" "$lab8" "#4" "seq gap"

# 5. a non-canonical entry: lab entry #3's version written as uint8 (0xcc 0x01 for 0x01)
{
	python3 "$ctstream" cut full.ct 0 4
	printf '\x98\xcc\x01'
	python3 "$ctstream" cut full.ct 4 1 | tail -c +3
	python3 "$ctstream" cut full.ct 5 2
} >noncanon.ct
refused non-canonical noncanon.ct 4 "entry 5 at byte $(offset 4)" "shortest"

# 6. a bureau-only event signed by the lab, after its real entries
"$CT_ENTRYTOOL" sign --key lab/key --seq 6 --prev "$(hash 6)" --time 2026-03-01 --type catalogue.set \
	--body '{"item":"x","name":"taxi meter","mode":"V","interval_days":365,"domains":["trade"],"effective":0}' \
	>forged.bin
cat full.ct forged.bin >bureau-only.ct
refused bureau-only bureau-only.ct 7 "entry 8 at byte $(stat -c %s full.ct)" "$lab8" "#6" \
	"only the bureau may write catalogue.set"

# 7. a body that breaks its type's schema (unknown field 'idx' in an instrument.retire)
# {"effective": 0, "idx": "SC-1"} as canonical msgpack
"$CT_ENTRYTOOL" sign --key lab/key --seq 6 --prev "$(hash 6)" --time 2026-03-01 --type instrument.retire \
	--body-hex 82a965666665637469766500a3696478a453432d31 >schema.bin
cat full.ct schema.bin >schema.ct
refused schema schema.ct 7 "entry 8 at byte $(stat -c %s full.ct)" "$lab8" "#6" "unknown field 'idx'"

# 8. garbage that is not an entry at all
{ cat full.ct; printf 'hello'; } >garbage.ct
refused garbage garbage.ct 7 "entry 8 at byte $(stat -c %s full.ct)" "malformed"

# 9. a fork: a second, different #2 of the lab; exit 1, proof kept, the first #2 stays
"$CT_ENTRYTOOL" sign --key lab/key --seq 2 --prev "$(hash 2)" --time 2026-03-01 --type instrument.retire \
	--body '{"id":"SC-1","effective":"2026-03-01"}' >fork.bin
cat full.ct fork.bin >fork.ct
new_home forked >/dev/null
run_expect 1 fork.out -- ct --home forked import fork.ct
has fork.out "fork" "${lab:0:16}" "#2" "8 entries read" "1 forks"
same "$(ct --home forked digest)" "$(prefix_digest 7)" "the digest after a fork"
run_expect 0 fork.check -- ct --home forked check
ct --home forked log "$lab" --json >forklog.json
pyjson forklog.json "len(j) == 5 and j[1]['hash'] == '$(hash 3)'"
# the frozen feed takes no more: an import of a #6 is refused
"$CT_ENTRYTOOL" sign --key lab/key --seq 6 --prev "$(hash 6)" --time 2026-03-01 --type instrument.retire \
	--body '{"id":"SC-1","effective":"2026-03-01"}' >next.bin
run_expect 2 frozen.out -- ct --home forked import next.bin
has frozen.out "entry 1 at byte 0" "$lab8" "#6" "forked"
echo "ok: every bad import refused"
