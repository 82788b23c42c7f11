#!/usr/bin/env bash
# Checkpoints, witnessing, proof bundles and audit through the real binary: three homes
# (bureau, city, district lab), a three-level chain, checkpoints signed and cosigned via the CLI,
# `prove` on the lab's home, `verify` in an empty directory with only the file and the bureau key,
# and every tampering case (exit 2 naming what failed).
source "$(dirname "$0")/common.bash"
export CALTRACE_NOW=2025-01-05T08:00:00Z

bureau=$(new_home bureau)
city=$(new_home city)
dist=$(new_home dist)
sync() { # every feed to every home
	local h f
	for h in bureau city dist; do ct --home "$h" export -o "$h.ct" >/dev/null 2>&1; done
	for h in bureau city dist; do
		for f in bureau city dist; do [ "$h" = "$f" ] || ct --home "$h" import "$f.ct" >/dev/null 2>&1; done
	done
}
ct --home bureau genesis --network Testcity --district North,South >/dev/null
ct --home bureau admit "$city" --name "City institute" --tier city --district North --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
ct --home bureau admit "$dist" --name "South institute" --tier district --district South --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
ct --home bureau catalogue-set scale-trade --name "trade scale" --mode V --interval-days 365 \
	--domains trade --effective 2020-01-01 >/dev/null
sync
ct --home city standard register M1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2 >/dev/null
ct --home dist standard register D1 --name "F1 weights" --category mass --level district --public --u-rel-ppm 20 >/dev/null
sync
ct --home bureau standard approve M1 --certificate EX-1 --from 2024-01-01 --until 2028-12-31 >/dev/null
ct --home bureau standard approve D1 --certificate EX-2 --from 2024-01-01 --until 2028-12-31 >/dev/null
ct --home bureau standard anchor M1 --provider "Provincial institute" --certificate P-1 \
	--performed 2024-06-01 --until 2025-05-31 --u-rel-ppm 1 >/dev/null
sync
ct --home city calibrate D1 --standard M1 --kind calibration --performed 2024-07-01 --valid-until 2025-06-30 \
	--result pass --certificate C-D1 >/dev/null
sync
ct --home dist instrument register SCALE-S --category mass --district South --owner Mill \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000 >/dev/null
ct --home dist calibrate SCALE-S --standard D1 --kind verification --performed 2024-09-01 \
	--valid-until 2025-08-31 --result pass --certificate V-S >/dev/null
ct --home dist instrument register SCALE-X --category mass --district South --owner Shop \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000 >/dev/null
ct --home dist calibrate SCALE-X --standard D1 --kind calibration --performed 2024-09-01 \
	--valid-until 2025-08-31 --result pass --certificate K-X >/dev/null
sync

# a v1 bundle says plainly that it proves no completeness; the rest of its output is the chain
v1only() {
	has "$1" "authentic, completeness not proven"
	grep -v '^authentic, completeness not proven' "$1" >"$1.chain" || true
	mv "$1.chain" "$1"
}

# before any checkpoint: prove says which feed lacks a cosigned checkpoint and what to do
run_expect 2 out -- ct --home dist prove SCALE-S --incomplete --at 2024-12-01 -o x.bundle
has out "carries the bureau's cosignature" "caltrace witness"

# every node signs its feed; the bureau witnesses all three; the cosigned notes go back
for h in bureau city dist; do
	run_expect 0 "$h.cp" -- ct --home "$h" checkpoint --sign
	has "$h.cp" "caltrace/" "— caltrace/"
