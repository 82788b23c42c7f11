#!/usr/bin/env bash
# caltrace serve's pages in a real browser: headless Chromium (one instance, driven over the
# DevTools protocol by web_browser.py) loads the instrument page of a valid and of an invalid
# instrument in Chinese and in English, the dashboard in both, the search page, a lab's due
# list, and the page of an instrument whose id and owner are markup and script. It checks what
# each page shows (verdict, reason, district table), that no page breaks its
# Content-Security-Policy or opens a dialog, and that the hostile instrument stays text; then
# renders a sheet of QR labels (SVG) and reads its codes back with zbarimg.
# Screenshots go to $CT_ARTIFACTS/web (ctest sets it to the build's test-artifacts folder).
source "$(dirname "$0")/common.bash"
export CALTRACE_NOW=2025-01-05T08:00:00Z
chromium=${CHROMIUM:-$(command -v chromium || true)}
[ -x "$chromium" ] || fail "chromium is missing (scripts/deps.sh installs it)"
shots=${CT_ARTIFACTS:-$work/artifacts}/web
mkdir -p "$shots"

source "$CT_SOURCE_DIR/tests/integration/web_city.bash"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in 1 2 3 4 5 6 7 8; do
	port=$((20000 + (RANDOM * 7 + $$) % 12000))
	port_busy "$port" || break
done
"$CALTRACE" --home bureau serve --listen "127.0.0.1:$port" 2>"$work/serve.log" &
serve=$!
trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/v1" >/dev/null && break; sleep 0.2; done
url="http://127.0.0.1:$port"
evil_path=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$evil_id")

# the label sheet of three of them, as SVG, rendered by the same browser below
ct --home bureau label SCALE-N SCALE-S "$evil_id" --base-url "$url" -o "$work/labels.svg" 2>/dev/null ||
	fail "caltrace label failed"

