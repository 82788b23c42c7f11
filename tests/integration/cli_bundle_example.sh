#!/usr/bin/env bash
# The worked example bundle (tests/vectors/bundle-example): it verifies with only the bureau key,
# prints the expected chain, and make.sh still makes it byte for byte.
source "$(dirname "$0")/common.bash"
ex="$CT_VECTORS_DIR/bundle-example"
bureau=$(cat "$ex/bureau.key")
mkdir empty && cd empty
# a v1 bundle: authentic, and said not to prove completeness; exit 1 unless --allow-incomplete
run_expect 1 out -- "$CALTRACE" --home /nonexistent verify "$ex/scale-s.bundle" --bureau "$bureau"
has out "authentic, completeness not proven" "exit status 1"
run_expect 0 out -- "$CALTRACE" --home /nonexistent verify "$ex/scale-s.bundle" --bureau "$bureau" --allow-incomplete
has out "authentic, completeness not proven"
grep -v '^authentic, completeness not proven' out >chain.txt || true
cmp chain.txt "$ex/expected.txt" || fail "verify prints another text: $(diff chain.txt "$ex/expected.txt")"
# the independent verifier written from docs/FORMAT.md alone agrees
run_expect 0 out -- python3 "$CT_SOURCE_DIR/tests/integration/ctbundle.py" verify "$ex/scale-s.bundle" "$bureau" --pure
has out "ok: 12 entries over 3 feeds, subject instrument SCALE-S at 1733011200000"
# the complete bundle of the same chain (section 13): the same chain, its network checkpoint named
# (made 2025-01-05: older than the clock here, so the age is allowed for)
run_expect 0 out -- "$CALTRACE" --home /nonexistent verify "$ex/scale-s-complete.bundle" --bureau "$bureau" --max-age 36500
has out "complete at the network checkpoint of 12 entries in 3 feeds (2025-01-05T08:00:00Z), cosigned by the bureau and 2 witnesses"
grep -v '^complete at the network checkpoint' out >chain.txt || true
cmp chain.txt "$ex/expected.txt" || fail "verify prints another text: $(diff chain.txt "$ex/expected.txt")"
run_expect 2 out -- "$CALTRACE" --home /nonexistent verify "$ex/scale-s-complete.bundle" --bureau "$bureau"
has out "more than 7 days ago"
run_expect 0 out -- python3 "$CT_SOURCE_DIR/tests/integration/ctbundle.py" verify "$ex/scale-s-complete.bundle" "$bureau" --pure
has out "ok: complete, 12 entries over 3 feeds, 12 lookups, 2 witnesses, subject instrument SCALE-S at 1733011200000"
# a flipped byte in the middle: verification fails
python3 - "$ex/scale-s.bundle" t.bundle <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
i = len(data) // 2
data[i] = ord("A") if data[i] != ord("A") else ord("B")
open(sys.argv[2], "wb").write(data)
PY
run_expect 2 out -- "$CALTRACE" verify t.bundle --bureau "$bureau"
run_expect 1 out -- python3 "$CT_SOURCE_DIR/tests/integration/ctbundle.py" verify t.bundle "$bureau" --pure
# the end line in uppercase hex: section 11 says lowercase, both verifiers refuse it
python3 - "$ex/scale-s.bundle" t.bundle <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
cut = data.rindex(b"end ") + 4
open(sys.argv[2], "wb").write(data[:cut] + data[cut:].upper())
PY
run_expect 2 out -- "$CALTRACE" verify t.bundle --bureau "$bureau"
has out "lowercase"
run_expect 1 out -- python3 "$CT_SOURCE_DIR/tests/integration/ctbundle.py" verify t.bundle "$bureau" --pure
# a verifier key of another network is said to be one, not "signed by another key"
cd ..
ct init other >/dev/null 2>&1
ct --home other genesis --network Elsewhere --district A >/dev/null 2>&1
other_vkey=$(ct --home other checkpoint --vkey | sed -n 2p)
run_expect 2 out -- "$CALTRACE" verify "$ex/scale-s.bundle" --bureau "$other_vkey"
has out "of another network"
: "${CT_ENTRYTOOL:?set CT_ENTRYTOOL (ctest does)}"
mkdir again
bash "$ex/make.sh" again
cmp again/scale-s.bundle "$ex/scale-s.bundle" || fail "make.sh no longer makes the committed bundle"
cmp again/scale-s-complete.bundle "$ex/scale-s-complete.bundle" || fail "make.sh no longer makes the committed complete bundle"
cmp again/expected.txt "$ex/expected.txt" || fail "make.sh makes another expected.txt"
