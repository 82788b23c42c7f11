/*
 * The static files the pages use, compiled in: one stylesheet (readable on
 * a phone, prints on A4), the search page's QR scanner (the browser's
 * BarcodeDetector, where it has one; nothing is loaded from elsewhere),
 * and an icon.
 */
#include <string.h>

#include "web_internal.h"

static const char css[] =
    ":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--ok:#1a7f37;--okbg:#dafbe1;"
    "--warn:#9a6700;--warnbg:#fff8c5;--bad:#cf222e;--badbg:#ffebe9;--link:#0969da}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI','PingFang SC','Hiragino Sans GB',"
    "'Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Micro Hei',Roboto,sans-serif;color:var(--fg);"
    "background:var(--bg)}\n"
    "a{color:var(--link)}a:focus,button:focus,input:focus{outline:3px solid #54aeff;outline-offset:1px}\n"
    "header.top{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;justify-content:space-between;"
    "padding:10px 16px;border-bottom:1px solid var(--line);background:var(--soft)}\n"
    "header.top .home{font-weight:700;color:var(--fg);text-decoration:none}\n"
    "header.top nav a{margin-left:12px}\n"
    "main{max-width:980px;margin:0 auto;padding:12px 16px 32px}\n"
    "footer{max-width:980px;margin:0 auto;padding:12px 16px;color:var(--muted);font-size:13px}\n"
    "h1{font-size:24px;margin:8px 0;word-break:break-word}h2{font-size:19px;margin:28px 0 8px;"
    "border-bottom:1px solid var(--line);padding-bottom:4px}\n"
    ".sub,.note{color:var(--muted);font-size:14px}\n"
    "code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;"
    "word-break:break-all}\n"
    ".verdict{display:flex;flex-wrap:wrap;gap:8px "
    "16px;align-items:center;padding:16px;border-radius:12px;margin:12px 0;"
    "border:2px solid}\n"
    ".verdict.v-valid{background:var(--okbg);border-color:var(--ok)}"
    ".verdict.v-suspect{background:var(--warnbg);border-color:var(--warn)}"
    ".verdict.v-invalid{background:var(--badbg);border-color:var(--bad)}\n"
    ".verdict .kind{color:var(--muted);font-size:14px}.verdict h1{margin:0}\n"
    ".badge{display:inline-flex;align-items:center;gap:6px;white-space:nowrap;font-weight:600}\n"
    ".badge.big .word{font-size:26px}.badge.small{font-size:13px;padding:0 8px 0 2px;border-radius:12px;"
    "border:1px solid}\n"
    ".badge.small.v-valid{color:var(--ok)}.badge.small.v-suspect{color:var(--warn)}"
    ".badge.small.v-invalid{color:var(--bad)}\n"
    ".icon{flex:none;vertical-align:middle}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0}\n"
    "dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-word}\n"
    "ol.tree,ol.tree ol{list-style:none;margin:0;padding:0}\n"
    "ol.tree ol{margin-left:10px;padding-left:14px;border-left:2px solid var(--line)}\n"
    "ol.tree li{margin:6px 0}\n"
    ".node{padding:8px 10px;border:1px solid var(--line);border-radius:8px;background:var(--bg)}\n"
    ".node.broken{border:2px solid var(--bad);background:var(--badbg)}"
    ".node.suspect{border:2px solid var(--warn);background:var(--warnbg)}\n"
    ".node .what{font-weight:600;word-break:break-word}.node .when{color:var(--muted);font-size:14px}\n"
    "ul.reasons{margin:6px 0 0;padding-left:20px;font-size:14px}\n"
    "ul.reasons li.r-invalid{color:var(--bad)}ul.reasons li.r-suspect{color:var(--warn)}"
    "ul.reasons li.r-warning{color:var(--muted)}\n"
    "ul.why{font-size:15px;margin:0 0 12px}ul.reasons .detail{color:var(--muted)}\n"
    ".actions{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:20px 0 4px}\n"
    ".button,button{display:inline-block;padding:10px 16px;border-radius:8px;border:1px solid var(--link);"
    "background:var(--link);color:#fff;text-decoration:none;font:inherit;font-weight:600;cursor:pointer}\n"
    "button.secondary{background:var(--bg);color:var(--link)}\n"
    "form.search{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}\n"
    "form.search input{flex:1 1 220px;font:inherit;padding:10px;border:1px solid "
    "var(--line);border-radius:8px}\n"
    "video{width:100%;max-width:480px;border-radius:8px;background:#000}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0 12px}\n"
    "th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;vertical-align:top}\n"
    "th:first-child,td:first-child{text-align:left}th{background:var(--soft);font-weight:600}\n"
    "td.l,th.l{text-align:left}\n"
    ".st{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;border:1px "
    "solid;white-space:nowrap}\n"
    ".st.s2,.st.ok{color:var(--ok)}.st.s1{color:var(--warn)}.st.s0,.st.bad{color:var(--bad)}"
    ".st.s-1{color:var(--muted)}\n"
    "figure{margin:8px 0 "
    "16px}figcaption{font-size:13px;color:var(--muted)}svg.chart{width:100%;height:auto}\n"
    "svg text{font-size:11px;fill:#333}\n"
    ".pager{display:flex;gap:16px;align-items:center;margin:8px 0}\n"
    "@media (max-width:600px){body{font-size:15px}h1{font-size:20px}.badge.big .word{font-size:22px}"
    "dl.facts{grid-template-columns:1fr}dl.facts dt{margin-top:6px}th,td{padding:5px 4px}}\n"
    "@media print{header.top nav,.actions,footer{display:none}main{max-width:none}}\n";

