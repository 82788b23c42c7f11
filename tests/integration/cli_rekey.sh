#!/usr/bin/env bash
# A lab's key lifecycle through the CLI (docs/DESIGN.md section 5): the
# bureau re-keys a lab whose key was lost, then declares the old key
# compromised. The new key is the same lab (admission, scope, its
# standards, due lists, coverage by lab); the old feed is closed at its
# closed_at (closed-feed); the compromise is bounded by the checkpoint the
# bureau cosigned before `since`, not by the times the thief writes
# (compromised-key), and impact --key lists what relied on the entries lost.
source "$(dirname "$0")/common.bash"

bureau=$(new_home bureau)
lab=$(new_home lab)
lab2=$(new_home lab2) # the lab's new node home, with its new key
B() { ct --home bureau "$@"; }
L() { ct --home lab "$@"; }
L2() { ct --home lab2 "$@"; }
hash_of() { awk '{print $NF}' "$1"; }
sync() { # sync TO FROM...: TO imports the export of each FROM
	local to=$1 from
	shift
	for from in "$@"; do
		ct --home "$from" export -o "$from.ct" 2>/dev/null
		run_expect 0 sync.out -- ct --home "$to" import "$from.ct"
	done
}

B genesis --network "Test City" --district north,south >/dev/null
B admit "$lab" --name "City institute" --tier city --district north --scope mass --from 2026-01-01 \
	--until 2030-12-31 >/dev/null
sync lab bureau
L standard register S-M1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2 >/dev/null
L instrument register SC-1 --category mass --district north --owner "Market 1" --mpe-rel-ppm 1000 >/dev/null
L instrument register SC-2 --category mass --district north --owner "Market 2" --mpe-rel-ppm 1000 >/dev/null
L instrument register SC-3 --category mass --district south --owner "Market 3" --mpe-rel-ppm 1000 >/dev/null
sync bureau lab
B standard approve S-M1 --certificate A-1 --from 2026-01-01 --until 2030-01-01 >/dev/null
B standard anchor S-M1 --provider "Provincial institute" --certificate P-1 --performed 2026-01-10 \
	--until 2027-01-10 --u-rel-ppm 1 >/dev/null
sync lab bureau
L calibrate SC-1 --standard S-M1 --kind calibration --performed 2026-02-01 --valid-until 2027-01-31 \
	--result pass --certificate C-1 >/dev/null
# the lab's feed so far: 4 registrations and a calibration; its checkpoint, cosigned by the bureau
L checkpoint --sign >lab.note
sync bureau lab
CALTRACE_NOW=2026-02-05T00:00:00Z run_expect 0 w.out -- B witness lab.note
has w.out "cosigned"

# --- the key is lost: the bureau re-keys the lab ---------------------------
run_expect 2 bad.out -- B rekey "$lab" "$lab" --effective 2026-02-10 --reason lost
has bad.out "same key"
run_expect 2 bad.out -- B rekey "$lab" "$bureau" --effective 2026-02-10 --reason lost
has bad.out "bureau"
run_expect 2 bad.out -- L rekey "$lab" "$lab2" --effective 2026-02-10 --reason lost
has bad.out "only the bureau"
run_expect 0 rekey.out -- B rekey "$lab" "$lab2" --effective 2026-02-10 --reason "key lost with its laptop"
has rekey.out "closing the old feed at #5" "org.rekey #"
run_expect 2 bad.out -- B rekey "$lab" "$(new_home lab3)" --effective 2026-02-11 --reason again
has bad.out "already replaced"
B log --json >blog.json
pyjson blog.json "[e['body'] for e in j if e['type'] == 'org.rekey'][0]['closed_at'] == 5"

# the new key works as the same lab: it calibrates the old key's instruments with the old key's standard
sync lab2 bureau lab
L2 calibrate SC-2 --standard S-M1 --kind calibration --performed 2026-02-15 --valid-until 2027-02-14 \
	--result pass --certificate C-2 >/dev/null
# the old key, still on the lost laptop, writes after the closing: #6
L calibrate SC-3 --standard S-M1 --kind calibration --performed 2026-02-03 --valid-until 2027-02-02 \
	--result pass --certificate C-3 >/dev/null
sync bureau lab2 lab

run_expect 0 c1.out -- B chain SC-1 --at 2026-03-01
has c1.out "valid"
run_expect 0 c2.out -- B chain SC-2 --at 2026-03-01 --json
pyjson c2.out "j['verdict'] == 'valid'"
run_expect 1 c3.out -- B chain SC-3 --at 2026-03-01 --json
pyjson c3.out "'closed-feed' in [r['code'] for r in j['children'][0]['reasons']]"

# one lab: coverage by lab has one group, named by the first key; due --lab with either key
run_expect 0 cov.out -- B coverage --at 2026-03-01 --by lab --json
pyjson cov.out "[g['key'] for g in j['groups']] == ['$lab']"
pyjson cov.out "j['groups'][0]['registered'] == 3 and j['groups'][0]['valid'] == 2"
for k in "$lab" "$lab2"; do
	run_expect 0 due.out -- B due --at 2027-02-10 --within 30 --lab "$k" --json
	pyjson due.out "sorted(i['id'] for i in j['items']) == ['SC-1', 'SC-2', 'SC-3']"
done

# --- then the old key turns out stolen: compromised since 2026-02-06 -------
# the thief backdates: a calibration of SC-1 "performed" 2026-01-25, entry time 2026-01-25
CALTRACE_NOW=2026-01-25T00:00:00Z L calibrate SC-1 --standard S-M1 --kind calibration \
	--performed 2026-01-25 --valid-until 2028-01-31 --result pass --certificate FORGED >/dev/null
sync bureau lab
run_expect 0 comp.out -- B compromised "$lab" --since 2026-02-06 --reason "laptop found in other hands"
has comp.out "cosigned this feed up to #5" "org.compromised #"
# the real calibration of SC-1 (#5) is within the bound and stands; the forged one (#7) is past it
run_expect 1 c1.out -- B chain SC-1 --at 2026-01-28 --json
pyjson c1.out "j['children'][0]['certificate'] == 'FORGED'"
pyjson c1.out "'compromised-key' in [r['code'] for r in j['children'][0]['reasons']]"
run_expect 0 c1.out -- B chain SC-1 --at 2026-03-01 --json
pyjson c1.out "j['children'][0]['certificate'] == 'C-1' and j['verdict'] == 'valid'"
run_expect 0 imp.out -- B impact --key "$lab" --at 2026-03-01 --json
pyjson imp.out "sorted(i['id'] for i in j['items']) == ['SC-1', 'SC-3'] and j['instruments'] == 2"
run_expect 0 imp.out -- B impact --key "$lab2" --json
pyjson imp.out "j['items'] == []"
run_expect 0 help.out -- B impact --help
has help.out "--key KEY"
# the new key retires an instrument the old key registered: the same lab (the own-append check
# follows the rekey chain; it refused this as "registered by another lab" before)
run_expect 0 ret.out -- L2 instrument retire SC-3 --effective 2027-06-01
sync bureau lab2
run_expect 0 cov.out -- B coverage --at 2027-07-01 --by lab --json
pyjson cov.out "[g['key'] for g in j['groups']] == ['$lab'] and j['groups'][0]['registered'] == 2"
echo "ok: rekey and compromise through the CLI"
