#!/usr/bin/env python3
"""Drives one headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe:
JSON messages ended by NUL on file descriptors 3 and 4), so that a whole set of pages costs one
browser start-up.

    web_browser.py PLAN.json SCREENSHOT_DIR

PLAN is a list of pages: {"name", "url", "width", "height", "accept_language",
"checks": [[JavaScript expression, what it means], ...]}. For each page the browser loads the
URL with that viewport and Accept-Language, records every Content-Security-Policy violation
and every JavaScript dialog (alert, confirm, prompt), writes a full-page screenshot NAME.png,
and evaluates each check in the page: the run fails, naming the page and the check, when a
check is not true, when the page breaks the policy or opens a dialog, or when the load fails.
Exit status 0 when every page passed.
"""
import base64
import json
import os
import subprocess
import sys
import time

TIMEOUT = 30  # seconds for any one answer of the browser


class Browser:
    def __init__(self, binary):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        os.set_inheritable(to_browser_r, True)
        os.set_inheritable(from_browser_w, True)

        def fds():  # the child reads commands on 3 and writes answers on 4
            r, w = os.dup(to_browser_r), os.dup(from_browser_w)  # out of the way of 3 and 4 first
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.profile = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ct-chromium-%d" % os.getpid())
        args = [binary, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
                "--user-data-dir=" + self.profile, "about:blank"]
        # pass_fds keeps 3 and 4 open past the closing of every other descriptor, which follows fds()
        self.proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_browser, json.dumps(msg).encode() + b"\0")
        return self.wait(lambda m: m.get("id") == self.next_id, method)

    def read(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("no answer from the browser")
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise EOFError("the browser closed its pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def wait(self, match, what):
        for i, m in enumerate(self.events):
            if match(m):
                return self.events.pop(i)
        deadline = time.time() + TIMEOUT
        while True:
            m = self.read(deadline)
            if match(m):
                if "error" in m:
                    raise RuntimeError("%s: %s" % (what, m["error"]))
                return m
            self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["rm", "-rf", self.profile])


WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });
"""


def open_tab(b):
    """One tab for every page (a tab costs more than a page on a busy machine)."""
    target = b.send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
    session = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
    for domain in ("Page", "Runtime"):
        b.send(domain + ".enable", session=session)
    b.send("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH}, session=session)
    return session


def visit(b, session, page, shots):
    name = page["name"]
    width, height = page.get("width", 1100), page.get("height", 1400)
    b.send("Emulation.setDeviceMetricsOverride",
           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}, session=session)
    b.send("Emulation.setUserAgentOverride",
           {"userAgent": "caltrace-test (headless Chromium)",
            "acceptLanguage": page.get("accept_language", "en-US")}, session=session)
    b.events = []
    nav = b.send("Page.navigate", {"url": page["url"]}, session=session)["result"]
    if nav.get("errorText"):
        return ["%s: cannot load %s: %s" % (name, page["url"], nav["errorText"])]
    problems = []
    while True:  # a dialog would hold the load: say so, dismiss it, go on
        m = b.wait(lambda m: m.get("sessionId") == session and m.get("method") in
                   ("Page.loadEventFired", "Page.javascriptDialogOpening"), name + ": load")
        if m["method"] == "Page.loadEventFired":
            break
        problems.append("%s: a JavaScript dialog opened: %s" % (name, m["params"].get("message")))
        b.send("Page.handleJavaScriptDialog", {"accept": False}, session=session)

    def evaluate(expr):
        r = b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=session)["result"]
        if "exceptionDetails" in r:
            return "exception: " + json.dumps(r["exceptionDetails"].get("exception", {}).get("description"))
        return r["result"].get("value")

    for expr, meaning in page.get("checks", []):
        got = evaluate(expr)
        if got is not True:
            problems.append("%s: %s: `%s` is %r" % (name, meaning, expr, got))
    csp = evaluate("window.__csp")
    if csp:
        problems.append("%s: the page breaks its Content-Security-Policy: %s" % (name, csp))
    full = evaluate("Math.ceil(document.documentElement.scrollHeight)")
    shot = b.send("Page.captureScreenshot",
                  {"format": "png", "captureBeyondViewport": True,
                   "clip": {"x": 0, "y": 0, "width": width, "height": max(height, full or 0), "scale": 1}},
                  session=session)["result"]["data"]
    with open(os.path.join(shots, name + ".png"), "wb") as f:
        f.write(base64.b64decode(shot))
    return problems


def main():
    plan = json.load(open(sys.argv[1]))
    shots = sys.argv[2]
    os.makedirs(shots, exist_ok=True)
    binary = os.environ.get("CHROMIUM", "chromium")
    b = Browser(binary)
    problems = []
    try:
        session = open_tab(b)
        for page in plan:
            start = time.time()
            problems += visit(b, session, page, shots)
            print("%-24s %.2f s" % (page["name"], time.time() - start), file=sys.stderr)
    finally:
        b.close()
    for p in problems:
        print("FAIL: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