/*
 * The search page's scanner. Where the browser has BarcodeDetector (and a
 * camera), the scan button shows; a code that is an address of this site
 * is opened, anything else goes into the search box.
 */
static const char scan_js[] =
    "'use strict';\n"
    "(function () {\n"
    "  var start = document.getElementById('scan-start');\n"
    "  var note = document.getElementById('scan-note');\n"
    "  var video = document.getElementById('scan-video');\n"
    "  var form = document.getElementById('search');\n"
    "  if (!start || !video || !form) return;\n"
    "  if (!('BarcodeDetector' in window) || !navigator.mediaDevices) {\n"
    "    if (note) note.hidden = false;\n"
    "    return;\n"
    "  }\n"
    "  start.hidden = false;\n"
    "  var stream = null, timer = null, detector = null;\n"
    "  var startText = start.textContent, stopText = start.getAttribute('data-stop');\n"
    "  function stop() {\n"
    "    if (timer) clearTimeout(timer);\n"
    "    timer = null;\n"
    "    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });\n"
    "    stream = null;\n"
    "    video.hidden = true;\n"
    "    start.textContent = startText;\n"
    "  }\n"
    "  function found(text) {\n"
    "    stop();\n"
    "    try {\n"
    "      var u = new URL(text, location.href);\n"
    "      if (u.origin === location.origin || /^\\/[is]\\//.test(u.pathname)) {\n"
    "        location.href = location.origin + u.pathname + u.search;\n"
    "        return;\n"
    "      }\n"
    "    } catch (e) {}\n"
    "    form.elements.q.value = text;\n"
    "    form.submit();\n"
    "  }\n"
    "  function tick() {\n"
    "    detector.detect(video).then(function (codes) {\n"
    "      if (codes.length) found(codes[0].rawValue);\n"
    "      else if (stream) timer = setTimeout(tick, 250);\n"
    "    }, function () { if (stream) timer = setTimeout(tick, 500); });\n"
    "  }\n"
    "  start.addEventListener('click', function () {\n"
    "    if (stream) { stop(); return; }\n"
    "    detector = new BarcodeDetector({formats: ['qr_code']});\n"
    "    navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}}).then(function (s) {\n"
    "      stream = s;\n"
    "      video.srcObject = s;\n"
    "      video.hidden = false;\n"
    "      start.textContent = stopText;\n"
    "      video.play();\n"
    "      tick();\n"
    "    }, function () { if (note) note.hidden = false; });\n"
    "  });\n"
    "})();\n";

static const char icon_svg[] =
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>"
    "<rect width='32' height='32' rx='6' fill='#0969da'/>"
    "<path d='M8 17l5 5 11-12' fill='none' stroke='#fff' stroke-width='3.5' stroke-linecap='round' "
    "stroke-linejoin='round'/></svg>\n";

void ct__asset(const ct_web_route *rt, ct_web_response *resp)
{
	const char *body = css, *type = "text/css; charset=utf-8";
	size_t len = sizeof(css) - 1;

	if (!strcmp(rt->asset, "scan.js")) {
		body = scan_js;
		len = sizeof(scan_js) - 1;
		type = "text/javascript; charset=utf-8";
	} else if (!strcmp(rt->asset, "icon.svg")) {
		body = icon_svg;
		len = sizeof(icon_svg) - 1;
		type = "image/svg+xml";
	}
	if (ct_buf_put(&resp->body, body, len) < 0) {
		ct__problem(resp, false, rt->lang, 500, "/static/", "out of memory");
		return;
	}
	resp->status = 200;
	resp->content_type = type;
	resp->cache = "public, max-age=3600";
}
