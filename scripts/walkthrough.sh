#!/usr/bin/env bash
# A scripted walk-through of a two-node ledger on this machine: the bureau
# founds the network and admits the municipal institute; both run caltraced
# and replicate over TCP (authenticated, encrypted: docs/PROTOCOL.md); each
# writes its events; both end with the same state digest.
# Usage: scripts/walkthrough.sh PATH/TO/caltrace [WORKDIR]   (caltraced next to caltrace)
set -euo pipefail
ct=$(realpath "${1:?usage: walkthrough.sh CALTRACE [WORKDIR]}")
ctd=$(dirname "$ct")/caltraced
work=${2:-$(mktemp -d -t caltrace-walkthrough.XXXXXX)}
mkdir -p "$work"
cd "$work"
rm -rf bureau institute ./*.ct ./*.log
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ caltrace %s\n' "$*"; "$ct" "$@"; }
# synced: waits until both homes hold the same entries (the nodes replicate by themselves)
synced() {
	local start=$SECONDS
	until [ "$("$ct" --home bureau digest)" = "$("$ct" --home institute digest)" ]; do
		[ $((SECONDS - start)) -lt 30 ] || { echo "not replicated after 30 s (see $work/*.log)" >&2; exit 1; }
		sleep 0.1
	done
	echo "(replicated over TCP)"
}

step "Two node homes: the bureau and the municipal metrology institute"
bureau=$("$ct" init bureau --name "Zaozhuang market supervision bureau" --listen 127.0.0.1:7400 2>/dev/null)
echo "bureau key    $bureau"

step "The bureau founds the network; the institute joins it and both name each other as peers"
run --home bureau genesis --network "Zaozhuang legal metrology" \
	--district 市中区,薛城区,峄城区,台儿庄区,山亭区,滕州市,枣庄高新区 --min-ratio 3
network=$("$ct" --home bureau status | awk '/^network/ {print $2}')
inst=$("$ct" init institute --name "Zaozhuang institute of metrology" --listen 127.0.0.1:7401 \
	--network "$network" 2>/dev/null)
echo "institute key $inst"
run --home bureau peers add "$inst@127.0.0.1:7401"
run --home institute peers add "$bureau@127.0.0.1:7400"

step "Both run caltraced (logs in $work/*.log)"
"$ctd" --home bureau 2>bureau.log &
pids+=($!)
"$ctd" --home institute 2>institute.log &
pids+=($!)
sleep 0.5

step "The bureau admits the institute; the institute's node receives the bureau's feed"
run --home bureau admit "$inst" --name "Zaozhuang institute of metrology" --tier city \
	--scope mass,pressure,temperature --from 2020-01-01 --until 2030-12-31
run --home bureau catalogue-set scale-trade --name "trade scale" --mode V --interval-days 365 \
	--domains trade --effective 2020-01-01
synced

step "The institute registers its highest mass standard"
run --home institute standard register ZZ-MASS-E2 --name "E2 weights 1 mg-20 kg" --category mass \
	--level municipal --public --u-rel-ppm 2
synced

step "The bureau approves the standard and records its provincial calibration (the anchor)"
run --home bureau standard approve ZZ-MASS-E2 --certificate "[2024]鲁量标枣证字第001号" \
	--from 2024-03-01 --until 2028-02-28
run --home bureau standard anchor ZZ-MASS-E2 --provider "Shandong institute of metrology" \
	--certificate SD-2025-0412 --performed 2025-04-12 --until 2026-04-11 --u-rel-ppm 1
synced

step "The institute files a market's trade scale and verifies it"
run --home institute instrument register SCALE-SZ-0001 --category mass --district 市中区 \
	--owner "Shizhong farmers' market" --catalogue scale-trade --domain trade --mpe-rel-ppm 1000
run --home institute calibrate SCALE-SZ-0001 --standard ZZ-MASS-E2 --kind verification \
	--performed 2025-09-01 --valid-until 2026-08-31 --result pass --certificate JD-2025-0901
run --home institute log

step "Bad input is refused, naming the rule: a lab may not write a bureau-only event"
run --home institute catalogue-set taxi --name "taxi meter" --mode V --interval-days 365 --domains trade || true

step "Both hold the same entries: same state digest; the bureau's node shows its peer"
synced
echo "bureau    $("$ct" --home bureau digest)"
echo "institute $("$ct" --home institute digest)"
run --home bureau status
run --home bureau check
printf '\nThe two homes are in %s\n' "$work"
