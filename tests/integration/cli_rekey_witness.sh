#!/usr/bin/env bash
# A replaced key is no longer its lab's witness (docs/DECISIONS.md, "A
# replaced key stops witnessing"; docs/CHECKPOINTS.md; docs/FORMAT.md
# section 13, rule 8), through the CLI. The bureau re-keys a lab whose
# laptop was stolen; the thief keeps the old home (which never hears of the
# rekey) and cosigns with the old key: honestly dated, and backdated with
# ct_entrytool, which signs whatever time it is told. The bureau's store
# keeps none of the lines it can tell are the thief's, the lab's new key
# witnesses in its place, and a complete bundle counts the new key and
# never the old one, in `caltrace verify` and the independent ctbundle.py.
source "$(dirname "$0")/common.bash"
: "${CT_ENTRYTOOL:?set CT_ENTRYTOOL to the ct_entrytool binary (ctest does)}"

bureau=$(new_home bureau)
lab=$(new_home lab)   # the old key: its home is the stolen laptop
lab2=$(new_home lab2) # the lab's new key
dist=$(new_home dist) # another lab, an honest witness throughout
B() { ct --home bureau "$@"; }
L() { ct --home lab "$@"; }
L2() { ct --home lab2 "$@"; }
D() { ct --home dist "$@"; }
sync() { # sync TO FROM...: TO imports the export of each FROM
	local to=$1 from
	shift
	for from in "$@"; do
		ct --home "$from" export -o "$from.ct" 2>/dev/null
		run_expect 0 sync.out -- ct --home "$to" import "$from.ct"
	done
}
secs() { date -u -d "$1" +%s; }
forge() { # forge KEYHOME TIME IN OUT: IN with a cosignature by KEYHOME's key claiming TIME
	run_expect 0 "$4" -- "$CT_ENTRYTOOL" cosign --key "$1/key" --time "$(secs "$2")" "$3"
}
lines_of() { grep -c "/witness/$2 " "$1" || true; } # lines_of NOTE KEY: cosignature lines of KEY
held_bureau() { B checkpoint --author "$bureau" >"$1"; }

B genesis --network "Test City" --district north,south >/dev/null
B admit "$lab" --name "City institute" --tier city --district north --scope mass --from 2026-01-01 \
	--until 2030-12-31 >/dev/null
B admit "$dist" --name "District institute" --tier district --district south --scope mass \
	--from 2026-01-01 --until 2030-12-31 >/dev/null
sync lab bureau
L standard register S-M1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2 >/dev/null
L instrument register SC-1 --category mass --district north --owner "Market 1" --mpe-rel-ppm 1000 >/dev/null
sync bureau lab
B standard approve S-M1 --certificate A-1 --from 2026-01-01 --until 2030-01-01 >/dev/null
B standard anchor S-M1 --provider "Provincial institute" --certificate P-1 --performed 2026-01-10 \
	--until 2027-01-10 --u-rel-ppm 1 >/dev/null
sync lab bureau
L calibrate SC-1 --standard S-M1 --kind calibration --performed 2026-02-01 --valid-until 2027-01-31 \
	--result pass --certificate C-1 >/dev/null
sync bureau lab
sync dist bureau lab

# the bureau's feed before the rekey (5 entries), cosigned by the district lab
B checkpoint --sign >b0.note
b0_size=$(sed -n 2p b0.note)
same "$b0_size" 5 "the bureau's feed before the rekey"
CALTRACE_NOW=2026-02-03T00:00:00Z run_expect 0 w.out -- D witness b0.note
D checkpoint --author "$bureau" >b0.dist
run_expect 0 w.out -- B witness b0.dist

# --- the laptop is stolen; the bureau re-keys the lab, effective 2026-02-10
run_expect 0 rekey.out -- B rekey "$lab" "$lab2" --effective 2026-02-10 --reason "laptop stolen"
has rekey.out "org.rekey #"

# (a) the thief cosigns with the old key on the stolen home, which never heard of the rekey, and
# dates it honestly: its own store keeps the line; the bureau's drops it (at or after effective)
CALTRACE_NOW=2026-02-20T00:00:00Z run_expect 0 w.out -- L witness b0.note
has w.out "1 checkpoint cosigned"
L checkpoint --author "$bureau" >b0.thief
same "$(lines_of b0.thief "$lab")" 1 "the thief's home keeps its own line"
run_expect 0 w.out -- B witness b0.thief
held_bureau b0.held
same "$(sed -n 2p b0.held)" "$b0_size" "the bureau's latest held checkpoint of its feed"
same "$(lines_of b0.held "$lab")" 0 "a line of the replaced key dated after the rekey, kept by the bureau"
same "$(lines_of b0.held "$dist")" 1 "the district lab's line (an admitted witness)"

# (b) the limit (docs/DECISIONS.md): backdated before the rekey, on a state that does not hold it,
# the line is what the lab could have made then, and is kept
forge lab 2026-02-05T00:00:00Z b0.note b0.back
run_expect 0 w.out -- B witness b0.back
held_bureau b0.held
same "$(lines_of b0.held "$lab")" 1 "a line backdated before the rekey on a state without it"

# (c) the bureau declares the old key compromised since 2026-02-04: the held line (dated 02-05) is
# dropped at the next merge, in a store that already had it
run_expect 0 comp.out -- B compromised "$lab" --since 2026-02-04 --reason "laptop found in other hands"
has comp.out "org.compromised #"
run_expect 0 w.out -- B witness b0.held
held_bureau b0.held
same "$(sed -n 2p b0.held)" "$b0_size" "the bureau's latest held checkpoint of its feed"
same "$(lines_of b0.held "$lab")" 0 "a line of the compromised key dated after since"
same "$(lines_of b0.held "$dist")" 1 "the district lab's line"

