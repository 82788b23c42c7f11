#!/usr/bin/env bash
# Exit codes and messages: 0 ok, 2 an error, bad usage included, always with a message saying what to do.
# Key files readable by others are refused naming chmod; `init` never
# overwrites a home.
source "$(dirname "$0")/common.bash"

run_expect 0 help.out -- ct --help
has help.out "usage: caltrace" "import-records" "exit status: 0 ok, 1 a negative answer, 2 an error"
run_expect 2 none.out -- ct
has none.out "usage: caltrace"
run_expect 2 unknown.out -- ct frobnicate
has unknown.out "unknown command 'frobnicate'" "caltrace --help"
run_expect 2 nohome.out -- ct --home nowhere digest
has nohome.out "no node home at nowhere" "caltrace init nowhere"
run_expect 2 homearg.out -- ct digest --home
has homearg.out "--home needs a directory"

# every command answers --help with 0
for cmd in init key genesis admit revoke-org certify-person catalogue-set calibrate revoke-cal log show export \
	import import-records digest check "standard register" "standard approve" "standard anchor" "standard oot" \
	"instrument register" "instrument retire" standard instrument; do
	# shellcheck disable=SC2086
	run_expect 0 cmdhelp.out -- ct $cmd --help
	has cmdhelp.out "usage: caltrace"
done

bureau=$(new_home bureau)
lab=$(new_home lab)
B() { ct --home bureau "$@"; }

# init refuses an existing home and leaves it as it was
cp bureau/key key.before
run_expect 2 init.out -- ct init bureau
has init.out "already a node home"
cmp -s bureau/key key.before || fail "init changed an existing home's key"
run_expect 2 init2.out -- ct init
has init2.out "expects one directory"

# bad usage of event commands: exit 2 with a message
run_expect 2 u1.out -- B genesis --district north
has u1.out "--network is required"
run_expect 2 u2.out -- B genesis --network N --district north --min-ratio 0
has u2.out "--min-ratio must be a whole number >= 1"
run_expect 2 u3.out -- B genesis --network N --district north --bogus
has u3.out "bad usage"
run_expect 2 u4.out -- B admit nothex --name L --tier city --scope mass --until 2030-01-01
has u4.out "is not 64 hex digits"
run_expect 2 u5.out -- B admit "$lab" --name L --tier city --scope mass --until 2030-13-01
has u5.out "until '2030-13-01' is not a date"
run_expect 2 u6.out -- B catalogue-set x --name x --mode V --interval-days -3 --domains trade
has u6.out "not a non-negative integer"
run_expect 2 u7.out -- B standard register S --name s --category mass --level working
has u7.out "give the uncertainty"
run_expect 2 u8.out -- B standard frob
has u8.out "expected register, approve, anchor or oot"
run_expect 2 u9.out -- B show
has u9.out "expects an entry HASH"
run_expect 2 u10.out -- B export
has u10.out "give the output file with -o FILE"
run_expect 2 u11.out -- B import
has u11.out "expects one FILE"
run_expect 2 u12.out -- B import missing.ct
has u12.out "cannot read missing.ct"
run_expect 2 u13.out -- B digest extra
has u13.out "unexpected argument 'extra'"
run_expect 2 u14.out -- B instrument register I --category mass --district n --owner o --mpe-rel-ppm 5 --mpe-abs 1 --unit g
has u14.out "either relative (ppm) or absolute"

# errors of state and rules: exit 2, naming the rule
run_expect 2 s1.out -- B certify-person P --name N --scope mass --until 2030-01-01
has s1.out "no genesis in this store"
run_expect 0 g.out -- B genesis --network N --district north
run_expect 2 s2.out -- B genesis --network N --district north
has s2.out "already belongs to a network"
run_expect 2 s3.out -- B genesis --network N --district north --json
run_expect 2 s4.out -- B show 0000000000000000000000000000000000000000000000000000000000000000
has s4.out "no entry with hash"
run_expect 2 s5.out -- B log "$lab"
has s5.out "no feed"
B export -o b.ct 2>/dev/null
ct --home lab import b.ct 2>/dev/null
run_expect 2 s7.out -- ct --home lab instrument register I-1 --category mass --district n --owner o --mpe-rel-ppm 5
has s7.out "not admitted"
B admit "$lab" --name L --tier city --scope mass --from 2026-01-01 --until 2030-01-01 >/dev/null
ct --home lab import <(B export -o - 2>/dev/null) 2>/dev/null
run_expect 2 s8.out -- ct --home lab catalogue-set taxi --name taxi --mode V --interval-days 365 --domains trade
has s8.out "refused catalogue.set: only the bureau may write catalogue.set"
run_expect 2 s9.out -- ct --home lab calibrate I-9 --standard S-9 --kind calibration --performed 2026-01-01 \
	--valid-until 2027-01-01 --result pass --certificate C
has s9.out "subject 'I-9' is not registered"
run_expect 0 ok.out -- ct --home lab instrument register I-1 --category mass --district n --owner o --mpe-rel-ppm 5 --json
pyjson ok.out "j['type'] == 'instrument.register' and j['seq'] == 1 and len(j['hash']) == 64"

# key files: group/other-readable refused naming chmod, for every command that signs
chmod 0644 lab/key
run_expect 2 k1.out -- ct --home lab instrument register I-2 --category mass --district n --owner o --mpe-rel-ppm 5
has k1.out "lab/key" "chmod 600"
run_expect 2 k2.out -- ct --home lab key
has k2.out "chmod 600"
run_expect 2 k3.out -- ct --home lab import-records /dev/null
has k3.out "chmod 600"
chmod 0620 lab/key
run_expect 2 k4.out -- ct --home lab key
has k4.out "writable by others" "chmod 600"
chmod 0600 lab/key
run_expect 0 k5.out -- ct --home lab key
same "$(cat k5.out)" "$lab" "key after chmod 600"
# reading commands need no key
chmod 0644 lab/key
run_expect 0 r1.out -- ct --home lab digest
run_expect 0 r2.out -- ct --home lab check
chmod 0600 lab/key

# (an import that finds a fork answers 1: cli_bad_import.sh)
printf 'not an export' >junk.ct
run_expect 2 j.out -- ct --home lab import junk.ct
has j.out "entry 1 at byte 0 is malformed"
echo "ok: exit codes"