done
run_expect 0 out -- ct --home bureau witness city.cp dist.cp
has out "2 checkpoints cosigned"
run_expect 0 out -- ct --home bureau witness
has out "3 checkpoints cosigned"
run_expect 0 out -- ct --home bureau checkpoint --vkey
bureau_vkey=$(sed -n 2p out)
case "$bureau_vkey" in caltrace/*/witness/"$bureau"+*+*) ;; *) fail "bad verifier key: $bureau_vkey" ;; esac
for f in bureau city dist; do ct --home bureau checkpoint --author "${!f}" >"$f.cosigned"; done
has city.cosigned "/witness/$bureau "
run_expect 0 out -- ct --home dist witness bureau.cosigned city.cosigned dist.cosigned
run_expect 0 out -- ct --home dist checkpoint
has out "/witness/$bureau " "/witness/$dist "
# witnessing is idempotent; audit finds every feed consistent
run_expect 0 out -- ct --home dist witness
run_expect 0 out -- ct --home dist audit
has out "0 feeds rewritten"

# prove on the lab's home, verify in a fresh empty directory with only the file and the key
run_expect 0 out -- ct --home dist prove SCALE-S --incomplete --at 2024-12-01 -o "$work/s.bundle"
size=$(stat -c %s s.bundle)
echo "bundle for a three-level chain: $size bytes" >&2
[ "$size" -lt 16384 ] || fail "bundle is $size bytes"
run_expect 0 chain.txt -- ct --home dist chain SCALE-S --at 2024-12-01
mkdir empty && cd empty
run_expect 1 verify.txt -- env -u CALTRACE_HOME "$CALTRACE" --home /nonexistent verify ../s.bundle --bureau "$bureau"
has verify.txt "exit status 1 (--allow-incomplete: the verdict's)"
run_expect 0 verify.txt -- env -u CALTRACE_HOME "$CALTRACE" --home /nonexistent verify ../s.bundle --bureau "$bureau" \
	--allow-incomplete
v1only verify.txt
cmp verify.txt ../chain.txt || fail "verify prints another chain than chain: $(diff verify.txt ../chain.txt)"
run_expect 0 out -- "$CALTRACE" verify ../s.bundle --bureau "$bureau_vkey" --allow-incomplete
start=$(date +%s%N)
"$CALTRACE" verify ../s.bundle --bureau "$bureau" --allow-incomplete >/dev/null
echo "verify took $((($(date +%s%N) - start) / 1000000)) ms" >&2
cd ..

# a broken chain (a calibration, not a verification, of a compulsory instrument): a valid bundle, exit 1
run_expect 1 chainx.txt -- ct --home dist chain SCALE-X --at 2024-12-01
run_expect 0 out -- ct --home dist prove SCALE-X --incomplete --at 2024-12-01 -o x.bundle
run_expect 1 out -- ct verify x.bundle --bureau "$bureau" --allow-incomplete
v1only out
cmp out chainx.txt || fail "broken chain differs from chain"
has out "verification-required"

# tests/integration/ctbundle.py, written from docs/FORMAT.md and docs/CHECKPOINTS.md alone, accepts
# both bundles (with its own pure-Python Ed25519), and refuses every tampered one below
ctbundle="$CT_SOURCE_DIR/tests/integration/ctbundle.py"
run_expect 0 out -- python3 "$ctbundle" verify s.bundle "$bureau" --pure
has out "ok: $(grep -c '^entry ' s.bundle) entries" "subject instrument SCALE-S"
run_expect 0 out -- python3 "$ctbundle" verify x.bundle "$bureau" --pure
run_expect 1 out -- python3 "$ctbundle" verify s.bundle "$city"

# tampering: every case exits 2 and names what failed
tamper() { # tamper NAME EXPECTED-TEXT: verify t.bundle (and the independent verifier refuses it too)
	run_expect 2 "t.$1" -- ct verify t.bundle --bureau "$bureau"
	has "t.$1" "does not verify" "$2"
	run_expect 1 "t.$1.py" -- python3 "$ctbundle" verify t.bundle "$bureau"
}
lines=$(wc -l <s.bundle)
for n in 2 3 7 12 20 $((lines / 2)) $((lines - 3)) $((lines - 1)); do
	python3 - s.bundle t.bundle "$n" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
lines = data.split(b"\n")
n = int(sys.argv[3])
while not lines[n - 1]:
    n += 1
line = bytearray(lines[n - 1])
i = len(line) // 2
line[i] = ord("A") if line[i] != ord("A") else ord("B")
lines[n - 1] = bytes(line)
open(sys.argv[2], "wb").write(b"\n".join(lines))
PY
	run_expect 2 "t.flip$n" -- ct verify t.bundle --bureau "$bureau"
	has "t.flip$n" "does not verify"
	run_expect 1 "t.flip$n.py" -- python3 "$ctbundle" verify t.bundle "$bureau"
done
# drop a line: one of an entry's proof hashes
first_entry=$(grep -n -m1 '^entry ' s.bundle | cut -d: -f1)
sed "$((first_entry + 4))d" s.bundle >t.bundle
tamper drop "entry"
# drop a line of a checkpoint note
sed 7d s.bundle >t.bundle
tamper dropcp "checkpoint 1"
# the first checkpoint twice: one feed, two checkpoints
python3 - s.bundle t.bundle <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
m = re.search(rb"checkpoints (\d+)\n", data)
c = re.search(rb"checkpoint (\d+)\n", data)
block = data[c.start():c.end() + int(c.group(1))]
data = data[:m.start()] + b"checkpoints %d\n" % (int(m.group(1)) + 1) + block + data[m.end():]
open(sys.argv[2], "wb").write(data)
PY
tamper twocp "a second checkpoint of the feed"
# swap two proof blocks (keep the entries in place)
python3 - s.bundle t.bundle <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
blocks = re.findall(rb"proof (\d+)\n", data)
parts = []
pos = 0
spans = []
for m in re.finditer(rb"proof (\d+)\n", data):
    n = int(m.group(1))
    spans.append((m.start(), m.end() + n))
(a0, a1), (b0, b1) = spans[1], spans[2]
out = data[:a0] + data[b0:b1] + data[a1:b0] + data[a0:a1] + data[b1:]
open(sys.argv[2], "wb").write(out)
PY
tamper swap "entry 2"
# a checkpoint without the bureau's cosignature: strip its line
python3 - s.bundle t.bundle "$bureau" <<'PY'
import sys, re
data = open(sys.argv[1], "rb").read()
key = sys.argv[3].encode()
lines = data.split(b"\n")
out, removed = [], 0
for l in lines:
    if removed == 0 and b"/witness/" + key in l:
        removed = len(l) + 1
        continue
    out.append(l)
data = b"\n".join(out)
# fix up the first checkpoint's length
m = re.search(rb"checkpoint (\d+)\n", data)
n = int(m.group(1)) - removed
data = data[:m.start()] + b"checkpoint %d\n" % n + data[m.end():]
open(sys.argv[2], "wb").write(data)
PY
tamper nocosig "lacks the bureau's cosignature"
# cosigned by an unknown key: the bureau's line replaced by another node's cosignature
ct --home city witness bureau.cosigned >/dev/null
ct --home city checkpoint --author "$bureau" >city-view.cp
python3 - s.bundle t.bundle "$bureau" "$city" city-view.cp <<'PY'
import sys, re
data = open(sys.argv[1], "rb").read()
bureau, city = sys.argv[3].encode(), sys.argv[4].encode()
other = [l for l in open(sys.argv[5], "rb").read().split(b"\n") if b"/witness/" + city in l][0]
lines = data.split(b"\n")
for i, l in enumerate(lines):
    if b"/witness/" + bureau in l:
        delta = len(other) - len(l)
        lines[i] = other
        break
data = b"\n".join(lines)
m = re.search(rb"checkpoint (\d+)\n", data)
data = data[:m.start()] + b"checkpoint %d\n" % (int(m.group(1)) + delta) + data[m.end():]
open(sys.argv[2], "wb").write(data)
PY
tamper unknown "unknown key"
# the wrong bureau key
run_expect 2 out -- ct verify s.bundle --bureau "$city"
has out "not founded by the bureau key"
# an equivocating lab: the city signs a second, different entry at the seq of its calibration of D1.
# The lab's home holds the fork proof: chain says forked-author; the bundle carries the proof, and
# verify (and the independent verifier) give the same verdict offline.
ct --home city log "$city" --json >citylog.json
read -r cal_seq cal_prev < <(python3 -c '
import json, sys
for e in json.load(open("citylog.json")):
    if e["type"] == "calibration":
        print(e["seq"], e["prev"]); break')
"$CT_ENTRYTOOL" sign --key city/key --seq "$cal_seq" --prev "$cal_prev" --time 2024-07-02 \
	--type instrument.retire --body '{"id":"X-1","effective":"2024-07-02"}' >fork.bin
run_expect 1 out -- ct --home dist import fork.bin
has out "fork" "${city:0:16}" "#$cal_seq"
run_expect 1 chainf.txt -- ct --home dist chain SCALE-S --at 2024-12-01
has chainf.txt "forked-author"
run_expect 0 out -- ct --home dist prove SCALE-S --incomplete --at 2024-12-01 -o f.bundle
[ "$(grep -c '^fork ' f.bundle)" = 1 ] || fail "the bundle does not carry the fork proof"
has f.bundle "forks 1"
run_expect 1 verifyf.txt -- ct verify f.bundle --bureau "$bureau" --allow-incomplete
v1only verifyf.txt
cmp verifyf.txt chainf.txt || fail "verify prints another chain than chain: $(diff verifyf.txt chainf.txt)"
run_expect 0 out -- python3 "$ctbundle" verify f.bundle "$bureau" --pure
has out "1 fork proof"
# a fork proof whose second entry is not the lab's signature: refused by both verifiers
python3 - f.bundle t.bundle <<'PY'
import base64, hashlib, re, sys
data = open(sys.argv[1], "rb").read()
m = re.search(rb"^fork (\S+) (\S+)\n", data, re.M)
b = bytearray(base64.b64decode(m.group(2)))
b[-1] ^= 1
line = b"fork " + m.group(1) + b" " + base64.b64encode(bytes(b)) + b"\n"
body = data[:m.start()] + line + data[m.end():data.rindex(b"end ")]
open(sys.argv[2], "wb").write(body + b"end " + hashlib.sha256(body).hexdigest().encode() + b"\n")
PY
tamper badfork "fork 1"
# a second fork line whose two entries are one and the same (the genesis): no conflict, refused
python3 - f.bundle t.bundle <<'PY'
import base64, hashlib, re, sys
data = open(sys.argv[1], "rb").read()
m = re.search(rb"^fork (\S+) (\S+)\n", data, re.M)
g = re.search(rb"^entry (\S+)\n", data, re.M).group(1)  # the genesis: the bureau's
line = b"fork " + g + b" " + g + b"\n"
body = data[:m.start()] + m.group(0) + line + data[m.end():data.rindex(b"end ")]
body = body.replace(b"forks 1\n", b"forks 2\n")
open(sys.argv[2], "wb").write(body + b"end " + hashlib.sha256(body).hexdigest().encode() + b"\n")
PY
run_expect 2 out -- ct verify t.bundle --bureau "$bureau"
has out "fork 2"
run_expect 1 out -- python3 "$ctbundle" verify t.bundle "$bureau"
exit 0
