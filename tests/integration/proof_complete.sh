#!/usr/bin/env bash
# Complete proof bundles (docs/FORMAT.md section 13) through the real binary: four homes (the
# bureau, the city institute, a district institute, an authorized lab), network checkpoints signed
# and witnessed by hand, `prove --complete` on the district's home, `verify` with nothing but the
# file and the bureau's key. For every entry a verdict can hinge on (a catalogue item, an
# out-of-tolerance declaration, a calibration's revocation, a lab's revocation, a later failed
# calibration, a person's certification, a fork proof), the bundle with it left out - entry,
# list and lookup edited as a dishonest prover holding the store would, the index proof made
# again - is refused; so is a bundle made against an older network checkpoint. The honest bundles
# verify, with the verdict `caltrace chain` gives.
source "$(dirname "$0")/common.bash"
: "${CT_ENTRYTOOL:?set CT_ENTRYTOOL (ctest does)}"
export CALTRACE_NOW=2025-01-05T08:00:00Z
edit="$CT_SOURCE_DIR/tests/integration/cbundle_edit.py"
ctbundle="$CT_SOURCE_DIR/tests/integration/ctbundle.py"

bureau=$(new_home bureau)
city=$(new_home city)
dist=$(new_home dist)
lab=$(new_home lab)
homes="bureau city dist lab"
sync() { # every feed to every home
	local h f
	for h in $homes; do ct --home "$h" export -o "$h.ct" >/dev/null 2>&1; done
	for h in $homes; do
		for f in $homes; do [ "$h" = "$f" ] || ct --home "$h" import "$f.ct" >/dev/null 2>&1 || true; done
	done
}
# a network checkpoint of the state every home holds, signed by the bureau, cosigned by all
netcheckpoint() {
	local h
	sync
	ct --home bureau netcheckpoint --sign >ncp.0 2>/dev/null || fail "the bureau cannot sign"
	cp ncp.0 ncp.cur
	for h in city dist lab; do
		ct --home "$h" netcheckpoint --witness ncp.cur 2>"w.$h" || fail "$h refuses: $(cat "w.$h")"
		has "w.$h" "cosigned"
		ct --home "$h" netcheckpoint >ncp.cur
	done
	for h in bureau city dist; do ct --home "$h" netcheckpoint --witness ncp.cur 2>/dev/null; done
}
ct --home bureau genesis --network Testcity --district North,South >/dev/null
for k in city dist lab; do
	tier=$([ $k = city ] && echo city || { [ $k = dist ] && echo district || echo authorized; })
	ct --home bureau admit "${!k}" --name "$k lab" --tier "$tier" --district South --scope mass \
		--from 2020-01-01 --until 2030-12-31 >/dev/null
done
ct --home bureau catalogue-set scale-trade --name "trade scale" --mode V --interval-days 365 \
	--domains trade --effective 2020-01-01 >/dev/null
CALTRACE_NOW=2024-01-01T00:00:00Z ct --home bureau certify-person P-1 --name "Li Wei" --scope mass \
	--until 2030-01-01 >/dev/null
sync
ct --home city standard register M1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2 >/dev/null
for d in D1 D2; do
	ct --home dist standard register $d --name "F1 weights $d" --category mass --level district --public \
		--u-rel-ppm 20 >/dev/null
done
sync
for s in M1 D1 D2; do
	ct --home bureau standard approve $s --certificate "EX-$s" --from 2024-01-01 --until 2028-12-31 >/dev/null
done
ct --home bureau standard anchor M1 --provider "Provincial institute" --certificate P-1 \
	--performed 2024-06-01 --until 2025-05-31 --u-rel-ppm 1 >/dev/null
sync
for d in D1 D2; do
	ct --home city calibrate $d --standard M1 --kind calibration --performed 2024-07-01 --valid-until 2025-06-30 \
		--result pass --certificate "C-$d" >/dev/null