# (d) a checkpoint of the bureau's feed that holds the rekey (7 entries): the thief backdates to
# before everything, and the line is still dropped: the state proves it was made after the rekey
B checkpoint --sign >b1.note
same "$(sed -n 2p b1.note)" 7 "the bureau's feed after the rekey and the declaration"
forge lab 2026-01-15T00:00:00Z b1.note b1.forged
run_expect 0 w.out -- B witness b1.forged
held_bureau b1.held
same "$(sed -n 2p b1.held)" 7 "the bureau's latest held checkpoint"
same "$(lines_of b1.held "$lab")" 0 "a backdated line of the replaced key on a state that holds the rekey"

# (e) the new key witnesses as the lab from the rekey's effective time on, not before
sync lab2 bureau lab
forge lab2 2026-02-08T00:00:00Z b1.note b1.early
run_expect 0 w.out -- B witness b1.early
held_bureau b1.held
same "$(lines_of b1.held "$lab2")" 0 "the new key's line dated before its rekey's effective time"
run_expect 0 w.out -- L2 witness b1.note
L2 checkpoint --author "$bureau" >b1.l2
run_expect 0 w.out -- B witness b1.l2
held_bureau b1.held
same "$(lines_of b1.held "$lab2")" 1 "the new key's line"

# --- complete bundles: a network checkpoint of the state the bureau, the district lab and the new
# key hold, cosigned by the two labs (the new key for the re-keyed lab)
sync dist bureau lab lab2
sync lab2 dist
B netcheckpoint --sign >ncp.0
cp ncp.0 ncp.cur
for h in dist lab2; do
	run_expect 0 "w.$h" -- ct --home "$h" netcheckpoint --witness ncp.cur
	has "w.$h" "cosigned"
	ct --home "$h" netcheckpoint >ncp.cur
done
# the thief's line, dated a minute after the bureau's (the bundle refuses a witness much earlier)
t0=$(python3 -c '
import base64, sys
for l in open(sys.argv[1]):
    if l.startswith("\u2014 ") and "/witness/" + sys.argv[2] in l:
        print(int.from_bytes(base64.b64decode(l.split()[-1])[4:12], "big"))' ncp.cur "$bureau")
[ -n "$t0" ] || fail "no cosignature of the bureau on the network checkpoint"
run_expect 0 ncp.forged -- "$CT_ENTRYTOOL" cosign --key lab/key --time $((t0 + 60)) ncp.cur
same "$(lines_of ncp.forged "$lab")" 1 "the forged line on the network checkpoint"
run_expect 0 w.out -- B netcheckpoint --witness ncp.forged
B netcheckpoint >ncp.held
same "$(lines_of ncp.held "$lab")" 0 "the replaced key's line on a network checkpoint holding the rekey"
same "$(lines_of ncp.held "$lab2")" 1 "the new key's line on the network checkpoint"
same "$(lines_of ncp.held "$dist")" 1 "the district lab's line on the network checkpoint"

# two labs witness: the district lab, and the re-keyed lab by its new key (the verdict is invalid,
# exit 1: SC-1 is the old key's, compromised since before any cosigned checkpoint of its feed)
ctbundle="$CT_SOURCE_DIR/tests/integration/ctbundle.py"
run_expect 0 prove.out -- B prove SC-1 --at 2026-02-15 --witnesses 2 -o sc1.bundle
run_expect 1 v.out -- ct verify sc1.bundle --bureau "$bureau" --witnesses 2
has v.out "cosigned by the bureau and 2 witnesses" "compromised-key"
run_expect 0 py.out -- python3 "$ctbundle" verify sc1.bundle "$bureau" --witnesses 2
has py.out "2 witnesses"

# a dishonest prover adds the thief's line to the bundle's note: it verifies (the line is a good
# signature), and counts for nothing, in both verifiers
python3 - sc1.bundle ncp.forged "$lab" <<'PY' || fail "cannot edit the bundle"
import hashlib, sys
data = open(sys.argv[1], "rb").read()
forged = open(sys.argv[2], "rb").read()
head = data.index(b"\nnetwork ") + 1
nl = data.index(b"\n", head)
n = int(data[head + len(b"network "):nl])
note = data[nl + 1:nl + 1 + n]
text, sigs = note.split(b"\n\n", 1)
thief = [l for l in forged.split(b"\n\n", 1)[1].splitlines(True) if b"/witness/" + sys.argv[3].encode() in l]
lines = sigs.splitlines(True)
lines = lines[:2] + sorted(lines[2:] + thief, key=lambda l: l.split(b" ")[1])
note = text + b"\n\n" + b"".join(lines)
body = data[:head] + b"network %d\n" % len(note) + note + data[nl + 1 + n:data.rindex(b"end ")]
open("sc1.thief.bundle", "wb").write(body + b"end " + hashlib.sha256(body).hexdigest().encode() + b"\n")
PY
grep -q "/witness/$lab " sc1.thief.bundle || fail "the edited bundle lacks the thief's line"
run_expect 1 v.out -- ct verify sc1.thief.bundle --bureau "$bureau" --witnesses 2
has v.out "cosigned by the bureau and 2 witnesses"
run_expect 2 v.out -- ct verify sc1.thief.bundle --bureau "$bureau" --witnesses 3
has v.out "of 2 admitted labs, fewer than 3 witnesses"
run_expect 0 py.out -- python3 "$ctbundle" verify sc1.thief.bundle "$bureau" --witnesses 2
has py.out "2 witnesses"
run_expect 1 py.out -- python3 "$ctbundle" verify sc1.thief.bundle "$bureau" --witnesses 3
has py.out "2 admitted labs, fewer than 3"
echo "ok: a replaced key stops witnessing, the new key witnesses for its lab"
