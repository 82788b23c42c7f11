#!/usr/bin/env bash
# Makes the worked example bundle (README.md here) into OUTDIR, deterministically:
# fixed keys (ct_entrytool keyfile), a fixed clock (CALTRACE_NOW) for entries and
# cosignatures. Usage: CALTRACE=... CT_ENTRYTOOL=... make.sh OUTDIR
set -euo pipefail
: "${CALTRACE:?set CALTRACE to the caltrace binary}"
: "${CT_ENTRYTOOL:?set CT_ENTRYTOOL to the ct_entrytool binary}"
out=$(cd "$1" && pwd)
unset CALTRACE_HOME
export CALTRACE_NOW=2025-01-05T08:00:00Z LC_ALL=C.UTF-8
work=$(mktemp -d -t ct-bundle-example.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
ct() { "$CALTRACE" "$@"; }
seed() { printf "$1%.0s" $(seq 32); }
i=1
for h in bureau city dist; do
	ct init "$h" --name "$h" >/dev/null 2>&1
	"$CT_ENTRYTOOL" keyfile "$(seed $i$i)" "$h"
	i=$((i + 1))
done
city=$(cat city/key.pub) dist=$(cat dist/key.pub) bureau=$(cat bureau/key.pub)
sync() { # every feed to every home
	local h f
	for h in bureau city dist; do ct --home "$h" export -o "$h.ct" >/dev/null 2>&1; done
	for h in bureau city dist; do
		for f in bureau city dist; do [ "$h" = "$f" ] || ct --home "$h" import "$f.ct" >/dev/null 2>&1; done
	done
}
ct --home bureau genesis --network Testcity --district North,South >/dev/null 2>&1
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
sync
for h in bureau city dist; do ct --home "$h" checkpoint --sign >"$h.cp"; done
ct --home bureau witness city.cp dist.cp >/dev/null 2>&1
ct --home bureau witness >/dev/null 2>&1
for f in bureau city dist; do ct --home bureau checkpoint --author "${!f}" >"$f.cosigned"; done
ct --home dist witness bureau.cosigned city.cosigned dist.cosigned >/dev/null 2>&1
ct --home dist prove SCALE-S --incomplete --at 2024-12-01 -o "$out/scale-s.bundle" >/dev/null 2>&1
echo "$bureau" >"$out/bureau.key"
ct --home dist chain SCALE-S --at 2024-12-01 >"$out/expected.txt"
# the complete bundle (section 13): a network checkpoint signed by the bureau, cosigned by the city
# and the lab, each having folded its own index; proven on the lab's home
ct --home bureau netcheckpoint --sign >n0.note 2>/dev/null
ct --home city netcheckpoint --witness n0.note >/dev/null 2>&1
ct --home city netcheckpoint >n1.note 2>/dev/null
ct --home dist netcheckpoint --witness n1.note >/dev/null 2>&1
ct --home dist prove SCALE-S --complete --at 2024-12-01 -o "$out/scale-s-complete.bundle" >/dev/null 2>&1