done
sync
inst() { # inst HOME ID: a compulsory trade scale
	ct --home "$1" instrument register "$2" --category mass --district South --owner "owner of $2" \
		--catalogue scale-trade --domain trade --mpe-rel-ppm 1000 >/dev/null
}
cal() { # cal HOME ID STANDARD KIND DATE RESULT [options]
	local h=$1 id=$2 s=$3 kind=$4 date=$5 result=$6
	shift 6
	ct --home "$h" calibrate "$id" --standard "$s" --kind "$kind" --performed "$date" --valid-until 2025-08-31 \
		--result "$result" --certificate "$kind-$id-$date" "$@" | awk '{print $3}'
}
# SCALE-S valid (its technician certified); SCALE-X a calibration where a verification is required;
# SCALE-R's verification revoked; SCALE-F failed a later verification; SCALE-O verified with D2,
# which its owner declares out of tolerance (after a first network checkpoint); SCALE-L verified by
# the lab after the bureau revoked it
for i in S X R F O; do inst dist SCALE-$i; done
cal dist SCALE-S D1 verification 2024-09-01 pass --technician P-1 >/dev/null
cal dist SCALE-X D1 calibration 2024-09-01 pass >/dev/null
rcal=$(cal dist SCALE-R D1 verification 2024-09-01 pass)
ct --home dist revoke-cal "$rcal" --reason "wrong instrument" >/dev/null
cal dist SCALE-F D1 verification 2024-08-01 pass >/dev/null
cal dist SCALE-F D1 verification 2024-10-01 fail >/dev/null
cal dist SCALE-O D2 verification 2024-09-01 pass >/dev/null
sync
inst lab SCALE-L
cal lab SCALE-L D1 verification 2024-09-05 pass >/dev/null
ct --home bureau revoke-org "$lab" --effective 2024-09-01 --reason "licence withdrawn" >/dev/null
netcheckpoint
cp -a dist dist-old # a dishonest prover keeps this copy: its state is the first network checkpoint

# a later declaration, and a later network checkpoint, ten days on
export CALTRACE_NOW=2025-01-15T08:00:00Z
ct --home dist standard oot D2 --since 2024-08-20 --reason "found 8 mg high" >/dev/null
netcheckpoint

declare -A want=([S]=0 [X]=1 [R]=1 [F]=1 [O]=1 [L]=1)
for i in S X R F O L; do
	home=dist
	run_expect "${want[$i]}" "chain.$i" -- ct --home $home chain SCALE-$i --at 2024-12-01
	run_expect 0 out -- ct --home $home prove SCALE-$i --complete --at 2024-12-01 -o "$i.bundle"
	run_expect "${want[$i]}" "verify.$i" -- ct verify "$i.bundle" --bureau "$bureau"
	has "verify.$i" "complete at the network checkpoint of" "cosigned by the bureau and 2 witnesses"
	grep -v '^complete at the network checkpoint' "verify.$i" >"v.$i"
	cmp "v.$i" "chain.$i" || fail "SCALE-$i: verify prints another chain: $(diff "v.$i" "chain.$i")"
	# the independent verifier, written from docs/FORMAT.md alone, accepts it
	run_expect 0 "py.$i" -- python3 "$ctbundle" verify "$i.bundle" "$bureau"
	has "py.$i" "ok: complete" "subject instrument SCALE-$i"
done
run_expect 0 out -- python3 "$ctbundle" verify S.bundle "$bureau" --pure
has chain.X "verification-required"
has chain.R "revoked-calibration"
has chain.F "failed"
has chain.O "out-of-tolerance"
has chain.L "lab-revoked"
echo "complete bundle for a three-level chain: $(stat -c %s S.bundle) bytes" >&2

# refused: name the case, the bundle, the edits, whether the index proof is made again, what verify says
refuse() {
	local name=$1 in=$2 again=$3 why=$4
	shift 4
	python3 "$edit" "$in" "t0.$name" "$@" || fail "$name: cannot edit the bundle"
	if [ "$again" = again ]; then
		"$CT_ENTRYTOOL" rebundle dist "t0.$name" "t.$name" || fail "$name: cannot remake the index proof"
	else
		cp "t0.$name" "t.$name"
	fi
	run_expect 2 "r.$name" -- ct verify "t.$name" --bureau "$bureau"
	has "r.$name" "does not verify" "$why"
	run_expect 1 "r.$name.py" -- python3 "$ctbundle" verify "t.$name" "$bureau"
}
# the catalogue item: the entry alone, its list too, and the whole lookup with the proof made again
refuse cat1 X.bundle no "lists entry" drop-entry:catalogue.set
refuse cat2 X.bundle again "do not lead to the index root" drop-entry:catalogue.set unlist
refuse cat3 X.bundle again "no lookup of key catalogue scale-trade" drop-entry:catalogue.set drop-key:c
refuse cat4 X.bundle again "index proof" drop-entry:catalogue.set absent-key:c
# the out-of-tolerance declaration
refuse oot1 O.bundle again "do not lead to the index root" drop-entry:standard.out_of_tolerance unlist
refuse oot2 O.bundle no "lists entry" drop-entry:standard.out_of_tolerance
# the calibration's revocation
refuse rev1 R.bundle again "no lookup of key revoked" drop-entry:calibration.revoke drop-key:r
refuse rev2 R.bundle again "do not lead to the index root" drop-entry:calibration.revoke unlist
# the lab's revocation
refuse org1 L.bundle again "do not lead to the index root" drop-entry:org.revoke unlist
# the later failed calibration
refuse later1 F.bundle again "do not lead to the index root" drop-entry-with:SCALE-F-2024-10-01 unlist
refuse later2 F.bundle no "lists entry" drop-entry-with:SCALE-F-2024-10-01
# the person's certification
refuse person1 S.bundle again "no lookup of key person P-1" drop-entry:person.certify drop-key:p
refuse person2 S.bundle no "lists entry" drop-entry:person.certify

