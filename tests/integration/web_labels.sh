#!/usr/bin/env bash
# caltrace label: PDF sheets of QR labels for given instruments and for a lab's due list. The
# PDF is read back with poppler (pdfinfo, pdftotext, pdftoppm) and its QR codes with zbarimg:
# each opens the instrument's page under --base-url; the label prints the id, the validity and
# the certificate. Bad usage and unknown ids are errors that name what is wrong. (The SVG form
# is rendered and read back by web_pages.sh.)
source "$(dirname "$0")/common.bash"
export CALTRACE_NOW=2025-01-05T08:00:00Z
for tool in pdfinfo pdftotext pdftoppm zbarimg; do
	command -v $tool >/dev/null || fail "$tool is missing (scripts/deps.sh installs poppler-utils and zbar-tools)"
done
source "$CT_SOURCE_DIR/tests/integration/web_city.bash"
base=https://metrology.example.gov.cn

# three instruments on one sheet
run_expect 0 out -- ct --home bureau label SCALE-N SCALE-S "$evil_id" --base-url "$base/" -o three.pdf
has out "three.pdf: 3 labels on 1 sheet (PDF)"
pdfinfo three.pdf >info.txt 2>&1 || fail "pdfinfo cannot read the sheet: $(cat info.txt)"
has info.txt "Pages:           1" "595.28 x 841.89 pts (A4)"
pdftotext three.pdf text.txt
has text.txt SCALE-N SCALE-S "2025-07-31" "2024-12-31" "cert. V-N" "cert. V-S" "verification valid until" \
	"<script>window._" "_pwned=1;alert(1…" "no verification on record"
pdftoppm -r 200 -png three.pdf sheet
zbarimg -q --raw sheet-1.png 2>/dev/null | sort >qr.txt || true
evil_path=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$evil_id")
printf '%s\n' "$base/i/SCALE-N" "$base/i/SCALE-S" "$base/i/$evil_path" | sort >qr.want
cmp -s qr.txt qr.want || fail "the QR codes read $(cat qr.txt), not $(cat qr.want)"

# a lab's work list: the district institute's overdue instruments (SCALE-S, and the never verified one)
run_expect 0 out -- ct --home bureau label --lab "$dist" --due-within 30 --base-url "$base" -o due.pdf
has out "due.pdf: 2 labels on 1 sheet (PDF)"
pdftotext due.pdf due.txt
has due.txt SCALE-S "<script>window._"
! grep -q SCALE-N due.txt || fail "the district lab's list has the city's instrument"
run_expect 1 out -- ct --home bureau label --lab "$city" --due-within 30 --base-url "$base" -o none.pdf
has out "nothing of lab ${city:0:8}… is overdue or due within 30 days; no sheet written"
[ ! -e none.pdf ] || fail "an empty sheet was written"

# more than a sheet: 30 labels on two pages
for i in $(seq 30); do echo "{\"type\":\"instrument.register\",\"id\":\"BULK-$i\",\"category\":\"mass\",\"district\":\"市中区\",\"owner\":\"o\",\"mpe\":{\"rel_ppm\":1000}}"; done >bulk.ndjson
ct --home city import-records bulk.ndjson >/dev/null 2>&1
run_expect 0 out -- ct --home city label $(seq -f 'BULK-%g' 30) --base-url "$base" -o bulk.pdf
has out "30 labels on 2 sheets"
pdfinfo bulk.pdf >info.txt
has info.txt "Pages:           2"

# errors name what is wrong
run_expect 2 out -- ct --home bureau label SCALE-N NO-SUCH --base-url "$base" -o x.pdf
has out "no instrument with id 'NO-SUCH'"
run_expect 2 out -- ct --home bureau label SCALE-N -o x.pdf
has out "needs --base-url"
run_expect 2 out -- ct --home bureau label SCALE-N --base-url ftp://x -o x.pdf
has out "is not an http:// or https:// address"
run_expect 2 out -- ct --home bureau label SCALE-N --base-url "$base" -o x.pdf --format png
has out "--format expects svg or pdf"
run_expect 2 out -- ct --home bureau label --lab "$dist" --base-url "$base" -o x.pdf
has out "expects instrument IDs, or --lab KEY with --due-within DAYS"
[ ! -e x.pdf ] || fail "a sheet was written after an error"
