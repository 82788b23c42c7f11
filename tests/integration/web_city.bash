# A small city for the web tests (sourced after common.bash, in its $work): the bureau, the
# municipal institute and a district institute; a municipal standard anchored by the province,
# a district standard calibrated with it; SCALE-N, valid until 2025-07-31 (verified with the
# municipal standard), SCALE-S, which ran out on 2024-12-31 (district standard), and an
# instrument whose id and owner are markup and script ($evil_id, $evil_owner). The homes
# exchange exports (no caltraced). Sets $bureau, $city, $dist (the keys).
bureau=$(new_home bureau)
city=$(new_home city)
dist=$(new_home dist)
# give FROM TO...: FROM's export imported by each TO (only where a later step needs it: a
# process start costs more than the work here)
give() {
	local from=$1 to
	shift
	ct --home "$from" export -o "$from.ct" >/dev/null 2>&1
	for to in "$@"; do ct --home "$to" import "$from.ct" >/dev/null 2>&1; done
}
ct --home bureau genesis --network 枣庄 --district 市中区,山亭区 >/dev/null 2>&1
ct --home bureau admit "$city" --name 枣庄市计量测试所 --tier city --district 市中区 --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
ct --home bureau admit "$dist" --name 山亭区计量所 --tier district --district 山亭区 --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
ct --home bureau catalogue-set scale-trade --name "trade scale" --mode V --interval-days 365 \
	--domains trade --effective 2020-01-01 >/dev/null
give bureau city dist
ct --home city standard register M1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2 >/dev/null
ct --home dist standard register D1 --name "F1 weights" --category mass --level district --public --u-rel-ppm 20 >/dev/null
give dist city bureau
give city bureau
ct --home bureau standard approve M1 --certificate EX-1 --from 2024-01-01 --until 2028-12-31 >/dev/null
ct --home bureau standard approve D1 --certificate EX-2 --from 2024-01-01 --until 2028-12-31 >/dev/null
ct --home bureau standard anchor M1 --provider 山东省计量科学研究院 --certificate P-1 \
	--performed 2024-06-01 --until 2025-05-31 --u-rel-ppm 1 >/dev/null
give bureau city
ct --home city calibrate D1 --standard M1 --kind calibration --performed 2024-07-01 --valid-until 2025-06-30 \
	--result pass --certificate C-D1 >/dev/null
ct --home city instrument register SCALE-N --category mass --district 市中区 --owner 光明路农贸市场 \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000 >/dev/null
ct --home city calibrate SCALE-N --standard M1 --kind verification --performed 2024-08-01 \
	--valid-until 2025-07-31 --result pass --certificate V-N >/dev/null
give city dist
ct --home dist instrument register SCALE-S --category mass --district 山亭区 --owner Mill \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000 >/dev/null
ct --home dist calibrate SCALE-S --standard D1 --kind verification --performed 2024-09-01 \
	--valid-until 2024-12-31 --result pass --certificate V-S >/dev/null
evil_id='<script>window.__pwned=1;alert(1)</script>'
evil_owner='<img src=x onerror="window.__pwned=2"><b onmouseover="alert(3)">"Shop"</b>'
ct --home dist instrument register "$evil_id" --category mass --district 山亭区 --owner "$evil_owner" \
	--mpe-rel-ppm 1000 >/dev/null
give city bureau
give dist bureau