# an older network checkpoint: a bundle of the state before the declaration, where SCALE-O was
# valid, made from the copy kept; refused for its age, and so known for what it is
run_expect 0 out -- ct --home dist-old prove SCALE-O --complete --at 2024-12-01 -o old.bundle
run_expect 2 r.old -- ct verify old.bundle --bureau "$bureau"
has r.old "does not verify" "network checkpoint is of 2025-01-05" "more than 7 days ago"
run_expect 0 r.old2 -- ct verify old.bundle --bureau "$bureau" --max-age 30
now_ms=1736928000000 # CALTRACE_NOW, 2025-01-15T08:00:00Z
run_expect 1 r.old.py -- python3 "$ctbundle" verify old.bundle "$bureau" --now $now_ms --max-age 7
has r.old.py "more than 7 days old"
run_expect 0 r.old2.py -- python3 "$ctbundle" verify old.bundle "$bureau" --now $now_ms --max-age 30
# a bundle asks for more witnesses than it has
run_expect 2 r.wit -- ct verify S.bundle --bureau "$bureau" --witnesses 4
has r.wit "fewer than 4"
run_expect 1 r.wit.py -- python3 "$ctbundle" verify S.bundle "$bureau" --witnesses 4

# an equivocating lab: the city signs a second entry at the seq of its calibration of D1; every home
# holds the fork proof; SCALE-S is then forked-author, and the proof must be in its bundle
ct --home city log "$city" --json >citylog.json
read -r cal_seq cal_prev < <(python3 -c '
import json
for e in json.load(open("citylog.json")):
    if e["type"] == "calibration":
        print(e["seq"], e["prev"]); break')
"$CT_ENTRYTOOL" sign --key city/key --seq "$cal_seq" --prev "$cal_prev" --time 2024-07-02 \
	--type instrument.retire --body '{"id":"X-1","effective":"2024-07-02"}' >fork.bin
for h in bureau dist lab; do ct --home $h import fork.bin >/dev/null 2>&1 || true; done
export CALTRACE_NOW=2025-01-16T08:00:00Z
homes="bureau dist lab" # the city's own home keeps its history
netcheckpoint_no_city() {
	local h
	ct --home bureau netcheckpoint --sign >ncp.cur 2>/dev/null || fail "the bureau cannot sign"
	for h in dist lab; do
		ct --home "$h" netcheckpoint --witness ncp.cur 2>"w.$h" || fail "$h refuses: $(cat "w.$h")"
		ct --home "$h" netcheckpoint >ncp.cur
	done
}
netcheckpoint_no_city
run_expect 1 chain.K -- ct --home dist chain SCALE-S --at 2024-12-01
has chain.K "forked-author"
run_expect 0 out -- ct --home dist prove SCALE-S --complete --at 2024-12-01 -o K.bundle
has K.bundle "forks 1"
run_expect 1 verify.K -- ct verify K.bundle --bureau "$bureau"
grep -v '^complete at the network checkpoint' verify.K >v.K
cmp v.K chain.K || fail "the forked chain differs: $(diff v.K chain.K)"
run_expect 0 out -- python3 "$ctbundle" verify K.bundle "$bureau"
has out "1 fork proofs"
refuse fork1 K.bundle no "does not carry" drop-forks
refuse fork2 K.bundle again "index proof" drop-forks absent-key:f
exit 0
