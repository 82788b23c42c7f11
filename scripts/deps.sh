#!/usr/bin/env bash
# Installs the Debian packages caltrace needs, when any is missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

packages=(build-essential cmake pkg-config liblmdb-dev lmdb-utils libuv1-dev libsodium-dev libzstd-dev
	libssl-dev # libcrypto: SHA-256 with the processor's SHA instructions (core/base/sha256.c)
	libmsgpack-dev libjansson-dev libcmocka-dev
	libmicrohttpd-dev # caltraced --metrics, caltrace serve
	libqrencode-dev # caltrace label
	dpkg-dev lintian file systemd # the package and its test (cpack -G DEB, lintian, systemd-analyze)
	python3 curl # tests that parse JSON and scrape metrics, and drive the web API
	# the web tests: headless Chromium drives the pages (with a CJK font for the zh-CN
	# screenshots), zbarimg reads the labels' QR codes back, poppler renders their PDF; wrk is
	# the web benchmark's load generator (bench/bench_web.sh)
	chromium fonts-wqy-microhei zbar-tools poppler-utils wrk)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