python3 - "$url" "$dist" "$evil_path" "$evil_id" "$evil_owner" "$work/labels.svg" >"$work/plan.json" <<'PY'
import json, sys
url, dist, evil_path, evil_id, evil_owner, labels = sys.argv[1:]
q = json.dumps  # a Python string as a JavaScript literal
verdict = "document.getElementById('verdict').dataset.verdict"
word = "document.querySelector('#verdict .word').textContent"
plan = [
    {"name": "instrument-valid-zh", "url": url + "/i/SCALE-N", "width": 412, "height": 900,
     "accept_language": "zh-CN,zh;q=0.9", "checks": [
        [verdict + " === 'valid'", "the verdict is valid"],
        [word + " === '可溯源'", "the badge says 可溯源"],
        ["document.documentElement.lang === 'zh-CN'", "the page is Chinese"],
        ["document.getElementById('latest').textContent.includes('V-N')", "the certificate is shown"],
        ["document.querySelector('#latest .valid-until').textContent === '2025-07-31'", "the validity is shown"],
        ["document.querySelectorAll('#chain .node').length === 4", "the chain has its four nodes"],
        ["document.getElementById('proof').getAttribute('href').startsWith('/api/v1/instruments/SCALE-N/proof?at=')",
         "the proof can be downloaded"],
        ["document.body.scrollWidth <= 412", "nothing is wider than a phone"]]},
    {"name": "instrument-invalid-en", "url": url + "/i/SCALE-S", "width": 412, "height": 900,
     "accept_language": "en-US,en;q=0.9", "checks": [
        [verdict + " === 'invalid'", "the verdict is invalid"],
        [word + " === 'Not traceable'", "the badge says Not traceable"],
        ["document.documentElement.lang === 'en'", "the page is English"],
        ["document.querySelector('#why li[data-reason=expired]') !== null", "the reason is at the top"],
        ["document.querySelector('#chain .node.broken li[data-reason=expired]').textContent.includes('valid_until 2024-12-31')",
         "the broken link says why"],
        ["document.body.scrollWidth <= 412", "nothing is wider than a phone"]]},
    {"name": "instrument-invalid-zh", "url": url + "/i/SCALE-S?lang=zh-CN", "width": 1100,
     "accept_language": "en-US", "checks": [
        [word + " === '不可溯源'", "?lang=zh-CN wins over Accept-Language"],
        ["document.querySelector('#why li[data-reason=expired]').textContent.includes('检定/校准已过有效期')",
         "the reason is explained in Chinese"]]},
    {"name": "instrument-script", "url": url + "/i/" + evil_path, "width": 1100, "accept_language": "en", "checks": [
        ["document.querySelectorAll('script').length === 0", "no script element made it into the page"],
        ["document.querySelectorAll('img, b, [onerror], [onmouseover]').length === 0", "no markup from the ledger"],
        ["document.getElementById('subject').textContent === " + q(evil_id), "the id shows as text"],
        ["document.querySelector('#facts dd').textContent === " + q(evil_owner), "the owner shows as text"],
        ["window.__pwned === undefined", "nothing of the ledger ran"]]},
    {"name": "dashboard-zh", "url": url + "/dashboard?at=2024-12-01", "width": 1100, "height": 1400,
     "accept_language": "zh-CN", "checks": [
        ["document.documentElement.lang === 'zh-CN'", "the page is Chinese"],
        ["document.querySelectorAll('#districts tr[data-district]').length === 2", "the district table has both districts"],
        ["document.querySelector('#districts tr[data-district=\"山亭区\"]').textContent.includes('100.00%')",
         "山亭区's coverage is shown"],
        ["document.querySelector('#indicators').textContent.includes('量传溯源体系覆盖率')", "the indicators are named"],
        ["document.querySelectorAll('#trend polyline').length >= 1", "the trend is drawn"]]},
    {"name": "dashboard-en", "url": url + "/dashboard?lang=en", "width": 1100, "height": 1400,
     "accept_language": "zh-CN", "checks": [
        ["document.documentElement.lang === 'en'", "?lang=en gives English"],
        ["document.querySelector('#districts th').textContent === 'District'", "the table is in English"],
        ["document.querySelector('#overdue a').textContent === '山亭区计量所'", "the lab with overdue instruments is listed"]]},
    {"name": "lab-due", "url": url + "/labs/" + dist, "width": 412, "accept_language": "zh-CN", "checks": [
        ["document.querySelector('#due tr[data-state=overdue]').textContent.includes('SCALE-S')",
         "SCALE-S is overdue on the lab's list"]]},
    {"name": "search", "url": url + "/", "width": 412, "height": 700, "accept_language": "en", "checks": [
        ["document.getElementById('search') !== null", "the search form is there"],
        ["document.getElementById('scan-start').hidden === !('BarcodeDetector' in window)",
         "the scan button shows exactly where the browser can scan"]]},
    {"name": "search-found", "url": url + "/?q=SCALE-N", "width": 412, "accept_language": "en", "checks": [
        ["location.pathname === '/i/SCALE-N'", "a known id opens its page"]]},
    {"name": "labels-svg", "url": "file://" + labels, "width": 794, "height": 1123, "checks": [
        ["document.querySelectorAll('g.label').length === 3", "three labels"],
        ["document.querySelectorAll('script').length === 0", "the id's markup stays text in the SVG"]]},
]
json.dump(plan, sys.stdout, ensure_ascii=False)
PY
if ! CHROMIUM=$chromium timeout 150 python3 "$CT_SOURCE_DIR/tests/integration/web_browser.py" "$work/plan.json" "$shots"; then
	kill -0 $serve 2>/dev/null || echo "caltrace serve is no longer running; its log:" >&2
	tail -n 40 "$work/serve.log" >&2
	fail "the pages are not what they should be (screenshots in $shots)"
fi

# the labels' QR codes, read back from the rendered sheet, open the three pages
command -v zbarimg >/dev/null || fail "zbarimg is missing (scripts/deps.sh installs zbar-tools)"
zbarimg -q --raw "$shots/labels-svg.png" 2>/dev/null | sort >"$work/qr.txt" || true
printf '%s\n' "$url/i/SCALE-N" "$url/i/SCALE-S" "$url/i/$evil_path" | sort >"$work/qr.want"
cmp -s "$work/qr.txt" "$work/qr.want" || fail "the QR codes read $(cat "$work/qr.txt"), not $(cat "$work/qr.want")"
echo "screenshots in $shots" >&2
